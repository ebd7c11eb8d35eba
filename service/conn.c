/*
 * conn: the glue between one socket and one session. Data flows one way
 * through the layers it owns; each layer reports up through the callback
 * it was created with. A conn is never freed inside a callback of its own
 * parsers: closing marks it, stops reading, lets the output drain (so the
 * goodbye arrives) and frees it on a later turn of the loop.
 */
#include "conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "charset.h"
#include "chat.h"
#include "lineedit.h"
#include "session.h"
#include "sockio.h"
#include "telnet.h"
#include "trace.h"
#include "util.h"

/* The peer's address: IPv4 or IPv6, a fifth of a sockaddr_storage. */
union peer_addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

struct conn {
	unsigned id;
	char peer[INET6_ADDRSTRLEN + 8]; /* "addr:port" or "[addr]:port" */
	union peer_addr peer_addr;
	unsigned width, height; /* from NAWS; 0 until the client says */
	char enter[16];         /* the last Enter's bytes in hex, for /wire */
	char erase[8];          /* the last Backspace byte in hex */
	struct timespec started;
	struct timespec last_input; /* for an operator's /who */
	struct event_base *base;
	struct sockio *io;
	struct event *idle_timer; /* the session's silence timer */
	/* Made on first use (conn_event): an idle caller never needs them. */
	struct event *reaper; /* frees the conn on a later loop turn */
	struct event *linger; /* drops a closing conn whose peer never reads */
	struct event *kick;   /* takes a slow reader out of the chat room */
	struct event *stall; /* drops a caller that stays over its output cap */
	const struct conn_env *env;
	struct telnet_adapter *telnet;
	struct charset_conv *charset;
	struct lineedit *lineedit;
	struct session *session;
	const char *close_reason;
	struct trace_conn *trace; /* --trace view; NULL when tracing is off */
	const char *closed_first; /* --trace: who closed first */
	bool closing;
	bool reading_paused;
	struct conn_list *list;
	struct conn *prev, *next;
	conn_gone_cb on_gone;
	void *gone_ctx;
};

static void conn_close(struct conn *c, const char *reason);
static void conn_watch_stall(struct conn *c);

/* Formats a socket address as "1.2.3.4:5" or "[::1]:5". */
static void format_peer(const struct sockaddr *sa, char *out, size_t outsz)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(out, outsz, "%s:%u", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(out, outsz, "[%s]:%u", host, port);
	} else {
		snprintf(out, outsz, "?");
	}
}

/* --trace: bytes handed to the socket; the echo of a password stays masked. */
static void conn_trace_out(struct conn *c, const void *data, size_t len)
{
	if (trace_wire)
		trace_bytes(c->trace, c->id, TRACE_OUT, data, len,
			    c->trace->mask_out, 0);
}

/* --- output: session text -> charset -> telnet -> socket --------------- */

static void conn_output_text(struct conn *c, const char *text, size_t len);

/*
 * What the caller typed, sent back: the echo of a key, or (redraw) the
 * half-typed line drawn again. --trace masks it if it is a password.
 */
static void conn_output_echo(struct conn *c, const char *text, size_t len,
			     bool redraw)
{
	if (!trace_wire) {
		conn_output_text(c, text, len);
		return;
	}
	c->trace->mask_out = redraw ? wiretrace_is_masking(&c->trace->in)
				    : c->trace->feeding_secret;
	conn_output_text(c, text, len);
	c->trace->mask_out = false;
}

/*
 * Scratch buffers shared by every conn (one loop thread, and no conn's
 * decoding or encoding runs inside another's): a conn keeps no buffer of
 * its own between reads and writes.
 */
static struct strbuf conn_decoded; /* caller's bytes as UTF-8 */
static struct strbuf conn_encoded; /* text on its way out */

static void on_reap(evutil_socket_t fd, short what, void *ctx);
static void on_kick(evutil_socket_t fd, short what, void *ctx);
static void on_stall(evutil_socket_t fd, short what, void *ctx);

/* The event in *slot, made on first use; the conn frees it. */
static struct event *conn_event(struct conn *c, struct event **slot,
				event_callback_fn fn)
{
	if (*slot == NULL)
		*slot = event_new(c->base, -1, 0, fn, c);
	return *slot;
}

