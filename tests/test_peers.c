/*
 * Tests of the per-address connection counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "server/peers.h"

static struct sockaddr_in v4(const char *ip, unsigned port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port) };

	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

static struct sockaddr_in6 v6(const char *ip)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

	inet_pton(AF_INET6, ip, &sin6.sin6_addr);
	return sin6;
}

static int setup(void **state)
{
	*state = peers_new();
	return 0;
}

static int teardown(void **state)
{
	peers_free(*state);
	return 0;
}

static void test_limit_per_address_not_port(void **state)
{
	struct peers *p = *state;
	struct sockaddr_in a1 = v4("10.0.0.1", 1000), a2 = v4("10.0.0.1", 2000);
	struct sockaddr_in b = v4("10.0.0.2", 1000);

	assert_true(peers_add(p, (struct sockaddr *)&a1, 2));
	assert_true(peers_add(p, (struct sockaddr *)&a2, 2));
	assert_false(peers_add(p, (struct sockaddr *)&a1, 2));
	assert_true(peers_add(p, (struct sockaddr *)&b, 2));
	assert_int_equal(peers_count(p, (struct sockaddr *)&a2), 2);
	peers_remove(p, (struct sockaddr *)&a1);
	assert_true(peers_add(p, (struct sockaddr *)&a1, 2));
}

static void test_zero_means_no_limit(void **state)
{
	struct peers *p = *state;
	struct sockaddr_in a = v4("127.0.0.1", 1);

	for (int i = 0; i < 5000; i++)
		assert_true(peers_add(p, (struct sockaddr *)&a, 0));
	assert_int_equal(peers_count(p, (struct sockaddr *)&a), 5000);
	for (int i = 0; i < 5000; i++)
		peers_remove(p, (struct sockaddr *)&a);
	assert_int_equal(peers_count(p, (struct sockaddr *)&a), 0);
	/* Removing more than was added does not wrap around. */
	peers_remove(p, (struct sockaddr *)&a);
	assert_int_equal(peers_count(p, (struct sockaddr *)&a), 0);
}

static void test_ipv4_mapped_is_the_same_caller(void **state)
{
	struct peers *p = *state;
	struct sockaddr_in a = v4("192.0.2.7", 1);
	struct sockaddr_in6 mapped = v6("::ffff:192.0.2.7");
	struct sockaddr_in6 other = v6("2001:db8::7");

	assert_true(peers_add(p, (struct sockaddr *)&a, 1));
	assert_false(peers_add(p, (struct sockaddr *)&mapped, 1));
	assert_true(peers_add(p, (struct sockaddr *)&other, 1));
}

static void test_many_addresses(void **state)
{
	struct peers *p = *state;

	for (unsigned i = 0; i < 3000; i++) {
		struct sockaddr_in a = v4("10.0.0.0", 1);

		a.sin_addr.s_addr = htonl(0x0a000000u + i);
		assert_true(peers_add(p, (struct sockaddr *)&a, 1));
		assert_false(peers_add(p, (struct sockaddr *)&a, 1));
	}
	for (unsigned i = 0; i < 3000; i += 2) {
		struct sockaddr_in a = v4("10.0.0.0", 1);

		a.sin_addr.s_addr = htonl(0x0a000000u + i);
		peers_remove(p, (struct sockaddr *)&a);
		assert_true(peers_add(p, (struct sockaddr *)&a, 1));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_limit_per_address_not_port,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_means_no_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_ipv4_mapped_is_the_same_caller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_addresses, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
