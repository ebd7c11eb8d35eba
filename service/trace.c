/*
 * trace: log lines on stderr. Knows nothing of connections beyond the id
 * it is handed.
 */
#include "trace.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum trace_level trace_level = TRACE_INFO;

static const char *const trace_level_names[] = {
	[TRACE_ERROR] = "error",
	[TRACE_INFO] = "info",
	[TRACE_DEBUG] = "debug",
};

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
