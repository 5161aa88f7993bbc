#!/bin/bash
# tern's command line without servers: -v, -h, exit codes for usage and
# config errors, --check-config on mailrc.sample and on a misspelt key.
set -u
: "${TERN:?}" "${TERN_SRCDIR:?}"
n=0 failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
dir=$(mktemp -d /tmp/tern-cli-XXXXXX); trap 'rm -rf "$dir"' EXIT

out=$("$TERN" --version); rc=$?
ok $rc "tern --version exits 0"
echo "$out" | grep -q '^tern [0-9]' ; ok $? "tern --version prints the version"
echo "$out" | grep -q 'libetpan 1\.' ; ok $? "tern --version names libetpan"
echo "$out" | grep -q 'OpenSSL 3' ; ok $? "tern --version names OpenSSL"
echo "$out" | grep -q 'Tokyo Cabinet 1\.' ; ok $? "tern --version names Tokyo Cabinet"
echo "$out" | grep -q 'ncurses 6' ; ok $? "tern --version names ncurses"
echo "$out" | grep -q '^Build: sanitizers=' ; ok $? "tern --version shows build options"
[ "$("$TERN" -V)" = "$out" ]; ok $? "tern -V prints the same (s-nail's -V)"
# issue 17.2: -v is mailx's verbose, not the version
"$TERN" -v -F /nonexistent -s x a@example.org </dev/null >"$dir/out" 2>"$dir/err"; rc=$?
[ $rc = 78 ] && ! grep -q '^tern [0-9]' "$dir/out"
ok $? "tern -v -s ... is a verbose send, not the version (got $rc: $(head -c 200 "$dir/out"))"

"$TERN" -h | grep -q -- '--check-config'; ok $? "tern -h prints usage"
"$TERN" --bogus 2>"$dir/err"; rc=$?
[ $rc = 64 ]; ok $? "unknown long flag exits 64 (got $rc)"
grep -q "unknown option --bogus" "$dir/err"; ok $? "unknown flag is named"
"$TERN" -Z 2>/dev/null; rc=$?
[ $rc = 64 ]; ok $? "unknown short flag exits 64 (got $rc)"
"$TERN" -F 2>/dev/null; rc=$?
[ $rc = 64 ]; ok $? "-F without a value exits 64 (got $rc)"

"$TERN" --check-config -F "$TERN_SRCDIR/mailrc.sample" >"$dir/out" 2>"$dir/err"; rc=$?
[ $rc = 0 ]; ok $? "mailrc.sample passes --check-config (got $rc: $(head -c 300 "$dir/err"))"
grep -q "ok, [0-9]* accounts" "$dir/out"; ok $? "--check-config summarises the accounts"

printf 'account home\n  imap imaps://imap.example.org\n  pasword secret\n' >"$dir/typo"
"$TERN" --check-config -F "$dir/typo" >/dev/null 2>"$dir/err"; rc=$?
[ $rc = 78 ]; ok $? "misspelt key exits 78 (got $rc)"
grep -qx "$dir/typo:3: unknown key 'pasword' (did you mean 'password'?)" "$dir/err"
ok $? "the error names file, line and the key it meant"

HOME=$dir/nohome XDG_CONFIG_HOME= "$TERN" --check-config >/dev/null 2>"$dir/err"; rc=$?
[ $rc = 78 ]; ok $? "no mailrc at all exits 78 (got $rc)"
grep -q "no mailrc found (looked for $dir/nohome/.config/tern/mailrc, $dir/nohome/.ternrc)" "$dir/err"
ok $? "no mailrc: the places looked at are named"

printf 'account a\n imap imaps://h\n password hunter2\n' >"$dir/open"; chmod 644 "$dir/open"
"$TERN" --check-config -F "$dir/open" >/dev/null 2>"$dir/err"; rc=$?
[ $rc = 0 ] && grep -q "warning: $dir/open: holds a password but others can read it" "$dir/err"
ok $? "readable password file: warning, exit 0"
! grep -q hunter2 "$dir/err"; ok $? "the password is never printed"

"$TERN" -F "$dir/open" -A nosuch 2>"$dir/err"; rc=$?
[ $rc = 64 ] && grep -q "no account 'nosuch'" "$dir/err"; ok $? "-A with an unknown account exits 64"

printf 'bind index j nxet-entry\ncolor statsu red blue\naccount a\n imap imaps://h\n' >"$dir/bind"
"$TERN" --check-config -F "$dir/bind" >/dev/null 2>"$dir/err"; rc=$?
[ $rc = 78 ] && grep -q "$dir/bind:1: bind: unknown function 'nxet-entry'" "$dir/err" &&
	grep -q "$dir/bind:2: color: unknown object 'statsu'" "$dir/err"
