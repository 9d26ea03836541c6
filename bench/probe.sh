#!/usr/bin/env bash
# bench/probe.sh - `door ls --probe` and `door probe` against `nmap -sV`, over
# ~50 real loopback servers: wall time (one run each, concurrency included) and
# accuracy (right service / product / version) against a recorded ground truth.
#
#   bench/probe.sh                  (as root; writes bench/PROBE.md)
#
# Environment:
#   DOOR=path        door binary, relative to the repo root (default ./door)
#   RUNS=N           timed runs per command (default 5; the median is reported)
#   NMAP_RUNS=N      extra hyperfine runs of nmap -sV (default 1; 0 for none).
#                    nmap -sV takes minutes here, so its median is over the
#                    timed accuracy run plus these.
#   BENCH_OUT=dir    where JSON/XML/logs go (default a new /tmp/door-probe.XXXXXX)
#   PROBE_MD=path    the report (default bench/PROBE.md; "-" for none)
#   KEEP_TMP=1       keep the servers' temp dirs (lib.sh)
#   REPORT_ONLY=dir  start nothing, time nothing: redo the report from a run's output dir
#
# Servers come from tests/cli/servers.sh (start_http_server, start_nginx,
# start_redis, start_postgres, start_memcached, start_py_listener) plus a few
# started here the same way (setsid, registered for cleanup, watchdog, bounded
# wait for the listener): mariadbd, sshd, openssl s_server, flask, django,
# uvicorn. lib.sh's EXIT trap stops every one of them on any exit.
# Everything binds to 127.0.0.1 (redis and nginx also to ::1).
cd "$(dirname "$0")/.." || exit 3
REPO=$PWD
DOOR=${DOOR:-./door}
RUNS=${RUNS:-5}
NMAP_RUNS=${NMAP_RUNS:-1}
PROBE_MD=${PROBE_MD:-bench/PROBE.md}
OUT=${REPORT_ONLY:-${BENCH_OUT:-$(mktemp -d /tmp/door-probe.XXXXXX)}}
mkdir -p "$OUT"
export DOOR_TEST_MAX_LIFETIME=${DOOR_TEST_MAX_LIFETIME:-3600}

# shellcheck source=tests/cli/lib.sh
. tests/cli/lib.sh
# shellcheck source=tests/cli/servers.sh
. tests/cli/servers.sh
DPY=/usr/bin/python3	# the Debian python, which has flask/django/uvicorn

say() { printf '%s\n' "$*"; }
die() { echo "probe.sh: $*" >&2; exit 1; }

[ -n "${REPORT_ONLY:-}" ] || [ "$(id -u)" = 0 ] || die "run as root (nginx, postgres, sshd, mariadbd)"
[ -x "$DOOR" ] || die "no door binary at $DOOR (run make)"
# Time and score one fixed binary even if the tree is rebuilt meanwhile.
DOOR_SRC=$DOOR
DOOR_BUILT=$(date -u -r "$DOOR" '+%Y-%m-%d %H:%M:%S UTC')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo none)
[ -n "$(git status --porcelain 2>/dev/null | head -n 1)" ] && COMMIT="$COMMIT (working tree has changes)"
if [ -z "${REPORT_ONLY:-}" ]; then
	cp "$DOOR" "$OUT/door" || die "cannot copy $DOOR"
	DOOR=$OUT/door
fi
for t in nmap hyperfine; do
	command -v $t >/dev/null || apt-get install -y "$t" >/dev/null 2>&1 ||
	    die "$t missing and apt-get install failed"
done

