"""standin: a stand-in for hotlined's HTTP and WebSocket side, test only.

Python's standard library only. On one loopback port it serves web/'s
page from a fixed table of names (as hotlined will: no file path is ever
taken from a URL), with the page's security headers, and upgrades
GET /ws to a WebSocket (RFC 6455) whose binary frames carry telnet. Each
call gets the offers hotlined makes and two it does not (to be refused),
a greeting with Chinese split across two frames in the middle of a
character, an echo of the caller's data, and a goodbye and close 1000
when the caller presses 3.

It records every byte each call sent, for the test to check. It is no
model for the server: it handles one well-behaved browser at a time.
"""

import base64
import hashlib
import os
import socket
import struct
import threading

WEB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "web")
# URL -> (file, content type): everything the page loads, nothing else,
# from web/ as `npm ci` leaves it (its postinstall fills web/xterm/).
FILES = {
    "/": (os.path.join(WEB, "index.html"), "text/html; charset=utf-8"),
    "/hotline.js": (os.path.join(WEB, "hotline.js"),
                    "text/javascript; charset=utf-8"),
    "/hotline.css": (os.path.join(WEB, "hotline.css"),
                     "text/css; charset=utf-8"),
    "/xterm/xterm.js": (os.path.join(WEB, "xterm", "xterm.js"),
                        "text/javascript; charset=utf-8"),
    "/xterm/xterm.css": (os.path.join(WEB, "xterm", "xterm.css"),
                         "text/css; charset=utf-8"),
    "/xterm/addon-fit.js": (os.path.join(WEB, "xterm", "addon-fit.js"),
                            "text/javascript; charset=utf-8"),
}

SECURITY_HEADERS = ("Content-Security-Policy: default-src 'self'\r\n"
                    "X-Content-Type-Options: nosniff\r\n")
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# Request headers past this are refused, as hotlined will (431).
MAX_HEADERS = 8192

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
ECHO, SGA, BINARY, TTYPE, NAWS = 1, 3, 0, 24, 31

# hotlined's offers, in its order (service/proto/telnet.c).
OFFERS = bytes([IAC, WILL, ECHO, IAC, WILL, SGA, IAC, WILL, BINARY,
                IAC, DO, BINARY, IAC, DO, NAWS, IAC, DO, TTYPE])
# Offers hotlined does not make, which the page must refuse: DO
# NEW-ENVIRON and WILL STATUS.
NEW_ENVIRON, STATUS = 39, 5
STRANGE = bytes([IAC, DO, NEW_ENVIRON, IAC, WILL, STATUS])
GREETING = "您好,欢迎致电 10086 中国移动\r\n请按键选择:1 查询话费\r\n"
GOODBYE = "感谢您的来电,再见!\r\n"


def telnet_data(raw):
    """The data bytes of a telnet stream, its commands left out."""
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i] != IAC:
            out.append(raw[i])
            i += 1
        elif i + 1 < len(raw) and raw[i + 1] == IAC:
            out.append(IAC)
            i += 2
        elif i + 1 < len(raw) and raw[i + 1] == SB:
            end = raw.find(bytes([IAC, SE]), i)
            i = len(raw) if end < 0 else end + 2
        elif i + 1 < len(raw) and raw[i + 1] in (DO, DONT, WILL, WONT):
            i += 3
        else:
            i += 2
    return bytes(out)


class Call:
    """One WebSocket call: what the caller sent, and how it ended."""

    def __init__(self):
        self.received = bytearray()
        self.close_code = None
        self.ended = threading.Event()


