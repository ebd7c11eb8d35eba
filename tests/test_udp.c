/*
 * test_udp: the datagram service. udp_server_reply on plain buffers with a
 * fake status callback; then a real hotlined on a free loopback port
 * asked STATUS, PLANS, PING and bad requests over real UDP sockets, an
 * oversized datagram ignored, the trace of a datagram, and UDP turned
 * off. Every wait is bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "e2e.h"
#include "net/udp.h"

/* How long a test waits for a datagram that should not come. */
#define QUIET_MS 300

struct fixture {
	struct e2e_server srv;
	struct udp_server *udp; /* the unit tests' own */
	int tcp;                /* a caller, when the test needs one */
	struct strbuf got;
};

/* --- udp_server_reply, no sockets ---------------------------------------- */

/* Fake STATUS counts. */
static void fake_status(void *ctx, struct udp_status *st)
{
	(void)ctx;
	st->sessions = 7;
	st->chat = 2;
}

static int setup_unit(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct account_plan plans[2] = {
		{ .name = "4G 飞享套餐 18 元", .fen = 1800 },
		{ .name = "5G 智享套餐 128 元", .fen = 12800 },
	};

	f->udp = udp_server_new(NULL, plans, 2, fake_status, NULL);
	f->tcp = -1;
	*state = f;
	return 0;
}

static int teardown_unit(void **state)
{
	struct fixture *f = *state;

	udp_server_free(f->udp);
	free(f);
	return 0;
}

/* The reply to req as a string (in a static buffer). */
static const char *reply_to(struct fixture *f, const char *req, size_t len)
{
	static char out[UDP_MAX_DATAGRAM + 1];
	size_t n = udp_server_reply(f->udp, req, len, out);

	assert_true(n < UDP_MAX_DATAGRAM);
	out[n] = '\0';
	return out;
}

static void test_reply_status(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(reply_to(f, "STATUS", 6),
			    "STATUS sessions=7 chat=2 uptime=0s\n");
	/* Any case, any line end (nc -u sends one). */
	assert_string_equal(reply_to(f, "status\r\n", 8),
			    "STATUS sessions=7 chat=2 uptime=0s\n");
}

static void test_reply_plans(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(reply_to(f, "PLANS\n", 6),
			    "PLANS 2\n"
			    "18.00 yuan/month  4G 飞享套餐 18 元\n"
			    "128.00 yuan/month  5G 智享套餐 128 元\n");
}

static void test_reply_ping(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(reply_to(f, "PING 42", 7), "PONG 42\n");
	assert_string_equal(reply_to(f, "ping   7\n", 9), "PONG 7\n");
	assert_string_equal(reply_to(f, "PING", 4), "PONG\n");
	assert_string_equal(reply_to(f, "PING x", 6),
			    "ERROR PING takes a number: PING 7\n");
	assert_string_equal(reply_to(f, "PING 123456789012345678901", 26),
			    "ERROR PING takes a number: PING 7\n");
}

static void test_reply_errors(void **state)
{
	struct fixture *f = *state;
	char big[UDP_MAX_DATAGRAM];

	assert_string_equal(reply_to(f, "FOO", 3),
			    "ERROR unknown request \"FOO\": try STATUS, PLANS "
			    "or PING 1\n");
	assert_string_equal(
		reply_to(f, "", 0),
		"ERROR empty request: try STATUS, PLANS or PING 1\n");
	assert_string_equal(reply_to(f, "STATUSX", 7),
			    "ERROR unknown request \"STATUSX\": try STATUS, "
			    "PLANS or PING 1\n");
	/* Control bytes are escaped, a long request is cut. */
	assert_non_null(strstr(reply_to(f, "\x1b[2J", 4), "\\x1b[2J"));
	memset(big, 'A', sizeof(big));
	assert_non_null(strstr(reply_to(f, big, sizeof(big)), "AAAA...\""));
}

/* --- a real hotlined ------------------------------------------------------ */

static int start(void **state, const char *const *args)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strbuf_init(&f->got);
	f->tcp = -1;
	*state = f;
	if (e2e_server_start(&f->srv, args) < 0)
		return -1;
	return 0;
}

static int setup_server(void **state)
{
	const char *args[] = { "--menus", MENUS_DIR, "--trace", NULL };

	if (start(state, args) < 0)
		return -1;
	return e2e_server_log_wait(&((struct fixture *)*state)->srv, "udp on ")
		       ? 0
		       : -1;
}

static int setup_udp_off(void **state)
{
	const char *args[] = { "--menus", MENUS_DIR, "--udp-port", "0", NULL };

	return start(state, args);
}

static int teardown_server(void **state)
{
	struct fixture *f = *state;

	if (f->tcp >= 0)
		close(f->tcp);
	if (f->srv.pid > 0)
		assert_int_equal(e2e_server_stop(&f->srv, SIGTERM), 0);
	strbuf_fini(&f->got);
	free(f);
	return 0;
}

