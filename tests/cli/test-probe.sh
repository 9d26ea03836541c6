#!/usr/bin/env bash
# door probe: what answers behind a door, against REAL servers on free
# loopback ports (nginx, Redis, PostgreSQL, memcached, python http.server,
# MariaDB, OpenSSH, openssl s_server, Django, Flask, uvicorn, Express, Vite),
# plus a door that never answers and one that sends garbage.
#
# DOOR_PROBE_RECORD=DIR (handed to door) keeps every reply door read: how
# tests/fixtures/probe was recorded.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door

# ------------------------------------------------------------ helpers

# start_mariadb PORT: a throwaway MariaDB datadir, root socket auth, TCP on
# 127.0.0.1 only.
start_mariadb() {
    local port=$1 dir
    [ -x /usr/sbin/mariadbd ] || { echo "mariadb-server not installed (scripts/deps.sh test)"; return 2; }
    dir=$(mk_tmpdir mariadb) || return 1
    mariadb-install-db --no-defaults --datadir="$dir/data" --user=root \
        --skip-test-db --auth-root-authentication-method=socket \
        >"$dir/install.log" 2>&1 || { tail -5 "$dir/install.log" >&2; return 1; }
    START_T=60 start_cmd mariadbd "$port" "$dir" /usr/sbin/mariadbd --no-defaults \
        --datadir="$dir/data" --user=root --port="$port" --bind-address=127.0.0.1 \
        --socket="$dir/sock" --pid-file="$dir/pid" --skip-log-bin \
        --innodb-buffer-pool-size=16M --log-error="$dir/error.log"
}

# start_sshd PORT: OpenSSH with a throwaway host key, no config file.
start_sshd() {
    local port=$1 dir
    [ -x /usr/sbin/sshd ] || { echo "openssh-server not installed (scripts/deps.sh test)"; return 2; }
    dir=$(mk_tmpdir sshd) || return 1
    ssh-keygen -q -t ed25519 -N '' -f "$dir/hostkey" || return 1
    mkdir -p /run/sshd
    start_cmd sshd "$port" "$dir" /usr/sbin/sshd -D -e -f /dev/null -p "$port" \
        -o ListenAddress=127.0.0.1 -o PidFile="$dir/pid" -h "$dir/hostkey"
}

# start_tls PORT: openssl s_server with a self-signed certificate.
start_tls() {
    local port=$1 dir
    command -v openssl >/dev/null || { echo "openssl not installed"; return 2; }
    dir=$(mk_tmpdir tls) || return 1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" \
        -out "$dir/cert.pem" -days 1 -subj /CN=localhost >/dev/null 2>&1 || return 1
    start_cmd s_server "$port" "$dir" openssl s_server -accept "127.0.0.1:$port" \
        -cert "$dir/cert.pem" -key "$dir/key.pem" -www -quiet
}

# start_apache PORT: Debian's apache2 with a minimal config of our own
# (mpm_event, a document root in a temp dir), in the foreground.
start_apache() {
    local port=$1 dir m=/usr/lib/apache2/modules
    [ -x /usr/sbin/apache2 ] || { echo "apache2 not installed (scripts/deps.sh test)"; return 2; }
    dir=$(mk_tmpdir apache) || return 1
    mkdir -p "$dir/www" && echo "door test apache" >"$dir/www/index.html"
    printf '%s\n' "ServerRoot $dir" \
        "LoadModule mpm_event_module $m/mod_mpm_event.so" \
        "LoadModule authz_core_module $m/mod_authz_core.so" \
        "LoadModule dir_module $m/mod_dir.so" \
        "Listen 127.0.0.1:$port" "ServerName localhost" \
        "PidFile $dir/apache2.pid" "ErrorLog $dir/error.log" \
        "DocumentRoot $dir/www" "User www-data" "Group www-data" \
        "DefaultRuntimeDir $dir" >"$dir/apache2.conf"
    chmod 755 "$dir" "$dir/www"
    start_cmd apache2 "$port" "$dir" /usr/sbin/apache2 -f "$dir/apache2.conf" -DFOREGROUND
}

