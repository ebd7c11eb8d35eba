/*
 * passhash: yescrypt hashes with one reused work area; see passhash.h.
 * Knows nothing of accounts or databases.
 */
#include "passhash.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The method of every new hash: yescrypt, at libxcrypt's default cost. */
#define PASSHASH_PREFIX "$y$"

/* An empty work area: the first call allocates it. */
void passhash_init(struct passhash *ph)
{
	ph->area = NULL;
	ph->size = 0;
}

/* Wipes and frees the work area. */
void passhash_fini(struct passhash *ph)
{
	if (ph->area != NULL) {
		explicit_bzero(ph->area, (size_t)ph->size);
		free(ph->area);
	}
	passhash_init(ph);
}

/*
 * Wipes what a call left in the work area: libxcrypt erases its own
 * scratch space before returning, so only the output (a hash) is left.
 * The whole area is wiped once, by passhash_fini.
 */
static void wipe_output(struct passhash *ph)
{
	if (ph->area != NULL)
		explicit_bzero(((struct crypt_data *)ph->area)->output,
			       sizeof(((struct crypt_data *)ph->area)->output));
}

/* Compares two strings in time that depends only on their lengths. */
static bool equals(const char *a, const char *b)
{
	size_t len = strlen(a);
	unsigned char diff = 0;

	if (strlen(b) != len)
		return false; /* the length of a hash is no secret */
	for (size_t i = 0; i < len; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/* A new hash with a fresh salt from the system's random source. */
int passhash_make(struct passhash *ph, const char *password, char *out,
		  size_t outsz)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *hash;
	int ret = -1;

	if (crypt_gensalt_rn(PASSHASH_PREFIX, 0, NULL, 0, salt,
			     (int)sizeof(salt)) == NULL)
		return -1;
	hash = crypt_ra(password, salt, &ph->area, &ph->size);
	if (hash == NULL || hash[0] == '*')
		goto out;
	if (strlen(hash) >= outsz) {
		errno = ERANGE;
		goto out;
	}
	memcpy(out, hash, strlen(hash) + 1);
	ret = 0;
out:
	wipe_output(ph);
	return ret;
}

/* Whether password matches hash, computed with hash as the setting. */
int passhash_verify(struct passhash *ph, const char *password, const char *hash)
{
	const char *computed;
	int ret;

	computed = crypt_ra(password, hash, &ph->area, &ph->size);
	if (computed == NULL)
		ret = -1;
	else
		ret = computed[0] != '*' && equals(computed, hash);
	wipe_output(ph);
	return ret;
}
