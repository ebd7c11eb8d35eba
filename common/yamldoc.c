/*
 * yamldoc: reads one YAML document from a file. A first pass over
 * libyaml's events catches syntax errors, aliases, deep nesting and a
 * second document; a second pass loads the document, whose nodes carry
 * the line and column every error is reported at. Problems are kept in
 * file order, up to the caller's limit. Knows nothing of what the file
 * means: the callers' schemas do.
 */
#include "yamldoc.h"
#include "mem.h"
#include "utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read chunk for YAML files. */
#define YAMLDOC_READ_CHUNK (64 * 1024)

/* --- errors ---------------------------------------------------------- */

/* vasprintf through the allocation wrappers. */
static char *format_message(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));
static char *format_message(const char *fmt, va_list ap)
{
	va_list ap2;
	char *msg;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	msg = xmalloc(n > 0 ? (size_t)n + 1 : 1);
	if (n > 0)
		vsnprintf(msg, (size_t)n + 1, fmt, ap2);
	else
		msg[0] = '\0';
	va_end(ap2);
	return msg;
}

/* Whether error e comes after line, col in the file. */
static bool is_after(const struct yamldoc_error *e, unsigned line, unsigned col)
{
	return e->line > line || (e->line == line && e->col > col);
}

/*
 * Adds an error at its place in file order, after those at the same
 * place (an insertion sort over at most max_errors); takes ownership of
 * message.
 */
static void errors_insert(struct yamldoc *d, unsigned line, unsigned col,
			  char *message)
{
	size_t i = d->nerrors;

	d->errors = xrealloc(d->errors,
			     (d->nerrors + 1) * sizeof(d->errors[0]));
	while (i > 0 && is_after(&d->errors[i - 1], line, col)) {
		d->errors[i] = d->errors[i - 1];
		i--;
	}
	d->errors[i] = (struct yamldoc_error){ line, col, message };
	d->nerrors++;
}

/*
 * Records an error, up to max_errors; the first one past the limit adds
 * a note about the whole file, last, and everything after it is dropped.
 */
