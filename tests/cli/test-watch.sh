#!/usr/bin/env bash
# door watch's event stream (not a terminal, or --json): real listeners
# opened and closed in random order against ss's view, the race between
# the dump and the owner walk, a hand-over to a child, hostile names, a
# reader that goes away, and the signals that stop it. The full-screen
# view is test-watch-tui.sh.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door
dir=$(mk_tmpdir watch)

# ---- usage
run_door watch --interval 10ms
check_eq "--interval below 50ms: usage error" 2 "$DOOR_RC"
run_door watch --interval soon
check_eq "--interval that is no duration: usage error" 2 "$DOOR_RC"
run_door watch notaport
check_eq "a filter that is no port: usage error" 2 "$DOOR_RC"
check_match "...naming the word" "notaport" "$DOOR_ERR"

# ---- --initial: the doors already open come first, as door ls --json has them
p=$(free_port)
pid=$(start_http_server "$p") || finish
out=$(timeout 20 "$DOOR" watch --json --initial "$p" 2>"$dir/err" | head -1)
rc=${PIPESTATUS[0]}
check_eq "--initial | head -1: exit 0 (the reader left)" 0 "$rc"
check_eq "--initial | head -1: nothing on stderr" "" "$(cat "$dir/err")"
record_json watch --json --initial "$p" <<<"$out"
check_eq "--initial: an open event for the open door, its owner the server" \
    "open $p $pid python3" \
    "$(printf '%s' "$out" | "$PY" -c 'import json,sys; e=json.load(sys.stdin); s=e["socket"]; print(e["event"], s["port"], s["owners"][0]["pid"], s["owners"][0]["name"])' 2>&1)"
# uptime_seconds and start_time are worked out from the clock of the moment
# (start_time may differ by a rounding second)
same='[[o.pop(k, None) for k in ("uptime_seconds", "start_time")] for o in d["owners"]]; print(json.dumps(d, sort_keys=True))'
ls_rec=$("$DOOR" ls --json "$p" | "$PY" -c 'import json,sys; d=json.load(sys.stdin)[0]; '"$same")
ev_rec=$(printf '%s' "$out" | "$PY" -c 'import json,sys; d=json.load(sys.stdin)["socket"]; '"$same")
check_eq "the event's socket is the record door ls --json writes" "$ls_rec" "$ev_rec"

# ---- a door that opens after the start: | head -1 ends at once, status 0
q=$(free_port)
( sleep 1.5; exec "$PY" "$LIB_DIR/listener.py" --port "$q" --addr 127.0.0.1 --exit-after 30 ) >/dev/null 2>&1 &
on_exit_kill $!
t0=$(date +%s%N)
out=$(timeout 20 "$DOOR" watch --json --interval 200ms "$q" 2>"$dir/err" | head -1)
rc=${PIPESTATUS[0]}
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "| head -1 on a door that opens later: exit 0" 0 "$rc"
check_eq "| head -1: no error text" "" "$(cat "$dir/err")"
check_match "| head -1: the line is the open event" "^\\{\"event\":\"open\",.*\"port\":$q," "$out"
if [ "$ms" -lt 10000 ]; then pass "| head -1 ends when the reader leaves (${ms} ms)"; else fail "| head -1 ends when the reader leaves" "took ${ms} ms"; fi

# ---- TERM and INT end the stream quietly, status 0
for sig in TERM INT; do
    "$DOOR" watch --json "$q" >/dev/null 2>"$dir/err.$sig" &
    w=$!
    sleep 1
    kill -s "$sig" "$w"
    timeout 10 tail --pid="$w" -f /dev/null
    wait "$w"
    check_eq "SIG$sig: exit 0" 0 "$?"
    check_eq "SIG$sig: nothing on stderr" "" "$(cat "$dir/err.$sig")"
done

