/*
 * Tests of menu_load and the menu model: the default menus, a small good
 * file, a directory with language actions across files, every broken
 * fixture in tests/data/ with its exact "file:line:col: message", the
 * catalog's reference count and the Graphviz output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mem.h"
#include "menu/menu.h"
#include "menu/menu_load.h"
#include "proto/charset.h"
#include "strbuf.h"
#include "utf8.h"

/* Most errors one broken fixture is expected to report. */
#define TEST_MAX_EXPECTED 10
/* Columns of the terminal the default menus must fit. */
#define TEST_TERMINAL_COLUMNS 80

/* A broken fixture and what loading it must say, after its path. */
struct bad_case {
	const char *file;
	const char *expected[TEST_MAX_EXPECTED]; /* NULL-terminated */
};

/* State of one test: what it loaded, what it printed, a temporary file. */
struct fixture {
	const struct bad_case *bad;
	struct menu_errors errs;
	struct menu_catalog *cat;
	char *printed;
	char tmp[64];
};

static const struct bad_case bad_cases[] = {
	{ "bad_syntax.yaml",
	  { ":19:6: syntax error: did not find expected key (while parsing a "
	    "block mapping at 16:5)" } },
	{ "bad_empty.yaml", { ": file is empty" } },
	{ "bad_toplevel.yaml",
	  { ":1:1: the top level must be a mapping (got a sequence)" } },
	{ "bad_unknown_field.yaml",
	  { ":14:1: unknown field \"colour\" (expected language, name, start, "
	    "defaults, keys, texts or menus)" } },
	{ "bad_missing_start.yaml", { ":1:1: missing field \"start\"" } },
	{ "bad_start_unknown.yaml",
	  { ":3:8: start names unknown menu \"welcome\"" } },
	{ "bad_dup_menu.yaml",
	  { ":19:3: duplicate menu \"main\" (first at 15:3)" } },
	{ "bad_dup_key.yaml",
	  { ":19:7: duplicate key \"1\" (first at 18:7)" } },
	{ "bad_dup_field.yaml",
	  { ":18:5: duplicate field \"text\" (first at 16:5)" } },
	{ "bad_key_length.yaml",
	  { ":18:7: key \"12\" must be exactly one character" } },
	{ "bad_key_space.yaml",
	  { ":18:7: key \" \" must be a printable character, not a space or "
	    "control" } },
	{ "bad_action.yaml",
	  { ":18:12: key \"1\" has unknown action \"hangup\" (expected back, "
	    "home, repeat, quit, query, recharge, chat, balance, usage, plan, recent, card, amount, wire, goto or language)" } },
	{ "bad_flow_texts.yaml",
	  { ":62:12: key \"4\" starts chat, which needs text \"chat_help\"",
	    ":62:12: key \"4\" starts chat, which needs text \"chat_removed\"" } },
	{ "bad_flow_menu.yaml",
	  { ":109:13: key \"\\\"\" starts query, which needs a menu \"account\"" } },
	{ "bad_goto.yaml",
	  { ":18:19: key \"5\" goes to unknown menu \"bills\"" } },
	{ "bad_goto_language.yaml",
	  { ":18:25: key \"9\": goto cannot be combined with language" } },
	{ "bad_action_field.yaml",
	  { ":18:27: unknown field \"encoding\" (expected goto, language or "
	    "charset)" } },
	{ "bad_action_empty.yaml",
	  { ":18:12: key \"9\" has an empty action (expected goto, language or "
	    "charset)" } },
	{ "bad_charset.yaml",
	  { ":18:36: key \"2\" has unknown charset \"klingon\" (iconv does not "
	    "know it; iconv -l lists the names it does)" } },
	{ "bad_charset_kinds.yaml",
	  { ":18:22: key \"1\": charset \"gbk//IGNORE\" is not an encoding name "
	    "(ASCII letters, digits, \"-\", \"_\", \".\", \":\")",
	    ":19:36: key \"2\": charset \"UTF-16\" does not keep ASCII as it is "
	    "(keys, Enter and telnet need it)" } },
	{ "bad_no_text.yaml", { ":15:3: menu \"main\" has no text" } },
	{ "bad_text_type.yaml",
	  { ":17:7: text of menu \"main\" must be a string (got a sequence)" } },
	{ "bad_timeout.yaml",
	  { ":17:14: timeout must be an integer from 0 to 3600 (got "
	    "\"7200\")" } },
	{ "bad_input_timeout.yaml",
	  { ":17:20: input_timeout must be an integer from 0 to 3600 (got "
	    "\"-5\")",
	    ":18:25: input_max_timeouts must be an integer from 0 to 100 "
	    "(got \"a few\")" } },
	{ "bad_text_field.yaml",
	  { ":5:12: text \"goodbye\" has no field {nick}",
	    ":14:17: text \"query_locked\" has no field {minute} (its fields: "
	    "minutes)",
	    ":14:17: warning: text \"query_locked\" does not show {minutes}" } },
	{ "bad_max_failures.yaml",
	  { ":15:17: max_failures must be an integer from 1 to 100 (got "
	    "\"three\")" } },
	{ "bad_required_text.yaml", { ":4:1: missing text \"closing\"" } },
	{ "bad_utf8.yaml", { ":17:10: not valid UTF-8 (byte 0xE9)" } },
	{ "bad_nul.yaml",
	  { ":16:11: text of menu \"main\" contains a NUL character" } },
	{ "bad_alias.yaml", { ":18:11: YAML aliases are not allowed (*lol)" } },
	{ "bad_depth.yaml", { ":18:24: nested deeper than 16 levels" } },
	{ "bad_two_docs.yaml", { ":17:1: only one YAML document is allowed" } },
	{ "bad_menu_name.yaml",
	  { ":15:3: menu name \"main menu\" may only hold ASCII letters, "
	    "digits, \"-\", \"_\" and \".\"" } },
	{ "bad_many.yaml",
	  { ":2:1: missing field \"name\"", ":4:1: missing text \"menu_gone\"",
	    ":4:1: missing text \"busy\"", ":4:1: missing text \"ayt\"",
	    ":14:19: max_timeouts must be an integer from 0 to 100 (got "
	    "\"101\")",
	    ":16:19: key \"1\" goes to unknown menu \"bills\"",
	    ":17:12: key \"2\" has unknown action \"hangup\" (expected back, "
	    "home, repeat, quit, query, recharge, chat, balance, usage, plan, recent, card, amount, wire, goto or language)",
	    ":19:7: duplicate key \"3\" (first at 18:7)",
	    ":20:3: menu \"help\" has no text",
	    ":22:7: key \"ab\" must be exactly one character" } },
};

