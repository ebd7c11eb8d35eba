/*
 * walk: callers that each press a key, wait for the whole answer and
 * press the next, in a loop: menu walkers (9, then #), rechargers (2, an
 * amount of 1 yuan, confirm with 1), the same walk against the reply
 * server, and a probe that reports how many bytes each menu takes.
 *
 * A caller follows a script: a prelude run once (the greeting, the number
 * to recharge) and a loop. A step sends one line and ends on the line the
 * answer ends with. The texts matched are those of the default zh-CN
 * menus. Every caller is set up before any starts its loop; once the
 * rounds are over, callers finish the step they are in and stop, so no
 * recharge is left unanswered when the results are printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "mem.h"
#include "net.h"

/* The last line of the main, recharge and confirmation menus. */
#define PROMPT_MENU "请按键选择:"
/* The last line of the language menu. */
#define PROMPT_LANGUAGE "请按键选择 / Please press a key:"
/* The end of the prompts for a number or an amount. */
#define PROMPT_ENTRY "):"
/* What a durably committed recharge says. */
#define RECHARGE_DONE "充值成功"
/* Steps a script may have in its prelude or its loop. */
#define SCRIPT_MAX 4
/* The demo accounts rechargers take turns on. */
static const char *const demo_numbers[] = {
	"13800138000\r\n",
	"13900139000\r\n",
	"13700137000\r\n",
};

/* How a step's answer ends. */
enum match {
	MATCH_ANY,      /* any line: the reply server answers with one */
	MATCH_MENU,     /* PROMPT_MENU */
	MATCH_LANGUAGE, /* PROMPT_LANGUAGE */
	MATCH_ENTRY,    /* PROMPT_ENTRY */
};

/* What a caller does in a step. */
enum send_what {
	SEND_NOTHING, /* only wait: the greeting */
	SEND_LINE,    /* the step's line */
	SEND_NUMBER,  /* the caller's account number */
	SEND_SIZE,    /* reply: ask for the next of the reply sizes */
};

struct step {
	enum send_what send;
	const char *line;
	enum match end;
	bool ack;   /* a recharge: its answer must say RECHARGE_DONE */
	bool timed; /* its round trip goes into the latency histogram */
};

struct script {
	struct step prelude[SCRIPT_MAX];
	size_t nprelude;
	struct step loop[SCRIPT_MAX];
	size_t nloop;
};

/* Menu walk on hotlined: greeting, then 9 (languages) and # (main) in turn. */
static const struct script walker_script = {
	.prelude = { { SEND_NOTHING, NULL, MATCH_MENU, false, false } },
	.nprelude = 1,
	.loop = {
		{ SEND_LINE, "9\r\n", MATCH_LANGUAGE, false, true },
		{ SEND_LINE, "#\r\n", MATCH_MENU, false, true },
	},
	.nloop = 2,
};

/* The same walk against the reply server: one line asks, one line answers. */
static const struct script reply_script = {
	.nprelude = 0,
	.loop = {
		{ SEND_SIZE, NULL, MATCH_ANY, false, true },
		{ SEND_SIZE, NULL, MATCH_ANY, false, true },
	},
	.nloop = 2,
};

/* Recharge by amount: 2, the number once; then 2, 1 yuan, 1 to confirm. */
static const struct script recharger_script = {
	.prelude = {
		{ SEND_NOTHING, NULL, MATCH_MENU, false, false },
		{ SEND_LINE, "2\r\n", MATCH_ENTRY, false, false },
		{ SEND_NUMBER, NULL, MATCH_MENU, false, false },
	},
	.nprelude = 3,
	.loop = {
		{ SEND_LINE, "2\r\n", MATCH_ENTRY, false, false },
		{ SEND_LINE, "1\r\n", MATCH_MENU, false, false },
		{ SEND_LINE, "1\r\n", MATCH_MENU, true, true },
	},
	.nloop = 3,
};

enum role {
	ROLE_WALKER,
	ROLE_RECHARGER,
};

struct walk;

struct caller {
	struct walk *w;
	struct nconn *nc;
	enum role role;
	const struct script *script;
	const char *number;
	bool in_loop;
	unsigned pos;
	bool waiting;   /* a step is under way */
	bool acked;     /* this step's answer said RECHARGE_DONE */
	bool idle;      /* stopped at the end */
	unsigned nsize; /* reply: which size to ask for next */
	uint64_t sent;
	size_t bytes; /* bytes of this step's answer */
};

