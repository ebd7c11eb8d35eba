/*
 * test_wsframe: WebSocket frames on buffers, as a browser sends them
 * (masked, built by hand here): whole, split at every byte, fragmented
 * with a ping between the pieces; what the server frames (binary
 * messages, pings, the three length encodings); and every way a
 * connection ends: a hang-up (1000), the peer's close echoed, an
 * unmasked frame (1002), reserved bits or an unknown opcode (1002), a
 * frame over 64 KiB or a message over 1 MiB (1009), text that is not
 * UTF-8 (1007).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mem.h"
#include "proto/wsframe.h"
#include "strbuf.h"

/* Opcodes (RFC 6455 5.2). */
#define OP_CONT 0x0
#define OP_TEXT 0x1
#define OP_BINARY 0x2
#define OP_CLOSE 0x8
#define OP_PING 0x9
#define OP_PONG 0xa

/* What the callback saw. */
struct fixture {
	struct wsframe *ws;
	struct strbuf data;  /* DATA, together */
	struct strbuf sent;  /* SEND, together */
	struct strbuf frame; /* a frame being built */
	size_t data_events, frames, pongs, closes;
	unsigned close_code, peer_code;
	unsigned last_opcode;
	uint64_t last_length;
	bool last_fin;
	bool echo; /* send each DATA straight back */
};

/* Records one event; echoes data when asked (sending from the callback). */
static void on_event(void *ctx, const struct wsframe_event *ev)
{
	struct fixture *f = ctx;

	switch (ev->type) {
	case WSFRAME_EV_DATA:
		f->data_events++;
		strbuf_append(&f->data, ev->data, ev->len);
		if (f->echo)
			assert_int_equal(wsframe_send(f->ws, ev->data, ev->len),
					 0);
		break;
	case WSFRAME_EV_SEND:
		strbuf_append(&f->sent, ev->data, ev->len);
		break;
	case WSFRAME_EV_FRAME:
		f->frames++;
		f->last_fin = ev->fin;
		f->last_opcode = ev->opcode;
		f->last_length = ev->length;
		break;
	case WSFRAME_EV_PONG:
		f->pongs++;
		break;
	case WSFRAME_EV_CLOSE:
		f->closes++;
		f->close_code = ev->code;
		f->peer_code = ev->peer_code;
		break;
	}
}

/* A new server-side connection and empty records. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	strbuf_init(&f->data);
	strbuf_init(&f->sent);
	strbuf_init(&f->frame);
	f->ws = wsframe_new(on_event, f);
	*state = f;
	return 0;
}

/* Frees the connection and the records. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	wsframe_free(f->ws);
	strbuf_fini(&f->data);
	strbuf_fini(&f->sent);
	strbuf_fini(&f->frame);
	free(f);
	return 0;
}

/*
 * Appends a client's frame to f->frame: masked with a fixed key unless
 * masked is false, the length in the shortest encoding.
 */
static void build(struct fixture *f, bool fin, unsigned opcode,
		  const void *payload, size_t len, bool masked)
{
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	const uint8_t *p = payload;
	uint8_t hdr[14];
	size_t n = 0;

	hdr[n++] = (uint8_t)((fin ? 0x80 : 0) | opcode);
	if (len < 126) {
		hdr[n++] = (uint8_t)((masked ? 0x80 : 0) | len);
	} else if (len <= 0xffff) {
		hdr[n++] = (uint8_t)((masked ? 0x80 : 0) | 126);
		hdr[n++] = (uint8_t)(len >> 8);
		hdr[n++] = (uint8_t)len;
	} else {
		hdr[n++] = (uint8_t)((masked ? 0x80 : 0) | 127);
		for (int i = 7; i >= 0; i--)
			hdr[n++] = (uint8_t)((uint64_t)len >> (8 * i));
	}
	if (masked) {
		memcpy(hdr + n, key, 4);
		n += 4;
	}
	strbuf_append(&f->frame, hdr, n);
	for (size_t i = 0; i < len; i++)
		strbuf_append_char(&f->frame,
				   (char)(p[i] ^ (masked ? key[i % 4] : 0)));
}

/* Feeds the frames built so far at once, and forgets them. */
static void feed(struct fixture *f)
{
	assert_int_equal(wsframe_feed(f->ws, f->frame.data, f->frame.len), 0);
	strbuf_reset(&f->frame);
}

