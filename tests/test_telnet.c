/*
 * test_telnet: drives the telnet adapter with plain byte buffers, using
 * the bytes real clients send (shared/TELNET-NOTES.md), and records every
 * event it reports. No sockets.
 */
#include <assert.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mem.h"
#include "proto/telnet.h"
#include "strbuf.h"
#include "tnbytes.h"
#include "xorshift.h"

#define EV_COUNT (TELNET_ADAPTER_EV_WARNING + 1)
static_assert(TELNET_ADAPTER_EV_WARNING > TELNET_ADAPTER_EV_LINE_MODE,
	      "EV_COUNT must count every event");

/* Everything the adapter reported to one test. */
struct rec {
	struct telnet_adapter *ta;
	struct strbuf data; /* all DATA bytes, in order */
	struct strbuf sent; /* all SEND bytes, in order */
	struct strbuf log;  /* one word per event, in order */
	unsigned count[EV_COUNT];
	unsigned width, height;
	char msg[256]; /* last ERROR or WARNING message */
};

/* clang-format off */
static const char *const ev_names[EV_COUNT] = {
	[TELNET_ADAPTER_EV_DATA] = "data",
	[TELNET_ADAPTER_EV_SEND] = "send",
	[TELNET_ADAPTER_EV_CHAR_MODE] = "char",
	[TELNET_ADAPTER_EV_LINE_MODE] = "line",
	[TELNET_ADAPTER_EV_WINDOW] = "window",
	[TELNET_ADAPTER_EV_HANGUP] = "hangup",
	[TELNET_ADAPTER_EV_AYT] = "ayt",
	[TELNET_ADAPTER_EV_ERROR] = "error",
	[TELNET_ADAPTER_EV_WARNING] = "warning",
};
/* clang-format on */

/* Records one event. */
static void rec_cb(void *ctx, const struct telnet_adapter_event *ev)
{
	struct rec *r = ctx;

	assert_true(ev->type < EV_COUNT);
	r->count[ev->type]++;
	/* Data and sends come in runs: log a run once to keep logs short. */
	if (ev->type == TELNET_ADAPTER_EV_DATA ||
	    ev->type == TELNET_ADAPTER_EV_SEND) {
		const char *name = ev_names[ev->type];
		size_t nl = strlen(name);

		if (!(r->log.len >= nl &&
		      memcmp(r->log.data + r->log.len - nl, name, nl) == 0))
			strbuf_printf(&r->log, "%s%s", r->log.len ? " " : "",
				      name);
	} else {
		strbuf_printf(&r->log, "%s%s", r->log.len ? " " : "",
			      ev_names[ev->type]);
	}
	switch (ev->type) {
	case TELNET_ADAPTER_EV_DATA:
		strbuf_append(&r->data, ev->data, ev->len);
		break;
	case TELNET_ADAPTER_EV_SEND:
		strbuf_append(&r->sent, ev->data, ev->len);
		break;
	case TELNET_ADAPTER_EV_WINDOW:
		r->width = ev->width;
		r->height = ev->height;
		break;
	case TELNET_ADAPTER_EV_ERROR:
	case TELNET_ADAPTER_EV_WARNING:
		snprintf(r->msg, sizeof(r->msg), "%.*s", (int)ev->len,
			 ev->data);
		break;
	default:
		break;
	}
}

/* Forgets what was recorded so far, keeping the adapter. */
static void rec_clear(struct rec *r)
{
	strbuf_reset(&r->data);
	strbuf_reset(&r->sent);
	strbuf_reset(&r->log);
	memset(r->count, 0, sizeof(r->count));
	r->width = r->height = 0;
	r->msg[0] = '\0';
}

/* Creates a recorder and an adapter that is not started yet. */
static int setup(void **state)
{
	struct rec *r = xcalloc(1, sizeof(*r));

	strbuf_init(&r->data);
	strbuf_init(&r->sent);
	strbuf_init(&r->log);
	r->ta = telnet_adapter_new(rec_cb, r);
	*state = r;
	return 0;
}

