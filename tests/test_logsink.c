/*
 * test_logsink: stderr as a pipe, in this process. A full pipe drops
 * whole lines and the next line that fits says how many; a terminal is
 * left blocking; a pipe without a reader is given up. A reader gone is
 * gone for the whole process, so that case runs last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/logsink.h"

/* The smallest pipe: one page. */
#define PIPE_SIZE 4096

struct fixture {
	FILE *saved; /* the test's own stderr */
	int read_fd; /* the reading end of the pipe stderr is now */
	char got[2 * PIPE_SIZE];
};

/* stderr becomes the writing end of a PIPE_SIZE pipe, seen by logsink_init. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fds[2];

	if (f == NULL || pipe(fds) < 0)
		return -1;
	fcntl(fds[1], F_SETPIPE_SZ, PIPE_SIZE);
	f->read_fd = fds[0];
	f->saved = stderr;
	stderr = fdopen(fds[1], "w");
	if (stderr == NULL)
		return -1;
	logsink_init();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	logsink_fini();
	fclose(stderr);
	stderr = f->saved;
	if (f->read_fd >= 0)
		close(f->read_fd);
	free(f);
	return 0;
}

/* Reads what the pipe holds now into f->got (NUL-ended). */
static const char *drain(struct fixture *f)
{
	ssize_t n;

	fcntl(f->read_fd, F_SETFL, O_NONBLOCK);
	n = read(f->read_fd, f->got, sizeof(f->got) - 1);
	f->got[n > 0 ? n : 0] = '\0';
	return f->got;
}

/* Bytes of a line lines() writes: 32 of them fill the pipe. */
#define LINE 128

/* Writes n lines of LINE bytes, "NNN " and letters, numbered from first. */
static void lines(int first, int n)
{
	char block[LINE * 64];

	assert_true(n <= 64);
	for (int i = 0; i < n; i++) {
		snprintf(block + LINE * i, 5, "%03d ", first + i);
		memset(block + LINE * i + 4, 'x', LINE - 5);
		block[LINE * i + LINE - 1] = '\n';
	}
	logsink_write(block, (size_t)n * LINE);
}

static void test_pipe_made_non_blocking_and_restored(void **state)
{
	(void)state;
	assert_true(fcntl(fileno(stderr), F_GETFL) & O_NONBLOCK);
	logsink_fini();
	assert_false(fcntl(fileno(stderr), F_GETFL) & O_NONBLOCK);
	logsink_init();
}

static void test_full_pipe_drops_whole_lines(void **state)
{
	struct fixture *f = *state;
	const char *got;

	/* 32 lines fill the pipe; 32 more, and one, cannot wait. */
	lines(0, 32);
	lines(32, 32);
	lines(64, 1);
	got = drain(f);
	assert_int_equal(strlen(got), PIPE_SIZE);
	assert_non_null(strstr(got, "031 xxx"));
	assert_null(strstr(got, "032 "));
	/* Read again: first the count, then the line itself. */
	lines(65, 1);
	got = drain(f);
	assert_non_null(strstr(got, " 33 lines dropped "
				    "while the pipe on stderr was full\n"
				    "065 xxx"));
	/* Function names are for --debug only. */
	assert_null(strstr(got, "logsink_write"));
	assert_null(strstr(got, "064 "));
	/* Said once. */
	lines(66, 1);
	assert_null(strstr(drain(f), "dropped"));
	assert_false(logsink_is_closed());
}

static void test_terminal_left_blocking(void **state)
{
	struct fixture *f = *state;
	int master, slave;

	(void)f;
	logsink_fini();
	fclose(stderr);
	assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
	stderr = fdopen(slave, "w");
	assert_non_null(stderr);
	logsink_init();
	/* O_NONBLOCK would be the shell's too: the terminal is not touched. */
	assert_false(fcntl(slave, F_GETFL) & O_NONBLOCK);
	close(master);
}

static void test_reader_gone_gives_up(void **state)
{
	struct fixture *f = *state;

	signal(SIGPIPE, SIG_IGN);
	close(f->read_fd);
	f->read_fd = -1;
	lines(0, 1);
	assert_true(logsink_is_closed());
	/* Later lines are not tried, and say nothing. */
	lines(1, 1);
	assert_true(logsink_is_closed());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_pipe_made_non_blocking_and_restored, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_full_pipe_drops_whole_lines,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_terminal_left_blocking,
						setup, teardown),
		/* Last: a reader gone is gone for the process. */
		cmocka_unit_test_setup_teardown(test_reader_gone_gives_up,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
