/*
 * fuzz_session_store: fuzz_session with the query and recharge flows
 * switched on, against a fake account worker that answers from the demo
 * data in memory. The real worker is a thread over SQLite with yescrypt
 * hashes: far too slow and not deterministic for fuzzing.
 *
 * The fake replaces account_worker_submit and account_worker_cancel at
 * link time (this file defines them, so the linker never pulls
 * account_worker.o out of the service library). Like the real worker it
 * answers on a later loop turn, never inside submit, and a cancelled
 * request still completes without calling back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "fuzz_callers.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Requests one loop turn may hold: far more than a session makes. */
#define FAKE_MAX_PENDING 64

struct fake_account {
	const char *number;
	const char *password;
	const char *holder;
	int64_t balance_fen;
	int failures;
	time_t locked_until;
	struct account_recharge recent[ACCOUNT_RECENT];
	size_t nrecent;
};

struct fake_card {
	const char *code;
	int64_t fen;
	bool used;
};

/* Opaque to the session; the fake needs no state in it. */
struct account_worker {
	int unused;
};

static struct account_worker fake_worker;
static struct fake_account accounts[3];
static struct fake_card cards[3];
static struct account_request *pending[FAKE_MAX_PENDING];
static size_t npending;
static unsigned nrequests;
/* 2023-11-14 12:34:56 UTC, and on by a minute every turn. */
static time_t fake_time;

/* The demo data of menus/demo-data.yml, fresh for every input. */
static void fake_reset(void)
{
	static const struct fake_account a[] = {
		{ "13800138000", "123456", "张三", 8850, 0, 0, { { 0 } }, 0 },
		{ "13900139000", "654321", "李四", 500, 0, 0, { { 0 } }, 0 },
		{ "13700137000", "111111", "Wang Wu", 0, 0, 0, { { 0 } }, 0 },
	};
	static const struct fake_card c[] = {
		{ "1111222233334444", 5000, false },
		{ "5555666677778888", 10000, false },
		{ "9999000011112222", 3000, false },
	};

	memcpy(accounts, a, sizeof(accounts));
	memcpy(cards, c, sizeof(cards));
	npending = 0;
	nrequests = 0;
	fake_time = 1699965296;
}

/* The account with that number, or NULL. */
static struct fake_account *fake_find(const char *number)
{
	for (size_t i = 0; i < ARRAY_LEN(accounts); i++)
		if (strcmp(accounts[i].number, number) == 0)
			return &accounts[i];
	return NULL;
}

/* Credits an account and notes the recharge, newest first. */
static void fake_credit(struct fake_account *a, int64_t fen, const char *method,
			struct account_request *req)
{
	a->balance_fen += fen;
	memmove(&a->recent[1], &a->recent[0],
		(ACCOUNT_RECENT - 1) * sizeof(a->recent[0]));
	a->recent[0].when = fake_time;
	a->recent[0].fen = fen;
	snprintf(a->recent[0].method, sizeof(a->recent[0].method), "%s",
		 method);
	if (a->nrecent < ACCOUNT_RECENT)
		a->nrecent++;
	req->balance_fen = a->balance_fen;
}

