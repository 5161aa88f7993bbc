#!/usr/bin/python3
"""e2e: acting on mail in the reader (tmux), every change checked from a
second session with imaplib: flag and unflag, read/unread, delete to the
Trash (SPECIAL-USE), delete + $ expunge touching only our messages (another
client's \\Deleted message survives), move with and without MOVE, copy,
1,000 tagged messages moved in one UID command (counted by a recording
proxy between tern and Dovecot), and a server without UIDPLUS (issue 16):
$ expunges when UID SEARCH DELETED finds only our messages, asks when
another client's are marked too, and a move without MOVE completes."""

import imaplib
import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, HOST, matrix   # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def flags_of(k, subject, folder="INBOX"):
    c = k.imap()
    c.select('"%s"' % folder, readonly=True)
    typ, data = c.search(None, 'SUBJECT "%s"' % subject)
    nums = data[0].split()
    if not nums:
        c.logout()
        return None
    typ, data = c.fetch(nums[0], "(FLAGS)")
    c.logout()
    return data[0].decode()


def settled(k, subject, want, seconds=5):
    """The flags of subject once want(flags) holds (the STORE runs on the
    worker after the screen shows the change), or the last seen."""
    end = time.time() + seconds
    flags = flags_of(k, subject) or ""
    while not want(flags) and time.time() < end:
        time.sleep(0.1)
        flags = flags_of(k, subject) or ""
    return flags


def count(k, folder, criteria="ALL"):
    c = k.imap()
    c.select('"%s"' % folder, readonly=True)
    typ, data = c.search(None, criteria)
    c.logout()
    return len(data[0].split())


def proxy(target_port):
    """A TCP relay on 127.0.0.1 recording what the client sends."""
    sock = socket.socket()
    sock.bind((HOST, 0))
    sock.listen(8)
    sent = []

    def pump(src, dst, record):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if record:
                    sent.append(data)
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def serve():
        while True:
            try:
                client, _ = sock.accept()
            except OSError:
                return
            server = socket.create_connection((HOST, target_port))
            threading.Thread(target=pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=pump, args=(server, client, False), daemon=True).start()
    threading.Thread(target=serve, daemon=True).start()
    return sock, sent


