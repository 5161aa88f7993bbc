#!/bin/bash
# The Debian package (issue 23.2), installed into a throwaway root with
# dpkg -x (dpkg --dry-run -i checks its Depends against this machine
# first): the files are where Debian wants them, tern and tern-oauth2 run
# from there, tern --version and --check-config on the installed
# mailrc.sample work, and bash-completion and zsh load the installed
# completions, which complete the sample's accounts through the
# installed tern. Run by contrib/release:  tests/package/install.sh DEB
set -u
deb=${1:?usage: tests/package/install.sh tern_VERSION_ARCH.deb}
n=0 failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
root=$(mktemp -d /tmp/tern-deb-XXXXXX); trap 'rm -rf "$root"' EXIT

version=$(dpkg-deb -f "$deb" Version)
depends=$(dpkg-deb -f "$deb" Depends)
echo "# Depends: $depends (\${shlibs:Depends}, and python3 for tern-oauth2)"
for lib in libc6 libetpan20 libssl3 libtokyocabinet9 libncursesw6 libidn2-0 zlib1g python3; do
	case ", $depends" in *", $lib "* | *", $lib,"* | *", $lib") r=0 ;; *) r=1 ;; esac
	ok $r "Depends names $lib"
done
dpkg --dry-run -i "$deb" >"$root/dry-run.out" 2>&1
ok $? "dpkg --dry-run -i: its dependencies are satisfied here ($(tail -n 1 "$root/dry-run.out"))"

dpkg -x "$deb" "$root" 2>"$root/x.err"; ok $? "dpkg -x unpacks it ($(head -c 200 "$root/x.err"))"
for f in usr/bin/tern usr/bin/tern-oauth2 usr/share/man/man1/tern.1.gz usr/share/man/man5/mailrc.5.gz \
	usr/share/man/man1/tern-oauth2.1.gz usr/share/doc/tern/mailrc.sample usr/share/doc/tern/copyright \
	usr/share/bash-completion/completions/tern usr/share/zsh/vendor-completions/_tern; do
	[ -f "$root/$f" ]; ok $? "installs /$f"
done

out=$("$root/usr/bin/tern" --version 2>&1); rc=$?
echo "# $(echo "$out" | head -n 1)"
[ $rc = 0 ] && [ "$(echo "$out" | head -n 1)" = "tern $version" ]
ok $? "the installed tern --version says tern $version (from the tarball: no commit)"
HOME=$root XDG_CONFIG_HOME=$root/config "$root/usr/bin/tern" -F "$root/usr/share/doc/tern/mailrc.sample" \
	--check-config >"$root/out" 2>"$root/err"; rc=$?
[ $rc = 0 ] && grep -q "ok, [0-9]* accounts" "$root/out"
ok $? "tern -F /usr/share/doc/tern/mailrc.sample --check-config: $(cat "$root/out" "$root/err" | head -n 1)"
"$root/usr/bin/tern-oauth2" --help >"$root/out" 2>&1
ok $? "the installed tern-oauth2 runs (--help)"
man -l "$root/usr/share/man/man5/mailrc.5.gz" >/dev/null 2>&1 || [ ! -x /usr/bin/man ]
ok $? "man reads the installed mailrc(5)"

sample=$root/usr/share/doc/tern/mailrc.sample
if [ -f /usr/share/bash-completion/bash_completion ]; then
	got=$(XDG_DATA_DIRS=$root/usr/share PATH=$root/usr/bin:$PATH bash --norc --noprofile -c '
		source /usr/share/bash-completion/bash_completion
		__load_completion tern && complete -p tern
		COMP_WORDS=(tern -F "$1" -A ""); COMP_CWORD=4
		_tern tern "" -A; echo "${COMPREPLY[*]}"' - "$sample" 2>&1)
	[ "$got" = "complete -F _tern tern
gmail work isp home isp-shared" ]
	ok $? "bash-completion loads the installed completion, which lists the sample's accounts ($(echo $got))"
else
	echo "ok $((n += 1)) - # SKIP bash-completion is not installed"
fi
if command -v zsh >/dev/null; then
	got=$(PATH=$root/usr/bin:$PATH zsh -f -c '
		fpath=($1/usr/share/zsh/vendor-completions $fpath)
		autoload -Uz compinit && compinit -u -d $1/zcompdump
		print -r -- $_comps[tern]' - "$root" 2>&1)
	[ "$got" = _tern ]; ok $? "zsh's compinit finds the installed _tern in vendor-completions ($got)"
else
	echo "ok $((n += 1)) - # SKIP zsh is not installed"
fi
echo "1..$n"
exit $failed
