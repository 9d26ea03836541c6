#!/usr/bin/env python3
"""browser_test.py - door ui in a real browser (Debian's headless chromium).

Run by tests/cli/test-ui-browser.sh, which starts door ui and the real
servers this test looks at, and hands them over in the environment:

  UI_URL          the URL door ui printed (with its token)
  DOOR            the door binary (for door kill --dry-run's own words)
  UI_VICTIM       PORT:PID of a listener to free with a click
  UI_HOSTILE      PORT:PID of a listener whose name and argv are HTML
  UI_V6ONLY       PORT of an HTTP server on [::1] only
  UI_BUSY         PORT of a server for door explain to name
  UI_LISTENER_PY  tests/cli/listener.py, to start a server after the page loaded
  UI_SHOTS        a directory for the screenshots (ui.png, ui-dark.png, ui-narrow.png)

It prints one line per check, "ok - NAME" or "not ok - NAME" with "# "
lines after, as tests/cli/lib.sh does; the shell counts them.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402

results = {"ok": 0, "fail": 0}


def ok(name):
    results["ok"] += 1
    print("ok - " + name, flush=True)


def fail(name, *diag):
    results["fail"] += 1
    print("not ok - " + name, flush=True)
    for d in diag:
        for line in str(d).splitlines() or [""]:
            print("# " + line.encode("unicode_escape").decode("ascii"), flush=True)


def check(name, cond, *diag):
    (ok if cond else fail)(name, *(() if cond else diag))
    return cond


def env_pair(name):
    port, pid = os.environ[name].split(":")
    return int(port), int(pid)


def ss_doors():
    """The kernel's listening TCP and bound UDP ports, as ss sees them."""
    out = subprocess.run(["ss", "-Hltun"], capture_output=True, text=True, timeout=10).stdout
    doors = set()
    for line in out.splitlines():
        f = line.split()
        if len(f) < 5 or f[0] not in ("tcp", "udp"):
            continue
        port = f[4].rsplit(":", 1)[-1]
        if port.isdigit():
            doors.add((int(port), f[0]))
    return doors


def page_doors(p):
    return {(int(a), b) for a, b in p.eval(
        "Array.from(document.querySelectorAll('#rows tr')).map(r => [r.dataset.port, r.dataset.proto])")}


def row_sel(port, proto="tcp"):
    return '#rows tr[data-port="%d"][data-proto="%s"]' % (port, proto)


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read().rsplit(")", 1)[1].split()[0]
        return st not in ("Z", "X")
    except OSError:
        return False


