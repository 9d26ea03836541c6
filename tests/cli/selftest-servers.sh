#!/usr/bin/env bash
# tests/cli/selftest-servers.sh: prove the end-to-end test harness itself works.
#
# Starts every kind of server that servers.sh offers on free loopback ports,
# cross-checks each against the kernel's view (`ss -Hltunp` and the inode-based
# ss_listeners), talks to it over loopback, stops it and checks the port is
# released. Then checks that a test script that dies early, or is killed, still
# leaves no process behind and is reported as failed.
#
# Needs root (nginx master, postgres as user postgres, setpriv). Does not need
# door itself. Run: bash tests/cli/selftest-servers.sh
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"

if [ "$(id -u)" != 0 ]; then
    skip "server self-test" "needs root (nginx master, postgres via setpriv)"
    finish
fi

IPV6=0
if have_ipv6; then IPV6=1; fi

# crosscheck NAME PID PORT PROTO EXPECTED_ADDRS: PID (or its group) owns PORT
# in ss -p output, and the bound addresses are exactly EXPECTED_ADDRS
# (space-separated, sorted as `sort -u` sorts them).
crosscheck() {
    local name=$1 pid=$2 port=$3 proto=$4 want=$5 f raw addrs
    f=$(_t_ss_flag "$proto")
    raw=$(ss -Hl"$f"np "sport = :$port")
    check_match "$name: ss -p shows pid $pid on $proto port $port" "pid=$pid," "$raw"
    addrs=$(ss_listeners "$port" "$proto" | awk '{ print $2 }' | sort -u | tr '\n' ' ')
    check_eq "$name: bound addresses" "$want" "${addrs% }"
    local nl=$'\n'
    check_match "$name: ss_listeners lists pid $pid" "(^|$nl)$proto [^ ]+ $port $pid($|$nl)" "$(ss_listeners "$port" "$proto")"
}

# stopcheck NAME PID PORT [PROTO]: stop_server works and the port is released.
stopcheck() {
    local name=$1 pid=$2 port=$3 proto=${4:-tcp}
    check "$name: stop_server" stop_server "$pid"
    check "$name: port $port released" wait_unlisten "$port" "$proto" 5
}

# ---------------------------------------------------------------- helpers

p1=$(free_port)
p2=$(free_port udp)
check_match "free_port gives a port in 20000-40000" '^[2-3][0-9]{4}$|^40000$' "$p1"
check "free_port does not repeat itself" test "$p1" != "$p2"
check_eq "run_as_nobody runs as uid 65534" 65534 "$(run_as_nobody id -u)"
check_eq "run_as_nobody drops supplementary groups" "$(id -g nobody)" "$(run_as_nobody id -G)"
user=$(ensure_test_user) || user=
check_eq "ensure_test_user creates doortest (idempotent)" doortest "$user"
check "ensure_test_user again" ensure_test_user
check_rc "check_rc sees exit status 1" 1 false
check_eq "proc_starttime is stable" "$(proc_starttime $$)" "$(proc_starttime $$)"
check_rc "knock refuses non-loopback targets" 2 knock 192.0.2.1 80

# ---------------------------------------------------------------- http.server

port=$(free_port)
if pid=$(start_http_server "$port"); then
    pass "start_http_server 127.0.0.1:$port (pid $pid)"
    crosscheck "http.server v4" "$pid" "$port" tcp "127.0.0.1"
    check_match "http.server answers over loopback" "door test page" "$(tcp_exchange 127.0.0.1 "$port" 'GET / HTTP/1.0\r\n\r\n')"
    stopcheck "http.server v4" "$pid" "$port"
else
    fail "start_http_server 127.0.0.1:$port"
fi

if [ "$IPV6" = 1 ]; then
    port=$(free_port)
    if pid=$(start_http_server "$port" ::1); then
        pass "start_http_server [::1]:$port"
        crosscheck "http.server v6" "$pid" "$port" tcp "::1"
        check_eq "nothing on 127.0.0.1 for a ::1-only server" refused "$(knock 127.0.0.1 "$port")"
        stopcheck "http.server v6" "$pid" "$port"
    else
        fail "start_http_server [::1]:$port"
    fi
else
    skip "http.server on ::1" "no IPv6 on this machine"
fi

# ---------------------------------------------------------------- listener.py

port=$(free_port)
if pid=$(start_py_listener "$port" 127.0.0.1); then
    crosscheck "listener v4" "$pid" "$port" tcp "127.0.0.1"
    check_eq "listener v4 accepts" open "$(knock 127.0.0.1 "$port")"
    stopcheck "listener v4" "$pid" "$port"
else
    fail "start_py_listener 127.0.0.1"
fi

