/*
 * text: pure conversions between the server's telnet text, the screen,
 * stdin and readline's prompt. Knows nothing of sockets, telnet options,
 * the terminal or readline's state.
 */
#include "text.h"

#include <string.h>

#include "utf8.h"

#define TEXT_ESC 0x1b
#define TEXT_BEL 0x07
/* readline's markers around invisible prompt characters. */
#define TEXT_IGNORE_START '\001'
#define TEXT_IGNORE_END '\002'

/* Starts a stream with nothing held. */
void text_in_init(struct text_in *ti)
{
	ti->cr = false;
}

/* Server to screen; see text.h for the rules. */
size_t text_in_convert(struct text_in *ti, const char *in, size_t len,
		       char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char b = in[i];

		if (ti->cr) {
			ti->cr = false;
			if (b == '\n') {
				out[n++] = '\n';
				continue;
			}
			out[n++] = '\r';
			if (b == '\0')
				continue;
		}
		if (b == '\r')
			ti->cr = true;
		else if (b != '\0')
			out[n++] = b;
	}
	return n;
}

/* Lets out the CR held at the end of the stream. */
size_t text_in_finish(struct text_in *ti, char *out)
{
	if (!ti->cr)
		return 0;
	ti->cr = false;
	out[0] = '\r';
	return 1;
}

/* Starts a stream at the beginning of a line. */
void text_out_init(struct text_out *to)
{
	to->cr = false;
	to->line_open = false;
}

/* Appends the telnet line end. */
static size_t text_out_eol(struct text_out *to, char *out)
{
	to->line_open = false;
	out[0] = '\r';
	out[1] = '\n';
	return 2;
}

/* Stdin to server; see text.h for the rules. */
size_t text_out_convert(struct text_out *to, const char *in, size_t len,
			char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char b = in[i];

		if (to->cr) {
			to->cr = false;
			n += text_out_eol(to, out + n);
			if (b == '\n')
				continue; /* CR LF is one line end */
		}
		if (b == '\r') {
			to->cr = true;
		} else if (b == '\n') {
			n += text_out_eol(to, out + n);
		} else {
			out[n++] = b;
			to->line_open = true;
		}
	}
	return n;
}

/* Ends the last line if stdin did not. */
size_t text_out_finish(struct text_out *to, char *out)
{
	if (to->cr || to->line_open) {
		to->cr = false;
		return text_out_eol(to, out);
	}
	return 0;
}

/* Starts with an empty line. */
void text_lines_init(struct text_lines *tl)
{
	tl->len = 0;
}

/* Splits screen text into lines, keeping at most TEXT_MAX_LINE bytes of each. */
void text_lines_feed(struct text_lines *tl, const char *buf, size_t len,
		     text_line_cb cb, void *ctx)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n') {
			if (tl->len < sizeof(tl->buf))
				tl->buf[tl->len++] = buf[i];
			continue;
		}
		size_t n = tl->len;

		if (n > 0 && tl->buf[n - 1] == '\r')
			n--;
		tl->len = 0;
		cb(ctx, tl->buf, n);
	}
}

/* Length of the escape sequence at s (s[0] is ESC), within len bytes. */
static size_t text_escape_len(const unsigned char *s, size_t len)
{
	size_t i = 1;

	if (len < 2)
		return len;
	if (s[1] == '[') {
		/* CSI: parameters and intermediates, then one final byte. */
		for (i = 2; i < len; i++) {
			if (s[i] >= 0x40 && s[i] <= 0x7e)
				return i + 1;
		}
		return len;
	}
	if (s[1] == ']') {
		/* OSC: up to BEL or ESC backslash. */
		for (i = 2; i < len; i++) {
			if (s[i] == TEXT_BEL)
				return i + 1;
			if (s[i] == TEXT_ESC && i + 1 < len && s[i + 1] == '\\')
				return i + 2;
		}
		return len;
	}
	/* ESC, intermediates (0x20-0x2f), one final byte. */
	while (i < len && s[i] >= 0x20 && s[i] <= 0x2f)
		i++;
	return i < len ? i + 1 : len;
}

/* The server's unfinished line as a prompt; see text.h. */
size_t text_prompt(const char *in, size_t len, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t start = 0, n = 0, i;

	if (cap == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '\r')
			start = i + 1;
	}
	for (i = start; i < len;) {
		if (s[i] == TEXT_ESC) {
			size_t e = text_escape_len(s + i, len - i);

			if (n + e + 2 >= cap)
				break;
			out[n++] = TEXT_IGNORE_START;
			memcpy(out + n, s + i, e);
			n += e;
			out[n++] = TEXT_IGNORE_END;
			i += e;
			continue;
		}
		if (s[i] < 0x20 || s[i] == 0x7f) {
			i++;
			continue;
		}
		size_t c = utf8_lead_len(s[i]);

		if (c == 0)
			c = 1; /* a byte that starts no character goes alone */
		if (c > len - i)
			c = len - i;
		if (n + c >= cap)
			break; /* never half a character */
		memcpy(out + n, s + i, c);
		n += c;
		i += c;
	}
	out[n] = '\0';
	return n;
}
