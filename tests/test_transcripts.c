/*
 * Transcript tests: callers' bytes in tests/transcripts/NAME.in, and the
 * bytes the server must answer in NAME.out, both checked in. Each script
 * runs through the real core (service/core/core.c) with a fake clock, a chat
 * room and the real account store in memory, seeded with the demo data;
 * the requests the account worker would run on its thread are run on the
 * next loop turn instead, in order, against that store.
 *
 * A script is one step a line:
 *   # text                   a note for the reader, copied to the .out
 *   A connects               caller A dials in (telnet offers, start menu)
 *   A: "1" {DO ECHO} "\r\n"  A sends bytes: C-style strings (\r \n \0 \e
 *                            \xNN), telnet commands in braces ({WILL
 *                            NAWS}, {SB NAWS 0 80 0 24}, {IP}, {AYT}), or
 *                            hex ({ff fd}); one line is one read
 *   A hangs up               end of A's input (TCP FIN)
 *   wait 60                  the clock moves on; due timers fire
 *   reload session_reload    a SIGHUP reload to tests/data/DIR
 *   shutdown                 SIGTERM: every caller hears "closing"
 * After each step the event loop turns until it is idle: the account
 * store answers, the chat room's held lines go out. The .out repeats
 * each step, then what each caller received ("A< "), telnet commands
 * named and control bytes escaped, and "A closed: REASON" when the server
 * hangs up.
 *
 * A changed answer fails with a unified diff of the two files; with
 * HOTLINE_TRANSCRIPTS_UPDATE=1 in the environment the .out files are
 * written instead (look at the diff before committing them).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/core.h"
#include "log/trace.h"
#include "loop_worker.h"
#include "mem.h"
#include "menus.h"
#include "proto/charset.h"
#include "room/chat.h"
#include "store/account.h"
#include "strbuf.h"
#include "utf8.h"
#include "wiretrace.h"

/* Callers a script may have: A to H. */
#define MAX_CALLERS 8
/* Loop turns after one step before the test gives up on it settling. */
#define MAX_TURNS 16
/* 2026-09-01 08:00:00 UTC, a Tuesday morning lesson. */
#define START_TIME 1788249600.0

struct caller {
	char name;
	struct core *core;
	struct strbuf got; /* bytes received in this step */
	bool closed;
	bool told; /* the transcript says it closed */
	const char *close_reason;
	bool later;      /* asked for core_later */
	double deadline; /* when the armed timer fires; 0: not armed */
};

static struct account_store *store;
static struct menu_catalog *catalog;
static struct session_env env;
static struct caller callers[MAX_CALLERS];
static size_t ncallers;
static struct strbuf transcript;
static double fake_now;
static bool flush_asked;
static char operator_hash[256];

/* --- the account worker, on the loop and in order ------------------------ */

/* Runs one request against the store, as the worker thread does. */
static void run_request(struct account_request *req)
{
	time_t now = (time_t)fake_now;

	switch (req->op) {
	case ACCOUNT_OP_EXISTS:
		req->status = account_store_exists(store, req->number);
		break;
	case ACCOUNT_OP_LOGIN:
		req->status = account_store_login(store, req->number,
						  req->secret, now,
						  &req->lock_seconds);
		break;
	case ACCOUNT_OP_INFO:
		req->status = account_store_info(store, req->number,
						 &req->info);
		break;
	case ACCOUNT_OP_CHECK_HASH:
		req->status = account_store_check_hash(store, req->secret,
						       req->hash);
		break;
	case ACCOUNT_OP_RECHARGE_CARD:
		req->status = account_store_recharge_card(store, req->number,
							  req->secret, now,
							  &req->balance_fen);
		break;
	case ACCOUNT_OP_RECHARGE_AMOUNT:
		req->status = account_store_recharge_amount(store, req->number,
							    req->fen, now,
							    &req->balance_fen);
		break;
	}
}

/* --- the sink: what each caller receives -------------------------------- */

static int sink_send(void *ctx, const void *data, size_t len)
{
	struct caller *c = ctx;

	assert_false(c->closed);
	strbuf_append(&c->got, data, len);
	return 0;
}

static int sink_send_shared(void *ctx, struct chat_msg *msg, const void *data,
			    size_t len)
{
	(void)msg;
	return sink_send(ctx, data, len);
}

static void sink_send_now(void *ctx)
{
	(void)ctx;
}

