/* jsonbody: see jsonbody.h. */
#include "teacher/jsonbody.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

/* Whether a byte is JSON's white space. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Whether the bytes may be JSON where cJSON does not check: valid UTF-8,
 * no control byte but white space (raw or inside a string), no \u0000.
 */
static bool bytes_ok(const char *body, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(body + i, len - i, &cp);

		if (n == 0 || (cp < 0x20 && !is_space((char)cp)))
			return false;
		if (cp == '\\') {
			if (len - i >= 6 &&
			    memcmp(body + i + 1, "u0000", 5) == 0)
				return false;
			/* What a backslash escapes is no escape itself. */
			if (i + 1 < len && (unsigned char)body[i + 1] < 0x80)
				n = 2;
		}
		i += n;
	}
	return true;
}

/* Whether an object, at any depth, has a key twice. */
static bool has_duplicates(const cJSON *item)
{
	for (const cJSON *a = item->child; a != NULL; a = a->next) {
		if (cJSON_IsObject(item))
			for (const cJSON *b = a->next; b != NULL; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					return true;
		if (has_duplicates(a))
			return true;
	}
	return false;
}

cJSON *jsonbody_parse(const char *body, size_t len)
{
	const char *end = NULL;
	cJSON *obj;

	if (!bytes_ok(body, len))
		return NULL;
	obj = cJSON_ParseWithLengthOpts(body, len, &end, false);
	if (obj == NULL)
		return NULL;
	/* cJSON stops after the value: the rest must be white space. */
	while (end < body + len && is_space(*end))
		end++;
	if (!cJSON_IsObject(obj) || end != body + len || has_duplicates(obj)) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}
