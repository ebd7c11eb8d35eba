"""The browser page (web/) in a real headless Chromium, against standin.

Python's standard library only; needs Debian's chromium-headless-shell (or
chromium) and `npm ci` in web/. Run from anywhere:

    python3 tests/browser/test_page.py [-v]

Screenshots are kept in $HOTLINE_ARTIFACTS (default: the system's
temporary directory) as hotline-page.png and hotline-hangup.png.

It proves the page's half of issue 17: it connects to /ws, takes
character mode, says its terminal type and window size (again on a
resize), shows Chinese split across frames whole and double width, sends
keys, input-method text and keypad taps as telnet bytes, and after a
hang-up calls again only when Enter is pressed. It also checks that
xterm.js and common/utf8.c agree on the width of every character of the
default menus.
"""

import glob
import json
import os
import re
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cdp import Browser  # noqa: E402
from standin import StandIn, IAC, DONT, DO, WONT, WILL, SB, SE  # noqa: E402
from standin import NEW_ENVIRON, STATUS  # noqa: E402
from standin import ECHO, SGA, BINARY, TTYPE, NAWS  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
ARTIFACTS = os.environ.get("HOTLINE_ARTIFACTS", tempfile.gettempdir())


def naws(received):
    """Every window size the caller sent, in order, as (cols, rows)."""
    sizes = []
    for m in re.finditer(rb"\xff\xfa\x1f((?:\xff\xff|[^\xff]){4})\xff\xf0",
                         bytes(received), re.S):
        body = m.group(1).replace(b"\xff\xff", b"\xff")
        sizes.append((body[0] << 8 | body[1], body[2] << 8 | body[3]))
    return sizes


def wait_bytes(call, want, timeout=5.0):
    """Waits until the call received want."""
    deadline = time.monotonic() + timeout
    while want not in call.received:
        if time.monotonic() > deadline:
            raise AssertionError("never received %r; got %s"
                                 % (want, call.received.hex(" ")))
        time.sleep(0.02)


def server_widths():
    """utf8_width() as common/utf8.c has it, read from its tables."""
    with open(os.path.join(ROOT, "common", "utf8.c"),
              encoding="utf-8") as f:
        src = f.read()

    def table(name):
        body = re.search(name + r"\[\] = \{(.*?)\};", src, re.S).group(1)
        return [(int(a, 16), int(b, 16)) for a, b in
                re.findall(r"\{ (0x[0-9a-f]+), (0x[0-9a-f]+) \}", body)]

    zero, wide = table("utf8_zero_width"), table("utf8_wide")

    def width(cp):
        if cp < 0x20 or 0x7f <= cp < 0xa0:
            return 0
        if any(a <= cp <= b for a, b in zero):
            return 0
        return 2 if any(a <= cp <= b for a, b in wide) else 1
    return width


