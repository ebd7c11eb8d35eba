/*
 * lineedit: keys to lines. A small byte parser (the Enter forms, escape
 * sequences, UTF-8 assembly) drives an editor that keeps one bounded line,
 * echoes and erases in character mode, and reports through one callback.
 *
 * It must not know about telnet, menus, sessions or sockets: its bytes are
 * already free of IAC commands, and what a line or a key means is the
 * caller's business. It does no I/O; even the echo is an event.
 */
#include "lineedit.h"
#include "mem.h"
#include "utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Widest erase sent as one echo event: 80 columns make 240 bytes of
 * backspaces and blanks on the stack. Longer erases go out in chunks.
 */
#define LINEEDIT_ERASE_CHUNK 80

/* What the last bytes started; kept across lineedit_feed calls. */
enum lineedit_parse {
	LINEEDIT_PARSE_NORMAL,   /* plain text */
	LINEEDIT_PARSE_AFTER_CR, /* a CR was an Enter: LF or NUL next is in it */
	LINEEDIT_PARSE_ESC,      /* after ESC: one more character, or [ or O */
	LINEEDIT_PARSE_CSI,      /* after ESC [: up to a final byte */
	LINEEDIT_PARSE_SS3,      /* after ESC O: one more byte (F1-F4) */
};

struct lineedit {
	lineedit_cb cb;
	void *ctx;
	enum lineedit_mode mode;
	enum lineedit_input input;
	enum lineedit_parse parse;
	/* ESC came before a multi-byte character (Alt+key): drop it. */
	bool drop_char;
	/* A UTF-8 character still arriving, perhaps in the next feed. */
	unsigned char utf8[4];
	size_t utf8_len;
	size_t utf8_need;
	/* The line went past LINEEDIT_MAX_LINE: it is refused at Enter. */
	bool too_long;
	/* A key, line, refusal or interrupt was reported: lineedit_step stops. */
	bool reported;
	/*
	 * The line typed so far: valid UTF-8, NUL-terminated while len > 0.
	 * Grown on demand up to LINEEDIT_MAX_LINE + 1 bytes and kept: an idle
	 * caller costs no line buffer, a typing one allocates a few times.
	 */
	size_t len;
	size_t cap;
	char *line;
};

/* Smallest line buffer allocated: a menu key or a short entry fits. */
#define LINEEDIT_MIN_CAP 32

/* Hands one event to the caller, who may change mode or input kind. */
static void lineedit_emit(struct lineedit *le, enum lineedit_event_type type,
			  const char *data, size_t len)
{
	struct lineedit_event ev = {
		.type = type,
		.data = data,
		.len = len,
	};

	if (type != LINEEDIT_EV_ECHO)
		le->reported = true;
	le->cb(le->ctx, &ev);
}

/* Sends bytes to show on the caller's screen. */
static void lineedit_echo(struct lineedit *le, const char *s, size_t len)
{
	lineedit_emit(le, LINEEDIT_EV_ECHO, s, len);
}

/* Whether editing is shown: in character mode, for all but a secret. */
static bool lineedit_is_echoing(const struct lineedit *le)
{
	return le->mode == LINEEDIT_MODE_CHAR &&
	       le->input != LINEEDIT_INPUT_SECRET;
}

/* Rubs out the cols screen columns left of the cursor: back, blank, back. */
static void lineedit_echo_erase(struct lineedit *le, size_t cols)
{
	char buf[3 * LINEEDIT_ERASE_CHUNK];

	/* Each chunk leaves the cursor where the next one starts erasing. */
	while (cols > 0) {
		size_t n = cols < LINEEDIT_ERASE_CHUNK ? cols
						       : LINEEDIT_ERASE_CHUNK;

		memset(buf, '\b', n);
		memset(buf + n, ' ', n);
		memset(buf + 2 * n, '\b', n);
		lineedit_echo(le, buf, 3 * n);
		cols -= n;
	}
}

