# shellcheck shell=bash
# tests/cli/servers.sh: start REAL servers on loopback for door's end-to-end tests.
#
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/servers.sh"
#   port=$(free_port) || ...
#   pid=$(start_redis "$port") || { fail "redis starts"; ...; }
#
# Every start_* function:
#   - runs the server in its own temp dir (config, logs, data) under lib.sh's root,
#   - starts it with setsid (pid == process group id), so its forked workers
#     and children are killed together with it,
#   - registers it for cleanup at exit (TERM or the server's fast-shutdown
#     signal, then KILL) plus a watchdog that kills it after
#     DOOR_TEST_MAX_LIFETIME seconds even if the test shell itself was killed,
#   - waits (bounded) until the kernel shows it listening on PORT AND one of the
#     listening sockets is owned by the started process group,
#   - prints the main PID (the process that owns the listening socket) on stdout.
# Return status: 0 started; 1 failed to start (reason and log tail on stderr);
# 2 the server is not installed here (caller should `skip` with the message) -
# but under CI=true a missing server is status 1: CI must have everything,
# and a skip there would hide a broken scripts/deps.sh.
#
# They work both directly and in $(...): the pid and temp dir are also kept in
# a registry file, see server_dir/server_log. Server stdout/stderr always go to
# a log file, never to the caller's stdout (a $(...) would otherwise wait for
# the server to exit).

if [ -z "${_DOOR_LIB_LOADED:-}" ]; then
    # shellcheck source=tests/cli/lib.sh
    . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi
if [ -n "${_DOOR_SERVERS_LOADED:-}" ]; then
    return 0
fi
_DOOR_SERVERS_LOADED=1

# Seconds to wait for a server to listen; postgres gets more (initdb + startup).
SERVER_START_TIMEOUT=${SERVER_START_TIMEOUT:-15}
PG_START_TIMEOUT=${PG_START_TIMEOUT:-60}

# ------------------------------------------------------------ internals

# _srv_need BIN...: 0 if all found, else message + 2 (or 1 under CI).
_srv_need() {
    local b
    for b in "$@"; do
        if ! command -v "$b" >/dev/null 2>&1 && [ ! -x "$b" ]; then
            if [ "${CI:-}" = true ]; then
                echo "server binary '$b' not installed (CI must have it: see scripts/deps.sh test)" >&2
                return 1
            fi
            echo "server binary '$b' not installed (scripts/deps.sh test installs it)" >&2
            return 2
        fi
    done
}

# _srv_spawn LOG CMD...: start CMD in its own session/process group with output
# to LOG; prints its pid. Without job control (the case in scripts) a
# background child is not a group leader, so setsid(1) execs in place and
# $! is the server itself. With job control (set -m) bash already made it a
# group leader, and setsid(1) would fork, so we skip setsid there.
_srv_spawn() {
    local log=$1
    shift
    if [[ $- == *m* ]]; then
        "$@" </dev/null >>"$log" 2>&1 &
    else
        setsid "$@" </dev/null >>"$log" 2>&1 &
    fi
    printf '%s\n' "$!"
}

