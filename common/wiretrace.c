/*
 * wiretrace: hex dumps and a small telnet decoder for the trace. It
 * walks bytes with its own state machine (RFC 854 command framing only;
 * it never answers or decides anything), so a command split over two
 * reads is still named once, when its last byte arrives.
 */
#include "wiretrace.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "utf8.h"

/* Telnet command bytes (RFC 854). */
enum {
	WT_SE = 240,
	WT_SB = 250,
	WT_WILL = 251,
	WT_WONT = 252,
	WT_DO = 253,
	WT_DONT = 254,
	WT_IAC = 255,
};

/* Option bytes the decoder names inside subnegotiations. */
enum {
	WT_OPT_TTYPE = 24,
	WT_OPT_NAWS = 31,
};

/* The line prefix whose rest is a password: the chat's operator login. */
static const char wiretrace_secret_prefix[] = "/op ";

/* clang-format off */
static const char *const wiretrace_commands[] = {
	[WT_SE - WT_SE] = "SE",
	[241 - WT_SE] = "NOP",
	[242 - WT_SE] = "DM",
	[243 - WT_SE] = "BRK",
	[244 - WT_SE] = "IP",
	[245 - WT_SE] = "AO",
	[246 - WT_SE] = "AYT",
	[247 - WT_SE] = "EC",
	[248 - WT_SE] = "EL",
	[249 - WT_SE] = "GA",
	[WT_SB - WT_SE] = "SB",
	[WT_WILL - WT_SE] = "WILL",
	[WT_WONT - WT_SE] = "WONT",
	[WT_DO - WT_SE] = "DO",
	[WT_DONT - WT_SE] = "DONT",
	[WT_IAC - WT_SE] = "IAC",
};
/* clang-format on */

/* Names of the options a class is likely to meet (IANA telnet options). */
/* clang-format off */
static const char *const wiretrace_options[256] = {
	[0] = "BINARY",
	[1] = "ECHO",
	[2] = "RCP",
	[3] = "SGA",
	[5] = "STATUS",
	[6] = "TIMING-MARK",
	[24] = "TTYPE",
	[25] = "EOR",
	[31] = "NAWS",
	[32] = "TSPEED",
	[33] = "LFLOW",
	[34] = "LINEMODE",
	[35] = "XDISPLOC",
	[36] = "ENVIRON",
	[37] = "AUTHENTICATION",
	[38] = "ENCRYPT",
	[39] = "NEW-ENVIRON",
	[42] = "CHARSET",
	[70] = "MSSP",
	[85] = "COMPRESS",
	[86] = "COMPRESS2",
	[93] = "ZMP",
};
/* clang-format on */

/* Starts a direction in data with nothing seen. */
void wiretrace_dir_init(struct wiretrace_dir *d, bool mask_lines)
{
	memset(d, 0, sizeof(*d));
	d->parse = WIRETRACE_DATA;
	d->mask_lines = mask_lines;
}

/* Names an option, or writes its number into buf. */
const char *wiretrace_option_name(unsigned char opt, char *buf, size_t bufsz)
{
	if (wiretrace_options[opt] != NULL)
		return wiretrace_options[opt];
	snprintf(buf, bufsz, "%u", opt);
	return buf;
}

/* Names a command byte after IAC, or writes its number into buf. */
static const char *wiretrace_command_name(unsigned char cmd, char *buf,
					  size_t bufsz)
{
	if (cmd >= WT_SE)
		return wiretrace_commands[cmd - WT_SE];
	snprintf(buf, bufsz, "%u", cmd);
	return buf;
}

/* Appends s to name (size WIRETRACE_NAME_MAX), cutting it short. */
static void wiretrace_cat(char *name, const char *s)
{
	size_t n = strlen(name);

	if (n < WIRETRACE_NAME_MAX)
		snprintf(name + n, WIRETRACE_NAME_MAX - n, "%s", s);
}