struct walk {
	struct event_base *base;
	const struct bench_opts *o;
	struct net net;
	struct ramp ramp;
	struct rounds rounds;
	struct event *watchdog;
	struct caller *callers;
	unsigned ncallers;
	unsigned ready;
	unsigned dead;
	unsigned idle;
	bool stopping;
	bool probe;
	int status;
	/* Per round and role: round trips or recharges, and their latency. */
	uint64_t ops[2];
	struct hist hist[2];
	uint64_t progress, last_progress;
	unsigned stalled;
	/* Every acknowledged and refused recharge, warm-up and drain included. */
	uint64_t acked, refused;
	size_t probe_bytes[SCRIPT_MAX];
};

static void caller_start_step(struct caller *c);

/* The step a caller is at. */
static const struct step *caller_step(const struct caller *c)
{
	return c->in_loop ? &c->script->loop[c->pos]
			  : &c->script->prelude[c->pos];
}

/* Whether the caller's connection is up. */
static bool caller_is_live(const struct caller *c)
{
	return c->nc != NULL && !c->nc->dead;
}

/* Whether a line ends with a suffix. */
static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* Whether a line ends a step's answer. */
static bool line_ends_step(enum match m, const char *s, size_t len)
{
	switch (m) {
	case MATCH_ANY:
		return true;
	case MATCH_MENU:
		return ends_with(s, len, PROMPT_MENU);
	case MATCH_LANGUAGE:
		return ends_with(s, len, PROMPT_LANGUAGE);
	case MATCH_ENTRY:
		return ends_with(s, len, PROMPT_ENTRY);
	}
	return false;
}

/* Stops the loop once every live caller is idle. */
static void walk_check_drained(struct walk *w)
{
	if (w->stopping && w->idle + w->dead >= w->ncallers)
		event_base_loopbreak(w->base);
}

/* Sends the step's line (if any) and starts timing it. */
static void caller_start_step(struct caller *c)
{
	struct walk *w = c->w;
	const struct step *st = caller_step(c);
	char line[32];

	if (w->stopping && c->in_loop) {
		c->idle = true;
		w->idle++;
		walk_check_drained(w);
		return;
	}
	c->waiting = true;
	c->acked = false;
	c->bytes = 0;
	c->sent = bench_now();
	switch (st->send) {
	case SEND_NOTHING:
		break;
	case SEND_LINE:
		nconn_send(c->nc, st->line, strlen(st->line));
		break;
	case SEND_NUMBER:
		nconn_send(c->nc, c->number, strlen(c->number));
		break;
	case SEND_SIZE: {
		int n = snprintf(line, sizeof(line), "%u\r\n",
				 w->o->sizes[c->nsize++ % w->o->nsizes]);

		nconn_send(c->nc, line, (size_t)n);
		break;
	}
	}
}

/* Every caller is set up: all start their loops, and the clock starts. */
static void walk_all_ready(struct walk *w)
{
	if (w->probe) {
		for (unsigned i = 0; i < w->ncallers; i++)
			caller_start_step(&w->callers[i]);
		return;
	}
	rounds_start(&w->rounds, w->base);
	for (unsigned i = 0; i < w->ncallers; i++) {
		if (caller_is_live(&w->callers[i]))
			caller_start_step(&w->callers[i]);
	}
}

/* A step's answer is complete: count it and go on. */
static void caller_step_done(struct caller *c, uint64_t now)
{
	struct walk *w = c->w;
	const struct step *st = caller_step(c);

	c->waiting = false;
	if (st->ack) {
		if (c->acked)
			w->acked++;
		else
			w->refused++;
	}
	if (rounds_is_measuring(&w->rounds) && st->timed &&
	    (!st->ack || c->acked)) {
		w->ops[c->role]++;
		hist_add(&w->hist[c->role], now - c->sent);
	}
	w->progress++;
	if (w->probe && c->in_loop) {
		w->probe_bytes[c->pos] = c->bytes;
		if (c->pos + 1 == c->script->nloop) {
			event_base_loopbreak(w->base);
			return;
		}
	}
	if (!c->in_loop) {
		if (++c->pos < c->script->nprelude) {
			caller_start_step(c);
			return;
		}
		c->in_loop = true;
		c->pos = 0;
		w->ready++;
		ramp_done(&w->ramp);
		if (w->ready + w->dead == w->ncallers)
			walk_all_ready(w);
		return;
	}
	c->pos = (c->pos + 1) % (unsigned)c->script->nloop;
	caller_start_step(c);
}

