/*
 * fuzz_conn: service/conn.c's glue over plain buffers (see fuzz_conn.h).
 *
 * Three callers share the chat room, as in a classroom: A gets the fuzz
 * input; B is a GBK caller that walked into the room (9, 2, 4), so what A
 * says is converted for B through the shared message's alt cache; C is a
 * UTF-8 caller in character mode who types lines (hostile ones too) when
 * the schedule says so. Every member of the room is a real session, as in
 * the server (an operator's /kick finds the session behind a nickname).
 * Invariants of every layer are checked on the way (lines and keys from
 * the line editor, text the session writes, chat messages): a broken one
 * aborts.
 */
#include "fuzz_conn.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/xorshift.h"
#include "charset.h"
#include "chat.h"
#include "fuzz_check.h"
#include "lineedit.h"
#include "menu_load.h"
#include "session.h"
#include "telnet.h"
#include "trace.h"
#include "util.h"

/* Bytes of caller output kept before the "socket" must drain them. */
#define FUZZ_OUT_KEEP (1024 * 1024)

struct fconn {
	const char *name;
	struct telnet_adapter *telnet;
	struct charset_conv *charset;
	struct lineedit *lineedit;
	struct session *session;
	struct strbuf out; /* the socket's output buffer */
	size_t max_output;
	unsigned timer; /* seconds the idle timer is armed for; 0: not */
	bool closing;
	bool kick;  /* conn.c's event_active(kick) */
	bool stall; /* conn.c's stall timer is pending */
	bool gone;  /* reaped */
	const char *close_reason;
	unsigned id;
	char enter[16]; /* conn.c's /wire notes */
	char erase[8];
	unsigned width, height;
};

/* The callers of one run, for the operator's hub. */
static struct fconn *callers[3];

/*
 * Scratch buffers shared by every caller, as in conn.c: if one caller's
 * conversion ever ran inside another's, ASan would see the reuse.
 */
static struct strbuf fuzz_decoded; /* caller's bytes as UTF-8 */
static struct strbuf fuzz_encoded; /* text on its way out */

static struct menu_catalog *catalog_main;   /* menus/ */
static struct menu_catalog *catalog_reload; /* a reload that drops menus */
static double fake_now;

/* The chat room's clock. */
static double fake_clock(void)
{
	return fake_now;
}

/* Whether cp is a control character (C0, DEL, C1). */
static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

/* Checks that s is valid UTF-8 with no control characters at all. */
static void check_clean_text(const char *s, size_t len)
{
	uint32_t cp;

	while (len > 0) {
		size_t n = utf8_decode(s, len, &cp);

		FUZZ_CHECK(n > 0);
		FUZZ_CHECK(!is_control(cp));
		s += n;
		len -= n;
	}
}

/* Checks a chat message: one clean line ending in CR LF, no 0xff. */
static void check_chat_msg(const struct chat_msg *msg)
{
	FUZZ_CHECK(msg->refs > 0);
	FUZZ_CHECK(msg->len >= 2);
	FUZZ_CHECK(strlen(msg->text) == msg->len);
	FUZZ_CHECK(memcmp(msg->text + msg->len - 2, "\r\n", 2) == 0);
	FUZZ_CHECK(memchr(msg->text, 0xff, msg->len) == NULL);
	check_clean_text(msg->text, msg->len - 2);
}

/* --- output: session text -> charset -> telnet -> "socket" -------------- */

/* conn_output_text: "\n" becomes CR LF, then the caller's charset. */
static void fconn_output_text(struct fconn *c, const char *text, size_t len)
{
	struct strbuf *sb = &fuzz_encoded;
	size_t start = 0;

	/* Inside, the server works in UTF-8 only. */
	FUZZ_CHECK(utf8_is_valid(text, len));
	strbuf_reset(sb);
	for (size_t i = 0; i < len; i++) {
		if (text[i] != '\n' || (i > 0 && text[i - 1] == '\r'))
			continue;
		charset_encode(c->charset, text + start, i - start, sb);
		strbuf_append(sb, "\r\n", 2);
		start = i + 1;
	}
	charset_encode(c->charset, text + start, len - start, sb);
	telnet_adapter_send(c->telnet, sb->data, sb->len);
}

/* conn_async_begin: clears a half-typed line in character mode. */
static void fconn_async_begin(struct fconn *c)
{
	size_t len;

	if (lineedit_mode(c->lineedit) != LINEEDIT_MODE_CHAR)
		return;
	lineedit_pending(c->lineedit, &len);
	if (len > 0)
		strbuf_append(&c->out, "\r\033[K", 4);
}

