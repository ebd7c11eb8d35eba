#!/usr/bin/env python3
"""
test_teacher_e2e: the teacher's view (issue 18) of a real hotlined, over
HTTP, without a browser.

  tests/test_teacher_e2e.py HOTLINED ROOT [unittest options]

HOTLINED is the server under test; ROOT is the top of the repository (its
menus/ and web/; `npm ci` in web/ must have filled web/xterm/). Each test
class starts its own `hotlined --port 0` on loopback through
test_web_e2e's Server and reads the teacher's key from its
`teacher's view: http://ADDR:PORT/teacher#key=KEY` line.

It walks issue 18's "Bad input" and API: every /teacher/ path without the
key or cookie answers 401 and shows nothing; the login, its cookie, a
forged or logged-out cookie, another site's Origin, bodies that are not
JSON, too big or of no length; the operator password as a secret; the
page token on the actions (wall, kick, mute) and what the callers hear;
the class table, one caller's wire and the event stream as telnet callers
walk the menus; the password a caller types nowhere (stream, wire, table,
events file, log); the cap on event streams; a teacher that stops reading
holds a bounded queue, then hears how many events it missed; five wrong
keys lock one address out, and only that one. After each bad case the
port still serves callers.

Every wait is bounded; no case asserts how long anything took.
"""

import json
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_web_e2e as web  # noqa: E402

IAC, DO, ECHO, SGA = web.IAC, web.DO, web.ECHO, web.SGA
WAIT = web.WAIT

# The demo account (menus/demo-data.yml) and its query password.
NUMBER = "13800138000"
PASSWORD = "123456"
# What the operator's password file is made from (--hash-password).
OPERATOR_PASSWORD = "s3cret teacher"

# The server's limits (service/teacher/hub.h, proto/teacherauth.h, http.h).
MAX_STREAMS = 16
MAX_QUEUE = 1024 * 1024
MAX_BODY = 4096
TRACE_LINES = 200
TOKEN_LEN = 43
# What a stream's queue may add to hotlined's RSS beside MAX_QUEUE.
RSS_SLACK = 6 * 1024 * 1024

# Every path of the teacher's that shows data or code: 401 without a key.
DATA_PATHS = (
    "/teacher/api/sessions", "/teacher/api/sessions/1/trace",
    "/teacher/api/events", "/teacher/api/events?trace=1",
    "/teacher/api/room", "/teacher/api/menus.dot", "/teacher/api/whoami",
    "/teacher/teacher.js", "/teacher/graph.js", "/teacher/teacher.css",
    "/teacher/api.js", "/teacher/nonexistent", "/teacher/",
    "/teacher/login", "/teacher/../teacher/api/sessions",
)
# The startup line with the key (a long line is wrapped in the log).
KEY_LINE = re.compile(
    r"teacher's view:\s+http://\S+/teacher#key=([A-Za-z0-9_-]+)")


def main_menu():
    """The main menu's first line: what a caller hears on arrival."""
    return web.menu_line("  main", "text")


def text(name):
    """The first line of a named text of zh-CN.yaml."""
    return web.menu_line("texts", name)


def connect(port, source=None, rcvbuf=None):
    """A TCP connection to the server, from source's address if given,
    with a receive buffer of rcvbuf bytes if given (set before the SYN)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if source is not None:
            sock.bind((source, 0))
        sock.settimeout(WAIT)
        sock.connect(("127.0.0.1", port))
    except BaseException:
        sock.close()
        raise
    return sock


def request(port, method, path, headers=(), body=None, length=True,
            source=None):
    """One HTTP request; (status, headers, body) once the server closes.
    A body (bytes, or an object sent as JSON) gets a Content-Length
    unless length is False."""
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1:%d" % port]
    lines += ["%s: %s" % h for h in headers]
    if body is not None and length:
        lines.append("Content-Length: %d" % len(body))
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
    with connect(port, source) as sock:
        sock.sendall(raw)
        return web.split_head(web.read_all(sock))


def bearer(key):
    """The header a program sends the key in."""
    return ("Authorization", "Bearer " + key)


def cookie(value):
    """The header a browser sends the teacher's cookie in."""
    return ("Cookie", "hotline_teacher=" + value)


def json_of(body):
    """A JSON answer's object."""
    return json.loads(body.decode("utf-8"))