def main(t):
    with Kit() as k:
        c = k.imap()
        for i in range(6):
            c.append("INBOX", None, None, ("Subject: act %d\r\nDate: Mon, 1 Jan 2035 00:00:0%d +0000\r\n\r\nx\r\n"
                                           % (i, i)).encode())
        c.append("INBOX", "(\\Deleted)", None, b"Subject: theirs deleted\r\nDate: Mon, 1 Jan 2035 00:00:00 +0000\r\n\r\nx\r\n")
        c.create("Projects")
        c.subscribe("Projects")
        c.logout()
        r = TernRun(k, "act")
        r.account("acct", imap="imaps")
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}

        def find(s, subject):
            s.send("/")
            s.type(subject)
            s.send("Enter")

        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            s.wait_for("synced")
            find(s, "act 1")
            s.send("F")
            s.wait_for("Flag:1")
            t.ok("\\Flagged" in settled(k, "act 1", lambda f: "\\Flagged" in f), "F flags on the server")
            s.send("F")
            s.wait_for("Flag:0")
            t.ok("\\Flagged" not in settled(k, "act 1", lambda f: "\\Flagged" not in f),
                 "F again unflags on the server")
            s.send("N")
            t.ok("\\Seen" in settled(k, "act 1", lambda f: "\\Seen" in f), "N marks read on the server")

            find(s, "act 2")
            s.send("d")
            s.wait_for("to Trash")
            t.ok(flags_of(k, "act 2") is None and count(k, "Trash", 'SUBJECT "act 2"') == 1,
                 "d moves the message to the SPECIAL-USE Trash")

            find(s, "act 3")
            s.send("s")
            s.wait_for("to folder:")
            s.type("Proj")
            s.send("Tab", "Enter")
            s.wait_for("Moved 1 message to Projects")
            t.ok(flags_of(k, "act 3") is None and count(k, "Projects", 'SUBJECT "act 3"') == 1,
                 "s moves to another folder (Tab completes the name)")
            find(s, "act 4")
            s.send("C")
            s.wait_for("to folder:")
            s.type("Projects")
            s.send("Enter")
            s.wait_for("Copied 1 message to Projects")
            t.ok(flags_of(k, "act 4") is not None and count(k, "Projects", 'SUBJECT "act 4"') == 1,
                 "C copies and keeps the original")
            screen = s.capture()
            t.ok("act 2" not in screen and "act 3" not in screen, "moved messages left the index", screen)
            s.send("q")
            t.is_(s.exit_status(), 0, "quit")

        # folder-trash none: d marks \Deleted, $ expunges only what we marked.
        r2 = TernRun(k, "expunge")
        r2.account("acct", imap="imaps", folder_trash="none")
        env2 = {key: r2.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r2.mailrc], env=env2, width=110, height=30) as s:
            s.wait_for("synced")
            find(s, "act 5")
            s.send("d")
            s.wait_for("Marked 1 message deleted")
            t.ok("\\Deleted" in (flags_of(k, "act 5") or ""), "with folder-trash none, d sets \\Deleted")
            s.send("$")
            screen = s.wait_for("Expunge")
            t.ok("Expunge 1 deleted message?" in screen, "$ asks, counting only our own deletion", screen)
            s.send("Enter")
            s.wait_for("Expunged 1 message")
            t.ok(flags_of(k, "act 5") is None, "$ expunged our message")
            t.ok(flags_of(k, "theirs deleted") is not None,
                 "another client's \\Deleted message was not expunged (UID EXPUNGE of ours only)")
            s.send("q")
            t.is_(s.exit_status(), 0, "quit")

        # confirm-expunge off: $ expunges without a question.
        r3 = TernRun(k, "noask")
        r3.global_("confirm-expunge", "off")
        r3.account("acct", imap="imaps", folder_trash="none")
        env3 = {key: r3.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r3.mailrc], env=env3, width=110, height=30) as s:
            s.wait_for("synced")
            find(s, "act 4")
            s.send("d")
            s.wait_for("Marked 1 message deleted")
            s.send("$")
            screen = s.wait_for("Expunged 1 message")
            t.ok("Expunged 1 message." in screen and "Expunge 1 deleted" not in screen,
                 "confirm-expunge off: $ expunges without asking", screen)
            t.ok(flags_of(k, "act 4") is None, "and the message is gone from the server")
            s.send("q")
            t.is_(s.exit_status(), 0, "quit")

    # Without MOVE, and 1,000 tagged messages in one command (through a recording proxy).
    with Kit(tls=False, imap_capability="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ UIDPLUS "
                                         "CONDSTORE QRESYNC SPECIAL-USE") as k:
        k.generate("alice", 1005)
        c = imaplib.IMAP4(k.host, k.ports["imap"], timeout=20)
        c.login("alice", "secret")
        c.create("Bulk")
        c.subscribe("Bulk")
        c.logout()
        sock, sent = proxy(k.ports["imap"])
        r = TernRun(k, "bulk")
        r.account("acct", imap="imap", port=sock.getsockname()[1], tls="off", tls_ca_file=None)
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc, "-e", "push =" + "t" * 1000], env=env, width=110, height=30) as s:
            screen = s.wait_for("synced", 60)
            s.wait_for("1001 ", 30)
            s.send("\\;", "s")   # tmux reads a bare ; as its own command separator
            s.wait_for("to folder:")
            s.type("Bulk")
            s.send("Enter")
            screen = s.wait_for("Moved 1000 messages to Bulk", 60)
            t.ok("Moved 1000 messages to Bulk" in screen, "; s moves the 1,000 tagged messages",
                 "\n".join(screen.splitlines()[-3:]))
            s.send("q")
            s.exit_status()
        sock.close()
        c = imaplib.IMAP4(k.host, k.ports["imap"], timeout=20)
        c.login("alice", "secret")
        typ, data = c.select("Bulk", readonly=True)
        in_bulk = int(data[0])
        typ, data = c.select("INBOX", readonly=True)
        in_inbox = int(data[0])
        c.logout()
        t.ok(in_bulk == 1000 and in_inbox == 5, "1,000 in Bulk, 5 left in INBOX (%d, %d)" % (in_bulk, in_inbox))
        commands = b"".join(sent).decode("latin-1").split("\r\n")
        copies = [line for line in commands if re.search(r"^\S+ UID (COPY|MOVE) ", line)]
        expunges = [line for line in commands if re.search(r"^\S+ UID EXPUNGE ", line)]
        stores = [line for line in commands if re.search(r"^\S+ UID STORE .*Deleted", line)]
        t.ok(len(copies) == 1 and copies[0].split()[2].count(",") < 10,
             "without MOVE: one UID COPY with a compact UID set", copies)
        t.ok(len(stores) == 1 and len(expunges) == 1,
             "then one UID STORE \\Deleted and one UID EXPUNGE of those uids", (stores, expunges))


    # CONDSTORE: a flag change another client made since tern last looked is
    # not overwritten. No IDLE and no polling, so tern cannot have seen it.
    with Kit(tls=False, imap_capability="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ UIDPLUS MOVE "
                                         "CONDSTORE QRESYNC SPECIAL-USE") as k:
        c = imaplib.IMAP4(k.host, k.ports["imap"], timeout=20)
        c.login("alice", "secret")
        c.append("INBOX", None, None, b"Subject: race 1\r\nDate: Mon, 1 Jan 2035 00:00:00 +0000\r\n\r\nx\r\n")
        c.logout()
        sock, sent = proxy(k.ports["imap"])
        r = TernRun(k, "race")
        r.global_("check-interval", "0")
        r.account("acct", imap="imap", port=sock.getsockname()[1], tls="off", tls_ca_file=None)
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            s.wait_for("synced")
            c = imaplib.IMAP4(k.host, k.ports["imap"], timeout=20)
            c.login("alice", "secret")
            c.select("INBOX")
            c.uid("STORE", "1", "+FLAGS", "(\\Flagged \\Answered)")
            c.logout()
            s.send("F")
            screen = s.wait_for("changed by another client")
            t.ok("1 message was changed by another client" in screen,
                 "F on a message another client just changed: refused, and said so", screen.splitlines()[-1])
            flags = settled(k, "race 1", lambda f: "\\Flagged" in f)
            t.ok("\\Flagged" in flags and "\\Answered" in flags,
                 "the other client's flags stay on the server", flags)
            screen = s.wait_for("Flag:1")
            t.ok("Flag:1" in screen, "the index catches up with the server's state", screen.splitlines()[-2:])
            s.send("F")
            s.wait_for("Flag:0")
            t.ok("\\Flagged" not in settled(k, "race 1", lambda f: "\\Flagged" not in f),
                 "after catching up, F unflags")
            s.send("F")
            s.wait_for("Flag:1")
            t.ok("\\Flagged" in settled(k, "race 1", lambda f: "\\Flagged" in f),
                 "and F again flags: tern's own changes are no conflict")
            s.send("q")
            s.exit_status()
        sock.close()
        commands = b"".join(sent).decode("latin-1").split("\r\n")
        stores = [line for line in commands if re.search(r"^\S+ UID STORE ", line)]
        t.ok(len(stores) == 3 and all("UNCHANGEDSINCE" in line for line in stores),
             "each flag change is a UID STORE (UNCHANGEDSINCE ...)", stores)

    # No UIDPLUS, no MOVE (issue 16: tern could not expunge at all there).
    with Kit(tls=False, imap_capability="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ "
                                         "CONDSTORE QRESYNC SPECIAL-USE") as k:
        c = imaplib.IMAP4(k.host, k.ports["imap"], timeout=20)
        c.login("alice", "secret")
        for i in range(1, 4):
            c.append("INBOX", None, None, ("Subject: nu %d\r\nDate: Mon, 1 Jan 2035 00:00:0%d +0000\r\n\r\nx\r\n"
                                           % (i, i)).encode())
        c.append("INBOX", "(\\Deleted)", None, b"Subject: theirs nu\r\nDate: Mon, 1 Jan 2035 00:00:00 +0000\r\n\r\nx\r\n")
        c.create("Projects")
        c.subscribe("Projects")
        c.logout()
        r = TernRun(k, "nouidplus")
        r.account("acct", imap="imap", tls="off", tls_ca_file=None, folder_trash="none")
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
        with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
            s.wait_for("synced")
            s.send("/")
            s.type("nu 1")
            s.send("Enter")
            s.send("d")
            s.wait_for("Marked 1 message deleted")
            s.send("$")
            s.wait_for("Expunge 1 deleted message?")
            s.send("Enter")
            screen = s.wait_for("Not expunged")
            t.ok("1 more message here is marked deleted" in screen and "$ asks" in screen,
                 "no UIDPLUS, another client's message marked deleted: not expunged, and said so in one line",
                 screen.splitlines()[-1])
            t.ok(flags_of(k, "nu 1") is not None and flags_of(k, "theirs nu") is not None,
                 "no UIDPLUS: nothing expunged without asking")
            s.send("$")
            screen = s.wait_for("more marked deleted here?")
            t.ok("Expunge 1 deleted message and the 1 more marked deleted here?" in screen,
                 "$ again asks to expunge the others too", screen.splitlines()[-1])
            s.send("Enter")
            s.wait_for("Expunged 1 message")
            t.ok(flags_of(k, "nu 1") is None and flags_of(k, "theirs nu") is None,
                 "no UIDPLUS, agreed: EXPUNGE removed both")
            s.send("/")
            s.type("nu 2")
            s.send("Enter")
            s.send("d")
            s.wait_for("Marked 1 message deleted")
            s.send("$")
            s.wait_for("Expunge 1 deleted message?")
            s.send("Enter")
            s.wait_for("Expunged 1 message")
            t.ok(flags_of(k, "nu 2") is None and count(k, "INBOX") == 1,
                 "no UIDPLUS, only our message marked: UID SEARCH DELETED, then EXPUNGE")
            s.send("/")
            s.type("nu 3")
            s.send("Enter")
            s.send("s")
            s.wait_for("to folder:")
            s.type("Projects")
            s.send("Enter")
            s.wait_for("Moved 1 message to Projects")
            t.ok(count(k, "INBOX") == 0 and count(k, "Projects", 'SUBJECT "nu 3"') == 1,
                 "no UIDPLUS and no MOVE: a move copies, then expunges the original")
            s.send("q")
            s.exit_status()

    # An [ALERT] (Cyrus sends its motd file as one at login) is shown in
    # the reader, sanitized (RFC 3501 7.1; issue 16: it never was).
    if {"imap_server": "cyrus"} in matrix("imap"):
        with Kit(imap_server="cyrus") as k:
            motd = os.path.join(k.cyrus_dir, "conf", "msg")
            os.makedirs(motd, exist_ok=True)
            with open(os.path.join(motd, "motd"), "w") as f:
                f.write("Read-only tonight \x1b[5mfrom 22:00\n")
            r = TernRun(k, "alert")
            r.account("acct", imap="imaps")
            env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ")}
            with Screen([TERN, "-F", r.mailrc], env=env, width=110, height=30) as s:
                screen = s.wait_for("server alert")
                t.ok("server alert: Read-only tonight ^[[5mfrom 22:00" in screen,
                     "cyrus: the reader shows the server's [ALERT], sanitized", screen.splitlines()[-1])
                s.send("q")
                s.exit_status()


run(main)
