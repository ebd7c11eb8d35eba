"""teacher_standin: a stand-in for hotlined's teacher side, test only.

Python's standard library only. On one loopback port it serves web/'s
teacher pages from a fixed table of URLs (TEACHER_FILES, as hotlined's
asset table has them: no file path is ever taken from a URL) and answers
the HTTP contract of issue 18 with data the test scripts: the login
(key, cookie, page token, a lockout it can switch on), the sessions, one
session's trace, the room, the menus' DOT, the operator's POSTs (each
recorded for the test to check) and the event stream (Server-Sent
Events; the test pushes events with emit() and trace lines with
emit_trace(), and can drop every stream to make the page reconnect).

It is no model for the server: its checks are the contract's, its data
whatever the test puts in it.
"""

import json
import os
import queue
import re
import secrets
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

WEB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "web")

JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
HTML = "text/html; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"

# URL -> (file under web/, content type, public): what the teacher's
# pages load, the list web/README.md gives for proto/http.c. /teacher
# itself is login.html or index.html, by the cookie.
TEACHER_FILES = {
    "/teacher-login.js": ("teacher-login.js", JS, True),
    "/teacher-login.css": ("teacher-login.css", CSS, True),
    "/viz/viz.js": ("viz/viz.js", JS, True),
    "/teacher/teacher.js": ("teacher/teacher.js", JS, False),
    "/teacher/api.js": ("teacher/api.js", JS, False),
    "/teacher/table.js": ("teacher/table.js", JS, False),
    "/teacher/wire.js": ("teacher/wire.js", JS, False),
    "/teacher/room.js": ("teacher/room.js", JS, False),
    "/teacher/graph.js": ("teacher/graph.js", JS, False),
    "/teacher/teacher.css": ("teacher/teacher.css", CSS, False),
}
LOGIN_PAGE = "teacher/login.html"
VIEW_PAGE = "teacher/index.html"

# The contract's policy for the teacher's pages.
TEACHER_CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
               "style-src 'self'; img-src 'self' data:; connect-src 'self'; "
               "frame-ancestors 'none'")
COOKIE = "hotline_teacher"
# A POST body past this is refused (413), as the contract says.
MAX_BODY = 4096
# What a stream waits for an event before looking whether to end.
STREAM_POLL = 0.2


def iso_now():
    """The time now as the events write it."""
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + \
        ".%03dZ" % (int(t * 1000) % 1000)


class Stream:
    """One event-stream client: its subscription and its queue."""

    def __init__(self, trace):
        self.trace = trace
        self.queue = queue.Queue()


class TeacherStandIn(ThreadingHTTPServer):
    """The server on 127.0.0.1, a thread per request."""

    daemon_threads = True

    def __init__(self, dot=""):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.key = secrets.token_urlsafe(32)
        self.cookies = set()
        self.tokens = {}
        # Seconds a login answers 429 with, 0 for none.
        self.locked = 0
        self.dot = dot
        self.sessions = []
        self.traces = {}
        # Sessions whose wire the server began to keep after they began.
        self.late_wires = {}
        self.room = {"members": [], "history": []}
        self.posts = []
        self.logins = []
        self.unknown = []
        self.streams = []
        self.opened = []
        self.stopping = False
        self.thread = threading.Thread(target=self.serve_forever,
                                       daemon=True)
        self.thread.start()

    def url(self, path):
        """The absolute URL of path."""
        return "http://127.0.0.1:%d%s" % (self.server_address[1], path)

    def origin(self):
        """The page's own origin, as a browser sends it."""
        return "http://127.0.0.1:%d" % self.server_address[1]

    def close(self):
        """Ends every stream and stops serving."""
        self.stopping = True
        self.shutdown()
        self.server_close()

    def emit(self, event):
        """Sends event (a dict) to every stream; a chat line goes into
        the room's history too, as the server's room keeps it."""
        with self.lock:
            if event.get("type") == "chat":
                self.room["history"].append(
                    {k: event.get(k) for k in ("time", "id", "nick", "text",
                                               "kind")})
            for s in self.streams:
                s.queue.put(event)

    def emit_trace(self, sid, lines):
        """Adds lines to session sid's trace, sent to its followers."""
        with self.lock:
            self.traces.setdefault(sid, []).extend(lines)
            for s in self.streams:
                if sid in s.trace:
                    s.queue.put({"type": "trace", "id": sid,
                                 "lines": lines})

    def drop_streams(self):
        """Ends every stream now, as a restart would."""
        with self.lock:
            for s in self.streams:
                s.queue.put(None)

    def wait(self, predicate, timeout=10.0):
        """Waits until predicate() holds (called under the lock)."""
        with self.changed:
            if not self.changed.wait_for(predicate, timeout):
                raise AssertionError("the stand-in never saw that")

    def followers(self):
        """The trace subscriptions of the streams open now."""
        with self.lock:
            return [sorted(s.trace) for s in self.streams]


