/*
 * test_tnfilter: the subnegotiation filter in front of libtelnet
 * (common/), driving a real libtelnet parser and recording every event
 * it reports. The SBs libtelnet would parse itself (ENVIRON, NEW-ENVIRON,
 * MSSP, ZMP, COMPRESS2) arrive as plain subnegotiations of the sink
 * option; hostile ones (20,000 in one read, 16 KiB and more, never
 * ended, IAC inside, split byte by byte, across chunks) stay harmless;
 * other bytes pass untouched; the watched negotiation comes in order.
 * No sockets, no adapter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* libtelnet.h uses size_t without including <stddef.h>: keep it after ours. */
#include <libtelnet.h>

#include "mem.h"
#include "strbuf.h"
#include "tnbytes.h"
#include "tnfilter.h"

/* libtelnet's whole SB buffer: larger SBs are cut with a warning. */
#define SB_CAP 16384

/* Everything libtelnet reported through the filter to one test. */
struct rec {
	telnet_t *telnet;
	struct tnfilter filter;
	struct strbuf data; /* all DATA bytes, in order */
	struct strbuf log;  /* one word per event, in order */
	struct strbuf sb;   /* the last subnegotiation's bytes */
	unsigned sb_telopt; /* the last subnegotiation's option */
	unsigned sbs, ips, warnings, errors;
	unsigned parsed; /* ENVIRON, MSSP, ZMP, COMPRESS events: must be 0 */
	char msg[256];   /* last WARNING or ERROR message */
};

/*
 * Appends one word to the event log. A run of data is one word however
 * many reads it took: libtelnet reports one DATA per run and read.
 */
static void rec_word(struct rec *r, const char *word)
{
	static const char data[] = "data";
	size_t n = sizeof(data) - 1;

	if (strcmp(word, data) == 0 && r->log.len >= n &&
	    memcmp(r->log.data + r->log.len - n, data, n) == 0)
		return;
	strbuf_printf(&r->log, "%s%s", r->log.len ? " " : "", word);
}

/* Records one libtelnet event. */
static void rec_event(telnet_t *telnet, telnet_event_t *ev, void *ctx)
{
	struct rec *r = ctx;

	(void)telnet;
	switch (ev->type) {
	case TELNET_EV_DATA:
		strbuf_append(&r->data, ev->data.buffer, ev->data.size);
		rec_word(r, "data");
		break;
	case TELNET_EV_SEND:
		rec_word(r, "send");
		break;
	case TELNET_EV_IAC:
		r->ips += ev->iac.cmd == IP;
		rec_word(r, "iac");
		break;
	case TELNET_EV_SUBNEGOTIATION:
		r->sbs++;
		r->sb_telopt = ev->sub.telopt;
		strbuf_reset(&r->sb);
		strbuf_append(&r->sb, ev->sub.buffer, ev->sub.size);
		rec_word(r, "sb");
		break;
	case TELNET_EV_COMPRESS:
	case TELNET_EV_ZMP:
	case TELNET_EV_ENVIRON:
	case TELNET_EV_MSSP:
		r->parsed++;
		rec_word(r, "parsed");
		break;
	case TELNET_EV_WARNING:
	case TELNET_EV_ERROR:
		if (ev->type == TELNET_EV_WARNING)
			r->warnings++;
		else
			r->errors++;
		snprintf(r->msg, sizeof(r->msg), "%s", ev->error.msg);
		rec_word(r,
			 ev->type == TELNET_EV_WARNING ? "warning" : "error");
		break;
	default:
		/* WILL, WONT, DO, DONT, TTYPE: the adapters' business. */
		rec_word(r, "neg");
		break;
	}
}

/* The watch's callback: a word in the log, in order with the events. */
static void rec_watch(void *ctx)
{
	rec_word(ctx, "watch");
}

/* No options accepted: libtelnet refuses every request. */
static const telnet_telopt_t no_telopts[] = { { -1, 0, 0 } };

/* Starts over: a new parser behind a new filter, nothing recorded. */
static void rec_restart(struct rec *r)
{
	if (r->telnet != NULL)
		telnet_free(r->telnet);
	r->telnet = telnet_init(no_telopts, rec_event, 0, r);
	assert_non_null(r->telnet);
	tnfilter_init(&r->filter, r->telnet);
	strbuf_reset(&r->data);
	strbuf_reset(&r->log);
	strbuf_reset(&r->sb);
	r->sb_telopt = 0;
	r->sbs = r->ips = r->warnings = r->errors = r->parsed = 0;
	r->msg[0] = '\0';
}

/* Creates a recorder with a libtelnet parser behind a fresh filter. */
static int setup(void **state)
{
	struct rec *r = xcalloc(1, sizeof(*r));

	strbuf_init(&r->data);
	strbuf_init(&r->log);
	strbuf_init(&r->sb);
	rec_restart(r);
	*state = r;
	return 0;
}

