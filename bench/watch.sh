#!/usr/bin/env bash
# bench/watch.sh - what door watch costs, side by side with the tools it
# replaces, in one run (issue 10's goals, printed as ratios):
#
#   1. CPU over CPU_SECONDS (60) on the medium load (bench/run.sh's: 200
#      processes x 10 listeners, 200 fds each): door watch --json against
#      watch -n1 ss -ltnp (in a tmux pane, as a person runs it), both
#      started together; utime+stime (+ reaped children, for watch) from
#      /proc/PID/stat. Goal: door / watch <= 0.2.
#   2. Latency: CYCLES (50) listeners opened and closed on the medium load,
#      each reported within interval + 100 ms (median). Goal: <= 1100 ms
#      at the default 1 s interval.
#   3. Peak RSS on the large load (1,000 x 10 listeners, 1M fds): door
#      watch --json for 15 s against one door ls. Goal: <= 1.2.
#
# Usage: bench/watch.sh [cpu] [latency] [rss]   (default: all three)
# Needs root (ss -p sees everyone), tmux, procps' watch, GNU time.
set -u
cd "$(dirname "$0")/.." || exit 1
DOOR=${DOOR:-./door}
CPU_SECONDS=${CPU_SECONDS:-60}
CYCLES=${CYCLES:-50}
BASE_PORT=${BASE_PORT:-20000}
OUT=$(mktemp -d /tmp/door-bench-watch.XXXXXX)
say() { printf '%s\n' "$*"; }
die() { printf 'watch.sh: %s\n' "$*" >&2; exit 1; }

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(cpu latency rss)
[ -x "$DOOR" ] || die "no door binary at $DOOR (make, or DOOR=...)"
for t in tmux watch ss python3 /usr/bin/time; do
	command -v "$t" >/dev/null || die "needs $t (apt-get install tmux procps iproute2 time)"
done
make -s -C bench loadgen >/dev/null || die "cannot build bench/loadgen"

