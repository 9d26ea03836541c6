#!/usr/bin/env bash
# door next: free doors, against real listeners on loopback, and the
# reservation file under hostile conditions (a throwaway XDG_RUNTIME_DIR).
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door

XDG_RUNTIME_DIR=$(mk_tmpdir xdg) || { fail "make a runtime dir"; finish; }
chmod 700 "$XDG_RUNTIME_DIR"
export XDG_RUNTIME_DIR
RDIR=$XDG_RUNTIME_DIR/door
RFILE=$RDIR/ports
BLOCKS=$(mk_tmpdir blocks)/list
: >"$BLOCKS"
HEADER='# door reservations v1'

# free_block N: the first of N consecutive ports that are free for TCP and
# UDP on 0.0.0.0 and [::] (the test door itself makes), below the ephemeral
# range, not overlapping a block handed out before. At most 200 tries.
free_block() {
    "$PY" - "$1" "$BLOCKS" <<'EOF'
import random, socket, sys
n, reg = int(sys.argv[1]), sys.argv[2]
used = [tuple(map(int, l.split())) for l in open(reg) if l.strip()]
lo, hi = 20000, 32000
def free(port):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
            try:
                s = socket.socket(fam, kind)
            except OSError:
                continue
            try:
                if fam == socket.AF_INET6:
                    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s.bind((addr, port))
            except OSError:
                return False
            finally:
                s.close()
    return True
for _ in range(200):
    b = random.randint(lo, hi - n)
    if any(b < u + m and u < b + n for u, m in used):
        continue
    if all(free(p) for p in range(b, b + n)):
        open(reg, "a").write("%d %d\n" % (b, n))
        print(b)
        sys.exit(0)
sys.exit(1)
EOF
}

# bindable PORT...: a server can take each port, on 0.0.0.0 and on [::]
bindable() {
    "$PY" - "$@" <<'EOF'
import socket, sys
for p in map(int, sys.argv[1:]):
    for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        s = socket.socket(fam, socket.SOCK_STREAM)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, p))
        s.listen()
        s.close()
EOF
}

now_ms() { "$PY" -c 'import time; print(int(time.time() * 1000))'; }

# stdout holds only port numbers, one a line
numbers_only() {
    check_match "$1: stdout holds only port numbers" '^[0-9]+('$'\n''[0-9]+)*$' "$DOOR_OUT"
}

v6=1
have_ipv6 || v6=0

# ------------------------------------------------------------ usage errors
run_door next 0
check_eq "port 0: exit 2" 2 "$DOOR_RC"
run_door next 70000
check_eq "port 70000: exit 2" 2 "$DOOR_RC"
check_match "port 70000: says the range" "1 to 65535" "$DOOR_ERR"
run_door next --range 3010-3000
check_eq "reversed range: exit 2" 2 "$DOOR_RC"
check_match "reversed range: says so" "reversed" "$DOOR_ERR"
run_door next --count 0
check_eq "--count 0: exit 2" 2 "$DOOR_RC"
run_door next --count 12 --range 3000-3010
check_eq "--count larger than the range: exit 2" 2 "$DOOR_RC"
check_match "--count larger than the range: says so" "more than the 11 ports in 3000-3010" "$DOOR_ERR"
run_door next --count x
check_eq "--count x: exit 2" 2 "$DOOR_RC"
run_door next --exclude 3001,,3005
check_eq "--exclude with an empty item: exit 2" 2 "$DOOR_RC"
run_door next --exclude 3001,abc
check_eq "--exclude abc: exit 2" 2 "$DOOR_RC"
run_door next --exclude 3010-3005
check_eq "--exclude reversed range: exit 2" 2 "$DOOR_RC"
run_door next --reserve 5x
check_eq "--reserve 5x: exit 2" 2 "$DOOR_RC"
run_door next --reserve 0s
check_eq "--reserve 0s: exit 2" 2 "$DOOR_RC"
run_door next --reserve 25h
check_eq "--reserve 25h: exit 2" 2 "$DOOR_RC"
run_door next 2999 --range 3000-3010
check_eq "PORT outside --range: exit 2" 2 "$DOOR_RC"
check_match "PORT outside --range: says so" "2999 is outside --range 3000-3010" "$DOOR_ERR"
run_door next 3000 --random
check_eq "PORT with --random: exit 2" 2 "$DOOR_RC"
run_door next 3000-3010
check_eq "a range as PORT: exit 2" 2 "$DOOR_RC"
run_door next 3000 3001
check_eq "two PORTs: exit 2" 2 "$DOOR_RC"
run_door next --frobnicate
check_eq "unknown option: exit 2" 2 "$DOOR_RC"
check_eq "usage errors print nothing on stdout" "" "$DOOR_OUT"
[ ! -e "$RDIR" ]
check_eq "usage errors create no reservation directory" 0 $?