/* The head of a valid file with every required text, for generated files. */
static const char file_head[] = "language: xx\n"
				"name: Test\n"
				"start: main\n"
				"texts:\n"
				"  goodbye: \"Bye.\\n\"\n"
				"  invalid: \"Invalid.\\n\"\n"
				"  timeout: \"Timeout.\\n\"\n"
				"  unavailable: \"Unavailable.\\n\"\n"
				"  too_long: \"Too long.\\n\"\n"
				"  closing: \"Closing.\\n\"\n"
				"  menu_gone: \"Gone.\\n\"\n"
				"  busy: \"Busy.\\n\"\n"
				"  ayt: \"[Yes]\\n\"\n"
				"menus:\n"
				"  main:\n";

/* Starts a test with empty errors; a bad case arrives as the prestate. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->bad = *state;
	menu_errors_init(&f->errs);
	*state = f;
	return 0;
}

/* Frees what the test loaded and removes its temporary file. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	menu_catalog_unref(f->cat);
	menu_errors_fini(&f->errs);
	free(f->printed);
	if (f->tmp[0] != '\0')
		unlink(f->tmp);
	free(f);
	return 0;
}

/* Returns a path under TEST_DATA_DIR; the caller owns it. */
static char *data_path(const char *name)
{
	return xasprintf("%s/%s", TEST_DATA_DIR, name);
}

/* Loads path expecting failure; keeps what menu_errors_print prints. */
static void load_bad(struct fixture *f, const char *path)
{
	size_t len;
	FILE *mem;

	f->cat = menu_load_path(path, &f->errs);
	assert_null(f->cat);
	assert_true(f->errs.count > 0);
	mem = open_memstream(&f->printed, &len);
	assert_non_null(mem);
	menu_errors_print(&f->errs, mem);
	fclose(mem);
}

/* Loads path expecting success, printing the errors if it fails. */
static void load_good(struct fixture *f, const char *path)
{
	f->cat = menu_load_path(path, &f->errs);
	if (f->cat == NULL)
		menu_errors_print(&f->errs, stderr);
	assert_non_null(f->cat);
	assert_int_equal(f->errs.count, 0);
}

/* Checks the printed errors are exactly path + each suffix, one a line. */
static void assert_errors(const struct fixture *f, const char *path,
			  const char *const *suffixes, size_t n)
{
	struct strbuf want;

	strbuf_init(&want);
	for (size_t i = 0; i < n && suffixes[i] != NULL; i++)
		strbuf_printf(&want, "%s%s\n", path, suffixes[i]);
	assert_string_equal(f->printed, want.data);
	strbuf_fini(&want);
}

/* Writes a temporary file made of head and body; its name goes in f->tmp. */
static void write_tmp(struct fixture *f, const char *head, const char *body)
{
	FILE *fp;
	int fd;

	snprintf(f->tmp, sizeof(f->tmp), "/tmp/test_menu_load.XXXXXX");
	fd = mkstemp(f->tmp);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fputs(head, fp);
	fputs(body, fp);
	assert_int_equal(fclose(fp), 0);
}

/* The encoding called name, which the test expects iconv to know. */
static const struct charset *charset_named(const char *name)
{
	const struct charset *cs = NULL;

	assert_int_equal(charset_lookup(name, &cs), CHARSET_OK);
	return cs;
}

/* Returns the key's action in a menu, failing the test if it is missing. */
static const struct menu_action *key_action(const struct menu *menu,
					    const char *key)
{
	const struct menu_key *k = menu_find_key(menu, key, strlen(key));

	assert_non_null(k);
	return &k->action;
}

/* --- the default menus ----------------------------------------------- */

