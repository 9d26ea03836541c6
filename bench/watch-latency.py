#!/usr/bin/env python3
"""How soon door watch --json reports a door that opens or closes.

Usage: watch-latency.py DOOR PORT CYCLES INTERVAL_MS

Starts `DOOR watch --json --interval INTERVAL_MS PORT`, then CYCLES times
opens a listener on 127.0.0.1:PORT, waits for its "open" line, closes it and
waits for its "close" line (each wait bounded by 10 intervals). Prints one
line: "open_median_ms N close_median_ms N max_ms N missed N".
"""
import json
import os
import random
import select
import signal
import socket
import statistics
import subprocess
import sys
import time


def main():
    door, port, cycles, interval = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    proc = subprocess.Popen([door, "watch", "--json", "--interval", "%dms" % interval, str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    fd = proc.stdout.fileno()
    pending = b""
    time.sleep(max(2.0, interval * 3 / 1000))   # the silent first look

    def wait_for(kind, inode, limit):
        nonlocal pending
        end = time.monotonic() + limit
        while time.monotonic() < end:
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                ev = json.loads(line)
                if ev["event"] == kind and ev["socket"]["inode"] == inode:
                    return time.monotonic()
            r, _, _ = select.select([fd], [], [], max(0, end - time.monotonic()))
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return None
                pending += chunk
        return None

    opens, closes, missed = [], [], 0
    limit = interval * 10 / 1000
    for _ in range(cycles):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(8)
        ino = os.fstat(s.fileno()).st_ino
        t = time.monotonic()
        got = wait_for("open", ino, limit)
        if got is None:
            missed += 1
        else:
            opens.append(got - t)
        # a random point of the interval, not just after a tick
        time.sleep(random.random() * interval / 1000)
        s.close()
        t = time.monotonic()
        got = wait_for("close", ino, limit)
        if got is None:
            missed += 1
        else:
            closes.append(got - t)
        # the next open lands anywhere in the interval too
        time.sleep(random.random() * interval / 1000)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)
    ms = lambda v: int(statistics.median(v) * 1000) if v else -1
    print("open_median_ms %d close_median_ms %d max_ms %d missed %d" %
          (ms(opens), ms(closes), int(max(opens + closes, default=0) * 1000), missed))


if __name__ == "__main__":
    main()
