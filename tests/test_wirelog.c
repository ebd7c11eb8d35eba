/*
 * test_wirelog: a session's recent wire for the teacher's view: chunks
 * drawn as --trace draws them (rows, telnet names), a password's bytes
 * and an "/op" line masked by the decoder's state when they went by and
 * never drawn later, the bound on what is kept, and lines since a mark.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/wirelog.h"
#include "strbuf.h"
#include "wiretrace.h"

struct fixture {
	struct wirelog *log;
	struct wiretrace_dir in, out;
	struct timespec when;
	struct strbuf text;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->log = wirelog_new(7);
	wiretrace_dir_init(&f->in, true);
	wiretrace_dir_init(&f->out, false);
	f->when.tv_sec = 1765000000;
	strbuf_init(&f->text);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	wirelog_free(f->log);
	strbuf_fini(&f->text);
	free(f);
	return 0;
}

/* Records a chunk, which steps the live decoder over it. */
static void chunk(struct fixture *f, bool in, const char *buf, size_t len,
		  bool secret)
{
	wirelog_chunk(f->log, &f->when, in, in ? &f->in : &f->out, buf, len,
		      secret, 0);
}

/* Draws everything kept; the text is NUL-terminated. */
static const char *render(struct fixture *f, uint64_t mark, size_t max)
{
	strbuf_reset(&f->text);
	wirelog_render(f->log, mark, max, &f->text);
	strbuf_append_char(&f->text, '\0');
	return f->text.data;
}

/* A chunk is its header, its rows and its telnet names, as --trace has them. */
static void test_chunk_drawn(void **state)
{
	struct fixture *f = *state;
	const char *t;

	chunk(f, false, "\xff\xfb\x01hi", 5, false);
	wirelog_line(f->log, &f->when, "state: MENU -> CHAT", 19);
	t = render(f, 0, WIRELOG_LINES);
	assert_non_null(strstr(t, "session 7: out 5 bytes\n"));
	assert_non_null(strstr(t, "0000  ff fb 01 68 69"));
	assert_non_null(strstr(t, "telnet: IAC WILL ECHO\n"));
	assert_non_null(strstr(t, "session 7: state: MENU -> CHAT\n"));
	/* No colour on a page. */
	assert_null(strchr(t, '\033'));
}

/* A password typed (secret) and an "/op" line are masked, never drawn. */
static void test_masked(void **state)
{
	struct fixture *f = *state;
	const char *t;

	chunk(f, true, "123456\r\n", 8, true);
	/* "/op " arrives a byte at a time, then the password in one read. */
	chunk(f, true, "/", 1, false);
	chunk(f, true, "op ", 3, false);
	chunk(f, true, "hunter2\r\n", 9, false);
	t = render(f, 0, WIRELOG_LINES);
	assert_null(strstr(t, "123456"));
	assert_null(strstr(t, "31 32 33"));
	assert_null(strstr(t, "hunter2"));
	assert_null(strstr(t, "68 75 6e"));
	assert_non_null(strstr(t, "in 8 bytes (6 bytes of a password masked)"));
	assert_non_null(strstr(t, "in 9 bytes (7 bytes of a password masked)"));
	assert_non_null(strstr(t, "** ** ** ** ** **"));
}

/* The oldest records go past the bound; render keeps the newest lines. */
static void test_bounded(void **state)
{
	struct fixture *f = *state;
	char line[64];
	const char *t;
	size_t lines = 0;

	for (int i = 0; i < 5000; i++) {
		int n = snprintf(line, sizeof(line), "line %d", i);

		wirelog_line(f->log, &f->when, line, (size_t)n);
	}
	t = render(f, 0, WIRELOG_LINES);
	for (const char *p = t; *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, WIRELOG_LINES);
	assert_non_null(strstr(t, "line 4999\n"));
	assert_null(strstr(t, "line 4799\n"));
	assert_non_null(strstr(t, "line 4800\n"));
	/* Far fewer than 5000 lines are kept at all. */
	t = render(f, 0, 100000);
	assert_null(strstr(t, "line 0\n"));
	assert_true(strlen(t) < 2 * WIRELOG_MAX_BYTES);
}

/* Only the records after a mark, for the live view. */
static void test_since_mark(void **state)
{
	struct fixture *f = *state;
	uint64_t mark;
	const char *t;

	assert_int_equal(wirelog_mark(f->log), 0);
	wirelog_line(f->log, &f->when, "first", 5);
	mark = wirelog_mark(f->log);
	wirelog_line(f->log, &f->when, "second", 6);
	t = render(f, mark, WIRELOG_LINES);
	assert_null(strstr(t, "first"));
	assert_non_null(strstr(t, "second"));
	assert_string_equal(render(f, wirelog_mark(f->log), WIRELOG_LINES), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chunk_drawn, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_masked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_since_mark, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
