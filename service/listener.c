/*
 * listener: accepting sockets and the list of live conns.
 */
#include "listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/listener.h>

#include "conn.h"
#include "peers.h"
#include "session.h"
#include "trace.h"
#include "util.h"

struct listener {
	struct event_base *base;
	struct menu_catalog *catalog; /* one reference held */
	const struct conn_env *env;
	struct listener_limits limits;
	struct peers *peers;
	unsigned long turned_away;
	struct evconnlistener *socks[LISTENER_MAX_SOCKETS];
	size_t nsocks;
	unsigned port;
	bool any_address; /* bound to the wildcard: every interface can be dialled */
	struct event *backoff;
	struct conn_list conns;
	unsigned next_id;
	bool shutting_down;
	void (*done)(void *ctx);
	void *done_ctx;
};

/* Creates a listener with no sockets yet. */
struct listener *listener_new(struct event_base *base,
			      struct menu_catalog *catalog,
			      const struct conn_env *env,
			      const struct listener_limits *limits)
{
	struct listener *l = xcalloc(1, sizeof(*l));

	l->env = env;
	l->limits = *limits;
	l->peers = peers_new();
	l->base = base;
	l->catalog = menu_catalog_ref(catalog);
	conn_list_init(&l->conns);
	return l;
}

/* Closes every listening socket. */
static void listener_close_sockets(struct listener *l)
{
	for (size_t i = 0; i < l->nsocks; i++)
		evconnlistener_free(l->socks[i]);
	l->nsocks = 0;
}

/* Frees the listener and any conn still live (the loop has stopped). */
void listener_free(struct listener *l)
{
	if (l == NULL)
		return;
	conn_list_free_all(&l->conns);
	listener_close_sockets(l);
	if (l->backoff != NULL)
		event_free(l->backoff);
	peers_free(l->peers);
	menu_catalog_unref(l->catalog);
	free(l);
}

static void format_host(const struct sockaddr *sa, char *out, size_t outsz,
			bool brackets);

/* A conn left: when shutting down, the last one finishes the shutdown. */
static void on_conn_gone(void *ctx, const struct sockaddr *peer)
{
	struct listener *l = ctx;

	peers_remove(l->peers, peer);
	if (l->shutting_down && l->conns.count == 0 && l->done != NULL)
		l->done(l->done_ctx);
}

/*
 * Says "busy" (占线) to a caller over a cap and hangs up at once: one
 * non-blocking send of a short text, so a flood of callers costs little.
 */
static void turn_away(struct listener *l, evutil_socket_t fd,
		      const struct sockaddr *peer, const char *why)
{
	const struct menu_set *set =
		menu_catalog_default(l->catalog, SESSION_DEFAULT_LANGUAGE);
	const char *src = menu_set_text_of(set, MENU_TEXT_BUSY);
	char buf[512];
	size_t n = 0;

	/* Every set has it (the loader checks). "\n" becomes CR LF. */
	for (const char *p = src;
	     p != NULL && *p != '\0' && n + 2 < sizeof(buf); p++) {
		if (*p == '\n' && (p == src || p[-1] != '\r'))
			buf[n++] = '\r';
		buf[n++] = *p;
	}
	send(fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	evutil_closesocket(fd);
	/* One line per 1000 at most: a flood must not flood the log too. */
	if (l->turned_away++ % 1000 == 0) {
		char host[INET6_ADDRSTRLEN + 2];

		format_host(peer, host, sizeof(host), true);
		log_info(0, "busy: turned %s away (%s; %lu so far)", host, why,
			 l->turned_away);
	}
}

/* A caller dialled in. */
static void on_accept(struct evconnlistener *evl, evutil_socket_t fd,
		      struct sockaddr *peer, int peerlen, void *ctx)
{
	struct listener *l = ctx;

	(void)evl;
	(void)peerlen;
	if (l->shutting_down) {
		evutil_closesocket(fd);
		return;
	}
	if (l->limits.max_clients != 0 &&
	    l->conns.count >= l->limits.max_clients) {
		turn_away(l, fd, peer, "the line is full");
		return;
	}
	if (!peers_add(l->peers, peer, l->limits.max_per_ip)) {
		turn_away(l, fd, peer, "too many calls from this address");
		return;
	}
	if (++l->next_id == 0)
		l->next_id = 1; /* 0 means "the server" in logs */
	if (conn_new(l->base, fd, peer, l->next_id, l->catalog, l->env,
		     &l->conns, on_conn_gone, l) == NULL)
		peers_remove(l->peers, peer);
}

/* Backoff over: accept again. */
static void on_backoff_done(evutil_socket_t fd, short what, void *ctx)
{
	struct listener *l = ctx;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < l->nsocks; i++)
		evconnlistener_enable(l->socks[i]);
}

