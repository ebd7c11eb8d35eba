/*
 * fuzz_callers: three callers, each a real core (service/core/core.c) whose
 * sink is a bounded buffer (see fuzz_callers.h).
 *
 * Three callers share the chat room, as in a classroom: A gets the fuzz
 * input; B is a GBK caller (9, 2, 4) or, for half the inputs, a Big5 one
 * (9, 5, 4) that walked into the room, so what A says is converted for B
 * once, kept in the shared message (and for A too, if A switched to the
 * other encoding, as a second rendering); C is a UTF-8 caller in
 * character mode who types lines (hostile ones too) when the schedule
 * says so. The core checks its own layers' contracts with
 * assertions (keys and lines from the line editor, text the session
 * writes); this file checks what reaches the sink (chat lines, bytes, the
 * close) and the core's refusals: a broken one aborts.
 */
#include "fuzz_callers.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/xorshift.h"
#include "core/core.h"
#include "fuzz_check.h"
#include "log/trace.h"
#include "mem.h"
#include "menu/menu_load.h"
#include "room/chat.h"
#include "session/session.h"
#include "strbuf.h"
#include "utf8.h"

/* Bytes of caller output kept before the "socket" must drain them. */
#define FUZZ_OUT_KEEP (1024 * 1024)

/* One caller: a core and, as its sink, a "socket" that is a buffer. */
struct fconn {
	const char *name;
	struct core *core; /* NULL once reaped */
	struct strbuf out; /* the socket's output buffer */
	size_t max_output;
	unsigned timer; /* seconds the idle timer is armed for; 0: not */
	bool closing;   /* the sink heard close */
	bool reading;   /* the core wants input */
	bool later;     /* the core asked for core_later */
	bool stall;     /* conn.c's stall timer is pending */
	bool gone;      /* reaped */
	const char *close_reason;
	unsigned id;
};

/* The callers of one run, for the operator's hub. */
static struct fconn *callers[3];

static struct menu_catalog *catalog_main;   /* menus/ */
static struct menu_catalog *catalog_reload; /* a reload that drops menus */
static double fake_now;

/* The chat room's clock. */
static double fake_clock(void)
{
	return fake_now;
}

/* Checks that s is valid UTF-8 with no control characters at all. */
static void check_clean_text(const char *s, size_t len)
{
	uint32_t cp;

	while (len > 0) {
		size_t n = utf8_decode(s, len, &cp);

		FUZZ_CHECK(n > 0);
		FUZZ_CHECK(!utf8_is_control(cp));
		s += n;
		len -= n;
	}
}

/* Checks a chat message: one clean line ending in CR LF, no 0xff. */
static void check_chat_msg(const struct chat_msg *msg)
{
	FUZZ_CHECK(msg->refs > 0);
	if (msg->kind != CHAT_MSG_LINE)
		return; /* worded per language: its renderings are checked */
	FUZZ_CHECK(msg->len >= 2);
	FUZZ_CHECK(strlen(msg->text) == msg->len);
	FUZZ_CHECK(memcmp(msg->text + msg->len - 2, "\r\n", 2) == 0);
	FUZZ_CHECK(memchr(msg->text, 0xff, msg->len) == NULL);
	check_clean_text(msg->text, msg->len - 2);
}

/* Whether data is msg's text or one of the renderings kept with it. */
static bool is_chat_bytes(const struct chat_msg *msg, const void *data,
			  size_t len)
{
	if (data == msg->text)
		return len == msg->len;
	for (size_t i = 0; i < msg->n_renderings; i++)
		if (data == msg->renderings[i].bytes)
			return len == msg->renderings[i].len;
	return false;
}

/* --- the sink: a "socket" that is a bounded buffer ---------------------- */

/* The room, when it holds lines for the loop's flush as the server's does. */
static struct chat_room *flush_room;
static bool flush_asked, in_flush;

/* core_sink.send: bytes on the wire, never after the close. */
static int sink_send(void *ctx, const void *data, size_t len)
{
	struct fconn *c = ctx;

	FUZZ_CHECK(!c->closing && !c->gone && len > 0);
	strbuf_append(&c->out, data, len);
	return 0;
}

/* core_sink.send_shared: a long chat line, shared by every member. */
static int sink_send_shared(void *ctx, struct chat_msg *msg, const void *data,
			    size_t len)
{
	struct fconn *c = ctx;

	check_chat_msg(msg);
	FUZZ_CHECK(!c->closing && !c->gone);
	/*
	 * The line or a converted copy, sent without telnet escaping: no
	 * encoding the default menus offer writes 0xff.
	 */
	FUZZ_CHECK(is_chat_bytes(msg, data, len));
	FUZZ_CHECK(memchr(data, 0xff, len) == NULL);
	strbuf_append(&c->out, data, len);
	return 0;
}

