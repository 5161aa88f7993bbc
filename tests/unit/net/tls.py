#!/usr/bin/python3
"""net's certificate checks against the test kit's certificates: makes
them (kit.Certs: a test CA, an untrusted CA, and valid, wrong-host,
expired and untrusted server certificates) and runs test-tls, which does
real TLS handshakes with them over a socketpair and prints the TAP."""

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "kit"))
from kit import Certs  # noqa: E402

TERN = os.environ.get("TERN", "./tern")
PROGRAM = os.path.join(os.path.dirname(os.path.abspath(TERN)), "tests", "unit", "net", "test-tls")


def main():
    tmp = tempfile.mkdtemp(prefix="tern-tls-")
    try:
        certs = Certs(os.path.join(tmp, "certs"))
        sys.stdout.flush()
        return subprocess.call([PROGRAM, certs.dir, certs.sha256("valid"), certs.sha256("untrusted")])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


sys.exit(main())