class PageTest(unittest.TestCase):
    """One browser and one stand-in for all the cases, in order."""

    @classmethod
    def setUpClass(cls):
        xterm = os.path.join(ROOT, "web", "xterm", "xterm.js")
        if not os.path.isfile(xterm):
            raise RuntimeError("%s is missing: run `npm ci` in web/" % xterm)
        cls.server = StandIn()
        cls.browser = Browser(width=1000, height=700)
        cls.browser.navigate(cls.server.url())

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.server.close()

    def status(self):
        return self.browser.evaluate(
            "document.getElementById('status-text').textContent")

    def test_1_call_negotiates_and_shows_greeting(self):
        b = self.browser
        # The first frame held one byte of 您: it must still show whole.
        shown = b.wait_screen("您好,欢迎致电 10086 中国移动")
        self.assertIn("请按键选择:1 查询话费", shown)
        b.wait_for("hotline.state() === 'connected'")
        self.assertIn("connected", self.status())
        call = self.server.wait_call(1)
        wait_bytes(call, b"xterm-256color")
        got = bytes(call.received)
        for answer in ([IAC, DO, ECHO], [IAC, DO, SGA], [IAC, DO, BINARY],
                       [IAC, WILL, BINARY], [IAC, WILL, NAWS],
                       [IAC, WILL, TTYPE]):
            self.assertIn(bytes(answer), got)
        self.assertIn(bytes([IAC, WONT, NEW_ENVIRON]), got)
        self.assertIn(bytes([IAC, DONT, STATUS]), got)
        self.assertIn(bytes([IAC, SB, TTYPE, 0]) + b"xterm-256color"
                      + bytes([IAC, SE]), got)
        cols, rows = b.evaluate("[hotline.term.cols, hotline.term.rows]")
        self.assertEqual(naws(got)[-1], (cols, rows))
        self.assertGreater(cols, 80)

    def test_2_keys_and_input_method_text(self):
        b = self.browser
        call = self.server.wait_call(1)
        b.press_char("1")
        wait_bytes(call, b"1")
        b.insert_text("你好,世界")
        wait_bytes(call, "你好,世界".encode())
        # The stand-in echoes: CJK takes two cells each, the comma one.
        b.wait_screen("1你好,世界")
        x0 = b.evaluate("hotline.term.buffer.active.cursorX")
        b.insert_text("中文")
        wait_bytes(call, "中文".encode())
        b.wait_screen("世界中文")
        self.assertEqual(b.evaluate("hotline.term.buffer.active.cursorX"),
                         x0 + 4)
        b.press_enter()
        wait_bytes(call, "中文\r".encode())
        # Binary mode both ways: Enter is a bare CR, as inetutils sends it.
        self.assertFalse(bytes(call.received).endswith(b"\r\x00"))

    def test_3_keypad_sends_the_keys(self):
        b = self.browser
        call = self.server.wait_call(1)
        for key, selector in (("#", "#keypad [data-key='#']"),
                              ("9", "#keypad [data-key='9']"),
                              ("*", "#keypad [data-key='*']")):
            before = len(call.received)
            b.click(selector)
            wait_bytes(call, key.encode())
            self.assertEqual(bytes(call.received[before:]), key.encode())

    def test_4_resize_sends_naws(self):
        b = self.browser
        call = self.server.wait_call(1)
        first = naws(call.received)[-1]
        b.resize(640, 480)
        b.wait_for("hotline.term.cols < %d" % first[0])
        cols, rows = b.evaluate("[hotline.term.cols, hotline.term.rows]")
        deadline = time.monotonic() + 5
        while naws(call.received)[-1] != (cols, rows):
            self.assertLess(time.monotonic(), deadline,
                            "no NAWS for %dx%d" % (cols, rows))
            time.sleep(0.02)
        # 255 columns: the 0xff in the size goes out doubled.
        b.evaluate("hotline.term.resize(255, 30)")
        wait_bytes(call, bytes([IAC, SB, NAWS, 0, 255, 255, 0, 30, IAC,
                                SE]))
        self.assertEqual(naws(call.received)[-1], (255, 30))
        b.resize(1000, 700)
        b.wait_for("hotline.term.cols === %d" % first[0])
        time.sleep(0.3)
        b.screenshot(os.path.join(ARTIFACTS, "hotline-page.png"))

    def test_5_hangup_then_enter_calls_again(self):
        b = self.browser
        call = self.server.wait_call(1)
        b.press_char("3")
        self.assertTrue(call.ended.wait(5))
        b.wait_screen("press Enter to call again")
        b.wait_for("hotline.state() === 'disconnected'")
        self.assertIn("disconnected", self.status())
        # Nothing calls by itself, and other keys do not either.
        b.press_char("1")
        b.click("#keypad [data-key='5']")
        time.sleep(1.0)
        self.assertEqual(len(self.server.calls), 1)
        b.screenshot(os.path.join(ARTIFACTS, "hotline-hangup.png"))
        b.press_enter()
        second = self.server.wait_call(2)
        wait_bytes(second, b"xterm-256color")
        b.wait_for("hotline.state() === 'connected'")
        screen = b.screen()
        self.assertEqual(screen.count("查询话费"), 2)

    def test_6_no_refusals_but_xterms_styles(self):
        # xterm.js adds <style> elements, refused by default-src 'self'
        # and copied by hotline.js; nothing else may be refused.
        for text in self.browser.security_errors():
            self.assertIn("Applying inline style", text)
        self.assertEqual(self.browser.console_errors(), [])
        self.assertGreaterEqual(
            self.browser.evaluate("document.adoptedStyleSheets.length"), 2)

    def test_7_menu_widths_agree_with_server(self):
        chars = set()
        for name in glob.glob(os.path.join(ROOT, "menus", "*.y*ml")):
            with open(name, encoding="utf-8") as f:
                chars.update(c for c in f.read() if ord(c) >= 0x80)
        chars = sorted(chars)
        self.assertGreater(len(chars), 100)
        # A terminal of its own, never opened: xterm's parser alone.
        xterm = self.browser.evaluate(
            "(async () => { const t = new Terminal({cols: 10, rows: 1});"
            " const out = [];"
            " for (const c of Array.from(%s)) {"
            "  await new Promise((r) => t.write('\\r\\x1b[K' + c, r));"
            "  out.push(t.buffer.active.cursorX); }"
            " t.dispose(); return out; })()" % json.dumps("".join(chars)))
        width = server_widths()
        differ = ["U+%04X %s xterm %d server %d" % (ord(c), c, x, width(
            ord(c))) for c, x in zip(chars, xterm) if x != width(ord(c))]
        self.assertEqual(differ, [])


if __name__ == "__main__":
    unittest.main()
