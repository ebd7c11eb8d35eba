/*
 * test_jsonbody: the teacher's POST bodies read as one strict JSON
 * object. Bodies let in and the values they give; bodies refused, each
 * for one rule (the top level, bytes after the object, a key twice at
 * any depth, \u0000, control bytes, UTF-8, nesting, plain bad JSON); a
 * leading UTF-8 BOM (let in: cJSON skips it, and RFC 8259 section 8.1
 * lets a reader ignore one); bodies at the 4 KiB a page sends. cJSON
 * allocates through counting hooks, so every case also checks that
 * nothing is left once a body is refused or its tree freed. Each body
 * is copied to a block of exactly its length: no terminating NUL for a
 * read past the end to find.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mem.h"
#include "teacher/jsonbody.h"
#include "utf8.h"

/* The largest body the tests build: what a page sends at most. */
#define BODY_MAX 4096

/* A body and its length (it may hold NUL bytes), named for messages. */
struct body {
	const char *name;
	const char *text;
	size_t len;
};

/* A body given as a string literal; its terminating NUL is no part of it. */
#define BODY(name, text)                                                       \
	{                                                                      \
		name, text, sizeof(text) - 1                                   \
	}

/* Blocks cJSON holds now: its hooks count them. */
static long live_blocks;

static void *count_malloc(size_t size)
{
	void *p = malloc(size);

	if (p != NULL)
		live_blocks++;
	return p;
}

static void count_free(void *p)
{
	if (p != NULL)
		live_blocks--;
	free(p);
}

struct fixture {
	cJSON *obj; /* the last body's tree, freed by teardown */
	char *copy; /* that body, copied to exactly its length */
};

/* A fixture with cJSON's allocations counted from zero. */
static int setup(void **state)
{
	cJSON_Hooks hooks = { .malloc_fn = count_malloc,
			      .free_fn = count_free };

	cJSON_InitHooks(&hooks);
	live_blocks = 0;
	*state = xcalloc(1, sizeof(struct fixture));
	return 0;
}

/* Frees the last tree; fails if cJSON still holds anything. */
static int teardown(void **state)
{
	struct fixture *f = *state;
	long left;

	cJSON_Delete(f->obj);
	left = live_blocks;
	cJSON_InitHooks(NULL);
	free(f->copy);
	free(f);
	return left == 0 ? 0 : -1;
}

/* Parses len bytes of text (copied to exactly that length) into f->obj. */
static cJSON *parse(struct fixture *f, const char *text, size_t len)
{
	cJSON_Delete(f->obj);
	free(f->copy);
	f->copy = xmalloc(len);
	if (len > 0)
		memcpy(f->copy, text, len);
	f->obj = jsonbody_parse(f->copy, len);
	return f->obj;
}

/* Fails unless the body is let in as an object. */
static void accepted(struct fixture *f, const struct body *b)
{
	if (parse(f, b->text, b->len) == NULL)
		fail_msg("%s: refused", b->name);
	if (!cJSON_IsObject(f->obj))
		fail_msg("%s: not an object", b->name);
}

/* Fails unless the body is refused with nothing left allocated. */
static void refused(struct fixture *f, const struct body *b)
{
	if (parse(f, b->text, b->len) != NULL)
		fail_msg("%s: let in", b->name);
	if (live_blocks != 0)
		fail_msg("%s: %ld blocks left", b->name, live_blocks);
}

/* The string under key in f->obj; fails if there is none. */
static const char *string_of(struct fixture *f, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(f->obj, key);

	if (!cJSON_IsString(v))
		fail_msg("no string \"%s\"", key);
	return v->valuestring;
}

static void test_accepted(void **state)
{
	struct fixture *f = *state;
	/* clang-format off */
	static const struct body good[] = {
		BODY("empty object", "{}"),
		BODY("login", "{\"secret\":\"k\"}"),
		BODY("white space around", " \t\r\n{ \"a\" : 1 ,\"b\":[ ] }\n\r\t "),
		BODY("nested", "{\"o\":{\"p\":{\"q\":[1,[2,{}],[]]}}}"),
		BODY("every kind", "{\"l\":[1,\"x\",true,false,null,{\"a\":1},[]]}"),
		BODY("CJK raw", "{\"text\":\"下课了\"}"),
		BODY("CJK escaped", "{\"text\":\"\\u4e0b\\u8bfe\\u4e86\"}"),
		BODY("surrogate pair", "{\"e\":\"\\ud83d\\ude00\"}"),
		BODY("backslash before u0000", "{\"s\":\"\\\\u0000\"}"),
		BODY("escapes", "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u001f\"}"),
		BODY("numbers", "{\"n\":[0,-1,3.25,1e3,-2.5E-3,1E+2]}"),
		BODY("a key in two objects", "{\"a\":{\"a\":1},\"b\":{\"a\":2}}"),
		BODY("a key in an array's two objects",
		     "{\"l\":[{\"a\":1},{\"a\":1}]}"),
		BODY("keys apart in case", "{\"a\":1,\"A\":2}"),
		BODY("empty key", "{\"\":1}"),
		BODY("DEL and U+FEFF in a string", "{\"s\":\"\x7f\xef\xbb\xbf\"}"),
		BODY("U+10FFFF", "{\"s\":\"\xf4\x8f\xbf\xbf\"}"),
		/* White space is no control byte, in a string too (the header). */
		BODY("raw tab, LF, CR in a string", "{\"s\":\"a\tb\nc\rd\"}"),
		BODY("mute", "{\"nick\":\"学生2\",\"muted\":true}"),
		BODY("kick", "{\"nick\":\"a\",\"reason\":\"spam\"}"),
	};
	/* clang-format on */

	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		accepted(f, &good[i]);
		cJSON_Delete(f->obj);
		f->obj = NULL;
		assert_int_equal(live_blocks, 0);
	}
}