def rss_of(pid):
    """A process's resident set, in bytes."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS for pid %d" % pid)


class Server(web.Server):
    """test_web_e2e's hotlined, and the teacher's key it printed."""

    def __init__(self, *args):
        super().__init__(*args)
        self.key = None
        deadline = time.monotonic() + 30
        while self.key is None:
            m = KEY_LINE.search(self.log())
            if m:
                self.key = m.group(1)
            elif not self.alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("no teacher's key in the log:\n"
                                   + self.log())
            else:
                time.sleep(0.05)


class Caller:
    """A raw-socket telnet caller: line mode, or character mode after it
    answers the server's offers of ECHO and SGA."""

    def __init__(self, port, char_mode=False):
        self.sock = web.dial(port)
        self.got = bytearray()
        self.mark = 0  # what expect() has already matched, in text()
        if char_mode:
            self.sock.sendall(bytes([IAC, DO, ECHO, IAC, DO, SGA]))
        self.expect(main_menu())
        host, port = self.sock.getsockname()[:2]
        self.peer = "%s:%d" % (host, port)

    def text(self):
        """Everything heard so far, as text."""
        return web.text_of(self.got)

    def send(self, data):
        """Sends bytes (str as UTF-8)."""
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def expect(self, want, bound=WAIT):
        """Reads until want is heard after what was matched before."""
        deadline = time.monotonic() + bound
        while want not in self.text()[self.mark:]:
            try:
                chunk = web.recv_some(self.sock, deadline)
            except socket.timeout:
                chunk = None
            if not chunk:
                raise AssertionError("never heard %r; heard %r"
                                     % (want, self.text()[-400:]))
            self.got += chunk
        t = self.text()
        self.mark = t.index(want, self.mark) + len(want)

    def hears(self, want, bound=1.0):
        """Whether want comes within bound (for what must not come)."""
        try:
            self.expect(want, bound)
            return True
        except AssertionError:
            return False

    def close(self):
        """Hangs up."""
        self.sock.close()


class Stream:
    """GET /teacher/api/events: the head, then each `data:` event."""

    def __init__(self, port, key, query="", rcvbuf=None):
        self.sock = connect(port, rcvbuf=rcvbuf)
        self.sock.sendall(("GET /teacher/api/events%s HTTP/1.1\r\n"
                           "Host: 127.0.0.1:%d\r\nAuthorization: Bearer "
                           "%s\r\n\r\n" % (query, port, key)).encode())
        self.raw = bytearray()
        self.events = []
        self.eof = False
        self.status = self.headers = None
        self.head_bound = time.monotonic() + WAIT

    def read_head(self):
        """Reads the response head: its status; a refusal is read whole."""
        while b"\r\n\r\n" not in self.raw:
            chunk = web.recv_some(self.sock, self.head_bound)
            if not chunk:
                break
            self.raw += chunk
        self.status, self.headers, rest = web.split_head(bytes(self.raw))
        self.raw = bytearray(rest)
        if self.status != 200:
            self.raw += web.read_all(self.sock)
        return self.status

    def _parse(self):
        """Moves each whole event out of raw into events."""
        while b"\n\n" in self.raw:
            block, _, rest = bytes(self.raw).partition(b"\n\n")
            self.raw = bytearray(rest)
            for line in block.decode("utf-8").split("\n"):
                if line.startswith("data: "):
                    self.events.append(json.loads(line[6:]))
                elif not line.startswith(":"):
                    raise AssertionError("not an event line: %r" % line)

    def pump(self, done, what, bound=WAIT):
        """Reads events until done() holds; fails at the end or past
        bound."""
        deadline = time.monotonic() + bound
        self._parse()
        while not done():
            try:
                chunk = web.recv_some(self.sock, deadline)
            except socket.timeout:
                raise AssertionError("never %s; events %r"
                                     % (what, self.events[-10:]))
            if not chunk:
                self.eof = True
                raise AssertionError("the stream ended before %s" % what)
            self.raw += chunk
            self._parse()

    def wait(self, **want):
        """Reads until an event has every field of want; returns it."""
        def match(ev):
            return all(ev.get(k) == v for k, v in want.items())
        self.pump(lambda: any(match(ev) for ev in self.events),
                  "an event %r" % want)
        return next(ev for ev in self.events if match(ev))

    def of(self, type_, id_=None):
        """The events of a type (of one session if id_ is given)."""
        return [ev for ev in self.events if ev["type"] == type_
                and (id_ is None or ev.get("id") == id_)]

    def close(self):
        """Stops reading and hangs up."""
        self.sock.close()


