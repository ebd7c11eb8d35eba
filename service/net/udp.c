/*
 * udp: datagram requests answered on the event loop. Each datagram is
 * read whole with recvfrom and answered with one sendto to the address
 * it came from; nothing is kept between datagrams, so there is nothing to
 * open or close. Must not know about conns, sessions or SQLite.
 */
#include "udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "log/trace.h"
#include "mem.h"
#include "netaddr.h"
#include "netbind.h"

struct udp_socket {
	struct udp_server *server;
	evutil_socket_t fd;
	struct event *ev;
	char local[NETADDR_MAX]; /* "addr:port", for the trace */
};

struct udp_server {
	struct event_base *base;
	struct udp_socket socks[UDP_MAX_SOCKETS];
	size_t nsocks;
	struct account_plan plans[UDP_MAX_PLANS];
	size_t nplans;
	udp_status_fn status;
	void *ctx;
	struct timespec started;
	double tokens; /* replies that may go out now */
	struct timespec refilled;
	unsigned long dropped; /* requests not answered because of the rate */
};

/* Seconds from a to b. */
static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Creates the server; it copies at most UDP_MAX_PLANS plans. */
struct udp_server *udp_server_new(struct event_base *base,
				  const struct account_plan *plans, size_t n,
				  udp_status_fn status, void *ctx)
{
	struct udp_server *u = xcalloc(1, sizeof(*u));

	u->base = base;
	u->nplans = n < UDP_MAX_PLANS ? n : UDP_MAX_PLANS;
	if (u->nplans > 0)
		memcpy(u->plans, plans, u->nplans * sizeof(*plans));
	u->status = status;
	u->ctx = ctx;
	clock_gettime(CLOCK_MONOTONIC, &u->started);
	u->refilled = u->started;
	u->tokens = UDP_RATE;
	return u;
}

/* Closes every socket and frees the server. */
void udp_server_free(struct udp_server *u)
{
	if (u == NULL)
		return;
	for (size_t i = 0; i < u->nsocks; i++) {
		event_free(u->socks[i].ev);
		evutil_closesocket(u->socks[i].fd);
	}
	free(u);
}

/* Whether the rate allows one more reply now; takes it if so. */
static bool udp_take_token(struct udp_server *u)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	u->tokens += elapsed(&u->refilled, &now) * UDP_RATE;
	if (u->tokens > UDP_RATE)
		u->tokens = UDP_RATE;
	u->refilled = now;
	if (u->tokens < 1) {
		if (u->dropped++ % 1000 == 0)
			log_info(0,
				 "udp: over %d replies a second; %lu requests "
				 "dropped so far",
				 UDP_RATE, u->dropped);
		return false;
	}
	u->tokens -= 1;
	return true;
}

/* The request's first word is word (any case), followed by nothing or a space. */
static bool is_word(const char *req, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && strncasecmp(req, word, n) == 0 &&
	       (len == n || req[n] == ' ');
}