/* conn_async_end: draws the half-typed line again. */
static void fconn_async_end(struct fconn *c)
{
	size_t len;
	const char *pending;

	if (lineedit_mode(c->lineedit) != LINEEDIT_MODE_CHAR ||
	    lineedit_input(c->lineedit) != LINEEDIT_INPUT_TEXT)
		return;
	pending = lineedit_pending(c->lineedit, &len);
	if (len > 0)
		fconn_output_text(c, pending, len);
}

/* conn_queue_msg: UTF-8 as formatted, GBK converted once into msg->alt. */
static void fconn_queue_msg(struct fconn *c, struct chat_msg *msg)
{
	const char *bytes = msg->text;
	size_t len = msg->len;

	if (charset_conv_charset(c->charset) != CHARSET_UTF8) {
		if (msg->alt == NULL) {
			struct strbuf sb;

			strbuf_init(&sb);
			charset_encode(c->charset, msg->text, msg->len, &sb);
			msg->alt = sb.data ? sb.data : xstrdup("");
			msg->alt_len = sb.len;
		}
		bytes = msg->alt;
		len = msg->alt_len;
	}
	/* Sent without telnet escaping: there must be no IAC in it. */
	FUZZ_CHECK(memchr(bytes, 0xff, len) == NULL);
	strbuf_append(&c->out, bytes, len);
}

/* Marks the conn closing, as conn_close does; the loop reaps it. */
static void fconn_close(struct fconn *c, const char *reason)
{
	if (c->closing)
		return;
	c->closing = true;
	c->close_reason = reason;
	c->timer = 0;
	c->stall = false;
}

/* --- session_io ------------------------------------------------------- */

static void io_write(void *ctx, const char *text, size_t len)
{
	fconn_output_text(ctx, text, len);
}

static void io_notify(void *ctx, const char *text, size_t len)
{
	struct fconn *c = ctx;

	fconn_async_begin(c);
	fconn_output_text(c, text, len);
	fconn_async_end(c);
}

static void io_deliver(void *ctx, struct chat_msg *msg)
{
	struct fconn *c = ctx;

	check_chat_msg(msg);
	if (c->closing)
		return;
	if (c->out.len > c->max_output) {
		c->kick = true;
		return;
	}
	fconn_async_begin(c);
	fconn_queue_msg(c, msg);
	fconn_async_end(c);
}

/* The room, when it holds lines for the loop's flush as the server's does. */
static struct chat_room *flush_room;
static bool flush_asked, in_flush;

/* conn.c sends the queue now: only ever asked for in the room's flush. */
static void io_send_now(void *ctx)
{
	struct fconn *c = ctx;

	FUZZ_CHECK(in_flush && !c->gone);
}

static void io_set_input(void *ctx, enum lineedit_input input)
{
	struct fconn *c = ctx;

	lineedit_set_input(c->lineedit, input);
	telnet_adapter_set_secret(c->telnet, input == LINEEDIT_INPUT_SECRET);
}

static void io_set_timer(void *ctx, unsigned seconds)
{
	((struct fconn *)ctx)->timer = seconds;
}

static void io_set_charset(void *ctx, enum charset cs)
{
	charset_conv_set(((struct fconn *)ctx)->charset, cs);
}

static void io_close(void *ctx, const char *reason)
{
	fconn_close(ctx, reason);
}

/* io_describe, without the socket's addresses. */
static void io_describe(void *ctx, struct session_wire *w)
{
	struct fconn *c = ctx;

	snprintf(w->local, sizeof(w->local), "127.0.0.1:5228");
	snprintf(w->peer, sizeof(w->peer), "127.0.0.1:%u", 40000 + c->id);
	w->char_mode = lineedit_mode(c->lineedit) == LINEEDIT_MODE_CHAR;
	snprintf(w->ttype, sizeof(w->ttype), "%s",
		 telnet_adapter_ttype(c->telnet));
	w->width = c->width;
	w->height = c->height;
	snprintf(w->enter, sizeof(w->enter), "%s", c->enter);
	snprintf(w->erase, sizeof(w->erase), "%s", c->erase);
}

