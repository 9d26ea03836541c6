#!/usr/bin/env bash
# bench/run.sh - door against ss, lsof and fuser, under socket load.
#
#   bench/run.sh [small|medium|large|realistic|all]...    (default: all)
#
# Environment:
#   DOOR=path        door binary, relative to the repo root (default ./door)
#   SKIP_DOOR=1      time the anchors only (no door binary needed)
#   RUNS=N           hyperfine runs for every scenario (default per scenario)
#   WARMUP=N         hyperfine warmup runs (default 2)
#   MEM_RUNS=N       /usr/bin/time runs per peak-memory figure (default 5, large 3)
#   BENCH_OUT=dir    where JSON, logs and the summary go (default: a new /tmp dir)
#   BASE_PORT=N      first port loadgen uses (default 20000)
#   UDP=N EST=N      UDP sockets and established pairs per process (default 1, 2)
#   HOLD=S           loadgen lifetime cap in seconds (default 1800)
#   BENCH_TIMEOUT=S  cap on one hyperfine invocation (default 1800)
#   OTHER_USER=name  owner of the realistic scenario's special process (nobody)
#   HYPERFINE_OPTS   extra hyperfine options (e.g. "--style basic")
set -euo pipefail
cd "$(dirname "$0")/.."

DOOR=${DOOR:-./door}
SKIP_DOOR=${SKIP_DOOR:-0}
WARMUP=${WARMUP:-2}
BASE_PORT=${BASE_PORT:-20000}
UDP=${UDP:-1}
EST=${EST:-2}
HOLD=${HOLD:-1800}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1800}
OTHER_USER=${OTHER_USER:-nobody}
READY_TIMEOUT=300
LOADGEN=bench/loadgen

say() { printf '%s\n' "$*"; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

# ---- arguments -------------------------------------------------------------
scenarios=()
for a in "${@:-all}"; do
	case $a in
	all) scenarios+=(small medium large realistic) ;;
	small|medium|large|realistic) scenarios+=("$a") ;;
	-h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown scenario '$a' (small, medium, large, realistic or all)" ;;
	esac
done

# ---- prerequisites ---------------------------------------------------------
if [ "$SKIP_DOOR" != 1 ]; then
	if [ ! -x "$DOOR" ]; then
		die "door binary not found at $DOOR (build it, set DOOR=path, or SKIP_DOOR=1 for the anchors only)"
	fi
fi
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v ss >/dev/null || missing+=(iproute2)
command -v lsof >/dev/null || missing+=(lsof)
command -v fuser >/dev/null || missing+=(psmisc)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		say "installing ${missing[*]}"
		apt-get install -y -q "${missing[@]}" >/dev/null ||
		    { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; } ||
		    die "cannot install ${missing[*]}"
	else
		die "missing packages: ${missing[*]} (apt-get install -y ${missing[*]})"
	fi
fi
command -v python3 >/dev/null || die "python3 is needed to read hyperfine's JSON"
if [ "$(id -u)" != 0 ]; then
	say "warning: not root: ss -p, lsof and fuser see only your own processes;" \
	    "the realistic scenario is skipped" >&2
fi
make -s -C bench loadgen >/dev/null || die "cannot build $LOADGEN"

OUT=${BENCH_OUT:-$(mktemp -d /tmp/door-bench.XXXXXX)}
mkdir -p "$OUT"

# ---- cleanup ---------------------------------------------------------------
lg_pids=()
cg_dir=
hf_pid=

# Stops one loadgen: SIGTERM, up to 60s for it to take its children down.
stop_loadgen() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 600; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local pid
	if [ -n "$hf_pid" ]; then
		kill -TERM "$hf_pid" 2>/dev/null || true
		wait "$hf_pid" 2>/dev/null || true
		hf_pid=
	fi
	for pid in "${lg_pids[@]}"; do
		stop_loadgen "$pid"
	done
	lg_pids=()
	if [ -n "$cg_dir" ] && [ -d "$cg_dir" ]; then
		rmdir "$cg_dir" 2>/dev/null || say "run.sh: could not remove $cg_dir" >&2
	fi
	cg_dir=
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts loadgen in the background; waits for its ready file.
# start_loadgen NAME ARGS... ; sets lg_ready to the ready file.
start_loadgen() {
	local name=$1 pid i
	shift
	lg_ready=$OUT/$name.ready
	rm -f "$lg_ready"
	"$LOADGEN" "$@" --ready-file "$lg_ready" --hold "$HOLD" \
	    --ready-timeout "$READY_TIMEOUT" </dev/null >/dev/null \
	    2>"$OUT/$name.loadgen.log" &
	pid=$!
	lg_pids+=("$pid")
	for ((i = 0; i < (READY_TIMEOUT + 30) * 10; i++)); do
		[ -f "$lg_ready" ] && break
		if ! kill -0 "$pid" 2>/dev/null; then
			cat "$OUT/$name.loadgen.log" >&2
			die "loadgen ($name) exited before it was ready"
		fi
		sleep 0.1
	done
	[ -f "$lg_ready" ] || die "loadgen ($name) not ready after ${READY_TIMEOUT}s"
	cp "$lg_ready" "$OUT/$name.sockets"	# loadgen removes its ready file
}

