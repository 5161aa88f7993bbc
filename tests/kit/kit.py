#!/usr/bin/python3
"""Real mail servers on 127.0.0.1 for tern's tests and demo.

A Kit makes a throw-away directory under /tmp, a test CA with four server
certificates (valid, wronghost, expired, untrusted), a private Dovecot
(IMAP, IMAPS, POP3, POP3S) and an aiosmtpd submission server (STARTTLS on
one port, implicit TLS on another) that delivers into the users' Maildirs,
all on free ports picked at run time.  Everything is stopped and removed
when the Kit is left, even if the test raised.

    with Kit() as k:
        imaplib.IMAP4(k.host, k.ports["imap"])   # alice/secret, bob/hunter2

Command line (used by shell tests and the demo):
    kit.py serve --state FILE [--demo] [--generate N]   # runs until SIGTERM
    kit.py stop --state FILE
    kit.py smtpd CONFIG.json                            # internal

Needs root (the Dovecot master must start as root), the Debian packages
dovecot-imapd, dovecot-pop3d, python3-aiosmtpd and openssl, and must run
under /usr/bin/python3.  Binds and connects to 127.0.0.1 only.

Good to know when writing tests: Dovecot counts a connection whose remote
and local IP are equal (127.0.0.1 here) as secured, so it never announces
LOGINDISABLED to the kit's clients whatever disable_plaintext_auth says;
a failed login is answered after about 0.5 s.
"""

import atexit
import ctypes
import email
import email.policy
import fcntl
import hashlib
import imaplib
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"
PYTHON = "/usr/bin/python3"
MAIL_UID = MAIL_GID = 5000
TIMEOUT = 5.0           # per socket operation
START_TIMEOUT = 15.0    # for a server to answer after start
USERS = {"alice": "secret", "bob": "hunter2"}
CERT_NAMES = ("valid", "wronghost", "expired", "untrusted")
PORT_NAMES = ("imap", "imaps", "pop3", "pop3s", "submission", "smtps")
DIR_PREFIX = "tk"
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:        # for gen.py
    sys.path.append(HERE)

_live_kits = []         # root kits not yet stopped, for the atexit hook


class KitError(Exception):
    """A server of the kit could not be set up, started or stopped."""


# The server matrix: every IMAP/POP3 server and SMTP server the kit runs.
IMAP_SERVERS = ("dovecot", "cyrus")
SMTP_SERVERS = ("aiosmtpd", "exim")


def server_missing(imap_server="dovecot", smtp_server="aiosmtpd"):
    """Why these servers cannot run here, or None."""
    if imap_server == "cyrus":
        import cyrus
        why = cyrus.missing()
        if why:
            return why
    if smtp_server == "exim":
        import exim
        return exim.missing()
    return None


def matrix(kind="imap"):
    """The servers a matrix test runs against, as Kit keyword arguments:
    kind "imap" or "pop3": each IMAP/POP3 server; "smtp": each SMTP
    server (with Dovecot). TERN_KIT_SERVERS (e.g. "dovecot,aiosmtpd")
    narrows the matrix for a quick run; contrib/check runs all of it."""
    only = set(filter(None, os.environ.get("TERN_KIT_SERVERS", "").split(",")))
    if kind == "smtp":
        rows = [{"smtp_server": s} for s in SMTP_SERVERS]
    else:
        rows = [{"imap_server": s} for s in IMAP_SERVERS]
    return [r for r in rows if not only or set(r.values()) <= only]


# ---------------------------------------------------------------- helpers

