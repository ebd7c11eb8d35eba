/*
 * pipe: the front end when stdin is not a terminal. No readline: every
 * line of stdin goes to the server as a line (CR LF), once the server's
 * greeting is over so our refusals of its offers arrive first; everything
 * the server sends is printed; after end of input it waits until the
 * server has been quiet for the linger period (or hangs up), then ends.
 *
 * It knows nothing of telnet or sockets: it talks to a remote.
 */
#ifndef HOTLINE_CLIENT_PIPE_H
#define HOTLINE_CLIENT_PIPE_H

#include "remote.h"

/* Bytes read from stdin at a time. */
#define PIPE_READ_CHUNK 4096

struct event_base;
struct pipe_mode;

/* The callbacks to register with remote_new for a pipe_mode context. */
extern const struct remote_ops pipe_mode_remote_ops;

/* Returns a pipe front end; linger in seconds. The caller owns it. */
struct pipe_mode *pipe_mode_new(struct event_base *base, double linger);
/* Frees it; NULL is fine. The remote is not its to free. */
void pipe_mode_free(struct pipe_mode *p);
/* Starts talking to r (not owned). */
void pipe_mode_start(struct pipe_mode *p, struct remote *r);
/* The exit status once the event loop has stopped. */
int pipe_mode_exit_code(const struct pipe_mode *p);

#endif
