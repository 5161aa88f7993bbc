#!/usr/bin/python3
"""contrib/tern-oauth2 against a fake OAuth2 provider on 127.0.0.1
(tests/kit/fakeoauth.py): the device flow through authorization_pending
to success, the cached access token, a refresh, a revoked refresh token
(a clear error, exit 77), a refused sign-in, the localhost
authorization-code flow with PKCE, the token file's mode 0600 (and gpg
encryption when gpg is installed), no token ever on stderr; then XOAUTH2
end to end: the token from tern-oauth2 logs tern in to the kit's Dovecot
IMAP and POP3 (oauth2 passdb) and its SMTP server (tern --test-account)."""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "kit"))
from kit import Kit, HOST              # noqa: E402
from fakeoauth import FakeOAuth        # noqa: E402
from tap import run                    # noqa: E402
from tern import TernRun               # noqa: E402

SRCDIR = os.environ.get("TERN_SRCDIR", os.path.join(HERE, "..", ".."))
HELPER = os.path.join(SRCDIR, "contrib", "tern-oauth2")


class Helper:
    def __init__(self, fake, home, extra=""):
        self.home = home
        os.makedirs(home, exist_ok=True)
        self.config = os.path.join(home, "oauth2.conf")
        self.token_file = os.path.join(home, "tokens", "acct.json")
        with open(self.config, "w") as f:
            f.write("[acct]\nprovider = custom\nclient_id = test-client\n"
                    "device_endpoint = %s\ntoken_endpoint = %s\nauth_endpoint = %s\ntoken_file = %s\n%s"
                    % (fake.url("/device"), fake.url("/token"), fake.url("/authorize"), self.token_file, extra))
        self.env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"),
                        XDG_DATA_HOME=os.path.join(home, "data"))

    def command(self, *args):
        return ["/usr/bin/python3", HELPER, "--config", self.config] + list(args)

    def run(self, *args):
        proc = subprocess.run(self.command(*args), capture_output=True, env=self.env, timeout=60)
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode()

    def tokens(self):
        with open(self.token_file) as f:
            return json.load(f)

    def expire(self):
        tokens = self.tokens()
        tokens["expires_at"] = 0
        with open(self.token_file, "w") as f:
            json.dump(tokens, f)


def no_token(text):
    return "fake-at-" not in text and "fake-rt-" not in text


