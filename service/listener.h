/*
 * listener: binds the listening sockets, accepts callers and hands each
 * one to a new conn, backs off when descriptors run out, and keeps the
 * list of live conns for broadcasts (reload, shutdown). Knows nothing of
 * telnet, menus' contents or sessions.
 */
#ifndef HOTLINE_LISTENER_H
#define HOTLINE_LISTENER_H

#include <event2/event.h>

#include "conn.h"
#include "menu.h"
#include "session.h"

/* Seconds accepting pauses when the process runs out of descriptors. */
#define LISTENER_BACKOFF 1
/* Most listening sockets (--listen may be given several times). */
#define LISTENER_MAX_SOCKETS 16
/* Default caps: callers at once, and callers from one address (0: no cap). */
#define LISTENER_MAX_CLIENTS_DEFAULT 10000
#define LISTENER_MAX_PER_IP_DEFAULT 256

struct listener_limits {
	unsigned max_clients; /* callers at once; 0: no cap */
	unsigned max_per_ip;  /* callers from one address; 0: no cap */
};

struct listener;

/*
 * Returns a listener that serves catalog (it takes a reference) with the
 * shared env (kept alive by the caller) and the given caps; a caller past
 * a cap hears the menus' "busy" text (占线) and is hung up. The caller
 * owns the listener.
 */
struct listener *listener_new(struct event_base *base,
			      struct menu_catalog *catalog,
			      const struct conn_env *env,
			      const struct listener_limits *limits);
/* Closes the sockets, frees any conn left and drops the catalog. */
void listener_free(struct listener *l);

/*
 * Listens on addr (a numeric address or host name; NULL means every
 * IPv4 and IPv6 interface) and port (0 picks a free port, then shared by
 * every later socket). Logs "listening on ADDR:PORT" for each socket.
 * Returns 0, or -1 after logging why.
 */
int listener_bind(struct listener *l, const char *addr, unsigned port);
/* The port actually bound, once listener_bind succeeded. */
unsigned listener_port(const struct listener *l);
/* Logs the "telnet ADDRESS PORT" lines a class can type. */
void listener_print_dial_lines(const struct listener *l);

/* Fills in the hub through which operators reach every session. */
void listener_hub(struct listener *l, struct session_hub *hub);
/* Shows every live caller one of their set's texts as a notice. */
void listener_notice(struct listener *l, enum menu_text_id id);
/* Sends every live session to a reloaded catalog. */
void listener_set_catalog(struct listener *l, struct menu_catalog *catalog);
/*
 * Stops accepting and tells every caller the service is closing; calls
 * done once the last conn is gone (at once if there is none).
 */
void listener_shutdown(struct listener *l, void (*done)(void *ctx), void *ctx);
/* Number of live conns. */
size_t listener_conn_count(const struct listener *l);

#endif
