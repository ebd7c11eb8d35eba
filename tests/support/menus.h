/*
 * menus: loading the menus a test runs on, for the tests that drive
 * sessions and cores without a server.
 */
#ifndef HOTLINE_TEST_MENUS_H
#define HOTLINE_TEST_MENUS_H

#include "menu/menu.h"

/*
 * Loads the catalog at path (a directory or one file). Returns it, owned
 * by the caller, or NULL after printing every loader error to stderr.
 */
struct menu_catalog *test_menus_load(const char *path);

#endif
