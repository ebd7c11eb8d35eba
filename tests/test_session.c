/*
 * Tests of the session state machine through a fake output sink: what the
 * caller would see, which input kind was asked for, the timer, the charset
 * and the close. Menus come from fixtures in tests/data/session.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <string.h>

#include <cmocka.h>

#include "mem.h"
#include "menus.h"
#include "session/session.h"
#include "session/session_table.h"
#include "strbuf.h"

struct sink {
	struct strbuf out;
	struct strbuf notices;
	struct session_env env;
	enum lineedit_input input;
	unsigned timer;
	int timer_sets;
	const struct charset *charset;
	int closes;
	int sends; /* send_now calls: a chat batch composed */
	const char *reason;
	struct menu_catalog *catalog;
	struct session *session;
	const char *agent; /* not NULL: a browser caller over WebSocket */
};

static void sink_write(void *ctx, const char *text, size_t len)
{
	strbuf_append(&((struct sink *)ctx)->out, text, len);
}

static void sink_set_input(void *ctx, enum lineedit_input input)
{
	((struct sink *)ctx)->input = input;
}

static void sink_set_timer(void *ctx, unsigned seconds)
{
	struct sink *k = ctx;

	k->timer = seconds;
	k->timer_sets++;
}

static void sink_set_charset(void *ctx, const struct charset *cs)
{
	((struct sink *)ctx)->charset = cs;
}

static void sink_notify(void *ctx, const char *text, size_t len)
{
	strbuf_append(&((struct sink *)ctx)->notices, text, len);
}

/* A room message as the caller would get it: worded for voice, if any. */
static void sink_deliver(void *ctx, struct chat_msg *msg, const void *voice)
{
	const struct chat_rendering *r =
		voice != NULL
			? chat_msg_rendering(msg, voice,
					     (int)charset_index(charset_utf8()))
			: NULL;

	assert_true(voice == NULL || r != NULL);
	if (r != NULL)
		strbuf_append(&((struct sink *)ctx)->out, r->bytes, r->len);
	else
		strbuf_append(&((struct sink *)ctx)->out, msg->text, msg->len);
}

static void sink_send_now(void *ctx)
{
	((struct sink *)ctx)->sends++;
}

static void sink_describe(void *ctx, struct session_wire *w)
{
	const struct sink *k = ctx;

	w->websocket = k->agent != NULL;
	snprintf(w->agent, sizeof(w->agent), "%s", k->agent ? k->agent : "");
	snprintf(w->local, sizeof(w->local), "127.0.0.1:5228");
	snprintf(w->peer, sizeof(w->peer), "127.0.0.1:40000");
	w->char_mode = true;
	snprintf(w->options, sizeof(w->options), "WILL ECHO, DO NAWS");
	w->width = 80;
	w->height = 24;
	snprintf(w->enter, sizeof(w->enter), "0d");
}

static void sink_close(void *ctx, const char *reason)
{
	struct sink *k = ctx;

	k->closes++;
	k->reason = reason;
}

/* Loads a fixture catalog; fails the test on any loader error. */
static struct menu_catalog *load_fixture(const char *path)
{
	struct menu_catalog *cat = test_menus_load(path);

	assert_non_null(cat);
	return cat;
}

/* The sink's side of a session, as conn.c's is for a socket. */
static struct session_io sink_io(struct sink *k)
{
	return (struct session_io){
		.ctx = k,
		.write = sink_write,
		.set_input = sink_set_input,
		.set_timer = sink_set_timer,
		.set_charset = sink_set_charset,
		.close = sink_close,
		.notify = sink_notify,
		.deliver = sink_deliver,
		.send_now = sink_send_now,
		.describe = sink_describe,
	};
}

static struct sink *sink_new(const char *path, struct chat_room *room)
{
	struct sink *k = xcalloc(1, sizeof(*k));
	struct session_io io = sink_io(k);

	strbuf_init(&k->out);
	strbuf_init(&k->notices);
	k->input = LINEEDIT_INPUT_TEXT; /* the session must ask for KEYS */
	k->catalog = load_fixture(path);
	k->env.room = room;
	k->env.chat_idle = 600;
	k->session = session_new(7, k->catalog, &k->env, &io);
	session_start(k->session);
	return k;
}

static void sink_free(struct sink *k)
{
	session_free(k->session);
	menu_catalog_unref(k->catalog);
	strbuf_fini(&k->out);
	strbuf_fini(&k->notices);
	free(k);
}

static int setup_path(void **state, const char *path)
{
	*state = sink_new(path, NULL);
	return 0;
}

static int setup(void **state)
{
	return setup_path(state, TEST_DATA_DIR "/session");
}

static int setup_single_file(void **state)
{
	return setup_path(state, TEST_DATA_DIR "/session/zh-CN.yaml");
}

static int teardown(void **state)
{
	sink_free(*state);
	return 0;
}

/* Two callers and the room they share; the clock is fixed at 12:00:00 UTC. */
struct pair {
	struct chat_room *room;
	struct sink *a, *b;
};

static double fixed_clock(void)
{
	return 1767268800.0; /* 2026-01-01 12:00:00 UTC */
}

