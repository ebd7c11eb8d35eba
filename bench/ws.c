/*
 * ws: a WebSocket client's upgrade and frames for the load generator.
 * The 101 is read whole (it is small) and checked; frames are read
 * header by header, and a data frame's payload goes to the sink as it
 * arrives, never copied, so a large menu costs no buffer. The server's
 * frames must be unmasked (RFC 6455 5.1); a client's are always masked.
 */
#include "ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <nettle/base64.h>
#include <nettle/sha1.h>

#include "mem.h"

/* The GUID every Sec-WebSocket-Accept is made with (RFC 6455 1.3). */
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
/* Random bytes in a key (RFC 6455 4.1). */
#define WS_KEY_BYTES 16

/* Sec-WebSocket-Accept: base64 of SHA-1 of the key and the GUID. */
void ws_accept(const char *key, char out[WS_ACCEPT_LEN + 1])
{
	struct sha1_ctx sha;
	uint8_t digest[SHA1_DIGEST_SIZE];

	sha1_init(&sha);
	sha1_update(&sha, strlen(key), (const uint8_t *)key);
	sha1_update(&sha, strlen(WS_GUID), (const uint8_t *)WS_GUID);
	sha1_digest(&sha, sizeof(digest), digest);
	base64_encode_raw(out, sizeof(digest), digest);
	out[WS_ACCEPT_LEN] = '\0';
}

/* A fresh key and mask seed, and the upgrade request. */
size_t ws_init(struct ws *ws, const char *host, unsigned port, char *req)
{
	uint8_t nonce[WS_KEY_BYTES];
	int n;

	memset(ws, 0, sizeof(*ws));
	if (getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce) ||
	    getrandom(&ws->rng, sizeof(ws->rng), 0) != (ssize_t)sizeof(ws->rng))
		return 0;
	ws->rng |= 1; /* xorshift never leaves zero */
	base64_encode_raw(ws->key, sizeof(nonce), nonce);
	ws->key[WS_KEY_LEN] = '\0';
	ws->response = xmalloc(WS_MAX_RESPONSE);
	/* What a browser sends, less what the server does not look at. */
	n = snprintf(req, WS_MAX_REQUEST,
		     "GET /ws HTTP/1.1\r\n"
		     "Host: %s:%u\r\n"
		     "Upgrade: websocket\r\n"
		     "Connection: Upgrade\r\n"
		     "Sec-WebSocket-Key: %s\r\n"
		     "Sec-WebSocket-Version: 13\r\n"
		     "Origin: http://%s:%u\r\n"
		     "User-Agent: hotline-bench\r\n"
		     "\r\n",
		     host, port, ws->key, host, port);
	return n > 0 && n < WS_MAX_REQUEST ? (size_t)n : 0;
}

/* Frees the response buffer, if the upgrade never finished. */
void ws_fini(struct ws *ws)
{
	free(ws->response);
	ws->response = NULL;
}

/* Ends the connection once, telling the sink why. */
static void ws_fail(struct ws *ws, const struct ws_sink *sink, void *ctx,
		    const char *why)
{
	if (ws->state == WS_DONE)
		return;
	ws->state = WS_DONE;
	ws_fini(ws);
	sink->failed(ctx, why);
}

/* The next mask: xorshift32, enough to keep a proxy from guessing it. */
static uint32_t ws_next_mask(struct ws *ws)
{
	uint32_t x = ws->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	ws->rng = x;
	return x;
}

