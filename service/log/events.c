/*
 * events: the event model, its JSON line (jansson builds and escapes it;
 * nothing here writes JSON by hand) and the producers' one-call emitters.
 * The file itself is eventsink's.
 */
#include "events.h"
#include "eventsink.h"

#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "strbuf.h"
#include "utf8.h"

/* What a chat line starts with when it carries the operator's password. */
#define EVENTS_OP_PREFIX "/op "
#define EVENTS_OP_PREFIX_LEN (sizeof(EVENTS_OP_PREFIX) - 1)

/* U+FFFD, written for each byte that starts no valid UTF-8 character. */
static const char events_replacement[] = "\xef\xbf\xbd";

bool events_enabled;
/* The file is open. */
static bool events_to_file;
/* The teacher's event stream, or NULL. */
static const struct events_listener *events_listener;

/* clang-format off */
static const char *const events_type_names[] = {
	[EVENTS_CONNECT] = "connect",
	[EVENTS_CLOSE] = "close",
	[EVENTS_STATE] = "state",
	[EVENTS_KEY] = "key",
	[EVENTS_LINE] = "line",
	[EVENTS_CHAT] = "chat",
};
/* clang-format on */
_Static_assert(ARRAY_LEN(events_type_names) == EVENTS_TYPE_COUNT,
	       "every event type has a name");

/* The JSON name of a type. */
const char *events_type_name(enum events_type type)
{
	assert(type < EVENTS_TYPE_COUNT);
	return events_type_names[type];
}

/* Starts an event stamped now. */
void events_init(struct events_event *ev, enum events_type type, unsigned id)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->id = id;
	clock_gettime(CLOCK_REALTIME, &ev->time);
}

/* The next free field of ev, named. */
static struct events_field *events_add(struct events_event *ev,
				       const char *name, enum events_kind kind)
{
	struct events_field *f;

	assert(ev->nfields < EVENTS_MAX_FIELDS);
	f = &ev->fields[ev->nfields++];
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->kind = kind;
	return f;
}

/* Adds a text field; the bytes are borrowed. */
void events_add_text(struct events_event *ev, const char *name,
		     const char *text, size_t len)
{
	struct events_field *f = events_add(ev, name, EVENTS_TEXT);

	f->text = text;
	f->len = text != NULL ? len : 0;
}

/* Adds a number field. */
void events_add_number(struct events_event *ev, const char *name,
		       long long number)
{
	events_add(ev, name, EVENTS_NUMBER)->number = number;
}

/* Adds a true/false field. */
void events_add_bool(struct events_event *ev, const char *name, bool flag)
{
	events_add(ev, name, EVENTS_BOOL)->flag = flag;
}

/*
 * Bytes of a line shown in clear, the rule of --trace: none of a secret,
 * the four of "/op " (any case) before the operator's password, or all;
 * *masked says whether the rule masked the line.
 */
static size_t events_line_shown(const char *text, size_t len, bool secret,
				bool *masked)
{
	*masked = true;
	if (secret)
		return 0;
	if (len >= EVENTS_OP_PREFIX_LEN &&
	    strncasecmp(text, EVENTS_OP_PREFIX, EVENTS_OP_PREFIX_LEN) == 0)
		return EVENTS_OP_PREFIX_LEN;
	*masked = false;
	return len;
}

/* A line event, masked as --trace masks it. */
void events_line(struct events_event *ev, unsigned id, const char *text,
		 size_t len, bool secret)
{
	struct events_field *f;
	bool masked;
	size_t shown = events_line_shown(text, len, secret, &masked);

	events_init(ev, EVENTS_LINE, id);
	events_add_text(ev, "text", text, len);
	f = &ev->fields[ev->nfields - 1];
	f->masked = masked;
	f->shown = shown;
	events_add_bool(ev, "masked", masked);
}

/* Aborts when jansson found no memory, as the allocation wrappers do. */
static void *events_must(void *p)
{
	if (p == NULL) {
		fputs("hotlined: out of memory (events)\n", stderr);
		abort();
	}
	return p;
}

/*
 * Appends the field's text to sb as valid UTF-8 without NUL: each byte
 * that starts no valid character, and NUL, as U+FFFD, then each masked
 * byte as '*'.
 */
