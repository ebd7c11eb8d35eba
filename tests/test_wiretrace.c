/*
 * test_wiretrace: the trace's hex dump and telnet decoder (common/), fed
 * plain buffers: commands named, split across chunks, subnegotiations,
 * masking of a password and of "/op" lines, line spans, the row layout,
 * lines wrapped to a width (wide characters, combining marks, colours),
 * the teacher's two-step dump drawn as the dump is, and the width of a
 * terminal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "e2e.h"
#include "wiretrace.h"
#include "xorshift.h"

struct fixture {
	struct wiretrace_dir dir;
	char *text; /* what the last dump wrote */
	size_t len;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	wiretrace_dir_init(&f->dir, true);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->text);
	free(f);
	return 0;
}

/* Dumps len bytes at width through the fixture's direction; f->text holds the output. */
static const char *dump_at(struct fixture *f, const char *buf, size_t len,
			   bool secret, unsigned width)
{
	struct wiretrace_look look = { .colour = false, .width = width };
	FILE *out;

	free(f->text);
	f->text = NULL;
	out = open_memstream(&f->text, &f->len);
	assert_non_null(out);
	wiretrace_dump(&f->dir, out, buf, len, secret, &look);
	fclose(out);
	return f->text;
}

/* The same, at the width of a file. */
static const char *dump(struct fixture *f, const char *buf, size_t len,
			bool secret)
{
	return dump_at(f, buf, len, secret, WIRETRACE_WIDTH);
}

/* Wraps text to width; f->text holds the output. */
static const char *wrap(struct fixture *f, const char *text, unsigned width)
{
	FILE *out;

	free(f->text);
	f->text = NULL;
	out = open_memstream(&f->text, &f->len);
	assert_non_null(out);
	wiretrace_wrap(out, text, strlen(text), width);
	fclose(out);
	return f->text;
}

/* Asserts every line after the first of text is a continuation under the stamp. */
static void continued_under_stamp(const char *text)
{
	const char *nl = strchr(text, '\n');

	while (nl != NULL && nl[1] != '\0') {
		assert_memory_equal(nl + 1, WIRETRACE_INDENT,
				    WIRETRACE_INDENT_COLS);
		assert_true(nl[1 + WIRETRACE_INDENT_COLS] != ' ');
		nl = strchr(nl + 1, '\n');
	}
}

