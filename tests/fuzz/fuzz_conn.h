/*
 * fuzz_conn: one caller's whole input path without a socket, for the
 * session fuzzers. A copy of service/conn.c's glue (on_telnet,
 * on_lineedit, the session_io callbacks) over plain buffers: bytes ->
 * telnet adapter -> charset -> line editor -> session -> output -> charset
 * -> telnet encoding -> a bounded output buffer. The event loop's part
 * (timers, the kick, the socket draining, a reload, a chat neighbour
 * talking) is played by a schedule the fuzz input chooses.
 *
 * Test-only; it must behave like conn.c, so keep the two in step.
 */
#ifndef HOTLINE_FUZZ_CONN_H
#define HOTLINE_FUZZ_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

/*
 * Hooks for a harness that plays the account store: run pending requests
 * (called when the schedule says the loop turns, and before the end).
 */
struct fuzz_conn_hooks {
	void (*loop_turn)(void);
};

/*
 * Loads the menus (the default set, and a reload fixture) once and quiets
 * the log. Call from LLVMFuzzerInitialize.
 */
void fuzz_conn_init(void);

/*
 * Runs one caller through the session: the first FUZZ_CONN_HEADER bytes
 * pick the schedule (read sizes, timers, neighbours, reloads), the rest is
 * what the caller sends. accounts is put in the session env as is (NULL:
 * queries and recharge answer "unavailable"). Aborts on a broken invariant.
 */
void fuzz_conn_run(const uint8_t *data, size_t size,
		   struct account_worker *accounts,
		   const struct fuzz_conn_hooks *hooks);

/* Bytes of the schedule header at the start of every input. */
#define FUZZ_CONN_HEADER 4

#endif