static void verror(struct yamldoc *d, unsigned line, unsigned col,
		   const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static void verror(struct yamldoc *d, unsigned line, unsigned col,
		   const char *fmt, va_list ap)
{
	if (d->gave_up)
		return;
	if (d->nerrors == d->max_errors) {
		d->gave_up = true;
		d->errors = xrealloc(d->errors,
				     (d->nerrors + 1) * sizeof(d->errors[0]));
		d->errors[d->nerrors++] = (struct yamldoc_error){
			0, 0,
			xasprintf("more than %zu errors; stopped checking "
				  "this file",
				  d->max_errors)
		};
		return;
	}
	errors_insert(d, line, col, format_message(fmt, ap));
}

/* Records a problem at a line and column (0, 0: the whole file). */
void yamldoc_error_at(struct yamldoc *d, unsigned line, unsigned col,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(d, line, col, fmt, ap);
	va_end(ap);
}

/* Records a problem at a libyaml mark (0-based). */
void yamldoc_error_mark(struct yamldoc *d, const yaml_mark_t *mark,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(d, (unsigned)mark->line + 1, (unsigned)mark->column + 1, fmt,
	       ap);
	va_end(ap);
}

/* Records a problem at a node, or the whole file; returns -1. */
int yamldoc_verror(struct yamldoc *d, const yaml_node_t *node, const char *fmt,
		   va_list ap)
{
	if (node != NULL)
		verror(d, (unsigned)node->start_mark.line + 1,
		       (unsigned)node->start_mark.column + 1, fmt, ap);
	else
		verror(d, 0, 0, fmt, ap);
	return -1;
}

/* Records a problem at a node, or the whole file; returns -1. */
int yamldoc_error(struct yamldoc *d, const yaml_node_t *node, const char *fmt,
		  ...)
{
	va_list ap;

	va_start(ap, fmt);
	yamldoc_verror(d, node, fmt, ap);
	va_end(ap);
	return -1;
}

/* Whether any problem was reported. */
bool yamldoc_has_errors(const struct yamldoc *d)
{
	return d->nerrors > 0;
}

/* --- nodes ----------------------------------------------------------- */

/* Writes s as a double-quoted, escaped, possibly cut string into out. */
const char *yamldoc_quote(const char *s, size_t len, char *out)
{
	size_t o = 0, i = 0;
	uint32_t cp;

	out[o++] = '"';
	while (i < len) {
		size_t n = utf8_decode(s + i, len - i, &cp);

		if (i + (n ? n : 1) > YAMLDOC_MAX_QUOTE) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (n == 0 || cp < 0x20 || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0)) {
			unsigned char c = (unsigned char)s[i];

			if (c == '\n') {
				memcpy(out + o, "\\n", 2);
				o += 2;
			} else {
				snprintf(out + o, 5, "\\x%02X", c);
				o += 4;
			}
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\')
			out[o++] = '\\';
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

/* A scalar node's text, quoted for a message. */
const char *yamldoc_quote_node(const yaml_node_t *node, char *out)
{
	return yamldoc_quote((const char *)node->data.scalar.value,
			     node->data.scalar.length, out);
}

/* The node at a document index. */
yaml_node_t *yamldoc_node(struct yamldoc *d, int index)
{
	return yaml_document_get_node(&d->doc, index);
}

/* The document's root node. */
yaml_node_t *yamldoc_root(struct yamldoc *d)
{
	return yaml_document_get_root_node(&d->doc);
}

/* Whether a node is a plain empty, "~" or "null" scalar: YAML's null. */
bool yamldoc_is_null(const yaml_node_t *node)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	const char *v = (const char *)node->data.scalar.value;

	if (node->type != YAML_SCALAR_NODE ||
	    node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < ARRAY_LEN(nulls); i++)
		if (strcmp(v, nulls[i]) == 0)
			return true;
	return false;
}

/* Whether a node is a scalar other than null. */
bool yamldoc_is_string(const yaml_node_t *node)
{
	return node->type == YAML_SCALAR_NODE && !yamldoc_is_null(node);
}

/* What a node is, for "(got ...)" in messages. */
const char *yamldoc_kind(const yaml_node_t *node, char *buf)
{
	switch (node->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_SCALAR_NODE:
		return yamldoc_is_null(node) ? "nothing"
					     : yamldoc_quote_node(node, buf);
	case YAML_NO_NODE:
		break;
	}
	return "nothing";
}

/* Whether a scalar node's text is exactly s. */
bool yamldoc_equals(const yaml_node_t *node, const char *s)
{
	size_t len = strlen(s);

	return node->type == YAML_SCALAR_NODE &&
	       node->data.scalar.length == len &&
	       memcmp(node->data.scalar.value, s, len) == 0;
}

/* The text of a scalar node; NUL-terminated by libyaml. */
const char *yamldoc_text(const yaml_node_t *node)
{
	return (const char *)node->data.scalar.value;
}

/* Number of pairs in a mapping node. */
size_t yamldoc_pairs(const yaml_node_t *node)
{
	return (size_t)(node->data.mapping.pairs.top -
			node->data.mapping.pairs.start);
}

/* Appends "a, b, c or d" for a list of names. */
void yamldoc_join_names(struct strbuf *sb, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strbuf_append_str(sb, i + 1 == n ? " or " : ", ");
		strbuf_append_str(sb, names[i]);
	}
}

/* Reports a field the map does not name, in the reader's words. */
static void unknown_field(struct yamldoc *d, const struct yamldoc_map *map,
			  const yaml_node_t *key)
{
	char buf[YAMLDOC_QUOTE_BUF];
	struct strbuf sb;

	strbuf_init(&sb);
	yamldoc_join_names(&sb, map->names, map->count);
	yamldoc_error(d, key, "unknown field %s (expected %s)",
		      yamldoc_quote_node(key, buf), sb.data);
	strbuf_fini(&sb);
}

/* Sorts a mapping's pairs into fields by name; -1 if not a mapping. */
int yamldoc_fields(struct yamldoc *d, const yaml_node_t *node,
		   const struct yamldoc_map *map, struct yamldoc_field *fields)
{
	char buf[YAMLDOC_QUOTE_BUF];

	memset(fields, 0, map->count * sizeof(fields[0]));
	if (node->type != YAML_MAPPING_NODE)
		return yamldoc_error(d, node, "%s must be a mapping (got %s)",
				     map->what, yamldoc_kind(node, buf));
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     p < node->data.mapping.pairs.top; p++) {
		yaml_node_t *key = yamldoc_node(d, p->key);
		size_t i;

		if (key->type != YAML_SCALAR_NODE) {
			yamldoc_error(d, key,
				      "field names must be strings (got %s)",
				      yamldoc_kind(key, buf));
			continue;
		}
		for (i = 0; i < map->count; i++)
			if (yamldoc_equals(key, map->names[i]))
				break;
		if (i == map->count) {
			(map->unknown ? map->unknown : unknown_field)(d, map,
								      key);
		} else if (fields[i].key != NULL) {
			yamldoc_error(d, key,
				      "duplicate field \"%s\" (first at "
				      "%zu:%zu)",
				      map->names[i],
				      fields[i].key->start_mark.line + 1,
				      fields[i].key->start_mark.column + 1);
		} else {
			fields[i].key = key;
			fields[i].value = yamldoc_node(d, p->value);
		}
	}
	return 0;
}