/* Sends UTF-8 text to the caller: "\n" becomes CR LF, then the caller's charset. */
static void conn_output_text(struct conn *c, const char *text, size_t len)
{
	struct strbuf *sb = &conn_encoded;
	size_t start = 0;

	strbuf_reset(sb);
	for (size_t i = 0; i < len; i++) {
		if (text[i] != '\n' || (i > 0 && text[i - 1] == '\r'))
			continue;
		charset_encode(c->charset, text + start, i - start, sb);
		strbuf_append(sb, "\r\n", 2);
		start = i + 1;
	}
	charset_encode(c->charset, text + start, len - start, sb);
	telnet_adapter_send(c->telnet, sb->data, sb->len);
}

/* Bytes queued for the caller and not yet sent. */
static size_t conn_pending_output(const struct conn *c)
{
	return sockio_pending(c->io);
}

/*
 * In character mode the caller may be halfway through a line: clear it
 * before text that arrives on its own...
 */
static void conn_async_begin(struct conn *c)
{
	size_t len;

	if (lineedit_mode(c->lineedit) != LINEEDIT_MODE_CHAR)
		return;
	lineedit_pending(c->lineedit, &len);
	if (len > 0) {
		conn_trace_out(c, "\r\033[K", 4);
		sockio_write(c->io, "\r\033[K", 4);
	}
}

/* ...and draw it again after, so nothing typed is garbled or lost. */
static void conn_async_end(struct conn *c)
{
	size_t len;
	const char *pending;

	if (lineedit_mode(c->lineedit) != LINEEDIT_MODE_CHAR ||
	    lineedit_input(c->lineedit) != LINEEDIT_INPUT_TEXT)
		return;
	pending = lineedit_pending(c->lineedit, &len);
	if (len > 0)
		conn_output_echo(c, pending, len, true);
}

/* Unshares a chat message once the socket has sent it. */
static void conn_msg_sent(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	chat_msg_unref(arg);
}

/* Queues a chat message's bytes: UTF-8 as formatted, GBK converted once. */
static void conn_queue_msg(struct conn *c, struct chat_msg *msg)
{
	const char *bytes = msg->text;
	size_t len = msg->len;

	if (charset_conv_charset(c->charset) != CHARSET_UTF8) {
		if (msg->alt == NULL) {
			struct strbuf sb;

			strbuf_init(&sb);
			charset_encode(c->charset, msg->text, msg->len, &sb);
			msg->alt = sb.data ? sb.data : xstrdup("");
			msg->alt_len = sb.len;
		}
		bytes = msg->alt;
		len = msg->alt_len;
	}
	/* The text holds no 0xff byte (sanitised), so no telnet escaping. */
	conn_trace_out(c, bytes, len);
	if (len <= CONN_COPY_MAX)
		sockio_write(c->io, bytes, len);
	else
		sockio_write_reference(c->io, bytes, len, conn_msg_sent,
				       chat_msg_ref(msg));
}

/* --- session_io -------------------------------------------------------- */

/* session_io.notify */
static void io_notify(void *ctx, const char *text, size_t len)
{
	struct conn *c = ctx;

	conn_async_begin(c);
	conn_output_text(c, text, len);
	conn_async_end(c);
}

/* session_io.deliver: a chat message, unless the caller stopped reading. */
static void io_deliver(void *ctx, struct chat_msg *msg)
{
	struct conn *c = ctx;

	if (c->closing)
		return;
	if (conn_pending_output(c) > c->env->max_output) {
		/* Not here: the room is looping over its members right now. */
		event_active(conn_event(c, &c->kick, on_kick), EV_TIMEOUT, 0);
		return;
	}
	conn_async_begin(c);
	conn_queue_msg(c, msg);
	conn_async_end(c);
}

/*
 * session_io.send_now: a chat batch for this caller is composed. Writing
 * it at once, member after member, keeps one member's buffers in use at a
 * time, instead of every member's until the end of the pass.
 */
static void io_send_now(void *ctx)
{
	struct conn *c = ctx;

	sockio_send_now(c->io);
}

/* session_io.write */
static void io_write(void *ctx, const char *text, size_t len)
{
	conn_output_text(ctx, text, len);
}

/* session_io.set_input: menu keys, text, or a secret the client must not echo. */
static void io_set_input(void *ctx, enum lineedit_input input)
{
	struct conn *c = ctx;

	lineedit_set_input(c->lineedit, input);
	telnet_adapter_set_secret(c->telnet, input == LINEEDIT_INPUT_SECRET);
}

