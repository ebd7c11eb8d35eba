/*
 * core: one caller's protocol stack, without I/O (see core.h).
 *
 * Every input opens a call: output made during it is gathered in a buffer
 * on that call's stack (struct core_call) and handed to the sink as the
 * outermost call returns. Input is handled in spans of at most one line:
 * libtelnet parses a span and the core only records what it reports;
 * once telnet_adapter_feed has returned, the records are acted on in
 * order, each DATA run going to the line editor a step at a time, and the
 * session acts on a key or line after lineedit_step has returned. So each
 * layer is entered once per key and none is re-entered from below.
 *
 * It must not know sockets, libevent or the clock.
 */
#include "core.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "log/events.h"
#include "mem.h"
#include "proto/charset.h"
#include "proto/lineedit.h"
#include "proto/telnet.h"
#include "strbuf.h"
#include "utf8.h"

/*
 * Bytes libtelnet may answer or pass on for one span: data is never
 * longer than the span, and no answer it makes is over eight times the
 * bytes that asked (AYT's answer is the session's, made after the span).
 */
#define CORE_SPAN_BYTES (CORE_SPAN_MAX * 8)
/* Events libtelnet may report for one span: each takes a byte or more. */
#define CORE_SPAN_EVENTS (CORE_SPAN_MAX + 8)
/* Chat lines up to this size are copied to the sink; longer ones are shared. */
#define CORE_COPY_MAX 256
/* Bytes of UTF-8 text put together on the stack before telnet encodes it. */
#define CORE_TEXT_CHUNK 2048

/* One telnet adapter event, recorded while libtelnet parses a span. */
struct core_event {
	enum telnet_adapter_event_type type;
	unsigned short off, len; /* its bytes in core_span.bytes */
	unsigned short width, height;
};

/* What libtelnet reported for one span, on core_feed's stack. */
struct core_span {
	struct core_event ev[CORE_SPAN_EVENTS];
	size_t nev;
	char bytes[CORE_SPAN_BYTES];
	size_t len;
};

/* The line editor's result, taken once lineedit_step has returned. */
struct core_step {
	enum lineedit_event_type type;
	bool reported;
	char key[8]; /* a KEY: one UTF-8 character */
	const char *
		line; /* a LINE: the editor's buffer, kept until the next feed */
	size_t len;
};

/* One input being handled: its output and, while feeding, its records. */
struct core_call {
	struct core_span *span; /* while libtelnet parses a span, else NULL */
	struct core_step step;
	size_t len;
	char out[CORE_OUT_MAX];
};

/* A caller's text converted from and to a charset other than UTF-8. */
struct core_scratch {
	struct strbuf in;  /* what the caller typed, in UTF-8 */
	struct strbuf out; /* text on its way out, in the caller's charset */
};

struct core {
	unsigned id;
	bool closed;      /* the session closed, or the stream broke */
	bool told_close;  /* the sink heard close */
	bool failed;      /* the sink failed: output goes nowhere */
	bool slow_reader; /* chat arrived while the sink was full */
	/*
	 * The line editor's mode and the charset, also kept here as the core
	 * sets them, so the chat fan-out asks no other module per line.
	 */
	bool char_mode;
	bool utf8;
	unsigned char encoding; /* charset_index: the chat cache's key */
	const char *close_reason;
	const struct core_sink *sink;
	void *sink_ctx;
	struct core_call *call; /* the outermost call running, or NULL */
	struct telnet_adapter *telnet;
	struct charset_conv *charset;
	struct lineedit *lineedit;
	struct session *session;
	struct core_scratch
		*scratch; /* for a non-UTF-8 charset; made on first use */
	unsigned short width, height; /* from NAWS; 0 until the client says */
	unsigned char enter[2],
		enter_len;        /* the last Enter's bytes, for /wire */
	unsigned char erase;      /* the last Backspace byte, or 0 */
	struct trace_conn *trace; /* --trace view; NULL when tracing is off */
	/* Telnet bytes fed in and handed out, for the events file's close. */
	unsigned long long bytes_in, bytes_out;
};
_Static_assert(CHARSET_MAX <= 256, "an encoding's index fits core.encoding");

/* --- the layers' contracts, checked in debug builds and by the fuzzers --- */

