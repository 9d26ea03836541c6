# shellcheck shell=bash
# tests/cli/lib.sh: shared harness for door's end-to-end tests.
#
# Source it from a test script:   . "$(dirname "$0")/lib.sh"
# then use check/check_eq/check_match/skip ... and end with `finish`.
#
# Design notes (why things are the way they are):
# - Every registry (processes to kill, temp dirs, handed-out ports) lives in
#   FILES under one per-script root dir, not in shell variables, because
#   helpers like `pid=$(start_redis "$port")` run in a $(...) subshell, and a
#   variable set there would never reach the EXIT trap of the main shell.
# - The EXIT trap kills what was registered (TERM, then KILL after 2 s), then
#   removes the root dir; it runs on normal exit, on `set -e`/`set -u` aborts
#   and on INT/TERM/HUP. A script that stops before `finish` is reported as a
#   failure, so a crash can never look like a pass to the top-level runner.
# - Processes are identified by (pid, start time) so that cleanup never signals
#   an unrelated process that reused a pid.
# - Every wait is bounded by an iteration count (N x 0.1 s), never open-ended.
#
# Pitfalls for test authors:
# - Do not `set -e`: check* return 1 on failure (so `check ... || finish` can
#   bail out), and under -e the first failed check would end the script.
# - Do not set your own EXIT/INT/TERM trap: use on_exit_run / on_exit_kill.
# - Call run_door directly, not in $(...), or DOOR_RC/DOOR_OUT are lost.
# - `check` captures output with $(...): a command that leaves a background
#   child holding stdout open makes it wait (until CHECK_TIMEOUT if external).
# - bash runs a trap only after the current foreground command ends: to wait
#   for a long time, use `sleep N & wait $!`, which a signal interrupts.
# - A process killed here is reparented to pid 1, which may reap it late: it
#   can stay a zombie for a while. proc_alive/wait_gone count zombies as gone.
#
# Output format (summed by the top-level runner):
#   ok - NAME
#   not ok - NAME
#   # diagnostic lines (expected/got, command output), control bytes shown by cat -v
#   skip - NAME # reason
#   PASS n / FAIL n / SKIP n         printed by finish
#
# Environment:
#   DOOR              door binary (default: REPO_ROOT/door). Relative paths are
#                     taken from the current dir if they exist there, else from
#                     the repo root, so DOOR=build-asan/door works from anywhere.
#   DOOR_PY           python3 to use (default /usr/bin/python3: the Debian one,
#                     which unprivileged users can run, unlike a pyenv shim in /root)
#   CHECK_TIMEOUT     seconds a `check`ed external command / run_door may take (30)
#   DOOR_TEST_TMP     parent of the per-script temp root (default /tmp; must be
#                     traversable by other users because postgres/nginx workers
#                     run unprivileged inside it)
#   KEEP_TMP=1        keep the temp root (logs, configs) for debugging
#   DOOR_TEST_MAX_LIFETIME  seconds after which a server's watchdog kills it even
#                     if this shell was SIGKILLed and its trap never ran (900)
#   DOOR_JSON_RECORD  a directory: every --json output of run_door is kept there
#                     for the schema check (record_json; scripts/test.sh sets it)

if [ -n "${_DOOR_LIB_LOADED:-}" ]; then
    return 0
fi
_DOOR_LIB_LOADED=1
set -u

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$LIB_DIR/../.." && pwd)
export LIB_DIR REPO_ROOT

if [ -z "${DOOR_PY:-}" ]; then
    if [ -x /usr/bin/python3 ]; then DOOR_PY=/usr/bin/python3; else DOOR_PY=$(command -v python3 || echo python3); fi
fi
PY=$DOOR_PY

