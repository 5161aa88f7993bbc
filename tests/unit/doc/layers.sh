#!/bin/bash
# The layers hold (STYLE.md, issue 19.5): curses only in ui; cli includes
# no ui header (it checks the reader's words through keymap); ui includes
# no protocol header and calls no protocol function (it talks to the
# engine); keymap and compose, below ui, include neither curses nor ui;
# protocol code never includes engine, cli or ui.
set -u
: "${TERN_SRCDIR:?}"
cd "$TERN_SRCDIR/src" || exit 1
n=0 failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
# files of folder $1 that include a header matching $2 (quoted or <...>)
includes() { grep -lE "^#[[:space:]]*include[[:space:]]*[\"<]($2)[\">]" "$1"/*.[ch] 2>/dev/null | tr '\n' ' '; }

found=$(grep -rlE '^#[[:space:]]*include[[:space:]]*<n?curses' --include='*.[ch]' . | grep -v '^\./ui/' | tr '\n' ' ')
[ -z "$found" ]; ok $? "curses is included in ui only ($found)"
found=$(includes cli '\.\./ui/[^"]*')
[ -z "$found" ]; ok $? "cli includes no ui header ($found)"
found=$(includes ui '\.\./(imap|pop|smtp|local|net)/[^"]*')
[ -z "$found" ]; ok $? "ui includes no imap, pop, smtp, local or net header ($found)"
for module in keymap compose; do
	found=$(includes $module '\.\./(ui|cli)/[^"]*|n?curses\.h')
	[ -z "$found" ]; ok $? "$module includes no ui, cli or curses header ($found)"
done
for module in imap pop smtp local net; do
	found=$(includes $module '\.\./(engine|cli|ui|compose|keymap)/[^"]*')
	[ -z "$found" ]; ok $? "$module includes no engine, cli or ui header ($found)"
done

# ui calls no protocol function at all (it reached imap_utf7_encode and
# IMAP_FOLDER_* until the engine named them, issue 19.4).
known=''
calls=$(grep -oE '\b(imap|pop|smtp|local|net)_[a-z0-9_]+\(|\b(IMAP|POP|SMTP|LOCAL|NET)_[A-Z0-9_]+' ui/*.c |
	sed -E 's#^ui/##; s#\($##; s#(IMAP_FOLDER_)[A-Z_]+#\1#' | sort -u)
extra=
for call in $calls; do
	case " $known " in *" $call "*) ;; *) extra="$extra $call" ;; esac
done
[ -z "$extra" ]; ok $? "ui calls no protocol function ($extra)"
echo "1..$n"
exit $failed
