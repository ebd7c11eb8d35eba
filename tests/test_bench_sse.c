/*
 * bench_sse: the bench's reader of the teacher's event stream (bench/sse),
 * fed lines as net hands them: a good head, every refusal (another status,
 * another type, no type, chunked framing, a non-HTTP answer), events of
 * one and of several data lines, comments, other fields, the byte order
 * mark, "missed" events counted (and chat text that only mentions the
 * word not counted), data past SSE_DATA_MAX counted without being kept,
 * and that a failed reader stays failed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sse.h"

/* A head as hotlined answers a follower with the key. */
static const char *const good_head[] = {
	"HTTP/1.1 200 OK",
	"Content-Type: text/event-stream",
	"Cache-Control: no-store",
	"Connection: close",
};

/* Setup: a fresh reader (big: SSE_DATA_MAX of data). */
static int setup(void **state)
{
	struct sse *s = xmalloc(sizeof(*s));

	sse_init(s);
	*state = s;
	return 0;
}

/* Teardown. */
static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* Feeds one line of text (its raw size: the text and CR LF). */
static enum sse_result feed(struct sse *s, const char *line)
{
	size_t len = strlen(line);

	return sse_feed_line(s, line, len, len + 2);
}

/* Feeds a good head and its blank line; the stream must open. */
static void open_stream(struct sse *s)
{
	for (size_t i = 0; i < ARRAY_LEN(good_head); i++)
		assert_int_equal(feed(s, good_head[i]), SSE_MORE);
	assert_int_equal(feed(s, ""), SSE_OPENED);
	assert_int_equal(s->state, SSE_STREAM);
}

/* A 200 event stream opens once its blank line is in, not before. */
static void test_head_good(void **state)
{
	struct sse *s = *state;

	assert_int_equal(feed(s, "HTTP/1.1 200 OK"), SSE_MORE);
	assert_int_equal(s->state, SSE_HEADERS);
	/* Names any case, parameters and spaces around the value. */
	assert_int_equal(
		feed(s, "content-TYPE:  Text/Event-Stream; charset=utf-8 "),
		SSE_MORE);
	assert_int_equal(s->state, SSE_HEADERS);
	assert_int_equal(feed(s, ""), SSE_OPENED);
	assert_int_equal(s->events, 0);
	assert_int_equal(s->bytes, 0); /* the head is not the stream's */
}

/* Every answer that is not a 200 event stream fails, saying why. */
static void test_head_refused(void **state)
{
	static const char *const statuses[] = {
		"HTTP/1.1 401 Unauthorized",
		"HTTP/1.1 503 Service Unavailable",
		"HTTP/1.1 2000 OK",
		"HTTP/1.1 200OK",
		"HTTP/2 200",
		"SSH-2.0-OpenSSH_9.2",
		"",
		"\xff\xfb\x01", /* telnet negotiation: the port took us for a caller */
	};
	struct sse *s = *state;

	for (size_t i = 0; i < ARRAY_LEN(statuses); i++) {
		sse_init(s);
		assert_int_equal(feed(s, statuses[i]), SSE_ERROR);
		assert_int_equal(s->state, SSE_FAILED);
		assert_non_null(strstr(s->error, "did not answer 200"));
		/* What the server said is quoted, its controls escaped. */
		assert_null(strchr(s->error, '\xff'));
	}
	sse_init(s);
	assert_int_equal(feed(s, "HTTP/1.1 503 Service Unavailable"),
			 SSE_ERROR);
	assert_non_null(strstr(s->error, "503 Service Unavailable"));
}

/* A 200 of another type, of no type, or chunked, is not read. */
static void test_head_wrong_type(void **state)
{
	static const char *const headers[] = {
		"Content-Type: application/json; charset=utf-8",
		"Content-Type: text/event-streams",
		"Content-Type:",
		"X-Content-Type: text/event-stream",
		NULL,
	};
	struct sse *s = *state;

	for (size_t i = 0; i < ARRAY_LEN(headers); i++) {
		sse_init(s);
		assert_int_equal(feed(s, "HTTP/1.1 200 OK"), SSE_MORE);
		if (headers[i] != NULL)
			assert_int_equal(feed(s, headers[i]), SSE_MORE);
		assert_int_equal(feed(s, ""), SSE_ERROR);
		assert_non_null(strstr(s->error, "text/event-stream"));
	}
	sse_init(s);
	assert_int_equal(feed(s, "HTTP/1.1 200 OK"), SSE_MORE);
	assert_int_equal(feed(s, "Content-Type: text/event-stream"), SSE_MORE);
	assert_int_equal(feed(s, "Transfer-Encoding: chunked"), SSE_MORE);
	assert_int_equal(feed(s, ""), SSE_ERROR);
	assert_non_null(strstr(s->error, "chunked"));
}

