/*
 * teacher: the teacher's view (see teacher.h). One request at a time,
 * answered at once, except a login with the operator password (checked
 * on the account worker) and the event streams (kept by the hub). What
 * it remembers of each call is the roster's.
 */
#include "teacher/teacher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "log/events.h"
#include "log/trace.h"
#include "log/wirelog.h"
#include "mem.h"
#include "menu/menu.h"
#include "net/conn.h"
#include "net/webconn.h"
#include "proto/http.h"
#include "proto/teacherauth.h"
#include "room/chat.h"
#include "server/server.h"
#include "store/account.h"
#include "teacher/hub.h"
#include "teacher/roster.h"

/* JSON answers, and what every /teacher answer says besides. */
#define TEACHER_JSON "application/json; charset=utf-8"
#define TEACHER_NO_STORE "Cache-Control: no-store\r\n"

/* A login waiting on the operator password's check. */
struct pending_login {
	struct pending_login *next;
	struct teacher *t;
	struct webconn *w;
	struct sockaddr_storage peer;
	struct account_request *handle;
};

struct teacher {
	struct event_base *base;
	struct server *srv;
	struct account_worker *accounts;
	char *operator_hash;
	struct teacherauth *auth;
	struct hub *hub;
	struct webconn_teacher webconn;
	struct events_listener listener;
	struct trace_tap tap;
	bool tapping;
	bool stopped; /* teacher_stop: no listener, no tap, conns going */
	/* The last chat events, encoded, oldest at history_next. */
	char *history[TEACHER_ROOM_HISTORY];
	size_t history_next;
	bool read_table;           /* /teacher/api/sessions was read... */
	struct timespec last_read; /* ...last then (CLOCK_MONOTONIC) */
	struct roster *roster;
	struct event *linger; /* drops the wire nobody wants any more */
	struct pending_login *logins;
};

/* The graph's node for a call: "LANG/menu", "LANG/flow:F", or "". */
static void node_of(const struct session_summary *sum, char *out, size_t size)
{
	if (sum->flow != NULL && strcmp(sum->flow, "quit") == 0)
		snprintf(out, size, "%s/action:quit", sum->language);
	else if (sum->flow != NULL)
		snprintf(out, size, "%s/flow:%s", sum->language, sum->flow);
	else if (sum->menu != NULL && sum->menu[0] != '\0')
		snprintf(out, size, "%s/%s", sum->language, sum->menu);
	else
		out[0] = '\0';
}

/* Copies a live call's view into a row. */
static void row_of(const struct conn_view *v, struct roster_row *r)
{
	const struct session_summary *sum = &v->core.summary;

	snprintf(r->state, sizeof(r->state), "%s", sum->state);
	snprintf(r->menu, sizeof(r->menu), "%s", sum->menu);
	snprintf(r->nick, sizeof(r->nick), "%s", sum->nick);
	snprintf(r->language, sizeof(r->language), "%s", sum->language);
	snprintf(r->encoding, sizeof(r->encoding), "%s", v->core.encoding);
	node_of(sum, r->node, sizeof(r->node));
	r->char_mode = v->core.char_mode;
	r->duration_ms = v->duration_ms;
	r->bytes_in = v->core.bytes_in;
	r->bytes_out = v->core.bytes_out;
}

/* Finds the conn of a call id. */
struct find_conn {
	unsigned id;
	struct conn_view view;
	bool found;
};

static void find_one(struct conn *c, void *arg)
{
	struct find_conn *f = arg;

	if (!f->found && conn_id(c) == f->id && conn_view(c, &f->view))
		f->found = true;
}

/* --- events in: the roster, then the streams ---------------------------- */

/* A text field of an event, or "". */
static const char *field(const struct events_event *ev, const char *name,
			 size_t *len)
{
	for (size_t i = 0; i < ev->nfields; i++) {
		if (strcmp(ev->fields[i].name, name) == 0 &&
		    ev->fields[i].text != NULL) {
			*len = ev->fields[i].len;
			return ev->fields[i].text;
		}
	}
	*len = 0;
	return "";
}