# Resolve $DOOR to an absolute path once, so it stays valid after a cd and can
# be handed to other users (run_as).
DOOR=${DOOR:-$REPO_ROOT/door}
case $DOOR in
    /*) ;;
    *) if [ -e "$PWD/$DOOR" ]; then DOOR=$PWD/$DOOR; else DOOR=$REPO_ROOT/$DOOR; fi ;;
esac
export DOOR

CHECK_TIMEOUT=${CHECK_TIMEOUT:-30}
DOOR_TEST_MAX_LIFETIME=${DOOR_TEST_MAX_LIFETIME:-900}

_T_PASS=0
_T_FAIL=0
_T_SKIP=0
_T_FINISHED=0
_T_MAIN_PID=$BASHPID
_T_SCRIPT=$(basename "${0:-test}")
# 0755 so unprivileged servers (postgres, nginx workers) can traverse it.
_T_ROOT=$(mktemp -d "${DOOR_TEST_TMP:-/tmp}/door-test.XXXXXX") || { echo "lib.sh: mktemp failed" >&2; exit 3; }
chmod 755 "$_T_ROOT"
: >"$_T_ROOT/.pids"   # lines: PID STARTTIME GROUP(0|1) SIGNAL
: >"$_T_ROOT/.ports"  # ports handed out by free_port (avoid duplicates)
: >"$_T_ROOT/.atexit" # shell commands (already quoted) run at cleanup
: >"$_T_ROOT/.servers" # lines: PID KIND PORT DIR (see servers.sh)

# ---------------------------------------------------------------- reporter

# Print each line of the arguments as a "# " diagnostic; control bytes are made
# visible (cat -v) so hostile process names cannot mess up the log or terminal.
diag() {
    printf '%s\n' "$@" | cat -v | sed 's/^/# /'
}

# One-line test name: newlines would break the line-based result format, and
# raw control bytes (a hostile process name quoted in a test name) are shown
# the cat -v way.
_t_name() {
    case $1 in
        *[[:cntrl:]]*) printf '%s' "$1" | LC_ALL=C cat -v | LC_ALL=C tr '\n' ' ' ;;
        *) printf '%s' "$1" ;;
    esac
}

pass() {
    _T_PASS=$((_T_PASS + 1))
    printf 'ok - %s\n' "$(_t_name "$1")"
}

# fail NAME [DIAG_LINE...]
fail() {
    local name=$1
    shift
    _T_FAIL=$((_T_FAIL + 1))
    printf 'not ok - %s\n' "$(_t_name "$name")"
    if [ $# -gt 0 ]; then diag "$@"; fi
    return 0
}

# skip NAME REASON: a skip must say why; one without a reason is a failure.
skip() {
    local name=$1 reason=${2:-}
    if [ -z "$reason" ]; then
        fail "$name" "skip without a reason"
        return 0
    fi
    _T_SKIP=$((_T_SKIP + 1))
    printf 'skip - %s # %s\n' "$(_t_name "$name")" "$(_t_name "$reason")"
}

# Run a command with a time bound. Shell functions and builtins cannot be run
# under timeout(1), so they run directly (they must bound themselves).
_t_bounded() {
    case $(type -t "$1") in
        function | builtin | keyword) "$@" ;;
        *) timeout -k 2 "$CHECK_TIMEOUT" "$@" ;;
    esac
}

# check NAME CMD...: pass if CMD exits 0. Output is shown only on failure.
check() {
    local name=$1
    shift
    check_rc "$name" 0 "$@"
}

# check_rc NAME STATUS CMD...: pass if CMD exits with STATUS (door's exit codes
# are part of its interface: 0 yes, 1 no, 2 usage, 3 system, 4 denied, 5 unsafe).
check_rc() {
    local name=$1 want=$2
    shift 2
    local out rc
    out=$(_t_bounded "$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$want" ]; then
        pass "$name"
        return 0
    fi
    local why="exit status: expected $want, got $rc"
    if [ "$rc" -eq 124 ]; then why="$why (timed out after ${CHECK_TIMEOUT}s)"; fi
    fail "$name" "command: $(printf '%q ' "$@")" "$why" "output:" "$out"
    return 1
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
    local name=$1 want=$2 got=$3
    if [ "$want" = "$got" ]; then
        pass "$name"
        return 0
    fi
    case "$want$got" in
        *$'\n'*)
            fail "$name" "expected and got differ (diff -u expected got):" \
                "$(diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$got") | tail -n +3)"
            ;;
        *) fail "$name" "expected: $want" "     got: $got" ;;
    esac
    return 1
}

# check_match NAME REGEX TEXT: bash ERE (=~). The whole TEXT is one string:
# '.' also matches a newline, ^ and $ anchor the start and end of all of TEXT.
check_match() {
    local name=$1 re=$2 text=$3
    if [[ $text =~ $re ]]; then
        pass "$name"
        return 0
    fi
    fail "$name" "expected to match: $re" "got:" "$text"
    return 1
}

# check_nomatch NAME REGEX TEXT: the opposite (e.g. "no raw ESC byte in output").
check_nomatch() {
    local name=$1 re=$2 text=$3
    if ! [[ $text =~ $re ]]; then
        pass "$name"
        return 0
    fi
    fail "$name" "expected NOT to match: $re" "got:" "$text"
    return 1
}

# finish: print the totals and exit (0 only if nothing failed and something ran).
finish() {
    if [ $((_T_PASS + _T_FAIL + _T_SKIP)) -eq 0 ]; then
        fail "$_T_SCRIPT ran no check"
    fi
    _T_FINISHED=1
    printf '# %s: %ds\n' "$_T_SCRIPT" "$SECONDS"
    printf 'PASS %d\nFAIL %d\nSKIP %d\n' "$_T_PASS" "$_T_FAIL" "$_T_SKIP"
    if [ "$_T_FAIL" -eq 0 ]; then exit 0; fi
    exit 1
}

# ------------------------------------------------------------ process facts

# _t_stat PID: set _T_STAT to the fields of /proc/PID/stat after "(comm) ",
# i.e. _T_STAT[0]=state, [1]=ppid, [2]=pgrp, [19]=starttime. The name is cut
# at the LAST ')' because a comm can itself contain ')' or newlines.
_t_stat() {
    local line=
    IFS= read -r -d "" line 2>/dev/null <"/proc/$1/stat"
    [ -n "$line" ] || return 1
    line=${line##*) }
    read -r -a _T_STAT <<<"$line"
    [ "${#_T_STAT[@]}" -gt 19 ]
}

# proc_alive PID: true if PID exists and is not a zombie.
proc_alive() {
    _t_stat "$1" || return 1
    [ "${_T_STAT[0]}" != Z ] && [ "${_T_STAT[0]}" != X ]
}

# proc_starttime PID: clock ticks since boot at which PID started (stable id).
proc_starttime() {
    _t_stat "$1" || return 1
    printf '%s\n' "${_T_STAT[19]}"
}

_t_isnum() { [[ ${1:-} =~ ^[0-9]+$ ]]; }

# ------------------------------------------------------------ cleanup registry

# on_exit_kill PID [--group] [--signal SIG]: kill PID when the script exits.
#   --group   also kill its process group (servers.sh starts servers with
#             setsid, so forked workers die with their master)
#   --signal  first signal (default TERM; postgres wants INT = fast shutdown)
# KILL follows after 2 s for anything still alive.
on_exit_kill() {
    local pid=${1:-} group=0 sig=TERM st
    shift || true
    while [ $# -gt 0 ]; do
        case $1 in
            --group) group=1 ;;
            --signal) sig=${2:?--signal needs a value}; shift ;;
            *) echo "on_exit_kill: unknown option $1" >&2; return 2 ;;
        esac
        shift
    done
    _t_isnum "$pid" || { echo "on_exit_kill: not a pid: '$pid'" >&2; return 2; }
    st=$(proc_starttime "$pid") || st=-
    printf '%s %s %s %s\n' "$pid" "$st" "$group" "$sig" >>"$_T_ROOT/.pids"
}

# on_exit_run CMD [ARG...]: run a command at cleanup (after processes are killed).
on_exit_run() {
    printf '%q ' "$@" >>"$_T_ROOT/.atexit"
    printf '\n' >>"$_T_ROOT/.atexit"
}

# mk_tmpdir [PREFIX]: a fresh 0755 dir, removed at exit.
mk_tmpdir() {
    local d
    d=$(mktemp -d "$_T_ROOT/${1:-tmp}.XXXXXX") || return 1
    chmod 755 "$d"
    printf '%s\n' "$d"
}

# ---------------------------------------------------------- network namespaces

# netns_add NAME: a network namespace of the test's own (lo up), deleted at
# exit. Status 2, with the reason on stdout, when this machine cannot make
# one (not root, no ip, a container without CAP_SYS_ADMIN): a named skip,
# never a failure that looks like door's.
netns_add() {
    local ns=$1 why
    [ "$(id -u)" = 0 ] || { echo "network namespaces need root"; return 2; }
    command -v ip >/dev/null || { echo "ip (iproute2) is not installed"; return 2; }
    command -v nsenter >/dev/null || { echo "nsenter (util-linux) is not installed"; return 2; }
    why=$(ip netns add "$ns" 2>&1) || { echo "ip netns add failed: $why"; return 2; }
    on_exit_run ip netns del "$ns"
    why=$(in_netns "$ns" ip link set lo up 2>&1) ||
        { echo "cannot bring lo up in a new namespace: $why"; return 2; }
    return 0
}

# in_netns NAME CMD...: CMD inside the namespace. nsenter, not `ip netns
# exec` (nor `ip -n`): those also remount / as a slave and /sys, which
# fails with EINVAL ("mount --make-rslave /" failed) in a chroot whose / is
# not a mount point, such as a debootstrapped root (scripts/fresh-root.sh),
# and then exit 255 as if the command had. door and ss read the namespace
# over netlink and /proc/self/net, which follow the network namespace alone.
in_netns() {
    local ns=$1
    shift
    nsenter --net="/run/netns/$ns" -- "$@"
}

# Decide which pids to signal: every registered pid still alive with the same
# start time, every member of a registered group that started no earlier than
# the leader, and all descendants of those. Never this shell, never pid 1.
_t_targets() {
    local ps_out
    ps_out=$(ps -e -o pid=,ppid=,pgid= 2>/dev/null) || return 0
    local pid st group sig found=()
    while read -r pid st group sig; do
        _t_isnum "$pid" || continue
        if [ "$st" != - ] && _t_stat "$pid" && [ "${_T_STAT[19]}" = "$st" ]; then
            found+=("$pid:1:$sig")
        fi
        if [ "$group" = 1 ] && [ "$st" != - ]; then
            local p
            for p in $(awk -v g="$pid" '$3 == g { print $1 }' <<<"$ps_out"); do
                if _t_stat "$p" && [ "${_T_STAT[19]}" -ge "$st" ]; then
                    found+=("$p:1:$sig")
                fi
            done
        fi
    done <"$_T_ROOT/.pids"
    [ "${#found[@]}" -gt 0 ] || return 0
    # Add descendants (transitively) with awk over the ps table.
    printf '%s\n' "${found[@]}" | awk -v self="$_T_MAIN_PID" -v ps="$ps_out" '
        BEGIN { n = split(ps, rows, "\n")
                for (i = 1; i <= n; i++) { split(rows[i], f, " "); if (f[1] != "") parent[f[1]] = f[2] } }
        { split($0, f, ":"); want[f[1]] = f[3] }
        END {
            changed = 1
            for (round = 0; changed && round < 64; round++) {
                changed = 0
                for (p in parent) if (!(p in want) && (parent[p] in want)) { want[p] = want[parent[p]]; changed = 1 }
            }
            for (p in want) if (p != self && p != 1 && p != 0) print p, want[p]
        }'
}

_t_kill_all() {
    local lines pid sig i alive
    lines=$(_t_targets)
    [ -n "$lines" ] || return 0
    while read -r pid sig; do
        kill -s "$sig" "$pid" 2>/dev/null
    done <<<"$lines"
    for ((i = 0; i < 20; i++)); do
        alive=0
        while read -r pid sig; do
            if proc_alive "$pid"; then alive=1; break; fi
        done <<<"$lines"
        [ "$alive" = 0 ] && return 0
        sleep 0.1
    done
    while read -r pid sig; do
        if proc_alive "$pid"; then
            echo "# cleanup: pid $pid still alive after SIG$sig + 2s, sending KILL" >&2
            kill -s KILL "$pid" 2>/dev/null
        fi
    done <<<"$lines"
    for ((i = 0; i < 10; i++)); do
        alive=0
        while read -r pid sig; do
            if proc_alive "$pid"; then alive=1; break; fi
        done <<<"$lines"
        [ "$alive" = 0 ] && return 0
        sleep 0.1
    done
}

cleanup() {
    [ -d "${_T_ROOT:-}" ] || return 0
    _t_kill_all
    if [ -s "$_T_ROOT/.atexit" ]; then
        local cmd
        while IFS= read -r cmd; do
            [ -n "$cmd" ] && eval "$cmd" >/dev/null 2>&1
        done <"$_T_ROOT/.atexit"
        : >"$_T_ROOT/.atexit"
    fi
    if [ "${KEEP_TMP:-0}" = 1 ]; then
        echo "# KEEP_TMP=1: temp files kept in $_T_ROOT" >&2
    else
        rm -rf -- "$_T_ROOT"
    fi
}

_t_on_exit() {
    local rc=$?
    # Subshells ($(...)) do not inherit the EXIT trap in bash, but be explicit:
    # only the shell that sourced lib.sh cleans up.
    [ "$BASHPID" = "$_T_MAIN_PID" ] || return 0
    trap - EXIT INT TERM HUP
    # Ignore SIGPIPE from here on: if stdout is gone, reporting must not be
    # able to kill us before the cleanup ran (writes then just fail).
    trap '' PIPE
    cleanup
    if [ "$_T_FINISHED" != 1 ]; then
        {
            fail "$_T_SCRIPT stopped before finish (exit status $rc)"
            printf 'PASS %d\nFAIL %d\nSKIP %d\n' "$_T_PASS" "$_T_FAIL" "$_T_SKIP"
        } 2>/dev/null
        [ "$rc" -eq 0 ] && rc=1
    fi
    exit "$rc"
}
trap _t_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
# A reader that stops early (runner | head) must not make us die of SIGPIPE
# without cleaning up: bash runs no EXIT trap for an untrapped fatal signal.
trap 'exit 141' PIPE

# ------------------------------------------------------------ ports and waits

# free_port [tcp|udp]: a port in 20000-40000 (kept below the kernel's ephemeral
# range when possible, so outgoing connections do not grab it) that is free for
# BOTH tcp and udp on every address, v4 and v6: a dual-stack [::] bind without
# SO_REUSEADDR conflicts with anything bound to that port, including 127.0.0.1
# and ::1 and TIME_WAIT leftovers. Ports already handed out in this script are
# never repeated. At most 200 tries.
free_port() {
    local proto=${1:-tcp}
    case $proto in tcp | udp) ;; *) echo "free_port: tcp or udp, not '$proto'" >&2; return 2 ;; esac
    local port
    port=$("$PY" - "$_T_ROOT/.ports" <<'EOF'
import random, socket, sys
taken = set(open(sys.argv[1]).read().split())
lo, hi = 20000, 40000
try:
    eph = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    if eph - 1 - lo >= 2000:
        hi = min(hi, eph - 1)
except (OSError, ValueError):
    pass

def free(port):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        try:
            s = socket.socket(socket.AF_INET6, kind)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            addr = ("::", port)
        except OSError:  # no IPv6 on this machine
            s = socket.socket(socket.AF_INET, kind)
            addr = ("0.0.0.0", port)
        try:
            s.bind(addr)
        except OSError:
            return False
        finally:
            s.close()
    return True

for _ in range(200):
    p = random.randint(lo, hi)
    if str(p) not in taken and free(p):
        print(p)
        sys.exit(0)
sys.exit(1)
EOF
    ) || { echo "free_port: no free port found in 200 tries" >&2; return 1; }
    printf '%s\n' "$port" >>"$_T_ROOT/.ports"
    printf '%s\n' "$port"
}

# have_ipv6: true if ::1 can be bound (IPv6 may be disabled on some machines).
have_ipv6() {
    "$PY" -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null
}

_t_ss_flag() {
    case ${1:-tcp} in
        tcp) printf 't' ;;
        udp) printf 'u' ;;
        *) echo "bad proto '$1' (tcp|udp)" >&2; return 2 ;;
    esac
}

_t_listening() { # PORT PROTO
    local f
    f=$(_t_ss_flag "$2") || return 2
    [ -n "$(ss -Hl"$f"n "sport = :$1" 2>/dev/null)" ]
}

# wait_listen PORT [tcp|udp] [TIMEOUT_S=10] [PID]: wait until something listens
# (tcp LISTEN / udp bound) on PORT. With PID, give up early if PID dies.
wait_listen() {
    local port=$1 proto=${2:-tcp} t=${3:-10} pid=${4:-} i
    _t_isnum "$port" && _t_isnum "$t" || { echo "wait_listen: bad args: $*" >&2; return 2; }
    for ((i = 0; i < t * 10; i++)); do
        _t_listening "$port" "$proto" && return 0
        if [ -n "$pid" ] && ! proc_alive "$pid"; then
            echo "wait_listen: pid $pid died before listening on $proto port $port" >&2
            return 1
        fi
        sleep 0.1
    done
    _t_listening "$port" "$proto" && return 0
    echo "wait_listen: nothing listening on $proto port $port after ${t}s" >&2
    return 1
}

# wait_unlisten PORT [tcp|udp] [TIMEOUT_S=10]: wait until nothing listens.
wait_unlisten() {
    local port=$1 proto=${2:-tcp} t=${3:-10} i
    for ((i = 0; i < t * 10; i++)); do
        _t_listening "$port" "$proto" || return 0
        sleep 0.1
    done
    _t_listening "$port" "$proto" || return 0
    echo "wait_unlisten: $proto port $port still listening after ${t}s" >&2
    return 1
}

# wait_gone PID [TIMEOUT_S=10]: wait until PID has exited (zombies count as gone:
# a server started in a $(...) subshell is reparented and may be reaped late).
wait_gone() {
    local pid=$1 t=${2:-10} i
    for ((i = 0; i < t * 10; i++)); do
        proc_alive "$pid" || return 0
        sleep 0.1
    done
    proc_alive "$pid" || return 0
    echo "wait_gone: pid $pid still alive after ${t}s" >&2
    return 1
}

# ------------------------------------------------------------ kernel's view

# ss_listeners PORT [tcp|udp|all]: the kernel's view of who listens on PORT, one
# line per (socket, owning process), sorted:
#     PROTO ADDR PORT PID        e.g.  tcp 127.0.0.1 8080 4242
# ADDR is bare (no brackets): 127.0.0.1, ::1, 0.0.0.0, '::' (v6-only wildcard),
# '*' (dual-stack wildcard: [::] accepting v4 too, as ss prints it); a scoped
# address keeps its %iface. PID is '-' when no owner is visible (another user's
# process while unprivileged).
#
# Why not parse the users:(("name",pid=..)) column of `ss -p`: ss cuts the
# process name at the first ')' and prints newlines raw, so hostile names (that
# tests use on purpose) break it. Instead we take the socket inode from
# `ss -e` and find its owners in /proc/*/fd ourselves: the same facts, robustly.
ss_listeners() {
    local port=$1 proto=${2:-all}
    case $proto in
        tcp | udp | all) ;;
        *) echo "ss_listeners: bad proto '$proto'" >&2; return 2 ;;
    esac
    # Always ask for both tcp and udp: ss prints the Netid column only when
    # more than one protocol is asked for; the proto filter is applied below.
    ss -Hltune "sport = :$port" 2>/dev/null | "$PY" -c '
