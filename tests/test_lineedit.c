/*
 * test_lineedit: drives the line editor with plain byte buffers and checks
 * the exact events it reports (type and bytes), echo included. Byte vectors
 * marked "notes" come from TELNET-NOTES.md in the project's shared notes.
 *
 * Adjacent ECHO events are recorded as one: what matters is the byte
 * stream the caller sees and where it falls between keys and lines, not
 * how many calls carried it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "proto/lineedit.h"
#include "strbuf.h"
#include "utf8.h"

/* Events one test may record between checks; tests stay far below it. */
#define MAX_EVENTS 64

struct recorded {
	enum lineedit_event_type type;
	size_t off; /* into fixture.bytes */
	size_t len;
};

struct fixture {
	struct lineedit *le;
	struct recorded ev[MAX_EVENTS];
	size_t n_ev;
	bool overflow;
	struct strbuf bytes; /* the data of every recorded event, end to end */
	/* Runs on each event before it is recorded, to act like a session. */
	void (*hook)(struct fixture *f, const struct lineedit_event *ev);
	/* What a hook saw of lineedit_pending during a LINE event. */
	bool pending_checked;
	size_t pending_len;
};

struct expect {
	enum lineedit_event_type type;
	const char *data;
	size_t len;
};

/* An expected event with a literal's bytes (NULs included). */
#define EV(t, lit)                                                             \
	{                                                                      \
		LINEEDIT_EV_##t, (lit), sizeof(lit) - 1                        \
	}
/* An expected event without data. */
#define EV0(t)                                                                 \
	{                                                                      \
		LINEEDIT_EV_##t, "", 0                                         \
	}
/* Feeds a literal's bytes, NULs included. */
#define FEED(f, lit) lineedit_feed((f)->le, (lit), sizeof(lit) - 1)
/* Checks, then forgets, every event since the last check. */
#define ASSERT_EVENTS(f, exp)                                                  \
	check_events((f), (exp), ARRAY_LEN(exp), __FILE__, __LINE__)
#define ASSERT_NO_EVENTS(f) check_events((f), NULL, 0, __FILE__, __LINE__)

/* clang-format off */
static const char *const event_names[] = {
	[LINEEDIT_EV_KEY] = "KEY",
	[LINEEDIT_EV_LINE] = "LINE",
	[LINEEDIT_EV_ECHO] = "ECHO",
	[LINEEDIT_EV_TOO_LONG] = "TOO_LONG",
	[LINEEDIT_EV_INTERRUPT] = "INTERRUPT",
};
/* clang-format on */

/* Prints one event for a failure message, controls as \xNN, long data cut. */
static void print_event(const char *prefix, enum lineedit_event_type type,
			const char *data, size_t len)
{
	struct strbuf sb;

	strbuf_init(&sb);
	for (size_t i = 0; i < len && i < 80; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c < 0x20 || c == 0x7f || c == '\\')
			strbuf_printf(&sb, "\\x%02x", c);
		else
			strbuf_append_char(&sb, (char)c);
	}
	print_error("%s %s [%zu] \"%s\"%s\n", prefix, event_names[type], len,
		    sb.data ? sb.data : "", len > 80 ? "..." : "");
	strbuf_fini(&sb);
}

/* Prints what was expected and what was recorded. */
static void print_events(const struct fixture *f, const struct expect *exp,
			 size_t n)
{
	for (size_t i = 0; i < n; i++)
		print_event("  expected", exp[i].type, exp[i].data, exp[i].len);
	for (size_t i = 0; i < f->n_ev; i++)
		print_event("  got     ", f->ev[i].type,
			    f->bytes.data + f->ev[i].off, f->ev[i].len);
}

/* Forgets what was recorded. */
static void forget_events(struct fixture *f)
{
	f->n_ev = 0;
	f->overflow = false;
	strbuf_reset(&f->bytes);
}

/* Fails at the caller's line unless the events since the last check are exp. */
static void check_events(struct fixture *f, const struct expect *exp, size_t n,
			 const char *file, int line)
{
	bool same = !f->overflow && f->n_ev == n;

	for (size_t i = 0; same && i < n; i++) {
		const struct recorded *r = &f->ev[i];

		same = r->type == exp[i].type && r->len == exp[i].len &&
		       memcmp(f->bytes.data + r->off, exp[i].data, r->len) == 0;
	}
	if (!same) {
		print_error("events differ%s:\n",
			    f->overflow ? " (too many recorded)" : "");
		print_events(f, exp, n);
		_fail(file, line);
	}
	forget_events(f);
}

