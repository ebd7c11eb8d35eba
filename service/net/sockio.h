/*
 * sockio: the bytes of one connected socket, in and out, on the event
 * loop. Output is queued and written once per loop pass (a sockio_group
 * collects the sockets given output during the pass), so a socket gets one
 * write carrying everything queued for it, and no epoll round trip; the
 * socket is watched for writability only while the kernel's buffer is
 * full. Input is read straight into one shared buffer. An idle socket
 * holds a read event and nothing else.
 */
#ifndef HOTLINE_SOCKIO_H
#define HOTLINE_SOCKIO_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/util.h>

/* Bytes read from a socket per call into on_data. */
#define SOCKIO_READ_CHUNK 4096

struct sockio;
struct sockio_group;

/* What the socket reports; each may free the sockio only via a later turn. */
struct sockio_cbs {
	void (*on_data)(void *ctx, const char *data, size_t len);
	void (*on_eof)(void *ctx);            /* the peer sent FIN */
	void (*on_error)(void *ctx, int err); /* reading or writing failed */
	void (*on_written)(void *ctx);        /* some output went out */
};

/* One per event loop: the queue of sockets to write at the end of a pass. */
struct sockio_group *sockio_group_new(struct event_base *base);
void sockio_group_free(struct sockio_group *g);

/* Takes over a non-blocking socket (closed by sockio_free) and reads it. */
struct sockio *sockio_new(struct sockio_group *g, evutil_socket_t fd,
			  const struct sockio_cbs *cbs, void *ctx);
void sockio_free(struct sockio *s);

evutil_socket_t sockio_fd(const struct sockio *s);
/* Starts or stops reading (backpressure, closing, after end of input). */
void sockio_set_reading(struct sockio *s, bool on);
/* Queues bytes (copied); they go out at the end of this loop pass. */
void sockio_write(struct sockio *s, const void *data, size_t len);
/* Queues bytes by reference; cleanup runs once they are sent or dropped. */
void sockio_write_reference(struct sockio *s, const void *data, size_t len,
			    evbuffer_ref_cleanup_cb cleanup, void *arg);
/* Writes what is queued now, not at the end of the pass. */
void sockio_send_now(struct sockio *s);
/* Bytes queued and not yet taken by the kernel. */
size_t sockio_pending(const struct sockio *s);

#endif
