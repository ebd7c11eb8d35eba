/*
 * Tests of the account module on temporary databases: seeding from the
 * demo data (mode 0600, hashed passwords), validation and money
 * formatting, logins and the lockout with an injected clock, queries,
 * card and amount recharges, rollback on failure, cards raced by several
 * connections, the worker's group commit and cancellation, reopening,
 * and every broken seed fixture in tests/data/ with its exact message.
 *
 * Seeding hashes three passwords (tens of milliseconds each), so a
 * template database is seeded once for the group and each case starts
 * from a fresh copy of it in its own temporary directory.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <sqlite3.h>

#include "mem.h"
#include "store/account.h"
#include "store/account_internal.h"

/* The demo data every database here is seeded from. */
#define TEST_SEED MENUS_DIR "/demo-data.yml"
/* A fixed clock for the store calls: 2025-06-15, after the seeded recharges. */
#define TEST_NOW ((time_t)1750000000)
/* Longest the loop waits for the worker's callbacks before failing. */
#define TEST_TIMEOUT_SECONDS 60
/* Connections racing for one card. */
#define TEST_RACERS 8
/* Recharges submitted at once to the worker. */
#define TEST_BURST 50
/* Results a worker test can collect. */
#define TEST_MAX_RESULTS (TEST_BURST + 8)
/* The seeded recharges of 13800138000, newest first. */
#define TEST_SEEDED_NEWER ((time_t)1747703733) /* 2025-05-20T09:15:33+08:00 */
#define TEST_SEEDED_OLDER ((time_t)1745840530) /* 2025-04-28T19:42:10+08:00 */

/* A seeded database, copied by every case; made by group_setup. */
static char template_dir[64];
static char template_db[128];

struct fixture;

/* What one done callback saw. */
struct result {
	struct fixture *f;
	bool called;
	bool on_loop_thread;
	enum account_status status;
	unsigned lock_seconds;
	int64_t balance_fen;
	struct account_info info;
};

/* State of one case: its directory, database, store, loop and worker. */
struct fixture {
	char dir[64];
	char *db; /* dir/hotline.db: a copy of the template */
	struct account_store *st;
	struct event_base *base;
	struct event *timer;
	struct account_worker *w;
	pthread_t loop_thread;
	bool timed_out;
	int ndone;
	struct result results[TEST_MAX_RESULTS];
	char *err;
	const struct seed_case *seed_case; /* for test_seed_broken */
};

/* A broken seed fixture and the message after its path. */
struct seed_case {
	const char *file;
	const char *expected;
};

static const struct seed_case seed_cases[] = {
	{ "account_bad_syntax.yaml",
	  ":5:3: syntax error: did not find expected '-' indicator (while "
	  "parsing a block collection at 3:3)" },
	{ "account_bad_number.yaml",
	  ":3:13: number \"1380013800\" is not a mobile number (11 digits, a "
	  "13x to 19x prefix)" },
	{ "account_bad_password.yaml", ":4:15: password must be 6 digits" },
	{ "account_bad_field.yaml",
	  ":6:5: unknown field \"colour\" in an account (expected number, "
	  "password, holder, plan, plan_price, balance, data_used_mb, "
	  "data_total_mb, minutes_used, minutes_total, recharges)" },
	{ "account_missing_field.yaml",
	  ":3:5: an account has no field \"password\"" },
	{ "account_bad_money.yaml",
	  ":8:14: balance must be yuan with at most two decimals, up to "
	  "10000000 (got \"88.505\")" },
	{ "account_bad_time.yaml",
	  ":14:15: at must be a time like \"2025-05-20T09:15:33+08:00\" (got "
	  "\"2025-02-30T10:00:00+08:00\")" },
	{ "account_dup_card.yaml",
	  ":6:13: duplicate card \"1111222233334444\"" },
	{ "account_bad_card.yaml",
	  ":4:13: card code \"11112222333344445\" is not 16 digits" },
	/* At the "---" that starts the second, as the menu loader says it. */
	{ "account_two_docs.yaml", ":4:1: only one YAML document is allowed" },
	{ "account_empty.yaml", ": file is empty" },
};

/* --- helpers ------------------------------------------------------------ */

/* Removes a directory and the files in it. */
static void remove_dir(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *p;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

/* Copies a file to a new one of mode 0600. */
static void copy_file(const char *from, const char *to)
{
	char buf[8192];
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	assert_true(in >= 0);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	assert_int_equal(close(out), 0);
}

/* Returns dir/name; the caller owns it. */
static char *path_in(const struct fixture *f, const char *name)
{
	return xasprintf("%s/%s", f->dir, name);
}

/* Opens a store on path from the demo data, failing the test if it cannot. */
static struct account_store *open_store(const char *path)
{
	char *err = NULL;
	struct account_store *st = account_store_open(path, TEST_SEED, &err);

	if (st == NULL)
		fprintf(stderr, "%s\n", err);
	assert_non_null(st);
	assert_null(err);
	return st;
}

/* Opens a side connection to path, as another program would. */
static sqlite3 *side_open(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
					 NULL),
			 SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* Runs SQL on path through a side connection. */
static void side_exec(const char *path, const char *sql)
{
	sqlite3 *db = side_open(path);
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fprintf(stderr, "%s: %s\n", sql, msg);
	assert_null(msg);
	sqlite3_close(db);
}

/* The one integer a query returns, through a side connection. */
static int64_t side_int(const char *path, const char *sql)
{
	sqlite3 *db = side_open(path);
	sqlite3_stmt *stmt = NULL;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

/* A number's balance, through the store. */
static int64_t balance_of(struct account_store *st, const char *number)
{
	struct account_info info;

	assert_int_equal(account_store_info(st, number, &info), ACCOUNT_OK);
	return info.balance_fen;
}

/* Whether a file's bytes contain needle. */
static bool file_contains(const char *path, const char *needle)
{
	size_t nlen = strlen(needle), len = 0, cap = 0;
	char *data = NULL, buf[8192];
	bool found = false;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return false;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (len + (size_t)n > cap) {
			cap = (len + (size_t)n) * 2;
			data = xrealloc(data, cap);
		}
		memcpy(data + len, buf, (size_t)n);
		len += (size_t)n;
	}
	close(fd);
	for (size_t i = 0; i + nlen <= len && !found; i++)
		found = memcmp(data + i, needle, nlen) == 0;
	free(data);
	return found;
}

/* The permission bits of a file, failing the test if it is missing. */
static mode_t mode_of(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_mode & 07777;
}

/* --- worker helpers ------------------------------------------------------ */

/* The done callback: copies the result where ctx says. */
static void on_done(void *ctx, const struct account_request *req)
{
	struct result *r = ctx;

	assert_false(r->called);
	r->called = true;
	r->on_loop_thread = pthread_equal(pthread_self(), r->f->loop_thread) !=
			    0;
	r->status = req->status;
	r->lock_seconds = req->lock_seconds;
	r->balance_fen = req->balance_fen;
	r->info = req->info;
	r->f->ndone++;
}

/* The timer that ends a loop waiting too long. */
static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct fixture *f = arg;

	(void)fd;
	(void)what;
	f->timed_out = true;
}

