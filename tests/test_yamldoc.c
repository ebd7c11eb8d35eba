/*
 * Tests of yamldoc, the YAML document reader the menu loader and the
 * account seeder share: what it refuses (aliases, deep nesting, a second
 * document, bad UTF-8, NUL, UTF-16, empty and oversized files) and where
 * it says so, the mapping walk (duplicate, unknown and non-string
 * keys, the caller's own words for unknown ones), node type names,
 * quoting, and the error list (file order, the limit and its note).
 * Each document is written to a temporary file and read through its fd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "strbuf.h"
#include "yamldoc.h"

/* Errors a test keeps, as the loader does. */
#define TEST_MAX_ERRORS 50
/* Bytes a test document may have; the size limit test goes below it. */
#define TEST_MAX_BYTES 4096

/* A document and the errors reading it must give, one a line. */
struct doc_case {
	const char *name;
	const char *text;
	size_t len;
	const char *expected; /* "line:col: message\n" each */
};

/* State of one test: the reader, the temporary file and the printed errors. */
struct fixture {
	const struct doc_case *doc;
	struct yamldoc d;
	char path[64];
	int fd;
	char *printed;
};

/* A case whose text is a string literal, NUL bytes and all. */
#define DOC(name, text, expected)                                              \
	{                                                                      \
		name, text, sizeof(text) - 1, expected                         \
	}

static const struct doc_case doc_cases[] = {
	DOC("alias", "a: &x 1\nb: *x\n",
	    "2:4: YAML aliases are not allowed (*x)\n"),
	DOC("depth_17", "[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]\n",
	    "1:17: nested deeper than 16 levels\n"),
	DOC("two_documents", "a: 1\n---\nb: 2\n",
	    "2:1: only one YAML document is allowed\n"),
	DOC("bad_utf8", "a: caf\xe9\n", "1:7: not valid UTF-8 (byte 0xE9)\n"),
	DOC("bad_utf8_line_3", "a: 1\nb: 2\nc: \"\xc3\x28\"\n",
	    "3:5: not valid UTF-8 (byte 0xC3)\n"),
	DOC("nul", "a: b\0c\n",
	    "1:5: control characters are not allowed (0x00)\n"),
	DOC("utf16",
	    "\xff\xfe"
	    "a\0:\0 \0"
	    "1\0",
	    "1:1: file is UTF-16; save it as UTF-8\n"),
	DOC("empty", "", "0:0: file is empty\n"),
	DOC("only_comments", "# nothing here\n", "0:0: file is empty\n"),
	DOC("syntax", "a:\n  b: 1\n c: 2\n",
	    "3:2: syntax error: did not find expected key (while parsing a "
	    "block mapping at 1:1)\n"),
};

/* The mapping yamldoc_fields walks in the tests: two fields. */
static const char *const ab_names[] = { "a", "b" };
static const struct yamldoc_map ab_map = { "the top level", ab_names, 2, NULL };

/* Starts a test with a temporary file; a doc case arrives as the prestate. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->doc = *state;
	snprintf(f->path, sizeof(f->path), "/tmp/hotline-yamldoc-XXXXXX");
	f->fd = mkstemp(f->path);
	if (f->fd < 0) {
		free(f);
		return -1;
	}
	yamldoc_init(&f->d, f->path, TEST_MAX_ERRORS);
	*state = f;
	return 0;
}

/* Frees the reader and removes the temporary file. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	yamldoc_fini(&f->d);
	close(f->fd);
	unlink(f->path);
	free(f->printed);
	free(f);
	return 0;
}

/* Writes len bytes of text to the file and reads it; returns the result. */
static int load(struct fixture *f, const char *text, size_t len,
		size_t max_bytes)
{
	assert_int_equal(write(f->fd, text, len), (ssize_t)len);
	assert_int_equal(lseek(f->fd, 0, SEEK_SET), 0);
	return yamldoc_load_fd(&f->d, f->fd, max_bytes);
}

/* Loads a string that must read without errors. */
static void load_good(struct fixture *f, const char *text)
{
	assert_int_equal(load(f, text, strlen(text), TEST_MAX_BYTES), 0);
	assert_false(yamldoc_has_errors(&f->d));
	assert_non_null(yamldoc_root(&f->d));
}

/* Checks the errors, printed "line:col: message\n" each, are want. */
static void assert_errors(struct fixture *f, const char *want)
{
	struct strbuf sb;

	strbuf_init(&sb);
	for (size_t i = 0; i < f->d.nerrors; i++)
		strbuf_printf(&sb, "%u:%u: %s\n", f->d.errors[i].line,
			      f->d.errors[i].col, f->d.errors[i].message);
	f->printed = xstrdup(sb.data != NULL ? sb.data : "");
	strbuf_fini(&sb);
	assert_string_equal(f->printed, want);
}