# _srv_watchdog PID: kill PID's group after DOOR_TEST_MAX_LIFETIME seconds,
# if PID is still the same process (start time check). The watchdog is itself
# registered for cleanup, so it never outlives a normal run.
_srv_watchdog() {
    local pid=$1 st wd
    st=$(proc_starttime "$pid") || return 0
    setsid bash -c '
        life=$1 pid=$2 start=$3
        sleep "$life" || exit 0
        s=$(cat "/proc/$pid/stat" 2>/dev/null) || exit 0
        s=${s##*) }
        read -r -a f <<<"$s"
        # f[0] is field 3 (state) of /proc/PID/stat, so f[19] is field 22, starttime.
        [ "${f[19]:-}" = "$start" ] || exit 0
        kill -TERM -- "-$pid" 2>/dev/null; sleep 2; kill -KILL -- "-$pid" 2>/dev/null
    ' door-watchdog "$DOOR_TEST_MAX_LIFETIME" "$pid" "$st" </dev/null >/dev/null 2>&1 &
    wd=$!
    on_exit_kill "$wd" --group
}

# _srv_fail PID LOG MESSAGE: report a failed start, show the log, stop PID now.
_srv_fail() {
    local pid=$1 log=$2 msg=$3
    {
        echo "server start failed: $msg"
        if [ -s "$log" ]; then
            echo "--- last lines of $log:"
            tail -n 20 "$log" | cat -v
        fi
    } >&2
    if [ -n "$pid" ]; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
        wait_gone "$pid" 3 >/dev/null 2>&1 || kill -KILL -- "-$pid" 2>/dev/null
    fi
    return 1
}

# _srv_wait KIND PID PORT PROTO TIMEOUT LOG: bounded wait for the listener, then
# check that the port's socket belongs to PID's process group (not to some other
# process that took the port in between).
_srv_wait() {
    local kind=$1 pid=$2 port=$3 proto=$4 t=$5 log=$6 p pg ok=0
    if ! wait_listen "$port" "$proto" "$t" "$pid" 2>>"$log"; then
        _srv_fail "$pid" "$log" "$kind on $proto port $port: not listening within ${t}s"
        return 1
    fi
    for p in $(ss_pids "$port" "$proto"); do
        if _t_stat "$p"; then pg=${_T_STAT[2]}; else continue; fi
        if [ "$p" = "$pid" ] || [ "$pg" = "$pid" ]; then ok=1; break; fi
    done
    if [ "$ok" != 1 ]; then
        _srv_fail "$pid" "$log" "$kind: port $port is listened on by pids [$(ss_pids "$port" "$proto" | tr '\n' ' ')], not by $pid's group"
        return 1
    fi
}

_srv_register() { # PID KIND PORT DIR
    printf '%s %s %s %s\n' "$1" "$2" "$3" "$4" >>"$_T_ROOT/.servers"
}

# ------------------------------------------------------------ public helpers

# server_dir PID: the temp dir of a server started here (config, data, logs).
server_dir() {
    awk -v p="$1" '$1 == p { d = $4 } END { if (d == "") exit 1; print d }' "$_T_ROOT/.servers"
}

# server_log PID: its log file.
server_log() {
    local d
    d=$(server_dir "$1") || return 1
    printf '%s\n' "$d/server.log"
}

# stop_server PID [TIMEOUT_S=10]: stop a server (and its process group) now,
# with its registered shutdown signal, KILL after the timeout; 0 once gone.
stop_server() {
    local pid=$1 t=${2:-10} sig
    sig=$(awk -v p="$pid" '$1 == p { s = $4 } END { print (s == "" ? "TERM" : s) }' "$_T_ROOT/.pids")
    kill -s "$sig" -- "-$pid" 2>/dev/null || kill -s "$sig" "$pid" 2>/dev/null
    if ! wait_gone "$pid" "$t" 2>/dev/null; then
        kill -s KILL -- "-$pid" 2>/dev/null || kill -s KILL "$pid" 2>/dev/null
        wait_gone "$pid" 2 || return 1
    fi
}

# ------------------------------------------------------------ servers

# start_cmd KIND PORT DIR CMD...: a server of a test's own, started the way
# the functions below start theirs (own process group, cleanup at exit,
# watchdog, bounded wait for the listener; START_T overrides the wait).
# Prints the pid.
start_cmd() {
    local kind=$1 port=$2 dir=$3 pid
    shift 3
    pid=$(cd "$dir" && _srv_spawn "$dir/server.log" "$@")
    on_exit_kill "$pid" --group
    _srv_watchdog "$pid"
    _srv_wait "$kind" "$pid" "$port" tcp "${START_T:-$SERVER_START_TIMEOUT}" "$dir/server.log" || return 1
    printf '%s\n' "$pid"
}

# start_http_server PORT [BIND=127.0.0.1]: python3 -m http.server serving a
# temp dir containing index.html ("door test page"). BIND may be ::1, :: etc.
start_http_server() {
    local port=$1 bind=${2:-127.0.0.1} dir log pid
    _t_isnum "$port" || { echo "start_http_server: bad port '$port'" >&2; return 1; }
    dir=$(mk_tmpdir http) || return 1
    log=$dir/server.log
    echo "door test page" >"$dir/index.html"
    pid=$(cd "$dir" && _srv_spawn "$log" "$PY" -m http.server "$port" --bind "$bind" --directory "$dir")
    on_exit_kill "$pid" --group
    _srv_watchdog "$pid"
    _srv_wait http.server "$pid" "$port" tcp "$SERVER_START_TIMEOUT" "$log" || return 1
    _srv_register "$pid" http "$port" "$dir"
    printf '%s\n' "$pid"
}

# start_py_listener PORT ADDR [OPTIONS...]: tests/cli/listener.py bound exactly
# as asked. Options (passed to listener.py unless noted):
#   --v6only | --dual     for a v6 ADDR: IPV6_V6ONLY 1 (default) or 0 (:: takes v4 too)
#   --udp                 UDP instead of TCP
#   --fork N              N worker processes sharing the one listening socket
#   --name ESCAPED        process name (comm, 15 bytes max) from escapes: 'a\x29b',
#                         'x\ny', '\e[31mred', '\xff\xfe' (invalid UTF-8)
#   --argv0 ESCAPED       (handled here) argv[0] of the python process, i.e. the
#                         first word of /proc/PID/cmdline, via exec -a
#   --exit-after S        lifetime in seconds (default 600)
#   --user NAME           drop to NAME after binding (socket bound as root)
#   --reuseport, --backlog N, --banner ESCAPED (sent to each client), --no-accept
# The printed pid is the parent; with --fork its N children share the socket.
start_py_listener() {
    local port=${1:-} addr=${2:-} proto=tcp argv0='' dir log pid
    _t_isnum "$port" && [ -n "$addr" ] || { echo "usage: start_py_listener PORT ADDR [opts]" >&2; return 1; }
    shift 2
    local args=()
    while [ $# -gt 0 ]; do
        case $1 in
            --udp) proto=udp; args+=("$1") ;;
            --argv0) printf -v argv0 '%b' "${2:?--argv0 needs a value}"; shift ;;
            *) args+=("$1") ;;
        esac
        shift
    done
    dir=$(mk_tmpdir listener) || return 1
    log=$dir/server.log
    local cmd=("$PY" "$LIB_DIR/listener.py" --port "$port" --addr "$addr" "${args[@]}")
    if [ -n "$argv0" ]; then
        # bash -c execs python in place, so the pid stays the same.
        cmd=(bash -c 'exec -a "$0" "$@"' "$argv0" "${cmd[@]}")
    fi
    pid=$(cd "$dir" && _srv_spawn "$log" "${cmd[@]}")
    on_exit_kill "$pid" --group
    _srv_wait listener.py "$pid" "$port" "$proto" "$SERVER_START_TIMEOUT" "$log" || return 1
    _srv_register "$pid" listener "$port" "$dir"
    printf '%s\n' "$pid"
}

