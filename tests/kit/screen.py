"""Driving a program in a real terminal: tmux on a private socket.

    with Screen(["tern", "-F", rc], env=env, width=100, height=30) as s:
        s.wait_for("Msgs:")
        s.send("j", "Enter")
        text = s.capture()
"""

import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time

TMUX = os.environ.get("TMUX_BIN") or "tmux"


class Screen:
    def __init__(self, argv, env=None, width=100, height=30):
        self.dir = tempfile.mkdtemp(prefix="scr", dir="/tmp")
        self.sock = os.path.join(self.dir, "s")
        self.done = os.path.join(self.dir, "exit")
        envs = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in (env or {}).items())
        cmd = "env %s %s; echo $? > %s; sleep 600" % (envs, " ".join(shlex.quote(a) for a in argv),
                                                       shlex.quote(self.done))
        self._tmux("new-session", "-d", "-x", str(width), "-y", str(height), cmd)

    def _tmux(self, *args):
        return subprocess.run([TMUX, "-S", self.sock, "-f", "/dev/null"] + list(args),
                              capture_output=True, text=True)

    def send(self, *keys):
        """tmux key names: "j", "Enter", "C-g", "Escape", "PageDown"...,
        sent in one go (so "Escape", "v" arrive as one Esc-v sequence)."""
        self._tmux("send-keys", *keys)

    def type(self, text):
        self._tmux("send-keys", "-l", text)

    def capture(self):
        return self._tmux("capture-pane", "-p").stdout

    def title(self):
        return self._tmux("display-message", "-p", "#{pane_title}").stdout.strip()

    def resize(self, width, height):
        self._tmux("resize-window", "-x", str(width), "-y", str(height))

    def wait_for(self, text, seconds=20):
        """The screen once it shows text, a string or a compiled regular
        expression (or after seconds, whatever it shows)."""
        end = time.time() + seconds
        while time.time() < end:
            screen = self.capture()
            if (text.search(screen) if isinstance(text, re.Pattern) else text in screen):
                return screen
            time.sleep(0.05)
        return self.capture()

    def exit_status(self, seconds=10):
        end = time.time() + seconds
        while time.time() < end:
            if os.path.exists(self.done):
                with open(self.done) as f:
                    text = f.read().strip()
                if text:  # the shell may not have written it yet
                    return int(text)
            time.sleep(0.05)
        return None

    def close(self):
        self._tmux("kill-server")
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
