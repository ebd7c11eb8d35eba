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

/* A record's head; its data follows it in the buffer. */
struct wirelog_rec {
	uint64_t seq;
	struct timespec when;
	bool chunk; /* a chunk of bytes; else a line of text */
	bool in;
	size_t len;    /* bytes of the chunk, or of the line */
	size_t whole;  /* chunk: the read it is part of */
	size_t masked; /* chunk: bytes masked */
	size_t names;  /* chunk: bytes of names after the classes */
	/* then chunk: bytes[len], classes[len], names ("A\0B\0"); line: text */
};

/*
 * Records back to back in one buffer, oldest at start: appending costs no
 * allocation once the buffer has grown to the bound (about twice
 * WIRELOG_MAX_BYTES), and the oldest go by moving start.
 */
struct wirelog {
	unsigned id;
	unsigned char *buf;
	size_t start, end, cap;
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
	free(l->buf);
	free(l);
}

/* Bytes of a record with this head, data included. */
static size_t rec_size(const struct wirelog_rec *r)
{
	return sizeof(*r) + (r->chunk ? 2 * r->len + r->names : r->len);
}

/* The head of the record at off (copied: the buffer has no alignment). */
static void rec_at(const struct wirelog *l, size_t off, struct wirelog_rec *r)
{
	memcpy(r, l->buf + off, sizeof(*r));
}

/*
 * Appends a record: its head, then the parts given (NULL parts skipped),
 * and drops the oldest past the bound (the new one stays).
 */
static void push(struct wirelog *l, struct wirelog_rec *r,
		 const void *const parts[3], const size_t lens[3])
{
	size_t size = rec_size(r);
	size_t off;
	struct wirelog_rec old;

	r->seq = ++l->seq;
	if (l->end + size > l->cap && l->start > 0) {
		memmove(l->buf, l->buf + l->start, l->end - l->start);
		l->end -= l->start;
		l->start = 0;
	}
	if (l->end + size > l->cap) {
		l->cap = l->end + size > 2 * WIRELOG_MAX_BYTES
				 ? l->end + size
				 : 2 * WIRELOG_MAX_BYTES;
		l->buf = xrealloc(l->buf, l->cap);
	}
	memcpy(l->buf + l->end, r, sizeof(*r));
	off = l->end + sizeof(*r);
	for (size_t i = 0; i < 3; i++) {
		if (parts[i] != NULL && lens[i] > 0)
			memcpy(l->buf + off, parts[i], lens[i]);
		off += lens[i];
	}
	l->end += size;
	while (l->end - l->start > WIRELOG_MAX_BYTES) {
		rec_at(l, l->start, &old);
		if (old.seq == r->seq)
			break;
		l->start += rec_size(&old);
	}
}

/* Names a chunk's commands complete, gathered as "NAME\0" each. */
static void add_name(void *ctx, const char *name)
{
	strbuf_append(ctx, name, strlen(name) + 1);
}

/* Classes of a chunk this long go on the stack; longer, the heap. */
#define WIRELOG_STACK_CHUNK 2048

void wirelog_chunk(struct wirelog *l, const struct timespec *when, bool in,
		   struct wiretrace_dir *d, const void *buf, size_t len,
		   bool secret, size_t whole)
{
	unsigned char stack[WIRELOG_STACK_CHUNK];
	unsigned char *cls = len <= sizeof(stack) ? stack : xmalloc(len);
	unsigned char *bytes;
	struct strbuf names;
	struct wirelog_rec r = { .when = *when, .chunk = true, .in = in };

	strbuf_init(&names);
	wiretrace_classify(d, buf, len, secret, cls, add_name, &names);
	r.len = len;
	r.whole = whole;
	r.names = names.len;
	{
		const void *parts[3] = { buf, cls, names.data };
		const size_t lens[3] = { len, len, names.len };

		push(l, &r, parts, lens);
	}
	/* A password's bytes are not kept, not even in memory. */
	bytes = l->buf + l->end - rec_size(&r) + sizeof(r);
	for (size_t i = 0; i < len; i++) {
		if (cls[i] == WIRETRACE_CLASS_MASKED) {
			bytes[i] = '*';
			r.masked++;
		}
	}
	memcpy(l->buf + l->end - rec_size(&r), &r, sizeof(r));
	if (cls != stack)
		free(cls);
	strbuf_fini(&names);
}

void wirelog_line(struct wirelog *l, const struct timespec *when,
		  const char *text, size_t len)
{
	struct wirelog_rec r = { .when = *when, .len = len };
	const void *parts[3] = { text, NULL, NULL };
	const size_t lens[3] = { len, 0, 0 };

	push(l, &r, parts, lens);
}

uint64_t wirelog_mark(const struct wirelog *l)
{
	return l->seq;
}

/* Draws one record as --trace does, into f. */
static void draw(const struct wirelog *l, const struct wirelog_rec *r,
		 const unsigned char *data, FILE *f)
{
	const struct wiretrace_look look = { .colour = false,
					     .width = WIRELOG_WIDTH };
	const char *name;

	wiretrace_stamp_at(f, &r->when, false);
	fprintf(f, "session %u: ", l->id);
	if (!r->chunk) {
		fprintf(f, "%.*s\n", (int)r->len, (const char *)data);
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
	wiretrace_rows(f, data, data + r->len, r->len, &look);
	name = (const char *)data + 2 * r->len;
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
	for (size_t off = l->start; off < l->end;) {
		struct wirelog_rec r;

		rec_at(l, off, &r);
		if (r.seq > mark)
			draw(l, &r, l->buf + off + sizeof(r), f);
		off += rec_size(&r);
	}
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
