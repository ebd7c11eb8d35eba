/*
 * hotline-reply: the reference server of the menu round trip. Each line a
 * client sends holds a number N, and the answer is N bytes (N-2 dots and
 * CR LF): a menu's worth of bytes with no work behind it, the physical
 * limit of one round trip through the same loop, sockets and kernel as
 * hotlined. A line that is not a number from 3 to REPLY_MAX gets "?\r\n".
 *
 * It listens on loopback only, logs "listening on ADDR:PORT" on stderr
 * like hotlined, and exits on SIGINT or SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "mem.h"

/* Largest answer one line may ask for. */
#define REPLY_MAX 4096
/* Longest request line kept; the rest of a longer one is ignored. */
#define REPLY_LINE_MAX 32
/* Bytes read at once. */
#define REPLY_READ_CHUNK 16384
/* Bytes queued for a client that does not read before it is dropped. */
#define REPLY_OUT_MAX (1024 * 1024)
/* The accept backlog, the same as hotlined's. */
#define REPLY_BACKLOG 128

struct client {
	int fd;
	struct event *rev, *wev;
	char line[REPLY_LINE_MAX];
	size_t line_len;
	bool line_cut;
	char *out;
	size_t out_len, out_cap;
};

/* The answer bytes, shared by every client: dots, then CR LF. */
static char dots[REPLY_MAX];

/* Closes and frees a client. */
static void client_free(struct client *c)
{
	event_free(c->rev);
	event_free(c->wev);
	close(c->fd);
	free(c->out);
	free(c);
}

/* Queues bytes to send after this read is handled. */
static bool client_queue(struct client *c, const char *s, size_t len)
{
	if (c->out_len + len > REPLY_OUT_MAX)
		return false;
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;

		while (cap < c->out_len + len)
			cap *= 2;
		c->out = xrealloc(c->out, cap);
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, s, len);
	c->out_len += len;
	return true;
}

/* Answers one request line. */
static bool client_answer(struct client *c)
{
	unsigned long n = 0;
	size_t len = c->line_len;

	if (len > 0 && c->line[len - 1] == '\r')
		len--;
	for (size_t i = 0; i < len && !c->line_cut && n <= REPLY_MAX; i++) {
		if (c->line[i] < '0' || c->line[i] > '9') {
			n = 0;
			break;
		}
		n = n * 10 + (unsigned long)(c->line[i] - '0');
	}
	c->line_len = 0;
	c->line_cut = false;
	if (n < 3 || n > REPLY_MAX)
		return client_queue(c, "?\r\n", 3);
	return client_queue(c, dots, n - 2) && client_queue(c, "\r\n", 2);
}

/* Writes what is queued; false if the client is gone. */
static bool client_flush(struct client *c)
{
	size_t off = 0;

	while (off < c->out_len) {
		ssize_t n = write(c->fd, c->out + off, c->out_len - off);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		return false;
	}
	memmove(c->out, c->out + off, c->out_len - off);
	c->out_len -= off;
	if (c->out_len > 0)
		event_add(c->wev, NULL);
	else
		event_del(c->wev);
	return true;
}

/* Readable: every complete line is answered, then one write for them all. */
static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	char buf[REPLY_READ_CHUNK];
	ssize_t n = read(fd, buf, sizeof(buf));

	(void)what;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_free(c);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			if (!client_answer(c)) {
				client_free(c);
				return;
			}
		} else if (c->line_len < REPLY_LINE_MAX) {
			c->line[c->line_len++] = buf[i];
		} else {
			c->line_cut = true;
		}
	}
	if (c->out_len > 0 && !client_flush(c))
		client_free(c);
}

/* Writable: the rest of what was queued. */
static void on_write(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)fd;
	(void)what;
	if (!client_flush(c))
		client_free(c);
}

/* A client connected. */
static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
		      struct sockaddr *sa, int salen, void *arg)
{
	struct event_base *base = arg;
	struct client *c = xmalloc(sizeof(*c));
	int one = 1;

	(void)l;
	(void)sa;
	(void)salen;
	memset(c, 0, sizeof(*c));
	evutil_make_socket_nonblocking(fd);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	c->rev = event_new(base, fd, EV_READ | EV_PERSIST, on_read, c);
	c->wev = event_new(base, fd, EV_WRITE | EV_PERSIST, on_write, c);
	event_add(c->rev, NULL);
}

/* accept() failed, out of descriptors most likely: say so and go on. */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
	(void)l;
	(void)arg;
	fprintf(stderr, "hotline-reply: accept: %s\n", strerror(errno));
}

/* SIGINT/SIGTERM: leave the loop. */
static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

/* Entry point: hotline-reply [--port N] (0 picks a free port). */
int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof(sa);
	struct event_base *base;
	struct evconnlistener *l;
	struct event *sigint, *sigterm;
	struct rlimit rl;
	unsigned long port = 0;

	if (argc == 3 && strcmp(argv[1], "--port") == 0) {
		char *end;

		port = strtoul(argv[2], &end, 10);
		if (*end != '\0' || port > 65535) {
			fprintf(stderr, "hotline-reply: bad port \"%s\"\n",
				argv[2]);
			return 2;
		}
	} else if (argc != 1) {
		fprintf(stderr, "usage: hotline-reply [--port N]\n");
		return 2;
	}
	memset(dots, '.', sizeof(dots));
	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	base = event_base_new();
	if (base == NULL)
		return 1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	l = evconnlistener_new_bind(base, on_accept, base,
				    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
				    REPLY_BACKLOG, (struct sockaddr *)&sa,
				    sizeof(sa));
	if (l == NULL) {
		fprintf(stderr,
			"hotline-reply: cannot listen on 127.0.0.1:%lu: %s\n",
			port, strerror(errno));
		return 1;
	}
	evconnlistener_set_error_cb(l, on_accept_error);
	getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sa, &salen);
	fprintf(stderr, "listening on 127.0.0.1:%u\n", ntohs(sa.sin_port));
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	event_base_dispatch(base);
	/* Clients still connected are reclaimed by the exit. */
	event_free(sigint);
	event_free(sigterm);
	evconnlistener_free(l);
	event_base_free(base);
	return 0;
}
