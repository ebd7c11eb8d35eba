/*
 * trace: the server's log on stderr. Every line has a timestamp, a level,
 * the session id (0 for the server itself) and the function that logged.
 * Untrusted bytes are escaped before they reach a terminal. It observes;
 * it never decides.
 */
#ifndef HOTLINE_TRACE_H
#define HOTLINE_TRACE_H

#include <stddef.h>

enum trace_level {
	TRACE_ERROR,
	TRACE_INFO,
	TRACE_DEBUG,
};

/* Lines above this level are dropped; the default is TRACE_INFO. */
void trace_set_level(enum trace_level level);
/* Whether a line at this level would be printed. */
int trace_is_enabled(enum trace_level level);
void trace_log(enum trace_level level, unsigned id, const char *func,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define log_error(id, ...) trace_log(TRACE_ERROR, (id), __func__, __VA_ARGS__)
#define log_info(id, ...) trace_log(TRACE_INFO, (id), __func__, __VA_ARGS__)
#define log_debug(id, ...) trace_log(TRACE_DEBUG, (id), __func__, __VA_ARGS__)

/*
 * Writes an escaped copy of len bytes of s into out (size outsz, always
 * NUL-terminated): printable ASCII and valid UTF-8 as is, the rest as \xNN.
 * Returns out.
 */
char *trace_escape(const char *s, size_t len, char *out, size_t outsz);

#endif