/* Frees the parser and the recorder. */
static int teardown(void **state)
{
	struct rec *r = *state;

	telnet_free(r->telnet);
	strbuf_fini(&r->data);
	strbuf_fini(&r->log);
	strbuf_fini(&r->sb);
	free(r);
	return 0;
}

/* Feeds bytes given as a list of numbers. */
#define FEED(r, ...)                                                           \
	do {                                                                   \
		static const unsigned char feed_[] = { __VA_ARGS__ };          \
		tnfilter_feed(&(r)->filter, (const char *)feed_,               \
			      sizeof(feed_));                                  \
	} while (0)

/*
 * NEW-ENVIRON and ENVIRON never reach libtelnet's parser: one SB is a
 * plain ignored subnegotiation, and 20,000 of them in one read (which
 * overflow the stack through libtelnet's recursion when handed to
 * telnet_recv unfiltered and at once) are harmless. An IAC IP right
 * after one is not lost (unfiltered, libtelnet drops it).
 * (Moved from test_telnet.c: there IAC IP was the adapter's hangup.)
 */
static void test_environ_not_parsed(void **state)
{
	enum {
		REPS = 20000
	};
	static const unsigned char one[] = {
		IAC, SB, O_NEW_ENVIRON, 0, IAC, SE
	};
	struct rec *r = *state;
	struct strbuf many;

	FEED(r, IAC, SB, O_NEW_ENVIRON, 0, 0, 'U', 'S', 'E', 'R', 1, 'x', IAC,
	     SE, 'a');
	FEED(r, IAC, SB, O_ENVIRON, 0, 0, 'U', 'S', 'E', 'R', IAC, SE, 'b');
	FEED(r, IAC, SB, O_NEW_ENVIRON, 0, 0, 'U', IAC, IP, 'c');
	ASSERT_BYTES(r->data, 'a', 'b', 'c');
	assert_int_equal(r->ips, 1);
	assert_int_equal(r->parsed, 0);

	strbuf_reset(&r->data);
	strbuf_init(&many);
	for (size_t i = 0; i < REPS; i++)
		strbuf_append(&many, one, sizeof(one));
	strbuf_append_char(&many, 'z');
	tnfilter_feed(&r->filter, many.data, many.len);
	strbuf_fini(&many);
	ASSERT_BYTES(r->data, 'z');
	assert_int_equal(r->errors, 0);
	assert_int_equal(r->parsed, 0);
}

/*
 * A peer cannot switch on inflation of its own input (COMPRESS2).
 * (Moved from test_telnet.c.)
 */
static void test_compress2_not_started(void **state)
{
	struct rec *r = *state;

	FEED(r, IAC, SB, O_COMPRESS2, IAC, SE, 'h', 'i');
	/* Split across reads: the option byte arrives alone. */
	FEED(r, IAC);
	FEED(r, SB);
	FEED(r, O_COMPRESS2);
	FEED(r, IAC, SE, '!');
	ASSERT_BYTES(r->data, 'h', 'i', '!');
	assert_int_equal(r->errors, 0);
	assert_int_equal(r->parsed, 0);
}

/*
 * MSSP filling libtelnet's whole 16 KiB buffer, and ZMP, are ignored.
 * (Moved from test_telnet.c.)
 */
static void test_mssp_zmp_not_parsed(void **state)
{
	struct rec *r = *state;
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_append(&sb, "\xff\xfa\x46\x01", 4);
	for (size_t i = 0; i < SB_CAP - 3; i++)
		strbuf_append_char(&sb, 'v');
	strbuf_append(&sb, "\x02x\xff\xf0", 4);
	tnfilter_feed(&r->filter, sb.data, sb.len);
	strbuf_fini(&sb);
	FEED(r, IAC, SB, O_ZMP, 'a', 0, 'b', IAC, SE, IAC, SB, O_ZMP, 'a', 0,
	     IAC, SE, 'k');
	ASSERT_BYTES(r->data, 'k');
	assert_int_equal(r->warnings, 0);
	assert_int_equal(r->errors, 0);
	assert_int_equal(r->parsed, 0);
}

/*
 * Subnegotiations libtelnet would parse itself are ignored, text goes on.
 * (Moved from test_client_tn.c, where the server sends them.)
 */
static void test_unsafe_subnegotiations_ignored(void **state)
{
	static const char wire[] = "\xff\xfa\x27\x00USER\xff\xf0"
				   "one \xff\xfa\x56\xff\xf0two";
	struct rec *r = *state;

	tnfilter_feed(&r->filter, wire, sizeof(wire) - 1);
	strbuf_append_char(&r->data, '\0');
	assert_string_equal(r->data.data, "one two");
	assert_int_equal(r->errors, 0);
}