/* A call closed: keep its last row and reason for the table. */
static void note_close(struct teacher *t, const struct events_event *ev)
{
	struct roster_entry *s = roster_get(t->roster, ev->id);
	struct find_conn f = { .id = ev->id };
	size_t len;
	const char *reason = field(ev, "reason", &len);

	if (s->closed)
		return; /* one close a call; never twice in the list */
	/*
	 * A scan of the calls, for the row the table greys: only while
	 * someone looks at the class (a stream, or a read of the table in the
	 * last minute), so a mass hang-up unwatched costs no scans.
	 */
	if (hub_count(t->hub) > 0 ||
	    (t->read_table && roster_ms_since(&t->last_read) <
				      TEACHER_CLOSED_SECONDS * 1000LL)) {
		server_each(t->srv, find_one, &f);
		if (f.found) {
			row_of(&f.view, &s->row);
			s->has_row = true;
		}
	}
	snprintf(s->reason, sizeof(s->reason), "%.*s", (int)len, reason);
	roster_close(t->roster, s);
}

/* events_listener.event: every call's events. */
static void on_event(void *ctx, const struct events_event *ev)
{
	struct teacher *t = ctx;

	if (ev->type == EVENTS_CONNECT) {
		struct roster_entry *s = roster_get(t->roster, ev->id);
		size_t len;
		const char *peer = field(ev, "peer", &len);

		snprintf(s->peer, sizeof(s->peer), "%.*s", (int)len, peer);
		s->websocket = strcmp(field(ev, "transport", &len),
				      "websocket") == 0;
	} else if (ev->type == EVENTS_CLOSE) {
		note_close(t, ev);
	}
	if (ev->type == EVENTS_CHAT) {
		size_t len;
		char *line = events_encode(ev, &len);

		/* The room's view opens with these. */
		free(t->history[t->history_next]);
		t->history[t->history_next] = line;
		t->history_next = (t->history_next + 1) % TEACHER_ROOM_HISTORY;
		hub_publish(t->hub, line, len > 0 ? len - 1 : 0);
	} else if (hub_count(t->hub) > 0) {
		size_t len;
		char *line = events_encode(ev, &len);

		hub_publish(t->hub, line, len > 0 ? len - 1 : 0);
		free(line);
	}
}

/* --- the wire: a tap while the teacher watches ------------------------ */

/* A JSON array of a wire's lines newer than mark, the newest 200. */
static json_t *wire_lines(const struct wirelog *wire, uint64_t mark)
{
	json_t *arr = json_array();
	struct strbuf lines;
	const char *p, *end;

	strbuf_init(&lines);
	wirelog_render(wire, mark, WIRELOG_LINES, &lines);
	p = lines.data;
	end = lines.data + lines.len;
	while (p != NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		json_array_append_new(arr, json_stringn(p, (size_t)(nl - p)));
		p = nl + 1;
	}
	strbuf_fini(&lines);
	return arr;
}

/* Sends a followed session's new trace lines to its streams. */
static void send_trace(struct teacher *t, struct roster_entry *s)
{
	json_t *obj, *arr;
	char *out;

	if (!hub_follows(t->hub, s->id))
		return;
	arr = wire_lines(s->wire, s->sent);
	s->sent = wirelog_mark(s->wire);
	obj = json_pack("{s:s, s:I, s:o}", "type", "trace", "id",
			(json_int_t)s->id, "lines", arr);
	out = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(obj);
	if (out == NULL)
		return;
	hub_publish_trace(t->hub, s->id, out, strlen(out));
	free(out);
}

/* The wire of a call still on: its log, made at its first record. */
static struct roster_entry *wire_of(struct teacher *t, unsigned id)
{
	struct roster_entry *s = roster_find(t->roster, id);

	if (s == NULL || s->closed)
		return NULL;
	if (s->wire == NULL)
		s->wire = wirelog_new(id);
	return s;
}

/* trace_tap.line */
static void tap_line(void *ctx, unsigned id, const struct timespec *when,
		     const char *text, size_t len)
{
	struct teacher *t = ctx;
	struct roster_entry *s = wire_of(t, id);

	if (s == NULL)
		return;
	wirelog_line(s->wire, when, text, len);
	send_trace(t, s);
}

