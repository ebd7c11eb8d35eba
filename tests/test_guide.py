#!/usr/bin/env python3
"""
test_guide: walks the teacher's guide, docs/teaching.md, on one machine the
way a teacher would, and checks every excerpt it shows against what came out.

  tests/test_guide.py [--keep] HOTLINED HOTLINE [GUIDE]

HOTLINED and HOTLINE are the programs under test; GUIDE defaults to
docs/teaching.md beside this file. --keep leaves the work directory (each
excerpt's real counterpart is in actual/, ports shown as 5228) for
regenerating the guide's excerpts by hand.

The walk runs in network and PID namespaces of its own (unshare, so it
needs root): the server listens on every address as the guide starts it,
yet only loopback exists (plus 192.0.2.2 on lo, the guide's example
address of the teacher's laptop), tcpdump sees only the walk's packets,
and every process the walk started dies with it, whatever happens.

How the guide is read
---------------------
Every fenced block carries an HTML comment just above it, invisible when
the Markdown is rendered: `<!-- guide: STATEMENTS -->`. A comment followed
by prose instead of a block holds actions between blocks (what the class
does with their keyboards). A block without a comment is an error.
Statements are separated by newlines or ";", words quoted as in sh; N is a
line of the block that follows:

  server [N]          start line N (default 1) as the class's server, after
                      stopping the one before; `--port 0` is appended and
                      its stderr (the trace) goes to a file
  run [N...]          run lines N... (default all) on a terminal, in order,
                      each until it ends; they must exit 0 unless `fails N`
  fails N             line N exits non-zero (say it before its `run`)
  bg N TEXT           start line N on a terminal and let it run; wait until
                      it prints TEXT (tcpdump: "listening on")
  quiet N             wait until line N has printed nothing for QUIET
                      seconds from now: tcpdump has shown every packet
                      so far, and TCP's delayed ACKs have gone out
  stop N              quiet N, then Ctrl-C for line N; what it printed is
                      its output
  window W N|CMD      start line N, or the command CMD, in a terminal of its
                      own named W (a tmux window, 100x30)
  browser W URL       open URL in a headless Chromium of its own named W (a
                      student's browser, 1000x700 CSS pixels; the page's
                      terminal is its screen): keys (Enter, or one character
                      a key), type, press, see and expect window work on W
                      as on a tmux window
  teacher W           open the teacher's view of the running server in a
                      headless Chromium of its own named W (a projector,
                      1600x900), by the link with the key its trace printed
                      (on 127.0.0.1): see and expect window work on W, on
                      the page's text; it takes no keys
  keys W KEY...       press keys in W (tmux names: Enter, BSpace, C-c, ...)
  type W TEXT         type TEXT in W, all at once (a paste)
  press W TEXT        type TEXT in W one key at a time, as a person does:
                      after each key, wait until the server's trace shows
                      a read
  see W TEXT          wait until W shows TEXT (after the last keys typed in
                      it); with a line number for W, until that line,
                      running in the background, has printed TEXT
  ended W             wait until the program in W has ended
  size W COLS ROWS    resize W (its telnet sends the new size)
  trace TEXT          wait until the server's trace shows TEXT (written
                      after this comment's statements started)
  expect output [N] [part|unordered|call]
                      the block is what the lines run printed (N: line N
                      only): all of it, or a part of it with `part`, or
                      all of it in any order (ss lists connections in the
                      order of the kernel's hash table); with `call`, a
                      tcpdump's packets of the first call that opens (its
                      SYN), other calls' packets left out: a call from an
                      earlier step may still be closing
  expect trace        the block is a part of the running server's trace;
                      checked when that server stops, so it may show
                      what later steps make it print
  expect window W     the block is a part of what W shows (history too)
  expect file PATH [part]
                      the block is the file (or a part of it)
  skip REASON         the block is neither run nor checked

A browser needs Debian's chromium-headless-shell (tests/browser/cdp.py
drives it) and web/xterm/ from `npm ci` in web/.

Commands run in a work directory that looks like the top of the
repository: build/hotlined and build/hotline (links to the programs under
test), menus/ and web/ (links to the source's: web/ with xterm.js,
after `npm ci`), and the database, PID file,
op.hash and traces the guide's commands make. The guide's port 5228 is
replaced by the running server's port; nothing else is changed. `telnet`
is inetutils telnet, `sudo` just runs its command (the walk is root).

How an excerpt matches
----------------------
Lines are compared with runs of spaces collapsed. A line `...` matches any
run of lines (none included); `...` between spaces or commas inside a line
matches any text. Masked, and nothing else: times; the server's port
(5228 in the guide); callers' ports (32768 and up) and session numbers,
each bound within one excerpt (the same number in the guide is the same
number in the output, two different ones are two different ones); PIDs
and file descriptors; a SYN's and SYN-ACK's sequence numbers, every TCP
window and timestamp (TS val, ecr); durations ("after 1.5s", "in 0.6 ms",
"uptime=0s", "idle 3s", "3 秒"); the size of a read that held several
lines ("part of one 27-byte read": whether the client's writes reach the
server in one read or two depends on timing); the digits of a time inside
a hex dump (a chat line's [HH:MM:SS]).
"""
import argparse
import fcntl
import itertools
import os
import pty
import re
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "browser"))

import cdp  # noqa: E402  (tests/browser/cdp.py: headless Chromium)

GUIDE_PORT = 5228          # the port the guide's commands and excerpts use
EXAMPLE_ADDRESS = "192.0.2.2"  # the guide's teacher's laptop (TEST-NET-1)
COLS, ROWS = 100, 30       # every terminal: the size the guide's excerpts show
BROWSER_WIDTH, BROWSER_HEIGHT = 1000, 700  # a student's browser, CSS pixels
TEACHER_WIDTH, TEACHER_HEIGHT = 1600, 900  # the teacher's projector, CSS pixels
WALK_DEADLINE = 170        # seconds for the whole walk (ctest allows 300)
WAIT = 15                  # seconds any one wait may take
RUN_DEADLINE = 30          # seconds one command may run
# Seconds a background command must print nothing before it has printed
# everything: libpcap hands tcpdump its packets in blocks, up to 1 s late.
QUIET = 2.0
POLL = 0.05


