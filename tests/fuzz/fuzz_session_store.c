/*
 * fuzz_session_store: fuzz_session with the query and recharge flows
 * switched on, against a fake account worker that answers from the demo
 * data in memory. The real worker is a thread over SQLite with yescrypt
 * hashes: far too slow and not deterministic for fuzzing.
 *
 * The worker's queue is tests/support/loop_worker.c (linked in place of
 * the real worker): like it, it answers on a later loop turn, never
 * inside submit, and a cancelled request completes without calling back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_callers.h"
#include "loop_worker.h"
#include "mem.h"
#include "store/account.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

static struct fake_account accounts[3];
static struct fake_card cards[3];
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
	loop_worker_reset();
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

/* One turn of the loop: answers what was queued before it. */
static void fake_loop_turn(void)
{
	fake_time += 60;
	loop_worker_turn(fake_answer);
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
	fuzz_callers_run(data, size, loop_worker(), &fake_hooks);
	/* Whatever is left (cancelled by session_free) completes now. */
	while (loop_worker_pending() > 0)
		fake_loop_turn();
	return 0;
}
