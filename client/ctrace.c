/*
 * ctrace: builds each trace block in memory and hands it to the sink in
 * one piece, so a block is never split by the screen's own output. The
 * client has one connection, so the two telnet decoders are the module's.
 */
#include "ctrace.h"
#include "wiretrace.h"

#include <arpa/inet.h>
#include <netinet/in.h>
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

/* Starts a block in a memory stream; NULL if there is no memory for one. */
static FILE *ctrace_begin(char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);

	if (f != NULL)
		wiretrace_stamp(f, ctrace_colour);
	return f;
}

/* Hands the finished block (set by fclose) to the sink or stderr, frees it. */
static void ctrace_end(FILE *f, char **text, size_t *len)
{
	if (fclose(f) == 0 && *text != NULL) {
		if (ctrace_out != NULL) {
			ctrace_out(ctrace_out_ctx, *text, *len);
		} else {
			fwrite(*text, 1, *len, stderr);
			fflush(stderr);
		}
	}
	free(*text);
}

/* Formats "1.2.3.4:5" or "[::1]:5". */
static void ctrace_addr(const struct sockaddr_storage *ss, char *out,
			size_t outsz)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(out, outsz, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(out, outsz, "%s:%u", host, ntohs(in->sin_port));
	} else {
		snprintf(out, outsz, "?");
	}
}

/* The connected socket's two ends. */
void ctrace_connected(int fd, const char *proto)
{
	struct sockaddr_storage here = { 0 }, there = { 0 };
	socklen_t len = sizeof(here);
	char a[INET6_ADDRSTRLEN + 8], b[INET6_ADDRSTRLEN + 8];
	bool tcp = proto[0] == 'T';

	getsockname(fd, (struct sockaddr *)&here, &len);
	len = sizeof(there);
	getpeername(fd, (struct sockaddr *)&there, &len);
	ctrace_addr(&here, a, sizeof(a));
	ctrace_addr(&there, b, sizeof(b));
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
	struct wiretrace_look look = { .colour = ctrace_colour,
				       .width = WIRETRACE_WIDTH };
	char *text = NULL;
	size_t tlen = 0;
	FILE *f = ctrace_begin(&text, &tlen);

	if (f == NULL)
		return;
	fprintf(f, "%s%s %zu byte%s%s",
		wiretrace_colour(in ? WIRETRACE_IN : WIRETRACE_OUT,
				 ctrace_colour),
		in ? "in" : "out", len, len == 1 ? "" : "s",
		wiretrace_colour(WIRETRACE_RESET, ctrace_colour));
	if (masked > 0)
		fprintf(f, " (%zu byte%s of a password masked)", masked,
			masked == 1 ? "" : "s");
	fputc('\n', f);
	wiretrace_dump(d, f, buf, len, secret, &look);
	ctrace_end(f, &text, &tlen);
}

/* One datagram: no decoder, it is not telnet. */
void ctrace_datagram(enum ctrace_dir dir, const void *buf, size_t len)
{
	bool in = dir == CTRACE_IN;
	struct wiretrace_look look = { .colour = ctrace_colour,
				       .width = WIRETRACE_WIDTH };
	char *text = NULL;
	size_t tlen = 0;
	FILE *f = ctrace_begin(&text, &tlen);

	if (f == NULL)
		return;
	fprintf(f, "%sdatagram %s %zu byte%s%s\n",
		wiretrace_colour(in ? WIRETRACE_IN : WIRETRACE_OUT,
				 ctrace_colour),
		in ? "in" : "out", len, len == 1 ? "" : "s",
		wiretrace_colour(WIRETRACE_RESET, ctrace_colour));
	wiretrace_dump(NULL, f, buf, len, false, &look);
	ctrace_end(f, &text, &tlen);
}

/* One line. */
void ctrace_event(const char *fmt, ...)
{
	char *text = NULL;
	size_t tlen = 0;
	FILE *f = ctrace_begin(&text, &tlen);
	va_list ap;

	if (f == NULL)
		return;
	fputs(wiretrace_colour(WIRETRACE_CONNECT, ctrace_colour), f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fprintf(f, "%s\n", wiretrace_colour(WIRETRACE_RESET, ctrace_colour));
	ctrace_end(f, &text, &tlen);
}