/* Frees the adapter and the recorder. */
static int teardown(void **state)
{
	struct rec *r = *state;

	telnet_adapter_free(r->ta);
	strbuf_fini(&r->data);
	strbuf_fini(&r->sent);
	strbuf_fini(&r->log);
	free(r);
	return 0;
}

/* Feeds bytes given as a list of numbers. */
#define FEED(r, ...)                                                           \
	do {                                                                   \
		static const unsigned char feed_[] = { __VA_ARGS__ };          \
		telnet_adapter_feed((r)->ta, (const char *)feed_,              \
				    sizeof(feed_));                            \
	} while (0)

/* Checks that a buffer contains the bytes listed somewhere. */
#define ASSERT_CONTAINS(sb, ...)                                               \
	do {                                                                   \
		static const unsigned char want_[] = { __VA_ARGS__ };          \
		assert_non_null((sb).data);                                    \
		assert_non_null(                                               \
			memmem((sb).data, (sb).len, want_, sizeof(want_)));    \
	} while (0)

/* Starts the adapter and forgets the offers it sent. */
static void start(struct rec *r)
{
	telnet_adapter_start(r->ta);
	rec_clear(r);
}

/* Answers of inetutils (and netkit) telnet to our offers. */
static void feed_inetutils_answers(struct rec *r)
{
	FEED(r, IAC, DO, O_ECHO);
	FEED(r, IAC, DO, O_SGA);
	FEED(r, IAC, WILL, O_NAWS, IAC, SB, O_NAWS, 0, 80, 0, 24, IAC, SE);
	FEED(r, IAC, DO, O_BINARY);
	FEED(r, IAC, WILL, O_BINARY);
	FEED(r, IAC, WILL, O_TTYPE);
}

/* start() sends exactly our six offers and nothing else happens. */
static void test_start_sends_offers(void **state)
{
	struct rec *r = *state;

	telnet_adapter_start(r->ta);
	ASSERT_BYTES(r->sent, IAC, WILL, O_ECHO, IAC, WILL, O_SGA, IAC, WILL,
		     O_BINARY, IAC, DO, O_BINARY, IAC, DO, O_NAWS, IAC, DO,
		     O_TTYPE);
	assert_string_equal(r->log.data, "send");
	assert_false(telnet_adapter_is_char_mode(r->ta));
	assert_string_equal(telnet_adapter_ttype(r->ta), "");
}

/* A second start() offers nothing again, even what was refused. */
static void test_start_twice(void **state)
{
	struct rec *r = *state;

	start(r);
	FEED(r, IAC, DONT, O_BINARY, IAC, WONT, O_BINARY, IAC, DONT, O_ECHO);
	telnet_adapter_start(r->ta);
	assert_int_equal(r->sent.len, 0);
	assert_false(telnet_adapter_is_char_mode(r->ta));
}

/* inetutils: character mode, 80x24, TTYPE asked for and kept, data. */
static void test_inetutils_char_mode(void **state)
{
	struct rec *r = *state;

	start(r);
	feed_inetutils_answers(r);
	assert_int_equal(r->count[TELNET_ADAPTER_EV_CHAR_MODE], 1);
	assert_true(telnet_adapter_is_char_mode(r->ta));
	assert_int_equal(r->count[TELNET_ADAPTER_EV_WINDOW], 1);
	assert_int_equal(r->width, 80);
	assert_int_equal(r->height, 24);
	/* Every answer confirms an offer: the only reply is TTYPE SEND. */
	ASSERT_BYTES(r->sent, IAC, SB, O_TTYPE, 1, IAC, SE);
	assert_string_equal(r->log.data, "char window send");
	assert_int_equal(r->count[TELNET_ADAPTER_EV_WARNING], 0);

	FEED(r, IAC, SB, O_TTYPE, 0, 'X', 'T', 'E', 'R', 'M', IAC, SE);
	assert_string_equal(telnet_adapter_ttype(r->ta), "XTERM");

	rec_clear(r);
	FEED(r, '1', 0xe4, 0xbd, 0xa0, 0x7f, 0x0d, 0x03);
	ASSERT_BYTES(r->data, '1', 0xe4, 0xbd, 0xa0, 0x7f, 0x0d, 0x03);
	assert_int_equal(r->sent.len, 0);
	assert_int_equal(r->count[TELNET_ADAPTER_EV_CHAR_MODE], 0);
}

