#!/usr/bin/python3
"""POP3 download against every POP3 server of the kit's matrix (Dovecot,
Cyrus), checked from the outside: pop3-keep yes (copy), no (move, the
default) and pop3-delete-after; each message arrives exactly once and
byte for byte (LF line ends: what a RETR with poplib gives); a second
--fetch downloads nothing; mail delivered between two fetches (IMAP
APPEND and SMTP) arrives once; the state file forgets what left the
server."""

import imaplib
import os
import poplib
import re
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, matrix         # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402

COUNTS = re.compile(r"^(\S+): (\d+) new, (\d+) stayed on the server, (\d+) removed from the server$", re.M)


def counts(out, account="acct"):
    """(new, stayed, removed) from tern --fetch's line for account."""
    for m in COUNTS.finditer(out):
        if m.group(1) == account:
            return tuple(int(x) for x in m.groups()[1:])
    return None


def maildir_of(t, account="acct"):
    return os.path.join(t.home, "data", "tern", account)


def contents(directory, subs=("new", "cur")):
    """Sorted list of the files' bytes in directory/subs."""
    found = []
    for sub in subs:
        d = os.path.join(directory, sub)
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                found.append(f.read())
    return sorted(found)


def server_contents(k, user="alice"):
    """Sorted bytes of every message on the server, as RETR gives them
    (line ends LF, dot-stuffing undone), through poplib."""
    p = poplib.POP3_SSL(k.host, k.ports["pop3s"], context=ssl.create_default_context(cafile=k.ca_file),
                        timeout=10)
    try:
        p.user(user)
        p.pass_(k.users[user])
        count = p.stat()[0]
        return sorted(b"\n".join(p.retr(i)[1]) + b"\n" for i in range(1, count + 1))
    finally:
        p.quit()


def state_lines(t, account="acct", maildir=None):
    path = os.path.join(maildir or maildir_of(t, account), "tern-pop3-%s.state" % account)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line for line in f.read().splitlines() if line and not line.startswith(("#", "tern-pop3-state"))]


def append_imap(k, subject, user="alice"):
    ctx = ssl.create_default_context(cafile=k.ca_file)
    c = imaplib.IMAP4_SSL(k.host, k.ports["imaps"], ssl_context=ctx, timeout=10)
    c.login(user, k.users[user])
    msg = ("From: Carol <carol@example.net>\r\nTo: %s@example.org\r\nSubject: %s\r\n"
           "Message-ID: <%s@example.net>\r\n\r\nAppended over IMAP.\r\n" % (user, subject, subject.replace(" ", "-")))
    c.append("INBOX", None, None, msg.encode())
    c.logout()


def main(t):
    for server in matrix("pop3"):
        with Kit(**server) as k:
            t.prefix = k.name + ": "
            fetch(t, k)


