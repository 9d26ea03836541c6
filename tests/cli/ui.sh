# shellcheck shell=bash
# tests/cli/ui.sh: door ui for the end-to-end tests (test-ui*.sh).
#
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/ui.sh"
#   start_ui || finish          door ui on a free port, in the background
#   ui_curl -H "$UI_COOKIE" "$UI_BASE/api/doors"
#
# start_ui [ARGS...] sets UI_PID, UI_PORT, UI_URL (as door ui printed it),
# UI_TOKEN, UI_BASE (http://127.0.0.1:PORT), UI_COOKIE (a Cookie header),
# UI_ORIGIN (an Origin header), UI_OUT and UI_ERR (its stdout and stderr
# files). It waits, bounded, for the URL line. ARGS go to door ui; without
# --port one is picked by free_port.

if [ -z "${_DOOR_LIB_LOADED:-}" ]; then
    # shellcheck source=tests/cli/lib.sh
    . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

start_ui() {
    local d i port=
    d=$(mk_tmpdir ui) || return 1
    UI_OUT=$d/out
    UI_ERR=$d/err
    case " $* " in
        *" --port "*) ;;
        *) port=$(free_port) || return 1 ;;
    esac
    if [ -n "$port" ]; then
        "$DOOR" ui --port "$port" "$@" >"$UI_OUT" 2>"$UI_ERR" </dev/null &
    else
        "$DOOR" ui "$@" >"$UI_OUT" 2>"$UI_ERR" </dev/null &
    fi
    UI_PID=$!
    on_exit_kill "$UI_PID"
    for ((i = 0; i < 150; i++)); do
        [ -s "$UI_OUT" ] && break
        proc_alive "$UI_PID" || break
        sleep 0.1
    done
    UI_URL=$(head -n 1 "$UI_OUT")
    case " $* " in
        *" --json "*) UI_URL=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["url"])' "$UI_OUT" 2>/dev/null) ;;
    esac
    case $UI_URL in
        http://127.0.0.1:*/\?token=*) ;;
        *)
            echo "start_ui: no URL from door ui; stderr:" >&2
            cat "$UI_ERR" >&2
            return 1
            ;;
    esac
    UI_PORT=${UI_URL#http://127.0.0.1:}
    UI_PORT=${UI_PORT%%/*}
    UI_TOKEN=${UI_URL##*token=}
    UI_BASE=http://127.0.0.1:$UI_PORT
    UI_COOKIE="Cookie: door_ui_$UI_PORT=$UI_TOKEN"
    UI_ORIGIN="Origin: http://127.0.0.1:$UI_PORT"
    export UI_PID UI_PORT UI_URL UI_TOKEN UI_BASE UI_COOKIE UI_ORIGIN
}

# ui_curl ARGS...: curl, bounded, never through a proxy, loopback only.
ui_curl() {
    curl --noproxy '*' -sS --max-time 20 "$@"
}

# ui_status ARGS...: the HTTP status of a request.
ui_status() {
    ui_curl -o /dev/null -w '%{http_code}' "$@"
}

# ui_post PATH JSON [CURL ARGS...]: an action, as the page posts it.
ui_post() {
    local path=$1 body=$2
    shift 2
    ui_curl -H "$UI_COOKIE" -H "$UI_ORIGIN" -H 'Content-Type: application/json' \
        --data-binary "$body" "$@" "$UI_BASE$path"
}

# ui_json EXPR: reads JSON on stdin, prints the Python expression EXPR of it
# (the document is `d`).
ui_json() {
    "$PY" -c 'import json, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1])
print(v if not isinstance(v, (dict, list)) else json.dumps(v))' "$1"
}
