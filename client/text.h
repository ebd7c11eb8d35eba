/*
 * text: the client's pure text conversions. Server text to screen text
 * (telnet line ends to "\n"), stdin bytes to telnet lines (every line
 * ends in CR LF), complete lines out of a stream (bounded), and a
 * server's unfinished line made safe to use as readline's prompt.
 *
 * No I/O, no telnet, no readline: buffers in, buffers out.
 */
#ifndef HOTLINE_CLIENT_TEXT_H
#define HOTLINE_CLIENT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest line kept whole for scanning; the rest of a longer line is dropped. */
#define TEXT_MAX_LINE 4096

/* Output room text_in_convert needs for len input bytes. */
#define TEXT_IN_SPACE(len) ((len) + 1)
/* Output room text_out_convert needs for len input bytes. */
#define TEXT_OUT_SPACE(len) (2 * (len) + 2)
/* Output room text_out_finish needs. */
#define TEXT_OUT_FINISH_SPACE 2

/* Server to screen: CR LF is "\n", CR NUL a bare "\r", other NULs go. */
struct text_in {
	bool cr; /* a CR whose next byte has not arrived */
};

/* Stdin to server: "\n", "\r\n" and a bare "\r" each end a line as CR LF. */
struct text_out {
	bool cr;        /* a CR whose next byte has not arrived */
	bool line_open; /* bytes since the last line end */
};

/* Splits a stream of screen text into lines. */
struct text_lines {
	char buf[TEXT_MAX_LINE];
	size_t len;
};

/* Called with each complete line, without its "\n" or a CR before it. */
typedef void (*text_line_cb)(void *ctx, const char *line, size_t len);

void text_in_init(struct text_in *ti);
/* Converts len bytes into out (TEXT_IN_SPACE(len) bytes); returns the count. */
size_t text_in_convert(struct text_in *ti, const char *in, size_t len,
		       char *out);
/* The held CR at the end of the stream, if any, into out (1 byte); the count. */
size_t text_in_finish(struct text_in *ti, char *out);

void text_out_init(struct text_out *to);
/* Converts len bytes into out (TEXT_OUT_SPACE(len) bytes); returns the count. */
size_t text_out_convert(struct text_out *to, const char *in, size_t len,
			char *out);
/* Ends an unfinished last line with CR LF into out; returns the count. */
size_t text_out_finish(struct text_out *to, char *out);

void text_lines_init(struct text_lines *tl);
/* Feeds screen text; calls cb for every line it completes. */
void text_lines_feed(struct text_lines *tl, const char *buf, size_t len,
		     text_line_cb cb, void *ctx);

/*
 * Makes the server's unfinished line into a readline prompt in out (cap
 * bytes, NUL-terminated): only what follows its last CR, escape sequences
 * wrapped in readline's invisible markers (\001, \002), other control
 * characters dropped. Stops before what does not fit. Returns the length.
 */
size_t text_prompt(const char *in, size_t len, char *out, size_t cap);

#endif
