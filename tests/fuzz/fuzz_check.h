/*
 * fuzz_check: the harnesses' invariant check. A broken invariant aborts,
 * which libFuzzer reports as a crash and saves the input that did it.
 */
#ifndef HOTLINE_FUZZ_CHECK_H
#define HOTLINE_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

/* Aborts with a message when an invariant does not hold. */
#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant broken: %s\n",       \
				__FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

#endif