class StandIn:
    """The server on 127.0.0.1, a thread per connection."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.calls = []
        self.lock = threading.Lock()
        self.new_call = threading.Condition(self.lock)
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def url(self):
        """The page's URL."""
        return "http://127.0.0.1:%d/" % self.port

    def close(self):
        """Stops accepting."""
        self.sock.close()

    def wait_call(self, n, timeout=10.0):
        """The n-th call (from 1), once it has started."""
        with self.new_call:
            if not self.new_call.wait_for(lambda: len(self.calls) >= n,
                                          timeout):
                raise AssertionError("call %d never came" % n)
            return self.calls[n - 1]

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,),
                             daemon=True).start()

    def _serve(self, conn):
        with conn:
            try:
                self._request(conn)
            except (OSError, ConnectionError):
                pass

    def _request(self, conn):
        """Reads one request and answers it."""
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(4096)
            if not chunk:
                return
            head += chunk
            if len(head) > MAX_HEADERS:
                conn.sendall(b"HTTP/1.1 431 Request Header Fields Too Large"
                             b"\r\nConnection: close\r\n\r\n")
                return
        text, rest = head.split(b"\r\n\r\n", 1)
        lines = text.decode("latin-1").split("\r\n")
        method, path, _ = (lines[0].split(" ") + ["", "", ""])[:3]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if method != "GET":
            self._status(conn, "405 Method Not Allowed")
        elif path == "/ws" and headers.get("upgrade", "").lower() \
                == "websocket":
            self._websocket(conn, headers, rest)
        elif path in FILES:
            name, ctype = FILES[path]
            with open(name, "rb") as f:
                body = f.read()
            conn.sendall(("HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
                          "Content-Length: %d\r\n%sCache-Control: no-cache"
                          "\r\nConnection: close\r\n\r\n"
                          % (ctype, len(body), SECURITY_HEADERS)).encode()
                         + body)
        else:
            self._status(conn, "404 Not Found")

    def _status(self, conn, status):
        conn.sendall(("HTTP/1.1 %s\r\nContent-Length: 0\r\n"
                      "Connection: close\r\n\r\n" % status).encode())

    def _websocket(self, conn, headers, rest):
        """The handshake, then one call."""
        key = headers.get("sec-websocket-key", "")
        accept = base64.b64encode(
            hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        conn.sendall(("HTTP/1.1 101 Switching Protocols\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: %s\r\n\r\n" % accept).encode())
        call = Call()
        with self.new_call:
            self.calls.append(call)
            self.new_call.notify_all()
        try:
            self._talk(conn, call, rest)
        finally:
            call.ended.set()

    def _talk(self, conn, call, buf):
        def send(data):
            conn.sendall(frame(0x2, data))
        send(OFFERS + STRANGE)
        greeting = GREETING.encode()
        # Cut inside 您 (3 bytes): the page must still show it whole.
        send(greeting[:1])
        send(greeting[1:])
        sent_ttype = False
        while True:
            parsed = parse_frame(buf)
            if parsed is None:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
                continue
            opcode, payload, buf = parsed
            if opcode == 0x8:
                call.close_code = (struct.unpack("!H", payload[:2])[0]
                                   if len(payload) >= 2 else None)
                conn.sendall(frame(0x8, payload[:2]))
                return
            if opcode == 0x9:
                conn.sendall(frame(0xA, payload))
                continue
            if opcode != 0x2:
                continue
            call.received += payload
            if not sent_ttype and bytes([IAC, WILL, TTYPE]) in \
                    call.received:
                sent_ttype = True
                send(bytes([IAC, SB, TTYPE, 1, IAC, SE]))
            data = telnet_data(payload)
            if data:
                send(data.replace(b"\r", b"\r\n"))
            if b"3" in data:
                send(GOODBYE.encode())
                conn.sendall(frame(0x8, struct.pack("!H", 1000)))
                return


def frame(opcode, payload):
    """One unmasked server frame, FIN set."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


def parse_frame(buf):
    """(opcode, unmasked payload, rest) of the first whole frame, or None."""
    if len(buf) < 2:
        return None
    opcode = buf[0] & 0x0F
    masked = buf[1] & 0x80
    n = buf[1] & 0x7F
    pos = 2
    if n == 126:
        if len(buf) < 4:
            return None
        n = struct.unpack("!H", buf[2:4])[0]
        pos = 4
    elif n == 127:
        if len(buf) < 10:
            return None
        n = struct.unpack("!Q", buf[2:10])[0]
        pos = 10
    mask = b"\0\0\0\0"
    if masked:
        if len(buf) < pos + 4:
            return None
        mask = buf[pos:pos + 4]
        pos += 4
    if len(buf) < pos + n:
        return None
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(buf[pos:pos + n]))
    return opcode, payload, buf[pos + n:]


if __name__ == "__main__":
    # By hand: python3 tests/browser/standin.py, then open the URL.
    server = StandIn()
    print(server.url(), flush=True)
    threading.Event().wait()
