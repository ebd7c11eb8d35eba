/*
 * roster: the teacher's memory of each call (see roster.h): chained
 * buckets, a power of two, doubled at two entries a bucket.
 */
#include "teacher/roster.h"

#include <stdlib.h>

#include "log/wirelog.h"
#include "mem.h"

/* Buckets at the start: a big class without a rehash. */
#define ROSTER_BUCKETS 1024

struct roster {
	struct roster_entry **buckets;
	size_t nbuckets, count;
	struct roster_entry *closed_head, *closed_tail;
	size_t nclosed;
};

struct roster *roster_new(void)
{
	struct roster *r = xcalloc(1, sizeof(*r));

	r->nbuckets = ROSTER_BUCKETS;
	r->buckets = xcalloc(r->nbuckets, sizeof(*r->buckets));
	return r;
}

void roster_free(struct roster *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nbuckets; i++) {
		while (r->buckets[i] != NULL) {
			struct roster_entry *e = r->buckets[i];

			r->buckets[i] = e->next;
			wirelog_free(e->wire);
			free(e);
		}
	}
	free(r->buckets);
	free(r);
}

/* The bucket id hashes to. */
static struct roster_entry **bucket(const struct roster *r, unsigned id)
{
	return &r->buckets[id & (r->nbuckets - 1)];
}

struct roster_entry *roster_find(const struct roster *r, unsigned id)
{
	for (struct roster_entry *e = *bucket(r, id); e != NULL; e = e->next)
		if (e->id == id)
			return e;
	return NULL;
}

/* Doubles the buckets once they hold two entries each on average. */
static void grow(struct roster *r)
{
	size_t old = r->nbuckets;
	struct roster_entry **was = r->buckets;

	r->nbuckets = old * 2;
	r->buckets = xcalloc(r->nbuckets, sizeof(*r->buckets));
	for (size_t i = 0; i < old; i++) {
		while (was[i] != NULL) {
			struct roster_entry *e = was[i];

			was[i] = e->next;
			e->next = *bucket(r, e->id);
			*bucket(r, e->id) = e;
		}
	}
	free(was);
}

struct roster_entry *roster_get(struct roster *r, unsigned id)
{
	struct roster_entry *e = roster_find(r, id);

	if (e != NULL)
		return e;
	if (r->count >= 2 * r->nbuckets)
		grow(r);
	e = xcalloc(1, sizeof(*e));
	e->id = id;
	e->next = *bucket(r, id);
	*bucket(r, id) = e;
	r->count++;
	return e;
}

/* Forgets an entry (already out of the closed list). */
static void drop(struct roster *r, struct roster_entry *gone)
{
	for (struct roster_entry **p = bucket(r, gone->id); *p != NULL;
	     p = &(*p)->next) {
		if (*p == gone) {
			*p = gone->next;
			break;
		}
	}
	wirelog_free(gone->wire);
	free(gone);
	r->count--;
}

long long roster_ms_since(const struct timespec *then)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - then->tv_sec) * 1000 +
	       (now.tv_nsec - then->tv_nsec) / 1000000;
}

void roster_prune(struct roster *r)
{
	while (r->closed_head != NULL &&
	       (r->nclosed > TEACHER_CLOSED_MAX ||
		roster_ms_since(&r->closed_head->closed_at) >
			TEACHER_CLOSED_SECONDS * 1000LL)) {
		struct roster_entry *e = r->closed_head;

		r->closed_head = e->closed_next;
		if (r->closed_head == NULL)
			r->closed_tail = NULL;
		r->nclosed--;
		drop(r, e);
	}
}

void roster_close(struct roster *r, struct roster_entry *e)
{
	e->closed = true;
	clock_gettime(CLOCK_MONOTONIC, &e->closed_at);
	wirelog_free(e->wire);
	e->wire = NULL;
	if (r->closed_tail != NULL)
		r->closed_tail->closed_next = e;
	else
		r->closed_head = e;
	r->closed_tail = e;
	r->nclosed++;
	roster_prune(r);
}

const struct roster_entry *roster_closed(const struct roster *r)
{
	return r->closed_head;
}

void roster_each(struct roster *r,
		 void (*fn)(struct roster_entry *e, void *arg), void *arg)
{
	for (size_t i = 0; i < r->nbuckets; i++)
		for (struct roster_entry *e = r->buckets[i]; e != NULL;
		     e = e->next)
			fn(e, arg);
}
