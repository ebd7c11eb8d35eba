"""A real hotlined with a real browser caller, end to end (issue 17).

Python's standard library only; needs Debian's chromium-headless-shell (or
chromium) and `npm ci` in web/. Run from anywhere:

    python3 tests/browser/test_browser_e2e.py HOTLINED [-v]

HOTLINED is the server under test (ctest passes the build's). It is
started fresh on a free loopback port with a database of its own, and the
page it serves is opened in headless Chromium, which then does what a
student does: presses 1 and queries the demo account (the balance shows,
the password never does), chats in Chinese typed through an input method
with a telnet caller made of a raw socket, taps the on-page keypad,
resizes the window and sees the new size in /wire (key 8) beside the
transport and its own User-Agent, and closes the tab, which the room
announces. A caller that sends nothing still hears the greeting on the
same port while the browser is connected, and at the end the server
stops cleanly on SIGTERM.

The screenshot hotline-e2e.png is kept in $HOTLINE_ARTIFACTS (default:
the system's temporary directory). The cases run in order on one call.
"""

import os
import re
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cdp import Browser  # noqa: E402
from live import (ACCOUNT_MENU, ASK_NUMBER, ASK_PASSWORD, IAC,  # noqa: E402
                  MASKED, NUMBER, PASSWORD, ROOT, WAIT, WELCOME, WILL,
                  Caller, Server)

ARTIFACTS = os.environ.get("HOTLINE_ARTIFACTS", tempfile.gettempdir())

LANGUAGE_MENU = "语言与编码 / Language and encoding"
BALANCE = "当前余额为 88.50 元"


def last_window(lines):
    """The window size in the last /wire shown, as (cols, rows)."""
    sizes = [m.groups() for m in
             (re.search(r"窗口大小:\s*(\d+)x(\d+)", line) for line in lines)
             if m]
    if not sizes:
        raise AssertionError("no window size on the screen:\n%s"
                             % "\n".join(lines))
    return int(sizes[-1][0]), int(sizes[-1][1])


