/*
 * conn: one socket driving one core (core.c). It feeds the core what the
 * socket reads and implements the core's sink: bytes to the socket, the
 * silence timer, backpressure and the close. A conn is never freed inside
 * a callback of its core: closing marks it, stops reading, lets the
 * output drain (so the goodbye arrives) and frees it on a later turn of
 * the loop.
 *
 * Its phases go one way: SNIFF (a shared port, until the first bytes
 * decide), then TELNET (the socket is the core's) or WEB (a webconn reads
 * the request; an upgrade makes it a call whose bytes travel in frames).
 */
#include "conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/core.h"
#include "log/events.h"
#include "log/trace.h"
#include "mem.h"
#include "netaddr.h"
#include "room/chat.h"
#include "sniff.h"
#include "sockio.h"
#include "webconn.h"

/* The peer's address: IPv4 or IPv6, a fifth of a sockaddr_storage. */
union peer_addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

enum conn_phase {
	CONN_SNIFF, /* undecided: the timer is the sniff's */
	CONN_TELNET,
	CONN_WEB, /* a browser: c->web reads the socket */
};

struct conn {
	enum conn_phase phase;
	bool in_call; /* the core is made and started (or turned away) */
	unsigned id;
	char peer[NETADDR_MAX]; /* "addr:port" or "[addr]:port" */
	union peer_addr peer_addr;
	struct timespec started;
	struct timespec call_started; /* with --events: its close's duration */
	struct timespec last_input;   /* for an operator's /who */
	struct event_base *base;
	struct sockio *io;
	struct event *idle_timer; /* the session's silence timer */
	/* Made on first use (conn_event): an idle caller never needs them. */
	struct event *reaper; /* frees the conn on a later loop turn */
	struct event *linger; /* drops a closing conn whose peer never reads */
	struct event *kick;   /* takes a slow reader out of the chat room */
	struct event *stall; /* drops a caller that stays over its output cap */
	const struct conn_env *env;
	/* The caller's protocol stack, in this allocation just after the conn. */
	struct core *core;
	struct sniff *sniff; /* CONN_SNIFF only */
	struct webconn *web; /* CONN_WEB */
	char *busy;          /* turned away: the busy text instead of a call */
	size_t busy_len;
	struct menu_catalog *catalog; /* until the call starts */
	const char *close_reason;
	const char *closed_first; /* --trace: who closed first */
	bool closing;
	bool reading_paused;
	struct conn_list *list;
	struct conn *prev, *next;
	conn_gone_cb on_gone;
	void *gone_ctx;
};

/* Where the core starts in a conn's allocation, aligned as malloc aligns. */
#define CONN_CORE_OFFSET                                                       \
	((sizeof(struct conn) + _Alignof(max_align_t) - 1) /                   \
	 _Alignof(max_align_t) * _Alignof(max_align_t))

static void conn_close(struct conn *c, const char *reason);
static void conn_trace_close(struct conn *c);
static void conn_watch_stall(struct conn *c);

static void on_reap(evutil_socket_t fd, short what, void *ctx);
static void on_kick(evutil_socket_t fd, short what, void *ctx);
static void on_stall(evutil_socket_t fd, short what, void *ctx);

static const struct webconn_cbs conn_web_cbs;

/* The event in *slot, made on first use; the conn frees it. */
static struct event *conn_event(struct conn *c, struct event **slot,
				event_callback_fn fn)
{
	if (*slot == NULL)
		*slot = event_new(c->base, -1, 0, fn, c);
	return *slot;
}

/* Bytes queued for the caller and not yet sent. */
static size_t conn_pending_output(const struct conn *c)
{
	return sockio_pending(c->io);
}

/* --- core_sink: what the core asks of the socket ----------------------- */

/* core_sink.send: to the socket, or in a frame to a browser. */
static int sink_send(void *ctx, const void *data, size_t len)
{
	struct conn *c = ctx;

	if (c->web != NULL)
		return webconn_send(c->web, data, len);
	sockio_write(c->io, data, len);
	return 0;
}

/* Unshares a chat message once the socket has sent it. */
static void conn_msg_sent(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	chat_msg_unref(arg);
}

