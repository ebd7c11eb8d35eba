/*
 * pidfile: writes and removes --pid-file. A file is overwritten only when
 * it is plainly a PID file nobody uses any more: a teacher who mistypes
 * the name of a lesson plan loses nothing.
 */
#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"

enum pidfile_holds {
	PIDFILE_ABSENT,
	PIDFILE_EMPTY,
	PIDFILE_PID,
	PIDFILE_FOREIGN, /* anything else: refused */
	PIDFILE_UNREADABLE,
};

/* Parses "123" or "123\n"; 0 if s is anything else. */
static pid_t parse_pid(const char *s, size_t len)
{
	long v = 0;
	size_t i = 0;

	if (len > 0 && s[len - 1] == '\n')
		len--;
	if (len == 0)
		return 0;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
		if (v > INT_MAX)
			return 0;
	}
	return (pid_t)v;
}

/* What path holds; *pid is set for PIDFILE_PID. */
static enum pidfile_holds pidfile_read(const char *path, pid_t *pid)
{
	char buf[PIDFILE_MAX + 1];
	ssize_t n;
	int fd;

	/* O_NOFOLLOW: a symlink is not a PID file, whatever it points at. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return PIDFILE_ABSENT;
		return errno == ELOOP ? PIDFILE_FOREIGN : PIDFILE_UNREADABLE;
	}
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > PIDFILE_MAX) {
		close(fd);
		return PIDFILE_FOREIGN;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return PIDFILE_UNREADABLE;
	}
	close(fd);
	if (n == 0)
		return PIDFILE_EMPTY;
	*pid = parse_pid(buf, (size_t)n);
	return *pid > 0 ? PIDFILE_PID : PIDFILE_FOREIGN;
}

/* Whether pid is a live hotlined (not this one); unknown counts as yes. */
static bool pidfile_is_taken(pid_t pid, pid_t self)
{
	char path[64], comm[32];
	FILE *f;
	bool taken = true;

	if (pid == self)
		return false;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return false;
	/* A crash's PID may since name another program: that is no owner. */
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return errno != ENOENT;
	if (fgets(comm, sizeof(comm), f) != NULL)
		taken = strncmp(comm, "hotlined", 8) == 0;
	fclose(f);
	return taken;
}

/* Writes "pid\n" to a new file beside path and renames it over path. */
static int pidfile_replace(const char *path, pid_t pid, char *err, size_t errsz)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	char text[PIDFILE_MAX];
	int fd, len, rc = -1;

	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	len = snprintf(text, sizeof(text), "%ld\n", (long)pid);
	if (fchmod(fd, 0644) < 0 || write(fd, text, (size_t)len) != len) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}

int pidfile_write(const char *path, pid_t pid, char *err, size_t errsz)
{
	pid_t old = 0;

	switch (pidfile_read(path, &old)) {
	case PIDFILE_ABSENT:
	case PIDFILE_EMPTY:
		break;
	case PIDFILE_PID:
		if (pidfile_is_taken(old, pid)) {
			snprintf(err, errsz,
				 "%s: hotlined is running as pid %ld; "
				 "not replacing its PID file",
				 path, (long)old);
			return -1;
		}
		break;
	case PIDFILE_FOREIGN:
		snprintf(err, errsz,
			 "%s: exists and is not a PID file; not overwriting it",
			 path);
		return -1;
	case PIDFILE_UNREADABLE:
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	return pidfile_replace(path, pid, err, errsz);
}

void pidfile_remove(const char *path, pid_t pid)
{
	pid_t held = 0;

	if (pidfile_read(path, &held) == PIDFILE_PID && held == pid)
		unlink(path);
}
