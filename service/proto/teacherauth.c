/*
 * teacherauth: the teacher's key, session cookies, page tokens and the
 * lockout of guessing addresses, on plain tables (see teacherauth.h).
 * Both tables are small fixed arrays scanned whole: a few hundred
 * entries at most, and a scan that never stops at the first match leaks
 * nothing through its time. Knows nothing of sockets, routes or pages.
 */
#include "proto/teacherauth.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <nettle/base64.h>
#include <nettle/memops.h>

#include "mem.h"
#include "netaddr.h"
#include "passhash.h"

/* An address as the lockout keys it: IPv4 (mapped ones too) or IPv6. */
struct addr_key {
	unsigned char bytes[16];
	unsigned char len; /* 4, 16, or 0: a family without addresses */
};

/* One address's recent wrong tries. */
struct tries {
	bool used;
	struct addr_key addr;
	time_t wrong[TEACHERAUTH_TRIES]; /* oldest first, within the window */
	unsigned nwrong;
	time_t locked_until; /* locked while now is before it */
	time_t last;         /* the latest wrong try: the stalest goes first */
};

/* A session a login made: its cookie and its page token. */
struct session_slot {
	bool used;
	char token[TEACHERAUTH_TOKEN_LEN + 1];
	char page_token[TEACHERAUTH_TOKEN_LEN + 1];
	time_t expires;
};

struct teacherauth {
	char key[TEACHERAUTH_TOKEN_LEN + 1];
	char *operator_hash; /* owned; NULL: the key alone */
	teacherauth_random_fn random;
	struct session_slot sessions[TEACHERAUTH_MAX_SESSIONS];
	struct tries tries[TEACHERAUTH_MAX_ADDRS];
};

/* The system's random bytes; getrandom blocks only until it is seeded. */
static int system_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A fresh random token in out, as base64url without padding; 0 or -1. */
static int make_token(const struct teacherauth *ta,
		      char out[TEACHERAUTH_TOKEN_LEN + 1])
{
	struct base64_encode_ctx ctx;
	uint8_t raw[TEACHERAUTH_RANDOM_BYTES];
	char text[BASE64_ENCODE_LENGTH(TEACHERAUTH_RANDOM_BYTES) +
		  BASE64_ENCODE_FINAL_LENGTH];
	size_t n;
	int ret = -1;

	if (ta->random(raw, sizeof(raw)) < 0)
		goto out;
	base64url_encode_init(&ctx);
	n = base64_encode_update(&ctx, text, sizeof(raw), raw);
	n += base64_encode_final(&ctx, text + n);
	/* 256 bits are 42 characters and 4 bits: one more, then one '='. */
	if (n < TEACHERAUTH_TOKEN_LEN)
		goto out;
	memcpy(out, text, TEACHERAUTH_TOKEN_LEN);
	out[TEACHERAUTH_TOKEN_LEN] = '\0';
	ret = 0;
out:
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(text, sizeof(text));
	return ret;
}

/* A key from the random source; the tables start empty. */
struct teacherauth *teacherauth_new(const char *operator_hash,
				    teacherauth_random_fn random)
{
	struct teacherauth *ta = xcalloc(1, sizeof(*ta));

	ta->random = random != NULL ? random : system_random;
	if (make_token(ta, ta->key) < 0) {
		free(ta);
		return NULL;
	}
	if (operator_hash != NULL)
		ta->operator_hash = xstrdup(operator_hash);
	return ta;
}

/* Wipes the key and the sessions before freeing them. */
void teacherauth_free(struct teacherauth *ta)
{
	if (ta == NULL)
		return;
	free(ta->operator_hash);
	explicit_bzero(ta, sizeof(*ta));
	free(ta);
}

/* The key, for the startup line and the tests. */
const char *teacherauth_key(const struct teacherauth *ta)
{
	return ta->key;
}

/* The link the startup line prints for one listening address. */
void teacherauth_link(const struct teacherauth *ta, const struct sockaddr *addr,
		      struct strbuf *out)
{
	char where[NETADDR_MAX];

	netaddr_format(addr, where, sizeof(where));
	strbuf_printf(out, "http://%s/teacher#key=%s", where, ta->key);
}

