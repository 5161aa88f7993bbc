#!/bin/bash
# tern --version (issue 23.1): the version configure.ac holds (the one
# place it is written), and the git commit when built from a git tree
# (-dirty with changes not committed); built from a tarball (make
# distcheck runs this too), the version alone.
set -u
: "${TERN:?}" "${TERN_SRCDIR:?}"
n=0 failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }

first=$("$TERN" --version | head -n 1)
echo "# $first"
version=$(sed -n 's/^AC_INIT(\[tern\], \[\([^]]*\)\].*/\1/p' "$TERN_SRCDIR/configure.ac")
[ -n "$version" ]; ok $? "configure.ac holds the version ($version)"
case $first in "tern $version"|"tern $version (git "*) r=0 ;; *) r=1 ;; esac
ok $r "tern --version shows configure.ac's version"
if [ -e "$TERN_SRCDIR/.git" ] && command -v git >/dev/null; then
	commit=$(git -C "$TERN_SRCDIR" rev-parse --short=12 HEAD)
	case $first in "tern $version (git $commit)"|"tern $version (git $commit-dirty)") r=0 ;; *) r=1 ;; esac
	ok $r "built from git: the commit $commit follows"
else
	[ "$first" = "tern $version" ]; ok $? "built from a tarball: the version alone, no commit"
fi
! grep -rqs -e "tern $version" "$TERN_SRCDIR"/doc/*.[15]
ok $? "the manual pages do not write the version again"
echo "1..$n"
exit $failed
