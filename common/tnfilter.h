/*
 * tnfilter: the guard in front of libtelnet's parser, for hotlined's
 * telnet adapter and hotline's alike. Bytes from the peer go through it
 * into telnet_recv.
 *
 * libtelnet 0.21 runs its ENVIRON, NEW-ENVIRON, MSSP, ZMP and COMPRESS2
 * handlers on any SB the peer sends, negotiated or not, and they are not
 * safe on hostile input in the Debian build:
 * - ENVIRON/NEW-ENVIRON return 1 on success, which _process takes for
 *   "COMPRESS2 started" and recurses into telnet_recv for the rest of the
 *   buffer: ~10,000 back-to-back "IAC SB NEW-ENVIRON IS IAC SE" in one
 *   telnet_recv overflow the stack, and an IAC command right after such
 *   an SB can be lost;
 * - MSSP reads one byte past its 16 KiB buffer when the SB fills it;
 * - the build links zlib, so "IAC SB COMPRESS2 IAC SE" from the peer
 *   turns on inflation of its input, and anything not deflated is then a
 *   fatal error.
 * Neither program uses these options, so the option byte after IAC SB is
 * rewritten to TNFILTER_SB_SINK, which libtelnet only reports as a plain
 * subnegotiation (the adapters ignore it). The scan mirrors libtelnet's
 * states across calls: inside SB the same IAC rules hold, and libtelnet
 * treats IAC SB inside SB as a new SB too.
 *
 * It knows telnet's byte framing and nothing of what options mean,
 * modes, sockets or the adapters' events.
 */
#ifndef HOTLINE_TNFILTER_H
#define HOTLINE_TNFILTER_H

#include <stddef.h>

/*
 * Unassigned option number (IANA lists none at 200) that the option byte
 * of an SB libtelnet would parse itself is rewritten to.
 */
#define TNFILTER_SB_SINK 200

/*
 * Input bytes copied into one stack chunk before telnet_recv: bounds the
 * copy that filtering needs, and the depth of libtelnet's recursion should
 * one of its sub-parsers ever return non-zero again.
 */
#define TNFILTER_CHUNK 512

/* libtelnet's parser (telnet_t); the filter only feeds it. */
struct telnet_t;

/* Called once the watched negotiation is parsed; may feed no bytes. */
typedef void (*tnfilter_watch_fn)(void *ctx);

/* Just enough of libtelnet's parser state to find the byte after IAC SB. */
enum tnfilter_scan {
	TNFILTER_SCAN_DATA,   /* data, or inside SB (same rules) */
	TNFILTER_SCAN_IAC,    /* after IAC */
	TNFILTER_SCAN_NEG,    /* after IAC WILL/WONT/DO/DONT: the option byte */
	TNFILTER_SCAN_SB_OPT, /* after IAC SB: the option byte */
};

/* Embedded in its adapter: no allocation, so no _fini. */
struct tnfilter {
	struct telnet_t *telnet; /* the adapter's; not owned */
	enum tnfilter_scan scan;
	unsigned char cmd; /* the WILL/WONT/DO/DONT in SCAN_NEG */
	/* One negotiation the owner must see (libtelnet may report none). */
	unsigned char watch_cmd, watch_opt;
	tnfilter_watch_fn watch;
	void *watch_ctx;
};

/* Starts a filter in front of telnet, between commands. */
void tnfilter_init(struct tnfilter *f, struct telnet_t *telnet);
/*
 * Calls fn after "IAC cmd opt" has been handed to libtelnet, in order
 * with the events of the bytes around it (one watch per filter).
 */
void tnfilter_watch(struct tnfilter *f, unsigned char cmd, unsigned char opt,
		    tnfilter_watch_fn fn, void *ctx);
/* Filters bytes from the peer into telnet_recv, TNFILTER_CHUNK at a time. */
void tnfilter_feed(struct tnfilter *f, const char *buf, size_t len);

#endif
