/*
 * pidfile: what --pid-file writes, replaces and refuses, on real files in
 * a temporary directory. A live hotlined's file is refused in test_e2e.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server/pidfile.h"

struct fixture {
	char dir[64];
	char path[96];
	char err[256];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/hotline-pidfile-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/hotlined.pid", f->dir);
	*state = f;
	return 0;
}

/* Names in dir other than . and ..; each is removed too if remove is set. */
static int dir_entries(const char *dir, bool remove)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[320];
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (remove && unlink(path) < 0)
			rmdir(path);
	}
	closedir(d);
	return n;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dir_entries(f->dir, true);
	if (rmdir(f->dir) < 0)
		return -1;
	free(f);
	return 0;
}

static void put(const char *path, const char *text)
{
	FILE *out = fopen(path, "w");

	assert_non_null(out);
	fputs(text, out);
	fclose(out);
}

/* The file's text, or "" if it cannot be read. */
static const char *get(const char *path)
{
	static char buf[256];
	FILE *in = fopen(path, "r");
	size_t n = 0;

	if (in != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, in);
		fclose(in);
	}
	buf[n] = '\0';
	return buf;
}

/* A PID that no process has now: a child that already exited. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	assert_true(pid > 0);
	waitpid(pid, NULL, 0);
	return pid;
}

static void test_writes_a_new_file(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(pidfile_write(f->path, 4321, f->err, sizeof(f->err)),
			 0);
	assert_string_equal(get(f->path), "4321\n");
	/* No temporary file is left beside it. */
	assert_int_equal(dir_entries(f->dir, false), 1);
}

static void test_replaces_a_crash_leftover(void **state)
{
	struct fixture *f = *state;
	char stale[32];

	snprintf(stale, sizeof(stale), "%ld\n", (long)dead_pid());
	put(f->path, stale);
	assert_int_equal(pidfile_write(f->path, 4321, f->err, sizeof(f->err)),
			 0);
	assert_string_equal(get(f->path), "4321\n");
}

/* A crash's PID reused by another program does not keep the file. */
static void test_replaces_a_pid_now_of_another_program(void **state)
{
	struct fixture *f = *state;
	char other[32];
	pid_t child = fork();

	if (child == 0) {
		pause();
		_exit(0);
	}
	assert_true(child > 0);
	snprintf(other, sizeof(other), "%ld", (long)child);
	put(f->path, other);
	assert_int_equal(pidfile_write(f->path, 4321, f->err, sizeof(f->err)),
			 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_string_equal(get(f->path), "4321\n");
}

static void test_replaces_an_empty_file(void **state)
{
	struct fixture *f = *state;

	put(f->path, "");
	assert_int_equal(pidfile_write(f->path, 99, f->err, sizeof(f->err)), 0);
	assert_string_equal(get(f->path), "99\n");
}

/* Text, a number with more after it, a huge number: kept, and said so. */
static void test_refuses_what_is_not_a_pid_file(void **state)
{
	struct fixture *f = *state;
	static const char *const texts[] = {
		"lesson plan: step 1\n", "123 abc\n", "12\n34\n", "-5\n",
		"99999999999999\n",      " 42\n",     "\n",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		put(f->path, texts[i]);
		f->err[0] = '\0';
		assert_int_equal(pidfile_write(f->path, 4321, f->err,
					       sizeof(f->err)),
				 -1);
		assert_non_null(strstr(f->err, "not a PID file"));
		assert_non_null(strstr(f->err, f->path));
		assert_string_equal(get(f->path), texts[i]);
	}
}

static void test_refuses_a_big_file(void **state)
{
	struct fixture *f = *state;
	char big[PIDFILE_MAX + 8];

	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put(f->path, big);
	assert_int_equal(pidfile_write(f->path, 4321, f->err, sizeof(f->err)),
			 -1);
	assert_string_equal(get(f->path), big);
}

/* A symlink or a directory is never replaced, nor what a link points at. */
static void test_refuses_a_link_and_a_directory(void **state)
{
	struct fixture *f = *state;
	char target[128];

	snprintf(target, sizeof(target), "%s/notes.txt", f->dir);
	put(target, "12\n");
	assert_int_equal(symlink(target, f->path), 0);
	assert_int_equal(pidfile_write(f->path, 4321, f->err, sizeof(f->err)),
			 -1);
	assert_string_equal(get(target), "12\n");
	unlink(f->path);
	assert_int_equal(mkdir(f->path, 0755), 0);
	assert_int_equal(pidfile_write(f->path, 4321, f->err, sizeof(f->err)),
			 -1);
	assert_non_null(strstr(f->err, "not a PID file"));
}

static void test_missing_directory_is_said(void **state)
{
	struct fixture *f = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/no/such/dir/hotlined.pid", f->dir);
	assert_int_equal(pidfile_write(path, 4321, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "No such file or directory"));
}

/* The file is removed only while it still holds this server's PID. */
static void test_remove_only_its_own(void **state)
{
	struct fixture *f = *state;

	put(f->path, "777\n");
	pidfile_remove(f->path, 4321);
	assert_string_equal(get(f->path), "777\n");
	pidfile_remove(f->path, 777);
	assert_int_equal(access(f->path, F_OK), -1);
	put(f->path, "notes\n");
	pidfile_remove(f->path, 777);
	assert_string_equal(get(f->path), "notes\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_writes_a_new_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_replaces_a_crash_leftover,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_replaces_a_pid_now_of_another_program, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_replaces_an_empty_file,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_refuses_what_is_not_a_pid_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_a_big_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_refuses_a_link_and_a_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_directory_is_said,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_only_its_own, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
