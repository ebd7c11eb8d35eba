/*
 * test_webconn: a browser's connection without a socket. The request head
 * in any pieces, answered from the page in memory (a file, 404, 405, 431,
 * 403) and then closed; the upgrade with frames in the same read; telnet
 * bytes out of the browser's frames and into the server's; a hang-up, the
 * browser's close and a protocol error, each ending the call once. The
 * page's files are real files in a temporary folder, read by webpage.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mem.h"
#include "net/webconn.h"
#include "net/webpage.h"
#include "proto/http.h"
#include "strbuf.h"

/* What the owner (conn.c in the service) was asked to do. */
struct owner {
	struct event_base *base;
	char dir[64];
	struct webpage *page;
	struct webconn_env env;
	struct webconn *w;
	struct strbuf out;  /* everything written, static bytes too */
	size_t statics;     /* bytes written by reference */
	struct strbuf data; /* telnet bytes up from the browser */
	int upgraded, ends, closes;
	const char *reason;
};

static void on_write(void *ctx, const void *data, size_t len)
{
	strbuf_append(&((struct owner *)ctx)->out, data, len);
}

static void on_write_static(void *ctx, const void *data, size_t len)
{
	struct owner *o = ctx;

	strbuf_append(&o->out, data, len);
	o->statics += len;
}

static void on_upgraded(void *ctx)
{
	((struct owner *)ctx)->upgraded++;
}

static void on_data(void *ctx, const void *data, size_t len)
{
	strbuf_append(&((struct owner *)ctx)->data, data, len);
}

static void on_end(void *ctx)
{
	((struct owner *)ctx)->ends++;
}

static void on_close(void *ctx, const char *reason)
{
	struct owner *o = ctx;

	o->closes++;
	o->reason = reason;
}

