/*
 * account: the rules of the account store behind account.h: what a
 * valid number, password, card code and amount are, how money is shown,
 * when wrong passwords lock a number and for how long, and which
 * recharges may run; service passwords are checked against their
 * yescrypt hashes (passhash). Every read and write is the database's
 * (account_db.c), called with checked values. Money is integer fen
 * everywhere; nothing here uses floating point.
 *
 * Knows nothing of SQLite, the demo data, sessions, menus or sockets;
 * never logs a password or a full number.
 */
#include "account.h"
#include "account_db.h"
#include "account_internal.h"
#include "log/trace.h"
#include "mem.h"
#include "money.h"
#include "passhash.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A database connection, and the work area its logins reuse. */
struct account_store {
	struct account_db *db;
	struct passhash ph;
};

/* clang-format off */
static const char *const mobile_prefixes[10] = {
	['3' - '0'] = "0123456789", /* 13x */
	['4' - '0'] = "56789",      /* 14[5-9] */
	['5' - '0'] = "012356789",  /* 15[0-35-9] */
	['6' - '0'] = "2567",       /* 16[2567] */
	['7' - '0'] = "012345678",  /* 17[0-8] */
	['8' - '0'] = "0123456789", /* 18x */
	['9' - '0'] = "012356789",  /* 19[0-35-9] */
};
/* clang-format on */

/* --- validation and formatting --------------------------------------- */

/* Whether s is exactly len ASCII digits. */
static bool is_digits(const char *s, size_t len)
{
	size_t i;

	if (s == NULL)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return s[i] == '\0';
}

/* Whether number is 11 digits starting with a Chinese mobile prefix. */
bool account_number_is_valid(const char *number)
{
	const char *thirds;

	if (!is_digits(number, ACCOUNT_NUMBER_LEN) || number[0] != '1')
		return false;
	thirds = mobile_prefixes[number[1] - '0'];
	return thirds != NULL && strchr(thirds, number[2]) != NULL;
}

/* Whether password is a 6-digit service password. */
bool account_password_is_valid(const char *password)
{
	return is_digits(password, ACCOUNT_PASSWORD_LEN);
}

/* Whether code is a 16-digit prepaid card code. */
bool account_card_is_valid(const char *code)
{
	return is_digits(code, ACCOUNT_CARD_LEN);
}

/* Whether fen is a whole number of yuan a caller may recharge. */
static bool amount_is_valid(int64_t fen)
{
	return fen % MONEY_FEN_PER_YUAN == 0 &&
	       fen >= (int64_t)ACCOUNT_AMOUNT_MIN * MONEY_FEN_PER_YUAN &&
	       fen <= (int64_t)ACCOUNT_AMOUNT_MAX * MONEY_FEN_PER_YUAN;
}

/* "138****8000": the first three and last four digits; "****" otherwise. */
void account_mask_number(const char *number, char *out, size_t outsz)
{
	if (outsz == 0)
		return;
	if (number == NULL || strlen(number) != ACCOUNT_NUMBER_LEN)
		snprintf(out, outsz, "****");
	else
		snprintf(out, outsz, "%.3s****%s", number,
			 number + ACCOUNT_NUMBER_LEN - 4);
}

/* "88.50" from 8850 fen, "-1.05" from -105: integer arithmetic only. */
void account_format_fen(int64_t fen, char *out, size_t outsz)
{
	/* The magnitude as unsigned, so INT64_MIN does not overflow. */
	uint64_t mag = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;

	if (outsz == 0)
		return;
	snprintf(out, outsz, "%s%" PRIu64 ".%02u", fen < 0 ? "-" : "",
		 mag / MONEY_FEN_PER_YUAN,
		 (unsigned)(mag % MONEY_FEN_PER_YUAN));
}

/* --- the store ---------------------------------------------------------- */

/* Wraps an open database; see account_internal.h. */
struct account_store *account_store_new(struct account_db *db)
{
	struct account_store *st = xcalloc(1, sizeof(*st));

