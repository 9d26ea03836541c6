#!/usr/bin/env bash
# Bad input gets one clear line on stderr and exit 2; help and version work.
. "$(dirname "$0")/lib.sh"

# usage_error NAME ARGS...: exit 2, nothing on stdout, exactly one stderr line
# that starts with "door: ".
usage_error() {
	local name=$1
	shift
	run_door "$@"
	check_eq "$name: exit 2" 2 "$DOOR_RC"
	check_eq "$name: stdout empty" "" "$DOOR_OUT"
	check_match "$name: one 'door:' line on stderr" '^door: [^'$'\n'']+$' "$DOOR_ERR"
}

usage_error "unknown verb" frobnicate
usage_error "unknown long option" ls --frobnicate
usage_error "unknown short option" ls -Z
usage_error "port 0" ls 0
usage_error "port 70000" ls 70000
usage_error "not a port" ls abc
usage_error "reversed range" ls 3010-3000
usage_error "who port 0" who 0
usage_error "shorthand 70000" 70000
usage_error "who needs a target" who
usage_error "who unbracketed v6" who ::1:3000
usage_error "who remote host" who db.example.invalid:5432
usage_error "pid not a number" ls --pid abc
usage_error "pid zero" ls --pid 0
usage_error "option needs value" ls --user
usage_error "unknown user" ls --user no-such-user-here
usage_error "flag with value" ls --tcp=yes
usage_error "no-owners with pid" ls --no-owners --pid 1
usage_error "huge number" ls 99999999999999999999999

run_door ls 3010-3000
check_match "reversed range says how to fix it" 'write 3000-3010' "$DOOR_ERR"
run_door ls 0
check_match "port 0 says the range" '1 to 65535' "$DOOR_ERR"

run_door --help
check_eq "--help exits 0" 0 "$DOOR_RC"
check_match "--help lists ls and who" 'ls .*who ' "$DOOR_OUT"
run_door ls --help
check_match "ls --help lists its options" '--no-owners' "$DOOR_OUT"
run_door who -h
check_match "who -h shows usage" '^usage: door who TARGET' "$DOOR_OUT"
run_door --version
check_match "--version" '^door [0-9]+\.[0-9]+\.[0-9]+$' "$DOOR_OUT"

# An escape sequence in a bad argument must not reach the terminal raw.
run_door ls $'\e[31mred'
check_eq "hostile argument: exit 2" 2 "$DOOR_RC"
check_nomatch "hostile argument: no raw ESC on stderr" $'\e' "$DOOR_ERR"

finish