class TeacherCase(web.ServerCase):
    """A test class with a hotlined of its own (ARGS), its key, and the
    helpers every class uses."""

    @classmethod
    def setUpClass(cls):
        xterm = os.path.join(web.ROOT, "web", "xterm", "xterm.js")
        if not os.path.isfile(xterm):
            raise RuntimeError("%s is missing: run `npm ci` in web/" % xterm)
        cls.server = Server(*cls.args())
        cls.port = cls.server.port
        cls.key = cls.server.key

    @classmethod
    def args(cls):
        """The options of this class's hotlined."""
        return cls.ARGS

    def get(self, path, *headers):
        """A GET of path with headers."""
        return request(self.port, "GET", path, headers)

    def post(self, path, body, *headers, **kw):
        """A POST of body to path with headers."""
        return request(self.port, "POST", path, headers, body, **kw)

    def api(self, path):
        """An API answer with the key, as JSON."""
        status, headers, body = self.get(path, bearer(self.key))
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["content-type"].startswith(
            "application/json"), headers)
        return json_of(body)

    def assert_error(self, answer, status):
        """answer is status with a JSON {"error": sentence} and no more."""
        got, headers, body = answer
        self.assertEqual(got, status, body)
        self.assertEqual(headers.get("content-type"),
                         "application/json; charset=utf-8")
        obj = json_of(body)
        self.assertIsInstance(obj.get("error"), str)
        self.assertTrue(obj["error"])
        return obj

    def login(self, secret=None):
        """Logs in with secret (the key by default): (cookie, page token)."""
        status, headers, body = self.post(
            "/teacher/login", {"secret": secret or self.key})
        self.assertEqual(status, 200, body)
        self.assertEqual(json_of(body), {"ok": True})
        m = re.match(r"hotline_teacher=([A-Za-z0-9_-]+)(;.*)$",
                     headers.get("set-cookie", ""))
        self.assertIsNotNone(m, headers)
        value, attrs = m.group(1), m.group(2).lower()
        self.assertEqual(len(value), TOKEN_LEN)
        for attr in ("; httponly", "; samesite=strict", "; path=/teacher"):
            self.assertIn(attr, attrs)
        status, _, body = self.get("/teacher/api/whoami", cookie(value))
        self.assertEqual(status, 200, body)
        who = json_of(body)
        self.assertFalse(who["bearer"])
        self.assertEqual(len(who["page_token"]), TOKEN_LEN)
        return value, who["page_token"]

    def session_of(self, caller):
        """The class table's row of a caller (by its address and port)."""
        rows = [s for s in self.api("/teacher/api/sessions")["sessions"]
                if s["peer"] == caller.peer]
        self.assertEqual(len(rows), 1, rows)
        return rows[0]

    def wait_session(self, caller, done, what):
        """Polls the table until the caller's row satisfies done."""
        deadline = time.monotonic() + WAIT
        while True:
            row = self.session_of(caller)
            if done(row):
                return row
            self.assertLess(time.monotonic(), deadline,
                            "the row never %s: %r" % (what, row))
            time.sleep(0.05)


