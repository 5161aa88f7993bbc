#!/usr/bin/python3
"""Shell completion (issue 23.3). Two accounts on the kit's Dovecot open
their folders once (tern -H), so the header caches hold them; then
Dovecot stops, and with no server at all: tern --complete names the
accounts and each account's cached folders; bash, through
contrib/completion/bash/tern driven with COMP_WORDS, completes options,
accounts after -A and --test-account, folders after -f (the -F and -A on
the line decide which), paths after -f /... and -a; zsh (when installed),
typing Tab in a real terminal (tmux), completes the same. A folder named
$(touch PWNED) is offered quoted and runs nothing (a name with a control
byte, which Dovecot refuses to create, is test-complete's)."""

import os
import re
import shlex
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit"))
from kit import Kit                 # noqa: E402
from screen import Screen           # noqa: E402
from tap import run                 # noqa: E402
from tern import TernRun            # noqa: E402

TERN = os.path.abspath(os.environ.get("TERN", "tern"))
SRCDIR = os.path.abspath(os.environ.get("TERN_SRCDIR", "."))
BASH_COMPLETION = os.path.join(SRCDIR, "contrib/completion/bash/tern")
ZSH_COMPLETION = os.path.join(SRCDIR, "contrib/completion/zsh")
HOSTILE = "$(touch PWNED)"
ALICE_FOLDERS = ["Archive", "Sent Items", "Entw&APw-rfe", HOSTILE]


def bash_complete(r, workdir, line):
    """COMPREPLY for the line (its last word is the one completed), as bash
    computes it after sourcing the completion file, run in workdir."""
    words = re.split(r"(?<!\\) ", line)  # as bash splits: "Sent\ I" stays one word, backslash and all
    script = ("source %s || exit 9\n" % shlex.quote(BASH_COMPLETION) +
              "COMP_WORDS=(%s)\n" % " ".join(shlex.quote(w) for w in words) +
              "COMP_CWORD=%d\n" % (len(words) - 1) +
              "COMP_LINE=%s\nCOMP_POINT=${#COMP_LINE}\n" % shlex.quote(line) +
              "_tern tern %s %s\n" % (shlex.quote(words[-1]), shlex.quote(words[-2])) +
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    out = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], cwd=workdir, env=r.env,
                         capture_output=True, text=True, timeout=30)
    return [w for w in out.stdout.split("\n") if w], out.stderr


def main(t):
    with Kit() as k:
        c = k.imap("alice")
        for folder in ALICE_FOLDERS:
            typ, _ = c.create('"%s"' % folder.replace("\\", "\\\\").replace('"', '\\"'))
            if typ != "OK":
                t.diag("Dovecot refused to create %r" % folder)
        c.logout()
        c = k.imap("bob")
        c.create("Bobs")
        c.logout()

        r = TernRun(k, "complete")
        r.account("main", imap="imaps", user="alice")
        r.account("other", imap="imaps", user="bob")
        work = os.path.join(r.home, "work")
        os.makedirs(work)
        bindir = os.path.join(r.home, "bin")  # "tern" on the PATH is the tern under test
        os.makedirs(bindir)
        os.symlink(TERN, os.path.join(bindir, "tern"))
        r.env["PATH"] = bindir + ":" + r.env.get("PATH", "/usr/bin:/bin")

        opened = []
        for folder in ["INBOX", "Archive", "Sent Items", "Entwürfe", HOSTILE]:
            rc, out, err = r.run("-H", "-f", folder)
            if rc == 0:
                opened.append(folder)
            else:
                t.diag("tern -H -f %r: %d %s" % (folder, rc, err))
        rc, out, err = r.run("-A", "other", "-H", "-f", "Bobs")
        t.ok(rc == 0 and len(opened) == 5, "tern -H opened every folder once, filling the header caches",
             err)
        k.dovecot_stop()
        offline(t, r, work)


