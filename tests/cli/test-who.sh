#!/usr/bin/env bash
# door who / door PORT: the card of one door, against real listeners.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door

p6=$(free_port); p4=$(free_port); pdual=$(free_port); pfork=$(free_port)
pu=$(free_port udp)
l6=$(start_py_listener "$p6" ::1) || fail "start ::1 listener"
l4=$(start_py_listener "$p4" 127.0.0.1) || fail "start 127.0.0.1 listener"
ld=$(start_py_listener "$pdual" :: --dual) || fail "start dual-stack listener"
lf=$(start_py_listener "$pfork" 127.0.0.1 --fork 3) || fail "start forked listener"
lu=$(start_py_listener "$pu" ::1 --udp) || fail "start udp socket"

# the ::1-only trap, named
run_door who "$p6" --no-color
check_eq "who ::1 listener: exit 0" 0 "$DOOR_RC"
check_match "card title" "^$p6/tcp" "$DOOR_OUT"
check_match "bound address" "listening +\\[::1\\]:$p6" "$DOOR_OUT"
check_match "IPv6 loopback only, 127.0.0.1 refused" "IPv6 loopback only: 127\\.0\\.0\\.1:$p6 is refused" "$DOOR_OUT"
check_match "process line" "process +python3, pid $l6, user root, up ([0-9]+h)?([0-9]+m)?[0-9]+s" "$DOOR_OUT"
check_match "command line" "command +[^"$'\n'"]*listener\\.py --port $p6 --addr ::1" "$DOOR_OUT"
dir=$(server_dir "$l6")
check_match "working directory" "directory +$dir" "$DOOR_OUT"
ppid=$(awk '{print $4}' "/proc/$l6/stat")
check_match "parent" "parent +[^,]+, pid $ppid" "$DOOR_OUT"

run_door who "$p4" --no-color
check_match "IPv4 loopback only, ::1 refused" "IPv4 loopback only: \\[::1\\]:$p4 is refused" "$DOOR_OUT"
run_door who "$pdual" --no-color
check_match "dual-stack: all interfaces" "all interfaces, IPv4 and IPv6" "$DOOR_OUT"
run_door who "$pu" --no-color
check_match "udp card" "^$pu/udp" "$DOOR_OUT"
check_match "udp is bound, not listening" "bound +\\[::1\\]:$pu" "$DOOR_OUT"

# the shorthand is the same card
# (the uptime may tick between two runs: compare without it)
run_door who "$p6" --no-color --no-probe
a=$(printf '%s' "$DOOR_OUT" | sed -E 's/, up [0-9a-z]+$//')
run_door "$p6" --no-color --no-probe
check_eq "door PORT = door who PORT" "$a" "$(printf '%s' "$DOOR_OUT" | sed -E 's/, up [0-9a-z]+$//')"
run_door ":$p6" --no-color --no-probe
check_eq "door :PORT = door who PORT" "$a" "$(printf '%s' "$DOOR_OUT" | sed -E 's/, up [0-9a-z]+$//')"

# addresses in the target narrow to what is reachable there
run_door who "[::1]:$p6"
check_eq "who [::1]:PORT finds the ::1 listener" 0 "$DOOR_RC"
run_door who "127.0.0.1:$p6"
check_eq "who 127.0.0.1:PORT does not (exit 1)" 1 "$DOOR_RC"
run_door who "localhost:$p6"
check_eq "who localhost:PORT finds it" 0 "$DOOR_RC"
run_door who "127.0.0.1:$pdual"
check_eq "a dual-stack :: is reachable at 127.0.0.1" 0 "$DOOR_RC"
run_door who "http://localhost:$p4/pricing"
check_eq "a URL target works" 0 "$DOOR_RC"

# forked workers sharing one socket: every holder is on the card
run_door who "$pfork" --no-color --json
got=$("$PY" -c '
import json, sys
print(" ".join(str(p) for p in sorted({o["pid"] for s in json.loads(sys.argv[1]) for o in s["owners"]})))
' "$DOOR_OUT")
want=$(ss_listeners "$pfork" | awk '{print $4}' | sort -n -u | tr '\n' ' ' | sed 's/ $//')
check_eq "forked workers: door's holders = ss's" "$want" "$got"
nholders=$(printf '%s' "$got" | wc -w)
check_eq "forked workers: parent and 3 workers" 4 "$nholders"
run_door who "$pfork" --no-color
nproc_lines=$(printf '%s\n' "$DOOR_OUT" | grep -c '^  process ')
check_eq "forked workers: four process blocks" 4 "$nproc_lines"
check_match "a worker is marked as such" "pid $lf \\(holds this door too: a forked worker\\)" "$DOOR_OUT"

# nobody there
q=$(free_port)
run_door who "$q"
check_eq "nobody: exit 1" 1 "$DOOR_RC"
check_eq "nobody: one line" "nobody is behind $q: nothing listens there (tcp or udp)" "$DOOR_OUT"
run_door "$q" --json
check_eq "nobody --json: []" "[]" "$(printf '%s' "$DOOR_OUT" | tr -d ' \n')"

# several targets: several cards
run_door who "$p4" "$p6" --no-color
n=$(printf '%s\n' "$DOOR_OUT" | grep -c '/tcp')
check_eq "two targets, two cards" 2 "$n"

# JSON has every key door(1) documents
run_door who "$p6" --json
check "who --json keys" "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
s = d[0]
for k in ("proto", "family", "address", "port", "state", "uid", "user",
          "inode", "owners_hidden", "owners", "v6only", "source", "usually",
          "owners_status", "remote_address", "remote_port", "cgroup_id"):
    assert k in s, k
o = s["owners"][0]
for k in ("pid", "name", "user", "uid", "cmdline", "cwd", "start_time",
          "ppid", "fd", "uptime_seconds", "start_ticks", "cgroup",
          "cmdline_truncated"):
    assert k in o, k
assert o["pid"] == int(sys.argv[2]) and s["address"] == "::1"
' "$DOOR_OUT" "$l6"

# a well-known port shows what it usually is
pg=5432
if [ -z "$(ss -Hltn "sport = :$pg")" ]; then
	lp=$(start_py_listener "$pg" 127.0.0.1) || fail "start listener on 5432"
	run_door who "$pg" --no-color
	check_match "5432 is usually PostgreSQL" "^5432/tcp +usually PostgreSQL" "$DOOR_OUT"
	stop_server "$lp" >/dev/null 2>&1
else
	skip "5432 usually PostgreSQL" "port 5432 is already taken on this machine"
fi

finish
