/*
 * peers: live connections per remote address, in a chained hash table.
 * Entries go away when their count drops to zero, so the table only ever
 * holds the addresses connected now.
 */
#include "peers.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct peer {
	unsigned char addr[16]; /* IPv4 as v4-mapped IPv6 */
	unsigned count;
	struct peer *next;
};

struct peers {
	struct peer *buckets[PEERS_BUCKETS];
};

/* The address as 16 bytes: IPv6 as is, IPv4 mapped into ::ffff:0:0/96. */
static void peer_key(const struct sockaddr *sa, unsigned char key[16])
{
	memset(key, 0, 16);
	if (sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	} else if (sa->sa_family == AF_INET) {
		key[10] = 0xff;
		key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr,
		       4);
	}
}

/* FNV-1a over the key. */
static size_t peer_hash(const unsigned char key[16])
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % PEERS_BUCKETS;
}

/* Returns an empty table. */
struct peers *peers_new(void)
{
	return xcalloc(1, sizeof(struct peers));
}

/* Frees the table and every entry; NULL is fine. */
void peers_free(struct peers *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < PEERS_BUCKETS; i++) {
		struct peer *e = p->buckets[i];

		while (e != NULL) {
			struct peer *next = e->next;

			free(e);
			e = next;
		}
	}
	free(p);
}

/* The entry for key in its bucket, or NULL. */
static struct peer *peer_find(const struct peers *p,
			      const unsigned char key[16], size_t bucket)
{
	for (struct peer *e = p->buckets[bucket]; e != NULL; e = e->next)
		if (memcmp(e->addr, key, 16) == 0)
			return e;
	return NULL;
}

/* Counts a connection unless the address is at max already. */
bool peers_add(struct peers *p, const struct sockaddr *addr, unsigned max)
{
	unsigned char key[16];
	size_t b;
	struct peer *e;

	peer_key(addr, key);
	b = peer_hash(key);
	e = peer_find(p, key, b);
	if (e == NULL) {
		e = xcalloc(1, sizeof(*e));
		memcpy(e->addr, key, 16);
		e->next = p->buckets[b];
		p->buckets[b] = e;
	}
	if (max != 0 && e->count >= max)
		return false;
	e->count++;
	return true;
}

/* Counts a connection less, dropping the entry at zero. */
void peers_remove(struct peers *p, const struct sockaddr *addr)
{
	unsigned char key[16];
	size_t b;

	peer_key(addr, key);
	b = peer_hash(key);
	for (struct peer **link = &p->buckets[b]; *link != NULL;
	     link = &(*link)->next) {
		struct peer *e = *link;

		if (memcmp(e->addr, key, 16) != 0)
			continue;
		if (e->count > 0)
			e->count--;
		if (e->count == 0) {
			*link = e->next;
			free(e);
		}
		return;
	}
}

/* Live connections from addr. */
unsigned peers_count(const struct peers *p, const struct sockaddr *addr)
{
	unsigned char key[16];
	const struct peer *e;

	peer_key(addr, key);
	e = peer_find(p, key, peer_hash(key));
	return e != NULL ? e->count : 0;
}
