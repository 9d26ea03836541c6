#!/usr/bin/env bash
# Process names and command lines are attacker-controlled: no control byte or
# escape sequence reaches the terminal, JSON stays valid, nothing is lost.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door

# name (as listener.py --name escapes) : what door must show for it
names=(
	'\e[31mred'          # colour change
	'a\nb'               # newline in the name
	'x) (y'              # breaks naive /proc/PID/stat parsers
	'\xff\xfe'           # not UTF-8
	'\xc2\x9b2J'         # C1 CSI
	'tab\there'
	'back\\slash'
)
for n in "${names[@]}"; do
	port=$(free_port)
	pid=$(start_py_listener "$port" 127.0.0.1 --name "$n" --argv0 "argv0-$n") ||
	    { fail "start listener named $n"; continue; }
	for view in "ls $port" "who $port"; do
		# shellcheck disable=SC2086
		run_door $view --no-color
		check_eq "$view [$n]: exit 0" 0 "$DOOR_RC"
		bad=$(LC_ALL=C tr -d '\n' <"$DOOR_OUT_FILE" | LC_ALL=C tr -d '\040-\176' |
		    "$PY" -c 'import sys; b = sys.stdin.buffer.read(); print(any(c < 0x20 or c == 0x7f or 0x80 <= c <= 0x9f for c in b.decode("utf-8", "replace").encode("latin-1", "replace")))')
		check_eq "$view [$n]: no control bytes in output" "False" "$bad"
		check_match "$view [$n]: pid still shown" "$pid" "$DOOR_OUT"
	done
	run_door who "$port" --json
	check "JSON [$n]: valid, name and argv0 kept" "$PY" -c '
import json, sys
raw = open(sys.argv[1], "rb").read()
d = json.loads(raw.decode("utf-8"))       # strict: must be valid UTF-8 JSON
o = d[0]["owners"][0]
want = sys.argv[2].replace("\\e", "\\x1b").encode().decode("unicode_escape").encode("latin-1")
want = want[:15].decode("utf-8", "replace")
assert o["name"] == want, (o["name"], want)
assert o["cmdline"][0] == "argv0-" + want or o["cmdline"][0].startswith("argv0-"), o["cmdline"]
' "$DOOR_OUT_FILE" "$n"
done

# A command line with an embedded escape sequence and invalid UTF-8 in argv
port=$(free_port)
pid=$(start_py_listener "$port" 127.0.0.1 --argv0 '\e]0;pwned\a\xff') || fail "start listener"
run_door who "$port" --no-color
check_nomatch "command line: no raw ESC" $'\e' "$DOOR_OUT"
check_nomatch "command line: no raw BEL" $'\a' "$DOOR_OUT"
check_match "command line: shown escaped" '\\x1b\]0;pwned\\x07\\xff' "$DOOR_OUT"

finish
