/*
 * account: validation, money formatting and the SQLite store: opening (and
 * on first start creating, seeding and migrating) the database, logins
 * with yescrypt-hashed service passwords and lockouts kept in the
 * database, account queries, and recharges that spend a card at most once.
 * Money is integer fen everywhere; nothing here uses floating point.
 *
 * A store is one database connection used by one thread at a time (the
 * worker's, or a test's). Several stores, in this process or others, may
 * share a file: every write is a BEGIN IMMEDIATE transaction and a card is
 * spent by a conditional UPDATE, so a race is won once. Knows nothing of
 * sessions, menus or sockets; never logs a password or a full number.
 */
#include "account.h"
#include "account_internal.h"
#include "mem.h"
#include "money.h"
#include "passhash.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

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

/* One database connection, and what its logins reuse. */
struct account_store {
	sqlite3 *db;
	char *path;
	/* The hashing work area, reused by every login. */
	struct passhash ph;
	/* Statements prepared once and reset after each use (store_release). */
	struct {
		char *sql;
		sqlite3_stmt *stmt;
		bool busy; /* handed out and not yet released */
	} cache[STORE_CACHE_MAX];
	size_t ncache;
};

/* Third digits allowed after "1" and a second digit: the mobile prefixes. */
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
static void store_log_error(struct account_store *st, const char *what)
{
	log_error(0, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

/* Prepares one statement; NULL after logging. The caller finalizes it. */
static sqlite3_stmt *store_prepare(struct account_store *st, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	size_t i;

	/* Parsing and planning cost more than running these small statements. */
	for (i = 0; i < st->ncache; i++) {
		if (strcmp(st->cache[i].sql, sql) != 0)
			continue;
		if (st->cache[i].busy)
			break; /* in use further up the stack: a fresh one */
		st->cache[i].busy = true;
		return st->cache[i].stmt;
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &stmt, NULL) != SQLITE_OK) {
		store_log_error(st, sql);
		sqlite3_finalize(stmt);
		return NULL;
	}
	if (i == st->ncache && st->ncache < STORE_CACHE_MAX) {
		st->cache[i].sql = xstrdup(sql);
		st->cache[i].stmt = stmt;
		st->cache[i].busy = true;
		st->ncache++;
	}
	return stmt;
}

/* Gives back a statement from store_prepare: reset if cached, else finalized. */
static void store_release(struct account_store *st, sqlite3_stmt *stmt)
{
	if (stmt == NULL)
		return;
	for (size_t i = 0; i < st->ncache; i++) {
		if (st->cache[i].stmt == stmt) {
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			st->cache[i].busy = false;
			return;
		}
	}
	sqlite3_finalize(stmt);
}

/* Steps a statement: SQLITE_ROW, SQLITE_DONE, or -1 after logging. */
static int store_step(struct account_store *st, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	store_log_error(st, sqlite3_sql(stmt));
	return -1;
}

/*
 * Runs one statement that returns no rows (BEGIN, SAVEPOINT, COMMIT...)
 * from the cache: a recharge batch runs several per request, and parsing
 * them each time cost more than running them. 0, or -1 after logging.
 */
static int store_exec(struct account_store *st, const char *sql)
{
	sqlite3_stmt *stmt = store_prepare(st, sql);
	int rc = stmt != NULL ? store_step(st, stmt) : -1;

	store_release(st, stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Rolls back the open transaction, if SQLite has not already. */
static void store_rollback(struct account_store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		store_exec(st, "ROLLBACK");
}

/*
 * Ends a write transaction: commits unless status is ACCOUNT_ERROR, and
 * rolls back if it is or if the commit fails. Returns the final status.
 */
static enum account_status store_end(struct account_store *st,
				     enum account_status status)
{
	if (status != ACCOUNT_ERROR && store_exec(st, "COMMIT") == 0)
		return status;
	store_rollback(st);
	return ACCOUNT_ERROR;
}

/* --- opening ---------------------------------------------------------- */

/* Reads a one-integer PRAGMA; 0, or -1 after logging. */
static int store_pragma_int(struct account_store *st, const char *sql,
			    int64_t *value)
{
	sqlite3_stmt *stmt = store_prepare(st, sql);
	int ret = -1;

	if (stmt == NULL)
		goto out;
	if (store_step(st, stmt) != SQLITE_ROW)
		goto out;
	*value = sqlite3_column_int64(stmt, 0);
	ret = 0;
out:
	store_release(st, stmt);
	return ret;
}

/* Sets the connection's pragmas; NULL or a message the caller frees. */
static char *store_configure(struct account_store *st)
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
	const char *want = strcmp(st->path, ACCOUNT_STORE_MEMORY) == 0
				   ? "memory"
				   : "wal";

	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, ACCOUNT_BUSY_TIMEOUT_MS);
	/* The first statement to read the file: a non-database fails here. */
	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &stmt,
			       NULL) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW) {
		err = xasprintf("%s: cannot use as a database: %s", st->path,
				sqlite3_errmsg(st->db));
		goto out;
	}
	mode = (const char *)sqlite3_column_text(stmt, 0);
	if (mode == NULL || strcmp(mode, want) != 0) {
		err = xasprintf("%s: cannot switch to WAL journal mode (got %s)",
				st->path, mode != NULL ? mode : "nothing");
		goto out;
	}
	for (size_t i = 0; i < ARRAY_LEN(pragmas); i++)
		if (sqlite3_exec(st->db, pragmas[i], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			err = xasprintf("%s: %s: %s", st->path, pragmas[i],
					sqlite3_errmsg(st->db));
			goto out;
		}
out:
	sqlite3_finalize(stmt);
	return err;
}

