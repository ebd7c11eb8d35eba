/*
 * ctrace: builds each trace block in memory, wraps it to the width of
 * the screen and hands it to the sink in one piece, so a block is never
 * split by the screen's own output. The client has one connection, so
 * the two telnet decoders are the module's.
 */
#include "ctrace.h"
#include "netaddr.h"
#include "wiretrace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

bool ctrace_on;
static bool ctrace_colour;
static ctrace_sink ctrace_out;
static void *ctrace_out_ctx;
static struct wiretrace_dir ctrace_in_dir, ctrace_out_dir;

/* Turns the trace on, colour for a terminal. */
void ctrace_enable(void)
{
	ctrace_on = true;
	ctrace_colour = isatty(STDERR_FILENO) == 1;
	wiretrace_dir_init(&ctrace_in_dir, false);
	/* Our own "/op PASSWORD" lines are masked like the server masks them. */
	wiretrace_dir_init(&ctrace_out_dir, true);
}

/* Where blocks go from now on. */
void ctrace_set_sink(ctrace_sink sink, void *ctx)
{
	ctrace_out = sink;
	ctrace_out_ctx = ctx;
}

/*
 * Starts a block with its time stamp; false if there is no memory for
 * one. A terminal is asked its width for each block, so that a resized
 * window is followed; a file or pipe gets 100 columns.
 */
static bool ctrace_begin(struct wiretrace_block *b)
{
	if (wiretrace_block_begin(b, ctrace_colour,
				  ctrace_colour
					  ? wiretrace_columns(STDERR_FILENO)
					  : WIRETRACE_WIDTH) < 0)
		return false;
	wiretrace_stamp(b->f, b->look.colour);
	return true;
}

/*
 * Wraps the finished block to its width, hands it to the sink or stderr,
 * frees it.
 */
static void ctrace_end(struct wiretrace_block *b)
{
	size_t len;
	char *wrapped = wiretrace_block_end(b, &len);

	if (wrapped == NULL)
		return;
	if (ctrace_out != NULL) {
		ctrace_out(ctrace_out_ctx, wrapped, len);
	} else {
		fwrite(wrapped, 1, len, stderr);
		fflush(stderr);
	}
	free(wrapped);
}

/* The connected socket's two ends. */
void ctrace_connected(int fd, const char *proto)
{
	struct sockaddr_storage here = { 0 }, there = { 0 };
	socklen_t len = sizeof(here);
	char a[NETADDR_MAX], b[NETADDR_MAX];
	bool tcp = proto[0] == 'T';

	getsockname(fd, (struct sockaddr *)&here, &len);
	len = sizeof(there);
	getpeername(fd, (struct sockaddr *)&there, &len);
	netaddr_format((struct sockaddr *)&here, a, sizeof(a));
	netaddr_format((struct sockaddr *)&there, b, sizeof(b));
	ctrace_event("%s: client %s -> server %s %s", proto, a, b,
		     tcp ? "(connected: connect() returned once the SYN, "
			   "SYN-ACK, ACK handshake was done)"
			 : "(no handshake: connect() on a UDP socket sends "
			   "nothing, it only fixes where datagrams go)");
}

/* One chunk as a header and its dump. */
void ctrace_bytes(enum ctrace_dir dir, const void *buf, size_t len, bool secret)
{
	bool in = dir == CTRACE_IN;
	struct wiretrace_dir *d = in ? &ctrace_in_dir : &ctrace_out_dir;
	size_t masked = wiretrace_masked(d, buf, len, secret);
	struct wiretrace_block b;

	if (!ctrace_begin(&b))
		return;
	fprintf(b.f, "%s%s %zu byte%s%s",
		wiretrace_colour(in ? WIRETRACE_IN : WIRETRACE_OUT,
				 b.look.colour),
		in ? "in" : "out", len, len == 1 ? "" : "s",
		wiretrace_colour(WIRETRACE_RESET, b.look.colour));
	if (masked > 0)
		fprintf(b.f, " (%zu byte%s of a password masked)", masked,
			masked == 1 ? "" : "s");
	fputc('\n', b.f);
	wiretrace_dump(d, b.f, buf, len, secret, &b.look);
	ctrace_end(&b);
}

/* One datagram: no decoder, it is not telnet. */
void ctrace_datagram(enum ctrace_dir dir, const void *buf, size_t len)
{
	bool in = dir == CTRACE_IN;
	struct wiretrace_block b;

	if (!ctrace_begin(&b))
		return;
	fprintf(b.f, "%sdatagram %s %zu byte%s%s\n",
		wiretrace_colour(in ? WIRETRACE_IN : WIRETRACE_OUT,
				 b.look.colour),
		in ? "in" : "out", len, len == 1 ? "" : "s",
		wiretrace_colour(WIRETRACE_RESET, b.look.colour));
	wiretrace_dump(NULL, b.f, buf, len, false, &b.look);
	ctrace_end(&b);
}

/* One line. */
void ctrace_event(const char *fmt, ...)
{
	struct wiretrace_block b;
	va_list ap;

	if (!ctrace_begin(&b))
		return;
	fputs(wiretrace_colour(WIRETRACE_CONNECT, b.look.colour), b.f);
	va_start(ap, fmt);
	vfprintf(b.f, fmt, ap);
	va_end(ap);
	fprintf(b.f, "%s\n", wiretrace_colour(WIRETRACE_RESET, b.look.colour));
	ctrace_end(&b);
}
