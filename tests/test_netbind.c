/*
 * test_netbind: the --listen addresses and the sockets bound to them
 * (common/): which addresses the caller is asked to bind and in what
 * order (both wildcards, IPv4 first; a name's every address), what a
 * failure stops, and a bound socket's options (non-blocking,
 * close-on-exec, IPv6 only, a port reused after TIME_WAIT for TCP), and
 * the step a failure is reported at. Loopback only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <string.h>
#include <unistd.h>

#include "netaddr.h"
#include "netbind.h"

/* What netbind_each asked to bind, and what to answer. */
struct calls {
	unsigned n;
	char addr[4][NETADDR_MAX]; /* the first four, as text with port */
	int family[4];
	int fail_family; /* answer -1 for this family (0: never) */
};

/* A netbind_one_fn that records the address and binds nothing. */
static int record_one(void *ctx, struct sockaddr *sa, socklen_t salen)
{
	struct calls *c = ctx;

	assert_true(salen >= sizeof(struct sockaddr_in));
	if (c->n < 4) {
		netaddr_format(sa, c->addr[c->n], sizeof(c->addr[0]));
		c->family[c->n] = sa->sa_family;
	}
	c->n++;
	return sa->sa_family == c->fail_family ? -1 : 0;
}

/* No address: the IPv4 wildcard, then the IPv6 one. */
static void test_each_wildcards(void **state)
{
	struct calls c = { 0 };
	int gai = -1;

	(void)state;
	assert_int_equal(netbind_each(NULL, SOCK_STREAM, record_one, &c, &gai),
			 0);
	assert_int_equal(gai, 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.addr[0], "0.0.0.0:0");
	assert_string_equal(c.addr[1], "[::]:0");
}

/* The IPv4 wildcard failing stops there; the IPv6 one failing does not. */
static void test_each_wildcard_failures(void **state)
{
	struct calls c = { .fail_family = AF_INET };
	int gai;

	(void)state;
	assert_int_equal(netbind_each(NULL, SOCK_DGRAM, record_one, &c, &gai),
			 -1);
	assert_int_equal(gai, 0);
	assert_int_equal(c.n, 1);
	memset(&c, 0, sizeof(c));
	c.fail_family = AF_INET6;
	assert_int_equal(netbind_each(NULL, SOCK_DGRAM, record_one, &c, &gai),
			 0);
	assert_int_equal(c.n, 2);
}

/* A numeric address is the one call, of its family. */
static void test_each_numeric(void **state)
{
	struct calls c = { 0 };
	int gai;

	(void)state;
	assert_int_equal(netbind_each("127.0.0.1", SOCK_STREAM, record_one, &c,
				      &gai),
			 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.addr[0], "127.0.0.1:0");
	memset(&c, 0, sizeof(c));
	assert_int_equal(netbind_each("::1", SOCK_DGRAM, record_one, &c, &gai),
			 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.addr[0], "[::1]:0");
	assert_int_equal(c.family[0], AF_INET6);
}

/* Every address failing is -1, with no resolver error. */
static void test_each_none_bound(void **state)
{
	struct calls c = { .fail_family = AF_INET };
	int gai = -1;

	(void)state;
	assert_int_equal(netbind_each("127.0.0.1", SOCK_STREAM, record_one, &c,
				      &gai),
			 -1);
	assert_int_equal(gai, 0);
	assert_int_equal(c.n, 1);
}

/*
 * A name that cannot resolve: -1 with getaddrinfo's code, and no call.
 * A label over 63 bytes is refused before any query goes out.
 */
static void test_each_unresolvable(void **state)
{
	char name[80];
	struct calls c = { 0 };
	int gai = 0;

	(void)state;
	memset(name, 'x', 70);
	strcpy(name + 70, ".invalid");
	assert_int_equal(netbind_each(name, SOCK_STREAM, record_one, &c, &gai),
			 -1);
	assert_int_not_equal(gai, 0);
	assert_non_null(gai_strerror(gai));
	assert_int_equal(c.n, 0);
}

