/*
 * mem: allocation wrappers for the client that abort with a message
 * instead of returning NULL. Knows nothing else; the client does not link
 * the server's util module, so it keeps its own few lines.
 */
#ifndef HOTLINE_CLIENT_MEM_H
#define HOTLINE_CLIENT_MEM_H

#include <stddef.h>

/* malloc that never returns NULL; the caller owns the block. */
void *mem_alloc(size_t size);
/* calloc that never returns NULL; the caller owns the block. */
void *mem_zalloc(size_t size);
/* realloc that never returns NULL. */
void *mem_realloc(void *ptr, size_t size);
/* strndup that never returns NULL; the caller owns the copy. */
char *mem_strndup(const char *s, size_t n);
/* strdup that never returns NULL; the caller owns the copy. */
char *mem_strdup(const char *s);

#endif