/*
 * Brings the schema to ACCOUNT_SCHEMA_VERSION in one transaction: creates
 * and seeds a new database, migrates an old one, refuses a newer one or a
 * foreign one. NULL, or a message the caller frees.
 */
static char *store_prepare_schema(struct account_store *st,
				  const char *seed_path)
{
	int64_t version, tables;
	char *err = NULL;

	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		err = xasprintf("%s: cannot start a transaction: %s", st->path,
				sqlite3_errmsg(st->db));
		goto out;
	}
	if (store_pragma_int(st, "PRAGMA user_version", &version) < 0 ||
	    store_pragma_int(st, "SELECT count(*) FROM sqlite_master",
			     &tables) < 0) {
		err = xasprintf("%s: cannot read the schema: %s", st->path,
				sqlite3_errmsg(st->db));
		goto out;
	}
	if (version > ACCOUNT_SCHEMA_VERSION) {
		err = xasprintf("%s: database schema version %" PRId64
				" is newer than this hotlined knows (%d); "
				"use a newer hotlined or another --db",
				st->path, version, ACCOUNT_SCHEMA_VERSION);
		goto out;
	}
	if (version < 0 || (version == 0 && tables > 0)) {
		err = xasprintf("%s: not a hotline database (it has tables but "
				"schema version %" PRId64 ")",
				st->path, version);
		goto out;
	}
	for (int64_t v = version; v < ACCOUNT_SCHEMA_VERSION; v++)
		if (sqlite3_exec(st->db, migrations[v], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			err = xasprintf("%s: cannot migrate the schema from "
					"version %" PRId64 ": %s",
					st->path, v, sqlite3_errmsg(st->db));
			goto out;
		}
	if (version == 0 && seed_path != NULL &&
	    account_seed_load(st->db, seed_path, &err) < 0)
		goto out;
	if (version != ACCOUNT_SCHEMA_VERSION) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
			 ACCOUNT_SCHEMA_VERSION);
		if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			err = xasprintf("%s: cannot set the schema version: %s",
					st->path, sqlite3_errmsg(st->db));
			goto out;
		}
	}
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		err = xasprintf("%s: cannot commit the schema: %s", st->path,
				sqlite3_errmsg(st->db));
out:
	if (err != NULL)
		store_rollback(st);
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

/* Opens, creating and seeding on first use; see account.h. */
struct account_store *account_store_open(const char *path,
					 const char *seed_path, char **err)
{
	struct account_store *st = xcalloc(1, sizeof(*st));
	bool created = false;
	int rc;

	*err = NULL;
	passhash_init(&st->ph);
	st->path = xstrdup(path);
	if (strcmp(path, ACCOUNT_STORE_MEMORY) != 0)
		*err = create_private_file(path, &created);
	if (*err != NULL)
		goto out;
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		*err = xasprintf("%s: cannot open: %s", path,
				 st->db != NULL ? sqlite3_errmsg(st->db)
						: sqlite3_errstr(rc));
		goto out;
	}
	*err = store_configure(st);
	if (*err == NULL)
		*err = store_prepare_schema(st, seed_path);
