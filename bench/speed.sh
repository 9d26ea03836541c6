#!/usr/bin/env bash
# bench/speed.sh - issue 13's speed goals, measured in one run, each door
# figure beside its anchor (ss) timed in the same hyperfine invocation.
#
#   bench/speed.sh [idle|medium|large|all]...      (default: all)
#
#   idle    door who on a silent listener, no load (goal: <= 350 ms), and
#           door explain on a real Node.js EADDRINUSE (goal: < 1 s)
#   medium  door who on a silent listener / ss -ltnp sport  (goal <= 0.5)
#   large   door ls / ss -ltunp                              (goal <= 0.3)
#           door who / ss -ltnp sport, the owner in a crowded cgroup
#                                                            (goal <= 0.2)
#           peak RSS door ls --json / ss -ltunp              (goal <= 1.0)
#           and bench/walkcost on the same load (io_uring or not)
#
# Environment:
#   DOOR=path        door binary, relative to the repo root (default ./door)
#   RUNS=N           hyperfine runs (default: idle, medium 10; large 5)
#   WARMUP=N         hyperfine warmup runs (default 2; large 1)
#   MEM_RUNS=N       /usr/bin/time runs per peak-RSS median (default 5)
#   WALK_REPS=N      walkcost repetitions (default 5; 0 skips walkcost)
#   BENCH_OUT=dir    where JSON and logs go (default: a new /tmp dir)
#   BENCH_LOCK=file  the lock every benchmark takes (default
#                    /work/wt/bench.lock, else /tmp/door-bench.lock)
#   BASE_PORT=N      first port loadgen uses (default 20000)
#   HOLD=S           lifetime cap of every helper process (default 1800)
#   BENCH_TIMEOUT=S  cap on one hyperfine invocation (default 1800)
#   OTHER_USER=name  the crowded cgroup's other-uid owner (default nobody)
#   LARGE_P=N LARGE_F=N  the large load's processes and extra fds (default
#                    1000 and 1000; smaller only to try the script out)
set -euo pipefail
cd "$(dirname "$0")/.."

# One benchmark at a time on this machine: the whole script holds the lock.
if [ -z "${SPEED_LOCKED:-}" ]; then
	lock=${BENCH_LOCK:-}
	if [ -z "$lock" ]; then
		if [ -d /work/wt ]; then lock=/work/wt/bench.lock
		else lock=/tmp/door-bench.lock; fi
	fi
	command -v flock >/dev/null || { echo "speed.sh: flock (util-linux) is needed" >&2; exit 1; }
	# say why it waits: a second benchmark, or a flock this run was
	# wrapped in (then it waits forever, on itself)
	if ! flock -n "$lock" true 2>/dev/null; then
		echo "speed.sh: waiting for $lock: another benchmark holds it" \
		    "(speed.sh takes it itself: do not wrap it in flock)" >&2
	fi
	SPEED_LOCKED=$lock exec flock "$lock" "$0" "$@"
fi

DOOR=${DOOR:-./door}
BASE_PORT=${BASE_PORT:-20000}
HOLD=${HOLD:-1800}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1800}
OTHER_USER=${OTHER_USER:-nobody}
MEM_RUNS=${MEM_RUNS:-5}
LARGE_P=${LARGE_P:-1000}
LARGE_F=${LARGE_F:-1000}
WALK_REPS=${WALK_REPS:-5}
READY_TIMEOUT=300
LOADGEN=bench/loadgen
WALKCOST=bench/walkcost

say() { printf '%s\n' "$*"; }
die() { printf 'speed.sh: %s\n' "$*" >&2; exit 1; }

parts=()
for a in "${@:-all}"; do
	case $a in
	all) parts+=(idle medium large) ;;
	idle|medium|large) parts+=("$a") ;;
	-h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown part '$a' (idle, medium, large or all)" ;;
	esac
done

# ---- prerequisites -----------------------------------------------------------
[ -x "$DOOR" ] || die "door binary not found at $DOOR (make, or DOOR=path)"
[ "$(id -u)" = 0 ] || die "run it as root: ss -p sees only your own processes otherwise, and the crowded cgroup needs setuid and cgroup writes"
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v ss >/dev/null || missing+=(iproute2)
[ -x /usr/bin/time ] || missing+=(time)
[ -f /usr/include/liburing.h ] || missing+=(liburing-dev)
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	apt-get install -y -q "${missing[@]}" >/dev/null ||
	    { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; } ||
	    die "cannot install ${missing[*]}"
