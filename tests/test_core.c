/*
 * Unit tests for core: what the core promises its transport, seen from a
 * sink that records every call. The flows themselves are in the
 * transcript tests (test_transcripts.c); these check the plumbing: one
 * hand-off per call, a closed core refusing input, a failed sink closing
 * it once, output past the call's buffer kept whole and in order, long
 * chat lines shared, converted once per encoding and telnet-escaped, and
 * --trace changing nothing the caller gets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/core.h"
#include "log/trace.h"
#include "mem.h"
#include "menus.h"
#include "room/chat.h"
#include "strbuf.h"

/* What the sink saw. */
struct rec {
	struct strbuf got;
	int sends;  /* send and send_shared calls */
	int shared; /* send_shared calls */
	int closes;
	const char *reason;
	int fail_after; /* sends accepted before send fails; -1: never */
	bool reading;
	unsigned timer;
	/* The last send_shared: the message and the bytes handed over. */
	const struct chat_msg *shared_msg;
	const void *shared_data;
};

struct fixture {
	struct menu_catalog *catalog;
	struct chat_room *room;
	struct session_env env;
	struct rec rec;
	struct core *core;
};

static double fake_now = 1788249600.0;

static double fake_clock(void)
{
	return fake_now;
}

static int sink_send(void *ctx, const void *data, size_t len)
{
	struct rec *r = ctx;

	assert_int_equal(r->closes, 0);
	if (r->fail_after >= 0 && r->sends >= r->fail_after)
		return -1;
	r->sends++;
	strbuf_append(&r->got, data, len);
	return 0;
}

static int sink_send_shared(void *ctx, struct chat_msg *msg, const void *data,
			    size_t len)
{
	struct rec *r = ctx;

	r->shared++;
	r->shared_msg = msg;
	r->shared_data = data;
	return sink_send(ctx, data, len);
}

static void sink_send_now(void *ctx)
{
	(void)ctx;
}

static void sink_close(void *ctx, const char *reason)
{
	struct rec *r = ctx;

	r->closes++;
	r->reason = reason;
}

static void sink_set_reading(void *ctx, bool on)
{
	((struct rec *)ctx)->reading = on;
}

static void sink_set_timer(void *ctx, unsigned seconds)
{
	((struct rec *)ctx)->timer = seconds;
}

static bool sink_is_full(void *ctx)
{
	(void)ctx;
	return false;
}

static void sink_later(void *ctx)
{
	(void)ctx;
}

static void sink_describe(void *ctx, struct session_wire *w)
{
	(void)ctx;
	snprintf(w->local, sizeof(w->local), "192.0.2.1:5228");
	snprintf(w->peer, sizeof(w->peer), "192.0.2.2:40000");
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

/* A core on the default menus, started, with what it sent so far cleared. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->catalog = test_menus_load(MENUS_DIR);
	assert_non_null(f->catalog);
	f->room = chat_room_new(fake_clock, 0, 0);
	f->env.room = f->room;
	strbuf_init(&f->rec.got);
	f->rec.fail_after = -1;
	f->rec.reading = true;
	f->core = core_new(1, f->catalog, &f->env, &sink, &f->rec);
	core_start(f->core);
	assert_int_equal(f->rec.sends, 1); /* offers and menu: one hand-off */
	strbuf_reset(&f->rec.got);
	f->rec.sends = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	core_free(f->core);
	chat_room_free(f->room);
	menu_catalog_unref(f->catalog);
	strbuf_fini(&f->rec.got);
	free(f);
	return 0;
}

/* Feeds a NUL-terminated string. */
static int feed(struct fixture *f, const char *s)
{
	return core_feed(f->core, s, strlen(s));
}

/* The nth (from 1) occurrence of needle in s, or NULL. */
static const char *nth(const char *s, const char *needle, int n)
{
	const char *p = s;

	while ((p = strstr(p, needle)) != NULL && --n > 0)
		p++;
	return p;
}

