/*
 * trace: log lines and the --trace view. Each block of the view is built
 * in memory, wrapped to the width, and handed to logsink whole. Knows
 * nothing of connections beyond the id it is handed.
 */
#include "trace.h"
#include "logsink.h"
#include "mem.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Bytes of a reminder's text shown on its one line; the rest is cut. */
#define TRACE_SILENCE_TEXT 512

static enum trace_level trace_level = TRACE_INFO;

/* clang-format off */
static const char *const trace_level_names[] = {
	[TRACE_ERROR] = "error",
	[TRACE_INFO] = "info",
	[TRACE_DEBUG] = "debug",
};
/* clang-format on */

/* Sets the most verbose level printed. */
void trace_set_level(enum trace_level level)
{
	trace_level = level;
}

/* Whether a line at this level would be printed. */
int trace_is_enabled(enum trace_level level)
{
	return level <= trace_level;
}

static void trace_put(const char *text, size_t len);

/*
 * Prints one log line. It is read on a projector: the time, the session
 * if any, "error:" for an error, and the message. With --debug each line
 * also names its level and the function that logged it.
 */
void trace_log(enum trace_level level, unsigned id, const char *func,
	       const char *fmt, ...)
{
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	char msg[1024];
	/* The message and what goes before it. */
	char line[sizeof(msg) + 160];
	char who[32] = "";
	int n;

	if (!trace_is_enabled(level) || logsink_is_closed())
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (trace_level == TRACE_DEBUG) {
		if (id != 0)
			snprintf(who, sizeof(who), " session %u", id);
		n = snprintf(line, sizeof(line), "%s.%03ld %s%s %s: %s\n",
			     stamp, ts.tv_nsec / 1000000,
			     trace_level_names[level], who, func, msg);
	} else {
		if (id != 0)
			snprintf(who, sizeof(who), " session %u:", id);
		n = snprintf(line, sizeof(line), "%s.%03ld%s%s %s\n", stamp,
			     ts.tv_nsec / 1000000, who,
			     level == TRACE_ERROR ? " error:" : "", msg);
	}
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	trace_put(line, (size_t)n);
}

/* Escapes control bytes and invalid UTF-8 as \xNN so logs stay readable. */
char *trace_escape(const char *s, size_t len, char *out, size_t outsz)
{
	size_t o = 0;
	uint32_t cp;

	if (outsz == 0)
		return out;
	while (len > 0) {
		size_t n = utf8_decode(s, len, &cp);
		char tmp[8];
		size_t tn;

		if (n > 0 && !utf8_is_control(cp) && cp != '\\') {
			memcpy(tmp, s, n);
			tn = n;
		} else {
			n = 1;
			tn = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x",
					      (unsigned char)s[0]);
		}
		if (o + tn >= outsz)
			break;
		memcpy(out + o, tmp, tn);
		o += tn;
		s += n;
		len -= n;
	}
	out[o] = '\0';
	return out;
}

/* --- --trace ----------------------------------------------------------- */

bool trace_wire;
/* --trace: the view goes to stderr. */
static bool trace_stderr;
/* The teacher's wire view, or NULL. */
static const struct trace_tap *trace_tap;
/* stderr is a terminal: the view is in colour and fits its width. */
static bool trace_tty;
/* --trace=brief: chunks as one line of telnet names, no rows. */
static bool trace_brief;

/* clang-format off */
static const char *const trace_view_names[] = {
	[TRACE_VIEW_FULL] = "full",
	[TRACE_VIEW_BRIEF] = "brief",
};
/* clang-format on */

/* Looks the name up among the views. */
int trace_view_parse(const char *name, enum trace_view *view)
{
	if (name == NULL) {
		*view = TRACE_VIEW_FULL;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(trace_view_names); i++) {
		if (strcmp(name, trace_view_names[i]) == 0) {
			*view = (enum trace_view)i;
			return 0;
		}
	}
	return -1;
}

/* Turns the view on; colour only for a terminal (a file gets plain text). */
void trace_wire_enable(enum trace_view view)
{
	trace_wire = true;
	trace_stderr = true;
	trace_brief = view == TRACE_VIEW_BRIEF;
	trace_tty = isatty(STDERR_FILENO) == 1;
}

bool trace_on_stderr(void)
{
	return trace_stderr;
}

void trace_set_tap(const struct trace_tap *tap)
{
	trace_tap = tap;
	trace_wire = trace_stderr || tap != NULL;
}

bool trace_is_brief(void)
{
	return trace_brief;
}

/*
 * The columns the view fits now. A terminal is asked at each block, so
 * a resized window is followed: one ioctl beside the block's write.
 */
static unsigned trace_width(void)
{
	return trace_tty ? wiretrace_columns(fileno(stderr)) : WIRETRACE_WIDTH;
}

/* Says that the trace ran out of memory and aborts, as allocation does. */
static void trace_out_of_memory(void)
{
	fputs("hotlined: out of memory (trace)\n", stderr);
	abort();
}

/* Writes whole lines to stderr; with --trace, wrapped to its width. */
static void trace_put(const char *text, size_t len)
{
	char *out = NULL;
	size_t outlen = 0;
	FILE *f;

	if (!trace_stderr) {
		logsink_write(text, len);
		return;
	}
	f = open_memstream(&out, &outlen);
	if (f == NULL)
		trace_out_of_memory();
	wiretrace_wrap(f, text, len, trace_width());
	if (fclose(f) == 0)
		logsink_write(out, outlen);
	free(out);
}

/* Starts a block in the look stderr has now. */
static void trace_begin(struct wiretrace_block *b)
{
	if (wiretrace_block_begin(b, trace_tty, trace_width()) < 0)
		trace_out_of_memory();
}