/* Formats the subnegotiation just ended: "IAC SB NAWS 80 24 IAC SE". */
static void wiretrace_sb_name(const struct wiretrace_dir *d, char *name,
			      bool terminated)
{
	char num[48];
	size_t kept = d->sb_len < WIRETRACE_SB_MAX ? d->sb_len
						   : WIRETRACE_SB_MAX;

	snprintf(name, WIRETRACE_NAME_MAX, "IAC SB %s",
		 wiretrace_option_name(d->sb_opt, num, sizeof(num)));
	if (d->sb_opt == WT_OPT_NAWS && d->sb_len == 4) {
		/* Width and height, 16 bits each (RFC 1073). */
		snprintf(num, sizeof(num), " %u",
			 ((unsigned)d->sb[0] << 8) | d->sb[1]);
		wiretrace_cat(name, num);
		snprintf(num, sizeof(num), " %u",
			 ((unsigned)d->sb[2] << 8) | d->sb[3]);
		wiretrace_cat(name, num);
	} else if (d->sb_opt == WT_OPT_TTYPE && kept >= 1 &&
		   (d->sb[0] == 0 || d->sb[0] == 1)) {
		/* RFC 1091: IS name, or SEND. */
		wiretrace_cat(name, d->sb[0] == 1 ? " SEND" : " IS \"");
		for (size_t i = 1; d->sb[0] == 0 && i < kept; i++) {
			unsigned char b = d->sb[i];

			if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\')
				snprintf(num, sizeof(num), "%c", b);
			else
				snprintf(num, sizeof(num), "\\x%02x", b);
			wiretrace_cat(name, num);
		}
		if (d->sb[0] == 0)
			wiretrace_cat(name, "\"");
	} else {
		for (size_t i = 0; i < kept; i++) {
			snprintf(num, sizeof(num), " %u", d->sb[i]);
			wiretrace_cat(name, num);
		}
	}
	if (d->sb_len > kept) {
		snprintf(num, sizeof(num), " ... (%zu bytes)", d->sb_len);
		wiretrace_cat(name, num);
	}
	wiretrace_cat(name, terminated ? " IAC SE" : " (no IAC SE)");
}

/* Keeps one subnegotiation byte. */
static void wiretrace_sb_add(struct wiretrace_dir *d, unsigned char b)
{
	if (d->sb_len < WIRETRACE_SB_MAX)
		d->sb[d->sb_len] = b;
	d->sb_len++;
}

/* Follows the lines of data for "/op " masking; returns whether b is masked. */
static bool wiretrace_line_byte(struct wiretrace_dir *d, unsigned char b)
{
	size_t plen = sizeof(wiretrace_secret_prefix) - 1;

	if (!d->mask_lines)
		return false;
	if (b == '\r' || b == '\n') {
		d->line_pos = 0;
		d->line_secret = false;
		return false;
	}
	if (b == '\0')
		return false;
	if (d->line_secret)
		return true;
	if (d->line_pos < plen &&
	    tolower(b) == wiretrace_secret_prefix[d->line_pos]) {
		if (++d->line_pos == plen)
			d->line_secret = true;
	} else {
		d->line_pos = plen + 1; /* this line is not a secret */
	}
	return false;
}

/*
 * Advances d over one byte. Returns its class; names each command that
 * ends here through emit (may be NULL).
 */
