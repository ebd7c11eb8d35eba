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

#include <cjson/cJSON.h>

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
#include "teacher/jsonbody.h"
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
		/* With the tap on now, every byte of the call reaches it. */
		s->from_start = t->tapping;
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

/* --- JSON, built with cJSON -------------------------------------------- */

/* Aborts when cJSON found no memory, as the allocation wrappers do. */
static void *must(void *p)
{
	if (p == NULL)
		abort();
	return p;
}

/* A string of len bytes, made valid UTF-8 as the events make theirs. */
static cJSON *json_text(const char *text, size_t len)
{
	struct strbuf clean;
	cJSON *item;

	strbuf_init(&clean);
	events_append_clean(&clean, text, len);
	item = must(cJSON_CreateString(clean.data != NULL ? clean.data : ""));
	strbuf_fini(&clean);
	return item;
}

/* Adds item to obj under key, a literal (not copied). */
static void put(cJSON *obj, const char *key, cJSON *item)
{
	cJSON_AddItemToObjectCS(obj, key, must(item));
}

/* Adds a string, or null for NULL. */
static void put_text(cJSON *obj, const char *key, const char *text)
{
	put(obj, key,
	    text != NULL ? json_text(text, strlen(text)) : cJSON_CreateNull());
}

static void put_number(cJSON *obj, const char *key, long long n)
{
	put(obj, key, cJSON_CreateNumber((double)n));
}

static void put_bool(cJSON *obj, const char *key, bool flag)
{
	put(obj, key, cJSON_CreateBool(flag));
}

/* {"ok": true} */
static cJSON *json_ok(void)
{
	cJSON *obj = must(cJSON_CreateObject());

	put_bool(obj, "ok", true);
	return obj;
}

/* --- the wire: a tap while the teacher watches ------------------------ */

/* A JSON array of a wire's lines newer than mark, the newest 200. */
static cJSON *wire_lines(const struct wirelog *wire, uint64_t mark)
{
	cJSON *arr = must(cJSON_CreateArray());
	struct strbuf lines;
	const char *p, *end;

	strbuf_init(&lines);
	wirelog_render(wire, mark, WIRELOG_LINES, &lines);
	p = lines.data;
	end = lines.data + lines.len;
	while (p != NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		cJSON_AddItemToArray(arr, json_text(p, (size_t)(nl - p)));
		p = nl + 1;
	}
	strbuf_fini(&lines);
	return arr;
}

/* Sends a followed session's new trace lines to its streams. */
static void send_trace(struct teacher *t, struct roster_entry *s)
{
	cJSON *obj;
	char *out;

	if (!hub_follows(t->hub, s->id))
		return;
	obj = must(cJSON_CreateObject());
	put(obj, "type", cJSON_CreateStringReference("trace"));
	put_number(obj, "id", s->id);
	put(obj, "lines", wire_lines(s->wire, s->sent));
	s->sent = wirelog_mark(s->wire);
	out = must(cJSON_PrintUnformatted(obj));
	cJSON_Delete(obj);
	hub_publish_trace(t->hub, s->id, out, strlen(out));
	cJSON_free(out);
}

/* The wire of a call still on: its log, made at its first record. */
static struct roster_entry *wire_of(struct teacher *t, unsigned id)
{
	struct roster_entry *s = roster_find(t->roster, id);

