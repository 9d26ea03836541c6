#!/usr/bin/env bash
# bench/ui.sh - door ui under load, on loopback: SSE event-stream clients
# held open for the whole run while requests go to the table endpoint at
# a fixed rate (bench/ui-load.c, one bounded client); mid-run a listener
# opens and closes, and every stream should get both "change" events.
# Prints what was sent and answered, latency, the streams still connected
# and their events, and door ui's peak RSS (VmHWM) and CPU seconds.
#
#   flock /work/wt/bench.lock bash bench/ui.sh
#   SSE=200 RATE=1000 DURATION=20 UI_PATH=/api/doors DOOR=./door bench/ui.sh
#
# On demand, not in the suite. Everything stops on exit (a trap), and the
# client stops itself DURATION + 60 s after it starts whatever happens.
set -eu

cd "$(dirname "$0")/.."
DOOR=${DOOR:-./door}
SSE=${SSE:-200}
RATE=${RATE:-1000}
DURATION=${DURATION:-20}
UI_PATH=${UI_PATH:-/api/doors}
MAXCONN=${MAXCONN:-256}
BENCH_OUT=${BENCH_OUT:-$(mktemp -d /tmp/door-bench-ui.XXXXXX)}
mkdir -p "$BENCH_OUT"

[ -x "$DOOR" ] || { echo "bench/ui.sh: no door binary at $DOOR (make, or DOOR=...)" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench/ui.sh: needs curl" >&2; exit 1; }
make -s -C bench ui-load >/dev/null

ui_pid=
# shellcheck disable=SC2317  # run by the trap
cleanup() {
    if [ -n "$ui_pid" ] && kill -0 "$ui_pid" 2>/dev/null; then
        kill -TERM "$ui_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$ui_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$ui_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# the streams and the request connections, and some room
need=$((SSE + MAXCONN + 64))
[ "$(ulimit -n)" -ge "$need" ] || ulimit -n "$need"

"$DOOR" ui >"$BENCH_OUT/ui.out" 2>"$BENCH_OUT/ui.err" </dev/null &
ui_pid=$!
for _ in $(seq 300); do [ -s "$BENCH_OUT/ui.out" ] && break; sleep 0.1; done
url=$(head -n 1 "$BENCH_OUT/ui.out")
case $url in
    http://127.0.0.1:*/\?token=*) ;;
    *) echo "bench/ui.sh: door ui printed no URL:" >&2; cat "$BENCH_OUT/ui.err" >&2; exit 1 ;;
esac
port=${url#http://127.0.0.1:}
port=${port%%/*}
DOOR_UI_TOKEN=${url##*token=}
export DOOR_UI_TOKEN
cookie="Cookie: door_ui_$port=$DOOR_UI_TOKEN"

hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

table=$(curl --noproxy '*' -sS --max-time 60 -H "$cookie" "http://127.0.0.1:$port$UI_PATH")
nsock=$(printf '%s' "$table" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo "?")
nproc_now=$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)
t_table=$(curl --noproxy '*' -sS --max-time 60 -o /dev/null -w '%{time_total}' -H "$cookie" "http://127.0.0.1:$port$UI_PATH")

{
    echo "door ui load: $(date -u +%FT%TZ), $(nproc) cores, kernel $(uname -r)"
    echo "door: $DOOR ($("$DOOR" --version 2>/dev/null | head -n 1), $(sha256sum "$DOOR" | cut -c1-12)), port $port; this checkout: $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "machine: $nproc_now processes; $UI_PATH has $nsock sockets; one request alone: $(awk -v t="$t_table" 'BEGIN {printf "%.1f", t * 1000}') ms"
    echo "load: $SSE event streams held open; $RATE requests/s to $UI_PATH for $DURATION s (at most $MAXCONN connections)"
    echo "uptime before: $(uptime)"
} | tee "$BENCH_OUT/summary.txt"

c0=$(cpu_ticks "$ui_pid")
set +e
/usr/bin/time -f 'client: %U s user, %S s system, %M KiB max RSS' -o "$BENCH_OUT/client.time" \
    bench/ui-load -p "$port" -s "$SSE" -r "$RATE" -d "$DURATION" -u "$UI_PATH" -c "$MAXCONN" \
    >"$BENCH_OUT/load.txt" 2>"$BENCH_OUT/load.err"
rc=$?
set -e
c1=$(cpu_ticks "$ui_pid")
up_after=$(uptime)
{
    cat "$BENCH_OUT/load.txt"
    [ -s "$BENCH_OUT/load.err" ] && sed 's/^/client stderr: /' "$BENCH_OUT/load.err"
    [ "$rc" -eq 0 ] || echo "client exit status: $rc"
    echo "door ui: peak RSS (VmHWM) $(status_kb "$ui_pid" VmHWM) KiB, RSS now $(status_kb "$ui_pid" VmRSS) KiB, $(status_kb "$ui_pid" Threads) threads"
    echo "door ui: CPU $(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN {printf "%.2f", (b - a) / hz}') s during the run, $(awk -v b="$c1" -v hz="$hz" 'BEGIN {printf "%.2f", b / hz}') s in all (user + system)"
    cat "$BENCH_OUT/client.time" 2>/dev/null
    echo "uptime after: $up_after"
} | tee -a "$BENCH_OUT/summary.txt"
kill -0 "$ui_pid" 2>/dev/null || { echo "door ui died during the run" | tee -a "$BENCH_OUT/summary.txt"; exit 1; }
echo "output: $BENCH_OUT"
exit "$rc"
