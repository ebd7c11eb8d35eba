/*
 * money: reading sums of money into integer fen; see money.h. Knows
 * nothing of accounts or of where the text came from.
 */
#include "money.h"

#include <stddef.h>
#include <string.h>

/* Decimal digits of n (n >= 0): 1 for 0. */
static size_t digit_count(int64_t n)
{
	size_t count = 1;

	while (n >= 10) {
		n /= 10;
		count++;
	}
	return count;
}

/*
 * Reads the run of digits at the start of text into *value; returns its
 * length, or 0 if there is none or it has more than max_digits digits
 * (max_digits <= 18, so the value cannot overflow).
 */
static size_t read_digits(const char *text, size_t max_digits, int64_t *value)
{
	size_t len = strspn(text, "0123456789");
	int64_t v = 0;

	if (len == 0 || len > max_digits)
		return 0;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (text[i] - '0');
	*value = v;
	return len;
}

/* Whole yuan from min_yuan to max_yuan, into fen. */
int money_parse_whole_yuan(const char *text, int64_t min_yuan, int64_t max_yuan,
			   int64_t *fen)
{
	int64_t yuan = 0;
	size_t len;

	if (text == NULL || min_yuan < 0 || max_yuan > MONEY_MAX_YUAN)
		return -1;
	len = read_digits(text, digit_count(max_yuan), &yuan);
	if (len == 0 || text[len] != '\0' || yuan < min_yuan || yuan > max_yuan)
		return -1;
	*fen = yuan * MONEY_FEN_PER_YUAN;
	return 0;
}

/* Yuan with up to two decimals, at most max_yuan whole yuan, into fen. */
int money_parse_yuan_fen(const char *text, int64_t max_yuan, int64_t *fen)
{
	int64_t yuan = 0, cents = 0;
	size_t whole, frac = 0;

	if (text == NULL || max_yuan < 0 || max_yuan > MONEY_MAX_YUAN)
		return -1;
	whole = read_digits(text, digit_count(max_yuan), &yuan);
	if (whole == 0)
		return -1;
	if (text[whole] == '.') {
		frac = read_digits(text + whole + 1, 2, &cents);
		if (frac == 0)
			return -1;
		if (frac == 1)
			cents *= 10; /* "38.5" is 38.50 */
		frac++;              /* the point */
	}
	if (text[whole + frac] != '\0' || yuan > max_yuan)
		return -1;
	*fen = yuan * MONEY_FEN_PER_YUAN + cents;
	return 0;
}
