/* jsonbody: see jsonbody.h. */
#include "teacher/jsonbody.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

/* Whether a byte is JSON's white space. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether c is a hex digit (not isxdigit: no locale). */
static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/*
 * Bytes in the escape at s (len bytes, from its backslash), or 0 if it is
 * none of JSON's or is \u0000: cJSON reads a \u with a bad hex digit as
 * \u0000 too, and would end the string there.
 */
static size_t escape_len(const char *s, size_t len)
{
	if (len >= 2 && s[1] != '\0' && strchr("\"\\/bfnrt", s[1]) != NULL)
		return 2;
	if (len < 6 || s[1] != 'u' || memcmp(s + 2, "0000", 4) == 0)
		return 0;
	for (size_t k = 2; k < 6; k++)
		if (!is_hex(s[k]))
			return 0;
	return 6;
}

/*
 * Whether the bytes may be JSON where cJSON does not check: valid UTF-8,
 * no control byte but white space (raw or inside a string), no escape but
 * JSON's, no \u0000.
 */
static bool bytes_ok(const char *body, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(body + i, len - i, &cp);

		if (n == 0 || (cp < 0x20 && !is_space((char)cp)))
			return false;
		/* Escapes are stepped over whole, as cJSON reads them. */
		if (cp == '\\' && (n = escape_len(body + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

/*
 * Whether the tree holds what the text may not mean: a key twice in an
 * object, or a number past a double's range (cJSON reads 1e400 as
 * infinity, and would print it as null).
 */
static bool tree_bad(const cJSON *item)
{
	for (const cJSON *a = item->child; a != NULL; a = a->next) {
		if (cJSON_IsNumber(a) && !isfinite(a->valuedouble))
			return true;
		if (cJSON_IsObject(item))
			for (const cJSON *b = a->next; b != NULL; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					return true;
		if (tree_bad(a))
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
	if (!cJSON_IsObject(obj) || end != body + len || tree_bad(obj)) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}
