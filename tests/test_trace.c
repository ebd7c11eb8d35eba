/*
 * test_trace: hotlined --trace end to end. A scripted caller walks a
 * query with the password 123456, in character mode (a key at a time, as
 * Linux telnet sends) and in line mode with every line in one write (as a
 * pipe sends); the log must show the accept, the decoded negotiation, the
 * state changes, who closed first, and the password masked, never in
 * clear. Its lines must fit 100 columns, a hostile terminal type's too.
 * --trace=brief shows the same call without its bytes. Every wait is
 * bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "wiretrace.h"

#define GOODBYE_ZH "感谢您的来电,再见!"
#define ASK_NUMBER "11 位手机号码"
#define ASK_PASSWORD "6 位服务密码"
#define ACCOUNT_MENU "账户查询"

/* What inetutils telnet answers to our offers. */
static const char telnet_answers[] =
	"\xff\xfd\x01"                         /* DO ECHO */
	"\xff\xfd\x03"                         /* DO SGA */
	"\xff\xfb\x1f"                         /* WILL NAWS */
	"\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0" /* SB NAWS 80x24 SE */
	"\xff\xfd\x00"                         /* DO BINARY */
	"\xff\xfb\x00";                        /* WILL BINARY */

struct fixture {
	struct e2e_server srv;
	int fd;
	struct strbuf got;
	char *log;  /* the server's log, read before it stops */
	int log_fd; /* the reading end of its stderr, when that is a pipe */
};

/* Starts hotlined on menus with one option (the view, or -d). */
static int start(void **state, const char *menus, const char *opt)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *args[] = { "--menus", menus, opt, NULL };

	strbuf_init(&f->got);
	f->fd = -1;
	f->log_fd = -1;
	*state = f;
	return e2e_server_start(&f->srv, args);
}

static int setup(void **state)
{
	return start(state, MENUS_DIR, "--trace");
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->fd >= 0)
		close(f->fd);
	if (f->log_fd >= 0)
		close(f->log_fd);
	if (f->srv.pid > 0)
		e2e_server_stop(&f->srv, SIGKILL);
	strbuf_fini(&f->got);
	free(f->log);
	free(f);
	return 0;
}

/*
 * Waits for the trace line that ends the call (not the earlier FIN line,
 * which also says who closed first), keeps the log, stops the server.
 */
static void finish(struct fixture *f)
{
	assert_true(e2e_server_log_wait(&f->srv, "closed first\n"));
	f->log = e2e_server_log(&f->srv);
	/* Exit 0: no sanitizer report, no crash on the way out. */
	assert_int_equal(e2e_server_stop(&f->srv, SIGTERM), 0);
}

/* Asserts the log has needle. */
static void log_has(struct fixture *f, const char *needle)
{
	if (strstr(f->log, needle) == NULL) {
		fprintf(stderr, "%s\n", f->log);
		fail_msg("the trace lacks \"%s\"", needle);
	}
}

/* How many times the log has needle. */
static size_t log_count(struct fixture *f, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(f->log, needle); p != NULL;
	     p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Sends one byte at a time, as a character-mode telnet does. */
static void type_keys(int fd, const char *keys, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		e2e_send(fd, keys + i, 1);
		usleep(2000);
	}
}