/* Starts a worker on a store of the case's database. */
static void start_worker(struct fixture *f)
{
	f->w = account_worker_new(f->base, open_store(f->db));
}

/* Submits a request whose result goes to f->results[slot]. */
static struct account_request *submit(struct fixture *f, size_t slot,
				      enum account_op op, const char *number,
				      const char *secret, int64_t fen)
{
	struct account_request req = { .op = op, .fen = fen };

	assert_true(slot < TEST_MAX_RESULTS);
	snprintf(req.number, sizeof(req.number), "%s", number);
	if (secret != NULL)
		snprintf(req.secret, sizeof(req.secret), "%s", secret);
	f->results[slot].f = f;
	req.done = on_done;
	req.ctx = &f->results[slot];
	return account_worker_submit(f->w, &req);
}

/* Runs the loop until n callbacks have run, failing after a timeout. */
static void run_until(struct fixture *f, int n)
{
	struct timeval tv = { TEST_TIMEOUT_SECONDS, 0 };

	evtimer_add(f->timer, &tv);
	while (f->ndone < n && !f->timed_out)
		event_base_loop(f->base, EVLOOP_ONCE);
	evtimer_del(f->timer);
	assert_false(f->timed_out);
	assert_int_equal(f->ndone, n);
}

/* --- setup ---------------------------------------------------------------- */

/* Seeds the template database once for the whole group. */
static int group_setup(void **state)
{
	struct account_store *st;
	char *err = NULL;

	(void)state;
	snprintf(template_dir, sizeof(template_dir),
		 "/tmp/test_account.XXXXXX");
	if (mkdtemp(template_dir) == NULL)
		return -1;
	snprintf(template_db, sizeof(template_db), "%s/template.db",
		 template_dir);
	st = account_store_open(template_db, TEST_SEED, &err);
	if (st == NULL) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return -1;
	}
	account_store_close(st);
	return 0;
}

/* Removes the template. */
static int group_teardown(void **state)
{
	(void)state;
	remove_dir(template_dir);
	return 0;
}

/* Gives a case its own directory, a copy of the template, and a loop. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->seed_case = *state; /* a broken seed case arrives as the prestate */
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_account.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->db = path_in(f, "hotline.db");
	copy_file(template_db, f->db);
	f->base = event_base_new();
	f->timer = evtimer_new(f->base, on_timeout, f);
	f->loop_thread = pthread_self();
	*state = f;
	return 0;
}

/* Stops the worker, closes the store and removes the directory. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	account_worker_free(f->w);
	account_store_close(f->st);
	event_free(f->timer);
	event_base_free(f->base);
	remove_dir(f->dir);
	free(f->db);
	free(f->err);
	free(f);
	return 0;
}

/* --- seeding --------------------------------------------------------------- */

/* The demo data is looked for beside the menus, a directory or one file. */
static void test_seed_path(void **state)
{
	char *p;

	(void)state;
	p = account_seed_path(MENUS_DIR);
	assert_string_equal(p, MENUS_DIR "/demo-data.yml");
	free(p);
	p = account_seed_path(MENUS_DIR "/zh-CN.yaml");
	assert_string_equal(p, MENUS_DIR "/demo-data.yml");
	free(p);
	p = account_seed_path("mine.yaml");
	assert_string_equal(p, "demo-data.yml");
	free(p);
}

/* A new file is seeded with the demo data, and it and its WAL are 0600. */
static void test_seed_fresh(void **state)
{
	struct fixture *f = *state;
	char *db = path_in(f, "new.db"), *wal = path_in(f, "new.db-wal"),
	     *shm = path_in(f, "new.db-shm");
	struct account_info info;
	mode_t old = umask(022); /* what a careless shell would leave */

	f->st = open_store(db);
	umask(old);
	assert_int_equal(mode_of(db), 0600);
	assert_int_equal(mode_of(wal), 0600);
	assert_int_equal(mode_of(shm), 0600);
	assert_int_equal(side_int(db, "PRAGMA user_version"),
			 ACCOUNT_SCHEMA_VERSION);
	assert_int_equal(side_int(db, "SELECT count(*) FROM accounts"), 3);
	assert_int_equal(side_int(db, "SELECT count(*) FROM cards WHERE "
				      "used_by IS NULL AND used_at IS NULL"),
			 3);
	assert_int_equal(side_int(db, "SELECT sum(fen) FROM cards"), 18000);
	assert_int_equal(side_int(db, "SELECT fen FROM cards WHERE code = "
				      "'1111222233334444'"),
			 5000);
	assert_int_equal(side_int(db, "SELECT fen FROM cards WHERE code = "
				      "'5555666677778888'"),
			 10000);
	assert_int_equal(side_int(db, "SELECT fen FROM cards WHERE code = "
				      "'9999000011112222'"),
			 3000);

	assert_int_equal(account_store_info(f->st, "13800138000", &info),
			 ACCOUNT_OK);
	assert_string_equal(info.holder, "张三");
	assert_string_equal(info.plan, "4G 飞享套餐 38 元");
	assert_int_equal(info.plan_fen, 3800);
	assert_int_equal(info.balance_fen, 8850);
	assert_int_equal(account_store_info(f->st, "13900139000", &info),
			 ACCOUNT_OK);
	assert_string_equal(info.holder, "李四");
	assert_string_equal(info.plan, "5G 智享套餐 128 元");
	assert_int_equal(info.plan_fen, 12800);
	assert_int_equal(info.balance_fen, 500);
	assert_int_equal(account_store_info(f->st, "13700137000", &info),
			 ACCOUNT_OK);
	assert_string_equal(info.holder, "Wang Wu");
	assert_string_equal(info.plan, "4G 飞享套餐 18 元");
	assert_int_equal(info.plan_fen, 1800);
	assert_int_equal(info.balance_fen, 0);
	free(db);
	free(wal);
	free(shm);
}

