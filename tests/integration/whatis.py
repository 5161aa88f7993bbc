#!/usr/bin/python3
"""tern --whatis against the kit's DNS server (tests/kit/dns.py, reached
with TERN_RESOLVER): the provider table by domain and by MX (a custom
domain at Google or Microsoft), DNS SRV discovery (RFC 6186 and 8314:
implicit TLS and STARTTLS names, priority and weight, "." = not offered),
autoconfig-url (file:// and http://127.0.0.1, only when configured),
guessed names marked as a guess, the --mailrc block passing
--check-config, DNS that never answers, bad input; and the end to end
case: SRV records pointing at the kit's Dovecot give a block that lists
the INBOX."""

import http.server
import os
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from dns import DnsServer           # noqa: E402
from tap import run                 # noqa: E402
import subprocess                   # noqa: E402

TERN = os.environ.get("TERN", "tern")

ZONE = {
    # SRV: the implicit TLS name has a worse priority than the STARTTLS
    # one, so STARTTLS on 143 wins; for SMTP two implicit TLS records of
    # equal priority: the heavier one wins.
    "srv.test": [("MX", 10, "mx.srv.test")],
    "_imaps._tcp.srv.test": [("SRV", 20, 1, 993, "imap-tls.srv.test")],
    "_imap._tcp.srv.test": [("SRV", 10, 1, 143, "imap.srv.test")],
    "_pop3s._tcp.srv.test": [("SRV", 0, 0, 0, ".")],
    "_pop3._tcp.srv.test": [("SRV", 0, 0, 0, ".")],
    "_submissions._tcp.srv.test": [("SRV", 5, 10, 465, "light.srv.test"),
                                   ("SRV", 5, 90, 4650, "heavy.srv.test"),
                                   ("SRV", 9, 100, 465, "worse.srv.test")],
    "_submission._tcp.srv.test": [("SRV", 5, 90, 587, "plain.srv.test")],
    # Custom domains whose MX is at Google and at Microsoft.
    "ana-corp.test": [("MX", 1, "aspmx.l.google.com"), ("MX", 5, "alt1.aspmx.l.google.com")],
    "ms-corp.test": [("MX", 0, "ms-corp-test.mail.protection.outlook.com")],
    # Nothing published but some common names.
    "guess.test": [],
    "imap.guess.test": [("A", "192.0.2.1")],
    "mail.guess.test": [("A", "192.0.2.2")],
    # Only an autoconfig file knows this one.
    "auto.test": [],
    # Nothing at all.
    "nothing.test": [],
    # A DNS server that never answers for this domain.
    "silent.test": "silent",
    "_imaps._tcp.silent.test": "silent",
    "_imap._tcp.silent.test": "silent",
    "_submissions._tcp.silent.test": "silent",
    "imap.silent.test": "silent",
}

AUTOCONFIG = """<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="auto.test">
 <displayName>Auto</displayName>
 <incomingServer type="imap"><hostname>imap.auto.test</hostname><port>993</port>
  <socketType>SSL</socketType><username>%EMAILLOCALPART%</username></incomingServer>
 <outgoingServer type="smtp"><hostname>smtp.auto.test</hostname><port>587</port>
  <socketType>STARTTLS</socketType></outgoingServer>
</emailProvider></clientConfig>
"""