fi
command -v python3 >/dev/null || die "python3 is needed (the silent listener, the report)"
make -s -C bench loadgen >/dev/null || die "cannot build $LOADGEN"
have_walkcost=1
make -s -C bench walkcost >/dev/null 2>&1 || { have_walkcost=0; say "warning: bench/walkcost does not build (liburing-dev?): skipped" >&2; }
have_node=1
command -v node >/dev/null || { have_node=0; say "warning: no node: the door explain check is skipped" >&2; }

OUT=${BENCH_OUT:-$(mktemp -d /tmp/door-speed.XXXXXX)}
mkdir -p "$OUT"
: >"$OUT/results.tsv"	# kind, name, value(s): read by the report

# ---- cleanup: every helper process goes, whatever ends the script -------------
bg_pids=()	# loadgens, the silent listener, node
cg_dir=
hf_pid=

stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 600; i++)); do	# up to 60 s: loadgen reaps 1000 children
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

stop_all() {
	local pid
	for pid in "${bg_pids[@]}"; do
		stop_pid "$pid"
	done
	bg_pids=()
	if [ -n "$cg_dir" ] && [ -d "$cg_dir" ]; then
		rmdir "$cg_dir" 2>/dev/null || say "speed.sh: could not remove $cg_dir" >&2
	fi
	cg_dir=
}

cleanup() {
	if [ -n "$hf_pid" ]; then
		kill -TERM "$hf_pid" 2>/dev/null || true
		wait "$hf_pid" 2>/dev/null || true
		hf_pid=
	fi
	stop_all
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Waits (bounded) for a file a background helper writes when it is ready.
wait_file() {
	local file=$1 pid=$2 what=$3 i
	for ((i = 0; i < (READY_TIMEOUT + 30) * 10; i++)); do
		[ -s "$file" ] && return 0
		kill -0 "$pid" 2>/dev/null || die "$what exited before it was ready"
		sleep 0.1
	done
	die "$what not ready after ${READY_TIMEOUT}s"
}

# start_loadgen NAME ARGS...: sets lg_ready (a copy of the ready file).
start_loadgen() {
	local name=$1 pid ready=$OUT/$1.ready
	shift
	rm -f "$ready"
	"$LOADGEN" "$@" --ready-file "$ready" --hold "$HOLD" \
	    --ready-timeout "$READY_TIMEOUT" </dev/null >/dev/null \
	    2>"$OUT/$name.loadgen.log" &
	pid=$!
	bg_pids+=("$pid")
	wait_file "$ready" "$pid" "loadgen ($name)" ||
	    { cat "$OUT/$name.loadgen.log" >&2; exit 1; }
	cp "$ready" "$OUT/$name.sockets"	# loadgen removes its ready file
	lg_ready=$OUT/$name.sockets
}

# A listener that accepts and never says a word: door who's probe gets
# nothing and gives up after its budget. Sets silent_port.
start_silent() {
	local portfile=$OUT/silent.port pid
	rm -f "$portfile"
	python3 - "$portfile" "$HOLD" <<'EOF' >/dev/null 2>"$OUT/silent.log" &
import os, select, socket, sys, time
portfile, hold = sys.argv[1], float(sys.argv[2])
deadline = time.monotonic() + hold
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(128)
with open(portfile + ".tmp", "w") as f:
    f.write(f"{s.getsockname()[1]}\n")
os.rename(portfile + ".tmp", portfile)
conns = []
while time.monotonic() < deadline:       # bounded by --hold
    r, _, _ = select.select([s] + conns, [], [], 1.0)
    for x in r:
        if x is s:
            c, _ = s.accept()
            conns.append(c)               # held open, never written to
        else:
            try:
                d = x.recv(4096)
            except OSError:
                d = b""
            if not d:
                conns.remove(x)
                x.close()
    while len(conns) > 512:               # select's limit stays far
        conns.pop(0).close()
EOF
	pid=$!
	bg_pids+=("$pid")
	wait_file "$portfile" "$pid" "the silent listener"
	silent_port=$(cat "$portfile")
}

# A cgroup v2 directory of our own under the machine's cgroup2 mount.
make_cgroup() {
	local mount
	mount=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") {
	    if ($(i + 1) == "cgroup2") print $5; break } }' /proc/self/mountinfo | head -n 1)
	[ -n "$mount" ] || die "no cgroup2 mount in /proc/self/mountinfo"
	cg_dir=$mount/door-speed.$$
	mkdir "$cg_dir"
	cg_rel=${cg_dir#"$mount"}
}

