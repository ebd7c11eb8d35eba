/*
 * test_hub: the teacher's event streams over real webconns with a fake
 * owner: each stream's head, events framed as Server-Sent Events, the
 * trace only to the streams following a session, the cap on streams,
 * and a reader over HUB_MAX_QUEUE behind losing events, then told how
 * many once it has room.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "net/webconn.h"
#include "strbuf.h"
#include "teacher/hub.h"

/* One stream's socket, as its conn would hold it. */
struct reader {
	struct webconn *w;
	struct strbuf out;
	size_t pending; /* bytes "unsent": the test says */
};

struct fixture {
	struct event_base *base;
	struct hub *hub;
	struct reader r[HUB_MAX_STREAMS + 1];
	struct webconn_env env;
};

static void on_write(void *ctx, const void *data, size_t len)
{
	strbuf_append(&((struct reader *)ctx)->out, data, len);
}

static void on_nothing(void *ctx)
{
	(void)ctx;
}

static void on_data(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
}

static void on_close(void *ctx, const char *reason)
{
	(void)ctx;
	(void)reason;
}

static size_t on_pending(void *ctx)
{
	return ((struct reader *)ctx)->pending;
}

static const struct webconn_cbs cbs = {
	.write = on_write,
	.write_static = on_write,
	.upgraded = on_nothing,
	.on_data = on_data,
	.on_end = on_nothing,
	.close = on_close,
	.pending = on_pending,
};

/* The teacher's layer: here, nothing but holding the request. */
static void on_request(void *ctx, struct webconn *w,
		       const struct http_request *req, const char *body,
		       size_t len, const struct sockaddr *peer)
{
	(void)ctx;
	(void)w;
	(void)req;
	(void)body;
	(void)len;
	(void)peer;
}

static void on_gone(void *ctx, struct webconn *w)
{
	hub_remove(ctx, w);
}

static struct webconn_teacher teacher = { on_request, on_gone, NULL };

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	static const char get[] = "GET /teacher/api/events HTTP/1.1\r\n"
				  "Host: h\r\n\r\n";

	f->base = event_base_new();
	f->hub = hub_new(f->base);
	teacher.ctx = f->hub;
	f->env.teacher = &teacher;
	for (size_t i = 0; i < HUB_MAX_STREAMS + 1; i++) {
		strbuf_init(&f->r[i].out);
		f->r[i].w = webconn_new(f->base, &f->env, (unsigned)i + 1, NULL,
					&cbs, &f->r[i]);
		webconn_feed(f->r[i].w, get, sizeof(get) - 1);
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < HUB_MAX_STREAMS + 1; i++) {
		webconn_free(f->r[i].w);
		strbuf_fini(&f->r[i].out);
	}
	hub_free(f->hub);
	event_base_free(f->base);
	free(f);
	return 0;
}

/* Whether a reader got needle. */
static bool got(const struct reader *r, const char *needle)
{
	return r->out.len > 0 &&
	       memmem(r->out.data, r->out.len, needle, strlen(needle)) != NULL;
}

/* Runs the loop past the batches' wait: what was gathered is written. */
static void flush(struct fixture *f)
{
	struct timeval later = { .tv_sec = 0, .tv_usec = 100 * 1000 };

	event_base_loopexit(f->base, &later);
	event_base_dispatch(f->base);
}