class AuthTest(TeacherCase):
    """Who may look: the key, the cookie, the login and its refusals,
    and the operator password (--operator-password-file)."""

    @classmethod
    def args(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="hotline-teacher-")
        path = os.path.join(cls.tmp.name, "operator.hash")
        made = subprocess.run([web.HOTLINED, "--hash-password"],
                              input=OPERATOR_PASSWORD + "\n",
                              capture_output=True, text=True, timeout=60)
        if made.returncode != 0 or not made.stdout.startswith("$"):
            raise RuntimeError("hotlined --hash-password: %r" % (made,))
        with open(path, "w") as f:
            f.write(made.stdout)
        return ("--operator-password-file", path)

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.tmp.cleanup()

    def test_data_paths_need_the_key(self):
        for path in DATA_PATHS:
            for headers in ((), (cookie("x" * TOKEN_LEN),),
                            (("Authorization", "Basic " + self.key),),
                            (cookie(self.key),)):
                with self.subTest(path=path, headers=headers):
                    answer = self.get(path, *headers)
                    obj = self.assert_error(answer, 401)
                    self.assertEqual(obj, {
                        "error": "the teacher's key is needed"})
                    self.assertEqual(answer[1].get("cache-control"),
                                     "no-store")
        # The actions too, before any check of their body.
        for path in ("/teacher/api/wall", "/teacher/api/kick",
                     "/teacher/api/mute", "/teacher/logout"):
            with self.subTest(path=path):
                self.assert_error(self.post(path, {"text": "hi"}), 401)
        self.assert_still_serving()

    def test_teacher_is_the_login_page_until_the_key(self):
        with open(os.path.join(web.ROOT, "web", "teacher", "login.html"),
                  "rb") as f:
            login = f.read()
        with open(os.path.join(web.ROOT, "web", "teacher", "index.html"),
                  "rb") as f:
            view = f.read()
        for path in ("/teacher", "/teacher?x=1"):
            status, headers, body = self.get(path)
            self.assertEqual(status, 200)
            self.assertTrue(headers["content-type"].startswith("text/html"))
            self.assertEqual(body, login)
            self.assertNotIn(b"teacher.js", body)
            self.assertIn("frame-ancestors 'none'",
                          headers.get("content-security-policy", ""))
        status, headers, body = self.get("/teacher", bearer(self.key))
        self.assertEqual(status, 200)
        self.assertEqual(body, view)
        self.assertIn(b"teacher.js", body)
        # What the login page loads is public; the view's files are not.
        for path in ("/teacher-login.js", "/viz/viz.js"):
            with self.subTest(path=path):
                self.assertEqual(self.get(path)[0], 200)
        for path, name in (("/teacher/teacher.js", "teacher.js"),
                           ("/teacher/graph.js", "graph.js")):
            with self.subTest(path=path):
                status, _, body = self.get(path, bearer(self.key))
                self.assertEqual(status, 200)
                with open(os.path.join(web.ROOT, "web", "teacher", name),
                          "rb") as f:
                    self.assertEqual(body, f.read())

    def test_bearer_reads_the_api(self):
        who = self.api("/teacher/api/whoami")
        self.assertIsNone(who["page_token"])
        self.assertIs(who["bearer"], True)
        self.assertEqual(self.api("/teacher/api/room")["members"], [])
        self.assertIsInstance(self.api("/teacher/api/sessions")["sessions"],
                              list)
        status, headers, body = self.get("/teacher/api/menus.dot",
                                         bearer(self.key))
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"],
                         "text/vnd.graphviz; charset=utf-8")
        dot = subprocess.run([web.HOTLINED, "--dot",
                              os.path.join(web.ROOT, "menus")],
                             capture_output=True, timeout=60)
        self.assertEqual(dot.returncode, 0, dot.stderr)
        self.assertEqual(body, dot.stdout)
        self.assertIn(b'"zh-CN/main"', body)
        self.assert_error(self.get("/teacher/nonexistent",
                                   bearer(self.key)), 404)

    def test_login_cookie_and_logout(self):
        value, token = self.login()
        status, _, body = self.get("/teacher", cookie(value))
        self.assertEqual(status, 200)
        self.assertIn(b"teacher.js", body)
        self.assertEqual(self.get("/teacher/api/sessions",
                                  cookie(value))[0], 200)
        # A cookie of the right length and the wrong value is no session.
        forged = ("A" if value[0] != "A" else "B") + value[1:]
        self.assert_error(self.get("/teacher/api/sessions", cookie(forged)),
                          401)
        self.assertNotIn(b"teacher.js",
                         self.get("/teacher", cookie(forged))[2])
        # Logging out is an action: the page's token is needed.
        self.assert_error(self.post("/teacher/logout", b"",
                                    cookie(value)), 403)
        self.assertEqual(self.get("/teacher/api/sessions",
                                  cookie(value))[0], 200)
        status, headers, body = self.post(
            "/teacher/logout", b"", cookie(value),
            ("X-Teacher-Token", token))
        self.assertEqual(status, 200, body)
        self.assertEqual(json_of(body), {"ok": True})
        self.assertRegex(headers.get("set-cookie", ""),
                         r"^hotline_teacher=;.*Max-Age=0")
        self.assert_error(self.get("/teacher/api/sessions", cookie(value)),
                          401)
        self.assertNotIn(b"teacher.js", self.get("/teacher",
                                                 cookie(value))[2])
        self.assert_still_serving()

    def test_login_refusals(self):
        own = "http://127.0.0.1:%d" % self.port
        for origin in ("http://evil.example", "null",
                       "http://127.0.0.1:%d" % (self.port + 1)):
            with self.subTest(origin=origin):
                answer = self.post("/teacher/login", {"secret": self.key},
                                   ("Origin", origin))
                self.assert_error(answer, 403)
                self.assertNotIn("set-cookie", answer[1])
        status, headers, _ = self.post("/teacher/login",
                                       {"secret": self.key},
                                       ("Origin", own))
        self.assertEqual(status, 200)
        self.assertIn("set-cookie", headers)
        for body in (b"", b"secret=" + self.key.encode(), b"{\"secret\":",
                     b"[\"" + self.key.encode() + b"\"]", b"\"x\"",
                     b"{\"secret\": 5}", b"{\"key\": \"x\"}",
                     b"\xff\xfe{}",
                     b"{\"secret\": \"a\", \"secret\": \"b\"}"):
            with self.subTest(body=body):
                answer = self.post("/teacher/login", body)
                self.assert_error(answer, 400)
                self.assertNotIn("set-cookie", answer[1])
        # The right key in bodies that are no strict JSON object: each
        # refused, not read as far as the key.
        key = self.key.encode()
        for body in (b"{\"secret\": \"" + key + b"\"} x",
                     b"{\"secret\": \"" + key + b"\"}{}",
                     b"{\"secret\": \"" + key + b"\\u0000x\"}",
                     b"{\"secret\": \"" + key + b"\\uzzzzx\"}",
                     b"{\"secret\": \"" + key + b"\x01\"}",
                     b"{\"secret\": \"" + key + b"\", \"\xc0\xaf\": 1}",
                     b"{\"secret\": \"" + key +
                     b"\", \"o\": {\"a\": 1, \"a\": 2}}"):
            with self.subTest(body=body):
                answer = self.post("/teacher/login", body)
                self.assert_error(answer, 400)
                self.assertNotIn("set-cookie", answer[1])
        # An escaped backslash before "u0000" is no NUL: a wrong key.
        answer = self.post("/teacher/login",
                           b"{\"secret\": \"" + key + b"\\\\u0000\"}")
        self.assert_error(answer, 401)
        # A body over 4 KiB, and a POST with no length: refused unread.
        status, _, _ = self.post(
            "/teacher/login",
            json.dumps({"secret": self.key + " " * MAX_BODY}).encode())
        self.assertEqual(status, 413)
        status, _, _ = self.post("/teacher/login", {"secret": self.key},
                                 length=False)
        self.assertEqual(status, 411)
        # One wrong key: 401 (a right login after it forgets it).
        answer = self.post("/teacher/login", {"secret": "x" * TOKEN_LEN})
        self.assert_error(answer, 401)
        self.assertNotIn("set-cookie", answer[1])
        self.login()
        self.assert_still_serving()

    def test_operator_password_logs_in(self):
        value, _ = self.login(OPERATOR_PASSWORD)
        self.assertEqual(self.get("/teacher/api/room", cookie(value))[0],
                         200)
        answer = self.post("/teacher/login",
                           {"secret": OPERATOR_PASSWORD + "!"})
        self.assert_error(answer, 401)
        self.login()
        self.assert_still_serving()