/* The lockout's key for a peer: the port dropped, a mapped IPv4 as IPv4. */
static void addr_key_of(const struct sockaddr *sa, struct addr_key *key)
{
	memset(key, 0, sizeof(*key));
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		memcpy(key->bytes, &in->sin_addr, 4);
		key->len = 4;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			memcpy(key->bytes, &in6->sin6_addr.s6_addr[12], 4);
			key->len = 4;
		} else {
			memcpy(key->bytes, &in6->sin6_addr, 16);
			key->len = 16;
		}
	}
}

/* The entry of an address, or NULL if it has no wrong tries kept. */
static const struct tries *tries_find(const struct teacherauth *ta,
				      const struct addr_key *key)
{
	for (size_t i = 0; i < TEACHERAUTH_MAX_ADDRS; i++) {
		const struct tries *t = &ta->tries[i];

		if (t->used && t->addr.len == key->len &&
		    memcmp(t->addr.bytes, key->bytes, key->len) == 0)
			return t;
	}
	return NULL;
}

/* The same, for changing it. */
static struct tries *tries_find_mut(struct teacherauth *ta,
				    const struct addr_key *key)
{
	const struct tries *t = tries_find(ta, key);

	return t == NULL ? NULL : &ta->tries[t - ta->tries];
}

/*
 * Seconds an entry stays locked; a clock set back never makes a lock
 * longer than a whole one.
 */
static unsigned lock_left(const struct tries *t, time_t now)
{
	time_t left;

	if (t == NULL || t->locked_until <= now)
		return 0;
	left = t->locked_until - now;
	return left > TEACHERAUTH_LOCK_SECONDS ? TEACHERAUTH_LOCK_SECONDS
					       : (unsigned)left;
}

/* Drops the wrong tries that have left the window. */
static void tries_age(struct tries *t, time_t now)
{
	unsigned keep = 0;

	for (unsigned i = 0; i < t->nwrong; i++)
		if (now - t->wrong[i] < TEACHERAUTH_WINDOW_SECONDS)
			t->wrong[keep++] = t->wrong[i];
	t->nwrong = keep;
}

/* Whether an entry holds nothing worth keeping: no lock, no recent try. */
static bool tries_stale(struct tries *t, time_t now)
{
	if (!t->used)
		return true;
	tries_age(t, now);
	return lock_left(t, now) == 0 && t->nwrong == 0;
}

/*
 * A slot for a new address: a free or stale one, else the unlocked entry
 * whose latest try is oldest, else the oldest of all. Many guessing
 * addresses cannot grow memory, and pushing a lock out takes locking
 * TEACHERAUTH_MAX_ADDRS others first; an address pushed out starts over.
 */
static struct tries *tries_slot(struct teacherauth *ta, time_t now)
{
	struct tries *oldest = NULL, *oldest_open = NULL;

	for (size_t i = 0; i < TEACHERAUTH_MAX_ADDRS; i++) {
		struct tries *t = &ta->tries[i];

		if (tries_stale(t, now))
			return t;
		if (oldest == NULL || t->last < oldest->last)
			oldest = t;
		if (lock_left(t, now) == 0 &&
		    (oldest_open == NULL || t->last < oldest_open->last))
			oldest_open = t;
	}
	return oldest_open != NULL ? oldest_open : oldest;
}

/* Counts a wrong try from peer; whether the address is now locked out. */
static bool count_wrong(struct teacherauth *ta, const struct sockaddr *peer,
			time_t now)
{
	struct addr_key key;
	struct tries *t;

	addr_key_of(peer, &key);
	t = tries_find_mut(ta, &key);
	if (t == NULL) {
		t = tries_slot(ta, now);
		memset(t, 0, sizeof(*t));
		t->used = true;
		t->addr = key;
	}
	/* Below TEACHERAUTH_TRIES: the try that reaches it locks and empties. */
	tries_age(t, now);
	t->wrong[t->nwrong++] = now;
	t->last = now;
	if (t->nwrong == TEACHERAUTH_TRIES) {
		t->locked_until = now + TEACHERAUTH_LOCK_SECONDS;
		t->nwrong = 0;
	}
	return lock_left(t, now) > 0;
}

/* Seconds left of a peer's lockout, 0 if none. */
unsigned teacherauth_locked_for(const struct teacherauth *ta,
				const struct sockaddr *peer, time_t now)
{
	struct addr_key key;

	addr_key_of(peer, &key);
	return lock_left(tries_find(ta, &key), now);
}

