#!/usr/bin/env python3
"""door watch --json against real sockets, for tests/cli/test-watch.sh.

Usage: watch-events.py MODE DOOR PORT...

Runs `DOOR watch --json --interval 200ms PORT...`, makes real listeners on
those ports (in this process, or in child processes), reads the event stream
and prints what it found as "key value" lines, which the shell test checks:

  sequence  one socket per port, opened and closed in random order over
            about 20 s; the kernel's view (ss -Htlne) is sampled meanwhile.
            Every socket must have exactly one open and one close, in that
            order, with this process as its owner; nothing else may appear;
            every socket ss saw must be in the stream.
  churn     40 rounds of a child process that binds the first port, listens
            and exits after 0-300 ms: the race between the socket dump and
            the owner walk. Every owner the stream names must be one of the
            children, with the start time that child really had.
  owner     a parent binds, forks a child that keeps the socket, and exits:
            the stream must say "owner" with the child as the owner and the
            parent among the previous owners, then "close" when the child
            ends.

Every wait is bounded; door is stopped with SIGTERM at the end (its exit
status is printed as door_rc).
"""
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time


def start_door(door, ports, interval="200ms"):
    cmd = [door, "watch", "--json", "--interval", interval] + [str(p) for p in ports]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = []

    def reader():
        for raw in proc.stdout:
            lines.append((time.monotonic(), raw))

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    return proc, lines, t


def stop_door(proc, thread):
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = "timeout"
    thread.join(timeout=5)
    err = proc.stderr.read().decode("utf-8", "replace")
    return rc, err


def settle(lines, done, seconds=15.0):
    """Waits (bounded) until done(events) holds: a tick that walks owners
    on a loaded machine may take a while to report the last change."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if done(parse(list(lines))[0]):
            return True
        time.sleep(0.2)
    return False


def parse(lines):
    events, bad = [], 0
    for when, raw in lines:
        try:
            ev = json.loads(raw)
            if not raw.endswith(b"\n"):
                bad += 1
            events.append((when, ev))
        except ValueError:
            bad += 1
    return events, bad


def ss_inodes(ports):
    out = subprocess.run(["ss", "-Htlne"], capture_output=True, text=True, timeout=10).stdout
    seen = set()
    for line in out.splitlines():
        f = line.split()
        if len(f) < 4:
            continue
        port = f[3].rsplit(":", 1)[-1]
        ino = [x for x in f if x.startswith("ino:")]
        if port.isdigit() and int(port) in ports and ino:
            seen.add((int(port), int(ino[0][4:])))
    return seen


def wait_first_tick(lines, proc, seconds=3.0):
    """door's first tick is silent (a baseline): give it time to happen."""
    time.sleep(seconds)
    return proc.poll() is None


def sequence(door, ports):
    proc, lines, th = start_door(door, ports)
    alive = wait_first_tick(lines, proc)
    me = os.getpid()
    plan = []
    for p in ports:
        t_open = random.uniform(0, 10)
        plan.append((t_open, "open", p))
        plan.append((t_open + random.uniform(2, 8), "close", p))
    plan.sort()
    socks, ours, acted = {}, {}, []
    kernel = set()
    t0 = time.monotonic()
    next_ss = t0
    for when, what, port in plan:
        while True:
            now = time.monotonic()
            if now >= next_ss:
                kernel |= ss_inodes(set(ports))
                next_ss = now + 1.0
            if now - t0 >= when:
                break
            time.sleep(min(0.05, max(0, when - (now - t0))))
        if what == "open":
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            s.listen(8)
            ino = os.fstat(s.fileno()).st_ino
            socks[port] = s
            ours[ino] = port
            acted.append((time.monotonic(), "open", ino))
        else:
            ino = os.fstat(socks[port].fileno()).st_ino
            socks.pop(port).close()
            acted.append((time.monotonic(), "close", ino))
    kernel |= ss_inodes(set(ports))
    settle(lines, lambda evs: all(
        any(e.get("event") == "close" and e.get("socket", {}).get("inode") == ino for _, e in evs)
        for ino in ours))
    time.sleep(0.5)
    rc, err = stop_door(proc, th)
    events, bad = parse(lines)
    seq = {}
    foreign = wrong_owner = 0
    got_at = {}
    kernel_inodes = {ino for _, ino in kernel}
    streamed = set()
    for when, ev in events:
        sock = ev.get("socket", {})
        ino = sock.get("inode")
        kind = ev.get("event")
        streamed.add(ino)
        if ino not in ours:
            # another program may take one of these ports meanwhile: that
            # is no error when the kernel saw it too
            foreign += ino not in kernel_inodes
            continue
        seq.setdefault(ino, []).append(kind)
        got_at.setdefault((kind, ino), when)
        if kind == "open":
            pids = [o.get("pid") for o in sock.get("owners", [])]
            if pids != [me]:
                wrong_owner += 1
    missing = sum(1 for ino in ours if seq.get(ino, []).count("open") == 0 or seq.get(ino, []).count("close") == 0)
    dup = sum(1 for ino in ours if seq.get(ino, []).count("open") > 1 or seq.get(ino, []).count("close") > 1)
    order = sum(1 for ino in ours if seq.get(ino) and seq[ino] != ["open", "close"])
    ss_unseen = sum(1 for (p, ino) in kernel if ino not in streamed)
    ss_foreign = sum(1 for (p, ino) in kernel if ino not in ours)
    lat = [got_at[(k, ino)] - t for t, k, ino in acted if (k, ino) in got_at]
    print("door_alive_at_start", "yes" if alive else "no")
    print("sockets", len(ours))
    print("events", len(events))
    print("bad_lines", bad)
    print("missing", missing)
    print("duplicates", dup)
    print("out_of_order", order)
    print("foreign", foreign)
    print("wrong_owner", wrong_owner)
    print("ss_seen", len(kernel))
    print("ss_unseen", ss_unseen)
    print("ss_foreign", ss_foreign)
    print("latency_median_ms", int(statistics.median(lat) * 1000) if lat else -1)
    print("door_rc", rc)
    print("door_stderr", json.dumps(err))