/* Keeps one event, joining it to an ECHO just before it. */
static void record(struct fixture *f, const struct lineedit_event *ev)
{
	struct recorded *last = f->n_ev > 0 ? &f->ev[f->n_ev - 1] : NULL;

	/* Whatever the editor does, these hold for every event. */
	if (ev->type == LINEEDIT_EV_LINE)
		assert_true(utf8_is_valid(ev->data, ev->len));
	if (ev->type == LINEEDIT_EV_KEY) {
		uint32_t cp;

		assert_int_equal(utf8_decode(ev->data, ev->len, &cp), ev->len);
	}
	if (ev->type == LINEEDIT_EV_ECHO)
		assert_true(ev->len > 0);

	if (ev->type == LINEEDIT_EV_ECHO && last != NULL &&
	    last->type == LINEEDIT_EV_ECHO) {
		strbuf_append(&f->bytes, ev->data, ev->len);
		last->len += ev->len;
		return;
	}
	if (f->n_ev == MAX_EVENTS) {
		f->overflow = true;
		return;
	}
	f->ev[f->n_ev].type = ev->type;
	f->ev[f->n_ev].off = f->bytes.len;
	f->ev[f->n_ev].len = ev->len;
	f->n_ev++;
	strbuf_append(&f->bytes, ev->data, ev->len);
}

/* The editor's callback: the hook acts as a session would, then record. */
static void on_event(void *ctx, const struct lineedit_event *ev)
{
	struct fixture *f = ctx;

	if (f->hook != NULL)
		f->hook(f, ev);
	record(f, ev);
}

/* A fresh editor in the given mode and input kind. */
static int setup_with(void **state, enum lineedit_mode mode,
		      enum lineedit_input input)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	strbuf_init(&f->bytes);
	f->le = lineedit_new(on_event, f);
	lineedit_set_mode(f->le, mode);
	lineedit_set_input(f->le, input);
	*state = f;
	return 0;
}

/* Line mode at a menu: how a new editor starts. */
static int setup_line_keys(void **state)
{
	return setup_with(state, LINEEDIT_MODE_LINE, LINEEDIT_INPUT_KEYS);
}

/* Line mode collecting text. */
static int setup_line_text(void **state)
{
	return setup_with(state, LINEEDIT_MODE_LINE, LINEEDIT_INPUT_TEXT);
}

/* Character mode at a menu. */
static int setup_char_keys(void **state)
{
	return setup_with(state, LINEEDIT_MODE_CHAR, LINEEDIT_INPUT_KEYS);
}

/* Character mode collecting echoed text. */
static int setup_char_text(void **state)
{
	return setup_with(state, LINEEDIT_MODE_CHAR, LINEEDIT_INPUT_TEXT);
}

/* Character mode collecting a password. */
static int setup_char_secret(void **state)
{
	return setup_with(state, LINEEDIT_MODE_CHAR, LINEEDIT_INPUT_SECRET);
}

/* Frees the editor and the record. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	lineedit_free(f->le);
	strbuf_fini(&f->bytes);
	free(f);
	return 0;
}

/* A new editor is in line mode at a menu, with nothing pending. */
static void test_new_defaults(void **state)
{
	struct lineedit *le = lineedit_new(on_event, *state);
	size_t len = 99;

	assert_int_equal(lineedit_mode(le), LINEEDIT_MODE_LINE);
	assert_int_equal(lineedit_input(le), LINEEDIT_INPUT_KEYS);
	assert_string_equal(lineedit_pending(le, &len), "");
	assert_int_equal(len, 0);
	lineedit_free(le);
	lineedit_free(NULL);
}

/* CR LF is one Enter. */
static void test_enter_crlf(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(LINE, "abc") };

	FEED(f, "abc\r\n");
	ASSERT_EVENTS(f, exp);
}

/* CR NUL is one Enter. */
static void test_enter_crnul(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(LINE, "abc") };

	FEED(f, "abc\r\0");
	ASSERT_EVENTS(f, exp);
}

