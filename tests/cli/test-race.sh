#!/usr/bin/env bash
# Processes that exit while door scans them cause neither an error nor a
# wrong owner. A churn of short-lived listeners (each logs "port pid" before
# it listens) runs while door lists again and again; every owner door names
# for a churn port must be a process that really listened there.
. "$(dirname "$0")/lib.sh"

need_door
base=$(free_port)
dir=$(mk_tmpdir churn)
log=$dir/listeners.log
: >"$log"
# 40 ports, children living 0-80 ms, for at most 20 s (bounded)
"$PY" - "$base" "$log" >"$dir/churn.out" 2>&1 <<'PYEOF' &
import os, random, signal, socket, sys, time
base, log = int(sys.argv[1]), sys.argv[2]
signal.alarm(25)
end = time.monotonic() + 20
kids = 0
while time.monotonic() < end and kids < 20000:
    port = base + random.randrange(40)
    pid = os.fork()
    if pid == 0:
        try:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            with open(log, "a") as f:
                f.write("%d %d\n" % (port, os.getpid()))
            s.listen()
            time.sleep(random.random() * 0.08)
        except OSError:
            pass
        os._exit(0)
    kids += 1
    while True:   # reap, keep at most 30 alive
        try:
            r, _ = os.waitpid(-1, os.WNOHANG if kids % 30 else 0)
        except ChildProcessError:
            break
        if r == 0:
            break
PYEOF
churn=$!
on_exit_kill "$churn" --group
sleep 0.5

rounds=0 errors=0 wrong=0 seen=0
for i in $(seq 1 40); do
	run_door ls "$base-$((base + 39))" --json
	rounds=$((rounds + 1))
	if [ "$DOOR_RC" -ne 0 ] && [ "$DOOR_RC" -ne 1 ]; then
		errors=$((errors + 1))
		diag "round $i: exit $DOOR_RC: $DOOR_ERR"
		continue
	fi
	pairs=$("$PY" -c '
import json, sys
for s in json.loads(sys.argv[1]):
    for o in s["owners"]:
        print(s["port"], o["pid"])' "$DOOR_OUT") || { errors=$((errors + 1)); continue; }
	while read -r port pid; do
		[ -n "$port" ] || continue
		seen=$((seen + 1))
		if ! grep -qx "$port $pid" "$log"; then
			wrong=$((wrong + 1))
			diag "round $i: door says pid $pid holds $port; it never listened there"
		fi
	done <<<"$pairs"
done
check_eq "40 rounds during churn: no system error" 0 "$errors"
check_eq "no wrong owner among $seen owners" 0 "$wrong"
if [ "$seen" -gt 0 ]; then pass "owners were seen during the churn ($seen)"; else fail "no owner ever seen: the churn did not run"; fi

finish
