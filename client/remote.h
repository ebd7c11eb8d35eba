/*
 * remote: the connection to the server. It dials (with a message that
 * says what failed and what to try), owns the socket's bufferevent and
 * the telnet adapter, and hands the front end (term or pipe) screen text,
 * the echo state and the end of the connection through one set of
 * callbacks registered at creation.
 *
 * The only client module that touches the socket. It knows nothing of
 * readline, stdin or the screen.
 */
#ifndef HOTLINE_CLIENT_REMOTE_H
#define HOTLINE_CLIENT_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;

/* Longest wait for one address to accept the connection, in milliseconds. */
#define REMOTE_CONNECT_TIMEOUT_MS 10000
/*
 * How long the server may take to greet before we treat its offers as
 * answered anyway, in milliseconds (lines typed in a pipe wait for this,
 * unless the greeting comes first). Well over the 300 ms hotlined waits
 * on a port shared with browsers before it greets a silent caller: a
 * shorter wait would send a pipe's lines before the offers they answer.
 */
#define REMOTE_GREETING_MS 1000
/* Bytes taken from the socket buffer per telnet feed. */
#define REMOTE_READ_CHUNK 4096
/* Pending output past which the front end should stop producing. */
#define REMOTE_MAX_OUTPUT (64 * 1024)
/* Room for a connect error message. */
#define REMOTE_MAX_ERROR 512

struct remote_ops {
	/* Screen text from the server: "\n" line ends, telnet stripped. */
	void (*text)(void *ctx, const char *buf, size_t len);
	/* The server echoes (on: hide the input) or stopped. */
	void (*mask)(void *ctx, bool on);
	/* The greeting is over: typed lines may go out. */
	void (*ready)(void *ctx);
	/* The connection ended: error NULL means the server hung up. */
	void (*closed)(void *ctx, const char *error);
	/* All output went out (after remote_is_output_full said so). */
	void (*drained)(void *ctx);
};

struct remote;

/*
 * Connects to host:port, trying every address. Returns the socket, or -1
 * with "cannot connect to HOST:PORT: reason — hint" in err (errlen bytes).
 */
int remote_connect(const char *host, const char *port, char *err,
		   size_t errlen);
/* Takes over the connected socket fd; the caller owns the remote. */
struct remote *remote_new(struct event_base *base, int fd,
			  const struct remote_ops *ops, void *ctx);
/* Sends what output is pending if the socket takes it, then closes; NULL is fine. */
void remote_free(struct remote *r);

/* Sends text, escaping IAC; the caller supplies the CR LF. */
void remote_send(struct remote *r, const char *buf, size_t len);
/* Sends one line followed by CR LF (a CR or LF inside it ends a line too). */
void remote_send_line(struct remote *r, const char *line, size_t len);
/* Sets the window size (NAWS) to report. */
void remote_set_window(struct remote *r, unsigned width, unsigned height);
/* Sets the terminal type to report (TTYPE); NULL refuses it. */
void remote_set_ttype(struct remote *r, const char *name);
/* Ends the greeting now: the user is typing. */
void remote_end_greeting(struct remote *r);
/* Whether more than REMOTE_MAX_OUTPUT bytes wait to be sent. */
bool remote_is_output_full(const struct remote *r);

#endif