static void test_refused(void **state)
{
	struct fixture *f = *state;
	/* clang-format off */
	static const struct body bad[] = {
		/* Not an object. */
		BODY("empty", ""),
		BODY("white space only", " \t\r\n"),
		BODY("array", "[]"),
		BODY("string", "\"x\""),
		BODY("number", "5"),
		BODY("null", "null"),
		BODY("true", "true"),
		/* Bytes after the object. */
		BODY("trailing junk", "{} x"),
		BODY("two objects", "{}{}"),
		BODY("comma after", "{},"),
		BODY("object then array", "{} []"),
		/* A key twice. */
		BODY("key twice", "{\"a\":1,\"a\":2}"),
		BODY("key twice, spelt apart", "{\"a\":1,\"\\u0061\":2}"),
		BODY("key twice, far apart", "{\"a\":1,\"b\":2,\"c\":3,\"a\":4}"),
		BODY("key twice, nested", "{\"o\":{\"a\":1,\"a\":2}}"),
		BODY("key twice in an array's object",
		     "{\"l\":[{\"a\":1,\"a\":1}]}"),
		BODY("key twice, deep",
		     "{\"a\":[1,[{\"b\":{\"c\":1,\"d\":2,\"c\":3}}]]}"),
		/* \u0000: cJSON would end the string there. */
		BODY("\\u0000 in a value", "{\"s\":\"a\\u0000b\"}"),
		BODY("\\u0000 in a key", "{\"a\\u0000b\":1}"),
		BODY("\\u0000 after an escaped backslash",
		     "{\"s\":\"\\\\\\u0000\"}"),
		/* Control bytes, raw. */
		BODY("0x01 in a string", "{\"s\":\"a\x01" "b\"}"),
		BODY("0x1f in a key", "{\"a\x1f\":1}"),
		BODY("NUL in a string", "{\"s\":\"a\0b\"}"),
		BODY("NUL after the object", "{}\0"),
		BODY("NUL before the object", "\0{}"),
		BODY("vertical tab as white space", "{\v}"),
		BODY("form feed after the object", "{}\f"),
		BODY("escape byte before the object", "\x1b{}"),
		/* Not UTF-8. */
		BODY("0xff", "{\"s\":\"\xff\"}"),
		BODY("overlong /", "{\"s\":\"\xc0\xaf\"}"),
		BODY("cut sequence at the end", "{}\xe4\xb8"),
		BODY("cut sequence in a string", "{\"s\":\"\xe4\xb8\"}"),
		BODY("encoded surrogate", "{\"s\":\"\xed\xa0\x80\"}"),
		BODY("past U+10FFFF", "{\"s\":\"\xf4\x90\x80\x80\"}"),
		BODY("lone continuation byte", "{\"s\":\"\x80\"}"),
		BODY("0xff in a key", "{\"\xff\":1}"),
		/* Escapes that name no character. */
		BODY("lone high surrogate", "{\"s\":\"\\ud800\"}"),
		BODY("lone low surrogate", "{\"s\":\"\\udc00\"}"),
		BODY("high surrogate, no low", "{\"s\":\"\\ud800\\u0041\"}"),
		BODY("unknown escape", "{\"s\":\"\\x41\"}"),
		BODY("bad hex in \\u", "{\"s\":\"a\\uzzzzb\"}"),
		BODY("bad hex in \\u, in a key", "{\"a\\u00g0b\":1}"),
		BODY("bad \\u, then a raw NUL", "{\"s\":\"a\\u000\\\0b\"}"),
		BODY("number past a double", "{\"n\":1e400}"),
		BODY("number past a double, deep", "{\"l\":[{\"n\":-1e999}]}"),
		BODY("backslash before a control byte", "{\"s\":\"\\\x01\"}"),
		BODY("short \\u", "{\"s\":\"\\u12\"}"),
		/* Plain bad JSON. */
		BODY("unterminated string", "{\"s\":\"abc"),
		BODY("backslash at the end", "{\"s\":\"\\"),
		BODY("unterminated object", "{\"a\":1"),
		BODY("open brace", "{"),
		BODY("trailing comma", "{\"a\":1,}"),
		BODY("no colon", "{\"a\" 1}"),
		BODY("no value", "{\"a\":}"),
		BODY("unquoted key", "{a:1}"),
		BODY("single quotes", "{'a':1}"),
		BODY("bare word", "{\"a\":nul}"),
		BODY("number key", "{1:1}"),
		/* A BOM is skipped only as the very first bytes (see test_bom). */
		BODY("BOM after white space", " \xef\xbb\xbf{}"),
		BODY("two BOMs", "\xef\xbb\xbf\xef\xbb\xbf{}"),
		BODY("BOM alone", "\xef\xbb\xbf"),
		BODY("BOM before an array", "\xef\xbb\xbf[1]"),
	};
	/* clang-format on */

	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		refused(f, &bad[i]);
}

