/*
 * test_events: the event model and its JSON line, and the file it goes
 * to. Every line is read back with cJSON, and checked for what cJSON lets
 * pass: valid UTF-8, no raw control byte, one object and nothing after
 * it, numbers written as integers. Any byte a caller can send (each of
 * 0..255 alone and all of them in a row), CJK, and every kind of invalid
 * UTF-8 make valid JSON, invalid bytes and NUL as U+FFFD; a
 * password and the operator's "/op" line are masked as --trace masks
 * them. The file is appended to; a full disk is reported once and costs
 * only the lines it refused; a FIFO that cannot take a line loses that
 * line only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonline.h"
#include "log/events.h"
#include "log/eventsink.h"
#include "strbuf.h"

/* U+FFFD in UTF-8. */
#define FFFD "\xef\xbf\xbd"

struct fixture {
	char dir[64]; /* a temporary directory for the files */
	char path[96];
	char *line; /* the last line encoded */
	size_t len;
	cJSON *obj; /* and read back */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_events.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/events.jsonl", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	events_close();
	unlink(f->path);
	rmdir(f->dir);
	free(f->line);
	cJSON_Delete(f->obj);
	free(f);
	return 0;
}

/* An event at a fixed time: 2024-01-02 03:04:05.678 UTC. */
static void fixed(struct events_event *ev, enum events_type type, unsigned id)
{
	events_init(ev, type, id);
	ev->time.tv_sec = 1704164645;
	ev->time.tv_nsec = 678000000;
}

/*
 * Reads one line (len bytes, its '\n' the last) back as a JSON object,
 * which the caller frees; fails the test, saying which rule the line
 * broke, unless jsonline_read takes it (what stricter readers refuse and
 * cJSON takes: see jsonline.h).
 */
static cJSON *read_line(const char *line, size_t len)
{
	const char *why;
	cJSON *obj = jsonline_read(line, len, &why);

	if (obj == NULL)
		fail_msg("the line %s: %.*s", why, (int)len, line);
	return obj;
}

/*
 * Encodes ev into f->line and reads it back into f->obj: one line, its
 * only line end the last byte, no raw control byte, a JSON object.
 */
static void encode(struct fixture *f, const struct events_event *ev)
{
	free(f->line);
	cJSON_Delete(f->obj);
	f->obj = NULL;
	f->line = events_encode(ev, &f->len);
	assert_non_null(f->line);
	assert_int_equal(f->line[f->len], '\0');
	f->obj = read_line(f->line, f->len);
}

/* The field key of f->obj; it must be there. */
static const cJSON *get(const struct fixture *f, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(f->obj, key);

	if (v == NULL)
		fail_msg("no \"%s\" in %s", key, f->line);
	return v;
}

/* Asserts the integer field key of f->obj is want (under 2^53: exact). */
static void number_is(const struct fixture *f, const char *key, long long want)
{
	const cJSON *v = get(f, key);

	assert_true(cJSON_IsNumber(v));
	assert_true(v->valuedouble == (double)want);
}

/*
 * Asserts the string field key of f->obj is want (len bytes). cJSON's
 * strings end at a NUL, and a \u0000 would cut one short; the encoder
 * writes NUL as U+FFFD, so strlen is the whole length.
 */
static void field_is(struct fixture *f, const char *key, const char *want,
		     size_t len)
{
	const cJSON *v = get(f, key);

	assert_true(cJSON_IsString(v));
	assert_int_equal(strlen(v->valuestring), len);
	assert_memory_equal(v->valuestring, want, len);
}

/* The text a line of len bytes gives, read back from JSON. */
static void text_round_trip(struct fixture *f, const char *text, size_t len,
			    const char *want, size_t want_len)
{
	struct events_event ev;

	fixed(&ev, EVENTS_LINE, 1);
	events_add_text(&ev, "text", text, len);
	encode(f, &ev);
	field_is(f, "text", want, want_len);
}

/* The shape: type, id and time first, then the fields in order, compact. */
static void test_connect_line(void **state)
{
	struct fixture *f = *state;
	struct events_event ev;

	fixed(&ev, EVENTS_CONNECT, 7);
	events_add_text(&ev, "peer", "127.0.0.1:5555", 14);
	events_add_text(&ev, "transport", "telnet", 6);
	encode(f, &ev);
	assert_string_equal(f->line, "{\"type\":\"connect\",\"id\":7,"
				     "\"time\":\"2024-01-02T03:04:05.678Z\","
				     "\"peer\":\"127.0.0.1:5555\","
				     "\"transport\":\"telnet\"}\n");
}