static enum wiretrace_class wiretrace_step(struct wiretrace_dir *d,
					   unsigned char b, bool secret,
					   wiretrace_emit emit, void *ctx)
{
	char name[WIRETRACE_NAME_MAX], n1[16], n2[16];

	switch (d->parse) {
	case WIRETRACE_DATA:
		if (b == WT_IAC) {
			d->parse = WIRETRACE_IAC;
			return WIRETRACE_CLASS_TELNET;
		}
		if (wiretrace_line_byte(d, b) ||
		    (secret && b != '\r' && b != '\n' && b != '\0'))
			return WIRETRACE_CLASS_MASKED;
		return WIRETRACE_CLASS_DATA;
	case WIRETRACE_IAC:
		d->parse = WIRETRACE_DATA;
		if (b == WT_IAC) {
			/* IAC IAC: one 255 data byte. */
			if (wiretrace_line_byte(d, b) || secret)
				return WIRETRACE_CLASS_MASKED;
			return WIRETRACE_CLASS_DATA;
		}
		if (b == WT_SB) {
			d->parse = WIRETRACE_SB_OPT;
		} else if (b >= WT_WILL && b <= WT_DONT) {
			d->parse = WIRETRACE_NEG;
			d->cmd = b;
		} else if (emit != NULL) {
			snprintf(name, sizeof(name), "IAC %s%s",
				 wiretrace_command_name(b, n1, sizeof(n1)),
				 b == WT_SE ? " (not in a subnegotiation)"
					    : "");
			emit(ctx, name);
		}
		return WIRETRACE_CLASS_TELNET;
	case WIRETRACE_NEG:
		d->parse = WIRETRACE_DATA;
		if (emit != NULL) {
			snprintf(name, sizeof(name), "IAC %s %s",
				 wiretrace_command_name(d->cmd, n1, sizeof(n1)),
				 wiretrace_option_name(b, n2, sizeof(n2)));
			emit(ctx, name);
		}
		return WIRETRACE_CLASS_TELNET;
	case WIRETRACE_SB_OPT:
		d->sb_opt = b;
		d->sb_len = 0;
		d->parse = WIRETRACE_SB;
		return WIRETRACE_CLASS_TELNET;
	case WIRETRACE_SB:
		if (b == WT_IAC)
			d->parse = WIRETRACE_SB_IAC;
		else
			wiretrace_sb_add(d, b);
		return WIRETRACE_CLASS_TELNET;
	case WIRETRACE_SB_IAC:
		if (b == WT_IAC) {
			wiretrace_sb_add(d, b);
			d->parse = WIRETRACE_SB;
			return WIRETRACE_CLASS_TELNET;
		}
		if (emit != NULL) {
			wiretrace_sb_name(d, name, b == WT_SE);
			emit(ctx, name);
		}
		d->parse = WIRETRACE_DATA;
		if (b == WT_SE)
			return WIRETRACE_CLASS_TELNET;
		/* A command inside SB ends it (as libtelnet reads it): go on with it. */
		d->parse = WIRETRACE_IAC;
		return wiretrace_step(d, b, secret, emit, ctx);
	}
	return WIRETRACE_CLASS_DATA;
}

/* Colour escapes, in the order of enum wiretrace_colour. */
/* clang-format off */
static const char *const wiretrace_colours[] = {
	[WIRETRACE_RESET] = "\033[0m",
	[WIRETRACE_DIM] = "\033[2m",
	[WIRETRACE_IN] = "\033[32m",
	[WIRETRACE_OUT] = "\033[36m",
	[WIRETRACE_TELNET] = "\033[33m",
	[WIRETRACE_STATE] = "\033[1;35m",
	[WIRETRACE_CONNECT] = "\033[1m",
	[WIRETRACE_SECRET] = "\033[31m",
};
/* clang-format on */

/* The escape for c, or "" without colour. */
const char *wiretrace_colour(enum wiretrace_colour c, bool colour)
{
	return colour ? wiretrace_colours[c] : "";
}

/* Writes the local time to the millisecond, then a space. */
void wiretrace_stamp(FILE *out, bool colour)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	wiretrace_stamp_at(out, &ts, colour);
}

/* Writes a time as wiretrace_stamp does. */
void wiretrace_stamp_at(FILE *out, const struct timespec *when, bool colour)
{
	struct timespec ts = *when;
	struct tm tm;
	char stamp[16];

	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	fprintf(out, "%s%s.%03ld%s ", wiretrace_colour(WIRETRACE_DIM, colour),
		stamp, ts.tv_nsec / 1000000,
		wiretrace_colour(WIRETRACE_RESET, colour));
}