#ifndef NDEBUG
/* Whether s is valid UTF-8 without a control character (C0, DEL, C1). */
static bool is_clean_text(const char *s, size_t len)
{
	uint32_t cp;

	while (len > 0) {
		size_t n = utf8_decode(s, len, &cp);

		if (n == 0 || utf8_is_control(cp))
			return false;
		s += n;
		len -= n;
	}
	return true;
}

/* Whether s is exactly one clean character. */
static bool is_one_char(const char *s, size_t len)
{
	uint32_t cp;

	return len > 0 && utf8_decode(s, len, &cp) == len &&
	       is_clean_text(s, len);
}

/* Whether msg is one clean line ending in CR LF, without a 0xff byte. */
static bool is_clean_chat(const struct chat_msg *msg)
{
	return msg->refs > 0 && msg->len >= 2 &&
	       strlen(msg->text) == msg->len &&
	       memcmp(msg->text + msg->len - 2, "\r\n", 2) == 0 &&
	       is_clean_text(msg->text, msg->len - 2);
}
#endif

/* --- calls and output ---------------------------------------------------- */

/*
 * Starts a call on the caller's stack, unless one is running already.
 * c->call points into that stack only until core_leave of the same call
 * clears it, which GCC's dangling-pointer check cannot follow.
 */
static void core_enter(struct core *c, struct core_call *call)
{
	call->span = NULL;
	call->len = 0;
	if (c->call != NULL)
		return;
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
	c->call = call;
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif
}

/* Hands the call's gathered output to the sink. */
static void core_flush(struct core *c)
{
	struct core_call *call = c->call;

	if (call->len > 0 && !c->failed &&
	    c->sink->send(c->sink_ctx, call->out, call->len) < 0)
		c->failed = true;
	call->len = 0;
}

/* Marks the core closed; the sink hears it when the call ends. */
static void core_close(struct core *c, const char *reason)
{
	if (c->closed)
		return;
	c->closed = true;
	c->close_reason = reason;
}

/*
 * Ends the call that call started: its output goes to the sink, then, if
 * the core closed meanwhile, the sink hears it once. A failed sink closes
 * the core here, outside whatever layer was running when it failed.
 */
static void core_leave(struct core *c, struct core_call *call)
{
	if (c->call != call)
		return;
	core_flush(c);
	if (c->failed && !c->closed) {
		/* The goodbye and all else this says go nowhere now. */
		session_hangup(c->session, "output failed");
		core_close(c, "output failed");
		core_flush(c);
	}
	c->call = NULL;
	if (c->closed && !c->told_close) {
		c->told_close = true;
		c->sink->set_reading(c->sink_ctx, false);
		c->sink->close(c->sink_ctx, c->close_reason);
	}
}

/*
 * Whether the wire is traced now (--trace, or the teacher watching); a
 * call that began unwatched gets its decoders when the watching starts.
 */
static bool core_traced(struct core *c)
{
	if (!trace_wire)
		return false;
	if (c->trace == NULL)
		c->trace = trace_conn_new();
	return true;
}

/* Queues bytes as they go on the wire; --trace sees each chunk. */
static void core_out(struct core *c, const char *data, size_t len)
{
	struct core_call *call = c->call;

	assert(call != NULL);
	c->bytes_out += len;
	if (core_traced(c))
		trace_bytes(c->trace, c->id, TRACE_OUT, data, len,
			    c->trace->mask_out, 0);
	while (len > 0) {
		size_t n = sizeof(call->out) - call->len;

		if (n == 0) {
			core_flush(c);
			n = sizeof(call->out);
		}
		if (n > len)
			n = len;
		memcpy(call->out + call->len, data, n);
		call->len += n;
		data += n;
		len -= n;
	}
}

/* The buffers of a non-UTF-8 caller, kept once made: no allocation per key. */
static struct core_scratch *core_scratch(struct core *c)
{
	if (c->scratch == NULL) {
		c->scratch = xmalloc(sizeof(*c->scratch));
		strbuf_init(&c->scratch->in);
		strbuf_init(&c->scratch->out);
	}
	return c->scratch;
}

/* Telnet-encodes text already in the caller's charset. */
static void core_out_encoded(struct core *c, const char *data, size_t len)
{
	telnet_adapter_send(c->telnet, data, len);
}

/*
 * Sends UTF-8 text: "\n" becomes CR LF, then the caller's charset, then
 * telnet encoding. UTF-8 is put together on the stack, a chunk at a time.
 */
