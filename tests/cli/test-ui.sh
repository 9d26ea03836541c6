#!/usr/bin/env bash
# door ui at the HTTP level (curl), one check per security point of the
# issue: the token (403 without it), DNS rebinding (the Host header), the
# Origin of actions, the headers, the page's own code, loopback only, and
# the verb's life (the URL line, --port, --json, --open, Ctrl-C, TERM).
# The browser test is test-ui-browser.sh; bad clients are test-ui-abuse.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"
. "$(dirname "$0")/ui.sh"

need_door
command -v curl >/dev/null || { fail "curl is installed" "scripts/deps.sh test installs it"; finish; }
page=$REPO_ROOT/src/ui/page

start_ui || { fail "door ui starts"; finish; }
pass "door ui starts"
check_match "stdout is one line: the URL with a 64-hex-digit token" \
    "^http://127\\.0\\.0\\.1:$UI_PORT/\\?token=[0-9a-f]{64}$" "$(cat "$UI_OUT")"
check_match "stderr says loopback only and how to stop it" "loopback only.*Ctrl-C" "$(cat "$UI_ERR")"

# ---- loopback only
want="127.0.0.1:$UI_PORT"
have_ipv6 && want="$want [::1]:$UI_PORT"
got=$(ss -Hltn "sport = :$UI_PORT" | awk '{print $4}' | sort | tr '\n' ' ' | sed 's/ $//')
check_eq "listens on 127.0.0.1 and ::1 only, the same port" "$want" "$got"
run_door ui --bind 0.0.0.0
check_eq "there is no option to listen elsewhere (--bind is a usage error)" 2 "$DOOR_RC"
run_door ui --help
check_nomatch "--help offers no address option" "--(bind|host|address|listen)" "$DOOR_OUT"

# ---- the token stays out of argv, files and the environment
check_nomatch "the token is not on door ui's command line" "$UI_TOKEN" "$(tr '\0' ' ' <"/proc/$UI_PID/cmdline")"
check_nomatch "the token is not in door ui's environment" "$UI_TOKEN" "$(tr '\0' '\n' <"/proc/$UI_PID/environ")"
leak=$(grep -rlsF -D skip "$UI_TOKEN" "/tmp/door-$(id -u)" "${XDG_RUNTIME_DIR:-/nonexistent}/door" 2>/dev/null | head -3)
check_eq "no file of door's runtime directories holds the token (without --open)" "" "$leak"

# ---- every request needs the token: 403 and nothing else
for p in / /index.html /app.js /style.css /favicon.svg /api/doors /api/events /nothing-here; do
    check_eq "GET $p without the token: 403" 403 "$(ui_status "$UI_BASE$p")"
done
body=$(ui_curl "$UI_BASE/api/doors")
check_nomatch "a refused request shows no data" '\[|"port"|inode' "$body"
check_eq "POST /api/kill/plan without the token: 403" 403 \
    "$(ui_status -H "$UI_ORIGIN" -H 'Content-Type: application/json' --data '{"port":1}' "$UI_BASE/api/kill/plan")"
wrong=$(printf '%s' "$UI_TOKEN" | tr '0-9a-f' '1-9a-f0')
check_eq "a wrong token of the right length: 403" 403 "$(ui_status "$UI_BASE/?token=$wrong")"
check_eq "a token one character short: 403" 403 "$(ui_status "$UI_BASE/?token=${UI_TOKEN%?}")"
check_eq "the token in a cookie of another name: 403" 403 \
    "$(ui_status -H "Cookie: door_ui=$UI_TOKEN" "$UI_BASE/api/doors")"
check_eq "the token as a bearer header is not taken: 403" 403 \
    "$(ui_status -H "Authorization: Bearer $UI_TOKEN" "$UI_BASE/api/doors")"

# ---- the first visit: ?token= becomes an HttpOnly SameSite=Strict cookie
hdr=$(ui_curl -D - -o /dev/null "$UI_URL")
check_match "the first visit answers 303 to /" "^HTTP/1\\.1 303" "$hdr"
check_match "... Location: /" $'\n[Ll]ocation: /\r' "$hdr"
cookie=$(printf '%s\n' "$hdr" | tr -d '\r' | grep -i '^set-cookie:')
check_match "... sets door_ui_PORT to the token" "door_ui_$UI_PORT=$UI_TOKEN" "$cookie"
check_match "... HttpOnly" "HttpOnly" "$cookie"
check_match "... SameSite=Strict" "SameSite=Strict" "$cookie"
check_match "... Path=/" "Path=/" "$cookie"
check_eq "the cookie alone opens the page" 200 "$(ui_status -H "$UI_COOKIE" "$UI_BASE/")"
check_eq "the token in the query opens the API (scripts)" 200 "$(ui_status "$UI_BASE/api/doors?token=$UI_TOKEN")"
check_eq "another port's cookie of our name does not shadow ours (cookie tossing)" 200 \
    "$(ui_status -H "Cookie: door_ui_$UI_PORT=$wrong; door_ui_$UI_PORT=$UI_TOKEN" "$UI_BASE/api/doors")"

