/*
 * test_sockio: one socket's bytes in and out over a real socketpair and a
 * real event loop: output of a pass goes out in one flush, in order; a
 * full kernel buffer waits for writability and loses nothing; end of
 * input, a peer that vanished, reading paused and resumed, and shared
 * bytes released exactly once, sent or not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "mem.h"
#include "net/sockio.h"
#include "strbuf.h"

/* Loop passes a wait may take before it gives up. */
#define MAX_PASSES 2000

struct fixture {
	struct event_base *base;
	struct sockio_group *group;
	struct sockio *io;
	int peer; /* the other end, blocking off */
	struct strbuf got;
	int eofs, errors, written, last_error;
	int released; /* write_reference cleanups run */
};

static void on_data(void *ctx, const char *data, size_t len)
{
	strbuf_append(&((struct fixture *)ctx)->got, data, len);
}

static void on_eof(void *ctx)
{
	((struct fixture *)ctx)->eofs++;
}

static void on_error(void *ctx, int err)
{
	struct fixture *f = ctx;

	f->errors++;
	f->last_error = err;
}

static void on_written(void *ctx)
{
	((struct fixture *)ctx)->written++;
}

static const struct sockio_cbs cbs = {
	.on_data = on_data,
	.on_eof = on_eof,
	.on_error = on_error,
	.on_written = on_written,
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	evutil_make_socket_nonblocking(sv[0]);
	evutil_make_socket_nonblocking(sv[1]);
	f->base = event_base_new();
	f->group = sockio_group_new(f->base);
	f->io = sockio_new(f->group, sv[0], &cbs, f);
	f->peer = sv[1];
	strbuf_init(&f->got);
	*state = f;
	return f->io != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sockio_free(f->io);
	sockio_group_free(f->group);
	event_base_free(f->base);
	if (f->peer >= 0)
		close(f->peer);
	strbuf_fini(&f->got);
	free(f);
	return 0;
}

/* One pass of the loop, without waiting. */
static void pass(struct fixture *f)
{
	event_base_loop(f->base, EVLOOP_NONBLOCK);
}

/* Reads what the peer has now into out; false at end of input. */
static bool peer_read(struct fixture *f, struct strbuf *out)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(f->peer, buf, sizeof(buf))) > 0)
		strbuf_append(out, buf, (size_t)n);
	return n != 0;
}

static void test_a_pass_goes_out_in_one_flush(void **state)
{
	struct fixture *f = *state;
	struct strbuf seen;

	strbuf_init(&seen);
	sockio_write(f->io, "one ", 4);
	sockio_write(f->io, "two ", 4);
	sockio_write(f->io, "three", 5);
	/* Nothing is written before the pass ends. */
	assert_int_equal(sockio_pending(f->io), 13);
	peer_read(f, &seen);
	assert_int_equal(seen.len, 0);
	pass(f);
	assert_int_equal(sockio_pending(f->io), 0);
	assert_int_equal(f->written, 1);
	peer_read(f, &seen);
	assert_int_equal(seen.len, 13);
	assert_memory_equal(seen.data, "one two three", 13);
	/* An empty write queues nothing and flushes nothing. */
	sockio_write(f->io, "", 0);
	pass(f);
	assert_int_equal(f->written, 1);
	strbuf_fini(&seen);
}

/* send_now writes the queue at once; the pass's flush then has nothing. */
static void test_send_now(void **state)
{
	struct fixture *f = *state;
	struct strbuf seen;

	strbuf_init(&seen);
	/* Nothing queued: nothing written. */
	sockio_send_now(f->io);
	assert_int_equal(f->written, 0);
	sockio_write(f->io, "chat ", 5);
	sockio_write(f->io, "batch", 5);
	sockio_send_now(f->io);
	assert_int_equal(sockio_pending(f->io), 0);
	assert_int_equal(f->written, 1);
	peer_read(f, &seen);
	assert_int_equal(seen.len, 10);
	assert_memory_equal(seen.data, "chat batch", 10);
	pass(f);
	assert_int_equal(f->written, 1);
	/* What is queued after it waits for the pass again. */
	sockio_write(f->io, "!", 1);
	assert_int_equal(sockio_pending(f->io), 1);
	pass(f);
	assert_int_equal(f->written, 2);
	peer_read(f, &seen);
	assert_int_equal(seen.len, 11);
	strbuf_fini(&seen);
}