def missing():
    """Why a Kit cannot run here (not root, a program missing), or None."""
    if os.geteuid() != 0:
        return "the kit needs root (the Dovecot master starts as root)"
    for program in ("dovecot", "openssl", PYTHON):
        if shutil.which(program) is None:
            return "%s is not installed" % program
    try:
        subprocess.run([PYTHON, "-c", "import aiosmtpd"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except subprocess.CalledProcessError:
        return "python3-aiosmtpd is not installed"
    return None


_PORT_LOCKS = {}   # port -> the lock file's descriptor, held while this process lives


def _ephemeral_low():
    """The first port of the kernel's range for outgoing connections."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_ports(count):
    """Return `count` distinct TCP ports that are free on 127.0.0.1 now,
    reserved for this process.

    The servers bind them a moment later (with SO_REUSEADDR). A port the
    kernel hands out (bind to 0) can be taken in that moment by any
    outgoing connection, and two kits started side by side (make -j) can be
    given the same one: so the ports come from below the kernel's
    ephemeral range, and a lock file per port in /tmp/tern-kit-ports,
    held until this process ends, keeps other kits off them.
    """
    lockdir = os.path.join(tempfile.gettempdir(), "tern-kit-ports")
    os.makedirs(lockdir, exist_ok=True)
    try:
        os.chmod(lockdir, 0o1777)
    except OSError:
        pass
    low, high = 10000, _ephemeral_low() - 1
    if high - low < 1000:
        low, high = 1024, 65535
    pick = random.SystemRandom()
    ports = []
    for _ in range(20000):
        if len(ports) == count:
            return ports
        port = pick.randint(low, high)
        if port in _PORT_LOCKS:
            continue
        fd = os.open(os.path.join(lockdir, str(port)), os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((HOST, port))
        except OSError:
            os.close(fd)
            continue
        _PORT_LOCKS[port] = fd
        ports.append(port)
    raise KitError("no %d free ports between %d and %d" % (count, low, high))


def _run(argv, **kw):
    """Run a helper command; raise KitError with its stderr if it fails."""
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if proc.returncode != 0:
        raise KitError("%s failed: %s" % (
            " ".join(argv), proc.stderr.decode(errors="replace")))
    return proc.stdout


def _die_with_parent():
    """preexec_fn: SIGTERM this child when the thread that forked it exits.

    A safety net for a test process killed with SIGKILL; the normal path
    is Kit.stop().
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)    # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def process_alive(pid):
    """True if `pid` exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _children(pids):
    """All live descendants of the processes in `pids` (read from /proc)."""
    parent_of = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z":
            parent_of[int(entry)] = int(fields[1])
    found, todo = set(), set(pids)
    while todo:
        kids = {p for p, pp in parent_of.items() if pp in todo} - found
        found |= kids
        todo = kids
    return found


def _sweep_stale_dirs():
    """Remove kit directories left by test processes that were SIGKILLed.

    A root kit writes DIR/kit.pid; a directory whose process is gone is
    stale (its servers died with it: see _die_with_parent).
    """
    for name in os.listdir("/tmp"):
        path = os.path.join("/tmp", name)
        if not name.startswith(DIR_PREFIX):
            continue
        try:
            with open(os.path.join(path, "kit.pid")) as f:
                pid = int(f.read())
        except (OSError, ValueError):
            continue
        if not process_alive(pid):
            shutil.rmtree(path, ignore_errors=True)


def make_maildir(path, uid=None, gid=None):
    """Create a Maildir (cur, new, tmp) at `path`, owned by uid/gid if set."""
    for sub in ("", "cur", "new", "tmp"):
        d = os.path.join(path, sub)
        os.makedirs(d, mode=0o700, exist_ok=True)
        if uid is not None:
            os.chown(d, uid, gid)


def _greeting_ok(kind, line):
    want = {"imap": b"* OK", "pop3": b"+OK", "smtp": b"220"}[kind]
    return line.startswith(want)


def probe(port, kind, tls=False, timeout=TIMEOUT):
    """Connect to 127.0.0.1:port, read the greeting; True if it is right.

    `kind` is "imap", "pop3" or "smtp".  TLS is not verified here: this
    only says the server is up (the kit may present a bad certificate on
    purpose).
    """
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            if tls:
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                with ctx.wrap_socket(sock) as tsock:
                    return _greeting_ok(kind, tsock.recv(512))
            return _greeting_ok(kind, sock.recv(512))
    except OSError:
        return False


def _port_kinds(ports):
    """(name, port, protocol, implicit TLS) for each listener in `ports`."""
    table = {"imap": ("imap", False), "imaps": ("imap", True),
             "pop3": ("pop3", False), "pop3s": ("pop3", True),
             "submission": ("smtp", False), "smtps": ("smtp", True)}
    return [(name, port) + table[name] for name, port in ports.items()]


def _write_atomic(path, data, mode=0o644):
    tmp = "%s.tmp%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, mode)
    os.rename(tmp, path)


# ---------------------------------------------------------------- certificates

class Certs:
    """A test CA, a second CA nobody trusts, and four server certificates.

    files[name] = (certfile, keyfile) for name in CERT_NAMES; ca_file is the
    PEM to trust.  Made with the openssl command, EC P-256 keys (fast).
    """

    LEAVES = {
        # name: (signing CA, subjectAltName, validity options for `openssl ca`)
        "valid": ("ca", "DNS:localhost,IP:127.0.0.1", ["-days", "3650"]),
        "wronghost": ("ca", "DNS:mail.example.org", ["-days", "3650"]),
        "expired": ("ca", "DNS:localhost,IP:127.0.0.1",
                    ["-startdate", "20200101000000Z",
                     "-enddate", "20200131000000Z"]),
        "untrusted": ("rogue", "DNS:localhost,IP:127.0.0.1",
                      ["-days", "3650"]),
    }

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, mode=0o755, exist_ok=True)
        self.ca_file = self._make_ca("ca", "tern test CA")
        self._make_ca("rogue", "tern untrusted CA")
        self.files = {}
        for name, (ca, san, validity) in self.LEAVES.items():
            self.files[name] = self._make_leaf(name, ca, san, validity)

    def _make_ca(self, ca, cn):
        d = os.path.join(self.dir, ca)
        os.makedirs(os.path.join(d, "new"))
        crt, key = os.path.join(d, "ca.crt"), os.path.join(d, "ca.key")
        _run(["openssl", "req", "-x509", "-newkey", "ec",
              "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
              "-keyout", key, "-out", crt, "-days", "3650",
              "-subj", "/CN=" + cn,
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        with open(os.path.join(d, "index.txt"), "w"):
            pass
        with open(os.path.join(d, "serial"), "w") as f:
            f.write(os.urandom(8).hex().upper() + "\n")
        with open(os.path.join(d, "ca.cnf"), "w") as f:
            f.write("[ca]\ndefault_ca = this\n"
                    "[this]\ndir = %s\n"
                    "database = $dir/index.txt\nnew_certs_dir = $dir/new\n"
                    "serial = $dir/serial\ncertificate = $dir/ca.crt\n"
                    "private_key = $dir/ca.key\ndefault_md = sha256\n"
                    "policy = pol\nunique_subject = no\n"
                    "[pol]\ncommonName = supplied\n" % d)
        return crt

    def _make_leaf(self, name, ca, san, validity):
        crt = os.path.join(self.dir, name + ".crt")
        key = os.path.join(self.dir, name + ".key")
        csr = os.path.join(self.dir, name + ".csr")
        ext = os.path.join(self.dir, name + ".ext")
        with open(ext, "w") as f:
            f.write("basicConstraints = critical,CA:FALSE\n"
                    "keyUsage = critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage = serverAuth\n"
                    "subjectKeyIdentifier = hash\n"
                    "authorityKeyIdentifier = keyid:always\n"
                    "subjectAltName = %s\n" % san)
        cn = san.split(",")[0].split(":")[1]
        _run(["openssl", "req", "-new", "-newkey", "ec",
              "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
              "-keyout", key, "-out", csr, "-subj", "/CN=" + cn])
        _run(["openssl", "ca", "-batch", "-notext",
              "-config", os.path.join(self.dir, ca, "ca.cnf"),
              "-in", csr, "-out", crt, "-extfile", ext] + validity)
        return crt, key

    def sha256(self, name):
        """Lowercase hex SHA-256 of the DER form of certificate `name`."""
        with open(self.files[name][0]) as f:
            der = ssl.PEM_cert_to_DER_cert(f.read())
        return hashlib.sha256(der).hexdigest()


# ---------------------------------------------------------------- Dovecot

DOVECOT_CONF = r"""# Private Dovecot of the tern test kit, written by kit.py.
instance_name = @NAME@
base_dir = @DIR@/run
state_dir = @DIR@/state
log_path = @DIR@/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
shutdown_clients = yes

ssl = @SSL@
ssl_cert = <@CERT@
ssl_key = <@KEY@
ssl_dh = </usr/share/dovecot/dh.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
# Tests try wrong passwords on purpose; do not make them wait 2 s each.
auth_failure_delay = 0
mail_max_userip_connections = 100

default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = @UID@
last_valid_uid = @UID@
first_valid_gid = @GID@
last_valid_gid = @GID@
mail_uid = @UID@
mail_gid = @GID@
mail_location = maildir:~/Maildir
mail_plugins = quota

passdb {
  driver = passwd-file
  args = scheme=PLAIN @DIR@/users
}
userdb {
  driver = passwd-file
  args = @DIR@/users
}

namespace inbox {
  inbox = yes
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \Junk
    auto = subscribe
  }
  mailbox Archive {
    special_use = \Archive
    auto = subscribe
  }
}