static void core_out_text(struct core *c, const char *text, size_t len)
{
	char buf[CORE_TEXT_CHUNK];
	size_t n = 0;

	/* Inside, the server works in UTF-8 only. */
	assert(utf8_is_valid(text, len));
	if (!c->utf8) {
		struct strbuf *sb = &core_scratch(c)->out;
		size_t start = 0;

		strbuf_reset(sb);
		for (size_t i = 0; i < len; i++) {
			if (text[i] != '\n' || (i > 0 && text[i - 1] == '\r'))
				continue;
			charset_encode(c->charset, text + start, i - start, sb);
			strbuf_append(sb, "\r\n", 2);
			start = i + 1;
		}
		charset_encode(c->charset, text + start, len - start, sb);
		core_out_encoded(c, sb->data, sb->len);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (n + 2 > sizeof(buf)) {
			core_out_encoded(c, buf, n);
			n = 0;
		}
		if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
			buf[n++] = '\r';
		buf[n++] = text[i];
	}
	core_out_encoded(c, buf, n);
}

/*
 * What the caller typed, sent back: the echo of a key, or (redraw) the
 * half-typed line drawn again. --trace masks it if it is a password.
 */
static void core_out_echo(struct core *c, const char *text, size_t len,
			  bool redraw)
{
	if (!core_traced(c)) {
		core_out_text(c, text, len);
		return;
	}
	c->trace->mask_out = redraw ? wiretrace_is_masking(&c->trace->in)
				    : c->trace->feeding_secret;
	core_out_text(c, text, len);
	c->trace->mask_out = false;
}

/*
 * In character mode the caller may be halfway through a line: clear it
 * before text that arrives on its own...
 */
static void core_async_begin(struct core *c)
{
	size_t len;

	if (!c->char_mode)
		return;
	lineedit_pending(c->lineedit, &len);
	if (len > 0)
		core_out(c, "\r\033[K", 4);
}

/* ...and draw it again after, so nothing typed is garbled or lost. */
static void core_async_end(struct core *c)
{
	size_t len;
	const char *pending;

	if (!c->char_mode || lineedit_input(c->lineedit) != LINEEDIT_INPUT_TEXT)
		return;
	pending = lineedit_pending(c->lineedit, &len);
	if (len > 0)
		core_out_echo(c, pending, len, true);
}

/*
 * msg in the caller's encoding: converted by the first member in that
 * voice and encoding, kept in the shared message for the others. Kept
 * telnet-escaped: some encodings use 0xff.
 */
static const struct chat_rendering *core_chat_encoded(struct core *c,
						      struct chat_msg *msg,
						      const void *voice,
						      const char *utf8,
						      size_t len)
{
	const struct chat_rendering *r = chat_msg_rendering(msg, voice,
							    c->encoding);
	struct strbuf *sb = &core_scratch(c)->out;
	struct strbuf esc;

	if (r != NULL)
		return r;
	strbuf_reset(sb);
	charset_encode(c->charset, utf8, len, sb);
	strbuf_init(&esc);
	for (size_t i = 0; i < sb->len; i++) {
		if ((unsigned char)sb->data[i] == 0xff)
			strbuf_append_char(&esc, (char)0xff);
		strbuf_append_char(&esc, sb->data[i]);
	}
	return chat_msg_keep(msg, voice, c->encoding,
			     esc.data != NULL ? esc.data : xstrdup(""),
			     esc.len);
}

/*
 * A chat line's bytes: a member's line as formatted, or the room's own
 * line as worded for voice (by the session, in UTF-8); in another
 * encoding converted once per voice and encoding. Short lines are copied,
 * long ones shared.
 */
static void core_out_chat(struct core *c, struct chat_msg *msg,
			  const void *voice)
{
	const struct chat_rendering *r = NULL;
	const char *bytes = msg->text;
	size_t len = msg->len;

	if (voice != NULL) {
		r = chat_msg_rendering(msg, voice,
				       (int)charset_index(charset_utf8()));
		if (r == NULL)
			return; /* the session words it first: cannot happen */
		bytes = r->bytes;
		len = r->len;
	}
	if (!c->utf8) {
		r = core_chat_encoded(c, msg, voice, bytes, len);
		bytes = r->bytes;
		len = r->len;
	}
	/*
	 * The text holds no 0xff byte (sanitised), an encoded copy is escaped
	 * already, so no telnet escaping here. What the call gathered goes
	 * first, then the line straight to the sink: one copy, or none for a
	 * long line.
	 */
	if (core_traced(c))
		trace_bytes(c->trace, c->id, TRACE_OUT, bytes, len, false, 0);
	if (c->call != NULL)
		core_flush(c);
	if (c->failed)
		return;
	c->bytes_out += len;
	if ((len <= CORE_COPY_MAX
		     ? c->sink->send(c->sink_ctx, bytes, len)
		     : c->sink->send_shared(c->sink_ctx, msg, bytes, len)) < 0)
		c->failed = true;
}

