/*
 * trace: the server's log on stderr. Every line has a timestamp, the
 * session it is about (if any) and "error:" on an error; with --debug,
 * also its level and the function that logged. Untrusted bytes are
 * escaped before they reach a terminal. It observes; it never decides.
 */
#ifndef HOTLINE_TRACE_H
#define HOTLINE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "wiretrace.h"

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

/*
 * --trace, the protocol view for a class: connections with their
 * addresses, every chunk of bytes in and out as hex and text with the
 * telnet commands named, state changes, and who closed first. Its lines,
 * the log's too, fit the width of the terminal (100 columns in a file):
 * it is read on a projector. Callers test trace_wire before building
 * anything, so an untraced server pays one branch per call site.
 *
 * trace_wire is true while anyone takes the view: --trace on stderr, or
 * a tap (the teacher's wire view). trace_on_stderr says whether --trace
 * is, for the log lines the trace replaces.
 */
extern bool trace_wire;
bool trace_on_stderr(void);

/*
 * Who hears the view besides stderr (the teacher's wire view). Called on
 * the loop's thread, for a session's lines only (id not 0).
 */
struct trace_tap {
	/* One line: when, and its text without stamp, colour or line end. */
	void (*line)(void *ctx, unsigned id, const struct timespec *when,
		     const char *text, size_t len);
	/*
	 * A chunk of bytes; d is its direction's decoder as it stands before
	 * them, which the tap must step over them (classifying as it goes:
	 * one pass); secret and whole as for trace_bytes.
	 */
	void (*chunk)(void *ctx, unsigned id, int dir, struct wiretrace_dir *d,
		      const void *buf, size_t len, bool secret, size_t whole);
	void *ctx;
};

/* Sets the tap (borrowed until replaced), or none for NULL. */
void trace_set_tap(const struct trace_tap *tap);

/* What --trace shows. */
enum trace_view {
	TRACE_VIEW_FULL, /* every chunk with its hex and text rows */
	/*
	 * --trace=brief, for the first minutes of a lesson: connections,
	 * state changes and telnet commands by name; a chunk is one line,
	 * its header and the commands in it, and a chunk of data alone is
	 * not shown.
	 */
	TRACE_VIEW_BRIEF,
};

/*
 * The view called name in *view: "full", or NULL (a bare --trace), or
 * "brief"; -1 for another name.
 */
int trace_view_parse(const char *name, enum trace_view *view);

/* Turns the protocol view on: colour and its width if stderr is a terminal. */
void trace_wire_enable(enum trace_view view);
/* Whether the view is --trace=brief (callers with more to say say less). */
bool trace_is_brief(void);

enum trace_dir {
	TRACE_IN,  /* from the peer */
	TRACE_OUT, /* to the peer */
};

/* One connection's view: a telnet decoder per direction and byte counts. */
struct trace_conn {
	struct wiretrace_dir in, out;
	unsigned long long bytes_in, bytes_out;
	bool feeding_secret; /* the input being handled held masked bytes */
	bool mask_out;       /* the output being traced echoes them */
	/*
	 * The output being traced answers a silence (a reminder, the goodbye
	 * after too many): one line each, with its text, not a page of rows.
	 */
	bool after_silence;
};

/* Returns a new connection view; the caller owns it (free() it). */
struct trace_conn *trace_conn_new(void);

/*
 * A chunk of bytes of session id: a header, the hex and text rows, the
 * telnet commands in it. secret masks its data bytes (a password being
 * typed); whole, if not 0, is the size of the read the chunk is a line
 * of.
 */
void trace_bytes(struct trace_conn *t, unsigned id, enum trace_dir dir,
		 const void *buf, size_t len, bool secret, size_t whole);
/* A datagram: no connection, so no decoder and no session. */
void trace_datagram(enum trace_dir dir, const char *local, const char *peer,
		    const void *buf, size_t len);
/* One line of the view for session id (0: none), in the colour given. */
void trace_event(unsigned id, enum wiretrace_colour colour, const char *fmt,
		 ...) __attribute__((format(printf, 3, 4)));

#endif
