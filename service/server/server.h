/*
 * server: one hotlined's callers. It owns the registry of live conns,
 * admits a caller the listener accepted (or turns it away with the busy
 * text past a cap), reaches every caller at once (a reload's notice, an
 * operator's /wall and /who, the shutdown), and owns the chat room and
 * its flush at the end of each loop pass. Knows nothing of sockets'
 * binding, telnet or the menus' contents.
 */
#ifndef HOTLINE_SERVER_H
#define HOTLINE_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>

#include "menu/menu.h"
#include "net/conn.h"

/* Default caps: callers at once, and callers from one address (0: no cap). */
#define SERVER_MAX_CLIENTS_DEFAULT 10000
#define SERVER_MAX_PER_IP_DEFAULT 256

struct server_limits {
	unsigned max_clients; /* callers at once; 0: no cap */
	unsigned max_per_ip;  /* callers from one address; 0: no cap */
	unsigned chat_rate;   /* chat lines a second per member; 0: no limit */
};

struct server;
struct udp_status;

/*
 * Returns a server for catalog (it takes a reference). env is the
 * callers' shared environment, kept alive by the caller: the server fills
 * in its room and its hub (how an operator reaches every session). The
 * caller owns the server. NULL if the room's flush cannot be set up.
 */
struct server *server_new(struct event_base *base, struct menu_catalog *catalog,
			  struct conn_env *env,
			  const struct server_limits *limits);
/* Frees every conn still live (the loop has stopped), the room, the server. */
void server_free(struct server *srv);

/*
 * A caller the listener accepted on a port speaking front: becomes a conn
 * (that greets a telnet caller), or past a cap hears the busy text and is
 * hung up. The server owns fd.
 */
void server_admit(struct server *srv, evutil_socket_t fd,
		  const struct sockaddr *peer, enum conn_front front);

/* Swaps in a reloaded catalog for new callers and every live session. */
void server_set_catalog(struct server *srv, struct menu_catalog *catalog);
/* Shows every live caller one of their set's texts, if it has it. */
void server_notice(struct server *srv, enum menu_text_id id);
/*
 * Turns new callers away, tells every caller the service is closing and
 * calls done once the last one has hung up (at once if none is left).
 */
void server_shutdown(struct server *srv, void (*done)(void *ctx), void *ctx);
/* Callers connected now. */
size_t server_conn_count(const struct server *srv);
/* Calls fn on every conn (those with no call too: conn_view says). */
void server_each(struct server *srv, void (*fn)(struct conn *c, void *arg),
		 void *arg);
/* The chat room the server owns. */
struct chat_room *server_room(const struct server *srv);
/* The menus new callers get (the last reload's); the server owns them. */
const struct menu_catalog *server_catalog(const struct server *srv);
/* Shows an operator's text to every caller, as /wall does. */
void server_wall(struct server *srv, const char *text);
/* udp_status_fn: UDP's STATUS, callers and chat members. ctx: the server. */
void server_udp_status(void *ctx, struct udp_status *st);

#endif