static void test_character_mode_query(void **state)
{
	struct fixture *f = *state;

	f->fd = e2e_connect(f->srv.port);
	assert_true(f->fd >= 0);
	assert_true(e2e_expect_str(f->fd, &f->got, "10086"));
	e2e_send(f->fd, telnet_answers, sizeof(telnet_answers) - 1);
	assert_true(e2e_server_log_wait(&f->srv, "IAC SB NAWS 80 24 IAC SE"));
	e2e_send_str(f->fd, "1");
	assert_true(e2e_expect_str(f->fd, &f->got, ASK_NUMBER));
	type_keys(f->fd, "13800138000\r\0", 13);
	assert_true(e2e_expect_str(f->fd, &f->got, ASK_PASSWORD));
	type_keys(f->fd, "123456\r\0", 8);
	assert_true(e2e_expect_str(f->fd, &f->got, ACCOUNT_MENU));
	e2e_send_str(f->fd, "#");
	e2e_send_str(f->fd, "3");
	assert_true(e2e_expect_str(f->fd, &f->got, GOODBYE_ZH));
	assert_true(e2e_expect_close(f->fd, &f->got));
	finish(f);

	log_has(f, "session 1: accept: caller 127.0.0.1:");
	log_has(f, "-> server 127.0.0.1:");
	/* Our offers and the client's answers, by name. */
	log_has(f, "telnet: IAC WILL ECHO\n");
	log_has(f, "telnet: IAC DO NAWS\n");
	log_has(f, "telnet: IAC DO ECHO\n");
	log_has(f, "telnet: IAC WILL NAWS\n");
	/* The state machine. */
	log_has(f, "session 1: (new call) -> MENU main\n");
	log_has(f, "session 1: MENU main -> QUERY_NUMBER\n");
	log_has(f, "session 1: QUERY_NUMBER -> QUERY_PASSWORD\n");
	log_has(f, "session 1: QUERY_PASSWORD -> WAIT\n");
	log_has(f, "session 1: WAIT -> MENU account\n");
	log_has(f, "session 1: MENU main -> CLOSING\n");
	/* The number is not secret; the keys of the password were masked. */
	log_has(f, "|1|");
	log_has(f, " of a password masked)");
	assert_null(strstr(f->log, "123456"));
	assert_null(strstr(f->log, "|2|"));
	assert_null(strstr(f->log, "32 33"));
	/* Who hung up. */
	log_has(f, "session 1: the server closes first: quit");
	log_has(f, "the server closed first\n");
	/* A file gets no colours. */
	assert_null(strchr(f->log, '\033'));
}

