/*
 * account_db: the SQLite side of the account store; see account_db.h.
 * Opening (and on first start creating and migrating) the database,
 * statements kept prepared, and the reads and writes of logins, queries
 * and recharges, a card spent at most once. Money is integer fen in
 * INTEGER columns; nothing here uses floating point.
 *
 * A connection is used by one thread at a time (the worker's, or a
 * test's). Several connections, in this process or others, may share a
 * file: every write is a BEGIN IMMEDIATE transaction and a card is spent
 * by a conditional UPDATE, so a race is won once. Checks nothing a
 * caller typed (the rules in account.c do); knows nothing of the demo
 * data, hashing, sessions or sockets.
 */
#include "account_db.h"
#include "log/trace.h"
#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * How long a statement waits for another connection's write lock before
 * failing: a group commit holds it for milliseconds, a seeding (three
 * hashes) for a fraction of a second.
 */
#define ACCOUNT_BUSY_TIMEOUT_MS 5000
/* Prepared statements the store keeps (it uses about twenty). */
#define STORE_CACHE_MAX 32

/*
 * The schema, one step per version: migrations[v] takes a database from
 * version v to v + 1, so migrations[0] creates it. A later version appends
 * a step (ALTER TABLE ..., data fixes) and bumps ACCOUNT_SCHEMA_VERSION;
 * an old file then runs the missing steps in the opening transaction.
 * Money columns must hold integers: an overflowing sum would turn into a
 * REAL, and the CHECK refuses it.
 */
static const char *const migrations[] = {
	/* 0 -> 1: the first schema. */
	"CREATE TABLE accounts (\n"
	"  number TEXT PRIMARY KEY NOT NULL,\n"
	"  holder TEXT NOT NULL,\n"
	"  plan_name TEXT NOT NULL,\n"
	"  plan_fen INTEGER NOT NULL\n"
	"    CHECK (typeof(plan_fen) = 'integer' AND plan_fen >= 0),\n"
	"  balance_fen INTEGER NOT NULL\n"
	"    CHECK (typeof(balance_fen) = 'integer'),\n"
	"  data_used_mb INTEGER NOT NULL DEFAULT 0 CHECK (data_used_mb >= 0),\n"
	"  data_total_mb INTEGER NOT NULL DEFAULT 0 CHECK (data_total_mb >= 0),\n"
	"  minutes_used INTEGER NOT NULL DEFAULT 0 CHECK (minutes_used >= 0),\n"
	"  minutes_total INTEGER NOT NULL DEFAULT 0 CHECK (minutes_total >= 0),\n"
	"  password_hash TEXT NOT NULL,\n"
	"  failures INTEGER NOT NULL DEFAULT 0,\n"
	"  locked_until INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE TABLE cards (\n"
	"  code TEXT PRIMARY KEY NOT NULL,\n"
	"  fen INTEGER NOT NULL CHECK (typeof(fen) = 'integer' AND fen > 0),\n"
	"  used_by TEXT REFERENCES accounts(number),\n"
	"  used_at INTEGER,\n"
	"  CHECK ((used_by IS NULL) = (used_at IS NULL))\n"
	");\n"
	"CREATE TABLE recharges (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  number TEXT NOT NULL REFERENCES accounts(number),\n"
	"  fen INTEGER NOT NULL CHECK (typeof(fen) = 'integer' AND fen > 0),\n"
	"  method TEXT NOT NULL CHECK (method IN ('card', 'amount')),\n"
	"  card_code TEXT REFERENCES cards(code),\n"
	"  at INTEGER NOT NULL,\n"
	"  CHECK (method = 'card' OR card_code IS NULL)\n"
	");\n"
	"CREATE INDEX recharges_by_number ON recharges(number, at, id);\n",
};
_Static_assert(ARRAY_LEN(migrations) == ACCOUNT_SCHEMA_VERSION,
	       "one migration step per schema version");

/* One database connection and the statements it keeps prepared. */
struct account_db {
	sqlite3 *conn;
	char *path;
	/* Statements prepared once and reset after each use (store_release). */
	struct {
		char *sql;
		sqlite3_stmt *stmt;
		bool busy; /* handed out and not yet released */
	} cache[STORE_CACHE_MAX];
	size_t ncache;
};