/* A bare CR is one Enter, at once. */
static void test_enter_bare_cr(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(LINE, "abc") };

	FEED(f, "abc\r");
	ASSERT_EVENTS(f, exp);
}

/* A bare LF is one Enter. */
static void test_enter_bare_lf(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(LINE, "abc"), EV(LINE, "d") };

	FEED(f, "abc\nd\n");
	ASSERT_EVENTS(f, exp);
}

/* The LF or NUL of an Enter may come in the next feed and is still dropped. */
static void test_enter_split_across_feeds(void **state)
{
	struct fixture *f = *state;
	const struct expect first[] = { EV(LINE, "abc") };
	const struct expect rest[] = { EV(LINE, "d"), EV(LINE, "e") };

	FEED(f, "abc\r");
	ASSERT_EVENTS(f, first);
	FEED(f, "\n");
	ASSERT_NO_EVENTS(f);
	FEED(f, "d\r");
	FEED(f, "\0");
	FEED(f, "e\n");
	ASSERT_EVENTS(f, rest);
}

/* Two lines in one feed come as two events in order. */
static void test_two_lines_one_feed(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(LINE, "1"), EV(LINE, "2") };

	FEED(f, "1\r\n2\r\n");
	ASSERT_EVENTS(f, exp);
}

/* Empty lines are lines; CR CR and CR LF LF are two Enters each. */
static void test_empty_lines(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = {
		EV(LINE, ""),
		EV(LINE, ""),
		EV(LINE, ""),
		EV(LINE, ""),
	};

	FEED(f, "\r\r");
	FEED(f, "\r\n\n");
	ASSERT_EVENTS(f, exp);
}

/* NULs outside an Enter are ignored, however many. */
static void test_nul_flood(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(LINE, "12") };
	char buf[3000];
	size_t len = 99;

	memset(buf, 0, sizeof(buf));
	buf[0] = '1';
	buf[1000] = '2';
	buf[2000] = '\r';
	lineedit_feed(f->le, buf, sizeof(buf));
	ASSERT_EVENTS(f, exp);
	lineedit_pending(f->le, &len);
	assert_int_equal(len, 0);
}

/* In line mode BS and DEL remove a whole CJK character; nothing is echoed. */
static void test_line_backspace_cjk(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(LINE, "1中"), EV(LINE, "") };

	FEED(f, "1中文\x08\r\n");
	FEED(f, "中\x7f\r\n");
	ASSERT_EVENTS(f, exp);
}

/* In char mode Backspace over 文 erases its two columns. */
static void test_char_backspace_cjk(void **state)
{
	struct fixture *f = *state;
	const struct expect typed[] = { EV(ECHO, "中文") };
	const struct expect erased[] = { EV(ECHO, "\b\b  \b\b") };
	const struct expect entered[] = { EV(ECHO, "\n"), EV(LINE, "中") };

	FEED(f, "中文");
	ASSERT_EVENTS(f, typed);
	FEED(f, "\x7f");
	ASSERT_EVENTS(f, erased);
	FEED(f, "\r");
	ASSERT_EVENTS(f, entered);
}

/* DEL and BS both erase one character, each with one column of echo. */
static void test_char_del_and_bs(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = {
		EV(ECHO, "abc\b \b\b \b"
			 "d\n"),
		EV(LINE, "ad"),
	};

	FEED(f, "abc\x08\x7f"
		"d\r");
	ASSERT_EVENTS(f, exp);
}

/* Backspace and Ctrl-U on an empty line do nothing at all. */
static void test_char_erase_empty(void **state)
{
	struct fixture *f = *state;

	FEED(f, "\x7f\x08\x15");
	ASSERT_NO_EVENTS(f);
}

/* Ctrl-U empties the line in line mode, silently. */
static void test_line_ctrl_u(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(LINE, "xy") };

	FEED(f, "abc中\x15"
		"xy\r\n");
	ASSERT_EVENTS(f, exp);
}

