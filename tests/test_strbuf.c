/*
 * test_strbuf: the growable buffer (common/strbuf): always NUL-terminated,
 * bytes kept as given (a NUL among them too), growth past its first
 * block, printf, reset keeping the storage, fini leaving it reusable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "strbuf.h"

/* Setup: an empty buffer. */
static int setup(void **state)
{
	struct strbuf *sb = xmalloc(sizeof(*sb));

	strbuf_init(sb);
	*state = sb;
	return 0;
}

/* Frees the buffer. */
static int teardown(void **state)
{
	struct strbuf *sb = *state;

	strbuf_fini(sb);
	free(sb);
	return 0;
}

static void test_starts_empty(void **state)
{
	struct strbuf *sb = *state;

	assert_null(sb->data);
	assert_int_equal(sb->len, 0);
	/* Even nothing appended leaves a terminated string. */
	strbuf_append(sb, "", 0);
	assert_non_null(sb->data);
	assert_string_equal(sb->data, "");
	assert_int_equal(sb->len, 0);
}

static void test_appends(void **state)
{
	struct strbuf *sb = *state;

	strbuf_append(sb, "ab", 2);
	strbuf_append_str(sb, "中文");
	strbuf_append_char(sb, '!');
	assert_int_equal(sb->len, 9);
	assert_string_equal(sb->data, "ab中文!");
	/* A NUL is a byte like another; the terminator comes after it. */
	strbuf_append(sb, "x\0y", 3);
	assert_int_equal(sb->len, 12);
	assert_memory_equal(sb->data + 9, "x\0y\0", 4);
}

static void test_grows(void **state)
{
	struct strbuf *sb = *state;

	for (int i = 0; i < 1000; i++)
		strbuf_append_char(sb, (char)('a' + i % 26));
	assert_int_equal(sb->len, 1000);
	assert_true(sb->cap > sb->len);
	assert_int_equal(sb->data[1000], '\0');
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(sb->data[i], 'a' + (int)(i % 26));
}

static void test_printf(void **state)
{
	struct strbuf *sb = *state;

	strbuf_printf(sb, "%s=%d", "fen", 500);
	assert_string_equal(sb->data, "fen=500");
	/* Longer than the first block. */
	strbuf_printf(sb, " %0200d", 7);
	assert_int_equal(sb->len, 7 + 201);
	assert_int_equal(sb->data[sb->len - 1], '7');
	assert_int_equal(sb->data[sb->len], '\0');
	/* Nothing printed changes nothing. */
	strbuf_printf(sb, "%s", "");
	assert_int_equal(sb->len, 208);
}

static void test_reset_keeps_storage(void **state)
{
	struct strbuf *sb = *state;
	char *data;
	size_t cap;

	/* A reset of a buffer never used is harmless. */
	strbuf_reset(sb);
	assert_int_equal(sb->len, 0);
	strbuf_append_str(sb, "some text");
	data = sb->data;
	cap = sb->cap;
	strbuf_reset(sb);
	assert_int_equal(sb->len, 0);
	assert_string_equal(sb->data, "");
	assert_ptr_equal(sb->data, data);
	assert_int_equal(sb->cap, cap);
	strbuf_append_str(sb, "again");
	assert_string_equal(sb->data, "again");
}

static void test_fini_leaves_it_empty(void **state)
{
	struct strbuf *sb = *state;

	strbuf_append_str(sb, "text");
	strbuf_fini(sb);
	assert_null(sb->data);
	assert_int_equal(sb->len, 0);
	assert_int_equal(sb->cap, 0);
	/* Usable again; teardown's fini frees this. */
	strbuf_append_str(sb, "more");
	assert_string_equal(sb->data, "more");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_starts_empty, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_printf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_keeps_storage, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fini_leaves_it_empty,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
