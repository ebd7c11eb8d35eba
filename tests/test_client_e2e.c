/*
 * test_client_e2e: hotline, the readline client, end to end. In a pipe
 * against a real hotlined on a free loopback port; on a pseudo-terminal
 * against a fake server the test drives byte by byte (a chat line
 * arriving while a line is half typed, a masked password, the window
 * size); and against a port nobody listens on. Every wait is bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "e2e_client.h"

#define IAC "\xff"
#define DONT "\xfe"
#define DO "\xfd"
#define WONT "\xfc"
#define WILL "\xfb"
#define SB "\xfa"
#define SE "\xf0"
#define O_ECHO "\x01"
#define O_SGA "\x03"
#define O_NAWS "\x1f"

#define GOODBYE_EN "Thank you for calling. Goodbye!"
#define GOODBYE_ZH "感谢您的来电,再见!"

struct fixture {
	struct e2e_server srv; /* a real hotlined, when the test needs one */
	int lfd;               /* the fake server's listening socket */
	int cfd;               /* the fake server's end of the connection */
	unsigned port;
	char port_str[16];
	char state_dir[64]; /* XDG_STATE_HOME for the client */
	char xdg_env[96];
	struct e2e_pty pty;
	struct strbuf got; /* what the fake server received */
	struct strbuf out; /* a piped client's output */
};

static int teardown(void **state);

/* Common part: temporary state directory and buffers. */
static struct fixture *fixture_new(void)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->lfd = f->cfd = f->pty.master = -1;
	strbuf_init(&f->got);
	strbuf_append(&f->got, "", 0);
	strbuf_init(&f->out);
	strbuf_init(&f->pty.screen);
	snprintf(f->state_dir, sizeof(f->state_dir),
		 "/tmp/hotline-state-XXXXXX");
	if (mkdtemp(f->state_dir) == NULL)
		f->state_dir[0] = '\0';
	snprintf(f->xdg_env, sizeof(f->xdg_env), "XDG_STATE_HOME=%s",
		 f->state_dir);
	return f;
}

/* Setup: a real hotlined with the default menus. */
static int setup_server(void **state)
{
	struct fixture *f = fixture_new();
	const char *args[] = { "--menus", MENUS_DIR, NULL };

	*state = f;
	if (f->state_dir[0] == '\0' || e2e_server_start(&f->srv, args) < 0) {
		teardown(state); /* cmocka skips it when setup fails */
		return -1;
	}
	f->port = f->srv.port;
	snprintf(f->port_str, sizeof(f->port_str), "%u", f->port);
	return 0;
}

/* Setup: a fake server socket the test drives. */
static int setup_fake(void **state)
{
	struct fixture *f = fixture_new();

	*state = f;
	f->lfd = e2e_listen(&f->port);
	if (f->state_dir[0] == '\0' || f->lfd < 0) {
		teardown(state); /* cmocka skips it when setup fails */
		return -1;
	}
	snprintf(f->port_str, sizeof(f->port_str), "%u", f->port);
	return 0;
}

/* Stops what the test started and removes the state directory. */
static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	e2e_pty_fini(&f->pty);
	if (f->cfd >= 0)
		close(f->cfd);
	if (f->lfd >= 0)
		close(f->lfd);
	if (f->srv.pid > 0)
		e2e_server_stop(&f->srv, SIGKILL);
	if (f->state_dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->state_dir);
		if (system(cmd) != 0)
			return -1;
	}
	strbuf_fini(&f->got);
	strbuf_fini(&f->out);
	free(f);
	return 0;
}

/* Runs a piped hotline against the fixture's port with a short linger. */
static int run_pipe(struct fixture *f, const char *input)
{
	const char *args[] = { "--linger", "0.5", "127.0.0.1", f->port_str,
			       NULL };

	return e2e_client_run(args, input, &f->out);
}

/* Starts hotline on a terminal against the fixture's port. */
static void start_pty(struct fixture *f)
{
	const char *args[] = { "127.0.0.1", f->port_str, NULL };
	const char *env[] = { f->xdg_env, NULL };

	strbuf_fini(&f->pty.screen);
	assert_int_equal(e2e_pty_start(&f->pty, args, env), 0);
}

/* The fake server takes the client's call. */
static void fake_accept(struct fixture *f)
{
	f->cfd = e2e_accept(f->lfd);
	assert_true(f->cfd >= 0);
}