/* Checks one default set: start menu, keys, the language menu, texts. */
static void check_default_set(const struct menu_catalog *cat,
			      const char *language, const char *goodbye)
{
	const struct menu_set *set = menu_catalog_find(cat, language);
	const struct menu *main_menu, *lang;
	const struct menu_action *a;

	assert_non_null(set);
	assert_string_equal(set->language, language);
	main_menu = menu_set_find(set, "main");
	assert_non_null(main_menu);
	assert_ptr_equal(set->start, main_menu);
	assert_int_equal(key_action(main_menu, "1")->type, MENU_ACTION_FLOW);
	assert_int_equal(key_action(main_menu, "1")->flow, MENU_FLOW_QUERY);
	assert_int_equal(key_action(main_menu, "2")->flow, MENU_FLOW_RECHARGE);
	assert_int_equal(key_action(main_menu, "3")->type, MENU_ACTION_QUIT);
	assert_int_equal(key_action(main_menu, "4")->flow, MENU_FLOW_CHAT);
	a = key_action(main_menu, "9");
	assert_int_equal(a->type, MENU_ACTION_GOTO);
	lang = menu_set_find(set, "language");
	assert_ptr_equal(a->target, lang);

	/* The language menu: its five keys, then the global 0, * and #. */
	assert_int_equal(lang->nkeys, 8);
	a = key_action(lang, "1");
	assert_int_equal(a->type, MENU_ACTION_LANGUAGE);
	assert_string_equal(a->language, "zh-CN");
	assert_ptr_equal(a->charset, charset_utf8());
	a = key_action(lang, "2");
	assert_string_equal(a->language, "zh-CN");
	assert_ptr_equal(a->charset, charset_named("gbk"));
	a = key_action(lang, "3");
	assert_string_equal(a->language, "en");
	assert_null(a->charset);
	assert_non_null(menu_catalog_find(cat, a->language));
	a = key_action(lang, "4");
	assert_string_equal(a->language, "zh-TW");
	assert_ptr_equal(a->charset, charset_utf8());
	a = key_action(lang, "5");
	assert_string_equal(a->language, "zh-TW");
	assert_ptr_equal(a->charset, charset_named("big5"));
	assert_string_equal(charset_name(a->charset), "big5");
	assert_non_null(menu_catalog_find(cat, a->language));
	for (size_t m = 0; m < set->nmenus; m++) {
		const struct menu *menu = &set->menus[m];

		assert_int_equal(key_action(menu, "0")->type,
				 MENU_ACTION_REPEAT);
		assert_int_equal(key_action(menu, "*")->type, MENU_ACTION_BACK);
		assert_int_equal(key_action(menu, "#")->type, MENU_ACTION_HOME);
	}
	assert_string_equal(menu_set_text(set, "goodbye"), goodbye);
	/* Every text the service says, required or not: the sets offer every flow. */
	for (unsigned i = 0; i < MENU_TEXT_COUNT; i++)
		if (menu_set_text_of(set, i) == NULL)
			fail_msg("%s lacks text \"%s\"", language,
				 menu_text_name(i));
}

/* The three default sets load from menus/ with the documented graph. */
static void test_default_sets(void **state)
{
	struct fixture *f = *state;

	load_good(f, MENUS_DIR);
	assert_int_equal(f->cat->nsets, 3);
	/* Sorted by file name: en.yaml, zh-CN.yaml, zh-TW.yaml. */
	assert_string_equal(f->cat->sets[0].language, "en");
	assert_string_equal(f->cat->sets[1].language, "zh-CN");
	assert_string_equal(f->cat->sets[1].label, "中文");
	assert_string_equal(f->cat->sets[2].language, "zh-TW");
	assert_string_equal(f->cat->sets[2].label, "繁體中文");
	check_default_set(f->cat, "zh-CN", "感谢您的来电,再见!\n");
	check_default_set(f->cat, "en", "Thank you for calling. Goodbye!\n");
	check_default_set(f->cat, "zh-TW", "感謝您的來電，再見！\n");
	assert_ptr_equal(menu_catalog_default(f->cat, "zh-CN"),
			 &f->cat->sets[1]);
	assert_ptr_equal(menu_catalog_default(f->cat, "fr"), &f->cat->sets[0]);
	assert_non_null(strstr(menu_set_text(menu_catalog_find(f->cat, "zh-CN"),
					     "unavailable"),
			       "暂未开通"));
}

/* Checks a text ends with a newline, has no tab and fits the terminal. */
static void check_text_fits(const char *text)
{
	int col = 0;
	uint32_t cp;

	assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
	for (const char *p = text; *p != '\0';) {
		size_t n = utf8_decode(p, strlen(p), &cp);

		assert_true(n > 0);
		assert_true(cp != '\t');
		col = cp == '\n' ? 0 : col + utf8_width(cp);
		assert_true(col <= TEST_TERMINAL_COLUMNS);
		p += n;
	}
}

/*
 * Key 8 before any Enter: the wire text with its "none yet" texts in
 * place, the one line filled from two texts, fits as well.
 */
static void check_wire_fits(const struct menu_set *set)
{
	const char *vars[] = {
		"enter",     menu_set_text_of(set, MENU_TEXT_WIRE_NO_ENTER),
		"backspace", menu_set_text_of(set, MENU_TEXT_WIRE_NO_BACKSPACE),
		NULL,
	};
	struct strbuf sb;
	char *p;

	strbuf_init(&sb);
	assert_non_null(vars[1]);
	assert_non_null(vars[3]);
	menu_expand(menu_set_text_of(set, MENU_TEXT_WIRE), vars, &sb);
	/* The "none yet" texts end in a newline of their own. */
	while ((p = strstr(sb.data, "\n\n")) != NULL)
		memmove(p, p + 1, strlen(p + 1) + 1);
	check_text_fits(sb.data);
	strbuf_fini(&sb);
}