/* Ctrl-U in char mode rubs out every column of the line. */
static void test_char_ctrl_u(void **state)
{
	struct fixture *f = *state;
	const struct expect typed[] = { EV(ECHO, "a中") };
	const struct expect erased[] = { EV(ECHO, "\b\b\b   \b\b\b") };
	const struct expect exp[] = { EV(ECHO, "xy\n"), EV(LINE, "xy") };

	FEED(f, "a中");
	ASSERT_EVENTS(f, typed);
	FEED(f, "\x15");
	ASSERT_EVENTS(f, erased);
	FEED(f, "xy\r");
	ASSERT_EVENTS(f, exp);
}

/* Ctrl-U over a line wider than one erase chunk still rubs out every column. */
static void test_char_ctrl_u_long(void **state)
{
	struct fixture *f = *state;
	char buf[300];
	struct strbuf want;

	memset(buf, 'a', sizeof(buf));
	lineedit_feed(f->le, buf, sizeof(buf));
	forget_events(f);
	FEED(f, "\x15");
	/* Whatever the chunking, the echo must return to column 0 blanked. */
	assert_int_equal(f->n_ev, 1);
	assert_int_equal(f->ev[0].type, LINEEDIT_EV_ECHO);
	strbuf_init(&want);
	for (size_t done = 0; done < sizeof(buf); done += 80) {
		size_t n = sizeof(buf) - done < 80 ? sizeof(buf) - done : 80;

		for (size_t i = 0; i < n; i++)
			strbuf_append_char(&want, '\b');
		for (size_t i = 0; i < n; i++)
			strbuf_append_char(&want, ' ');
		for (size_t i = 0; i < n; i++)
			strbuf_append_char(&want, '\b');
	}
	const struct expect exp[] = {
		{ LINEEDIT_EV_ECHO, want.data, want.len },
	};
	ASSERT_EVENTS(f, exp);
	strbuf_fini(&want);
}

/* Ctrl-C interrupts and drops the partial line, in line mode. */
static void test_line_ctrl_c(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV0(INTERRUPT), EV(LINE, "d") };

	FEED(f, "abc\x03"
		"d\r\n");
	ASSERT_EVENTS(f, exp);
}

/* Ctrl-C interrupts in char mode too, echoing nothing of its own. */
static void test_char_ctrl_c(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = {
		EV(ECHO, "abc"),
		EV0(INTERRUPT),
		EV(ECHO, "d\n"),
		EV(LINE, "d"),
	};

	FEED(f, "abc\x03"
		"d\r");
	ASSERT_EVENTS(f, exp);
}

/* Arrows, Ctrl-arrows, SS3 keys, Alt+key, Alt+Backspace: swallowed whole. */
static void test_escape_swallowed(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(LINE, "abcdefgh") };

	/* The last is a CSI with an intermediate byte (space). */
	FEED(f, "a\x1b[A"
		"b\x1b[1;5C"
		"c\x1bOA"
		"d\x1bxe\x1b\x7f"
		"f\x1b中g\x1b[2 q"
		"h\r\n");
	ASSERT_EVENTS(f, exp);
}

/* In char mode nothing of an escape sequence is echoed. */
static void test_char_escape_no_echo(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(ECHO, "ab\n"), EV(LINE, "ab") };

	FEED(f, "a\x1b[D\x1b[3~"
		"b\r");
	ASSERT_EVENTS(f, exp);
}

/* An escape sequence split across feeds is still swallowed. */
static void test_escape_split_across_feeds(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(LINE, "ab") };

	FEED(f, "a\x1b");
	FEED(f, "[");
	FEED(f, "1;2");
	FEED(f, "B");
	FEED(f, "b\r\n");
	ASSERT_EVENTS(f, exp);
}

/* A lone ESC does not eat the Enter or Ctrl-C after it. */
static void test_escape_cut_by_control(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = {
		EV(LINE, "ab"),
		EV0(INTERRUPT),
		EV0(INTERRUPT),
		EV(LINE, "c"),
	};

	FEED(f, "ab\x1b\r");
	FEED(f, "x\x1b\x03");
	FEED(f, "y\x1b[1\x03");
	FEED(f, "c\n");
	ASSERT_EVENTS(f, exp);
}

/* A character split across feeds is assembled, in line mode. */
static void test_line_utf8_split(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(LINE, "你😀") };

	FEED(f, "\xe4");
	FEED(f, "\xbd");
	FEED(f, "\xa0\xf0\x9f");
	FEED(f, "\x98");
	FEED(f, "\x80\r\n");
	ASSERT_EVENTS(f, exp);
}

