#!/usr/bin/python3
"""Two (and more) terns on one account at the same time, against the
kit's real servers: the same HOME, so the same header cache, outbox and
POP3 Maildir. Each round races two --flush-outbox runs against two
tern -s runs over a pre-filled outbox, two --fetch runs of one POP3
account, and -H and --check of one IMAP account; afterwards every
outbox message was delivered exactly once (counted in the recipient's
Maildir on the server), every POP3 message is in the local Maildir
exactly once and gone from the server, the outbox is empty, and the
header cache still opens without a "damaged" warning. A tern that finds
the cache or the POP3 state busy may say so; nothing else may go wrong."""

import email
import email.policy
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402

ROUNDS = 6
OUTBOX_PER_ROUND = 4
POP_PER_ROUND = 8
# what one tern may say about another one working next to it
BUSY = re.compile(r"in use by another tern|another tern is fetching|being sent or edited elsewhere|"
                  r"left the outbox meanwhile")


def maildir_messages(path):
    """[(Message-ID, Subject)] of the messages in Maildir path (new and cur)."""
    found = []
    for sub in ("new", "cur"):
        d = os.path.join(path, sub)
        for name in os.listdir(d) if os.path.isdir(d) else []:
            with open(os.path.join(d, name), "rb") as f:
                m = email.message_from_bytes(f.read(), policy=email.policy.compat32)
            found.append((str(m["Message-ID"] or "").strip(), str(m["Subject"] or "").strip()))
    return found


def tally(keys):
    out = {}
    for key in keys:
        out[key] = out.get(key, 0) + 1
    return out


def queue(r, n, subject):
    """An outbox entry as tern writes it, state queued."""
    d = os.path.join(r.env["XDG_DATA_HOME"], "tern", "outbox", "new")
    os.makedirs(d, exist_ok=True)
    msg = ("From: Bob <bob@example.com>\nTo: alice@example.com\nSubject: %s\n"
           "Message-ID: <%s@conc.example>\n\nqueued %d\n" % (subject, subject, n))
    path = os.path.join(d, "%d.000000000.1.%012x.tern" % (1700000000 + n, n))
    with open(path, "w") as f:
        f.write("Tern-Account: work\nTern-From: bob@example.com\nTern-To: alice@example.com\n"
                "Tern-State: queued\n\n" + msg)


def outbox(r):
    d = os.path.join(r.env["XDG_DATA_HOME"], "tern", "outbox", "new")
    return [n for n in os.listdir(d) if n.endswith(".tern")] if os.path.isdir(d) else []


def start(r, *args, stdin=None):
    p = subprocess.Popen(["tern" if not os.environ.get("TERN") else os.environ["TERN"], "-F", r.mailrc] + list(args),
                         env=r.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(stdin or b"")
    p.stdin.close()
    return p


def finish(procs):
    """[(argv, rc, stderr)] once all are done."""
    done = []
    for argv, p in procs:
        p.stdout.read()
        err = p.stderr.read()
        p.wait(timeout=180)
        done.append((argv, p.returncode, err.decode("utf-8", "replace")))
    return done


def main(t):
    with Kit() as k:
        k.generate("alice", 300)
        r = TernRun(k, "conc")
        r.account("work", imap="imaps", user="bob",
                  smtp="smtp://127.0.0.1:%d" % k.ports["submission"], **{"from": "bob@example.com"})
        r.account("mail", imap="imaps", user="alice")
        r.account("pop", pop3="pop3s", user="alice", pop3_keep="no")

        sent_subjects = []
        pop_ids = set()
        surprises = []
        busy = set()
        for rnd in range(ROUNDS):
            for i in range(OUTBOX_PER_ROUND):
                subject = "conc-queued-%d-%d" % (rnd, i)
                queue(r, rnd * 100 + i, subject)
                sent_subjects.append(subject)
            made = k.generate("alice", POP_PER_ROUND, seed=1000 + rnd)
            pop_ids |= {m.message_id for m in made}
            procs = []
            for j in range(2):
                subject = "conc-direct-%d-%d" % (rnd, j)
                sent_subjects.append(subject)
                procs.append((("-s", subject), start(r, "-A", "work", "-s", subject, "alice@example.com",
                                                        stdin=b"sent directly\n")))
                procs.append((("--flush-outbox",), start(r, "--flush-outbox")))
                procs.append((("--fetch",), start(r, "-A", "pop", "--fetch")))
                procs.append((("-H",), start(r, "-A", "mail", "-H")))
                procs.append((("--check",), start(r, "-A", "mail", "--check")))
            for argv, rc, err in finish(procs):
                bad = [line for line in err.splitlines() if line and not BUSY.search(line)]
                busy |= {re.sub(r"/\S+", "PATH", line) for line in err.splitlines() if BUSY.search(line)}
                if bad or (rc != 0 and not BUSY.search(err)):
                    surprises.append("%s rc %d: %s" % (" ".join(argv), rc, err.strip()))
        t.ok(not surprises, "every racing tern succeeded or only said another tern was busy",
             "\n".join(surprises[:10]))
        for line in sorted(busy):
            t.diag("seen: " + line)
        t.ok(all(line.startswith(("tern: account ", "tern: warning: account ")) for line in busy),
             "what a busy tern says names the account", sorted(busy))

        # whatever a busy run left behind goes now, alone
        rc, out, err = r.run("--flush-outbox")
        t.is_(rc, 0, "a last --flush-outbox alone exits 0 (%s)" % err.strip())
        rc, out, err = r.run("-A", "pop", "--fetch")
        t.is_(rc, 0, "a last --fetch alone exits 0 (%s)" % err.strip())
        time.sleep(0.5)

        local = maildir_messages(os.path.join(r.home, "data", "tern", "pop"))
        by_subject = tally(subj for _, subj in local)
        counts = {s: by_subject.get(s, 0) for s in sent_subjects}
        t.ok(all(c == 1 for c in counts.values()),
             "each of %d outbox messages delivered exactly once" % len(counts),
             {s: c for s, c in counts.items() if c != 1})
        t.is_(outbox(r), [], "the outbox is empty")
        by_id = tally(mid for mid, _ in local)
        twice = {m: c for m, c in by_id.items() if c > 1 and m in pop_ids}
        t.ok(not twice, "no POP3 message downloaded twice (%d in the local Maildir)" % len(local), twice)
        t.ok(pop_ids <= set(by_id), "every POP3 message is in the local Maildir",
             sorted(pop_ids - set(by_id))[:5])
        t.is_(maildir_messages(k.maildir("alice")), [], "nothing left on the POP3 server")

        rc, out, err = r.run("-A", "work", "-H")
        t.ok(rc == 0 and "damaged" not in err and "in use" not in err,
             "the header cache opens cleanly afterwards", err)
        rc, out, err = r.run("-A", "mail", "-H")
        t.ok(rc == 0 and "damaged" not in err and "in use" not in err,
             "the second account's cache opens cleanly afterwards", err)


run(main)