# Checks the load is really there: listener count and one child's fds.
verify_load() {
	local ready=$1 want_tcp=$2 have_tcp pid want_fds have_fds
	have_tcp=$(awk '$3 == "tcp"' "$ready" | wc -l)
	[ "$have_tcp" -eq "$want_tcp" ] ||
	    die "ready file lists $have_tcp listeners, expected $want_tcp"
	pid=$(awk '$3 == "tcp" { p = $1 } END { print p }' "$ready")
	want_fds=$(sed -n 's/.*fds_per_child=\([0-9]*\).*/\1/p' "$ready")
	have_fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
	[ "$have_fds" -eq "$want_fds" ] ||
	    die "pid $pid holds $have_fds fds, expected $want_fds"
}

# ---- measurements ----------------------------------------------------------
# Median peak RSS (KB) of a command over MEM_RUNS runs; "-" if it fails.
peak_rss() {
	local f=$OUT/rss.$$ vals=() i
	for ((i = 0; i < mem_runs; i++)); do
		if timeout "$BENCH_TIMEOUT" /usr/bin/time -f %M -o "$f" "$@" \
		    >/dev/null 2>&1; then
			vals+=("$(tail -n 1 "$f")")
		else
			rm -f "$f"
			echo -
			return
		fi
	done
	rm -f "$f"
	printf '%s\n' "${vals[@]}" | sort -n | awk '{ v[NR] = $1 }
	    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

run_scenario() {
	local name=$1 P L F runs port probe_pid json ok=1 realistic=0 cgmount
	local -a cmds=()
	case $name in
	small)     P=20   L=5  F=50   runs=20 mem_runs=5 ;;
	medium)    P=200  L=10 F=200  runs=10 mem_runs=5 ;;
	large)     P=1000 L=10 F=1000 runs=3  mem_runs=3 ;;
	realistic) P=200  L=10 F=200  runs=10 mem_runs=5 realistic=1 ;;
	esac
	runs=${RUNS:-$runs}
	mem_runs=${MEM_RUNS:-$mem_runs}
	say ""
	say "== $name: P=$P L=$L F=$F U=$UDP E=$EST$([ $realistic = 1 ] &&
	    echo ", plus one listener owned by $OTHER_USER in its own cgroup")"
	if [ $realistic = 1 ] && [ "$(id -u)" != 0 ]; then
		say "skipped: needs root (setuid, cgroup)"
		return 0
	fi

	start_loadgen "$name" -P "$P" -L "$L" -F "$F" -U "$UDP" -E "$EST" \
	    --base-port "$BASE_PORT"
	verify_load "$lg_ready" $((P * L))
	port=$(awk '$1 == "probe" { print $2; exit }' "$lg_ready")
	probe_pid=$(awk '$1 == "probe" { print $3; exit }' "$lg_ready")
	if [ $realistic = 1 ]; then
		cgmount=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") {
		    if ($(i + 1) == "cgroup2") print $5; break } }' \
		    /proc/self/mountinfo | head -n 1)
		[ -n "$cgmount" ] || die "no cgroup2 mount in /proc/self/mountinfo"
		cg_dir=$cgmount/door-bench.$$
		mkdir "$cg_dir"
		start_loadgen "$name-special" -P 1 -L 1 -F "$F" -U 0 -E 0 \
		    --base-port $((BASE_PORT + 12500)) --uid "$OTHER_USER" \
		    --uid-when before --cgroup "$cg_dir"
		verify_load "$lg_ready" 1
		port=$(awk '$1 == "probe" { print $2; exit }' "$lg_ready")
		probe_pid=$(awk '$1 == "probe" { print $3; exit }' "$lg_ready")
		say "special: pid $probe_pid, user $(ps -o user= -p "$probe_pid"), cgroup ${cg_dir#"$cgmount"}, port $port"
	fi
	say "load up (whole machine): $(($(ss -ltn | wc -l) - 1)) tcp listeners," \
	    "$(($(ss -lun | wc -l) - 1)) udp, $(awk '{ print $1 }' /proc/sys/fs/file-nr) open files;" \
	    "who/sport port $port (pid $probe_pid)"

	if [ "$SKIP_DOOR" != 1 ]; then
		cmds+=(-n "door ls" "$DOOR ls --no-color"
		    -n "door who" "$DOOR who $port --no-color"
		    -n "door ls --no-owners" "$DOOR ls --no-owners --no-color")
	fi
	cmds+=(-n "ss -ltunp" "ss -ltunp"
	    -n "ss -ltn" "ss -ltn"
	    -n "ss -ltnp sport" "ss -ltnp 'sport = :$port'"
	    -n "lsof listen" "lsof -nP -iTCP -sTCP:LISTEN"
	    -n "lsof port" "lsof -nP -iTCP:$port"
	    -n "fuser port" "fuser -n tcp $port")
	json=$OUT/$name.json
	# In the background, so that a signal reaches our trap at once.
	# shellcheck disable=SC2086
	timeout "$BENCH_TIMEOUT" hyperfine -N --warmup "$WARMUP" \
	    --runs "$runs" --output=null --export-json "$json" \
	    ${HYPERFINE_OPTS:-} "${cmds[@]}" &
	hf_pid=$!
	if ! wait "$hf_pid"; then
		say "hyperfine failed for $name (a command exited non-zero?)" >&2
		ok=0
	fi
	hf_pid=

	say "peak memory (median of $mem_runs runs)..."
	{
		if [ "$SKIP_DOOR" != 1 ]; then
			printf 'door ls\t%s\n' "$(peak_rss "$DOOR" ls --no-color)"
			printf 'door ls --no-owners\t%s\n' \
			    "$(peak_rss "$DOOR" ls --no-owners --no-color)"
		fi
		printf 'ss -ltunp\t%s\n' "$(peak_rss ss -ltunp)"
		printf 'ss -ltn\t%s\n' "$(peak_rss ss -ltn)"
	} >"$OUT/$name.rss"

	for pid in "${lg_pids[@]}"; do
		stop_loadgen "$pid"
	done
	lg_pids=()
	if [ -n "$cg_dir" ]; then
		rmdir "$cg_dir" 2>/dev/null || true
		cg_dir=
	fi
	[ $ok = 1 ] || return 0
	report "$name" "P=$P L=$L F=$F U=$UDP E=$EST" | tee "$OUT/$name.txt"
	done_scenarios+=("$name")
}

