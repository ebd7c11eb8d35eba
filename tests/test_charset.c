/*
 * test_charset: UTF-8 and GBK conversion at the edge: whole and split
 * sequences, undecodable bytes, characters GBK lacks, invalid UTF-8,
 * passthrough and switching.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "charset.h"
#include "util.h"

/* "你好" in both encodings. */
#define NIHAO_GBK "\xc4\xe3\xba\xc3"
#define NIHAO_UTF8 "\xe4\xbd\xa0\xe5\xa5\xbd"
/* U+FFFD in UTF-8. */
#define REPL "\xef\xbf\xbd"

/* A converter and the buffer it appends to. */
struct fixture {
	struct charset_conv *cv;
	struct strbuf out;
};

/* Creates a GBK converter; tests switch it as they need. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->cv = charset_conv_new(CHARSET_GBK);
	strbuf_init(&f->out);
	*state = f;
	return 0;
}

/* Frees the converter and buffer. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	charset_conv_free(f->cv);
	strbuf_fini(&f->out);
	free(f);
	return 0;
}

/* Decodes a C string literal's bytes (sizeof - 1 keeps embedded NULs). */
#define DECODE(f, lit)                                                         \
	charset_decode((f)->cv, (lit), sizeof(lit) - 1, &(f)->out)
/* Encodes a C string literal's bytes. */
#define ENCODE(f, lit)                                                         \
	charset_encode((f)->cv, (lit), sizeof(lit) - 1, &(f)->out)

/* Checks the output holds exactly the literal's bytes, then empties it. */
static void expect(struct fixture *f, const char *want, size_t n)
{
	assert_int_equal(f->out.len, n);
	assert_memory_equal(f->out.data == NULL ? "" : f->out.data, want, n);
	strbuf_reset(&f->out);
}

#define EXPECT(f, lit) expect((f), (lit), sizeof(lit) - 1)

/* Names both ways. */
static void test_names(void **state)
{
	(void)state;
	assert_string_equal(charset_name(CHARSET_UTF8), "utf-8");
	assert_string_equal(charset_name(CHARSET_GBK), "gbk");
	assert_int_equal(charset_from_name("utf-8"), CHARSET_UTF8);
	assert_int_equal(charset_from_name("UTF8"), CHARSET_UTF8);
	assert_int_equal(charset_from_name("Utf-8"), CHARSET_UTF8);
	assert_int_equal(charset_from_name("GBK"), CHARSET_GBK);
	assert_int_equal(charset_from_name("gbk"), CHARSET_GBK);
	assert_int_equal(charset_from_name("latin1"), -1);
	assert_int_equal(charset_from_name(""), -1);
}

/* GBK "你好" decodes to UTF-8 and back. */
static void test_gbk_round_trip(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(charset_conv_charset(f->cv), CHARSET_GBK);
	DECODE(f, "a" NIHAO_GBK "\r\n");
	EXPECT(f, "a" NIHAO_UTF8 "\r\n");
	ENCODE(f, "a" NIHAO_UTF8 "\r\n");
	EXPECT(f, "a" NIHAO_GBK "\r\n");
}

/* A GBK character split across reads is kept until its end arrives. */
static void test_gbk_split(void **state)
{
	struct fixture *f = *state;

	DECODE(f, "\xc4");
	EXPECT(f, "");
	DECODE(f, "\xe3\xba");
	EXPECT(f, "\xe4\xbd\xa0");
	DECODE(f, "\xc3x");
	EXPECT(f, "\xe5\xa5\xbdx");
	/* Byte by byte. */
	for (size_t i = 0; i < sizeof(NIHAO_GBK) - 1; i++)
		charset_decode(f->cv, &NIHAO_GBK[i], 1, &f->out);
	EXPECT(f, NIHAO_UTF8);
	/* An empty read changes nothing, pending or not. */
	DECODE(f, "\xc4");
	DECODE(f, "");
	DECODE(f, "\xe3");
	EXPECT(f, "\xe4\xbd\xa0");
}

/* Undecodable bytes become U+FFFD, one byte skipped each. */
static void test_gbk_invalid(void **state)
{
	struct fixture *f = *state;

	DECODE(f, "a\xff"
		  "b");
	EXPECT(f, "a" REPL "b");
	/* A lead byte with a bad trail byte: only the lead is lost. */
	DECODE(f, "\xc4 x");
	EXPECT(f, REPL " x");
	/* The same, split after the lead byte. */
	DECODE(f, "\xc4");
	DECODE(f, " x");
	EXPECT(f, REPL " x");
	DECODE(f, "\xff\xff" NIHAO_GBK);
	EXPECT(f, REPL REPL NIHAO_UTF8);
}

