"""abuse.py - bad clients for door ui, for tests/cli/test-ui-abuse.sh.

    abuse.py CASE [ARGS...]       with UI_PORT and UI_TOKEN in the environment

Each case prints lines the test turns into TAP checks:

    check<TAB>NAME<TAB>WANT<TAB>GOT      (check_eq NAME WANT GOT)
    diag<TAB>TEXT                        (a # line)

Cases: headers, slow-limit N [HOST], slowloris N HEAD_S IDLE_S, burst N
CONC, table N, posts, streams N MAX. Standard library only; every socket has a timeout and every
loop a bound (a case also has a deadline of its own).
"""
import asyncio
import json
import os
import socket
import sys
import time

PORT = int(os.environ["UI_PORT"])
TOKEN = os.environ["UI_TOKEN"]
COOKIE = "door_ui_%d=%s" % (PORT, TOKEN)
ACTIONS = ["/api/card", "/api/probe", "/api/url", "/api/explain",
           "/api/kill/plan", "/api/kill/run", "/api/kill/cancel"]
BODY_MAX = 64 << 10


def check(name, want, got):
    print("check\t%s\t%s\t%s" % (name, want, got), flush=True)


def diag(text):
    print("diag\t%s" % text, flush=True)


def host_of(addr):
    return "[%s]:%d" % (addr, PORT) if ":" in addr else "%s:%d" % (addr, PORT)


def head(method, path, addr="127.0.0.1", auth=True, extra=b"", close=True):
    h = "%s %s HTTP/1.1\r\nHost: %s\r\n" % (method, path, host_of(addr))
    if auth:
        h += "Cookie: %s\r\n" % COOKIE
    if close:
        h += "Connection: close\r\n"
    return h.encode() + extra


def connect(addr="127.0.0.1", timeout=5.0):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((addr, PORT))
    return s


def read_all(s, limit=1 << 20):
    """Everything until the server closes (bounded), or what came before
    a timeout or a reset."""
    d = b""
    try:
        while len(d) < limit:
            c = s.recv(65536)
            if not c:
                break
            d += c
    except OSError:
        pass
    return d