/* Every default text ends with a newline and fits an 80-column terminal. */
static void test_default_texts_fit(void **state)
{
	struct fixture *f = *state;

	load_good(f, MENUS_DIR);
	/* Every set, the three named ones among them. */
	assert_non_null(menu_catalog_find(f->cat, "zh-CN"));
	assert_non_null(menu_catalog_find(f->cat, "en"));
	assert_non_null(menu_catalog_find(f->cat, "zh-TW"));
	for (size_t s = 0; s < f->cat->nsets; s++) {
		const struct menu_set *set = &f->cat->sets[s];

		for (size_t m = 0; m < set->nmenus; m++)
			check_text_fits(set->menus[m].text);
		for (size_t t = 0; t < set->ntexts; t++)
			check_text_fits(set->texts[t].text);
		check_wire_fits(set);
	}
}

/*
 * Fails unless text survives a round trip through cs: a character the
 * encoding lacks would reach a caller as '?'.
 */
static void check_text_encodes(const char *language, const char *text,
			       const struct charset *cs)
{
	struct charset_conv *cv = charset_conv_new(cs);
	struct strbuf there, back;

	strbuf_init(&there);
	strbuf_init(&back);
	charset_encode(cv, text, strlen(text), &there);
	charset_decode(cv, there.data, there.len, &back);
	if (back.len != strlen(text) || memcmp(back.data, text, back.len) != 0)
		fail_msg("%s in %s loses characters: %s", language,
			 charset_name(cs), text);
	strbuf_fini(&there);
	strbuf_fini(&back);
	charset_conv_free(cv);
}

/* Checks every menu and text of a set in one encoding. */
static void check_set_encodes(const struct menu_set *set,
			      const struct charset *cs)
{
	for (size_t m = 0; m < set->nmenus; m++)
		check_text_encodes(set->language, set->menus[m].text, cs);
	for (size_t t = 0; t < set->ntexts; t++)
		check_text_encodes(set->language, set->texts[t].text, cs);
}

/* The encodings the catalog's keys switch to, UTF-8 first. */
static size_t offered_charsets(const struct menu_catalog *cat,
			       const struct charset **offered)
{
	size_t n = 0;

	offered[n++] = charset_utf8();
	for (size_t s = 0; s < cat->nsets; s++)
		for (size_t m = 0; m < cat->sets[s].nmenus; m++) {
			const struct menu *menu = &cat->sets[s].menus[m];

			for (size_t k = 0; k < menu->nkeys; k++) {
				const struct charset *cs =
					menu->keys[k].action.charset;
				size_t i = 0;

				while (i < n && offered[i] != cs)
					i++;
				if (cs != NULL && i == n)
					offered[n++] = cs;
			}
		}
	return n;
}

/*
 * Checks the set a language key leads to in the encoding it switches to
 * or, for a key that keeps the caller's, in every encoding offered.
 */
static void check_key_encodes(const struct menu_catalog *cat,
			      const struct menu_set *from,
			      const struct menu_action *a,
			      const struct charset *const *offered, size_t n)
{
	const struct menu_set *to = from;

	if (a->type != MENU_ACTION_LANGUAGE)
		return;
	if (a->language != NULL)
		to = menu_catalog_find(cat, a->language);
	assert_non_null(to);
	if (a->charset != NULL) {
		check_set_encodes(to, a->charset);
		return;
	}
	for (size_t i = 0; i < n; i++)
		check_set_encodes(to, offered[i]);
}

/*
 * Every default text can be shown in every encoding a caller can hear it
 * in: the one a language key switches to with the set, or, for a key
 * that keeps the caller's (English), any the menus offer. So the Big5
 * caller who picks English sees no '?' (en.yaml holds no simplified-only
 * character), nor the GBK caller 繁體中文 in the language menu.
 */
static void test_default_texts_encodable(void **state)
{
	struct fixture *f = *state;
	const struct charset *offered[CHARSET_MAX];
	size_t n;

	load_good(f, MENUS_DIR);
	n = offered_charsets(f->cat, offered);
	assert_int_equal(n, 3); /* utf-8, gbk, big5 */
	for (size_t s = 0; s < f->cat->nsets; s++)
		for (size_t m = 0; m < f->cat->sets[s].nmenus; m++) {
			const struct menu *menu = &f->cat->sets[s].menus[m];

			for (size_t k = 0; k < menu->nkeys; k++)
				check_key_encodes(f->cat, &f->cat->sets[s],
						  &menu->keys[k].action,
						  offered, n);
		}
}

/*
 * One default file loads alone: its language action to "en" is no error,
 * but a warning at the key, as --check and --menus both print it.
 */
static void test_default_single_file(void **state)
{
	struct fixture *f = *state;
	const struct menu_error *w;

	load_good(f, MENUS_DIR "/zh-CN.yaml");
	assert_int_equal(f->cat->nsets, 1);
	assert_string_equal(f->cat->sets[0].path, MENUS_DIR "/zh-CN.yaml");
	assert_null(menu_catalog_find(f->cat, "en"));
	/* Keys 3 (English), 4 and 5 (繁體中文). */
	assert_int_equal(f->errs.nwarnings, 3);
	w = &f->errs.warnings[0];
	assert_string_equal(w->file, MENUS_DIR "/zh-CN.yaml");
	assert_true(w->line > 0 && w->col > 0);
	assert_non_null(strstr(w->message, "key \"3\" switches to language "
					   "\"en\", which is not loaded"));
	assert_non_null(strstr(f->errs.warnings[2].message,
			       "key \"5\" switches to language \"zh-TW\", "
			       "which is not loaded"));
}