class WalkError(Exception):
    """A step could not be done: the walk stops."""


# --- the guide --------------------------------------------------------------

class Block:
    """A fenced block: its first line's number (1-based) and its lines."""

    def __init__(self, lineno, lines):
        self.lineno = lineno
        self.lines = lines

    def line(self, n):
        if not 1 <= n <= len(self.lines):
            raise WalkError("the block at line %d has no line %d" % (self.lineno, n))
        return self.lines[n - 1]


class Item:
    """One annotation: where it is, its statements, and the block it precedes."""

    def __init__(self, lineno, stmts, block):
        self.lineno = lineno
        self.stmts = stmts
        self.block = block


def split_statements(text, lineno):
    """Statements of one comment, each a list of words."""
    stmts = []
    for line in text.splitlines():
        lex = shlex.shlex(line, posix=True, punctuation_chars=";")
        lex.whitespace_split = True
        cur = []
        try:
            for tok in lex:
                if tok == ";":
                    if cur:
                        stmts.append(cur)
                    cur = []
                else:
                    cur.append(tok)
        except ValueError as e:
            raise WalkError("guide line %d: %s" % (lineno, e))
        if cur:
            stmts.append(cur)
    return stmts


def parse_guide(path):
    """The guide's annotations in order; every fenced block must have one."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    items = []
    pending = None  # (lineno, statements) of a comment not yet placed
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("<!-- guide:"):
            start = i
            text = line[len("<!-- guide:"):]
            while "-->" not in text:
                i += 1
                if i == len(lines):
                    raise WalkError("guide line %d: comment never ends" % (start + 1))
                text += "\n" + lines[i]
            text = text[:text.index("-->")]
            if pending is not None:
                items.append(Item(pending[0], pending[1], None))
            pending = (start + 1, split_statements(text, start + 1))
            i += 1
            continue
        if line.startswith("```"):
            start = i
            body = []
            i += 1
            while i < len(lines) and lines[i] != "```":
                body.append(lines[i])
                i += 1
            if i == len(lines):
                raise WalkError("guide line %d: block never ends" % (start + 1))
            if pending is None:
                raise WalkError("guide line %d: a block with no <!-- guide: ... --> "
                                "comment above it (say what the test does with it, "
                                "or `skip REASON`)" % (start + 1))
            items.append(Item(pending[0], pending[1], Block(start + 2, body)))
            pending = None
            i += 1
            continue
        if pending is not None and line.strip() != "":
            items.append(Item(pending[0], pending[1], None))
            pending = None
        i += 1
    if pending is not None:
        items.append(Item(pending[0], pending[1], None))
    return items


# --- matching ----------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
DUMP_ROW = re.compile(r"^([0-9a-f]{4}) ((?:(?:[0-9a-f]{2}|\*\*) )+)\|(.*)\|$")
TIME_DIGITS = re.compile(rb"[0-9]{2}:[0-9]{2}:[0-9]{2}")

# Tokens of an excerpt's line that do not stand for themselves, tried in order.
TOKEN = re.compile(
    r"(?P<ellipsis>(?<![^\s,(])\.\.\.(?![^\s,)]))"
    r"|(?P<time>(?<!\d)\d\d:\d\d:\d\d(?:\.(?P<frac>\d+))?(?!\d))"
    r"|(?P<session>(?<=session )\d+(?!\d))"
    r"|(?P<addr>(?<![\w.:\]])(?:(?:\d{1,3}\.){3}\d{1,3}|\[[0-9a-fA-F:]*\])[:.])(?P<port>\d{1,5})(?!\d)"
    r"|(?P<serverport>(?<![\d.])%d(?!\d))"
    r"|(?P<pid>(?<=pid[= ])\d+(?!\d)|(?<=fd=)\d+(?!\d))"
    r"|(?P<win>(?<=win )\d+(?!\d)|(?<=TS val )\d+(?!\d)|(?<= ecr )\d+(?!\d))"
    r"|(?P<duration>(?<=after )\d+(?:\.\d+)?(?=s\b)|(?<=in )\d+(?:\.\d+)?(?= ms\b)|(?<=uptime=)\d+(?=s\b)|(?<=idle )\d+(?=s\b)|(?<![\d.])\d+(?= 秒))"
    r"|(?P<readsize>(?<=part of one )\d+(?=-byte read))"
    % GUIDE_PORT)
SYN_NUMBER = re.compile(r"(?<=seq )\d+|(?<=ack )\d+")


def collapse(line):
    """A line with runs of white space as one space, none at the ends."""
    return " ".join(line.split())


def screen_text(raw):
    """What a terminal shows of a program's output bytes, without colour."""
    text = raw.decode("utf-8", "replace")
    text = ANSI.sub("", text).replace("\r\n", "\n")
    out = []
    for line in text.split("\n"):
        # A bare CR goes back to the start of the line: the rest overwrites.
        parts = [p for p in line.split("\r") if p != ""]
        out.append(parts[-1] if parts else "")
    return "\n".join(out)


TCPDUMP_PACKET = re.compile(r"^\S+ IP (\S+) > (\S+?): ")


def first_call_packets(text):
    """
    tcpdump's output with only the packets of the first connection that
    opens (the first SYN's two ends); other lines are kept as they are.
    """
    ends = None
    out = []
    for line in text.split("\n"):
        m = TCPDUMP_PACKET.match(line)
        if m is None:
            out.append(line)
            continue
        pair = {m.group(1), m.group(2)}
        if ends is None and "Flags [S]," in line:
            ends = pair
        if ends is not None and pair == ends:
            out.append(line)
    return "\n".join(out)


class Pattern:
    """One excerpt line as a regular expression with its bound numbers."""

    def __init__(self, regex, binds, source):
        self.regex = re.compile(regex)
        self.binds = binds  # group name -> (kind, the guide's value)
        self.source = source