static int setup_pair(void **state)
{
	struct pair *p = xcalloc(1, sizeof(*p));

	setenv("TZ", "UTC", 1);
	tzset();
	p->room = chat_room_new(fixed_clock, 0, 0);
	p->a = sink_new(TEST_DATA_DIR "/session", p->room);
	p->b = sink_new(TEST_DATA_DIR "/session", p->room);
	strbuf_reset(&p->a->out); /* the start menu */
	strbuf_reset(&p->b->out);
	*state = p;
	return 0;
}

static int teardown_pair(void **state)
{
	struct pair *p = *state;

	sink_free(p->a);
	sink_free(p->b);
	assert_int_equal(chat_room_count(p->room), 0);
	chat_room_free(p->room);
	free(p);
	return 0;
}

/* Returns what the caller saw since the last call, and forgets it. */
static char *take(struct sink *k)
{
	char *s = xstrndup(k->out.data ? k->out.data : "", k->out.len);

	strbuf_reset(&k->out);
	return s;
}

static void assert_saw(struct sink *k, const char *expected)
{
	char *got = take(k);

	assert_string_equal(got, expected);
	free(got);
}

static void key(struct sink *k, const char *s)
{
	session_on_key(k->session, s, strlen(s));
}

static void line(struct sink *k, const char *s)
{
	session_on_line(k->session, s, strlen(s));
}

static void test_start_shows_main_menu(void **state)
{
	struct sink *k = *state;

	assert_saw(k, "主菜单 10086\n");
	assert_int_equal(k->input, LINEEDIT_INPUT_KEYS);
	assert_int_equal(k->timer, 30);
	assert_int_equal(session_state(k->session), SESSION_MENU);
	assert_string_equal(session_menu(k->session)->name, "main");
}

static void test_quit_says_goodbye_and_closes(void **state)
{
	struct sink *k = *state;

	strbuf_reset(&k->out);
	key(k, "3");
	assert_saw(k, "再见\n");
	assert_int_equal(k->closes, 1);
	assert_string_equal(k->reason, "quit");
	assert_int_equal(k->timer, 0);
	assert_true(session_is_closing(k->session));
	/* Input after goodbye changes nothing. */
	key(k, "1");
	line(k, "2");
	session_on_timeout(k->session);
	assert_saw(k, "");
	assert_int_equal(k->closes, 1);
}

static void test_invalid_key_repeats_menu(void **state)
{
	struct sink *k = *state;

	strbuf_reset(&k->out);
	key(k, "7");
	assert_saw(k, "无效\n主菜单 10086\n");
	assert_int_equal(k->closes, 0);
}

static void test_max_failures_hangs_up(void **state)
{
	struct sink *k = *state;

	strbuf_reset(&k->out);
	key(k, "7");
	key(k, "6");
	strbuf_reset(&k->out);
	key(k, "x");
	assert_saw(k, "无效\n再见\n");
	assert_int_equal(k->closes, 1);
	assert_string_equal(k->reason, "too many invalid keys");
}

static void test_valid_key_resets_failures(void **state)
{
	struct sink *k = *state;

	key(k, "7");
	key(k, "7");
	key(k, "0"); /* repeat: valid */
	key(k, "7");
	key(k, "7");
	assert_int_equal(k->closes, 0);
	key(k, "7");
	assert_int_equal(k->closes, 1);
}

static void test_menu_invalid_text_overrides(void **state)
{
	struct sink *k = *state;

	key(k, "2");
	strbuf_reset(&k->out);
	key(k, "5");
	assert_saw(k, "子菜单无效\n子菜单\n");
}

static void test_timeout_reminds_then_hangs_up(void **state)
{
	struct sink *k = *state;

	strbuf_reset(&k->out);
	session_on_timeout(k->session);
	/* The menu is still on the screen: only the reminder. */
	assert_saw(k, "超时\n");
	assert_int_equal(k->closes, 0);
	assert_int_equal(k->timer, 30);
	session_on_timeout(k->session);
	assert_saw(k, "再见\n");
	assert_int_equal(k->closes, 1);
	assert_string_equal(k->reason, "timeout");
}

/* max_timeouts: 0 is a menu one listens at: one reminder, then quiet. */
static void test_listening_menu_reminds_once(void **state)
{
	struct sink *k = *state;

	key(k, "l");
	assert_string_equal(session_menu(k->session)->name, "listen");
	assert_int_equal(k->timer, 30);
	strbuf_reset(&k->out);
	session_on_timeout(k->session);
	assert_saw(k, "超时\n");
	assert_int_equal(k->timer, 0); /* no --max-idle here: nothing more */
	assert_int_equal(k->closes, 0);
	/* A key ends the silence: the next one is reminded again. */
	key(k, "0");
	assert_int_equal(k->timer, 30);
	session_on_timeout(k->session);
	assert_int_equal(k->timer, 0);
	assert_int_equal(k->closes, 0);
}

/* --max-idle: a call silent that long is closed, reminded or not. */
static void test_max_idle_ends_a_silent_call(void **state)
{
	struct sink *k = *state;

	k->env.max_idle = 100;
	key(k, "l");
	assert_int_equal(k->timer, 30);
	session_on_timeout(k->session);
	assert_int_equal(k->timer, 70); /* what is left of the 100 s */
	strbuf_reset(&k->out);
	session_on_timeout(k->session);
	assert_saw(k, "再见\n");
	assert_int_equal(k->closes, 1);
	assert_string_equal(k->reason, "silent too long");
}