import os, re, sys
want_proto = sys.argv[1]
socks = []
for line in sys.stdin:
    f = line.split()
    if len(f) < 5 or f[0] not in ("tcp", "udp"):
        continue
    if want_proto != "all" and f[0] != want_proto:
        continue
    m = re.search(r"\bino:(\d+)", line)
    local = f[4]
    addr, _, port = local.rpartition(":")
    if addr.startswith("[") and addr.endswith("]"):
        addr = addr[1:-1]
    elif addr.startswith("[") and "]%" in addr:  # [fe80::1]%eth0
        a, _, ifc = addr[1:].partition("]%")
        addr = a + "%" + ifc
    socks.append((f[0], addr, port, m.group(1) if m else None))
want = {s[3] for s in socks if s[3] and s[3] != "0"}
owners = {}
if want:
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink("/proc/%s/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in want:
                owners.setdefault(link[8:-1], set()).add(int(pid))
out = set()
for proto, addr, port, ino in socks:
    pids = owners.get(ino) or {"-"}
    for p in pids:
        out.add("%s %s %s %s" % (proto, addr, port, p))
for l in sorted(out):
    print(l)
' "$proto"
}

# ss_pids PORT [tcp|udp|all]: the owning pids of PORT's listeners, one per line.
ss_pids() {
    ss_listeners "$@" | awk '$4 != "-" { print $4 }' | sort -un
}