/* The same answers in one read give the same result. */
static void test_inetutils_one_read(void **state)
{
	struct rec *r = *state;

	start(r);
	FEED(r, IAC, DO, O_ECHO, IAC, DO, O_SGA, IAC, WILL, O_NAWS, IAC, SB,
	     O_NAWS, 0, 80, 0, 24, IAC, SE, IAC, DO, O_BINARY, IAC, WILL,
	     O_BINARY, IAC, WILL, O_TTYPE, '1');
	assert_string_equal(r->log.data, "char window send data");
	ASSERT_BYTES(r->sent, IAC, SB, O_TTYPE, 1, IAC, SE);
	ASSERT_BYTES(r->data, '1');
}

/* busybox refuses BINARY both ways and still gets character mode. */
static void test_busybox_refuses_binary(void **state)
{
	struct rec *r = *state;

	start(r);
	FEED(r, IAC, DO, O_ECHO, IAC, DO, O_SGA);
	FEED(r, IAC, WILL, O_NAWS, IAC, SB, O_NAWS, 0, 80, 0, 24, IAC, SE);
	FEED(r, IAC, DONT, O_BINARY, IAC, WONT, O_BINARY);
	FEED(r, IAC, WILL, O_TTYPE);
	assert_int_equal(r->count[TELNET_ADAPTER_EV_CHAR_MODE], 1);
	assert_true(telnet_adapter_is_char_mode(r->ta));
	assert_int_equal(r->width, 80);
	ASSERT_BYTES(r->sent, IAC, SB, O_TTYPE, 1, IAC, SE);

	rec_clear(r);
	FEED(r, '1', 0x0d, 0x0a);
	ASSERT_BYTES(r->data, '1', 0x0d, 0x0a);
}

/* nc answers nothing: line mode, data untouched, no secret negotiation. */
static void test_nc_stays_line_mode(void **state)
{
	struct rec *r = *state;

	start(r);
	FEED(r, '1', 0x0d, 0x0a);
	ASSERT_BYTES(r->data, '1', 0x0d, 0x0a);
	assert_false(telnet_adapter_is_char_mode(r->ta));
	assert_int_equal(r->count[TELNET_ADAPTER_EV_CHAR_MODE], 0);
	/* It does not speak telnet: a secret prompt sends no IAC garbage. */
	telnet_adapter_set_secret(r->ta, true);
	telnet_adapter_set_secret(r->ta, false);
	assert_int_equal(r->sent.len, 0);
}

/* PuTTY's own offers cross ours: TSPEED and NEW-ENVIRON get DONT. */
static void test_putty_offers_refused(void **state)
{
	struct rec *r = *state;

	start(r);
	FEED(r, IAC, WILL, O_NAWS, IAC, WILL, O_TSPEED, IAC, WILL, O_TTYPE, IAC,
	     WILL, O_NEW_ENVIRON);
	ASSERT_BYTES(r->sent, IAC, DONT, O_TSPEED, IAC, SB, O_TTYPE, 1, IAC, SE,
		     IAC, DONT, O_NEW_ENVIRON);
	rec_clear(r);
	FEED(r, IAC, DO, O_ECHO, IAC, WILL, O_SGA, IAC, DO, O_SGA);
	FEED(r, IAC, SB, O_NAWS, 0, 100, 0, 30, IAC, SE);
	FEED(r, IAC, DO, O_BINARY, IAC, WILL, O_BINARY);
	assert_true(telnet_adapter_is_char_mode(r->ta));
	assert_int_equal(r->count[TELNET_ADAPTER_EV_CHAR_MODE], 1);
	assert_int_equal(r->width, 100);
	assert_int_equal(r->height, 30);
	/* WILL SGA was not asked for but is supported: DO SGA. */
	ASSERT_BYTES(r->sent, IAC, DO, O_SGA);
	FEED(r, IAC, SB, O_TTYPE, 0, 'x', 't', 'e', 'r', 'm', IAC, SE);
	assert_string_equal(telnet_adapter_ttype(r->ta), "xterm");
}