load_line() {
	say "load: $(($(ss -ltn | wc -l) - 1)) tcp listeners, $(($(ss -lun | wc -l) - 1)) udp," \
	    "$(awk '{ print $1 }' /proc/sys/fs/file-nr) open files, $(find /proc -maxdepth 1 -name '[0-9]*' | wc -l) processes;" \
	    "uptime:$(uptime | sed 's/.*load average/ load average/')"
}

# hyperfine NAME RUNS WARMUP -n label cmd ...: one invocation, JSON in
# $OUT/NAME.json; in the background so that a signal reaches the trap.
bench() {
	local name=$1 runs=$2 warmup=$3
	shift 3
	say "-- hyperfine $name: runs $runs, warmup $warmup"
	timeout "$BENCH_TIMEOUT" hyperfine -N --style basic --warmup "$warmup" \
	    --runs "$runs" --output=null --export-json "$OUT/$name.json" "$@" &
	hf_pid=$!
	wait "$hf_pid" || die "hyperfine failed for $name (a command exited non-zero?)"
	hf_pid=
	printf 'hyperfine\t%s\n' "$name" >>"$OUT/results.tsv"
}

# Median peak RSS (KB) over MEM_RUNS runs, into results.tsv as NAME.
peak_rss() {
	local name=$1 f=$OUT/rss.tmp vals=() i
	shift
	for ((i = 0; i < MEM_RUNS; i++)); do
		timeout "$BENCH_TIMEOUT" /usr/bin/time -f %M -o "$f" "$@" >/dev/null 2>&1 ||
		    die "peak RSS: '$*' failed"
		vals+=("$(tail -n 1 "$f")")
	done
	rm -f "$f"
	printf 'rss\t%s\t%s\n' "$name" "${vals[*]}" >>"$OUT/results.tsv"
	say "peak RSS $name (KB): ${vals[*]}"
}

note() { printf 'note\t%s\t%s\n' "$1" "$2" >>"$OUT/results.tsv"; }

# ---- the parts --------------------------------------------------------------------
part_idle() {
	local runs=${RUNS:-10} warmup=${WARMUP:-2} np err line port
	say ""
	say "== idle: no load, one silent listener"
	start_silent
	load_line
	note idle.load "$(uptime | sed 's/.*load average: //')"
	bench idle "$runs" "$warmup" \
	    -n "door who silent" "$DOOR who $silent_port --no-color" \
	    -n "door who --no-probe silent" "$DOOR who $silent_port --no-probe --no-color" \
	    -n "ss -ltnp sport silent" "ss -ltnp 'sport = :$silent_port'"
	"$DOOR" who "$silent_port" --no-color >"$OUT/idle.card" 2>&1 || true
	say "the card:"; sed 's/^/  /' "$OUT/idle.card"
	stop_all

	[ $have_node = 1 ] || return 0
	say ""
	say "== idle: door explain on a real Node.js EADDRINUSE"
	rm -f "$OUT/node.port"
	node -e '
	    const fs = require("fs");
	    const s = require("http").createServer((q, r) => r.end("ok\n"));
	    s.listen(0, () => {
	        fs.writeFileSync(process.argv[1] + ".tmp", s.address().port + "\n");
	        fs.renameSync(process.argv[1] + ".tmp", process.argv[1]);
	    });
	    setTimeout(() => process.exit(0), Number(process.argv[2]) * 1000);
	' "$OUT/node.port" "$HOLD" </dev/null >/dev/null 2>"$OUT/node.log" &
	np=$!
	bg_pids+=("$np")
	wait_file "$OUT/node.port" "$np" "node"
	port=$(cat "$OUT/node.port")
	err=$OUT/node-eaddrinuse.txt
	node -e 'require("http").createServer().listen(Number(process.argv[1]))' \
	    "$port" </dev/null >/dev/null 2>"$err" && die "the second node could listen on $port"
	line=$(grep -m 1 'EADDRINUSE' "$err" | tr -d "'\"") ||
	    die "node printed no EADDRINUSE: $(head -c 300 "$err")"
	say "node says: $line"
	note explain.text "$line"
	bench explain "$runs" "$warmup" \
	    -n "door explain node" "$DOOR explain '$line' --no-color"
	"$DOOR" explain "$line" --no-color >"$OUT/explain.out" 2>&1 || true
	sed 's/^/  /' "$OUT/explain.out"
	stop_all
}

