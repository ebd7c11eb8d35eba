/*
 * logsink: where the log and the trace are written, stderr, so that
 * writing them can never stop or slow the server. The teacher pipes the
 * trace into a pager (hotlined --trace 2>&1 | less): while the pager
 * waits on a screenful, the pipe fills; when the pager quits, the pipe
 * has no reader. Neither may hold up a single caller.
 *
 * A pipe or FIFO on stderr is made non-blocking: what a full pipe cannot
 * take is dropped, a line at a time, counted, and said once it drains. A
 * reader gone for good (EPIPE; EIO from a hung-up terminal) ends the
 * writing: later lines are not even tried. A terminal or a file is
 * written as before, blocking: O_NONBLOCK belongs to the open file, which
 * a terminal shares with the shell.
 *
 * Knows nothing of what the lines say; the only file it knows is stderr.
 */
#ifndef HOTLINE_LOGSINK_H
#define HOTLINE_LOGSINK_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Looks at stderr once, before serving: a pipe or FIFO is made
 * non-blocking until logsink_fini.
 */
void logsink_init(void);
/*
 * Says how many lines were dropped, if the pipe now takes it, and gives
 * stderr its flags back for whoever shares the pipe after us.
 */
void logsink_fini(void);

/*
 * Writes text, whole lines, to stderr: in pieces of whole lines that a
 * pipe takes whole or not at all, so a dropped line is a whole line.
 * Before the first piece that goes out after a drop, a line saying how
 * many were dropped. Safe from any thread (it holds stderr's lock).
 */
void logsink_write(const char *text, size_t len);

/* Whether stderr's reader is gone for good: nothing is written any more. */
bool logsink_is_closed(void);

#endif
