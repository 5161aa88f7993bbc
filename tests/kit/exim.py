"""A private Exim 4 submission server for the kit, next to aiosmtpd.

Debian's exim4-daemon-light, run as `exim4 -C CONFIG -bdf` from a
configuration written here: it listens on the kit's submission port
(STARTTLS; AUTH is offered only once TLS is on, MAIL before AUTH gets
530) and its smtps port (implicit TLS), authenticates the kit's users
with PLAIN and LOGIN against a private file, and delivers to the kit's
IMAP server over LMTP (Dovecot's lmtp, Cyrus's lmtpd).
Its spool, logs and pid file live in the kit's directory; the system's
Exim (/etc/exim4) is not touched and need not run.
"""

import os
import pwd
import shutil

EXIM = "/usr/sbin/exim4"
EXIM_USER = "Debian-exim"

CONF = r"""# Private Exim of the tern test kit, written by kit.py.
primary_hostname = localhost
keep_environment =
qualify_domain = localhost
exim_user = @EXIMUSER@
exim_group = @EXIMUSER@
spool_directory = @D@/spool
log_file_path = @D@/log/%slog
pid_file_path = @D@/exim.pid
local_interfaces = 127.0.0.1
daemon_smtp_ports = @PORTS@
tls_on_connect_ports = @SMTPS@
tls_advertise_hosts = @TLSHOSTS@
tls_certificate = @D@/tls/server.crt
tls_privatekey = @D@/tls/server.key
# AUTH only over TLS (as submission servers do), unless the kit runs
# without TLS at all.
auth_advertise_hosts = @AUTHHOSTS@
domainlist local_domains = *
acl_smtp_mail = acl_check_mail
acl_smtp_rcpt = acl_check_rcpt
host_lookup =
rfc1413_hosts =
message_size_limit = 32M
smtp_accept_max = 100
smtp_accept_queue_per_connection = 0
# Deliver at once, each message in its own process.
queue_only = false
remote_max_parallel = 1
log_selector = +smtp_protocol_error +smtp_syntax_error +tls_peerdn

begin acl

acl_check_mail:
  deny    !authenticated = *
          message = 530 5.7.0 Authentication required
  accept

acl_check_rcpt:
  deny    !authenticated = *
          message = 530 5.7.0 Authentication required
  require verify = recipient
  accept

begin routers

kit_users:
  driver = accept
  local_part_suffix = +*
  local_part_suffix_optional
  condition = ${if inlist{${lc:$local_part}}{@USERLIST@}}
  transport = kit_delivery
  cannot_route_message = no such user here

begin transports

@TRANSPORT@

begin retry

*   *   F,1m,10s

begin authenticators

plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = ${if and {{!eq{$auth2}{}}{eq{$auth3}{${lookup{$auth2}lsearch{@D@/passwd}{$value}{*:no:*}}}}}}
  server_set_id = $auth2

login:
  driver = plaintext
  public_name = LOGIN
  server_prompts = <| Username: | Password:
  server_condition = ${if and {{!eq{$auth1}{}}{eq{$auth2}{${lookup{$auth1}lsearch{@D@/passwd}{$value}{*:no:*}}}}}}
  server_set_id = $auth1
"""

# LMTP into the kit's IMAP server (Dovecot's lmtp or Cyrus's lmtpd): an
# Exim started with -C drops root, so it cannot write the Maildirs of the
# mail uid itself.
TRANSPORT = """kit_delivery:
  driver = lmtp
  socket = @LMTP@
  batch_max = 1"""


def missing():
    if not os.access(EXIM, os.X_OK):
        return "Exim is not installed (exim4-daemon-light: run contrib/deps)"
    try:
        pwd.getpwnam(EXIM_USER)
    except KeyError:
        return "there is no user %s (exim4-base: run contrib/deps)" % EXIM_USER
    return None


def setup(directory, ports, tls, users, cert, key, lmtp):
    """Write Exim's configuration, TLS files and password file under
    `directory`; return the daemon's command line. `lmtp` is the IMAP
    server's LMTP socket."""
    exim = pwd.getpwnam(EXIM_USER)
    for sub in ("spool", "log", "tls"):
        os.makedirs(os.path.join(directory, sub), mode=0o750, exist_ok=True)
    shutil.copyfile(cert, os.path.join(directory, "tls", "server.crt"))
    shutil.copyfile(key, os.path.join(directory, "tls", "server.key"))
    with open(os.path.join(directory, "passwd"), "w") as f:
        for user, password in users.items():
            if any(c in user + password for c in ':"\n\\ #'):
                raise ValueError("Exim's password file cannot hold %r" % user)
            f.write("%s: %s\n" % (user, password))
    transport = TRANSPORT.replace("@LMTP@", lmtp)
    listen = [ports["submission"]] + ([ports["smtps"]] if tls and "smtps" in ports else [])
    subst = {"D": directory, "EXIMUSER": EXIM_USER,
             "PORTS": " : ".join(str(p) for p in listen),
             "SMTPS": str(ports["smtps"]) if tls and "smtps" in ports else "",
             "TLSHOSTS": "*" if tls else "",
             "AUTHHOSTS": "${if eq{$tls_in_cipher}{}{}{*}}" if tls else "*",
             "USERLIST": " : ".join(u.lower() for u in users)}
    text = CONF.replace("@TRANSPORT@", transport)
    for k, v in subst.items():
        text = text.replace("@%s@" % k, v)
    conf = os.path.join(directory, "exim.conf")
    with open(conf, "w") as f:
        f.write(text)
    # Exim reads its configuration only when root owns it; the rest
    # belongs to its user, which the daemon becomes.
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            os.chown(os.path.join(root, name), exim.pw_uid, exim.pw_gid)
    os.chown(directory, exim.pw_uid, exim.pw_gid)
    os.chown(conf, 0, 0)
    os.chmod(conf, 0o644)
    os.chmod(os.path.join(directory, "passwd"), 0o640)
    os.chmod(os.path.join(directory, "tls", "server.key"), 0o640)
    return [EXIM, "-C", conf, "-bdf", "-q5s"]
