/*
 * chat: fan-out. `members` connections receive, `senders` more send
 * messages of `size` bytes, each sender keeping at most `window` of its
 * messages in flight: a message leaves the window once every member has
 * it. Each message carries its sender, its number and the time it was
 * sent, so every delivery yields a latency.
 *
 * On hotlined every connection enters the chat room (key 4) and a
 * message is a line; on Redis members SUBSCRIBE to one channel and
 * senders PUBLISH to it. The same counting serves both: a member's line
 * that ends in a message of this run is one delivery.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "mem.h"
#include "net.h"

/* The last line of the greeting (the main menu's prompt). */
#define CHAT_GREETING_END "请按键选择:"
/* The chat room banner's last line names this command. */
#define CHAT_BANNER_END "/quit"
/* The Redis channel. */
#define CHAT_CHANNEL "bench"
/* A message: "@B" nonce, sender, number, time sent (hex), then padding. */
#define MSG_HEAD_LEN 38
/* Smallest and largest message size. */
#define MSG_MIN MSG_HEAD_LEN
#define MSG_MAX 400
/* Milliseconds without a line before the room counts as quiet (joins announced). */
#define CHAT_QUIET_MS 300

enum mstate {
	M_GREETING,    /* telnet: waiting for the main menu */
	M_JOINING,     /* telnet: sent 4, waiting for the banner */
	M_SUBSCRIBING, /* resp: sent SUBSCRIBE, waiting for ":1" */
	M_READY,
};

/* One message in a sender's window: its number and how many members have it. */
struct slot {
	uint32_t seq;
	uint32_t count;
};

struct chat;

struct member {
	struct chat *ch;
	struct nconn *nc;
	enum mstate state;
	bool sender;
	/* Senders only: the window, numbers sent and numbers every member has. */
	struct slot *ring;
	uint32_t next, retired;
};

struct chat {
	struct event_base *base;
	const struct bench_opts *o;
	struct net net;
	struct ramp ramp;
	struct rounds rounds;
	struct event *tick;
	struct member *m;
	unsigned n; /* members + senders */
	unsigned ready, dead;
	bool quiescing, running;
	int status;
	char nonce[5];
	uint64_t last_line;
	uint64_t deliveries, total_deliveries, last_total;
	unsigned stalled, quiet_waits, setup_done;
	struct hist hist;
	char *sendbuf;
	size_t sendcap;
};

