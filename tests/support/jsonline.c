/* jsonline: the strict reader of one events line (see jsonline.h). */
#include "jsonline.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

/*
 * Bytes of the "key": pattern written_as_integer looks for; the events'
 * keys are short words, so a longer one is refused rather than cut.
 */
#define JSONLINE_MAX_KEY_PATTERN 64

/*
 * Whether key's value in line (len bytes) is written as a JSON integer:
 * an optional '-', digits without a leading zero, no '.' or exponent.
 * The first "key": is the key itself: a quote inside a string is escaped.
 */
static bool written_as_integer(const char *line, size_t len, const char *key)
{
	const char *end = line + len;
	char pat[JSONLINE_MAX_KEY_PATTERN];
	int n = snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p;

	if (n <= 0 || (size_t)n >= sizeof(pat))
		return false;
	p = memmem(line, len, pat, (size_t)n);
	if (p == NULL)
		return false;
	p += n;
	if (p < end && *p == '-')
		p++;
	if (p == end || *p < '0' || *p > '9')
		return false;
	if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
		return false;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p < end && (*p == ',' || *p == '}');
}

/* Whether a double (cJSON's valuedouble) is whole and fits a long long. */
static bool is_integral(double v)
{
	return v >= -0x1p63 && v < 0x1p63 && v == (double)(long long)v;
}

/*
 * Whether line has a \u0000 escape: strict readers refuse one, and cJSON
 * reads it as a NUL that ends the string early.
 */
static bool has_nul_escape(const char *line, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (line[i] != '\\')
			continue;
		if (line[i + 1] == 'u' && len - i >= 6 &&
		    memcmp(line + i + 2, "0000", 4) == 0)
			return true;
		i++; /* the escaped character is no escape of its own */
	}
	return false;
}

/* Why line breaks a rule cJSON does not check before parsing, or NULL. */
static const char *refused_bytes(const char *line, size_t len)
{
	if (len < 2)
		return "is shorter than an object and its '\\n'";
	if (line[len - 1] != '\n')
		return "does not end in '\\n'";
	for (size_t i = 0; i + 1 < len; i++)
		if ((unsigned char)line[i] < 0x20)
			return "has a raw control byte before its '\\n'";
	if (!utf8_is_valid(line, len))
		return "is not valid UTF-8";
	if (has_nul_escape(line, len))
		return "has a \\u0000 escape";
	/* cJSON would skip a byte order mark or white space. */
	if (line[0] != '{')
		return "does not start with '{'";
	return NULL;
}

/* Why a number in obj (read from line) is no integer written as one. */
static const char *refused_numbers(const cJSON *obj, const char *line,
				   size_t len)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, obj)
	{
		if (!cJSON_IsNumber(item))
			continue;
		if (!is_integral(item->valuedouble))
			return "has a number that is no integer of 64 bits";
		if (!written_as_integer(line, len, item->string))
			return "has a number not written as digits";
	}
	return NULL;
}

/* Reads one line strictly (see jsonline.h); the caller owns the object. */
cJSON *jsonline_read(const char *line, size_t len, const char **why)
{
	const char *end = NULL;
	cJSON *obj = NULL;

	*why = refused_bytes(line, len);
	if (*why != NULL)
		goto out;
	obj = cJSON_ParseWithLengthOpts(line, len, &end, false);
	if (obj == NULL) {
		*why = "is not JSON";
		goto out;
	}
	if (!cJSON_IsObject(obj)) {
		*why = "is not a JSON object";
		goto out;
	}
	/* One object, and nothing after it but the line end. */
	if (end != line + len - 1) {
		*why = "has something after the object before its '\\n'";
		goto out;
	}
	*why = refused_numbers(obj, line, len);
out:
	if (*why == NULL)
		return obj;
	cJSON_Delete(obj);
	return NULL;
}