/* --- reading and parsing --------------------------------------------- */

/* Reads the whole of fd into sb; -1 after reporting. */
static int read_fd(struct yamldoc *d, int fd, size_t max_bytes,
		   struct strbuf *sb)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return yamldoc_error(d, NULL, "cannot read: %s",
				     strerror(errno));
	if (!S_ISREG(st.st_mode))
		return yamldoc_error(d, NULL, "not a regular file");
	for (;;) {
		char chunk[YAMLDOC_READ_CHUNK];
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return yamldoc_error(d, NULL, "cannot read: %s",
					     strerror(errno));
		if (n == 0)
			break;
		if (sb->len + (size_t)n > max_bytes)
			return yamldoc_error(d, NULL,
					     "file is larger than %zu bytes",
					     max_bytes);
		strbuf_append(sb, chunk, (size_t)n);
	}
	if (sb->len == 0)
		return yamldoc_error(d, NULL, "file is empty");
	return 0;
}

/* Line and column (1-based, in characters) of a byte offset into buf. */
static void offset_to_mark(const char *buf, size_t len, size_t offset,
			   unsigned *line, unsigned *col)
{
	size_t i = 0;
	uint32_t cp;

	*line = 1;
	*col = 1;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		i = 3; /* a BOM is not a column */
	while (i < offset && i < len) {
		size_t n;

		if (buf[i] == '\n' || buf[i] == '\r') {
			if (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
				i++;
			i++;
			(*line)++;
			*col = 1;
			continue;
		}
		n = utf8_decode(buf + i, len - i, &cp);
		i += n ? n : 1;
		(*col)++;
	}
}

/*
 * Checks the whole file is UTF-8 before libyaml sees it: libyaml would
 * point at the byte after a broken sequence, this points at its start.
 */
static int check_utf8(struct yamldoc *d, const struct strbuf *sb)
{
	size_t i = 0;
	uint32_t cp;

	while (i < sb->len) {
		size_t n = utf8_decode(sb->data + i, sb->len - i, &cp);
		unsigned line, col;

		if (n > 0) {
			i += n;
			continue;
		}
		offset_to_mark(sb->data, sb->len, i, &line, &col);
		yamldoc_error_at(d, line, col, "not valid UTF-8 (byte 0x%02X)",
				 (unsigned char)sb->data[i]);
		return -1;
	}
	return 0;
}

/* Reports libyaml's error, with its position and context. */
static void report_parser_error(struct yamldoc *d, const yaml_parser_t *p,
				const struct strbuf *sb)
{
	const char *problem = p->problem ? p->problem : "unknown problem";
	unsigned line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		yamldoc_error(d, NULL, "out of memory while parsing");
		break;
	case YAML_READER_ERROR:
		/* Bad UTF-8 is caught before; this is e.g. a control character. */
		offset_to_mark(sb->data, sb->len, p->problem_offset, &line,
			       &col);
		if (p->problem_value != -1)
			yamldoc_error_at(d, line, col, "%s (0x%02X)", problem,
					 (unsigned)p->problem_value);
		else
			yamldoc_error_at(d, line, col, "%s", problem);
		break;
	default:
		if (p->context != NULL)
			yamldoc_error_mark(d, &p->problem_mark,
					   "syntax error: %s (%s at %zu:%zu)",
					   problem, p->context,
					   p->context_mark.line + 1,
					   p->context_mark.column + 1);
		else
			yamldoc_error_mark(d, &p->problem_mark,
					   "syntax error: %s", problem);
		break;
	}
}

