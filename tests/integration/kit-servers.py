#!/usr/bin/python3
"""The test kit is what it claims: TAP test of tests/kit/kit.py and gen.py.

Checks with Python's own clients (imaplib, poplib, smtplib, ssl) that
every port answers, TLS verifies against the test CA, STARTTLS/STLS work,
the IMAP extensions and special folders are there, logins and SMTP AUTH
accept and reject as they should, submitted mail arrives over IMAP and
POP3, each certificate fails the way its name says, the generator's mail
is well formed, two kits run side by side, and nothing is left running
after a kit stops; the same for the matrix's other servers (Cyrus IMAP
and POP3 with Exim for SMTP).
"""

import email
import email.header
import email.policy
import email.utils
import imaplib
import os
import poplib
import re
import smtplib
import socket
import ssl
import sys
import time
from email.message import EmailMessage

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "kit"))
import kit  # noqa: E402
import tap  # noqa: E402

HOST = kit.HOST
T = 5   # seconds, per socket operation


def verified_ctx(k):
    return ssl.create_default_context(cafile=k.ca_file)


def tls_error(port, server_hostname, ctx):
    """Handshake with 127.0.0.1:port as `server_hostname`; return None if
    it verifies, else the error text."""
    try:
        with socket.create_connection((HOST, port), timeout=T) as sock:
            with ctx.wrap_socket(sock, server_hostname=server_hostname):
                return None
    except ssl.SSLError as e:
        return str(e)


def peer_sha256(port):
    """SHA-256 of the certificate served on an implicit-TLS port."""
    import hashlib
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((HOST, port), timeout=T) as sock:
        with ctx.wrap_socket(sock) as tsock:
            der = tsock.getpeercert(binary_form=True)
    return hashlib.sha256(der).hexdigest()


def refused(port):
    try:
        socket.create_connection((HOST, port), timeout=T).close()
        return False
    except ConnectionRefusedError:
        return True


def imap_login(k, user="alice", port="imap"):
    imap = imaplib.IMAP4(HOST, k.ports[port], timeout=T)
    imap.login(user, k.users[user])
    return imap


def pop_count(k, user="alice"):
    pop = poplib.POP3(HOST, k.ports["pop3"], timeout=T)
    try:
        pop.user(user)
        pop.pass_(k.users[user])
        return pop.stat()[0]
    finally:
        pop.quit()


def test_ports(t, k):
    ctx = verified_ctx(k)
    imap = imaplib.IMAP4(HOST, k.ports["imap"], timeout=T)
    t.ok(imap.welcome.startswith(b"* OK"), "imap: greeting", imap.welcome)
    t.ok("STARTTLS" in imap.capabilities, "imap: offers STARTTLS")
    imap.starttls(ssl_context=ctx)
    imap.login("alice", k.users["alice"])
    t.ok(True, "imap: STARTTLS verified against the CA, then LOGIN")
    imap.logout()

    imap = imaplib.IMAP4_SSL(HOST, k.ports["imaps"], ssl_context=ctx, timeout=T)
    t.ok(imap.welcome.startswith(b"* OK"), "imaps: verified TLS, greeting")
    imap.logout()

    pop = poplib.POP3(HOST, k.ports["pop3"], timeout=T)
    t.ok(pop.getwelcome().startswith(b"+OK"), "pop3: greeting")
    t.ok("STLS" in pop.capa(), "pop3: offers STLS")
    pop.stls(context=ctx)
    pop.user("alice")
    t.ok(pop.pass_(k.users["alice"]).startswith(b"+OK"),
         "pop3: STLS verified, then login")
    pop.quit()

    pop = poplib.POP3_SSL(HOST, k.ports["pop3s"], context=ctx, timeout=T)
    t.ok(pop.getwelcome().startswith(b"+OK"), "pop3s: verified TLS, greeting")
    pop.quit()

    # The constructors raise SMTPConnectError unless the greeting is 220.
    smtp = smtplib.SMTP(HOST, k.ports["submission"], timeout=T)
    t.ok(True, "submission: greeting 220")
    smtp.ehlo("client.test")
    t.ok(smtp.has_extn("starttls"), "submission: offers STARTTLS")
    t.ok(not smtp.has_extn("auth"), "submission: no AUTH before STARTTLS")
    code, _ = smtp.starttls(context=ctx)
    t.is_(code, 220, "submission: STARTTLS verified")
    smtp.ehlo("client.test")
    t.ok(smtp.has_extn("auth") and "PLAIN" in smtp.esmtp_features["auth"]
         and "LOGIN" in smtp.esmtp_features["auth"],
         "submission: AUTH PLAIN LOGIN after STARTTLS",
         smtp.esmtp_features.get("auth"))
    smtp.quit()

    smtp = smtplib.SMTP_SSL(HOST, k.ports["smtps"], context=ctx, timeout=T)
    t.ok(True, "smtps: verified TLS, greeting 220")
    smtp.quit()