def whatis(env, *args, mailrc=None):
    argv = [TERN] + (["-F", mailrc] if mailrc else []) + ["--whatis"] + list(args)
    p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def server_line(out, label):
    """The URL and the 'from' line of label (IMAP, POP3, SMTP)."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("  %-5s " % label):
            rest = line[8:].strip()
            source = lines[i + 2].strip() if i + 2 < len(lines) and lines[i + 2].startswith("        from ") else ""
            return rest, source
    return None, None


def main(t):
    home = tempfile.mkdtemp(prefix="tern-whatis-", dir="/tmp")
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"), LC_ALL="C.UTF-8")
    with DnsServer(ZONE) as dns:
        env["TERN_RESOLVER"] = dns.address

        # -- the provider table by domain: no DNS question at all
        before = len(dns.queries)
        rc, out, err = whatis(env, "ana@gmail.com")
        t.is_(rc, 0, "gmail.com: exit 0")
        t.is_(server_line(out, "IMAP")[0], "imaps://imap.gmail.com:993", "gmail.com: IMAP from the table")
        t.ok("provider table: gmail.com is Gmail" in out, "gmail.com: the answer names the table as its source", out)
        t.ok("app password" in out and "OAuth2" in out, "gmail.com: says OAuth2 or an app password is needed", out)
        t.is_(len(dns.queries), before, "a domain in the table needs no DNS question")

        # -- custom domains recognised by their MX
        rc, out, err = whatis(env, "ana@ana-corp.test")
        t.is_(server_line(out, "IMAP")[0], "imaps://imap.gmail.com:993", "MX aspmx.l.google.com: Google's servers")
        t.ok("mail for ana-corp.test goes to aspmx.l.google.com (MX), which is Gmail" in out,
             "the MX answer says which MX host matched", out)
        rc, out, err = whatis(env, "bo@ms-corp.test")
        t.is_(server_line(out, "SMTP")[0], "smtp://smtp.office365.com:587", "MX *.mail.protection.outlook.com: Microsoft 365")
        t.ok("OAuth2 only" in out, "Microsoft 365: says only OAuth2 works", out)
        rc, block, err = whatis(env, "bo@ms-corp.test", "--mailrc")
        t.ok('oauth2-token-command "' in block and "\n  # oauth2" not in block,
             "--mailrc for an OAuth2-only provider sets oauth2-token-command", block)
        t.ok("\n  folder-sent none\n" in block, "Microsoft 365 files sent mail itself: folder-sent none (issue 17.5)",
             block)
        for address in ("ana@gmail.com", "ana@outlook.com"):
            rc, block, err = whatis(env, address, "--mailrc")
            t.ok("\n  folder-sent none\n" in block, "%s: the block has folder-sent none" % address, block)
        rc, block, err = whatis(env, "ana@fastmail.com", "--mailrc")
        t.ok("folder-sent" not in block, "fastmail.com: tern stores the Sent copy, no folder-sent line", block)

        # -- DNS SRV
        rc, out, err = whatis(env, "ana@srv.test")
        t.is_(rc, 0, "srv.test: exit 0")
        imap, source = server_line(out, "IMAP")
        t.is_(imap, "imap://imap.srv.test:143", "SRV: the better priority wins across _imaps and _imap")
        t.ok("DNS SRV record _imap._tcp.srv.test (priority 10" in source, "SRV: the source names the record", source)
        t.ok("STARTTLS" in out.split("IMAP", 1)[1].splitlines()[1], "SRV: the security is spelled out", out)
        t.is_(server_line(out, "SMTP")[0], "smtps://heavy.srv.test:4650",
              "SRV: at equal priority the heavier weight wins, and implicit TLS beats STARTTLS on a tie")
        pop = [line for line in out.splitlines() if line.startswith("  POP3")]
        t.ok(pop and "none" in pop[0] and '"."' in pop[0], 'SRV target "." means POP3 is not offered', out)
        t.ok("mail.srv.test" not in out and "pop.srv.test" not in out, "no guess for what SRV refused", out)

        rc, block, err = whatis(env, "ana@srv.test", "--mailrc")
        t.ok(block.startswith("account srv\n") and "imap imap://imap.srv.test:143" in block,
             "--mailrc prints only the account block", block)
        rcfile = os.path.join(home, "srv.rc")
        with open(rcfile, "w") as f:
            f.write(block)
        os.chmod(rcfile, 0o600)
        p = subprocess.run([TERN, "-F", rcfile, "--check-config"], env=env, capture_output=True, text=True)
        t.is_(p.returncode, 0, "the --mailrc block passes tern --check-config (%s)" % p.stderr.strip())

        # -- guesses
        rc, out, err = whatis(env, "x@guess.test")
        imap, source = server_line(out, "IMAP")
        t.is_(imap, "imaps://imap.guess.test:993", "no SRV: imap.DOMAIN, which exists, is proposed")
        t.ok(source.startswith("from a GUESS"), "the guess is marked as a guess", source)
        t.is_(server_line(out, "SMTP")[0], "smtps://mail.guess.test:465", "SMTP falls back to mail.DOMAIN")
        t.ok("Some answers are guesses" in out, "a guess asks for --test-account", out)

        # -- autoconfig: only when configured
        served = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                served.append(self.path)
                body = AUTOCONFIG.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # "cut": the connection ends before the promised length
                self.wfile.write(body[:len(body) // 2] if "cut" in self.path else body)

            def log_message(self, *args):
                pass

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            rc, out, err = whatis(env, "al@auto.test")
            t.is_(served, [], "without autoconfig-url tern makes no web request")
            mailrc = os.path.join(home, "auto.rc")
            with open(mailrc, "w") as f:
                f.write('autoconfig-url "http://127.0.0.1:%d/v1.1/%%EMAILDOMAIN%%"\n' % httpd.server_address[1])
            rc, out, err = whatis(env, "al@auto.test", mailrc=mailrc)
            t.is_(served, ["/v1.1/auto.test"], "with autoconfig-url the file is fetched once, %EMAILDOMAIN% filled in")
            imap, source = server_line(out, "IMAP")
            t.is_(imap, "imaps://imap.auto.test:993", "autoconfig over http://127.0.0.1 gives IMAP")
            t.ok(source.startswith("from autoconfig file http://127.0.0.1"), "the answer names the autoconfig URL", source)
            t.ok("User:  al\n" in out, "the username template %EMAILLOCALPART% is used", out)
            with open(mailrc, "w") as f:
                f.write('autoconfig-url "http://127.0.0.1:%d/cut/%%EMAILDOMAIN%%"\n' % httpd.server_address[1])
            rc, out, err = whatis(env, "al@auto.test", mailrc=mailrc)
            t.ok("the answer was cut" in err and "from autoconfig" not in out,
                 "an autoconfig answer cut short is not used", out + err)
            xml = os.path.join(home, "auto.xml")
            with open(xml, "w") as f:
                f.write(AUTOCONFIG)
            with open(mailrc, "w") as f:
                f.write('autoconfig-url "file://%s"\n' % xml)
            rc, out, err = whatis(env, "al@auto.test", mailrc=mailrc)
            t.is_(server_line(out, "SMTP")[0], "smtp://smtp.auto.test:587", "autoconfig from a file:// URL")
            with open(mailrc, "w") as f:
                f.write('autoconfig-url "http://192.0.2.1/config.xml"\n')
            rc, out, err = whatis(env, "al@auto.test", mailrc=mailrc)
            t.ok("http:// is read only from this machine" in err, "plain http:// to another machine is refused", err)
        finally:
            httpd.shutdown()

        # -- failures
        rc, out, err = whatis(env, "nobody@nothing.test")
        t.is_(rc, 69, "nothing found: exit 69")
        t.ok("found no mail server for nothing.test" in err, "nothing found: one line says so", err)
        rc, out, err = whatis(env, "not-an-address")
        t.is_(rc, 64, "not an address: exit 64")
        t.ok("not a mail address" in err, "not an address: said in words", err)
        mailrc = os.path.join(home, "timeout.rc")
        with open(mailrc, "w") as f:
            f.write("timeout 2\n")
        rc, out, err = whatis(env, "a@silent.test", mailrc=mailrc)
        t.is_(rc, 69, "a DNS server that never answers: exit 69, no hang")
        asked = [q for q in dns.queries if q[0].endswith("silent.test")]
        t.is_(sorted(set(asked)), [("silent.test", "MX")],
              "after one question timed out no more are asked (each would wait the timeout)")
        t.is_(len(err.strip().splitlines()), 2, "one line for the DNS failure, one for the result")
        t.ok("DNS lookup of silent.test failed: no answer from the DNS server" in err,
             "the silent DNS server is named in one line", err)
        bad = dict(env, TERN_RESOLVER="not an address")
        rc, out, err = whatis(bad, "ana@srv.test")
        t.ok("TERN_RESOLVER 'not an address' is not IPV4-ADDRESS[:PORT]" in err, "a bad TERN_RESOLVER is explained", err)
        rc, out, err = whatis(env, "ana@gmail.com", "--mailrc")
        p = subprocess.run([TERN, "--mailrc"], env=env, capture_output=True, text=True)
        t.is_(p.returncode, 64, "--mailrc without --whatis is a usage error")

    end_to_end(t, env)


def end_to_end(t, env):
    """SRV records that point at the kit's Dovecot and submission server:
    the --mailrc block, with the kit's CA trusted (SSL_CERT_FILE), lists
    the INBOX with the kit user's password."""
    try:
        from kit import Kit, missing
    except ImportError as e:
        t.skip("end to end with the kit", str(e))
        return
    if missing():
        t.skip("end to end with the kit", "kit cannot run here: %s" % missing())
        return
    with Kit() as k:
        k.generate("alice", 3)
        zone = {
            "kit.test": [],
            "_imaps._tcp.kit.test": [("SRV", 0, 1, k.ports["imaps"], "localhost")],
            "_submission._tcp.kit.test": [("SRV", 0, 1, k.ports["submission"], "localhost")],
        }
        with DnsServer(zone) as dns:
            env = dict(env, TERN_RESOLVER=dns.address, SSL_CERT_FILE=k.ca_file)
            rc, block, err = whatis(env, "alice@kit.test", "--mailrc")
            t.ok("imap imaps://localhost:%d" % k.ports["imaps"] in block, "kit: IMAP found by SRV", block + err)
            block = block.replace('user "alice@kit.test"', 'user "alice"\n  password "%s"' % k.users["alice"])
            rcfile = os.path.join(k.dir, "e2e.rc")
            with open(rcfile, "w") as f:
                f.write(block)
            os.chmod(rcfile, 0o600)
            p = subprocess.run([TERN, "-F", rcfile, "-H"], env=env, capture_output=True, text=True, timeout=60)
            t.is_(p.returncode, 0, "kit: the discovered account lists the INBOX (%s)" % p.stderr.strip())
            t.is_(len([line for line in p.stdout.splitlines() if line.strip()]), 3, "kit: the three messages are listed")


run(main)
