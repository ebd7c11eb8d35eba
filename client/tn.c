/*
 * tn: the client's adapter around libtelnet. It owns the libtelnet state
 * tracker and a table of the options we accept, which it changes as the
 * session goes on: libtelnet reads the table at every request (RFC 1143
 * Q-method), so refusing the greeting's WILL ECHO and accepting a later
 * one is a matter of flipping one entry when the greeting ends.
 *
 * It never touches a socket or the terminal; bytes to write leave through
 * the callback, and it knows nothing of lines or prompts.
 */
#include "tn.h"
#include "mem.h"
#include "tnfilter.h"

/* libtelnet.h uses size_t without including <stddef.h>: keep it after ours. */
#include <libtelnet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest value a NAWS field holds (16 bits). */
#define TN_NAWS_MAX 0xffff

/* Rows of the option table; the order matches tn_telopts_initial. */
enum tn_row {
	TN_ROW_ECHO,
	TN_ROW_SGA,
	TN_ROW_BINARY,
	TN_ROW_NAWS,
	TN_ROW_TTYPE,
	TN_ROW_END,
	TN_ROW_COUNT,
};

/*
 * What we accept at the start: 8-bit data both ways. The server's ECHO
 * and SGA are refused while it greets (its offer of character mode);
 * ECHO is accepted afterwards. We will do NAWS and TTYPE once we have a
 * window size and a terminal type. Everything else is refused, which
 * answers DO TIMING-MARK with WONT TIMING-MARK.
 */
/* clang-format off */
static const telnet_telopt_t tn_telopts_initial[TN_ROW_COUNT] = {
	[TN_ROW_ECHO] = { TELNET_TELOPT_ECHO, TELNET_WONT, TELNET_DONT },
	[TN_ROW_SGA] = { TELNET_TELOPT_SGA, TELNET_WONT, TELNET_DONT },
	[TN_ROW_BINARY] = { TELNET_TELOPT_BINARY, TELNET_WILL, TELNET_DO },
	[TN_ROW_NAWS] = { TELNET_TELOPT_NAWS, TELNET_WONT, TELNET_DONT },
	[TN_ROW_TTYPE] = { TELNET_TELOPT_TTYPE, TELNET_WONT, TELNET_DONT },
	[TN_ROW_END] = { -1, 0, 0 },
};
/* clang-format on */

struct tn {
	telnet_t *telnet;
	tn_cb cb;
	void *ctx;
	/* Ours, read by libtelnet at every request: never moves. */
	telnet_telopt_t telopts[TN_ROW_COUNT];
	bool greeting; /* the server has sent no text yet */
	bool masked;   /* the server echoes: hide the input */
	bool naws_on;  /* the server accepted our window size */
	unsigned width, height;
	/* Keeps libtelnet's own SB parsers from running. */
	struct tnfilter filter;
	char ttype[TN_MAX_TTYPE + 1];
};

/* Hands one event with optional bytes to the caller. */
static void tn_emit(struct tn *tn, enum tn_event_type type, const char *data,
		    size_t len)
{
	struct tn_event ev = {
		.type = type,
		.data = data,
		.len = len,
	};

	tn->cb(tn->ctx, &ev);
}

/* Tells the caller whether input is to be hidden, if that changed. */
static void tn_set_masked(struct tn *tn, bool on)
{
	struct tn_event ev = { .type = TN_EV_MASK, .on = on };

	if (tn->masked == on)
		return;
	tn->masked = on;
	tn->cb(tn->ctx, &ev);
}

/* Sends SB NAWS with the current size; libtelnet doubles any 0xff byte. */
static void tn_send_naws(struct tn *tn)
{
	unsigned w = tn->width > TN_NAWS_MAX ? TN_NAWS_MAX : tn->width;
	unsigned h = tn->height > TN_NAWS_MAX ? TN_NAWS_MAX : tn->height;
	char sb[4] = {
		(char)(w >> 8),
		(char)(w & 0xff),
		(char)(h >> 8),
		(char)(h & 0xff),
	};

	telnet_subnegotiation(tn->telnet, TELNET_TELOPT_NAWS, sb, sizeof(sb));
}

/* A WILL the table accepted: the server now echoes what we send. */
static void tn_on_will(struct tn *tn, unsigned char telopt)
{
	if (telopt == TELNET_TELOPT_ECHO)
		tn_set_masked(tn, true);
}

/* A WONT, or the end of a WILL we had accepted. */
static void tn_on_wont(struct tn *tn, unsigned char telopt)
{
	if (telopt == TELNET_TELOPT_ECHO)
		tn_set_masked(tn, false);
}

