/*
 * session_base: the helper layer under the session's flows. It holds
 * struct session and what every flow does to it: say a text, refuse an
 * entry, go home, remember a menu for "back", say goodbye, wait for the
 * account worker. session.c (the machine) and the flow files
 * (session_account.c, session_chat.c) call down into it; it calls none
 * of them, so the session files form no circle. Answers that arrive on
 * their own (the worker's, the room's kick) come back through callbacks
 * session.c registers in struct session. Nothing outside the session
 * includes it.
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

/* Turns the account worker's answer into the next state. */
typedef enum session_state (*session_result_fn)(
	struct session *s, const struct account_request *req);

struct session {
	unsigned id;
	enum session_state state;
	struct session_io io;
	const struct session_env *env;
	struct menu_catalog *catalog; /* one reference held */
	const struct menu_set *set;
	const struct menu *menu;
	char *shown;              /* --trace: the menu last entered, or NULL */
	const struct menu **back; /* menus to go back to; NULL until the first */
	size_t depth, back_cap;
	const struct charset *charset; /* interned; never freed */
	const char *close_reason;
	int failures; /* invalid keys in a row */
	int timeouts; /* silences in a row */
	/* Seconds of silence counted by timers that fired since the last input. */
	unsigned silent;
	unsigned armed; /* seconds the silence timer was last armed for */
	/* What the room hears if the call ends in it; HUNG_UP unless set. */
	enum chat_leave leave;
	int op_tries; /* wrong /op passwords; SESSION_OP_TRIES ends them */
	enum menu_flow info_flow; /* what an INFO request is for */
	/* queries and recharge */
	char account[ACCOUNT_NUMBER_LEN + 1]; /* logged in by the query, or "" */
	char target[ACCOUNT_NUMBER_LEN +
		    1]; /* the number being recharged, or "" */
	char typed[ACCOUNT_NUMBER_LEN + 1]; /* a number awaiting its password */
	bool idle_due; /* the armed timer is --max-idle's: goodbye when it fires */
	bool started; /* a state has been entered: not a new call */
	bool idle_warned;
	bool op;      /* proved the operator password with /op */
	bool joining; /* history arriving before the banner is shown */
	/* chat */
	struct chat_member *member; /* in the room while not NULL */
	/* CHAT_HISTORY + 1 slots on session_chat_enter's stack while joining. */
	struct chat_msg **held;
	size_t nheld;
	int64_t amount_fen;              /* an amount awaiting confirmation */
	struct account_request *pending; /* the request waited for, or NULL */
	/* SESSION_QUEUE_MAX entries, allocated when input first waits; or NULL. */
	struct session_queued *queued;
	size_t nqueued;
	/* Turns the store's answer into the next state. */
	session_result_fn on_result;
	/*
	 * Registered by session.c: where the worker's answers and the room's
	 * calls for this member go, so that they reach the state machine
	 * without a flow calling up into it.
	 */
	account_done_fn account_done;
	const struct chat_member_ops *member_ops;
};

/* Writes a NUL-terminated UTF-8 string to the caller. */
void session_write(struct session *s, const char *text);
/* Writes one of the set's texts; one the set lacks writes nothing. */
void session_say(struct session *s, enum menu_text_id id);
/* Says a text with "{name}" placeholders filled (name, value, ..., NULL). */
void session_say_with(struct session *s, enum menu_text_id id,
		      const char *const *vars);
/*
 * Appends a text with its placeholders filled, without its final line
 * ends, to be shown inside another text; nothing if the set lacks it.
 */
void session_expand_inline(const struct session *s, enum menu_text_id id,
			   const char *const *vars, struct strbuf *out);
/* Shows the caller their connection as the server sees it (/wire). */
void session_say_wire(struct session *s);
/* Remembers the current menu for "back" (the oldest go past SESSION_MAX_DEPTH). */
void session_push_back(struct session *s);
/* Forgets the way back and returns SESSION_MENU at the set's start menu. */
enum session_state session_home(struct session *s);
/*
 * Arms the silence timer for seconds (0: none). With nothing else to wait
 * for, or past what is left of --max-idle, it waits for --max-idle.
 */
void session_arm_timer(struct session *s, unsigned seconds);
/* Says goodbye and returns SESSION_CLOSING; reason is for the log. */
enum session_state session_goodbye(struct session *s, const char *reason);
/* An entry that was refused: the menu's invalid count, goodbye after too many. */
enum session_state session_refuse(struct session *s, enum session_state again);
/* The store failed or did not answer: say so, back to the menu. */
enum session_state session_busy(struct session *s);
/*
 * Sends a request to the account worker; the session waits in
 * SESSION_WAIT, then on_result decides the next state. Returns
 * SESSION_WAIT.
 */
enum session_state session_submit(struct session *s,
				  struct account_request *req,
				  session_result_fn on_result);

#endif