/* session_hub.wall: an operator's text to every live caller. */
static void hub_wall(void *ctx, const char *text)
{
	(void)ctx;
	for (size_t i = 0; i < ARRAY_LEN(callers); i++)
		if (callers[i] != NULL && !callers[i]->gone &&
		    !callers[i]->closing)
			session_wall(callers[i]->session, text);
}

/* session_hub.list: every caller, for an operator's /who. */
static void hub_list(void *ctx, struct strbuf *out)
{
	(void)ctx;
	for (size_t i = 0; i < ARRAY_LEN(callers); i++) {
		if (callers[i] == NULL || callers[i]->gone)
			continue;
		strbuf_printf(out, "  #%u 127.0.0.1:%u  ", callers[i]->id,
			      40000 + callers[i]->id);
		session_summary(callers[i]->session, out);
		strbuf_printf(out, "  idle 0s\n");
	}
}

static const struct session_io fconn_session_io = {
	.write = io_write,
	.set_input = io_set_input,
	.set_timer = io_set_timer,
	.set_charset = io_set_charset,
	.close = io_close,
	.notify = io_notify,
	.deliver = io_deliver,
	.send_now = io_send_now,
	.describe = io_describe,
};

/* --- input: telnet -> charset -> lineedit -> session -------------------- */

static void on_lineedit(void *ctx, const struct lineedit_event *ev)
{
	struct fconn *c = ctx;
	uint32_t cp;

	switch (ev->type) {
	case LINEEDIT_EV_KEY:
		FUZZ_CHECK(ev->len > 0 && ev->len < MENU_KEY_MAX);
		FUZZ_CHECK(utf8_decode(ev->data, ev->len, &cp) == ev->len);
		check_clean_text(ev->data, ev->len);
		session_on_key(c->session, ev->data, ev->len);
		break;
	case LINEEDIT_EV_LINE:
		FUZZ_CHECK(ev->len <= LINEEDIT_MAX_LINE);
		check_clean_text(ev->data, ev->len);
		session_on_line(c->session, ev->data, ev->len);
		break;
	case LINEEDIT_EV_ECHO:
		fconn_output_text(c, ev->data, ev->len);
		break;
	case LINEEDIT_EV_TOO_LONG:
		session_on_too_long(c->session);
		break;
	case LINEEDIT_EV_INTERRUPT:
		session_hangup(c->session, "ctrl-c");
		break;
	}
}

/* conn_note_keys: the bytes of the caller's Enter and Backspace. */
static void fconn_note_keys(struct fconn *c, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)data[i];

		if (b == '\r') {
			unsigned char next =
				i + 1 < len ? (unsigned char)data[i + 1] : 0xff;

			if (next == '\n' || next == '\0') {
				snprintf(c->enter, sizeof(c->enter), "0d %02x",
					 next);
				i++;
			} else {
				snprintf(c->enter, sizeof(c->enter), "0d");
			}
		} else if (b == '\n') {
			snprintf(c->enter, sizeof(c->enter), "0a");
		} else if (b == 0x7f || b == 0x08) {
			snprintf(c->erase, sizeof(c->erase), "%02x", b);
		}
	}
}

static void on_telnet(void *ctx, const struct telnet_adapter_event *ev)
{
	struct fconn *c = ctx;

	switch (ev->type) {
	case TELNET_ADAPTER_EV_DATA:
		if (c->closing)
			break;
		fconn_note_keys(c, ev->data, ev->len);
		strbuf_reset(&fuzz_decoded);
		charset_decode(c->charset, ev->data, ev->len, &fuzz_decoded);
		lineedit_feed(c->lineedit, fuzz_decoded.data, fuzz_decoded.len);
		break;
	case TELNET_ADAPTER_EV_SEND:
		strbuf_append(&c->out, ev->data, ev->len);
		break;
	case TELNET_ADAPTER_EV_CHAR_MODE:
		lineedit_set_mode(c->lineedit, LINEEDIT_MODE_CHAR);
		break;
	case TELNET_ADAPTER_EV_LINE_MODE:
		lineedit_set_mode(c->lineedit, LINEEDIT_MODE_LINE);
		break;
	case TELNET_ADAPTER_EV_WINDOW:
		FUZZ_CHECK(ev->width <= 0xffff && ev->height <= 0xffff);
		c->width = ev->width;
		c->height = ev->height;
		break;
	case TELNET_ADAPTER_EV_HANGUP:
		if (!c->closing)
			session_hangup(c->session, "interrupt");
		break;
	case TELNET_ADAPTER_EV_ERROR:
		fconn_close(c, "telnet protocol error");
		break;
	case TELNET_ADAPTER_EV_WARNING:
		FUZZ_CHECK(ev->data != NULL);
		break;
	}
}