/* Value of n hex digits; false if any is not one. */
static bool parse_hex(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		unsigned d;

		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

/* Writes a message of exactly size bytes into out. */
static void format_msg(char *out, unsigned size, const char *nonce,
		       unsigned sender, uint32_t seq, uint64_t sent)
{
	char head[MSG_HEAD_LEN + 1];

	snprintf(head, sizeof(head),
		 "@B%.4s %04x %08" PRIx32 " %016" PRIx64 " ", nonce,
		 sender & 0xffffu, seq, sent);
	memcpy(out, head, MSG_HEAD_LEN);
	memset(out + MSG_HEAD_LEN, '.', size - MSG_HEAD_LEN);
}

/* Queues and sends every message the sender's window has room for. */
static void sender_fill(struct member *s)
{
	struct chat *ch = s->ch;
	unsigned size = ch->o->size, window = ch->o->window;
	size_t len = 0;
	uint64_t now = bench_now();

	if (!ch->running || s->nc->dead)
		return;
	while (s->next - s->retired < window) {
		char *p = ch->sendbuf + len;

		if (ch->o->proto == BENCH_PROTO_RESP) {
			len += (size_t)sprintf(
				p,
				"*3\r\n$7\r\nPUBLISH\r\n$%zu\r\n%s\r\n$%u\r\n",
				strlen(CHAT_CHANNEL), CHAT_CHANNEL, size);
			p = ch->sendbuf + len;
		}
		format_msg(p, size, ch->nonce, (unsigned)(s - ch->m), s->next,
			   now);
		memcpy(p + size, "\r\n", 2);
		len += size + 2;
		s->ring[s->next % window] = (struct slot){ s->next, 0 };
		s->next++;
	}
	nconn_send(s->nc, ch->sendbuf, len);
}

/* A member got message seq of sender idx: retire what every member has. */
static void chat_delivered(struct chat *ch, uint64_t idx, uint32_t seq)
{
	struct member *s;
	unsigned window = ch->o->window;
	bool freed = false;

	if (idx >= ch->n || !ch->m[idx].sender)
		return;
	s = &ch->m[idx];
	if (seq - s->retired >= s->next - s->retired)
		return; /* not in the window: from before, or garbage */
	s->ring[seq % window].count++;
	while (s->retired != s->next &&
	       s->ring[s->retired % window].count >= ch->o->members) {
		s->retired++;
		freed = true;
	}
	if (freed)
		sender_fill(s);
}

/* A member's line: a message of this run is a delivery. */
static void member_message(struct member *mb, const char *s, size_t len,
			   uint64_t now)
{
	struct chat *ch = mb->ch;
	unsigned size = ch->o->size;
	const char *p;
	uint64_t idx, seq, sent;

	if (len < size)
		return;
	p = s + len - size;
	if (p[0] != '@' || p[1] != 'B' || memcmp(p + 2, ch->nonce, 4) != 0)
		return;
	if (!parse_hex(p + 7, 4, &idx) || !parse_hex(p + 12, 8, &seq) ||
	    !parse_hex(p + 21, 16, &sent))
		return;
	ch->total_deliveries++;
	if (rounds_is_measuring(&ch->rounds)) {
		ch->deliveries++;
		hist_add(&ch->hist, now > sent ? now - sent : 0);
	}
	chat_delivered(ch, idx, (uint32_t)seq);
}

/* Every connection is in the room: wait for the joins to quiet down. */
static void chat_all_ready(struct chat *ch)
{
	ch->quiescing = true;
	ch->last_line = bench_now();
}

/* A member or sender is set up. */
static void member_ready(struct member *mb)
{
	struct chat *ch = mb->ch;

	mb->state = M_READY;
	ch->ready++;
	ramp_done(&ch->ramp);
	if (ch->ready + ch->dead == ch->n)
		chat_all_ready(ch);
}

/* nconn_ops.connected */
static void member_connected(struct nconn *nc)
{
	struct member *mb = nc->ctx;

	if (mb->ch->o->proto == BENCH_PROTO_TELNET) {
		mb->state = M_GREETING;
	} else if (mb->sender) {
		member_ready(mb);
	} else {
		mb->state = M_SUBSCRIBING;
		nconn_send(nc, "SUBSCRIBE " CHAT_CHANNEL "\r\n",
			   strlen("SUBSCRIBE " CHAT_CHANNEL "\r\n"));
	}
}

/* nconn_ops.line */
static void member_line(struct nconn *nc, const char *s, size_t len, size_t raw,
			uint64_t now)
{
	struct member *mb = nc->ctx;
	size_t n;

	(void)raw;
	mb->ch->last_line = now;
	switch (mb->state) {
	case M_READY:
		if (!mb->sender)
			member_message(mb, s, len, now);
		break;
	case M_GREETING:
		n = strlen(CHAT_GREETING_END);
		if (len >= n &&
		    memcmp(s + len - n, CHAT_GREETING_END, n) == 0) {
			mb->state = M_JOINING;
			nconn_send(nc, "4\r\n", 3);
		}
		break;
	case M_JOINING:
		if (memmem(s, len, CHAT_BANNER_END, strlen(CHAT_BANNER_END)) !=
		    NULL)
			member_ready(mb);
		break;
	case M_SUBSCRIBING:
		if (len == 2 && memcmp(s, ":1", 2) == 0)
			member_ready(mb);
		break;
	}
}

/* nconn_ops.closed: a member lost stalls its senders; the run has failed. */
static void member_closed(struct nconn *nc, const char *why)
{
	struct member *mb = nc->ctx;
	struct chat *ch = mb->ch;

	if (ch->dead++ < 5)
		fprintf(stderr, "hotline-bench: chat connection %u: %s\n",
			nc->idx, why);
	ch->status = 1;
	if (mb->state != M_READY) {
		ramp_done(&ch->ramp);
		if (ch->ready + ch->dead == ch->n)
			chat_all_ready(ch);
	}
}

static const struct nconn_ops member_ops = {
	.connected = member_connected,
	.line = member_line,
	.closed = member_closed,
};

/* ramp.start */
static bool chat_start_member(void *ctx, unsigned idx)
{
	struct chat *ch = ctx;

	ch->m[idx].nc = nconn_new(&ch->net, &member_ops, &ch->m[idx], idx);
	if (ch->m[idx].nc == NULL) {
		ch->dead++;
		ch->status = 1;
		return false;
	}
	return true;
}

/* rounds.begin */
static void chat_round_begin(void *ctx, unsigned round)
{
	struct chat *ch = ctx;

	(void)round;
	ch->deliveries = 0;
	hist_reset(&ch->hist);
}

/* rounds.end */
static void chat_round_end(void *ctx, unsigned round, double secs)
{
	struct chat *ch = ctx;

	bench_print_result("chat", ch->o, ch->o->members, round, ch->deliveries,
			   secs, &ch->hist);
}

/* rounds.finished: stop sending and leave. */
static void chat_finished(void *ctx)
{
	struct chat *ch = ctx;

	ch->running = false;
	event_base_loopbreak(ch->base);
}

/* Every 100 ms: start once the room is quiet; later, watch for a stall. */
static void chat_tick(evutil_socket_t fd, short what, void *arg)
{
	struct chat *ch = arg;
	uint64_t now = bench_now();

	(void)fd;
	(void)what;
	if (ch->quiescing) {
		if (now - ch->last_line < CHAT_QUIET_MS * 1000000ull &&
		    ++ch->quiet_waits < BENCH_STALL_SECONDS * 30)
			return;
		ch->quiescing = false;
		ch->running = true;
		rounds_start(&ch->rounds, ch->base);
		for (unsigned i = 0; i < ch->n; i++) {
			if (ch->m[i].sender)
				sender_fill(&ch->m[i]);
		}
		return;
	}
	if (!ch->running) {
		/* Setting up: connections must keep getting into the room. */
		if (ch->ramp.done != ch->setup_done) {
			ch->setup_done = ch->ramp.done;
			ch->stalled = 0;
			return;
		}
		if (++ch->stalled < BENCH_STALL_SECONDS * 10)
			return;
		fprintf(stderr,
			"hotline-bench: setting up stalled at %u of %u\n",
			ch->ramp.done, ch->n);
		ch->status = 1;
		event_base_loopbreak(ch->base);
		return;
	}
	if (ch->total_deliveries != ch->last_total) {
		ch->last_total = ch->total_deliveries;
		ch->stalled = 0;
		return;
	}
	if (++ch->stalled < BENCH_STALL_SECONDS * 10)
		return;
	fprintf(stderr, "hotline-bench: no delivery for %d s\n",
		BENCH_STALL_SECONDS);
	ch->status = 1;
	event_base_loopbreak(ch->base);
}

/* Runs the fan-out: members first, then senders. */
int bench_chat(struct event_base *base, const struct bench_opts *o)
{
	struct chat ch = { .base = base, .o = o };
	struct timeval tick = { 0, 100000 };
	size_t per_msg;

	if (o->proto == BENCH_PROTO_REPLY || o->size < MSG_MIN ||
	    o->size > MSG_MAX || o->window == 0 || o->senders == 0 ||
	    o->members == 0) {
		fprintf(stderr,
			"hotline-bench: chat needs telnet or resp, %d..%d"
			" byte messages, a window, members and senders\n",
			MSG_MIN, MSG_MAX);
		return 2;
	}
	if (bench_net_init(&ch.net, base, o) < 0)
		return 2;
	snprintf(ch.nonce, sizeof(ch.nonce), "%04x",
		 (unsigned)(bench_now() ^ (uint64_t)time(NULL)) & 0xffffu);
	ch.n = o->members + o->senders;
	ch.m = xcalloc(ch.n, sizeof(*ch.m));
	per_msg = o->size + 64; /* the message and any RESP framing */
	ch.sendcap = per_msg * o->window;
	ch.sendbuf = xmalloc(ch.sendcap);
	for (unsigned i = 0; i < ch.n; i++) {
		ch.m[i].ch = &ch;
		ch.m[i].sender = i >= o->members;
		if (ch.m[i].sender) {
			ch.m[i].ring = xcalloc(o->window, sizeof(struct slot));
		}
	}
	ch.rounds = (struct rounds){
		.warmup = o->warmup,
		.duration = o->duration,
		.count = o->rounds,
		.begin = chat_round_begin,
		.end = chat_round_end,
		.finished = chat_finished,
		.ctx = &ch,
	};
	ch.ramp = (struct ramp){ .total = ch.n,
				 .window = o->connect_window,
				 .start = chat_start_member,
				 .ctx = &ch };
	ch.tick = event_new(base, -1, EV_PERSIST, chat_tick, &ch);
	evtimer_add(ch.tick, &tick);
	ramp_fill(&ch.ramp);
	event_base_dispatch(base);

	for (unsigned i = 0; i < ch.n; i++) {
		nconn_free(ch.m[i].nc);
		free(ch.m[i].ring);
	}
	free(ch.m);
	free(ch.sendbuf);
	rounds_fini(&ch.rounds);
	event_free(ch.tick);
	return ch.status;
}