/* Where a dump writes its telnet lines. */
struct wiretrace_names {
	FILE *out;
	bool colour;
};

/* emit for wiretrace_dump: one "telnet: NAME" line. */
static void wiretrace_print_name(void *ctx, const char *name)
{
	struct wiretrace_names *n = ctx;

	wiretrace_name_line(n->out, name, n->colour);
}

void wiretrace_name_line(FILE *out, const char *name, bool colour)
{
	fprintf(out, "%stelnet: %s%s%s\n", WIRETRACE_INDENT,
		wiretrace_colour(WIRETRACE_TELNET, colour), name,
		wiretrace_colour(WIRETRACE_RESET, colour));
}

/*
 * Length of the UTF-8 character at p (at most n bytes) that the trace
 * shows as itself, or 0; its code point in *cp. A C1 control is valid
 * UTF-8 but no character to show: a terminal would act on it.
 */
static size_t wiretrace_char(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len = utf8_decode((const char *)p, n, cp);

	return len > 0 && utf8_is_control(*cp) ? 0 : len;
}

/*
 * The text column: ASCII as is, a whole UTF-8 character (all of it data,
 * all of it on this row) as itself padded to its byte count, so the
 * column keeps one cell per byte; anything else '.'.
 */
static void wiretrace_text(FILE *out, const unsigned char *p,
			   const unsigned char *cls, size_t n, bool colour)
{
	static const enum wiretrace_colour class_colour[] = {
		[WIRETRACE_CLASS_DATA] = WIRETRACE_RESET,
		[WIRETRACE_CLASS_TELNET] = WIRETRACE_TELNET,
		[WIRETRACE_CLASS_MASKED] = WIRETRACE_SECRET,
	};
	const char *reset = wiretrace_colour(WIRETRACE_RESET, colour);
	size_t i = 0;

	while (i < n) {
		char c = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
		size_t len = 0, width;
		uint32_t cp;

		if (cls[i] == WIRETRACE_CLASS_DATA && p[i] >= 0x80)
			len = wiretrace_char(p + i, n - i, &cp);
		for (size_t k = 1; k < len; k++)
			if (cls[i + k] != WIRETRACE_CLASS_DATA)
				len = 0;
		if (len > 0) {
			width = (size_t)utf8_width(cp);
			fwrite(p + i, 1, len, out);
			fprintf(out, "%*s", (int)(len - width), "");
			i += len;
			continue;
		}
		if (cls[i] == WIRETRACE_CLASS_MASKED)
			c = '*';
		if (cls[i] == WIRETRACE_CLASS_DATA)
			fputc(c, out);
		else
			fprintf(out, "%s%c%s",
				wiretrace_colour(class_colour[cls[i]], colour),
				c, reset);
		i++;
	}
}

/* Columns of a row of row bytes: indent, offset, hex, text. */
static size_t wiretrace_row_cols(size_t row)
{
	/* "0000  ", "xx " a byte, the gap in the middle, " |", text, "|". */
	return WIRETRACE_INDENT_COLS + 6 + 3 * row + (row > 8 ? 1 : 0) + 2 +
	       row + 1;
}

/* Writes one row: offset, row bytes in hex (n of them here), the same as text. */
static void wiretrace_row(FILE *out, const unsigned char *p,
			  const unsigned char *cls, size_t off, size_t n,
			  size_t row, bool colour)
{
	const char *reset = wiretrace_colour(WIRETRACE_RESET, colour);

	fprintf(out, "%s%s%04zx%s  ", WIRETRACE_INDENT,
		wiretrace_colour(WIRETRACE_DIM, colour), off, reset);
	for (size_t i = 0; i < row; i++) {
		const char *gap = row > 8 && i == row / 2 - 1 ? "  " : " ";

		if (i >= n) {
			fprintf(out, "  %s", gap);
			continue;
		}
		if (cls[i] == WIRETRACE_CLASS_MASKED)
			fprintf(out, "%s**%s%s",
				wiretrace_colour(WIRETRACE_SECRET, colour),
				reset, gap);
		else if (cls[i] == WIRETRACE_CLASS_DATA)
			fprintf(out, "%02x%s", p[i], gap);
		else
			fprintf(out, "%s%02x%s%s",
				wiretrace_colour(WIRETRACE_TELNET, colour),
				p[i], reset, gap);
	}
	fputs(" |", out);
	wiretrace_text(out, p, cls, n, colour);
	fputs("|\n", out);
}