def offline(t, r, work):
    """Everything else, with no server at all."""
    rc, out, err = r.run("--complete", "accounts")
    t.ok(rc == 0 and out == "main\nother\n", "--complete accounts: the mailrc's accounts", out + err)
    rc, out, err = r.run("--complete", "folders")
    want = sorted(["INBOX", "Archive", "Sent Items", "Entwürfe", HOSTILE])
    t.is_(out.splitlines(), want, "--complete folders: the default account's cached folders, sorted, "
          "with no server to ask")
    rc, out, err = r.run("-A", "other", "--complete", "folders")
    t.ok(rc == 0 and out == "Bobs\n", "-A other: that account's folders", out + err)
    rc, out, err = r.run("-f", "x", "--complete", "folders")
    t.is_(rc, 64, "--complete with another mode's option is a usage error")

    # ---- bash ----
    mailrc = r.mailrc
    got, err = bash_complete(r, work, "tern --chec")
    t.is_(got, ["--check", "--check-config"], "bash: long options")
    got, err = bash_complete(r, work, "tern -F %s -A " % mailrc)
    t.is_(got, ["main", "other"], "bash: -A offers the accounts of the -F mailrc")
    got, err = bash_complete(r, work, "tern -F %s --test-account o" % mailrc)
    t.is_(got, ["other"], "bash: so does --test-account")
    got, err = bash_complete(r, work, "tern -F %s -f " % mailrc)
    t.is_(sorted(got), sorted(_bash_q(f) for f in want),
          "bash: -f offers the cached folders, quoted for the shell")
    got, err = bash_complete(r, work, "tern -F %s -f Sent\\ I" % mailrc)
    t.is_(got, ["Sent\\ Items"], "bash: a quoted prefix completes")
    got, err = bash_complete(r, work, "tern -F %s -A other -f " % mailrc)
    t.is_(got, ["Bobs"], "bash: -A on the line picks the account's folders")
    t.ok(not os.path.exists(os.path.join(work, "PWNED")), "bash: the folder $(touch PWNED) ran nothing")
    os.makedirs(os.path.join(work, "letters"))
    open(os.path.join(work, "letters", "invoice 2024.pdf"), "w").close()
    got, err = bash_complete(r, work, "tern -s hi -a letters/inv")
    t.is_(got, ["letters/invoice 2024.pdf"], "bash: -a completes file names (readline quotes them)")
    got, err = bash_complete(r, work, "tern -f ./let")
    t.is_(got, ["./letters"], "bash: -f ./PATH completes paths, for a local Maildir or mbox")
    script = "source %s; complete -p tern" % shlex.quote(BASH_COMPLETION)
    out = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True)
    t.is_(out.stdout.strip(), "complete -F _tern tern", "bash: complete -p tern names the function")

    # ---- zsh, typing Tab in a terminal ----
    if not shutil.which("zsh"):
        t.skip("zsh", "zsh is not installed (contrib/deps --release installs it)")
        return
    zdot = os.path.join(r.home, "zsh")
    os.makedirs(zdot)
    with open(os.path.join(zdot, ".zshrc"), "w") as f:
        f.write("fpath=(%s $fpath)\nautoload -Uz compinit && compinit -u -d %s/compdump\n"
                "PS1='zsh%%%% '\ncd %s\n" % (shlex.quote(os.path.abspath(ZSH_COMPLETION)), zdot,
                                           shlex.quote(work)))
    env = dict(r.env, ZDOTDIR=zdot, TERM="xterm")
    with Screen(["zsh", "-i"], env=env, width=160, height=20) as s:
        s.wait_for("zsh% ")
        s.type("tern -F %s -A o" % mailrc)
        s.send("Tab")
        screen = s.wait_for("-A other")
        t.ok("-A other" in screen, "zsh: -A completes an account", screen)
        s.send("C-u")
        s.type("tern -F %s -f Ent" % mailrc)
        s.send("Tab")
        screen = s.wait_for("-f Entwürfe")
        t.ok("-f Entwürfe" in screen, "zsh: -f completes a cached folder (a UTF-8 name)", screen)
        s.send("C-u")
        s.type("tern -F %s -f \\$" % mailrc)
        s.send("Tab")
        screen = s.wait_for("PWNED")
        t.ok("-f \\$\\(touch\\ PWNED\\)" in screen, "zsh: the folder $(touch PWNED) is inserted quoted", screen)
        s.send("C-u")
        s.type("tern --check-c")
        s.send("Tab")
        screen = s.wait_for("--check-config")
        t.ok("tern --check-config" in screen, "zsh: long options", screen)
        s.send("C-u")
        s.type("tern -a letters/inv")
        s.send("Tab")
        screen = s.wait_for("invoice")
        t.ok("letters/invoice\\ 2024.pdf" in screen, "zsh: -a completes file names", screen)
        s.send("C-u")
        time.sleep(0.2)
    t.ok(not os.path.exists(os.path.join(work, "PWNED")), "zsh: the folder $(touch PWNED) ran nothing")


def _bash_q(name):
    out = subprocess.run(["bash", "-c", 'printf %q "$1"', "-", name], capture_output=True, text=True)
    return out.stdout


run(main)
