/*
 * ctrace: `hotline --trace`, the client's view of the wire. The socket's
 * two addresses, every chunk of bytes in and out as hex and text with the
 * telnet commands named (the server's decoder, common/wiretrace), and
 * who closed first; for --udp, each datagram and the lack of a handshake.
 * What the user types while the server hides it (a password) is masked.
 *
 * Output goes to stderr, or to a sink the front end sets (the terminal
 * front end prints it above the input line). It knows nothing of
 * readline, telnet's meaning or the screen. Callers test ctrace_on
 * before calling, so a client without --trace pays one branch.
 */
#ifndef HOTLINE_CLIENT_CTRACE_H
#define HOTLINE_CLIENT_CTRACE_H

#include <stdbool.h>
#include <stddef.h>

/* Whether --trace is on. */
extern bool ctrace_on;

enum ctrace_dir {
	CTRACE_IN,  /* from the server */
	CTRACE_OUT, /* to the server */
};

/* Receives one finished block of trace text (whole lines). */
typedef void (*ctrace_sink)(void *ctx, const char *text, size_t len);

/* Turns the trace on, to stderr; colour if stderr is a terminal. */
void ctrace_enable(void);
/* Sends blocks to sink instead (NULL: back to stderr). */
void ctrace_set_sink(ctrace_sink sink, void *ctx);

/*
 * The socket fd was just connected (proto "TCP" or "UDP"): one line with
 * both ends' addresses and what that took on the wire.
 */
void ctrace_connected(int fd, const char *proto);
/* A chunk of bytes; secret masks its data bytes. */
void ctrace_bytes(enum ctrace_dir dir, const void *buf, size_t len,
		  bool secret);
/* A datagram (no telnet in it). */
void ctrace_datagram(enum ctrace_dir dir, const void *buf, size_t len);
/* One line of the view. */
void ctrace_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