/* --- documents ---------------------------------------------------------- */

/* One refused document: -1, exactly its errors, and no root. */
static void test_doc_case(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, f->doc->text, f->doc->len, TEST_MAX_BYTES),
			 -1);
	assert_true(yamldoc_has_errors(&f->d));
	assert_errors(f, f->doc->expected);
}

/* Sixteen levels of nesting are allowed, and the nodes keep positions. */
static void test_depth_16_and_positions(void **state)
{
	struct fixture *f = *state;
	const yaml_node_t *root, *b;

	load_good(f, "a: [[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]\nb: text\n");
	root = yamldoc_root(&f->d);
	assert_int_equal(root->type, YAML_MAPPING_NODE);
	assert_int_equal(yamldoc_pairs(root), 2);
	b = yamldoc_node(&f->d, root->data.mapping.pairs.start[1].value);
	assert_true(yamldoc_equals(b, "text"));
	assert_string_equal(yamldoc_text(b), "text");
	yamldoc_error(&f->d, b, "at b's value");
	assert_errors(f, "2:4: at b's value\n");
}

/* A file over the byte limit is refused before parsing. */
static void test_too_large(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "a: 123456789\n";

	assert_int_equal(load(f, text, sizeof(text) - 1, 8), -1);
	assert_errors(f, "0:0: file is larger than 8 bytes\n");
}

/* A directory is not a file to read. */
static void test_not_regular(void **state)
{
	struct fixture *f = *state;
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY);

	assert_true(fd >= 0);
	assert_int_equal(yamldoc_load_fd(&f->d, fd, TEST_MAX_BYTES), -1);
	close(fd);
	assert_errors(f, "0:0: not a regular file\n");
}

/* --- the mapping walk ----------------------------------------------------- */

/* Fields are found by name; missing ones stay NULL. */
static void test_fields_found(void **state)
{
	struct fixture *f = *state;
	struct yamldoc_field fields[2];

	load_good(f, "b: 2\n");
	assert_int_equal(yamldoc_fields(&f->d, yamldoc_root(&f->d), &ab_map,
					fields),
			 0);
	assert_null(fields[0].key);
	assert_null(fields[0].value);
	assert_true(yamldoc_equals(fields[1].key, "b"));
	assert_true(yamldoc_equals(fields[1].value, "2"));
	assert_false(yamldoc_has_errors(&f->d));
}

/* A duplicate key names where the first one was; the first one counts. */
static void test_fields_duplicate(void **state)
{
	struct fixture *f = *state;
	struct yamldoc_field fields[2];

	load_good(f, "a: 1\nb: 2\na: 3\n");
	assert_int_equal(yamldoc_fields(&f->d, yamldoc_root(&f->d), &ab_map,
					fields),
			 0);
	assert_true(yamldoc_equals(fields[0].value, "1"));
	assert_errors(f, "3:1: duplicate field \"a\" (first at 1:1)\n");
}

/* Unknown fields and keys that are not strings are reported, in order. */
static void test_fields_unknown(void **state)
{
	struct fixture *f = *state;
	struct yamldoc_field fields[2];

	load_good(f, "? [x]\n: 1\nc: 2\nb: 3\n");
	assert_int_equal(yamldoc_fields(&f->d, yamldoc_root(&f->d), &ab_map,
					fields),
			 0);
	assert_true(yamldoc_equals(fields[1].value, "3"));
	assert_errors(f, "1:3: field names must be strings (got a sequence)\n"
			 "3:1: unknown field \"c\" (expected a or b)\n");
}

/* The caller's words for an unknown field: records the key it got. */
static void unknown_in_own_words(struct yamldoc *d,
				 const struct yamldoc_map *map,
				 const yaml_node_t *key)
{
	yamldoc_error(d, key, "no %s in %s", yamldoc_text(key), map->what);
}

/* A map with its own unknown-field report uses it. */
static void test_fields_own_words(void **state)
{
	struct fixture *f = *state;
	static const struct yamldoc_map map = { "a card", ab_names, 2,
						unknown_in_own_words };
	struct yamldoc_field fields[2];

	load_good(f, "a: 1\nzz: 2\n");
	yamldoc_fields(&f->d, yamldoc_root(&f->d), &map, fields);
	assert_errors(f, "2:1: no zz in a card\n");
}