/* Sends one datagram to 127.0.0.1:port; the reply (NUL-ended) or NULL if none in ms. */
static char *ask(unsigned port, const void *req, size_t len, int ms)
{
	static char reply[UDP_MAX_DATAGRAM + 1];
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n = -1;

	assert_true(fd >= 0);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	assert_true(sendto(fd, req, len, 0, (struct sockaddr *)&to,
			   sizeof(to)) == (ssize_t)len);
	if (poll(&pfd, 1, ms) == 1)
		n = recv(fd, reply, UDP_MAX_DATAGRAM, 0);
	close(fd);
	if (n < 0)
		return NULL;
	reply[n] = '\0';
	return reply;
}

/* ask() with a string and the usual timeout; the reply must come. */
static char *ask_str(struct fixture *f, const char *req)
{
	char *r = ask(f->srv.port, req, strlen(req), E2E_TIMEOUT_MS);

	assert_non_null(r);
	return r;
}

static void test_status_counts_callers(void **state)
{
	struct fixture *f = *state;

	assert_non_null(strstr(ask_str(f, "STATUS"),
			       "STATUS sessions=0 chat=0 uptime="));
	f->tcp = e2e_connect(f->srv.port);
	assert_true(f->tcp >= 0);
	assert_true(e2e_expect_str(f->tcp, &f->got, "10086"));
	assert_non_null(strstr(ask_str(f, "STATUS\n"), "sessions=1 chat=0"));
	e2e_send_str(f->tcp, "4\r\n");
	assert_true(e2e_server_log_wait(&f->srv, "-> CHAT"));
	assert_non_null(strstr(ask_str(f, "status"), "sessions=1 chat=1"));
}

static void test_plans_from_the_database(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(ask_str(f, "PLANS"),
			    "PLANS 3\n"
			    "18.00 yuan/month  4G 飞享套餐 18 元\n"
			    "38.00 yuan/month  4G 飞享套餐 38 元\n"
			    "128.00 yuan/month  5G 智享套餐 128 元\n");
}

static void test_ping_and_bad_requests(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(ask_str(f, "PING 42"), "PONG 42\n");
	assert_string_equal(ask_str(f, "PING 7\n"), "PONG 7\n");
	assert_string_equal(ask_str(f, "HELLO"),
			    "ERROR unknown request \"HELLO\": try STATUS, PLANS "
			    "or PING 1\n");
	/* No login over UDP: a password is just an unknown request. */
	assert_non_null(strstr(ask_str(f, "LOGIN 13800138000 123456"),
			       "ERROR unknown request"));
}

static void test_oversized_datagram_ignored(void **state)
{
	struct fixture *f = *state;
	char big[UDP_MAX_DATAGRAM + 100];

	memset(big, 'P', sizeof(big));
	assert_null(ask(f->srv.port, big, sizeof(big), QUIET_MS));
	/* The server is fine. */
	assert_string_equal(ask_str(f, "PING 1"), "PONG 1\n");
}

static void test_trace_shows_datagrams(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(ask_str(f, "PING 9"), "PONG 9\n");
	assert_true(e2e_server_log_wait(&f->srv,
					"no handshake before, no "
					"connection kept, nothing to close"));
	assert_true(e2e_server_log_contains(
		&f->srv, "udp: datagram in 6 bytes from 127.0.0.1:"));
	assert_true(e2e_server_log_contains(&f->srv, "|PING 9|"));
	assert_true(e2e_server_log_contains(&f->srv,
					    "udp: datagram out 7 bytes to "
					    "127.0.0.1:"));
	/* No session: UDP opens none. */
	assert_false(e2e_server_log_contains(&f->srv, "accept:"));
}

static void test_udp_off(void **state)
{
	struct fixture *f = *state;

	assert_true(e2e_server_log_wait(&f->srv, "no UDP (--udp-port 0)"));
	assert_null(ask(f->srv.port, "PING 1", 6, QUIET_MS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reply_status, setup_unit,
						teardown_unit),
		cmocka_unit_test_setup_teardown(test_reply_plans, setup_unit,
						teardown_unit),
		cmocka_unit_test_setup_teardown(test_reply_ping, setup_unit,
						teardown_unit),
		cmocka_unit_test_setup_teardown(test_reply_errors, setup_unit,
						teardown_unit),
		cmocka_unit_test_setup_teardown(test_status_counts_callers,
						setup_server, teardown_server),
		cmocka_unit_test_setup_teardown(test_plans_from_the_database,
						setup_server, teardown_server),
		cmocka_unit_test_setup_teardown(test_ping_and_bad_requests,
						setup_server, teardown_server),
		cmocka_unit_test_setup_teardown(test_oversized_datagram_ignored,
						setup_server, teardown_server),
		cmocka_unit_test_setup_teardown(test_trace_shows_datagrams,
						setup_server, teardown_server),
		cmocka_unit_test_setup_teardown(test_udp_off, setup_udp_off,
						teardown_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