/* Screen columns the whole line takes (CJK counts two). */
static size_t lineedit_columns(const struct lineedit *le)
{
	size_t cols = 0;
	size_t i = 0;
	uint32_t cp;

	while (i < le->len) {
		size_t n = utf8_decode(le->line + i, le->len - i, &cp);

		/* The line is valid UTF-8; never loop on a bug. */
		if (n == 0)
			break;
		cols += (size_t)utf8_width(cp);
		i += n;
	}
	return cols;
}

/*
 * Empties the line and forgets it was too long. Only len changes: line[]
 * may still be the line a callback is reading (see lineedit_finish).
 */
static void lineedit_reset(struct lineedit *le)
{
	le->len = 0;
	le->too_long = false;
}

/* Ends the line: reports it, or that it was refused for its length. */
static void lineedit_finish(struct lineedit *le)
{
	size_t len = le->len;
	bool too_long = le->too_long;

	/*
	 * Empty the editor before the callback: it may switch input or clear,
	 * and the line it is reading must not change under it. Only typed
	 * characters write to line[], and the callback never feeds.
	 */
	lineedit_reset(le);
	if (too_long)
		lineedit_emit(le, LINEEDIT_EV_TOO_LONG, NULL, 0);
	else
		lineedit_emit(le, LINEEDIT_EV_LINE, len > 0 ? le->line : "",
			      len);
}

/* An Enter, whatever bytes it came as. */
static void lineedit_enter(struct lineedit *le)
{
	if (le->mode == LINEEDIT_MODE_CHAR) {
		/* At a menu keys act at once: a bare Enter ends nothing. */
		if (le->input == LINEEDIT_INPUT_KEYS && le->len == 0 &&
		    !le->too_long)
			return;
		/* Even a secret's Enter moves the caller to a new line. */
		lineedit_echo(le, "\n", 1);
	}
	lineedit_finish(le);
}

/* Backspace or DEL: removes the last whole character, all its bytes. */
static void lineedit_erase_char(struct lineedit *le)
{
	uint32_t cp = 0;
	size_t n;

	if (le->len == 0)
		return;
	n = utf8_last_len(le->line, le->len);
	utf8_decode(le->line + le->len - n, n, &cp);
	le->len -= n;
	le->line[le->len] = '\0';
	if (lineedit_is_echoing(le))
		lineedit_echo_erase(le, (size_t)utf8_width(cp));
}

/* Ctrl-U: drops the whole line, rubbing it out on screen in character mode. */
static void lineedit_erase_line(struct lineedit *le)
{
	size_t cols = lineedit_is_echoing(le) ? lineedit_columns(le) : 0;

	/* Starting over also forgives a line that had grown too long. */
	lineedit_reset(le);
	lineedit_echo_erase(le, cols);
}

/* Ctrl-C: the partial line is abandoned, the caller decides the rest. */
static void lineedit_interrupt(struct lineedit *le)
{
	lineedit_reset(le);
	lineedit_emit(le, LINEEDIT_EV_INTERRUPT, NULL, 0);
}

/* At a menu in character mode: echo the key and a newline, then pass it on. */
static void lineedit_key(struct lineedit *le, const char *s, size_t len)
{
	char echo[5];

	memcpy(echo, s, len);
	echo[len] = '\n';
	lineedit_echo(le, echo, len + 1);
	lineedit_emit(le, LINEEDIT_EV_KEY, s, len);
}

/* Appends a character and shows it; past the limit it is dropped instead. */
static void lineedit_insert(struct lineedit *le, const char *s, size_t len)
{
	if (le->too_long || le->len + len > LINEEDIT_MAX_LINE) {
		bool first = !le->too_long;

		/* The line is refused at Enter; keep nothing more of it. */
		le->too_long = true;
		/* One bell in character mode says typing goes nowhere now. */
		if (first && le->mode == LINEEDIT_MODE_CHAR)
			lineedit_echo(le, "\a", 1);
		return;
	}
	if (le->len + len + 1 > le->cap) {
		size_t cap = le->cap ? le->cap : LINEEDIT_MIN_CAP;

		while (cap < le->len + len + 1)
			cap *= 2;
		if (cap > LINEEDIT_MAX_LINE + 1)
			cap = LINEEDIT_MAX_LINE + 1;
		le->line = xrealloc(le->line, cap);
		le->cap = cap;
	}
	memcpy(le->line + le->len, s, len);
	le->len += len;
	le->line[le->len] = '\0';
	if (lineedit_is_echoing(le))
		lineedit_echo(le, s, len);
}