/* PuTTY closing its window sends IAC EOF: a hangup. */
static void test_putty_eof_hangs_up(void **state)
{
	struct rec *r = *state;

	start(r);
	FEED(r, '3', IAC, TEOF);
	ASSERT_BYTES(r->data, '3');
	assert_string_equal(r->log.data, "data hangup");
}

/* IAC IAC in data is one 0xff byte. */
static void test_iac_iac_is_one_byte(void **state)
{
	struct rec *r = *state;

	FEED(r, 'a', IAC, IAC, 'b');
	ASSERT_BYTES(r->data, 'a', 0xff, 'b');
	assert_int_equal(r->sent.len, 0);
}

/* An IAC at the end of one read and its command in the next. */
static void test_iac_split_across_feeds(void **state)
{
	struct rec *r = *state;

	FEED(r, 'x', IAC);
	assert_string_equal(r->log.data, "data");
	FEED(r, IP);
	assert_string_equal(r->log.data, "data hangup");
	ASSERT_BYTES(r->data, 'x');
	/* And an escaped IAC split the same way. */
	FEED(r, IAC);
	FEED(r, IAC, 'y');
	ASSERT_BYTES(r->data, 'x', 0xff, 'y');
}

/* NAWS arriving a few bytes at a time. */
static void test_naws_split_across_feeds(void **state)
{
	struct rec *r = *state;

	start(r);
	FEED(r, IAC);
	FEED(r, SB);
	FEED(r, O_NAWS, 0);
	FEED(r, 80, 0);
	FEED(r, 24, IAC);
	assert_int_equal(r->count[TELNET_ADAPTER_EV_WINDOW], 0);
	FEED(r, SE);
	assert_int_equal(r->count[TELNET_ADAPTER_EV_WINDOW], 1);
	assert_int_equal(r->width, 80);
	assert_int_equal(r->height, 24);
	assert_int_equal(r->data.len, 0);
}

/* A width of 255 has its ff byte doubled inside the SB. */
static void test_naws_doubled_ff(void **state)
{
	struct rec *r = *state;

	FEED(r, IAC, SB, O_NAWS, 0, IAC, IAC, 0, 24, IAC, SE);
	assert_int_equal(r->count[TELNET_ADAPTER_EV_WINDOW], 1);
	assert_int_equal(r->width, 255);
	assert_int_equal(r->height, 24);
	FEED(r, IAC, SB, O_NAWS, IAC, IAC, IAC, IAC, 1, 0, IAC, SE);
	assert_int_equal(r->width, 65535);
	assert_int_equal(r->height, 256);
}

/* NAWS of the wrong size is ignored with a warning. */
static void test_naws_wrong_size_warns(void **state)
{
	struct rec *r = *state;

	FEED(r, IAC, SB, O_NAWS, 0, 80, 0, IAC, SE);
	FEED(r, IAC, SB, O_NAWS, 0, 80, 0, 24, 0, IAC, SE);
	FEED(r, IAC, SB, O_NAWS, IAC, SE);
	assert_int_equal(r->count[TELNET_ADAPTER_EV_WINDOW], 0);
	assert_int_equal(r->count[TELNET_ADAPTER_EV_WARNING], 3);
	assert_string_equal(r->msg, "NAWS subnegotiation of 0 bytes ignored");
}

/* Line-mode Ctrl-C: IAC IP, IAC DO TIMING-MARK; TM must be answered. */
static void test_line_mode_ctrl_c(void **state)
{
	struct rec *r = *state;

	start(r);
	FEED(r, IAC, DONT, O_ECHO, IAC, DONT, O_SGA);
	rec_clear(r);
	FEED(r, IAC, IP, IAC, DO, O_TM);
	assert_int_equal(r->count[TELNET_ADAPTER_EV_HANGUP], 1);
	ASSERT_BYTES(r->sent, IAC, WONT, O_TM);
	assert_string_equal(r->log.data, "hangup send");
	/* Pressed again: answered again. */
	rec_clear(r);
	FEED(r, IAC, IP, IAC, DO, O_TM);
	ASSERT_BYTES(r->sent, IAC, WONT, O_TM);
}