/* conn_new without the socket: greets the caller. */
static struct fconn *fconn_new(const char *name, unsigned id,
			       const struct session_env *env, size_t max_output)
{
	struct fconn *c = xcalloc(1, sizeof(*c));
	struct session_io io = fconn_session_io;

	c->name = name;
	c->id = id;
	c->max_output = max_output;
	strbuf_init(&c->out);
	c->telnet = telnet_adapter_new(on_telnet, c);
	c->charset = charset_conv_new(CHARSET_UTF8);
	c->lineedit = lineedit_new(on_lineedit, c);
	io.ctx = c;
	c->session = session_new(id, catalog_main, env, &io);
	telnet_adapter_start(c->telnet);
	session_start(c->session);
	return c;
}

/* conn_destroy: frees in the same order. */
static void fconn_free(struct fconn *c)
{
	if (c == NULL)
		return;
	session_free(c->session);
	lineedit_free(c->lineedit);
	charset_conv_free(c->charset);
	telnet_adapter_free(c->telnet);
	strbuf_fini(&c->out);
	free(c);
}

/* on_read: bytes in, unless closing; a full output stops reading. */
static void fconn_read(struct fconn *c, const uint8_t *buf, size_t len)
{
	if (c->closing || c->gone)
		return;
	if (c->out.len > c->max_output) {
		/* Reading pauses until the socket drains; it drains now. */
		c->stall = true;
		strbuf_reset(&c->out);
	}
	telnet_adapter_feed(c->telnet, (const char *)buf, len);
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
	session_on_timeout(c->session);
}

/* on_kick and on_stall, run on a later loop turn. */
static void fconn_loop_turn(struct fconn *c)
{
	if (c->gone)
		return;
	if (c->kick) {
		c->kick = false;
		if (!c->closing) {
			session_drop_slow_reader(c->session);
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

void fuzz_conn_init(void)
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
		if (!callers[i]->gone && !callers[i]->closing)
			session_set_catalog(callers[i]->session, cat);
}

/* listener_notice: a named text to every caller. */
static void notice_all(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(callers); i++)
		if (!callers[i]->gone && !callers[i]->closing)
			session_notice(callers[i]->session, name);
}

/* Reaps a closing caller whose goodbye went out (or was dropped). */
static void reap(struct fconn *c)
{
	if (c->closing && !c->gone) {
		c->gone = true;
		session_free(c->session);
		c->session = NULL;
	}
}

/* chat_schedule_fn: as main.c's, a flush at the end of the pass. */
static void schedule_flush(void *ctx)
{
	FUZZ_CHECK(ctx == NULL && !flush_asked);
	flush_asked = true;
}

/* One turn of the event loop: the room's flush, then everyone but A. */
static void loop_turn(const struct fuzz_conn_hooks *hooks, bool accounts)
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

void fuzz_conn_run(const uint8_t *data, size_t size,
		   struct account_worker *accounts,
		   const struct fuzz_conn_hooks *hooks)
{
	static const size_t chunk_max[] = { 1, 7, 64, 4096 };
	/* inetutils telnet accepting character mode, then the chat room. */
	static const uint8_t c_enters[] = "\xff\xfd\x01\xff\xfd\x03\xff\xfb\x1f"
					  "\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0"
					  "4";
	static const uint8_t b_enters[] = "9\r\n2\r\n4\r\n";
	uint8_t h[FUZZ_CONN_HEADER] = { 0 };
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
	fconn_read(b, b_enters, sizeof(b_enters) - 1);
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
			notice_all("reloaded");
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
						session_shutdown(
							callers[i]->session);
			break;
		case 10:
		case 11:
			loop_turn(hooks, true);
			break;
		}
		/* A stall still over the cap ten seconds on drops the caller. */
		if (a->stall && a->out.len > a->max_output && (r & 0x100))
			fconn_close(a, "not reading");
	}
	/* The caller hangs up: end of input, then the loop runs dry. */
	if (!a->closing)
		session_hangup(a->session, "end of input");
	loop_turn(hooks, true);

	for (size_t i = 0; i < ARRAY_LEN(callers); i++) {
		fconn_free(callers[i]);
		callers[i] = NULL;
	}
	FUZZ_CHECK(chat_room_count(env.room) == 0);
	chat_room_free(env.room);
}
