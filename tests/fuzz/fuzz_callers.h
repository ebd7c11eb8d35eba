/*
 * fuzz_callers: callers without sockets, for the session fuzzers. Each is
 * the real core (service/core/core.c: telnet adapter -> charset -> line editor
 * -> session -> charset -> telnet encoding) with a sink that is a bounded
 * output buffer. The event loop's part (timers, the slow reader's later
 * turn, the socket draining, a reload, a chat neighbour talking) is
 * played by a schedule the fuzz input chooses.
 */
#ifndef HOTLINE_FUZZ_CALLERS_H
#define HOTLINE_FUZZ_CALLERS_H

#include <stddef.h>
#include <stdint.h>

#include "session/session.h"

/*
 * Hooks for a harness that plays the account store: run pending requests
 * (called when the schedule says the loop turns, and before the end).
 */
struct fuzz_callers_hooks {
	void (*loop_turn)(void);
};

/*
 * Loads the menus (the default set, and a reload fixture) once and quiets
 * the log. Call from LLVMFuzzerInitialize.
 */
void fuzz_callers_init(void);

/*
 * Runs one caller through the session: the first FUZZ_CALLERS_HEADER bytes
 * pick the schedule (read sizes, timers, neighbours, reloads), the rest is
 * what the caller sends. accounts is put in the session env as is (NULL:
 * queries and recharge answer "unavailable"). Aborts on a broken invariant.
 */
void fuzz_callers_run(const uint8_t *data, size_t size,
		      struct account_worker *accounts,
		      const struct fuzz_callers_hooks *hooks);

/* Bytes of the schedule header at the start of every input. */
#define FUZZ_CALLERS_HEADER 4

#endif
