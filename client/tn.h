/*
 * tn: the client's adapter around libtelnet. Bytes from the server go in;
 * the server's text, bytes to send and changes of the echo state come out
 * through one callback.
 *
 * The client edits lines itself, so it stays in line mode: it refuses the
 * character-mode offer a server makes while greeting (WILL ECHO, WILL SGA
 * before its first text) and accepts a WILL ECHO after that, which means
 * "hide what is typed" (a password). It reports its window size (NAWS)
 * and terminal type when it has them and is asked, and takes 8-bit data
 * both ways (BINARY).
 *
 * It never touches a socket or the terminal and knows nothing of lines,
 * prompts or readline.
 */
#ifndef HOTLINE_CLIENT_TN_H
#define HOTLINE_CLIENT_TN_H

#include <stdbool.h>
#include <stddef.h>

/* Longest terminal type sent, in bytes (RFC 1091 allows 40). */
#define TN_MAX_TTYPE 40

enum tn_event_type {
	TN_EV_DATA,  /* server text, IAC unescaped */
	TN_EV_SEND,  /* bytes to write to the socket */
	TN_EV_READY, /* the greeting is over: lines may follow our refusals */
	TN_EV_MASK,  /* the server echoes (on) or stopped (off): mask input */
	TN_EV_ERROR, /* libtelnet gave up on the stream: close it */
};

struct tn_event {
	enum tn_event_type type;
	const char *data; /* DATA, SEND; message for ERROR */
	size_t len;
	bool on; /* MASK */
};

/* The callback must not free the adapter. */
typedef void (*tn_cb)(void *ctx, const struct tn_event *ev);

struct tn;

/* Returns a new adapter in its greeting; the caller owns it. */
struct tn *tn_new(tn_cb cb, void *ctx);
/* Frees the adapter; NULL is fine. */
void tn_free(struct tn *tn);

/*
 * Sets the window size. Before the server asks, it decides whether we
 * accept NAWS at all (no size: refused); afterwards a new size is sent.
 */
void tn_set_window(struct tn *tn, unsigned width, unsigned height);
/* Sets the terminal type to report (NULL or "": TTYPE is refused). */
void tn_set_ttype(struct tn *tn, const char *name);

/* Parses bytes from the server. */
void tn_feed(struct tn *tn, const char *buf, size_t len);
/*
 * Ends the greeting if the server's first text has not: from now on a
 * WILL ECHO is taken as "mask the input". Emits TN_EV_READY once.
 */
void tn_end_greeting(struct tn *tn);
/* Sends data, escaping IAC; line ends are the caller's business. */
void tn_send(struct tn *tn, const char *buf, size_t len);

/* Whether the server echoes, so typed input must be hidden. */
bool tn_is_masked(const struct tn *tn);
/* Whether the greeting is still going on. */
bool tn_is_greeting(const struct tn *tn);

#endif
