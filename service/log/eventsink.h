/*
 * eventsink: the file hotlined --events writes, a line at a time, so that
 * writing it never stops the server or holds up the loop for long. A file
 * on disk takes a line at once (the page cache); a FIFO with a grader
 * behind it is written non-blocking, and a line it cannot take now is
 * dropped, whole. A write that fails (a full disk, a FIFO not read) is
 * reported once, its line counted lost, and the server serves on; once
 * the file takes lines again, one log line says how many were lost. A
 * FIFO whose reader is gone for good is not written any more.
 *
 * Knows nothing of what the lines say; runs on the loop's thread only.
 */
#ifndef HOTLINE_EVENTSINK_H
#define HOTLINE_EVENTSINK_H

#include <stddef.h>

/*
 * Opens path for appending (created with mode 0600). -1 with the reason
 * in err (size errsz): no such directory, no permission, a FIFO with no
 * reader.
 */
int eventsink_open(const char *path, char *err, size_t errsz);
/*
 * Writes one line (len bytes, its line end included), or drops it. After
 * a line cut short, the next starts on a line of its own, so a reader
 * loses the one cut line only.
 */
void eventsink_write(const char *line, size_t len);
/* Lines dropped or cut since the file was opened. */
unsigned long eventsink_lost(void);
/* Closes the file, saying how many lines were lost if any were. */
void eventsink_close(void);

#endif