/* At a menu in char mode a split character is one key, once whole. */
static void test_char_keys_utf8_split(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(ECHO, "你\n"), EV(KEY, "你") };

	FEED(f, "\xe4\xbd");
	ASSERT_NO_EVENTS(f);
	FEED(f, "\xa0");
	ASSERT_EVENTS(f, exp);
}

/* Every kind of bad UTF-8 becomes U+FFFD, and the good bytes around it stay. */
static void test_invalid_utf8(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = {
		EV(LINE, "a\uFFFD"
			 "b\uFFFD\uFFFD"
			 "c\uFFFD"
			 "d\uFFFD"
			 "e"
			 "\uFFFD"
			 "f\uFFFD"
			 "g\uFFFD"
			 "h\uFFFD你"
			 "i"),
		EV(LINE, "\uFFFD"),
	};

	FEED(f,
	     "a\x80"                 /* stray continuation */
	     "b\xc0\xff"             /* bytes that lead nothing */
	     "c\xe4\xbd"             /* truncated by ASCII */
	     "d\xe0\x80\x80"         /* overlong */
	     "e\xed\xa0\x80"         /* surrogate */
	     "f\xf4\x90\x80\x80"     /* past U+10FFFF */
	     "g\xc3\xe4\xbd\xa0\x7f" /* truncated by a new lead, erased 你 */
	     "h\xf0\x9f\x98\xe4\xbd\xa0\xa0\x7f" /* cut by 你; stray, erased */
	     "i\r\n");
	FEED(f, "\xe4\r\n"); /* truncated by the Enter itself */
	ASSERT_EVENTS(f, exp);
}

/* C1 controls typed as UTF-8 are dropped, not passed to other terminals. */
static void test_c1_controls_dropped(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(LINE, "ab") };

	FEED(f, "a\xc2\x9b"
		"b\xc2\x85\r\n");
	ASSERT_EVENTS(f, exp);
}

/* Tab becomes a space; other controls vanish. */
static void test_tab_and_controls(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(ECHO, "a b c\n"), EV(LINE, "a b c") };

	FEED(f, "a\tb\x01\x02\x07\x0b\x0c\x1a \x04"
		"c\r");
	ASSERT_EVENTS(f, exp);
}

/* Appends n copies of c. */
static void append_repeat(struct strbuf *sb, char c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strbuf_append_char(sb, c);
}

/* A 5000-byte line is refused once, and the next line works. */
static void test_line_too_long(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV0(TOO_LONG), EV(LINE, "ok") };
	char buf[5000];

	memset(buf, 'a', sizeof(buf));
	lineedit_feed(f->le, buf, sizeof(buf));
	FEED(f, "\r\n");
	FEED(f, "ok\r\n");
	ASSERT_EVENTS(f, exp);
}

/* LINEEDIT_MAX_LINE bytes fit; one byte more, or a straddling character, not. */
static void test_line_limit_exact(void **state)
{
	struct fixture *f = *state;
	char buf[LINEEDIT_MAX_LINE];
	size_t len;

	memset(buf, 'a', sizeof(buf));
	lineedit_feed(f->le, buf, sizeof(buf));
	FEED(f, "\r\n");
	const struct expect fits[] = {
		{ LINEEDIT_EV_LINE, buf, sizeof(buf) },
	};
	ASSERT_EVENTS(f, fits);

	lineedit_feed(f->le, buf, sizeof(buf));
	FEED(f, "b");
	lineedit_pending(f->le, &len);
	assert_int_equal(len, LINEEDIT_MAX_LINE);
	FEED(f, "\r\n");
	lineedit_feed(f->le, buf, sizeof(buf) - 1);
	FEED(f, "中");
	lineedit_pending(f->le, &len);
	assert_int_equal(len, LINEEDIT_MAX_LINE - 1);
	FEED(f, "\r\n");
	const struct expect over[] = { EV0(TOO_LONG), EV0(TOO_LONG) };
	ASSERT_EVENTS(f, over);
}

