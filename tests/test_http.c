/*
 * test_http: the request head parser (whole, split, every malformed case
 * of issue 17's "Bad input": 400, 405, 431), the router (the page's own
 * files only, 404 for any other path, the WebSocket upgrade and each way
 * it is refused: 400, 403), the Sec-WebSocket-Accept of RFC 6455's own
 * example, and the response heads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mem.h"
#include "proto/http.h"
#include "strbuf.h"

/* RFC 6455 1.3's example key and the accept value it gives. */
#define RFC_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define RFC_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

/* A browser's upgrade request, with a hole for one more header line. */
#define UPGRADE(extra)                                                         \
	"GET /ws HTTP/1.1\r\n"                                                 \
	"Host: 192.0.2.1:5228\r\n"                                             \
	"Upgrade: websocket\r\n"                                               \
	"Connection: Upgrade\r\n" extra "\r\n"

/* The headers an upgrade needs besides Host, Upgrade and Connection. */
#define KEY_VERSION                                                            \
	"Sec-WebSocket-Key: " RFC_KEY "\r\nSec-WebSocket-Version: 13\r\n"

/* A request being parsed and a response being written. */
struct fixture {
	struct http_request req;
	struct http_route route;
	struct strbuf out;
};

/* Gives each case a request (large: heap, not stack) and an empty buffer. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	strbuf_init(&f->out);
	*state = f;
	return 0;
}

/* Frees the fixture. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	strbuf_fini(&f->out);
	free(f);
	return 0;
}

/* Parses a literal's bytes (sizeof - 1 keeps embedded NULs). */
#define PARSE(f, lit) http_parse(&(f)->req, (lit), sizeof(lit) - 1)

/* Checks a literal fails to parse with status. */
static void expect_error(struct fixture *f, const char *lit, size_t n,
			 int status)
{
	assert_int_equal(http_parse(&f->req, lit, n), HTTP_PARSE_ERROR);
	assert_int_equal(f->req.status, status);
}

/* Parses a literal that must be well formed, then routes it. */
static void route(struct fixture *f, const char *lit, size_t n,
		  const char *const *origins)
{
	assert_int_equal(http_parse(&f->req, lit, n), HTTP_PARSE_DONE);
	http_route(&f->req, origins, &f->route);
}

#define ROUTE(f, lit) route((f), (lit), sizeof(lit) - 1, NULL)

/* Checks a well-formed literal routes to an error status. */
#define EXPECT_ROUTE_ERROR(f, lit, want)                                       \
	do {                                                                   \
		ROUTE((f), (lit));                                             \
		assert_int_equal((f)->route.kind, HTTP_ROUTE_ERROR);           \
		assert_int_equal((f)->route.status, (want));                   \
	} while (0)

/* A browser's GET / is parsed whole: fields, headers, where it ends. */
static void test_parse_whole(void **state)
{
	struct fixture *f = *state;
	static const char req[] = "GET /?lang=zh HTTP/1.1\r\n"
				  "Host: 192.0.2.1:5228\r\n"
				  "User-Agent:  Mozilla/5.0 (X11)  \r\n"
				  "accept-language:zh-CN\r\n"
				  "Accept: */*\r\n"
				  "\r\n"
				  "after";
	size_t n;

	assert_int_equal(PARSE(f, req), HTTP_PARSE_DONE);
	assert_string_equal(f->req.method, "GET");
	assert_string_equal(f->req.target, "/?lang=zh");
	assert_int_equal(f->req.minor, 1);
	assert_int_equal(f->req.nheaders, 4);
	/* What follows the blank line is not the head's. */
	assert_int_equal(f->req.len, sizeof(req) - 1 - strlen("after"));
	assert_string_equal(http_request_header(&f->req, "user-agent", &n),
			    "Mozilla/5.0 (X11)");
	assert_int_equal(n, 1);
	assert_string_equal(http_request_header(&f->req, "Accept-Language",
						NULL),
			    "zh-CN");
	assert_null(http_request_header(&f->req, "Cookie", &n));
	assert_int_equal(n, 0);
}

