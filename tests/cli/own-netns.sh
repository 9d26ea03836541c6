# shellcheck shell=bash
# tests/cli/own-netns.sh PREFIX: sourced first by a test that should run in
# a network namespace of its own when this machine can make one (root, ip,
# nsenter): the script runs itself again inside it, with lo up, so that
# its table is its own doors alone, whatever else the machine runs (a
# benchmark's million fds). Where no namespace can be made it returns and
# the test runs on this machine's loopback. DOOR_UI_IN_NETNS names the
# namespace inside.
if [ -z "${DOOR_UI_IN_NETNS:-}" ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null &&
    command -v nsenter >/dev/null; then
    _own_ns=${1:-door-test}-$$
    if ip netns add "$_own_ns" 2>/dev/null; then
        trap 'ip netns del "$_own_ns" 2>/dev/null' EXIT
        trap 'exit 130' INT TERM HUP
        if nsenter --net="/run/netns/$_own_ns" ip link set lo up 2>/dev/null; then
            DOOR_UI_IN_NETNS=$_own_ns nsenter --net="/run/netns/$_own_ns" -- bash "$0" "${@:2}"
            exit $?
        fi
    fi
fi
