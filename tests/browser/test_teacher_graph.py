"""The teacher's menu graph (web/teacher/) in a real headless Chromium.

Python's standard library only; needs Debian's chromium-headless-shell (or
chromium), `npm ci` in web/ (viz.js) and a built hotlined. Run from
anywhere:

    python3 tests/browser/test_teacher_graph.py build/hotlined [-v]

The screenshot teacher-graph.png is kept in $HOTLINE_ARTIFACTS (default:
the system's temporary directory).

hotlined does not serve /teacher yet: a small static server here serves
the page's files from a fixed table, and as /teacher/api/menus.dot what
`hotlined --dot menus/` writes (or what a case puts there instead). It
proves the graph's half of issue 18's item 3: Graphviz in WebAssembly
lays the DOT out in the page, every menu of the default menus is a node,
counts show on their nodes at once and without a new layout, a changed
DOT is laid out again, a broken one is refused and the graph stays, and
nothing is refused by the page's Content-Security-Policy but what
web/README.md says: WebAssembly needs 'wasm-unsafe-eval'.
"""

import glob
import html
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cdp import Browser  # noqa: E402
from teacher_standin import TEACHER_FILES  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
WEB = os.path.join(ROOT, "web")
ARTIFACTS = os.environ.get("HOTLINE_ARTIFACTS", tempfile.gettempdir())
HOTLINED = None

# URL -> (file under web/, content type): what the teacher's page loads,
# from teacher_standin's table (the one web/README.md gives). The rest of
# the page's API answers 404 here: the table and the room stay empty and
# only the tests set the graph's counts.
FILES = {"/teacher": ("teacher/index.html", "text/html; charset=utf-8")}
FILES.update((url, (name, kind)) for url, (name, kind, _) in
             TEACHER_FILES.items() if not url.startswith("/teacher-login"))
DOT_URL = "/teacher/api/menus.dot"

# What every page file of hotlined carries, and what the teacher's page
# needs on top of it: Graphviz is WebAssembly (web/README.md).
STRICT_CSP = "default-src 'self'"
TEACHER_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'"


class Files(ThreadingHTTPServer):
    """The page's files, the DOT and the CSP they are served with."""

    daemon_threads = True

    def __init__(self, dot):
        super().__init__(("127.0.0.1", 0), Handler)
        self.dot = dot
        # The page's own (a document's CSP is the one that counts); every
        # other file gets hotlined's, as it will.
        self.csp = TEACHER_CSP
        self.thread = threading.Thread(target=self.serve_forever,
                                       daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.server_address[1], path)

    def close(self):
        self.shutdown()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    """GET of a URL in FILES or the DOT; 404 for anything else."""

    def do_GET(self):
        if self.path == DOT_URL:
            body = self.server.dot.encode()
            kind = "text/vnd.graphviz; charset=utf-8"
        elif self.path in FILES:
            name, kind = FILES[self.path]
            with open(os.path.join(WEB, name), "rb") as f:
                body = f.read()
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy",
                         self.server.csp if self.path == "/teacher"
                         else STRICT_CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def default_menus():
    """{language: [menu names]} of menus/*.yaml, read without a YAML
    library: `language:` at the top, and the two-space keys under
    `menus:`."""
    out = {}
    for name in sorted(glob.glob(os.path.join(ROOT, "menus", "*.yaml"))):
        with open(name, encoding="utf-8") as f:
            text = f.read()
        language = re.search(r"^language: *(\S+)", text, re.M).group(1)
        body = re.search(r"^menus:\n((?:(?:  .*)?\n)*)", text, re.M).group(1)
        out[language] = re.findall(r"^  ([A-Za-z0-9_-]+):", body, re.M)
    return out


def dot_nodes(dot):
    """The node names a DOT text declares ("id" [attributes];)."""
    return re.findall(r'^\s*"((?:[^"\\]|\\.)*)" \[', dot, re.M)


# The badge of one node as the page shows it: [text, its display], or
# null for a node not drawn.
BADGE_JS = """((name) => {
  for (const c of document.querySelectorAll('#graph svg .count')) {
    if (c.dataset.node !== name) continue;
    return [c.querySelector('text').textContent,
            getComputedStyle(c).display];
  }
  return null; })(%s)"""


