#!/bin/bash
# e2e: tern started in a real terminal (tmux) shows its version screen.
# Grows into the TUI tests once the reader exists.
set -u
: "${TERN:?}"
tmux=${TMUX_BIN:-tmux}
n=0 failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
dir=$(mktemp -d /tmp/tern-e2e-XXXXXX)
sock=$dir/tmux.sock
trap '"$tmux" -S "$sock" kill-server 2>/dev/null; rm -rf "$dir"' EXIT

"$tmux" -S "$sock" -f /dev/null new-session -d -x 100 -y 30 \
	"'$TERN' --version; echo exit=\$?; sleep 30"
screen=
for _ in $(seq 50); do
	screen=$("$tmux" -S "$sock" capture-pane -p 2>/dev/null)
	case $screen in *exit=*) break ;; esac
	sleep 0.1
done
echo "$screen" | grep -q '^tern [0-9]'; ok $? "the terminal shows tern's version"
echo "$screen" | grep -q 'Libraries: libetpan'; ok $? "the terminal shows the libraries"
echo "$screen" | grep -q '^exit=0$'; ok $? "tern --version exits 0 in a terminal"
echo "1..$n"
exit $failed
