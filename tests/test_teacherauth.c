/*
 * test_teacherauth: who may look at /teacher (issue 18, item 1). The key
 * and its link, Bearer keys right and wrong at every length, logins by
 * key and by operator password (a real yescrypt hash), the session cookie
 * and its Set-Cookie, hostile Cookie headers, the five-try lockout with
 * its window and its end (a fake clock: now is an argument), bounded
 * tables, and a POST's page token and Origin. Random bytes come from a
 * counter, so keys and tokens are known.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "passhash.h"
#include "proto/http.h"
#include "proto/teacherauth.h"
#include "strbuf.h"

/* base64url of the bytes 0..31, 32..63 and 64..95: the fake random's. */
#define KEY0 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define TOKEN1 "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"
#define PAGE1 "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8"
/* A time of day for the fake clock. */
#define T0 ((time_t)1800000000)
/* The operator password of the cases that use one. */
#define OP_PASSWORD "correct horse"

/* The fake random source: bytes given so far, and calls left (-1: any). */
static uint32_t fake_next;
static int fake_calls_left;

/*
 * Counts bytes up from 0; each 256 are shifted by one more, so no two of
 * the first few hundred tokens are alike. Fails once the calls run out.
 */
static int fake_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	if (fake_calls_left == 0)
		return -1;
	if (fake_calls_left > 0)
		fake_calls_left--;
	for (size_t i = 0; i < len; i++, fake_next++)
		p[i] = (unsigned char)(fake_next + (fake_next >> 8));
	return 0;
}

struct fixture {
	struct teacherauth *ta;
	struct http_request req;
	struct teacherauth_grant grant;
	struct sockaddr_storage peer;
	struct strbuf text;
};

/* A fixture with a known key (KEY0) and no operator password. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	fake_next = 0;
	fake_calls_left = -1;
	f->ta = teacherauth_new(NULL, fake_random);
	if (f->ta == NULL)
		return -1;
	strbuf_init(&f->text);
	*state = f;
	return 0;
}

/* Frees the fixture. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	teacherauth_free(f->ta);
	strbuf_fini(&f->text);
	free(f);
	return 0;
}

/* An address (IPv4 or IPv6 text) and port as a socket address. */
static const struct sockaddr *addr(struct sockaddr_storage *ss,
				   const char *host, unsigned port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(host, ':') != NULL) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		assert_int_equal(inet_pton(AF_INET6, host, &in6->sin6_addr), 1);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		assert_int_equal(inet_pton(AF_INET, host, &in->sin_addr), 1);
	}
	return (const struct sockaddr *)ss;
}

/* The fixture's peer: 192.0.2.<n>, port 40000. */
static const struct sockaddr *peer(struct fixture *f, unsigned n)
{
	char host[32];

	snprintf(host, sizeof(host), "192.0.2.%u", n);
	return addr(&f->peer, host, 40000);
}

/* Parses "GET /teacher/api/sessions" with the given header lines. */
static void request(struct fixture *f, const char *headers)
{
	strbuf_reset(&f->text);
	strbuf_printf(&f->text,
		      "GET /teacher/api/sessions HTTP/1.1\r\n"
		      "Host: 192.0.2.1:5228\r\n%s\r\n",
		      headers);
	assert_int_equal(http_parse(&f->req, f->text.data, f->text.len),
			 HTTP_PARSE_DONE);
}

/* The result of checking a request with headers from peer 192.0.2.9. */
static enum teacherauth_result check(struct fixture *f, const char *headers,
				     time_t now)
{
	request(f, headers);
	return teacherauth_check(f->ta, &f->req, peer(f, 9), now, &f->grant);
}

/* The same for a POST that acts. */
static enum teacherauth_result check_post(struct fixture *f,
					  const char *headers, time_t now)
{
	request(f, headers);
	return teacherauth_check_post(f->ta, &f->req, peer(f, 9), now,
				      &f->grant);
}

/* Logs in with the key from 192.0.2.9: the first session is TOKEN1. */
static void login(struct fixture *f, time_t now)
{
	assert_int_equal(teacherauth_login(f->ta, peer(f, 9), KEY0,
					   strlen(KEY0), now, &f->grant),
			 TEACHERAUTH_OK);
}

/* A wrong login from peer n: NEED_LOGIN or LOCKED. */
static enum teacherauth_result wrong(struct fixture *f, unsigned n, time_t now)
{
	return teacherauth_login(f->ta, peer(f, n), "guess", 5, now, &f->grant);
}

