/*
 * strbuf: a growable byte buffer, always NUL-terminated, for building
 * text whose length is not known in advance. It grows through xrealloc,
 * so appending never fails; bounding what goes in is the caller's job.
 * Knows nothing of what the bytes mean.
 */
#ifndef HOTLINE_STRBUF_H
#define HOTLINE_STRBUF_H

#include <stddef.h>

/* A growable byte buffer; always NUL-terminated after data[len]. */
struct strbuf {
	char *data; /* NULL until the first append; owned by the strbuf */
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

#endif