def dump_masks(rows):
    """
    For a run of hex dump rows of an excerpt: the byte positions (row,
    column) that are a time's digits, so that any digits match there.
    """
    data = []
    where = []
    for r, m in rows:
        for c, h in enumerate(m.group(2).split()):
            data.append(0x2a if h == "**" else int(h, 16))
            where.append((r, c))
    masked = set()
    for t in TIME_DIGITS.finditer(bytes(data)):
        for k in range(t.start(), t.end()):
            if data[k] != ord(":"):
                masked.add(where[k])
    return masked


def compile_dump_row(m, masked_cols):
    """A hex dump row: offset, bytes and text column, times' digits free."""
    hexes = m.group(2).split()
    parts = [re.escape(m.group(1))]
    for c, h in enumerate(hexes):
        parts.append("3[0-9]" if c in masked_cols else re.escape(h))
    text = m.group(3)
    if masked_cols and len(text) == len(hexes):
        # One character a byte (ASCII): the same positions in the text.
        tparts = [r"\d" if c in masked_cols else re.escape(ch) for c, ch in enumerate(text)]
        text_re = "".join(tparts)
    else:
        text_re = re.sub(r"\\?\d\\?\d\\:\\?\d\\?\d\\:\\?\d\\?\d", r"\\d\\d:\\d\\d:\\d\\d", re.escape(text))
    return Pattern("^" + " ".join(parts) + r" \|" + text_re + r"\|$", {}, m.group(0))


def compile_line(line, port):
    """An excerpt line (spaces collapsed) as a Pattern; see the file's top."""
    out = []
    binds = {}
    pos = 0
    syn = "Flags [S]" in line or "Flags [S.]" in line
    for m in TOKEN.finditer(line):
        lit = line[pos:m.start()]
        if syn:
            lit_parts = []
            last = 0
            for s in SYN_NUMBER.finditer(lit):
                lit_parts.append(re.escape(lit[last:s.start()]) + r"\d+")
                last = s.end()
            lit_parts.append(re.escape(lit[last:]))
            out.append("".join(lit_parts))
        else:
            out.append(re.escape(lit))
        pos = m.end()
        if m.group("ellipsis"):
            out.append(".*")
        elif m.group("time"):
            frac = m.group("frac")
            out.append(r"\d\d:\d\d:\d\d" + (r"\.\d{%d}" % len(frac) if frac else ""))
        elif m.group("session"):
            name = "g%d" % len(binds)
            binds[name] = ("session", m.group("session"))
            out.append(r"(?P<%s>\d+)" % name)
        elif m.group("addr"):
            out.append(re.escape(m.group("addr")))
            p = int(m.group("port"))
            if p == GUIDE_PORT:
                out.append(str(port))
            elif p >= 32768:
                name = "g%d" % len(binds)
                binds[name] = ("port", m.group("port"))
                out.append(r"(?P<%s>\d+)" % name)
            else:
                out.append(re.escape(m.group("port")))
        elif m.group("serverport"):
            out.append(str(port))
        elif m.group("pid") or m.group("win"):
            out.append(r"\d+")
        elif m.group("duration") or m.group("readsize"):
            out.append(r"\d+(?:\.\d+)?")
        else:
            raise AssertionError(m.group(0))
    rest = line[pos:]
    if syn:
        rest = SYN_NUMBER.sub("\0", rest)
        out.append(r"\d+".join(re.escape(p) for p in rest.split("\0")))
    else:
        out.append(re.escape(rest))
    return Pattern("^" + "".join(out) + "$", binds, line)


GAP = object()


def compile_excerpt(lines, port):
    """An excerpt's lines as Patterns, GAP for each `...` line."""
    lines = [collapse(l) for l in lines]
    pats = [None] * len(lines)
    i = 0
    while i < len(lines):
        if lines[i] == "...":
            pats[i] = GAP
            i += 1
            continue
        if DUMP_ROW.match(lines[i]):
            rows = []
            while i < len(lines) and DUMP_ROW.match(lines[i]):
                m = DUMP_ROW.match(lines[i])
                if rows and m.group(1) == "0000":
                    break
                rows.append((i, m))
                i += 1
            masked = dump_masks(rows)
            for r, m in rows:
                pats[r] = compile_dump_row(m, {c for (rr, c) in masked if rr == r})
            continue
        pats[i] = compile_line(lines[i], port)
        i += 1
    return pats


def bind(pat, m, binds):
    """The bindings with this match's numbers added, or None if they clash."""
    new = None
    for g, (kind, want) in pat.binds.items():
        got = m.group(g)
        key = (kind, want)
        rkey = (kind, "=" + got)
        have = (new or binds).get(key)
        owner = (new or binds).get(rkey)
        if have is None and owner is None:
            if new is None:
                new = dict(binds)
            new[key] = got
            new[rkey] = want
        elif have != got or owner != want:
            return None
    return binds if new is None else new


def match_excerpt(pats, actual, anchored):
    """
    Whether the excerpt's patterns match the actual lines (all of them, or a
    window of them). Returns (True, the actual line each pattern matched, None
    for a gap) or (False, (pattern index reached, actual index there)) for
    the report.
    """
    if not anchored:
        pats = [GAP] + pats + [GAP]
    n = len(actual)
    hits = []
    for p in pats:
        if p is GAP:
            hits.append(None)
        else:
            hits.append({k: mm for k, line in enumerate(actual) for mm in [p.regex.match(line)] if mm})
    best = [0, 0]
    failed = set()
    path = [None] * len(pats)

    def walk(pi, ai, binds):
        if pi > best[0]:
            best[0], best[1] = pi, ai
        if pi == len(pats):
            return ai == n
        key = (pi, ai, frozenset(binds.items()))
        if key in failed:
            return False
        if pats[pi] is GAP:
            if pi + 1 == len(pats):
                return True
            nxt = pats[pi + 1]
            cands = range(ai, n + 1) if nxt is GAP else sorted(k for k in hits[pi + 1] if k >= ai)
            for k in cands:
                if walk(pi + 1, k, binds):
                    return True
        elif ai < n and ai in hits[pi]:
            b = bind(pats[pi], hits[pi][ai], binds)
            if b is not None and walk(pi + 1, ai + 1, b):
                path[pi] = ai
                return True
        failed.add(key)
        return False

    ok = walk(0, 0, {})
    if ok:
        return True, path if anchored else path[1:-1]
    pi = best[0] if anchored else max(0, best[0] - 1)
    return False, (pi, best[1])