# ------------------------------------------------------------ users

# run_as USER CMD...: run CMD as USER (its primary group, no supplementary
# groups, no capabilities). Needs root. The environment is kept (NO_COLOR,
# ASAN_OPTIONS...); HOME is pointed at / so tools do not try to use root's home.
run_as() {
    local user=$1
    shift
    if [ "$(id -u)" != 0 ]; then
        echo "run_as: needs root to switch to '$user'" >&2
        return 125
    fi
    local gid
    gid=$(id -g "$user") || return 125
    HOME=/ setpriv --reuid="$user" --regid="$gid" --clear-groups --inh-caps=-all -- "$@"
}

# run_as_nobody CMD...: CMD as nobody:nogroup, for unprivileged views.
# Note: servers.sh never runs a server as nobody (nginx workers use www-data,
# memcached memcache), so a door run as nobody owns none of the test servers.
run_as_nobody() {
    run_as nobody "$@"
}

# ensure_test_user [NAME=doortest]: create a throwaway system user (no home,
# no login shell, own group) if missing, print its name. Useful when a test
# needs a uid that nothing else on the machine uses. It is left in place on
# purpose: deleting a user while its processes may still exit is racy, and
# re-runs reuse it (idempotent).
ensure_test_user() {
    local name=${1:-doortest}
    if ! id -u "$name" >/dev/null 2>&1; then
        if [ "$(id -u)" != 0 ]; then
            echo "ensure_test_user: needs root to create user '$name'" >&2
            return 125
        fi
        useradd --system --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin --user-group "$name" >/dev/null || return 1
    fi
    printf '%s\n' "$name"
}

