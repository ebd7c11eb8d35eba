/*
 * test_netaddr: socket addresses as text (common/), the form the
 * server's log, both traces and the dial lines compare byte for byte:
 * IPv4, IPv6 in brackets, a v4-mapped IPv6 address, a family it does not
 * know, a buffer too small, and the port set and read back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include <sys/un.h>

#include "netaddr.h"

/* An address of either family, as the callers hold one. */
union addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

/* An IPv4 address from text and a port. */
static union addr v4(const char *host, unsigned port)
{
	union addr a;

	memset(&a, 0, sizeof(a));
	a.in.sin_family = AF_INET;
	a.in.sin_port = htons((uint16_t)port);
	assert_int_equal(inet_pton(AF_INET, host, &a.in.sin_addr), 1);
	return a;
}

/* An IPv6 address from text and a port. */
static union addr v6(const char *host, unsigned port)
{
	union addr a;

	memset(&a, 0, sizeof(a));
	a.in6.sin6_family = AF_INET6;
	a.in6.sin6_port = htons((uint16_t)port);
	assert_int_equal(inet_pton(AF_INET6, host, &a.in6.sin6_addr), 1);
	return a;
}

/* IPv4: "1.2.3.4:5", the host alone with or without brackets asked. */
static void test_ipv4(void **state)
{
	union addr a = v4("1.2.3.4", 5);
	char out[NETADDR_MAX];

	(void)state;
	netaddr_format(&a.sa, out, sizeof(out));
	assert_string_equal(out, "1.2.3.4:5");
	netaddr_format_host(&a.sa, true, out, sizeof(out));
	assert_string_equal(out, "1.2.3.4");
	netaddr_format_host(&a.sa, false, out, sizeof(out));
	assert_string_equal(out, "1.2.3.4");
	a = v4("0.0.0.0", 5228);
	netaddr_format(&a.sa, out, sizeof(out));
	assert_string_equal(out, "0.0.0.0:5228");
}

/* IPv6: "[::1]:5"; the host alone in brackets only when asked. */
static void test_ipv6_brackets(void **state)
{
	union addr a = v6("::1", 5);
	char out[NETADDR_MAX];

	(void)state;
	netaddr_format(&a.sa, out, sizeof(out));
	assert_string_equal(out, "[::1]:5");
	netaddr_format_host(&a.sa, true, out, sizeof(out));
	assert_string_equal(out, "[::1]");
	netaddr_format_host(&a.sa, false, out, sizeof(out));
	assert_string_equal(out, "::1");
	a = v6("::", 5228);
	netaddr_format(&a.sa, out, sizeof(out));
	assert_string_equal(out, "[::]:5228");
	a = v6("2001:db8::2", 65535);
	netaddr_format(&a.sa, out, sizeof(out));
	assert_string_equal(out, "[2001:db8::2]:65535");
}

/* The longest address inet_ntop writes, with the longest port, fits. */
static void test_longest_fits(void **state)
{
	static const char host[] = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
	union addr a = v6(host, 65535);
	char out[NETADDR_MAX];

	(void)state;
	netaddr_format(&a.sa, out, sizeof(out));
	assert_string_equal(out,
			    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	netaddr_format_host(&a.sa, true, out, NETADDR_HOST_MAX);
	assert_string_equal(out, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]");
}

/*
 * A v4-mapped IPv6 address (an IPv4 caller on a dual-stack socket) is
 * written as IPv6, as inet_ntop writes it: no family is guessed.
 */
static void test_v4_mapped(void **state)
{
	union addr a = v6("::ffff:1.2.3.4", 5);
	char out[NETADDR_MAX];

	(void)state;
	netaddr_format(&a.sa, out, sizeof(out));
	assert_string_equal(out, "[::ffff:1.2.3.4]:5");
	netaddr_format_host(&a.sa, false, out, sizeof(out));
	assert_string_equal(out, "::ffff:1.2.3.4");
}

/* A family other than IPv4 and IPv6 (or a zeroed address) is "?". */
static void test_unknown_family(void **state)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "/x" };
	union addr zero;
	char out[NETADDR_MAX];

	(void)state;
	netaddr_format((struct sockaddr *)&un, out, sizeof(out));
	assert_string_equal(out, "?");
	netaddr_format_host((struct sockaddr *)&un, true, out, sizeof(out));
	assert_string_equal(out, "?");
	memset(&zero, 0, sizeof(zero));
	netaddr_format(&zero.sa, out, sizeof(out));
	assert_string_equal(out, "?");
	assert_int_equal(netaddr_port((struct sockaddr *)&un), 0);
	/* Setting a port on it changes nothing. */
	netaddr_set_port((struct sockaddr *)&un, 80);
	assert_string_equal(un.sun_path, "/x");
}

/* A buffer too small is cut short and ends in NUL, never overrun. */
static void test_cut_short(void **state)
{
	union addr a = v6("2001:db8::2", 5228);
	char out[8];

	(void)state;
	memset(out, 'x', sizeof(out));
	netaddr_format(&a.sa, out, 6);
	assert_string_equal(out, "[2001");
	assert_int_equal(out[6], 'x');
	netaddr_format_host(&a.sa, true, out, 4);
	assert_string_equal(out, "[20");
}

/* The port is set and read in host order, for either family. */
static void test_port_round_trip(void **state)
{
	union addr a4 = v4("127.0.0.1", 0), a6 = v6("::1", 0);
	char out[NETADDR_MAX];

	(void)state;
	netaddr_set_port(&a4.sa, 5228);
	assert_int_equal(ntohs(a4.in.sin_port), 5228);
	assert_int_equal(netaddr_port(&a4.sa), 5228);
	netaddr_set_port(&a6.sa, 65535);
	assert_int_equal(ntohs(a6.in6.sin6_port), 65535);
	assert_int_equal(netaddr_port(&a6.sa), 65535);
	netaddr_format(&a6.sa, out, sizeof(out));
	assert_string_equal(out, "[::1]:65535");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6_brackets),
		cmocka_unit_test(test_longest_fits),
		cmocka_unit_test(test_v4_mapped),
		cmocka_unit_test(test_unknown_family),
		cmocka_unit_test(test_cut_short),
		cmocka_unit_test(test_port_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