/* How many times needle is in text. */
static size_t count(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(text, needle); p != NULL;
	     p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_negotiation_named(void **state)
{
	struct fixture *f = *state;
	const char *t = dump(f, "\xff\xfb\x01\xff\xfd\x1f\xff\xfe\x18\xff\xf4",
			     11, false);

	assert_non_null(strstr(t, "telnet: IAC WILL ECHO\n"));
	assert_non_null(strstr(t, "telnet: IAC DO NAWS\n"));
	assert_non_null(strstr(t, "telnet: IAC DONT TTYPE\n"));
	assert_non_null(strstr(t, "telnet: IAC IP\n"));
	assert_non_null(strstr(t, "0000  ff fb 01 ff fd 1f ff fe  18 ff f4"));
}

static void test_split_across_chunks(void **state)
{
	struct fixture *f = *state;

	assert_null(strstr(dump(f, "\xff", 1, false), "telnet:"));
	assert_null(strstr(dump(f, "\xfb", 1, false), "telnet:"));
	assert_non_null(
		strstr(dump(f, "\x03hi", 3, false), "telnet: IAC WILL SGA\n"));
	/* The data after it is data again. */
	assert_non_null(strstr(f->text, "|.hi|"));
}

static void test_subnegotiations(void **state)
{
	struct fixture *f = *state;
	const char *t;

	t = dump(f, "\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0", 9, false);
	assert_non_null(strstr(t, "telnet: IAC SB NAWS 80 24 IAC SE\n"));
	t = dump(f, "\xff\xfa\x18\x01\xff\xf0", 6, false);
	assert_non_null(strstr(t, "telnet: IAC SB TTYPE SEND IAC SE\n"));
	/* Split in the middle of the name. */
	dump(f, "\xff\xfa\x18\x00XTE", 7, false);
	t = dump(f, "RM\xff\xf0", 4, false);
	assert_non_null(
		strstr(t, "telnet: IAC SB TTYPE IS \"XTERM\" IAC SE\n"));
	/* An escaped 255 inside, and an option without a name. */
	t = dump(f, "\xff\xfa\xc8\x01\xff\xff\xff\xf0", 8, false);
	assert_non_null(strstr(t, "telnet: IAC SB 200 1 255 IAC SE\n"));
}

static void test_escaped_iac_is_data(void **state)
{
	struct fixture *f = *state;
	const char *t = dump(f,
			     "a\xff\xff"
			     "b",
			     4, false);

	assert_null(strstr(t, "telnet:"));
}

static void test_password_masked(void **state)
{
	struct fixture *f = *state;
	const char *t;

	assert_int_equal(wiretrace_masked(&f->dir, "123456\r\n", 8, true), 6);
	t = dump(f, "123456\r\n", 8, true);
	assert_null(strstr(t, "123456"));
	assert_null(strstr(t, "31 32"));
	assert_non_null(strstr(t, "** ** ** ** ** ** 0d 0a"));
	assert_non_null(strstr(t, "|******..|"));
	/* Telnet commands stay visible inside a secret. */
	t = dump(f,
		 "\xff\xfd\x01"
		 "9\r\0",
		 6, true);
	assert_non_null(strstr(t, "ff fd 01 ** 0d 00"));
	assert_non_null(strstr(t, "telnet: IAC DO ECHO"));
}

static void test_op_line_masked(void **state)
{
	struct fixture *f = *state;
	const char *t;

	/* Typed a key at a time, as in character mode. */
	dump(f, "/", 1, false);
	dump(f, "o", 1, false);
	dump(f, "p", 1, false);
	dump(f, " ", 1, false);
	assert_true(wiretrace_is_masking(&f->dir));
	t = dump(f, "s3cret\r", 7, false);
	assert_null(strstr(t, "s3cret"));
	assert_non_null(strstr(t, "|******.|"));
	assert_false(wiretrace_is_masking(&f->dir));
	/* Not at the start of a line: nothing to hide. */
	t = dump(f, "say /op x\r\n", 11, false);
	assert_non_null(strstr(t, "say /op x"));
	/* A whole line at once. */
	t = dump(f, "/OP hunter2\r\n", 13, false);
	assert_non_null(strstr(t, "|/OP *******..|"));
}

static void test_line_span(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(wiretrace_line_span(&f->dir, "1\r\n2\r\n", 6), 3);
	assert_int_equal(wiretrace_line_span(&f->dir,
					     "1\r\0"
					     "2",
					     4),
			 3);
	assert_int_equal(wiretrace_line_span(&f->dir, "1\n2", 3), 2);
	assert_int_equal(wiretrace_line_span(&f->dir, "12\r", 3), 3);
	assert_int_equal(wiretrace_line_span(&f->dir, "12", 2), 2);
	/* A 13 inside a subnegotiation is no line end. */
	assert_int_equal(
		wiretrace_line_span(&f->dir,
				    "\xff\xfa\x1f\x00\x0d\x00\x0a\xff\xf0"
				    "x\r\n",
				    12),
		12);
}

static void test_rows(void **state)
{
	struct fixture *f = *state;
	const char *t = dump(f, "0123456789abcdefXY", 18, false);

	assert_non_null(
		strstr(t, WIRETRACE_INDENT
		       "0000  30 31 32 33 34 35 36 37  "
		       "38 39 61 62 63 64 65 66  |0123456789abcdef|\n"));
	assert_non_null(strstr(t, WIRETRACE_INDENT "0010  58 59 "));
	assert_non_null(strstr(t, "|XY|\n"));
}

static void test_utf8_text_column(void **state)
{
	struct fixture *f = *state;
	/* 您好 then a byte that starts nothing. */
	const char *t = dump(f, "\xe6\x82\xa8\xe5\xa5\xbd\x80", 7, false);

	/* Each wide character keeps its three cells: itself and a space. */
	assert_non_null(strstr(t, "|您 好 .|"));
}

static void test_no_decoder_for_datagrams(void **state)
{
	struct fixture *f = *state;
	FILE *out;

	free(f->text);
	f->text = NULL;
	out = open_memstream(&f->text, &f->len);
	wiretrace_dump(NULL, out, "\xff\xfb\x01", 3, false,
		       &(struct wiretrace_look){ .width = WIRETRACE_WIDTH });
	fclose(out);
	assert_null(strstr(f->text, "telnet:"));
	assert_non_null(strstr(f->text, "ff fb 01"));
}

static void test_colour_only_when_asked(void **state)
{
	struct fixture *f = *state;
	FILE *out;

	assert_null(strchr(dump(f, "\xff\xfb\x01", 3, false), '\033'));
	free(f->text);
	f->text = NULL;
	out = open_memstream(&f->text, &f->len);
	wiretrace_dump(&f->dir, out, "\xff\xfb\x01", 3, false,
		       &(struct wiretrace_look){ .colour = true,
						 .width = WIRETRACE_WIDTH });
	fclose(out);
	assert_non_null(strstr(f->text, "\033[33m"));
}

static void test_names_for_the_brief_view(void **state)
{
	struct fixture *f = *state;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	/* Commands, ", " between them; the data after them is not shown. */
	assert_int_equal(wiretrace_names(&f->dir, out,
					 "\xff\xfd\x01\xff\xfd\x03hi", 8, false,
					 false),
			 2);
	fflush(out);
	assert_string_equal(text, "IAC DO ECHO, IAC DO SGA");
	/* Data alone: nothing, and no password byte ever. */
	assert_int_equal(wiretrace_names(&f->dir, out, "123456\r\n", 8, true,
					 false),
			 0);
	/* A command split over two chunks is named where it ends. */
	assert_int_equal(wiretrace_names(&f->dir, out, "\xff", 1, false, false),
			 0);
	assert_int_equal(wiretrace_names(&f->dir, out, "\xfb\x01", 2, false,
					 false),
			 1);
	fflush(out);
	assert_string_equal(text, "IAC DO ECHO, IAC DO SGAIAC WILL ECHO");
	fclose(out);
	free(text);
	/* The parse went on: a "/op " seen by the short view masks the dump after. */
	wiretrace_names(&f->dir, stdout, "/op ", 4, false, false);
	assert_true(wiretrace_is_masking(&f->dir));
	assert_null(strstr(dump(f, "s3cret\r", 7, false), "s3cret"));
}

static void test_wrap_keeps_list_items_whole(void **state)
{
	struct fixture *f = *state;
	const char *line = "04:41:47.023 session 1: in 27 bytes: IAC DO ECHO, "
			   "IAC DO SGA, IAC WILL NAWS, IAC SB NAWS 100 30 IAC "
			   "SE, IAC DO BINARY, IAC WILL BINARY\n";
	const char *t = wrap(f, line, 60);

	assert_true(e2e_widest_line(t) <= 60);
	continued_under_stamp(t);
	/* Every piece but the last ends after a comma. */
	for (const char *nl = strchr(t, '\n'); nl[1] != '\0';
	     nl = strchr(nl + 1, '\n'))
		assert_int_equal(nl[-1], ',');
	assert_non_null(strstr(t, "IAC SB NAWS 100 30 IAC SE,"));
}

static void test_wrap_at_spaces(void **state)
{
	struct fixture *f = *state;
	const char *line = "04:41:47.023 session 1: accept: caller "
			   "127.0.0.1:52658 -> server 127.0.0.1:5228 (TCP "
			   "connection open: the kernel did the SYN, SYN-ACK, "
			   "ACK handshake before accept returned)\n";
	const char *t = wrap(f, line, 60);

	assert_true(e2e_widest_line(t) <= 60);
	assert_true(count(t, "\n") > 2);
	continued_under_stamp(t);
	/* Every break was a space: no word is cut. */
	assert_non_null(strstr(t, "127.0.0.1:52658"));
	assert_non_null(strstr(t, "SYN-ACK,"));
	assert_non_null(strstr(t, "handshake"));
	assert_non_null(strstr(t, "returned)\n"));
	/* A line that fits is left alone. */
	assert_string_equal(wrap(f, "04:41:47.023 short\nand short\n", 60),
			    "04:41:47.023 short\nand short\n");
	/* A last line without its line end gets one. */
	assert_string_equal(wrap(f, "no end", 60), "no end\n");
}

/* A block built in memory comes out wrapped as a whole, in its look. */
static void test_block_wrapped_whole(void **state)
{
	struct fixture *f = *state;
	const char *line = "04:41:47.023 session 1: accept: caller "
			   "127.0.0.1:52658 -> server 127.0.0.1:5228 (TCP "
			   "connection open)\n";
	struct wiretrace_block b;
	char *got;
	size_t len;

	assert_int_equal(wiretrace_block_begin(&b, false, 40), 0);
	assert_false(b.look.colour);
	assert_int_equal(b.look.width, 40);
	fputs(line, b.f);
	got = wiretrace_block_end(&b, &len);
	assert_non_null(got);
	assert_int_equal(len, strlen(got));
	/* The same as wrapping the text at once. */
	assert_string_equal(got, wrap(f, line, 40));
	free(got);
	/* An empty block is empty; a discarded one leaves nothing behind. */
	assert_int_equal(wiretrace_block_begin(&b, true, 80), 0);
	got = wiretrace_block_end(&b, &len);
	assert_non_null(got);
	assert_int_equal(len, 0);
	free(got);
	assert_int_equal(wiretrace_block_begin(&b, true, 80), 0);
	fputs("never shown\n", b.f);
	wiretrace_block_discard(&b);
}

static void test_wrap_cuts_a_word_too_long(void **state)
{
	struct fixture *f = *state;
	char line[300];

	memcpy(line, "04:41:47.023 ", 13);
	memset(line + 13, 'A', 200);
	strcpy(line + 213, "\n");
	wrap(f, line, 60);
	assert_true(e2e_widest_line(f->text) <= 60);
	continued_under_stamp(f->text);
	/* Nothing lost: the 200 letters, cut in four pieces. */
	assert_int_equal(count(f->text, "A"), 200);
	assert_int_equal(count(f->text, "\n"), 5);
}

static void test_wrap_counts_wide_characters(void **state)
{
	struct fixture *f = *state;
	struct strbuf line;

	strbuf_init(&line);
	strbuf_append_str(&line, "04:41:47.023 ");
	for (int i = 0; i < 40; i++)
		strbuf_append_str(&line, "您好");
	strbuf_append_str(&line, "\n");
	wrap(f, line.data, 60);
	/* 80 wide characters, 160 columns: 23 of them a line after the stamp. */
	assert_true(e2e_widest_line(f->text) <= 60);
	assert_true(count(f->text, "\n") >= 3);
	continued_under_stamp(f->text);
	/* No character was cut: the text is still 40 times 您好. */
	assert_int_equal(count(f->text, "您"), 40);
	assert_int_equal(count(f->text, "好"), 40);
	strbuf_fini(&line);
}

static void test_wrap_keeps_combining_marks(void **state)
{
	struct fixture *f = *state;
	struct strbuf line;
	const char *p;

	/* 100 letters, each with a combining acute: 100 columns, no space. */
	strbuf_init(&line);
	strbuf_append_str(&line, "04:41:47.023 ");
	for (int i = 0; i < 100; i++)
		strbuf_append_str(&line, "e\xcc\x81");
	strbuf_append_str(&line, "\n");
	wrap(f, line.data, 60);
	assert_true(e2e_widest_line(f->text) <= 60);
	assert_int_equal(count(f->text, "\n"), 3);
	continued_under_stamp(f->text);
	/* A mark stays with its letter: every piece goes on with a letter. */
	for (p = strchr(f->text, '\n'); p != NULL && p[1] != '\0';
	     p = strchr(p + 1, '\n'))
		assert_int_equal(p[1 + WIRETRACE_INDENT_COLS], 'e');
	assert_int_equal(count(f->text, "e\xcc\x81"), 100);
	strbuf_fini(&line);
}

static void test_wrap_colour_takes_no_columns(void **state)
{
	struct fixture *f = *state;
	struct strbuf line;

	/* 60 visible columns, with an escape every few of them. */
	strbuf_init(&line);
	strbuf_append_str(&line, "\033[2m04:41:47.023\033[0m ");
	for (int i = 0; i < 47; i++)
		strbuf_append_str(&line, i % 4 ? "x" : "\033[1;35mx\033[0m");
	strbuf_append_str(&line, "\n");
	assert_string_equal(wrap(f, line.data, 60), line.data);
	/* One more column wraps it, and no escape is cut in two. */
	strbuf_reset(&line);
	strbuf_append_str(&line, "\033[2m04:41:47.023\033[0m ");
	for (int i = 0; i < 48; i++)
		strbuf_append_str(&line, "\033[33mx");
	strbuf_append_str(&line, "\n");
	wrap(f, line.data, 60);
	assert_int_equal(count(f->text, "\n"), 2);
	assert_int_equal(count(f->text, "\033[33mx"), 48);
	strbuf_fini(&line);
	/* An escape with no end is only bytes. */
	assert_string_equal(wrap(f, "\033[12", 60), "\033[12\n");
}

static void test_wrap_keeps_escaped_bytes_whole(void **state)
{
	struct fixture *f = *state;
	struct strbuf line;

	/* A terminal type that is all escaped bytes, no space to break at. */
	strbuf_init(&line);
	strbuf_append_str(&line, "             telnet: IAC SB TTYPE IS \"");
	for (int i = 0; i < 60; i++)
		strbuf_append_str(&line, "\\x1b");
	strbuf_append_str(&line, "\" IAC SE\n");
	wrap(f, line.data, 60);
	assert_true(e2e_widest_line(f->text) <= 60);
	assert_int_equal(count(f->text, "\\x1b"), 60);
	continued_under_stamp(f->text);
	strbuf_fini(&line);
}

static void test_narrow_rows(void **state)
{
	struct fixture *f = *state;
	const char *t = dump_at(f, "0123456789abcdefXY", 18, false, 80);

	/* 16 bytes a row take 87 columns: at 80, 8 bytes a row. */
	assert_non_null(strstr(t, WIRETRACE_INDENT "0000  30 31 32 33 34 35 "
						   "36 37  |01234567|\n"));
	assert_non_null(strstr(t, WIRETRACE_INDENT "0008  38 39 "));
	assert_non_null(strstr(t, WIRETRACE_INDENT "0010  58 59 "));
	assert_true(e2e_widest_line(t) <= 80);
	assert_int_equal(e2e_widest_line(t), 54);
	/* At 87 the wide rows fit. */
	t = dump_at(f, "0123456789abcdefXY", 18, false, 87);
	assert_non_null(strstr(t, "|0123456789abcdef|\n"));
	assert_int_equal(e2e_widest_line(t), 87);
}

static void test_columns_of_a_terminal(void **state)
{
	struct winsize ws = { .ws_row = 30, .ws_col = 72 };
	int master, slave, pipefd[2];

	(void)state;
	assert_int_equal(openpty(&master, &slave, NULL, NULL, &ws), 0);
	assert_int_equal(wiretrace_columns(slave), 72);
	/* Resized: the next question gets the new width. */
	ws.ws_col = 120;
	assert_int_equal(ioctl(master, TIOCSWINSZ, &ws), 0);
	assert_int_equal(wiretrace_columns(slave), 120);
	/* Too narrow to be worth fitting. */
	ws.ws_col = 20;
	assert_int_equal(ioctl(master, TIOCSWINSZ, &ws), 0);
	assert_int_equal(wiretrace_columns(slave), WIRETRACE_MIN_WIDTH);
	close(slave);
	close(master);
	/* A pipe (or a file) is read on a projector later. */
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(wiretrace_columns(pipefd[1]), WIRETRACE_WIDTH);
	close(pipefd[0]);
	close(pipefd[1]);
}

/* Keeps each command name classify gives, as "NAME\0". */
static void keep_name(void *ctx, const char *name)
{
	FILE *names = ctx;

	fwrite(name, 1, strlen(name) + 1, names);
}

/*
 * Fills buf with random pieces of telnet and of the chat: single odd
 * bytes, commands, subnegotiations, "/op" lines, plain text.
 */
static void random_wire(char *buf, size_t size, uint32_t *seed)
{
	static const char *const pieces[] = {
		"\xff",
		"\xff\xff",
		"\xfa",
		"\xf0",
		"\xfb",
		"\xfd\x01",
		"\r",
		"\n",
		"\r\n",
		"\r",
		"\x01",
		"\x1b[2J",
		"/op hunter2\r\n",
		"/OP x\n",
		"/o",
		"p ",
		"\r\n/op ",
		"\xe4\xbd\xa0",
		"\xff\xfa\x18\x00xterm\xff\xf0",
		"\xff\xfb\x03",
		"plain text, the bulk of a menu. ",
	};
	size_t at = 0;

	while (at < size) {
		const char *piece = pieces[xorshift32(seed) %
					   (sizeof(pieces) / sizeof(*pieces))];
		size_t len = piece[0] != '\0' ? strlen(piece) : 1;

		if (len > size - at)
			len = size - at;
		memcpy(buf + at, piece, len);
		at += len;
	}
}

/*
 * The teacher's view draws what classify kept as the dump would have
 * drawn the bytes then: for random bytes in random chunks, with and
 * without masked lines and secrets, rows and names come out the same.
 */
static void test_classify_as_dump(void **state)
{
	struct wiretrace_look look = { .colour = false,
				       .width = WIRETRACE_WIDTH };
	uint32_t seed = 12345;
	char buf[600];
	unsigned char cls[64];

	(void)state;
	for (int round = 0; round < 400; round++) {
		bool mask_lines = round % 2 == 0;
		struct wiretrace_dir dumped, classified;

		random_wire(buf, sizeof(buf), &seed);
		wiretrace_dir_init(&dumped, mask_lines);
		wiretrace_dir_init(&classified, mask_lines);
		for (size_t at = 0; at < sizeof(buf);) {
			size_t len = 1 + xorshift32(&seed) % sizeof(cls);
			bool secret = xorshift32(&seed) % 5 == 0;
			char *want = NULL, *got = NULL, *names = NULL;
			size_t want_len, got_len, names_len;
			FILE *out;

			if (len > sizeof(buf) - at)
				len = sizeof(buf) - at;
			out = open_memstream(&want, &want_len);
			wiretrace_dump(&dumped, out, buf + at, len, secret,
				       &look);
			fclose(out);
			out = open_memstream(&names, &names_len);
			wiretrace_classify(&classified, buf + at, len, secret,
					   cls, keep_name, out);
			fclose(out);
			out = open_memstream(&got, &got_len);
			wiretrace_rows(out, buf + at, cls, len, &look);
			for (size_t n = 0; n < names_len;
			     n += strlen(names + n) + 1)
				wiretrace_name_line(out, names + n, false);
			fclose(out);
			assert_string_equal(got, want);
			free(want);
			free(got);
			free(names);
			at += len;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_as_dump),
		cmocka_unit_test_setup_teardown(test_negotiation_named, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_across_chunks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_subnegotiations, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_escaped_iac_is_data, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_password_masked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_op_line_masked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_line_span, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_utf8_text_column, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_decoder_for_datagrams,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_colour_only_when_asked,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_wrapped_whole, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wrap_at_spaces, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wrap_cuts_a_word_too_long,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrap_counts_wide_characters,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrap_keeps_combining_marks,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_wrap_colour_takes_no_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_wrap_keeps_escaped_bytes_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrap_keeps_list_items_whole,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_narrow_rows, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_names_for_the_brief_view,
						setup, teardown),
		cmocka_unit_test(test_columns_of_a_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