/* Dumps a chunk: rows first, then the telnet commands it completed. */
void wiretrace_dump(struct wiretrace_dir *d, FILE *out, const void *buf,
		    size_t len, bool secret, const struct wiretrace_look *look)
{
	const unsigned char *p = buf;
	unsigned char *cls = calloc(len > 0 ? len : 1, 1);
	struct wiretrace_names names = { .out = out, .colour = look->colour };

	if (cls == NULL)
		return; /* a trace is not worth aborting for */
	if (d != NULL) {
		struct wiretrace_dir peek = *d;

		for (size_t i = 0; i < len; i++)
			cls[i] = (unsigned char)wiretrace_step(&peek, p[i],
							       secret, NULL,
							       NULL);
	} else if (secret) {
		for (size_t i = 0; i < len; i++)
			if (p[i] != '\r' && p[i] != '\n' && p[i] != '\0')
				cls[i] = WIRETRACE_CLASS_MASKED;
	}
	wiretrace_rows(out, p, cls, len, look);
	free(cls);
	if (d == NULL)
		return;
	for (size_t i = 0; i < len; i++)
		wiretrace_step(d, p[i], secret, wiretrace_print_name, &names);
}

/* Rows of a chunk whose bytes are classified already. */
void wiretrace_rows(FILE *out, const void *buf, const unsigned char *cls,
		    size_t len, const struct wiretrace_look *look)
{
	const unsigned char *p = buf;
	size_t row = look->width >= wiretrace_row_cols(WIRETRACE_ROW)
			     ? WIRETRACE_ROW
			     : WIRETRACE_ROW_NARROW;

	for (size_t off = 0; off < len; off += row)
		wiretrace_row(out, p + off, cls + off, off,
			      len - off < row ? len - off : row, row,
			      look->colour);
}

/* Steps d over a chunk that is not shown, so later chunks decode right. */
void wiretrace_skip(struct wiretrace_dir *d, const void *buf, size_t len,
		    bool secret)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++)
		wiretrace_step(d, p[i], secret, NULL, NULL);
}

/* Steps d over a chunk, keeping each byte's class and naming commands. */
void wiretrace_classify(struct wiretrace_dir *d, const void *buf, size_t len,
			bool secret, unsigned char *cls, wiretrace_emit emit,
			void *ctx)
{
	const unsigned char *p = buf;
	size_t i = 0;

	while (i < len) {
		/*
		 * Data outside commands, with no line to mask, is data to the
		 * next IAC: the bulk of what a server sends, not stepped a
		 * byte at a time (the teacher's page keeps every call's wire).
		 */
		if (d->parse == WIRETRACE_DATA && !secret && !d->mask_lines) {
			const unsigned char *iac = memchr(p + i, WT_IAC,
							  len - i);
			size_t run = iac != NULL ? (size_t)(iac - p) - i
						 : len - i;

			memset(cls + i, WIRETRACE_CLASS_DATA, run);
			i += run;
			if (i == len)
				break;
		}
		cls[i] = (unsigned char)wiretrace_step(d, p[i], secret, emit,
						       ctx);
		i++;
	}
}

/* Where the short view writes its names, and how many so far. */
struct wiretrace_list {
	FILE *out;
	bool colour;
	size_t count;
};

/* emit for wiretrace_names: ", NAME" after the first. */
static void wiretrace_list_name(void *ctx, const char *name)
{
	struct wiretrace_list *l = ctx;

	fprintf(l->out, "%s%s%s%s", l->count > 0 ? ", " : "",
		wiretrace_colour(WIRETRACE_TELNET, l->colour), name,
		wiretrace_colour(WIRETRACE_RESET, l->colour));
	l->count++;
}

