/*
 * conn: one per client. Owns the socket (through sockio), its libevent
 * events, the output cap and the close, and one core (core.h), the
 * caller's protocol stack, which it feeds and whose sink it is. On a port
 * that serves browsers too, the caller's first bytes decide (sniff.h):
 * telnet goes straight to the core, a browser's request to a webconn
 * (webconn.h), whose WebSocket then carries the telnet bytes. The only
 * module that touches sockets. Knows nothing of telnet, lines or menus.
 */
#ifndef HOTLINE_CONN_H
#define HOTLINE_CONN_H

#include <stdbool.h>

#include <event2/event.h>
#include <event2/util.h>

#include "core/core.h"
#include "menu/menu.h"
#include "session/session.h"

/*
 * Default cap on queued output: past it the conn stops reading its caller
 * (backpressure) and a chat member is taken out of the room.
 */
#define CONN_MAX_OUTPUT_DEFAULT (256 * 1024)
/* Seconds a caller may stay over the output cap before the line is dropped. */
#define CONN_STALL_SECONDS 10
/* Seconds a closing conn waits for its output to drain before dropping it. */
#define CONN_CLOSE_LINGER 5

struct conn;
struct sockio_group;
struct webconn_env;

/* What a listening port speaks. */
enum conn_front {
	CONN_FRONT_TELNET, /* telnet only: the greeting goes out at once */
	CONN_FRONT_SHARED, /* telnet or HTTP, as the first bytes say */
	CONN_FRONT_HTTP,   /* HTTP only (--http-port) */
};

/* What every conn shares; owned by main, outlives the conns. */
struct conn_env {
	size_t max_output;
	struct session_env session;
	const struct webconn_env *web; /* the page; NULL with --no-http */
};

/* The live conns of a server, for broadcasts and counting. */
struct conn_list {
	struct conn *head;
	size_t count;
	size_t calls; /* of them, those carrying a call (conn_in_call) */
	struct sockio_group
		*io; /* the conns' end-of-pass writes; made by conn_new */
};

/* Called after a conn has left its list and been freed, with its peer's address. */
typedef void (*conn_gone_cb)(void *ctx, const struct sockaddr *peer);

/* How a conn begins: what its port speaks, and whether it is turned away. */
struct conn_start {
	enum conn_front front;
	/*
	 * Not NULL: the caller is over a cap and hears these bytes (the busy
	 * text, CR LF line ends) instead of a call, in a frame for a browser.
	 */
	const char *busy;
	size_t busy_len;
};

/*
 * Takes over a connected socket (the conn closes it) and joins list; a
 * telnet caller is shown the start menu at once, or once its first bytes
 * (or SNIFF_WAIT_MS of silence) say it is one. The conn frees itself
 * once it has hung up, then calls on_gone. Returns NULL if the socket
 * could not be set up (the socket is closed then).
 */
struct conn *conn_new(struct event_base *base, evutil_socket_t fd,
		      const struct sockaddr *peer, unsigned id,
		      struct menu_catalog *catalog, const struct conn_env *env,
		      const struct conn_start *start, struct conn_list *list,
		      conn_gone_cb on_gone, void *ctx);

unsigned conn_id(const struct conn *c);
bool conn_is_closing(const struct conn *c);
/* Whether the conn carries a call (not a page file or an undecided caller). */
bool conn_in_call(const struct conn *c);
/* Moves the session to a reloaded catalog. */
void conn_set_catalog(struct conn *c, struct menu_catalog *catalog);
/* Tells the caller the service is closing and hangs up once flushed. */
void conn_shutdown(struct conn *c);
/* Shows the caller one of their menu set's texts as a notice, if it has it. */
void conn_notice(struct conn *c, enum menu_text_id id);
/* Shows the caller an operator's /wall text. */
void conn_wall(struct conn *c, const char *text);
/* The conn's row in an operator's /who: id, peer, idle time, its state. */
void conn_row(const struct conn *c, struct session_row *row);

/* A call as the teacher's class table shows it; valid until it acts. */
struct conn_view {
	unsigned id;
	const char *peer; /* "192.0.2.1:40000" */
	bool websocket;   /* a browser's call; else telnet */
	long long idle_ms, duration_ms;
	struct core_view core;
};

/* Fills out for a conn carrying a call: true, or false for one with none. */
bool conn_view(const struct conn *c, struct conn_view *out);

void conn_list_init(struct conn_list *list);
/* Frees every conn left, without waiting: for exit, after the loop stopped. */
void conn_list_free_all(struct conn_list *list);
/* Calls fn on every conn; fn may close conns (they are freed later). */
void conn_list_each(struct conn_list *list,
		    void (*fn)(struct conn *c, void *arg), void *arg);

#endif