/* trace_tap.chunk */
static void tap_chunk(void *ctx, unsigned id, int dir, struct wiretrace_dir *d,
		      const void *buf, size_t len, bool secret, size_t whole)
{
	struct teacher *t = ctx;
	struct roster_entry *s = wire_of(t, id);
	struct timespec now;

	if (s == NULL) {
		wiretrace_skip(d, buf, len, secret);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	wirelog_chunk(s->wire, &now, dir == TRACE_IN, d, buf, len, secret,
		      whole);
	send_trace(t, s);
}

/* Free every wire log (nobody watches any more). */
static void drop_wires(struct roster_entry *s, void *arg)
{
	(void)arg;
	wirelog_free(s->wire);
	s->wire = NULL;
	s->sent = 0;
}

/* Nobody has wanted the wire for TEACHER_WIRE_LINGER_SECONDS: drop it. */
static void on_linger(evutil_socket_t fd, short what, void *arg)
{
	struct teacher *t = arg;

	(void)fd;
	(void)what;
	if (!t->tapping)
		roster_each(t->roster, drop_wires, NULL);
}

/*
 * The tap is on while a stream wants the wire (the teacher's page), so
 * the wire costs nothing unwatched. A page reopens its stream to follow
 * another caller: the wire kept so far stays a while for it.
 */
static void update_tap(struct teacher *t)
{
	bool want = hub_wants_wire(t->hub) && !t->stopped;
	struct timeval linger = { .tv_sec = TEACHER_WIRE_LINGER_SECONDS };

	if (want == t->tapping)
		return;
	t->tapping = want;
	trace_set_tap(want ? &t->tap : NULL);
	if (want)
		evtimer_del(t->linger);
	else
		evtimer_add(t->linger, &linger);
}

/* --- answers ------------------------------------------------------------ */

/* Answers a JSON value (taken) with status, extra headers or NULL. */
static void answer_json(struct webconn *w, int status, json_t *value,
			const char *extra)
{
	char *body = json_dumps(value, JSON_COMPACT | JSON_ENSURE_ASCII);
	struct strbuf head;

	json_decref(value);
	if (body == NULL)
		abort(); /* jansson fails only when memory runs out */
	strbuf_init(&head);
	strbuf_append_str(&head, TEACHER_NO_STORE);
	if (extra != NULL)
		strbuf_append_str(&head, extra);
	webconn_respond(w, status, TEACHER_JSON, head.data, body, strlen(body));
	strbuf_fini(&head);
	free(body);
}

/* Answers {"error": text} with status. */
static void answer_error(struct webconn *w, int status, const char *text)
{
	answer_json(w, status, json_pack("{s:s}", "error", text), NULL);
}

/* Answers a refused check: 401, or 429 with how long to wait. */
static void answer_refused(struct teacher *t, struct webconn *w,
			   enum teacherauth_result r,
			   const struct sockaddr *peer)
{
	char extra[64];
	unsigned wait;

	if (r == TEACHERAUTH_LOCKED) {
		wait = teacherauth_locked_for(t->auth, peer, time(NULL));
		snprintf(extra, sizeof(extra), "Retry-After: %u\r\n", wait);
		answer_json(w, 429,
			    json_pack("{s:s, s:I}", "error",
				      "too many wrong keys from this address; "
				      "wait a minute",
				      "retry_after", (json_int_t)wait),
			    extra);
	} else if (r == TEACHERAUTH_FORBIDDEN) {
		answer_error(w, 403,
			     "this action needs the page's token, from the "
			     "teacher's own page");
	} else {
		answer_json(
			w, 401,
			json_pack("{s:s}", "error",
				  "the teacher's key is needed"),
			"WWW-Authenticate: Bearer realm=\"hotline teacher\"\r\n");
	}
}

/* Answers 200 with a new session's cookie. */
static void answer_login(struct webconn *w,
			 const struct teacherauth_grant *grant)
{
	char cookie[TEACHERAUTH_SET_COOKIE_MAX];
	char extra[TEACHERAUTH_SET_COOKIE_MAX + 32];

	teacherauth_set_cookie(grant, cookie);
	snprintf(extra, sizeof(extra), "Set-Cookie: %s\r\n", cookie);
	log_info(webconn_id(w), "the teacher logged in");
	answer_json(w, 200, json_pack("{s:b}", "ok", 1), extra);
}

/* Finishes a login from teacherauth's verdict. */
static void finish_login(struct teacher *t, struct webconn *w,
			 enum teacherauth_result r,
			 const struct teacherauth_grant *grant,
			 const struct sockaddr *peer)
{
	if (r == TEACHERAUTH_OK)
		answer_login(w, grant);
	else
		answer_refused(t, w, r, peer);
}

/* account_done_fn: the operator password's check came back. */
static void on_password_checked(void *ctx, const struct account_request *req)
{
	struct pending_login *p = ctx;
	struct teacher *t = p->t;
	struct teacherauth_grant grant;
	enum teacherauth_result r;

	for (struct pending_login **q = &t->logins; *q != NULL;
	     q = &(*q)->next) {
		if (*q == p) {
			*q = p->next;
			break;
		}
	}
	r = teacherauth_login_verdict(t->auth,
				      (const struct sockaddr *)&p->peer,
				      req->status == ACCOUNT_OK, time(NULL),
				      &grant);
	finish_login(t, p->w, r, &grant, (const struct sockaddr *)&p->peer);
	free(p);
}

/* Parses a JSON object body; NULL (and a 400 answered) when it is not one. */
static json_t *body_object(struct webconn *w, const char *body, size_t len)
{
	json_error_t err;
	json_t *obj = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);

	if (obj == NULL || !json_is_object(obj)) {
		json_decref(obj);
		answer_error(w, 400, "the body must be a JSON object");
		return NULL;
	}
	return obj;
}