/* core_sink.send_shared */
static int sink_send_shared(void *ctx, struct chat_msg *msg, const void *data,
			    size_t len)
{
	struct conn *c = ctx;

	/* A frame's header goes first: a browser gets a copy in its frame. */
	if (c->web != NULL)
		return webconn_send(c->web, data, len);
	sockio_write_reference(c->io, data, len, conn_msg_sent,
			       chat_msg_ref(msg));
	return 0;
}

/*
 * core_sink.send_now: a chat batch for this caller is composed. Writing
 * it at once, member after member, keeps one member's buffers in use at a
 * time, instead of every member's until the end of the pass.
 */
static void sink_send_now(void *ctx)
{
	struct conn *c = ctx;

	sockio_send_now(c->io);
}

/* core_sink.close */
static void sink_close(void *ctx, const char *reason)
{
	conn_close(ctx, reason);
}

/*
 * core_sink.set_reading: the core stops reading once it has closed. It
 * never resumes a socket that backpressure or the close has paused.
 */
static void sink_set_reading(void *ctx, bool on)
{
	struct conn *c = ctx;

	if (!on || (!c->closing && !c->reading_paused))
		sockio_set_reading(c->io, on);
}

/* core_sink.set_timer: the session's silence timer. */
static void sink_set_timer(void *ctx, unsigned seconds)
{
	struct conn *c = ctx;

	if (seconds == 0) {
		evtimer_del(c->idle_timer);
		return;
	}
	struct timeval tv = { .tv_sec = seconds, .tv_usec = 0 };
	evtimer_add(c->idle_timer, &tv);
}

/* core_sink.is_full: over the output cap, chat lines stop. */
static bool sink_is_full(void *ctx)
{
	struct conn *c = ctx;

	return conn_pending_output(c) > c->env->max_output;
}

/* core_sink.later: a slow reader leaves the room on a later turn. */
static void sink_later(void *ctx)
{
	struct conn *c = ctx;

	event_active(conn_event(c, &c->kick, on_kick), EV_TIMEOUT, 0);
}

/* core_sink.describe: both ends of the socket and the transport, for /wire. */
static void sink_describe(void *ctx, struct session_wire *w)
{
	struct conn *c = ctx;
	/* Zeroed for the analyzer, which cannot see getsockname fill it. */
	struct sockaddr_storage here = { 0 };
	socklen_t len = sizeof(here);

	if (getsockname(sockio_fd(c->io), (struct sockaddr *)&here, &len) == 0)
		netaddr_format((struct sockaddr *)&here, w->local,
			       sizeof(w->local));
	snprintf(w->peer, sizeof(w->peer), "%s", c->peer);
	w->websocket = c->web != NULL;
	snprintf(w->agent, sizeof(w->agent), "%s",
		 c->web != NULL ? webconn_user_agent(c->web) : "");
}

static const struct core_sink conn_sink = {
	.send = sink_send,
	.send_shared = sink_send_shared,
	.send_now = sink_send_now,
	.close = sink_close,
	.set_reading = sink_set_reading,
	.set_timer = sink_set_timer,
	.is_full = sink_is_full,
	.later = sink_later,
	.describe = sink_describe,
};

/* --- the start of a call ------------------------------------------------- */

/* A busy text's bytes are the socket's own: nothing to release. */
static void static_sent(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	(void)arg;
}

/*
 * The caller is decided: the core is made and greets it, or, turned away
 * past a cap, it hears the busy text and is hung up.
 */
static void conn_start_call(struct conn *c)
{
	c->in_call = true;
	if (c->busy != NULL) {
		if (c->web != NULL) {
			webconn_send(c->web, c->busy, c->busy_len);
			/* RFC 6455 7.4.1: 1013, try again later. */
			webconn_hang_up(c->web, 1013);
		} else {
			sockio_write(c->io, c->busy, c->busy_len);
		}
		conn_close(c, "busy");
		return;
	}
	/* A caller turned away is no call (nor always a conn): no events. */
	if (events_enabled) {
		clock_gettime(CLOCK_MONOTONIC, &c->call_started);
		events_emit_connect(c->id, c->peer,
				    c->web != NULL ? "websocket" : "telnet");
	}
	c->core = core_init((char *)c + CONN_CORE_OFFSET, c->id, c->catalog,
			    &c->env->session, &conn_sink, c);
	c->list->calls++;
	menu_catalog_unref(c->catalog);
	c->catalog = NULL;
	/* --trace's accept line has said so, with both ends. */
	if (!trace_on_stderr())
		log_info(c->id, "connect from %s%s", c->peer,
			 c->web != NULL ? " (a browser, WebSocket)" : "");
	core_start(c->core);
}

