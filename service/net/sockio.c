/*
 * sockio: a socket's bytes in and out (see sockio.h). Why not bufferevent:
 * it writes each burst of output on a later loop pass, after an epoll_ctl
 * to watch for writability and another to stop, and keeps two buffers and
 * two events per socket even when idle. Here a pass ends with one writev
 * per socket that was given output, and an idle socket costs one event.
 */
#include "sockio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <event2/event_struct.h>

#include "mem.h"

struct sockio {
	evutil_socket_t fd;
	struct event rd;      /* EV_READ | EV_PERSIST, added while reading */
	struct event *wr;     /* made when the kernel's buffer first fills */
	struct evbuffer *out; /* made on first output, freed once all is sent */
	struct sockio_group *group;
	struct sockio *prev, *next; /* in group->queue while queued */
	bool queued;
	bool reading;
	bool failed; /* on_error was called: no more I/O */
	const struct sockio_cbs *cbs;
	void *ctx;
};

struct sockio_group {
	struct event_base *base;
	struct event *flush;  /* active while the queue is not empty */
	struct sockio *queue; /* given output during this pass */
};

static void sockio_flush(struct sockio *s);

/* Whether a failed read or write may simply be tried again later. */
static bool retriable(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/* libevent allocates; like xmalloc, running out of memory ends the server. */
static void out_of_memory(const char *what)
{
	fprintf(stderr, "hotlined: out of memory (%s)\n", what);
	abort();
}

/* The end of a pass: flush every queued socket, one at a time. */
static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct sockio_group *g = arg;

	(void)fd;
	(void)what;
	/* Popped before its write, so a free during it unlinks cleanly. */
	while (g->queue != NULL) {
		struct sockio *s = g->queue;

		g->queue = s->next;
		if (g->queue != NULL)
			g->queue->prev = NULL;
		s->next = NULL;
		s->queued = false;
		sockio_flush(s);
	}
}

struct sockio_group *sockio_group_new(struct event_base *base)
{
	struct sockio_group *g = xcalloc(1, sizeof(*g));

	g->base = base;
	g->flush = event_new(base, -1, 0, on_flush, g);
	if (g->flush == NULL)
		out_of_memory("flush event");
	return g;
}

void sockio_group_free(struct sockio_group *g)
{
	if (g == NULL)
		return;
	event_free(g->flush);
	free(g);
}

/* Puts s on its group's queue, and the flush at the end of the pass. */
static void sockio_queue(struct sockio *s)
{
	struct sockio_group *g = s->group;

	if (s->queued)
		return;
	s->queued = true;
	s->prev = NULL;
	s->next = g->queue;
	if (g->queue != NULL)
		g->queue->prev = s;
	g->queue = s;
	event_active(g->flush, EV_TIMEOUT, 0);
}

static void sockio_unqueue(struct sockio *s)
{
	if (!s->queued)
		return;
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		s->group->queue = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
	s->queued = false;
}

/* Stops all I/O and reports err once. */
static void sockio_fail(struct sockio *s, int err)
{
	if (s->failed)
		return;
	s->failed = true;
	sockio_set_reading(s, false);
	if (s->wr != NULL)
		event_del(s->wr);
	sockio_unqueue(s);
	s->cbs->on_error(s->ctx, err);
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sockio_flush(arg);
}

/*
 * Writes what the kernel takes now; the rest waits for writability. Every
 * queued chain goes in one writev (libevent gathers up to 128).
 */
static void sockio_flush(struct sockio *s)
{
	int n;

	if (s->failed || s->out == NULL)
		return;
	n = evbuffer_write(s->out, s->fd);
	if (n < 0) {
		int err = errno;

		if (!retriable(err)) {
			sockio_fail(s, err);
			return;
		}
	}
	if (evbuffer_get_length(s->out) == 0) {
		/* Freed, not kept: most sockets are idle most of the time. */
		evbuffer_free(s->out);
		s->out = NULL;
		if (s->wr != NULL)
			event_del(s->wr);
	} else {
		if (s->wr == NULL) {
			s->wr = event_new(s->group->base, s->fd,
					  EV_WRITE | EV_PERSIST, on_writable,
					  s);
			if (s->wr == NULL)
				out_of_memory("write event");
		}
		if (!event_pending(s->wr, EV_WRITE, NULL))
			event_add(s->wr, NULL);
	}
	if (n > 0)
		s->cbs->on_written(s->ctx);
}

/* Reads one chunk: data, end of input, or an error. */
static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct sockio *s = arg;
	char buf[SOCKIO_READ_CHUNK];
	ssize_t n;

	(void)what;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n > 0) {
		s->cbs->on_data(s->ctx, buf, (size_t)n);
	} else if (n == 0) {
		sockio_set_reading(s, false);
		s->cbs->on_eof(s->ctx);
	} else {
		int err = errno;

		if (!retriable(err))
			sockio_fail(s, err);
	}
}

struct sockio *sockio_new(struct sockio_group *g, evutil_socket_t fd,
			  const struct sockio_cbs *cbs, void *ctx)
{
	struct sockio *s = xcalloc(1, sizeof(*s));

	s->fd = fd;
	s->group = g;
	s->cbs = cbs;
	s->ctx = ctx;
	if (event_assign(&s->rd, g->base, fd, EV_READ | EV_PERSIST, on_readable,
			 s) < 0) {
		free(s);
		return NULL;
	}
	sockio_set_reading(s, true);
	return s;
}

void sockio_free(struct sockio *s)
{
	if (s == NULL)
		return;
	sockio_unqueue(s);
	event_del(&s->rd);
	if (s->wr != NULL)
		event_free(s->wr);
	if (s->out != NULL)
		evbuffer_free(s->out); /* unsent bytes: their cleanups run */
	evutil_closesocket(s->fd);
	free(s);
}

evutil_socket_t sockio_fd(const struct sockio *s)
{
	return s->fd;
}

void sockio_set_reading(struct sockio *s, bool on)
{
	if (on == s->reading || (on && s->failed))
		return;
	s->reading = on;
	if (on)
		event_add(&s->rd, NULL);
	else
		event_del(&s->rd);
}

/* The output buffer, made on first use; NULL once the socket failed. */
static struct evbuffer *sockio_out(struct sockio *s)
{
	if (s->failed)
		return NULL;
	if (s->out == NULL) {
		s->out = evbuffer_new();
		if (s->out == NULL)
			out_of_memory("output buffer");
	}
	sockio_queue(s);
	return s->out;
}

void sockio_write(struct sockio *s, const void *data, size_t len)
{
	struct evbuffer *out;

	if (len == 0 || (out = sockio_out(s)) == NULL)
		return;
	if (evbuffer_add(out, data, len) < 0)
		out_of_memory("output buffer");
}

void sockio_write_reference(struct sockio *s, const void *data, size_t len,
			    evbuffer_ref_cleanup_cb cleanup, void *arg)
{
	struct evbuffer *out = len > 0 ? sockio_out(s) : NULL;

	if (out == NULL ||
	    evbuffer_add_reference(out, data, len, cleanup, arg) < 0)
		cleanup(data, len, arg);
}

void sockio_send_now(struct sockio *s)
{
	/* Not queued: nothing was written since the last flush. */
	if (!s->queued)
		return;
	sockio_unqueue(s);
	sockio_flush(s);
}

size_t sockio_pending(const struct sockio *s)
{
	return s->out != NULL ? evbuffer_get_length(s->out) : 0;
}