/* libtelnet's event handler: maps its events onto ours. */
static void tn_on_event(telnet_t *telnet, telnet_event_t *ev, void *user_data)
{
	struct tn *tn = user_data;

	(void)telnet;
	switch (ev->type) {
	case TELNET_EV_DATA:
		if (ev->data.size == 0)
			break;
		/* The first text ends the greeting: its offers came before. */
		tn_end_greeting(tn);
		tn_emit(tn, TN_EV_DATA, ev->data.buffer, ev->data.size);
		break;
	case TELNET_EV_SEND:
		tn_emit(tn, TN_EV_SEND, ev->data.buffer, ev->data.size);
		break;
	case TELNET_EV_WILL:
		tn_on_will(tn, ev->neg.telopt);
		break;
	case TELNET_EV_WONT:
		tn_on_wont(tn, ev->neg.telopt);
		break;
	case TELNET_EV_DO:
		/* Reported only when libtelnet said WILL for us. */
		if (ev->neg.telopt == TELNET_TELOPT_NAWS) {
			tn->naws_on = true;
			tn_send_naws(tn);
		}
		break;
	case TELNET_EV_DONT:
		if (ev->neg.telopt == TELNET_TELOPT_NAWS)
			tn->naws_on = false;
		break;
	case TELNET_EV_TTYPE:
		if (ev->ttype.cmd == TELNET_TTYPE_SEND && tn->ttype[0] != '\0')
			telnet_ttype_is(tn->telnet, tn->ttype);
		break;
	case TELNET_EV_ERROR:
		tn_emit(tn, TN_EV_ERROR, ev->error.msg, strlen(ev->error.msg));
		break;
	default:
		/*
		 * IAC commands (GA, NOP, AYT: we are no server), warnings
		 * about protocol oddities, subnegotiations we did not ask
		 * for, and parsers we keep libtelnet from running.
		 */
		break;
	}
}

/* Returns a new adapter in its greeting; the caller owns it. */
struct tn *tn_new(tn_cb cb, void *ctx)
{
	struct tn *tn = xcalloc(1, sizeof(*tn));

	tn->cb = cb;
	tn->ctx = ctx;
	tn->greeting = true;
	memcpy(tn->telopts, tn_telopts_initial, sizeof(tn->telopts));
	tn->telnet = telnet_init(tn->telopts, tn_on_event, 0, tn);
	if (tn->telnet == NULL) {
		/* telnet_init fails only when calloc does. */
		fprintf(stderr, "hotline: out of memory in telnet_init\n");
		abort();
	}
	tnfilter_init(&tn->filter, tn->telnet);
	return tn;
}

/* Frees the adapter and its libtelnet state; NULL is fine. */
void tn_free(struct tn *tn)
{
	if (tn == NULL)
		return;
	telnet_free(tn->telnet);
	free(tn);
}

/* Sets the window size: we offer NAWS once we have one, and resend it. */
void tn_set_window(struct tn *tn, unsigned width, unsigned height)
{
	bool changed = width != tn->width || height != tn->height;

	if (width == 0 || height == 0)
		return;
	tn->width = width;
	tn->height = height;
	tn->telopts[TN_ROW_NAWS].us = TELNET_WILL;
	if (tn->naws_on && changed)
		tn_send_naws(tn);
}

/* Sets the terminal type; printable ASCII only, at most TN_MAX_TTYPE. */
void tn_set_ttype(struct tn *tn, const char *name)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)(name ? name : "");
	     *p != '\0' && n < TN_MAX_TTYPE; p++) {
		if (*p > 0x20 && *p < 0x7f)
			tn->ttype[n++] = (char)*p;
	}
	tn->ttype[n] = '\0';
	tn->telopts[TN_ROW_TTYPE].us = n > 0 ? TELNET_WILL : TELNET_WONT;
}

/* Ends the greeting once: a later WILL ECHO means "hide the input". */
void tn_end_greeting(struct tn *tn)
{
	if (!tn->greeting)
		return;
	tn->greeting = false;
	tn->telopts[TN_ROW_ECHO].him = TELNET_DO;
	tn_emit(tn, TN_EV_READY, NULL, 0);
}

/*
 * Parses bytes from the server, through the filter that keeps libtelnet's
 * unsafe SB parsers from running (common/tnfilter.h says which and why).
 */
void tn_feed(struct tn *tn, const char *buf, size_t len)
{
	tnfilter_feed(&tn->filter, buf, len);
}

/* Sends data, escaping IAC. */
void tn_send(struct tn *tn, const char *buf, size_t len)
{
	telnet_send(tn->telnet, buf, len);
}

/* Whether the server echoes, so typed input must be hidden. */
bool tn_is_masked(const struct tn *tn)
{
	return tn->masked;
}

/* Whether the server has not sent its first text yet. */
bool tn_is_greeting(const struct tn *tn)
{
	return tn->greeting;
}
