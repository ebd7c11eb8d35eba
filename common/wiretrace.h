/*
 * wiretrace: the protocol view behind `hotlined --trace` and
 * `hotline --trace`. It shows a chunk of bytes as hex and text side by
 * side, 16 bytes a row, names the telnet commands in it (IAC WILL ECHO,
 * IAC SB NAWS 80 24 IAC SE), keeping its parse state across the chunks
 * of one direction, and masks the data bytes of a secret.
 *
 * Pure and self-contained (libc only): it writes to the FILE it is given
 * and knows nothing of sockets, sessions or readline, so the server and
 * the client compile the same file.
 */
#ifndef HOTLINE_WIRETRACE_H
#define HOTLINE_WIRETRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Bytes shown on one row of a dump. */
#define WIRETRACE_ROW 16
/* Subnegotiation bytes kept for naming; longer ones are shown cut short. */
#define WIRETRACE_SB_MAX 64
/* Bytes of one decoded command as text (SB_MAX bytes as " 255" and quoting). */
#define WIRETRACE_NAME_MAX (WIRETRACE_SB_MAX * 4 + 64)
/* Spaces before the rows and names of a dump: under the "HH:MM:SS.mmm ". */
#define WIRETRACE_INDENT "             "

/* Where the telnet parse of one direction stands between chunks. */
enum wiretrace_parse {
	WIRETRACE_DATA,   /* data bytes */
	WIRETRACE_IAC,    /* after IAC */
	WIRETRACE_NEG,    /* after IAC WILL/WONT/DO/DONT: the option */
	WIRETRACE_SB_OPT, /* after IAC SB: the option */
	WIRETRACE_SB,     /* inside a subnegotiation */
	WIRETRACE_SB_IAC, /* IAC inside a subnegotiation */
};

/* One direction of one connection. */
struct wiretrace_dir {
	enum wiretrace_parse parse;
	unsigned char cmd; /* the WILL/WONT/DO/DONT awaiting its option */
	unsigned char sb_opt;
	unsigned char sb[WIRETRACE_SB_MAX];
	size_t sb_len; /* bytes seen; the first WIRETRACE_SB_MAX are kept */
	/* Lines that carry a password as data: "/op PASSWORD" in the chat. */
	bool mask_lines;
	size_t line_pos;  /* data bytes of the current line so far */
	bool line_secret; /* the current line is being masked */
};

/* Starts a direction with no bytes seen; mask_lines as above. */
void wiretrace_dir_init(struct wiretrace_dir *d, bool mask_lines);

/*
 * Writes a dump of len bytes to out: rows of offset, hex and text, each
 * after WIRETRACE_INDENT, then one "telnet: NAME" line per telnet command
 * that ends in the chunk. d NULL: the bytes are not telnet (a datagram),
 * nothing is decoded. With secret, or inside a masked line, data bytes
 * other than CR, LF and NUL show as '*' in both columns; telnet commands
 * stay visible. colour: ANSI colours for a terminal.
 */
void wiretrace_dump(struct wiretrace_dir *d, FILE *out, const void *buf,
		    size_t len, bool secret, bool colour);

/*
 * Bytes of buf up to and including the first line end in its data (CR LF,
 * CR NUL, a bare CR or LF), or len if there is none. The state of d is
 * not changed. Lets a reader feed a chunk line by line, so a secret that
 * starts after one line is masked from the next.
 */
size_t wiretrace_line_span(const struct wiretrace_dir *d, const void *buf,
			   size_t len);

/* How many bytes of buf a dump would mask; d is not changed. */
size_t wiretrace_masked(const struct wiretrace_dir *d, const void *buf,
			size_t len, bool secret);

/*
 * The next data byte starts a line (a reader knows: say, after a menu key
 * that needed no Enter), so a "/op " there is seen.
 */
void wiretrace_line_start(struct wiretrace_dir *d);

/* Whether d is inside a masked line ("/op ..."), so its echo is masked too. */
bool wiretrace_is_masking(const struct wiretrace_dir *d);

/*
 * Names one telnet option ("ECHO", "NAWS", "TTYPE"); a number for one
 * without a name, in buf (at least 8 bytes), which is returned then.
 */
const char *wiretrace_option_name(unsigned char opt, char *buf, size_t bufsz);

/* ANSI colours of the trace, or "" when colour is off. */
enum wiretrace_colour {
	WIRETRACE_RESET,
	WIRETRACE_DIM,     /* timestamps, offsets */
	WIRETRACE_IN,      /* bytes that arrived */
	WIRETRACE_OUT,     /* bytes sent */
	WIRETRACE_TELNET,  /* decoded commands */
	WIRETRACE_STATE,   /* state changes */
	WIRETRACE_CONNECT, /* connections opened and closed */
	WIRETRACE_SECRET,  /* masked bytes */
};
const char *wiretrace_colour(enum wiretrace_colour c, bool colour);

/* Writes "HH:MM:SS.mmm " (local time, dim in colour) to out. */
void wiretrace_stamp(FILE *out, bool colour);

#endif
