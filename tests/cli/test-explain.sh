#!/usr/bin/env bash
# door explain: real bind errors read, the owner shown, two ways out.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door

# run_door_in FILE ARGS...: run_door with FILE on stdin (run_door's own
# stdin is /dev/null).
run_door_in() {
    local f=$1
    shift
    DOOR_OUT_FILE=$_T_ROOT/.door.out
    DOOR_ERR_FILE=$_T_ROOT/.door.err
    timeout -k 2 "$CHECK_TIMEOUT" "$DOOR" "$@" <"$f" >"$DOOR_OUT_FILE" 2>"$DOOR_ERR_FILE"
    DOOR_RC=$?
    DOOR_OUT=$(cat "$DOOR_OUT_FILE")
    DOOR_ERR=$(cat "$DOOR_ERR_FILE")
}

p=$(free_port)
hp=$(start_http_server "$p" 127.0.0.1) || fail "start http.server"

# a real Node error against the real listener
d=$(mk_tmpdir node)
node -e "require('net').createServer().listen($p)" >"$d/err" 2>&1
check_match "node really failed" "EADDRINUSE" "$(cat "$d/err")"
run_door_in "$d/err" explain - --no-color
check_eq "node text: exit 0" 0 "$DOOR_RC"
check_match "names Node and the port" "Node\\.js could not listen on :: port $p" "$DOOR_OUT"
check_match "the card of the owner" "process +python3, pid $hp" "$DOOR_OUT"
check_match "way out 1: door kill" "stop it: +door kill $p" "$DOOR_OUT"
check_match "way out 2: door next and a free port" "take another door: +door next $p +\\(([0-9]+) is free now\\)" "$DOOR_OUT"
check_match "hand-over for node" "PORT=[0-9]+ npm run dev" "$DOOR_OUT"

# the same text as an argument
run_door explain "Error: listen EADDRINUSE: address already in use 127.0.0.1:$p"
check_eq "argument text: exit 0" 0 "$DOOR_RC"

# real python text has no port: --port hint
"$PY" -m http.server "$p" --bind 127.0.0.1 >"$d/py" 2>&1
run_door_in "$d/py" explain - --port "$p" --no-color
check_eq "python + --port: exit 0" 0 "$DOOR_RC"
check_match "says the port came from --port" "using $p from --port" "$DOOR_OUT"
check_match "python hand-over" "http\\.server [0-9]+" "$DOOR_OUT"

# Django: no port in the error, default 8000 with low confidence
run_door explain "Error: That port is already in use."
check_match "django: default port, a guess" "assuming 8000, Django runserver's default \\(a guess" "$DOOR_OUT"

# nginx JSON
run_door explain --json "nginx: [emerg] bind() to 0.0.0.0:$p failed (98: Address already in use)"
check_eq "nginx json: exit 0" 0 "$DOOR_RC"
got=$("$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["tool"], d["port"], d["port_from"], d["in_use"], d["kill"], d["next_port"] is not None, "listen" in d["hand_over"], d["sockets"][0]["port"] if d["sockets"] else None)' <"$DOOR_OUT_FILE")
check_eq "nginx json keys" "nginx $p text True door kill $p True True $p" "$got"

# no bind error: one line, exit 1
run_door explain "everything is fine on port 3000"
check_eq "no bind error: exit 1" 1 "$DOOR_RC"
check_eq "no bind error: one line" 1 "$(printf '%s\n' "$DOOR_ERR" | wc -l)"

# freed meanwhile
stop_server "$hp" >/dev/null 2>&1
run_door explain "Error: listen EADDRINUSE: address already in use :::$p"
check_eq "free now: exit 0" 0 "$DOOR_RC"
check_match "free now: said" "$p is free now" "$DOOR_OUT"

# no owner visible without root
p=$(free_port)
hp=$(start_http_server "$p" 127.0.0.1) || fail "start http.server"
run_door_as nobody explain "listen tcp :$p: bind: address already in use"
check_eq "as nobody: exit 0" 0 "$DOOR_RC"
check_match "as nobody: owner hidden, says sudo" "sudo door explain" "$DOOR_OUT"

# every fixture is recognised by the binary too
for f in "$REPO_ROOT"/tests/fixtures/explain/*.txt; do
    case $f in *no-bind-error*) continue ;; esac
    run_door_in "$f" explain - --port 1
    check_rc "fixture $(basename "$f") recognised" 0 test "$DOOR_RC" -eq 0
done

finish