def fetch(t, k):
    k.generate("alice", 30)
    original = server_contents(k)

    # ---- pop3-keep yes: a copy; nothing deleted; nothing twice.
    r = TernRun(k, "keep")
    r.account("acct", pop3="pop3s", pop3_keep="yes")
    rc, out, err = r.run("--fetch")
    t.is_(rc, 0, "keep yes: exit 0")
    t.is_(counts(out), (30, 30, 0), "keep yes: 30 new, 30 stayed, 0 removed")
    t.ok(err == "", "keep yes: nothing on stderr", err)
    t.ok(contents(maildir_of(r)) == original, "keep yes: every message arrived byte for byte")
    t.is_(os.listdir(os.path.join(maildir_of(r), "tmp")), [], "keep yes: tmp/ is empty")
    t.ok(server_contents(k) == original, "keep yes: the server still has every message")
    rc, out, err = r.run("--fetch")
    t.is_((rc, counts(out)), (0, (0, 30, 0)), "keep yes: a second fetch downloads nothing")
    t.is_(len(contents(maildir_of(r))), 30, "keep yes: still 30 messages here")
    t.is_(len(state_lines(r)), 30, "keep yes: the state file knows 30 messages")

    # New mail between two fetches arrives once (APPEND and SMTP).
    append_imap(k, "appended one")
    k.deliver_smtp("sent by smtp")
    deadline = time.time() + 10
    while len(server_contents(k)) < 32 and time.time() < deadline:
        time.sleep(0.05)
    rc, out, err = r.run("--fetch")
    t.is_((rc, counts(out)), (0, (2, 32, 0)), "keep yes: the two new messages come")
    rc, out, err = r.run("--fetch")
    t.is_((rc, counts(out)), (0, (0, 32, 0)), "keep yes: and only once")
    mine = contents(maildir_of(r))
    t.ok(sum(b"Subject: appended one" in m for m in mine) == 1 and
         sum(b"Subject: sent by smtp" in m for m in mine) == 1, "keep yes: each new message is here once")
    original = server_contents(k)

    # pop3-keep yes with delete-after: keep wins, with a warning.
    r2 = TernRun(k, "keep-after")
    r2.account("acct", pop3="pop3s", pop3_keep="yes", pop3_delete_after=3)
    rc, out, err = r2.run("--fetch")
    t.ok(rc == 0 and counts(out) == (32, 32, 0) and "pop3-delete-after is ignored" in err,
         "keep yes + delete-after: nothing deleted, and a warning", err)

    # ---- pop3-delete-after 7: kept on the server until 7 days after download.
    r3 = TernRun(k, "after")
    r3.account("acct", pop3="pop3", pop3_delete_after=7)       # pop3:// with STLS
    rc, out, err = r3.run("--fetch")
    t.is_((rc, counts(out)), (0, (32, 32, 0)), "delete-after 7 over STLS: all come, none removed yet")
    rc, out, err = r3.run("--fetch")
    t.is_((rc, counts(out)), (0, (0, 32, 0)), "delete-after 7: a day later nothing goes")
    # Ten of the downloads are now eight days old.
    path = os.path.join(maildir_of(r3), "tern-pop3-acct.state")
    with open(path) as f:
        lines = f.read().splitlines()
    aged, out_lines = 0, []
    for line in lines:
        parts = line.split(" ")
        if line.startswith("u:") and aged < 10:
            parts[2] = str(int(parts[2]) - 8 * 86400)
            aged += 1
        out_lines.append(" ".join(parts))
    with open(path, "w") as f:
        f.write("\n".join(out_lines) + "\n")
    rc, out, err = r3.run("--fetch")
    t.is_((rc, counts(out)), (0, (0, 22, 10)), "delete-after 7: the ten older than 7 days are removed")
    t.is_(len(server_contents(k)), 22, "delete-after 7: the server has 22 left")
    t.is_(len(state_lines(r3)), 22, "delete-after 7: the state forgot the removed ten")
    t.is_(len(contents(maildir_of(r3))), 32, "delete-after 7: all 32 are here")

    # ---- pop3-keep no (the default): move.
    r4 = TernRun(k, "move")
    r4.account("acct", pop3="pop3s", maildir=os.path.join(k.dir, "home-move", "Mail", "pop"))
    rc, out, err = r4.run("--fetch")
    md4 = os.path.join(k.dir, "home-move", "Mail", "pop")
    t.is_((rc, counts(out)), (0, (22, 0, 22)), "keep no: everything comes and is removed")
    t.is_(server_contents(k), [], "keep no: the server is empty")
    t.is_(len(contents(md4)), 22, "keep no: the maildir key is used, 22 messages there")
    t.is_(state_lines(r4, maildir=md4), [], "keep no: the state file forgot them all")
    rc, out, err = r4.run("--fetch")
    t.is_((rc, counts(out)), (0, (0, 0, 0)), "keep no: a second fetch finds nothing")
    append_imap(k, "after the move")
    rc, out, err = r4.run("--fetch")
    t.is_((rc, counts(out)), (0, (1, 0, 1)), "keep no: new mail comes and goes")
    t.ok(sum(b"Subject: after the move" in m for m in contents(md4)) == 1, "keep no: exactly once")

    # Several accounts, one line each; -A picks one.
    append_imap(k, "for bob", user="bob")
    r5 = TernRun(k, "two")
    r5.account("a1", pop3="pop3s", user="alice", pop3_keep="yes")
    r5.account("b1", pop3="pop3s", user="bob", pop3_keep="yes")
    r5.account("imaponly", imap="imaps")
    rc, out, err = r5.run("--fetch")
    t.ok(rc == 0 and counts(out, "a1") == (0, 0, 0) and counts(out, "b1") == (1, 1, 0)
         and "imaponly" not in out, "every POP3 account is fetched, one line each", out + err)
    rc, out, err = r5.run("-A", "b1", "--fetch")
    t.ok(rc == 0 and counts(out, "b1") == (0, 1, 0) and counts(out, "a1") is None, "-A fetches one account",
         out)
    rc, out, err = r5.run("-A", "imaponly", "--fetch")
    t.ok(rc == 78 and "has no pop3 server" in err, "-A of an account without POP3: exit 78", err)

    # A Maildir that cannot be made: exit 74 before any login.
    append_imap(k, "stays put")
    blocker = os.path.join(k.dir, "not-a-dir")
    open(blocker, "w").close()
    logins = (lambda: open(k.dovecot_log).read().count("Login: user=<alice>")) if k.imap_server == "dovecot" \
        else (lambda: 0)      # Cyrus logs to syslog only
    before = logins()
    r6 = TernRun(k, "badmaildir")
    r6.account("acct", pop3="pop3s", maildir=os.path.join(blocker, "Mail"))
    rc, out, err = r6.run("--fetch")
    t.ok(rc == 74 and "cannot use %s/Mail as a Maildir" % blocker in err, "an unusable maildir: exit 74", err)
    t.ok(logins() == before and len(server_contents(k)) == 1,
         "an unusable maildir: no login, nothing deleted")


run(main)
