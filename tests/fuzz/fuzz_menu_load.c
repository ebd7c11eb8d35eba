/*
 * fuzz_menu_load: the YAML menu loader on arbitrary files. The input is
 * one menu file, or several separated by a line "--8<--", which are
 * loaded as a directory (so cross-file checks such as duplicate languages
 * and language references run too). Files live in a private directory
 * under /dev/shm (or /tmp), rewritten for every input.
 *
 * A catalog that loads must hold what the rest of the server relies on:
 * a start menu, keys of one UTF-8 character, goto targets inside the set,
 * texts sorted for bsearch and valid UTF-8, the required texts. It is
 * then drawn as DOT and walked by a session, and everything is freed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "log/trace.h"
#include "menu/menu.h"
#include "menu/menu_load.h"
#include "session/session.h"
#include "strbuf.h"
#include "utf8.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Files one input may become; a few are enough for the cross-file checks. */
#define FUZZ_MAX_FILES 4
/* The line that separates files in one input. */
#define FUZZ_SEPARATOR "\n--8<--\n"

static char workdir[64];
static char single_path[96];
static char dir_path[96];
static FILE *devnull;

/* Removes the work files at exit. */
static void cleanup(void)
{
	char path[128];

	unlink(single_path);
	for (int i = 0; i < FUZZ_MAX_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%d.yaml", dir_path, i);
		unlink(path);
	}
	rmdir(dir_path);
	rmdir(workdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	trace_set_level(TRACE_ERROR);
	snprintf(workdir, sizeof(workdir), "/dev/shm/hotline-fuzz-XXXXXX");
	if (mkdtemp(workdir) == NULL) {
		snprintf(workdir, sizeof(workdir), "/tmp/hotline-fuzz-XXXXXX");
		if (mkdtemp(workdir) == NULL) {
			perror("mkdtemp");
			abort();
		}
	}
	snprintf(single_path, sizeof(single_path), "%s/menu.yaml", workdir);
	snprintf(dir_path, sizeof(dir_path), "%s/menus", workdir);
	if (mkdir(dir_path, 0700) < 0) {
		perror(dir_path);
		abort();
	}
	devnull = fopen("/dev/null", "w");
	if (devnull == NULL)
		abort();
	atexit(cleanup);
	return 0;
}

/* Writes len bytes to path, replacing it. */
static void write_file(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len)) {
		perror(path);
		abort();
	}
	fclose(f);
}

/* Checks a loaded set against what sessions take for granted. */
static void check_set(const struct menu_set *set)
{
	FUZZ_CHECK(set->language != NULL && set->start != NULL);
	FUZZ_CHECK(set->nmenus > 0 && set->nmenus <= MENU_LOAD_MAX_MENUS);
	FUZZ_CHECK(set->start >= set->menus &&
		   set->start < set->menus + set->nmenus);
	for (size_t i = 0; i < set->ntexts; i++) {
		const struct menu_text *t = &set->texts[i];

		FUZZ_CHECK(utf8_is_valid(t->text, strlen(t->text)));
		FUZZ_CHECK(i == 0 ||
			   strcmp(set->texts[i - 1].name, t->name) < 0);
		FUZZ_CHECK(menu_set_text(set, t->name) == t->text);
	}
	for (unsigned i = 0; i < MENU_TEXT_COUNT; i++)
		FUZZ_CHECK(!menu_text_needed(i, MENU_TEXT_NEED_EVERY_SET) ||
			   menu_set_text_of(set, i) != NULL);
	for (size_t m = 0; m < set->nmenus; m++) {
		const struct menu *menu = &set->menus[m];
		struct strbuf sb;
		const char *vars[] = { "nick", "fuzz", "balance", "1.00",
				       NULL };

		FUZZ_CHECK(menu_set_find(set, menu->name) == menu);
		FUZZ_CHECK(utf8_is_valid(menu->text, strlen(menu->text)));
		FUZZ_CHECK(menu->timeout >= 0 &&
			   menu->timeout <= MENU_TIMEOUT_MAX);
		FUZZ_CHECK(menu->max_failures >= 1 &&
			   menu->max_failures <= MENU_COUNT_MAX);
		/* 0: one reminder, then quiet (the default menus' choice). */
		FUZZ_CHECK(menu->max_timeouts >= 0 &&
			   menu->max_timeouts <= MENU_COUNT_MAX);
		for (size_t k = 0; k < menu->nkeys; k++) {
			const struct menu_key *key = &menu->keys[k];
			const struct menu_action *a = &key->action;
			size_t len = strlen(key->key);
			uint32_t cp;

			FUZZ_CHECK(len > 0 &&
				   utf8_decode(key->key, len, &cp) == len);
			FUZZ_CHECK(menu_find_key(menu, key->key, len) != NULL);
			FUZZ_CHECK(a->type < MENU_ACTION_COUNT);
			if (a->type == MENU_ACTION_GOTO)
				FUZZ_CHECK(a->target >= set->menus &&
					   a->target <
						   set->menus + set->nmenus);
			if (a->type == MENU_ACTION_FLOW)
				FUZZ_CHECK(a->flow < MENU_FLOW_COUNT);
		}
		strbuf_init(&sb);
		menu_expand(menu->text, vars, &sb);
		strbuf_fini(&sb);
	}
}