/* Copies a column's text into out, cut at a character boundary to fit. */
static void copy_text(char *out, size_t outsz, const unsigned char *text,
		      int bytes)
{
	size_t len = text != NULL && bytes > 0 ? (size_t)bytes : 0;

	if (len >= outsz) {
		len = outsz - 1;
		/* Back up over continuation bytes to the start of a character. */
		while (len > 0 && (text[len] & 0xc0) == 0x80)
			len--;
	}
	if (len > 0)
		memcpy(out, text, len);
	out[len] = '\0';
}

/* --- statements ------------------------------------------------------- */

/* Logs the connection's last error: what failed and SQLite's message. */
static void store_log_error(struct account_db *db, const char *what)
{
	log_error(0, "%s: %s: %s", db->path, what, sqlite3_errmsg(db->conn));
}

/* Prepares one statement; NULL after logging. The caller finalizes it. */
static sqlite3_stmt *store_prepare(struct account_db *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	size_t i;

	/* Parsing and planning cost more than running these small statements. */
	for (i = 0; i < db->ncache; i++) {
		if (strcmp(db->cache[i].sql, sql) != 0)
			continue;
		if (db->cache[i].busy)
			break; /* in use further up the stack: a fresh one */
		db->cache[i].busy = true;
		return db->cache[i].stmt;
	}
	if (sqlite3_prepare_v3(db->conn, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &stmt, NULL) != SQLITE_OK) {
		store_log_error(db, sql);
		sqlite3_finalize(stmt);
		return NULL;
	}
	if (i == db->ncache && db->ncache < STORE_CACHE_MAX) {
		db->cache[i].sql = xstrdup(sql);
		db->cache[i].stmt = stmt;
		db->cache[i].busy = true;
		db->ncache++;
	}
	return stmt;
}

/* Gives back a statement from store_prepare: reset if cached, else finalized. */
static void store_release(struct account_db *db, sqlite3_stmt *stmt)
{
	if (stmt == NULL)
		return;
	for (size_t i = 0; i < db->ncache; i++) {
		if (db->cache[i].stmt == stmt) {
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			db->cache[i].busy = false;
			return;
		}
	}
	sqlite3_finalize(stmt);
}

/* Steps a statement: SQLITE_ROW, SQLITE_DONE, or -1 after logging. */
static int store_step(struct account_db *db, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	store_log_error(db, sqlite3_sql(stmt));
	return -1;
}

/*
 * Runs one statement that returns no rows (BEGIN, SAVEPOINT, COMMIT...)
 * from the cache: a recharge batch runs several per request, and parsing
 * them each time cost more than running them. 0, or -1 after logging.
 */