/* POST /teacher/login {"secret": KEY or operator password}. */
static void do_login(struct teacher *t, struct webconn *w,
		     const struct http_request *req, const char *body,
		     size_t len, const struct sockaddr *peer)
{
	json_t *obj, *secret;
	struct teacherauth_grant grant;
	enum teacherauth_result r;

	if (!teacherauth_same_origin(req)) {
		answer_error(w, 403, "a login from another site's page");
		return;
	}
	obj = body_object(w, body, len);
	if (obj == NULL)
		return;
	secret = json_object_get(obj, "secret");
	if (!json_is_string(secret)) {
		json_decref(obj);
		answer_error(w, 400, "the body needs \"secret\": the key");
		return;
	}
	r = teacherauth_login(t->auth, peer, json_string_value(secret),
			      json_string_length(secret), time(NULL), &grant);
	if (r == TEACHERAUTH_VERIFY && t->accounts != NULL &&
	    t->operator_hash != NULL &&
	    json_string_length(secret) <= ACCOUNT_SECRET_MAX) {
		struct account_request check = { .op = ACCOUNT_OP_CHECK_HASH };
		struct pending_login *p = xcalloc(1, sizeof(*p));

		memcpy(check.secret, json_string_value(secret),
		       json_string_length(secret));
		check.hash = t->operator_hash;
		check.done = on_password_checked;
		check.ctx = p;
		p->t = t;
		p->w = w;
		memcpy(&p->peer, peer,
		       peer->sa_family == AF_INET6
			       ? sizeof(struct sockaddr_in6)
			       : sizeof(struct sockaddr_in));
		p->next = t->logins;
		t->logins = p;
		p->handle = account_worker_submit(t->accounts, &check);
		explicit_bzero(check.secret, sizeof(check.secret));
	} else if (r == TEACHERAUTH_VERIFY) {
		finish_login(t, w,
			     teacherauth_login_verdict(t->auth, peer, false,
						       time(NULL), &grant),
			     &grant, peer);
	} else {
		finish_login(t, w, r, &grant, peer);
	}
	json_decref(obj);
}

/* One live call as a JSON row. */
static json_t *row_json(unsigned id, const char *peer, bool websocket,
			const struct roster_row *r, long long idle_ms)
{
	return json_pack(
		"{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:I, "
		"s:I, s:I, s:I}",
		"id", (json_int_t)id, "peer", peer, "transport",
		websocket ? "websocket" : "telnet", "mode",
		r->char_mode ? "character" : "line", "language", r->language,
		"encoding", r->encoding, "state", r->state, "menu",
		r->menu[0] != '\0' ? r->menu : NULL, "node",
		r->node[0] != '\0' ? r->node : NULL, "nick",
		r->nick[0] != '\0' ? r->nick : NULL, "idle_ms",
		(json_int_t)idle_ms, "duration_ms", (json_int_t)r->duration_ms,
		"bytes_in", (json_int_t)r->bytes_in, "bytes_out",
		(json_int_t)r->bytes_out);
}

