"""A real hotlined and raw-socket telnet callers, for the browser tests
that run against the build's server (test_browser_e2e.py,
test_teacher_browser.py). Python's standard library only."""

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

# How long the server may take to start, or a caller to hear an answer.
# Bounds, not the times asserted.
START_TIMEOUT = 10.0
WAIT = 5.0

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
ECHO, SGA = 1, 3

# What menus/zh-CN.yaml makes the server say.
WELCOME = "您好,欢迎致电中国移动 10086 服务热线!"
ASK_NUMBER = "请输入您的 11 位手机号码"
ASK_PASSWORD = "请输入 6 位服务密码"
ACCOUNT_MENU = "账户查询:"
# The demo account of 13800138000 (menus/demo-data.yml); in the room a
# caller who logged in is known by the masked number.
NUMBER, PASSWORD, MASKED = "13800138000", "123456", "138****8000"


class Server:
    """One hotlined on 127.0.0.1 --port 0, with a database of its own,
    serving web/. With teacher=True it waits for the teacher's link too
    (`teacher's view: http://...#key=KEY`) and keeps its key."""

    def __init__(self, hotlined, prefix, teacher=False):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.log_path = os.path.join(self.dir, "hotlined.log")
        self.key = None
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [hotlined, "--port", "0", "--listen", "127.0.0.1",
                 "--db", os.path.join(self.dir, "x.db"),
                 "--menus", os.path.join(ROOT, "menus"),
                 "--web", os.path.join(ROOT, "web")],
                cwd=self.dir, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=log)
        try:
            if teacher:
                m = self._wait_log(r"teacher's view: http://127\.0\.0\.1:"
                                   r"(\d+)/teacher#key=([A-Za-z0-9_-]{43})"
                                   r"\s*$", "printed no teacher's link")
                self.port, self.key = int(m.group(1)), m.group(2)
            else:
                m = self._wait_log(r"listening on 127\.0\.0\.1:(\d+)\s*$",
                                   "did not listen")
                self.port = int(m.group(1))
        except Exception:
            self.stop()
            self.remove()
            raise

    def log(self):
        """What the server wrote on stderr so far."""
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def _wait_log(self, pattern, failure):
        """The match of pattern in the log, once the server wrote it."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            m = re.search(pattern, self.log(), re.M)
            if m:
                return m
            if self.proc.poll() is not None:
                raise RuntimeError("hotlined exited with %d:\n%s"
                                   % (self.proc.returncode, self.log()))
            if time.monotonic() > deadline:
                raise RuntimeError("hotlined %s in %.0f s:\n%s"
                                   % (failure, START_TIMEOUT, self.log()))
            time.sleep(0.05)

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        """SIGTERM, as a teacher's Ctrl-C; the exit status, or None."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Caller:
    """A raw-socket telnet caller, as nc or a bare telnet is.

    It takes the options in take that the server offers to do (WILL ECHO
    and WILL SGA make a character-mode caller) and refuses every other
    offer, so with take empty it gets line mode, as nc does; with
    answer=False it answers nothing. Either way it keeps what it hears,
    raw and with negotiation stripped, and reads only while a test waits.
    """

    def __init__(self, port, take=(), answer=True):
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=WAIT)
        self.take = take
        self.answer = answer
        self.raw = bytearray()
        self.data = bytearray()
        self.state = "data"
        self.verb = 0
        self.eof = False

    def close(self):
        self.sock.close()

    def peer(self):
        """How the server names this caller: "127.0.0.1:PORT"."""
        host, port = self.sock.getsockname()[:2]
        return "%s:%d" % (host, port)

    def send(self, text):
        self.sock.sendall(text.encode("utf-8"))

    def _answer(self, verb, option):
        """Takes the offers in take, refuses everything else."""
        if not self.answer:
            return
        if verb == WILL:
            yes = option in self.take
            self.sock.sendall(bytes([IAC, DO if yes else DONT, option]))
        elif verb == DO:
            self.sock.sendall(bytes([IAC, WONT, option]))

    def _feed(self, chunk):
        """Keeps data bytes, answers offers, skips subnegotiations."""
        for b in chunk:
            if self.state == "data":
                if b == IAC:
                    self.state = "iac"
                else:
                    self.data.append(b)
            elif self.state == "iac":
                self.state = "data"
                if b == IAC:
                    self.data.append(IAC)
                elif WILL <= b <= DONT:
                    self.verb, self.state = b, "option"
                elif b == SB:
                    self.state = "sb"
            elif self.state == "option":
                self.state = "data"
                self._answer(self.verb, b)
            elif self.state == "sb":
                if b == IAC:
                    self.state = "sb-iac"
            elif self.state == "sb-iac":
                self.state = "data" if b == SE else "sb"

    def text(self):
        """What it heard so far, as text."""
        return self.data.decode("utf-8", errors="replace")

    def wait_text(self, want, times=1, timeout=WAIT):
        """Reads until it has heard want (times times); returns it all."""
        deadline = time.monotonic() + timeout
        while self.text().count(want) < times:
            left = deadline - time.monotonic()
            if left <= 0 or self.eof:
                raise AssertionError("never heard %r; heard:\n%s"
                                     % (want, self.text()))
            ready, _, _ = select.select([self.sock], [], [], left)
            if ready:
                chunk = self.sock.recv(65536)
                self.eof = not chunk
                self.raw += chunk
                self._feed(chunk)
        return self.text()
