/*
 * util: allocation wrappers that abort on failure, a growable byte buffer,
 * and UTF-8 helpers shared by the pure modules. Knows nothing of sockets,
 * sessions or menus.
 */
#ifndef HOTLINE_UTIL_H
#define HOTLINE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation wrappers: print a message and abort instead of returning NULL. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string; the caller owns it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer; always NUL-terminated after data[len]. */
struct strbuf {
	char *data;
	size_t len;
	size_t cap;
};

void strbuf_init(struct strbuf *sb);
void strbuf_fini(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_append(struct strbuf *sb, const void *data, size_t len);
void strbuf_append_str(struct strbuf *sb, const char *s);
void strbuf_append_char(struct strbuf *sb, char c);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* UTF-8 bytes in a character that starts with byte b; 0 if b cannot start one. */
size_t utf8_lead_len(unsigned char b);
/*
 * Decodes one UTF-8 character from s (at most len bytes) into *cp.
 * Returns its length, or 0 if s does not start with a complete, valid,
 * shortest-form character (surrogates and values past U+10FFFF are invalid).
 */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);
/*
 * Bytes in the last character of s (len bytes): the lead and its
 * continuation bytes. 1 for a byte that starts no valid shape, 0 if len is 0.
 */
size_t utf8_last_len(const char *s, size_t len);
/* Terminal columns a code point takes: 2 for East Asian wide, 0 for controls. */
int utf8_width(uint32_t cp);
/* Whether all of s is valid UTF-8. */
bool utf8_is_valid(const char *s, size_t len);

#endif
