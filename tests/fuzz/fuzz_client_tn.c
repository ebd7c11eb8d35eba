/*
 * fuzz_client_tn: the client's side of the wire, as client/remote.c and
 * client/term.c wire it: server bytes -> tn (libtelnet with the SB filter)
 * -> text_in (telnet line ends) -> text_lines and the nickname scanner ->
 * the unfinished line made into a readline prompt. Between reads the
 * schedule (picked by the input's first bytes) ends the greeting, resizes
 * the window and sends lines the way the client does; each send must come
 * out as exactly the line with IAC doubled.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "nicks.h"
#include "text.h"
#include "tn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bytes of the schedule header at the start of every input. */
#define FUZZ_HEADER 3
/* term.c's unfinished-line buffer and prompt room. */
#define FUZZ_MAX_PROMPT 1024
#define FUZZ_PROMPT_SPACE (3 * FUZZ_MAX_PROMPT + 1)

struct client {
	struct tn *tn;
	struct text_in text;
	struct text_lines lines;
	struct nicks *nicks;
	char pending[FUZZ_MAX_PROMPT];
	size_t pending_len;
	char prompt[FUZZ_PROMPT_SPACE];
	bool masked;
	bool closed;
	unsigned ready;
	/* What tn_send emitted while capturing, to compare with the input. */
	bool capture;
	uint8_t sent[2 * 512 + 8];
	size_t sent_len;
};

/* term_on_server_line: a line of server text feeds the nicknames. */
static void client_line(void *ctx, const char *line, size_t len)
{
	nicks_scan_line(ctx, line, len);
}

/* term_on_text without readline: lines scanned, the unfinished one kept. */
static void client_text(struct client *c, const char *buf, size_t len)
{
	const char *nl = NULL;

	text_lines_feed(&c->lines, buf, len, client_line, c->nicks);
	for (size_t i = len; i > 0; i--) {
		if (buf[i - 1] == '\n') {
			nl = buf + i - 1;
			break;
		}
	}
	if (nl != NULL) {
		c->pending_len = 0;
		len -= (size_t)(nl - buf) + 1;
		buf = nl + 1;
	}
	if (c->pending_len + len > sizeof(c->pending)) {
		c->pending_len = 0;
		len = 0;
	}
	memcpy(c->pending + c->pending_len, buf, len);
	c->pending_len += len;
	text_prompt(c->pending, c->pending_len, c->prompt, sizeof(c->prompt));
	FUZZ_CHECK(strlen(c->prompt) < sizeof(c->prompt));
}

/* remote_on_data: server text through the line-end conversion. */
static void client_data(struct client *c, const char *buf, size_t len)
{
	char out[TEXT_IN_SPACE(4096)];

	while (len > 0) {
		size_t take = len < 4096 ? len : 4096;
		size_t n = text_in_convert(&c->text, buf, take, out);

		FUZZ_CHECK(n <= TEXT_IN_SPACE(take));
		if (n > 0)
			client_text(c, out, n);
		buf += take;
		len -= take;
	}
}

/* remote_on_tn */
static void on_tn(void *ctx, const struct tn_event *ev)
{
	struct client *c = ctx;

	switch (ev->type) {
	case TN_EV_DATA:
		FUZZ_CHECK(ev->len > 0);
		if (!c->closed)
			client_data(c, ev->data, ev->len);
		break;
	case TN_EV_SEND:
		if (c->capture) {
			FUZZ_CHECK(c->sent_len + ev->len <= sizeof(c->sent));
			memcpy(c->sent + c->sent_len, ev->data, ev->len);
			c->sent_len += ev->len;
		}
		break;
	case TN_EV_READY:
		c->ready++;
		FUZZ_CHECK(c->ready == 1);
		FUZZ_CHECK(!tn_is_greeting(c->tn));
		break;
	case TN_EV_MASK:
		FUZZ_CHECK(ev->on != c->masked);
		c->masked = ev->on;
		FUZZ_CHECK(tn_is_masked(c->tn) == ev->on);
		break;
	case TN_EV_ERROR:
		FUZZ_CHECK(ev->data != NULL);
		c->closed = true;
		break;
	}
}

/* remote_send_line: the line and CR LF; checks the bytes tn sent. */
static void client_send_line(struct client *c, const uint8_t *line, size_t len)
{
	char conv[TEXT_OUT_SPACE(256)];
	struct text_out to;
	size_t n, want = 0;

	if (len > 256)
		len = 256;
	text_out_init(&to);
	n = text_out_convert(&to, (const char *)line, len, conv);
	FUZZ_CHECK(n <= TEXT_OUT_SPACE(len));
	c->capture = true;
	c->sent_len = 0;
	tn_send(c->tn, conv, n);
	c->capture = false;
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(want < c->sent_len &&
			   c->sent[want] == (uint8_t)conv[i]);
		want++;
		if ((uint8_t)conv[i] == 0xff) {
			FUZZ_CHECK(want < c->sent_len && c->sent[want] == 0xff);
			want++;
		}
	}
	FUZZ_CHECK(want == c->sent_len);
	n = text_out_convert(&to, "\n", 1, conv);
	n += text_out_finish(&to, conv + n);
	tn_send(c->tn, conv, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ttypes[] = { "XTERM-256COLOR", "",
					      "vt100\x1b" };
	struct client c = { 0 };
	uint32_t state = 0x12345678;
	size_t pos = 0;
	char tail[1];

	for (; pos < FUZZ_HEADER && pos < size; pos++)
		state = state * 31 + data[pos] + 1;
	c.nicks = nicks_new();
	text_in_init(&c.text);
	text_lines_init(&c.lines);
	c.tn = tn_new(on_tn, &c);
	if (size > 0 && (data[0] & 1))
		tn_set_window(c.tn, 80, 24);
	if (size > 0 && (data[0] & 2))
		tn_set_ttype(c.tn, ttypes[(data[0] >> 2) % 3]);

	while (pos < size && !c.closed) {
		size_t n;

		state ^= state << 13;
		state ^= state >> 17;
		state ^= state << 5;
		n = 1 + state % ((data[0] & 0x20) ? 512 : 16);
		if (n > size - pos)
			n = size - pos;
		tn_feed(c.tn, (const char *)data + pos, n);
		pos += n;
		switch ((state >> 8) % 16) {
		case 0:
			tn_end_greeting(c.tn);
			break;
		case 1:
			tn_set_window(c.tn, (state >> 12) % 0x1ffff,
				      (state >> 14) % 300);
			break;
		case 2:
			client_send_line(&c, data + pos - n, n);
			break;
		default:
			break;
		}
	}
	if (text_in_finish(&c.text, tail) > 0)
		client_text(&c, tail, 1);
	for (size_t i = 0; i < nicks_count(c.nicks); i++)
		FUZZ_CHECK(nicks_has(c.nicks, nicks_get(c.nicks, i)));
	tn_free(c.tn);
	nicks_free(c.nicks);
	return 0;
}
