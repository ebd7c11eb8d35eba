/*
 * nicks: the nicknames seen in server text, for Tab completion. A bounded
 * set, newest first; the oldest name goes when it is full. Lines of chat
 * ("[12:34:56] nick: text", "[12:34:56] * nick waves"), announcements
 * ("*** nick joined", "*** old is now known as new", "*** nick left") and
 * /who listings ("nick   idle 3s") feed it.
 *
 * Pure: no I/O, no readline; it only reads lines it is given.
 */
#ifndef HOTLINE_CLIENT_NICKS_H
#define HOTLINE_CLIENT_NICKS_H

#include <stdbool.h>
#include <stddef.h>

/* Names kept: a big room's worth; completion lists them all. */
#define NICKS_MAX 256
/* Longest name kept, in bytes (the server allows 16 characters, CJK is 3 bytes). */
#define NICKS_MAX_LEN 64
/* Longest timestamp between "[" and "] " that a chat line may start with. */
#define NICKS_MAX_STAMP 24

struct nicks;

/* Returns an empty set; the caller owns it. */
struct nicks *nicks_new(void);
/* Frees the set; NULL is fine. */
void nicks_free(struct nicks *n);

/* Adds a name or makes it the newest; ignores what is no valid name. */
void nicks_add(struct nicks *n, const char *nick, size_t len);
/* Removes a name if present. */
void nicks_remove(struct nicks *n, const char *nick, size_t len);
/* Reads one line of server text (no "\n") and learns what it says about names. */
void nicks_scan_line(struct nicks *n, const char *line, size_t len);

size_t nicks_count(const struct nicks *n);
/* The i-th name, newest first; owned by the set, valid until it changes. */
const char *nicks_get(const struct nicks *n, size_t i);
/* Whether the set holds this name. */
bool nicks_has(const struct nicks *n, const char *nick);

#endif