/* --- session_io: what the session asks of the core ---------------------- */

/* session_io.write */
static void io_write(void *ctx, const char *text, size_t len)
{
	struct core *c = ctx;
	struct core_call call;

	core_enter(c, &call);
	core_out_text(c, text, len);
	core_leave(c, &call);
}

/* session_io.notify: text on its own, around a half-typed line. */
static void io_notify(void *ctx, const char *text, size_t len)
{
	struct core *c = ctx;
	struct core_call call;

	core_enter(c, &call);
	core_async_begin(c);
	core_out_text(c, text, len);
	core_async_end(c);
	core_leave(c, &call);
}

/*
 * session_io.deliver: a chat line, unless the caller stopped reading;
 * then the room is left on a later turn (the room is looping over its
 * members right now).
 */
static void io_deliver(void *ctx, struct chat_msg *msg, const void *voice)
{
	struct core *c = ctx;
	struct core_call call;

	assert(voice != NULL || is_clean_chat(msg));
	if (c->closed)
		return;
	if (c->sink->is_full(c->sink_ctx)) {
		if (!c->slow_reader) {
			c->slow_reader = true;
			c->sink->later(c->sink_ctx);
		}
		return;
	}
	if (!c->char_mode) {
		/* No typing on the screen to go around: straight to the sink. */
		core_out_chat(c, msg, voice);
		if (c->failed && c->call == NULL) {
			core_enter(c, &call); /* closes the core as it leaves */
			core_leave(c, &call);
		}
		return;
	}
	core_enter(c, &call);
	core_async_begin(c);
	core_out_chat(c, msg, voice);
	core_async_end(c);
	core_leave(c, &call);
}

/* session_io.send_now: the room composed this caller's batch. */
static void io_send_now(void *ctx)
{
	struct core *c = ctx;

	if (c->call != NULL)
		core_flush(c);
	c->sink->send_now(c->sink_ctx);
}

/* session_io.set_input: menu keys, text, or a secret the client must not echo. */
static void io_set_input(void *ctx, enum lineedit_input input)
{
	struct core *c = ctx;
	struct core_call call;

	core_enter(c, &call);
	lineedit_set_input(c->lineedit, input);
	telnet_adapter_set_secret(c->telnet, input == LINEEDIT_INPUT_SECRET);
	core_leave(c, &call);
}

/* session_io.set_timer */
static void io_set_timer(void *ctx, unsigned seconds)
{
	struct core *c = ctx;

	c->sink->set_timer(c->sink_ctx, seconds);
}

/* session_io.set_charset */
static void io_set_charset(void *ctx, const struct charset *cs)
{
	struct core *c = ctx;

	charset_conv_set(c->charset, cs);
	c->utf8 = charset_is_utf8(cs);
	c->encoding = (unsigned char)charset_index(cs);
}

/* session_io.close: the goodbye is queued; the sink hears close after it. */
static void io_close(void *ctx, const char *reason)
{
	struct core *c = ctx;
	struct core_call call;

	core_enter(c, &call);
	core_close(c, reason);
	core_leave(c, &call);
}

/* Writes the last Enter's bytes in hex, "0d 0a", or "" if none yet. */
static void format_enter(const struct core *c, char *out, size_t size)
{
	if (c->enter_len == 2)
		snprintf(out, size, "%02x %02x", c->enter[0], c->enter[1]);
	else if (c->enter_len == 1)
		snprintf(out, size, "%02x", c->enter[0]);
	else
		snprintf(out, size, "%s", "");
}