class ActionsTest(TeacherCase):
    """The operator's actions: /wall, kick and mute, and their checks."""

    def chat_member(self):
        """A telnet caller in the chat room: (caller, its nick)."""
        caller = Caller(self.port)
        caller.send("4\r\n")
        caller.expect("您的昵称是 ")
        start = caller.mark
        caller.expect("。")
        return caller, caller.text()[start:caller.mark - 1]

    def test_wall_needs_the_page_token(self):
        value, token = self.login()
        listener = Caller(self.port)
        wall = {"text": "下课前交作业 wall-1"}
        self.assert_error(self.post("/teacher/api/wall", wall,
                                    cookie(value)), 403)
        self.assert_error(self.post("/teacher/api/wall", wall, cookie(value),
                                    ("X-Teacher-Token", "y" * TOKEN_LEN)),
                          403)
        self.assert_error(self.post("/teacher/api/wall", wall, cookie(value),
                                    ("X-Teacher-Token", token[:-1])), 403)
        # The right token from another site's page: refused too.
        self.assert_error(self.post("/teacher/api/wall", wall, cookie(value),
                                    ("X-Teacher-Token", token),
                                    ("Origin", "http://evil.example")), 403)
        self.assertFalse(listener.hears("wall-1", 0.5))
        status, _, body = self.post("/teacher/api/wall", wall, cookie(value),
                                    ("X-Teacher-Token", token))
        self.assertEqual(status, 200, body)
        self.assertEqual(json_of(body), {"ok": True})
        listener.expect("下课前交作业 wall-1")
        # A program with the key needs no page token.
        status, _, body = self.post("/teacher/api/wall",
                                    {"text": "wall-2"}, bearer(self.key))
        self.assertEqual(status, 200, body)
        listener.expect("wall-2")
        listener.close()
        self.assert_still_serving()

    def test_kick_and_mute(self):
        alice, a_nick = self.chat_member()
        bob, b_nick = self.chat_member()
        members = self.api("/teacher/api/room")["members"]
        self.assertEqual(sorted(m["nick"] for m in members),
                         sorted([a_nick, b_nick]))
        self.assertFalse(any(m["muted"] for m in members))
        for what, body in (("kick", {"nick": "没有这个人"}),
                           ("mute", {"nick": "nobody", "muted": True})):
            with self.subTest(what=what):
                self.assert_error(self.post("/teacher/api/" + what, body,
                                            bearer(self.key)), 404)
        # Muted: alice's line is refused, bob hears nothing of it.
        status, _, _ = self.post("/teacher/api/mute",
                                 {"nick": a_nick, "muted": True},
                                 bearer(self.key))
        self.assertEqual(status, 200)
        self.assertEqual([m["muted"] for m in self.api(
            "/teacher/api/room")["members"] if m["nick"] == a_nick], [True])
        alice.send("muted line one\r\n")
        alice.expect(text("chat_muted"))
        status, _, _ = self.post("/teacher/api/mute",
                                 {"nick": a_nick, "muted": False},
                                 bearer(self.key))
        self.assertEqual(status, 200)
        alice.send("free line two\r\n")
        bob.expect("free line two")
        self.assertNotIn("muted line one", bob.text())
        # Kicked: alice hears why and is back at the main menu; bob hears
        # her leave; the room no longer has her.
        status, _, _ = self.post("/teacher/api/kick",
                                 {"nick": a_nick, "reason": "reason-k"},
                                 bearer(self.key))
        self.assertEqual(status, 200)
        alice.expect("reason-k")
        alice.expect(main_menu())
        bob.expect(a_nick + " 被管理员")
        self.assertEqual([m["nick"] for m in self.api(
            "/teacher/api/room")["members"]], [b_nick])
        alice.send("after the kick\r\n")
        self.assertFalse(bob.hears("after the kick", 0.5))
        # The room's view opens with what the room saw: joins, the line
        # a muted member could not post left out, the leave, a /wall.
        status, _, _ = self.post("/teacher/api/wall", {"text": "wall-h"},
                                 bearer(self.key))
        self.assertEqual(status, 200)
        seen = [(h["kind"], h["nick"], h["text"]) for h in self.api(
            "/teacher/api/room")["history"]]
        self.assertIn(("join", a_nick, ""), seen)
        self.assertIn(("say", a_nick, "free line two"), seen)
        self.assertIn(("leave", a_nick, "kicked"), seen)
        self.assertIn(("wall", "teacher", "wall-h"), seen)
        self.assertNotIn("muted line one", str(seen))
        self.assertEqual(seen[-1], ("wall", "teacher", "wall-h"))
        alice.close()
        bob.close()
        self.assert_still_serving()

    def test_bad_bodies(self):
        key = bearer(self.key)
        for path, body in (
                ("wall", b"not json"), ("wall", b"[\"text\"]"),
                ("wall", {}), ("wall", {"text": 5}), ("wall", {"text": ""}),
                ("kick", {}), ("kick", {"reason": "x"}),
                ("kick", {"nick": None}), ("mute", {"muted": True}),
                ("mute", b"{\"nick\": "), ("wall", b"")):
            with self.subTest(path=path, body=body):
                self.assert_error(self.post("/teacher/api/" + path, body,
                                            key), 400)
        for path in ("wall", "kick", "mute"):
            with self.subTest(path=path):
                status, _, _ = self.post(
                    "/teacher/api/" + path,
                    {"text": "x" * MAX_BODY, "nick": "x"}, key)
                self.assertEqual(status, 413)
                status, _, _ = self.post("/teacher/api/" + path,
                                         {"nick": "x"}, key, length=False)
                self.assertEqual(status, 411)
        # A GET of an action is no action.
        self.assert_error(self.get("/teacher/api/wall", key), 404)
        self.assert_still_serving()


