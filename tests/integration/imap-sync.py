#!/usr/bin/python3
"""IMAP sync through the header cache, checked from the outside, on every
IMAP server of the kit's matrix (Dovecot, Cyrus): messages added,
expunged and re-flagged by a second client (imaplib) between runs show up
correctly in tern -H, in each sync mode (QRESYNC, CONDSTORE, plain
resync, and a server that offers neither); a UIDVALIDITY change; a
corrupt cache; two tern -H at once; hostile header bytes; --check and
--json. On Cyrus a warm QRESYNC open failed ("BAD Invalid modifier list"
for libetpan's SELECT without parentheses) and so did every command sent
with a trailing space (issue 16)."""

import email.header
import imaplib
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, matrix         # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402


def server_view(k, folder="INBOX"):
    """[(uid, flag letters, decoded subject)] in UID order, from imaplib."""
    c = k.imap()
    c.select('"%s"' % folder)
    typ, data = c.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    rows = []
    for item in data:
        if not isinstance(item, tuple):
            continue
        meta = item[0].decode()
        uid = int(re.search(r"UID (\d+)", meta).group(1))
        flags = re.search(r"FLAGS \(([^)]*)\)", meta).group(1)
        raw = item[1].decode("utf-8", "replace").split(":", 1)[1].strip() if b":" in item[1] else ""
        raw = re.sub(r"\r?\n[ \t]", " ", raw).strip()
        subject = str(email.header.make_header(email.header.decode_header(raw))) if raw else ""
        rows.append((uid, flags, subject))
    c.logout()
    rows.sort()
    return rows


BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C, 0x2028, 0x2029}


def visible(text):
    """What tern's sanitizer makes of text on one line."""
    out = []
    for ch in text:
        cp = ord(ch)
        if ch in "\t\r\n":
            out.append(" ")
        elif cp < 0x20 or cp == 0x7F:
            out.append("^?" if cp == 0x7F else "^" + chr(cp + 64))
        elif 0x80 <= cp <= 0x9F or cp in BIDI:
            out.append("<U+%04X>" % cp)
        else:
            out.append(ch)
    return "".join(out)


def expected_lines(rows):
    """What -H must show for rows: flag column and subject."""
    out = []
    for uid, flags, subject in rows:
        status = " " if "\\Seen" in flags else ("N" if "\\Recent" in flags else "O")
        flagged = "F" if "\\Flagged" in flags else " "
        third = "D" if "\\Deleted" in flags else ("A" if "\\Answered" in flags else " ")
        out.append((status if status == " " else "?", flagged, third, visible(subject).strip()))
    return out


def tern_lines(out):
    rows = []
    for line in out.splitlines():
        m = re.match(r"^ *(\d+) (.)(.)(.) (\w{3} \d\d \d\d:\d\d)  (.*)$", line)
        if not m:
            rows.append(("BAD", line))
            continue
        status = " " if m.group(2) == " " else "?"
        subject = m.group(6)
        # sender column: 20 columns then two spaces
        rows.append((status, m.group(3), m.group(4), subject))
    return rows


def same_as_server(t, k, out, name, folder="INBOX"):
    view = expected_lines(server_view(k, folder))
    got = tern_lines(out)
    ok = len(view) == len(got)
    bad = None
    for want, have in zip(view, got):
        if have[0] == "BAD" or want[:3] != have[:3] or want[3][:40].rstrip() not in have[3]:
            ok = False
            bad = (want, have)
            break
    t.ok(ok, name, "server %d lines, tern %d; first difference %r" % (len(view), len(got), bad))


def change_from_outside(k, step):
    """A second client: append, expunge, flag, mark seen."""
    c = k.imap()
    c.select("INBOX")
    for i in range(3):
        msg = ("From: Outside <out@example.org>\r\nSubject: outside %d-%d\r\n"
               "Message-ID: <out-%d-%d@example.org>\r\n\r\nbody\r\n") % (step, i, step, i)
        c.append("INBOX", None, None, msg.encode())
    typ, data = c.uid("SEARCH", None, "ALL")
    uids = data[0].split()
    c.uid("STORE", uids[1 + step], "+FLAGS", "(\\Deleted)")
    c.uid("STORE", uids[2 + step], "+FLAGS", "(\\Deleted)")
    c.expunge()
    c.uid("STORE", uids[5 + step], "+FLAGS", "(\\Flagged)")
    c.uid("STORE", uids[6 + step], "+FLAGS", "(\\Seen)")
    c.uid("STORE", uids[7 + step], "-FLAGS", "(\\Seen)")
    c.uid("STORE", uids[8 + step], "+FLAGS", "(\\Answered)")
    c.logout()