/* Adds each live call's row to the array. */
static void add_live(struct conn *c, void *arg)
{
	json_t *arr = arg;
	struct conn_view v;
	struct roster_row r = { .char_mode = false };
	json_t *row;

	if (conn_is_closing(c) || !conn_view(c, &v))
		return;
	row_of(&v, &r);
	row = row_json(v.id, v.peer, v.websocket, &r, v.idle_ms);
	json_object_set_new(row, "closed", json_null());
	json_array_append_new(arr, row);
}

/* Orders rows by id. */
static int by_id(const void *a, const void *b)
{
	json_int_t x = json_integer_value(
		json_object_get(*(json_t *const *)a, "id"));
	json_int_t y = json_integer_value(
		json_object_get(*(json_t *const *)b, "id"));

	return (x > y) - (x < y);
}

/* The current time as the events write it. */
static json_t *now_json(void)
{
	struct timespec now;
	char stamp[EVENTS_STAMP_MAX];

	clock_gettime(CLOCK_REALTIME, &now);
	events_stamp(&now, stamp, sizeof(stamp));
	return json_string(stamp);
}

/* GET /teacher/api/sessions */
static void do_sessions(struct teacher *t, struct webconn *w)
{
	json_t *arr = json_array();
	json_t *sorted = json_array();
	size_t n;
	json_t **rows;

	roster_prune(t->roster);
	t->read_table = true;
	clock_gettime(CLOCK_MONOTONIC, &t->last_read);
	server_each(t->srv, add_live, arr);
	for (const struct roster_entry *s = roster_closed(t->roster); s != NULL;
	     s = s->closed_next) {
		struct roster_row empty = { .language = "" };
		json_t *row = row_json(s->id, s->peer, s->websocket,
				       s->has_row ? &s->row : &empty, 0);

		json_object_set_new(row, "closed",
				    json_pack("{s:s, s:I}", "reason", s->reason,
					      "ago_ms",
					      (json_int_t)roster_ms_since(
						      &s->closed_at)));
		json_array_append_new(arr, row);
	}
	n = json_array_size(arr);
	rows = xcalloc(n > 0 ? n : 1, sizeof(*rows));
	for (size_t i = 0; i < n; i++)
		rows[i] = json_array_get(arr, i);
	qsort(rows, n, sizeof(*rows), by_id);
	for (size_t i = 0; i < n; i++)
		json_array_append(sorted, rows[i]);
	free(rows);
	json_decref(arr);
	answer_json(w, 200,
		    json_pack("{s:o, s:o}", "now", now_json(), "sessions",
			      sorted),
		    NULL);
}

/* Parses a session id: digits only, not 0; 0 for anything else. */
static unsigned parse_id(const char *s, size_t len)
{
	unsigned long v = 0;

	if (len == 0 || len > 9)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return (unsigned)v;
}

/* GET /teacher/api/sessions/ID/trace */
static void do_trace(struct teacher *t, struct webconn *w, const char *idtext,
		     size_t idlen)
{
	unsigned id = parse_id(idtext, idlen);
	struct find_conn f = { .id = id };
	struct roster_entry *s = id != 0 ? roster_find(t->roster, id) : NULL;
	char msg[64];

	if (id != 0)
		server_each(t->srv, find_one, &f);
	if (!f.found && (s == NULL || !s->closed)) {
		snprintf(msg, sizeof(msg), "no session %.*s",
			 (int)(idlen < 12 ? idlen : 12), idtext);
		answer_error(w, 404, msg);
		return;
	}
	answer_json(w, 200,
		    json_pack("{s:I, s:o}", "id", (json_int_t)id, "lines",
			      s != NULL && s->wire != NULL
				      ? wire_lines(s->wire, 0)
				      : json_array()),
		    NULL);
}

