/*
 * charset: converts between a caller's terminal encoding and the UTF-8
 * used everywhere inside, at the edge, both ways, with iconv. An encoding
 * is data: any name iconv knows (menu files name them), interned once so
 * that the rest of the server holds and compares a pointer. A sequence
 * split across reads is kept until its end arrives. Bytes that cannot be
 * decoded become U+FFFD; characters the caller's encoding lacks become '?'.
 * No I/O; knows nothing of telnet or sessions.
 */
#ifndef HOTLINE_CHARSET_H
#define HOTLINE_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/*
 * Encodings known at once, UTF-8 included: a class uses two or three, and
 * interned encodings live as long as the process (sessions keep pointers
 * to them across reloads), so the table is small and fixed.
 */
#define CHARSET_MAX 16
/* Bytes of an encoding's name ("big5-hkscs", "iso-8859-15"). */
#define CHARSET_NAME_MAX 32

/*
 * One encoding, interned: one per name for the life of the process, so
 * two are the same encoding exactly when the pointers are equal. Never
 * freed by anyone.
 */
struct charset;

/* Why charset_lookup refused a name. */
enum charset_status {
	CHARSET_OK,
	CHARSET_BAD_NAME,  /* empty, too long, not letters, digits, -_.: */
	CHARSET_UNKNOWN,   /* iconv cannot open it both ways */
	CHARSET_NOT_ASCII, /* it changes ASCII, which keys and telnet need */
	CHARSET_TOO_MANY,  /* CHARSET_MAX encodings are interned already */
};

/* UTF-8, every caller's encoding until a language key says otherwise. */
const struct charset *charset_utf8(void);
/*
 * Finds the encoding called name, ignoring case and the punctuation
 * between letters and digits ("UTF8" is "utf-8", "BIG5" is "big5"). The
 * first time a name is seen iconv must open it both ways and leave ASCII
 * as it is; it is then interned. Sets *out and returns CHARSET_OK, or
 * returns why not and leaves *out alone.
 */
enum charset_status charset_lookup(const char *name,
				   const struct charset **out);
/* The name /wire shows, lower case as first written: "utf-8", "gbk", "big5". */
const char *charset_name(const struct charset *cs);
/* A small number for the encoding, below CHARSET_MAX; UTF-8's is 0. */
unsigned charset_index(const struct charset *cs);
bool charset_is_utf8(const struct charset *cs);

struct charset_conv;

/* Returns a converter for one connection; the caller owns it. */
struct charset_conv *charset_conv_new(const struct charset *cs);
void charset_conv_free(struct charset_conv *cv);
const struct charset *charset_conv_charset(const struct charset_conv *cv);
/* Switches encoding (NULL: UTF-8); any partial input sequence is dropped. */
void charset_conv_set(struct charset_conv *cv, const struct charset *cs);

/* Appends the UTF-8 form of the caller's bytes to out. */
void charset_decode(struct charset_conv *cv, const char *in, size_t len,
		    struct strbuf *out);
/*
 * Appends the caller's-encoding form of UTF-8 text to out, ending in the
 * encoding's initial shift state, so that what one call makes can be
 * sent on its own or shared between callers.
 */
void charset_encode(struct charset_conv *cv, const char *in, size_t len,
		    struct strbuf *out);

#endif
