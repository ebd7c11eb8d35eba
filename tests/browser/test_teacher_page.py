"""The teacher's projector view (web/teacher/) in headless Chromium.

Python's standard library only; needs Debian's chromium-headless-shell (or
chromium), `npm ci` in web/ (viz.js) and a built hotlined (for the DOT of
the default menus). Run from anywhere:

    python3 tests/browser/test_teacher_page.py build/hotlined [-v]

The page talks to teacher_standin, which answers issue 18's HTTP contract
with scripted sessions, traces, room and events and records what the page
sends. It proves the browser's half: the login by #key= (a wrong key's
error shown, the right one opening the view, the key gone from the
address), the class table following events, the graph's counts from the
sessions' nodes, one caller's wire (its last lines, then the trace
events of its subscription), the room with its joins, /wall, kick and
mute POSTed with the page token, the notices for missed events and a lost
stream, text from the server never taken as HTML, and nothing refused by
the contract's Content-Security-Policy. The screenshot is kept in
$HOTLINE_ARTIFACTS (default: the system's temporary directory) as
teacher-page.png.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cdp import Browser, CdpError  # noqa: E402
from teacher_js import BADGE_JS, ROOM_JS  # noqa: E402
from teacher_standin import TeacherStandIn, iso_now  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
WEB = os.path.join(ROOT, "web")
ARTIFACTS = os.environ.get("HOTLINE_ARTIFACTS", tempfile.gettempdir())
HOTLINED = None

# Text that would be markup if a page took it as HTML.
HOSTILE = '<img src=x id=pwned onerror="window.pwned=1">'


def session(sid, **fields):
    """One session of /teacher/api/sessions, live, at zh-CN's main menu."""
    s = {"id": sid, "peer": "127.0.0.1:%d" % (40000 + sid),
         "transport": "telnet", "mode": "character", "language": "zh-CN",
         "encoding": "UTF-8", "state": "MENU", "menu": "main",
         "node": "zh-CN/main", "nick": None, "idle_ms": 1200,
         "duration_ms": 5300, "bytes_in": 24, "bytes_out": 1380,
         "closed": None}
    s.update(fields)
    return s


def event(etype, sid, **fields):
    """One event as the stream carries it."""
    e = {"type": etype, "id": sid, "time": iso_now()}
    e.update(fields)
    return e


# The class table as text: one list of cell texts a row, and its class.
ROWS_JS = """Array.from(document.querySelectorAll('#sessions tbody tr'),
  (tr) => [Array.from(tr.cells, (td) => td.textContent), tr.className])"""

# The chat room's members as text.
MEMBERS_JS = """Array.from(document.querySelectorAll(
  '#room .room-members li[data-nick]'), (li) => li.textContent)"""


def text_of(selector):
    """The expression of an element's text."""
    return "document.querySelector(%s).textContent" % json.dumps(selector)


def shown(selector):
    """The expression: the element is there and not hidden."""
    return ("(() => { const e = document.querySelector(%s);"
            " return e !== null && !e.closest('[hidden]'); })()"
            % json.dumps(selector))


