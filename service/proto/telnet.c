/*
 * telnet: the adapter around libtelnet for one connection. It owns the
 * libtelnet state tracker, turns libtelnet's events into the few the
 * layer above needs (data, bytes to send, character mode, window size,
 * hangup, "are you there?") and answers the negotiation by itself (DO
 * TIMING-MARK through libtelnet's RFC 1143 Q-method, which refuses every
 * option not in our table).
 *
 * It never touches a socket and knows nothing of lines, menus or
 * sessions: bytes to write leave through the callback.
 */
#include "telnet.h"
#include "mem.h"
#include "strbuf.h"
#include "tnfilter.h"

/* libtelnet.h uses size_t without including <stddef.h>: keep it after ours. */
#include <libtelnet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * What we support: we echo, suppress go-ahead and send 8-bit data; the
 * client may send window size, terminal type, 8-bit data and suppress
 * go-ahead. libtelnet refuses everything else (DONT for a WILL, WONT for
 * a DO), which answers DO TIMING-MARK with WONT TIMING-MARK.
 */
static const telnet_telopt_t telnet_adapter_telopts[] = {
	{ TELNET_TELOPT_ECHO, TELNET_WILL, TELNET_DONT },
	{ TELNET_TELOPT_SGA, TELNET_WILL, TELNET_DO },
	{ TELNET_TELOPT_BINARY, TELNET_WILL, TELNET_DO },
	{ TELNET_TELOPT_NAWS, TELNET_WONT, TELNET_DO },
	{ TELNET_TELOPT_TTYPE, TELNET_WONT, TELNET_DO },
	{ -1, 0, 0 },
};

/* Where our WILL ECHO stands: it decides character or line mode once. */
enum telnet_adapter_echo {
	TELNET_ADAPTER_ECHO_NONE,    /* not offered yet */
	TELNET_ADAPTER_ECHO_OFFERED, /* offered, no answer yet */
	TELNET_ADAPTER_ECHO_CHAR,    /* accepted: character mode */
	TELNET_ADAPTER_ECHO_LINE, /* refused: line mode, echo only for secrets */
};

struct telnet_adapter {
	telnet_t *telnet;
	telnet_adapter_cb cb;
	void *ctx;
	bool started; /* our offers went out */
	bool secret;  /* line mode: the caller is typing a secret */
	bool echo_asked; /* line mode: our WILL ECHO for a secret awaits its answer */
	enum telnet_adapter_echo echo;
	/* Keeps libtelnet's own SB parsers from running; notes DONT ECHO. */
	struct tnfilter filter;
	char ttype[TELNET_ADAPTER_MAX_TTYPE + 1];
	/* Options in force, one bit each, for showing the caller (/wire). */
	unsigned char us_on[32];  /* we WILL */
	unsigned char him_on[32]; /* the client WILL */
};

/* Marks an option on or off in a bitset. */
static void option_set(unsigned char *bits, unsigned char opt, bool on)
{
	if (on)
		bits[opt / 8] |= (unsigned char)(1u << (opt % 8));
	else
		bits[opt / 8] &= (unsigned char)~(1u << (opt % 8));
}

/* Hands one event with optional bytes to the caller. */
static void telnet_adapter_emit(struct telnet_adapter *ta,
				enum telnet_adapter_event_type type,
				const char *data, size_t len)
{
	struct telnet_adapter_event ev = {
		.type = type,
		.data = data,
		.len = len,
	};

	ta->cb(ta->ctx, &ev);
}

/* Reports a protocol oddity of our own, for the log. */
static void telnet_adapter_warn(struct telnet_adapter *ta, const char *msg)
{
	telnet_adapter_emit(ta, TELNET_ADAPTER_EV_WARNING, msg, strlen(msg));
}

/*
 * The client said DO ECHO: character mode if it answers our first offer,
 * or if a line-mode client asks for it ("mode character").
 */