# ------------------------------------------------------------ running door

# door_path_for USER: a path to $DOOR that USER can execute: $DOOR itself if
# USER can reach it, else a copy in a 0755 temp dir (CI may clone the repo
# under a directory that other users cannot traverse).
door_path_for() {
    local user=$1
    if run_as "$user" test -x "$DOOR" 2>/dev/null; then
        printf '%s\n' "$DOOR"
        return 0
    fi
    local d
    d=$(mk_tmpdir door-bin) || return 1
    cp -- "$DOOR" "$d/door" && chmod 755 "$d/door" && printf '%s\n' "$d/door"
}

# record_json ARGS... <OUTPUT: when DOOR_JSON_RECORD names a directory
# (scripts/test.sh sets it), keeps a --json output of `door ARGS...` there
# with its arguments; the suite's last step validates every one against
# docs/schema/ (tests/tools/json-schema-check.py). run_door and run_door_as
# call it; a test that runs door itself with --json pipes its stdout here.
record_json() {
    local a json=0 prev= f
    [ -n "${DOOR_JSON_RECORD:-}" ] && [ -d "$DOOR_JSON_RECORD" ] || { cat >/dev/null; return 0; }
    for a in "$@"; do
        [ "$a" = -- ] && break
        case "$prev $a" in *" --json" | *" --format=json" | "--format json") json=1 ;; esac
        prev=$a
    done
    if [ "$json" = 0 ]; then cat >/dev/null; return 0; fi
    f=$(mktemp "$DOOR_JSON_RECORD/${_T_SCRIPT%.sh}.XXXXXX") || { cat >/dev/null; return 0; }
    printf '%s\0' "$@" >"$f"
    cat >"$f.out"
    [ -s "$f.out" ] || rm -f "$f" "$f.out"   # no output (a usage error): nothing to check
}

