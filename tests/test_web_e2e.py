#!/usr/bin/env python3
"""
test_web_e2e: hotlined's HTTP and WebSocket side, without a browser.

  tests/test_web_e2e.py HOTLINED ROOT [unittest options]

HOTLINED is the server under test; ROOT is the top of the repository
(its menus/ and web/; `npm ci` in web/ must have filled web/xterm/). Each
test class starts its own `hotlined --port 0` on loopback, from ROOT, and
reads the port from its `listening on 127.0.0.1:PORT` line; every case
dials fresh connections.

The WebSocket client here is our own (RFC 6455, Python's standard library
only) so that it can also send what no browser would: unmasked frames,
oversized frames and messages, text that is not UTF-8, frames cut at any
byte. It proves the server's half of issue 17 over real sockets: the
handshake, telnet inside binary frames, fragments, pings both ways and
the 60 s give-up, the close codes, every HTTP refusal, and that after
each bad caller the port still serves telnet and WebSocket callers. It
also checks --max-per-ip, --no-http, --http-port and --web-origin.

Every wait is bounded; no case asserts how long anything took.
"""

import base64
import hashlib
import os
import re
import select
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "browser"))
from standin import telnet_data  # noqa: E402

HOTLINED = None
ROOT = None

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA
IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
ECHO, SGA, TTYPE, NAWS = 1, 3, 24, 31

# The server's limits (service/proto/http.h, service/proto/wsframe.h).
MAX_HEAD = 8192
MAX_FRAME = 64 * 1024
MAX_MESSAGE = 1024 * 1024

# Bounds on waiting (an ASan build is slow); never asserted as timings.
WAIT = 10.0
# The slow head is closed after 10 s; this long is allowed for it.
SLOW_HEAD_BOUND = 15.0
# Pings every 25 s and a give-up after 60 s: wait this long for each.
PING_BOUND = 40.0
GIVE_UP_BOUND = 100.0

# The page's own files: URL path, file under web/, Content-Type's start.
ASSETS = (
    ("/", "index.html", "text/html"),
    ("/hotline.js", "hotline.js", "text/javascript"),
    ("/hotline.css", "hotline.css", "text/css"),
    ("/xterm/xterm.js", "xterm/xterm.js", "text/javascript"),
    ("/xterm/xterm.css", "xterm/xterm.css", "text/css"),
    ("/xterm/addon-fit.js", "xterm/addon-fit.js", "text/javascript"),
)


def menu_line(section, key):
    """First line of the block `key: |` after `section:` in zh-CN.yaml."""
    with open(os.path.join(ROOT, "menus", "zh-CN.yaml"),
              encoding="utf-8") as f:
        text = f.read()
    start = re.search(r"^%s:$" % re.escape(section), text, re.M)
    m = re.compile(r"^\s+%s: \|\n(.*)$" % re.escape(key), re.M).search(
        text, start.end())
    return m.group(1).strip()


def text_of(raw):
    """What a caller reads in a telnet stream, as text."""
    return telnet_data(raw).decode("utf-8", "replace")


