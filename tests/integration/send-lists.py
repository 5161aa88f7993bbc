#!/usr/bin/python3
"""Issue 17, point 1: address lists given to -s, -c, -b and in mailto:
reach every address they hold, read back over IMAP from each recipient's
INBOX and from the To/Cc the message carries; an address the parser
cannot read refuses the whole send with exit 65, the offending text on
stderr and nothing in the outbox; an IDN domain goes out in A-labels."""

import email.utils
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit, USERS          # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402


def outbox(r):
    d = os.path.join(r.env["XDG_DATA_HOME"], "tern", "outbox", "new")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def main(t):
    users = dict(USERS, carol="c4rol")
    with Kit(users=users) as k:
        r = TernRun(k, "lists")
        r.account("main", imap="imaps", **{"from": "Alice Example <alice@example.com>",
                                          "smtp": "smtp://127.0.0.1:%d" % k.ports["submission"]})

        def sent(n, subject, *args, want=("alice", "bob")):
            rc, out, err = r.run("-s", subject, *args, input=b"body\n")
            t.is_(rc, 0, "%d: exit 0 (%s)" % (n, err.strip()))
            for user in want:
                t.is_(len(k.wait_messages(user, subject)), 1, "%d: %s got it" % (n, user))
            m = k.messages(want[0], subject=subject)
            return m[0] if m else None

        def header(m, name):
            return sorted(a for _, a in email.utils.getaddresses([str(v) for v in m.get_all(name, [])]))

        m = sent(1, "Lists one", '"Doe, John" <bob@example.com>, alice@example.com')
        t.ok(m and header(m, "To") == ["alice@example.com", "bob@example.com"],
             "1: a quoted name with a comma keeps both addresses in To", m and str(m["To"]))
        t.ok(m and '"Doe, John" <bob@example.com>' in str(m["To"]), "1: the name stays quoted", m and str(m["To"]))

        m = sent(2, "Lists two", "<bob@example.com>, <alice@example.com>")
        t.ok(m and header(m, "To") == ["alice@example.com", "bob@example.com"], "2: two bare <...> addresses",
             m and str(m["To"]))

        m = sent(3, "Lists three", "-c", "x <carol@example.com>, y <bob@example.com>", "alice@example.com",
                 want=("alice", "bob", "carol"))
        t.ok(m and header(m, "Cc") == ["bob@example.com", "carol@example.com"], "3: -c with two named addresses",
             m and str(m["Cc"]))

        m = sent(4, "Lists four", "alice@example.com, bob@example.com")
        t.ok(m and header(m, "To") == ["alice@example.com", "bob@example.com"], "4: a plain list", m and str(m["To"]))

        m = sent(5, "Lists five", "-b", "bob@example.com, carol@example.com", "alice@example.com",
                 want=("alice", "bob", "carol"))
        t.ok(m and "bob@" not in str(m) and "carol@" not in str(m), "5: -b with a list: delivered, not in the header")

        m = sent(6, "Lists six", "mailto:alice@example.com,bob@example.com?cc=%22Doe%2C%20C%22%20%3Ccarol@example.com%3E",
                 want=("alice", "bob", "carol"))
        t.ok(m and header(m, "Cc") == ["carol@example.com"], "6: mailto: with a list and a quoted cc",
             m and str(m["Cc"]))

        m = sent(7, "Lists seven", "team: alice@example.com, bob@example.com;")
        t.ok(m is not None, "7: a group's members get it")

        # refused: nothing sent, nothing queued, the text named
        for args, says in (
                (("Bob <bob@example.com> junk here",), "'Bob <bob@example.com> junk here': text after the address: 'junk here'"),
                (("alice@example.com", "-c", "carol@example.com, Bob <bob@example.com"), "a '<' is not closed"),
                (("alice@example.com, not-an-address",), "'not-an-address': not an address"),
                (("-b", "x@example.com <y@example.com>", "alice@example.com"), "an address before '<'"),
                (("mailto:alice@example.com?cc=bob@@example.com",), "bad address"),
                (("jörg@example.com",), "non-ASCII")):
            rc, out, err = r.run("-s", "Refused list", *args, input=b"x\n")
            t.ok(rc == 65 and says in err and "nothing sent" in err, "refused with 65: %s" % " ".join(args), err)
        t.is_(outbox(r), [], "nothing refused reached the outbox")
        t.is_(k.messages("alice", subject="Refused list") + k.messages("bob", subject="Refused list"), [],
              "and nothing was delivered")

        # an IDN domain goes out as A-labels (the kit delivers by local part)
        rc, out, err = r.run("--dry-run", "-s", "IDN", "Bob <bob@bücher.example>", input=b"x\n")
        t.ok(rc == 0 and "To: Bob <bob@xn--bcher-kva.example>" in out, "an IDN domain is written in A-labels", out + err)
        rc, out, err = r.run("-s", "IDN sent", "bob@bücher.example", input=b"x\n")
        t.ok(rc == 0 and k.wait_messages("bob", "IDN sent"), "and sent so", err)


if __name__ == "__main__":
    run(main)
