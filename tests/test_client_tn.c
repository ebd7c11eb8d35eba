/*
 * test_client_tn: drives the client's telnet adapter with plain byte
 * buffers, as hotlined and other servers send them, and records every
 * event it reports. No sockets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strbuf.h"
#include "tn.h"

/* Option and command bytes, spelled out so tests read like the wire. */
#define IAC "\xff"
#define DONT "\xfe"
#define DO "\xfd"
#define WONT "\xfc"
#define WILL "\xfb"
#define SB "\xfa"
#define GA "\xf9"
#define SE "\xf0"
#define O_BINARY "\x00"
#define O_ECHO "\x01"
#define O_SGA "\x03"
#define O_TM "\x06"
#define O_TTYPE "\x18"
#define O_NAWS "\x1f"
#define O_NEW_ENVIRON "\x27"
#define O_COMPRESS2 "\x56"

/* What hotlined offers on connect (service/proto/telnet.c). */
static const char hotlined_offers[] = IAC WILL O_ECHO IAC WILL O_SGA IAC WILL
	O_BINARY IAC DO O_BINARY IAC DO O_NAWS IAC DO O_TTYPE;

/* Everything the adapter reported to one test. */
struct rec {
	struct tn *tn;
	struct strbuf data; /* all DATA bytes, in order */
	struct strbuf sent; /* all SEND bytes, in order */
	struct strbuf log;  /* one word per event other than DATA/SEND */
	unsigned ready;
	unsigned errors;
};

/* Records one event. */
static void on_event(void *ctx, const struct tn_event *ev)
{
	struct rec *r = ctx;

	switch (ev->type) {
	case TN_EV_DATA:
		strbuf_append(&r->data, ev->data, ev->len);
		break;
	case TN_EV_SEND:
		strbuf_append(&r->sent, ev->data, ev->len);
		break;
	case TN_EV_READY:
		r->ready++;
		strbuf_append_str(&r->log, "ready ");
		break;
	case TN_EV_MASK:
		strbuf_append_str(&r->log, ev->on ? "mask " : "unmask ");
		break;
	case TN_EV_ERROR:
		r->errors++;
		strbuf_append_str(&r->log, "error ");
		break;
	}
}

/* Setup: an adapter in its greeting and empty records. */
static int setup(void **state)
{
	struct rec *r = calloc(1, sizeof(*r));

	strbuf_init(&r->data);
	strbuf_init(&r->sent);
	strbuf_init(&r->log);
	strbuf_append(&r->data, "", 0);
	strbuf_append(&r->sent, "", 0);
	strbuf_append(&r->log, "", 0);
	r->tn = tn_new(on_event, r);
	*state = r;
	return 0;
}

/* Frees the adapter and the records. */
static int teardown(void **state)
{
	struct rec *r = *state;

	tn_free(r->tn);
	strbuf_fini(&r->data);
	strbuf_fini(&r->sent);
	strbuf_fini(&r->log);
	free(r);
	return 0;
}

/* Feeds a literal that may hold NUL bytes. */
#define FEED(r, lit) tn_feed((r)->tn, (lit), sizeof(lit) - 1)

/* Asserts the bytes sent so far, then forgets them. */
static void expect_sent(struct rec *r, const char *bytes, size_t len)
{
	if (r->sent.len != len || memcmp(r->sent.data, bytes, len) != 0) {
		fprintf(stderr, "sent %zu bytes:", r->sent.len);
		for (size_t i = 0; i < r->sent.len; i++)
			fprintf(stderr, " %02x",
				(unsigned char)r->sent.data[i]);
		fprintf(stderr, "\n");
	}
	assert_int_equal(r->sent.len, len);
	assert_memory_equal(r->sent.data, bytes, len);
	strbuf_reset(&r->sent);
	strbuf_append(&r->sent, "", 0);
}
#define EXPECT_SENT(r, lit) expect_sent((r), (lit), sizeof(lit) - 1)

/* The greeting's ECHO and SGA are refused: the server stays in line mode. */
static void test_refuses_initial_echo_and_sga(void **state)
{
	struct rec *r = *state;

	FEED(r, IAC WILL O_ECHO IAC WILL O_SGA);
	EXPECT_SENT(r, IAC DONT O_ECHO IAC DONT O_SGA);
	assert_false(tn_is_masked(r->tn));
	assert_true(tn_is_greeting(r->tn));
	assert_string_equal(r->log.data, "");
}

