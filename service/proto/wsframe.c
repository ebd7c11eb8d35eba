/*
 * wsframe: libwslay's event API on buffers (see wsframe.h). libwslay
 * reads through a callback, so wsframe_feed lends it the bytes it was
 * given and answers "would block" once they are used; it writes through
 * another, which appends to a buffer handed out as one SEND event when
 * libwslay returns. Messages are not buffered whole: payload goes up as
 * it arrives, so a caller costs no more than one read, and libwslay's
 * own length limit then applies to each frame (WSFRAME_MAX_FRAME); the
 * message limit is counted here.
 *
 * libwslay's context holds two 4 KiB buffers, seven times what an idle
 * telnet caller costs. A browser caller is idle nearly all the time, so
 * the context lives only while it holds something: it is made when bytes
 * arrive or go out and freed again once every byte fed belongs to a
 * whole frame, no message is half received, nothing waits to be sent and
 * no close has begun. Whole frames are counted here: a header's size
 * follows from the payload length, as libwslay refuses a length not in
 * its shortest encoding and a client's frame without a mask.
 */
#include "proto/wsframe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <wslay/wslay.h>

#include "mem.h"
#include "strbuf.h"

struct wsframe {
	wslay_event_context_ptr ctx; /* NULL while idle */
	wsframe_cb cb;
	void *cb_ctx;
	const uint8_t *in; /* bytes lent to libwslay during wsframe_feed */
	size_t in_len;
	struct strbuf data;  /* payload gathered while libwslay parses */
	struct strbuf out;   /* framed bytes libwslay wrote */
	struct strbuf spare; /* out's other half, while out is handed up */
	uint64_t msg_len;    /* payload of the message so far */
	bool in_data;        /* the frame being read belongs to a message */
	bool failed;         /* we refused a frame: drop its payload */
	bool pong;           /* a pong arrived during this feed */
	bool closed;         /* the CLOSE event went up */
	bool in_message;     /* a data message's last frame has not come */
	uint64_t fed;        /* bytes fed since ctx was made */
	uint64_t whole;      /* of them, the bytes of whole frames */
	uint64_t frame_size; /* the frame being read: header and payload */
	unsigned depth; /* calls on the stack: the owner's callbacks nest */
};

static void ctx_make(struct wsframe *ws);

/* Hands one event to the owner. */
static void emit(struct wsframe *ws, const struct wsframe_event *ev)
{
	ws->cb(ws->cb_ctx, ev);
}