/* Numbers, booleans and null: close's counts and a new call's "from". */
static void test_numbers_and_null(void **state)
{
	struct fixture *f = *state;
	struct events_event ev;

	fixed(&ev, EVENTS_CLOSE, 3);
	events_add_text(&ev, "reason", "quit", 4);
	events_add_number(&ev, "duration_ms", 4400);
	events_add_number(&ev, "bytes_in", 69);
	events_add_number(&ev, "bytes_out", 10000000000LL);
	events_add_bool(&ev, "flag", true);
	events_add_text(&ev, "from", NULL, 0);
	encode(f, &ev);
	field_is(f, "type", "close", 5);
	number_is(f, "id", 3);
	number_is(f, "duration_ms", 4400);
	number_is(f, "bytes_in", 69);
	number_is(f, "bytes_out", 10000000000LL);
	assert_true(cJSON_IsTrue(get(f, "flag")));
	assert_true(cJSON_IsNull(get(f, "from")));
}

/*
 * Events of one type in a row, as a class makes them: each line says its
 * own values only: a null after a text and back, other fields, fewer
 * fields (nothing of the last event's left over), a number after a text,
 * a bool after its other value.
 */
static void test_same_type_in_a_row(void **state)
{
	struct fixture *f = *state;
	struct events_event ev;

	fixed(&ev, EVENTS_STATE, 1);
	events_add_text(&ev, "from", NULL, 0);
	events_add_text(&ev, "to", "MENU", 4);
	events_add_text(&ev, "menu", "main", 4);
	encode(f, &ev);
	fixed(&ev, EVENTS_STATE, 2);
	events_add_text(&ev, "from", "MENU", 4);
	events_add_text(&ev, "to", "CHAT", 4);
	events_add_text(&ev, "menu", NULL, 0);
	encode(f, &ev);
	assert_string_equal(
		f->line, "{\"type\":\"state\",\"id\":2,"
			 "\"time\":\"2024-01-02T03:04:05.678Z\","
			 "\"from\":\"MENU\",\"to\":\"CHAT\",\"menu\":null}\n");
	fixed(&ev, EVENTS_STATE, 3);
	events_add_text(&ev, "to", "MENU", 4);
	encode(f, &ev);
	assert_string_equal(f->line, "{\"type\":\"state\",\"id\":3,"
				     "\"time\":\"2024-01-02T03:04:05.678Z\","
				     "\"to\":\"MENU\"}\n");
	fixed(&ev, EVENTS_STATE, 4);
	events_add_number(&ev, "to", 5);
	encode(f, &ev);
	number_is(f, "to", 5);
	fixed(&ev, EVENTS_STATE, 5);
	events_add_text(&ev, "menu", "main", 4);
	events_add_text(&ev, "to", "MENU", 4);
	encode(f, &ev);
	assert_string_equal(f->line, "{\"type\":\"state\",\"id\":5,"
				     "\"time\":\"2024-01-02T03:04:05.678Z\","
				     "\"menu\":\"main\",\"to\":\"MENU\"}\n");
	/* A bool after its other value, and back. */
	for (int i = 0; i < 3; i++) {
		bool flag = i % 2 == 0;

		fixed(&ev, EVENTS_KEY, 6);
		events_add_bool(&ev, "masked", flag);
		encode(f, &ev);
		assert_non_null(strstr(f->line, flag ? "\"masked\":true}"
						     : "\"masked\":false}"));
	}
}

/*
 * Every byte alone between two letters: ASCII but NUL as itself, NUL and
 * the bytes past ASCII as U+FFFD.
 */
static void test_every_byte_alone(void **state)
{
	struct fixture *f = *state;

	for (unsigned b = 0; b < 256; b++) {
		char text[3] = { 'a', (char)b, 'z' };
		char want[5] = { 'a' };
		size_t want_len;

		if (b > 0 && b < 0x80) {
			memcpy(want, text, 3);
			want_len = 3;
		} else {
			memcpy(want + 1, FFFD, 3);
			want[4] = 'z';
			want_len = 5;
		}
		text_round_trip(f, text, sizeof(text), want, want_len);
	}
}