class ClassTest(TeacherCase):
    """The class table, one caller's wire and the event stream, while
    telnet callers walk the menus; and where the password is not."""

    @classmethod
    def args(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="hotline-teacher-")
        cls.events_path = os.path.join(cls.tmp.name, "events.jsonl")
        return ("--trace", "--events", cls.events_path)

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.tmp.cleanup()

    def test_table_follows_a_caller(self):
        caller = Caller(self.port)
        row = self.session_of(caller)
        self.assertEqual(row["transport"], "telnet")
        self.assertEqual(row["mode"], "line")
        self.assertEqual(row["language"], "zh-CN")
        self.assertEqual(row["state"], "MENU")
        self.assertEqual(row["menu"], "main")
        self.assertEqual(row["node"], "zh-CN/main")
        self.assertIsNone(row["nick"])
        self.assertIsNone(row["closed"])
        self.assertGreater(row["bytes_out"], 0)
        caller.send("1\r\n")
        caller.expect(text("query_number"))
        row = self.wait_session(caller, lambda r: r["bytes_in"] >= 3,
                                "counted the key")
        self.assertEqual(row["state"], "QUERY_NUMBER")
        self.assertEqual(row["node"], "zh-CN/flow:query")
        ids = [s["id"] for s in self.api("/teacher/api/sessions")["sessions"]]
        self.assertEqual(ids, sorted(ids))
        caller.close()
        row = self.wait_session(caller, lambda r: r["closed"] is not None,
                                "closed")
        self.assertTrue(row["closed"]["reason"])
        self.assertGreaterEqual(row["closed"]["ago_ms"], 0)

    def test_trace_of_unknown_sessions(self):
        for ident in ("999999", "0", "abc", "-1", "1x", "", "1.0",
                      "%31", "99999999999999999999"):
            with self.subTest(ident=ident):
                self.assert_error(self.get(
                    "/teacher/api/sessions/%s/trace" % ident,
                    bearer(self.key)), 404)
        self.assert_still_serving()

    def test_stream_trace_and_no_password_anywhere(self):
        # As the teacher's page opens it: every call's wire kept.
        everything = Stream(self.port, self.key, "?wire=1")
        self.assertEqual(everything.read_head(), 200)
        self.assertTrue(everything.headers["content-type"].startswith(
            "text/event-stream"))
        walker = Caller(self.port, char_mode=True)
        ident = everything.wait(type="connect", peer=walker.peer)["id"]
        # A second stream follows the walker's wire; a bystander's is
        # not sent to it.
        follower = Stream(self.port, self.key, "?trace=%d" % ident)
        self.assertEqual(follower.read_head(), 200)
        bystander = Caller(self.port)
        other = everything.wait(type="connect", peer=bystander.peer)["id"]
        bystander.send("0\r\n")
        bystander.expect(main_menu())
        # The walker's wire so far, greeting included, named.
        lines = self.api("/teacher/api/sessions/%d/trace" % ident)["lines"]
        self.assertIn("telnet: IAC WILL ECHO", "\n".join(lines))
        walker.send("1")
        walker.expect(text("query_number"))
        walker.send(NUMBER + "\r\n")
        walker.expect(text("query_password"))
        walker.send(PASSWORD[:2])
        time.sleep(0.1)  # two chunks: the mask must hold across them
        walker.send(PASSWORD[2:] + "\r\n")
        walker.expect("账户查询")
        # A caller who types ahead, all in one write.
        ahead = Caller(self.port)
        ahead.send("1\r\n%s\r\n%s\r\n" % (NUMBER, PASSWORD))
        ahead.expect("账户查询")
        follower.pump(lambda: any("MENU account" in line for ev in
                                  follower.of("trace") for line in
                                  ev["lines"]), "the walker's account menu")
        lines = self.api("/teacher/api/sessions/%d/trace" % ident)["lines"]
        self.assertLessEqual(len(lines), TRACE_LINES)
        wire = "\n".join(lines)
        self.assertIn("password masked", wire)
        sessions = self.get("/teacher/api/sessions", bearer(self.key))[2]
        walker.send("#")
        walker.expect(main_menu())
        walker.send("3")
        walker.expect(text("goodbye"))
        walker.close()
        ahead.close()
        bystander.close()
        everything.wait(type="close", id=ident)
        # What the stream told of the walk.
        mine = [ev for ev in everything.events if ev.get("id") == ident]
        self.assertEqual(mine[0]["type"], "connect")
        self.assertEqual(mine[0]["transport"], "telnet")
        self.assertEqual([ev["key"] for ev in mine if ev["type"] == "key"],
                         ["1", "#", "3"])
        self.assertEqual([(ev["text"], ev["masked"]) for ev in mine
                          if ev["type"] == "line"],
                         [(NUMBER, False), ("******", True)])
        self.assertIn(("MENU", "QUERY_NUMBER"), [
            (ev["from"], ev["to"]) for ev in mine if ev["type"] == "state"])
        self.assertEqual(mine[-1]["type"], "close")
        self.assertTrue(mine[-1]["reason"])
        self.assertGreater(mine[-1]["bytes_out"], 0)
        # Trace events: only on the follower, only of the walker.
        self.assertEqual(everything.of("trace"), [])
        traces = follower.of("trace")
        self.assertTrue(traces)
        self.assertEqual({ev["id"] for ev in traces}, {ident})
        self.assertTrue(follower.of("connect", other))
        # The password, nowhere.
        for where, raw in (
                ("the stream", bytes(everything.raw) +
                 json.dumps(everything.events).encode()),
                ("the followed stream", bytes(follower.raw) +
                 json.dumps(follower.events).encode()),
                ("the wire", wire.encode()), ("the table", sessions)):
            with self.subTest(where=where):
                self.assertNotIn(PASSWORD.encode(), raw)
                self.assertNotIn(PASSWORD[2:].encode(), raw)
                self.assertNotIn(b"33 34 35 36", raw)
        with open(self.events_path, "rb") as f:
            events_file = f.read()
        self.assertIn(b'"masked":true', events_file)
        self.assertNotIn(PASSWORD.encode(), events_file)
        log = self.server.log()
        self.assertIn("password masked", log)
        self.assertNotIn(PASSWORD, log)
        self.assertNotIn(PASSWORD[2:], log)
        everything.close()
        follower.close()
        self.assert_still_serving()

    def test_wire_keeps_the_last_200_lines(self):
        # A program following the events alone keeps no one's wire.
        plain = Stream(self.port, self.key)
        self.assertEqual(plain.read_head(), 200)
        caller = Caller(self.port)
        ident = plain.wait(type="connect", peer=caller.peer)["id"]
        caller.send("0\r\n")
        caller.expect(main_menu())
        trace = self.api("/teacher/api/sessions/%d/trace" % ident)
        self.assertEqual((trace["lines"], trace["from_start"],
                          trace["since"]), ([], False, None))
        # The teacher's page asks for it (wire=1): kept from now on, and
        # the answer says the call's start is not there.
        stream = Stream(self.port, self.key, "?wire=1")
        self.assertEqual(stream.read_head(), 200)
        caller.send("0\r\n")
        caller.expect(main_menu())
        stream.wait(type="line", id=ident)
        trace = self.api("/teacher/api/sessions/%d/trace" % ident)
        wire = "\n".join(trace["lines"])
        self.assertIn("in 3 bytes", wire)
        self.assertNotIn("telnet: IAC WILL ECHO", wire)
        self.assertFalse(trace["from_start"])
        self.assertRegex(trace["since"], r"^\d{4}-\d\d-\d\dT[\d:.]+Z$")
        caller.close()
        plain.close()
        # A call that begins while it is asked for: kept from its start.
        caller = Caller(self.port)
        ident = stream.wait(type="connect", peer=caller.peer)["id"]
        caller.send("0\r\n")
        caller.expect(main_menu())
        trace = self.api("/teacher/api/sessions/%d/trace" % ident)
        self.assertTrue(trace["from_start"])
        self.assertIn("telnet: IAC WILL ECHO", "\n".join(trace["lines"]))
        # Each repeat of the main menu is about twenty lines of wire.
        for _ in range(20):
            caller.send("0\r\n")
            caller.expect(main_menu())
        caller.send("9\r\n")
        caller.expect(web.menu_line("  language", "text"))
        stream.wait(type="state", id=ident, to="MENU")
        lines = self.api("/teacher/api/sessions/%d/trace" % ident)["lines"]
        self.assertEqual(len(lines), TRACE_LINES)
        # The newest are kept: the greeting's offers are gone.
        self.assertNotIn("telnet: IAC WILL ECHO", "\n".join(lines))
        self.assertIn("MENU main -> MENU language", "\n".join(lines))
        caller.close()
        stream.close()