/* A service text that leaves out a field it is given: a warning. */
static void test_text_without_its_field(void **state)
{
	struct fixture *f = *state;
	const struct menu_error *w;

	write_tmp(f,
		  "language: xx\n"
		  "name: Test\n"
		  "start: main\n"
		  "texts:\n"
		  "  goodbye: \"Bye.\\n\"\n"
		  "  invalid: \"Invalid.\\n\"\n"
		  "  timeout: \"Timeout.\\n\"\n"
		  "  unavailable: \"Unavailable.\\n\"\n"
		  "  too_long: \"Too long.\\n\"\n"
		  "  closing: \"Closing.\\n\"\n"
		  "  menu_gone: \"Gone.\\n\"\n"
		  "  busy: \"Busy.\\n\"\n"
		  "  ayt: \"[Yes]\\n\"\n"
		  "  query_locked: \"Locked.\\n\"\n"
		  "menus:\n"
		  "  main:\n",
		  "    text: \"Main\\n\"\n");
	load_good(f, f->tmp);
	assert_int_equal(f->errs.nwarnings, 1);
	w = &f->errs.warnings[0];
	assert_int_equal(w->line, 14);
	assert_int_equal(w->col, 17);
	assert_string_equal(w->message,
			    "text \"query_locked\" does not show {minutes}");
}

/* Loaded together, the default sets reach each other: no warning. */
static void test_default_dir_no_warning(void **state)
{
	struct fixture *f = *state;

	load_good(f, MENUS_DIR);
	assert_int_equal(f->errs.nwarnings, 0);
}

/* --- good files ------------------------------------------------------ */

/* The small good fixture: defaults, overrides, every kind of action. */
static void test_good_minimal(void **state)
{
	struct fixture *f = *state;
	const struct menu *main_menu, *sub;
	const struct menu_action *a;
	const struct menu_set *set;

	load_good(f, TEST_DATA_DIR "/good_minimal.yaml");
	set = &f->cat->sets[0];
	assert_string_equal(set->language, "xx");
	assert_string_equal(set->label, "Test");
	assert_int_equal(set->nmenus, 4);
	main_menu = menu_set_find(set, "main");
	sub = menu_set_find(set, "sub");
	assert_non_null(sub);
	assert_null(menu_set_find(set, "nope"));
	assert_ptr_equal(set->start, main_menu);

	assert_string_equal(main_menu->text,
			    "Main menu\n  1 Sub menu\n  3 Quit\n");
	assert_string_equal(main_menu->invalid, "Not on this menu.\n");
	assert_int_equal(main_menu->timeout, 30);
	assert_int_equal(main_menu->max_timeouts, 3);
	assert_int_equal(main_menu->max_failures, 5);
	/* Typing follows the menu's numbers unless told otherwise. */
	assert_int_equal(main_menu->input_timeout, 30);
	assert_int_equal(main_menu->input_max_timeouts, 3);
	assert_null(sub->invalid);
	assert_int_equal(sub->timeout, 0);
	assert_int_equal(sub->max_timeouts, 1);
	assert_int_equal(sub->input_timeout, 15);
	assert_int_equal(sub->input_max_timeouts, 0);
	assert_int_equal(sub->max_failures, 5);

	/* A plain 1 is the key "1". */
	a = key_action(main_menu, "1");
	assert_int_equal(a->type, MENU_ACTION_GOTO);
	assert_ptr_equal(a->target, sub);
	/* The menu's own "0" wins over the global repeat. */
	a = key_action(main_menu, "0");
	assert_int_equal(a->type, MENU_ACTION_GOTO);
	assert_ptr_equal(a->target, main_menu);
	assert_int_equal(key_action(sub, "0")->type, MENU_ACTION_REPEAT);
	/* One file alone: a language that is not loaded is allowed. */
	a = key_action(main_menu, "8");
	assert_int_equal(a->type, MENU_ACTION_LANGUAGE);
	assert_string_equal(a->language, "fr");
	assert_null(a->charset);
	a = key_action(main_menu, "9");
	assert_null(a->language);
	assert_ptr_equal(a->charset, charset_named("gbk"));
	assert_int_equal(key_action(main_menu, "\"")->flow, MENU_FLOW_QUERY);
	assert_int_equal(key_action(sub, "五")->flow, MENU_FLOW_RECHARGE);
	assert_int_equal(main_menu->nkeys, 9);
	assert_int_equal(sub->nkeys, 4);

	assert_null(menu_find_key(main_menu, "12", 2));
	assert_null(menu_find_key(main_menu, "", 0));
	assert_null(menu_find_key(main_menu, "7", 1));
	assert_null(menu_find_key(sub, "五", 1)); /* part of a character */
	assert_string_equal(menu_set_text(set, "closing"), "Closing.\n");
	assert_string_equal(menu_set_text(set, "too_long"), "Too long.\n");
	assert_null(menu_set_text(set, "nope"));
}

