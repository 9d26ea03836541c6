#!/usr/bin/env bash
# door ui against bad clients (tests/ui/abuse.py, real sockets): huge
# request heads, slow clients (more than the connection limit; a
# slowloris that trickles), a burst of 10,000 requests, malformed and
# oversized bodies to every action, more event streams than allowed, and
# all of it again without the token. Each gets a clear error (or its
# connection ended), a normal client is served all along, the server's
# memory stays bounded (VmHWM), and it stops cleanly at the end (under
# ASan: no leak, no error).
#
# It runs in a network namespace of its own when it can make one, as
# test-ui-browser.sh does: the table is then this test's doors alone, and
# a machine busy with a million fds (a benchmark) does not make every
# /api/doors take seconds.
. "$(dirname "$0")/own-netns.sh" door-abuse "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ui.sh"

# server.h's bounds, which these cases are about
CONN_MAX=512      # UI_CONN_MAX, per address
HEAD_S=10         # UI_HEAD_S: a request must come whole within it
IDLE_S=10         # UI_IDLE_S: libmicrohttpd's own timeout
SSE_MAX=400       # UI_SSE_MAX

need_door
[ -n "${DOOR_UI_IN_NETNS:-}" ] && diag "in network namespace $DOOR_UI_IN_NETNS"
abuse=$REPO_ROOT/tests/ui/abuse.py
out=$(mk_tmpdir abuse)

# abuse CASE ARGS...: runs one case; its check lines become checks.
abuse() {
    local rc kind name want got
    "$PY" "$abuse" "$@" >"$out/lines" 2>"$out/err"
    rc=$?
    while IFS=$'\t' read -r kind name want got; do
        case $kind in
            check) check_eq "$name" "$want" "$got" ;;
            diag) diag "$name" ;;
        esac
    done <"$out/lines"
    if [ "$rc" -ne 0 ]; then
        fail "abuse.py $1 ran to its end" "exit status $rc" "$(tail -20 "$out/err")"
    fi
}

# hwm PID: the peak resident memory, in KiB.
hwm() {
    awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null
}

alive() {
    if proc_alive "$UI_PID"; then pass "$1: door ui is alive"; else fail "$1: door ui is alive" "$(tail -20 "$UI_ERR")"; fi
}

# the client here holds more than CONN_MAX sockets at once
if [ "$(ulimit -n)" -lt $((CONN_MAX + 200)) ]; then
    ulimit -n $((CONN_MAX + 200)) 2>/dev/null
fi

# Under ASan every freed block waits in a quarantine (256 MiB by default)
# before it is reused: a small one keeps the memory bound below meaningful.
asan=0
if nm -D "$DOOR" 2>/dev/null | grep -q __asan_init; then
    asan=1
    export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16
    diag "an ASan build: its quarantine is 16 MiB here"
fi

start_ui || { fail "door ui starts"; finish; }
pass "door ui starts"
# a first request of each kind: what it holds to serve at all
ui_status -H "$UI_COOKIE" "$UI_BASE/api/doors" >/dev/null
ui_status -H "$UI_COOKIE" "$UI_BASE/" >/dev/null
start_kb=$(hwm "$UI_PID")
diag "door ui's VmHWM after its first requests: $start_kb KiB"

abuse headers
alive "huge heads"
diag "VmHWM: $(hwm "$UI_PID") KiB"

if [ "$(ulimit -n)" -ge $((CONN_MAX + 100)) ]; then
    abuse slow-limit $((CONN_MAX + 20)) 127.0.0.1
    if have_ipv6; then abuse slow-limit $((CONN_MAX + 20)) ::1; fi
else
    skip "more slow clients than the connection limit" "ulimit -n is $(ulimit -n): too few descriptors for $((CONN_MAX + 20)) sockets"
fi
alive "slow clients"
abuse slowloris 50 "$HEAD_S" "$IDLE_S"
alive "slowloris"
diag "VmHWM: $(hwm "$UI_PID") KiB"

abuse burst 10000 100
alive "the burst"
diag "VmHWM: $(hwm "$UI_PID") KiB"

abuse table 300
alive "the table at once"

abuse posts
alive "the bodies"

abuse streams $((SSE_MAX + 10)) "$SSE_MAX"
alive "the streams"

end_kb=$(hwm "$UI_PID")
diag "door ui's VmHWM at the end: $end_kb KiB (at the start: $start_kb KiB)"
# Bounded: 64 MiB, or 3 times the start (ASan: plus its quarantine).
bound=$((64 << 10))
[ $((3 * start_kb)) -gt "$bound" ] && bound=$((3 * start_kb))
[ "$asan" = 1 ] && bound=$((bound + (16 << 10)))
check_eq "its peak memory stayed bounded (VmHWM $end_kb KiB <= $bound KiB)" 1 \
    "$([ "${end_kb:-0}" -gt 0 ] && [ "$end_kb" -le "$bound" ] && echo 1)"
doc=$(ui_curl -H "$UI_COOKIE" "$UI_BASE/api/doors")
check_match "after all of it the table is served" '^\[' "$doc"
kill -TERM "$UI_PID"
wait "$UI_PID"
check_eq "it stops on TERM with status 0 (ASan: no leak, no error)" 0 "$?"

# With few descriptors the connection limit shrinks, so that the guard
# makes room before accept(2) runs out: 400 gives (400 - 256) / 2 = 72.
wrap=$out/door-400fds
printf '#!/bin/bash\nulimit -n 400 || exit 3\nexec %q "$@"\n' "$DOOR" >"$wrap"
chmod 755 "$wrap"
if DOOR=$wrap start_ui; then
    pass "door ui starts with 400 descriptors"
    abuse slow-limit 100 127.0.0.1
    alive "few descriptors"
    kill -TERM "$UI_PID"
    wait "$UI_PID"
    check_eq "... it stops on TERM with status 0" 0 "$?"
else
    fail "door ui starts with 400 descriptors" "$(cat "$UI_ERR" 2>/dev/null)"
fi

finish