if [ "$IPV6" = 1 ]; then
    port=$(free_port)
    if pid=$(start_py_listener "$port" :: --v6only); then
        crosscheck "listener [::] v6only" "$pid" "$port" tcp "::"
        check_eq "v6only: ::1 open" open "$(knock ::1 "$port")"
        check_eq "v6only: 127.0.0.1 refused" refused "$(knock 127.0.0.1 "$port")"
        stopcheck "listener v6only" "$pid" "$port"
    else
        fail "start_py_listener :: --v6only"
    fi

    port=$(free_port)
    if pid=$(start_py_listener "$port" :: --dual); then
        crosscheck "listener [::] dual-stack" "$pid" "$port" tcp "*"
        check_eq "dual: 127.0.0.1 open" open "$(knock 127.0.0.1 "$port")"
        check_eq "dual: ::1 open" open "$(knock ::1 "$port")"
        stopcheck "listener dual" "$pid" "$port"
    else
        fail "start_py_listener :: --dual"
    fi

    port=$(free_port udp)
    if pid=$(start_py_listener "$port" ::1 --udp --banner 'pong'); then
        crosscheck "listener udp ::1" "$pid" "$port" udp "::1"
        check_eq "udp listener answers" pong "$(udp_exchange ::1 "$port" ping)"
        stopcheck "listener udp" "$pid" "$port" udp
    else
        fail "start_py_listener ::1 --udp"
    fi
else
    skip "v6 listeners" "no IPv6 on this machine"
fi

port=$(free_port)
if pid=$(start_py_listener "$port" 127.0.0.1 --fork 2 --banner 'hello\n'); then
    pids=$(ss_pids "$port" tcp | tr '\n' ' ')
    check_eq "--fork 2: three processes hold the socket" 3 "$(ss_pids "$port" tcp | wc -l)"
    check_eq "--fork 2: one socket (one inode) shared" 1 "$(ss -Hltne "sport = :$port" | wc -l)"
    check_match "--fork 2: the parent is among them" "(^| )$pid( |$)" "$pids"
    check_eq "--fork 2: workers are children of the parent" 2 "$(ps -o pid= --ppid "$pid" | wc -l)"
    check_eq "--banner is sent" hello "$(tcp_exchange 127.0.0.1 "$port" '')"
    stopcheck "listener --fork" "$pid" "$port"
    check_eq "--fork: workers die with the parent" "" "$(ss_pids "$port" tcp)"
else
    fail "start_py_listener --fork 2"
fi

# Hostile names: comm is what ss/ps/door show; argv[0] is what cmdline shows.
port=$(free_port)
if pid=$(start_py_listener "$port" 127.0.0.1 --name 'a b)\n\e[31m\xff' --argv0 'srv (x)\nnew\xfe'); then
    check_eq "--name sets comm bytes (space, ')', newline, ESC, invalid UTF-8)" \
        "61 20 62 29 0a 1b 5b 33 31 6d ff 0a" "$(od -An -tx1 "/proc/$pid/comm" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')"
    check_eq "--argv0 sets argv[0] bytes" "73 72 76 20 28 78 29 0a 6e 65 77 fe 00" \
        "$(head -c 13 "/proc/$pid/cmdline" | od -An -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')"
    crosscheck "listener with hostile name" "$pid" "$port" tcp "127.0.0.1"
    stopcheck "listener with hostile name" "$pid" "$port"
else
    fail "start_py_listener --name/--argv0"
fi

# A process that dropped to nobody after binding: nobody must see its own fds.
port=$(free_port)
if pid=$(start_py_listener "$port" 127.0.0.1 --user nobody); then
    check_eq "--user nobody: runs as nobody" 65534 "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")"
    check "--user nobody: nobody can read its fds" run_as_nobody ls "/proc/$pid/fd"
    crosscheck "listener --user nobody" "$pid" "$port" tcp "127.0.0.1"
    stopcheck "listener --user nobody" "$pid" "$port"
else
    fail "start_py_listener --user nobody"
fi

# ---------------------------------------------------------------- nginx

port=$(free_port)
pid=$(start_nginx "$port")
rc=$?
if [ "$rc" = 0 ]; then
    want="127.0.0.1"
    [ "$IPV6" = 1 ] && want="127.0.0.1 ::1"
    crosscheck "nginx" "$pid" "$port" tcp "$want"
    check_eq "nginx: master + 2 workers hold the sockets" 3 "$(ss_pids "$port" tcp | wc -l)"
    wuser=$(ps -o user= --ppid "$pid" | sort -u | tr -d ' ')
    check_match "nginx: workers run unprivileged" '^(www-data|nobody)$' "$wuser"
    check_match "nginx answers HTTP" "HTTP/1.1 200 OK.*door test nginx" "$(tcp_exchange 127.0.0.1 "$port" 'GET / HTTP/1.0\r\n\r\n')"
    if [ "$IPV6" = 1 ]; then
        check_match "nginx answers on ::1" "door test nginx" "$(tcp_exchange ::1 "$port" 'GET / HTTP/1.0\r\n\r\n')"
    fi
    check "server_dir finds the nginx dir" test -f "$(server_dir "$pid")/nginx.conf"
    stopcheck "nginx" "$pid" "$port"
elif [ "$rc" = 2 ]; then
    skip "nginx" "nginx not installed"
else
    fail "start_nginx $port"
fi

# ---------------------------------------------------------------- redis

