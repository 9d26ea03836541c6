#!/usr/bin/env python3
"""A listening socket exactly as a test asks for it, for door's end-to-end tests.

Usage: listener.py --port P --addr A [--v6only|--dual] [--udp] [--fork N]
                   [--name HEXBYTES] [--exit-after S] [--user NAME]
                   [--reuseport] [--backlog N] [--banner HEXBYTES] [--no-accept]
                   [--banner-after MS] [--hold-fds N]

Why a script of our own instead of nc/socat: tests need control over the exact
bind (v4, v6-only, dual-stack ::), forked workers that share ONE listening socket
(as nginx/gunicorn do), hostile process names, and a hard lifetime so that a
leaked listener can never outlive its test run by much.

--name and --banner accept backslash escapes (\\xNN, \\n, \\t, \\e, \\\\) so any
byte except NUL can be passed through a shell argument. The name is set with
prctl(PR_SET_NAME): it becomes /proc/PID/comm (kernel truncates to 15 bytes),
which is what ss, ps and door show as the process name. It is set before the
fork, so workers inherit it.

--banner-after MS sends the banner that long after each accept (a greeter that
looks its client up first); --hold-fds N keeps N more fds open, so that a walk
of the process's fds (door's owner lookup) takes as long as a big server's.

Every process exits after --exit-after seconds (default 600) via SIGALRM, and
workers get SIGTERM if the parent dies (PR_SET_PDEATHSIG), so nothing lingers.
"""
import argparse
import ctypes
import os
import resource
import signal
import socket
import sys
import threading
import time

PR_SET_NAME = 15
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4


def unescape(text):
    """Turn a shell-safe escaped string into raw bytes (\\xNN, \\e, \\n ...)."""
    raw = text.encode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    simple = {ord("n"): 10, ord("t"): 9, ord("r"): 13, ord("e"): 27,
              ord("\\"): 92, ord("0"): 0}
    while i < len(raw):
        c = raw[i]
        if c == 92 and i + 1 < len(raw):  # backslash
            n = raw[i + 1]
            hx = raw[i + 2:i + 4]
            if n == ord("x") and len(hx) == 2 and all(b in b"0123456789abcdefABCDEF" for b in hx):
                out.append(int(hx, 16))
                i += 4
                continue
            if n in simple:
                out.append(simple[n])
                i += 2
                continue
        out.append(c)
        i += 1
    return bytes(out)


def libc():
    return ctypes.CDLL(None, use_errno=True)


def set_comm(name):
    if b"\0" in name:
        sys.exit("listener.py: --name cannot contain NUL")
    buf = ctypes.create_string_buffer(name[:15])
    if libc().prctl(PR_SET_NAME, buf, 0, 0, 0) != 0:
        sys.exit("listener.py: prctl(PR_SET_NAME) failed: errno %d" % ctypes.get_errno())


def drop_to(user):
    import pwd
    pw = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(pw.pw_gid)
    os.setuid(pw.pw_uid)
    # Changing uid makes the kernel mark the process non-dumpable, which makes
    # /proc/PID/fd root-only: then even USER could not see its own socket.
    # Undo that so the process looks like one USER started normally.
    libc().prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)


def make_socket(args):
    family = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    kind = socket.SOCK_DGRAM if args.udp else socket.SOCK_STREAM
    s = socket.socket(family, kind)
    # SO_REUSEADDR as real servers set it, so TIME_WAIT leftovers of an earlier
    # test on the same port do not make this bind fail.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if args.reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if family == socket.AF_INET6:
        # Always set V6ONLY explicitly: the kernel default (net.ipv6.bindv6only)
        # differs between machines, and tests must know what they asked for.
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0 if args.dual else 1)
    s.bind((args.addr, args.port))
    if not args.udp:
        s.listen(args.backlog)
    return s


def serve(s, args, deadline):
    """Accept (TCP) or receive (UDP) until the deadline; bounded by time."""
    banner = unescape(args.banner) if args.banner is not None else None
    s.settimeout(0.5)
    while time.monotonic() < deadline:
        if args.no_accept:
            time.sleep(0.5)
            continue
        try:
            if args.udp:
                data, peer = s.recvfrom(65535)
                if banner is not None:
                    s.sendto(banner, peer)
                continue
            conn, _ = s.accept()
        except (socket.timeout, BlockingIOError, InterruptedError):
            continue
        except OSError:
            time.sleep(0.1)  # e.g. EMFILE: back off instead of spinning
            continue
        if args.banner_after > 0:
            # a slow greeter (a server that looks the client up first):
            # each connection gets its banner later, in a thread of its own
            threading.Thread(target=greet_late, daemon=True,
                             args=(conn, banner, args.banner_after / 1000.0)).start()
            continue
        try:
            conn.settimeout(1.0)
            if banner is not None:
                conn.sendall(banner)
        except OSError:
            pass
        finally:
            conn.close()


