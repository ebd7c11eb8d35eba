/*
 * netbind: resolving the addresses to listen on, and one bound socket
 * each. The options are the ones libevent's evconnlistener_new_bind set
 * for the telnet listener before it used this module.
 */
#include "netbind.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <unistd.h>

/* Calls one for the IPv4 wildcard, then the IPv6 one (which may fail). */
static int netbind_wildcards(netbind_one_fn one, void *ctx)
{
	struct sockaddr_in in4 = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_ANY) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6,
				    .sin6_addr = IN6ADDR_ANY_INIT };

	if (one(ctx, (struct sockaddr *)&in4, sizeof(in4)) < 0)
		return -1;
	/* IPv6 may be disabled on the machine: IPv4 alone still serves. */
	one(ctx, (struct sockaddr *)&in6, sizeof(in6));
	return 0;
}

/* Calls one for every IPv4 and IPv6 address addr resolves to. */
int netbind_each(const char *addr, int socktype, netbind_one_fn one, void *ctx,
		 int *gai_error)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = socktype,
		.ai_flags = AI_PASSIVE,
	};
	struct addrinfo *res = NULL;
	int bound = 0;

	*gai_error = 0;
	if (addr == NULL)
		return netbind_wildcards(one, ctx);
	*gai_error = getaddrinfo(addr, NULL, &hints, &res);
	if (*gai_error != 0)
		return -1;
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (one(ctx, ai->ai_addr, ai->ai_addrlen) == 0)
			bound++;
	}
	freeaddrinfo(res);
	return bound > 0 ? 0 : -1;
}

/* Makes a socket for sa's family and binds it; the caller owns it. */
int netbind_socket(const struct sockaddr *sa, socklen_t salen, int socktype,
		   enum netbind_step *failed)
{
	enum netbind_step ignored;
	int one = 1, fd, err;

	if (failed == NULL)
		failed = &ignored;
	*failed = NETBIND_SOCKET;
	fd = socket(sa->sa_family, socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* Each family its own socket, so IPv4 works without IPv6. */
	if (sa->sa_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto out;
	if (socktype == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto out;
	*failed = NETBIND_BIND;
	if (bind(fd, sa, salen) == 0)
		return fd;
out:
	/* close() must not change the errno the caller reports. */
	err = errno;
	close(fd);
	errno = err;
	return -1;
}
