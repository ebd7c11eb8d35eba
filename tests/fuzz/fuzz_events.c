/*
 * fuzz_events: events_encode over any bytes. The first byte chooses how
 * the rest is sent: as a line typed while a password is collected, as a
 * line of any other input, or split in two text fields at a place the
 * byte gives. Every encoding must be one line of valid JSON (jansson
 * reads it back) holding no raw control byte; a text that was valid
 * UTF-8 without NUL comes back as it was; a masked line keeps none of
 * its masked bytes, and as many '*' as there were.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_check.h"
#include "log/events.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether text is what it would be written as: valid UTF-8, no NUL. */
static bool is_kept(const char *text, size_t len)
{
	return utf8_is_valid(text, len) && memchr(text, '\0', len) == NULL;
}

/*
 * Encodes ev, checks the line, and returns it read back (the caller
 * decrefs it).
 */
static json_t *encode_checked(const struct events_event *ev)
{
	size_t len;
	char *line = events_encode(ev, &len);
	json_error_t err;
	json_t *obj;

	FUZZ_CHECK(len >= 2 && line[len - 1] == '\n' && line[len] == '\0');
	for (size_t i = 0; i + 1 < len; i++)
		FUZZ_CHECK((unsigned char)line[i] >= 0x20);
	obj = json_loadb(line, len, 0, &err);
	FUZZ_CHECK(obj != NULL && json_is_object(obj));
	FUZZ_CHECK(json_is_string(json_object_get(obj, "type")));
	free(line);
	return obj;
}

/* A text field of obj, which must be a string. */
static json_t *text_of(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	FUZZ_CHECK(json_is_string(v));
	return v;
}

/* A line event: secret or not, masked as --trace masks it. */
static void check_line(const char *text, size_t len, bool secret)
{
	struct events_event ev;
	bool op = !secret && len >= 4 && strncasecmp(text, "/op ", 4) == 0;
	/* Bytes shown in clear: all, the four of "/op ", or none. */
	size_t shown = secret ? 0 : op ? 4 : len;
	json_t *obj, *v;
	const char *out;
	size_t out_len;

	events_line(&ev, 1, text, len, secret);
	obj = encode_checked(&ev);
	v = text_of(obj, "text");
	out = json_string_value(v);
	out_len = json_string_length(v);
	FUZZ_CHECK(json_is_true(json_object_get(obj, "masked")) ==
		   (secret || op));
	if (secret || op) {
		/* What shows is ASCII; then one '*' a byte, nothing typed. */
		FUZZ_CHECK(out_len == len);
		FUZZ_CHECK(memcmp(out, text, shown) == 0);
		for (size_t i = shown; i < len; i++)
			FUZZ_CHECK(out[i] == '*');
	} else if (is_kept(text, len)) {
		FUZZ_CHECK(out_len == len && memcmp(out, text, len) == 0);
	}
	json_decref(obj);
}

/* Two text fields and the other kinds: any bytes, at any split. */
static void check_fields(const char *text, size_t len, size_t cut)
{
	struct events_event ev;
	json_t *obj, *v;

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
		FUZZ_CHECK(json_string_length(v) == cut &&
			   memcmp(json_string_value(v), text, cut) == 0);
	v = text_of(obj, "text");
	if (is_kept(text + cut, len - cut))
		FUZZ_CHECK(json_string_length(v) == len - cut &&
			   memcmp(json_string_value(v), text + cut,
				  len - cut) == 0);
	FUZZ_CHECK(json_integer_value(json_object_get(obj, "n")) ==
		   (long long)len);
	FUZZ_CHECK(json_is_null(json_object_get(obj, "none")));
	json_decref(obj);
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