class Handler(BaseHTTPRequestHandler):
    """One request of the contract; every answer closes the connection."""

    def log_message(self, *args):
        pass

    def auth(self):
        """'cookie', 'bearer' or None: how the request is authenticated."""
        srv = self.server
        if self.headers.get("Authorization") == "Bearer " + srv.key:
            return "bearer"
        for part in self.headers.get("Cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and value in srv.cookies:
                return "cookie"
        return None

    def cookie(self):
        """The value of the teacher's cookie sent, or None."""
        for part in self.headers.get("Cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE:
                return value
        return None

    def answer(self, status, body, kind=JSON_TYPE, extra=()):
        """Sends one whole answer; a dict body goes as JSON."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False)
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", TEACHER_CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, text, extra=()):
        """A JSON error answer."""
        self.answer(status, {"error": text}, extra=extra)

    def file(self, name, kind):
        """Sends a file under web/."""
        with open(os.path.join(WEB, name), "rb") as f:
            self.answer(200, f.read(), kind)

    def do_GET(self):
        srv = self.server
        url = urlsplit(self.path)
        path = url.path
        if path == "/teacher":
            self.file(VIEW_PAGE if self.auth() else LOGIN_PAGE, HTML)
            return
        if path in TEACHER_FILES:
            name, kind, public = TEACHER_FILES[path]
            if public or self.auth():
                self.file(name, kind)
            else:
                self.error(401, "the teacher's key is needed")
            return
        if not path.startswith("/teacher/"):
            with srv.lock:
                srv.unknown.append(self.path)
            self.error(404, "no such page")
            return
        who = self.auth()
        if who is None:
            self.error(401, "the teacher's key is needed")
            return
        if path == "/teacher/api/whoami":
            token = srv.tokens.get(self.cookie()) if who == "cookie" \
                else None
            self.answer(200, {"page_token": token, "expires": None,
                              "bearer": who == "bearer"})
        elif path == "/teacher/api/sessions":
            with srv.lock:
                body = {"now": iso_now(), "sessions": list(srv.sessions)}
            self.answer(200, body)
        elif path == "/teacher/api/room":
            with srv.lock:
                body = json.loads(json.dumps(srv.room))
            self.answer(200, body)
        elif path == "/teacher/api/menus.dot":
            self.answer(200, srv.dot, "text/vnd.graphviz; charset=utf-8")
        elif path == "/teacher/api/events":
            self.events(parse_qs(url.query).get("trace", [""])[0])
        else:
            m = re.fullmatch(r"/teacher/api/sessions/([0-9]+)/trace", path)
            with srv.lock:
                lines = srv.traces.get(int(m.group(1))) if m else None
                lines = None if lines is None else lines[-200:]
            if m is None:
                self.error(404, "no such path")
            elif lines is None:
                self.error(404, "no session %s" % m.group(1))
            else:
                sid = int(m.group(1))
                since = srv.late_wires.get(sid)
                self.answer(200, {"id": sid, "lines": lines,
                                  "from_start": since is None,
                                  "since": since or
                                  "2026-03-01T14:01:02.000Z"})

    def events(self, trace):
        """The event stream, until the client or the test ends it."""
        srv = self.server
        ids = {int(t) for t in trace.split(",") if t.isdigit()}
        stream = Stream(ids)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        with srv.changed:
            srv.streams.append(stream)
            srv.opened.append(sorted(ids))
            srv.changed.notify_all()
        try:
            self.wfile.write(b": hello\n\n")
            while not srv.stopping:
                try:
                    event = stream.queue.get(timeout=STREAM_POLL)
                except queue.Empty:
                    if self.hung_up():
                        break
                    continue
                if event is None:
                    break
                data = json.dumps(event, ensure_ascii=False)
                self.wfile.write(("data: %s\n\n" % data).encode())
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with srv.changed:
                srv.streams.remove(stream)
                srv.changed.notify_all()

    def hung_up(self):
        """Whether the client closed its side (an EventSource closed)."""
        ready, _, _ = select.select([self.connection], [], [], 0)
        if not ready:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def do_POST(self):
        srv = self.server
        path = urlsplit(self.path).path
        origin = self.headers.get("Origin")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.error(413, "the body is over 4096 bytes")
            return
        raw = self.rfile.read(length)
        if origin is not None and origin != srv.origin():
            self.error(403, "a request from another site")
            return
        try:
            body = json.loads(raw.decode()) if raw else {}
        except ValueError:
            body = None
        if path == "/teacher/login":
            self.login(body)
            return
        who = self.auth()
        if who is None:
            self.error(401, "the teacher's key is needed")
            return
        token = self.headers.get("X-Teacher-Token")
        with srv.changed:
            srv.posts.append({"path": path, "token": token, "body": body})
            srv.changed.notify_all()
        if who == "cookie" and (token is None or
                                srv.tokens.get(self.cookie()) != token):
            self.error(403, "the page token is missing or wrong")
            return
        if not isinstance(body, dict):
            self.error(400, "the body is not a JSON object")
            return
        if path == "/teacher/logout":
            srv.cookies.discard(self.cookie())
            self.answer(200, {"ok": True}, extra=[
                ("Set-Cookie", "%s=; Max-Age=0; HttpOnly; SameSite=Strict;"
                 " Path=/teacher" % COOKIE)])
        elif path == "/teacher/api/wall":
            if not isinstance(body.get("text"), str):
                self.error(400, "wall needs a text")
                return
            self.answer(200, {"ok": True})
        elif path in ("/teacher/api/kick", "/teacher/api/mute"):
            self.member_action(path, body)
        else:
            self.error(404, "no such action")

    def member_action(self, path, body):
        """A kick or a mute of a member of the scripted room."""
        srv = self.server
        nick = body.get("nick")
        if not isinstance(nick, str) or (
                path.endswith("mute") and
                not isinstance(body.get("muted"), bool)):
            self.error(400, "missing fields")
            return
        with srv.lock:
            members = srv.room["members"]
            found = [m for m in members if m["nick"] == nick]
            if found and path.endswith("kick"):
                members.remove(found[0])
            elif found:
                found[0]["muted"] = body["muted"]
        if not found:
            self.error(404, "no one called %s in the room" % nick)
        else:
            self.answer(200, {"ok": True})

    def login(self, body):
        """POST /teacher/login: the key, a lockout, or a wrong secret."""
        srv = self.server
        secret = body.get("secret") if isinstance(body, dict) else None
        with srv.changed:
            srv.logins.append(secret)
            srv.changed.notify_all()
        if srv.locked:
            self.answer(429, {"error": "too many wrong tries from your "
                              "address", "retry_after": srv.locked},
                        extra=[("Retry-After", str(srv.locked))])
        elif not isinstance(secret, str):
            self.error(400, "the body needs a secret")
        elif not secrets.compare_digest(secret.encode(), srv.key.encode()):
            self.error(401, "that is not the teacher's key or password")
        else:
            cookie = secrets.token_urlsafe(32)
            with srv.lock:
                srv.cookies.add(cookie)
                srv.tokens[cookie] = secrets.token_urlsafe(32)
            self.answer(200, {"ok": True}, extra=[
                ("Set-Cookie", "%s=%s; HttpOnly; SameSite=Strict;"
                 " Path=/teacher" % (COOKIE, cookie))])


if __name__ == "__main__":
    # By hand: python3 tests/browser/teacher_standin.py, then open the URL.
    server = TeacherStandIn('digraph hotline { "zh-CN/main"; }\n')
    server.sessions = [{"id": 1, "peer": "127.0.0.1:40000",
                        "transport": "telnet", "mode": "character",
                        "language": "zh-CN", "encoding": "UTF-8",
                        "state": "MENU", "menu": "main",
                        "node": "zh-CN/main", "nick": None, "idle_ms": 1200,
                        "duration_ms": 5000, "bytes_in": 24,
                        "bytes_out": 1380, "closed": None}]
    print(server.url("/teacher#key=" + server.key), flush=True)
    threading.Event().wait()
