/*
 * test_events_e2e: hotlined --events FILE end to end. A scripted telnet
 * caller walks a query with the password 123456 in character mode (a key
 * at a time, as Linux telnet sends), another enters the chat room, says
 * a line and types "/op" with a password. The file must hold one JSON
 * object a line (read with cJSON; valid UTF-8 and free of raw control
 * bytes, which cJSON does not check), the expected events in order, and
 * neither password anywhere. A file that cannot be written (/dev/full)
 * is reported once while the calls go on; one that cannot be opened
 * stops the start with its name. Every wait is bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "jsonline.h"
#include "strbuf.h"

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
	char dir[64]; /* a temporary directory for the events file */
	char path[96];
	int fd;
	struct strbuf got;
	char *events; /* the file, read once the server stopped */
	char *log;
};

/* Starts hotlined --trace --events FILE (or events_path if not NULL). */
static int start(void **state, const char *events_path)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	*state = f;
	strbuf_init(&f->got);
	f->fd = -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_events_e2e.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/lesson.jsonl", f->dir);
	{
		const char *args[] = {
			"--menus",
			MENUS_DIR,
			"--trace",
			"--events",
			events_path != NULL ? events_path : f->path,
			NULL,
		};

		return e2e_server_start(&f->srv, args);
	}
}

static int setup(void **state)
{
	return start(state, NULL);
}

static int setup_full_disk(void **state)
{
	return start(state, "/dev/full");
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->fd >= 0)
		close(f->fd);
	if (f->srv.pid > 0)
		e2e_server_stop(&f->srv, SIGKILL);
	unlink(f->path);
	rmdir(f->dir);
	strbuf_fini(&f->got);
	free(f->events);
	free(f->log);
	free(f);
	return 0;
}

/* Sends one byte at a time, as a character-mode telnet does. */
static void type_keys(int fd, const char *keys, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		e2e_send(fd, keys + i, 1);
		usleep(2000);
	}
}

/* Dials in and answers the offers as Linux telnet: character mode. */
static void dial_char_mode(struct fixture *f)
{
	f->fd = e2e_connect(f->srv.port);
	assert_true(f->fd >= 0);
	assert_true(e2e_expect_str(f->fd, &f->got, "10086"));
	e2e_send(f->fd, telnet_answers, sizeof(telnet_answers) - 1);
	assert_true(e2e_server_log_wait(&f->srv, "IAC SB NAWS 80 24 IAC SE"));
}

/*
 * Waits for the end of the call, stops the server (exit 0: no sanitizer
 * report), and reads the log and the events file.
 */
static void finish(struct fixture *f)
{
	FILE *in;
	struct strbuf sb;
	char buf[4096];
	size_t n;

	assert_true(e2e_expect_close(f->fd, &f->got));
	assert_true(e2e_server_log_wait(&f->srv, "closed first\n"));
	f->log = e2e_server_log(&f->srv);
	assert_int_equal(e2e_server_stop(&f->srv, SIGTERM), 0);
	in = fopen(f->path, "r");
	assert_non_null(in);
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		strbuf_append(&sb, buf, n);
	fclose(in);
	strbuf_append_char(&sb, '\0');
	f->events = sb.data;
}

/* A string field of obj, or "null" for null, or "?" for none. */
static const char *str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsNull(v))
		return "null";
	return cJSON_IsString(v) ? v->valuestring : "?";
}

/*
 * The integer field key of obj: jsonline_read checked that it is one, and
 * below 2^53 a double holds it exactly.
 */
static long long integer(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v))
		fail_msg("\"%s\" is no number", key);
	assert_true(v->valuedouble >= -0x1p53 && v->valuedouble <= 0x1p53);
	return (long long)v->valuedouble;
}

/*
 * Appends one event to sb as a short word for comparing, and checks what
 * every event has: its session, a UTC time, and the fields of its type.
 */
