/*
 * hold: opens N connections that then sit idle, and reports how much the
 * server's resident memory grew per connection. A telnet connection is
 * set up once its greeting menu has arrived (over TCP, or inside
 * WebSocket frames with --ws); a Redis one once it answered a PING. Memory is read from /proc before the first connection and again
 * `settle` seconds after the last one is set up, while all are still open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "mem.h"
#include "net.h"

/* The last line of the greeting (the main menu's prompt). */
#define HOLD_GREETING_END "请按键选择:"

struct hold {
	struct event_base *base;
	const struct bench_opts *o;
	struct net net;
	struct ramp ramp;
	struct nconn **conns;
	bool *ready;
	unsigned nready;
	unsigned dead;
	unsigned lost; /* closed after being set up */
	struct event *settle;
	struct event *watchdog;
	unsigned last_done, stalled;
};

/* Whether a line ends with a suffix. */
static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* Every connection set up: wait `settle` seconds, then read the memory. */
static void hold_check_complete(struct hold *h)
{
	struct timeval tv;

	if (!ramp_is_complete(&h->ramp) || evtimer_pending(h->settle, NULL))
		return;
	tv.tv_sec = (time_t)h->o->settle;
	tv.tv_usec = (suseconds_t)((h->o->settle - (double)tv.tv_sec) * 1e6);
	evtimer_add(h->settle, &tv);
}

/* A connection is set up. */
static void hold_ready(struct hold *h, struct nconn *c)
{
	if (h->ready[c->idx])
		return;
	h->ready[c->idx] = true;
	h->nready++;
	ramp_done(&h->ramp);
	hold_check_complete(h);
}

/* nconn_ops.connected: Redis is asked for a PONG; telnet waits for its menu. */
static void hold_connected(struct nconn *c)
{
	struct hold *h = c->ctx;

	if (h->o->proto == BENCH_PROTO_RESP)
		nconn_send(c, "PING\r\n", 6);
	else if (h->o->proto == BENCH_PROTO_REPLY)
		hold_ready(h, c);
}

/* nconn_ops.line */
static void hold_line(struct nconn *c, const char *s, size_t len, size_t raw,
		      uint64_t now)
{
	struct hold *h = c->ctx;

	(void)raw;
	(void)now;
	if (h->o->proto == BENCH_PROTO_RESP
		    ? (len == 5 && memcmp(s, "+PONG", 5) == 0)
		    : ends_with(s, len, HOLD_GREETING_END))
		hold_ready(h, c);
}

/* nconn_ops.closed */
static void hold_closed(struct nconn *c, const char *why)
{
	struct hold *h = c->ctx;

	if (h->dead++ < 5)
		fprintf(stderr, "hotline-bench: connection %u: %s\n", c->idx,
			why);
	if (h->ready[c->idx]) {
		h->lost++;
		return;
	}
	h->ready[c->idx] = true; /* never counted twice */
	ramp_done(&h->ramp);
	hold_check_complete(h);
}

static const struct nconn_ops hold_ops = {
	.connected = hold_connected,
	.line = hold_line,
	.closed = hold_closed,
};

/* ramp.start */
static bool hold_start(void *ctx, unsigned idx)
{
	struct hold *h = ctx;

	h->conns[idx] = nconn_new(&h->net, &hold_ops, h, idx);
	if (h->conns[idx] == NULL) {
		if (h->dead++ < 5)
			perror("hotline-bench: socket");
		h->ready[idx] = true;
		return false;
	}
	return true;
}

/* Settled: the measurement is taken, the loop ends. */
static void hold_settled(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(((struct hold *)arg)->base);
}

/* Once a second: setting up must keep moving. */
static void hold_watchdog(evutil_socket_t fd, short what, void *arg)
{
	struct hold *h = arg;

	(void)fd;
	(void)what;
	if (h->ramp.done != h->last_done || ramp_is_complete(&h->ramp)) {
		h->last_done = h->ramp.done;
		h->stalled = 0;
		return;
	}
	if (++h->stalled < BENCH_STALL_SECONDS)
		return;
	fprintf(stderr, "hotline-bench: setting up stalled at %u of %u\n",
		h->ramp.done, h->ramp.total);
	event_base_loopbreak(h->base);
}

/* Opens the connections, holds them, prints the memory each one took. */
int bench_hold(struct event_base *base, const struct bench_opts *o)
{
	struct hold h = { .base = base, .o = o };
	struct timeval second = { 1, 0 };
	long before, after;
	unsigned held;
	int status = 0;

	if (bench_net_init(&h.net, base, o) < 0)
		return 2;
	before = o->pid > 0 ? bench_rss_kb(o->pid) : -1;
	h.conns = xcalloc(o->conns, sizeof(*h.conns));
	h.ready = xcalloc(o->conns, sizeof(*h.ready));
	h.ramp = (struct ramp){ .total = o->conns,
				.window = o->connect_window,
				.start = hold_start,
				.ctx = &h };
	h.settle = evtimer_new(base, hold_settled, &h);
	h.watchdog = event_new(base, -1, EV_PERSIST, hold_watchdog, &h);
	evtimer_add(h.watchdog, &second);
	ramp_fill(&h.ramp);
	event_base_dispatch(base);

	after = o->pid > 0 ? bench_rss_kb(o->pid) : -1;
	held = h.nready >= h.lost ? h.nready - h.lost : 0;
	printf("RESULT kind=hold proto=%s transport=%s conns=%u held=%u"
	       " rss_before_kb=%ld rss_after_kb=%ld bytes_per_conn=%.0f\n",
	       bench_proto_name(o->proto), bench_transport_name(o), o->conns,
	       held, before, after,
	       held > 0 && before >= 0 && after >= 0
		       ? (double)(after - before) * 1024.0 / held
		       : -1.0);
	fflush(stdout);
	if (held != o->conns)
		status = 1;
	for (unsigned i = 0; i < o->conns; i++)
		nconn_free(h.conns[i]);
	free(h.conns);
	free(h.ready);
	event_free(h.settle);
	event_free(h.watchdog);
	return status;
}