/* All 256 bytes in a row: no two of 0x80..0xff make a character. */
static void test_every_byte_in_a_row(void **state)
{
	struct fixture *f = *state;
	char text[256];
	struct strbuf want;

	strbuf_init(&want);
	for (unsigned b = 0; b < 256; b++) {
		text[b] = (char)b;
		if (b > 0 && b < 0x80)
			strbuf_append_char(&want, (char)b);
		else
			strbuf_append_str(&want, FFFD);
	}
	text_round_trip(f, text, sizeof(text), want.data, want.len);
	/*
	 * The other controls are escaped, not dropped: short forms where
	 * JSON has them, else \u and four hex digits, lowercase (cJSON's).
	 */
	assert_non_null(strstr(f->line, "\"" FFFD "\\u0001"));
	assert_non_null(strstr(f->line, "\\n\\u000b"));
	assert_non_null(
		strstr(f->line, "\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e"));
	assert_non_null(
		strstr(f->line, "\\u001b\\u001c\\u001d\\u001e\\u001f !\\\"#"));
	assert_non_null(strstr(f->line, "[\\\\]"));
	/* DEL needs no escape in JSON. */
	assert_non_null(strstr(f->line, "~\x7f" FFFD));
	strbuf_fini(&want);
}

/* CJK and other valid characters are written as themselves. */
static void test_cjk(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "你好,世界!充值 50 元 😀 é";

	text_round_trip(f, text, sizeof(text) - 1, text, sizeof(text) - 1);
	assert_non_null(strstr(f->line, "你好,世界"));
	assert_null(strstr(f->line, "\\u"));
}

/* Each byte of an invalid sequence is one U+FFFD; valid ones around stay. */
static void test_invalid_utf8(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "\xc0\xaf", FFFD FFFD },          /* overlong '/' */
		{ "\xe0\x80\xaf", FFFD FFFD FFFD }, /* overlong, 3 bytes */
		{ "\xed\xa0\x80", FFFD FFFD FFFD }, /* a surrogate */
		{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD }, /* past U+10FFFF */
		{ "\xf8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD },
		{ "ab\xe4\xbd", "ab" FFFD FFFD }, /* cut at the end */
		{ "\xe4\xbd"
		  "a\xe5\xa5\xbd",
		  FFFD FFFD "a好" },       /* cut, then one */
		{ "\x80\xbf", FFFD FFFD }, /* lone continuations */
		{ "\xfe\xff", FFFD FFFD },
		{ FFFD, FFFD }, /* U+FFFD itself */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		text_round_trip(f, cases[i].in, strlen(cases[i].in),
				cases[i].out, strlen(cases[i].out));
}

/* A password's line: every byte a '*', whatever it was. */
static void test_secret_masked(void **state)
{
	struct fixture *f = *state;
	struct events_event ev;

	events_line(&ev, 2, "123456", 6, true);
	encode(f, &ev);
	field_is(f, "text", "******", 6);
	assert_true(cJSON_IsTrue(get(f, "masked")));
	assert_null(strstr(f->line, "123456"));

	/* A byte a '*': as --trace counts them. */
	events_line(&ev, 2, "密码\xff", 7, true);
	encode(f, &ev);
	field_is(f, "text", "*******", 7);

	/* An empty secret is still said to be one. */
	events_line(&ev, 2, "", 0, true);
	encode(f, &ev);
	field_is(f, "text", "", 0);
	assert_true(cJSON_IsTrue(get(f, "masked")));
}

/* "/op PASSWORD" in the room: the command shows, the password not. */
static void test_op_line_masked(void **state)
{
	struct fixture *f = *state;
	struct events_event ev;

	events_line(&ev, 4, "/op hunter2", 11, false);
	encode(f, &ev);
	field_is(f, "text", "/op *******", 11);
	assert_true(cJSON_IsTrue(get(f, "masked")));
	assert_null(strstr(f->line, "hunter2"));

	/* In any case, as --trace sees it. */
	events_line(&ev, 4, "/OP s3cret", 10, false);
	encode(f, &ev);
	field_is(f, "text", "/OP ******", 10);

	/* Other lines, "/opx" and "/op" alone too, are not masked. */
	events_line(&ev, 4, "/opx y", 6, false);
	encode(f, &ev);
	field_is(f, "text", "/opx y", 6);
	assert_true(cJSON_IsFalse(get(f, "masked")));
	events_line(&ev, 4, "/op", 3, false);
	encode(f, &ev);
	field_is(f, "text", "/op", 3);
	events_line(&ev, 4, "13800138000", 11, false);
	encode(f, &ev);
	field_is(f, "text", "13800138000", 11);
	assert_true(cJSON_IsFalse(get(f, "masked")));
}

/* Every type has its own name. */
static void test_type_names(void **state)
{
	(void)state;
	for (int i = 0; i < EVENTS_TYPE_COUNT; i++) {
		assert_true(strlen(events_type_name(i)) > 0);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(events_type_name(i),
						events_type_name(j));
	}
}

/*
 * The strict reader itself: each line breaks one rule and is refused for
 * that rule; the last lines break none. The encoder's lines never break
 * one, so without this a reader that checks nothing would pass.
 */
