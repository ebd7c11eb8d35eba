/*
 * menu_keys: the keys of a menu set, the file's global ones and each
 * menu's, and the action each key runs: a bare name (back, quit, a
 * flow), {goto: MENU} or {language: ID, charset: NAME}. A key is one
 * printable character; a goto must name a menu of the set; a charset
 * any encoding iconv knows that keeps ASCII. Knows nothing of files or
 * sessions.
 */
#include "mem.h"
#include "menu_load_internal.h"
#include "proto/charset.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

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

/* Reports an action name that is not one; key is already quoted. */
static void unknown_action(struct loader *ld, const char *key,
			   const yaml_node_t *node)
{
	char buf[YAMLDOC_QUOTE_BUF];
	struct strbuf sb;

	if (yamldoc_equals(node, "goto") || yamldoc_equals(node, "language") ||
	    yamldoc_equals(node, "charset")) {
		yamldoc_error(&ld->yd, node,
			      "key %s: action \"%s\" needs a value, as in "
			      "{%s: %s}",
			      key, yamldoc_text(node), yamldoc_text(node),
			      yamldoc_equals(node, "goto") ? "MENU" : "NAME");
		return;
	}
	strbuf_init(&sb);
	for (size_t i = 0; i < ARRAY_LEN(simple_actions); i++)
		strbuf_printf(&sb, "%s, ", menu_action_name(simple_actions[i]));
	for (unsigned f = 0; f < MENU_FLOW_COUNT; f++)
		strbuf_printf(&sb, "%s, ", menu_flow_name(f));
	yamldoc_error(
		&ld->yd, node,
		"key %s has unknown action %s (expected %sgoto or language)",
		key, yamldoc_quote_node(node, buf), sb.data);
	strbuf_fini(&sb);
}

/* Parses a bare action name. */
static int parse_simple_action(struct loader *ld, const char *key,
			       const yaml_node_t *node, struct menu_action *a)
{
	for (size_t i = 0; i < ARRAY_LEN(simple_actions); i++)
		if (yamldoc_equals(node, menu_action_name(simple_actions[i]))) {
			a->type = simple_actions[i];
			return 0;
		}
	for (unsigned f = 0; f < MENU_FLOW_COUNT; f++)
		if (yamldoc_equals(node, menu_flow_name(f))) {
			a->type = MENU_ACTION_FLOW;
			a->flow = f;
			menu_check_flow_texts(ld, key, node, f);
			return 0;
		}
	unknown_action(ld, key, node);
	return -1;
}

/* Parses {goto: MENU}; the menu must be one of the set's. */
static int parse_goto(struct loader *ld, const char *key,
		      const yaml_node_t *node, struct menu_action *a)
{
	char buf[YAMLDOC_QUOTE_BUF];

	if (!yamldoc_is_string(node)) {
		yamldoc_error(&ld->yd, node,
			      "key %s: goto must name a menu (got %s)", key,
			      yamldoc_kind(node, buf));
		return -1;
	}
	a->type = MENU_ACTION_GOTO;
	a->target = menu_set_find(ld->set, yamldoc_text(node));
	if (a->target == NULL && !menu_schema_is_rejected(ld, node))
		yamldoc_error(&ld->yd, node, "key %s goes to unknown menu %s",
			      key, yamldoc_quote_node(node, buf));
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
	char buf[YAMLDOC_QUOTE_BUF];
	enum charset_status st = CHARSET_BAD_NAME;

	/* A NUL inside would cut the name short: no encoding has one. */
	if (strlen(yamldoc_text(node)) == node->data.scalar.length)
		st = charset_lookup(yamldoc_text(node), out);

	switch (st) {
	case CHARSET_OK:
		return 0;
	case CHARSET_BAD_NAME:
		yamldoc_error(&ld->yd, node,
			      "key %s: charset %s is not an encoding name (ASCII "
			      "letters, digits, \"-\", \"_\", \".\", \":\")",
			      key, yamldoc_quote_node(node, buf));
		break;
	case CHARSET_UNKNOWN:
		yamldoc_error(
			&ld->yd, node,
			"key %s has unknown charset %s (iconv does not know "
			"it; iconv -l lists the names it does)",
			key, yamldoc_quote_node(node, buf));
		break;
	case CHARSET_NOT_ASCII:
		yamldoc_error(&ld->yd, node,
			      "key %s: charset %s does not keep ASCII as it is "
			      "(keys, Enter and telnet need it)",
			      key, yamldoc_quote_node(node, buf));
		break;
	case CHARSET_TOO_MANY:
		yamldoc_error(
			&ld->yd, node,
			"key %s: charset %s is one encoding too many (at "
			"most %d, UTF-8 included, until hotlined restarts)",
			key, yamldoc_quote_node(node, buf), CHARSET_MAX);
		break;
	}
	return -1;
}

/* Parses {language: ID, charset: NAME}, either part optional. */
static int parse_language(struct loader *ld, const char *key,
			  const struct yamldoc_field *fields,
			  struct menu_action *a)
{
	char buf[YAMLDOC_QUOTE_BUF];
	const yaml_node_t *lang = fields[ACTION_LANGUAGE].value;
	const yaml_node_t *cs = fields[ACTION_CHARSET].value;
	int ret = 0;

