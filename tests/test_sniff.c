/*
 * test_sniff: the shared port's first-bytes decision: "GET " (or "POST ") whole or in
 * pieces is HTTP; IAC, any other byte, a prefix of "GET " gone wrong,
 * silence and a hang-up are telnet; the bytes held back while undecided
 * are handed on; the trace's words for each case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mem.h"
#include "net/sniff.h"

/* A fresh sniff per case. */
static int setup(void **state)
{
	struct sniff *s = xcalloc(1, sizeof(*s));

	sniff_init(s);
	*state = s;
	return 0;
}

/* Frees it. */
static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* Checks the bytes held back are exactly the literal's. */
static void expect_held(const struct sniff *s, const char *want, size_t n)
{
	size_t len;
	const unsigned char *held = sniff_held(s, &len);

	assert_int_equal(len, n);
	if (n > 0)
		assert_memory_equal(held, want, n);
}

#define EXPECT_HELD(s, lit) expect_held((s), (lit), sizeof(lit) - 1)

/* Checks the trace's words. */
static void expect_describe(const struct sniff *s, const char *want)
{
	char buf[80];

	sniff_describe(s, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

/* "GET " in one read is HTTP; nothing was held before that read. */
static void test_get_whole(void **state)
{
	struct sniff *s = *state;

	assert_int_equal(sniff_feed(s, "GET / HTTP/1.1\r\n", 16), SNIFF_HTTP);
	EXPECT_HELD(s, "");
	expect_describe(s, "first bytes 47 45 54 20: HTTP");
	/* Decided: more bytes and the timer change nothing. */
	assert_int_equal(sniff_feed(s, "\xff", 1), SNIFF_HTTP);
	assert_int_equal(sniff_timeout(s), SNIFF_HTTP);
	assert_int_equal(sniff_end_of_input(s), SNIFF_HTTP);
}

/* "GET " a byte at a time: undecided until the space; "GE" then "T " holds "GE". */
static void test_get_split(void **state)
{
	struct sniff *s = *state;

	assert_int_equal(sniff_feed(s, "G", 1), SNIFF_UNDECIDED);
	EXPECT_HELD(s, "G");
	assert_int_equal(sniff_feed(s, "", 0), SNIFF_UNDECIDED);
	assert_int_equal(sniff_feed(s, "E", 1), SNIFF_UNDECIDED);
	expect_describe(s, "first bytes 47 45: undecided");
	assert_int_equal(sniff_feed(s, "T /", 3), SNIFF_HTTP);
	EXPECT_HELD(s, "GE");
}

/* IAC first: telnet at once, nothing held. */
static void test_iac(void **state)
{
	struct sniff *s = *state;

	assert_int_equal(sniff_feed(s, "\xff\xfd\x03", 3), SNIFF_TELNET);
	EXPECT_HELD(s, "");
	expect_describe(s, "first byte ff: telnet (IAC)");
}

/* A key, a lower-case get, "GEX", "GET" then IAC: telnet, with what was held. */
static void test_other_bytes(void **state)
{
	struct sniff *s = *state;

	assert_int_equal(sniff_feed(s, "1", 1), SNIFF_TELNET);
	expect_describe(s, "first byte 31: telnet");
	sniff_init(s);
	assert_int_equal(sniff_feed(s, "get / HTTP/1.1", 14), SNIFF_TELNET);
	sniff_init(s);
	assert_int_equal(sniff_feed(s, "GE", 2), SNIFF_UNDECIDED);
	assert_int_equal(sniff_feed(s, "X", 1), SNIFF_TELNET);
	EXPECT_HELD(s, "GE");
	expect_describe(s, "first bytes 47 45 58: telnet");
	sniff_init(s);
	assert_int_equal(sniff_feed(s, "GET\xff\xfb\x01", 6), SNIFF_TELNET);
	EXPECT_HELD(s, "");
	expect_describe(s, "first bytes 47 45 54 ff: telnet (IAC)");
}

/* "POST " (the teacher's page) is HTTP too; "PO" then "X" or "POS1" is not. */
static void test_post(void **state)
{
	struct sniff *s = *state;

	assert_int_equal(sniff_feed(s, "POST /teacher/login", 19), SNIFF_HTTP);
	EXPECT_HELD(s, "");
	expect_describe(s, "first bytes 50 4f 53 54 20: HTTP");
	sniff_init(s);
	assert_int_equal(sniff_feed(s, "P", 1), SNIFF_UNDECIDED);
	assert_int_equal(sniff_feed(s, "OST", 3), SNIFF_UNDECIDED);
	assert_int_equal(sniff_feed(s, " ", 1), SNIFF_HTTP);
	EXPECT_HELD(s, "POST");
	sniff_init(s);
	assert_int_equal(sniff_feed(s, "POS1", 4), SNIFF_TELNET);
	EXPECT_HELD(s, "");
	sniff_init(s);
	/* "GET" then "POST" mixed: a 'P' after "G" begins neither. */
	assert_int_equal(sniff_feed(s, "GP", 2), SNIFF_TELNET);
	sniff_init(s);
	assert_int_equal(sniff_feed(s, "POSTX", 5), SNIFF_TELNET);
	expect_describe(s, "first bytes 50 4f 53 54 58: telnet");
}

/* Silence decides telnet; what came before it is all held. */
static void test_silence(void **state)
{
	struct sniff *s = *state;

	assert_int_equal(sniff_timeout(s), SNIFF_TELNET);
	EXPECT_HELD(s, "");
	expect_describe(s, "no bytes: telnet (silent for 300 ms)");
	sniff_init(s);
	assert_int_equal(sniff_feed(s, "GE", 2), SNIFF_UNDECIDED);
	assert_int_equal(sniff_timeout(s), SNIFF_TELNET);
	EXPECT_HELD(s, "GE");
	/* After the decision, later bytes are the protocol's alone. */
	assert_int_equal(sniff_feed(s, "T ", 2), SNIFF_TELNET);
	EXPECT_HELD(s, "GE");
}

/* A hang-up before deciding is a telnet caller's end of input. */
static void test_hang_up(void **state)
{
	struct sniff *s = *state;

	assert_int_equal(sniff_feed(s, "G", 1), SNIFF_UNDECIDED);
	assert_int_equal(sniff_end_of_input(s), SNIFF_TELNET);
	EXPECT_HELD(s, "G");
	expect_describe(s, "first byte 47: telnet (hung up before deciding)");
}

/* A short buffer gets a cut, NUL-terminated description. */
static void test_describe_cut(void **state)
{
	struct sniff *s = *state;
	char buf[8];

	sniff_feed(s, "GET ", 4);
	sniff_describe(s, buf, sizeof(buf));
	assert_string_equal(buf, "first b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get_whole, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_get_split, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_iac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_bytes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_post, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hang_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_describe_cut, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
