/*
 * histfile: where the typed lines are kept between runs, and readline's
 * history loaded from and appended to that file, capped at HISTFILE_MAX
 * lines. The file lives in $XDG_STATE_HOME/hotline/history, or
 * ~/.local/state/hotline/history; its directory is made with mode 0700.
 *
 * It never sees masked input: the caller decides what is worth keeping.
 * Knows nothing of sockets, telnet or the screen.
 */
#ifndef HOTLINE_CLIENT_HISTFILE_H
#define HOTLINE_CLIENT_HISTFILE_H

/* Lines kept in memory and in the file: enough to find last week's commands. */
#define HISTFILE_MAX 1000

/*
 * The history file for these environment values (either may be NULL): a
 * relative XDG_STATE_HOME is ignored, as the XDG spec says. NULL when
 * there is no home at all. The caller owns the string.
 */
char *histfile_path(const char *xdg_state_home, const char *home);
/* Makes the directories above path (mkdir -p, new ones 0700); 0 or -1 with errno. */
int histfile_make_dir(const char *path);
/* Loads path into readline's history, creating the file; 0 or -1 with errno. */
int histfile_load(const char *path);
/*
 * Adds a line to readline's history and appends it to path (NULL: memory
 * only). Blank lines and a repeat of the previous line are skipped.
 */
void histfile_add(const char *path, const char *line);
/* Cuts the file down to its last HISTFILE_MAX lines. */
void histfile_trim(const char *path);

#endif
