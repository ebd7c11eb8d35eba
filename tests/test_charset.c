/*
 * test_charset: the table of encodings (names as menu files write them,
 * what iconv must know, its bound), and conversion at the edge for UTF-8,
 * GBK and Big5: whole and split sequences, undecodable bytes, characters
 * an encoding lacks, invalid UTF-8, passthrough, switching, and pieces
 * that end in the initial shift state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mem.h"
#include "proto/charset.h"
#include "strbuf.h"

/* "你好" in both encodings. */
#define NIHAO_GBK "\xc4\xe3\xba\xc3"
#define NIHAO_UTF8 "\xe4\xbd\xa0\xe5\xa5\xbd"
/* "繁體中文" in both encodings: 繁's trail byte is ASCII 'c'. */
#define FANTI_BIG5 "\xc1\x63\xc5\xe9\xa4\xa4\xa4\xe5"
#define FANTI_UTF8 "\xe7\xb9\x81\xe9\xab\x94\xe4\xb8\xad\xe6\x96\x87"
/* "中文" in GBK, which Big5 writes otherwise. */
#define ZHONGWEN_GBK "\xd6\xd0\xce\xc4"
/* "们", simplified only: GBK has it, Big5 does not. */
#define MEN_UTF8 "\xe4\xbb\xac"
/* "日本", for ISO-2022-JP. */
#define NIHON_UTF8 "\xe6\x97\xa5\xe6\x9c\xac"
/* U+1F600, an emoji neither GBK nor Big5 has. */
#define EMOJI "\xf0\x9f\x98\x80"
/* U+FFFD in UTF-8. */
#define REPL "\xef\xbf\xbd"

/* A converter and the buffer it appends to; the encodings in the table. */
struct fixture {
	struct charset_conv *cv;
	struct strbuf out;
	const struct charset *gbk, *big5;
};

/* Finds an encoding the test relies on. */
static const struct charset *lookup(const char *name)
{
	const struct charset *cs = NULL;

	assert_int_equal(charset_lookup(name, &cs), CHARSET_OK);
	assert_non_null(cs);
	return cs;
}

/* Creates a GBK converter; tests switch it as they need. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->gbk = lookup("gbk");
	f->big5 = lookup("big5");
	f->cv = charset_conv_new(f->gbk);
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

/* Names are found however a menu file spells them, one entry each. */
static void test_names(void **state)
{
	struct fixture *f = *state;
	const struct charset *utf8 = charset_utf8();

	assert_string_equal(charset_name(utf8), "utf-8");
	assert_int_equal(charset_index(utf8), 0);
	assert_true(charset_is_utf8(utf8));
	assert_ptr_equal(lookup("utf-8"), utf8);
	assert_ptr_equal(lookup("UTF8"), utf8);
	assert_ptr_equal(lookup("Utf-8"), utf8);
	assert_string_equal(charset_name(f->gbk), "gbk");
	assert_ptr_equal(lookup("GBK"), f->gbk);
	assert_string_equal(charset_name(f->big5), "big5");
	assert_ptr_equal(lookup("BIG5"), f->big5);
	assert_ptr_equal(lookup("Big-5"), f->big5);
	assert_false(charset_is_utf8(f->gbk));
	assert_false(charset_is_utf8(f->big5));
	assert_true(charset_index(f->gbk) > 0);
	assert_true(charset_index(f->big5) > 0);
	assert_true(charset_index(f->gbk) != charset_index(f->big5));
	assert_true(charset_index(f->big5) < CHARSET_MAX);
}

/* What is refused, and why; nothing refused is interned. */
static void test_refused(void **state)
{
	const struct charset *cs = NULL;

	(void)state;
	assert_int_equal(charset_lookup("klingon", &cs), CHARSET_UNKNOWN);
	assert_int_equal(charset_lookup("", &cs), CHARSET_BAD_NAME);
	assert_int_equal(charset_lookup("--", &cs), CHARSET_BAD_NAME);
	/* iconv's suffixes would change what a lacking character becomes. */
	assert_int_equal(charset_lookup("gbk//IGNORE", &cs), CHARSET_BAD_NAME);
	assert_int_equal(charset_lookup("big5 ", &cs), CHARSET_BAD_NAME);
	assert_int_equal(charset_lookup("a-name-longer-than-thirty-two-bytes",
					&cs),
			 CHARSET_BAD_NAME);
	/* "1" and CR LF would not be the bytes the server looks for. */
	assert_int_equal(charset_lookup("utf-16", &cs), CHARSET_NOT_ASCII);
	assert_null(cs);
}

/* GBK "你好" decodes to UTF-8 and back. */
static void test_gbk_round_trip(void **state)
{
	struct fixture *f = *state;

	assert_ptr_equal(charset_conv_charset(f->cv), f->gbk);
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

	charset_conv_set(f->cv, charset_utf8());
	assert_ptr_equal(charset_conv_charset(f->cv), charset_utf8());
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
	charset_conv_set(f->cv, charset_utf8());
	DECODE(f, "\xe3");
	EXPECT(f, "\xe3");
	charset_conv_set(f->cv, f->gbk);
	DECODE(f, NIHAO_GBK);
	EXPECT(f, NIHAO_UTF8);
	/* Setting the same charset also resets. */
	DECODE(f, "\xc4");
	charset_conv_set(f->cv, f->gbk);
	DECODE(f, "x");
	EXPECT(f, "x");
	ENCODE(f, NIHAO_UTF8);
	EXPECT(f, NIHAO_GBK);
	charset_conv_set(f->cv, charset_utf8());
	ENCODE(f, NIHAO_UTF8);
	EXPECT(f, NIHAO_UTF8);
}

