/*
 * menu_load: reads menu files into the menu model. Each file is read by
 * yamldoc (one checked YAML document) and built into a set by
 * menu_schema and menu_keys; menu_check checks across the files of a
 * directory. This file loads a path, a directory (through menu_dir) or
 * one file, and keeps the list of errors and warnings the caller prints.
 * The loader keeps no global state: everything lives in a struct loader
 * on the stack. Knows nothing of sessions or sockets.
 */
#include "mem.h"
#include "menu_load_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- errors ------------------------------------------------------------- */

/* Appends one error; takes ownership of message. */
void menu_load_push_error(struct menu_errors *errs, const char *file,
			  unsigned line, unsigned col, char *message)
{
	struct menu_error *e;

	errs->items = xrealloc(errs->items,
			       (errs->count + 1) * sizeof(errs->items[0]));
	e = &errs->items[errs->count++];
	e->file = xstrdup(file);
	e->line = line;
	e->col = col;
	e->message = message;
}

/* Adds a warning; takes ownership of message. */
void menu_load_push_warning(struct menu_errors *errs, const char *file,
			    unsigned line, unsigned col, char *message)
{
	struct menu_error *e;

	errs->warnings = xrealloc(errs->warnings,
				  (errs->nwarnings + 1) *
					  sizeof(errs->warnings[0]));
	e = &errs->warnings[errs->nwarnings++];
	e->file = xstrdup(file);
	e->line = line;
	e->col = col;
	e->message = message;
}

/* --- loading ------------------------------------------------------------ */

/*
 * Loads one file into ld->set through yamldoc, then moves the file's
 * errors (in file order, the limit's note last) into ld->errs.
 */
static void load_file(struct loader *ld)
{
	int fd;

	yamldoc_init(&ld->yd, ld->file, MENU_LOAD_MAX_ERRORS);
	/* O_NONBLOCK: a FIFO named *.yaml must not hang the server. */
	fd = open(ld->file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		yamldoc_error(&ld->yd, NULL, "cannot open: %s",
			      strerror(errno));
	else if (yamldoc_load_fd(&ld->yd, fd, MENU_LOAD_MAX_FILE) == 0)
		menu_schema_read(ld, yamldoc_root(&ld->yd));
	if (fd >= 0)
		close(fd);
	free(ld->menu_marks);
	ld->menu_marks = NULL;
	for (size_t i = 0; i < ld->yd.nerrors; i++) {
		const struct yamldoc_error *e = &ld->yd.errors[i];

		menu_load_push_error(ld->errs, ld->file, e->line, e->col,
				     e->message);
	}
	ld->yd.nerrors = 0; /* the messages are errs' now */
	yamldoc_fini(&ld->yd);
}

/*
 * Loads each file into a set of cat, then checks language ids across
 * them: unique always, and language actions resolved when
 * check_languages (a directory load).
 */
static void load_files(struct menu_catalog *cat, char **paths, size_t n,
		       bool check_languages, struct menu_errors *errs)
{
	struct file_info *infos = xcalloc(n, sizeof(infos[0]));

	cat->sets = xcalloc(n, sizeof(cat->sets[0]));
	for (size_t i = 0; i < n; i++) {
		struct loader ld = {
			.file = paths[i],
			.errs = errs,
			.set = &cat->sets[cat->nsets++],
			.info = &infos[i],
		};

		ld.set->path = xstrdup(paths[i]);
		load_file(&ld);
	}
	menu_check_languages(paths, infos, n, check_languages, errs);
	for (size_t i = 0; i < n; i++)
		menu_check_info_fini(&infos[i]);
	free(infos);
}

/* Loads a directory of menu files or one file; NULL with errs filled on error. */
struct menu_catalog *menu_load_path(const char *path, struct menu_errors *errs)
{
	struct menu_catalog *cat = NULL;
	size_t first = errs->count;
	struct stat st;

	if (stat(path, &st) < 0) {
		menu_load_push_error(errs, path, 0, 0,
				     xasprintf("cannot open: %s",
					       strerror(errno)));
		goto out;
	}
	cat = menu_catalog_new();
	if (S_ISDIR(st.st_mode)) {
		char **paths;
		size_t n;

		if (menu_dir_list(path, &paths, &n, errs) == 0) {
			load_files(cat, paths, n, true, errs);
			for (size_t i = 0; i < n; i++)
				free(paths[i]);
			free(paths);
		}
	} else {
		char *paths[] = { (char *)path };

		load_files(cat, paths, 1, false, errs);
	}
	if (errs->count > first) {
		menu_catalog_unref(cat);
		cat = NULL;
	}
out:
	return cat;
}

/* Prints every error as "file:line:col: message", one a line. */
void menu_errors_print(const struct menu_errors *errs, FILE *out)
{
	for (size_t i = 0; i < errs->count; i++) {
		const struct menu_error *e = &errs->items[i];

		if (e->line > 0)
			fprintf(out, "%s:%u:%u: %s\n", e->file, e->line, e->col,
				e->message);
		else
			fprintf(out, "%s: %s\n", e->file, e->message);
	}
	for (size_t i = 0; i < errs->nwarnings; i++) {
		const struct menu_error *w = &errs->warnings[i];

		fprintf(out, "%s:%u:%u: warning: %s\n", w->file, w->line,
			w->col, w->message);
	}
}

/* Starts an empty error list. */
void menu_errors_init(struct menu_errors *errs)
{
	errs->items = NULL;
	errs->count = 0;
	errs->warnings = NULL;
	errs->nwarnings = 0;
}

/* Frees every error. */
void menu_errors_fini(struct menu_errors *errs)
{
	for (size_t i = 0; i < errs->count; i++) {
		free(errs->items[i].file);
		free(errs->items[i].message);
	}
	for (size_t i = 0; i < errs->nwarnings; i++) {
		free(errs->warnings[i].file);
		free(errs->warnings[i].message);
	}
	free(errs->items);
	free(errs->warnings);
	menu_errors_init(errs);
}
