/*
 * http: parses a request head, routes it and writes response heads, all
 * on buffers (see http.h). Parsing is strict where a lax parser would let
 * two readers of the same bytes disagree (bare CR, folded lines, white
 * space before a colon, two Host headers): those are 400. SHA-1 and
 * base64 come from nettle, not from code of our own.
 */
#include "proto/http.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nettle/base64.h>
#include <nettle/sha1.h>

/* RFC 6455 1.3: appended to the key before hashing. */
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
/* A key is base64 of 16 bytes: 24 characters ending in "==". */
#define WS_KEY_LEN 24
#define WS_KEY_BYTES 16

const struct http_asset http_assets[] = {
	{ "/", "index.html", "text/html; charset=utf-8", false },
	{ "/hotline.js", "hotline.js", "text/javascript; charset=utf-8",
	  false },
	{ "/hotline.css", "hotline.css", "text/css; charset=utf-8", false },
	{ "/xterm/xterm.js", "xterm/xterm.js", "text/javascript; charset=utf-8",
	  false },
	{ "/xterm/xterm.css", "xterm/xterm.css", "text/css; charset=utf-8",
	  false },
	{ "/xterm/addon-fit.js", "xterm/addon-fit.js",
	  "text/javascript; charset=utf-8", false },
	/* Graphviz for the teacher's graph: a library, public as xterm.js is. */
	{ "/viz/viz.js", "viz/viz.js", "text/javascript; charset=utf-8",
	  false },
	/* The teacher's login page: public, so the key can be typed in. */
	{ "/teacher-login.js", "teacher-login.js",
	  "text/javascript; charset=utf-8", false },
	{ "/teacher-login.css", "teacher-login.css", "text/css; charset=utf-8",
	  false },
	{ "/teacher", "teacher/index.html", "text/html; charset=utf-8", true },
	/* Shown at /teacher to whoever has not logged in; not a path. */
	{ "/teacher/login", "teacher/login.html", "text/html; charset=utf-8",
	  true },
	{ "/teacher/teacher.js", "teacher/teacher.js",
	  "text/javascript; charset=utf-8", true },
	{ "/teacher/api.js", "teacher/api.js", "text/javascript; charset=utf-8",
	  true },
	{ "/teacher/table.js", "teacher/table.js",
	  "text/javascript; charset=utf-8", true },
	{ "/teacher/wire.js", "teacher/wire.js",
	  "text/javascript; charset=utf-8", true },
	{ "/teacher/room.js", "teacher/room.js",
	  "text/javascript; charset=utf-8", true },
	{ "/teacher/graph.js", "teacher/graph.js",
	  "text/javascript; charset=utf-8", true },
	{ "/teacher/teacher.css", "teacher/teacher.css",
	  "text/css; charset=utf-8", true },
};
const size_t http_nassets = sizeof(http_assets) / sizeof(http_assets[0]);

/* Whether c may be in a token (RFC 9110 5.6.2): a method or a header name. */
static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Whether c may be in a header value: visible, obs-text, space or tab. */
static bool is_value_char(unsigned char c)
{
	return c == ' ' || c == '\t' || (c > 0x20 && c != 0x7f);
}

/*
 * Finds the end of the head in buf: the offset just past the empty line,
 * or 0 when there is none yet. Lines end in LF or CR LF (RFC 9112 2.2).
 */
