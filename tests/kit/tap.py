"""A tiny TAP (version 12) producer for tern's Python tests.

Output is read by automake's tap-driver.sh: one line per test, the plan
printed at the end, diagnostics as "# " lines, "Bail out!" if the script
dies.

    import tap

    def main(t):
        t.ok(1 + 1 == 2, "arithmetic")
        t.is_(len("abc"), 3, "length")
        t.skip("IPv6", "no IPv6 here")

    tap.run(main)        # calls main(Tap()), then t.done()
"""

import signal
import sys
import traceback


class Tap:
    """Numbered test results on stdout."""

    def __init__(self, out=None):
        self.out = out or sys.stdout
        self.count = 0
        self.failed = 0
        self.finished = False
        self.prefix = ""    # put before every name: the server of a matrix run

    def _line(self, text):
        self.out.write(text + "\n")
        self.out.flush()

    def diag(self, text):
        """Print `text` as "# " comment lines."""
        for line in str(text).splitlines() or [""]:
            self._line("# " + line)

    def ok(self, cond, name, diag=None):
        """One test: passes if `cond` is true.  `diag` is printed on failure.

        Returns bool(cond) so a test can stop early.
        """
        self.count += 1
        name = _clean(self.prefix + name)
        self._line("%s %d - %s" % ("ok" if cond else "not ok", self.count,
                                   name))
        if not cond:
            self.failed += 1
            self.diag("Failed test '%s'" % name)
            if diag is not None:
                self.diag(diag)
        return bool(cond)

    def is_(self, got, want, name):
        """Passes if got == want; shows both otherwise."""
        return self.ok(got == want, name,
                       "     got: %r\n expected: %r" % (got, want))

    def skip(self, name, reason):
        self.count += 1
        self._line("ok %d - %s # SKIP %s" % (self.count, _clean(self.prefix + name),
                                              _clean(reason)))

    def skip_all(self, reason):
        """Skip the whole script (plan 1..0) and exit 0; before any test."""
        self._line("1..0 # SKIP " + _clean(reason))
        self.finished = True
        sys.exit(0)

    def bail_out(self, reason):
        self._line("Bail out! " + " ".join(str(reason).split()))
        self.finished = True
        sys.exit(2)

    def done(self):
        """Print the plan and exit: 0 if no test failed, 1 otherwise."""
        if not self.finished:
            self.finished = True
            self._line("1..%d" % self.count)
        sys.exit(1 if self.failed else 0)


def _clean(text):
    """One line; a "#" could start a TAP directive, so escape it."""
    text = str(text).replace("#", "\\#")
    return " ".join(text.split())


def run(main):
    """Run main(t) with a fresh Tap, then t.done().

    An exception (or SIGTERM) prints the traceback to stderr and
    "Bail out! <reason>" so the harness counts the script as an error;
    `with` blocks and atexit hooks still run on the way out.
    """
    t = Tap()

    def terminated(signum, frame):
        raise SystemExit("killed by signal %d" % signum)

    signal.signal(signal.SIGTERM, terminated)
    try:
        main(t)
    except SystemExit as e:
        if t.finished:
            raise
        t.bail_out(e.code if isinstance(e.code, str) else
                   "exit(%s) before done()" % e.code)
    except BaseException as e:
        traceback.print_exc(file=sys.stderr)
        sys.stderr.flush()
        t.bail_out("%s: %s" % (type(e).__name__, e))
    t.done()
