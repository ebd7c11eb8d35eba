/*
 * End-to-end tests: a real hotlined on a free loopback port, real sockets,
 * talked to as a raw socket (line mode, like nc) and as a client that
 * negotiates character mode (like Linux telnet). Every wait is bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <crypt.h>
#include <iconv.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"
#include "net/conn.h"
#include "store/account.h"

#define GOODBYE_ZH "感谢您的来电,再见!"

/* What inetutils telnet answers to our offers (TELNET-NOTES.md). */
static const char telnet_answers[] =
	"\xff\xfd\x01"                         /* DO ECHO */
	"\xff\xfd\x03"                         /* DO SGA */
	"\xff\xfb\x1f"                         /* WILL NAWS */
	"\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0" /* SB NAWS 80x24 SE */
	"\xff\xfd\x00"                         /* DO BINARY */
	"\xff\xfb\x00";                        /* WILL BINARY */

struct fixture {
	struct e2e_server srv;
	char dir[64]; /* temporary menus, when the test needs its own */
	int fd;
	struct strbuf got;
};

/* Starts hotlined on menus (NULL: e2e_quick_menus) with one more option. */
static int start_with(void **state, const char *menus, const char *opt,
		      const char *value)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *args[] = { "--menus", menus, opt, value, NULL };

	strbuf_init(&f->got);
	f->fd = -1;
	if (menus == NULL) {
		if (e2e_quick_menus(f->dir, sizeof(f->dir)) < 0)
			return -1;
		args[1] = f->dir;
	}
	*state = f;
	return e2e_server_start(&f->srv, args);
}

static int setup(void **state)
{
	return start_with(state, MENUS_DIR, NULL, NULL);
}

static int setup_quick(void **state)
{
	return start_with(state, NULL, NULL, NULL);
}

static int setup_quick_max_idle(void **state)
{
	return start_with(state, NULL, "--max-idle", "3");
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->fd >= 0)
		close(f->fd);
	if (f->srv.pid > 0)
		e2e_server_stop(&f->srv, SIGKILL);
	if (f->dir[0] != '\0')
		e2e_quick_menus_remove(
			f->dir); /* test.yaml and the directory */
	strbuf_fini(&f->got);
	free(f);
	return 0;
}

/* Connects and waits for the main menu's marker text. */
static void dial(struct fixture *f, const char *marker)
{
	f->fd = e2e_connect(f->srv.port);
	assert_true(f->fd >= 0);
	assert_true(e2e_expect_str(f->fd, &f->got, marker));
}