static void summarize(const cJSON *obj, struct strbuf *sb)
{
	const char *type = str(obj, "type");
	const char *time = str(obj, "time");
	const cJSON *masked;

	assert_true(integer(obj, "id") == 1);
	assert_int_equal(strlen(time), 24);
	assert_int_equal(time[23], 'Z');
	if (strcmp(type, "connect") == 0) {
		assert_memory_equal(str(obj, "peer"), "127.0.0.1:", 10);
		strbuf_printf(sb, "connect %s\n", str(obj, "transport"));
	} else if (strcmp(type, "close") == 0) {
		assert_true(integer(obj, "duration_ms") >= 0);
		/* Checked against the trace's count in events_are. */
		strbuf_printf(sb, "close %s: %lld bytes in, %lld bytes out\n",
			      str(obj, "reason"), integer(obj, "bytes_in"),
			      integer(obj, "bytes_out"));
	} else if (strcmp(type, "state") == 0) {
		strbuf_printf(sb, "state %s -> %s %s\n", str(obj, "from"),
			      str(obj, "to"), str(obj, "menu"));
	} else if (strcmp(type, "key") == 0) {
		strbuf_printf(sb, "key %s\n", str(obj, "key"));
	} else if (strcmp(type, "line") == 0) {
		masked = cJSON_GetObjectItemCaseSensitive(obj, "masked");
		strbuf_printf(sb, "line %s%s\n", str(obj, "text"),
			      cJSON_IsTrue(masked) ? " (masked)" : "");
	} else if (strcmp(type, "chat") == 0) {
		strbuf_printf(sb, "chat %s %s: %s\n", str(obj, "kind"),
			      str(obj, "nick"), str(obj, "text"));
	} else {
		fail_msg("unknown event type \"%s\"", type);
	}
}

/*
 * The last line of want with the byte counts the trace gave for the call
 * ("closed after 0.1s: 69 bytes in, 1026 bytes out"), in sb.
 */
static void close_line(struct fixture *f, struct strbuf *sb, const char *want)
{
	const char *closed = strstr(f->log, "closed after ");
	unsigned long long in, out;

	assert_non_null(closed);
	assert_int_equal(sscanf(closed,
				"closed after %*fs: %llu bytes in, "
				"%llu bytes out",
				&in, &out),
			 2);
	strbuf_printf(sb, "%s: %llu bytes in, %llu bytes out\n", want, in, out);
}

/*
 * Asserts every line of the file is one JSON object and that they say
 * want, one short line per event, in order; the close's reason is
 * close_reason, its byte counts the trace's; jsonline_read checks each
 * line for what stricter readers refuse and cJSON takes.
 */
static void events_are(struct fixture *f, const char *want,
		       const char *close_reason)
{
	struct strbuf sb, expected;

	strbuf_init(&sb);
	for (const char *p = f->events; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		const char *why;
		cJSON *obj;

		assert_non_null(nl);
		obj = jsonline_read(p, (size_t)(nl - p) + 1, &why);
		if (obj == NULL)
			fail_msg("the line %s: %.*s", why, (int)(nl - p), p);
		summarize(obj, &sb);
		cJSON_Delete(obj);
		p = nl + 1;
	}
	strbuf_append_char(&sb, '\0');
	strbuf_init(&expected);
	strbuf_append_str(&expected, want);
	close_line(f, &expected, close_reason);
	strbuf_append_char(&expected, '\0');
	if (strcmp(sb.data, expected.data) != 0) {
		fprintf(stderr, "%s\n", f->events);
		fail_msg("the events were:\n%s\nnot:\n%s", sb.data,
			 expected.data);
	}
	strbuf_fini(&expected);
	strbuf_fini(&sb);
}

/* A query in character mode: every key, line and state, the password masked. */
static void test_query_in_character_mode(void **state)
{
	struct fixture *f = *state;

	dial_char_mode(f);
	e2e_send_str(f->fd, "1");
	assert_true(e2e_expect_str(f->fd, &f->got, ASK_NUMBER));
	type_keys(f->fd, "13800138000\r\0", 13);
	assert_true(e2e_expect_str(f->fd, &f->got, ASK_PASSWORD));
	type_keys(f->fd, "123456\r\0", 8);
	assert_true(e2e_expect_str(f->fd, &f->got, ACCOUNT_MENU));
	e2e_send_str(f->fd, "#");
	e2e_send_str(f->fd, "3");
	assert_true(e2e_expect_str(f->fd, &f->got, GOODBYE_ZH));
	finish(f);

	events_are(f,
		   "connect telnet\n"
		   "state null -> MENU main\n"
		   "key 1\n"
		   "state MENU -> QUERY_NUMBER null\n"
		   "line 13800138000\n"
		   "state QUERY_NUMBER -> QUERY_PASSWORD null\n"
		   "line ****** (masked)\n"
		   "state QUERY_PASSWORD -> WAIT null\n"
		   "state WAIT -> MENU account\n"
		   "key #\n"
		   "state MENU -> MENU main\n"
		   "key 3\n"
		   "state MENU -> CLOSING null\n",
		   "close quit");
	assert_null(strstr(f->events, "123456"));
	/* --trace beside it masks the same password. */
	assert_null(strstr(f->log, "123456"));
}

/*
 * A pipe's caller: line mode, every line in one write. What is typed
 * ahead while the password's answer is awaited is masked too, as --trace
 * masks it: the input is still a secret's.
 */