/* Wraps the block to its width, writes it and frees it. */
static void trace_end(struct wiretrace_block *b)
{
	size_t len;
	char *out = wiretrace_block_end(b, &len);

	if (out == NULL)
		trace_out_of_memory();
	logsink_write(out, len);
	free(out);
}

/* A connection view with both decoders at the start of their streams. */
struct trace_conn *trace_conn_new(void)
{
	struct trace_conn *t = xcalloc(1, sizeof(*t));

	wiretrace_dir_init(&t->in, true);
	wiretrace_dir_init(&t->out, false);
	return t;
}

/* Writes "HH:MM:SS.mmm session N: " (or no session for 0). */
static void trace_head(struct wiretrace_block *b, unsigned id)
{
	wiretrace_stamp(b->f, b->look.colour);
	if (id != 0)
		fprintf(b->f, "session %u: ", id);
}

/*
 * Prints one chunk as a block: its header line, then its dump; or, brief,
 * the header and the telnet commands on one line, nothing for data alone.
 */
void trace_bytes(struct trace_conn *t, unsigned id, enum trace_dir dir,
		 const void *buf, size_t len, bool secret, size_t whole)
{
	bool in = dir == TRACE_IN;
	struct wiretrace_dir *d = in ? &t->in : &t->out;
	size_t masked;
	struct wiretrace_block b;

	if (in)
		t->bytes_in += len;
	else
		t->bytes_out += len;
	if (trace_tap != NULL && id != 0) {
		struct wiretrace_dir before = *d;

		/* The tap steps d; stderr's view steps it from the same place. */
		trace_tap->chunk(trace_tap->ctx, id, (int)dir, d, buf, len,
				 secret, whole);
		if (!trace_stderr || logsink_is_closed())
			return;
		*d = before;
	}
	if (!trace_stderr || logsink_is_closed()) {
		/* No reader: no view to build, but the parse goes on. */
		wiretrace_skip(d, buf, len, secret);
		return;
	}
	masked = wiretrace_masked(d, buf, len, secret);
	trace_begin(&b);
	trace_head(&b, id);
	fprintf(b.f, "%s%s %zu byte%s%s",
		wiretrace_colour(in ? WIRETRACE_IN : WIRETRACE_OUT,
				 b.look.colour),
		in ? "in" : "out", len, len == 1 ? "" : "s",
		wiretrace_colour(WIRETRACE_RESET, b.look.colour));
	if (whole > len)
		fprintf(b.f, " (part of one %zu-byte read)", whole);
	if (masked > 0)
		fprintf(b.f, " (%zu byte%s of a password masked)", masked,
			masked == 1 ? "" : "s");
	if (!in && t->after_silence) {
		char text[TRACE_SILENCE_TEXT];
		size_t n = len;

		/* The decoder steps over the bytes all the same. */
		while (n > 0 && (((const char *)buf)[n - 1] == '\n' ||
				 ((const char *)buf)[n - 1] == '\r'))
			n--;
		fprintf(b.f, " after a silence: %s",
			trace_escape(buf, n, text, sizeof(text)));
		wiretrace_names(d, b.f, buf, len, secret, b.look.colour);
		fputc('\n', b.f);
	} else if (trace_brief) {
		fputs(": ", b.f);
		if (wiretrace_names(d, b.f, buf, len, secret, b.look.colour) ==
		    0) {
			wiretrace_block_discard(&b);
			return;
		}
		fputc('\n', b.f);
	} else {
		fputc('\n', b.f);
		wiretrace_dump(d, b.f, buf, len, secret, &b.look);
	}
	trace_end(&b);
}

/* Prints one datagram: where from, where to, the bytes (not when brief). */
void trace_datagram(enum trace_dir dir, const char *local, const char *peer,
		    const void *buf, size_t len)
{
	bool in = dir == TRACE_IN;
	struct wiretrace_block b;

	if (!trace_stderr || logsink_is_closed())
		return;
	trace_begin(&b);
	trace_head(&b, 0);
	fprintf(b.f, "udp: %sdatagram %s %zu byte%s%s %s %s %s %s\n",
		wiretrace_colour(in ? WIRETRACE_IN : WIRETRACE_OUT,
				 b.look.colour),
		in ? "in" : "out", len, len == 1 ? "" : "s",
		wiretrace_colour(WIRETRACE_RESET, b.look.colour),
		in ? "from" : "to", peer, in ? "to" : "from", local);
	if (!trace_brief)
		wiretrace_dump(NULL, b.f, buf, len, false, &b.look);
	trace_end(&b);
}

/* Prints one line of the view. */
void trace_event(unsigned id, enum wiretrace_colour colour, const char *fmt,
		 ...)
{
	struct wiretrace_block b;
	va_list ap;

	if (trace_tap != NULL && id != 0) {
		char text[1024];
		struct timespec now;
		int n;

		clock_gettime(CLOCK_REALTIME, &now);
		va_start(ap, fmt);
		n = vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
		if (n > 0)
			trace_tap->line(trace_tap->ctx, id, &now, text,
					(size_t)n < sizeof(text)
						? (size_t)n
						: sizeof(text) - 1);
	}
	if (!trace_stderr || logsink_is_closed())
		return;
	trace_begin(&b);
	trace_head(&b, id);
	fputs(wiretrace_colour(colour, b.look.colour), b.f);
	va_start(ap, fmt);
	vfprintf(b.f, fmt, ap);
	va_end(ap);
	fprintf(b.f, "%s\n", wiretrace_colour(WIRETRACE_RESET, b.look.colour));
	trace_end(&b);
}
