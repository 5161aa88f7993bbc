#!/usr/bin/python3
"""Fault injection (issue 9, part 2): a proxy in front of the kit's real
servers (tests/kit/faultproxy.py, plain text so that every command can be
found in the byte stream) cuts the connection after N bytes, from the
server or from tern, by FIN, RST or a stall (which tern's timeout must
end); N walks over every command of an SMTP submission by tern -s (and points inside DATA), a POP3 fetch with
delete, an IMAP sync, and the APPEND to Sent after a send (SMTP direct,
IMAP through the proxy). After each cut tern must fail with a one-line
error or succeed, and then:
  SMTP  the message is delivered or waits in the outbox; a --flush-outbox
        run empties the outbox and the message has arrived; twice only when
        the cut fell after the final dot reached the server (the reply was
        lost: SMTP cannot tell, RFC 1047), which is counted, not failed
  POP3  no message is lost (every one is in the local Maildir or still on
        the server, none deleted without its local copy), and a clean
        rerun leaves each exactly once locally and the server empty
  IMAP  a clean rerun of tern -H lists exactly the server's messages,
        and neither run finds its header cache damaged; so also after tern
        is killed (SIGKILL) at moments spread over a sync
  body fetch, flag store, move (in the reader, driven in tmux; the proxy
        counts from the command): nothing lost or duplicated across the
        source and target folders (Dovecot has MOVE, so a move leaves exactly
        one copy), no other message's flags touched, no crash, and the next
        session shows the whole body, the server's flags and its count
  Sent  the message is delivered exactly once (an entry marked sent is
        only copied again, never resent) and after a --flush-outbox the
        Sent folder holds it exactly once, also when the APPEND reached the
        server and only its reply was lost
The walk samples N with a step (TERN_FAULT_STEP, default 1 point in 6);
contrib/faults runs every point (TERN_FAULT_STEP=1)."""

import difflib
import email
import imaplib
import email.policy
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from faultproxy import FaultProxy   # noqa: E402
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402

STEP = int(os.environ.get("TERN_FAULT_STEP", "6"))
MODES = ("close", "reset", "stall")  # a stall lasts until tern's timeout (3 s) ends it