/* GET /teacher/api/menus.dot */
static void do_dot(struct teacher *t, struct webconn *w)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		abort();
	menu_catalog_write_dot(server_catalog(t->srv), f);
	if (fclose(f) != 0)
		abort();
	webconn_respond(w, 200, "text/vnd.graphviz; charset=utf-8",
			TEACHER_NO_STORE, text, len);
	free(text);
}

/* GET /teacher/api/room */
static void do_room(struct teacher *t, struct webconn *w)
{
	struct chat_room *room = server_room(t->srv);
	size_t n = 0, width;
	struct chat_who *who = chat_room_who(room, &n, &width);
	json_t *members = json_array();
	json_t *history = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct chat_member *m = chat_room_find(room, who[i].nick);

		json_array_append_new(
			members,
			json_pack("{s:s, s:b}", "nick", who[i].nick, "muted",
				  m != NULL && chat_member_is_muted(m) ? 1
								       : 0));
	}
	free(who);
	for (size_t i = 0; i < TEACHER_ROOM_HISTORY; i++) {
		const char *line =
			t->history[(t->history_next + i) % TEACHER_ROOM_HISTORY];

		if (line != NULL)
			json_array_append_new(history,
					      json_loads(line, 0, NULL));
	}
	answer_json(w, 200,
		    json_pack("{s:o, s:o}", "members", members, "history",
			      history),
		    NULL);
}

/* The value of name in a query ("a=1&trace=3,4"), or NULL; up to & or end. */
static const char *query_value(const char *query, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = query; p != NULL && *p != '\0';) {
		if (strncmp(p, name, n) == 0 && p[n] == '=')
			return p + n + 1;
		p = strchr(p, '&');
		if (p != NULL)
			p++;
	}
	return NULL;
}

/* Whether the query gives name exactly this value. */
static bool query_has(const char *query, const char *name, const char *value)
{
	const char *v = query_value(query, name);
	size_t n = strlen(value);

	return v != NULL && strncmp(v, value, n) == 0 &&
	       (v[n] == '\0' || v[n] == '&');
}

/* GET /teacher/api/events[?wire=1][&trace=ID,ID] */
static void do_events(struct teacher *t, struct webconn *w, const char *query)
{
	unsigned ids[HUB_MAX_TRACE];
	size_t n = 0;
	const char *p = query_value(query, "trace");

	if (p != NULL) {
		while (*p != '\0' && *p != '&' && n < HUB_MAX_TRACE) {
			size_t len = strcspn(p, ",&");
			unsigned id = parse_id(p, len);

			if (id != 0)
				ids[n++] = id;
			p += len;
			if (*p == ',')
				p++;
		}
	}
	/* The teacher's page asks for every call's wire (?wire=1). */
	if (hub_add(t->hub, w, ids, n, query_has(query, "wire", "1")) < 0) {
		answer_json(w, 503,
			    json_pack("{s:s}", "error",
				      "too many event streams are open"),
			    "Retry-After: 10\r\n");
		return;
	}
	update_tap(t);
}

/* A string field of a POST's JSON, or NULL (a 400 answered). */
static const char *need_string(struct webconn *w, json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name);
	char msg[64];

	if (json_is_string(v) && json_string_length(v) > 0)
		return json_string_value(v);
	snprintf(msg, sizeof(msg), "the body needs \"%s\": a string", name);
	answer_error(w, 400, msg);
	return NULL;
}

