/*
 * menu_load: reads menu files (YAML, through libyaml) into the menu model.
 * A first pass over libyaml's events catches syntax errors, aliases and
 * deep nesting; a second pass loads the document, whose nodes carry the
 * line and column every error is reported at. The loader keeps no global
 * state: everything lives in a struct loader on the caller's stack. Knows
 * nothing of sessions or sockets.
 */
#include "menu_load.h"
#include "charset.h"
#include "mem.h"
#include "strbuf.h"
#include "utf8.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

/* Bytes of a scalar quoted in an error message before it is cut. */
#define MENU_LOAD_MAX_QUOTE 40
/* Room for a quoted scalar: every byte may become \xNN, plus quotes and "...". */
#define MENU_LOAD_QUOTE_BUF (MENU_LOAD_MAX_QUOTE * 4 + 8)
/* Read chunk for menu files. */
#define MENU_LOAD_READ_CHUNK (64 * 1024)

/* The numbers a menu has, settable per menu and in the file's defaults. */
enum number {
	NUMBER_TIMEOUT,
	NUMBER_MAX_TIMEOUTS,
	NUMBER_MAX_FAILURES,
	NUMBER_INPUT_TIMEOUT,
	NUMBER_INPUT_MAX_TIMEOUTS,
	NUMBER_COUNT,
};

/* An input_ number not given: the menu's own number stands for it. */
#define NUMBER_UNSET (-1)

static const struct number_field {
	const char *name;
	int min, max;
	/* clang-format off */
} number_fields[] = {
	[NUMBER_TIMEOUT] = { "timeout", 0, MENU_TIMEOUT_MAX },
	[NUMBER_MAX_TIMEOUTS] = { "max_timeouts", 0, MENU_COUNT_MAX },
	[NUMBER_MAX_FAILURES] = { "max_failures", 1, MENU_COUNT_MAX },
	[NUMBER_INPUT_TIMEOUT] = { "input_timeout", 0, MENU_TIMEOUT_MAX },
	[NUMBER_INPUT_MAX_TIMEOUTS] = { "input_max_timeouts", 0, MENU_COUNT_MAX },
};
/* clang-format on */
_Static_assert(ARRAY_LEN(number_fields) == NUMBER_COUNT, "one per number");

/* Top-level fields of a menu file. */
enum top_field {
	TOP_LANGUAGE,
	TOP_NAME,
	TOP_START,
	TOP_DEFAULTS,
	TOP_KEYS,
	TOP_TEXTS,
	TOP_MENUS,
	TOP_COUNT,
};

/* clang-format off */
static const char *const top_names[] = {
	[TOP_LANGUAGE] = "language", [TOP_NAME] = "name",
	[TOP_START] = "start",       [TOP_DEFAULTS] = "defaults",
	[TOP_KEYS] = "keys",         [TOP_TEXTS] = "texts",
	[TOP_MENUS] = "menus",
};
/* clang-format on */
_Static_assert(ARRAY_LEN(top_names) == TOP_COUNT, "one name per field");

/* Fields of one menu; the numbers come after these. */
enum menu_field {
	MENU_FIELD_TEXT,
	MENU_FIELD_INVALID,
	MENU_FIELD_KEYS,
	MENU_FIELD_TIMEOUT,
	MENU_FIELD_MAX_TIMEOUTS,
	MENU_FIELD_MAX_FAILURES,
	MENU_FIELD_INPUT_TIMEOUT,
	MENU_FIELD_INPUT_MAX_TIMEOUTS,
	MENU_FIELD_COUNT,
};

/* clang-format off */
static const char *const menu_field_names[] = {
	[MENU_FIELD_TEXT] = "text",
	[MENU_FIELD_INVALID] = "invalid",
	[MENU_FIELD_KEYS] = "keys",
	[MENU_FIELD_TIMEOUT] = "timeout",
	[MENU_FIELD_MAX_TIMEOUTS] = "max_timeouts",
	[MENU_FIELD_MAX_FAILURES] = "max_failures",
	[MENU_FIELD_INPUT_TIMEOUT] = "input_timeout",
	[MENU_FIELD_INPUT_MAX_TIMEOUTS] = "input_max_timeouts",
};
/* clang-format on */
_Static_assert(ARRAY_LEN(menu_field_names) == MENU_FIELD_COUNT,
	       "one name per field");
_Static_assert(MENU_FIELD_TIMEOUT + NUMBER_TIMEOUT == MENU_FIELD_TIMEOUT &&
		       MENU_FIELD_TIMEOUT + NUMBER_MAX_TIMEOUTS ==
			       MENU_FIELD_MAX_TIMEOUTS &&
		       MENU_FIELD_TIMEOUT + NUMBER_MAX_FAILURES ==
			       MENU_FIELD_MAX_FAILURES &&
		       MENU_FIELD_TIMEOUT + NUMBER_INPUT_TIMEOUT ==
			       MENU_FIELD_INPUT_TIMEOUT &&
		       MENU_FIELD_TIMEOUT + NUMBER_INPUT_MAX_TIMEOUTS ==
			       MENU_FIELD_INPUT_MAX_TIMEOUTS &&
		       MENU_FIELD_COUNT - MENU_FIELD_TIMEOUT == NUMBER_COUNT,
	       "the numbers end the menu fields, in enum number order");

/* Fields of a mapping action. */
enum action_field {
	ACTION_GOTO,
	ACTION_LANGUAGE,
	ACTION_CHARSET,
	ACTION_FIELD_COUNT,
};

/* clang-format off */
static const char *const action_field_names[] = {
	[ACTION_GOTO] = "goto",
	[ACTION_LANGUAGE] = "language",
	[ACTION_CHARSET] = "charset",
};
/* clang-format on */
_Static_assert(ARRAY_LEN(action_field_names) == ACTION_FIELD_COUNT,
	       "one name per field");

/* Actions written as a bare name; flows are bare names too. */
static const enum menu_action_type simple_actions[] = {
	MENU_ACTION_BACK,
	MENU_ACTION_HOME,
	MENU_ACTION_REPEAT,
	MENU_ACTION_QUIT,
};

/* A field found in a mapping: its key node (for "first at") and value. */
struct field {
	yaml_node_t *key;
	yaml_node_t *value;
};

/* A language action, kept to be checked against the other files. */
struct lang_ref {
	char *language;
	char *key; /* quoted, for the message */
	unsigned line, col;
};

/* What the checks across files need from one file. */
struct file_info {
	char *language; /* NULL when the file did not name one */
	unsigned line, col;
	struct lang_ref *refs;
	size_t nrefs;
};

/* The state of loading one file. */
struct loader {
	const char *file;
	struct menu_errors *errs;
	size_t first_error; /* this file's first entry in errs */
	size_t nerrors;
	bool gave_up; /* MENU_LOAD_MAX_ERRORS reached */
	yaml_document_t doc;
	struct menu_set *set;
	struct file_info *info;
	yaml_mark_t *menu_marks;  /* where each of set->menus was named */
	const yaml_node_t *menus; /* the menus mapping, once it is read */
	int defaults[NUMBER_COUNT];
	bool texts_checked[MENU_TEXT_NEED_COUNT]; /* a flow's texts, done */
	bool flow_used[MENU_FLOW_COUNT];
	yaml_mark_t flow_mark[MENU_FLOW_COUNT]; /* first key starting each flow */
	char flow_key[MENU_FLOW_COUNT][MENU_LOAD_QUOTE_BUF];
};

