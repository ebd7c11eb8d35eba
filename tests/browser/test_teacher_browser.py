"""The teacher's view on a real hotlined, with a real telnet caller (issue 18).

Python's standard library only; needs Debian's chromium-headless-shell (or
chromium) and `npm ci` in web/ (viz.js). Run from anywhere:

    python3 tests/browser/test_teacher_browser.py HOTLINED [-v]

HOTLINED is the server under test (ctest passes the build's). It is
started fresh on a free loopback port with a database of its own; the
teacher's link it prints (`teacher's view: http://...#key=KEY`) is opened
in headless Chromium, which logs in by itself. Then a raw-socket telnet
caller in character mode does what a student does, and the page must
follow: key 1 puts it in QUERY_NUMBER, which the table shows and the
graph counts on zh-CN/flow:query, moved by the event stream alone (the
page's once-a-second reading is turned off); it logs in as the demo
account, and its wire, opened by a click on its row, shows the telnet
negotiation by name (IAC WILL ECHO) and the password's bytes masked,
while the password itself is nowhere in the page; it chats, and the room
shows its lines; the teacher's /wall reaches it. Nothing is refused by
the page's Content-Security-Policy, and the server stops cleanly.

The screenshot teacher-e2e.png is kept in $HOTLINE_ARTIFACTS (default:
the system's temporary directory). The cases run in order on one call.
"""

import json
import os
import re
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cdp import Browser, CdpError  # noqa: E402
from live import (ACCOUNT_MENU, ASK_NUMBER, ASK_PASSWORD, ECHO,  # noqa: E402
                  MASKED, NUMBER, PASSWORD, ROOT, SGA, WAIT, WELCOME, Caller,
                  Server)
from teacher_js import BADGE_JS, ROOM_JS  # noqa: E402

ARTIFACTS = os.environ.get("HOTLINE_ARTIFACTS", tempfile.gettempdir())

PRESS = "请按键选择:"
# The password's bytes as the wire view's hex dump would show them.
PASSWORD_HEX = " ".join("%02x" % ord(c) for c in PASSWORD)

QUERY_NODE = "zh-CN/flow:query"
CHAT_NODE = "zh-CN/flow:chat"

# The class table as text: one list of cell texts a row, by session id.
ROWS_JS = """Object.fromEntries(Array.from(
  document.querySelectorAll('#sessions tbody tr[data-id]'),
  (tr) => [tr.dataset.id, Array.from(tr.cells, (td) => td.textContent)]))"""


