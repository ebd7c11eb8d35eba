/*
 * menu_schema: the schema of a menu set, read from a yamldoc document:
 * the top level, the defaults, the named texts and the menus with their
 * numbers (keys and actions are menu_keys'). Every value is checked
 * where it stands and reported at its line and column; names are
 * resolved within the set. Knows nothing of files, directories or
 * sessions.
 */
#include "mem.h"
#include "menu_load_internal.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An input_ number not given: the menu's own number stands for it. */
#define NUMBER_UNSET (-1)

/* A number's name and range. */
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

/* Whether c may be part of a name: ASCII letters, digits, '-', '_', '.'. */
static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* Checks a name and returns a copy the caller owns; NULL after reporting. */
char *menu_schema_name(struct loader *ld, const yaml_node_t *node,
		       const char *what)
{
	char buf[YAMLDOC_QUOTE_BUF];
	size_t len;

	if (!yamldoc_is_string(node)) {
		yamldoc_error(&ld->yd, node, "%s must be a name (got %s)", what,
			      yamldoc_kind(node, buf));
		return NULL;
	}
	len = node->data.scalar.length;
	if (len > MENU_LOAD_MAX_NAME) {
		yamldoc_error(&ld->yd, node, "%s %s is longer than %d bytes",
			      what, yamldoc_quote_node(node, buf),
			      MENU_LOAD_MAX_NAME);
		return NULL;
	}
	for (size_t i = 0; i < len; i++)
		if (!is_name_char(yamldoc_text(node)[i])) {
			yamldoc_error(
				&ld->yd, node,
				"%s %s may only hold ASCII letters, digits, "
				"\"-\", \"_\" and \".\"",
				what, yamldoc_quote_node(node, buf));
			return NULL;
		}
	return xstrndup(yamldoc_text(node), len);
}

/*
 * Checks a text (a menu's, a named one, the set's label) against max
 * bytes and returns a copy the caller owns, or NULL after reporting.
 * Labels may not hold control characters; texts may, but not NUL.
 */