	a->type = MENU_ACTION_LANGUAGE;
	if (lang != NULL) {
		a->language = menu_schema_name(ld, lang, "language");
		if (a->language == NULL)
			ret = -1;
		else
			menu_check_note_language(ld, a->language, key, lang);
	}
	if (cs != NULL && !yamldoc_is_string(cs)) {
		yamldoc_error(&ld->yd, cs,
			      "key %s: charset must be a name (got %s)", key,
			      yamldoc_kind(cs, buf));
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
	static const struct yamldoc_map action_map = {
		"action", action_field_names, ACTION_FIELD_COUNT, NULL
	};
	char buf[YAMLDOC_QUOTE_BUF];
	struct yamldoc_field fields[ACTION_FIELD_COUNT];
	struct strbuf sb;

	memset(a, 0, sizeof(*a));
	if (yamldoc_is_null(node)) {
		yamldoc_error(&ld->yd, node, "key %s has no action", key);
		return -1;
	}
	if (node->type == YAML_SCALAR_NODE)
		return parse_simple_action(ld, key, node, a);
	if (node->type != YAML_MAPPING_NODE) {
		yamldoc_error(
			&ld->yd, node,
			"key %s: action must be a name or a mapping (got %s)",
			key, yamldoc_kind(node, buf));
		return -1;
	}
	if (yamldoc_fields(&ld->yd, node, &action_map, fields) < 0)
		return -1;
	if (fields[ACTION_GOTO].key != NULL) {
		const struct yamldoc_field *other =
			fields[ACTION_LANGUAGE].key != NULL
				? &fields[ACTION_LANGUAGE]
				: &fields[ACTION_CHARSET];

		if (other->key != NULL) {
			yamldoc_error(&ld->yd, other->key,
				      "key %s: goto cannot be combined with %s",
				      key, yamldoc_text(other->key));
			return -1;
		}
		return parse_goto(ld, key, fields[ACTION_GOTO].value, a);
	}
	if (fields[ACTION_LANGUAGE].key != NULL ||
	    fields[ACTION_CHARSET].key != NULL)
		return parse_language(ld, key, fields, a);
	if (yamldoc_pairs(node) == 0) {
		strbuf_init(&sb);
		yamldoc_join_names(&sb, action_field_names, ACTION_FIELD_COUNT);
		yamldoc_error(&ld->yd, node,
			      "key %s has an empty action (expected %s)", key,
			      sb.data);
		strbuf_fini(&sb);
	}
	/* Otherwise only unknown fields, reported by yamldoc_fields. */
	return -1;
}

/* Checks a key name: exactly one printable UTF-8 character, not a space. */
static int check_key(struct loader *ld, const yaml_node_t *node)
{
	char buf[YAMLDOC_QUOTE_BUF];
	uint32_t cp;
	size_t len;

	if (node->type != YAML_SCALAR_NODE) {
		yamldoc_error(&ld->yd, node,
			      "a key must be one character (got %s)",
			      yamldoc_kind(node, buf));
		return -1;
	}
	len = node->data.scalar.length;
	if (len == 0 || len >= MENU_KEY_MAX ||
	    utf8_decode(yamldoc_text(node), len, &cp) != len) {
		yamldoc_error(&ld->yd, node,
			      "key %s must be exactly one character",
			      yamldoc_quote_node(node, buf));
		return -1;
	}
	if (cp <= 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0xa0)) {
		yamldoc_error(&ld->yd, node,
			      "key %s must be a printable character, not a space "
			      "or control",
			      yamldoc_quote_node(node, buf));
		return -1;
	}
	return 0;
}

/* Parses a keys mapping into a new array the caller owns. */
struct menu_key *menu_keys_read(struct loader *ld, const yaml_node_t *map,
				size_t *nkeys)
{
	char buf[YAMLDOC_QUOTE_BUF], qkey[YAMLDOC_QUOTE_BUF];
	struct menu_key *keys = NULL;
	yaml_mark_t *marks = NULL;
	size_t n = 0;

	*nkeys = 0;
	if (map->type != YAML_MAPPING_NODE) {
		yamldoc_error(&ld->yd, map, "keys must be a mapping (got %s)",
			      yamldoc_kind(map, buf));
		goto out;
	}
	if (yamldoc_pairs(map) > MENU_LOAD_MAX_KEYS) {
		yamldoc_error(&ld->yd, map, "more than %d keys",
			      MENU_LOAD_MAX_KEYS);
		goto out;
	}
	keys = xcalloc(yamldoc_pairs(map), sizeof(keys[0]));
	marks = xcalloc(yamldoc_pairs(map), sizeof(marks[0]));
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *key = yamldoc_node(&ld->yd, p->key);
		size_t i;

		if (check_key(ld, key) < 0)
			continue;
		yamldoc_quote_node(key, qkey);
		for (i = 0; i < n; i++)
			if (strcmp(keys[i].key, yamldoc_text(key)) == 0)
				break;
		if (i < n) {
			yamldoc_error(&ld->yd, key,
				      "duplicate key %s (first at %zu:%zu)",
				      qkey, marks[i].line + 1,
				      marks[i].column + 1);
			continue;
		}
		if (parse_action(ld, qkey, yamldoc_node(&ld->yd, p->value),
				 &keys[n].action) < 0) {
			free(keys[n].action.language);
			continue;
		}
		memcpy(keys[n].key, yamldoc_text(key),
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
void menu_keys_merge(struct loader *ld, struct menu *menu,
		     const yaml_mark_t *mark, const struct menu_key *globals,
		     size_t nglobals)
{
	size_t n = menu->nkeys, own = menu->nkeys;

	for (size_t g = 0; g < nglobals; g++)
		if (!has_key(menu, own, globals[g].key))
			n++;
	if (n > MENU_LOAD_MAX_KEYS) {
		yamldoc_error_mark(&ld->yd, mark,
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