/* hotlined's whole offer, as a terminal answers it. */
static void test_hotlined_offers_on_a_terminal(void **state)
{
	struct rec *r = *state;

	tn_set_window(r->tn, 80, 24);
	tn_set_ttype(r->tn, "xterm-256color");
	tn_feed(r->tn, hotlined_offers, sizeof(hotlined_offers) - 1);
	EXPECT_SENT(r, IAC DONT O_ECHO IAC DONT O_SGA IAC DO O_BINARY IAC WILL
			       O_BINARY IAC WILL O_NAWS IAC SB O_NAWS
		    "\x00\x50\x00\x18" IAC SE IAC WILL O_TTYPE);
	FEED(r, IAC SB O_TTYPE "\x01" IAC SE);
	EXPECT_SENT(r, IAC SB O_TTYPE "\x00"
				      "xterm-256color" IAC SE);
	assert_false(tn_is_masked(r->tn));
}

/* In a pipe there is no window and no terminal: both are refused. */
static void test_hotlined_offers_in_a_pipe(void **state)
{
	struct rec *r = *state;

	tn_feed(r->tn, hotlined_offers, sizeof(hotlined_offers) - 1);
	EXPECT_SENT(r, IAC DONT O_ECHO IAC DONT O_SGA IAC DO O_BINARY IAC WILL
			       O_BINARY IAC WONT O_NAWS IAC WONT O_TTYPE);
}

/* After the first text, WILL ECHO hides the input; WONT ECHO shows it again. */
static void test_later_will_echo_masks(void **state)
{
	struct rec *r = *state;

	FEED(r, IAC WILL O_ECHO IAC WILL O_SGA "Menu\r\n");
	EXPECT_SENT(r, IAC DONT O_ECHO IAC DONT O_SGA);
	assert_string_equal(r->data.data, "Menu\r\n");
	assert_string_equal(r->log.data, "ready ");
	assert_false(tn_is_greeting(r->tn));

	/* The password prompt: the refused option is offered anew. */
	FEED(r, IAC WILL O_ECHO "Password: ");
	EXPECT_SENT(r, IAC DO O_ECHO);
	assert_true(tn_is_masked(r->tn));
	assert_string_equal(r->log.data, "ready mask ");

	FEED(r, IAC WONT O_ECHO "\r\nOK\r\n");
	EXPECT_SENT(r, IAC DONT O_ECHO);
	assert_false(tn_is_masked(r->tn));
	assert_string_equal(r->log.data, "ready mask unmask ");

	/* And once more for the next password. */
	FEED(r, IAC WILL O_ECHO);
	EXPECT_SENT(r, IAC DO O_ECHO);
	assert_true(tn_is_masked(r->tn));
	assert_string_equal(r->log.data, "ready mask unmask mask ");
}

/* A repeated WILL ECHO while masked is no new request: no answer, no event. */
static void test_repeated_will_echo_ignored(void **state)
{
	struct rec *r = *state;

	FEED(r, "hi" IAC WILL O_ECHO);
	EXPECT_SENT(r, IAC DO O_ECHO);
	FEED(r, IAC WILL O_ECHO);
	EXPECT_SENT(r, "");
	FEED(r, IAC WONT O_ECHO IAC WONT O_ECHO);
	EXPECT_SENT(r, IAC DONT O_ECHO);
	assert_string_equal(r->log.data, "ready mask unmask ");
}

/* A silent server's greeting ends by the clock; READY comes once. */
static void test_end_greeting_once(void **state)
{
	struct rec *r = *state;

	tn_end_greeting(r->tn);
	tn_end_greeting(r->tn);
	FEED(r, "text");
	assert_int_equal(r->ready, 1);
	FEED(r, IAC WILL O_ECHO);
	EXPECT_SENT(r, IAC DO O_ECHO);
	assert_true(tn_is_masked(r->tn));
}