/* core_sink.send_now: only ever asked for in the room's flush. */
static void sink_send_now(void *ctx)
{
	struct fconn *c = ctx;

	FUZZ_CHECK(in_flush && !c->gone);
}

/* core_sink.close: once, with a reason. */
static void sink_close(void *ctx, const char *reason)
{
	struct fconn *c = ctx;

	FUZZ_CHECK(!c->closing && reason != NULL);
	c->closing = true;
	c->close_reason = reason;
	c->timer = 0;
	c->stall = false;
}

static void sink_set_reading(void *ctx, bool on)
{
	((struct fconn *)ctx)->reading = on;
}

static void sink_set_timer(void *ctx, unsigned seconds)
{
	((struct fconn *)ctx)->timer = seconds;
}

static bool sink_is_full(void *ctx)
{
	struct fconn *c = ctx;

	return c->out.len > c->max_output;
}

static void sink_later(void *ctx)
{
	((struct fconn *)ctx)->later = true;
}

static void sink_describe(void *ctx, struct session_wire *w)
{
	struct fconn *c = ctx;

	snprintf(w->local, sizeof(w->local), "127.0.0.1:5228");
	snprintf(w->peer, sizeof(w->peer), "127.0.0.1:%u", 40000 + c->id);
}

static const struct core_sink fconn_sink = {
	.send = sink_send,
	.send_shared = sink_send_shared,
	.send_now = sink_send_now,
	.close = sink_close,
	.set_reading = sink_set_reading,
	.set_timer = sink_set_timer,
	.is_full = sink_is_full,
	.later = sink_later,
	.describe = sink_describe,
};

/* session_hub.wall: an operator's text to every live caller. */
static void hub_wall(void *ctx, const char *text)
{
	(void)ctx;
	for (size_t i = 0; i < ARRAY_LEN(callers); i++)
		if (callers[i] != NULL && !callers[i]->gone)
			core_wall(callers[i]->core, text);
}

/* session_hub.list: every caller, for an operator's /who. */
static void hub_list(void *ctx, session_row_fn fn, void *arg)
{
	char peer[32];

	(void)ctx;
	for (size_t i = 0; i < ARRAY_LEN(callers); i++) {
		struct session_row row = { .id = callers[i] ? callers[i]->id
							    : 0,
					   .peer = peer };

		if (callers[i] == NULL || callers[i]->gone)
			continue;
		snprintf(peer, sizeof(peer), "127.0.0.1:%u",
			 40000 + callers[i]->id);
		core_summary(callers[i]->core, &row.summary);
		fn(arg, &row);
	}
}

/* A caller as conn_new makes one: the core, greeted. */
static struct fconn *fconn_new(const char *name, unsigned id,
			       const struct session_env *env, size_t max_output)
{
	struct fconn *c = xcalloc(1, sizeof(*c));

	c->name = name;
	c->id = id;
	c->max_output = max_output;
	c->reading = true;
	strbuf_init(&c->out);
	c->core = core_new(id, catalog_main, env, &fconn_sink, c);
	core_start(c->core);
	FUZZ_CHECK(c->out.len > 0); /* the offers and the start menu */
	return c;
}

static void fconn_free(struct fconn *c)
{
	if (c == NULL)
		return;
	core_free(c->core);
	strbuf_fini(&c->out);
	free(c);
}

/* on_data: bytes in, unless closing; a full output stops reading. */
static void fconn_read(struct fconn *c, const uint8_t *buf, size_t len)
{
	if (c->gone)
		return;
	if (c->closing) {
		/* A closed core refuses input, and sends nothing for it. */
		size_t before = c->out.len;

		FUZZ_CHECK(core_is_closed(c->core));
		FUZZ_CHECK(core_feed(c->core, buf, len) == -1);
		FUZZ_CHECK(c->out.len == before);
		return;
	}
	if (c->out.len > c->max_output) {
		/* Reading pauses until the socket drains; it drains now. */
		c->stall = true;
		strbuf_reset(&c->out);
	}
	FUZZ_CHECK(c->reading);
	FUZZ_CHECK(core_feed(c->core, buf, len) == 0);
	/* A core that closed told the sink, and stopped reading, at once. */
	FUZZ_CHECK(core_is_closed(c->core) == c->closing);
	FUZZ_CHECK(!c->closing || !c->reading);
}

