#!/usr/bin/python3
"""Another client expunges in the middle of tern's sync, between its SELECT
and the FETCH commands that name messages by sequence number (a proxy in
front of the kit's Dovecot holds tern's command while imaplib expunges).
libetpan does not count QRESYNC's VANISHED, so tern's numbers are stale
and Dovecot refuses them ("Invalid messageset"): tern must sync again
from a fresh SELECT instead of failing, and list exactly the server's
messages. The concurrency test met this race by chance (a POP3 fetch
deleting from the INBOX an -H was syncing)."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from faultproxy import FaultProxy   # noqa: E402
from kit import Kit                 # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402


def subjects(listing):
    return sorted(line.split()[-1] for line in listing.splitlines() if "race-" in line)


def main(t):
    with Kit(tls=False) as k:
        c = k.imap("bob")
        for i in range(10):
            c.append("INBOX", None, None, ("Subject: race-%02d\r\n\r\nx\r\n" % i).encode())
        c.logout()
        with FaultProxy(k.host, k.ports["imap"]) as p:
            r = TernRun(k, "race")
            r.account("acct", imap="imap", port=p.port, tls="off", tls_ca_file=None, user="bob", timeout=30)
            rc, out, err = r.run("-H")
            t.ok(rc == 0 and len(subjects(out)) == 10, "a first sync caches the 10 messages", err)

            # tern's second command after SELECT asks for the flags: what
            # changed (QRESYNC, CONDSTORE) or all of them (neither)
            for n, (case, env) in enumerate((("QRESYNC", {}), ("CONDSTORE", {"TERN_NO_QRESYNC": "1"}),
                              ("neither", {"TERN_NO_QRESYNC": "1", "TERN_NO_CONDSTORE": "1"}))):
                c = k.imap("bob")
                c.select("INBOX")
                c.store(str(n + 1), "+FLAGS", "\\Flagged")  # HIGHESTMODSEQ moves: tern asks what changed
                p.arm(0, "up", "pause", marker=b"UID FETCH 1:*")
                proc = r.popen("-H", env=env)
                end = time.time() + 20
                while not p.fired and time.time() < end:
                    time.sleep(0.05)
                t.ok(p.fired, "%s: tern's UID FETCH of the flags is held in the proxy" % case)
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
                t.is_(subjects(out), want, "and lists exactly the server's %d messages" % len(want))
                rc, out, err = r.run("-H", env=env)
                t.ok(rc == 0 and subjects(out) == want and "header cache" not in err,
                     "the next sync from the cache agrees", err)


run(main)