/* session_io.describe: the connection as the server sees it, for /wire. */
static void io_describe(void *ctx, struct session_wire *w)
{
	struct core *c = ctx;
	struct strbuf sb;

	c->sink->describe(c->sink_ctx, w);
	w->char_mode = lineedit_mode(c->lineedit) == LINEEDIT_MODE_CHAR;
	strbuf_init(&sb);
	telnet_adapter_describe(c->telnet, &sb);
	snprintf(w->options, sizeof(w->options), "%s", sb.data ? sb.data : "");
	strbuf_fini(&sb);
	snprintf(w->ttype, sizeof(w->ttype), "%s",
		 telnet_adapter_ttype(c->telnet));
	w->width = c->width;
	w->height = c->height;
	format_enter(c, w->enter, sizeof(w->enter));
	if (c->erase != 0)
		snprintf(w->erase, sizeof(w->erase), "%02x", c->erase);
}

static const struct session_io core_session_io = {
	.write = io_write,
	.set_input = io_set_input,
	.set_timer = io_set_timer,
	.set_charset = io_set_charset,
	.close = io_close,
	.notify = io_notify,
	.deliver = io_deliver,
	.send_now = io_send_now,
	.describe = io_describe,
};

/* --- input: lineedit -> session ------------------------------------------ */

/*
 * The line editor's events: the echo goes out at once (it only adds
 * output); a key, line or interrupt is kept for core_edit to act on
 * after the editor has returned.
 */
static void on_lineedit(void *ctx, const struct lineedit_event *ev)
{
	struct core *c = ctx;
	struct core_step *step = &c->call->step;

	if (ev->type == LINEEDIT_EV_ECHO) {
		core_out_echo(c, ev->data, ev->len, false);
		return;
	}
	step->type = ev->type;
	step->reported = true;
	step->line = NULL;
	step->len = 0;
	if (ev->type == LINEEDIT_EV_KEY) {
		assert(ev->len < sizeof(step->key));
		memcpy(step->key, ev->data, ev->len);
		step->len = ev->len;
	} else if (ev->type == LINEEDIT_EV_LINE) {
		step->line = ev->data;
		step->len = ev->len;
	}
}

/*
 * Hands one result of the line editor to the session. The events file
 * hears a key or line first, while the input kind it was typed in (a
 * secret or not) is still the editor's.
 */
static void core_act(struct core *c, const struct core_step *step)
{
	switch (step->type) {
	case LINEEDIT_EV_KEY:
		/* One whole character, as a menu key can be. */
		assert(step->len < MENU_KEY_MAX);
		assert(is_one_char(step->key, step->len));
		if (events_enabled)
			events_emit_key(c->id, step->key, step->len);
		session_on_key(c->session, step->key, step->len);
		break;
	case LINEEDIT_EV_LINE:
		assert(step->len <= LINEEDIT_MAX_LINE);
		assert(is_clean_text(step->line, step->len));
		if (events_enabled)
			events_emit_line(c->id, step->line, step->len,
					 lineedit_input(c->lineedit) ==
						 LINEEDIT_INPUT_SECRET);
		session_on_line(c->session, step->line, step->len);
		break;
	case LINEEDIT_EV_TOO_LONG:
		log_info(c->id, "line over %d bytes refused",
			 LINEEDIT_MAX_LINE);
		session_on_too_long(c->session);
		break;
	case LINEEDIT_EV_INTERRUPT:
		session_hangup(c->session, "ctrl-c");
		break;
	case LINEEDIT_EV_ECHO:
		break;
	}
}

/*
 * Text in UTF-8 through the line editor, acting on each result in turn.
 * Returns the bytes used: it stops early when a result switched the
 * caller's charset, so the rest is decoded in the new one.
 */
static size_t core_edit(struct core *c, const char *text, size_t len)
{
	const struct charset *cs = charset_conv_charset(c->charset);
	struct core_step *step;
	size_t used = 0;

	assert(c->call != NULL); /* only core_feed reaches here */
	step = &c->call->step;
	/* After the goodbye nothing more is acted on, nor echoed. */
	while (used < len && !c->closed &&
	       charset_conv_charset(c->charset) == cs) {
		step->reported = false;
		used += lineedit_step(c->lineedit, text + used, len - used);
		if (step->reported)
			core_act(c, step);
	}
	return used;
}

/*
 * Notes the bytes of the caller's Enter and Backspace keys, for /wire:
 * the class compares what each client sends. CR LF in one run is one
 * Enter.
 */