/* --- errors ---------------------------------------------------------- */

/* Appends one error; takes ownership of message. */
static void errors_push(struct menu_errors *errs, const char *file,
			unsigned line, unsigned col, char *message)
{
	struct menu_error *e;

	errs->items = xrealloc(errs->items,
			       (errs->count + 1) * sizeof(errs->items[0]));
	e = &errs->items[errs->count++];
	e->file = xstrdup(file);
	e->line = line;
	e->col = col;
	e->message = message;
}

/* Adds a warning; takes ownership of message. */
static void warnings_push(struct menu_errors *errs, const char *file,
			  unsigned line, unsigned col, char *message)
{
	struct menu_error *e;

	errs->warnings = xrealloc(errs->warnings,
				  (errs->nwarnings + 1) *
					  sizeof(errs->warnings[0]));
	e = &errs->warnings[errs->nwarnings++];
	e->file = xstrdup(file);
	e->line = line;
	e->col = col;
	e->message = message;
}

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

/* Records an error of the current file, up to MENU_LOAD_MAX_ERRORS. */
static void load_verror(struct loader *ld, unsigned line, unsigned col,
			const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static void load_verror(struct loader *ld, unsigned line, unsigned col,
			const char *fmt, va_list ap)
{
	if (ld->gave_up)
		return;
	if (ld->nerrors == MENU_LOAD_MAX_ERRORS) {
		ld->gave_up = true; /* the note is added after sorting */
		return;
	}
	errors_push(ld->errs, ld->file, line, col, format_message(fmt, ap));
	ld->nerrors++;
}

/* Records an error at a line and column of the current file (0, 0: the file). */
static void load_error_at(struct loader *ld, unsigned line, unsigned col,
			  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void load_error_at(struct loader *ld, unsigned line, unsigned col,
			  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	load_verror(ld, line, col, fmt, ap);
	va_end(ap);
}

/* Records an error at a libyaml mark (0-based) of the current file. */
static void load_error(struct loader *ld, const yaml_mark_t *mark,
		       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void load_error(struct loader *ld, const yaml_mark_t *mark,
		       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	load_verror(ld, (unsigned)mark->line + 1, (unsigned)mark->column + 1,
		    fmt, ap);
	va_end(ap);
}

/* Whether error a comes after error b in its file. */
static bool error_is_after(const struct menu_error *a,
			   const struct menu_error *b)
{
	return a->line > b->line || (a->line == b->line && a->col > b->col);
}

/*
 * Puts this file's errors in file order (a stable insertion sort over at
 * most MENU_LOAD_MAX_ERRORS), then notes if some were left out.
 */
static void load_errors_finish(struct loader *ld)
{
	size_t n = ld->errs->count - ld->first_error;
	/* With no errors items may be NULL, and NULL + 0 is undefined. */
	struct menu_error *items = n > 0 ? ld->errs->items + ld->first_error
					 : NULL;

	for (size_t i = 1; i < n; i++) {
		struct menu_error e = items[i];
		size_t j = i;

		while (j > 0 && error_is_after(&items[j - 1], &e)) {
			items[j] = items[j - 1];
			j--;
		}
		items[j] = e;
	}
	if (ld->gave_up)
		errors_push(ld->errs, ld->file, 0, 0,
			    xasprintf("more than %d errors; stopped checking "
				      "this file",
				      MENU_LOAD_MAX_ERRORS));
}

/* --- nodes ----------------------------------------------------------- */

/* Writes s as a double-quoted, escaped, possibly shortened string into out. */
static const char *quote(const char *s, size_t len, char *out)
{
	size_t o = 0, i = 0;
	uint32_t cp;

	out[o++] = '"';
	while (i < len) {
		size_t n = utf8_decode(s + i, len - i, &cp);

		if (i + (n ? n : 1) > MENU_LOAD_MAX_QUOTE) {
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
static const char *quote_node(const yaml_node_t *node, char *out)
{
	return quote((const char *)node->data.scalar.value,
		     node->data.scalar.length, out);
}

/* The node at a document index. */
static yaml_node_t *node_at(struct loader *ld, int index)
{
	return yaml_document_get_node(&ld->doc, index);
}

/* Whether a node is a plain empty, "~" or "null" scalar: YAML's null. */
static bool node_is_null(const yaml_node_t *node)
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
static bool node_is_string(const yaml_node_t *node)
{
	return node->type == YAML_SCALAR_NODE && !node_is_null(node);
}

/* What a node is, for "(got ...)" in messages. */
static const char *node_kind(const yaml_node_t *node, char *buf)
{
	switch (node->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_SCALAR_NODE:
		return node_is_null(node) ? "nothing" : quote_node(node, buf);
	case YAML_NO_NODE:
		break;
	}
	return "nothing";
}

/* Whether a scalar node's text is exactly s. */
static bool node_equals(const yaml_node_t *node, const char *s)
{
	size_t len = strlen(s);

	return node->type == YAML_SCALAR_NODE &&
	       node->data.scalar.length == len &&
	       memcmp(node->data.scalar.value, s, len) == 0;
}

/* The text of a scalar node; NUL-terminated by libyaml. */
static const char *node_text(const yaml_node_t *node)
{
	return (const char *)node->data.scalar.value;
}

/* Number of pairs in a mapping node. */
static size_t node_pairs(const yaml_node_t *node)
{
	return (size_t)(node->data.mapping.pairs.top -
			node->data.mapping.pairs.start);
}

/* Appends "a, b, c or d" for a list of names. */
static void join_names(struct strbuf *sb, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strbuf_append_str(sb, i + 1 == n ? " or " : ", ");
		strbuf_append_str(sb, names[i]);
	}
}

/*
 * Sorts a mapping's pairs into fields by name: a missing field stays
 * NULL; unknown and duplicate fields are errors. Returns -1 if map is not
 * a mapping.
 */
static int read_fields(struct loader *ld, const yaml_node_t *map,
		       const char *what, const char *const *names, size_t n,
		       struct field *fields)
{
	char buf[MENU_LOAD_QUOTE_BUF];

	memset(fields, 0, n * sizeof(fields[0]));
	if (map->type != YAML_MAPPING_NODE) {
		load_error(ld, &map->start_mark,
			   "%s must be a mapping (got %s)", what,
			   node_kind(map, buf));
		return -1;
	}
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *key = node_at(ld, p->key);
		size_t i;

		if (key->type != YAML_SCALAR_NODE) {
			load_error(ld, &key->start_mark,
				   "field names must be strings (got %s)",
				   node_kind(key, buf));
			continue;
		}
		for (i = 0; i < n; i++)
			if (node_equals(key, names[i]))
				break;
		if (i == n) {
			struct strbuf sb;

			strbuf_init(&sb);
			join_names(&sb, names, n);
			load_error(ld, &key->start_mark,
				   "unknown field %s (expected %s)",
				   quote_node(key, buf), sb.data);
			strbuf_fini(&sb);
		} else if (fields[i].key != NULL) {
			load_error(ld, &key->start_mark,
				   "duplicate field \"%s\" (first at %zu:%zu)",
				   names[i], fields[i].key->start_mark.line + 1,
				   fields[i].key->start_mark.column + 1);
		} else {
			fields[i].key = key;
			fields[i].value = node_at(ld, p->value);
		}
	}
	return 0;
}

/* Whether c may be part of a name: ASCII letters, digits, '-', '_', '.'. */
static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/*
 * Checks a name (language id, menu name, text name) and returns a copy the
 * caller owns, or NULL after reporting why it is not one.
 */
static char *get_name(struct loader *ld, const yaml_node_t *node,
		      const char *what)
{
	char buf[MENU_LOAD_QUOTE_BUF];
	size_t len;

	if (!node_is_string(node)) {
		load_error(ld, &node->start_mark, "%s must be a name (got %s)",
			   what, node_kind(node, buf));
		return NULL;
	}
	len = node->data.scalar.length;
	if (len > MENU_LOAD_MAX_NAME) {
		load_error(ld, &node->start_mark,
			   "%s %s is longer than %d bytes", what,
			   quote_node(node, buf), MENU_LOAD_MAX_NAME);
		return NULL;
	}
	for (size_t i = 0; i < len; i++)
		if (!is_name_char(node_text(node)[i])) {
			load_error(ld, &node->start_mark,
				   "%s %s may only hold ASCII letters, digits, "
				   "\"-\", \"_\" and \".\"",
				   what, quote_node(node, buf));
			return NULL;
		}
	return xstrndup(node_text(node), len);
}

/*
 * Checks a text (a menu's, a named one, the set's label) against max
 * bytes and returns a copy the caller owns, or NULL after reporting.
 * Labels may not hold control characters; texts may, but not NUL.
 */
static char *get_text(struct loader *ld, const yaml_node_t *node,
		      const char *what, size_t max, bool is_label)
{
	char buf[MENU_LOAD_QUOTE_BUF];
	const char *s;
	size_t len;

	if (!node_is_string(node)) {
		load_error(ld, &node->start_mark,
			   "%s must be a string (got %s)", what,
			   node_kind(node, buf));
		return NULL;
	}
	s = node_text(node);
	len = node->data.scalar.length;
	if (len == 0) {
		load_error(ld, &node->start_mark, "%s is empty", what);
		return NULL;
	}
	if (len > max) {
		load_error(ld, &node->start_mark, "%s is longer than %zu bytes",
			   what, max);
		return NULL;
	}
	if (memchr(s, '\0', len) != NULL) {
		load_error(ld, &node->start_mark, "%s contains a NUL character",
			   what);
		return NULL;
	}
	/* libyaml checks its input; this guards against its escapes. */
	if (!utf8_is_valid(s, len)) {
		load_error(ld, &node->start_mark, "%s is not valid UTF-8",
			   what);
		return NULL;
	}
	for (size_t i = 0; is_label && i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			load_error(ld, &node->start_mark,
				   "%s contains a control character", what);
			return NULL;
		}
	return xstrndup(s, len);
}

/* Parses an optionally signed decimal of at most nine digits. */
static bool parse_decimal(const char *s, size_t len, long *out)
{
	size_t i = (len > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
	long v = 0;

	/* Nine digits cannot overflow a long; the caller checks the range. */
	if (len == i || len - i > 9)
		return false;
	for (size_t j = i; j < len; j++) {
		if (s[j] < '0' || s[j] > '9')
			return false;
		v = v * 10 + (s[j] - '0');
	}
	*out = s[0] == '-' ? -v : v;
	return true;
}

/* Parses an integer in the field's range into *out; -1 after reporting. */
static int get_int(struct loader *ld, const yaml_node_t *node,
		   const struct number_field *nf, int *out)
{
	char buf[MENU_LOAD_QUOTE_BUF];
	long v;

	if (!node_is_string(node) ||
	    !parse_decimal(node_text(node), node->data.scalar.length, &v) ||
	    v < nf->min || v > nf->max) {
		load_error(ld, &node->start_mark,
			   "%s must be an integer from %d to %d (got %s)",
			   nf->name, nf->min, nf->max, node_kind(node, buf));
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* Reads the numbers among fields (indexed by enum number) into values. */
static void get_numbers(struct loader *ld, const struct field *fields,
			int *values)
{
	for (unsigned i = 0; i < NUMBER_COUNT; i++)
		if (fields[i].value != NULL)
			get_int(ld, fields[i].value, &number_fields[i],
				&values[i]);
}

/* --- actions and keys ------------------------------------------------ */

/* Remembers a language action for the checks across files. */
static void add_lang_ref(struct loader *ld, const char *language,
			 const char *key, const yaml_node_t *node)
{
	struct file_info *info = ld->info;
	struct lang_ref *r;

	info->refs = xrealloc(info->refs,
			      (info->nrefs + 1) * sizeof(info->refs[0]));
	r = &info->refs[info->nrefs++];
	r->language = xstrdup(language);
	r->key = xstrdup(key);
	r->line = (unsigned)node->start_mark.line + 1;
	r->col = (unsigned)node->start_mark.column + 1;
}

/* Reports an action name that is not one; key is already quoted. */
static void unknown_action(struct loader *ld, const char *key,
			   const yaml_node_t *node)
{
	char buf[MENU_LOAD_QUOTE_BUF];
	struct strbuf sb;

	if (node_equals(node, "goto") || node_equals(node, "language") ||
	    node_equals(node, "charset")) {
		load_error(ld, &node->start_mark,
			   "key %s: action \"%s\" needs a value, as in "
			   "{%s: %s}",
			   key, node_text(node), node_text(node),
			   node_equals(node, "goto") ? "MENU" : "NAME");
		return;
	}
	strbuf_init(&sb);
	for (size_t i = 0; i < ARRAY_LEN(simple_actions); i++)
		strbuf_printf(&sb, "%s, ", menu_action_name(simple_actions[i]));
	for (unsigned f = 0; f < MENU_FLOW_COUNT; f++)
		strbuf_printf(&sb, "%s, ", menu_flow_name(f));
	load_error(ld, &node->start_mark,
		   "key %s has unknown action %s (expected %sgoto or language)",
		   key, quote_node(node, buf), sb.data);
	strbuf_fini(&sb);
}

/*
 * A flow's texts must be in a set that uses it (texts are read before
 * menus). Checked once per list of texts, at the first key needing it;
 * the flow's first key is kept for checking its menu later.
 */
static void check_flow_texts(struct loader *ld, const char *key,
			     const yaml_node_t *node, enum menu_flow flow)
{
	enum menu_text_need need = menu_flow_text_need(flow);

	if (!ld->flow_used[flow]) {
		ld->flow_used[flow] = true;
		ld->flow_mark[flow] = node->start_mark;
		snprintf(ld->flow_key[flow], sizeof(ld->flow_key[flow]), "%s",
			 key);
	}
	/* No texts at all is reported once already, as a missing field. */
	if (ld->set->ntexts == 0)
		return;
	if (need == MENU_TEXT_NEED_COUNT || ld->texts_checked[need])
		return;
	ld->texts_checked[need] = true;
	for (unsigned i = 0; i < MENU_TEXT_COUNT; i++)
		if (menu_text_needed(i, need) &&
		    menu_set_text_of(ld->set, i) == NULL)
			load_error(ld, &node->start_mark,
				   "key %s starts %s, which needs text \"%s\"",
				   key, menu_flow_name(flow),
				   menu_text_name(i));
}

/* Parses a bare action name. */
static int parse_simple_action(struct loader *ld, const char *key,
			       const yaml_node_t *node, struct menu_action *a)
{
	for (size_t i = 0; i < ARRAY_LEN(simple_actions); i++)
		if (node_equals(node, menu_action_name(simple_actions[i]))) {
			a->type = simple_actions[i];
			return 0;
		}
	for (unsigned f = 0; f < MENU_FLOW_COUNT; f++)
		if (node_equals(node, menu_flow_name(f))) {
			a->type = MENU_ACTION_FLOW;
			a->flow = f;
			check_flow_texts(ld, key, node, f);
			return 0;
		}
	unknown_action(ld, key, node);
	return -1;
}

/*
 * Whether name is a key of the menus mapping although not a menu of the
 * set: its name was rejected already, so "unknown menu" would only repeat.
 */
static bool menu_is_rejected(struct loader *ld, const yaml_node_t *name)
{
	if (ld->menus == NULL)
		return false;
	for (yaml_node_pair_t *p = ld->menus->data.mapping.pairs.start;
	     p < ld->menus->data.mapping.pairs.top; p++) {
		const yaml_node_t *key = node_at(ld, p->key);

		if (key->type == YAML_SCALAR_NODE &&
		    key->data.scalar.length == name->data.scalar.length &&
		    memcmp(key->data.scalar.value, name->data.scalar.value,
			   name->data.scalar.length) == 0)
			return true;
	}
	return false;
}

/* Parses {goto: MENU}; the menu must be one of the set's. */
static int parse_goto(struct loader *ld, const char *key,
		      const yaml_node_t *node, struct menu_action *a)
{
	char buf[MENU_LOAD_QUOTE_BUF];

	if (!node_is_string(node)) {
		load_error(ld, &node->start_mark,
			   "key %s: goto must name a menu (got %s)", key,
			   node_kind(node, buf));
		return -1;
	}
	a->type = MENU_ACTION_GOTO;
	a->target = menu_set_find(ld->set, node_text(node));
	if (a->target == NULL && !menu_is_rejected(ld, node))
		load_error(ld, &node->start_mark,
			   "key %s goes to unknown menu %s", key,
			   quote_node(node, buf));
	return a->target != NULL ? 0 : -1;
}

/*
 * Finds the encoding a charset value names: any iconv knows, interned the
 * first time (charset_lookup), so a new language needs no new code. -1
 * after reporting at the value.
 */
static int get_charset(struct loader *ld, const char *key,
		       const yaml_node_t *node, const struct charset **out)
{
	char buf[MENU_LOAD_QUOTE_BUF];
	enum charset_status st = CHARSET_BAD_NAME;

	/* A NUL inside would cut the name short: no encoding has one. */
	if (strlen(node_text(node)) == node->data.scalar.length)
		st = charset_lookup(node_text(node), out);

	switch (st) {
	case CHARSET_OK:
		return 0;
	case CHARSET_BAD_NAME:
		load_error(ld, &node->start_mark,
			   "key %s: charset %s is not an encoding name (ASCII "
			   "letters, digits, \"-\", \"_\", \".\", \":\")",
			   key, quote_node(node, buf));
		break;
	case CHARSET_UNKNOWN:
		load_error(ld, &node->start_mark,
			   "key %s has unknown charset %s (iconv does not know "
			   "it; iconv -l lists the names it does)",
			   key, quote_node(node, buf));
		break;
	case CHARSET_NOT_ASCII:
		load_error(ld, &node->start_mark,
			   "key %s: charset %s does not keep ASCII as it is "
			   "(keys, Enter and telnet need it)",
			   key, quote_node(node, buf));
		break;
	case CHARSET_TOO_MANY:
		load_error(ld, &node->start_mark,
			   "key %s: charset %s is one encoding too many (at "
			   "most %d, UTF-8 included, until hotlined restarts)",
			   key, quote_node(node, buf), CHARSET_MAX);
		break;
	}
	return -1;
}

/* Parses {language: ID, charset: NAME}, either part optional. */
static int parse_language(struct loader *ld, const char *key,
			  const struct field *fields, struct menu_action *a)
{
	char buf[MENU_LOAD_QUOTE_BUF];
	const yaml_node_t *lang = fields[ACTION_LANGUAGE].value;
	const yaml_node_t *cs = fields[ACTION_CHARSET].value;
	int ret = 0;

	a->type = MENU_ACTION_LANGUAGE;
	if (lang != NULL) {
		a->language = get_name(ld, lang, "language");
		if (a->language == NULL)
			ret = -1;
		else
			add_lang_ref(ld, a->language, key, lang);
	}
	if (cs != NULL && !node_is_string(cs)) {
		load_error(ld, &cs->start_mark,
			   "key %s: charset must be a name (got %s)", key,
			   node_kind(cs, buf));
		ret = -1;
	} else if (cs != NULL && get_charset(ld, key, cs, &a->charset) < 0) {
		ret = -1;
	}
	return ret;
}

/* Parses the action of one key into *a; -1 after reporting. */
static int parse_action(struct loader *ld, const char *key,
			const yaml_node_t *node, struct menu_action *a)
{
	char buf[MENU_LOAD_QUOTE_BUF];
	struct field fields[ACTION_FIELD_COUNT];
	struct strbuf sb;

	memset(a, 0, sizeof(*a));
	if (node_is_null(node)) {
		load_error(ld, &node->start_mark, "key %s has no action", key);
		return -1;
	}
	if (node->type == YAML_SCALAR_NODE)
		return parse_simple_action(ld, key, node, a);
	if (node->type != YAML_MAPPING_NODE) {
		load_error(ld, &node->start_mark,
			   "key %s: action must be a name or a mapping (got %s)",
			   key, node_kind(node, buf));
		return -1;
	}
	if (read_fields(ld, node, "action", action_field_names,
			ACTION_FIELD_COUNT, fields) < 0)
		return -1;
	if (fields[ACTION_GOTO].key != NULL) {
		const struct field *other = fields[ACTION_LANGUAGE].key != NULL
						    ? &fields[ACTION_LANGUAGE]
						    : &fields[ACTION_CHARSET];

		if (other->key != NULL) {
			load_error(ld, &other->key->start_mark,
				   "key %s: goto cannot be combined with %s",
				   key, node_text(other->key));
			return -1;
		}
		return parse_goto(ld, key, fields[ACTION_GOTO].value, a);
	}
	if (fields[ACTION_LANGUAGE].key != NULL ||
	    fields[ACTION_CHARSET].key != NULL)
		return parse_language(ld, key, fields, a);
	if (node_pairs(node) == 0) {
		strbuf_init(&sb);
		join_names(&sb, action_field_names, ACTION_FIELD_COUNT);
		load_error(ld, &node->start_mark,
			   "key %s has an empty action (expected %s)", key,
			   sb.data);
		strbuf_fini(&sb);
	}
	/* Otherwise only unknown fields, reported by read_fields. */
	return -1;
}

/* Checks a key name: exactly one printable UTF-8 character, not a space. */
static int check_key(struct loader *ld, const yaml_node_t *node)
{
	char buf[MENU_LOAD_QUOTE_BUF];
	uint32_t cp;
	size_t len;

	if (node->type != YAML_SCALAR_NODE) {
		load_error(ld, &node->start_mark,
			   "a key must be one character (got %s)",
			   node_kind(node, buf));
		return -1;
	}
	len = node->data.scalar.length;
	if (len == 0 || len >= MENU_KEY_MAX ||
	    utf8_decode(node_text(node), len, &cp) != len) {
		load_error(ld, &node->start_mark,
			   "key %s must be exactly one character",
			   quote_node(node, buf));
		return -1;
	}
	if (cp <= 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0xa0)) {
		load_error(ld, &node->start_mark,
			   "key %s must be a printable character, not a space "
			   "or control",
			   quote_node(node, buf));
		return -1;
	}
	return 0;
}

/*
 * Parses a keys mapping into a new array the caller owns (NULL with
 * *nkeys 0 when empty or broken). Bad keys are reported and left out.
 */
static struct menu_key *parse_keys(struct loader *ld, const yaml_node_t *map,
				   size_t *nkeys)
{
	char buf[MENU_LOAD_QUOTE_BUF], qkey[MENU_LOAD_QUOTE_BUF];
	struct menu_key *keys = NULL;
	yaml_mark_t *marks = NULL;
	size_t n = 0;

	*nkeys = 0;
	if (map->type != YAML_MAPPING_NODE) {
		load_error(ld, &map->start_mark,
			   "keys must be a mapping (got %s)",
			   node_kind(map, buf));
		goto out;
	}
	if (node_pairs(map) > MENU_LOAD_MAX_KEYS) {
		load_error(ld, &map->start_mark, "more than %d keys",
			   MENU_LOAD_MAX_KEYS);
		goto out;
	}
	keys = xcalloc(node_pairs(map), sizeof(keys[0]));
	marks = xcalloc(node_pairs(map), sizeof(marks[0]));
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *key = node_at(ld, p->key);
		size_t i;

		if (check_key(ld, key) < 0)
			continue;
		quote_node(key, qkey);
		for (i = 0; i < n; i++)
			if (strcmp(keys[i].key, node_text(key)) == 0)
				break;
		if (i < n) {
			load_error(ld, &key->start_mark,
				   "duplicate key %s (first at %zu:%zu)", qkey,
				   marks[i].line + 1, marks[i].column + 1);
			continue;
		}
		if (parse_action(ld, qkey, node_at(ld, p->value),
				 &keys[n].action) < 0) {
			free(keys[n].action.language);
			continue;
		}
		memcpy(keys[n].key, node_text(key),
		       key->data.scalar.length + 1);
		marks[n++] = key->start_mark;
	}
	*nkeys = n;
out:
	free(marks);
	if (n == 0) {
		free(keys);
		keys = NULL;
	}
	return keys;
}

/* Whether the first n keys of a menu include key. */
static bool has_key(const struct menu *menu, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(menu->keys[i].key, key) == 0)
			return true;
	return false;
}

/* Adds the file's global keys to a menu, except keys it defines itself. */
static void merge_keys(struct loader *ld, struct menu *menu,
		       const yaml_mark_t *mark, const struct menu_key *globals,
		       size_t nglobals)
{
	size_t n = menu->nkeys, own = menu->nkeys;

	for (size_t g = 0; g < nglobals; g++)
		if (!has_key(menu, own, globals[g].key))
			n++;
	if (n > MENU_LOAD_MAX_KEYS) {
		load_error(ld, mark,
			   "menu \"%s\" has more than %d keys with "
			   "the global keys",
			   menu->name, MENU_LOAD_MAX_KEYS);
		return;
	}
	if (n == menu->nkeys)
		return;
	menu->keys = xrealloc(menu->keys, n * sizeof(menu->keys[0]));
	for (size_t g = 0; g < nglobals; g++) {
		struct menu_key *k;

		if (has_key(menu, own, globals[g].key))
			continue;
		k = &menu->keys[menu->nkeys++];
		*k = globals[g];
		if (k->action.language != NULL)
			k->action.language = xstrdup(k->action.language);
	}
}

/* --- menus, texts, the file ------------------------------------------ */

/* Parses one menu's fields; its name is already set. */
static void parse_menu(struct loader *ld, struct menu *menu,
		       const yaml_node_t *name_node, const yaml_node_t *node)
{
	struct field fields[MENU_FIELD_COUNT];
	char what[MENU_LOAD_MAX_NAME + 32];
	int numbers[NUMBER_COUNT];

	snprintf(what, sizeof(what), "menu \"%s\"", menu->name);
	if (read_fields(ld, node, what, menu_field_names, MENU_FIELD_COUNT,
			fields) < 0)
		return;
	if (fields[MENU_FIELD_TEXT].value == NULL) {
		load_error(ld, &name_node->start_mark,
			   "menu \"%s\" has no text", menu->name);
	} else {
		snprintf(what, sizeof(what), "text of menu \"%s\"", menu->name);
		menu->text = get_text(ld, fields[MENU_FIELD_TEXT].value, what,
				      MENU_LOAD_MAX_TEXT, false);
	}
	if (fields[MENU_FIELD_INVALID].value != NULL) {
		snprintf(what, sizeof(what), "invalid text of menu \"%s\"",
			 menu->name);
		menu->invalid = get_text(ld, fields[MENU_FIELD_INVALID].value,
					 what, MENU_LOAD_MAX_TEXT, false);
	}
	if (fields[MENU_FIELD_KEYS].value != NULL)
		menu->keys = parse_keys(ld, fields[MENU_FIELD_KEYS].value,
					&menu->nkeys);
	memcpy(numbers, ld->defaults, sizeof(numbers));
	get_numbers(ld, &fields[MENU_FIELD_TIMEOUT], numbers);
	menu->timeout = numbers[NUMBER_TIMEOUT];
	menu->max_timeouts = numbers[NUMBER_MAX_TIMEOUTS];
	menu->max_failures = numbers[NUMBER_MAX_FAILURES];
	/* Typing follows the menu's numbers unless the file says otherwise. */
	menu->input_timeout = numbers[NUMBER_INPUT_TIMEOUT] != NUMBER_UNSET
				      ? numbers[NUMBER_INPUT_TIMEOUT]
				      : menu->timeout;
	menu->input_max_timeouts = numbers[NUMBER_INPUT_MAX_TIMEOUTS] !=
						   NUMBER_UNSET
					   ? numbers[NUMBER_INPUT_MAX_TIMEOUTS]
					   : menu->max_timeouts;
}

/*
 * Parses the menus mapping: first every name, so a goto may name a menu
 * defined further down, then every menu. Returns -1 when the menus could
 * not be read at all, so that checks of names against them are skipped.
 */
static int parse_menus(struct loader *ld, const struct field *f)
{
	char buf[MENU_LOAD_QUOTE_BUF];
	const yaml_node_t *map = f->value;
	struct menu_set *set = ld->set;
	struct menu **slots = NULL;
	size_t npairs, i = 0;
	int ret = -1;

	if (map->type != YAML_MAPPING_NODE) {
		load_error(ld, &map->start_mark,
			   "menus must be a mapping (got %s)",
			   node_kind(map, buf));
		goto out;
	}
	npairs = node_pairs(map);
	if (npairs == 0) {
		load_error(ld, &f->key->start_mark, "no menus defined");
		goto out;
	}
	if (npairs > MENU_LOAD_MAX_MENUS) {
		load_error(ld, &f->key->start_mark, "more than %d menus",
			   MENU_LOAD_MAX_MENUS);
		goto out;
	}
	ld->menus = map;
	set->menus = xcalloc(npairs, sizeof(set->menus[0]));
	ld->menu_marks = xcalloc(npairs, sizeof(ld->menu_marks[0]));
	slots = xcalloc(npairs, sizeof(slots[0]));
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++, i++) {
		yaml_node_t *key = node_at(ld, p->key);
		const struct menu *first;
		char *name = get_name(ld, key, "menu name");

		if (name == NULL)
			continue;
		first = menu_set_find(set, name);
		if (first != NULL) {
			const yaml_mark_t *m =
				&ld->menu_marks[first - set->menus];

			load_error(ld, &key->start_mark,
				   "duplicate menu \"%s\" (first at %zu:%zu)",
				   name, m->line + 1, m->column + 1);
			free(name);
			continue;
		}
		ld->menu_marks[set->nmenus] = key->start_mark;
		slots[i] = &set->menus[set->nmenus++];
		slots[i]->name = name;
	}
	i = 0;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++, i++)
		if (slots[i] != NULL)
			parse_menu(ld, slots[i], node_at(ld, p->key),
				   node_at(ld, p->value));
	ret = 0;
out:
	free(slots);
	return ret;
}

/* Orders texts by name so menu_set_text can bsearch them. */
static int text_compare(const void *a, const void *b)
{
	const struct menu_text *ta = a, *tb = b;

	return strcmp(ta->name, tb->name);
}

/* Whether the n bytes at s name a field in a space-separated list. */
static bool field_listed(const char *list, const char *s, size_t n)
{
	while (*list != '\0') {
		size_t len = strcspn(list, " ");

		if (len == n && memcmp(list, s, n) == 0)
			return true;
		list += len;
		list += strspn(list, " ");
	}
	return false;
}

/* The next {word} in text from *p (letters, digits, '_'); false at the end. */
static bool next_field(const char **p, const char **name, size_t *len)
{
	const char *open;

	while ((open = strchr(*p, '{')) != NULL) {
		size_t n = strspn(open + 1, "abcdefghijklmnopqrstuvwxyz"
					    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "0123456789_");

		*p = open + 1;
		if (n > 0 && open[1 + n] == '}') {
			*name = open + 1;
			*len = n;
			*p = open + n + 2;
			return true;
		}
	}
	return false;
}

/* Whether text shows the field named by the n bytes at s. */
static bool text_shows(const char *text, const char *s, size_t n)
{
	const char *name;
	size_t len;

	while (next_field(&text, &name, &len))
		if (len == n && memcmp(name, s, n) == 0)
			return true;
	return false;
}

/*
 * A service text may only use the fields its flow fills in (another would
 * be shown as is, braces and all): an error names the field. One that
 * leaves out a field it is given loads, with a warning.
 */
static void check_fields(struct loader *ld, const char *name, const char *text,
			 const yaml_node_t *value)
{
	enum menu_text_id id = menu_text_by_name(name);
	const char *fields, *p = text, *field;
	size_t len;

	if (id == MENU_TEXT_COUNT)
		return;
	fields = menu_text_fields(id);
	while (next_field(&p, &field, &len))
		if (!field_listed(fields, field, len))
			load_error(ld, &value->start_mark,
				   "text \"%s\" has no field {%.*s}%s%s%s",
				   name, (int)len, field,
				   fields[0] ? " (its fields: " : "", fields,
				   fields[0] ? ")" : "");
	for (p = fields; *p != '\0'; p += strspn(p, " ")) {
		len = strcspn(p, " ");
		if (!text_shows(text, p, len))
			warnings_push(ld->errs, ld->file,
				      (unsigned)value->start_mark.line + 1,
				      (unsigned)value->start_mark.column + 1,
				      xasprintf("text \"%s\" does not show "
						"{%.*s}",
						name, (int)len, p));
		p += len;
	}
}

/* Parses the texts mapping, then checks the required texts are there. */
static void parse_texts(struct loader *ld, const struct field *f)
{
	char buf[MENU_LOAD_QUOTE_BUF], what[MENU_LOAD_MAX_NAME + 16];
	const yaml_node_t *map = f->value;
	struct menu_set *set = ld->set;
	yaml_mark_t *marks = NULL;

	if (map->type != YAML_MAPPING_NODE) {
		load_error(ld, &map->start_mark,
			   "texts must be a mapping (got %s)",
			   node_kind(map, buf));
		return;
	}
	if (node_pairs(map) > MENU_LOAD_MAX_TEXTS) {
		load_error(ld, &f->key->start_mark, "more than %d texts",
			   MENU_LOAD_MAX_TEXTS);
		return;
	}
	set->texts = xcalloc(node_pairs(map), sizeof(set->texts[0]));
	marks = xcalloc(node_pairs(map), sizeof(marks[0]));
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *key = node_at(ld, p->key);
		char *name = get_name(ld, key, "text name"), *text;
		size_t i;

		if (name == NULL)
			continue;
		for (i = 0; i < set->ntexts; i++)
			if (strcmp(set->texts[i].name, name) == 0)
				break;
		if (i < set->ntexts) {
			load_error(ld, &key->start_mark,
				   "duplicate text \"%s\" (first at %zu:%zu)",
				   name, marks[i].line + 1,
				   marks[i].column + 1);
			free(name);
			continue;
		}
		snprintf(what, sizeof(what), "text \"%s\"", name);
		text = get_text(ld, node_at(ld, p->value), what,
				MENU_LOAD_MAX_TEXT, false);
		if (text == NULL) {
			free(name);
			continue;
		}
		check_fields(ld, name, text, node_at(ld, p->value));
		marks[set->ntexts] = key->start_mark;
		set->texts[set->ntexts].name = name;
		set->texts[set->ntexts++].text = text;
	}
	free(marks);
	if (set->ntexts > 0)
		qsort(set->texts, set->ntexts, sizeof(set->texts[0]),
		      text_compare);
	for (unsigned i = 0; i < MENU_TEXT_COUNT; i++)
		if (menu_text_needed(i, MENU_TEXT_NEED_EVERY_SET) &&
		    menu_set_text_of(set, i) == NULL)
			load_error(ld, &f->key->start_mark,
				   "missing text \"%s\"", menu_text_name(i));
}

/* Parses the defaults mapping into ld->defaults. */
static void parse_defaults(struct loader *ld, const yaml_node_t *node)
{
	const char *names[NUMBER_COUNT];
	struct field fields[NUMBER_COUNT];

	for (unsigned i = 0; i < NUMBER_COUNT; i++)
		names[i] = number_fields[i].name;
	if (read_fields(ld, node, "defaults", names, NUMBER_COUNT, fields) < 0)
		return;
	get_numbers(ld, fields, ld->defaults);
}

/* Parses the start field: the name of one of the set's menus. */
static void parse_start(struct loader *ld, const yaml_node_t *node)
{
	char buf[MENU_LOAD_QUOTE_BUF];

	if (!node_is_string(node)) {
		load_error(ld, &node->start_mark,
			   "start must name a menu (got %s)",
			   node_kind(node, buf));
		return;
	}
	ld->set->start = menu_set_find(ld->set, node_text(node));
	if (ld->set->start == NULL && !menu_is_rejected(ld, node))
		load_error(ld, &node->start_mark, "start names unknown menu %s",
			   quote_node(node, buf));
}

/* Builds the set from the document's root mapping. */
static void parse_root(struct loader *ld, const yaml_node_t *root)
{
	struct field fields[TOP_COUNT];
	struct menu_key *globals = NULL;
	size_t nglobals = 0;
	int menus_ok = -1;

	if (read_fields(ld, root, "the top level", top_names, TOP_COUNT,
			fields) < 0)
		return;
	for (unsigned i = 0; i < TOP_COUNT; i++)
		if (fields[i].value == NULL && i != TOP_DEFAULTS &&
		    i != TOP_KEYS)
			load_error(ld, &root->start_mark,
				   "missing field \"%s\"", top_names[i]);
	if (fields[TOP_LANGUAGE].value != NULL) {
		const yaml_node_t *n = fields[TOP_LANGUAGE].value;

		ld->set->language = get_name(ld, n, "language");
		if (ld->set->language != NULL) {
			ld->info->language = xstrdup(ld->set->language);
			ld->info->line = (unsigned)n->start_mark.line + 1;
			ld->info->col = (unsigned)n->start_mark.column + 1;
		}
	}
	if (fields[TOP_NAME].value != NULL)
		ld->set->label = get_text(ld, fields[TOP_NAME].value, "name",
					  MENU_LOAD_MAX_LABEL, true);
	if (fields[TOP_DEFAULTS].value != NULL)
		parse_defaults(ld, fields[TOP_DEFAULTS].value);
	if (fields[TOP_TEXTS].value != NULL)
		parse_texts(ld, &fields[TOP_TEXTS]);
	if (fields[TOP_MENUS].value != NULL)
		menus_ok = parse_menus(ld, &fields[TOP_MENUS]);
	/* Without menus every goto and the start would be reported in vain. */
	if (menus_ok < 0)
		return;
	if (fields[TOP_KEYS].value != NULL)
		globals = parse_keys(ld, fields[TOP_KEYS].value, &nglobals);
	if (fields[TOP_START].value != NULL)
		parse_start(ld, fields[TOP_START].value);
	for (size_t i = 0; i < ld->set->nmenus; i++)
		merge_keys(ld, &ld->set->menus[i], &ld->menu_marks[i], globals,
			   nglobals);
	for (unsigned f = 0; f < MENU_FLOW_COUNT; f++) {
		const char *menu = menu_flow_menu(f);

		if (ld->flow_used[f] && menu != NULL &&
		    menu_set_find(ld->set, menu) == NULL)
			load_error(ld, &ld->flow_mark[f],
				   "key %s starts %s, which needs a menu \"%s\"",
				   ld->flow_key[f], menu_flow_name(f), menu);
	}
	for (size_t i = 0; i < nglobals; i++)
		free(globals[i].action.language);
	free(globals);
}

/* --- reading and parsing --------------------------------------------- */

/* Reads the whole file into sb; -1 after reporting. */
static int read_file(struct loader *ld, struct strbuf *sb)
{
	struct stat st;
	int fd, ret = -1;

	/* O_NONBLOCK: a FIFO named *.yaml must not hang the server. */
	fd = open(ld->file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		load_error_at(ld, 0, 0, "cannot open: %s", strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		load_error_at(ld, 0, 0, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		load_error_at(ld, 0, 0, "not a regular file");
		goto out;
	}
	for (;;) {
		char chunk[MENU_LOAD_READ_CHUNK];
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			load_error_at(ld, 0, 0, "cannot read: %s",
				      strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (sb->len + (size_t)n > MENU_LOAD_MAX_FILE) {
			load_error_at(ld, 0, 0, "file is larger than %d bytes",
				      MENU_LOAD_MAX_FILE);
			goto out;
		}
		strbuf_append(sb, chunk, (size_t)n);
	}
	if (sb->len == 0) {
		load_error_at(ld, 0, 0, "file is empty");
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
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
static int check_utf8(struct loader *ld, const struct strbuf *sb)
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
		load_error_at(ld, line, col, "not valid UTF-8 (byte 0x%02X)",
			      (unsigned char)sb->data[i]);
		return -1;
	}
	return 0;
}

/* Reports libyaml's error, with its position and context. */
static void report_parser_error(struct loader *ld, const yaml_parser_t *p,
				const struct strbuf *sb)
{
	const char *problem = p->problem ? p->problem : "unknown problem";
	unsigned line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		load_error_at(ld, 0, 0, "out of memory while parsing");
		break;
	case YAML_READER_ERROR:
		/* Bad UTF-8 is caught before; this is e.g. a control character. */
		offset_to_mark(sb->data, sb->len, p->problem_offset, &line,
			       &col);
		if (p->problem_value != -1)
			load_error_at(ld, line, col, "%s (0x%02X)", problem,
				      (unsigned)p->problem_value);
		else
			load_error_at(ld, line, col, "%s", problem);
		break;
	default:
		if (p->context != NULL)
			load_error(ld, &p->problem_mark,
				   "syntax error: %s (%s at %zu:%zu)", problem,
				   p->context, p->context_mark.line + 1,
				   p->context_mark.column + 1);
		else
			load_error(ld, &p->problem_mark, "syntax error: %s",
				   problem);
		break;
	}
}

/*
 * First pass over the events: syntax errors, aliases (a few bytes of
 * aliases can expand to gigabytes), nesting deeper than the format needs,
 * more or fewer than one document. Returns -1 after reporting.
 */
static int check_events(struct loader *ld, const struct strbuf *sb)
{
	yaml_parser_t parser;
	yaml_event_t event;
	unsigned depth = 0, docs = 0;
	int ret = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser)) {
		load_error_at(ld, 0, 0, "out of memory while parsing");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)sb->data,
				     sb->len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &event)) {
			report_parser_error(ld, &parser, sb);
			ret = -1;
			break;
		}
		switch (event.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				load_error(ld, &event.start_mark,
					   "only one YAML document is allowed");
				ret = -1;
				done = true;
			}
			break;
		case YAML_ALIAS_EVENT:
			load_error(ld, &event.start_mark,
				   "YAML aliases are not allowed (*%.*s)",
				   MENU_LOAD_MAX_NAME,
				   (const char *)event.data.alias.anchor);
			ret = -1;
			done = true; /* one is enough to say why */
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > MENU_LOAD_MAX_DEPTH) {
				load_error(ld, &event.start_mark,
					   "nested deeper than %d levels",
					   MENU_LOAD_MAX_DEPTH);
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
	if (ret == 0 && docs == 0) {
		load_error_at(ld, 0, 0, "file is empty");
		ret = -1;
	}
	yaml_parser_delete(&parser);
	return ret;
}