TRUTH=$OUT/truth.tsv	# port kind service products versions note
if [ -z "${REPORT_ONLY:-}" ]; then	# the whole run; REPORT_ONLY=dir redoes only the report
: >"$TRUTH"
ver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null | sed 's/^[0-9]*://; s/[-+~].*//'; }
PYV=$($DPY -c 'import platform; print(platform.python_version())')
V_NGINX=$(nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p')
V_REDIS=$(redis-server --version | sed -n 's/.* v=\([0-9.]*\).*/\1/p')
V_PG=$(ver postgresql-15)
V_MC=$(memcached -V | awk '{ print $2 }')
V_MARIA=$(ver mariadb-server)
V_SSH=$(ssh -V 2>&1 | sed -n 's/^OpenSSH_\([^, ]*\).*/\1/p')
V_OSSL=$(openssl version | awk '{ print $2 }')
V_FLASK=$(ver python3-flask)
V_WERK=$(ver python3-werkzeug)
V_DJANGO=$(ver python3-django)
V_UVI=$(ver python3-uvicorn)

# truth PORT KIND SERVICE PRODUCTS VERSIONS NOTE
# SERVICE: canonical name (http, https, ssl, redis, postgresql, mysql, ssh,
# memcached, smtp, ftp, none). PRODUCTS / VERSIONS: '|'-separated accepted
# spellings (what the server itself can tell), '-' if none is knowable.
truth() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$TRUTH"; }

started=0
up() { # KIND SERVICE PRODUCTS VERSIONS NOTE -- start-function args...
	local kind=$1 svc=$2 prods=$3 vers=$4 note=$5 port pid
	shift 6
	port=$(free_port) || die "no free port"
	if pid=$("$@" "$port"); then
		truth "$port" "$kind" "$svc" "$prods" "$vers" "$note"
		started=$((started + 1))
		printf '  %-5s %-14s pid %s\n' "$port" "$kind" "$pid"
	else
		say "  could not start $kind ($*): left out"
	fi
}

# ---- servers not in servers.sh, started the same way -------------------------
_spawn_reg() { # KIND PORT DIR LOG CMD... : spawn, register, wait; prints pid
	local kind=$1 port=$2 dir=$3 log=$4 pid
	shift 4
	pid=$(cd "$dir" && _srv_spawn "$log" "$@")
	on_exit_kill "$pid" --group
	_srv_watchdog "$pid"
	_srv_wait "$kind" "$pid" "$port" tcp "$SERVER_START_TIMEOUT" "$log" || return 1
	_srv_register "$pid" "$kind" "$port" "$dir"
	printf '%s\n' "$pid"
}

start_mariadb() {
	local port=$1 dir
	dir=$(mk_tmpdir mariadb) || return 1
	mkdir -p "$dir/data"
	mariadb-install-db --no-defaults --user=root --datadir="$dir/data" \
	    --auth-root-authentication-method=normal --skip-test-db \
	    >"$dir/install.log" 2>&1 || { tail -5 "$dir/install.log" >&2; return 1; }
	SERVER_START_TIMEOUT=60 _spawn_reg mariadb "$port" "$dir" "$dir/server.log" \
	    mariadbd --no-defaults --user=root --datadir="$dir/data" --port="$port" \
	    --bind-address=127.0.0.1 --socket="$dir/sock" --pid-file="$dir/pid" \
	    --skip-log-bin --innodb-buffer-pool-size=16M
}

start_sshd() {
	local port=$1 dir
	dir=$(mk_tmpdir sshd) || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$dir/hostkey" || return 1
	cat >"$dir/sshd_config" <<EOF
HostKey $dir/hostkey
ListenAddress 127.0.0.1
Port $port
PidFile $dir/sshd.pid
UsePAM no
PasswordAuthentication no
EOF
	_spawn_reg sshd "$port" "$dir" "$dir/server.log" \
	    /usr/sbin/sshd -D -e -f "$dir/sshd_config" -p "$port" -o ListenAddress=127.0.0.1
}

start_tls() { # PORT MODE: -www (HTTPS status page) or -rev (raw TLS, reversed echo)
	local port=$1 mode=$2 dir
	dir=$(mk_tmpdir tls) || return 1
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
	    -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1 || return 1
	_spawn_reg s_server "$port" "$dir" "$dir/server.log" \
	    openssl s_server -accept "127.0.0.1:$port" -cert "$dir/cert.pem" \
	    -key "$dir/key.pem" "$mode" -quiet
}

start_flask() {
	local port=$1 dir
	dir=$(mk_tmpdir flask) || return 1
	cat >"$dir/app.py" <<'EOF'
import sys
from flask import Flask
app = Flask(__name__)
@app.route("/")
def index():
    return "door bench flask\n"
app.run(host="127.0.0.1", port=int(sys.argv[1]), debug=False, use_reloader=False)
EOF
	_spawn_reg flask "$port" "$dir" "$dir/server.log" "$DPY" "$dir/app.py" "$port"
}

start_django() {
	local port=$1 dir
	dir=$(mk_tmpdir django) || return 1
	(cd "$dir" && "$DPY" -m django startproject benchsite .) || return 1
	_spawn_reg django "$port" "$dir" "$dir/server.log" \
	    "$DPY" "$dir/manage.py" runserver "127.0.0.1:$port" --noreload
}

start_uvicorn() {
	local port=$1 dir
	dir=$(mk_tmpdir uvicorn) || return 1
	cat >"$dir/asgiapp.py" <<'EOF'
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"door bench uvicorn\n"})
EOF
	_spawn_reg uvicorn "$port" "$dir" "$dir/server.log" \
	    "$DPY" -m uvicorn asgiapp:app --app-dir "$dir" --host 127.0.0.1 --port "$port"
}

