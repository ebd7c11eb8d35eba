/*
 * peers: how many live connections each remote address has, for the
 * per-address limit. A small hash table keyed by the address alone (no
 * port). Knows nothing of sockets beyond struct sockaddr, nor of conns.
 */
#ifndef HOTLINE_PEERS_H
#define HOTLINE_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Buckets of the table: a class is at most a few hundred addresses. */
#define PEERS_BUCKETS 1024

struct peers;

/* Returns an empty table; the caller owns it. */
struct peers *peers_new(void);
void peers_free(struct peers *p);
/*
 * Counts one more connection from addr unless it already has max (0: no
 * limit). Returns whether it was counted.
 */
bool peers_add(struct peers *p, const struct sockaddr *addr, unsigned max);
/* Counts one connection from addr less. */
void peers_remove(struct peers *p, const struct sockaddr *addr);
/* Live connections from addr. */
unsigned peers_count(const struct peers *p, const struct sockaddr *addr);

#endif