/* Each unsafe option's SB arrives whole, as the sink option's. */
static void test_unsafe_sb_goes_to_sink(void **state)
{
	static const unsigned char unsafe[] = {
		O_ENVIRON, O_NEW_ENVIRON, O_MSSP, O_COMPRESS2, O_ZMP,
	};
	struct rec *r = *state;

	for (size_t i = 0; i < ARRAY_LEN(unsafe); i++) {
		const unsigned char sb[] = { IAC, SB, unsafe[i], 0,
					     'x', 1,  IAC,       SE };

		tnfilter_feed(&r->filter, (const char *)sb, sizeof(sb));
		assert_int_equal(r->sbs, i + 1);
		assert_int_equal(r->sb_telopt, TNFILTER_SB_SINK);
		ASSERT_BYTES(r->sb, 0, 'x', 1);
	}
	assert_int_equal(r->parsed, 0);
	assert_int_equal(r->warnings + r->errors, 0);
}

/* Other SBs, negotiations and data pass untouched. */
static void test_safe_bytes_untouched(void **state)
{
	struct rec *r = *state;

	FEED(r, IAC, SB, O_NAWS, 0, 80, 0, 24, IAC, SE);
	assert_int_equal(r->sb_telopt, O_NAWS);
	ASSERT_BYTES(r->sb, 0, 80, 0, 24);
	/* An unsafe option's number as data, or negotiated, is no SB. */
	FEED(r, 'a', O_ENVIRON, IAC, WILL, O_ENVIRON, IAC, DO, O_COMPRESS2,
	     O_MSSP, IAC, IAC, O_ZMP);
	ASSERT_BYTES(r->data, 'a', O_ENVIRON, O_MSSP, IAC, O_ZMP);
	assert_int_equal(r->sbs, 1);
	/* libtelnet refuses both requests (a SEND) and reports neither. */
	assert_string_equal(r->log.data, "sb data send send data");
}

/*
 * An unsafe SB never ended, far past libtelnet's 16 KiB: libtelnet warns
 * once, drops the byte that did not fit and reads the rest as data;
 * nothing is parsed and a later SB works again.
 */
static void test_oversized_unterminated_sb(void **state)
{
	enum {
		TOTAL = 100000
	};
	struct rec *r = *state;
	char chunk[4096];
	size_t left = TOTAL;

	memset(chunk, 'A', sizeof(chunk));
	FEED(r, IAC, SB, O_MSSP);
	while (left > 0) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);

		tnfilter_feed(&r->filter, chunk, n);
		left -= n;
	}
	assert_int_equal(r->warnings, 1);
	assert_string_equal(r->msg, "subnegotiation buffer size limit reached");
	assert_int_equal(r->errors, 0);
	assert_int_equal(r->data.len, TOTAL - SB_CAP - 1);
	assert_int_equal(r->sbs, 0);
	assert_int_equal(r->parsed, 0);

	FEED(r, IAC, SE, IAC, SB, O_ENVIRON, 0, 'v', IAC, SE);
	assert_int_equal(r->sbs, 1);
	assert_int_equal(r->sb_telopt, TNFILTER_SB_SINK);
	ASSERT_BYTES(r->sb, 0, 'v');
	assert_int_equal(r->parsed, 0);
}

/*
 * IAC inside an SB: IAC IAC is a 0xff byte of the SB, so the SB and the
 * unsafe option's number after it are data, not a new SB; IAC SB starts a
 * new SB (libtelnet warns and ends the first), whose option is filtered.
 */
static void test_iac_inside_sb(void **state)
{
	struct rec *r = *state;

	FEED(r, IAC, SB, O_NAWS, IAC, IAC, SB, O_ENVIRON, IAC, SE);
	assert_int_equal(r->sb_telopt, O_NAWS);
	ASSERT_BYTES(r->sb, IAC, SB, O_ENVIRON);

	FEED(r, IAC, SB, O_NAWS, 0, 80, IAC, SB, O_NEW_ENVIRON, 0, 'u', IAC, SE,
	     'd');
	assert_true(r->warnings >= 1);
	assert_int_equal(r->sb_telopt, TNFILTER_SB_SINK);
	ASSERT_BYTES(r->sb, 0, 'u');
	ASSERT_BYTES(r->data, 'd');
	assert_int_equal(r->parsed, 0);
	assert_int_equal(r->errors, 0);
}

