"""cdp: drives a headless Chromium over the DevTools protocol.

Python's standard library only. Chromium is started with
--remote-debugging-pipe: it reads commands on its fd 3 and writes answers
and events on its fd 4, each a JSON message ended by a NUL byte. One page
is opened and attached with a flat session; everything a browser test
needs goes through it: navigate, evaluate, type, resize, screenshot,
close the page as a tab, record what the page's Content-Security-Policy
refuses, and read the xterm.js screen of web/index.html
(window.hotline.term).

It knows nothing of telnet or of the server behind the page.
"""

import base64
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time

# The Debian packages' names for the browser, the smaller first.
BROWSERS = ("chromium-headless-shell", "chromium")

# Signs typed with Shift on a US keyboard: their key's code and virtual
# key code. ord("#") as a key code would be VK_END, which xterm.js sends
# as the End key's escape sequence.
SHIFTED = {"#": ("Digit3", 0x33), "*": ("Digit8", 0x38)}

# How long one protocol command may take before the test fails.
COMMAND_TIMEOUT = 30.0


class CdpError(Exception):
    """A protocol error, a time-out or a browser that went away."""


def find_browser():
    """The path of an installed headless Chromium, or None."""
    env = os.environ.get("HOTLINE_CHROMIUM")
    if env:
        return env
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def _above(fd, low):
    """fd moved to a number >= low (the old one is closed)."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, low)
    os.close(fd)
    return moved


class Browser:
    """One headless Chromium with one page; close() ends it."""

    def __init__(self, width=1000, height=700, browser=None):
        self.path = browser or find_browser()
        if self.path is None:
            raise CdpError("no headless Chromium: apt-get install "
                           "chromium-headless-shell")
        self.profile = tempfile.mkdtemp(prefix="hotline-chromium-")
        self.events = []
        self.next_id = 0
        self.pending = b""
        self.session = None
        self.target = None
        # to_browser: we write, it reads as fd 3; from_browser: the reverse.
        cmd_r, self.cmd_w = os.pipe()
        self.res_r, res_w = os.pipe()
        # Above 4, so moving them onto 3 and 4 cannot close one of them.
        cmd_r, res_w = _above(cmd_r, 10), _above(res_w, 10)
        args = [self.path, "--headless", "--no-sandbox",
                "--remote-debugging-pipe",
                "--user-data-dir=" + self.profile,
                "--no-first-run", "--no-default-browser-check",
                "--disable-gpu", "--disable-extensions",
                "--window-size=%d,%d" % (width, height)]
        # bash (dash takes one-digit fds only) puts our pipe ends on the
        # browser's fds 3 and 4.
        shell = 'exec "$@" 3<&%d 4>&%d %d<&- %d>&-' % (cmd_r, res_w,
                                                       cmd_r, res_w)
        self.proc = subprocess.Popen(
            ["bash", "-c", shell, "bash"] + args, pass_fds=(cmd_r, res_w),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(cmd_r)
        os.close(res_w)
        try:
            self._open_page(width, height)
        except Exception:
            self.close()
            raise

    def _open_page(self, width, height):
        """Makes a blank page and attaches to it with a flat session."""
        target = self.command("Target.createTarget", {"url": "about:blank"},
                              session=False)
        attached = self.command("Target.attachToTarget",
                                {"targetId": target["targetId"],
                                 "flatten": True}, session=False)
        self.target = target["targetId"]
        self.session = attached["sessionId"]
        self.command("Page.enable")
        self.command("Runtime.enable")
        self.command("Log.enable")
        # A headless page has no window focus unless asked: xterm needs it.
        self.command("Emulation.setFocusEmulationEnabled", {"enabled": True})
        self.resize(width, height)

    def close_page(self):
        """Closes the page as a user closes its tab; the browser stays."""
        self.command("Target.closeTarget", {"targetId": self.target},
                     session=False)
        self.session = None

    def close(self):
        """Ends the browser (its whole process group) and its profile."""
        if self.proc.poll() is None:
            try:
                self.command("Browser.close", session=False, timeout=5)
            except (CdpError, OSError):
                pass
        try:
            os.close(self.cmd_w)
        except OSError:
            pass
        try:
            # Debian's chromium-headless-shell is a shell script that does
            # not exec: waiting for it is waiting for the browser.
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        try:
            os.close(self.res_r)
        except OSError:
            pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read_message(self, deadline):
        """The next message from the browser, or None at the deadline."""
        while b"\0" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.res_r], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.res_r, 1 << 20)
            if not chunk:
                raise CdpError("the browser closed its pipe")
            self.pending += chunk
        msg, self.pending = self.pending.split(b"\0", 1)
        return json.loads(msg)

    def command(self, method, params=None, session=True,
                timeout=COMMAND_TIMEOUT):
        """Sends one command and returns its result; events are kept."""
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply is None:
                raise CdpError("%s: no answer in %.0f s" % (method, timeout))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise CdpError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def poll_events(self, seconds=0.0):
        """Collects the events that arrive within seconds."""
        deadline = time.monotonic() + seconds
        while True:
            msg = self._read_message(deadline)
            if msg is None:
                return
            if "method" in msg:
                self.events.append(msg)

    def navigate(self, url, timeout=COMMAND_TIMEOUT):
        """Opens url and waits for its load event."""
        self.events = [e for e in self.events
                       if e["method"] != "Page.loadEventFired"]
        self.command("Page.navigate", {"url": url})
        deadline = time.monotonic() + timeout
        while not any(e["method"] == "Page.loadEventFired"
                      for e in self.events):
            if time.monotonic() > deadline:
                raise CdpError("%s: not loaded in %.0f s" % (url, timeout))
            self.poll_events(0.1)

    def evaluate(self, expression):
        """The value of a JavaScript expression (promises awaited)."""
        result = self.command("Runtime.evaluate",
                              {"expression": expression,
                               "returnByValue": True,
                               "awaitPromise": True})
        if "exceptionDetails" in result:
            raise CdpError("%s: %s" % (expression,
                                       result["exceptionDetails"]))
        return result["result"].get("value")

    def wait_for(self, expression, timeout=10.0):
        """Waits until expression is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise CdpError("still false after %.0f s: %s"
                               % (timeout, expression))
            time.sleep(0.05)

    def screen(self):
        """The terminal's active buffer as text, one line per row."""
        return self.evaluate(
            "(() => { const b = window.hotline.term.buffer.active;"
            " const out = [];"
            " for (let i = 0; i < b.length; i++)"
            "  out.push(b.getLine(i).translateToString(true));"
            " return out.join('\\n'); })()")

    def lines(self):
        """The active buffer as logical lines: wrapped rows joined."""
        return self.evaluate(
            "(() => { const b = window.hotline.term.buffer.active;"
            " const out = [];"
            " for (let i = 0; i < b.length; i++) {"
            "  const l = b.getLine(i), next = b.getLine(i + 1);"
            "  let end = l.length;"
            # A row that goes on below keeps a space at the wrap but not
            # its empty cells (one is left where a wide character did not
            # fit); an empty cell has no text and a width of 1.
            "  while (end > 0 && l.getCell(end - 1).getChars() === ''"
            "         && l.getCell(end - 1).getWidth() === 1) end--;"
            "  const t = next && next.isWrapped ?"
            "   l.translateToString(false, 0, end) :"
            "   l.translateToString(true);"
            "  if (l.isWrapped && out.length) out[out.length - 1] += t;"
            "  else out.push(t); }"
            " return out; })()")

    def wait_screen(self, text, timeout=10.0):
        """Waits until the terminal shows text; returns the screen."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if text in shown:
                return shown
            if time.monotonic() > deadline:
                raise CdpError("the screen never showed %r; it shows:\n%s"
                               % (text, shown))
            time.sleep(0.05)

    def insert_text(self, text):
        """Types text as an input method commits it."""
        self.command("Input.insertText", {"text": text})

    def key(self, key, code, keycode, text=None):
        """Presses and releases one key."""
        down = {"type": "keyDown", "key": key, "code": code,
                "windowsVirtualKeyCode": keycode}
        if text is not None:
            down["text"] = text
        self.command("Input.dispatchKeyEvent", down)
        self.command("Input.dispatchKeyEvent",
                     {"type": "keyUp", "key": key, "code": code,
                      "windowsVirtualKeyCode": keycode})

    def press_enter(self):
        """Presses Enter."""
        self.key("Enter", "Enter", 13, "\r")

    def press_char(self, ch):
        """Presses the key of one letter, digit or keypad sign (* #)."""
        if ch in SHIFTED:
            code, keycode = SHIFTED[ch]
        elif ch.isdigit():
            code, keycode = "Digit" + ch, ord(ch)
        else:
            code, keycode = "Key" + ch.upper(), ord(ch.upper())
        self.key(ch, code, keycode, ch)

    def click(self, selector):
        """Clicks the middle of the element selector names."""
        box = self.evaluate(
            "(() => { const r = document.querySelector(%s)"
            ".getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
            % json.dumps(selector))
        for kind in ("mousePressed", "mouseReleased"):
            self.command("Input.dispatchMouseEvent",
                         {"type": kind, "x": box[0], "y": box[1],
                          "button": "left", "clickCount": 1})

    def resize(self, width, height):
        """Gives the page a viewport of width x height CSS pixels."""
        self.command("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": height,
                      "deviceScaleFactor": 1, "mobile": False})

    def screenshot(self, path):
        """Saves a PNG of the page to path."""
        data = self.command("Page.captureScreenshot", {"format": "png"})
        with open(path, "wb") as f:
            f.write(base64.b64decode(data["data"]))

    def console_errors(self):
        """Console errors and exceptions seen so far, as text."""
        self.poll_events(0)
        out = []
        for e in self.events:
            if e["method"] == "Runtime.exceptionThrown":
                out.append(json.dumps(e["params"]["exceptionDetails"]))
            elif (e["method"] == "Runtime.consoleAPICalled"
                  and e["params"]["type"] == "error"):
                out.append(json.dumps(e["params"]["args"]))
        return out

    def record_violations(self):
        """From the next page on, keeps every securitypolicyviolation
        event the page sees, for violations(). DevTools runs the
        listener before the page's own scripts, and no CSP refuses it.
        """
        self.command("Page.addScriptToEvaluateOnNewDocument",
                     {"source": "window.__cspViolations = [];"
                      " document.addEventListener('securitypolicyviolation',"
                      " (e) => window.__cspViolations.push("
                      "[e.effectiveDirective, e.blockedURI]));"})

    def violations(self):
        """What the page's CSP refused since it loaded, as [directive,
        blocked URI] (the URI 'wasm-eval' for WebAssembly, 'inline' for
        inline code); record_violations() must have come first."""
        return self.evaluate("window.__cspViolations")

    def security_errors(self):
        """What the browser refused for security (CSP), as text."""
        self.poll_events(0)
        return [e["params"]["entry"]["text"] for e in self.events
                if e["method"] == "Log.entryAdded"
                and e["params"]["entry"]["source"] == "security"]