/* The window size goes out when asked, again on resize, not when unchanged. */
static void test_naws_on_do_and_resize(void **state)
{
	struct rec *r = *state;

	tn_set_window(r->tn, 80, 24);
	EXPECT_SENT(r, ""); /* not asked yet */
	FEED(r, IAC DO O_NAWS);
	EXPECT_SENT(r, IAC WILL O_NAWS IAC SB O_NAWS "\x00\x50\x00\x18" IAC SE);
	tn_set_window(r->tn, 100, 30);
	EXPECT_SENT(r, IAC SB O_NAWS "\x00\x64\x00\x1e" IAC SE);
	tn_set_window(r->tn, 100, 30);
	EXPECT_SENT(r, "");
	/* 255 is IAC: doubled inside the subnegotiation. */
	tn_set_window(r->tn, 255, 511);
	EXPECT_SENT(r, IAC SB O_NAWS "\x00" IAC IAC "\x01" IAC IAC IAC SE);
	/* Told to stop: resizes go unreported. */
	FEED(r, IAC DONT O_NAWS);
	EXPECT_SENT(r, IAC WONT O_NAWS);
	tn_set_window(r->tn, 90, 20);
	EXPECT_SENT(r, "");
}

/* A zero size is no size. */
static void test_naws_zero_size_refused(void **state)
{
	struct rec *r = *state;

	tn_set_window(r->tn, 0, 0);
	FEED(r, IAC DO O_NAWS);
	EXPECT_SENT(r, IAC WONT O_NAWS);
}

/* TERM is reported when the server asks; control bytes and excess dropped. */
static void test_ttype_reported(void **state)
{
	struct rec *r = *state;
	char longname[TN_MAX_TTYPE + 20];

	tn_set_ttype(r->tn, "vt\x01"
			    "100");
	FEED(r, IAC DO O_TTYPE IAC SB O_TTYPE "\x01" IAC SE);
	EXPECT_SENT(r, IAC WILL O_TTYPE IAC SB O_TTYPE "\x00"
						       "vt100" IAC SE);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	tn_set_ttype(r->tn, longname);
	FEED(r, IAC SB O_TTYPE "\x01" IAC SE);
	assert_int_equal(r->sent.len, 6 + TN_MAX_TTYPE);
}

/* IAC IAC in the server's text is one 0xff byte; our 0xff goes out doubled. */
static void test_iac_in_data(void **state)
{
	struct rec *r = *state;

	FEED(r, "a" IAC IAC "b");
	assert_int_equal(r->data.len, 3);
	assert_memory_equal(r->data.data,
			    "a\xff"
			    "b",
			    3);
	tn_send(r->tn, "x\xffy", 3);
	EXPECT_SENT(r, "x" IAC IAC "y");
}

/* Every sequence split byte by byte still parses. */
static void test_split_sequences(void **state)
{
	struct rec *r = *state;
	static const char wire[] = IAC WILL O_ECHO
		"ab" IAC IAC "c" IAC SB O_TTYPE
		"\x01" IAC SE IAC GA IAC WILL O_ECHO "d";

	tn_set_ttype(r->tn, "dumb");
	for (size_t i = 0; i < sizeof(wire) - 1; i++)
		tn_feed(r->tn, wire + i, 1);
	EXPECT_SENT(r,
		    IAC DONT O_ECHO IAC SB O_TTYPE "\x00"
						   "dumb" IAC SE IAC DO O_ECHO);
	assert_int_equal(r->data.len, 5);
	assert_memory_equal(r->data.data,
			    "ab\xff"
			    "cd",
			    5);
	assert_string_equal(r->log.data, "ready mask ");
}

/* Options we do not do are refused, TIMING-MARK included. */
static void test_unsupported_refused(void **state)
{
	struct rec *r = *state;

	FEED(r, IAC DO O_TM IAC DO O_ECHO IAC DO O_SGA IAC WILL
	     "\x55" IAC DO O_NEW_ENVIRON);
	EXPECT_SENT(r, IAC WONT O_TM IAC WONT O_ECHO IAC WONT O_SGA IAC DONT
		    "\x55" IAC WONT O_NEW_ENVIRON);
}

/*
 * What the server sends goes through the SB filter
 * (tests/test_tnfilter.c tests the filter itself).
 */
static void test_feed_is_filtered(void **state)
{
	struct rec *r = *state;

	FEED(r, "one " IAC SB O_COMPRESS2 IAC SE "two");
	assert_string_equal(r->data.data, "one two");
	assert_int_equal(r->errors, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_refuses_initial_echo_and_sga, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_hotlined_offers_on_a_terminal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hotlined_offers_in_a_pipe,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_later_will_echo_masks,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeated_will_echo_ignored,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_greeting_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_naws_on_do_and_resize,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_naws_zero_size_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ttype_reported, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_iac_in_data, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_sequences, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unsupported_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_feed_is_filtered, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