/* libwslay's read: the bytes of the current feed, then "would block". */
static ssize_t on_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
		       int flags, void *user)
{
	struct wsframe *ws = user;
	size_t n = len < ws->in_len ? len : ws->in_len;

	(void)flags;
	if (n == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	memcpy(buf, ws->in, n);
	ws->in += n;
	ws->in_len -= n;
	return (ssize_t)n;
}

/* libwslay's write: kept until libwslay returns, never short. */
static ssize_t on_send(wslay_event_context_ptr ctx, const uint8_t *data,
		       size_t len, int flags, void *user)
{
	struct wsframe *ws = user;

	(void)ctx;
	(void)flags;
	strbuf_append(&ws->out, data, len);
	return (ssize_t)len;
}

/* Fails the connection with code, as libwslay does for its own checks. */
static void fail(struct wsframe *ws, unsigned code)
{
	ws->failed = true;
	wslay_event_shutdown_read(ws->ctx);
	(void)wslay_event_queue_close(ws->ctx, (uint16_t)code, NULL, 0);
}

/* A frame's header: traced, and counted toward its message's limit. */
static void on_frame_start(wslay_event_context_ptr ctx,
			   const struct wslay_event_on_frame_recv_start_arg *arg,
			   void *user)
{
	struct wsframe *ws = user;
	struct wsframe_event ev = { .type = WSFRAME_EV_FRAME,
				    .fin = arg->fin != 0,
				    .opcode = arg->opcode,
				    .length = arg->payload_length };

	(void)ctx;
	emit(ws, &ev);
	/* RFC 6455 5.5.1: a close's body starts with a 2-byte code. */
	if (arg->opcode == WSLAY_CONNECTION_CLOSE && arg->payload_length == 1) {
		fail(ws, WSFRAME_CLOSE_PROTOCOL);
		return;
	}
	ws->frame_size = 2 + 4 + arg->payload_length +
			 (arg->payload_length < 126      ? 0
			  : arg->payload_length <= 65535 ? 2
							 : 8);
	ws->in_data = arg->opcode == WSLAY_TEXT_FRAME ||
		      arg->opcode == WSLAY_BINARY_FRAME ||
		      arg->opcode == WSLAY_CONTINUATION_FRAME;
	if (!ws->in_data)
		return;
	ws->in_message = !arg->fin;
	if (arg->opcode != WSLAY_CONTINUATION_FRAME)
		ws->msg_len = 0;
	/* libwslay refused frames over WSFRAME_MAX_FRAME already: no overflow. */
	ws->msg_len += arg->payload_length;
	if (ws->msg_len > WSFRAME_MAX_MESSAGE)
		fail(ws, WSFRAME_CLOSE_TOO_BIG);
}

/* A piece of a frame's payload: a message's goes up after the parse. */
static void on_frame_chunk(wslay_event_context_ptr ctx,
			   const struct wslay_event_on_frame_recv_chunk_arg *arg,
			   void *user)
{
	struct wsframe *ws = user;

	(void)ctx;
	if (ws->in_data && !ws->failed)
		strbuf_append(&ws->data, arg->data, arg->data_length);
}

/* A frame ended: its bytes are whole. */
static void on_frame_end(wslay_event_context_ptr ctx, void *user)
{
	struct wsframe *ws = user;

	(void)ctx;
	ws->whole += ws->frame_size;
	ws->frame_size = 0;
}

/* A whole message: only a pong matters (payload went up in pieces). */
static void on_msg(wslay_event_context_ptr ctx,
		   const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
	struct wsframe *ws = user;

	(void)ctx;
	if (arg->opcode == WSLAY_PONG)
		ws->pong = true;
}

static const struct wslay_event_callbacks callbacks = {
	.recv_callback = on_recv,
	.send_callback = on_send,
	.on_frame_recv_start_callback = on_frame_start,
	.on_frame_recv_chunk_callback = on_frame_chunk,
	.on_frame_recv_end_callback = on_frame_end,
	.on_msg_recv_callback = on_msg,
};

/* Makes libwslay's context for this connection, if it has none. */
static void ctx_make(struct wsframe *ws)
{
	if (ws->ctx != NULL)
		return;
	if (wslay_event_context_server_init(&ws->ctx, &callbacks, ws) != 0) {
		fprintf(stderr, "hotlined: out of memory (wslay)\n");
		abort();
	}
	/* Payload goes up as it arrives; the limit is then per frame. */
	wslay_event_config_set_no_buffering(ws->ctx, 1);
	wslay_event_config_set_max_recv_msg_length(ws->ctx, WSFRAME_MAX_FRAME);
	ws->fed = 0;
	ws->whole = 0;
}

/* Frees the context and the buffers when nothing is held (see the top). */
static void ctx_release_if_idle(struct wsframe *ws)
{
	if (ws->ctx == NULL || ws->depth > 0 || ws->closed || ws->failed ||
	    ws->in_message || ws->fed != ws->whole ||
	    wslay_event_get_close_sent(ws->ctx) ||
	    wslay_event_get_close_received(ws->ctx) ||
	    wslay_event_get_queued_msg_count(ws->ctx) != 0 ||
	    wslay_event_want_write(ws->ctx))
		return;
	wslay_event_context_free(ws->ctx);
	ws->ctx = NULL;
	strbuf_fini(&ws->data);
	strbuf_fini(&ws->out);
	strbuf_fini(&ws->spare);
}

/* A close code as the event reports it: none (1005 for libwslay) is 0. */
static unsigned event_code(uint16_t code)
{
	return code == WSLAY_CODE_NO_STATUS_RCVD ||
			       code == WSLAY_CODE_ABNORMAL_CLOSURE
		       ? 0
		       : code;
}

/*
 * libwslay's frame parser refused a frame (a control frame over 125
 * bytes or in fragments, a length with its top bit set): the close it
 * queued carries no code, where RFC 6455 7.4.1 asks for 1002. A context
 * of its own, closing with 1002, replaces it before anything is sent.
 */
static void close_unparsable(struct wsframe *ws)
{
	wslay_event_context_free(ws->ctx);
	ws->ctx = NULL;
	ctx_make(ws);
	fail(ws, WSFRAME_CLOSE_PROTOCOL);
}

/* Lets libwslay write what it queued, hands it up, then reports a close. */
static void flush(struct wsframe *ws)
{
	if (wslay_event_want_write(ws->ctx))
		(void)wslay_event_send(ws->ctx);
	while (ws->out.len > 0) {
		struct strbuf sending = ws->out;
		struct wsframe_event ev = { .type = WSFRAME_EV_SEND };

		/* The owner may send from the callback: that fills the other half. */
		ws->out = ws->spare;
		ev.data = (const uint8_t *)sending.data;
		ev.len = sending.len;
		emit(ws, &ev);
		strbuf_reset(&sending);
		ws->spare = sending;
	}
	if (!ws->closed && wslay_event_get_close_sent(ws->ctx)) {
		struct wsframe_event ev = { .type = WSFRAME_EV_CLOSE };

		ws->closed = true;
		ev.code = event_code(wslay_event_get_status_code_sent(ws->ctx));
		if (wslay_event_get_close_received(ws->ctx))
			ev.peer_code = event_code(
				wslay_event_get_status_code_received(ws->ctx));
		emit(ws, &ev);
	}
}

struct wsframe *wsframe_new(wsframe_cb cb, void *ctx)
{
	struct wsframe *ws = xcalloc(1, sizeof(*ws));

	ws->cb = cb;
	ws->cb_ctx = ctx;
	strbuf_init(&ws->data);
	strbuf_init(&ws->out);
	strbuf_init(&ws->spare);
	return ws;
}

void wsframe_free(struct wsframe *ws)
{
	if (ws == NULL)
		return;
	if (ws->ctx != NULL)
		wslay_event_context_free(ws->ctx);
	strbuf_fini(&ws->data);
	strbuf_fini(&ws->out);
	strbuf_fini(&ws->spare);
	free(ws);
}

int wsframe_feed(struct wsframe *ws, const void *buf, size_t len)
{
	int rv;

	if (ws->closed)
		return 0;
	ctx_make(ws);
	ws->depth++;
	ws->fed += len;
	ws->in = buf;
	ws->in_len = len;
	rv = wslay_event_recv(ws->ctx);
	ws->in = NULL;
	ws->in_len = 0;
	if (ws->data.len > 0) {
		struct wsframe_event ev = { .type = WSFRAME_EV_DATA };

		ev.data = (const uint8_t *)ws->data.data;
		ev.len = ws->data.len;
		emit(ws, &ev);
		strbuf_reset(&ws->data);
	}
	if (ws->pong) {
		struct wsframe_event ev = { .type = WSFRAME_EV_PONG };

		ws->pong = false;
		emit(ws, &ev);
	}
	if (rv != 0 && !ws->failed && !wslay_event_get_close_sent(ws->ctx))
		close_unparsable(ws);
	flush(ws);
	ws->depth--;
	/* libwslay gave up without a close frame (out of memory): just close. */
	if (rv != 0 && !ws->closed)
		return -1;
	ctx_release_if_idle(ws);
	return 0;
}

int wsframe_send(struct wsframe *ws, const void *buf, size_t len)
{
	struct wslay_event_msg msg = { .opcode = WSLAY_BINARY_FRAME,
				       .msg = buf,
				       .msg_length = len };
	int rv;

	if (ws->closed)
		return -1;
	ctx_make(ws);
	ws->depth++;
	rv = wslay_event_queue_msg(ws->ctx, &msg);
	flush(ws);
	ws->depth--;
	ctx_release_if_idle(ws);
	return rv == 0 ? 0 : -1;
}

int wsframe_ping(struct wsframe *ws)
{
	struct wslay_event_msg msg = { .opcode = WSLAY_PING };
	int rv;

	if (ws->closed)
		return -1;
	ctx_make(ws);
	ws->depth++;
	rv = wslay_event_queue_msg(ws->ctx, &msg);
	flush(ws);
	ws->depth--;
	ctx_release_if_idle(ws);
	return rv == 0 ? 0 : -1;
}

int wsframe_close(struct wsframe *ws, unsigned code)
{
	int rv;

	if (ws->closed)
		return -1;
	ctx_make(ws);
	rv = wslay_event_queue_close(ws->ctx, (uint16_t)code, NULL, 0);

	wslay_event_shutdown_read(ws->ctx);
	flush(ws);
	return rv == 0 ? 0 : -1;
}

bool wsframe_is_closing(const struct wsframe *ws)
{
	return ws->closed;
}

bool wsframe_is_idle(const struct wsframe *ws)
{
	return ws->ctx == NULL;
}