/* Input that changes nothing still ends the silence. */
static void test_ignored_input_restarts_the_silence(void **state)
{
	struct sink *k = *state;

	k->env.max_idle = 100;
	key(k, "l");
	session_on_timeout(k->session);
	assert_int_equal(k->timer, 70);
	line(k, ""); /* an empty line at a menu is ignored */
	assert_int_equal(k->timer, 30);
	session_on_timeout(k->session);
	session_on_timeout(k->session);
	assert_int_equal(k->closes, 1);
	assert_string_equal(k->reason, "silent too long");
}

/* A menu without a timeout waits for --max-idle alone. */
static void test_max_idle_where_no_timeout(void **state)
{
	struct sink *k = *state;

	k->env.max_idle = 100;
	key(k, "2");
	assert_string_equal(session_menu(k->session)->name, "sub");
	assert_int_equal(k->timer, 100);
	session_on_timeout(k->session);
	assert_int_equal(k->closes, 1);
}

static void test_input_resets_timeouts(void **state)
{
	struct sink *k = *state;

	session_on_timeout(k->session);
	line(k, ""); /* any input shows the caller is there */
	session_on_timeout(k->session);
	assert_int_equal(k->closes, 0);
}

static void test_menu_timeout_zero_disarms(void **state)
{
	struct sink *k = *state;

	key(k, "2");
	assert_string_equal(session_menu(k->session)->name, "sub");
	assert_int_equal(k->timer, 0);
	key(k, "*");
	assert_int_equal(k->timer, 30);
}

static void test_goto_back_home(void **state)
{
	struct sink *k = *state;

	key(k, "2");
	key(k, "1");
	strbuf_reset(&k->out);
	assert_string_equal(session_menu(k->session)->name, "deep");
	key(k, "*");
	assert_saw(k, "子菜单\n");
	key(k, "1");
	strbuf_reset(&k->out);
	key(k, "#");
	assert_saw(k, "主菜单 10086\n");
	/* Back at the start menu stays there. */
	key(k, "*");
	assert_saw(k, "主菜单 10086\n");
}

static void test_lines_act_like_keys(void **state)
{
	struct sink *k = *state;

	strbuf_reset(&k->out);
	line(k, "");
	line(k, "   ");
	assert_saw(k, "");
	line(k, " 2 ");
	assert_saw(k, "子菜单\n");
	line(k, "12");
	assert_saw(k, "子菜单无效\n子菜单\n");
	line(k, "你");
	assert_saw(k, "子菜单无效\n子菜单\n");
}

static void test_flow_not_available_yet(void **state)
{
	struct sink *k = *state;

	strbuf_reset(&k->out);
	key(k, "1");
	assert_saw(k, "未开通\n主菜单 10086\n");
	key(k, "4");
	assert_saw(k, "未开通\n主菜单 10086\n");
	assert_int_equal(k->closes, 0);
}

static void test_language_switch(void **state)
{
	struct sink *k = *state;

	key(k, "9");
	strbuf_reset(&k->out);
	key(k, "3");
	assert_saw(k, "main menu 10086\n");
	assert_string_equal(session_set(k->session)->language, "en");
	key(k, "3");
	assert_saw(k, "bye\n");
}

static void test_charset_switch(void **state)
{
	struct sink *k = *state;
	const struct charset *gbk = NULL;

	assert_int_equal(charset_lookup("gbk", &gbk), CHARSET_OK);
	key(k, "9");
	key(k, "2");
	assert_ptr_equal(k->charset, gbk);
	assert_ptr_equal(session_charset(k->session), gbk);
	assert_string_equal(session_menu(k->session)->name, "main");
	key(k, "9");
	key(k, "3"); /* English keeps the charset */
	assert_ptr_equal(session_charset(k->session), gbk);
	key(k, "9");
	key(k, "1");
	assert_ptr_equal(k->charset, charset_utf8());
	assert_string_equal(session_set(k->session)->language, "zh-CN");
}

static void test_unknown_language_is_unavailable(void **state)
{
	struct sink *k = *state;

	key(k, "9");
	strbuf_reset(&k->out);
	key(k, "3"); /* en is not loaded from a single file */
	assert_saw(k, "未开通\n语言\n");
	assert_string_equal(session_set(k->session)->language, "zh-CN");
}

static void test_too_long_goes_on(void **state)
{
	struct sink *k = *state;

	strbuf_reset(&k->out);
	session_on_too_long(k->session);
	assert_saw(k, "太长\n主菜单 10086\n");
	key(k, "3");
	assert_int_equal(k->closes, 1);
}

static void test_hangup_and_shutdown(void **state)
{
	struct sink *k = *state;

	strbuf_reset(&k->out);
	session_shutdown(k->session);
	assert_saw(k, "关闭\n");
	assert_string_equal(k->reason, "shutdown");
	session_hangup(k->session, "ctrl-c");
	assert_saw(k, "");
	assert_int_equal(k->closes, 1);
}

static void test_hangup_says_goodbye(void **state)
{
	struct sink *k = *state;

	strbuf_reset(&k->out);
	session_hangup(k->session, "interrupt");
	assert_saw(k, "再见\n");
	assert_string_equal(k->reason, "interrupt");
}