static void test_query_in_one_write(void **state)
{
	struct fixture *f = *state;

	f->fd = e2e_connect(f->srv.port);
	assert_true(f->fd >= 0);
	assert_true(e2e_expect_str(f->fd, &f->got, "10086"));
	e2e_send_str(f->fd, "1\r\n13800138000\r\n123456\r\n#\r\n3\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got, GOODBYE_ZH));
	finish(f);

	events_are(f,
		   "connect telnet\n"
		   "state null -> MENU main\n"
		   "line 1\n"
		   "state MENU -> QUERY_NUMBER null\n"
		   "line 13800138000\n"
		   "state QUERY_NUMBER -> QUERY_PASSWORD null\n"
		   "line ****** (masked)\n"
		   "state QUERY_PASSWORD -> WAIT null\n"
		   "line * (masked)\n"
		   "line * (masked)\n"
		   "state WAIT -> MENU account\n"
		   "state MENU -> MENU main\n"
		   "state MENU -> CLOSING null\n",
		   "close quit");
	assert_null(strstr(f->events, "123456"));
	assert_null(strstr(f->log, "123456"));
}

/* The room: a line said, a /me, and the operator's password masked. */
static void test_chat_and_op(void **state)
{
	struct fixture *f = *state;

	dial_char_mode(f);
	e2e_send_str(f->fd, "4");
	assert_true(e2e_server_log_wait(&f->srv, "-> CHAT"));
	type_keys(f->fd, "大家好 \x1b[31mred\r",
		  strlen("大家好 \x1b[31mred\r"));
	e2e_send_str(f->fd, "/me waves\r");
	e2e_send_str(f->fd, "/op hunter2\r");
	e2e_send_str(f->fd, "/quit\r");
	finish(f);

	/* The line as the editor gave it (no colour escape), then the room's. */
	events_are(f,
		   "connect telnet\n"
		   "state null -> MENU main\n"
		   "key 4\n"
		   "state MENU -> CHAT null\n"
		   "chat join guest-1: \n"
		   "line 大家好 red\n"
		   "chat say guest-1: 大家好 red\n"
		   "line /me waves\n"
		   "chat me guest-1: waves\n"
		   "line /op ******* (masked)\n"
		   "line /quit\n"
		   "state CHAT -> CLOSING null\n"
		   "chat leave guest-1: hung up\n",
		   "close quit");
	assert_null(strstr(f->events, "hunter2"));
}

/* A file that takes nothing: said once, and every call goes on. */
static void test_full_disk(void **state)
{
	struct fixture *f = *state;
	char *log;
	size_t errors = 0;

	dial_char_mode(f);
	e2e_send_str(f->fd, "0");
	e2e_send_str(f->fd, "0");
	e2e_send_str(f->fd, "3");
	assert_true(e2e_expect_str(f->fd, &f->got, GOODBYE_ZH));
	assert_true(e2e_expect_close(f->fd, &f->got));
	assert_true(e2e_server_log_wait(&f->srv, "closed first\n"));
	/* A second call, after the failures, is served as the first. */
	close(f->fd);
	strbuf_reset(&f->got);
	f->fd = e2e_connect(f->srv.port);
	assert_true(f->fd >= 0);
	assert_true(e2e_expect_str(f->fd, &f->got, "10086"));
	log = e2e_server_log(&f->srv);
	for (const char *p = strstr(log, "events file /dev/full: No space");
	     p != NULL; p = strstr(p + 1, "events file /dev/full: No space"))
		errors++;
	assert_int_equal(errors, 1);
	free(log);
	assert_int_equal(e2e_server_stop(&f->srv, SIGTERM), 0);
}

/* A file that cannot be opened: the start stops, naming it. */
static void test_unopenable_file(void **state)
{
	const char *args[] = { "--menus",  MENUS_DIR,
			       "--listen", "127.0.0.1",
			       "--port",   "0",
			       "--events", "/nonexistent/dir/lesson.jsonl",
			       NULL };
	struct strbuf out;

	(void)state;
	strbuf_init(&out);
	assert_int_equal(e2e_run(args, &out), 1);
	strbuf_append_char(&out, '\0');
	assert_non_null(strstr(out.data, "cannot open the events file "
					 "/nonexistent/dir/lesson.jsonl"));
	assert_null(strstr(out.data, "listening on"));
	strbuf_fini(&out);
}

/* --help names the option. */
static void test_help(void **state)
{
	const char *args[] = { "--help", NULL };
	struct strbuf out;

	(void)state;
	strbuf_init(&out);
	assert_int_equal(e2e_run(args, &out), 0);
	strbuf_append_char(&out, '\0');
	assert_non_null(strstr(out.data, "--events FILE"));
	strbuf_fini(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_query_in_character_mode,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_in_one_write, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_chat_and_op, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_full_disk, setup_full_disk,
						teardown),
		cmocka_unit_test(test_unopenable_file),
		cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