/* Header, then the payload masked. */
size_t ws_frame(struct ws *ws, unsigned opcode, const void *payload, size_t len,
		uint8_t *out)
{
	const uint8_t *p = payload;
	uint32_t m = ws_next_mask(ws);
	uint8_t mask[4] = { (uint8_t)(m >> 24), (uint8_t)(m >> 16),
			    (uint8_t)(m >> 8), (uint8_t)m };
	size_t h = 0;

	out[h++] = (uint8_t)(0x80 |
			     (opcode & 0x0f)); /* FIN: never fragmented */
	if (len < 126) {
		out[h++] = (uint8_t)(0x80 | len);
	} else if (len <= 0xffff) {
		out[h++] = 0x80 | 126;
		out[h++] = (uint8_t)(len >> 8);
		out[h++] = (uint8_t)len;
	} else {
		out[h++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			out[h++] = (uint8_t)((uint64_t)len >> (8 * i));
	}
	memcpy(out + h, mask, sizeof(mask));
	h += sizeof(mask);
	for (size_t i = 0; i < len; i++)
		out[h + i] = p[i] ^ mask[i & 3];
	return h + len;
}

/* Whether a header's value lists a token (Connection: keep-alive, Upgrade). */
static bool value_has_token(const char *v, size_t len, const char *token)
{
	size_t n = strlen(token);

	for (size_t i = 0; i + n <= len; i++) {
		if (strncasecmp(v + i, token, n) == 0 &&
		    (i == 0 || v[i - 1] == ',' || v[i - 1] == ' ') &&
		    (i + n == len || v[i + n] == ',' || v[i + n] == ' '))
			return true;
	}
	return false;
}

/* Whether the header line's name, up to its colon, is name. */
static bool header_is(const char *line, const char *colon, const char *name)
{
	size_t n = strlen(name);

	return (size_t)(colon - line) == n && strncasecmp(line, name, n) == 0;
}

/*
 * Checks a whole response head (NUL-terminated, without its blank line):
 * status 101, Upgrade: websocket, Connection: Upgrade and the accept that
 * matches our key. Returns NULL if it is right, or why not.
 */
static const char *ws_check_response(struct ws *ws, const char *head,
				     size_t len)
{
	char accept[WS_ACCEPT_LEN + 1];
	bool upgrade = false, connection = false, accepted = false;
	const char *line, *eol, *end = head + len;
	char *digits_end = NULL;
	int status = 0;

	if (strncmp(head, "HTTP/1.1 ", 9) == 0)
		status = (int)strtol(head + 9, &digits_end, 10);
	if (status < 100 || status > 999 || digits_end != head + 12)
		return "upgrade: not an HTTP/1.1 response";
	if (status != 101) {
		snprintf(ws->why, sizeof(ws->why), "upgrade refused: HTTP %d",
			 status);
		return ws->why;
	}
	ws_accept(ws->key, accept);
	/* Past the status line; end is inside the buffer, before CR LF CR LF. */
	line = strstr(head, "\r\n");
	for (line = line != NULL ? line + 2 : end; line < end; line = eol + 2) {
		const char *colon, *v;
		size_t vlen;

		eol = memchr(line, '\r', (size_t)(end - line));
		if (eol == NULL)
			eol = end;
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon == NULL)
			continue;
		v = colon + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		vlen = (size_t)(eol - v);
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (header_is(line, colon, "Upgrade"))
			upgrade = vlen == 9 &&
				  strncasecmp(v, "websocket", 9) == 0;
		else if (header_is(line, colon, "Connection"))
			connection = value_has_token(v, vlen, "upgrade");
		else if (header_is(line, colon, "Sec-WebSocket-Accept"))
			accepted = vlen == WS_ACCEPT_LEN &&
				   memcmp(v, accept, vlen) == 0;
	}
	if (!upgrade || !connection)
		return "upgrade: 101 without Upgrade: websocket";
	if (!accepted)
		return "upgrade: wrong Sec-WebSocket-Accept";
	return NULL;
}

/*
 * Reads the 101 from p; returns how many bytes of p it took (the rest
 * are frames), with the state OPEN once it is whole and right.
 */
static size_t ws_feed_response(struct ws *ws, const uint8_t *p, size_t len,
			       const struct ws_sink *sink, void *ctx)
{
	size_t old = ws->response_len, take, head_len;
	const char *why;
	char *end;

	take = len < WS_MAX_RESPONSE - old ? len : WS_MAX_RESPONSE - old;
	memcpy(ws->response + old, p, take);
	ws->response_len += take;
	end = memmem(ws->response, ws->response_len, "\r\n\r\n", 4);
	if (end == NULL) {
		if (ws->response_len == WS_MAX_RESPONSE)
			ws_fail(ws, sink, ctx,
				"upgrade: response head too long");
		return len;
	}
	head_len = (size_t)(end - ws->response) + 4;
	*end = '\0';
	why = ws_check_response(ws, ws->response, (size_t)(end - ws->response));
	if (why != NULL) {
		ws_fail(ws, sink, ctx, why);
		return len;
	}
	ws_fini(ws);
	ws->state = WS_OPEN;
	sink->upgraded(ctx);
	return head_len - old;
}

/* Bytes a frame header takes, once its first two bytes are known. */
static size_t header_size(const uint8_t *h)
{
	size_t n = 2;

	if ((h[1] & 0x7f) == 126)
		n += 2;
	else if ((h[1] & 0x7f) == 127)
		n += 8;
	return n + ((h[1] & 0x80) ? 4 : 0);
}