/* POST /teacher/api/wall, kick, mute: the operator's actions. */
static void do_action(struct teacher *t, struct webconn *w, const char *what,
		      const char *body, size_t len)
{
	json_t *obj = body_object(w, body, len);
	struct chat_room *room = server_room(t->srv);
	const char *text, *nick;
	struct strbuf clean;
	char msg[128];

	if (obj == NULL)
		return;
	if (strcmp(what, "wall") == 0) {
		text = need_string(w, obj, "text");
		if (text != NULL) {
			strbuf_init(&clean);
			chat_sanitize(text, strlen(text), &clean);
			log_info(webconn_id(w), "the teacher walls: %s",
				 clean.data != NULL ? clean.data : "");
			server_wall(t->srv,
				    clean.data != NULL ? clean.data : "");
			/* Session 0: the teacher's page is no call. */
			if (events_enabled)
				events_emit_chat(0, CHAT_TEACHER_NICK,
						 clean.data != NULL ? clean.data
								    : "",
						 clean.len, "wall");
			strbuf_fini(&clean);
			answer_json(w, 200, json_pack("{s:b}", "ok", 1), NULL);
		}
		json_decref(obj);
		return;
	}
	nick = need_string(w, obj, "nick");
	if (nick == NULL) {
		json_decref(obj);
		return;
	}
	if (strcmp(what, "kick") == 0) {
		json_t *why = json_object_get(obj, "reason");
		const char *reason = json_is_string(why)
					     ? json_string_value(why)
					     : "";
		enum chat_result r;

		/* The reason reaches the kicked caller's terminal. */
		strbuf_init(&clean);
		chat_sanitize(reason, strlen(reason), &clean);
		reason = clean.data != NULL ? clean.data : "";
		r = chat_room_kick(room, NULL, nick, reason);
		if (r == CHAT_OK)
			log_info(webconn_id(w), "the teacher kicks %s (%s)",
				 nick, reason);
		strbuf_fini(&clean);
		if (r == CHAT_OK) {
			answer_json(w, 200, json_pack("{s:b}", "ok", 1), NULL);
			json_decref(obj);
			return;
		}
	} else {
		json_t *muted = json_object_get(obj, "muted");
		bool mute = !json_is_false(muted);

		if (chat_room_mute(room, nick, mute) == CHAT_OK) {
			log_info(webconn_id(w), "the teacher %s %s",
				 mute ? "mutes" : "unmutes", nick);
			answer_json(w, 200, json_pack("{s:b}", "ok", 1), NULL);
			json_decref(obj);
			return;
		}
	}
	snprintf(msg, sizeof(msg), "no one called %.48s in the room", nick);
	answer_error(w, 404, msg);
	json_decref(obj);
}

/* The routes behind the check: files, the API, the actions. */
static void route_checked(struct teacher *t, struct webconn *w,
			  const struct http_request *req, const char *path,
			  size_t plen, const char *query, const char *body,
			  size_t len, const struct teacherauth_grant *grant)
{
	bool get = strcmp(req->method, "GET") == 0;
	const struct http_asset *asset = http_teacher_asset(path, plen);
	static const char sessions[] = "/teacher/api/sessions/";

#define IS(p) (plen == sizeof(p) - 1 && strncmp(path, p, plen) == 0)
	if (asset != NULL && get) {
		webconn_asset(w, asset);
	} else if (IS("/teacher/api/whoami") && get) {
		answer_json(w, 200,
			    json_pack("{s:s?, s:b}", "page_token",
				      grant->bearer ? NULL : grant->page_token,
				      "bearer", grant->bearer ? 1 : 0),
			    NULL);
	} else if (IS("/teacher/api/sessions") && get) {
		do_sessions(t, w);
	} else if (plen > sizeof(sessions) - 1 + 6 &&
		   strncmp(path, sessions, sizeof(sessions) - 1) == 0 &&
		   strncmp(path + plen - 6, "/trace", 6) == 0 && get) {
		do_trace(t, w, path + sizeof(sessions) - 1,
			 plen - (sizeof(sessions) - 1) - 6);
	} else if (IS("/teacher/api/menus.dot") && get) {
		do_dot(t, w);
	} else if (IS("/teacher/api/room") && get) {
		do_room(t, w);
	} else if (IS("/teacher/api/events") && get) {
		do_events(t, w, query);
	} else if (IS("/teacher/logout") && !get) {
		teacherauth_logout(t->auth, grant);
		answer_json(w, 200, json_pack("{s:b}", "ok", 1),
			    "Set-Cookie: " TEACHERAUTH_COOKIE
			    "=; HttpOnly; SameSite=Strict; Path=/teacher; "
			    "Max-Age=0\r\n");
	} else if ((IS("/teacher/api/wall") || IS("/teacher/api/kick") ||
		    IS("/teacher/api/mute")) &&
		   !get) {
		do_action(t, w, path + 13, body, len);
	} else {
		answer_error(w, 404, "no such page of the teacher's view");
	}
#undef IS
}