def main():
    url = os.environ["UI_URL"]
    shots = os.environ["UI_SHOTS"]
    victim_port, victim_pid = env_pair("UI_VICTIM")
    hostile_port, hostile_pid = env_pair("UI_HOSTILE")
    v6_port = int(os.environ["UI_V6ONLY"])
    busy_port = int(os.environ["UI_BUSY"])
    late = None

    with cdp.Browser() as b:
        p = b.new_page(1280, 900)
        p.navigate(url)
        check("the token URL lands on / with the token gone from the address bar",
              p.eval("location.pathname + location.search") == "/", p.eval("location.href"))
        live, _ = p.wait_for("document.getElementById('live').textContent === 'live' && "
                             "document.querySelectorAll('#rows tr').length > 0", 60)
        if not check("the page loads with the cookie and goes live", live,
                     p.eval("document.getElementById('live').textContent"), p.errors):
            return
        check("the page's cookie is not visible to its scripts (HttpOnly)",
              "door_ui" not in p.eval("document.cookie"), p.eval("document.cookie"))

        # ---- the rows shown are the kernel's doors (ss), bounded retries:
        # the machine may open or close a door between the two looks
        for attempt in range(10):
            before = ss_doors()
            shown = page_doors(p)
            after = ss_doors()
            if before == after == shown:
                break
            b.pump(0.7)
        check("the rows shown match ss -ltun (port and protocol, every door)", before == after == shown,
              "only in ss: %s" % sorted((before & after) - shown),
              "only on the page: %s" % sorted(shown - (before | after)))
        cells = p.eval("Array.from(document.querySelectorAll('%s td')).map(c => c.textContent)"
                       % row_sel(victim_port))
        check("a row has the port, the protocol, the address, the pid and the process",
              cells and cells[0] == str(victim_port) and cells[1] == "tcp" and "127.0.0.1" in cells[2]
              and cells[3] == str(victim_pid) and cells[4] == "python3", cells)

        # ---- a server started after the page loaded appears, no reload
        late_port = int(os.environ["UI_LATE"])
        t0 = time.monotonic()
        late = subprocess.Popen([sys.executable, os.environ["UI_LISTENER_PY"], "--port", str(late_port),
                                 "--addr", "127.0.0.1", "--exit-after", "120"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # from the moment it listens
        for _ in range(100):
            if (late_port, "tcp") in ss_doors():
                break
            time.sleep(0.02)
        t_listen = time.monotonic()
        seen, waited = p.wait_for("!!document.querySelector('%s')" % row_sel(late_port), 20, step=0.02)
        took = time.monotonic() - t_listen
        check("a server started after the page loaded appears without a reload",
              seen, "not shown after %.1f s" % (time.monotonic() - t0))
        load = os.getloadavg()[0]
        if seen and took > 2.0 and load > 2 * (os.cpu_count() or 1):
            # the tick walks /proc for the new socket's owner: on a machine
            # this busy that alone can take longer; said, not hidden
            print("skip - ... within 2 s of listening # took %.2f s with a load average of %.1f on %d cores"
                  % (took, load, os.cpu_count() or 1), flush=True)
        else:
            check("... within 2 s of listening (%.2f s)" % took, seen and took <= 2.0, "took %.2f s" % took)
        check("... and the page did not reload", p.eval("performance.getEntriesByType('navigation').length") == 1)
        check("... it is marked new for a moment", seen and p.eval(
            "document.querySelector('%s').classList.contains('fresh')" % row_sel(late_port)))

        # ---- hostile names are text
        hrow = row_sel(hostile_port)
        name = p.eval("document.querySelector('%s td.c-proc').textContent" % hrow)
        with open("/proc/%d/comm" % hostile_pid) as f:
            comm = f.read().rstrip("\n")
        check("a process named <img src=x onerror=...> shows as those characters", name == comm,
              "shown %r, comm %r" % (name, comm))
        check("... and no element was made of it (no img but the logo)",
              p.eval("Array.from(document.querySelectorAll('img')).map(i => i.getAttribute('src'))") == ["/favicon.svg"],
              p.eval("Array.from(document.querySelectorAll('img')).map(i => i.outerHTML)"))
        p.click(hrow + " td.c-port")
        got, _ = p.wait_for("Array.from(document.querySelectorAll('#card-body dd')).map(d => d.textContent).join('\\n')", 60)
        check("its card shows the hostile command line as text", got and "<img src=x onerror=alert(1)>" in got
              and "<script>alert(2)</script>" in got, got)
        check("... still no element made of it", p.eval("document.querySelectorAll('script:not([src]), img[src=x]').length") == 0)
        b.pump(0.5)
        check("no script ran: no dialog opened", not p.dialogs, p.dialogs)

        # ---- the card: door who's
        p.click(row_sel(busy_port) + " td.c-port")
        dts, _ = p.wait_for("document.getElementById('card-h').textContent === '%d/tcp' && "
                            "Array.from(document.querySelectorAll('#card-body dt')).map(d => d.textContent)" % busy_port, 60)
        check("a click on a row opens its card: listening, process, command, directory, parent",
              dts and all(k in dts for k in ("listening", "process", "command", "directory", "parent")), dts)
        check("... with what answers (door who probes)", dts and "answers" in dts, dts)
        check("... and the row is marked as the open card",
              p.eval("document.querySelector('%s').classList.contains('selected')" % row_sel(busy_port)))

        # ---- keyboard: arrows between rows, Enter opens, Escape closes
        p.eval("document.querySelector('#rows tr').focus()")
        p.key("ArrowDown", vk=40)
        second = p.eval("document.activeElement.dataset.port")
        check("the down arrow moves to the next row",
              second == p.eval("document.querySelectorAll('#rows tr')[1].dataset.port"), second)
        p.key("Enter", vk=13)
        got, _ = p.wait_for("document.getElementById('card-h').textContent.startsWith('%s/')" % second, 60)
        check("Enter on a row opens its card", got, p.eval("document.getElementById('card-h').textContent"))
        p.key("Escape", code="Escape", vk=27)
        got, _ = p.wait_for("document.getElementById('card').hidden", 5)
        check("Escape closes the card", got)
        p.key("/", code="Slash", vk=191)
        check("/ goes to the filter", p.eval("document.activeElement.id") == "filter")
        p.type_text(str(hostile_port))
        b.pump(0.3)
        n = p.eval("document.querySelectorAll('#rows tr').length")
        check("the filter keeps only the matching rows", n >= 1 and all(
            str(hostile_port) in t for t in p.eval("Array.from(document.querySelectorAll('#rows tr')).map(r => r.textContent)")), n)
        p.eval("document.getElementById('filter').value = ''; document.getElementById('filter').dispatchEvent(new Event('input'))")

        # ---- free: the exact plan, a yes, the row goes
        p.click(row_sel(victim_port) + ' button[data-act="free"]')
        plan, _ = p.wait_for("document.getElementById('kill').open && !document.getElementById('kill-go').disabled && "
                             "document.getElementById('kill-plan').textContent", 120)
        dry = subprocess.run([os.environ["DOOR"], "kill", "--dry-run", str(victim_port)], capture_output=True,
                             text=True, timeout=120).stderr.replace("  plan: (dry run) ", "  plan: ")
        check("Free shows the plan door kill --dry-run prints", plan == dry, "page:", plan, "door kill:", dry)
        check("... naming the process and its pid", plan and ("python3 (%d)" % victim_pid) in plan, plan)
        check("... and signals nothing before the yes", alive(victim_pid))
        p.click("#kill-go")
        res, _ = p.wait_for("!document.getElementById('kill-result').hidden && "
                            "document.getElementById('kill-result').textContent.includes('free')", 120)
        check("the yes frees it, and the result says so", res,
              p.eval("document.getElementById('kill-result').textContent"))
        gone = False
        for _ in range(50):
            if not alive(victim_pid):
                gone = True
                break
            time.sleep(0.1)
        check("... the listener's process is gone", gone)
        got, waited = p.wait_for("!document.querySelector('%s')" % row_sel(victim_port), 30)
        check("... and its row disappears from the live table (%.1f s)" % waited, got)
        p.click("#kill-cancel")
        p.wait_for("!document.getElementById('kill').open", 5)

        # ---- door url: the verdict for a server on ::1 only
        p.eval("document.getElementById('url').focus()")
        p.type_text("http://127.0.0.1:%d/" % v6_port)
        p.click("#url-form button[type=submit]")
        verdict, _ = p.wait_for("document.querySelector('#url-out .verdict') && "
                                "!document.querySelector('#url-out .verdict').textContent.startsWith('door url') && "
                                "document.querySelector('#url-out').textContent", 60)
        if not verdict:
            verdict = p.eval("document.getElementById('url-out').textContent")
        check("a pasted URL of a ::1-only server fails at the door layer", verdict and "FAIL" in verdict
              and "door" in p.eval("document.querySelector('#url-out .layer') && "
                                   "document.querySelector('#url-out .layer').textContent || ''"), verdict)
        check("... and says why: it listens on [::1] only", verdict and ("[::1]:%d only (IPv6)" % v6_port) in verdict, verdict)

        # ---- door explain: a pasted bind error
        p.eval("document.getElementById('explain').focus()")
        p.type_text("nginx: [emerg] bind() to 0.0.0.0:%d failed (98: Address already in use)" % busy_port)
        p.click("#explain-form button[type=submit]")
        text, _ = p.wait_for("document.querySelector('#explain-out pre') && "
                             "document.querySelector('#explain-out pre').textContent", 60)
        check("a pasted bind error gets door explain's reading: who holds it, two ways out",
              text and "nginx could not listen" in text and "two ways out" in text, text)

        # ---- the screenshot for the README: the card open beside the table
        p.click(row_sel(busy_port) + " td.c-port")
        p.wait_for("document.querySelectorAll('#card-body dt').length > 3", 60)
        p.eval("window.scrollTo(0, 0)")
        p.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": 1270, "y": 890})
        b.pump(0.4)
        p.screenshot(os.path.join(shots, "ui.png"))
        check("a screenshot is taken", os.path.getsize(os.path.join(shots, "ui.png")) > 10000)

        # ---- prefers-color-scheme, a narrow window
        bg_light = p.eval("getComputedStyle(document.body).backgroundColor")
        p.resize(1280, 900, dark=True)
        b.pump(0.3)
        bg_dark = p.eval("getComputedStyle(document.body).backgroundColor")
        check("dark mode follows prefers-color-scheme", bg_light != bg_dark and bg_dark.startswith("rgb(1"),
              bg_light, bg_dark)
        p.screenshot(os.path.join(shots, "ui-dark.png"))
        p.resize(400, 860, dark=False)
        b.pump(0.4)
        sw = p.eval("document.documentElement.scrollWidth")
        check("a 400 px window needs no sideways scrolling (%s px)" % sw, sw <= 400, sw)
        layout = p.eval("getComputedStyle(document.querySelector('#rows tr')).display")
        check("... the rows become cards", layout == "grid", layout)
        p.screenshot(os.path.join(shots, "ui-narrow.png"))

        b.pump(0.3)
        check("no dialog opened during the whole visit", not p.dialogs, p.dialogs)
        check("no console error, exception or failed load during the whole visit", not p.errors, *p.errors)

    if late is not None:
        late.terminate()
        late.wait(timeout=10)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a crash of the driver is a failure, said
        fail("the browser test ran to its end", "%s: %s" % (type(e).__name__, e))
    print("# browser checks: %d ok, %d failed" % (results["ok"], results["fail"]))
    sys.exit(1 if results["fail"] else 0)
