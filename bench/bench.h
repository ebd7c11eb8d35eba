/*
 * bench: what the load generator's scenarios share: the options, the
 * clock, the server's resident memory, the warm-up and measuring rounds,
 * and the one-line results the benchmark script reads. A scenario is one
 * function that runs the event loop until it is done.
 */
#ifndef HOTLINE_BENCH_BENCH_H
#define HOTLINE_BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "hist.h"

/* Reply sizes a reference walk may cycle through. */
#define BENCH_MAX_SIZES 8
/* Seconds without progress while measuring before a run counts as stuck. */
#define BENCH_STALL_SECONDS 10
/* Most connections one run may open (the process's descriptors bound it too). */
#define BENCH_MAX_CONNS 50000
/* Longest teacher's key taken (hotlined's is 43 characters of base64url). */
#define BENCH_KEY_MAX 128

/* How the generator talks to the server under test. */
enum bench_proto {
	BENCH_PROTO_TELNET, /* hotlined: a raw telnet client in line mode */
	BENCH_PROTO_RESP,   /* redis-server */
	BENCH_PROTO_REPLY,  /* hotline-reply: a line asks for N bytes back */
};

struct bench_opts {
	const char *addr;
	unsigned port;
	enum bench_proto proto;
	unsigned conns;      /* hold and walk: connections */
	unsigned members;    /* chat: receiving members */
	unsigned senders;    /* chat: members that send */
	unsigned size;       /* chat: message bytes */
	unsigned window;     /* chat: messages a sender has in flight */
	unsigned rechargers; /* recharge: callers recharging */
	unsigned walkers;    /* recharge: callers walking the menus */
	double warmup;       /* seconds before the first round */
	double duration;     /* seconds per round */
	unsigned rounds;
	double settle; /* hold: seconds to wait before reading memory */
	long pid;      /* hold: the server's process id */
	unsigned sizes[BENCH_MAX_SIZES]; /* reply: bytes asked for, in turn */
	size_t nsizes;
	unsigned connect_window; /* connections being set up at once */
	bool ws; /* telnet inside WebSocket (GET /ws), as a browser, not TCP */
	const char *key; /* follow: the teacher's key, base64url */
	bool wire; /* follow: ask for every call's wire, as the page does */
};

struct net;

/* Monotonic nanoseconds. */
uint64_t bench_now(void);
/* Resident memory of a process in KiB, from /proc; -1 if unreadable. */
long bench_rss_kb(long pid);
/* Name of a protocol, for results. */
const char *bench_proto_name(enum bench_proto proto);
/* Name of the transport under the protocol, for results: tcp or websocket. */
const char *bench_transport_name(const struct bench_opts *o);
/*
 * Fills net for the options' address, port and transport; -1 (said on
 * stderr) if the address is not loopback.
 */
int bench_net_init(struct net *net, struct event_base *base,
		   const struct bench_opts *o);

/*
 * Warm-up, then `count` measuring rounds back to back, on a timer:
 * begin(i) and end(i, seconds) bracket round i, finished() follows the
 * last one.
 */
struct rounds {
	struct event *timer;
	double warmup, duration;
	unsigned count;
	int current; /* -1 warming up, 0..count-1 measuring, count: done */
	uint64_t began;
	void (*begin)(void *ctx, unsigned round);
	void (*end)(void *ctx, unsigned round, double secs);
	void (*finished)(void *ctx);
	void *ctx;
};

/* Starts the warm-up now. */
void rounds_start(struct rounds *r, struct event_base *base);
/* Whether a round is being measured. */
bool rounds_is_measuring(const struct rounds *r);
/* Frees the timer. */
void rounds_fini(struct rounds *r);

/*
 * Prints "RESULT kind=K proto=P transport=T conns=N round=R ops=O secs=S
 * rate=X p50_us=.. p99_us=.. p999_us=.. max_us=.." for the script to read.
 */
void bench_print_result(const char *kind, const struct bench_opts *o,
			unsigned conns, unsigned round, uint64_t ops,
			double secs, const struct hist *h);

/* The scenarios; each returns the process's exit status. */
int bench_hold(struct event_base *base, const struct bench_opts *o);
int bench_walk(struct event_base *base, const struct bench_opts *o);
int bench_recharge(struct event_base *base, const struct bench_opts *o);
int bench_probe(struct event_base *base, const struct bench_opts *o);
int bench_chat(struct event_base *base, const struct bench_opts *o);
int bench_follow(struct event_base *base, const struct bench_opts *o);

#endif