/* The server hangs up once, with a reason; run_line notes it. */
static void sink_close(void *ctx, const char *reason)
{
	struct caller *c = ctx;

	assert_false(c->closed);
	assert_non_null(reason);
	c->closed = true;
	c->close_reason = reason;
	c->deadline = 0;
}

static void sink_set_reading(void *ctx, bool on)
{
	(void)ctx;
	(void)on;
}

static void sink_set_timer(void *ctx, unsigned seconds)
{
	struct caller *c = ctx;

	c->deadline = seconds > 0 ? fake_now + seconds : 0;
}

static bool sink_is_full(void *ctx)
{
	(void)ctx;
	return false;
}

static void sink_later(void *ctx)
{
	((struct caller *)ctx)->later = true;
}

static void sink_describe(void *ctx, struct session_wire *w)
{
	struct caller *c = ctx;

	snprintf(w->local, sizeof(w->local), "192.0.2.1:5228");
	snprintf(w->peer, sizeof(w->peer), "192.0.2.%d:40000",
		 10 + c->name - 'A');
}

static const struct core_sink sink = {
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

/* --- rendering what a caller got ---------------------------------------- */

/* The name of a telnet command byte other than the negotiation ones. */
static const char *command_name(unsigned char b)
{
	switch (b) {
	case 236:
		return "EOF";
	case 237:
		return "SUSP";
	case 238:
		return "ABORT";
	case 241:
		return "NOP";
	case 242:
		return "DM";
	case 243:
		return "BRK";
	case 244:
		return "IP";
	case 245:
		return "AO";
	case 246:
		return "AYT";
	case 247:
		return "EC";
	case 248:
		return "EL";
	case 249:
		return "GA";
	case 251:
		return "WILL";
	case 252:
		return "WONT";
	case 253:
		return "DO";
	case 254:
		return "DONT";
	default:
		return NULL;
	}
}

/* Renders the telnet command at p (after IAC); returns the bytes it took. */
static size_t render_command(const unsigned char *p, size_t len,
			     struct strbuf *out)
{
	char buf[16];
	const char *name;

	if (len == 0) {
		strbuf_printf(out, "\\xff");
		return 0;
	}
	if (p[0] == 255) {
		strbuf_printf(out, "\\xff");
		return 1;
	}
	if (p[0] == 250) { /* SB opt ... IAC SE */
		size_t i = 2;

		if (len < 2)
			return 0;
		strbuf_printf(out, "{SB %s",
			      wiretrace_option_name(p[1], buf, sizeof(buf)));
		while (i < len &&
		       !(p[i] == 255 && i + 1 < len && p[i + 1] == 240)) {
			strbuf_printf(out, " %u", p[i]);
			i += p[i] == 255 ? 2 : 1;
		}
		strbuf_printf(out, "}");
		return i + 2 <= len ? i + 2 : len;
	}
	name = command_name(p[0]);
	if (p[0] >= 251 && len >= 2) {
		strbuf_printf(out, "{%s %s}", name,
			      wiretrace_option_name(p[1], buf, sizeof(buf)));
		return 2;
	}
	if (name != NULL)
		strbuf_printf(out, "{%s}", name);
	else
		strbuf_printf(out, "{IAC %u}", p[0]);
	return 1;
}

/*
 * Appends one line on the wire as one line of the transcript, marked
 * "(gbk) " or "(big5) " when it was decoded from that encoding.
 */
static void render_line(char who, const char *data, size_t len,
			const struct charset *decoded, struct strbuf *out)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t i = 0;

	strbuf_printf(out, "%c< ", who);
	if (decoded != NULL)
		strbuf_printf(out, "(%s) ", charset_name(decoded));
	while (i < len) {
		uint32_t cp;
		size_t n;

		if (p[i] == 255) {
			i += 1 + render_command(p + i + 1, len - i - 1, out);
			continue;
		}
		switch (p[i]) {
		case '\r':
			strbuf_printf(out, "\\r");
			i++;
			continue;
		case '\n':
			strbuf_printf(out, "\\n");
			i++;
			continue;
		case '\t':
			strbuf_printf(out, "\\t");
			i++;
			continue;
		case '\b':
			strbuf_printf(out, "\\b");
			i++;
			continue;
		case 0x1b:
			strbuf_printf(out, "\\e");
			i++;
			continue;
		case '\\':
			strbuf_printf(out, "\\\\");
			i++;
			continue;
		default:
			break;
		}
		n = utf8_decode(data + i, len - i, &cp);
		if (n == 0 || utf8_is_control(cp)) {
			strbuf_printf(out, "\\x%02x", p[i]);
			i++;
			continue;
		}
		strbuf_append(out, data + i, n);
		i += n;
	}
	strbuf_printf(out, "\n");
}

