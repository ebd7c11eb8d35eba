/*
 * menu: the read-only model of the menu sets a caller walks, as loaded by
 * menu_load. A catalog holds one set per language file; it is
 * reference-counted so a SIGHUP reload can swap in a new catalog while
 * sessions still hold the old one. Knows nothing of YAML, sessions or I/O
 * except writing the Graphviz picture to a FILE.
 */
#ifndef HOTLINE_MENU_H
#define HOTLINE_MENU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "strbuf.h"

/* Bytes of one key: one UTF-8 character and its NUL. */
#define MENU_KEY_MAX 5
/* Bounds on a menu's numbers, checked by the loader. */
#define MENU_TIMEOUT_MAX 3600 /* seconds; 0 means no timeout */
#define MENU_COUNT_MAX 100    /* max_timeouts 0..100, max_failures 1..100 */

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

/*
 * The texts the service says, declared once: the flows name them by
 * these constants (a misspelt one does not compile), and the loader
 * requires a set to carry each one its flows need (menu_text_needed), so
 * the two cannot disagree. menu.c holds the YAML names.
 */
enum menu_text_id {
	MENU_TEXT_GOODBYE,      /* "3" and every hang-up the service decides */
	MENU_TEXT_INVALID,      /* a key the menu does not have */
	MENU_TEXT_TIMEOUT,      /* a silence at a menu */
	MENU_TEXT_UNAVAILABLE,  /* a flow that is not built yet */
	MENU_TEXT_TOO_LONG,     /* a line over the line editor's limit */
	MENU_TEXT_CLOSING,      /* the service is shutting down */
	MENU_TEXT_MENU_GONE,    /* a reload removed the caller's menu */
	MENU_TEXT_BUSY,         /* a caller over a cap, from the default set */
	MENU_TEXT_AYT,          /* the answer to telnet's IAC AYT */
	MENU_TEXT_QUERY_NUMBER, /* ask for the phone number */
	MENU_TEXT_BAD_NUMBER,   /* not an 11-digit mobile number */
	MENU_TEXT_QUERY_PASSWORD,  /* ask for the 6-digit service password */
	MENU_TEXT_QUERY_WRONG,     /* wrong number or password */
	MENU_TEXT_QUERY_LOCKED,    /* locked: {minutes} */
	MENU_TEXT_ACCOUNT_BALANCE, /* {holder} {number} {balance} */
	MENU_TEXT_ACCOUNT_LOW_BALANCE, /* a balance under 10 yuan */
	MENU_TEXT_ACCOUNT_USAGE, /* {data_used} {data_total} {minutes_used} {minutes_total} */
	MENU_TEXT_ACCOUNT_PLAN,          /* {plan} {plan_fee} */
	MENU_TEXT_ACCOUNT_RECENT,        /* heading of the last recharges */
	MENU_TEXT_ACCOUNT_RECENT_ITEM,   /* {date} {amount} {method} */
	MENU_TEXT_ACCOUNT_RECENT_NONE,   /* no recharges yet */
	MENU_TEXT_METHOD_CARD,           /* {method} for a card recharge */
	MENU_TEXT_METHOD_AMOUNT,         /* {method} for one by amount */
	MENU_TEXT_SERVICE_BUSY,          /* the database failed */
	MENU_TEXT_RECHARGE_NUMBER,       /* ask for the number to recharge */
	MENU_TEXT_RECHARGE_NO_ACCOUNT,   /* no such account */
	MENU_TEXT_RECHARGE_CARD,         /* ask for the 16-digit card code */
	MENU_TEXT_RECHARGE_BAD_CARD,     /* not a card code */
	MENU_TEXT_RECHARGE_CARD_UNKNOWN, /* no such card */
	MENU_TEXT_RECHARGE_CARD_USED,    /* the card was spent */
	MENU_TEXT_RECHARGE_AMOUNT,       /* ask for whole yuan, 1-500 */
	MENU_TEXT_RECHARGE_BAD_AMOUNT,   /* not an amount allowed */
	MENU_TEXT_RECHARGE_CONFIRM, /* {amount} {number}: 1 confirm, 2 cancel */
	MENU_TEXT_RECHARGE_CANCELLED, /* 2 at the confirmation */
	MENU_TEXT_RECHARGE_DONE,      /* {amount} {number} {balance} */
	MENU_TEXT_CHAT_BANNER,   /* on entering: name, commands, how to leave */
	MENU_TEXT_CHAT_HELP,     /* /help */
	MENU_TEXT_CHAT_TOO_LONG, /* a line over the chat limit */
	MENU_TEXT_CHAT_SLOW_DOWN,    /* over the flood limit */
	MENU_TEXT_CHAT_BAD_NICK,     /* /nick with a name not allowed */
	MENU_TEXT_CHAT_NICK_TAKEN,   /* /nick with a name in use */
	MENU_TEXT_CHAT_NO_SUCH_NICK, /* /msg to nobody: {nick} */
	MENU_TEXT_CHAT_SENT,         /* /msg delivered: {nick} */
	MENU_TEXT_CHAT_UNKNOWN,      /* an unknown /command: {command} */
	MENU_TEXT_CHAT_USAGE, /* a command without its arguments: {usage} */
	MENU_TEXT_CHAT_IDLE_WARNING, /* a minute before the idle limit */
	MENU_TEXT_CHAT_REMOVED,      /* dropped from the room for not reading */
	MENU_TEXT_CHAT_OP_PASSWORD,  /* a bare /op asks for the password */
	MENU_TEXT_CHAT_OP_OK,        /* /op accepted */
	MENU_TEXT_CHAT_OP_REFUSED, /* /op refused, or no operators on this server */
	MENU_TEXT_CHAT_NOT_OP,     /* an operator's command from someone else */
	MENU_TEXT_CHAT_WALL,       /* an operator's broadcast: {text} */
	MENU_TEXT_CHAT_KICKED,     /* taken out of the room: {nick} {reason} */
	MENU_TEXT_CHAT_MUTED,      /* a muted member's line went nowhere */
	MENU_TEXT_CHAT_OP_DONE, /* {action} {nick} done */
	/* The room's own lines, in each member's language. */
	MENU_TEXT_CHAT_JOINED,          /* {nick} */
	MENU_TEXT_CHAT_LEFT_HUNG_UP,    /* {nick} */
	MENU_TEXT_CHAT_LEFT_MENU,       /* {nick} */
	MENU_TEXT_CHAT_LEFT_IDLE,       /* {nick} */
	MENU_TEXT_CHAT_LEFT_SLOW,       /* {nick} */
	MENU_TEXT_CHAT_LEFT_KICKED,     /* {nick} {by}, no reason given */
	MENU_TEXT_CHAT_LEFT_KICKED_WHY, /* {nick} {by} {reason} */
	MENU_TEXT_CHAT_LEFT_CLOSING,    /* {nick} */
	MENU_TEXT_CHAT_RENAMED,         /* {old} {nick} */
	MENU_TEXT_CHAT_PRIVATE,         /* {time} {nick} {text} */
	MENU_TEXT_CHAT_NOTICE,          /* {text} */
	MENU_TEXT_CHAT_WHO,             /* /who's heading: {count} */
	MENU_TEXT_CHAT_WHO_ROW,         /* {nick} {idle} */
	MENU_TEXT_CHAT_SECONDS,         /* an idle time: {n} */
	MENU_TEXT_CHAT_MINUTES,         /* {n} */
	MENU_TEXT_CHAT_HOURS,           /* {n} */
	MENU_TEXT_CHAT_OP_WHO,          /* an operator's /who: {count} */
	/* {id} {peer} {state} {nick} {failures} {idle} {role} */
	MENU_TEXT_CHAT_OP_WHO_ROW,
	MENU_TEXT_CHAT_OP_ROLE, /* {role} of an operator's own session */
	/* How to use a command, shown as chat_usage's {usage}. */
	MENU_TEXT_CHAT_SYNTAX_MSG,
	MENU_TEXT_CHAT_SYNTAX_NICK,
	MENU_TEXT_CHAT_SYNTAX_ME,
	MENU_TEXT_CHAT_SYNTAX_KICK,
	MENU_TEXT_CHAT_SYNTAX_MUTE,
	MENU_TEXT_CHAT_SYNTAX_UNMUTE,
	MENU_TEXT_CHAT_SYNTAX_WALL,
	MENU_TEXT_WIRE, /* {local} {peer} {transport} {browser} {mode} {options} {ttype} {window} {enter} {backspace} {charset} */
	MENU_TEXT_RELOADED, /* notice after a reload; a set may leave it out */
	MENU_TEXT_LANGUAGE_UNAVAILABLE, /* its set is not loaded; optional */
	MENU_TEXT_WIRE_CHAR_MODE,       /* /wire's {mode}: keys act at once */
	MENU_TEXT_WIRE_LINE_MODE,       /* {mode}: keys act on Enter */
	MENU_TEXT_WIRE_NO_ENTER,     /* /wire's {enter} before any; optional */
	MENU_TEXT_WIRE_NO_BACKSPACE, /* its {backspace} before any; optional */
	MENU_TEXT_WIRE_TELNET,       /* /wire's {transport}: telnet over TCP */
	MENU_TEXT_WIRE_WEBSOCKET,    /* {transport}: a browser's WebSocket */
	MENU_TEXT_COUNT,
};