/* IAC AYT goes up, once per ask, for the session to answer in words. */
static void test_ayt_reported(void **state)
{
	struct rec *r = *state;

	FEED(r, 'a', IAC, AYT, 'b', IAC, AYT);
	assert_string_equal(r->log.data, "data ayt data ayt");
	assert_int_equal(r->count[TELNET_ADAPTER_EV_AYT], 2);
	assert_int_equal(r->sent.len, 0);
	assert_int_equal(r->data.len, 2);
}

/* IAC EC and IAC EL reach the line editor as DEL and Ctrl-U. */
static void test_erase_keys_become_data(void **state)
{
	struct rec *r = *state;

	FEED(r, 'a', IAC, EC, 'b', IAC, EL);
	ASSERT_BYTES(r->data, 'a', 0x7f, 'b', 0x15);
}

/* NOP, GA, DM and a stray SE do nothing. */
static void test_ignored_commands(void **state)
{
	struct rec *r = *state;

	FEED(r, IAC, NOP, IAC, GA, IAC, DM, IAC, SE, 'z');
	assert_string_equal(r->log.data, "data");
	ASSERT_BYTES(r->data, 'z');
}

/* Each of IP, ABORT, SUSP, BRK and EOF is a hangup. */
static void test_hangup_commands(void **state)
{
	static const unsigned char cmds[] = { IP, ABORT, SUSP, BRK, TEOF };
	struct rec *r = *state;

	for (size_t i = 0; i < ARRAY_LEN(cmds); i++) {
		const char b[2] = { (char)IAC, (char)cmds[i] };

		rec_clear(r);
		telnet_adapter_feed(r->ta, b, sizeof(b));
		assert_string_equal(r->log.data, "hangup");
	}
}

/*
 * SB without SE, then lots of data: libtelnet buffers 16 KiB, warns,
 * drops the byte that did not fit and reads the rest as plain data.
 * Memory stays bounded; a later SB works again.
 */
static void test_sb_without_se(void **state)
{
	enum {
		TOTAL = 100000,
		CAP = 16384
	};
	struct rec *r = *state;
	char chunk[4096];
	size_t left = TOTAL;

	memset(chunk, 'A', sizeof(chunk));
	FEED(r, IAC, SB, O_NAWS);
	while (left > 0) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);

		telnet_adapter_feed(r->ta, chunk, n);
		left -= n;
	}
	assert_int_equal(r->count[TELNET_ADAPTER_EV_WARNING], 1);
	assert_string_equal(r->msg, "subnegotiation buffer size limit reached");
	assert_int_equal(r->count[TELNET_ADAPTER_EV_ERROR], 0);
	assert_int_equal(r->data.len, TOTAL - CAP - 1);
	assert_int_equal(r->count[TELNET_ADAPTER_EV_WINDOW], 0);

	rec_clear(r);
	FEED(r, IAC, SE, IAC, SB, O_NAWS, 0, 80, 0, 24, IAC, SE);
	assert_string_equal(r->log.data, "window");
}

/* An IAC command inside an SB ends the SB and still counts. */
static void test_iac_command_inside_sb(void **state)
{
	struct rec *r = *state;

	FEED(r, IAC, SB, O_NAWS, 0, 80, IAC, IP, 'q');
	assert_int_equal(r->count[TELNET_ADAPTER_EV_HANGUP], 1);
	assert_int_equal(r->count[TELNET_ADAPTER_EV_WINDOW], 0);
	assert_true(r->count[TELNET_ADAPTER_EV_WARNING] >= 1);
	ASSERT_BYTES(r->data, 'q');
}