static void events_clean(const struct events_field *f, struct strbuf *sb)
{
	size_t end = f->masked && f->shown < f->len ? f->shown : f->len;
	size_t i = 0;

	strbuf_reset(sb);
	while (i < end) {
		uint32_t cp;
		size_t n = utf8_decode(f->text + i, end - i, &cp);

		/* NUL too: readers that end strings at NUL read every line. */
		if (n == 0 || cp == 0) {
			strbuf_append(sb, events_replacement,
				      sizeof(events_replacement) - 1);
			i++;
			continue;
		}
		strbuf_append(sb, f->text + i, n);
		i += n;
	}
	for (; i < f->len; i++)
		strbuf_append_char(sb, '*');
}

/* The JSON value of one field. */
static json_t *events_value(const struct events_field *f, struct strbuf *sb)
{
	switch (f->kind) {
	case EVENTS_TEXT:
		if (f->text == NULL)
			return json_null();
		events_clean(f, sb);
		/* Valid UTF-8 now, so only memory can make this NULL. */
		return events_must(
			json_stringn(sb->data ? sb->data : "", sb->len));
	case EVENTS_NUMBER:
		return events_must(json_integer(f->number));
	case EVENTS_BOOL:
		return json_boolean(f->flag);
	}
	abort(); /* not a kind */
}

/*
 * "2025-03-01T09:15:02.123Z": the event's time in UTC. The second's part
 * is kept from the last call: a busy class makes thousands of events a
 * second (the loop's thread only).
 */
void events_stamp(const struct timespec *ts, char *out, size_t size)
{
	static time_t last = (time_t)-1;
	static char day[32];
	struct tm tm;

	if (ts->tv_sec != last) {
		gmtime_r(&ts->tv_sec, &tm);
		strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
		last = ts->tv_sec;
	}
	snprintf(out, size, "%s.%03ldZ", day, ts->tv_nsec / 1000000);
}

/* Sets key on obj to value, which obj then owns. */
static void events_set(json_t *obj, const char *key, json_t *value)
{
	if (json_object_set_new(obj, key, value) < 0)
		events_must(NULL);
}

/*
 * One object per type, kept between events: a type's events carry the
 * same fields, so the next one updates the values in place instead of
 * building an object (a class makes thousands of events a second while
 * a teacher follows them). The loop's thread only.
 */
static json_t *events_cache[EVENTS_TYPE_COUNT];

/* Whether obj holds exactly ev's fields, in its order, after the three. */
static bool events_fits(json_t *obj, const struct events_event *ev)
{
	void *it = json_object_iter(obj);

	if (json_object_size(obj) != ev->nfields + 3)
		return false;
	for (size_t i = 0; i < 3 && it != NULL; i++)
		it = json_object_iter_next(obj, it);
	for (size_t i = 0; i < ev->nfields;
	     i++, it = json_object_iter_next(obj, it))
		if (it == NULL ||
		    strcmp(json_object_iter_key(it), ev->fields[i].name) != 0)
			return false;
	return true;
}

/* Sets one field's value on obj, in place when it is of the same kind. */
static void events_update(json_t *obj, const struct events_field *f,
			  struct strbuf *sb)
{
	json_t *v = json_object_get(obj, f->name);

	if (f->kind == EVENTS_TEXT && f->text != NULL && json_is_string(v)) {
		events_clean(f, sb);
		if (json_string_setn(v, sb->data ? sb->data : "", sb->len) < 0)
			events_must(NULL);
	} else if (f->kind == EVENTS_NUMBER && json_is_integer(v)) {
		json_integer_set(v, f->number);
	} else {
		events_set(obj, f->name, events_value(f, sb));
	}
}

/* ev's object: the type's kept one, brought up to date, or a new one. */
static json_t *events_object(const struct events_event *ev, const char *stamp,
			     struct strbuf *sb)
{
	json_t *obj = events_cache[ev->type];

	if (obj != NULL && events_fits(obj, ev)) {
		json_integer_set(json_object_get(obj, "id"), ev->id);
		if (json_string_set(json_object_get(obj, "time"), stamp) < 0)
			events_must(NULL);
		for (size_t i = 0; i < ev->nfields; i++)
			events_update(obj, &ev->fields[i], sb);
		return obj;
	}
	json_decref(obj);
	obj = events_must(json_object());
	events_set(obj, "type",
		   events_must(json_string(events_type_name(ev->type))));
	events_set(obj, "id", events_must(json_integer(ev->id)));
	events_set(obj, "time", events_must(json_string(stamp)));
	for (size_t i = 0; i < ev->nfields; i++)
		events_set(obj, ev->fields[i].name,
			   events_value(&ev->fields[i], sb));
	events_cache[ev->type] = obj;
	return obj;
}