/* A head that arrives in pieces is MORE until its blank line; bare LF ends lines too. */
static void test_parse_split(void **state)
{
	struct fixture *f = *state;
	static const char req[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	static const char lf[] = "GET / HTTP/1.0\nHost: a\n\n";

	for (size_t n = 0; n < sizeof(req) - 1; n++)
		assert_int_equal(http_parse(&f->req, req, n), HTTP_PARSE_MORE);
	assert_int_equal(PARSE(f, req), HTTP_PARSE_DONE);
	assert_int_equal(PARSE(f, lf), HTTP_PARSE_DONE);
	assert_int_equal(f->req.minor, 0);
	assert_int_equal(f->req.len, sizeof(lf) - 1);
	/* HTTP/1.0 may leave Host out. */
	assert_int_equal(PARSE(f, "GET / HTTP/1.0\r\n\r\n"), HTTP_PARSE_DONE);
}

/* Heads over 8 KiB, or with too many lines, are 431. */
static void test_parse_too_large(void **state)
{
	struct fixture *f = *state;
	struct strbuf big;

	strbuf_init(&big);
	strbuf_append_str(&big, "GET / HTTP/1.1\r\nHost: a\r\nCookie: ");
	while (big.len < HTTP_MAX_HEAD - 10)
		strbuf_append_char(&big, 'x');
	/* Just under the limit, unfinished: wait. */
	assert_int_equal(http_parse(&f->req, big.data, big.len),
			 HTTP_PARSE_MORE);
	/* Whole and exactly at the limit: fine. */
	while (big.len < HTTP_MAX_HEAD - 4)
		strbuf_append_char(&big, 'x');
	strbuf_append_str(&big, "\r\n\r\n");
	assert_int_equal(big.len, HTTP_MAX_HEAD);
	assert_int_equal(http_parse(&f->req, big.data, big.len),
			 HTTP_PARSE_DONE);
	/* One byte more, and the end falls past the limit. */
	big.len -= 4;
	strbuf_append_str(&big, "x\r\n\r\n");
	expect_error(f, big.data, big.len, 431);
	/* The limit reached without a blank line: no need to wait. */
	expect_error(f, big.data, HTTP_MAX_HEAD, 431);

	strbuf_reset(&big);
	strbuf_append_str(&big, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 0; i < HTTP_MAX_HEADERS; i++)
		strbuf_printf(&big, "X-%d: y\r\n", i);
	strbuf_append_str(&big, "\r\n");
	expect_error(f, big.data, big.len, 431);
	strbuf_fini(&big);
}

/* A head that must fail, the status it must fail with, and why. */
struct bad_head {
	const char *head;
	size_t len;
	int status;
};

/* A literal's bytes (sizeof - 1 keeps embedded NULs) and its status. */
#define BAD(lit, status)                                                       \
	{                                                                      \
		(lit), sizeof(lit) - 1, (status)                               \
	}

/* Every malformed request line is 400. */
static const struct bad_head bad_request_lines[] = {
	BAD("\r\n\r\n", 400),
	BAD("GET\r\nHost: a\r\n\r\n", 400),
	BAD("GET /\r\nHost: a\r\n\r\n", 400),
	BAD("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
	BAD("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400),
	BAD(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
	BAD("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 400),
	BAD("GET / http/1.1\r\nHost: a\r\n\r\n", 400),
	BAD("GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400),
	/* Only origin-form targets: no "*", no absolute URL, no controls. */
	BAD("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
	BAD("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400),
	BAD("GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400),
	BAD("GET /\xe4\xbd\xa0 HTTP/1.1\r\nHost: a\r\n\r\n", 400),
	BAD("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
	/* A NUL or a bare CR anywhere. */
	BAD("GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n", 400),
	BAD("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", 400),
};

/* Every malformed header line is 400, and so is a missing or doubled Host. */
static const struct bad_head bad_headers[] = {
	BAD("GET / HTTP/1.1\r\nHost a\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n", 400),
	/* White space before the colon (RFC 9112 5.1). */
	BAD("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
	/* A folded line (obs-fold). */
	BAD("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\nHost: a\r\nX: b\x01\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\nHost: a\r\nX: b\x7f\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\nHost: a\r\nX: b\0\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\nX: b\r\n\r\n", 400),
	BAD("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400),
};

/*
 * Any method but GET and POST is 405, once the head is well formed; a
 * POST must say its body's length, at most HTTP_MAX_BODY.
 */
static const struct bad_head bad_methods[] = {
	BAD("POST / HTTP/1.1\r\nHost: a\r\n\r\n", 411),
	BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n",
	    411),
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    411),
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4097\r\n\r\n", 413),
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "99999999999999999999999999\r\n\r\n",
	    413),
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400),
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400),
	BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
	    "Content-Length: 2\r\n\r\n",
	    400),
	BAD("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", 405),
	BAD("get / HTTP/1.1\r\nHost: a\r\n\r\n", 405),
	BAD("OPTIONS /ws HTTP/1.1\r\nHost: a\r\n\r\n", 405),
	/* Malformed first: 400 before 405. */
	BAD("POST / HTTP/1.1\r\n\r\n", 400),
};

/* Checks each head of a table fails with its status. */
static void expect_bad(struct fixture *f, const struct bad_head *bad, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect_error(f, bad[i].head, bad[i].len, bad[i].status);
}

/* Every malformed request line is 400. */
static void test_parse_bad_request_line(void **state)
{
	expect_bad(*state, bad_request_lines, ARRAY_LEN(bad_request_lines));
}

/* Every malformed header line is 400; an empty value or UTF-8 in one is not. */
static void test_parse_bad_headers(void **state)
{
	struct fixture *f = *state;

	expect_bad(f, bad_headers, ARRAY_LEN(bad_headers));
	assert_int_equal(PARSE(f, "GET / HTTP/1.1\r\nHost: a\r\nX:\r\n"
				  "Y: \xe4\xbd\xa0\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_string_equal(http_request_header(&f->req, "X", NULL), "");
}

/* Any method but GET and POST is 405; a POST's length is checked. */
static void test_parse_method(void **state)
{
	struct fixture *f = *state;

	expect_bad(f, bad_methods, ARRAY_LEN(bad_methods));
	assert_int_equal(PARSE(f, "POST /teacher/login HTTP/1.1\r\nHost: a\r\n"
				  "Content-Length: 4096\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_int_equal(f->req.body_len, HTTP_MAX_BODY);
	assert_int_equal(PARSE(f, "POST / HTTP/1.1\r\nHost: a\r\n"
				  "Content-Length: 0\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_int_equal(f->req.body_len, 0);
	/* Only the teacher's paths take one. */
	EXPECT_ROUTE_ERROR(f,
			   "POST / HTTP/1.1\r\nHost: a\r\n"
			   "Content-Length: 0\r\n\r\n",
			   405);
	EXPECT_ROUTE_ERROR(f,
			   "POST /ws HTTP/1.1\r\nHost: a\r\n"
			   "Content-Length: 0\r\n\r\n",
			   405);
}

/*
 * /teacher and every path under it go to the teacher's owner, GET or
 * POST; a look-alike does not; the teacher's files are found by path.
 */
static void test_route_teacher(void **state)
{
	struct fixture *f = *state;
	static const char *const teacher[] = {
		"GET /teacher HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /teacher?x=1 HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /teacher/ HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /teacher/api/sessions HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /teacher/../etc HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST /teacher/login HTTP/1.1\r\nHost: a\r\n"
		"Content-Length: 0\r\n\r\n",
	};
	const struct http_asset *a;

	for (size_t i = 0; i < ARRAY_LEN(teacher); i++) {
		route(f, teacher[i], strlen(teacher[i]), NULL);
		assert_int_equal(f->route.kind, HTTP_ROUTE_TEACHER);
	}
	EXPECT_ROUTE_ERROR(f, "GET /teachers HTTP/1.1\r\nHost: a\r\n\r\n", 404);
	EXPECT_ROUTE_ERROR(f, "GET /Teacher HTTP/1.1\r\nHost: a\r\n\r\n", 404);
	a = http_teacher_asset("/teacher", 8);
	assert_non_null(a);
	assert_true(a->teacher);
	assert_string_equal(a->file, "teacher/index.html");
	assert_non_null(http_teacher_asset("/teacher/graph.js", 17));
	assert_null(http_teacher_asset("/teacher/", 9));
	assert_null(http_teacher_asset("/", 1));
	/* The public page's files are not the teacher's. */
	assert_null(http_teacher_asset("/hotline.js", 11));
}

/* The page's own files are served; every other path is 404. */
static void test_route_assets(void **state)
{
	struct fixture *f = *state;

	ROUTE(f, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_int_equal(f->route.kind, HTTP_ROUTE_ASSET);
	assert_int_equal(f->route.status, 200);
	assert_string_equal(f->route.asset->file, "index.html");
	assert_string_equal(f->route.asset->type, "text/html; charset=utf-8");
	ROUTE(f, "GET /?call=1 HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_string_equal(f->route.asset->file, "index.html");
	for (size_t i = 0; i < http_nassets; i++) {
		struct strbuf req;

		if (http_assets[i].teacher)
			continue; /* test_route_teacher */
		strbuf_init(&req);
		strbuf_printf(&req, "GET %s HTTP/1.1\r\nHost: a\r\n\r\n",
			      http_assets[i].path);
		route(f, req.data, req.len, NULL);
		assert_int_equal(f->route.kind, HTTP_ROUTE_ASSET);
		assert_ptr_equal(f->route.asset, &http_assets[i]);
		/* A file name never climbs out of the page's folder. */
		assert_null(strstr(http_assets[i].file, ".."));
		assert_true(http_assets[i].file[0] != '/');
		strbuf_fini(&req);
	}
	EXPECT_ROUTE_ERROR(f, "GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n",
			   404);
	EXPECT_ROUTE_ERROR(f, "GET /../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n",
			   404);
	EXPECT_ROUTE_ERROR(
		f, "GET /xterm/../hotline.js HTTP/1.1\r\nHost: a\r\n\r\n", 404);
	EXPECT_ROUTE_ERROR(f, "GET //hotline.js HTTP/1.1\r\nHost: a\r\n\r\n",
			   404);
	EXPECT_ROUTE_ERROR(f, "GET /hotline.js/ HTTP/1.1\r\nHost: a\r\n\r\n",
			   404);
	EXPECT_ROUTE_ERROR(f, "GET /%68otline.js HTTP/1.1\r\nHost: a\r\n\r\n",
			   404);
	EXPECT_ROUTE_ERROR(f, "GET /wsx HTTP/1.1\r\nHost: a\r\n\r\n", 404);
	EXPECT_ROUTE_ERROR(f, "GET /favicon.ico HTTP/1.1\r\nHost: a\r\n\r\n",
			   404);
}

/* RFC 6455's own example key gives its accept value; bad keys none. */
static void test_websocket_accept(void **state)
{
	char accept[HTTP_ACCEPT_LEN + 1];

	(void)state;
	assert_int_equal(http_websocket_accept(RFC_KEY, accept), 0);
	assert_string_equal(accept, RFC_ACCEPT);
	/* 15 and 17 bytes, 23 characters, characters outside base64. */
	assert_int_equal(http_websocket_accept("dGhlIHNhbXBsZSBub25jZQ=",
					       accept),
			 -1);
	assert_int_equal(http_websocket_accept("dGhlIHNhbXBsZSBub25j", accept),
			 -1);
	assert_int_equal(http_websocket_accept("dGhlIHNhbXBsZSBub25jZWU=",
					       accept),
			 -1);
	assert_int_equal(http_websocket_accept("dGhlIHNhbXBsZSBub25jZQ",
					       accept),
			 -1);
	assert_int_equal(http_websocket_accept("dGhlIHNhbXBsZSBub25jZ*==",
					       accept),
			 -1);
	assert_int_equal(http_websocket_accept("dGhlIHNhbX BsZSBub25jZ==",
					       accept),
			 -1);
	assert_int_equal(http_websocket_accept("", accept), -1);
}

/* A browser's upgrade is 101 with the key's accept value. */
static void test_route_upgrade(void **state)
{
	struct fixture *f = *state;

	ROUTE(f, UPGRADE(KEY_VERSION "Origin: http://192.0.2.1:5228\r\n"));
	assert_int_equal(f->route.kind, HTTP_ROUTE_UPGRADE);
	assert_int_equal(f->route.status, 101);
	assert_string_equal(f->route.accept, RFC_ACCEPT);
	/* Lists and case, as browsers and proxies write them. */
	ROUTE(f, "GET /ws?x HTTP/1.1\r\nHost: 192.0.2.1:5228\r\n"
		 "upgrade: WebSocket\r\n"
		 "Connection: keep-alive, Upgrade\r\n" KEY_VERSION "\r\n");
	assert_int_equal(f->route.kind, HTTP_ROUTE_UPGRADE);
	/* No Origin: not a browser, so not a cross-site request. */
	ROUTE(f, UPGRADE(KEY_VERSION));
	assert_int_equal(f->route.kind, HTTP_ROUTE_UPGRADE);
}

/* A wrong or missing key, version, Upgrade or Connection is 400. */
static void test_route_upgrade_bad(void **state)
{
	struct fixture *f = *state;

	EXPECT_ROUTE_ERROR(f, UPGRADE("Sec-WebSocket-Version: 13\r\n"), 400);
	EXPECT_ROUTE_ERROR(f,
			   UPGRADE("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j\r\n"
				   "Sec-WebSocket-Version: 13\r\n"),
			   400);
	EXPECT_ROUTE_ERROR(f,
			   UPGRADE(KEY_VERSION "Sec-WebSocket-Key: " RFC_KEY
					       "\r\n"),
			   400);
	EXPECT_ROUTE_ERROR(f, UPGRADE("Sec-WebSocket-Key: " RFC_KEY "\r\n"),
			   400);
	EXPECT_ROUTE_ERROR(f,
			   UPGRADE("Sec-WebSocket-Key: " RFC_KEY "\r\n"
				   "Sec-WebSocket-Version: 8\r\n"),
			   400);
	EXPECT_ROUTE_ERROR(f,
			   UPGRADE("Sec-WebSocket-Key: " RFC_KEY "\r\n"
				   "Sec-WebSocket-Version: 13, 8\r\n"),
			   400);
	EXPECT_ROUTE_ERROR(f,
			   "GET /ws HTTP/1.1\r\nHost: a\r\n" KEY_VERSION
			   "Connection: Upgrade\r\n\r\n",
			   400);
	EXPECT_ROUTE_ERROR(f,
			   "GET /ws HTTP/1.1\r\nHost: a\r\n" KEY_VERSION
			   "Upgrade: websocket\r\n"
			   "Connection: keep-alive\r\n\r\n",
			   400);
	EXPECT_ROUTE_ERROR(f,
			   "GET /ws HTTP/1.1\r\nHost: a\r\n" KEY_VERSION
			   "Upgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
			   400);
	/* WebSocket needs HTTP/1.1. */
	EXPECT_ROUTE_ERROR(f,
			   "GET /ws HTTP/1.0\r\nHost: a\r\n" KEY_VERSION
			   "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
			   400);
	/* A plain GET of /ws. */
	EXPECT_ROUTE_ERROR(f, "GET /ws HTTP/1.1\r\nHost: a\r\n\r\n", 400);
}

/* The Origin check on its own, as the teacher's POSTs use it too. */
static void test_origin_is_host(void **state)
{
	(void)state;
	assert_true(
		http_origin_is_host("http://192.0.2.1:5228", "192.0.2.1:5228"));
	assert_true(
		http_origin_is_host("HTTP://Hotline.Lan", "hotline.lan:80"));
	assert_true(http_origin_is_host("http://[::1]:5228", "[::1]:5228"));
	assert_false(http_origin_is_host("http://h", "h:5228"));
	assert_false(http_origin_is_host("http://h:5228", "g:5228"));
	assert_false(http_origin_is_host("null", "h"));
	assert_false(http_origin_is_host("ftp://h", "h:80"));
	assert_false(http_origin_is_host(NULL, "h"));
	assert_false(http_origin_is_host("http://h", NULL));
}

/* An Origin is the page's own host and port, or one allowed; else 403. */
static void test_route_origin(void **state)
{
	struct fixture *f = *state;
	static const char *const extra[] = { "https://hotline.example.org",
					     NULL };

	EXPECT_ROUTE_ERROR(f,
			   UPGRADE(KEY_VERSION
				   "Origin: http://evil.example\r\n"),
			   403);
	EXPECT_ROUTE_ERROR(f,
			   UPGRADE(KEY_VERSION
				   "Origin: http://192.0.2.1:5229\r\n"),
			   403);
	EXPECT_ROUTE_ERROR(f,
			   UPGRADE(KEY_VERSION "Origin: http://192.0.2.1\r\n"),
			   403);
	EXPECT_ROUTE_ERROR(f, UPGRADE(KEY_VERSION "Origin: null\r\n"), 403);
	EXPECT_ROUTE_ERROR(f,
			   UPGRADE(KEY_VERSION
				   "Origin: http://192.0.2.1:5228\r\n"
				   "Origin: http://192.0.2.1:5228\r\n"),
			   403);
	EXPECT_ROUTE_ERROR(f,
			   UPGRADE(KEY_VERSION
				   "Origin: http://192.0.2.1:5228/x\r\n"),
			   403);
	EXPECT_ROUTE_ERROR(f,
			   UPGRADE(KEY_VERSION
				   "Origin: http://192.0.2.1:99999\r\n"),
			   403);
	EXPECT_ROUTE_ERROR(f,
			   UPGRADE(KEY_VERSION
				   "Origin: http://192.0.2.10:5228\r\n"),
			   403);

	/* Port 80 written or not, host names in any case, IPv6 literals. */
	ROUTE(f, "GET /ws HTTP/1.1\r\nHost: Hotline.Lan\r\n"
		 "Upgrade: websocket\r\nConnection: Upgrade\r\n" KEY_VERSION
		 "Origin: http://hotline.lan:80\r\n\r\n");
	assert_int_equal(f->route.kind, HTTP_ROUTE_UPGRADE);
	ROUTE(f, "GET /ws HTTP/1.1\r\nHost: [2001:db8::1]:5228\r\n"
		 "Upgrade: websocket\r\nConnection: Upgrade\r\n" KEY_VERSION
		 "Origin: http://[2001:DB8::1]:5228\r\n\r\n");
	assert_int_equal(f->route.kind, HTTP_ROUTE_UPGRADE);
	ROUTE(f, "GET /ws HTTP/1.1\r\nHost: [2001:db8::1]:5228\r\n"
		 "Upgrade: websocket\r\nConnection: Upgrade\r\n" KEY_VERSION
		 "Origin: http://[2001:db8::2]:5228\r\n\r\n");
	assert_int_equal(f->route.status, 403);

	/* --web-origin adds origins, compared whole. */
	route(f, UPGRADE(KEY_VERSION "Origin: https://hotline.example.org\r\n"),
	      sizeof(UPGRADE(KEY_VERSION
			     "Origin: https://hotline.example.org\r\n")) -
		      1,
	      extra);
	assert_int_equal(f->route.kind, HTTP_ROUTE_UPGRADE);
	route(f,
	      UPGRADE(KEY_VERSION
		      "Origin: https://hotline.example.org:8443\r\n"),
	      sizeof(UPGRADE(KEY_VERSION
			     "Origin: https://hotline.example.org:8443\r\n")) -
		      1,
	      extra);
	assert_int_equal(f->route.status, 403);
}

/* The 101 carries the accept value; nothing else is added. */
static void test_response_upgrade(void **state)
{
	struct fixture *f = *state;

	ROUTE(f, UPGRADE(KEY_VERSION));
	http_response_upgrade(&f->route, &f->out);
	strbuf_append_char(&f->out, '\0');
	assert_string_equal(f->out.data,
			    "HTTP/1.1 101 Switching Protocols\r\n"
			    "Upgrade: websocket\r\n"
			    "Connection: Upgrade\r\n"
			    "Sec-WebSocket-Accept: " RFC_ACCEPT "\r\n"
			    "\r\n");
}

/* Error responses are whole: their length is right; 405 says Allow. */
static void test_response_error(void **state)
{
	struct fixture *f = *state;
	static const int statuses[] = { 400, 401, 403, 404, 405, 408,
					411, 413, 429, 431, 503 };

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		const char *body;
		char *end;
		unsigned long clen;

		strbuf_reset(&f->out);
		http_response_error(statuses[i], &f->out);
		strbuf_append_char(&f->out, '\0');
		assert_int_equal(strncmp(f->out.data, "HTTP/1.1 ", 9), 0);
		assert_int_equal(strtol(f->out.data + 9, NULL, 10),
				 statuses[i]);
		assert_non_null(strstr(f->out.data, "Connection: close\r\n"));
		assert_non_null(strstr(f->out.data,
				       "X-Content-Type-Options: nosniff\r\n"));
		body = strstr(f->out.data, "\r\n\r\n") + 4;
		clen = strtoul(strstr(f->out.data, "Content-Length: ") + 16,
			       &end, 10);
		assert_int_equal(clen, strlen(body));
		assert_int_equal(strstr(f->out.data, "Allow: GET\r\n") != NULL,
				 statuses[i] == 405);
		assert_string_not_equal(http_status_reason(statuses[i]),
					"Error");
	}
}

/* A file's head carries its type, length and the page's protections. */
static void test_response_asset(void **state)
{
	struct fixture *f = *state;

	http_response_asset(&http_assets[0], 1234, &f->out);
	strbuf_append_char(&f->out, '\0');
	assert_string_equal(f->out.data,
			    "HTTP/1.1 200 OK\r\n"
			    "Content-Type: text/html; charset=utf-8\r\n"
			    "Content-Length: 1234\r\n"
			    "X-Content-Type-Options: nosniff\r\n"
			    "Connection: close\r\n"
			    "Content-Security-Policy: default-src 'self'\r\n"
			    "Cache-Control: no-cache\r\n"
			    "\r\n");
	/* The teacher's page may run Graphviz's WebAssembly; nothing else. */
	strbuf_reset(&f->out);
	http_response_asset(http_teacher_asset("/teacher", 8), 1, &f->out);
	strbuf_append_char(&f->out, '\0');
	assert_non_null(strstr(f->out.data, "script-src 'self' "
					    "'wasm-unsafe-eval'; "));
	assert_non_null(strstr(f->out.data, "Cache-Control: no-store\r\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse_whole, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_parse_split, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_parse_too_large, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_parse_bad_request_line,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_bad_headers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_parse_method, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_route_teacher, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_route_assets, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_websocket_accept, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_route_upgrade, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_route_upgrade_bad, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_origin_is_host, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_route_origin, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_response_upgrade, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_response_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_response_asset, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
