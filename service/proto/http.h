/*
 * http: the HTTP/1.1 side of the port a browser dials, with no I/O. It
 * parses one request head (the request line and the headers), decides
 * what answers it (one of the page's own files, the WebSocket upgrade,
 * or an error status) and writes the response heads, the 101 with its
 * Sec-WebSocket-Accept included.
 *
 * It never touches a socket or a file: the page's files are a fixed table
 * of names, and no path from a URL ever becomes a file name. It knows
 * nothing of WebSocket frames, telnet, sessions or menus.
 */
#ifndef HOTLINE_HTTP_H
#define HOTLINE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/*
 * Longest request head, blank line included: a browser's is under 2 KiB,
 * so 8 KiB leaves room for cookies and bounds memory per caller. Past it,
 * 431.
 */
#define HTTP_MAX_HEAD 8192
/* Header lines kept; more is 431 too (a browser sends about 15). */
#define HTTP_MAX_HEADERS 64
/*
 * Longest POST body: the teacher's page sends a key or a line for /wall
 * as a little JSON, so 4 KiB is ample and bounds what a caller holds.
 * Past it, 413.
 */
#define HTTP_MAX_BODY 4096
/* Length of a Sec-WebSocket-Accept value: base64 of a SHA-1. */
#define HTTP_ACCEPT_LEN 28

enum http_parse_result {
	HTTP_PARSE_MORE, /* no blank line yet and under the limit: read on */
	/*
	 * A whole head, well formed, method GET or POST (a POST says its
	 * body's length, at most HTTP_MAX_BODY: req->body_len bytes follow).
	 */
	HTTP_PARSE_DONE,
	HTTP_PARSE_ERROR, /* answer with req->status and close */
};

struct http_header {
	const char *name;  /* NUL-terminated, in the request's copy */
	const char *value; /* without the white space around it */
};

struct http_request {
	char head[HTTP_MAX_HEAD + 1]; /* the head, cut into NUL-ended fields */
	size_t len; /* bytes of the head, its blank line included */
	const char *method, *target;
	int minor; /* HTTP/1.<minor>: 0 or 1 */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	size_t body_len; /* a POST's Content-Length */
	int status;      /* on HTTP_PARSE_ERROR: 400, 405, 411, 413 or 431 */
};

/* One of the page's files: the URL path it answers and what it is. */
struct http_asset {
	const char *path; /* as the request target names it */
	const char *file; /* under the page's folder; never from a URL */
	const char *type; /* Content-Type */
	/*
	 * The teacher's: under /teacher, served only to the teacher (the
	 * route is HTTP_ROUTE_TEACHER) and with the teacher's page's
	 * Content-Security-Policy (WebAssembly for the graph's layout).
	 */
	bool teacher;
};

enum http_route_kind {
	HTTP_ROUTE_ASSET,   /* serve route->asset */
	HTTP_ROUTE_UPGRADE, /* answer 101, then speak WebSocket */
	HTTP_ROUTE_ERROR,   /* answer route->status and close */
	/*
	 * /teacher and every path under it: only the teacher may look, so
	 * its owner checks who asks before answering (http_teacher_asset
	 * finds the teacher's files).
	 */
	HTTP_ROUTE_TEACHER,
};

struct http_route {
	enum http_route_kind kind;
	int status;                       /* ERROR: 400, 403, 404 or 405 */
	const struct http_asset *asset;   /* ASSET: a row of http_assets */
	char accept[HTTP_ACCEPT_LEN + 1]; /* UPGRADE: Sec-WebSocket-Accept */
};

/* The page's own files, the only ones ever served. */
extern const struct http_asset http_assets[];
extern const size_t http_nassets;

/*
 * Parses the first len bytes a caller sent (all of them, from the start:
 * the caller keeps them until DONE or ERROR). On DONE, req->len bytes
 * are the head; what follows belongs to the next protocol.
 */
enum http_parse_result http_parse(struct http_request *req, const char *buf,
				  size_t len);
/* The first value of a header (case-insensitive name), or NULL; *count says how many there were. */
const char *http_request_header(const struct http_request *req,
				const char *name, size_t *count);
/*
 * Decides the answer to a parsed request. origins, NULL-terminated or
 * NULL, are origins allowed besides the page's own (--web-origin).
 */
void http_route(const struct http_request *req, const char *const *origins,
		struct http_route *route);
/*
 * Whether an Origin ("http://h:p") names the same host and port as a
 * Host header value; false for NULL or anything malformed.
 */
bool http_origin_is_host(const char *origin, const char *host);
/*
 * The teacher's file a path (without its query) names, or NULL; "/teacher"
 * itself is the view's index.html (the login page is the owner's to pick).
 */
const struct http_asset *http_teacher_asset(const char *path, size_t len);
/* Sec-WebSocket-Accept for a key (RFC 6455 4.2.2); 0, or -1 for a bad key. */
int http_websocket_accept(const char *key, char accept[HTTP_ACCEPT_LEN + 1]);

/* The reason phrase of a status this module answers with. */
const char *http_status_reason(int status);
/* Appends a whole error response (head and a one-line body) to out. */
void http_response_error(int status, struct strbuf *out);
/*
 * Appends a response head: the status line, Content-Type, Content-Length
 * (none when length is (size_t)-1: a stream, ended by the close), the
 * headers every answer carries, then extra (whole "Name: value\r\n"
 * lines, or NULL) and the blank line.
 */
void http_response_head(int status, const char *type, size_t length,
			const char *extra, struct strbuf *out);
/* Appends the head of a 200 for an asset whose body is length bytes. */
void http_response_asset(const struct http_asset *asset, size_t length,
			 struct strbuf *out);
/* Appends the 101 Switching Protocols for an UPGRADE route. */
void http_response_upgrade(const struct http_route *route, struct strbuf *out);

#endif
