/*
 * events: what the callers of a lesson did, as one JSON object a line
 * (hotlined --events FILE), for grading a class or replaying a lesson:
 * a call's connect and close, its state changes, the keys and lines it
 * entered (a password's masked, as --trace masks it) and what it said in
 * the chat room. The README's "The events file" names every field.
 *
 * An event is a type, the session it is about, the wall-clock time and a
 * few named fields; events_encode turns one into a line with cJSON.
 * Producers (conn, session, core) test events_enabled before building
 * anything, so a server without --events pays one branch per call site.
 *
 * It observes; it never decides. It knows nothing of sessions, menus or
 * sockets beyond the names and numbers it is handed, and runs on the
 * loop's thread only.
 */
#ifndef HOTLINE_EVENTS_H
#define HOTLINE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct strbuf;

/* Whether events are made: a file is open (events_open) or a listener set. */
extern bool events_enabled;

enum events_type {
	EVENTS_CONNECT, /* a call begins: peer, transport */
	EVENTS_CLOSE,   /* it ended: reason, duration_ms, bytes_in, bytes_out */
	EVENTS_STATE,   /* its state changed: from, to, menu */
	EVENTS_KEY,     /* a menu key, in character mode: key */
	EVENTS_LINE,    /* a line entered: text, masked */
	EVENTS_CHAT,    /* a line it posted in the room: nick, text, kind */
	EVENTS_TYPE_COUNT,
};

/* The most fields an event carries (close has four). */
#define EVENTS_MAX_FIELDS 6

enum events_kind {
	EVENTS_TEXT,   /* any bytes; NULL text is JSON null */
	EVENTS_NUMBER, /* a whole number */
	EVENTS_BOOL,
};

/* One named field; its name and text are borrowed, not copied. */
struct events_field {
	const char *name;
	enum events_kind kind;
	const char *text;
	size_t len;
	/*
	 * A masked text shows its first `shown` bytes; each byte after them
	 * is written as '*' (as --trace writes a password's bytes).
	 */
	bool masked;
	size_t shown;
	long long number;
	bool flag;
};

struct events_event {
	enum events_type type;
	unsigned id;          /* the session it is about */
	struct timespec time; /* wall clock (CLOCK_REALTIME) */
	struct events_field fields[EVENTS_MAX_FIELDS];
	size_t nfields;
};

/* Room for an event's time as text, its NUL included. */
#define EVENTS_STAMP_MAX 32
/* Writes a wall-clock time as every event's "time" says it. */
void events_stamp(const struct timespec *ts, char *out, size_t size);

/* The type's name in the JSON ("connect", "close", ...). */
const char *events_type_name(enum events_type type);

/* Starts an event of a type for session id, stamped with the time now. */
void events_init(struct events_event *ev, enum events_type type, unsigned id);
/* Adds a text field of len bytes (text NULL: null); borrowed until encoded. */
void events_add_text(struct events_event *ev, const char *name,
		     const char *text, size_t len);
void events_add_number(struct events_event *ev, const char *name,
		       long long number);
void events_add_bool(struct events_event *ev, const char *name, bool flag);

/*
 * Fills ev with a line event for session id. The line is masked when it
 * is a secret (typed while a password is collected: every byte), or when
 * it starts with "/op " in any case, the operator's password in the chat
 * (the bytes after those four); the field "masked" says which lines were.
 * The same lines as --trace masks.
 */
void events_line(struct events_event *ev, unsigned id, const char *text,
		 size_t len, bool secret);

/*
 * One JSON object and a line end: "type", "id", "time" (UTC, ISO 8601
 * with milliseconds), then the fields in the order they were added. Any
 * bytes make valid JSON: each byte that starts no valid UTF-8 character
 * (a stray continuation byte, a cut or overlong sequence, a surrogate)
 * is written as U+FFFD, and so is NUL (\u0000 is valid JSON, but many
 * readers, jansson's by default, refuse it); other control characters
 * as \u escapes (\u001b), every other character (CJK too) as itself.
 * Numbers are written as their digits. Returns the line, *len bytes and
 * a NUL, which the caller frees; aborts if memory runs out, as
 * allocation does.
 */
char *events_encode(const struct events_event *ev, size_t *len);

/*
 * Appends len bytes of text to sb as valid UTF-8 without NUL, as the
 * events write every text: U+FFFD for NUL and for each byte that starts
 * no valid character. For other JSON built with cJSON, which checks
 * nothing.
 */
void events_append_clean(struct strbuf *sb, const char *text, size_t len);

/*
 * Starts writing events to the file at path (appended to; created with
 * mode 0600, as it holds what callers typed). -1 with the reason in err
 * (size errsz) when it cannot be opened.
 */
int events_open(const char *path, char *err, size_t errsz);
/* Stops writing events and closes the file; says how many were lost. */
void events_close(void);

/* Encodes ev and writes its line, if events are written; tells the listener. */
void events_emit(const struct events_event *ev);

/*
 * Who hears every event besides the file (the teacher's event stream),
 * on the loop's thread, before the event is gone. events_enabled is true
 * while there is a file or a listener.
 */
struct events_listener {
	void (*event)(void *ctx, const struct events_event *ev);
	void *ctx;
};

/* Sets the listener (borrowed until replaced), or none for NULL. */
void events_set_listener(const struct events_listener *listener);

/* --- one per event, for the producers (each after an events_enabled test) */

/* A call begins: its peer ("addr:port") and transport ("telnet"...). */
void events_emit_connect(unsigned id, const char *peer, const char *transport);
/* A call ended: why, how long it lasted, the telnet bytes each way. */
void events_emit_close(unsigned id, const char *reason, long long duration_ms,
		       unsigned long long bytes_in,
		       unsigned long long bytes_out);
/* The state changed: from (NULL for a new call), to, the menu (or NULL). */
void events_emit_state(unsigned id, const char *from, const char *to,
		       const char *menu);
/* A menu key (one character, len bytes). */
void events_emit_key(unsigned id, const char *key, size_t len);
/* A line entered, masked as events_line says. */
void events_emit_line(unsigned id, const char *text, size_t len, bool secret);
/* A line posted in the chat room: its sender, sanitised text and kind. */
void events_emit_chat(unsigned id, const char *nick, const char *text,
		      size_t len, const char *kind);

#endif