part_medium() {
	local runs=${RUNS:-10} warmup=${WARMUP:-2}
	say ""
	say "== medium: P=200 L=10 F=200 U=1 E=2, plus one silent listener"
	start_loadgen medium -P 200 -L 10 -F 200 -U 1 -E 2 --base-port "$BASE_PORT"
	start_silent
	load_line
	note medium.load "$(uptime | sed 's/.*load average: //')"
	bench medium "$runs" "$warmup" \
	    -n "door who silent" "$DOOR who $silent_port --no-color" \
	    -n "ss -ltnp sport silent" "ss -ltnp 'sport = :$silent_port'" \
	    -n "door who --no-probe silent" "$DOOR who $silent_port --no-probe --no-color"
	stop_all
}

part_large() {
	local runs=${RUNS:-5} warmup=${WARMUP:-1} crowd_port other_port other_pid
	say ""
	say "== large: P=$LARGE_P L=10 F=$LARGE_F U=1 E=2, all in one crowded cgroup"
	make_cgroup
	start_loadgen large -P "$LARGE_P" -L 10 -F "$LARGE_F" -U 1 -E 2 --base-port "$BASE_PORT" \
	    --cgroup "$cg_dir"
	crowd_port=$(awk '$1 == "probe" { print $2; exit }' "$lg_ready")
	# one more listener in the same cgroup, owned by another user
	start_loadgen large-other -P 1 -L 1 -F "$LARGE_F" -U 0 -E 0 \
	    --base-port $((BASE_PORT + 12500)) --uid "$OTHER_USER" \
	    --uid-when before --cgroup "$cg_dir"
	other_port=$(awk '$1 == "probe" { print $2; exit }' "$lg_ready")
	other_pid=$(awk '$1 == "probe" { print $3; exit }' "$lg_ready")
	say "cgroup $cg_rel: $(wc -l <"$cg_dir/cgroup.procs") processes;" \
	    "the crowd's port $crowd_port (root), the other user's port $other_port" \
	    "(pid $other_pid, $(ps -o user= -p "$other_pid"))"
	load_line
	note large.load "$(uptime | sed 's/.*load average: //')"
	note large.cgroup "$(wc -l <"$cg_dir/cgroup.procs") processes in $cg_rel"
	bench large "$runs" "$warmup" \
	    -n "door ls" "$DOOR ls --no-color" \
	    -n "ss -ltunp" "ss -ltunp" \
	    -n "door who other-uid" "$DOOR who $other_port --no-color" \
	    -n "ss -ltnp sport other-uid" "ss -ltnp 'sport = :$other_port'" \
	    -n "door who crowd" "$DOOR who $crowd_port --no-color" \
	    -n "ss -ltnp sport crowd" "ss -ltnp 'sport = :$crowd_port'"
	say "-- peak RSS, median of $MEM_RUNS"
	peak_rss "door ls --json" "$DOOR" ls --json
	peak_rss "ss -ltunp" ss -ltunp
	if [ $have_walkcost = 1 ] && [ "$WALK_REPS" -gt 0 ]; then
		say "-- walkcost, $WALK_REPS repetitions (uptime:$(uptime | sed 's/.*load average/ load average/'))"
		"$WALKCOST" -r "$WALK_REPS" | tee "$OUT/walkcost.txt"
		say "-- walkcost, io_uring with at most 2 io-wq workers"
		"$WALKCOST" -r "$WALK_REPS" -m readlink2,uring -w 2 | tee "$OUT/walkcost-w2.txt"
		note large.walk.load "$(uptime | sed 's/.*load average: //')"
	fi
	stop_all
}

# ---- machine facts ---------------------------------------------------------------
commit=$(git rev-parse --short HEAD 2>/dev/null || echo none)
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null | head -n 1)" ] ||
    commit="$commit (working tree has changes)"
{
	say "date        $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	say "kernel      $(uname -sr)"
	say "cpus        $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	say "door        $DOOR, commit $commit"
	say "tools       $(ss -V), $(hyperfine --version), node $(node --version 2>/dev/null || echo -)"
	say "io_uring    kernel.io_uring_disabled=$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo -)"
	say "uptime     $(uptime)"
	say "output      $OUT"
} | tee "$OUT/machine.txt"

