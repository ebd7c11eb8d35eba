/*
 * remote: dialling, the socket's bufferevent, and the telnet adapter
 * between them. Text goes up through the callbacks in remote_ops; the
 * front end never sees a telnet byte and this module never sees readline
 * or stdin. A remote is freed by its owner after the event loop stops,
 * never inside one of its own callbacks.
 */
#include "remote.h"
#include "ctrace.h"
#include "mem.h"
#include "text.h"
#include "tn.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

struct remote {
	struct bufferevent *bev;
	struct event *greeting_timer;
	struct tn *tn;
	struct text_in text;
	const struct remote_ops *ops;
	void *ctx;
	bool closed;        /* reported to the front end: ignore the rest */
	bool server_closed; /* --trace: the server's FIN came first */
};

/* What to try after a connect error. */
static const char *remote_hint(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return "is hotlined running?";
	case ETIMEDOUT:
	case EHOSTUNREACH:
	case ENETUNREACH:
		return "is the host up and reachable?";
	default:
		return "check the host and port";
	}
}

/* Formats "cannot connect to HOST:PORT: reason — hint". */
static void remote_connect_error(char *err, size_t errlen, const char *host,
				 const char *port, const char *reason,
				 const char *hint)
{
	bool v6 = strchr(host, ':') != NULL;

	snprintf(err, errlen, "cannot connect to %s%s%s:%s: %s \xe2\x80\x94 %s",
		 v6 ? "[" : "", host, v6 ? "]" : "", port, reason, hint);
}

/* Connects one address within the timeout; the socket, or -1 with errno. */
static int remote_try(const struct addrinfo *ai)
{
	struct pollfd pfd = { .events = POLLOUT };
	socklen_t elen = sizeof(int);
	int fd, err = 0, one = 1;

	fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS)
			goto fail;
		pfd.fd = fd;
		int n = poll(&pfd, 1, REMOTE_CONNECT_TIMEOUT_MS);

		if (n == 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (n < 0)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			goto fail;
		if (err != 0) {
			errno = err;
			goto fail;
		}
	}
	/* Typed lines are small and should go at once. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* Connects to host:port, trying every address in turn. */
int remote_connect(const char *host, const char *port, char *err, size_t errlen)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_ADDRCONFIG,
	};
	struct addrinfo *list = NULL;
	int fd = -1, last = ECONNREFUSED, rc;

	rc = getaddrinfo(host, port, &hints, &list);
	if (rc != 0) {
		remote_connect_error(err, errlen, host, port,
				     rc == EAI_SYSTEM ? strerror(errno)
						      : gai_strerror(rc),
				     "check the host name and port");
		goto out;
	}
	for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		fd = remote_try(ai);
		if (fd >= 0)
			goto out;
		last = errno;
	}
	remote_connect_error(err, errlen, host, port, strerror(last),
			     remote_hint(last));
out:
	if (list != NULL)
		freeaddrinfo(list);
	return fd;
}

/* Reports the end once and stops reading. */
static void remote_close(struct remote *r, const char *error)
{
	if (r->closed)
		return;
	r->closed = true;
	bufferevent_disable(r->bev, EV_READ);
	r->ops->closed(r->ctx, error);
}

/* Hands server data to the front end as screen text. */
static void remote_on_data(struct remote *r, const char *buf, size_t len)
{
	char out[TEXT_IN_SPACE(REMOTE_READ_CHUNK)];

	while (len > 0) {
		size_t take = len < REMOTE_READ_CHUNK ? len : REMOTE_READ_CHUNK;
		size_t n = text_in_convert(&r->text, buf, take, out);

		if (n > 0)
			r->ops->text(r->ctx, out, n);
		buf += take;
		len -= take;
	}
}

/* The telnet adapter's callback. */
static void remote_on_tn(void *ctx, const struct tn_event *ev)
{
	struct remote *r = ctx;

	switch (ev->type) {
	case TN_EV_DATA:
		if (!r->closed)
			remote_on_data(r, ev->data, ev->len);
		break;
	case TN_EV_SEND:
		if (ctrace_on)
			ctrace_bytes(CTRACE_OUT, ev->data, ev->len,
				     tn_is_masked(r->tn));
		bufferevent_write(r->bev, ev->data, ev->len);
		break;
	case TN_EV_READY:
		evtimer_del(r->greeting_timer);
		if (!r->closed)
			r->ops->ready(r->ctx);
		break;
	case TN_EV_MASK:
		if (!r->closed)
			r->ops->mask(r->ctx, ev->on);
		break;
	case TN_EV_ERROR: {
		char msg[REMOTE_MAX_ERROR];

		snprintf(msg, sizeof(msg), "telnet error: %.*s", (int)ev->len,
			 ev->data);
		remote_close(r, msg);
		break;
	}
	}
}

/* Feeds what arrived to the telnet adapter. */
static void remote_on_read(struct bufferevent *bev, void *ctx)
{
	struct remote *r = ctx;
	struct evbuffer *in = bufferevent_get_input(bev);
	char buf[REMOTE_READ_CHUNK];
	int n;

	while (!r->closed && (n = evbuffer_remove(in, buf, sizeof(buf))) > 0) {
		if (ctrace_on)
			ctrace_bytes(CTRACE_IN, buf, (size_t)n, false);
		tn_feed(r->tn, buf, (size_t)n);
	}
}

