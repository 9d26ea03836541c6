#!/usr/bin/env bash
# door url: why a URL does not load, layer by layer, against REAL servers
# on loopback: a server on ::1 only, one on 127.0.0.1 only reached through a
# network namespace's own address, nothing listening beside a neighbour in
# the same directory, a 404 beside a 200 root, a redirect chain and a loop,
# https on plain HTTP and http on TLS (openssl s_server, self-signed), a
# Redis, a door that accepts and never answers, and malformed URLs.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door

# jq-less JSON reading: json_get EXPR (Python, d is the document).
json_get() {
    "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1" <<<"$DOOR_OUT"
}

# ------------------------------------------------------------ malformed

for bad in 'http://local host:3000/' 'http://localhost:99999/' \
    'http://localhost:30x0/' 'ftp://localhost/' 'http://[::1/' \
    'http:///x' 'http://loc$al:3000/' 'http://localhost:3000/%zz'; do
    run_door url "$bad"
    check_eq "malformed '$bad': exit 2" 2 "$DOOR_RC"
done
run_door url 'http://localhost:99999/pricing'
check_match "malformed: the caret points at the port" \
    'out of range.*http://localhost:99999/pricing.*                 \^\^\^\^\^' "$DOOR_ERR"
check_eq "malformed: nothing on stdout" "" "$DOOR_OUT"

# ------------------------------------------------------------ URL layer

p=$(free_port)
run_door url --json "localhost:$p/pricing?plan=pro"
check_eq "no scheme: http, explicit port, path and query" \
    "http False $p explicit /pricing plan=pro" \
    "$(json_get '" ".join(str(x) for x in (d["parsed"]["scheme"], d["parsed"]["scheme_given"], d["parsed"]["port"], d["parsed"]["port_from"], d["parsed"]["path"], d["parsed"]["query"]))')"
check_eq "localhost resolves to 127.0.0.1 and ::1" "127.0.0.1 ::1" \
    "$(json_get '" ".join(a["address"] for a in d["host"]["addresses"])')"
check_eq "nothing listening: exit 1, the door layer" "1 door" \
    "$DOOR_RC $(json_get 'd["failed_layer"]')"
run_door url --json "https://127.0.0.1/"
check_eq "https without a port: 443 from the scheme" "443 scheme" \
    "$(json_get '"%s %s" % (d["parsed"]["port"], d["parsed"]["port_from"])')"

# the port table's platform traps, as notes (only when the URL fails)
if [ "$(knock 127.0.0.1 5000 1)" != open ]; then
    run_door url --json "http://127.0.0.1:5000/"
    check_match "port 5000: the macOS AirPlay note" 'macOS' \
        "$(json_get '" | ".join(d["notes"])')"
else
    skip "port 5000 note" "something listens on 5000 here"
fi

# ------------------------------------------------------------ ::1 only

if have_ipv6; then
    p=$(free_port)
    if start_http_server "$p" ::1 >/dev/null; then
        run_door url "http://127.0.0.1:$p/"
        check_eq "::1 only via 127.0.0.1: exit 1" 1 "$DOOR_RC"
        check_match "::1 only via 127.0.0.1: names the trap and both fixes" \
            'listens on \[::1\]:[0-9]+ only.*use http://\[::1\]:[0-9]+/, or bind the server to both' "$DOOR_OUT"
        run_door url --json "http://localhost:$p/"
        check_eq "::1 only via localhost: loads (exit 0) over ::1" "0 ::1 200" \
            "$DOOR_RC $(json_get 'd["door"]["open_address"]') $(json_get 'd["http"]["status"]')"
        check_eq "::1 only via localhost: the ipv6_only trap is still named" \
            "ipv6_only" "$(json_get '" ".join(t["kind"] for t in d["traps"])')"
        check_eq "::1 only via localhost: the request was pinned to [::1]" \
            "[::1]:$p" "$(json_get 'd["http"]["hops"][0]["connect_to"]')"
    else
        fail "http.server on ::1 starts"
    fi
else
    skip "server on ::1 only" "no IPv6 on this machine"
fi

# ------------------------------------------------------------ 127.0.0.1 only, reached by a LAN address