# start_nginx PORT: nginx as root, master + 2 workers (user www-data, or
# nobody), listening on 127.0.0.1:PORT and [::1]:PORT (v4 only when the machine
# has no IPv6). All paths (pid, logs, temp dirs) are inside its temp dir.
# Prints the master pid; it returns only once both workers hold the socket.
start_nginx() {
    local port=$1 dir log pid user group i n
    _t_isnum "$port" || { echo "start_nginx: bad port '$port'" >&2; return 1; }
    local rc=0
    _srv_need nginx || rc=$?
    [ "$rc" = 0 ] || return "$rc"
    if [ "$(id -u)" != 0 ]; then echo "start_nginx: needs root (master runs as root)" >&2; return 1; fi
    dir=$(mk_tmpdir nginx) || return 1
    log=$dir/server.log
    if id -u www-data >/dev/null 2>&1; then user=www-data; group=$(id -gn www-data); else user=nobody; group=$(id -gn nobody); fi
    mkdir -p "$dir/www" "$dir/tmp"
    echo "door test nginx" >"$dir/www/index.html"
    local listen6=
    if have_ipv6; then listen6="listen [::1]:$port;"; fi
    cat >"$dir/nginx.conf" <<EOF
# Generated by tests/cli/servers.sh for one test run.
daemon off;
master_process on;
worker_processes 2;
user $user $group;
pid $dir/nginx.pid;
error_log $dir/error.log notice;
events { worker_connections 64; }
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        $listen6
        root $dir/www;
        location / { default_type text/plain; }
    }
}
EOF
    # -e: the error log used before the config is read (the compiled-in
    # /var/log/nginx/error.log may not exist); -p: prefix for relative paths.
    pid=$(cd "$dir" && _srv_spawn "$log" nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf")
    on_exit_kill "$pid" --group
    _srv_watchdog "$pid"
    _srv_wait nginx "$pid" "$port" tcp "$SERVER_START_TIMEOUT" "$log" || { tail -n 5 "$dir/error.log" >&2 2>/dev/null; return 1; }
    # Workers are forked after the sockets are bound: wait for master + 2.
    for ((i = 0; i < SERVER_START_TIMEOUT * 10; i++)); do
        n=$(ss_pids "$port" tcp | wc -l)
        [ "$n" -ge 3 ] && break
        sleep 0.1
    done
    if [ "$n" -lt 3 ]; then
        _srv_fail "$pid" "$dir/error.log" "nginx: only $n process(es) hold port $port, expected master + 2 workers"
        return 1
    fi
    _srv_register "$pid" nginx "$port" "$dir"
    printf '%s\n' "$pid"
}