/*
 * First pass over the events: syntax errors, aliases (a few bytes of
 * aliases can expand to gigabytes), nesting deeper than the formats need,
 * more or fewer than one document. Returns -1 after reporting.
 */
static int check_events(struct yamldoc *d, const struct strbuf *sb)
{
	yaml_parser_t parser;
	yaml_event_t event;
	unsigned depth = 0, docs = 0;
	int ret = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser))
		return yamldoc_error(d, NULL, "out of memory while parsing");
	yaml_parser_set_input_string(&parser, (const unsigned char *)sb->data,
				     sb->len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &event)) {
			report_parser_error(d, &parser, sb);
			ret = -1;
			break;
		}
		switch (event.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				yamldoc_error_mark(d, &event.start_mark,
						   "only one YAML document is "
						   "allowed");
				ret = -1;
				done = true;
			}
			break;
		case YAML_ALIAS_EVENT:
			yamldoc_error_mark(d, &event.start_mark,
					   "YAML aliases are not allowed "
					   "(*%.*s)",
					   YAMLDOC_MAX_ANCHOR,
					   (const char *)
						   event.data.alias.anchor);
			ret = -1;
			done = true; /* one is enough to say why */
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > YAMLDOC_MAX_DEPTH) {
				yamldoc_error_mark(d, &event.start_mark,
						   "nested deeper than %d "
						   "levels",
						   YAMLDOC_MAX_DEPTH);
				ret = -1;
				done = true;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&event);
	}
	if (ret == 0 && docs == 0)
		ret = yamldoc_error(d, NULL, "file is empty");
	yaml_parser_delete(&parser);
	return ret;
}

/* Whether the file starts with a UTF-16 byte order mark. */
static bool is_utf16(const struct strbuf *sb)
{
	const unsigned char *b = (const unsigned char *)sb->data;

	return sb->len >= 2 && (b[0] == 0xfe || b[0] == 0xff) &&
	       (b[1] == 0xfe || b[1] == 0xff);
}

/* Reads fd and loads its one document into d->doc. */
int yamldoc_load_fd(struct yamldoc *d, int fd, size_t max_bytes)
{
	yaml_parser_t parser;
	struct strbuf sb;
	int ret = -1;

	strbuf_init(&sb);
	if (read_fd(d, fd, max_bytes, &sb) < 0)
		goto out;
	if (is_utf16(&sb)) {
		yamldoc_error_at(d, 1, 1, "file is UTF-16; save it as UTF-8");
		goto out;
	}
	if (check_utf8(d, &sb) < 0 || check_events(d, &sb) < 0)
		goto out;
	if (!yaml_parser_initialize(&parser)) {
		yamldoc_error(d, NULL, "out of memory while parsing");
		goto out;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)sb.data,
				     sb.len);
	d->loaded = yaml_parser_load(&parser, &d->doc) != 0;
	if (!d->loaded)
		report_parser_error(d, &parser, &sb);
	yaml_parser_delete(&parser);
	if (!d->loaded)
		goto out;
	if (yamldoc_root(d) == NULL) {
		yamldoc_error(d, NULL, "file is empty");
		goto out;
	}
	ret = 0;
out:
	strbuf_fini(&sb);
	return ret;
}

/* --- lifetime -------------------------------------------------------- */

/* Starts reading file, keeping up to max_errors. */
void yamldoc_init(struct yamldoc *d, const char *file, size_t max_errors)
{
	memset(d, 0, sizeof(*d));
	d->file = file;
	d->max_errors = max_errors;
}

/* Frees the document and the errors. */
void yamldoc_fini(struct yamldoc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	for (size_t i = 0; i < d->nerrors; i++)
		free(d->errors[i].message);
	free(d->errors);
	yamldoc_init(d, d->file, d->max_errors);
}
