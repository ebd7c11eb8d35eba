/*
 * money: the two parsers of sums of money (common/), fed strings: every
 * accepted form with its value in fen, every refused form (signs,
 * spaces, points, separators, empty), the bounds, too many digits and
 * values that would overflow, and that a refusal leaves the result alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>

#include "money.h"

/* The bounds of a recharge by amount, in yuan (as account.h has them). */
#define TEST_AMOUNT_MIN 1
#define TEST_AMOUNT_MAX 500
/* The largest sum in the demo data, in yuan (as account_seed.c has it). */
#define TEST_SEED_MAX 10000000
/* What a refusal must leave in the result. */
#define TEST_UNTOUCHED ((int64_t)-42)

/* A text and what it reads as: its fen, or -1 for refused. */
struct money_case {
	const char *text;
	int64_t fen;
};

/* Checks what a parser made of a case: its fen, or a refusal. */
static void check_case(const struct money_case *c, int rc, int64_t fen)
{
	if (c->fen < 0) {
		assert_int_equal(rc, -1);
		assert_int_equal(fen, TEST_UNTOUCHED); /* left alone */
	} else {
		assert_int_equal(rc, 0);
		assert_int_equal(fen, c->fen);
	}
}

/* Whole yuan, 1 to 500: what a caller may type as a recharge amount. */
static void test_whole_yuan(void **state)
{
	static const struct money_case cases[] = {
		{ "1", 100 },
		{ "50", 5000 },
		{ "88", 8800 },
		{ "500", 50000 },
		{ "050", 5000 }, /* three digits, as many as 500 has */
		{ "001", 100 },
		{ "0", -1 },    /* below the minimum */
		{ "00", -1 },   /* zero all the same */
		{ "501", -1 },  /* above the maximum */
		{ "999", -1 },  /* three digits, still above */
		{ "0050", -1 }, /* more digits than 500 has */
		{ "1000", -1 },
		{ "", -1 },
		{ "-5", -1 },
		{ "+5", -1 },
		{ " 5", -1 },
		{ "5 ", -1 },
		{ "5\n", -1 },
		{ "5.0", -1 }, /* whole yuan only */
		{ "5.", -1 },
		{ ".5", -1 },
		{ "1,0", -1 },
		{ "1e2", -1 },
		{ "5a", -1 },
		{ "abc", -1 },
		{ "0x10", -1 },
		{ "\xef\xbc\x95", -1 }, /* a full-width 5 */
		{ "99999999999999999999999", -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t fen = TEST_UNTOUCHED;
		int rc = money_parse_whole_yuan(cases[i].text, TEST_AMOUNT_MIN,
						TEST_AMOUNT_MAX, &fen);

		check_case(&cases[i], rc, fen);
	}
}

/* The bounds are the caller's, inclusive; impossible bounds refuse all. */
static void test_whole_yuan_bounds(void **state)
{
	char text[32];
	int64_t fen = TEST_UNTOUCHED;

	(void)state;
	assert_int_equal(money_parse_whole_yuan("0", 0, 9, &fen), 0);
	assert_int_equal(fen, 0);
	assert_int_equal(money_parse_whole_yuan("9", 0, 9, &fen), 0);
	assert_int_equal(fen, 900);
	assert_int_equal(money_parse_whole_yuan("10", 0, 9, &fen), -1);
	assert_int_equal(money_parse_whole_yuan("7", 7, 7, &fen), 0);
	assert_int_equal(fen, 700);
	assert_int_equal(money_parse_whole_yuan("6", 7, 7, &fen), -1);
	assert_int_equal(money_parse_whole_yuan("8", 7, 7, &fen), -1);
	/* The largest bound: its fen fit, one more digit does not parse. */
	snprintf(text, sizeof(text), "%lld", (long long)MONEY_MAX_YUAN);
	assert_int_equal(money_parse_whole_yuan(text, 0, MONEY_MAX_YUAN, &fen),
			 0);
	assert_int_equal(fen, MONEY_MAX_YUAN * MONEY_FEN_PER_YUAN);
	snprintf(text, sizeof(text), "%lld0", (long long)MONEY_MAX_YUAN);
	fen = TEST_UNTOUCHED;
	assert_int_equal(money_parse_whole_yuan(text, 0, MONEY_MAX_YUAN, &fen),
			 -1);
	assert_int_equal(money_parse_whole_yuan("9223372036854775807", 0,
						MONEY_MAX_YUAN, &fen),
			 -1);
	assert_int_equal(fen, TEST_UNTOUCHED);
	/* Bounds out of range, and no text at all. */
	assert_int_equal(money_parse_whole_yuan("5", -1, 9, &fen), -1);
	assert_int_equal(money_parse_whole_yuan("5", 0, MONEY_MAX_YUAN + 1,
						&fen),
			 -1);
	assert_int_equal(money_parse_whole_yuan(NULL, 0, 9, &fen), -1);
	assert_int_equal(fen, TEST_UNTOUCHED);
}

/* Yuan with up to two decimals, as the demo data writes money. */
static void test_yuan_fen(void **state)
{
	static const struct money_case cases[] = {
		{ "38", 3800 },
		{ "38.5", 3850 },
		{ "38.50", 3850 },
		{ "38.05", 3805 },
		{ "88.99", 8899 },
		{ "0", 0 },
		{ "0.0", 0 },
		{ "0.00", 0 },
		{ "0.01", 1 },
		{ "0.1", 10 },
		{ "007.5", 750 },
		{ "10000000", 1000000000 },    /* the largest sum */
		{ "10000000.99", 1000000099 }, /* its decimals are fen */
		{ "10000001", -1 },            /* above the largest */
		{ "99999999", -1 },
		{ "010000000", -1 }, /* more digits than the largest has */
		{ "38.505", -1 },    /* at most two decimals */
		{ "38.500", -1 },
		{ "38.", -1 },
		{ ".5", -1 },
		{ ".", -1 },
		{ "38..5", -1 },
		{ "38.5.0", -1 },
		{ "38,50", -1 },
		{ "1,000", -1 },
		{ "", -1 },
		{ "-1", -1 },
		{ "-0.5", -1 },
		{ "+1", -1 },
		{ " 38", -1 },
		{ "38 ", -1 },
		{ "38. 5", -1 },
		{ "38.5 ", -1 },
		{ "38\t", -1 },
		{ "38元", -1 },
		{ "¥38", -1 },
		{ "3e1", -1 },
		{ "38.5a", -1 },
		{ "abc", -1 },
		{ "NaN", -1 },
		{ "99999999999999999999.99", -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t fen = TEST_UNTOUCHED;
		int rc = money_parse_yuan_fen(cases[i].text, TEST_SEED_MAX,
					      &fen);

		check_case(&cases[i], rc, fen);
	}
}

/* The bound is inclusive; the largest one cannot overflow. */
static void test_yuan_fen_bounds(void **state)
{
	char text[40];
	int64_t fen = TEST_UNTOUCHED;

	(void)state;
	assert_int_equal(money_parse_yuan_fen("0.99", 0, &fen), 0);
	assert_int_equal(fen, 99);
	assert_int_equal(money_parse_yuan_fen("1", 0, &fen), -1);
	assert_int_equal(money_parse_yuan_fen("9.99", 9, &fen), 0);
	assert_int_equal(fen, 999);
	assert_int_equal(money_parse_yuan_fen("10", 9, &fen), -1);
	snprintf(text, sizeof(text), "%lld.99", (long long)MONEY_MAX_YUAN);
	assert_int_equal(money_parse_yuan_fen(text, MONEY_MAX_YUAN, &fen), 0);
	assert_int_equal(fen, MONEY_MAX_YUAN * MONEY_FEN_PER_YUAN + 99);
	fen = TEST_UNTOUCHED;
	snprintf(text, sizeof(text), "%lld.99", (long long)MONEY_MAX_YUAN + 1);
	assert_int_equal(money_parse_yuan_fen(text, MONEY_MAX_YUAN, &fen), -1);
	assert_int_equal(money_parse_yuan_fen("9223372036854775807",
					      MONEY_MAX_YUAN, &fen),
			 -1);
	assert_int_equal(money_parse_yuan_fen("1", -1, &fen), -1);
	assert_int_equal(money_parse_yuan_fen("1", MONEY_MAX_YUAN + 1, &fen),
			 -1);
	assert_int_equal(money_parse_yuan_fen(NULL, 9, &fen), -1);
	assert_int_equal(fen, TEST_UNTOUCHED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_yuan),
		cmocka_unit_test(test_whole_yuan_bounds),
		cmocka_unit_test(test_yuan_fen),
		cmocka_unit_test(test_yuan_fen_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