static void telnet_adapter_on_echo_accepted(struct telnet_adapter *ta)
{
	/*
	 * In line mode this DO may answer a WILL ECHO sent for a secret: the
	 * client merely stops echoing; it must not switch modes.
	 */
	if (ta->echo == TELNET_ADAPTER_ECHO_CHAR)
		return;
	if (ta->echo == TELNET_ADAPTER_ECHO_LINE && ta->echo_asked) {
		ta->echo_asked = false;
		return;
	}
	ta->echo = TELNET_ADAPTER_ECHO_CHAR;
	telnet_adapter_emit(ta, TELNET_ADAPTER_EV_CHAR_MODE, NULL, 0);
}

/*
 * The client said DONT ECHO: if that answers our offer, stay in line mode.
 * The filter reports it (ctx is the adapter): libtelnet reports no event
 * when it refuses our offer.
 */
static void telnet_adapter_on_echo_refused(void *ctx)
{
	struct telnet_adapter *ta = ctx;

	if (ta->echo == TELNET_ADAPTER_ECHO_OFFERED)
		ta->echo = TELNET_ADAPTER_ECHO_LINE;
	else if (ta->echo == TELNET_ADAPTER_ECHO_LINE)
		ta->echo_asked = false;
}

/* Handles a bare IAC command: hangups, AYT, and erase keys as data. */
static void telnet_adapter_on_iac(struct telnet_adapter *ta, unsigned char cmd)
{
	static const char erase_char =
		0x7f; /* DEL: the line editor's backspace */
	static const char erase_line = 0x15; /* Ctrl-U */

	switch (cmd) {
	case TELNET_IP:
	case TELNET_ABORT:
	case TELNET_SUSP:
	case TELNET_BREAK:
	case TELNET_EOF:
		telnet_adapter_emit(ta, TELNET_ADAPTER_EV_HANGUP, NULL, 0);
		break;
	case TELNET_AYT:
		/* Answered in the caller's language, above the adapter. */
		telnet_adapter_emit(ta, TELNET_ADAPTER_EV_AYT, NULL, 0);
		break;
	case TELNET_EC:
		telnet_adapter_emit(ta, TELNET_ADAPTER_EV_DATA, &erase_char, 1);
		break;
	case TELNET_EL:
		telnet_adapter_emit(ta, TELNET_ADAPTER_EV_DATA, &erase_line, 1);
		break;
	default:
		/* NOP, GA, DM, AO, EOR, a stray SE: nothing to do. */
		break;
	}
}

/* Turns a subnegotiation into a window size; only NAWS interests us here. */
static void telnet_adapter_on_sub(struct telnet_adapter *ta,
				  unsigned char telopt, const char *buf,
				  size_t len)
{
	const unsigned char *u = (const unsigned char *)buf;
	struct telnet_adapter_event ev = { .type = TELNET_ADAPTER_EV_WINDOW };
	char msg[80];

	if (telopt != TELNET_TELOPT_NAWS)
		return;
	if (len != 4) {
		snprintf(msg, sizeof(msg),
			 "NAWS subnegotiation of %zu bytes ignored", len);
		telnet_adapter_warn(ta, msg);
		return;
	}
	ev.width = ((unsigned)u[0] << 8) | u[1];
	ev.height = ((unsigned)u[2] << 8) | u[3];
	ta->cb(ta->ctx, &ev);
}

/* Keeps the terminal type: printable ASCII only, at most the limit. */
static void telnet_adapter_on_ttype(struct telnet_adapter *ta, const char *name)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p != '\0';
	     p++) {
		if (n == TELNET_ADAPTER_MAX_TTYPE)
			break;
		if (*p >= 0x20 && *p < 0x7f)
			ta->ttype[n++] = (char)*p;
	}
	ta->ttype[n] = '\0';
}