static void test_reader_refuses(void **state)
{
	static const struct {
		const char *line;
		const char *why; /* NULL: taken */
	} cases[] = {
		{ "\n", "is shorter than an object and its '\\n'" },
		{ "{}}", "does not end in '\\n'" },
		{ "{\"a\":\"x\ty\"}\n",
		  "has a raw control byte before its '\\n'" },
		{ "{\"a\":\"x\ry\"}\n",
		  "has a raw control byte before its '\\n'" },
		{ "{\"a\":\"\xff\"}\n", "is not valid UTF-8" },
		{ "{\"a\":\"\xc0\xaf\"}\n", "is not valid UTF-8" },
		{ "{\"a\":\"x\\u0000\"}\n", "has a \\u0000 escape" },
		{ "\xef\xbb\xbf{}\n", "does not start with '{'" },
		{ " {}\n", "does not start with '{'" },
		{ "{\"a\":}\n", "is not JSON" },
		{ "{}x\n", "has something after the object before its '\\n'" },
		{ "{} \n", "has something after the object before its '\\n'" },
		{ "{}{}\n", "has something after the object before its '\\n'" },
		{ "{\"a\":1.5}\n",
		  "has a number that is no integer of 64 bits" },
		{ "{\"a\":1e19}\n",
		  "has a number that is no integer of 64 bits" },
		{ "{\"a\":100000000000000000000}\n",
		  "has a number that is no integer of 64 bits" },
		{ "{\"a\":1e3}\n", "has a number not written as digits" },
		{ "{\"a\":1.0}\n", "has a number not written as digits" },
		{ "{\"a\":01}\n", "has a number not written as digits" },
		{ "{\"a\":\"1\",\"a\":1}\n",
		  "has a number not written as digits" },
		{ "{}\n", NULL },
		{ "{\"a\":-12,\"b\":0,\"c\":\"\xe4\xb8\xad\\u001b\",\"d\":null,"
		  "\"e\":true,\"f\":\"\\\\u0000\"}\n",
		  NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *line = cases[i].line;
		const char *why = NULL;
		cJSON *obj = jsonline_read(line, strlen(line), &why);

		if (cases[i].why == NULL) {
			if (obj == NULL)
				fail_msg("refused (%s): %s", why, line);
			assert_null(why);
		} else {
			if (obj != NULL) {
				cJSON_Delete(obj);
				fail_msg("taken: %s", line);
			}
			assert_non_null(why);
			if (strcmp(why, cases[i].why) != 0)
				fail_msg("refused as \"%s\", not \"%s\": %s",
					 why, cases[i].why, line);
		}
		cJSON_Delete(obj);
	}
}

/* The whole file, read into a new string (NUL-ended). */
static char *slurp(const char *path)
{
	FILE *in = fopen(path, "r");
	struct strbuf sb;
	char buf[4096];
	size_t n;

	assert_non_null(in);
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		strbuf_append(&sb, buf, n);
	fclose(in);
	strbuf_append_char(&sb, '\0');
	return sb.data;
}

/* Asserts every line of text is a JSON object (read_line); returns how many. */
static size_t json_lines(const char *text)
{
	size_t n = 0;

	for (const char *p = text; *p != '\0'; n++) {
		const char *nl = strchr(p, '\n');

		assert_non_null(nl);
		cJSON_Delete(read_line(p, (size_t)(nl - p) + 1));
		p = nl + 1;
	}
	return n;
}

/* The emitters write whole lines; a second open appends. */
static void test_file_appended(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct stat st;
	char *text;

	assert_false(events_enabled);
	assert_int_equal(events_open(f->path, err, sizeof(err)), 0);
	assert_true(events_enabled);
	events_emit_connect(1, "127.0.0.1:4000", "telnet");
	events_emit_state(1, NULL, "MENU", "main");
	events_emit_line(1, "123456", 6, true);
	events_close();
	assert_false(events_enabled);
	/* Closed: nothing more is written. */
	events_emit_key(1, "1", 1);
	assert_int_equal(events_open(f->path, err, sizeof(err)), 0);
	events_emit_chat(1, "guest-1", "你好", 6, "say");
	events_emit_close(1, "quit", 1200, 69, 1026);
	events_close();

	text = slurp(f->path);
	assert_int_equal(json_lines(text), 5);
	assert_non_null(strstr(text, "\"type\":\"connect\""));
	assert_non_null(strstr(text, "\"text\":\"你好\""));
	assert_null(strstr(text, "123456"));
	assert_null(strstr(text, "\"type\":\"key\""));
	free(text);
	/* What callers typed is for the teacher only. */
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

/* A file that cannot be opened is refused with its name and why. */
static void test_open_refused(void **state)
{
	struct fixture *f = *state;
	char path[128], err[256];

	snprintf(path, sizeof(path), "%s/no/such/dir", f->dir);
	assert_int_equal(events_open(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "No such file or directory"));
	assert_false(events_enabled);

	/* A FIFO nobody reads would block: refused at once instead. */
	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_int_equal(events_open(f->path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no process reading it"));
	assert_false(events_enabled);
}

/*
 * stderr becomes a temporary file for the log lines a test makes; the
 * test's own is returned.
 */
static FILE *capture_stderr(void)
{
	FILE *saved = stderr;

	stderr = tmpfile();
	assert_non_null(stderr);
	return saved;
}

/* Gives stderr back; returns what was written to it (the caller frees). */
static char *release_stderr(FILE *saved)
{
	struct strbuf sb;
	char buf[1024];
	size_t n;

	fflush(stderr);
	rewind(stderr);
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), stderr)) > 0)
		strbuf_append(&sb, buf, n);
	strbuf_append_char(&sb, '\0');
	fclose(stderr);
	stderr = saved;
	return sb.data;
}

