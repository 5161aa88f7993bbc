#!/usr/bin/python3
"""Another client expunges in the middle of tern's sync, between its SELECT
and the FETCH commands that name messages by sequence number (a proxy in
front of the kit's server holds tern's first FETCH while imaplib
expunges), on every IMAP server of the kit's matrix. libetpan does not
count QRESYNC's VANISHED, so tern's numbers are stale and the server
refuses them: Dovecot with "BAD Invalid messageset", Cyrus with "*
VANISHED" and "NO No matching messages" (a tagged NO after FETCH data,
on which libetpan frees the fetch list itself: tern freed it again and
crashed, issue 16). tern must sync again from a fresh SELECT instead of
failing, and list exactly the server's messages. The concurrency test met
this race by chance (a POP3 fetch deleting from the INBOX an -H was
syncing)."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from faultproxy import FaultProxy   # noqa: E402
from kit import Kit, matrix         # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402


def subjects(listing):
    return sorted(line.split()[-1] for line in listing.splitlines() if "race-" in line)


def main(t):
    for server in matrix("imap"):
        with Kit(tls=False, **server) as k:
            race(t, k)


def race(t, k):
    c = k.imap("bob")
    for i in range(10):
        c.append("INBOX", None, None, ("Subject: race-%02d\r\n\r\nx\r\n" % i).encode())
    c.logout()
    with FaultProxy(k.host, k.ports["imap"]) as p:
        r = TernRun(k, "race")
        r.account("acct", imap="imap", port=p.port, tls="off", tls_ca_file=None, user="bob", timeout=30,
                  compress="off")  # the proxy finds commands in plain text
        rc, out, err = r.run("-H")
        t.ok(rc == 0 and len(subjects(out)) == 10, "%s: a first sync caches the 10 messages" % k.name, err)

        # tern's second command after SELECT: the probe of the highest
        # cached message by its number (QRESYNC: the SELECT brought the
        # changes), or the flags: what changed (CONDSTORE) or all (neither)
        for n, (case, env) in enumerate((("QRESYNC", {}), ("CONDSTORE", {"TERN_NO_QRESYNC": "1"}),
                          ("neither", {"TERN_NO_QRESYNC": "1", "TERN_NO_CONDSTORE": "1"}))):
            c = k.imap("bob")
            c.select("INBOX")
            c.store(str(n + 1), "+FLAGS", "\\Flagged")  # HIGHESTMODSEQ moves: tern asks what changed
            p.arm(0, "up", "pause", marker=b"FETCH ")
            proc = r.popen("-H", env=env)
            end = time.time() + 20
            while not p.fired and time.time() < end:
                time.sleep(0.05)
            case = "%s, %s" % (k.name, case)
            t.ok(p.fired, "%s: tern's first FETCH after SELECT is held in the proxy" % case)
            typ, data = c.search(None, "ALL")
            last = data[0].split()[-1]
            c.store(last, "+FLAGS", "\\Deleted")
            c.expunge()
            typ, data = c.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            want = sorted(d[1].decode().split()[-1] for d in data if isinstance(d, tuple))
            c.logout()
            p.release()
            out, err = proc.communicate(timeout=60)
            out, err = out.decode(), err.decode()
            t.ok(proc.returncode == 0, "%s: a message expunged by another client meanwhile: the sync "
                 "succeeds" % case, err)
            t.is_(subjects(out), want, "%s: and lists exactly the server's %d messages" % (case, len(want)))
            rc, out, err = r.run("-H", env=env)
            t.ok(rc == 0 and subjects(out) == want and "header cache" not in err,
                 "%s: the next sync from the cache agrees" % case, err)

        # The newest message is expunged while tern fetches its headers by
        # sequence number (step 3 of the sync): Cyrus answers that FETCH
        # with "* VANISHED" and a tagged "NO No matching messages"; tern
        # crashed there (a double free of libetpan's fetch list)
        c = k.imap("bob")
        c.append("INBOX", None, None, b"Subject: race-new\r\n\r\nx\r\n")
        c.logout()
        p.arm(0, "up", "pause", marker=b"BODY.PEEK[HEADER.FIELDS")
        proc = r.popen("-H")
        end = time.time() + 20
        while not p.fired and time.time() < end:
            time.sleep(0.05)
        case = "%s, new message" % k.name
        t.ok(p.fired, "%s: tern's header FETCH is held in the proxy" % case)
        c = k.imap("bob")
        c.select("INBOX")
        typ, data = c.search(None, "SUBJECT", "race-new")
        c.store(data[0].split()[-1], "+FLAGS", "\\Deleted")
        c.expunge()
        c.logout()
        p.release()
        out, err = proc.communicate(timeout=60)
        out, err = out.decode(), err.decode()
        t.ok(proc.returncode == 0 and set(want) <= set(subjects(out)),
             "%s: expunged by another client while tern fetched its headers: the sync succeeds" % case,
             "exit %d: %s" % (proc.returncode, err[-2000:]))
        rc, out, err = r.run("-H")
        t.ok(rc == 0 and subjects(out) == want, "%s: the next sync lists exactly the server's messages" % case,
             out + err)


run(main)