static void core_note_keys(struct core *c, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)data[i];

		if (b == '\r') {
			unsigned char next =
				i + 1 < len ? (unsigned char)data[i + 1] : 0xff;

			c->enter[0] = '\r';
			c->enter_len = 1;
			if (next == '\n' || next == '\0') {
				c->enter[1] = next;
				c->enter_len = 2;
				i++;
			}
		} else if (b == '\n') {
			c->enter[0] = '\n';
			c->enter_len = 1;
		} else if (b == 0x7f || b == 0x08) {
			c->erase = b;
		}
	}
}

/* The caller's data bytes: into UTF-8, then through the line editor. */
static void core_data(struct core *c, const char *data, size_t len)
{
	core_note_keys(c, data, len);
	while (len > 0 && !c->closed) {
		struct strbuf *sb;
		size_t n;

		if (c->utf8) {
			n = core_edit(c, data, len);
			data += n;
			len -= n;
			continue;
		}
		/*
		 * Another charset: a byte at a time, so that a key switching
		 * charsets (the language menu) changes how the next byte is
		 * read. One span at a time is fed, so sb is ours here.
		 */
		sb = &core_scratch(c)->in;
		strbuf_reset(sb);
		charset_decode(c->charset, data, 1, sb);
		data++;
		len--;
		core_edit(c, sb->data, sb->len);
	}
}

/* --- input: telnet -> charset -> lineedit -------------------------------- */

/* Acts on one thing the telnet adapter reported, in the order it came. */
static void core_telnet(struct core *c, const struct telnet_adapter_event *ev)
{
	switch (ev->type) {
	case TELNET_ADAPTER_EV_DATA:
		if (!c->closed)
			core_data(c, ev->data, ev->len);
		break;
	case TELNET_ADAPTER_EV_SEND:
		core_out(c, ev->data, ev->len);
		break;
	case TELNET_ADAPTER_EV_CHAR_MODE:
		log_debug(c->id, "character mode");
		lineedit_set_mode(c->lineedit, LINEEDIT_MODE_CHAR);
		c->char_mode = true;
		break;
	case TELNET_ADAPTER_EV_LINE_MODE:
		log_debug(c->id, "line mode");
		lineedit_set_mode(c->lineedit, LINEEDIT_MODE_LINE);
		c->char_mode = false;
		break;
	case TELNET_ADAPTER_EV_WINDOW:
		log_debug(c->id, "window %ux%u", ev->width, ev->height);
		c->width = (unsigned short)ev->width;
		c->height = (unsigned short)ev->height;
		break;
	case TELNET_ADAPTER_EV_HANGUP:
		if (!c->closed)
			session_hangup(c->session, "interrupt");
		break;
	case TELNET_ADAPTER_EV_AYT:
		if (!c->closed)
			session_notice(c->session, MENU_TEXT_AYT);
		break;
	case TELNET_ADAPTER_EV_ERROR:
		log_info(c->id, "telnet error: %.*s", (int)ev->len, ev->data);
		core_close(c, "telnet protocol error");
		break;
	case TELNET_ADAPTER_EV_WARNING:
		log_debug(c->id, "telnet warning: %.*s", (int)ev->len,
			  ev->data);
		break;
	}
}

/*
 * The telnet adapter's callback. While libtelnet parses a span, what it
 * reports is only recorded (core_span); at any other time (our own sends
 * and negotiation) it is acted on at once.
 */
static void on_telnet(void *ctx, const struct telnet_adapter_event *ev)
{
	struct core *c = ctx;
	struct core_span *span = c->call != NULL ? c->call->span : NULL;
	struct core_event *rec;
	size_t len = ev->len;

	if (span == NULL) {
		core_telnet(c, ev);
		return;
	}
	if (ev->type == TELNET_ADAPTER_EV_WARNING && len > 120)
		len = 120; /* for the log only */
	if (span->nev == CORE_SPAN_EVENTS ||
	    len > sizeof(span->bytes) - span->len) {
		/* Cannot happen for a span's worth; never lose the order silently. */
		log_error(c->id, "telnet reported more than a span holds");
		core_close(c, "telnet protocol error");
		return;
	}
	rec = &span->ev[span->nev++];
	rec->type = ev->type;
	rec->off = (unsigned short)span->len;
	rec->len = (unsigned short)len;
	rec->width = (unsigned short)ev->width;
	rec->height = (unsigned short)ev->height;
	if (len > 0)
		memcpy(span->bytes + span->len, ev->data, len);
	span->len += len;
}

