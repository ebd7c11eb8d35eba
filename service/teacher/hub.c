/*
 * hub: the teacher's event streams (see hub.h). A few streams at most, so
 * a list; every event is framed once and gathered in each stream's batch.
 */
#include "teacher/hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mem.h"
#include "net/webconn.h"
#include "strbuf.h"

/* An event framed this long is framed on the stack (most are ~150 B). */
#define HUB_FRAME_STACK 1024

/*
 * A stream's events go to its socket in batches: at HUB_BATCH_BYTES, or
 * HUB_BATCH_MS after the first, not once per pass of the loop. A busy
 * class makes a hundred thousand events a second, and on loopback (the
 * teacher's browser on the server's laptop) each write wakes the reader
 * at the server's cost.
 */
#define HUB_BATCH_BYTES (64 * 1024)
#define HUB_BATCH_MS 25

struct hub_stream {
	struct hub_stream *next;
	struct webconn *w;
	unsigned trace[HUB_MAX_TRACE];
	size_t ntrace;
	bool wire;
	unsigned long long missed; /* events dropped, not yet told */
	struct strbuf batch;       /* framed, not yet written */
};

struct hub {
	struct hub_stream *streams;
	size_t count;
	struct event *keepalive;
	struct event *flush; /* armed while a batch waits */
};

/* Writes a stream's batch to its socket. */
static void send_batch(struct hub_stream *s)
{
	if (s->batch.len == 0)
		return;
	webconn_stream_write(s->w, s->batch.data, s->batch.len);
	strbuf_reset(&s->batch);
}

/* HUB_BATCH_MS after a batch began: every batch goes. */
static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct hub *h = arg;

	(void)fd;
	(void)what;
	for (struct hub_stream *s = h->streams; s != NULL; s = s->next)
		send_batch(s);
}

/* Adds framed bytes to a stream's batch; a full batch goes at once. */
static void gather(struct hub *h, struct hub_stream *s, const char *data,
		   size_t len)
{
	static const struct timeval wait = { .tv_sec = 0,
					     .tv_usec = HUB_BATCH_MS * 1000 };

	strbuf_append(&s->batch, data, len);
	if (s->batch.len >= HUB_BATCH_BYTES)
		send_batch(s);
	else if (!evtimer_pending(h->flush, NULL))
		evtimer_add(h->flush, &wait);
}

/* The "missed" event, once the reader has room again. */
static void tell_missed(struct hub *h, struct hub_stream *s)
{
	cJSON *obj = cJSON_CreateObject();
	char *json;

	if (obj == NULL ||
	    cJSON_AddStringToObject(obj, "type", "missed") == NULL ||
	    cJSON_AddNumberToObject(obj, "count", (double)s->missed) == NULL ||
	    (json = cJSON_PrintUnformatted(obj)) == NULL)
		abort(); /* cJSON fails only when memory runs out */
	gather(h, s, "data: ", 6);
	gather(h, s, json, strlen(json));
	gather(h, s, "\n\n", 2);
	cJSON_free(json);
	cJSON_Delete(obj);
	s->missed = 0;
}

/* Gathers a framed event for one stream, or drops it past the bound. */
static void put(struct hub *h, struct hub_stream *s, const char *frame,
		size_t len)
{
	if (webconn_pending(s->w) + s->batch.len > HUB_MAX_QUEUE) {
		s->missed++;
		return;
	}
	if (s->missed > 0)
		tell_missed(h, s);
	gather(h, s, frame, len);
}

/* A stream's memory. */
static void stream_free(struct hub_stream *s)
{
	strbuf_fini(&s->batch);
	free(s);
}

/* Every HUB_KEEPALIVE_SECONDS: a comment, and a missed count owed. */
static void on_keepalive(evutil_socket_t fd, short what, void *arg)
{
	struct hub *h = arg;

	(void)fd;
	(void)what;
	for (struct hub_stream *s = h->streams; s != NULL; s = s->next)
		put(h, s, ": keepalive\n\n", 14);
}

