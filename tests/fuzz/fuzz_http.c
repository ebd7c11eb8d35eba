/*
 * fuzz_http: the request head parser, the router and the response heads
 * on any bytes. A parse must end in one of its three results with a
 * status it may give; a head it took must parse the same on its own
 * bytes; a route must be a file of the table, an upgrade with a
 * well-formed accept value, or a status the router may give; and every
 * response must be one well-formed head.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "mem.h"
#include "proto/http.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A response: its status line, and a blank line ending the head. */
static void check_response(const struct strbuf *out, int status)
{
	char line[16];

	FUZZ_CHECK(out->len > 12);
	snprintf(line, sizeof(line), "HTTP/1.1 %d ", status);
	FUZZ_CHECK(memcmp(out->data, line, strlen(line)) == 0);
	FUZZ_CHECK(memmem(out->data, out->len, "\r\n\r\n", 4) != NULL);
}

/* Checks the route of a parsed request and the response it gives. */
static void check_route(const struct http_request *req)
{
	static const char *const origins[] = { "http://hotline.example", NULL };
	struct http_route route;
	struct strbuf out;

	strbuf_init(&out);
	http_route(req, origins, &route);
	switch (route.kind) {
	case HTTP_ROUTE_ASSET:
		FUZZ_CHECK(route.status == 200);
		FUZZ_CHECK(route.asset >= http_assets &&
			   route.asset < http_assets + http_nassets);
		FUZZ_CHECK(strncmp(req->target, route.asset->path,
				   strlen(route.asset->path)) == 0);
		/* The teacher's files are never served without the check. */
		FUZZ_CHECK(!route.asset->teacher);
		http_response_asset(route.asset, (size_t)12345, &out);
		check_response(&out, 200);
		break;
	case HTTP_ROUTE_UPGRADE:
		FUZZ_CHECK(route.status == 101);
		FUZZ_CHECK(strlen(route.accept) == HTTP_ACCEPT_LEN);
		FUZZ_CHECK(strncmp(req->target, "/ws", 3) == 0);
		http_response_upgrade(&route, &out);
		check_response(&out, 101);
		break;
	case HTTP_ROUTE_ERROR:
		FUZZ_CHECK(route.status == 400 || route.status == 403 ||
			   route.status == 404 ||
			   (route.status == 405 &&
			    strcmp(req->method, "GET") != 0));
		http_response_error(route.status, &out);
		check_response(&out, route.status);
		break;
	case HTTP_ROUTE_TEACHER:
		FUZZ_CHECK(strncmp(req->target, "/teacher", 8) == 0 &&
			   (req->target[8] == '\0' || req->target[8] == '/' ||
			    req->target[8] == '?' || req->target[8] == '#'));
		break;
	}
	strbuf_fini(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request *req = xmalloc(sizeof(*req));
	struct http_request *again = xmalloc(sizeof(*again));
	const char *buf = (const char *)data;
	struct strbuf out;

	switch (http_parse(req, buf, size)) {
	case HTTP_PARSE_MORE:
		FUZZ_CHECK(size < HTTP_MAX_HEAD);
		break;
	case HTTP_PARSE_ERROR:
		FUZZ_CHECK(req->status == 400 || req->status == 405 ||
			   req->status == 411 || req->status == 413 ||
			   req->status == 431);
		strbuf_init(&out);
		http_response_error(req->status, &out);
		check_response(&out, req->status);
		strbuf_fini(&out);
		break;
	case HTTP_PARSE_DONE:
		FUZZ_CHECK(req->len > 0 && req->len <= size &&
			   req->len <= HTTP_MAX_HEAD);
		FUZZ_CHECK(strcmp(req->method, "GET") == 0 ||
			   (strcmp(req->method, "POST") == 0 &&
			    req->body_len <= HTTP_MAX_BODY));
		FUZZ_CHECK(req->target[0] == '/');
		FUZZ_CHECK(req->minor == 0 || req->minor == 1);
		FUZZ_CHECK(req->nheaders <= HTTP_MAX_HEADERS);
		for (size_t i = 0; i < req->nheaders; i++)
			FUZZ_CHECK(req->headers[i].name[0] != '\0');
		/* The head alone is the same request. */
		FUZZ_CHECK(http_parse(again, buf, req->len) == HTTP_PARSE_DONE);
		FUZZ_CHECK(again->len == req->len &&
			   again->nheaders == req->nheaders);
		check_route(req);
		break;
	}
	free(again);
	free(req);
	return 0;
}