run_door next --help
check_eq "door next --help: exit 0" 0 "$DOOR_RC"
check_match "--help lists --reserve" "--reserve DUR" "$DOOR_OUT"

# ------------------------------------------------------------ what free means
b=$(free_block 10) || { fail "find 10 free ports"; finish; }
run_door next "$b" --range "$b-$((b + 9))"
check_eq "a free port is its own answer" "$b" "$DOOR_OUT"
check_eq "found: exit 0" 0 "$DOOR_RC"
numbers_only "plain"
[ ! -e "$RDIR" ]
check_eq "without --reserve no reservation directory is made" 0 $?

b=$(free_block 4) || { fail "find 4 free ports"; finish; }
if [ "$v6" = 1 ]; then
    start_py_listener "$b" ::1 >/dev/null || fail "start a ::1 listener"
    run_door next "$b" --range "$b-$((b + 3))"
    check_eq "taken on ::1 only: passed over (the get-port bug)" "$((b + 1))" "$DOOR_OUT"
    check_match "taken on ::1 only: the hint names it" "$b/tcp is in use" "$DOOR_ERR"
else
    skip "taken on ::1 only" "no IPv6 on this machine"
fi

b=$(free_block 4) || { fail "find 4 free ports"; finish; }
start_py_listener "$b" 127.0.0.1 >/dev/null || fail "start a 127.0.0.1 listener"
run_door next "$b" --range "$b-$((b + 3))"
check_eq "taken on 127.0.0.1 only: passed over" "$((b + 1))" "$DOOR_OUT"

b=$(free_block 4) || { fail "find 4 free ports"; finish; }
start_py_listener "$b" 0.0.0.0 >/dev/null || fail "start a 0.0.0.0 listener"
run_door next "$b" --range "$b-$((b + 3))"
check_eq "taken on 0.0.0.0: passed over" "$((b + 1))" "$DOOR_OUT"

if [ "$v6" = 1 ]; then
    b=$(free_block 4) || { fail "find 4 free ports"; finish; }
    start_py_listener "$b" :: >/dev/null || fail "start a [::] v6-only listener"
    run_door next "$b" --range "$b-$((b + 3))"
    check_eq "taken on [::] v6-only: passed over" "$((b + 1))" "$DOOR_OUT"
    b=$(free_block 4) || { fail "find 4 free ports"; finish; }
    start_py_listener "$b" :: --dual >/dev/null || fail "start a dual-stack listener"
    run_door next "$b" --range "$b-$((b + 3))"
    check_eq "taken on dual-stack [::]: passed over" "$((b + 1))" "$DOOR_OUT"
fi

# UDP is its own table
b=$(free_block 4) || { fail "find 4 free ports"; finish; }
start_py_listener "$b" 127.0.0.1 --udp >/dev/null || fail "start a udp socket"
run_door next "$b" --range "$b-$((b + 3))"
check_eq "UDP-taken port is still free for TCP" "$b" "$DOOR_OUT"
run_door next "$b" --range "$b-$((b + 3))" --udp
check_eq "UDP-taken port is not free for --udp" "$((b + 1))" "$DOOR_OUT"
check_match "--udp hint says udp" "$b/udp is in use" "$DOOR_ERR"
if [ "$v6" = 1 ]; then
    b=$(free_block 4) || { fail "find 4 free ports"; finish; }
    start_py_listener "$b" ::1 --udp >/dev/null || fail "start a ::1 udp socket"
    run_door next "$b" --range "$b-$((b + 3))" -u
    check_eq "UDP on ::1 only: not free for -u" "$((b + 1))" "$DOOR_OUT"
    b=$(free_block 4) || { fail "find 4 free ports"; finish; }
    start_py_listener "$b" ::1 >/dev/null || fail "start a ::1 tcp listener"
    run_door next "$b" --range "$b-$((b + 3))" --udp
    check_eq "a TCP listener leaves the port free for --udp" "$b" "$DOOR_OUT"
fi