struct hub *hub_new(struct event_base *base)
{
	struct hub *h = xcalloc(1, sizeof(*h));
	struct timeval tv = { .tv_sec = HUB_KEEPALIVE_SECONDS, .tv_usec = 0 };

	h->keepalive = event_new(base, -1, EV_PERSIST, on_keepalive, h);
	h->flush = evtimer_new(base, on_flush, h);
	if (h->keepalive == NULL || h->flush == NULL) {
		if (h->keepalive != NULL)
			event_free(h->keepalive);
		if (h->flush != NULL)
			event_free(h->flush);
		free(h);
		return NULL;
	}
	event_add(h->keepalive, &tv);
	return h;
}

void hub_free(struct hub *h)
{
	if (h == NULL)
		return;
	while (h->streams != NULL) {
		struct hub_stream *s = h->streams;

		h->streams = s->next;
		stream_free(s);
	}
	event_free(h->keepalive);
	event_free(h->flush);
	free(h);
}

int hub_add(struct hub *h, struct webconn *w, const unsigned *trace,
	    size_t ntrace, bool wire)
{
	struct hub_stream *s;

	if (h->count >= HUB_MAX_STREAMS)
		return -1;
	s = xcalloc(1, sizeof(*s));
	strbuf_init(&s->batch);
	s->w = w;
	s->wire = wire || ntrace > 0;
	s->ntrace = ntrace < HUB_MAX_TRACE ? ntrace : HUB_MAX_TRACE;
	if (s->ntrace > 0)
		memcpy(s->trace, trace, s->ntrace * sizeof(*trace));
	s->next = h->streams;
	h->streams = s;
	h->count++;
	/* No buffering proxy should sit on the events (nginx's convention). */
	webconn_stream_start(w, "text/event-stream; charset=utf-8",
			     "Cache-Control: no-store\r\n"
			     "X-Accel-Buffering: no\r\n");
	webconn_stream_write(w, ": hotlined's class events\n\n", 27);
	return 0;
}

void hub_remove(struct hub *h, struct webconn *w)
{
	for (struct hub_stream **p = &h->streams; *p != NULL; p = &(*p)->next) {
		struct hub_stream *s = *p;

		if (s->w != w)
			continue;
		*p = s->next;
		stream_free(s);
		h->count--;
		return;
	}
}

size_t hub_count(const struct hub *h)
{
	return h->count;
}

/* Whether stream s follows session id. */
static bool follows(const struct hub_stream *s, unsigned id)
{
	for (size_t i = 0; i < s->ntrace; i++)
		if (s->trace[i] == id)
			return true;
	return false;
}

/* Frames json once and writes it to the streams (those following id, or all). */
static void publish(struct hub *h, bool any, unsigned id, const char *json,
		    size_t len)
{
	char stack[HUB_FRAME_STACK];
	size_t n = len + 8;
	char *frame = n <= sizeof(stack) ? stack : xmalloc(n);

	if (h->streams == NULL)
		goto out;
	/* A frame of bytes, not a string: no NUL is sent. */
	memcpy(frame, "data: \n\n", 6);
	memcpy(frame + 6, json, len);
	frame[6 + len] = '\n';
	frame[7 + len] = '\n';
	for (struct hub_stream *s = h->streams; s != NULL; s = s->next)
		if (any || follows(s, id))
			put(h, s, frame, n);
out:
	if (frame != stack)
		free(frame);
}

void hub_publish(struct hub *h, const char *json, size_t len)
{
	publish(h, true, 0, json, len);
}

void hub_publish_trace(struct hub *h, unsigned id, const char *json, size_t len)
{
	publish(h, false, id, json, len);
}

bool hub_wants_wire(const struct hub *h)
{
	for (const struct hub_stream *s = h->streams; s != NULL; s = s->next)
		if (s->wire)
			return true;
	return false;
}

bool hub_follows(const struct hub *h, unsigned id)
{
	for (const struct hub_stream *s = h->streams; s != NULL; s = s->next)
		if (follows(s, id))
			return true;
	return false;
}
