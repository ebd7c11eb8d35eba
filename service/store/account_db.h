/*
 * account_db: the SQLite side of the account store: one connection with
 * its pragmas, the schema and its migrations, the prepared statements,
 * and the transactions that read and write accounts, failure counters,
 * cards and recharges. It decides nothing: which numbers, passwords and
 * amounts are valid, when a lock starts and what a recharge may be are
 * the rules' (account.c), which call it with checked values.
 *
 * Only the account module includes this. A connection is used by one
 * thread at a time. Knows nothing of the demo data (a new database is
 * filled through the populate callback its opener passes), password
 * hashing, sessions or sockets; never logs a password or a full number.
 */
#ifndef HOTLINE_ACCOUNT_DB_H
#define HOTLINE_ACCOUNT_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "account.h"

struct account_db;

/*
 * Fills a new database: called inside the transaction that creates the
 * schema, so a failure leaves nothing behind. Returns 0, or -1 with a
 * message in *err (the caller of account_db_open frees it).
 */
typedef int (*account_db_populate_fn)(sqlite3 *conn, void *ctx, char **err);

/*
 * Opens (creating with mode 0600 if needed) the database at path, or
 * one in memory for ACCOUNT_STORE_MEMORY; a new one is filled by
 * populate(conn, ctx, err) when populate is not NULL. An older schema is
 * migrated, a newer or foreign one refused. Returns NULL with a message
 * naming the file in *err (the caller frees it); a file this call
 * created is removed again then.
 */
struct account_db *account_db_open(const char *path,
				   account_db_populate_fn populate, void *ctx,
				   char **err);
/* Closes the connection. NULL does nothing. */
void account_db_close(struct account_db *db);
/* The path the database was opened with, for log lines. */
const char *account_db_path(const struct account_db *db);

/* Starts a write transaction (BEGIN IMMEDIATE): 0, or -1 after logging. */
int account_db_begin_write(struct account_db *db);
/*
 * Ends a write transaction: commits unless status is ACCOUNT_ERROR, and
 * rolls back if it is or if the commit fails. Returns the final status.
 */
enum account_status account_db_end(struct account_db *db,
				   enum account_status status);

/*
 * Reads what a login needs: the hash (into hashsz bytes), the failure
 * count and the end of a lock. ACCOUNT_OK, ACCOUNT_NOT_FOUND or
 * ACCOUNT_ERROR (also for a stored hash that does not fit).
 */
enum account_status account_db_read_login(struct account_db *db,
					  const char *number, char *hash,
					  size_t hashsz, int64_t *failures,
					  int64_t *locked_until);
/* Writes the failure count and the end of a lock: ACCOUNT_OK or _ERROR. */
enum account_status account_db_set_failures(struct account_db *db,
					    const char *number,
					    int64_t failures,
					    int64_t locked_until);

/* Forgets the failures counted so far: ACCOUNT_OK or ACCOUNT_ERROR. */
enum account_status account_db_clear_failures(struct account_db *db,
					      const char *number);

/*
 * Fills info (already zeroed by the caller) for a number, in one read
 * transaction. ACCOUNT_OK, ACCOUNT_NOT_FOUND or ACCOUNT_ERROR.
 */
enum account_status account_db_info(struct account_db *db, const char *number,
				    struct account_info *info);
/* Whether an account exists: ACCOUNT_OK, ACCOUNT_NOT_FOUND or _ERROR. */
enum account_status account_db_exists(struct account_db *db,
				      const char *number);
/* The distinct plans, cheapest first, at most max; how many, or -1. */
int account_db_plans(struct account_db *db, struct account_plan *plans,
		     size_t max);

/*
 * Runs the recharges of a list (linked through next) whose status is not
 * ACCOUNT_INVALID, in one transaction with one savepoint each and one
 * durable COMMIT; the rules checked them before. Sets each one's status
 * and, on success, balance_fen (and fen, for a card); when the commit
 * fails, every request that had succeeded becomes ACCOUNT_ERROR. Returns
 * whether a transaction was committed.
 */
bool account_db_recharge_batch(struct account_db *db,
			       struct account_request *list, time_t now);

#endif