lst() { start_py_listener "$1" 127.0.0.1 --exit-after 3600 "${@:2}"; }
# a big backlog: knocks (ours and nmap's, many runs) never fill the accept queue,
# or the kernel would drop SYNs and the door would look closed, not silent
lst_silent() { lst "$1" --no-accept --backlog 4096; }
lst_close() { lst "$1"; }
lst_banner() { local p=$1; shift; lst "$p" --banner "$1"; }
# start_* take the port last here (up() appends it)
http_server() { start_http_server "$1"; }
b_smtp() { lst "$1" --banner '220 mail.door.test ESMTP Postfix (Debian/GNU)\r\n'; }
b_ftp() { lst "$1" --banner '220 (vsFTPd 3.0.3)\r\n'; }
b_junk1() { lst "$1" --banner '\x00\xff\xfe\x13\x37garbage\x01\x02'; }
b_junk2() { lst "$1" --banner 'HELLO FROM NOWHERE v9\n'; }
b_junk3() { lst "$1" --banner '\x16\x03\x01\x00\x02\x99\x99'; }
b_junk4() { lst "$1" --banner '+OK\r\n-ERR\r\n*1\r\n'; }
b_junk5() { lst "$1" --banner '{"hello": "json", "v": 1}\n'; }
tls_www() { start_tls "$1" -www; }
tls_rev() { start_tls "$1" -rev; }

say "== starting servers"
SECONDS_START=$SECONDS
for i in 1 2 3 4 5 6 7 8 9 10; do
	up http.server http "http.server|simplehttp" "$PYV|0.6" "python3 -m http.server" -- http_server