/* The first bytes decided: the held ones and data go to the protocol chosen. */
static void conn_decided(struct conn *c, const void *data, size_t len)
{
	size_t nheld;
	const unsigned char *held = sniff_held(c->sniff, &nheld);
	unsigned char copy[SNIFF_HTTP_PREFIX_LEN];
	bool http = c->sniff->state == SNIFF_HTTP;

	if (trace_wire) {
		char why[128];

		sniff_describe(c->sniff, why, sizeof(why));
		trace_event(c->id, WIRETRACE_CONNECT, "%s", why);
	}
	memcpy(copy, held, nheld);
	free(c->sniff);
	c->sniff = NULL;
	evtimer_del(c->idle_timer);
	if (http) {
		c->phase = CONN_WEB;
		c->web = webconn_new(c->base, c->env->web, c->id,
				     &c->peer_addr.sa, &conn_web_cbs, c);
		webconn_feed(c->web, copy, nheld);
		if (len > 0)
			webconn_feed(c->web, data, len);
		return;
	}
	c->phase = CONN_TELNET;
	conn_start_call(c);
	if (c->core == NULL)
		return;
	if (nheld > 0)
		core_feed(c->core, copy, nheld);
	if (len > 0)
		core_feed(c->core, data, len);
}

/* --- webconn_cbs: what a browser's connection asks of the socket ------- */

/* webconn_cbs.write */
static void web_write(void *ctx, const void *data, size_t len)
{
	struct conn *c = ctx;

	sockio_write(c->io, data, len);
}

/* webconn_cbs.write_static: the page's files, read once at startup. */
static void web_write_static(void *ctx, const void *data, size_t len)
{
	struct conn *c = ctx;

	sockio_write_reference(c->io, data, len, static_sent, NULL);
}

/* webconn_cbs.upgraded: the WebSocket is open, the call begins. */
static void web_upgraded(void *ctx)
{
	conn_start_call(ctx);
}

/* webconn_cbs.on_data: telnet bytes out of the browser's frames. */
static void web_on_data(void *ctx, const void *data, size_t len)
{
	struct conn *c = ctx;

	if (c->core != NULL && !c->closing)
		core_feed(c->core, data, len);
}

/* webconn_cbs.on_end: the browser closed its WebSocket or went silent. */
static void web_on_end(void *ctx)
{
	struct conn *c = ctx;

	if (c->core != NULL && !c->closing)
		core_end_of_input(c->core);
}

/* webconn_cbs.close */
static void web_close(void *ctx, const char *reason)
{
	conn_close(ctx, reason);
}

/* webconn_cbs.pending */
static size_t web_pending(void *ctx)
{
	return conn_pending_output(ctx);
}

static const struct webconn_cbs conn_web_cbs = {
	.pending = web_pending,
	.write = web_write,
	.write_static = web_write_static,
	.upgraded = web_upgraded,
	.on_data = web_on_data,
	.on_end = web_on_end,
	.close = web_close,
};

/* --- socket events ------------------------------------------------------- */

/* Feeds what arrived; stops reading a caller who does not read our output. */
static void on_data(void *ctx, const char *data, size_t len)
{
	struct conn *c = ctx;

	clock_gettime(CLOCK_MONOTONIC, &c->last_input);
	if (c->closing && c->phase != CONN_WEB)
		return;
	switch (c->phase) {
	case CONN_SNIFF:
		if (sniff_feed(c->sniff, data, len) != SNIFF_UNDECIDED)
			conn_decided(c, data, len);
		break;
	case CONN_WEB:
		webconn_feed(c->web, data, len);
		break;
	case CONN_TELNET:
		if (c->core != NULL)
			core_feed(c->core, data, len);
		break;
	}
	if (!c->closing && conn_pending_output(c) > c->env->max_output) {
		sockio_set_reading(c->io, false);
		c->reading_paused = true;
		conn_watch_stall(c);
	}
}

