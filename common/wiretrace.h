/*
 * wiretrace: the protocol view behind `hotlined --trace` and
 * `hotline --trace`. It shows a chunk of bytes as hex and text side by
 * side, 16 bytes a row, names the telnet commands in it (IAC WILL ECHO,
 * IAC SB NAWS 80 24 IAC SE), keeping its parse state across the chunks
 * of one direction, and masks the data bytes of a secret. It fits the
 * lines to a width: the trace is read on a projector, where a line the
 * terminal wraps at column 0 hides the time stamps.
 *
 * Self-contained (libc and common/'s utf8 only): it writes to the FILE it
 * is given and knows nothing of sockets, sessions or readline, so the
 * server and the client link the same code. Its only question to the
 * system is a terminal's width.
 */
#ifndef HOTLINE_WIRETRACE_H
#define HOTLINE_WIRETRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* Bytes shown on one row of a dump: 87 columns. */
#define WIRETRACE_ROW 16
/* Bytes a row when 16 do not fit the width: 54 columns. */
#define WIRETRACE_ROW_NARROW 8
/* Subnegotiation bytes kept for naming; longer ones are shown cut short. */
#define WIRETRACE_SB_MAX 64
/* Bytes of one decoded command as text (SB_MAX bytes as " 255" and quoting). */
#define WIRETRACE_NAME_MAX (WIRETRACE_SB_MAX * 4 + 64)
/* Spaces before the rows and names of a dump: under the "HH:MM:SS.mmm ". */
#define WIRETRACE_INDENT "             "
/* Columns of WIRETRACE_INDENT; a wrapped line goes on there too. */
#define WIRETRACE_INDENT_COLS 13
/*
 * Columns a trace fits when it goes to a file or a pipe: what a projector
 * shows at a size the back row can read.
 */
#define WIRETRACE_WIDTH 100
/*
 * The narrowest width a trace is fitted to: narrow rows fit it. On a
 * terminal narrower still, the terminal wraps what is left over.
 */
#define WIRETRACE_MIN_WIDTH 54

/* How a trace is drawn, for the terminal or file it goes to. */
struct wiretrace_look {
	bool colour;    /* ANSI colours, for a terminal */
	unsigned width; /* columns a line may take (wiretrace_columns) */
};

/* What one byte was, for colouring and masking. */
enum wiretrace_class {
	WIRETRACE_CLASS_DATA,
	WIRETRACE_CLASS_TELNET,
	WIRETRACE_CLASS_MASKED,
};

/* Receives each decoded command name. */
typedef void (*wiretrace_emit)(void *ctx, const char *name);

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
 * stay visible. Rows hold WIRETRACE_ROW bytes, or WIRETRACE_ROW_NARROW
 * when those do not fit look->width; they are never wrapped. The names
 * are not wrapped here either: wiretrace_wrap does that for the block.
 */
void wiretrace_dump(struct wiretrace_dir *d, FILE *out, const void *buf,
		    size_t len, bool secret, const struct wiretrace_look *look);

/*
 * A dump in two steps, for a view drawn later than the bytes went by
 * (the teacher's wire view): wiretrace_classify steps d over len bytes
 * as a dump does, writing each byte's enum wiretrace_class to cls (len
 * bytes) and each telnet command that ends in them to emit (may be
 * NULL); wiretrace_rows draws the rows of classified bytes (a masked
 * byte is "**" whatever it holds) and wiretrace_name_line one command's
 * line, as wiretrace_dump writes them.
 */
void wiretrace_classify(struct wiretrace_dir *d, const void *buf, size_t len,
			bool secret, unsigned char *cls, wiretrace_emit emit,
			void *ctx);
void wiretrace_rows(FILE *out, const void *buf, const unsigned char *cls,
		    size_t len, const struct wiretrace_look *look);
void wiretrace_name_line(FILE *out, const char *name, bool colour);
/* Steps d over len bytes nobody is shown, as a dump would. */
void wiretrace_skip(struct wiretrace_dir *d, const void *buf, size_t len,
		    bool secret);

/*
 * The short view of a chunk (hotlined --trace=brief): steps d over the
 * len bytes as a dump does, so the parse and the masking of later chunks
 * stay right, and writes only the names of the telnet commands that end
 * in them to out, ", " between two, no line end. No data byte is ever
 * written, masked or not. Returns how many names were written.
 */
size_t wiretrace_names(struct wiretrace_dir *d, FILE *out, const void *buf,
		       size_t len, bool secret, bool colour);

/*
 * Writes text, whole lines, to out with every line longer than width
 * columns wrapped: at the last space that fits, or where the width ends
 * if there is none, each piece after the first going on under
 * WIRETRACE_INDENT. Columns are counted as a terminal shows them and as
 * the line editor counts them (utf8_width: an East Asian wide character
 * takes 2, a combining mark none), a colour escape none. A character, a
 * colour escape or an escaped byte ("\x1b") is never cut in two. A last
 * line without its line end gets one.
 */
void wiretrace_wrap(FILE *out, const char *text, size_t len, unsigned width);

/*
 * One block of a trace (a chunk and its dump, or one line) built in
 * memory, so that it is wrapped as a whole and reaches its reader in one
 * write. Write to f in the look the block was begun with.
 */
struct wiretrace_block {
	FILE *f;
	char *text;
	size_t len;
	struct wiretrace_look look;
};

/* Starts an empty block in a look; -1 if there is no memory for one. */
int wiretrace_block_begin(struct wiretrace_block *b, bool colour,
			  unsigned width);
/* Frees a block that turned out to have nothing to show. */
void wiretrace_block_discard(struct wiretrace_block *b);
/*
 * Ends a block and frees it: returns its text wrapped to its width
 * (*len bytes, the caller frees it), or NULL if memory ran out.
 */
char *wiretrace_block_end(struct wiretrace_block *b, size_t *len);

/*
 * The width a trace written to fd should fit: the columns of the terminal
 * fd is (asked each time, so a resized window is followed), or
 * WIRETRACE_WIDTH for anything else; never under WIRETRACE_MIN_WIDTH.
 */
unsigned wiretrace_columns(int fd);

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
/* The same for a time (CLOCK_REALTIME) the bytes went by. */
void wiretrace_stamp_at(FILE *out, const struct timespec *when, bool colour);

#endif
