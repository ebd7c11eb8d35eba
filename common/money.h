/*
 * money: sums of money as people write them, read into integer fen. Two
 * forms, for two callers: whole yuan as a caller types a recharge amount
 * ("50"), and yuan with up to two decimals as the demo data writes
 * prices and balances ("38", "38.5", "38.50"). Digits are read one by
 * one into integers, never through floating point, and a bound is
 * checked before anything can overflow.
 *
 * Self-contained (libc only): it knows nothing of accounts, sessions or
 * files, so any program can link it.
 */
#ifndef HOTLINE_MONEY_H
#define HOTLINE_MONEY_H

#include <stdint.h>

/* Fen in a yuan. */
#define MONEY_FEN_PER_YUAN 100
/* Largest bound a parser takes, in yuan: its fen still fit an int64_t. */
#define MONEY_MAX_YUAN (INT64_MAX / MONEY_FEN_PER_YUAN - 1)

/*
 * Whole yuan ("50"): ASCII digits only (no sign, space, point or
 * separator), no more digits than max_yuan has, from min_yuan to max_yuan
 * (0 <= min_yuan <= max_yuan <= MONEY_MAX_YUAN). Sets *fen and returns 0,
 * or returns -1 and leaves *fen alone.
 */
int money_parse_whole_yuan(const char *text, int64_t min_yuan, int64_t max_yuan,
			   int64_t *fen);

/*
 * Yuan with at most two decimals ("38", "38.5", "38.50"): digits, then
 * optionally a point and one or two digits; no sign, space or other
 * character, no more whole digits than max_yuan has, at most max_yuan
 * whole yuan (0 <= max_yuan <= MONEY_MAX_YUAN). Sets *fen and returns 0,
 * or returns -1 and leaves *fen alone.
 */
int money_parse_yuan_fen(const char *text, int64_t max_yuan, int64_t *fen);

#endif