/* A session output sink that keeps nothing. */
static void sink_write(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	FUZZ_CHECK(utf8_is_valid(text, len));
}

static void sink_set_input(void *ctx, enum lineedit_input input)
{
	(void)ctx;
	(void)input;
}

static void sink_set_timer(void *ctx, unsigned seconds)
{
	(void)ctx;
	(void)seconds;
}

static void sink_set_charset(void *ctx, const struct charset *cs)
{
	(void)ctx;
	(void)cs;
}

static void sink_close(void *ctx, const char *reason)
{
	(void)reason;
	*(bool *)ctx = true;
}

static void sink_deliver(void *ctx, struct chat_msg *msg, const void *voice)
{
	(void)ctx;
	(void)msg;
	(void)voice;
}

static void sink_send_now(void *ctx)
{
	(void)ctx;
}

/* Walks a session through every key of the start menu, then back home. */
static void walk(struct menu_catalog *cat)
{
	static const struct session_env env = { 0 };
	bool closed = false;
	struct session_io io = {
		.ctx = &closed,
		.write = sink_write,
		.set_input = sink_set_input,
		.set_timer = sink_set_timer,
		.set_charset = sink_set_charset,
		.close = sink_close,
		.notify = sink_write,
		.deliver = sink_deliver,
		.send_now = sink_send_now,
	};
	struct session *s = session_new(1, cat, &env, &io);
	const struct menu *start;

	session_start(s);
	start = session_menu(s);
	for (size_t k = 0; k < start->nkeys && !closed; k++) {
		const char *key = start->keys[k].key;

		session_on_key(s, key, strlen(key));
		session_on_line(s, "#", 1);
		session_on_key(s, "*", 1);
	}
	if (!closed)
		session_on_timeout(s);
	session_notice(s, MENU_TEXT_RELOADED);
	session_set_catalog(s, cat);
	session_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t seplen = strlen(FUZZ_SEPARATOR);
	struct menu_errors errs;
	struct menu_catalog *cat;
	const char *path = single_path;
	size_t nfiles = 0, pos = 0;
	char name[128];

	for (int i = 0; i < FUZZ_MAX_FILES; i++) {
		snprintf(name, sizeof(name), "%s/%d.yaml", dir_path, i);
		unlink(name);
	}
	while (nfiles < FUZZ_MAX_FILES) {
		const uint8_t *sep = NULL;
		size_t len = size - pos;

		if (nfiles + 1 < FUZZ_MAX_FILES && size - pos >= seplen)
			sep = memmem(data + pos, size - pos, FUZZ_SEPARATOR,
				     seplen);
		if (sep != NULL)
			len = (size_t)(sep - (data + pos));
		if (sep == NULL && nfiles == 0) {
			write_file(single_path, data, size);
			nfiles = 1;
			break;
		}
		snprintf(name, sizeof(name), "%s/%zu.yaml", dir_path, nfiles);
		write_file(name, data + pos, len);
		nfiles++;
		path = dir_path;
		if (sep == NULL)
			break;
		pos += len + seplen;
	}

	menu_errors_init(&errs);
	cat = menu_load_path(path, &errs);
	if (cat == NULL) {
		FUZZ_CHECK(errs.count > 0);
		for (size_t i = 0; i < errs.count; i++)
			FUZZ_CHECK(errs.items[i].file != NULL &&
				   errs.items[i].message != NULL);
		menu_errors_print(&errs, devnull);
	} else {
		FUZZ_CHECK(errs.count == 0 && cat->nsets == nfiles);
		for (size_t i = 0; i < cat->nsets; i++)
			check_set(&cat->sets[i]);
		menu_catalog_write_dot(cat, devnull);
		walk(cat);
		menu_catalog_unref(cat);
	}
	menu_errors_fini(&errs);
	return 0;
}