# start_django PORT: a fresh project's runserver (its welcome page).
start_django() {
    local port=$1 dir
    /usr/bin/python3 -c 'import django' 2>/dev/null || { echo "python3-django not installed (scripts/deps.sh test)"; return 2; }
    dir=$(mk_tmpdir django) || return 1
    (cd "$dir" && /usr/bin/python3 -m django startproject doorsite .) || return 1
    start_cmd django "$port" "$dir" /usr/bin/python3 manage.py runserver --noreload "127.0.0.1:$port"
}

start_flask() {
    local port=$1 dir
    /usr/bin/python3 -c 'import flask' 2>/dev/null || { echo "python3-flask not installed (scripts/deps.sh test)"; return 2; }
    dir=$(mk_tmpdir flask) || return 1
    printf 'from flask import Flask\napp = Flask("door")\n@app.route("/")\ndef hi():\n    return "hi"\napp.run(host="127.0.0.1", port=%s)\n' "$port" >"$dir/app.py"
    start_cmd flask "$port" "$dir" /usr/bin/python3 app.py
}

start_uvicorn() {
    local port=$1 dir
    /usr/bin/python3 -c 'import uvicorn, fastapi' 2>/dev/null || { echo "python3-uvicorn or python3-fastapi not installed (scripts/deps.sh test)"; return 2; }
    dir=$(mk_tmpdir uvicorn) || return 1
    cat >"$dir/app.py" <<'PY'
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def root():
    return {"hello": "door"}
PY
    start_cmd uvicorn "$port" "$dir" /usr/bin/python3 -m uvicorn app:app --host 127.0.0.1 --port "$port"
}

# npm_dir: the folder where tests/cli/npm-packages.sh installed Express and
# Vite (build/test-npm, shared by every run on this checkout); status 2 and
# npm's own error when that install failed.
npm_dir() {
    local d=${DOOR_TEST_NPM:-$REPO_ROOT/build/test-npm} line
    line=$(bash "$LIB_DIR/npm-packages.sh")
    case $line in
        "ok - "*) printf '%s\n' "$(cd "$d" && pwd)" ;;
        *) echo "${line#*# }"; return 2 ;;
    esac
}

# The app's own files go in a folder of this test; the packages are found
# through NODE_PATH (require) and the path of vite's script.
start_express() {
    local port=$1 m d
    m=$(npm_dir) || { echo "$m"; return 2; }
    d=$(mk_tmpdir express) || return 1
    printf 'const e = require("express")();\ne.get("/", (q, r) => r.send("hi"));\ne.listen(%s, "127.0.0.1");\n' "$port" >"$d/express.js"
    NODE_PATH=$m/node_modules start_cmd express "$port" "$d" node express.js
}

start_vite() {
    local port=$1 m d
    m=$(npm_dir) || { echo "$m"; return 2; }
    d=$(mk_tmpdir vite) || return 1
    printf '<!doctype html><html><body><script type="module" src="/main.js"></script></body></html>\n' >"$d/index.html"
    echo 'document.body.append("hi")' >"$d/main.js"
    start_cmd vite "$port" "$d" node "$m/node_modules/vite/bin/vite.js" --host 127.0.0.1 --port "$port" --strictPort
}

# json_field FIELD: FIELD of the first object in $DOOR_OUT.
json_field() {
    "$PY" -c 'import json,sys; v=json.loads(sys.argv[1])[0][sys.argv[2]]; print("" if v is None else v)' "$DOOR_OUT" "$1" 2>/dev/null
}

# jq_py CODE: runs python CODE with d = the JSON in $DOOR_OUT.
jq_py() {
    "$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); exec(sys.argv[2])' "$DOOR_OUT" "$1" 2>&1
}