static size_t find_end(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/*
 * Cuts the next line off *pos in the copy: NUL-terminates it and returns
 * it, or NULL for a CR that does not end the line.
 */
static char *next_line(char *head, size_t *pos)
{
	char *line = head + *pos;
	char *nl = strchr(line, '\n');
	size_t n = (size_t)(nl - line);

	*pos += n + 1;
	*nl = '\0';
	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
	if (memchr(line, '\r', n) != NULL)
		return NULL;
	return line;
}

/* Parses "METHOD SP target SP HTTP/1.x"; 0, or -1 when malformed. */
static int parse_request_line(struct http_request *req, char *line)
{
	char *sp1, *sp2;

	sp1 = strchr(line, ' ');
	if (sp1 == NULL || sp1 == line)
		return -1;
	*sp1 = '\0';
	for (const char *p = line; *p != '\0'; p++)
		if (!is_tchar((unsigned char)*p))
			return -1;
	req->method = line;
	req->target = sp1 + 1;
	sp2 = strchr(req->target, ' ');
	if (sp2 == NULL || req->target[0] != '/')
		return -1;
	*sp2 = '\0';
	for (const char *p = req->target; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return -1;
	if (strcmp(sp2 + 1, "HTTP/1.1") == 0)
		req->minor = 1;
	else if (strcmp(sp2 + 1, "HTTP/1.0") == 0)
		req->minor = 0;
	else
		return -1;
	return 0;
}

/* Parses "name: value" into the next header; its HTTP status on error, else 0. */
static int parse_header(struct http_request *req, char *line)
{
	char *colon = strchr(line, ':');
	char *value, *end;

	/* A folded line (obs-fold) or no name before the colon. */
	if (colon == NULL || colon == line)
		return 400;
	*colon = '\0';
	for (const char *p = line; *p != '\0'; p++)
		if (!is_tchar((unsigned char)*p))
			return 400;
	value = colon + 1;
	for (const char *p = value; *p != '\0'; p++)
		if (!is_value_char((unsigned char)*p))
			return 400;
	while (*value == ' ' || *value == '\t')
		value++;
	end = value + strlen(value);
	while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (req->nheaders == HTTP_MAX_HEADERS)
		return 431;
	req->headers[req->nheaders].name = line;
	req->headers[req->nheaders].value = value;
	req->nheaders++;
	return 0;
}

/* Fails a parse with status. */
static enum http_parse_result fail(struct http_request *req, int status)
{
	req->status = status;
	return HTTP_PARSE_ERROR;
}

/*
 * A POST's body length from its one Content-Length (RFC 9112 6.2): 0, or
 * the status to fail with: 411 without one (chunked bodies are not taken:
 * a page's fetch always says its length), 400 when malformed, 413 past
 * HTTP_MAX_BODY.
 */
static int body_length(struct http_request *req)
{
	size_t n, nte;
	const char *cl = http_request_header(req, "Content-Length", &n);
	size_t len = 0;

	http_request_header(req, "Transfer-Encoding", &nte);
	if (nte > 0 || n == 0)
		return 411;
	if (n > 1 || *cl == '\0')
		return 400;
	for (const char *p = cl; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return 400;
		if (len > HTTP_MAX_BODY)
			return 413; /* and no overflow, however many digits */
		len = len * 10 + (size_t)(*p - '0');
	}
	if (len > HTTP_MAX_BODY)
		return 413;
	req->body_len = len;
	return 0;
}

enum http_parse_result http_parse(struct http_request *req, const char *buf,
				  size_t len)
{
	size_t end, pos = 0, hosts;
	char *line;
	int status;

	memset(req, 0, sizeof(*req));
	end = find_end(buf, len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD);
	if (end == 0)
		return len >= HTTP_MAX_HEAD ? fail(req, 431) : HTTP_PARSE_MORE;
	if (memchr(buf, '\0', end) != NULL)
		return fail(req, 400);
	memcpy(req->head, buf, end);
	req->head[end] = '\0';
	req->len = end;

	line = next_line(req->head, &pos);
	if (line == NULL || parse_request_line(req, line) < 0)
		return fail(req, 400);
	for (;;) {
		line = next_line(req->head, &pos);
		if (line == NULL)
			return fail(req, 400);
		if (line[0] == '\0')
			break;
		status = parse_header(req, line);
		if (status != 0)
			return fail(req, status);
	}
	/* RFC 9112 3.2: HTTP/1.1 needs exactly one Host. */
	http_request_header(req, "Host", &hosts);
	if (hosts > 1 || (req->minor == 1 && hosts == 0))
		return fail(req, 400);
	if (strcmp(req->method, "POST") == 0) {
		status = body_length(req);
		if (status != 0)
			return fail(req, status);
		return HTTP_PARSE_DONE;
	}
	if (strcmp(req->method, "GET") != 0)
		return fail(req, 405);
	return HTTP_PARSE_DONE;
}

const char *http_request_header(const struct http_request *req,
				const char *name, size_t *count)
{
	const char *first = NULL;
	size_t n = 0;

	for (size_t i = 0; i < req->nheaders; i++) {
		if (strcasecmp(req->headers[i].name, name) != 0)
			continue;
		if (first == NULL)
			first = req->headers[i].value;
		n++;
	}
	if (count != NULL)
		*count = n;
	return first;
}

/* Whether a comma-separated header list holds token (case-insensitive). */
static bool list_has(const char *list, const char *token)
{
	size_t tlen = strlen(token);

	while (list != NULL && *list != '\0') {
		const char *end = strchr(list, ',');
		size_t n = end ? (size_t)(end - list) : strlen(list);

		while (n > 0 && (*list == ' ' || *list == '\t')) {
			list++;
			n--;
		}
		while (n > 0 && (list[n - 1] == ' ' || list[n - 1] == '\t'))
			n--;
		if (n == tlen && strncasecmp(list, token, n) == 0)
			return true;
		list = end ? end + 1 : NULL;
	}
	return false;
}

/*
 * Splits "host[:port]" (host may be "[v6]") into the host's length and a
 * port, dflt when absent; -1 when malformed.
 */
static int split_host_port(const char *s, unsigned dflt, size_t *hlen,
			   unsigned *port)
{
	const char *colon;
	char *end;
	unsigned long p;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL)
			return -1;
		colon = close[1] == ':' ? close + 1 : NULL;
		if (colon == NULL && close[1] != '\0')
			return -1;
	} else {
		colon = strchr(s, ':');
	}
	*hlen = colon ? (size_t)(colon - s) : strlen(s);
	if (*hlen == 0 || memchr(s, '/', *hlen) != NULL)
		return -1;
	*port = dflt;
	if (colon == NULL)
		return 0;
	if (colon[1] < '0' || colon[1] > '9')
		return -1;
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || p == 0 || p > 65535)
		return -1;
	*port = (unsigned)p;
	return 0;
}

