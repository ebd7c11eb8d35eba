"""What the teacher's page shows, read by JavaScript expressions: the
probes test_teacher_page.py (a stand-in server) and
test_teacher_browser.py (the real hotlined) both evaluate."""

# The badge of one graph node: its text, or null when not shown (% the
# node's name as JSON).
BADGE_JS = """((name) => {
  const c = Array.from(document.querySelectorAll('#graph svg .count'))
    .find((c) => c.dataset.node === name);
  return c && getComputedStyle(c).display !== 'none' ?
    c.querySelector('text').textContent : null; })(%s)"""

# The chat room's lines as text.
ROOM_JS = """Array.from(document.querySelectorAll('#room .chat-line'),
  (d) => d.textContent)"""