/* Steps over a chunk, writing the names of the commands it completes. */
size_t wiretrace_names(struct wiretrace_dir *d, FILE *out, const void *buf,
		       size_t len, bool secret, bool colour)
{
	const unsigned char *p = buf;
	struct wiretrace_list list = { .out = out, .colour = colour };

	for (size_t i = 0; i < len; i++)
		wiretrace_step(d, p[i], secret, wiretrace_list_name, &list);
	return list.count;
}

/*
 * Bytes in the unit of text at p (n bytes left) that a wrap never cuts,
 * its columns in *cols: a colour escape (none), an escaped byte "\xNN"
 * (4), a UTF-8 character (utf8_width: 0, 1 or 2), any other byte (1).
 */
static size_t wiretrace_unit(const unsigned char *p, size_t n, size_t *cols)
{
	size_t len = 2;
	uint32_t cp = 0;

	if (n >= 3 && p[0] == '\033' && p[1] == '[') {
		/* CSI: parameter bytes, then one final byte. */
		while (len < n && p[len] >= 0x20 && p[len] <= 0x3f)
			len++;
		if (len < n && p[len] >= 0x40 && p[len] <= 0x7e) {
			*cols = 0;
			return len + 1;
		}
	}
	if (n >= 4 && p[0] == '\\' && p[1] == 'x' && isxdigit(p[2]) &&
	    isxdigit(p[3])) {
		*cols = 4;
		return 4;
	}
	len = p[0] >= 0x80 ? wiretrace_char(p, n, &cp) : 0;
	if (len > 0) {
		*cols = (size_t)utf8_width(cp);
		return len;
	}
	*cols = 1;
	return 1;
}

/* A place a line may break: a space, its byte and its column. */
struct wiretrace_break {
	bool found;
	size_t at, col;
};

/*
 * Writes one line (len bytes, no line end) and its line end, wrapped to
 * width. Spaces inside the time stamp or the indent are no place to
 * break: a piece would hold nothing. A space after a comma is preferred
 * while it leaves the line at least half full, so an item of a list (a
 * telnet command in --trace=brief) stays whole.
 */
static void wiretrace_wrap_line(FILE *out, const unsigned char *p, size_t len,
				size_t width)
{
	size_t start = 0; /* the first byte not written yet */
	size_t col = 0;   /* columns on the output line so far */
	struct wiretrace_break space = { 0 }, comma = { 0 };
	const struct wiretrace_break *brk;
	size_t shown = 0; /* the end of the last unit that is not a colour */
	size_t i = 0;

	while (i < len) {
		size_t cols;
		size_t n = wiretrace_unit(p + i, len - i, &cols);

		if (col + cols <= width || col <= WIRETRACE_INDENT_COLS) {
			if (p[i] == ' ' && col > WIRETRACE_INDENT_COLS) {
				space = (struct wiretrace_break){ true, i,
								  col };
				if (i > 0 && p[i - 1] == ',')
					comma = space;
			}
			col += cols;
			/*
			 * A colour goes on with the text after it; a
			 * combining mark stays with the character before.
			 */
			if (cols > 0 || p[i] != '\033')
				shown = i + n;
			i += n;
			continue;
		}
		brk = NULL;
		if (comma.found && 2 * (comma.col - WIRETRACE_INDENT_COLS) >=
					   width - WIRETRACE_INDENT_COLS)
			brk = &comma;
		else if (p[i] != ' ' && space.found)
			brk = &space;
		if (brk != NULL) {
			fwrite(p + start, 1, brk->at - start, out);
			start = brk->at + 1;
			col = WIRETRACE_INDENT_COLS + col - brk->col - 1;
		} else if (p[i] == ' ') {
			/* Over the width at a space: the break is here. */
			fwrite(p + start, 1, i - start, out);
			start = ++i;
			col = WIRETRACE_INDENT_COLS;
		} else {
			/*
			 * One word longer than the line: cut where it ends,
			 * a colour just before the cut going on with the
			 * text it colours.
			 */
			size_t cut = shown > start ? shown : i;

			fwrite(p + start, 1, cut - start, out);
			start = cut;
			col = WIRETRACE_INDENT_COLS;
		}
		space.found = false;
		comma.found = false;
		fputs("\n" WIRETRACE_INDENT, out);
	}
	fwrite(p + start, 1, len - start, out);
	fputc('\n', out);
}

