/*
 * test_utf8: the one UTF-8 decoder and display width (common/utf8):
 * lead bytes, strict decoding (overlong forms, surrogates, values past
 * U+10FFFF, cut-short characters), the last character of a buffer,
 * validity, controls, and the width decision: CJK 2, ASCII 1, combining
 * marks 0, East Asian Ambiguous 1. The last case checks that the trace's
 * wrap and the server's line editor count those columns alike.
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
#include "wiretrace.h"

/* A time stamp as the trace starts a line with: WIRETRACE_INDENT_COLS wide. */
#define STAMP "04:41:47.023 "
/* Copies of a sample typed and wrapped: 50 to 100 columns, past the minimum width. */
#define COPIES 50

/* One character and the columns every program must give it. */
struct width_case {
	uint32_t cp;
	int width;
};

/* A string of characters and the columns it takes in all. */
struct sample {
	const char *text;
	size_t cols;
};

/* The line editor, in character mode, and the echo it wrote. */
struct fixture {
	struct lineedit *le;
	struct strbuf echo;
};

/* Keeps the echo; the lines and keys are not what these tests look at. */
static void on_event(void *ctx, const struct lineedit_event *ev)
{
	struct fixture *f = ctx;

	if (ev->type == LINEEDIT_EV_ECHO)
		strbuf_append(&f->echo, ev->data, ev->len);
}

/* Setup: an editor echoing a line of text, as at a prompt in character mode. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	strbuf_init(&f->echo);
	f->le = lineedit_new(on_event, f);
	lineedit_set_mode(f->le, LINEEDIT_MODE_CHAR);
	lineedit_set_input(f->le, LINEEDIT_INPUT_TEXT);
	*state = f;
	return 0;
}

/* Frees the editor and its echo. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	lineedit_free(f->le);
	strbuf_fini(&f->echo);
	free(f);
	return 0;
}

/* How many times byte c is in sb. */
static size_t count_byte(const struct strbuf *sb, char c)
{
	size_t n = 0;

	for (size_t i = 0; i < sb->len; i++)
		n += sb->data[i] == c;
	return n;
}

