/*
 * fuzz_wsframe: a WebSocket connection fed any bytes, in pieces of any
 * size, with the server sending, pinging and hanging up between them.
 * The input is a program: a byte that says what to do (feed the next n
 * bytes, send, ping, close), then its operand. The payload handed up
 * can never be more than was fed; a close is reported once, with a code
 * a close may carry, and nothing goes out after it; and everything the
 * server wrote must be whole, unmasked frames with opcodes a server
 * sends.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "proto/wsframe.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the callback saw during one input. */
struct seen {
	struct wsframe *ws;
	struct strbuf sent;
	size_t data_len, closes;
	bool sent_after_close;
};

/* Records an event and checks what can be checked at once. */
static void on_event(void *ctx, const struct wsframe_event *ev)
{
	struct seen *s = ctx;

	switch (ev->type) {
	case WSFRAME_EV_DATA:
		FUZZ_CHECK(ev->len > 0 && ev->data != NULL);
		FUZZ_CHECK(s->closes == 0);
		s->data_len += ev->len;
		break;
	case WSFRAME_EV_SEND:
		FUZZ_CHECK(ev->len > 0);
		if (s->closes > 0)
			s->sent_after_close = true;
		strbuf_append(&s->sent, ev->data, ev->len);
		break;
	case WSFRAME_EV_FRAME:
		FUZZ_CHECK(ev->opcode < 16);
		FUZZ_CHECK(ev->length <= WSFRAME_MAX_FRAME || ev->opcode >= 8);
		break;
	case WSFRAME_EV_PONG:
		break;
	case WSFRAME_EV_CLOSE:
		s->closes++;
		FUZZ_CHECK(ev->code == 0 ||
			   (ev->code >= 1000 && ev->code < 5000));
		FUZZ_CHECK(wsframe_is_closing(s->ws));
		break;
	}
}

/* Checks the server's bytes are whole unmasked frames, a close last if any. */
static void check_sent(const struct strbuf *sent)
{
	const uint8_t *p = (const uint8_t *)sent->data;
	size_t pos = 0;
	bool closed = false;

	while (pos < sent->len) {
		uint64_t len;
		unsigned op;

		FUZZ_CHECK(!closed);
		FUZZ_CHECK(sent->len - pos >= 2);
		op = p[pos] & 0x0f;
		FUZZ_CHECK((p[pos] & 0xf0) == 0x80); /* FIN, no RSV */
		FUZZ_CHECK(op == 0x2 || op == 0x8 || op == 0x9 || op == 0xa);
		FUZZ_CHECK((p[pos + 1] & 0x80) == 0); /* never masked */
		len = p[pos + 1] & 0x7f;
		pos += 2;
		if (len == 126 || len == 127) {
			size_t n = len == 126 ? 2 : 8;

			FUZZ_CHECK(sent->len - pos >= n);
			len = 0;
			for (size_t i = 0; i < n; i++)
				len = (len << 8) | p[pos + i];
			pos += n;
		}
		FUZZ_CHECK(sent->len - pos >= len);
		pos += len;
		closed = op == 0x8;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 0 };
	size_t pos = 0, fed = 0;

	strbuf_init(&s.sent);
	s.ws = wsframe_new(on_event, &s);
	while (pos < size) {
		uint8_t op = data[pos++];
		size_t n = (size_t)(op >> 2) + 1;

		switch (op & 3) {
		case 0:
		case 1:
			/* Feed the next 1..128 bytes. */
			n += (op & 1) ? 64 : 0;
			if (n > size - pos)
				n = size - pos;
			if (wsframe_feed(s.ws, data + pos, n) < 0)
				FUZZ_CHECK(false);
			pos += n;
			fed += n;
			break;
		case 2:
			/* Send n bytes of the input back, or ping. */
			if (n > size - pos)
				n = size - pos;
			if (op & 4)
				(void)wsframe_ping(s.ws);
			else
				(void)wsframe_send(s.ws, data + pos, n);
			break;
		case 3:
			(void)wsframe_close(s.ws, 1000 + (op >> 2) % 16);
			break;
		}
		FUZZ_CHECK(s.data_len <= fed);
		FUZZ_CHECK(s.closes <= 1);
		FUZZ_CHECK(wsframe_is_closing(s.ws) == (s.closes == 1));
	}
	FUZZ_CHECK(!s.sent_after_close);
	check_sent(&s.sent);
	wsframe_free(s.ws);
	strbuf_fini(&s.sent);
	return 0;
}
