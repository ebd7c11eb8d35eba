/*
 * Hostile traffic, end to end: one real hotlined on a loopback port takes
 * hundreds of kinds of bad traffic, each on its own connection(s) and
 * bounded in time: random bytes, IAC storms, every IAC command byte, every
 * option negotiated every way, SB without SE for every option, huge SBs,
 * malformed NAWS, a 1 MiB line, NUL and CR floods, broken UTF-8 and GBK,
 * escape sequences, connections opened and dropped by the thousand,
 * half-closed sockets, callers that never read, slowloris senders and
 * chat floods. Afterwards a normal caller must still be served at once,
 * the server's RSS must be back within 10% of where it was after a
 * warm-up, and the server must exit cleanly (no leaks under ASan).
 *
 * The cases share one server and run in the order of the table; each
 * family counts the kinds it sent. Every wait is bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"
#include "mem.h"
#include "xorshift.h"

#define MAIN_MENU_ZH "10086"
#define GOODBYE_ZH "感谢您的来电,再见!"
/* Milliseconds a normal caller may wait for the main menu. */
#define PROMPT_MS 1000
/* Longest a single kind may take to be sent and answered. */
#define KIND_MS 3000
/* Connections opened at once while churning: far below fd and per-IP caps. */
#define CHURN_BATCH 100
/* Connections opened and dropped in all. */
#define CHURN_TOTAL 2000
/* Callers of the warm-up burst: the most the families hold open at once. */
#define WARM_BURST 128
/* Allowed RSS growth after the settle period, in percent. */
#define RSS_SLACK_PERCENT 10
/*
 * The same under AddressSanitizer: its stack depot keeps the allocation
 * stack of every new code path for good, which hostile traffic finds by
 * the hundred (about 1 MiB here). The strict figure is checked on a plain
 * build (ctest's test_hostile_plain, HOTLINE_E2E_HOTLINED).
 */
#define RSS_SLACK_PERCENT_ASAN 20

#if defined(__SANITIZE_ADDRESS__)
#define HOSTILE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOSTILE_ASAN 1
#endif
#endif
#ifndef HOSTILE_ASAN
#define HOSTILE_ASAN 0
#endif

enum {
	IAC = 0xff,
	SB = 0xfa,
	SE = 0xf0,
	WILL = 0xfb,
	WONT = 0xfc,
	DO = 0xfd,
	DONT = 0xfe,
	AYT = 0xf6,
	IP = 0xf4
};
enum {
	O_ECHO = 1,
	O_TM = 6,
	O_TTYPE = 24,
	O_NAWS = 31,
	O_NEW_ENVIRON = 39,
	O_MSSP = 70,
	O_COMPRESS2 = 86
};

/* How a kind ends its connection. */
enum ending {
	END_SHUT,  /* shutdown(SHUT_WR), then read until the server closes */
	END_CLOSE, /* close at once */
	END_RESET, /* close with SO_LINGER 0: an RST */
};

struct hostile {
	struct e2e_server srv;
	unsigned kinds;    /* kinds of bad traffic sent so far */
	unsigned conns;    /* connections opened for them */
	long rss_calls_kb; /* after the warm-up's single calls */
	long rss_start_kb; /* after the warm-up (single calls and a burst) */
	int never_reader;  /* a caller that floods and never reads */
	long long never_reader_since;
};

static struct hostile H;

/* Milliseconds on a monotonic clock. */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One field of /proc/PID/status in KiB ("VmRSS", "RssAnon"); -1 if unknown. */
static long server_status_kb(const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)H.srv.pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			kb = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* The server's resident set in KiB; -1 if unknown. */
static long server_rss_kb(void)
{
	return server_status_kb("VmRSS");
}

/* Whether the server process is still running. */
static bool server_alive(void)
{
	int status;

	return H.srv.pid > 0 && waitpid(H.srv.pid, &status, WNOHANG) == 0;
}

/* How many times needle occurs in the server's log. */
static unsigned log_count(const char *needle)
{
	char *log = e2e_server_log(&H.srv);
	unsigned n = 0;

	for (const char *p = log; (p = strstr(p, needle)) != NULL; p++)
		n++;
	free(log);
	return n;
}

