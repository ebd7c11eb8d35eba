/*
 * webpage: the page's files read once into memory (see webpage.h).
 */
#include "webpage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct webpage_file {
	char *data;
	size_t len;
};

struct webpage {
	struct webpage_file *files; /* one per row of http_assets */
};

/* Reads a whole file of at most WEBPAGE_MAX_FILE bytes: 0, or -1 with errno. */
static int read_file(const char *path, struct webpage_file *f)
{
	FILE *fp = fopen(path, "rb");
	size_t cap = 64 * 1024;
	int rv = -1;

	if (fp == NULL)
		return -1;
	f->data = xmalloc(cap);
	f->len = 0;
	for (;;) {
		size_t n = fread(f->data + f->len, 1, cap - f->len, fp);

		f->len += n;
		if (n == 0) {
			if (ferror(fp))
				goto out;
			break;
		}
		if (f->len == cap) {
			if (cap >= WEBPAGE_MAX_FILE) {
				errno = EFBIG;
				goto out;
			}
			cap *= 2;
			f->data = xrealloc(f->data, cap);
		}
	}
	rv = 0;
out:
	fclose(fp);
	return rv;
}

struct webpage *webpage_load(const char *dir, char *err, size_t errsize)
{
	struct webpage *page = xcalloc(1, sizeof(*page));

	page->files = xcalloc(http_nassets, sizeof(*page->files));
	for (size_t i = 0; i < http_nassets; i++) {
		char *path = xasprintf("%s/%s", dir, http_assets[i].file);

		if (read_file(path, &page->files[i]) < 0) {
			snprintf(err, errsize, "%s: %s", path, strerror(errno));
			free(path);
			webpage_free(page);
			return NULL;
		}
		free(path);
	}
	return page;
}

void webpage_free(struct webpage *page)
{
	if (page == NULL)
		return;
	for (size_t i = 0; i < http_nassets; i++)
		free(page->files[i].data);
	free(page->files);
	free(page);
}

const char *webpage_body(const struct webpage *page,
			 const struct http_asset *asset, size_t *len)
{
	size_t i = (size_t)(asset - http_assets);

	*len = page->files[i].len;
	return page->files[i].data;
}