/* Checks what the server sent is exactly the given bytes, then forgets it. */
static void expect_sent(struct fixture *f, const void *want, size_t n)
{
	assert_int_equal(f->sent.len, n);
	assert_memory_equal(f->sent.data, want, n);
	strbuf_reset(&f->sent);
}

#define EXPECT_SENT(f, lit) expect_sent((f), (lit), sizeof(lit) - 1)

/* Checks the data so far is exactly the given bytes. */
static void expect_data(struct fixture *f, const void *want, size_t n)
{
	assert_int_equal(f->data.len, n);
	if (n > 0)
		assert_memory_equal(f->data.data, want, n);
}

#define EXPECT_DATA(f, lit) expect_data((f), (lit), sizeof(lit) - 1)

/* Starts over on a new connection, keeping the records but the close. */
static void restart(struct fixture *f)
{
	wsframe_free(f->ws);
	f->closes = 0;
	f->ws = wsframe_new(on_event, f);
}

/* Checks the server closed with code, once, and sends nothing more. */
static void expect_closed(struct fixture *f, unsigned code)
{
	uint8_t close[4] = { 0x88, 0x02, (uint8_t)(code >> 8), (uint8_t)code };

	assert_int_equal(f->closes, 1);
	assert_int_equal(f->close_code, code);
	assert_true(wsframe_is_closing(f->ws));
	expect_sent(f, close, sizeof(close));
	assert_int_equal(wsframe_send(f->ws, "x", 1), -1);
	assert_int_equal(wsframe_ping(f->ws), -1);
	assert_int_equal(f->sent.len, 0);
}

/* A binary message's payload goes up; a text one's too; FRAME tells its header. */
static void test_whole_messages(void **state)
{
	struct fixture *f = *state;

	build(f, true, OP_BINARY, "1\xff\xfb\x01", 4, true);
	feed(f);
	EXPECT_DATA(f, "1\xff\xfb\x01");
	assert_int_equal(f->frames, 1);
	assert_true(f->last_fin);
	assert_int_equal(f->last_opcode, OP_BINARY);
	assert_int_equal(f->last_length, 4);
	build(f, true, OP_TEXT, "\xe4\xbd\xa0", 3, true);
	build(f, true, OP_BINARY, "", 0, true);
	build(f, true, OP_BINARY, "2", 1, true);
	feed(f);
	EXPECT_DATA(f, "1\xff\xfb\x01\xe4\xbd\xa0"
		       "2");
	/* One DATA per feed, whatever the frames in it. */
	assert_int_equal(f->data_events, 2);
	assert_int_equal(f->sent.len, 0);
	assert_int_equal(f->closes, 0);
	assert_false(wsframe_is_closing(f->ws));
}

/* A frame split at every byte arrives whole, header included. */
static void test_split_frames(void **state)
{
	struct fixture *f = *state;
	char payload[300];

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (char)('a' + i % 26);
	/* 300 bytes: the 16-bit length encoding. */
	build(f, true, OP_BINARY, payload, sizeof(payload), true);
	build(f, true, OP_BINARY, "xy", 2, true);
	for (size_t i = 0; i < f->frame.len; i++)
		assert_int_equal(wsframe_feed(f->ws, f->frame.data + i, 1), 0);
	assert_int_equal(f->data.len, sizeof(payload) + 2);
	assert_memory_equal(f->data.data, payload, sizeof(payload));
	assert_memory_equal(f->data.data + sizeof(payload), "xy", 2);
	assert_int_equal(f->frames, 2);
	assert_int_equal(wsframe_feed(f->ws, "", 0), 0);
	assert_int_equal(f->closes, 0);
}

/*
 * An idle caller holds no libwslay context: only between whole frames,
 * with no message half received, and never once closing. Frames of each
 * length encoding, split at every byte, lose nothing across the release.
 */
