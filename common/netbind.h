/*
 * netbind: the addresses a server listens on, and a socket bound to one.
 * hotlined's telnet listener (TCP) and its UDP service bind the same
 * --listen addresses the same way: each address a name resolves to, or
 * the IPv4 and the IPv6 wildcard, one socket per family.
 *
 * Self-contained (libc only): it makes and binds sockets and knows
 * nothing of libevent, listening, datagrams or logging. It reports
 * failures with errno and getaddrinfo's code; the caller words them.
 */
#ifndef HOTLINE_NETBIND_H
#define HOTLINE_NETBIND_H

#include <sys/socket.h>

/* Where netbind_socket failed. */
enum netbind_step {
	NETBIND_SOCKET, /* socket() or its options: errno says why */
	NETBIND_BIND,   /* bind(): errno says why (EADDRINUSE: port taken) */
};

/*
 * Binds one address for the caller (its port still to be set) and says
 * why when it cannot: 0 or -1.
 */
typedef int (*netbind_one_fn)(void *ctx, struct sockaddr *sa, socklen_t salen);

/*
 * Calls one for each IPv4 and IPv6 address addr resolves to, for
 * socktype (SOCK_STREAM or SOCK_DGRAM); when addr is NULL, for the IPv4
 * wildcard and then the IPv6 one, which may fail (IPv6 can be turned off
 * on a machine: IPv4 alone still serves). Returns 0 when one call
 * succeeded (the IPv4 one for the wildcards), else -1; *gai_error is
 * getaddrinfo's code when addr did not resolve (for gai_strerror), else 0.
 */
int netbind_each(const char *addr, int socktype, netbind_one_fn one, void *ctx,
		 int *gai_error);

/*
 * Makes a non-blocking, close-on-exec socket of socktype for sa's family
 * and binds it to sa. An IPv6 socket takes IPv6 only, so each family has
 * a socket of its own; a stream socket may bind a port whose old
 * connections linger in TIME_WAIT (a restarted server gets its port
 * back). Returns the socket, which the caller owns, or -1 with errno set
 * and *failed (unless NULL) saying which step failed.
 */
int netbind_socket(const struct sockaddr *sa, socklen_t salen, int socktype,
		   enum netbind_step *failed);

#endif