/* Bytes up to the first line end (CR LF, CR NUL, CR, LF), at most a span. */
static size_t core_span_len(const char *p, size_t len)
{
	size_t max = len < CORE_SPAN_MAX ? len : CORE_SPAN_MAX;

	for (size_t i = 0; i < max; i++) {
		if (p[i] == '\n')
			return i + 1;
		if (p[i] == '\r')
			return i + 1 < len && (p[i + 1] == '\n' ||
					       p[i + 1] == '\0')
				       ? i + 2
				       : i + 1;
	}
	return max;
}

/* --trace: one span as it arrives, its data masked if it is a secret. */
static void core_trace_in(struct core *c, const char *p, size_t n, size_t whole)
{
	bool secret = lineedit_input(c->lineedit) == LINEEDIT_INPUT_SECRET;
	size_t typed;

	/* After a menu key (no line end) the next byte starts a line too. */
	lineedit_pending(c->lineedit, &typed);
	if (typed == 0)
		wiretrace_line_start(&c->trace->in);
	c->trace->feeding_secret = wiretrace_masked(&c->trace->in, p, n,
						    secret) > 0;
	trace_bytes(c->trace, c->id, TRACE_IN, p, n, secret, whole);
}

/* Acts on the i-th record of a span. */
static void core_replay(struct core *c, const struct core_span *span, size_t i)
{
	const struct core_event *rec = &span->ev[i];
	struct telnet_adapter_event ev = {
		.type = rec->type,
		.data = span->bytes + rec->off,
		.len = rec->len,
		.width = rec->width,
		.height = rec->height,
	};

	core_telnet(c, &ev);
}

/*
 * One span: libtelnet parses it whole, then the core acts on its records
 * in order, but for one thing: before a hang-up (IAC IP), the answers
 * libtelnet made to the rest of the span go first. Linux telnet sends IP
 * with DO TIMING-MARK and throws away what it reads until the answer:
 * the goodbye must come after it.
 */
static void core_feed_span(struct core *c, const char *p, size_t n)
{
	struct core_span span;
	/* Read only once a hang-up set it: no clearing per span, per key. */
	bool sent[CORE_SPAN_EVENTS];
	bool hung = false;

	span.nev = 0;
	span.len = 0;
	c->call->span = &span;
	telnet_adapter_feed(c->telnet, p, n);
	c->call->span = NULL;
	for (size_t i = 0; i < span.nev; i++) {
		if (hung && sent[i])
			continue;
		if (!hung && span.ev[i].type == TELNET_ADAPTER_EV_HANGUP) {
			hung = true;
			for (size_t j = i + 1; j < span.nev; j++) {
				sent[j] = span.ev[j].type ==
					  TELNET_ADAPTER_EV_SEND;
				if (sent[j])
					core_replay(c, &span, j);
			}
		}
		core_replay(c, &span, i);
	}
}

/* --- inputs ------------------------------------------------------------- */

/* Creates the core and its layers; nothing is sent yet. */
struct core *core_new(unsigned id, struct menu_catalog *catalog,
		      const struct session_env *env,
		      const struct core_sink *sink, void *sink_ctx)
{
	return core_init(xmalloc(core_size()), id, catalog, env, sink,
			 sink_ctx);
}

/* Bytes a core takes, for a transport that embeds it. */
size_t core_size(void)
{
	return sizeof(struct core);
}

/* Makes a core in memory the caller owns; nothing is sent yet. */
struct core *core_init(void *mem, unsigned id, struct menu_catalog *catalog,
		       const struct session_env *env,
		       const struct core_sink *sink, void *sink_ctx)
{
	struct core *c = memset(mem, 0, sizeof(struct core));
	struct session_io io = core_session_io;

	c->id = id;
	c->sink = sink;
	c->sink_ctx = sink_ctx;
	core_traced(c);
	c->telnet = telnet_adapter_new(on_telnet, c);
	c->charset = charset_conv_new(charset_utf8());
	c->utf8 = true;
	c->lineedit = lineedit_new(on_lineedit, c);
	io.ctx = c;
	c->session = session_new(id, catalog, env, &io);
	return c;
}

/* Frees the core and its layers; the session leaves the room first. */
void core_free(struct core *c)
{
	if (c == NULL)
		return;
	core_fini(c);
	free(c);
}

