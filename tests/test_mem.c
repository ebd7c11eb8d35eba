/*
 * test_mem: the allocation wrappers (common/mem): what each returns, that
 * a zero size still gives a block to free, and that running out of
 * memory aborts with a message naming the program instead of returning
 * NULL. The last is checked in a child: this test run again as "oom".
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
#include <sys/wait.h>
#include <unistd.h>

#include "mem.h"

/* Bytes of the child's stderr kept to look for the message. */
#define CHILD_ERR_MAX 4096

static void test_malloc_and_calloc(void **state)
{
	unsigned char *p;

	(void)state;
	/* A zero size is still a block of its own. */
	p = xmalloc(0);
	assert_non_null(p);
	free(p);
	p = xmalloc(16);
	memset(p, 0xa5, 16);
	free(p);
	p = xcalloc(8, 4);
	for (size_t i = 0; i < 32; i++)
		assert_int_equal(p[i], 0);
	free(p);
	p = xcalloc(0, 0);
	assert_non_null(p);
	free(p);
}

static void test_realloc_keeps_contents(void **state)
{
	char *p;

	(void)state;
	p = xrealloc(NULL, 4);
	memcpy(p, "abc", 4);
	p = xrealloc(p, 4096);
	assert_string_equal(p, "abc");
	p = xrealloc(p, 0);
	assert_non_null(p);
	free(p);
}

static void test_strdup_and_strndup(void **state)
{
	const char *s = "hello";
	char *p;

	(void)state;
	p = xstrdup(s);
	assert_string_equal(p, "hello");
	assert_ptr_not_equal(p, s);
	free(p);
	p = xstrndup(s, 3);
	assert_string_equal(p, "hel");
	free(p);
	/* Exactly n bytes, a NUL among them included, then a NUL. */
	p = xstrndup("a\0b", 3);
	assert_memory_equal(p, "a\0b", 4);
	free(p);
	p = xstrndup(s, 0);
	assert_string_equal(p, "");
	free(p);
}

static void test_asprintf(void **state)
{
	char *p;

	(void)state;
	p = xasprintf("%s-%d", "line", 7);
	assert_string_equal(p, "line-7");
	free(p);
	p = xasprintf("%s", "");
	assert_string_equal(p, "");
	free(p);
}

static void test_array_len(void **state)
{
	int seven[7];
	const char *names[] = { "a", "b" };

	(void)state;
	(void)seven;
	assert_int_equal(ARRAY_LEN(seven), 7);
	assert_int_equal(ARRAY_LEN(names), 2);
}

/*
 * Runs this test again as "oom", its stderr on a pipe, with the
 * sanitizer's allocator told to return NULL as libc's does.
 */
static void test_out_of_memory_aborts(void **state)
{
	char err[CHILD_ERR_MAX] = "";
	size_t len = 0;
	int fds[2], status;
	pid_t pid;
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		setenv("ASAN_OPTIONS", "allocator_may_return_null=1", 1);
		execl("/proc/self/exe", "test_mem", "oom", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (len < sizeof(err) - 1 &&
	       (n = read(fds[0], err + len, sizeof(err) - 1 - len)) > 0)
		len += (size_t)n;
	err[len] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(err, "test_mem: out of memory allocating"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malloc_and_calloc),
		cmocka_unit_test(test_realloc_keeps_contents),
		cmocka_unit_test(test_strdup_and_strndup),
		cmocka_unit_test(test_asprintf),
		cmocka_unit_test(test_array_len),
		cmocka_unit_test(test_out_of_memory_aborts),
	};

	/* The child of test_out_of_memory_aborts: never returns. */
	if (argc == 2 && strcmp(argv[1], "oom") == 0) {
		volatile size_t huge = SIZE_MAX;

		free(xmalloc(huge));
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