/*
 * Output went out: finish closing; or, once under half the cap, the caller
 * is reading again: stop the stall clock and resume reading them.
 */
static void on_written(void *ctx)
{
	struct conn *c = ctx;

	if (c->closing) {
		if (conn_pending_output(c) == 0)
			event_active(conn_event(c, &c->reaper, on_reap),
				     EV_TIMEOUT, 0);
		return;
	}
	if (conn_pending_output(c) > c->env->max_output / 2)
		return;
	if (c->stall != NULL)
		evtimer_del(c->stall);
	if (c->reading_paused) {
		c->reading_paused = false;
		sockio_set_reading(c->io, true);
	}
}

/* The caller half-closed: answer what they sent, then hang up. */
static void on_eof(void *ctx)
{
	struct conn *c = ctx;

	if (trace_wire && c->closed_first == NULL) {
		c->closed_first = "the caller";
		trace_event(c->id, WIRETRACE_CONNECT,
			    "the caller closed first: FIN received, "
			    "end of its bytes");
	}
	if (c->closing)
		return;
	if (c->phase == CONN_SNIFF) {
		sniff_end_of_input(c->sniff);
		conn_decided(c, NULL, 0);
	}
	if (c->core != NULL && !c->closing)
		core_end_of_input(c->core);
	else if (c->core == NULL)
		conn_close(c, "the browser hung up");
}

/* Reading or writing failed (a reset, most often): the call is over. */
static void on_error(void *ctx, int err)
{
	struct conn *c = ctx;

	if (trace_wire) {
		if (c->closed_first == NULL)
			c->closed_first = "the caller";
		trace_event(c->id, WIRETRACE_CONNECT, "socket error: %s%s",
			    evutil_socket_error_to_string(err),
			    err == ECONNRESET ? " (RST: the caller "
						"aborted the connection)"
					      : "");
	}
	c->close_reason = c->close_reason ? c->close_reason : "socket error";
	c->closing = true;
	evtimer_del(c->idle_timer);
	event_active(conn_event(c, &c->reaper, on_reap), EV_TIMEOUT, 0);
}

static const struct sockio_cbs conn_sockio_cbs = {
	.on_data = on_data,
	.on_eof = on_eof,
	.on_error = on_error,
	.on_written = on_written,
};

/* The session's silence timer fired. */
static void on_idle_timer(evutil_socket_t fd, short what, void *ctx)
{
	struct conn *c = ctx;

	(void)fd;
	(void)what;
	if (c->phase == CONN_SNIFF) {
		sniff_timeout(c->sniff);
		conn_decided(c, NULL, 0);
	} else if (c->core != NULL) {
		core_timer(c->core);
	}
}

/* Starts the clock on a caller over its output cap, once. */
static void conn_watch_stall(struct conn *c)
{
	struct timeval tv = { .tv_sec = CONN_STALL_SECONDS, .tv_usec = 0 };

	if (!evtimer_pending(conn_event(c, &c->stall, on_stall), NULL))
		evtimer_add(c->stall, &tv);
}

/*
 * CONN_STALL_SECONDS after going over the cap, the output has not drained
 * to half of it (on_written stops this clock when it does): the caller is
 * not reading.
 */
static void on_stall(evutil_socket_t fd, short what, void *ctx)
{
	struct conn *c = ctx;

	(void)fd;
	(void)what;
	if (!c->closing && conn_pending_output(c) > c->env->max_output / 2)
		conn_close(c, "not reading");
}

/* A chat member over its output cap leaves the room; still over later, it is dropped. */
static void on_kick(evutil_socket_t fd, short what, void *ctx)
{
	struct conn *c = ctx;

	(void)fd;
	(void)what;
	if (c->closing)
		return;
	log_info(c->id, "%zu bytes unsent: out of the chat room",
		 conn_pending_output(c));
	core_later(c->core);
	conn_watch_stall(c);
}

