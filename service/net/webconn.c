/*
 * webconn: a browser's request, answer and WebSocket (see webconn.h).
 * Phases, one way: HEAD (gathering the request head and a POST's body),
 * then DONE (a file or an error was answered: the owner closes once it
 * is written), WEBSOCKET (frames through proto/wsframe.c until a close),
 * or TEACHER (the request is the teacher's layer's to answer) and from
 * there DONE or STREAM (an event stream, written until either side
 * closes).
 */
#include "webconn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log/trace.h"
#include "mem.h"
#include "proto/http.h"
#include "proto/wsframe.h"
#include "strbuf.h"
#include "webpage.h"

enum webconn_phase {
	WEBCONN_HEAD,
	WEBCONN_DONE,
	WEBCONN_WEBSOCKET,
	WEBCONN_TEACHER,
	WEBCONN_STREAM,
};

struct webconn {
	enum webconn_phase phase;
	unsigned id;
	struct sockaddr_storage peer;
	const struct webconn_env *env;
	const struct webconn_cbs *cbs;
	void *ctx;
	struct event *timer; /* HEAD: the head's deadline; then pings */
	/* HEAD only: the bytes so far and the parse (over 8 KiB: not kept). */
	struct strbuf head;
	struct http_request *req;
	struct wsframe *ws;
	time_t last_heard; /* WEBSOCKET: the last byte from the browser */
	time_t next_ping;
	char agent[WEBCONN_AGENT_MAX];
	bool hanging_up;    /* webconn_hang_up sent the close frame */
	bool teacher_holds; /* the teacher's layer has it: say when it goes */
	unsigned long long bytes_in, bytes_out; /* on the socket, for --trace */
};

static void on_timer(evutil_socket_t fd, short what, void *arg);
static void answer_asset(struct webconn *w, const struct http_asset *asset);

/* Bytes for the socket, counted. */
static void put(struct webconn *w, const void *data, size_t len)
{
	w->bytes_out += len;
	w->cbs->write(w->ctx, data, len);
}

/* The page's bytes for the socket, counted. */
static void put_static(struct webconn *w, const void *data, size_t len)
{
	w->bytes_out += len;
	w->cbs->write_static(w->ctx, data, len);
}

/* Seconds on a clock that never jumps. */
static time_t now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Arms the timer for seconds from now. */
static void arm(struct webconn *w, time_t seconds)
{
	struct timeval tv = { .tv_sec = seconds > 0 ? seconds : 0,
			      .tv_usec = 0 };

	evtimer_add(w->timer, &tv);
}

/* --trace: one line of an HTTP head, its control bytes escaped. */
static void trace_head_line(struct webconn *w, enum wiretrace_colour colour,
			    const char *label, const char *line, size_t len)
{
	char esc[512];

	trace_event(w->id, colour, "%s%s", label,
		    trace_escape(line, len, esc, sizeof(esc)));
}

/* --trace: the request the browser sent, line by line (brief: one line). */
static void trace_request(struct webconn *w, const struct http_request *req)
{
	char line[HTTP_MAX_HEAD];

	snprintf(line, sizeof(line), "%s %s HTTP/1.%d", req->method,
		 req->target, req->minor);
	if (trace_is_brief()) {
		size_t n = strlen(line);

		snprintf(line + n, sizeof(line) - n, " (%zu headers)",
			 req->nheaders);
	}
	trace_head_line(w, WIRETRACE_IN, "HTTP request:  ", line, strlen(line));
	for (size_t i = 0; !trace_is_brief() && i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];

		/* A projector is no place for a session or the teacher's key. */
		if (strcasecmp(h->name, "Cookie") == 0 ||
		    strcasecmp(h->name, "Authorization") == 0 ||
		    strcasecmp(h->name, "X-Teacher-Token") == 0)
			snprintf(line, sizeof(line),
				 "%s: (%zu bytes, not shown)", h->name,
				 strlen(h->value));
		else
			snprintf(line, sizeof(line), "%s: %s", h->name,
				 h->value);
		trace_head_line(w, WIRETRACE_IN, "               ", line,
				strlen(line));
	}
	/* It may be the teacher's key or the operator's password. */
	if (req->body_len > 0)
		trace_event(w->id, WIRETRACE_IN,
			    "               (then a body: %zu bytes, not shown)",
			    req->body_len);
}