/* A directory load resolves language actions across its files. */
static void test_dir_languages(void **state)
{
	struct fixture *f = *state;
	const struct menu_set *aa, *bb;
	const struct menu_action *a;

	load_good(f, TEST_DATA_DIR "/dir_langs");
	assert_int_equal(f->cat->nsets, 2); /* notes.txt is not a menu file */
	aa = &f->cat->sets[0];
	bb = &f->cat->sets[1];
	assert_string_equal(aa->language, "aa");
	assert_string_equal(aa->path, TEST_DATA_DIR "/dir_langs/a.yaml");
	assert_string_equal(bb->language, "bb");
	a = key_action(aa->start, "1");
	assert_ptr_equal(menu_catalog_find(f->cat, a->language), bb);
	a = key_action(aa->start, "2");
	assert_ptr_equal(menu_catalog_find(f->cat, a->language), bb);
	assert_ptr_equal(a->charset, charset_named("gbk"));
	a = key_action(bb->start, "1");
	assert_ptr_equal(menu_catalog_find(f->cat, a->language), aa);
	assert_ptr_equal(a->charset, charset_utf8());
}

/*
 * A charset may be any encoding iconv knows, spelt in any case, with or
 * without its dash: a new language needs no new code.
 */
static void test_any_charset(void **state)
{
	struct fixture *f = *state;
	const struct menu *main_menu;
	const struct charset *big5;

	write_tmp(f, file_head,
		  "    text: \"Main\\n\"\n"
		  "    keys:\n"
		  "      \"1\": {charset: big5}\n"
		  "      \"2\": {charset: BIG5}\n"
		  "      \"3\": {charset: Big-5}\n"
		  "      \"4\": {charset: UTF8}\n"
		  "      \"5\": {charset: euc-kr}\n");
	load_good(f, f->tmp);
	main_menu = f->cat->sets[0].start;
	big5 = key_action(main_menu, "1")->charset;
	assert_non_null(big5);
	assert_string_equal(charset_name(big5), "big5");
	assert_ptr_equal(key_action(main_menu, "2")->charset, big5);
	assert_ptr_equal(key_action(main_menu, "3")->charset, big5);
	assert_ptr_equal(key_action(main_menu, "4")->charset, charset_utf8());
	assert_string_equal(charset_name(key_action(main_menu, "5")->charset),
			    "euc-kr");
}

/* --- broken files ---------------------------------------------------- */

/* One broken fixture reports exactly its expected errors. */
static void test_bad_fixture(void **state)
{
	struct fixture *f = *state;
	char *path = data_path(f->bad->file);

	load_bad(f, path);
	assert_errors(f, path, f->bad->expected, TEST_MAX_EXPECTED);
	free(path);
}

/* A directory load reports a language action naming no loaded set. */
static void test_dir_unknown_language(void **state)
{
	struct fixture *f = *state;
	/* clang-format off */
	static const char *const want[] = {
		":20:23: key \"2\" switches to unknown language \"fr\"",
	};
	/* clang-format on */

	load_bad(f, TEST_DATA_DIR "/dir_unknown_lang");
	assert_errors(f, TEST_DATA_DIR "/dir_unknown_lang/a.yaml", want, 1);
}

/* Two files of a directory may not share a language id. */
static void test_dir_duplicate_language(void **state)
{
	struct fixture *f = *state;
	/* clang-format off */
	static const char *const want[] = {
		":1:11: language \"aa\" is already defined in " TEST_DATA_DIR
		"/dir_dup_lang/a.yaml",
	};
	/* clang-format on */

	load_bad(f, TEST_DATA_DIR "/dir_dup_lang");
	assert_errors(f, TEST_DATA_DIR "/dir_dup_lang/b.yaml", want, 1);
}

/* A directory without menu files is an error about the directory. */
static void test_dir_empty(void **state)
{
	struct fixture *f = *state;
	static const char *const want[] = { ": no *.yaml files in directory" };

	load_bad(f, TEST_DATA_DIR "/dir_empty");
	assert_errors(f, TEST_DATA_DIR "/dir_empty", want, 1);
}

/* A path that does not exist says so, without a line. */
static void test_missing_file(void **state)
{
	struct fixture *f = *state;
	/* clang-format off */
	static const char *const want[] = {
		": cannot open: No such file or directory",
	};
	/* clang-format on */

	load_bad(f, TEST_DATA_DIR "/missing.yaml");
	assert_errors(f, TEST_DATA_DIR "/missing.yaml", want, 1);
	assert_int_equal(f->errs.items[0].line, 0);
}

/* A file over MENU_LOAD_MAX_FILE is refused before parsing. */
static void test_file_too_large(void **state)
{
	struct fixture *f = *state;
	char *body = xmalloc(MENU_LOAD_MAX_FILE + 2);
	char *want;

	memset(body, '#', MENU_LOAD_MAX_FILE + 1);
	body[MENU_LOAD_MAX_FILE + 1] = '\0';
	write_tmp(f, "", body);
	free(body);
	load_bad(f, f->tmp);
	want = xasprintf(": file is larger than %d bytes", MENU_LOAD_MAX_FILE);
	assert_errors(f, f->tmp, (const char *const[]){ want }, 1);
	free(want);
}