static void test_line_mode_all_at_once(void **state)
{
	struct fixture *f = *state;

	f->fd = e2e_connect(f->srv.port);
	assert_true(f->fd >= 0);
	assert_true(e2e_expect_str(f->fd, &f->got, "10086"));
	/* A pipe: every line in one write, the password among them. */
	e2e_send_str(f->fd, "1\r\n13800138000\r\n123456\r\n#\r\n3\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got, GOODBYE_ZH));
	assert_true(e2e_expect_close(f->fd, &f->got));
	finish(f);

	log_has(f, "(part of one 30-byte read)");
	log_has(f, "(6 bytes of a password masked)");
	log_has(f, "** ** ** ** ** ** 0d 0a");
	log_has(f, "|******..|");
	assert_null(strstr(f->log, "123456"));
	assert_null(strstr(f->log, "31 32 33 34 35 36"));
	/* A line-mode caller is sent WILL ECHO for the password. */
	log_has(f, "QUERY_NUMBER -> QUERY_PASSWORD\n");
	log_has(f, "telnet: IAC WILL ECHO\n");
}

static void test_op_password_masked(void **state)
{
	struct fixture *f = *state;

	f->fd = e2e_connect(f->srv.port);
	assert_true(f->fd >= 0);
	assert_true(e2e_expect_str(f->fd, &f->got, "10086"));
	e2e_send(f->fd, telnet_answers, sizeof(telnet_answers) - 1);
	assert_true(e2e_server_log_wait(&f->srv, "IAC SB NAWS 80 24 IAC SE"));
	/* A menu key needs no Enter: the chat line after it is a line of its own. */
	e2e_send_str(f->fd, "4");
	assert_true(e2e_server_log_wait(&f->srv, "-> CHAT"));
	e2e_send_str(f->fd, "/op hunter2\r");
	type_keys(f->fd, "/op s3cret\r", 11);
	e2e_send_str(f->fd, "/quit\r");
	assert_true(e2e_expect_close(f->fd, &f->got));
	finish(f);

	log_has(f, "|/op *******.|");
	log_has(f, " of a password masked)");
	assert_null(strstr(f->log, "hunter2"));
	assert_null(strstr(f->log, "s3cret"));
	/* The echo of what was typed is masked as well. */
	assert_null(strstr(f->log, "|3|"));
	assert_null(strstr(f->log, "|h|"));
}

static void test_caller_closes_first(void **state)
{
	struct fixture *f = *state;

	f->fd = e2e_connect(f->srv.port);
	assert_true(f->fd >= 0);
	assert_true(e2e_expect_str(f->fd, &f->got, "10086"));
	close(f->fd);
	f->fd = -1;
	finish(f);
	log_has(f, "session 1: the caller closed first: FIN received");
	log_has(f, "the caller closed first\n");
}

/* Asserts the log's lines fit a file's 100 columns. */
static void log_fits(struct fixture *f)
{
	if (e2e_widest_line(f->log) > 100) {
		fprintf(stderr, "%s\n", f->log);
		fail_msg("a line of the trace is %zu columns",
			 e2e_widest_line(f->log));
	}
}

static void test_lines_fit_a_file(void **state)
{
	struct fixture *f = *state;
	const char *from, *to;

	f->fd = e2e_connect(f->srv.port);
	assert_true(f->fd >= 0);
	assert_true(e2e_expect_str(f->fd, &f->got, "10086"));
	e2e_send_str(f->fd, "3\r\n");
	assert_true(e2e_expect_close(f->fd, &f->got));
	finish(f);
	log_fits(f);
	/* The accept line is 170 columns: two, the second under the text. */
	from = strstr(f->log, "session 1: accept: caller 127.0.0.1:");
	assert_non_null(from);
	to = strstr(from, "before accept returned)\n");
	assert_non_null(to);
	for (const char *nl = strchr(from, '\n'); nl < to;
	     nl = strchr(nl + 1, '\n'))
		assert_memory_equal(nl, "\n" WIRETRACE_INDENT,
				    1 + WIRETRACE_INDENT_COLS);
	assert_non_null(memchr(from, '\n', (size_t)(to - from)));
}

static void test_long_terminal_type_wraps_escaped(void **state)
{
	struct fixture *f = *state;
	struct strbuf sb;

	/* 200 bytes of terminal type, an escape to red every ten. */
	strbuf_init(&sb);
	strbuf_append(&sb, "\xff\xfb\x18\xff\xfa\x18\x00", 7);
	for (int i = 0; i < 20; i++)
		strbuf_append_str(&sb, "\033[31mAAAAA");
	strbuf_append(&sb, "\xff\xf0", 2);
	f->fd = e2e_connect(f->srv.port);
	assert_true(f->fd >= 0);
	assert_true(e2e_expect_str(f->fd, &f->got, "10086"));
	e2e_send(f->fd, sb.data, sb.len);
	assert_true(e2e_server_log_wait(&f->srv, "IAC SB TTYPE IS"));
	e2e_send_str(f->fd, "3\r\n");
	assert_true(e2e_expect_close(f->fd, &f->got));
	finish(f);
	strbuf_fini(&sb);
	log_fits(f);
	/* No escape reaches the screen; the 7 kept of them are shown whole. */
	assert_null(strchr(f->log, '\033'));
	assert_int_equal(log_count(f, "\\x1b"), 7);
	log_has(f, "(201 bytes)");
}

/* The log's connect and disconnect lines would repeat the trace's. */
static void test_log_lines_not_repeated(void **state)
{
	struct fixture *f = *state;

	f->fd = e2e_connect(f->srv.port);
	assert_true(f->fd >= 0);
	assert_true(e2e_expect_str(f->fd, &f->got, "10086"));
	e2e_send_str(f->fd, "3\r\n");
	assert_true(e2e_expect_close(f->fd, &f->got));
	finish(f);
	log_has(f, "session 1: accept: caller 127.0.0.1:");
	log_has(f, "session 1: the server closes first: quit");
	log_has(f, "session 1: closed after ");
	assert_null(strstr(f->log, "connect from"));
	assert_null(strstr(f->log, "disconnect"));
	/* The server's own lines stay. */
	log_has(f, " listening on 127.0.0.1:");
	/* Said plainly: the level and the function are for --debug. */
	assert_null(strstr(f->log, "listener_bind_one"));
	assert_null(strstr(f->log, " info "));
}

/* --trace=brief: the same call without the bytes. */
/* The quick menu set, whose silences are a second long. */
static char quick_dir[64];

static int setup_quick(void **state)
{
	if (e2e_quick_menus(quick_dir, sizeof(quick_dir)) < 0)
		return -1;
	return start(state, quick_dir, "--trace");
}

static int teardown_quick(void **state)
{
	e2e_quick_menus_remove(quick_dir);
	return teardown(state);
}

/* A reminder after a silence is one line with its text, not rows of hex. */
static void test_reminder_is_one_line(void **state)
{
	struct fixture *f = *state;

	f->fd = e2e_connect(f->srv.port);
	assert_true(f->fd >= 0);
	assert_true(e2e_expect_str(f->fd, &f->got, "ANYONE THERE?"));
	assert_true(e2e_expect_str(f->fd, &f->got, "BYE"));
	assert_true(e2e_expect_close(f->fd, &f->got));
	finish(f);
	assert_int_equal(log_count(f, " after a silence: ANYONE THERE?\n"), 1);
	assert_int_equal(log_count(f, " after a silence: BYE\n"), 1);
	/* "ANYONE" as a hex row: never printed. */
	assert_int_equal(log_count(f, "41 4e 59 4f 4e 45"), 0);
	/* The menu before it is still shown whole. */
	log_has(f, "41 4c 50 48 41");
}

static int setup_brief(void **state)
{
	return start(state, MENUS_DIR, "--trace=brief");
}

static void test_brief_view(void **state)
{
	struct fixture *f = *state;

	f->fd = e2e_connect(f->srv.port);
	assert_true(f->fd >= 0);
	assert_true(e2e_expect_str(f->fd, &f->got, "10086"));
	e2e_send(f->fd, telnet_answers, sizeof(telnet_answers) - 1);
	assert_true(e2e_server_log_wait(&f->srv, "IAC SB NAWS 80 24 IAC SE"));
	e2e_send_str(f->fd, "1");
	assert_true(e2e_expect_str(f->fd, &f->got, ASK_NUMBER));
	type_keys(f->fd, "13800138000\r\0", 13);
	assert_true(e2e_expect_str(f->fd, &f->got, ASK_PASSWORD));
	type_keys(f->fd, "123456\r\0", 8);
	assert_true(e2e_expect_str(f->fd, &f->got, ACCOUNT_MENU));
	e2e_send_str(f->fd, "#");
	e2e_send_str(f->fd, "3");
	assert_true(e2e_expect_close(f->fd, &f->got));
	finish(f);
	log_fits(f);
	/* Connections, telnet commands by name a chunk a line, states. */
	log_has(f, "session 1: accept: caller 127.0.0.1:");
	log_has(f, "session 1: out 3 bytes: IAC WILL ECHO\n");
	log_has(f, "session 1: out 3 bytes: IAC DO NAWS\n");
	log_has(f, "session 1: in 24 bytes: IAC DO ECHO, IAC DO SGA,");
	log_has(f, "session 1: MENU main -> QUERY_NUMBER\n");
	log_has(f, "session 1: QUERY_PASSWORD -> WAIT\n");
	log_has(f, "session 1: the server closes first: quit");
	log_has(f, "the server closed first\n");
	/* No rows, no chunk of data alone, no byte of the password. */
	assert_null(strstr(f->log, "0000  "));
	assert_null(strstr(f->log, "|"));
	assert_null(strstr(f->log, " byte\n"));
	assert_null(strstr(f->log, "in 1 byte"));
	assert_null(strstr(f->log, "123456"));
	assert_null(strstr(f->log, "13800138000"));
	assert_null(strstr(f->log, "telnet: "));
}

/* An unknown view is refused before anything starts. */
static void test_unknown_view_refused(void **state)
{
	const char *args[] = { "--trace=loud", NULL };
	const char *full[] = { "--trace=full", "--check", MENUS_DIR, NULL };
	struct strbuf out;

	(void)state;
	strbuf_init(&out);
	assert_int_equal(e2e_run(args, &out), 2);
	assert_non_null(
		strstr(out.data,
		       "hotlined: bad --trace \"loud\" (brief or full)"));
	strbuf_reset(&out);
	assert_int_equal(e2e_run(full, &out), 0);
	strbuf_fini(&out);
}

/*
 * hotlined --trace 2>&1 | less: stderr is a pipe of pipe_size bytes (0:
 * the default), read up to the "listening on" line and then no more.
 */
static int start_piped(void **state, int pipe_size)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *args[] = { "--menus", MENUS_DIR, "--trace", NULL };

	strbuf_init(&f->got);
	f->fd = -1;
	*state = f;
	return e2e_server_start_piped(&f->srv, args, pipe_size, &f->log_fd);
}

