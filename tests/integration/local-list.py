#!/usr/bin/python3
"""tern -H on local folders: a Maildir made by gen.py (cur/ and new/,
Maildir flags) and the same messages as an mbox ("From " lines, >From
quoting, a dateless "From " body line and a lying Content-Length,
Status/X-Status), listed with -f ~/Maildir, -f PATH and, with no mailrc
at all, from $MAIL or ~/Maildir; checked line by line against what was
generated, and against the lines tern prints for the same messages over
IMAP (when the kit can run). A locked mbox (an fcntl lock held by a
second process, or a fresh FILE.lock) exits 75 naming the file; a missing
or foreign path exits 66. A 10,000-message Maildir and mbox are listed and
timed (a table of diagnostics, never asserted). mutt, when installed,
flags a message that tern then shows flagged. LOCAL_BULK_COUNT overrides
10,000."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
import gen                          # noqa: E402
from tap import run                 # noqa: E402

TERN = os.environ.get("TERN", "tern")
NEW_TAIL = 5                        # the last messages are moved to new/


def tern(home, *args, env=None, mailrc=True, timeout=300):
    """Runs tern with a private HOME; with mailrc False there is none."""
    full = dict(os.environ)
    full.pop("MAIL", None)
    full.update({"HOME": home, "XDG_CONFIG_HOME": os.path.join(home, "config"),
                 "XDG_CACHE_HOME": os.path.join(home, "cache"),
                 "XDG_DATA_HOME": os.path.join(home, "data"), "LC_ALL": "C.UTF-8", "TZ": "UTC"})
    full.update(env or {})
    argv = [TERN] + (["-F", os.path.join(home, "mailrc")] if mailrc else []) + list(args)
    start = time.monotonic()
    proc = subprocess.run(argv, env=full, capture_output=True, timeout=timeout)
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"),
            time.monotonic() - start)


def make_maildir(path, count, seed):
    """gen.py's messages, the last NEW_TAIL moved to new/ without info."""
    made = gen.generate(path, count, seed=seed)
    out = []
    for i, m in enumerate(made):
        in_new = i >= count - NEW_TAIL
        if in_new:
            name = os.path.basename(m.path).split(":")[0]
            dest = os.path.join(path, "new", name)
            os.rename(m.path, dest)
            m = m._replace(path=dest, flags="")
        out.append((m, in_new))
    return out


def from_line(data, date):
    sender = re.search(rb"^Return-Path: <([^>]*)>", data, re.M)
    return b"From %s %s\n" % (sender.group(1) if sender else b"MAILER-DAEMON",
                              time.asctime(time.gmtime(date)).encode())


def to_mbox(messages, path, tricks=True):
    """The messages as an mboxrd file: "From " lines, >From quoting, flags
    in Status/X-Status as mutt writes them; with tricks, a dateless
    "From " body line after a blank line (mboxo writers leave those) and a
    Content-Length that lies."""
    with open(path, "wb") as f:
        for i, (m, in_new) in enumerate(messages):
            with open(m.path, "rb") as src:
                data = src.read()
            head, _, body = data.partition(b"\n\n")
            status = b"" if in_new else (b"RO" if "S" in m.flags else b"O")
            xstatus = (b"A" if "R" in m.flags else b"") + (b"F" if "F" in m.flags else b"")
            if status:
                head += b"\nStatus: " + status
            if xstatus:
                head += b"\nX-Status: " + xstatus
            if tricks and i % 7 == 3:
                head += b"\nContent-Length: 3"
            if tricks and i % 4 == 1:
                body = b"From the start of a line, quoted by the writer\n>From already quoted\n" + body
            body = re.sub(rb"^(>*From )", rb">\1", body, flags=re.M)
            if tricks and i % 5 == 2:
                body += b"\nFrom the desk of nobody: not a new message\n"
            f.write(from_line(data, m.date) + head + b"\n\n" + body)
            if not body.endswith(b"\n"):
                f.write(b"\n")
            f.write(b"\n")


def expected(messages):
    """[(number, flag column, date, subject)] as tern -H should print them."""
    rows = []
    for i, (m, in_new) in enumerate(messages):
        status = "N" if in_new else (" " if "S" in m.flags else "O")
        flags = status + ("F" if "F" in m.flags else " ") + ("A" if "R" in m.flags else " ")
        rows.append(("%5d " % (i + 1), flags, time.strftime("%b %d %H:%M", time.gmtime(m.date)), m.subject))
    return rows


