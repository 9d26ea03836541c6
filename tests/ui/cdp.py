"""cdp.py - a small Chrome DevTools Protocol client for door's browser tests.

Debian's chromium, headless, driven over --remote-debugging-pipe: the
protocol's JSON messages, each ended by a NUL byte, on two pipes (fd 3
into the browser, fd 4 out of it). No port to find or race for, no
websocket library, nothing from PyPI or npm. Standard library only.

    with Browser() as b:
        page = b.new_page()
        page.navigate(url)
        page.eval("document.title")

Every wait has a deadline (house rule 8): a call or an awaited event that
does not come in time raises TimeoutError, and the browser is killed when
the `with` block ends, whatever happened.
"""
import base64
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--no-default-browser-check",
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-extensions", "--disable-default-apps",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--metrics-recording-only", "--mute-audio", "--password-store=basic",
    "--remote-debugging-pipe",
]


def find_chromium():
    for c in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if os.access(c, os.X_OK):
            return c
    return shutil.which("chromium")


class Browser:
    def __init__(self, binary=None, timeout=60.0):
        self.binary = binary or find_chromium()
        if not self.binary:
            raise FileNotFoundError("chromium is not installed (scripts/deps.sh test installs it)")
        self.timeout = timeout
        self.next_id = 0
        self.buf = b""
        self.events = []          # (sessionId, method, params), not yet taken
        self.proc = None
        self.profile = None

    def __enter__(self):
        self.profile = tempfile.mkdtemp(prefix="door-chromium.")
        to_r, to_w = os.pipe()      # the browser reads commands on fd 3
        from_r, from_w = os.pipe()  # and writes answers on fd 4

        def child_fds():
            # via fds above 4 first: to_r or from_w may be 3 or 4 already
            a = os.dup(to_r)
            bb = os.dup(from_w)
            while a <= 4 or bb <= 4:
                a, bb = os.dup(a), os.dup(bb)
            os.dup2(a, 3)
            os.dup2(bb, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)
            os.setsid()

        self.log = open(os.path.join(self.profile, "chromium.log"), "wb")
        self.proc = subprocess.Popen(
            [self.binary] + CHROMIUM_FLAGS + ["--user-data-dir=" + self.profile, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            pass_fds=(3, 4), preexec_fn=child_fds, close_fds=True)
        # pass_fds keeps the originals open in the child too; close ours
        os.close(to_r)
        os.close(from_w)
        self.w = to_w
        self.r = from_r
        self.call("Browser.getVersion")
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        if self.proc is not None:
            try:
                self.call("Browser.close", timeout=3)
            except Exception:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                self.proc.wait(timeout=5)
            self.proc = None
            for fd in (self.w, self.r):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.log.close()
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None

    # ---- the wire ----

    def _send(self, msg):
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self.w, data)
            data = data[n:]

    def _read_one(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the browser did not answer in time")
            ready, _, _ = select.select([self.r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise ConnectionError("the browser closed its pipe (crashed?)")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=None, timeout=None):
        self.next_id += 1
        mid = self.next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._send(msg)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            m = self._read_one(deadline)
            if m.get("id") == mid:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"].get("message")))
                return m.get("result", {})
            if "method" in m:
                self.events.append((m.get("sessionId"), m["method"], m.get("params", {})))

    def pump(self, seconds):
        """Reads events for up to `seconds` (no command sent)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                m = self._read_one(deadline)
            except TimeoutError:
                return
            if "method" in m:
                self.events.append((m.get("sessionId"), m["method"], m.get("params", {})))

    def new_page(self, width=1280, height=860):
        t = self.call("Target.createTarget", {"url": "about:blank"})
        s = self.call("Target.attachToTarget", {"targetId": t["targetId"], "flatten": True})
        return Page(self, s["sessionId"], width, height)


class Page:
    def __init__(self, browser, session, width, height):
        self.b = browser
        self.s = session
        self.dialogs = []
        self.errors = []      # console errors, exceptions, failed loads
        for m in ("Page.enable", "Runtime.enable", "Log.enable"):
            self.call(m)
        self.resize(width, height)

    def call(self, method, params=None, timeout=None):
        r = self.b.call(method, params, session=self.s, timeout=timeout)
        self._sort_events()
        return r

    def _sort_events(self):
        keep = []
        for sess, method, p in self.b.events:
            if sess != self.s:
                keep.append((sess, method, p))
                continue
            if method == "Page.javascriptDialogOpening":
                self.dialogs.append(p.get("message", ""))
                # answer it, or the page stays blocked
                self.b._send({"id": 0, "sessionId": self.s,
                              "method": "Page.handleJavaScriptDialog",
                              "params": {"accept": False}})
            elif method == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                self.errors.append("exception: " + str(d.get("exception", {}).get("description") or d.get("text")))
            elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                self.errors.append("console.%s: %s" % (p.get("type"), " ".join(
                    str(a.get("value", a.get("description", ""))) for a in p.get("args", []))))
            elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                e = p["entry"]
                self.errors.append("log: %s %s" % (e.get("text", ""), e.get("url", "")))
            else:
                keep.append((sess, method, p))
        self.b.events = keep

    def events(self, method):
        """Takes the page's events named method seen so far."""
        self._sort_events()
        out = [p for s, m, p in self.b.events if s == self.s and m == method]
        self.b.events = [(s, m, p) for s, m, p in self.b.events if not (s == self.s and m == method)]
        return out

    def resize(self, width, height, dark=None):
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        if dark is not None:
            self.call("Emulation.setEmulatedMedia", {"features": [
                {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})

    def navigate(self, url, timeout=60):
        self.events("Page.loadEventFired")
        self.call("Page.navigate", {"url": url})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.events("Page.loadEventFired"):
                return
            self.b.pump(0.1)
        raise TimeoutError("the page did not load in %ss" % timeout)

    def eval(self, expr, timeout=None):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                           "awaitPromise": True}, timeout=timeout)
        if "exceptionDetails" in r:
            raise RuntimeError("in the page: %s" % r["exceptionDetails"].get("text"))
        return r.get("result", {}).get("value")

    def wait_for(self, expr, timeout=10.0, step=0.05):
        """Polls expr until it is truthy; returns (value, seconds waited)."""
        t0 = time.monotonic()
        while True:
            v = self.eval(expr)
            if v:
                return v, time.monotonic() - t0
            if time.monotonic() - t0 > timeout:
                return v, time.monotonic() - t0
            self.b.pump(step)

    def click(self, selector):
        """A real mouse click in the middle of the element (scrolled into view)."""
        box = self.eval("""(() => { const e = document.querySelector(%s);
            if (!e) return null; e.scrollIntoView({block: 'center'});
            const r = e.getBoundingClientRect();
            return [r.left + r.width / 2, r.top + r.height / 2, r.width, r.height]; })()""" % json.dumps(selector))
        if not box or box[2] == 0:
            raise LookupError("nothing to click at %s" % selector)
        for t in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": t, "x": box[0], "y": box[1],
                                                   "button": "left", "clickCount": 1})

    def type_text(self, text):
        self.call("Input.insertText", {"text": text})

    def key(self, key, code=None, vk=0):
        for t in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", {"type": t, "key": key, "code": code or key,
                                                 "windowsVirtualKeyCode": vk})

    def screenshot(self, path, full=False):
        p = {"format": "png"}
        if full:
            p["captureBeyondViewport"] = True
        r = self.call("Page.captureScreenshot", p, timeout=30)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))