/* Forgets an address's wrong tries and lock: it just proved itself. */
static void forget_wrong(struct teacherauth *ta, const struct sockaddr *peer)
{
	struct addr_key key;
	struct tries *t;

	addr_key_of(peer, &key);
	t = tries_find_mut(ta, &key);
	if (t != NULL)
		memset(t, 0, sizeof(*t));
}

/* Whether text (len bytes) is the key, in time independent of its bytes. */
static bool is_key(const struct teacherauth *ta, const char *text, size_t len)
{
	/* The key's length is no secret: it is the same for every key. */
	return len == TEACHERAUTH_TOKEN_LEN &&
	       memeql_sec(text, ta->key, TEACHERAUTH_TOKEN_LEN);
}

/* Copies a session into a grant. */
static void grant_session(const struct session_slot *s,
			  struct teacherauth_grant *grant)
{
	memset(grant, 0, sizeof(*grant));
	memcpy(grant->session, s->token, sizeof(grant->session));
	memcpy(grant->page_token, s->page_token, sizeof(grant->page_token));
	grant->expires = s->expires;
}

/*
 * A new session in the table: a free or ended slot, else the one that
 * ends first. OK with *grant, or NEED_LOGIN if no random bytes came.
 */
static enum teacherauth_result mint(struct teacherauth *ta, time_t now,
				    struct teacherauth_grant *grant)
{
	struct session_slot *slot = &ta->sessions[0];
	struct session_slot fresh = { .used = true };

	for (size_t i = 0; i < TEACHERAUTH_MAX_SESSIONS; i++) {
		struct session_slot *s = &ta->sessions[i];

		if (!s->used || s->expires <= now) {
			slot = s;
			break;
		}
		if (s->expires < slot->expires)
			slot = s;
	}
	if (make_token(ta, fresh.token) < 0 ||
	    make_token(ta, fresh.page_token) < 0) {
		explicit_bzero(&fresh, sizeof(fresh));
		return TEACHERAUTH_NEED_LOGIN;
	}
	fresh.expires = now + TEACHERAUTH_SESSION_SECONDS;
	*slot = fresh;
	explicit_bzero(&fresh, sizeof(fresh));
	grant_session(slot, grant);
	return TEACHERAUTH_OK;
}

/*
 * The live session whose token is text (TEACHERAUTH_TOKEN_LEN bytes), or
 * NULL. Every slot is compared, so the time says nothing of which one.
 */
static const struct session_slot *session_find(const struct teacherauth *ta,
					       const char *text, time_t now)
{
	const struct session_slot *found = NULL;

	for (size_t i = 0; i < TEACHERAUTH_MAX_SESSIONS; i++) {
		const struct session_slot *s = &ta->sessions[i];
		int same = memeql_sec(text, s->token, TEACHERAUTH_TOKEN_LEN);

		if (same && s->used && s->expires > now)
			found = s;
	}
	return found;
}

/* Whether c is white space around a cookie pair (RFC 6265 5.2: SP, HTAB). */
static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Whether one "name=value" pair of a Cookie header (n bytes at p, not
 * NUL-ended) is ours with a value the length of a token; *value points
 * at it. White space around the name and the value and one pair of
 * double quotes around the value are taken off, as browsers send them.
 */
static bool pair_is_ours(const char *p, size_t n, const char **value)
{
	const char *end = p + n;
	const char *eq = memchr(p, '=', n);
	const char *v;
	size_t nlen, vlen;

	if (eq == NULL)
		return false;
	while (p < eq && is_ows(*p))
		p++;
	nlen = (size_t)(eq - p);
	while (nlen > 0 && is_ows(p[nlen - 1]))
		nlen--;
	if (nlen != strlen(TEACHERAUTH_COOKIE) ||
	    memcmp(p, TEACHERAUTH_COOKIE, nlen) != 0)
		return false;
	v = eq + 1;
	while (v < end && is_ows(*v))
		v++;
	vlen = (size_t)(end - v);
	while (vlen > 0 && is_ows(v[vlen - 1]))
		vlen--;
	if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
		v++;
		vlen -= 2;
	}
	*value = v;
	return vlen == TEACHERAUTH_TOKEN_LEN;
}