/*
 * Decodes a line a caller got in encoding cs into text; false unless all
 * of it is text in that encoding (no telnet command, nothing undecodable).
 */
static bool decode_line(const struct charset *cs, const char *data, size_t len,
			struct strbuf *text)
{
	struct charset_conv *cv;

	if (memchr(data, 0xff, len) != NULL)
		return false;
	cv = charset_conv_new(cs);
	charset_decode(cv, data, len, text);
	charset_conv_free(cv);
	return text->len > 0 &&
	       memmem(text->data, text->len, "\xef\xbf\xbd", 3) == NULL;
}

/*
 * The encoding a caller's lines that are not UTF-8 are read in: theirs,
 * or GBK if they are back in UTF-8 (the lines came before the switch).
 */
static const struct charset *caller_charset(const struct caller *c)
{
	const struct charset *cs = core_charset(c->core);

	if (charset_is_utf8(cs) && charset_lookup("gbk", &cs) != CHARSET_OK)
		fail_msg("iconv does not know GBK");
	return cs;
}

/*
 * Appends what a caller got, a transcript line per line on the wire. A
 * line that is not UTF-8 but text in the caller's encoding is shown
 * decoded, marked with the encoding: "(gbk)", "(big5)".
 */
static void render(const struct caller *c, const char *data, size_t len,
		   struct strbuf *out)
{
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - data) + 1 : len;
		const struct charset *cs = NULL;
		struct strbuf text;

		strbuf_init(&text);
		if (!utf8_is_valid(data, n)) {
			cs = caller_charset(c);
			if (!decode_line(cs, data, n, &text))
				cs = NULL;
		}
		if (cs != NULL)
			render_line(c->name, text.data, text.len, cs, out);
		else
			render_line(c->name, data, n, NULL, out);
		strbuf_fini(&text);
		data += n;
		len -= n;
	}
}

/*
 * Writes what every caller got in this step, caller by caller: which of
 * two sockets the server wrote first within one step is not part of the
 * answer.
 */
static void render_step(void)
{
	for (size_t i = 0; i < ncallers; i++) {
		struct caller *c = &callers[i];

		render(c, c->got.data, c->got.len, &transcript);
		strbuf_reset(&c->got);
	}
}

/* --- the event loop ------------------------------------------------------ */

/* chat_clock_fn */
static double fake_clock(void)
{
	return fake_now;
}

/* chat_schedule_fn: a flush at the end of the pass, as server.c does. */
static void schedule_flush(void *ctx)
{
	(void)ctx;
	flush_asked = true;
}

/* session_hub.wall */
static void hub_wall(void *ctx, const char *text)
{
	(void)ctx;
	for (size_t i = 0; i < ncallers; i++)
		if (callers[i].core != NULL)
			core_wall(callers[i].core, text);
}

/* session_hub.list: the callers, from made-up addresses, never idle. */
static void hub_list(void *ctx, session_row_fn fn, void *arg)
{
	char peer[32];

	(void)ctx;
	for (size_t i = 0; i < ncallers; i++) {
		struct session_row row = { .id = (unsigned)(i + 1),
					   .peer = peer };

		if (callers[i].core == NULL)
			continue;
		snprintf(peer, sizeof(peer), "192.0.2.%zu:40000", 10 + i);
		core_summary(callers[i].core, &row.summary);
		fn(arg, &row);
	}
}

/* One pass of the loop; false if there was nothing to do. */
static bool loop_turn(void)
{
	bool busy = loop_worker_turn(run_request) > 0 || flush_asked;

	if (flush_asked) {
		flush_asked = false;
		chat_room_flush(env.room);
	}
	for (size_t i = 0; i < ncallers; i++) {
		if (callers[i].later) {
			callers[i].later = false;
			core_later(callers[i].core);
			busy = true;
		}
	}
	return busy;
}

/* Turns the loop until it is idle. */
static void settle(void)
{
	int turns = 0;

	while (loop_turn())
		assert_true(++turns < MAX_TURNS);
}

/* --- the script ---------------------------------------------------------- */