ns=door-url-$$
if why=$(netns_add "$ns"); then
    # a veth pair inside the namespace (no dummy module everywhere); the
    # address on lo when even veth is missing: it is not loopback either
    if in_netns "$ns" ip link add va type veth peer name vb 2>/dev/null; then
        in_netns "$ns" ip addr add 10.200.0.1/24 dev va
        in_netns "$ns" ip link set va up
        in_netns "$ns" ip link set vb up
    else
        in_netns "$ns" ip addr add 10.200.0.1/32 dev lo
    fi
    p=$(free_port)
    d=$(mk_tmpdir ns-http)
    nspid=$(cd "$d" && _srv_spawn "$d/server.log" nsenter --net="/run/netns/$ns" -- "$PY" -m http.server "$p" --bind 127.0.0.1 --directory "$d")
    on_exit_kill "$nspid" --group
    for _ in $(seq 50); do
        [ -n "$(in_netns "$ns" ss -Hltn "sport = :$p")" ] && break
        sleep 0.1
    done
    DOOR_OUT=$(in_netns "$ns" timeout 20 "$DOOR" url "http://10.200.0.1:$p/" 2>&1)
    DOOR_RC=$?
    check_eq "127.0.0.1 only via 10.200.0.1: exit 1" 1 "$DOOR_RC"
    check_match "127.0.0.1 only via 10.200.0.1: not reachable from outside" \
        'listens on 127\.0\.0\.1:[0-9]+ only \(loopback\): 10\.200\.0\.1 is not reachable from other machines.*0\.0\.0\.0' "$DOOR_OUT"
    DOOR_OUT=$(in_netns "$ns" timeout 20 "$DOOR" url "http://127.0.0.1:$p/" 2>&1)
    check_eq "inside the namespace, 127.0.0.1 loads" 0 "$?"
else
    skip "127.0.0.1 only via a namespace address" "$why"
fi

# ------------------------------------------------------------ nothing here, a neighbour in the same directory

# the neighbour is the next port down, so no other door is nearer
p2=$(free_port)
p=$((p2 + 1))
if lpid=$(start_py_listener "$p2" 127.0.0.1); then
    ldir=$(server_dir "$lpid")
    # a generous --timeout: reading owners is slow on a machine full of
    # sockets, and the neighbour search gets a share of it
    DOOR_OUT=$(cd "$ldir" && timeout 30 "$DOOR" url --timeout 20s "http://localhost:$p/" 2>/dev/null)
    DOOR_RC=$?
    check_eq "nothing listening: exit 1" 1 "$DOOR_RC"
    check_match "nothing listening: names the neighbour in this directory" \
        "nothing listens on $p; python3 \\(pid $lpid, [^)]*\\) listens on $p2" "$DOOR_OUT"
    DOOR_OUT=$(cd "$ldir" && timeout 30 "$DOOR" url --timeout 20s --json "http://localhost:$p/" 2>/dev/null)
    printf '%s\n' "$DOOR_OUT" | record_json url --timeout 20s --json "http://localhost:$p/"
    check_eq "nothing listening JSON: nearest[0] is the neighbour, same_dir" \
        "$p2 $lpid True" \
        "$(json_get '"%s %s %s" % (d["door"]["nearest"][0]["port"], d["door"]["nearest"][0]["pid"], d["door"]["nearest"][0]["same_dir"])')"
else
    fail "listener starts"
fi

# ------------------------------------------------------------ 404 beside 200

p=$(free_port)
if start_http_server "$p" >/dev/null; then
    run_door url "http://127.0.0.1:$p/pricing"
    check_eq "404 path: exit 1" 1 "$DOOR_RC"
    check_match "404 path: the door is right, the path is wrong" \
        'the door is right, the path is wrong' "$DOOR_OUT"
    run_door url --json "http://127.0.0.1:$p/"
    check_eq "root: loads, exit 0, status 200, server header" "0 200 True" \
        "$DOOR_RC $(json_get 'd["http"]["status"]') $(json_get '"SimpleHTTP" in d["http"]["hops"][0]["server"]')"
    check_eq "root: timings from curl" "True" \
        "$(json_get 'all(d["http"]["hops"][0][k] is not None for k in ("connect_ms", "first_byte_ms", "total_ms"))')"
    run_door url "https://127.0.0.1:$p/"
    check_eq "https on plain HTTP: exit 1" 1 "$DOOR_RC"
    check_match "https on plain HTTP: says use http://" \
        'https:// on a plain HTTP door: this door wants http://' "$DOOR_OUT"
    run_door url --json "http://127.0.0.1:$p/"
    check "JSON is valid" "$PY" -m json.tool "$DOOR_OUT_FILE"