/* Who needs a text: every set, or a set offering one of these flows. */
enum menu_text_need {
	MENU_TEXT_NEED_EVERY_SET,
	MENU_TEXT_NEED_QUERY,    /* query, balance, usage, plan, recent */
	MENU_TEXT_NEED_RECHARGE, /* recharge, card, amount */
	MENU_TEXT_NEED_CHAT,
	MENU_TEXT_NEED_WIRE,
	MENU_TEXT_NEED_COUNT,
};

/* Menus the query and recharge flows lead to, by name. */
#define MENU_ACCOUNT_MENU "account"
#define MENU_RECHARGE_MENU "recharge"

struct menu;
struct charset;

struct menu_action {
	enum menu_action_type type;
	const struct menu *target; /* GOTO: resolved by the loader */
	char *language; /* LANGUAGE: set to switch to, or NULL to keep */
	const struct charset *charset; /* LANGUAGE: interned, NULL: keep */
	enum menu_flow flow;           /* FLOW */
};

struct menu_key {
	char key[MENU_KEY_MAX]; /* one UTF-8 character */
	struct menu_action action;
};

struct menu {
	char *name;
	char *text;    /* shown exactly as written, UTF-8, "\n" line ends */
	char *invalid; /* this menu's invalid-key text, or NULL for the set's */
	int timeout; /* seconds of silence at this menu before a reminder; 0: none */
	/* Silences in a row before goodbye; 0: never, one reminder and quiet. */
	int max_timeouts;
	int max_failures;
	/* The same two while typing a number, password, card or amount. */
	int input_timeout;
	int input_max_timeouts;
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

/* The name of a text in menu files, e.g. "goodbye"; NULL past the count. */
const char *menu_text_name(enum menu_text_id id);
/*
 * The {fields} the service fills in text id, space-separated ("" for
 * none); NULL past the count.
 */
const char *menu_text_fields(enum menu_text_id id);
/* The service text called name, or MENU_TEXT_COUNT if none is. */
enum menu_text_id menu_text_by_name(const char *name);
/* Whether a set that needs (every set, or one offering a flow) must carry id. */
bool menu_text_needed(enum menu_text_id id, enum menu_text_need need);
/* Which texts a flow needs from a set whose keys start it. */
enum menu_text_need menu_flow_text_need(enum menu_flow flow);
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
/* One of the service's texts in the set, or NULL if the set lacks it. */
const char *menu_set_text_of(const struct menu_set *set, enum menu_text_id id);
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