def test_imap_features(t, k):
    imap = imap_login(k)
    caps = set(imap.capability()[1][0].decode().upper().split())
    for cap in ("CONDSTORE", "QRESYNC", "IDLE", "MOVE", "UIDPLUS", "QUOTA",
                "SPECIAL-USE", "ENABLE"):
        t.ok(cap in caps, "imap: capability %s" % cap, sorted(caps))
    typ, lines = imap.list()
    flags = {}
    for line in lines:
        m = re.match(rb'\(([^)]*)\) "." (\S+)', line)
        if m:
            flags[m.group(2).decode()] = m.group(1).decode()
    for name in ("Sent", "Drafts", "Trash", "Junk", "Archive"):
        # Cyrus sends special-use flags in lower case (\sent)
        t.ok("\\" + name.lower() in flags.get(name, "").lower(),
             "imap: folder %s has \\%s" % (name, name), lines)
    typ, data = imap.getquotaroot("INBOX")
    quota = b" ".join(x for part in data for x in part)
    t.ok(re.search(rb"STORAGE \d+ 102400\b", quota),
         "imap: GETQUOTAROOT shows the 100M storage quota", data)
    imap.logout()

    try:
        imaplib.IMAP4(HOST, k.ports["imap"], timeout=T).login("alice", "wrong")
        t.ok(False, "imap: wrong password is refused")
    except imaplib.IMAP4.error:
        t.ok(True, "imap: wrong password is refused")
    pop = poplib.POP3(HOST, k.ports["pop3"], timeout=T)
    pop.user("alice")
    try:
        pop.pass_("wrong")
        t.ok(False, "pop3: wrong password is refused")
    except poplib.error_proto:
        t.ok(True, "pop3: wrong password is refused")
    pop.quit()
    t.ok(pop_count(k, "bob") == 0, "pop3: bob logs in, empty maildrop")


def test_smtp(t, k):
    """Returns the subjects it sent (both delivered to alice)."""
    ctx = verified_ctx(k)
    before = pop_count(k)
    stamp = "%d" % (time.time() * 1000)
    subjects = []

    smtp = smtplib.SMTP(HOST, k.ports["submission"], timeout=T)
    smtp.ehlo("client.test")
    t.is_(smtp.mail("bob@example.com")[0], 530,
          "submission: MAIL before STARTTLS is 530")
    smtp.starttls(context=ctx)
    smtp.ehlo("client.test")
    t.is_(smtp.mail("bob@example.com")[0], 530,
          "submission: MAIL without AUTH is 530")
    try:
        smtp.login("alice", "wrong")
        t.ok(False, "submission: wrong password is 535")
    except smtplib.SMTPAuthenticationError as e:
        t.is_(e.smtp_code, 535, "submission: wrong password is 535")
    smtp.user, smtp.password = "bob", k.users["bob"]
    code, _ = smtp.auth("PLAIN", smtp.auth_plain)
    t.is_(code, 235, "submission: AUTH PLAIN")
    smtp.mail("bob@example.com")
    t.is_(smtp.rcpt("nobody@example.com")[0], 550,
          "submission: unknown recipient is 550")
    smtp.rset()
    subjects.append("kit-submission-" + stamp)
    msg = EmailMessage()
    msg["From"] = "Bob <bob@example.com>"
    msg["To"] = "alice@example.com"
    msg["Subject"] = subjects[-1]
    msg.set_content("sent over submission with STARTTLS\n")
    t.ok(smtp.send_message(msg) == {}, "submission: message to alice accepted")
    smtp.quit()

    smtp = smtplib.SMTP_SSL(HOST, k.ports["smtps"], context=ctx, timeout=T)
    smtp.ehlo("client.test")
    t.is_(smtp.mail("bob@example.com")[0], 530,
          "smtps: MAIL without AUTH is 530")
    smtp.user, smtp.password = "bob", "wrong"
    try:
        smtp.auth("LOGIN", smtp.auth_login, initial_response_ok=False)
        t.ok(False, "smtps: wrong password is 535")
    except smtplib.SMTPAuthenticationError as e:
        t.is_(e.smtp_code, 535, "smtps: wrong password is 535")
    smtp.password = k.users["bob"]
    code, _ = smtp.auth("LOGIN", smtp.auth_login, initial_response_ok=False)
    t.is_(code, 235, "smtps: AUTH LOGIN")
    subjects.append("kit-smtps-" + stamp)
    del msg["Subject"]
    msg["Subject"] = subjects[-1]
    t.ok(smtp.send_message(msg) == {}, "smtps: message to alice accepted")
    smtp.quit()

    imap = imap_login(k)
    for subject in subjects:
        end = time.time() + 10    # Exim delivers after its 250
        while True:
            imap.select("INBOX")
            typ, data = imap.search(None, "SUBJECT", subject)
            if data[0] or time.time() > end:
                break
            time.sleep(0.1)
        t.is_(len(data[0].split()), 1, "imap: finds %s" % subject)
    typ, data = imap.search(None, "SUBJECT", subjects[0])
    typ, data = imap.fetch(data[0], "(BODY.PEEK[])")
    raw = data[0][1]
    t.ok(b"\r\nReceived: " in raw and raw.startswith(b"Return-Path: "),
         "smtp: delivery adds trace headers", raw[:300])
    imap.logout()
    t.is_(pop_count(k), before + 2, "pop3: STAT counts both new messages")
    if k.imap_server != "dovecot":
        return subjects      # Cyrus keeps its own spool
    owners = set()
    for root, dirs, files in os.walk(k.maildir("alice")):
        for name in dirs + files:
            st = os.lstat(os.path.join(root, name))
            owners.add((st.st_uid, st.st_gid))
    t.is_(owners, {(kit.MAIL_UID, kit.MAIL_GID)},
          "maildir: everything owned by the mail uid")
    return subjects