# Prints one scenario's table from its hyperfine JSON and RSS file.
report() {
	python3 - "$OUT" "$1" "$2" <<'EOF'
import json, sys
out, name, load = sys.argv[1:4]
with open(f"{out}/{name}.json") as f:
    res = {r["command"]: r for r in json.load(f)["results"]}
rss = {}
with open(f"{out}/{name}.rss") as f:
    for line in f:
        k, v = line.rstrip("\n").split("\t")
        rss[k] = None if v == "-" else float(v)

def med(k):
    return res[k]["median"] * 1000 if k in res else None

print(f"\n{name} ({load}): times in ms")
print(f"  {'command':<22}{'median':>10}{'mean':>10}{'stddev':>9}{'min':>10}{'max':>10}{'runs':>6}")
for k, r in res.items():
    print(f"  {k:<22}{r['median']*1000:>10.2f}{r['mean']*1000:>10.2f}"
          f"{r['stddev']*1000 if r['stddev'] is not None else 0:>9.2f}"
          f"{r['min']*1000:>10.2f}{r['max']*1000:>10.2f}{len(r['times']):>6}")

# (label, door, anchor, {scenario: target})
ratios = [
    ("door ls / ss -ltunp", "door ls", "ss -ltunp", {"medium": 0.5, "large": 0.5}),
    ("door who / ss -ltnp sport", "door who", "ss -ltnp sport", {"large": 0.5, "realistic": 0.1}),
    ("door ls --no-owners / ss -ltn", "door ls --no-owners", "ss -ltn",
     {s: 1.0 for s in ("small", "medium", "large", "realistic")}),
    ("door ls / lsof listen", "door ls", "lsof listen", {}),
    ("door who / lsof port", "door who", "lsof port", {}),
    ("door who / fuser port", "door who", "fuser port", {}),
]
summary = {"scenario": name, "load": load,
           "median_ms": {k: med(k) for k in res}, "ratios": {}, "rss_kb": rss}

def verdict(v, t):
    if t is None:
        return ""
    return f"<= {t:<4}  {'PASS' if v <= t else 'FAIL'}"

if "door ls" in res:
    print(f"  {'ratio (medians)':<34}{'value':>8}   target")
    for label, a, b, targets in ratios:
        if a in res and b in res:
            v = med(a) / med(b)
            t = targets.get(name)
            summary["ratios"][label] = {"value": v, "target": t}
            print(f"  {label:<34}{v:>8.3f}   {verdict(v, t)}")
print("  peak RSS (KB, median)")
for k, v in rss.items():
    print(f"  {k:<34}{'-' if v is None else f'{v:>8.0f}'}")
for a, b in (("door ls", "ss -ltunp"), ("door ls --no-owners", "ss -ltn")):
    if rss.get(a) and rss.get(b):
        v = rss[a] / rss[b]
        summary["ratios"][f"RSS {a} / {b}"] = {"value": v, "target": 1.0}
        print(f"  {'RSS ' + a + ' / ' + b:<34}{v:>8.3f}   {verdict(v, 1.0)}")
with open(f"{out}/{name}.summary.json", "w") as f:
    json.dump(summary, f, indent=1)
EOF
}