/* Connects to the server, non-blocking; -1 if it cannot. */
static int hconnect(void)
{
	int fd = e2e_connect(H.srv.port);

	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Reads and drops what is there; returns bytes read, 0 on close, -1 if none. */
static ssize_t drain_some(int fd, struct strbuf *keep)
{
	char buf[16384];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	if (n > 0 && keep != NULL && keep->len < 65536)
		strbuf_append(keep, buf, (size_t)n);
	if (n < 0 && errno == ECONNRESET)
		return 0;
	return n;
}

/*
 * Sends len bytes, reading what comes back meanwhile (or not, if
 * !reading), until all is sent or deadline. Returns the bytes sent.
 */
static size_t pump(int fd, const void *buf, size_t len, long long deadline,
		   bool reading, struct strbuf *keep)
{
	const char *p = buf;
	size_t sent = 0;

	while (sent < len && now_ms() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		ssize_t n;

		if (reading)
			pfd.events |= POLLIN;
		if (poll(&pfd, 1, (int)(deadline - now_ms())) <= 0)
			break;
		if (pfd.revents & POLLIN) {
			if (drain_some(fd, keep) == 0)
				break; /* the server hung up */
		}
		if (pfd.revents & (POLLERR | POLLHUP))
			break;
		if (!(pfd.revents & POLLOUT))
			continue;
		n = send(fd, p + sent, len - sent, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			break;
		if (n > 0)
			sent += (size_t)n;
	}
	return sent;
}

/* Reads until the server closes or the deadline; true if it closed. */
static bool read_until_close(int fd, long long deadline, struct strbuf *keep)
{
	while (now_ms() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, (int)(deadline - now_ms())) <= 0)
			return false;
		n = drain_some(fd, keep);
		if (n == 0)
			return true;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return true;
	}
	return false;
}

/* Reads until got holds needle or the deadline. */
static bool read_until(int fd, struct strbuf *got, const char *needle,
		       long long deadline)
{
	while (!e2e_contains(got, needle, strlen(needle)) &&
	       now_ms() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char buf[4096];
		ssize_t n;

		if (poll(&pfd, 1, (int)(deadline - now_ms())) <= 0)
			break;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		strbuf_append(got, buf, (size_t)n);
	}
	return e2e_contains(got, needle, strlen(needle));
}

/* Ends a connection the way the kind asks. */
static void finish(int fd, enum ending how, long long deadline,
		   struct strbuf *keep)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	switch (how) {
	case END_SHUT:
		shutdown(fd, SHUT_WR);
		read_until_close(fd, deadline, keep);
		break;
	case END_CLOSE:
		break;
	case END_RESET:
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		break;
	}
	close(fd);
}

/*
 * One kind of bad traffic on its own connection: the bytes (after an
 * optional prefix that brings the caller somewhere, e.g. "4\r\n" into the
 * chat room), then the ending. The server must at least have greeted.
 */
static void kind_with(const char *prefix, const void *buf, size_t len,
		      enum ending how)
{
	long long deadline = now_ms() + KIND_MS;
	struct strbuf got;
	int fd = hconnect();

	assert_true(fd >= 0);
	strbuf_init(&got);
	if (prefix != NULL)
		pump(fd, prefix, strlen(prefix), deadline, true, &got);
	pump(fd, buf, len, deadline, true, &got);
	finish(fd, how, deadline, &got);
	/* Every caller hears the offers first, even a hostile one. */
	assert_true(got.len > 0 || how != END_SHUT);
	strbuf_fini(&got);
	H.kinds++;
	H.conns++;
}

static void kind(const void *buf, size_t len)
{
	kind_with(NULL, buf, len, END_SHUT);
}

/* A normal caller: the main menu within PROMPT_MS, then 3 and goodbye. */
static void normal_call(void)
{
	long long start = now_ms();
	struct strbuf got;
	int fd = hconnect();
	long long took;

	assert_true(fd >= 0);
	strbuf_init(&got);
	assert_true(read_until(fd, &got, MAIN_MENU_ZH, start + PROMPT_MS));
	took = now_ms() - start;
	assert_true(took < PROMPT_MS);
	pump(fd, "3\r\n", 3, now_ms() + KIND_MS, false, NULL);
	assert_true(read_until(fd, &got, GOODBYE_ZH, now_ms() + KIND_MS));
	assert_true(read_until_close(fd, now_ms() + KIND_MS, NULL));
	close(fd);
	strbuf_fini(&got);
}

/*
 * A normal caller who walks somewhere and hangs up: sends the lines one
 * at a time, reading the answers, then reads until the server closes.
 */
static void scripted_call(const char *const *lines)
{
	long long deadline = now_ms() + 4 * KIND_MS;
	int fd = hconnect();

	assert_true(fd >= 0);
	for (size_t i = 0; lines[i] != NULL; i++) {
		pump(fd, lines[i], strlen(lines[i]), deadline, true, NULL);
		/* Let the answer (or the account store) come first. */
		for (long long t = now_ms() + 150; now_ms() < t;) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };

			if (poll(&pfd, 1, 50) > 0 && drain_some(fd, NULL) == 0)
				break;
		}
	}
	if (!read_until_close(fd, deadline, NULL))
		fail_msg("a normal caller (\"%s\"...) was not hung up on",
			 lines[0]);
	close(fd);
}