static void test_lead_len(void **state)
{
	static const struct {
		unsigned char b;
		size_t len;
	} cases[] = {
		{ 0x00, 1 },
		{ 'A', 1 },
		{ 0x7f, 1 },
		/* Continuation bytes and the leads of overlong forms: none. */
		{ 0x80, 0 },
		{ 0xbf, 0 },
		{ 0xc0, 0 },
		{ 0xc1, 0 },
		{ 0xc2, 2 },
		{ 0xdf, 2 },
		{ 0xe0, 3 },
		{ 0xef, 3 },
		{ 0xf0, 4 },
		{ 0xf4, 4 },
		/* Past U+10FFFF. */
		{ 0xf5, 0 },
		{ 0xff, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		if (utf8_lead_len(cases[i].b) != cases[i].len)
			fail_msg("0x%02X: %zu bytes, want %zu", cases[i].b,
				 utf8_lead_len(cases[i].b), cases[i].len);
	}
}

static void test_decode_valid(void **state)
{
	static const struct {
		const char *s;
		size_t len; /* bytes given */
		size_t n;   /* bytes of the first character */
		uint32_t cp;
	} good[] = {
		{ "A", 1, 1, 'A' },
		{ "\xc2\xa9", 2, 2, 0xa9 },
		{ "中", 3, 3, 0x4e2d },
		{ "\xf0\x9f\x98\x80", 4, 4, 0x1f600 },
		{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
		/* Only the first character of a longer buffer. */
		{ "中文", 6, 3, 0x4e2d },
		/* A C1 control is valid; whether to show it is the caller's call. */
		{ "\xc2\x9b", 2, 2, 0x9b },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		uint32_t cp = 0;

		assert_int_equal(utf8_decode(good[i].s, good[i].len, &cp),
				 good[i].n);
		assert_int_equal(cp, good[i].cp);
	}
}

static void test_decode_invalid(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
		{ "", 0 },
		{ "\x80", 1 },             /* a stray continuation byte */
		{ "\xc0\x80", 2 },         /* overlong NUL */
		{ "\xc1\xbf", 2 },         /* overlong 0x7f */
		{ "\xe0\x80\x80", 3 },     /* overlong, 3 bytes */
		{ "\xe0\x9f\xbf", 3 },     /* U+07FF in 3 bytes */
		{ "\xf0\x80\x80\x80", 4 }, /* overlong, 4 bytes */
		{ "\xf0\x8f\xbf\xbf", 4 }, /* U+FFFF in 4 bytes */
		{ "\xed\xa0\x80", 3 },     /* a surrogate, U+D800 */
		{ "\xed\xbf\xbf", 3 },     /* a surrogate, U+DFFF */
		{ "\xf4\x90\x80\x80", 4 }, /* U+110000 */
		{ "\xf5\x80\x80\x80", 4 }, /* past Unicode by its lead */
		{ "\xe4\xb8", 2 },         /* cut short */
		{ "\xe4\x41\xad", 3 },     /* a lead, then ASCII */
		{ "\xf0\x9f\x98\x80", 3 }, /* len says the end came early */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		uint32_t cp = 0;

		if (utf8_decode(bad[i].s, bad[i].len, &cp) != 0)
			fail_msg("bad[%zu] decoded to U+%04X", i, (unsigned)cp);
	}
}

static void test_last_len(void **state)
{
	(void)state;
	assert_int_equal(utf8_last_len("", 0), 0);
	assert_int_equal(utf8_last_len("abc", 3), 1);
	assert_int_equal(utf8_last_len("a中", 4), 3);
	assert_int_equal(utf8_last_len("a\xf0\x9f\x98\x80", 5), 4);
	/* A stray continuation after a whole character: only the stray. */
	assert_int_equal(utf8_last_len("中\x80", 4), 1);
	/* A character cut short, and nothing but continuation bytes. */
	assert_int_equal(utf8_last_len("\xe4\xb8", 2), 1);
	assert_int_equal(utf8_last_len("\x80\x80\x80\x80\x80", 5), 1);
}

static void test_is_valid(void **state)
{
	(void)state;
	assert_true(utf8_is_valid("", 0));
	assert_true(utf8_is_valid("hello 中文 😀", strlen("hello 中文 😀")));
	assert_true(utf8_is_valid("a\0b", 3));
	assert_false(utf8_is_valid("\xff", 1));
	assert_false(utf8_is_valid("abc\xe4\xb8", 5));
	assert_false(utf8_is_valid("\xed\xa0\x80", 3));
}

static void test_is_control(void **state)
{
	(void)state;
	assert_true(utf8_is_control(0x00));
	assert_true(utf8_is_control(0x1b));
	assert_true(utf8_is_control(0x1f));
	assert_true(utf8_is_control(0x7f));
	assert_true(utf8_is_control(0x80));
	assert_true(utf8_is_control(0x9f));
	assert_false(utf8_is_control(' '));
	assert_false(utf8_is_control('~'));
	assert_false(utf8_is_control(0xa0));
	assert_false(utf8_is_control(0x4e2d));
}

/* The width decision of utf8.h, character by character. */
static void test_width_decision(void **state)
{
	static const struct width_case cases[] = {
		/* ASCII: 1. */
		{ 'A', 1 },
		{ ' ', 1 },
		{ '~', 1 },
		/* Controls: none. */
		{ 0x07, 0 },
		{ 0x1b, 0 },
		{ 0x7f, 0 },
		{ 0x9b, 0 },
		/* CJK ideographs, kana, Hangul, fullwidth forms: 2. */
		{ 0x4e2d, 2 }, /* 中 */
		{ 0x4e00, 2 },
		{ 0x9fff, 2 },
		{ 0x3400, 2 },  /* extension A */
		{ 0x20000, 2 }, /* extension B */
		{ 0xf900, 2 },  /* compatibility ideograph */
		{ 0x3000, 2 },  /* ideographic space */
		{ 0x3001, 2 },  /* 、 */
		{ 0x3042, 2 },  /* あ */
		{ 0xac00, 2 },  /* 가 */
		{ 0xd7a3, 2 },
		{ 0x1100, 2 },
		{ 0xff01, 2 },  /* ！ */
		{ 0xffe5, 2 },  /* ￥ */
		{ 0x1f600, 2 }, /* an emoticon */
		/* Just outside the wide blocks: 1. */
		{ 0x1160, 1 },
		{ 0x303f, 1 },
		{ 0xa4d0, 1 },
		{ 0xd7a4, 1 },
		{ 0xff61, 1 }, /* halfwidth ideographic full stop */
		/* Combining marks and zero-width characters: none. */
		{ 0x0301, 0 }, /* combining acute accent */
		{ 0x036f, 0 },
		{ 0x1dc0, 0 },
		{ 0x20dd, 0 }, /* combining enclosing circle */
		{ 0x302a, 0 }, /* ideographic tone mark, inside a wide block */
		{ 0x3099, 0 }, /* combining kana voiced sound mark, too */
		{ 0x200b, 0 }, /* zero width space */
		{ 0x200d, 0 }, /* zero width joiner */
		{ 0xfe0f, 0 }, /* variation selector 16 */
		{ 0xfe20, 0 },
		/* East Asian Ambiguous: 1, as glibc and most terminals. */
		{ 0x00b7, 1 }, /* · middle dot */
		{ 0x00d7, 1 }, /* × */
		{ 0x2014, 1 }, /* — em dash, in the Chinese menus */
		{ 0x201c, 1 }, /* “ */
		{ 0x201d, 1 }, /* ” */
		{ 0x2026, 1 }, /* … */
		{ 0x2460, 1 }, /* ① */
		{ 0x2500, 1 }, /* ─ box drawing */
		{ 0x03b1, 1 }, /* α */
		{ 0x0416, 1 }, /* Ж */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		if (utf8_width(cases[i].cp) != cases[i].width)
			fail_msg("U+%04X: %d columns, want %d",
				 (unsigned)cases[i].cp, utf8_width(cases[i].cp),
				 cases[i].width);
	}
}

/* Columns s takes by utf8_width, character by character. */
static size_t columns(const char *s)
{
	size_t len = strlen(s), cols = 0;
	uint32_t cp;

	while (len > 0) {
		size_t n = utf8_decode(s, len, &cp);

		assert_true(n > 0);
		cols += (size_t)utf8_width(cp);
		s += n;
		len -= n;
	}
	return cols;
}

/* Lines in the output of wiretrace_wrap of text at width. */
static size_t wrapped_lines(const char *text, unsigned width)
{
	char *out = NULL;
	size_t len = 0, lines = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	wiretrace_wrap(f, text, strlen(text), width);
	fclose(f);
	for (size_t i = 0; i < len; i++)
		lines += out[i] == '\n';
	free(out);
	return lines;
}

/* Columns the line editor rubs out on Ctrl-U after text was typed. */
static size_t erased_columns(struct fixture *f, const char *text)
{
	lineedit_feed(f->le, text, strlen(text));
	strbuf_reset(&f->echo);
	lineedit_feed(f->le, "\x15", 1);
	/* Each column is rubbed out as back, blank, back. */
	assert_int_equal(count_byte(&f->echo, '\b'),
			 2 * count_byte(&f->echo, ' '));
	return count_byte(&f->echo, ' ');
}

/*
 * The trace's wrap and the line editor count each sample's columns as
 * utf8_width does: a line of COPIES of it after a stamp fits a width of
 * exactly its columns, not one less, and Ctrl-U rubs out exactly as many.
 */
static void test_wrap_and_lineedit_agree(void **state)
{
	static const struct sample samples[] = {
		{ "a", 1 },         { "中", 2 }, { "가", 2 },
		{ "e\xcc\x81", 1 }, /* e and a combining acute accent */
		{ "·", 1 },         { "—", 1 },  { "“", 1 },
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < ARRAY_LEN(samples); i++) {
		struct strbuf typed, line;
		size_t cols = COPIES * samples[i].cols;

		strbuf_init(&typed);
		for (int k = 0; k < COPIES; k++)
			strbuf_append_str(&typed, samples[i].text);
		assert_int_equal(columns(typed.data), cols);

		strbuf_init(&line);
		strbuf_printf(&line, STAMP "%s\n", typed.data);
		assert_int_equal(wrapped_lines(line.data,
					       WIRETRACE_INDENT_COLS + cols),
				 1);
		assert_int_equal(wrapped_lines(line.data,
					       WIRETRACE_INDENT_COLS + cols -
						       1),
				 2);

		assert_int_equal(erased_columns(f, typed.data), cols);
		strbuf_fini(&line);
		strbuf_fini(&typed);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lead_len),
		cmocka_unit_test(test_decode_valid),
		cmocka_unit_test(test_decode_invalid),
		cmocka_unit_test(test_last_len),
		cmocka_unit_test(test_is_valid),
		cmocka_unit_test(test_is_control),
		cmocka_unit_test(test_width_decision),
		cmocka_unit_test_setup_teardown(test_wrap_and_lineedit_agree,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
