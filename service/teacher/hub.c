/*
 * hub: the teacher's event streams (see hub.h). A few streams at most, so
 * a list; every event is framed once and written to each.
 */
#include "teacher/hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "net/webconn.h"

/* An event framed this long is framed on the stack (most are ~150 B). */
#define HUB_FRAME_STACK 1024

struct hub_stream {
	struct hub_stream *next;
	struct webconn *w;
	unsigned trace[HUB_MAX_TRACE];
	size_t ntrace;
	bool wire;
	unsigned long long missed; /* events dropped, not yet told */
};

struct hub {
	struct hub_stream *streams;
	size_t count;
	struct event *keepalive;
};

/* The "missed" event, once the reader has room again. */
static void tell_missed(struct hub_stream *s)
{
	char line[96];
	int n = snprintf(line, sizeof(line),
			 "data: {\"type\":\"missed\",\"count\":%llu}\n\n",
			 s->missed);

	webconn_stream_write(s->w, line, (size_t)n);
	s->missed = 0;
}

/* Writes a framed event to one stream, or drops it past the bound. */
static void put(struct hub_stream *s, const char *frame, size_t len)
{
	if (webconn_pending(s->w) > HUB_MAX_QUEUE) {
		s->missed++;
		return;
	}
	if (s->missed > 0)
		tell_missed(s);
	webconn_stream_write(s->w, frame, len);
}

/* Every HUB_KEEPALIVE_SECONDS: a comment, and a missed count owed. */
static void on_keepalive(evutil_socket_t fd, short what, void *arg)
{
	struct hub *h = arg;

	(void)fd;
	(void)what;
	for (struct hub_stream *s = h->streams; s != NULL; s = s->next)
		put(s, ": keepalive\n\n", 14);
}

struct hub *hub_new(struct event_base *base)
{
	struct hub *h = xcalloc(1, sizeof(*h));
	struct timeval tv = { .tv_sec = HUB_KEEPALIVE_SECONDS, .tv_usec = 0 };

	h->keepalive = event_new(base, -1, EV_PERSIST, on_keepalive, h);
	if (h->keepalive == NULL) {
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
		free(s);
	}
	event_free(h->keepalive);
	free(h);
}

int hub_add(struct hub *h, struct webconn *w, const unsigned *trace,
	    size_t ntrace, bool wire)
{
	struct hub_stream *s;

	if (h->count >= HUB_MAX_STREAMS)
		return -1;
	s = xcalloc(1, sizeof(*s));
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
		free(s);
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
			put(s, frame, n);
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