/*
 * A class dialling in at once: WARM_BURST callers hear the main menu
 * together, then all press 3. Brings the allocator to the high-water mark
 * of the concurrent connections the hostile families open.
 */
static void burst_call(void)
{
	int fds[WARM_BURST];
	long long deadline = now_ms() + 4 * KIND_MS;

	/* All dial first: each waits out the first-bytes silence at once. */
	for (int i = 0; i < WARM_BURST; i++) {
		fds[i] = hconnect();
		assert_true(fds[i] >= 0);
	}
	for (int i = 0; i < WARM_BURST; i++) {
		struct strbuf got;

		strbuf_init(&got);
		assert_true(read_until(fds[i], &got, MAIN_MENU_ZH, deadline));
		strbuf_fini(&got);
	}
	for (int i = 0; i < WARM_BURST; i++)
		pump(fds[i], "3\r\n", 3, deadline, false, NULL);
	for (int i = 0; i < WARM_BURST; i++) {
		assert_true(read_until_close(fds[i], deadline, NULL));
		close(fds[i]);
	}
}

/* Waits until every connection the server took has been freed. */
static bool wait_all_closed(int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	while (now_ms() < deadline) {
		if (log_count("connect from") == log_count(" disconnect "))
			return true;
		usleep(50000);
	}
	return false;
}

/* --- setup ---------------------------------------------------------------- */

static int group_setup(void **state)
{
	const char *args[] = { "--menus", MENUS_DIR, NULL };

	/*
	 * Under ASan freed memory sits in a quarantine (up to 256 MiB) and is
	 * never handed back: no RSS figure would settle. A small quarantine
	 * and regular release make the figure mean what it means in a plain
	 * build; overflows and leaks are still caught.
	 */
	setenv("ASAN_OPTIONS",
	       "quarantine_size_mb=0:thread_local_quarantine_size_kb=0:"
	       "allocator_release_to_os_interval_ms=100:detect_leaks=1",
	       1);
	(void)state;
	memset(&H, 0, sizeof(H));
	H.never_reader = -1;
	if (e2e_server_start(&H.srv, args) < 0)
		return -1;
	/*
	 * Warm up: a few normal calls down every path, so one-time costs
	 * (iconv's GBK module, SQLite's page cache, yescrypt, code paged in)
	 * are paid before the baseline.
	 */
	/* clang-format off */
	static const char *const chat[] = {
		"4\r\n",         "hello\r\n", "/who\r\n", "/nick warm\r\n",
		"/me waves\r\n", "/quit\r\n", NULL
	};
	/* clang-format on */
	static const char *const gbk[] = { "9\r\n",     "2\r\n",
					   "4\r\n",     "\xc4\xe3\xba\xc3\r\n",
					   "/menu\r\n", "3\r\n",
					   NULL };
	/* clang-format off */
	static const char *const query[] = {
		"1\r\n", "13800138000\r\n", "123456\r\n", "1\r\n", "2\r\n",
		"3\r\n", "4\r\n",           "#\r\n",      "3\r\n", NULL
	};
	/* clang-format on */
	static const char *const recharge[] = { "2\r\n", "13900139000\r\n",
						"2\r\n", "1\r\n",
						"2\r\n", "#\r\n",
						"3\r\n", NULL };
	/* clang-format off */
	static const char *const charmode[] = {
		/* DO ECHO, DO SGA, NAWS 336x280 (no NUL: these are strings). */
		("\xff\xfd\x01\xff\xfd\x03\xff\xfb\x1f"
		 "\xff\xfa\x1f\x01\x50\x01\x18\xff\xf0"),
		"9",
		"3",
		"4",
		"hi\r",
		"/quit\r",
		NULL
	};
	/* clang-format on */

	for (int round = 0; round < 2; round++) {
		scripted_call(chat);
		scripted_call(gbk);
		scripted_call(query);
		scripted_call(recharge);
		scripted_call(charmode);
		normal_call();
	}
	wait_all_closed(5000);
	usleep(500000);
	H.rss_calls_kb = server_rss_kb();
	burst_call();
	wait_all_closed(5000);
	usleep(500000);
	H.rss_start_kb = server_rss_kb();
	printf("hostile: server RssAnon %ld KiB, RssFile %ld KiB after warm-up\n",
	       server_status_kb("RssAnon"), server_status_kb("RssFile"));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (H.never_reader >= 0)
		close(H.never_reader);
	if (H.srv.pid > 0)
		e2e_server_stop(&H.srv, SIGKILL);
	return 0;
}

/* --- the families ------------------------------------------------------ */

