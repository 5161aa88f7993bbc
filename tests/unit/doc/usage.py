#!/usr/bin/python3
"""tern --help against what it describes (issue 23.4): grouped by task
(Read, Send, Check, Set up), no line wider than 80 columns; the modes in
the same order as the SYNOPSIS of tern(1) and the README's list; the same
options as the SYNOPSIS; every option main.c accepts is in it (but the
hidden --complete, for the shell completions, and --verbose, -v's long
name)."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "kit"))
from tap import run                 # noqa: E402

TERN = os.environ.get("TERN", "tern")
SRCDIR = os.environ.get("TERN_SRCDIR", ".")
HIDDEN = {"--complete", "--verbose"}

# The flag that names a mode, in the order tried; a line with none of
# them is the reader.
MODES = ["--flush-outbox", "--outbox", "--fetch", "--check-config", "--check", "--test-account",
         "--setup", "--whatis", "-V", "-h", "-H", "-t", "-s"]


def mode_of(line):
    words = re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", line)
    for mode in MODES:
        if mode in words:
            return mode
    return "reader"


def options_in(text):
    return set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", text))


def synopsis():
    """The SYNOPSIS of tern(1) as man shows it, one line per mode."""
    page = subprocess.run(["groff", "-man", "-Tutf8", "-rLL=200n", os.path.join(SRCDIR, "doc/tern.1")],
                          capture_output=True, text=True).stdout
    page = re.sub(r".\x08", "", re.sub(r"\x1b\[[0-9;]*m", "", page))
    section = page.split("SYNOPSIS", 1)[1].split("DESCRIPTION", 1)[0]
    return [line.strip().replace("\u2010", "-") for line in section.splitlines() if line.strip()]


def readme_modes():
    text = open(os.path.join(SRCDIR, "README")).read()
    block = text.split("Status:", 1)[1].split("\n\n", 2)[1]
    return [mode_of(line) for line in block.splitlines() if re.match(r"\s+(echo .*\| )?tern ", line)]


def main(t):
    out = subprocess.run([TERN, "--help"], capture_output=True, text=True)
    t.is_(out.returncode, 0, "tern --help exits 0")
    help_text = out.stdout
    lines = help_text.splitlines()
    wide = [line for line in lines if len(line) > 80]
    t.ok(not wide, "no line of the help is wider than 80 columns", "\n".join(wide))

    groups = [line for i, line in enumerate(lines[:-1])
              if line and not line[0].isspace() and lines[i + 1].startswith("  tern ")]
    t.is_([g.split(" (")[0] for g in groups], ["Read", "Send", "Check", "Set up"],
          "the modes are grouped by task: Read, Send, Check, Set up")

    usage_lines = [line for line in lines if re.match(r"^\s+tern ", line)]
    # "tern -h | --help" is part of the SYNOPSIS' "-V" line
    help_modes = [mode_of(line) for line in usage_lines if mode_of(line) != "-h"]
    if SRCDIR and os.path.exists(os.path.join(SRCDIR, "doc/tern.1")):
        try:
            syn = synopsis()
        except FileNotFoundError:
            syn = None
        if syn is None:
            t.skip("the SYNOPSIS", "groff is not installed (Debian package groff-base)")
        else:
            syn_modes = [mode_of(line) for line in syn]
            t.is_(help_modes, syn_modes,
                  "the help lists the modes in the SYNOPSIS' order")
            help_options = options_in(help_text)
            syn_options = options_in(" ".join(syn))
            t.is_(sorted(help_options ^ syn_options), [],
                  "the help and the SYNOPSIS name the same options")
        t.is_(readme_modes(), [m for m in help_modes if m != "-V"],
              "the README lists the modes in the help's order")

    main_c = open(os.path.join(SRCDIR, "src/main.c")).read()
    longs = {"--" + name for name in re.findall(r'\{ "([a-z-]+)", (?:no|required)_argument', main_c)}
    shorts = {"-" + c for c in re.search(r'getopt_long\(argc, argv, "([^"]+)"', main_c).group(1)
              if c.isalpha()}
    missing = sorted((longs | shorts) - HIDDEN - options_in(help_text))
    t.is_(missing, [], "every option tern takes is in the help")
    t.ok("--complete" in longs, "(the table of long options was read)")


run(main)
