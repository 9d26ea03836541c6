#!/usr/bin/env bash
# scripts/deps.sh [build|test|bench] [--list]
#
# Install what door needs on Debian 12 (bookworm), as root, with apt-get.
#   build  compiler toolchain + libmnl
#   test   build + clang/libFuzzer, real servers for the end-to-end tests
#          (nginx, redis, postgresql, memcached), ss, lsof, setpriv...
#   bench  test + hyperfine, nmap, time
#   --list print the package list for the mode and exit
#
# Idempotent and offline-safe: when every package is already installed
# (checked with dpkg-query) it touches neither the network nor apt.
#
# Installing server packages must never leave system daemons running (they
# would squat on well-known ports and confuse door's tests): while installing,
# a /usr/sbin/policy-rc.d that answers 101 ("action forbidden") is put in place
# if none exists, and removed afterwards; any daemon that is running after the
# install but was not running before is stopped.
#
# Not root: prints what is missing and the command to install it, and exits 1
# (0 if nothing is missing).
set -eu

mode=build
list_only=0
for a in "$@"; do
    case $a in
        build | test | bench) mode=$a ;;
        --list) list_only=1 ;;
        -h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "deps.sh: unknown argument '$a' (build|test|bench [--list])" >&2; exit 2 ;;
    esac
done

# One concern a line, so that a new need is a new line.
# libc6-dev is only a Recommends of gcc: list it so a --no-install-recommends
# setup still gets the C headers.
pkgs_build="gcc libc6-dev make pkg-config"
pkgs_build="$pkgs_build libmnl-dev"              # netlink sock_diag
pkgs_build="$pkgs_build libcurl4-openssl-dev"    # door url (dlopen'd at run time)
pkgs_build="$pkgs_build dpkg-dev"                # make deb (dpkg-shlibdeps, dpkg-deb)
pkgs_build="$pkgs_build libmicrohttpd-dev"       # door ui's HTTP server
pkgs_build="$pkgs_build libncurses-dev"          # door watch's full-screen view

pkgs_test="$pkgs_build"
pkgs_test="$pkgs_test clang libclang-rt-14-dev"  # the clang build, libFuzzer, sanitizers
# util-linux: setpriv, runuser; procps: ps, pgrep; psmisc: fuser; iproute2:
# ss and ip netns; nftables: the black hole in test-check.sh.
pkgs_test="$pkgs_test iproute2 nftables procps psmisc lsof util-linux passwd coreutils"
pkgs_test="$pkgs_test groff-base"                # test-man.sh renders door.1
pkgs_test="$pkgs_test chromium curl"             # test-ui*.sh: a real browser (DevTools over a pipe), curl
pkgs_test="$pkgs_test python3 openssl"
# Real servers. nginx: in bookworm "nginx" is the real server (nginx-core
# was folded into it; nginx-light is only nginx + an extra module).
pkgs_test="$pkgs_test nginx redis-server postgresql memcached mariadb-server openssh-server apache2"
pkgs_test="$pkgs_test python3-django python3-flask python3-uvicorn python3-fastapi python3-pymongo"
pkgs_test="$pkgs_test bash-completion zsh fish"     # test-completions.sh drives the real shells
pkgs_test="$pkgs_test python3-jsonschema"           # every --json output against docs/schema/
pkgs_test="$pkgs_test prometheus prometheus-node-exporter"  # promtool, a real textfile collector
pkgs_test="$pkgs_test lintian"                      # test-deb.sh: the package's lint
pkgs_test="$pkgs_test tmux"                         # test-watch*.sh: door watch in a real terminal
pkgs_test="$pkgs_test strace"                       # test-crowd.sh: which fd directories the walk opens

pkgs_bench="$pkgs_test hyperfine nmap time"

# Commands that another source may already provide (a machine with
# NodeSource's nodejs has node and npm, and Debian's npm would conflict with
# it): COMMAND:PACKAGE, installed only when the command is missing.
# node: the Node.js servers of test-explain.sh and test-kill.sh; npm:
# Express and Vite for test-probe.sh (tests/cli/npm-packages.sh).
cmds_test="node:nodejs npm:npm"
cmds_bench="$cmds_test"

case $mode in
    build) pkgs=$pkgs_build ;;
    test) pkgs=$pkgs_test ;;
    bench) pkgs=$pkgs_bench ;;
esac

