/*
 * yamldoc: one YAML document read from a file, through libyaml's document
 * API, with the rules every file hotlined reads follows: valid UTF-8, no
 * NUL, no aliases, nesting at most YAMLDOC_MAX_DEPTH, exactly one
 * document. Every problem is collected as "line:col: message" (1-based)
 * in file order, up to a limit the caller sets; the node helpers name
 * what a node is and walk mappings for the caller's schema.
 *
 * The menu loader and the store's demo-data seeder both use it, so it
 * lives in common/, a target of its own (hotline_yamldoc): the client
 * reads no YAML and does not link libyaml. It knows nothing of menus,
 * accounts or what the files mean.
 */
#ifndef HOTLINE_YAMLDOC_H
#define HOTLINE_YAMLDOC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "strbuf.h"

/* Nesting of mappings and sequences; menu files need 5, demo data 4. */
#define YAMLDOC_MAX_DEPTH 16
/* Bytes of a scalar quoted in an error message before it is cut. */
#define YAMLDOC_MAX_QUOTE 40
/* Room for a quoted scalar: every byte may become \xNN, plus quotes and "...". */
#define YAMLDOC_QUOTE_BUF (YAMLDOC_MAX_QUOTE * 4 + 8)
/* Bytes of an anchor's name shown in the alias error. */
#define YAMLDOC_MAX_ANCHOR 64

/* One problem found in the file. */
struct yamldoc_error {
	unsigned line, col; /* 1-based; 0 when it is about the whole file */
	char *message;
};

/* One file being read: its document and what was wrong with it. */
struct yamldoc {
	const char *file; /* for the caller's messages; not owned */
	yaml_document_t doc;
	bool loaded; /* doc holds a document to delete */
	size_t max_errors;
	struct yamldoc_error *errors; /* in file order, owned */
	size_t nerrors;
	bool gave_up; /* max_errors reached; the last error says so */
};

/* A field found by yamldoc_fields: its key (for "first at") and value. */
struct yamldoc_field {
	yaml_node_t *key;
	yaml_node_t *value;
};

/* The fields a mapping may hold, for yamldoc_fields. */
struct yamldoc_map {
	const char *what; /* for "WHAT must be a mapping (got ...)" */
	const char *const *names;
	size_t count;
	/*
	 * Reports a field not in names, in the caller's words; NULL for
	 * "unknown field "x" (expected a, b or c)".
	 */
	void (*unknown)(struct yamldoc *d, const struct yamldoc_map *map,
			const yaml_node_t *key);
};

/* Starts reading file (named in messages), keeping up to max_errors. */
void yamldoc_init(struct yamldoc *d, const char *file, size_t max_errors);
/* Frees the document and the errors not taken. */
void yamldoc_fini(struct yamldoc *d);
/*
 * Reads the whole of fd (a regular file of at most max_bytes) and loads
 * its one document. Returns 0 with yamldoc_root set, or -1 after
 * reporting. Does not close fd.
 */
int yamldoc_load_fd(struct yamldoc *d, int fd, size_t max_bytes);
/* The document's root node, never NULL after a successful load. */
yaml_node_t *yamldoc_root(struct yamldoc *d);
/* Whether any problem was reported. */
bool yamldoc_has_errors(const struct yamldoc *d);

/* Records a problem at a node (the whole file when node is NULL); -1. */
int yamldoc_error(struct yamldoc *d, const yaml_node_t *node, const char *fmt,
		  ...) __attribute__((format(printf, 3, 4)));
/* yamldoc_error with a va_list, for callers' own variadic wrappers. */
int yamldoc_verror(struct yamldoc *d, const yaml_node_t *node, const char *fmt,
		   va_list ap) __attribute__((format(printf, 3, 0)));
/* Records a problem at a libyaml mark (0-based). */
void yamldoc_error_mark(struct yamldoc *d, const yaml_mark_t *mark,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Records a problem at a 1-based line and column (0, 0: the file). */
void yamldoc_error_at(struct yamldoc *d, unsigned line, unsigned col,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The node at a document index. */
yaml_node_t *yamldoc_node(struct yamldoc *d, int index);
/* Whether a node is a plain empty, "~" or "null" scalar: YAML's null. */
bool yamldoc_is_null(const yaml_node_t *node);
/* Whether a node is a scalar other than null. */
bool yamldoc_is_string(const yaml_node_t *node);
/* Whether a scalar node's text is exactly s. */
bool yamldoc_equals(const yaml_node_t *node, const char *s);
/* The text of a scalar node; NUL-terminated by libyaml. */
const char *yamldoc_text(const yaml_node_t *node);
/* Number of pairs in a mapping node. */
size_t yamldoc_pairs(const yaml_node_t *node);
/*
 * Writes s as a double-quoted, escaped, possibly cut string into out
 * (YAMLDOC_QUOTE_BUF bytes). Returns out.
 */
const char *yamldoc_quote(const char *s, size_t len, char *out);
/* A scalar node's text, quoted as yamldoc_quote does. */
const char *yamldoc_quote_node(const yaml_node_t *node, char *out);
/*
 * What a node is, for "(got ...)": "a mapping", "a sequence", "nothing"
 * or the scalar quoted into buf.
 */
const char *yamldoc_kind(const yaml_node_t *node, char *buf);
/* Appends "a, b, c or d" for a list of names. */
void yamldoc_join_names(struct strbuf *sb, const char *const *names, size_t n);
/*
 * Sorts a mapping's pairs into fields (one per map->names, in order): a
 * missing field stays NULL; unknown and duplicate fields and keys that
 * are not scalars are reported and left out. Returns -1 if node is not a
 * mapping, 0 otherwise (check yamldoc_has_errors to stop at the first).
 */
int yamldoc_fields(struct yamldoc *d, const yaml_node_t *node,
		   const struct yamldoc_map *map, struct yamldoc_field *fields);

#endif