lg_pid=
tmux_sock=$OUT/tmux.sock
cleanup() {
	tmux -S "$tmux_sock" kill-server 2>/dev/null
	if [ -n "$lg_pid" ]; then
		kill -TERM "$lg_pid" 2>/dev/null
		for ((i = 0; i < 600; i++)); do kill -0 "$lg_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$lg_pid" 2>/dev/null
		wait "$lg_pid" 2>/dev/null
		lg_pid=
	fi
	rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

load() {     # load P L F
	local ready=$OUT/ready i
	rm -f "$ready"
	bench/loadgen -P "$1" -L "$2" -F "$3" -U 1 -E 2 --base-port "$BASE_PORT" \
	    --ready-file "$ready" --hold 1800 --ready-timeout 300 </dev/null >/dev/null 2>"$OUT/loadgen.log" &
	lg_pid=$!
	for ((i = 0; i < 3300; i++)); do
		[ -f "$ready" ] && break
		kill -0 "$lg_pid" 2>/dev/null || { cat "$OUT/loadgen.log" >&2; die "loadgen died"; }
		sleep 0.1
	done
	[ -f "$ready" ] || die "loadgen not ready"
	say "load: P=$1 L=$2 F=$3: $(($(ss -ltn | wc -l) - 1)) tcp listeners, $(awk '{print $1}' /proc/sys/fs/file-nr) open files; load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
unload() {
	cleanup
	OUT=$(mktemp -d /tmp/door-bench-watch.XXXXXX)
	tmux_sock=$OUT/tmux.sock
}

# utime + stime (+ cutime + cstime with "children") of PID, in clock ticks
cpu_ticks() {
	awk -v kids="${2:-}" '{ sub(/^.*\) /, ""); t = $12 + $13; if (kids != "") t += $14 + $15; print t }' "/proc/$1/stat"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

declare -A result
cpu_part() {
	local dpid wpid d0 w0 d1 w1 hz
	hz=$(getconf CLK_TCK)
	say "-- cpu: ${CPU_SECONDS}s side by side"
	tmux -S "$tmux_sock" -f /dev/null new-session -d -x 200 -y 50 "watch -n1 ss -ltnp" || die "tmux"
	"$DOOR" watch --json >/dev/null 2>&1 &
	dpid=$!
	sleep 0.5
	wpid=$(pgrep -P "$(tmux -S "$tmux_sock" display -p '#{pane_pid}')" -x watch || tmux -S "$tmux_sock" display -p '#{pane_pid}')
	# the pane's process is watch itself when tmux execs it
	[ "$(cat "/proc/$wpid/comm" 2>/dev/null)" = watch ] || wpid=$(tmux -S "$tmux_sock" display -p '#{pane_pid}')
	# from the start of both: door's first look, which walks every
	# owner once, is counted
	d0=0 w0=0
	sleep "$((CPU_SECONDS))"
	d1=$(cpu_ticks "$dpid") w1=$(cpu_ticks "$wpid" kids)
	kill -TERM "$dpid"; wait "$dpid" 2>/dev/null
	tmux -S "$tmux_sock" kill-server 2>/dev/null
	result[cpu_door]=$(awk -v a="$d0" -v b="$d1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
	result[cpu_watch]=$(awk -v a="$w0" -v b="$w1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
	result[cpu_ratio]=$(awk -v d="${result[cpu_door]}" -v w="${result[cpu_watch]}" 'BEGIN { printf "%.3f", (w > 0 ? d / w : 0) }')
	say "door watch --json: ${result[cpu_door]} s CPU; watch -n1 ss -ltnp: ${result[cpu_watch]} s CPU; ratio ${result[cpu_ratio]} (goal <= 0.2)"
}

latency_part() {
	local port r
	port=$(free_port)
	say "-- latency: $CYCLES open/close cycles on 127.0.0.1:$port, --interval 1s"
	r=$(python3 bench/watch-latency.py "$DOOR" "$port" "$CYCLES" 1000)
	say "$r (goal: median <= 1100 ms)"
	result[lat_open]=$(awk '{print $2}' <<<"$r")
	result[lat_close]=$(awk '{print $4}' <<<"$r")
	result[lat_missed]=$(awk '{print $8}' <<<"$r")
}

rss_part() {
	local f=$OUT/rss ls_kb w_kb
	say "-- peak RSS on this load"
	/usr/bin/time -f %M -o "$f" "$DOOR" ls >/dev/null 2>&1
	ls_kb=$(tail -1 "$f")
	/usr/bin/time -f %M -o "$f" timeout -s TERM 15 "$DOOR" watch --json >/dev/null 2>&1
	w_kb=$(tail -1 "$f")
	result[rss_ls]=$ls_kb
	result[rss_watch]=$w_kb
	result[rss_ratio]=$(awk -v a="$w_kb" -v b="$ls_kb" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	say "door watch --json 15 s: $w_kb KB; door ls: $ls_kb KB; ratio ${result[rss_ratio]} (goal <= 1.2)"
}

say "door watch bench: $(date -u +%FT%TZ), $(uname -r), $(nproc) cores, $($DOOR --version 2>&1 | head -1)"
for p in "${parts[@]}"; do
	case $p in
	cpu) load 200 10 200; cpu_part; unload ;;
	latency) load 200 10 200; latency_part; unload ;;
	rss) load 1000 10 1000; rss_part; unload ;;
	*) die "unknown part '$p' (cpu, latency, rss)" ;;
	esac
done
say ""
say "== summary"
verdict() { awk -v v="$1" -v g="$2" 'BEGIN { print (v != "" && v + 0 <= g + 0) ? "PASS" : "MISS" }'; }
[ -n "${result[cpu_ratio]:-}" ] && say "cpu   door watch / watch -n1 ss -ltnp   ${result[cpu_ratio]}   $(verdict "${result[cpu_ratio]}" 0.2) (<= 0.2)"
[ -n "${result[lat_open]:-}" ] && say "lat   open ${result[lat_open]} ms, close ${result[lat_close]} ms, missed ${result[lat_missed]}   $(verdict "$(( result[lat_open] > result[lat_close] ? result[lat_open] : result[lat_close] ))" 1100) (<= 1100 ms)"
[ -n "${result[rss_ratio]:-}" ] && say "rss   door watch / door ls (large)   ${result[rss_ratio]}   $(verdict "${result[rss_ratio]}" 1.2) (<= 1.2)"
exit 0
