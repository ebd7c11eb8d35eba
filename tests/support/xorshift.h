/*
 * xorshift32: a small fixed-seed generator for tests and fuzz schedules,
 * so a run makes the same bytes on every machine.
 */
#ifndef HOTLINE_XORSHIFT_H
#define HOTLINE_XORSHIFT_H

#include <stdint.h>

/* The next value of the sequence in *state (which must not be 0). */
static inline uint32_t xorshift32(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

#endif