/* In char mode an overflow rings once, echoes no more, and is refused. */
static void test_char_too_long(void **state)
{
	struct fixture *f = *state;
	const struct expect next[] = { EV(ECHO, "ok\n"), EV(LINE, "ok") };
	char buf[5000];
	struct strbuf want;

	strbuf_init(&want);
	append_repeat(&want, 'a', LINEEDIT_MAX_LINE);
	strbuf_append_str(&want, "\a\n");
	memset(buf, 'a', sizeof(buf));
	lineedit_feed(f->le, buf, sizeof(buf));
	FEED(f, "\r");
	const struct expect exp[] = {
		{ LINEEDIT_EV_ECHO, want.data, want.len },
		EV0(TOO_LONG),
	};
	ASSERT_EVENTS(f, exp);
	FEED(f, "ok\r");
	ASSERT_EVENTS(f, next);
	strbuf_fini(&want);
}

/* Ctrl-U after an overflow starts a fresh line that is accepted. */
static void test_ctrl_u_forgives_overflow(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(LINE, "ok") };
	char buf[2000];

	memset(buf, 'a', sizeof(buf));
	lineedit_feed(f->le, buf, sizeof(buf));
	FEED(f, "\x15"
		"ok\r\n");
	ASSERT_EVENTS(f, exp);
}

/* At a menu in char mode each key acts at once, echoed first with a newline. */
static void test_char_keys_immediate(void **state)
{
	struct fixture *f = *state;
	const struct expect one[] = { EV(ECHO, "1\n"), EV(KEY, "1") };
	const struct expect rest[] = {
		EV(ECHO, "*\n"),  EV(KEY, "*"),  EV(ECHO, "#\n"), EV(KEY, "#"),
		EV(ECHO, "你\n"), EV(KEY, "你"), EV(ECHO, " \n"), EV(KEY, " "),
	};

	FEED(f, "1");
	ASSERT_EVENTS(f, one);
	FEED(f, "*#你\t");
	ASSERT_EVENTS(f, rest);
}

/* At a menu in char mode Enter, in any form, does nothing. */
static void test_char_keys_enter_ignored(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(ECHO, "2\n"), EV(KEY, "2") };

	FEED(f, "\r");
	FEED(f, "\r\n\r\0\n");
	ASSERT_NO_EVENTS(f);
	FEED(f, "\r\n2\r\n");
	ASSERT_EVENTS(f, exp);
}

/* At a menu in line mode keys still come as lines, unechoed. */
static void test_line_keys_are_lines(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = {
		EV(LINE, "1"),
		EV(LINE, "12"),
		EV(LINE, ""),
	};

	FEED(f, "1\r\n12\r\n\r\n");
	ASSERT_EVENTS(f, exp);
}

/* A secret is not echoed, nor is its erasing; its Enter is. */
static void test_char_secret(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(ECHO, "\n"), EV(LINE, "pw") };

	FEED(f, "pwx中\x7f\x08");
	ASSERT_NO_EVENTS(f);
	FEED(f, "\x1b[A\x15"
		"pw\r");
	ASSERT_EVENTS(f, exp);
}

/* Hook: like a session, key 2 asks for a number and a line goes back. */
static void hook_phone(struct fixture *f, const struct lineedit_event *ev)
{
	if (ev->type == LINEEDIT_EV_KEY && ev->len == 1 && ev->data[0] == '2')
		lineedit_set_input(f->le, LINEEDIT_INPUT_TEXT);
	if (ev->type == LINEEDIT_EV_LINE)
		lineedit_set_input(f->le, LINEEDIT_INPUT_KEYS);
}

/* Switching input in the callback applies to the rest of the same feed. */
static void test_input_switch_in_callback(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = {
		EV(ECHO, "2\n"), EV(KEY, "2"),    EV(ECHO, "138\n"),
		EV(LINE, "138"), EV(ECHO, "3\n"), EV(KEY, "3"),
	};

	f->hook = hook_phone;
	FEED(f, "2138\r");
	FEED(f, "\n3");
	ASSERT_EVENTS(f, exp);
	assert_int_equal(lineedit_input(f->le), LINEEDIT_INPUT_KEYS);
}

/* Hook: the negotiation ends after a line: character mode, text next. */
static void hook_line_to_char(struct fixture *f,
			      const struct lineedit_event *ev)
{
	if (ev->type == LINEEDIT_EV_LINE) {
		lineedit_set_mode(f->le, LINEEDIT_MODE_CHAR);
		lineedit_set_input(f->le, LINEEDIT_INPUT_TEXT);
	}
}

