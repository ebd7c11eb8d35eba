/*
 * fuzz_bench_sse: the bench's reader of the teacher's event stream
 * (bench/sse.c) fed any bytes, split into lines as the bench's net does
 * (at LF, a CR before it dropped). The reader may refuse the answer, but
 * never reads past its buffers, and its counts stay within what it was
 * fed: no more events than blank lines, no more "missed" notices than
 * events, no more bytes than the input, nothing counted before the head
 * checked out, and once failed it stays failed, with a message.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feeds one line and checks what follows from it alone. */
static void feed(struct sse *s, const char *p, size_t len, size_t raw,
		 size_t *blank_lines)
{
	enum sse_state before = s->state;
	enum sse_result r;

	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len == 0 && before == SSE_STREAM)
		(*blank_lines)++;
	r = sse_feed_line(s, p, len, raw);
	switch (r) {
	case SSE_OPENED:
		FUZZ_CHECK(before == SSE_HEADERS && s->state == SSE_STREAM);
		break;
	case SSE_ERROR:
		FUZZ_CHECK(s->state == SSE_FAILED && s->error[0] != '\0');
		FUZZ_CHECK(memchr(s->error, '\0', sizeof(s->error)) != NULL);
		break;
	case SSE_MORE:
		FUZZ_CHECK(s->state != SSE_FAILED);
		break;
	}
	if (before == SSE_FAILED)
		FUZZ_CHECK(r == SSE_ERROR);
	if (s->state != SSE_STREAM)
		FUZZ_CHECK(s->events == 0 && s->bytes == 0 && s->comments == 0);
	FUZZ_CHECK(s->data_len <= SSE_DATA_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sse *s = malloc(sizeof(*s));
	const char *p = (const char *)data, *end = p + size;
	size_t blank_lines = 0;

	if (s == NULL)
		return 0;
	sse_init(s);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		/* A last line without its LF is fed too: a stream cut short. */
		feed(s, p, len, len + (nl != NULL), &blank_lines);
		p += len + (nl != NULL);
	}
	FUZZ_CHECK(s->events <= blank_lines);
	FUZZ_CHECK(s->missed_notices <= s->events);
	FUZZ_CHECK(s->bytes <= size);
	free(s);
	return 0;
}