/* The telnet option called name, or a number; -1 if neither. */
static int option_code(const char *name)
{
	char buf[16];

	if (name[0] >= '0' && name[0] <= '9')
		return atoi(name);
	for (int i = 0; i < 256; i++)
		if (strcmp(wiretrace_option_name((unsigned char)i, buf,
						 sizeof(buf)),
			   name) == 0)
			return i;
	return -1;
}

/* Parses {WILL ECHO}, {SB NAWS 0 80 0 24}, {IP} into bytes; -1 if bad. */
static int parse_command(const char *s, size_t len, struct strbuf *out)
{
	char word[32], rest[128];
	int n = 0;

	if (len >= sizeof(rest))
		return -1;
	memcpy(rest, s, len);
	rest[len] = '\0';
	if (sscanf(rest, "%31s%n", word, &n) != 1)
		return -1;
	for (int b = 236; b <= 254; b++) {
		const char *name = command_name((unsigned char)b);
		char opt[32];
		int code, m = 0;

		if (name == NULL || strcmp(name, word) != 0)
			continue;
		strbuf_append_char(out, (char)255);
		strbuf_append_char(out, (char)b);
		if (b < 251)
			return 0;
		if (sscanf(rest + n, "%31s%n", opt, &m) != 1 ||
		    (code = option_code(opt)) < 0)
			return -1;
		strbuf_append_char(out, (char)code);
		return 0;
	}
	if (strcmp(word, "SB") == 0) {
		char opt[32];
		int code, m = 0;
		unsigned v;
		const char *p;

		if (sscanf(rest + n, "%31s%n", opt, &m) != 1 ||
		    (code = option_code(opt)) < 0)
			return -1;
		strbuf_append(out, "\xff\xfa", 2);
		strbuf_append_char(out, (char)code);
		p = rest + n + m;
		while (sscanf(p, "%u%n", &v, &m) == 1) {
			if (v > 255)
				return -1;
			strbuf_append_char(out, (char)v);
			if (v == 255)
				strbuf_append_char(out, (char)v);
			p += m;
		}
		strbuf_append(out, "\xff\xf0", 2);
		return 0;
	}
	return -1;
}

/* Parses a C-style string body (after the opening quote); returns its end. */
static const char *parse_string(const char *p, struct strbuf *out)
{
	while (*p != '\0' && *p != '"') {
		char c = *p++;
		unsigned v;

		if (c != '\\') {
			strbuf_append_char(out, c);
			continue;
		}
		switch (*p++) {
		case 'r':
			strbuf_append_char(out, '\r');
			break;
		case 'n':
			strbuf_append_char(out, '\n');
			break;
		case 't':
			strbuf_append_char(out, '\t');
			break;
		case '0':
			strbuf_append_char(out, '\0');
			break;
		case 'e':
			strbuf_append_char(out, 0x1b);
			break;
		case '\\':
			strbuf_append_char(out, '\\');
			break;
		case '"':
			strbuf_append_char(out, '"');
			break;
		case 'x':
			if (sscanf(p, "%2x", &v) != 1)
				return NULL;
			strbuf_append_char(out, (char)v);
			p += 2;
			break;
		default:
			return NULL;
		}
	}
	return *p == '"' ? p + 1 : NULL;
}

/* Parses the bytes a caller sends; false if the line is malformed. */
static bool parse_bytes(const char *p, struct strbuf *out)
{
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return out->len > 0;
		if (*p == '"') {
			p = parse_string(p + 1, out);
			if (p == NULL)
				return false;
		} else if (*p == '{') {
			const char *end = strchr(p, '}');

			if (end == NULL ||
			    parse_command(p + 1, (size_t)(end - p - 1), out) <
				    0)
				return false;
			p = end + 1;
		} else {
			unsigned v;
			int m = 0;

			if (sscanf(p, "%2x%n", &v, &m) != 1 || m != 2)
				return false;
			strbuf_append_char(out, (char)v);
			p += m;
		}
	}
}

/* Loads a catalog or fails the test. */
static struct menu_catalog *load(const char *path)
{
	struct menu_catalog *cat = test_menus_load(path);

	assert_non_null(cat);
	return cat;
}

/* The caller named by the letter at the start of line, made if asked. */
static struct caller *caller_of(char name, const char *line)
{
	struct caller *c;

	if (name < 'A' || name >= 'A' + MAX_CALLERS)
		fail_msg("no caller in: %s", line);
	c = &callers[name - 'A'];
	if (c->core == NULL)
		fail_msg("caller %c has not connected: %s", name, line);
	return c;
}

