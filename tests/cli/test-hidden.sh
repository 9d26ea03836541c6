#!/usr/bin/env bash
# Without root, other users' processes cannot be read: door still lists the
# socket, with the kernel's user for it, marks it hidden and says how to see
# more. Never a dropped socket, never a wrong owner.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door
if [ "$(id -u)" != 0 ]; then
	skip "hidden owners" "needs root to run door as another user"
	finish
fi

port=$(free_port)
pid=$(start_py_listener "$port" 127.0.0.1) || fail "start root listener"

run_door_as nobody ls "$port" --json
check_eq "nobody: root's socket is listed (exit 0)" 0 "$DOOR_RC"
check "nobody: hidden, with the socket's user" "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
assert len(d) == 1, d
s = d[0]
assert s["owners_hidden"] is True and s["owners_status"] == "hidden", s
assert s["owners"] == [] and s["user"] == "root" and s["uid"] == 0, s
' "$DOOR_OUT"
check_match "nobody: stderr says how to see more" "sudo door ls" "$DOOR_ERR"

run_door_as nobody ls "$port" --no-color
check_match "nobody: the row says (hidden) and root" "$port +tcp +127\\.0\\.0\\.1 +- +\\(hidden\\) +root" "$DOOR_OUT"
run_door_as nobody who "$port" --no-color
check_eq "nobody: who still finds the door" 0 "$DOOR_RC"
check_match "nobody: the card says hidden and how to see it" "hidden of 127\\.0\\.0\\.1:$port: the socket belongs to user root \\(uid 0\\); run 'sudo door $port'" "$DOOR_OUT"
run_door_as nobody ls "$port" --json -q
check_eq "-q: no notes" "" "$DOOR_ERR"

# the same door as root: the owner is there
run_door ls "$port" --json
check_match "root sees the owner" "\"pid\": $pid" "$DOOR_OUT"

# a process of the viewing user is found without privilege
user=$(ensure_test_user doortest) || fail "create doortest user"
port2=$(free_port)
dir=$(mk_tmpdir own)
cp "$LIB_DIR/listener.py" "$dir/" && chmod 755 "$dir" && chmod 644 "$dir/listener.py"
run_as "$user" "$PY" "$dir/listener.py" --port "$port2" --addr 127.0.0.1 --exit-after 120 >/dev/null 2>&1 &
own=$!
on_exit_kill "$own"
wait_listen "$port2" tcp 10 "$own" || fail "doortest listener did not start"
own=$(ss_listeners "$port2" | awk '{print $4; exit}')   # setpriv's child
run_door_as "$user" ls "$port2" --json
check "doortest sees its own process" "$PY" -c '
import json, sys
s = json.loads(sys.argv[1])[0]
assert s["owners_status"] == "found", s
assert s["owners"][0]["pid"] == int(sys.argv[2]), s
assert s["owners"][0]["user"] == sys.argv[3], s
' "$DOOR_OUT" "$own" "$user"
run_door_as nobody ls "$port2" --json
check_match "nobody does not see doortest's process" '"owners_status": "hidden"' "$DOOR_OUT"
check_match "but sees the socket's user" "\"user\": \"$user\"" "$DOOR_OUT"

finish
