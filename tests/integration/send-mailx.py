#!/usr/bin/python3
"""Issue 17, point 2: mailx's flags mean what mailx means, against the
kit's real servers. -v shows the SMTP dialogue on stderr with the
credentials masked (and sends); -t takes the recipients (and Subject,
Reply-To, the caller's own fields) from the message on stdin, Bcc
delivered but not shown; -H lists only unread messages (--new), those a
pattern matches (-L) or the last N (--last), numbered as in the whole
folder; a body that is not UTF-8 is sent, declared in a charset of
send-charset with its bytes kept; mailto: with body= and text on stdin is
refused instead of dropping one of them."""

import base64
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, USERS          # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402


def outbox(r):
    d = os.path.join(r.env["XDG_DATA_HOME"], "tern", "outbox", "new")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def main(t):
    with Kit(users=dict(USERS, carol="c4rol", dan="d4n")) as k:
        r = TernRun(k, "mailx")
        r.account("main", imap="imaps", **{"from": "Alice Example <alice@example.com>",
                                          "smtp": "smtp://127.0.0.1:%d" % k.ports["submission"]})

        # -v: the dialogue, credentials masked
        rc, out, err = r.run("-v", "-s", "Verbose", "bob@example.com", input=b"watch this\n")
        t.is_(rc, 0, "-v -s sends (exit 0)")
        t.ok(k.wait_messages("bob", "Verbose"), "and the message arrives")
        t.ok("-> MAIL FROM:<alice@example.com>" in err and "-> RCPT TO:<bob@example.com>" in err
             and "<- 250" in err and "<- 220" in err and "-> DATA" in err,
             "-v: the SMTP dialogue is on stderr", err)
        t.ok("* TLS TLSv1." in err and "certificate verified" in err, "-v: and the TLS it ran over", err)
        secret = USERS["alice"]
        plain = base64.b64encode(b"\0alice\0" + secret.encode()).decode()
        t.ok(secret not in err and plain not in err and base64.b64encode(secret.encode()).decode() not in err
             and "****" in err, "-v: the password, plain or base64, is never shown", err)
        t.ok("watch this" not in err and "(the message: " in err, "-v: the message shows as its size only", err)
        rc, out, err = r.run("-s", "Quiet", "bob@example.com", input=b"x\n")
        t.ok(rc == 0 and "MAIL FROM" not in err, "without -v nothing of the dialogue", err)

        # -t: recipients from the message itself
        message = ("To: \"Doe, John\" <bob@example.com>\n"
                   "Cc: carol@example.com\n"
                   "Bcc: alice@example.com\n"
                   "Subject: From the header\n"
                   "Reply-To: replies@example.com\n"
                   "X-Report-Id: 42\n"
                   "Date: Thu, 1 Jan 1970 00:00:00 +0000\n"
                   "\n"
                   "The body, after the blank line.\n").encode()
        rc, out, err = r.run("-t", input=message)
        t.is_(rc, 0, "-t sends (exit 0) %s" % err.strip())
        for user in ("bob", "carol", "alice"):
            t.ok(k.wait_messages(user, "From the header"), "-t: %s got it" % user)
        got = k.messages("bob", subject="From the header")
        m = got[0] if got else {}
        t.ok(got and "bob@example.com" in str(m["To"]) and "carol@example.com" in str(m["Cc"])
             and "Bcc" not in m and "alice@example.com" not in str(m["To"]) + str(m["Cc"]),
             "-t: To and Cc as written, the Bcc delivered but not shown", got and str(m))
        t.ok(got and str(m["Reply-To"]) == "replies@example.com" and str(m["X-Report-Id"]) == "42"
             and "1970" not in str(m["Date"]), "-t: Reply-To and the caller's field kept; tern's own Date", got and str(m))
        t.ok(got and m.get_body(("plain",)).get_content().strip() == "The body, after the blank line.",
             "-t: the body is what follows the header", got and str(m))
        t.ok("Date of the message on standard input replaced" in err, "-t: says which fields it replaced", err)
        rc, out, err = r.run("-t", input=b"not a header line\n\nbody\n")
        t.ok(rc == 65 and "line 1 of the message on standard input is not a header field" in err,
             "-t: a header that is not one is refused (65)", err)
        rc, out, err = r.run("-t", input=b"To: Bob <bob@example.com> junk\n\nbody\n")
        t.ok(rc == 65 and "text after the address" in err and outbox(r) == [],
             "-t: an address the parser cannot read is refused, nothing queued", err)

        # a body that is not UTF-8
        rc, out, err = r.run("-s", "Latin one", "bob@example.com", input="Grüße aus München\n".encode("latin-1"))
        t.is_(rc, 0, "a latin-1 body is sent, not refused (%s)" % err.strip())
        got = k.wait_messages("bob", "Latin one")
        part = got[0].get_body(("plain",)) if got else None
        t.ok(part and part.get_content_charset() == "iso-8859-1" and part.get_content().strip() == "Grüße aus München",
             "declared iso-8859-1 (send-charset), the bytes kept", part and str(part))
        r.global_("send-charset", "us-ascii:utf-8")   # in the account block, last
        r.write()
        rc, out, err = r.run("-s", "Latin refused", "bob@example.com", input="Grüße\n".encode("latin-1"))
        t.ok(rc == 65 and "send-charset (us-ascii:utf-8)" in err, "a send-charset with no 8-bit charset refuses it",
             err)
        r.lines.remove('send-charset "us-ascii:utf-8"')
        r.write()

        # mailto: with body= and text on stdin
        rc, out, err = r.run("mailto:bob@example.com?subject=Both&body=from%20the%20uri", input=b"from stdin\n")
        t.ok(rc == 64 and "has a body (body=) and standard input has text too" in err and outbox(r) == [],
             "mailto: body= with text on stdin is refused, nothing queued", err)
        rc, out, err = r.run("mailto:bob@example.com?subject=Uri%20body&body=from%20the%20uri", input=b"")
        got = k.wait_messages("bob", "Uri body")
        t.ok(rc == 0 and got and got[0].get_body(("plain",)).get_content().strip() == "from the uri",
             "mailto: body= with nothing on stdin is the body", err)

        # -H limits
        c = k.imap("dan")
        for i, (subject, seen) in enumerate((("alpha report", True), ("beta news", False), ("gamma report", True),
                                             ("delta report", False), ("epsilon", False))):
            c.append("INBOX", "(\\Seen)" if seen else "()", None,
                     ("From: Eve <eve@example.com>\r\nTo: dan@example.com\r\nSubject: %s\r\n"
                      "Date: Mon, %d Jan 2035 12:00:00 +0000\r\n\r\nx\r\n" % (subject, i + 1)).encode())
        c.logout()
        rc2 = TernRun(k, "dan")
        rc2.account("d", imap="imaps", user="dan")

        def listing(*args):
            rc, out, err = rc2.run("-H", *args)
            return rc, [(line.split()[0], line.split()[-2] + " " + line.split()[-1]) for line in out.splitlines()], err
        rc, rows, err = listing()
        t.is_(len(rows), 5, "-H lists all five")
        rc, rows, err = listing("--new")
        t.ok(rc == 0 and [n for n, _ in rows] == ["2", "4", "5"], "-H --new: the unread ones, numbered as in the folder",
             rows)
        rc, rows, err = listing("-L", "~s report")
        t.ok(rc == 0 and [n for n, _ in rows] == ["1", "3", "4"], "-H -L PATTERN: the matching ones", rows)
        rc, rows, err = listing("--last", "2")
        t.ok(rc == 0 and [n for n, _ in rows] == ["4", "5"], "-H --last 2: the last two", rows)
        rc, rows, err = listing("-L", "~s report", "--last", "1")
        t.ok(rc == 0 and [n for n, _ in rows] == ["4"], "-L with --last: the last of the matching ones", rows)
        rc, out, err = rc2.run("-L", "~s report ~U")
        t.ok(rc == 0 and len(out.splitlines()) == 1 and "delta report" in out, "-L alone implies -H", out + err)
        rc, out, err = rc2.run("-H", "-L", "~z >")
        t.ok(rc == 64 and "-L '~z >'" in err and "column" in err, "a bad pattern: 64, with the column", err)
        rc, out, err = rc2.run("--check", "--new")
        t.ok(rc == 64 and "go with -H" in err, "--new with another mode: usage", err)


if __name__ == "__main__":
    run(main)
