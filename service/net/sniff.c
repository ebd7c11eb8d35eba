/*
 * sniff: the first-bytes decision of the shared port (see sniff.h). At
 * most five bytes are ever looked at: the first that makes them begin
 * neither "GET " nor "POST " decides telnet, the last of either decides
 * HTTP.
 */
#include "net/sniff.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* telnet's Interpret As Command byte: a client negotiating at once. */
#define SNIFF_IAC 255

/* Whether the n bytes seen begin prefix; *whole: they are all of it. */
static bool begins(const struct sniff *s, const char *prefix, bool *whole)
{
	size_t plen = strlen(prefix);

	*whole = s->nseen == plen;
	return s->nseen <= plen && memcmp(s->seen, prefix, s->nseen) == 0;
}

/* Decides; the bytes seen before this call are still the caller's to pass on. */
static enum sniff_state decide(struct sniff *s, enum sniff_state state,
			       enum sniff_reason reason, size_t held)
{
	s->state = state;
	s->reason = reason;
	s->nheld = held;
	return state;
}

void sniff_init(struct sniff *s)
{
	memset(s, 0, sizeof(*s));
	s->state = SNIFF_UNDECIDED;
}

enum sniff_state sniff_feed(struct sniff *s, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t before = s->nseen;

	for (size_t i = 0; i < len && s->state == SNIFF_UNDECIDED; i++) {
		unsigned char c = p[i];
		bool get_whole, post_whole;
		bool get, post;

		s->seen[s->nseen++] = c;
		get = begins(s, SNIFF_HTTP_GET, &get_whole);
		post = begins(s, SNIFF_HTTP_POST, &post_whole);
		if (!get && !post)
			decide(s, SNIFF_TELNET,
			       c == SNIFF_IAC ? SNIFF_REASON_IAC
					      : SNIFF_REASON_OTHER,
			       before);
		else if ((get && get_whole) || (post && post_whole))
			decide(s, SNIFF_HTTP, SNIFF_REASON_GET, before);
	}
	return s->state;
}

enum sniff_state sniff_timeout(struct sniff *s)
{
	if (s->state != SNIFF_UNDECIDED)
		return s->state;
	return decide(s, SNIFF_TELNET, SNIFF_REASON_SILENCE, s->nseen);
}

enum sniff_state sniff_end_of_input(struct sniff *s)
{
	if (s->state != SNIFF_UNDECIDED)
		return s->state;
	return decide(s, SNIFF_TELNET, SNIFF_REASON_HANG_UP, s->nseen);
}

const unsigned char *sniff_held(const struct sniff *s, size_t *len)
{
	*len = s->state == SNIFF_UNDECIDED ? s->nseen : s->nheld;
	return s->seen;
}

void sniff_describe(const struct sniff *s, char *buf, size_t size)
{
	char bytes[3 * SNIFF_HTTP_PREFIX_LEN + 1] = "";
	char silence[40];
	const char *what;

	for (size_t i = 0; i < s->nseen; i++)
		snprintf(bytes + 3 * i, sizeof(bytes) - 3 * i, " %02x",
			 s->seen[i]);
	switch (s->reason) {
	case SNIFF_REASON_GET:
		what = "HTTP";
		break;
	case SNIFF_REASON_IAC:
		what = "telnet (IAC)";
		break;
	case SNIFF_REASON_OTHER:
		what = "telnet";
		break;
	case SNIFF_REASON_SILENCE:
		snprintf(silence, sizeof(silence), "telnet (silent for %d ms)",
			 SNIFF_WAIT_MS);
		what = silence;
		break;
	case SNIFF_REASON_HANG_UP:
		what = "telnet (hung up before deciding)";
		break;
	case SNIFF_REASON_NONE:
	default:
		what = "undecided";
		break;
	}
	if (s->nseen == 0)
		snprintf(buf, size, "no bytes: %s", what);
	else
		snprintf(buf, size, "first byte%s%s: %s",
			 s->nseen == 1 ? "" : "s", bytes, what);
}
