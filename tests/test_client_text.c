/*
 * test_client_text: the client's pure text conversions: server text to
 * screen text, stdin to telnet lines (line assembly), lines out of a
 * stream, and the server's unfinished line as a readline prompt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strbuf.h"
#include "text.h"

struct fixture {
	struct text_in in;
	struct text_out out;
	struct text_lines lines;
	struct strbuf got; /* converted bytes, or lines joined by '|' */
};

/* Setup: fresh converters and an empty result. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	text_in_init(&f->in);
	text_out_init(&f->out);
	text_lines_init(&f->lines);
	strbuf_init(&f->got);
	strbuf_append(&f->got, "", 0);
	*state = f;
	return 0;
}

/* Frees the result. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	strbuf_fini(&f->got);
	free(f);
	return 0;
}

/* Runs text_in over len bytes, one call per chunk bytes, into f->got. */
static void feed_in(struct fixture *f, const char *s, size_t len, size_t chunk)
{
	char out[TEXT_IN_SPACE(64)];

	for (size_t i = 0; i < len; i += chunk) {
		size_t n = len - i < chunk ? len - i : chunk;

		strbuf_append(&f->got, out,
			      text_in_convert(&f->in, s + i, n, out));
	}
}

/* Runs text_out the same way. */
static void feed_out(struct fixture *f, const char *s, size_t len, size_t chunk)
{
	char out[TEXT_OUT_SPACE(64)];

	for (size_t i = 0; i < len; i += chunk) {
		size_t n = len - i < chunk ? len - i : chunk;

		strbuf_append(&f->got, out,
			      text_out_convert(&f->out, s + i, n, out));
	}
}

/* CR LF is a newline, CR NUL a bare CR, stray NULs go; splits change nothing. */
static void test_in_line_ends(void **state)
{
	struct fixture *f = *state;
	static const char wire[] = "a\r\nb\r\0c\0d\re\r\n\r\n";
	char tail[1];

	for (size_t chunk = 1; chunk <= 8; chunk++) {
		strbuf_reset(&f->got);
		text_in_init(&f->in);
		feed_in(f, wire, sizeof(wire) - 1, chunk);
		assert_int_equal(f->got.len, strlen("a\nb\rcd\re\n\n"));
		assert_memory_equal(f->got.data, "a\nb\rcd\re\n\n", f->got.len);
	}
	/* A CR at the very end is held until the stream ends. */
	strbuf_reset(&f->got);
	feed_in(f, "bye\r", 4, 4);
	assert_int_equal(f->got.len, 3);
	assert_int_equal(text_in_finish(&f->in, tail), 1);
	assert_int_equal(tail[0], '\r');
	assert_int_equal(text_in_finish(&f->in, tail), 0);
}

/* Every stdin line goes out as one CR LF line; a missing last one is added. */
static void test_out_line_assembly(void **state)
{
	struct fixture *f = *state;
	static const char input[] = "9\n3\r\n\n4\r5";
	static const char want[] = "9\r\n3\r\n\r\n4\r\n5\r\n";
	char end[TEXT_OUT_FINISH_SPACE];

	for (size_t chunk = 1; chunk <= 6; chunk++) {
		strbuf_reset(&f->got);
		text_out_init(&f->out);
		feed_out(f, input, sizeof(input) - 1, chunk);
		strbuf_append(&f->got, end, text_out_finish(&f->out, end));
		assert_string_equal(f->got.data, want);
	}
}

/* A stream that ends with its line end gets nothing more; a held CR does. */
static void test_out_finish(void **state)
{
	struct fixture *f = *state;
	char end[TEXT_OUT_FINISH_SPACE];

	assert_int_equal(text_out_finish(&f->out, end), 0); /* empty stdin */
	feed_out(f, "1\n", 2, 2);
	assert_int_equal(text_out_finish(&f->out, end), 0);
	feed_out(f, "2\r", 2, 2);
	assert_string_equal(f->got.data, "1\r\n2");
	assert_int_equal(text_out_finish(&f->out, end), 2);
	assert_memory_equal(end, "\r\n", 2);
}

/* NULs and 0xff bytes are data: the telnet layer escapes what it must. */
static void test_out_binary_bytes(void **state)
{
	struct fixture *f = *state;

	feed_out(f, "a\0\xff\n", 4, 4);
	assert_int_equal(f->got.len, 5);
	assert_memory_equal(f->got.data, "a\0\xff\r\n", 5);
}

/* Records a line. */
static void on_line(void *ctx, const char *line, size_t len)
{
	struct strbuf *sb = ctx;

	strbuf_append(sb, line, len);
	strbuf_append_char(sb, '|');
}

/* Lines come out whole across feeds, without their ends. */
static void test_lines_split(void **state)
{
	struct fixture *f = *state;

	text_lines_feed(&f->lines, "one\ntw", 6, on_line, &f->got);
	text_lines_feed(&f->lines, "o\r\n\nthree", 9, on_line, &f->got);
	assert_string_equal(f->got.data, "one|two||");
	text_lines_feed(&f->lines, "\n", 1, on_line, &f->got);
	assert_string_equal(f->got.data, "one|two||three|");
}

/* A line longer than the limit is cut, and the next one is whole again. */
static void test_lines_bounded(void **state)
{
	struct fixture *f = *state;
	char *big = malloc(TEXT_MAX_LINE + 100);

	memset(big, 'x', TEXT_MAX_LINE + 100);
	text_lines_feed(&f->lines, big, TEXT_MAX_LINE + 100, on_line, &f->got);
	text_lines_feed(&f->lines, "\nok\n", 4, on_line, &f->got);
	assert_int_equal(f->got.len, TEXT_MAX_LINE + 1 + 3);
	assert_string_equal(f->got.data + TEXT_MAX_LINE, "|ok|");
	free(big);
}

/* The prompt: after the last CR, escapes wrapped as invisible, controls gone. */
static void test_prompt(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(text_prompt("Password: ", 10, out, sizeof(out)), 10);
	assert_string_equal(out, "Password: ");
	text_prompt("junk\rName\a: ", 12, out, sizeof(out));
	assert_string_equal(out, "Name: ");
	text_prompt("\x1b[1mBold\x1b[0m> ", 14, out, sizeof(out));
	assert_string_equal(out, "\001\x1b[1m\002Bold\001\x1b[0m\002> ");
	text_prompt("\x1b]0;title\a$ ", 12, out, sizeof(out));
	assert_string_equal(out, "\001\x1b]0;title\a\002$ ");
	/* An escape cut short by the network is still wrapped. */
	text_prompt("> \x1b[3", 5, out, sizeof(out));
	assert_string_equal(out, "> \001\x1b[3\002");
	assert_int_equal(text_prompt("", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

/* What does not fit is left out, never half a UTF-8 character. */
static void test_prompt_truncated(void **state)
{
	char out[6];

	(void)state;
	/* "请输" is 6 bytes: only the first character fits with the NUL. */
	assert_int_equal(text_prompt("请输入", 9, out, sizeof(out)), 3);
	assert_string_equal(out, "请");
	assert_int_equal(text_prompt("ab\x1b[1mc", 7, out, sizeof(out)), 2);
	assert_string_equal(out, "ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_in_line_ends, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_out_line_assembly, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_out_finish, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_out_binary_bytes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lines_split, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lines_bounded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_prompt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prompt_truncated, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