static void test_reload_keeps_or_moves_caller(void **state)
{
	struct sink *k = *state;
	struct menu_catalog *next = load_fixture(TEST_DATA_DIR
						 "/session_reload");

	/* At "lang", which still exists: silently kept, new text next time. */
	key(k, "9");
	strbuf_reset(&k->out);
	session_set_catalog(k->session, next);
	assert_saw(k, "");
	assert_string_equal(session_menu(k->session)->name, "lang");
	key(k, "*");
	assert_saw(k, "新主菜单\n");
	menu_catalog_unref(next);
}

static void test_reload_menu_gone(void **state)
{
	struct sink *k = *state;
	struct menu_catalog *next = load_fixture(TEST_DATA_DIR
						 "/session_reload");

	key(k, "2");
	strbuf_reset(&k->out);
	session_set_catalog(k->session, next);
	assert_saw(k, "菜单已变\n新主菜单\n");
	assert_string_equal(session_menu(k->session)->name, "main");
	/* The old catalog may go away now; the session holds the new one. */
	menu_catalog_unref(next);
	key(k, "3");
	assert_saw(k, "再见\n");
}

static void test_chat_enter_and_talk(void **state)
{
	struct pair *p = *state;

	key(p->a, "4");
	assert_saw(p->a, "CHAT_BANNER guest-1\n");
	assert_int_equal(p->a->input, LINEEDIT_INPUT_TEXT);
	/* the warning comes a minute early */
	assert_int_equal(p->a->timer, 540);
	key(p->b, "4");
	assert_saw(p->a, "JOINED guest-2\r\n");
	assert_saw(p->b, "CHAT_BANNER guest-2\n");
	line(p->a, "你好");
	assert_saw(p->b, "[12:00:00] guest-1: 你好\r\n");
	assert_saw(p->a, "");
	line(p->b, "/me waves");
	assert_saw(p->a, "[12:00:00] * guest-2 waves\r\n");
	line(p->a, "");
	assert_saw(p->b, "");
}

/* chat_schedule_fn: the loop, reduced to a flag. */
static void note_flush(void *ctx)
{
	*(bool *)ctx = true;
}

/*
 * With the room holding lines for the loop's flush, as hotlined runs it: a
 * line reaches the other member at the flush, and the session then asks
 * its connection to send the batch at once; joins are not held.
 */
static void test_chat_deferred_batch_sent(void **state)
{
	struct pair *p = *state;
	bool asked = false;

	chat_room_defer(p->room, note_flush, &asked);
	key(p->a, "4");
	key(p->b, "4");
	assert_saw(p->a, "CHAT_BANNER guest-1\nJOINED guest-2\r\n");
	assert_saw(p->b, "CHAT_BANNER guest-2\n");
	assert_false(asked);
	line(p->a, "one");
	line(p->a, "two");
	assert_true(asked);
	assert_saw(p->b, "");
	assert_int_equal(p->b->sends, 0);
	chat_room_flush(p->room);
	assert_saw(p->b, "[12:00:00] guest-1: one\r\n"
			 "[12:00:00] guest-1: two\r\n");
	assert_int_equal(p->b->sends, 1);
	assert_int_equal(p->a->sends, 0);
	assert_saw(p->a, "");
}

static void test_chat_newcomer_sees_history_after_banner(void **state)
{
	struct pair *p = *state;

	key(p->a, "4");
	line(p->a, "one");
	line(p->a, "two");
	strbuf_reset(&p->a->out);
	key(p->b, "4");
	assert_saw(p->b, "CHAT_BANNER guest-2\n"
			 "[12:00:00] guest-1: one\r\n"
			 "[12:00:00] guest-1: two\r\n");
}

static void test_chat_commands(void **state)
{
	struct pair *p = *state;

	key(p->a, "4");
	key(p->b, "4");
	strbuf_reset(&p->a->out);
	strbuf_reset(&p->b->out);
	line(p->a, "/nick 小明");
	assert_saw(p->a, "RENAMED guest-1 小明\r\n");
	assert_saw(p->b, "RENAMED guest-1 小明\r\n");
	line(p->b, "/nick 小明");
	assert_saw(p->b, "CHAT_NICK_TAKEN 小明\n");
	line(p->b, "/nick bad name!");
	assert_saw(p->b, "CHAT_BAD_NICK\n");
	line(p->b, "/nick");
	assert_saw(p->b, "CHAT_USAGE SYNTAX_NICK\n");
	line(p->b, "/msg 小明 psst");
	assert_saw(p->b, "CHAT_SENT 小明\n");
	assert_saw(p->a, "PRIVATE 12:00:00 guest-2 psst\r\n");
	line(p->b, "/msg nobody hi");
	assert_saw(p->b, "CHAT_NO_SUCH_NICK nobody\n");
	line(p->b, "/msg 小明");
	assert_saw(p->b, "CHAT_USAGE SYNTAX_MSG\n");
	line(p->b, "/dance \x1b[31m");
	assert_saw(p->b, "CHAT_UNKNOWN /dance\n");
	line(p->b, "/help");
	assert_saw(p->b, "CHAT_HELP\n");
	line(p->b, "/who");
	assert_saw(p->b, "WHO 2\nROW guest-2|0s\nROW 小明   |0s\n");
	assert_saw(p->a, "");
}

