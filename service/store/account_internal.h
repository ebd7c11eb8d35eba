/*
 * account_internal: what the files of the account module share and
 * nobody else may call: account.c (the rules), account_db.c (SQLite),
 * account_seed.c (the demo data file), account_open.c (opening, which
 * wires the three) and account_worker.c (the thread). The tests include
 * it for account_worker_commits. Knows nothing of sessions or sockets.
 */
#ifndef HOTLINE_ACCOUNT_INTERNAL_H
#define HOTLINE_ACCOUNT_INTERNAL_H

#include <stdbool.h>
#include <time.h>

#include <sqlite3.h>

#include "account.h"

/*
 * Loads the demo data file at path into db, inside the caller's open
 * transaction and after the schema exists, hashing each password on the
 * way in. Returns 0, or -1 with "path:line:col: message" in *err (the
 * caller frees it).
 */
int account_seed_load(sqlite3 *db, const char *path, char **err);

struct account_db;

/* The rules around an open database, which the store now owns. */
struct account_store *account_store_new(struct account_db *db);

/*
 * Runs the recharge requests of a list (linked through next) in one
 * transaction, each inside its own savepoint so that one failing request
 * does not undo the others, and one durable COMMIT for all. Sets each
 * request's status and, on success, balance_fen; when the commit fails,
 * every request that had succeeded becomes ACCOUNT_ERROR. Returns whether
 * a transaction was committed.
 */
bool account_store_recharge_batch(struct account_store *st,
				  struct account_request *list, time_t now);

/* Group commits the worker has made so far: for tests and statistics. */
unsigned long account_worker_commits(struct account_worker *w);

#endif
