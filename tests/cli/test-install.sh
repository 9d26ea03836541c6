#!/usr/bin/env bash
# make install PREFIX=DIR puts DIR/bin/door and DIR/share/man/man1/door.1.
. "$(dirname "$0")/lib.sh"

need_door
dir=$(mk_tmpdir install)
out=$(cd "$REPO_ROOT" && make -s install PREFIX="$dir/prefix" 2>&1)
check_eq "make install exits 0" 0 "$?"
[ -n "$out" ] && diag "$out"
check "bin/door is installed and executable" test -x "$dir/prefix/bin/door"
check "door.1 is installed" test -f "$dir/prefix/share/man/man1/door.1"
v=$("$dir/prefix/bin/door" --version)
check_match "the installed door runs" '^door [0-9]' "$v"
check_eq "the installed man page is the tree's" "$(cat "$REPO_ROOT/door.1")" "$(cat "$dir/prefix/share/man/man1/door.1")"

# libcurl (and the thirty libraries it brings) is loaded only by door url
if command -v ldd >/dev/null; then
	check_eq "door does not load libcurl at start" "0" "$(ldd "$DOOR" | grep -c libcurl)"
else
	skip "libcurl not loaded at start" "ldd is not installed"
fi

finish
