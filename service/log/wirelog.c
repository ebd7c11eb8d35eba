/*
 * wirelog: a session's recent wire (see wirelog.h). Records are a queue
 * of allocations, oldest first, dropped from the front past the bound.
 */
#include "log/wirelog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* Columns the view is drawn to, as --trace writes to a file. */
#define WIRELOG_WIDTH WIRETRACE_WIDTH

/* Aborts with a message, as allocation does when memory runs out. */
static void wirelog_out_of_memory(void)
{
	fputs("hotlined: out of memory (wire log)\n", stderr);
	abort();
}

struct wirelog_rec {
	struct wirelog_rec *next;
	uint64_t seq;
	struct timespec when;
	bool chunk; /* a chunk of bytes; else a line of text */
	bool in;
	size_t len;    /* bytes of the chunk, or of the line */
	size_t whole;  /* chunk: the read it is part of */
	size_t masked; /* chunk: bytes masked */
	size_t names;  /* chunk: bytes of names after the classes */
	/* chunk: bytes[len], classes[len], names ("A\0B\0"); line: text. */
	unsigned char data[];
};

struct wirelog {
	unsigned id;
	struct wirelog_rec *head, *tail;
	size_t bytes;
	uint64_t seq;
};

struct wirelog *wirelog_new(unsigned id)
{
	struct wirelog *l = xcalloc(1, sizeof(*l));

	l->id = id;
	return l;
}

void wirelog_free(struct wirelog *l)
{
	if (l == NULL)
		return;
	while (l->head != NULL) {
		struct wirelog_rec *r = l->head;

		l->head = r->next;
		free(r);
	}
	free(l);
}

/* The record's size, counted against the bound. */
static size_t rec_size(const struct wirelog_rec *r)
{
	return sizeof(*r) + (r->chunk ? 2 * r->len + r->names : r->len);
}

/* Appends a record and drops the oldest past the bound (the new one stays). */
static void push(struct wirelog *l, struct wirelog_rec *r)
{
	r->seq = ++l->seq;
	if (l->tail != NULL)
		l->tail->next = r;
	else
		l->head = r;
	l->tail = r;
	l->bytes += rec_size(r);
	while (l->bytes > WIRELOG_MAX_BYTES && l->head != r) {
		struct wirelog_rec *old = l->head;

		l->head = old->next;
		l->bytes -= rec_size(old);
		free(old);
	}
}

/* Names a chunk's commands complete, gathered as "NAME\0" each. */
struct names {
	struct strbuf buf;
};

static void add_name(void *ctx, const char *name)
{
	struct names *n = ctx;

	strbuf_append(&n->buf, name, strlen(name) + 1);
}

void wirelog_chunk(struct wirelog *l, const struct timespec *when, bool in,
		   const struct wiretrace_dir *d, const void *buf, size_t len,
		   bool secret, size_t whole)
{
	struct wiretrace_dir peek = *d;
	unsigned char *cls = xmalloc(len > 0 ? len : 1);
	struct names names;
	struct wirelog_rec *r;

	strbuf_init(&names.buf);
	wiretrace_classify(&peek, buf, len, secret, cls, add_name, &names);
	r = xmalloc(sizeof(*r) + 2 * len + names.buf.len);
	memset(r, 0, sizeof(*r));
	r->when = *when;
	r->chunk = true;
	r->in = in;
	r->len = len;
	r->whole = whole;
	r->names = names.buf.len;
	memcpy(r->data, buf, len);
	memcpy(r->data + len, cls, len);
	if (names.buf.len > 0)
		memcpy(r->data + 2 * len, names.buf.data, names.buf.len);
	/* A password's bytes are not kept, not even in memory. */
	for (size_t i = 0; i < len; i++) {
		if (cls[i] == WIRETRACE_CLASS_MASKED) {
			r->data[i] = '*';
			r->masked++;
		}
	}
	free(cls);
	strbuf_fini(&names.buf);
	push(l, r);
}

void wirelog_line(struct wirelog *l, const struct timespec *when,
		  const char *text, size_t len)
{
	struct wirelog_rec *r = xmalloc(sizeof(*r) + len);

	memset(r, 0, sizeof(*r));
	r->when = *when;
	r->len = len;
	memcpy(r->data, text, len);
	push(l, r);
}

uint64_t wirelog_mark(const struct wirelog *l)
{
	return l->seq;
}

/* Draws one record as --trace does, into f. */
static void draw(const struct wirelog *l, const struct wirelog_rec *r, FILE *f)
{
	const struct wiretrace_look look = { .colour = false,
					     .width = WIRELOG_WIDTH };
	const char *name;

	wiretrace_stamp_at(f, &r->when, false);
	fprintf(f, "session %u: ", l->id);
	if (!r->chunk) {
		fprintf(f, "%.*s\n", (int)r->len, (const char *)r->data);
		return;
	}
	fprintf(f, "%s %zu byte%s", r->in ? "in" : "out", r->len,
		r->len == 1 ? "" : "s");
	if (r->whole > r->len)
		fprintf(f, " (part of one %zu-byte read)", r->whole);
	if (r->masked > 0)
		fprintf(f, " (%zu byte%s of a password masked)", r->masked,
			r->masked == 1 ? "" : "s");
	fputc('\n', f);
	wiretrace_rows(f, r->data, r->data + r->len, r->len, &look);
	name = (const char *)r->data + 2 * r->len;
	for (size_t off = 0; off < r->names; off += strlen(name + off) + 1)
		wiretrace_name_line(f, name + off, false);
}

size_t wirelog_render(const struct wirelog *l, uint64_t mark, size_t max,
		      struct strbuf *out)
{
	char *text = NULL;
	size_t len = 0, lines = 0, start = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		wirelog_out_of_memory();
	for (const struct wirelog_rec *r = l->head; r != NULL; r = r->next)
		if (r->seq > mark)
			draw(l, r, f);
	if (fclose(f) != 0)
		wirelog_out_of_memory();
	/* Keep the newest max lines: count back from the end. */
	for (size_t i = len; i > 0; i--) {
		if (text[i - 1] != '\n')
			continue;
		if (lines == max) {
			start = i;
			break;
		}
		lines++;
	}
	strbuf_append(out, text + start, len - start);
	free(text);
	return lines;
}
