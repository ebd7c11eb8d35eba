/*
 * server: the registry of live conns, admission, broadcasts and the chat
 * room's flush (see server.h). The listener hands it sockets; it never
 * binds or accepts one itself.
 */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log/trace.h"
#include "mem.h"
#include "net/udp.h"
#include "netaddr.h"
#include "peers.h"
#include "room/chat.h"
#include "session/session.h"

/* Bytes of the busy text sent to a caller turned away. */
#define SERVER_BUSY_MAX 512
/*
 * Callers turned away that wait for their first bytes (where a browser
 * may be calling) at once; past it they hear the busy text at once.
 */
#define SERVER_BUSY_PENDING_MAX 64

struct server {
	struct event_base *base;
	struct menu_catalog *catalog; /* one reference held */
	const struct conn_env *env;
	struct server_limits limits;
	struct peers *peers;
	unsigned long turned_away;
	struct conn_list conns;
	struct conn_list busy; /* turned away, not yet told: not callers */
	unsigned next_id;
	struct chat_room *room;
	struct event *chat_flush; /* delivers the room's lines once a pass */
	bool shutting_down;
	void (*done)(void *ctx);
	void *done_ctx;
};

/* Wall-clock seconds, for chat timestamps and the flood limit. */
static double wall_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The room's lines wait for the end of the loop's pass: the lines read in
 * one pass reach each member together, in one write made as soon as that
 * member's batch is composed (session_io.send_now).
 */
static void on_chat_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	chat_room_flush(arg);
}

/* chat_schedule_fn: a flush at the end of this pass. */
static void schedule_chat_flush(void *arg)
{
	event_active(arg, EV_TIMEOUT, 0);
}

static void hub_wall(void *ctx, const char *text);
static void hub_list(void *ctx, session_row_fn fn, void *arg);

/* Creates the server, its room and the room's flush; no caller yet. */
struct server *server_new(struct event_base *base, struct menu_catalog *catalog,
			  struct conn_env *env,
			  const struct server_limits *limits)
{
	struct server *srv = xcalloc(1, sizeof(*srv));

	srv->base = base;
	srv->catalog = menu_catalog_ref(catalog);
	srv->env = env;
	srv->limits = *limits;
	srv->peers = peers_new();
	conn_list_init(&srv->conns);
	conn_list_init(&srv->busy);
	srv->room = chat_room_new(wall_clock, limits->chat_rate,
				  2 * limits->chat_rate);
	srv->chat_flush = event_new(base, -1, 0, on_chat_flush, srv->room);
	if (srv->chat_flush == NULL) {
		log_error(0, "cannot create the chat room's flush event");
		server_free(srv);
		return NULL;
	}
	chat_room_defer(srv->room, schedule_chat_flush, srv->chat_flush);
	env->session.room = srv->room;
	env->session.hub.ctx = srv;
	env->session.hub.wall = hub_wall;
	env->session.hub.list = hub_list;
	return srv;
}

/* Frees the conns left, the room and the server. */
void server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	/* Conns first: they leave the room and cancel what they wait for. */
	conn_list_free_all(&srv->conns);
	conn_list_free_all(&srv->busy);
	if (srv->chat_flush != NULL)
		event_free(srv->chat_flush);
	chat_room_free(srv->room);
	peers_free(srv->peers);
	menu_catalog_unref(srv->catalog);
	free(srv);
}

/* When shutting down, the last conn to go finishes the shutdown. */
static void check_done(struct server *srv)
{
	if (srv->shutting_down && srv->conns.count == 0 &&
	    srv->busy.count == 0 && srv->done != NULL)
		srv->done(srv->done_ctx);
}

/* A conn left. */
static void on_conn_gone(void *ctx, const struct sockaddr *peer)
{
	struct server *srv = ctx;

	peers_remove(srv->peers, peer);
	check_done(srv);
}

/* A caller turned away left: it held no place among the peers. */
static void on_busy_gone(void *ctx, const struct sockaddr *peer)
{
	(void)peer;
	check_done(ctx);
}

/*
 * Says "busy" (占线) to a caller over a cap and hangs up. On a telnet
 * port, at once: one non-blocking send of a short text, so a flood of
 * callers costs little. Where a browser may be calling, the first bytes
 * decide first, so a browser hears it in its terminal, not as bytes
 * that break its HTTP.
 */
