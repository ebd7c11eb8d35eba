/*
 * wsframe: one WebSocket connection's frames (RFC 6455), server side,
 * with no I/O, around libwslay's event API. Bytes from the socket go in;
 * the payload of the caller's messages (telnet bytes, for the core) and
 * the framed bytes to write to the socket come out through one callback.
 * It answers pings, fails the connection with the right close code
 * (unmasked frame 1002, too big 1009, text that is not UTF-8 1007) and
 * closes with the code it is given on a hang-up.
 *
 * It never touches a socket or a timer (the transport pings and gives up
 * on a silent peer) and knows nothing of HTTP, telnet or menus.
 */
#ifndef HOTLINE_WSFRAME_H
#define HOTLINE_WSFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest frame payload taken: a keypress or a paste fits; over it, 1009. */
#define WSFRAME_MAX_FRAME (64 * 1024)
/* Largest message, its fragments together: bounds a slow paste; over it, 1009. */
#define WSFRAME_MAX_MESSAGE (1024 * 1024)

/* Close codes (RFC 6455 7.4.1) this module sends. */
#define WSFRAME_CLOSE_NORMAL 1000
#define WSFRAME_CLOSE_GOING_AWAY 1001
#define WSFRAME_CLOSE_PROTOCOL 1002
#define WSFRAME_CLOSE_BAD_DATA 1007
#define WSFRAME_CLOSE_TOO_BIG 1009

enum wsframe_event_type {
	WSFRAME_EV_DATA,  /* payload bytes of the caller's messages, in order */
	WSFRAME_EV_SEND,  /* framed bytes to write to the socket */
	WSFRAME_EV_FRAME, /* a frame's header arrived: fin, opcode, length */
	WSFRAME_EV_PONG,  /* the peer answered a ping */
	WSFRAME_EV_CLOSE, /* a close frame went out: write SEND's bytes, then close */
};

struct wsframe_event {
	enum wsframe_event_type type;
	const uint8_t *data; /* DATA, SEND; valid only during the callback */
	size_t len;
	bool fin;        /* FRAME */
	unsigned opcode; /* FRAME */
	uint64_t length; /* FRAME: the payload length it announced */
	unsigned code;   /* CLOSE: the code sent, 0 for none */
	unsigned peer_code; /* CLOSE: the code the peer sent, 0 if it did not close */
};

/*
 * The callback must not call into the same wsframe while handling a
 * FRAME event (it arrives while libwslay parses); after the others it
 * may send, ping or close, but not free it.
 */
typedef void (*wsframe_cb)(void *ctx, const struct wsframe_event *ev);

struct wsframe;

/* A new server-side connection; the caller owns it. */
struct wsframe *wsframe_new(wsframe_cb cb, void *ctx);
void wsframe_free(struct wsframe *ws);

/* Feeds bytes from the socket: 0, or -1 when the connection is over. */
int wsframe_feed(struct wsframe *ws, const void *buf, size_t len);
/* Sends bytes as one binary message: 0, or -1 once closing. */
int wsframe_send(struct wsframe *ws, const void *buf, size_t len);
/* Sends a ping: 0, or -1 once closing. */
int wsframe_ping(struct wsframe *ws);
/* Sends a close frame with code (1000 on a hang-up): 0, or -1 if one went out. */
int wsframe_close(struct wsframe *ws, unsigned code);
/* Whether a close frame went out: nothing more will be sent or read. */
bool wsframe_is_closing(const struct wsframe *ws);
/* Whether it holds no libwslay context now (an idle caller's memory). */
bool wsframe_is_idle(const struct wsframe *ws);

#endif