/*
 * --trace: the response head we send, line by line, and a body in one
 * line; brief: its status line and the body.
 */
static void trace_response(struct webconn *w, const struct strbuf *head,
			   size_t body, const char *file)
{
	const char *p = head->data;
	const char *end = head->data + head->len;
	const char *label = "HTTP response: ";

	if (trace_is_brief()) {
		const char *eol = memchr(p, '\r', head->len);
		int len = eol != NULL ? (int)(eol - p) : (int)head->len;

		if (file != NULL)
			trace_event(w->id, WIRETRACE_OUT,
				    "HTTP response: %.*s (then %zu bytes of %s)",
				    len, p, body, file);
		else
			trace_event(w->id, WIRETRACE_OUT, "HTTP response: %.*s",
				    len, p);
		return;
	}
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t len = eol != NULL ? (size_t)(eol - p)
					 : (size_t)(end - p);

		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 0)
			break;
		trace_head_line(w, WIRETRACE_OUT, label, p, len);
		label = "               ";
		p = eol != NULL ? eol + 1 : end;
	}
	if (file != NULL)
		trace_event(w->id, WIRETRACE_OUT,
			    "               (then the body: %zu bytes of %s)",
			    body, file);
}

/* The name of a frame's opcode (RFC 6455 5.2). */
static const char *opcode_name(unsigned opcode)
{
	switch (opcode) {
	case 0:
		return "continuation";
	case 1:
		return "text";
	case 2:
		return "binary";
	case 8:
		return "close";
	case 9:
		return "ping";
	case 10:
		return "pong";
	default:
		return "reserved";
	}
}

/* --trace: one frame's header by name; brief: control frames only. */
static void trace_frame(struct webconn *w, bool in, bool fin, unsigned opcode,
			unsigned long long length)
{
	if (trace_is_brief() && opcode < 8)
		return;
	trace_event(w->id, in ? WIRETRACE_IN : WIRETRACE_OUT,
		    "WebSocket frame %s FIN=%d, opcode %u (%s), %s, payload "
		    "%llu byte%s",
		    in ? "in: " : "out:", fin ? 1 : 0, opcode,
		    opcode_name(opcode),
		    in ? "masked (as every browser's frame must be)"
		       : "unmasked (a server's frames are not)",
		    length, length == 1 ? "" : "s");
}

/* Keeps the User-Agent for /wire: printable ASCII only, cut to size. */
static void keep_agent(struct webconn *w, const struct http_request *req)
{
	const char *ua = http_request_header(req, "User-Agent", NULL);
	size_t n = 0;

	for (; ua != NULL && *ua != '\0' && n + 1 < sizeof(w->agent); ua++)
		w->agent[n++] = *ua >= 0x20 && *ua < 0x7f ? *ua : '?';
	w->agent[n] = '\0';
}

/* The head is answered; what follows is the owner's to close. */
static void finish(struct webconn *w, const char *reason)
{
	w->phase = WEBCONN_DONE;
	evtimer_del(w->timer);
	w->cbs->close(w->ctx, reason);
}

/* Answers an error status and closes. */
static void answer_error(struct webconn *w, int status, const char *why)
{
	struct strbuf out;

	strbuf_init(&out);
	http_response_error(status, &out);
	if (trace_wire)
		trace_response(w, &out, 0, NULL);
	if (!trace_on_stderr()) {
		if (status == 404) /* every browser asks for /favicon.ico */
			log_debug(w->id, "HTTP %d %s: %s", status,
				  http_status_reason(status), why);
		else
			log_info(w->id, "HTTP %d %s: %s", status,
				 http_status_reason(status), why);
	}
	put(w, out.data, out.len);
	strbuf_fini(&out);
	finish(w, why);
}