/* The key is 43 base64url characters, and differs between two servers. */
static void test_key(void **state)
{
	struct fixture *f = *state;
	struct teacherauth *a = teacherauth_new(NULL, NULL);
	struct teacherauth *b = teacherauth_new(NULL, NULL);
	const char *key;

	assert_string_equal(teacherauth_key(f->ta), KEY0);
	assert_non_null(a);
	assert_non_null(b);
	key = teacherauth_key(a);
	assert_int_equal(strlen(key), TEACHERAUTH_TOKEN_LEN);
	assert_int_equal(strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "abcdefghijklmnopqrstuvwxyz0123456789-_"),
			 TEACHERAUTH_TOKEN_LEN);
	assert_string_not_equal(key, teacherauth_key(b));
	teacherauth_free(a);
	teacherauth_free(b);
	teacherauth_free(NULL);
}

/* Without random bytes there is no key, so no teacher's view. */
static void test_key_without_random(void **state)
{
	(void)state;
	fake_calls_left = 0;
	assert_null(teacherauth_new(NULL, fake_random));
}

/* The startup line's link, for IPv4 and IPv6 (in brackets). */
static void test_link(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_storage ss;

	teacherauth_link(f->ta, addr(&ss, "192.0.2.1", 5228), &f->text);
	assert_string_equal(f->text.data,
			    "http://192.0.2.1:5228/teacher#key=" KEY0);
	strbuf_reset(&f->text);
	teacherauth_link(f->ta, addr(&ss, "2001:db8::1", 80), &f->text);
	assert_string_equal(f->text.data,
			    "http://[2001:db8::1]:80/teacher#key=" KEY0);
}

/* A program's Bearer key, in any case of the scheme and with spaces. */
static void test_bearer(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check(f, "Authorization: Bearer " KEY0 "\r\n", T0),
			 TEACHERAUTH_OK);
	assert_true(f->grant.bearer);
	assert_string_equal(f->grant.page_token, "");
	assert_int_equal(check(f, "Authorization: bEARER   " KEY0 "\r\n", T0),
			 TEACHERAUTH_OK);
	assert_int_equal(check(f, "Authorization:\tBearer\t" KEY0 "\t\r\n", T0),
			 TEACHERAUTH_OK);
	/* A Bearer holds no session: a POST needs no page token. */
	assert_int_equal(check_post(f, "Authorization: Bearer " KEY0 "\r\n",
				    T0),
			 TEACHERAUTH_OK);
}

/* Wrong keys of every length, and the key with any one character changed. */
static void test_bearer_wrong(void **state)
{
	struct fixture *f = *state;
	char key[TEACHERAUTH_SECRET_MAX * 2 + 1];
	char line[sizeof(key) + 64];
	time_t now = T0;

	for (size_t len = 0; len < sizeof(key); len++) {
		for (size_t i = 0; i < len; i++)
			key[i] = KEY0[i % TEACHERAUTH_TOKEN_LEN];
		key[len] = '\0';
		if (len == TEACHERAUTH_TOKEN_LEN)
			key[len - 1] = 'x';
		snprintf(line, sizeof(line), "Authorization: Bearer %s\r\n",
			 key);
		/* A minute apart: no lockout, so each answer is its own. */
		now += TEACHERAUTH_WINDOW_SECONDS;
		assert_int_equal(check(f, line, now), TEACHERAUTH_NEED_LOGIN);
	}
	for (size_t i = 0; i < TEACHERAUTH_TOKEN_LEN; i++) {
		memcpy(key, KEY0, sizeof(KEY0));
		key[i] = key[i] == 'A' ? 'B' : 'A';
		snprintf(line, sizeof(line), "Authorization: Bearer %s\r\n",
			 key);
		now += TEACHERAUTH_WINDOW_SECONDS;
		assert_int_equal(check(f, line, now), TEACHERAUTH_NEED_LOGIN);
	}
	now += TEACHERAUTH_WINDOW_SECONDS;
	assert_int_equal(check(f, "Authorization: Bearer " KEY0 "x\r\n", now),
			 TEACHERAUTH_NEED_LOGIN);
	assert_int_equal(check(f, "Authorization: Bearer " KEY0 " x\r\n", now),
			 TEACHERAUTH_NEED_LOGIN);
	assert_int_equal(check(f, "Authorization: Bearer\r\n", now),
			 TEACHERAUTH_NEED_LOGIN);
}

