/*
 * menu_load: YAML menu files to the menu model, through libyaml. The only
 * module that knows about YAML. Every problem is reported with the file,
 * line and column it was found at.
 */
#ifndef HOTLINE_MENU_LOAD_H
#define HOTLINE_MENU_LOAD_H

#include <stdio.h>

#include "menu.h"

/* Largest menu file read, in bytes: menus are text, not data dumps. */
#define MENU_LOAD_MAX_FILE (1024 * 1024)

struct menu_error {
	char *file;
	unsigned line, col; /* 1-based; 0 when the error is about the whole file */
	char *message;
};

struct menu_errors {
	struct menu_error *items;
	size_t count;
};

/*
 * Loads a catalog from a directory (every *.yaml in it, in name order) or
 * from one file. On success returns a catalog with one reference that the
 * caller owns and leaves errs empty; on any error returns NULL and fills
 * errs. Language actions naming a set that is not loaded are errors only
 * when a directory is loaded.
 */
struct menu_catalog *menu_load_path(const char *path, struct menu_errors *errs);

/* Prints every error as "file:line:col: message", one a line. */
void menu_errors_print(const struct menu_errors *errs, FILE *out);
void menu_errors_init(struct menu_errors *errs);
void menu_errors_fini(struct menu_errors *errs);

#endif
