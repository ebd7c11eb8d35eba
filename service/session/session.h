/*
 * session: the per-connection state machine. It takes keys and lines from
 * the line editor and timer expiries, walks the menus, and says what to
 * show through a small output interface. It does no I/O itself and never
 * sees raw bytes, telnet or sockets, so tests drive it with plain strings.
 */
#ifndef HOTLINE_SESSION_H
#define HOTLINE_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "menu/menu.h"
#include "proto/charset.h"
#include "proto/lineedit.h"
#include "room/chat.h"
#include "store/account.h"

/* Menus remembered for "back"; deeper walks forget the oldest. */
#define SESSION_MAX_DEPTH 32
/* Language of the set a new caller hears when the catalog has it. */
#define SESSION_DEFAULT_LANGUAGE "zh-CN"
/* Seconds a silent call lasts by default (--max-idle): a whole lesson. */
#define SESSION_MAX_IDLE_DEFAULT (2 * 3600)
/* The longest --max-idle: a week. */
#define SESSION_MAX_IDLE_MAX (7 * 24 * 3600)

enum session_state {
	SESSION_MENU,             /* at a menu: one key picks an action */
	SESSION_QUERY_NUMBER,     /* typing the number to query */
	SESSION_QUERY_PASSWORD,   /* typing its service password, unseen */
	SESSION_RECHARGE_NUMBER,  /* typing the number to recharge */
	SESSION_RECHARGE_CARD,    /* typing a prepaid card code */
	SESSION_RECHARGE_AMOUNT,  /* typing an amount in yuan */
	SESSION_RECHARGE_CONFIRM, /* 1 confirms the amount, 2 cancels */
	SESSION_WAIT, /* the account store is working on a request */
	SESSION_CHAT, /* in the chat room: lines are messages or /commands */
	SESSION_OP_PASSWORD, /* in the room, typing the /op password, unseen */
	SESSION_CLOSING, /* goodbye said; output drains, then the line drops */
	SESSION_STATE_COUNT,
	/* Not a state: a handler's answer for "no transition, nothing re-entered". */
	SESSION_STAY,
};

/* Reaching every session, for an operator; filled in by the listener. */
/* Where a session is and how it goes, for an operator's /who. */
struct session_summary {
	const char *state; /* "MENU", "CHAT", ...: the machine's own names */
	const char *menu;  /* its menu's name, or "" in the room or closing */
	const char *nick;  /* its nick in the room, or "" */
	int failures;      /* invalid entries in a row */
	bool op;           /* proved the operator password */
	const char *language; /* its menu set's language ("zh-CN") */
	/*
	 * The flow its state belongs to, named as the menu graph names it
	 * ("query", "chat"...), or NULL at a menu (and waiting on the store,
	 * which it does from the menu it was at); "quit" when closing.
	 */
	const char *flow;
};

/* One live session in an operator's /who; valid during the call only. */
struct session_row {
	unsigned id;
	const char *peer; /* "192.0.2.1:40000" */
	long idle;        /* seconds since its last input */
	struct session_summary summary;
};

/* Hears one row of session_hub.list. */
typedef void (*session_row_fn)(void *arg, const struct session_row *row);

struct session_hub {
	void *ctx;
	/* Shows an operator's text to every session, in a menu or the room. */
	void (*wall)(void *ctx, const char *text);
	/* Calls fn once per live session, in the order they dialled in. */
	void (*list)(void *ctx, session_row_fn fn, void *arg);
};

/* What every session shares; owned by main, outlives the sessions. */
struct session_env {
	struct account_worker
		*accounts;      /* NULL: queries and recharge "unavailable" */
	struct chat_room *room; /* NULL: the chat flow answers "unavailable" */
	unsigned chat_idle; /* seconds a quiet chat member stays; 0: no limit */
	/* Seconds of silence, anywhere, before goodbye; 0: no limit. */
	unsigned max_idle;
	const char *operator_hash; /* yescrypt hash for /op; NULL: no operators */
	struct session_hub hub;
};

