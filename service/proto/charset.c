/*
 * charset: converts a caller's terminal encoding to and from the UTF-8
 * used inside, with one iconv pair per connection. UTF-8 callers pass
 * through untouched. Decoding keeps an incomplete trailing sequence for
 * the next read and turns undecodable bytes into U+FFFD; encoding turns
 * characters the caller's encoding lacks, and invalid UTF-8, into '?'.
 *
 * Encodings are interned in a small table by name, the first time a menu
 * file names one, after iconv has shown it can convert it both ways and
 * leaves ASCII alone. The table lives as long as the process: a session
 * holds a pointer across reloads, and the chat room's cache of converted
 * lines is keyed by the index.
 *
 * No I/O; knows nothing of telnet or sessions.
 */
#include "charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "utf8.h"

/* Output bytes per iconv call: a bounded stack buffer flushed into the strbuf. */
#define CHARSET_CHUNK 256
/*
 * Longest incomplete sequence kept between calls. GBK and Big5 need 1
 * byte; 8 leaves room for 4-byte encodings such as GB18030 and for the
 * escape sequences of ISO-2022-JP. A longer tail cannot be a real
 * character and is treated as undecodable.
 */
#define CHARSET_MAX_PENDING 8
/* Bytes that must mean the same in every encoding: all of ASCII. */
#define CHARSET_ASCII 128

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
static const char charset_replacement[] = "\xef\xbf\xbd";

struct charset {
	unsigned index; /* its row in charset_table */
	/* Lower-case letters and digits of the name: what lookups compare. */
	char key[CHARSET_NAME_MAX + 1];
	char name[CHARSET_NAME_MAX + 1];       /* shown by /wire, lower case */
	char iconv_name[CHARSET_NAME_MAX + 1]; /* as written; iconv took it */
};

/*
 * Every encoding interned so far, UTF-8 first. Only the menu loader adds
 * rows, on the event loop's thread; rows never change once added.
 */
static struct charset charset_table[CHARSET_MAX] = {
	{ .index = 0, .key = "utf8", .name = "utf-8", .iconv_name = "UTF-8" },
};
static unsigned charset_count = 1;

struct charset_conv {
	const struct charset *cs;
	const struct charset *open_cs; /* what the pair below was opened for */
	iconv_t dec; /* caller's encoding to UTF-8; (iconv_t)-1 if closed */
	iconv_t enc; /* UTF-8 to caller's encoding; (iconv_t)-1 if closed */
	bool broken; /* iconv_open failed for cs: ASCII only */
	char pending[CHARSET_MAX_PENDING]; /* incomplete input sequence */
	size_t pending_len;
};

/* --- the table of encodings ------------------------------------------ */

/* UTF-8, the first row. */
const struct charset *charset_utf8(void)
{
	return &charset_table[0];
}

/* The name shown for the encoding; NULL stands for UTF-8. */
const char *charset_name(const struct charset *cs)
{
	return cs != NULL ? cs->name : charset_table[0].name;
}

/* The encoding's row, below CHARSET_MAX; UTF-8 (and NULL) is 0. */
unsigned charset_index(const struct charset *cs)
{
	return cs != NULL ? cs->index : 0;
}

/* Whether cs is UTF-8 (NULL counts as UTF-8). */
bool charset_is_utf8(const struct charset *cs)
{
	return cs == NULL || cs == &charset_table[0];
}

/*
 * Fills key with the lower-case letters and digits of name, and lower
 * with all of name in lower case. -1 if name is empty, too long, holds
 * anything but ASCII letters, digits, '-', '_', '.' and ':' (so no
 * "//TRANSLIT" suffix reaches iconv), or has no letter or digit.
 */