/* A read of many keys, negotiation among them, reaches the sink once. */
static void test_one_hand_off_per_read(void **state)
{
	struct fixture *f = *state;
	const char *ayt, *menu2, *menu3;

	assert_int_equal(feed(f, "0\r\n\xff\xfd\x03"
				 "0\r\n\xff\xf6"
				 "0\r\n"),
			 0);
	assert_int_equal(f->rec.sends, 1);
	/* Three menus and the AYT answer between the second and the third. */
	ayt = strstr(f->rec.got.data, "[10086 在线]");
	menu2 = nth(f->rec.got.data, "请按键选择", 2);
	menu3 = nth(f->rec.got.data, "请按键选择", 3);
	assert_non_null(ayt);
	assert_non_null(menu3);
	assert_null(nth(f->rec.got.data, "请按键选择", 4));
	assert_true(menu2 < ayt && ayt < menu3);
}

/* Output past one call's buffer arrives whole and in order. */
static void test_long_output_is_whole(void **state)
{
	struct fixture *f = *state;
	struct strbuf one, many;

	strbuf_init(&one);
	strbuf_init(&many);
	assert_int_equal(feed(f, "0\n"), 0);
	strbuf_append(&one, f->rec.got.data, f->rec.got.len);
	strbuf_reset(&f->rec.got);
	f->rec.sends = 0;
	for (int i = 0; i < 40; i++)
		strbuf_append(&many, "0\n", 2);
	assert_int_equal(core_feed(f->core, many.data, many.len), 0);
	assert_true(f->rec.got.len > CORE_OUT_MAX);
	assert_int_equal(f->rec.got.len, 40 * one.len);
	for (int i = 0; i < 40; i++)
		assert_memory_equal(f->rec.got.data + (size_t)i * one.len,
				    one.data, one.len);
	strbuf_fini(&one);
	strbuf_fini(&many);
}

/* After the goodbye the core closes once and refuses what comes after. */
static void test_closed_refuses(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(feed(f, "3\n1\n"), 0);
	assert_true(core_is_closed(f->core));
	assert_int_equal(f->rec.closes, 1);
	assert_string_equal(f->rec.reason, "quit");
	assert_false(f->rec.reading);
	assert_non_null(strstr(f->rec.got.data, "再见"));
	/* The "1" after the goodbye was not acted on. */
	assert_null(strstr(f->rec.got.data, "手机号码"));
	f->rec.sends = 0;
	assert_int_equal(feed(f, "1\n"), -1);
	core_timer(f->core);
	core_notice(f->core, MENU_TEXT_RELOADED);
	core_shutdown(f->core);
	assert_int_equal(f->rec.sends, 0);
	assert_int_equal(f->rec.closes, 1);
}

/* A sink that fails closes the core once, wherever the failure came. */
static void test_failed_sink_closes_once(void **state)
{
	struct fixture *f = *state;

	f->rec.fail_after = 0;
	assert_int_equal(feed(f, "0\n0\n"), 0);
	assert_true(core_is_closed(f->core));
	assert_int_equal(f->rec.closes, 1);
	assert_string_equal(f->rec.reason, "output failed");
	assert_int_equal(f->rec.got.len, 0);
	assert_int_equal(feed(f, "0\n"), -1);
	assert_int_equal(f->rec.closes, 1);
}

/* A chat line over the copy size is shared with the sink, not copied. */
static void test_long_chat_line_is_shared(void **state)
{
	struct fixture *f = *state;
	struct rec other = { .fail_after = -1, .reading = true };
	struct core *b;
	char line[400];

	strbuf_init(&other.got);
	b = core_new(2, f->catalog, &f->env, &sink, &other);
	core_start(b);
	assert_int_equal(feed(f, "4\n"), 0);
	assert_int_equal(core_feed(b, "4\n", 2), 0);
	memset(line, 'x', sizeof(line) - 2);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	f->rec.shared = 0;
	assert_int_equal(core_feed(b, line, strlen(line)), 0);
	assert_int_equal(f->rec.shared, 1);
	/* A short one is copied. */
	assert_int_equal(core_feed(b, "hi\n", 3), 0);
	assert_int_equal(f->rec.shared, 1);
	assert_non_null(strstr(f->rec.got.data, "guest-2: hi"));
	core_free(b);
	strbuf_fini(&other.got);
}