# probe_case NAME PORT SERVICE PRODUCT_REGEX [VERSION_REGEX]: door probe
# --json on one door: exit 0, the service, product and version expected.
probe_case() {
    local name=$1 port=$2 svc=$3 prod=$4 ver=${5:-}
    run_door probe "127.0.0.1:$port" --json
    check_eq "$name: exit 0" 0 "$DOOR_RC" || diag "$DOOR_OUT $DOOR_ERR"
    check_eq "$name: service" "$svc" "$(json_field service)"
    check_match "$name: product" "$prod" "$(json_field product)"
    check_eq "$name: confidence probe" probe "$(json_field confidence)"
    [ -z "$ver" ] || check_match "$name: version" "$ver" "$(json_field version)"
    # the same answer where people meet it: door who's card and door ls --probe
    local product saved=$DOOR_OUT saved_rc=$DOOR_RC
    product=$(json_field product)
    run_door "$port" --no-color
    check_match "$name: door who's answers line names it" \
        "answers +$(printf '%s' "$product" | sed 's/[][\.*^$()+?{}|]/\\&/g').*\(probe\)" "$DOOR_OUT"
    run_door ls "$port" --probe --json
    check_eq "$name: door ls --probe says the same" "$svc $product probe" \
        "$(jq_py 'p=[s for s in d if s["probe"]][0]["probe"]; print(p["service"], p["product"], p["confidence"])')"
    # the callers go on reading door probe's JSON
    DOOR_OUT=$saved DOOR_RC=$saved_rc
}

# try NAME START_FN PORT: start a server, or skip NAME with the reason.
# Sets STARTED=1 when it runs.
try_start() {
    local name=$1 fn=$2 port=$3 msg rc
    STARTED=0
    msg=$($fn "$port" 2>&1) && { STARTED=1; return 0; }
    rc=$?
    if [ "$rc" = 2 ]; then skip "$name" "${msg%%$'\n'*}"; else fail "$name: server starts" "$(printf '%s' "$msg" | tail -5)"; fi
    return 1
}

# ------------------------------------------------------------ cases

p=$(free_port)
if try_start nginx start_nginx "$p"; then
    probe_case nginx "$p" http '^nginx$' '^1\.[0-9]+\.[0-9]+$'
    check_match "nginx: HTTP status and Server in JSON" '"status": 200' "$DOOR_OUT"
fi

p=$(free_port)
if try_start redis start_redis "$p"; then
    probe_case redis "$p" redis '^Redis$' '^[0-9]+\.[0-9]+\.[0-9]+$'
    # door who starts knocking before it knows the owner, but says nothing
    # before the owner's name is in: a Redis on a port of no meaning gets
    # no HTTP (Redis logs one SECURITY ATTACK a minute: this is the first)
    check_nomatch "redis: no HTTP from door who's early probe, nor door probe's" \
        "SECURITY ATTACK" "$(cat "$(server_log "$(ss_pids "$p" tcp | head -1)")" 2>/dev/null)"
    run_door probe "$p" --no-color
    check_match "redis: the human line" "^$p/tcp +redis +Redis [0-9.]+ \\(probe\\)$" "$DOOR_OUT"
fi

p=$(free_port)
if try_start postgresql start_postgres "$p"; then
    probe_case postgresql "$p" postgresql '^PostgreSQL$'
    check_match "postgresql: the server's own words (never authenticated)" 'role \\"door\\" does not exist' "$DOOR_OUT"
fi

p=$(free_port)
if try_start memcached start_memcached "$p"; then
    probe_case memcached "$p" memcached '^memcached$' '^1\.[0-9.]+$'
fi

p=$(free_port)
if try_start http.server start_http_server "$p"; then
    probe_case "python http.server" "$p" http '^Python http\.server$' '^3\.[0-9.]+$'
fi

p=$(free_port)
if try_start mariadb start_mariadb "$p"; then
    probe_case mariadb "$p" mysql '^MariaDB$' '^10\.[0-9.]+$'
fi

p=$(free_port)
if try_start sshd start_sshd "$p"; then
    probe_case sshd "$p" ssh '^OpenSSH$' '^[0-9]+\.[0-9]+p[0-9]+$'
fi

