/*
 * term: the front end on a terminal. GNU readline's callback interface,
 * driven by the same event loop as the socket: server text is printed
 * above the input line and the prompt (the server's unfinished line) is
 * redrawn with the half-typed line after it. History is kept between
 * runs (never for masked input), Tab completes chat commands and the
 * nicknames seen, and input is shown as '*' while the server echoes.
 * Ctrl-D on an empty line hangs up, Ctrl-C clears the line, and the
 * terminal is restored on every way out, signals included.
 *
 * It knows nothing of telnet or sockets: it talks to a remote. Readline's
 * state is global, so there is at most one term at a time.
 */
#ifndef HOTLINE_CLIENT_TERM_H
#define HOTLINE_CLIENT_TERM_H

#include "remote.h"

/*
 * Longest unfinished server line kept as the prompt, in bytes; a longer
 * one is printed as a line of its own.
 */
#define TERM_MAX_PROMPT 1024

struct event_base;
struct term;

/* The callbacks to register with remote_new for a term context. */
extern const struct remote_ops term_remote_ops;

/*
 * Sets readline up on stdin/stdout and loads the history from histpath
 * (NULL: none kept). The terminal is not touched until term_start.
 * Returns the term; the caller owns it.
 */
struct term *term_new(struct event_base *base, const char *histpath);
/* Restores the terminal, trims the history file and frees; NULL is fine. */
void term_free(struct term *t);
/* Reports the window and terminal type to r (not owned) and starts reading keys. */
void term_start(struct term *t, struct remote *r);
/* The exit status once the event loop has stopped. */
int term_exit_code(const struct term *t);
/*
 * Prints text (whole lines, for --trace) on stderr above the prompt and
 * draws the prompt and half-typed line again; ctx is the term.
 */
void term_print_aside(void *ctx, const char *text, size_t len);

#endif
