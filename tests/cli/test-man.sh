#!/usr/bin/env bash
# Docs are code: every command and option --help shows is in door(1), the
# man page renders without warnings, and the exit codes agree.
. "$(dirname "$0")/lib.sh"

need_door
man1=$REPO_ROOT/door.1
# the man source with groff escapes undone: \- is -, \fB..\fR vanish
plain=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\e/\\/g' "$man1")

run_door --help
check_eq "door --help exits 0" 0 "$DOOR_RC"
verbs=$(printf '%s\n' "$DOOR_OUT" | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}')
[ -n "$verbs" ] || fail "found the command list in door --help"
for v in $verbs; do
	check_match "door.1 documents the command '$v'" "door $v|door \\[$v\\]|\\[$v\\]" "$plain"
	run_door "$v" --help
	check_eq "door $v --help exits 0" 0 "$DOOR_RC"
	opts=$(printf '%s\n' "$DOOR_OUT" | grep -oE '(^| )--?[a-z0-9][a-z0-9-]*' | sed 's/^ //' | sort -u)
	for o in $opts; do
		check_match "door.1 documents '$o' (door $v)" "(^|[^a-z-])$o([^a-z-]|$)" "$plain"
	done
done
for code in 0 1 2 3 4 5; do
	check_match "door.1 documents exit status $code" "\\.TP"$'\n'"\\.B $code"$'\n' "$(cat "$man1")"
done
check_match "--help states the exit codes" "0 found, 1 nobody, 2 usage error, 3 system error, 4 permission denied" "$DOOR_OUT"
for key in proto family address port state uid user inode owners_hidden owners pid name cmdline cwd start_time ppid; do
	check_match "door.1 documents JSON key '$key'" "\\.BR? $key( |$)|\\.BR $key ,|\\.B $key"$'\n' "$(cat "$man1")"
done
if command -v groff >/dev/null; then
	warn=$(groff -man -ww -z "$man1" 2>&1)
	check_eq "door.1 renders without groff warnings" "" "$warn"
else
	skip "groff warnings" "groff is not installed (scripts/deps.sh test installs groff-base)"
fi

finish
