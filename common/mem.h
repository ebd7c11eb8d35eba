/*
 * mem: allocation wrappers that print a message and abort instead of
 * returning NULL, and the length of an array. hotlined, hotline, the
 * bench and the tests all allocate through these, so no caller checks
 * for NULL. Knows nothing else: no sockets, telnet, sessions or terminal.
 */
#ifndef HOTLINE_MEM_H
#define HOTLINE_MEM_H

#include <stddef.h>

/* Elements in an array (not a pointer). */
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* malloc that never returns NULL; the caller owns the block. */
void *xmalloc(size_t size);
/* calloc that never returns NULL; the caller owns the zeroed block. */
void *xcalloc(size_t n, size_t size);
/* realloc that never returns NULL. */
void *xrealloc(void *ptr, size_t size);
/* strdup that never returns NULL; the caller owns the copy. */
char *xstrdup(const char *s);
/* The first n bytes of s (it has that many) as a new string; the caller owns it. */
char *xstrndup(const char *s, size_t n);
/* printf into a new string; the caller owns it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