/* Passwords are stored as salted yescrypt hashes, never in clear. */
static void test_seed_hashes(void **state)
{
	struct fixture *f = *state;
	static const char *const clear[] = { "123456", "654321", "111111" };

	assert_int_equal(side_int(f->db, "SELECT count(*) FROM accounts "
					 "WHERE password_hash LIKE '$y$%'"),
			 3);
	assert_int_equal(side_int(f->db, "SELECT count(DISTINCT "
					 "substr(password_hash, 1, 30)) "
					 "FROM accounts"),
			 3);
	for (size_t i = 0; i < ARRAY_LEN(clear); i++) {
		assert_false(file_contains(template_db, clear[i]));
		assert_false(file_contains(f->db, clear[i]));
	}
	/* The scan itself works: a number is there in clear. */
	assert_true(file_contains(f->db, "13800138000"));
}

/* Reopening keeps what was written and does not seed again. */
static void test_reopen_keeps_data(void **state)
{
	struct fixture *f = *state;
	int64_t balance = 0;

	f->st = open_store(f->db);
	assert_int_equal(account_store_recharge_card(f->st, "13800138000",
						     "1111222233334444",
						     TEST_NOW, &balance),
			 ACCOUNT_OK);
	account_store_close(f->st);
	f->st = open_store(f->db);
	assert_int_equal(balance_of(f->st, "13800138000"), 13850);
	assert_int_equal(side_int(f->db, "SELECT count(*) FROM accounts"), 3);
	assert_int_equal(side_int(f->db, "SELECT count(*) FROM cards"), 3);
	assert_int_equal(side_int(f->db, "SELECT count(*) FROM cards "
					 "WHERE used_by IS NOT NULL"),
			 1);
	assert_int_equal(side_int(f->db, "SELECT count(*) FROM recharges"), 3);
}

/* A database from a newer hotlined is refused, and left alone. */
static void test_newer_version(void **state)
{
	struct fixture *f = *state;
	char *want;

	side_exec(f->db, "PRAGMA user_version = 2");
	assert_null(account_store_open(f->db, TEST_SEED, &f->err));
	want = xasprintf("%s: database schema version 2 is newer than this "
			 "hotlined knows (1); use a newer hotlined or another "
			 "--db",
			 f->db);
	assert_string_equal(f->err, want);
	free(want);
	assert_int_equal(side_int(f->db, "PRAGMA user_version"), 2);
}

/* A SQLite file with tables but no schema version is not ours. */
static void test_foreign_database(void **state)
{
	struct fixture *f = *state;
	char *db = path_in(f, "other.db"), *want;
	sqlite3 *h = NULL;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "CREATE TABLE t (x)", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	sqlite3_close(h);
	assert_null(account_store_open(db, TEST_SEED, &f->err));
	want = xasprintf("%s: not a hotline database (it has tables but schema "
			 "version 0)",
			 db);
	assert_string_equal(f->err, want);
	assert_int_equal(access(db, F_OK), 0);
	free(want);
	free(db);
}

/* A file that is not SQLite at all is named in the message, and kept. */
static void test_not_a_database(void **state)
{
	struct fixture *f = *state;
	char *db = path_in(f, "junk.db"), *want;
	FILE *fp = fopen(db, "w");

	assert_non_null(fp);
	for (int i = 0; i < 512; i++)
		fputs("this is not a database ", fp);
	fclose(fp);
	assert_null(account_store_open(db, TEST_SEED, &f->err));
	want = xasprintf("%s: cannot use as a database: file is not a "
			 "database",
			 db);
	assert_string_equal(f->err, want);
	assert_int_equal(access(db, F_OK), 0);
	free(want);
	free(db);
}

/* A database in a missing directory: the message names the path. */
static void test_missing_directory(void **state)
{
	struct fixture *f = *state;
	char *db = path_in(f, "no/such/dir.db"), *want;

	assert_null(account_store_open(db, TEST_SEED, &f->err));
	want = xasprintf("%s: cannot create: No such file or directory", db);
	assert_string_equal(f->err, want);
	free(want);
	free(db);
}

/* A missing seed file is named, and no half-made database is left. */
static void test_seed_missing(void **state)
{
	struct fixture *f = *state;
	char *db = path_in(f, "new.db");

	assert_null(account_store_open(db, TEST_DATA_DIR "/account_none.yaml",
				       &f->err));
	assert_string_equal(f->err, TEST_DATA_DIR "/account_none.yaml: cannot "
						  "open the demo data: No such "
						  "file or directory");
	assert_int_equal(access(db, F_OK), -1);
	free(db);
}

/* Without demo data a new database gets the schema and nothing else. */
static void test_no_seed(void **state)
{
	struct fixture *f = *state;
	char *db = path_in(f, "empty.db");

	f->st = account_store_open(db, NULL, &f->err);
	assert_non_null(f->st);
	assert_int_equal(side_int(db, "PRAGMA user_version"),
			 ACCOUNT_SCHEMA_VERSION);
	assert_int_equal(side_int(db, "SELECT count(*) FROM accounts"), 0);
	assert_int_equal(account_store_exists(f->st, "13800138000"),
			 ACCOUNT_NOT_FOUND);
	free(db);
}

/* One broken seed fixture: its exact message, and no database left. */
static void test_seed_broken(void **state)
{
	struct fixture *f = *state;
	const struct seed_case *c = f->seed_case;
	char *seed, *db = path_in(f, "new.db"), *want;

	assert_non_null(c);
	seed = xasprintf("%s/%s", TEST_DATA_DIR, c->file);
	want = xasprintf("%s%s", seed, c->expected);
	assert_null(account_store_open(db, seed, &f->err));
	assert_string_equal(f->err, want);
	assert_null(strstr(f->err, "54321")); /* a password is never quoted */
	assert_int_equal(access(db, F_OK), -1);
	free(want);
	free(seed);
	free(db);
}