def test_certificates(t, k):
    ctx = verified_ctx(k)
    for name in ("localhost", "127.0.0.1"):
        t.is_(tls_error(k.ports["imaps"], name, ctx), None,
              "cert valid: verifies as %s" % name)
    t.is_(peer_sha256(k.ports["imaps"]), k.cert_sha256("valid"),
          "cert valid: cert_sha256 matches the served certificate")

    cases = {
        "wronghost": [("localhost", "Hostname mismatch"),
                      ("127.0.0.1", "IP address mismatch"),
                      ("mail.example.org", None)],
        "expired": [("localhost", "certificate has expired"),
                    ("127.0.0.1", "certificate has expired")],
        "untrusted": [("localhost", "unable to get local issuer certificate"),
                      ("127.0.0.1", "unable to get local issuer certificate")],
    }
    for cert, checks in cases.items():
        v = k.start_variant(cert)
        t.ok(set(v.ports.values()).isdisjoint(k.ports.values()),
             "variant %s: own ports" % cert)
        for port in ("imaps", "pop3s", "smtps"):
            t.is_(peer_sha256(v.ports[port]), k.cert_sha256(cert),
                  "variant %s: %s serves that certificate" % (cert, port))
        for hostname, want in checks:
            got = tls_error(v.ports["imaps"], hostname, ctx)
            if want is None:
                t.is_(got, None, "cert %s: verifies as %s" % (cert, hostname))
            else:
                t.ok(got is not None and want in got,
                     "cert %s as %s fails: %s" % (cert, hostname, want), got)
        # STARTTLS presents the same certificate.
        imap = imaplib.IMAP4(HOST, v.ports["imap"], timeout=T)
        try:
            imap.starttls(ssl_context=ctx)
            starttls = None
            imap.logout()
        except ssl.SSLError as e:
            starttls = str(e)
        t.ok(starttls and dict(checks)["127.0.0.1"] in starttls,
             "cert %s: imap STARTTLS fails the same way" % cert, starttls)

    if k.imap_server != "dovecot":
        return               # imap_capability is a Dovecot setting
    v = k.start_variant("valid", tls=False,
                        imap_capability="IMAP4rev1 IDLE UIDPLUS")
    imap = imaplib.IMAP4(HOST, v.ports["imap"], timeout=T)
    t.ok("STARTTLS" not in imap.capabilities, "tls=False: no STARTTLS offered",
         imap.capabilities)
    imap.login("alice", v.users["alice"])
    caps = imap.capability()[1][0].decode().upper().split()
    t.ok("QRESYNC" not in caps and "IDLE" in caps,
         "imap_capability: replaces the list", caps)
    imap.logout()
    t.ok("imaps" not in v.ports and "smtps" not in v.ports,
         "tls=False: no implicit-TLS ports")
    smtp = smtplib.SMTP(HOST, v.ports["submission"], timeout=T)
    smtp.ehlo("client.test")
    t.ok(not smtp.has_extn("starttls") and smtp.has_extn("auth"),
         "tls=False: submission offers AUTH but no STARTTLS")
    smtp.quit()