done
for i in 1 2 3 4; do up nginx http nginx "$V_NGINX" "" -- start_nginx; done
for i in 1 2 3 4 5; do up redis redis redis "$V_REDIS" "" -- start_redis; done
for i in 1 2; do up postgres postgresql postgresql "$V_PG" "" -- start_postgres; done
for i in 1 2 3 4; do up memcached memcached memcached "$V_MC" "" -- start_memcached; done
up mariadb mysql "mariadb|mysql" "$V_MARIA" "nmap calls MariaDB MySQL" -- start_mariadb
for i in 1 2; do up sshd ssh openssh "$V_SSH" "" -- start_sshd; done
for i in 1 2; do up "s_server -www" https "s_server|openssl" "$V_OSSL" "self-signed" -- tls_www; done
up "s_server -rev" ssl "s_server|openssl" "$V_OSSL" "raw TLS, no app protocol" -- tls_rev
for i in 1 2; do up flask http "flask|werkzeug" "$V_FLASK|$V_WERK" "werkzeug dev server" -- start_flask; done
for i in 1 2; do up django http "django|wsgiserver" "$V_DJANGO|0.2" "runserver" -- start_django; done
for i in 1 2; do up uvicorn http uvicorn "$V_UVI" "" -- start_uvicorn; done
for i in 1 2 3 4; do up silent none - - "listen, never accept" -- lst_silent; done
for i in 1 2; do up accept-close none - - "accept, close at once" -- lst_close; done
up "banner smtp" smtp postfix - "fake Postfix banner" -- b_smtp
up "banner ftp" ftp vsftpd 3.0.3 "fake vsFTPd banner" -- b_ftp
up "banner junk" none - - "binary junk" -- b_junk1
up "banner junk" none - - "text junk" -- b_junk2
up "banner junk" none - - "TLS-looking junk" -- b_junk3
up "banner junk" none - - "RESP-looking junk" -- b_junk4
up "banner junk" none - - "JSON line" -- b_junk5
say "$started servers up in $((SECONDS - SECONDS_START))s"
[ "$started" -ge 10 ] || die "too few servers started"

mapfile -t PORTS < <(cut -f1 "$TRUTH")
PCOMMA=$(IFS=,; echo "${PORTS[*]}")
TARGETS=()
for p in "${PORTS[@]}"; do TARGETS+=("127.0.0.1:$p"); done
SILENT=$(awk -F'\t' '$2 == "silent" { print $1; exit }' "$TRUTH")
FAST=$(awk -F'\t' '$2 == "http.server" { print $1; exit }' "$TRUTH")

CMD_LS="$DOOR ls --probe --json ${PORTS[*]}"
CMD_PROBE="$DOOR probe ${TARGETS[*]} --json"
CMD_NMAP="nmap -n -sV -Pn -p $PCOMMA 127.0.0.1 -oX -"
CMD_SLOW="$DOOR probe 127.0.0.1:$SILENT --json"
CMD_FAST="$DOOR probe 127.0.0.1:$FAST --json"

# ---- one untimed run of each, for the accuracy table --------------------------
# Each is timed too (wall clock): for nmap this run is one of the timed samples.
now() { date +%s.%N; }
say "== accuracy runs (one each, wall-clock timed)"
t0=$(now); $CMD_LS >"$OUT/ls.json" 2>"$OUT/ls.err"; t1=$(now)
$CMD_PROBE >"$OUT/probe.json" 2>"$OUT/probe.err"; t2=$(now)
$CMD_NMAP >"$OUT/nmap.xml" 2>"$OUT/nmap.err"; t3=$(now)
printf 'door ls --probe\t%s\ndoor probe\t%s\nnmap -sV\t%s\n' \
    "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(echo "$t3 - $t2" | bc)" >"$OUT/accuracy.time.tsv"
cat "$OUT/accuracy.time.tsv"

# ---- timing ------------------------------------------------------------------
say "== timing: hyperfine -N -i --runs $RUNS (nmap: $NMAP_RUNS)"
hyperfine -N -i --style basic --warmup 1 --runs "$RUNS" --output=null \
    --export-json "$OUT/door.time.json" \
    -n "door ls --probe" "$CMD_LS" \
    -n "door probe" "$CMD_PROBE" \
    -n "door probe (slowest door: silent)" "$CMD_SLOW" \
    -n "door probe (one http.server)" "$CMD_FAST" || say "hyperfine (door) failed"
if [ "$NMAP_RUNS" -gt 0 ]; then
	hyperfine -N -i --style basic --runs "$NMAP_RUNS" --output=null \
	    --export-json "$OUT/nmap.time.json" \
	    -n "nmap -sV" "$CMD_NMAP" || say "hyperfine (nmap) failed"
fi

