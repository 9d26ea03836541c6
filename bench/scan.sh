#!/usr/bin/env bash
# bench/scan.sh - a full TCP scan of 127.0.0.1:1-65535, door's knock engine
# against nmap -sT, nmap -sS and nc -z, inside a private network namespace
# with known listeners, so every tool must find exactly those.
#
#   bench/scan.sh                 (as root: it creates a network namespace)
#
# Environment:
#   RUNS=N          timed runs per tool, after one warm-up (default 5)
#   TOOLS="..."     which to run (default: door door-1thread nmap-sT nmap-sS nc)
#   DOOR_CHECK=cmd  the door command to time instead of bench/scan-driver,
#                   e.g. DOOR_CHECK="./door check 127.0.0.1:1-65535 --json"
#                   (its stdout: JSON with "port" and "state": "open", or
#                   one open port per line)
#   PORTS="..."     the listeners (default: 12 ports, low, ephemeral, high)
#   BENCH_OUT=dir   where results.json and summary.md go (default: new /tmp dir)
#   TOOL_TIMEOUT=S  cap on one run of one tool (default 300)
#
# Everything runs inside `ip netns add door-scan-PID`: only lo, up, and the
# listeners this script starts; nothing reaches any network. The namespace
# and the listeners are removed on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
TOOLS=${TOOLS:-"door door-1thread nmap-sT nmap-sS nc"}
DOOR_CHECK=${DOOR_CHECK:-}
PORTS=${PORTS:-"22 80 443 3000 5432 6379 8080 27017 33333 40001 50505 65535"}
TOOL_TIMEOUT=${TOOL_TIMEOUT:-300}
NS=door-scan-$$