/* One whole, valid character (len <= 4 bytes): a key at a menu, else text. */
static void lineedit_char(struct lineedit *le, const char *s, size_t len,
			  uint32_t cp)
{
	if (le->drop_char) {
		le->drop_char = false;
		return;
	}
	/*
	 * C1 controls (U+0080-U+009F) would drive the 8-bit terminals of
	 * whoever is shown this text; they are never typed on purpose.
	 */
	if (cp >= 0x80 && cp < 0xa0)
		return;
	if (le->mode == LINEEDIT_MODE_CHAR && le->input == LINEEDIT_INPUT_KEYS)
		lineedit_key(le, s, len);
	else
		lineedit_insert(le, s, len);
}

/* Something that is not UTF-8: U+FFFD stands in, so lines stay valid. */
static void lineedit_invalid(struct lineedit *le)
{
	lineedit_char(le, "\xef\xbf\xbd", 3, 0xfffd);
}

/* A pending UTF-8 character cut short by a byte that does not continue it. */
static void lineedit_flush_utf8(struct lineedit *le)
{
	if (le->utf8_len == 0)
		return;
	le->utf8_len = 0;
	lineedit_invalid(le);
}

/* All bytes of a UTF-8 character are in: decode it strictly. */
static void lineedit_utf8_done(struct lineedit *le)
{
	size_t len = le->utf8_len;
	char s[4];
	uint32_t cp;

	memcpy(s, le->utf8, len);
	le->utf8_len = 0;
	/* Overlong forms, surrogates and values past U+10FFFF fail here. */
	if (utf8_decode(s, len, &cp) != len)
		lineedit_invalid(le);
	else
		lineedit_char(le, s, len, cp);
}

/* A byte of 0x80 or more: part of a multi-byte character, or a bad byte. */
static void lineedit_high(struct lineedit *le, unsigned char b)
{
	if ((b & 0xc0) == 0x80) {
		/* A continuation byte with no lead before it is a stray. */
		if (le->utf8_len == 0) {
			lineedit_invalid(le);
			return;
		}
		le->utf8[le->utf8_len++] = b;
		if (le->utf8_len == le->utf8_need)
			lineedit_utf8_done(le);
		return;
	}
	lineedit_flush_utf8(le);
	/* 0xc0, 0xc1 and 0xf5-0xff start nothing valid. */
	le->utf8_need = utf8_lead_len(b);
	if (le->utf8_need == 0) {
		lineedit_invalid(le);
		return;
	}
	le->utf8[0] = b;
	le->utf8_len = 1;
}

/* A byte below 0x80: an editing key, an ignored control, or a character. */
static void lineedit_ascii(struct lineedit *le, unsigned char b)
{
	char c = (char)b;

	switch (b) {
	case '\r':
		le->parse = LINEEDIT_PARSE_AFTER_CR;
		lineedit_enter(le);
		break;
	case '\n':
		lineedit_enter(le);
		break;
	case 0x08: /* Backspace, from some clients and raw sockets */
	case 0x7f: /* DEL, what most telnet clients send for Backspace */
		lineedit_erase_char(le);
		break;
	case 0x15: /* Ctrl-U */
		lineedit_erase_line(le);
		break;
	case 0x03: /* Ctrl-C, a data byte in character mode */
		lineedit_interrupt(le);
		break;
	case 0x1b:
		le->parse = LINEEDIT_PARSE_ESC;
		break;
	case '\t':
		/* A tab's width depends on the terminal; a space's doesn't. */
		lineedit_char(le, " ", 1, ' ');
		break;
	default:
		/* Other controls, NUL included, mean nothing here. */
		if (b >= 0x20)
			lineedit_char(le, &c, 1, b);
		break;
	}
}

/*
 * Whether byte b belongs to the Enter or escape sequence the parser is in.
 * A control byte cuts an escape sequence short and still acts, so ESC then
 * Enter or Ctrl-C is not lost.
 */