out:
	if (*err == NULL)
		return st;
	account_store_close(st);
	if (created) {
		/* Leave nothing behind, so the next start seeds afresh. */
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

/* Closes the connection and wipes what crypt left. NULL does nothing. */
void account_store_close(struct account_store *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->ncache; i++) {
		sqlite3_finalize(st->cache[i].stmt);
		free(st->cache[i].sql);
	}
	if (st->db != NULL && sqlite3_close(st->db) != SQLITE_OK)
		store_log_error(st, "close");
	passhash_fini(&st->ph);
	free(st->path);
	free(st);
}

/* --- logins ----------------------------------------------------------- */

/*
 * Reads what a login needs. ACCOUNT_OK, ACCOUNT_NOT_FOUND or
 * ACCOUNT_ERROR (also for a stored hash that does not fit hash).
 */
static enum account_status read_login(struct account_store *st,
				      const char *number, char *hash,
				      size_t hashsz, int64_t *failures,
				      int64_t *locked_until)
{
	enum account_status status = ACCOUNT_ERROR;
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_prepare(st, "SELECT password_hash, failures, locked_until "
				 "FROM accounts WHERE number = ?");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, number, -1, SQLITE_STATIC);
	rc = store_step(st, stmt);
	if (rc == SQLITE_DONE)
		status = ACCOUNT_NOT_FOUND;
	if (rc != SQLITE_ROW)
		goto out;
	if ((size_t)sqlite3_column_bytes(stmt, 0) >= hashsz) {
		log_error(0, "%s: a password hash is too long", st->path);
		goto out;
	}
	copy_text(hash, hashsz, sqlite3_column_text(stmt, 0),
		  sqlite3_column_bytes(stmt, 0));
	*failures = sqlite3_column_int64(stmt, 1);
	*locked_until = sqlite3_column_int64(stmt, 2);
	status = ACCOUNT_OK;
out:
	store_release(st, stmt);
	return status;
}

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
		log_error(0, "%s: crypt failed: %s", st->path, strerror(errno));
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
	enum account_status status = ACCOUNT_ERROR;
	char hash[PASSHASH_MAX];
	int64_t failures, locked_until;
	sqlite3_stmt *stmt = NULL;

	if (store_exec(st, "BEGIN IMMEDIATE") < 0)
		return ACCOUNT_ERROR;
	/* Read again: another connection may have counted meanwhile. */
	status = read_login(st, number, hash, sizeof(hash), &failures,
			    &locked_until);
	if (status != ACCOUNT_OK)
		goto out;
	if (locked_until > now) {
		*lock_seconds = lock_left(locked_until, now);
		status = ACCOUNT_LOCKED;
		goto out;
	}
	status = ACCOUNT_ERROR;
	stmt = store_prepare(st, "UPDATE accounts SET failures = ?, "
				 "locked_until = ? WHERE number = ?");
	if (stmt == NULL)
		goto out;
	if (failures + 1 >= ACCOUNT_MAX_FAILURES) {
		sqlite3_bind_int64(stmt, 1, 0);
		sqlite3_bind_int64(stmt, 2,
				   (int64_t)now + ACCOUNT_LOCK_SECONDS);
	} else {
		sqlite3_bind_int64(stmt, 1, failures + 1);
		sqlite3_bind_int64(stmt, 2, locked_until);
	}
	sqlite3_bind_text(stmt, 3, number, -1, SQLITE_STATIC);
	if (store_step(st, stmt) != SQLITE_DONE)
		goto out;
	if (failures + 1 >= ACCOUNT_MAX_FAILURES) {
		*lock_seconds = ACCOUNT_LOCK_SECONDS;
		status = ACCOUNT_LOCKED;
	} else {
		status = ACCOUNT_BAD_PASSWORD;
	}
out:
	store_release(st, stmt);
	return store_end(st, status);
}

/* Forgets earlier wrong passwords after a right one. */
static enum account_status clear_failures(struct account_store *st,
					  const char *number)
{
	enum account_status status = ACCOUNT_ERROR;
	sqlite3_stmt *stmt;

	stmt = store_prepare(st, "UPDATE accounts SET failures = 0 "
				 "WHERE number = ?");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, number, -1, SQLITE_STATIC);
	if (store_step(st, stmt) == SQLITE_DONE)
		status = ACCOUNT_OK;
out:
	store_release(st, stmt);
	return status;
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
	status = read_login(st, number, hash, sizeof(hash), &failures,
			    &locked_until);
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
	return failures != 0 ? clear_failures(st, number) : ACCOUNT_OK;
}

/* --- queries ---------------------------------------------------------- */