def badge(name):
    """The expression of BADGE_JS for one node."""
    return BADGE_JS % json.dumps(name)


# Where a node's badge is, as the offset of its middle from the top right
# corner of the node's shape in screen pixels.
PLACE_JS = """((name) => {
  const c = Array.from(document.querySelectorAll('#graph svg .count'))
    .find((c) => c.dataset.node === name);
  const n = Array.from(document.querySelectorAll('#graph svg g.node'))
    .find((n) => n.querySelector('title').textContent === name);
  const b = c.getBoundingClientRect(), s = n.getBoundingClientRect();
  return [b.x + b.width / 2 - s.right, b.y + b.height / 2 - s.top];
  })(%s)"""

# The names of the nodes drawn, from the SVG itself.
TITLES_JS = """Array.from(document.querySelectorAll(
  '#graph svg g.node > title'), (t) => t.textContent)"""


class TeacherGraphTest(unittest.TestCase):
    """One browser and one file server for all the cases, in order."""

    @classmethod
    def setUpClass(cls):
        viz = os.path.join(WEB, "viz", "viz.js")
        if not os.path.isfile(viz):
            raise RuntimeError("%s is missing: run `npm ci` in web/" % viz)
        cls.dot = subprocess.run([HOTLINED, "--dot",
                                  os.path.join(ROOT, "menus")],
                                 check=True, capture_output=True,
                                 text=True, timeout=30).stdout
        cls.server = Files(cls.dot)
        cls.browser = Browser(width=1280, height=720)
        cls.browser.record_violations()

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.server.close()

    def open_page(self, csp):
        """Opens /teacher served with csp, its events since then only."""
        self.server.csp = csp
        self.server.dot = self.dot
        self.browser.navigate("about:blank")
        self.browser.poll_events(0.2)
        self.browser.events = []
        self.browser.navigate(self.server.url("/teacher"))
        return self.browser.evaluate("window.teacher.ready")

    def test_1_default_src_self_refuses_graphviz(self):
        # hotlined's CSP for every page file: WebAssembly is refused, and
        # the page says what its CSP lacks.
        said = self.open_page(STRICT_CSP)
        self.assertIn("'wasm-unsafe-eval'", said)
        self.assertIn(said, self.browser.evaluate(
            "document.getElementById('graph-status').textContent"))
        # Refused once, and nothing else is.
        self.assertEqual(self.browser.violations(),
                         [["script-src", "wasm-eval"]])
        self.assertEqual(self.browser.evaluate(TITLES_JS), [])

    def test_2_every_menu_is_a_node(self):
        self.assertEqual(self.open_page(TEACHER_CSP), "drawn")
        titles = self.browser.evaluate(TITLES_JS)
        self.assertEqual(sorted(titles), sorted(dot_nodes(self.dot)))
        self.assertEqual(self.browser.evaluate(
            "window.teacher.graph.nodeNames()"), titles)
        menus = default_menus()
        self.assertEqual(sorted(menus), ["en", "zh-CN", "zh-TW"])
        for language, names in menus.items():
            self.assertIn("main", names)
            for name in names:
                self.assertIn("%s/%s" % (language, name), titles)
        # Flows are nodes too; a cluster per language, labelled in it.
        self.assertIn("zh-CN/flow:query", titles)
        text = self.browser.evaluate(
            "document.querySelector('#graph svg').textContent")
        for label in ("English (en)", "中文 (zh-CN)", "繁體中文 (zh-TW)"):
            self.assertIn(label, text)
        self.assertEqual(self.browser.evaluate(
            "document.getElementById('graph-status').hidden"), True)

    def test_3_counts_change_in_place(self):
        b = self.browser
        b.evaluate("window.teacher.graph.svg.dataset.layout = 'first'")
        self.assertEqual(b.evaluate(badge("zh-CN/main")), ["0", "none"])
        # Shown as setCounts returns: well within the second.
        shown = b.evaluate("window.teacher.graph.setCounts({'zh-CN/main': 1}),"
                           + badge("zh-CN/main"))
        self.assertEqual(shown, ["1", "inline"])
        self.assertEqual(b.evaluate(badge("en/main")), ["0", "none"])
        # On the node's top right corner, whatever the drawing's scale.
        for offset in b.evaluate(PLACE_JS % json.dumps("zh-CN/main")):
            self.assertLess(abs(offset), 2)
        b.evaluate("window.teacher.graph.setCounts({'zh-CN/main': 12,"
                   " 'zh-CN/flow:query': 3, 'en/language': 1,"
                   " 'nowhere/main': 5, 'zh-TW/main': -2})")
        self.assertEqual(b.evaluate(badge("zh-CN/main")), ["12", "inline"])
        self.assertEqual(b.evaluate(badge("zh-CN/flow:query")),
                         ["3", "inline"])
        self.assertEqual(b.evaluate(badge("en/language")), ["1", "inline"])
        self.assertEqual(b.evaluate(badge("zh-TW/main")), ["0", "none"])
        self.assertEqual(b.evaluate(
            "document.querySelectorAll('#graph .node.busy').length"), 3)
        # No new layout: the same SVG element, and the same DOT is not
        # laid out again.
        self.assertEqual(b.evaluate("window.teacher.reload()"), "unchanged")
        self.assertEqual(b.evaluate(
            "document.querySelector('#graph svg').dataset.layout"), "first")
        b.screenshot(os.path.join(ARTIFACTS, "teacher-graph.png"))

    def test_4_changed_dot_is_laid_out_again(self):
        b = self.browser
        gone = "zh-CN/flow:wire"
        self.assertIn(gone, b.evaluate(TITLES_JS))
        self.server.dot = "".join(
            line for line in self.dot.splitlines(True)
            if '"%s"' % gone not in line)
        # Laid out while hidden (a tab of the page not shown): the badges
        # still find their nodes.
        b.evaluate("document.getElementById('graph').hidden = true")
        self.assertEqual(b.evaluate("window.teacher.reload()"), "drawn")
        b.evaluate("document.getElementById('graph').hidden = false")
        for offset in b.evaluate(PLACE_JS % json.dumps("zh-CN/main")):
            self.assertLess(abs(offset), 2)
        titles = b.evaluate(TITLES_JS)
        self.assertNotIn(gone, titles)
        self.assertEqual(sorted(titles), sorted(dot_nodes(self.server.dot)))
        self.assertIsNone(b.evaluate(
            "document.querySelector('#graph svg').dataset.layout"))
        # The counts carry over to the new drawing.
        self.assertEqual(b.evaluate(badge("zh-CN/main")), ["12", "inline"])
        self.assertIsNone(b.evaluate(badge(gone)))

    def test_5_broken_dot_keeps_the_graph(self):
        b = self.browser
        b.evaluate("window.teacher.graph.svg.dataset.layout = 'kept'")
        self.server.dot = 'digraph hotline { "a" -> ; }\n'
        said = b.evaluate("window.teacher.reload()")
        self.assertIn("syntax error", said)
        self.assertIn(html.unescape(said), b.evaluate(
            "document.getElementById('graph-status').textContent"))
        self.assertEqual(b.evaluate(
            "document.querySelector('#graph svg').dataset.layout"), "kept")
        self.assertEqual(b.evaluate(badge("zh-CN/main")), ["12", "inline"])
        self.server.dot = self.dot
        self.assertEqual(b.evaluate("window.teacher.reload()"), "drawn")
        self.assertIn("zh-CN/flow:wire", b.evaluate(TITLES_JS))
        self.assertEqual(b.evaluate(
            "document.getElementById('graph-status').hidden"), True)

    def test_6_nothing_refused(self):
        # Since test 2 opened the page with the teacher's CSP.
        self.assertEqual(self.browser.violations(), [])
        self.assertEqual(self.browser.security_errors(), [])
        self.assertEqual(self.browser.console_errors(), [])


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        sys.exit("usage: test_teacher_graph.py HOTLINED [-v]")
    HOTLINED = sys.argv.pop(1)
    unittest.main()