static int store_exec(struct account_db *db, const char *sql)
{
	sqlite3_stmt *stmt = store_prepare(db, sql);
	int rc = stmt != NULL ? store_step(db, stmt) : -1;

	store_release(db, stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Rolls back the open transaction, if SQLite has not already. */
static void store_rollback(struct account_db *db)
{
	if (!sqlite3_get_autocommit(db->conn))
		store_exec(db, "ROLLBACK");
}

/*
 * Ends a write transaction: commits unless status is ACCOUNT_ERROR, and
 * rolls back if it is or if the commit fails. Returns the final status.
 */
enum account_status account_db_end(struct account_db *db,
				   enum account_status status)
{
	if (status != ACCOUNT_ERROR && store_exec(db, "COMMIT") == 0)
		return status;
	store_rollback(db);
	return ACCOUNT_ERROR;
}

/* --- opening ---------------------------------------------------------- */

/* Reads a one-integer PRAGMA; 0, or -1 after logging. */
static int store_pragma_int(struct account_db *db, const char *sql,
			    int64_t *value)
{
	sqlite3_stmt *stmt = store_prepare(db, sql);
	int ret = -1;

	if (stmt == NULL)
		goto out;
	if (store_step(db, stmt) != SQLITE_ROW)
		goto out;
	*value = sqlite3_column_int64(stmt, 0);
	ret = 0;
out:
	store_release(db, stmt);
	return ret;
}

/* Sets the connection's pragmas; NULL or a message the caller frees. */
static char *store_configure(struct account_db *db)
{
	/* clang-format off */
	static const char *const pragmas[] = {
		/* Durable once COMMIT returns, even on power loss. */
		"PRAGMA synchronous = FULL",
		"PRAGMA foreign_keys = ON",
	};
	/* clang-format on */
	sqlite3_stmt *stmt = NULL;
	char *err = NULL;
	const char *mode;
	/* A database in memory has no journal file to keep. */
	const char *want = strcmp(db->path, ACCOUNT_STORE_MEMORY) == 0
				   ? "memory"
				   : "wal";

	sqlite3_extended_result_codes(db->conn, 1);
	sqlite3_busy_timeout(db->conn, ACCOUNT_BUSY_TIMEOUT_MS);
	/* The first statement to read the file: a non-database fails here. */
	if (sqlite3_prepare_v2(db->conn, "PRAGMA journal_mode = WAL", -1, &stmt,
			       NULL) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW) {
		err = xasprintf("%s: cannot use as a database: %s", db->path,
				sqlite3_errmsg(db->conn));
		goto out;
	}
	mode = (const char *)sqlite3_column_text(stmt, 0);
	if (mode == NULL || strcmp(mode, want) != 0) {
		err = xasprintf("%s: cannot switch to WAL journal mode (got %s)",
				db->path, mode != NULL ? mode : "nothing");
		goto out;
	}
	for (size_t i = 0; i < ARRAY_LEN(pragmas); i++)
		if (sqlite3_exec(db->conn, pragmas[i], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			err = xasprintf("%s: %s: %s", db->path, pragmas[i],
					sqlite3_errmsg(db->conn));
			goto out;
		}
out:
	sqlite3_finalize(stmt);
	return err;
}

/*
 * Brings the schema to ACCOUNT_SCHEMA_VERSION in one transaction: creates
 * a new database and has populate fill it, migrates an old one, refuses a
 * newer one or a foreign one. NULL, or a message the caller frees.
 */
static char *store_prepare_schema(struct account_db *db,
				  account_db_populate_fn populate, void *ctx)
{
	int64_t version, tables;
	char *err = NULL;

	if (sqlite3_exec(db->conn, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		err = xasprintf("%s: cannot start a transaction: %s", db->path,
				sqlite3_errmsg(db->conn));
		goto out;
	}
	if (store_pragma_int(db, "PRAGMA user_version", &version) < 0 ||
	    store_pragma_int(db, "SELECT count(*) FROM sqlite_master",
			     &tables) < 0) {
		err = xasprintf("%s: cannot read the schema: %s", db->path,
				sqlite3_errmsg(db->conn));
		goto out;
	}
	if (version > ACCOUNT_SCHEMA_VERSION) {
		err = xasprintf("%s: database schema version %" PRId64
				" is newer than this hotlined knows (%d); "
				"use a newer hotlined or another --db",
				db->path, version, ACCOUNT_SCHEMA_VERSION);
		goto out;
	}
	if (version < 0 || (version == 0 && tables > 0)) {
		err = xasprintf("%s: not a hotline database (it has tables but "
				"schema version %" PRId64 ")",
				db->path, version);
		goto out;
	}
	for (int64_t v = version; v < ACCOUNT_SCHEMA_VERSION; v++)
		if (sqlite3_exec(db->conn, migrations[v], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			err = xasprintf("%s: cannot migrate the schema from "
					"version %" PRId64 ": %s",
					db->path, v, sqlite3_errmsg(db->conn));
			goto out;
		}
	if (version == 0 && populate != NULL &&
	    populate(db->conn, ctx, &err) < 0)
		goto out;
	if (version != ACCOUNT_SCHEMA_VERSION) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
			 ACCOUNT_SCHEMA_VERSION);
		if (sqlite3_exec(db->conn, sql, NULL, NULL, NULL) !=
		    SQLITE_OK) {
			err = xasprintf("%s: cannot set the schema version: %s",
					db->path, sqlite3_errmsg(db->conn));
			goto out;
		}
	}
	if (sqlite3_exec(db->conn, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		err = xasprintf("%s: cannot commit the schema: %s", db->path,
				sqlite3_errmsg(db->conn));
out:
	if (err != NULL)
		store_rollback(db);
	return err;
}

/*
 * Creates the file at path with mode 0600 if it does not exist, so that
 * SQLite never creates it under the process umask: the database holds
 * password hashes. SQLite gives the -wal and -shm files it makes later
 * the permissions of the database file, so they are 0600 too, without
 * touching the process-wide umask (which would race with other threads).
 * Sets *created when this call made the file. NULL, or a message.
 */
static char *create_private_file(const char *path, bool *created)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		      S_IRUSR | S_IWUSR);

	*created = false;
	if (fd >= 0) {
		*created = true;
		close(fd);
		return NULL;
	}
	if (errno == EEXIST)
		return NULL;
	return xasprintf("%s: cannot create: %s", path, strerror(errno));
}

/* Opens, creating and populating on first use; see account_db.h. */
struct account_db *account_db_open(const char *path,
				   account_db_populate_fn populate, void *ctx,
				   char **err)
{
	struct account_db *db = xcalloc(1, sizeof(*db));
	bool created = false;
	int rc;

	*err = NULL;
	db->path = xstrdup(path);
	if (strcmp(path, ACCOUNT_STORE_MEMORY) != 0)
		*err = create_private_file(path, &created);
	if (*err != NULL)
		goto out;
	rc = sqlite3_open_v2(path, &db->conn, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		*err = xasprintf("%s: cannot open: %s", path,
				 db->conn != NULL ? sqlite3_errmsg(db->conn)
						  : sqlite3_errstr(rc));
		goto out;
	}
	*err = store_configure(db);
	if (*err == NULL)
		*err = store_prepare_schema(db, populate, ctx);
out:
	if (*err == NULL)
		return db;
	account_db_close(db);
	if (created) {
		/* Leave nothing behind, so the next start populates afresh. */
		char *side = xasprintf("%s-wal", path);

		unlink(side);
		free(side);
		side = xasprintf("%s-shm", path);
		unlink(side);
		free(side);
		unlink(path);
	}
	return NULL;
}

/* Closes the connection. NULL does nothing. */
void account_db_close(struct account_db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->ncache; i++) {
		sqlite3_finalize(db->cache[i].stmt);
		free(db->cache[i].sql);
	}
	if (db->conn != NULL && sqlite3_close(db->conn) != SQLITE_OK)
		store_log_error(db, "close");
	free(db->path);
	free(db);
}

/* The path given to account_db_open. */
const char *account_db_path(const struct account_db *db)
{
	return db->path;
}

/* --- logins ----------------------------------------------------------- */

/* Starts a write transaction; see account_db.h. */
int account_db_begin_write(struct account_db *db)
{
	return store_exec(db, "BEGIN IMMEDIATE");
}

/*
 * Reads what a login needs. ACCOUNT_OK, ACCOUNT_NOT_FOUND or
 * ACCOUNT_ERROR (also for a stored hash that does not fit hash).
 */
enum account_status account_db_read_login(struct account_db *db,
					  const char *number, char *hash,
					  size_t hashsz, int64_t *failures,
					  int64_t *locked_until)
{
	enum account_status status = ACCOUNT_ERROR;
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_prepare(db, "SELECT password_hash, failures, locked_until "
				 "FROM accounts WHERE number = ?");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, number, -1, SQLITE_STATIC);
	rc = store_step(db, stmt);
	if (rc == SQLITE_DONE)
		status = ACCOUNT_NOT_FOUND;
	if (rc != SQLITE_ROW)
		goto out;
	if ((size_t)sqlite3_column_bytes(stmt, 0) >= hashsz) {
		log_error(0, "%s: a password hash is too long", db->path);
		goto out;
	}
	copy_text(hash, hashsz, sqlite3_column_text(stmt, 0),
		  sqlite3_column_bytes(stmt, 0));
	*failures = sqlite3_column_int64(stmt, 1);
	*locked_until = sqlite3_column_int64(stmt, 2);
	status = ACCOUNT_OK;
out:
	store_release(db, stmt);
	return status;
}

/* Writes a number's failure count and lock end; see account_db.h. */
enum account_status account_db_set_failures(struct account_db *db,
					    const char *number,
					    int64_t failures,
					    int64_t locked_until)
{
	enum account_status status = ACCOUNT_ERROR;
	sqlite3_stmt *stmt;

	stmt = store_prepare(db, "UPDATE accounts SET failures = ?, "
				 "locked_until = ? WHERE number = ?");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_int64(stmt, 1, failures);
	sqlite3_bind_int64(stmt, 2, locked_until);
	sqlite3_bind_text(stmt, 3, number, -1, SQLITE_STATIC);
	if (store_step(db, stmt) == SQLITE_DONE)
		status = ACCOUNT_OK;
out:
	store_release(db, stmt);
	return status;
}

/* Forgets earlier wrong passwords after a right one. */
enum account_status account_db_clear_failures(struct account_db *db,
					      const char *number)
{
	enum account_status status = ACCOUNT_ERROR;
	sqlite3_stmt *stmt;

	stmt = store_prepare(db, "UPDATE accounts SET failures = 0 "
				 "WHERE number = ?");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, number, -1, SQLITE_STATIC);
	if (store_step(db, stmt) == SQLITE_DONE)
		status = ACCOUNT_OK;
out:
	store_release(db, stmt);
	return status;
}

