/*
 * e2e: process and socket helpers for end-to-end tests.
 */
#include "e2e.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "utf8.h"

/* Milliseconds on a monotonic clock. */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads a whole file into a new string; "" if unreadable. */
static char *read_file(const char *path)
{
	struct strbuf sb;
	char buf[4096];
	FILE *f = fopen(path, "rb");
	size_t n;

	strbuf_init(&sb);
	strbuf_append(&sb, "", 0);
	if (f == NULL)
		return sb.data;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_append(&sb, buf, n);
	fclose(f);
	return sb.data;
}

char *e2e_server_log(const struct e2e_server *srv)
{
	return read_file(srv->log_path);
}

bool e2e_server_log_contains(const struct e2e_server *srv, const char *needle)
{
	char *log = e2e_server_log(srv);
	bool found = strstr(log, needle) != NULL;

	free(log);
	return found;
}

bool e2e_server_log_wait(const struct e2e_server *srv, const char *needle)
{
	return e2e_server_log_wait_ms(srv, needle, E2E_TIMEOUT_MS);
}

bool e2e_server_log_wait_ms(const struct e2e_server *srv, const char *needle,
			    int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	while (now_ms() < deadline) {
		char *log = e2e_server_log(srv);
		bool found = strstr(log, needle) != NULL;

		free(log);
		if (found)
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * Forks build/hotlined (or $HOTLINE_E2E_HOTLINED) --listen 127.0.0.1
 * --port 0 plus args, its stdout and stderr on out. Names srv's log file
 * (made empty) and, unless args hold --db, its database. Unless args say
 * otherwise, the page is the source's web/, so every build serves
 * browsers alike (and telnet callers meet the first-bytes wait). 0 or -1.
 */
static int e2e_spawn(struct e2e_server *srv, const char *const *args, int out)
{
	const char *argv[32] = { HOTLINED_PATH, "--listen", "127.0.0.1",
				 "--port", "0" };
	size_t argc = 5;
	int fd;

	bool has_db = false, has_web = false;
	/* HOTLINE_E2E_HOTLINED runs another build (a plain one, for RSS). */
	const char *bin = getenv("HOTLINE_E2E_HOTLINED");

	if (bin != NULL && bin[0] != '\0')
		argv[0] = bin;
	for (size_t i = 0; args != NULL && args[i] != NULL && argc < 27; i++) {
		has_db |= strcmp(args[i], "--db") == 0;
		has_web |= strcmp(args[i], "--web") == 0 ||
			   strcmp(args[i], "--no-http") == 0;
		argv[argc++] = args[i];
	}
	if (!has_web) {
		argv[argc++] = "--web";
		argv[argc++] = WEB_DIR;
	}
	snprintf(srv->log_path, sizeof(srv->log_path),
		 "/tmp/hotline-e2e-XXXXXX");
	fd = mkstemp(srv->log_path);
	if (fd < 0)
		return -1;
	srv->db_path[0] = '\0';
	if (!has_db) {
		snprintf(srv->db_path, sizeof(srv->db_path), "%s.db",
			 srv->log_path);
		argv[argc++] = "--db";
		argv[argc++] = srv->db_path;
	}
	argv[argc] = NULL;
	if (out < 0)
		out = fd;
	srv->pid = fork();
	if (srv->pid < 0) {
		close(fd);
		return -1;
	}
	if (srv->pid == 0) {
		dup2(out, STDERR_FILENO);
		dup2(out, STDOUT_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fd);
	return 0;
}

/* The port of a "listening on 127.0.0.1:PORT" line in log, or 0. */
static unsigned e2e_port_in(const char *log)
{
	const char *p = strstr(log, "listening on 127.0.0.1:");

	return p != NULL ? (unsigned)atoi(p + strlen("listening on 127.0.0.1:"))
			 : 0;
}

int e2e_server_start(struct e2e_server *srv, const char *const *args)
{
	long long deadline;

	if (e2e_spawn(srv, args, -1) < 0)
		return -1;
	deadline = now_ms() + E2E_TIMEOUT_MS;
	while (now_ms() < deadline) {
		char *log = e2e_server_log(srv);
		int status;

		srv->port = e2e_port_in(log);
		free(log);
		if (srv->port != 0)
			return 0;
		if (waitpid(srv->pid, &status, WNOHANG) == srv->pid) {
			srv->pid = 0;
			return -1;
		}
		usleep(10000);
	}
	return -1;
}

int e2e_server_start_piped(struct e2e_server *srv, const char *const *args,
			   int pipe_size, int *log_fd)
{
	long long deadline = now_ms() + E2E_TIMEOUT_MS;
	struct strbuf got;
	int pipefd[2];

	*log_fd = -1;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	if (pipe_size > 0)
		fcntl(pipefd[1], F_SETPIPE_SZ, pipe_size);
	/* dup2 in the child clears close-on-exec on its stderr. */
	if (e2e_spawn(srv, args, pipefd[1]) < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	close(pipefd[1]);
	strbuf_init(&got);
	strbuf_append(&got, "", 0);
	srv->port = 0;
	while (srv->port == 0) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		long long left = deadline - now_ms();
		char buf[4096];
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		n = read(pipefd[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		strbuf_append(&got, buf, (size_t)n);
		srv->port = e2e_port_in(got.data);
	}
	strbuf_fini(&got);
	if (srv->port == 0) {
		close(pipefd[0]);
		return -1;
	}
	*log_fd = pipefd[0];
	return 0;
}

/* Removes the server's log and its own database files. */
static void e2e_server_cleanup(struct e2e_server *srv)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	char path[96];

	unlink(srv->log_path);
	for (size_t i = 0; srv->db_path[0] != '\0' && i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", srv->db_path, suffixes[i]);
		unlink(path);
	}
}

int e2e_server_stop(struct e2e_server *srv, int sig)
{
	long long deadline = now_ms() + E2E_TIMEOUT_MS;
	int status;

	if (srv->pid <= 0)
		return -1;
	kill(srv->pid, sig);
	while (now_ms() < deadline) {
		if (waitpid(srv->pid, &status, WNOHANG) == srv->pid) {
			srv->pid = 0;
			e2e_server_cleanup(srv);
			return WIFEXITED(status) ? WEXITSTATUS(status)
						 : 128 + WTERMSIG(status);
		}
		usleep(10000);
	}
	kill(srv->pid, SIGKILL);
	waitpid(srv->pid, &status, 0);
	srv->pid = 0;
	e2e_server_cleanup(srv);
	return -1;
}

int e2e_connect(unsigned port)
{
	return e2e_connect_addr("127.0.0.1", port);
}

int e2e_connect_from(const char *src, unsigned port)
{
	struct sockaddr_in from = { .sin_family = AF_INET };
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, src, &from.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	if (bind(fd, (struct sockaddr *)&from, sizeof(from)) < 0 ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int e2e_connect_addr(const char *addr, unsigned port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd;

	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		len = sizeof(*sin6);
	} else {
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void e2e_send(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

void e2e_send_str(int fd, const char *s)
{
	e2e_send(fd, s, strlen(s));
}

bool e2e_contains(const struct strbuf *hay, const void *needle, size_t len)
{
	return hay->len >= len &&
	       memmem(hay->data, hay->len, needle, len) != NULL;
}

/* Reads what is there within the remaining time; 0 on close, -1 on timeout. */
static ssize_t read_some(int fd, struct strbuf *got, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[4096];
	long long left = deadline - now_ms();
	ssize_t n;

	if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
		return -1;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n > 0)
		strbuf_append(got, buf, (size_t)n);
	return n < 0 ? 0 : n;
}

bool e2e_expect(int fd, struct strbuf *got, const void *needle, size_t len)
{
	long long deadline = now_ms() + E2E_TIMEOUT_MS;

	while (!e2e_contains(got, needle, len)) {
		if (read_some(fd, got, deadline) <= 0)
			return e2e_contains(got, needle, len);
	}
	return true;
}

bool e2e_expect_str(int fd, struct strbuf *got, const char *needle)
{
	return e2e_expect(fd, got, needle, strlen(needle));
}

bool e2e_expect_close(int fd, struct strbuf *got)
{
	long long deadline = now_ms() + E2E_TIMEOUT_MS;

	for (;;) {
		ssize_t n = read_some(fd, got, deadline);

		if (n == 0)
			return true;
		if (n < 0)
			return false;
	}
}

int e2e_run(const char *const *args, struct strbuf *out)
{
	const char *argv[32] = { HOTLINED_PATH };
	size_t argc = 1;
	int pipefd[2], status;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	for (size_t i = 0; args[i] != NULL && argc < 31; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;
	if (pipe(pipefd) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], buf, sizeof(buf))) > 0)
		strbuf_append(out, buf, (size_t)n);
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void e2e_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

/* A small menu set whose timeouts are short enough to test. */
const char e2e_quick_set[] =
	"language: zh-CN\n"
	"name: test\n"
	"start: main\n"
	"defaults: {timeout: 1, max_timeouts: 2, max_failures: 3}\n"
	"texts:\n"
	"  goodbye: \"BYE\\n\"\n"
	"  invalid: \"INVALID\\n\"\n"
	"  timeout: \"ANYONE THERE?\\n\"\n"
	"  unavailable: \"NOT YET\\n\"\n"
	"  too_long: \"TOO LONG\\n\"\n"
	"  closing: \"CLOSING\\n\"\n"
	"  menu_gone: \"GONE\\n\"\n"
	"  busy: \"Busy.\\n\"\n"
	"  ayt: \"[Yes]\\n\"\n"
	"menus:\n"
	"  main:\n"
	"    text: \"ALPHA MENU\\n\"\n"
	"    keys:\n"
	"      \"3\": quit\n"
	"      \"4\": {goto: listen}\n"
	"  listen:\n"
	"    text: \"LISTEN MENU\\n\"\n"
	"    max_timeouts: 0\n";

/* Writes the quick set into a new temporary directory. */
int e2e_quick_menus(char *dir, size_t size)
{
	char path[128];

	snprintf(dir, size, "/tmp/hotline-menus-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/test.yaml", dir);
	e2e_write_file(path, e2e_quick_set);
	return 0;
}

/* Removes what e2e_quick_menus wrote. */
void e2e_quick_menus_remove(const char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/test.yaml", dir);
	unlink(path);
	rmdir(dir);
}

size_t e2e_columns(const char *s, size_t len)
{
	size_t cols = 0, i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n;

		if (s[i] == 0x1b && i + 1 < len && s[i + 1] == '[') {
			while (i < len && s[i] != 'm')
				i++;
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (n == 0 || utf8_is_control(cp)) {
			/* Never written on purpose: a column, so none hides. */
			cols++;
			i += n ? n : 1;
			continue;
		}
		cols += (size_t)utf8_width(cp);
		i += n;
	}
	return cols;
}

size_t e2e_widest_line(const char *text)
{
	size_t widest = 0;

	while (*text != '\0') {
		size_t n = strcspn(text, "\n");
		size_t cols = e2e_columns(text, n);

		if (cols > widest)
			widest = cols;
		text += n;
		if (*text == '\n')
			text++;
	}
	return widest;
}