# start_redis PORT: redis-server on 127.0.0.1 and ::1 (::1 optional: the '-'
# prefix), no persistence, in the foreground, as root. Note redis rewrites its
# own cmdline to "redis-server 127.0.0.1:PORT".
start_redis() {
    local port=$1 dir log pid
    _t_isnum "$port" || { echo "start_redis: bad port '$port'" >&2; return 1; }
    local rc=0
    _srv_need redis-server || rc=$?
    [ "$rc" = 0 ] || return "$rc"
    dir=$(mk_tmpdir redis) || return 1
    log=$dir/server.log
    pid=$(cd "$dir" && _srv_spawn "$log" redis-server --port "$port" --bind 127.0.0.1 -::1 \
        --save '' --appendonly no --daemonize no --dir "$dir" --logfile '' \
        --databases 1 --maxclients 64)
    on_exit_kill "$pid" --group
    _srv_watchdog "$pid"
    _srv_wait redis "$pid" "$port" tcp "$SERVER_START_TIMEOUT" "$log" || return 1
    _srv_register "$pid" redis "$port" "$dir"
    printf '%s\n' "$pid"
}

# pg_bin_dir: the newest /usr/lib/postgresql/*/bin (or $PG_BIN).
pg_bin_dir() {
    if [ -n "${PG_BIN:-}" ]; then printf '%s\n' "$PG_BIN"; return 0; fi
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$d" ] && [ -x "$d/postgres" ] || return 1
    printf '%s\n' "$d"
}