/* Reads the account row into info. */
static enum account_status read_account(struct account_store *st,
					const char *number,
					struct account_info *info)
{
	enum account_status status = ACCOUNT_ERROR;
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_prepare(st, "SELECT holder, plan_name, plan_fen, "
				 "balance_fen, data_used_mb, data_total_mb, "
				 "minutes_used, minutes_total "
				 "FROM accounts WHERE number = ?");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, number, -1, SQLITE_STATIC);
	rc = store_step(st, stmt);
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
	store_release(st, stmt);
	return status;
}

/* Reads the last ACCOUNT_RECENT recharges, newest first, into info. */
static enum account_status read_recent(struct account_store *st,
				       const char *number,
				       struct account_info *info)
{
	enum account_status status = ACCOUNT_ERROR;
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_prepare(st, "SELECT at, fen, method FROM recharges "
				 "WHERE number = ? ORDER BY at DESC, id DESC "
				 "LIMIT ?");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, ACCOUNT_RECENT);
	info->nrecent = 0;
	while ((rc = store_step(st, stmt)) == SQLITE_ROW) {
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
	store_release(st, stmt);
	return status;
}

/* Fills info for a number, in one read transaction so both reads agree. */
enum account_status account_store_info(struct account_store *st,
				       const char *number,
				       struct account_info *info)
{
	enum account_status status;

	memset(info, 0, sizeof(*info));
	if (!account_number_is_valid(number))
		return ACCOUNT_INVALID;
	if (store_exec(st, "BEGIN") < 0)
		return ACCOUNT_ERROR;
	status = read_account(st, number, info);
	if (status == ACCOUNT_OK)
		status = read_recent(st, number, info);
	/* Nothing was written: ending the read cannot lose anything. */
	store_rollback(st);
	return status;
}

/* Whether an account exists: ACCOUNT_OK or ACCOUNT_NOT_FOUND. */
enum account_status account_store_exists(struct account_store *st,
					 const char *number)
{
	enum account_status status = ACCOUNT_ERROR;
	sqlite3_stmt *stmt;
	int rc;

	if (!account_number_is_valid(number))
		return ACCOUNT_INVALID;
	stmt = store_prepare(st, "SELECT 1 FROM accounts WHERE number = ?");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, number, -1, SQLITE_STATIC);
	rc = store_step(st, stmt);
	if (rc == SQLITE_ROW)
		status = ACCOUNT_OK;
	else if (rc == SQLITE_DONE)
		status = ACCOUNT_NOT_FOUND;
out:
	store_release(st, stmt);
	return status;
}

