/*
 * menu_dir: the menu files of a directory: every *.yaml that is not
 * hidden, at most MENU_LOAD_MAX_FILES, in bytewise name order so that a
 * catalog loads the same way in every locale. Knows nothing of YAML or
 * of what the files hold.
 */
#include "mem.h"
#include "menu_load_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Orders file names bytewise, so the order does not depend on the locale. */
static int name_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether a directory entry is a menu file: "*.yaml", not hidden. */
static bool is_menu_file(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 &&
	       strcmp(name + len - 5, ".yaml") == 0;
}

/* Lists every *.yaml in a directory, in name order; -1 after reporting. */
int menu_dir_list(const char *dir, char ***paths_out, size_t *n_out,
		  struct menu_errors *errs)
{
	const char *sep = dir[0] != '\0' && dir[strlen(dir) - 1] == '/' ? ""
									: "/";
	char **paths = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int ret = -1;

	d = opendir(dir);
	if (d == NULL) {
		menu_load_push_error(errs, dir, 0, 0,
				     xasprintf("cannot open: %s",
					       strerror(errno)));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_menu_file(de->d_name))
			continue;
		if (n == MENU_LOAD_MAX_FILES) {
			menu_load_push_error(errs, dir, 0, 0,
					     xasprintf("more than %d *.yaml "
						       "files",
						       MENU_LOAD_MAX_FILES));
			goto out;
		}
		paths = xrealloc(paths, (n + 1) * sizeof(paths[0]));
		paths[n++] = xasprintf("%s%s%s", dir, sep, de->d_name);
	}
	if (n == 0) {
		menu_load_push_error(errs, dir, 0, 0,
				     xstrdup("no *.yaml files in directory"));
		goto out;
	}
	qsort(paths, n, sizeof(paths[0]), name_compare);
	ret = 0;
out:
	if (d != NULL)
		closedir(d);
	if (ret < 0) {
		for (size_t i = 0; i < n; i++)
			free(paths[i]);
		free(paths);
		paths = NULL;
		n = 0;
	}
	*paths_out = paths;
	*n_out = n;
	return ret;
}