/* What the store would answer; every eleventh request fails outright. */
static void fake_answer(struct account_request *req)
{
	struct fake_account *a;

	req->status = ACCOUNT_OK;
	if (++nrequests % 11 == 0) {
		req->status = ACCOUNT_ERROR;
		return;
	}
	switch (req->op) {
	case ACCOUNT_OP_EXISTS:
	case ACCOUNT_OP_LOGIN:
	case ACCOUNT_OP_INFO:
	case ACCOUNT_OP_RECHARGE_CARD:
	case ACCOUNT_OP_RECHARGE_AMOUNT:
		break;
	default:
		/*
		 * Requests about no account: an operator's password against
		 * the hash fuzz_callers puts in the session env.
		 */
		req->status = strcmp(req->secret, "teacher") == 0
				      ? ACCOUNT_OK
				      : ACCOUNT_BAD_PASSWORD;
		return;
	}
	if (!account_number_is_valid(req->number)) {
		req->status = ACCOUNT_INVALID;
		return;
	}
	a = fake_find(req->number);
	if (a == NULL) {
		req->status = ACCOUNT_NOT_FOUND;
		return;
	}
	switch (req->op) {
	case ACCOUNT_OP_EXISTS:
		break;
	case ACCOUNT_OP_LOGIN:
		if (a->locked_until > fake_time) {
			req->status = ACCOUNT_LOCKED;
			req->lock_seconds = (unsigned)(a->locked_until -
						       fake_time);
		} else if (!account_password_is_valid(req->secret) ||
			   strcmp(req->secret, a->password) != 0) {
			req->status = ACCOUNT_BAD_PASSWORD;
			if (++a->failures >= ACCOUNT_MAX_FAILURES) {
				a->failures = 0;
				a->locked_until = fake_time +
						  ACCOUNT_LOCK_SECONDS;
			}
		} else {
			a->failures = 0;
		}
		break;
	case ACCOUNT_OP_INFO:
		snprintf(req->info.number, sizeof(req->info.number), "%s",
			 a->number);
		snprintf(req->info.holder, sizeof(req->info.holder), "%s",
			 a->holder);
		snprintf(req->info.plan, sizeof(req->info.plan), "4G 飞享套餐");
		req->info.plan_fen = 3800;
		req->info.balance_fen = a->balance_fen;
		req->info.data_used_mb = 1234;
		req->info.data_total_mb = 30720;
		req->info.minutes_used = 56;
		req->info.minutes_total = 500;
		memcpy(req->info.recent, a->recent, sizeof(a->recent));
		req->info.nrecent = a->nrecent;
		break;
	case ACCOUNT_OP_RECHARGE_CARD:
		req->status = ACCOUNT_CARD_UNKNOWN;
		if (!account_card_is_valid(req->secret))
			break;
		for (size_t i = 0; i < ARRAY_LEN(cards); i++) {
			if (strcmp(cards[i].code, req->secret) != 0)
				continue;
			if (cards[i].used) {
				req->status = ACCOUNT_CARD_USED;
				break;
			}
			cards[i].used = true;
			req->status = ACCOUNT_OK;
			req->fen = cards[i].fen;
			fake_credit(a, cards[i].fen, "card", req);
			break;
		}
		break;
	case ACCOUNT_OP_RECHARGE_AMOUNT:
		if (req->fen % 100 != 0 ||
		    req->fen < ACCOUNT_AMOUNT_MIN * 100 ||
		    req->fen > ACCOUNT_AMOUNT_MAX * 100) {
			req->status = ACCOUNT_INVALID;
			break;
		}
		fake_credit(a, req->fen, "amount", req);
		break;
	default:
		break;
	}
}

/* Queues a copy of req; answered on a later loop turn. */
struct account_request *account_worker_submit(struct account_worker *w,
					      const struct account_request *req)
{
	struct account_request *copy;

	if (w != &fake_worker || npending == FAKE_MAX_PENDING)
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
	if (w != &fake_worker)
		abort();
	if (handle != NULL)
		handle->cancelled = true;
}

/* One turn of the loop: answers what was queued before it. */
static void fake_loop_turn(void)
{
	struct account_request *now[FAKE_MAX_PENDING];
	size_t n = npending;

	/* Answers may submit again: those wait for the next turn. */
	memcpy(now, pending, n * sizeof(now[0]));
	npending = 0;
	fake_time += 60;
	for (size_t i = 0; i < n; i++) {
		struct account_request *req = now[i];

		fake_answer(req);
		if (!req->cancelled)
			req->done(req->ctx, req);
		/* The real worker wipes a request that held a secret. */
		memset(req, 0, sizeof(*req));
		free(req);
	}
}

static const struct fuzz_callers_hooks fake_hooks = {
	.loop_turn = fake_loop_turn,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_callers_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fake_reset();
	fuzz_callers_run(data, size, &fake_worker, &fake_hooks);
	/* Whatever is left (cancelled by session_free) completes now. */
	while (npending > 0)
		fake_loop_turn();
	return 0;
}