# ---- DNS rebinding: the Host must be this server on loopback, token or not
for h in "evil.example:$UI_PORT" "evil.example" "127.0.0.1" "localhost" "127.0.0.1:$((UI_PORT + 1))" \
    "127.0.0.2:$UI_PORT" "localhost.:$UI_PORT" "0.0.0.0:$UI_PORT" "[::]:$UI_PORT" "127.1:$UI_PORT" \
    "127.0.0.1:0$UI_PORT" "localhost:$UI_PORT.evil.example"; do
    check_eq "Host: $h, with the token: 421" 421 "$(ui_status -H "Host: $h" "$UI_URL")"
    check_eq "Host: $h, with the cookie: 421" 421 "$(ui_status -H "Host: $h" -H "$UI_COOKIE" "$UI_BASE/api/doors")"
done
body=$(ui_curl -H "Host: evil.example:$UI_PORT" -H "$UI_COOKIE" "$UI_BASE/api/doors")
check_nomatch "a rebinding request sees no data" '"port"|inode|owners' "$body"
for h in "127.0.0.1:$UI_PORT" "localhost:$UI_PORT" "LocalHost:$UI_PORT" "[::1]:$UI_PORT"; do
    check_eq "Host: $h is this server: 200" 200 "$(ui_status -H "Host: $h" -H "$UI_COOKIE" "$UI_BASE/api/doors")"
done
# tcp_exchange decodes the \r\n escapes itself
st="GET /api/doors HTTP/1.1\\r\\nHost: 127.0.0.1:$UI_PORT\\r\\nHost: evil.example:$UI_PORT\\r\\n"
st="${st}Cookie: door_ui_$UI_PORT=$UI_TOKEN\\r\\nConnection: close\\r\\n\\r\\n"
got=$(tcp_exchange 127.0.0.1 "$UI_PORT" "$st" 5 | head -n 1)
check_match "two Host headers: refused" "^HTTP/1\\.1 (421|400)" "$got"
got=$(tcp_exchange 127.0.0.1 "$UI_PORT" "GET /api/doors?token=$UI_TOKEN HTTP/1.0\\r\\n\\r\\n" 5 | head -n 1)
check_match "no Host header at all (HTTP/1.0): refused" "^HTTP/1\\.[01] (421|400)" "$got"
if have_ipv6; then
    check_eq "[::1] serves the same page" 200 "$(ui_status -H "$UI_COOKIE" "http://[::1]:$UI_PORT/")"
    check_eq "[::1] with a rebinding Host: 421" 421 \
        "$(ui_status -H "Host: evil.example:$UI_PORT" -H "$UI_COOKIE" "http://[::1]:$UI_PORT/api/doors")"
fi

# ---- actions: POST only, the token, a matching Origin, JSON
lp=$(free_port)
start_py_listener "$lp" 127.0.0.1 >/dev/null || fail "a listener to act on starts"
J='Content-Type: application/json'
check_eq "an action with the page's Origin: 200" 200 \
    "$(ui_status -H "$UI_COOKIE" -H "$UI_ORIGIN" -H "$J" --data "{\"port\":$lp}" "$UI_BASE/api/probe")"
for o in "" "Origin: http://evil.example" "Origin: http://evil.example:$UI_PORT" "Origin: null" \
    "Origin: http://127.0.0.1:$((UI_PORT + 1))" "Origin: https://127.0.0.1:$UI_PORT" \
    "Origin: http://localhost:$UI_PORT" "Origin: http://127.0.0.1:$UI_PORT.evil.example"; do
    args=(-H "$UI_COOKIE" -H "$J" --data "{\"port\":$lp}")
    [ -n "$o" ] && args+=(-H "$o")
    check_eq "a cross-origin action is refused (${o:-no Origin}): 403" 403 \
        "$(ui_status "${args[@]}" "$UI_BASE/api/kill/plan")"
