/*
 * session_base: what the files of the session state machine share
 * (session.c for the machine and the menus, session_chat.c for the chat
 * room). Nothing outside the session includes it.
 */
#ifndef HOTLINE_SESSION_BASE_H
#define HOTLINE_SESSION_BASE_H

#include "session.h"

/* Bytes of a nickname kept for the chat room (16 CJK characters and NUL). */
#define SESSION_NICK_MAX (CHAT_NICK_MAX * 4 + 1)

/* Wrong /op passwords a session may try: each costs a yescrypt hash. */
#define SESSION_OP_TRIES 3

/* Seconds a session waits for the account store before giving up. */
#define SESSION_WAIT_TIMEOUT 30
/*
 * Inputs kept while waiting for the store, replayed in order after its
 * answer: a pipe sends every line at once. More than this are dropped.
 */
#define SESSION_QUEUE_MAX 16

struct session_queued {
	bool is_key;
	char *text; /* owned, wiped when freed: it may be a password */
	size_t len;
};

struct session {
	unsigned id;
	struct session_io io;
	const struct session_env *env;
	enum session_state state;
	struct menu_catalog *catalog; /* one reference held */
	const struct menu_set *set;
	const struct menu *menu;
	char *shown;              /* --trace: the menu last entered, or NULL */
	const struct menu **back; /* menus to go back to; NULL until the first */
	size_t depth, back_cap;
	enum charset charset;
	int failures; /* invalid keys in a row */
	int timeouts; /* silences in a row */
	const char *close_reason;
	/* chat */
	struct chat_member *member; /* in the room while not NULL */
	bool idle_warned;
	bool op;      /* proved the operator password with /op */
	int op_tries; /* wrong /op passwords; SESSION_OP_TRIES ends them */
	bool joining; /* history arriving before the banner is shown */
	/* CHAT_HISTORY + 1 slots on session_chat_enter's stack while joining. */
	struct chat_msg **held;
	size_t nheld;
	/* queries and recharge */
	char account[ACCOUNT_NUMBER_LEN + 1]; /* logged in by the query, or "" */
	char target[ACCOUNT_NUMBER_LEN +
		    1]; /* the number being recharged, or "" */
	char typed[ACCOUNT_NUMBER_LEN + 1]; /* a number awaiting its password */
	int64_t amount_fen;              /* an amount awaiting confirmation */
	enum menu_flow info_flow;        /* what an INFO request is for */
	struct account_request *pending; /* the request waited for, or NULL */
	/* SESSION_QUEUE_MAX entries, allocated when input first waits; or NULL. */
	struct session_queued *queued;
	size_t nqueued;
	/* Turns the store's answer into the next state. */
	enum session_state (*on_result)(struct session *s,
					const struct account_request *req);
};

struct session_state_ops {
	const char *name;
	void (*enter)(struct session *s);
	/* A key (is_key) or a line; returns the next state or SESSION_STAY. */
	enum session_state (*on_input)(struct session *s, const char *text,
				       size_t len, bool is_key);
	enum session_state (*on_timeout)(struct session *s);
};

/* The states in which the session is a member of the chat room. */
static inline bool session_in_room_state(const struct session *s)
{
	return s->state == SESSION_CHAT || s->state == SESSION_OP_PASSWORD;
}

/* session.c */
/* Remembers the current menu for "back" (the oldest go past SESSION_MAX_DEPTH). */
void session_push_back(struct session *s);
/* Shows the caller their connection as the server sees it (/wire). */
void session_say_wire(struct session *s);
/* Handles one key or line as if it had just arrived. */
void session_replay(struct session *s, const char *text, size_t len,
		    bool is_key);
/* Moves to another state from outside an input handler (a store result). */
void session_goto(struct session *s, enum session_state next);
/* An entry that was refused: the menu's invalid count, goodbye after too many. */
enum session_state session_refuse(struct session *s, enum session_state again);
void session_write(struct session *s, const char *text);
void session_say(struct session *s, const char *name);
/* Says a text with "{name}" placeholders filled (name, value, ..., NULL). */
void session_say_with(struct session *s, const char *name,
		      const char *const *vars);

/* session_account.c: the query and recharge rows of the state table */
void session_query_number_enter(struct session *s);
enum session_state session_query_number_on_input(struct session *s,
						 const char *text, size_t len,
						 bool is_key);
void session_query_password_enter(struct session *s);
enum session_state session_query_password_on_input(struct session *s,
						   const char *text, size_t len,
						   bool is_key);
void session_recharge_number_enter(struct session *s);
enum session_state session_recharge_number_on_input(struct session *s,
						    const char *text,
						    size_t len, bool is_key);
void session_recharge_card_enter(struct session *s);
enum session_state session_recharge_card_on_input(struct session *s,
						  const char *text, size_t len,
						  bool is_key);
void session_recharge_amount_enter(struct session *s);
enum session_state session_recharge_amount_on_input(struct session *s,
						    const char *text,
						    size_t len, bool is_key);
void session_recharge_confirm_enter(struct session *s);
enum session_state session_recharge_confirm_on_input(struct session *s,
						     const char *text,
						     size_t len, bool is_key);
void session_wait_enter(struct session *s);
enum session_state session_wait_on_input(struct session *s, const char *text,
					 size_t len, bool is_key);
enum session_state session_wait_on_timeout(struct session *s);
/* A prompt left unanswered: remind and ask again, goodbye after too many. */
enum session_state session_prompt_on_timeout(struct session *s);
/* A flow key at a menu: the next state. */
enum session_state session_account_flow(struct session *s, enum menu_flow flow);
/* Forgets the request waited for, if any, and the input queued behind it. */
void session_account_cancel(struct session *s);

/* session_chat.c: the SESSION_CHAT row of the state table */
void session_chat_enter(struct session *s);
void session_op_password_enter(struct session *s);
enum session_state session_op_password_on_input(struct session *s,
						const char *text, size_t len,
						bool is_key);
enum session_state session_chat_on_input(struct session *s, const char *text,
					 size_t len, bool is_key);
enum session_state session_chat_on_timeout(struct session *s);
/* An operator took the caller out of the room: told why, back to the menu. */
void session_chat_kicked(struct session *s, const char *by, const char *reason);
/*
 * Sends a request to the account worker; the session waits in
 * SESSION_WAIT, then on_result decides the next state. Returns SESSION_WAIT.
 */
enum session_state session_submit(
	struct session *s, struct account_request *req,
	enum session_state (*on_result)(struct session *,
					const struct account_request *));
/* Leaves the room if in it, telling the others why. */
void session_chat_leave(struct session *s, const char *reason);
/* Arms the room's idle timer (the warning comes a minute early). */
void session_chat_arm_timer(struct session *s);

#endif
