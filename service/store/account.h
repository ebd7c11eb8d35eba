/*
 * account: the SQLite store behind a small API: accounts, service
 * passwords (yescrypt hashes), lockouts, balances, usage, and recharges
 * by prepaid card or amount, all money in integer fen. Knows nothing of
 * sessions, menus or sockets.
 *
 * Two layers:
 * - account_store: synchronous calls on one database connection: the
 *   rules (account.c: validation, lockouts, what may be recharged) over
 *   the SQLite store (account_db.c); account_open.c opens it and has the
 *   demo data (account_seed.c) fill a new one. Only the worker thread
 *   (or a test) calls them.
 * - account_worker: one thread owning the store; the event loop submits
 *   requests and gets each result back through a callback run on the
 *   loop, so the loop never waits on the disk or on a hash. Recharges
 *   that arrive together share one durable commit (group commit).
 *
 * The worker wakes the loop through an eventfd, so the event base needs
 * no libevent locking (no evthread_use_pthreads).
 */
#ifndef HOTLINE_ACCOUNT_H
#define HOTLINE_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>

#define ACCOUNT_NUMBER_LEN 11    /* digits in a phone number */
#define ACCOUNT_PASSWORD_LEN 6   /* digits in a service password */
#define ACCOUNT_CARD_LEN 16      /* digits in a prepaid card code */
#define ACCOUNT_MAX_FAILURES 3   /* wrong passwords before the lock */
#define ACCOUNT_LOCK_SECONDS 600 /* how long a lock lasts */
#define ACCOUNT_AMOUNT_MIN 1     /* yuan, for recharge by amount */
#define ACCOUNT_AMOUNT_MAX 500
#define ACCOUNT_RECENT 5    /* recharges listed by a query */
#define ACCOUNT_TEXT_MAX 64 /* bytes of holder and plan names */
#define ACCOUNT_SCHEMA_VERSION 1
#define ACCOUNT_SECRET_MAX 64 /* bytes of an operator password */

enum account_status {
	ACCOUNT_OK,
	ACCOUNT_INVALID,      /* malformed number, password, card or amount */
	ACCOUNT_NOT_FOUND,    /* no such account */
	ACCOUNT_BAD_PASSWORD, /* wrong password; failures counted */
	ACCOUNT_LOCKED,       /* locked; lock_seconds says for how long */
	ACCOUNT_CARD_UNKNOWN, /* no such card */
	ACCOUNT_CARD_USED,    /* the card was spent already */
	ACCOUNT_ERROR,        /* the database failed; nothing changed */
};

struct account_recharge {
	time_t when;
	int64_t fen;
	char method[8]; /* "card" or "amount" */
};

struct account_info {
	char number[ACCOUNT_NUMBER_LEN + 1];
	char holder[ACCOUNT_TEXT_MAX];
	char plan[ACCOUNT_TEXT_MAX];
	int64_t plan_fen; /* monthly price */
	int64_t balance_fen;
	int64_t data_used_mb; /* this month */
	int64_t data_total_mb;
	int64_t minutes_used;
	int64_t minutes_total;
	struct account_recharge recent[ACCOUNT_RECENT]; /* newest first */
	size_t nrecent;
};

/* A plan on offer: its name and monthly price. */
struct account_plan {
	char name[ACCOUNT_TEXT_MAX];
	int64_t fen;
};

/* Validation, shared with the session for early "invalid" answers. */
/* 11 digits, a mobile prefix */
bool account_number_is_valid(const char *number);
bool account_password_is_valid(const char *password);
bool account_card_is_valid(const char *code);
/* "138****8000" for logs and chat nicknames; out holds at least 12 bytes. */
void account_mask_number(const char *number, char *out, size_t outsz);
/* "88.50" from 8850 fen. */
void account_format_fen(int64_t fen, char *out, size_t outsz);

struct account_store;

/*
 * Opens (creating if needed, mode 0600) the database at path; a new one
 * is seeded from the demo data file seed_path, hashing passwords then
 * (NULL: a new database stays empty). A schema from an older version is
 * migrated; a newer one is refused. Returns NULL with a message naming
 * the file (and line:col for a broken seed file) in *err (the caller
 * frees it); a database this call created is removed again then. Call it
 * before the worker starts: a store is used by one thread at a time.
 * ACCOUNT_STORE_MEMORY as path: a database in memory, gone when closed
 * (for tests that need a seeded store and no file).
 */
#define ACCOUNT_STORE_MEMORY ":memory:"
struct account_store *account_store_open(const char *path,
					 const char *seed_path, char **err);
