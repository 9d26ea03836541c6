#!/usr/bin/env python3
"""A crowded cgroup with one listening door in it, for test-crowd.sh.

Usage: crowd.py --cgroup DIR --crowd N --crowd-user U --port P --case CASE
                --ready FILE [--exit-after S]

Why: door splits a crowded cgroup (more than 64 processes) by the socket's
uid and walks the holders' children next; these cases are the ways a door's
holders can sit in such a cgroup, so the split can be compared with
door --thorough and with ss.

  own     the socket is made as U2 (not the crowd's user); the maker and
          2 forked workers hold it
  nginx   made as root; the master keeps it and forks 3 workers that
          drop to U2 (nginx, apache: the socket's uid is not theirs)
  passed  made as root, passed over a Unix socket to an unrelated process
          of U2 that keeps it; the maker closes its copy (no holder of the
          socket's uid: the split must fall back to the whole cgroup)

U2 is "daemon" (uid 1) when the crowd is nobody, else nobody. Every process
joins DIR first, gets SIGTERM when its parent dies and exits after S seconds
(default 300). The ready file lists "holders PID..." (what ss should see).
"""
import argparse
import array
import ctypes
import os
import pwd
import signal
import socket
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
KEEP = []   # what a holder holds: a socket object that is collected closes


def prctl(opt, val):
    ctypes.CDLL(None, use_errno=True).prctl(opt, val, 0, 0, 0)


def become(user):
    pw = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(pw.pw_gid)
    os.setuid(pw.pw_uid)
    prctl(PR_SET_DUMPABLE, 1)   # /proc/PID readable as a normal process is


def join(cgroup):
    with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
        f.write(f"{os.getpid()}\n")


def spawn(cgroup, deadline, body):
    """Forks a child in the cgroup that runs body() then idles till the end."""
    pid = os.fork()
    if pid:
        return pid
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        join(cgroup)
        body()
        while time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        os._exit(0)


def listener(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    return s


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cgroup", required=True)
    p.add_argument("--crowd", type=int, required=True)
    p.add_argument("--crowd-user", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--case", choices=("own", "nginx", "passed"), required=True)
    p.add_argument("--ready", required=True)
    p.add_argument("--exit-after", type=float, default=300.0)
    a = p.parse_args()
    if not 0 <= a.crowd <= 1000:
        sys.exit("crowd.py: --crowd must be 0..1000")
    other = "daemon" if a.crowd_user == "nobody" else "nobody"
    deadline = time.monotonic() + a.exit_after
    signal.signal(signal.SIGALRM, lambda *_: os._exit(0))
    signal.setitimer(signal.ITIMER_REAL, a.exit_after + 2.0)
    kids = []

    def stop(*_):
        for k in kids:
            try:
                os.kill(k, signal.SIGTERM)
            except OSError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    for _ in range(a.crowd):
        kids.append(spawn(a.cgroup, deadline, lambda: become(a.crowd_user)))
    r, w = os.pipe()   # each holder reports its pid when it holds the socket

    def report():
        os.write(w, f"{os.getpid()}\n".encode())

    if a.case == "own":
        def own():
            become(other)
            s = listener(a.port)
            for _ in range(2):
                if os.fork() == 0:
                    prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
                    report()
                    while time.monotonic() < deadline:
                        time.sleep(0.5)
                    os._exit(0)
            KEEP.append(s)
            report()
        kids.append(spawn(a.cgroup, deadline, own))
        want = 3
    elif a.case == "nginx":
        def master():
            s = listener(a.port)
            for _ in range(3):
                if os.fork() == 0:
                    prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
                    become(other)
                    report()
                    while time.monotonic() < deadline:
                        time.sleep(0.5)
                    os._exit(0)
            KEEP.append(s)
            report()
        kids.append(spawn(a.cgroup, deadline, master))
        want = 4
    else:
        pa, pb = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)

        def receiver():
            become(other)
            _, anc, _, _ = pb.recvmsg(1, socket.CMSG_LEN(4))
            fds = array.array("i")
            fds.frombytes(anc[0][2][:4])
            KEEP.append(socket.socket(fileno=fds[0]))
            report()

        def maker():
            s = listener(a.port)
            pa.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                 array.array("i", [s.fileno()]))])
            s.close()
        kids.append(spawn(a.cgroup, deadline, receiver))
        kids.append(spawn(a.cgroup, deadline, maker))
        want = 1
    os.close(w)
    buf = b""
    while buf.count(b"\n") < want and time.monotonic() < deadline:
        chunk = os.read(r, 64)
        if not chunk:
            break
        buf += chunk
    holders = sorted(int(x) for x in buf.split())
    with open(a.ready + ".tmp", "w") as f:
        f.write("holders " + " ".join(map(str, holders)) + "\n")
    os.rename(a.ready + ".tmp", a.ready)
    while time.monotonic() < deadline:
        time.sleep(0.5)
    stop()


if __name__ == "__main__":
    main()