/* An accepted body gives the bytes it said, escaped or not. */
static void test_values(void **state)
{
	struct fixture *f = *state;
	const cJSON *n, *v;

	accepted(f, &(struct body)BODY("login", "{\"secret\":\"k\"}"));
	assert_string_equal(string_of(f, "secret"), "k");
	assert_int_equal(cJSON_GetArraySize(f->obj), 1);

	accepted(f, &(struct body)BODY("raw", "{\"text\":\"下课了\"}"));
	assert_string_equal(string_of(f, "text"),
			    "\xe4\xb8\x8b\xe8\xaf\xbe\xe4\xba\x86");
	accepted(f, &(struct body)BODY("escaped",
				       "{\"text\":\"\\u4e0b\\u8bfe\\u4e86\"}"));
	assert_string_equal(string_of(f, "text"),
			    "\xe4\xb8\x8b\xe8\xaf\xbe\xe4\xba\x86");

	/* U+1F600 from its UTF-16 pair. */
	accepted(f, &(struct body)BODY("pair", "{\"e\":\"\\ud83d\\ude00\"}"));
	assert_string_equal(string_of(f, "e"), "\xf0\x9f\x98\x80");

	/* A literal backslash, then the six characters u0000. */
	accepted(f, &(struct body)BODY("backslash", "{\"s\":\"\\\\u0000\"}"));
	assert_string_equal(string_of(f, "s"), "\\u0000");

	accepted(f, &(struct body)BODY("escapes",
				       "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t"
				       "\\u001f\\u00e9\"}"));
	assert_string_equal(string_of(f, "s"), "\"\\/\b\f\n\r\t\x1f\xc3\xa9");

	/* A key spelt with an escape is the same key. */
	accepted(f, &(struct body)BODY("key", "{\"\\u0073ecret\":\"k\"}"));
	assert_string_equal(string_of(f, "secret"), "k");

	accepted(f, &(struct body)BODY("mute",
				       "{\"nick\":\"学生2\",\"muted\":true}"));
	assert_string_equal(string_of(f, "nick"), "学生2");
	assert_true(cJSON_IsTrue(
		cJSON_GetObjectItemCaseSensitive(f->obj, "muted")));

	accepted(f, &(struct body)BODY("numbers",
				       "{\"n\":[0,-1,3.25,-2.5E-3,1e3]}"));
	n = cJSON_GetObjectItemCaseSensitive(f->obj, "n");
	assert_int_equal(cJSON_GetArraySize(n), 5);
	assert_true(cJSON_GetArrayItem(n, 0)->valuedouble == 0.0);
	assert_true(cJSON_GetArrayItem(n, 1)->valuedouble == -1.0);
	assert_true(cJSON_GetArrayItem(n, 2)->valuedouble == 3.25);
	assert_true(cJSON_GetArrayItem(n, 3)->valuedouble == -2.5e-3);
	assert_true(cJSON_GetArrayItem(n, 4)->valuedouble == 1000.0);

	accepted(f, &(struct body)BODY("nested",
				       " {\"o\":{\"l\":[{\"a\":\"x\"}]}}\n"));
	v = cJSON_GetObjectItemCaseSensitive(f->obj, "o");
	v = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(v, "l"), 0);
	assert_string_equal(
		cJSON_GetObjectItemCaseSensitive(v, "a")->valuestring, "x");
}

/*
 * A UTF-8 BOM as the body's first bytes is let in: cJSON skips it, and
 * RFC 8259 (section 8.1) says a reader MAY ignore one. This pins that
 * down as a decision; a BOM anywhere else is refused (test_refused).
 */
