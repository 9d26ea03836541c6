#!/usr/bin/env bash
# door ui in a real browser: Debian's headless chromium, driven over the
# DevTools protocol (tests/ui/cdp.py, over a pipe), against real servers
# started here: the rows match ss, a server started later appears within
# 2 s, Free frees a real listener and its row goes, a ::1-only server's URL
# gets the right verdict, a bind error is explained, a process named like
# HTML shows as text and runs nothing (no dialog, no console error).
#
# It runs in a network namespace of its own when it can make one (the
# table is then exactly this test's doors, whatever else the machine runs;
# the servers take their usual ports, as in the README's screenshot), else
# on this machine's loopback. DOOR_UI_SCREENSHOT=FILE keeps the screenshot
# (docs/ui.png is made so: see docs/ui.md).
. "$(dirname "$0")/own-netns.sh" door-ui "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
. "$(dirname "$0")/ui.sh"

need_door
browser=$(command -v chromium || true)
if [ -z "$browser" ]; then
    if [ "${CI:-}" = true ]; then
        fail "chromium is installed" "CI must have it: scripts/deps.sh test installs it"
    else
        skip "door ui in a browser" "chromium is not installed (scripts/deps.sh test installs it)"
    fi
    finish
fi
if [ -n "${DOOR_UI_IN_NETNS:-}" ]; then
    echo "# in the network namespace $DOOR_UI_IN_NETNS: the servers take their usual ports"
    p_ui=3667 p_nginx=8080 p_redis=6379 p_v6=8000 p_victim=5000 p_hostile=4444 p_late=5173
else
    echo "# no network namespace here: free ports of this machine's loopback"
    p_ui=$(free_port) p_nginx=$(free_port) p_redis=$(free_port) p_v6=$(free_port)
    p_victim=$(free_port) p_hostile=$(free_port) p_late=$(free_port)
fi

start_nginx "$p_nginx" >/dev/null || fail "nginx starts"
start_redis "$p_redis" >/dev/null || fail "redis starts"
start_http_server "$p_v6" ::1 >/dev/null || fail "an HTTP server on [::1] only starts"
victim=$(start_py_listener "$p_victim" 127.0.0.1) || fail "a listener to free starts"
hostile=$(start_py_listener "$p_hostile" 127.0.0.1 --name '<img src=x onerror=alert(1)>' \
    --argv0 '<img src=x onerror=alert(1)>' --banner '<script>alert(2)</script>\r\n') ||
    fail "a listener with an HTML name starts"
start_ui --port "$p_ui" || { fail "door ui starts"; finish; }

shots=$(mk_tmpdir shots)
UI_VICTIM=$p_victim:$victim UI_HOSTILE=$p_hostile:$hostile UI_V6ONLY=$p_v6 UI_BUSY=$p_nginx \
    UI_LATE=$p_late UI_LISTENER_PY=$LIB_DIR/listener.py UI_SHOTS=$shots DOOR=$DOOR \
    timeout -k 5 900 "$PY" "$REPO_ROOT/tests/ui/browser_test.py" >"$shots/log" 2>&1
rc=$?
# fold the driver's lines into this script's count
while IFS= read -r line; do
    case $line in
        "ok - "*) pass "${line#ok - }" ;;
        "not ok - "*) fail "${line#not ok - }" ;;
        "skip - "*) n=${line#skip - }; skip "${n%% # *}" "${n#* # }" ;;
        "# "*) printf '%s\n' "$line" ;;
        *) printf '# %s\n' "$line" ;;
    esac
done <"$shots/log"
[ "$rc" = 0 ] || grep -q '^not ok - ' "$shots/log" || fail "the browser test exited $rc"
if [ -n "${DOOR_UI_SCREENSHOT:-}" ] && [ -s "$shots/ui.png" ]; then
    cp "$shots/ui.png" "$DOOR_UI_SCREENSHOT" && echo "# screenshot kept in $DOOR_UI_SCREENSHOT"
    for v in dark narrow; do
        [ -s "$shots/ui-$v.png" ] && cp "$shots/ui-$v.png" "${DOOR_UI_SCREENSHOT%.png}-$v.png"
    done
fi
kill -INT "$UI_PID"
wait "$UI_PID"
check_eq "door ui stops cleanly after the visit" 0 "$?"
finish
