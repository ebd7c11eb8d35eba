/*
 * teacherauth: who may look at /teacher, with no I/O. It makes the
 * teacher's key once (32 random bytes, base64url), checks a request's
 * Authorization (Bearer KEY) or Cookie header, a key or operator password
 * sent to log in, and a POST's per-page token and Origin; after a login it
 * mints a session cookie kept in a small table until it expires. Five
 * wrong secrets from one address within a minute lock that address out
 * for a minute. Every secret is compared in constant time (nettle's
 * memeql_sec; the operator's yescrypt hash through passhash).
 *
 * It never touches a socket or the clock (the caller passes now) and
 * never logs a secret. It reads parsed request heads (proto/http.h) but
 * knows nothing of routes, conns, sessions or what the pages show.
 */
#ifndef HOTLINE_TEACHERAUTH_H
#define HOTLINE_TEACHERAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <time.h>

#include "proto/http.h"
#include "strbuf.h"

/* Random bytes in a key, a session cookie and a page token: 256 bits. */
#define TEACHERAUTH_RANDOM_BYTES 32
/* Their text: base64url without padding of 32 bytes. */
#define TEACHERAUTH_TOKEN_LEN 43
/* The session cookie's name (no __Host- prefix: that needs HTTPS). */
#define TEACHERAUTH_COOKIE "hotline_teacher"
/* The request header a page's POST carries its page token in. */
#define TEACHERAUTH_TOKEN_HEADER "X-Teacher-Token"
/* Seconds a session cookie lasts: a school day, then the key again. */
#define TEACHERAUTH_SESSION_SECONDS (12 * 3600)
/*
 * Sessions kept: a teacher's laptop, a phone, a colleague; a login past
 * it pushes out the session nearest its end.
 */
#define TEACHERAUTH_MAX_SESSIONS 32
/* Wrong secrets from one address within the window that lock it out. */
#define TEACHERAUTH_TRIES 5
/* Seconds the wrong tries are counted over, and a lockout lasts. */
#define TEACHERAUTH_WINDOW_SECONDS 60
#define TEACHERAUTH_LOCK_SECONDS 60
/*
 * Addresses with wrong tries remembered: a class's worth, and bounded
 * memory when many addresses guess; the stalest entry is forgotten first.
 */
#define TEACHERAUTH_MAX_ADDRS 256
/* Longest secret looked at: the key, or an operator password (as /op's). */
#define TEACHERAUTH_SECRET_MAX 64
/*
 * Session cookies of the right length looked up per request: a browser
 * sends one, two at most (another path's); more is junk, not worth the
 * constant-time scans.
 */
#define TEACHERAUTH_MAX_CANDIDATES 4
/* Bytes of a Set-Cookie value, its NUL included. */
#define TEACHERAUTH_SET_COOKIE_MAX 128

/* The answer to a check; teacherauth_status gives its HTTP status. */
enum teacherauth_result {
	TEACHERAUTH_OK, /* go on (a login: set grant->session's cookie) */
	TEACHERAUTH_NEED_LOGIN, /* 401: no (valid) key, cookie or password */
	TEACHERAUTH_LOCKED,     /* 429: too many wrong tries from the address */
	TEACHERAUTH_FORBIDDEN,  /* 403: a POST's token or Origin is wrong */
	/*
	 * From teacherauth_login only: not the key, so the secret may be the
	 * operator password. Check it away from the event loop (yescrypt is
	 * slow: teacherauth_check_password on a worker), then report with
	 * teacherauth_login_verdict. The try already counts as wrong.
	 */
	TEACHERAUTH_VERIFY,
};

/* Who a check let in, copied out of the tables. */
struct teacherauth_grant {
	bool bearer; /* by the key in Authorization: no cookie, no page token */
	char session[TEACHERAUTH_TOKEN_LEN + 1];    /* the cookie's value */
	char page_token[TEACHERAUTH_TOKEN_LEN + 1]; /* for the page's POSTs */
	time_t expires;                             /* when the session ends */
};

/* Fills buf with len random bytes: 0, or -1 when there are none. */
typedef int (*teacherauth_random_fn)(void *buf, size_t len);