/* Whether the terminal is back in its usual cooked, echoing mode. */
static bool pty_is_cooked(const struct fixture *f)
{
	struct termios tio;

	if (tcgetattr(f->pty.master, &tio) < 0)
		return false;
	return (tio.c_lflag & (ICANON | ECHO)) == (ICANON | ECHO);
}

/* Reads a whole small file into a new string ("" if missing). */
static char *slurp(const char *path)
{
	struct strbuf sb;
	char buf[4096];
	FILE *fp = fopen(path, "r");
	size_t n;

	strbuf_init(&sb);
	strbuf_append(&sb, "", 0);
	if (fp == NULL)
		return sb.data;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_append(&sb, buf, n);
	fclose(fp);
	return sb.data;
}

/* A piped session: language menu, English, hang up; the server ends it. */
static void test_pipe_session(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run_pipe(f, "9\n3\n3\n"), 0);
	assert_non_null(strstr(f->out.data, "10086"));
	assert_non_null(strstr(f->out.data, "Language and encoding"));
	assert_non_null(strstr(f->out.data, "Welcome"));
	assert_non_null(strstr(f->out.data, GOODBYE_EN));
	/* Telnet stays out of the output, and so do CRs. */
	assert_null(memchr(f->out.data, 0xff, f->out.len));
	assert_null(memchr(f->out.data, '\r', f->out.len));
	assert_true(e2e_server_log_wait(&f->srv, "(quit)"));
}

/* After end of input the client waits for the server to be quiet, then hangs up. */
static void test_pipe_lingers_then_hangs_up(void **state)
{
	struct fixture *f = *state;
	struct timespec t0, t1;
	long ms;
	const char *menu;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(run_pipe(f, "0"), 0); /* no newline at the end */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 500);
	/* "0" repeats the menu: it came twice. */
	menu = strstr(f->out.data, "10086");
	assert_non_null(menu);
	assert_non_null(strstr(menu + 1, "10086"));
	assert_null(strstr(f->out.data, GOODBYE_ZH));
	assert_true(e2e_server_log_wait(&f->srv, "disconnect"));
}

/* The example: the demo balance through a pipe. */
static void test_pipe_balance(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run_pipe(f, "1\n13800138000\n123456\n1\n"), 0);
	assert_non_null(strstr(f->out.data, "88.50"));
	/* Never echoed back in a pipe either. */
	assert_null(strstr(f->out.data, "123456"));
}

/* A chat line arrives while "hel" is typed: it shows, and the line survives. */
static void test_pty_message_keeps_half_typed_line(void **state)
{
	struct fixture *f = *state;
	size_t mark;
	const char *msg;

	start_pty(f);
	fake_accept(f);
	e2e_send_str(f->cfd, "Welcome to the fake\r\n");
	assert_true(e2e_pty_expect(&f->pty, 0, "Welcome to the fake"));
	e2e_pty_type(&f->pty, "hel");
	assert_true(e2e_pty_expect(&f->pty, 0, "hel"));
	mark = f->pty.screen.len;
	e2e_send_str(f->cfd, "[12:00:00] bob: hi\r\n");
	assert_true(e2e_pty_expect(&f->pty, mark, "[12:00:00] bob: hi"));
	msg = strstr(f->pty.screen.data + mark, "[12:00:00] bob: hi");
	/* "hel" is no part of the message: this is the line, redrawn after it. */
	assert_true(e2e_pty_expect(&f->pty, (size_t)(msg - f->pty.screen.data),
				   "hel"));
	e2e_pty_type(&f->pty, "lo\r");
	assert_true(e2e_expect_str(f->cfd, &f->got, "hello\r\n"));
	/* Nothing but the line: no stray bytes, no "hel" sent early. */
	assert_string_equal(f->got.data, "hello\r\n");
	/* The server hangs up: exit 0, terminal restored. */
	e2e_send_str(f->cfd, "Bye\r\n");
	close(f->cfd);
	f->cfd = -1;
	assert_int_equal(e2e_pty_wait(&f->pty), 0);
	assert_non_null(strstr(f->pty.screen.data, "Bye"));
	assert_true(pty_is_cooked(f));
}