# ---- machine facts -----------------------------------------------------------
facts() {
	local commit
	commit=$(git rev-parse --short HEAD 2>/dev/null || echo "none (no commits yet)")
	if [ -n "$(git status --porcelain 2>/dev/null | head -n 1)" ]; then
		commit="$commit (working tree has changes)"
	fi
	say "date        $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	say "cpus        $(nproc)"
	say "cpu         $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	say "memory      $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	say "kernel      $(uname -sr)"
	say "os          $(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null)"
	say "door        $DOOR$([ "$SKIP_DOOR" = 1 ] && echo " (skipped)"), commit $commit"
	say "tools       $(ss -V), lsof $(lsof -v 2>&1 | sed -n 's/^ *revision: *//p' | head -n 1), $(fuser -V 2>&1 | head -n 1), $(hyperfine --version)"
	say "limits      ulimit -n $(ulimit -n) (hard $(ulimit -Hn)), fs.nr_open $(cat /proc/sys/fs/nr_open), fs.file-max $(cat /proc/sys/fs/file-max)"
	say "hyperfine   -N --warmup $WARMUP, runs: ${RUNS:-per scenario}; output in $OUT"
}

done_scenarios=()
facts | tee "$OUT/machine.txt"
for s in "${scenarios[@]}"; do
	run_scenario "$s"
done

# ---- summary across scenarios ---------------------------------------------------
say ""
say "== summary (median ms; ratios are door / anchor)"
python3 - "$OUT" "${done_scenarios[@]}" <<'EOF' | tee "$OUT/summary.txt"
import json, sys
out, names = sys.argv[1], sys.argv[2:]
rows = {}
for n in names:
    with open(f"{out}/{n}.summary.json") as f:
        rows[n] = json.load(f)
if not rows:
    print("  no scenario completed")
    sys.exit(0)
cmds = []
for r in rows.values():
    for k in r["median_ms"]:
        if k not in cmds:
            cmds.append(k)
print(f"  {'':<34}" + "".join(f"{n:>12}" for n in rows))
for k in cmds:
    vals = [rows[n]["median_ms"].get(k) for n in rows]
    print(f"  {k:<34}" + "".join(f"{v:>12.2f}" if v is not None else f"{'-':>12}" for v in vals))
labels = []
for r in rows.values():
    for k in r["ratios"]:
        if k not in labels:
            labels.append(k)
for k in labels:
    cells = []
    for n in rows:
        x = rows[n]["ratios"].get(k)
        if x is None:
            cells.append(f"{'-':>12}")
        else:
            mark = "" if x["target"] is None else (" ok" if x["value"] <= x["target"] else " !!")
            cells.append(f"{x['value']:>9.3f}{mark:<3}")
    print(f"  {k:<34}" + "".join(cells))
print("  (ok / !! = meets / misses the target for that scenario)")
EOF