# shellcheck disable=SC2034 # DOOR_RC/DOOR_OUT/DOOR_ERR are for the caller
# run_door ARGS...: run door bounded by CHECK_TIMEOUT; sets DOOR_RC, DOOR_OUT,
# DOOR_ERR (trailing newlines stripped) and DOOR_OUT_FILE / DOOR_ERR_FILE
# (exact bytes). Call it directly, not in $(...), or the variables are lost.
run_door() {
    DOOR_OUT_FILE=$_T_ROOT/.door.out
    DOOR_ERR_FILE=$_T_ROOT/.door.err
    timeout -k 2 "$CHECK_TIMEOUT" "$DOOR" "$@" </dev/null >"$DOOR_OUT_FILE" 2>"$DOOR_ERR_FILE"
    DOOR_RC=$?
    record_json "$@" <"$DOOR_OUT_FILE"
    DOOR_OUT=$(cat "$DOOR_OUT_FILE")
    DOOR_ERR=$(cat "$DOOR_ERR_FILE")
    return 0
}

# shellcheck disable=SC2034
# run_door_as USER ARGS...: the same, as USER (e.g. nobody, for hidden owners).
run_door_as() {
    local user=$1 bin
    shift
    bin=$(door_path_for "$user") || return 1
    DOOR_OUT_FILE=$_T_ROOT/.door.out
    DOOR_ERR_FILE=$_T_ROOT/.door.err
    run_as "$user" timeout -k 2 "$CHECK_TIMEOUT" "$bin" "$@" </dev/null >"$DOOR_OUT_FILE" 2>"$DOOR_ERR_FILE"
    DOOR_RC=$?
    record_json "$@" <"$DOOR_OUT_FILE"
    DOOR_OUT=$(cat "$DOOR_OUT_FILE")
    DOOR_ERR=$(cat "$DOOR_ERR_FILE")
    return 0
}

