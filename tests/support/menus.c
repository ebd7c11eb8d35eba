/* menus: the tests' catalog loader (see menus.h). */
#include "menus.h"

#include <stdio.h>

#include "menu/menu_load.h"

/* Loads a catalog, printing why not. */
struct menu_catalog *test_menus_load(const char *path)
{
	struct menu_errors errs;
	struct menu_catalog *cat;

	menu_errors_init(&errs);
	cat = menu_load_path(path, &errs);
	if (cat == NULL)
		menu_errors_print(&errs, stderr);
	menu_errors_fini(&errs);
	return cat;
}