/* A whole header is in: checks it and sets up the frame it announces. */
static void ws_start_frame(struct ws *ws, const struct ws_sink *sink, void *ctx)
{
	const uint8_t *h = ws->header;
	uint64_t len = h[1] & 0x7f;

	if (h[1] & 0x80) {
		ws_fail(ws, sink, ctx, "a masked frame from the server");
		return;
	}
	if (h[0] & 0x70) {
		ws_fail(ws, sink, ctx, "a frame with RSV bits set");
		return;
	}
	if (len == 126)
		len = (uint64_t)h[2] << 8 | h[3];
	else if (len == 127)
		for (int i = 2; i < 10; i++)
			len = (i == 2 ? 0 : len << 8) | h[i];
	ws->opcode = h[0] & 0x0f;
	ws->left = len;
	ws->control_len = 0;
	ws->in_payload = true;
	switch (ws->opcode) {
	case WS_OP_CONTINUATION:
	case WS_OP_TEXT:
	case WS_OP_BINARY:
		return;
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		if (len > WS_MAX_CONTROL || !(h[0] & 0x80))
			ws_fail(ws, sink, ctx, "a bad control frame");
		return;
	default:
		ws_fail(ws, sink, ctx, "a frame of an unknown opcode");
	}
}

/* A whole control frame is in: a ping is answered, a close ends it all. */
static void ws_end_control(struct ws *ws, const struct ws_sink *sink, void *ctx)
{
	uint8_t out[WS_MAX_HEADER + WS_MAX_CONTROL];
	unsigned code = 0;

	switch (ws->opcode) {
	case WS_OP_PING:
		sink->send(ctx, out,
			   ws_frame(ws, WS_OP_PONG, ws->control,
				    ws->control_len, out));
		break;
	case WS_OP_CLOSE:
		if (ws->control_len >= 2)
			code = (unsigned)ws->control[0] << 8 | ws->control[1];
		/* The answer echoes the code, as RFC 6455 5.5.1 asks. */
		sink->send(ctx, out,
			   ws_frame(ws, WS_OP_CLOSE, ws->control,
				    ws->control_len >= 2 ? 2 : 0, out));
		snprintf(ws->why, sizeof(ws->why),
			 "closed by the server (WebSocket close %u)", code);
		ws_fail(ws, sink, ctx, ws->why);
		break;
	default:
		break; /* a pong: we never ping */
	}
}

/* A frame's payload is all in: the next byte begins a header. */
static void ws_end_frame(struct ws *ws, const struct ws_sink *sink, void *ctx)
{
	ws->header_len = 0;
	ws->in_payload = false;
	if (ws->opcode >= WS_OP_CLOSE)
		ws_end_control(ws, sink, ctx);
}

/* Frames: headers byte by byte, data payloads straight to the sink. */
static void ws_feed_frames(struct ws *ws, const uint8_t *p, size_t len,
			   const struct ws_sink *sink, void *ctx)
{
	const uint8_t *end = p + len;

	while (p < end && ws->state == WS_OPEN) {
		size_t n;

		if (!ws->in_payload) {
			ws->header[ws->header_len++] = *p++;
			if (ws->header_len < 2 ||
			    ws->header_len < header_size(ws->header))
				continue;
			ws_start_frame(ws, sink, ctx);
			if (ws->state == WS_OPEN && ws->left == 0)
				ws_end_frame(ws, sink, ctx);
			continue;
		}
		n = (uint64_t)(end - p) < ws->left ? (size_t)(end - p)
						   : (size_t)ws->left;
		if (ws->opcode >= WS_OP_CLOSE) {
			memcpy(ws->control + ws->control_len, p, n);
			ws->control_len += n;
		} else {
			sink->data(ctx, p, n);
		}
		p += n;
		ws->left -= n;
		if (ws->left == 0)
			ws_end_frame(ws, sink, ctx);
	}
}

/* The 101 first, then frames. */
void ws_feed(struct ws *ws, const uint8_t *p, size_t len,
	     const struct ws_sink *sink, void *ctx)
{
	if (ws->state == WS_UPGRADING) {
		size_t used = ws_feed_response(ws, p, len, sink, ctx);

		p += used;
		len -= used;
	}
	if (ws->state == WS_OPEN && len > 0)
		ws_feed_frames(ws, p, len, sink, ctx);
}
