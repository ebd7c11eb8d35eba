/*
 * e2e_client: a fake server socket, and hotline run on pipes or on a
 * pseudo-terminal, for the client's end-to-end tests.
 */
#include "e2e_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Longest argument list passed to hotline. */
#define E2E_CLIENT_MAX_ARGS 16

/* Milliseconds on a monotonic clock. */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Listens on 127.0.0.1:0 and reports the port. */
int e2e_listen(unsigned *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Accepts one connection within the timeout. */
int e2e_accept(int lfd)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };

	if (poll(&pfd, 1, E2E_TIMEOUT_MS) <= 0)
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

/* Fills argv with hotline and args. */
static void client_argv(const char **argv, const char *const *args)
{
	size_t n = 0;

	argv[n++] = HOTLINE_PATH;
	for (size_t i = 0; args[i] != NULL && n < E2E_CLIENT_MAX_ARGS; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
}

/* Waits for pid until deadline; kills it after. Exit status or -1. */
static int wait_until(pid_t pid, long long deadline)
{
	int status;

	while (now_ms() < deadline) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			if (WIFEXITED(status))
				return WEXITSTATUS(status);
			return 128 + WTERMSIG(status);
		}
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* Runs hotline on pipes; see e2e_client.h. */
int e2e_client_run(const char *const *args, const char *input,
		   struct strbuf *out)
{
	const char *argv[E2E_CLIENT_MAX_ARGS + 2];
	long long deadline = now_ms() + 2 * E2E_TIMEOUT_MS;
	int in[2], outp[2];
	char buf[4096];
	pid_t pid;

	client_argv(argv, args);
	if (pipe2(in, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(outp, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(outp[1], STDOUT_FILENO);
		dup2(outp[1], STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	/* Small inputs fit in the pipe: no need to interleave. */
	if (write(in[1], input, strlen(input)) < 0)
		perror("write to hotline");
	close(in[1]);
	for (;;) {
		struct pollfd pfd = { .fd = outp[0], .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		n = read(outp[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		strbuf_append(out, buf, (size_t)n);
	}
	close(outp[0]);
	strbuf_append(out, "", 0);
	return wait_until(pid, deadline);
}

/* Starts hotline on a pseudo-terminal; see e2e_client.h. */
int e2e_pty_start(struct e2e_pty *p, const char *const *args,
		  const char *const *env)
{
	const char *argv[E2E_CLIENT_MAX_ARGS + 2];
	struct winsize ws = { .ws_row = E2E_PTY_ROWS, .ws_col = E2E_PTY_COLS };

	client_argv(argv, args);
	strbuf_init(&p->screen);
	strbuf_append(&p->screen, "", 0);
	p->pid = forkpty(&p->master, NULL, NULL, &ws);
	if (p->pid < 0)
		return -1;
	if (p->pid == 0) {
		setenv("TERM", "xterm", 1);
		setenv("LANG", "C.UTF-8", 1);
		unsetenv("LC_ALL");
		setenv("INPUTRC", "/dev/null", 1);
		for (size_t i = 0; env != NULL && env[i] != NULL; i++)
			putenv((char *)env[i]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	fcntl(p->master, F_SETFD, FD_CLOEXEC);
	return 0;
}

/* Types keys at the terminal. */
void e2e_pty_type(struct e2e_pty *p, const char *keys)
{
	size_t len = strlen(keys);

	while (len > 0) {
		ssize_t n = write(p->master, keys, len);

		if (n <= 0)
			return;
		keys += n;
		len -= (size_t)n;
	}
}

/* Reads what the terminal shows within the time left; false on timeout or end. */
static bool pty_read(struct e2e_pty *p, long long deadline)
{
	struct pollfd pfd = { .fd = p->master, .events = POLLIN };
	long long left = deadline - now_ms();
	char buf[4096];
	ssize_t n;

	if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
		return false;
	n = read(p->master, buf, sizeof(buf));
	if (n <= 0)
		return false; /* EIO: the child closed the terminal */
	strbuf_append(&p->screen, buf, (size_t)n);
	return true;
}

/* Whether needle is on the screen at or after from. */
static bool pty_has(const struct e2e_pty *p, size_t from, const char *needle)
{
	size_t len = strlen(needle);

	return p->screen.len >= from &&
	       memmem(p->screen.data + from, p->screen.len - from, needle,
		      len) != NULL;
}

/* Reads until needle shows up after from. */
bool e2e_pty_expect(struct e2e_pty *p, size_t from, const char *needle)
{
	long long deadline = now_ms() + E2E_TIMEOUT_MS;

	while (!pty_has(p, from, needle)) {
		if (!pty_read(p, deadline))
			return pty_has(p, from, needle);
	}
	return true;
}

/* Reads for ms milliseconds. */
void e2e_pty_drain(struct e2e_pty *p, int ms)
{
	long long deadline = now_ms() + ms;

	while (now_ms() < deadline)
		pty_read(p, deadline);
}

/* Waits for the end, reading the screen meanwhile so the child never blocks. */
int e2e_pty_wait(struct e2e_pty *p)
{
	long long deadline = now_ms() + E2E_TIMEOUT_MS;
	int status;

	while (now_ms() < deadline) {
		pid_t r = waitpid(p->pid, &status, WNOHANG);

		if (r == p->pid) {
			p->pid = 0;
			e2e_pty_drain(p, 50);
			if (WIFEXITED(status))
				return WEXITSTATUS(status);
			return 128 + WTERMSIG(status);
		}
		if (!pty_read(p, now_ms() + 20))
			usleep(10000);
	}
	return -1;
}

/* Kills what is left and closes the terminal. */
void e2e_pty_fini(struct e2e_pty *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		p->pid = 0;
	}
	if (p->master >= 0)
		close(p->master);
	p->master = -1;
	strbuf_fini(&p->screen);
}