def main(t):
    if not os.path.exists(HELPER):
        t.skip_all("contrib/tern-oauth2 not found (set TERN_SRCDIR)")
        return
    work = tempfile.mkdtemp(prefix="tern-oauth2-")
    try:
        tests(t, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def tests(t, work):
    # -- device flow: two authorization_pending, then tokens
    fake = FakeOAuth(pending=2)
    h = Helper(fake, os.path.join(work, "device"))
    rc, out, err = h.run("--authorize", "acct")
    t.is_(rc, 0, "fake device flow: --authorize exits 0")
    t.ok("enter the code ABCD-EFGH" in err and fake.url("/activate") in err,
         "fake device flow: tells where to sign in and the code", err)
    t.is_(fake.grants.count("urn:ietf:params:oauth:grant-type:device_code"), 3,
          "fake device flow: polled through two authorization_pending")
    t.ok(no_token(out + err), "fake device flow: no token printed", out + err)
    mode = stat.S_IMODE(os.stat(h.token_file).st_mode)
    t.is_(oct(mode), oct(0o600), "the token file is mode 0600")
    t.is_(oct(stat.S_IMODE(os.stat(os.path.dirname(h.token_file)).st_mode)), oct(0o700),
          "its directory is mode 0700")
    t.is_(h.tokens().get("refresh_token"), "fake-rt-1", "the refresh token is stored")

    # -- the access token, cached
    rc, out, err = h.run("acct")
    t.ok(rc == 0 and out == "fake-at-1\n" and err == "", "prints the access token on stdout only", out + err)
    before = len(fake.grants)
    rc, out, err = h.run("acct")
    t.ok(out == "fake-at-1\n" and len(fake.grants) == before, "a valid token is served from the cache")

    # -- refresh when expired; the refresh token stays when none comes back
    h.expire()
    rc, out, err = h.run("acct")
    t.ok(rc == 0 and out == "fake-at-2\n" and fake.grants[-1] == "refresh_token",
         "an expired access token is refreshed", out + err)
    t.is_(h.tokens().get("refresh_token"), "fake-rt-1", "the refresh token is kept")
    t.is_(oct(stat.S_IMODE(os.stat(h.token_file).st_mode)), oct(0o600), "still mode 0600 after a refresh")

    # -- a revoked refresh token: a clear error
    fake.revoke()
    h.expire()
    rc, out, err = h.run("acct")
    t.is_(rc, 77, "revoked refresh token: exit 77")
    t.ok("refused the stored refresh token" in err and "tern-oauth2 --authorize acct again" in err
         and "invalid_grant" in err, "revoked refresh token: says what to do", err)
    t.ok(out == "" and no_token(err), "revoked refresh token: no token printed")

    # -- no client_id, nothing stored
    h2 = Helper(fake, os.path.join(work, "noid"))
    with open(h2.config, "w") as f:
        f.write("[acct]\nprovider = microsoft\n")
    rc, out, err = h2.run("acct")
    t.ok(rc == 64 and "no client_id for acct" in err, "no client_id: exit 64 with the fix", err)
    h3 = Helper(fake, os.path.join(work, "none"))
    rc, out, err = h3.run("acct")
    t.ok(rc == 1 and "run tern-oauth2 --authorize acct first" in err, "nothing stored: says to authorize", err)
    fake.close()

    # -- a refused sign-in
    fake = FakeOAuth(pending=1, deny=True)
    h = Helper(fake, os.path.join(work, "deny"))
    rc, out, err = h.run("--authorize", "acct")
    t.ok(rc == 1 and "sign-in failed: access_denied: The user said no." in err
         and not os.path.exists(h.token_file), "fake refused sign-in: clear error, nothing stored", err)
    fake.close()

    # -- authorization code with PKCE and a localhost redirect
    fake = FakeOAuth()
    h = Helper(fake, os.path.join(work, "local"))
    proc = subprocess.Popen(h.command("--authorize", "--flow", "localhost", "acct"), env=h.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = None
    seen = b""
    while url is None:
        line = proc.stderr.readline()
        if not line:
            break
        seen += line
        m = re.match(rb"(http://\S+/authorize\?\S+)", line.strip())
        if m:
            url = m.group(1).decode()
    page = ""
    if url:
        with urllib.request.urlopen(url, timeout=30) as response:   # the "browser"
            page = response.read().decode()
    rest = proc.communicate(timeout=60)
    err = (seen + rest[1]).decode()
    t.ok(url and "code_challenge_method=S256" in url and "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in url,
         "fake localhost flow: prints the sign-in address with PKCE and a 127.0.0.1 redirect", err)
    t.ok("signed in" in page, "fake localhost flow: the browser page says signed in", page)
    t.is_(proc.returncode, 0, "fake localhost flow: exit 0")
    t.ok(fake.grants == ["authorization_code"] and h.tokens().get("refresh_token") == "fake-rt-1",
         "fake localhost flow: the code was exchanged (verifier checked) and the refresh token stored")
    t.ok(no_token(err + rest[0].decode()), "fake localhost flow: no token printed")

    # -- gpg encryption
    if shutil.which("gpg"):
        gnupg = os.path.join(work, "gnupg")
        os.makedirs(gnupg, mode=0o700)
        genv = dict(os.environ, GNUPGHOME=gnupg)
        made = subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "tern-test@example.org",
                               "default", "default", "never"], env=genv, capture_output=True, timeout=120)
        if made.returncode == 0:
            h = Helper(fake, os.path.join(work, "gpg"), "gpg_recipient = tern-test@example.org\n")
            h.env["GNUPGHOME"] = gnupg
            fake.pending = 0
            rc, out, err = h.run("--authorize", "--flow", "device", "acct")
            raw = open(h.token_file, "rb").read() if os.path.exists(h.token_file) else b""
            t.ok(rc == 0 and raw and b"fake-rt-" not in raw, "gpg: the stored tokens are encrypted", err)
            t.is_(oct(stat.S_IMODE(os.stat(h.token_file).st_mode)) if raw else None, oct(0o600),
                  "gpg: the encrypted file is mode 0600 too")
            rc, out, err = h.run("acct")
            t.ok(rc == 0 and re.match(r"fake-at-\d+\n$", out), "gpg: the token is read back", out + err)
        else:
            t.skip("gpg encryption", "gpg could not make a test key")
    else:
        t.skip("gpg encryption", "gpg is not installed")
    fake.close()

    # -- XOAUTH2 end to end: IMAP, POP3 and SMTP with the helper's token
    fake = FakeOAuth(pending=0)
    tokens = {"fake-at-%d" % i: "alice" for i in range(1, 20)}
    with Kit(oauth2_tokens=tokens) as k:
        h = Helper(fake, os.path.join(k.dir, "oauth-home"))
        rc, out, err = h.run("--authorize", "acct")
        t.is_(rc, 0, "e2e: signed in with the fake provider")
        r = TernRun(k, "xoauth2")
        command = " ".join(h.command("acct"))
        r.account("acct", imap="imaps", pop3="pop3s", password=False, oauth2_token_command=command,
                  smtp="smtp://%s:%d" % (HOST, k.ports["submission"]), **{"from": "alice@localhost"})
        rc, out, err = r.run("--test-account", env={"XDG_CONFIG_HOME": h.env["XDG_CONFIG_HOME"]})
        t.is_(rc, 0, "e2e: tern --test-account passes with XOAUTH2 everywhere")
        t.is_(out.count("logged in as alice with XOAUTH2"), 3, "e2e: IMAP, POP3 and SMTP logged in with XOAUTH2")
        t.ok("found in INBOX over IMAP" in out, "e2e: the test message went out and came back", out)
        log = open(k.dovecot_log).read().lower()
        t.ok("pop3-login: login: user=<alice>, method=xoauth2" in log.replace("\n", " ") or
             re.search(r"pop3-login: .*login: user=<alice>, method=xoauth2", log),
             "e2e: Dovecot saw a POP3 XOAUTH2 login", log[-2000:])
        k.generate("alice", 1)
        rc, out, err = r.run("--fetch", env={"XDG_CONFIG_HOME": h.env["XDG_CONFIG_HOME"]})
        t.ok(rc == 0, "e2e: tern --fetch downloads over POP3 with XOAUTH2", out + err)
        r2 = TernRun(k, "badtoken")
        r2.account("acct", pop3="pop3s", password=False, oauth2_token_command="echo not-a-token")
        rc, out, err = r2.run("--test-account")
        t.ok(rc == 77 and "\u2717 login: login refused for user alice" in out and "OAuth2 token was refused" in out,
             "e2e: a token Dovecot refuses over POP3 XOAUTH2: exit 77 with advice", out)
        fake.revoke()
        h.expire()
        rc, out, err = r.run("--test-account", "--no-send")
        t.ok(rc != 0 and "refused the stored refresh token" in err + out, "e2e: a revoked token is a clear error",
             out + err)
    fake.close()


run(main)