/* A text over the text limit is refused where it starts. */
static void test_text_too_long(void **state)
{
	struct fixture *f = *state;
	/* clang-format off */
	static const char *const want[] = {
		":16:11: text of menu \"main\" is longer than 16384 bytes",
	};
	/* clang-format on */
	struct strbuf body;

	strbuf_init(&body);
	strbuf_append_str(&body, "    text: \"");
	for (int i = 0; i < 17 * 1024; i++)
		strbuf_append_char(&body, 'x');
	strbuf_append_str(&body, "\"\n");
	write_tmp(f, file_head, body.data);
	strbuf_fini(&body);
	load_bad(f, f->tmp);
	assert_errors(f, f->tmp, want, 1);
}

/* A file with endless mistakes stops after the error limit and says so. */
static void test_too_many_errors(void **state)
{
	struct fixture *f = *state;
	struct strbuf body;

	strbuf_init(&body);
	strbuf_append_str(&body, "    text: \"Main\\n\"\n    keys:\n");
	for (int i = 0; i < 60; i++)
		strbuf_printf(&body, "      '%c': nothing\n", 'A' + i);
	write_tmp(f, file_head, body.data);
	strbuf_fini(&body);
	load_bad(f, f->tmp);
	assert_int_equal(f->errs.count, 51);
	assert_string_equal(
		f->errs.items[0].message,
		"key \"A\" has unknown action \"nothing\" (expected "
		"back, home, repeat, quit, query, recharge, chat, balance, usage, "
		"plan, recent, card, amount, wire, "
		"goto or language)");
	assert_int_equal(f->errs.items[0].line, 18);
	assert_int_equal(f->errs.items[50].line, 0);
	assert_string_equal(f->errs.items[50].message,
			    "more than 50 errors; stopped checking this file");
}

/* --- the model ------------------------------------------------------- */

/* The catalog lives until its last reference is dropped. */
static void test_refcount(void **state)
{
	struct fixture *f = *state;
	struct menu_catalog *empty = menu_catalog_new();

	assert_int_equal(empty->refs, 1);
	assert_int_equal(empty->nsets, 0);
	assert_null(menu_catalog_default(empty, "zh-CN"));
	menu_catalog_unref(empty);
	menu_catalog_unref(NULL);

	load_good(f, MENUS_DIR);
	assert_int_equal(f->cat->refs, 1);
	assert_ptr_equal(menu_catalog_ref(f->cat), f->cat);
	assert_ptr_equal(menu_catalog_ref(f->cat), f->cat);
	assert_int_equal(f->cat->refs, 3);
	menu_catalog_unref(f->cat);
	menu_catalog_unref(f->cat);
	assert_int_equal(f->cat->refs, 1);
	/* Still whole: the sanitizers catch any early free. */
	assert_string_equal(f->cat->sets[1].start->name, "main");
	/* The teardown drops the last reference. */
}

/* Action and flow names are the words menu files use. */
static void test_names(void **state)
{
	(void)state;
	assert_string_equal(menu_action_name(MENU_ACTION_GOTO), "goto");
	assert_string_equal(menu_action_name(MENU_ACTION_QUIT), "quit");
	assert_string_equal(menu_action_name(MENU_ACTION_LANGUAGE), "language");
	assert_string_equal(menu_action_name(MENU_ACTION_COUNT), "?");
	assert_string_equal(menu_flow_name(MENU_FLOW_QUERY), "query");
	assert_string_equal(menu_flow_name(MENU_FLOW_RECHARGE), "recharge");
	assert_string_equal(menu_flow_name(MENU_FLOW_CHAT), "chat");
}

/* The texts' table: a name for every id, no name twice; 7 every set needs. */
static void test_text_names(void **state)
{
	const char *required[MENU_TEXT_COUNT];
	size_t nrequired = 0;

	(void)state;
	for (unsigned i = 0; i < MENU_TEXT_COUNT; i++) {
		const char *name = menu_text_name(i);

		if (name == NULL)
			fail_msg("text %u has no name", i);
		for (unsigned j = 0; j < i; j++)
			if (strcmp(menu_text_name(j), name) == 0)
				fail_msg("text \"%s\" declared twice", name);
		if (menu_text_needed(i, MENU_TEXT_NEED_EVERY_SET))
			required[nrequired++] = name;
	}
	assert_null(menu_text_name(MENU_TEXT_COUNT));
	assert_int_equal(nrequired, 9);
	assert_string_equal(required[0], "goodbye");
	assert_string_equal(required[6], "menu_gone");
	assert_string_equal(required[7], "busy");
	assert_string_equal(required[8], "ayt");
	assert_string_equal(menu_text_name(MENU_TEXT_CHAT_REMOVED),
			    "chat_removed");
	assert_true(menu_text_needed(MENU_TEXT_CHAT_REMOVED,
				     menu_flow_text_need(MENU_FLOW_CHAT)));
	assert_true(menu_text_needed(MENU_TEXT_BAD_NUMBER,
				     menu_flow_text_need(MENU_FLOW_BALANCE)));
	assert_true(menu_text_needed(MENU_TEXT_BAD_NUMBER,
				     menu_flow_text_need(MENU_FLOW_AMOUNT)));
	assert_false(menu_text_needed(MENU_TEXT_WIRE,
				      menu_flow_text_need(MENU_FLOW_CHAT)));
}

/* Writes the catalog's DOT into f->printed. */
static void write_dot(struct fixture *f)
{
	size_t len;
	FILE *mem = open_memstream(&f->printed, &len);

	assert_non_null(mem);
	menu_catalog_write_dot(f->cat, mem);
	fclose(mem);
}