/* Whether an Origin names the same host and port as the Host header. */
bool http_origin_is_host(const char *origin, const char *host)
{
	size_t olen, hlen;
	unsigned oport, hport;
	unsigned dflt;

	if (origin == NULL || host == NULL)
		return false;
	if (strncasecmp(origin, "http://", 7) == 0) {
		origin += 7;
		dflt = 80;
	} else if (strncasecmp(origin, "https://", 8) == 0) {
		origin += 8;
		dflt = 443;
	} else {
		return false;
	}
	/* The page is served over plain HTTP: a Host without a port is 80. */
	if (split_host_port(origin, dflt, &olen, &oport) < 0 ||
	    split_host_port(host, 80, &hlen, &hport) < 0)
		return false;
	return olen == hlen && oport == hport &&
	       strncasecmp(origin, host, olen) == 0;
}

/* Whether an Origin is one the request may come from. */
static bool origin_allowed(const char *origin, const char *host,
			   const char *const *origins)
{
	if (http_origin_is_host(origin, host))
		return true;
	for (size_t i = 0; origins != NULL && origins[i] != NULL; i++)
		if (strcasecmp(origin, origins[i]) == 0)
			return true;
	return false;
}

/* Whether key is base64 of exactly 16 bytes, and nothing else. */
static bool ws_key_is_valid(const char *key)
{
	struct base64_decode_ctx ctx;
	uint8_t raw[BASE64_DECODE_LENGTH(WS_KEY_LEN)];
	size_t n = sizeof(raw);

	/* nettle skips white space: the length and the padding rule it out. */
	if (strlen(key) != WS_KEY_LEN || key[22] != '=' || key[23] != '=' ||
	    memchr(key, '=', 22) != NULL || strpbrk(key, " \t") != NULL)
		return false;
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &n, raw, WS_KEY_LEN, key) ||
	    !base64_decode_final(&ctx))
		return false;
	return n == WS_KEY_BYTES;
}

int http_websocket_accept(const char *key, char accept[HTTP_ACCEPT_LEN + 1])
{
	struct sha1_ctx ctx;
	uint8_t digest[SHA1_DIGEST_SIZE];

	if (!ws_key_is_valid(key))
		return -1;
	sha1_init(&ctx);
	sha1_update(&ctx, strlen(key), (const uint8_t *)key);
	sha1_update(&ctx, strlen(WS_GUID), (const uint8_t *)WS_GUID);
	sha1_digest(&ctx, sizeof(digest), digest);
	base64_encode_raw(accept, sizeof(digest), digest);
	accept[HTTP_ACCEPT_LEN] = '\0';
	return 0;
}

