/*
 * dgram: a connected UDP socket (connect() only fixes the peer: nothing
 * goes on the wire, and the kernel then drops datagrams from anyone
 * else and reports an ICMP "port unreachable" as ECONNREFUSED), a send,
 * a poll with a timeout, and retries.
 */
#include "dgram.h"
#include "ctrace.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Milliseconds on a monotonic clock. */
static double dgram_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
}

/* A UDP socket connected to host:port; -1 after saying why. */
static int dgram_open(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_DGRAM };
	struct addrinfo *list = NULL;
	int fd = -1, rc;

	rc = getaddrinfo(host, port, &hints, &list);
	if (rc != 0) {
		fprintf(stderr, "hotline: cannot find %s port %s: %s\n", host,
			port,
			rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		fprintf(stderr, "hotline: cannot send to %s port %s: %s\n",
			host, port, strerror(errno));
	freeaddrinfo(list);
	return fd;
}

/* Whether reply answers one of our PINGs 1..tries (or any reply, for others). */
static bool dgram_is_answer(const char *reply, size_t len, bool ping, int tries)
{
	if (!ping)
		return true;
	if (len < 6 || strncmp(reply, "PONG ", 5) != 0)
		return strncmp(reply, "ERROR", 5) == 0;
	/* strtol, not atoi: a hostile reply may not fit an int. */
	long seq = strtol(reply + 5, NULL, 10);

	return seq >= 1 && seq <= tries;
}

/*
 * Waits for the answer to try number try: 1 with it in reply, 0 on
 * timeout, -1 if the host answered "port unreachable" instead.
 */
static int dgram_wait(int fd, bool ping, int try, char *reply, size_t *len)
{
	double deadline = dgram_now_ms() + DGRAM_TIMEOUT_MS;

	for (;;) {
		double left = deadline - dgram_now_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)left + 1) <= 0)
			continue; /* timed out (checked above) or EINTR */
		n = recv(fd, reply, DGRAM_MAX, 0);
		if (n < 0) {
			if (errno == ECONNREFUSED) {
				/* An ICMP answer: no UDP socket on that port. */
				if (ctrace_on)
					ctrace_event(
						"ICMP port unreachable: no "
						"program has that UDP port open");
				return -1;
			}
			if (errno != EINTR && errno != EAGAIN)
				return 0;
			continue;
		}
		if (ctrace_on)
			ctrace_datagram(CTRACE_IN, reply, (size_t)n);
		if (dgram_is_answer(reply, (size_t)n, ping, try)) {
			*len = (size_t)n;
			return 1;
		}
		/* A late PONG to nothing we asked: keep waiting. */
	}
}

/* Sends, waits, retries; prints the reply and what happened. */
int dgram_ask(const char *host, const char *port, const char *request)
{
	bool ping = strcasecmp(request, "PING") == 0;
	bool refused = false;
	char reply[DGRAM_MAX + 1], msg[DGRAM_MAX + 1];
	size_t len = 0;
	int fd, code = 1;

	if (strlen(request) > DGRAM_MAX - 24) {
		fprintf(stderr, "hotline: a request is at most %d bytes\n",
			DGRAM_MAX - 24);
		return 1;
	}
	fd = dgram_open(host, port);
	if (fd < 0)
		return 1;
	if (ctrace_on)
		ctrace_connected(fd, "UDP");
	for (int try = 1; try <= DGRAM_TRIES; try++) {
		double sent;
		ssize_t rc;
		int got;
		int n = ping ? snprintf(msg, sizeof(msg), "PING %d", try)
			     : snprintf(msg, sizeof(msg), "%s", request);

		if (ctrace_on)
			ctrace_datagram(CTRACE_OUT, msg, (size_t)n);
		sent = dgram_now_ms();
		rc = send(fd, msg, (size_t)n, 0);
		if (rc < 0 && errno == ECONNREFUSED) {
			/* The ICMP answer to the try before, reported now. */
			refused = true;
			rc = send(fd, msg, (size_t)n, 0);
		}
		if (rc < 0) {
			fprintf(stderr,
				"hotline: cannot send to %s port %s: %s\n",
				host, port, strerror(errno));
			goto out;
		}
		got = dgram_wait(fd, ping, try, reply, &len);
		if (got > 0) {
			reply[len] = '\0';
			fwrite(reply, 1, len, stdout);
			if (len > 0 && reply[len - 1] != '\n')
				putchar('\n');
			fflush(stdout);
			fprintf(stderr,
				"hotline: reply from %s port %s in %.1f ms "
				"(try %d of %d)\n",
				host, port, dgram_now_ms() - sent, try,
				DGRAM_TRIES);
			code = strncmp(reply, "ERROR", 5) == 0 ? 1 : 0;
			goto out;
		}
		if (got < 0)
			refused = true;
		if (try < DGRAM_TRIES && got < 0)
			fprintf(stderr,
				"hotline: try %d: \"port unreachable\"; "
				"sending again\n",
				try);
		else if (try < DGRAM_TRIES)
			fprintf(stderr,
				"hotline: no reply to try %d within %.1f s; "
				"sending again\n",
				try, DGRAM_TIMEOUT_MS / 1000.0);
	}
	fprintf(stderr,
		"hotline: no reply after %d tries: UDP may lose a "
		"datagram, or nothing answers on %s port %s%s\n",
		DGRAM_TRIES, host, port,
		refused ? " (the host said \"port unreachable\")" : "");
out:
	if (ctrace_on)
		ctrace_event(
			"UDP: nothing to close, no FIN: the socket is just "
			"dropped");
	close(fd);
	return code;
}
