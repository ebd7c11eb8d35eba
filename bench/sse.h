/*
 * sse: the reading side of one Server-Sent Events stream as the teacher's
 * view serves it (GET /teacher/api/events): the HTTP response head, which
 * must be a 200 of Content-Type text/event-stream, then the stream, one
 * line at a time. It counts what a follower reports: events, comments
 * (the keepalives), bytes, and the events the server says it dropped
 * ({"type":"missed","count":N}, sent when a reader falls behind).
 *
 * No I/O: net hands it lines without their CR LF. It knows nothing of
 * sockets, menus or sessions, and nothing of the server's code (the bench
 * links none of it); of the events' JSON it reads only a "missed" one.
 */
#ifndef HOTLINE_BENCH_SSE_H
#define HOTLINE_BENCH_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Longest event data kept to look into: far above any event without
 * trace lines (a "missed" one is about 30 bytes); the rest of a longer
 * event is counted, not kept.
 */
#define SSE_DATA_MAX 4096
/* Longest error message, the server's status line included. */
#define SSE_ERROR_MAX 160

enum sse_state {
	SSE_STATUS,  /* waiting for the status line */
	SSE_HEADERS, /* reading header lines up to the blank one */
	SSE_STREAM,  /* the head checked out: events */
	SSE_FAILED,  /* not an event stream: see error; feed nothing more */
};

/* What one line did. */
enum sse_result {
	SSE_MORE,   /* nothing to tell */
	SSE_OPENED, /* the head is whole and good: events follow */
	SSE_ERROR,  /* the answer is not an event stream: see error */
};

struct sse {
	enum sse_state state;
	bool content_type_ok; /* Content-Type: text/event-stream */
	bool chunked;    /* Transfer-Encoding: chunked, which it cannot read */
	bool has_data;   /* data lines since the last blank line */
	bool data_cut;   /* and they were longer than SSE_DATA_MAX */
	uint64_t events; /* dispatched events (with data) */
	uint64_t comments; /* ": ..." lines, the keepalives */
	uint64_t missed; /* events the server dropped, by its "missed" counts */
	uint64_t missed_notices; /* "missed" events */
	uint64_t bytes;          /* of the stream, the head not included */
	size_t data_len;
	char data[SSE_DATA_MAX]; /* the event being read: its data lines, LF-joined */
	char error[SSE_ERROR_MAX];
};

/* Starts reading a response: nothing seen yet. */
void sse_init(struct sse *s);
/*
 * One line of the response, without its CR LF; raw is how many bytes
 * it took on the wire (counted once the stream is open).
 */
enum sse_result sse_feed_line(struct sse *s, const char *line, size_t len,
			      size_t raw);

#endif
