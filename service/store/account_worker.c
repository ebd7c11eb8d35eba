/*
 * account_worker: one thread that owns the account store, so the event
 * loop never waits on the disk or on a password hash.
 *
 * The loop submits a copy of each request onto a queue (a mutex and a
 * condition variable). The thread takes everything queued at once: the
 * recharges among it run in one transaction with one durable commit
 * (group commit), and their results are handed back only after that
 * COMMIT returns; the other requests (logins, queries) wait in a local
 * list and run one at a time, with the queue looked at again between
 * them, so a recharge waits for at most one password hash. A finished
 * request goes on a "done" list and the loop runs its callback there,
 * unless the session cancelled it.
 *
 * The thread wakes the loop through an eventfd the loop reads, not with
 * event_active: that would need libevent's own locking, which costs the
 * loop a mutex round on every event it handles, all the time. Knows
 * nothing of sessions, menus or sockets.
 */
#include "account.h"
#include "account_internal.h"
#include "log/trace.h"
#include "mem.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

/* The thread, its queue in, its done list out, and the store it owns. */
struct account_worker {
	struct event_base *base;
	int wake_fd;        /* eventfd: written when the done list fills */
	struct event *wake; /* reads wake_fd on the loop */
	struct account_store *st;
	pthread_t thread;
	/* lock guards everything below, and every request's cancelled. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct account_request *queue, *queue_tail;
	struct account_request *done, *done_tail;
	bool stopping;
	unsigned long commits;
};

/* A FIFO list of requests linked through next. */
struct request_list {
	struct account_request *head, *tail;
};

/* Appends list (linked through next, maybe NULL) to the list at *head. */
static void append(struct account_request **head, struct account_request **tail,
		   struct account_request *list)
{
	struct account_request *last;

	if (list == NULL)
		return;
	for (last = list; last->next != NULL; last = last->next)
		;
	if (*head == NULL)
		*head = list;
	else
		(*tail)->next = list;
	*tail = last;
}

/* Frees a request, wiping the password or card code it may hold. */
static void request_free(struct account_request *req)
{
	explicit_bzero(req->secret, sizeof(req->secret));
	free(req);
}

/* Whether a request is a recharge, which the group commit runs. */
static bool is_recharge(const struct account_request *req)
{
	return req->op == ACCOUNT_OP_RECHARGE_CARD ||
	       req->op == ACCOUNT_OP_RECHARGE_AMOUNT;
}

/* Hands finished requests (a list) to the loop and wakes it. */
static void worker_finish(struct account_worker *w,
			  struct account_request *list, bool committed)
{
	bool was_empty;
	uint64_t one = 1;

	pthread_mutex_lock(&w->lock);
	was_empty = w->done == NULL;
	append(&w->done, &w->done_tail, list);
	if (committed)
		w->commits++;
	pthread_mutex_unlock(&w->lock);
	/* Once per fill: the loop drains the eventfd before taking the list. */
	if (was_empty)
		while (write(w->wake_fd, &one, sizeof(one)) < 0 &&
		       errno == EINTR)
			;
}

/* Runs one request that is not a recharge, on the worker thread. */
static void run_one(struct account_store *st, struct account_request *req)
{
	switch (req->op) {
	case ACCOUNT_OP_EXISTS:
		req->status = account_store_exists(st, req->number);
		break;
	case ACCOUNT_OP_LOGIN:
		req->status = account_store_login(st, req->number, req->secret,
						  time(NULL),
						  &req->lock_seconds);
		/* Nobody needs the password once it is checked. */
		explicit_bzero(req->secret, sizeof(req->secret));
		break;
	case ACCOUNT_OP_INFO:
		req->status = account_store_info(st, req->number, &req->info);
		break;
	case ACCOUNT_OP_CHECK_HASH:
		req->status = req->hash != NULL
				      ? account_store_check_hash(st,
								 req->secret,
								 req->hash)
				      : ACCOUNT_ERROR;
		explicit_bzero(req->secret, sizeof(req->secret));
		break;
	case ACCOUNT_OP_RECHARGE_CARD:
	case ACCOUNT_OP_RECHARGE_AMOUNT:
		/* Recharges go through the group commit, never here. */
		req->status = ACCOUNT_ERROR;
		break;
	}
}

/* Splits a batch into recharges and the rest, keeping the order of each. */
static void split(struct account_request *batch, struct request_list *recharges,
		  struct request_list *others)
{
	while (batch != NULL) {
		struct account_request *req = batch;
		struct request_list *to = is_recharge(req) ? recharges : others;

		batch = req->next;
		req->next = NULL;
		append(&to->head, &to->tail, req);
	}
}

/* The worker thread: runs requests until stopped and the queue is empty. */
static void *worker_main(void *arg)
{
	struct account_worker *w = arg;
	struct request_list others = { NULL, NULL };

	for (;;) {
		struct request_list recharges = { NULL, NULL };
		struct account_request *batch, *req;
		bool committed;

		pthread_mutex_lock(&w->lock);
		while (w->queue == NULL && others.head == NULL && !w->stopping)
			pthread_cond_wait(&w->cond, &w->lock);
		batch = w->queue;
		w->queue = w->queue_tail = NULL;
		pthread_mutex_unlock(&w->lock);
		if (batch == NULL && others.head == NULL)
			break; /* stopping, and nothing left */
		split(batch, &recharges, &others);
		if (recharges.head != NULL) {
			committed = account_store_recharge_batch(w->st,
								 recharges.head,
								 time(NULL));
			worker_finish(w, recharges.head, committed);
		}
		/* One other request, then look at the queue again. */
		req = others.head;
		if (req != NULL) {
			others.head = req->next;
			if (others.head == NULL)
				others.tail = NULL;
			req->next = NULL;
			run_one(w->st, req);
			worker_finish(w, req, false);
		}
	}
	return NULL;
}

/*
 * Runs the callbacks of finished requests on the loop thread, then frees
 * them. A callback may submit or cancel other requests.
 */
static void worker_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct account_worker *w = arg;
	struct account_request *list, *req;
	uint64_t count;