def main(t):
    for server in matrix("imap"):
        with Kit(**server) as k:
            t.prefix = k.name + ": "
            sync(t, k)


def sync(t, k):
    k.generate("alice", 300)

    modes = (("QRESYNC", {}), ("CONDSTORE", {"TERN_NO_QRESYNC": "1"}),
             ("plain", {"TERN_NO_QRESYNC": "1", "TERN_NO_CONDSTORE": "1"}))
    runners = {}
    for mode, env in modes:
        r = TernRun(k, mode, env=env)
        r.account("acct", imap="imaps")
        runners[mode] = r
        rc, out, err = r.run("-H")
        t.is_(rc, 0, "%s: first (cold) -H exits 0" % mode)
        t.is_(len(out.splitlines()), 300, "%s: cold -H lists 300 messages" % mode)
        same_as_server(t, k, out, "%s: cold -H matches the server" % mode)
        files = r.cache_files()
        t.ok(len(files) == 1 and os.stat(files[0]).st_mode & 0o777 == 0o600,
             "%s: one cache file, mode 0600" % mode, files)

    for step in range(2):
        change_from_outside(k, step)
        for mode, env in modes:
            rc, out, err = runners[mode].run("-H")
            t.is_(rc, 0, "%s: warm -H after outside change %d exits 0" % (mode, step))
            same_as_server(t, k, out, "%s: warm -H shows appended, expunged and re-flagged messages (%d)"
                           % (mode, step))
            t.is_(err, "", "%s: warm -H is quiet on stderr (%d)" % (mode, step))

    # Decoding and the sanitizer, on a message with hostile bytes.
    c = k.imap()
    hostile = ("From: =?UTF-8?B?" + "w4Fsdm8gG1szMW0=" + "?= <evil@example.org>\r\n"
               "Subject: =?UTF-8?Q?caf=C3=A9_=1B]0;pwned=07_=E2=80=AEtxt.exe?=\r\n\r\nx\r\n")
    c.append("INBOX", None, None, hostile.encode())
    c.logout()
    rc, out, err = runners["QRESYNC"].run("-H")
    last = out.splitlines()[-1] if out else ""
    t.ok("\x1b" not in out and "\x07" not in out, "no escape or BEL byte reaches stdout", repr(last))
    t.ok("café ^[]0;pwned^G <U+202E>txt.exe" in last, "subject decoded, controls shown visibly", repr(last))
    t.ok("Álvo ^[[31m" in last, "sender decoded, escape shown visibly", repr(last))

    # A server that offers neither QRESYNC nor CONDSTORE: the fallback.
    if k.imap_server == "dovecot":  # a Dovecot setting: once, on Dovecot
        with Kit(imap_capability="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ UIDPLUS MOVE") as k2:
            k2.generate("alice", 120)
            r = TernRun(k2, "old")
            r.account("acct", imap="imaps")
            rc, out, err = r.run("-H")
            t.ok(rc == 0 and len(out.splitlines()) == 120, "server without CONDSTORE/QRESYNC: cold -H", err)
            change_from_outside(k2, 0)
            rc, out, err = r.run("-H")
            same_as_server(t, k2, out, "server without CONDSTORE/QRESYNC: warm -H follows outside changes")

    # UIDVALIDITY change: the folder is deleted and made again.
    c = k.imap()
    c.create("Projects")
    for i in range(4):
        c.append("Projects", None, None, ("Subject: first life %d\r\n\r\nx\r\n" % i).encode())
    c.logout()
    r = runners["QRESYNC"]
    rc, out, err = r.run("-H", "-f", "Projects")
    t.ok(rc == 0 and len(out.splitlines()) == 4, "folder Projects listed", out + err)
    c = k.imap()
    c.delete("Projects")
    c.create("Projects")
    for i in range(2):
        c.append("Projects", None, None, ("Subject: second life %d\r\n\r\nx\r\n" % i).encode())
    c.logout()
    rc, out, err = r.run("-H", "-f", "Projects")
    t.ok(rc == 0 and len(out.splitlines()) == 2 and "second life 1" in out and "first life" not in out,
         "UIDVALIDITY change: the old cached messages are gone", out)

    # A corrupted cache file: a warning, the right output, and a working cache after.
    cache = r.cache_files()[0]
    with open(cache, "r+b") as f:
        size = os.path.getsize(cache)
        f.seek(size // 2)
        f.write(os.urandom(min(4096, size // 4)))
    rc, out, err = r.run("-H")
    t.is_(rc, 0, "corrupt cache: -H still exits 0")
    same_as_server(t, k, out, "corrupt cache: -H output still right")
    t.ok(len(err.strip().splitlines()) <= 1, "corrupt cache: at most a one-line warning", err)
    with open(cache, "wb") as f:
        f.write(os.urandom(8192))
    rc, out, err = r.run("-H")
    t.ok(rc == 0 and "warning" in err, "cache of random bytes: exit 0 with a warning", err)
    same_as_server(t, k, out, "cache of random bytes: output right")
    rc, out, err = r.run("-H")
    t.is_(err, "", "after a rebuild the cache works quietly")

    # Two tern -H at once on the same account and cache.
    procs = [r.popen("-H") for _ in range(2)]
    results = [(p.wait(timeout=120), p.stdout.read().decode(), p.stderr.read().decode()) for p in procs]
    for i, (rc, out, err) in enumerate(results):
        t.is_(rc, 0, "concurrent -H %d exits 0" % i)
        same_as_server(t, k, out, "concurrent -H %d output right" % i)
    rc, out, err = r.run("-H")
    t.ok(rc == 0 and "warning" not in err, "after concurrent runs the cache is intact", err)

    # --check: plain table and JSON, with an unreachable account beside.
    r2 = TernRun(k, "check")
    r2.account("good", imap="imaps")
    r2.account("down", imap="imaps", port=1, timeout=2)
    rc, out, err = r2.run("--check", "--json")
    t.is_(rc, 69, "--check with one unreachable account exits 69")
    data = json.loads(out)
    good, down = data["accounts"]
    t.ok(good["error"] is None and down["error"] and "account down" in down["error"],
         "--json: the unreachable account has its error, the other none", out)
    inbox = [f for f in good["folders"] if f["name"] == "INBOX"]
    c = k.imap()
    typ, st = c.status("INBOX", "(MESSAGES UNSEEN)")
    c.logout()
    m = re.search(rb"MESSAGES (\d+) UNSEEN (\d+)", st[0])
    t.ok(inbox and inbox[0]["messages"] == int(m.group(1)) and inbox[0]["unseen"] == int(m.group(2)),
         "--json: INBOX counts match STATUS", (inbox, st))
    names = {f["name"] for f in good["folders"]}
    t.ok({"Sent", "Drafts", "Trash"} <= names, "--check lists the subscribed folders", names)
    t.ok(good["quota"] and good["quota"]["limit_kb"] == 102400 and good["quota"]["used_kb"] > 0,
         "--json: quota used and limit", good["quota"])
    rc, out, err = r2.run("--check", "-A", "good")
    t.is_(rc, 0, "--check -A good exits 0")
    t.ok(re.search(r"^good +INBOX +\d+ +\d+ +\d+$", out, re.M) and "quota:" in out,
         "--check prints an aligned table with quota", out)
    c = k.imap()
    c.create("Unsubscribed")
    c.logout()
    rc, out, err = r2.run("--check", "--all", "-A", "good")
    t.ok("Unsubscribed" in out, "--check --all lists every folder", out)
    rc, out, err = r2.run("--check", "-A", "good")
    t.ok("Unsubscribed" not in out, "--check without --all lists subscribed folders only", out)


run(main)
