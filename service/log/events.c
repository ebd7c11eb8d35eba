/*
 * events: the event model, its JSON line (cJSON builds and escapes it;
 * nothing here writes JSON by hand) and the producers' one-call emitters.
 * The file itself is eventsink's.
 */
#include "events.h"
#include "eventsink.h"

#include <assert.h>
#include <cjson/cJSON.h>
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

/* Aborts when cJSON found no memory, as the allocation wrappers do. */
static void *events_must(void *p)
{
	if (p == NULL) {
		fputs("hotlined: out of memory (events)\n", stderr);
		abort();
	}
	return p;
}

/* Appends text to sb as valid UTF-8 without NUL (see events.h). */
void events_append_clean(struct strbuf *sb, const char *text, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(text + i, len - i, &cp);

		/* NUL too: readers that end strings at NUL read every line. */
		if (n == 0 || cp == 0) {
			strbuf_append(sb, events_replacement,
				      sizeof(events_replacement) - 1);
			i++;
			continue;
		}
		strbuf_append(sb, text + i, n);
		i += n;
	}
}

/* Appends the field's text cleaned, then each masked byte as '*'. */
static void events_clean(const struct events_field *f, struct strbuf *sb)
{
	size_t end = f->masked && f->shown < f->len ? f->shown : f->len;

	events_append_clean(sb, f->text, end);
	for (size_t i = end; i < f->len; i++)
		strbuf_append_char(sb, '*');
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
	static size_t day_len;
	long ms = ts->tv_nsec / 1000000;
	struct tm tm;

	if (ts->tv_sec != last) {
		gmtime_r(&ts->tv_sec, &tm);
		day_len = strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
		last = ts->tv_sec;
	}
	/* By hand, not snprintf: this runs for every event. */
	if (size < day_len + sizeof(".123Z")) {
		if (size > 0)
			out[0] = '\0';
		return;
	}
	memcpy(out, day, day_len);
	out += day_len;
	*out++ = '.';
	*out++ = (char)('0' + ms / 100);
	*out++ = (char)('0' + ms / 10 % 10);
	*out++ = (char)('0' + ms % 10);
	memcpy(out, "Z", 2);
}

/*
 * One object per type, kept between events: a type's events carry the
 * same fields, so the next one points the kept items at its own values
 * instead of building an object (a class makes thousands of events a
 * second while a teacher follows them). Its strings and numbers are
 * references, which cJSON neither copies nor frees. The loop's thread only.
 */
static cJSON *events_cache[EVENTS_TYPE_COUNT];

/* The cJSON type a field is printed as. */
static int events_kind(const struct events_field *f)
{
	switch (f->kind) {
	case EVENTS_TEXT:
		return f->text != NULL ? cJSON_String : cJSON_NULL;
	case EVENTS_NUMBER:
		/*
		 * Raw digits: cJSON 1.7.15 prints every number with "%1.15g"
		 * and reads it back with sscanf, too slow for an event a key.
		 */
		return cJSON_Raw;
	case EVENTS_BOOL:
		return f->flag ? cJSON_True : cJSON_False;
	}
	abort(); /* not a kind */
}

/* A new item of a cJSON type, pointing at nothing yet. */
static cJSON *events_item(int type)
{
	cJSON *item = events_must(cJSON_CreateNull());

	item->type = type;
	if (type == cJSON_String || type == cJSON_Raw)
		item->type |= cJSON_IsReference;
	return item;
}

/* Adds a new item of type under key, a name that outlives obj. */
static void events_set(cJSON *obj, const char *key, int type)
{
	cJSON_AddItemToObjectCS(obj, key, events_item(type));
}

/* Whether an item of cJSON type has, or can take, field f's kind. */
static bool events_same_kind(int type, const struct events_field *f)
{
	/* A bool's item takes the other value in place. */
	if (f->kind == EVENTS_BOOL)
		return type == cJSON_True || type == cJSON_False;
	return type == events_kind(f);
}