/* The plans the accounts are on, cheapest first. */
int account_store_plans(struct account_store *st, struct account_plan *plans,
			size_t max)
{
	sqlite3_stmt *stmt;
	int n = 0, rc = SQLITE_DONE;

	stmt = store_prepare(st, "SELECT DISTINCT plan_name, plan_fen "
				 "FROM accounts ORDER BY plan_fen, plan_name");
	if (stmt == NULL)
		return -1;
	while ((size_t)n < max && (rc = store_step(st, stmt)) == SQLITE_ROW) {
		copy_text(plans[n].name, sizeof(plans[n].name),
			  sqlite3_column_text(stmt, 0),
			  sqlite3_column_bytes(stmt, 0));
		plans[n].fen = sqlite3_column_int64(stmt, 1);
		n++;
	}
	if ((size_t)n < max && rc < 0)
		n = -1;
	store_release(st, stmt);
	return n;
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

/* Runs one statement that must change exactly one row: 1, 0, or -1. */
static int step_one_change(struct account_store *st, sqlite3_stmt *stmt)
{
	if (store_step(st, stmt) != SQLITE_DONE)
		return -1;
	return sqlite3_changes(st->db) == 1;
}

/*
 * Adds fen to an account and writes the ledger row, inside the caller's
 * transaction; sets *balance_fen to the new balance. card is NULL for a
 * recharge by amount.
 */
static enum account_status credit(struct account_store *st, const char *number,
				  int64_t fen, const char *card, time_t now,
				  int64_t *balance_fen)
{
	enum account_status status = ACCOUNT_ERROR;
	sqlite3_stmt *stmt;
	int rc;

	/* RETURNING saves a SELECT per recharge, on the worker's hot path. */
	stmt = store_prepare(st, "UPDATE accounts SET balance_fen = "
				 "balance_fen + ? WHERE number = ? "
				 "RETURNING balance_fen");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_int64(stmt, 1, fen);
	sqlite3_bind_text(stmt, 2, number, -1, SQLITE_STATIC);
	rc = store_step(st, stmt);
	if (rc != SQLITE_ROW) {
		status = rc == SQLITE_DONE ? ACCOUNT_NOT_FOUND : ACCOUNT_ERROR;
		goto out;
	}
	*balance_fen = sqlite3_column_int64(stmt, 0);
	/* The number is the primary key: one row, and the update is done. */
	if (store_step(st, stmt) != SQLITE_DONE)
		goto out;
	store_release(st, stmt);
	stmt = store_prepare(st, "INSERT INTO recharges "
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
	if (store_step(st, stmt) == SQLITE_DONE)
		status = ACCOUNT_OK;
out:
	store_release(st, stmt);
	return status;
}

/*
 * Spends a card on an account inside the caller's transaction. The
 * UPDATE only matches an unused card, so of two connections racing for
 * it only one changes a row; the other is told the card is used.
 */
static enum account_status spend_card(struct account_store *st,
				      const char *number, const char *code,
				      time_t now, int64_t *card_fen,
				      int64_t *balance_fen)
{
	enum account_status status = ACCOUNT_ERROR;
	sqlite3_stmt *stmt;
	int64_t fen;
	int rc, changed;

	/* The account first: the card's used_by must name a real one. */
	status = account_store_exists(st, number);
	if (status != ACCOUNT_OK)
		return status;
	status = ACCOUNT_ERROR;
	stmt = store_prepare(st, "SELECT fen, used_by IS NOT NULL FROM cards "
				 "WHERE code = ?");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, code, -1, SQLITE_STATIC);
	rc = store_step(st, stmt);
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
	store_release(st, stmt);
	stmt = store_prepare(st, "UPDATE cards SET used_by = ?, used_at = ? "
				 "WHERE code = ? AND used_by IS NULL");
	if (stmt == NULL)
		goto out;
	sqlite3_bind_text(stmt, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (int64_t)now);
	sqlite3_bind_text(stmt, 3, code, -1, SQLITE_STATIC);
	changed = step_one_change(st, stmt);
	if (changed <= 0) {
		status = changed == 0 ? ACCOUNT_CARD_USED : ACCOUNT_ERROR;
		goto out;
	}
	status = credit(st, number, fen, code, now, balance_fen);
out:
	store_release(st, stmt);
	return status;
}

/*
 * Runs one valid recharge inside a savepoint of the open transaction:
 * released on success, rolled back (and only it) on any failure.
 */
static enum account_status recharge_one(struct account_store *st,
					struct account_request *req, time_t now)
{
	enum account_status status;

	if (store_exec(st, "SAVEPOINT recharge") < 0)
		return ACCOUNT_ERROR;
	if (req->op == ACCOUNT_OP_RECHARGE_CARD)
		status = spend_card(st, req->number, req->secret, now,
				    &req->fen, &req->balance_fen);
	else
		status = credit(st, req->number, req->fen, NULL, now,
				&req->balance_fen);
	if (status != ACCOUNT_OK)
		store_exec(st, "ROLLBACK TO recharge");
	/* Fails only if SQLite already dropped the whole transaction. */
	if (store_exec(st, "RELEASE recharge") < 0)
		status = ACCOUNT_ERROR;
	return status;
}

/* Runs a list of recharges with one commit; see account_internal.h. */
bool account_store_recharge_batch(struct account_store *st,
				  struct account_request *list, time_t now)
{
	struct account_request *req;
	bool any = false, lost = false;

	for (req = list; req != NULL; req = req->next) {
		req->status = recharge_is_valid(req) ? ACCOUNT_ERROR
						     : ACCOUNT_INVALID;
		any |= req->status != ACCOUNT_INVALID;
	}
	if (!any)
		return false;
	if (store_exec(st, "BEGIN IMMEDIATE") < 0)
		return false; /* every valid request stays ACCOUNT_ERROR */
	for (req = list; req != NULL && !lost; req = req->next) {
		if (req->status == ACCOUNT_INVALID)
			continue;
		req->status = recharge_one(st, req, now);
		/*
		 * Some errors (disk full, I/O) make SQLite roll back the whole
		 * transaction: what succeeded before is gone too.
		 */
		lost = sqlite3_get_autocommit(st->db) != 0;
	}
	if (!lost && store_exec(st, "COMMIT") == 0)
		return true;
	store_rollback(st);
	for (req = list; req != NULL; req = req->next)
		if (req->status == ACCOUNT_OK)
			req->status = ACCOUNT_ERROR;
	return false;
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