ok $? "bad bind and color lines: exit 78 naming file and line (got $rc)"
"$TERN" --check-config -F "$dir/open" -e 'push <quit>' -e 'bind pager Z bottom' >/dev/null 2>&1
ok $? "-e lines are checked with the mailrc"
"$TERN" --check-config -F "$dir/open" -e 'sort sideways' 2>"$dir/err" >/dev/null; rc=$?
[ $rc = 78 ] && grep -q "^-e: bad value 'sideways' for 'sort'" "$dir/err"
ok $? "a bad -e line exits 78 and says -e (got $rc)"
"$TERN" -F "$dir/open" </dev/null >/dev/null 2>"$dir/err"; rc=$?
[ $rc = 64 ] && grep -q "the reader needs a terminal" "$dir/err"
ok $? "the reader without a terminal: exit 64 and says so (got $rc)"

# issue 17.5: what would fail at run time is refused by --check-config
printf 'account a\n imap imaps://h\n tls-ca-file %s/no-such.pem\n' "$dir" >"$dir/ca"
"$TERN" --check-config -F "$dir/ca" >/dev/null 2>"$dir/err"; rc=$?
[ $rc = 78 ] && grep -q "^$dir/ca:3: tls-ca-file $dir/no-such.pem: No such file or directory" "$dir/err"
ok $? "a missing tls-ca-file: exit 78 with FILE:LINE (got $rc: $(head -c 300 "$dir/err"))"
echo "not a certificate" >"$dir/junk.pem"
printf 'tls-ca-file "%s/junk.pem"\naccount a\n imap imaps://h\n smtp smtps://127.0.0.1:1\n from a@x.example\n' "$dir" >"$dir/ca2"
"$TERN" --check-config -F "$dir/ca2" >/dev/null 2>"$dir/err"; rc=$?
[ $rc = 78 ] && grep -q "^$dir/ca2:1: tls-ca-file $dir/junk.pem: holds no PEM certificate" "$dir/err"
ok $? "a tls-ca-file that is not PEM: exit 78 with FILE:LINE (got $rc: $(head -c 300 "$dir/err"))"
XDG_DATA_HOME="$dir/data" "$TERN" -F "$dir/ca2" -s x bob@example.org </dev/null >/dev/null 2>"$dir/err"; rc=$?
[ $rc = 78 ] && [ ! -d "$dir/data/tern/outbox" ]
ok $? "and a send with it stops at 78 before anything is queued (got $rc)"
printf 'account a\n imap imaps://h\n smtp smtps://h\n' >"$dir/nofrom"
"$TERN" --check-config -F "$dir/nofrom" >/dev/null 2>"$dir/err"; rc=$?
[ $rc = 78 ] && grep -q "^$dir/nofrom:1: account 'a' can send (smtp) but has no from" "$dir/err"
ok $? "an account that can send needs from: exit 78 (got $rc: $(head -c 300 "$dir/err"))"
printf 'account a\n imap imaps://h\n' >"$dir/readonly"
"$TERN" --check-config -F "$dir/readonly" >/dev/null 2>&1
ok $? "an account that cannot send needs no from"
printf 'account a\n from "Ana <ana@x.example>, bob@x.example"\n smtp smtps://h\n' >"$dir/twofrom"
"$TERN" --check-config -F "$dir/twofrom" >/dev/null 2>"$dir/err"; rc=$?
[ $rc = 78 ] && grep -q "^$dir/twofrom:2: bad address" "$dir/err"
ok $? "from must be one address, as the address parser reads it (got $rc)"
printf 'account a\n from "Ana <ana@x.example>"\n smtp smtp://h:465\n' >"$dir/port"
"$TERN" --check-config -F "$dir/port" >/dev/null 2>"$dir/err"; rc=$?
[ $rc = 0 ] && grep -q "^warning: $dir/port:3: account 'a': smtp://h:465: port 465 is the implicit TLS port (RFC 8314).*write smtps://h:465" "$dir/err"
ok $? "smtp:// on port 465: a warning naming smtps:// (got $rc: $(head -c 300 "$dir/err"))"

# main.c's modes table (issue 19.6): an option a mode does not take is a
# usage error naming the modes that take it, written from the table
check_usage() { # expected message, then tern's arguments
	local want=$1; shift
	"$TERN" -F "$dir/port" "$@" </dev/null >/dev/null 2>"$dir/err"; local rc=$?
	[ $rc = 64 ] && grep -qF -- "tern: $want" "$dir/err"
	ok $? "tern $*: exit 64 and '$want' (got $rc: $(head -n 1 "$dir/err"))"
}
check_usage "--json goes with --check, --test-account or --outbox" --json
check_usage "--all goes with --check" -H --all
check_usage "-f goes with -H or the reader" --check -f INBOX
check_usage "-f goes with -H or the reader" --outbox -f INBOX
check_usage "--no-send goes with --test-account" --check --no-send
check_usage "--retry-failed goes with --flush-outbox" --retry-failed
check_usage "--mailrc goes with --whatis" --mailrc
check_usage "--whatis and --setup go alone" --whatis a@example.org --check
check_usage "sending (addresses, -s, -c, -b, -a, -r) goes with no other mode" --check a@example.org
check_usage "--complete goes with -F and -A only" --complete accounts --check
check_usage "choose one of -H, --check, --fetch, --test-account and --check-config" --check --fetch

echo "1..$n"
exit $failed
