/*
 * fuzz_events: events_encode over any bytes. The first byte chooses how
 * the rest is sent: as a line typed while a password is collected, as a
 * line of any other input, or split in two text fields at a place the
 * byte gives. Every encoding must be one line of valid JSON (cJSON reads
 * it back) that is valid UTF-8, holds no raw control byte and no
 * \u0000, and writes its numbers as integers (jsonline_read checks
 * what stricter readers refuse and cJSON takes); a text that was valid
 * UTF-8 without NUL comes back as it was; a masked line keeps none of
 * its masked bytes, and as many '*' as there were.
 */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_check.h"
#include "jsonline.h"
#include "log/events.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether text is what it would be written as: valid UTF-8, no NUL. */
static bool is_kept(const char *text, size_t len)
{
	return utf8_is_valid(text, len) && memchr(text, '\0', len) == NULL;
}

/*
 * Encodes ev, checks the line (jsonline.h: what stricter readers refuse
 * and cJSON takes) and that it has a type, and returns it read back (the
 * caller deletes it). A broken rule aborts with the line.
 */
static cJSON *encode_checked(const struct events_event *ev)
{
	size_t len;
	char *line = events_encode(ev, &len);
	const char *why;
	cJSON *obj;

	FUZZ_CHECK(line != NULL && line[len] == '\0');
	obj = jsonline_read(line, len, &why);
	if (obj == NULL) {
		fprintf(stderr, "fuzz_events: the line %s: %.*s\n", why,
			(int)len, line);
		abort();
	}
	FUZZ_CHECK(
		cJSON_IsString(cJSON_GetObjectItemCaseSensitive(obj, "type")));
	free(line);
	return obj;
}

/*
 * A text field of obj, which must be a string; its length is strlen's,
 * as the encoder writes NUL as U+FFFD and jsonline_read found no
 * \u0000 to end it early.
 */
static const char *text_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	FUZZ_CHECK(cJSON_IsString(v));
	return v->valuestring;
}

/* A line event: secret or not, masked as --trace masks it. */
static void check_line(const char *text, size_t len, bool secret)
{
	struct events_event ev;
	bool op = !secret && len >= 4 && strncasecmp(text, "/op ", 4) == 0;
	/* Bytes shown in clear: all, the four of "/op ", or none. */
	size_t shown = secret ? 0 : op ? 4 : len;
	cJSON *obj;
	const cJSON *masked;
	const char *out;
	size_t out_len;

	events_line(&ev, 1, text, len, secret);
	obj = encode_checked(&ev);
	out = text_of(obj, "text");
	out_len = strlen(out);
	masked = cJSON_GetObjectItemCaseSensitive(obj, "masked");
	FUZZ_CHECK(cJSON_IsBool(masked));
	FUZZ_CHECK(cJSON_IsTrue(masked) == (secret || op));
	if (secret || op) {
		/* What shows is ASCII; then one '*' a byte, nothing typed. */
		FUZZ_CHECK(out_len == len);
		FUZZ_CHECK(memcmp(out, text, shown) == 0);
		for (size_t i = shown; i < len; i++)
			FUZZ_CHECK(out[i] == '*');
	} else if (is_kept(text, len)) {
		FUZZ_CHECK(out_len == len && memcmp(out, text, len) == 0);
	}
	cJSON_Delete(obj);
}

/* Two text fields and the other kinds: any bytes, at any split. */
static void check_fields(const char *text, size_t len, size_t cut)
{
	struct events_event ev;
	const cJSON *n;
	cJSON *obj;
	const char *v;

	if (cut > len)
		cut = len;
	events_init(&ev, EVENTS_CHAT, 7);
	events_add_text(&ev, "nick", text, cut);
	events_add_text(&ev, "text", text + cut, len - cut);
	events_add_number(&ev, "n", (long long)len);
	events_add_text(&ev, "none", NULL, 0);
	obj = encode_checked(&ev);
	v = text_of(obj, "nick");
	if (is_kept(text, cut))
		FUZZ_CHECK(strlen(v) == cut && memcmp(v, text, cut) == 0);
	v = text_of(obj, "text");
	if (is_kept(text + cut, len - cut))
		FUZZ_CHECK(strlen(v) == len - cut &&
			   memcmp(v, text + cut, len - cut) == 0);
	/* An integer (encode_checked), and len is far below 2^53: exact. */
	n = cJSON_GetObjectItemCaseSensitive(obj, "n");
	FUZZ_CHECK(cJSON_IsNumber(n) && n->valuedouble == (double)len);
	FUZZ_CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(obj, "none")));
	cJSON_Delete(obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	size_t len;

	if (size == 0)
		return 0;
	len = size - 1;
	switch (data[0] % 3) {
	case 0:
		check_line(text, len, true);
		break;
	case 1:
		check_line(text, len, false);
		break;
	default:
		check_fields(text, len, data[0] / 3);
		break;
	}
	return 0;
}