/*
 * A room of UTF-8, GBK and Big5 members, two of each: a line is converted
 * once per encoding in use and the copy shared by every member in that
 * encoding; UTF-8 members get the line as formatted.
 */
static void test_chat_converted_once_per_encoding(void **state)
{
	/* Keys to the room: UTF-8, GBK (9 2), Big5 (9 5). */
	static const char *const enters[] = { "4\n", "9\n2\n4\n", "9\n5\n4\n" };
	struct fixture *f = *state;
	struct rec r[6];
	struct core *c[6];
	const struct chat_msg *msg;
	struct strbuf line;
	size_t nalt = 0;

	memset(r, 0, sizeof(r));
	for (size_t i = 0; i < ARRAY_LEN(c); i++) {
		r[i].fail_after = -1;
		r[i].reading = true;
		strbuf_init(&r[i].got);
		c[i] = core_new((unsigned)i + 2, f->catalog, &f->env, &sink,
				&r[i]);
		core_start(c[i]);
		assert_int_equal(core_feed(c[i], enters[i / 2],
					   strlen(enters[i / 2])),
				 0);
	}
	/* Long enough to be shared in GBK and Big5 too: "中文" 80 times. */
	strbuf_init(&line);
	for (int i = 0; i < 80; i++)
		strbuf_append_str(&line, "中文");
	strbuf_append_char(&line, '\n');
	assert_int_equal(feed(f, "4\n"), 0);
	assert_int_equal(feed(f, line.data), 0);
	msg = r[0].shared_msg;
	assert_non_null(msg);
	for (size_t i = 0; i < ARRAY_LEN(c); i++)
		assert_ptr_equal(r[i].shared_msg, msg);
	assert_ptr_equal(r[0].shared_data, msg->text);
	assert_ptr_equal(r[1].shared_data, msg->text);
	assert_ptr_equal(r[2].shared_data, r[3].shared_data);
	assert_ptr_equal(r[4].shared_data, r[5].shared_data);
	assert_ptr_not_equal(r[2].shared_data, r[4].shared_data);
	nalt = msg->n_renderings;
	assert_int_equal(nalt, 2);
	/* 中 and 文 in GBK and in Big5. */
	assert_non_null(
		memmem(r[2].got.data, r[2].got.len, "\xd6\xd0\xce\xc4", 4));
	assert_non_null(
		memmem(r[4].got.data, r[4].got.len, "\xa4\xa4\xa4\xe5", 4));
	for (size_t i = 0; i < ARRAY_LEN(c); i++) {
		core_free(c[i]);
		strbuf_fini(&r[i].got);
	}
	strbuf_fini(&line);
}

/*
 * The English menus with the language menu's key 3 switching to Latin-1
 * too, in a file of their own under /tmp (removed again). The caller
 * owns the catalog.
 */
static struct menu_catalog *load_latin1_menus(void)
{
	static const char from[] = "\"3\": {language: en}";
	static const char to[] = "\"3\": {language: en, charset: latin1}";
	char path[] = "/tmp/test_core.XXXXXX";
	struct menu_catalog *cat;
	struct strbuf text;
	char buf[4096];
	const char *at;
	size_t n;
	FILE *fp = fopen(MENUS_DIR "/en.yaml", "r");
	int fd;

	assert_non_null(fp);
	strbuf_init(&text);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_append(&text, buf, n);
	fclose(fp);
	at = strstr(text.data, from);
	assert_non_null(at);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fwrite(text.data, 1, (size_t)(at - text.data), fp);
	fputs(to, fp);
	fputs(at + strlen(from), fp);
	assert_int_equal(fclose(fp), 0);
	cat = test_menus_load(path);
	unlink(path);
	strbuf_fini(&text);
	assert_non_null(cat);
	return cat;
}

/*
 * Latin-1 writes "ÿ" as 0xff, telnet's IAC. A chat line is sent without
 * the telnet encoder, so the copy converted for Latin-1 members holds
 * IAC IAC, or the caller's telnet would take the rest for a command.
 */