/* How many times needle is in hay. */
static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p != NULL;
	     p = strstr(p + 1, needle))
		n++;
	return n;
}

/* A full disk: one error in the log, each line counted, nothing stops. */
static void test_full_disk_reported_once(void **state)
{
	char err[256];
	FILE *saved;
	char *log;

	(void)state;
	assert_int_equal(events_open("/dev/full", err, sizeof(err)), 0);
	saved = capture_stderr();
	for (int i = 0; i < 5; i++)
		events_emit_key(1, "1", 1);
	assert_int_equal(eventsink_lost(), 5);
	events_close();
	log = release_stderr(saved);
	assert_int_equal(count(log, "error:"), 1);
	assert_int_equal(count(log, "events file /dev/full: No space left"), 1);
	assert_int_equal(count(log, "5 events lost in all"), 1);
	free(log);
}

/* Reads what the FIFO holds now (at most size - 1 bytes, NUL-ended). */
static size_t drain(int fd, char *buf, size_t size)
{
	ssize_t n = read(fd, buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

/*
 * A FIFO of one page, not read: a longer line goes out in part and is
 * lost; once read, the next line starts on a line of its own and the log
 * says how many were lost.
 */
static void test_fifo_line_cut(void **state)
{
	struct fixture *f = *state;
	static char got[16384];
	char err[256], *big, *log;
	FILE *saved;
	int rd;
	size_t n;
	const char *second;

	assert_int_equal(mkfifo(f->path, 0600), 0);
	rd = open(f->path, O_RDONLY | O_NONBLOCK);
	assert_true(rd >= 0);
	assert_true(fcntl(rd, F_SETPIPE_SZ, 4096) >= 4096);
	n = (size_t)fcntl(rd, F_GETPIPE_SZ);
	assert_int_equal(events_open(f->path, err, sizeof(err)), 0);
	big = malloc(2 * n);
	assert_non_null(big);
	memset(big, 'x', 2 * n);
	saved = capture_stderr();
	events_emit_chat(1, "guest-1", big, 2 * n, "say");
	assert_int_equal(eventsink_lost(), 1);
	/* Still full: this one is dropped whole. */
	events_emit_key(1, "2", 1);
	assert_int_equal(eventsink_lost(), 2);
	assert_int_equal(drain(rd, got, sizeof(got)), n);
	assert_null(strchr(got, '\n'));
	events_emit_key(1, "3", 1);
	events_close();
	log = release_stderr(saved);
	assert_int_equal(count(log, "error:"), 1);
	assert_int_equal(count(log, "its reader is not keeping up"), 1);
	assert_int_equal(count(log, "takes events again; 2 lost"), 1);
	free(log);
	/* The cut line ends where the next begins, which is whole. */
	drain(rd, got, sizeof(got));
	assert_int_equal(got[0], '\n');
	second = got + 1;
	assert_int_equal(json_lines(second), 1);
	assert_non_null(strstr(second, "\"key\":\"3\""));
	close(rd);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_line, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_numbers_and_null, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_same_type_in_a_row, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_every_byte_alone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_every_byte_in_a_row, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cjk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_utf8, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_secret_masked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_op_line_masked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_type_names, setup,
						teardown),
		cmocka_unit_test(test_reader_refuses),
		cmocka_unit_test_setup_teardown(test_file_appended, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_full_disk_reported_once,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_line_cut, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