/* libtelnet's event handler: maps its events onto ours. */
static void telnet_adapter_on_event(telnet_t *telnet, telnet_event_t *ev,
				    void *user_data)
{
	struct telnet_adapter *ta = user_data;

	(void)telnet;
	switch (ev->type) {
	case TELNET_EV_DATA:
		telnet_adapter_emit(ta, TELNET_ADAPTER_EV_DATA, ev->data.buffer,
				    ev->data.size);
		break;
	case TELNET_EV_SEND:
		telnet_adapter_emit(ta, TELNET_ADAPTER_EV_SEND, ev->data.buffer,
				    ev->data.size);
		break;
	case TELNET_EV_IAC:
		telnet_adapter_on_iac(ta, ev->iac.cmd);
		break;
	case TELNET_EV_DO:
		/* libtelnet reports DO only when our side became enabled. */
		option_set(ta->us_on, ev->neg.telopt, true);
		if (ev->neg.telopt == TELNET_TELOPT_ECHO)
			telnet_adapter_on_echo_accepted(ta);
		break;
	case TELNET_EV_WONT:
		option_set(ta->him_on, ev->neg.telopt, false);
		break;
	case TELNET_EV_DONT:
		option_set(ta->us_on, ev->neg.telopt, false);
		/* Reported only when the client turns off an echo it had accepted. */
		if (ev->neg.telopt == TELNET_TELOPT_ECHO &&
		    ta->echo == TELNET_ADAPTER_ECHO_CHAR) {
			ta->echo = TELNET_ADAPTER_ECHO_LINE;
			telnet_adapter_emit(ta, TELNET_ADAPTER_EV_LINE_MODE,
					    NULL, 0);
		}
		break;
	case TELNET_EV_WILL:
		option_set(ta->him_on, ev->neg.telopt, true);
		/* The client will send its terminal type: ask for it. */
		if (ev->neg.telopt == TELNET_TELOPT_TTYPE)
			telnet_ttype_send(ta->telnet);
		break;
	case TELNET_EV_SUBNEGOTIATION:
		telnet_adapter_on_sub(ta, ev->sub.telopt, ev->sub.buffer,
				      ev->sub.size);
		break;
	case TELNET_EV_TTYPE:
		if (ev->ttype.cmd == TELNET_TTYPE_IS && ev->ttype.name != NULL)
			telnet_adapter_on_ttype(ta, ev->ttype.name);
		break;
	case TELNET_EV_WARNING:
		telnet_adapter_warn(ta, ev->error.msg);
		break;
	case TELNET_EV_ERROR:
		telnet_adapter_emit(ta, TELNET_ADAPTER_EV_ERROR, ev->error.msg,
				    strlen(ev->error.msg));
		break;
	default:
		/* WONT, DONT, and parsers we keep libtelnet from running. */
		break;
	}
}

/* Returns a new adapter; the caller owns it. */
struct telnet_adapter *telnet_adapter_new(telnet_adapter_cb cb, void *ctx)
{
	struct telnet_adapter *ta = xcalloc(1, sizeof(*ta));

	ta->cb = cb;
	ta->ctx = ctx;
	ta->echo = TELNET_ADAPTER_ECHO_NONE;
	ta->telnet = telnet_init(telnet_adapter_telopts,
				 telnet_adapter_on_event, 0, ta);
	if (ta->telnet == NULL) {
		/* telnet_init fails only when calloc does. */
		fprintf(stderr, "hotlined: out of memory in telnet_init\n");
		abort();
	}
	tnfilter_init(&ta->filter, ta->telnet);
	tnfilter_watch(&ta->filter, TELNET_DONT, TELNET_TELOPT_ECHO,
		       telnet_adapter_on_echo_refused, ta);
	return ta;
}

/* Frees the adapter and its libtelnet state; NULL is fine. */
void telnet_adapter_free(struct telnet_adapter *ta)
{
	if (ta == NULL)
		return;
	telnet_free(ta->telnet);
	free(ta);
}

/*
 * Sends our offers once, through the Q-method so answers are tracked (a
 * second round would offer again what the client refused).
 */