static void test_raw_socket_quit(void **state)
{
	struct fixture *f = *state;

	dial(f, "10086");
	strbuf_reset(&f->got);
	e2e_send_str(f->fd, "3\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got, GOODBYE_ZH));
	assert_true(e2e_expect_close(f->fd, &f->got));
	assert_true(e2e_server_log_wait(&f->srv, "(quit)"));
}

static void test_every_enter_form(void **state)
{
	struct fixture *f = *state;
	static const char *const enters[] = { "\r\n", "\r", "\n", "\r\0" };

	dial(f, "10086");
	for (size_t i = 0; i < 4; i++) {
		char msg[8];

		/* 9 opens the language menu, # goes home; one Enter each. */
		memcpy(msg, "9", 1);
		memcpy(msg + 1, enters[i], i == 3 ? 2 : strlen(enters[i]));
		strbuf_reset(&f->got);
		e2e_send(f->fd, msg, 1 + (i == 3 ? 2 : strlen(enters[i])));
		assert_true(e2e_expect_str(f->fd, &f->got, "English"));
		strbuf_reset(&f->got);
		e2e_send_str(f->fd, "#\r\n");
		assert_true(e2e_expect_str(f->fd, &f->got, "10086"));
	}
	/* No Enter was read twice: nothing invalid was reported. */
	char *log = e2e_server_log(&f->srv);
	assert_null(strstr(log, "invalid keys"));
	free(log);
	e2e_send_str(f->fd, "3\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got, GOODBYE_ZH));
	assert_true(e2e_expect_close(f->fd, &f->got));
}

static void test_server_offers_character_mode(void **state)
{
	struct fixture *f = *state;

	dial(f, "10086");
	assert_true(e2e_contains(&f->got, "\xff\xfb\x01", 3)); /* WILL ECHO */
	assert_true(e2e_contains(&f->got, "\xff\xfb\x03", 3)); /* WILL SGA */
	assert_true(e2e_contains(&f->got, "\xff\xfd\x1f", 3)); /* DO NAWS */
	assert_true(e2e_contains(&f->got, "\xff\xfb\x00", 3)); /* WILL BINARY */
}

static void test_character_mode_keypad(void **state)
{
	struct fixture *f = *state;

	dial(f, "10086");
	e2e_send(f->fd, telnet_answers, sizeof(telnet_answers) - 1);
	strbuf_reset(&f->got);
	/* One key, no Enter: acts at once, echoed. */
	e2e_send_str(f->fd, "9");
	assert_true(e2e_expect_str(f->fd, &f->got, "English"));
	assert_true(e2e_contains(&f->got, "9\r\n", 3));
	strbuf_reset(&f->got);
	e2e_send_str(f->fd, "\r"); /* a bare Enter at a menu is ignored */
	e2e_send_str(f->fd, "3");
	assert_true(e2e_expect_str(f->fd, &f->got, "Welcome"));
	assert_null(strstr(f->got.data, "nvalid"));
	strbuf_reset(&f->got);
	e2e_send_str(f->fd, "3");
	assert_true(e2e_expect_close(f->fd, &f->got));
	assert_true(e2e_contains(&f->got, "oodbye", 6));
}

static void test_line_mode_ctrl_c_answers_timing_mark(void **state)
{
	struct fixture *f = *state;

	dial(f, "10086");
	strbuf_reset(&f->got);
	/* IAC IP, IAC DO TIMING-MARK */
	e2e_send(f->fd, "\xff\xf4\xff\xfd\x06", 5);
	/* WONT TM */
	assert_true(e2e_expect(f->fd, &f->got, "\xff\xfc\x06", 3));
	assert_true(e2e_expect_str(f->fd, &f->got, GOODBYE_ZH));
	assert_true(e2e_expect_close(f->fd, &f->got));
}

static void test_char_mode_ctrl_c_hangs_up(void **state)
{
	struct fixture *f = *state;

	dial(f, "10086");
	e2e_send(f->fd, telnet_answers, sizeof(telnet_answers) - 1);
	strbuf_reset(&f->got);
	e2e_send_str(f->fd, "\x03");
	assert_true(e2e_expect_str(f->fd, &f->got, GOODBYE_ZH));
	assert_true(e2e_expect_close(f->fd, &f->got));
}

static void test_are_you_there(void **state)
{
	struct fixture *f = *state;

	dial(f, "10086");
	strbuf_reset(&f->got);
	e2e_send(f->fd, "\xff\xf6", 2);
	assert_true(e2e_expect_str(f->fd, &f->got, "[10086 在线]"));
}

static void test_overlong_line_refused_session_goes_on(void **state)
{
	struct fixture *f = *state;
	char big[3000];

	dial(f, "10086");
	memset(big, 'a', sizeof(big));
	e2e_send(f->fd, big, sizeof(big));
	e2e_send_str(f->fd, "\r\n");
	assert_true(
		e2e_server_log_wait(&f->srv, "line over 1024 bytes refused"));
	strbuf_reset(&f->got);
	e2e_send_str(f->fd, "9\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got, "English"));
}

static void test_iac_escaped_and_binary_input_survives(void **state)
{
	struct fixture *f = *state;
	char junk[4096];
	unsigned seed = 12345;

	dial(f, "10086");
	/* NULs, IAC IAC, stray commands, SB with no SE: none may hurt. */
	for (size_t i = 0; i < sizeof(junk); i++) {
		seed = seed * 1103515245u + 12345u;
		junk[i] = (char)(seed >> 16);
	}
	e2e_send(f->fd, junk, sizeof(junk));
	e2e_send(f->fd, "\0\0\0\0\xff\xff\xff\xf1\xff\xfa\x18", 11);
	/* An escape sequence where a number goes, and as a chat line. */
	e2e_send_str(f->fd, "\r\n1\r\n\x1b]0;pwned\x07\x1b[2J138\r\n*\r\n");
	e2e_send_str(f->fd, "4\r\n\x1b[31mred\x9b"
			    "2J\r\n/nick \x1b[2J\r\n/\x1b[1m\r\n");
	usleep(200000);
	close(f->fd);
	f->fd = -1;
	strbuf_reset(&f->got);
	dial(f, "10086");
	e2e_send_str(f->fd, "3\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got, GOODBYE_ZH));
	/* Nothing a caller sent reached the log unescaped. */
	char *log = e2e_server_log(&f->srv);
	for (const char *p = log; *p != '\0'; p++)
		assert_true(*p == '\n' || (unsigned char)*p >= 0x20);
	free(log);
}

/* utf8 in the encoding named to (iconv's names) into buf; its length. */
static size_t encode(const char *to, const char *utf8, char *buf, size_t size)
{
	char *in = (char *)utf8, *out = buf;
	size_t inleft = strlen(utf8), outleft = size;
	iconv_t cd = iconv_open(to, "UTF-8");

	assert_true(cd != (iconv_t)-1);
	assert_true(iconv(cd, &in, &inleft, &out, &outleft) != (size_t)-1);
	iconv_close(cd);
	return (size_t)(out - buf);
}

static void test_gbk_switch(void **state)
{
	struct fixture *f = *state;
	char gbk[16];
	size_t gbk_len = encode("GBK", "退出", gbk, sizeof(gbk));

	dial(f, "10086");
	e2e_send_str(f->fd, "9\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got, "GBK"));
	strbuf_reset(&f->got);
	e2e_send_str(f->fd, "2\r\n");
	assert_true(e2e_expect(f->fd, &f->got, gbk, gbk_len));
	assert_false(e2e_contains(&f->got, "退出", strlen("退出")));
}

/*
 * Key 9 then 5: 繁體中文 in Big5, an encoding only the menu files name.
 * The main menu comes back in Big5 bytes, and a line typed in Big5 is
 * read as Big5: "3" then Enter hangs up with the Big5 goodbye.
 */
static void test_big5_switch(void **state)
{
	struct fixture *f = *state;
	char menu[32], bye[32];
	size_t menu_len = encode("BIG5", "結束通話", menu, sizeof(menu));
	size_t bye_len = encode("BIG5", "再見", bye, sizeof(bye));

	dial(f, "10086");
	e2e_send_str(f->fd, "9\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got, "Big5"));
	strbuf_reset(&f->got);
	e2e_send_str(f->fd, "5\r\n");
	assert_true(e2e_expect(f->fd, &f->got, menu, menu_len));
	assert_false(e2e_contains(&f->got, "結束通話", strlen("結束通話")));
	strbuf_reset(&f->got);
	e2e_send_str(f->fd, "3\r\n");
	assert_true(e2e_expect(f->fd, &f->got, bye, bye_len));
}

static void test_timeouts_hang_up(void **state)
{
	struct fixture *f = *state;

	dial(f, "ALPHA MENU");
	strbuf_reset(&f->got);
	assert_true(e2e_expect_str(f->fd, &f->got, "ANYONE THERE?"));
	assert_true(e2e_expect_str(f->fd, &f->got, "BYE"));
	assert_true(e2e_expect_close(f->fd, &f->got));
	assert_true(e2e_server_log_wait(&f->srv, "(timeout)"));
}

/*
 * A menu with max_timeouts: 0 reminds once and then waits; --max-idle
 * (3 s here) ends the call with the goodbye.
 */
static void test_listening_caller_reminded_once(void **state)
{
	struct fixture *f = *state;
	const char *first;

	dial(f, "ALPHA MENU");
	e2e_send_str(f->fd, "4\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got, "LISTEN MENU"));
	strbuf_reset(&f->got);
	assert_true(e2e_expect_str(f->fd, &f->got, "BYE"));
	assert_true(e2e_expect_close(f->fd, &f->got));
	first = strstr(f->got.data, "ANYONE THERE?");
	assert_non_null(first);
	assert_null(strstr(first + 1, "ANYONE THERE?"));
	assert_null(strstr(f->got.data, "LISTEN MENU"));
	assert_true(e2e_server_log_wait(&f->srv, "silent for 3s (--max-idle)"));
	assert_true(e2e_server_log_wait(&f->srv, "(silent too long)"));
}

static void test_sighup_reload_and_broken_file(void **state)
{
	struct fixture *f = *state;
	char path[128];
	char *text = strdup(e2e_quick_set);
	char *p = strstr(text, "ALPHA");
	int fd;

	snprintf(path, sizeof(path), "%s/test.yaml", f->dir);
	dial(f, "ALPHA MENU");
	memcpy(p, "BRAVO", 5);
	e2e_write_file(path, text);
	free(text);
	kill(f->srv.pid, SIGHUP);
	assert_true(e2e_server_log_wait(&f->srv, "menus reloaded"));
	fd = e2e_connect(f->srv.port);
	strbuf_reset(&f->got);
	assert_true(e2e_expect_str(fd, &f->got, "BRAVO MENU"));
	close(fd);

	e2e_write_file(path, "language: zh-CN\nmenus: [oops\n");
	kill(f->srv.pid, SIGHUP);
	assert_true(e2e_server_log_wait(&f->srv, "reload failed"));
	char *log = e2e_server_log(&f->srv);
	char where[160];
	snprintf(where, sizeof(where), "%s:", path);
	assert_non_null(strstr(log, where));
	free(log);
	fd = e2e_connect(f->srv.port);
	strbuf_reset(&f->got);
	assert_true(e2e_expect_str(fd, &f->got, "BRAVO MENU"));
	close(fd);
	/* The first caller was never dropped. */
	strbuf_reset(&f->got);
	e2e_send_str(f->fd, "3\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got, "BYE"));
}

static void test_sigterm_tells_callers_and_exits_zero(void **state)
{
	struct fixture *f = *state;

	dial(f, "10086");
	strbuf_reset(&f->got);
	kill(f->srv.pid, SIGTERM);
	assert_true(e2e_expect_close(f->fd, &f->got));
	/* the closing notice arrived before the close */
	assert_true(f->got.len > 0);
	/* already signalled */
	assert_int_equal(e2e_server_stop(&f->srv, 0), 0);
}

/* An operator password file that holds no hash is refused at start-up. */
static void test_operator_file_refused(void **state)
{
	struct fixture *f = *state;
	struct strbuf out;
	char path[128], missing[128];
	const char *bad[] = { "--menus",
			      MENUS_DIR,
			      "--port",
			      "0",
			      "--listen",
			      "127.0.0.1",
			      "--operator-password-file",
			      path,
			      NULL };
	const char *gone[] = { "--menus",
			       MENUS_DIR,
			       "--port",
			       "0",
			       "--listen",
			       "127.0.0.1",
			       "--operator-password-file",
			       missing,
			       NULL };

	snprintf(path, sizeof(path), "%s/op.txt", f->dir);
	snprintf(missing, sizeof(missing), "%s/none.txt", f->dir);
	e2e_write_file(path, "teacher\n");
	strbuf_init(&out);
	assert_int_equal(e2e_run(bad, &out), 1);
	assert_non_null(strstr(out.data, "op.txt: not a crypt hash (make one "
					 "with hotlined --hash-password)"));
	assert_null(strstr(out.data, "listening on"));
	strbuf_reset(&out);
	assert_int_equal(e2e_run(gone, &out), 1);
	assert_non_null(
		strstr(out.data, "none.txt: No such file or directory"));
	strbuf_fini(&out);
}

static void test_check_and_dot(void **state)
{
	struct fixture *f = *state;
	struct strbuf out;
	char path[128];
	const char *ok[] = { "--check", MENUS_DIR, NULL };
	const char *dot[] = { "--dot", MENUS_DIR, NULL };
	const char *alone[] = { "--check", MENUS_DIR "/en.yaml", NULL };
	const char *bad[] = { "--check", path, NULL };

	strbuf_init(&out);
	assert_int_equal(e2e_run(ok, &out), 0);
	assert_null(strstr(out.data, "warning"));
	strbuf_reset(&out);
	/* One file alone: its key to a language not loaded is a warning. */
	assert_int_equal(e2e_run(alone, &out), 0);
	assert_non_null(strstr(out.data, "en.yaml:"));
	assert_non_null(strstr(out.data, ": warning: key \"1\" switches to "
					 "language \"zh-CN\""));
	assert_non_null(strstr(out.data, "en.yaml: ok"));
	strbuf_reset(&out);
	assert_int_equal(e2e_run(dot, &out), 0);
	assert_non_null(strstr(out.data, "digraph"));
	strbuf_reset(&out);

	snprintf(path, sizeof(path), "%s/bad.yaml", f->dir);
	e2e_write_file(
		path,
		"language: zh-CN\nname: x\nstart: main\n"
		"texts: {goodbye: a, invalid: b, timeout: c, unavailable: d,"
		" too_long: e, closing: f, menu_gone: g, busy: h, ayt: i}\n"
		"menus:\n  main:\n    text: hi\n    keys:\n"
		"      \"5\": {goto: bills}\n");
	assert_int_equal(e2e_run(bad, &out), 1);
	char expect[200];
	snprintf(expect, sizeof(expect),
		 "%s:9:19: key \"5\" goes to unknown menu \"bills\"", path);
	assert_non_null(strstr(out.data, expect));
	unlink(path);
	strbuf_fini(&out);
}

static int setup_chat(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *args[] = { "--menus",      MENUS_DIR, "--chat-rate", "0",
			       "--max-output", "65536",   NULL };

	strbuf_init(&f->got);
	f->fd = -1;
	*state = f;
	return e2e_server_start(&f->srv, args);
}

/* Dials in and enters the chat room; returns the socket. */
static int join_chat(struct fixture *f, struct strbuf *got, bool char_mode)
{
	int fd = e2e_connect(f->srv.port);

	assert_true(fd >= 0);
	assert_true(e2e_expect_str(fd, got, "10086"));
	if (char_mode) {
		e2e_send(fd, telnet_answers, sizeof(telnet_answers) - 1);
		e2e_send_str(fd, "4");
	} else {
		e2e_send_str(fd, "4\r\n");
	}
	assert_true(e2e_expect_str(fd, got, "/quit"));
	return fd;
}

static void test_chat_between_two_callers(void **state)
{
	struct fixture *f = *state;
	struct strbuf a, b;
	int fa, fb;

	strbuf_init(&a);
	strbuf_init(&b);
	fa = join_chat(f, &a, false);
	fb = join_chat(f, &b, false);
	assert_true(e2e_expect_str(fa, &a, " 进入了聊天室"));
	e2e_send_str(fa, "大家好 \x1b[2J\r\n");
	assert_true(e2e_expect_str(fb, &b, ": 大家好 \r\n"));
	/* escapes never reach others */
	assert_false(e2e_contains(&b, "\x1b[2J", 4));
	e2e_send_str(fb, "/nick 小红\r\n");
	assert_true(e2e_expect_str(fa, &a, "改名为 小红"));
	e2e_send_str(fb, "/who\r\n");
	assert_true(e2e_expect_str(fb, &b, "聊天室里有 2 人:"));
	strbuf_reset(&a);
	close(fb);
	assert_true(e2e_expect_str(fa, &a, "*** 小红 离开了(挂断)"));
	e2e_send_str(fa, "/quit\r\n");
	assert_true(e2e_expect_close(fa, &a));
	close(fa);
	strbuf_fini(&a);
	strbuf_fini(&b);
}

static void test_chat_redraws_half_typed_line(void **state)
{
	struct fixture *f = *state;
	struct strbuf a, b;
	int fa, fb;

	strbuf_init(&a);
	strbuf_init(&b);
	fa = join_chat(f, &a, false);
	fb = join_chat(f, &b, true);
	e2e_send_str(fb, "hel"); /* echoed back, key by key */
	assert_true(e2e_expect_str(fb, &b, "hel"));
	strbuf_reset(&b);
	e2e_send_str(fa, "hi there\r\n");
	/* Line cleared, message, then the half-typed line drawn again. */
	assert_true(e2e_expect_str(fb, &b, "\r\x1b[K["));
	assert_true(e2e_expect_str(fb, &b, ": hi there\r\nhel"));
	e2e_send_str(fb, "lo\r");
	assert_true(e2e_expect_str(fa, &a, ": hello\r\n"));
	close(fa);
	close(fb);
	strbuf_fini(&a);
	strbuf_fini(&b);
}

static void test_chat_slow_reader_is_removed(void **state)
{
	struct fixture *f = *state;
	struct strbuf a, b, c;
	char line[400];
	bool saw_left = false;
	int fa, fb, fc;

	strbuf_init(&a);
	strbuf_init(&b);
	strbuf_init(&c);
	fa = join_chat(f, &a, false);
	fb = join_chat(f, &b, false);
	fc = join_chat(f, &c, false); /* c never reads again */
	memset(line, 'z', sizeof(line) - 3);
	memcpy(line + sizeof(line) - 3, "\r\n", 3);
	/* Far more than c's socket buffers and its 64 KiB output cap can hold. */
	for (int i = 0;
	     i < 20000 &&
	     !e2e_server_log_contains(&f->srv, "out of the chat room");
	     i++) {
		e2e_send(fa, line, sizeof(line) - 1);
		if (i % 64 == 0) {
			/* b keeps reading and must keep getting every line. */
			saw_left |= e2e_contains(&b, "离开了(网络过慢)",
						 strlen("离开了(网络过慢)"));
			strbuf_reset(&b);
			e2e_send_str(fa, "marker\r\n");
			assert_true(e2e_expect_str(fb, &b, ": marker\r\n"));
		}
	}
	assert_true(e2e_server_log_wait(&f->srv, "out of the chat room"));
	assert_true(saw_left || e2e_expect_str(fb, &b, "离开了(网络过慢)"));
	e2e_send_str(fa, "after\r\n");
	assert_true(e2e_expect_str(fb, &b, ": after\r\n"));

	close(fa);
	close(fb);
	close(fc);
	strbuf_fini(&a);
	strbuf_fini(&b);
	strbuf_fini(&c);
}

static void test_caller_not_reading_is_dropped(void **state)
{
	struct fixture *f = *state;
	char burst[3 * 1024];
	struct strbuf other;
	int fd;

	/* "0" repeats the menu: every 3 bytes in ask for ~300 bytes out. */
	for (size_t i = 0; i + 3 <= sizeof(burst); i += 3)
		memcpy(burst + i, "0\r\n", 3);
	dial(f, "10086");
	for (int i = 0;
	     i < 2000 && !e2e_server_log_contains(&f->srv, "(not reading)");
	     i++) {
		struct pollfd pfd = { .fd = f->fd, .events = POLLOUT };

		/* Never read; stop writing when the server stops reading us. */
		if (poll(&pfd, 1, 100) == 1)
			send(f->fd, burst, sizeof(burst),
			     MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			usleep(100000);
	}
	assert_true(
		e2e_server_log_wait_ms(&f->srv, "(not reading)",
				       (CONN_STALL_SECONDS + CONN_CLOSE_LINGER +
					5) * 1000));
	/* Meanwhile everyone else is served. */
	strbuf_init(&other);
	fd = e2e_connect(f->srv.port);
	assert_true(e2e_expect_str(fd, &other, "10086"));
	close(fd);
	strbuf_fini(&other);
}

static void test_query_balance_over_raw_socket(void **state)
{
	struct fixture *f = *state;

	dial(f, "10086");
	e2e_send_str(f->fd, "1\r\n13800138000\r\n123456\r\n1\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got, "88.50"));
	assert_true(e2e_server_log_wait(&f->srv, "login 138****8000"));
	/* The password never reaches the log. */
	char *log = e2e_server_log(&f->srv);
	assert_null(strstr(log, "123456"));
	free(log);
}

static void test_line_mode_password_hidden_by_will_echo(void **state)
{
	struct fixture *f = *state;

	dial(f, "10086");
	/* A line-mode telnet: refuses our echo and go-ahead offers. */
	e2e_send(f->fd, "\xff\xfe\x01\xff\xfe\x03", 6);
	e2e_send_str(f->fd, "1\r\n13800138000\r\n");
	strbuf_reset(&f->got);
	/* WILL ECHO */
	assert_true(e2e_expect(f->fd, &f->got, "\xff\xfb\x01", 3));
	/* DO ECHO: the client stops echoing */
	e2e_send(f->fd, "\xff\xfd\x01", 3);
	e2e_send_str(f->fd, "123456\r\n");
	/* WONT ECHO after */
	assert_true(e2e_expect(f->fd, &f->got, "\xff\xfc\x01", 3));
	e2e_send(f->fd, "\xff\xfe\x01", 3);
	e2e_send_str(f->fd, "1\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got, "88.50"));
	/* Still line mode: the menu key was not echoed back as a keypad key. */
	assert_false(e2e_contains(&f->got, "1\r\n", 3));
}

static void test_no_balance_without_password(void **state)
{
	struct fixture *f = *state;
	enum {
		CALLERS = 6
	};
	struct strbuf got[CALLERS];
	int fds[CALLERS];
	struct stat st;

	/* Five wrong passwords and one right one race on the same number. */
	for (int i = 0; i < CALLERS; i++) {
		strbuf_init(&got[i]);
		fds[i] = e2e_connect(f->srv.port);
		assert_true(e2e_expect_str(fds[i], &got[i], "10086"));
		e2e_send_str(fds[i], "1\r\n13800138000\r\n");
	}
	for (int i = 0; i < CALLERS; i++)
		e2e_send_str(fds[i], i == 3 ? "123456\r\n1\r\n" : "65432\r\n");
	assert_true(e2e_expect_str(fds[3], &got[3], "88.50"));
	for (int i = 0; i < CALLERS; i++) {
		if (i != 3) {
			assert_true(e2e_expect_str(fds[i], &got[i],
						   "号码或服务密码错误"));
			/* Back, and the query asks again: no way around the password. */
			e2e_send_str(fds[i], "*\r\n1\r\n*\r\n2\r\n");
			assert_true(e2e_expect_str(fds[i], &got[i],
						   "充值的 11 位"));
			assert_false(e2e_contains(&got[i], "88.50", 5));
			assert_false(
				e2e_contains(&got[i], "张三", strlen("张三")));
			assert_false(
				e2e_contains(&got[i], "飞享", strlen("飞享")));
		}
		close(fds[i]);
		strbuf_fini(&got[i]);
	}
	/* The database is the server owner's alone. */
	assert_int_equal(stat(f->srv.db_path, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
}

static void test_card_race_has_one_winner(void **state)
{
	struct fixture *f = *state;
	enum {
		CALLERS = 6
	};
	struct strbuf got[CALLERS];
	int fds[CALLERS], wins = 0, used = 0;

	for (int i = 0; i < CALLERS; i++) {
		strbuf_init(&got[i]);
		fds[i] = e2e_connect(f->srv.port);
		assert_true(fds[i] >= 0);
		assert_true(e2e_expect_str(fds[i], &got[i], "10086"));
		e2e_send_str(fds[i], "2\r\n13700137000\r\n1\r\n");
		assert_true(e2e_expect_str(fds[i], &got[i], "16"));
		strbuf_reset(&got[i]);
	}
	/* Everyone types the same card at once. */
	for (int i = 0; i < CALLERS; i++)
		e2e_send_str(fds[i], "9999000011112222\r\n");
	for (int i = 0; i < CALLERS; i++) {
		assert_true(e2e_expect_str(fds[i], &got[i], "请按键选择"));
		wins += e2e_contains(&got[i], "充值成功", strlen("充值成功"));
		used += e2e_contains(&got[i], "已被使用", strlen("已被使用"));
		close(fds[i]);
		strbuf_fini(&got[i]);
	}
	assert_int_equal(wins, 1);
	assert_int_equal(used, CALLERS - 1);
	/* The winner's 30 yuan is the whole balance: it was counted once. */
	assert_true(e2e_server_log_wait(&f->srv,
					"+30.00 yuan by card, balance 30.00"));
}

static void test_lock_survives_restart(void **state)
{
	struct fixture *f = *state;
	char db[sizeof(f->srv.db_path)];
	const char *args[] = { "--menus", MENUS_DIR, "--db", db, NULL };
	struct e2e_server again;

	snprintf(db, sizeof(db), "%s", f->srv.db_path);
	dial(f, "10086");
	for (int i = 0; i < 3; i++) {
		e2e_send_str(f->fd, "1\r\n13900139000\r\n000000\r\n");
		if (i < 2) {
			assert_true(e2e_expect_str(f->fd, &f->got, "错误"));
			e2e_send_str(f->fd, "*\r\n");
		}
		assert_true(e2e_expect_str(f->fd, &f->got, "请按键选择"));
		strbuf_reset(&f->got);
	}
	assert_true(e2e_server_log_wait(&f->srv, "locked for 600s"));
	close(f->fd);
	f->fd = -1;
	/* kill -9 and start again on the same database. */
	f->srv.db_path[0] = '\0'; /* keep the file for the second server */
	assert_int_equal(e2e_server_stop(&f->srv, SIGKILL), 128 + SIGKILL);
	assert_int_equal(e2e_server_start(&again, args), 0);
	int fd = e2e_connect(again.port);
	assert_true(fd >= 0);
	e2e_send_str(fd, "1\r\n13900139000\r\n654321\r\n");
	assert_true(e2e_expect_str(fd, &f->got, "分钟后再试"));
	close(fd);
	snprintf(again.db_path, sizeof(again.db_path), "%s", db);
	e2e_server_stop(&again, SIGKILL);
}

static void test_wire_line_and_character_mode(void **state)
{
	struct fixture *f = *state;
	struct strbuf got;
	int fd;

	/* A raw socket: line mode, no options, its Enter is CR LF. */
	dial(f, "10086");
	e2e_send_str(f->fd, "8\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got, "编码:            utf-8"));
	assert_true(e2e_contains(&f->got, "输入模式:        行模式",
				 strlen("输入模式:        行模式")));
	assert_true(e2e_contains(&f->got, "回车键发送字节:  0d 0a",
				 strlen("回车键发送字节:  0d 0a")));
	assert_true(e2e_contains(&f->got, "telnet 选项:     -",
				 strlen("telnet 选项:     -")));

	/* Like inetutils telnet: character mode, NAWS 80x24, TTYPE, bare CR. */
	strbuf_init(&got);
	fd = e2e_connect(f->srv.port);
	assert_true(e2e_expect_str(fd, &got, "10086"));
	e2e_send(fd, telnet_answers, sizeof(telnet_answers) - 1);
	e2e_send(fd, "\xff\xfb\x18", 3); /* WILL TTYPE */
	/* SEND */
	assert_true(e2e_expect(fd, &got, "\xff\xfa\x18\x01\xff\xf0", 6));
	e2e_send(fd, "\xff\xfa\x18\x00XTERM\xff\xf0", 10);
	e2e_send_str(fd, "9\x7f\r"); /* 9 acts at once; then Backspace, Enter */
	e2e_send_str(fd, "#");
	strbuf_reset(&got);
	e2e_send_str(fd, "8");
	assert_true(e2e_expect_str(fd, &got, "编码:            utf-8"));
	assert_true(e2e_contains(&got, "字符模式", strlen("字符模式")));
	assert_true(e2e_contains(&got, "WILL ECHO", 9));
	assert_true(e2e_contains(&got, "DO NAWS", 7));
	assert_true(e2e_contains(&got, "XTERM", 5));
	assert_true(e2e_contains(&got, "80x24", 5));
	assert_true(e2e_contains(&got, "回车键发送字节:  0d\r\n",
				 strlen("回车键发送字节:  0d\r\n")));
	assert_true(e2e_contains(&got, "退格键发送字节:  7f",
				 strlen("退格键发送字节:  7f")));
	close(fd);
	strbuf_fini(&got);
}

static int setup_operator(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char hash[CRYPT_OUTPUT_SIZE], path[128];
	const char *args[] = { "--menus", MENUS_DIR, "--operator-password-file",
			       path, NULL };

	strbuf_init(&f->got);
	f->fd = -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/hotline-menus-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	/* removed by teardown */
	snprintf(path, sizeof(path), "%s/test.yaml", f->dir);
	if (account_hash_password("s3cret teacher", hash, sizeof(hash)) < 0)
		return -1;
	e2e_write_file(path, hash);
	*state = f;
	return e2e_server_start(&f->srv, args);
}

static void test_operator_controls(void **state)
{
	struct fixture *f = *state;
	struct strbuf a, b, c;
	int fa, fb, fc;

	strbuf_init(&a);
	strbuf_init(&b);
	strbuf_init(&c);
	fa = join_chat(f, &a, false);
	fb = join_chat(f, &b, false);
	fc = e2e_connect(f->srv.port); /* stays at the main menu */
	assert_true(e2e_expect_str(fc, &c, "10086"));

	e2e_send_str(fa, "/wall hello\r\n");
	assert_true(e2e_expect_str(fa, &a, "只有管理员"));
	e2e_send_str(fa, "/op guess\r\n");
	assert_true(e2e_expect_str(fa, &a, "管理员密码不正确"));
	assert_true(e2e_server_log_wait(&f->srv,
					"operator password refused (1 of 3)"));
	e2e_send_str(fa, "/op s3cret teacher\r\n");
	assert_true(e2e_expect_str(fa, &a, "您现在是管理员"));

	/* /wall reaches the room and the menus. */
	e2e_send_str(fa, "/wall 上课了\r\n");
	assert_true(e2e_expect_str(fb, &b, "【老师广播】上课了"));
	assert_true(e2e_expect_str(fc, &c, "【老师广播】上课了"));

	/* /mute: B's lines go nowhere, and B is told. */
	e2e_send_str(fa, "/mute guest-2\r\n");
	assert_true(e2e_expect_str(fa, &a, "已执行 /mute guest-2"));
	e2e_send_str(fb, "anyone?\r\n");
	assert_true(e2e_expect_str(fb, &b, "禁言"));
	e2e_send_str(fa, "/unmute guest-2\r\n");
	assert_true(e2e_expect_str(fa, &a, "已执行 /unmute guest-2"));
	e2e_send_str(fb, "back again\r\n");
	assert_true(e2e_expect_str(fa, &a, "guest-2: back again"));
	assert_false(e2e_contains(&a, "anyone?", 7));

	/* An operator's /who lists every session with its state. */
	e2e_send_str(fa, "/who\r\n");
	assert_true(e2e_expect_str(fa, &a, "全部 3 个通话:"));
	assert_true(e2e_expect_str(fa, &a, "MENU main"));

	/* /kick: out of the room, back at the main menu, the room told why. */
	e2e_send_str(fa, "/kick guest-2 phones away\r\n");
	assert_true(e2e_expect_str(fb, &b, "请出聊天室。phones away"));
	assert_true(e2e_expect_str(fb, &b, "请按键选择"));
	assert_true(e2e_expect_str(
		fa, &a,
		"*** guest-2 被管理员 guest-1 请出了聊天室:phones away"));
	assert_true(e2e_server_log_wait(
		&f->srv, "operator guest-1 kicks guest-2 (phones away)"));

	/* Someone else is no operator. */
	strbuf_reset(&b);
	e2e_send_str(fb, "4\r\n/kick guest-1\r\n");
	assert_true(e2e_expect_str(fb, &b, "只有管理员"));
	close(fa);
	close(fb);
	close(fc);
	strbuf_fini(&a);
	strbuf_fini(&b);
	strbuf_fini(&c);
}

/*
 * A bare /op asks for the password with the echo off: in character mode
 * the server echoes none of it (a teacher's screen is often projected),
 * in line mode it says WILL ECHO so the client hides it too, and WONT
 * ECHO after. An empty line goes back to the room.
 */
static void test_operator_password_prompt(void **state)
{
	struct fixture *f = *state;
	static const char password[] = "s3cret teacher\r";
	struct strbuf a, b;
	int fa, fb;

	strbuf_init(&a);
	strbuf_init(&b);
	fa = join_chat(f, &a, true);
	strbuf_reset(&a);
	for (const char *k = "/op\r"; *k != '\0'; k++)
		e2e_send(fa, k, 1);
	assert_true(e2e_expect_str(fa, &a, "请输入管理员密码"));
	for (size_t i = 0; i < sizeof(password) - 1; i++) {
		e2e_send(fa, password + i, 1);
		usleep(2000);
	}
	assert_true(e2e_expect_str(fa, &a, "您现在是管理员"));
	/* Not one character of it came back: no echo, no redraw. */
	assert_false(e2e_contains(&a, "s3cret", 6));
	assert_false(e2e_contains(&a, "teacher", 7));
	/* Back in the room with the echo on: typed text shows again. */
	for (const char *k = "/who\r"; *k != '\0'; k++)
		e2e_send(fa, k, 1);
	assert_true(e2e_expect_str(fa, &a, "/who"));
	assert_true(e2e_expect_str(fa, &a, "个通话:"));

	/* A line-mode telnet (refuses our echo and go-ahead offers): WILL ECHO
	 * with the prompt, WONT ECHO after. */
	fb = join_chat(f, &b, false);
	e2e_send(fb, "\xff\xfe\x01\xff\xfe\x03", 6);
	strbuf_reset(&b);
	e2e_send_str(fb, "/op\r\n");
	assert_true(e2e_expect_str(fb, &b, "请输入管理员密码"));
	assert_true(e2e_contains(&b, "\xff\xfb\x01", 3));
	e2e_send(fb, "\xff\xfd\x01", 3); /* DO ECHO: the client stops echoing */
	/* An empty line: no check, back to the room, echo given back. */
	e2e_send_str(fb, "\r\n");
	assert_true(e2e_expect(fb, &b, "\xff\xfc\x01", 3));
	e2e_send_str(fb, "still here\r\n");
	assert_true(e2e_expect_str(fa, &a, "guest-2: still here"));
	assert_false(e2e_server_log_wait_ms(&f->srv,
					    "operator password refused", 100));
	close(fa);
	close(fb);
	strbuf_fini(&a);
	strbuf_fini(&b);
}

static int setup_limits(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *args[] = { "--menus", MENUS_DIR,      "--max-clients",
			       "3",       "--max-per-ip", "2",
			       NULL };

	strbuf_init(&f->got);
	f->fd = -1;
	*state = f;
	return e2e_server_start(&f->srv, args);
}

static void test_busy_past_the_caps(void **state)
{
	struct fixture *f = *state;
	struct strbuf got[4];
	int fds[4];

	for (int i = 0; i < 4; i++)
		strbuf_init(&got[i]);
	/* Two from 127.0.0.1 fill its share; the third hears busy. */
	for (int i = 0; i < 2; i++) {
		fds[i] = e2e_connect(f->srv.port);
		assert_true(e2e_expect_str(fds[i], &got[i], "10086"));
	}
	fds[2] = e2e_connect(f->srv.port);
	assert_true(e2e_expect_close(fds[2], &got[2]));
	assert_true(e2e_contains(&got[2], "占线", strlen("占线")));
	close(fds[2]);
	/* Another address (127.0.0.2 is loopback too) takes the last place. */
	fds[2] = e2e_connect_from("127.0.0.2", f->srv.port);
	assert_true(fds[2] >= 0);
	assert_true(e2e_expect_str(fds[2], &got[2], "10086"));
	/* The line is full now: --max-clients 3. */
	fds[3] = e2e_connect_from("127.0.0.3", f->srv.port);
	assert_true(e2e_expect_close(fds[3], &got[3]));
	assert_true(e2e_contains(&got[3], "占线", strlen("占线")));
	close(fds[3]);
	/* One hangs up: a place is free again. */
	e2e_send_str(fds[0], "3\r\n");
	assert_true(e2e_expect_close(fds[0], &got[0]));
	close(fds[0]);
	assert_true(e2e_server_log_wait(&f->srv, "(quit)"));
	fds[0] = e2e_connect(f->srv.port);
	strbuf_reset(&got[0]);
	assert_true(e2e_expect_str(fds[0], &got[0], "10086"));
	assert_true(e2e_server_log_wait(&f->srv, "busy: turned"));
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	for (int i = 0; i < 4; i++)
		strbuf_fini(&got[i]);
}

/* The English set loaded alone, as --menus menus/en.yaml does. */
static int setup_en_alone(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *args[] = { "--menus", MENUS_DIR "/en.yaml", NULL };

	strbuf_init(&f->got);
	f->fd = -1;
	*state = f;
	return e2e_server_start(&f->srv, args);
}

/* A language whose set is not loaded: the caller is told, and stays. */
static void test_language_not_loaded_is_said(void **state)
{
	struct fixture *f = *state;

	assert_true(e2e_server_log_wait(&f->srv, "warning: key \"1\" switches "
						 "to language \"zh-CN\""));
	f->fd = e2e_connect(f->srv.port);
	assert_true(f->fd >= 0);
	assert_true(e2e_expect_str(f->fd, &f->got, "Please press a key"));
	e2e_send_str(f->fd, "9\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got, "Language and encoding"));
	strbuf_reset(&f->got);
	e2e_send_str(f->fd, "1\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got,
				   "that language is not available"));
	/* Still at the language menu: # is the main menu, 3 hangs up. */
	e2e_send_str(f->fd, "#\r\n3\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got, "Goodbye"));
}

static int setup_ipv6(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *args[] = { "--menus", MENUS_DIR, "--listen", "::1", NULL };

	strbuf_init(&f->got);
	f->fd = -1;
	*state = f;
	return e2e_server_start(&f->srv, args);
}

static void test_ipv6_and_ipv4_on_one_port(void **state)
{
	struct fixture *f = *state;
	char line[64];

	snprintf(line, sizeof(line), "listening on [::1]:%u", f->srv.port);
	assert_true(e2e_server_log_wait(&f->srv, line));
	f->fd = e2e_connect_addr("::1", f->srv.port);
	if (f->fd < 0)
		skip(); /* no IPv6 on this machine: the log line above still held */
	assert_true(e2e_expect_str(f->fd, &f->got, "10086"));
	e2e_send_str(f->fd, "3\r\n");
	assert_true(e2e_expect_close(f->fd, &f->got));
	assert_true(e2e_server_log_wait(&f->srv, "disconnect [::1]:"));
}

/*
 * Listening on loopback only (the tests' 127.0.0.1 and ::1 here), the
 * dial lines name each address listened on: ::1 too, not only 127.0.0.1.
 */
static void test_dial_line_for_loopback_listen(void **state)
{
	struct fixture *f = *state;
	char line[96];
	char *log;

	snprintf(line, sizeof(line),
		 "telnet ::1 %u   http://[::1]:%u/   (this machine only)\n",
		 f->srv.port, f->srv.port);
	assert_true(e2e_server_log_wait(&f->srv, line));
	snprintf(line, sizeof(line),
		 "telnet 127.0.0.1 %u   http://127.0.0.1:%u/   (this machine "
		 "only)\n",
		 f->srv.port, f->srv.port);
	log = e2e_server_log(&f->srv);
	assert_non_null(strstr(log, line));
	free(log);
}

static int setup_pid_file(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128];
	const char *args[] = { "--menus", MENUS_DIR, "--pid-file", path, NULL };

	strbuf_init(&f->got);
	f->fd = -1;
	*state = f;
	snprintf(f->dir, sizeof(f->dir), "/tmp/hotline-pid-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/hotlined.pid", f->dir);
	return e2e_server_start(&f->srv, args);
}

/*
 * --pid-file names this server for kill -STOP: the log says the PID, the
 * file holds it, a second server keeps its hands off it, and a clean exit
 * removes it.
 */
static void test_pid_file(void **state)
{
	struct fixture *f = *state;
	char path[128], line[192], text[32];
	struct strbuf out;
	const char *args[] = { "--listen",   "127.0.0.1", "--port", "0",
			       "--menus",    MENUS_DIR,   "--db",   ":memory:",
			       "--pid-file", path,        NULL };
	FILE *in;

	snprintf(path, sizeof(path), "%s/hotlined.pid", f->dir);
	snprintf(line, sizeof(line), "running as pid %ld (written to %s)",
		 (long)f->srv.pid, path);
	assert_true(e2e_server_log_wait(&f->srv, line));
	in = fopen(path, "r");
	assert_non_null(in);
	assert_non_null(fgets(text, sizeof(text), in));
	fclose(in);
	snprintf(line, sizeof(line), "%ld\n", (long)f->srv.pid);
	assert_string_equal(text, line);

	strbuf_init(&out);
	assert_int_equal(e2e_run(args, &out), 1);
	snprintf(line, sizeof(line), "hotlined is running as pid %ld",
		 (long)f->srv.pid);
	assert_non_null(strstr(out.data, line));
	strbuf_fini(&out);

	assert_int_equal(e2e_server_stop(&f->srv, SIGTERM), 0);
	assert_int_equal(access(path, F_OK), -1);
	rmdir(f->dir);
	f->dir[0] = '\0';
}

/* Reads the pty until needle shows or 5 s pass; false on timeout or EOF. */
static bool pty_wait(int fd, struct strbuf *got, const char *needle)
{
	for (int i = 0;
	     i < 50 && strstr(got->data ? got->data : "", needle) == NULL;
	     i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char buf[256];
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return false;
		strbuf_append(got, buf, (size_t)n);
	}
	return strstr(got->data ? got->data : "", needle) != NULL;
}

/*
 * Runs hotlined --hash-password on a terminal, typing first and then
 * second at its prompts; returns its exit status, with what it showed in
 * got.
 */
static int hash_on_tty(const char *first, const char *second,
		       struct strbuf *got)
{
	int master, status = -1;
	pid_t pid = forkpty(&master, NULL, NULL, NULL);

	assert_true(pid >= 0);
	if (pid == 0) {
		execl(HOTLINED_PATH, HOTLINED_PATH, "--hash-password",
		      (char *)NULL);
		_exit(127);
	}
	assert_true(pty_wait(master, got, "operator password: "));
	assert_int_equal(write(master, first, strlen(first)),
			 (ssize_t)strlen(first));
	assert_true(pty_wait(master, got, "the same again: "));
	assert_int_equal(write(master, second, strlen(second)),
			 (ssize_t)strlen(second));
	/* The hash, or why not, then end of output as hotlined exits. */
	pty_wait(master, got, "\x01");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(master);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* On a terminal the password is typed twice; two that differ are refused. */
static void test_hash_password_asks_twice(void **state)
{
	struct strbuf got;

	(void)state;
	strbuf_init(&got);
	assert_int_equal(hash_on_tty("teacher\n", "teahcer\n", &got), 2);
	assert_non_null(strstr(got.data, "the two passwords differ"));
	assert_null(strstr(got.data, "$y$"));
	/* Neither typing is echoed. */
	assert_null(strstr(got.data, "teacher"));
	strbuf_reset(&got);
	assert_int_equal(hash_on_tty("teacher\n", "teacher\n", &got), 0);
	assert_non_null(strstr(got.data, "$y$"));
	assert_null(strstr(got.data, "teacher"));
	strbuf_fini(&got);
}

static void test_help_and_version(void **state)
{
	struct strbuf out;
	const char *help[] = { "--help", NULL };
	const char *version[] = { "--version", NULL };
	const char *badport[] = { "--port", "70000", NULL };
	const char *badidle[] = { "--max-idle", "604801", NULL };

	(void)state;
	strbuf_init(&out);
	assert_int_equal(e2e_run(help, &out), 0);
	assert_non_null(strstr(out.data, "--listen"));
	strbuf_reset(&out);
	assert_int_equal(e2e_run(version, &out), 0);
	assert_non_null(strstr(out.data, "hotlined "));
	strbuf_reset(&out);
	assert_int_equal(e2e_run(badport, &out), 2);
	assert_non_null(strstr(out.data, "bad port"));
	strbuf_reset(&out);
	assert_int_equal(e2e_run(badidle, &out), 2);
	assert_non_null(
		strstr(out.data, "bad --max-idle \"604801\" (0-604800)"));
	strbuf_fini(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_raw_socket_quit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_every_enter_form, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_server_offers_character_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_character_mode_keypad,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_line_mode_ctrl_c_answers_timing_mark, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_char_mode_ctrl_c_hangs_up,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_are_you_there, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_overlong_line_refused_session_goes_on, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_iac_escaped_and_binary_input_survives, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_gbk_switch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_big5_switch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_timeouts_hang_up,
						setup_quick, teardown),
		cmocka_unit_test_setup_teardown(
			test_sighup_reload_and_broken_file, setup_quick,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_sigterm_tells_callers_and_exits_zero, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_check_and_dot, setup_quick,
						teardown),
		cmocka_unit_test_setup_teardown(test_operator_file_refused,
						setup_quick, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_and_ipv4_on_one_port,
						setup_ipv6, teardown),
		cmocka_unit_test_setup_teardown(
			test_dial_line_for_loopback_listen, setup_ipv6,
			teardown),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test_setup_teardown(
			test_listening_caller_reminded_once,
			setup_quick_max_idle, teardown),
		cmocka_unit_test_setup_teardown(test_pid_file, setup_pid_file,
						teardown),
		cmocka_unit_test(test_hash_password_asks_twice),
		cmocka_unit_test_setup_teardown(test_language_not_loaded_is_said,
						setup_en_alone, teardown),
		cmocka_unit_test_setup_teardown(test_chat_between_two_callers,
						setup_chat, teardown),
		cmocka_unit_test_setup_teardown(
			test_chat_redraws_half_typed_line, setup_chat,
			teardown),
		cmocka_unit_test_setup_teardown(test_chat_slow_reader_is_removed,
						setup_chat, teardown),
		cmocka_unit_test_setup_teardown(
			test_caller_not_reading_is_dropped, setup_chat,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_query_balance_over_raw_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_line_mode_password_hidden_by_will_echo, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_no_balance_without_password,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_card_race_has_one_winner,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_survives_restart,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_past_the_caps,
						setup_limits, teardown),
		cmocka_unit_test_setup_teardown(
			test_wire_line_and_character_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operator_controls,
						setup_operator, teardown),
		cmocka_unit_test_setup_teardown(test_operator_password_prompt,
						setup_operator, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
