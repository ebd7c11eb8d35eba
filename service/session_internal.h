/*
 * session_internal: what the files of the session state machine share
 * (session.c for the machine and the menus, session_chat.c for the chat
 * room). Nothing outside the session includes it.
 */
#ifndef HOTLINE_SESSION_INTERNAL_H
#define HOTLINE_SESSION_INTERNAL_H

#include "session.h"

/* Returned by a handler to stay in the current state without re-entering it. */
#define SESSION_STAY SESSION_STATE_COUNT
/* Bytes of a nickname kept for the chat room (16 CJK characters and NUL). */
#define SESSION_NICK_MAX (CHAT_NICK_MAX * 4 + 1)

struct session {
	unsigned id;
	struct session_io io;
	const struct session_env *env;
	enum session_state state;
	struct menu_catalog *catalog; /* one reference held */
	const struct menu_set *set;
	const struct menu *menu;
	const struct menu *back[SESSION_MAX_DEPTH]; /* menus to go back to */
	size_t depth;
	enum charset charset;
	int failures; /* invalid keys in a row */
	int timeouts; /* silences in a row */
	const char *close_reason;
	/* chat */
	struct chat_member *member; /* in the room while not NULL */
	char nick[SESSION_NICK_MAX]; /* asked for on joining; "" for guest-N */
	bool idle_warned;
	bool joining; /* history arriving before the banner is shown */
	struct chat_msg *held[CHAT_HISTORY + 1];
	size_t nheld;
};

struct session_state_ops {
	const char *name;
	void (*enter)(struct session *s);
	/* A key (is_key) or a line; returns the next state or SESSION_STAY. */
	unsigned (*on_input)(struct session *s, const char *text, size_t len,
			     bool is_key);
	unsigned (*on_timeout)(struct session *s);
};

/* session.c */
void session_write(struct session *s, const char *text);
void session_say(struct session *s, const char *name);
/* Says a text with "{name}" placeholders filled (name, value, ..., NULL). */
void session_say_with(struct session *s, const char *name,
		      const char *const *vars);

/* session_chat.c: the SESSION_CHAT row of the state table */
void session_chat_enter(struct session *s);
unsigned session_chat_on_input(struct session *s, const char *text,
			       size_t len, bool is_key);
unsigned session_chat_on_timeout(struct session *s);
/* Leaves the room if in it, telling the others why. */
void session_chat_leave(struct session *s, const char *reason);
/* Arms the room's idle timer (the warning comes a minute early). */
void session_chat_arm_timer(struct session *s);

#endif
