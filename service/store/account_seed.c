/*
 * account_seed: loads the demo data file (menus/demo-data.yaml, YAML
 * read by yamldoc) into a new account database: accounts, their service
 * passwords hashed with yescrypt on the way in, prepaid cards and past
 * recharges. It runs inside the transaction that creates the schema, so a
 * broken file leaves nothing behind, and it stops at the first problem,
 * naming the file, line and column. Money is written in yuan as text
 * ("88.50") and converted to integer fen digit by digit, never through
 * floating point. Knows nothing of sessions or sockets.
 */
#include "account.h"
#include "account_internal.h"
#include "log/trace.h"
#include "mem.h"
#include "money.h"
#include "passhash.h"
#include "strbuf.h"
#include "yamldoc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Largest seed file read: demo data, not a customer base. */
#define SEED_MAX_FILE (1024 * 1024)
/* Accounts, cards, or recharges of one account, in a seed file. */
#define SEED_MAX_ITEMS 1000
/* Largest sum of money in a seed file, in yuan: far from fen overflow. */
#define SEED_MAX_YUAN 10000000
/* Largest megabyte or minute count in a seed file. */
#define SEED_MAX_COUNT 1000000000
/* Bytes of a value quoted in an error message, escaped. */
#define SEED_QUOTE_MAX 64
/* Earliest and latest year of a recharge time. */
#define SEED_YEAR_MIN 1970
#define SEED_YEAR_MAX 9999
/* Largest time zone offset, in minutes (UTC+14:00). */
#define SEED_OFFSET_MAX (14 * 60)

/* A field of a mapping, and whether it must be there. */
struct seed_field {
	const char *name;
	bool required;
};

/* The state of loading one seed file. */
struct seed {
	const char *path;
	sqlite3 *db;
	struct yamldoc yd; /* keeps the first problem only */
	/* One hashing work area for every password of the file. */
	struct passhash ph;
	sqlite3_stmt *insert_account, *insert_card, *insert_recharge;
};

/* Fields of an account. */
enum seed_account_field {
	SEED_ACCOUNT_NUMBER,
	SEED_ACCOUNT_PASSWORD,
	SEED_ACCOUNT_HOLDER,
	SEED_ACCOUNT_PLAN,
	SEED_ACCOUNT_PLAN_PRICE,
	SEED_ACCOUNT_BALANCE,
	SEED_ACCOUNT_DATA_USED,
	SEED_ACCOUNT_DATA_TOTAL,
	SEED_ACCOUNT_MINUTES_USED,
	SEED_ACCOUNT_MINUTES_TOTAL,
	SEED_ACCOUNT_RECHARGES,
	SEED_ACCOUNT_COUNT,
};

/* clang-format off */
static const struct seed_field account_fields[] = {
	[SEED_ACCOUNT_NUMBER] = { "number", true },
	[SEED_ACCOUNT_PASSWORD] = { "password", true },
	[SEED_ACCOUNT_HOLDER] = { "holder", true },
	[SEED_ACCOUNT_PLAN] = { "plan", true },
	[SEED_ACCOUNT_PLAN_PRICE] = { "plan_price", true },
	[SEED_ACCOUNT_BALANCE] = { "balance", true },
	[SEED_ACCOUNT_DATA_USED] = { "data_used_mb", true },
	[SEED_ACCOUNT_DATA_TOTAL] = { "data_total_mb", true },
	[SEED_ACCOUNT_MINUTES_USED] = { "minutes_used", true },
	[SEED_ACCOUNT_MINUTES_TOTAL] = { "minutes_total", true },
	[SEED_ACCOUNT_RECHARGES] = { "recharges", false },
};
/* clang-format on */
_Static_assert(ARRAY_LEN(account_fields) == SEED_ACCOUNT_COUNT,
	       "one entry per account field");

/* The usage counters, in the order of the columns they fill. */
static const enum seed_account_field usage_fields[] = {
	SEED_ACCOUNT_DATA_USED,
	SEED_ACCOUNT_DATA_TOTAL,
	SEED_ACCOUNT_MINUTES_USED,
	SEED_ACCOUNT_MINUTES_TOTAL,
};

