#!/usr/bin/env bash
# door wait: real servers that start late, time-outs, --http, --closed,
# --any, and the command run (or not) afterwards.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door
dir=$(mk_tmpdir wait)

# a server that starts 1 s after door begins to wait, on ::1 only
p=$(free_port)
( sleep 1; exec "$PY" "$LIB_DIR/listener.py" --port "$p" --addr ::1 --exit-after 60 ) >/dev/null 2>&1 &
on_exit_kill $!
t0=$(date +%s%N)
run_door wait "localhost:$p" --timeout 10s -- touch "$dir/ran"
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "late server: exit 0 (the command's status)" 0 "$DOOR_RC"
check "late server: the command ran" test -f "$dir/ran"
if [ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ]; then pass "late server: waited about a second (${ms} ms)"; else fail "late server: waited about a second" "took ${ms} ms"; fi
check_match "not a terminal: one final line on stderr" "^ready after [0-9.]+s: localhost:$p \\(.*open on ::1.*\\)$" "$DOOR_ERR"
check_eq "stdout stays empty" "" "$DOOR_OUT"

# the command's exit status becomes door's
run_door wait "localhost:$p" -- sh -c 'exit 7'
check_eq "command status 7 passes through" 7 "$DOOR_RC"
run_door wait "localhost:$p" -- /nonexistent/command
check_eq "missing command: 127" 127 "$DOOR_RC"

# time out: exit 1 and the command does not run
q=$(free_port)
rm -f "$dir/ran2"
t0=$(date +%s%N)
run_door wait "$q" --timeout 700ms -- touch "$dir/ran2"
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "timeout: exit 1" 1 "$DOOR_RC"
check "timeout: the command did not run" test ! -e "$dir/ran2"
check_match "timeout: says which target was closed" "timed out after 0\\.[67][0-9]s, still not ready: $q \\(refused on 127\\.0\\.0\\.1, refused on ::1\\)" "$DOOR_ERR"
if [ "$ms" -lt 1500 ]; then pass "timeout kept (${ms} ms for 700ms)"; else fail "timeout kept" "took ${ms} ms"; fi
run_door wait "$q" --timeout 300ms -q
check_eq "-q: nothing on stderr" "" "$DOOR_ERR"

# --http against python3 http.server
h=$(free_port)
hs=$(start_http_server "$h" 127.0.0.1) || fail "start http.server"
run_door wait "localhost:$h" --http /index.html --timeout 5s
check_eq "--http 200 on a file: ready" 0 "$DOOR_RC"
run_door wait "localhost:$h" --http /missing --timeout 800ms
check_eq "--http 404 on a missing path: not ready" 1 "$DOOR_RC"
check_match "--http 404: says the status" "HTTP 404 on /missing" "$DOOR_ERR"
run_door wait "localhost:$h" --http /missing --status 404 --timeout 2s
check_eq "--status 404 makes 404 ready" 0 "$DOOR_RC"
run_door wait "localhost:$h" --http /index.html --json
check "--json reports the status" "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["ready"] is True and d["targets"][0]["http_status"] == 200, d' "$DOOR_OUT"

# --closed: wait until nothing answers any more
stop_at=$(free_port)
sp=$(start_py_listener "$stop_at" 127.0.0.1) || fail "start listener to stop"
( sleep 1; kill "$sp" ) &
run_door wait "$stop_at" --closed --timeout 10s
check_eq "--closed: ready once the server stopped" 0 "$DOOR_RC"
check_match "--closed: says closed" "^closed after" "$DOOR_ERR"

# --any: one open target is enough; all (default) is not satisfied
run_door wait "localhost:$p" "$q" --any --timeout 2s
check_eq "--any: one open target is enough" 0 "$DOOR_RC"
run_door wait "localhost:$p" "$q" --timeout 600ms
check_eq "all: one closed target keeps waiting" 1 "$DOOR_RC"

# usage
run_door wait --timeout 1s
check_eq "no target: exit 2" 2 "$DOOR_RC"
run_door wait "$p" --status 200
check_eq "--status without --http: exit 2" 2 "$DOOR_RC"
run_door wait "$p" --http nope
check_eq "--http path without '/': exit 2" 2 "$DOOR_RC"
run_door wait "$p-$((p + 2))"
check_eq "a range: exit 2" 2 "$DOOR_RC"

finish