/* The socket sent everything queued. */
static void fconn_drain(struct fconn *c)
{
	strbuf_reset(&c->out);
}

/* Keeps the output buffer bounded when the schedule never drains it. */
static void fconn_bound(struct fconn *c)
{
	if (c->out.len > FUZZ_OUT_KEEP)
		strbuf_reset(&c->out);
}

/* on_idle_timer: one-shot, like evtimer_add without EV_PERSIST. */
static void fconn_fire_timer(struct fconn *c)
{
	if (c->gone || c->closing || c->timer == 0)
		return;
	fake_now += c->timer;
	c->timer = 0;
	core_timer(c->core);
}

/* on_kick and on_stall, run on a later loop turn. */
static void fconn_loop_turn(struct fconn *c)
{
	if (c->gone)
		return;
	if (c->later) {
		c->later = false;
		if (!c->closing) {
			core_later(c->core);
			c->stall = true;
		}
	}
	fconn_bound(c);
}

/* --- the neighbours in the room ----------------------------------------- */

/* Lines C types in the room: plain, CJK, commands, hostile bytes. */
static const char *const neighbour_lines[] = {
	"hello\r",
	"你好,大家好\r",
	"\x1b[31mred\x1b[0m and \x1b]0;title\x07\r",
	"bad utf-8 \xfe\xc0\xaf \xed\xa0\x80\r",
	("\xe2\x80\xae"
	 "reversed\r"),
	"tab\there\r",
	"   \r",
	"€ not in GBK: \xf0\x9f\x98\x80\r",
	"/nick 机器人\r",
	"/nick guest-1\r",
	"/me waves\r",
	"/msg guest-1 psst\r",
	"/who\r",
	"/menu\r4\r",
	"half a line",
	"\x15\x7f\x7f\r",
};

/* C says something, picked by r. */
static void neighbour_act(struct fconn *c, uint32_t r)
{
	const char *line = neighbour_lines[r % ARRAY_LEN(neighbour_lines)];

	fconn_read(c, (const uint8_t *)line, strlen(line));
}

/* --- the schedule ------------------------------------------------------ */

/* Loads a catalog or aborts: the fixtures are part of the build. */
static struct menu_catalog *load_or_die(const char *path)
{
	struct menu_errors errs;
	struct menu_catalog *cat;

	menu_errors_init(&errs);
	cat = menu_load_path(path, &errs);
	if (cat == NULL) {
		menu_errors_print(&errs, stderr);
		abort();
	}
	menu_errors_fini(&errs);
	return cat;
}

void fuzz_callers_init(void)
{
	/* Timestamps in chat lines must not depend on the machine. */
	setenv("TZ", "UTC", 1);
	trace_set_level(TRACE_ERROR);
	if (catalog_main == NULL) {
		catalog_main = load_or_die(MENUS_DIR);
		catalog_reload = load_or_die(TEST_DATA_DIR "/session_reload");
	}
}

/* Gives every caller the other catalog, as a SIGHUP reload does. */
static void swap_catalog(bool reload)
{
	struct menu_catalog *cat = reload ? catalog_reload : catalog_main;

	for (size_t i = 0; i < ARRAY_LEN(callers); i++)
		if (!callers[i]->gone)
			core_set_catalog(callers[i]->core, cat);
}

/* server_notice: a named text to every caller. */
static void notice_all(enum menu_text_id id)
{
	for (size_t i = 0; i < ARRAY_LEN(callers); i++)
		if (!callers[i]->gone)
			core_notice(callers[i]->core, id);
}

/* Reaps a closing caller whose goodbye went out (or was dropped). */
static void reap(struct fconn *c)
{
	if (c->closing && !c->gone) {
		c->gone = true;
		core_free(c->core);
		c->core = NULL;
	}
}

/* chat_schedule_fn: as server.c's, a flush at the end of the pass. */
static void schedule_flush(void *ctx)
{
	FUZZ_CHECK(ctx == NULL && !flush_asked);
	flush_asked = true;
}

/* One turn of the event loop: the room's flush, then everyone but A. */
static void loop_turn(const struct fuzz_callers_hooks *hooks, bool accounts)
{
	if (flush_asked) {
		flush_asked = false;
		in_flush = true;
		chat_room_flush(flush_room);
		in_flush = false;
	}
	for (size_t i = 0; i < ARRAY_LEN(callers); i++)
		fconn_loop_turn(callers[i]);
	for (size_t i = 1; i < ARRAY_LEN(callers); i++)
		reap(callers[i]);
	if (accounts && hooks != NULL && hooks->loop_turn != NULL)
		hooks->loop_turn();
}

