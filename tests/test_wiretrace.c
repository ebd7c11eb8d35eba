/*
 * test_wiretrace: the trace's hex dump and telnet decoder (common/), fed
 * plain buffers: commands named, split across chunks, subnegotiations,
 * masking of a password and of "/op" lines, line spans, the row layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wiretrace.h"

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

/* Dumps len bytes through the fixture's direction; f->text holds the output. */
static const char *dump(struct fixture *f, const char *buf, size_t len,
			bool secret)
{
	FILE *out;

	free(f->text);
	f->text = NULL;
	out = open_memstream(&f->text, &f->len);
	assert_non_null(out);
	wiretrace_dump(&f->dir, out, buf, len, secret, false);
	fclose(out);
	return f->text;
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
	wiretrace_dump(NULL, out, "\xff\xfb\x01", 3, false, false);
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
	wiretrace_dump(&f->dir, out, "\xff\xfb\x01", 3, false, true);
	fclose(out);
	assert_non_null(strstr(f->text, "\033[33m"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
