#!/usr/bin/python3
"""e2e: key sequences and mutt's key notation in bind (issue 18.12), in
tmux against the kit. 'bind index gg ...' after 'bind index g noop' works
as a sequence; \\Cx, <Esc>x, \\ex, <F5> and <PageDown> bind what they say;
a sequence nothing completes says which keys were typed. What tern cannot
do is refused with FILE:LINE by --check-config and at start: 'gg' while
'g' acts at once, an unknown <name> or backslash escape."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun, TERN      # noqa: E402


def main(t):
    with Kit() as k:
        k.generate("alice", 40)
        r = TernRun(k, "keys")
        r.lines += ["bind index g noop", "bind index gg browse-folders", "bind index \\Cx help",
                    "bind index <Esc>t error-history", "bind pager \\ex exit", "bind index <F5> last-entry",
                    "bind index <PageDown> first-entry", "bind browser gg exit"]
        r.account("acct", imap="imaps")
        env = {key: r.env[key] for key in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LC_ALL", "TZ")}

        rc, out, err = r.run("--check-config")
        t.ok(rc == 0, "--check-config accepts the sequences and notations", out + err)

        with Screen([TERN, "-F", r.mailrc], env=env, width=100, height=20) as s:
            s.wait_for("synced")
            s.send("g", "g")
            screen = s.wait_for("folders (subscribed")
            t.ok("folders (subscribed" in screen, "g g runs the gg binding (the folder browser)", screen)
            s.send("g", "g")
            screen = s.wait_for("Msgs:40")
            t.ok("Msgs:40" in screen and "folders (" not in screen, "gg in the browser map: its own binding", screen)
            s.send("g", "x")
            screen = s.wait_for("is not bound")
            t.ok("Key gx is not bound" in screen, "a sequence nothing completes names both keys", screen)
            t.ok("To:" not in screen and "Subject:" not in screen, "g alone did not start a group reply", screen)
            s.send("C-x")
            screen = s.wait_for("Key bindings of the index")
            t.ok("Key bindings of the index" in screen, "\\Cx binds Ctrl-X", screen)
            s.send("*")
            screen = s.wait_for("browse-folders")
            t.ok("gg           browse-folders" in screen, "help lists the sequence", screen)
            t.ok("\ng            \n" not in screen + "\n" and not any(line.rstrip() == "g" for line in screen.splitlines()),
                 "and not the key unbound with noop", screen)
            s.send("q")
            s.wait_for("Msgs:40")
            s.send("Escape", "t")
            screen = s.wait_for("Messages of this session")
            t.ok("Messages of this session" in screen, "<Esc>t binds Escape then t", screen)
            s.send("q")
            s.wait_for("Msgs:40")
            s.send("F5")
            s.send("Enter")
            screen = s.wait_for(" -- (")
            t.ok(" 40: " in screen, "<F5> binds the F5 key (last-entry, then Enter reads message 40)", screen)
            s.send("Escape", "x")
            screen = s.wait_for("Msgs:40")
            t.ok("Msgs:40" in screen and " -- (" not in screen, "\\ex in the pager binds Escape then x", screen)
            s.send("PageDown", "Enter")
            screen = s.wait_for(" -- (")
            t.ok(" 1: " in screen, "<PageDown> rebound (first-entry)", screen)
            s.send("q")
            s.wait_for("Msgs:40")
            s.send("q")
            t.is_(s.exit_status(), 0, "tern quits with 0")

        # What tern cannot do is refused, with the line it is on.
        bad = TernRun(k, "badkeys")
        bad.lines += ["bind index gg first-entry", "bind index \\q quit", "bind index <NoSuchKey> quit",
                      "bind index <esc> quit"]
        bad.account("acct", imap="imaps")
        rc, out, err = bad.run("--check-config")
        text = out + err
        t.ok(rc != 0 and "mailrc:1: bind: 'gg' would never be typed: 'g' is bound to group-reply" in text
             and "bind index g noop" in text, "gg while g acts at once: refused with FILE:LINE and the fix", text)
        t.ok("mailrc:2: bind: cannot read the key '\\q'" in text, "an unknown backslash escape is refused", text)
        t.ok("mailrc:3: bind: cannot read the key '<NoSuchKey>'" in text, "an unknown <name> is refused", text)
        t.ok("mailrc:4: bind: '<esc>' starts '<esc>" in text, "a key that would shadow longer bindings is refused",
             text)
        rc, out, err = bad.run()
        t.ok(rc != 0 and "mailrc:1: bind: 'gg'" in err, "the reader refuses to start with it too", err)


run(main)