	st->db = db;
	passhash_init(&st->ph);
	return st;
}

/* Closes the database and wipes the hashing work area. NULL does nothing. */
void account_store_close(struct account_store *st)
{
	if (st == NULL)
		return;
	account_db_close(st->db);
	passhash_fini(&st->ph);
	free(st);
}

/* --- logins ----------------------------------------------------------- */

/* Seconds a lock has left, as told to the caller: at most a whole lock. */
static unsigned lock_left(int64_t locked_until, time_t now)
{
	int64_t left = locked_until - (int64_t)now;

	/* A clock set back must not announce a lock of days. */
	return left > ACCOUNT_LOCK_SECONDS ? ACCOUNT_LOCK_SECONDS
					   : (unsigned)left;
}

/*
 * Whether password hashes to hash: 1, 0, or -1 if crypt failed. Slow by
 * design (yescrypt); runs outside any transaction.
 */
static int password_matches(struct account_store *st, const char *password,
			    const char *hash)
{
	int ret = passhash_verify(&st->ph, password, hash);

	/* A stored hash crypt cannot parse: log it, never the input. */
	if (ret < 0)
		log_error(0, "%s: crypt failed: %s", account_db_path(st->db),
			  strerror(errno));
	return ret;
}

/* Whether password matches an operator's hash; no database involved. */
enum account_status account_store_check_hash(struct account_store *st,
					     const char *password,
					     const char *hash)
{
	int ok = password_matches(st, password, hash);

	if (ok < 0)
		return ACCOUNT_ERROR;
	return ok ? ACCOUNT_OK : ACCOUNT_BAD_PASSWORD;
}

/* Hashes a password with yescrypt and a fresh salt. */
int account_hash_password(const char *password, char *out, size_t outsz)
{
	struct passhash ph;
	int ret;

	passhash_init(&ph);
	ret = passhash_make(&ph, password, out, outsz);
	passhash_fini(&ph);
	return ret;
}

/*
 * Counts a wrong password in its own short transaction: the third in a
 * row locks the number for ACCOUNT_LOCK_SECONDS and starts the count
 * again. ACCOUNT_BAD_PASSWORD, ACCOUNT_LOCKED or ACCOUNT_ERROR.
 */
static enum account_status count_failure(struct account_store *st,
					 const char *number, time_t now,
					 unsigned *lock_seconds)
{
	enum account_status status;
	char hash[PASSHASH_MAX];
	int64_t failures, locked_until;
	bool locks;

	if (account_db_begin_write(st->db) < 0)
		return ACCOUNT_ERROR;
	/* Read again: another connection may have counted meanwhile. */
	status = account_db_read_login(st->db, number, hash, sizeof(hash),
				       &failures, &locked_until);
	if (status != ACCOUNT_OK)
		goto out;
	if (locked_until > now) {
		*lock_seconds = lock_left(locked_until, now);
		status = ACCOUNT_LOCKED;
		goto out;
	}
	locks = failures + 1 >= ACCOUNT_MAX_FAILURES;
	if (locks) {
		/* The lock starts the count again. */
		failures = 0;
		locked_until = (int64_t)now + ACCOUNT_LOCK_SECONDS;
	} else {
		failures++;
	}
	status = account_db_set_failures(st->db, number, failures,
					 locked_until);
	if (status != ACCOUNT_OK)
		goto out;
	if (locks) {
		*lock_seconds = ACCOUNT_LOCK_SECONDS;
		status = ACCOUNT_LOCKED;
	} else {
		status = ACCOUNT_BAD_PASSWORD;
	}
out:
	return account_db_end(st->db, status);
}

/*
 * Checks a service password. A locked number stays locked even with the
 * right password; *lock_seconds (may be NULL) says for how long.
 */