# start_postgres PORT [LISTEN_ADDRESSES=127.0.0.1]: initdb a fresh cluster in a
# temp dir and run postgres as the unprivileged user `postgres` (a server whose
# sockets root sees but nobody does: for hidden-owner tests). Unix socket in
# DIR/sock (server_dir PID), trust auth, fsync off. Prints the postmaster pid.
# Stopped with SIGINT (fast shutdown): SIGTERM would wait for clients.
start_postgres() {
    local port=$1 listen=${2:-127.0.0.1} bin dir log pid
    _t_isnum "$port" || { echo "start_postgres: bad port '$port'" >&2; return 1; }
    if ! bin=$(pg_bin_dir); then
        if [ "${CI:-}" = true ]; then echo "postgresql server not installed (CI must have it)" >&2; return 1; fi
        echo "postgresql server not installed (scripts/deps.sh test installs it)" >&2
        return 2
    fi
    if ! id -u postgres >/dev/null 2>&1; then echo "start_postgres: no 'postgres' user" >&2; return 1; fi
    if [ "$(id -u)" != 0 ]; then echo "start_postgres: needs root (to run as user postgres)" >&2; return 1; fi
    dir=$(mk_tmpdir pg) || return 1
    log=$dir/server.log
    mkdir -p "$dir/data" "$dir/sock"
    chown postgres:postgres "$dir/data" "$dir/sock"
    chmod 700 "$dir/data"
    : >"$log"
    chown postgres "$log"
    local as_pg=(setpriv --reuid=postgres --regid="$(id -g postgres)" --init-groups --)
    # C locale: CI machines may have no other locale generated. --no-sync: speed.
    if ! (cd "$dir" && LC_ALL=C LANG=C timeout -k 2 "$PG_START_TIMEOUT" "${as_pg[@]}" \
        "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
        >>"$log" 2>&1 </dev/null); then
        _srv_fail "" "$log" "initdb failed"
        return 1
    fi
    pid=$(cd "$dir" && LC_ALL=C LANG=C _srv_spawn "$log" "${as_pg[@]}" "$bin/postgres" -D "$dir/data" \
        -p "$port" -k "$dir/sock" -c listen_addresses="$listen" \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c shared_buffers=16MB -c max_connections=20 -c logging_collector=off)
    on_exit_kill "$pid" --group --signal INT
    _srv_watchdog "$pid"
    _srv_wait postgres "$pid" "$port" tcp "$PG_START_TIMEOUT" "$log" || return 1
    _srv_register "$pid" postgres "$port" "$dir"
    printf '%s\n' "$pid"
}

# start_memcached PORT [--udp]: memcached on 127.0.0.1:PORT (and UDP on the
# same port with --udp: a real UDP server), running as user memcache (or
# nobody). Returns 2 if memcached is not installed (outside CI).
start_memcached() {
    local port=$1 udp=0 dir log pid user
    _t_isnum "$port" || { echo "start_memcached: bad port '$port'" >&2; return 1; }
    [ "${2:-}" = --udp ] && udp=$port
    local rc=0
    _srv_need memcached || rc=$?
    [ "$rc" = 0 ] || return "$rc"
    if id -u memcache >/dev/null 2>&1; then user=memcache; else user=nobody; fi
    dir=$(mk_tmpdir memcached) || return 1
    log=$dir/server.log
    local uopt=()
    [ "$(id -u)" = 0 ] && uopt=(-u "$user")
    pid=$(cd "$dir" && _srv_spawn "$log" memcached -l 127.0.0.1 -p "$port" -U "$udp" "${uopt[@]}" -m 16 -c 64 -t 2)
    on_exit_kill "$pid" --group
    _srv_watchdog "$pid"
    _srv_wait memcached "$pid" "$port" tcp "$SERVER_START_TIMEOUT" "$log" || return 1
    if [ "$udp" != 0 ]; then
        _srv_wait memcached "$pid" "$port" udp "$SERVER_START_TIMEOUT" "$log" || return 1
    fi
    _srv_register "$pid" memcached "$port" "$dir"
    printf '%s\n' "$pid"
}
