/*
 * account_open: opens the account store behind account.h: the database
 * (account_db.c), a new one filled from the demo data file
 * (account_seed.c), and the rules around it (account.c). It is the one
 * place that knows all three, so that none calls another back: the
 * seeder uses the rules' validation and its own statements on the new
 * database, the rules use the database, and the database reaches the
 * seeder only through the populate callback passed here. Knows nothing
 * of sessions or sockets.
 */
#include "account.h"
#include "account_db.h"
#include "account_internal.h"

#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "mem.h"

/* account_db_populate_fn: loads the demo data file whose path is ctx. */
static int populate_from_seed(sqlite3 *conn, void *ctx, char **err)
{
	return account_seed_load(conn, ctx, err);
}

/* Opens, creating and seeding on first use; see account.h. */
struct account_store *account_store_open(const char *path,
					 const char *seed_path, char **err)
{
	struct account_db *db;

	/* The seeder only reads the path: the cast drops no promise kept. */
	db = account_db_open(path,
			     seed_path != NULL ? populate_from_seed : NULL,
			     (void *)seed_path, err);
	return db != NULL ? account_store_new(db) : NULL;
}

/* The demo data beside the menus: in the directory, or beside the file. */
char *account_seed_path(const char *menus_path)
{
	struct stat st;
	const char *slash;

	if (stat(menus_path, &st) == 0 && S_ISDIR(st.st_mode))
		return xasprintf("%s/%s", menus_path, ACCOUNT_SEED_FILE);
	slash = strrchr(menus_path, '/');
	if (slash == NULL)
		return xstrdup(ACCOUNT_SEED_FILE);
	return xasprintf("%.*s/%s", (int)(slash - menus_path), menus_path,
			 ACCOUNT_SEED_FILE);
}
