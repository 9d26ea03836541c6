#!/usr/bin/env bash
# door kill: real processes stopped, the wrong ones never.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door

bindable() { # PORT: a bind on [::] (dual-stack) succeeds
    "$PY" -c 'import socket,sys
s=socket.socket(socket.AF_INET6); s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))' "$1"
}

# a python http.server and a node server on one port, two families
p=$(free_port)
hp=$(start_http_server "$p" 127.0.0.1) || fail "start http.server"
d=$(mk_tmpdir node)
(cd "$d" && setsid node -e "require('net').createServer().listen($p, '::1')" </dev/null >/dev/null 2>&1 & echo $! >"$d/pid")
on_exit_kill "$(cat "$d/pid")" --group
wait_listen "$p" tcp 10 >/dev/null
for _ in $(seq 50); do [ "$(ss_pids "$p" | wc -l)" -ge 2 ] && break; sleep 0.1; done
# setsid may fork: the node process is the other holder
np=$(ss_pids "$p" | grep -vx "$hp" | head -1)
on_exit_kill "$np"

run_door kill "$p" --dry-run
check_eq "dry run: exit 0" 0 "$DOOR_RC"
check_match "dry run: the plan names both holders" "python3 \\($hp\\).*node \\($np\\)" "$DOOR_ERR"
check "dry run: python alive" proc_alive "$hp"
check "dry run: node alive" proc_alive "$np"

run_door kill "$p" --watch 300ms
check_eq "kill: exit 0 (freed)" 0 "$DOOR_RC"
check_match "python reported exited after TERM" "python3 \\($hp\\) exited [0-9]+ ms after TERM" "$DOOR_OUT"
check_match "node reported exited after TERM" "node \\($np\\) exited [0-9]+ ms after TERM" "$DOOR_OUT"
check_match "says free" "free: nothing listens on $p/tcp" "$DOOR_OUT"
check "python gone" wait_gone "$hp" 3
check "node gone" wait_gone "$np" 3
check "port bindable afterwards" bindable "$p"

run_door kill "$p"
check_eq "nothing there: exit 0 (free)" 0 "$DOOR_RC"

# forked workers sharing one socket: all stopped
p=$(free_port)
lf=$(start_py_listener "$p" 127.0.0.1 --fork 3) || fail "start forked listener"
n=$(ss_pids "$p" | wc -l)
check_eq "4 holders before" 4 "$n"
run_door kill "$p" --json --watch 0
check_eq "forked: exit 0" 0 "$DOOR_RC"
got=$("$PY" -c 'import json,sys; d=json.load(sys.stdin); print(len(d["processes"]), all(p["result"] in ("exited","gone") for p in d["processes"]), d["free"])' <"$DOOR_OUT_FILE")
check_eq "forked: JSON has 4 processes, all exited, free" "4 True True" "$got"
check "forked: parent gone" wait_gone "$lf" 3

# a process that ignores TERM is killed after the grace
p=$(free_port)
d=$(mk_tmpdir ign)
setsid "$PY" -c "import signal,socket,time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
s=socket.socket(); s.bind(('127.0.0.1',$p)); s.listen(); time.sleep(300)" </dev/null >/dev/null 2>&1 &
ig=$!; on_exit_kill "$ig"
wait_listen "$p" tcp 10 >/dev/null
run_door kill "$p" --grace 300ms --watch 0
check_eq "ignores TERM: exit 0" 0 "$DOOR_RC"
check_match "ignored TERM, killed" "python3 \\($ig\\) ignored TERM, killed" "$DOOR_OUT"
check "ignorer gone" wait_gone "$ig" 3

# --no-escalate leaves it running, exit 1
p=$(free_port)
setsid "$PY" -c "import signal,socket,time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
s=socket.socket(); s.bind(('127.0.0.1',$p)); s.listen(); time.sleep(300)" </dev/null >/dev/null 2>&1 &
ig=$!; on_exit_kill "$ig" --signal KILL
wait_listen "$p" tcp 10 >/dev/null
run_door kill "$p" --grace 200ms --no-escalate --watch 0
check_eq "no-escalate: exit 1 (not free)" 1 "$DOOR_RC"
check_match "still running reported" "still running after TERM \\(--no-escalate\\)" "$DOOR_OUT"
check "no-escalate: alive" proc_alive "$ig"

# another user's process, door unprivileged: refused, exit 4, alive
p=$(free_port)
hp=$(start_http_server "$p" 127.0.0.1) || fail "start http.server"
run_door_as nobody kill "$p" --yes
check_eq "as nobody: exit 4 (denied)" 4 "$DOOR_RC"
check_match "as nobody: says sudo" "sudo" "$DOOR_OUT$DOOR_ERR"
check "as nobody: process alive" proc_alive "$hp"