/* A caller floods "0" (repeat the menu) and never reads: kept to the end. */
static void test_never_reader_starts(void **state)
{
	static char flood[64 * 1024];
	int fd = hconnect();

	(void)state;
	assert_true(fd >= 0);
	for (size_t i = 0; i + 3 <= sizeof(flood); i += 3)
		memcpy(flood + i, "0\r\n", 3);
	/* Each "0" costs the server a menu: its output cap fills at once. */
	for (int round = 0; round < 8; round++)
		pump(fd, flood, sizeof(flood), now_ms() + 250, false, NULL);
	H.never_reader = fd;
	H.never_reader_since = now_ms();
	H.kinds++;
	H.conns++;
}

/* Random bytes, at a menu and inside the chat room, many seeds. */
static void test_random_bytes(void **state)
{
	static char buf[32 * 1024];

	(void)state;
	for (uint32_t seed = 1; seed <= 48; seed++) {
		uint32_t st = seed * 2654435761u;
		size_t len = 512 + xorshift32(&st) % (sizeof(buf) - 512);

		for (size_t i = 0; i < len; i++)
			buf[i] = (char)xorshift32(&st);
		kind_with(seed % 2 ? "4\r\n" : NULL, buf, len,
			  seed % 5 == 0 ? END_RESET : END_SHUT);
	}
}

/* Random bytes drawn from telnet's own alphabet: IAC, SB, SE, verbs, CR, LF. */
static void test_random_telnet(void **state)
{
	static const unsigned char alphabet[] = {
		IAC, IAC,  IAC,  SB,   SE,   WILL, WONT, DO,   DONT, AYT,
		IP,  0xf1, 0xf2, 0xf7, 0xf8, 0xf9, 0xec, 0,    1,    3,
		24,  31,   39,   70,   86,   93,   '\r', '\n', '\0', '1',
		'4', '9',  0x1b, '[',  0xe4, 0xbd, 0xa0,
	};
	static char buf[16 * 1024];

	(void)state;
	for (uint32_t seed = 1; seed <= 24; seed++) {
		uint32_t st = seed * 40503u + 7;

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (char)
				alphabet[xorshift32(&st) % sizeof(alphabet)];
		kind(buf, sizeof(buf));
	}
}

/* IAC followed by every command byte, each repeated 2000 times. */
static void test_iac_commands(void **state)
{
	static char buf[2 * 2000];

	(void)state;
	for (unsigned cmd = 0xf0; cmd <= 0xff; cmd++) {
		for (size_t i = 0; i < sizeof(buf); i += 2) {
			buf[i] = (char)IAC;
			buf[i + 1] = (char)cmd;
		}
		/* AYT is answered every time: a reader is needed (pump reads). */
		kind(buf, sizeof(buf));
	}
	/* A storm of IAC IAC (escaped 0xff data) at a menu and in chat. */
	memset(buf, IAC, sizeof(buf));
	kind(buf, sizeof(buf));
	kind_with("4\r\n", buf, sizeof(buf), END_SHUT);
}

/* WILL, WONT, DO and DONT for all 256 options, and flip-flops. */
static void test_negotiation(void **state)
{
	static char buf[256 * 6];
	static const unsigned char verbs[] = { WILL, WONT, DO, DONT };

	(void)state;
	for (size_t v = 0; v < sizeof(verbs); v++) {
		for (unsigned opt = 0; opt < 256; opt++) {
			buf[opt * 3] = (char)IAC;
			buf[opt * 3 + 1] = (char)verbs[v];
			buf[opt * 3 + 2] = (char)opt;
		}
		kind(buf, 256 * 3);
	}
	/* WILL then WONT, DO then DONT, for every option: answer loops. */
	for (size_t pair = 0; pair < 2; pair++) {
		for (unsigned opt = 0; opt < 256; opt++) {
			char *p = buf + opt * 6;

			p[0] = (char)IAC;
			p[1] = (char)(pair ? DO : WILL);
			p[2] = (char)opt;
			p[3] = (char)IAC;
			p[4] = (char)(pair ? DONT : WONT);
			p[5] = (char)opt;
		}
		kind(buf, sizeof(buf));
	}
	/* DO ECHO / DONT ECHO 5000 times: character and line mode flipping. */
	{
		static char flip[6 * 5000];

		for (size_t i = 0; i < sizeof(flip); i += 6)
			memcpy(flip + i, "\xff\xfd\x01\xff\xfe\x01", 6);
		kind(flip, sizeof(flip));
	}
	/* IAC IP + DO TIMING-MARK, as line-mode telnet sends for Ctrl-C. */
	{
		static char tm[5 * 2000];

		for (size_t i = 0; i < sizeof(tm); i += 5)
			memcpy(tm + i, "\xff\xf4\xff\xfd\x06", 5);
		kind(tm, sizeof(tm));
	}
}