done
proc_alive "$(ss_pids "$lp" tcp | head -1)" && pass "the refused actions freed nothing"
check_eq "a form post (text/plain, the CSRF kind) is refused: 415" 415 \
    "$(ui_status -H "$UI_COOKIE" -H "$UI_ORIGIN" -H 'Content-Type: text/plain' --data "{\"port\":$lp}" "$UI_BASE/api/kill/plan")"
check_eq "a form post (urlencoded) is refused: 415" 415 \
    "$(ui_status -H "$UI_COOKIE" -H "$UI_ORIGIN" --data "port=$lp" "$UI_BASE/api/kill/plan")"
check_eq "GET on an action: 405" 405 "$(ui_status -H "$UI_COOKIE" "$UI_BASE/api/kill/plan")"
check_eq "POST on the table: 405" 405 \
    "$(ui_status -H "$UI_COOKIE" -H "$UI_ORIGIN" -H "$J" --data '{}' "$UI_BASE/api/doors")"
for m in PUT DELETE PATCH OPTIONS TRACE; do
    check_eq "$m: 405" 405 "$(ui_status -X "$m" -H "$UI_COOKIE" -H "$UI_ORIGIN" "$UI_BASE/api/doors")"
done
hdr=$(ui_curl -D - -o /dev/null -X OPTIONS -H "$UI_COOKIE" -H "Origin: http://evil.example" \
    -H 'Access-Control-Request-Method: POST' "$UI_BASE/api/kill/plan")
check_nomatch "a CORS preflight gets no Access-Control header" "[Aa]ccess-[Cc]ontrol" "$hdr"
check_eq "Sec-Fetch-Site: cross-site is refused, cookie or not: 403" 403 \
    "$(ui_status -H "$UI_COOKIE" -H 'Sec-Fetch-Site: cross-site' "$UI_BASE/api/doors")"
check_eq "Sec-Fetch-Site: same-site (another port of 127.0.0.1) is refused: 403" 403 \
    "$(ui_status -H "$UI_COOKIE" -H 'Sec-Fetch-Site: same-site' "$UI_BASE/api/doors")"
check_eq "Sec-Fetch-Site: same-origin is the page: 200" 200 \
    "$(ui_status -H "$UI_COOKIE" -H 'Sec-Fetch-Site: same-origin' "$UI_BASE/api/doors")"