/* nconn_ops.connected: the greeting is awaited, or the first step goes. */
static void caller_connected(struct nconn *nc)
{
	struct caller *c = nc->ctx;

	if (c->script->nprelude > 0) {
		caller_start_step(c);
		return;
	}
	/* No prelude (the reply server): set up as soon as connected. */
	c->in_loop = true;
	c->w->ready++;
	ramp_done(&c->w->ramp);
	if (c->w->ready + c->w->dead == c->w->ncallers)
		walk_all_ready(c->w);
}

/* nconn_ops.line */
static void caller_line(struct nconn *nc, const char *s, size_t len, size_t raw,
			uint64_t now)
{
	struct caller *c = nc->ctx;
	const struct step *st;

	if (!c->waiting)
		return; /* a reminder after silence, say: not ours */
	st = caller_step(c);
	c->bytes += raw;
	if (st->ack && !c->acked &&
	    memmem(s, len, RECHARGE_DONE, strlen(RECHARGE_DONE)) != NULL)
		c->acked = true;
	if (line_ends_step(st->end, s, len))
		caller_step_done(c, now);
}

/* nconn_ops.closed: a caller lost is an error of the run. */
static void caller_closed(struct nconn *nc, const char *why)
{
	struct caller *c = nc->ctx;
	struct walk *w = c->w;

	if (w->dead++ < 5)
		fprintf(stderr, "hotline-bench: caller %u: %s\n", nc->idx, why);
	w->status = 1;
	if (c->waiting && caller_step(c)->ack)
		fprintf(stderr, "hotline-bench: a recharge went unanswered\n");
	if (!c->in_loop)
		ramp_done(&w->ramp);
	if (!c->in_loop && w->ready + w->dead == w->ncallers)
		walk_all_ready(w);
	if (w->probe)
		event_base_loopbreak(w->base);
	walk_check_drained(w);
}

static const struct nconn_ops caller_ops = {
	.connected = caller_connected,
	.line = caller_line,
	.closed = caller_closed,
};

/* ramp.start: dials caller idx. */
static bool walk_start_caller(void *ctx, unsigned idx)
{
	struct walk *w = ctx;
	struct caller *c = &w->callers[idx];

	c->nc = nconn_new(&w->net, &caller_ops, c, idx);
	if (c->nc == NULL) {
		w->dead++;
		w->status = 1;
		return false;
	}
	return true;
}

/* rounds.begin */
static void walk_round_begin(void *ctx, unsigned round)
{
	struct walk *w = ctx;

	(void)round;
	for (int r = 0; r < 2; r++) {
		w->ops[r] = 0;
		hist_reset(&w->hist[r]);
	}
}

/* rounds.end: one result line per role that ran. */
static void walk_round_end(void *ctx, unsigned round, double secs)
{
	struct walk *w = ctx;
	unsigned nwalkers = 0, nrechargers = 0;

	for (unsigned i = 0; i < w->ncallers; i++) {
		if (w->callers[i].role == ROLE_WALKER)
			nwalkers++;
		else
			nrechargers++;
	}
	if (nwalkers > 0)
		bench_print_result("walk", w->o, nwalkers, round,
				   w->ops[ROLE_WALKER], secs,
				   &w->hist[ROLE_WALKER]);
	if (nrechargers > 0)
		bench_print_result("recharge", w->o, nrechargers, round,
				   w->ops[ROLE_RECHARGER], secs,
				   &w->hist[ROLE_RECHARGER]);
}

/* rounds.finished: callers finish their step and stop. */
static void walk_finished(void *ctx)
{
	struct walk *w = ctx;

	w->stopping = true;
	for (unsigned i = 0; i < w->ncallers; i++) {
		struct caller *c = &w->callers[i];

		if (!c->waiting && !c->idle && caller_is_live(c)) {
			c->idle = true;
			w->idle++;
		}
	}
	walk_check_drained(w);
}