/* 127.0.0.1 port 0, as the server binds it for tests. */
static struct sockaddr_in loopback4(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	return in;
}

/* A bound TCP socket: non-blocking, close-on-exec, SO_REUSEADDR. */
static void test_socket_tcp_options(void **state)
{
	struct sockaddr_in in = loopback4();
	struct sockaddr_storage got = { 0 };
	socklen_t len = sizeof(got);
	enum netbind_step failed;
	int fd, on = 0;
	socklen_t onlen = sizeof(on);

	(void)state;
	fd = netbind_socket((struct sockaddr *)&in, sizeof(in), SOCK_STREAM,
			    &failed);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, &onlen),
			 0);
	assert_int_not_equal(on, 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&got, &len), 0);
	assert_int_not_equal(netaddr_port((struct sockaddr *)&got), 0);
	close(fd);
}

/* An IPv6 socket takes IPv6 only; UDP gets no SO_REUSEADDR. */
static void test_socket_ipv6_only(void **state)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6,
				    .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	enum netbind_step failed;
	int fd, on = 0;
	socklen_t onlen = sizeof(on);

	(void)state;
	fd = netbind_socket((struct sockaddr *)&in6, sizeof(in6), SOCK_DGRAM,
			    &failed);
	if (fd < 0) {
		/* A machine (or container) without IPv6. */
		assert_true(errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL);
		skip();
	}
	assert_int_equal(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, &onlen),
			 0);
	assert_int_not_equal(on, 0);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, &onlen),
			 0);
	assert_int_equal(on, 0);
	close(fd);
}

/* A port in use: the bind step fails with EADDRINUSE, nothing leaks. */
static void test_socket_port_taken(void **state)
{
	struct sockaddr_in in = loopback4();
	socklen_t len = sizeof(in);
	enum netbind_step failed = NETBIND_SOCKET;
	int first, second;

	(void)state;
	first = netbind_socket((struct sockaddr *)&in, sizeof(in), SOCK_DGRAM,
			       &failed);
	assert_true(first >= 0);
	assert_int_equal(getsockname(first, (struct sockaddr *)&in, &len), 0);
	second = netbind_socket((struct sockaddr *)&in, sizeof(in), SOCK_DGRAM,
				&failed);
	assert_int_equal(second, -1);
	assert_int_equal(errno, EADDRINUSE);
	assert_int_equal(failed, NETBIND_BIND);
	/* TCP too, against a listening socket: reuse is not sharing. */
	close(first);
	first = netbind_socket((struct sockaddr *)&in, sizeof(in), SOCK_STREAM,
			       NULL);
	assert_true(first >= 0);
	assert_int_equal(listen(first, 1), 0);
	second = netbind_socket((struct sockaddr *)&in, sizeof(in), SOCK_STREAM,
				&failed);
	assert_int_equal(second, -1);
	assert_int_equal(errno, EADDRINUSE);
	assert_int_equal(failed, NETBIND_BIND);
	close(first);
}

/* A family the system has no sockets for fails at the socket step. */
static void test_socket_unknown_family(void **state)
{
	struct sockaddr_storage ss = { .ss_family = AF_MAX + 1 };
	enum netbind_step failed = NETBIND_BIND;

	(void)state;
	assert_int_equal(netbind_socket((struct sockaddr *)&ss, sizeof(ss),
					SOCK_STREAM, &failed),
			 -1);
	assert_int_equal(failed, NETBIND_SOCKET);
	assert_int_equal(errno, EAFNOSUPPORT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_wildcards),
		cmocka_unit_test(test_each_wildcard_failures),
		cmocka_unit_test(test_each_numeric),
		cmocka_unit_test(test_each_none_bound),
		cmocka_unit_test(test_each_unresolvable),
		cmocka_unit_test(test_socket_tcp_options),
		cmocka_unit_test(test_socket_ipv6_only),
		cmocka_unit_test(test_socket_port_taken),
		cmocka_unit_test(test_socket_unknown_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
