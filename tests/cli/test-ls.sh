#!/usr/bin/env bash
# door ls against real listeners, checked against the kernel's view (ss).
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door

p4=$(free_port); p6=$(free_port); pany=$(free_port); pdual=$(free_port)
pv6only=$(free_port); pudp=$(free_port); pboth=$(free_port)
l4=$(start_py_listener "$p4" 127.0.0.1) || fail "start v4 listener"
l6=$(start_py_listener "$p6" ::1) || fail "start v6 listener"
lany=$(start_py_listener "$pany" 0.0.0.0) || fail "start 0.0.0.0 listener"
ldual=$(start_py_listener "$pdual" :: --dual) || fail "start dual listener"
lv6=$(start_py_listener "$pv6only" :: --v6only) || fail "start v6only listener"
ludp=$(start_py_listener "$pudp" 127.0.0.1 --udp) || fail "start udp socket"
# one process on both 0.0.0.0 and :: (v6only) of the same port: one row
"$PY" - "$pboth" >/dev/null 2>&1 <<'PYEOF' &
import socket, sys, time, signal
port = int(sys.argv[1])
a = socket.socket(); a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
a.bind(("0.0.0.0", port)); a.listen()
b = socket.socket(socket.AF_INET6); b.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
b.bind(("::", port)); b.listen()
# and one established loopback connection, both ends held here (for --all)
c = socket.create_connection(("127.0.0.1", port))
d, _ = a.accept()
signal.alarm(300)
time.sleep(300)
PYEOF
lboth=$!
on_exit_kill "$lboth"
wait_listen "$pboth" tcp 10 || fail "both-family listener did not start"

ports="$p4 $p6 $pany $pdual $pv6only $pudp $pboth"

# ss shows a dual-stack :: as "*"; door names the address it is bound to
ss_norm() {
	awk '{ a = $2; if (a == "*") a = "::"; print $1, a, $3, $4 }' | sort
}

# door's view as "proto addr port pid" lines, from JSON
door_lines() {
	"$PY" -c '
import json, sys
for s in json.load(sys.stdin):
    pids = sorted({o["pid"] for o in s["owners"]}) or ["-"]
    for p in pids:
        print(s["proto"], s["address"], s["port"], p)
' | sort
}

for p in $ports; do
	run_door ls "$p" --json
	check_eq "ls $p --json exits 0" 0 "$DOOR_RC"
	got=$(printf '%s' "$DOOR_OUT" | door_lines)
	want=$(ss_listeners "$p" | ss_norm)
	check_eq "port $p: door agrees with ss" "$want" "$got"
done

# the whole listing, restricted to our ports, agrees with ss too
run_door ls --json
check_eq "ls --json exits 0" 0 "$DOOR_RC"
all=$(printf '%s' "$DOOR_OUT" | door_lines)
for p in $ports; do
	want=$(ss_listeners "$p" | ss_norm)
	got=$(printf '%s\n' "$all" | awk -v p="$p" '$3 == p')
	check_eq "full listing has port $p as ss does" "$want" "$got"
done

# required JSON keys and types
run_door ls "$pdual" --json
check "JSON keys and types" "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
assert isinstance(d, list) and len(d) == 1, d
s = d[0]
for k, t in [("proto", str), ("family", str), ("address", str), ("port", int),
             ("state", str), ("uid", int), ("user", str), ("inode", int),
             ("owners_hidden", bool), ("owners", list)]:
    assert isinstance(s[k], t), (k, s[k])
assert s["proto"] == "tcp" and s["family"] == "ipv6" and s["address"] == "::"
assert s["state"] == "LISTEN" and s["v6only"] is False, s
o = s["owners"][0]
for k, t in [("pid", int), ("name", str), ("user", str), ("uid", int),
             ("cmdline", list), ("cwd", str), ("start_time", int), ("ppid", int)]:
    assert isinstance(o[k], t), (k, o[k])
assert o["pid"] == int(sys.argv[2]), o
assert any("listener.py" in a for a in o["cmdline"]), o["cmdline"]
' "$DOOR_OUT" "$ldual"

run_door ls "$pv6only" --json
check "v6only listener reports v6only true" "$PY" -c '
import json, sys; s = json.loads(sys.argv[1])[0]; assert s["v6only"] is True, s' "$DOOR_OUT"

# human table: one row for the process on 0.0.0.0 and ::
run_door ls "$pboth" --no-color
check_eq "both families: exit 0" 0 "$DOOR_RC"
rows=$(printf '%s\n' "$DOOR_OUT" | tail -n +2 | wc -l)
check_eq "both families: one row" 1 "$rows"
check_match "both families: address column says both" "0\\.0\\.0\\.0, ::" "$DOOR_OUT"
check_match "both families: pid in row" " $lboth " "$DOOR_OUT"

# header and columns
run_door ls "$p4" --no-color
check_match "table header" '^ *PORT +PROTO +ADDRESS +PID +PROCESS +USER +SERVICE' "$DOOR_OUT"
check_match "row: port proto address pid" " *$p4 +tcp +127\\.0\\.0\\.1 +$l4 +python3 +root" "$DOOR_OUT"