struct teacherauth;

/*
 * A new key and empty tables. operator_hash (copied) is the yescrypt hash
 * of --operator-password-file, or NULL when only the key works. random is
 * NULL for the system's (getrandom), or a test's. NULL when no random
 * bytes could be had; the caller owns the result.
 */
struct teacherauth *teacherauth_new(const char *operator_hash,
				    teacherauth_random_fn random);
void teacherauth_free(struct teacherauth *ta);

/* The teacher's key, TEACHERAUTH_TOKEN_LEN characters; ta owns it. */
const char *teacherauth_key(const struct teacherauth *ta);
/* Appends "http://ADDR:PORT/teacher#key=KEY" for a listening address. */
void teacherauth_link(const struct teacherauth *ta, const struct sockaddr *addr,
		      struct strbuf *out);

/*
 * Who sends a request for a /teacher/ path: its Authorization header
 * when it has one (a wrong key counts as a wrong try, and none is looked
 * at from a locked address), else its session cookie (a stale or forged
 * one is a 401 and no try: a restart forgets every session). OK, NEED_LOGIN
 * or LOCKED; on OK, *grant says who.
 */
enum teacherauth_result teacherauth_check(struct teacherauth *ta,
					  const struct http_request *req,
					  const struct sockaddr *peer,
					  time_t now,
					  struct teacherauth_grant *grant);
/*
 * The same for a POST that acts (an operator's button): a cookie's POST
 * also needs the session's page token in TEACHERAUTH_TOKEN_HEADER and,
 * when it has an Origin, the page's own (FORBIDDEN otherwise). A Bearer's
 * needs neither: no browser sends one by itself.
 */
enum teacherauth_result teacherauth_check_post(struct teacherauth *ta,
					       const struct http_request *req,
					       const struct sockaddr *peer,
					       time_t now,
					       struct teacherauth_grant *grant);
/*
 * Whether a request comes from the page's own origin: no Origin header,
 * or one naming the same host and port as Host. For the login POST.
 */
bool teacherauth_same_origin(const struct http_request *req);

/*
 * A login with secret (len bytes, the key or the operator password, as
 * typed): OK with a new session in *grant when it is the key; VERIFY when
 * it may be the operator password; NEED_LOGIN when wrong; LOCKED when the
 * address is (or now becomes) locked out.
 */
enum teacherauth_result teacherauth_login(struct teacherauth *ta,
					  const struct sockaddr *peer,
					  const char *secret, size_t len,
					  time_t now,
					  struct teacherauth_grant *grant);
/*
 * Whether secret is the operator password: 1, 0, or -1 if crypt cannot
 * use the hash. Slow by design (yescrypt); touches nothing but the hash
 * ta was made with, so a worker thread may run it.
 */
int teacherauth_check_password(const struct teacherauth *ta, const char *secret,
			       size_t len);
/*
 * The end of a VERIFY: with matched, a new session in *grant (OK) and the
 * address's wrong tries forgotten; otherwise NEED_LOGIN, or LOCKED if the
 * try locked the address.
 */
enum teacherauth_result teacherauth_login_verdict(
	struct teacherauth *ta, const struct sockaddr *peer, bool matched,
	time_t now, struct teacherauth_grant *grant);
/* Ends the session a grant came from (a logout); a Bearer has none. */
void teacherauth_logout(struct teacherauth *ta,
			const struct teacherauth_grant *grant);

/* Seconds the address stays locked out (for Retry-After); 0 if it is not. */
unsigned teacherauth_locked_for(const struct teacherauth *ta,
				const struct sockaddr *peer, time_t now);
/*
 * The Set-Cookie value for a session a login made: the token,
 * HttpOnly, SameSite=Strict, Path=/teacher and its Max-Age.
 */
void teacherauth_set_cookie(const struct teacherauth_grant *grant,
			    char out[TEACHERAUTH_SET_COOKIE_MAX]);
/* The HTTP status of a result: 200, 401, 429 or 403 (VERIFY: 0). */
int teacherauth_status(enum teacherauth_result result);

#endif