# need_door: skip-proof guard; stops the script with a failure if $DOOR is
# missing (a test of door that cannot find door must not pass silently).
need_door() {
    if [ ! -x "$DOOR" ]; then
        fail "door binary present" "not executable: $DOOR (build it, or set DOOR=...)"
        finish
    fi
}

# ------------------------------------------------------------ loopback clients

# Tests may only talk to loopback: these helpers refuse any other address.
_t_loopback_only() {
    case $1 in
        127.* | ::1 | localhost) return 0 ;;
    esac
    echo "refusing non-loopback host '$1' (tests may only use 127.0.0.0/8 and ::1)" >&2
    return 2
}

# knock HOST PORT [TIMEOUT_S=2]: one TCP connect; prints open, refused or
# timeout; exit 0 only for open.
knock() {
    _t_loopback_only "$1" || return 2
    "$PY" - "$1" "$2" "${3:-2}" <<'PYEOF'
import socket, sys
host, port, t = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
try:
    socket.create_connection((host, port), timeout=t).close()
    print("open"); sys.exit(0)
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
except OSError as e:
    print("error %s" % e.strerror)
sys.exit(1)
PYEOF
}

# tcp_exchange HOST PORT SEND_ESCAPED [TIMEOUT_S=2]: connect, send the bytes
# (Python bytes escapes, decoded in python so NUL works: '\r\n', '\x00'),
# print what comes back (at most 64 KiB, until the peer closes or goes quiet
# for TIMEOUT_S). Exit non-zero if the connect fails.
tcp_exchange() {
    _t_loopback_only "$1" || return 2
    "$PY" - "$1" "$2" "${4:-2}" "$3" <<'PYEOF'
import codecs, socket, sys
host, port, t = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
data = codecs.escape_decode(sys.argv[4].encode("utf-8", "surrogateescape"))[0]
try:
    s = socket.create_connection((host, port), timeout=t)
except OSError as e:
    sys.exit("tcp_exchange: connect to %s port %d: %s" % (host, port, e))
if data:
    s.sendall(data)
out = b""
try:
    while len(out) < 65536:
        b = s.recv(65536 - len(out))
        if not b:
            break
        out += b
except socket.timeout:
    pass
sys.stdout.buffer.write(out)
PYEOF
}

# udp_exchange HOST PORT SEND_ESCAPED [TIMEOUT_S=2]: one datagram, print one reply.
udp_exchange() {
    _t_loopback_only "$1" || return 2
    "$PY" - "$1" "$2" "${4:-2}" "$3" <<'PYEOF'
import codecs, socket, sys
host, port, t = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
data = codecs.escape_decode(sys.argv[4].encode("utf-8", "surrogateescape"))[0]
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(t)
s.sendto(data, (host, port))
sys.stdout.buffer.write(s.recv(65536))
PYEOF
}