/* SB for every option, never ended by SE; then a normal line. */
static void test_sb_without_se(void **state)
{
	char buf[64];

	(void)state;
	for (unsigned opt = 0; opt < 256; opt++) {
		int n = snprintf(buf, sizeof(buf), "%c%c%cpayload\r\n3\r\n",
				 IAC, SB, (char)opt);

		kind(buf, (size_t)n);
	}
}

/* SBs with 20 KiB payloads, with and without SE, for options that parse. */
static void test_sb_huge(void **state)
{
	static const unsigned char opts[] = {
		O_NAWS, O_TTYPE, O_NEW_ENVIRON, O_MSSP, O_COMPRESS2, 200,
	};
	static char buf[20 * 1024 + 16];

	(void)state;
	for (size_t i = 0; i < sizeof(opts); i++) {
		for (int with_se = 0; with_se < 2; with_se++) {
			size_t n = 0;

			buf[n++] = (char)IAC;
			buf[n++] = (char)SB;
			buf[n++] = (char)opts[i];
			memset(buf + n, 'A' + (int)i, 20 * 1024);
			n += 20 * 1024;
			if (with_se) {
				buf[n++] = (char)IAC;
				buf[n++] = (char)SE;
			}
			memcpy(buf + n, "3\r\n", 3);
			n += 3;
			kind(buf, n);
		}
	}
	/* 20 KiB of escaped 0xff inside an SB. */
	buf[0] = (char)IAC;
	buf[1] = (char)SB;
	buf[2] = (char)O_TTYPE;
	memset(buf + 3, IAC, 20 * 1024);
	kind(buf, 3 + 20 * 1024);
}

/* Bytes spelled as a literal, NULs included. */
struct bytes {
	const char *s;
	size_t len;
};
#define BYTES(lit)                                                             \
	{                                                                      \
		(lit), sizeof(lit) - 1                                         \
	}

