/*
 * fuzz_teacherauth: who may look at /teacher, on any bytes. The first
 * byte picks what the rest is: a request head whose Authorization and
 * Cookie headers are checked as a GET's (0) or a POST's (1), or a secret
 * sent to log in (2). Random bytes come from a counter, so the key, the
 * one session cookie made before each input and its page token are known
 * (they are in the dictionary). A check may only let in a request that
 * holds the key or that cookie (and, for a cookie's POST, the page
 * token); a login only the exact key; a result is always one the call
 * may give, and a wrong try never locks out on its own.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "mem.h"
#include "proto/http.h"
#include "proto/teacherauth.h"

/* base64url of the bytes 0..31, 32..63 and 64..95: the counter's. */
#define KEY0 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define TOKEN1 "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"
#define PAGE1 "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8"
/* A time of day for the clock that is passed in. */
#define T0 ((time_t)1800000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next byte the counter gives. */
static unsigned char counter;

/* Random bytes that count up from 0 for each input. */
static int counter_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = counter++;
	return 0;
}

/* An IPv4 peer, 192.0.2.<n>. */
static struct sockaddr_in peer(unsigned n)
{
	struct sockaddr_in in = { .sin_family = AF_INET };

	in.sin_addr.s_addr = htonl(0xc0000200u | n);
	return in;
}

/* Whether the head (len bytes of buf) holds text. */
static bool holds(const char *buf, size_t len, const char *text)
{
	return memmem(buf, len, text, strlen(text)) != NULL;
}

/* Checks a grant a check or login let in. */
static void check_grant(const struct teacherauth_grant *grant)
{
	char cookie[TEACHERAUTH_SET_COOKIE_MAX];

	if (grant->bearer) {
		FUZZ_CHECK(grant->session[0] == '\0');
		return;
	}
	FUZZ_CHECK(strlen(grant->session) == TEACHERAUTH_TOKEN_LEN);
	FUZZ_CHECK(strlen(grant->page_token) == TEACHERAUTH_TOKEN_LEN);
	teacherauth_set_cookie(grant, cookie);
	FUZZ_CHECK(strncmp(cookie, TEACHERAUTH_COOKIE "=",
			   strlen(TEACHERAUTH_COOKIE) + 1) == 0);
}

/* A request head's checks, as a GET's or a POST's. */
static void fuzz_request(struct teacherauth *ta, bool post, const char *buf,
			 size_t len)
{
	struct http_request *req = xmalloc(sizeof(*req));
	struct sockaddr_in from = peer(9);
	const struct sockaddr *sa = (const struct sockaddr *)&from;
	struct teacherauth_grant grant;
	enum teacherauth_result r;

	if (http_parse(req, buf, len) != HTTP_PARSE_DONE)
		goto out;
	r = post ? teacherauth_check_post(ta, req, sa, T0, &grant)
		 : teacherauth_check(ta, req, sa, T0, &grant);
	/* One wrong try locks nobody out; a GET is never forbidden. */
	FUZZ_CHECK(r == TEACHERAUTH_OK || r == TEACHERAUTH_NEED_LOGIN ||
		   (post && r == TEACHERAUTH_FORBIDDEN));
	if (r == TEACHERAUTH_OK) {
		check_grant(&grant);
		if (grant.bearer) {
			FUZZ_CHECK(holds(buf, req->len, KEY0));
		} else {
			FUZZ_CHECK(strcmp(grant.session, TOKEN1) == 0);
			FUZZ_CHECK(holds(buf, req->len, TOKEN1));
			FUZZ_CHECK(!post || holds(buf, req->len, PAGE1));
		}
	}
	/* The same request again and again: at most a lockout, same grant. */
	for (int i = 0; i < TEACHERAUTH_TRIES; i++) {
		enum teacherauth_result again =
			post ? teacherauth_check_post(ta, req, sa, T0, &grant)
			     : teacherauth_check(ta, req, sa, T0, &grant);

		FUZZ_CHECK(again == r || (r == TEACHERAUTH_NEED_LOGIN &&
					  again == TEACHERAUTH_LOCKED));
	}
	FUZZ_CHECK(teacherauth_locked_for(ta, sa, T0) <=
		   TEACHERAUTH_LOCK_SECONDS);
out:
	free(req);
}

/* A login with any bytes as the secret. */
static void fuzz_login(struct teacherauth *ta, const char *secret, size_t len)
{
	struct sockaddr_in from = peer(9);
	const struct sockaddr *sa = (const struct sockaddr *)&from;
	struct teacherauth_grant grant;
	enum teacherauth_result r;
	bool is_key = len == strlen(KEY0) && memcmp(secret, KEY0, len) == 0;

	r = teacherauth_login(ta, sa, secret, len, T0, &grant);
	/* No operator password: the exact key or nothing. */
	FUZZ_CHECK(r == (is_key ? TEACHERAUTH_OK : TEACHERAUTH_NEED_LOGIN));
	if (r == TEACHERAUTH_OK)
		check_grant(&grant);
	else
		FUZZ_CHECK(grant.session[0] == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in teacher = peer(1);
	struct teacherauth_grant grant;
	struct teacherauth *ta;

	if (size == 0)
		return 0;
	counter = 0;
	ta = teacherauth_new(NULL, counter_random);
	FUZZ_CHECK(ta != NULL && strcmp(teacherauth_key(ta), KEY0) == 0);
	FUZZ_CHECK(teacherauth_login(ta, (const struct sockaddr *)&teacher,
				     KEY0, strlen(KEY0), T0,
				     &grant) == TEACHERAUTH_OK);
	FUZZ_CHECK(strcmp(grant.session, TOKEN1) == 0 &&
		   strcmp(grant.page_token, PAGE1) == 0);
	switch (data[0] % 3) {
	case 0:
		fuzz_request(ta, false, (const char *)data + 1, size - 1);
		break;
	case 1:
		fuzz_request(ta, true, (const char *)data + 1, size - 1);
		break;
	default:
		fuzz_login(ta, (const char *)data + 1, size - 1);
		break;
	}
	teacherauth_free(ta);
	return 0;
}