# ---- malformed bodies: a clear error, and the server serves on
for b in '{"port":' 'port=1' '[1,2]' '{"port":1}x' '{"port":"80"}' '{"port":1,"port":2}' \
    '{"port":1e3}' '{"a":{"b":1}}' $'{"url":"\xff"}' '{"text":"\u0000"}' ''; do
    out=$(ui_post /api/probe "$b" -w '\n%{http_code}')
    code=${out##*$'\n'}
    check_eq "malformed body $(printf '%q' "$b"): 400" 400 "$code"
    check_match "... with a JSON error that says why" '"error": "' "${out%$'\n'*}"
done
check_eq "after the malformed bodies the server serves" 200 "$(ui_status -H "$UI_COOKIE" "$UI_BASE/api/doors")"
check_eq "a body longer than 64 KiB: 413" 413 \
    "$(head -c 70000 /dev/zero | tr '\0' 'a' | ui_status -H "$UI_COOKIE" -H "$UI_ORIGIN" -H "$J" --data-binary @- "$UI_BASE/api/explain")"

# ---- the headers of every answer; no CORS, ever
for p in / /app.js /style.css /api/doors /nothing; do
    hdr=$(ui_curl -D - -o /dev/null -H "$UI_COOKIE" "$UI_BASE$p" | tr -d '\r')
    csp=$(printf '%s\n' "$hdr" | grep -i '^content-security-policy:')
    check_match "$p: a CSP whose scripts are the server's own" "script-src 'self'" "$csp"
    check_nomatch "$p: ... no unsafe-inline, no unsafe-eval" "unsafe" "$csp"
    check_match "$p: ... default-src 'none', frame-ancestors 'none'" "default-src 'none'.*frame-ancestors 'none'" "$csp"
    check_match "$p: X-Content-Type-Options: nosniff" $'\n[Xx]-[Cc]ontent-[Tt]ype-[Oo]ptions: nosniff' "$hdr"
    check_match "$p: Referrer-Policy: no-referrer" $'\n[Rr]eferrer-[Pp]olicy: no-referrer' "$hdr"
    check_nomatch "$p: no Access-Control-* header" $'\n[Aa]ccess-[Cc]ontrol' "$hdr"
done
hdr=$(ui_curl -D - -o /dev/null "$UI_BASE/api/doors" | tr -d '\r')
check_match "a 403 carries the same CSP" "script-src 'self'" "$hdr"
check_match "JavaScript is served as JavaScript (nosniff needs it)" \
    $'\n[Cc]ontent-[Tt]ype: text/javascript' "$(ui_curl -D - -o /dev/null -H "$UI_COOKIE" "$UI_BASE/app.js" | tr -d '\r')"

# ---- the page itself: no inline script, no HTML made from data
html=$(ui_curl -H "$UI_COOKIE" "$UI_BASE/")
check_eq "the served page is src/ui/page/index.html" "$(cat "$page/index.html")" "$html"
check_nomatch "no inline <script> (every script has a src)" "<script(>| [^s])" "$html"
check_nomatch "no inline event handler attributes" " on[a-z]+=" "$html"
check_nomatch "no style attributes (style-src 'self')" " style=" "$html"
bad=$(grep -nE 'innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|DOMParser|createContextualFragment|srcdoc' \
    "$page"/*.js "$page"/*.html | grep -v '^[^:]*:[0-9]*: \* ')
check_eq "the page's code parses no data as HTML (no innerHTML and kin)" "" "$bad"
check_match "the page uses textContent" "textContent" "$(cat "$page/app.js")"
for f in "$page"/*; do
    n=${f##*/}
    check_eq "$n is served as it is in the repo" "$(md5sum <"$f")" "$(ui_curl -H "$UI_COOKIE" "$UI_BASE/$n" | md5sum)"
done
check_nomatch "no CDN, no remote URL in the page files" "(src|href)=\"(https?:)?//" "$(cat "$page"/*)"

# ---- the API: the same documents as the verbs
doors=$(ui_curl -H "$UI_COOKIE" "$UI_BASE/api/doors")
check_match "/api/doors is door ls --json's array (our listener in it)" "\"port\": $lp," "$doors"
ls_keys=$("$DOOR" ls --json "$lp" | ui_json 'sorted(d[0].keys())')
ui_keys=$(printf '%s' "$doors" | ui_json "sorted([s for s in d if s['port'] == $lp][0].keys())")
check_eq "/api/doors has door ls --json's keys" "$ls_keys" "$ui_keys"
card=$(ui_post /api/card "{\"port\":$lp}")
who=$("$DOOR" who --no-color "$lp" | sed '/^  next /d; /^  answers /d')
got=$(printf '%s' "$card" | ui_json 'd["card"]' | sed '/^  answers /d; /^$/d')
check_eq "/api/card's text is door who's card (without next: the page has buttons)" \
    "$(printf '%s\n' "$who" | sed 's/, up [0-9a-z]*$//')" "$(printf '%s\n' "$got" | sed 's/, up [0-9a-z]*$//')"
probe=$(ui_post /api/probe "{\"port\":$lp}")
check_match "/api/probe says what answers on each address" '"answers": \[' "$probe"
exp=$(ui_post /api/explain "{\"text\":\"Error: listen EADDRINUSE: address already in use 127.0.0.1:$lp\"}")
check_eq "/api/explain is door explain's reading" "node $lp True" \
    "$(printf '%s' "$exp" | ui_json 'd["report"]["tool"] + " " + str(d["report"]["port"]) + " " + str(d["report"]["in_use"])')"
check_match "... and its text names the two ways out" "two ways out" "$(printf '%s' "$exp" | ui_json 'd["text"]')"
notbind=$(ui_post /api/explain '{"text":"hello"}')
check_eq "/api/explain on text with no bind error: recognised false, status 1" "False 1" \
    "$(printf '%s' "$notbind" | ui_json 'str(d["report"]["recognised"]) + " " + str(d["status"])')"
bad=$(ui_post /api/url '{"url":"http://[::1:80/"}')
check_eq "/api/url on a malformed URL: status 2 and where" "2 True" \
    "$(printf '%s' "$bad" | ui_json 'str(d["status"]) + " " + str("at" in d)')"

# ---- kill through the kill library, with its refusals
plan=$(ui_post /api/kill/plan "{\"port\":$UI_PORT}")
check_match "freeing door ui's own port is refused: door itself" "door itself: never" "$(printf '%s' "$plan" | ui_json 'd["text"]')"
run=$(ui_post /api/kill/run "{\"plan\":\"$(printf '%s' "$plan" | ui_json 'd["plan"]')\"}")
check_eq "... and running that plan frees nothing (status 5, refused)" 5 "$(printf '%s' "$run" | ui_json 'd["status"]')"
check_eq "door ui is still serving" 200 "$(ui_status -H "$UI_COOKIE" "$UI_BASE/api/doors")"
lpid=$(ss_pids "$lp" tcp | head -1)
plan=$(ui_post /api/kill/plan "{\"port\":$lp}")
dry=$("$DOOR" kill --dry-run "$lp" 2>&1 >/dev/null | sed 's/^  plan: (dry run) /  plan: /')
check_eq "the plan is door kill --dry-run's, word for word (but for '(dry run)')" "$dry" "$(printf '%s' "$plan" | ui_json 'd["text"]')"
id=$(printf '%s' "$plan" | ui_json 'd["plan"]')
check_match "a plan has an id to say yes to" "^[0-9a-f]{32}$" "$id"
check_eq "a made-up plan id is refused: 409" 409 "$(ui_post /api/kill/run '{"plan":"0123456789abcdef0123456789abcdef"}' -o /dev/null -w '%{http_code}')"
proc_alive "$lpid" && pass "a plan alone signals nothing"
run=$(ui_post /api/kill/run "{\"plan\":\"$id\"}")
check_eq "the yes frees it: status 0" 0 "$(printf '%s' "$run" | ui_json 'd["status"]')"
check_match "... the report is door kill's" "exited .*after TERM" "$(printf '%s' "$run" | ui_json 'd["text"]')"
wait_gone "$lpid" 5 && pass "... the listener is gone"
check_eq "the same plan cannot run twice: 409" 409 "$(ui_post /api/kill/run "{\"plan\":\"$id\"}" -o /dev/null -w '%{http_code}')"

# as a user who is not root: another user's listener is not door ui's to free
if [ "$(id -u)" = 0 ]; then
    np=$(free_port)
    npid=$(start_py_listener "$np" 127.0.0.1) || fail "root's listener starts"
    bin=$(door_path_for nobody)
    nd=$(mk_tmpdir ui-nobody)
    # setpriv itself (run_as is a function: its $! would be a subshell)
    HOME=/ setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups --inh-caps=-all -- \
        "$bin" ui --port "$(free_port)" >"$nd/out" 2>"$nd/err" </dev/null &
    nobody_pid=$!
    on_exit_kill "$nobody_pid"
    for ((i = 0; i < 100; i++)); do [ -s "$nd/out" ] && break; sleep 0.1; done
    nurl=$(head -n 1 "$nd/out")
    nport=${nurl#http://127.0.0.1:}
    nport=${nport%%/*}
    ntok=${nurl##*token=}
    nplan=$(ui_curl -H "Cookie: door_ui_$nport=$ntok" -H "Origin: http://127.0.0.1:$nport" -H "$J" \
        --data "{\"port\":$np}" "http://127.0.0.1:$nport/api/kill/plan")
    check_match "door ui as nobody: root's listener cannot be verified, so it is not freed" \
        "cannot see|not yours|hidden" "$(printf '%s' "$nplan" | ui_json 'd.get("text") or d.get("error")')"
    nid=$(printf '%s' "$nplan" | ui_json 'd.get("plan")')
    if [ "$nid" != None ]; then
        nrun=$(ui_curl -H "Cookie: door_ui_$nport=$ntok" -H "Origin: http://127.0.0.1:$nport" -H "$J" \
            --data "{\"plan\":\"$nid\"}" "http://127.0.0.1:$nport/api/kill/run")
        check_eq "... running it says denied (4)" 4 "$(printf '%s' "$nrun" | ui_json 'd["status"]')"
    else
        check_eq "... there is nothing it may do (exit status 4)" 4 "$(printf '%s' "$nplan" | ui_json 'd.get("status", 4)')"
    fi
    proc_alive "$npid" && pass "... root's listener lives"
    kill -TERM "$nobody_pid"
    wait "$nobody_pid"
    check_eq "door ui as nobody stops on TERM with status 0" 0 "$?"
else
    skip "another user's listener" "needs root to run door ui as nobody"
fi

# ---- the event stream
ev=$(ui_curl --max-time 3 -N -H "$UI_COOKIE" "$UI_BASE/api/events" 2>/dev/null | head -c 200000)
check_match "the event stream starts with retry, then the table as a snapshot" \
    "^retry: 1000"$'\n\n'"event: snapshot"$'\n'"data: \\[" "$ev"
hdr=$(ui_curl --max-time 2 -D - -o /dev/null -H "$UI_COOKIE" "$UI_BASE/api/events" 2>/dev/null | tr -d '\r')
check_match "... as text/event-stream" $'\n[Cc]ontent-[Tt]ype: text/event-stream' "$hdr"

# ---- the verb's life: a second one, --port taken, --json, --open, signals
check_eq "door ui --port on a taken port: exit 1" 1 "$(timeout 10 "$DOOR" ui --port "$UI_PORT" >/dev/null 2>&1; echo $?)"
check_match "... and says who to ask" "taken.*door $UI_PORT" "$(timeout 10 "$DOOR" ui --port "$UI_PORT" 2>&1 >/dev/null)"
for bad in 0 65536 abc -1 ''; do
    run_door ui --port "$bad"
    check_eq "door ui --port '$bad': usage error 2" 2 "$DOOR_RC"
done
run_door ui extra
check_eq "door ui takes no arguments: 2" 2 "$DOOR_RC"

tok1=$UI_TOKEN
kill -INT "$UI_PID"
for ((i = 0; i < 100; i++)); do proc_alive "$UI_PID" || break; sleep 0.1; done
wait "$UI_PID"
check_eq "Ctrl-C (SIGINT) stops it with status 0" 0 "$?"
check_match "... it says so" "stopped \\(Ctrl-C\\)" "$(cat "$UI_ERR")"
check_eq "... and nothing listens on its port any more" "" "$(ss -Hltn "sport = :$UI_PORT")"

start_ui --json || fail "door ui --json starts"
j=$(cat "$UI_OUT")
check_match "--json: one JSON object with url, port, addresses" '"url": "http://127\.0\.0\.1:[0-9]+/\?token=[0-9a-f]{64}"' "$j"
check_eq "... a fresh token each run" 1 "$([ "$tok1" != "$UI_TOKEN" ] && echo 1)"
# a stream open while it stops: it ends, it does not hang the stop
ui_curl --max-time 30 -N -H "$UI_COOKIE" "$UI_BASE/api/events" >/dev/null 2>&1 &
sse=$!
sleep 0.5
t0=$SECONDS
kill -TERM "$UI_PID"
wait "$UI_PID"
check_eq "SIGTERM stops it with status 0, an event stream open" 0 "$?"
# a bound, not a speed: the stop waits for a tick under way (a /proc walk)
check_eq "... without hanging (within 60 s)" 1 "$([ $((SECONDS - t0)) -le 60 ] && echo 1)"
wait "$sse" 2>/dev/null
pass "... and the stream's client got its end"

# --open: the browser gets a private file, never the token in argv
fake=$(mk_tmpdir fakebin)
cat >"$fake/xdg-open" <<'EOF'
#!/bin/sh
# a stand-in browser: what it was given, and what that file held
printf '%s\n' "$@" >"$(dirname "$0")/argv"
stat -c '%a %U' "$1" >"$(dirname "$0")/mode"
cat "$1" >"$(dirname "$0")/page"
EOF
chmod 755 "$fake/xdg-open"
PATH=$fake:$PATH start_ui --open || fail "door ui --open starts"
for ((i = 0; i < 50; i++)); do [ -s "$fake/page" ] && break; sleep 0.1; done
check_nomatch "--open: xdg-open's argv holds no token" "$UI_TOKEN" "$(cat "$fake/argv" 2>/dev/null)"
check_match "... it gets a file in door's runtime directory" "/door(-[0-9]+)?/ui-$UI_PORT\\.html$" "$(cat "$fake/argv" 2>/dev/null)"
check_eq "... that only the user can read (0600)" "600 $(id -un)" "$(cat "$fake/mode" 2>/dev/null)"
check_eq "... whose page sends the browser on to the URL" 1 \
    "$(grep -cF "http-equiv=\"refresh\" content=\"0;url=$UI_URL\"" "$fake/page" 2>/dev/null)"
opened=$(cat "$fake/argv" 2>/dev/null)
kill -INT "$UI_PID"
wait "$UI_PID"
check_eq "... Ctrl-C stops it" 0 "$?"
check_eq "... and the file is gone" 0 "$([ -e "$opened" ] && echo 1 || echo 0)"

finish