/* WILL ECHO after the greeting masks the input; it never reaches history. */
static void test_pty_masked_password(void **state)
{
	struct fixture *f = *state;
	char path[128];
	char *history;

	start_pty(f);
	fake_accept(f);
	/* The greeting's character-mode offer is refused. */
	e2e_send_str(f->cfd,
		     IAC WILL O_ECHO IAC WILL O_SGA "Welcome\r\nName: ");
	assert_true(e2e_expect_str(f->cfd, &f->got,
				   IAC DONT O_ECHO IAC DONT O_SGA));
	assert_true(e2e_pty_expect(&f->pty, 0, "Name: "));
	e2e_pty_type(&f->pty, "alice\r");
	assert_true(e2e_expect_str(f->cfd, &f->got, "alice\r\n"));
	/* Now a password: the server will echo, so the client hides it. */
	e2e_send_str(f->cfd, IAC WILL O_ECHO "Password: ");
	assert_true(e2e_expect_str(f->cfd, &f->got, IAC DO O_ECHO));
	assert_true(e2e_pty_expect(&f->pty, 0, "Password: "));
	e2e_pty_type(&f->pty, "123456\r");
	assert_true(e2e_expect_str(f->cfd, &f->got, "123456\r\n"));
	e2e_send_str(f->cfd, IAC WONT O_ECHO "\r\nOK\r\n");
	assert_true(e2e_expect_str(f->cfd, &f->got, IAC DONT O_ECHO));
	assert_true(e2e_pty_expect(&f->pty, 0, "OK"));
	close(f->cfd);
	f->cfd = -1;
	assert_int_equal(e2e_pty_wait(&f->pty), 0);
	assert_non_null(strstr(f->pty.screen.data, "******"));
	assert_null(strstr(f->pty.screen.data, "123456"));
	snprintf(path, sizeof(path), "%s/hotline/history", f->state_dir);
	history = slurp(path);
	assert_string_equal(history, "alice\n");
	free(history);
}

/* The window size goes out when asked and again when the terminal is resized. */
static void test_pty_window_size(void **state)
{
	struct fixture *f = *state;
	static const char naws_80x24[] = IAC WILL O_NAWS IAC SB O_NAWS
		"\x00\x50\x00\x18" IAC SE;
	static const char naws_100x30[] = IAC SB O_NAWS
		"\x00\x64\x00\x1e" IAC SE;
	struct winsize ws = { .ws_row = 30, .ws_col = 100 };

	start_pty(f);
	fake_accept(f);
	e2e_send_str(f->cfd, IAC DO O_NAWS "hi\r\n");
	assert_true(e2e_expect(f->cfd, &f->got, naws_80x24,
			       sizeof(naws_80x24) - 1));
	assert_true(e2e_pty_expect(&f->pty, 0, "hi"));
	assert_int_equal(ioctl(f->pty.master, TIOCSWINSZ, &ws), 0);
	assert_true(e2e_expect(f->cfd, &f->got, naws_100x30,
			       sizeof(naws_100x30) - 1));
}

/* Ctrl-C drops the half-typed line; Ctrl-D on an empty line hangs up. */
static void test_pty_ctrl_c_and_ctrl_d(void **state)
{
	struct fixture *f = *state;

	start_pty(f);
	fake_accept(f);
	e2e_send_str(f->cfd, "> ");
	assert_true(e2e_pty_expect(&f->pty, 0, "> "));
	e2e_pty_type(&f->pty, "oops");
	assert_true(e2e_pty_expect(&f->pty, 0, "oops"));
	e2e_pty_type(&f->pty, "\x03");
	e2e_pty_drain(&f->pty, 100);
	e2e_pty_type(&f->pty, "ok\r");
	assert_true(e2e_expect_str(f->cfd, &f->got, "ok\r\n"));
	assert_string_equal(f->got.data, "ok\r\n");
	e2e_pty_type(&f->pty, "\x04");
	assert_int_equal(e2e_pty_wait(&f->pty), 0);
	assert_true(e2e_expect_close(f->cfd, &f->got));
	assert_true(pty_is_cooked(f));
}

/* SIGTERM restores the terminal before the client goes. */
static void test_pty_sigterm_restores_terminal(void **state)
{
	struct fixture *f = *state;

	start_pty(f);
	fake_accept(f);
	e2e_send_str(f->cfd, "> ");
	assert_true(e2e_pty_expect(&f->pty, 0, "> "));
	e2e_pty_type(&f->pty, "abc");
	assert_true(e2e_pty_expect(&f->pty, 0, "abc"));
	assert_false(pty_is_cooked(f)); /* readline has it now */
	kill(f->pty.pid, SIGTERM);
	assert_int_equal(e2e_pty_wait(&f->pty), 128 + SIGTERM);
	assert_true(pty_is_cooked(f));
}

