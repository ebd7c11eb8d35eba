/*
 * net: the load generator's connections. Each one connects without
 * blocking to a loopback address, hands every line it receives (CR LF,
 * or a bare LF) to its scenario, and sends bytes, queueing what the socket
 * does not take at once. A ramp bounds how many connections are being set
 * up at a time, so the server's accept backlog never overflows. A run
 * may speak WebSocket instead of plain TCP (ws.c): each connection then
 * upgrades before it counts as connected, its sends go out as masked
 * frames and the lines are those inside the server's frames. Knows
 * nothing of telnet, RESP or menus: scenarios do.
 */
#ifndef HOTLINE_BENCH_NET_H
#define HOTLINE_BENCH_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <netinet/in.h>

#include "ws.h"

/* Longest line kept whole; a longer one is handed on cut to this length. */
#define NET_LINE_MAX 8192
/* Bytes read from a socket in one go. */
#define NET_READ_CHUNK (64 * 1024)
/* Bytes queued for one connection before it counts as failed: a stuck server. */
#define NET_OUT_MAX (4 * 1024 * 1024)

struct nconn;

/* What a scenario is told about one connection. */
struct nconn_ops {
	/* The connection is up: the scenario may send. */
	void (*connected)(struct nconn *c);
	/*
	 * One line without its CR LF; raw is how many bytes it took on the
	 * wire; now is when the read returned (ns, monotonic).
	 */
	void (*line)(struct nconn *c, const char *s, size_t len, size_t raw,
		     uint64_t now);
	/* The connection failed or the peer hung up; it sends nothing more. */
	void (*closed)(struct nconn *c, const char *why);
};

/* Longest bytes a connection sends first (net.hello). */
#define NET_HELLO_MAX 8

/* Shared by every connection of a run. */
struct net {
	struct event_base *base;
	struct sockaddr_in addr;
	char host[16]; /* addr as text, for the WebSocket upgrade */
	unsigned port;
	bool ws; /* upgrade to WebSocket (GET /ws) before anything else */
	/* Bytes each connection sends once connected, before the scenario. */
	unsigned char hello[NET_HELLO_MAX];
	size_t hello_len;
	char rbuf[NET_READ_CHUNK];
};

struct nconn {
	struct net *net;
	int fd;
	struct event *rev, *wev;
	const struct nconn_ops *ops;
	void *ctx;      /* the scenario's, not owned */
	unsigned idx;   /* the scenario's number for it */
	bool sock_up;   /* the TCP connect went through */
	bool connected; /* and upgraded, over WebSocket: the scenario may send */
	bool dead;
	struct ws *ws;    /* the WebSocket's state, or NULL over TCP; owned */
	uint64_t read_at; /* when the read being handled returned */
	int connect_err;  /* connect() failed at once with this errno */
	char *line;       /* a line still arriving, NET_LINE_MAX bytes */
	size_t line_len, line_raw;
	char *out; /* bytes the socket has not taken yet */
	size_t out_len, out_cap;
};

/*
 * Fills net for addr:port, which must be a loopback IPv4 address; -1 if
 * not. Plain TCP, nothing sent first: set ws and hello after, if wanted.
 */
int net_init(struct net *net, struct event_base *base, const char *addr,
	     unsigned port);
/*
 * Starts connecting; ops->connected or ops->closed follows from the loop.
 * Returns the connection (the caller owns it: nconn_free), NULL when no
 * socket could be made.
 */
struct nconn *nconn_new(struct net *net, const struct nconn_ops *ops, void *ctx,
			unsigned idx);
/*
 * Sends bytes (as one frame over WebSocket); what the socket does not
 * take waits for it to drain.
 */
void nconn_send(struct nconn *c, const void *data, size_t len);
/* Closes the socket; the connection stays allocated until nconn_free. */
void nconn_close(struct nconn *c);
/* Closes and frees a connection; NULL does nothing. */
void nconn_free(struct nconn *c);

/*
 * Starts connections no more than `window` at a time: a scenario calls
 * ramp_done once a connection is set up (or failed) and ramp_fill to start
 * more.
 */
struct ramp {
	unsigned total;
	unsigned started;
	unsigned done;
	unsigned window;
	/* Starts connection idx; false if it failed at once (counted as done). */
	bool (*start)(void *ctx, unsigned idx);
	void *ctx;
};

/* Starts as many as the window allows. */
void ramp_fill(struct ramp *r);
/* One connection finished setting up (or failed); starts the next ones. */
void ramp_done(struct ramp *r);
/* Whether every connection has finished setting up. */
bool ramp_is_complete(const struct ramp *r);

#endif