static int charset_make_key(const char *name, char *key, char *lower)
{
	size_t n = 0, i;

	for (i = 0; name[i] != '\0'; i++) {
		char c = name[i];

		if (i == CHARSET_NAME_MAX)
			return -1;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		lower[i] = c;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			key[n++] = c;
		else if (c != '-' && c != '_' && c != '.' && c != ':')
			return -1;
	}
	lower[i] = '\0';
	key[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* Whether cd converts every ASCII byte, NUL to DEL, to itself. */
static bool charset_keeps_ascii(iconv_t cd)
{
	char ascii[CHARSET_ASCII], buf[CHARSET_CHUNK];
	char *ip = ascii, *op = buf;
	size_t il = sizeof(ascii), ol = sizeof(buf);

	for (size_t i = 0; i < sizeof(ascii); i++)
		ascii[i] = (char)i;
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 ||
	    iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1)
		return false;
	return sizeof(buf) - ol == sizeof(ascii) &&
	       memcmp(buf, ascii, sizeof(ascii)) == 0;
}

/*
 * Whether iconv can serve callers in the encoding called name: open both
 * ways, and ASCII unchanged both ways (menu keys, Enter, Backspace and
 * telnet commands are ASCII, and the server matches them as bytes).
 */
static enum charset_status charset_probe(const char *name)
{
	enum charset_status st = CHARSET_UNKNOWN;
	iconv_t dec = iconv_open("UTF-8", name);
	iconv_t enc = (iconv_t)-1;

	if (dec == (iconv_t)-1)
		goto out;
	enc = iconv_open(name, "UTF-8");
	if (enc == (iconv_t)-1)
		goto out;
	st = charset_keeps_ascii(dec) && charset_keeps_ascii(enc)
		     ? CHARSET_OK
		     : CHARSET_NOT_ASCII;
out:
	if (dec != (iconv_t)-1)
		iconv_close(dec);
	if (enc != (iconv_t)-1)
		iconv_close(enc);
	return st;
}

/* Finds an encoding by name, interning it the first time (see charset.h). */
enum charset_status charset_lookup(const char *name, const struct charset **out)
{
	char key[CHARSET_NAME_MAX + 1], lower[CHARSET_NAME_MAX + 1];
	struct charset *cs;
	enum charset_status st;

	if (charset_make_key(name, key, lower) < 0)
		return CHARSET_BAD_NAME;
	for (unsigned i = 0; i < charset_count; i++)
		if (strcmp(charset_table[i].key, key) == 0) {
			*out = &charset_table[i];
			return CHARSET_OK;
		}
	st = charset_probe(name);
	if (st != CHARSET_OK)
		return st;
	if (charset_count == CHARSET_MAX)
		return CHARSET_TOO_MANY;
	cs = &charset_table[charset_count];
	cs->index = charset_count++;
	memcpy(cs->key, key, sizeof(key));
	memcpy(cs->name, lower, sizeof(lower));
	snprintf(cs->iconv_name, sizeof(cs->iconv_name), "%s", name);
	*out = cs;
	return CHARSET_OK;
}

/* --- one caller's converter ------------------------------------------ */

/* Closes the iconv pair, if open. */
static void charset_conv_close(struct charset_conv *cv)
{
	if (cv->dec != (iconv_t)-1)
		iconv_close(cv->dec);
	if (cv->enc != (iconv_t)-1)
		iconv_close(cv->enc);
	cv->dec = (iconv_t)-1;
	cv->enc = (iconv_t)-1;
}

/*
 * Opens the iconv pair for cv->cs on first use. Returns 0, or -1 if iconv
 * fails now although it opened the encoding at load time (gconv modules
 * removed, no memory): the converter then keeps to ASCII rather than pass
 * foreign bytes inside as if they were UTF-8.
 */
static int charset_conv_open(struct charset_conv *cv)
{
	const char *name = cv->cs->iconv_name;

	if (cv->dec != (iconv_t)-1 && cv->open_cs == cv->cs)
		return 0;
	if (cv->broken)
		return -1;
	charset_conv_close(cv);
	cv->dec = iconv_open("UTF-8", name);
	if (cv->dec != (iconv_t)-1)
		cv->enc = iconv_open(name, "UTF-8");
	if (cv->enc == (iconv_t)-1) {
		fprintf(stderr, "hotlined: iconv_open %s: %s; using ASCII\n",
			name, strerror(errno));
		charset_conv_close(cv);
		cv->broken = true;
		return -1;
	}
	cv->open_cs = cv->cs;
	return 0;
}

/* Returns a converter; the caller owns it. iconv opens on first use. */
struct charset_conv *charset_conv_new(const struct charset *cs)
{
	struct charset_conv *cv = xcalloc(1, sizeof(*cv));

	cv->dec = (iconv_t)-1;
	cv->enc = (iconv_t)-1;
	charset_conv_set(cv, cs);
	return cv;
}

/* Frees the converter and its iconv pair; NULL is fine. */
void charset_conv_free(struct charset_conv *cv)
{
	if (cv == NULL)
		return;
	charset_conv_close(cv);
	free(cv);
}

/* The caller's current encoding. */
const struct charset *charset_conv_charset(const struct charset_conv *cv)
{
	return cv->cs;
}

/* Switches encoding and resets all state, dropping any partial input. */
void charset_conv_set(struct charset_conv *cv, const struct charset *cs)
{
	if (cs == NULL)
		cs = charset_utf8();
	if (cs != cv->cs) {
		charset_conv_close(cv);
		cv->broken = false;
	}
	cv->cs = cs;
	cv->pending_len = 0;
	/* Back to the initial shift state (a no-op for GBK and Big5). */
	if (cv->dec != (iconv_t)-1)
		iconv(cv->dec, NULL, NULL, NULL, NULL);
	if (cv->enc != (iconv_t)-1)
		iconv(cv->enc, NULL, NULL, NULL, NULL);
}

/*
 * Decodes *in as far as it goes, appending UTF-8 to out; each undecodable
 * byte becomes U+FFFD. Stops at an incomplete sequence at the end, which
 * stays in *in / *len.
 */
static void charset_decode_run(struct charset_conv *cv, const char **in,
			       size_t *len, struct strbuf *out)
{
	char buf[CHARSET_CHUNK];

	while (*len > 0) {
		char *ip = (char *)*in; /* iconv's prototype is not const */
		char *op = buf;
		size_t ol = sizeof(buf);
		size_t r = iconv(cv->dec, &ip, len, &op, &ol);
		int err = errno;

		strbuf_append(out, buf, sizeof(buf) - ol);
		*in = ip;
		if (r != (size_t)-1 || err == EINVAL)
			break;
		if (err == E2BIG)
			continue;
		/* EILSEQ: skip one byte and try again from the next. */
		strbuf_append_str(out, charset_replacement);
		(*in)++;
		(*len)--;
	}
}

/* Keeps an incomplete tail (which may lie in cv->pending) for the next call. */
static void charset_keep(struct charset_conv *cv, const char *tail, size_t n,
			 struct strbuf *out)
{
	/* Leave room for the byte the next call adds. */
	while (n > CHARSET_MAX_PENDING - 1) {
		strbuf_append_str(out, charset_replacement);
		tail++;
		n--;
	}
	memmove(cv->pending, tail, n);
	cv->pending_len = n;
}

/* Decodes without iconv: ASCII stays, everything else is U+FFFD. */
static void charset_decode_ascii(const char *in, size_t len, struct strbuf *out)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)in[i] < 0x80)
			strbuf_append_char(out, in[i]);
		else
			strbuf_append_str(out, charset_replacement);
	}
}