/* Another scheme or two Authorization headers: no credential, no try. */
static void test_bearer_not_a_try(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < 2 * TEACHERAUTH_TRIES; i++) {
		assert_int_equal(check(f, "Authorization: Basic " KEY0 "\r\n",
				       T0),
				 TEACHERAUTH_NEED_LOGIN);
		assert_int_equal(check(f, "Authorization: BearerX" KEY0 "\r\n",
				       T0),
				 TEACHERAUTH_NEED_LOGIN);
		assert_int_equal(check(f,
				       "Authorization: Bearer " KEY0 "\r\n"
				       "Authorization: Bearer " KEY0 "\r\n",
				       T0),
				 TEACHERAUTH_NEED_LOGIN);
	}
	assert_int_equal(teacherauth_locked_for(f->ta, peer(f, 9), T0), 0);
	assert_int_equal(check(f, "", T0), TEACHERAUTH_NEED_LOGIN);
}

/* The key logs in: a session, its page token, and the cookie it sets. */
static void test_login_key(void **state)
{
	struct fixture *f = *state;
	char cookie[TEACHERAUTH_SET_COOKIE_MAX];

	login(f, T0);
	assert_false(f->grant.bearer);
	assert_string_equal(f->grant.session, TOKEN1);
	assert_string_equal(f->grant.page_token, PAGE1);
	assert_true(f->grant.expires == T0 + TEACHERAUTH_SESSION_SECONDS);
	teacherauth_set_cookie(&f->grant, cookie);
	assert_string_equal(cookie, "hotline_teacher=" TOKEN1
				    "; Max-Age=43200; Path=/teacher; HttpOnly; "
				    "SameSite=Strict");
	assert_int_equal(check(f, "Cookie: hotline_teacher=" TOKEN1 "\r\n", T0),
			 TEACHERAUTH_OK);
	assert_string_equal(f->grant.page_token, PAGE1);
	/* A second login is a second session, with tokens of its own. */
	login(f, T0);
	assert_string_not_equal(f->grant.session, TOKEN1);
	assert_string_not_equal(f->grant.page_token, PAGE1);
}

/* Wrong secrets of every length, without an operator password: 401. */
static void test_login_wrong(void **state)
{
	struct fixture *f = *state;
	char secret[TEACHERAUTH_SECRET_MAX * 2];
	time_t now = T0;

	for (size_t len = 0; len <= sizeof(secret); len++) {
		for (size_t i = 0; i < len; i++)
			secret[i] = KEY0[i % TEACHERAUTH_TOKEN_LEN];
		if (len == TEACHERAUTH_TOKEN_LEN)
			secret[0] = '-';
		now += TEACHERAUTH_WINDOW_SECONDS;
		assert_int_equal(teacherauth_login(f->ta, peer(f, 9), secret,
						   len, now, &f->grant),
				 TEACHERAUTH_NEED_LOGIN);
		assert_string_equal(f->grant.session, "");
	}
	/* The key with a NUL inside, or cut by one. */
	memcpy(secret, KEY0, sizeof(KEY0));
	secret[10] = '\0';
	now += TEACHERAUTH_WINDOW_SECONDS;
	assert_int_equal(teacherauth_login(f->ta, peer(f, 9), secret,
					   TEACHERAUTH_TOKEN_LEN, now,
					   &f->grant),
			 TEACHERAUTH_NEED_LOGIN);
	assert_int_equal(teacherauth_login(f->ta, peer(f, 9), KEY0,
					   TEACHERAUTH_TOKEN_LEN - 1, now,
					   &f->grant),
			 TEACHERAUTH_NEED_LOGIN);
}

/* Five wrong tries in a minute lock the address out for a minute. */
static void test_lockout(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < TEACHERAUTH_TRIES - 1; i++)
		assert_int_equal(wrong(f, 9, T0 + i), TEACHERAUTH_NEED_LOGIN);
	assert_int_equal(teacherauth_locked_for(f->ta, peer(f, 9), T0 + 4), 0);
	assert_int_equal(wrong(f, 9, T0 + 4), TEACHERAUTH_LOCKED);
	assert_int_equal(teacherauth_locked_for(f->ta, peer(f, 9), T0 + 4),
			 TEACHERAUTH_LOCK_SECONDS);
	/* Now even the key is refused, by login and as a Bearer. */
	assert_int_equal(teacherauth_login(f->ta, peer(f, 9), KEY0,
					   strlen(KEY0), T0 + 5, &f->grant),
			 TEACHERAUTH_LOCKED);
	assert_int_equal(check(f, "Authorization: Bearer " KEY0 "\r\n",
			       T0 + 63),
			 TEACHERAUTH_LOCKED);
	assert_int_equal(teacherauth_locked_for(f->ta, peer(f, 9), T0 + 63), 1);
	/* Another address is not locked out. */
	assert_int_equal(wrong(f, 10, T0 + 5), TEACHERAUTH_NEED_LOGIN);
	/* A minute after the fifth try it is over, with tries afresh. */
	assert_int_equal(teacherauth_locked_for(f->ta, peer(f, 9), T0 + 64), 0);
	for (int i = 0; i < TEACHERAUTH_TRIES - 1; i++)
		assert_int_equal(wrong(f, 9, T0 + 64), TEACHERAUTH_NEED_LOGIN);
	login(f, T0 + 64);
}