/* SB NAWS of every wrong size, odd IAC doubling, zero and huge sizes. */
static void test_naws_malformed(void **state)
{
	static const struct bytes cases[] = {
		BYTES("\xff\xfa\x1f\xff\xf0"),
		BYTES("\xff\xfa\x1f\x00\xff\xf0"),
		BYTES("\xff\xfa\x1f\x00\x50\xff\xf0"),
		BYTES("\xff\xfa\x1f\x00\x50\x00\xff\xf0"),
		BYTES("\xff\xfa\x1f\x00\x50\x00\x18\x00\xff\xf0"),
		BYTES("\xff\xfa\x1f\x00\x50\x00\x18\x00\x50\x00\x18\xff\xf0"),
		BYTES("\xff\xfa\x1f\xff\xff\xff\xff\xff\xff\xff\xff\xff\xf0"),
		BYTES("\xff\xfa\x1f\xff\xff\x00\xff\x00\xff\xf0"),
		BYTES("\xff\xfa\x1f\x00\x00\x00\x00\xff\xf0"),
		BYTES("\xff\xfa\x1f\x00\x50\x00\x18\xff\xfa\x1f\x00\x50\xff\xf0"),
		BYTES("\xff\xfa\x1f\x00\x50\x00\x18\xff"),
		BYTES("\xff\xfa\x1f\x00\x50\x00\x18\xff\x41"),
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		kind_with("\xff\xfb\x1f", cases[i].s, cases[i].len, END_SHUT);
}

/* A 1 MiB line, and floods of NUL, CR, LF, CR NUL and empty lines. */
static void test_floods(void **state)
{
	static char buf[1024 * 1024 + 2];
	static const char *const units[] = { "\0",   "\r",   "\n",
					     "\r\0", "\r\n", "\n\r",
					     "\x7f", "\x15", "\b" };
	static const size_t unit_len[] = { 1, 1, 1, 2, 2, 2, 1, 1, 1 };

	(void)state;
	memset(buf, 'x', 1024 * 1024);
	memcpy(buf + 1024 * 1024, "\r\n", 2);
	kind(buf, sizeof(buf));
	/* The same in character mode, where each byte is echoed. */
	kind_with("\xff\xfd\x01\xff\xfd\x03"
		  "4\r",
		  buf, sizeof(buf), END_SHUT);
	/* A 1 MiB "number" at the query prompt. */
	memset(buf, '1', 1024 * 1024);
	kind_with("1\r\n", buf, sizeof(buf), END_SHUT);
	for (size_t u = 0; u < ARRAY_LEN(units); u++) {
		size_t n = 256 * 1024 / unit_len[u] * unit_len[u];

		for (size_t i = 0; i < n; i += unit_len[u])
			memcpy(buf + i, units[u], unit_len[u]);
		kind(buf, n);
	}
}

/* Broken UTF-8 of every shape, whole and split across sends. */
static void test_bad_utf8(void **state)
{
	/* clang-format off */
	static const char *const cases[] = {
		"\x80\x80\x80\r\n",             /* stray continuation bytes */
		"\xc0\xaf\r\n",                 /* overlong '/' */
		"\xe0\x80\xaf\r\n",             /* overlong, 3 bytes */
		"\xf0\x80\x80\xaf\r\n",         /* overlong, 4 bytes */
		"\xc1\xbf\r\n",                 /* overlong, C1 lead */
		"\xed\xa0\x80\xed\xbf\xbf\r\n", /* surrogates */
		"\xf4\x90\x80\x80\r\n",         /* past U+10FFFF */
		"\xf8\x88\x80\x80\x80\r\n",     /* 5-byte form */
		"\xfc\x84\x80\x80\x80\x80\r\n", /* 6-byte form */
		"\xe4\xbd\r\n",                 /* cut short by Enter */
		"\xe4\xbd",                     /* cut short by the end */
		"\xfe\xff\xfe\xff\r\n",         /* never valid */
		("\xc2\x9b"
		 "31m\xc2\x85\r\n"),            /* C1 controls */
		"\xef\xbb\xbf\xef\xbf\xbe\r\n", /* BOM and a noncharacter */
	};
	/* clang-format on */
	char line[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		kind(cases[i], strlen(cases[i]));
		/* In the chat room, where lines go to others. */
		kind_with("4\r\n", cases[i], strlen(cases[i]), END_SHUT);
	}
	/* A character split across sends, one byte at a time. */
	{
		long long deadline = now_ms() + KIND_MS;
		int fd = hconnect();
		const char *s = "4\r\n\xe4\xbd\xa0\xe5\xa5\xbd\r\n";

		assert_true(fd >= 0);
		for (const char *p = s; *p != '\0'; p++) {
			pump(fd, p, 1, deadline, true, NULL);
			usleep(2000);
		}
		finish(fd, END_SHUT, deadline, NULL);
		H.kinds++;
		H.conns++;
	}
	snprintf(line, sizeof(line), "4\r\n%s", "\xed\xa0");
	kind(line, strlen(line));
}

/* Escape sequences: unterminated CSI and OSC, ESC floods, arrow storms. */
static void test_escapes(void **state)
{
	static char buf[64 * 1024];
	static const char *const units[] = {
		"\x1b[", "\x1b]0;", "\x1b", "\x1b[A", "\x1bO", "\x1b[1;2;3;4"
	};

	(void)state;
	for (size_t u = 0; u < ARRAY_LEN(units); u++) {
		size_t len = strlen(units[u]), n = 0;

		while (n + len <= sizeof(buf) - 2) {
			memcpy(buf + n, units[u], len);
			n += len;
		}
		memcpy(buf + n, "\r\n", 2);
		kind_with(u % 2 ? "4\r\n" : NULL, buf, n + 2, END_SHUT);
	}
}

/* GBK chosen at the language menu, then bytes that are not GBK. */
static void test_gbk(void **state)
{
	/* clang-format off */
	static const char *const cases[] = {
		"\x81\r\n",             /* a lead byte cut by Enter */
		"\x81\x30\x81\x30\r\n", /* GB18030 four-byte, not GBK */
		"\xff\xff\xa1\r\n",     /* IAC IAC then a lone lead */
		"\x80\x80\x80\r\n",     /* never GBK */
		"\xd6\xd0\xce\xc4\x81", /* good, then a lead at the end */
	};
	/* clang-format on */

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		kind_with("9\r\n2\r\n", cases[i], strlen(cases[i]), END_SHUT);
		kind_with("9\r\n2\r\n4\r\n", cases[i], strlen(cases[i]),
			  END_SHUT);
	}
}

/* Half-closed sockets: shutdown(SHUT_WR) after a partial line or command. */
static void test_half_close(void **state)
{
	/* clang-format off */
	static const char *const partial[] = {
		"1",        "4\r\nhalf a chat line", "\xff\xfa\x1f\x00",
		"\xe4\xbd", "1\r\n1380013",          "\xff",
	};
	/* clang-format on */

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(partial); i++) {
		long long deadline = now_ms() + KIND_MS;
		struct strbuf got;
		int fd = hconnect();

		assert_true(fd >= 0);
		strbuf_init(&got);
		pump(fd, partial[i], strlen(partial[i]), deadline, true, &got);
		shutdown(fd, SHUT_WR);
		/* The server answers the end of input with goodbye and closes. */
		assert_true(read_until_close(fd, deadline, &got));
		assert_true(e2e_contains(&got, GOODBYE_ZH, strlen(GOODBYE_ZH)));
		close(fd);
		strbuf_fini(&got);
		H.kinds++;
		H.conns++;
	}
}