static int setup_piped(void **state)
{
	return start_piped(state, 0);
}

/* The smallest pipe there is: a call's trace fills it. */
static int setup_piped_small(void **state)
{
	return start_piped(state, 4096);
}

/* One whole call: the menu, key 3, the goodbye, the hang-up. */
static void call_and_quit(struct fixture *f)
{
	struct strbuf got;
	int fd = e2e_connect(f->srv.port);

	assert_true(fd >= 0);
	strbuf_init(&got);
	assert_true(e2e_expect_str(fd, &got, "10086"));
	e2e_send_str(fd, "3\r\n");
	assert_true(e2e_expect_str(fd, &got, GOODBYE_ZH));
	assert_true(e2e_expect_close(fd, &got));
	close(fd);
	strbuf_fini(&got);
}

/* Reads the pipe into got until it holds needle, for E2E_TIMEOUT_MS at most. */
static bool pipe_wait(int fd, struct strbuf *got, const char *needle)
{
	for (int i = 0; i < E2E_TIMEOUT_MS / 10; i++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char buf[4096];
		ssize_t n;

		if (got->data != NULL && strstr(got->data, needle) != NULL)
			return true;
		if (poll(&pfd, 1, 10) != 1)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return false;
		strbuf_append(got, buf, (size_t)n);
	}
	return got->data != NULL && strstr(got->data, needle) != NULL;
}

