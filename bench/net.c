/*
 * net: non-blocking loopback connections for the load generator. Reads
 * are split into lines without copying, except for a line that spans two
 * reads; writes go straight to the socket and only the rest is queued.
 * A dead connection is closed at once but freed only by its owner, so no
 * callback ever runs on freed memory. Over WebSocket, reads go through
 * the frame reader first and sends are framed straight into the queue.
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"

static uint8_t *out_reserve(struct nconn *c, size_t len);
static void out_commit(struct nconn *c, size_t len);
static void send_raw(struct nconn *c, const void *data, size_t len);

/* Monotonic nanoseconds. */
static uint64_t net_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Fills net for a loopback IPv4 address and port. */
int net_init(struct net *net, struct event_base *base, const char *addr,
	     unsigned port)
{
	memset(&net->addr, 0, sizeof(net->addr));
	net->base = base;
	net->addr.sin_family = AF_INET;
	net->addr.sin_port = htons((uint16_t)port);
	net->port = port;
	net->ws = false;
	net->hello_len = 0;
	if (port == 0 || port > 65535 ||
	    inet_pton(AF_INET, addr, &net->addr.sin_addr) != 1)
		return -1;
	inet_ntop(AF_INET, &net->addr.sin_addr, net->host, sizeof(net->host));
	/* Loopback only: 127.0.0.0/8. */
	if ((ntohl(net->addr.sin_addr.s_addr) >> 24) != 127)
		return -1;
	return 0;
}

/* Marks the connection dead, closes its socket and tells the scenario once. */
static void nconn_fail(struct nconn *c, const char *why)
{
	if (c->dead)
		return;
	nconn_close(c);
	c->ops->closed(c, why);
}

/* Hands one complete line (CR stripped) to the scenario. */
static void deliver_line(struct nconn *c, const char *s, size_t len, size_t raw,
			 uint64_t now)
{
	if (len > 0 && s[len - 1] == '\r')
		len--;
	c->ops->line(c, s, len, raw, now);
}

/* Appends bytes to the line still arriving, cutting it at NET_LINE_MAX. */
static void line_append(struct nconn *c, const char *s, size_t len)
{
	size_t room = NET_LINE_MAX - c->line_len;

	memcpy(c->line + c->line_len, s, len < room ? len : room);
	c->line_len += len < room ? len : room;
	c->line_raw += len;
}

/* Splits what one read brought into lines; keeps the unfinished one. */
static void split_lines(struct nconn *c, const char *p, size_t n, uint64_t now)
{
	const char *end = p + n;

	while (p < end && !c->dead) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL) {
			line_append(c, p, (size_t)(end - p));
			return;
		}
		if (c->line_raw > 0) {
			line_append(c, p, (size_t)(nl - p));
			c->line_raw++; /* the LF */
			deliver_line(c, c->line, c->line_len, c->line_raw, now);
			c->line_len = c->line_raw = 0;
		} else {
			deliver_line(c, p, (size_t)(nl - p),
				     (size_t)(nl - p) + 1, now);
		}
		p = nl + 1;
	}
}

/* ws_sink.upgraded: the connection is up for the scenario. */
static void ws_upgraded(void *ctx)
{
	struct nconn *c = ctx;

	if (c->dead)
		return;
	c->connected = true;
	c->ops->connected(c);
}

/* ws_sink.data: what the server's frames carried, split into lines. */
static void ws_data(void *ctx, const uint8_t *p, size_t len)
{
	struct nconn *c = ctx;

	if (!c->dead)
		split_lines(c, (const char *)p, len, c->read_at);
}

/* ws_sink.send: a pong or a close's answer, already framed. */
static void ws_send(void *ctx, const uint8_t *p, size_t len)
{
	send_raw(ctx, p, len);
}

/* ws_sink.failed */
static void ws_failed(void *ctx, const char *why)
{
	nconn_fail(ctx, why);
}

static const struct ws_sink net_ws_sink = {
	.upgraded = ws_upgraded,
	.data = ws_data,
	.send = ws_send,
	.failed = ws_failed,
};

/* Readable: one read, then its lines (out of the frames, over WebSocket). */
static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct nconn *c = arg;
	char *buf = c->net->rbuf;
	ssize_t n;

	(void)what;
	n = read(fd, buf, NET_READ_CHUNK);
	if (n > 0 && c->ws != NULL) {
		c->read_at = net_now();
		ws_feed(c->ws, (const uint8_t *)buf, (size_t)n, &net_ws_sink,
			c);
		return;
	}
	if (n > 0) {
		split_lines(c, buf, (size_t)n, net_now());
		return;
	}
	if (n == 0)
		nconn_fail(c, "closed by the server");
	else if (errno != EAGAIN && errno != EINTR)
		nconn_fail(c, strerror(errno));
}

/* Writes what is queued; stops watching once it is all out. */
static void flush_out(struct nconn *c)
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
		nconn_fail(c, n < 0 ? strerror(errno) : "write failed");
		return;
	}
	memmove(c->out, c->out + off, c->out_len - off);
	c->out_len -= off;
	if (c->out_len == 0)
		event_del(c->wev);
	else
		event_add(c->wev, NULL);
}

