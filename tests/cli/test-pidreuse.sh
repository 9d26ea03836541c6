#!/usr/bin/env bash
# door kill under pid reuse: over many rounds the target exits right as door
# runs, while a churn of short-lived processes recycles pids (pid_max is
# lowered for the test and restored). Sentinels record every signal they
# get; none may ever get one. No hook in door: the race is real.
. "$(dirname "$0")/lib.sh"

need_door
ROUNDS=${PIDREUSE_ROUNDS:-1000}
BUDGET=${PIDREUSE_SECONDS:-180}

if [ "$(id -u)" = 0 ] && [ -w /proc/sys/kernel/pid_max ]; then
    old=$(cat /proc/sys/kernel/pid_max)
    n=$(ls /proc | grep -c '^[0-9]')
    new=$(( n * 4 > 1000 ? n * 4 : 1000 ))
    if [ "$new" -lt "$old" ]; then
        on_exit_run sh -c "echo $old > /proc/sys/kernel/pid_max"
        echo "$new" >/proc/sys/kernel/pid_max
        diag "pid_max $old -> $new for this test (restored at exit)"
    fi
else
    diag "pid_max left alone (not root): pid reuse is rarer"
fi

d=$(mk_tmpdir pidreuse)
p=$(free_port)
"$PY" - "$DOOR" "$p" "$ROUNDS" "$BUDGET" "$d" >"$d/result" 2>"$d/log" <<'EOF2'
import os, random, signal, socket, subprocess, sys, threading, time
door, port, rounds, budget, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
hits = os.path.join(d, "signalled")
open(hits, "w").close()
bad = []

# long-lived sentinels: record any catchable signal
sent_code = ("import os, signal, sys, time\n"
             "def h(n, f):\n"
             "    open(sys.argv[1], 'a').write('sentinel %d got %d\\n' % (os.getpid(), n))\n"
             "for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGQUIT):\n"
             "    signal.signal(s, h)\n"
             "time.sleep(float(sys.argv[2]))\n")
sentinels = [subprocess.Popen([sys.executable, "-c", sent_code, hits, str(budget + 60)])
             for _ in range(16)]

# churn: short-lived shells that record TERM/INT/HUP; one that dies of
# KILL is recorded by its loop (status 137). Separate processes, so the
# churn runs at full speed beside this driver.
churn_sh = 'trap "echo churn \\$\\$ got a signal >> %s" TERM INT HUP USR1 USR2 QUIT; sleep 0.01' % hits
loop = ('n=0; while [ ! -e %s/stop ]; do /bin/sh -c \'%s\'; r=$?; n=$((n+1)); '
        '[ $r -ge 128 ] && echo "churn killed: status $r" >> %s; done; echo $n > %s/spawned.$$'
        % (d, churn_sh, hits, d))
churners = [subprocess.Popen(["/bin/bash", "-c", loop]) for _ in range(2)]
spawned = [0]
def listener():
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port)); s.listen()
            os.write(w, b"r")
            time.sleep(random.random() * 0.02)   # exits right as door runs
        finally:
            os._exit(0)
    os.close(w)
    os.read(r, 1); os.close(r)
    # reap it at once, so its pid is free for the churn while door runs
    threading.Thread(target=os.waitpid, args=(pid, 0), daemon=True).start()
    return pid

start = time.monotonic()
done = signalled_target = 0
rcs = {}
while done < rounds and time.monotonic() - start < budget:
    listener()
    rc = subprocess.run([door, "kill", str(port), "--yes", "--watch", "0", "--grace", "300ms", "-q"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    rcs[rc] = rcs.get(rc, 0) + 1
    done += 1
open(os.path.join(d, "stop"), "w").close()
for c in churners: c.wait(10)
for f in os.listdir(d):
    if f.startswith("spawned."):
        spawned[0] += int(open(os.path.join(d, f)).read() or 0)
alive = sum(1 for s in sentinels if s.poll() is None)
for s in sentinels: s.kill()
print("rounds %d spawned %d alive_sentinels %d/%d churn_killed %d rcs %s" % (
    done, spawned[0], alive, len(sentinels), len(bad), sorted(rcs.items())))
EOF2
rc=$?
res=$(cat "$d/result")
diag "$res"
check_eq "driver ran" 0 "$rc"
check_eq "no sentinel was signalled" "" "$(cat "$d/signalled" 2>/dev/null)"
check_match "every long-lived sentinel alive" "alive_sentinels 16/16" "$res"
check_match "no churn process killed" "churn_killed 0 " "$res"
rounds=$(sed -n 's/^rounds \([0-9]*\).*/\1/p' <<<"$res")
check_rc "at least $ROUNDS rounds (got ${rounds:-0})" 0 test "${rounds:-0}" -ge "$ROUNDS"
check_nomatch "door never failed with a system error (3)" "\\(3, " "$res"

finish