/* Output flushed: the front end may produce more. */
static void remote_on_write(struct bufferevent *bev, void *ctx)
{
	struct remote *r = ctx;

	(void)bev;
	if (!r->closed && r->ops->drained != NULL)
		r->ops->drained(r->ctx);
}

/* The server hung up, or the socket failed. */
static void remote_on_event(struct bufferevent *bev, short what, void *ctx)
{
	struct remote *r = ctx;
	char tail[1];

	(void)bev;
	if (what & BEV_EVENT_EOF) {
		if (ctrace_on) {
			r->server_closed = true;
			ctrace_event(
				"the server closed first: FIN received, end "
				"of its bytes");
		}
		if (!r->closed && text_in_finish(&r->text, tail) > 0)
			r->ops->text(r->ctx, tail, 1);
		remote_close(r, NULL);
	} else if (what & BEV_EVENT_ERROR) {
		int err = EVUTIL_SOCKET_ERROR();
		char msg[REMOTE_MAX_ERROR];

		/*
		 * A server that closes with our last bytes unread resets the
		 * connection: that is still the server hanging up.
		 */
		if (err == ECONNRESET) {
			if (ctrace_on) {
				r->server_closed = true;
				ctrace_event(
					"the server reset the connection (RST): "
					"it closed with our last bytes unread");
			}
			remote_close(r, NULL);
			return;
		}
		snprintf(msg, sizeof(msg), "connection lost: %s",
			 evutil_socket_error_to_string(err));
		if (ctrace_on)
			ctrace_event("%s", msg);
		remote_close(r, msg);
	}
}

/* The server was slow to greet: answer-free servers get our lines anyway. */
static void remote_on_greeting_timer(evutil_socket_t fd, short what, void *ctx)
{
	struct remote *r = ctx;

	(void)fd;
	(void)what;
	tn_end_greeting(r->tn);
}

/* Takes over a connected socket. */
struct remote *remote_new(struct event_base *base, int fd,
			  const struct remote_ops *ops, void *ctx)
{
	struct remote *r = xcalloc(1, sizeof(*r));
	struct timeval tv = {
		.tv_sec = REMOTE_GREETING_MS / 1000,
		.tv_usec = (REMOTE_GREETING_MS % 1000) * 1000,
	};

	r->ops = ops;
	r->ctx = ctx;
	if (ctrace_on)
		ctrace_connected(fd, "TCP");
	text_in_init(&r->text);
	r->tn = tn_new(remote_on_tn, r);
	r->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (r->bev == NULL) {
		fprintf(stderr, "hotline: cannot set up the connection\n");
		abort();
	}
	r->greeting_timer = evtimer_new(base, remote_on_greeting_timer, r);
	if (r->greeting_timer == NULL) {
		fprintf(stderr, "hotline: cannot set up a timer\n");
		abort();
	}
	bufferevent_setcb(r->bev, remote_on_read, remote_on_write,
			  remote_on_event, r);
	bufferevent_enable(r->bev, EV_READ | EV_WRITE);
	evtimer_add(r->greeting_timer, &tv);
	return r;
}

/* Writes what is pending if the socket takes it now, then closes. */
void remote_free(struct remote *r)
{
	struct evbuffer *out;

	if (r == NULL)
		return;
	out = bufferevent_get_output(r->bev);
	if (evbuffer_get_length(out) > 0)
		evbuffer_write(out, bufferevent_getfd(r->bev));
	if (ctrace_on)
		ctrace_event(
			r->server_closed
				? "the client closes its side too"
				: "the client closes first: its FIN tells the "
				  "server there is nothing more");
	bufferevent_free(r->bev);
	event_free(r->greeting_timer);
	tn_free(r->tn);
	free(r);
}

/* Sends text through telnet (IAC escaped). */
void remote_send(struct remote *r, const char *buf, size_t len)
{
	if (!r->closed)
		tn_send(r->tn, buf, len);
}

/* Sends one line and its CR LF; a pasted CR or LF inside ends a line too. */
void remote_send_line(struct remote *r, const char *line, size_t len)
{
	char out[TEXT_OUT_SPACE(REMOTE_READ_CHUNK)];
	struct text_out to;

	text_out_init(&to);
	while (len > 0) {
		size_t take = len < REMOTE_READ_CHUNK ? len : REMOTE_READ_CHUNK;

		remote_send(r, out, text_out_convert(&to, line, take, out));
		line += take;
		len -= take;
	}
	remote_send(r, out, text_out_convert(&to, "\n", 1, out));
}

/* Sets the window size to report. */
void remote_set_window(struct remote *r, unsigned width, unsigned height)
{
	tn_set_window(r->tn, width, height);
}

/* Sets the terminal type to report. */
void remote_set_ttype(struct remote *r, const char *name)
{
	tn_set_ttype(r->tn, name);
}

/* The user is typing: the greeting is over. */
void remote_end_greeting(struct remote *r)
{
	tn_end_greeting(r->tn);
}

/* Whether the socket is far behind. */
bool remote_is_output_full(const struct remote *r)
{
	return evbuffer_get_length(bufferevent_get_output(r->bev)) >
	       REMOTE_MAX_OUTPUT;
}
