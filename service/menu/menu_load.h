/*
 * menu_load: YAML menu files to the menu model. Each file is read by
 * yamldoc, which alone knows libyaml's parser (nesting is limited there,
 * to YAMLDOC_MAX_DEPTH); this module and its files (menu_load_internal.h)
 * are the only ones that know the menu format. Every problem is reported
 * with the file, line and column it was found at.
 */
#ifndef HOTLINE_MENU_LOAD_H
#define HOTLINE_MENU_LOAD_H

#include <stdio.h>

#include "menu.h"

/* Largest menu file read, in bytes: menus are text, not data dumps. */
#define MENU_LOAD_MAX_FILE (1024 * 1024)
/* Menu files in one directory: a catalog is a handful of languages. */
#define MENU_LOAD_MAX_FILES 64
/* Menus in one set: a phone tree, not a database. */
#define MENU_LOAD_MAX_MENUS 256
/* Keys of one menu, its own and the file's global ones: a keypad has 12. */
#define MENU_LOAD_MAX_KEYS 64
/* Named texts in one set: the engine's, the flows' and some to spare. */
#define MENU_LOAD_MAX_TEXTS 256
/* Bytes of one text: a screenful or two, never a data dump. */
#define MENU_LOAD_MAX_TEXT (16 * 1024)
/* Bytes of a language id, menu name or text name. */
#define MENU_LOAD_MAX_NAME 64
/* Bytes of a set's label, e.g. "中文". */
#define MENU_LOAD_MAX_LABEL 128
/* Errors reported for one file before giving up on it. */
#define MENU_LOAD_MAX_ERRORS 50
/* What a menu gets when neither it nor the file's defaults say. */
#define MENU_LOAD_DEFAULT_TIMEOUT 60
#define MENU_LOAD_DEFAULT_MAX_TIMEOUTS 3
#define MENU_LOAD_DEFAULT_MAX_FAILURES 3

struct menu_error {
	char *file;
	unsigned line,
		col; /* 1-based; 0 when the error is about the whole file */
	char *message;
};

struct menu_errors {
	struct menu_error *items;
	size_t count;
	/* Not errors: the set works, but a caller will hear something odd. */
	struct menu_error *warnings;
	size_t nwarnings;
};

/*
 * Loads a catalog from a directory (every *.yaml in it, in name order) or
 * from one file. On success returns a catalog with one reference that the
 * caller owns and leaves errs' errors empty; on any error returns NULL and
 * fills errs. Language actions naming a set that is not loaded are errors
 * when a directory is loaded, and warnings when one file is (its callers
 * hear that the language is not available).
 */
struct menu_catalog *menu_load_path(const char *path, struct menu_errors *errs);

/*
 * Prints every error as "file:line:col: message", one a line, then every
 * warning as "file:line:col: warning: message".
 */
void menu_errors_print(const struct menu_errors *errs, FILE *out);
void menu_errors_init(struct menu_errors *errs);
void menu_errors_fini(struct menu_errors *errs);

#endif