static size_t on_pending(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct webconn_cbs cbs = {
	.pending = on_pending,
	.write = on_write,
	.write_static = on_write_static,
	.upgraded = on_upgraded,
	.on_data = on_data,
	.on_end = on_end,
	.close = on_close,
};

/* Writes one of the page's files with the given text. */
static void put_file(const char *dir, const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Makes the folders above a file of the page (one level: xterm/, viz/...). */
static void make_parent(const char *dir, const char *file)
{
	const char *slash = strchr(file, '/');
	char sub[160];

	if (slash == NULL)
		return;
	snprintf(sub, sizeof(sub), "%s/%.*s", dir, (int)(slash - file), file);
	assert_true(mkdir(sub, 0700) == 0 || errno == EEXIST);
}

/* A page in a temporary folder (each file names itself), and a webconn. */
static int setup(void **state)
{
	struct owner *o = xcalloc(1, sizeof(*o));
	char err[256];
	char text[160];

	snprintf(o->dir, sizeof(o->dir), "/tmp/test_webconn.XXXXXX");
	assert_non_null(mkdtemp(o->dir));
	for (size_t i = 0; i < http_nassets; i++) {
		make_parent(o->dir, http_assets[i].file);
		snprintf(text, sizeof(text), "/* %s */\n", http_assets[i].file);
		put_file(o->dir, http_assets[i].file, text);
	}
	put_file(o->dir, "index.html", "<!DOCTYPE html><title>10086</title>\n");
	o->page = webpage_load(o->dir, err, sizeof(err));
	assert_non_null(o->page);
	o->env.page = o->page;
	o->base = event_base_new();
	strbuf_init(&o->out);
	strbuf_init(&o->data);
	o->w = webconn_new(o->base, &o->env, 1, NULL, &cbs, o);
	*state = o;
	return 0;
}

/* Removes the folder and frees everything. */
static int teardown(void **state)
{
	struct owner *o = *state;
	char path[160];

	webconn_free(o->w);
	webpage_free(o->page);
	event_base_free(o->base);
	for (size_t i = 0; i < http_nassets; i++) {
		snprintf(path, sizeof(path), "%s/%s", o->dir,
			 http_assets[i].file);
		unlink(path);
		*strrchr(path, '/') = '\0';
		if (strcmp(path, o->dir) != 0)
			rmdir(path);
	}
	rmdir(o->dir);
	strbuf_fini(&o->out);
	strbuf_fini(&o->data);
	free(o);
	return 0;
}

/* Feeds a C string. */
static void feed(struct owner *o, const char *s)
{
	webconn_feed(o->w, s, strlen(s));
}

/* Whether the output so far contains needle. */
static bool out_has(const struct owner *o, const char *needle)
{
	return o->out.len > 0 &&
	       memmem(o->out.data, o->out.len, needle, strlen(needle)) != NULL;
}

/* A client frame, masked with a fixed key; returns its length. */
static size_t client_frame(uint8_t *buf, bool fin, unsigned opcode,
			   const void *payload, size_t len, bool masked)
{
	static const uint8_t key[4] = { 0x11, 0x22, 0x33, 0x44 };
	size_t n = 0;

	buf[n++] = (uint8_t)((fin ? 0x80 : 0) | opcode);
	assert_true(len < 126);
	buf[n++] = (uint8_t)((masked ? 0x80 : 0) | len);
	if (masked) {
		memcpy(buf + n, key, 4);
		n += 4;
	}
	for (size_t i = 0; i < len; i++)
		buf[n + i] = ((const uint8_t *)payload)[i] ^
			     (masked ? key[i % 4] : 0);
	return n + len;
}

static const char upgrade_head[] =
	"GET /ws HTTP/1.1\r\n"
	"Host: 127.0.0.1:5228\r\n"
	"Upgrade: websocket\r\n"
	"Connection: Upgrade\r\n"
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	"Sec-WebSocket-Version: 13\r\n"
	"Origin: http://127.0.0.1:5228\r\n"
	"User-Agent: Test/1.0 (Linux) \xc3\xa9\r\n"
	"\r\n";

/* The page, its head fed a byte at a time: 200, the body by reference, closed. */
static void test_page_in_pieces(void **state)
{
	struct owner *o = *state;
	const char *req = "GET / HTTP/1.1\r\nHost: 127.0.0.1:5228\r\n\r\n";

	for (const char *p = req; *p != '\0'; p++) {
		assert_int_equal(o->closes, 0);
		webconn_feed(o->w, p, 1);
	}
	assert_true(out_has(o, "HTTP/1.1 200 OK\r\n"));
	assert_true(out_has(o, "Content-Security-Policy: default-src 'self'"));
	assert_true(out_has(o, "X-Content-Type-Options: nosniff"));
	assert_true(out_has(o, "Content-Length: 36\r\n"));
	assert_int_equal(o->statics, 36);
	assert_true(
		out_has(o, "\r\n\r\n<!DOCTYPE html><title>10086</title>\n"));
	assert_int_equal(o->closes, 1);
	assert_int_equal(o->upgraded, 0);
	assert_false(webconn_is_call(o->w));
	/* Anything more is dropped, not answered twice. */
	feed(o, "GET /hotline.js HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(o->closes, 1);
	assert_false(out_has(o, "/* hotline.js */"));
}

/* A file of the page's own by its path; any other path is 404, no file read. */
static void test_asset_and_404(void **state)
{
	struct owner *o = *state;
	struct webconn *second;

	feed(o, "GET /xterm/addon-fit.js HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_true(out_has(o, "Content-Type: text/javascript"));
	assert_true(out_has(o, "/* xterm/addon-fit.js */\n"));
	strbuf_reset(&o->out);
	second = webconn_new(o->base, &o->env, 2, NULL, &cbs, o);
	webconn_feed(second, "GET /../index.html HTTP/1.1\r\nHost: h\r\n\r\n",
		     strlen("GET /../index.html HTTP/1.1\r\nHost: h\r\n\r\n"));
	webconn_free(second);
	assert_true(out_has(o, "HTTP/1.1 404 Not Found\r\n"));
	assert_false(out_has(o, "<!DOCTYPE"));
	assert_int_equal(o->closes, 2);
}

/* POST is 405 with Allow; a request line that is not HTTP is 400. */
static void test_method_and_garbage(void **state)
{
	struct owner *o = *state;
	struct webconn *second;

	feed(o, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
	assert_true(out_has(o, "HTTP/1.1 405 Method Not Allowed\r\n"));
	assert_true(out_has(o, "Allow: GET\r\n"));
	strbuf_reset(&o->out);
	second = webconn_new(o->base, &o->env, 2, NULL, &cbs, o);
	webconn_feed(second, "GET \x01\x02 nonsense\r\n\r\n",
		     strlen("GET \x01\x02 nonsense\r\n\r\n"));
	webconn_free(second);
	assert_true(out_has(o, "HTTP/1.1 400 Bad Request\r\n"));
	assert_int_equal(o->closes, 2);
}

/* A head that never ends is 431 once past 8 KiB, fed in 1000-byte reads. */
static void test_head_too_big(void **state)
{
	struct owner *o = *state;
	char chunk[1000];
	int reads = 0;

	feed(o, "GET / HTTP/1.1\r\n");
	memset(chunk, 'a', sizeof(chunk));
	while (o->closes == 0 && reads < 20) {
		webconn_feed(o->w, chunk, sizeof(chunk));
		reads++;
	}
	assert_int_equal(o->closes, 1);
	assert_in_range(reads, 8, 10);
	assert_true(out_has(o, "HTTP/1.1 431 "));
}

/* An upgrade from another site's page is 403, and no call starts. */
static void test_foreign_origin(void **state)
{
	struct owner *o = *state;
	char req[sizeof(upgrade_head) + 16];
	char *p;

	snprintf(req, sizeof(req), "%s", upgrade_head);
	p = strstr(req, "Origin: http://127.0.0.1:5228");
	assert_non_null(p);
	memcpy(p, "Origin: http://evil.example:80", 30);
	feed(o, req);
	assert_true(out_has(o, "HTTP/1.1 403 Forbidden\r\n"));
	assert_int_equal(o->upgraded, 0);
	assert_int_equal(o->closes, 1);
}

/* The 101 (RFC 6455's example key), frames in the same read go up whole. */
static void test_upgrade_then_frames(void **state)
{
	struct owner *o = *state;
	uint8_t buf[sizeof(upgrade_head) + 64];
	size_t n = sizeof(upgrade_head) - 1;

	memcpy(buf, upgrade_head, n);
	n += client_frame(buf + n, false, 2, "\xff\xfd", 2, true);
	n += client_frame(buf + n, true, 0,
			  "\x01"
			  "1",
			  2, true);
	webconn_feed(o->w, buf, n);
	assert_true(out_has(o, "HTTP/1.1 101 Switching Protocols\r\n"));
	assert_true(
		out_has(o,
			"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
	assert_int_equal(o->upgraded, 1);
	assert_true(webconn_is_call(o->w));
	assert_int_equal(o->data.len, 4);
	assert_memory_equal(o->data.data,
			    "\xff\xfd\x01"
			    "1",
			    4);
	assert_int_equal(o->closes, 0);
	/* Only printable ASCII of the User-Agent reaches /wire. */
	assert_string_equal(webconn_user_agent(o->w), "Test/1.0 (Linux) ??");
}

/* What the core sends goes out as one unmasked binary frame. */
static void test_send_frames(void **state)
{
	struct owner *o = *state;

	feed(o, upgrade_head);
	strbuf_reset(&o->out);
	assert_int_equal(webconn_send(o->w, "\xff\xfb\x01", 3), 0);
	assert_int_equal(o->out.len, 5);
	assert_memory_equal(o->out.data, "\x82\x03\xff\xfb\x01", 5);
}

/* A hang-up: close frame 1000, nothing more sent, no callback back up. */
static void test_hang_up(void **state)
{
	struct owner *o = *state;

	feed(o, upgrade_head);
	strbuf_reset(&o->out);
	webconn_hang_up(o->w, 1000);
	assert_int_equal(o->out.len, 4);
	assert_memory_equal(o->out.data, "\x88\x02\x03\xe8", 4);
	assert_int_equal(o->ends, 0);
	assert_int_equal(o->closes, 0);
	assert_int_equal(webconn_send(o->w, "x", 1), -1);
	webconn_hang_up(o->w, 1000);
	assert_int_equal(o->out.len, 4);
}

/* The browser closes (a tab closed, 1001): answered, and the call ends once. */
static void test_browser_closes(void **state)
{
	struct owner *o = *state;
	uint8_t buf[16];
	size_t n;

	feed(o, upgrade_head);
	strbuf_reset(&o->out);
	n = client_frame(buf, true, 8, "\x03\xe9", 2, true);
	webconn_feed(o->w, buf, n);
	assert_int_equal(o->ends, 1);
	assert_int_equal(o->closes, 1);
	assert_string_equal(o->reason, "the browser closed the WebSocket");
	assert_true(o->out.len >= 2 && (uint8_t)o->out.data[0] == 0x88);
}

/* An unmasked frame fails the connection with 1002 and ends the call. */
static void test_unmasked_frame(void **state)
{
	struct owner *o = *state;
	uint8_t buf[16];
	size_t n;

	feed(o, upgrade_head);
	strbuf_reset(&o->out);
	n = client_frame(buf, true, 2, "1", 1, false);
	webconn_feed(o->w, buf, n);
	assert_int_equal(o->data.len, 0);
	assert_int_equal(o->ends, 1);
	assert_int_equal(o->closes, 1);
	assert_memory_equal(o->out.data, "\x88\x02\x03\xea", 4);
	assert_string_equal(o->reason, "WebSocket protocol error (close 1002)");
}

/* Text that is not UTF-8 fails it with 1007. */
static void test_text_not_utf8(void **state)
{
	struct owner *o = *state;
	uint8_t buf[16];
	size_t n;

	feed(o, upgrade_head);
	strbuf_reset(&o->out);
	n = client_frame(buf, true, 1, "\xc3\x28", 2, true);
	webconn_feed(o->w, buf, n);
	assert_int_equal(o->closes, 1);
	assert_memory_equal(o->out.data, "\x88\x02\x03\xef", 4);
	assert_string_equal(o->reason, "WebSocket text not UTF-8 (close 1007)");
}

/* A page folder without xterm.js (npm ci never ran) is refused, saying which file. */
static void test_page_missing_file(void **state)
{
	struct owner *o = *state;
	char path[128], err[256];

	snprintf(path, sizeof(path), "%s/xterm/xterm.js", o->dir);
	assert_int_equal(unlink(path), 0);
	assert_null(webpage_load(o->dir, err, sizeof(err)));
	assert_non_null(strstr(err, "xterm/xterm.js: No such file"));
	put_file(o->dir, "xterm/xterm.js", "// xterm\n");
}

/* What the teacher's layer was handed. */
struct teacher_seen {
	struct webconn *w;
	char target[64];
	char body[HTTP_MAX_BODY + 1];
	size_t body_len;
	int requests, gone;
};

static void teacher_request(void *ctx, struct webconn *w,
			    const struct http_request *req, const char *body,
			    size_t len, const struct sockaddr *peer)
{
	struct teacher_seen *t = ctx;

	(void)peer;
	t->w = w;
	snprintf(t->target, sizeof(t->target), "%s", req->target);
	memcpy(t->body, body, len);
	t->body_len = len;
	t->requests++;
}

static void teacher_gone(void *ctx, struct webconn *w)
{
	struct teacher_seen *t = ctx;

	if (w == t->w)
		t->gone++;
}

/*
 * /teacher goes to the teacher's layer once its POST body is whole (here
 * a byte at a time), nothing is answered meanwhile, its answer closes,
 * and it hears when the webconn goes; without a teacher, 404.
 */
static void test_teacher_request(void **state)
{
	struct owner *o = *state;
	struct teacher_seen seen = { 0 };
	const struct webconn_teacher teacher = { teacher_request, teacher_gone,
						 &seen };
	static const char req[] = "POST /teacher/login HTTP/1.1\r\nHost: h\r\n"
				  "Content-Length: 14\r\n\r\n"
				  "{\"secret\":\"k\"}EXTRA";

	feed(o, "GET /teacher HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_true(out_has(o, "HTTP/1.1 404 Not Found\r\n"));
	webconn_free(o->w);
	strbuf_reset(&o->out);
	o->env.teacher = &teacher;
	o->w = webconn_new(o->base, &o->env, 1, NULL, &cbs, o);
	for (size_t i = 0; i < sizeof(req) - 1; i++)
		webconn_feed(o->w, req + i, 1);
	assert_int_equal(seen.requests, 1);
	assert_string_equal(seen.target, "/teacher/login");
	assert_int_equal(seen.body_len, 14);
	assert_memory_equal(seen.body, "{\"secret\":\"k\"}", 14);
	assert_int_equal(o->out.len, 0);
	assert_int_equal(o->closes, 1); /* the 404's */
	webconn_respond(o->w, 401, "application/json", "X-A: b\r\n", "{}", 2);
	assert_true(out_has(o, "HTTP/1.1 401 Unauthorized\r\n"));
	assert_true(out_has(o, "X-A: b\r\n\r\n{}"));
	assert_int_equal(o->closes, 2);
	webconn_free(o->w);
	o->w = NULL;
	assert_int_equal(seen.gone, 1);
}

/* A stream has no length and takes writes until the end. */
static void test_teacher_stream(void **state)
{
	struct owner *o = *state;
	struct teacher_seen seen = { 0 };
	const struct webconn_teacher teacher = { teacher_request, teacher_gone,
						 &seen };

	o->env.teacher = &teacher;
	webconn_free(o->w);
	o->w = webconn_new(o->base, &o->env, 1, NULL, &cbs, o);
	feed(o, "GET /teacher/api/events HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_int_equal(seen.requests, 1);
	webconn_stream_start(o->w, "text/event-stream", NULL);
	webconn_stream_write(o->w, "data: 1\n\n", 9);
	assert_true(out_has(o, "HTTP/1.1 200 OK\r\n"));
	assert_false(out_has(o, "Content-Length"));
	assert_true(out_has(o, "\r\n\r\ndata: 1\n\n"));
	/* What the reader sends now is dropped, not parsed. */
	feed(o, "GET / HTTP/1.1\r\n\r\n");
	assert_int_equal(seen.requests, 1);
	assert_int_equal(o->closes, 0);
	webconn_free(o->w);
	o->w = NULL;
	assert_int_equal(seen.gone, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_page_in_pieces, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_asset_and_404, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_teacher_request, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_teacher_stream, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_method_and_garbage, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_head_too_big, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_foreign_origin, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_then_frames, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_send_frames, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hang_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_browser_closes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unmasked_frame, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_text_not_utf8, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_page_missing_file, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
