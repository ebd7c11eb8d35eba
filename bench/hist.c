/*
 * hist: log-linear latency buckets. A value below 64 has its own bucket;
 * above, the bucket is the position of the top bit and the six bits after
 * it. Nothing here allocates.
 */
#include "hist.h"

#include <string.h>

/* The bucket a value falls in. */
static unsigned bucket_of(uint64_t v)
{
	unsigned top;

	if (v < HIST_SUB)
		return (unsigned)v;
	top = 63u - (unsigned)__builtin_clzll(v);
	return HIST_SUB + (top - HIST_SUB_BITS) * HIST_SUB +
	       (unsigned)((v >> (top - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

/* The middle of a bucket's range of values. */
static uint64_t bucket_value(unsigned b)
{
	unsigned top, sub;
	uint64_t low, width;

	if (b < HIST_SUB)
		return b;
	top = (b - HIST_SUB) / HIST_SUB + HIST_SUB_BITS;
	sub = (b - HIST_SUB) % HIST_SUB;
	width = 1ull << (top - HIST_SUB_BITS);
	low = (1ull << top) + (uint64_t)sub * width;
	return low + width / 2;
}

/* Empties h. */
void hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

/* Records one value. */
void hist_add(struct hist *h, uint64_t v)
{
	h->buckets[bucket_of(v)]++;
	h->count++;
	if (v > h->max)
		h->max = v;
}

/* Adds every sample of from into into. */
void hist_merge(struct hist *into, const struct hist *from)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		into->buckets[i] += from->buckets[i];
	into->count += from->count;
	if (from->max > into->max)
		into->max = from->max;
}

/* The value at quantile q: walks the buckets to the sample of that rank. */
uint64_t hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (h->count == 0)
		return 0;
	rank = (uint64_t)(q * (double)h->count);
	if (rank >= h->count)
		rank = h->count - 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen > rank) {
			uint64_t v = bucket_value(i);

			return v < h->max ? v : h->max;
		}
	}
	return h->max;
}