/* Checks the printed text contains s. */
static void assert_contains(const struct fixture *f, const char *s)
{
	if (strstr(f->printed, s) == NULL)
		fail_msg("missing from the output: %s", s);
}

/* The DOT picture of the default menus has the nodes and edges expected. */
static void test_dot_defaults(void **state)
{
	struct fixture *f = *state;

	load_good(f, MENUS_DIR);
	write_dot(f);
	assert_true(strncmp(f->printed, "digraph hotline {\n", 18) == 0);
	assert_string_equal(f->printed + strlen(f->printed) - 2, "}\n");
	assert_contains(f, "subgraph cluster_0 {\n\t\tlabel=\"English (en)\";");
	assert_contains(f, "subgraph cluster_1 {\n\t\tlabel=\"中文 (zh-CN)\";");
	assert_contains(f, "\"zh-CN/main\" [label=\"main\", peripheries=2, "
			   "style=bold];");
	assert_contains(f, "\"zh-CN/language\" [label=\"language\"];");
	assert_contains(f,
			"\"zh-CN/flow:query\" [label=\"query\", shape=box];");
	assert_contains(f, "\"zh-CN/main\" -> \"zh-CN/flow:query\" "
			   "[label=\"1\"];");
	assert_contains(f, "\"zh-CN/main\" -> \"zh-CN/action:quit\" "
			   "[label=\"3\"];");
	assert_contains(f,
			"\"zh-CN/main\" -> \"zh-CN/language\" [label=\"9\"];");
	assert_contains(f, "\"zh-CN/language\" -> \"zh-CN/main\" "
			   "[label=\"2 gbk\"];");
	assert_contains(f, "\"zh-CN/language\" -> \"en/main\" [label=\"3\"];");
	assert_contains(f, "\"en/language\" -> \"zh-CN/main\" "
			   "[label=\"1 utf-8\"];");
	assert_contains(f, "\"en/language\" -> \"en/main\" [label=\"#\", "
			   "style=dashed];");
	assert_contains(f, "subgraph cluster_2 {\n\t\tlabel=\"繁體中文 "
			   "(zh-TW)\";");
	assert_contains(f, "\"zh-CN/language\" -> \"zh-TW/main\" "
			   "[label=\"5 big5\"];");
	assert_contains(f, "\"zh-TW/language\" -> \"zh-CN/main\" "
			   "[label=\"2 gbk\"];");
}

/* The DOT writer escapes quotes and draws languages that are not loaded. */
static void test_dot_escapes(void **state)
{
	struct fixture *f = *state;

	load_good(f, TEST_DATA_DIR "/good_minimal.yaml");
	write_dot(f);
	assert_contains(f,
			"\"xx/main\" -> \"xx/flow:query\" [label=\"\\\"\"];");
	assert_contains(f,
			"\"fr/?\" [label=\"fr (not loaded)\", style=dashed];");
	assert_contains(f, "\"xx/main\" -> \"fr/?\" [label=\"8\"];");
	assert_contains(f, "\"xx/main\" -> \"xx/main\" [label=\"9 gbk\"];");
	assert_contains(f,
			"\"xx/sub\" -> \"xx/flow:recharge\" [label=\"五\"];");
}

/* Declares a test case with the shared setup and teardown. */
#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

/* "{name}" placeholders are filled from the list; the rest is kept. */
static void test_expand(void **state)
{
	static const char *const vars[] = { "nick", "张三", "n", "3", NULL };
	struct strbuf out;

	(void)state;
	strbuf_init(&out);
	menu_expand("hi {nick}, {n} {unknown} {nick", vars, &out);
	assert_string_equal(out.data, "hi 张三, 3 {unknown} {nick");
	strbuf_reset(&out);
	menu_expand("{n}{n}", vars, &out);
	assert_string_equal(out.data, "33");
	strbuf_reset(&out);
	menu_expand("plain", NULL, &out);
	assert_string_equal(out.data, "plain");
	strbuf_fini(&out);
}

static const struct CMUnitTest fixed_tests[] = {
	TEST(test_expand),
	TEST(test_default_sets),
	TEST(test_default_texts_fit),
	TEST(test_default_texts_encodable),
	TEST(test_default_single_file),
	TEST(test_text_without_its_field),
	TEST(test_default_dir_no_warning),
	TEST(test_good_minimal),
	TEST(test_dir_languages),
	TEST(test_any_charset),
	TEST(test_dir_unknown_language),
	TEST(test_dir_duplicate_language),
	TEST(test_dir_empty),
	TEST(test_missing_file),
	TEST(test_file_too_large),
	TEST(test_text_too_long),
	TEST(test_too_many_errors),
	TEST(test_refcount),
	TEST(test_names),
	TEST(test_text_names),
	TEST(test_dot_defaults),
	TEST(test_dot_escapes),
};

/* Runs the fixed cases, then one case per broken fixture, named after it. */
int main(void)
{
	struct CMUnitTest tests[ARRAY_LEN(fixed_tests) + ARRAY_LEN(bad_cases)];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_LEN(fixed_tests); i++)
		tests[n++] = fixed_tests[i];
	for (size_t i = 0; i < ARRAY_LEN(bad_cases); i++)
		tests[n++] = (struct CMUnitTest){
			.name = bad_cases[i].file,
			.test_func = test_bad_fixture,
			.setup_func = setup,
			.teardown_func = teardown,
			.initial_state = (void *)&bad_cases[i],
		};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
