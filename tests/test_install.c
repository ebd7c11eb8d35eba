/*
 * test_install: `cmake --install` of this build into a temporary prefix,
 * then the installed hotlined, started from an empty directory without
 * --menus, answering a call with the installed menus and the installed
 * demo data (its plans over UDP). Every wait is bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

#define GOODBYE_ZH "感谢您的来电,再见!"

struct fixture {
	char prefix[64]; /* the install prefix */
	char cwd[64];    /* an empty directory to start the server in */
	char log[96];
	char db[96];
	pid_t pid;
	int fd;
	struct strbuf got;
};

/* Milliseconds on a monotonic clock. */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->fd = -1;
	strbuf_init(&f->got);
	*state = f;
	snprintf(f->prefix, sizeof(f->prefix), "/tmp/hotline-prefix-XXXXXX");
	snprintf(f->cwd, sizeof(f->cwd), "/tmp/hotline-cwd-XXXXXX");
	if (mkdtemp(f->prefix) == NULL || mkdtemp(f->cwd) == NULL)
		return -1;
	snprintf(f->log, sizeof(f->log), "%s/log", f->cwd);
	snprintf(f->db, sizeof(f->db), "%s/test.db", f->cwd);
	return 0;
}

/* nftw callback: removes one file or directory. */
static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int status;

	if (f->fd >= 0)
		close(f->fd);
	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, &status, 0);
	}
	if (f->prefix[0] != '\0')
		nftw(f->prefix, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	if (f->cwd[0] != '\0')
		nftw(f->cwd, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	strbuf_fini(&f->got);
	free(f);
	return 0;
}

/* Runs argv, output into the log; its exit status. */
static int run(struct fixture *f, const char *const *argv)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		FILE *log = fopen(f->log, "a");

		if (log != NULL) {
			dup2(fileno(log), STDOUT_FILENO);
			dup2(fileno(log), STDERR_FILENO);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Whether prefix/rel exists. */
static bool installed(struct fixture *f, const char *rel)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", f->prefix, rel);
	return stat(path, &st) == 0;
}

/* The log so far; the caller frees it. */
static char *read_log(struct fixture *f)
{
	struct strbuf sb;
	char buf[4096];
	FILE *in = fopen(f->log, "r");
	size_t n;

	strbuf_init(&sb);
	strbuf_append(&sb, "", 0);
	if (in == NULL)
		return sb.data;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		strbuf_append(&sb, buf, n);
	fclose(in);
	return sb.data;
}

/* Waits for needle in the log; returns the text after it, or NULL (caller frees log). */
static char *wait_log(struct fixture *f, const char *needle, char **log)
{
	long long deadline = now_ms() + E2E_TIMEOUT_MS;

	while (now_ms() < deadline) {
		char *p;

		*log = read_log(f);
		p = strstr(*log, needle);
		if (p != NULL)
			return p + strlen(needle);
		free(*log);
		*log = NULL;
		usleep(20000);
	}
	return NULL;
}

static void test_install_then_call(void **state)
{
	struct fixture *f = *state;
	const char *install[] = { CMAKE_PATH, "--install", BUILD_DIR,
				  "--prefix", f->prefix,   NULL };
	char hotlined[128], *log = NULL, *port;
	unsigned tcp;
	int status;

	assert_int_equal(run(f, install), 0);
	assert_true(installed(f, "bin/hotlined"));
	assert_true(installed(f, "bin/hotline"));
	assert_true(installed(f, "share/hotline/menus/zh-CN.yaml"));
	assert_true(installed(f, "share/hotline/menus/en.yaml"));
	assert_true(installed(f, "share/hotline/menus/demo-data.yml"));
	assert_true(installed(f, "share/man/man8/hotlined.8"));
	assert_true(installed(f, "share/man/man1/hotline.1"));
	assert_true(installed(f, "share/doc/hotline/teaching.md"));

	/* From an empty directory, no --menus: the installed menus. */
	snprintf(hotlined, sizeof(hotlined), "%s/bin/hotlined", f->prefix);
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0) {
		FILE *out = fopen(f->log, "a");

		if (out == NULL || chdir(f->cwd) < 0)
			_exit(127);
		dup2(fileno(out), STDOUT_FILENO);
		dup2(fileno(out), STDERR_FILENO);
		execl(hotlined, hotlined, "--listen", "127.0.0.1", "--port",
		      "0", "--db", f->db, (char *)NULL);
		_exit(127);
	}
	port = wait_log(f, "listening on 127.0.0.1:", &log);
	assert_non_null(port);
	tcp = (unsigned)atoi(port);
	assert_null(strstr(log, "no demo data"));
	free(log);

	f->fd = e2e_connect(tcp);
	assert_true(f->fd >= 0);
	assert_true(e2e_expect_str(f->fd, &f->got, "10086"));
	e2e_send_str(f->fd, "3\r\n");
	assert_true(e2e_expect_str(f->fd, &f->got, GOODBYE_ZH));
	assert_true(e2e_expect_close(f->fd, &f->got));

	/* The demo data came along: its plans, over UDP, from the installed client. */
	{
		char portstr[16];
		const char *ask[] = { NULL,    "--udp", "127.0.0.1",
				      portstr, "PLANS", NULL };
		char client[128];

		snprintf(client, sizeof(client), "%s/bin/hotline", f->prefix);
		snprintf(portstr, sizeof(portstr), "%u", tcp);
		ask[0] = client;
		assert_int_equal(run(f, ask), 0);
		log = read_log(f);
		assert_non_null(strstr(log, "PLANS 3\n"));
		free(log);
	}
	kill(f->pid, SIGTERM);
	assert_int_equal(waitpid(f->pid, &status, 0), f->pid);
	f->pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_install_then_call, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