void webconn_respond(struct webconn *w, int status, const char *type,
		     const char *extra, const void *body, size_t len)
{
	struct strbuf out;

	strbuf_init(&out);
	http_response_head(status, type, len, extra, &out);
	if (trace_wire)
		trace_response(w, &out, len, "JSON");
	put(w, out.data, out.len);
	put(w, body, len);
	strbuf_fini(&out);
	finish(w, status == 200 ? "answered the teacher"
				: "refused a teacher's request");
}

void webconn_stream_start(struct webconn *w, const char *type,
			  const char *extra)
{
	struct strbuf out;

	strbuf_init(&out);
	http_response_head(200, type, (size_t)-1, extra, &out);
	if (trace_wire)
		trace_response(w, &out, 0, NULL);
	put(w, out.data, out.len);
	strbuf_fini(&out);
	w->phase = WEBCONN_STREAM;
}

void webconn_stream_write(struct webconn *w, const void *data, size_t len)
{
	if (w->phase == WEBCONN_STREAM)
		put(w, data, len);
}

size_t webconn_pending(const struct webconn *w)
{
	return w->cbs->pending(w->ctx);
}

unsigned webconn_id(const struct webconn *w)
{
	return w->id;
}

void webconn_asset(struct webconn *w, const struct http_asset *asset)
{
	answer_asset(w, asset);
}

/* Answers one of the page's files from memory and closes. */
static void answer_asset(struct webconn *w, const struct http_asset *asset)
{
	struct strbuf out;
	size_t len;
	const char *body = webpage_body(w->env->page, asset, &len);

	strbuf_init(&out);
	http_response_asset(asset, len, &out);
	if (trace_wire)
		trace_response(w, &out, len, asset->file);
	if (!trace_on_stderr() && strcmp(asset->path, "/") == 0)
		log_info(w->id, "a browser opened the page");
	put(w, out.data, out.len);
	put_static(w, body, len);
	strbuf_fini(&out);
	finish(w, "page file sent");
}

/* Why a WebSocket we did not hang up ended, for the log. */
static const char *close_reason(const struct wsframe_event *ev)
{
	if (ev->peer_code != 0)
		return "the browser closed the WebSocket";
	switch (ev->code) {
	case WSFRAME_CLOSE_PROTOCOL:
		return "WebSocket protocol error (close 1002)";
	case WSFRAME_CLOSE_BAD_DATA:
		return "WebSocket text not UTF-8 (close 1007)";
	case WSFRAME_CLOSE_TOO_BIG:
		return "WebSocket message too big (close 1009)";
	default:
		return "WebSocket closed";
	}
}

/* wsframe's events: payload up, frames out, the close. */
static void on_ws(void *ctx, const struct wsframe_event *ev)
{
	struct webconn *w = ctx;

	switch (ev->type) {
	case WSFRAME_EV_DATA:
		w->cbs->on_data(w->ctx, ev->data, ev->len);
		break;
	case WSFRAME_EV_SEND:
		put(w, ev->data, ev->len);
		break;
	case WSFRAME_EV_FRAME:
		if (trace_wire)
			trace_frame(w, true, ev->fin, ev->opcode, ev->length);
		break;
	case WSFRAME_EV_PONG:
		break;
	case WSFRAME_EV_CLOSE:
		evtimer_del(w->timer);
		if (trace_wire)
			trace_event(w->id, WIRETRACE_CONNECT,
				    "WebSocket closing: close frame sent "
				    "with code %u%s",
				    ev->code,
				    ev->peer_code != 0 ? ", in answer to the "
							 "browser's"
						       : "");
		/* Our own hang-up: the owner is closing already. */
		if (w->hanging_up)
			break;
		w->cbs->on_end(w->ctx);
		w->cbs->close(w->ctx, close_reason(ev));
		break;
	}
}

