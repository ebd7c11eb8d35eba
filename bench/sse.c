/*
 * sse: a Server-Sent Events reader for the bench's teacher client (see
 * sse.h). The head is checked strictly (a 200, the event-stream type, no
 * chunked framing); the stream follows the HTML standard's rules for
 * lines and fields. Only an event that mentions "missed" is parsed as
 * JSON (cJSON), so a fast stream costs the reader a prefix compare and
 * a copy per line.
 */
#include "sse.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

/* The media type of an event stream (RFC 9110 types are case-insensitive). */
#define SSE_MEDIA_TYPE "text/event-stream"

/* Starts reading a response. */
void sse_init(struct sse *s)
{
	memset(s, 0, sizeof(*s));
	s->state = SSE_STATUS;
}

/* Fails the stream with a message; the line quoted is cut and escaped. */
static enum sse_result sse_fail(struct sse *s, const char *what,
				const char *line, size_t len)
{
	char quoted[64];
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < sizeof(quoted); i++) {
		unsigned char c = (unsigned char)line[i];

		quoted[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	quoted[n] = '\0';
	snprintf(s->error, sizeof(s->error), "%s%s%s%s", what,
		 len > 0 ? " (\"" : "", quoted, len > 0 ? "\")" : "");
	s->state = SSE_FAILED;
	return SSE_ERROR;
}

/* "HTTP/1.x 200 ...": anything else is the server's refusal. */
static enum sse_result sse_status(struct sse *s, const char *line, size_t len)
{
	if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ' ||
	    memcmp(line + 9, "200", 3) != 0 || (len > 12 && line[12] != ' '))
		return sse_fail(s, "the server did not answer 200", line, len);
	s->state = SSE_HEADERS;
	return SSE_MORE;
}

/* Whether a header's name is `name`, case-insensitively; sets *value. */
static bool header_is(const char *line, size_t len, const char *name,
		      const char **value, size_t *vlen)
{
	size_t n = strlen(name);

	if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
		return false;
	*value = line + n + 1;
	*vlen = len - n - 1;
	while (*vlen > 0 && (**value == ' ' || **value == '\t')) {
		(*value)++;
		(*vlen)--;
	}
	while (*vlen > 0 &&
	       ((*value)[*vlen - 1] == ' ' || (*value)[*vlen - 1] == '\t'))
		(*vlen)--;
	return true;
}

/* Whether a Content-Type value is text/event-stream, parameters aside. */
static bool is_event_stream(const char *v, size_t len)
{
	size_t n = strlen(SSE_MEDIA_TYPE);

	if (len < n || strncasecmp(v, SSE_MEDIA_TYPE, n) != 0)
		return false;
	return len == n || v[n] == ';' || v[n] == ' ' || v[n] == '\t';
}

/* A header line, or the blank line that ends the head. */
static enum sse_result sse_header(struct sse *s, const char *line, size_t len)
{
	const char *v;
	size_t vlen;

	if (len == 0) {
		if (s->chunked)
			return sse_fail(s, "a chunked stream (not read)", "",
					0);
		if (!s->content_type_ok)
			return sse_fail(s, "no Content-Type: " SSE_MEDIA_TYPE,
					"", 0);
		s->state = SSE_STREAM;
		return SSE_OPENED;
	}
	if (header_is(line, len, "Content-Type", &v, &vlen))
		s->content_type_ok = is_event_stream(v, vlen);
	else if (header_is(line, len, "Transfer-Encoding", &v, &vlen))
		s->chunked = vlen > 0;
	return SSE_MORE;
}

/*
 * Whether data (len bytes) holds only JSON's white space from end, where
 * cJSON stopped reading: it does not look past the value itself.
 */
static bool sse_only_space(const char *end, const char *data, size_t len)
{
	for (; end < data + len; end++)
		if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r')
			return false;
	return true;
}

/*
 * Whether a "count" is one: a whole number from 1 to 2^53 (cJSON keeps
 * numbers as doubles, exact up to there; the server counts far below).
 */
static bool sse_is_count(const cJSON *count)
{
	double v;

	if (!cJSON_IsNumber(count))
		return false;
	v = count->valuedouble;
	return v >= 1 && v <= 0x1p53 && v == (double)(uint64_t)v;
}

/* Adds a "missed" event's count, if the data is one. */
static void sse_check_missed(struct sse *s)
{
	const char *end = NULL;
	cJSON *root;
	const cJSON *type, *count;

	if (s->data_cut ||
	    memmem(s->data, s->data_len, "\"missed\"", 8) == NULL)
		return;
	root = cJSON_ParseWithLengthOpts(s->data, s->data_len, &end, false);
	if (root == NULL)
		return;
	/* Only an object is an event; trailing bytes make it none. */
	if (!cJSON_IsObject(root) || !sse_only_space(end, s->data, s->data_len))
		goto out;
	type = cJSON_GetObjectItemCaseSensitive(root, "type");
	count = cJSON_GetObjectItemCaseSensitive(root, "count");
	if (cJSON_IsString(type) && strcmp(type->valuestring, "missed") == 0) {
		s->missed_notices++;
		if (sse_is_count(count))
			s->missed += (uint64_t)count->valuedouble;
	}
out:
	cJSON_Delete(root);
}

/* A blank line: the event read so far, if it has data, is dispatched. */
static void sse_dispatch(struct sse *s)
{
	if (!s->has_data)
		return;
	/* The standard drops the last LF of the joined data lines. */
	if (!s->data_cut && s->data_len > 0)
		s->data_len--;
	s->events++;
	sse_check_missed(s);
	s->has_data = false;
	s->data_cut = false;
	s->data_len = 0;
}

/* Appends a data line's value and the LF that joins it to the next. */
static void sse_append_data(struct sse *s, const char *v, size_t len)
{
	s->has_data = true;
	if (s->data_cut || s->data_len + len + 1 > SSE_DATA_MAX) {
		s->data_cut = true;
		return;
	}
	memcpy(s->data + s->data_len, v, len);
	s->data_len += len;
	s->data[s->data_len++] = '\n';
}

/* One line of the stream: a field, a comment or the end of an event. */
static void sse_stream_line(struct sse *s, const char *line, size_t len)
{
	const char *colon, *v;
	size_t name_len, vlen;

	if (len == 0) {
		sse_dispatch(s);
		return;
	}
	if (line[0] == ':') {
		s->comments++;
		return;
	}
	colon = memchr(line, ':', len);
	name_len = colon != NULL ? (size_t)(colon - line) : len;
	v = colon != NULL ? colon + 1 : line + len;
	vlen = len - (size_t)(v - line);
	if (vlen > 0 && *v == ' ') {
		v++;
		vlen--;
	}
	/* event, id and retry change nothing a count needs. */
	if (name_len == 4 && memcmp(line, "data", 4) == 0)
		sse_append_data(s, v, vlen);
}

/* One line of the response. */
enum sse_result sse_feed_line(struct sse *s, const char *line, size_t len,
			      size_t raw)
{
	switch (s->state) {
	case SSE_STATUS:
		return sse_status(s, line, len);
	case SSE_HEADERS:
		return sse_header(s, line, len);
	case SSE_STREAM:
		/* A byte order mark may open the stream (and only it). */
		if (s->bytes == 0 && len >= 3 &&
		    memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			line += 3;
			len -= 3;
		}
		s->bytes += raw;
		sse_stream_line(s, line, len);
		return SSE_MORE;
	case SSE_FAILED:
		break;
	}
	return SSE_ERROR;
}
