"""The process contrib/bench starts its clients from.

A child's ru_maxrss is not only its own: Linux keeps the high-water RSS of
the address space the child had before execve, which after a fork is a copy
of the parent's and after posix_spawn (vfork) the parent's itself.  The
bench process holds the generated mailbox and the warm-up FETCH results
(150 MB and more at 100,000 messages), so clients are forked from this
small process instead, which imports only what it needs and keeps no
output in memory.  Its own peak RSS is reported as `floor_kb`: a client
figure at or below it says nothing.

Protocol: one JSON object per line on stdin, one reply per line on stdout.

    {"argv": [...], "env": {...}, "timeout": S, "out": PATH,
     "err": PATH,          # plain run: stdout to out, stderr to err
     "pty": [ROWS, COLS],  # or: on a new pty of that size, everything to out
     "abort": "text"}      # pty only: kill at once when the output shows it
    -> {"wall": S, "status": WAITSTATUS, "maxrss_kb": N, "timed_out": B,
        "aborted": B, "floor_kb": N}

Wall time runs from just before the fork to the reaping of the child.
"""

import errno
import fcntl
import json
import os
import pty
import select
import signal
import struct
import sys
import termios
import time


def wait_until(pid, deadline):
    """Reap pid, SIGKILLing it at deadline; (status, rusage, timed_out)."""
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([pidfd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            os.kill(pid, signal.SIGKILL)
        _, status, rusage = os.wait4(pid, 0)
        return status, rusage, not ready
    finally:
        os.close(pidfd)


def run_plain(req):
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, req["out"], flags, 0o600),
               (os.POSIX_SPAWN_OPEN, 2, req["err"], flags, 0o600)]
    start = time.monotonic()
    pid = os.posix_spawn(req["argv"][0], req["argv"], req["env"], file_actions=actions)
    status, rusage, timed_out = wait_until(pid, start + req["timeout"])
    return time.monotonic() - start, status, rusage, timed_out, False


def run_pty(req):
    rows, cols = req["pty"]
    abort = req.get("abort", "").encode()
    out = os.open(req["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    start = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execve(req["argv"][0], req["argv"], req["env"])
        finally:
            os._exit(127)
    deadline = start + req["timeout"]
    tail = b""
    timed_out = aborted = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                break
            if not select.select([fd], [], [], left)[0]:
                continue
            try:
                data = os.read(fd, 1 << 16)
            except OSError as e:
                if e.errno == errno.EIO:        # every slave fd is closed
                    break
                raise
            if not data:
                break
            os.write(out, data)
            tail = (tail + data)[-4096:]
            if abort and abort in tail:
                aborted = True
                os.kill(pid, signal.SIGKILL)
                break
        _, status, rusage = os.wait4(pid, 0)
    finally:
        os.close(fd)
        os.close(out)
    return time.monotonic() - start, status, rusage, timed_out, aborted


def own_peak_kb():
    """This process's high-water RSS (VmHWM): what a child inherits.  Not
    ru_maxrss, which also counts the bench process this one was forked from."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    for line in sys.stdin:
        req = json.loads(line)
        wall, status, rusage, timed_out, aborted = (run_pty if "pty" in req else run_plain)(req)
        reply = {"wall": wall, "status": status, "maxrss_kb": rusage.ru_maxrss,
                 "timed_out": timed_out, "aborted": aborted,
                 "floor_kb": own_peak_kb()}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