/* Fires the timers that are due, in the order they fall due. */
static void fire_timers(void)
{
	for (;;) {
		struct caller *next = NULL;

		for (size_t i = 0; i < ncallers; i++) {
			struct caller *c = &callers[i];

			if (c->deadline > 0 && c->deadline <= fake_now &&
			    (next == NULL || c->deadline < next->deadline))
				next = c;
		}
		if (next == NULL)
			return;
		next->deadline = 0;
		core_timer(next->core);
		settle();
	}
}

/* Carries out one line of a script. */
static void run_line(const char *line)
{
	struct strbuf bytes;
	char word[64];
	int n;

	strbuf_printf(&transcript, "%s\n", line);
	if (line[0] == '#' || line[0] == '\0')
		return;
	if (line[1] == ':' && line[2] == ' ') {
		struct caller *c = caller_of(line[0], line);

		strbuf_init(&bytes);
		if (!parse_bytes(line + 3, &bytes))
			fail_msg("cannot read the bytes of: %s", line);
		if (core_feed(c->core, bytes.data, bytes.len) < 0)
			strbuf_printf(&transcript, "%c refused: closed\n",
				      c->name);
		strbuf_fini(&bytes);
	} else if (strcmp(line + 1, " connects") == 0) {
		struct caller *c = &callers[line[0] - 'A'];

		assert_true(line[0] >= 'A' && line[0] < 'A' + MAX_CALLERS);
		assert_null(c->core);
		c->name = line[0];
		strbuf_init(&c->got);
		c->core = core_new((unsigned)(line[0] - 'A' + 1), catalog, &env,
				   &sink, c);
		if ((size_t)(line[0] - 'A') >= ncallers)
			ncallers = (size_t)(line[0] - 'A') + 1;
		core_start(c->core);
	} else if (strcmp(line + 1, " hangs up") == 0) {
		core_end_of_input(caller_of(line[0], line)->core);
	} else if (sscanf(line, "wait %d", &n) == 1) {
		fake_now += n;
		fire_timers();
	} else if (sscanf(line, "reload %63s", word) == 1) {
		struct menu_catalog *cat;
		char path[256];

		snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, word);
		cat = load(path);
		for (size_t i = 0; i < ncallers; i++)
			if (callers[i].core != NULL)
				core_set_catalog(callers[i].core, cat);
		menu_catalog_unref(catalog);
		catalog = cat;
		for (size_t i = 0; i < ncallers; i++)
			if (callers[i].core != NULL)
				core_notice(callers[i].core,
					    MENU_TEXT_RELOADED);
	} else if (strcmp(line, "shutdown") == 0) {
		for (size_t i = 0; i < ncallers; i++)
			if (callers[i].core != NULL)
				core_shutdown(callers[i].core);
	} else {
		fail_msg("unknown step: %s", line);
	}
	settle();
	render_step();
	for (size_t i = 0; i < ncallers; i++) {
		struct caller *c = &callers[i];

		if (c->closed && !c->told) {
			c->told = true;
			strbuf_printf(&transcript, "%c closed: %s\n", c->name,
				      c->close_reason);
		}
	}
}

/* Reads a whole file into sb; false if it cannot. */
static bool read_file(const char *path, struct strbuf *sb)
{
	FILE *f = fopen(path, "rb");
	char buf[4096];
	size_t n;

	if (f == NULL)
		return false;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_append(sb, buf, n);
	fclose(f);
	return true;
}

/* Writes sb to path; fails the test if it cannot. */
static void write_file(const char *path, const struct strbuf *sb)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(sb->data, 1, sb->len, f), sb->len);
	assert_int_equal(fclose(f), 0);
}