def test_generator(t, k):
    import gen
    imap = imap_login(k)
    typ, data = imap.select("INBOX")
    exists_before = int(data[0])
    uidnext = int(re.search(rb"UIDNEXT (\d+)",
                            imap.status("INBOX", "(UIDNEXT)")[1][0]).group(1))
    started = time.monotonic()
    made = k.generate("alice", 500, seed=42)
    t.diag("generate 500: %.2f s" % (time.monotonic() - started))
    by_id = {m.message_id: m for m in made}
    t.is_(len(by_id), 500, "gen: 500 distinct Message-IDs")
    typ, data = imap.select("INBOX")
    t.is_(int(data[0]), exists_before + 500, "gen: SELECT EXISTS grew by 500")

    uids = "%d:*" % uidnext
    typ, data = imap.uid("FETCH", uids, "(RFC822.SIZE INTERNALDATE FLAGS)")
    sizes, dates, seen, flagged = [], [], 0, 0
    for line in data:
        sizes.append(int(re.search(rb"RFC822.SIZE (\d+)", line).group(1)))
        dates.append(time.mktime(imaplib.Internaldate2tuple(line)))
        seen += b"\\Seen" in line
        flagged += b"\\Flagged" in line
    t.is_(len(sizes), 500, "gen: FETCH returns the 500")
    t.ok(all(2000 <= s <= 51200 for s in sizes), "gen: sizes within 2-50 KB",
         (min(sizes), max(sizes)))
    t.ok(dates == sorted(dates) and len(set(dates)) == 500,
         "gen: INTERNALDATE increases with UID")
    t.ok(0 < seen < 500 and flagged > 0, "gen: some \\Seen, some \\Flagged",
         (seen, flagged))

    typ, data = imap.uid("FETCH", uids, "(BODY.PEEK[HEADER])")
    headers = [email.message_from_bytes(part[1]) for part in data
               if isinstance(part, tuple)]
    decoded_ok, encoded, utf8_name, b_and_q = 0, 0, 0, set()
    parents, depth = {}, {}
    prev_date = None
    dates_ok = True
    for h in headers:
        raw_subject = h["Subject"]
        subject = str(email.header.make_header(
            email.header.decode_header(raw_subject)))
        want = by_id.get(h["Message-ID"])
        decoded_ok += want is not None and subject == want.subject
        if "=?UTF-8?" in raw_subject:
            encoded += 1
            b_and_q |= set(re.findall(r"=\?UTF-8\?([BQ])\?", raw_subject))
        name = email.utils.parseaddr(str(email.header.make_header(
            email.header.decode_header(h["From"]))))[0]
        utf8_name += not name.isascii()
        parents[h["Message-ID"]] = h["In-Reply-To"]
        date = email.utils.parsedate_to_datetime(h["Date"])
        dates_ok &= prev_date is None or date > prev_date
        prev_date = date
    t.is_(decoded_ok, 500, "gen: every Subject decodes (email.header) to "
          "what was generated")
    t.ok(encoded > 0 and b_and_q == {"B", "Q"},
         "gen: UTF-8 subjects in both B and Q encoding", (encoded, b_and_q))
    t.ok(any(not s.isascii() for s in gen.SUBJECTS) and utf8_name > 0,
         "gen: senders with non-ASCII names", utf8_name)
    t.ok(dates_ok, "gen: Date headers increase with UID")
    for mid in parents:
        d, cur = 0, mid
        while parents.get(cur):
            d, cur = d + 1, parents[cur]
        depth[mid] = d
    t.ok(max(depth.values()) >= 3, "gen: threads at least 3 replies deep",
         max(depth.values()))

    typ, data = imap.uid("FETCH", uids, "(BODYSTRUCTURE)")
    structures = b"\n".join(x if isinstance(x, bytes) else x[0] for x in data)
    t.ok(b'"alternative"' in structures.lower(),
         "gen: a multipart/alternative exists")
    t.ok(b'"attachment"' in structures.lower(),
         "gen: a message with an attachment exists")

    fancy = [m for m in made if m.kind == "mixed"]
    found = None
    for m in fancy:
        typ, data = imap.uid("SEARCH", None, "HEADER", "Message-ID",
                             m.message_id)
        if not data[0]:
            continue
        typ, data = imap.uid("FETCH", data[0].split()[0], "(BODY.PEEK[])")
        msg = email.message_from_bytes(data[0][1], policy=email.policy.default)
        for part in msg.iter_attachments():
            if not part.get_filename().isascii():
                found = (part.get_filename(), part.get_content()[:8])
                break
        if found:
            break
    t.ok(found and found[1][:4] in (b"%PDF", b"\x89PNG"),
         "gen: RFC 2231 UTF-8 file name decodes, base64 body is a PDF/PNG",
         found)
    imap.logout()


