/*
 * bench: the clock, /proc reading, the rounds timer, result lines and
 * the connections' setup shared by the scenarios. Knows nothing of any
 * protocol beyond a telnet caller's first bytes.
 */
#include "bench.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "net.h"

/*
 * IAC NOP: what a telnet caller over TCP sends first. The port also
 * serves HTTP and takes a silent caller for telnet only after 300 ms;
 * a first byte that cannot begin "GET " decides at once, and NOP means
 * nothing to a telnet server. That wait is a client's choice, not the
 * server's work, so the set-up of thousands of callers skips it.
 */
static const unsigned char telnet_hello[] = { 255, 241 };

/* Monotonic nanoseconds. */
uint64_t bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* VmRSS of /proc/PID/status, in KiB. */
long bench_rss_kb(long pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			sscanf(line + 6, "%ld", &kb);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* Name of a protocol, for results. */
const char *bench_proto_name(enum bench_proto proto)
{
	switch (proto) {
	case BENCH_PROTO_TELNET:
		return "telnet";
	case BENCH_PROTO_RESP:
		return "resp";
	case BENCH_PROTO_REPLY:
		return "reply";
	}
	return "?";
}

/* tcp, or websocket for --ws. */
const char *bench_transport_name(const struct bench_opts *o)
{
	return o->ws ? "websocket" : "tcp";
}

/* net_init, then the transport and the first bytes of a telnet caller. */
int bench_net_init(struct net *net, struct event_base *base,
		   const struct bench_opts *o)
{
	if (net_init(net, base, o->addr, o->port) < 0) {
		fprintf(stderr,
			"hotline-bench: %s:%u is not a loopback address\n",
			o->addr, o->port);
		return -1;
	}
	net->ws = o->ws;
	if (o->proto == BENCH_PROTO_TELNET && !o->ws) {
		memcpy(net->hello, telnet_hello, sizeof(telnet_hello));
		net->hello_len = sizeof(telnet_hello);
	}
	return 0;
}

/* Seconds as a timeval. */
static struct timeval seconds_tv(double secs)
{
	struct timeval tv;

	if (secs < 0)
		secs = 0;
	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	return tv;
}

/* The timer: the warm-up or a round is over; begin the next or finish. */
static void on_round_timer(evutil_socket_t fd, short what, void *arg)
{
	struct rounds *r = arg;
	uint64_t now = bench_now();
	struct timeval tv = seconds_tv(r->duration);

	(void)fd;
	(void)what;
	if (r->current >= 0)
		r->end(r->ctx, (unsigned)r->current,
		       (double)(now - r->began) / 1e9);
	r->current++;
	if ((unsigned)r->current >= r->count) {
		r->finished(r->ctx);
		return;
	}
	r->began = now;
	r->begin(r->ctx, (unsigned)r->current);
	evtimer_add(r->timer, &tv);
}

/* Starts the warm-up now. */
void rounds_start(struct rounds *r, struct event_base *base)
{
	struct timeval tv = seconds_tv(r->warmup);

	r->current = -1;
	r->timer = evtimer_new(base, on_round_timer, r);
	evtimer_add(r->timer, &tv);
}

/* Whether a round is being measured. */
bool rounds_is_measuring(const struct rounds *r)
{
	return r->current >= 0 && (unsigned)r->current < r->count;
}

/* Frees the timer. */
void rounds_fini(struct rounds *r)
{
	if (r->timer != NULL)
		event_free(r->timer);
	r->timer = NULL;
}

/* One result line on stdout, flushed at once for the script. */
void bench_print_result(const char *kind, const struct bench_opts *o,
			unsigned conns, unsigned round, uint64_t ops,
			double secs, const struct hist *h)
{
	printf("RESULT kind=%s proto=%s transport=%s conns=%u round=%u"
	       " ops=%" PRIu64
	       " secs=%.3f rate=%.1f p50_us=%.1f p99_us=%.1f p999_us=%.1f"
	       " max_us=%.1f\n",
	       kind, bench_proto_name(o->proto), bench_transport_name(o), conns,
	       round, ops, secs, secs > 0 ? (double)ops / secs : 0.0,
	       (double)hist_quantile(h, 0.50) / 1e3,
	       (double)hist_quantile(h, 0.99) / 1e3,
	       (double)hist_quantile(h, 0.999) / 1e3, (double)h->max / 1e3);
	fflush(stdout);
}
