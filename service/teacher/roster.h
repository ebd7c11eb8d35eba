/*
 * roster: what the teacher's view remembers of each call, by session
 * id: its peer and transport from its connect event, its wire while the
 * teacher watches, and, for TEACHER_CLOSED_SECONDS after it closed (at
 * most TEACHER_CLOSED_MAX of them), its last row and close reason. A
 * hash of entries that grows with the class, and a list of the closed,
 * oldest first.
 *
 * It knows nothing of conns, HTTP or JSON: the teacher fills the rows.
 */
#ifndef HOTLINE_ROSTER_H
#define HOTLINE_ROSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct wirelog;

/* Closed sessions kept in the class table: a minute, greyed. */
#define TEACHER_CLOSED_SECONDS 60
/* Closed sessions kept at most, should a whole class hang up at once. */
#define TEACHER_CLOSED_MAX 1024

/* A table row's strings, copied when its call closes. */
struct roster_row {
	char state[24], menu[48], node[96], nick[48], language[16];
	char encoding[16];
	bool char_mode;
	long long duration_ms;
	unsigned long long bytes_in, bytes_out;
};

/* What the view remembers of one call. */
struct roster_entry {
	struct roster_entry *next; /* in its bucket */
	unsigned id;
	char peer[64];
	bool websocket;
	struct wirelog *wire; /* while the teacher watches; the entry owns it */
	uint64_t sent;        /* the wire's mark the streams have had */
	struct timespec wire_since; /* when the wire began (CLOCK_REALTIME) */
	bool from_start; /* the wire was kept from the call's first byte */
	bool closed;
	bool has_row;
	struct roster_row row; /* the last seen, once closed */
	char reason[96];
	struct timespec closed_at;        /* CLOCK_MONOTONIC */
	struct roster_entry *closed_next; /* in the closed list */
};

struct roster;

/* An empty roster; the caller owns it. */
struct roster *roster_new(void);
/* Frees every entry and its wire. */
void roster_free(struct roster *r);
/* The entry for id, or NULL. */
struct roster_entry *roster_find(const struct roster *r, unsigned id);
/* The entry for id, made (zeroed) if new. */
struct roster_entry *roster_get(struct roster *r, unsigned id);
/*
 * e's call closed (its reason and row filled in by the caller): it goes
 * to the end of the closed list; its wire is freed; the oldest closed
 * past the limits are forgotten. Once per entry.
 */
void roster_close(struct roster *r, struct roster_entry *e);
/* Forgets closed calls past TEACHER_CLOSED_SECONDS or TEACHER_CLOSED_MAX. */
void roster_prune(struct roster *r);
/* The oldest closed call still kept (then e->closed_next), or NULL. */
const struct roster_entry *roster_closed(const struct roster *r);
/* Calls fn on every entry. */
void roster_each(struct roster *r,
		 void (*fn)(struct roster_entry *e, void *arg), void *arg);
/* Milliseconds since a CLOCK_MONOTONIC time. */
long long roster_ms_since(const struct timespec *then);

#endif
