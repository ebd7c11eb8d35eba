/*
 * tnfilter: a byte scan in front of telnet_recv that keeps libtelnet's
 * own subnegotiation parsers from running (see tnfilter.h for why). It
 * copies each chunk to the stack, rewriting at most the option byte of
 * an SB, so the caller's buffer stays untouched.
 */
#include "tnfilter.h"

/* libtelnet.h uses size_t without including <stddef.h>: keep it after ours. */
#include <libtelnet.h>
#include <stdbool.h>

/* Starts a filter in front of telnet, between commands. */
void tnfilter_init(struct tnfilter *f, struct telnet_t *telnet)
{
	*f = (struct tnfilter){ .telnet = telnet, .scan = TNFILTER_SCAN_DATA };
}

/* Calls fn once "IAC cmd opt" has been parsed. */
void tnfilter_watch(struct tnfilter *f, unsigned char cmd, unsigned char opt,
		    tnfilter_watch_fn fn, void *ctx)
{
	f->watch_cmd = cmd;
	f->watch_opt = opt;
	f->watch = fn;
	f->watch_ctx = ctx;
}

/* Whether libtelnet would run a parser of its own on SB for this option. */
static bool tnfilter_is_sb_unsafe(unsigned char telopt)
{
	switch (telopt) {
	case TELNET_TELOPT_ENVIRON:
	case TELNET_TELOPT_NEW_ENVIRON:
	case TELNET_TELOPT_MSSP:
	case TELNET_TELOPT_COMPRESS2:
	case TELNET_TELOPT_ZMP:
		return true;
	default:
		return false;
	}
}

/*
 * Moves the scan on by one byte; returns the byte libtelnet gets, and
 * sets *watched when it ends the watched negotiation.
 */
static unsigned char tnfilter_step(struct tnfilter *f, unsigned char b,
				   bool *watched)
{
	*watched = false;
	switch (f->scan) {
	case TNFILTER_SCAN_DATA:
		if (b == TELNET_IAC)
			f->scan = TNFILTER_SCAN_IAC;
		break;
	case TNFILTER_SCAN_IAC:
		if (b == TELNET_SB) {
			f->scan = TNFILTER_SCAN_SB_OPT;
		} else if (b >= TELNET_WILL && b <= TELNET_DONT) {
			f->scan = TNFILTER_SCAN_NEG;
			f->cmd = b;
		} else {
			/* IAC IAC or a command: back to data. */
			f->scan = TNFILTER_SCAN_DATA;
		}
		break;
	case TNFILTER_SCAN_NEG:
		/* Any byte, 0xff included, is the option. */
		*watched = f->watch != NULL && f->cmd == f->watch_cmd &&
			   b == f->watch_opt;
		f->scan = TNFILTER_SCAN_DATA;
		break;
	case TNFILTER_SCAN_SB_OPT:
		if (tnfilter_is_sb_unsafe(b))
			b = TNFILTER_SB_SINK;
		f->scan = TNFILTER_SCAN_DATA;
		break;
	}
	return b;
}

/* Filters bytes from the peer into telnet_recv, a chunk at a time. */
void tnfilter_feed(struct tnfilter *f, const char *buf, size_t len)
{
	char chunk[TNFILTER_CHUNK];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		bool watched;

		chunk[n++] = (char)tnfilter_step(f, (unsigned char)buf[i],
						 &watched);
		/* The watch takes effect in order with the events around it. */
		if (watched || n == sizeof(chunk)) {
			telnet_recv(f->telnet, chunk, n);
			n = 0;
		}
		if (watched)
			f->watch(f->watch_ctx);
	}
	if (n > 0)
		telnet_recv(f->telnet, chunk, n);
}
