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
#include <sys/socket.h>

struct webpage;
struct webconn;
struct http_request;
struct http_asset;

/* Seconds a browser has to send its whole request head; then 408. */
#define WEBCONN_HEAD_SECONDS 10
/* Seconds between pings to a browser caller. */
#define WEBCONN_PING_SECONDS 25
/* Seconds without a byte (a pong included) after which it is dropped. */
#define WEBCONN_SILENT_SECONDS 60
/* Bytes of the browser's User-Agent kept for /wire. */
#define WEBCONN_AGENT_MAX 160

/*
 * Who answers /teacher (HTTP_ROUTE_TEACHER): a layer above, reached only
 * through these calls. Until it answers (webconn_respond, webconn_asset
 * or webconn_stream_start) the webconn waits and reads nothing more.
 */
struct webconn_teacher {
	/* A whole request: its head, a POST's body (len bytes), the peer. */
	void (*request)(void *ctx, struct webconn *w,
			const struct http_request *req, const char *body,
			size_t len, const struct sockaddr *peer);
	/* w, a request or a stream it held, is being freed. */
	void (*gone)(void *ctx, struct webconn *w);
	void *ctx;
};

/* What every browser connection shares; owned by main. */
struct webconn_env {
	const struct webpage *page;
	const char *const *origins; /* --web-origin, NULL-terminated, or NULL */
	const struct webconn_teacher *teacher; /* NULL: /teacher is 404 */
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
	/* Bytes written and not yet sent (a stream's backlog). */
	size_t (*pending)(void *ctx);
};

/*
 * A connection whose first bytes were "GET " or "POST ": reading its
 * request head. peer (copied) is who it is, for the teacher's lockout.
 */
struct webconn *webconn_new(struct event_base *base,
			    const struct webconn_env *env, unsigned id,
			    const struct sockaddr *peer,
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
/* Bytes read from and written to the socket so far, frames and heads too. */
void webconn_bytes(const struct webconn *w, unsigned long long *in,
		   unsigned long long *out);
/* The browser's User-Agent (printable ASCII, cut), or "" if it sent none. */
const char *webconn_user_agent(const struct webconn *w);
/* The connection's id (its log lines' session number). */
unsigned webconn_id(const struct webconn *w);

/* --- the teacher's answers, for a request handed to webconn_teacher ----- */

/*
 * Answers status with a body of len bytes of type, extra header lines
 * ("Name: value\r\n" each, or NULL) before them, and closes.
 */
void webconn_respond(struct webconn *w, int status, const char *type,
		     const char *extra, const void *body, size_t len);
/* Answers one of the page's files from memory and closes. */
void webconn_asset(struct webconn *w, const struct http_asset *asset);
/*
 * Answers 200 with a body that goes on until either side closes (an
 * event stream): then webconn_stream_write for each piece.
 */
void webconn_stream_start(struct webconn *w, const char *type,
			  const char *extra);
/* Bytes for an open stream, copied. */
void webconn_stream_write(struct webconn *w, const void *data, size_t len);
/* Bytes written to the socket and not yet sent. */
size_t webconn_pending(const struct webconn *w);

#endif