p=$(free_port)
if try_start tls start_tls "$p"; then
    # -www: a web page behind the TLS (the raw TLS case: test-probe-tls.sh)
    probe_case "openssl s_server -www" "$p" http '^OpenSSL s_server$'
    check_match "tls: the tls key holds the version" '"tls": "1.3"' "$DOOR_OUT"
fi

p=$(free_port)
if try_start apache start_apache "$p"; then
    probe_case apache "$p" http '^Apache' '^2\.4\.[0-9]+$'
fi

p=$(free_port)
if try_start django start_django "$p"; then
    probe_case django "$p" http '^Django$'
    # its Server header names Python's version; door must not call it Django's
    check_eq "django: no version claimed" "" "$(json_field version)"
fi
p=$(free_port)
if try_start flask start_flask "$p"; then
    probe_case flask "$p" http '^Werkzeug \(Flask\)$' '^[0-9.]+$'
fi
p=$(free_port)
if try_start uvicorn start_uvicorn "$p"; then
    probe_case uvicorn "$p" http '^uvicorn$'
fi
p=$(free_port)
if try_start express start_express "$p"; then
    probe_case express "$p" http '^Express$'
fi
p=$(free_port)
if try_start vite start_vite "$p"; then
    probe_case vite "$p" http '^Vite$'
fi

# The number lies: Redis behind 8080, HTTP behind 6379 (only if free here).
if [ -z "$(ss -Hltn 'sport = :8080')" ]; then
    if try_start "redis on 8080" start_redis 8080; then
        run_door probe 8080 --no-color
        check_eq "redis on 8080: exit 0" 0 "$DOOR_RC"
        check_match "redis on 8080: the probe wins, the number lied" '^8080/tcp +redis +Redis [0-9.]+ \(probe\).*the number lied$' "$DOOR_OUT"
        redis-cli -p 8080 info stats 2>/dev/null | grep -q '^total_connections_received' || true
        check_nomatch "redis on 8080: no HTTP was sent (no SECURITY ATTACK in its log)" "SECURITY ATTACK" "$(cat "$(server_log "$(ss_pids 8080 tcp | head -1)")" 2>/dev/null)"
    fi
else
    skip "redis on 8080" "port 8080 is taken on this machine"
fi
if [ -z "$(ss -Hltn 'sport = :6379')" ]; then
    if try_start "http on 6379" start_http_server 6379; then
        run_door probe 6379 --json
        check_eq "http on 6379: exit 0" 0 "$DOOR_RC"
        check_eq "http on 6379: service http, not redis" http "$(json_field service)"
        check_eq "http on 6379: port_lied" True "$(json_field port_lied)"
    fi
else
    skip "http on 6379" "port 6379 is taken on this machine"
fi

# start_silent PORT: accepts every connection, holds it, never says a word
# (listener.py closes what it accepts).
start_silent() {
    local port=$1 dir
    dir=$(mk_tmpdir silent) || return 1
    start_cmd silent "$port" "$dir" "$PY" -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); s.settimeout(1)
held, end = [], time.time() + 600
while time.time() < end:
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass' "$port"
}

# A door that accepts and never says a word: door gives up on time.
p=$(free_port)
if start_silent "$p" >/dev/null; then
    t0=$(date +%s%N)
    run_door probe "127.0.0.1:$p" --timeout 1s --json
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    check_eq "silent door: exit 1" 1 "$DOOR_RC"
    check_match "silent door: an error says so" '"error": "no answer to any probe' "$DOOR_OUT"
    # silence is no evidence against the clue: it stands, labelled weaker
    check_eq "silent door: the process clue stands, as a clue" "http process" \
        "$(jq_py 'o=d[0]; print(o["service"], o["confidence"])')"
    check "silent door: back within the timeout (${ms} ms)" test "$ms" -lt 1800
    check "silent door: it took most of the timeout (${ms} ms)" test "$ms" -ge 900
    # the card does not wait door probe's timeout: a first-answer budget
    # (door(1), door who), and the way to wait longer
    run_door "$p" --no-color
    check_eq "silent door card: exit 0" 0 "$DOOR_RC"
    check_match "silent door card: nothing yet, and how to wait longer" \
        "answers +nothing yet after 120 ms \\(door probe $p waits longer\\)"$'\n' "$DOOR_OUT"$'\n'
    run_door who "$p" --json
    check_eq "silent door card JSON: the error says how long, the clue stands" \
        "nothing yet after 120 ms http process" \
        "$(jq_py 'p=d[0]["probe"]; print(p["error"], p["service"], p["confidence"])')"