def status_of(raw):
    try:
        return int(raw.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def body_of(raw):
    i = raw.find(b"\r\n\r\n")
    return raw[i + 4:] if i >= 0 else b""


def header_of(raw, name):
    i = raw.find(b"\r\n\r\n")
    for line in raw[:i].split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == name.lower().encode():
            return v.strip().decode("latin-1")
    return ""


def exchange(data, addr="127.0.0.1", timeout=5.0):
    """One request on a new connection: (status, raw), status 0 when the
    server closed without an answer, -1 when it could not connect."""
    try:
        s = connect(addr, timeout)
    except OSError as e:
        return -1, repr(e).encode()
    try:
        s.sendall(data)
    except OSError:
        pass
    raw = read_all(s)
    s.close()
    return status_of(raw), raw


def get(path, addr="127.0.0.1", auth=True, timeout=5.0):
    return exchange(head("GET", path, addr, auth) + b"\r\n", addr, timeout)


def xx(code):
    """4xx for any client error, else the code itself."""
    return "4xx" if 400 <= code < 500 else str(code)


def json_error(raw):
    """'json error' when the answer is a JSON object with an "error"."""
    if not header_of(raw, "Content-Type").startswith("application/json"):
        return "type " + (header_of(raw, "Content-Type") or "none")
    try:
        d = json.loads(body_of(raw))
    except ValueError:
        return "not JSON"
    return "json error" if isinstance(d, dict) and isinstance(
        d.get("error"), str) and d["error"] else "no error key"


# ---- huge request heads ----

def case_headers():
    cases = [
        ("a 64 KiB header", b"X-Big: " + b"a" * (64 << 10) + b"\r\n", "/app.js"),
        ("1000 headers", b"".join(b"X-H%d: v\r\n" % i for i in range(1000)), "/app.js"),
        ("10,000 one-byte headers", b"X: v\r\n" * 10000, "/app.js"),
        ("a 64 KiB cookie", b"Cookie: a=" + b"b" * (64 << 10) + b"\r\n", "/app.js"),
        ("a 1 MiB header line", b"X-Big: " + b"a" * (1 << 20) + b"\r\n", "/app.js"),
    ]
    for auth in (True, False):
        who = "" if auth else ", without the token"
        for name, extra, path in cases:
            t = time.monotonic()
            code, raw = exchange(head("GET", path, auth=auth, extra=extra) + b"\r\n",
                                 timeout=10)
            diag("%s%s: %d in %.2f s" % (name, who, code, time.monotonic() - t))
            check("%s%s: a client error (431 or 400), not a crash" % (name, who), "4xx", xx(code))
            check("... and nothing of the page or the table in it", "no data",
                  "data" if b'"port"' in raw or b"<script" in raw else "no data")
            code, _ = get("/app.js")
            check("... then a normal GET: 200", "200", str(code))
    code, raw = get("/" + "a" * 20000)
    check("a 20,000-byte URL: 414 or 431", "4xx", xx(code))
    code, raw = get("/api/doors")
    check("after the huge heads the table is served: 200", "200", str(code))
    try:
        doc = json.loads(body_of(raw))
        check("... a JSON array", "list", type(doc).__name__)
    except ValueError:
        check("... a JSON array", "list", "not JSON")


# ---- slow clients ----

def open_partial(n, addr, first=b"GET /api/do"):
    socks, failed = [], 0
    for _ in range(n):
        try:
            s = connect(addr, 5)
            s.sendall(first)
            s.setblocking(False)
            socks.append(s)
        except OSError:
            failed += 1
    return socks, failed


def gone(s):
    """True when the server ended this connection (EOF, a reset, or an
    answer after which it closes)."""
    try:
        d = s.recv(4096)
        return True if not d else b"HTTP/1." in d
    except BlockingIOError:
        return False
    except OSError:
        return True


def served(addr, tries=3):
    """A normal client while the slow ones hang: each of `tries` GETs of a
    page file answered 200 within 3 s."""
    worst, codes = 0.0, []
    for _ in range(tries):
        t = time.monotonic()
        code, _ = get("/app.js", addr=addr, timeout=3)
        worst = max(worst, time.monotonic() - t)
        codes.append(code)
    return codes, worst


def case_slow_limit(n, addr="127.0.0.1"):
    """n silent half-requests (more than the connection limit), then a
    normal client: it must be served while they hang."""
    t0 = time.monotonic()
    socks, failed = open_partial(n, addr)
    diag("%d half-requests to %s opened in %.1f s (%d could not connect)" %
         (len(socks), addr, time.monotonic() - t0, failed))
    codes, worst = served(addr, 5)
    diag("normal clients: %s, the slowest %.2f s" % (codes, worst))
    check("%d slow clients on %s (more than the limit): a normal client is served, 5 of 5" %
          (n, addr), "200 200 200 200 200", " ".join(map(str, codes)))
    dropped = sum(1 for s in socks if gone(s))
    diag("slow clients the server shut down to make room: %d of %d" % (dropped, len(socks)))
    check("... the server made room by shutting down the slow ones, not the new ones",
          "yes", "yes" if 0 < dropped < len(socks) else "no (%d)" % dropped)
    for s in socks:
        s.close()


def case_slowloris(n, head_s, idle_s):
    """n connections that trickle a byte a second, never idle for
    libmicrohttpd, so only the guard's deadline (head_s) ends them: most
    trickle their request line, a fifth the body of an action whose head
    (token and all) came whole. A normal client is served all along."""
    nbody = n // 5
    socks, failed = open_partial(n - nbody, "127.0.0.1", b"G")
    extra = ("Origin: http://127.0.0.1:%d\r\nContent-Type: application/json\r\n"
             "Content-Length: 1000\r\n" % PORT).encode()
    more, failed = open_partial(nbody, "127.0.0.1",
                                head("POST", "/api/explain", extra=extra, close=False) +
                                b'\r\n{"text": "')
    socks += more
    check("%d slowloris connections open (%d of them in an action's body)" % (n, nbody),
          str(n), str(len(socks)))
    t0 = time.monotonic()
    when = {}
    served_all, worst = True, 0.0
    # the bound: the deadline, a sweep (1 s), and a busy machine's slack
    limit = head_s + 5
    while time.monotonic() - t0 < limit and len(when) < len(socks):
        for i, s in enumerate(socks):
            if i in when:
                continue
            if gone(s):
                when[i] = time.monotonic() - t0
                continue
            try:
                s.send(b"a")      # a byte a second: never idle
            except OSError:
                when[i] = time.monotonic() - t0
        codes, w = served("127.0.0.1", 1)
        worst = max(worst, w)
        served_all = served_all and codes == [200]
        time.sleep(max(0.0, 1.0 - w))
    first = min(when.values()) if when else None
    last = max(when.values()) if when else None
    diag("slowloris: %d of %d ended, the first after %s s, the last after %s s" %
         (len(when), len(socks), "%.1f" % first if first is not None else "-",
          "%.1f" % last if last is not None else "-"))
    check("... a normal client was served while they trickled", "yes",
          "yes" if served_all else "no (slowest %.2f s)" % worst)
    check("... every one is ended by the deadline (%d s), trickle or not" % head_s,
          str(len(socks)), str(len(when)))
    check("... and none before libmicrohttpd's idle timeout would have (%d s): "
          "the deadline, not an accident" % idle_s, "yes",
          "yes" if first is not None and first >= idle_s - 1.5 else "no (%s)" % first)
    for s in socks:
        s.close()


# ---- a burst ----

async def read_response(r):
    line = await r.readline()
    if not line:
        return 0, {}
    code = int(line.split()[1])
    hdrs = {}
    for _ in range(200):
        h = await r.readline()
        if h in (b"\r\n", b""):
            break
        k, _, v = h.decode("latin-1").partition(":")
        hdrs[k.strip().lower()] = v.strip()
    if "content-length" in hdrs:
        await r.readexactly(int(hdrs["content-length"]))
    elif hdrs.get("transfer-encoding", "").lower() == "chunked":
        for _ in range(100000):
            size = int((await r.readline()).split(b";")[0], 16)
            await r.readexactly(size + 2)
            if size == 0:
                break
    return code, hdrs


async def burst(n, conc, deadline):
    # what is asked, and what each must get
    kinds = [("/app.js", True, 200)] * 14 + [("/", True, 200)] * 2 + \
        [("/api/doors", True, 200)] + [("/api/doors", False, 403)] * 2 + \
        [("/app.js", False, 403)]
    todo = list(range(n))
    got = {}
    errors = []
    wrong = []
    lat = []

    async def one_conn(keep):
        r = w = None
        while todo and time.monotonic() < deadline:
            i = todo.pop()
            path, auth, want = kinds[i % len(kinds)]
            t = time.monotonic()
            try:
                if w is None:
                    r, w = await asyncio.wait_for(
                        asyncio.open_connection("127.0.0.1", PORT), 10)
                w.write(head("GET", path, auth=auth, close=not keep) + b"\r\n")
                code, hdrs = await asyncio.wait_for(read_response(r), 30)
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError,
                    ValueError) as e:
                errors.append(type(e).__name__)
                if w is not None:
                    w.close()
                r = w = None
                continue
            lat.append(time.monotonic() - t)
            got[code] = got.get(code, 0) + 1
            if code != want:
                wrong.append("%s %s: %d" % (path, "auth" if auth else "no token", code))
            if not keep or hdrs.get("connection", "").lower() == "close":
                w.close()
                r = w = None
        if w is not None:
            w.close()

    # half the clients keep their connection, half open one a request
    await asyncio.gather(*[one_conn(k % 2 == 0) for k in range(conc)])
    return got, errors, wrong, lat, len(todo)