/* Tries older than a minute no longer count; a sliding window. */
static void test_lockout_window(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(wrong(f, 9, T0), TEACHERAUTH_NEED_LOGIN);
	assert_int_equal(wrong(f, 9, T0 + 10), TEACHERAUTH_NEED_LOGIN);
	assert_int_equal(wrong(f, 9, T0 + 20), TEACHERAUTH_NEED_LOGIN);
	assert_int_equal(wrong(f, 9, T0 + 30), TEACHERAUTH_NEED_LOGIN);
	/* The try at T0 left the window: four within it. */
	assert_int_equal(wrong(f, 9, T0 + 60), TEACHERAUTH_NEED_LOGIN);
	/* Five within T0+10 .. T0+65. */
	assert_int_equal(wrong(f, 9, T0 + 65), TEACHERAUTH_LOCKED);
}

/* The key after four wrong tries forgets them. */
static void test_lockout_forgiven(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < TEACHERAUTH_TRIES - 1; i++)
		assert_int_equal(wrong(f, 9, T0), TEACHERAUTH_NEED_LOGIN);
	login(f, T0);
	for (int i = 0; i < TEACHERAUTH_TRIES - 1; i++)
		assert_int_equal(wrong(f, 9, T0), TEACHERAUTH_NEED_LOGIN);
	assert_int_equal(teacherauth_locked_for(f->ta, peer(f, 9), T0), 0);
}

/*
 * The lockout keys the address, not the port; an IPv4 address is the
 * same whether mapped into IPv6 or not; two IPv6 addresses are two.
 */
static void test_lockout_addresses(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_storage a, b;

	for (int i = 0; i < TEACHERAUTH_TRIES; i++)
		teacherauth_login(f->ta,
				  addr(&a,
				       i % 2 ? "::ffff:198.51.100.7"
					     : "198.51.100.7",
				       (unsigned)(1000 + i)),
				  "guess", 5, T0, &f->grant);
	assert_int_equal(teacherauth_locked_for(f->ta,
						addr(&a, "198.51.100.7", 1),
						T0),
			 TEACHERAUTH_LOCK_SECONDS);
	assert_int_equal(teacherauth_locked_for(f->ta,
						addr(&a, "::ffff:198.51.100.7",
						     2),
						T0),
			 TEACHERAUTH_LOCK_SECONDS);
	for (int i = 0; i < TEACHERAUTH_TRIES; i++)
		teacherauth_login(f->ta, addr(&a, "2001:db8::1", 5228), "guess",
				  5, T0, &f->grant);
	assert_int_equal(teacherauth_login(f->ta, addr(&a, "2001:db8::1", 1),
					   KEY0, strlen(KEY0), T0, &f->grant),
			 TEACHERAUTH_LOCKED);
	assert_int_equal(teacherauth_login(f->ta, addr(&b, "2001:db8::2", 1),
					   KEY0, strlen(KEY0), T0, &f->grant),
			 TEACHERAUTH_OK);
	assert_int_equal(teacherauth_locked_for(f->ta, addr(&b, "::1", 1), T0),
			 0);
}

/*
 * The table of addresses is bounded: a flood of guessing addresses
 * pushes out the stalest unlocked entry, never a lock; entries past
 * their window are reused.
 */
static void test_lockout_table_bounded(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_storage a;
	char host[64];

	for (int i = 0; i < TEACHERAUTH_TRIES; i++)
		wrong(f, 1, T0);
	for (int i = 0; i < TEACHERAUTH_TRIES - 1; i++)
		wrong(f, 2, T0 + 1);
	for (unsigned i = 0; i < 2 * TEACHERAUTH_MAX_ADDRS; i++) {
		snprintf(host, sizeof(host), "2001:db8::%x", i + 1);
		assert_int_equal(teacherauth_login(f->ta, addr(&a, host, 1),
						   "guess", 5, T0 + 2,
						   &f->grant),
				 TEACHERAUTH_NEED_LOGIN);
	}
	/* The lock held; the four tries of 192.0.2.2 were pushed out. */
	assert_int_equal(teacherauth_locked_for(f->ta, peer(f, 1), T0 + 2),
			 TEACHERAUTH_LOCK_SECONDS - 2);
	assert_int_equal(wrong(f, 2, T0 + 3), TEACHERAUTH_NEED_LOGIN);
	/* A minute on, every entry is stale: a new lock finds room. */
	for (int i = 0; i < TEACHERAUTH_TRIES - 1; i++)
		assert_int_equal(wrong(f, 3, T0 + 100), TEACHERAUTH_NEED_LOGIN);
	assert_int_equal(wrong(f, 3, T0 + 100), TEACHERAUTH_LOCKED);
	assert_int_equal(teacherauth_locked_for(f->ta, peer(f, 1), T0 + 100),
			 0);
}