/* Connections opened and dropped by the thousand, in bounded batches. */
static void test_churn(void **state)
{
	int fds[CHURN_BATCH];
	unsigned opened = 0;

	(void)state;
	while (opened < CHURN_TOTAL) {
		size_t n = 0;

		while (n < CHURN_BATCH && opened < CHURN_TOTAL) {
			int fd = hconnect();

			if (fd < 0)
				break;
			fds[n++] = fd;
			opened++;
		}
		assert_true(n > 0);
		for (size_t i = 0; i < n; i++) {
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };

			/* Thirds: silent close, a byte then close, an RST. */
			if (i % 3 == 1)
				send(fds[i], "1", 1, MSG_NOSIGNAL);
			if (i % 3 == 2)
				setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &lg,
					   sizeof(lg));
			close(fds[i]);
		}
		/* Let the server reap the batch before the next one. */
		wait_all_closed(5000);
	}
	H.kinds += 3;
	H.conns += opened;
	assert_true(server_alive());
}

/* Slowloris: many callers dribbling one byte at a time; a caller still gets in. */
static void test_slowloris(void **state)
{
	enum {
		SLOW = 24
	};
	static const char text[] = "4\r\nslowly typed chat line\r\n/who\r\n";
	int fds[SLOW];

	(void)state;
	for (int i = 0; i < SLOW; i++) {
		fds[i] = hconnect();
		assert_true(fds[i] >= 0);
	}
	for (size_t b = 0; b + 1 < sizeof(text); b++) {
		for (int i = 0; i < SLOW; i++) {
			char buf[4096];

			send(fds[i], text + b, 1, MSG_NOSIGNAL);
			while (recv(fds[i], buf, sizeof(buf), 0) > 0)
				continue;
		}
		usleep(20000);
		if (b == sizeof(text) / 2)
			normal_call(); /* served promptly amid the dribble */
	}
	for (int i = 0; i < SLOW; i++)
		finish(fds[i], i % 2 ? END_SHUT : END_RESET, now_ms() + KIND_MS,
		       NULL);
	H.kinds += 1;
	H.conns += SLOW;
}

/* Chat floods at the default rate, over-long lines, controls for others. */
static void test_chat_flood(void **state)
{
	static char flood[400 * 16];
	long long deadline = now_ms() + KIND_MS;
	struct strbuf seen, said;
	int reader = hconnect(), flooder = hconnect();
	size_t n = 0, lines = 0;
	long long start;
	char big[600];

	(void)state;
	assert_true(reader >= 0 && flooder >= 0);
	strbuf_init(&seen);
	strbuf_init(&said);
	pump(reader, "4\r\n", 3, deadline, true, NULL);
	pump(flooder, "4\r\n", 3, deadline, true, NULL);
	usleep(200000);
	while (drain_some(reader, NULL) > 0)
		continue;
	for (int i = 0; i < 400; i++)
		n += (size_t)snprintf(flood + n, sizeof(flood) - n,
				      "flood %03d\r\n", i);
	start = now_ms();
	pump(flooder, flood, n, now_ms() + KIND_MS, true, &said);
	/* Lines past the limit, and controls that must never reach others. */
	memset(big, 'L', sizeof(big));
	memcpy(big + 513, "\r\n", 2);
	pump(flooder, big, 515, now_ms() + KIND_MS, true, &said);
	pump(flooder, "\x1b]0;pwned\x07\x1b[2J\x07 bell\r\n", 21,
	     now_ms() + KIND_MS, true, &said);
	/* The reader hears at most the burst and the rate, nothing raw. */
	while (now_ms() < start + 1500) {
		struct pollfd pfd = { .fd = reader, .events = POLLIN };

		if (poll(&pfd, 1, 100) > 0 && drain_some(reader, &seen) <= 0)
			break;
	}
	for (const char *p = seen.data;
	     p != NULL && (p = strstr(p, "flood ")) != NULL; p++)
		lines++;
	printf("chat flood: %zu of 400 lines reached the reader in %lld ms\n",
	       lines, now_ms() - start);
	/* Burst 10, 5 a second: well under 25 in 1.5 s. */
	assert_true(lines <= 25);
	assert_null(memchr(seen.data ? seen.data : "", 0x1b, seen.len));
	assert_null(memchr(seen.data ? seen.data : "", 0x07, seen.len));
	finish(reader, END_SHUT, now_ms() + KIND_MS, NULL);
	finish(flooder, END_SHUT, now_ms() + KIND_MS, NULL);
	strbuf_fini(&seen);
	strbuf_fini(&said);
	H.kinds += 3;
	H.conns += 2;
}