# ------------------------------------------------------------ --count, --exclude
b=$(free_block 6) || { fail "find 6 free ports"; finish; }
start_py_listener "$((b + 1))" 127.0.0.1 >/dev/null || fail "start a listener"
run_door next "$b" --range "$b-$((b + 5))" --count 3
check_eq "--count 3: exit 0" 0 "$DOOR_RC"
check_eq "--count 3: three free ports, ascending, the taken one passed over" \
    "$b"$'\n'"$((b + 2))"$'\n'"$((b + 3))" "$DOOR_OUT"
numbers_only "--count 3"
# shellcheck disable=SC2086 # one port a word
check "--count 3: each can then be bound on 0.0.0.0 and [::]" bindable $DOOR_OUT

b=$(free_block 8) || { fail "find 8 free ports"; finish; }
run_door next "$b" --range "$b-$((b + 7))" --exclude "$b,$((b + 2))-$((b + 4))"
check_eq "--exclude skips a port and a range" "$((b + 1))" "$DOOR_OUT"
run_door next "$b" --range "$b-$((b + 7))" --exclude "$b,$((b + 2))-$((b + 4))" --count 2
check_eq "--exclude with --count 2" "$((b + 1))"$'\n'"$((b + 5))" "$DOOR_OUT"
run_door next "$b" --range "$b-$((b + 1))" --exclude "$b-$((b + 1))"
check_eq "everything excluded: exit 1" 1 "$DOOR_RC"
check_match "everything excluded: says so" "2 excluded" "$DOOR_ERR"

# ------------------------------------------------------------ nothing free
b=$(free_block 4) || { fail "find 4 free ports"; finish; }
start_py_listener "$b" 127.0.0.1 >/dev/null || fail "start listener 1 of 3"
start_py_listener "$((b + 1))" 0.0.0.0 >/dev/null || fail "start listener 2 of 3"
if [ "$v6" = 1 ]; then
    start_py_listener "$((b + 2))" ::1 >/dev/null || fail "start listener 3 of 3"
else
    start_py_listener "$((b + 2))" 127.0.0.1 >/dev/null || fail "start listener 3 of 3"
fi
run_door next --range "$b-$((b + 2))"
check_eq "every port taken: exit 1" 1 "$DOOR_RC"
check_eq "every port taken: nothing on stdout" "" "$DOOR_OUT"
check_match "every port taken: a clear message" "no free port in $b-$((b + 2)) \\(3 in use\\)" "$DOOR_ERR"
run_door next "$((b + 1))" --range "$b-$((b + 2))"
check_eq "PORT inside a full range: exit 1" 1 "$DOOR_RC"
check_match "PORT inside a full range: the range searched" "no free port in $((b + 1))-$((b + 2))" "$DOOR_ERR"
run_door next --range "$b-$((b + 3))" --count 2
check_eq "not enough free ports: exit 1" 1 "$DOOR_RC"
check_eq "not enough free ports: nothing on stdout" "" "$DOOR_OUT"
check_match "not enough free ports: says how many" "only 1 free port in $b-$((b + 3)), 2 asked for" "$DOOR_ERR"
run_door next --range "$b-$((b + 2))" --json
check_eq "--json, nothing free: exit 1" 1 "$DOOR_RC"
check "--json, nothing free: valid JSON with no ports" "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["ports"] == [] and d["reserved_until_ms"] is None, d' "$DOOR_OUT"
[ -e "$RFILE" ] && fail "a failed search leaves no reservation file" || pass "a failed search leaves no reservation file"

# ------------------------------------------------------------ --random, --json
read -r elo ehi </proc/sys/net/ipv4/ip_local_port_range
seen=""
for i in 1 2 3 4 5; do
    run_door next --random
    if [ "$DOOR_RC" != 0 ] || ! [[ $DOOR_OUT =~ ^[0-9]+$ ]] || [ "$DOOR_OUT" -lt "$elo" ] || [ "$DOOR_OUT" -gt "$ehi" ]; then
        fail "--random: a port in the ephemeral range $elo-$ehi" "got: $DOOR_OUT (exit $DOOR_RC)" "$DOOR_ERR"
        break
    fi
    seen="$seen $DOOR_OUT"
done
[ "$i" = 5 ] && pass "--random: five ports in the ephemeral range $elo-$ehi"
n=$(printf '%s\n' $seen | sort -u | wc -l)
[ "$n" -ge 2 ] && pass "--random: not always the same port ($seen)" ||
    fail "--random: not always the same port" "got:$seen"