void telnet_adapter_start(struct telnet_adapter *ta)
{
	if (ta->started)
		return;
	ta->started = true;
	if (ta->echo == TELNET_ADAPTER_ECHO_NONE)
		ta->echo = TELNET_ADAPTER_ECHO_OFFERED;
	telnet_negotiate(ta->telnet, TELNET_WILL, TELNET_TELOPT_ECHO);
	telnet_negotiate(ta->telnet, TELNET_WILL, TELNET_TELOPT_SGA);
	telnet_negotiate(ta->telnet, TELNET_WILL, TELNET_TELOPT_BINARY);
	telnet_negotiate(ta->telnet, TELNET_DO, TELNET_TELOPT_BINARY);
	telnet_negotiate(ta->telnet, TELNET_DO, TELNET_TELOPT_NAWS);
	telnet_negotiate(ta->telnet, TELNET_DO, TELNET_TELOPT_TTYPE);
}

/*
 * Parses bytes from the socket, through the filter that keeps libtelnet's
 * unsafe SB parsers from running (common/tnfilter.h says which and why).
 */
void telnet_adapter_feed(struct telnet_adapter *ta, const char *buf, size_t len)
{
	tnfilter_feed(&ta->filter, buf, len);
}

/* Sends data, escaping IAC; newlines are the caller's business. */
void telnet_adapter_send(struct telnet_adapter *ta, const char *buf, size_t len)
{
	telnet_send(ta->telnet, buf, len);
}

/*
 * Hidden input: only in line mode after the client refused our echo. In
 * character mode we already control the echo; a client that never
 * answered our offer (nc) does not speak telnet, and negotiating while
 * the offer is pending would leave libtelnet to cancel it (WANTYES_OP).
 * libtelnet's Q-method drops redundant requests and, after a refusal
 * (state NO), sends WILL ECHO again.
 */
void telnet_adapter_set_secret(struct telnet_adapter *ta, bool on)
{
	if (ta->echo != TELNET_ADAPTER_ECHO_LINE || ta->secret == on)
		return;
	ta->secret = on;
	if (on)
		ta->echo_asked = true;
	else
		option_set(ta->us_on, TELNET_TELOPT_ECHO, false);
	telnet_negotiate(ta->telnet, on ? TELNET_WILL : TELNET_WONT,
			 TELNET_TELOPT_ECHO);
}

/* Whether the client accepted our echo offer. */
bool telnet_adapter_is_char_mode(const struct telnet_adapter *ta)
{
	return ta->echo == TELNET_ADAPTER_ECHO_CHAR;
}

/* The name of a telnet option, or NULL for one without a common name. */
static const char *option_name(unsigned opt)
{
	switch (opt) {
	case TELNET_TELOPT_BINARY:
		return "BINARY";
	case TELNET_TELOPT_ECHO:
		return "ECHO";
	case TELNET_TELOPT_SGA:
		return "SGA";
	case TELNET_TELOPT_TTYPE:
		return "TTYPE";
	case TELNET_TELOPT_NAWS:
		return "NAWS";
	case TELNET_TELOPT_TSPEED:
		return "TSPEED";
	case TELNET_TELOPT_LINEMODE:
		return "LINEMODE";
	case TELNET_TELOPT_NEW_ENVIRON:
		return "NEW-ENVIRON";
	default:
		return NULL;
	}
}

/* Appends one side's options in force, as "WILL ECHO, WILL SGA". */
static void describe_side(const unsigned char *bits, const char *verb,
			  struct strbuf *out)
{
	for (unsigned opt = 0; opt < 256; opt++) {
		const char *name = option_name(opt);

		if (!(bits[opt / 8] & (1u << (opt % 8))))
			continue;
		if (out->len > 0)
			strbuf_append_str(out, ", ");
		if (name != NULL)
			strbuf_printf(out, "%s %s", verb, name);
		else
			strbuf_printf(out, "%s %u", verb, opt);
	}
}

/* Appends the options in force: ours as WILL, the client's as DO. */
void telnet_adapter_describe(const struct telnet_adapter *ta,
			     struct strbuf *out)
{
	describe_side(ta->us_on, "WILL", out);
	describe_side(ta->him_on, "DO", out);
}

/* The terminal type the client reported, or ""; owned by the adapter. */
const char *telnet_adapter_ttype(const struct telnet_adapter *ta)
{
	return ta->ttype;
}