	if (s == NULL || s->closed)
		return NULL;
	if (s->wire == NULL) {
		s->wire = wirelog_new(id);
		clock_gettime(CLOCK_REALTIME, &s->wire_since);
	}
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
	s->from_start = false;
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
static void answer_json(struct webconn *w, int status, cJSON *value,
			const char *extra)
{
	char *body = must(cJSON_PrintUnformatted(value));
	struct strbuf head;

	cJSON_Delete(value);
	strbuf_init(&head);
	strbuf_append_str(&head, TEACHER_NO_STORE);
	if (extra != NULL)
		strbuf_append_str(&head, extra);
	webconn_respond(w, status, TEACHER_JSON, head.data, body, strlen(body));
	strbuf_fini(&head);
	cJSON_free(body);
}

/* {"error": text} */
static cJSON *json_error(const char *text)
{
	cJSON *obj = must(cJSON_CreateObject());

	put_text(obj, "error", text);
	return obj;
}

/* Answers {"error": text} with status. */
static void answer_error(struct webconn *w, int status, const char *text)
{
	answer_json(w, status, json_error(text), NULL);
}

/* Answers a refused check: 401, or 429 with how long to wait. */
static void answer_refused(struct teacher *t, struct webconn *w,
			   enum teacherauth_result r,
			   const struct sockaddr *peer)
{
	char extra[64];
	unsigned wait;
	cJSON *obj;

	if (r == TEACHERAUTH_LOCKED) {
		wait = teacherauth_locked_for(t->auth, peer, time(NULL));
		snprintf(extra, sizeof(extra), "Retry-After: %u\r\n", wait);
		obj = json_error("too many wrong keys from this address; "
				 "wait a minute");
		put_number(obj, "retry_after", wait);
		answer_json(w, 429, obj, extra);
	} else if (r == TEACHERAUTH_FORBIDDEN) {
		answer_error(w, 403,
			     "this action needs the page's token, from the "
			     "teacher's own page");
	} else {
		answer_json(
			w, 401, json_error("the teacher's key is needed"),
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
	answer_json(w, 200, json_ok(), extra);
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
static cJSON *body_object(struct webconn *w, const char *body, size_t len)
{
	cJSON *obj = jsonbody_parse(body, len);

	if (obj == NULL)
		answer_error(w, 400, "the body must be a JSON object");
	return obj;
}

/* POST /teacher/login {"secret": KEY or operator password}. */
static void do_login(struct teacher *t, struct webconn *w,
		     const struct http_request *req, const char *body,
		     size_t len, const struct sockaddr *peer)
{
	cJSON *obj, *secret;
	struct teacherauth_grant grant;
	enum teacherauth_result r;
	size_t slen;

	if (!teacherauth_same_origin(req)) {
		answer_error(w, 403, "a login from another site's page");
		return;
	}
	obj = body_object(w, body, len);
	if (obj == NULL)
		return;
	secret = cJSON_GetObjectItemCaseSensitive(obj, "secret");
	if (!cJSON_IsString(secret)) {
		cJSON_Delete(obj);
		answer_error(w, 400, "the body needs \"secret\": the key");
		return;
	}
	slen = strlen(secret->valuestring);
	r = teacherauth_login(t->auth, peer, secret->valuestring, slen,
			      time(NULL), &grant);
	if (r == TEACHERAUTH_VERIFY && t->accounts != NULL &&
	    t->operator_hash != NULL && slen <= ACCOUNT_SECRET_MAX) {
		struct account_request check = { .op = ACCOUNT_OP_CHECK_HASH };
		struct pending_login *p = xcalloc(1, sizeof(*p));

		memcpy(check.secret, secret->valuestring, slen);
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
	/* The password's bytes go with the body, not to the allocator. */
	explicit_bzero(secret->valuestring, slen);
	cJSON_Delete(obj);
}

/* One call as a JSON row, "closed" left to the caller. */
static cJSON *row_json(unsigned id, const char *peer, bool websocket,
		       const struct roster_row *r, long long idle_ms)
{
	cJSON *row = must(cJSON_CreateObject());

	put_number(row, "id", id);
	put_text(row, "peer", peer);
	put_text(row, "transport", websocket ? "websocket" : "telnet");
	put_text(row, "mode", r->char_mode ? "character" : "line");
	put_text(row, "language", r->language);
	put_text(row, "encoding", r->encoding);
	put_text(row, "state", r->state);
	put_text(row, "menu", r->menu[0] != '\0' ? r->menu : NULL);
	put_text(row, "node", r->node[0] != '\0' ? r->node : NULL);
	put_text(row, "nick", r->nick[0] != '\0' ? r->nick : NULL);
	put_number(row, "idle_ms", idle_ms);
	put_number(row, "duration_ms", r->duration_ms);
	put_number(row, "bytes_in", (long long)r->bytes_in);
	put_number(row, "bytes_out", (long long)r->bytes_out);
	return row;
}

/* The table's rows as they are gathered, to be put in id order. */
struct rows {
	struct row_ref {
		unsigned id;
		cJSON *row;
	} * v;
	size_t n, cap;
};

static void rows_add(struct rows *rows, unsigned id, cJSON *row)
{
	if (rows->n == rows->cap) {
		rows->cap = rows->cap != 0 ? rows->cap * 2 : 64;
		rows->v = xrealloc(rows->v, rows->cap * sizeof(*rows->v));
	}
	rows->v[rows->n].id = id;
	rows->v[rows->n++].row = row;
}

/* Adds each live call's row. */
static void add_live(struct conn *c, void *arg)
{
	struct conn_view v;
	struct roster_row r = { .char_mode = false };
	cJSON *row;

	if (conn_is_closing(c) || !conn_view(c, &v))
		return;
	row_of(&v, &r);
	row = row_json(v.id, v.peer, v.websocket, &r, v.idle_ms);
	put(row, "closed", cJSON_CreateNull());
	rows_add(arg, v.id, row);
}

/* Orders rows by id. */
static int by_id(const void *a, const void *b)
{
	unsigned x = ((const struct row_ref *)a)->id;
	unsigned y = ((const struct row_ref *)b)->id;

	return (x > y) - (x < y);
}

/* The current time as the events write it. */
static cJSON *now_json(void)
{
	struct timespec now;
	char stamp[EVENTS_STAMP_MAX];

	clock_gettime(CLOCK_REALTIME, &now);
	events_stamp(&now, stamp, sizeof(stamp));
	return must(cJSON_CreateString(stamp));
}

/* GET /teacher/api/sessions */
static void do_sessions(struct teacher *t, struct webconn *w)
{
	struct rows rows = { .v = NULL };
	cJSON *answer = must(cJSON_CreateObject());
	cJSON *sessions = must(cJSON_CreateArray());

	roster_prune(t->roster);
	t->read_table = true;
	clock_gettime(CLOCK_MONOTONIC, &t->last_read);
	server_each(t->srv, add_live, &rows);
	for (const struct roster_entry *s = roster_closed(t->roster); s != NULL;
	     s = s->closed_next) {
		struct roster_row empty = { .language = "" };
		cJSON *row = row_json(s->id, s->peer, s->websocket,
				      s->has_row ? &s->row : &empty, 0);
		cJSON *closed = must(cJSON_CreateObject());

		put_text(closed, "reason", s->reason);
		put_number(closed, "ago_ms", roster_ms_since(&s->closed_at));
		put(row, "closed", closed);
		rows_add(&rows, s->id, row);
	}
	if (rows.n > 0)
		qsort(rows.v, rows.n, sizeof(*rows.v), by_id);
	for (size_t i = 0; i < rows.n; i++)
		cJSON_AddItemToArray(sessions, rows.v[i].row);
	free(rows.v);
	put(answer, "now", now_json());
	put(answer, "sessions", sessions);
	answer_json(w, 200, answer, NULL);
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
	cJSON *answer;

	if (id != 0)
		server_each(t->srv, find_one, &f);
	if (!f.found && (s == NULL || !s->closed)) {
		snprintf(msg, sizeof(msg), "no session %.*s",
			 (int)(idlen < 12 ? idlen : 12), idtext);
		answer_error(w, 404, msg);
		return;
	}
	answer = must(cJSON_CreateObject());
	put_number(answer, "id", id);
	put(answer, "lines",
	    s != NULL && s->wire != NULL ? wire_lines(s->wire, 0)
					 : cJSON_CreateArray());
	/* Whether lines reach back to the call's start, or since when. */
	put_bool(answer, "from_start",
		 s != NULL && s->wire != NULL && s->from_start);
	if (s != NULL && s->wire != NULL) {
		char stamp[EVENTS_STAMP_MAX];

		events_stamp(&s->wire_since, stamp, sizeof(stamp));
		put_text(answer, "since", stamp);
	} else {
		put_text(answer, "since", NULL);
	}
	answer_json(w, 200, answer, NULL);
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
	cJSON *answer = must(cJSON_CreateObject());
	cJSON *members = must(cJSON_CreateArray());
	cJSON *history = must(cJSON_CreateArray());

	for (size_t i = 0; i < n; i++) {
		const struct chat_member *m = chat_room_find(room, who[i].nick);

		cJSON *member = must(cJSON_CreateObject());

		put_text(member, "nick", who[i].nick);
		put_bool(member, "muted", m != NULL && chat_member_is_muted(m));
		cJSON_AddItemToArray(members, member);
	}
	free(who);
	for (size_t i = 0; i < TEACHER_ROOM_HISTORY; i++) {
		const char *line =
			t->history[(t->history_next + i) % TEACHER_ROOM_HISTORY];

		/* Each an event's line: valid JSON. */
		if (line != NULL)
			cJSON_AddItemToArray(history, must(cJSON_Parse(line)));
	}
	put(answer, "members", members);
	put(answer, "history", history);
	answer_json(w, 200, answer, NULL);
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
			    json_error("too many event streams are open"),
			    "Retry-After: 10\r\n");
		return;
	}
	update_tap(t);
}

/* A string field of a POST's JSON, or NULL (a 400 answered). */
static const char *need_string(struct webconn *w, const cJSON *obj,
			       const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	char msg[64];

	if (cJSON_IsString(v) && v->valuestring[0] != '\0')
		return v->valuestring;
	snprintf(msg, sizeof(msg), "the body needs \"%s\": a string", name);
	answer_error(w, 400, msg);
	return NULL;
}

/* POST /teacher/api/wall, kick, mute: the operator's actions. */
static void do_action(struct teacher *t, struct webconn *w, const char *what,
		      const char *body, size_t len)
{
	cJSON *obj = body_object(w, body, len);
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
			answer_json(w, 200, json_ok(), NULL);
		}
		cJSON_Delete(obj);
		return;
	}
	nick = need_string(w, obj, "nick");
	if (nick == NULL) {
		cJSON_Delete(obj);
		return;
	}
	if (strcmp(what, "kick") == 0) {
		const cJSON *why = cJSON_GetObjectItemCaseSensitive(obj,
								    "reason");
		const char *reason = cJSON_IsString(why) ? why->valuestring
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
			answer_json(w, 200, json_ok(), NULL);
			cJSON_Delete(obj);
			return;
		}
	} else {
		bool mute = !cJSON_IsFalse(
			cJSON_GetObjectItemCaseSensitive(obj, "muted"));

		if (chat_room_mute(room, nick, mute) == CHAT_OK) {
			log_info(webconn_id(w), "the teacher %s %s",
				 mute ? "mutes" : "unmutes", nick);
			answer_json(w, 200, json_ok(), NULL);
			cJSON_Delete(obj);
			return;
		}
	}
	snprintf(msg, sizeof(msg), "no one called %.48s in the room", nick);
	answer_error(w, 404, msg);
	cJSON_Delete(obj);
}

/* GET /teacher/api/whoami: the page's token, or none for a program. */
static void do_whoami(struct webconn *w, const struct teacherauth_grant *grant)
{
	cJSON *answer = must(cJSON_CreateObject());

	put_text(answer, "page_token",
		 grant->bearer ? NULL : grant->page_token);
	put_bool(answer, "bearer", grant->bearer);
	answer_json(w, 200, answer, NULL);
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
		do_whoami(w, grant);
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
		answer_json(w, 200, json_ok(),
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