b=$(free_block 10) || { fail "find 10 free ports"; finish; }
run_door next --random --range "$b-$((b + 9))" --count 4
check_eq "--random --range --count 4: exit 0" 0 "$DOOR_RC"
check "--random --range --count 4: four distinct ascending ports in the range" "$PY" -c '
import sys
p = list(map(int, sys.argv[1].split()))
lo = int(sys.argv[2])
assert len(p) == 4 and p == sorted(set(p)) and all(lo <= x <= lo + 9 for x in p), p' "$DOOR_OUT" "$b"

b=$(free_block 4) || { fail "find 4 free ports"; finish; }
run_door next "$b" --range "$b-$((b + 3))" --count 2 --json
check_eq "--json: exit 0" 0 "$DOOR_RC"
check "--json: an object with ports, proto, range, random, reserved_until_ms, reservation_file" "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
b = int(sys.argv[2])
assert d == {"ports": [b, b + 1], "proto": "tcp", "range": {"from": b, "to": b + 3},
             "random": False, "reserved_until_ms": None, "reservation_file": None}, d' "$DOOR_OUT" "$b"

# ------------------------------------------------------------ reservations
b=$(free_block 6) || { fail "find 6 free ports"; finish; }
t0=$(now_ms)
run_door next "$b" --range "$b-$((b + 5))" --reserve 30s --json
check_eq "--reserve: exit 0" 0 "$DOOR_RC"
check "--reserve --json: reserved_until_ms is 30s ahead, and the file is named" "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
t0, b, f = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
assert d["ports"] == [b], d
assert t0 + 29000 <= d["reserved_until_ms"] <= t0 + 40000, d
assert d["reservation_file"] == f, d' "$DOOR_OUT" "$t0" "$b" "$RFILE"
check_eq "the reservation directory is 0700" 700 "$(stat -c %a "$RDIR")"
check_eq "the reservation file is 0600" 600 "$(stat -c %a "$RFILE")"
check_match "the file: a header, then PORT PROTO EXPIRES_MS PID" \
    "^$HEADER"$'\n'"$b tcp [0-9]{13} [0-9]+"$'\n'"?$" "$(cat "$RFILE")"
run_door next "$b" --range "$b-$((b + 5))"
check_eq "a reserved port is not free, even without --reserve" "$((b + 1))" "$DOOR_OUT"
check_match "the hint says it is reserved" "$b/tcp is reserved by door next --reserve \\(pid [0-9]+\\) for [0-9]+s more" "$DOOR_ERR"
run_door next "$b" --range "$b-$((b + 5))" --udp
check_eq "a TCP reservation leaves the port free for UDP" "$b" "$DOOR_OUT"
run_door next "$b" --range "$b-$((b + 5))" --reserve 30s -q
check_eq "a second --reserve gets the next port" "$((b + 1))" "$DOOR_OUT"
check_eq "-q: nothing on stderr" "" "$DOOR_ERR"

# twenty at once, all from the same start
b=$(free_block 40) || { fail "find 40 free ports"; finish; }
cdir=$(mk_tmpdir conc)
for i in $(seq 1 20); do
    ( timeout -k 2 "$CHECK_TIMEOUT" "$DOOR" next "$b" --range "$b-$((b + 39))" --reserve 30s \
        >"$cdir/out.$i" 2>"$cdir/err.$i"; echo $? >"$cdir/rc.$i" ) &
done
wait
rcs=$(cat "$cdir"/rc.* | sort -u | tr '\n' ' ')
check_eq "20 concurrent --reserve: all exit 0" "0 " "$rcs"
outs=$(cat "$cdir"/out.* | sort -n)
check_eq "20 concurrent --reserve: 20 distinct ports" 20 "$(printf '%s\n' "$outs" | sort -u | grep -c .)"
check_eq "20 concurrent --reserve: the first 20 of the range" "$(seq "$b" $((b + 19)))" "$outs"

# expiry
b=$(free_block 10) || { fail "find 10 free ports"; finish; }
run_door next "$b" --range "$b-$((b + 9))" --reserve 1s
check_eq "--reserve 1s" "$b" "$DOOR_OUT"
run_door next "$b" --range "$b-$((b + 9))" --reserve 1s
check_eq "--reserve 1s again: the next port" "$((b + 1))" "$DOOR_OUT"
sleep 1.2
run_door next "$b" --range "$b-$((b + 9))"
check_eq "after the reservations expire the port is handed out again" "$b" "$DOOR_OUT"
run_door next "$((b + 5))" --range "$b-$((b + 9))" --reserve 1s
check_eq "a new reservation after expiry" "$((b + 5))" "$DOOR_OUT"
check_nomatch "expired entries are dropped on rewrite" "(^|"$'\n'")$b tcp" "$(cat "$RFILE")"

