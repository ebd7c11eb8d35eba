/*
 * mem: allocation wrappers that abort with a message on failure. No other
 * I/O; nothing about sockets, telnet or the terminal.
 */
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Says what failed and aborts: there is nothing sensible left to do. */
static void mem_out_of_memory(size_t size)
{
	fprintf(stderr, "hotline: out of memory allocating %zu bytes\n", size);
	abort();
}

/* malloc that never returns NULL. */
void *mem_alloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		mem_out_of_memory(size);
	return p;
}

/* calloc of one zeroed block that never returns NULL. */
void *mem_zalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (p == NULL)
		mem_out_of_memory(size);
	return p;
}

/* realloc that never returns NULL. */
void *mem_realloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		mem_out_of_memory(size);
	return p;
}

/* strndup that never returns NULL. */
char *mem_strndup(const char *s, size_t n)
{
	char *p = mem_alloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* strdup that never returns NULL. */
char *mem_strdup(const char *s)
{
	return mem_strndup(s, strlen(s));
}
