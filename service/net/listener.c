/*
 * listener: the listening sockets; each caller accepted is handed to the
 * accept callback (the server) at once.
 */
#include "listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/listener.h>

#include "log/trace.h"
#include "mem.h"
#include "netaddr.h"
#include "netbind.h"

struct listener {
	struct event_base *base;
	listener_accept_fn accept;
	void *accept_ctx;
	struct evconnlistener *socks[LISTENER_MAX_SOCKETS];
	size_t nsocks;
	unsigned port;
	bool any_address; /* bound to the wildcard: every interface can be dialled */
	const char *label; /* " (HTTP)" for a browsers-only port, or "" */
	struct event *backoff;
};

/* Creates a listener with no sockets yet. */
struct listener *listener_new(struct event_base *base,
			      listener_accept_fn accept, void *ctx)
{
	struct listener *l = xcalloc(1, sizeof(*l));

	l->base = base;
	l->accept = accept;
	l->accept_ctx = ctx;
	l->label = "";
	return l;
}

/* Names what the port speaks in its "listening on" lines. */
void listener_set_label(struct listener *l, const char *label)
{
	l->label = label;
}

/* Closes every listening socket. */
static void listener_close_sockets(struct listener *l)
{
	for (size_t i = 0; i < l->nsocks; i++)
		evconnlistener_free(l->socks[i]);
	l->nsocks = 0;
}

/* Stops accepting: the listening sockets close, the port is free. */
void listener_stop(struct listener *l)
{
	listener_close_sockets(l);
	if (l->backoff != NULL)
		evtimer_del(l->backoff);
}

/* Closes the sockets and frees the listener. */
void listener_free(struct listener *l)
{
	if (l == NULL)
		return;
	listener_close_sockets(l);
	if (l->backoff != NULL)
		event_free(l->backoff);
	free(l);
}

/* A caller dialled in: the server takes it from here. */
static void on_accept(struct evconnlistener *evl, evutil_socket_t fd,
		      struct sockaddr *peer, int peerlen, void *ctx)
{
	struct listener *l = ctx;