# door's ancestor holding the door: refused (5), alive
p=$(free_port)
out=$("$PY" - "$DOOR" "$p" <<'EOF2'
import socket, subprocess, sys
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[2]))); s.listen()
r = subprocess.run([sys.argv[1], "kill", sys.argv[2], "--yes", "--watch", "0"],
                   capture_output=True, text=True)
print(r.returncode)
print(r.stdout + r.stderr)
EOF2
)
check_match "ancestor: exit 5" "^5"$'\n' "$out"
check_match "ancestor: named" "ancestor of door" "$out"

# door itself holding the door (an inherited fd): refused
p=$(free_port)
out=$("$PY" - "$DOOR" "$p" <<'EOF2'
import os, socket, subprocess, sys
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[2]))); s.listen()
fd = s.fileno(); os.set_inheritable(fd, True)
r = subprocess.run([sys.argv[1], "kill", sys.argv[2], "--yes", "--watch", "0"],
                   capture_output=True, text=True, pass_fds=(fd,))
print(r.returncode)
print(r.stdout + r.stderr)
EOF2
)
check_match "self: exit 5" "^5"$'\n' "$out"
check_match "self: door itself refused" "door itself: never" "$out"

# pid 1: this VM's init holds 2024 (hidden even from root); in general a
# port held by pid 1 must never be signalled
pid1=$(ss -Hltn 'sport = :2024' 2>/dev/null | head -1)
if [ -n "$pid1" ]; then
    run_door kill 2024 --yes --watch 0
    check_rc "pid 1's port: refused (4 or 5), not 0" 0 test "$DOOR_RC" -ge 4
    check "pid 1 alive" proc_alive 1
else
    skip "pid 1's port" "nothing listens on 2024 here"
fi

# a shell loop that respawns the server: reported with the loop's pid
p=$(free_port)
bash -c "while :; do \"$PY\" -m http.server $p --bind 127.0.0.1 >/dev/null 2>&1; sleep 0.1; done" </dev/null >/dev/null 2>&1 &
loop=$!; on_exit_kill "$loop"
wait_listen "$p" tcp 10 >/dev/null
run_door kill "$p" --watch 3s
check_eq "respawn: exit 1 (not free)" 1 "$DOOR_RC"
check_match "respawn: the loop is named" "respawned: python3 \\([0-9]+\\) listens on 127\\.0\\.0\\.1:$p again, started by bash \\($loop\\), a shell loop" "$DOOR_OUT"
check_match "respawn: the command that stops it" "door kill --tree $p" "$DOOR_OUT"
run_door kill "$p" --tree --watch 1s --json
check_eq "--tree: exit 0" 0 "$DOOR_RC"
check "--tree: loop gone" wait_gone "$loop" 3
got=$("$PY" -c 'import json,sys; d=json.load(sys.stdin); print([p["role"] for p in d["processes"]], d["free"], d["respawned"])' <"$DOOR_OUT_FILE")
check_eq "--tree JSON: parent and holder, free, no respawn" "['holder', 'parent'] True []" "$got"

# the same loop under setsid leads its own session: --tree leaves session
# leaders alone, so the hint names the loop's pid instead of --tree
p=$(free_port)
setsid bash -c "while :; do \"$PY\" -m http.server $p --bind 127.0.0.1 >/dev/null 2>&1; sleep 0.1; done" </dev/null >/dev/null 2>&1 &
wait_listen "$p" tcp 10 >/dev/null
holder=$(ss_pids "$p" tcp | head -1)
loop=$(ps -o ppid= -p "${holder:-0}" 2>/dev/null | tr -d ' ')
if _t_isnum "$loop" && [ "$(ps -o sid= -p "$loop" | tr -d ' ')" = "$loop" ]; then
    on_exit_kill "$loop"
    run_door kill "$p" --watch 3s
    check_eq "setsid respawn: exit 1 (not free)" 1 "$DOOR_RC"
    check_match "setsid respawn: the hint is the loop's own kill" \
        "to stop it for good: kill $loop \\(the loop leads its own session" "$DOOR_OUT"
    check_nomatch "setsid respawn: no --tree hint that would refuse" "for good: door kill --tree" "$DOOR_OUT"
    run_door kill "$p" --tree --watch 0 --json
    check "setsid respawn: --tree indeed leaves the session leader alone" proc_alive "$loop"
    kill "$loop" 2>/dev/null
else
    fail "setsid respawn loop starts" "no parent pid for the server on $p"
fi

# usage
run_door kill
check_eq "no target: exit 2" 2 "$DOOR_RC"
run_door kill 3000 --signal NOPE
check_eq "bad signal: exit 2" 2 "$DOOR_RC"
run_door kill example.com:80
check_eq "remote host: exit 2" 2 "$DOOR_RC"

finish