/* The events file hears that a call (not a page's file) ended. */
static void conn_event_close(const struct conn *c, const struct timespec *now)
{
	unsigned long long in, out;
	long long ms = (long long)(now->tv_sec - c->call_started.tv_sec) * 1000;

	ms += (now->tv_nsec - c->call_started.tv_nsec) / 1000000;
	core_bytes(c->core, &in, &out);
	events_emit_close(c->id, c->close_reason ? c->close_reason : "closed",
			  ms, in, out);
}

/* Unlinks and frees the conn, logging how long the call lasted. */
static void conn_destroy(struct conn *c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (events_enabled && c->core != NULL)
		conn_event_close(c, &now);
	double secs = (double)(now.tv_sec - c->started.tv_sec) +
		      (double)(now.tv_nsec - c->started.tv_nsec) / 1e9;
	if (trace_wire && c->web != NULL && c->core == NULL) {
		unsigned long long in, out;

		webconn_bytes(c->web, &in, &out);
		trace_event(c->id, WIRETRACE_CONNECT,
			    "closed after %.1fs: %llu bytes in, %llu bytes out "
			    "(HTTP); %s closed first",
			    secs, in, out,
			    c->closed_first ? c->closed_first : "the server");
	} else if (trace_wire && c->web != NULL) {
		unsigned long long in, out, tin, tout;

		webconn_bytes(c->web, &in, &out);
		core_bytes(c->core, &tin, &tout);
		trace_event(c->id, WIRETRACE_CONNECT,
			    "closed after %.1fs: %llu bytes in, %llu bytes out "
			    "(HTTP, then WebSocket frames with %llu and %llu "
			    "bytes of telnet inside); %s closed first",
			    secs, in, out, tin, tout,
			    c->closed_first ? c->closed_first : "the server");
	} else if (trace_wire && c->core == NULL) {
		trace_event(c->id, WIRETRACE_CONNECT,
			    "closed after %.1fs; %s closed first", secs,
			    c->closed_first ? c->closed_first : "the server");
	} else if (trace_wire) {
		unsigned long long tin, tout;

		core_bytes(c->core, &tin, &tout);
		trace_event(c->id, WIRETRACE_CONNECT,
			    "closed after %.1fs: %llu bytes in, %llu bytes out; "
			    "%s closed first",
			    secs, tin, tout,
			    c->closed_first ? c->closed_first : "the server");
	}
	/* With --trace, the reason was traced when the close began. */
	if (trace_on_stderr()) {
		/* no log line */
	} else if (!c->in_call) {
		/* A page's file or an undecided caller: not a call. */
		log_debug(c->id, "closed %s after %.1fs (%s)", c->peer, secs,
			  c->close_reason ? c->close_reason : "closed");
	} else {
		log_info(c->id, "disconnect %s after %.1fs (%s)", c->peer, secs,
			 c->close_reason ? c->close_reason : "closed");
	}

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->list->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->list->count--;

	if (c->core != NULL) {
		core_fini(c->core);
		c->list->calls--;
	}
	webconn_free(c->web);
	free(c->sniff);
	free(c->busy);
	menu_catalog_unref(c->catalog);
	sockio_free(c->io);
	event_free(c->idle_timer);
	if (c->reaper != NULL)
		event_free(c->reaper);
	if (c->linger != NULL)
		event_free(c->linger);
	if (c->kick != NULL)
		event_free(c->kick);
	if (c->stall != NULL)
		event_free(c->stall);
	free(c);
}

/* Frees the conn on its own loop turn, outside any parser, then tells the owner. */
static void on_reap(evutil_socket_t fd, short what, void *ctx)
{
	struct conn *c = ctx;
	conn_gone_cb on_gone = c->on_gone;
	void *gone_ctx = c->gone_ctx;
	union peer_addr peer = c->peer_addr;

	(void)fd;
	(void)what;
	conn_destroy(c);
	if (on_gone != NULL)
		on_gone(gone_ctx, &peer.sa);
}