/* --- queries ---------------------------------------------------------- */

/* Reads the account row into info. */
static enum account_status read_account(struct account_db *db,
					const char *number,
					struct account_info *info)
{
	enum account_status status = ACCOUNT_ERROR;
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_prepare(db, "SELECT holder, plan_name, plan_fen, "
				 "balance_fen, data_used_mb, data_total_mb, "
				 "minutes_used, minutes_total "
				 "FROM accounts WHERE number = ?");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, number, -1, SQLITE_STATIC);
	rc = store_step(db, stmt);
	if (rc == SQLITE_DONE)
		status = ACCOUNT_NOT_FOUND;
	if (rc != SQLITE_ROW)
		goto out;
	snprintf(info->number, sizeof(info->number), "%s", number);
	copy_text(info->holder, sizeof(info->holder),
		  sqlite3_column_text(stmt, 0), sqlite3_column_bytes(stmt, 0));
	copy_text(info->plan, sizeof(info->plan), sqlite3_column_text(stmt, 1),
		  sqlite3_column_bytes(stmt, 1));
	info->plan_fen = sqlite3_column_int64(stmt, 2);
	info->balance_fen = sqlite3_column_int64(stmt, 3);
	info->data_used_mb = sqlite3_column_int64(stmt, 4);
	info->data_total_mb = sqlite3_column_int64(stmt, 5);
	info->minutes_used = sqlite3_column_int64(stmt, 6);
	info->minutes_total = sqlite3_column_int64(stmt, 7);
	status = ACCOUNT_OK;