/* Bytes an event's line is first dumped into: most are under 200. */
#define EVENTS_LINE_GUESS 512

/* One compact JSON object, keys in the order added, and "\n". */
char *events_encode(const struct events_event *ev, size_t *len)
{
	struct strbuf sb;
	char stamp[64];
	size_t need;
	char *line;
	json_t *obj;

	strbuf_init(&sb);
	events_stamp(&ev->time, stamp, sizeof(stamp));
	obj = events_object(ev, stamp, &sb);
	strbuf_fini(&sb);
	/* Most events fit the first guess: one dump, not two. */
	line = xmalloc(EVENTS_LINE_GUESS);
	need = json_dumpb(obj, line, EVENTS_LINE_GUESS - 2,
			  JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (need == 0)
		events_must(NULL);
	if (need > EVENTS_LINE_GUESS - 2) {
		line = xrealloc(line, need + 2);
		if (json_dumpb(obj, line, need,
			       JSON_COMPACT | JSON_PRESERVE_ORDER) != need)
			events_must(NULL);
	}
	line[need] = '\n';
	line[need + 1] = '\0';
	*len = need + 1;
	return line;
}

/* Opens the file and turns the producers on. */
int events_open(const char *path, char *err, size_t errsz)
{
	if (eventsink_open(path, err, errsz) < 0)
		return -1;
	events_to_file = true;
	events_enabled = true;
	return 0;
}

/* Turns the producers off and closes the file. */
void events_close(void)
{
	events_to_file = false;
	events_enabled = events_listener != NULL;
	eventsink_close();
}

/* Writes ev's line to the file; tells the listener. */
void events_emit(const struct events_event *ev)
{
	size_t len;
	char *line;

	if (events_to_file) {
		line = events_encode(ev, &len);
		eventsink_write(line, len);
		free(line);
	}
	if (events_listener != NULL)
		events_listener->event(events_listener->ctx, ev);
}

void events_set_listener(const struct events_listener *listener)
{
	events_listener = listener;
	events_enabled = events_to_file || listener != NULL;
}

/* A call begins. */
void events_emit_connect(unsigned id, const char *peer, const char *transport)
{
	struct events_event ev;

	events_init(&ev, EVENTS_CONNECT, id);
	events_add_text(&ev, "peer", peer, strlen(peer));
	events_add_text(&ev, "transport", transport, strlen(transport));
	events_emit(&ev);
}

/* A call ended. */
void events_emit_close(unsigned id, const char *reason, long long duration_ms,
		       unsigned long long bytes_in,
		       unsigned long long bytes_out)
{
	struct events_event ev;

	events_init(&ev, EVENTS_CLOSE, id);
	events_add_text(&ev, "reason", reason, strlen(reason));
	events_add_number(&ev, "duration_ms", duration_ms);
	events_add_number(&ev, "bytes_in", (long long)bytes_in);
	events_add_number(&ev, "bytes_out", (long long)bytes_out);
	events_emit(&ev);
}

/* A state change; from and menu may be NULL. */
void events_emit_state(unsigned id, const char *from, const char *to,
		       const char *menu)
{
	struct events_event ev;

	events_init(&ev, EVENTS_STATE, id);
	events_add_text(&ev, "from", from, from != NULL ? strlen(from) : 0);
	events_add_text(&ev, "to", to, strlen(to));
	events_add_text(&ev, "menu", menu, menu != NULL ? strlen(menu) : 0);
	events_emit(&ev);
}

/* A menu key. */
void events_emit_key(unsigned id, const char *key, size_t len)
{
	struct events_event ev;

	events_init(&ev, EVENTS_KEY, id);
	events_add_text(&ev, "key", key, len);
	events_emit(&ev);
}

/* A line, masked as events_line says. */
void events_emit_line(unsigned id, const char *text, size_t len, bool secret)
{
	struct events_event ev;

	events_line(&ev, id, text, len, secret);
	events_emit(&ev);
}

/* A line posted in the room. */
void events_emit_chat(unsigned id, const char *nick, const char *text,
		      size_t len, const char *kind)
{
	struct events_event ev;

	events_init(&ev, EVENTS_CHAT, id);
	events_add_text(&ev, "nick", nick, strlen(nick));
	events_add_text(&ev, "text", text, len);
	events_add_text(&ev, "kind", kind, strlen(kind));
	events_emit(&ev);
}