/* accept() failed: out of descriptors pauses accepting for a moment. */
static void on_accept_error(struct evconnlistener *evl, void *ctx)
{
	struct listener *l = ctx;
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval tv = { .tv_sec = LISTENER_BACKOFF, .tv_usec = 0 };

	(void)evl;
	log_error(0, "accept: %s", evutil_socket_error_to_string(err));
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return;
	for (size_t i = 0; i < l->nsocks; i++)
		evconnlistener_disable(l->socks[i]);
	if (l->backoff == NULL)
		l->backoff = evtimer_new(l->base, on_backoff_done, l);
	evtimer_add(l->backoff, &tv);
}

/* Formats an address without its port, IPv6 in brackets. */
static void format_host(const struct sockaddr *sa, char *out, size_t outsz,
			bool brackets)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr, host,
			  sizeof(host));
		snprintf(out, outsz, brackets ? "[%s]" : "%s", host);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  host, sizeof(host));
		snprintf(out, outsz, "%s", host);
	}
}

/* Binds one address; learns the port when it was 0. */
static int listener_bind_one(struct listener *l, struct sockaddr *sa,
			     socklen_t salen)
{
	unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
			 LEV_OPT_REUSEABLE;
	struct evconnlistener *evl;
	struct sockaddr_storage bound = { 0 };
	socklen_t boundlen = sizeof(bound);
	char host[INET6_ADDRSTRLEN + 2];

	if (l->nsocks == LISTENER_MAX_SOCKETS) {
		log_error(0, "too many listening sockets (at most %d)",
			  LISTENER_MAX_SOCKETS);
		return -1;
	}
	if (sa->sa_family == AF_INET6) {
		/* Each family gets its own socket, so IPv4 works without IPv6. */
		flags |= LEV_OPT_BIND_IPV6ONLY;
		((struct sockaddr_in6 *)sa)->sin6_port = htons(
			(uint16_t)l->port);
	} else {
		((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)l->port);
	}
	format_host(sa, host, sizeof(host), true);
	evl = evconnlistener_new_bind(l->base, on_accept, l, flags, 128, sa,
				      (int)salen);
	if (evl == NULL) {
		log_error(0, "cannot listen on %s:%u: %s", host, l->port,
			  strerror(errno));
		return -1;
	}
	evconnlistener_set_error_cb(evl, on_accept_error);
	/* The port we got (port 0 asks for any); kept if getsockname fails. */
	getsockname(evconnlistener_get_fd(evl), (struct sockaddr *)&bound,
		    &boundlen);
	if (bound.ss_family == AF_INET6)
		l->port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
	else if (bound.ss_family == AF_INET)
		l->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
	l->socks[l->nsocks++] = evl;
	log_info(0, "listening on %s:%u", host, l->port);
	return 0;
}

/* Binds every address addr resolves to (the wildcard when NULL). */
int listener_bind(struct listener *l, const char *addr, unsigned port)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE,
	};
	struct addrinfo *res = NULL;
	int bound = 0, rc;

	if (port > 65535) {
		log_error(0, "port %u is out of range (0-65535)", port);
		return -1;
	}
	if (l->nsocks == 0)
		l->port = port;
	if (addr == NULL) {
		struct sockaddr_in in4 = { .sin_family = AF_INET,
					   .sin_addr.s_addr = htonl(
						   INADDR_ANY) };
		struct sockaddr_in6 in6 = { .sin6_family = AF_INET6,
					    .sin6_addr = IN6ADDR_ANY_INIT };

		l->any_address = true;
		if (listener_bind_one(l, (struct sockaddr *)&in4, sizeof(in4)) <
		    0)
			return -1;
		/* IPv6 may be disabled on the machine: IPv4 alone still serves. */
		listener_bind_one(l, (struct sockaddr *)&in6, sizeof(in6));
		return 0;
	}
	rc = getaddrinfo(addr, NULL, &hints, &res);
	if (rc != 0) {
		log_error(0, "cannot listen on %s: %s", addr, gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (listener_bind_one(l, ai->ai_addr, ai->ai_addrlen) == 0)
			bound++;
	}
	freeaddrinfo(res);
	return bound > 0 ? 0 : -1;
}

/* Port in use. */
unsigned listener_port(const struct listener *l)
{
	return l->port;
}

/* Whether an address can be dialled from another machine. */
static bool is_dialable(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		uint32_t a = ntohl(
			((const struct sockaddr_in *)sa)->sin_addr.s_addr);

		return (a >> 24) != 127 && a != INADDR_ANY;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a =
			&((const struct sockaddr_in6 *)sa)->sin6_addr;

		return !IN6_IS_ADDR_LOOPBACK(a) && !IN6_IS_ADDR_LINKLOCAL(a) &&
		       !IN6_IS_ADDR_UNSPECIFIED(a);
	}
	return false;
}