static void test_full_kernel_buffer_loses_nothing(void **state)
{
	struct fixture *f = *state;
	static char big[4 * 1024 * 1024];
	struct strbuf seen;
	int passes;

	strbuf_init(&seen);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 23);
	sockio_write(f->io, big, sizeof(big));
	pass(f);
	/* Four MiB do not fit a socketpair's buffers: the rest waits. */
	assert_true(sockio_pending(f->io) > 0);
	for (passes = 0; passes < MAX_PASSES && seen.len < sizeof(big);
	     passes++) {
		peer_read(f, &seen);
		pass(f);
	}
	peer_read(f, &seen);
	assert_int_equal(seen.len, sizeof(big));
	assert_memory_equal(seen.data, big, sizeof(big));
	assert_int_equal(sockio_pending(f->io), 0);
	assert_true(f->written > 1);
	assert_int_equal(f->errors, 0);
	strbuf_fini(&seen);
}

static void test_data_then_end_of_input(void **state)
{
	struct fixture *f = *state;
	struct strbuf seen;

	strbuf_init(&seen);
	assert_int_equal(write(f->peer, "abc\r\n", 5), 5);
	shutdown(f->peer, SHUT_WR);
	for (int i = 0; i < MAX_PASSES && f->eofs == 0; i++)
		pass(f);
	assert_int_equal(f->got.len, 5);
	assert_memory_equal(f->got.data, "abc\r\n", 5);
	assert_int_equal(f->eofs, 1);
	assert_int_equal(f->errors, 0);
	/* Reading stopped: no second end of input, however long it runs. */
	for (int i = 0; i < 10; i++)
		pass(f);
	assert_int_equal(f->eofs, 1);
	/* The half-closed peer still gets an answer. */
	sockio_write(f->io, "bye", 3);
	pass(f);
	peer_read(f, &seen);
	assert_int_equal(seen.len, 3);
	assert_memory_equal(seen.data, "bye", 3);
	strbuf_fini(&seen);
}

static void test_vanished_peer_is_an_error_once(void **state)
{
	struct fixture *f = *state;
	static char chunk[64 * 1024];

	close(f->peer);
	f->peer = -1;
	memset(chunk, 'x', sizeof(chunk));
	for (int i = 0; i < MAX_PASSES && f->errors == 0; i++) {
		sockio_write(f->io, chunk, sizeof(chunk));
		pass(f);
	}
	assert_int_equal(f->errors, 1);
	assert_true(f->last_error == EPIPE || f->last_error == ECONNRESET);
	/* After the error the socket takes nothing and reports nothing. */
	sockio_write(f->io, chunk, sizeof(chunk));
	pass(f);
	assert_int_equal(f->errors, 1);
	assert_int_equal(f->eofs, 0);
}

static void test_reading_paused_and_resumed(void **state)
{
	struct fixture *f = *state;

	sockio_set_reading(f->io, false);
	assert_int_equal(write(f->peer, "held", 4), 4);
	for (int i = 0; i < 10; i++)
		pass(f);
	assert_int_equal(f->got.len, 0);
	/* Resumed: what waited in the kernel arrives, nothing lost. */
	sockio_set_reading(f->io, true);
	for (int i = 0; i < MAX_PASSES && f->got.len < 4; i++)
		pass(f);
	assert_int_equal(f->got.len, 4);
	assert_memory_equal(f->got.data, "held", 4);
}

static void release(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	((struct fixture *)arg)->released++;
}

static void test_shared_bytes_released_once(void **state)
{
	struct fixture *f = *state;
	static const char shared[] = "[12:00:00] guest-1: hi\r\n";
	struct strbuf seen;

	strbuf_init(&seen);
	sockio_write_reference(f->io, shared, sizeof(shared) - 1, release, f);
	assert_int_equal(f->released, 0);
	pass(f);
	peer_read(f, &seen);
	assert_int_equal(seen.len, sizeof(shared) - 1);
	assert_int_equal(f->released, 1);
	/* Queued and never sent: released when the socket goes. */
	sockio_write_reference(f->io, shared, sizeof(shared) - 1, release, f);
	sockio_free(f->io);
	f->io = NULL;
	assert_int_equal(f->released, 2);
	strbuf_fini(&seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_a_pass_goes_out_in_one_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_full_kernel_buffer_loses_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_now, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_then_end_of_input,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_vanished_peer_is_an_error_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reading_paused_and_resumed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_bytes_released_once,
						setup, teardown),
	};

	/* As hotlined does: a write to a vanished peer is an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