/* Loads one file into set, recording what the checks across files need. */
static void load_file(struct loader *ld)
{
	yaml_parser_t parser;
	struct strbuf sb;
	yaml_node_t *root;
	bool loaded = false;

	strbuf_init(&sb);
	if (read_file(ld, &sb) < 0)
		goto out;
	if (sb.len >= 2 &&
	    ((unsigned char)sb.data[0] == 0xfe ||
	     (unsigned char)sb.data[0] == 0xff) &&
	    ((unsigned char)sb.data[1] == 0xfe ||
	     (unsigned char)sb.data[1] == 0xff)) {
		load_error_at(ld, 1, 1, "file is UTF-16; save it as UTF-8");
		goto out;
	}
	if (check_utf8(ld, &sb) < 0 || check_events(ld, &sb) < 0)
		goto out;
	if (!yaml_parser_initialize(&parser)) {
		load_error_at(ld, 0, 0, "out of memory while parsing");
		goto out;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)sb.data,
				     sb.len);
	loaded = yaml_parser_load(&parser, &ld->doc) != 0;
	if (!loaded)
		report_parser_error(ld, &parser, &sb);
	yaml_parser_delete(&parser);
	if (!loaded)
		goto out;
	root = yaml_document_get_root_node(&ld->doc);
	if (root == NULL)
		load_error_at(ld, 0, 0, "file is empty");
	else
		parse_root(ld, root);