else
    fail "silent listener starts"
fi

# A door whose process never accepts (a blocked event loop looks the same):
# the kernel completes the handshake and keeps the connection in the accept
# queue, and sock_diag shows it without an inode. door says so, for IPv4,
# another loopback address than 127.0.0.1, IPv6, and an IPv4 connection to
# a dual-stack listener (an AF_INET6 socket on the far side). The silent
# door above, which accepts, must not say it.
why_na='its process has not accepted the connection'
for spec in "127.0.0.1 127.0.0.1" "127.0.0.9 127.0.0.9" "::1 [::1]" "::,--dual 127.0.0.1"; do
    set -- $spec
    bind=${1%%,*} opt=; [ "$bind" != "$1" ] && opt=${1#*,}
    p=$(free_port)
    if start_py_listener "$p" "$bind" --no-accept $opt >/dev/null; then
        run_door "$p" --no-color
        check_match "never-accepting door ($1, card): the kernel's reason named" \
            "answers +nothing yet after 120 ms: $why_na \\(door probe $p waits longer\\)" "$DOOR_OUT"
        run_door probe "$2:$p" --timeout 300ms --json
        check_eq "never-accepting door ($1 via $2, door probe): the reason in the JSON error" \
            "no answer to any probe within 300 ms: $why_na" "$(jq_py 'print(d[0]["error"])')"
    else
        fail "never-accepting listener on $1 starts"
    fi
done

# A walk for the owners longer than the card's budget: 300,000 open fds in
# the listener's process group. The card's greeting connection listens on
# while the walk runs, so a greeting slower than the greeting window (a
# server that looks its client up first) is heard without a word said; a
# silent door is given up just after the walk, and says how long it waited.
p=$(free_port); p2=$(free_port)
if pid1=$(start_py_listener "$p" 127.0.0.1 --hold-fds 300000 --banner-after 200 \
        --banner 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n') &&
    pid2=$(start_py_listener "$p2" 127.0.0.1 --hold-fds 300000 --banner-after 60000); then
    t0=$(date +%s%N)
    run_door who "$p" --no-probe --json
    walk=$(( ($(date +%s%N) - t0) / 1000000 ))
    if [ "$walk" -lt 300 ]; then
        skip "slow greeting during a long walk" \
            "the walk of 300,000 fds took only ${walk} ms here, less than the 200 ms greeting needs plus a margin"
    else
        run_door "$p" --no-color
        check_match "slow greeting heard during the walk (${walk} ms): identified by it" \
            "answers +OpenSSH 9\\.2p1, Debian-2\\+deb12u3 \\(probe\\)" "$DOOR_OUT"
        t0=$(date +%s%N)
        run_door who "$p2" --json
        ms=$(( ($(date +%s%N) - t0) / 1000000 ))
        waited=$(jq_py 'print(d[0]["probe"]["error"])')
        check_match "silent door after a long walk: nothing yet, the wait named" \
            '^nothing yet after [0-9]+ ms$' "$waited"
        waited=${waited//[^0-9]/}
        check "silent door after a long walk: it waited past the 120 ms budget (${waited} ms)" \
            test "${waited:-0}" -gt 120
        check "silent door after a long walk: the card took no longer than the wait it names plus 300 ms (${ms} ms)" \
            test "$ms" -le $(( ${waited:-0} + 300 ))
    fi
    # every later owner lookup here would walk their 600,000 fds too
    stop_server "$pid1"
    stop_server "$pid2"
else
    fail "listeners holding 300,000 fds start"
fi

# Garbage first: not identified, not crashed, the bytes not echoed raw.
p=$(free_port)
if start_py_listener "$p" 127.0.0.1 --banner '\x00\xff\x1b[31m\x13\x7fgarbage\x01\x02\xfe\r\n' >/dev/null; then
    run_door probe "127.0.0.1:$p" --no-color
    check_eq "garbage banner: exit 1" 1 "$DOOR_RC"
    check_match "garbage banner: said so" "spoke first" "$DOOR_OUT"
    check_nomatch "garbage banner: no escape byte reaches the terminal" $'\e' "$DOOR_OUT"
    run_door probe "127.0.0.1:$p" --json
    check "garbage banner: valid JSON" "$PY" -c 'import json,sys; json.loads(sys.argv[1])' "$DOOR_OUT"
    # junk contradicts the clue (python3 would be HTTP): unknown, clue kept
    check_eq "garbage banner: no service claimed, the clue kept aside" \
        "None None http process" \
        "$(jq_py 'o=d[0]; c=o["clue"] or {}; print(o["service"], o["confidence"], c.get("service"), c.get("confidence"))')"
else
    fail "garbage listener starts"
fi

# RESP-looking junk ("+OK" and more lines) is not a POP3 greeting.
p=$(free_port)
if start_py_listener "$p" 127.0.0.1 --banner '+OK\r\n-ERR\r\n*1\r\n' >/dev/null; then
    run_door probe "127.0.0.1:$p" --json
    check_eq "RESP-looking junk: not taken for pop3 or redis" "None" \
        "$(jq_py 'print(d[0]["service"])')"
else
    fail "RESP-junk listener starts"
fi

# A door that accepts and hangs up at once, every time (nmap: tcpwrapped).
p=$(free_port)
if start_py_listener "$p" 127.0.0.1 >/dev/null; then
    run_door probe "127.0.0.1:$p" --json
    check_eq "hang-up door: exit 1" 1 "$DOOR_RC"
    check_match "hang-up door: the error says tcpwrapped" '"error": "it accepts, then hangs up.*tcpwrapped' "$DOOR_OUT"
    check_eq "hang-up door: no service claimed" "None" "$(jq_py 'print(d[0]["service"])')"
    run_door probe "127.0.0.1:$p" --no-color
    check_match "hang-up door: the text names the contradicted clue" \
        "unknown +it accepts, then hangs up.*not the http its process python3 suggested" "$DOOR_OUT"
else
    fail "hang-up listener starts"
fi

# Many doors at once: a range takes about as long as its slowest door.
lo=$(free_port)
ports=()
for i in 1 2 3 4 5 6; do
    q=$((lo + i))
    if [ -z "$(ss -Hltn "sport = :$q")" ] && start_silent "$q" >/dev/null 2>&1; then ports+=("$q"); fi
done
t0=$(date +%s%N)
run_door probe "127.0.0.1:$lo-$((lo + 6))" --timeout 1s --json
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
# count our doors only: a port of the range this test could not take is
# someone else's listener, and may be open too
n=$("$PY" -c 'import json,sys; ours={int(p) for p in sys.argv[2:]}; print(len([o for o in json.loads(sys.argv[1]) if o["state"] == "open" and o["port"] in ours]))' "$DOOR_OUT" "${ports[@]}" 2>/dev/null)
check_eq "range: every open door probed (${#ports[@]})" "${#ports[@]}" "$n"
check "range of ${#ports[@]} silent doors in about one timeout (${ms} ms)" test "$ms" -lt 2500

# Closed, and usage.
p=$(free_port)
run_door probe "127.0.0.1:$p"
check_eq "closed door: exit 1" 1 "$DOOR_RC"
check_match "closed door: refused" "closed +refused" "$DOOR_OUT"
run_door probe
check_eq "no target: exit 2" 2 "$DOOR_RC"
run_door probe 70000
check_eq "bad port: exit 2" 2 "$DOOR_RC"
run_door probe 3000 --timeout 0
check_eq "timeout 0: exit 2" 2 "$DOOR_RC"

finish
