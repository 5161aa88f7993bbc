#!/bin/bash
# The binary tern built is hardened (issue 9, part 4), read from the ELF
# itself with readelf: PIE, full RELRO (GNU_RELRO and BIND_NOW), the
# stack protector (-fstack-protector-strong calls __stack_chk_fail) and,
# in the default build, _FORTIFY_SOURCE=2 (checked *_chk functions). It
# also exports the libetpan function it replaces.
# A sanitizer build has no _FORTIFY_SOURCE (ASan replaces those checks):
# there that one is skipped, and contrib/check runs this test again on
# the default build (TERN=_build/default/tern).
set -u
: "${TERN:?}"
n=0 failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
if ! command -v readelf >/dev/null; then
	echo "1..0 # SKIP readelf (binutils) is not installed"
	exit 0
fi
header=$(readelf -h "$TERN") && segments=$(readelf -lW "$TERN") && dynamic=$(readelf -dW "$TERN") &&
	symbols=$(readelf --dyn-syms -W "$TERN") || { echo "Bail out! readelf cannot read $TERN"; exit 1; }

echo "$header" | grep -q 'Type: *DYN' ; ok $? "tern is a position-independent executable (ELF type DYN)"
echo "$dynamic" | grep -q 'FLAGS_1.*PIE'; ok $? "the dynamic section marks it PIE"
echo "$segments" | grep -q 'GNU_RELRO'; ok $? "it has a GNU_RELRO segment (RELRO)"
echo "$dynamic" | grep -E -q '\(BIND_NOW\)|FLAGS.*BIND_NOW|FLAGS_1.*NOW'; ok $? "it binds every symbol at start (BIND_NOW: full RELRO)"
echo "$segments" | grep -E 'GNU_STACK' | grep -q -v 'RWE'; ok $? "its stack is not executable"
echo "$symbols" | grep -q '__stack_chk_fail'; ok $? "it is built with the stack protector (__stack_chk_fail)"
echo "$symbols" | grep -E -q 'FUNC +GLOBAL +DEFAULT +[0-9]+ mailimap_atom_free$'
ok $? "it exports its own mailimap_atom_free, so libetpan calls that one (src/imap/imap-session.c: a leak fix)"
if "$TERN" --version | grep -q 'sanitizers=yes'; then
	echo "ok $((n+1)) - _FORTIFY_SOURCE # SKIP a sanitizer build has no _FORTIFY_SOURCE; the default build is checked by contrib/check"
	n=$((n+1))
else
	echo "$symbols" | grep -E -q '__(memcpy|memmove|memset|snprintf|vsnprintf|fprintf|printf|read|strcpy|strcat)_chk'
	ok $? "it is built with _FORTIFY_SOURCE=2 (checked *_chk functions are called)"
fi
echo "1..$n"
exit $failed
