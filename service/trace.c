/*
 * trace: log lines on stderr. Knows nothing of connections beyond the id
 * it is handed.
 */
#include "trace.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* Prints one log line: time, level, session id, function, message. */
void trace_log(enum trace_level level, unsigned id, const char *func,
	       const char *fmt, ...)
{
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (!trace_is_enabled(level))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	/* One fprintf per line keeps lines whole when stderr is shared. */
	char msg[1024];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (id != 0)
		fprintf(stderr, "%s.%03ld %s session %u %s: %s\n", stamp,
			ts.tv_nsec / 1000000, trace_level_names[level], id,
			func, msg);
	else
		fprintf(stderr, "%s.%03ld %s %s: %s\n", stamp,
			ts.tv_nsec / 1000000, trace_level_names[level], func,
			msg);
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

		if (n > 0 && cp >= 0x20 && cp != 0x7f && cp != '\\' &&
		    !(cp >= 0x80 && cp < 0xa0)) {
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
static bool trace_colour;

/* Turns the view on; colour only for a terminal (a file gets plain text). */
void trace_wire_enable(void)
{
	trace_wire = true;
	trace_colour = isatty(STDERR_FILENO) == 1;
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
static void trace_head(unsigned id)
{
	wiretrace_stamp(stderr, trace_colour);
	if (id != 0)
		fprintf(stderr, "session %u: ", id);
}

/* Prints one chunk as a block; the lock keeps other threads' lines out of it. */
void trace_bytes(struct trace_conn *t, unsigned id, enum trace_dir dir,
		 const void *buf, size_t len, bool secret, size_t whole)
{
	bool in = dir == TRACE_IN;
	struct wiretrace_dir *d = in ? &t->in : &t->out;
	size_t masked = wiretrace_masked(d, buf, len, secret);
	struct wiretrace_look look = { .colour = trace_colour,
				       .width = WIRETRACE_WIDTH };

	if (in)
		t->bytes_in += len;
	else
		t->bytes_out += len;
	flockfile(stderr);
	trace_head(id);
	fprintf(stderr, "%s%s %zu byte%s%s",
		wiretrace_colour(in ? WIRETRACE_IN : WIRETRACE_OUT,
				 trace_colour),
		in ? "in" : "out", len, len == 1 ? "" : "s",
		wiretrace_colour(WIRETRACE_RESET, trace_colour));
	if (whole > len)
		fprintf(stderr, " (part of one %zu-byte read)", whole);
	if (masked > 0)
		fprintf(stderr, " (%zu byte%s of a password masked)", masked,
			masked == 1 ? "" : "s");
	fputc('\n', stderr);
	wiretrace_dump(d, stderr, buf, len, secret, &look);
	funlockfile(stderr);
}

/* Prints one datagram: where from, where to, the bytes. */
void trace_datagram(enum trace_dir dir, const char *local, const char *peer,
		    const void *buf, size_t len)
{
	bool in = dir == TRACE_IN;
	struct wiretrace_look look = { .colour = trace_colour,
				       .width = WIRETRACE_WIDTH };

	flockfile(stderr);
	trace_head(0);
	fprintf(stderr, "udp: %sdatagram %s %zu byte%s%s %s %s %s %s\n",
		wiretrace_colour(in ? WIRETRACE_IN : WIRETRACE_OUT,
				 trace_colour),
		in ? "in" : "out", len, len == 1 ? "" : "s",
		wiretrace_colour(WIRETRACE_RESET, trace_colour),
		in ? "from" : "to", peer, in ? "to" : "from", local);
	wiretrace_dump(NULL, stderr, buf, len, false, &look);
	funlockfile(stderr);
}

/* Prints one line of the view. */
void trace_event(unsigned id, enum wiretrace_colour colour, const char *fmt,
		 ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	flockfile(stderr);
	trace_head(id);
	fprintf(stderr, "%s%s%s\n", wiretrace_colour(colour, trace_colour), msg,
		wiretrace_colour(WIRETRACE_RESET, trace_colour));
	funlockfile(stderr);
}