/* Logs one "telnet HOST PORT" line. */
static void print_dial_line(const struct sockaddr *sa, unsigned port)
{
	char host[INET6_ADDRSTRLEN + 2];

	format_host(sa, host, sizeof(host), false);
	log_info(0, "  telnet %s %u", host, port);
}

/* Tells the teacher what students can type: every non-loopback address. */
void listener_print_dial_lines(const struct listener *l)
{
	struct ifaddrs *ifs = NULL;
	int printed = 0;

	log_info(0, "callers can dial in with:");
	if (l->any_address && getifaddrs(&ifs) == 0) {
		for (struct ifaddrs *i = ifs; i != NULL; i = i->ifa_next) {
			if (i->ifa_addr == NULL || !(i->ifa_flags & IFF_UP) ||
			    !is_dialable(i->ifa_addr))
				continue;
			print_dial_line(i->ifa_addr, l->port);
			printed++;
		}
		freeifaddrs(ifs);
	}
	for (size_t i = 0; !l->any_address && i < l->nsocks; i++) {
		/* Zeroed for the analyzer, which cannot see getsockname fill it. */
		struct sockaddr_storage ss = { 0 };
		socklen_t len = sizeof(ss);

		if (getsockname(evconnlistener_get_fd(l->socks[i]),
				(struct sockaddr *)&ss, &len) == 0 &&
		    is_dialable((struct sockaddr *)&ss)) {
			print_dial_line((struct sockaddr *)&ss, l->port);
			printed++;
		}
	}
	if (printed > 0)
		return;
	/* Only loopback: the address listened on, or 127.0.0.1 for any. */
	for (size_t i = 0; !l->any_address && i < l->nsocks; i++) {
		struct sockaddr_storage ss = { 0 };
		socklen_t len = sizeof(ss);
		char host[INET6_ADDRSTRLEN + 2];

		if (getsockname(evconnlistener_get_fd(l->socks[i]),
				(struct sockaddr *)&ss, &len) != 0)
			continue;
		format_host((struct sockaddr *)&ss, host, sizeof(host), false);
		log_info(0, "  telnet %s %u   (this machine only)", host,
			 l->port);
		printed++;
	}
	if (printed == 0)
		log_info(0,
			 "  telnet 127.0.0.1 %u   (this machine only: no "
			 "network address is being listened on)",
			 l->port);
}

/* Moves one conn to the listener's catalog. */
static void conn_take_catalog(struct conn *c, void *arg)
{
	conn_set_catalog(c, arg);
}

/* Swaps in a reloaded catalog for new callers and every live session. */
void listener_set_catalog(struct listener *l, struct menu_catalog *catalog)
{
	menu_catalog_ref(catalog);
	menu_catalog_unref(l->catalog);
	l->catalog = catalog;
	conn_list_each(&l->conns, conn_take_catalog, catalog);
}

/* Shows one conn a notice. */
static void conn_say_notice(struct conn *c, void *arg)
{
	conn_notice(c, *(const enum menu_text_id *)arg);
}

/* Shows one conn an operator's text. */
static void conn_say_wall(struct conn *c, void *arg)
{
	conn_wall(c, arg);
}

/* session_hub.wall: an operator's text to every session. */
static void hub_wall(void *ctx, const char *text)
{
	struct listener *l = ctx;

	conn_list_each(&l->conns, conn_say_wall, (void *)text);
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

	conn_row(c, &row);
	w->fn(w->arg, &row);
}

/* session_hub.list: every session, for an operator's /who. */
static void hub_list(void *ctx, session_row_fn fn, void *arg)
{
	struct listener *l = ctx;
	struct hub_walk w = { fn, arg };

	conn_list_each(&l->conns, hub_row, &w);
}

/* Fills in the hub through which operators reach every session. */
void listener_hub(struct listener *l, struct session_hub *hub)
{
	hub->ctx = l;
	hub->wall = hub_wall;
	hub->list = hub_list;
}

/* Shows every live caller a notice. */
void listener_notice(struct listener *l, enum menu_text_id id)
{
	conn_list_each(&l->conns, conn_say_notice, &id);
}

/* Tells one conn the service is closing. */
static void conn_say_shutdown(struct conn *c, void *arg)
{
	(void)arg;
	conn_shutdown(c);
}

/* Stops accepting and closes every conn after its goodbye. */
void listener_shutdown(struct listener *l, void (*done)(void *ctx), void *ctx)
{
	l->shutting_down = true;
	l->done = done;
	l->done_ctx = ctx;
	listener_close_sockets(l);
	conn_list_each(&l->conns, conn_say_shutdown, NULL);
	if (l->conns.count == 0 && done != NULL)
		done(ctx);
}

/* Number of live conns. */
size_t listener_conn_count(const struct listener *l)
{
	return l->conns.count;
}
