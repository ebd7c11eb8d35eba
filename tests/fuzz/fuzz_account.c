/*
 * fuzz_account: the account module's pure functions, the ones that see
 * what callers type before anything reaches the store: number, password
 * and card validation, number masking, and money formatting. Each answer
 * is checked against a plain restatement of its rule.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "store/account.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether s is exactly n ASCII digits. */
static bool all_digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Checks "[-]D+.DD" and that it reads back as fen. */
static void check_fen(int64_t fen)
{
	char out[32], tiny[4];
	const char *p = out;
	bool neg = false;
	uint64_t whole = 0, cents;
	uint64_t mag = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;

	account_format_fen(fen, out, sizeof(out));
	if (*p == '-') {
		neg = true;
		p++;
	}
	FUZZ_CHECK(neg == (fen < 0));
	FUZZ_CHECK(*p >= '0' && *p <= '9');
	while (*p >= '0' && *p <= '9')
		whole = whole * 10 + (uint64_t)(*p++ - '0');
	FUZZ_CHECK(p[0] == '.' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
		   p[2] <= '9' && p[3] == '\0');
	cents = (uint64_t)(p[1] - '0') * 10 + (uint64_t)(p[2] - '0');
	FUZZ_CHECK(whole == mag / 100 && cents == mag % 100);
	/* Too small a buffer is cut, never overrun. */
	account_format_fen(fen, tiny, sizeof(tiny));
	FUZZ_CHECK(strlen(tiny) < sizeof(tiny));
	account_format_fen(fen, tiny, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char masked[16];
	int64_t fen = 0;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (account_number_is_valid(s))
		FUZZ_CHECK(all_digits(s, ACCOUNT_NUMBER_LEN) && s[0] == '1');
	FUZZ_CHECK(account_password_is_valid(s) ==
		   all_digits(s, ACCOUNT_PASSWORD_LEN));
	FUZZ_CHECK(account_card_is_valid(s) == all_digits(s, ACCOUNT_CARD_LEN));

	account_mask_number(s, masked, sizeof(masked));
	FUZZ_CHECK(strlen(masked) <= ACCOUNT_NUMBER_LEN);
	if (strlen(s) == ACCOUNT_NUMBER_LEN)
		FUZZ_CHECK(memcmp(masked, s, 3) == 0 &&
			   memcmp(masked + 3, "****", 4) == 0 &&
			   memcmp(masked + 7, s + 7, 4) == 0);
	else
		FUZZ_CHECK(strcmp(masked, "****") == 0);
	account_mask_number(s, masked, 5);
	account_mask_number(NULL, masked, sizeof(masked));

	memcpy(&fen, data, size < sizeof(fen) ? size : sizeof(fen));
	check_fen(fen);
	check_fen(INT64_MIN);
	check_fen(INT64_MAX);
	free(s);
	return 0;
}