static void test_bom(void **state)
{
	struct fixture *f = *state;

	accepted(f, &(struct body)BODY("BOM", "\xef\xbb\xbf{}"));
	assert_int_equal(cJSON_GetArraySize(f->obj), 0);
	accepted(f, &(struct body)BODY("BOM login",
				       "\xef\xbb\xbf{\"secret\":\"k\"}"));
	assert_string_equal(string_of(f, "secret"), "k");
	accepted(f,
		 &(struct body)BODY("BOM, white space", "\xef\xbb\xbf \n{}\n"));
}

/* Writes depth '[' into a value of key "a", then as many ']'; returns the length. */
static size_t nested_arrays(char *buf, size_t depth)
{
	size_t n = 0;

	memcpy(buf + n, "{\"a\":", 5);
	n += 5;
	memset(buf + n, '[', depth);
	n += depth;
	memset(buf + n, ']', depth);
	n += depth;
	buf[n++] = '}';
	return n;
}

/*
 * Nesting is bounded by cJSON (CJSON_NESTING_LIMIT containers, the
 * object included), which also bounds jsonbody's walk for keys twice.
 */
static void test_nesting(void **state)
{
	struct fixture *f = *state;
	char *buf = xmalloc(8192);
	struct body b = { "nested arrays", buf, 0 };

	b.len = nested_arrays(buf, CJSON_NESTING_LIMIT - 1);
	accepted(f, &b);
	b.name = "arrays past the limit";
	b.len = nested_arrays(buf, CJSON_NESTING_LIMIT);
	refused(f, &b);
	b.name = "2000 arrays";
	b.len = nested_arrays(buf, 2000);
	refused(f, &b);

	/* Objects inside objects, each with the same one key: no key twice. */
	b.name = "nested objects";
	b.len = 0;
	for (int i = 0; i < 900; i++) {
		memcpy(buf + b.len, "{\"a\":", 5);
		b.len += 5;
	}
	buf[b.len++] = '1';
	memset(buf + b.len, '}', 900);
	b.len += 900;
	accepted(f, &b);
	free(buf);
}

/* The bodies a page sends at most, BODY_MAX bytes, let in whole. */
static void test_large(void **state)
{
	struct fixture *f = *state;
	char *buf = xmalloc(BODY_MAX + 8);
	struct body b = { "4096 bytes of text", buf, BODY_MAX };
	const char *head = "{\"text\":\"", *cjk = "课";
	size_t n, i;

	/* {"text":"xxx...x"}: exactly BODY_MAX bytes. */
	n = strlen(head);
	memcpy(buf, head, n);
	memset(buf + n, 'x', BODY_MAX - n - 2);
	memcpy(buf + BODY_MAX - 2, "\"}", 2);
	accepted(f, &b);
	assert_int_equal(strlen(string_of(f, "text")), BODY_MAX - n - 2);

	/* The same of CJK text, padded with spaces after the object. */
	b.name = "4096 bytes of CJK text";
	for (i = n; i + 3 <= BODY_MAX - 2; i += 3)
		memcpy(buf + i, cjk, 3);
	memcpy(buf + i, "\"}", 2);
	memset(buf + i + 2, ' ', BODY_MAX - i - 2);
	accepted(f, &b);
	assert_true(utf8_is_valid(string_of(f, "text"),
				  strlen(string_of(f, "text"))));
	assert_int_equal(strlen(string_of(f, "text")), i - n);

	/* Its closing quote and brace cut off: a string never closed. */
	b.name = "4096 bytes, cut";
	memset(buf + n, 'x', BODY_MAX - n - 2);
	b.len = BODY_MAX - 2;
	refused(f, &b);
	free(buf);
}

/* Writes an object of keys k000, k001, ...; the last is last_key. */
static size_t many_keys(char *buf, int keys, const char *last_key)
{
	size_t n = 0;

	buf[n++] = '{';
	for (int i = 0; i < keys - 1; i++)
		n += (size_t)sprintf(buf + n, "\"k%03d\":%d,", i, i);
	n += (size_t)sprintf(buf + n, "\"%s\":0}", last_key);
	return n;
}

/* Hundreds of keys in one object: all let in, one twice refused. */
static void test_many_keys(void **state)
{
	struct fixture *f = *state;
	char *buf = xmalloc(2 * BODY_MAX);
	struct body b = { "300 keys", buf, 0 };

	b.len = many_keys(buf, 300, "last");
	assert_true(b.len <= BODY_MAX);
	accepted(f, &b);
	assert_int_equal(cJSON_GetArraySize(f->obj), 300);
	b.name = "300 keys, the first again last";
	b.len = many_keys(buf, 300, "k000");
	refused(f, &b);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_keys, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