/* Frees the core's layers, not its memory; the session leaves the room. */
void core_fini(struct core *c)
{
	session_free(c->session);
	lineedit_free(c->lineedit);
	charset_conv_free(c->charset);
	telnet_adapter_free(c->telnet);
	if (c->scratch != NULL) {
		strbuf_fini(&c->scratch->in);
		strbuf_fini(&c->scratch->out);
		free(c->scratch);
	}
	free(c->trace);
}

/* The telnet offers, then the start menu. */
void core_start(struct core *c)
{
	struct core_call call;

	core_enter(c, &call);
	telnet_adapter_start(c->telnet);
	session_start(c->session);
	core_leave(c, &call);
}

/* Bytes from the caller, a span at a time. */
int core_feed(struct core *c, const void *data, size_t len)
{
	const char *p = data;
	size_t whole = len;
	struct core_call call;

	if (c->closed)
		return -1;
	c->bytes_in += len;
	core_enter(c, &call);
	while (len > 0) {
		size_t n = core_span_len(p, len);

		if (core_traced(c))
			core_trace_in(c, p, n, whole);
		core_feed_span(c, p, n);
		if (core_traced(c))
			c->trace->feeding_secret = false;
		p += n;
		len -= n;
	}
	core_leave(c, &call);
	return 0;
}

/* The session's silence timer fired. */
void core_timer(struct core *c)
{
	struct core_call call;

	if (c->closed)
		return;
	core_enter(c, &call);
	if (core_traced(c))
		c->trace->after_silence = true;
	session_on_timeout(c->session);
	if (core_traced(c))
		c->trace->after_silence = false;
	core_leave(c, &call);
}

/* A chat member whose output filled up leaves the room. */
void core_later(struct core *c)
{
	struct core_call call;

	if (c->closed || !c->slow_reader)
		return;
	c->slow_reader = false;
	core_enter(c, &call);
	session_drop_slow_reader(c->session);
	core_leave(c, &call);
}

/* The caller's end of input: goodbye, then close. */
void core_end_of_input(struct core *c)
{
	struct core_call call;

	if (c->closed)
		return;
	core_enter(c, &call);
	session_hangup(c->session, "end of input");
	core_leave(c, &call);
}

/* Hands a reloaded catalog to the session. */
void core_set_catalog(struct core *c, struct menu_catalog *catalog)
{
	struct core_call call;

	if (c->closed)
		return;
	core_enter(c, &call);
	session_set_catalog(c->session, catalog);
	core_leave(c, &call);
}

/* Service shutdown: the session says so, then the core closes. */
void core_shutdown(struct core *c)
{
	struct core_call call;

	if (c->closed)
		return;
	core_enter(c, &call);
	session_shutdown(c->session);
	core_leave(c, &call);
}

/* A notice in the caller's language, drawn around a half-typed line. */
void core_notice(struct core *c, enum menu_text_id id)
{
	struct core_call call;

	if (c->closed)
		return;
	core_enter(c, &call);
	session_notice(c->session, id);
	core_leave(c, &call);
}

/* An operator's broadcast, drawn around a half-typed line. */
void core_wall(struct core *c, const char *text)
{
	struct core_call call;

	if (c->closed)
		return;
	core_enter(c, &call);
	session_wall(c->session, text);
	core_leave(c, &call);
}

/* Whether the core takes no more input. */
bool core_is_closed(const struct core *c)
{
	return c->closed;
}

/* One line of an operator's /who: where the caller is. */
void core_summary(const struct core *c, struct session_summary *out)
{
	session_summary(c->session, out);
}

void core_view(const struct core *c, struct core_view *out)
{
	session_summary(c->session, &out->summary);
	out->char_mode = lineedit_mode(c->lineedit) == LINEEDIT_MODE_CHAR;
	out->encoding = charset_name(core_charset(c));
	out->bytes_in = c->bytes_in;
	out->bytes_out = c->bytes_out;
}

/* The caller's encoding, as the language menu last set it. */
const struct charset *core_charset(const struct core *c)
{
	return charset_conv_charset(c->charset);
}

/* The --trace view, or NULL. */
const struct trace_conn *core_trace(const struct core *c)
{
	return c->trace;
}

/* The telnet bytes of the call so far. */
void core_bytes(const struct core *c, unsigned long long *in,
		unsigned long long *out)
{
	*in = c->bytes_in;
	*out = c->bytes_out;
}