static void test_chat_menu_and_quit(void **state)
{
	struct pair *p = *state;

	key(p->a, "4");
	key(p->b, "4");
	strbuf_reset(&p->a->out);
	strbuf_reset(&p->b->out);
	line(p->b, "/menu");
	assert_saw(p->a, "LEFT guest-2 MENU\r\n");
	assert_saw(p->b, "主菜单 10086\n");
	assert_int_equal(p->b->input, LINEEDIT_INPUT_KEYS);
	assert_int_equal(chat_room_count(p->room), 1);
	line(p->a, "/quit");
	assert_saw(p->a, "再见\n");
	assert_int_equal(p->a->closes, 1);
	assert_int_equal(chat_room_count(p->room), 0);
}

static void test_chat_hangup_announced(void **state)
{
	struct pair *p = *state;
	struct session_io io = sink_io(p->a);

	key(p->a, "4");
	key(p->b, "4");
	strbuf_reset(&p->a->out);
	session_hangup(p->b->session, "interrupt");
	assert_saw(p->a, "LEFT guest-2 HUNG_UP\r\n");
	/* A conn torn down without a goodbye still leaves the room. */
	session_free(p->a->session);
	p->a->session = session_new(8, p->a->catalog, &p->a->env, &io);
	assert_int_equal(chat_room_count(p->room), 0);
}

static void test_chat_idle_warning_then_goodbye(void **state)
{
	struct pair *p = *state;

	key(p->a, "4");
	strbuf_reset(&p->a->out);
	session_on_timeout(p->a->session);
	assert_saw(p->a, "CHAT_IDLE_WARNING\n");
	assert_int_equal(p->a->timer, 60);
	assert_int_equal(p->a->closes, 0);
	line(p->a, "still here");
	assert_int_equal(p->a->timer, 540);
	session_on_timeout(p->a->session);
	session_on_timeout(p->a->session);
	assert_saw(p->a, "CHAT_IDLE_WARNING\n再见\n");
	assert_string_equal(p->a->reason, "idle");
}

static void test_chat_drop_slow_reader(void **state)
{
	struct pair *p = *state;

	key(p->a, "4");
	key(p->b, "4");
	strbuf_reset(&p->a->out);
	strbuf_reset(&p->b->out);
	session_drop_slow_reader(p->b->session);
	assert_saw(p->a, "LEFT guest-2 SLOW\r\n");
	assert_saw(p->b, "CHAT_REMOVED\n主菜单 10086\n");
	assert_int_equal(session_state(p->b->session), SESSION_MENU);
}

static void test_chat_too_long_and_flood(void **state)
{
	struct pair *p = *state;
	char big[600];

	key(p->a, "4");
	key(p->b, "4");
	strbuf_reset(&p->b->out);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	line(p->a, big);
	assert_saw(p->a,
		   "CHAT_BANNER guest-1\nJOINED guest-2\r\nCHAT_TOO_LONG\n");
	assert_saw(p->b, "");
}

static void test_notice_reaches_menu_and_chat(void **state)
{
	struct pair *p = *state;

	key(p->a, "4");
	session_notice(p->a->session, MENU_TEXT_MENU_GONE);
	session_notice(p->b->session, MENU_TEXT_MENU_GONE);
	/* The test menus leave this optional text out: nothing is shown. */
	session_notice(p->b->session, MENU_TEXT_RELOADED);
	assert_string_equal(p->a->notices.data, "菜单已变\n");
	assert_string_equal(p->b->notices.data, "菜单已变\n");
}

/* Every state has a whole row: a name, enter, input and timeout. */
static void test_state_table_rows_whole(void **state)
{
	(void)state;
	for (unsigned i = 0; i < SESSION_STATE_COUNT; i++) {
		const struct session_state_ops *row = session_state_row(i);

		assert_non_null(row);
		assert_non_null(row->name);
		assert_string_equal(session_state_name(i), row->name);
		assert_non_null(row->enter);
		assert_non_null(row->on_input);
		assert_non_null(row->on_timeout);
	}
	assert_null(session_state_row(SESSION_STATE_COUNT));
	assert_null(session_state_row(SESSION_STAY));
	/* The room is left, and the worker given up on, by exit hooks. */
	assert_non_null(session_state_row(SESSION_CHAT)->exit);
	assert_non_null(session_state_row(SESSION_OP_PASSWORD)->exit);
	assert_non_null(session_state_row(SESSION_WAIT)->exit);
}

/* A caller with the real account store and worker behind it. */
struct bank {
	struct event_base *base;
	struct account_worker *worker;
	char db[64];
	struct sink *k;
};

static int setup_bank(void **state)
{
	struct bank *b = xcalloc(1, sizeof(*b));
	char *err = NULL;
	struct account_store *st;
	int fd;

	snprintf(b->db, sizeof(b->db), "/tmp/hotline-session-XXXXXX");
	fd = mkstemp(b->db);
	assert_true(fd >= 0);
	close(fd);
	unlink(b->db); /* the store creates it, 0600, and seeds it */
	st = account_store_open(b->db, MENUS_DIR "/demo-data.yml", &err);
	assert_non_null(st);
	b->base = event_base_new();
	b->worker = account_worker_new(b->base, st);
	b->k = sink_new(TEST_DATA_DIR "/session", NULL);
	b->k->env.accounts = b->worker;
	strbuf_reset(&b->k->out);
	*state = b;
	return 0;
}

