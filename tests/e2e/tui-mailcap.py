#!/usr/bin/python3
"""e2e (tmux, against the kit): opening attachments through mailcap never
runs text from the message. Attachment names holding $(...), backticks,
';', quotes and a newline, and a hostile charset= parameter, are opened
under mailcap entries that write %s bare, in double quotes and in single
quotes: the viewer runs and receives the attachment's bytes, and nothing
else runs. An entry that would pass the hostile parameter to the shell is
refused with a message instead."""

import base64
import glob
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402

# (subject, Content-Type parameters, Content-Disposition file name parameter)
HOSTILE = [
    ("dollar paren", "", "filename=\"x'$(touch PWNED-dollar)'.pdf\""),
    ("backticks", "", "filename=\"`touch PWNED-backtick`.pdf\""),
    ("semicolon", "", "filename=\"a;touch PWNED-semicolon;.pdf\""),
    ("double quote", "", "filename*=UTF-8''q%22%24(touch%20PWNED-dquote)%22.pdf"),
    ("newline", "", "filename*=UTF-8''a%0Atouch%20PWNED-newline%0A.pdf"),
    ("hostile charset", "; charset=\"x$(touch PWNED-charset)\"", "filename=\"plain.pdf\""),
]

# each viewer also records the name and directory mode it was given
ENTRIES = {
    "bare": "application/pdf; cp %s {out} \\; basename %s > {out}.name \\; stat -c \\%a $(dirname %s) > {out}.mode",
    "double quotes": "application/pdf; cp \"%s\" {out} \\; basename \"%s\" > {out}.name \\; "
                     "stat -c \\%a \"$(dirname \"%s\")\" > {out}.mode",
    "single quotes": "application/pdf; cp '%s' {out} \\; basename '%s' > {out}.name \\; "
                     "stat -c \\%a \"$(dirname '%s')\" > {out}.mode",
}


def body(i):
    return ("%%PDF-1.4 attachment %d \x00\x01\x02 " % i).encode() + bytes(range(256))


def message(i, subject, type_params, name):
    b64 = base64.encodebytes(body(i)).decode().replace("\n", "\r\n")
    return ("From: attacker@example.org\r\nSubject: %s\r\nDate: Mon, 1 Jan 2035 00:00:%02d +0000\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n--mix\r\n"
            "Content-Type: text/plain\r\n\r\nsee the attachment\r\n--mix\r\n"
            "Content-Type: application/pdf%s\r\nContent-Disposition: attachment; %s\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s--mix--\r\n"
            % (subject, i, type_params, name, b64)).encode()


def pwned(*dirs):
    return sorted(p for d in dirs for p in glob.glob(os.path.join(d, "**", "PWNED*"), recursive=True))


def main(t):
    with Kit() as k:
        c = k.imap("alice")
        for i, (subject, params, name) in enumerate(HOSTILE):
            c.append("INBOX", None, None, message(i, subject, params, name))
        c.logout()
        r = TernRun(k, "mailcap")
        r.account("demo", imap="imaps")
        r.write()
        work = os.path.join(r.home, "work")
        os.makedirs(work)
        out = os.path.join(work, "received")
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ") if key in r.env}
        env["PAGER"] = "cat"
        with Screen(["sh", "-c", "cd '%s' && exec '%s' -F '%s'" % (work, TERN, r.mailrc)], env=env,
                    width=110, height=30) as s:
            s.wait_for("synced")
            for style, entry in ENTRIES.items():
                with open(os.path.join(r.home, ".mailcap"), "w") as f:
                    f.write(entry.format(out=out) + "\n")
                for i, (subject, _, _) in enumerate(HOSTILE):
                    for f in (out, out + ".name", out + ".mode"):
                        if os.path.exists(f):
                            os.unlink(f)
                    s.send("/")
                    s.type(subject)
                    s.send("Enter", "Enter")
                    s.wait_for("see the attachment")
                    s.send("v")
                    s.wait_for("attachments (")
                    s.send("j", "j", "Enter")
                    for _ in range(200):        # the viewer writes .mode last
                        if os.path.exists(out + ".mode") and os.path.getsize(out + ".mode"):
                            break
                        time.sleep(0.05)
                    screen = s.wait_for("Press Enter", 10)
                    s.send("Enter")
                    s.wait_for("attachments (")
                    got = open(out, "rb").read() if os.path.exists(out) else None
                    t.ok(got == body(i), "%s %%s, %s: the viewer ran and got the attachment's bytes"
                         % (style, subject), screen)
                    t.is_(pwned(work, r.home, k.dir), [], "%s %%s, %s: nothing else ran" % (style, subject))
                    name = open(out + ".name").read().strip() if os.path.exists(out + ".name") else ""
                    mode = open(out + ".mode").read().strip() if os.path.exists(out + ".mode") else ""
                    t.ok(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.pdf", name) and mode == "700",
                         "%s %%s, %s: the file is %r in a 0700 directory" % (style, subject, name), mode)
                    s.send("q")
                    s.wait_for("see the attachment")
                    s.send("q")
                    s.wait_for("synced")

            # an entry that hands the hostile charset to the shell is refused
            with open(os.path.join(r.home, ".mailcap"), "w") as f:
                f.write("application/pdf; iconv -f '%%{charset}' %%s > %s\n" % out)
            if os.path.exists(out):
                os.unlink(out)
            s.send("/")
            s.type("hostile charset")
            s.send("Enter", "Enter")
            s.wait_for("see the attachment")
            s.send("v")
            s.wait_for("attachments (")
            s.send("j", "j", "Enter")
            screen = s.wait_for("refused")
            t.ok("unsafe for a shell" in screen and "save it with s" in screen,
                 "a %{charset} holding $(...) refuses the entry with a reason", screen)
            t.ok(not os.path.exists(out), "and the command did not run")
            t.is_(pwned(work, r.home, k.dir), [], "nothing else ran either")
            s.send("q")
            s.wait_for("see the attachment")
            s.send("q", "q")
            s.exit_status()


run(main)