/* Fields of the top-level mapping. */
enum root_field {
	ROOT_ACCOUNTS,
	ROOT_CARDS,
	ROOT_FIELD_COUNT
};

/* clang-format off */
static const struct seed_field root_fields[] = {
	[ROOT_ACCOUNTS] = { "accounts", true },
	[ROOT_CARDS] = { "cards", true },
};
/* clang-format on */
_Static_assert(ARRAY_LEN(root_fields) == ROOT_FIELD_COUNT,
	       "one entry per top-level field");

/* Fields of a prepaid card. */
enum card_field {
	CARD_CODE,
	CARD_VALUE,
	CARD_FIELD_COUNT
};

/* clang-format off */
static const struct seed_field card_fields[] = {
	[CARD_CODE] = { "code", true },
	[CARD_VALUE] = { "value", true },
};
/* clang-format on */
_Static_assert(ARRAY_LEN(card_fields) == CARD_FIELD_COUNT,
	       "one entry per card field");

/* Fields of a past recharge. */
enum recharge_field {
	RECHARGE_AT,
	RECHARGE_AMOUNT,
	RECHARGE_METHOD,
	RECHARGE_FIELD_COUNT
};

/* clang-format off */
static const struct seed_field recharge_fields[] = {
	[RECHARGE_AT] = { "at", true },
	[RECHARGE_AMOUNT] = { "amount", true },
	[RECHARGE_METHOD] = { "method", true },
};
/* clang-format on */
_Static_assert(ARRAY_LEN(recharge_fields) == RECHARGE_FIELD_COUNT,
	       "one entry per recharge field");

/* --- errors ------------------------------------------------------------ */

/*
 * Records a problem at a node's position (the whole file when node is
 * NULL); sd->yd keeps the first. Returns -1 for the caller to pass on.
 */