/* Whether obj holds ev's fields, in its order and kinds, after the three. */
static bool events_fits(const cJSON *obj, const struct events_event *ev)
{
	const cJSON *item = obj->child;

	for (size_t i = 0; i < 3 && item != NULL; i++)
		item = item->next;
	for (size_t i = 0; i < ev->nfields; i++, item = item->next)
		if (item == NULL ||
		    !events_same_kind(item->type & 0xff, &ev->fields[i]) ||
		    strcmp(item->string, ev->fields[i].name) != 0)
			return false;
	return item == NULL;
}

/* The type's kept object, new when ev's fields are not the last ones. */
static cJSON *events_shape(const struct events_event *ev)
{
	cJSON *obj = events_cache[ev->type];

	if (obj != NULL && events_fits(obj, ev))
		return obj;
	cJSON_Delete(obj);
	obj = events_must(cJSON_CreateObject());
	events_set(obj, "type", cJSON_String);
	events_set(obj, "id", cJSON_Raw);
	events_set(obj, "time", cJSON_String);
	for (size_t i = 0; i < ev->nfields; i++)
		events_set(obj, ev->fields[i].name,
			   events_kind(&ev->fields[i]));
	events_cache[ev->type] = obj;
	return obj;
}

/* Appends a number's decimal digits and a NUL to texts. */
static void events_digits(struct strbuf *texts, long long number)
{
	char digits[24];
	char *p = digits + sizeof(digits);
	/* As unsigned, so that LLONG_MIN negates. */
	unsigned long long u = number < 0 ? 0ULL - (unsigned long long)number
					  : (unsigned long long)number;

	*--p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (number < 0)
		*--p = '-';
	strbuf_append(texts, p, (size_t)(digits + sizeof(digits) - p));
}

/*
 * ev as its type's kept object. Its values point into texts (each field's
 * text cleaned, or its digits, NUL after each) and stamp, which must
 * outlive the printing.
 */
static cJSON *events_object(const struct events_event *ev, const char *stamp,
			    struct strbuf *texts)
{
	size_t at[EVENTS_MAX_FIELDS + 1];
	cJSON *obj = events_shape(ev);
	cJSON *item;

	/* Written first: texts may move while it grows. */
	at[0] = texts->len;
	events_digits(texts, ev->id);
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct events_field *f = &ev->fields[i];

		at[i + 1] = texts->len;
		if (f->kind == EVENTS_NUMBER) {
			events_digits(texts, f->number);
		} else if (f->kind == EVENTS_TEXT && f->text != NULL) {
			events_clean(f, texts);
			strbuf_append_char(texts, '\0');
		}
	}
	item = obj->child;
	item->valuestring = (char *)events_type_name(ev->type);
	item = item->next;
	item->valuestring = texts->data + at[0];
	item = item->next;
	item->valuestring = (char *)stamp;
	for (size_t i = 0; i < ev->nfields; i++) {
		item = item->next;
		if (item->type & cJSON_IsReference)
			item->valuestring = texts->data + at[i + 1];
		else if (ev->fields[i].kind == EVENTS_BOOL)
			item->type = (item->type & ~0xff) |
				     events_kind(&ev->fields[i]);
	}
	return obj;
}

/* Bytes an event's line is first printed into: most are under 200. */
#define EVENTS_LINE_GUESS 512

/* One compact JSON object, keys in the order added, and "\n". */
char *events_encode(const struct events_event *ev, size_t *len)
{
	struct strbuf texts;
	char stamp[64];
	size_t n;
	char *line;
	cJSON *obj;

	strbuf_init(&texts);
	events_stamp(&ev->time, stamp, sizeof(stamp));
	obj = events_object(ev, stamp, &texts);
	/* Most events fit the first guess: printed once, in place. */
	line = xmalloc(EVENTS_LINE_GUESS);
	if (!cJSON_PrintPreallocated(obj, line, EVENTS_LINE_GUESS - 2, false)) {
		char *big = events_must(cJSON_PrintUnformatted(obj));

		free(line);
		line = xmalloc(strlen(big) + 2);
		memcpy(line, big, strlen(big) + 1);
		cJSON_free(big);
	}
	strbuf_fini(&texts);
	n = strlen(line);
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
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