static int teardown_bank(void **state)
{
	struct bank *b = *state;
	char path[80];

	sink_free(b->k);
	account_worker_free(b->worker);
	event_base_free(b->base);
	unlink(b->db);
	snprintf(path, sizeof(path), "%s-wal", b->db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", b->db);
	unlink(path);
	free(b);
	return 0;
}

/* Runs the loop until the session stops waiting for the store (bounded). */
static void pump(struct bank *b)
{
	for (int i = 0; i < 500 && session_state(b->k->session) == SESSION_WAIT;
	     i++) {
		struct timeval tv = { .tv_sec = 0, .tv_usec = 10000 };

		event_base_loopexit(b->base, &tv);
		event_base_dispatch(b->base);
	}
	assert_int_not_equal(session_state(b->k->session), SESSION_WAIT);
}

/* Logs in as 张三 and lands on the account menu. */
static void login(struct bank *b, const char *password)
{
	key(b->k, "1");
	assert_saw(b->k, "QUERY_NUMBER\n");
	line(b->k, "13800138000");
	assert_saw(b->k, "QUERY_PASSWORD\n");
	assert_int_equal(b->k->input, LINEEDIT_INPUT_SECRET);
	line(b->k, password);
	assert_int_equal(session_state(b->k->session), SESSION_WAIT);
	pump(b);
}

static void test_query_balance_usage_plan_recent(void **state)
{
	struct bank *b = *state;

	login(b, "123456");
	assert_saw(b->k, "账户\n");
	assert_int_equal(b->k->input, LINEEDIT_INPUT_KEYS);
	key(b->k, "1");
	pump(b);
	assert_saw(b->k, "ACCOUNT_BALANCE 张三 138****8000 88.50\n账户\n");
	key(b->k, "2");
	pump(b);
	assert_saw(b->k, "ACCOUNT_USAGE 1536/3072 126/300\n账户\n");
	key(b->k, "3");
	pump(b);
	assert_saw(b->k, "ACCOUNT_PLAN 4G 飞享套餐 38 元 38.00\n账户\n");
	key(b->k, "4");
	pump(b);
	char *got = take(b->k);
	assert_non_null(
		strstr(got, "ACCOUNT_RECENT\nACCOUNT_RECENT_ITEM 2025-05-"));
	assert_non_null(strstr(got, " 30.00 METHOD_AMOUNT\n"));
	assert_non_null(strstr(got, " 50.00 METHOD_CARD\n"));
	free(got);
	/* Back goes to the menu the query started from. */
	key(b->k, "*");
	assert_saw(b->k, "主菜单 10086\n");
}

static void test_low_balance_reminder(void **state)
{
	struct bank *b = *state;

	key(b->k, "1");
	line(b->k, "13900139000");
	line(b->k, "654321");
	pump(b);
	strbuf_reset(&b->k->out);
	key(b->k, "1");
	pump(b);
	assert_saw(b->k, "ACCOUNT_BALANCE 李四 139****9000 5.00\n"
			 "ACCOUNT_LOW_BALANCE\n账户\n");
}

static void test_wrong_password_then_lock(void **state)
{
	struct bank *b = *state;

	login(b, "000000");
	assert_saw(b->k, "QUERY_WRONG\nQUERY_NUMBER\n");
	line(b->k, "13800138000");
	line(b->k, "12"); /* malformed counts as wrong, without a lookup */
	pump(b);
	assert_saw(b->k, "QUERY_PASSWORD\nQUERY_WRONG\nQUERY_NUMBER\n");
	line(b->k, "13800138000");
	line(b->k, "1234567");
	pump(b);
	/* The menu's max_failures (3) wrong entries in a row: goodbye. */
	assert_saw(b->k, "QUERY_PASSWORD\nQUERY_WRONG\n再见\n");
	assert_string_equal(b->k->reason, "too many invalid entries");
}

static void test_lock_after_three_wrong(void **state)
{
	struct bank *b = *state;

	for (int i = 0; i < 2; i++) {
		login(b, "999999");
		key(b->k, "*"); /* back to the menu */
		strbuf_reset(&b->k->out);
	}
	strbuf_reset(&b->k->out);
	login(b, "999999");
	/* Third wrong password: the store locks the number for ten minutes. */
	assert_saw(b->k, "QUERY_LOCKED 10\n主菜单 10086\n");
	login(b, "123456");
	assert_saw(b->k, "QUERY_LOCKED 10\n主菜单 10086\n");
}

static void test_bad_number_and_navigation(void **state)
{
	struct bank *b = *state;

	key(b->k, "1");
	strbuf_reset(&b->k->out);
	line(b->k, "12345");
	assert_saw(b->k, "BAD_NUMBER\nQUERY_NUMBER\n");
	line(b->k, "");
	assert_saw(b->k, "");
	line(b->k, "#");
	assert_saw(b->k, "主菜单 10086\n");
	key(b->k, "2");
	line(b->k, "*");
	assert_int_equal(session_state(b->k->session), SESSION_MENU);
}

static void test_recharge_card_once(void **state)
{
	struct bank *b = *state;

	key(b->k, "5");
	assert_saw(b->k, "RECHARGE_NUMBER\n");
	line(b->k, "13700137000");
	pump(b);
	assert_saw(b->k, "充值\n");
	key(b->k, "1");
	assert_saw(b->k, "RECHARGE_CARD\n");
	line(b->k, "5555 6666 7777 8888");
	pump(b);
	assert_saw(b->k, "RECHARGE_DONE 100.00 137****7000 100.00\n充值\n");
	key(b->k, "1");
	line(b->k, "5555666677778888");
	pump(b);
	assert_saw(b->k, "RECHARGE_CARD\nRECHARGE_CARD_USED\n充值\n");
	key(b->k, "1");
	line(b->k, "1234123412341234");
	pump(b);
	assert_saw(b->k,
		   "RECHARGE_CARD\nRECHARGE_CARD_UNKNOWN\nRECHARGE_CARD\n");
	line(b->k, "12");
	assert_saw(b->k, "RECHARGE_BAD_CARD\nRECHARGE_CARD\n");
}

static void test_recharge_amount_confirm_cancel(void **state)
{
	struct bank *b = *state;

	key(b->k, "5");
	line(b->k, "13700137001"); /* valid form, no such account */
	pump(b);
	assert_saw(b->k,
		   "RECHARGE_NUMBER\nRECHARGE_NO_ACCOUNT\nRECHARGE_NUMBER\n");
	line(b->k, "13700137000");
	pump(b);
	key(b->k, "2");
	strbuf_reset(&b->k->out);
	line(b->k, "501");
	assert_saw(b->k, "RECHARGE_BAD_AMOUNT\nRECHARGE_AMOUNT\n");
	/* the second refusal; a third would hang up */
	line(b->k, "12345678901234567890");
	assert_saw(b->k, "RECHARGE_BAD_AMOUNT\nRECHARGE_AMOUNT\n");
	line(b->k, "500");
	assert_saw(b->k, "RECHARGE_CONFIRM 500.00 137****7000\n");
	key(b->k, "2");
	assert_saw(b->k, "RECHARGE_CANCELLED\n充值\n");
	key(b->k, "2");
	line(b->k, "20");
	key(b->k, "1");
	pump(b);
	assert_saw(b->k, "RECHARGE_AMOUNT\nRECHARGE_CONFIRM 20.00 137****7000\n"
			 "RECHARGE_DONE 20.00 137****7000 20.00\n充值\n");
}

static void test_typed_ahead_input_is_kept(void **state)
{
	struct bank *b = *state;

	/* A pipe sends every line at once: nothing typed ahead is lost. */
	key(b->k, "1");
	line(b->k, "13800138000");
	line(b->k, "123456");
	line(b->k, "1");
	line(b->k, "3");
	strbuf_reset(&b->k->out);
	pump(b);
	pump(b);
	assert_saw(b->k, "账户\nACCOUNT_BALANCE 张三 138****8000 88.50\n账户\n"
			 "ACCOUNT_PLAN 4G 飞享套餐 38 元 38.00\n账户\n");
}

static void test_typed_ahead_hang_up_drops_the_rest(void **state)
{
	struct bank *b = *state;

	/* printf '1\n13800138000\n123456\n1\n#\n3\n1\n' | hotline */
	key(b->k, "1");
	line(b->k, "13800138000");
	line(b->k, "123456");
	line(b->k, "1");
	line(b->k, "#");
	line(b->k, "3");
	line(b->k, "1");
	strbuf_reset(&b->k->out);
	pump(b);
	pump(b);
	assert_saw(b->k, "账户\nACCOUNT_BALANCE 张三 138****8000 88.50\n账户\n"
			 "主菜单 10086\n再见\n");
	assert_int_equal(b->k->closes, 1);
	assert_int_equal(session_state(b->k->session), SESSION_CLOSING);
}

static void test_hangup_while_waiting(void **state)
{
	struct bank *b = *state;

	key(b->k, "5");
	line(b->k, "13700137000");
	assert_int_equal(session_state(b->k->session), SESSION_WAIT);
	session_hangup(b->k->session, "interrupt");
	/* The answer comes, but the session no longer wants it. */
	for (int i = 0; i < 20; i++) {
		struct timeval tv = { .tv_sec = 0, .tv_usec = 10000 };

		event_base_loopexit(b->base, &tv);
		event_base_dispatch(b->base);
	}
	assert_int_equal(session_state(b->k->session), SESSION_CLOSING);
	assert_saw(b->k, "RECHARGE_NUMBER\n再见\n");
}

static void test_chat_nick_after_login(void **state)
{
	struct bank *b = *state;
	struct chat_room *room = chat_room_new(fixed_clock, 0, 0);

	b->k->env.room = room;
	login(b, "123456");
	key(b->k, "#");
	strbuf_reset(&b->k->out);
	key(b->k, "4");
	assert_saw(b->k, "CHAT_BANNER 138****8000\n");
	line(b->k, "/quit");
	chat_room_free(room);
}

static void test_wire_from_menu_and_chat(void **state)
{
	struct pair *p = *state;

	key(p->a, "8");
	assert_saw(p->a,
		   "WIRE 127.0.0.1:5228 127.0.0.1:40000 telnet - character "
		   "WILL ECHO, DO NAWS - 80x24 0d - utf-8\n主菜单 10086\n");
	key(p->a, "4");
	strbuf_reset(&p->a->out);
	line(p->a, "/wire");
	assert_saw(p->a, "WIRE 127.0.0.1:5228 127.0.0.1:40000 telnet - "
			 "character WILL ECHO, DO NAWS - 80x24 0d - utf-8\n");
}

/* A browser caller: /wire names the WebSocket and the browser. */
static void test_wire_websocket(void **state)
{
	struct pair *p = *state;

	p->a->agent = "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120";
	key(p->a, "8");
	assert_saw(p->a, "WIRE 127.0.0.1:5228 127.0.0.1:40000 websocket "
			 "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120 "
			 "character WILL ECHO, DO NAWS - 80x24 0d - utf-8\n"
			 "主菜单 10086\n");
}

/* Typing a number: the menu's input_ numbers, the prompt asked again. */
static void test_prompt_silence(void **state)
{
	struct bank *b = *state;
	struct sink *k = b->k;

	key(k, "1");
	assert_int_equal(session_state(k->session), SESSION_QUERY_NUMBER);
	assert_int_equal(k->timer, 30);
	strbuf_reset(&k->out);
	k->timer = 0;
	session_on_timeout(k->session);
	assert_saw(k, "超时\nQUERY_NUMBER\n");
	assert_int_equal(k->timer, 30); /* armed again for the next one */
	session_on_timeout(k->session);
	assert_int_equal(k->closes, 1);
	assert_string_equal(k->reason, "timeout");
}

static void test_prompt_silence_input_numbers(void **state)
{
	struct bank *b = *state;
	struct sink *k = b->k;

	key(k, "l");
	key(k, "1");
	assert_int_equal(session_state(k->session), SESSION_QUERY_NUMBER);
	assert_int_equal(k->timer, 20);
	session_on_timeout(k->session);
	assert_int_equal(k->closes, 1);
	assert_string_equal(k->reason, "timeout");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_table_rows_whole),
		cmocka_unit_test_setup_teardown(test_start_shows_main_menu,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_quit_says_goodbye_and_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_key_repeats_menu,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_failures_hangs_up,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_valid_key_resets_failures,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_menu_invalid_text_overrides,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_timeout_reminds_then_hangs_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_resets_timeouts,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_listening_menu_reminds_once,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_idle_ends_a_silent_call,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_ignored_input_restarts_the_silence, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_max_idle_where_no_timeout,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_prompt_silence, setup_bank,
						teardown_bank),
		cmocka_unit_test_setup_teardown(
			test_prompt_silence_input_numbers, setup_bank,
			teardown_bank),
		cmocka_unit_test_setup_teardown(test_menu_timeout_zero_disarms,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_goto_back_home, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lines_act_like_keys, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flow_not_available_yet,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_language_switch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_charset_switch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_unknown_language_is_unavailable, setup_single_file,
			teardown),
		cmocka_unit_test_setup_teardown(test_too_long_goes_on, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hangup_and_shutdown, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hangup_says_goodbye, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_reload_keeps_or_moves_caller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_menu_gone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_chat_enter_and_talk,
						setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(
			test_chat_newcomer_sees_history_after_banner,
			setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(test_chat_deferred_batch_sent,
						setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(test_chat_commands, setup_pair,
						teardown_pair),
		cmocka_unit_test_setup_teardown(test_chat_menu_and_quit,
						setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(test_chat_hangup_announced,
						setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(
			test_chat_idle_warning_then_goodbye, setup_pair,
			teardown_pair),
		cmocka_unit_test_setup_teardown(test_chat_drop_slow_reader,
						setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(test_chat_too_long_and_flood,
						setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(
			test_notice_reaches_menu_and_chat, setup_pair,
			teardown_pair),
		cmocka_unit_test_setup_teardown(test_wire_websocket, setup_pair,
						teardown_pair),
		cmocka_unit_test_setup_teardown(test_wire_from_menu_and_chat,
						setup_pair, teardown_pair),
		cmocka_unit_test_setup_teardown(
			test_query_balance_usage_plan_recent, setup_bank,
			teardown_bank),
		cmocka_unit_test_setup_teardown(test_low_balance_reminder,
						setup_bank, teardown_bank),
		cmocka_unit_test_setup_teardown(test_wrong_password_then_lock,
						setup_bank, teardown_bank),
		cmocka_unit_test_setup_teardown(test_lock_after_three_wrong,
						setup_bank, teardown_bank),
		cmocka_unit_test_setup_teardown(test_bad_number_and_navigation,
						setup_bank, teardown_bank),
		cmocka_unit_test_setup_teardown(test_recharge_card_once,
						setup_bank, teardown_bank),
		cmocka_unit_test_setup_teardown(
			test_recharge_amount_confirm_cancel, setup_bank,
			teardown_bank),
		cmocka_unit_test_setup_teardown(test_typed_ahead_input_is_kept,
						setup_bank, teardown_bank),
		cmocka_unit_test_setup_teardown(
			test_typed_ahead_hang_up_drops_the_rest, setup_bank,
			teardown_bank),
		cmocka_unit_test_setup_teardown(test_hangup_while_waiting,
						setup_bank, teardown_bank),
		cmocka_unit_test_setup_teardown(test_chat_nick_after_login,
						setup_bank, teardown_bank),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