/* Runs tests/transcripts/NAME.in and compares with NAME.out. */
static void run_transcript(void **state)
{
	const char *name = *state;
	char in_path[512], out_path[512], got_path[512];
	struct strbuf script, expected;
	char *line, *save = NULL;

	snprintf(in_path, sizeof(in_path), "%s/%s.in", TRANSCRIPTS_DIR, name);
	snprintf(out_path, sizeof(out_path), "%s/%s.out", TRANSCRIPTS_DIR,
		 name);
	snprintf(got_path, sizeof(got_path), "%s.out", name);
	strbuf_init(&script);
	strbuf_init(&expected);
	if (!read_file(in_path, &script))
		fail_msg("cannot read %s", in_path);
	strbuf_append_char(&script, '\0');
	for (line = strtok_r(script.data, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		run_line(line);
	if (getenv("HOTLINE_TRANSCRIPTS_UPDATE") != NULL) {
		write_file(out_path, &transcript);
	} else if (!read_file(out_path, &expected) ||
		   expected.len != transcript.len ||
		   memcmp(expected.data, transcript.data, expected.len) != 0) {
		char cmd[1200];

		write_file(got_path, &transcript);
		snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' >&2", out_path,
			 got_path);
		if (system(cmd) == -1)
			perror("diff");
		fail_msg("%s: the answer changed (diff above: - expected, "
			 "+ got; the whole answer is in %s)",
			 name, got_path);
	}
	strbuf_fini(&script);
	strbuf_fini(&expected);
}

/* A fresh server for each transcript: store, room, menus, clock. */
static int setup(void **state)
{
	char *err = NULL;

	(void)state;
	fake_now = START_TIME;
	store = account_store_open(ACCOUNT_STORE_MEMORY,
				   MENUS_DIR "/demo-data.yml", &err);
	if (store == NULL)
		fail_msg("%s", err);
	catalog = load(MENUS_DIR);
	memset(callers, 0, sizeof(callers));
	ncallers = 0;
	loop_worker_reset();
	flush_asked = false;
	strbuf_init(&transcript);
	env = (struct session_env){
		.accounts = loop_worker(),
		.room = chat_room_new(fake_clock, CHAT_RATE_DEFAULT,
				      CHAT_BURST_DEFAULT),
		.chat_idle = 30 * 60,
		.max_idle = SESSION_MAX_IDLE_DEFAULT,
		.operator_hash = operator_hash,
		.hub = { .wall = hub_wall, .list = hub_list },
	};
	chat_room_defer(env.room, schedule_flush, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* The calls still open end as the server stops. */
	for (size_t i = 0; i < ncallers; i++) {
		core_free(callers[i].core);
		strbuf_fini(&callers[i].got);
	}
	assert_int_equal(loop_worker_pending(), 0);
	chat_room_free(env.room);
	menu_catalog_unref(catalog);
	account_store_close(store);
	strbuf_fini(&transcript);
	return 0;
}

/* Every .in under tests/transcripts has its row here, and every row a file. */
static const char *const names[] = {
	"ayt",
	"big5",
	"chat_four_voices",
	"chat_join_leave",
	"chat_languages",
	"chat_redraw",
	"chat_three_encodings",
	"ctrl_c_char",
	"ctrl_c_line",
	"editing_char",
	"english",
	"enter_bytes",
	"gbk",
	"gbk_typed_ahead",
	"hangup_and_closed",
	"main_menu_char",
	"main_menu_line",
	"operator",
	"query_bad_entries",
	"query_char",
	"query_line",
	"query_locked",
	"recharge_amount_line",
	"recharge_card_char",
	"recharge_unknown_number",
	"reload_mid_menu",
	"shutdown",
	"split_iac",
	"timeouts",
	"too_long",
	"wire",
};

/* Whether name is a row of names[]. */
static bool is_listed(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return true;
	return false;
}

/* A script nobody runs would pass silently: each must be in names[]. */
static void every_script_is_run(void **state)
{
	DIR *dir = opendir(TRANSCRIPTS_DIR);
	struct dirent *de;
	size_t found = 0;

	(void)state;
	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 4 || strcmp(de->d_name + len - 3, ".in") != 0)
			continue;
		if (!is_listed(de->d_name, len - 3))
			fail_msg("%s is not in names[]", de->d_name);
		found++;
	}
	closedir(dir);
	assert_int_equal(found, ARRAY_LEN(names));
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_LEN(names) + 1];

	/* Timestamps must not depend on the machine. */
	setenv("TZ", "UTC", 1);
	trace_set_level(TRACE_ERROR);
	if (account_hash_password("teacher", operator_hash,
				  sizeof(operator_hash)) != 0)
		return 1;
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		tests[i] = (struct CMUnitTest){
			.name = names[i],
			.test_func = run_transcript,
			.setup_func = setup,
			.teardown_func = teardown,
			.initial_state = (void *)names[i],
		};
	tests[ARRAY_LEN(names)] = (struct CMUnitTest){
		.name = "every_script_is_run",
		.test_func = every_script_is_run,
	};
	return _cmocka_run_group_tests("transcripts", tests, ARRAY_LEN(tests),
				       NULL, NULL);
}