/* Line mode after a refusal: secret on/off sends WILL/WONT ECHO only. */
static void test_secret_line_mode(void **state)
{
	struct rec *r = *state;

	start(r);
	FEED(r, IAC, DONT, O_ECHO);
	assert_false(telnet_adapter_is_char_mode(r->ta));
	assert_int_equal(r->sent.len, 0);

	telnet_adapter_set_secret(r->ta, true);
	ASSERT_BYTES(r->sent, IAC, WILL, O_ECHO);
	rec_clear(r);
	FEED(r, IAC, DO, O_ECHO);
	assert_false(telnet_adapter_is_char_mode(r->ta));
	assert_int_equal(r->count[TELNET_ADAPTER_EV_CHAR_MODE], 0);
	assert_int_equal(r->sent.len, 0);
	/* Asking twice sends nothing more. */
	telnet_adapter_set_secret(r->ta, true);
	assert_int_equal(r->sent.len, 0);

	telnet_adapter_set_secret(r->ta, false);
	ASSERT_BYTES(r->sent, IAC, WONT, O_ECHO);
	rec_clear(r);
	FEED(r, IAC, DONT, O_ECHO);
	assert_int_equal(r->sent.len, 0);
	assert_false(telnet_adapter_is_char_mode(r->ta));

	/* The next password prompt works the same way. */
	telnet_adapter_set_secret(r->ta, true);
	ASSERT_BYTES(r->sent, IAC, WILL, O_ECHO);
	FEED(r, IAC, DO, O_ECHO);
	assert_false(telnet_adapter_is_char_mode(r->ta));
	assert_int_equal(r->count[TELNET_ADAPTER_EV_CHAR_MODE], 0);
}

/* A client refusing the secret echo too stays in line mode, quietly. */
static void test_secret_refused(void **state)
{
	struct rec *r = *state;

	start(r);
	FEED(r, IAC, DONT, O_ECHO);
	telnet_adapter_set_secret(r->ta, true);
	FEED(r, IAC, DONT, O_ECHO);
	rec_clear(r);
	telnet_adapter_set_secret(r->ta, false);
	assert_int_equal(r->sent.len, 0);
	assert_false(telnet_adapter_is_char_mode(r->ta));
}

/* Secret off before the client answered on: the late DO is withdrawn. */
static void test_secret_off_before_answer(void **state)
{
	struct rec *r = *state;

	start(r);
	FEED(r, IAC, DONT, O_ECHO);
	telnet_adapter_set_secret(r->ta, true);
	ASSERT_BYTES(r->sent, IAC, WILL, O_ECHO);
	rec_clear(r);
	telnet_adapter_set_secret(r->ta, false);
	assert_int_equal(r->sent.len, 0);
	FEED(r, IAC, DO, O_ECHO);
	ASSERT_BYTES(r->sent, IAC, WONT, O_ECHO);
	assert_false(telnet_adapter_is_char_mode(r->ta));
	assert_int_equal(r->count[TELNET_ADAPTER_EV_CHAR_MODE], 0);
}

/* In character mode the server already controls the echo. */
static void test_secret_char_mode_noop(void **state)
{
	struct rec *r = *state;

	start(r);
	feed_inetutils_answers(r);
	rec_clear(r);
	telnet_adapter_set_secret(r->ta, true);
	telnet_adapter_set_secret(r->ta, false);
	assert_int_equal(r->sent.len, 0);
	assert_true(telnet_adapter_is_char_mode(r->ta));
}

/*
 * inetutils "mode line" turns our echo off (DONT ECHO): line mode; its
 * "mode character" asks for it again (DO ECHO): character mode.
 */
static void test_dont_echo_after_char_mode(void **state)
{
	struct rec *r = *state;

	start(r);
	FEED(r, IAC, DO, O_ECHO);
	rec_clear(r);
	FEED(r, IAC, DONT, O_ECHO);
	ASSERT_BYTES(r->sent, IAC, WONT, O_ECHO);
	assert_string_equal(r->log.data, "send line");
	assert_false(telnet_adapter_is_char_mode(r->ta));
	rec_clear(r);
	FEED(r, IAC, DO, O_ECHO);
	ASSERT_BYTES(r->sent, IAC, WILL, O_ECHO);
	assert_true(telnet_adapter_is_char_mode(r->ta));
	assert_int_equal(r->count[TELNET_ADAPTER_EV_CHAR_MODE], 1);
}