/* Appends the UTF-8 form of the caller's bytes to out. */
void charset_decode(struct charset_conv *cv, const char *in, size_t len,
		    struct strbuf *out)
{
	if (charset_is_utf8(cv->cs)) {
		strbuf_append(out, in, len);
		return;
	}
	if (charset_conv_open(cv) != 0) {
		charset_decode_ascii(in, len, out);
		return;
	}
	/* Finish the kept sequence first, one new byte at a time. */
	while (cv->pending_len > 0 && len > 0) {
		const char *p = cv->pending;
		size_t plen;

		cv->pending[cv->pending_len++] = *in++;
		len--;
		plen = cv->pending_len;
		charset_decode_run(cv, &p, &plen, out);
		charset_keep(cv, p, plen, out);
	}
	if (len == 0)
		return;
	charset_decode_run(cv, &in, &len, out);
	charset_keep(cv, in, len, out);
}

/* Encodes without iconv: ASCII stays, every other character is '?'. */
static void charset_encode_ascii(const char *in, size_t len, struct strbuf *out)
{
	while (len > 0) {
		uint32_t cp;
		size_t n = utf8_decode(in, len, &cp);

		if (n == 1)
			strbuf_append_char(out, in[0]);
		else
			strbuf_append_char(out, '?');
		if (n == 0)
			n = 1;
		in += n;
		len -= n;
	}
}

/*
 * Runs *in (*len bytes) through the encoder, appending what it makes to
 * out, until all of it is done (returns 0) or iconv stops at what it
 * cannot convert (returns -1, with *in there). A NULL *in appends what
 * brings the encoding back to its initial shift state.
 */
static int charset_encode_run(struct charset_conv *cv, const char **in,
			      size_t *len, struct strbuf *out)
{
	char buf[CHARSET_CHUNK];

	for (;;) {
		char *ip = (char *)*in; /* iconv's prototype is not const */
		char *op = buf;
		size_t ol = sizeof(buf);
		size_t r = iconv(cv->enc, ip != NULL ? &ip : NULL, len, &op,
				 &ol);
		int err = errno;

		strbuf_append(out, buf, sizeof(buf) - ol);
		if (ip != NULL)
			*in = ip;
		if (r != (size_t)-1)
			return 0;
		if (err != E2BIG)
			return -1;
	}
}

/* Appends the caller's-encoding form of UTF-8 text to out. */
void charset_encode(struct charset_conv *cv, const char *in, size_t len,
		    struct strbuf *out)
{
	const char *reset = NULL;

	if (charset_is_utf8(cv->cs)) {
		strbuf_append(out, in, len);
		return;
	}
	if (charset_conv_open(cv) != 0) {
		charset_encode_ascii(in, len, out);
		return;
	}
	while (len > 0 && charset_encode_run(cv, &in, &len, out) < 0) {
		const char *q = "?";
		size_t qlen = 1;
		uint32_t cp;
		/*
		 * EILSEQ: a character the encoding lacks (skip all of it) or
		 * invalid UTF-8 (skip one byte); EINVAL: UTF-8 cut short at
		 * the end, invalid as well since our text comes whole.
		 */
		size_t skip = utf8_decode(in, len, &cp);

		if (skip == 0)
			skip = 1;
		/* Through iconv: in a shifted state a bare '?' means another. */
		charset_encode_run(cv, &q, &qlen, out);
		in += skip;
		len -= skip;
	}
	/* Each piece ends unshifted, so pieces can be shared and reordered. */
	charset_encode_run(cv, &reset, NULL, out);
}
