/*
 * mem: allocation wrappers that abort with a message on failure. No I/O
 * but that message; nothing about sockets, telnet or the terminal.
 */
#include "mem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Says what failed and aborts: a program out of memory cannot keep its
 * promises, and there is nothing sensible left to do. The name is the
 * running program's (hotlined, hotline, hotline-bench).
 */
static void mem_out_of_memory(size_t size)
{
	fprintf(stderr, "%s: out of memory allocating %zu bytes\n",
		program_invocation_short_name, size);
	abort();
}

/* malloc that never returns NULL. */
void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		mem_out_of_memory(size);
	return p;
}

/* calloc that never returns NULL. */
void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		mem_out_of_memory(n * size);
	return p;
}

/* realloc that never returns NULL. */
void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		mem_out_of_memory(size);
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
		mem_out_of_memory(strlen(fmt));
	va_end(ap);
	return s;
}