# ---- machine facts -------------------------------------------------------------
{
	echo "date        $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "cpus        $(nproc)"
	echo "cpu         $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "memory      $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "kernel      $(uname -sr)"
	echo "os          $(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release)"
	echo "load        $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, after the runs)"
	echo "door        $DOOR_SRC ($($DOOR --version), built $DOOR_BUILT, sha256 $(sha256sum "$DOOR" | cut -c1-12)), copied to $DOOR; HEAD at start $COMMIT"
	echo "tools       $(nmap --version | head -n 1), $(hyperfine --version)"
	echo "servers     nginx $V_NGINX, redis $V_REDIS, postgresql $V_PG, memcached $V_MC, mariadb $V_MARIA, OpenSSH $V_SSH, OpenSSL $V_OSSL, python $PYV, flask $V_FLASK, werkzeug $V_WERK, django $V_DJANGO, uvicorn $V_UVI"
} >"$OUT/machine.txt"

else
	mapfile -t _c <"$OUT/commands.txt"
	CMD_LS=${_c[0]} CMD_PROBE=${_c[1]} CMD_NMAP=${_c[2]} CMD_SLOW=${_c[3]}
fi

# ---- report ------------------------------------------------------------------------
say "== report"
python3 - "$OUT" "$PROBE_MD" "$CMD_LS" "$CMD_PROBE" "$CMD_NMAP" "$CMD_SLOW" "$RUNS" "$NMAP_RUNS" <<'EOF'
import json, re, sys
import xml.etree.ElementTree as ET
out, md_path, cmd_ls, cmd_probe, cmd_nmap, cmd_slow, runs, nmap_runs = sys.argv[1:9]

truth = []
for line in open(f"{out}/truth.tsv"):
    port, kind, svc, prods, vers, note = line.rstrip("\n").split("\t")
    truth.append(dict(port=int(port), kind=kind, svc=svc,
                      prods=[] if prods == "-" else prods.lower().split("|"),
                      vers=[] if vers == "-" else vers.lower().split("|"), note=note))

def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

# door ls --probe: one row per socket; prefer the 127.0.0.1 row of a port.
ls = {}
for row in load(f"{out}/ls.json") or []:
    p = row.get("port")
    if row.get("proto") != "tcp" or row.get("probe") is None:
        continue
    if p not in ls or row.get("address") == "127.0.0.1":
        ls[p] = row["probe"]
probe = {r["port"]: r for r in (load(f"{out}/probe.json") or [])}

nm = {}
try:
    root = ET.parse(f"{out}/nmap.xml").getroot()
    for port in root.iter("port"):
        st = port.find("state")
        s = port.find("service")
        d = {"state": st.get("state") if st is not None else None}
        if s is not None:
            d.update(name=s.get("name"), product=s.get("product"),
                     version=s.get("version"), extrainfo=s.get("extrainfo"),
                     tunnel=s.get("tunnel"), method=s.get("method"))
        nm[int(port.get("portid"))] = d
except (OSError, ET.ParseError) as e:
    print(f"nmap XML unreadable: {e}")

# Service names: one canonical name each; both tools' spellings map onto it.
ALIAS = {"http": "http", "http-proxy": "http", "http-alt": "http", "www": "http",
         "https": "https", "ssl/http": "https", "https-alt": "https", "ssl/https": "https",
         "ssl": "ssl", "tls": "ssl", "ssl/unknown": "ssl", "ssl/tls": "ssl",
         "redis": "redis", "postgresql": "postgresql", "postgres": "postgresql",
         "mysql": "mysql", "mariadb": "mysql", "ssh": "ssh", "memcached": "memcached",
         "memcache": "memcached", "smtp": "smtp", "ftp": "ftp",
         "unknown": "none", "tcpwrapped": "none", "": "none", "closed": "none"}

def canon(name, tls=False):
    n = (name or "").strip().lower()
    c = ALIAS.get(n, n)
    if tls and c == "http":
        return "https"
    if tls and c == "none":
        return "ssl"
    return c

def door_fields(d):
    if d is None:
        return None
    svc = canon(d.get("service"), bool(d.get("tls")))
    return dict(svc=svc, product=d.get("product") or "", version=d.get("version") or "",
                conf=d.get("confidence") or "",
                raw=(d.get("service") or "") + ("+tls" if d.get("tls") and d.get("service") != "tls" else ""),
                err=d.get("error"))

