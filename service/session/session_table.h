/*
 * session_table: the shape of a row of the session's state table, for
 * session.c, which holds the table, and for the unit test that walks it.
 * The flow files do not include it: only session.c names the handlers.
 */
#ifndef HOTLINE_SESSION_TABLE_H
#define HOTLINE_SESSION_TABLE_H

#include "session.h"

/* Who arms the silence timer in a state. */
enum session_timer {
	SESSION_TIMER_OWN,   /* the state's enter hook, as it needs */
	SESSION_TIMER_MENU,  /* the menu's timeout and max_timeouts */
	SESSION_TIMER_INPUT, /* the menu's input_timeout, input_max_timeouts */
};

struct session_state_ops {
	const char *name;
	enum session_timer timer;
	/* Shows the state's menu or prompt; runs on every entry. */
	void (*enter)(struct session *s);
	/* A key (is_key) or a line; returns the next state or SESSION_STAY. */
	enum session_state (*on_input)(struct session *s, const char *text,
				       size_t len, bool is_key);
	enum session_state (*on_timeout)(struct session *s);
	/*
	 * Optional: runs when the machine moves to another state (next), and
	 * when the session is freed in this state (next is SESSION_CLOSING).
	 */
	void (*exit)(struct session *s, enum session_state next);
};

/* The row of a state; NULL past SESSION_STATE_COUNT. */
const struct session_state_ops *session_state_row(enum session_state state);

#endif