/* Answers 101 and starts speaking WebSocket; the rest of buf is frames. */
static void upgrade(struct webconn *w, const struct http_route *route,
		    const char *rest, size_t len)
{
	struct strbuf out;

	strbuf_init(&out);
	http_response_upgrade(route, &out);
	if (trace_wire)
		trace_response(w, &out, 0, NULL);
	put(w, out.data, out.len);
	strbuf_fini(&out);
	keep_agent(w, w->req);
	w->phase = WEBCONN_WEBSOCKET;
	w->ws = wsframe_new(on_ws, w);
	w->last_heard = now_seconds();
	w->next_ping = w->last_heard + WEBCONN_PING_SECONDS;
	arm(w, WEBCONN_PING_SECONDS);
	w->cbs->upgraded(w->ctx);
	if (len > 0)
		webconn_feed(w, rest, len);
}

/* Gathers the head; once whole, answers it. */
static void feed_head(struct webconn *w, const void *data, size_t len)
{
	enum http_parse_result r;
	struct http_route route;
	size_t keep = len;

	/* Past the limit the parser has seen enough to answer 431. */
	if (w->head.len + keep > HTTP_MAX_HEAD + HTTP_MAX_BODY + 1)
		keep = HTTP_MAX_HEAD + HTTP_MAX_BODY + 1 - w->head.len;
	strbuf_append(&w->head, data, keep);
	r = http_parse(w->req, w->head.data, w->head.len);
	if (r == HTTP_PARSE_MORE)
		return;
	/* A POST's body follows its head: wait for all of it. */
	if (r == HTTP_PARSE_DONE &&
	    w->head.len < w->req->len + w->req->body_len)
		return;
	if (r == HTTP_PARSE_ERROR) {
		answer_error(w, w->req->status, "bad request head");
		goto out;
	}
	if (trace_wire)
		trace_request(w, w->req);
	http_route(w->req, w->env->origins, &route);
	switch (route.kind) {
	case HTTP_ROUTE_ASSET:
		answer_asset(w, route.asset);
		break;
	case HTTP_ROUTE_ERROR:
		answer_error(w, route.status,
			     route.status == 404   ? "no such page"
			     : route.status == 403 ? "a page of another site"
			     : route.status == 405 ? "method not allowed"
						   : "bad WebSocket request");
		break;
	case HTTP_ROUTE_TEACHER:
		if (w->env->teacher == NULL) {
			answer_error(w, 404, "no teacher's view here");
			break;
		}
		/* The head's deadline stops: the teacher answers in time. */
		evtimer_del(w->timer);
		w->phase = WEBCONN_TEACHER;
		w->teacher_holds = true;
		w->env->teacher->request(w->env->teacher->ctx, w, w->req,
					 w->head.data + w->req->len,
					 w->req->body_len,
					 (const struct sockaddr *)&w->peer);
		break;
	case HTTP_ROUTE_UPGRADE: {
		/* What came after the head is the first frames. */
		size_t used = w->req->len - (w->head.len - keep);
		struct strbuf head = w->head;

		strbuf_init(&w->head);
		upgrade(w, &route, (const char *)data + used, len - used);
		strbuf_fini(&head);
		break;
	}
	}
out:
	strbuf_fini(&w->head);
	free(w->req);
	w->req = NULL;
}

/*
 * HEAD: the head's deadline passed (408). WEBSOCKET: a ping is due, or
 * the browser has been silent too long.
 */
