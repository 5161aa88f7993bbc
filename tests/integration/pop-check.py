#!/usr/bin/python3
"""tern --check on POP3 accounts (and -H on one, which lists its Maildir): one row per account, the messages on
the server and how many are new since the last --fetch (from the UIDL
state), in the table and in --json, next to an IMAP account; nothing is
downloaded or deleted by a check. A refused login is one line naming the
account and the POP3 server (exit 69), the other accounts still listed."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402


def pop_row(out, account):
    for line in out.splitlines():
        words = line.split()
        if words and words[0] == account:
            return words[1:]
    return None


def maildir_count(path):
    if not os.path.isdir(path):
        return 0
    return sum(len(os.listdir(os.path.join(path, sub))) for sub in ("new", "cur"))


def main(t):
    with Kit() as k:
        k.generate("alice", 4)
        r = TernRun(k, "check")
        r.account("isp", pop3="pop3s", pop3_keep="yes")
        r.account("work", imap="imaps", user="bob")
        maildir = os.path.join(r.home, "data", "tern", "isp")

        rc, out, err = r.run("--check")
        t.is_(rc, 0, "--check with a POP3 account: exit 0")
        t.is_(pop_row(out, "isp"), ["INBOX", "4", "-", "4"], "4 on the server, 4 new before any fetch")
        t.ok(pop_row(out, "work") is not None, "the IMAP account is listed too", out)
        t.is_(maildir_count(maildir), 0, "a check downloads nothing")

        rc, out, err = r.run("--fetch")
        t.is_(rc, 0, "--fetch")
        k.deliver_smtp("after the fetch")
        deadline = time.time() + 10
        while time.time() < deadline:
            rc, out, err = r.run("--check", "-A", "isp")
            if pop_row(out, "isp") == ["INBOX", "5", "-", "1"]:
                break
            time.sleep(0.2)
        t.is_(pop_row(out, "isp"), ["INBOX", "5", "-", "1"], "after a fetch and one delivery: 5 there, 1 new")
        t.ok(pop_row(out, "work") is None, "-A limits the check to that account", out)

        rc, out, err = r.run("--check", "--json", "-A", "isp")
        data = json.loads(out)
        t.is_(data["accounts"][0]["folders"], [{"name": "INBOX", "pop3": True, "messages": 5, "new": 1, "unseen": 1}],
              "--json: pop3, messages, new, and unseen (what is new: issue 17.6, so tern(1)'s jq example works)")
        t.is_(maildir_count(maildir), 4, "still nothing more downloaded")

        rc, out, err = r.run("--fetch")
        rc, out, err = r.run("--check", "-A", "isp")
        rc2, listing, err2 = r.run("-A", "isp", "-H")
        t.ok(rc2 == 0 and len(listing.splitlines()) == 5 and "after the fetch" in listing,
             "-A isp -H lists the POP3 account's Maildir", listing + err2)
        t.is_(pop_row(out, "isp"), ["INBOX", "5", "-", "0"], "after the next fetch nothing is new")

        r2 = TernRun(k, "bad")
        r2.account("isp", pop3="pop3s", password="wrong")
        r2.account("work", imap="imaps", user="bob")
        rc, out, err = r2.run("--check")
        t.is_(rc, 77, "a refused POP3 login: exit 77, as in every mode (issue 17.4)")
        t.ok(err.startswith("tern: account isp, server pop3s://") and err.count("\n") == 1,
             "one line naming the account and the server", err)
        t.ok(pop_row(out, "work") is not None, "the other account is still listed", out)


if __name__ == "__main__":
    run(main)