/* A client asking for our echo before we offered it gets it. */
static void test_do_echo_before_start(void **state)
{
	struct rec *r = *state;

	FEED(r, IAC, DO, O_ECHO);
	ASSERT_BYTES(r->sent, IAC, WILL, O_ECHO);
	assert_true(telnet_adapter_is_char_mode(r->ta));
	rec_clear(r);
	telnet_adapter_start(r->ta);
	/* start() does not offer ECHO again. */
	assert_null(memmem(r->sent.data, r->sent.len, "\xff\xfb\x01", 3));
	assert_int_equal(r->count[TELNET_ADAPTER_EV_CHAR_MODE], 0);
}

/* A client offering to echo itself is refused. */
static void test_client_will_echo_refused(void **state)
{
	struct rec *r = *state;

	start(r);
	FEED(r, IAC, WILL, O_ECHO, IAC, DO, O_TSPEED);
	ASSERT_BYTES(r->sent, IAC, DONT, O_ECHO, IAC, WONT, O_TSPEED);
}

/* Data with 0xff is escaped on the way out. */
static void test_send_escapes_iac(void **state)
{
	struct rec *r = *state;
	static const char out[] = { 'a', (char)0xff, 'b', (char)0xff };

	telnet_adapter_send(r->ta, out, sizeof(out));
	ASSERT_BYTES(r->sent, 'a', IAC, IAC, 'b', IAC, IAC);
}

/* Newlines and NULs go out as they are: the caller sends CR LF. */
static void test_send_keeps_newlines(void **state)
{
	struct rec *r = *state;
	static const char out[] = "x\r\ny\n\r\0";

	telnet_adapter_send(r->ta, out, sizeof(out) - 1);
	assert_int_equal(r->sent.len, sizeof(out) - 1);
	assert_memory_equal(r->sent.data, out, sizeof(out) - 1);
}

/* TTYPE keeps printable ASCII, at most the limit. */
static void test_ttype_sanitised(void **state)
{
	struct rec *r = *state;
	unsigned char sb[3 + 1 + 60 + 2] = { IAC, SB, O_TTYPE, 0 };
	char want[TELNET_ADAPTER_MAX_TTYPE + 1];

	FEED(r, IAC, SB, O_TTYPE, 0, 'v', 't', 0x1b, '1', 0x80, '0', 0xe4, '0',
	     IAC, SE);
	assert_string_equal(telnet_adapter_ttype(r->ta), "vt100");

	for (size_t i = 0; i < 60; i++)
		sb[4 + i] = (unsigned char)('a' + i % 26);
	sb[64] = IAC;
	sb[65] = SE;
	telnet_adapter_feed(r->ta, (const char *)sb, sizeof(sb));
	for (size_t i = 0; i < TELNET_ADAPTER_MAX_TTYPE; i++)
		want[i] = (char)('a' + i % 26);
	want[TELNET_ADAPTER_MAX_TTYPE] = '\0';
	assert_string_equal(telnet_adapter_ttype(r->ta), want);

	/* TTYPE SEND from the client and an empty SB change nothing. */
	FEED(r, IAC, SB, O_TTYPE, 1, IAC, SE, IAC, SB, O_TTYPE, IAC, SE);
	assert_string_equal(telnet_adapter_ttype(r->ta), want);
}

/*
 * What the client sends goes through the SB filter, which DONT ECHO
 * passes in order (tests/test_tnfilter.c tests the filter itself).
 */
static void test_feed_is_filtered(void **state)
{
	struct rec *r = *state;

	start(r);
	FEED(r, IAC, SB, O_COMPRESS2, IAC, SE, 'h', IAC, DONT, O_ECHO, 'i');
	ASSERT_BYTES(r->data, 'h', 'i');
	assert_int_equal(r->count[TELNET_ADAPTER_EV_ERROR], 0);
	assert_int_equal(r->count[TELNET_ADAPTER_EV_CHAR_MODE], 0);
}