def case_burst(n, conc):
    t0 = time.monotonic()
    got, errors, wrong, lat, left = asyncio.run(burst(n, conc, t0 + 45))
    took = time.monotonic() - t0
    lat.sort()
    diag("burst: %d requests, %d at once, in %.1f s (%.0f/s); answers %s; "
         "connection errors %d %s; latency median %.1f ms, p99 %.1f ms" %
         (n - left, conc, took, (n - left) / took, got, len(errors),
          sorted(set(errors)), 1000 * lat[len(lat) // 2] if lat else 0,
          1000 * lat[len(lat) * 99 // 100] if lat else 0))
    check("a burst of %d requests: every one sent within 45 s" % n, "0 left", "%d left" % left)
    check("... every answer the one expected (200 with the token, 403 without)",
          "0 wrong", "%d wrong" % len(wrong) + (" %s" % wrong[:5] if wrong else ""))
    # nothing refuses a connection below the limit: `conc` at once is a
    # fifth of it, and the listen backlog is 1024
    check("... no connection refused, reset or timed out", "0", str(len(errors)))


# ---- the table, asked by many at once ----

def table_at_once(n):
    """n clients ask for the table at the same moment: their ports seen
    in each answer, or the status when it was not a 200."""
    socks = []
    for _ in range(n):
        socks.append(connect("127.0.0.1", 30))
    for s in socks:
        s.sendall(head("GET", "/api/doors") + b"\r\n")
    answers = []
    for s in socks:
        raw = read_all(s, 64 << 20)
        s.close()
        code = status_of(raw)
        try:
            ports = {d["port"] for d in json.loads(body_of(raw))} if code == 200 else code
        except (ValueError, KeyError, TypeError):
            ports = "not JSON"
        answers.append(ports)
    return answers


def case_table(n):
    """One walk answers every request waiting (share.c): n at once are
    all answered (none 503 for a full queue), and each from a walk that
    began after it came: a listener opened just before is in every
    answer, and gone from every answer once closed."""
    lsn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsn.bind(("127.0.0.1", 0))
    lsn.listen(1)
    port = lsn.getsockname()[1]
    t = time.monotonic()
    answers = table_at_once(n)
    diag("%d table requests at once answered in %.2f s" % (n, time.monotonic() - t))
    ok = [a for a in answers if isinstance(a, set)]
    check("%d table requests at once: every one 200" % n, str(n),
          str(len(ok)) + ("" if len(ok) == n else " %s" % sorted(
              {a for a in answers if not isinstance(a, set)}, key=str)))
    check("... each has the listener opened just before", str(n),
          str(sum(1 for a in ok if port in a)))
    lsn.close()
    answers = table_at_once(n)
    ok = [a for a in answers if isinstance(a, set)]
    check("once it is closed, %d at once again: every one 200" % n, str(n), str(len(ok)))
    check("... and none has it (no answer from an older walk)", "0",
          str(sum(1 for a in ok if port in a)))


# ---- bodies ----

def post(path, body, auth=True, ctype="application/json", chunked=False,
         length=None, timeout=10):
    extra = "Origin: http://127.0.0.1:%d\r\nContent-Type: %s\r\n" % (PORT, ctype)
    if chunked:
        extra += "Transfer-Encoding: chunked\r\n"
        data = b""
        for i in range(0, len(body), 8192):
            c = body[i:i + 8192]
            data += b"%x\r\n" % len(c) + c + b"\r\n"
        data += b"0\r\n\r\n"
    else:
        extra += "Content-Length: %s\r\n" % (len(body) if length is None else length)
        data = body
    return exchange(head("POST", path, auth=auth, extra=extra.encode()) + b"\r\n" + data,
                    timeout=timeout)


def case_posts():
    big = b'{"text": "' + b"a" * (BODY_MAX + 100) + b'"}'
    bad = [b'{"port":', b"\xff\xfe", b"[" * 10000, b'{"port": 1' + b" " * 60000,
           b'{"a": ' * 5000, b"null", b'{"port": 99999999999999999999999}']
    for path in ACTIONS:
        for b in bad:
            code, raw = post(path, b)
            check("%s, malformed %r...: 400" % (path, b[:12]), "400", str(code))
            check("... a JSON error", "json error", json_error(raw))
        code, raw = post(path, big)
        check("%s, a body of 64 KiB + 110: 413" % path, "413", str(code))
        check("... a JSON error", "json error", json_error(raw))
        code, raw = post(path, big, chunked=True)
        check("%s, the same body chunked: 413" % path, "413", str(code))
        check("... a JSON error", "json error", json_error(raw))
        code, raw = post(path, b"{}", length=10 ** 15)
        check("%s, Content-Length 10^15: 413" % path, "413", str(code))
        for b in (b'{"port":', big):
            code, raw = post(path, b, auth=False)
            check("%s without the token, %d bytes: 403" % (path, len(b)), "403", str(code))
            check("... and nothing else", "no data",
                  "data" if b'"port"' in raw or b'"error"' in raw else "no data")
        code, raw = post(path, big, auth=False, chunked=True)
        check("%s without the token, chunked: 403" % path, "403", str(code))
    code, raw = post("/api/explain", b'{"text": "Error: listen EADDRINUSE: address already in use :::3000"}')
    check("after all that an action works: 200", "200", str(code))
    code, raw = get("/api/doors")
    check("... and the table: 200", "200", str(code))


# ---- event streams ----

def case_streams(n, max_streams):
    socks, codes = [], {}
    for i in range(n):
        try:
            s = connect("127.0.0.1", 10)
            s.sendall(head("GET", "/api/events", close=False) + b"\r\n")
            d = b""
            while b"\r\n" not in d and len(d) < 4096:
                c = s.recv(4096)
                if not c:
                    break
                d += c
            code = status_of(d)
        except OSError as e:
            code = repr(e)
            s = None
        codes[code] = codes.get(code, 0) + 1
        if s is not None:
            socks.append(s)
    diag("%d streams asked: %s" % (n, codes))
    check("%d event streams asked: %d are served" % (n, max_streams), str(max_streams),
          str(codes.get(200, 0)))
    check("... the rest get 503", str(n - max_streams), str(codes.get(503, 0)))
    code, _ = get("/app.js")
    check("... with them open a normal client is served", "200", str(code))
    code, raw = get("/api/doors")
    check("... and the table", "200", str(code))
    for s in socks:
        s.close()
    # a closed stream leaves at the next tick (500 ms) or keepalive
    ok = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < 20:
        try:
            s = connect("127.0.0.1", 5)
            s.sendall(head("GET", "/api/events") + b"\r\n")
            d = s.recv(64)
            s.close()
            if status_of(d) == 200:
                ok = 1
                break
        except OSError:
            pass
        time.sleep(0.5)
    diag("a new stream was served %.1f s after the others closed" % (time.monotonic() - t0))
    check("... once they close, a new stream is served again (within 20 s)", "1", str(ok))


def main():
    case = sys.argv[1]
    a = sys.argv[2:]
    if case == "headers":
        case_headers()
    elif case == "slow-limit":
        case_slow_limit(int(a[0]), a[1] if len(a) > 1 else "127.0.0.1")
    elif case == "slowloris":
        case_slowloris(int(a[0]), int(a[1]), int(a[2]))
    elif case == "burst":
        case_burst(int(a[0]), int(a[1]))
    elif case == "table":
        case_table(int(a[0]))
    elif case == "posts":
        case_posts()
    elif case == "streams":
        case_streams(int(a[0]), int(a[1]))
    else:
        print("abuse.py: unknown case %r" % case, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