def start_ticks(pid):
    with open("/proc/%d/stat" % pid, "rb") as f:
        data = f.read()
    return int(data[data.rindex(b")") + 2:].split()[19])


CHILD = r"""
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
sys.stdout.write("up\n"); sys.stdout.flush()
time.sleep(float(sys.argv[2]))
"""


def churn(door, ports):
    port = ports[0]
    proc, lines, th = start_door(door, [port], "100ms")
    alive = wait_first_tick(lines, proc, 2.0)
    kids = {}
    py = sys.executable
    for _ in range(40):
        life = random.uniform(0, 0.3)
        c = subprocess.Popen([py, "-c", CHILD, str(port), str(life)], stdout=subprocess.PIPE)
        try:
            kids[c.pid] = start_ticks(c.pid)
        except OSError:
            pass
        c.stdout.readline()
        c.wait(timeout=10)
        time.sleep(random.uniform(0, 0.15))
    settle(lines, lambda evs: sum(e.get("event") == "open" for _, e in evs) ==
           sum(e.get("event") == "close" for _, e in evs))
    time.sleep(0.5)
    rc, err = stop_door(proc, th)
    events, bad = parse(lines)
    wrong = named = 0
    for _, ev in events:
        for o in ev.get("socket", {}).get("owners", []):
            named += 1
            if kids.get(o.get("pid")) != o.get("start_ticks"):
                wrong += 1
    opens = sum(1 for _, ev in events if ev.get("event") == "open")
    closes = sum(1 for _, ev in events if ev.get("event") == "close")
    print("door_alive_at_start", "yes" if alive else "no")
    print("rounds", 40)
    print("bad_lines", bad)
    print("opens", opens)
    print("closes", closes)
    print("owners_named", named)
    print("wrong_owner", wrong)
    print("door_rc", rc)


def owner(door, ports):
    port = ports[0]
    proc, lines, th = start_door(door, [port])
    alive = wait_first_tick(lines, proc, 2.0)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(8)
    r, w = os.pipe()
    parent = os.fork()
    if parent == 0:
        # the parent of the hand-over: it forks the keeper, waits, leaves
        keeper = os.fork()
        if keeper == 0:
            os.close(r)
            time.sleep(4.0)
            os._exit(0)
        os.write(w, b"%d\n" % keeper)
        time.sleep(1.5)
        os._exit(0)
    s.close()
    os.close(w)
    keeper = int(os.read(r, 64).strip() or b"0")
    os.waitpid(parent, 0)
    for _ in range(100):      # the keeper is not our child: poll its end
        if not os.path.exists("/proc/%d" % keeper):
            break
        with open("/proc/%d/stat" % keeper, "rb") as f:
            if f.read().split(b") ")[-1][:1] == b"Z":
                break
        time.sleep(0.1)
    settle(lines, lambda evs: any(e.get("event") == "close" for _, e in evs))
    rc, err = stop_door(proc, th)
    events, bad = parse(lines)
    kinds = [ev.get("event") for _, ev in events]
    own = [ev for _, ev in events if ev.get("event") == "owner"]
    handed = any([o.get("pid") for o in ev["socket"].get("owners", [])] == [keeper] and
                 parent in [o.get("pid") for o in ev.get("previous_owners", [])] for ev in own)
    print("door_alive_at_start", "yes" if alive else "no")
    print("bad_lines", bad)
    print("kinds", ",".join(kinds))
    print("handed_over", "yes" if handed else "no")
    print("door_rc", rc)


def main():
    mode, door, ports = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]]
    {"sequence": sequence, "churn": churn, "owner": owner}[mode](door, ports)


if __name__ == "__main__":
    main()