def mask(key, data):
    """data XORed with the 4-byte key, repeated (RFC 6455 5.3)."""
    if not data:
        return b""
    keys = (key * (len(data) // 4 + 1))[:len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(keys, "big")) \
        .to_bytes(len(data), "big")


def frame(opcode, payload=b"", fin=True, masked=True, length=None):
    """One client frame; length announces another length than payload's."""
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | opcode
    m = 0x80 if masked else 0
    if n < 126:
        head = struct.pack("!BB", b0, m | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, m | 126, n)
    else:
        head = struct.pack("!BBQ", b0, m | 127, n)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + mask(key, payload)


def accept_of(key):
    """The Sec-WebSocket-Accept a server must answer key with."""
    return base64.b64encode(
        hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


def new_key():
    """A fresh Sec-WebSocket-Key: base64 of 16 random bytes."""
    return base64.b64encode(os.urandom(16)).decode()


def upgrade_request(port, key=None, version="13", origin=None, extra="",
                    path="/ws"):
    """The head of a WebSocket upgrade; key or version None leaves it out."""
    lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1:%d" % port,
             "Upgrade: websocket", "Connection: Upgrade",
             "User-Agent: test_web_e2e"]
    if key is not None:
        lines.append("Sec-WebSocket-Key: " + key)
    if version is not None:
        lines.append("Sec-WebSocket-Version: " + version)
    if origin is not None:
        lines.append("Origin: " + origin)
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


def dial(port):
    """A TCP connection to the server under test."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def recv_some(sock, deadline):
    """Bytes the peer sent, b"" at its end (a reset is an end too)."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise socket.timeout()
    sock.settimeout(left)
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""


def read_all(sock, bound=WAIT):
    """Everything the peer sends until it closes; fails past bound."""
    deadline = time.monotonic() + bound
    got = bytearray()
    while True:
        try:
            chunk = recv_some(sock, deadline)
        except socket.timeout:
            raise AssertionError("still open after %.0f s; got %r"
                                 % (bound, bytes(got[:300])))
        if not chunk:
            return bytes(got)
        got += chunk


def split_head(raw):
    """(status, headers with lower-case names, rest) of a response."""
    head, sep, rest = raw.partition(b"\r\n\r\n")
    if not sep:
        raise AssertionError("no whole response head in %r" % raw[:300])
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.1 (\d{3}) ", lines[0])
    if m is None:
        raise AssertionError("not an HTTP status line: %r" % lines[0])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(m.group(1)), headers, rest


def http(port, request):
    """Sends a request and reads until the server closes: (status,
    headers, body)."""
    with dial(port) as sock:
        sock.sendall(request)
        return split_head(read_all(sock))


def get(port, path):
    """A plain GET of path."""
    return http(port, ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n"
                       % (path, port)).encode())


def telnet_greeting(port):
    """A telnet caller that sends nothing: what it hears, up to the menu."""
    want = menu_line("  main", "text")
    deadline = time.monotonic() + WAIT
    got = bytearray()
    with dial(port) as sock:
        while want not in text_of(got):
            try:
                chunk = recv_some(sock, deadline)
            except socket.timeout:
                chunk = b""
            if not chunk:
                raise AssertionError("a telnet caller never heard %r; got %r"
                                     % (want, bytes(got[:300])))
            got += chunk
    return bytes(got)


class WsClosed(AssertionError):
    """The server ended the connection while something was awaited."""


class Ws:
    """One WebSocket caller: the handshake, then frames both ways."""

    def __init__(self, port, origin=None, request=None):
        self.key = new_key()
        self.sock = dial(port)
        try:
            self.sock.sendall(request or upgrade_request(port, self.key,
                                                         origin=origin))
            deadline = time.monotonic() + WAIT
            raw = b""
            while b"\r\n\r\n" not in raw:
                chunk = recv_some(self.sock, deadline)
                if not chunk:
                    break
                raw += chunk
            self.status, self.headers, self.buf = split_head(raw)
        except BaseException:
            self.sock.close()
            raise
        self.data = bytearray()  # the payload of every data frame
        self.opcodes = []        # of every frame, in order
        self.pings = []          # payloads of the server's pings
        self.pongs = []          # payloads of the server's pongs
        self.close_code = None   # the code of the server's close frame
        self.eof = False
        self.answer_pings = False

    def close(self):
        """Drops the connection (no close handshake)."""
        self.sock.close()

    def send(self, opcode, payload=b"", **kw):
        """Sends one frame (see frame())."""
        self.sock.sendall(frame(opcode, payload, **kw))

    def send_data(self, data):
        """Sends telnet bytes as one binary message."""
        self.send(OP_BINARY, data)

    def _next_frame(self, deadline):
        """Reads one server frame and records it; False at the end."""
        while True:
            if len(self.buf) >= 2:
                b0, b1 = self.buf[0], self.buf[1]
                n, pos = b1 & 0x7F, 2
                if n == 126 and len(self.buf) >= 4:
                    n, pos = struct.unpack("!H", self.buf[2:4])[0], 4
                elif n == 127 and len(self.buf) >= 10:
                    n, pos = struct.unpack("!Q", self.buf[2:10])[0], 10
                if (n < 126 or pos > 2) and len(self.buf) >= pos + n:
                    break
            chunk = recv_some(self.sock, deadline)
            if not chunk:
                self.eof = True
                return False
            self.buf += chunk
        payload, self.buf = self.buf[pos:pos + n], self.buf[pos + n:]
        # RFC 6455 5.1: a server never masks; no extension set RSV bits.
        if b1 & 0x80 or b0 & 0x70:
            raise AssertionError("server frame %02x %02x: masked or RSV"
                                 % (b0, b1))
        opcode = b0 & 0x0F
        self.opcodes.append(opcode)
        if opcode in (OP_BINARY, OP_TEXT, OP_CONT):
            self.data += payload
        elif opcode == OP_PING:
            self.pings.append(payload)
            if self.answer_pings:
                self.send(OP_PONG, payload)
        elif opcode == OP_PONG:
            self.pongs.append(payload)
        elif opcode == OP_CLOSE:
            self.close_code = (struct.unpack("!H", payload[:2])[0]
                               if len(payload) >= 2 else 0)
        return True

    def pump(self, done, what, bound=WAIT):
        """Reads frames until done() holds; fails at the end or past bound."""
        deadline = time.monotonic() + bound
        while not done():
            try:
                alive = self._next_frame(deadline)
            except socket.timeout:
                raise AssertionError("never %s within %.0f s; heard %r"
                                     % (what, bound, self.text()[-300:]))
            if not alive or self.close_code is not None:
                if done():
                    return
                raise WsClosed("closed (code %r) before %s; heard %r"
                               % (self.close_code, what, self.text()[-300:]))

    def text(self):
        """What the caller heard so far, as text."""
        return text_of(self.data)

    def wait_text(self, want, bound=WAIT):
        """Reads until the caller has heard want (a str)."""
        self.pump(lambda: want in self.text(), "heard %r" % want, bound)

    def wait_greeting(self):
        """Reads until the main menu has been heard."""
        self.wait_text(menu_line("  main", "text"))

    def wait_pong(self, payload):
        """Reads until a pong with payload came."""
        self.pump(lambda: payload in self.pongs, "a pong %r" % payload)

    def wait_close(self, bound=WAIT):
        """Reads until the server's close frame; answers it, waits for
        the end of the connection, and returns the code."""
        try:
            self.pump(lambda: self.close_code is not None, "a close frame",
                      bound)
        except WsClosed:
            raise AssertionError("the connection ended without a close "
                                 "frame; heard %r" % self.text()[-300:])
        try:
            self.send(OP_CLOSE, struct.pack("!H", self.close_code))
        except OSError:
            pass  # it may have closed already: that is allowed
        read_all(self.sock)
        self.sock.close()
        return self.close_code


class Server:
    """One hotlined on a free loopback port, run from ROOT."""

    def __init__(self, *args):
        self.dir = tempfile.TemporaryDirectory(prefix="hotline-web-e2e-")
        self.log_path = os.path.join(self.dir.name, "hotlined.log")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [HOTLINED, "--listen", "127.0.0.1", "--port", "0",
                 "--db", os.path.join(self.dir.name, "hotline.db"),
                 "--menus", os.path.join(ROOT, "menus")] + list(args),
                cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.port = self.http_port = None
        deadline = time.monotonic() + 30
        want_http = "--http-port" in args
        while self.port is None or (want_http and self.http_port is None):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("hotlined did not start:\n" + self.log())
            log = self.log()
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)$", log, re.M)
            if m:
                self.port = int(m.group(1))
            m = re.search(r"listening on 127\.0\.0\.1:(\d+) \(HTTP\)$",
                          log, re.M)
            if m:
                self.http_port = int(m.group(1))
            time.sleep(0.05)

    def log(self):
        """Everything hotlined wrote so far."""
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def alive(self):
        """Whether hotlined is still running."""
        return self.proc.poll() is None

    def stop(self):
        """SIGTERM, and the exit status (killed past a bound: -9)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class ServerCase(unittest.TestCase):
    """A test class with a hotlined of its own, started with ARGS."""

    ARGS = ()

    @classmethod
    def setUpClass(cls):
        xterm = os.path.join(ROOT, "web", "xterm", "xterm.js")
        if not os.path.isfile(xterm):
            raise RuntimeError("%s is missing: run `npm ci` in web/" % xterm)
        cls.server = Server(*cls.ARGS)
        cls.port = cls.server.port

    @classmethod
    def tearDownClass(cls):
        status = cls.server.stop()
        log = cls.server.log()
        cls.server.dir.cleanup()
        if status != 0 or "Sanitizer" in log:
            raise AssertionError("hotlined exited %s:\n%s" % (status, log))

    def tearDown(self):
        self.assertTrue(self.server.alive(), self.server.log())

    def call(self, origin=None):
        """A WebSocket caller that has heard the main menu."""
        ws = Ws(self.port, origin=origin)
        self.assertEqual(ws.status, 101, ws.headers)
        ws.wait_greeting()
        return ws

    def assert_still_serving(self):
        """A telnet caller and a WebSocket caller are both answered."""
        greeting = telnet_greeting(self.port)
        self.assertIn(bytes([IAC, WILL, ECHO]), greeting)
        ws = self.call()
        ws.send_data(b"0\r\n")
        ws.pump(lambda: ws.text().count(menu_line("  main", "text")) == 2,
                "heard the main menu again")
        ws.close()

    def assert_telnet_caller(self, request):
        """Sends request on the main port: the caller hears the telnet
        greeting (the main menu), never an HTTP answer."""
        with dial(self.port) as sock:
            sock.sendall(request)
            deadline = time.monotonic() + WAIT
            got = b""
            while menu_line("  main", "text") not in text_of(got):
                chunk = recv_some(sock, deadline)
                self.assertTrue(chunk, got)
                got += chunk
        self.assertFalse(got.startswith(b"HTTP/"))
        return got

    def bad_frame(self, ws, data, code):
        """Sends data after the greeting; the server must close with code."""
        ws.sock.sendall(data)
        self.assertEqual(ws.wait_close(), code)
        self.assert_still_serving()


class WebSocketTest(ServerCase):
    """Telnet inside WebSocket frames, and every bad frame."""

    def test_handshake_then_telnet_in_binary_frames(self):
        ws = Ws(self.port)
        self.assertEqual(ws.status, 101)
        self.assertEqual(ws.headers.get("upgrade", "").lower(), "websocket")
        self.assertIn("upgrade", ws.headers.get("connection", "").lower())
        self.assertEqual(ws.headers.get("sec-websocket-accept"),
                         accept_of(ws.key))
        ws.wait_greeting()
        # The same offers a telnet caller gets, inside the frames.
        for offer in ([IAC, WILL, ECHO], [IAC, WILL, SGA], [IAC, DO, NAWS],
                      [IAC, DO, TTYPE]):
            self.assertIn(bytes(offer), ws.data)
        self.assertEqual(set(ws.opcodes), {OP_BINARY})
        # No answer to the offers: line mode, keys act on Enter.
        ws.send_data(b"9\r\n")
        ws.wait_text(menu_line("  language", "text"))
        ws.send_data(b"#\r\n")
        ws.pump(lambda: ws.text().count(menu_line("  main", "text")) == 2,
                "heard the main menu again")
        self.assertEqual(set(ws.opcodes), {OP_BINARY})
        ws.close()

    def test_telnet_command_split_across_frames(self):
        ws = self.call()
        # IAC DO | ECHO in two frames: taken whole, it means character
        # mode, where a key acts with no Enter after it.
        ws.send_data(bytes([IAC, DO]))
        ws.send_data(bytes([ECHO]))
        ws.send_data(bytes([IAC, DO, SGA, IAC, WONT, NAWS, IAC, WONT,
                            TTYPE]))
        ws.send_data(b"9")
        ws.wait_text(menu_line("  language", "text"))
        ws.close()

    def test_fragmented_message_taken_whole(self):
        ws = self.call()
        # "9\r\n" as three fragments with a ping between them (RFC 6455
        # 5.4 allows control frames there), the last one cut into single
        # bytes on the wire.
        ws.send(OP_BINARY, b"9", fin=False)
        ws.send(OP_PING, b"between")
        ws.send(OP_CONT, b"\r", fin=False)
        for byte in frame(OP_CONT, b"\n"):
            ws.sock.sendall(bytes([byte]))
            time.sleep(0.01)
        ws.wait_pong(b"between")
        ws.wait_text(menu_line("  language", "text"))
        ws.close()

    def test_ping_gets_pong_with_same_payload(self):
        ws = self.call()
        ws.send(OP_PING, b"are you there? \x00\xff")
        ws.wait_pong(b"are you there? \x00\xff")
        # The largest payload a control frame may carry.
        big = bytes(range(125))
        ws.send(OP_PING, big)
        ws.wait_pong(big)
        ws.close()

    def test_wire_shows_websocket_browser_and_size(self):
        ws = self.call()
        # A window size, as the page sends one (100 columns, 30 rows).
        ws.send_data(bytes([IAC, WILL, NAWS, IAC, SB, NAWS, 0, 100, 0, 30,
                            IAC, SE]))
        ws.send_data(b"8\r\n")
        ws.wait_text(menu_line("texts", "wire_websocket"))
        self.assertIn("test_web_e2e", ws.text())  # our User-Agent
        self.assertIn("100x30", ws.text())
        ws.close()

    def test_hang_up_closes_with_1000(self):
        ws = self.call()
        ws.send_data(b"3\r\n")
        self.assertEqual(ws.wait_close(), 1000)
        self.assertIn(menu_line("texts", "goodbye"), ws.text())

    def test_client_close_is_answered(self):
        ws = self.call()
        ws.send(OP_CLOSE, struct.pack("!H", 1000))
        self.assertEqual(ws.wait_close(), 1000)
        self.assert_still_serving()

    def test_unmasked_frame_closes_1002(self):
        ws = self.call()
        self.bad_frame(ws, frame(OP_BINARY, b"0\r\n", masked=False), 1002)

    def test_other_protocol_errors_fail_the_call(self):
        # RFC 6455 5.2 and 5.5: each fails the connection with 1002
        # (7.4.1), and the server goes on serving.
        for name, data in (
                ("RSV1 set", bytes([0x80 | 0x40 | OP_BINARY])
                 + frame(OP_BINARY, b"0\r\n")[1:]),
                ("reserved opcode", frame(0x3, b"x")),
                ("continuation first", frame(OP_CONT, b"0\r\n")),
                ("new message inside one", frame(OP_BINARY, b"0", fin=False)
                 + frame(OP_BINARY, b"0")),
                ("ping over 125 bytes", frame(OP_PING, b"x" * 126)),
                ("fragmented ping", frame(OP_PING, b"x", fin=False)),
                ("close with 1 byte", frame(OP_CLOSE, b"\x03")),
                ("close code 999", frame(OP_CLOSE, struct.pack("!H", 999)))):
            with self.subTest(name=name):
                ws = self.call()
                ws.sock.sendall(data)
                self.assertEqual(ws.wait_close(), 1002)
        self.assert_still_serving()

    def test_frame_over_64k_closes_1009(self):
        ws = self.call()
        # A frame of exactly the limit is taken (empty lines: ignored).
        ws.send_data(b"\r\n" * (MAX_FRAME // 2))
        ws.send(OP_PING, b"after 64 KiB")
        ws.wait_pong(b"after 64 KiB")
        # One byte more is refused on its header: only its start is sent,
        # so the server has read all we sent when it closes.
        self.bad_frame(ws, frame(OP_BINARY, b"\r\n" * 500,
                                 length=MAX_FRAME + 1), 1009)

    def test_message_over_1m_in_fragments_closes_1009(self):
        ws = self.call()
        piece = b"\r\n" * (MAX_FRAME // 2)
        ws.send(OP_BINARY, piece, fin=False)
        for _ in range(MAX_MESSAGE // MAX_FRAME - 1):
            ws.send(OP_CONT, piece, fin=False)
        # Exactly 1 MiB so far, and the message still open: taken.
        ws.send(OP_PING, b"after 1 MiB")
        ws.wait_pong(b"after 1 MiB")
        self.bad_frame(ws, frame(OP_CONT, b"\r"), 1009)

    def test_status_counts_calls_only(self):
        # UDP's STATUS: a browser's call is a session; a connection
        # still sending its request head is not.
        ws = self.call()
        with dial(self.port) as half:
            half.sendall(b"GET /ws HTTP/1.1\r\n")
            time.sleep(0.3)  # let the server accept it and read its bytes
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.settimeout(WAIT)
            try:
                udp.sendto(b"STATUS\n", ("127.0.0.1", self.port))
                reply = udp.recv(512).decode()
            finally:
                udp.close()
        self.assertRegex(reply, r"^STATUS sessions=1 chat=0 ")
        ws.close()

    def test_text_frame_not_utf8_closes_1007(self):
        ws = self.call()
        self.bad_frame(ws, frame(OP_TEXT, b"0\xc3\x28\r\n"), 1007)


class HttpTest(ServerCase):
    """The page, its headers, and every HTTP refusal."""

    def test_page_with_security_headers(self):
        status, headers, body = get(self.port, "/")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("content-security-policy"),
                         "default-src 'self'")
        self.assertEqual(headers.get("x-content-type-options"), "nosniff")
        self.assertTrue(headers.get("content-type", "")
                        .startswith("text/html"))
        with open(os.path.join(ROOT, "web", "index.html"), "rb") as f:
            self.assertEqual(body, f.read())

    def test_assets(self):
        for path, name, ctype in ASSETS:
            with self.subTest(path=path):
                status, headers, body = get(self.port, path)
                self.assertEqual(status, 200)
                self.assertTrue(headers.get("content-type", "")
                                .startswith(ctype), headers)
                self.assertEqual(headers.get("x-content-type-options"),
                                 "nosniff")
                self.assertEqual(int(headers.get("content-length", -1)),
                                 len(body))
                with open(os.path.join(ROOT, "web", name), "rb") as f:
                    self.assertEqual(body, f.read())

    def test_other_paths_404(self):
        for path in ("/index.html", "/web/index.html", "/web/hotline.js",
                     "/../web/index.html", "/xterm/../hotline.js",
                     "/./hotline.js", "/%2e%2e/menus/zh-CN.yaml",
                     "/..%2f..%2fetc%2fpasswd", "/menus/zh-CN.yaml",
                     "//etc/passwd", "/xterm/", "/xterm", "/ws/",
                     "/hotline.db", "/package.json", "/node_modules/"):
            with self.subTest(path=path):
                status, _, _ = get(self.port, path)
                self.assertEqual(status, 404)
        self.assert_still_serving()

    def test_post_on_shared_port(self):
        # "POST " is HTTP too (the teacher's page); only /teacher takes it.
        status, _, _ = http(self.port, b"POST / HTTP/1.1\r\n"
                            b"Host: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
        self.assertEqual(status, 405)
        status, _, _ = http(self.port, b"POST / HTTP/1.1\r\n"
                            b"Host: 127.0.0.1\r\n\r\n")
        self.assertEqual(status, 411)
        status, _, _ = http(self.port, b"POST / HTTP/1.1\r\n"
                            b"Host: 127.0.0.1\r\nContent-Length: 4097\r\n\r\n")
        self.assertEqual(status, 413)
        # A method that is neither stays a telnet caller.
        self.assert_telnet_caller(
            b"PUT / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        self.assert_still_serving()

    def test_malformed_request_line_400(self):
        for head in (b"GET /\r\n\r\n",
                     b"GET / HTTP/9.9\r\nHost: a\r\n\r\n",
                     b"GET / HTTP/1.1 x\r\nHost: a\r\n\r\n",
                     b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
                     b"GET relative HTTP/1.1\r\nHost: a\r\n\r\n",
                     b"GET / HTTP/1.1\r\nHost: a\r\nno colon\r\n\r\n",
                     b"GET / HTTP/1.1\r\n\r\n"):
            with self.subTest(head=head):
                status, _, _ = http(self.port, head)
                self.assertEqual(status, 400)
        self.assert_still_serving()

    def test_head_over_8k_431(self):
        # Exactly MAX_HEAD bytes with no blank line: the head cannot end
        # within the limit. Nothing more is sent, so the server has read
        # every byte when it answers and closes.
        start = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: "
        status, _, _ = http(self.port,
                            start + b"a" * (MAX_HEAD - len(start)))
        self.assertEqual(status, 431)
        self.assert_still_serving()

    def test_slow_head_closed(self):
        with dial(self.port) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            # One byte a second, never the blank line: still too slow.
            deadline = time.monotonic() + SLOW_HEAD_BOUND
            got = b""
            closed = False
            while not closed and time.monotonic() < deadline:
                try:
                    sock.sendall(b"X")
                except OSError:
                    break
                ready, _, _ = select.select([sock], [], [], 1.0)
                if ready:
                    chunk = recv_some(sock, deadline)
                    got += chunk
                    closed = not chunk
            if not closed:
                got += read_all(sock, max(deadline - time.monotonic(), 0.1))
        # It may say why (408) before it closes; nothing else.
        if got:
            self.assertEqual(split_head(got)[0], 408)
        self.assert_still_serving()

    def test_upgrade_key_and_version_400(self):
        for key, version in ((None, "13"), ("abc", "13"),
                             ("not base64 at all, no!==", "13"),
                             (base64.b64encode(b"x" * 15).decode() + "==",
                              "13"),
                             (new_key(), "8"), (new_key(), None)):
            with self.subTest(key=key, version=version):
                status, _, _ = http(self.port, upgrade_request(
                    self.port, key, version))
                self.assertEqual(status, 400)
        self.assert_still_serving()

    def test_origins(self):
        for origin in ("http://evil.example", "http://example.org",
                       "http://127.0.0.1:%d" % (self.port + 1),
                       "http://localhost:%d" % self.port, "null"):
            with self.subTest(origin=origin):
                status, _, _ = http(self.port, upgrade_request(
                    self.port, new_key(), origin=origin))
                self.assertEqual(status, 403)
        # The page's own origin is welcome.
        self.call(origin="http://127.0.0.1:%d" % self.port).close()
        self.assert_still_serving()


class KeepAliveTest(ServerCase):
    """The server's pings, and the give-up on a peer that never answers.

    The only slow case: about 60 s to wait for, once."""

    def test_pings_and_silent_peer_closed(self):
        silent = self.call()
        answering = self.call()
        answering.answer_pings = True
        deadline = time.monotonic() + GIVE_UP_BOUND
        pinged_by = time.monotonic() + PING_BOUND
        # Read both until the silent one is gone, answering only the other.
        while not silent.eof:
            left = deadline - time.monotonic()
            self.assertGreater(left, 0, "the silent caller is still open; "
                               "pings %r" % silent.pings)
            if not silent.pings:
                self.assertLess(time.monotonic(), pinged_by,
                                "no ping came")
            ready, _, _ = select.select([silent.sock, answering.sock], [],
                                        [], min(left, 1.0))
            for ws in (w for w in (silent, answering) if w.sock in ready):
                try:
                    ws._next_frame(time.monotonic() + 1.0)
                except socket.timeout:
                    pass  # half a frame so far: the rest comes later
            self.assertIsNone(answering.close_code)
        self.assertGreaterEqual(len(silent.pings), 1)
        self.assertGreaterEqual(len(answering.pings), 1)
        silent.close()
        # The one that answered stays, and is still served.
        answering.send_data(b"0\r\n")
        answering.pump(lambda: answering.text().count(
            menu_line("  main", "text")) == 2, "heard the main menu again")
        answering.close()


class CapTest(ServerCase):
    """--max-per-ip counts browser callers."""

    ARGS = ("--max-per-ip", "2")

    def test_third_browser_caller_turned_away(self):
        first, second = self.call(), self.call()
        busy = menu_line("texts", "busy")
        # The third hears it in its terminal: inside a frame, then a
        # close with 1013 (RFC 6455 7.4.1: try again later).
        third = Ws(self.port)
        self.assertEqual(third.status, 101)
        third.wait_text(busy)
        self.assertEqual(third.wait_close(), 1013)
        self.assertNotIn(menu_line("  main", "text"), third.text())
        # The page itself still loads, so a browser can show that.
        self.assertEqual(get(self.port, "/")[0], 200)
        # A telnet caller on the same port hears it as text.
        with dial(self.port) as sock:
            got = read_all(sock)
        self.assertIn(busy, text_of(got))
        self.assertNotIn(menu_line("  main", "text"), text_of(got))
        # A caller leaving makes room for another.
        first.close()
        deadline = time.monotonic() + WAIT
        while True:
            ws = Ws(self.port)
            self.assertEqual(ws.status, 101)
            try:
                ws.wait_greeting()
                break
            except WsClosed:
                self.assertIn(busy, ws.text())
                self.assertLess(time.monotonic(), deadline, "no room came")
                ws.close()
                time.sleep(0.1)
        ws.close()
        second.close()


class TurnedAwayTest(ServerCase):
    """Callers turned away count toward no cap, and are bounded."""

    ARGS = ("--max-clients", "1")

    def test_half_requests_over_the_cap_hold_no_place(self):
        first = self.call()
        # 200 callers over the cap send half a request and wait: a
        # browser's, so each is kept until its request says more.
        waiting = []
        for _ in range(200):
            sock = socket.create_connection(("127.0.0.1", self.port),
                                            timeout=WAIT)
            sock.sendall(b"GET ")
            waiting.append(sock)
        # The one caller leaving makes room for the next: until it has
        # gone, a caller hears "busy" (past 64 waiting, as plain text).
        first.close()
        deadline = time.monotonic() + WAIT
        while True:
            ws = None
            try:
                ws = Ws(self.port)
                self.assertEqual(ws.status, 101)
                ws.wait_greeting()
                break
            except (WsClosed, AssertionError):
                self.assertLess(time.monotonic(), deadline, "no room came")
                if ws is not None:
                    ws.close()
                time.sleep(0.1)
        ws.close()
        for sock in waiting:
            sock.close()


class NoHttpTest(ServerCase):
    """--no-http: every caller is a telnet caller."""

    ARGS = ("--no-http",)

    def test_get_is_a_telnet_caller(self):
        self.assertIn(bytes([IAC, WILL, ECHO]), telnet_greeting(self.port))
        got = self.assert_telnet_caller(
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        self.assertIn(bytes([IAC, WILL, ECHO]), got)


class HttpPortTest(ServerCase):
    """--http-port 0: HTTP on a port of its own, telnet alone on the other."""

    ARGS = ("--http-port", "0")

    def test_main_port_is_telnet_only(self):
        self.assertNotEqual(self.server.http_port, self.port)
        self.assert_telnet_caller(
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")

    def test_http_port_serves_page_and_calls(self):
        port = self.server.http_port
        status, headers, _ = get(port, "/")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("content-security-policy"),
                         "default-src 'self'")
        ws = Ws(port)
        self.assertEqual(ws.status, 101)
        ws.wait_greeting()
        ws.send_data(b"3\r\n")
        self.assertEqual(ws.wait_close(), 1000)
        # Here every caller is HTTP: a method but GET is 405, telnet 400.
        status, headers, _ = http(port, b"POST / HTTP/1.1\r\n"
                                  b"Host: 127.0.0.1\r\n"
                                  b"Content-Length: 0\r\n\r\n")
        self.assertEqual(status, 405)
        self.assertEqual(headers.get("allow"), "GET")
        status, _, _ = http(port, bytes([IAC, DO, ECHO]) + b"\r\n\r\n")
        self.assertEqual(status, 400)


class WebOriginTest(ServerCase):
    """--web-origin adds an allowed Origin, and only that one."""

    ARGS = ("--web-origin", "http://example.org")

    def test_extra_origin_accepted(self):
        self.call(origin="http://example.org").close()
        status, _, _ = http(self.port, upgrade_request(
            self.port, new_key(), origin="http://evil.example"))
        self.assertEqual(status, 403)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: test_web_e2e.py HOTLINED ROOT [unittest options]")
    HOTLINED = os.path.abspath(sys.argv[1])
    ROOT = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:])
