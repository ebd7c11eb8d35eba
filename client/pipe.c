/*
 * pipe: stdin lines to the server, the server's text to stdout, and a
 * quiet period before hanging up. Knows nothing of telnet, sockets or
 * readline; the remote does the talking. Stops the event loop when done.
 */
#include "pipe.h"
#include "mem.h"
#include "text.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

struct pipe_mode {
	struct event_base *base;
	struct remote *remote; /* not owned */
	struct event *stdin_ev;
	struct event *linger_timer;
	struct timeval linger;
	struct text_out out;
	bool reading; /* stdin_ev is added */
	bool ready;   /* the greeting is over: lines may go */
	bool eof;     /* stdin is done: waiting for quiet */
	int exit_code;
};

/* Stops the loop with this exit status. */
static void pipe_mode_finish(struct pipe_mode *p, int code)
{
	p->exit_code = code;
	event_base_loopbreak(p->base);
}

/* Starts or stops reading stdin. */
static void pipe_mode_set_reading(struct pipe_mode *p, bool on)
{
	if (on == p->reading || (on && p->eof))
		return;
	p->reading = on;
	if (on)
		event_add(p->stdin_ev, NULL);
	else
		event_del(p->stdin_ev);
}

/* Stdin is readable: send what it holds as lines. */
static void pipe_mode_on_stdin(evutil_socket_t fd, short what, void *ctx)
{
	struct pipe_mode *p = ctx;
	char in[PIPE_READ_CHUNK];
	char out[TEXT_OUT_SPACE(PIPE_READ_CHUNK)];
	ssize_t n;
	size_t m;

	(void)what;
	n = read(fd, in, sizeof(in));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (n < 0)
			fprintf(stderr, "hotline: reading stdin: %s\n",
				strerror(errno));
		m = text_out_finish(&p->out, out);
		remote_send(p->remote, out, m);
		pipe_mode_set_reading(p, false);
		p->eof = true;
		evtimer_add(p->linger_timer, &p->linger);
		return;
	}
	m = text_out_convert(&p->out, in, (size_t)n, out);
	remote_send(p->remote, out, m);
	if (remote_is_output_full(p->remote))
		pipe_mode_set_reading(p, false);
}

/* The server has been quiet for the linger period after end of input. */
static void pipe_mode_on_linger(evutil_socket_t fd, short what, void *ctx)
{
	(void)fd;
	(void)what;
	pipe_mode_finish(ctx, 0);
}

/* remote_ops.text: print it; after end of input it restarts the quiet period. */
static void pipe_mode_on_text(void *ctx, const char *buf, size_t len)
{
	struct pipe_mode *p = ctx;

	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
		/* Nobody reads our output any more: nothing left to do. */
		pipe_mode_finish(p, 1);
		return;
	}
	if (p->eof)
		evtimer_add(p->linger_timer, &p->linger);
}

/* remote_ops.mask: nothing to hide in a pipe; the server does not echo lines. */
static void pipe_mode_on_mask(void *ctx, bool on)
{
	(void)ctx;
	(void)on;
}

/* remote_ops.ready: our refusals went out first, so the lines may follow. */
static void pipe_mode_on_ready(void *ctx)
{
	struct pipe_mode *p = ctx;

	p->ready = true;
	pipe_mode_set_reading(p, true);
}

/* remote_ops.closed: the server hung up (status 0) or the link failed (1). */
static void pipe_mode_on_closed(void *ctx, const char *error)
{
	struct pipe_mode *p = ctx;

	fflush(stdout);
	if (error != NULL)
		fprintf(stderr, "hotline: %s\n", error);
	pipe_mode_finish(p, error != NULL ? 1 : 0);
}

/* remote_ops.drained: the socket caught up; read stdin again. */
static void pipe_mode_on_drained(void *ctx)
{
	struct pipe_mode *p = ctx;

	/*
	 * libevent reports an empty output as drained as soon as the socket
	 * is writable, before the greeting: lines must still wait for it.
	 */
	if (p->remote != NULL && p->ready && !p->eof &&
	    !remote_is_output_full(p->remote))
		pipe_mode_set_reading(p, true);
}

const struct remote_ops pipe_mode_remote_ops = {
	.text = pipe_mode_on_text,
	.mask = pipe_mode_on_mask,
	.ready = pipe_mode_on_ready,
	.closed = pipe_mode_on_closed,
	.drained = pipe_mode_on_drained,
};

/* Returns a pipe front end that lingers for linger seconds. */
struct pipe_mode *pipe_mode_new(struct event_base *base, double linger)
{
	struct pipe_mode *p = xcalloc(1, sizeof(*p));
	long usec = (long)(linger * 1e6);

	p->base = base;
	p->linger.tv_sec = usec / 1000000;
	p->linger.tv_usec = usec % 1000000;
	text_out_init(&p->out);
	p->stdin_ev = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST,
				pipe_mode_on_stdin, p);
	p->linger_timer = evtimer_new(base, pipe_mode_on_linger, p);
	if (p->stdin_ev == NULL || p->linger_timer == NULL) {
		fprintf(stderr, "hotline: cannot watch stdin\n");
		abort();
	}
	return p;
}

/* Frees the front end, not the remote. */
void pipe_mode_free(struct pipe_mode *p)
{
	if (p == NULL)
		return;
	event_free(p->stdin_ev);
	event_free(p->linger_timer);
	free(p);
}

/* Starts talking to r; stdin waits for the end of the greeting. */
void pipe_mode_start(struct pipe_mode *p, struct remote *r)
{
	p->remote = r;
}

/* The exit status. */
int pipe_mode_exit_code(const struct pipe_mode *p)
{
	return p->exit_code;
}