static void test_idle_release(void **state)
{
	struct fixture *f = *state;
	static const size_t sizes[] = { 1, 125, 126, 300, 65535, 65536 };
	char *payload = xmalloc(65536);

	assert_true(wsframe_is_idle(f->ws));
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t len = sizes[s], cut = len < 126 ? 3 : 7;

		memset(payload, (int)('a' + s), len);
		strbuf_reset(&f->data);
		build(f, true, OP_BINARY, payload, len, true);
		/* Held while any byte of the frame is still to come. */
		assert_int_equal(wsframe_feed(f->ws, f->frame.data, cut), 0);
		assert_false(wsframe_is_idle(f->ws));
		assert_int_equal(wsframe_feed(f->ws, f->frame.data + cut,
					      f->frame.len - cut - 1),
				 0);
		assert_false(wsframe_is_idle(f->ws));
		assert_int_equal(wsframe_feed(f->ws,
					      f->frame.data + f->frame.len - 1,
					      1),
				 0);
		assert_true(wsframe_is_idle(f->ws));
		strbuf_reset(&f->frame);
		assert_int_equal(f->data.len, len);
		assert_memory_equal(f->data.data, payload, len);
	}
	free(payload);
	/* A message half received keeps it, a ping between fragments too. */
	strbuf_reset(&f->data);
	build(f, false, OP_BINARY, "ab", 2, true);
	feed(f);
	assert_false(wsframe_is_idle(f->ws));
	build(f, true, OP_PING, "p", 1, true);
	feed(f);
	assert_false(wsframe_is_idle(f->ws));
	EXPECT_SENT(f, "\x8a\x01p");
	build(f, true, OP_CONT, "cd", 2, true);
	feed(f);
	assert_true(wsframe_is_idle(f->ws));
	EXPECT_DATA(f, "abcd");
	/* Sending makes one for the frame and lets it go. */
	assert_int_equal(wsframe_send(f->ws, "hi", 2), 0);
	EXPECT_SENT(f, "\x82\x02hi");
	assert_true(wsframe_is_idle(f->ws));
	assert_int_equal(wsframe_ping(f->ws), 0);
	EXPECT_SENT(f, "\x89\x00");
	assert_true(wsframe_is_idle(f->ws));
	/* Closing holds it to the end. */
	assert_int_equal(wsframe_close(f->ws, 1000), 0);
	assert_false(wsframe_is_idle(f->ws));
	expect_closed(f, 1000);
	assert_int_equal(wsframe_send(f->ws, "x", 1), -1);
}

/* Fragments join in order; a ping between them is answered with its payload. */
static void test_fragmented(void **state)
{
	struct fixture *f = *state;

	build(f, false, OP_BINARY, "ab", 2, true);
	build(f, false, OP_CONT, "cd", 2, true);
	build(f, true, OP_PING, "hi", 2, true);
	build(f, true, OP_CONT, "ef", 2, true);
	feed(f);
	EXPECT_DATA(f, "abcdef");
	EXPECT_SENT(f, "\x8a\x02hi");
	/* A UTF-8 character split across text fragments is whole text. */
	strbuf_reset(&f->data);
	build(f, false, OP_TEXT, "\xe4", 1, true);
	build(f, true, OP_CONT, "\xbd\xa0", 2, true);
	feed(f);
	EXPECT_DATA(f, "\xe4\xbd\xa0");
	assert_int_equal(f->closes, 0);
}

/* Output is binary frames, unmasked, in the three length encodings. */
static void test_send(void **state)
{
	struct fixture *f = *state;
	size_t sizes[] = { 0, 125, 126, 65535, 65536, 200000 };

	assert_int_equal(wsframe_send(f->ws, "hello", 5), 0);
	EXPECT_SENT(f, "\x82\x05hello");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *big = xcalloc(1, sizes[i] + 1);
		size_t hdr = sizes[i] < 126 ? 2 : sizes[i] <= 0xffff ? 4 : 10;
		const uint8_t *s;

		memset(big, 'z', sizes[i]);
		assert_int_equal(wsframe_send(f->ws, big, sizes[i]), 0);
		assert_int_equal(f->sent.len, hdr + sizes[i]);
		s = (const uint8_t *)f->sent.data;
		assert_int_equal(s[0], 0x82);
		if (hdr == 2) {
			assert_int_equal(s[1], sizes[i]);
		} else if (hdr == 4) {
			assert_int_equal(s[1], 126);
			assert_int_equal((s[2] << 8) | s[3], sizes[i]);
		} else {
			uint64_t n = 0;

			assert_int_equal(s[1], 127);
			for (int b = 2; b < 10; b++)
				n = (n << 8) | s[b];
			assert_int_equal(n, sizes[i]);
		}
		assert_memory_equal(f->sent.data + hdr, big, sizes[i]);
		strbuf_reset(&f->sent);
		free(big);
	}
}