say() { printf '%s\n' "$*" >&2; }
die() { printf 'scan.sh: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (ip netns, nmap -sS)"
missing=()
command -v ip >/dev/null || missing+=(iproute2)
command -v nmap >/dev/null || missing+=(nmap)
command -v nc.openbsd >/dev/null || missing+=(netcat-openbsd)
command -v python3 >/dev/null || missing+=(python3)
command -v cc >/dev/null || missing+=(gcc)
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >&2
	then
		die "could not install ${missing[*]}"
	fi
fi

BENCH_OUT=${BENCH_OUT:-$(mktemp -d /tmp/door-scan.XXXXXX)}
mkdir -p "$BENCH_OUT"
LPID=

cleanup() {
	if [ -n "$LPID" ]; then
		kill "$LPID" 2>/dev/null || true
		wait "$LPID" 2>/dev/null || true
	fi
	ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The engine alone, until `door check` exists (then: DOOR_CHECK=...).
DRIVER=$BENCH_OUT/scan-driver
if [ -z "$DOOR_CHECK" ]; then
	cc -std=c17 -O2 -D_GNU_SOURCE -Isrc -o "$DRIVER" bench/scan-driver.c \
	    src/knock/engine.c src/core/error.c src/core/num.c -lpthread ||
	    die "could not build bench/scan-driver.c"
fi

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up

# The listeners: one process, one socket per port, never accepting (a
# knock only needs the handshake, which the kernel completes).
# shellcheck disable=SC2086 # one argument per port
ip netns exec "$NS" python3 - $PORTS >"$BENCH_OUT/listeners.log" 2>&1 <<'EOF' &
import socket, sys, time
socks = []
for p in sys.argv[1:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", int(p)))
    s.listen(4096)
    socks.append(s)
print("ready", flush=True)
time.sleep(3600)
EOF
LPID=$!
for _ in $(seq 50); do
	grep -q ready "$BENCH_OUT/listeners.log" 2>/dev/null && break
	kill -0 "$LPID" 2>/dev/null || die "listeners failed: $(cat "$BENCH_OUT/listeners.log")"
	sleep 0.1
done
grep -q ready "$BENCH_OUT/listeners.log" || die "listeners did not start"

# The timing harness runs inside the namespace too, so no tool pays for
# `ip netns exec`.
export RUNS TOOLS DOOR_CHECK PORTS TOOL_TIMEOUT BENCH_OUT DRIVER
ip netns exec "$NS" python3 - <<'EOF'
import json, os, platform, re, resource, statistics, subprocess, sys, time

runs = int(os.environ["RUNS"])
tools = os.environ["TOOLS"].split()
truth = sorted(int(p) for p in os.environ["PORTS"].split())
out = os.environ["BENCH_OUT"]
limit = int(os.environ["TOOL_TIMEOUT"])
N = 65535

def from_json(text):
    found = set()
    def walk(v):
        if isinstance(v, dict):
            if isinstance(v.get("port"), int) and (v.get("state") == "open"
                                                   or v.get("open") is True):
                found.add(v["port"])
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(json.loads(text))
    return found

def door_ports(text):
    s = text.lstrip()
    if s.startswith("[") or s.startswith("{"):
        return from_json(s)
    return {int(l) for l in text.split() if l.isdigit()}

def nmap_ports(text):
    return {int(p) for p in re.findall(r"(\d+)/open/tcp", text)}

def nc_ports(text):
    return {int(p) for p in
            re.findall(r"Connection to \S+ (\d+) port \S+ succeeded", text)}

door = os.environ.get("DOOR_CHECK") or (os.environ["DRIVER"] +
                                        " 127.0.0.1 1 65535")
cmds = {
    "door": (door, door_ports),
    "door-1thread": (os.environ["DRIVER"] + " -j 1 127.0.0.1 1 65535",
                     door_ports),
    "nmap-sT": ("nmap -n -sT -p- -T5 -oG - 127.0.0.1", nmap_ports),
    "nmap-sS": ("nmap -n -sS -p- -T5 -oG - 127.0.0.1", nmap_ports),
    "nc": ("nc.openbsd -z -v -w1 127.0.0.1 1-65535 2>&1", nc_ports),
}
if os.environ.get("DOOR_CHECK"):
    cmds.pop("door-1thread")
    tools = [t for t in tools if t != "door-1thread"]

def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]

facts = {
    "kernel": platform.release(),
    "cores": os.cpu_count(),
    "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                 if l.startswith("model name")), "?"),
    "ephemeral": open("/proc/sys/net/ipv4/ip_local_port_range").read().split(),
    "nmap": subprocess.run("nmap --version | head -1", shell=True,
                           capture_output=True, text=True).stdout.strip(),
    "loadavg_before": loadavg(),
    "truth": truth,
}
results = {}
for t in tools:
    cmd, parse = cmds[t]
    times, cpus, wrong = [], [], []
    for i in range(runs + 1):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        p = subprocess.run(cmd, shell=True, capture_output=True, text=True,
                           timeout=limit)
        dt = time.monotonic() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        got = parse(p.stdout)
        extra = sorted(got - set(truth))
        miss = sorted(set(truth) - got)
        if p.returncode not in (0, 1) or extra or miss:
            wrong.append({"run": i, "rc": p.returncode, "false_open": extra,
                          "missed": miss, "stderr": p.stderr[-300:]})
        if i > 0:                       # run 0 is the warm-up
            times.append(dt)
            cpus.append(cpu)
        print(f"{t:13s} run {i}{' (warm-up)' if i == 0 else ''}: "
              f"{dt:7.3f} s, cpu {cpu:6.3f} s{'  WRONG ' + str(wrong[-1]) if wrong and wrong[-1]['run'] == i else ''}",
              file=sys.stderr, flush=True)
    med = statistics.median(times)
    results[t] = {"cmd": cmd, "times": times, "median": med,
                  "min": min(times), "max": max(times),
                  "ports_per_s": N / med, "cpu_s": statistics.median(cpus),
                  "wrong_runs": wrong}
facts["loadavg_after"] = loadavg()

base = results.get("door", next(iter(results.values())))["median"]
lines = [
    f"kernel {facts['kernel']}, {facts['cores']} cores ({facts['cpu']}), "
    f"ephemeral ports {'-'.join(facts['ephemeral'])}, {facts['nmap']}, "
    f"load average {facts['loadavg_before']} before, "
    f"{facts['loadavg_after']} after",
    "",
    "CPU is the tool's own user+sys time (the kernel's work for its "
    "connects included, as it runs in the caller's context on loopback).",
    f"{len(truth)} listeners: {' '.join(map(str, truth))}; "
    f"median of {runs} runs after a warm-up",
    "",
    "| tool | command | median s | min-max s | ports/s | vs door | CPU s (user+sys) | open set right |",
    "|---|---|---:|---:|---:|---:|---:|---|",
]
for t, r in results.items():
    bad = r["wrong_runs"]
    ok = "all runs" if not bad else f"{len(bad)} of {runs + 1} wrong: " + \
        "; ".join(f"false open {w['false_open']}" if w["false_open"] else
                  f"missed {w['missed']}" for w in bad[:3])
    lines.append(f"| {t} | `{r['cmd']}` | {r['median']:.3f} | "
                 f"{r['min']:.3f}-{r['max']:.3f} | {r['ports_per_s']:,.0f} | "
                 f"{r['median'] / base:.2f}x | {r['cpu_s']:.2f} | {ok} |")
summary = "\n".join(lines) + "\n"
with open(os.path.join(out, "results.json"), "w") as f:
    json.dump({"facts": facts, "results": results}, f, indent=1)
with open(os.path.join(out, "summary.md"), "w") as f:
    f.write(summary)
print(summary)
print(f"(results in {out})", file=sys.stderr)
EOF