/*
 * The values of our cookie that could be a session, from every Cookie
 * header, at most TEACHERAUTH_MAX_CANDIDATES; how many. Pairs of other
 * names, without '=', or of another length are passed over.
 */
static size_t cookie_candidates(const struct http_request *req,
				const char *out[TEACHERAUTH_MAX_CANDIDATES])
{
	size_t n = 0;

	for (size_t i = 0; i < req->nheaders; i++) {
		const char *p = req->headers[i].value;

		if (strcasecmp(req->headers[i].name, "Cookie") != 0)
			continue;
		while (*p != '\0' && n < TEACHERAUTH_MAX_CANDIDATES) {
			size_t len = strcspn(p, ";");
			const char *value;

			if (pair_is_ours(p, len, &value))
				out[n++] = value;
			p += len;
			if (*p == ';')
				p++;
		}
	}
	return n;
}

/* The session of a request's cookies: OK with *grant, or NEED_LOGIN. */
static enum teacherauth_result check_cookie(const struct teacherauth *ta,
					    const struct http_request *req,
					    time_t now,
					    struct teacherauth_grant *grant)
{
	const char *cands[TEACHERAUTH_MAX_CANDIDATES];
	size_t n = cookie_candidates(req, cands);

	/* A stale one from another path may come first: try each. */
	for (size_t i = 0; i < n; i++) {
		const struct session_slot *s = session_find(ta, cands[i], now);

		if (s != NULL) {
			grant_session(s, grant);
			return TEACHERAUTH_OK;
		}
	}
	return TEACHERAUTH_NEED_LOGIN;
}

/*
 * An Authorization header: "Bearer" (any case), white space, the key.
 * Another scheme is no credential at all; a wrong key is a wrong try.
 */
static enum teacherauth_result check_bearer(struct teacherauth *ta,
					    const char *value,
					    const struct sockaddr *peer,
					    time_t now,
					    struct teacherauth_grant *grant)
{
	const char *cred;

	if (strncasecmp(value, "Bearer", 6) != 0 || !is_ows(value[6]))
		return TEACHERAUTH_NEED_LOGIN;
	if (teacherauth_locked_for(ta, peer, now) > 0)
		return TEACHERAUTH_LOCKED;
	cred = value + 6;
	while (is_ows(*cred))
		cred++;
	if (is_key(ta, cred, strlen(cred))) {
		memset(grant, 0, sizeof(*grant));
		grant->bearer = true;
		return TEACHERAUTH_OK;
	}
	return count_wrong(ta, peer, now) ? TEACHERAUTH_LOCKED
					  : TEACHERAUTH_NEED_LOGIN;
}

/* Bearer if the request has Authorization, else its cookies. */
enum teacherauth_result teacherauth_check(struct teacherauth *ta,
					  const struct http_request *req,
					  const struct sockaddr *peer,
					  time_t now,
					  struct teacherauth_grant *grant)
{
	const char *auth;
	size_t nauth;

	memset(grant, 0, sizeof(*grant));
	auth = http_request_header(req, "Authorization", &nauth);
	/* Two of them: which one a proxy would have read is anyone's guess. */
	if (nauth > 1)
		return TEACHERAUTH_NEED_LOGIN;
	if (nauth == 1)
		return check_bearer(ta, auth, peer, now, grant);
	return check_cookie(ta, req, now, grant);
}

/* No Origin, or exactly one naming the Host. */
bool teacherauth_same_origin(const struct http_request *req)
{
	const char *origin;
	size_t norigin;

	origin = http_request_header(req, "Origin", &norigin);
	if (norigin == 0)
		return true;
	return norigin == 1 &&
	       http_origin_is_host(origin,
				   http_request_header(req, "Host", NULL));
}

/* The check, then a cookie's page token and Origin. */
enum teacherauth_result teacherauth_check_post(struct teacherauth *ta,
					       const struct http_request *req,
					       const struct sockaddr *peer,
					       time_t now,
					       struct teacherauth_grant *grant)
{
	enum teacherauth_result r = teacherauth_check(ta, req, peer, now,
						      grant);
	const char *token;
	size_t ntoken;

	if (r != TEACHERAUTH_OK || grant->bearer)
		return r;
	token = http_request_header(req, TEACHERAUTH_TOKEN_HEADER, &ntoken);
	if (!teacherauth_same_origin(req) || ntoken != 1 ||
	    strlen(token) != TEACHERAUTH_TOKEN_LEN ||
	    !memeql_sec(token, grant->page_token, TEACHERAUTH_TOKEN_LEN)) {
		memset(grant, 0, sizeof(*grant));
		return TEACHERAUTH_FORBIDDEN;
	}
	return TEACHERAUTH_OK;
}