	(void)evl;
	(void)peerlen;
	l->accept(l->accept_ctx, fd, peer);
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

/*
 * Binds one address (ctx is the listener); learns the port when it was 0,
 * so that every address gets the same one.
 */
static int listener_bind_one(void *ctx, struct sockaddr *sa, socklen_t salen)
{
	struct listener *l = ctx;
	/* Zeroed for the analyzer, which cannot see getsockname fill it. */
	struct sockaddr_storage bound = { 0 };
	socklen_t boundlen = sizeof(bound);
	char host[NETADDR_HOST_MAX];
	struct evconnlistener *evl = NULL;
	int fd;

	if (l->nsocks == LISTENER_MAX_SOCKETS) {
		log_error(0, "too many listening sockets (at most %d)",
			  LISTENER_MAX_SOCKETS);
		return -1;
	}
	netaddr_set_port(sa, l->port);
	netaddr_format_host(sa, true, host, sizeof(host));
	/* One message whichever step fails: socket, bind or listen. */
	fd = netbind_socket(sa, salen, SOCK_STREAM, NULL);
	if (fd >= 0)
		evl = evconnlistener_new(l->base, on_accept, l,
					 LEV_OPT_CLOSE_ON_FREE |
						 LEV_OPT_CLOSE_ON_EXEC,
					 128, fd);
	if (evl == NULL) {
		log_error(0, "cannot listen on %s:%u: %s", host, l->port,
			  strerror(errno));
		if (fd >= 0)
			evutil_closesocket(fd);
		return -1;
	}
	evconnlistener_set_error_cb(evl, on_accept_error);
	/* The port we got (port 0 asks for any); kept if getsockname fails. */
	if (getsockname(fd, (struct sockaddr *)&bound, &boundlen) == 0)
		l->port = netaddr_port((struct sockaddr *)&bound);
	l->socks[l->nsocks++] = evl;
	log_info(0, "listening on %s:%u%s", host, l->port, l->label);
	return 0;
}

/* Binds every address addr resolves to (the wildcard when NULL). */
int listener_bind(struct listener *l, const char *addr, unsigned port)
{
	int gai_error;

	if (port > 65535) {
		log_error(0, "port %u is out of range (0-65535)", port);
		return -1;
	}
	if (l->nsocks == 0)
		l->port = port;
	if (addr == NULL)
		l->any_address = true;
	if (netbind_each(addr, SOCK_STREAM, listener_bind_one, l, &gai_error) ==
	    0)
		return 0;
	if (gai_error != 0)
		log_error(0, "cannot listen on %s: %s", addr,
			  gai_strerror(gai_error));
	return -1;
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

/*
 * Logs one "telnet HOST PORT" line, with the page's address beside it
 * when browsers are served (http_port not 0), and note after both.
 */
static void print_dial_line(const struct sockaddr *sa, unsigned port,
			    unsigned http_port, const char *note)
{
	char host[NETADDR_HOST_MAX], url_host[NETADDR_HOST_MAX];
	char url[NETADDR_HOST_MAX + 32] = "";

	netaddr_format_host(sa, false, host, sizeof(host));
	if (http_port != 0) {
		netaddr_format_host(sa, true, url_host, sizeof(url_host));
		snprintf(url, sizeof(url), "   http://%s:%u/", url_host,
			 http_port);
	}
	log_info(0, "  telnet %s %u%s%s", host, port, url, note);
}

/* Tells the teacher what students can type: every non-loopback address. */
int listener_dial_address(const struct listener *l, unsigned port,
			  struct sockaddr_storage *out)
{
	struct ifaddrs *ifs = NULL;
	int found = -1;

	memset(out, 0, sizeof(*out));
	if (l->any_address && getifaddrs(&ifs) == 0) {
		for (struct ifaddrs *i = ifs; i != NULL && found < 0;
		     i = i->ifa_next) {
			if (i->ifa_addr == NULL || !(i->ifa_flags & IFF_UP) ||
			    !is_dialable(i->ifa_addr))
				continue;
			memcpy(out, i->ifa_addr,
			       i->ifa_addr->sa_family == AF_INET6
				       ? sizeof(struct sockaddr_in6)
				       : sizeof(struct sockaddr_in));
			found = 0;
		}
		freeifaddrs(ifs);
	}
	for (size_t i = 0; found < 0 && i < l->nsocks; i++) {
		socklen_t len = sizeof(*out);

		if (getsockname(evconnlistener_get_fd(l->socks[i]),
				(struct sockaddr *)out, &len) == 0)
			found = 0;
	}
	if (found < 0)
		return -1;
	/* Any address: the machine's own, as the dial lines fall back to. */
	if (out->ss_family == AF_INET &&
	    ((struct sockaddr_in *)out)->sin_addr.s_addr == htonl(INADDR_ANY))
		((struct sockaddr_in *)out)->sin_addr.s_addr = htonl(
			INADDR_LOOPBACK);
	if (out->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)out)->sin6_addr))
		((struct sockaddr_in6 *)out)->sin6_addr = in6addr_loopback;
	if (out->ss_family == AF_INET)
		((struct sockaddr_in *)out)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)out)->sin6_port = htons((uint16_t)port);
	return 0;
}

void listener_print_dial_lines(const struct listener *l, unsigned http_port)
{
	struct ifaddrs *ifs = NULL;
	int printed = 0;

	log_info(0, "callers can dial in with:");
	if (l->any_address && getifaddrs(&ifs) == 0) {
		for (struct ifaddrs *i = ifs; i != NULL; i = i->ifa_next) {
			if (i->ifa_addr == NULL || !(i->ifa_flags & IFF_UP) ||
			    !is_dialable(i->ifa_addr))
				continue;
			print_dial_line(i->ifa_addr, l->port, http_port, "");
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
			print_dial_line((struct sockaddr *)&ss, l->port,
					http_port, "");
			printed++;
		}
	}
	if (printed > 0)
		return;
	/* Only loopback: the address listened on, or 127.0.0.1 for any. */
	for (size_t i = 0; !l->any_address && i < l->nsocks; i++) {
		struct sockaddr_storage ss = { 0 };
		socklen_t len = sizeof(ss);

		if (getsockname(evconnlistener_get_fd(l->socks[i]),
				(struct sockaddr *)&ss, &len) != 0)
			continue;
		print_dial_line((struct sockaddr *)&ss, l->port, http_port,
				"   (this machine only)");
		printed++;
	}
	if (printed == 0) {
		struct sockaddr_in lo = { .sin_family = AF_INET };

		lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		print_dial_line((struct sockaddr *)&lo, l->port, http_port,
				"   (this machine only: no network address "
				"is being listened on)");
	}
}
