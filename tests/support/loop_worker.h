/*
 * loop_worker: the account worker's interface (account_worker_submit and
 * account_worker_cancel) without its thread, for tests and fuzzers that
 * must be deterministic. A program that links this file never pulls
 * service/store/account_worker.c out of the service library. Requests wait in
 * order and are answered on loop_worker_turn, never inside submit; a
 * cancelled one still completes without calling back, as with the real
 * worker.
 */
#ifndef HOTLINE_LOOP_WORKER_H
#define HOTLINE_LOOP_WORKER_H

#include <stddef.h>

#include "store/account.h"

/* Requests one turn may hold: far more than a few sessions make. */
#define LOOP_WORKER_MAX 64

/* Fills in req's results, as the worker thread would. */
typedef void (*loop_worker_answer_fn)(struct account_request *req);

/* The worker to put in a session_env; submitting to any other aborts. */
struct account_worker *loop_worker(void);
/*
 * Answers the requests submitted before the call, in order, and runs
 * their callbacks; what those submit waits for the next turn. Returns how
 * many it answered.
 */
size_t loop_worker_turn(loop_worker_answer_fn answer);
/* Requests waiting for a turn. */
size_t loop_worker_pending(void);
/* Forgets every waiting request without answering it. */
void loop_worker_reset(void);

#endif