cmds=""
case $mode in
    test) cmds=$cmds_test ;;
    bench) cmds=$cmds_bench ;;
esac
sane_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
for c in $cmds; do
    PATH=$PATH:$sane_path command -v "${c%%:*}" >/dev/null 2>&1 || pkgs="$pkgs ${c#*:}"
done

if [ "$list_only" = 1 ]; then
    printf '%s\n' $pkgs
    exit 0
fi

# dpkg-query prints "ii " (wanted install, installed) for a fully installed package.
missing=""
for p in $pkgs; do
    st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    case $st in
        ii*) ;;
        *) missing="$missing $p" ;;
    esac
done
missing=${missing# }

if [ -z "$missing" ]; then
    echo "deps.sh: all $mode packages already installed"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: not root; these $mode packages are missing:" >&2
    echo "  $missing" >&2
    echo "install them as root with:" >&2
    echo "  apt-get update && apt-get install -y $missing" >&2
    echo "or run: sudo $0 $mode" >&2
    exit 1
fi

# Daemons that the server packages could start: remember the pids that already
# ran, so that afterwards only daemons started by this install are stopped.
# Process names as pgrep -x sees them (the kernel's 15-byte comm).
daemons="nginx redis-server postgres memcached"
daemons="$daemons prometheus prometheus-node"    # prometheus-node-exporter
pids_before=" $(pgrep -x "$(echo $daemons | tr ' ' '|')" 2>/dev/null | tr '\n' ' ')"

policy=/usr/sbin/policy-rc.d
made_policy=0
remove_policy() {
    if [ "$made_policy" = 1 ]; then
        rm -f "$policy"
        made_policy=0
    fi
}
trap remove_policy EXIT
trap 'exit 130' INT TERM HUP
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# Temporary, by door scripts/deps.sh: no service starts during install.\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
fi

echo "deps.sh: installing ($mode): $missing"
export DEBIAN_FRONTEND=noninteractive
# Bounded retries: a transient mirror hiccup should not fail CI.
ok=0
for attempt in 1 2 3; do
    if apt-get update -q && apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $missing; then
        ok=1
        break
    fi
    echo "deps.sh: apt-get failed (attempt $attempt of 3)" >&2
    sleep $((attempt * 5))
done
remove_policy

# Stop any daemon the install started anyway (e.g. an existing policy-rc.d that
# allows starts, or systemd units). Leave alone what was running before.
new_pids() {
    local p
    for p in $(pgrep -x "$1" 2>/dev/null); do
        case "$pids_before" in *" $p "*) ;; *) printf '%s ' "$p" ;; esac
    done
}
for d in $daemons; do
    [ -n "$(new_pids "$d")" ] || continue
    echo "deps.sh: stopping $d, started by the package install" >&2
    svc=$d
    [ "$d" = postgres ] && svc=postgresql
    [ "$d" = prometheus-node ] && svc=prometheus-node-exporter
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        systemctl stop "$svc" >/dev/null 2>&1 || true
    elif command -v service >/dev/null 2>&1; then
        service "$svc" stop >/dev/null 2>&1 || true
    fi
    # Bounded wait, then signal the remaining new pids directly.
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        [ -n "$(new_pids "$d")" ] || break
        sleep 0.5
    done
    left=$(new_pids "$d")
    if [ -n "$left" ]; then
        kill -TERM $left 2>/dev/null || true
        sleep 2
        left=$(new_pids "$d")
        [ -z "$left" ] || kill -KILL $left 2>/dev/null || true
    fi
done

if [ "$ok" != 1 ]; then
    echo "deps.sh: FAILED to install: $missing" >&2
    exit 1
fi

# Verify the things scripts rely on, so a broken install fails here and not as
# a confusing test failure later.
need="gcc make pkg-config"
case $mode in
    test | bench) need="$need clang ss ip nft python3 chromium curl node npm nginx redis-server memcached setpriv lsof ps fuser timeout useradd" ;;
esac
case $mode in
    bench) need="$need hyperfine nmap" ;;
esac
bad=""
for c in $need; do
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin command -v "$c" >/dev/null 2>&1 || bad="$bad $c"
done
if [ "$mode" != build ] && ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    bad="$bad postgres(/usr/lib/postgresql/*/bin)"
fi
if [ -n "$bad" ]; then
    echo "deps.sh: installed, but still missing:$bad" >&2
    exit 1
fi
echo "deps.sh: $mode dependencies installed"