/* session_io.set_timer */
static void io_set_timer(void *ctx, unsigned seconds)
{
	struct conn *c = ctx;

	if (seconds == 0) {
		evtimer_del(c->idle_timer);
		return;
	}
	struct timeval tv = { .tv_sec = seconds, .tv_usec = 0 };
	evtimer_add(c->idle_timer, &tv);
}

/* session_io.set_charset */
static void io_set_charset(void *ctx, enum charset cs)
{
	struct conn *c = ctx;

	charset_conv_set(c->charset, cs);
}

/* session_io.close */
static void io_close(void *ctx, const char *reason)
{
	conn_close(ctx, reason);
}

/* session_io.describe: the connection as the server sees it, for /wire. */
static void io_describe(void *ctx, struct session_wire *w)
{
	struct conn *c = ctx;
	/* Zeroed for the analyzer, which cannot see getsockname fill it. */
	struct sockaddr_storage local = { 0 };
	socklen_t len = sizeof(local);
	struct strbuf sb;

	if (getsockname(sockio_fd(c->io), (struct sockaddr *)&local, &len) == 0)
		format_peer((struct sockaddr *)&local, w->local,
			    sizeof(w->local));
	snprintf(w->peer, sizeof(w->peer), "%s", c->peer);
	w->char_mode = lineedit_mode(c->lineedit) == LINEEDIT_MODE_CHAR;
	strbuf_init(&sb);
	telnet_adapter_describe(c->telnet, &sb);
	snprintf(w->options, sizeof(w->options), "%s", sb.data ? sb.data : "");
	strbuf_fini(&sb);
	snprintf(w->ttype, sizeof(w->ttype), "%s",
		 telnet_adapter_ttype(c->telnet));
	w->width = c->width;
	w->height = c->height;
	snprintf(w->enter, sizeof(w->enter), "%s", c->enter);
	snprintf(w->erase, sizeof(w->erase), "%s", c->erase);
}

static const struct session_io conn_session_io = {
	.write = io_write,
	.set_input = io_set_input,
	.set_timer = io_set_timer,
	.set_charset = io_set_charset,
	.close = io_close,
	.notify = io_notify,
	.deliver = io_deliver,
	.send_now = io_send_now,
	.describe = io_describe,
};

/* --- input: lineedit -> session ------------------------------------------ */

/* Line editor results go to the session; echo goes back out. */
static void on_lineedit(void *ctx, const struct lineedit_event *ev)
{
	struct conn *c = ctx;

	switch (ev->type) {
	case LINEEDIT_EV_KEY:
		session_on_key(c->session, ev->data, ev->len);
		break;
	case LINEEDIT_EV_LINE:
		session_on_line(c->session, ev->data, ev->len);
		break;
	case LINEEDIT_EV_ECHO:
		conn_output_echo(c, ev->data, ev->len, false);
		break;
	case LINEEDIT_EV_TOO_LONG:
		log_info(c->id, "line over %d bytes refused",
			 LINEEDIT_MAX_LINE);
		session_on_too_long(c->session);
		break;
	case LINEEDIT_EV_INTERRUPT:
		session_hangup(c->session, "ctrl-c");
		break;
	}
}

/*
 * Notes the bytes of the caller's Enter and Backspace keys, for /wire:
 * the class compares what each client sends. CR LF in one chunk is one
 * Enter.
 */
static void conn_note_keys(struct conn *c, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)data[i];

		if (b == '\r') {
			unsigned char next =
				i + 1 < len ? (unsigned char)data[i + 1] : 0xff;

			if (next == '\n' || next == '\0') {
				snprintf(c->enter, sizeof(c->enter), "0d %02x",
					 next);
				i++;
			} else {
				snprintf(c->enter, sizeof(c->enter), "0d");
			}
		} else if (b == '\n') {
			snprintf(c->enter, sizeof(c->enter), "0a");
		} else if (b == 0x7f || b == 0x08) {
			snprintf(c->erase, sizeof(c->erase), "%02x", b);
		}
	}
}

/* --- input: telnet -> charset -> lineedit -------------------------------- */