# ---- 30 listeners in random order: one open and one close each
ports=()
for _ in $(seq 30); do ports+=("$(free_port)"); done
res=$(timeout 120 "$PY" "$LIB_DIR/watch-events.py" sequence "$DOOR" "${ports[@]}" 2>&1)
val() { printf '%s\n' "$res" | awk -v k="$1" '$1 == k {print $2}'; }
check_eq "30 listeners: door watch was running" yes "$(val door_alive_at_start)"
check_eq "30 listeners: every line is JSON" 0 "$(val bad_lines)"
check_eq "30 listeners: none missed (an open and a close each)" 0 "$(val missing)"
check_eq "30 listeners: none twice" 0 "$(val duplicates)"
check_eq "30 listeners: open before close, per inode" 0 "$(val out_of_order)"
check_eq "30 listeners: no event for a socket that was not there" 0 "$(val foreign)"
check_eq "30 listeners: the owner of every open is the process that bound it" 0 "$(val wrong_owner)"
check_eq "30 listeners: every socket ss saw is in the stream" 0 "$(val ss_unseen)"
check_eq "30 listeners: ss saw nothing else on those ports" 0 "$(val ss_foreign)"
check_eq "30 listeners: door watch stopped by TERM with status 0" 0 "$(val door_rc)"
diag "30 listeners: $(val events) events, $(val ss_seen) seen by ss, median latency $(val latency_median_ms) ms at --interval 200ms"
[ "$(val sockets)" = 30 ] && [ "$(val missing)" = 0 ] || diag "$res" "(load: $(cut -d' ' -f1-3 /proc/loadavg))"

# ---- the dump/walk race: processes that exit at once never get a wrong owner
c=$(free_port)
res=$(timeout 120 "$PY" "$LIB_DIR/watch-events.py" churn "$DOOR" "$c" 2>&1)
check_eq "churn, 40 rounds: door watch was running" yes "$(val door_alive_at_start)"
check_eq "churn: every line is JSON" 0 "$(val bad_lines)"
check_eq "churn: no owner that was not the holder (pid and start time)" 0 "$(val wrong_owner)"
check_eq "churn: as many closes as opens" "$(val opens)" "$(val closes)"
o=$(val opens)
if [ "${o:-0}" -ge 1 ]; then pass "churn: some of the short lives were seen ($o)"; else fail "churn: some of the short lives were seen" "$res"; fi
diag "churn: $(val opens) opens seen of 40 short lives, $(val owners_named) owners named"

# ---- a parent hands its socket to a child and leaves: an owner event
h=$(free_port)
res=$(timeout 60 "$PY" "$LIB_DIR/watch-events.py" owner "$DOOR" "$h" 2>&1)
check_eq "hand-over: every line is JSON" 0 "$(val bad_lines)"
check_match "hand-over: open, owner, close" "^open,(owner,)+close$" "$(val kinds)"
check_eq "hand-over: the owner event names the child, and the parent before it" yes "$(val handed_over)"

# ---- hostile names: every line stays one valid JSON object
x=$(free_port)
long=$(printf 'A%.0s' $(seq 4096))
# the long hostile text rides in the command line as raw bytes
banner=$(printf '\e]0;pwned\a%s\xfe' "$long")
start_py_listener "$x" 127.0.0.1 --name '\e[31mred\nx\xff' --banner "$banner" >/dev/null || finish
out=$(timeout 20 "$DOOR" watch --json --initial "$x" | head -1)
record_json watch --json --initial "$x" <<<"$out"
check_eq "hostile name: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
check_eq "hostile name: valid JSON, the name as the kernel has it (escapes as text)" \
    "$(printf '\e[31mred\nx\xef\xbf\xbd' | "$PY" -c 'import sys; print(repr(sys.stdin.buffer.read().decode()))')" \
    "$(printf '%s' "$out" | "$PY" -c 'import json,sys; print(repr(json.load(sys.stdin)["socket"]["owners"][0]["name"]))' 2>&1)"
check_nomatch "hostile name: no raw ESC byte in the stream" $'\e' "$out"
check_eq "hostile name: the 4 KiB command line is there, whole" "4096 False" \
    "$(printf '%s' "$out" | "$PY" -c 'import json,sys; o=json.load(sys.stdin)["socket"]["owners"][0]; print(max(a.count("A") for a in o["cmdline"]), o["cmdline_truncated"])' 2>&1)"

finish