out:
	store_release(db, stmt);
	return status;
}

/* Reads the last ACCOUNT_RECENT recharges, newest first, into info. */
static enum account_status read_recent(struct account_db *db,
				       const char *number,
				       struct account_info *info)
{
	enum account_status status = ACCOUNT_ERROR;
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_prepare(db, "SELECT at, fen, method FROM recharges "
				 "WHERE number = ? ORDER BY at DESC, id DESC "
				 "LIMIT ?");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, ACCOUNT_RECENT);
	info->nrecent = 0;
	while ((rc = store_step(db, stmt)) == SQLITE_ROW) {
		struct account_recharge *r;

		if (info->nrecent == ACCOUNT_RECENT) {
			rc = SQLITE_DONE; /* LIMIT says this cannot happen */
			break;
		}
		r = &info->recent[info->nrecent++];

		r->when = (time_t)sqlite3_column_int64(stmt, 0);
		r->fen = sqlite3_column_int64(stmt, 1);
		copy_text(r->method, sizeof(r->method),
			  sqlite3_column_text(stmt, 2),
			  sqlite3_column_bytes(stmt, 2));
	}
	if (rc == SQLITE_DONE)
		status = ACCOUNT_OK;
out:
	store_release(db, stmt);
	return status;
}

/* Fills info for a number, in one read transaction so both reads agree. */
enum account_status account_db_info(struct account_db *db, const char *number,
				    struct account_info *info)
{
	enum account_status status;