else
    fail "http.server starts"
fi

# ------------------------------------------------------------ redirects

p=$(free_port)
d=$(mk_tmpdir redir)
cat >"$d/redir.py" <<'PYEOF'
import http.server, sys
HOPS = {"/a": "/b", "/b": "/c", "/x": "/y", "/y": "/x",
        "/1": "/2", "/2": "/3", "/3": "/4", "/4": "/5", "/5": "/6", "/6": "/7", "/7": "/c"}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path in HOPS:
            self.send_response(302)
            self.send_header("Location", HOPS[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PYEOF
if start_cmd redir "$p" "$d" "$PY" "$d/redir.py" "$p" >/dev/null; then
    run_door url --json "http://127.0.0.1:$p/a"
    check_eq "redirect chain /a -> /b -> /c: exit 0, 200 after 2 redirects" \
        "0 200 2" "$DOOR_RC $(json_get 'd["http"]["status"]') $(json_get 'd["http"]["redirects"]')"
    check_eq "redirect chain: every hop shown" \
        "/a /b /c" "$(json_get '" ".join(h["url"].split(str('"$p"'))[1] for h in d["http"]["hops"])')"
    run_door url "http://127.0.0.1:$p/x"
    check_eq "redirect loop: exit 1" 1 "$DOOR_RC"
    check_match "redirect loop: reported" 'redirect loop' "$DOOR_OUT"
    run_door url "http://127.0.0.1:$p/1"
    check_eq "more than 5 redirects: exit 1" 1 "$DOOR_RC"
    check_match "more than 5 redirects: said" 'more than 5 redirects' "$DOOR_OUT"
else
    fail "redirect server starts"
fi

# ------------------------------------------------------------ TLS

if command -v openssl >/dev/null 2>&1; then
    p=$(free_port)
    d=$(mk_tmpdir tls)
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/key.pem" -out "$d/cert.pem" \
        -days 1 -subj /CN=localhost >/dev/null 2>&1
    if start_cmd openssl "$p" "$d" openssl s_server -accept "127.0.0.1:$p" -www \
        -cert "$d/cert.pem" -key "$d/key.pem" -quiet >/dev/null; then
        run_door url "http://127.0.0.1:$p/"
        check_eq "http on TLS: exit 1" 1 "$DOOR_RC"
        check_match "http on TLS: says use https://" 'http:// on a TLS door: this door wants https://' "$DOOR_OUT"
        run_door url "https://127.0.0.1:$p/"
        check_eq "self-signed: exit 1" 1 "$DOOR_RC"
        check_match "self-signed: its own verdict" 'certificate problem: the certificate is self-signed.*--insecure' "$DOOR_OUT"
        run_door url --insecure "https://127.0.0.1:$p/"
        check_eq "self-signed with --insecure: loads" 0 "$DOOR_RC"
    else
        fail "openssl s_server starts"
    fi
else
    skip "TLS doors" "openssl not installed"
fi

# nginx with TLS and a self-signed certificate, as a developer sets it up
if command -v openssl >/dev/null 2>&1 && command -v nginx >/dev/null 2>&1 &&
    [ "$(id -u)" = 0 ]; then
    p=$(free_port)
    d=$(mk_tmpdir nginx-tls)
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/key.pem" -out "$d/cert.pem" \
        -days 1 -subj /CN=localhost >/dev/null 2>&1
    mkdir -p "$d/www" "$d/tmp" && echo "door tls page" >"$d/www/index.html"
    chmod 755 "$d" "$d/www"
    printf '%s\n' "daemon off; master_process on; worker_processes 1;" \
        "pid $d/nginx.pid; error_log $d/error.log;" \
        "events { worker_connections 64; }" \
        "http { access_log off; client_body_temp_path $d/tmp;" \
        " proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp;" \
        " uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;" \
        " server { listen 127.0.0.1:$p ssl; root $d/www;" \
        "  ssl_certificate $d/cert.pem; ssl_certificate_key $d/key.pem; } }" \
        >"$d/nginx.conf"
    if start_cmd nginx-tls "$p" "$d" nginx -e "$d/error.log" -p "$d" -c "$d/nginx.conf" >/dev/null; then
        run_door url "http://127.0.0.1:$p/"
        check_eq "http on nginx with TLS: exit 1" 1 "$DOOR_RC"
        check_match "http on nginx with TLS: says use https://" 'http:// on a TLS door: this door wants https://' "$DOOR_OUT"
        run_door url "https://127.0.0.1:$p/"
        check_match "nginx self-signed: its own verdict" 'certificate problem: the certificate is self-signed.*--insecure' "$DOOR_OUT"
        run_door url --insecure "https://127.0.0.1:$p/"
        check_eq "nginx self-signed with --insecure: loads" 0 "$DOOR_RC"
        check_match "nginx self-signed with --insecure: the nginx page" 'nginx' "$DOOR_OUT"
    else
        fail "nginx with TLS starts"
    fi
else
    skip "nginx with TLS" "needs root, openssl and nginx (scripts/deps.sh test installs them)"
fi

# ------------------------------------------------------------ Redis

p=$(free_port)
rc=0
start_redis "$p" >/dev/null || rc=$?
if [ "$rc" = 0 ]; then
    run_door url "http://127.0.0.1:$p/"
    check_eq "Redis on the URL's port: exit 1" 1 "$DOOR_RC"
    check_match "Redis on the URL's port: this door is Redis" 'this door is Redis' "$DOOR_OUT"
elif [ "$rc" = 2 ]; then
    skip "Redis on the URL's port" "redis-server not installed"
else
    fail "redis starts"
fi

# ------------------------------------------------------------ silent door

p=$(free_port)
d=$(mk_tmpdir silent)
cat >"$d/silent.py" <<'PYEOF'
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
held = []
end = time.monotonic() + 600
s.settimeout(0.5)
while time.monotonic() < end:
    try:
        c, _ = s.accept()
        held.append(c)          # accepted, never answered, never closed
    except socket.timeout:
        pass
PYEOF
if start_cmd silent "$p" "$d" "$PY" "$d/silent.py" "$p" >/dev/null; then
    t0=$SECONDS
    run_door url --timeout 3s "http://127.0.0.1:$p/"
    check_eq "silent door: exit 1" 1 "$DOOR_RC"
    check_match "silent door: no HTTP answer in time" 'open but no HTTP answer came in time' "$DOOR_OUT"
    check "silent door: bounded by --timeout (took $((SECONDS - t0))s)" test $((SECONDS - t0)) -le 5
else
    fail "silent server starts"
fi

# ------------------------------------------------------------ docker-proxy
# A real forwarder that is what docker-proxy is to door: a process named
# docker-proxy with its arguments, holding the host port and passing every
# connection to the "container" address (127.0.0.2 here).

bp=$(free_port); fp=$(free_port)
backend=$(start_http_server "$bp" 127.0.0.2) || fail "start the container's server"
d=$(mk_tmpdir proxy)
cat >"$d/proxy.py" <<'PYEOF'
import ctypes, socket, sys, threading
ctypes.CDLL(None).prctl(15, b"docker-proxy", 0, 0, 0)   # PR_SET_NAME
a = dict(zip(sys.argv[1::2], sys.argv[2::2]))
dst = (a["-container-ip"], int(a["-container-port"]))
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((a["-host-ip"], int(a["-host-port"])))
srv.listen(64)
def pipe(x, y):
    try:
        while True:
            b = x.recv(65536)
            if not b:
                break
            y.sendall(b)
    except OSError:
        pass
    for s in (x, y):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
while True:
    c, _ = srv.accept()
    try:
        u = socket.create_connection(dst, timeout=2)
    except OSError:
        c.close()
        continue
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
PYEOF
if start_cmd docker-proxy "$fp" "$d" "$PY" "$d/proxy.py" -proto tcp \
    -host-ip 127.0.0.1 -host-port "$fp" -container-ip 127.0.0.2 \
    -container-port "$bp" >/dev/null; then
    run_door url "http://127.0.0.1:$fp/"
    check_eq "docker-proxy: the page loads (exit 0)" 0 "$DOOR_RC"
    check_match "docker-proxy: names the container and that it answers" \
        "docker-proxy forwards port $fp to the container at 127\\.0\\.0\\.2:$bp, which answers" "$DOOR_OUT"
    stop_server "$backend" >/dev/null 2>&1
    run_door url --timeout 3s "http://127.0.0.1:$fp/"
    check_eq "docker-proxy, container down: exit 1" 1 "$DOOR_RC"
    check_match "docker-proxy, container down: says the container does not answer" \
        "container at 127\\.0\\.0\\.2:$bp, which does not answer" "$DOOR_OUT"
else
    fail "docker-proxy stand-in starts"
fi

finish