class TeacherE2ETest(unittest.TestCase):
    """One hotlined, one teacher's page and one telnet caller, in order."""

    hotlined = None
    caller_id = None

    @classmethod
    def setUpClass(cls):
        if not cls.hotlined or not os.access(cls.hotlined, os.X_OK):
            raise RuntimeError("usage: test_teacher_browser.py HOTLINED [-v]"
                               " (got %r)" % cls.hotlined)
        viz = os.path.join(ROOT, "web", "viz", "viz.js")
        if not os.path.isfile(viz):
            raise RuntimeError("%s is missing: run `npm ci` in web/" % viz)
        cls.server = Server(cls.hotlined, "hotline-teacher-e2e-",
                            teacher=True)
        cls.browser = None
        cls.caller = None
        try:
            cls.browser = Browser(width=1600, height=900)
            cls.browser.record_violations()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.browser:
            cls.browser.close()
        if cls.caller:
            cls.caller.close()
        cls.server.stop()
        cls.server.remove()

    def settle(self, expression, timeout=WAIT):
        """Waits until expression is truthy in the page; returns its value.
        While the login page reloads /teacher an evaluation may fail, and
        is tried again."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.browser.evaluate(expression)
            except CdpError:
                value = None
            if value:
                return value
            self.assertLess(time.monotonic(), deadline,
                            "still false after %.0f s: %s"
                            % (timeout, expression))
            time.sleep(0.05)

    def row(self):
        """The caller's row in the class table, as its cells' texts."""
        return self.browser.evaluate(ROWS_JS).get(str(self.caller_id))

    def wire_text(self):
        """The wire view's lines, as one text."""
        return "\n".join(self.browser.evaluate("window.teacher.wire.text()"))

    def test_1_link_opens_the_view(self):
        b, srv = self.browser, self.server
        b.navigate(srv.url("/teacher#key=" + srv.key))
        # The login page logs in with the key and reloads /teacher.
        self.settle("window.teacher !== undefined &&"
                    " document.getElementById('sessions') !== null",
                    timeout=15)
        self.assertEqual(b.evaluate("window.teacher.ready"), "drawn")
        b.evaluate("window.teacher.started")
        self.assertEqual(b.evaluate("location.href"), srv.url("/teacher"))
        self.assertNotIn(srv.key, b.evaluate("document.body.innerText"))
        # No callers yet; the graph has the node the caller will reach.
        self.assertEqual(b.evaluate(ROWS_JS), {})
        self.assertIn(QUERY_NODE,
                      b.evaluate("window.teacher.graph.nodeNames()"))
        # From here only the event stream moves the table and the graph:
        # the page's own once-a-second reading would hide a lost event.
        b.evaluate("window.teacher.ticking = false")

    def test_2_key_1_moves_the_caller_on_the_page(self):
        b = self.browser
        caller = type(self).caller = Caller(self.server.port, take=(ECHO, SGA))
        caller.wait_text(PRESS)
        # The connect event brings the row, in character mode at main.
        peer = caller.peer()
        rows = self.settle("(() => { const r = Object.entries(%s)"
                           ".find(([id, c]) => c[1] === %s);"
                           " return r && r[1][5].startsWith('MENU') && r;"
                           " })()" % (ROWS_JS, json.dumps(peer)))
        type(self).caller_id = int(rows[0])
        self.assertEqual(rows[1][2:5], ["telnet", "character",
                                        "zh-CN · utf-8"])
        self.assertIsNone(b.evaluate(BADGE_JS % json.dumps(QUERY_NODE)))
        self.assertEqual(b.evaluate(BADGE_JS % json.dumps("zh-CN/main")),
                         "1")
        caller.send("1")
        caller.wait_text(ASK_NUMBER)
        # The state event alone (ticking is off) moves row and badge.
        self.settle("(() => { const r = %s[%s];"
                    " return r && r[5].startsWith('QUERY_NUMBER'); })()"
                    % (ROWS_JS, json.dumps(str(self.caller_id))))
        self.settle(BADGE_JS % json.dumps(QUERY_NODE) + " === '1'")
        self.assertIsNone(b.evaluate(BADGE_JS % json.dumps("zh-CN/main")))

    def test_3_password_masked_on_the_wire(self):
        b, caller = self.browser, self.caller
        caller.send(NUMBER + "\r\n")
        caller.wait_text(ASK_PASSWORD)
        caller.send(PASSWORD + "\r\n")
        caller.wait_text(ACCOUNT_MENU)
        self.settle("(() => { const r = %s[%s];"
                    " return r && r[5] === 'MENU (account)'; })()"
                    % (ROWS_JS, json.dumps(str(self.caller_id))))
        self.settle(BADGE_JS % json.dumps("zh-CN/account") + " === '1'")
        # A click on the row opens its wire: the last lines, handshake on.
        b.click("#sessions tbody tr[data-id='%d']" % self.caller_id)
        self.settle("!document.getElementById('wire').hidden")
        self.assertIn(caller.peer(),
                      b.evaluate("document.querySelector('.wire-title')"
                                 ".textContent"))
        wire = self.settle("(() => { const t = window.teacher.wire.text()"
                           ".join('\\n'); return t.includes(%s) && t; })()"
                           % json.dumps("WAIT -> MENU account"))
        self.assertRegex(wire, r"(?m)^\s*telnet: IAC WILL ECHO$")
        self.assertRegex(wire, r"(?m)^\s*telnet: IAC DO ECHO$")
        self.assertIn("QUERY_NUMBER -> QUERY_PASSWORD", wire)
        # The password's bytes went by masked, and are counted as such.
        masked = re.findall(r"in \d+ bytes? \((\d+) bytes? of a password"
                            r" masked\)", wire)
        self.assertEqual(sum(map(int, masked)), len(PASSWORD), wire)
        self.assertIn("** ** **", wire)
        self.assertNotIn(PASSWORD, wire)
        self.assertNotIn(PASSWORD_HEX, wire)
        # The number was not secret: its digits are on the wire.
        self.assertRegex(wire, r"31 33 38 30 30 31 33 38  30 30 30")
        # Nowhere in the page, nor in what the page's API would give.
        self.assertNotIn(PASSWORD, b.evaluate("document.body.innerText"))
        self.assertNotIn(PASSWORD, b.evaluate(
            "document.documentElement.outerHTML"))
        for path in ("/teacher/api/sessions",
                     "/teacher/api/sessions/%d/trace" % self.caller_id):
            got = b.evaluate("fetch(%s).then((r) => r.text())"
                             % json.dumps(path))
            self.assertIn('"', got)
            self.assertNotIn(PASSWORD, got)
            self.assertNotIn(PASSWORD_HEX, got)

    def test_4_wire_follows_then_closes(self):
        b, caller = self.browser, self.caller
        # The wire follows the caller live: key 0 repeats the menu, and
        # the key's byte comes in by the stream's trace events.
        before = self.wire_text().count(": in 1 byte\n")
        caller.send("0")
        caller.wait_text(ACCOUNT_MENU, times=2)
        self.settle("window.teacher.wire.text().join('\\n').split(%s)"
                    ".length - 1 > %d" % (json.dumps(": in 1 byte\n"),
                                          before))
        self.assertRegex(self.wire_text(),
                         r"(?m)session %d: in 1 byte\n\s+0000  30 .*\|0\|$"
                         % self.caller_id)
        b.key("Escape", "Escape", 27)
        self.settle("document.getElementById('wire').hidden")
        # The stream is opened again without the trace, and the room read
        # again then; the server's room has no history yet (its members
        # only), so the room is read once more here, before anyone speaks,
        # lest that read wipe the lines the next case looks for.
        self.settle("window.teacher.stream.trace.length === 0 &&"
                    " window.teacher.stream.source !== null &&"
                    " window.teacher.stream.source.readyState === 1")
        b.evaluate("window.teacher.room.load()")

    def test_5_chat_in_the_room_and_wall(self):
        b, caller = self.browser, self.caller
        caller.send("#")
        caller.wait_text(WELCOME, times=2)
        caller.send("4")
        caller.wait_text("您的昵称是 %s。" % MASKED)
        self.settle(BADGE_JS % json.dumps(CHAT_NODE) + " === '1'")
        self.settle("(() => { const r = %s[%s];"
                    " return r && r[5].includes(%s); })()"
                    % (ROWS_JS, json.dumps(str(self.caller_id)),
                       json.dumps(MASKED)))
        said = "大家好,我在电话里"
        caller.send(said + "\r\n")
        lines = self.settle("(() => { const l = %s;"
                            " return l.some((t) => t.includes(%s)) && l;"
                            " })()" % (ROOM_JS, json.dumps(MASKED + ":" +
                                                           said)))
        self.assertTrue(any("→ %sjoined" % MASKED in line
                            for line in lines), lines)
        self.settle("Array.from(document.querySelectorAll("
                    "'#room .room-members li[data-nick]'),"
                    " (li) => li.dataset.nick).includes(%s)"
                    % json.dumps(MASKED))
        # The teacher's /wall: typed in the room's field, the button.
        wall = "下课前五分钟"
        b.evaluate("document.querySelector('#room form.wall input')"
                   ".focus()")
        b.insert_text(wall)
        b.click("#room form.wall button")
        caller.wait_text(wall)
        self.settle("document.querySelector('#room .room-status')"
                    ".textContent === 'sent to everyone'")

    def test_6_screenshot_and_nothing_refused(self):
        b = self.browser
        b.evaluate("window.teacher.ticking = true")
        path = os.path.join(ARTIFACTS, "teacher-e2e.png")
        b.screenshot(path)
        with open(path, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        self.assertGreater(os.path.getsize(path), 1000)
        self.assertNotIn(PASSWORD, b.evaluate("document.body.innerText"))
        self.assertEqual(b.violations(), [])
        self.assertEqual(b.security_errors(), [])
        self.assertEqual(b.console_errors(), [])

    def test_7_server_stops_cleanly(self):
        self.assertEqual(self.server.stop(), 0, self.server.log())
        log = self.server.log()
        self.assertNotIn("AddressSanitizer", log)
        self.assertNotIn("runtime error", log)
        self.assertNotIn(PASSWORD, log)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        TeacherE2ETest.hotlined = sys.argv.pop(1)
    else:
        TeacherE2ETest.hotlined = os.environ.get("HOTLINE_E2E_HOTLINED")
    unittest.main()