# filters
run_door ls "$pudp" --tcp --json
check_eq "--tcp hides the UDP socket" "[]" "$(printf '%s' "$DOOR_OUT" | tr -d ' \n')"
check_eq "--tcp on a UDP-only port exits 1" 1 "$DOOR_RC"
run_door ls "$pudp" --udp --json
check_match "--udp shows it" '"state": "UNCONN"' "$DOOR_OUT"
run_door ls "$p6" -4 --json
check_eq "-4 hides ::1" "[]" "$(printf '%s' "$DOOR_OUT" | tr -d ' \n')"
run_door ls "$p6" -6 --json
check_match "-6 shows ::1" '"address": "::1"' "$DOOR_OUT"
lo=$p4; hi=$p4
for p in $ports; do [ "$p" -lt "$lo" ] && lo=$p; [ "$p" -gt "$hi" ] && hi=$p; done
run_door ls "$lo-$hi" --pid "$l4" --json
got=$(printf '%s' "$DOOR_OUT" | door_lines)
check_eq "--pid keeps only that process" "tcp 127.0.0.1 $p4 $l4" "$got"
run_door ls "$p4" "$p6" --json
got=$(printf '%s' "$DOOR_OUT" | door_lines | awk '{print $3}' | sort -u | tr '\n' ' ')
want=$(printf '%s\n' "$p4" "$p6" | sort -u | tr '\n' ' ')
check_eq "two port filters" "$want" "$got"
run_door ls "$p4" --name python3 --json
check_match "--name python3 matches" "\"pid\": $l4" "$DOOR_OUT"
run_door ls "$p4" --name node --json
check_eq "--name node matches nothing" 1 "$DOOR_RC"
run_door ls "$p4" --user root --json
check_match "--user root matches" "\"pid\": $l4" "$DOOR_OUT"
run_door ls "$p4" --user nobody
check_eq "--user nobody matches nothing" 1 "$DOOR_RC"

# --no-owners: the sockets, no processes
run_door ls "$p4" --no-owners --json
check_match "--no-owners: owners_status not_asked" '"owners_status": "not_asked"' "$DOOR_OUT"
check_match "--no-owners: still the socket" "\"port\": $p4" "$DOOR_OUT"

# --all: an established connection shows its peer and its holder
run_door ls "$pboth" --all --json
check_match "--all shows ESTABLISHED" '"state": "ESTABLISHED"' "$DOOR_OUT"
check_match "--all shows the peer address" '"remote_address": "127.0.0.1"' "$DOOR_OUT"
check "--all: the connection's holder is the process" "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
est = [s for s in d if s["state"] == "ESTABLISHED"]
assert est and all(o["pid"] == int(sys.argv[2]) for s in est for o in s["owners"]), d
assert all(isinstance(s["remote_port"], int) for s in est)
' "$DOOR_OUT" "$lboth"
run_door ls "$pboth" --all --no-color
check_match "--all table has STATE and PEER" 'STATE +PEER' "$DOOR_OUT"
check_match "--all table row shows the peer" 'ESTABLISHED +127\.0\.0\.1:[0-9]+' "$DOOR_OUT"
run_door ls "$pboth" --json
check_nomatch "without --all no connections" 'ESTABLISHED' "$DOOR_OUT"

# the /proc/net fallback gives the same answer
for p in $ports; do
	run_door ls "$p" --json
	a=$(printf '%s' "$DOOR_OUT" | door_lines)
	DOOR_SOURCE=proc run_door ls "$p" --json
	b=$(printf '%s' "$DOOR_OUT" | door_lines)
	check_eq "port $p: /proc/net fallback agrees with netlink" "$a" "$b"
done
DOOR_SOURCE=proc run_door ls "$p4" --json
check_match "fallback says where sockets came from" '"source": "proc"' "$DOOR_OUT"
run_door ls "$p4" --json
check_match "netlink is the default source" '"source": "netlink"' "$DOOR_OUT"
DOOR_SOURCE=netlink run_door ls "$p4" --json
check_eq "DOOR_SOURCE=netlink works" 0 "$DOOR_RC"

# --thorough finds the same owners
run_door ls "$lo-$hi" --json
a=$(printf '%s' "$DOOR_OUT" | door_lines)
run_door ls "$lo-$hi" --thorough --json
b=$(printf '%s' "$DOOR_OUT" | door_lines)
check_eq "--thorough agrees with the narrow walk" "$a" "$b"

# nothing there: exit 1, an empty JSON array
q=$(free_port)
run_door ls "$q" --json
check_eq "empty port: exit 1" 1 "$DOOR_RC"
check_eq "empty port: []" "[]" "$(printf '%s' "$DOOR_OUT" | tr -d ' \n')"

# colour only on a terminal: never in a pipe
run_door ls "$p4"
check_nomatch "no colour when not a terminal" $'\e' "$DOOR_OUT"

finish