/* The server's ping goes out empty; the caller's pong is reported. */
static void test_ping_pong(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(wsframe_ping(f->ws), 0);
	EXPECT_SENT(f, "\x89\x00");
	build(f, true, OP_PONG, "", 0, true);
	feed(f);
	assert_int_equal(f->pongs, 1);
	/* An unasked pong is reported too (RFC 6455 5.5.3 allows it). */
	build(f, true, OP_PONG, "x", 1, true);
	feed(f);
	assert_int_equal(f->pongs, 2);
	assert_int_equal(f->sent.len, 0);
	assert_int_equal(f->data.len, 0);
}

/* Data handed up may be answered from the callback itself. */
static void test_send_from_callback(void **state)
{
	struct fixture *f = *state;

	f->echo = true;
	build(f, true, OP_BINARY, "12", 2, true);
	build(f, true, OP_PING, "", 0, true);
	feed(f);
	EXPECT_DATA(f, "12");
	/* The pong libwslay queued and the echo, both whole frames. */
	assert_int_equal(f->sent.len, 6);
	assert_non_null(memmem(f->sent.data, f->sent.len,
			       "\x82\x02"
			       "12",
			       4));
	assert_non_null(memmem(f->sent.data, f->sent.len, "\x8a\x00", 2));
}

/* A hang-up closes with 1000; nothing is read or sent after it. */
static void test_hang_up(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(wsframe_close(f->ws, WSFRAME_CLOSE_NORMAL), 0);
	assert_int_equal(f->peer_code, 0);
	expect_closed(f, WSFRAME_CLOSE_NORMAL);
	assert_int_equal(wsframe_close(f->ws, WSFRAME_CLOSE_NORMAL), -1);
	build(f, true, OP_BINARY, "1", 1, true);
	feed(f);
	assert_int_equal(f->data.len, 0);
	assert_int_equal(f->closes, 1);
}

/* The caller's close is echoed with its code, and reported. */
static void test_peer_close(void **state)
{
	struct fixture *f = *state;

	build(f, true, OP_CLOSE, "\x03\xe9", 2, true);
	build(f, true, OP_BINARY, "late", 4, true);
	feed(f);
	assert_int_equal(f->peer_code, WSFRAME_CLOSE_GOING_AWAY);
	expect_closed(f, WSFRAME_CLOSE_GOING_AWAY);
	assert_int_equal(f->data.len, 0);
}

/* An unmasked frame from the caller: close 1002, its payload dropped. */
static void test_unmasked(void **state)
{
	struct fixture *f = *state;

	build(f, true, OP_BINARY, "ok", 2, true);
	build(f, true, OP_BINARY, "1", 1, false);
	build(f, true, OP_BINARY, "2", 1, true);
	feed(f);
	EXPECT_DATA(f, "ok");
	expect_closed(f, WSFRAME_CLOSE_PROTOCOL);
}