/* A stream's head, then each event as one "data:" line and a blank one. */
static void test_events_framed(void **state)
{
	struct fixture *f = *state;
	const unsigned follow[] = { 7 };

	assert_int_equal(hub_add(f->hub, f->r[0].w, NULL, 0, false), 0);
	assert_int_equal(hub_add(f->hub, f->r[1].w, follow, 1, false), 0);
	assert_true(got(&f->r[0], "HTTP/1.1 200 OK\r\n"));
	assert_true(got(&f->r[0], "Content-Type: text/event-stream"));
	assert_false(got(&f->r[0], "Content-Length"));
	hub_publish(f->hub, "{\"type\":\"key\"}", 14);
	flush(f);
	assert_true(got(&f->r[0], "\r\n\r\n: hotlined's class events\n\n"
				  "data: {\"type\":\"key\"}\n\n"));
	assert_true(got(&f->r[1], "data: {\"type\":\"key\"}\n\n"));
	/* Following a session's wire wants the wire kept; events alone not. */
	assert_true(hub_wants_wire(f->hub));
	/* A trace goes to the stream following its session only. */
	assert_true(hub_follows(f->hub, 7));
	assert_false(hub_follows(f->hub, 8));
	hub_publish_trace(f->hub, 7, "{\"type\":\"trace\"}", 16);
	flush(f);
	assert_true(got(&f->r[1], "data: {\"type\":\"trace\"}\n\n"));
	assert_false(got(&f->r[0], "trace"));
	/* A stream that goes is forgotten. */
	webconn_free(f->r[1].w);
	f->r[1].w = NULL;
	assert_int_equal(hub_count(f->hub), 1);
	assert_false(hub_follows(f->hub, 7));
	assert_false(hub_wants_wire(f->hub));
}

/* HUB_MAX_STREAMS at once; the next is refused and not answered. */
static void test_cap(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < HUB_MAX_STREAMS; i++)
		assert_int_equal(hub_add(f->hub, f->r[i].w, NULL, 0, false), 0);
	assert_int_equal(hub_add(f->hub, f->r[HUB_MAX_STREAMS].w, NULL, 0,
				 false),
			 -1);
	assert_int_equal(f->r[HUB_MAX_STREAMS].out.len, 0);
	assert_int_equal(hub_count(f->hub), HUB_MAX_STREAMS);
}

/* Past the queue's bound events are dropped, then counted in one event. */
static void test_missed(void **state)
{
	struct fixture *f = *state;
	size_t before;

	assert_int_equal(hub_add(f->hub, f->r[0].w, NULL, 0, false), 0);
	f->r[0].pending = HUB_MAX_QUEUE + 1;
	before = f->r[0].out.len;
	for (int i = 0; i < 1000; i++)
		hub_publish(f->hub, "{\"type\":\"key\"}", 14);
	assert_int_equal(f->r[0].out.len, before);
	f->r[0].pending = 0;
	hub_publish(f->hub, "{\"type\":\"close\"}", 16);
	flush(f);
	assert_true(got(&f->r[0], "data: {\"type\":\"missed\",\"count\":1000}"
				  "\n\ndata: {\"type\":\"close\"}\n\n"));
}

/*
 * Events wait in a batch: written when the loop has run past the wait,
 * or at once when the batch is full; a stream that goes takes its batch.
 */
static void test_batched(void **state)
{
	struct fixture *f = *state;
	char event[1000];
	size_t before, n = 0;

	assert_int_equal(hub_add(f->hub, f->r[0].w, NULL, 0, false), 0);
	assert_int_equal(hub_add(f->hub, f->r[1].w, NULL, 0, false), 0);
	before = f->r[0].out.len;
	hub_publish(f->hub, "{\"type\":\"key\"}", 14);
	assert_int_equal(f->r[0].out.len, before);
	flush(f);
	assert_true(got(&f->r[0], "data: {\"type\":\"key\"}\n\n"));
	/* 64 KiB of events: out with the one that fills the batch. */
	memset(event, 'x', sizeof(event));
	before = f->r[0].out.len;
	while (f->r[0].out.len == before) {
		hub_publish(f->hub, event, sizeof(event));
		n++;
		assert_true(n <= 70);
	}
	assert_int_equal(n, 64 * 1024 / (sizeof(event) + 8) + 1);
	assert_int_equal(f->r[0].out.len - before, n * (sizeof(event) + 8));
	/* A gathered event dies with its stream, unwritten. */
	hub_publish(f->hub, "{\"type\":\"close\"}", 16);
	webconn_free(f->r[1].w);
	f->r[1].w = NULL;
	flush(f);
	assert_true(got(&f->r[0], "data: {\"type\":\"close\"}\n\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_events_framed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batched, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