def check_listing(t, out, rows, name):
    lines = out.splitlines()
    if not t.is_(len(lines), len(rows), "%s: one line per message" % name):
        t.diag("\n".join(lines[:5]))
        return
    bad = []
    for line, (number, flags, date, subject) in zip(lines, rows):
        if line[:6] != number or line[6:9] != flags or line[10:22] != date or not line.endswith("  " + subject):
            bad.append("got:  %r\nwant: %r" % (line, "%s%s %s  ...  %s" % (number, flags, date, subject)))
    t.ok(not bad, "%s: number, flags, date and subject of every line" % name, "\n".join(bad[:5]))


def hold_fcntl(path):
    """A second process holding an fcntl write lock on path, until killed."""
    code = ("import fcntl, sys, time\n"
            "f = open(sys.argv[1], 'r+')\n"
            "fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n")
    proc = subprocess.Popen([sys.executable, "-c", code, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    if proc.stdout.readline().strip() != b"locked":
        raise RuntimeError("the helper could not lock %s" % path)
    return proc


def mutt_flags_first(path):
    """mutt flags message 1 of the mbox and writes it back; False when
    mutt or script(1) is missing or mutt failed."""
    if not shutil.which("mutt") or not shutil.which("script"):
        return False
    home = os.path.dirname(path)
    cmd = ("stty cols 100 rows 10; mutt -n -F /dev/null -e 'set folder=%s spoolfile=%s mbox=%s/mbox-x "
           "move=no mark_old=no' -f %s -e 'push <flag-message><sync-mailbox><quit>'" % (home, path, home, path))
    proc = subprocess.run(["script", "-qec", cmd, "/dev/null"], env=dict(os.environ, HOME=home, TERM="xterm"),
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    return proc.returncode == 0


def imap_lines(messages_count, seed):
    """tern -H over IMAP for the same generated messages, and the kit's
    Maildir; None when the kit cannot run here."""
    from kit import Kit, missing
    from tern import TernRun
    if missing():
        return None, missing()
    with Kit() as k:
        k.generate("alice", messages_count, seed=seed)
        r = TernRun(k, "imap")
        r.account("main", imap="imaps")
        rc, out, err = r.run("-H")
        rc2, out2, err2, _ = tern(r.home, "-f", k.maildir("alice"), "-H")
        return (rc, out, err, rc2, out2, err2), None


def main(t):
    top = tempfile.mkdtemp(prefix="tern-local-")
    try:
        body(t, top)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def body(t, home):
    with open(os.path.join(home, "mailrc"), "w") as f:
        f.write("# no accounts: local folders need none\n")
    md = os.path.join(home, "Maildir")
    messages = make_maildir(md, 300, seed=5)
    rows = expected(messages)

    # -- Maildir
    rc, out, err, _ = tern(home, "-f", "~/Maildir", "-H")
    t.is_(rc, 0, "-f ~/Maildir -H: exit 0")
    t.is_(err, "", "nothing on stderr")
    check_listing(t, out, rows, "Maildir")
    rc, out_abs, err, _ = tern(home, "-f", md, "-H")
    t.ok(rc == 0 and out_abs == out, "-f with the absolute path lists the same")

    # -- the same messages as an mbox
    mb = os.path.join(home, "mbox")
    to_mbox(messages, mb)
    with open(mb, "rb") as f:
        raw = f.read()
    t.ok(b"\n>From the start of a line" in raw and b"\n>>From already quoted" in raw,
         "the mbox has >From quoting (mboxrd) where bodies had From lines")
    rc, out_mb, err, _ = tern(home, "-f", mb, "-H")
    t.is_(rc, 0, "-f mbox -H: exit 0")
    t.is_(err, "", "nothing on stderr")
    check_listing(t, out_mb, rows, "mbox")
    t.ok(out_mb == out, "the mbox lists exactly as the Maildir it was made from")
    with open(mb, "rb") as f:
        t.ok(f.read() == raw, "listing leaves the mbox as it was")
    t.ok(not os.path.exists(mb + ".lock"), "and no dot-lock behind")

    # -- no mailrc at all: $MAIL, else ~/Maildir
    rc, out_mail, err, _ = tern(home, "-H", mailrc=False, env={"MAIL": mb})
    t.ok(rc == 0 and out_mail == out_mb, "no mailrc: -H lists $MAIL", err)
    rc, out_home, err, _ = tern(home, "-H", mailrc=False)
    t.ok(rc == 0 and out_home == out, "no mailrc, no $MAIL: -H lists ~/Maildir", err)
    rc, out_home, err, _ = tern(home, "-H", mailrc=False, env={"MAIL": os.path.join(home, "no-such-spool")})
    t.ok(rc == 0 and out_home == out, "no mailrc, $MAIL missing: ~/Maildir", err)
    empty_home = os.path.join(home, "empty-home")
    os.mkdir(empty_home)
    rc, _, err, _ = tern(empty_home, "-H", mailrc=False)
    t.ok(rc == 66 and "Maildir" in err and len(err.splitlines()) == 1, "no mailrc and no mailbox: 66, one line",
         "rc %d: %s" % (rc, err))

    # -- errors
    missing_path = os.path.join(home, "nothing-here")
    rc, out_err, err, _ = tern(home, "-f", missing_path, "-H")
    t.ok(rc == 66 and out_err == "" and len(err.splitlines()) == 1 and missing_path in err,
         "a missing path: 66 and one line naming it", "rc %d: %s" % (rc, err))
    notmail = os.path.join(home, "notes.txt")
    with open(notmail, "w") as f:
        f.write("shopping list\n")
    rc, _, err, _ = tern(home, "-f", notmail, "-H")
    t.ok(rc == 66 and "not a mailbox" in err and notmail in err, "a file that is no mbox: 66", err)
    plain_dir = os.path.join(home, "plain-dir")
    os.mkdir(plain_dir)
    rc, _, err, _ = tern(home, "-f", plain_dir, "-H")
    t.ok(rc == 66 and "not a Maildir" in err, "a directory that is no Maildir: 66", err)

    # -- locked by another program
    helper = hold_fcntl(mb)
    try:
        rc, out_l, err, took = tern(home, "-f", mb, "-H")
    finally:
        helper.stdin.close()
        helper.wait()
    t.ok(rc == 75 and out_l == "" and mb in err and "locked" in err and len(err.splitlines()) == 1,
         "an fcntl lock held by a second process: 75, naming the file (after %.1f s)" % took, "rc %d: %s" % (rc, err))
    with open(mb + ".lock", "w") as f:
        f.write("4242\n")
    rc, _, err, took = tern(home, "-f", mb, "-H")
    t.ok(rc == 75 and mb + ".lock" in err, "a fresh FILE.lock: 75, naming it (after %.1f s)" % took, err)
    t.ok(os.path.exists(mb + ".lock"), "another program's dot-lock is left alone")
    old = time.time() - 3600
    os.utime(mb + ".lock", (old, old))
    rc, out_s, err, _ = tern(home, "-f", mb, "-H")
    t.ok(rc == 0 and out_s == out_mb and not os.path.exists(mb + ".lock"),
         "a dot-lock an hour old is stale: taken over and removed", err)

    # -- mutt writes, tern reads
    mutt_mb = os.path.join(home, "mutt-mbox")
    to_mbox(messages[:3], mutt_mb, tricks=False)
    if mutt_flags_first(mutt_mb):
        rc, out_m, err, _ = tern(home, "-f", mutt_mb, "-H")
        first = out_m.splitlines()[0] if out_m else ""
        t.ok(rc == 0 and first[7] == "F" and len(out_m.splitlines()) == 3, "a message flagged by mutt shows F",
             out_m + err)
    else:
        t.skip("a message flagged by mutt shows F", "mutt or script(1) not installed")

    # -- the same lines as over IMAP
    result, why = imap_lines(120, seed=9)
    if result is None:
        t.skip("IMAP and local lines agree", why)
    else:
        rc, out_i, err_i, rc2, out_l, err_l = result
        # Dovecot reports unseen messages as \Recent on their first SELECT
        # (N); the Maildir says old (O) for cur/: the status letter may differ.
        mask = lambda text: [line[:6] + line[7:] for line in text.splitlines()]  # noqa: E731
        t.ok(rc == 0 and rc2 == 0 and mask(out_i) == mask(out_l) and len(out_l.splitlines()) == 120,
             "IMAP -H and local -H print the same lines for the same messages",
             "imap rc %d %s\nlocal rc %d %s\n%s\n---\n%s" % (rc, err_i, rc2, err_l, out_i[:600], out_l[:600]))

    # -- 10,000 messages, timed
    bulk = int(os.environ.get("LOCAL_BULK_COUNT", "10000"))
    big = os.path.join(home, "big", "Maildir")
    start = time.monotonic()
    big_messages = make_maildir(big, bulk, seed=11)
    made = time.monotonic() - start
    nocache = {"TERN_NO_CACHE": "1"}
    rc, out_b, err, took_md = tern(home, "-f", big, "-H", env=nocache)
    t.is_(rc, 0, "%d-message Maildir: exit 0" % bulk)
    big_rows = expected(big_messages)
    check_listing(t, out_b, big_rows, "%d-message Maildir" % bulk)
    rc, out_c1, err, took_md_fill = tern(home, "-f", big, "-H")
    rc2, out_c2, err2, took_md_cached = tern(home, "-f", big, "-H")
    t.ok(rc == 0 and rc2 == 0 and out_c1 == out_b and out_c2 == out_b,
         "%d-message Maildir: the same lines while the cache is filled and when it is used" % bulk, err + err2)
    big_mb = os.path.join(home, "big", "mbox")
    to_mbox(big_messages, big_mb)
    rc, out_bm, err, took_mb = tern(home, "-f", big_mb, "-H", env=nocache)
    t.ok(rc == 0 and out_bm == out_b, "%d-message mbox: the same lines" % bulk, err)
    rc, out_m1, err, took_mb_fill = tern(home, "-f", big_mb, "-H")
    rc2, out_m2, err2, took_mb_cached = tern(home, "-f", big_mb, "-H")
    t.ok(rc == 0 and rc2 == 0 and out_m1 == out_b and out_m2 == out_b,
         "%d-message mbox: the same lines from the cache" % bulk, err + err2)

    size_md = sum(os.path.getsize(m.path) for m, _ in big_messages)
    # The cache follows changes: another program flags, removes and
    # delivers in the Maildir and appends to the mbox.
    first = big_messages[0][0].path
    unique = os.path.basename(first).split(":")[0]
    os.rename(first, os.path.join(big, "cur", unique + ":2,FS"))
    os.unlink(big_messages[1][0].path)
    extra = os.path.join(home, "big", "extra")
    more = make_maildir(extra, 1, seed=99)
    os.rename(more[0][0].path, os.path.join(big, "new", os.path.basename(more[0][0].path).split(":")[0]))
    rc, fresh, err, _ = tern(home, "-f", big, "-H", env=nocache)
    rc2, cached, err2, _ = tern(home, "-f", big, "-H")
    t.ok(rc == 0 and rc2 == 0 and cached == fresh and len(cached.splitlines()) == bulk,
         "Maildir changed by another program: the cached listing equals a fresh read", err + err2)
    t.ok(cached != out_b, "and differs from before the changes")
    with open(big_mb, "ab") as f, open(more[0][0].path if os.path.exists(more[0][0].path) else
                                       os.path.join(big, "new", os.path.basename(more[0][0].path).split(":")[0]),
                                       "rb") as src:
        f.write(b"From x@example.org Mon Jan  1 10:00:00 2024\n" + src.read().rstrip(b"\n") + b"\n\n")
    rc, fresh, err, _ = tern(home, "-f", big_mb, "-H", env=nocache)
    rc2, cached, err2, _ = tern(home, "-f", big_mb, "-H")
    t.ok(rc == 0 and rc2 == 0 and cached == fresh and len(cached.splitlines()) == bulk + 1,
         "mbox appended to by another program: the cached listing equals a fresh read", err + err2)

    t.diag("%-30s %10s %10s %10s" % ("folder", "messages", "MB", "seconds"))
    t.diag("%-30s %10d %10.1f %10.2f" % ("Maildir (gen.py wrote it)", bulk, size_md / 1e6, made))
    t.diag("%-30s %10d %10.1f %10.2f" % ("Maildir, tern -H, no cache", bulk, size_md / 1e6, took_md))
    t.diag("%-30s %10d %10.1f %10.2f" % ("Maildir, -H filling the cache", bulk, size_md / 1e6, took_md_fill))
    t.diag("%-30s %10d %10.1f %10.2f" % ("Maildir, -H from the cache", bulk, size_md / 1e6, took_md_cached))
    t.diag("%-30s %10d %10.1f %10.2f" % ("mbox, tern -H, no cache", bulk, os.path.getsize(big_mb) / 1e6, took_mb))
    t.diag("%-30s %10d %10.1f %10.2f" % ("mbox, -H filling the cache", bulk, os.path.getsize(big_mb) / 1e6,
                                         took_mb_fill))
    t.diag("%-30s %10d %10.1f %10.2f" % ("mbox, -H from the cache", bulk, os.path.getsize(big_mb) / 1e6,
                                         took_mb_cached))
    t.diag("(TERN=%s; an ASan build is several times slower; the page cache is warm)" % TERN)


run(main)
