/*
 * histfile: the history file's place and its upkeep through readline's
 * history library. Knows nothing of sockets, telnet or the screen, and
 * is never given masked input.
 */
#include "histfile.h"
#include "mem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <readline/history.h>

/* Mode of the directories we make: the history is nobody else's business. */
#define HISTFILE_DIR_MODE 0700

/* Joins a base directory and a relative path into a new string. */
static char *histfile_join(const char *base, const char *rel)
{
	size_t blen = strlen(base), rlen = strlen(rel);
	char *p = xmalloc(blen + 1 + rlen + 1);

	/* The NUL comes with rel, two lines on:
	 * NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
	memcpy(p, base, blen);
	p[blen] = '/';
	memcpy(p + blen + 1, rel, rlen + 1);
	return p;
}

/* The history file for these environment values, or NULL. */
char *histfile_path(const char *xdg_state_home, const char *home)
{
	if (xdg_state_home != NULL && xdg_state_home[0] == '/')
		return histfile_join(xdg_state_home, "hotline/history");
	if (home != NULL && home[0] != '\0')
		return histfile_join(home, ".local/state/hotline/history");
	return NULL;
}

/* mkdir -p of the directory that holds path. */
int histfile_make_dir(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int rc = -1;

	if (slash == NULL || slash == dir) {
		rc = 0; /* in the current or root directory: nothing to make */
		goto out;
	}
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		bool last = *p == '\0';

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(dir, HISTFILE_DIR_MODE) < 0 && errno != EEXIST)
			goto out;
		if (last)
			break;
		*p = '/';
	}
	rc = 0;
out:
	free(dir);
	return rc;
}

/* Loads the history, making the file (mode 0600, readline's) if it is new. */
int histfile_load(const char *path)
{
	int err;

	stifle_history(HISTFILE_MAX);
	err = read_history(path);
	if (err == ENOENT)
		err = write_history(path);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

/* Whether line has nothing but spaces. */
static bool histfile_is_blank(const char *line)
{
	for (; *line != '\0'; line++) {
		if (*line != ' ' && *line != '\t')
			return false;
	}
	return true;
}

/* Adds a line to the history and the file, unless blank or a repeat. */
void histfile_add(const char *path, const char *line)
{
	HIST_ENTRY *last = history_get(history_base + history_length - 1);

	if (histfile_is_blank(line))
		return;
	if (last != NULL && strcmp(last->line, line) == 0)
		return;
	add_history(line);
	if (path != NULL)
		append_history(1, path);
}

/* Cuts the file down to HISTFILE_MAX lines. */
void histfile_trim(const char *path)
{
	if (path != NULL)
		history_truncate_file(path, HISTFILE_MAX);
}
