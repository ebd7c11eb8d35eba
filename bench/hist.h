/*
 * hist: a latency histogram with log-linear buckets (64 per power of two,
 * so a percentile is within 1.6% of the true value) and a fixed size, so
 * recording millions of samples costs no memory and no sorting. Values
 * are nanoseconds. Knows nothing of sockets or scenarios.
 */
#ifndef HOTLINE_BENCH_HIST_H
#define HOTLINE_BENCH_HIST_H

#include <stdint.h>

/* Sub-buckets per power of two, as a shift: 2^6 = 64. */
#define HIST_SUB_BITS 6
#define HIST_SUB (1u << HIST_SUB_BITS)
/* Buckets: the first 64 values exactly, then 64 per power of two up to 2^63. */
#define HIST_BUCKETS (HIST_SUB + (64 - HIST_SUB_BITS) * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t max;
	uint64_t buckets[HIST_BUCKETS];
};

/* Empties h. */
void hist_reset(struct hist *h);
/* Records one value. */
void hist_add(struct hist *h, uint64_t v);
/* Adds every sample of from into into. */
void hist_merge(struct hist *into, const struct hist *from);
/* The value at quantile q (0..1), the middle of its bucket; 0 when empty. */
uint64_t hist_quantile(const struct hist *h, double q);

#endif
