/*
 * hub: the teacher's event streams (GET /teacher/api/events), Server-Sent
 * Events each carrying the JSON events of the class, and the trace lines
 * of the sessions a stream asked to follow. A stream whose reader falls
 * HUB_MAX_QUEUE behind loses events rather than growing memory, and hears
 * one "missed" event with their count once it has caught up. Events go
 * out in batches, each at most 25 ms after its first event (hub.c).
 *
 * It writes through webconn and knows nothing of what the events say.
 */
#ifndef HOTLINE_HUB_H
#define HOTLINE_HUB_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>

struct webconn;

/*
 * Streams at once: a teacher's laptop and projector and a grading script
 * or two; past it, 503. Each holds up to HUB_MAX_QUEUE of socket buffer.
 */
#define HUB_MAX_STREAMS 16
/* Bytes unsent to one stream past which its events are dropped (1 MiB). */
#define HUB_MAX_QUEUE (1024 * 1024)
/* Seconds between comments that keep proxies and browsers from giving up. */
#define HUB_KEEPALIVE_SECONDS 15
/* Sessions one stream follows the wire of (?trace=ID,...). */
#define HUB_MAX_TRACE 8

struct hub;

/* An empty hub on base; the caller owns it. */
struct hub *hub_new(struct event_base *base);
/* Frees the hub; its streams' webconns are their conns' to close. */
void hub_free(struct hub *h);

/*
 * Makes w (answered 200 with the stream's head here) a stream following
 * the wire of the ntrace sessions in trace; wire: it wants every call's
 * wire kept (a teacher's page, which may open any caller's). 0, or -1
 * when HUB_MAX_STREAMS are open (w is not answered then).
 */
int hub_add(struct hub *h, struct webconn *w, const unsigned *trace,
	    size_t ntrace, bool wire);
/* Forgets w (its webconn is going); nothing if it is not a stream. */
void hub_remove(struct hub *h, struct webconn *w);
/* Streams open now. */
size_t hub_count(const struct hub *h);

/* Sends one JSON object (len bytes, no line end) to every stream. */
void hub_publish(struct hub *h, const char *json, size_t len);
/* Sends one JSON object to the streams following session id's wire. */
void hub_publish_trace(struct hub *h, unsigned id, const char *json,
		       size_t len);
/* Whether a stream wants the calls' wire kept, or follows one. */
bool hub_wants_wire(const struct hub *h);
/* Whether a stream follows session id's wire. */
bool hub_follows(const struct hub *h, unsigned id);

#endif