static bool lineedit_swallows(struct lineedit *le, unsigned char b)
{
	enum lineedit_parse parse = le->parse;

	le->parse = LINEEDIT_PARSE_NORMAL;
	switch (parse) {
	case LINEEDIT_PARSE_NORMAL:
		return false;
	case LINEEDIT_PARSE_AFTER_CR:
		/* CR LF and CR NUL are one Enter, even split across feeds. */
		return b == '\n' || b == '\0';
	case LINEEDIT_PARSE_ESC:
		if (b < 0x20)
			return false;
		if (b >= 0x80) {
			/* Alt + a multi-byte character: assemble, then drop. */
			le->drop_char = true;
			return false;
		}
		if (b == '[')
			le->parse = LINEEDIT_PARSE_CSI;
		else if (b == 'O')
			le->parse = LINEEDIT_PARSE_SS3;
		return true;
	case LINEEDIT_PARSE_CSI:
		/* Parameter and intermediate bytes; a final byte ends it. */
		if (b >= 0x20 && b <= 0x3f) {
			le->parse = LINEEDIT_PARSE_CSI;
			return true;
		}
		return b >= 0x40 && b <= 0x7e;
	case LINEEDIT_PARSE_SS3:
		return b >= 0x20 && b <= 0x7e;
	}
	return false;
}

/* Runs one byte through the parser with the mode and input kind of now. */
static void lineedit_byte(struct lineedit *le, unsigned char b)
{
	if (lineedit_swallows(le, b))
		return;
	if (b >= 0x80) {
		lineedit_high(le, b);
		return;
	}
	lineedit_flush_utf8(le);
	lineedit_ascii(le, b);
}

/* Returns a new editor in line mode with KEYS input; the caller owns it. */
struct lineedit *lineedit_new(lineedit_cb cb, void *ctx)
{
	struct lineedit *le = xcalloc(1, sizeof(*le));

	le->cb = cb;
	le->ctx = ctx;
	le->mode = LINEEDIT_MODE_LINE;
	le->input = LINEEDIT_INPUT_KEYS;
	le->parse = LINEEDIT_PARSE_NORMAL;
	return le;
}

/* Frees the editor; NULL is allowed. */
void lineedit_free(struct lineedit *le)
{
	if (le != NULL)
		free(le->line);
	free(le);
}

/* Switches line or character mode; the partial line is kept. */
void lineedit_set_mode(struct lineedit *le, enum lineedit_mode mode)
{
	le->mode = mode;
}

/* The current mode. */
enum lineedit_mode lineedit_mode(const struct lineedit *le)
{
	return le->mode;
}

/*
 * Says what kind of input comes next. A different kind starts from an
 * empty line, without echo: the caller shows a new prompt anyway. The byte
 * parser's state (a CR awaiting its LF, an escape) is kept.
 */
void lineedit_set_input(struct lineedit *le, enum lineedit_input input)
{
	if (input != le->input)
		lineedit_reset(le);
	le->input = input;
}

/* The current input kind. */
enum lineedit_input lineedit_input(const struct lineedit *le)
{
	return le->input;
}

/* Feeds bytes until one is reported on; returns how many were used. */
size_t lineedit_step(struct lineedit *le, const char *buf, size_t len)
{
	const unsigned char *u = (const unsigned char *)buf;
	size_t i = 0;

	le->reported = false;
	while (i < len && !le->reported)
		lineedit_byte(le, u[i++]);
	return i;
}

/* Feeds bytes; each is handled with the settings current at its turn. */
void lineedit_feed(struct lineedit *le, const char *buf, size_t len)
{
	while (len > 0) {
		size_t n = lineedit_step(le, buf, len);

		buf += n;
		len -= n;
	}
}

/* Drops the partly typed line without echo. */
void lineedit_clear(struct lineedit *le)
{
	lineedit_reset(le);
}

/* The partly typed line, NUL-terminated, owned by le; *len may be NULL. */
const char *lineedit_pending(const struct lineedit *le, size_t *len)
{
	if (len != NULL)
		*len = le->len;
	/* After an Enter line[] keeps the old line until typing resumes. */
	return le->len > 0 ? le->line : "";
}