/* The demo data's file name, looked for beside the menus. */
#define ACCOUNT_SEED_FILE "demo-data.yml"
/*
 * Where the demo data for menus_path is: in that directory, or beside
 * that one file. The caller owns the string; the file may not exist.
 */
char *account_seed_path(const char *menus_path);
void account_store_close(struct account_store *st);

/*
 * Checks a service password at time now. ACCOUNT_LOCKED (even for the
 * right password) with *lock_seconds left; the third wrong password in a
 * row locks for ACCOUNT_LOCK_SECONDS. lock_seconds may be NULL.
 */
enum account_status account_store_login(struct account_store *st,
					const char *number,
					const char *password, time_t now,
					unsigned *lock_seconds);
enum account_status account_store_info(struct account_store *st,
				       const char *number,
				       struct account_info *info);
enum account_status account_store_exists(struct account_store *st,
					 const char *number);
/*
 * The distinct plans of the accounts, cheapest first, at most max of them
 * into plans. Returns how many, or -1 if the database failed.
 */
int account_store_plans(struct account_store *st, struct account_plan *plans,
			size_t max);
/*
 * On success *balance_fen is the new balance, durably committed. The
 * amount is in fen and must be whole yuan, ACCOUNT_AMOUNT_MIN to
 * ACCOUNT_AMOUNT_MAX; anything else is ACCOUNT_INVALID.
 */
enum account_status account_store_recharge_card(struct account_store *st,
						const char *number,
						const char *code, time_t now,
						int64_t *balance_fen);
enum account_status account_store_recharge_amount(struct account_store *st,
						  const char *number,
						  int64_t fen, time_t now,
						  int64_t *balance_fen);

/*
 * Whether password matches a crypt hash: ACCOUNT_OK, ACCOUNT_BAD_PASSWORD,
 * or ACCOUNT_ERROR if the hash cannot be used. Slow by design.
 */
enum account_status account_store_check_hash(struct account_store *st,
					     const char *password,
					     const char *hash);
/*
 * Writes a new yescrypt hash of password into out (at least
 * CRYPT_OUTPUT_SIZE bytes, from <crypt.h>). Returns 0, or -1 if crypt
 * could not make one.
 */
int account_hash_password(const char *password, char *out, size_t outsz);

/* --- the worker ------------------------------------------------------- */

enum account_op {
	ACCOUNT_OP_EXISTS,
	ACCOUNT_OP_LOGIN,
	ACCOUNT_OP_INFO,
	ACCOUNT_OP_RECHARGE_CARD,
	ACCOUNT_OP_RECHARGE_AMOUNT,
	ACCOUNT_OP_CHECK_HASH, /* secret against hash (the operator's); no database */
};

struct account_request;
typedef void (*account_done_fn)(void *ctx, const struct account_request *req);

/* A request and, once done, its result; owned by the worker while queued. */
struct account_request {
	enum account_op op;
	char number[ACCOUNT_NUMBER_LEN + 1];
	char secret[ACCOUNT_SECRET_MAX + 1]; /* password or card code */
	const char *hash; /* CHECK_HASH: kept alive by the submitter */
	int64_t fen; /* RECHARGE_AMOUNT; after RECHARGE_CARD, the card's value */
	/* results */
	enum account_status status;
	unsigned lock_seconds;
	int64_t balance_fen;
	struct account_info info;
	/* delivery */
	account_done_fn done;
	void *ctx;
	bool cancelled; /* set by account_worker_cancel: done is not called */
	struct account_request *next;
};

struct account_worker;

/*
 * Starts the worker thread on an open store (it takes ownership); its
 * results are delivered on base, whose loop must run on this thread.
 */
struct account_worker *account_worker_new(struct event_base *base,
					  struct account_store *st);
/*
 * Finishes queued requests, stops the thread, runs the callbacks of the
 * requests not cancelled, closes the store. Call it on the loop thread,
 * not from a done callback, and before freeing the event base.
 */
void account_worker_free(struct account_worker *w);
/*
 * Queues a copy of req (its status, results, cancelled and next are
 * ignored); done(ctx, result) runs later on the event loop, and result is
 * freed when done returns. Returns a handle for account_worker_cancel,
 * valid until done runs or cancel is called, whichever comes first.
 */
struct account_request *account_worker_submit(
	struct account_worker *w, const struct account_request *req);
/*
 * The session went away: its request still completes (a recharge is
 * still committed), but done is not called. The handle is invalid after.
 * NULL does nothing.
 */
void account_worker_cancel(struct account_worker *w,
			   struct account_request *handle);

#endif
