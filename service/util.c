/*
 * util: allocation wrappers, strbuf and UTF-8 helpers. No I/O but the
 * abort message on allocation failure.
 */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints what failed and aborts: a server out of memory cannot keep promises. */
static void out_of_memory(size_t size)
{
	fprintf(stderr, "hotlined: out of memory allocating %zu bytes\n", size);
	abort();
}

/* malloc that never returns NULL. */
void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		out_of_memory(size);
	return p;
}

/* calloc that never returns NULL. */
void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory(n * size);
	return p;
}

/* realloc that never returns NULL. */
void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		out_of_memory(size);
	return p;
}

/* strdup that never returns NULL. */
char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* strndup that never returns NULL. */
char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* vasprintf that never returns NULL. */
char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory(strlen(fmt));
	va_end(ap);
	return s;
}

/* Empties a strbuf without allocating. */
void strbuf_init(struct strbuf *sb)
{
	sb->data = NULL;
	sb->len = 0;
	sb->cap = 0;
}

/* Frees a strbuf's storage. */
void strbuf_fini(struct strbuf *sb)
{
	free(sb->data);
	strbuf_init(sb);
}

/* Drops the contents, keeping the storage. */
void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->data != NULL)
		sb->data[0] = '\0';
}

/* Makes room for n more bytes and the terminating NUL. */
static void strbuf_grow(struct strbuf *sb, size_t n)
{
	size_t need = sb->len + n + 1;

	if (need <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	sb->data = xrealloc(sb->data, cap);
	sb->cap = cap;
}

/* Appends len bytes. */
void strbuf_append(struct strbuf *sb, const void *data, size_t len)
{
	strbuf_grow(sb, len);
	if (len > 0)
		memcpy(sb->data + sb->len, data, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
}

/* Appends a C string. */
void strbuf_append_str(struct strbuf *sb, const char *s)
{
	strbuf_append(sb, s, strlen(s));
}

/* Appends one byte. */
void strbuf_append_char(struct strbuf *sb, char c)
{
	strbuf_append(sb, &c, 1);
}

/* Appends printf output. */
void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap, ap2;
	int n;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0) {
		strbuf_grow(sb, (size_t)n);
		vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap2);
		sb->len += (size_t)n;
	}
	va_end(ap2);
}

/* Length of a UTF-8 sequence from its lead byte; 0 for a continuation or invalid byte. */
size_t utf8_lead_len(unsigned char b)
{
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	if (b >= 0xf0 && b <= 0xf4)
		return 4;
	return 0;
}

/* Decodes one strict UTF-8 character; 0 if invalid or incomplete. */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;
	uint32_t c;

	if (len == 0)
		return 0;
	n = utf8_lead_len(u[0]);
	if (n == 0 || n > len)
		return 0;
	if (n == 1) {
		*cp = u[0];
		return 1;
	}
	c = u[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (u[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and values past Unicode. */
	if ((n == 3 && c < 0x800) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Steps back from the end of s over one character, for erasing it whole. */
size_t utf8_last_len(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 1;

	if (len == 0)
		return 0;
	/* A character is a lead and at most three continuation bytes. */
	while (n < len && n < 4 && (u[len - n] & 0xc0) == 0x80)
		n++;
	if (utf8_lead_len(u[len - n]) == n)
		return n;
	return 1;
}

/* Display width: wide CJK ranges take two columns, controls none. */
int utf8_width(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
	    (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
	    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) ||
	    (cp >= 0x1f300 && cp <= 0x1f64f) ||
	    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
	    (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

/* Whether the whole buffer is strict UTF-8. */
bool utf8_is_valid(const char *s, size_t len)
{
	uint32_t cp;

	while (len > 0) {
		size_t n = utf8_decode(s, len, &cp);

		if (n == 0)
			return false;
		s += n;
		len -= n;
	}
	return true;
}