/* The caller that never read: the server must have dropped it by now. */
static void test_never_reader_dropped(void **state)
{
	long long wait;

	(void)state;
	assert_true(H.never_reader >= 0);
	/* CONN_STALL_SECONDS (10) after it went over its cap, plus slack. */
	wait = H.never_reader_since + 15000 - now_ms();
	assert_true(e2e_server_log_wait_ms(&H.srv, "not reading",
					   wait > 0 ? (int)wait : 1));
	close(H.never_reader);
	H.never_reader = -1;
}

/* The RSS growth allowed: the server is built like this test unless overridden. */
static long rss_slack_percent(void)
{
	const char *bin = getenv("HOTLINE_E2E_HOTLINED");
	bool asan = HOSTILE_ASAN && (bin == NULL || bin[0] == '\0');

	printf("hostile: %s server, RSS may grow %d%%\n",
	       asan ? "ASan" : "plain",
	       asan ? RSS_SLACK_PERCENT_ASAN : RSS_SLACK_PERCENT);
	return asan ? RSS_SLACK_PERCENT_ASAN : RSS_SLACK_PERCENT;
}

/* After all of it: a normal caller is served at once, RSS settles. */
static void test_still_serves_and_settles(void **state)
{
	long rss_end;

	(void)state;
	assert_true(server_alive());
	for (int i = 0; i < 3; i++)
		normal_call();
	assert_true(wait_all_closed(10000));
	usleep(1000000);
	rss_end = server_rss_kb();
	printf("hostile: %u kinds of bad traffic on %u connections\n", H.kinds,
	       H.conns);
	printf("hostile: server RssAnon %ld KiB, RssFile %ld KiB at the end\n",
	       server_status_kb("RssAnon"), server_status_kb("RssFile"));
	printf("hostile: server RSS %ld KiB after the warm-up's single calls "
	       "(%+.1f%% at the end)\n",
	       H.rss_calls_kb,
	       100.0 * (double)(rss_end - H.rss_calls_kb) /
		       (double)H.rss_calls_kb);
	printf("hostile: server RSS %ld KiB after warm-up, %ld KiB after "
	       "settling (%+.1f%%)\n",
	       H.rss_start_kb, rss_end,
	       100.0 * (double)(rss_end - H.rss_start_kb) /
		       (double)H.rss_start_kb);
	assert_true(H.kinds >= 200);
	assert_true(H.rss_start_kb > 0 && rss_end > 0);
	assert_true(rss_end * 100 <=
		    H.rss_start_kb * (100 + rss_slack_percent()));
}

/* SIGTERM: the server exits 0, so ASan found no leak at exit either. */
static void test_clean_exit(void **state)
{
	(void)state;
	assert_int_equal(e2e_server_stop(&H.srv, SIGTERM), 0);
}

/* After each family: with HOTLINE_HOSTILE_VERBOSE set, the RSS so far. */
static int note_rss(void **state)
{
	(void)state;
	if (getenv("HOTLINE_HOSTILE_VERBOSE") != NULL && server_alive())
		printf("hostile: %u kinds so far, server RSS %ld KiB (anon %ld)\n",
		       H.kinds, server_rss_kb(), server_status_kb("RssAnon"));
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_never_reader_starts, note_rss),
		cmocka_unit_test_teardown(test_random_bytes, note_rss),
		cmocka_unit_test_teardown(test_random_telnet, note_rss),
		cmocka_unit_test_teardown(test_iac_commands, note_rss),
		cmocka_unit_test_teardown(test_negotiation, note_rss),
		cmocka_unit_test_teardown(test_sb_without_se, note_rss),
		cmocka_unit_test_teardown(test_sb_huge, note_rss),
		cmocka_unit_test_teardown(test_naws_malformed, note_rss),
		cmocka_unit_test_teardown(test_floods, note_rss),
		cmocka_unit_test_teardown(test_bad_utf8, note_rss),
		cmocka_unit_test_teardown(test_escapes, note_rss),
		cmocka_unit_test_teardown(test_gbk, note_rss),
		cmocka_unit_test_teardown(test_half_close, note_rss),
		cmocka_unit_test_teardown(test_churn, note_rss),
		cmocka_unit_test_teardown(test_slowloris, note_rss),
		cmocka_unit_test_teardown(test_chat_flood, note_rss),
		cmocka_unit_test_teardown(test_never_reader_dropped, note_rss),
		cmocka_unit_test_teardown(test_still_serves_and_settles,
					  note_rss),
		cmocka_unit_test(test_clean_exit),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