def greet_late(conn, banner, delay):
    """--banner-after: the banner `delay` s after the accept, then a close."""
    try:
        time.sleep(delay)
        if banner is not None:
            conn.sendall(banner)
        time.sleep(1.0)
    except OSError:
        pass
    finally:
        conn.close()


def hold_fds(n, s, deadline):
    """--hold-fds: n more open files (copies of /dev/null), so that a walk
    of this process group's fds takes a while, as a big server's does. The
    hard limit of open files may be low (and not ours to raise): past what
    it allows, forked helpers hold the rest, without the listening socket.
    Returns the helpers' pids."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    per = max(hard - 256, 1)
    mine, helpers = min(n, per), []
    n -= mine
    while n > 0:
        part = min(n, per)
        n -= part
        pid = os.fork()
        if pid == 0:
            libc().prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
            s.close()
            dup_null(part)
            while time.monotonic() < deadline:
                time.sleep(0.5)
            os._exit(0)
        helpers.append(pid)
    KEPT.extend(dup_null(mine))
    return helpers


KEPT = []


def dup_null(n):
    fd = os.open("/dev/null", os.O_RDONLY)
    return [os.dup(fd) for _ in range(n - 1)] + [fd]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--addr", required=True)
    fam = p.add_mutually_exclusive_group()
    fam.add_argument("--v6only", action="store_true", help="IPV6_V6ONLY=1 (default for v6)")
    fam.add_argument("--dual", action="store_true", help="IPV6_V6ONLY=0: :: accepts v4 too")
    p.add_argument("--udp", action="store_true")
    p.add_argument("--fork", type=int, default=0, metavar="N",
                   help="N extra worker processes sharing the socket")
    p.add_argument("--name", help="process name (comm), escapes allowed")
    p.add_argument("--exit-after", type=float, default=600.0, metavar="S")
    p.add_argument("--user", help="drop to this user after binding")
    p.add_argument("--reuseport", action="store_true")
    p.add_argument("--backlog", type=int, default=16)
    p.add_argument("--banner", help="bytes sent to each client, escapes allowed")
    p.add_argument("--banner-after", type=int, default=0, metavar="MS",
                   help="send the banner MS ms after the accept (thread per client)")
    p.add_argument("--hold-fds", type=int, default=0, metavar="N",
                   help="hold N extra fds open (a slow walk for door)")
    p.add_argument("--no-accept", action="store_true",
                   help="never accept: connections pile up in the backlog")
    args = p.parse_args()
    if not 0 <= args.fork <= 64:
        sys.exit("listener.py: --fork must be 0..64")
    if args.exit_after <= 0:
        sys.exit("listener.py: --exit-after must be > 0")

    deadline = time.monotonic() + args.exit_after
    # Hard stop even if the loop below were stuck somewhere.
    signal.signal(signal.SIGALRM, lambda *_: os._exit(0))
    signal.setitimer(signal.ITIMER_REAL, args.exit_after + 1.0)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

    if not 0 <= args.hold_fds <= 500000:
        sys.exit("listener.py: --hold-fds must be 0..500000")
    s = make_socket(args)
    helpers = hold_fds(args.hold_fds, s, deadline) if args.hold_fds else []
    if args.user:
        drop_to(args.user)
    if args.name is not None:
        set_comm(unescape(args.name))

    children = []
    for _ in range(args.fork):
        pid = os.fork()
        if pid == 0:
            libc().prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
            if os.getppid() == 1:  # parent already gone before prctl took effect
                os._exit(0)
            # itimers are not inherited across fork: re-arm the hard stop.
            signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 0.1) + 1.0)
            try:
                serve(s, args, deadline)
            finally:
                os._exit(0)
        children.append(pid)

    def stop(*_):
        for c in children:
            try:
                os.kill(c, signal.SIGTERM)
            except OSError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGALRM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        serve(s, args, deadline)
    finally:
        stop()


if __name__ == "__main__":
    main()