class BrowserE2ETest(unittest.TestCase):
    """One hotlined, one browser call and one telnet caller, in order."""

    hotlined = None
    guest = None

    @classmethod
    def setUpClass(cls):
        if not cls.hotlined or not os.access(cls.hotlined, os.X_OK):
            raise RuntimeError("usage: test_browser_e2e.py HOTLINED [-v]"
                               " (got %r)" % cls.hotlined)
        xterm = os.path.join(ROOT, "web", "xterm", "xterm.js")
        if not os.path.isfile(xterm):
            raise RuntimeError("%s is missing: run `npm ci` in web/" % xterm)
        cls.server = Server(cls.hotlined, "hotline-e2e-")
        cls.telnet = None
        cls.browser = None
        try:
            cls.telnet = Caller(cls.server.port)
            cls.telnet.wait_text(WELCOME)
            cls.browser = Browser(width=1000, height=700)
            cls.browser.navigate(cls.server.url())
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.browser:
            cls.browser.close()
        if cls.telnet:
            cls.telnet.close()
        cls.server.stop()
        cls.server.remove()

    def count(self, text):
        """On how many lines of the terminal text shows."""
        return sum(text in line for line in self.browser.lines())

    def wait_more(self, text, than, timeout=WAIT):
        """Waits until text shows on more lines than it did."""
        deadline = time.monotonic() + timeout
        while self.count(text) <= than:
            if time.monotonic() > deadline:
                raise AssertionError("%r never showed again; the screen:\n%s"
                                     % (text, self.browser.screen()))
            time.sleep(0.05)

    def keys(self, text):
        """Presses the keys of an ASCII text, one by one."""
        for ch in text:
            self.browser.press_char(ch)

    def test_1_query_shows_balance_never_password(self):
        b = self.browser
        b.wait_screen(WELCOME)
        b.wait_screen("请按键选择:")
        b.wait_for("hotline.state() === 'connected'")
        b.press_char("1")
        b.wait_screen(ASK_NUMBER)
        self.keys(NUMBER)
        b.press_enter()
        b.wait_screen(ASK_PASSWORD)
        self.keys(PASSWORD)
        b.press_enter()
        b.wait_screen(ACCOUNT_MENU)
        b.press_char("1")
        shown = b.wait_screen(BALANCE)
        self.assertIn("张三,您好!您的号码 %s %s" % (MASKED, BALANCE), shown)
        # The number was echoed as typed; the password, with echo off, not.
        self.assertIn(NUMBER, shown)
        self.assertNotIn(PASSWORD, shown)

    def test_2_chat_with_telnet_both_ways(self):
        b, t = self.browser, self.telnet
        t.send("4\r\n")
        banner = t.wait_text("直接输入文字并回车即可发言")
        guest = re.search(r"您的昵称是 ([^\s。]+)。", banner).group(1)
        type(self).guest = guest
        # Key # goes to the main menu and 4 to the room, where a caller
        # who logged in is known by the masked number.
        menus = self.count(WELCOME)
        b.press_char("#")
        self.wait_more(WELCOME, menus)
        b.press_char("4")
        b.wait_screen("您的昵称是 %s。" % MASKED)
        t.wait_text("*** %s 进入了聊天室" % MASKED)
        # Browser to telnet, Chinese committed by an input method.
        b.insert_text("大家好,我在浏览器里")
        b.wait_screen("大家好,我在浏览器里")
        b.press_enter()
        t.wait_text("%s: 大家好,我在浏览器里" % MASKED)
        # Telnet to browser.
        t.send("你好,浏览器!\r\n")
        b.wait_screen("%s: 你好,浏览器!" % guest)

    def test_3_keypad_taps_are_keys(self):
        b, t = self.browser, self.telnet
        # In the room the taps are text, echoed and sent with Enter.
        for key in "123*0#":
            b.click("#keypad [data-key='%s']" % key)
        b.wait_screen("123*0#")
        b.press_enter()
        t.wait_text("%s: 123*0#" % MASKED)
        b.insert_text("/menu")
        b.press_enter()
        t.wait_text("*** %s 离开了(返回主菜单)" % MASKED)
        b.wait_screen(WELCOME)
        # At a menu a tap acts at once, as a key does: 9 and then #.
        b.click("#keypad [data-key='9']")
        b.wait_screen(LANGUAGE_MENU)
        menus = self.count(WELCOME)
        b.click("#keypad [data-key='#']")
        self.wait_more(WELCOME, menus)

    def test_4_wire_shows_resized_window(self):
        b = self.browser
        first = b.evaluate("[hotline.term.cols, hotline.term.rows]")
        b.resize(640, 480)
        b.wait_for("hotline.term.cols < %d" % first[0])
        cols, rows = b.evaluate("[hotline.term.cols, hotline.term.rows]")
        # The page sent NAWS on the resize, before this key.
        wires = self.count("窗口大小:")
        b.press_char("8")
        self.wait_more("窗口大小:", wires)
        lines = b.lines()
        self.assertEqual(last_window(lines), (cols, rows))
        wire = "\n".join(lines)
        self.assertIn("xterm-256color", wire)
        self.assertRegex(wire,
                         r"连接方式:\s*TCP 上的 WebSocket \(由 HTTP 升级而来\)")
        agent = b.evaluate("navigator.userAgent")
        self.assertRegex(wire, re.compile(r"浏览器:\s*" + re.escape(agent)
                                          + "$", re.M))
        b.resize(1000, 700)
        b.wait_for("hotline.term.cols === %d" % first[0])
        cols, rows = b.evaluate("[hotline.term.cols, hotline.term.rows]")
        b.press_char("8")
        deadline = time.monotonic() + WAIT
        while last_window(b.lines()) != (cols, rows):
            self.assertLess(time.monotonic(), deadline,
                            "/wire never showed %dx%d" % (cols, rows))
            time.sleep(0.05)

    def test_5_silent_caller_hears_greeting(self):
        # nc sends nothing: the port must still take it for telnet, with
        # the browser's call up on the same port.
        self.assertEqual(self.browser.evaluate("hotline.state()"),
                         "connected")
        silent = Caller(self.server.port, answer=False)
        try:
            heard = silent.wait_text("请按键选择:")
        finally:
            silent.close()
        self.assertIn(WELCOME, heard)
        self.assertIn(bytes([IAC, WILL, 1]), silent.raw)
        self.assertEqual(self.browser.evaluate("hotline.state()"),
                         "connected")

    def test_6_screenshot_in_the_room(self):
        b, t = self.browser, self.telnet
        said = "%s: 你好,浏览器!" % self.guest
        before = self.count(said)
        b.press_char("4")
        t.wait_text("*** %s 进入了聊天室" % MASKED, times=2)
        # Back in the room the history shows the earlier lines again.
        self.wait_more(said, before)
        t.send("欢迎回来\r\n")
        b.wait_screen("欢迎回来")
        # The text is in the buffer; give the renderer a frame or two.
        time.sleep(0.3)
        path = os.path.join(ARTIFACTS, "hotline-e2e.png")
        b.screenshot(path)
        with open(path, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        self.assertGreater(os.path.getsize(path), 1000)

    def test_7_closed_tab_leaves_the_room(self):
        t = self.telnet
        self.browser.close_page()
        t.wait_text("*** %s 离开了(挂断)" % MASKED)

    def test_8_server_stops_cleanly(self):
        self.assertEqual(self.server.stop(), 0, self.server.log())
        log = self.server.log()
        self.assertNotIn("AddressSanitizer", log)
        self.assertNotIn("runtime error", log)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        BrowserE2ETest.hotlined = sys.argv.pop(1)
    else:
        BrowserE2ETest.hotlined = os.environ.get("HOTLINE_E2E_HOTLINED")
    unittest.main()
