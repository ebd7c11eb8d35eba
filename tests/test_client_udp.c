/*
 * test_client_udp: hotline --udp and hotline --trace. Requests to a real
 * hotlined's UDP port; three tries against a UDP socket that never
 * answers; "port unreachable" from a port nobody has; and the client's
 * trace of a datagram exchange and of a short TCP call. Every wait is
 * bounded.
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

#include "e2e_client.h"

struct fixture {
	struct e2e_server srv;
	char port[16];
	int udp; /* a socket that never answers, when the test needs one */
	struct strbuf out;
};

static int setup_server(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *args[] = { "--menus", MENUS_DIR, NULL };

	f->udp = -1;
	strbuf_init(&f->out);
	*state = f;
	if (e2e_server_start(&f->srv, args) < 0 ||
	    !e2e_server_log_wait(&f->srv, "udp on "))
		return -1;
	snprintf(f->port, sizeof(f->port), "%u", f->srv.port);
	return 0;
}

/* A UDP socket on a free loopback port that reads nothing and answers nothing. */
static int setup_silent(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);

	strbuf_init(&f->out);
	*state = f;
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	f->udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (f->udp < 0 ||
	    bind(f->udp, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(f->udp, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	snprintf(f->port, sizeof(f->port), "%u", ntohs(sa.sin_port));
	return 0;
}

/* A port nobody has: bound for a moment to learn it, then closed. */
static int setup_nobody(void **state)
{
	int rc = setup_silent(state);
	struct fixture *f = *state;

	close(f->udp);
	f->udp = -1;
	return rc;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->srv.pid > 0)
		e2e_server_stop(&f->srv, SIGKILL);
	if (f->udp >= 0)
		close(f->udp);
	strbuf_fini(&f->out);
	free(f);
	return 0;
}

/* Runs hotline with args; its exit status, its output in f->out. */
static int run(struct fixture *f, const char *const *args, const char *input)
{
	strbuf_reset(&f->out);
	return e2e_client_run(args, input, &f->out);
}

/* Asserts the client said needle. */
static void said(struct fixture *f, const char *needle)
{
	if (strstr(f->out.data, needle) == NULL)
		fail_msg("hotline did not say \"%s\"; it said:\n%s", needle,
			 f->out.data);
}

static void test_requests(void **state)
{
	struct fixture *f = *state;
	const char *status[] = { "--udp", "127.0.0.1", f->port, "STATUS",
				 NULL };
	const char *plans[] = { "--udp", "127.0.0.1", f->port, "plans", NULL };
	const char *ping[] = { "--udp", "127.0.0.1", f->port, "PING", NULL };
	const char *ping42[] = { "--udp", "127.0.0.1", f->port, "PING 42",
				 NULL };
	const char *bad[] = { "--udp", "127.0.0.1", f->port, "HELLO", NULL };

	assert_int_equal(run(f, status, ""), 0);
	said(f, "STATUS sessions=0 chat=0 uptime=");
	said(f, "hotline: reply from 127.0.0.1 port ");
	said(f, "(try 1 of 3)");
	assert_int_equal(run(f, plans, ""), 0);
	said(f, "38.00 yuan/month  4G 飞享套餐 38 元\n");
	/* A bare PING carries the try number. */
	assert_int_equal(run(f, ping, ""), 0);
	said(f, "PONG 1\n");
	assert_int_equal(run(f, ping42, ""), 0);
	said(f, "PONG 42\n");
	assert_int_equal(run(f, bad, ""), 1);
	said(f, "ERROR unknown request \"HELLO\"");
}

static void test_retries_when_nothing_answers(void **state)
{
	struct fixture *f = *state;
	const char *args[] = { "--udp", "127.0.0.1", f->port, "PING", NULL };
	char buf[64];
	int got = 0;

	assert_int_equal(run(f, args, ""), 1);
	said(f, "hotline: no reply to try 1 within 1.0 s; sending again\n");
	said(f, "hotline: no reply to try 2 within 1.0 s; sending again\n");
	said(f, "hotline: no reply after 3 tries: UDP may lose a datagram");
	assert_null(strstr(f->out.data, "port unreachable"));
	/* Three datagrams arrived, one per try. */
	for (;;) {
		struct pollfd pfd = { .fd = f->udp, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 100) != 1)
			break;
		n = recv(f->udp, buf, sizeof(buf) - 1, 0);
		assert_true(n > 0);
		buf[n] = '\0';
		got++;
		assert_int_equal(atoi(buf + 5), got);
		assert_memory_equal(buf, "PING ", 5);
	}
	assert_int_equal(got, 3);
}

static void test_port_unreachable(void **state)
{
	struct fixture *f = *state;
	const char *args[] = { "--udp", "--trace", "127.0.0.1",
			       f->port, "STATUS",  NULL };

	assert_int_equal(run(f, args, ""), 1);
	said(f, "no reply after 3 tries");
	said(f, "(the host said \"port unreachable\")");
	said(f, "ICMP port unreachable");
}

static void test_udp_trace(void **state)
{
	struct fixture *f = *state;
	const char *args[] = { "--udp", "--trace", "127.0.0.1",
			       f->port, "PING",    NULL };
	const char *line;

	assert_int_equal(run(f, args, ""), 0);
	said(f, "UDP: client 127.0.0.1:");
	said(f, "(no handshake: connect() on a UDP");
	said(f, "it only fixes where datagrams go)\n");
	/* The line is 150 columns: it goes on under its text. */
	line = strstr(f->out.data, "UDP: client");
	assert_memory_equal(strchr(line, '\n'), "\n             ", 14);
	assert_true(e2e_widest_line(f->out.data) <= 100);
	said(f, "datagram out 6 bytes\n");
	said(f, "|PING 1|");
	said(f, "datagram in 7 bytes\n");
	said(f, "|PONG 1.|");
	said(f, "UDP: nothing to close, no FIN");
	/* Not a terminal: no colours. */
	assert_null(strchr(f->out.data, '\033'));
}

static void test_tcp_trace(void **state)
{
	struct fixture *f = *state;
	const char *args[] = { "--trace", "127.0.0.1", f->port, NULL };

	assert_int_equal(run(f, args, "3\n"), 0);
	said(f, "TCP: client 127.0.0.1:");
	said(f, "the SYN, SYN-ACK, ACK handshake was done");
	said(f, "telnet: IAC WILL ECHO\n");
	said(f, "telnet: IAC DO NAWS\n");
	said(f, "out 3 bytes\n");
	said(f, "telnet: IAC DONT ECHO\n");
	said(f, "|3..|");
	said(f, "the server closed first: FIN received");
	said(f, "the client closes its side too");
	/* Not a terminal: lines fit 100 columns, the connect line's too. */
	assert_true(e2e_widest_line(f->out.data) <= 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_requests, setup_server,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_retries_when_nothing_answers, setup_silent,
			teardown),
		cmocka_unit_test_setup_teardown(test_port_unreachable,
						setup_nobody, teardown),
		cmocka_unit_test_setup_teardown(test_udp_trace, setup_server,
						teardown),
		cmocka_unit_test_setup_teardown(test_tcp_trace, setup_server,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