static void test_converted_chat_doubles_iac(void **state)
{
	struct fixture *f = *state;
	struct menu_catalog *cat = load_latin1_menus();
	struct session_env env = { .room = f->room };
	struct rec a = { .fail_after = -1, .reading = true };
	struct rec b = { .fail_after = -1, .reading = true };
	struct core *ca, *cb;

	strbuf_init(&a.got);
	strbuf_init(&b.got);
	ca = core_new(2, cat, &env, &sink, &a);
	cb = core_new(3, cat, &env, &sink, &b);
	core_start(ca);
	core_start(cb);
	assert_int_equal(core_feed(ca, "9\n3\n4\n", 6), 0);
	assert_int_equal(core_feed(cb, "4\n", 2), 0);
	strbuf_reset(&a.got);
	/* "ÿ!" */
	assert_int_equal(core_feed(cb, "\xc3\xbf!\n", 4), 0);
	assert_non_null(memmem(a.got.data, a.got.len, ": \xff\xff!\r\n", 6));
	core_free(ca);
	core_free(cb);
	menu_catalog_unref(cat);
	strbuf_fini(&a.got);
	strbuf_fini(&b.got);
}

/* Character mode, the room, /op, /wire, GBK, the room again. */
static const char script[] = "\xff\xfd\x01\xff\xfd\x03"
			     "4"
			     "你好\r/op secret\r"
			     "/menu\r"
			     "8"
			     "92"
			     "4\xc4\xe3\xba\xc3\r"
			     "/quit\r"
			     "8";

/*
 * Runs script through a new core in a new room, in reads of chunk bytes,
 * --trace on or off (its view goes to /dev/null); out gets every byte.
 */
static void run_script(struct fixture *f, bool traced, size_t chunk,
		       struct strbuf *out)
{
	struct rec r = { .fail_after = -1, .reading = true };
	struct session_env env = { 0 };
	FILE *err = stderr;
	struct core *c;

	if (traced) {
		stderr = fopen("/dev/null", "w");
		assert_non_null(stderr);
		trace_wire_enable(TRACE_VIEW_FULL);
	}
	env.room = chat_room_new(fake_clock, 0, 0);
	strbuf_init(&r.got);
	c = core_new(1, f->catalog, &env, &sink, &r);
	core_start(c);
	for (size_t i = 0; i < sizeof(script) - 1; i += chunk) {
		size_t n = sizeof(script) - 1 - i;

		if (core_feed(c, script + i, n < chunk ? n : chunk) < 0)
			break;
	}
	assert_true(core_is_closed(c));
	core_free(c);
	chat_room_free(env.room);
	if (traced) {
		trace_wire = false;
		fclose(stderr);
		stderr = err;
	}
	strbuf_append(out, r.got.data, r.got.len);
	strbuf_fini(&r.got);
}

/* The same reads, traced or not: the same bytes out. */
static void test_trace_changes_nothing(void **state)
{
	static const size_t chunks[] = { 5, sizeof(script) };
	struct fixture *f = *state;

	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		struct strbuf plain, traced;

		strbuf_init(&plain);
		strbuf_init(&traced);
		run_script(f, false, chunks[i], &plain);
		run_script(f, true, chunks[i], &traced);
		assert_int_equal(traced.len, plain.len);
		assert_memory_equal(traced.data, plain.data, plain.len);
		/*
		 * It got as far as the GBK room, "你好" read as GBK even when
		 * it came in the read that switched to GBK.
		 */
		assert_non_null(
			memmem(plain.data, plain.len, "\xc4\xe3\xba\xc3", 4));
		strbuf_fini(&plain);
		strbuf_fini(&traced);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_hand_off_per_read,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_output_is_whole,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_refuses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failed_sink_closes_once,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_chat_line_is_shared,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_chat_converted_once_per_encoding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_converted_chat_doubles_iac,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_changes_nothing,
						setup, teardown),
	};

	setenv("TZ", "UTC", 1);
	trace_set_level(TRACE_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