/* IAC WILL IAC: the 0xff is the option, and the IAC SB after it counts. */
static void test_option_ff_then_sb(void **state)
{
	struct rec *r = *state;

	FEED(r, IAC, WILL, IAC, IAC, SB, O_COMPRESS2, IAC, SE, 'x');
	assert_int_equal(r->sb_telopt, TNFILTER_SB_SINK);
	ASSERT_BYTES(r->data, 'x');
	assert_int_equal(r->parsed, 0);
	assert_int_equal(r->errors, 0);
}

/* Byte by byte, a hostile stream gives the events it gives in one read. */
static void test_byte_by_byte(void **state)
{
	/* clang-format off */
	static const unsigned char wire[] = {
		'a', IAC, SB, O_ENVIRON, 0, IAC, IAC, IAC, SE,
		IAC, SB, O_ZMP, 'z', 0, IAC, SB, O_COMPRESS2, IAC, SE,
		IAC, WILL, IAC, 'b', IAC, IP,
		IAC, SB, O_MSSP, 1, 'k', 2, 'v', IAC, SE, 'c',
	};
	/* clang-format on */
	struct rec *r = *state;
	struct strbuf log, data;

	tnfilter_feed(&r->filter, (const char *)wire, sizeof(wire));
	assert_int_equal(r->ips, 1);
	assert_int_equal(r->sbs, 4);
	strbuf_init(&log);
	strbuf_init(&data);
	strbuf_append(&log, r->log.data, r->log.len);
	strbuf_append(&data, r->data.data, r->data.len);

	rec_restart(r);
	for (size_t i = 0; i < sizeof(wire); i++)
		tnfilter_feed(&r->filter, (const char *)wire + i, 1);
	assert_int_equal(r->ips, 1);
	assert_int_equal(r->sbs, 4);
	assert_int_equal(r->parsed, 0);
	assert_int_equal(r->errors, 0);
	assert_int_equal(r->log.len, log.len);
	assert_memory_equal(r->log.data, log.data, log.len);
	ASSERT_BYTES(r->data, 'a', 'b', 'c');
	assert_int_equal(data.len, 3);
	assert_memory_equal(data.data, "abc", 3);
	strbuf_fini(&log);
	strbuf_fini(&data);
}

/*
 * Input longer than TNFILTER_CHUNK goes through in order, an unsafe SB
 * whose option byte is the first of a chunk included; the caller's buffer
 * is left as it was.
 */
static void test_beyond_one_chunk(void **state)
{
	enum {
		LEN = 3 * TNFILTER_CHUNK + 7,
		AT = TNFILTER_CHUNK - 2 /* IAC SB end one chunk */
	};
	struct rec *r = *state;
	char *wire = xcalloc(1, LEN), *copy = xcalloc(1, LEN);
	size_t plain = 0;

	for (size_t i = 0; i < LEN; i++)
		wire[i] = (char)('a' + i % 26);
	memcpy(wire + AT, "\xff\xfa\x24\x00q\xff\xf0", 7);
	memcpy(copy, wire, LEN);
	tnfilter_feed(&r->filter, wire, LEN);
	assert_memory_equal(wire, copy, LEN);
	assert_int_equal(r->sbs, 1);
	assert_int_equal(r->sb_telopt, TNFILTER_SB_SINK);
	ASSERT_BYTES(r->sb, 0, 'q');
	assert_int_equal(r->data.len, LEN - 7);
	for (size_t i = 0; i < LEN; i++) {
		if (i >= AT && i < AT + 7)
			continue;
		assert_int_equal(r->data.data[plain++], copy[i]);
	}
	free(wire);
	free(copy);
}

/*
 * The watched negotiation is reported after libtelnet has parsed it and
 * what came before, and before what follows; no other one is.
 */
static void test_watch_in_order(void **state)
{
	struct rec *r = *state;

	tnfilter_watch(&r->filter, DONT, O_ECHO, rec_watch, r);
	FEED(r, 'a', IAC, DONT, O_ECHO, 'b');
	/* Refusing an option never offered: libtelnet sends and says nothing. */
	assert_string_equal(r->log.data, "data watch data");
	strbuf_reset(&r->log);
	/* Split across reads, too. */
	FEED(r, IAC, DONT);
	FEED(r, O_ECHO, 'c');
	assert_string_equal(r->log.data, "watch data");
	strbuf_reset(&r->log);
	FEED(r, IAC, DO, O_ECHO, IAC, DONT, O_SGA, IAC, WONT, O_ECHO, IAC, SB,
	     O_ECHO, DONT, IAC, SE, DONT, O_ECHO);
	assert_null(strstr(r->log.data, "watch"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_environ_not_parsed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compress2_not_started,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mssp_zmp_not_parsed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_unsafe_subnegotiations_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_sb_goes_to_sink,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_safe_bytes_untouched,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_unterminated_sb,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_iac_inside_sb, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_option_ff_then_sb, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_byte_by_byte, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_beyond_one_chunk, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_watch_in_order, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
