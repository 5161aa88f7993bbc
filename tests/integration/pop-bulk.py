#!/usr/bin/python3
"""POP3 at volume: 10,000 messages (2 to 49 KB each) fetched and moved
from the kit's Dovecot, each arriving once, with tern's memory flat: its
peak RSS for 10,000 messages must stay within a few MB of its peak for
1,000 (nothing is kept per message but its UIDL). Prints the fetch rate
and peak RSS as a table (diagnostics, never asserted: a test never
asserts a time). POP_BULK_COUNT overrides 10,000."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402

COUNTS = re.compile(r"^(\S+): (\d+) new, (\d+) stayed on the server, (\d+) removed from the server$", re.M)
GROWTH_LIMIT_MB = 16


def fetch_measured(t):
    """Runs tern --fetch; returns (rc, out, err, seconds, peak RSS in MB).
    Under AddressSanitizer freed memory sits in a quarantine (up to 256 MB)
    that would be counted as tern's: it is turned off for these runs."""
    asan = os.environ.get("ASAN_OPTIONS", "")
    start = time.monotonic()
    proc = t.popen("--fetch", env={"ASAN_OPTIONS": (asan + ":" if asan else "") + "quarantine_size_mb=0"})
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.monotonic() - start
    out = proc.stdout.read().decode("utf-8", "replace")
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, out, err, took, usage.ru_maxrss / 1024.0


def files_in(directory):
    return sum(len(os.listdir(os.path.join(directory, sub))) for sub in ("new", "cur")
               if os.path.isdir(os.path.join(directory, sub)))


def main(t):
    big = int(os.environ.get("POP_BULK_COUNT", "10000"))
    rows = []
    with Kit(users={"alice": "secret", "bob": "hunter2"}) as k:
        for user, count in (("bob", big // 10), ("alice", big)):
            made = k.generate(user, count, seed=7)
            size = sum(os.path.getsize(m.path) for m in made)
            r = TernRun(k, "bulk-" + user)
            r.account("acct", pop3="pop3s", user=user, timeout=120)
            rc, out, err, took, rss = fetch_measured(r)
            m = COUNTS.search(out)
            t.is_(rc, 0, "%d messages: exit 0" % count)
            t.ok(m and m.groups()[1:] == (str(count), "0", str(count)), "%d messages: all came and were removed"
                 % count, out + err[-2000:])
            md = os.path.join(r.home, "data", "tern", "acct")
            t.is_(files_in(md), count, "%d messages: each is here once" % count)
            t.is_(files_in(k.maildir(user)), 0, "%d messages: the server is empty" % count)
            rc2, out2, err2, took2, rss2 = fetch_measured(r)
            t.ok(rc2 == 0 and "0 new, 0 stayed" in out2, "%d messages: a second fetch finds nothing" % count)
            rows.append((count, size, took, rss))
    (small, _, _, rss_small), (large, size, took, rss_large) = rows
    t.diag("%-9s %10s %9s %10s %10s %13s" % ("messages", "MB", "seconds", "msgs/s", "MB/s", "peak RSS MB"))
    for count, size, took, rss in rows:
        t.diag("%-9d %10.1f %9.2f %10.0f %10.1f %13.1f" % (count, size / 1e6, took, count / took,
                                                           size / 1e6 / took, rss))
    t.ok(rss_large - rss_small < GROWTH_LIMIT_MB,
         "memory stays flat: peak RSS %.1f MB for %d messages, %.1f MB for %d (limit +%d MB)"
         % (rss_large, large, rss_small, small, GROWTH_LIMIT_MB))


run(main)
