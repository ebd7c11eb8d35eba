/*
 * test_client_histfile: where the client's history lives, the directory
 * made for it (0700), and the file kept through readline's history
 * library: loaded, appended, repeats skipped, capped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <readline/history.h>

#include "histfile.h"

struct fixture {
	char dir[64];
	char *path;
};

/* Setup: an empty temporary XDG_STATE_HOME and history. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/hotline-hist-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->path = histfile_path(f->dir, NULL);
	clear_history();
	*state = f;
	return 0;
}

/* Removes the directory and forgets the history. */
static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	clear_history();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f->path);
	free(f);
	return 0;
}

/* Reads a whole small file into a static buffer. */
static const char *slurp(const char *path)
{
	static char buf[65536];
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	if (fp != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return buf;
}

/* XDG_STATE_HOME first (absolute only), then ~/.local/state, else none. */
static void test_path(void **state)
{
	char *p;

	(void)state;
	p = histfile_path("/x/state", "/home/u");
	assert_string_equal(p, "/x/state/hotline/history");
	free(p);
	p = histfile_path("relative/state", "/home/u");
	assert_string_equal(p, "/home/u/.local/state/hotline/history");
	free(p);
	p = histfile_path("", "/home/u");
	assert_string_equal(p, "/home/u/.local/state/hotline/history");
	free(p);
	assert_null(histfile_path(NULL, NULL));
	assert_null(histfile_path(NULL, ""));
}

/* mkdir -p makes every missing directory with mode 0700. */
static void test_make_dir(void **state)
{
	struct fixture *f = *state;
	char deep[128], dir[128];
	struct stat st;

	snprintf(deep, sizeof(deep), "%s/a/b/hotline/history", f->dir);
	assert_int_equal(histfile_make_dir(deep), 0);
	snprintf(dir, sizeof(dir), "%s/a/b/hotline", f->dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Again: everything exists already. */
	assert_int_equal(histfile_make_dir(deep), 0);
	snprintf(dir, sizeof(dir), "%s/a/b", f->dir);
	assert_int_equal(rmdir(dir), -1); /* not empty: hotline/ is in it */
}

/* Lines are appended at once, blanks and repeats skipped, reloaded later. */
static void test_add_and_reload(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	assert_int_equal(histfile_make_dir(f->path), 0);
	assert_int_equal(histfile_load(f->path), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0077, 0); /* only ours to read */
	histfile_add(f->path, "/who");
	histfile_add(f->path, "/who");
	histfile_add(f->path, "   ");
	histfile_add(f->path, "");
	histfile_add(f->path, "hello");
	assert_string_equal(slurp(f->path), "/who\nhello\n");
	clear_history();
	assert_int_equal(histfile_load(f->path), 0);
	assert_int_equal(history_length, 2);
	assert_string_equal(history_get(history_base + 1)->line, "hello");
}

/* The file is cut to the last HISTFILE_MAX lines. */
static void test_capped(void **state)
{
	struct fixture *f = *state;
	char line[32];
	const char *text;
	size_t lines = 0;

	assert_int_equal(histfile_make_dir(f->path), 0);
	assert_int_equal(histfile_load(f->path), 0);
	for (int i = 0; i < HISTFILE_MAX + 50; i++) {
		snprintf(line, sizeof(line), "line %d", i);
		histfile_add(f->path, line);
	}
	assert_int_equal(history_length, HISTFILE_MAX);
	histfile_trim(f->path);
	text = slurp(f->path);
	for (const char *p = text; *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, HISTFILE_MAX);
	assert_true(strncmp(text, "line 50\n", 8) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test_setup_teardown(test_make_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_and_reload, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_capped, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