plugin {
  quota = count:User quota
  quota_rule = *:storage=100M
  quota_vsizes = yes
}

protocol imap {
  mail_plugins = $mail_plugins imap_quota imap_zlib
}

# No per-IP auth penalty (2 s, growing, after each failed login from
# 127.0.0.1): mode 0 disables the listener the auth process would ask.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = @IMAP@
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = @IMAPS@
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = @POP3@
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = @POP3S@
    ssl = yes
  }
}
"""


# ---------------------------------------------------------------- the Kit

class Kit:
    """Dovecot + SMTP submission with test certificates, on free ports.

    Kit(users=None, cert="valid", imap_capability=None, extra_conf="",
        tls=True)
      users           {name: password}; default alice/secret, bob/hunter2
      cert            which certificate the servers present (CERT_NAMES)
      imap_capability if set, Dovecot's imap_capability line (e.g. to hide
                      QRESYNC: "IMAP4rev1 IDLE ...")
      extra_conf      text appended to dovecot.conf (later settings win)
      tls             False: no TLS at all (no STARTTLS/STLS offered, no
                      imaps/pop3s/smtps listeners; AUTH over plain text)
      oauth2_tokens   {token: user}: Dovecot also accepts XOAUTH2 and
                      OAUTHBEARER, checking each token against a small
                      introspection endpoint of the kit (an HTTP server on
                      127.0.0.1, in this process) that knows these tokens;
                      the SMTP server then offers AUTH XOAUTH2 for them too

    Servers are up and answering when the constructor returns.
    """

    def __init__(self, users=None, cert="valid", imap_capability=None,
                 extra_conf="", tls=True, oauth2_tokens=None, imap_server="dovecot",
                 smtp_server="aiosmtpd", profile=None, _parent=None):
        if cert not in CERT_NAMES:
            raise ValueError("cert must be one of %s" % (CERT_NAMES,))
        if imap_server not in IMAP_SERVERS or smtp_server not in SMTP_SERVERS:
            raise ValueError("unknown server %s/%s" % (imap_server, smtp_server))
        if profile is not None:
            import profiles
            if imap_server != "dovecot":
                raise ValueError("provider profiles are Dovecot configurations")
            imap_capability, extra_conf = profiles.dovecot_conf(profile, imap_capability, extra_conf)
        if imap_server != "dovecot" and (imap_capability or extra_conf or oauth2_tokens):
            raise ValueError("imap_capability, extra_conf and oauth2_tokens are Dovecot settings")
        why = server_missing(imap_server, smtp_server)
        if why:
            raise KitError(why)
        self.imap_server = imap_server
        self.smtp_server = smtp_server
        self.profile = profile
        self.host = HOST
        self.users = dict(users if users is not None else USERS)
        self.cert = cert
        self.tls = tls
        self.variants = []
        self._parent = _parent
        self._dovecot = self._smtpd = None
        self._stopped = False
        if _parent is None:
            _sweep_stale_dirs()
            self.dir = tempfile.mkdtemp(prefix=DIR_PREFIX, dir="/tmp")
            _write_atomic(os.path.join(self.dir, "kit.pid"),
                          "%d\n" % os.getpid())
            _live_kits.append(self)
        else:
            self.dir = tempfile.mkdtemp(prefix="v", dir=_parent.dir)
        try:
            # Dovecot's unprivileged users and uid 5000 must traverse DIR.
            os.chmod(self.dir, 0o711)
            if _parent is None:
                self._certs = Certs(os.path.join(self.dir, "certs"))
            else:
                self._certs = _parent._certs
            self.ca_file = self._certs.ca_file
            self.certs = dict(self._certs.files)
            names = [n for n in PORT_NAMES if tls or not n.endswith("s")]
            self.ports = dict(zip(names, free_ports(len(names))))
            self._write_users()
            self._oauth2 = None
            self.oauth2_tokens = dict(oauth2_tokens or {})
            if oauth2_tokens:
                extra_conf = self._start_oauth2(oauth2_tokens) + "\n" + extra_conf
            if imap_server == "cyrus":
                import cyrus
                crt, key = self.certs[self.cert]
                self._cyrus_argv = cyrus.setup(self.cyrus_dir, self.ports, self.users, crt, key)
            else:
                self._write_dovecot_conf(imap_capability, extra_conf)
            if smtp_server == "exim":
                import exim
                crt, key = self.certs[self.cert]
                self._exim_argv = exim.setup(self.exim_dir, self._smtp_ports(), self.tls, self.users,
                                             crt, key, self.lmtp_socket)
            else:
                self._write_smtpd_conf()
            self._spawn_dovecot()
            self._spawn_smtpd()
            self._wait_ready(self._dovecot_ports(), self._dovecot, self.imap_server)
            self._wait_ready(self._smtp_ports(), self._smtpd, self.smtp_server)
            if imap_server == "cyrus":
                for user in self.users:   # INBOX and the special folders
                    c = imaplib.IMAP4(HOST, self.ports["imap"], timeout=TIMEOUT)
                    c.login(user, self.users[user])   # plain: the certificate may be a bad one on purpose
                    c.logout()
            if profile is not None:
                profiles.populate(self, profile)
        except BaseException:
            self.stop()
            raise

    def _start_oauth2(self, tokens):
        """An RFC 7662 token introspection endpoint for Dovecot's oauth2
        passdb; returns the dovecot.conf lines that use it."""
        import http.server
        import threading
        import urllib.parse

        class Introspect(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                token = form.get("token", [""])[0]
                user = tokens.get(token)
                body = json.dumps({"active": True, "username": user} if user
                                  else {"active": False}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._oauth2 = http.server.ThreadingHTTPServer((HOST, 0), Introspect)
        threading.Thread(target=self._oauth2.serve_forever, daemon=True).start()
        conf_path = os.path.join(self.dir, "oauth2.conf.ext")
        _write_atomic(conf_path, "introspection_mode = post\n"
                      "introspection_url = http://%s:%d/introspect\n"
                      "username_attribute = username\n"
                      "active_attribute = active\nactive_value = true\n"
                      % (HOST, self._oauth2.server_address[1]))
        return ("auth_mechanisms = plain login xoauth2 oauthbearer\n"
                "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
                "  args = %s\n}\n" % conf_path)

    # -- context manager and lifetime

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def stop(self):
        """Stop variants, SMTP and Dovecot; remove the directory (root kit).

        Safe to call twice.  Set TERN_KIT_KEEP=1 to keep the directory.
        """
        if self._stopped:
            return
        if getattr(self, "_oauth2", None):
            self._oauth2.shutdown()
            self._oauth2.server_close()
        # Signal every server of every set first, then wait: Dovecot takes
        # about a second to shut down.
        pending = []
        for kit in self._tree():
            kit._stopped = True
            pending += kit._signal_stop("_smtpd")
            pending += kit._signal_stop("_dovecot")
        errors = []
        for proc, stragglers in pending:
            try:
                _reap(proc, stragglers)
            except Exception as e:          # keep stopping the rest
                errors.append(e)
        if self._parent is None:
            if self in _live_kits:
                _live_kits.remove(self)
            if not os.environ.get("TERN_KIT_KEEP"):
                shutil.rmtree(self.dir, ignore_errors=True)
        if errors:
            raise KitError("; ".join(str(e) for e in errors))

    def _tree(self):
        kits = [self]
        for v in self.variants:
            kits += v._tree()
        return kits

    def _signal_stop(self, attr):
        """SIGTERM the server in self.<attr>; return [(proc, stragglers)]."""
        proc = getattr(self, attr)
        setattr(self, attr, None)
        if proc is None or proc.poll() is not None:
            return []
        pid = proc.pid
        if attr == "_dovecot":
            try:
                with open(os.path.join(self.dir, "run", "master.pid")) as f:
                    pid = int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
        stragglers = _children({proc.pid})
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        return [(proc, stragglers)]

    def start_variant(self, cert, **kw):
        """Start another Dovecot + SMTP set presenting certificate `cert`.

        It shares this kit's CA and certificates, has its own ports, data
        and users (default: this kit's), and is stopped with this kit.
        Keyword arguments are those of Kit().
        """
        kw.setdefault("users", self.users)
        kw.setdefault("imap_server", self.imap_server)
        kw.setdefault("smtp_server", self.smtp_server)
        variant = Kit(cert=cert, _parent=self, **kw)
        self.variants.append(variant)
        return variant

    # -- facts for tests

    def maildir(self, user):
        """Path of `user`'s Maildir root (INBOX; folders are .Name inside)."""
        return os.path.join(self.dir, "mail", user, "Maildir")

    def imap(self, user="alice"):
        """A logged-in imaplib connection for `user` (IMAPS when the kit has
        TLS, else plain IMAP); the caller logs out."""
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.ca_file)
            c = imaplib.IMAP4_SSL(self.host, self.ports["imaps"], ssl_context=ctx, timeout=20)
        else:
            c = imaplib.IMAP4(self.host, self.ports["imap"], timeout=20)
        c.login(user, self.users[user])
        return c

    def messages(self, user="alice", folder="INBOX", subject=None):
        """The parsed messages (email.message.EmailMessage) of `folder`, only
        those whose Subject holds `subject` when given."""
        c = self.imap(user)
        typ, data = c.select('"%s"' % folder, readonly=True)
        out = []
        if typ == "OK" and int(data[0]):
            typ, data = c.fetch("1:*", "(RFC822)")
            out = [email.message_from_bytes(i[1], policy=email.policy.default) for i in data if isinstance(i, tuple)]
        c.logout()
        return [m for m in out if subject is None or subject in str(m["Subject"] or "")]

    def wait_messages(self, user, subject, folder="INBOX", seconds=15):
        """messages(), polled until one matches or `seconds` pass."""
        end = time.time() + seconds
        while True:
            found = self.messages(user, folder, subject)
            if found or time.time() >= end:
                return found
            time.sleep(0.3)

    def cert_sha256(self, name):
        """Lowercase hex SHA-256 of the DER of certificate `name`."""
        return self._certs.sha256(name)

    @property
    def dovecot_log(self):
        return os.path.join(self.dir, "dovecot.log")

    @property
    def smtp_log(self):
        """The SMTP server's log (Exim's main log, else the kit's smtpd)."""
        if self.smtp_server == "exim":
            return os.path.join(self.exim_dir, "log", "mainlog")
        return os.path.join(self.dir, "smtpd.log")

    @property
    def cyrus_dir(self):
        return os.path.join(self.dir, "cyrus")

    @property
    def exim_dir(self):
        return os.path.join(self.dir, "exim")

    @property
    def name(self):
        """What the kit runs, for test names: "cyrus", "dovecot+exim",
        "gmail"..."""
        name = self.profile or self.imap_server
        return name + ("+" + self.smtp_server if self.smtp_server != "aiosmtpd" else "")

    def pids(self):
        """Live processes of this kit: Dovecot master, its children, smtpd."""
        roots = {p.pid for p in (self._dovecot, self._smtpd)
                 if p is not None and p.poll() is None}
        found = roots | _children(roots)
        for v in self.variants:
            found |= v.pids()
        return found

    def generate(self, user, count, folder=None, seed=1, **kw):
        """Write `count` generated messages into `user`'s INBOX or `folder`.

        Files are owned by the mail uid; a folder is also subscribed.
        Keyword arguments go to gen.generate (start_date, to).  Returns
        its list of gen.Message (path, message_id, subject, ...).
        """
        import gen
        if self.imap_server == "cyrus":
            # Cyrus keeps its own spool: made in a scratch Maildir, then
            # APPENDed with their flags and dates
            scratch = tempfile.mkdtemp(prefix="gen", dir=self.dir)
            made = gen.generate(scratch, count, seed=seed, **kw)
            self.append_files(user, folder or "INBOX", [m.path for m in made])
            shutil.rmtree(scratch, ignore_errors=True)
            if folder:
                self.subscribe(user, folder)
            return made
        made = gen.generate(self.maildir(user), count, seed=seed,
                            folder=folder, owner=(MAIL_UID, MAIL_GID), **kw)
        if folder:
            self.subscribe(user, folder)
        return made

    def append_files(self, user, folder, paths):
        """APPENDs the Maildir files `paths` to `folder` (created if
        needed) with the flags of their names and their mtime as
        INTERNALDATE."""
        letters = {"S": "\\Seen", "F": "\\Flagged", "R": "\\Answered", "T": "\\Deleted", "D": "\\Draft"}
        # plain IMAP on 127.0.0.1: a variant may present a bad certificate
        c = imaplib.IMAP4(HOST, self.ports["imap"], timeout=20)
        c.login(user, self.users[user])
        try:
            if folder.upper() != "INBOX":
                c.create('"%s"' % folder)
            # MULTIAPPEND (RFC 3502) with LITERAL+ literals, 100 messages
            # a command: one APPEND at a time waited 40 ms for each
            # continuation (Nagle and delayed ACKs)
            for start in range(0, len(paths), 100):
                command = b'APPEND "%s"' % folder.encode()
                for path in paths[start:start + 100]:
                    info = path.rsplit(":2,", 1)[1] if ":2," in path else ""
                    flags = " ".join(letters[ch] for ch in info if ch in letters)
                    with open(path, "rb") as f:
                        data = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                    date = imaplib.Time2Internaldate(os.stat(path).st_mtime)
                    command += b" (%s) %s {%d+}\r\n%s" % (flags.encode(), date.encode(), len(data), data)
                tag = c._new_tag()
                c.send(tag + b" " + command + b"\r\n")
                typ, why = c._command_complete("APPEND", tag)
                if typ != "OK":
                    raise KitError("APPEND to %s: %s" % (folder, why))
        finally:
            c.logout()

    def demo(self, user="alice"):
        """Fill `user`'s mailbox with the demo messages and folders."""
        import gen
        if self.imap_server == "cyrus":
            scratch = tempfile.mkdtemp(prefix="demo", dir=self.dir)
            folders = gen.demo(scratch)
            for folder in ["INBOX"] + folders:
                path = gen.folder_path(scratch, folder)
                self.append_files(user, folder, sorted(os.path.join(path, "cur", f)
                                                       for f in os.listdir(os.path.join(path, "cur"))))
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            folders = gen.demo(self.maildir(user), owner=(MAIL_UID, MAIL_GID))
        for folder in folders:
            self.subscribe(user, folder)

    def subscribe(self, user, folder):
        """SUBSCRIBE `folder` for `user` over IMAP."""
        import imaplib
        imap = imaplib.IMAP4(HOST, self.ports["imap"], timeout=TIMEOUT)
        try:
            imap.login(user, self.users[user])
            imap.subscribe(folder)
        finally:
            imap.logout()

    def deliver_smtp(self, subject, user="alice", sender="bob", body="Sent over SMTP."):
        """Sends a message to `user` through the kit's submission server
        (STARTTLS, AUTH as `sender`), which delivers it to the Maildir."""
        import smtplib
        import ssl
        ctx = ssl.create_default_context(cafile=self.ca_file)
        with smtplib.SMTP(HOST, self.ports["submission"], timeout=TIMEOUT) as s:
            s.starttls(context=ctx)
            s.login(sender, self.users[sender])
            s.sendmail("%s@example.org" % sender, ["%s@example.org" % user],
                       "From: %s@example.org\r\nTo: %s@example.org\r\nSubject: %s\r\n\r\n%s\r\n"
                       % (sender, user, subject, body))

    # -- Dovecot

    def _dovecot_ports(self):
        return {n: self.ports[n] for n in ("imap", "imaps", "pop3", "pop3s")
                if n in self.ports}

    def _smtp_ports(self):
        return {n: self.ports[n] for n in ("submission", "smtps")
                if n in self.ports}

    def _write_users(self):
        lines = []
        for user, password in self.users.items():
            if ":" in user + password or "\n" in user + password:
                raise ValueError("user names and passwords may not hold ':'")
            home = os.path.dirname(self.maildir(user))
            os.makedirs(os.path.dirname(home), mode=0o711, exist_ok=True)
            os.makedirs(home, mode=0o700, exist_ok=True)
            os.chown(home, MAIL_UID, MAIL_GID)
            make_maildir(self.maildir(user), MAIL_UID, MAIL_GID)
            lines.append("%s:{PLAIN}%s:%d:%d::%s::\n"
                         % (user, password, MAIL_UID, MAIL_GID, home))
        _write_atomic(os.path.join(self.dir, "users"), "".join(lines))

    def _write_dovecot_conf(self, imap_capability, extra_conf):
        crt, key = self.certs[self.cert]
        subst = {"NAME": "tern-" + os.path.basename(self.dir) +
                         ("-" + os.path.basename(os.path.dirname(self.dir))
                          if self._parent else ""),
                 "DIR": self.dir, "CERT": crt, "KEY": key,
                 "SSL": "yes" if self.tls else "no",
                 "UID": str(MAIL_UID), "GID": str(MAIL_GID)}
        for name in ("imap", "imaps", "pop3", "pop3s"):
            subst[name.upper()] = str(self.ports.get(name, 0))
        conf = DOVECOT_CONF
        for k, v in subst.items():
            conf = conf.replace("@%s@" % k, v)
        if not self.tls:    # an inet_listener with port 0 is not opened
            conf = conf.replace("    ssl = yes\n", "")
        if self.smtp_server == "exim":
            # Exim delivers over LMTP (tests/kit/exim.py), as any user
            conf += ("\nprotocols = $protocols lmtp\n"
                     "service lmtp {\n  unix_listener lmtp {\n    mode = 0666\n  }\n}\n"
                     "protocol lmtp {\n  auth_username_format = %Ln\n}\n")
        if imap_capability:
            conf += "\nimap_capability = %s\n" % imap_capability
        if extra_conf:
            conf += "\n" + extra_conf + "\n"
        for sub in ("run", "state"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        _write_atomic(os.path.join(self.dir, "dovecot.conf"), conf)

    def _spawn_dovecot(self):
        """Starts the IMAP/POP3 server (Dovecot or Cyrus's master; both
        are held in self._dovecot) in the foreground."""
        if self.imap_server == "cyrus":
            argv = self._cyrus_argv
        else:
            argv = ["dovecot", "-F", "-c", os.path.join(self.dir, "dovecot.conf")]
        with open(os.path.join(self.dir, "dovecot.out"), "ab") as out:
            # Cyrus's master signals its process group on shutdown
            # (kill(0, SIGTERM)): in a session of its own, or it takes
            # down every test make runs beside it, and their servers
            self._dovecot = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                preexec_fn=_die_with_parent, start_new_session=self.imap_server == "cyrus")

    def dovecot_start(self):
        """(Re)start Dovecot with the same config, ports and mail."""
        if self._dovecot is not None and self._dovecot.poll() is None:
            return
        self._spawn_dovecot()
        self._wait_ready(self._dovecot_ports(), self._dovecot, "dovecot")

    def dovecot_stop(self):
        """Stop Dovecot (SIGTERM to master.pid, SIGKILL after 10 s)."""
        for proc, stragglers in self._signal_stop("_dovecot"):
            _reap(proc, stragglers)

    def dovecot_kill(self):
        """SIGKILL the Dovecot master and all its processes, as in a crash:
        open IMAP/POP3 sessions are cut.  dovecot_start() brings it back."""
        if self._dovecot is None:
            return
        proc, self._dovecot = self._dovecot, None
        # Freeze the tree before killing it, so no child forked meanwhile
        # (a login or anvil process) escapes with its listening socket.
        victims, seen = {proc.pid}, set()
        while victims != seen:
            for pid in victims - seen:
                try:
                    os.kill(pid, signal.SIGSTOP)
                except ProcessLookupError:
                    pass
            seen = set(victims)
            victims |= _children(victims)
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()
        # A killed child (anvil, log) still holding its socket makes the
        # next start fail with "Socket already exists": wait them out.
        deadline = time.time() + 10
        while time.time() < deadline and any(process_alive(pid) for pid in victims - {proc.pid}):
            time.sleep(0.02)

    # -- SMTP

    def _write_smtpd_conf(self):
        crt, key = self.certs[self.cert]
        conf = {"host": HOST, "ports": self._smtp_ports(), "tls": self.tls,
                "cert": crt, "key": key, "users": self.users,
                "maildirs": {u: self.maildir(u) for u in self.users},
                "lmtp": self.lmtp_socket if self.imap_server == "cyrus" else None,
                "uid": MAIL_UID, "gid": MAIL_GID, "parent": os.getpid(),
                "oauth2_tokens": self.oauth2_tokens}
        _write_atomic(os.path.join(self.dir, "smtpd.json"),
                      json.dumps(conf, indent=1), mode=0o600)

    def _spawn_smtpd(self):
        if self.smtp_server == "exim":
            argv = self._exim_argv
        else:
            argv = [PYTHON, os.path.join(HERE, "kit.py"), "smtpd", os.path.join(self.dir, "smtpd.json")]
        with open(os.path.join(self.dir, "smtpd.log"), "ab") as out:
            self._smtpd = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                preexec_fn=_die_with_parent)

    @property
    def lmtp_socket(self):
        """The IMAP server's LMTP socket (Cyrus's lmtpd; Dovecot's lmtp,
        which the kit starts for Exim)."""
        if self.imap_server == "cyrus":
            import cyrus
            return cyrus.lmtp_socket(self.cyrus_dir)
        return os.path.join(self.dir, "run", "lmtp")

    def smtp_start(self):
        """(Re)start the SMTP server on the same ports."""
        if self._smtpd is not None and self._smtpd.poll() is None:
            return
        self._spawn_smtpd()
        self._wait_ready(self._smtp_ports(), self._smtpd, "smtpd")

    def smtp_stop(self):
        """Stop the SMTP server cleanly (SIGTERM)."""
        for proc, stragglers in self._signal_stop("_smtpd"):
            _reap(proc, stragglers)

    def smtp_kill(self):
        """Kill the SMTP server at once (SIGKILL), as if it crashed, with
        the processes it forked (Exim serves each connection in one)."""
        if self._smtpd is None:
            return
        proc, self._smtpd = self._smtpd, None
        victims = _children({proc.pid})
        if proc.poll() is None:
            proc.kill()
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()

    # -- readiness

    def _wait_ready(self, ports, proc, what):
        deadline = time.monotonic() + START_TIMEOUT
        for name, port, kind, tls in _port_kinds(ports):
            while not probe(port, kind, tls, timeout=1.0):
                if proc.poll() is not None:
                    raise KitError("%s exited with %s before %s answered: %s"
                                   % (what, proc.returncode, name,
                                      self._log_tail()))
                if time.monotonic() > deadline:
                    raise KitError("%s: %s on port %d does not answer: %s"
                                   % (what, name, port, self._log_tail()))
                time.sleep(0.05)

    def _log_tail(self):
        text = ""
        for name in ("dovecot.out", "dovecot.log", "smtpd.log", "exim/log/mainlog", "exim/log/paniclog"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    text += "[%s] %s" % (name, f.read()[-1500:])
            except OSError:
                pass
        return text


def _reap(proc, stragglers):
    """Wait for `proc` (already sent SIGTERM) and for its former children
    `stragglers`; SIGKILL whatever is still there after a grace period."""
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 3
    while (any(process_alive(p) for p in stragglers)
           and time.monotonic() < deadline):
        time.sleep(0.02)
    for p in stragglers:
        if process_alive(p):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _stop_all():
    for kit in list(_live_kits):
        try:
            kit.stop()
        except Exception as e:
            print("kit: stop failed: %s" % e, file=sys.stderr)


atexit.register(_stop_all)


# ---------------------------------------------------------------- smtpd mode

def smtpd_main(config_path):
    """Serve SMTP submission per the JSON config until SIGTERM.

    submission: STARTTLS required before anything else, then AUTH.
    smtps:      implicit TLS, then AUTH.  (aiosmtpd does not count that
                socket as TLS, hence auth_require_tls=False there.)
    Both: AUTH PLAIN/LOGIN against the kit's users (535 if wrong), MAIL
    before AUTH gets 530, unknown local users get 550, accepted mail is
    written to each recipient's Maildir (tmp/ then rename into new/).
    """
    import asyncio
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    with open(config_path) as f:
        conf = json.load(f)
    users, maildirs = conf["users"], conf["maildirs"]

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = False
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode("utf-8", "replace")
            password = auth_data.password.decode("utf-8", "replace")
            ok = users.get(login) == password
        # handled=False makes aiosmtpd answer 535 itself.
        return AuthResult(success=ok, handled=False)

    class Delivery:
        seq = 0

        def mailbox(self, address):
            """A user named by the whole address (alice@kit.test) or by
            its local part (alice@localhost: alice)."""
            return address if address in maildirs else address.split("@")[0]

        async def handle_RCPT(self, server, session, envelope, address,
                              rcpt_options):
            if self.mailbox(address) not in maildirs:
                return "550 5.1.1 <%s>: no such user here" % address
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 OK"

        async def handle_DATA(self, server, session, envelope):
            body = envelope.original_content.replace(b"\r\n", b"\n")
            stamp = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
            for rcpt in envelope.rcpt_tos:
                if conf.get("lmtp"):   # Cyrus: its lmtpd delivers
                    import smtplib
                    with smtplib.LMTP(conf["lmtp"]) as lmtp:
                        lmtp.sendmail(envelope.mail_from, [self.mailbox(rcpt)], body.replace(b"\n", b"\r\n"))
                    continue
                trace = ("Return-Path: <%s>\nDelivered-To: %s\n"
                         "Received: from %s ([%s])\n\tby localhost "
                         "(tern test kit) with ESMTPSA\n\tfor <%s>; %s\n"
                         % (envelope.mail_from, rcpt, session.host_name,
                            session.peer[0], rcpt, stamp))
                self.deliver(maildirs[self.mailbox(rcpt)],
                             trace.encode() + body)
            return "250 2.0.0 OK: delivered"

        def deliver(self, maildir, data):
            make_maildir(maildir, conf["uid"], conf["gid"])
            Delivery.seq += 1
            now = time.time()
            name = "%d.M%dP%dQ%d.tern-kit" % (now, (now % 1) * 1e6,
                                             os.getpid(), Delivery.seq)
            tmp = os.path.join(maildir, "tmp", name)
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chown(tmp, conf["uid"], conf["gid"])
            os.rename(tmp, os.path.join(maildir, "new", name))

    tokens = conf.get("oauth2_tokens") or {}
    if tokens:
        # SASL XOAUTH2 with the kit's tokens, as Dovecot's oauth2 passdb
        # accepts them: "user=U\x01auth=Bearer T\x01\x01", base64.
        async def auth_XOAUTH2(self, server, args):
            import base64
            if len(args) == 1:
                data = await server.challenge_auth("")
                if not isinstance(data, bytes):
                    return AuthResult(success=False)
            else:
                try:
                    data = base64.b64decode(args[1].encode(), validate=True)
                except ValueError:
                    return AuthResult(success=False)
            fields = dict(f.split("=", 1) for f in data.decode("utf-8", "replace").split("\x01") if "=" in f)
            token = fields.get("auth", "")[len("Bearer "):]
            ok = bool(token) and tokens.get(token) == fields.get("user")
            return AuthResult(success=ok, handled=False)
        Delivery.auth_XOAUTH2 = auth_XOAUTH2

    tls_ctx = None
    if conf["tls"]:
        tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_ctx.load_cert_chain(conf["cert"], conf["key"])

    handler = Delivery()
    common = dict(hostname="localhost", auth_required=True,
                  authenticator=authenticator, timeout=60)

    def submission():
        if tls_ctx is None:
            return SMTP(handler, auth_require_tls=False, **common)
        return SMTP(handler, tls_context=tls_ctx, require_starttls=True,
                    **common)

    def smtps():
        return SMTP(handler, auth_require_tls=False, **common)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    servers = [loop.run_until_complete(loop.create_server(
        submission, conf["host"], conf["ports"]["submission"],
        reuse_address=True))]
    if tls_ctx is not None:
        servers.append(loop.run_until_complete(loop.create_server(
            smtps, conf["host"], conf["ports"]["smtps"], ssl=tls_ctx,
            reuse_address=True)))

    def watch_parent():
        if os.getppid() != conf["parent"]:
            loop.stop()
        else:
            loop.call_later(1.0, watch_parent)

    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    watch_parent()
    try:
        loop.run_forever()
    finally:
        for server in servers:
            server.close()
    return 0


# ---------------------------------------------------------------- serve / stop

def serve_main(state_path, demo=False, generate=0):
    """Start a Kit, write its JSON state file, block until SIGTERM/SIGINT."""
    def leave(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, leave)
    state_path = os.path.abspath(state_path)
    kit = None
    try:
        kit = Kit()
        if demo:
            kit.demo("alice")
        if generate:
            kit.generate("alice", generate)
        state = {"pid": os.getpid(), "host": kit.host, "ports": kit.ports,
                 "ca_file": kit.ca_file, "users": kit.users, "dir": kit.dir,
                 "maildir": {u: kit.maildir(u) for u in kit.users},
                 "cert_sha256": kit.cert_sha256(kit.cert)}
        _write_atomic(state_path, json.dumps(state, indent=1) + "\n")
        while True:
            signal.pause()
    finally:
        try:
            os.unlink(state_path)
        except OSError:
            pass
        if kit is not None:
            kit.stop()


def stop_main(state_path, timeout=20.0):
    """Signal the `serve` process named in the state file and wait for it."""
    with open(state_path) as f:
        pid = json.load(f)["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return 0
    deadline = time.monotonic() + timeout
    while process_alive(pid):
        if time.monotonic() > deadline:
            print("kit: serve process %d did not exit" % pid, file=sys.stderr)
            return 1
        time.sleep(0.05)
    return 0


def main(argv):
    import argparse
    parser = argparse.ArgumentParser(prog="kit.py", description=__doc__.split(
        "\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("serve", help="run a kit until SIGTERM")
    p.add_argument("--state", required=True, help="JSON state file to write")
    p.add_argument("--demo", action="store_true", help="fill alice's mailbox "
                   "with the demo messages")
    p.add_argument("--generate", type=int, default=0, metavar="N",
                   help="put N generated messages in alice's INBOX")
    p = sub.add_parser("stop", help="stop a kit started with serve")
    p.add_argument("--state", required=True)
    p = sub.add_parser("smtpd", help="internal: the SMTP server process")
    p.add_argument("config")
    args = parser.parse_args(argv)
    try:
        if args.mode == "serve":
            return serve_main(args.state, args.demo, args.generate)
        if args.mode == "stop":
            return stop_main(args.state)
        return smtpd_main(args.config)
    except (KitError, OSError, ValueError) as e:
        print("kit: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
