/*
 * logsink: stderr written with write(2), a piece of whole lines at a
 * time, bypassing stdio's buffer: stdio cannot say how much of a line a
 * non-blocking pipe took, nor drop a line whole.
 */
#include "logsink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* stderr's flags before logsink_init made it non-blocking; -1: unchanged. */
static int logsink_saved_flags = -1;
/* The reader is gone; read without stderr's lock on every trace call. */
static atomic_bool logsink_gone;
/* Lines dropped since the last piece that went out (under stderr's lock). */
static unsigned long logsink_dropped;
/* Part of a line went out: the next piece starts a line of its own. */
static bool logsink_torn;

/* Makes a pipe or FIFO on stderr non-blocking; a terminal or file stays. */
void logsink_init(void)
{
	int fd = fileno(stderr);
	struct stat st;
	int flags;

	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || (flags & O_NONBLOCK) != 0)
		return;
	if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0)
		logsink_saved_flags = flags;
}

/* Whether a failed write means the reader will never read again. */
static bool logsink_is_final(int err)
{
	return err == EPIPE || err == EIO || err == EBADF;
}

/* Line ends in len bytes of p: the lines a failed piece loses. */
static unsigned long logsink_lines(const char *p, size_t len)
{
	unsigned long n = 0;

	for (size_t i = 0; i < len; i++)
		n += p[i] == '\n';
	return n;
}

/*
 * Bytes of p (len bytes, whole lines) to write at once: whole lines up to
 * PIPE_BUF, which a pipe takes whole or not at all; one longer line alone.
 */
static size_t logsink_piece(const char *p, size_t len)
{
	size_t piece = 0;

	while (piece < len) {
		const char *nl = memchr(p + piece, '\n', len - piece);
		size_t next = nl != NULL ? (size_t)(nl - p) + 1 : len;

		if (next > PIPE_BUF && piece > 0)
			break;
		piece = next;
		if (piece >= PIPE_BUF)
			break;
	}
	return piece;
}

/*
 * Writes len bytes of whole lines to fd. On failure returns -1, the lines
 * not written in full in *lost, marking the reader gone or a line torn.
 */
static int logsink_put(int fd, const char *p, size_t len, unsigned long *lost)
{
	while (len > 0) {
		size_t piece = logsink_piece(p, len);
		size_t done = 0;

		while (done < piece) {
			ssize_t n = write(fd, p + done, piece - done);

			if (n > 0) {
				done += (size_t)n;
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && logsink_is_final(errno))
				atomic_store(&logsink_gone, true);
			/* EAGAIN (the pipe is full), ENOSPC, ...: drop the rest. */
			if (done > 0 && p[done - 1] != '\n')
				logsink_torn = true;
			*lost = logsink_lines(p, len);
			return -1;
		}
		p += piece;
		len -= piece;
	}
	return 0;
}

/* Says how many lines were dropped, now that the pipe may take it. */
static int logsink_say_dropped(int fd)
{
	char line[160], stamp[16];
	struct timespec ts;
	struct tm tm;
	unsigned long lost = 0;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line),
		     "%s%s.%03ld %lu line%s dropped while "
		     "the pipe on stderr was full\n",
		     logsink_torn ? "\n" : "", stamp, ts.tv_nsec / 1000000,
		     logsink_dropped, logsink_dropped == 1 ? "" : "s");
	if (n < 0 || (size_t)n >= sizeof(line))
		return -1;
	if (logsink_put(fd, line, (size_t)n, &lost) < 0)
		return -1;
	logsink_dropped = 0;
	logsink_torn = false;
	return 0;
}

/* Writes the lines, or counts them dropped; never waits on a pipe. */
void logsink_write(const char *text, size_t len)
{
	int fd;
	unsigned long lost = 0;

	if (atomic_load(&logsink_gone))
		return;
	flockfile(stderr);
	fd = fileno(stderr);
	if ((logsink_dropped > 0 || logsink_torn) &&
	    logsink_say_dropped(fd) < 0) {
		logsink_dropped += logsink_lines(text, len);
		goto out;
	}
	if (logsink_put(fd, text, len, &lost) < 0)
		logsink_dropped += lost;
out:
	funlockfile(stderr);
}

/* Whether stderr's reader is gone. */
bool logsink_is_closed(void)
{
	return atomic_load(&logsink_gone);
}

/* A last word on drops, then stderr's own flags. */
void logsink_fini(void)
{
	flockfile(stderr);
	if (!atomic_load(&logsink_gone) &&
	    (logsink_dropped > 0 || logsink_torn))
		logsink_say_dropped(fileno(stderr));
	if (logsink_saved_flags >= 0)
		fcntl(fileno(stderr), F_SETFL, logsink_saved_flags);
	logsink_saved_flags = -1;
	funlockfile(stderr);
}