static char *get_text(struct loader *ld, const yaml_node_t *node,
		      const char *what, size_t max, bool is_label)
{
	char buf[YAMLDOC_QUOTE_BUF];
	const char *s;
	size_t len;

	if (!yamldoc_is_string(node)) {
		yamldoc_error(&ld->yd, node, "%s must be a string (got %s)",
			      what, yamldoc_kind(node, buf));
		return NULL;
	}
	s = yamldoc_text(node);
	len = node->data.scalar.length;
	if (len == 0) {
		yamldoc_error(&ld->yd, node, "%s is empty", what);
		return NULL;
	}
	if (len > max) {
		yamldoc_error(&ld->yd, node, "%s is longer than %zu bytes",
			      what, max);
		return NULL;
	}
	if (memchr(s, '\0', len) != NULL) {
		yamldoc_error(&ld->yd, node, "%s contains a NUL character",
			      what);
		return NULL;
	}
	/* libyaml checks its input; this guards against its escapes. */
	if (!utf8_is_valid(s, len)) {
		yamldoc_error(&ld->yd, node, "%s is not valid UTF-8", what);
		return NULL;
	}
	for (size_t i = 0; is_label && i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			yamldoc_error(&ld->yd, node,
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
	char buf[YAMLDOC_QUOTE_BUF];
	long v;

	if (!yamldoc_is_string(node) ||
	    !parse_decimal(yamldoc_text(node), node->data.scalar.length, &v) ||
	    v < nf->min || v > nf->max) {
		yamldoc_error(&ld->yd, node,
			      "%s must be an integer from %d to %d (got %s)",
			      nf->name, nf->min, nf->max,
			      yamldoc_kind(node, buf));
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* Reads the numbers among fields (indexed by enum number) into values. */
static void get_numbers(struct loader *ld, const struct yamldoc_field *fields,
			int *values)
{
	for (unsigned i = 0; i < NUMBER_COUNT; i++)
		if (fields[i].value != NULL)
			get_int(ld, fields[i].value, &number_fields[i],
				&values[i]);
}

/* Whether name is a key of the menus mapping but not a menu of the set. */
bool menu_schema_is_rejected(struct loader *ld, const yaml_node_t *name)
{
	if (ld->menus == NULL)
		return false;
	for (yaml_node_pair_t *p = ld->menus->data.mapping.pairs.start;
	     p < ld->menus->data.mapping.pairs.top; p++) {
		const yaml_node_t *key = yamldoc_node(&ld->yd, p->key);

		if (key->type == YAML_SCALAR_NODE &&
		    key->data.scalar.length == name->data.scalar.length &&
		    memcmp(key->data.scalar.value, name->data.scalar.value,
			   name->data.scalar.length) == 0)
			return true;
	}
	return false;
}

/* --- menus, texts, the top level -------------------------------------- */

/* Parses one menu's fields; its name is already set. */
static void parse_menu(struct loader *ld, struct menu *menu,
		       const yaml_node_t *name_node, const yaml_node_t *node)
{
	struct yamldoc_field fields[MENU_FIELD_COUNT];
	char what[MENU_LOAD_MAX_NAME + 32];
	int numbers[NUMBER_COUNT];
	struct yamldoc_map map = { what, menu_field_names, MENU_FIELD_COUNT,
				   NULL };

	snprintf(what, sizeof(what), "menu \"%s\"", menu->name);
	if (yamldoc_fields(&ld->yd, node, &map, fields) < 0)
		return;
	if (fields[MENU_FIELD_TEXT].value == NULL) {
		yamldoc_error(&ld->yd, name_node, "menu \"%s\" has no text",
			      menu->name);
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
		menu->keys = menu_keys_read(ld, fields[MENU_FIELD_KEYS].value,
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
static int parse_menus(struct loader *ld, const struct yamldoc_field *f)
{
	char buf[YAMLDOC_QUOTE_BUF];
	const yaml_node_t *map = f->value;
	struct menu_set *set = ld->set;
	struct menu **slots = NULL;
	size_t npairs, i = 0;
	int ret = -1;

	if (map->type != YAML_MAPPING_NODE) {
		yamldoc_error(&ld->yd, map, "menus must be a mapping (got %s)",
			      yamldoc_kind(map, buf));
		goto out;
	}
	npairs = yamldoc_pairs(map);
	if (npairs == 0) {
		yamldoc_error(&ld->yd, f->key, "no menus defined");
		goto out;
	}
	if (npairs > MENU_LOAD_MAX_MENUS) {
		yamldoc_error(&ld->yd, f->key, "more than %d menus",
			      MENU_LOAD_MAX_MENUS);
		goto out;
	}
	ld->menus = map;
	set->menus = xcalloc(npairs, sizeof(set->menus[0]));
	ld->menu_marks = xcalloc(npairs, sizeof(ld->menu_marks[0]));
	slots = xcalloc(npairs, sizeof(slots[0]));
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++, i++) {
		yaml_node_t *key = yamldoc_node(&ld->yd, p->key);
		const struct menu *first;
		char *name = menu_schema_name(ld, key, "menu name");

		if (name == NULL)
			continue;
		first = menu_set_find(set, name);
		if (first != NULL) {
			const yaml_mark_t *m =
				&ld->menu_marks[first - set->menus];

			yamldoc_error(&ld->yd, key,
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
			parse_menu(ld, slots[i], yamldoc_node(&ld->yd, p->key),
				   yamldoc_node(&ld->yd, p->value));
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

/* Parses the texts mapping, then checks the required texts are there. */
static void parse_texts(struct loader *ld, const struct yamldoc_field *f)
{
	char buf[YAMLDOC_QUOTE_BUF], what[MENU_LOAD_MAX_NAME + 16];
	const yaml_node_t *map = f->value;
	struct menu_set *set = ld->set;
	yaml_mark_t *marks = NULL;

	if (map->type != YAML_MAPPING_NODE) {
		yamldoc_error(&ld->yd, map, "texts must be a mapping (got %s)",
			      yamldoc_kind(map, buf));
		return;
	}
	if (yamldoc_pairs(map) > MENU_LOAD_MAX_TEXTS) {
		yamldoc_error(&ld->yd, f->key, "more than %d texts",
			      MENU_LOAD_MAX_TEXTS);
		return;
	}
	set->texts = xcalloc(yamldoc_pairs(map), sizeof(set->texts[0]));
	marks = xcalloc(yamldoc_pairs(map), sizeof(marks[0]));
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *key = yamldoc_node(&ld->yd, p->key);
		char *name = menu_schema_name(ld, key, "text name"), *text;
		size_t i;

		if (name == NULL)
			continue;
		for (i = 0; i < set->ntexts; i++)
			if (strcmp(set->texts[i].name, name) == 0)
				break;
		if (i < set->ntexts) {
			yamldoc_error(&ld->yd, key,
				      "duplicate text \"%s\" (first at %zu:%zu)",
				      name, marks[i].line + 1,
				      marks[i].column + 1);
			free(name);
			continue;
		}
		snprintf(what, sizeof(what), "text \"%s\"", name);
		text = get_text(ld, yamldoc_node(&ld->yd, p->value), what,
				MENU_LOAD_MAX_TEXT, false);
		if (text == NULL) {
			free(name);
			continue;
		}
		menu_check_text_fields(ld, name, text,
				       yamldoc_node(&ld->yd, p->value));
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
			yamldoc_error(&ld->yd, f->key, "missing text \"%s\"",
				      menu_text_name(i));
}

/* Parses the defaults mapping into ld->defaults. */
static void parse_defaults(struct loader *ld, const yaml_node_t *node)
{
	const char *names[NUMBER_COUNT];
	struct yamldoc_field fields[NUMBER_COUNT];
	struct yamldoc_map map = { "defaults", names, NUMBER_COUNT, NULL };

	for (unsigned i = 0; i < NUMBER_COUNT; i++)
		names[i] = number_fields[i].name;
	if (yamldoc_fields(&ld->yd, node, &map, fields) < 0)
		return;
	get_numbers(ld, fields, ld->defaults);
}

/* Parses the start field: the name of one of the set's menus. */
static void parse_start(struct loader *ld, const yaml_node_t *node)
{
	char buf[YAMLDOC_QUOTE_BUF];

	if (!yamldoc_is_string(node)) {
		yamldoc_error(&ld->yd, node, "start must name a menu (got %s)",
			      yamldoc_kind(node, buf));
		return;
	}
	ld->set->start = menu_set_find(ld->set, yamldoc_text(node));
	if (ld->set->start == NULL && !menu_schema_is_rejected(ld, node))
		yamldoc_error(&ld->yd, node, "start names unknown menu %s",
			      yamldoc_quote_node(node, buf));
}

/* Builds the set from the document's root mapping. */
void menu_schema_read(struct loader *ld, const yaml_node_t *root)
{
	static const struct yamldoc_map top_map = { "the top level", top_names,
						    TOP_COUNT, NULL };
	struct yamldoc_field fields[TOP_COUNT];
	struct menu_key *globals = NULL;
	size_t nglobals = 0;
	int menus_ok = -1;

	ld->defaults[NUMBER_TIMEOUT] = MENU_LOAD_DEFAULT_TIMEOUT;
	ld->defaults[NUMBER_MAX_TIMEOUTS] = MENU_LOAD_DEFAULT_MAX_TIMEOUTS;
	ld->defaults[NUMBER_MAX_FAILURES] = MENU_LOAD_DEFAULT_MAX_FAILURES;
	ld->defaults[NUMBER_INPUT_TIMEOUT] = NUMBER_UNSET;
	ld->defaults[NUMBER_INPUT_MAX_TIMEOUTS] = NUMBER_UNSET;
	if (yamldoc_fields(&ld->yd, root, &top_map, fields) < 0)
		return;
	for (unsigned i = 0; i < TOP_COUNT; i++)
		if (fields[i].value == NULL && i != TOP_DEFAULTS &&
		    i != TOP_KEYS)
			yamldoc_error(&ld->yd, root, "missing field \"%s\"",
				      top_names[i]);
	if (fields[TOP_LANGUAGE].value != NULL) {
		const yaml_node_t *n = fields[TOP_LANGUAGE].value;

		ld->set->language = menu_schema_name(ld, n, "language");
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
		globals = menu_keys_read(ld, fields[TOP_KEYS].value, &nglobals);
	if (fields[TOP_START].value != NULL)
		parse_start(ld, fields[TOP_START].value);
	for (size_t i = 0; i < ld->set->nmenus; i++)
		menu_keys_merge(ld, &ld->set->menus[i], &ld->menu_marks[i],
				globals, nglobals);
	menu_check_flow_menus(ld);
	for (size_t i = 0; i < nglobals; i++)
		free(globals[i].action.language);
	free(globals);
}