static int seed_fail(struct seed *sd, const yaml_node_t *node, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
static int seed_fail(struct seed *sd, const yaml_node_t *node, const char *fmt,
		     ...)
{
	va_list ap;

	va_start(ap, fmt);
	yamldoc_verror(&sd->yd, node, fmt, ap);
	va_end(ap);
	return -1;
}

/* A scalar's text, escaped and cut for a message, into out. */
static const char *quote(const yaml_node_t *node, char *out, size_t outsz)
{
	return trace_escape((const char *)node->data.scalar.value,
			    node->data.scalar.length, out, outsz);
}

/* --- values ------------------------------------------------------------- */

/* The text of a scalar field; -1 if the node is not one. */
static int seed_scalar(struct seed *sd, const yaml_node_t *node,
		       const char *field, const char **text)
{
	char kind[YAMLDOC_QUOTE_BUF];

	/*
	 * Set even on failure: callers read it only on success, but static
	 * analysis cannot tell (seed_fail is variadic, so never inlined).
	 */
	*text = "";
	if (node->type != YAML_SCALAR_NODE)
		return seed_fail(sd, node, "%s must be text (got %s)", field,
				 yamldoc_kind(node, kind));
	*text = (const char *)node->data.scalar.value;
	/* A "\0" escape would cut the text short where C reads it. */
	if (strlen(*text) != node->data.scalar.length)
		return seed_fail(sd, node, "%s contains a NUL character",
				 field);
	return 0;
}

/* Copies a name (holder, plan): non-empty, short, no control characters. */
static int seed_text(struct seed *sd, const yaml_node_t *node,
		     const char *field, char *out, size_t outsz)
{
	const char *text;
	size_t len;

	if (seed_scalar(sd, node, field, &text) < 0)
		return -1;
	len = node->data.scalar.length;
	if (len == 0)
		return seed_fail(sd, node, "%s is empty", field);
	if (len >= outsz)
		return seed_fail(sd, node, "%s is longer than %zu bytes", field,
				 outsz - 1);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			return seed_fail(sd, node,
					 "%s contains a control character",
					 field);
	memcpy(out, text, len + 1);
	return 0;
}

/* Parses len digits at s; -1 if any is not a digit. */
static int64_t digits_value(const char *s, size_t len)
{
	int64_t v = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* A sum of money in yuan, to fen; positive unless zero_ok. */
static int seed_yuan(struct seed *sd, const yaml_node_t *node,
		     const char *field, bool zero_ok, int64_t *fen)
{
	char q[SEED_QUOTE_MAX];
	const char *text;

	if (seed_scalar(sd, node, field, &text) < 0)
		return -1;
	if (money_parse_yuan_fen(text, SEED_MAX_YUAN, fen) < 0 ||
	    (*fen == 0 && !zero_ok))
		return seed_fail(sd, node,
				 "%s must be %syuan with at most two decimals, "
				 "up to %d (got \"%s\")",
				 field, zero_ok ? "" : "a positive sum of ",
				 SEED_MAX_YUAN, quote(node, q, sizeof(q)));
	return 0;
}

/* A count of megabytes or minutes: 0 to SEED_MAX_COUNT. */
static int seed_count(struct seed *sd, const yaml_node_t *node,
		      const char *field, int64_t *value)
{
	char q[SEED_QUOTE_MAX];
	const char *text;
	size_t len;

	if (seed_scalar(sd, node, field, &text) < 0)
		return -1;
	len = node->data.scalar.length;
	*value = len > 0 && len <= 10 ? digits_value(text, len) : -1;
	if (*value < 0 || *value > SEED_MAX_COUNT)
		return seed_fail(sd, node,
				 "%s must be an integer from 0 to %d (got "
				 "\"%s\")",
				 field, SEED_MAX_COUNT,
				 quote(node, q, sizeof(q)));
	return 0;
}

/* Days from 1970-01-01 to a date of the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Days in a month of a year. */
static int64_t month_days(int64_t y, int64_t m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

/*
 * "2025-05-20T09:15:33+08:00" (RFC 3339, "Z" or an offset, "T" or a
 * space) to seconds since the epoch; -1 if malformed.
 */
static int64_t parse_time(const char *s)
{
	int64_t y, mo, d, h, mi, sec, offset = 0;
	size_t len = strlen(s);

	if ((len != 20 && len != 25) || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
		return -1;
	y = digits_value(s, 4);
	mo = digits_value(s + 5, 2);
	d = digits_value(s + 8, 2);
	h = digits_value(s + 11, 2);
	mi = digits_value(s + 14, 2);
	sec = digits_value(s + 17, 2);
	if (y < SEED_YEAR_MIN || y > SEED_YEAR_MAX || mo < 1 || mo > 12 ||
	    d < 1 || d > month_days(y, mo) || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || sec < 0 || sec > 59)
		return -1;
	if (len == 20 && s[19] != 'Z')
		return -1;
	if (len == 25) {
		int64_t oh = digits_value(s + 20, 2),
			om = digits_value(s + 23, 2);

		if ((s[19] != '+' && s[19] != '-') || s[22] != ':' || oh < 0 ||
		    om < 0 || om > 59 || oh * 60 + om > SEED_OFFSET_MAX)
			return -1;
		offset = (s[19] == '-' ? -1 : 1) * (oh * 60 + om) * 60;
	}
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	       offset;
}

/* --- mappings and sequences -------------------------------------------- */

/* The node at a document index. */
static yaml_node_t *node_at(struct seed *sd, int index)
{
	return yamldoc_node(&sd->yd, index);
}

/* The most fields a mapping of the file has. */
#define SEED_MAX_FIELDS SEED_ACCOUNT_COUNT

/*
 * Reports a field the mapping does not have, listing those it has: the
 * words the seeder has always used.
 */
static void seed_unknown(struct yamldoc *d, const struct yamldoc_map *map,
			 const yaml_node_t *key)
{
	char q[SEED_QUOTE_MAX];
	struct strbuf names;

	strbuf_init(&names);
	for (size_t i = 0; i < map->count; i++)
		strbuf_printf(&names, "%s%s", i == 0 ? "" : ", ",
			      map->names[i]);
	yamldoc_error(d, key, "unknown field \"%s\" in %s (expected %s)",
		      quote(key, q, sizeof(q)), map->what, names.data);
	strbuf_fini(&names);
}

/*
 * Sorts a mapping's pairs into fields: values[i] for fields[i], NULL when
 * absent. Unknown, duplicate and missing required fields are errors.
 */
static int seed_fields(struct seed *sd, const yaml_node_t *map,
		       const char *what, const struct seed_field *fields,
		       size_t n, yaml_node_t **values)
{
	const char *names[SEED_MAX_FIELDS];
	struct yamldoc_map spec = { what, names, n, seed_unknown };
	struct yamldoc_field found[SEED_MAX_FIELDS];

	/* First, so values are set even on failure (see seed_scalar). */
	for (size_t i = 0; i < n; i++) {
		values[i] = NULL;
		names[i] = fields[i].name;
	}
	if (yamldoc_fields(&sd->yd, map, &spec, found) < 0 ||
	    yamldoc_has_errors(&sd->yd))
		return -1;
	for (size_t i = 0; i < n; i++)
		values[i] = found[i].value;
	for (size_t i = 0; i < n; i++)
		if (fields[i].required && values[i] == NULL)
			return seed_fail(sd, map, "%s has no field \"%s\"",
					 what, fields[i].name);
	return 0;
}

/* Checks a node is a sequence of at most SEED_MAX_ITEMS items. */
static int seed_sequence(struct seed *sd, const yaml_node_t *node,
			 const char *field)
{
	char kind[YAMLDOC_QUOTE_BUF];

	/*
	 * Callers pass fields seed_fields found (or checked for NULL); the
	 * analyzer cannot see that seed_fail (variadic, so never inlined)
	 * returns -1 and thinks a missing field gets here:
	 * NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
	if (node->type != YAML_SEQUENCE_NODE)
		return seed_fail(sd, node, "%s must be a sequence (got %s)",
				 field, yamldoc_kind(node, kind));
	if (node->data.sequence.items.top - node->data.sequence.items.start >
	    SEED_MAX_ITEMS)
		return seed_fail(sd, node, "%s has more than %d items", field,
				 SEED_MAX_ITEMS);
	return 0;
}

/* Runs an insert, then resets it; -1 with a message naming what failed. */
static int seed_insert(struct seed *sd, sqlite3_stmt *stmt,
		       const yaml_node_t *node, const char *what,
		       const char *key)
{
	int rc = sqlite3_step(stmt);
	int ret = 0;

	if (rc != SQLITE_DONE) {
		if (sqlite3_extended_errcode(sd->db) ==
		    SQLITE_CONSTRAINT_PRIMARYKEY)
			ret = seed_fail(sd, node, "duplicate %s \"%s\"", what,
					key);
		else
			ret = seed_fail(sd, node, "cannot store %s: %s", what,
					sqlite3_errmsg(sd->db));
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return ret;
}

/* --- items --------------------------------------------------------------- */

/*
 * Hashes a password with yescrypt and a fresh salt into hash (at least
 * PASSHASH_MAX bytes).
 */
static int seed_hash(struct seed *sd, const yaml_node_t *node,
		     const char *password, char *hash)
{
	if (passhash_make(&sd->ph, password, hash, PASSHASH_MAX) < 0)
		return seed_fail(sd, node, "cannot hash the password: %s",
				 strerror(errno));
	return 0;
}

/* Stores one past recharge of an account. */
static int seed_recharge(struct seed *sd, const yaml_node_t *node,
			 const char *number)
{
	yaml_node_t *v[RECHARGE_FIELD_COUNT];
	char q[SEED_QUOTE_MAX];
	const char *text, *method;
	int64_t at, fen;
	sqlite3_stmt *stmt = sd->insert_recharge;

	if (seed_fields(sd, node, "a recharge", recharge_fields,
			RECHARGE_FIELD_COUNT, v) < 0 ||
	    seed_scalar(sd, v[RECHARGE_AT], "at", &text) < 0)
		return -1;
	at = parse_time(text);
	if (at < 0)
		return seed_fail(sd, v[RECHARGE_AT],
				 "at must be a time like "
				 "\"2025-05-20T09:15:33+08:00\" (got \"%s\")",
				 quote(v[RECHARGE_AT], q, sizeof(q)));
	if (seed_yuan(sd, v[RECHARGE_AMOUNT], "amount", false, &fen) < 0 ||
	    seed_scalar(sd, v[RECHARGE_METHOD], "method", &method) < 0)
		return -1;
	if (strcmp(method, "card") != 0 && strcmp(method, "amount") != 0)
		return seed_fail(sd, v[RECHARGE_METHOD],
				 "method must be card or amount (got \"%s\")",
				 quote(v[RECHARGE_METHOD], q, sizeof(q)));
	sqlite3_bind_text(stmt, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, fen);
	sqlite3_bind_text(stmt, 3, method, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, at);
	return seed_insert(sd, stmt, node, "recharge", number);
}

/* Stores one account, hashing its password, then its past recharges. */
static int seed_account(struct seed *sd, const yaml_node_t *node)
{
	char holder[ACCOUNT_TEXT_MAX], plan[ACCOUNT_TEXT_MAX];
	char hash[PASSHASH_MAX], q[SEED_QUOTE_MAX];
	yaml_node_t *v[SEED_ACCOUNT_COUNT], *list;
	const char *number, *password;
	int64_t plan_fen, balance_fen, usage[ARRAY_LEN(usage_fields)];
	sqlite3_stmt *stmt = sd->insert_account;

	if (seed_fields(sd, node, "an account", account_fields,
			SEED_ACCOUNT_COUNT, v) < 0 ||
	    seed_scalar(sd, v[SEED_ACCOUNT_NUMBER], "number", &number) < 0)
		return -1;
	if (!account_number_is_valid(number))
		return seed_fail(sd, v[SEED_ACCOUNT_NUMBER],
				 "number \"%s\" is not a mobile number (11 "
				 "digits, a 13x to 19x prefix)",
				 quote(v[SEED_ACCOUNT_NUMBER], q, sizeof(q)));
	if (seed_scalar(sd, v[SEED_ACCOUNT_PASSWORD], "password", &password) <
	    0)
		return -1;
	/* Never quote a password, even a broken one. */
	if (!account_password_is_valid(password))
		return seed_fail(sd, v[SEED_ACCOUNT_PASSWORD],
				 "password must be %d digits",
				 ACCOUNT_PASSWORD_LEN);
	if (seed_text(sd, v[SEED_ACCOUNT_HOLDER], "holder", holder,
		      sizeof(holder)) < 0 ||
	    seed_text(sd, v[SEED_ACCOUNT_PLAN], "plan", plan, sizeof(plan)) <
		    0 ||
	    seed_yuan(sd, v[SEED_ACCOUNT_PLAN_PRICE], "plan_price", true,
		      &plan_fen) < 0 ||
	    seed_yuan(sd, v[SEED_ACCOUNT_BALANCE], "balance", true,
		      &balance_fen) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(usage_fields); i++)
		if (seed_count(sd, v[usage_fields[i]],
			       account_fields[usage_fields[i]].name,
			       &usage[i]) < 0)
			return -1;
	list = v[SEED_ACCOUNT_RECHARGES];
	if (list != NULL && seed_sequence(sd, list, "recharges") < 0)
		return -1;
	if (seed_hash(sd, v[SEED_ACCOUNT_PASSWORD], password, hash) < 0)
		return -1;
	sqlite3_bind_text(stmt, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, holder, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, plan, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, plan_fen);
	sqlite3_bind_int64(stmt, 5, balance_fen);
	for (size_t i = 0; i < ARRAY_LEN(usage_fields); i++)
		sqlite3_bind_int64(stmt, 6 + (int)i, usage[i]);
	sqlite3_bind_text(stmt, 10, hash, -1, SQLITE_STATIC);
	if (seed_insert(sd, stmt, v[SEED_ACCOUNT_NUMBER], "account", number) <
	    0)
		return -1;
	if (list == NULL)
		return 0;
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top; it++)
		if (seed_recharge(sd, node_at(sd, *it), number) < 0)
			return -1;
	return 0;
}

/* Stores one unused prepaid card. */
static int seed_card(struct seed *sd, const yaml_node_t *node)
{
	yaml_node_t *v[CARD_FIELD_COUNT];
	char q[SEED_QUOTE_MAX];
	const char *code;
	int64_t fen;

	if (seed_fields(sd, node, "a card", card_fields, CARD_FIELD_COUNT, v) <
		    0 ||
	    seed_scalar(sd, v[CARD_CODE], "code", &code) < 0)
		return -1;
	if (!account_card_is_valid(code))
		return seed_fail(sd, v[CARD_CODE],
				 "card code \"%s\" is not %d digits",
				 quote(v[CARD_CODE], q, sizeof(q)),
				 ACCOUNT_CARD_LEN);
	if (seed_yuan(sd, v[CARD_VALUE], "value", false, &fen) < 0)
		return -1;
	sqlite3_bind_text(sd->insert_card, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(sd->insert_card, 2, fen);
	return seed_insert(sd, sd->insert_card, v[CARD_CODE], "card", code);
}

/* Stores everything under the top-level mapping. */
static int seed_root(struct seed *sd, const yaml_node_t *root)
{
	yaml_node_t *v[ROOT_FIELD_COUNT];

	if (seed_fields(sd, root, "the top level", root_fields,
			ROOT_FIELD_COUNT, v) < 0 ||
	    seed_sequence(sd, v[ROOT_ACCOUNTS], "accounts") < 0 ||
	    seed_sequence(sd, v[ROOT_CARDS], "cards") < 0)
		return -1;
	for (yaml_node_item_t *it = v[ROOT_ACCOUNTS]->data.sequence.items.start;
	     it < v[ROOT_ACCOUNTS]->data.sequence.items.top; it++)
		if (seed_account(sd, node_at(sd, *it)) < 0)
			return -1;
	for (yaml_node_item_t *it = v[ROOT_CARDS]->data.sequence.items.start;
	     it < v[ROOT_CARDS]->data.sequence.items.top; it++)
		if (seed_card(sd, node_at(sd, *it)) < 0)
			return -1;
	return 0;
}

/* --- the file ------------------------------------------------------------ */

/* Prepares the three inserts; -1 with a message. */
static int seed_prepare(struct seed *sd)
{
	/* clang-format off */
	static const char *const sql[] = {
		"INSERT INTO accounts (number, holder, plan_name, plan_fen, "
		"balance_fen, data_used_mb, data_total_mb, minutes_used, "
		"minutes_total, password_hash) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		"INSERT INTO cards (code, fen) VALUES (?, ?)",
		("INSERT INTO recharges (number, fen, method, at) "
		 "VALUES (?, ?, ?, ?)"),
	};
	/* clang-format on */
	sqlite3_stmt **stmts[] = { &sd->insert_account, &sd->insert_card,
				   &sd->insert_recharge };

	_Static_assert(ARRAY_LEN(sql) == ARRAY_LEN(stmts), "one per insert");
	for (size_t i = 0; i < ARRAY_LEN(sql); i++)
		if (sqlite3_prepare_v2(sd->db, sql[i], -1, stmts[i], NULL) !=
		    SQLITE_OK)
			return seed_fail(sd, NULL, "cannot prepare: %s",
					 sqlite3_errmsg(sd->db));
	return 0;
}

/* The first problem as "path:line:col: message"; the caller owns it. */
static char *seed_message(const struct seed *sd)
{
	const struct yamldoc_error *e = &sd->yd.errors[0];

	if (e->line > 0)
		return xasprintf("%s:%u:%u: %s", sd->path, e->line, e->col,
				 e->message);
	return xasprintf("%s: %s", sd->path, e->message);
}

/* Loads the demo data file into db; see account_internal.h. */
int account_seed_load(sqlite3 *db, const char *path, char **err)
{
	struct seed sd = { .path = path, .db = db };
	int fd;

	yamldoc_init(&sd.yd, path, 1); /* the seeder stops at its first */
	passhash_init(&sd.ph);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		seed_fail(&sd, NULL, "cannot open the demo data: %s",
			  strerror(errno));
		goto out;
	}
	if (yamldoc_load_fd(&sd.yd, fd, SEED_MAX_FILE) < 0 ||
	    seed_prepare(&sd) < 0)
		goto out;
	seed_root(&sd, yamldoc_root(&sd.yd));
out:
	sqlite3_finalize(sd.insert_account);
	sqlite3_finalize(sd.insert_card);
	sqlite3_finalize(sd.insert_recharge);
	passhash_fini(&sd.ph);
	if (fd >= 0)
		close(fd);
	*err = yamldoc_has_errors(&sd.yd) ? seed_message(&sd) : NULL;
	yamldoc_fini(&sd.yd);
	return *err != NULL ? -1 : 0;
}
