/*
 * ws: the client side of WebSocket (RFC 6455) for the load generator, as
 * a browser caller speaks it: the HTTP upgrade (GET /ws with a random
 * Sec-WebSocket-Key, the 101 checked against its Sec-WebSocket-Accept),
 * then masked binary frames out and the server's unmasked frames in.
 * Pings are answered, a close frame ends the connection with its code.
 *
 * No I/O and no allocation after the upgrade: net feeds it what a read
 * brought and writes what it asks to send. It knows nothing of sockets,
 * telnet, lines or menus, and nothing of the server's own code (the bench
 * links none of it).
 */
#ifndef HOTLINE_BENCH_WS_H
#define HOTLINE_BENCH_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of a Sec-WebSocket-Key: base64 of 16 random bytes. */
#define WS_KEY_LEN 24
/* Length of a Sec-WebSocket-Accept: base64 of a SHA-1. */
#define WS_ACCEPT_LEN 28
/* Longest frame header a client writes: 2, 8 bytes of length, 4 of mask. */
#define WS_MAX_HEADER 14
/* Longest 101 response head read: the server's is about 150 bytes. */
#define WS_MAX_RESPONSE 4096
/* Longest upgrade request written (the host and port are the only variables). */
#define WS_MAX_REQUEST 512
/* Largest control frame payload (RFC 6455 5.5). */
#define WS_MAX_CONTROL 125

/* Opcodes (RFC 6455 5.2). */
#define WS_OP_CONTINUATION 0x0
#define WS_OP_TEXT 0x1
#define WS_OP_BINARY 0x2
#define WS_OP_CLOSE 0x8
#define WS_OP_PING 0x9
#define WS_OP_PONG 0xa

enum ws_state {
	WS_UPGRADING, /* the request is out; reading the 101 */
	WS_OPEN,      /* frames both ways */
	WS_DONE,      /* failed, or the server closed: feed nothing more */
};

/* Where ws_feed hands what it found; ctx is the caller's. */
struct ws_sink {
	/* The 101 arrived and checked out: frames may be sent. */
	void (*upgraded)(void *ctx);
	/* Payload bytes of the server's data frames, in order. */
	void (*data)(void *ctx, const uint8_t *p, size_t len);
	/* Framed bytes to write to the socket (a pong, a close's answer). */
	void (*send)(void *ctx, const uint8_t *p, size_t len);
	/* The connection is over; why lives as long as the ws. */
	void (*failed)(void *ctx, const char *why);
};

struct ws {
	enum ws_state state;
	char key[WS_KEY_LEN + 1];
	char *response; /* the 101 so far, WS_MAX_RESPONSE bytes; owned */
	size_t response_len;
	/* The frame header being read, then the frame it announced. */
	uint8_t header[WS_MAX_HEADER];
	size_t header_len;
	bool in_payload; /* the header is whole: payload bytes follow */
	unsigned opcode; /* of the frame being read */
	uint64_t left;   /* its payload bytes still to come */
	uint8_t control[WS_MAX_CONTROL]; /* a ping's or close's payload */
	size_t control_len;
	uint32_t rng; /* xorshift state for the masks */
	char why[64]; /* a close's reason, for failed() */
};

/*
 * Starts a client: a fresh key, and the upgrade request for host:port
 * written to req (WS_MAX_REQUEST bytes); returns its length, or 0 if
 * the system has no random bytes. Free with ws_fini.
 */
size_t ws_init(struct ws *ws, const char *host, unsigned port, char *req);
/* Frees what the upgrade held; the struct may be dropped after. */
void ws_fini(struct ws *ws);
/*
 * Bytes the server sent: the 101, then frames. Calls the sink as it
 * goes; after failed() it ignores everything.
 */
void ws_feed(struct ws *ws, const uint8_t *p, size_t len,
	     const struct ws_sink *sink, void *ctx);
/*
 * Frames len bytes as one masked frame of the opcode into out, which has
 * room for WS_MAX_HEADER + len bytes; returns the bytes written.
 */
size_t ws_frame(struct ws *ws, unsigned opcode, const void *payload, size_t len,
		uint8_t *out);
/* Sec-WebSocket-Accept for a key (RFC 6455 4.2.2), NUL-terminated. */
void ws_accept(const char *key, char out[WS_ACCEPT_LEN + 1]);

#endif