# ------------------------------------------------------------ a hostile file
b=$(free_block 4) || { fail "find 4 free ports"; finish; }
head -c 4096 /dev/urandom >"$RFILE"
run_door next "$b" --range "$b-$((b + 3))" --reserve 5s
check_eq "random bytes: exit 0" 0 "$DOOR_RC"
check_eq "random bytes: the port is handed out" "$b" "$DOOR_OUT"
check_match "random bytes: says it rebuilt a corrupt file" "rebuilt the corrupt reservation file" "$DOOR_ERR"
check_match "random bytes: rebuilt with the header" "^$HEADER"$'\n'"$b tcp " "$(cat "$RFILE")"

b=$(free_block 4) || { fail "find 4 free ports"; finish; }
far=$(( $(now_ms) + 60000 ))
printf '%s\n%s\n%s\n%s\n\001\377\000junk\n%s' "$HEADER" "$b tcp $far 1" \
    "$((b + 1)) tcp 99999999999999 1" "$((b + 2)) tcp 0 1" "$((b + 3)) tcp 17" >"$RFILE"
run_door next "$b" --range "$b-$((b + 3))" --count 3
check_eq "valid lines survive next to junk, absurd and truncated ones" \
    "$((b + 1))"$'\n'"$((b + 2))"$'\n'"$((b + 3))" "$DOOR_OUT"
check_match "without --reserve, a corrupt file is rebuilt too, and said so" \
    "rebuilt the corrupt reservation file .*kept 1 valid reservation, dropped 4 bad lines" "$DOOR_ERR"
check_eq "the rebuilt file keeps only the valid line" "$HEADER"$'\n'"$b tcp $far 1" "$(cat "$RFILE")"

head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' '\n' >"$RFILE"
run_door next "$b" --range "$b-$((b + 3))" --reserve 1s
check_eq "a 5 MiB file: exit 0" 0 "$DOOR_RC"
check_match "a 5 MiB file: rebuilt, not read" "was larger than [0-9]+ bytes" "$DOOR_ERR"
check "a 5 MiB file: small again" test "$(stat -c %s "$RFILE")" -lt 200

# a big file door wrote itself is read back whole, not taken for junk
rm -f "$RFILE"
run_door next 1025 --count 45000 --reserve 1m -q
if [ "$DOOR_RC" = 0 ]; then
    check "45000 reservations: a file over 1 MiB" test "$(stat -c %s "$RFILE")" -gt $((1024 * 1024))
    # above the reserved ones (1025 and up, some 45000 ports)
    run_door next 61000 --range 61000-65535 --reserve 1m
    check_eq "45000 reservations: one more" 0 "$DOOR_RC"
    check_nomatch "45000 reservations: read back, not rebuilt" "rebuilt" "$DOOR_ERR"
    check_eq "45000 reservations: all kept, one added" 45002 "$(wc -l <"$RFILE")"
else
    skip "45000 reservations" "fewer than 45000 free ports above 1024 here"
fi
rm -f "$RFILE"

# a symlink where the file goes: replaced, its target untouched
victim=$(mk_tmpdir victim)/precious
printf 'precious\n' >"$victim"
rm -f "$RFILE"
ln -s "$victim" "$RFILE"
b=$(free_block 4) || { fail "find 4 free ports"; finish; }
run_door next "$b" --range "$b-$((b + 3))" --reserve 5s
check_eq "symlink in place of the file: exit 0" 0 "$DOOR_RC"
check_eq "symlink in place of the file: its target is untouched" "precious" "$(cat "$victim")"
check "symlink in place of the file: now a regular file" test -f "$RFILE" -a ! -L "$RFILE"
check_match "symlink in place of the file: said so" "a symlink stood at" "$DOOR_ERR"
rm -f "$RFILE"
ln -s "$victim" "$RFILE"
run_door next "$b" --range "$b-$((b + 3))"
check_eq "symlink, without --reserve: exit 0" 0 "$DOOR_RC"
check_eq "symlink, without --reserve: its target is untouched" "precious" "$(cat "$victim")"
check "symlink, without --reserve: rebuilt as a regular file" test -f "$RFILE" -a ! -L "$RFILE"
rm -f "$RFILE"
mkdir "$RFILE"
run_door next "$b" --range "$b-$((b + 3))" --reserve 5s
check_eq "a directory in place of the file: exit 4" 4 "$DOOR_RC"
check_match "a directory in place of the file: says so" "not a regular file" "$DOOR_ERR"
rmdir "$RFILE"