/* A converter born UTF-8 opens iconv when switched to GBK. */
static void test_new_utf8_then_gbk(void **state)
{
	struct fixture *f = *state;

	charset_conv_free(f->cv);
	f->cv = charset_conv_new(charset_utf8());
	DECODE(f, NIHAO_GBK);
	EXPECT(f, NIHAO_GBK);
	charset_conv_set(f->cv, f->gbk);
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

/* Big5 "繁體中文" decodes to UTF-8 and back, ASCII trail byte and all. */
static void test_big5_round_trip(void **state)
{
	struct fixture *f = *state;

	charset_conv_set(f->cv, f->big5);
	DECODE(f, "a" FANTI_BIG5 "\r\n");
	EXPECT(f, "a" FANTI_UTF8 "\r\n");
	ENCODE(f, "a" FANTI_UTF8 "\r\n");
	EXPECT(f, "a" FANTI_BIG5 "\r\n");
	/* The same text is other bytes in GBK. */
	ENCODE(f, "\xe4\xb8\xad\xe6\x96\x87");
	EXPECT(f, "\xa4\xa4\xa4\xe5");
	charset_conv_set(f->cv, f->gbk);
	ENCODE(f, "\xe4\xb8\xad\xe6\x96\x87");
	EXPECT(f, ZHONGWEN_GBK);
}

/* A Big5 character split across reads is decoded whole, once. */
static void test_big5_split(void **state)
{
	struct fixture *f = *state;

	charset_conv_set(f->cv, f->big5);
	DECODE(f, "\xc1");
	EXPECT(f, "");
	/* Its trail byte is 'c': not a letter typed after a lost byte. */
	DECODE(f, "\x63\xc5");
	EXPECT(f, "\xe7\xb9\x81");
	DECODE(f, "\xe9\xa4\xa4\xa4");
	EXPECT(f, "\xe9\xab\x94\xe4\xb8\xad");
	DECODE(f, "\xe5x");
	EXPECT(f, "\xe6\x96\x87x");
	for (size_t i = 0; i < sizeof(FANTI_BIG5) - 1; i++)
		charset_decode(f->cv, &FANTI_BIG5[i], 1, &f->out);
	EXPECT(f, FANTI_UTF8);
}

/*
 * What Big5 lacks (a simplified-only character, an emoji) becomes a
 * visible '?', never a broken sequence; what it cannot decode, U+FFFD.
 */
static void test_big5_lacks_character(void **state)
{
	struct fixture *f = *state;

	charset_conv_set(f->cv, f->big5);
	ENCODE(f, "a" MEN_UTF8 "b" EMOJI FANTI_UTF8);
	EXPECT(f, "a?b?" FANTI_BIG5);
	/* GBK has the simplified one. */
	charset_conv_set(f->cv, f->gbk);
	ENCODE(f, MEN_UTF8 EMOJI);
	EXPECT(f, "\xc3\xc7?");
	charset_conv_set(f->cv, f->big5);
	DECODE(f, "\xff"
		  "a\xc1 x");
	EXPECT(f, REPL "a" REPL " x");
}

/*
 * A stateful encoding (ISO-2022-JP shifts with escapes) passes the
 * table's checks, so each piece must end unshifted to be shared, and a
 * lacking character's '?' must be written in ASCII, not while shifted.
 */
static void test_pieces_end_unshifted(void **state)
{
	struct fixture *f = *state;

	charset_conv_set(f->cv, lookup("iso-2022-jp"));
	ENCODE(f, "a" NIHON_UTF8);
	EXPECT(f, "a\x1b$BF|K\\\x1b(B");
	ENCODE(f, "\xe6\x97\xa5" EMOJI "\xe6\x9c\xac");
	EXPECT(f, "\x1b$BF|\x1b(B?\x1b$BK\\\x1b(B");
}

/* Freeing NULL does nothing. */
static void test_free_null(void **state)
{
	(void)state;
	charset_conv_free(NULL);
}

/*
 * The table holds CHARSET_MAX encodings for the life of the process:
 * past that a new name is refused, and those already in still work.
 */
static void test_table_full(void **state)
{
	static const char *const names[] = {
		"latin1", "koi8-r",     "cp1251",     "iso-8859-15",
		"cp437",  "euc-jp",     "euc-kr",     "euc-tw",
		"cp1252", "iso-8859-2", "iso-8859-5", "iso-8859-7",
		"cp850",  "cp866",      "gb18030",    "koi8-u",
	};
	struct fixture *f = *state;
	const struct charset *cs = NULL;
	size_t i = 0;

	while (i < ARRAY_LEN(names) &&
	       charset_lookup(names[i], &cs) == CHARSET_OK)
		i++;
	assert_true(i < ARRAY_LEN(names));
	assert_int_equal(charset_lookup(names[i], &cs), CHARSET_TOO_MANY);
	/* Unknown is still unknown, not "too many". */
	assert_int_equal(charset_lookup("klingon", &cs), CHARSET_UNKNOWN);
	assert_ptr_equal(lookup("BIG5"), f->big5);
	assert_ptr_equal(lookup(names[0]), lookup("LATIN1"));
	assert_int_equal(charset_index(lookup(names[i - 1])), CHARSET_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
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
		cmocka_unit_test_setup_teardown(test_big5_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_big5_split, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_big5_lacks_character,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pieces_end_unshifted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_null, setup,
						teardown),
		/* Last: it fills the table this process keeps. */
		cmocka_unit_test_setup_teardown(test_table_full, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
