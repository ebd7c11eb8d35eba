/*
 * fuzz_jsonbody: the teacher's POST bodies, any bytes, read as one
 * strict JSON object. An object let in came from valid UTF-8 with no
 * control byte but white space, no escape but JSON's and no \u0000; it
 * holds only valid UTF-8 strings and no key twice in any object; printed
 * and read again it is let in and equal. `{}` in white space is always
 * let in. The input is copied to a block of exactly its size, so a read
 * past its end is caught.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz_check.h"
#include "mem.h"
#include "teacher/jsonbody.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether a byte is JSON's white space. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether the bytes hold a control byte that is no white space. */
static bool has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 && !is_space(s[i]))
			return true;
	return false;
}

/*
 * Whether the bytes hold the escape \u0000: an odd run of backslashes
 * followed by u0000 (an even run is escaped backslashes, then text).
 */
static bool has_nul_escape(const char *s, size_t len)
{
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\') {
			run++;
			continue;
		}
		if (run % 2 == 1 && len - i >= 5 &&
		    memcmp(s + i, "u0000", 5) == 0)
			return true;
		run = 0;
	}
	return false;
}

/*
 * Whether the bytes hold a backslash that starts none of JSON's escapes:
 * \" \\ \/ \b \f \n \r \t, or \u and four hex digits.
 */
static bool has_bad_escape(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\')
			continue;
		if (i + 1 < len && s[i + 1] != '\0' &&
		    strchr("\"\\/bfnrt", s[i + 1]) != NULL) {
			i++;
			continue;
		}
		if (len - i < 6 || s[i + 1] != 'u')
			return true;
		for (size_t k = i + 2; k < i + 6; k++)
			if (!isxdigit((unsigned char)s[k]))
				return true;
		i += 5;
	}
	return false;
}

/* Whether the bytes are `{}` with white space around and between. */
static bool is_empty_object(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && is_space(s[i]))
		i++;
	if (i == len || s[i++] != '{')
		return false;
	while (i < len && is_space(s[i]))
		i++;
	if (i == len || s[i++] != '}')
		return false;
	while (i < len && is_space(s[i]))
		i++;
	return i == len;
}

/* Checks every key and string in the tree, and that no object repeats a key. */
static void check_tree(const cJSON *item)
{
	if (cJSON_IsString(item))
		FUZZ_CHECK(utf8_is_valid(item->valuestring,
					 strlen(item->valuestring)));
	for (const cJSON *a = item->child; a != NULL; a = a->next) {
		if (cJSON_IsObject(item)) {
			FUZZ_CHECK(a->string != NULL);
			FUZZ_CHECK(utf8_is_valid(a->string, strlen(a->string)));
			for (const cJSON *b = a->next; b != NULL; b = b->next)
				FUZZ_CHECK(strcmp(a->string, b->string) != 0);
		}
		check_tree(a);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = xmalloc(size);
	cJSON *obj, *again;
	char *printed;

	if (size > 0)
		memcpy(body, data, size);
	obj = jsonbody_parse(body, size);
	if (obj == NULL) {
		FUZZ_CHECK(!is_empty_object(body, size));
		goto out;
	}
	FUZZ_CHECK(cJSON_IsObject(obj));
	FUZZ_CHECK(utf8_is_valid(body, size));
	FUZZ_CHECK(!has_control(body, size));
	FUZZ_CHECK(!has_bad_escape(body, size));
	FUZZ_CHECK(!has_nul_escape(body, size));
	check_tree(obj);
	/* What cJSON prints of the tree reads back to the same tree. */
	printed = cJSON_PrintUnformatted(obj);
	FUZZ_CHECK(printed != NULL);
	again = jsonbody_parse(printed, strlen(printed));
	FUZZ_CHECK(again != NULL && cJSON_IsObject(again));
	FUZZ_CHECK(cJSON_Compare(obj, again, true));
	cJSON_Delete(again);
	cJSON_free(printed);
	cJSON_Delete(obj);
out:
	free(body);
	return 0;
}
