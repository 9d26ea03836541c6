#!/usr/bin/env bash
# door against real servers started on free loopback ports, each checked
# against the kernel's own view (ss): python3 http.server, nginx (a master and
# forked workers sharing the socket), Redis, PostgreSQL (run as its own
# unprivileged user) and memcached (TCP and UDP).
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door

# holders NAME PORT PIDS_JSON: door's holder pids for the port equal ss's.
same_holders() {
	local name=$1 port=$2 got want
	run_door who "$port" --json
	check_eq "$name: door who exits 0" 0 "$DOOR_RC"
	got=$("$PY" -c '
import json, sys
print(" ".join(str(p) for p in sorted({o["pid"] for s in json.loads(sys.argv[1]) for o in s["owners"]})))
' "$DOOR_OUT")
	want=$(ss_listeners "$port" | awk '{print $4}' | sort -n -u | tr '\n' ' ' | sed 's/ $//')
	check_eq "$name: holders of $port match ss" "$want" "$got"
	want=$(ss_listeners "$port" | awk '{a = $2; if (a == "*") a = "::"; print $1, a}' | sort -u)
	got=$(printf '%s' "$DOOR_OUT" | "$PY" -c '
import json, sys
for s in json.load(sys.stdin): print(s["proto"], s["address"])' | sort -u)
	check_eq "$name: addresses of $port match ss" "$want" "$got"
}

port=$(free_port)
if pid=$(start_http_server "$port" 127.0.0.1); then
	same_holders "http.server" "$port"
	run_door "$port" --no-color
	check_match "http.server card: command" "command +[^"$'\n'"]*-m http\\.server $port" "$DOOR_OUT"
	check_match "http.server card: pid" "pid $pid" "$DOOR_OUT"
	run_door ls "$port" --no-color
	check_match "http.server row" " *$port +tcp +127\\.0\\.0\\.1 +$pid +python3 +root" "$DOOR_OUT"
else
	fail "start python3 http.server"
fi

port=$(free_port)
if pid=$(start_nginx "$port"); then
	same_holders "nginx" "$port"
	run_door who "$port" --no-color
	n=$(printf '%s\n' "$DOOR_OUT" | grep -c '^  process ')
	check_eq "nginx: master and 2 workers on the card" 3 "$n"
	check_match "nginx: workers named" "worker process" "$DOOR_OUT"
	check_match "nginx: workers marked as forked" "pid $pid \\(holds this door too" "$DOOR_OUT"
	run_door ls "$port" --no-color
	rows=$(printf '%s\n' "$DOOR_OUT" | tail -n +2 | wc -l)
	check_eq "nginx: one row per process" 3 "$rows"
	check_match "nginx: row has both loopbacks" "127\\.0\\.0\\.1, ::1" "$DOOR_OUT"
	run_door who "$port" --no-color
	check_match "nginx card: answers (probe) with the version" "answers +nginx 1\\.[0-9.]+, HTTP [0-9]+ \\(probe\\)" "$DOOR_OUT"
	run_door who "$port" --no-color --no-probe
	check_nomatch "nginx card --no-probe: no answers line" "answers" "$DOOR_OUT"
	run_door ls "$port" --probe --no-color
	check_match "nginx: ls --probe SERVICE from the probe" "nginx 1\\.[0-9.]+, HTTP [0-9]+ \\(probe\\)" "$DOOR_OUT"
	run_door ls "$port" --probe --json
	check "nginx: ls --probe JSON probe object" "$PY" -c '
import json, sys
for s in json.loads(sys.argv[1]):
    p = s["probe"]
    assert p["confidence"] == "probe" and p["product"] == "nginx", p
    assert p["http_status"] is not None and p["version"], p
' "$DOOR_OUT"
	run_door ls "$port" --no-color
	check_match "nginx: SERVICE from the process" "nginx[^"$'\n'"]*\\(process\\)" "$DOOR_OUT"
	run_door ls "$port" --name nginx --json
	check_match "nginx: --name nginx" "\"pid\": $pid" "$DOOR_OUT"
else
	fail "start nginx"
fi

port=$(free_port)
if pid=$(start_redis "$port"); then
	same_holders "redis" "$port"
	run_door ls "$port" --no-color
	check_match "redis row" "$pid +redis-server" "$DOOR_OUT"
	check_match "redis row: SERVICE from the process" "redis-server +root +Redis[^"$'\n'"]*\\(process\\)" "$DOOR_OUT"
	run_door who "$port" --no-color
	check_match "redis card: answers Redis with its version (probe)" "answers +Redis 7\\.[0-9.]+ \\(probe\\)" "$DOOR_OUT"
	check_match "redis card: runs line" "runs +Redis[^"$'\n'"]*\\(process\\)" "$DOOR_OUT"
	run_door who "$port" --json
	check "redis JSON: owner service from the process" "$PY" -c '
import json, sys
o = json.loads(sys.argv[1])[0]["owners"][0]
assert o["service"]["name"] == "redis" and o["service"]["confidence"] == "process", o["service"]
' "$DOOR_OUT"
else
	fail "start redis-server"
fi

port=$(free_port)
if pid=$(start_postgres "$port"); then
	same_holders "postgres" "$port"
	run_door ls "$port" --no-color
	check_match "postgres runs as postgres: USER column" "$pid +postgres +postgres" "$DOOR_OUT"
	check_match "postgres: SERVICE names PostgreSQL 15 from the command line" "PostgreSQL 15 \\(process\\)" "$DOOR_OUT"
	run_door who "$port" --json
	check "postgres JSON: user and uid of the process" "$PY" -c '
import json, pwd, sys
s = json.loads(sys.argv[1])[0]
o = s["owners"][0]
uid = pwd.getpwnam("postgres").pw_uid
assert o["user"] == "postgres" and o["uid"] == uid, o
assert s["user"] == "postgres" and s["uid"] == uid, s
' "$DOOR_OUT"
	# the server's own user sees its process; nobody else does
	run_door_as postgres who "$port" --json
	check_match "postgres user sees its own process" "\"pid\": $pid" "$DOOR_OUT"
	run_door_as nobody who "$port" --json
	check_match "nobody: postgres's owners hidden" '"owners_status": "hidden"' "$DOOR_OUT"
	check_match "nobody: socket still listed with its user" '"user": "postgres"' "$DOOR_OUT"
else
	fail "start postgres"
fi

port=$(free_port udp)
pid=$(start_memcached "$port" --udp)
rc=$?
if [ "$rc" -eq 0 ]; then
	same_holders "memcached" "$port"
	run_door ls "$port" --udp --json
	check_match "memcached UDP socket listed" '"proto": "udp"' "$DOOR_OUT"
	check_match "memcached UDP holder" "\"pid\": $pid" "$DOOR_OUT"
elif [ "$rc" -eq 2 ]; then
	skip "memcached" "memcached is not installed (scripts/deps.sh test installs it)"
else
	fail "start memcached"
fi

finish