static void turn_away(struct server *srv, evutil_socket_t fd,
		      const struct sockaddr *peer, enum conn_front front,
		      const char *why)
{
	const struct menu_set *set =
		menu_catalog_default(srv->catalog, SESSION_DEFAULT_LANGUAGE);
	const char *src = menu_set_text_of(set, MENU_TEXT_BUSY);
	char buf[SERVER_BUSY_MAX];
	size_t n = 0;

	/* Every set has it (the loader checks). "\n" becomes CR LF. */
	for (const char *p = src;
	     p != NULL && *p != '\0' && n + 2 < sizeof(buf); p++) {
		if (*p == '\n' && (p == src || p[-1] != '\r'))
			buf[n++] = '\r';
		buf[n++] = *p;
	}
	/* Kept apart from the callers: they count toward no cap. */
	if (front == CONN_FRONT_TELNET || srv->env->web == NULL ||
	    srv->busy.count >= SERVER_BUSY_PENDING_MAX) {
		send(fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		evutil_closesocket(fd);
	} else {
		struct conn_start start = { front, buf, n };

		if (++srv->next_id == 0)
			srv->next_id = 1;
		conn_new(srv->base, fd, peer, srv->next_id, srv->catalog,
			 srv->env, &start, &srv->busy, on_busy_gone, srv);
	}
	/* One line per 1000 at most: a flood must not flood the log too. */
	if (srv->turned_away++ % 1000 == 0) {
		char host[NETADDR_HOST_MAX];

		netaddr_format_host(peer, true, host, sizeof(host));
		log_info(0, "busy: turned %s away (%s; %lu so far)", host, why,
			 srv->turned_away);
	}
}

/* A caller dialled in: a conn of its own, or busy past a cap. */
void server_admit(struct server *srv, evutil_socket_t fd,
		  const struct sockaddr *peer, enum conn_front front)
{
	struct conn_start start = { front, NULL, 0 };

	if (srv->shutting_down) {
		evutil_closesocket(fd);
		return;
	}
	if (srv->limits.max_clients != 0 &&
	    srv->conns.count >= srv->limits.max_clients) {
		turn_away(srv, fd, peer, front, "the line is full");
		return;
	}
	if (!peers_add(srv->peers, peer, srv->limits.max_per_ip)) {
		turn_away(srv, fd, peer, front,
			  "too many calls from this address");
		return;
	}
	if (++srv->next_id == 0)
		srv->next_id = 1; /* 0 means "the server" in logs */
	if (conn_new(srv->base, fd, peer, srv->next_id, srv->catalog, srv->env,
		     &start, &srv->conns, on_conn_gone, srv) == NULL)
		peers_remove(srv->peers, peer);
}

/* Moves one conn to the server's catalog. */
static void conn_take_catalog(struct conn *c, void *arg)
{
	conn_set_catalog(c, arg);
}

/* Swaps in a reloaded catalog for new callers and every live session. */
void server_set_catalog(struct server *srv, struct menu_catalog *catalog)
{
	menu_catalog_ref(catalog);
	menu_catalog_unref(srv->catalog);
	srv->catalog = catalog;
	conn_list_each(&srv->conns, conn_take_catalog, catalog);
}

/* Shows one conn a notice. */
static void conn_say_notice(struct conn *c, void *arg)
{
	conn_notice(c, *(const enum menu_text_id *)arg);
}

/* Shows every live caller a notice. */
void server_notice(struct server *srv, enum menu_text_id id)
{
	conn_list_each(&srv->conns, conn_say_notice, &id);
}

/* Shows one conn an operator's text. */
static void conn_say_wall(struct conn *c, void *arg)
{
	conn_wall(c, arg);
}

/* session_hub.wall: an operator's text to every session. */
static void hub_wall(void *ctx, const char *text)
{
	struct server *srv = ctx;

	conn_list_each(&srv->conns, conn_say_wall, (void *)text);
}

/* An operator's /who as it walks the conns: where the rows go. */
struct hub_walk {
	session_row_fn fn;
	void *arg;
};

/* Hands one conn's row to the operator's session. */
static void hub_row(struct conn *c, void *arg)
{
	struct hub_walk *w = arg;
	struct session_row row;

	if (!conn_in_call(c))
		return; /* a page's file, or a caller not yet decided */
	conn_row(c, &row);
	w->fn(w->arg, &row);
}

/* session_hub.list: every session, for an operator's /who. */
static void hub_list(void *ctx, session_row_fn fn, void *arg)
{
	struct server *srv = ctx;
	struct hub_walk w = { fn, arg };

	conn_list_each(&srv->conns, hub_row, &w);
}

/* Tells one conn the service is closing. */
static void conn_say_shutdown(struct conn *c, void *arg)
{
	(void)arg;
	conn_shutdown(c);
}

/* Turns new callers away and closes every conn after its goodbye. */
void server_shutdown(struct server *srv, void (*done)(void *ctx), void *ctx)
{
	srv->shutting_down = true;
	srv->done = done;
	srv->done_ctx = ctx;
	conn_list_each(&srv->conns, conn_say_shutdown, NULL);
	conn_list_each(&srv->busy, conn_say_shutdown, NULL);
	check_done(srv);
}

/* Visits every conn. */
void server_each(struct server *srv, void (*fn)(struct conn *c, void *arg),
		 void *arg)
{
	conn_list_each(&srv->conns, fn, arg);
}

/* The room. */
struct chat_room *server_room(const struct server *srv)
{
	return srv->room;
}

/* The catalog new callers get. */
const struct menu_catalog *server_catalog(const struct server *srv)
{
	return srv->catalog;
}

/* An operator's text to everyone. */
void server_wall(struct server *srv, const char *text)
{
	hub_wall(srv, text);
}

/* Number of live conns. */
size_t server_conn_count(const struct server *srv)
{
	return srv->conns.count;
}

/* UDP's STATUS: callers connected and chat members. */
void server_udp_status(void *ctx, struct udp_status *st)
{
	const struct server *srv = ctx;

	/* Calls: not a page's file being sent, nor a caller not yet decided. */
	st->sessions = srv->conns.calls;
	st->chat = chat_room_count(srv->room);
}