def describe_miss(block, pats, actual, where, anchored):
    """A readable account of where an excerpt stopped matching."""
    pi, ai = where
    src = block.lines
    out = []
    if pi < len(src):
        out.append("  the excerpt's line %d (guide line %d) is not what came next:"
                   % (pi + 1, block.lineno + pi))
        out.append("    expected: %s" % src[pi])
        if anchored or pi > 0:
            lo = max(0, ai - 3)
            out.append("  what came out there (line %d on):" % (ai + 1))
            for l in actual[lo:ai + 6]:
                out.append("    | %s" % l)
        else:
            out.append("  (its first line matches nowhere)")
    else:
        out.append("  the excerpt matched, then more output followed (line %d on):" % (ai + 1))
        for l in actual[ai:ai + 6]:
            out.append("    | %s" % l)
    return "\n".join(out)


# --- processes ---------------------------------------------------------------

def set_winsize(fd, cols, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class PtyProc:
    """A command on a terminal of its own; what it prints is kept."""

    def __init__(self, cmd, cwd, env, interactive=False):
        """
        interactive: the terminal is the command's controlling terminal and
        its stdin, so Ctrl-C typed (type_ctrl_c) interrupts it and shows ^C;
        otherwise stdin is /dev/null.
        """
        self.cmd = cmd
        master, slave = pty.openpty()
        set_winsize(slave, COLS, ROWS)
        if interactive:
            self.proc = subprocess.Popen(["setsid", "--ctty", "bash", "-c", cmd], stdin=slave,
                                         stdout=slave, stderr=slave, cwd=cwd, env=env)
        else:
            self.proc = subprocess.Popen(["bash", "-c", cmd], stdin=subprocess.DEVNULL,
                                         stdout=slave, stderr=slave, cwd=cwd, env=env,
                                         start_new_session=True)
        os.close(slave)
        self.master = master
        self.buf = bytearray()
        self.last = time.monotonic()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            try:
                d = os.read(self.master, 65536)
            except OSError:
                break
            if not d:
                break
            with self.lock:
                self.buf += d
                self.last = time.monotonic()

    def text(self):
        with self.lock:
            return screen_text(bytes(self.buf))

    def wait(self, deadline):
        """Waits for the end; False if the deadline came first."""
        try:
            self.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return False
        # Whatever is still in the terminal: the reader ends at EOF/EIO.
        self.reader.join(timeout=max(0.5, min(5.0, deadline - time.monotonic())))
        return True

    def type_ctrl_c(self):
        os.write(self.master, b"\x03")

    def kill(self, sig=signal.SIGKILL):
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def close(self):
        self.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.reader.join(timeout=2)
        try:
            os.close(self.master)
        except OSError:
            pass


class Tmux:
    """The second, third, ... terminals: windows of one tmux session."""

    def __init__(self, work, env):
        self.sock = os.path.join(work, "tmux.sock")
        self.conf = os.path.join(work, "tmux.conf")
        self.work = work
        self.env = env
        with open(self.conf, "w") as f:
            f.write("set -g default-terminal tmux-256color\n"
                    "set -g default-shell /bin/sh\n"
                    "set -g remain-on-exit on\n"
                    "set -g status off\n"
                    "set -g default-size %dx%d\n"
                    "set -g history-limit 10000\n" % (COLS, ROWS))
        self.tmux("new-session", "-d", "-s", "guide", "-x", str(COLS), "-y", str(ROWS),
                  "-n", "home", "sleep 100000")
        self.windows = set()
        self.marks = {}  # window -> its line where `see` starts looking

    def tmux(self, *args, check=True):
        r = subprocess.run(["tmux", "-u", "-S", self.sock, "-f", self.conf] + list(args),
                           env=self.env, cwd=self.work, capture_output=True, timeout=WAIT)
        if check and r.returncode != 0:
            raise WalkError("tmux %s: %s" % (" ".join(args), r.stderr.decode(errors="replace").strip()))
        return r.stdout.decode("utf-8", "replace")

    def target(self, name):
        if name not in self.windows:
            raise WalkError("no window %s" % name)
        return "guide:" + name

    def window(self, name, cmd):
        if name in self.windows:
            self.tmux("kill-window", "-t", "guide:" + name)
        self.tmux("new-window", "-d", "-t", "guide:", "-n", name, "-c", self.work, cmd)
        self.windows.add(name)
        self.marks[name] = 0

    def mark(self, name):
        """From now on `see` looks at the cursor's line and below only."""
        pos = self.tmux("display-message", "-p", "-t", self.target(name),
                        "#{history_size} #{cursor_y}").split()
        self.marks[name] = int(pos[0]) + int(pos[1])

    def keys(self, name, keys):
        self.mark(name)
        self.tmux("send-keys", "-t", self.target(name), *keys)

    def type(self, name, text):
        self.mark(name)
        self.tmux("send-keys", "-t", self.target(name), "-l", "--", text)

    def shows(self, name, text):
        """Whether the window shows text since the last keys typed in it."""
        # Rows as on the screen (no -J), so that the mark's row counts hold.
        rows = self.tmux("capture-pane", "-p", "-S", "-", "-E", "-", "-t",
                         self.target(name)).split("\n")
        return text in "\n".join(rows[self.marks[name]:])

    def capture(self, name):
        """Everything the window has shown, wrapped lines joined."""
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", self.target(name))

    def is_dead(self, name):
        return self.tmux("display-message", "-p", "-t", self.target(name), "#{pane_dead}").strip() == "1"

    def resize(self, name, cols, rows):
        self.tmux("resize-window", "-t", self.target(name), "-x", str(cols), "-y", str(rows))

    def close(self):
        self.tmux("kill-server", check=False)


class BrowserWindow:
    """A student's browser on the page: its terminal is what it shows."""

    # The page's terminal, read through hotline.js's window.hotline.
    CURSOR_ROW = ("(() => { const b = window.hotline.term.buffer.active;"
                  " return b.baseY + b.cursorY; })()")

    def __init__(self, url):
        self.browser = cdp.Browser(width=BROWSER_WIDTH, height=BROWSER_HEIGHT)
        self.mark_row = 0  # the row where `see` starts looking
        try:
            self.browser.navigate(url, timeout=WAIT)
            self.browser.wait_for("!!(window.hotline && window.hotline.term)", timeout=WAIT)
        except cdp.CdpError as e:
            self.close()
            raise WalkError("the browser could not open %s: %s" % (url, e))

    def mark(self):
        """From now on `see` looks at the cursor's row and below only."""
        self.mark_row = self.browser.evaluate(self.CURSOR_ROW)

    def key(self, key):
        """One key by its tmux name: Enter, or the character it types."""
        if key == "Enter":
            self.browser.press_enter()
        elif len(key) == 1 and key.isascii() and (key.isalnum() or key in "*#"):
            self.browser.press_char(key)
        elif len(key) == 1:
            self.browser.insert_text(key)
        else:
            raise WalkError("a browser has no key %r" % key)

    def keys(self, keys):
        """Presses keys, one after the other, as `keys` does in tmux."""
        self.mark()
        for k in keys:
            self.key(k)

    def type(self, text):
        """Types text all at once, as an input method commits it."""
        self.mark()
        self.browser.insert_text(text)

    def shows(self, text):
        """Whether the terminal shows text since the last keys typed."""
        rows = self.browser.screen().split("\n")
        return text in "\n".join(rows[self.mark_row:])

    def capture(self):
        """Everything the terminal has shown, wrapped rows joined (as tmux -J)."""
        return "\n".join(self.browser.lines())

    def close(self):
        """Ends the browser and its profile."""
        self.browser.close()


class TeacherWindow:
    """The teacher's view on the projector: what it shows is the page's text."""

    def __init__(self, url):
        self.browser = cdp.Browser(width=TEACHER_WIDTH, height=TEACHER_HEIGHT)
        try:
            self.browser.navigate(url, timeout=WAIT)
            # The login page logs in with #key= and loads /teacher again;
            # while it does, an evaluation may fail.
            deadline = time.monotonic() + WAIT
            while not self._evaluate("!!(window.teacher && document.getElementById('sessions'))"):
                if time.monotonic() > deadline:
                    raise cdp.CdpError("the view never showed: %s"
                                       % self._evaluate("document.body.innerText"))
                time.sleep(POLL)
            drawn = self.browser.evaluate("window.teacher.ready")
            if drawn != "drawn":
                raise cdp.CdpError("the menu graph was not drawn: %s" % drawn)
            self.browser.evaluate("window.teacher.started")
        except cdp.CdpError as e:
            self.close()
            raise WalkError("the teacher's view did not open: %s" % e)

    def _evaluate(self, expression):
        """expression's value, or None while the page is between documents."""
        try:
            return self.browser.evaluate(expression)
        except cdp.CdpError:
            return None

    def keys(self, keys):
        raise WalkError("the teacher's view takes no keys")

    def type(self, text):
        raise WalkError("the teacher's view takes no keys")

    def shows(self, text):
        """Whether the page's text holds text."""
        return text in (self._evaluate("document.body.innerText") or "")

    def capture(self):
        """The page's text, as it reads on the projector."""
        return self._evaluate("document.body.innerText") or ""

    def close(self):
        """Ends the browser and its profile."""
        self.browser.close()


class Server:
    """The class's hotlined, its trace in a file, the excerpts to check in it."""

    def __init__(self, walk, cmd, n):
        self.trace_path = os.path.join(walk.work, "trace-%d.txt" % n)
        self.cmd = cmd
        self.expectations = []
        with open(self.trace_path, "wb") as trace:
            self.proc = subprocess.Popen(["bash", "-c", "exec %s --port 0" % cmd],
                                         stdin=subprocess.DEVNULL, stdout=trace,
                                         stderr=trace, cwd=walk.work, env=walk.env,
                                         start_new_session=True)
        deadline = time.monotonic() + WAIT
        self.port = None
        while time.monotonic() < deadline:
            m = re.search(r"listening on \S+:(\d+)", self.trace())
            if m:
                self.port = int(m.group(1))
                break
            if self.proc.poll() is not None:
                break
            time.sleep(POLL)
        if self.port is None:
            self.proc.kill()
            raise WalkError("%s did not start:\n%s" % (cmd, self.trace()))
        # The dial lines come last: the guide's first excerpt shows them.
        while time.monotonic() < deadline and "telnet " not in self.trace():
            time.sleep(POLL)

    def trace(self):
        with open(self.trace_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        """SIGTERM (after SIGCONT, in case it is frozen); its exit status."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return "did not stop on SIGTERM"
        return None if self.proc.returncode == 0 else "exited with status %d" % self.proc.returncode


# --- the walk ----------------------------------------------------------------

class Walk:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.guide = args.guide
        self.failures = []
        self.server = None
        self.nservers = 0
        self.tmux = None
        self.bg = {}           # line number -> PtyProc running in the background
        self.browsers = {}     # name -> BrowserWindow or TeacherWindow
        self.outputs = []      # (line number, text) of the last block's commands
        self.out_block = None  # the block they came from
        self.may_fail = set()
        self.checked = 0
        self.started_at = time.monotonic()

        bindir = os.path.join(work, "bin")
        os.makedirs(os.path.join(work, "build"))
        os.makedirs(bindir)
        os.makedirs(os.path.join(work, "actual"))
        os.symlink(os.path.abspath(args.hotlined), os.path.join(work, "build", "hotlined"))
        os.symlink(os.path.abspath(args.hotline), os.path.join(work, "build", "hotline"))
        os.symlink(os.path.join(SOURCE, "menus"), os.path.join(work, "menus"))
        os.symlink(os.path.join(SOURCE, "web"), os.path.join(work, "web"))
        telnet = shutil.which("inetutils-telnet") or shutil.which("telnet")
        if telnet is None:
            raise WalkError("no telnet: install inetutils-telnet")
        os.symlink(telnet, os.path.join(bindir, "telnet"))
        with open(os.path.join(bindir, "sudo"), "w") as f:
            f.write('#!/bin/sh\nexec "$@"\n')
        os.chmod(os.path.join(bindir, "sudo"), 0o755)
        env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
        env.update(PATH=bindir + ":" + env.get("PATH", "/usr/bin:/bin"),
                   LANG="C.UTF-8", TERM="tmux-256color", HOME=work,
                   XDG_STATE_HOME=os.path.join(work, "state"))
        env.pop("TMUX", None)
        self.env = env

    # Reporting.

    def say(self, lineno, msg):
        print("guide:%d: %s" % (lineno, msg), flush=True)

    def fail(self, lineno, msg):
        self.failures.append("%s:%d: %s" % (os.path.relpath(self.guide, SOURCE), lineno, msg))
        print("FAIL guide:%d: %s" % (lineno, msg), flush=True)

    # Substitutions.

    def port(self):
        if self.server is None:
            raise WalkError("no server is running")
        return self.server.port

    def command(self, line):
        """A line of the guide as the walk runs it: the server's port for 5228."""
        if self.server is None:
            return line
        return re.sub(r"(?<!\d)%d(?!\d)" % GUIDE_PORT, str(self.server.port), line)

    def deadline_check(self):
        if time.monotonic() - self.started_at > WALK_DEADLINE:
            raise WalkError("the walk took more than %d s" % WALK_DEADLINE)

    def until(self, what, lineno, cond, wait=WAIT):
        """Polls cond() until true; a WalkError naming what after WAIT s."""
        end = time.monotonic() + wait
        while True:
            r = cond()
            if r:
                return r
            if time.monotonic() > end:
                raise WalkError("guide line %d: waited %d s for %s" % (lineno, wait, what))
            time.sleep(POLL)

    # The statements.

    def run_item(self, item):
        self.deadline_check()
        block = item.block
        self.trace_mark = len(self.server.trace()) if self.server else 0
        stmts = item.stmts
        if not stmts:
            raise WalkError("guide line %d: an empty annotation" % item.lineno)
        verb = stmts[0][0]
        if verb == "expect":
            if len(stmts) != 1 or block is None:
                raise WalkError("guide line %d: `expect` stands alone, above a block" % item.lineno)
            self.expect(item, stmts[0][1:])
            return
        if verb == "skip":
            if block is None:
                raise WalkError("guide line %d: `skip` is for a block" % item.lineno)
            self.say(item.lineno, "not run: %s" % " ".join(stmts[0][1:]))
            return
        if block is not None and any(s[0] in ("run", "bg", "stop") for s in stmts):
            # A new block of commands: its outputs replace the last one's.
            self.outputs = []
            self.out_block = block
            self.may_fail = set()
        for s in stmts:
            self.statement(item, s)

    def line_arg(self, item, word):
        if item.block is None:
            raise WalkError("guide line %d: line numbers need a block below" % item.lineno)
        try:
            return int(word)
        except ValueError:
            raise WalkError("guide line %d: %r is not a line number" % (item.lineno, word))

    def statement(self, item, s):
        verb, args = s[0], s[1:]
        ln = item.lineno
        block = item.block
        if verb == "server":
            n = self.line_arg(item, args[0]) if args else 1
            cmd = re.sub(r"\s+#.*$", "", block.line(n))
            self.stop_server()
            self.nservers += 1
            self.say(ln, "server: %s" % cmd)
            self.server = Server(self, cmd, self.nservers)
            self.say(ln, "server listening on port %d" % self.server.port)
        elif verb == "run":
            nums = [self.line_arg(item, a) for a in args] or list(range(1, len(block.lines) + 1))
            for n in nums:
                self.run_line(ln, block, n)
        elif verb == "fails":
            self.may_fail.add(self.line_arg(item, args[0]))
        elif verb == "bg":
            n = self.line_arg(item, args[0])
            cmd = self.command(block.line(n))
            self.say(ln, "in the background: %s" % cmd)
            p = PtyProc(cmd, self.work, self.env, interactive=True)
            self.bg[n] = p
            if len(args) > 1:
                self.until("%r from %s" % (args[1], cmd), ln,
                           lambda: args[1] in p.text() or p.proc.poll() is not None)
                if args[1] not in p.text():
                    raise WalkError("guide line %d: %s ended:\n%s" % (ln, cmd, p.text()))
        elif verb == "quiet":
            n = self.line_arg(item, args[0])
            p = self.bg.get(n)
            if p is None:
                raise WalkError("guide line %d: line %d is not running" % (ln, n))
            self.quiet(ln, p)
        elif verb == "stop":
            n = self.line_arg(item, args[0])
            p = self.bg.pop(n, None)
            if p is None:
                raise WalkError("guide line %d: line %d is not running" % (ln, n))
            self.quiet(ln, p)
            p.type_ctrl_c()
            if not p.wait(time.monotonic() + WAIT):
                p.close()
                raise WalkError("guide line %d: %s did not end on Ctrl-C" % (ln, p.cmd))
            p.close()
            self.outputs.append((n, p.text()))
        elif verb == "window":
            if len(args) != 2:
                raise WalkError("guide line %d: window NAME LINE|CMD" % ln)
            name = args[0]
            if args[1].isdigit():
                cmd = block.line(self.line_arg(item, args[1]))
            else:
                cmd = args[1]
            cmd = self.command(cmd)
            self.say(ln, "window %s: %s" % (name, cmd))
            self.tmux.window(name, cmd)
        elif verb == "browser":
            if len(args) != 2:
                raise WalkError("guide line %d: browser NAME URL" % ln)
            name, url = args[0], self.command(args[1])
            self.say(ln, "browser %s: %s" % (name, url))
            old = self.browsers.pop(name, None)
            if old is not None:
                old.close()
            self.browsers[name] = BrowserWindow(url)
        elif verb == "teacher":
            if len(args) != 1:
                raise WalkError("guide line %d: teacher NAME" % ln)
            keys = re.findall(r"/teacher#key=([A-Za-z0-9_-]+)", self.server.trace())
            if not keys:
                raise WalkError("guide line %d: the server printed no teacher's link" % ln)
            url = "http://127.0.0.1:%d/teacher#key=%s" % (self.server.port, keys[-1])
            self.say(ln, "teacher %s: the view of the server on port %d" % (args[0], self.server.port))
            old = self.browsers.pop(args[0], None)
            if old is not None:
                old.close()
            self.browsers[args[0]] = TeacherWindow(url)
        elif verb == "keys" and args and args[0] in self.browsers:
            self.browsers[args[0]].keys(args[1:])
        elif verb == "keys":
            self.tmux.keys(args[0], args[1:])
        elif verb == "type" and args and args[0] in self.browsers:
            self.browsers[args[0]].type(" ".join(args[1:]))
        elif verb == "type":
            self.tmux.type(args[0], " ".join(args[1:]))
        elif verb == "press":
            for ch in " ".join(args[1:]):
                mark = len(self.server.trace())
                if args[0] in self.browsers:
                    self.browsers[args[0]].keys([ch])
                else:
                    self.tmux.type(args[0], ch)
                self.until("the server to read %r from window %s" % (ch, args[0]), ln,
                           lambda: re.search(r": in \d+ byte", self.server.trace()[mark:]))
        elif verb == "see" and args and args[0].isdigit():
            n, text = int(args[0]), " ".join(args[1:])
            p = self.bg.get(n)
            if p is None:
                raise WalkError("guide line %d: line %d is not running" % (ln, n))
            self.until("%r from %s" % (text, p.cmd), ln, lambda: text in p.text())
        elif verb == "see" and args and args[0] in self.browsers:
            name, text = args[0], " ".join(args[1:])
            self.until("browser %s to show %r" % (name, text), ln,
                       lambda: self.browsers[name].shows(text))
        elif verb == "see":
            name, text = args[0], " ".join(args[1:])
            self.until("window %s to show %r" % (name, text), ln,
                       lambda: self.tmux.shows(name, text))
        elif verb == "ended":
            self.until("the program in window %s to end" % args[0], ln,
                       lambda: self.tmux.is_dead(args[0]))
        elif verb == "size":
            self.tmux.resize(args[0], int(args[1]), int(args[2]))
        elif verb == "trace":
            text = " ".join(args)
            mark = self.trace_mark
            self.until("the trace to show %r" % text, ln,
                       lambda: text in self.server.trace()[mark:])
        else:
            raise WalkError("guide line %d: unknown statement %r" % (ln, verb))

    def quiet(self, ln, p):
        """Waits until p has printed nothing for QUIET s, counted from now."""
        start = time.monotonic()
        self.until("%s to be quiet" % p.cmd, ln,
                   lambda: time.monotonic() - max(p.last, start) > QUIET)

    def run_line(self, ln, block, n):
        cmd = self.command(block.line(n))
        self.say(ln, "run: %s" % cmd)
        p = PtyProc(cmd, self.work, self.env)
        ok = p.wait(time.monotonic() + RUN_DEADLINE)
        p.close()
        if not ok:
            raise WalkError("guide line %d: %s still ran after %d s:\n%s"
                            % (ln, cmd, RUN_DEADLINE, p.text()))
        status = p.proc.returncode
        if (status != 0) != (n in self.may_fail):
            self.fail(block.lineno + n - 1, "%s exited with status %d%s:\n%s"
                      % (cmd, status, "" if status else ", the guide says it fails",
                         p.text()))
        self.outputs.append((n, p.text()))

    # Excerpts.

    def save_actual(self, lineno, text, port):
        """Keeps what came out for an excerpt, the server's port as the guide's."""
        text = re.sub(r"(?<!\d)%d(?!\d)" % port, str(GUIDE_PORT), text)
        with open(os.path.join(self.work, "actual", "L%d.txt" % lineno), "w") as f:
            f.write(text)

    def expect(self, item, args):
        block = item.block
        if not args:
            raise WalkError("guide line %d: expect what?" % item.lineno)
        kind, rest = args[0], args[1:]
        part = "part" in rest
        unordered = "unordered" in rest
        one_call = "call" in rest
        rest = [a for a in rest if a not in ("part", "unordered", "call")]
        if kind == "trace":
            if self.server is None:
                raise WalkError("guide line %d: no server to trace" % item.lineno)
            self.server.expectations.append((item, self.server.port))
            return
        if kind == "output":
            if self.out_block is None:
                raise WalkError("guide line %d: no commands ran" % item.lineno)
            if rest:
                n = int(rest[0])
                texts = [t for (k, t) in self.outputs if k == n]
                if not texts:
                    raise WalkError("guide line %d: line %d of the block at line %d printed "
                                    "nothing yet" % (item.lineno, n, self.out_block.lineno))
            else:
                texts = [t for (k, t) in self.outputs]
            text = "".join(texts)
            if one_call:
                text = first_call_packets(text)
            self.check(item, text, anchored=not part, unordered=unordered)
        elif kind == "window":
            name = rest[0]
            # The window may still be drawing: look again until it matches.
            end = time.monotonic() + WAIT
            while True:
                if name in self.browsers:
                    text = self.browsers[name].capture()
                else:
                    text = self.tmux.capture(name)
                if self.check(item, text, anchored=False, quiet=True):
                    self.check(item, text, anchored=False)
                    break
                if time.monotonic() > end:
                    self.check(item, text, anchored=False)
                    break
                time.sleep(0.2)
        elif kind == "file":
            path = os.path.join(self.work, rest[0])
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
            except OSError as e:
                self.fail(item.lineno, "cannot read %s: %s" % (rest[0], e))
                return
            self.check(item, text, anchored=not part)
        else:
            raise WalkError("guide line %d: expect %s?" % (item.lineno, kind))

    def check(self, item, text, anchored, port=None, quiet=False, unordered=False):
        """Whether the item's block matches the text; a failure if not."""
        block = item.block
        port = port if port is not None else self.port()
        lines = [collapse(l) for l in text.split("\n")]
        while lines and lines[-1] == "":
            lines.pop()
        if self.args.keep and not quiet:
            self.save_actual(block.lineno, text, port)
        pats = compile_excerpt(block.lines, port)
        ok, where = match_excerpt(pats, lines, anchored)
        if not ok and unordered and GAP not in pats \
                and len(pats) <= 7:
            for perm in itertools.permutations(pats):
                if match_excerpt(list(perm), lines, anchored)[0]:
                    ok = True
                    break
        if ok:
            if not quiet:
                self.checked += 1
                self.say(block.lineno, "excerpt matches (%d lines)" % len(block.lines))
            return True
        if quiet:
            return False
        self.save_actual(block.lineno, text, port)
        self.fail(block.lineno, "the excerpt is not what came out (%s); whole text in %s\n%s"
                  % (" ".join(item.stmts[0]), os.path.join(self.work, "actual", "L%d.txt" % block.lineno),
                     describe_miss(block, pats, lines, where, anchored)))
        return False

    def stop_server(self):
        if self.server is None:
            return
        server, self.server = self.server, None
        err = server.stop()
        if err:
            self.fail(0, "%s %s; its trace:\n%s" % (server.cmd, err, server.trace()[-3000:]))
        text = server.trace()
        with open(os.path.join(self.work, "actual", "trace-%d.txt" % self.nservers), "w") as f:
            f.write(re.sub(r"(?<!\d)%d(?!\d)" % server.port, str(GUIDE_PORT), text))
        for item, port in server.expectations:
            self.server = None
            if not self.check(item, text, anchored=False, port=port):
                self.say(item.lineno, "(in %s)" % server.trace_path)

    def walk(self):
        items = parse_guide(self.guide)
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        subprocess.run(["ip", "addr", "add", EXAMPLE_ADDRESS + "/32", "dev", "lo"], check=True)
        self.tmux = Tmux(self.work, self.env)
        try:
            for item in items:
                self.run_item(item)
        finally:
            for p in self.bg.values():
                p.close()
            self.bg = {}
            for b in self.browsers.values():
                b.close()
            self.browsers = {}
            try:
                self.stop_server()
            finally:
                self.tmux.close()
        return items


def in_namespaces(args):
    """The walk itself, as PID 1 of its own PID and network namespaces."""
    work = tempfile.mkdtemp(prefix="hotline-guide-")
    walk = Walk(args, work)
    status = 0
    try:
        walk.walk()
    except WalkError as e:
        walk.fail(0, "the walk stopped: %s" % e)
    except Exception:
        walk.fail(0, "the walk broke:\n" + traceback.format_exc())
    took = time.monotonic() - walk.started_at
    if walk.failures:
        print("\ntest_guide: %d problem(s) in %s (%.0f s); work directory %s kept:"
              % (len(walk.failures), os.path.relpath(walk.guide, SOURCE), took, work))
        for f in walk.failures:
            print("  " + f.replace("\n", "\n  "))
        status = 1
    else:
        print("test_guide: %d excerpts of %s match what came out (%.0f s)"
              % (walk.checked, os.path.relpath(walk.guide, SOURCE), took))
        if args.keep:
            print("test_guide: work directory %s kept" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    sys.stdout.flush()
    # PID 1 of the namespace: returning kills everything still in it.
    return status


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("hotlined")
    ap.add_argument("hotline")
    ap.add_argument("guide", nargs="?", default=os.path.join(SOURCE, "docs", "teaching.md"))
    args = ap.parse_args()
    args.guide = os.path.abspath(args.guide)
    if args.inside:
        return in_namespaces(args)
    for tool in ("unshare", "setsid", "ip", "ss", "tmux", "tcpdump", "nc", "xxd", "curl"):
        if shutil.which(tool) is None:
            print("test_guide: %s is missing (./setup.sh test installs it)" % tool)
            return 1
    if shutil.which("inetutils-telnet") is None and shutil.which("telnet") is None:
        print("test_guide: telnet is missing (./setup.sh test installs inetutils-telnet)")
        return 1
    if cdp.find_browser() is None:
        print("test_guide: headless Chromium is missing "
              "(./setup.sh test installs chromium-headless-shell)")
        return 1
    if not os.path.isfile(os.path.join(SOURCE, "web", "xterm", "xterm.js")):
        print("test_guide: web/xterm/ is missing: run `npm ci` in web/ "
              "(./setup.sh test does)")
        return 1
    # --kill-child: if this process is killed, the walk's PID 1 dies, and the
    # kernel kills every process left in its namespace.
    unshare = ["unshare", "--net", "--pid", "--fork", "--mount-proc", "--kill-child"]
    probe = subprocess.run(unshare + ["true"], capture_output=True, text=True)
    if probe.returncode != 0:
        print("test_guide: cannot make network and PID namespaces of its own (%s); "
              "it needs root, or CAP_SYS_ADMIN in a container" % probe.stderr.strip())
        return 1
    cmd = unshare + [sys.executable, os.path.abspath(__file__), "--inside"]
    if args.keep:
        cmd.append("--keep")
    cmd += [os.path.abspath(args.hotlined), os.path.abspath(args.hotline), args.guide]
    try:
        r = subprocess.run(cmd, timeout=WALK_DEADLINE + 60)
    except subprocess.TimeoutExpired:
        print("test_guide: the walk did not end in %d s" % (WALK_DEADLINE + 60))
        return 1
    if r.returncode not in (0, 1):
        print("test_guide: the walk ended with status %d" % r.returncode)
        return 1
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
