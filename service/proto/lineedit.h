/*
 * lineedit: turns the caller's keys into lines or single menu keys.
 *
 * Line mode (the client edits locally, or is a raw socket): bytes are
 * collected until an Enter. Character mode (the client accepted our
 * WILL ECHO): the editor echoes what is typed and edits it itself.
 * Every Enter a client can send (CR LF, CR NUL, bare CR, bare LF) ends
 * exactly one line. Input is UTF-8; invalid bytes become U+FFFD.
 *
 * It does no I/O: results, including the echo, go out through one
 * callback. It knows nothing of menus or telnet.
 */
#ifndef HOTLINE_LINEEDIT_H
#define HOTLINE_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest line kept, in bytes: a phone keypad needs far less; 1 KiB bounds memory per caller. */
#define LINEEDIT_MAX_LINE 1024

enum lineedit_mode {
	LINEEDIT_MODE_LINE, /* keys act on Enter, no echo */
	LINEEDIT_MODE_CHAR, /* server echo, editing, keypad at menus */
};

enum lineedit_input {
	LINEEDIT_INPUT_KEYS, /* at a menu: in char mode each key acts at once */
	LINEEDIT_INPUT_TEXT, /* a line of text, echoed in char mode */
	LINEEDIT_INPUT_SECRET, /* a line of text, never echoed */
};

enum lineedit_event_type {
	LINEEDIT_EV_KEY,  /* char mode, KEYS input: one character, data/len */
	LINEEDIT_EV_LINE, /* a whole line without its ending, valid UTF-8 */
	LINEEDIT_EV_ECHO, /* bytes to show the caller; "\n" is a newline */
	LINEEDIT_EV_TOO_LONG, /* a line passed LINEEDIT_MAX_LINE and was dropped */
	LINEEDIT_EV_INTERRUPT, /* Ctrl-C (byte 0x03) */
};

struct lineedit_event {
	enum lineedit_event_type type;
	const char *data; /* valid only during the callback */
	size_t len;
};

/*
 * The callback may change the mode or input kind (the rest of the bytes
 * being fed use the new setting) but must not free the editor.
 */
typedef void (*lineedit_cb)(void *ctx, const struct lineedit_event *ev);

struct lineedit;

/* Returns a new editor in line mode with KEYS input; the caller owns it. */
struct lineedit *lineedit_new(lineedit_cb cb, void *ctx);
void lineedit_free(struct lineedit *le);

void lineedit_set_mode(struct lineedit *le, enum lineedit_mode mode);
enum lineedit_mode lineedit_mode(const struct lineedit *le);
void lineedit_set_input(struct lineedit *le, enum lineedit_input input);
enum lineedit_input lineedit_input(const struct lineedit *le);

/* Feeds bytes from the caller (already decoded from telnet and the charset). */
void lineedit_feed(struct lineedit *le, const char *buf, size_t len);
/*
 * Feeds bytes up to and including the first one that ends in a KEY, LINE,
 * TOO_LONG or INTERRUPT event, and returns how many it used. Its caller
 * acts on the event after the editor returned, so nothing above re-enters
 * the editor while it parses. Event data is valid only during the callback,
 * as with lineedit_feed.
 */
size_t lineedit_step(struct lineedit *le, const char *buf, size_t len);

/* Drops the partly typed line (without echo). */
void lineedit_clear(struct lineedit *le);
/* The partly typed line, for redrawing it; NUL-terminated, owned by le. */
const char *lineedit_pending(const struct lineedit *le, size_t *len);

#endif