/* A mode switch in the callback applies at once; the CR's LF is still dropped. */
static void test_mode_switch_in_callback(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = {
		EV(LINE, "1"),
		EV(ECHO, "ab\n"),
		EV(LINE, "ab"),
	};

	f->hook = hook_line_to_char;
	FEED(f, "1\r\nab\r");
	ASSERT_EVENTS(f, exp);
	assert_int_equal(lineedit_mode(f->le), LINEEDIT_MODE_CHAR);
}

/* Hook: switches input and clears during a LINE, noting what is pending. */
static void hook_line_clears(struct fixture *f, const struct lineedit_event *ev)
{
	if (ev->type != LINEEDIT_EV_LINE)
		return;
	lineedit_set_input(f->le, LINEEDIT_INPUT_SECRET);
	lineedit_clear(f->le);
	assert_string_equal(lineedit_pending(f->le, &f->pending_len), "");
	f->pending_checked = true;
}

/* A LINE's data stays intact while the callback switches input and clears. */
static void test_line_data_survives_callback(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(LINE, "hello"), EV(LINE, "pw") };

	f->hook = hook_line_clears;
	FEED(f, "hello\r\npw\r\n");
	ASSERT_EVENTS(f, exp);
	assert_true(f->pending_checked);
	assert_int_equal(f->pending_len, 0);
}

/* lineedit_pending shows the partial line; clear drops it without echo. */
static void test_pending_and_clear(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(ECHO, "d\n"), EV(LINE, "d") };
	size_t len = 0;

	FEED(f, "ab中");
	forget_events(f);
	assert_string_equal(lineedit_pending(f->le, &len), "ab中");
	assert_int_equal(len, 5);
	lineedit_clear(f->le);
	assert_string_equal(lineedit_pending(f->le, &len), "");
	assert_int_equal(len, 0);
	FEED(f, "d\r");
	ASSERT_EVENTS(f, exp);
}

/* A new input kind empties the line; the same kind or a new mode keep it. */
static void test_set_input_and_mode(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(LINE, "x") };
	size_t len = 0;

	FEED(f, "ab");
	lineedit_set_input(f->le, LINEEDIT_INPUT_TEXT);
	lineedit_set_mode(f->le, LINEEDIT_MODE_LINE);
	lineedit_pending(f->le, &len);
	assert_int_equal(len, 2);
	lineedit_set_input(f->le, LINEEDIT_INPUT_SECRET);
	lineedit_pending(f->le, &len);
	assert_int_equal(len, 0);
	assert_int_equal(lineedit_input(f->le), LINEEDIT_INPUT_SECRET);
	FEED(f, "x\n");
	ASSERT_EVENTS(f, exp);
}

/* notes: inetutils (netkit, plink) in char mode at a menu, a key per feed. */
static void test_notes_inetutils_char_keys(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = {
		EV(ECHO, "1\n"), EV(KEY, "1"),   EV(ECHO, "你\n"),
		EV(KEY, "你"),   EV0(INTERRUPT), EV(ECHO, "2\n"),
		EV(KEY, "2"),
	};

	FEED(f, "\x31");
	FEED(f, "\xe4\xbd\xa0");
	FEED(f, "\x7f");
	FEED(f, "\x0d");
	FEED(f, "\x03");
	FEED(f, "\x32");
	FEED(f, "\x0d");
	ASSERT_EVENTS(f, exp);
}

/* notes: inetutils in char mode, text: 1 你 BS Enter Ctrl-C 2 Enter. */
static void test_notes_inetutils_char_text(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = {
		EV(ECHO, "1你\b\b  \b\b\n"),
		EV(LINE, "1"),
		EV0(INTERRUPT),
		EV(ECHO, "2\n"),
		EV(LINE, "2"),
	};

	FEED(f, "\x31");
	FEED(f, "\xe4\xbd\xa0");
	FEED(f, "\x7f");
	FEED(f, "\x0d");
	FEED(f, "\x03");
	FEED(f, "\x32");
	FEED(f, "\x0d");
	ASSERT_EVENTS(f, exp);
}

