/*
 * nicks: a bounded, newest-first set of names and the scanner that finds
 * them in lines of server text. Knows nothing of readline or sockets.
 */
#include "nicks.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>

struct nicks {
	char *names[NICKS_MAX]; /* oldest first; each owned by the set */
	size_t count;
};

/* Returns an empty set. */
struct nicks *nicks_new(void)
{
	return xcalloc(1, sizeof(struct nicks));
}

/* Frees the set and its names. */
void nicks_free(struct nicks *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->count; i++)
		free(n->names[i]);
	free(n);
}

/* Whether a byte may be part of a name: no spaces, controls or ':'. */
static bool nicks_is_name_byte(unsigned char b)
{
	return b > 0x20 && b != 0x7f && b != ':';
}

/* Index of the name, or -1. */
static long nicks_find(const struct nicks *n, const char *nick, size_t len)
{
	for (size_t i = 0; i < n->count; i++) {
		if (strlen(n->names[i]) == len &&
		    memcmp(n->names[i], nick, len) == 0)
			return (long)i;
	}
	return -1;
}

/* Takes out the name at index i, handing it to the caller. */
static char *nicks_take(struct nicks *n, size_t i)
{
	char *name = n->names[i];

	memmove(&n->names[i], &n->names[i + 1],
		(n->count - i - 1) * sizeof(n->names[0]));
	n->count--;
	return name;
}

/* Adds a name as the newest, dropping the oldest when full. */
void nicks_add(struct nicks *n, const char *nick, size_t len)
{
	long at;
	char *name;

	if (len == 0 || len > NICKS_MAX_LEN)
		return;
	for (size_t i = 0; i < len; i++) {
		if (!nicks_is_name_byte((unsigned char)nick[i]))
			return;
	}
	at = nicks_find(n, nick, len);
	if (at >= 0) {
		name = nicks_take(n, (size_t)at);
	} else {
		if (n->count == NICKS_MAX)
			free(nicks_take(n, 0));
		name = xstrndup(nick, len);
	}
	n->names[n->count++] = name;
}

/* Removes a name if present. */
void nicks_remove(struct nicks *n, const char *nick, size_t len)
{
	long at = nicks_find(n, nick, len);

	if (at >= 0)
		free(nicks_take(n, (size_t)at));
}

/* Bytes of the name at s (up to len), stopping at a space, control or ':'. */
static size_t nicks_token(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && nicks_is_name_byte((unsigned char)s[i]))
		i++;
	return i;
}

/* Whether s (len bytes) starts with the string p. */
static bool nicks_starts(const char *s, size_t len, const char *p)
{
	size_t plen = strlen(p);

	return len >= plen && memcmp(s, p, plen) == 0;
}

/*
 * The words after a name in the room's notices, in the default menus'
 * languages (menus/en.yaml, zh-CN.yaml, zh-TW.yaml). A teacher's own
 * wording teaches nothing here; names still come from chat lines.
 */
static const char *const nicks_joined[] = {
	" joined", " has joined", " 进入了聊天室", " 進入了聊天室", NULL,
};
static const char *const nicks_left[] = {
	" left",   " has left",  " hung up",   " quit", " 离开了",
	" 離開了", " 被管理员 ", " 被管理員 ", NULL,
};
static const char *const nicks_renamed[] = {
	" is now known as ",
	" 改名为 ",
	" 改名為 ",
	NULL,
};

/* The length of the first of words that s starts with, or 0. */
static size_t nicks_starts_any(const char *s, size_t len,
			       const char *const *words)
{
	for (; *words != NULL; words++) {
		if (nicks_starts(s, len, *words))
			return strlen(*words);
	}
	return 0;
}

/* "*** nick joined", "*** old is now known as new", "*** nick left". */
static void nicks_scan_notice(struct nicks *n, const char *s, size_t len)
{
	size_t t = nicks_token(s, len);
	const char *rest = s + t;
	size_t rlen = len - t;
	size_t w;

	if (t == 0)
		return;
	if ((w = nicks_starts_any(rest, rlen, nicks_renamed)) > 0) {
		const char *to = rest + w;
		size_t nt = nicks_token(to, rlen - w);

		/* A sentence may end the line: "new." */
		while (nt > 0 && (to[nt - 1] == '.' || to[nt - 1] == '!'))
			nt--;
		nicks_remove(n, s, t);
		nicks_add(n, to, nt);
	} else if (nicks_starts_any(rest, rlen, nicks_joined) > 0) {
		nicks_add(n, s, t);
	} else if (nicks_starts_any(rest, rlen, nicks_left) > 0) {
		nicks_remove(n, s, t);
	}
}

/* What follows a timestamp: "nick: text", "* nick action" or a notice. */
static void nicks_scan_message(struct nicks *n, const char *s, size_t len)
{
	size_t t;

	if (nicks_starts(s, len, "*** ")) {
		nicks_scan_notice(n, s + 4, len - 4);
		return;
	}
	if (nicks_starts(s, len, "* ")) {
		t = nicks_token(s + 2, len - 2);
		if (t < len - 2 && s[2 + t] == ' ')
			nicks_add(n, s + 2, t);
		return;
	}
	t = nicks_token(s, len);
	if (t > 0 && t < len && s[t] == ':')
		nicks_add(n, s, t);
}

/* "nick   idle 3s" from /who: a name, spaces, then the word "idle". */
static void nicks_scan_who(struct nicks *n, const char *s, size_t len)
{
	size_t t = nicks_token(s, len), i = t;

	if (t == 0 || i == len || s[i] != ' ')
		return;
	while (i < len && s[i] == ' ')
		i++;
	if (!nicks_starts(s + i, len - i, "idle"))
		return;
	i += 4;
	if (i == len || s[i] == ' ' || s[i] == ':')
		nicks_add(n, s, t);
}

/* Learns names from one line of server text. */
void nicks_scan_line(struct nicks *n, const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	line += i;
	len -= i;
	if (len > 0 && line[0] == '[') {
		const char *end = memchr(line, ']',
					 len < NICKS_MAX_STAMP + 2
						 ? len
						 : NICKS_MAX_STAMP + 2);

		if (end != NULL && (size_t)(end - line) + 1 < len &&
		    end[1] == ' ') {
			size_t skip = (size_t)(end - line) + 2;

			nicks_scan_message(n, line + skip, len - skip);
			return;
		}
	}
	if (nicks_starts(line, len, "*** ")) {
		nicks_scan_notice(n, line + 4, len - 4);
		return;
	}
	nicks_scan_who(n, line, len);
}

/* How many names the set holds. */
size_t nicks_count(const struct nicks *n)
{
	return n->count;
}

/* The i-th name, newest first. */
const char *nicks_get(const struct nicks *n, size_t i)
{
	return i < n->count ? n->names[n->count - 1 - i] : NULL;
}

/* Whether the set holds this name. */
bool nicks_has(const struct nicks *n, const char *nick)
{
	return nicks_find(n, nick, strlen(nick)) >= 0;
}
