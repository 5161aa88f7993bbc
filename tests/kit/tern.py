"""Running the tern binary under test against a Kit: writing a mailrc for
its servers and running tern with a private HOME, cache and config.

    with Kit() as k:
        t = TernRun(k)                       # a fresh HOME under k.dir
        t.account("main", imap="imaps", user="alice")
        rc, out, err = t.run("-H")
"""

import os
import subprocess

TERN = os.environ.get("TERN", "tern")


class TernRun:
    def __init__(self, kit, name="t", env=None):
        self.kit = kit
        self.home = os.path.join(kit.dir, "home-" + name)
        os.makedirs(self.home, exist_ok=True)
        self.cache = os.path.join(self.home, "cache")
        self.mailrc = os.path.join(self.home, "mailrc")
        self.lines = []
        self.env = dict(os.environ)
        self.env.update({"HOME": self.home, "XDG_CACHE_HOME": self.cache,
                         "XDG_CONFIG_HOME": os.path.join(self.home, "config"),
                         "XDG_DATA_HOME": os.path.join(self.home, "data"),
                         "LC_ALL": "C.UTF-8", "TZ": "UTC"})
        self.env.update(env or {})

    @staticmethod
    def quote(value):
        """A mailrc double-quoted string."""
        return '"%s"' % str(value).replace("\\", "\\\\").replace('"', '\\"')

    def global_(self, key, value):
        self.lines.append("%s %s" % (key, self.quote(value)))

    def account(self, name, imap=None, port=None, user="alice", password=None,
                host=None, pop3=None, pop3_port=None, **keys):
        """imap: 'imaps' (implicit TLS) or 'imap' (STARTTLS); port defaults
        to the kit's port of that kind. pop3: 'pop3s' (implicit TLS) or
        'pop3' (STLS); its port is pop3_port, else port when there is no
        imap, else the kit's. password None: the kit user's; False: no
        password line."""
        self.lines.append("account %s" % name)
        if imap:
            imap_port = port or self.kit.ports[imap]
            self.lines.append("  imap %s://%s:%d" % (imap, host or self.kit.host, imap_port))
        if pop3:
            pop3_port = pop3_port or (None if imap else port) or self.kit.ports[pop3]
            self.lines.append("  pop3 %s://%s:%d" % (pop3, host or self.kit.host, pop3_port))
        if user:
            self.lines.append('  user "%s"' % user)
        if password is None and user in getattr(self.kit, "users", {}):
            password = self.kit.users[user]   # password=False: none at all
        if password:
            self.lines.append('  password "%s"' % password)
        keys.setdefault("tls_ca_file", self.kit.ca_file)
        keys.setdefault("timeout", 10)
        for key, value in keys.items():
            if value is not None:
                self.lines.append("  %s %s" % (key.replace("_", "-"), self.quote(value)))
        self.write()

    def write(self):
        with open(self.mailrc, "w") as f:
            f.write("\n".join(self.lines) + "\n")
        os.chmod(self.mailrc, 0o600)

    def run(self, *args, env=None, timeout=120, input=None):
        full_env = dict(self.env)
        full_env.update(env or {})
        proc = subprocess.run([TERN, "-F", self.mailrc] + list(args), env=full_env,
                              capture_output=True, timeout=timeout, input=input)
        return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
                proc.stderr.decode("utf-8", "replace"))

    def run_measured(self, *args, env=None, input=b""):
        """run(), plus wall seconds and peak memory in MB (ru_maxrss of
        the child from wait4; Linux counts the parent's RSS at fork in
        it, so it is an upper bound)."""
        import threading
        import time
        full_env = dict(self.env)
        full_env.update(env or {})
        start = time.monotonic()
        proc = subprocess.Popen([TERN, "-F", self.mailrc] + list(args), env=full_env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = [b"", b""]

        def pump(i, stream):
            out[i] = stream.read()
        threads = [threading.Thread(target=pump, args=(i, s)) for i, s in enumerate((proc.stdout, proc.stderr))]
        for th in threads:
            th.start()
        try:
            proc.stdin.write(input)
            proc.stdin.close()
        except BrokenPipeError:
            pass
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        for th in threads:
            th.join()
        return (proc.returncode, out[0].decode("utf-8", "replace"), out[1].decode("utf-8", "replace"),
                time.monotonic() - start, usage.ru_maxrss / 1024.0)

    def popen(self, *args, env=None):
        full_env = dict(self.env)
        full_env.update(env or {})
        return subprocess.Popen([TERN, "-F", self.mailrc] + list(args), env=full_env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def cache_files(self):
        found = []
        for root, _, files in os.walk(self.cache):
            found += [os.path.join(root, f) for f in files]
        return found