for p in "${parts[@]}"; do
	"part_$p"
done
say ""
say "uptime at the end: $(uptime)"

# ---- the report: medians and ratios, PASS/MISS per goal -----------------------------
python3 - "$OUT" <<'EOF' | tee "$OUT/summary.txt"
import json, os, statistics, sys
out = sys.argv[1]
hf, rss, notes = {}, {}, {}
for line in open(f"{out}/results.tsv"):
    kind, name, *rest = line.rstrip("\n").split("\t")
    if kind == "hyperfine":
        with open(f"{out}/{name}.json") as f:
            for r in json.load(f)["results"]:
                hf[(name, r["command"])] = r
    elif kind == "rss":
        rss[name] = statistics.median(float(v) for v in rest[0].split())
    else:
        notes[name] = rest[0] if rest else ""

def ms(part, cmd):
    r = hf.get((part, cmd))
    return None if r is None else r["median"] * 1000

rows = []   # (goal, what, door, anchor, unit, value, target, kind)
def ratio(goal, what, part, a, b, target):
    x, y = ms(part, a), ms(part, b)
    if x is None or y is None:
        return
    rows.append((goal, what, f"{x:.1f}", f"{y:.1f}", x / y, target, "ratio"))
def absolute(goal, what, part, a, target):
    x = ms(part, a)
    if x is not None:
        rows.append((goal, what, f"{x:.1f}", "-", x, target, "ms"))

absolute("1", "door who silent, idle (ms)", "idle", "door who silent", 350)
ratio("1", "door who silent / ss sport, medium", "medium",
      "door who silent", "ss -ltnp sport silent", 0.5)
ratio("2", "door ls / ss -ltunp, large", "large", "door ls", "ss -ltunp", 0.3)
ratio("3", "door who / ss sport, large, crowded cgroup, owner another uid",
      "large", "door who other-uid", "ss -ltnp sport other-uid", 0.2)
ratio("3", "door who / ss sport, large, crowded cgroup, owner one of the crowd",
      "large", "door who crowd", "ss -ltnp sport crowd", 0.2)
if "door ls --json" in rss and "ss -ltunp" in rss:
    a, b = rss["door ls --json"], rss["ss -ltunp"]
    rows.append(("4", "peak RSS door ls --json / ss -ltunp, large (KB)",
                 f"{a:.0f}", f"{b:.0f}", a / b, 1.0, "ratio"))
absolute("x", "door explain, Node.js EADDRINUSE (ms)", "explain",
         "door explain node", 1000)
# not goals: what the silent door's wait costs, and the walk alone
ratio("-", "door who --no-probe / ss sport, medium", "medium",
      "door who --no-probe silent", "ss -ltnp sport silent", None)
absolute("-", "door who --no-probe silent, idle (ms)", "idle",
         "door who --no-probe silent", None)
absolute("-", "ss -ltnp sport, idle (ms)", "idle", "ss -ltnp sport silent", None)

print("\n== speed (issue 13): medians; ratios are door / anchor, same run")
print(f"{'goal':<5}{'what':<66}{'door':>10}{'anchor':>10}{'value':>9}  target  verdict")
for goal, what, d, an, v, t, kind in rows:
    if t is None:
        tgt, verdict = "", ""
    else:
        op = "<" if goal == "x" else "<="
        tgt = f"{op} {t:g}"
        verdict = "PASS" if (v < t if goal == "x" else v <= t) else "MISS"
    val = f"{v:.3f}" if kind == "ratio" else f"{v:.0f}"
    print(f"{goal:<5}{what:<66}{d:>10}{an:>10}{val:>9}  {tgt:<7} {verdict}")
if ("explain", "door explain node") in hf:
    r = hf[("explain", "door explain node")]
    print(f"     door explain max {r['max'] * 1000:.0f} ms over {len(r['times'])} runs")
print("\nall medians (ms):")
for (part, cmd), r in hf.items():
    print(f"  {part:<8}{cmd:<30}{r['median'] * 1000:>10.1f}  min {r['min'] * 1000:>9.1f}"
          f"  max {r['max'] * 1000:>9.1f}  runs {len(r['times'])}")
for k, v in notes.items():
    print(f"  {k}: {v}")
for f in ("walkcost.txt", "walkcost-w2.txt"):
    p = f"{out}/{f}"
    if os.path.exists(p):
        print(f"\n{f}:")
        print(open(p).read().rstrip())
EOF