/* notes: busybox in char mode sends CR LF: one line, never a second. */
static void test_notes_busybox_char_text(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = {
		EV(ECHO, "1你\b\b  \b\b\n"),
		EV(LINE, "1"),
		EV0(INTERRUPT),
		EV(ECHO, "2\n"),
		EV(LINE, "2"),
	};

	FEED(f, "\x31");
	FEED(f, "\xe4\xbd\xa0");
	FEED(f, "\x7f");
	FEED(f, "\x0d\x0a");
	FEED(f, "\x03");
	FEED(f, "\x32");
	FEED(f, "\x0d\x0a");
	ASSERT_EVENTS(f, exp);
}

/* notes: line-mode clients end lines with CR LF (inetutils) or LF (plink). */
static void test_notes_line_mode(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = {
		EV(LINE, "1"),
		EV(LINE, "2"),
		EV(LINE, "1"),
		EV(LINE, "2"),
	};

	FEED(f, "\x31\x0d\x0a");
	FEED(f, "\x32\x0d\x0a");
	FEED(f, "\x31\x0a");
	FEED(f, "\x32\x0a");
	ASSERT_EVENTS(f, exp);
}

/* A raw socket (nc, not in the notes) sends 1 你 DEL LF unedited. */
static void test_raw_socket_unedited(void **state)
{
	struct fixture *f = *state;
	const struct expect exp[] = { EV(LINE, "1") };

	FEED(f, "\x31\xe4\xbd\xa0\x7f\x0a");
	ASSERT_EVENTS(f, exp);
}

/* A case with its own setup and the common teardown. */
#define CASE(test, setup) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_new_defaults, setup_line_keys),
		CASE(test_enter_crlf, setup_line_text),
		CASE(test_enter_crnul, setup_line_text),
		CASE(test_enter_bare_cr, setup_line_text),
		CASE(test_enter_bare_lf, setup_line_text),
		CASE(test_enter_split_across_feeds, setup_line_text),
		CASE(test_two_lines_one_feed, setup_line_keys),
		CASE(test_empty_lines, setup_line_keys),
		CASE(test_nul_flood, setup_line_text),
		CASE(test_line_backspace_cjk, setup_line_text),
		CASE(test_char_backspace_cjk, setup_char_text),
		CASE(test_char_del_and_bs, setup_char_text),
		CASE(test_char_erase_empty, setup_char_keys),
		CASE(test_line_ctrl_u, setup_line_text),
		CASE(test_char_ctrl_u, setup_char_text),
		CASE(test_char_ctrl_u_long, setup_char_text),
		CASE(test_line_ctrl_c, setup_line_text),
		CASE(test_char_ctrl_c, setup_char_text),
		CASE(test_escape_swallowed, setup_line_text),
		CASE(test_char_escape_no_echo, setup_char_text),
		CASE(test_escape_split_across_feeds, setup_line_text),
		CASE(test_escape_cut_by_control, setup_line_text),
		CASE(test_line_utf8_split, setup_line_text),
		CASE(test_char_keys_utf8_split, setup_char_keys),
		CASE(test_invalid_utf8, setup_line_text),
		CASE(test_c1_controls_dropped, setup_line_text),
		CASE(test_tab_and_controls, setup_char_text),
		CASE(test_line_too_long, setup_line_text),
		CASE(test_line_limit_exact, setup_line_text),
		CASE(test_char_too_long, setup_char_text),
		CASE(test_ctrl_u_forgives_overflow, setup_line_text),
		CASE(test_char_keys_immediate, setup_char_keys),
		CASE(test_char_keys_enter_ignored, setup_char_keys),
		CASE(test_line_keys_are_lines, setup_line_keys),
		CASE(test_char_secret, setup_char_secret),
		CASE(test_input_switch_in_callback, setup_char_keys),
		CASE(test_mode_switch_in_callback, setup_line_keys),
		CASE(test_line_data_survives_callback, setup_line_text),
		CASE(test_pending_and_clear, setup_char_text),
		CASE(test_set_input_and_mode, setup_line_text),
		CASE(test_notes_inetutils_char_keys, setup_char_keys),
		CASE(test_notes_inetutils_char_text, setup_char_text),
		CASE(test_notes_busybox_char_text, setup_char_text),
		CASE(test_notes_line_mode, setup_line_keys),
		CASE(test_raw_socket_unedited, setup_line_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
