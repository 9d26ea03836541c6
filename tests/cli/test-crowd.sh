#!/usr/bin/env bash
# A door whose holders sit in a crowded cgroup (more than 64 processes):
# door walks the cgroup's processes of the socket's uid and the holders'
# children first (src/platform/linux/owners.c, walk_crowd). Whatever the
# way the holders got the socket, the holders must be those of --thorough
# and of ss.
. "$(dirname "$0")/lib.sh"

need_door

CROWD=80
cgmount=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") {
    if ($(i + 1) == "cgroup2") print $5; break } }' /proc/self/mountinfo | head -n 1)
why=
if [ "$(id -u)" != 0 ]; then
	why="needs root (a cgroup of its own, processes of other users)"
elif [ -z "$cgmount" ]; then
	why="no cgroup2 mount on this machine"
elif ! id daemon >/dev/null 2>&1 || ! id nobody >/dev/null 2>&1; then
	why="needs the users daemon and nobody"
elif ! mkdir "$cgmount/door-test-crowd.$$.probe" 2>/dev/null; then
	why="cannot make a cgroup under $cgmount"
else
	rmdir "$cgmount/door-test-crowd.$$.probe"
fi

# pids of door's holders of PORT in the JSON on stdin, one line, sorted
holders_of() {
	"$PY" -c '
import json, sys
pids = set()
for s in json.load(sys.stdin):
    for o in s.get("owners") or []:
        pids.add(o["pid"])
print(" ".join(map(str, sorted(pids))))'
}

# run_case NAME CASE CROWD_USER
run_case() {
	local name=$1 kind=$2 cuser=$3 port cg ready pid i want got n
	if [ -n "$why" ]; then
		skip "$name" "$why"
		return
	fi
	port=$(free_port)
	cg=$cgmount/door-test-crowd.$$.$kind
	mkdir "$cg" || { fail "$name: make cgroup $cg"; return; }
	# after the processes are killed: the cgroup goes once it is empty
	# shellcheck disable=SC2016 # $1 is the inner shell's
	on_exit_run bash -c 'for i in $(seq 100); do rmdir "$1" 2>/dev/null && exit 0; [ -d "$1" ] || exit 0; sleep 0.1; done' _ "$cg"
	ready=$_T_ROOT/crowd.$kind.ready
	"$PY" "$LIB_DIR/crowd.py" --cgroup "$cg" --crowd "$CROWD" \
	    --crowd-user "$cuser" --port "$port" --case "$kind" \
	    --ready "$ready" --exit-after 300 </dev/null >/dev/null \
	    2>"$_T_ROOT/crowd.$kind.err" &
	pid=$!
	on_exit_kill "$pid"
	for ((i = 0; i < 300; i++)); do
		[ -s "$ready" ] && break
		proc_alive "$pid" || break
		sleep 0.1
	done
	if [ ! -s "$ready" ]; then
		fail "$name: crowd.py ready" "$(cat "$_T_ROOT/crowd.$kind.err")"
		return
	fi
	wait_listen "$port" tcp 10 "$pid" || { fail "$name: listening"; return; }
	n=$(wc -l <"$cg/cgroup.procs")
	check "$name: the cgroup is crowded ($n processes)" test "$n" -gt 64
	want=$(sed -n 's/^holders //p' "$ready")
	check_eq "$name: ss sees the holders crowd.py reports" "$want" \
	    "$(ss_pids "$port" tcp | tr '\n' ' ' | sed 's/ $//')"
	run_door who "$port" --json --no-probe
	check_eq "$name: door who exits 0" 0 "$DOOR_RC"
	got=$(holders_of <"$DOOR_OUT_FILE")
	check_eq "$name: door who's holders" "$want" "$got"
	# the split itself: the fd directories door opens (strace, when this
	# machine has it) are the holders' family's, not the crowd's
	if [ "$kind" != passed ] && command -v strace >/dev/null; then
		n=$(timeout -k 2 "$CHECK_TIMEOUT" strace -f -qq -e trace=openat \
		    "$DOOR" who "$port" --json --no-probe 2>&1 >/dev/null |
		    grep -c '"fd", O_RDONLY')
		check "$name: door opened $n fd directories, not the crowd's $CROWD" \
		    test "$n" -lt $((CROWD / 2))
	elif [ "$kind" != passed ]; then
		skip "$name: fd directories opened" "no strace on this machine (scripts/deps.sh test installs it)"
	fi
	run_door who "$port" --json --no-probe --thorough
	check_eq "$name: door who --thorough's holders" "$want" \
	    "$(holders_of <"$DOOR_OUT_FILE")"
	run_door ls "$port" --json
	check_eq "$name: door ls's holders" "$want" "$(holders_of <"$DOOR_OUT_FILE")"
}

# the socket's uid is not the crowd's: the split narrows to the holders
run_case "own (nobody's door, forked, in a crowd of root)" own root
# nginx: the workers are daemon's, the socket root's, the crowd nobody's
run_case "nginx (root master, workers of another user)" nginx nobody
# the only holder got the socket over a Unix socket: the split finds no
# holder of the socket's uid and walks the whole cgroup, as before
run_case "passed (SCM_RIGHTS to an unrelated process)" passed nobody

finish