out:
	if (loaded)
		yaml_document_delete(&ld->doc);
	free(ld->menu_marks);
	ld->menu_marks = NULL;
	strbuf_fini(&sb);
	load_errors_finish(ld);
}

/* --- files and directories ------------------------------------------- */

/* Frees what the checks across files kept. */
static void file_info_fini(struct file_info *info)
{
	free(info->language);
	for (size_t i = 0; i < info->nrefs; i++) {
		free(info->refs[i].language);
		free(info->refs[i].key);
	}
	free(info->refs);
}

/*
 * Loads each file into a set of cat, then checks language ids across
 * them: unique always, and language actions resolved when
 * check_languages (a directory load).
 */
static void load_files(struct menu_catalog *cat, char **paths, size_t n,
		       bool check_languages, struct menu_errors *errs)
{
	struct file_info *infos = xcalloc(n, sizeof(infos[0]));

	cat->sets = xcalloc(n, sizeof(cat->sets[0]));
	for (size_t i = 0; i < n; i++) {
		struct loader ld = {
			.file = paths[i],
			.errs = errs,
			.first_error = errs->count,
			.set = &cat->sets[cat->nsets++],
			.info = &infos[i],
			.defaults = {
				[NUMBER_TIMEOUT] = MENU_LOAD_DEFAULT_TIMEOUT,
				[NUMBER_MAX_TIMEOUTS] =
					MENU_LOAD_DEFAULT_MAX_TIMEOUTS,
				[NUMBER_MAX_FAILURES] =
					MENU_LOAD_DEFAULT_MAX_FAILURES,
				[NUMBER_INPUT_TIMEOUT] = NUMBER_UNSET,
				[NUMBER_INPUT_MAX_TIMEOUTS] = NUMBER_UNSET,
			},
		};

		ld.set->path = xstrdup(paths[i]);
		load_file(&ld);
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i && infos[i].language != NULL; j++)
			if (infos[j].language != NULL &&
			    strcmp(infos[i].language, infos[j].language) == 0) {
				errors_push(errs, paths[i], infos[i].line,
					    infos[i].col,
					    xasprintf("language \"%s\" is "
						      "already defined in %s",
						      infos[i].language,
						      paths[j]));
				break;
			}
	}
	for (size_t i = 0; i < n; i++)
		for (size_t r = 0; r < infos[i].nrefs; r++) {
			const struct lang_ref *ref = &infos[i].refs[r];
			size_t j;

			for (j = 0; j < n; j++)
				if (infos[j].language != NULL &&
				    strcmp(infos[j].language, ref->language) ==
					    0)
					break;
			if (j < n)
				continue;
			if (check_languages)
				errors_push(errs, paths[i], ref->line, ref->col,
					    xasprintf("key %s switches to "
						      "unknown language \"%s\"",
						      ref->key, ref->language));
			else if (errs->count ==
				 0) /* only for a set that loads */
				warnings_push(
					errs, paths[i], ref->line, ref->col,
					xasprintf("key %s switches to language "
						  "\"%s\", which is not loaded "
						  "with this file: callers "
						  "hear it is not available",
						  ref->key, ref->language));
		}
	for (size_t i = 0; i < n; i++)
		file_info_fini(&infos[i]);
	free(infos);
}