port=$(free_port)
pid=$(start_redis "$port")
rc=$?
if [ "$rc" = 0 ]; then
    want="127.0.0.1"
    [ "$IPV6" = 1 ] && want="127.0.0.1 ::1"
    crosscheck "redis" "$pid" "$port" tcp "$want"
    check_match "redis answers PING" '^\+PONG' "$(tcp_exchange 127.0.0.1 "$port" 'PING\r\n' 1)"
    stopcheck "redis" "$pid" "$port"
elif [ "$rc" = 2 ]; then
    skip "redis" "redis-server not installed"
else
    fail "start_redis $port"
fi

# ---------------------------------------------------------------- postgres

port=$(free_port)
pid=$(start_postgres "$port")
rc=$?
if [ "$rc" = 0 ]; then
    crosscheck "postgres" "$pid" "$port" tcp "127.0.0.1"
    check_eq "postgres runs as user postgres" "$(id -u postgres)" "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")"
    check "postgres unix socket in server_dir/sock" test -S "$(server_dir "$pid")/sock/.s.PGSQL.$port"
    # SSLRequest: a PostgreSQL server answers one byte, 'N' (no TLS) or 'S'.
    check_match "postgres answers SSLRequest" '^[NS]$' "$(tcp_exchange 127.0.0.1 "$port" '\x00\x00\x00\x08\x04\xd2\x16\x2f' 1)"
    check_rc "postgres owner is hidden from nobody" 2 run_as_nobody ls "/proc/$pid/fd"
    stopcheck "postgres" "$pid" "$port"
elif [ "$rc" = 2 ]; then
    skip "postgres" "postgresql not installed"
else
    fail "start_postgres $port"
fi

# ---------------------------------------------------------------- memcached

port=$(free_port)
pid=$(start_memcached "$port" --udp)
rc=$?
if [ "$rc" = 0 ]; then
    crosscheck "memcached tcp" "$pid" "$port" tcp "127.0.0.1"
    crosscheck "memcached udp" "$pid" "$port" udp "127.0.0.1"
    check_match "memcached answers version (tcp)" '^VERSION ' "$(tcp_exchange 127.0.0.1 "$port" 'version\r\n' 1)"
    # UDP frame header: request id 1, seq 0, 1 datagram, reserved 0.
    check_match "memcached answers version (udp)" 'VERSION ' "$(udp_exchange 127.0.0.1 "$port" '\x00\x01\x00\x00\x00\x01\x00\x00version\r\n' | tr -d '\0')"
    stopcheck "memcached" "$pid" "$port"
elif [ "$rc" = 2 ]; then
    skip "memcached" "memcached not installed (optional; scripts/deps.sh test installs it)"
else
    fail "start_memcached $port"
fi

# ---------------------------------------------------------------- cleanup proof

# A test script that dies before finish must be reported as failed and must
# leave nothing behind; the same when it is killed with SIGTERM.
child=$(mk_tmpdir child)
cat >"$child/dies.sh" <<EOF
. "$LIB_DIR/lib.sh"
. "$LIB_DIR/servers.sh"
p=\$(free_port); a=\$(start_py_listener "\$p" 127.0.0.1 --fork 2)
q=\$(free_port); b=\$(start_redis "\$q")
echo "\$a \$p \$b \$q \$_T_ROOT" >"$child/info"
pass "child ran"
# A trapped signal interrupts 'wait' at once, but not a foreground sleep.
if [ "\${1:-}" = wait ]; then sleep 30 & on_exit_kill \$!; wait \$!; fi
exit 3
EOF

out=$(bash "$child/dies.sh" 2>&1)
rc=$?
read -r a pa b pb root <"$child/info"
check_eq "early exit: status kept" 3 "$rc"
check_match "early exit: reported as not ok" "not ok - dies.sh stopped before finish \(exit status 3\)" "$out"
check_match "early exit: summary counts the failure" "FAIL 1" "$out"
check "early exit: listener gone" wait_gone "$a" 3
check "early exit: redis gone" wait_gone "$b" 3
check_eq "early exit: nothing listens on either port" "" "$(ss_listeners "$pa"; ss_listeners "$pb")"
check "early exit: temp root removed" test ! -e "$root"

rm -f "$child/info"
bash "$child/dies.sh" wait >"$child/out" 2>&1 &
cpid=$!
on_exit_kill "$cpid"
for ((i = 0; i < 100; i++)); do [ -s "$child/info" ] && break; sleep 0.1; done
if [ -s "$child/info" ]; then
    read -r a pa b pb root <"$child/info"
    kill -TERM "$cpid"
    wait "$cpid"
    rc=$?
    check_eq "SIGTERM: script exits 143" 143 "$rc"
    check "SIGTERM: listener gone" wait_gone "$a" 3
    check "SIGTERM: redis gone" wait_gone "$b" 3
    check_eq "SIGTERM: nothing listens on either port" "" "$(ss_listeners "$pa"; ss_listeners "$pb")"
    check "SIGTERM: temp root removed" test ! -e "$root"
else
    fail "SIGTERM child started" "$(cat "$child/out")"
fi

finish