def points(stream, markers, step, inside=()):
    """Offsets to cut at: the start and end of every line (so before and
    after each command or reply), plus points inside the ranges given;
    then every step-th of them, always keeping the first and last."""
    found = {0, len(stream)}
    for m in re.finditer(rb"\r?\n", stream):
        found.add(m.start())
        found.add(m.end())
    for start, end in inside:
        for k in range(1, 8):
            found.add(start + (end - start) * k // 8)
    found = sorted(n for n in found if 0 <= n <= len(stream))
    return found if step <= 1 else found[::step] + ([found[-1]] if found[-1] not in found[::step] else [])


def maildir_files(path):
    out = []
    for sub in ("new", "cur"):
        d = os.path.join(path, sub)
        if os.path.isdir(d):
            out += [os.path.join(d, f) for f in os.listdir(d)]
    return out


def subjects(path):
    found = []
    for f in maildir_files(path):
        with open(f, "rb") as fh:
            m = email.message_from_binary_file(fh, policy=email.policy.default)
        found.append(str(m["Subject"] or ""))
    return found


def one_line_error(err):
    lines = [l for l in err.splitlines() if l.strip() and not l.startswith("tern: warning")]
    return len(lines) <= 3


def cut_run(p, r, i, direction, n, *args, input=None):
    """One faulted run of tern: the i-th point is cut by FIN, RST or a
    stall in turn. Returns (rc, out, err, problems) with the check every
    run gets: a failure is a short error, not a dump."""
    mode = MODES[i % len(MODES)]
    p.arm(n, direction, mode)
    rc, out, err = r.run(*args, input=input)
    p.release()
    p.disarm()
    problems = [] if rc == 0 or one_line_error(err) else ["not a short error: %r" % err]
    return rc, out, err, problems, mode


def report(t, proto, direction, n, mode, problems):
    """1 (and a diagnostic) when a cut left problems, else 0."""
    if problems:
        t.diag("%s cut %s after %d bytes (%s): %s" % (proto, direction, n, mode, "; ".join(problems)))
    return 1 if problems else 0


def smtp_walk(t, k):
    r = TernRun(k, "smtp-faults")
    with FaultProxy(k.host, k.ports["submission"]) as p:
        r.account("acct", imap="imap", tls="off", tls_ca_file=None, folder_sent="none", timeout=3,
                  smtp="smtp://127.0.0.1:%d" % p.port, **{"from": "Alice <alice@example.com>"})
        body = ("line %d of a message long enough to be cut inside DATA\n" * 40) % tuple(range(40))
        rc, out, err = r.run("-s", "clean-run", "bob@example.com", input=body.encode())
        if not t.ok(rc == 0, "SMTP: a clean submission through the proxy works", err):
            return 0
        down, up = p.stream("down"), p.stream("up")
        data_at = up.find(b"DATA\r\n") + 6
        dot_at = up.rfind(b"\r\n.\r\n") + 5
        # the reply to the final dot is the last 250 before QUIT's 221
        final_reply = down.rfind(b"250 ", 0, down.rfind(b"221"))
        plan = [("up", n) for n in points(up, None, STEP, inside=[(data_at, dot_at)])]
        plan += [("down", n) for n in points(down, None, STEP)]
        tried = duplicates = bad = 0
        for i, (direction, n) in enumerate(plan):
            subject = "fault-%s-%d-%d" % (direction, n, i)
            rc, out, err, problems, mode = cut_run(p, r, i, direction, n, "-s", subject, "bob@example.com",
                                                   input=body.encode())
            tried += 1
            if rc not in (0, 75) and not (direction == "down" and n < 4):
                problems.append("exit %d" % rc)
            rc2, out2, err2 = r.run("--flush-outbox")
            if rc2 != 0:
                problems.append("--flush-outbox exit %d: %s" % (rc2, err2))
            outbox = os.path.join(r.env["XDG_DATA_HOME"], "tern", "outbox", "new")
            if os.path.isdir(outbox) and os.listdir(outbox):
                problems.append("outbox not empty after the flush")
            got = subjects(k.maildir("bob")).count(subject)
            lost_reply = (direction == "up" and n >= dot_at) or (direction == "down" and n >= final_reply)
            if got == 0:
                problems.append("message lost")
            elif got > 1:
                if lost_reply:
                    duplicates += 1
                else:
                    problems.append("delivered %d times" % got)
            bad += report(t, "SMTP", direction, n, mode, problems)
        t.ok(bad == 0, "SMTP: %d cuts (each command, inside DATA, each reply; FIN, RST, stall): no message lost, "
             "no outbox entry dropped, the next run completes" % tried)
        t.diag("SMTP: %d of %d cuts fell after the final dot and gave a second delivery on retry "
               "(the reply was lost; SMTP cannot tell)" % (duplicates, tried))
        # a stall: tern's timeout ends it, the message waits in the outbox
        p.arm(data_at + 10, "up", "stall")
        rc, out, err = r.run("-s", "fault-stall", "bob@example.com", input=body.encode())
        p.release()
        p.disarm()
        rc2, _, _ = r.run("--flush-outbox")
        t.ok(rc == 75 and rc2 == 0 and subjects(k.maildir("bob")).count("fault-stall") == 1,
             "SMTP: a stall inside DATA times out, the message is queued, then delivered once", (rc, err))
        return tried + 1


def reset_pop(k, r, count, seed):
    server = k.maildir("alice")
    for sub in ("new", "cur"):
        for f in os.listdir(os.path.join(server, sub)):
            os.unlink(os.path.join(server, sub, f))
    local = os.path.join(r.home, "data", "tern", "acct")
    shutil.rmtree(local, ignore_errors=True)
    k.generate("alice", count, seed=seed)  # new names: Dovecot remembers the old ones
    return sorted(open(f, "rb").read() for f in maildir_files(server))


def pop_walk(t, k):
    r = TernRun(k, "pop-faults")
    local = os.path.join(r.home, "data", "tern", "acct")
    with FaultProxy(k.host, k.ports["pop3"]) as p:
        r.account("acct", pop3="pop3", pop3_port=p.port, tls="off", tls_ca_file=None, pop3_keep="no", timeout=3)
        original = reset_pop(k, r, 4, 1000)
        rc, out, err = r.run("--fetch")
        if not t.ok(rc == 0 and len(maildir_files(local)) == 4, "POP3: a clean fetch through the proxy works", err):
            return 0
        down, up = p.stream("down"), p.stream("up")
        plan = [("down", n) for n in points(down, None, STEP * 3)]
        plan += [("up", n) for n in points(up, None, max(1, STEP // 2))]
        tried = bad = 0
        for i, (direction, n) in enumerate(plan):
            original = reset_pop(k, r, 4, 1001 + i)
            rc, out, err, problems, mode = cut_run(p, r, i, direction, n, "--fetch")
            tried += 1
            here = [open(f, "rb").read() for f in maildir_files(local)]
            there = [open(f, "rb").read() for f in maildir_files(k.maildir("alice"))]
            norm = lambda b: b.replace(b"\r\n", b"\n")
            missing = [m for m in original if norm(m) not in [norm(x) for x in here] and m not in there]
            if missing:
                problems.append("%d messages neither here nor on the server" % len(missing))
            rc2, out2, err2 = r.run("--fetch")
            here = sorted(norm(open(f, "rb").read()) for f in maildir_files(local))
            if rc2 != 0:
                problems.append("the next fetch: exit %d %s" % (rc2, err2))
            if here != sorted(norm(m) for m in original):
                problems.append("after the next fetch: %d local copies of %d messages" % (len(here), len(original)))
            if maildir_files(k.maildir("alice")):
                problems.append("messages left on the server after the next fetch")
            bad += report(t, "POP3", direction, n, mode, problems)
        t.ok(bad == 0, "POP3: %d cuts of a fetch with delete (FIN, RST, stall): nothing lost, nothing deleted "
             "without its local copy, the next fetch leaves each message exactly once" % tried)
        return tried


def compressed_from(up, down):
    """Where COMPRESS=DEFLATE (RFC 4978) began in each direction: just
    after the client's command and just after the server's tagged OK;
    None when the session was not compressed."""
    m = re.search(rb"(?:^|\n)(\S+) COMPRESS DEFLATE\r\n", up)
    ok = m and re.search(rb"(?:^|\n)" + re.escape(m.group(1)) + rb" OK[^\r]*\r\n", down)
    return (m.end(), ok.end()) if ok else None


def imap_walk(t, k, compress):
    """A sync cut anywhere; compress on: the cuts fall inside the
    compressed stream too (a deflate stream cut mid-block, the server's
    final flush lost)."""
    r = TernRun(k, "imap-faults-" + compress)
    with FaultProxy(k.host, k.ports["imap"]) as p:
        k.generate("bob", 12, seed=3)
        r.account("acct", imap="imap", port=p.port, tls="off", tls_ca_file=None, timeout=3, user="bob",
                  compress=compress)
        r.run("-H")
        shutil.rmtree(r.cache, ignore_errors=True)
        rc, want, err = r.run("-H")  # cold, and \Recent (N) is gone, as it will be in every later run
        if not t.ok(rc == 0 and want.count("\n") >= 12, "IMAP (compress %s): a clean sync through the proxy works"
                    % compress, err):
            return 0
        down, up = p.stream("down"), p.stream("up")
        started = compressed_from(up, down)
        if not t.ok((started is not None) == (compress == "on"), "IMAP: the session was %scompressed"
                    % ("" if compress == "on" else "not "), "%r" % down[:2000]):
            return 0
        plan = [("down", n) for n in points(down, None, STEP * 4)]
        plan += [("up", n) for n in points(up, None, STEP)]
        if started:  # no lines to aim at in the deflate stream: points spread over it
            spread = 24 // min(STEP, 6)
            plan += [("down", started[1] + (len(down) - started[1]) * j // spread) for j in range(1, spread)]
            plan += [("up", started[0] + (len(up) - started[0]) * j // 6) for j in range(1, 6)]
        tried = bad = 0
        for i, (direction, n) in enumerate(plan):
            if i % 2:  # cold and warm caches
                shutil.rmtree(r.cache, ignore_errors=True)
            rc, out, err, problems, mode = cut_run(p, r, i, direction, n, "-H")
            tried += 1
            rc2, out2, err2 = r.run("-H")
            if "header cache" in err + err2:  # "... was damaged (...): rebuilt"
                problems.append("the cut left a damaged cache: %r" % (err + err2))
            if rc2 != 0 or out2 != want:
                diff = [l for l in difflib.unified_diff(want.splitlines(), out2.splitlines(), lineterm="", n=0)
                        if l[:1] in "+-" and l[:3] not in ("+++", "---")]
                problems.append("the next sync: exit %d, %s" % (rc2, "same list" if out2 == want else
                                                                 "a different list: %r" % diff[:6]))
            bad += report(t, "IMAP", direction, n, mode, problems)
        t.ok(bad == 0, "IMAP (compress %s): %d cuts of a sync (cold and warm cache; FIN, RST, stall): no damaged "
             "cache, the next sync lists exactly the server's messages" % (compress, tried))
        return tried


def kill_walk(t, k):
    """tern killed (SIGKILL) at moments spread over a sync of a large
    folder, cold (no cache) or warm (a cache, while the server flagged,
    expunged and added messages since): the header cache it was writing is
    never left damaged (Tokyo Cabinet rolls back the open transaction) and
    the next sync lists exactly what a fresh tern lists."""
    r = TernRun(k, "kill-faults")
    truth = TernRun(k, "kill-truth")  # a fresh cache each time: the server's state
    k.generate("bob", 3000, folder="Big", seed=7)
    for run_ in (r, truth):
        run_.account("acct", imap="imap", tls="off", tls_ca_file=None, timeout=10, user="bob")
    r.run("-H", "-f", "Big")  # \Recent (N) is gone from here on

    def listing(run_, cold):
        if cold:
            shutil.rmtree(run_.cache, ignore_errors=True)
        start = time.monotonic()
        rc, out, err = run_.run("-H", "-f", "Big")
        return rc, out, err, time.monotonic() - start

    def change_server(i):
        """new messages, flags on and messages gone since the cache was
        written (this SELECT takes the new ones' \\Recent, which only one
        session sees)"""
        k.generate("bob", 40, folder="Big", seed=100 + i)
        c = k.imap("bob")
        c.select("Big")
        c.store("%d:%d" % (1 + 40 * i, 300 + 40 * i), "+FLAGS", "\\Flagged")
        c.store("1:20", "+FLAGS", "\\Deleted")
        c.expunge()
        c.logout()

    rc, _, err, cold_time = listing(r, True)
    change_server(0)
    rc2, _, err2, warm_time = listing(r, False)
    if not t.ok(rc == 0 and rc2 == 0, "IMAP: a clean cold sync of 3,000 messages (%.1f s), and a warm one after "
                "changes on the server (%.1f s)" % (cold_time, warm_time), err + err2):
        return 0
    rounds = 12 if STEP > 1 else 40
    tried = {"cold": 0, "warm": 0}
    bad = 0
    for i in range(1, rounds + 1):
        kind = "cold" if i % 2 else "warm"
        if kind == "cold":
            shutil.rmtree(r.cache, ignore_errors=True)
        else:
            listing(r, False)
            change_server(i)
        at = (cold_time if kind == "cold" else warm_time) * ((i + 1) // 2) / (rounds // 2 + 1)
        proc = r.popen("-H", "-f", "Big")
        time.sleep(at)
        proc.kill()
        proc.communicate()
        if proc.returncode != -9:  # it had ended: no kill, not counted
            continue
        tried[kind] += 1
        rc2, out2, err2, _ = listing(r, False)
        want = listing(truth, True)[1]
        problems = []
        if "header cache" in err2:
            problems.append("the kill left a damaged cache: %r" % err2)
        if rc2 != 0 or out2 != want:
            diff = [l for l in difflib.unified_diff(want.splitlines(), out2.splitlines(), lineterm="", n=0)
                    if l[:1] in "+-" and l[:3] not in ("+++", "---")]
            problems.append("the next sync: exit %d, %s" % (rc2, "same list" if out2 == want else
                                                             "a different list: %r" % diff[:4]))
        if problems:
            t.diag("IMAP %s sync killed at %.2f s: %s" % (kind, at, "; ".join(problems)))
            bad += 1
    t.ok(bad == 0 and tried["cold"] and tried["warm"],
         "IMAP: tern killed at %d moments of a cold sync and %d of a warm one: no damaged cache, the next sync "
         "lists what a fresh tern lists" % (tried["cold"], tried["warm"]))
    return tried["cold"] + tried["warm"]


def sent_walk(t, k):
    """APPEND to Sent after a send: SMTP goes straight to the server, IMAP
    through the proxy. The message is delivered exactly once whatever the
    cut (an entry marked sent is only ever copied again, never resent), and
    after a --flush-outbox the Sent folder holds it exactly once."""
    r = TernRun(k, "sent-faults")
    sent = os.path.join(k.maildir("alice"), ".Sent")
    with FaultProxy(k.host, k.ports["imap"]) as p:
        r.account("acct", imap="imap", port=p.port, tls="off", tls_ca_file=None, folder_sent="Sent", timeout=3,
                  compress="off",  # the walk finds the APPEND in plain text
                  smtp="smtp://127.0.0.1:%d" % k.ports["submission"], **{"from": "Alice <alice@example.com>"})
        body = "a message whose Sent copy is cut\n" * 20
        rc, out, err = r.run("-s", "sent-clean", "bob@example.com", input=body.encode())
        if not t.ok(rc == 0 and subjects(sent).count("sent-clean") == 1,
                    "Sent: a clean send stores one Sent copy through the proxy", err):
            return 0
        up, down = p.stream("up"), p.stream("down")
        append_at = up.find(b"APPEND")
        literal_at = up.find(b"\r\n", append_at) + 2
        size = re.search(rb"\{(\d+)\+?\}", up[append_at:literal_at])
        literal_end = literal_at + (int(size.group(1)) if size else 0)
        plan = [("up", n) for n in points(up, None, STEP, inside=[(literal_at, literal_end)])]
        # inside the APPEND's tagged reply too: the message is stored, its OK lost
        reply_at = down.rfind(b"\r\n", 0, down.find(b"[APPENDUID")) + 2
        reply_end = down.find(b"\r\n", reply_at)
        plan += [("down", n) for n in points(down, None, STEP, inside=[(reply_at, reply_end)])]
        tried = bad = 0
        for i, (direction, n) in enumerate(plan):
            subject = "sent-%s-%d-%d" % (direction, n, i)
            rc, out, err, problems, mode = cut_run(p, r, i, direction, n, "-s", subject, "bob@example.com",
                                                   input=body.encode())
            tried += 1
            if rc not in (0, 75):
                problems.append("exit %d: %s" % (rc, err))
            rc2, out2, err2 = r.run("--flush-outbox")
            if rc2 != 0:
                problems.append("--flush-outbox exit %d: %s" % (rc2, err2))
            outbox = os.path.join(r.env["XDG_DATA_HOME"], "tern", "outbox", "new")
            if os.path.isdir(outbox) and os.listdir(outbox):
                problems.append("outbox not empty after the flush")
            delivered = subjects(k.maildir("bob")).count(subject)
            copies = subjects(sent).count(subject)
            if delivered != 1:
                problems.append("delivered %d times" % delivered)
            if copies != 1:
                problems.append("%d Sent copies" % copies)
            bad += report(t, "Sent", direction, n, mode, problems)
        t.ok(bad == 0, "Sent: %d cuts of the APPEND to Sent after a send (FIN, RST, stall): delivered exactly once, "
             "and after a --flush-outbox exactly one Sent copy" % tried)
        return tried


# ---- IMAP actions in the reader (no headless path does them): a body
# fetch, a flag store and a move, each cut inside its own command, the
# proxy counting from that command (marker) whatever the sync sent before.

TUI_STEP = 1 if STEP <= 1 else STEP * 2  # a reader session is slow: the check run samples fewer


def imap_plain(k):
    c = imaplib.IMAP4(k.host, k.ports["imap"], timeout=10)
    c.login("alice", "secret")
    return c


def server_state(k):
    """{folder: sorted [(subject, flagged)]} of FSrc and FDst."""
    c = imap_plain(k)
    out = {}
    for folder in ("FSrc", "FDst"):
        typ, count = c.select(folder, readonly=True)
        if int(count[0]) == 0:
            out[folder] = []
            continue
        typ, data = c.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        found = []
        for item in data:
            if isinstance(item, tuple):
                found.append((item[1].decode().strip(), "\\Flagged" in item[0].decode()))
        out[folder] = sorted(found)
    c.logout()
    return out


def reset_folders(k):
    """FSrc holds f 0, f 1, f 2 (unflagged, short bodies ending in a
    marker), FDst nothing."""
    c = imap_plain(k)
    for folder in ("FSrc", "FDst"):
        c.delete(folder)
        c.create(folder)
        c.subscribe(folder)
    for i in range(3):
        c.append("FSrc", "(\\Seen)", None, ("Subject: f %d\r\n\r\n" % i + "body line %d\r\n" * 8 % tuple(range(8))
                                          + "END-OF-BODY-%d\r\n" % i).encode())
    c.logout()


def tui_run(r, env, keys, wait=None):
    """One reader session on FSrc: the last message (f 2) is current;
    keys are sent once it is synced; returns the screen at the end, once
    it shows wait (a text, up to 3 s; or a test of the screen, up to 20 s,
    for a session whose index may still change: a replayed journal
    resyncs it after the first "synced"; 10 s fell short once in a loaded
    contrib/check run)."""
    with Screen([TERN, "-F", r.mailrc, "-f", "FSrc"], env=env, width=110, height=30) as s:
        s.wait_for("synced", 15)
        for k_ in keys:
            if k_.startswith("="):
                s.type(k_[1:])
            else:
                s.send(k_)
            time.sleep(0.1)
        if callable(wait):
            end = time.time() + 20
            while not wait(s.capture()) and time.time() < end:
                time.sleep(0.2)
        elif wait:
            s.wait_for(wait, 3)
        time.sleep(0.2)
        screen = s.capture()
        s.send("q")
        s.send("q")
        status = s.exit_status(5)
    if status not in (0, None):  # killed by a signal, or a sanitizer report
        screen += "\ntern exited with status %d" % status
    return screen


def tui_scenarios():
    """(name, marker, keys, what the next session checks)."""
    body = ["/", "=f 2", "Enter", "Enter"]
    return [
        ("body fetch", b"(UID BODY.PEEK[])", body, "END-OF-BODY-2"),
        ("flag store", b"(\\Flagged)", ["/", "=f 2", "Enter", "F"], "Flag:"),
        ("move", b"UID MOVE", ["/", "=f 2", "Enter", "s", "=FDst", "Enter"], "synced"),
    ]


def tui_check(name, k, before, after, screen_next):
    """The server and local state after a cut and a clean session."""
    problems = []
    subjects_before = sorted(s for f in before.values() for s, _ in f)
    subjects_after = sorted(s for f in after.values() for s, _ in f)
    if subjects_after != subjects_before:
        problems.append("messages lost or duplicated: %r" % after)
    others = [(s, fl) for f in after.values() for s, fl in f if "f 2" not in s]
    if any(fl for _, fl in others):
        problems.append("another message was flagged: %r" % after)
    if name == "body fetch" and "END-OF-BODY-2" not in screen_next:
        problems.append("the next session does not show the whole body")
    if name == "flag store":
        flagged = sum(fl for f in after.values() for _, fl in f)
        if "Flag:%d" % flagged not in screen_next:
            problems.append("the index does not show the server's flags (Flag:%d)" % flagged)
    if name == "move":
        n = len(after["FSrc"])
        if "Msgs:%d" % n not in screen_next:
            problems.append("the index does not show the server's %d messages" % n)
    return problems


def tui_walk(t, k):
    r = TernRun(k, "tui-faults")
    total = 0
    with FaultProxy(k.host, k.ports["imap"]) as p:
        r.account("acct", imap="imap", port=p.port, tls="off", tls_ca_file=None, timeout=3, user="alice",
                  compress="off")  # the proxy finds the commands in plain text
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}
        for name, marker, keys, wait in tui_scenarios():
            reset_folders(k)
            p.arm(10 ** 9, "up", "close", marker=marker)  # never fires: records where the command starts
            screen = tui_run(r, env, keys, wait)
            p.disarm()
            if not t.ok(p.marked is not None and wait in screen, "%s: a clean run through the proxy works" % name,
                        screen):
                continue
            up, down = p.stream("up")[p.marked[0]:], p.stream("down")[p.marked[1]:]
            tag = up.split(b" ", 1)[0]
            cmd_end = up.find(b"\r\n") + 2
            reply_end = down.find(b"\r\n", down.find(b"\r\n" + tag + b" ") + 2) + 2
            # inside the command, its reply and (body fetch) the literal too
            inside = [(down.find(b"}\r\n") + 3, down.rfind(b")\r\n", 0, reply_end))] if name == "body fetch" else []
            plan = [("up", n) for n in points(up[:cmd_end], None, TUI_STEP, inside=[(0, cmd_end)])]
            plan += [("down", n) for n in points(down[:reply_end], None, TUI_STEP, inside=inside + [(0, reply_end)])]
            tried = bad = missed = 0
            for i, (direction, n) in enumerate(plan):
                reset_folders(k)
                if i % 2 or name == "body fetch":  # cold and warm caches; a body the cache holds is not fetched
                    shutil.rmtree(r.cache, ignore_errors=True)
                before = server_state(k)
                mode = MODES[i % len(MODES)]
                p.arm(n, direction, mode, marker=marker)
                screen = tui_run(r, env, keys, wait)
                fired = p.fired
                p.release()
                p.disarm()
                problems = []
                if "AddressSanitizer" in screen or "runtime error" in screen or "tern exited with status" in screen:
                    problems.append("a crash: %r" % screen[-1500:])
                # the next session completes and shows the server's state
                screen_next = tui_run(r, env, keys[:3] + (["Enter"] if name == "body fetch" else []),
                                      lambda screen: not tui_check(name, k, before, server_state(k), screen))
                problems += tui_check(name, k, before, server_state(k), screen_next)
                if not fired:  # the reply came out shorter this time (ids, MODSEQs): no cut, not counted
                    missed += 1
                    if not problems:
                        continue
                tried += 1
                bad += report(t, name, direction, n, mode, problems)
            t.ok(bad == 0, "%s: %d cuts (the command and its reply; FIN, RST, stall): nothing lost or duplicated, "
                 "no other message touched, the next session shows the server's state" % (name, tried))
            t.diag("%s: %d fault points (%d more fell past a shorter reply and cut nothing)" % (name, tried, missed))
            total += tried
    return total


def main(t):
    with Kit(tls=False) as k:
        total = (smtp_walk(t, k) + pop_walk(t, k) + imap_walk(t, k, "on") + imap_walk(t, k, "off") + kill_walk(t, k) + sent_walk(t, k)
                 + tui_walk(t, k))
        t.diag("fault points tried: %d (TERN_FAULT_STEP=%d)" % (total, STEP))
        t.ok(total > 0, "fault points were tried (%d)" % total)


run(main)