/* webconn_teacher.request */
static void on_request(void *ctx, struct webconn *w,
		       const struct http_request *req, const char *body,
		       size_t len, const struct sockaddr *peer)
{
	struct teacher *t = ctx;
	size_t plen = strcspn(req->target, "?#");
	const char *query = req->target[plen] == '?' ? req->target + plen + 1
						     : NULL;
	bool get = strcmp(req->method, "GET") == 0;
	struct teacherauth_grant grant;
	enum teacherauth_result r;
	bool acts;

	if (plen == 14 && strncmp(req->target, "/teacher/login", 14) == 0 &&
	    !get) {
		do_login(t, w, req, body, len, peer);
		return;
	}
	acts = !get;
	r = acts ? teacherauth_check_post(t->auth, req, peer, time(NULL),
					  &grant)
		 : teacherauth_check(t->auth, req, peer, time(NULL), &grant);
	if (r != TEACHERAUTH_OK) {
		/* /teacher itself shows the login page, nothing else. */
		if (get && plen == 8 && r != TEACHERAUTH_FORBIDDEN)
			webconn_asset(w,
				      http_teacher_asset("/teacher/login", 14));
		else
			answer_refused(t, w, r, peer);
		return;
	}
	route_checked(t, w, req, req->target, plen, query, body, len, &grant);
}

/* webconn_teacher.gone */
static void on_gone(void *ctx, struct webconn *w)
{
	struct teacher *t = ctx;

	hub_remove(t->hub, w);
	update_tap(t);
	for (struct pending_login **p = &t->logins; *p != NULL;
	     p = &(*p)->next) {
		struct pending_login *l = *p;

		if (l->w != w)
			continue;
		*p = l->next;
		account_worker_cancel(t->accounts, l->handle);
		free(l);
		return;
	}
}

/* --- the module ---------------------------------------------------------- */

struct teacher *teacher_new(const struct teacher_config *cfg)
{
	struct teacher *t = xcalloc(1, sizeof(*t));

	t->auth = teacherauth_new(cfg->operator_hash, NULL);
	t->hub = hub_new(cfg->base);
	if (t->auth == NULL || t->hub == NULL) {
		teacherauth_free(t->auth);
		hub_free(t->hub);
		free(t);
		return NULL;
	}
	t->base = cfg->base;
	t->srv = cfg->srv;
	t->accounts = cfg->accounts;
	t->operator_hash = cfg->operator_hash != NULL
				   ? xstrdup(cfg->operator_hash)
				   : NULL;
	t->webconn = (struct webconn_teacher){ on_request, on_gone, t };
	t->listener = (struct events_listener){ on_event, t };
	t->tap = (struct trace_tap){ tap_line, tap_chunk, t };
	t->roster = roster_new();
	t->linger = evtimer_new(cfg->base, on_linger, t);
	events_set_listener(&t->listener);
	return t;
}

void teacher_stop(struct teacher *t)
{
	if (t == NULL)
		return;
	events_set_listener(NULL);
	t->stopped = true;
	if (t->tapping)
		trace_set_tap(NULL);
	t->tapping = false;
}

void teacher_free(struct teacher *t)
{
	if (t == NULL)
		return;
	teacher_stop(t);
	while (t->logins != NULL) {
		struct pending_login *l = t->logins;

		t->logins = l->next;
		account_worker_cancel(t->accounts, l->handle);
		free(l);
	}
	roster_free(t->roster);
	if (t->linger != NULL)
		event_free(t->linger);
	for (size_t i = 0; i < TEACHER_ROOM_HISTORY; i++)
		free(t->history[i]);
	hub_free(t->hub);
	teacherauth_free(t->auth);
	free(t->operator_hash);
	free(t);
}

const struct webconn_teacher *teacher_webconn(struct teacher *t)
{
	return &t->webconn;
}

void teacher_link(const struct teacher *t, const struct sockaddr *addr,
		  struct strbuf *out)
{
	teacherauth_link(t->auth, addr, out);
}

void teacher_reloaded(struct teacher *t)
{
	static const char reload[] = "{\"type\":\"reload\"}";

	hub_publish(t->hub, reload, sizeof(reload) - 1);
}