/* A clock set back never makes a lock longer than a whole one. */
static void test_lockout_clock_back(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < TEACHERAUTH_TRIES; i++)
		wrong(f, 9, T0);
	assert_int_equal(teacherauth_locked_for(f->ta, peer(f, 9), T0 - 3600),
			 TEACHERAUTH_LOCK_SECONDS);
	assert_int_equal(teacherauth_locked_for(f->ta, peer(f, 9),
						T0 + TEACHERAUTH_LOCK_SECONDS),
			 0);
}

/* The operator password, checked against a real yescrypt hash. */
static void test_login_password(void **state)
{
	struct fixture *f = *state;
	char hash[PASSHASH_MAX];
	struct passhash ph;
	struct teacherauth *ta;
	const struct sockaddr *p = peer(f, 9);

	passhash_init(&ph);
	assert_int_equal(passhash_make(&ph, OP_PASSWORD, hash, sizeof(hash)),
			 0);
	passhash_fini(&ph);
	ta = teacherauth_new(hash, fake_random);
	assert_non_null(ta);

	assert_int_equal(teacherauth_login(ta, p, OP_PASSWORD,
					   strlen(OP_PASSWORD), T0, &f->grant),
			 TEACHERAUTH_VERIFY);
	assert_string_equal(f->grant.session, "");
	assert_int_equal(teacherauth_check_password(ta, OP_PASSWORD,
						    strlen(OP_PASSWORD)),
			 1);
	assert_int_equal(teacherauth_login_verdict(ta, p, true, T0, &f->grant),
			 TEACHERAUTH_OK);
	assert_int_equal(strlen(f->grant.session), TEACHERAUTH_TOKEN_LEN);
	/* The verdict forgave the try the login counted. */
	for (int i = 0; i < TEACHERAUTH_TRIES - 1; i++)
		assert_int_equal(teacherauth_login(ta, p, "x", 1, T0,
						   &f->grant),
				 TEACHERAUTH_VERIFY);
	assert_int_equal(teacherauth_locked_for(ta, p, T0), 0);

	/* Wrong passwords: no match, and the fifth try locks. */
	assert_int_equal(teacherauth_check_password(ta, "correct hors", 12), 0);
	assert_int_equal(teacherauth_check_password(ta, OP_PASSWORD "e",
						    strlen(OP_PASSWORD) + 1),
			 0);
	assert_int_equal(teacherauth_login_verdict(ta, p, false, T0, &f->grant),
			 TEACHERAUTH_NEED_LOGIN);
	assert_int_equal(teacherauth_login(ta, p, "y", 1, T0, &f->grant),
			 TEACHERAUTH_VERIFY);
	assert_int_equal(teacherauth_login_verdict(ta, p, false, T0, &f->grant),
			 TEACHERAUTH_LOCKED);
	assert_int_equal(teacherauth_login(ta, p, OP_PASSWORD,
					   strlen(OP_PASSWORD), T0, &f->grant),
			 TEACHERAUTH_LOCKED);

	/* The key still works beside a password, from another address. */
	assert_int_equal(teacherauth_login(ta, peer(f, 10), teacherauth_key(ta),
					   TEACHERAUTH_TOKEN_LEN, T0,
					   &f->grant),
			 TEACHERAUTH_OK);
	/* Too long, empty or with a NUL: never handed to crypt. */
	assert_int_equal(teacherauth_login(ta, peer(f, 11), "", 0, T0,
					   &f->grant),
			 TEACHERAUTH_NEED_LOGIN);
	assert_int_equal(teacherauth_login(ta, peer(f, 11), "a\0b", 3, T0,
					   &f->grant),
			 TEACHERAUTH_NEED_LOGIN);
	assert_int_equal(teacherauth_check_password(ta, "a\0b", 3), 0);
	{
		char long_one[TEACHERAUTH_SECRET_MAX + 1];

		memset(long_one, 'a', sizeof(long_one));
		assert_int_equal(teacherauth_login(ta, peer(f, 11), long_one,
						   sizeof(long_one), T0,
						   &f->grant),
				 TEACHERAUTH_NEED_LOGIN);
		assert_int_equal(teacherauth_check_password(ta, long_one,
							    sizeof(long_one)),
				 0);
	}
	teacherauth_free(ta);

	/* Without a password file no secret but the key is looked at. */
	assert_int_equal(teacherauth_check_password(f->ta, OP_PASSWORD,
						    strlen(OP_PASSWORD)),
			 0);
	/* A hash crypt cannot read is an error, not a match. */
	ta = teacherauth_new("$nosuch$salt$x", fake_random);
	assert_int_equal(teacherauth_check_password(ta, OP_PASSWORD,
						    strlen(OP_PASSWORD)),
			 -1);
	teacherauth_free(ta);
}

