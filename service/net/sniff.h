/*
 * sniff: on a port that serves telnet and HTTP, decides from a caller's
 * first bytes which one it speaks. "GET " or "POST " (the teacher's
 * page logs in and acts by POST) makes it HTTP; an IAC byte or anything
 * else that cannot begin either makes it telnet at once; a
 * caller silent for SNIFF_WAIT_MS, or one that hangs up undecided, is a
 * telnet caller (nc, or a telnet client waiting for the greeting). The
 * bytes looked at are kept, so the protocol chosen reads them all.
 *
 * A state machine with no I/O and no clock: the transport feeds it what
 * it reads and tells it when its timer fired. It knows nothing of
 * sockets, telnet negotiation or HTTP beyond those five bytes.
 */
#ifndef HOTLINE_SNIFF_H
#define HOTLINE_SNIFF_H

#include <stddef.h>

/*
 * Silence after which a caller is taken for telnet: a telnet client that
 * waits for the server hears the greeting within half a second.
 */
#define SNIFF_WAIT_MS 300
/* Bytes that make a caller HTTP: the methods it serves, and a space. */
#define SNIFF_HTTP_GET "GET "
#define SNIFF_HTTP_POST "POST "
/* The longest of them: bytes ever looked at. */
#define SNIFF_HTTP_PREFIX_LEN 5

enum sniff_state {
	SNIFF_UNDECIDED, /* a prefix of "GET " or "POST " so far: read on, timer running */
	SNIFF_HTTP,
	SNIFF_TELNET,
};

/* Why the decision went as it did, for the trace. */
enum sniff_reason {
	SNIFF_REASON_NONE,    /* undecided */
	SNIFF_REASON_GET,     /* the first bytes were "GET " or "POST " */
	SNIFF_REASON_IAC,     /* the first byte differing was IAC (255) */
	SNIFF_REASON_OTHER,   /* a byte that cannot begin either */
	SNIFF_REASON_SILENCE, /* SNIFF_WAIT_MS without a decision */
	SNIFF_REASON_HANG_UP, /* end of input without a decision */
};

struct sniff {
	enum sniff_state state;
	enum sniff_reason reason;
	unsigned char seen[SNIFF_HTTP_PREFIX_LEN]; /* the bytes looked at */
	size_t nseen;
	size_t nheld; /* of seen, those before the call that decided */
};

/* Starts undecided, with nothing held. */
void sniff_init(struct sniff *s);
/*
 * Looks at bytes the caller sent and returns the state after them. When
 * it decides here, the chosen protocol gets sniff_held's bytes first,
 * then all of buf; feeding a decided sniff changes nothing.
 */
enum sniff_state sniff_feed(struct sniff *s, const void *buf, size_t len);
/* SNIFF_WAIT_MS passed: an undecided caller is telnet. */
enum sniff_state sniff_timeout(struct sniff *s);
/* The caller hung up: an undecided caller is telnet. */
enum sniff_state sniff_end_of_input(struct sniff *s);
/* Bytes fed before the call that decided (at most 3); owned by s. */
const unsigned char *sniff_held(const struct sniff *s, size_t *len);
/*
 * Writes the decision for the trace, e.g. "first bytes 47 45 54 20:
 * HTTP", into buf (NUL-terminated, cut to size).
 */
void sniff_describe(const struct sniff *s, char *buf, size_t size);

#endif