/* Orders file names bytewise, so the order does not depend on the locale. */
static int name_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether a directory entry is a menu file: "*.yaml", not hidden. */
static bool is_menu_file(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 &&
	       strcmp(name + len - 5, ".yaml") == 0;
}

/* Loads every *.yaml in a directory, in name order. */
static void load_directory(struct menu_catalog *cat, const char *dir,
			   struct menu_errors *errs)
{
	const char *sep = dir[0] != '\0' && dir[strlen(dir) - 1] == '/' ? ""
									: "/";
	char **paths = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;

	d = opendir(dir);
	if (d == NULL) {
		errors_push(errs, dir, 0, 0,
			    xasprintf("cannot open: %s", strerror(errno)));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_menu_file(de->d_name))
			continue;
		if (n == MENU_LOAD_MAX_FILES) {
			errors_push(errs, dir, 0, 0,
				    xasprintf("more than %d *.yaml files",
					      MENU_LOAD_MAX_FILES));
			goto out;
		}
		paths = xrealloc(paths, (n + 1) * sizeof(paths[0]));
		paths[n++] = xasprintf("%s%s%s", dir, sep, de->d_name);
	}
	if (n == 0) {
		errors_push(errs, dir, 0, 0,
			    xstrdup("no *.yaml files in directory"));
		goto out;
	}
	qsort(paths, n, sizeof(paths[0]), name_compare);
	load_files(cat, paths, n, true, errs);