/* Telnet adapter results: data onwards, bytes to the socket, mode changes. */
static void on_telnet(void *ctx, const struct telnet_adapter_event *ev)
{
	struct conn *c = ctx;

	switch (ev->type) {
	case TELNET_ADAPTER_EV_DATA:
		if (c->closing)
			break;
		conn_note_keys(c, ev->data, ev->len);
		strbuf_reset(&conn_decoded);
		charset_decode(c->charset, ev->data, ev->len, &conn_decoded);
		lineedit_feed(c->lineedit, conn_decoded.data, conn_decoded.len);
		break;
	case TELNET_ADAPTER_EV_SEND:
		conn_trace_out(c, ev->data, ev->len);
		sockio_write(c->io, ev->data, ev->len);
		break;
	case TELNET_ADAPTER_EV_CHAR_MODE:
		log_debug(c->id, "character mode");
		lineedit_set_mode(c->lineedit, LINEEDIT_MODE_CHAR);
		break;
	case TELNET_ADAPTER_EV_LINE_MODE:
		log_debug(c->id, "line mode");
		lineedit_set_mode(c->lineedit, LINEEDIT_MODE_LINE);
		break;
	case TELNET_ADAPTER_EV_WINDOW:
		log_debug(c->id, "window %ux%u", ev->width, ev->height);
		c->width = ev->width;
		c->height = ev->height;
		break;
	case TELNET_ADAPTER_EV_HANGUP:
		if (!c->closing)
			session_hangup(c->session, "interrupt");
		break;
	case TELNET_ADAPTER_EV_ERROR:
		log_info(c->id, "telnet error: %.*s", (int)ev->len, ev->data);
		conn_close(c, "telnet protocol error");
		break;
	case TELNET_ADAPTER_EV_WARNING:
		log_debug(c->id, "telnet warning: %.*s", (int)ev->len,
			  ev->data);
		break;
	}
}

/* --- socket events ------------------------------------------------------- */

/*
 * Feeds a read to the telnet adapter. Under --trace it goes line by line,
 * each traced first, so a password that starts after one line of a read
 * is masked from the next.
 */
static void conn_feed(struct conn *c, const char *buf, size_t len)
{
	size_t whole = len;

	if (!trace_wire) {
		telnet_adapter_feed(c->telnet, buf, len);
		return;
	}
	while (len > 0) {
		size_t n = wiretrace_line_span(&c->trace->in, buf, len), typed;
		bool secret = lineedit_input(c->lineedit) ==
			      LINEEDIT_INPUT_SECRET;

		/* After a menu key (no line end) the next byte starts a line too. */
		lineedit_pending(c->lineedit, &typed);
		if (typed == 0)
			wiretrace_line_start(&c->trace->in);
		c->trace->feeding_secret = wiretrace_masked(&c->trace->in, buf,
							    n, secret) > 0;
		trace_bytes(c->trace, c->id, TRACE_IN, buf, n, secret, whole);
		telnet_adapter_feed(c->telnet, buf, n);
		c->trace->feeding_secret = false;
		buf += n;
		len -= n;
	}
}

/* Feeds what arrived; stops reading a caller who does not read our output. */
static void on_data(void *ctx, const char *data, size_t len)
{
	struct conn *c = ctx;

	clock_gettime(CLOCK_MONOTONIC, &c->last_input);
	if (c->closing)
		return;
	conn_feed(c, data, len);
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
	if (!c->closing)
		session_hangup(c->session, "end of input");
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
	session_on_timeout(c->session);
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
	session_drop_slow_reader(c->session);
	conn_watch_stall(c);
}

/* Unlinks and frees the conn, logging how long the call lasted. */
static void conn_destroy(struct conn *c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	double secs = (double)(now.tv_sec - c->started.tv_sec) +
		      (double)(now.tv_nsec - c->started.tv_nsec) / 1e9;
	log_info(c->id, "disconnect %s after %.1fs (%s)", c->peer, secs,
		 c->close_reason ? c->close_reason : "closed");
	if (trace_wire)
		trace_event(c->id, WIRETRACE_CONNECT,
			    "closed after %.1fs: %llu bytes in, %llu bytes out; "
			    "%s closed first",
			    secs, c->trace->bytes_in, c->trace->bytes_out,
			    c->closed_first ? c->closed_first : "the server");

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->list->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->list->count--;

	session_free(c->session);
	lineedit_free(c->lineedit);
	charset_conv_free(c->charset);
	telnet_adapter_free(c->telnet);
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
	free(c->trace);
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
		conn_destroy(c);
	}
	sockio_group_free(list->io);
	list->io = NULL;
}

