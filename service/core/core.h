/*
 * core: one caller's protocol stack with no I/O. It owns the telnet
 * adapter, the charset converter, the line editor and the session, and
 * wires them one way: bytes in -> telnet -> charset -> lineedit ->
 * session, and the session's text -> charset -> telnet encoding -> out.
 *
 * Any transport drives it (conn.c's TCP socket, a fuzzer, a transcript
 * test): it calls the core_* inputs below and implements struct
 * core_sink, which is where everything the core asks for goes. The core
 * does no I/O, reads no clock and knows nothing of sockets or libevent.
 *
 * Each input is one call. Output made during a call is queued in the core
 * and handed to the sink as the call returns, so no layer is re-entered
 * from below: libtelnet and the line editor finish parsing before the
 * session acts on what they found, and libtelnet is never called while it
 * is on the stack.
 */
#ifndef HOTLINE_CORE_H
#define HOTLINE_CORE_H

#include <stdbool.h>
#include <stddef.h>

#include "log/trace.h"
#include "menu/menu.h"
#include "room/chat.h"
#include "session/session.h"

/*
 * Bytes of input handled in one pass through the telnet adapter: a read
 * is cut after each line end and at this size, so what libtelnet reports
 * for one pass fits the core's fixed queues (no allocation per key).
 */
#define CORE_SPAN_MAX 256
/* Bytes of output gathered on the stack of one call before it goes out. */
#define CORE_OUT_MAX 4096

/* What the core asks of its transport. Every callback is required. */
struct core_sink {
	/* Bytes for the caller, copied. -1: the transport has failed. */
	int (*send)(void *ctx, const void *data, size_t len);
	/*
	 * Bytes of a chat line shared by every member: the sink keeps a
	 * reference to msg (chat_msg_ref) until it has sent them.
	 */
	int (*send_shared)(void *ctx, struct chat_msg *msg, const void *data,
			   size_t len);
	/* Sends what is queued now rather than at the end of the loop pass. */
	void (*send_now)(void *ctx);
	/* Hang up once what was sent has gone out. Called once. */
	void (*close)(void *ctx, const char *reason);
	/* Stops (false) or resumes (true) reading the caller. */
	void (*set_reading)(void *ctx, bool on);
	/* Arms the timer for this many seconds (0: disarms); then core_timer. */
	void (*set_timer)(void *ctx, unsigned seconds);
	/* Whether the caller has so much unsent output that chat must stop. */
	bool (*is_full)(void *ctx);
	/* Asks for core_later on a later turn, outside whatever runs now. */
	void (*later)(void *ctx);
	/*
	 * For /wire: the two ends' addresses ("192.0.2.1:5228") in w->local
	 * and w->peer, and the transport (w->websocket, w->agent).
	 */
	void (*describe)(void *ctx, struct session_wire *w);
};

struct core;

/*
 * Returns a core for caller id on the catalog, with a session in its
 * default set; nothing is sent until core_start. The caller owns it and
 * keeps env and sink alive; sink_ctx is handed to every sink callback.
 */
struct core *core_new(unsigned id, struct menu_catalog *catalog,
		      const struct session_env *env,
		      const struct core_sink *sink, void *sink_ctx);
/* Frees the core; its session leaves the room. NULL is allowed. */
void core_free(struct core *c);
/*
 * The same for a core embedded in its transport's own allocation (conn
 * puts it right after itself: one allocation, and the two share cache
 * lines on the chat fan-out): mem must hold core_size() bytes, aligned
 * as malloc aligns; core_fini frees the layers, not mem.
 */
size_t core_size(void);
struct core *core_init(void *mem, unsigned id, struct menu_catalog *catalog,
		       const struct session_env *env,
		       const struct core_sink *sink, void *sink_ctx);
void core_fini(struct core *c);

/* --- inputs ----------------------------------------------------------- */

/* Sends the telnet offers and shows the start menu. */
void core_start(struct core *c);
/* Bytes from the caller. -1, and nothing done, once the core has closed. */
int core_feed(struct core *c, const void *data, size_t len);
/* The timer armed through the sink fired. */
void core_timer(struct core *c);
/* The later turn asked for through the sink: a slow reader leaves the room. */
void core_later(struct core *c);
/* The caller sent all it will send (TCP FIN): goodbye and close. */
void core_end_of_input(struct core *c);
/* The menus were reloaded: the session moves to the new catalog. */
void core_set_catalog(struct core *c, struct menu_catalog *catalog);
/* The service is closing: the caller is told and the core closes. */
void core_shutdown(struct core *c);
/* A named text of the caller's set as a notice, around a half-typed line. */
void core_notice(struct core *c, enum menu_text_id id);
/* An operator's /wall text, around a half-typed line. */
void core_wall(struct core *c, const char *text);

/* --- what it can say of itself ----------------------------------------- */

/* Whether the core has closed (it takes no more input). */
bool core_is_closed(const struct core *c);
/* Where the caller is and how it goes, for an operator's /who. */
void core_summary(const struct core *c, struct session_summary *out);

/* What the teacher's class table shows of a call; valid until it acts. */
struct core_view {
	struct session_summary summary;
	bool char_mode;       /* character mode (else line mode) */
	const char *encoding; /* "UTF-8", "GBK"... */
	unsigned long long bytes_in,
		bytes_out; /* telnet bytes, as core_bytes */
};

/* Fills out with the call's view. */
void core_view(const struct core *c, struct core_view *out);
/* The caller's encoding now (interned: never freed). */
const struct charset *core_charset(const struct core *c);
/* The --trace view of the call, or NULL when tracing is off. */
const struct trace_conn *core_trace(const struct core *c);
/*
 * The telnet bytes of the call so far: fed in (before telnet parsing),
 * and handed to the sink (after telnet encoding), traced or not.
 */
void core_bytes(const struct core *c, unsigned long long *in,
		unsigned long long *out);

#endif
