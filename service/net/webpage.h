/*
 * webpage: the browser caller's page in memory. At startup it reads the
 * files of proto/http.c's fixed asset table from the page's folder (web/,
 * with xterm.js that `npm ci` put there), once; every request is then
 * answered from memory, and no name from a URL ever reaches the file
 * system. Knows nothing of sockets, HTTP parsing or WebSocket.
 */
#ifndef HOTLINE_WEBPAGE_H
#define HOTLINE_WEBPAGE_H

#include <stddef.h>

#include "proto/http.h"

/* Largest page file read: xterm.js is about 500 KiB. */
#define WEBPAGE_MAX_FILE (4 * 1024 * 1024)

struct webpage;

/*
 * Reads every asset under dir. NULL if one is missing, unreadable or too
 * big, with why in err ("web/xterm/xterm.js: No such file or directory").
 */
struct webpage *webpage_load(const char *dir, char *err, size_t errsize);
void webpage_free(struct webpage *page);
/* The body of asset (a row of http_assets) and its length. */
const char *webpage_body(const struct webpage *page,
			 const struct http_asset *asset, size_t *len);

#endif