/* Cookie headers as browsers send them, and as nobody should. */
static void test_cookie_parsing(void **state)
{
	struct fixture *f = *state;
	static const char *const good[] = {
		"Cookie: hotline_teacher=" TOKEN1 "\r\n",
		"Cookie: a=1; hotline_teacher=" TOKEN1 "; b=2\r\n",
		"Cookie:a=1;hotline_teacher=" TOKEN1 ";b\r\n",
		"Cookie:   hotline_teacher  =  " TOKEN1 "   ;  \r\n",
		"Cookie: hotline_teacher=\"" TOKEN1 "\"\r\n",
		/* Duplicates: a stale one of another path first. */
		"Cookie: hotline_teacher=" KEY0 "; hotline_teacher=" TOKEN1
		"\r\n",
		/* Two Cookie headers, ours in the second. */
		"Cookie: a=b\r\nCookie: hotline_teacher=" TOKEN1 "\r\n",
		"Cookie: ;;;=;hotline_teacher;hotline_teacher=" TOKEN1 "\r\n",
		"Cookie: hotline_teacher=" TOKEN1 "; hotline_teacher=x\r\n",
	};
	static const char *const bad[] = {
		"",
		"Cookie: \r\n",
		"Cookie: ;;;;\r\n",
		"Cookie: hotline_teacher\r\n",
		"Cookie: hotline_teacher=\r\n",
		"Cookie: hotline_teacher=\"\"\r\n",
		"Cookie: Hotline_Teacher=" TOKEN1 "\r\n",
		"Cookie: xhotline_teacher=" TOKEN1 "\r\n",
		"Cookie: hotline_teacherx=" TOKEN1 "\r\n",
		"Cookie: hotline_teacher=" TOKEN1 "x\r\n",
		"Cookie: hotline_teacher=x" TOKEN1 "\r\n",
		"Cookie: hotline_teacher=\"" TOKEN1 "\r\n",
		"Cookie: hotline_teacher=" TOKEN1 "\"\r\n",
		"Cookie: hotline_teacher=" PAGE1 "\r\n",
		"Cookie: hotline_teacher=" KEY0 "\r\n",
		"Cookie: a=hotline_teacher=" TOKEN1 "\r\n",
		"Cookie: hotline_teacher=" TOKEN1 ",a=b\r\n",
		"X-Cookie: hotline_teacher=" TOKEN1 "\r\n",
	};

	login(f, T0);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(check(f, good[i], T0), TEACHERAUTH_OK);
		assert_string_equal(f->grant.session, TOKEN1);
		assert_string_equal(f->grant.page_token, PAGE1);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(check(f, bad[i], T0), TEACHERAUTH_NEED_LOGIN);
		assert_string_equal(f->grant.session, "");
	}
	/* A forged cookie is a 401, never a try that counts. */
	assert_int_equal(teacherauth_locked_for(f->ta, peer(f, 9), T0), 0);
	/* One changed character anywhere. */
	for (size_t i = 0; i < TEACHERAUTH_TOKEN_LEN; i++) {
		char line[128];

		snprintf(line, sizeof(line), "Cookie: hotline_teacher=%s\r\n",
			 TOKEN1);
		line[24 + i] = line[24 + i] == 'A' ? 'B' : 'A';
		assert_int_equal(check(f, line, T0), TEACHERAUTH_NEED_LOGIN);
	}
}

