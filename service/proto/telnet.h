/*
 * telnet: the adapter around libtelnet for one connection. Bytes from the
 * socket go in; the caller's data, the outcome of negotiation and the
 * bytes to send come out through one callback. It offers character mode
 * (WILL ECHO, WILL SGA), 8-bit BINARY both ways, and asks for the window
 * size (DO NAWS) and terminal type. It answers the negotiation a client
 * starts (DO TIMING-MARK) and refuses options it does not support; an
 * "are you there?" (AYT) goes up, for the session to answer in words.
 *
 * It never touches a socket and knows nothing of lines or menus.
 */
#ifndef HOTLINE_TELNET_H
#define HOTLINE_TELNET_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* Longest terminal type kept, in bytes. */
#define TELNET_ADAPTER_MAX_TTYPE 40

enum telnet_adapter_event_type {
	TELNET_ADAPTER_EV_DATA, /* caller's data bytes, IAC unescaped */
	TELNET_ADAPTER_EV_SEND, /* bytes to write to the socket */
	TELNET_ADAPTER_EV_CHAR_MODE, /* the client accepted our echo: character mode */
	TELNET_ADAPTER_EV_LINE_MODE, /* the client took the echo back ("mode line") */
	TELNET_ADAPTER_EV_WINDOW, /* window size from NAWS: width, height */
	TELNET_ADAPTER_EV_HANGUP, /* IAC IP, ABORT, SUSP, BRK or EOF: the caller wants out */
	TELNET_ADAPTER_EV_AYT,   /* IAC AYT: the caller asks "are you there?" */
	TELNET_ADAPTER_EV_ERROR, /* libtelnet gave up on the stream: close it */
	TELNET_ADAPTER_EV_WARNING, /* protocol oddity, for the log only */
};

struct telnet_adapter_event {
	enum telnet_adapter_event_type type;
	const char *data; /* DATA, SEND; message for ERROR/WARNING */
	size_t len;
	unsigned width, height; /* WINDOW */
};

/* The callback must not free the adapter. */
typedef void (*telnet_adapter_cb)(void *ctx,
				  const struct telnet_adapter_event *ev);

struct telnet_adapter;

/* Returns a new adapter; the caller owns it. Nothing is sent yet. */
struct telnet_adapter *telnet_adapter_new(telnet_adapter_cb cb, void *ctx);
void telnet_adapter_free(struct telnet_adapter *ta);

/* Sends our offers: WILL ECHO, WILL SGA, WILL/DO BINARY, DO NAWS, DO TTYPE. */
void telnet_adapter_start(struct telnet_adapter *ta);
/* Parses bytes from the socket. */
void telnet_adapter_feed(struct telnet_adapter *ta, const char *buf,
			 size_t len);
/* Sends data, escaping IAC. */
void telnet_adapter_send(struct telnet_adapter *ta, const char *buf,
			 size_t len);
/*
 * Hidden input in line mode: on, sends WILL ECHO so the client stops
 * echoing (a password); off, WONT ECHO. A no-op in character mode, where
 * the server already controls the echo. Never switches to character mode.
 */
void telnet_adapter_set_secret(struct telnet_adapter *ta, bool on);

bool telnet_adapter_is_char_mode(const struct telnet_adapter *ta);
/*
 * Appends the options in force, server's view: "WILL ECHO" for ours,
 * "DO NAWS" for the client's, comma-separated; nothing if none.
 */
void telnet_adapter_describe(const struct telnet_adapter *ta,
			     struct strbuf *out);
/* Terminal type the client reported, or "" if none. */
const char *telnet_adapter_ttype(const struct telnet_adapter *ta);

#endif