/* Reserved bits, an unknown opcode, a continuation of nothing: 1002. */
static void test_protocol_errors(void **state)
{
	struct fixture *f = *state;
	static const uint8_t bad[][6] = {
		{ 0xc2, 0x80, 0, 0, 0, 0 }, /* RSV1 without an extension */
		{ 0x83, 0x80, 0, 0, 0, 0 }, /* opcode 3 */
		{ 0x80, 0x80, 0, 0, 0, 0 }, /* continuation, no message */
	};

	/* Refused by libwslay's frame parser, whose own close has no code. */
	static const uint8_t unparsable[][14] = {
		{ 0x89, 0xfe, 0x00, 0x7e }, /* a ping of 126 bytes */
		{ 0x09, 0x80, 0, 0, 0, 0 }, /* a ping in fragments */
		/* a 64-bit length with its top bit set */
		{ 0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0 },
		/* 5 bytes in the 16-bit encoding: not the shortest */
		{ 0x82, 0xfe, 0x00, 0x05 },
		/* a close whose body is one byte, not a code */
		{ 0x88, 0x81, 0, 0, 0, 0, 0x03 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		restart(f);
		assert_int_equal(wsframe_feed(f->ws, bad[i], sizeof(bad[i])),
				 0);
		expect_closed(f, WSFRAME_CLOSE_PROTOCOL);
	}
	for (size_t i = 0; i < sizeof(unparsable) / sizeof(unparsable[0]);
	     i++) {
		restart(f);
		assert_int_equal(wsframe_feed(f->ws, unparsable[i],
					      sizeof(unparsable[i])),
				 0);
		expect_closed(f, WSFRAME_CLOSE_PROTOCOL);
	}
	assert_int_equal(f->data.len, 0);
}

/* A frame over 64 KiB: 1009 before any of it goes up; 64 KiB itself is fine. */
static void test_frame_too_big(void **state)
{
	struct fixture *f = *state;
	char *big = xcalloc(1, WSFRAME_MAX_FRAME + 1);

	build(f, true, OP_BINARY, big, WSFRAME_MAX_FRAME, true);
	feed(f);
	assert_int_equal(f->data.len, WSFRAME_MAX_FRAME);
	assert_int_equal(f->closes, 0);
	strbuf_reset(&f->data);
	build(f, true, OP_BINARY, big, WSFRAME_MAX_FRAME + 1, true);
	feed(f);
	assert_int_equal(f->data.len, 0);
	expect_closed(f, WSFRAME_CLOSE_TOO_BIG);
	free(big);
}

/* A message over 1 MiB in fragments of 64 KiB: 1009 at the one that passes it. */
static void test_message_too_big(void **state)
{
	struct fixture *f = *state;
	char *piece = xcalloc(1, WSFRAME_MAX_FRAME);
	size_t pieces = WSFRAME_MAX_MESSAGE / WSFRAME_MAX_FRAME;

	for (size_t i = 0; i < pieces; i++) {
		build(f, false, i == 0 ? OP_BINARY : OP_CONT, piece,
		      WSFRAME_MAX_FRAME, true);
		feed(f);
	}
	assert_int_equal(f->data.len, WSFRAME_MAX_MESSAGE);
	assert_int_equal(f->closes, 0);
	build(f, true, OP_CONT, "x", 1, true);
	feed(f);
	assert_int_equal(f->data.len, WSFRAME_MAX_MESSAGE);
	expect_closed(f, WSFRAME_CLOSE_TOO_BIG);
	free(piece);
}

/* A new message starts the count again. */
static void test_message_count_restarts(void **state)
{
	struct fixture *f = *state;
	char *piece = xcalloc(1, WSFRAME_MAX_FRAME);
	size_t pieces = WSFRAME_MAX_MESSAGE / WSFRAME_MAX_FRAME;

	for (int m = 0; m < 2; m++)
		for (size_t i = 0; i < pieces; i++) {
			build(f, i + 1 == pieces, i == 0 ? OP_BINARY : OP_CONT,
			      piece, WSFRAME_MAX_FRAME, true);
			feed(f);
		}
	assert_int_equal(f->data.len, 2 * WSFRAME_MAX_MESSAGE);
	assert_int_equal(f->closes, 0);
	free(piece);
}

/* Text that is not UTF-8: 1007, in one frame or at a message's end. */
static void test_bad_utf8(void **state)
{
	struct fixture *f = *state;

	build(f, true, OP_TEXT, "ok\xff", 3, true);
	feed(f);
	expect_closed(f, WSFRAME_CLOSE_BAD_DATA);

	restart(f);
	build(f, false, OP_TEXT, "\xe4\xbd", 2, true);
	build(f, true, OP_CONT, "", 0, true);
	feed(f);
	expect_closed(f, WSFRAME_CLOSE_BAD_DATA);
	/* Binary frames carry any bytes. */
	restart(f);
	strbuf_reset(&f->data);
	build(f, true, OP_BINARY, "\xff\xe4", 2, true);
	feed(f);
	EXPECT_DATA(f, "\xff\xe4");
	assert_int_equal(f->closes, 0);
}

/* A control frame over 125 bytes or fragmented: the connection is failed. */
static void test_bad_control(void **state)
{
	struct fixture *f = *state;
	char big[126] = { 0 };

	build(f, true, OP_PING, big, sizeof(big), true);
	feed(f);
	assert_int_equal(f->closes, 1);
	assert_true(wsframe_is_closing(f->ws));
	assert_int_equal(f->sent.data[0], (char)0x88);
	assert_int_equal(f->data.len, 0);
}

/* wsframe_free(NULL) does nothing. */
static void test_free_null(void **state)
{
	(void)state;
	wsframe_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_whole_messages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_frames, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_idle_release, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fragmented, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_send, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ping_pong, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_send_from_callback, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hang_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_close, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unmasked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protocol_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_frame_too_big, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_message_too_big, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_message_count_restarts,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_control, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_free_null, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