	if (store_exec(db, "BEGIN") < 0)
		return ACCOUNT_ERROR;
	status = read_account(db, number, info);
	if (status == ACCOUNT_OK)
		status = read_recent(db, number, info);
	/* Nothing was written: ending the read cannot lose anything. */
	store_rollback(db);
	return status;
}

/* Whether an account exists: ACCOUNT_OK or ACCOUNT_NOT_FOUND. */
enum account_status account_db_exists(struct account_db *db, const char *number)
{
	enum account_status status = ACCOUNT_ERROR;
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_prepare(db, "SELECT 1 FROM accounts WHERE number = ?");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, number, -1, SQLITE_STATIC);
	rc = store_step(db, stmt);
	if (rc == SQLITE_ROW)
		status = ACCOUNT_OK;
	else if (rc == SQLITE_DONE)
		status = ACCOUNT_NOT_FOUND;
out:
	store_release(db, stmt);
	return status;
}

/* The plans the accounts are on, cheapest first. */
int account_db_plans(struct account_db *db, struct account_plan *plans,
		     size_t max)
{
	sqlite3_stmt *stmt;
	int n = 0, rc = SQLITE_DONE;

	stmt = store_prepare(db, "SELECT DISTINCT plan_name, plan_fen "
				 "FROM accounts ORDER BY plan_fen, plan_name");
	if (stmt == NULL)
		return -1;
	while ((size_t)n < max && (rc = store_step(db, stmt)) == SQLITE_ROW) {
		copy_text(plans[n].name, sizeof(plans[n].name),
			  sqlite3_column_text(stmt, 0),
			  sqlite3_column_bytes(stmt, 0));
		plans[n].fen = sqlite3_column_int64(stmt, 1);
		n++;
	}
	if ((size_t)n < max && rc < 0)
		n = -1;
	store_release(db, stmt);
	return n;
}

/* --- recharges -------------------------------------------------------- */

/* Runs one statement that must change exactly one row: 1, 0, or -1. */
static int step_one_change(struct account_db *db, sqlite3_stmt *stmt)
{
	if (store_step(db, stmt) != SQLITE_DONE)
		return -1;
	return sqlite3_changes(db->conn) == 1;
}

/*
 * Adds fen to an account and writes the ledger row, inside the caller's
 * transaction; sets *balance_fen to the new balance. card is NULL for a
 * recharge by amount.
 */
static enum account_status credit(struct account_db *db, const char *number,
				  int64_t fen, const char *card, time_t now,
				  int64_t *balance_fen)
{
	enum account_status status = ACCOUNT_ERROR;
	sqlite3_stmt *stmt;
	int rc;

	/* RETURNING saves a SELECT per recharge, on the worker's hot path. */
	stmt = store_prepare(db, "UPDATE accounts SET balance_fen = "
				 "balance_fen + ? WHERE number = ? "
				 "RETURNING balance_fen");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_int64(stmt, 1, fen);
	sqlite3_bind_text(stmt, 2, number, -1, SQLITE_STATIC);
	rc = store_step(db, stmt);
	if (rc != SQLITE_ROW) {
		status = rc == SQLITE_DONE ? ACCOUNT_NOT_FOUND : ACCOUNT_ERROR;
		goto out;
	}
	*balance_fen = sqlite3_column_int64(stmt, 0);
	/* The number is the primary key: one row, and the update is done. */
	if (store_step(db, stmt) != SQLITE_DONE)
		goto out;
	store_release(db, stmt);
	stmt = store_prepare(db, "INSERT INTO recharges "
				 "(number, fen, method, card_code, at) "
				 "VALUES (?, ?, ?, ?, ?)");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, fen);
	sqlite3_bind_text(stmt, 3, card != NULL ? "card" : "amount", -1,
			  SQLITE_STATIC);
	if (card != NULL)
		sqlite3_bind_text(stmt, 4, card, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 4);
	sqlite3_bind_int64(stmt, 5, (int64_t)now);
	if (store_step(db, stmt) == SQLITE_DONE)
		status = ACCOUNT_OK;