enum account_status account_store_login(struct account_store *st,
					const char *number,
					const char *password, time_t now,
					unsigned *lock_seconds)
{
	char hash[PASSHASH_MAX];
	int64_t failures, locked_until;
	enum account_status status;
	unsigned ignored;
	int match;

	if (lock_seconds == NULL)
		lock_seconds = &ignored;
	*lock_seconds = 0;
	if (!account_number_is_valid(number) ||
	    !account_password_is_valid(password))
		return ACCOUNT_INVALID;
	status = account_db_read_login(st->db, number, hash, sizeof(hash),
				       &failures, &locked_until);
	if (status != ACCOUNT_OK)
		return status;
	if (locked_until > now) {
		*lock_seconds = lock_left(locked_until, now);
		return ACCOUNT_LOCKED;
	}
	match = password_matches(st, password, hash);
	if (match < 0)
		return ACCOUNT_ERROR;
	if (!match)
		return count_failure(st, number, now, lock_seconds);
	return failures != 0 ? account_db_clear_failures(st->db, number)
			     : ACCOUNT_OK;
}

/* --- queries ---------------------------------------------------------- */

/* Fills info for a number; see account.h. */
enum account_status account_store_info(struct account_store *st,
				       const char *number,
				       struct account_info *info)
{
	memset(info, 0, sizeof(*info));
	if (!account_number_is_valid(number))
		return ACCOUNT_INVALID;
	return account_db_info(st->db, number, info);
}

/* Whether an account exists: ACCOUNT_OK or ACCOUNT_NOT_FOUND. */
enum account_status account_store_exists(struct account_store *st,
					 const char *number)
{
	if (!account_number_is_valid(number))
		return ACCOUNT_INVALID;
	return account_db_exists(st->db, number);
}

/* The plans the accounts are on, cheapest first. */
int account_store_plans(struct account_store *st, struct account_plan *plans,
			size_t max)
{
	return account_db_plans(st->db, plans, max);
}

/* --- recharges -------------------------------------------------------- */

/* Whether a recharge request is well formed, before any database work. */
static bool recharge_is_valid(const struct account_request *req)
{
	if (!account_number_is_valid(req->number))
		return false;
	if (req->op == ACCOUNT_OP_RECHARGE_CARD)
		return account_card_is_valid(req->secret);
	if (req->op == ACCOUNT_OP_RECHARGE_AMOUNT)
		return amount_is_valid(req->fen);
	return false;
}

/* Checks a list of recharges, then runs it; see account_internal.h. */
bool account_store_recharge_batch(struct account_store *st,
				  struct account_request *list, time_t now)
{
	for (struct account_request *req = list; req != NULL; req = req->next)
		req->status = recharge_is_valid(req) ? ACCOUNT_ERROR
						     : ACCOUNT_INVALID;
	return account_db_recharge_batch(st->db, list, now);
}

/* Spends a prepaid card on an account, durably; see account.h. */
enum account_status account_store_recharge_card(struct account_store *st,
						const char *number,
						const char *code, time_t now,
						int64_t *balance_fen)
{
	struct account_request req = { .op = ACCOUNT_OP_RECHARGE_CARD };

	if (!account_number_is_valid(number) || !account_card_is_valid(code))
		return ACCOUNT_INVALID;
	memcpy(req.number, number, sizeof(req.number));
	memcpy(req.secret, code, sizeof(req.secret));
	account_store_recharge_batch(st, &req, now);
	if (req.status == ACCOUNT_OK)
		*balance_fen = req.balance_fen;
	return req.status;
}

/* Adds a whole number of yuan (1 to 500, in fen) to an account, durably. */
enum account_status account_store_recharge_amount(struct account_store *st,
						  const char *number,
						  int64_t fen, time_t now,
						  int64_t *balance_fen)
{
	struct account_request req = {
		.op = ACCOUNT_OP_RECHARGE_AMOUNT,
		.fen = fen,
	};

	if (!account_number_is_valid(number) || !amount_is_valid(fen))
		return ACCOUNT_INVALID;
	memcpy(req.number, number, sizeof(req.number));
	account_store_recharge_batch(st, &req, now);
	if (req.status == ACCOUNT_OK)
		*balance_fen = req.balance_fen;
	return req.status;
}
