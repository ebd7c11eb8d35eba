/*
 * eventsink: the --events file, written with write(2) a line at a time:
 * one call per line does what a stdio buffer flushed after every line
 * would, and says how much of the line went out when a write fails.
 */
#include "eventsink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "trace.h"

/* The open file, or -1: not opened, closed, or its reader is gone. */
static int eventsink_fd = -1;
static char *eventsink_path;
/* Lines lost since the last one that went out, and in all. */
static unsigned long eventsink_missed, eventsink_total_lost;
/* Part of a line went out: the next one starts a line of its own. */
static bool eventsink_torn;
/* The current run of failures was reported (once, not per line). */
static bool eventsink_reported;

/* Opens the file for appending; a FIFO without a reader is refused. */
int eventsink_open(const char *path, char *err, size_t errsz)
{
	int fd = open(path,
		      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK,
		      0600);

	if (fd < 0) {
		/* O_NONBLOCK makes a FIFO nobody reads fail at once. */
		snprintf(err, errsz, "cannot open the events file %s: %s", path,
			 errno == ENXIO ? "a FIFO with no process reading it"
					: strerror(errno));
		return -1;
	}
	eventsink_close();
	eventsink_fd = fd;
	eventsink_path = xstrdup(path);
	eventsink_missed = 0;
	eventsink_total_lost = 0;
	eventsink_torn = false;
	eventsink_reported = false;
	return 0;
}

/* Whether a failed write means no line will ever go out again. */
static bool eventsink_is_final(int err)
{
	return err == EPIPE || err == EBADF;
}

/* Writes all of p; -1 with errno, and the bytes that went out in *done. */
static int eventsink_put(const char *p, size_t len, size_t *done)
{
	*done = 0;
	while (*done < len) {
		ssize_t n = write(eventsink_fd, p + *done, len - *done);

		if (n > 0) {
			*done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO; /* nothing taken, no reason given */
		return -1;
	}
	return 0;
}

/* Counts a lost line and says why, once for a run of failures. */
static void eventsink_failed(int err)
{
	eventsink_missed++;
	eventsink_total_lost++;
	if (eventsink_is_final(err)) {
		log_error(0,
			  "events file %s: its reader is gone; "
			  "no more events are written",
			  eventsink_path);
		close(eventsink_fd);
		eventsink_fd = -1;
		return;
	}
	if (eventsink_reported)
		return;
	eventsink_reported = true;
	log_error(0, "events file %s: %s; events are lost until it takes them",
		  eventsink_path,
		  err == EAGAIN ? "its reader is not keeping up"
				: strerror(err));
}

/* Writes the line, or counts it lost; never waits on a FIFO. */
void eventsink_write(const char *line, size_t len)
{
	size_t done;

	if (eventsink_fd < 0)
		return;
	if (eventsink_torn) {
		if (eventsink_put("\n", 1, &done) < 0) {
			eventsink_failed(errno);
			return;
		}
		eventsink_torn = false;
	}
	if (eventsink_put(line, len, &done) < 0) {
		eventsink_torn = done > 0;
		eventsink_failed(errno);
		return;
	}
	if (eventsink_missed > 0) {
		log_info(0, "events file %s takes events again; %lu lost",
			 eventsink_path, eventsink_missed);
		eventsink_missed = 0;
		eventsink_reported = false;
	}
}

/* Lines lost since the file was opened. */
unsigned long eventsink_lost(void)
{
	return eventsink_total_lost;
}

/* Closes the file; the lost lines, if any, are said. */
void eventsink_close(void)
{
	if (eventsink_path != NULL && eventsink_total_lost > 0)
		log_info(0, "events file %s: %lu event%s lost in all",
			 eventsink_path, eventsink_total_lost,
			 eventsink_total_lost == 1 ? "" : "s");
	if (eventsink_fd >= 0)
		close(eventsink_fd);
	eventsink_fd = -1;
	free(eventsink_path);
	eventsink_path = NULL;
}