/* Overlong values are passed over; only so many candidates are looked up. */
static void test_cookie_bounds(void **state)
{
	struct fixture *f = *state;
	struct strbuf h;

	login(f, T0);
	strbuf_init(&h);
	strbuf_append_str(&h, "Cookie: hotline_teacher=");
	for (int i = 0; i < 6000; i++)
		strbuf_append_char(&h, 'A');
	strbuf_append_str(&h, "; hotline_teacher=" TOKEN1 "\r\n");
	assert_int_equal(check(f, h.data, T0), TEACHERAUTH_OK);

	strbuf_reset(&h);
	strbuf_append_str(&h, "Cookie: ");
	for (int i = 0; i < TEACHERAUTH_MAX_CANDIDATES; i++)
		strbuf_append_str(&h, "hotline_teacher=" KEY0 "; ");
	strbuf_append_str(&h, "hotline_teacher=" TOKEN1 "\r\n");
	assert_int_equal(check(f, h.data, T0), TEACHERAUTH_NEED_LOGIN);
	strbuf_fini(&h);
}

/* A session lasts twelve hours from its login. */
static void test_session_expiry(void **state)
{
	struct fixture *f = *state;
	const char *cookie = "Cookie: hotline_teacher=" TOKEN1 "\r\n";

	login(f, T0);
	assert_int_equal(check(f, cookie, T0 + TEACHERAUTH_SESSION_SECONDS - 1),
			 TEACHERAUTH_OK);
	assert_int_equal(check(f, cookie, T0 + TEACHERAUTH_SESSION_SECONDS),
			 TEACHERAUTH_NEED_LOGIN);
}

/* The table of sessions is bounded: one login too many ends the oldest. */
static void test_session_table_bounded(void **state)
{
	struct fixture *f = *state;
	char line[128];

	login(f, T0);
	for (int i = 1; i < TEACHERAUTH_MAX_SESSIONS; i++)
		login(f, T0 + i);
	assert_int_equal(check(f, "Cookie: hotline_teacher=" TOKEN1 "\r\n",
			       T0 + 100),
			 TEACHERAUTH_OK);
	login(f, T0 + 100);
	snprintf(line, sizeof(line), "Cookie: hotline_teacher=%s\r\n",
		 f->grant.session);
	assert_int_equal(check(f, line, T0 + 100), TEACHERAUTH_OK);
	assert_int_equal(check(f, "Cookie: hotline_teacher=" TOKEN1 "\r\n",
			       T0 + 100),
			 TEACHERAUTH_NEED_LOGIN);
}

/* A logout ends its session; its Set-Cookie empties the cookie. */
static void test_logout(void **state)
{
	struct fixture *f = *state;
	char cookie[TEACHERAUTH_SET_COOKIE_MAX];

	login(f, T0);
	teacherauth_logout(f->ta, &f->grant);
	assert_int_equal(check(f, "Cookie: hotline_teacher=" TOKEN1 "\r\n", T0),
			 TEACHERAUTH_NEED_LOGIN);
	teacherauth_set_cookie(NULL, cookie);
	assert_string_equal(cookie, "hotline_teacher=; Max-Age=0; "
				    "Path=/teacher; HttpOnly; SameSite=Strict");
}

/* Random bytes failing later: a login makes no session, and says 401. */
static void test_login_without_random(void **state)
{
	struct fixture *f = *state;

	fake_calls_left = 1;
	assert_int_equal(teacherauth_login(f->ta, peer(f, 9), KEY0,
					   strlen(KEY0), T0, &f->grant),
			 TEACHERAUTH_NEED_LOGIN);
	assert_string_equal(f->grant.session, "");
	fake_calls_left = 0;
	assert_int_equal(teacherauth_login(f->ta, peer(f, 9), KEY0,
					   strlen(KEY0), T0, &f->grant),
			 TEACHERAUTH_NEED_LOGIN);
	assert_int_equal(check(f, "Cookie: hotline_teacher=" TOKEN1 "\r\n", T0),
			 TEACHERAUTH_NEED_LOGIN);
}

