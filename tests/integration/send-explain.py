#!/usr/bin/python3
"""Issue 17, point 4: explanations that name the real cause, and one
exit code per error class in every mode. The SMTP refusals come from a
scripted server (tests named fake-*: Postfix's answers, which the kit's
aiosmtpd does not give): a relay refused while the server offered AUTH
and the account has no login says the login is missing (77); 553
"Sender address rejected: not owned by user" is about the From, not the
recipient; a 554 after the final dot says the message was refused after
it arrived. A wrong password exits 77 from --check as from -s, --fetch
and --test-account (real Dovecot and aiosmtpd)."""

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "kit"))
from kit import Kit                 # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402


def load(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fake = load("smtp-fake")            # FakeSMTP


def main(t):
    with Kit() as k:
        def through_fake(name, replies, **keys):
            f = fake.FakeSMTP(replies=replies)
            r = TernRun(k, name)
            keys.setdefault("user", "alice")
            r.account("main", smtp="smtp://127.0.0.1:%d" % f.port, tls="off",
                      **dict({"from": "Alice <alice@example.com>"}, **keys))
            rc, out, err = r.run("-s", name, "bob@example.com", input=b"x\n")
            f.wait()
            return rc, err, f

        rc, err, f = through_fake("relay", {"RCPT": "554 5.7.1 <bob@example.com>: Client host rejected: Access denied"},
                                  user=None, password=False)
        t.ok(rc == 77 and "the server offers a login but account main has none, and without it refused to relay "
             "to <bob@example.com>: set user and password" in err and "AUTH" not in f.lines,
             "fake-relay-no-login: a relay refusal after no login says the login is missing, exit 77", err)

        rc, err, f = through_fake("owned", {"RCPT": "553 5.7.1 <alice@example.com>: Sender address rejected: "
                                                    "not owned by user alice"})
        t.ok(rc == 69 and "the server refused the sender <alice@example.com>: this login may not send as that From "
             "address; set from (or -r) to an address account main owns" in err and "relay" not in err,
             "fake-sender-not-owned: 553 at RCPT is about the From address, exit 69", err)

        rc, err, f = through_fake("dot", {"DOT": "554 5.7.1 Message rejected as spam"})
        t.ok(rc == 69 and "the server refused the message after receiving all of it (its content or a policy"
             in err and "at the message" not in err,
             "fake-dot-554: a refusal after the final dot says the message was refused once it arrived", err)

        # one exit code for a wrong password, whatever the mode
        r = TernRun(k, "badpass")
        r.account("main", imap="imaps", password="wrong", smtp="smtp://127.0.0.1:%d" % k.ports["submission"],
                  **{"from": "Alice <alice@example.com>"})
        r.account("pop", pop3="pop3s", password="wrong")
        for args in (("--check",), ("--check", "--json"), ("-A", "pop", "--check"), ("-s", "x", "bob@example.com"),
                     ("-A", "pop", "--fetch"), ("--test-account", "--no-send", "main")):
            rc, out, err = r.run(*args, input=b"x\n")
            t.is_(rc, 77, "a wrong password: tern %s exits 77" % " ".join(args))
        r2 = TernRun(k, "down")
        r2.account("main", imap="imaps", port=1)
        rc, out, err = r2.run("--check")
        t.is_(rc, 69, "a server that cannot be reached: --check exits 69")


if __name__ == "__main__":
    run(main)
