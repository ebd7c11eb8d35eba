/*
 * charset: converts a caller's terminal encoding to and from the UTF-8
 * used inside, with one iconv pair per connection. UTF-8 callers pass
 * through untouched. Decoding keeps an incomplete trailing sequence for
 * the next read and turns undecodable bytes into U+FFFD; encoding turns
 * characters the caller's encoding lacks, and invalid UTF-8, into '?'.
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
#include <strings.h>

/* Output bytes per iconv call: a bounded stack buffer flushed into the strbuf. */
#define CHARSET_CHUNK 256
/*
 * Longest incomplete sequence kept between calls. GBK needs 1 byte; 8
 * leaves room for 4-byte encodings such as GB18030. A longer tail cannot
 * be a real character and is treated as undecodable.
 */
#define CHARSET_MAX_PENDING 8

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
static const char charset_replacement[] = "\xef\xbf\xbd";

/* The names menu files use. */
/* clang-format off */
static const char *const charset_names[CHARSET_COUNT] = {
	[CHARSET_UTF8] = "utf-8",
	[CHARSET_GBK] = "gbk",
};
/* clang-format on */

/* The names glibc's iconv knows. */
/* clang-format off */
static const char *const charset_iconv_names[CHARSET_COUNT] = {
	[CHARSET_UTF8] = "UTF-8",
	[CHARSET_GBK] = "GBK",
};
/* clang-format on */

struct charset_conv {
	enum charset cs;
	enum charset open_cs; /* encoding the pair below was opened for */
	iconv_t dec; /* caller's encoding to UTF-8; (iconv_t)-1 if closed */
	iconv_t enc; /* UTF-8 to caller's encoding; (iconv_t)-1 if closed */
	bool broken; /* iconv_open failed for cs: ASCII only */
	char pending[CHARSET_MAX_PENDING]; /* incomplete input sequence */
	size_t pending_len;
};

/* "utf-8" or "gbk"; "unknown" for a value outside the enum. */
const char *charset_name(enum charset cs)
{
	if ((unsigned)cs >= CHARSET_COUNT)
		return "unknown";
	return charset_names[cs];
}

/* Parses a charset name, case-insensitive; -1 if unknown. */
int charset_from_name(const char *name)
{
	if (strcasecmp(name, "utf-8") == 0 || strcasecmp(name, "utf8") == 0)
		return CHARSET_UTF8;
	if (strcasecmp(name, "gbk") == 0)
		return CHARSET_GBK;
	return -1;
}

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
 * lacks the encoding (missing gconv modules): the converter then keeps to
 * ASCII rather than pass foreign bytes inside as if they were UTF-8.
 */
static int charset_conv_open(struct charset_conv *cv)
{
	const char *name = charset_iconv_names[cv->cs];

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
struct charset_conv *charset_conv_new(enum charset cs)
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
enum charset charset_conv_charset(const struct charset_conv *cv)
{
	return cv->cs;
}

/* Switches encoding and resets all state, dropping any partial input. */
void charset_conv_set(struct charset_conv *cv, enum charset cs)
{
	if ((unsigned)cs >= CHARSET_COUNT)
		cs = CHARSET_UTF8;
	if (cs != cv->cs) {
		charset_conv_close(cv);
		cv->broken = false;
	}
	cv->cs = cs;
	cv->pending_len = 0;
	/* Back to the initial shift state (a no-op for GBK, but cheap). */
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
	if (cv->cs == CHARSET_UTF8) {
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

/* Appends the caller's-encoding form of UTF-8 text to out. */
void charset_encode(struct charset_conv *cv, const char *in, size_t len,
		    struct strbuf *out)
{
	char buf[CHARSET_CHUNK];

	if (cv->cs == CHARSET_UTF8) {
		strbuf_append(out, in, len);
		return;
	}
	if (charset_conv_open(cv) != 0) {
		charset_encode_ascii(in, len, out);
		return;
	}
	while (len > 0) {
		char *ip = (char *)in; /* iconv's prototype is not const */
		char *op = buf;
		size_t ol = sizeof(buf);
		size_t r = iconv(cv->enc, &ip, &len, &op, &ol);
		int err = errno;
		uint32_t cp;
		size_t skip;

		strbuf_append(out, buf, sizeof(buf) - ol);
		in = ip;
		if (r != (size_t)-1)
			break;
		if (err == E2BIG)
			continue;
		/*
		 * EILSEQ: a character the encoding lacks (skip all of it) or
		 * invalid UTF-8 (skip one byte); EINVAL: UTF-8 cut short at
		 * the end, invalid as well since our text comes whole.
		 */
		skip = utf8_decode(in, len, &cp);
		if (skip == 0)
			skip = 1;
		strbuf_append_char(out, '?');
		in += skip;
		len -= skip;
	}
}