class StreamsTest(TeacherCase):
    """At most 16 event streams; a reader that stops holds a bounded
    queue, then hears how many events it missed."""

    @classmethod
    def setUpClass(cls):
        # ASan keeps up to 256 MiB of freed memory in quarantine, which
        # RSS would count: a small one keeps the RSS check about the queue.
        was = os.environ.get("ASAN_OPTIONS")
        os.environ["ASAN_OPTIONS"] = ((was + ":") if was else "") + \
            "quarantine_size_mb=1"
        try:
            super().setUpClass()
        finally:
            if was is None:
                del os.environ["ASAN_OPTIONS"]
            else:
                os.environ["ASAN_OPTIONS"] = was

    def open_stream(self, query="", rcvbuf=None):
        """A stream the server took (it may still count a closed one)."""
        deadline = time.monotonic() + WAIT
        while True:
            stream = Stream(self.port, self.key, query, rcvbuf)
            if stream.read_head() == 200:
                return stream
            stream.close()
            self.assertLess(time.monotonic(), deadline, stream.raw)
            time.sleep(0.1)

    def test_seventeenth_stream_gets_503(self):
        streams = [self.open_stream() for _ in range(MAX_STREAMS)]
        extra = Stream(self.port, self.key)
        self.assertEqual(extra.read_head(), 503)
        self.assertTrue(extra.headers.get("retry-after", "").isdigit())
        self.assertIsInstance(json_of(bytes(extra.raw))["error"], str)
        extra.close()
        # The sixteen stay open and are fed.
        caller = Caller(self.port)
        for stream in streams:
            stream.wait(type="connect", peer=caller.peer)
        caller.close()
        for stream in streams:
            stream.close()
        # Once they have gone, a stream is taken again.
        self.open_stream().close()
        self.assert_still_serving()

    def test_reader_that_stops_is_bounded(self):
        busy = Caller(self.port)
        ident = self.session_of(busy)["id"]
        # A reader of the busy caller's wire that reads nothing, with a
        # small receive buffer so that the server's queue fills soon.
        slow = self.open_stream("?trace=%d" % ident, rcvbuf=4096)
        before = rss_of(self.server.proc.pid)
        # Four events a press (its line, the state, the wire's chunks),
        # about 1.5 KiB: ten thousand make over ten times the bound.
        presses = 10000
        menu = "请按键选择".encode()
        heard = 0
        sent = 0
        deadline = time.monotonic() + 60
        busy.sock.setblocking(False)
        while heard < presses:
            self.assertLess(time.monotonic(), deadline,
                            "only %d menus heard" % heard)
            want_w = [busy.sock] if sent < presses else []
            r, w, _ = select.select([busy.sock], want_w, [], 1.0)
            if w and sent - heard < 100:
                n = min(50, presses - sent)
                busy.sock.sendall(b"0\r\n" * n)
                sent += n
            if r:
                chunk = busy.sock.recv(1 << 20)
                self.assertTrue(chunk, "the busy caller was hung up on")
                tail = bytes(busy.got[-len(menu):]) + chunk
                heard += tail.count(menu)
                busy.got = bytearray(chunk[-len(menu):])
        busy.sock.setblocking(True)
        grown = rss_of(self.server.proc.pid) - before
        self.assertLess(grown, MAX_QUEUE + RSS_SLACK,
                        "hotlined grew %d bytes" % grown)
        # Reading again: the queue, then one "missed" with the count.
        busy.mark = len(busy.text())
        deadline = time.monotonic() + WAIT
        while not slow.of("missed"):
            self.assertLess(time.monotonic(), deadline, "no missed event")
            busy.send("0\r\n")
            busy.expect(main_menu())
            try:
                slow.pump(lambda: bool(slow.of("missed")),
                          "a missed event", 0.5)
            except AssertionError:
                self.assertFalse(slow.eof, "the stream ended")
        missed = slow.of("missed")
        self.assertEqual(len(missed), 1)
        self.assertGreater(missed[0]["count"], 0)
        # After it, the stream goes on with the caller's events.
        busy.send("9\r\n")
        slow.wait(type="state", id=ident, to="MENU")
        busy.close()
        slow.close()
        self.assert_still_serving()