/*
 * The TCP connect went through: the first bytes go out, then over
 * WebSocket the upgrade (the scenario hears of it once the 101 is in),
 * else the scenario is told at once.
 */
static void nconn_sock_up(struct nconn *c)
{
	char req[WS_MAX_REQUEST];
	size_t n;

	c->sock_up = true;
	event_del(c->wev);
	event_add(c->rev, NULL);
	if (c->net->hello_len > 0)
		send_raw(c, c->net->hello, c->net->hello_len);
	if (c->ws == NULL) {
		c->connected = true;
		c->ops->connected(c);
		return;
	}
	n = ws_init(c->ws, c->net->host, c->net->port, req);
	if (n == 0) {
		nconn_fail(c, "no random bytes for a WebSocket key");
		return;
	}
	send_raw(c, req, n);
}

/* Writable: the connect finished, or queued bytes can go. */
static void on_writable(evutil_socket_t fd, short what, void *arg)
{
	struct nconn *c = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)what;
	if (c->sock_up) {
		flush_out(c);
		return;
	}
	if (c->connect_err != 0)
		err = c->connect_err;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		nconn_fail(c, strerror(err));
		return;
	}
	nconn_sock_up(c);
}

/* Opens a socket and starts connecting it. */
struct nconn *nconn_new(struct net *net, const struct nconn_ops *ops, void *ctx,
			unsigned idx)
{
	struct nconn *c;
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return NULL;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = xmalloc(sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->net = net;
	c->fd = fd;
	c->ops = ops;
	c->ctx = ctx;
	c->idx = idx;
	c->line = xmalloc(NET_LINE_MAX);
	if (net->ws)
		c->ws = xcalloc(1, sizeof(*c->ws));
	c->rev = event_new(net->base, fd, EV_READ | EV_PERSIST, on_readable, c);
	c->wev = event_new(net->base, fd, EV_WRITE | EV_PERSIST, on_writable,
			   c);
	if (connect(fd, (const struct sockaddr *)&net->addr,
		    sizeof(net->addr)) < 0 &&
	    errno != EINPROGRESS) {
		/* Told from the loop, like every other outcome. */
		c->connect_err = errno;
		event_active(c->wev, EV_WRITE, 0);
		return c;
	}
	event_add(c->wev, NULL);
	return c;
}

/*
 * Room for len more bytes at the end of the queue, or NULL when that
 * would pass NET_OUT_MAX (the connection has failed then).
 */
static uint8_t *out_reserve(struct nconn *c, size_t len)
{
	if (c->dead)
		return NULL;
	if (c->out_len + len > NET_OUT_MAX) {
		nconn_fail(c, "server not reading");
		return NULL;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;

		while (cap < c->out_len + len)
			cap *= 2;
		c->out = xrealloc(c->out, cap);
		c->out_cap = cap;
	}
	return (uint8_t *)c->out + c->out_len;
}

/* The len bytes written at out_reserve's pointer are queued: send them. */
static void out_commit(struct nconn *c, size_t len)
{
	bool was_empty = c->out_len == 0;

	c->out_len += len;
	/* Nothing was waiting: try at once, once the connect is through. */
	if (was_empty && c->sock_up)
		flush_out(c);
}

/* Queues bytes as they are, past any framing, and sends them. */
static void send_raw(struct nconn *c, const void *data, size_t len)
{
	uint8_t *dst = out_reserve(c, len);

	if (dst == NULL || len == 0)
		return;
	memcpy(dst, data, len);
	out_commit(c, len);
}

/* Sends bytes, as one masked frame over WebSocket, queueing the rest. */
void nconn_send(struct nconn *c, const void *data, size_t len)
{
	uint8_t *dst;

	if (c->ws == NULL) {
		send_raw(c, data, len);
		return;
	}
	if (len == 0)
		return;
	dst = out_reserve(c, WS_MAX_HEADER + len);
	if (dst != NULL)
		out_commit(c, ws_frame(c->ws, WS_OP_BINARY, data, len, dst));
}

/* Closes the socket, keeping the struct for its owner. */
void nconn_close(struct nconn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	event_del(c->rev);
	event_del(c->wev);
	close(c->fd);
	c->fd = -1;
}

/* Closes and frees. */
void nconn_free(struct nconn *c)
{
	if (c == NULL)
		return;
	nconn_close(c);
	event_free(c->rev);
	event_free(c->wev);
	if (c->ws != NULL)
		ws_fini(c->ws);
	free(c->ws);
	free(c->line);
	free(c->out);
	free(c);
}

/* Starts connections while fewer than window are being set up. */
void ramp_fill(struct ramp *r)
{
	while (r->started < r->total && r->started - r->done < r->window) {
		if (!r->start(r->ctx, r->started++))
			r->done++;
	}
}

/* One more is set up: make room for the next. */
void ramp_done(struct ramp *r)
{
	r->done++;
	ramp_fill(r);
}

/* Whether every connection is set up. */
bool ramp_is_complete(const struct ramp *r)
{
	return r->done >= r->total;
}