def test_restart(t, k):
    imap = imap_login(k)
    exists = int(imap.select("INBOX")[1][0])
    imap.logout()
    k.smtp_kill()
    t.ok(refused(k.ports["submission"]) and refused(k.ports["smtps"]),
         "smtp_kill: SMTP ports refuse")
    k.smtp_start()
    t.ok(kit.probe(k.ports["submission"], "smtp")
         and kit.probe(k.ports["smtps"], "smtp", tls=True),
         "smtp_start: SMTP answers again on the same ports")
    k.dovecot_stop()
    t.ok(all(refused(k.ports[p]) for p in ("imap", "imaps", "pop3", "pop3s")),
         "dovecot_stop: IMAP and POP3 ports refuse")
    k.dovecot_start()
    imap = imap_login(k)
    t.is_(int(imap.select("INBOX")[1][0]), exists,
          "dovecot_start: same ports, same mail")
    k.dovecot_kill()
    try:
        imap.noop()
        cut = False
    except (imaplib.IMAP4.abort, OSError):
        cut = True
    t.ok(cut and refused(k.ports["imap"]),
         "dovecot_kill: open session cut, port refuses")
    k.dovecot_start()
    imap = imap_login(k)
    t.is_(int(imap.select("INBOX")[1][0]), exists,
          "dovecot_start after kill: same mail")
    imap.logout()


def check_gone(t, k, pids, label):
    t.ok(not any(kit.process_alive(p) for p in pids),
         "%s: no process left after stop" % label,
         [p for p in pids if kit.process_alive(p)])
    t.ok(all(refused(p) for p in k.ports.values()),
         "%s: every port is closed" % label)
    t.ok(not os.path.exists(k.dir), "%s: directory removed" % label)


def main(t):
    if kit.missing():
        t.skip_all(kit.missing())
    started = time.monotonic()
    with kit.Kit() as k:
        t.diag("kit start: %.2f s" % (time.monotonic() - started))
        t.is_(sorted(k.ports), sorted(kit.PORT_NAMES), "kit: six ports")
        test_ports(t, k)
        test_imap_features(t, k)
        test_smtp(t, k)
        test_certificates(t, k)
        test_generator(t, k)
        test_restart(t, k)

        with kit.Kit(users={"carol": "pw"}) as k2:
            t.ok(set(k.ports.values()).isdisjoint(k2.ports.values()),
                 "two kits: different ports")
            imap = imap_login(k2, "carol")
            t.is_(imap.select("INBOX")[0], "OK", "two kits: second answers")
            imap.logout()
            imap = imap_login(k)
            t.is_(imap.select("INBOX")[0], "OK", "two kits: first answers")
            imap.logout()
            pids2 = k2.pids()
        check_gone(t, k2, pids2, "second kit")
        t.ok(kit.probe(k.ports["imap"], "imap"),
             "two kits: first still answers after the second stopped")

        pids = k.pids()
        t.ok(len(pids) >= 3 + 3 * 2, "kit: pids() lists master, children, "
             "smtpd and the variants", len(pids))
        stopping = time.monotonic()
    t.diag("kit stop (with 4 variants): %.2f s"
           % (time.monotonic() - stopping))
    check_gone(t, k, pids, "kit")
    t.diag("total: %.1f s" % (time.monotonic() - started))

    # The other servers of the matrix, together: Cyrus and Exim.
    servers = {"imap_server": "cyrus", "smtp_server": "exim"}
    if any(row.get("imap_server") == "cyrus" for row in kit.matrix("imap")) and \
            any(row.get("smtp_server") == "exim" for row in kit.matrix("smtp")):
        started = time.monotonic()
        with kit.Kit(**servers) as k:
            t.prefix = k.name + ": "
            t.diag("kit start: %.2f s" % (time.monotonic() - started))
            test_ports(t, k)
            test_imap_features(t, k)
            test_smtp(t, k)
            test_certificates(t, k)
            test_generator(t, k)
            test_restart(t, k)
            pids = k.pids()
        check_gone(t, k, pids, "kit")
        t.prefix = ""


if __name__ == "__main__":
    tap.run(main)