/* On a terminal against hotlined: history across runs, and the goodbye. */
static void test_pty_hotlined_history_across_runs(void **state)
{
	struct fixture *f = *state;
	size_t mark;

	start_pty(f);
	assert_true(e2e_pty_expect(&f->pty, 0, "10086"));
	e2e_pty_type(&f->pty, "9\r");
	assert_true(e2e_pty_expect(&f->pty, 0, "English"));
	e2e_pty_type(&f->pty, "\x04");
	assert_int_equal(e2e_pty_wait(&f->pty), 0);
	e2e_pty_fini(&f->pty);

	/* A second run: Up brings back "9"; then 3 (English), 3 (hang up). */
	start_pty(f);
	assert_true(e2e_pty_expect(&f->pty, 0, "请按键选择:"));
	mark = f->pty.screen.len;
	e2e_pty_type(&f->pty, "\x1b[A");
	assert_true(e2e_pty_expect(&f->pty, mark, "9"));
	e2e_pty_type(&f->pty, "\r");
	assert_true(e2e_pty_expect(&f->pty, mark, "English"));
	e2e_pty_type(&f->pty, "3\r");
	assert_true(e2e_pty_expect(&f->pty, mark, "Welcome"));
	e2e_pty_type(&f->pty, "3\r");
	assert_int_equal(e2e_pty_wait(&f->pty), 0);
	assert_non_null(strstr(f->pty.screen.data, GOODBYE_EN));
}

/* Nobody listening: exit 1 with what failed and what to try. */
static void test_connection_refused(void **state)
{
	struct fixture *f = *state;
	char want[128];

	close(f->lfd); /* the port was free a moment ago, and is again */
	f->lfd = -1;
	assert_int_equal(run_pipe(f, ""), 1);
	snprintf(want, sizeof(want),
		 "hotline: cannot connect to 127.0.0.1:%u: Connection refused"
		 " \xe2\x80\x94 is hotlined running?\n",
		 f->port);
	assert_string_equal(f->out.data, want);
}

/* --help, --version, and bad arguments. */
static void test_usage(void **state)
{
	struct strbuf out;
	const char *help[] = { "--help", NULL };
	const char *version[] = { "--version", NULL };
	const char *linger[] = { "--linger", "soon", NULL };
	const char *port[] = { "127.0.0.1", "70000", NULL };
	const char *extra[] = { "a", "1", "b", NULL };

	(void)state;
	strbuf_init(&out);
	assert_int_equal(e2e_client_run(help, "", &out), 0);
	assert_non_null(strstr(out.data, "usage: hotline"));
	assert_non_null(strstr(out.data, "--linger"));
	strbuf_reset(&out);
	assert_int_equal(e2e_client_run(version, "", &out), 0);
	assert_non_null(strstr(out.data, "hotline " HOTLINE_VERSION));
	strbuf_reset(&out);
	assert_int_equal(e2e_client_run(linger, "", &out), 2);
	assert_non_null(strstr(out.data, "bad linger"));
	strbuf_reset(&out);
	assert_int_equal(e2e_client_run(port, "", &out), 2);
	assert_non_null(strstr(out.data, "bad port"));
	strbuf_reset(&out);
	assert_int_equal(e2e_client_run(extra, "", &out), 2);
	strbuf_fini(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pipe_session, setup_server,
						teardown),
		cmocka_unit_test_setup_teardown(test_pipe_lingers_then_hangs_up,
						setup_server, teardown),
		cmocka_unit_test_setup_teardown(test_pipe_balance, setup_server,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_pty_message_keeps_half_typed_line, setup_fake,
			teardown),
		cmocka_unit_test_setup_teardown(test_pty_masked_password,
						setup_fake, teardown),
		cmocka_unit_test_setup_teardown(test_pty_window_size,
						setup_fake, teardown),
		cmocka_unit_test_setup_teardown(test_pty_ctrl_c_and_ctrl_d,
						setup_fake, teardown),
		cmocka_unit_test_setup_teardown(
			test_pty_sigterm_restores_terminal, setup_fake,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_pty_hotlined_history_across_runs, setup_server,
			teardown),
		cmocka_unit_test_setup_teardown(test_connection_refused,
						setup_fake, teardown),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
