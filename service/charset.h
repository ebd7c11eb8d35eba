/*
 * charset: converts between a caller's terminal encoding and the UTF-8
 * used everywhere inside, at the edge, both ways, with iconv. A sequence
 * split across reads is kept until its end arrives. Bytes that cannot be
 * decoded become U+FFFD; characters the caller's encoding lacks become '?'.
 * No I/O; knows nothing of telnet or sessions.
 */
#ifndef HOTLINE_CHARSET_H
#define HOTLINE_CHARSET_H

#include <stddef.h>

#include "util.h"

enum charset {
	CHARSET_UTF8,
	CHARSET_GBK,
	CHARSET_COUNT,
};

/* "utf-8" or "gbk": the names menu files use. */
const char *charset_name(enum charset cs);
/* Parses a name (case-insensitive, "utf8"/"utf-8", "gbk"); -1 if unknown. */
int charset_from_name(const char *name);

struct charset_conv;

/* Returns a converter for one connection; the caller owns it. */
struct charset_conv *charset_conv_new(enum charset cs);
void charset_conv_free(struct charset_conv *cv);
enum charset charset_conv_charset(const struct charset_conv *cv);
/* Switches encoding; any partial input sequence is dropped. */
void charset_conv_set(struct charset_conv *cv, enum charset cs);

/* Appends the UTF-8 form of the caller's bytes to out. */
void charset_decode(struct charset_conv *cv, const char *in, size_t len,
		    struct strbuf *out);
/* Appends the caller's-encoding form of UTF-8 text to out. */
void charset_encode(struct charset_conv *cv, const char *in, size_t len,
		    struct strbuf *out);

#endif