/* Events end at a blank line; comments and other fields are not events. */
static void test_events_counted(void **state)
{
	struct sse *s = *state;

	open_stream(s);
	assert_int_equal(feed(s, "data: {\"type\":\"connect\",\"id\":3}"),
			 SSE_MORE);
	assert_int_equal(s->events, 0); /* not until the blank line */
	feed(s, "");
	assert_int_equal(s->events, 1);
	feed(s, ": keepalive");
	feed(s, "");
	assert_int_equal(s->comments, 1);
	assert_int_equal(s->events, 1); /* a blank line with no data */
	feed(s, "event: ignored");
	feed(s, "id: 7");
	feed(s, "retry: 1000");
	feed(s, "");
	assert_int_equal(s->events, 1);
	/* Two data lines make one event; "data" with no colon is data too. */
	feed(s, "data: {\"type\":");
	feed(s, "data");
	feed(s, "data:\"key\"}");
	feed(s, "");
	assert_int_equal(s->events, 2);
	for (int i = 0; i < 100; i++) {
		feed(s, "data: {\"type\":\"key\",\"id\":3,\"key\":\"1\"}");
		feed(s, "");
	}
	assert_int_equal(s->events, 102);
	assert_int_equal(s->missed, 0);
	assert_int_equal(s->missed_notices, 0);
}

/* Bytes are the stream's as they came, CR LF and all. */
static void test_bytes(void **state)
{
	struct sse *s = *state;

	open_stream(s);
	assert_int_equal(sse_feed_line(s, "data: 1", 7, 9), SSE_MORE);
	assert_int_equal(sse_feed_line(s, "", 0, 1), SSE_MORE); /* a bare LF */
	assert_int_equal(s->bytes, 10);
	assert_int_equal(s->events, 1);
}

/* A byte order mark may open the stream; later it is part of a line. */
static void test_bom(void **state)
{
	struct sse *s = *state;

	open_stream(s);
	feed(s, "\xef\xbb\xbf: keepalive");
	assert_int_equal(s->comments, 1);
	feed(s, "\xef\xbb\xbf: not a comment");
	assert_int_equal(s->comments, 1);
}

/* "missed" events add their counts; other events naming the word do not. */
static void test_missed(void **state)
{
	struct sse *s = *state;

	open_stream(s);
	feed(s, "data: {\"type\":\"missed\",\"count\":120}");
	feed(s, "");
	feed(s, "data: {\"type\": \"missed\", \"count\": 3}");
	feed(s, "");
	assert_int_equal(s->missed, 123);
	assert_int_equal(s->missed_notices, 2);
	/* Another event with "missed" as a value, and a count of its own. */
	feed(s, "data: {\"type\":\"close\",\"id\":3,\"reason\":\"missed\","
		"\"count\":9}");
	feed(s, "");
	/* Not JSON, a count that is no number, a negative one. */
	feed(s, "data: \"missed\" {");
	feed(s, "");
	feed(s, "data: {\"type\":\"missed\",\"count\":\"9\"}");
	feed(s, "");
	feed(s, "data: {\"type\":\"missed\",\"count\":-9}");
	feed(s, "");
	assert_int_equal(s->missed, 123);
	assert_int_equal(s->missed_notices, 4);
	assert_int_equal(s->events, 6);
	/* Split over two data lines, it is one event all the same. */
	feed(s, "data: {\"type\":\"missed\",");
	feed(s, "data: \"count\":1}");
	feed(s, "");
	assert_int_equal(s->missed, 124);
	assert_int_equal(s->events, 7);
}

/* Data past SSE_DATA_MAX is an event, counted but not looked into. */
static void test_long_event(void **state)
{
	struct sse *s = *state;
	size_t len = SSE_DATA_MAX + 100;
	char *line = xmalloc(len + 1);
	const char *head = "data: {\"type\":\"missed\",\"count\":5,\"pad\":\"";

	memset(line, 'x', len);
	open_stream(s);
	memcpy(line, head, strlen(head));
	memcpy(line + len - 2, "\"}", 2);
	line[len] = '\0';
	feed(s, line);
	feed(s, "");
	assert_int_equal(s->events, 1);
	assert_int_equal(s->missed, 0);
	/* The next event is read whole again. */
	feed(s, "data: {\"type\":\"missed\",\"count\":5}");
	feed(s, "");
	assert_int_equal(s->missed, 5);
	free(line);
}

/* After a failure every line is refused and nothing is counted. */
static void test_failed_stays_failed(void **state)
{
	struct sse *s = *state;

	assert_int_equal(feed(s, "HTTP/1.1 401 Unauthorized"), SSE_ERROR);
	assert_int_equal(feed(s, "Content-Type: text/event-stream"), SSE_ERROR);
	assert_int_equal(feed(s, ""), SSE_ERROR);
	assert_int_equal(feed(s, "data: {}"), SSE_ERROR);
	assert_int_equal(feed(s, ""), SSE_ERROR);
	assert_int_equal(s->state, SSE_FAILED);
	assert_int_equal(s->events, 0);
	assert_int_equal(s->bytes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_head_good, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_head_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_head_wrong_type, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_events_counted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_event, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failed_stays_failed, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
