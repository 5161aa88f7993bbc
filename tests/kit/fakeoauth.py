"""A fake OAuth2 provider on 127.0.0.1 for testing contrib/tern-oauth2
(tests using it are named fake). It speaks just enough of RFC 8628
(device authorization), RFC 6749 (authorization code, refresh) and
RFC 7636 (PKCE S256) to be strict about what the client sends.

    fake = FakeOAuth(pending=2)      # two authorization_pending first
    fake.url("/token")
    fake.grants                      # grant_type of every /token call
    fake.revoke()                    # every refresh token now invalid_grant
    fake.close()

Tokens are predictable so a Kit can know them in advance:
access tokens fake-at-1, fake-at-2, ...; refresh tokens fake-rt-1, ...
"""

import base64
import hashlib
import http.server
import json
import secrets
import threading
import urllib.parse

HOST = "127.0.0.1"


class FakeOAuth:
    def __init__(self, pending=2, deny=False, expires_in=3600, client_id="test-client"):
        self.pending = pending
        self.deny = deny
        self.expires_in = expires_in
        self.client_id = client_id
        self.grants = []          # grant_type of each /token request
        self.forms = []           # every form posted (tests check no secret leaks elsewhere)
        self.refresh_tokens = set()
        self.codes = {}           # code -> (challenge, redirect_uri)
        self.issued = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _reply(self, status, obj, headers=()):
                body = json.dumps(obj).encode()
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode()).items()}
                with fake.lock:
                    fake.forms.append(form)
                    status, obj = fake._post(self.path, form)
                self._reply(status, obj)

            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
                if url.path != "/authorize" or q.get("client_id") != fake.client_id \
                        or q.get("code_challenge_method") != "S256":
                    self._reply(400, {"error": "invalid_request"})
                    return
                code = "code-" + secrets.token_hex(8)
                with fake.lock:
                    fake.codes[code] = (q["code_challenge"], q["redirect_uri"])
                target = "%s?%s" % (q["redirect_uri"], urllib.parse.urlencode({"code": code, "state": q["state"]}))
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((HOST, 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return "http://%s:%d%s" % (HOST, self.port, path)

    def revoke(self):
        with self.lock:
            self.refresh_tokens.clear()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def _issue(self, with_refresh=True):
        self.issued += 1
        reply = {"access_token": "fake-at-%d" % self.issued, "token_type": "Bearer",
                 "expires_in": self.expires_in}
        if with_refresh:
            rt = "fake-rt-%d" % self.issued
            self.refresh_tokens.add(rt)
            reply["refresh_token"] = rt
        return 200, reply

    def _post(self, path, form):
        if form.get("client_id") != self.client_id:
            return 401, {"error": "invalid_client"}
        if path == "/device":
            return 200, {"device_code": "dev-code-1", "user_code": "ABCD-EFGH",
                         "verification_uri": self.url("/activate"), "expires_in": 30, "interval": 1}
        if path != "/token":
            return 404, {"error": "not_found"}
        grant = form.get("grant_type")
        self.grants.append(grant)
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            if form.get("device_code") != "dev-code-1":
                return 400, {"error": "invalid_grant"}
            if self.deny:
                return 400, {"error": "access_denied", "error_description": "The user said no."}
            if self.pending > 0:
                self.pending -= 1
                return 400, {"error": "authorization_pending"}
            return self._issue()
        if grant == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
            return self._issue(with_refresh=False)
        if grant == "authorization_code":
            known = self.codes.pop(form.get("code"), None)
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if not known or known[0] != digest or known[1] != form.get("redirect_uri"):
                return 400, {"error": "invalid_grant", "error_description": "bad code, verifier or redirect"}
            return self._issue()
        return 400, {"error": "unsupported_grant_type"}
