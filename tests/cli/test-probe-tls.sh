#!/usr/bin/env bash
# door probe on TLS doors: after our ClientHello proves TLS, one GET / over
# TLS (libcurl, loaded on first use) says which web server is behind it, as
# nmap -sV says ssl/http. Against REAL servers on free loopback ports, each
# with a self-signed certificate made here by openssl: openssl s_server
# -www (HTTP behind TLS), nginx with `listen PORT ssl`, and openssl
# s_server without -www (TLS, then silence: no HTTP behind it), which must
# stay "tls" and must not make door overstay its --timeout. The HTTPS GET
# goes to the door itself, never through a proxy the environment names.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door

# ------------------------------------------------------------ helpers

# json_field FIELD: FIELD of the first object in $DOOR_OUT ("" for null);
# json_http FIELD: a field of its "http" object.
json_field() {
    "$PY" -c 'import json,sys; v=json.loads(sys.argv[1])[0][sys.argv[2]]; print("" if v is None else v)' "$DOOR_OUT" "$1" 2>/dev/null
}
json_http() {
    "$PY" -c 'import json,sys; v=(json.loads(sys.argv[1])[0]["http"] or {}).get(sys.argv[2]); print("" if v is None else v)' "$DOOR_OUT" "$1" 2>/dev/null
}

# self_signed DIR: DIR/key.pem and DIR/cert.pem, CN=localhost, one day.
self_signed() {
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1/key.pem" \
        -out "$1/cert.pem" -days 1 -subj /CN=localhost >/dev/null 2>&1
}

# start_s_server PORT [-www]: openssl s_server on 127.0.0.1:PORT. With
# -www it serves an HTTP page about itself. Without, it relays its stdin
# to the client: at EOF (/dev/null) it hangs up on every client, so a
# `sleep` feeds it and it completes each handshake, then says nothing.
start_s_server() {
    local port=$1 www=${2:-} dir
    command -v openssl >/dev/null || { echo "openssl not installed (scripts/deps.sh test)"; return 2; }
    dir=$(mk_tmpdir s_server) || return 1
    self_signed "$dir" || { echo "openssl req failed"; return 1; }
    if [ -n "$www" ]; then
        start_cmd s_server "$port" "$dir" openssl s_server -accept "127.0.0.1:$port" \
            -cert "$dir/cert.pem" -key "$dir/key.pem" -www -quiet
    else
        start_cmd s_server "$port" "$dir" bash -c 'sleep 900 | exec openssl s_server "$@"' \
            s_server -accept "127.0.0.1:$port" -cert "$dir/cert.pem" \
            -key "$dir/key.pem" -quiet
    fi
}

# start_nginx_tls PORT: nginx as root (one worker) with `listen PORT ssl`
# and a self-signed certificate, as a developer sets it up (the same
# config as test-url.sh's, everything inside its temp dir).
start_nginx_tls() {
    local port=$1 d
    command -v openssl >/dev/null || { echo "openssl not installed (scripts/deps.sh test)"; return 2; }
    command -v nginx >/dev/null || { echo "nginx not installed (scripts/deps.sh test)"; return 2; }
    [ "$(id -u)" = 0 ] || { echo "nginx needs root here (its master binds and drops to www-data)"; return 2; }
    d=$(mk_tmpdir nginx-tls) || return 1
    self_signed "$d" || { echo "openssl req failed"; return 1; }
    mkdir -p "$d/www" "$d/tmp" && echo "door tls page" >"$d/www/index.html"
    chmod 755 "$d" "$d/www"
    printf '%s\n' "daemon off; master_process on; worker_processes 1;" \
        "pid $d/nginx.pid; error_log $d/error.log;" \
        "events { worker_connections 64; }" \
        "http { access_log off; client_body_temp_path $d/tmp;" \
        " proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp;" \
        " uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;" \
        " server { listen 127.0.0.1:$port ssl; root $d/www;" \
        "  ssl_certificate $d/cert.pem; ssl_certificate_key $d/key.pem; } }" \
        >"$d/nginx.conf"
    start_cmd nginx-tls "$port" "$d" nginx -e "$d/error.log" -p "$d" -c "$d/nginx.conf"
}

# try_start NAME START_FN PORT [ARGS]: start a server, or skip NAME with
# the reason (status 2), or fail NAME; true when it runs.
try_start() {
    local name=$1 fn=$2 port=$3 msg rc
    shift 3
    msg=$($fn "$port" "$@" 2>&1) && return 0
    rc=$?
    if [ "$rc" = 2 ]; then skip "$name" "${msg%%$'\n'*}"; else fail "$name: server starts" "$(printf '%s' "$msg" | tail -5)"; fi
    return 1
}