/* Whether all n bytes of s are ASCII digits (s need not end in NUL). */
static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Appends printf output to out, never past UDP_MAX_DATAGRAM - 1 bytes. */
static size_t udp_append(char *out, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static size_t udp_append(char *out, size_t at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (at >= UDP_MAX_DATAGRAM - 1)
		return at;
	va_start(ap, fmt);
	n = vsnprintf(out + at, UDP_MAX_DATAGRAM - at, fmt, ap);
	va_end(ap);
	if (n < 0)
		return at;
	at += (size_t)n;
	return at < UDP_MAX_DATAGRAM - 1 ? at : UDP_MAX_DATAGRAM - 1;
}

/* PLANS: one line per plan; whole lines only, so a cut reply stays readable. */
static size_t udp_plans(struct udp_server *u, char *out)
{
	size_t at = udp_append(out, 0, "PLANS %zu\n", u->nplans);

	for (size_t i = 0; i < u->nplans; i++) {
		char price[32], line[ACCOUNT_TEXT_MAX + 64];
		int n;

		account_format_fen(u->plans[i].fen, price, sizeof(price));
		n = snprintf(line, sizeof(line), "%s yuan/month  %s\n", price,
			     u->plans[i].name);
		if (n < 0 || at + (size_t)n >= UDP_MAX_DATAGRAM - 1)
			break;
		at = udp_append(out, at, "%s", line);
	}
	return at;
}

/* Builds the reply to one request. */
size_t udp_server_reply(struct udp_server *u, const char *req, size_t len,
			char *out)
{
	char shown[64];
	struct timespec now;

	/* nc -u sends the line with its newline; any line end will do. */
	while (len > 0 && (req[len - 1] == '\n' || req[len - 1] == '\r' ||
			   req[len - 1] == ' '))
		len--;
	if (is_word(req, len, "STATUS") && len == 6) {
		struct udp_status st = { 0 };

		if (u->status != NULL)
			u->status(u->ctx, &st);
		clock_gettime(CLOCK_MONOTONIC, &now);
		return udp_append(out, 0,
				  "STATUS sessions=%zu chat=%zu uptime=%lds\n",
				  st.sessions, st.chat,
				  (long)elapsed(&u->started, &now));
	}
	if (is_word(req, len, "PLANS") && len == 5)
		return udp_plans(u, out);
	if (is_word(req, len, "PING")) {
		const char *seq = req + 4;
		size_t n = len - 4;

		while (n > 0 && *seq == ' ') {
			seq++;
			n--;
		}
		if (n == 0)
			return udp_append(out, 0, "PONG\n");
		if (n <= UDP_PING_DIGITS && is_digits(seq, n))
			return udp_append(out, 0, "PONG %.*s\n", (int)n, seq);
		return udp_append(out, 0,
				  "ERROR PING takes a number: PING 7\n");
	}
	if (len == 0)
		return udp_append(out, 0,
				  "ERROR empty request: try STATUS, "
				  "PLANS or PING 1\n");
	trace_escape(req, len < 32 ? len : 32, shown, sizeof(shown));
	return udp_append(out, 0,
			  "ERROR unknown request \"%s%s\": try STATUS, "
			  "PLANS or PING 1\n",
			  shown, len > 32 ? "..." : "");
}

/*
 * One datagram as it came: who sent it, and (from IP_PKTINFO) the
 * address it was sent to, which the reply must come from: on a machine
 * with several addresses the kernel would otherwise pick one, and a
 * client's connected socket drops a reply from another address.
 */
struct udp_datagram {
	struct sockaddr_storage peer;
	socklen_t peerlen;
	int family;
	bool has_dst;
	struct in_pktinfo dst4;
	struct in6_pktinfo dst6;
	/* cmsg space for the packet info, either family (cmsghdr's alignment) */
	_Alignas(size_t) char control[CMSG_SPACE(sizeof(struct in6_pktinfo))];
};

/* Formats where the datagram went: the address it was sent to, our port. */
static void udp_local(const struct udp_socket *s, const struct udp_datagram *d,
		      char *out, size_t outsz)
{
	struct sockaddr_storage ss = { 0 };
	const char *port = strrchr(s->local, ':');

	if (!d->has_dst || port == NULL) {
		snprintf(out, outsz, "%s", s->local);
		return;
	}
	if (d->family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = d->dst6.ipi6_addr;
		in6->sin6_port = htons((uint16_t)strtoul(port + 1, NULL, 10));
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_addr = d->dst4.ipi_addr;
		in->sin_port = htons((uint16_t)strtoul(port + 1, NULL, 10));
	}
	netaddr_format((struct sockaddr *)&ss, out, outsz);
}

/* Sends the reply from the address the request went to. */
static ssize_t udp_send(struct udp_socket *s, struct udp_datagram *d,
			const char *reply, size_t n)
{
	struct iovec iov = { .iov_base = (void *)reply, .iov_len = n };
	struct msghdr msg = {
		.msg_name = &d->peer,
		.msg_namelen = d->peerlen,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};

	if (d->has_dst) {
		struct cmsghdr *cm;

		memset(d->control, 0, sizeof(d->control));
		msg.msg_control = d->control;
		if (d->family == AF_INET6) {
			msg.msg_controllen = CMSG_SPACE(sizeof(d->dst6));
			cm = CMSG_FIRSTHDR(&msg);
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(d->dst6));
			memcpy(CMSG_DATA(cm), &d->dst6, sizeof(d->dst6));
		} else {
			struct in_pktinfo pi = { .ipi_spec_dst =
							 d->dst4.ipi_addr };

			msg.msg_controllen = CMSG_SPACE(sizeof(pi));
			cm = CMSG_FIRSTHDR(&msg);
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		}
	}
	return sendmsg(s->fd, &msg, 0);
}

/* Answers one datagram. */
static void udp_answer(struct udp_socket *s, const char *buf, size_t len,
		       struct udp_datagram *d)
{
	char reply[UDP_MAX_DATAGRAM], from[NETADDR_MAX];
	char here[NETADDR_MAX];
	size_t n;

	netaddr_format((struct sockaddr *)&d->peer, from, sizeof(from));
	if (trace_wire) {
		udp_local(s, d, here, sizeof(here));
		trace_datagram(TRACE_IN, here, from, buf, len);
	}
	if (!udp_take_token(s->server))
		return;
	n = udp_server_reply(s->server, buf, len, reply);
	log_debug(0, "udp: %.*s from %s", (int)strcspn(reply, " \n"), reply,
		  from);
	if (udp_send(s, d, reply, n) < 0) {
		/* The socket buffer is full or the peer is unreachable: UDP drops it. */
		log_debug(0, "udp: reply to %s lost: %s", from,
			  strerror(errno));
		return;
	}
	if (trace_wire) {
		trace_datagram(TRACE_OUT, here, from, reply, n);
		trace_event(
			0, WIRETRACE_CONNECT,
			"udp: that was all: no handshake "
			"before, no connection kept, nothing to close after");
	}
}