class TeacherPageTest(unittest.TestCase):
    """One browser and one stand-in for all the cases, in order."""

    @classmethod
    def setUpClass(cls):
        viz = os.path.join(WEB, "viz", "viz.js")
        if not os.path.isfile(viz):
            raise RuntimeError("%s is missing: run `npm ci` in web/" % viz)
        dot = subprocess.run([HOTLINED, "--dot", os.path.join(ROOT, "menus")],
                             check=True, capture_output=True, text=True,
                             timeout=30).stdout
        cls.server = TeacherStandIn(dot)
        cls.server.sessions = [
            session(1),
            session(2, transport="websocket", state="CHAT", menu=None,
                    node="zh-CN/flow:chat", nick="学生2",
                    encoding="UTF-8"),
        ]
        cls.server.traces = {
            1: ["14:01:02.123 session 1: out 24 bytes",
                "             ff fb 01 ff fb 03  IAC WILL ECHO IAC WILL SGA",
                "14:01:02.200 session 1: " + HOSTILE],
            2: ["14:01:05.000 session 2: in 3 bytes"],
        }
        cls.server.room = {
            "members": [{"id": 2, "nick": "学生2", "muted": False}],
            "history": [
                {"time": iso_now(), "id": 2, "nick": "学生2", "text": "",
                 "kind": "join"},
                {"time": iso_now(), "id": 2, "nick": "学生2",
                 "text": "大家好", "kind": "say"},
            ]}
        cls.browser = Browser(width=1280, height=720)
        cls.browser.record_violations()

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.server.close()

    def settle(self, expression, timeout=10.0):
        """wait_for() that outlasts a reload: while the page navigates an
        evaluation may fail, and is tried again."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.browser.evaluate(expression)
            except CdpError:
                value = None
            if value:
                return value
            self.assertLess(time.monotonic(), deadline,
                            "still false: " + expression)
            time.sleep(0.05)

    def open_page(self, url):
        """Opens url as a new document: from /teacher, a link to
        /teacher#key= alone would only move to the fragment."""
        self.browser.navigate("about:blank")
        self.browser.navigate(url)

    def test_1_wrong_key_shows_the_error(self):
        b, srv = self.browser, self.server
        self.open_page(srv.url("/teacher#key=not-the-key"))
        said = self.settle("(() => { const s = document.getElementById("
                           "'login-status'); return !s.hidden &&"
                           " s.classList.contains('error') &&"
                           " s.textContent; })()")
        self.assertIn("that is not the teacher's key or password", said)
        self.assertEqual(srv.logins, ["not-the-key"])
        # The fragment is gone from the address, right or wrong.
        self.assertEqual(b.evaluate("location.hash"), "")
        self.assertEqual(b.evaluate("location.pathname"), "/teacher")
        self.assertIsNone(b.evaluate("document.getElementById('sessions')"))
        # A lockout: the server's sentence and its wait, the button off.
        srv.locked = 60
        b.evaluate("document.getElementById('secret').focus()")
        b.insert_text("still-wrong")
        b.click("#login-button")
        said = self.settle("(() => { const s = document.getElementById("
                           "'login-status').textContent;"
                           " return /try again/.test(s) && s; })()")
        self.assertIn("too many wrong tries", said)
        self.assertIn("60 s", said)
        self.assertTrue(b.evaluate(
            "document.getElementById('login-button').disabled"))
        self.assertEqual(srv.logins[-1], "still-wrong")
        srv.locked = 0
        # The login page's own CSP refused nothing.
        self.assertEqual(b.violations(), [])

    def test_2_right_key_opens_the_view(self):
        b, srv = self.browser, self.server
        self.open_page(srv.url("/teacher#key=" + srv.key))
        # The login page logs in and reloads /teacher: now the view.
        self.settle("window.teacher !== undefined &&"
                    " document.getElementById('sessions') !== null")
        self.assertEqual(b.evaluate("window.teacher.ready"), "drawn")
        b.evaluate("window.teacher.started")
        self.assertEqual(srv.logins[-1], srv.key)
        self.assertEqual(b.evaluate("location.hash"), "")
        self.assertEqual(b.evaluate("location.href"), srv.url("/teacher"))
        # The cookie is HttpOnly: the page's scripts cannot read it.
        self.assertNotIn("hotline_teacher", b.evaluate("document.cookie"))
        self.assertEqual(len(srv.cookies), 1)

    def test_3_table_follows_events(self):
        b, srv = self.browser, self.server
        rows = self.settle("(() => { const r = %s;"
                           " return r.length === 2 && r; })()" % ROWS_JS)
        # No reading every second from here to test 8: only the events
        # move the table and the graph.
        b.evaluate("window.teacher.ticking = false")
        self.assertEqual(rows[0][0][:6], ["1", "127.0.0.1:40001", "telnet",
                                          "character", "zh-CN · UTF-8",
                                          "MENU (main)"])
        self.assertEqual(rows[0][0][7], "24 B / 1.4 kB")
        self.assertEqual(rows[1][0][2], "WebSocket")
        self.assertIn("学生2", rows[1][0][5])
        self.assertEqual(b.evaluate("window.teacher.sessions.sessions"
                                    ".length"), 2)
        # A new caller, named with markup: a row, its text as text.
        srv.sessions = srv.sessions + [session(3, nick=HOSTILE,
                                               state="CHAT", menu=None,
                                               node="zh-CN/flow:chat")]
        srv.emit(event("connect", 3, peer="127.0.0.1:40003",
                       transport="telnet"))
        self.settle("document.querySelectorAll('#sessions tbody tr')"
                    ".length === 3")
        self.assertIn(HOSTILE, b.evaluate(ROWS_JS)[2][0][5])
        self.assertIsNone(b.evaluate("document.getElementById('pwned')"))
        # Session 1 hangs up: greyed, with its reason.
        srv.sessions = [session(1, closed={"reason": "caller hung up",
                                           "ago_ms": 2000}, node=None)] + \
            srv.sessions[1:]
        srv.emit(event("close", 1, reason="caller hung up",
                       duration_ms=9000, bytes_in=30, bytes_out=2000))
        row = self.settle("(() => { const r = %s[0];"
                          " return r[1] === 'closed' && r; })()" % ROWS_JS)
        self.assertIn("caller hung up", row[0][5])
        self.assertIn("ended 2.0 s ago", row[0][5])

    def test_4_graph_counts_follow_nodes(self):
        b, srv = self.browser, self.server
        # Sessions 2 and 3 chat; 1 has ended and counts nowhere.
        self.settle(BADGE_JS % json.dumps("zh-CN/flow:chat") + " === '2'")
        self.assertIsNone(b.evaluate(BADGE_JS % json.dumps("zh-CN/main")))
        # Session 3 presses 1 at the main menu: it moves on the graph.
        srv.sessions = srv.sessions[:2] + [session(3, state="QUERY_NUMBER",
                                                   menu=None,
                                                   node="zh-CN/flow:query")]
        srv.emit(event("state", 3, **{"from": "MENU", "to": "QUERY_NUMBER",
                                      "menu": None,
                                      "node": "zh-CN/flow:query"}))
        self.settle(BADGE_JS % json.dumps("zh-CN/flow:query") + " === '1'")
        self.assertEqual(b.evaluate(BADGE_JS % json.dumps("zh-CN/flow:chat")),
                         "1")
        # A SIGHUP reload: the graph is drawn from the new DOT.
        dot = srv.dot
        srv.dot = "".join(line for line in dot.splitlines(True)
                          if '"zh-CN/flow:wire"' not in line)
        srv.emit({"type": "reload"})
        self.settle("!window.teacher.graph.nodeNames()"
                    ".includes('zh-CN/flow:wire')")
        self.assertEqual(b.evaluate(BADGE_JS % json.dumps("zh-CN/flow:query")),
                         "1")
        srv.dot = dot

    def test_5_wire_view(self):
        b, srv = self.browser, self.server
        b.click("#sessions tbody tr[data-id='1']")
        self.settle(shown("#wire"))
        lines = self.settle("(() => { const t = window.teacher.wire.text();"
                            " return t.length === 3 && t; })()")
        self.assertEqual(lines, srv.traces[1])
        self.assertIsNone(b.evaluate("document.getElementById('pwned')"))
        self.assertIn("127.0.0.1:40001", b.evaluate(text_of(".wire-title")))
        # The page follows session 1's trace on a stream of its own.
        srv.wait(lambda: [1] in [sorted(s.trace) for s in srv.streams])
        srv.emit_trace(1, ["14:01:03.000 session 1: in 1 byte",
                           "             31  1"])
        # Another session's lines are not this wire's.
        srv.emit({"type": "trace", "id": 2, "lines": ["not session 1"]})
        got = self.settle("(() => { const t = window.teacher.wire.text();"
                          " return t.length === 5 && t; })()")
        self.assertEqual(got[3:], ["14:01:03.000 session 1: in 1 byte",
                                   "             31  1"])
        self.assertEqual(b.evaluate(
            "getComputedStyle(document.querySelector('.wire-line'))"
            ".whiteSpace"), "pre")
        # A chatty caller: only the newest lines are kept.
        srv.emit_trace(1, ["line %d" % i for i in range(2100)])
        self.settle("window.teacher.wire.text().at(-1) === 'line 2099'")
        self.assertEqual(b.evaluate("window.teacher.wire.text().length"),
                         2000)
        # Esc: back to the class, the stream without a trace.
        b.key("Escape", "Escape", 27)
        self.settle("document.getElementById('wire').hidden")
        srv.wait(lambda: [sorted(s.trace) for s in srv.streams] == [[]])
        self.assertTrue(b.evaluate("document.querySelector('.wire-status')"
                                   ".hidden"))
        # A call older than the kept wire: the view says so.
        srv.late_wires[2] = "2026-03-01T14:01:04.000Z"
        b.evaluate("window.teacher.openWire(2)")
        status = b.evaluate(text_of(".wire-status"))
        self.assertIn("kept since", status)
        self.assertIn("began before the view was open", status)
        # An unknown session: the server's sentence in the wire's status.
        b.evaluate("window.teacher.openWire(99)")
        self.assertEqual(b.evaluate(text_of(".wire-status")),
                         "no session 99")
        b.click(".wire-close")
        self.settle("document.getElementById('wire').hidden")

    def test_6_room_and_operator_buttons(self):
        b, srv = self.browser, self.server
        lines = b.evaluate(ROOM_JS)
        self.assertEqual(len(lines), 2)
        self.assertIn("→ 学生2joined", lines[0])
        self.assertIn("学生2:大家好", lines[1])
        self.assertEqual(b.evaluate(MEMBERS_JS), ["学生2mutekick"])
        # 学生3 joins and speaks: the lines, and a member more.
        srv.room["members"].append({"id": 3, "nick": "学生3",
                                    "muted": False})
        srv.emit(event("chat", 3, nick="学生3", text="", kind="join"))
        srv.emit(event("chat", 3, nick="学生3", text=HOSTILE, kind="say"))
        self.settle("document.querySelectorAll('#room .chat-line')"
                    ".length === 4")
        self.assertIn("→ 学生3joined", b.evaluate(ROOM_JS)[2])
        self.assertIn(HOSTILE, b.evaluate(ROOM_JS)[3])
        self.assertIsNone(b.evaluate("document.getElementById('pwned')"))
        self.settle(MEMBERS_JS + ".length === 2")
        token = b.evaluate("window.teacher.operator.token")
        self.assertEqual(token, list(srv.tokens.values())[0])
        # /wall: the text field and its button.
        b.evaluate("document.querySelector('#room form.wall input')"
                   ".focus()")
        b.insert_text("下课了")
        b.click("#room form.wall button")
        srv.wait(lambda: len(srv.posts) >= 1)
        self.assertEqual(srv.posts[-1], {"path": "/teacher/api/wall",
                                         "token": token,
                                         "body": {"text": "下课了"}})
        self.settle(text_of("#room .room-status") + " === 'sent to everyone'")
        self.assertEqual(b.evaluate(
            "document.querySelector('#room form.wall input').value"), "")
        # Mute 学生2: POSTed, then shown muted.
        b.click("#room li[data-nick='学生2'] button.mute")
        srv.wait(lambda: len(srv.posts) >= 2)
        self.assertEqual(srv.posts[-1], {"path": "/teacher/api/mute",
                                         "token": token,
                                         "body": {"nick": "学生2",
                                                  "muted": True}})
        self.settle("document.querySelector(\"#room li[data-nick='学生2']\")"
                    ".classList.contains('muted')")
        self.assertEqual(b.evaluate(
            text_of("#room li[data-nick='学生2'] button.mute")), "unmute")
        # Kick 学生3.
        b.click("#room li[data-nick='学生3'] button.kick")
        srv.wait(lambda: len(srv.posts) >= 3)
        self.assertEqual(srv.posts[-1], {"path": "/teacher/api/kick",
                                         "token": token,
                                         "body": {"nick": "学生3"}})
        self.settle(MEMBERS_JS + ".length === 1")
        # Refused: 学生2 left before the click; the server's sentence shown.
        srv.room["members"] = []
        b.click("#room li[data-nick='学生2'] button.kick")
        said = self.settle("(() => { const s = document.querySelector("
                           "'#room .room-status'); return s.classList"
                           ".contains('error') && s.textContent; })()")
        self.assertEqual(said, "no one called 学生2 in the room")
        self.assertEqual(len(srv.posts), 4)
        # An empty /wall is not sent.
        b.click("#room form.wall button")
        self.settle(text_of("#room .room-status") +
                    " === 'type what to tell the room first'")
        self.assertEqual(len(srv.posts), 4)
        # The kick's leave with its reason; /wall from the page and from
        # an operator in the chat.
        srv.emit(event("chat", 3, nick="学生3", text="kicked",
                       kind="leave"))
        srv.emit(event("chat", 0, nick="teacher", text="下课了",
                       kind="wall"))
        srv.emit(event("chat", 2, nick="学生2", text="安静", kind="wall"))
        self.settle("document.querySelectorAll('#room .chat-line')"
                    ".length === 7")
        # Each line after its time (HH:MM).
        self.assertEqual([line[5:] for line in b.evaluate(ROOM_JS)[4:]],
                         ["← 学生3left: kicked", "teacher to all:下课了",
                          "学生2 to all:安静"])

    def test_7_missed_events_and_a_lost_stream(self):
        b, srv = self.browser, self.server
        srv.emit({"type": "missed", "count": 5})
        said = self.settle("(() => { const m = document.getElementById("
                           "'missed'); return !m.hidden && m.textContent;"
                           " })()")
        self.assertIn("missed 5 events", said)
        # The server goes away: the page says so, the browser reconnects.
        srv.drop_streams()
        said = self.settle("(() => { const s = document.getElementById("
                           "'stream-status'); return !s.hidden &&"
                           " s.textContent; })()")
        self.assertIn("reconnecting", said)
        self.settle("document.getElementById('stream-status').hidden")
        srv.wait(lambda: len(srv.streams) == 1)

    def test_8_screenshot_and_nothing_refused(self):
        b, srv = self.browser, self.server
        # Every second the table is read again, with no event: idle
        # times move.
        srv.sessions = [dict(s, idle_ms=s["idle_ms"] + 60000)
                        for s in srv.sessions]
        b.evaluate("window.teacher.ticking = true")
        self.settle("document.querySelector(\"#sessions tr[data-id='3']"
                    " td.idle\").textContent === '1 min 01 s'")
        srv.sessions = [session(1, closed={"reason": "quit",
                                           "ago_ms": 30000}, node=None),
                        session(2, transport="websocket", state="CHAT",
                                menu=None, node="zh-CN/flow:chat",
                                nick="学生2"),
                        session(3, state="QUERY_NUMBER", menu=None,
                                node="zh-CN/flow:query"),
                        session(4, language="en", node="en/main",
                                mode="line", idle_ms=65000)]
        srv.emit(event("connect", 4, peer="127.0.0.1:40004",
                       transport="telnet"))
        self.settle(BADGE_JS % json.dumps("en/main") + " === '1'")
        b.screenshot(os.path.join(ARTIFACTS, "teacher-page.png"))
        self.assertEqual(b.violations(), [])
        self.assertEqual(b.security_errors(), [])
        self.assertEqual(b.console_errors(), [])
        # Only the contract's paths were asked for.
        self.assertEqual([p for p in srv.unknown if p != "/favicon.ico"], [])

    def test_9_log_out(self):
        b, srv = self.browser, self.server
        b.click("#logout")
        srv.wait(lambda: srv.posts and
                 srv.posts[-1]["path"] == "/teacher/logout")
        self.settle("document.getElementById('login-form') !== null")
        self.assertEqual(srv.cookies, set())


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        sys.exit("usage: test_teacher_page.py HOTLINED [-v]")
    HOTLINED = sys.argv.pop(1)
    unittest.main()