def nmap_fields(d):
    if d is None:
        return None
    name = d.get("name") or ""
    tls = d.get("tunnel") == "ssl"
    return dict(svc=canon(name, tls), product=d.get("product") or "",
                version=" ".join(x for x in (d.get("version"), d.get("extrainfo")) if x),
                conf=d.get("method") or "", raw=("ssl/" if tls else "") + name, err=None)

def prod_ok(t, got):
    if not t["prods"]:
        return None
    g = got.lower().replace(" ", "")
    return bool(g) and any(p.replace(" ", "") in g for p in t["prods"])

def ver_ok(t, got):
    if not t["vers"]:
        return None
    g = got.lower()
    if not g:
        return False
    for v in t["vers"]:
        # the true version as a token of what the tool said (nmap adds
        # "Debian 2+deb12u10", "5.5.5-...-MariaDB"), or a dotted prefix of the
        # true version that the tool gave on its own ("15" for 15.18)
        if re.search(r"(?<![\d.])" + re.escape(v) + r"(?![\d])", g):
            return True
        m = re.match(r"^\s*(\d+(?:\.\d+)*)\s*$", g)
        if m and (v + ".").startswith(m.group(1) + "."):
            return True
    return False

def judge(t, f):
    if f is None:
        return dict(svc=False, prod=False if t["prods"] else None,
                    ver=False if t["vers"] else None)
    return dict(svc=f["svc"] == t["svc"], prod=prod_ok(t, f["product"]),
                ver=ver_ok(t, f["version"]))

tools = [("door ls --probe", lambda p: door_fields(ls.get(p))),
         ("door probe", lambda p: door_fields(probe.get(p))),
         ("nmap -sV", lambda p: nmap_fields(nm.get(p)))]
rows, score = [], {n: [0, 0, 0] for n, _ in tools}
n_prod = sum(1 for t in truth if t["prods"])
n_ver = sum(1 for t in truth if t["vers"])
for t in truth:
    r = {"t": t}
    for name, get in tools:
        f = get(t["port"])
        j = judge(t, f)
        r[name] = (f, j)
        score[name][0] += j["svc"]
        score[name][1] += bool(j["prod"])
        score[name][2] += bool(j["ver"])
    rows.append(r)

times = {}
for fn in ("door.time.json", "nmap.time.json"):
    d = load(f"{out}/{fn}")
    for res in (d or {}).get("results", []):
        times[res["command"]] = res
import statistics
acc = {}
try:
    for line in open(f"{out}/accuracy.time.tsv"):
        k, v = line.rstrip("\n").split("\t")
        acc[k] = float(v)
except OSError:
    pass
if "nmap -sV" in acc:
    ts = times.get("nmap -sV", {}).get("times", []) + [acc["nmap -sV"]]
    times["nmap -sV"] = dict(times=ts, median=statistics.median(ts), mean=statistics.mean(ts),
                             min=min(ts), max=max(ts))
def med(k):
    return times[k]["median"] if k in times else None

lines = []
def p(s=""):
    lines.append(s)
    print(s)

machine = open(f"{out}/machine.txt").read().rstrip()
p("# bench/PROBE.md: `door ls --probe` and `door probe` against `nmap -sV`")
p()
p("Issue \"identify\": `door ls --probe` over ~50 mixed loopback doors should take")
p("about as long as its slowest probe, because every door is probed at once.")
p("`bench/probe.sh` starts the servers, records the ground truth, times the")
p("tools with hyperfine and scores what each one said. Run it as root;")
p("it cleans every server up on exit.")
p()
p("## Machine")
p()
p("```")
p(machine)
p("```")
p()
p(f"{len(truth)} doors, all on 127.0.0.1 (ports from `free_port`, 20000-32767).")
p()
p("## Time")
p()
p(f"hyperfine `-N -i`, door: 1 warmup + {runs} runs. nmap -sV takes minutes per run here, so its")
p(f"samples are the wall-clock accuracy run plus {nmap_runs} hyperfine run(s), no warmup.")
if acc:
    p("Accuracy-run wall times (s, cold, first run): " + ", ".join(f"{k} {v:.3f}" for k, v in acc.items()) + ".")