/* Marks the conn closing: no more reading, output drains, then it is freed. */
static void conn_close(struct conn *c, const char *reason)
{
	struct timeval linger = { .tv_sec = CONN_CLOSE_LINGER, .tv_usec = 0 };

	if (c->closing)
		return;
	c->closing = true;
	c->close_reason = reason;
	if (trace_wire) {
		trace_event(c->id, WIRETRACE_CONNECT,
			    c->closed_first
				    ? "the server closes its side too: %s"
				    : "the server closes first: %s "
				      "(its FIN follows the last bytes)",
			    reason);
		if (c->closed_first == NULL)
			c->closed_first = "the server";
	}
	evtimer_del(c->idle_timer);
	if (c->stall != NULL)
		evtimer_del(c->stall);
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

	c->trace = trace_conn_new();
	if (getsockname(fd, (struct sockaddr *)&local, &len) == 0)
		format_peer((struct sockaddr *)&local, here, sizeof(here));
	trace_event(c->id, WIRETRACE_CONNECT,
		    "accept: caller %s -> server %s (TCP connection open: the "
		    "kernel did the SYN, SYN-ACK, ACK handshake before accept "
		    "returned)",
		    c->peer, here);
}

/* Creates a conn for an accepted socket and greets the caller. */
struct conn *conn_new(struct event_base *base, evutil_socket_t fd,
		      const struct sockaddr *peer, unsigned id,
		      struct menu_catalog *catalog, const struct conn_env *env,
		      struct conn_list *list, conn_gone_cb on_gone, void *ctx)
{
	struct conn *c;
	struct session_io io = conn_session_io;

	evutil_make_socket_nonblocking(fd);
	tune_socket(fd);
	if (list->io == NULL)
		list->io = sockio_group_new(base);
	c = xcalloc(1, sizeof(*c));
	c->io = sockio_new(list->io, fd, &conn_sockio_cbs, c);
	if (c->io == NULL) {
		evutil_closesocket(fd);
		free(c);
		return NULL;
	}
	c->id = id;
	c->base = base;
	format_peer(peer, c->peer, sizeof(c->peer));
	if (trace_wire)
		conn_trace_accept(c, fd);
	memcpy(&c->peer_addr, peer,
	       peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					   : sizeof(struct sockaddr_in));
	clock_gettime(CLOCK_MONOTONIC, &c->started);
	c->last_input = c->started;
	c->idle_timer = evtimer_new(base, on_idle_timer, c);
	c->env = env;
	c->telnet = telnet_adapter_new(on_telnet, c);
	c->charset = charset_conv_new(CHARSET_UTF8);
	c->lineedit = lineedit_new(on_lineedit, c);
	io.ctx = c;
	c->session = session_new(id, catalog, &env->session, &io);
	c->list = list;
	c->on_gone = on_gone;
	c->gone_ctx = ctx;
	c->next = list->head;
	if (list->head != NULL)
		list->head->prev = c;
	list->head = c;
	list->count++;

	log_info(id, "connect from %s", c->peer);
	telnet_adapter_start(c->telnet);
	session_start(c->session);
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

/* Hands a reloaded catalog to the session. */
void conn_set_catalog(struct conn *c, struct menu_catalog *catalog)
{
	if (!c->closing)
		session_set_catalog(c->session, catalog);
}

/* Service shutdown: the session says so, then the conn closes. */
void conn_shutdown(struct conn *c)
{
	if (!c->closing)
		session_shutdown(c->session);
}

/* A notice in the caller's language, drawn around a half-typed line. */
void conn_notice(struct conn *c, const char *text_name)
{
	if (!c->closing)
		session_notice(c->session, text_name);
}

/* An operator's broadcast, drawn around a half-typed line. */
void conn_wall(struct conn *c, const char *text)
{
	if (!c->closing)
		session_wall(c->session, text);
}

/* "  #3 127.0.0.1:5555  MENU main, 0 failures  idle 12s" */
void conn_summary(const struct conn *c, struct strbuf *out)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	strbuf_printf(out, "  #%u %s  ", c->id, c->peer);
	session_summary(c->session, out);
	strbuf_printf(out, "  idle %lds\n",
		      (long)(now.tv_sec - c->last_input.tv_sec));
}

/* Starts an empty list. */
void conn_list_init(struct conn_list *list)
{
	list->head = NULL;
	list->count = 0;
	list->io = NULL;
}

/* Visits every conn; safe because conns are only freed on their own loop turn. */
void conn_list_each(struct conn_list *list,
		    void (*fn)(struct conn *c, void *arg), void *arg)
{
	for (struct conn *c = list->head; c != NULL; c = c->next)
		fn(c, arg);
}