/* Checks the upgrade headers of a request for /ws; the status to answer. */
static int route_upgrade(const struct http_request *req,
			 const char *const *origins, struct http_route *route)
{
	const char *key, *version, *origin;
	size_t nkey, nversion, norigin;

	key = http_request_header(req, "Sec-WebSocket-Key", &nkey);
	version = http_request_header(req, "Sec-WebSocket-Version", &nversion);
	origin = http_request_header(req, "Origin", &norigin);
	if (req->minor != 1 ||
	    !list_has(http_request_header(req, "Upgrade", NULL), "websocket") ||
	    !list_has(http_request_header(req, "Connection", NULL), "upgrade"))
		return 400;
	if (nversion != 1 || strcmp(version, "13") != 0)
		return 400;
	if (nkey != 1 || http_websocket_accept(key, route->accept) < 0)
		return 400;
	/*
	 * A browser always sends Origin; only a browser can be made to dial
	 * for another site's page, so a request without one (a load
	 * generator, a test client) is not a cross-site one.
	 */
	if (norigin > 1 ||
	    (norigin == 1 &&
	     !origin_allowed(origin, http_request_header(req, "Host", NULL),
			     origins)))
		return 403;
	return 101;
}

void http_route(const struct http_request *req, const char *const *origins,
		struct http_route *route)
{
	size_t plen = strcspn(req->target, "?#");

	memset(route, 0, sizeof(*route));
	route->kind = HTTP_ROUTE_ERROR;
	route->status = 404;
	if ((plen == 8 && strncmp(req->target, "/teacher", 8) == 0) ||
	    strncmp(req->target, "/teacher/", 9) == 0) {
		route->kind = HTTP_ROUTE_TEACHER;
		route->status = 200;
		return;
	}
	/* Only the teacher's paths take a POST. */
	if (strcmp(req->method, "GET") != 0) {
		route->status = 405;
		return;
	}
	if (plen == 3 && strncmp(req->target, "/ws", 3) == 0) {
		route->status = route_upgrade(req, origins, route);
		if (route->status == 101)
			route->kind = HTTP_ROUTE_UPGRADE;
		else
			route->accept[0] = '\0';
		return;
	}
	for (size_t i = 0; i < http_nassets; i++) {
		if (!http_assets[i].teacher &&
		    strlen(http_assets[i].path) == plen &&
		    strncmp(req->target, http_assets[i].path, plen) == 0) {
			route->kind = HTTP_ROUTE_ASSET;
			route->status = 200;
			route->asset = &http_assets[i];
			return;
		}
	}
}

const struct http_asset *http_teacher_asset(const char *path, size_t len)
{
	for (size_t i = 0; i < http_nassets; i++)
		if (http_assets[i].teacher &&
		    strlen(http_assets[i].path) == len &&
		    strncmp(path, http_assets[i].path, len) == 0)
			return &http_assets[i];
	return NULL;
}

const char *http_status_reason(int status)
{
	switch (status) {
	case 101:
		return "Switching Protocols";
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 429:
		return "Too Many Requests";
	case 401:
		return "Unauthorized";
	case 431:
		return "Request Header Fields Too Large";
	case 503:
		return "Service Unavailable";
	default:
		return "Error";
	}
}

void http_response_error(int status, struct strbuf *out)
{
	const char *reason = http_status_reason(status);

	/* RFC 9110 15.5.6: a 405 says which methods are. */
	http_response_head(status, "text/plain; charset=utf-8",
			   strlen(reason) + 6,
			   status == 405 ? "Allow: GET\r\n" : NULL, out);
	strbuf_printf(out, "%d %s\r\n", status, reason);
}

void http_response_head(int status, const char *type, size_t length,
			const char *extra, struct strbuf *out)
{
	strbuf_printf(out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n", status,
		      http_status_reason(status), type);
	if (length != (size_t)-1)
		strbuf_printf(out, "Content-Length: %zu\r\n", length);
	strbuf_printf(out, "%s%s\r\n",
		      "X-Content-Type-Options: nosniff\r\n"
		      "Connection: close\r\n",
		      extra != NULL ? extra : "");
}

void http_response_asset(const struct http_asset *asset, size_t length,
			 struct strbuf *out)
{
	/* viz.js compiles Graphviz to WebAssembly: only the teacher's page. */
	http_response_head(
		200, asset->type, length,
		asset->teacher
			? "Content-Security-Policy: default-src 'self'; "
			  "script-src 'self' 'wasm-unsafe-eval'; "
			  "frame-ancestors 'none'\r\n"
			  "Cache-Control: no-store\r\n"
			: "Content-Security-Policy: default-src 'self'\r\n"
			  "Cache-Control: no-cache\r\n",
		out);
}

void http_response_upgrade(const struct http_route *route, struct strbuf *out)
{
	strbuf_printf(out,
		      "HTTP/1.1 101 Switching Protocols\r\n"
		      "Upgrade: websocket\r\n"
		      "Connection: Upgrade\r\n"
		      "Sec-WebSocket-Accept: %s\r\n"
		      "\r\n",
		      route->accept);
}