# libcurl is loaded with dlopen: without it a TLS door stays "tls", by
# design. Say so once instead of failing every HTTPS case (CI must have
# it: scripts/deps.sh installs it to build door).
if ! { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q 'libcurl\.so\.4 '; then
    if [ "${CI:-}" = true ]; then
        fail "libcurl.so.4 installed (CI must have it: scripts/deps.sh)"
    else
        skip "HTTPS behind TLS doors" "libcurl.so.4 not installed (Debian: libcurl4)"
    fi
    finish
fi

# ------------------------------------------------------------ (a) s_server -www

p=$(free_port)
if try_start "s_server -www" start_s_server "$p" -www; then
    run_door probe "127.0.0.1:$p" --json
    check_eq "s_server -www: exit 0" 0 "$DOOR_RC" || diag "$DOOR_OUT" "$DOOR_ERR"
    check_eq "s_server -www: service http (its page, over TLS)" http "$(json_field service)"
    check_match "s_server -www: product" 's_server' "$(json_field product)"
    check_eq "s_server -www: confidence probe" probe "$(json_field confidence)"
    check_eq "s_server -www: tls holds the version the ClientHello saw" 1.3 "$(json_field tls)"
    check_eq "s_server -www: HTTP status" 200 "$(json_http status)"
    check_match "s_server -www: detail says TLS" 'over TLS 1\.3' "$(json_field detail)"
    run_door probe "127.0.0.1:$p" --no-color
    check_match "s_server -www: the human line" \
        "^127\\.0\\.0\\.1:$p +http +OpenSSL s_server \\(probe\\), HTTP 200 over TLS 1\\.3$" "$DOOR_OUT"
fi

# ------------------------------------------------------------ (b) nginx ssl

p=$(free_port)
if try_start "nginx ssl" start_nginx_tls "$p"; then
    want=$(nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p')
    run_door probe "127.0.0.1:$p" --json
    check_eq "nginx ssl: exit 0" 0 "$DOOR_RC" || diag "$DOOR_OUT" "$DOOR_ERR"
    check_eq "nginx ssl: service http" http "$(json_field service)"
    check_eq "nginx ssl: product" nginx "$(json_field product)"
    check_eq "nginx ssl: version is nginx -v's ($want)" "$want" "$(json_field version)"
    # nginx 1.22 offers TLS 1.2 unless told otherwise, 1.23.4 and later 1.3
    check_match "nginx ssl: tls holds the version" '^1\.[23]$' "$(json_field tls)"
    # the page itself, over TLS: not the 400 a plain GET gets there
    check_eq "nginx ssl: HTTP 200 over TLS" 200 "$(json_http status)"
    check_match "nginx ssl: Server header" '^nginx/' "$(json_http server)"
    run_door who "$p" --no-color
    check_eq "nginx ssl: door who exit 0" 0 "$DOOR_RC" || diag "$DOOR_ERR"
    check_match "nginx ssl: door who's card says nginx over TLS" \
        "answers +nginx ${want//./\\.}, HTTP 200 over TLS 1\\.[23] \\(probe\\)" "$DOOR_OUT"

    # (e) a proxy in the environment must not carry the GET (a refused
    # one would make it fail): the answer comes from the door itself
    https_proxy=http://127.0.0.1:1 HTTPS_PROXY=http://127.0.0.1:1 \
        ALL_PROXY=http://127.0.0.1:1 all_proxy=http://127.0.0.1:1 \
        run_door probe "127.0.0.1:$p" --json
    check_eq "proxy in the environment: still nginx" nginx "$(json_field product)"
    check_eq "proxy in the environment: still HTTP 200 over TLS" 200 "$(json_http status)"

    # (f) door url, which has used libcurl all along, still works there
    run_door url "https://localhost:$p/"
    check_eq "door url on nginx ssl: self-signed, exit 1" 1 "$DOOR_RC"
    check_match "door url on nginx ssl: its own verdict" \
        'certificate problem: the certificate is self-signed.*--insecure' "$DOOR_OUT"
    run_door url --insecure "https://localhost:$p/"
    check_eq "door url --insecure on nginx ssl: loads" 0 "$DOOR_RC" || diag "$DOOR_OUT" "$DOOR_ERR"
    check_match "door url --insecure on nginx ssl: nginx answers" 'nginx' "$DOOR_OUT"
fi

# ------------------------------------------------------------ (c), (d) TLS, no HTTP

p=$(free_port)
if try_start "s_server without -www" start_s_server "$p"; then
    run_door probe "127.0.0.1:$p" --json
    check_eq "TLS without HTTP: exit 0" 0 "$DOOR_RC" || diag "$DOOR_OUT" "$DOOR_ERR"
    check_eq "TLS without HTTP: stays tls" tls "$(json_field service)"
    check_eq "TLS without HTTP: product TLS" TLS "$(json_field product)"
    check_eq "TLS without HTTP: tls 1.3" 1.3 "$(json_field tls)"
    check_eq "TLS without HTTP: no http" "" "$(json_field http)"

    # The HTTPS GET waits on a server that never answers: the door's
    # deadline still holds. As root, door first looks up the owner's
    # process name for a clue, a walk of every process's fds: seconds on
    # a machine running a thousand processes of a thousand fds each. As
    # nobody that walk stops at the first closed /proc/PID/fd, so the wall
    # time is the probe's.
    t0=$(date +%s%N)
    if [ "$(id -u)" = 0 ]; then
        run_door_as nobody probe "127.0.0.1:$p" --timeout 300ms --json
    else
        run_door probe "127.0.0.1:$p" --timeout 300ms --json
    fi
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    check_eq "--timeout 300ms: still tls" tls "$(json_field service)" || diag "$DOOR_OUT" "$DOOR_ERR"
    probe_ms=$(json_field ms)
    check "--timeout 300ms: the probe's own clock says ${probe_ms:-?} ms (< 450)" \
        "$PY" -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 450 else 1)' "${probe_ms:-9999}"
    check "--timeout 300ms: door is back in ${ms} ms (< 1000)" test "$ms" -lt 1000
fi

finish