/* Takes the destination address out of the control messages, if there. */
static void udp_find_dst(struct msghdr *msg, struct udp_datagram *d)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm != NULL;
	     cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			memcpy(&d->dst4, CMSG_DATA(cm), sizeof(d->dst4));
			d->family = AF_INET;
			d->has_dst = true;
		} else if (cm->cmsg_level == IPPROTO_IPV6 &&
			   cm->cmsg_type == IPV6_PKTINFO) {
			memcpy(&d->dst6, CMSG_DATA(cm), sizeof(d->dst6));
			d->family = AF_INET6;
			d->has_dst = true;
		}
	}
}

/* Reads the datagrams waiting, a bounded number per wake-up. */
static void udp_on_read(evutil_socket_t fd, short what, void *ctx)
{
	struct udp_socket *s = ctx;
	char buf[UDP_MAX_DATAGRAM];

	(void)what;
	for (int i = 0; i < UDP_READS_PER_WAKE; i++) {
		struct udp_datagram d;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = {
			.msg_name = &d.peer,
			.msg_namelen = sizeof(d.peer),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = d.control,
			.msg_controllen = sizeof(d.control),
		};
		ssize_t n;

		memset(&d, 0, sizeof(d));
		/* MSG_TRUNC: the datagram's real size, to drop oversized ones. */
		n = recvmsg(fd, &msg, MSG_TRUNC);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_debug(0, "udp: recvmsg: %s",
					  strerror(errno));
			return;
		}
		if ((size_t)n > sizeof(buf)) {
			log_debug(0, "udp: %zd-byte datagram ignored (over %d)",
				  n, UDP_MAX_DATAGRAM);
			continue;
		}
		d.peerlen = msg.msg_namelen;
		udp_find_dst(&msg, &d);
		udp_answer(s, buf, (size_t)n, &d);
	}
}

/* A bind in progress: the server and the port every address gets. */
struct udp_binding {
	struct udp_server *server;
	unsigned port;
};

/* Binds one address (ctx is a struct udp_binding). */
static int udp_bind_one(void *ctx, struct sockaddr *sa, socklen_t salen)
{
	struct udp_binding *b = ctx;
	struct udp_server *u = b->server;
	struct udp_socket *s;
	/* Zeroed for the analyzer, which cannot see getsockname fill it. */
	struct sockaddr_storage bound = { 0 };
	socklen_t boundlen = sizeof(bound);
	evutil_socket_t fd;
	enum netbind_step failed;
	int one = 1;
	char where[NETADDR_MAX];

	if (u->nsocks == UDP_MAX_SOCKETS) {
		log_error(0, "too many UDP sockets (at most %d)",
			  UDP_MAX_SOCKETS);
		return -1;
	}
	netaddr_set_port(sa, b->port);
	netaddr_format(sa, where, sizeof(where));
	fd = netbind_socket(sa, salen, SOCK_DGRAM, &failed);
	if (fd < 0 && failed == NETBIND_SOCKET) {
		log_error(0, "cannot make a UDP socket for %s: %s", where,
			  strerror(errno));
		return -1;
	}
	if (fd < 0) {
		log_error(0,
			  "cannot listen for UDP on %s: %s (--udp-port 0 "
			  "turns UDP off)",
			  where, strerror(errno));
		return -1;
	}
	/* Where each datagram went, for the reply to come from there. */
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			   sizeof(one));
	else
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	s = &u->socks[u->nsocks];
	s->server = u;
	s->fd = fd;
	if (getsockname(fd, (struct sockaddr *)&bound, &boundlen) == 0)
		netaddr_format((struct sockaddr *)&bound, s->local,
			       sizeof(s->local));
	else
		snprintf(s->local, sizeof(s->local), "%s", where);
	s->ev = event_new(u->base, fd, EV_READ | EV_PERSIST, udp_on_read, s);
	if (s->ev == NULL || event_add(s->ev, NULL) < 0) {
		log_error(0, "cannot watch the UDP socket on %s", s->local);
		if (s->ev != NULL)
			event_free(s->ev);
		close(fd);
		return -1;
	}
	u->nsocks++;
	log_info(0, "udp on %s (STATUS, PLANS, PING N)", s->local);
	return 0;
}

/* Binds every address addr resolves to, or both wildcards. */
int udp_server_bind(struct udp_server *u, const char *addr, unsigned port)
{
	struct udp_binding b = { .server = u, .port = port };
	int gai_error;

	if (netbind_each(addr, SOCK_DGRAM, udp_bind_one, &b, &gai_error) == 0)
		return 0;
	if (gai_error != 0)
		log_error(0, "cannot listen for UDP on %s: %s", addr,
			  gai_strerror(gai_error));
	return -1;
}
