/*
 * udp: the datagram service beside the TCP listener, for the lesson on
 * UDP versus TCP. One request datagram in, at most one reply out, no
 * connection, no session and no password (nothing here logs anyone in):
 *
 *   STATUS   -> STATUS sessions=3 chat=1 uptime=125s
 *   PLANS    -> PLANS 3, then one "18.00 yuan/month  NAME" line per plan
 *   PING N   -> PONG N
 *   other    -> ERROR ...
 *
 * Knows nothing of conns, sessions or the account store: main hands it a
 * callback for the counts and the plans as they stood at startup.
 */
#ifndef HOTLINE_UDP_H
#define HOTLINE_UDP_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "store/account.h"

/*
 * Largest request read, in bytes; a longer datagram is dropped unread.
 * Replies stay below it too: 512 bytes is the payload every IPv4 host
 * must accept (RFC 791's 576-byte datagram), so nothing is fragmented.
 */
#define UDP_MAX_DATAGRAM 512
/* Most sockets (one per --listen address and family). */
#define UDP_MAX_SOCKETS 16
/* Plans listed by PLANS; they must fit in one reply anyway. */
#define UDP_MAX_PLANS 8
/*
 * Replies a second, all senders together, with a burst of the same: a
 * flood, or requests with a forged source address, cannot make the
 * server send more than this.
 */
#define UDP_RATE 200
/* Datagrams read per wake-up, so a flood cannot starve the TCP callers. */
#define UDP_READS_PER_WAKE 64
/* Digits of the sequence number PING echoes. */
#define UDP_PING_DIGITS 20

/* What STATUS reports, filled in by main's callback. */
struct udp_status {
	size_t sessions; /* TCP callers connected */
	size_t chat;     /* members of the chat room */
};
typedef void (*udp_status_fn)(void *ctx, struct udp_status *st);

struct udp_server;

/*
 * Returns a server with no sockets yet; plans (n of them, copied) are
 * what PLANS lists. status is called for each STATUS. The caller owns it.
 */
struct udp_server *udp_server_new(struct event_base *base,
				  const struct account_plan *plans, size_t n,
				  udp_status_fn status, void *ctx);
/* Closes the sockets and frees; NULL is fine. */
void udp_server_free(struct udp_server *u);
/*
 * Binds addr (NULL: every IPv4 and IPv6 interface) on port. Logs
 * "udp on ADDR:PORT" for each socket; returns 0, or -1 after logging why.
 */
int udp_server_bind(struct udp_server *u, const char *addr, unsigned port);

/*
 * The reply to one request of len bytes, written into out (at least
 * UDP_MAX_DATAGRAM bytes); returns its length. Pure but for the clock and
 * the status callback.
 */
size_t udp_server_reply(struct udp_server *u, const char *req, size_t len,
			char *out);

#endif