p()
p("| command | median s | mean s | min s | max s | runs |")
p("|---|---:|---:|---:|---:|---:|")
for k, r in times.items():
    p(f"| {k} | {r['median']:.3f} | {r['mean']:.3f} | {r['min']:.3f} | {r['max']:.3f} | {len(r['times'])} |")
p()
a, b, s = med("door ls --probe"), med("nmap -sV"), med("door probe (slowest door: silent)")
c = med("door probe")
if a and b:
    p(f"- ratio door ls --probe / nmap -sV: **{a / b:.4f}** (nmap takes {b / a:.0f}x as long)")
if c and b:
    p(f"- ratio door probe / nmap -sV: **{c / b:.4f}**")
if a and s:
    p(f"- door ls --probe / slowest single door (a silent listener, full 1 s timeout): **{a / s:.2f}**")
slow = sorted(((r.get("ms") or 0, pt) for pt, r in probe.items()), reverse=True)[:3]
if slow:
    p("- slowest doors inside the `door probe` accuracy run (its own `ms`): " +
      ", ".join(f"{pt} {ms:.0f} ms" for ms, pt in slow))
p()
p("## Accuracy")
p()
p(f"Right service over all {len(truth)} doors; right product over the {n_prod} doors whose")
p(f"product the server can reveal; right version over the {n_ver} doors with a known version.")
p()
p("| tool | right service | right product | right version |")
p("|---|---:|---:|---:|")
for name, _ in tools:
    sc = score[name]
    p(f"| {name} | {sc[0]}/{len(truth)} | {sc[1]}/{n_prod} | {sc[2]}/{n_ver} |")
p()
p("Matching rules (the same for every tool):")
p("- service: case-insensitive, onto one canonical name: nmap `http`/`http-proxy`/`http-alt`")
p("  = http; `ssl/http` or door `http` with `tls: true` = https; `ssl`, `ssl/unknown`,")
p("  door `tls` = ssl; `postgresql`; `mysql` (MariaDB); `unknown`, `tcpwrapped`, no")
p("  service = none, which is right for silent, accept-and-close and junk-banner doors.")
p("- product: the tool's product contains an accepted name, case-insensitive, spaces")
p("  ignored (http.server: `http.server` or `SimpleHTTP`; MariaDB: `mariadb` or `mysql`;")
p("  flask: `flask` or `werkzeug`; django: `django` or `WSGIServer`; s_server: `s_server`")
p("  or `openssl`).")
p("- version: the true version appears as a token in the tool's version (nmap's")
p("  version plus extrainfo, e.g. `9.2p1 Debian 2+deb12u10`, `5.5.5-10.11.19-MariaDB`),")
p("  or the tool's bare version is a dotted prefix of it (`15` for 15.18). Accepted")
p("  versions: the package version, and what the server prints of itself")
p("  (SimpleHTTP 0.6 or Python; Werkzeug; WSGIServer 0.2).")
p()
p("door counts as wrong by these rules where it chose to: a door that stays silent")
p("keeps its process clue, marked `[process]` (a dev server busy compiling is silent")
p("too); one that answers junk or hangs up every time is `unknown`, its clue kept apart.")
p()
p("Per door (✓ right, ✗ wrong, · not scored). door's column is `door ls --probe`;")
p("`door probe` differs only where marked.")
p()
p("| port | server | truth | door ls --probe said | svc | prod | ver | nmap -sV said | svc | prod | ver |")
p("|---:|---|---|---|:-:|:-:|:-:|---|:-:|:-:|:-:|")
def mk(x):
    return "·" if x is None else ("✓" if x else "✗")
