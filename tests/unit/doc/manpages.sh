#!/bin/bash
# tern(1) and mailrc(5) render at 80 columns (issue 17.6): groff with
# every warning (-ww) has nothing to say (no "table wider than line
# width", no line it cannot adjust), and no rendered line is wider.
set -u
: "${TERN_SRCDIR:?}"
n=0 failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
dir=$(mktemp -d /tmp/tern-man-XXXXXX); trap 'rm -rf "$dir"' EXIT

if ! command -v groff >/dev/null; then
	echo "1..0 # SKIP groff is not installed (Debian package groff-base)"
	exit 0
fi
for page in doc/tern.1 doc/mailrc.5 doc/tern-oauth2.1; do
	# -rcR=1: one long page, as man shows it
	groff -ww -t -man -Tutf8 -rLL=80n -rcR=1 "$TERN_SRCDIR/$page" >"$dir/out" 2>"$dir/err"
	[ ! -s "$dir/err" ]; ok $? "$page: no groff warning at 80 columns ($(head -c 300 "$dir/err"))"
	wide=$(sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g' "$dir/out" | awk 'length > 80' | head -n 3)
	[ -z "$wide" ]; ok $? "$page: no rendered line is wider than 80 columns ($wide)"
done
echo "1..$n"
exit $failed
