/*
 * webconn: the browser side of one connection, from its HTTP request to
 * the end of its WebSocket. It gathers the request head (10 s at most),
 * answers it (one of the page's files, an error status, or the 101
 * upgrade), then carries telnet bytes inside WebSocket frames: the
 * caller's up through on_data, the core's down through webconn_send. It
 * pings the browser every WEBCONN_PING_SECONDS and gives up on one silent
 * for WEBCONN_SILENT_SECONDS, and traces the request, the response and
 * every frame header for --trace.
 *
 * It never touches a socket (its owner, conn.c, writes and closes) and
 * knows nothing of telnet, sessions or menus.
 */
#ifndef HOTLINE_WEBCONN_H
#define HOTLINE_WEBCONN_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>

struct webpage;

/* Seconds a browser has to send its whole request head; then 408. */
#define WEBCONN_HEAD_SECONDS 10
/* Seconds between pings to a browser caller. */
#define WEBCONN_PING_SECONDS 25
/* Seconds without a byte (a pong included) after which it is dropped. */
#define WEBCONN_SILENT_SECONDS 60
/* Bytes of the browser's User-Agent kept for /wire. */
#define WEBCONN_AGENT_MAX 160

/* What every browser connection shares; owned by main. */
struct webconn_env {
	const struct webpage *page;
	const char *const *origins; /* --web-origin, NULL-terminated, or NULL */
};

/* What a webconn asks of its owner; every callback is required. */
struct webconn_cbs {
	/* Bytes for the socket, copied. */
	void (*write)(void *ctx, const void *data, size_t len);
	/* Bytes for the socket that outlive the connection (the page's). */
	void (*write_static)(void *ctx, const void *data, size_t len);
	/* The 101 went out: the call begins (start the core). */
	void (*upgraded)(void *ctx);
	/* Telnet bytes the browser sent, in order. */
	void (*on_data)(void *ctx, const void *data, size_t len);
	/* The browser closed the WebSocket: as a telnet caller's FIN. */
	void (*on_end)(void *ctx);
	/* Hang up once the written bytes have gone out. */
	void (*close)(void *ctx, const char *reason);
};

struct webconn;

/* A connection whose first bytes were "GET ": reading its request head. */
struct webconn *webconn_new(struct event_base *base,
			    const struct webconn_env *env, unsigned id,
			    const struct webconn_cbs *cbs, void *ctx);
void webconn_free(struct webconn *w);

/* Bytes from the socket: the request head, then WebSocket frames. */
void webconn_feed(struct webconn *w, const void *data, size_t len);
/* Telnet bytes for the browser, as one binary message: 0, or -1 once closing. */
int webconn_send(struct webconn *w, const void *data, size_t len);
/* Ends the WebSocket with a close frame carrying code (1000: a hang-up). */
void webconn_hang_up(struct webconn *w, unsigned code);
/* Whether the request became a WebSocket call. */
bool webconn_is_call(const struct webconn *w);
/* The browser's User-Agent (printable ASCII, cut), or "" if it sent none. */
const char *webconn_user_agent(const struct webconn *w);

#endif