/* What is not a mapping is named: a sequence, a scalar, nothing. */
static void test_fields_type_errors(void **state)
{
	struct fixture *f = *state;
	struct yamldoc_field fields[2];
	const yaml_node_t *root, *item;

	load_good(f, "- [1]\n- hello\n- ~\n- \"\"\n-\n");
	root = yamldoc_root(&f->d);
	assert_int_equal(yamldoc_fields(&f->d, root, &ab_map, fields), -1);
	for (yaml_node_item_t *it = root->data.sequence.items.start;
	     it < root->data.sequence.items.top; it++) {
		item = yamldoc_node(&f->d, *it);
		assert_int_equal(yamldoc_fields(&f->d, item, &ab_map, fields),
				 -1);
	}
	assert_errors(f, "1:1: the top level must be a mapping (got a "
			 "sequence)\n"
			 "1:3: the top level must be a mapping (got a "
			 "sequence)\n"
			 "2:3: the top level must be a mapping (got "
			 "\"hello\")\n"
			 "3:3: the top level must be a mapping (got "
			 "nothing)\n"
			 "4:3: the top level must be a mapping (got \"\")\n"
			 "5:2: the top level must be a mapping (got "
			 "nothing)\n");
	assert_false(yamldoc_is_string(
		yamldoc_node(&f->d, root->data.sequence.items.start[2])));
	assert_true(yamldoc_is_string(
		yamldoc_node(&f->d, root->data.sequence.items.start[3])));
}

/* --- quoting and the error list ------------------------------------------- */

/* Quotes escape controls, quotes and bad bytes, and cut long text. */
static void test_quote(void **state)
{
	char out[YAMLDOC_QUOTE_BUF];
	char long_text[YAMLDOC_MAX_QUOTE + 10];

	(void)state;
	assert_string_equal(yamldoc_quote("a\"b\\c\n\x01\xff", 8, out),
			    "\"a\\\"b\\\\c\\n\\x01\\xFF\"");
	assert_string_equal(yamldoc_quote("中文", strlen("中文"), out),
			    "\"中文\"");
	memset(long_text, 'x', sizeof(long_text));
	yamldoc_quote(long_text, sizeof(long_text), out);
	assert_int_equal(strlen(out), YAMLDOC_MAX_QUOTE + 5);
	assert_string_equal(out + YAMLDOC_MAX_QUOTE + 1, "...\"");
}

/* Errors come out in file order, the ones at one place as reported. */
static void test_errors_in_file_order(void **state)
{
	struct fixture *f = *state;

	yamldoc_error_at(&f->d, 3, 1, "third");
	yamldoc_error_at(&f->d, 1, 5, "first");
	yamldoc_error_at(&f->d, 3, 1, "third, again");
	yamldoc_error(&f->d, NULL, "the file");
	yamldoc_error_at(&f->d, 2, 9, "second");
	assert_errors(f, "0:0: the file\n"
			 "1:5: first\n"
			 "2:9: second\n"
			 "3:1: third\n"
			 "3:1: third, again\n");
}

/* Past the limit, one note says so, last, and nothing more is kept. */
static void test_error_limit(void **state)
{
	struct fixture *f = *state;

	yamldoc_fini(&f->d);
	yamldoc_init(&f->d, f->path, 2);
	yamldoc_error_at(&f->d, 5, 1, "kept");
	yamldoc_error_at(&f->d, 1, 1, "kept too");
	yamldoc_error_at(&f->d, 2, 1, "dropped");
	yamldoc_error_at(&f->d, 3, 1, "dropped too");
	assert_true(f->d.gave_up);
	assert_errors(f, "1:1: kept too\n"
			 "5:1: kept\n"
			 "0:0: more than 2 errors; stopped checking this "
			 "file\n");
}

/* Declares a test case with the shared setup and teardown. */
#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const struct CMUnitTest fixed_tests[] = {
	TEST(test_depth_16_and_positions),
	TEST(test_too_large),
	TEST(test_not_regular),
	TEST(test_fields_found),
	TEST(test_fields_duplicate),
	TEST(test_fields_unknown),
	TEST(test_fields_own_words),
	TEST(test_fields_type_errors),
	TEST(test_quote),
	TEST(test_errors_in_file_order),
	TEST(test_error_limit),
};

/* Runs the fixed cases, then one case per refused document, named after it. */
int main(void)
{
	struct CMUnitTest tests[ARRAY_LEN(fixed_tests) + ARRAY_LEN(doc_cases)];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_LEN(fixed_tests); i++)
		tests[n++] = fixed_tests[i];
	for (size_t i = 0; i < ARRAY_LEN(doc_cases); i++)
		tests[n++] = (struct CMUnitTest){
			.name = doc_cases[i].name,
			.test_func = test_doc_case,
			.setup_func = setup,
			.teardown_func = teardown,
			.initial_state = (void *)&doc_cases[i],
		};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
