/*
 * menu: the read-only model of the menu sets a caller walks, as loaded by
 * menu_load. A catalog holds one set per language file; it is
 * reference-counted so a SIGHUP reload can swap in a new catalog while
 * sessions still hold the old one. Knows nothing of YAML, sessions or I/O
 * except writing the Graphviz picture to a FILE.
 */
#ifndef HOTLINE_MENU_H
#define HOTLINE_MENU_H

#include <stddef.h>
#include <stdio.h>

#include "util.h"

/* Bytes of one key: one UTF-8 character and its NUL. */
#define MENU_KEY_MAX 5
/* Bounds on a menu's numbers, checked by the loader. */
#define MENU_TIMEOUT_MAX 3600 /* seconds; 0 means no timeout */
#define MENU_COUNT_MAX 100    /* max_timeouts and max_failures: 1..100 */

enum menu_action_type {
	MENU_ACTION_GOTO,     /* another menu of the same set */
	MENU_ACTION_BACK,     /* the menu before this one */
	MENU_ACTION_HOME,     /* the set's start menu */
	MENU_ACTION_REPEAT,   /* show this menu again */
	MENU_ACTION_QUIT,     /* goodbye text, then hang up */
	MENU_ACTION_LANGUAGE, /* switch language and/or charset */
	MENU_ACTION_FLOW,     /* a named service flow */
	MENU_ACTION_COUNT,
};

enum menu_flow {
	MENU_FLOW_QUERY, /* phone number and password, then the "account" menu */
	MENU_FLOW_RECHARGE, /* phone number, then the "recharge" menu */
	MENU_FLOW_CHAT,     /* the chat room */
	MENU_FLOW_BALANCE,  /* at the account menu: the balance */
	MENU_FLOW_USAGE,    /* data and minutes used this month */
	MENU_FLOW_PLAN,     /* the plan */
	MENU_FLOW_RECENT,   /* the last five recharges */
	MENU_FLOW_CARD,     /* at the recharge menu: by prepaid card */
	MENU_FLOW_AMOUNT,   /* by amount */
	MENU_FLOW_WIRE, /* the caller's own connection, as the server sees it */
	MENU_FLOW_COUNT,
};

/* Menus the query and recharge flows lead to, by name. */
#define MENU_ACCOUNT_MENU "account"
#define MENU_RECHARGE_MENU "recharge"

struct menu;

struct menu_action {
	enum menu_action_type type;
	const struct menu *target; /* GOTO: resolved by the loader */
	char *language;      /* LANGUAGE: set to switch to, or NULL to keep */
	int charset;         /* LANGUAGE: an enum charset, or -1 to keep */
	enum menu_flow flow; /* FLOW */
};

struct menu_key {
	char key[MENU_KEY_MAX]; /* one UTF-8 character */
	struct menu_action action;
};

struct menu {
	char *name;
	char *text;    /* shown exactly as written, UTF-8, "\n" line ends */
	char *invalid; /* this menu's invalid-key text, or NULL for the set's */
	int timeout;   /* seconds of silence before a timeout; 0: none */
	int max_timeouts;
	int max_failures;
	struct menu_key *keys;
	size_t nkeys;
};

struct menu_text {
	char *name;
	char *text;
};

struct menu_set {
	char *language; /* id used by language actions, e.g. "zh-CN" */
	char *label;    /* human name, e.g. "中文" */
	char *path;     /* file it came from */
	struct menu *menus;
	size_t nmenus;
	const struct menu *start;
	struct menu_text *texts; /* sorted by name */
	size_t ntexts;
};

struct menu_catalog {
	unsigned refs;
	struct menu_set *sets; /* sorted by file name */
	size_t nsets;
};

/* Texts every set must define; flows add their own. */
extern const char *const menu_required_texts[];
extern const size_t menu_required_texts_count;

/*
 * Texts a set must define when one of its keys starts the flow: a
 * NULL-terminated list (empty for flows not built yet).
 */
const char *const *menu_flow_texts(enum menu_flow flow);
/* The menu a flow leads to, which a set using it must have; NULL if none. */
const char *menu_flow_menu(enum menu_flow flow);

/*
 * Appends text to out with each "{name}" replaced by the value paired
 * with it in vars (name, value, name, value, ..., NULL). Unknown names
 * and a lone "{" are copied as they are.
 */
void menu_expand(const char *text, const char *const *vars, struct strbuf *out);

/* "goto", "back", ...: the names menu files use. */
const char *menu_action_name(enum menu_action_type type);
const char *menu_flow_name(enum menu_flow flow);

/* Menu of that name in the set, or NULL. */
const struct menu *menu_set_find(const struct menu_set *set, const char *name);
/* Text of that name in the set, or NULL. */
const char *menu_set_text(const struct menu_set *set, const char *name);
/* Key entry for a key (one UTF-8 character), or NULL. */
const struct menu_key *menu_find_key(const struct menu *menu, const char *key,
				     size_t len);
/* Set with that language id, or NULL. */
const struct menu_set *menu_catalog_find(const struct menu_catalog *cat,
					 const char *language);
/* The set for language if present, else the first set. */
const struct menu_set *menu_catalog_default(const struct menu_catalog *cat,
					    const char *language);

/* Returns an empty catalog with one reference; the caller owns it. */
struct menu_catalog *menu_catalog_new(void);
/* Takes one more reference; returns cat. */
struct menu_catalog *menu_catalog_ref(struct menu_catalog *cat);
/* Drops one reference, freeing the catalog with the last; NULL is ignored. */
void menu_catalog_unref(struct menu_catalog *cat);

/* Writes the menu graph of every set as Graphviz DOT. */
void menu_catalog_write_dot(const struct menu_catalog *cat, FILE *out);

#endif
