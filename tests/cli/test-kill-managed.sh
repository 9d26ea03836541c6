#!/usr/bin/env bash
# door kill leaves a process of a systemd unit or a container to its manager
# unless --force, and names the command that stops it for good. The unit and
# the container are real cgroup v2 groups this test creates (named as
# systemd and docker name theirs), with a real listener moved into each.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door
cg=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if [ "$(id -u)" != 0 ] || [ -z "$cg" ] || [ ! -w "$cg" ]; then
	skip "managed processes" "needs root and a writable cgroup2 mount (found: '${cg:-none}')"
	finish
fi

# in_cgroup DIR PID: move PID into the new cgroup DIR (removed at exit)
in_cgroup() {
	mkdir -p "$1" || return 1
	on_exit_run rmdir "$1"
	printf '%s\n' "$2" >"$1/cgroup.procs"
}

unit="doortest-$$.service"
port=$(free_port)
pid=$(start_py_listener "$port" 127.0.0.1) || fail "start listener"
if in_cgroup "$cg/system.slice/$unit" "$pid"; then
	on_exit_run rmdir "$cg/system.slice"
	run_door kill "$port" --yes
	check_eq "unit: refused as unsafe (exit 5)" 5 "$DOOR_RC"
	check_match "unit: names the command that stops it" "systemctl stop $unit" "$DOOR_OUT$DOOR_ERR"
	check "unit: the process is alive" proc_alive "$pid"
	run_door kill "$port" --yes --force --grace 2s
	check_eq "unit: --force stops it (exit 0)" 0 "$DOOR_RC"
	wait_gone "$pid" 5 >/dev/null 2>&1
	check "unit: --force: the process is gone" wait_gone "$pid" 5
else
	fail "unit: move the listener into $cg/system.slice/$unit"
fi

id=$(printf '%064x' $$)
port=$(free_port)
pid=$(start_py_listener "$port" 127.0.0.1) || fail "start listener"
if in_cgroup "$cg/docker/$id" "$pid"; then
	on_exit_run rmdir "$cg/docker"
	run_door kill "$port" --yes
	check_eq "container: refused as unsafe (exit 5)" 5 "$DOOR_RC"
	check_match "container: names docker stop with the id" "docker stop ${id:0:12}" "$DOOR_OUT$DOOR_ERR"
	check "container: the process is alive" proc_alive "$pid"
else
	fail "container: move the listener into $cg/docker/$id"
fi

finish