/* --- validation and formatting --------------------------------------------- */

/* Phone numbers, passwords and card codes, good and bad. */
static void test_validation(void **state)
{
	static const struct {
		const char *s;
		bool number, password, card;
	} cases[] = {
		{ "13800138000", true, false, false },
		{ "13000000000", true, false, false },
		{ "14512345678", true, false, false },
		{ "14912345678", true, false, false },
		{ "15012345678", true, false, false },
		{ "15312345678", true, false, false },
		{ "15512345678", true, false, false },
		{ "16212345678", true, false, false },
		{ "16712345678", true, false, false },
		{ "17012345678", true, false, false },
		{ "17812345678", true, false, false },
		{ "18912345678", true, false, false },
		{ "19012345678", true, false, false },
		{ "19912345678", true, false, false },
		{ "14412345678", false, false, false },
		{ "15412345678", false, false, false },
		{ "16112345678", false, false, false },
		{ "16812345678", false, false, false },
		{ "17912345678", false, false, false },
		{ "19412345678", false, false, false },
		{ "12800138000", false, false, false },
		{ "23800138000", false, false, false },
		{ "1380013800", false, false, false },
		{ "138001380000", false, false, false },
		{ "1380013800a", false, false, false },
		{ " 13800138000", false, false, false },
		{ "13800138000 ", false, false, false },
		{ "+8613800138000", false, false, false },
		{ "", false, false, false },
		{ "123456", false, true, false },
		{ "000000", false, true, false },
		{ "12345", false, false, false },
		{ "1234567", false, false, false },
		{ "12345a", false, false, false },
		{ "12 456", false, false, false },
		{ "１２３４５６", false, false, false }, /* fullwidth digits */
		{ "1111222233334444", false, false, true },
		{ "0000000000000000", false, false, true },
		{ "111122223333444", false, false, false },
		{ "11112222333344445", false, false, false },
		{ "1111-2222-3333-4", false, false, false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		if (account_number_is_valid(cases[i].s) != cases[i].number ||
		    account_password_is_valid(cases[i].s) !=
			    cases[i].password ||
		    account_card_is_valid(cases[i].s) != cases[i].card)
			fail_msg("wrong verdict for \"%s\"", cases[i].s);
	}
	assert_false(account_number_is_valid(NULL));
	assert_false(account_password_is_valid(NULL));
	assert_false(account_card_is_valid(NULL));
}

/*
 * Malformed input is refused before the store is touched: a NULL store
 * would crash any call that reached the database.
 */
static void test_invalid_untouched(void **state)
{
	static const int64_t bad_fen[] = { 0,     -100,  99,        150,
					   50001, 50100, INT64_MAX, INT64_MIN };
	struct account_info info;
	int64_t balance = 7;
	unsigned lock = 7;

	(void)state;
	assert_int_equal(account_store_login(NULL, "1380013800", "123456",
					     TEST_NOW, &lock),
			 ACCOUNT_INVALID);
	assert_int_equal(lock, 0);
	assert_int_equal(account_store_login(NULL, "13800138000", "12345",
					     TEST_NOW, NULL),
			 ACCOUNT_INVALID);
	assert_int_equal(account_store_info(NULL, "23800138000", &info),
			 ACCOUNT_INVALID);
	assert_int_equal(account_store_exists(NULL, ""), ACCOUNT_INVALID);
	assert_int_equal(account_store_recharge_card(NULL, "13800138000",
						     "111122223333444",
						     TEST_NOW, &balance),
			 ACCOUNT_INVALID);
	assert_int_equal(account_store_recharge_card(NULL, "1380013800x",
						     "1111222233334444",
						     TEST_NOW, &balance),
			 ACCOUNT_INVALID);
	for (size_t i = 0; i < ARRAY_LEN(bad_fen); i++)
		assert_int_equal(account_store_recharge_amount(NULL,
							       "13800138000",
							       bad_fen[i],
							       TEST_NOW,
							       &balance),
				 ACCOUNT_INVALID);
	assert_int_equal(balance, 7);
}

/* Fen as yuan with two decimals, and masked numbers. */
static void test_format(void **state)
{
	static const struct {
		int64_t fen;
		const char *text;
	} cases[] = {
		{ 0, "0.00" },
		{ 5, "0.05" },
		{ 50, "0.50" },
		{ 500, "5.00" },
		{ 8850, "88.50" },
		{ 100000, "1000.00" },
		{ -105, "-1.05" },
		{ INT64_MAX, "92233720368547758.07" },
		{ INT64_MIN, "-92233720368547758.08" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		account_format_fen(cases[i].fen, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
	}
	account_format_fen(8850, buf, 3);
	assert_string_equal(buf, "88");
	account_mask_number("13800138000", buf, sizeof(buf));
	assert_string_equal(buf, "138****8000");
	account_mask_number("13800138000", buf, 12);
	assert_string_equal(buf, "138****8000");
	account_mask_number("1380013", buf, sizeof(buf));
	assert_string_equal(buf, "****");
	account_mask_number(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "****");
	account_mask_number("13800138000", buf, 5);
	assert_string_equal(buf, "138*");
}

/* --- logins ---------------------------------------------------------------- */

/* The right password, an unknown number. */
static void test_login_ok(void **state)
{
	struct fixture *f = *state;
	unsigned lock = 7;

	f->st = open_store(f->db);
	assert_int_equal(account_store_login(f->st, "13800138000", "123456",
					     TEST_NOW, &lock),
			 ACCOUNT_OK);
	assert_int_equal(lock, 0);
	assert_int_equal(account_store_login(f->st, "13500135000", "123456",
					     TEST_NOW, &lock),
			 ACCOUNT_NOT_FOUND);
	/* Another account's password is a wrong one. */
	assert_int_equal(account_store_login(f->st, "13900139000", "123456",
					     TEST_NOW, &lock),
			 ACCOUNT_BAD_PASSWORD);
}

/*
 * Three wrong passwords lock for ten minutes, even against the right
 * one, and the lock survives closing and reopening the store.
 */
static void test_login_lockout(void **state)
{
	struct fixture *f = *state;
	unsigned lock = 7;

	f->st = open_store(f->db);
	assert_int_equal(account_store_login(f->st, "13800138000", "000000",
					     TEST_NOW, &lock),
			 ACCOUNT_BAD_PASSWORD);
	assert_int_equal(lock, 0);
	assert_int_equal(side_int(f->db, "SELECT failures FROM accounts "
					 "WHERE number = '13800138000'"),
			 1);
	assert_int_equal(account_store_login(f->st, "13800138000", "000001",
					     TEST_NOW, &lock),
			 ACCOUNT_BAD_PASSWORD);
	assert_int_equal(account_store_login(f->st, "13800138000", "000002",
					     TEST_NOW, &lock),
			 ACCOUNT_LOCKED);
	assert_int_equal(lock, ACCOUNT_LOCK_SECONDS);
	assert_int_equal(side_int(f->db, "SELECT failures FROM accounts "
					 "WHERE number = '13800138000'"),
			 0);
	assert_int_equal(side_int(f->db, "SELECT locked_until FROM accounts "
					 "WHERE number = '13800138000'"),
			 TEST_NOW + ACCOUNT_LOCK_SECONDS);
	assert_int_equal(account_store_login(f->st, "13800138000", "123456",
					     TEST_NOW + 1, &lock),
			 ACCOUNT_LOCKED);
	assert_int_equal(lock, ACCOUNT_LOCK_SECONDS - 1);
	/* Other numbers are not affected. */
	assert_int_equal(account_store_login(f->st, "13900139000", "654321",
					     TEST_NOW, &lock),
			 ACCOUNT_OK);
	account_store_close(f->st);
	f->st = open_store(f->db);
	assert_int_equal(account_store_login(f->st, "13800138000", "123456",
					     TEST_NOW + 100, &lock),
			 ACCOUNT_LOCKED);
	assert_int_equal(lock, ACCOUNT_LOCK_SECONDS - 100);
}

/* The lock ends when its time has passed; the count starts again. */
static void test_login_unlock(void **state)
{
	struct fixture *f = *state;
	unsigned lock = 7;

	f->st = open_store(f->db);
	side_exec(f->db, "UPDATE accounts SET locked_until = 1750000600 "
			 "WHERE number = '13800138000'");
	assert_int_equal(account_store_login(f->st, "13800138000", "123456",
					     TEST_NOW + ACCOUNT_LOCK_SECONDS -
						     1,
					     &lock),
			 ACCOUNT_LOCKED);
	assert_int_equal(lock, 1);
	assert_int_equal(account_store_login(f->st, "13800138000", "123456",
					     TEST_NOW + ACCOUNT_LOCK_SECONDS,
					     &lock),
			 ACCOUNT_OK);
	assert_int_equal(lock, 0);
	assert_int_equal(account_store_login(f->st, "13800138000", "999999",
					     TEST_NOW + ACCOUNT_LOCK_SECONDS,
					     &lock),
			 ACCOUNT_BAD_PASSWORD);
}

/* A right password forgets the wrong ones before it. */
static void test_login_resets_failures(void **state)
{
	struct fixture *f = *state;
	unsigned lock;

	f->st = open_store(f->db);
	side_exec(f->db, "UPDATE accounts SET failures = 2 "
			 "WHERE number = '13700137000'");
	assert_int_equal(account_store_login(f->st, "13700137000", "111111",
					     TEST_NOW, &lock),
			 ACCOUNT_OK);
	assert_int_equal(side_int(f->db, "SELECT failures FROM accounts "
					 "WHERE number = '13700137000'"),
			 0);
	assert_int_equal(account_store_login(f->st, "13700137000", "111112",
					     TEST_NOW, &lock),
			 ACCOUNT_BAD_PASSWORD);
}

/* --- queries --------------------------------------------------------------- */

/* Every field of the first account, and the seeded recharges. */
static void test_info(void **state)
{
	struct fixture *f = *state;
	struct account_info info;

	f->st = open_store(f->db);
	assert_int_equal(account_store_info(f->st, "13800138000", &info),
			 ACCOUNT_OK);
	assert_string_equal(info.number, "13800138000");
	assert_string_equal(info.holder, "张三");
	assert_string_equal(info.plan, "4G 飞享套餐 38 元");
	assert_int_equal(info.plan_fen, 3800);
	assert_int_equal(info.balance_fen, 8850);
	assert_int_equal(info.data_used_mb, 1536);
	assert_int_equal(info.data_total_mb, 3072);
	assert_int_equal(info.minutes_used, 126);
	assert_int_equal(info.minutes_total, 300);
	assert_int_equal(info.nrecent, 2);
	assert_int_equal(info.recent[0].when, TEST_SEEDED_NEWER);
	assert_int_equal(info.recent[0].fen, 3000);
	assert_string_equal(info.recent[0].method, "amount");
	assert_int_equal(info.recent[1].when, TEST_SEEDED_OLDER);
	assert_int_equal(info.recent[1].fen, 5000);
	assert_string_equal(info.recent[1].method, "card");
	assert_int_equal(account_store_info(f->st, "13900139000", &info),
			 ACCOUNT_OK);
	assert_int_equal(info.nrecent, 0);
	assert_int_equal(account_store_info(f->st, "13500135000", &info),
			 ACCOUNT_NOT_FOUND);
	assert_int_equal(account_store_exists(f->st, "13700137000"),
			 ACCOUNT_OK);
	assert_int_equal(account_store_exists(f->st, "13500135000"),
			 ACCOUNT_NOT_FOUND);
}

/* The last five recharges, newest first; equal times by order of entry. */
static void test_info_recent(void **state)
{
	struct fixture *f = *state;
	struct account_info info;
	int64_t balance;

	f->st = open_store(f->db);
	assert_int_equal(account_store_recharge_amount(f->st, "13800138000",
						       1000, TEST_NOW,
						       &balance),
			 ACCOUNT_OK);
	assert_int_equal(account_store_recharge_card(f->st, "13800138000",
						     "9999000011112222",
						     TEST_NOW + 10, &balance),
			 ACCOUNT_OK);
	assert_int_equal(account_store_recharge_amount(f->st, "13800138000",
						       2000, TEST_NOW + 10,
						       &balance),
			 ACCOUNT_OK);
	assert_int_equal(balance, 8850 + 1000 + 3000 + 2000);
	assert_int_equal(account_store_info(f->st, "13800138000", &info),
			 ACCOUNT_OK);
	assert_int_equal(info.nrecent, ACCOUNT_RECENT);
	assert_int_equal(info.recent[0].fen, 2000);
	assert_int_equal(info.recent[0].when, TEST_NOW + 10);
	assert_string_equal(info.recent[0].method, "amount");
	assert_int_equal(info.recent[1].fen, 3000);
	assert_string_equal(info.recent[1].method, "card");
	assert_int_equal(info.recent[2].fen, 1000);
	assert_int_equal(info.recent[2].when, TEST_NOW);
	assert_int_equal(info.recent[3].when, TEST_SEEDED_NEWER);
	assert_int_equal(info.recent[4].when, TEST_SEEDED_OLDER);
	/* A sixth pushes the oldest out. */
	assert_int_equal(account_store_recharge_amount(f->st, "13800138000",
						       100, TEST_NOW + 20,
						       &balance),
			 ACCOUNT_OK);
	assert_int_equal(account_store_info(f->st, "13800138000", &info),
			 ACCOUNT_OK);
	assert_int_equal(info.nrecent, ACCOUNT_RECENT);
	assert_int_equal(info.recent[0].fen, 100);
	assert_int_equal(info.recent[4].when, TEST_SEEDED_NEWER);
}

/* --- recharges ------------------------------------------------------------- */

/* A card raises the balance by its value once; reuse and unknown fail. */
static void test_recharge_card(void **state)
{
	struct fixture *f = *state;
	int64_t balance = 0;

	f->st = open_store(f->db);
	assert_int_equal(account_store_recharge_card(f->st, "13800138000",
						     "1111222233334444",
						     TEST_NOW, &balance),
			 ACCOUNT_OK);
	assert_int_equal(balance, 8850 + 5000);
	assert_int_equal(balance_of(f->st, "13800138000"), 13850);
	assert_int_equal(side_int(f->db, "SELECT used_at FROM cards WHERE "
					 "code = '1111222233334444' AND "
					 "used_by = '13800138000'"),
			 TEST_NOW);
	assert_int_equal(side_int(f->db, "SELECT count(*) FROM recharges "
					 "WHERE card_code = "
					 "'1111222233334444' AND method = "
					 "'card' AND fen = 5000"),
			 1);
	balance = 7;
	assert_int_equal(account_store_recharge_card(f->st, "13900139000",
						     "1111222233334444",
						     TEST_NOW, &balance),
			 ACCOUNT_CARD_USED);
	assert_int_equal(account_store_recharge_card(f->st, "13800138000",
						     "1111222233334444",
						     TEST_NOW, &balance),
			 ACCOUNT_CARD_USED);
	assert_int_equal(account_store_recharge_card(f->st, "13900139000",
						     "1234123412341234",
						     TEST_NOW, &balance),
			 ACCOUNT_CARD_UNKNOWN);
	assert_int_equal(balance, 7);
	assert_int_equal(balance_of(f->st, "13900139000"), 500);
	assert_int_equal(balance_of(f->st, "13800138000"), 13850);
	/* An unknown number does not spend the card. */
	assert_int_equal(account_store_recharge_card(f->st, "13500135000",
						     "5555666677778888",
						     TEST_NOW, &balance),
			 ACCOUNT_NOT_FOUND);
	assert_int_equal(side_int(f->db, "SELECT count(*) FROM cards "
					 "WHERE used_by IS NULL"),
			 2);
	assert_int_equal(account_store_recharge_card(f->st, "13900139000",
						     "5555666677778888",
						     TEST_NOW, &balance),
			 ACCOUNT_OK);
	assert_int_equal(balance, 10500);
	assert_int_equal(side_int(f->db, "SELECT count(*) FROM recharges"), 4);
}

/* Amounts: whole yuan from 1 to 500. */
static void test_recharge_amount(void **state)
{
	struct fixture *f = *state;
	int64_t balance = 7;

	f->st = open_store(f->db);
	assert_int_equal(account_store_recharge_amount(f->st, "13700137000", 0,
						       TEST_NOW, &balance),
			 ACCOUNT_INVALID);
	assert_int_equal(account_store_recharge_amount(f->st, "13700137000",
						       100, TEST_NOW, &balance),
			 ACCOUNT_OK);
	assert_int_equal(balance, 100);
	assert_int_equal(account_store_recharge_amount(f->st, "13700137000",
						       50000, TEST_NOW,
						       &balance),
			 ACCOUNT_OK);
	assert_int_equal(balance, 50100);
	assert_int_equal(account_store_recharge_amount(f->st, "13700137000",
						       50100, TEST_NOW,
						       &balance),
			 ACCOUNT_INVALID);
	assert_int_equal(account_store_recharge_amount(f->st, "13500135000",
						       100, TEST_NOW, &balance),
			 ACCOUNT_NOT_FOUND);
	assert_int_equal(balance, 50100);
	assert_int_equal(balance_of(f->st, "13700137000"), 50100);
	assert_int_equal(side_int(f->db, "SELECT count(*) FROM recharges WHERE "
					 "number = '13700137000' AND method = "
					 "'amount' AND card_code IS NULL"),
			 2);
}

/* A failure inside the transaction undoes all of it. */
static void test_recharge_rollback(void **state)
{
	struct fixture *f = *state;
	int64_t balance = 7;

	f->st = open_store(f->db);
	side_exec(f->db, "CREATE TRIGGER fail BEFORE INSERT ON recharges "
			 "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
	assert_int_equal(account_store_recharge_card(f->st, "13800138000",
						     "1111222233334444",
						     TEST_NOW, &balance),
			 ACCOUNT_ERROR);
	assert_int_equal(account_store_recharge_amount(f->st, "13800138000",
						       100, TEST_NOW, &balance),
			 ACCOUNT_ERROR);
	assert_int_equal(balance, 7);
	assert_int_equal(side_int(f->db, "SELECT count(*) FROM cards "
					 "WHERE used_by IS NULL"),
			 3);
	assert_int_equal(side_int(f->db, "SELECT count(*) FROM recharges"), 2);
	assert_int_equal(balance_of(f->st, "13800138000"), 8850);
	/* The store goes on working once the fault is gone. */
	side_exec(f->db, "DROP TRIGGER fail");
	assert_int_equal(account_store_recharge_card(f->st, "13800138000",
						     "1111222233334444",
						     TEST_NOW, &balance),
			 ACCOUNT_OK);
	assert_int_equal(balance, 13850);
}

/* One racer: a store of its own, a start line, and what it got. */
struct racer {
	struct account_store *st;
	pthread_barrier_t *start;
	const char *number;
	enum account_status status;
	int64_t balance;
};

/* Races for the first demo card. */
static void *race(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	r->status = account_store_recharge_card(r->st, r->number,
						"1111222233334444", TEST_NOW,
						&r->balance);
	return NULL;
}

/* Connections racing for one card from several threads: one wins. */
static void test_card_race(void **state)
{
	static const char *const numbers[] = { "13800138000", "13900139000",
					       "13700137000" };
	static const int64_t before[] = { 8850, 500, 0 };
	struct fixture *f = *state;
	struct racer racers[TEST_RACERS];
	pthread_t threads[TEST_RACERS];
	pthread_barrier_t start;
	int wins = 0, used = 0;

	pthread_barrier_init(&start, NULL, TEST_RACERS);
	for (size_t i = 0; i < TEST_RACERS; i++)
		racers[i] = (struct racer){
			.st = open_store(f->db),
			.start = &start,
			.number = numbers[i % ARRAY_LEN(numbers)],
		};
	for (size_t i = 0; i < TEST_RACERS; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, race,
						&racers[i]),
				 0);
	for (size_t i = 0; i < TEST_RACERS; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&start);
	for (size_t i = 0; i < TEST_RACERS; i++) {
		if (racers[i].status == ACCOUNT_OK) {
			wins++;
			assert_int_equal(racers[i].balance,
					 before[i % ARRAY_LEN(numbers)] + 5000);
		} else {
			assert_int_equal(racers[i].status, ACCOUNT_CARD_USED);
			used++;
		}
		account_store_close(racers[i].st);
	}
	assert_int_equal(wins, 1);
	assert_int_equal(used, TEST_RACERS - 1);
	assert_int_equal(side_int(f->db, "SELECT count(*) FROM recharges "
					 "WHERE card_code = "
					 "'1111222233334444'"),
			 1);
	assert_int_equal(side_int(f->db, "SELECT sum(balance_fen) FROM "
					 "accounts"),
			 8850 + 500 + 0 + 5000);
}

/* --- the worker ------------------------------------------------------------ */

/* Each kind of request goes through the worker and back on the loop. */
static void test_worker_ops(void **state)
{
	struct fixture *f = *state;
	struct result *r = f->results;

	start_worker(f);
	submit(f, 0, ACCOUNT_OP_EXISTS, "13900139000", NULL, 0);
	submit(f, 1, ACCOUNT_OP_EXISTS, "13500135000", NULL, 0);
	submit(f, 2, ACCOUNT_OP_INFO, "13800138000", NULL, 0);
	submit(f, 3, ACCOUNT_OP_LOGIN, "13800138000", "123456", 0);
	submit(f, 4, ACCOUNT_OP_LOGIN, "13900139000", "123456", 0);
	/* Recharges go first in a batch: let the queries see the seed. */
	run_until(f, 5);
	submit(f, 5, ACCOUNT_OP_RECHARGE_CARD, "13800138000",
	       "1111222233334444", 0);
	submit(f, 6, ACCOUNT_OP_RECHARGE_CARD, "13900139000",
	       "1111222233334444", 0);
	submit(f, 7, ACCOUNT_OP_RECHARGE_AMOUNT, "1380013800", NULL, 100);
	run_until(f, 8);
	for (size_t i = 0; i < 8; i++) {
		assert_true(r[i].called);
		assert_true(r[i].on_loop_thread);
	}
	assert_int_equal(r[0].status, ACCOUNT_OK);
	assert_int_equal(r[1].status, ACCOUNT_NOT_FOUND);
	assert_int_equal(r[2].status, ACCOUNT_OK);
	assert_string_equal(r[2].info.holder, "张三");
	assert_int_equal(r[2].info.nrecent, 2);
	assert_int_equal(r[3].status, ACCOUNT_OK);
	assert_int_equal(r[4].status, ACCOUNT_BAD_PASSWORD);
	assert_int_equal(r[5].status, ACCOUNT_OK);
	assert_int_equal(r[5].balance_fen, 13850);
	assert_int_equal(r[6].status, ACCOUNT_CARD_USED);
	assert_int_equal(r[7].status, ACCOUNT_INVALID);
}

/*
 * Fifty recharges submitted together share commits: a login keeps the
 * worker hashing for tens of milliseconds while they queue, so they
 * arrive as one batch (two if the thread took some with the login).
 */
static void test_worker_group_commit(void **state)
{
	struct fixture *f = *state;
	bool seen[TEST_BURST + 1] = { false };
	unsigned long commits;

	start_worker(f);
	submit(f, 0, ACCOUNT_OP_LOGIN, "13800138000", "123456", 0);
	for (size_t i = 1; i <= TEST_BURST; i++)
		submit(f, i, ACCOUNT_OP_RECHARGE_AMOUNT, "13700137000", NULL,
		       100);
	run_until(f, TEST_BURST + 1);
	assert_int_equal(f->results[0].status, ACCOUNT_OK);
	for (size_t i = 1; i <= TEST_BURST; i++) {
		struct result *r = &f->results[i];
		int64_t k = r->balance_fen / 100;

		assert_true(r->on_loop_thread);
		assert_int_equal(r->status, ACCOUNT_OK);
		assert_int_equal(r->balance_fen % 100, 0);
		assert_true(k >= 1 && k <= TEST_BURST);
		assert_false(seen[k]); /* each saw its own new balance */
		seen[k] = true;
	}
	commits = account_worker_commits(f->w);
	assert_true(commits >= 1);
	assert_true(commits <= 2);
	account_worker_free(f->w);
	f->w = NULL;
	assert_int_equal(side_int(f->db, "SELECT balance_fen FROM accounts "
					 "WHERE number = '13700137000'"),
			 TEST_BURST * 100);
	assert_int_equal(side_int(f->db, "SELECT count(*) FROM recharges "
					 "WHERE number = '13700137000'"),
			 TEST_BURST);
}

/* One failing recharge in a batch leaves the others committed. */
static void test_worker_savepoints(void **state)
{
	struct fixture *f = *state;

	side_exec(f->db, "CREATE TRIGGER fail BEFORE INSERT ON recharges "
			 "WHEN NEW.number = '13900139000' "
			 "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
	start_worker(f);
	submit(f, 0, ACCOUNT_OP_LOGIN, "13800138000", "123456", 0);
	submit(f, 1, ACCOUNT_OP_RECHARGE_AMOUNT, "13800138000", NULL, 100);
	submit(f, 2, ACCOUNT_OP_RECHARGE_CARD, "13900139000",
	       "1111222233334444", 0);
	submit(f, 3, ACCOUNT_OP_RECHARGE_CARD, "13700137000",
	       "1111222233334444", 0);
	submit(f, 4, ACCOUNT_OP_RECHARGE_AMOUNT, "13700137000", NULL, 200);
	run_until(f, 5);
	assert_int_equal(f->results[1].status, ACCOUNT_OK);
	assert_int_equal(f->results[1].balance_fen, 8950);
	assert_int_equal(f->results[2].status, ACCOUNT_ERROR);
	/* The failed attempt did not spend the card: the next one gets it. */
	assert_int_equal(f->results[3].status, ACCOUNT_OK);
	assert_int_equal(f->results[3].balance_fen, 5000);
	assert_int_equal(f->results[4].status, ACCOUNT_OK);
	assert_int_equal(f->results[4].balance_fen, 5200);
	account_worker_free(f->w);
	f->w = NULL;
	assert_int_equal(side_int(f->db, "SELECT sum(balance_fen) FROM "
					 "accounts"),
			 8950 + 500 + 5200);
}

/* A cancelled request still completes, but its callback never runs. */
static void test_worker_cancel(void **state)
{
	struct fixture *f = *state;
	struct account_request *login, *recharge;

	start_worker(f);
	login = submit(f, 0, ACCOUNT_OP_LOGIN, "13800138000", "123456", 0);
	recharge = submit(f, 1, ACCOUNT_OP_RECHARGE_AMOUNT, "13700137000", NULL,
			  300);
	account_worker_cancel(f->w, login);
	account_worker_cancel(f->w, recharge);
	account_worker_cancel(f->w, NULL);
	submit(f, 2, ACCOUNT_OP_INFO, "13700137000", NULL, 0);
	run_until(f, 1);
	assert_false(f->results[0].called);
	assert_false(f->results[1].called);
	assert_true(f->results[2].called);
	account_worker_free(f->w);
	f->w = NULL;
	assert_false(f->results[0].called);
	assert_false(f->results[1].called);
	assert_int_equal(side_int(f->db, "SELECT balance_fen FROM accounts "
					 "WHERE number = '13700137000'"),
			 300);
}

/* Freeing the worker finishes what is queued and runs the callbacks. */
static void test_worker_free_delivers(void **state)
{
	struct fixture *f = *state;

	start_worker(f);
	submit(f, 0, ACCOUNT_OP_RECHARGE_CARD, "13900139000",
	       "5555666677778888", 0);
	submit(f, 1, ACCOUNT_OP_INFO, "13900139000", NULL, 0);
	account_worker_free(f->w);
	f->w = NULL;
	assert_int_equal(f->ndone, 2);
	assert_int_equal(f->results[0].status, ACCOUNT_OK);
	assert_int_equal(f->results[0].balance_fen, 10500);
	assert_int_equal(f->results[1].status, ACCOUNT_OK);
	assert_true(f->results[1].on_loop_thread);
	assert_int_equal(side_int(f->db, "SELECT balance_fen FROM accounts "
					 "WHERE number = '13900139000'"),
			 10500);
}

/* Declares a test case with the shared setup and teardown. */
#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const struct CMUnitTest fixed_tests[] = {
	cmocka_unit_test(test_seed_path),
	TEST(test_seed_fresh),
	TEST(test_seed_hashes),
	TEST(test_reopen_keeps_data),
	TEST(test_newer_version),
	TEST(test_foreign_database),
	TEST(test_not_a_database),
	TEST(test_missing_directory),
	TEST(test_seed_missing),
	TEST(test_no_seed),
	TEST(test_validation),
	TEST(test_invalid_untouched),
	TEST(test_format),
	TEST(test_login_ok),
	TEST(test_login_lockout),
	TEST(test_login_unlock),
	TEST(test_login_resets_failures),
	TEST(test_info),
	TEST(test_info_recent),
	TEST(test_recharge_card),
	TEST(test_recharge_amount),
	TEST(test_recharge_rollback),
	TEST(test_card_race),
	TEST(test_worker_ops),
	TEST(test_worker_group_commit),
	TEST(test_worker_savepoints),
	TEST(test_worker_cancel),
	TEST(test_worker_free_delivers),
};

/* Runs the fixed cases, then one case per broken seed fixture. */
int main(void)
{
	struct CMUnitTest tests[ARRAY_LEN(fixed_tests) + ARRAY_LEN(seed_cases)];
	size_t n = 0;
	int failed;

	for (size_t i = 0; i < ARRAY_LEN(fixed_tests); i++)
		tests[n++] = fixed_tests[i];
	for (size_t i = 0; i < ARRAY_LEN(seed_cases); i++)
		tests[n++] = (struct CMUnitTest){
			.name = seed_cases[i].file,
			.test_func = test_seed_broken,
			.setup_func = setup,
			.teardown_func = teardown,
			.initial_state = (void *)&seed_cases[i],
		};
	failed = cmocka_run_group_tests(tests, group_setup, group_teardown);
	libevent_global_shutdown();
	return failed;
}
