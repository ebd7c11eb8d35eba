/* loop_worker: the account worker's queue on the loop (see loop_worker.h). */
#include "loop_worker.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* Opaque to the session; the queue below is all its state. */
struct account_worker {
	int unused;
};

static struct account_worker worker;
static struct account_request *pending[LOOP_WORKER_MAX];
static size_t npending;

/* The only worker this file answers for. */
struct account_worker *loop_worker(void)
{
	return &worker;
}

/* Queues a copy of req; answered on a later turn. */
struct account_request *account_worker_submit(struct account_worker *w,
					      const struct account_request *req)
{
	struct account_request *copy;

	if (w != &worker || npending == LOOP_WORKER_MAX)
		abort(); /* a session waits for one answer at a time */
	copy = xmalloc(sizeof(*copy));
	*copy = *req;
	copy->cancelled = false;
	copy->next = NULL;
	pending[npending++] = copy;
	return copy;
}

/* The session went away: the request completes without calling back. */
void account_worker_cancel(struct account_worker *w,
			   struct account_request *handle)
{
	if (w != &worker)
		abort();
	if (handle != NULL)
		handle->cancelled = true;
}

/* Answers what was queued before the call. */
size_t loop_worker_turn(loop_worker_answer_fn answer)
{
	struct account_request *now[LOOP_WORKER_MAX];
	size_t n = npending;

	/* Answers may submit again: those wait for the next turn. */
	memcpy(now, pending, n * sizeof(now[0]));
	npending = 0;
	for (size_t i = 0; i < n; i++) {
		struct account_request *req = now[i];

		answer(req);
		if (!req->cancelled)
			req->done(req->ctx, req);
		/* The real worker wipes a request that held a secret. */
		explicit_bzero(req, sizeof(*req));
		free(req);
	}
	return n;
}

/* Requests waiting for a turn. */
size_t loop_worker_pending(void)
{
	return npending;
}

/* Drops the waiting requests unanswered. */
void loop_worker_reset(void)
{
	for (size_t i = 0; i < npending; i++)
		free(pending[i]);
	npending = 0;
}