class LockoutTest(TeacherCase):
    """Five wrong keys from an address lock it out for a minute (429);
    another address is not locked."""

    def test_five_wrong_keys_lock_one_address(self):
        wrong = bearer("w" * TOKEN_LEN)
        for i in range(4):
            with self.subTest(wrong=i + 1):
                self.assert_error(self.get("/teacher/api/sessions", wrong),
                                  401)
        self.assert_error(self.get("/teacher/api/sessions", wrong), 429)
        # The right key is refused too, for the lockout's minute.
        for answer in (self.get("/teacher/api/sessions", bearer(self.key)),
                       self.post("/teacher/login", {"secret": self.key})):
            with self.subTest(answer=answer[0]):
                obj = self.assert_error(answer, 429)
                wait = int(answer[1].get("retry-after", "-1"))
                self.assertTrue(0 < wait <= 60, wait)
                self.assertEqual(obj["retry_after"], wait)
                self.assertNotIn("set-cookie", answer[1])
        # Another address (127.0.0.2 is loopback too) is not locked out.
        status, _, _ = request(self.port, "GET", "/teacher/api/sessions",
                               (bearer(self.key),), source="127.0.0.2")
        self.assertEqual(status, 200)
        status, _, _ = request(self.port, "GET", "/teacher/api/sessions",
                               (wrong,), source="127.0.0.2")
        self.assertEqual(status, 401)
        self.assert_still_serving()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: test_teacher_e2e.py HOTLINED ROOT "
                 "[unittest options]")
    web.HOTLINED = os.path.abspath(sys.argv[1])
    web.ROOT = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:])