/* Once a second: a run with no answer for BENCH_STALL_SECONDS is stuck. */
static void walk_watchdog(evutil_socket_t fd, short what, void *arg)
{
	struct walk *w = arg;

	(void)fd;
	(void)what;
	if (w->progress != w->last_progress) {
		w->last_progress = w->progress;
		w->stalled = 0;
		return;
	}
	if (++w->stalled < BENCH_STALL_SECONDS)
		return;
	fprintf(stderr, "hotline-bench: no answer for %d s (%u of %u set up)\n",
		BENCH_STALL_SECONDS, w->ready, w->ncallers);
	w->status = 1;
	event_base_loopbreak(w->base);
}

/* Runs callers: rechargers first, then walkers, until the rounds are over. */
static int walk_run(struct event_base *base, const struct bench_opts *o,
		    unsigned nrechargers, unsigned nwalkers, bool probe)
{
	struct walk w = { .base = base, .o = o, .probe = probe };
	struct timeval second = { 1, 0 };

	if (bench_net_init(&w.net, base, o) < 0)
		return 2;
	w.ncallers = nrechargers + nwalkers;
	w.callers = xcalloc(w.ncallers, sizeof(*w.callers));
	for (unsigned i = 0; i < w.ncallers; i++) {
		struct caller *c = &w.callers[i];

		c->w = &w;
		c->role = i < nrechargers ? ROLE_RECHARGER : ROLE_WALKER;
		c->number = demo_numbers[i % (sizeof(demo_numbers) /
					      sizeof(demo_numbers[0]))];
		if (c->role == ROLE_RECHARGER)
			c->script = &recharger_script;
		else if (o->proto == BENCH_PROTO_REPLY)
			c->script = &reply_script;
		else
			c->script = &walker_script;
		c->nsize = i; /* callers start on different sizes */
	}
	w.rounds = (struct rounds){
		.warmup = o->warmup,
		.duration = o->duration,
		.count = o->rounds,
		.begin = walk_round_begin,
		.end = walk_round_end,
		.finished = walk_finished,
		.ctx = &w,
	};
	w.ramp = (struct ramp){ .total = w.ncallers,
				.window = o->connect_window,
				.start = walk_start_caller,
				.ctx = &w };
	w.watchdog = event_new(base, -1, EV_PERSIST, walk_watchdog, &w);
	evtimer_add(w.watchdog, &second);
	ramp_fill(&w.ramp);
	event_base_dispatch(base);

	if (probe && w.status == 0) {
		printf("SIZES");
		for (size_t i = 0; i < walker_script.nloop; i++)
			printf("%s%zu", i ? "," : " ", w.probe_bytes[i]);
		printf("\n");
	}
	if (nrechargers > 0)
		printf("TOTAL acked=%llu refused=%llu dead=%u\n",
		       (unsigned long long)w.acked,
		       (unsigned long long)w.refused, w.dead);
	if (w.refused > 0)
		w.status = 1;
	for (unsigned i = 0; i < w.ncallers; i++)
		nconn_free(w.callers[i].nc);
	free(w.callers);
	rounds_fini(&w.rounds);
	event_free(w.watchdog);
	return w.status;
}

/* Menu walkers on hotlined, or the same walk on the reply server. */
int bench_walk(struct event_base *base, const struct bench_opts *o)
{
	if (o->proto == BENCH_PROTO_REPLY && o->nsizes == 0) {
		fprintf(stderr,
			"hotline-bench: walk on the reply server needs --sizes\n");
		return 2;
	}
	if (o->proto == BENCH_PROTO_RESP) {
		fprintf(stderr, "hotline-bench: walk speaks telnet or reply\n");
		return 2;
	}
	return walk_run(base, o, 0, o->conns, false);
}

/* Rechargers and walkers together on hotlined. */
int bench_recharge(struct event_base *base, const struct bench_opts *o)
{
	if (o->proto != BENCH_PROTO_TELNET) {
		fprintf(stderr, "hotline-bench: recharge speaks telnet only\n");
		return 2;
	}
	return walk_run(base, o, o->rechargers, o->walkers, false);
}

/* One caller walks once and reports the bytes of each answer. */
int bench_probe(struct event_base *base, const struct bench_opts *o)
{
	struct bench_opts one = *o;

	one.proto = BENCH_PROTO_TELNET;
	return walk_run(base, &one, 0, 1, true);
}
