#!/usr/bin/env bash
# door check: knock on real listeners; a real black hole for timeouts (a
# network namespace this test creates, with an nftables DROP rule).
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door

p4=$(free_port); p6=$(free_port); pd=$(free_port); pc=$(free_port)
start_py_listener "$p4" 127.0.0.1 >/dev/null || fail "start v4 listener"
start_py_listener "$p6" ::1 >/dev/null || fail "start v6 listener"
start_py_listener "$pd" :: --dual >/dev/null || fail "start dual listener"

# json_states JSON: "address state" lines
json_states() {
	"$PY" -c '
import json, sys
for o in json.loads(sys.argv[1]):
    print(o["address"], o["state"])' "$1" | sort
}

run_door check "$p4" --json
check_eq "v4-only listener: exit 0" 0 "$DOOR_RC"
check_eq "v4-only: open on 127.0.0.1, refused on ::1" "127.0.0.1 open
::1 refused" "$(json_states "$DOOR_OUT")"
run_door check "$p6" --json
check_eq "v6-only listener: open on ::1, refused on 127.0.0.1" "127.0.0.1 refused
::1 open" "$(json_states "$DOOR_OUT")"
run_door check "$pd" --json
check_eq "dual-stack: open on both" "127.0.0.1 open
::1 open" "$(json_states "$DOOR_OUT")"
run_door check "localhost:$p6" --no-color
check_eq "localhost against a v6-only listener: exit 0" 0 "$DOOR_RC"
check_match "the human line names the family that answered" "open on ::1 \\([0-9.]+ ms\\), refused on 127\\.0\\.0\\.1" "$DOOR_OUT"
run_door check "127.0.0.1:$p6"
check_eq "127.0.0.1 against a v6-only listener: exit 1" 1 "$DOOR_RC"
run_door check "[::1]:$p6" "127.0.0.1:$p4"
check_eq "two open targets: exit 0" 0 "$DOOR_RC"
run_door check "[::1]:$p6" "127.0.0.1:$pc"
check_eq "one closed target: exit 1" 1 "$DOOR_RC"
run_door check "http://localhost:$p4/x"
check_eq "a URL target" 0 "$DOOR_RC"
run_door check "$p6" -4
check_eq "-4 knocks only on 127.0.0.1: closed" 1 "$DOOR_RC"

run_door check "$pc" --json
check "JSON keys" "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
assert len(d) == 2, d
for o in d:
    for k in ("target", "host", "address", "family", "port", "state", "ms"):
        assert k in o, (k, o)
    assert o["state"] == "refused" and o["port"] == int(sys.argv[2]), o
    assert isinstance(o["ms"], (int, float)), o
assert {o["family"] for o in d} == {"ipv4", "ipv6"}
' "$DOOR_OUT" "$pc"

run_door check no-such-host.invalid:80 --json
check_eq "unresolvable host: exit 1" 1 "$DOOR_RC"
check_match "unresolvable host: state unresolved" '"state": "unresolved"' "$DOOR_OUT"

# ranges: only open ones by default, a summary, every verdict with --all
lo=$((p4 - 5)); hi=$((p4 + 5))
run_door check "127.0.0.1:$lo-$hi" --no-color
check_eq "range with one listener: exit 0" 0 "$DOOR_RC"
check_match "range summary" "1 open, 10 refused" "$DOOR_OUT"
check_match "range lists the open door" "127\\.0\\.0\\.1:$p4 +open" "$DOOR_OUT"
n=$(printf '%s\n' "$DOOR_OUT" | grep -c refused)
check_eq "range: refused doors are not listed one by one" 1 "$n"
run_door check "127.0.0.1:$lo-$hi" --all --json
n=$("$PY" -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$DOOR_OUT")
check_eq "--all: every verdict in JSON" 11 "$n"

# a full scan of this machine: door's open set equals the kernel's
# listeners. Other programs may open or close doors during the scan, so the
# truth is taken before and after it: every door listening both times must
# be open, and nothing that listened neither time may be.
ss_reachable() {
	ss -Hltn | awk '{print $4}' | grep -E '^(127\.0\.0\.1|0\.0\.0\.0|\*):' |
	    sed 's/.*://' | sort -n -u
}
before=$(ss_reachable)
run_door check 127.0.0.1:1-65535 --json --timeout 2s
scan_rc=$DOOR_RC
after=$(ss_reachable)
[ "$scan_rc" -le 1 ] || diag "full scan exited $scan_rc: $DOOR_ERR"
got=$("$PY" -c 'import json,sys; print("\n".join(str(o["port"]) for o in json.loads(sys.argv[1]) if o["state"] == "open"))' "$DOOR_OUT" | sort -n -u)
always=$(comm -12 <(printf '%s\n' "$before") <(printf '%s\n' "$after") | sort -n)
ever=$(printf '%s\n%s\n' "$before" "$after" | sort -n -u)
missed=$(comm -23 <(printf '%s\n' "$always" | sort) <(printf '%s\n' "$got" | sort) | tr '\n' ' ')
false_open=$(comm -13 <(printf '%s\n' "$ever" | sort) <(printf '%s\n' "$got" | sort) | tr '\n' ' ')
check_eq "full scan 1-65535: no listener missed" "" "$missed"
check_eq "full scan 1-65535: no false open" "" "$false_open"
if [ -n "$missed$false_open" ]; then
	diag "door check exited $scan_rc; stderr: $DOOR_ERR"
	diag "before: $(printf '%s' "$before" | tr '\n' ' ')" "after: $(printf '%s' "$after" | tr '\n' ' ')"
fi

# a black hole: SYNs dropped in a namespace of our own; --timeout is kept.
# Each setup step is checked on its own, so a step that fails here is named
# as what it is and never read as door's exit status.
ns=door-check-$$
if ! command -v nft >/dev/null; then
	fail "black hole: nft" "nft is not installed (scripts/deps.sh test installs nftables)"
elif ! why=$(netns_add "$ns"); then
	skip "black hole namespace" "$why"
elif ! why=$(in_netns "$ns" nft -f - 2>&1 <<'NFT'
table inet doortest {
	chain input {
		type filter hook input priority 0;
		tcp dport 9 drop
	}
}
NFT
); then
	skip "black hole namespace" "nft cannot filter in a new namespace here (no nf_tables in this kernel?): $why"
elif ! why=$(in_netns "$ns" "$DOOR" --version 2>&1); then
	fail "black hole: door runs inside the namespace" "$why"
else
	t0=$(date +%s%N)
	out=$(in_netns "$ns" "$DOOR" check 9 --timeout 500ms --json 2>&1)
	rc=$?
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	check_eq "black hole: exit 1" 1 "$rc"
	check_eq "black hole: both addresses time out" "127.0.0.1 timeout
::1 timeout" "$(json_states "$out")"
	if [ "$ms" -ge 450 ] && [ "$ms" -le 550 ]; then
		pass "black hole: returned within timeout + 10% (${ms} ms for 500 ms)"
	else
		fail "black hole: returned within timeout + 10%" "took ${ms} ms for --timeout 500ms"
	fi
fi

# usage
run_door check
check_eq "no target: exit 2" 2 "$DOOR_RC"
run_door check 0
check_eq "port 0: exit 2" 2 "$DOOR_RC"
run_door check 80 --timeout 5x
check_eq "bad duration: exit 2" 2 "$DOOR_RC"

finish