out:
	if (d != NULL)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

/* Loads a directory of menu files or one file; NULL with errs filled on error. */
struct menu_catalog *menu_load_path(const char *path, struct menu_errors *errs)
{
	struct menu_catalog *cat = NULL;
	size_t first = errs->count;
	struct stat st;

	if (stat(path, &st) < 0) {
		errors_push(errs, path, 0, 0,
			    xasprintf("cannot open: %s", strerror(errno)));
		goto out;
	}
	cat = menu_catalog_new();
	if (S_ISDIR(st.st_mode)) {
		load_directory(cat, path, errs);
	} else {
		char *paths[] = { (char *)path };

		load_files(cat, paths, 1, false, errs);
	}
	if (errs->count > first) {
		menu_catalog_unref(cat);
		cat = NULL;
	}
out:
	return cat;
}

/* Prints every error as "file:line:col: message", one a line. */
void menu_errors_print(const struct menu_errors *errs, FILE *out)
{
	for (size_t i = 0; i < errs->count; i++) {
		const struct menu_error *e = &errs->items[i];

		if (e->line > 0)
			fprintf(out, "%s:%u:%u: %s\n", e->file, e->line, e->col,
				e->message);
		else
			fprintf(out, "%s: %s\n", e->file, e->message);
	}
	for (size_t i = 0; i < errs->nwarnings; i++) {
		const struct menu_error *w = &errs->warnings[i];

		fprintf(out, "%s:%u:%u: warning: %s\n", w->file, w->line,
			w->col, w->message);
	}
}

/* Starts an empty error list. */
void menu_errors_init(struct menu_errors *errs)
{
	errs->items = NULL;
	errs->count = 0;
	errs->warnings = NULL;
	errs->nwarnings = 0;
}

/* Frees every error. */
void menu_errors_fini(struct menu_errors *errs)
{
	for (size_t i = 0; i < errs->count; i++) {
		free(errs->items[i].file);
		free(errs->items[i].message);
	}
	for (size_t i = 0; i < errs->nwarnings; i++) {
		free(errs->warnings[i].file);
		free(errs->warnings[i].message);
	}
	free(errs->items);
	free(errs->warnings);
	menu_errors_init(errs);
}
