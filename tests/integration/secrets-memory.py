#!/usr/bin/python3
"""Issue 15.6: a password typed at tern's prompt lives only as long as the
login needs it. tern -H asks for it on a terminal (tmux), logs in over
plain IMAP and SMTP (a kit without TLS and tls off, so the proxy can hold
the command after the login),
and while the proxy holds SELECT every byte of tern's writable memory is
read from /proc/PID/mem: the password is nowhere, nor in freed memory
(the sanitizer build keeps freed blocks unreused). Then the proxy lets go
and -H lists the folder. Likewise for a send (-s), whose SMTP login and
Sent-copy login share one question: held at the Sent copy's APPEND,
after both logins, the password is gone too."""

import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from faultproxy import FaultProxy   # noqa: E402
from kit import Kit                 # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402

PASSWORD = "Typed-Memory-Pw-3b9f1c77"
TMUX = os.environ.get("TMUX_BIN") or "tmux"


def memory_has(pid, needle):
    """Where needle occurs in the writable memory of process pid."""
    hits = []
    with open("/proc/%d/maps" % pid) as maps, open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if "w" not in fields[1] or end - start > 1 << 31:
                continue
            try:
                mem.seek(start)
                data = mem.read(end - start)
            except (OSError, ValueError, OverflowError):
                continue
            at = data.find(needle)
            if at >= 0:
                hits.append("%x %s" % (start + at, fields[5] if len(fields) > 5 else "[anon]"))
    return hits


class Term:
    """A command in a tmux session."""

    def __init__(self, command):
        self.sock = os.path.join(tempfile.mkdtemp(prefix="tmx", dir="/tmp"), "s")
        self.tmux = [TMUX, "-S", self.sock, "-f", "/dev/null"]
        subprocess.run(self.tmux + ["new-session", "-d", "-x", "120", "-y", "40",
                                    "%s; echo exit=$?; sleep 60" % command], check=True)

    def screen(self):
        return subprocess.run(self.tmux + ["capture-pane", "-p"], capture_output=True, text=True).stdout

    def wait_for(self, text, seconds=20):
        end = time.time() + seconds
        while time.time() < end:
            s = self.screen()
            if text in s:
                return s
            time.sleep(0.1)
        return self.screen()

    def type(self, text):
        subprocess.run(self.tmux + ["send-keys", text, "Enter"], check=True)

    def close(self):
        subprocess.run(self.tmux + ["kill-server"], capture_output=True)


def tern_pid(mailrc):
    """The pid of the tern running with -F mailrc."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")
            if os.path.basename(argv[0]) == b"tern" and mailrc.encode() in argv:
                return int(pid)
        except OSError:
            pass
    return None


def wait(cond, seconds=20):
    end = time.time() + seconds
    while not cond() and time.time() < end:
        time.sleep(0.05)
    return cond()


def main(t):
    with Kit(users={"alice": PASSWORD, "bob": "hunter2"}, tls=False) as k:
        k.generate("alice", 5)
        needle = PASSWORD.encode()
        with FaultProxy(k.host, k.ports["imap"]) as proxy:
            r = TernRun(k, "memory")
            # timeout: the memory search while the proxy holds a command takes
            # more than the kit's 10 s on a loaded machine
            r.account("acct", imap="imap", port=proxy.port, password=False, tls="off", compress="off", timeout=120,
                      smtp="smtp://127.0.0.1:%d" % k.ports["submission"], **{"from": "alice@example.org"})
            env = " ".join("%s='%s'" % (key, r.env[key]) for key in ("HOME", "XDG_CACHE_HOME", "LC_ALL", "TZ"))

            # -H: held at SELECT, after the login
            proxy.arm(after=0, direction="up", mode="pause", marker=b"SELECT")
            term = Term("env %s '%s' -F '%s' -H" % (env, TERN, r.mailrc))
            try:
                t.ok("Password for acct:" in term.wait_for("Password for acct:"), "-H asks for the password")
                term.type(PASSWORD)
                t.ok(wait(lambda: proxy.fired), "the proxy holds SELECT: the login is done")
                pid = tern_pid(r.mailrc)
                hits = memory_has(pid, needle) if pid else ["no pid"]
                t.is_(hits, [], "-H after its login: the typed password is nowhere in tern's memory")
                proxy.release()
                s = term.wait_for("exit=")
                t.ok("exit=0" in s, "then -H lists the folder and exits 0", s)
            finally:
                term.close()

            # a send: the SMTP login, then the Sent copy's IMAP login, one question
            proxy.arm(after=0, direction="up", mode="pause", marker=b"APPEND")
            r2 = TernRun(k, "memory-send")
            r2.lines = list(r.lines)
            r2.write()
            env = " ".join("%s='%s'" % (key, r2.env[key]) for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME",
                                                                        "LC_ALL", "TZ"))
            term = Term("echo body | env %s '%s' -F '%s' -s held-send alice@example.org" % (env, TERN, r2.mailrc))
            try:
                t.ok("Password for acct:" in term.wait_for("Password for acct:"), "-s asks for the password")
                term.type(PASSWORD)
                t.ok(wait(lambda: proxy.fired), "the proxy holds the Sent copy's APPEND: both logins are done")
                pid = tern_pid(r2.mailrc)
                hits = memory_has(pid, needle) if pid else ["no pid"]
                t.is_(hits, [], "-s after its logins: the typed password is nowhere in tern's memory")
                proxy.release()
                s = term.wait_for("exit=")
                t.ok("exit=0" in s, "then the send ends with exit 0", s)
                t.ok(k.wait_messages("alice", "held-send"), "and the message arrived")
            finally:
                term.close()


run(main)
