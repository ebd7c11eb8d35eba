/*
 * wirelog: one session's recent wire, kept for the teacher's wire view
 * so it can be opened after the handshake. It keeps the last chunks of
 * bytes (classified as they went by, with the session's own decoder, so
 * a password's bytes are masked exactly as --trace masks them and are
 * never stored: a masked byte is kept as '*') and the trace's lines, up
 * to WIRELOG_MAX_BYTES, and draws them as --trace would (without colour,
 * 100 columns) only when asked.
 *
 * Bytes are drawn late because drawing is the costly part: a class of
 * callers keeps its wire while the teacher looks at one caller at a time.
 * It knows nothing of sockets, sessions or who asks.
 */
#ifndef HOTLINE_WIRELOG_H
#define HOTLINE_WIRELOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "strbuf.h"
#include "wiretrace.h"

/*
 * Bytes of records kept per session: a menu's page is about 400 bytes
 * (25 rows), so 16 KiB holds more than the 200 lines the view starts
 * with; the oldest records go first.
 */
#define WIRELOG_MAX_BYTES (16 * 1024)
/* Lines the view starts with. */
#define WIRELOG_LINES 200

struct wirelog;

/* An empty log for session id; the caller owns it. */
struct wirelog *wirelog_new(unsigned id);
void wirelog_free(struct wirelog *l);

/*
 * A chunk of bytes (in: from the caller) at when, classified by d, its
 * direction's decoder, which it steps over the chunk; secret and whole as
 * for trace_bytes.
 */
void wirelog_chunk(struct wirelog *l, const struct timespec *when, bool in,
		   struct wiretrace_dir *d, const void *buf, size_t len,
		   bool secret, size_t whole);
/* One line of the trace (no stamp, no line end). */
void wirelog_line(struct wirelog *l, const struct timespec *when,
		  const char *text, size_t len);

/* The number of the newest record (0: none yet). */
uint64_t wirelog_mark(const struct wirelog *l);
/*
 * Appends the lines of the records newer than mark (0: all kept) to out,
 * each ending in '\n', keeping at most max lines (the newest). Returns
 * how many lines it appended.
 */
size_t wirelog_render(const struct wirelog *l, uint64_t mark, size_t max,
		      struct strbuf *out);

#endif