def said(f):
    if f is None:
        return "(nothing)"
    v = f["version"] if len(f["version"]) <= 48 else f["version"][:45] + "..."
    s = " ".join(x for x in (f["raw"] or "-", f["product"], v) if x)
    if f.get("conf") and f["conf"] not in ("probe",):
        s += f" [{f['conf']}]"
    return s.replace("|", "/")
for r in sorted(rows, key=lambda r: r["t"]["kind"]):
    t = r["t"]
    tv = t["svc"] + (" " + t["prods"][0] if t["prods"] else "") + (" " + t["vers"][0] if t["vers"] else "")
    fd, jd = r["door ls --probe"]
    fp, jp = r["door probe"]
    fn, jn = r["nmap -sV"]
    dsaid = said(fd)
    if jp != jd or (fp and fd and (fp["svc"], fp["product"], fp["version"]) != (fd["svc"], fd["product"], fd["version"])):
        dsaid += f" (door probe: {said(fp)})"
    kind = t["kind"] + (f" ({t['note']})" if t["note"] else "")
    p(f"| {t['port']} | {kind} | {tv} | {dsaid} | {mk(jd['svc'])} | {mk(jd['prod'])} | {mk(jd['ver'])} "
      f"| {said(fn)} | {mk(jn['svc'])} | {mk(jn['prod'])} | {mk(jn['ver'])} |")
p()
p("Where nmap was right and door (ls --probe) was wrong:")
p()
any_ = False
for r in sorted(rows, key=lambda r: r["t"]["kind"]):
    t = r["t"]
    fd, jd = r["door ls --probe"]
    fn, jn = r["nmap -sV"]
    what = [k for k, lab in (("svc", "service"), ("prod", "product"), ("ver", "version"))
            if jn[k] and not jd[k]]
    if what:
        any_ = True
        p(f"- {t['port']} {t['kind']}: {', '.join(what)} — door said `{said(fd)}`, nmap said `{said(fn)}`")
if not any_:
    p("- none")
p()
p("Where door was right and nmap was wrong:")
p()
any_ = False
for r in sorted(rows, key=lambda r: r["t"]["kind"]):
    t = r["t"]
    fd, jd = r["door ls --probe"]
    fn, jn = r["nmap -sV"]
    what = [k for k in ("svc", "prod", "ver") if jd[k] and not jn[k]]
    if what:
        any_ = True
        p(f"- {t['port']} {t['kind']}: {', '.join(what)} — door `{said(fd)}`, nmap `{said(fn)}`")
if not any_:
    p("- none")
p()
p("## Commands")
p()
p("Port lists abridged here; the full commands are in the run's output dir.")
p()
p("```")
for c in (cmd_ls, cmd_probe, cmd_nmap, cmd_slow):
    c2 = re.sub(r"((?:\S+ ){6})(?:\S+ )+", r"\1... ", c) if len(c) > 200 else c
    c2 = re.sub(r"((?:\d+,){4})(?:\d+,)+(\d+)", r"\1...,\2", c2)
    p(c2)
p("```")
p()
p("```sh")
p("bench/probe.sh                 # as root; RUNS=5 NMAP_RUNS=1 by default")
p("RUNS=3 NMAP_RUNS=0 PROBE_MD=- bench/probe.sh   # quicker, report to stdout only")
p("```")
p()
p(f"Raw output of this run: `{out}` (truth.tsv, ls.json, probe.json, nmap.xml, *.time.json).")
with open(f"{out}/commands.txt", "w") as f:
    f.write("\n".join((cmd_ls, cmd_probe, cmd_nmap, cmd_slow)) + "\n")
if md_path != "-":
    # keep the hand-written notes at the end of an existing report
    keep = ""
    try:
        old = open(md_path).read()
        i = old.find("\n## Notes")
        if i >= 0:
            keep = old[i:]
    except OSError:
        pass
    with open(md_path, "w") as f:
        f.write("\n".join(lines) + "\n" + keep)
EOF
say "output in $OUT"
pass "probe bench ran" >/dev/null
finish >/dev/null