/* The lockout first, then the key, then maybe the password. */
enum teacherauth_result teacherauth_login(struct teacherauth *ta,
					  const struct sockaddr *peer,
					  const char *secret, size_t len,
					  time_t now,
					  struct teacherauth_grant *grant)
{
	bool locked;

	memset(grant, 0, sizeof(*grant));
	if (teacherauth_locked_for(ta, peer, now) > 0)
		return TEACHERAUTH_LOCKED;
	if (is_key(ta, secret, len)) {
		forget_wrong(ta, peer);
		return mint(ta, now, grant);
	}
	/* Counted now, forgiven by a match: parallel tries cannot outrun it. */
	locked = count_wrong(ta, peer, now);
	if (ta->operator_hash != NULL && len > 0 &&
	    len <= TEACHERAUTH_SECRET_MAX && memchr(secret, '\0', len) == NULL)
		return TEACHERAUTH_VERIFY;
	return locked ? TEACHERAUTH_LOCKED : TEACHERAUTH_NEED_LOGIN;
}

/* yescrypt on a NUL-ended copy, wiped after. */
int teacherauth_check_password(const struct teacherauth *ta, const char *secret,
			       size_t len)
{
	char password[TEACHERAUTH_SECRET_MAX + 1];
	struct passhash ph;
	int ret;

	if (ta->operator_hash == NULL || len == 0 ||
	    len > TEACHERAUTH_SECRET_MAX || memchr(secret, '\0', len) != NULL)
		return 0;
	memcpy(password, secret, len);
	password[len] = '\0';
	passhash_init(&ph);
	ret = passhash_verify(&ph, password, ta->operator_hash);
	passhash_fini(&ph);
	explicit_bzero(password, sizeof(password));
	return ret;
}

/* A session for a match; for a miss, whether the try locked. */
enum teacherauth_result teacherauth_login_verdict(
	struct teacherauth *ta, const struct sockaddr *peer, bool matched,
	time_t now, struct teacherauth_grant *grant)
{
	memset(grant, 0, sizeof(*grant));
	if (matched) {
		forget_wrong(ta, peer);
		return mint(ta, now, grant);
	}
	return teacherauth_locked_for(ta, peer, now) > 0
		       ? TEACHERAUTH_LOCKED
		       : TEACHERAUTH_NEED_LOGIN;
}

/* Wipes the grant's session from the table. */
void teacherauth_logout(struct teacherauth *ta,
			const struct teacherauth_grant *grant)
{
	if (grant->bearer || grant->session[0] == '\0')
		return;
	for (size_t i = 0; i < TEACHERAUTH_MAX_SESSIONS; i++) {
		struct session_slot *s = &ta->sessions[i];

		if (s->used &&
		    memeql_sec(s->token, grant->session, TEACHERAUTH_TOKEN_LEN))
			explicit_bzero(s, sizeof(*s));
	}
}

/* The Set-Cookie value of a grant's session, or one ending it. */
void teacherauth_set_cookie(const struct teacherauth_grant *grant,
			    char out[TEACHERAUTH_SET_COOKIE_MAX])
{
	/* A logout's (no session) empties the cookie and ends it now. */
	const char *token = grant != NULL ? grant->session : "";
	int max_age = token[0] != '\0' ? TEACHERAUTH_SESSION_SECONDS : 0;

	snprintf(out, TEACHERAUTH_SET_COOKIE_MAX,
		 "%s=%s; Max-Age=%d; Path=/teacher; HttpOnly; SameSite=Strict",
		 TEACHERAUTH_COOKIE, token, max_age);
}

/* Each result's HTTP status. */
int teacherauth_status(enum teacherauth_result result)
{
	switch (result) {
	case TEACHERAUTH_OK:
		return 200;
	case TEACHERAUTH_NEED_LOGIN:
		return 401;
	case TEACHERAUTH_LOCKED:
		return 429;
	case TEACHERAUTH_FORBIDDEN:
		return 403;
	case TEACHERAUTH_VERIFY:
		break;
	}
	return 0;
}
