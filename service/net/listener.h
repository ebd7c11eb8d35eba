/*
 * listener: binds the listening sockets, accepts callers and hands each
 * one over through its accept callback, backs off when descriptors run
 * out, and tells the teacher what address to dial. Knows nothing of
 * conns, telnet, menus or sessions.
 */
#ifndef HOTLINE_LISTENER_H
#define HOTLINE_LISTENER_H

#include <sys/socket.h>

#include <event2/event.h>

struct sockaddr;

/* Seconds accepting pauses when the process runs out of descriptors. */
#define LISTENER_BACKOFF 1
/* Most listening sockets (--listen may be given several times). */
#define LISTENER_MAX_SOCKETS 16

/* Takes over a socket just accepted from peer (it owns fd from now). */
typedef void (*listener_accept_fn)(void *ctx, evutil_socket_t fd,
				   const struct sockaddr *peer);

struct listener;

/*
 * Returns a listener with no sockets yet that hands every caller to
 * accept(ctx, ...). The caller owns the listener.
 */
struct listener *listener_new(struct event_base *base,
			      listener_accept_fn accept, void *ctx);
/* Closes the sockets and frees the listener. */
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
/*
 * Logs the "telnet ADDRESS PORT" lines a class can type, each with
 * "http://ADDRESS:HTTP_PORT/" beside it unless http_port is 0.
 */
void listener_print_dial_lines(const struct listener *l, unsigned http_port);
/*
 * The first address the dial lines name (a machine that only listens on
 * loopback: that), with port set: 0, or -1 if there is none.
 */
int listener_dial_address(const struct listener *l, unsigned port,
			  struct sockaddr_storage *out);
/* Names what the port speaks in its "listening on" lines: " (HTTP)". */
void listener_set_label(struct listener *l, const char *label);
/* Stops accepting for good: the listening sockets close. */
void listener_stop(struct listener *l);

#endif