/* A POST from the page: its cookie, its page token, its own Origin. */
static void test_post(void **state)
{
	struct fixture *f = *state;
	const char *cookie = "Cookie: hotline_teacher=" TOKEN1 "\r\n";
	const char *token = "X-Teacher-Token: " PAGE1 "\r\n";
	char h[512];

	login(f, T0);
	snprintf(h, sizeof(h), "%s%sOrigin: http://192.0.2.1:5228\r\n", cookie,
		 token);
	assert_int_equal(check_post(f, h, T0), TEACHERAUTH_OK);
	assert_string_equal(f->grant.page_token, PAGE1);
	/* No Origin: SameSite=Strict already kept other sites' cookies out. */
	snprintf(h, sizeof(h), "%s%s", cookie, token);
	assert_int_equal(check_post(f, h, T0), TEACHERAUTH_OK);
	snprintf(h, sizeof(h), "%sx-teacher-token:  " PAGE1 " \r\n", cookie);
	assert_int_equal(check_post(f, h, T0), TEACHERAUTH_OK);

	/* No cookie: 401 before any token is looked at. */
	assert_int_equal(check_post(f, token, T0), TEACHERAUTH_NEED_LOGIN);
	/* No token, two tokens, another session's, the cookie's own. */
	assert_int_equal(check_post(f, cookie, T0), TEACHERAUTH_FORBIDDEN);
	assert_string_equal(f->grant.session, "");
	snprintf(h, sizeof(h), "%s%s%s", cookie, token, token);
	assert_int_equal(check_post(f, h, T0), TEACHERAUTH_FORBIDDEN);
	snprintf(h, sizeof(h), "%sX-Teacher-Token: " TOKEN1 "\r\n", cookie);
	assert_int_equal(check_post(f, h, T0), TEACHERAUTH_FORBIDDEN);
	login(f, T0);
	snprintf(h, sizeof(h), "%sX-Teacher-Token: %s\r\n", cookie,
		 f->grant.page_token);
	assert_int_equal(check_post(f, h, T0), TEACHERAUTH_FORBIDDEN);

	/* Cross-site, or an Origin that is not the Host's. */
	static const char *const origins[] = {
		"Origin: http://evil.example\r\n",
		"Origin: null\r\n",
		"Origin: http://192.0.2.1:5229\r\n",
		"Origin: https://192.0.2.1\r\n",
		"Origin: http://192.0.2.1\r\n",
		"Origin: http://192.0.2.1:5228\r\nOrigin: http://192.0.2.1:5228"
		"\r\n",
	};
	for (size_t i = 0; i < sizeof(origins) / sizeof(origins[0]); i++) {
		snprintf(h, sizeof(h), "%s%s%s", cookie, token, origins[i]);
		assert_int_equal(check_post(f, h, T0), TEACHERAUTH_FORBIDDEN);
	}
}

/* Wrong page tokens of every length are all 403. */
static void test_post_token_lengths(void **state)
{
	struct fixture *f = *state;
	char token[2 * TEACHERAUTH_TOKEN_LEN + 1];
	char h[512];

	login(f, T0);
	for (size_t len = 0; len < sizeof(token); len++) {
		for (size_t i = 0; i < len; i++)
			token[i] = PAGE1[i % TEACHERAUTH_TOKEN_LEN];
		token[len] = '\0';
		if (len == TEACHERAUTH_TOKEN_LEN)
			token[len / 2] = '_';
		snprintf(h, sizeof(h),
			 "Cookie: hotline_teacher=" TOKEN1
			 "\r\nX-Teacher-Token: %s\r\n",
			 token);
		assert_int_equal(check_post(f, h, T0), TEACHERAUTH_FORBIDDEN);
	}
}

/* The login POST's Origin check: none, or the Host's own. */
static void test_same_origin(void **state)
{
	struct fixture *f = *state;

	request(f, "");
	assert_true(teacherauth_same_origin(&f->req));
	request(f, "Origin: http://192.0.2.1:5228\r\n");
	assert_true(teacherauth_same_origin(&f->req));
	request(f, "Origin: HTTP://192.0.2.1:5228\r\n");
	assert_true(teacherauth_same_origin(&f->req));
	request(f, "Origin: http://192.0.2.2:5228\r\n");
	assert_false(teacherauth_same_origin(&f->req));
	request(f, "Origin: http://192.0.2.1:5228\r\nOrigin: x\r\n");
	assert_false(teacherauth_same_origin(&f->req));
	request(f, "Origin: null\r\n");
	assert_false(teacherauth_same_origin(&f->req));
}

/* Each result's HTTP status. */
static void test_status(void **state)
{
	(void)state;
	assert_int_equal(teacherauth_status(TEACHERAUTH_OK), 200);
	assert_int_equal(teacherauth_status(TEACHERAUTH_NEED_LOGIN), 401);
	assert_int_equal(teacherauth_status(TEACHERAUTH_LOCKED), 429);
	assert_int_equal(teacherauth_status(TEACHERAUTH_FORBIDDEN), 403);
	assert_int_equal(teacherauth_status(TEACHERAUTH_VERIFY), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_without_random, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bearer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bearer_wrong, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bearer_not_a_try, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_login_key, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_login_wrong, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout_window, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lockout_forgiven, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lockout_addresses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lockout_table_bounded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout_clock_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_login_password, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cookie_parsing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cookie_bounds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_session_expiry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_session_table_bounded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_logout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_without_random,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_post, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post_token_lengths, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_same_origin, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