	(void)fd;
	(void)what;
	/* First: a fill after this read writes again, so none is missed. */
	while (read(w->wake_fd, &count, sizeof(count)) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&w->lock);
	list = w->done;
	w->done = w->done_tail = NULL;
	pthread_mutex_unlock(&w->lock);
	while ((req = list) != NULL) {
		bool cancelled;

		list = req->next;
		req->next = NULL;
		/* An earlier callback of this list may have cancelled it. */
		pthread_mutex_lock(&w->lock);
		cancelled = req->cancelled;
		pthread_mutex_unlock(&w->lock);
		if (!cancelled && req->done != NULL)
			req->done(req->ctx, req);
		request_free(req);
	}
}

/* Starts the worker thread on an open store, which it now owns. */
struct account_worker *account_worker_new(struct event_base *base,
					  struct account_store *st)
{
	struct account_worker *w = xcalloc(1, sizeof(*w));
	sigset_t all, old;
	int rc;

	w->base = base;
	w->st = st;
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->wake_fd < 0) {
		log_error(0, "cannot create the worker's eventfd: %s",
			  strerror(errno));
		abort(); /* out of file descriptors at startup */
	}
	w->wake = event_new(base, w->wake_fd, EV_READ | EV_PERSIST,
			    worker_deliver, w);
	if (w->wake == NULL || event_add(w->wake, NULL) < 0) {
		log_error(0, "cannot create the worker's event");
		abort(); /* only fails out of memory */
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	/* Signals belong to the loop thread: the worker blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_error(0, "cannot start the account worker: %s",
			  strerror(rc));
		abort(); /* like an allocation failure: nothing to fall back on */
	}
	return w;
}

/*
 * Lets the thread finish every queued request, joins it, runs the
 * callbacks of those not cancelled, and closes the store. NULL does
 * nothing. Call it on the loop thread, never from a done callback.
 */
void account_worker_free(struct account_worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	worker_deliver(-1, 0, w);
	event_free(w->wake);
	close(w->wake_fd);
	account_store_close(w->st);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

/* Queues a copy of req; see account.h. */
struct account_request *account_worker_submit(struct account_worker *w,
					      const struct account_request *req)
{
	struct account_request *copy = xmalloc(sizeof(*copy));

	*copy = *req;
	/* Whatever the caller left there, these are strings. */
	copy->number[sizeof(copy->number) - 1] = '\0';
	copy->secret[sizeof(copy->secret) - 1] = '\0';
	copy->status = ACCOUNT_ERROR;
	copy->lock_seconds = 0;
	copy->balance_fen = 0;
	memset(&copy->info, 0, sizeof(copy->info));
	copy->cancelled = false;
	copy->next = NULL;
	pthread_mutex_lock(&w->lock);
	append(&w->queue, &w->queue_tail, copy);
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return copy;
}

/* Stops a request's callback from running; the handle is invalid after. */
void account_worker_cancel(struct account_worker *w,
			   struct account_request *handle)
{
	if (handle == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	handle->cancelled = true;
	pthread_mutex_unlock(&w->lock);
}

/* Group commits so far; see account_internal.h. */
unsigned long account_worker_commits(struct account_worker *w)
{
	unsigned long n;

	pthread_mutex_lock(&w->lock);
	n = w->commits;
	pthread_mutex_unlock(&w->lock);
	return n;
}