/* The caller's connection as the server sees it, for /wire. */
struct session_wire {
	char local[64]; /* "192.0.2.1:5228" */
	char peer[64];
	bool char_mode;         /* the client let the server echo */
	char options[256];      /* "WILL ECHO, WILL SGA, DO NAWS", or "" */
	char ttype[48];         /* "" if the client never said */
	unsigned width, height; /* 0 if the client never said */
	char enter[16]; /* the bytes of the last Enter in hex, "0d 0a"; or "" */
	char erase[8];  /* the last Backspace byte, "7f" or "08"; or "" */
	bool websocket; /* a browser: telnet inside WebSocket, upgraded from HTTP */
	char agent[160]; /* a browser's User-Agent, or "" */
};

/* What the session asks of its connection; every callback is required. */
struct session_io {
	void *ctx;
	/* Shows UTF-8 text to the caller; "\n" is a line end. */
	void (*write)(void *ctx, const char *text, size_t len);
	/* Says what kind of input comes next: menu keys, text or a secret. */
	void (*set_input)(void *ctx, enum lineedit_input input);
	/* Arms the silence timer for this many seconds; 0 disarms it. */
	void (*set_timer)(void *ctx, unsigned seconds);
	/* Switches the caller's terminal encoding. */
	void (*set_charset)(void *ctx, const struct charset *cs);
	/* Hangs up once what was written has been sent. */
	void (*close)(void *ctx, const char *reason);
	/*
	 * Shows text that arrives on its own (a notice), not in answer to
	 * the caller: a half-typed line is redrawn after it.
	 */
	void (*notify)(void *ctx, const char *text, size_t len);
	/*
	 * Shows a chat message, like notify; takes a reference to keep it.
	 * One of the room's own lines is already worded for voice (the
	 * caller's menu set: a rendering kept with msg); NULL for a member's
	 * line, which reads the same in every language.
	 */
	void (*deliver)(void *ctx, struct chat_msg *msg, const void *voice);
	/* Sends what is queued now rather than at the end of the loop pass. */
	void (*send_now)(void *ctx);
	/* Fills in what the connection knows of itself. */
	void (*describe)(void *ctx, struct session_wire *wire);
};

struct session;

/*
 * Returns a new session on the catalog (it takes its own reference) in its
 * default set; the caller owns the session and keeps env alive. Nothing
 * is shown until session_start.
 */
struct session *session_new(unsigned id, struct menu_catalog *catalog,
			    const struct session_env *env,
			    const struct session_io *io);
void session_free(struct session *s);

/* Shows the start menu. */
void session_start(struct session *s);
/* A key pressed at a menu in character mode: one UTF-8 character. */
void session_on_key(struct session *s, const char *key, size_t len);
/* A whole line (valid UTF-8, without its ending). */
void session_on_line(struct session *s, const char *line, size_t len);
/* The line editor dropped a line over its limit. */
void session_on_too_long(struct session *s);
/* The silence timer armed through set_timer expired. */
void session_on_timeout(struct session *s);
/* The caller hung up (Ctrl-C, IAC IP, end of input): goodbye and close. */
void session_hangup(struct session *s, const char *reason);
/* The service is shutting down: tell the caller and close. */
void session_shutdown(struct session *s);
/* Shows an operator's /wall text, in this caller's language's frame. */
void session_wall(struct session *s, const char *text);
/* Appends "STATE menu, N failures" for an operator's /who. */
void session_summary(const struct session *s, struct session_summary *out);
/* Shows one of the set's texts as a notice, if the set has it. */
void session_notice(struct session *s, enum menu_text_id id);
/*
 * The caller does not read fast enough for the chat room: they leave it
 * (the others are told) and go back to the main menu.
 */
void session_drop_slow_reader(struct session *s);
/*
 * Moves the session to a reloaded catalog (taking a reference, dropping
 * the old one). A caller whose menu is gone hears so and goes to the
 * start menu; everyone else is not disturbed.
 */
void session_set_catalog(struct session *s, struct menu_catalog *catalog);

enum session_state session_state(const struct session *s);
const char *session_state_name(enum session_state state);
/* The menu the caller is at. */
const struct menu *session_menu(const struct session *s);
const struct menu_set *session_set(const struct session *s);
const struct charset *session_charset(const struct session *s);
bool session_is_closing(const struct session *s);

#endif