void fuzz_callers_run(const uint8_t *data, size_t size,
		      struct account_worker *accounts,
		      const struct fuzz_callers_hooks *hooks)
{
	static const size_t chunk_max[] = { 1, 7, 64, 4096 };
	/* inetutils telnet accepting character mode, then the chat room. */
	static const uint8_t c_enters[] = "\xff\xfd\x01\xff\xfd\x03\xff\xfb\x1f"
					  "\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0"
					  "4";
	static const uint8_t b_gbk[] = "9\r\n2\r\n4\r\n";
	static const uint8_t b_big5[] = "9\r\n5\r\n4\r\n";
	uint8_t h[FUZZ_CALLERS_HEADER] = { 0 };
	uint32_t state;
	struct session_env env = {
		.accounts = accounts,
		.hub = { .wall = hub_wall, .list = hub_list },
	};
	struct fconn *a, *b, *c;
	size_t max_chunk, pos;

	memcpy(h, data, size < sizeof(h) ? size : sizeof(h));
	pos = size < sizeof(h) ? size : sizeof(h);
	state = ((uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
		 (uint32_t)h[2] << 8 | h[3]) ^
		0x9e3779b9u;
	if (state == 0)
		state = 1;
	max_chunk = chunk_max[h[0] & 3];
	fake_now = 1699965296.0;
	env.chat_idle = (h[0] & 4) ? 30 : 1800;
	/* The fake store knows this operator password: "teacher". */
	env.operator_hash = accounts != NULL ? "$y$fake$teacher" : NULL;
	env.room = chat_room_new(fake_clock, CHAT_RATE_DEFAULT,
				 CHAT_BURST_DEFAULT);
	/* Half the inputs hold lines for the loop's flush, as hotlined does. */
	flush_room = (h[0] & 16) ? env.room : NULL;
	flush_asked = false;
	if (flush_room != NULL)
		chat_room_defer(env.room, schedule_flush, NULL);

	a = fconn_new("A", 1, &env, (h[0] & 8) ? 4096 : 256 * 1024);
	b = fconn_new("B", 2, &env, 4096);
	c = fconn_new("C", 3, &env, 256 * 1024);
	callers[0] = a;
	callers[1] = b;
	callers[2] = c;
	if (h[0] & 32)
		fconn_read(b, b_big5, sizeof(b_big5) - 1);
	else
		fconn_read(b, b_gbk, sizeof(b_gbk) - 1);
	fconn_read(c, c_enters, sizeof(c_enters) - 1);
	fconn_drain(b);
	fconn_drain(c);

	while (pos < size && !a->closing) {
		uint32_t r = xorshift32(&state);
		size_t n = 1 + r % max_chunk;

		if (n > size - pos)
			n = size - pos;
		fconn_read(a, data + pos, n);
		pos += n;

		/* A loop turn: deferred events, then what the schedule adds. */
		loop_turn(hooks, false);
		r = xorshift32(&state);
		if (r % 4 != 0)
			continue;
		r >>= 2;
		switch (r % 12) {
		case 0:
			fconn_fire_timer(a);
			break;
		case 1:
			fconn_fire_timer((r & 16) ? b : c);
			break;
		case 2:
		case 3:
			neighbour_act(c, r >> 4);
			break;
		case 4:
			notice_all(MENU_TEXT_RELOADED);
			break;
		case 5:
			swap_catalog((r >> 4) & 1);
			break;
		case 6:
			fconn_drain(a);
			break;
		case 7:
			fconn_drain(b);
			fconn_drain(c);
			break;
		case 8:
			fake_now += (double)((r >> 4) % 120);
			break;
		case 9:
			/* SIGTERM, rarely: every caller hears "closing". */
			if ((r >> 4) % 16 == 0)
				for (size_t i = 0; i < ARRAY_LEN(callers); i++)
					if (!callers[i]->gone)
						core_shutdown(callers[i]->core);
			break;
		case 10:
		case 11:
			loop_turn(hooks, true);
			break;
		}
		/* A stall still over the cap ten seconds on drops the caller. */
		if (a->stall && a->out.len > a->max_output && (r & 0x100))
			break; /* conn.c drops the socket; the core is freed */
	}
	/* The caller hangs up: end of input, then the loop runs dry. */
	if (!a->closing)
		core_end_of_input(a->core);
	loop_turn(hooks, true);

	for (size_t i = 0; i < ARRAY_LEN(callers); i++) {
		fconn_free(callers[i]);
		callers[i] = NULL;
	}
	FUZZ_CHECK(chat_room_count(env.room) == 0);
	chat_room_free(env.room);
}