static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct webconn *w = arg;
	time_t now = now_seconds();

	(void)fd;
	(void)what;
	if (w->phase == WEBCONN_HEAD) {
		answer_error(w, 408, "request head too slow");
		strbuf_fini(&w->head);
		free(w->req);
		w->req = NULL;
		return;
	}
	if (w->phase != WEBCONN_WEBSOCKET || wsframe_is_closing(w->ws))
		return;
	if (now - w->last_heard >= WEBCONN_SILENT_SECONDS) {
		if (trace_wire)
			trace_event(w->id, WIRETRACE_CONNECT,
				    "no answer to pings for %d s: the browser "
				    "is gone",
				    WEBCONN_SILENT_SECONDS);
		w->phase = WEBCONN_DONE;
		w->cbs->on_end(w->ctx);
		w->cbs->close(w->ctx, "no answer to pings");
		return;
	}
	if (now >= w->next_ping) {
		if (trace_wire)
			trace_frame(w, false, true, 9, 0);
		wsframe_ping(w->ws);
		w->next_ping = now + WEBCONN_PING_SECONDS;
	}
	time_t due = w->last_heard + WEBCONN_SILENT_SECONDS;

	arm(w, (due < w->next_ping ? due : w->next_ping) - now);
}

struct webconn *webconn_new(struct event_base *base,
			    const struct webconn_env *env, unsigned id,
			    const struct sockaddr *peer,
			    const struct webconn_cbs *cbs, void *ctx)
{
	struct webconn *w = xcalloc(1, sizeof(*w));

	w->phase = WEBCONN_HEAD;
	w->id = id;
	if (peer != NULL)
		memcpy(&w->peer, peer,
		       peer->sa_family == AF_INET6
			       ? sizeof(struct sockaddr_in6)
			       : sizeof(struct sockaddr_in));
	w->env = env;
	w->cbs = cbs;
	w->ctx = ctx;
	w->timer = evtimer_new(base, on_timer, w);
	strbuf_init(&w->head);
	w->req = xcalloc(1, sizeof(*w->req));
	arm(w, WEBCONN_HEAD_SECONDS);
	return w;
}

void webconn_free(struct webconn *w)
{
	if (w == NULL)
		return;
	if (w->teacher_holds)
		w->env->teacher->gone(w->env->teacher->ctx, w);
	event_free(w->timer);
	strbuf_fini(&w->head);
	free(w->req);
	wsframe_free(w->ws);
	free(w);
}

void webconn_feed(struct webconn *w, const void *data, size_t len)
{
	w->bytes_in += len;
	switch (w->phase) {
	case WEBCONN_HEAD:
		feed_head(w, data, len);
		break;
	case WEBCONN_WEBSOCKET:
		w->last_heard = now_seconds();
		if (wsframe_feed(w->ws, data, len) < 0) {
			w->phase = WEBCONN_DONE;
			w->cbs->on_end(w->ctx);
			w->cbs->close(w->ctx, "WebSocket failed");
		}
		break;
	case WEBCONN_DONE:
	case WEBCONN_TEACHER:
	case WEBCONN_STREAM:
		break; /* answered: what else the browser sends is dropped */
	}
}

int webconn_send(struct webconn *w, const void *data, size_t len)
{
	if (w->phase != WEBCONN_WEBSOCKET || wsframe_is_closing(w->ws))
		return -1;
	if (trace_wire)
		trace_frame(w, false, true, 2, len);
	return wsframe_send(w->ws, data, len);
}

void webconn_hang_up(struct webconn *w, unsigned code)
{
	if (w->phase != WEBCONN_WEBSOCKET || wsframe_is_closing(w->ws))
		return;
	if (trace_wire)
		trace_frame(w, false, true, 8, 2);
	w->hanging_up = true;
	wsframe_close(w->ws, code);
}

bool webconn_is_call(const struct webconn *w)
{
	return w->ws != NULL;
}

const char *webconn_user_agent(const struct webconn *w)
{
	return w->agent;
}

void webconn_bytes(const struct webconn *w, unsigned long long *in,
		   unsigned long long *out)
{
	*in = w->bytes_in;
	*out = w->bytes_out;
}