/* Characters GBK lacks become '?', the whole character skipped. */
static void test_gbk_lacks_character(void **state)
{
	struct fixture *f = *state;

	/* U+1F600 */
	ENCODE(f, "a\xf0\x9f\x98\x80"
		  "b");
	EXPECT(f, "a?b");
	ENCODE(f, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80" NIHAO_UTF8);
	EXPECT(f, "??" NIHAO_GBK);
}

/* Invalid UTF-8 becomes '?', one byte at a time. */
static void test_gbk_invalid_utf8(void **state)
{
	struct fixture *f = *state;

	ENCODE(f, "a\xff"
		  "b");
	EXPECT(f, "a?b");
	ENCODE(f, "\xc0\x80z"); /* overlong NUL */
	EXPECT(f, "??z");
	ENCODE(f, "\xed\xa0\x80"); /* a surrogate */
	EXPECT(f, "???");
	ENCODE(f, "x\xe4\xbd"); /* cut short at the end */
	EXPECT(f, "x??");
	/* cut short in the middle */
	ENCODE(f, "\xe4\xbd"
		  "A" NIHAO_UTF8);
	EXPECT(f, "??A" NIHAO_GBK);
}

/* UTF-8 passes through both ways, even bytes that are not UTF-8. */
static void test_utf8_passthrough(void **state)
{
	struct fixture *f = *state;
	static const char odd[] = "a\xff\xc4\0" NIHAO_UTF8 "\xf0\x9f\x98\x80";

	charset_conv_set(f->cv, CHARSET_UTF8);
	assert_int_equal(charset_conv_charset(f->cv), CHARSET_UTF8);
	DECODE(f, odd);
	EXPECT(f, odd);
	ENCODE(f, odd);
	EXPECT(f, odd);
	/* Split UTF-8 is the line editor's business: bytes come out as is. */
	DECODE(f, "\xe4");
	EXPECT(f, "\xe4");
}

/* Switching drops a partial sequence and takes effect at once. */
static void test_switching(void **state)
{
	struct fixture *f = *state;

	DECODE(f, "\xc4");
	charset_conv_set(f->cv, CHARSET_UTF8);
	DECODE(f, "\xe3");
	EXPECT(f, "\xe3");
	charset_conv_set(f->cv, CHARSET_GBK);
	DECODE(f, NIHAO_GBK);
	EXPECT(f, NIHAO_UTF8);
	/* Setting the same charset also resets. */
	DECODE(f, "\xc4");
	charset_conv_set(f->cv, CHARSET_GBK);
	DECODE(f, "x");
	EXPECT(f, "x");
	ENCODE(f, NIHAO_UTF8);
	EXPECT(f, NIHAO_GBK);
	charset_conv_set(f->cv, CHARSET_UTF8);
	ENCODE(f, NIHAO_UTF8);
	EXPECT(f, NIHAO_UTF8);
}

/* A converter born UTF-8 opens iconv when switched to GBK. */
static void test_new_utf8_then_gbk(void **state)
{
	struct fixture *f = *state;

	charset_conv_free(f->cv);
	f->cv = charset_conv_new(CHARSET_UTF8);
	DECODE(f, NIHAO_GBK);
	EXPECT(f, NIHAO_GBK);
	charset_conv_set(f->cv, CHARSET_GBK);
	DECODE(f, NIHAO_GBK);
	EXPECT(f, NIHAO_UTF8);
}

/* Input longer than the stack chunk, split at every odd place. */
static void test_long_input(void **state)
{
	enum {
		REPS = 5000
	};
	struct fixture *f = *state;
	struct strbuf gbk, utf8;
	size_t off = 0, step = 1;

	strbuf_init(&gbk);
	strbuf_init(&utf8);
	for (size_t i = 0; i < REPS; i++) {
		strbuf_append_str(&gbk, "a" NIHAO_GBK);
		strbuf_append_str(&utf8, "a" NIHAO_UTF8);
	}
	while (off < gbk.len) {
		size_t n = gbk.len - off < step ? gbk.len - off : step;

		charset_decode(f->cv, gbk.data + off, n, &f->out);
		off += n;
		step = step * 7 % 1000 + 1;
	}
	assert_int_equal(f->out.len, utf8.len);
	assert_memory_equal(f->out.data, utf8.data, utf8.len);
	strbuf_reset(&f->out);
	charset_encode(f->cv, utf8.data, utf8.len, &f->out);
	assert_int_equal(f->out.len, gbk.len);
	assert_memory_equal(f->out.data, gbk.data, gbk.len);
	strbuf_fini(&gbk);
	strbuf_fini(&utf8);
}

/* Freeing NULL does nothing. */
static void test_free_null(void **state)
{
	(void)state;
	charset_conv_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gbk_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gbk_split, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gbk_invalid, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gbk_lacks_character, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gbk_invalid_utf8, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_utf8_passthrough, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_switching, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_new_utf8_then_gbk, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_long_input, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_free_null, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