out:
	store_release(db, stmt);
	return status;
}

/*
 * Spends a card on an account inside the caller's transaction. The
 * UPDATE only matches an unused card, so of two connections racing for
 * it only one changes a row; the other is told the card is used.
 */
static enum account_status spend_card(struct account_db *db, const char *number,
				      const char *code, time_t now,
				      int64_t *card_fen, int64_t *balance_fen)
{
	enum account_status status = ACCOUNT_ERROR;
	sqlite3_stmt *stmt;
	int64_t fen;
	int rc, changed;

	/* The account first: the card's used_by must name a real one. */
	status = account_db_exists(db, number);
	if (status != ACCOUNT_OK)
		return status;
	status = ACCOUNT_ERROR;
	stmt = store_prepare(db, "SELECT fen, used_by IS NOT NULL FROM cards "
				 "WHERE code = ?");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, code, -1, SQLITE_STATIC);
	rc = store_step(db, stmt);
	if (rc == SQLITE_DONE)
		status = ACCOUNT_CARD_UNKNOWN;
	if (rc != SQLITE_ROW)
		goto out;
	if (sqlite3_column_int(stmt, 1)) {
		status = ACCOUNT_CARD_USED;
		goto out;
	}
	fen = sqlite3_column_int64(stmt, 0);
	*card_fen = fen;
	store_release(db, stmt);
	stmt = store_prepare(db, "UPDATE cards SET used_by = ?, used_at = ? "
				 "WHERE code = ? AND used_by IS NULL");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (int64_t)now);
	sqlite3_bind_text(stmt, 3, code, -1, SQLITE_STATIC);
	changed = step_one_change(db, stmt);
	if (changed <= 0) {
		status = changed == 0 ? ACCOUNT_CARD_USED : ACCOUNT_ERROR;
		goto out;
	}
	status = credit(db, number, fen, code, now, balance_fen);
out:
	store_release(db, stmt);
	return status;
}

/*
 * Runs one valid recharge inside a savepoint of the open transaction:
 * released on success, rolled back (and only it) on any failure.
 */
static enum account_status recharge_one(struct account_db *db,
					struct account_request *req, time_t now)
{
	enum account_status status;

	if (store_exec(db, "SAVEPOINT recharge") < 0)
		return ACCOUNT_ERROR;
	if (req->op == ACCOUNT_OP_RECHARGE_CARD)
		status = spend_card(db, req->number, req->secret, now,
				    &req->fen, &req->balance_fen);
	else
		status = credit(db, req->number, req->fen, NULL, now,
				&req->balance_fen);
	if (status != ACCOUNT_OK)
		store_exec(db, "ROLLBACK TO recharge");
	/* Fails only if SQLite already dropped the whole transaction. */
	if (store_exec(db, "RELEASE recharge") < 0)
		status = ACCOUNT_ERROR;
	return status;
}

/* Runs a list of checked recharges with one commit; see account_db.h. */
bool account_db_recharge_batch(struct account_db *db,
			       struct account_request *list, time_t now)
{
	struct account_request *req;
	bool any = false, lost = false;

	for (req = list; req != NULL; req = req->next) {
		if (req->status == ACCOUNT_INVALID)
			continue;
		req->status = ACCOUNT_ERROR; /* until it is done */
		any = true;
	}
	if (!any)
		return false;
	if (store_exec(db, "BEGIN IMMEDIATE") < 0)
		return false; /* every valid request stays ACCOUNT_ERROR */
	for (req = list; req != NULL && !lost; req = req->next) {
		if (req->status == ACCOUNT_INVALID)
			continue;
		req->status = recharge_one(db, req, now);
		/*
		 * Some errors (disk full, I/O) make SQLite roll back the whole
		 * transaction: what succeeded before is gone too.
		 */
		lost = sqlite3_get_autocommit(db->conn) != 0;
	}
	if (!lost && store_exec(db, "COMMIT") == 0)
		return true;
	store_rollback(db);
	for (req = list; req != NULL; req = req->next)
		if (req->status == ACCOUNT_OK)
			req->status = ACCOUNT_ERROR;
	return false;
}