/* Wraps each line of text to width. */
void wiretrace_wrap(FILE *out, const char *text, size_t len, unsigned width)
{
	const unsigned char *p = (const unsigned char *)text;

	if (width < WIRETRACE_MIN_WIDTH)
		width = WIRETRACE_MIN_WIDTH;
	while (len > 0) {
		const unsigned char *nl = memchr(p, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - p) : len;

		wiretrace_wrap_line(out, p, n, width);
		if (nl == NULL)
			break;
		p += n + 1;
		len -= n + 1;
	}
}

/* The terminal's width, asked now; a file or pipe gets WIRETRACE_WIDTH. */
unsigned wiretrace_columns(int fd)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
		return WIRETRACE_WIDTH;
	return ws.ws_col < WIRETRACE_MIN_WIDTH ? WIRETRACE_MIN_WIDTH
					       : ws.ws_col;
}

/* Length up to and including the first data line end. */
size_t wiretrace_line_span(const struct wiretrace_dir *d, const void *buf,
			   size_t len)
{
	const unsigned char *p = buf;
	struct wiretrace_dir peek = *d;

	for (size_t i = 0; i < len; i++) {
		if (wiretrace_step(&peek, p[i], false, NULL, NULL) ==
		    WIRETRACE_CLASS_TELNET)
			continue;
		if (p[i] == '\n')
			return i + 1;
		if (p[i] == '\r') {
			if (i + 1 < len &&
			    (p[i + 1] == '\n' || p[i + 1] == '\0'))
				return i + 2;
			return i + 1;
		}
	}
	return len;
}

/* Counts the bytes a dump would show as '*'. */
size_t wiretrace_masked(const struct wiretrace_dir *d, const void *buf,
			size_t len, bool secret)
{
	const unsigned char *p = buf;
	struct wiretrace_dir peek = *d;
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (wiretrace_step(&peek, p[i], secret, NULL, NULL) ==
		    WIRETRACE_CLASS_MASKED)
			n++;
	return n;
}

/* Forgets the line so far: the next data byte starts one. */
void wiretrace_line_start(struct wiretrace_dir *d)
{
	d->line_pos = 0;
	d->line_secret = false;
}

/* Whether the current line of d is being masked. */
bool wiretrace_is_masking(const struct wiretrace_dir *d)
{
	return d->line_secret;
}

/* Starts an empty block, its text in memory. */
int wiretrace_block_begin(struct wiretrace_block *b, bool colour,
			  unsigned width)
{
	b->text = NULL;
	b->len = 0;
	b->look.colour = colour;
	b->look.width = width;
	b->f = open_memstream(&b->text, &b->len);
	return b->f != NULL ? 0 : -1;
}

/* Frees a block without showing it. */
void wiretrace_block_discard(struct wiretrace_block *b)
{
	fclose(b->f);
	free(b->text);
}

/* The block wrapped as a whole; the block itself is freed. */
char *wiretrace_block_end(struct wiretrace_block *b, size_t *len)
{
	char *out = NULL;
	FILE *f = NULL;

	*len = 0;
	if (fclose(b->f) != 0 || b->text == NULL)
		goto out;
	f = open_memstream(&out, len);
	if (f == NULL)
		goto out;
	wiretrace_wrap(f, b->text, b->len, b->look.width);
	if (fclose(f) != 0) {
		free(out);
		out = NULL;
	}
out:
	free(b->text);
	return out;
}