/* The teacher quits less: the server serves on, whole calls, and stops cleanly. */
static void test_pipe_closed_by_reader(void **state)
{
	struct fixture *f = *state;

	close(f->log_fd);
	f->log_fd = -1;
	for (int i = 0; i < 3; i++)
		call_and_quit(f);
	assert_int_equal(e2e_server_stop(&f->srv, SIGTERM), 0);
}

/*
 * The pager waits on a screenful and nothing reads the pipe: callers are
 * served all the same, the lines that did not fit are dropped, and once
 * the pipe is read again a line says how many.
 */
static void test_pipe_not_read(void **state)
{
	struct fixture *f = *state;
	struct strbuf got;
	const char *note;
	char buf[4096];

	/* Each call's trace is about as much as the pipe holds. */
	for (int i = 0; i < 12; i++)
		call_and_quit(f);
	/* The pager reads again: what the pipe held, then the next call. */
	assert_int_equal(fcntl(f->log_fd, F_SETFL, O_NONBLOCK), 0);
	while (read(f->log_fd, buf, sizeof(buf)) > 0)
		continue;
	assert_int_equal(fcntl(f->log_fd, F_SETFL, 0), 0);
	call_and_quit(f);
	strbuf_init(&got);
	assert_true(pipe_wait(f->log_fd, &got, "session 13: closed after"));
	note = strstr(got.data, " lines dropped while the pipe on stderr "
				"was full\n");
	assert_non_null(note);
	/* After the note, whole lines again: the last call from its accept on. */
	assert_non_null(strstr(note, " session 13: accept: caller"));
	strbuf_fini(&got);
	assert_int_equal(e2e_server_stop(&f->srv, SIGTERM), 0);
}

/* -d without --trace: the log names a call's first state change too. */
static int setup_debug(void **state)
{
	return start(state, MENUS_DIR, "-d");
}

static void test_debug_log_new_call(void **state)
{
	struct fixture *f = *state;

	f->fd = e2e_connect(f->srv.port);
	assert_true(f->fd >= 0);
	assert_true(e2e_expect_str(f->fd, &f->got, "10086"));
	e2e_send_str(f->fd, "3\r\n");
	assert_true(e2e_expect_close(f->fd, &f->got));
	/* Without --trace the last line of a call is conn's disconnect. */
	assert_true(e2e_server_log_wait(&f->srv, "disconnect "));
	f->log = e2e_server_log(&f->srv);
	assert_int_equal(e2e_server_stop(&f->srv, SIGTERM), 0);
	log_has(f, "(new call) -> MENU main\n");
	log_has(f, "MENU -> CLOSING\n");
	/* Without the trace's accept and close lines, the log has its own. */
	log_has(f, "info session 1 conn_start_call: connect from 127.0.0.1:");
	log_has(f, "info session 1 conn_destroy: disconnect 127.0.0.1:");
	assert_null(strstr(f->log, "MENU -> MENU main"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_character_mode_query,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_mode_all_at_once,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_op_password_masked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_caller_closes_first, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lines_fit_a_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_long_terminal_type_wraps_escaped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_lines_not_repeated,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_brief_view, setup_brief,
						teardown),
		cmocka_unit_test(test_unknown_view_refused),
		cmocka_unit_test_setup_teardown(test_reminder_is_one_line,
						setup_quick, teardown_quick),
		cmocka_unit_test_setup_teardown(test_pipe_closed_by_reader,
						setup_piped, teardown),
		cmocka_unit_test_setup_teardown(test_pipe_not_read,
						setup_piped_small, teardown),
		cmocka_unit_test_setup_teardown(test_debug_log_new_call,
						setup_debug, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