/* Frees every conn still in the list at once: the loop has stopped. */
void conn_list_free_all(struct conn_list *list)
{
	while (list->head != NULL) {
		struct conn *c = list->head;

		/* conn_destroy unlinks c from c->list, which is list, so head
		 * moves on; the analyzer cannot tie the two together:
		 * NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
		if (c->close_reason == NULL)
			c->close_reason = "service stopped";
		if (!c->closing)
			conn_trace_close(c);
		conn_destroy(c);
	}
	sockio_group_free(list->io);
	list->io = NULL;
}

/* --trace: the server closes, first or after the caller, and why. */
static void conn_trace_close(struct conn *c)
{
	if (!trace_wire)
		return;
	trace_event(c->id, WIRETRACE_CONNECT,
		    c->closed_first ? "the server closes its side too: %s"
				    : "the server closes first: %s "
				      "(its FIN follows the last bytes)",
		    c->close_reason);
	if (c->closed_first == NULL)
		c->closed_first = "the server";
}

/* Marks the conn closing: no more reading, output drains, then it is freed. */
static void conn_close(struct conn *c, const char *reason)
{
	struct timeval linger = { .tv_sec = CONN_CLOSE_LINGER, .tv_usec = 0 };

	if (c->closing)
		return;
	c->closing = true;
	c->close_reason = reason;
	conn_trace_close(c);
	evtimer_del(c->idle_timer);
	if (c->stall != NULL)
		evtimer_del(c->stall);
	/* A browser's call ends with a close frame (1000) after the goodbye. */
	if (c->web != NULL)
		webconn_hang_up(c->web, 1000);
	sockio_set_reading(c->io, false);
	if (conn_pending_output(c) == 0)
		event_active(conn_event(c, &c->reaper, on_reap), EV_TIMEOUT, 0);
	else
		evtimer_add(conn_event(c, &c->linger, on_reap), &linger);
}

/* Turns on keepalive and disables Nagle: keypad echo must not wait. */
static void tune_socket(evutil_socket_t fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
}

/* --trace: the new connection with both ends' addresses. */
static void conn_trace_accept(struct conn *c, evutil_socket_t fd)
{
	/* Zeroed for the analyzer, which cannot see getsockname fill it. */
	struct sockaddr_storage local = { 0 };
	socklen_t len = sizeof(local);
	char here[sizeof(c->peer)] = "?";

	if (getsockname(fd, (struct sockaddr *)&local, &len) == 0)
		netaddr_format((struct sockaddr *)&local, here, sizeof(here));
	trace_event(c->id, WIRETRACE_CONNECT,
		    "accept: caller %s -> server %s (TCP connection open: the "
		    "kernel did the SYN, SYN-ACK, ACK handshake before accept "
		    "returned)",
		    c->peer, here);
}

/* Creates a conn for an accepted socket: greets a telnet caller, or waits. */
struct conn *conn_new(struct event_base *base, evutil_socket_t fd,
		      const struct sockaddr *peer, unsigned id,
		      struct menu_catalog *catalog, const struct conn_env *env,
		      const struct conn_start *start, struct conn_list *list,
		      conn_gone_cb on_gone, void *ctx)
{
	struct conn *c;

	evutil_make_socket_nonblocking(fd);
	tune_socket(fd);
	if (list->io == NULL)
		list->io = sockio_group_new(base);
	/* One allocation for the conn and, right after it, its core. */
	c = xcalloc(1, CONN_CORE_OFFSET + core_size());
	c->io = sockio_new(list->io, fd, &conn_sockio_cbs, c);
	if (c->io == NULL) {
		evutil_closesocket(fd);
		free(c);
		return NULL;
	}
	c->id = id;
	c->base = base;
	netaddr_format(peer, c->peer, sizeof(c->peer));
	if (trace_wire)
		conn_trace_accept(c, fd);
	memcpy(&c->peer_addr, peer,
	       peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					   : sizeof(struct sockaddr_in));
	clock_gettime(CLOCK_MONOTONIC, &c->started);
	c->last_input = c->started;
	c->idle_timer = evtimer_new(base, on_idle_timer, c);
	c->env = env;
	c->catalog = menu_catalog_ref(catalog);
	if (start->busy != NULL) {
		c->busy = xmalloc(start->busy_len);
		memcpy(c->busy, start->busy, start->busy_len);
		c->busy_len = start->busy_len;
	}
	c->list = list;
	c->on_gone = on_gone;
	c->gone_ctx = ctx;
	c->next = list->head;
	if (list->head != NULL)
		list->head->prev = c;
	list->head = c;
	list->count++;

	if (start->front == CONN_FRONT_TELNET || env->web == NULL) {
		c->phase = CONN_TELNET;
		conn_start_call(c);
	} else if (start->front == CONN_FRONT_HTTP) {
		c->phase = CONN_WEB;
		c->web = webconn_new(base, env->web, id, &c->peer_addr.sa,
				     &conn_web_cbs, c);
	} else {
		/* A telnet client waiting for the greeting gets it soon. */
		struct timeval wait = { .tv_sec = 0,
					.tv_usec = SNIFF_WAIT_MS * 1000 };

		c->phase = CONN_SNIFF;
		c->sniff = xmalloc(sizeof(*c->sniff));
		sniff_init(c->sniff);
		evtimer_add(c->idle_timer, &wait);
	}
	return c;
}

/* Session id of the conn. */
unsigned conn_id(const struct conn *c)
{
	return c->id;
}

/* Whether the conn is on its way out. */
bool conn_is_closing(const struct conn *c)
{
	return c->closing;
}

/* Whether a core carries a call on this conn. */
bool conn_in_call(const struct conn *c)
{
	return c->core != NULL;
}

/* Hands a reloaded catalog to the session, or keeps it for the call. */
void conn_set_catalog(struct conn *c, struct menu_catalog *catalog)
{
	if (c->closing)
		return;
	if (c->core != NULL) {
		core_set_catalog(c->core, catalog);
		return;
	}
	if (c->catalog != NULL) {
		menu_catalog_ref(catalog);
		menu_catalog_unref(c->catalog);
		c->catalog = catalog;
	}
}

/* Service shutdown: the session says so, then the conn closes. */
void conn_shutdown(struct conn *c)
{
	if (c->closing)
		return;
	if (c->core != NULL)
		core_shutdown(c->core);
	else
		conn_close(c, "service closing");
}

/* A notice in the caller's language, drawn around a half-typed line. */
void conn_notice(struct conn *c, enum menu_text_id id)
{
	if (!c->closing && c->core != NULL)
		core_notice(c->core, id);
}

/* An operator's broadcast, drawn around a half-typed line. */
void conn_wall(struct conn *c, const char *text)
{
	if (!c->closing && c->core != NULL)
		core_wall(c->core, text);
}

/* The conn's row for /who; its strings live as long as the conn. */
void conn_row(const struct conn *c, struct session_row *row)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	row->id = c->id;
	row->peer = c->peer;
	row->idle = (long)(now.tv_sec - c->last_input.tv_sec);
	if (c->core != NULL)
		core_summary(c->core, &row->summary);
	else
		memset(&row->summary, 0, sizeof(row->summary));
}

/* Milliseconds from a to b. */
static long long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) * 1000 +
	       (b->tv_nsec - a->tv_nsec) / 1000000;
}

bool conn_view(const struct conn *c, struct conn_view *out)
{
	struct timespec now;

	if (c->core == NULL)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	out->id = c->id;
	out->peer = c->peer;
	out->websocket = c->web != NULL;
	out->idle_ms = ms_between(&c->last_input, &now);
	out->duration_ms = ms_between(&c->started, &now);
	core_view(c->core, &out->core);
	return true;
}

/* Starts an empty list. */
void conn_list_init(struct conn_list *list)
{
	list->head = NULL;
	list->count = 0;
	list->calls = 0;
	list->io = NULL;
}

/* Visits every conn; safe because conns are only freed on their own loop turn. */
void conn_list_each(struct conn_list *list,
		    void (*fn)(struct conn *c, void *arg), void *arg)
{
	for (struct conn *c = list->head; c != NULL; c = c->next)
		fn(c, arg);
}
