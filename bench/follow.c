/*
 * follow: a teacher's program following the event stream of every session
 * (GET /teacher/api/events, the key as a bearer token) while other runs
 * of the bench load the same server. It checks the answer is a 200 event
 * stream, prints FOLLOWING once it is, then reads as fast as the socket
 * delivers (NET_READ_CHUNK bytes a read, nothing else on its loop) and
 * counts: what the server's behaviour under a reader is measured by must
 * not be a slow reader. SIGTERM or SIGINT ends it with one RESULT line:
 * events, those the server said it dropped, keepalives, bytes.
 *
 * It knows the contract's path and header, not the events' meaning.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "net.h"
#include "sse.h"

/* Longest request written: the key is at most BENCH_KEY_MAX bytes. */
#define FOLLOW_REQUEST_MAX (256 + BENCH_KEY_MAX)

struct follow {
	struct event_base *base;
	const struct bench_opts *o;
	struct net net;
	struct nconn *nc;
	struct sse sse;
	struct event *sigterm, *sigint;
	uint64_t opened; /* when the head checked out (ns), 0 before */
	int status;
};

/* Prints the counts, for the script. */
static void follow_print_result(const struct follow *f)
{
	double secs = f->opened ? (double)(bench_now() - f->opened) / 1e9 : 0;

	printf("RESULT kind=follow transport=tcp events=%llu missed=%llu"
	       " missed_notices=%llu comments=%llu bytes=%llu secs=%.3f"
	       " rate=%.1f\n",
	       (unsigned long long)f->sse.events,
	       (unsigned long long)f->sse.missed,
	       (unsigned long long)f->sse.missed_notices,
	       (unsigned long long)f->sse.comments,
	       (unsigned long long)f->sse.bytes, secs,
	       secs > 0 ? (double)f->sse.events / secs : 0.0);
	fflush(stdout);
}

/* nconn_ops.connected: the request goes out. */
static void follow_connected(struct nconn *nc)
{
	struct follow *f = nc->ctx;
	char req[FOLLOW_REQUEST_MAX];
	int n = snprintf(req, sizeof(req),
			 "GET /teacher/api/events%s HTTP/1.1\r\n"
			 "Host: %s:%u\r\n"
			 "Authorization: Bearer %s\r\n"
			 "Accept: text/event-stream\r\n"
			 "Cache-Control: no-cache\r\n"
			 "\r\n",
			 f->o->wire ? "?wire=1" : "", f->net.host, f->net.port,
			 f->o->key);

	nconn_send(nc, req, (size_t)n);
}

/* nconn_ops.line: the head, then the stream. */
static void follow_line(struct nconn *nc, const char *s, size_t len, size_t raw,
			uint64_t now)
{
	struct follow *f = nc->ctx;

	switch (sse_feed_line(&f->sse, s, len, raw)) {
	case SSE_OPENED:
		f->opened = now;
		printf("FOLLOWING\n");
		fflush(stdout);
		break;
	case SSE_ERROR:
		fprintf(stderr, "hotline-bench: follow: %s\n", f->sse.error);
		f->status = 1;
		nconn_close(nc);
		event_base_loopbreak(f->base);
		break;
	case SSE_MORE:
		break;
	}
}

/* nconn_ops.closed: the server ended the stream; a follower never does. */
static void follow_closed(struct nconn *nc, const char *why)
{
	struct follow *f = nc->ctx;

	fprintf(stderr, "hotline-bench: follow: %s%s\n", why,
		f->opened ? " (while following)"
			  : " (before the stream opened)");
	f->status = 1;
	event_base_loopbreak(f->base);
}

static const struct nconn_ops follow_ops = {
	.connected = follow_connected,
	.line = follow_line,
	.closed = follow_closed,
};

/* SIGTERM or SIGINT: the run it followed is over. */
static void follow_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct follow *f = arg;

	(void)sig;
	(void)what;
	event_base_loopbreak(f->base);
}

/* Follows the event stream until told to stop or the server closes it. */
int bench_follow(struct event_base *base, const struct bench_opts *o)
{
	struct follow f = { .base = base, .o = o };

	if (o->key == NULL) {
		fprintf(stderr, "hotline-bench: follow needs --key\n");
		return 2;
	}
	if (net_init(&f.net, base, o->addr, o->port) < 0) {
		fprintf(stderr,
			"hotline-bench: %s:%u is not a loopback address\n",
			o->addr, o->port);
		return 2;
	}
	sse_init(&f.sse);
	f.sigterm = evsignal_new(base, SIGTERM, follow_on_signal, &f);
	f.sigint = evsignal_new(base, SIGINT, follow_on_signal, &f);
	evsignal_add(f.sigterm, NULL);
	evsignal_add(f.sigint, NULL);
	f.nc = nconn_new(&f.net, &follow_ops, &f, 0);
	if (f.nc == NULL) {
		perror("hotline-bench: follow: socket");
		f.status = 1;
	} else {
		event_base_dispatch(base);
	}
	if (f.opened)
		follow_print_result(&f);
	else if (f.status == 0) {
		fprintf(stderr, "hotline-bench: follow: stopped before the"
				" stream opened\n");
		f.status = 1;
	}
	nconn_free(f.nc);
	event_free(f.sigterm);
	event_free(f.sigint);
	return f.status;
}