/* A byte biased towards what makes the parser change state. */
static unsigned char fuzz_byte(uint32_t *s)
{
	static const unsigned char hot[] = {
		IAC,     IAC,         IAC,   SB,        SE,
		WILL,    WONT,        DO,    DONT,      IP,
		AYT,     EC,          EL,    TEOF,      O_ECHO,
		O_TTYPE, O_NAWS,      O_TM,  O_ENVIRON, O_NEW_ENVIRON,
		O_MSSP,  O_COMPRESS2, O_ZMP, 0,         1,
		2,       3,           200,
	};
	uint32_t v = xorshift32(s);

	if (v % 2 == 0)
		return hot[(v >> 8) % ARRAY_LEN(hot)];
	return (unsigned char)(v >> 8);
}

/* Checks what must hold whatever the input. */
static void fuzz_check(const struct rec *r)
{
	const char *tt = telnet_adapter_ttype(r->ta);

	assert_true(strlen(tt) <= TELNET_ADAPTER_MAX_TTYPE);
	for (const char *p = tt; *p != '\0'; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	/* Modes alternate: character mode never starts twice in a row. */
	assert_true(r->count[TELNET_ADAPTER_EV_CHAR_MODE] <=
		    r->count[TELNET_ADAPTER_EV_LINE_MODE] + 1);
	assert_true(r->count[TELNET_ADAPTER_EV_LINE_MODE] <=
		    r->count[TELNET_ADAPTER_EV_CHAR_MODE]);
	assert_true(r->width <= 65535 && r->height <= 65535);
	assert_int_equal(r->count[TELNET_ADAPTER_EV_ERROR], 0);
}

/* 10,000 random buffers with a fixed seed: no crash, invariants hold. */
static void test_fuzz(void **state)
{
	enum {
		ITERATIONS = 10000,
		MAX_LEN = 96,
		PER_ADAPTER = 200
	};
	struct rec *r = *state;
	uint32_t seed = 0x10086u;
	char buf[MAX_LEN];

	for (unsigned it = 0; it < ITERATIONS; it++) {
		size_t len = xorshift32(&seed) % (MAX_LEN + 1);

		if (it % PER_ADAPTER == 0) {
			telnet_adapter_free(r->ta);
			r->ta = telnet_adapter_new(rec_cb, r);
			rec_clear(r);
			if (xorshift32(&seed) % 4 != 0)
				telnet_adapter_start(r->ta);
		}
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)fuzz_byte(&seed);
		/* Feed in one or two pieces to cross read boundaries. */
		size_t cut = len ? xorshift32(&seed) % (len + 1) : 0;
		telnet_adapter_feed(r->ta, buf, cut);
		telnet_adapter_feed(r->ta, buf + cut, len - cut);
		switch (xorshift32(&seed) % 16) {
		case 0:
			telnet_adapter_set_secret(r->ta, true);
			break;
		case 1:
			telnet_adapter_set_secret(r->ta, false);
			break;
		case 2:
			telnet_adapter_send(r->ta, buf, len);
			break;
		default:
			break;
		}
		fuzz_check(r);
		/* Keep the recorder small; counters stay per adapter. */
		strbuf_reset(&r->data);
		strbuf_reset(&r->sent);
		strbuf_reset(&r->log);
	}
}

/* Freeing NULL does nothing. */
static void test_free_null(void **state)
{
	(void)state;
	telnet_adapter_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_start_sends_offers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_start_twice, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_inetutils_char_mode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_inetutils_one_read, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_busybox_refuses_binary,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_nc_stays_line_mode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_putty_offers_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_putty_eof_hangs_up, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_iac_iac_is_one_byte, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_iac_split_across_feeds,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_naws_split_across_feeds,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_naws_doubled_ff, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_naws_wrong_size_warns,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_mode_ctrl_c, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ayt_reported, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_erase_keys_become_data,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignored_commands, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hangup_commands, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sb_without_se, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_iac_command_inside_sb,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_line_mode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_secret_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_secret_off_before_answer,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_char_mode_noop,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dont_echo_after_char_mode,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_do_echo_before_start,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_will_echo_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_escapes_iac, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_send_keeps_newlines, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ttype_sanitised, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_feed_is_filtered, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_null, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
