/*
 * passhash: yescrypt password hashes through libxcrypt: a new hash with
 * a fresh salt, and whether a password matches a stored hash, compared
 * in constant time. One work area (libxcrypt's struct crypt_data, 32 KiB)
 * is kept per struct passhash and reused by every call, so hashing the
 * passwords of many accounts allocates it once.
 *
 * A struct passhash is used by one thread at a time. Knows nothing of
 * accounts, databases or where a password came from; never logs.
 */
#ifndef HOTLINE_PASSHASH_H
#define HOTLINE_PASSHASH_H

#include <stddef.h>

#include <crypt.h>

/* Bytes a hash may need, its NUL included. */
#define PASSHASH_MAX CRYPT_OUTPUT_SIZE

/* The work area, allocated by the first call and kept until _fini. */
struct passhash {
	void *area;
	int size;
};

void passhash_init(struct passhash *ph);
void passhash_fini(struct passhash *ph);

/*
 * Writes a new yescrypt hash of password, with a fresh salt, into out
 * (PASSHASH_MAX bytes are always enough). Returns 0, or -1 (errno set)
 * if libxcrypt could not make one or it does not fit.
 */
int passhash_make(struct passhash *ph, const char *password, char *out,
		  size_t outsz);

/*
 * Whether password hashes to hash: 1 or 0; -1 (errno set) if libxcrypt
 * cannot use hash at all (malformed, or a method it does not know).
 * Slow by design.
 */
int passhash_verify(struct passhash *ph, const char *password,
		    const char *hash);

#endif
