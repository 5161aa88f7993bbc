"""A private Cyrus IMAP 3.6 (IMAP, IMAPS, POP3, POP3S, LMTP) for the kit.

Debian's cyrus-imapd and cyrus-pop3d conflict with the Dovecot packages,
so contrib/deps installs only cyrus-common (master, lmtpd, ctl_cyrusdb)
and sasl2-bin (saslpasswd2) and takes imapd, pop3d and idled out of the
two .debs into CYRUS_BIN (LIBRARIES.md, "Cyrus IMAP 3.6 on Debian 12").
master starts as root, binds the kit's loopback ports and runs the
services as user cyrus; every service line names the private imapd.conf
(master does not pass -C on).  Users authenticate against a private
sasldb; INBOX, Sent, Drafts, Trash, Junk and Archive (with their
special-use flags) are made at the first login or delivery.  Mail comes
in over LMTP on a unix socket (the kit's SMTP servers deliver there).
"""

import os
import pwd
import shutil
import subprocess

CYRUS_LIBEXEC = "/usr/lib/cyrus/bin"          # cyrus-common
CYRUS_BIN = os.environ.get("TERN_CYRUS_BIN", "/opt/tern-kit/cyrus/bin")  # contrib/deps
SERVER_NAME = "localhost"

IMAPD_CONF = """# Private Cyrus of the tern test kit, written by kit.py.
configdirectory: @D@/conf
partition-default: @D@/spool
defaultpartition: default
proc_path: @D@/run/proc
mboxname_lockpath: @D@/run/lock
lmtpsocket: @D@/sock/lmtp
idlesocket: @D@/sock/idle
notifysocket: @D@/sock/notify
servername: @NAME@
admins: cyrus
altnamespace: yes
unixhierarchysep: yes
hashimapspool: false
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: @D@/sasldb2
sasl_mech_list: PLAIN LOGIN
tls_server_cert: @D@/tls/server.crt
tls_server_key: @D@/tls/server.key
# INBOX and the special folders at the first login or delivery, with a
# 100 MB storage quota as the Dovecot of the kit has.
autocreate_quota: 102400
autocreate_post: 1
autocreate_inbox_folders: Sent | Drafts | Trash | Junk | Archive
autocreate_subscribe_folders: Sent | Drafts | Trash | Junk | Archive
xlist-sent: Sent
xlist-drafts: Drafts
xlist-trash: Trash
xlist-junk: Junk
xlist-archive: Archive
popminpoll: 0
# A test server: no fsync of its databases (each APPEND took 90 ms).
skiplist_unsafe: 1
delete_mode: immediate
lmtp_downcase_rcpt: yes
"""

CYRUS_CONF = """# Services of the private Cyrus of the tern test kit.
START {
  recover cmd="@LIBEXEC@/ctl_cyrusdb -C @D@/imapd.conf -r"
}
SERVICES {
@LISTENERS@  lmtpunix cmd="@LIBEXEC@/lmtpd -C @D@/imapd.conf" listen="@D@/sock/lmtp" prefork=0
}
EVENTS {
  checkpoint cmd="@LIBEXEC@/ctl_cyrusdb -C @D@/imapd.conf -c" period=30
}
DAEMON {
  idled cmd="@BIN@/idled -C @D@/imapd.conf"
}
"""


def missing():
    """Why Cyrus cannot run here, or None."""
    for path in (os.path.join(CYRUS_LIBEXEC, "master"), os.path.join(CYRUS_LIBEXEC, "lmtpd"),
                 os.path.join(CYRUS_BIN, "imapd"), os.path.join(CYRUS_BIN, "pop3d"),
                 os.path.join(CYRUS_BIN, "idled")):
        if not os.access(path, os.X_OK):
            return "Cyrus IMAP is not installed (%s is missing: run contrib/deps)" % path
    if shutil.which("saslpasswd2") is None:
        return "saslpasswd2 is not installed (sasl2-bin: run contrib/deps)"
    try:
        pwd.getpwnam("cyrus")
    except KeyError:
        return "there is no user cyrus (cyrus-common: run contrib/deps)"
    return None


def lmtp_socket(directory):
    return os.path.join(directory, "sock", "lmtp")


def setup(directory, ports, users, cert, key):
    """Write the configuration, TLS files and sasldb under `directory`
    (made here, owned by cyrus); return master's command line."""
    cyrus = pwd.getpwnam("cyrus")
    for sub in ("conf", "spool", "run", "sock", "tls"):
        os.makedirs(os.path.join(directory, sub), mode=0o750, exist_ok=True)
    for name, src in (("server.crt", cert), ("server.key", key)):
        shutil.copyfile(src, os.path.join(directory, "tls", name))
    subst = {"D": directory, "NAME": SERVER_NAME, "LIBEXEC": CYRUS_LIBEXEC, "BIN": CYRUS_BIN}
    listeners = ""
    for name, program, flags in (("imap", "imapd", ""), ("imaps", "imapd", "-s "),
                                 ("pop3", "pop3d", ""), ("pop3s", "pop3d", "-s ")):
        if name in ports:       # a kit without TLS has no imaps, pop3s
            listeners += ('  %s cmd="@BIN@/%s %s-C @D@/imapd.conf" listen="127.0.0.1:%d" prefork=0\n'
                          % (name, program, flags, ports[name]))
    subst = dict(LISTENERS=listeners, **subst)   # first: it holds @BIN@ and @D@
    for name, text in (("imapd.conf", IMAPD_CONF), ("cyrus.conf", CYRUS_CONF)):
        for k, v in subst.items():
            text = text.replace("@%s@" % k, v)
        with open(os.path.join(directory, name), "w") as f:
            f.write(text)
    sasldb = os.path.join(directory, "sasldb2")
    for user, password in users.items():
        subprocess.run(["saslpasswd2", "-p", "-c", "-f", sasldb, "-u", SERVER_NAME, user],
                       input=password.encode(), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            os.chown(os.path.join(root, name), cyrus.pw_uid, cyrus.pw_gid)
    os.chown(directory, cyrus.pw_uid, cyrus.pw_gid)
    os.chmod(os.path.join(directory, "sock"), 0o755)   # the LMTP socket is for Exim too
    return [os.path.join(CYRUS_LIBEXEC, "master"), "-C", os.path.join(directory, "imapd.conf"),
            "-M", os.path.join(directory, "cyrus.conf"), "-p", os.path.join(directory, "master.pid"), "-D"]