# the directory itself
chmod 777 "$RDIR"
run_door next "$b" --range "$b-$((b + 3))" --reserve 5s
check_eq "a world-writable directory: --reserve refused, exit 4" 4 "$DOOR_RC"
check_eq "a world-writable directory: nothing on stdout" "" "$DOOR_OUT"
check_match "a world-writable directory: says why" "refusing the reservation directory $RDIR: others can write in it \\(mode 0777\\)" "$DOOR_ERR"
run_door next "$b" --range "$b-$((b + 3))"
check_eq "a world-writable directory, without --reserve: still an answer" "$b" "$DOOR_OUT"
check_match "a world-writable directory, without --reserve: a note" "reservations not honoured" "$DOOR_ERR"
chmod 720 "$RDIR"
run_door next "$b" --range "$b-$((b + 3))" --reserve 5s
check_eq "a group-writable directory: exit 4" 4 "$DOOR_RC"
chmod 700 "$RDIR"
chown nobody "$RDIR"
run_door next "$b" --range "$b-$((b + 3))" --reserve 5s
check_eq "a directory of another user: exit 4" 4 "$DOOR_RC"
check_match "a directory of another user: says whose" "belongs to uid $(id -u nobody)" "$DOOR_ERR"
chown 0 "$RDIR"
rm -rf "$RDIR"
elsewhere=$(mk_tmpdir elsewhere)
ln -s "$elsewhere" "$RDIR"
run_door next "$b" --range "$b-$((b + 3))" --reserve 5s
check_eq "a symlinked directory: exit 4" 4 "$DOOR_RC"
check_match "a symlinked directory: says so" "it is a symlink" "$DOOR_ERR"
check_eq "a symlinked directory: nothing written through it" "" "$(ls -A "$elsewhere")"
rm -f "$RDIR"
XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR/missing run_door next "$b" --range "$b-$((b + 3))" --reserve 5s
check_eq "XDG_RUNTIME_DIR missing: exit 3" 3 "$DOOR_RC"

# without XDG_RUNTIME_DIR: /tmp/door-UID, made safely (as nobody, so the
# real user's directory is left alone)
nuid=$(id -u nobody 2>/dev/null)
if [ -n "$nuid" ] && [ ! -e "/tmp/door-$nuid" ]; then
    on_exit_run rm -rf "/tmp/door-$nuid"
    saved=$XDG_RUNTIME_DIR
    export XDG_RUNTIME_DIR=
    run_door_as nobody next "$b" --range "$b-$((b + 3))" --reserve 2s
    check_eq "no XDG_RUNTIME_DIR: exit 0" 0 "$DOOR_RC"
    check_eq "no XDG_RUNTIME_DIR: /tmp/door-UID is the user's, 0700" \
        "nobody 700" "$(stat -c '%U %a' "/tmp/door-$nuid" 2>&1)"
    check_eq "no XDG_RUNTIME_DIR: its file is 0600" "nobody 600" "$(stat -c '%U %a' "/tmp/door-$nuid/ports" 2>&1)"
    rm -rf "/tmp/door-$nuid"
    mkdir -m 700 "/tmp/door-$nuid"   # squatted by root
    run_door_as nobody next "$b" --range "$b-$((b + 3))" --reserve 2s
    check_eq "/tmp/door-UID squatted by another user: exit 4" 4 "$DOOR_RC"
    check_match "/tmp/door-UID squatted by another user: says so" "belongs to uid 0" "$DOOR_ERR"
    rm -rf "/tmp/door-$nuid"
    # privileged ports are not free for a user who cannot bind them
    if [ "$(sysctl -n net.ipv4.ip_unprivileged_port_start 2>/dev/null || echo 1024)" -gt 80 ]; then
        run_door_as nobody next 80 --range 80-81
        check_eq "privileged ports as nobody: exit 1" 1 "$DOOR_RC"
        check_match "privileged ports as nobody: says why" "binding needs root" "$DOOR_ERR"
    fi
    export XDG_RUNTIME_DIR=$saved
else
    skip "/tmp/door-UID fallback" "no user nobody, or /tmp/door-$nuid already exists"
fi

finish
