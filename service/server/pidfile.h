/*
 * pidfile: --pid-file, so a teacher can signal this hotlined and no other
 * (kill -STOP $(cat hotlined.pid)). Knows nothing of the server.
 */
#ifndef HOTLINE_PIDFILE_H
#define HOTLINE_PIDFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Bytes a PID file may hold: a PID, a newline, nothing else. */
#define PIDFILE_MAX 32

/*
 * Writes pid to path, replacing it at once (a reader never sees it
 * half-written). An existing file is replaced only if it is empty or
 * holds a PID no hotlined runs as (a crash's leftover); anything else is
 * refused. Returns 0, or -1 with the reason in err (size errsz).
 */
int pidfile_write(const char *path, pid_t pid, char *err, size_t errsz);

/* Removes path if it still holds pid (another server may have taken it). */
void pidfile_remove(const char *path, pid_t pid);

#endif
