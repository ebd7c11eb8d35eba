/*
 * menu: lookups in the read-only menu model, the catalog's reference
 * count, and the Graphviz picture of the menu graph. Knows nothing of
 * YAML (menu_load builds the model) nor of sessions.
 */
#include "menu.h"
#include "charset.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

const char *const menu_required_texts[] = {
	"goodbye",     /* "3" and every hang-up the service decides */
	"invalid",     /* a key the menu does not have */
	"timeout",     /* a silence at a menu */
	"unavailable", /* a flow that is not built yet */
	"too_long",    /* a line over the line editor's limit */
	"closing",     /* the service is shutting down */
	"menu_gone",   /* a reload removed the caller's menu */
};
const size_t menu_required_texts_count = ARRAY_LEN(menu_required_texts);

static const char *const menu_chat_texts[] = {
	"chat_banner",       /* on entering: name, commands, how to leave */
	"chat_help",         /* /help */
	"chat_too_long",     /* a line over the chat limit */
	"chat_slow_down",    /* over the flood limit */
	"chat_bad_nick",     /* /nick with a name not allowed */
	"chat_nick_taken",   /* /nick with a name in use */
	"chat_no_such_nick", /* /msg to nobody: {nick} */
	"chat_sent",         /* /msg delivered: {nick} */
	"chat_unknown",      /* an unknown /command: {command} */
	"chat_usage",        /* a command without its arguments: {usage} */
	"chat_idle_warning", /* a minute before the idle limit */
	"chat_removed",      /* dropped from the room for not reading */
	"chat_op_password",  /* a bare /op asks for the password */
	"chat_op_ok",        /* /op accepted */
	"chat_op_refused",   /* /op refused, or no operators on this server */
	"chat_not_op",       /* an operator's command from someone else */
	"chat_wall",         /* an operator's broadcast: {text} */
	"chat_kicked",       /* taken out of the room: {nick} {reason} */
	"chat_muted",        /* a muted member's line went nowhere */
	"chat_op_done",      /* {action} {nick} done */
	NULL,
};
static const char *const menu_no_texts[] = { NULL };
static const char *const menu_wire_texts[] = {
	"wire", /* {local} {peer} {mode} {options} {ttype} {window} {enter} {backspace} {charset} */
	NULL,
};
/* The account flows all start with the query when nobody is logged in. */
static const char *const menu_query_texts[] = {
	"query_number",        /* ask for the phone number */
	"bad_number",          /* not an 11-digit mobile number */
	"query_password",      /* ask for the 6-digit service password */
	"query_wrong",         /* wrong number or password */
	"query_locked",        /* locked: {minutes} */
	"account_balance",     /* {holder} {number} {balance} */
	"account_low_balance", /* a balance under 10 yuan */
	"account_usage", /* {data_used} {data_total} {minutes_used} {minutes_total} */
	"account_plan",        /* {plan} {plan_fee} */
	"account_recent",      /* heading of the last recharges */
	"account_recent_item", /* {date} {amount} {method} */
	"account_recent_none",
	"method_card",   /* {method} for a card recharge */
	"method_amount", /* {method} for one by amount */
	"service_busy",  /* the database failed */
	NULL,
};
static const char *const menu_recharge_texts[] = {
	"recharge_number", /* ask for the number to recharge */
	"bad_number",
	"recharge_no_account", /* no such account */
	"recharge_card",       /* ask for the 16-digit card code */
	"recharge_bad_card",
	"recharge_card_unknown",
	"recharge_card_used",
	"recharge_amount", /* ask for whole yuan, 1-500 */
	"recharge_bad_amount",
	"recharge_confirm", /* {amount} {number}: 1 confirm, 2 cancel */
	"recharge_cancelled",
	"recharge_done", /* {amount} {number} {balance} */
	"service_busy",
	NULL,
};

/* Texts each flow needs from a set that uses it. */
const char *const *menu_flow_texts(enum menu_flow flow)
{
	switch (flow) {
	case MENU_FLOW_CHAT:
		return menu_chat_texts;
	case MENU_FLOW_WIRE:
		return menu_wire_texts;
	case MENU_FLOW_QUERY:
	case MENU_FLOW_BALANCE:
	case MENU_FLOW_USAGE:
	case MENU_FLOW_PLAN:
	case MENU_FLOW_RECENT:
		return menu_query_texts;
	case MENU_FLOW_RECHARGE:
	case MENU_FLOW_CARD:
	case MENU_FLOW_AMOUNT:
		return menu_recharge_texts;
	case MENU_FLOW_COUNT:
		break;
	}
	return menu_no_texts;
}

/* The menu a flow leads to, which a set using it must have; NULL if none. */
const char *menu_flow_menu(enum menu_flow flow)
{
	switch (flow) {
	case MENU_FLOW_QUERY:
		return MENU_ACCOUNT_MENU;
	case MENU_FLOW_RECHARGE:
		return MENU_RECHARGE_MENU;
	default:
		return NULL;
	}
}

/* Replaces "{name}" placeholders from a name/value list. */
void menu_expand(const char *text, const char *const *vars, struct strbuf *out)
{
	const char *p = text;

	while (*p != '\0') {
		const char *open = strchr(p, '{');
		const char *close = open ? strchr(open + 1, '}') : NULL;
		const char *value = NULL;

		if (close == NULL) {
			strbuf_append_str(out, p);
			return;
		}
		for (size_t i = 0; vars != NULL && vars[i] != NULL; i += 2) {
			size_t n = strlen(vars[i]);

			if ((size_t)(close - open - 1) == n &&
			    memcmp(open + 1, vars[i], n) == 0) {
				value = vars[i + 1];
				break;
			}
		}
		strbuf_append(out, p, (size_t)(open - p));
		if (value != NULL)
			strbuf_append_str(out, value);
		else
			strbuf_append(out, open, (size_t)(close - open + 1));
		p = close + 1;
	}
}

/* clang-format off */
static const char *const menu_action_names[] = {
	[MENU_ACTION_GOTO] = "goto",
	[MENU_ACTION_BACK] = "back",
	[MENU_ACTION_HOME] = "home",
	[MENU_ACTION_REPEAT] = "repeat",
	[MENU_ACTION_QUIT] = "quit",
	[MENU_ACTION_LANGUAGE] = "language",
	[MENU_ACTION_FLOW] = "flow",
};
/* clang-format on */
_Static_assert(ARRAY_LEN(menu_action_names) == MENU_ACTION_COUNT,
	       "one name per menu action");

/* clang-format off */
static const char *const menu_flow_names[] = {
	[MENU_FLOW_QUERY] = "query",
	[MENU_FLOW_RECHARGE] = "recharge",
	[MENU_FLOW_CHAT] = "chat",
	[MENU_FLOW_BALANCE] = "balance",
	[MENU_FLOW_USAGE] = "usage",
	[MENU_FLOW_PLAN] = "plan",
	[MENU_FLOW_RECENT] = "recent",
	[MENU_FLOW_CARD] = "card",
	[MENU_FLOW_AMOUNT] = "amount",
	[MENU_FLOW_WIRE] = "wire",
};
/* clang-format on */
_Static_assert(ARRAY_LEN(menu_flow_names) == MENU_FLOW_COUNT,
	       "one name per flow");

/* The name menu files use for an action type; "?" when out of range. */
const char *menu_action_name(enum menu_action_type type)
{
	if ((unsigned)type >= MENU_ACTION_COUNT)
		return "?";
	return menu_action_names[type];
}

/* The name menu files use for a flow; "?" when out of range. */
const char *menu_flow_name(enum menu_flow flow)
{
	if ((unsigned)flow >= MENU_FLOW_COUNT)
		return "?";
	return menu_flow_names[flow];
}

/* Linear search: a set holds a few dozen menus at most. */
const struct menu *menu_set_find(const struct menu_set *set, const char *name)
{
	for (size_t i = 0; i < set->nmenus; i++)
		if (strcmp(set->menus[i].name, name) == 0)
			return &set->menus[i];
	return NULL;
}

/* Orders texts by name for bsearch. */
static int menu_text_compare(const void *a, const void *b)
{
	const struct menu_text *ta = a, *tb = b;

	return strcmp(ta->name, tb->name);
}

/* Binary search in the set's sorted texts. */
const char *menu_set_text(const struct menu_set *set, const char *name)
{
	struct menu_text probe = { .name = (char *)name };
	const struct menu_text *t;

	if (set->ntexts == 0)
		return NULL;
	t = bsearch(&probe, set->texts, set->ntexts, sizeof(set->texts[0]),
		    menu_text_compare);
	return t != NULL ? t->text : NULL;
}

/* Linear search over the menu's keys, comparing len bytes exactly. */
const struct menu_key *menu_find_key(const struct menu *menu, const char *key,
				     size_t len)
{
	if (len == 0 || len >= MENU_KEY_MAX)
		return NULL;
	for (size_t i = 0; i < menu->nkeys; i++) {
		const char *k = menu->keys[i].key;

		if (memcmp(k, key, len) == 0 && k[len] == '\0')
			return &menu->keys[i];
	}
	return NULL;
}

/* Linear search: a catalog holds a handful of sets. */
const struct menu_set *menu_catalog_find(const struct menu_catalog *cat,
					 const char *language)
{
	for (size_t i = 0; i < cat->nsets; i++)
		if (strcmp(cat->sets[i].language, language) == 0)
			return &cat->sets[i];
	return NULL;
}

/* The wanted set, falling back to the first; NULL only for an empty catalog. */
const struct menu_set *menu_catalog_default(const struct menu_catalog *cat,
					    const char *language)
{
	const struct menu_set *set = NULL;

	if (language != NULL)
		set = menu_catalog_find(cat, language);
	if (set == NULL && cat->nsets > 0)
		set = &cat->sets[0];
	return set;
}

/* Returns an empty catalog with one reference; the caller owns it. */
struct menu_catalog *menu_catalog_new(void)
{
	struct menu_catalog *cat = xcalloc(1, sizeof(*cat));

	cat->refs = 1;
	return cat;
}

/* Takes one more reference; returns cat. */
struct menu_catalog *menu_catalog_ref(struct menu_catalog *cat)
{
	cat->refs++;
	return cat;
}

/* Frees one menu's strings and keys; tolerates a half-built menu. */
static void menu_fini(struct menu *menu)
{
	free(menu->name);
	free(menu->text);
	free(menu->invalid);
	for (size_t i = 0; i < menu->nkeys; i++)
		free(menu->keys[i].action.language);
	free(menu->keys);
}

/* Frees one set's contents; tolerates a half-built set from a failed load. */
static void menu_set_fini(struct menu_set *set)
{
	free(set->language);
	free(set->label);
	free(set->path);
	for (size_t i = 0; i < set->nmenus; i++)
		menu_fini(&set->menus[i]);
	free(set->menus);
	for (size_t i = 0; i < set->ntexts; i++) {
		free(set->texts[i].name);
		free(set->texts[i].text);
	}
	free(set->texts);
}

/* Drops one reference, freeing the catalog with the last; NULL is ignored. */
void menu_catalog_unref(struct menu_catalog *cat)
{
	if (cat == NULL || --cat->refs > 0)
		return;
	for (size_t i = 0; i < cat->nsets; i++)
		menu_set_fini(&cat->sets[i]);
	free(cat->sets);
	free(cat);
}

/* --- Graphviz -------------------------------------------------------- */

/* Writes s inside a DOT quoted string: quotes and backslashes escaped. */
static void dot_escape(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20 || c == 0x7f)
			/* the loader rejects these; stay safe */
			fputc(' ', out);
		else
			fputc(c, out);
	}
}

/*
 * Writes a node id "language/kind:name" as a quoted string. Menu names are
 * identifiers without ':', so "flow:" and "action:" ids never clash.
 */
static void dot_id(FILE *out, const char *language, const char *kind,
		   const char *name)
{
	fputc('"', out);
	dot_escape(out, language);
	fputc('/', out);
	dot_escape(out, kind);
	dot_escape(out, name);
	fputc('"', out);
}

/* Whether any key of any menu in the set has this action (and flow). */
static bool set_uses(const struct menu_set *set, enum menu_action_type type,
		     enum menu_flow flow)
{
	for (size_t m = 0; m < set->nmenus; m++)
		for (size_t k = 0; k < set->menus[m].nkeys; k++) {
			const struct menu_action *a =
				&set->menus[m].keys[k].action;

			if (a->type == type &&
			    (type != MENU_ACTION_FLOW || a->flow == flow))
				return true;
		}
	return false;
}

/* Writes one set's cluster: its menus, and the flow and quit nodes it uses. */
static void dot_write_cluster(const struct menu_set *set, size_t index,
			      FILE *out)
{
	fprintf(out, "\tsubgraph cluster_%zu {\n\t\tlabel=\"", index);
	dot_escape(out, set->label);
	fputs(" (", out);
	dot_escape(out, set->language);
	fputs(")\";\n", out);
	for (size_t m = 0; m < set->nmenus; m++) {
		const struct menu *menu = &set->menus[m];

		fputs("\t\t", out);
		dot_id(out, set->language, "", menu->name);
		fputs(" [label=\"", out);
		dot_escape(out, menu->name);
		fputs(menu == set->start ? "\", peripheries=2, style=bold];\n"
					 : "\"];\n",
		      out);
	}
	for (unsigned f = 0; f < MENU_FLOW_COUNT; f++) {
		if (!set_uses(set, MENU_ACTION_FLOW, (enum menu_flow)f))
			continue;
		fputs("\t\t", out);
		dot_id(out, set->language, "flow:", menu_flow_name(f));
		fprintf(out, " [label=\"%s\", shape=box];\n",
			menu_flow_name(f));
	}
	if (set_uses(set, MENU_ACTION_QUIT, MENU_FLOW_COUNT)) {
		fputs("\t\t", out);
		dot_id(out, set->language, "action:", "quit");
		fputs(" [label=\"quit\", shape=box, style=rounded];\n", out);
	}
	fputs("\t}\n", out);
}

/* Writes the start of an edge from a menu, to be followed by the target. */
static void dot_edge_from(const struct menu_set *set, const struct menu *menu,
			  FILE *out)
{
	fputc('\t', out);
	dot_id(out, set->language, "", menu->name);
	fputs(" -> ", out);
}

/* Writes the label attribute of an edge: the key, and a detail if any. */
static void dot_edge_label(const char *key, const char *detail,
			   const char *style, FILE *out)
{
	fputs(" [label=\"", out);
	dot_escape(out, key);
	if (detail != NULL) {
		fputc(' ', out);
		dot_escape(out, detail);
	}
	fputc('"', out);
	if (style != NULL)
		fprintf(out, ", style=%s", style);
	fputs("];\n", out);
}

/*
 * Writes a language edge: to the start menu of the set it switches to, or
 * to a dashed placeholder for a set that is not loaded.
 */
static void dot_write_language_edge(const struct menu_catalog *cat,
				    const struct menu_set *set,
				    const struct menu *menu,
				    const struct menu_key *key, FILE *out)
{
	const struct menu_action *a = &key->action;
	const struct menu_set *to = set;
	const char *cs = a->charset >= 0 ? charset_name(a->charset) : NULL;

	if (a->language != NULL)
		to = menu_catalog_find(cat, a->language);
	if (to == NULL) {
		fputc('\t', out);
		dot_id(out, a->language, "", "?");
		fputs(" [label=\"", out);
		dot_escape(out, a->language);
		fputs(" (not loaded)\", style=dashed];\n", out);
		dot_edge_from(set, menu, out);
		dot_id(out, a->language, "", "?");
	} else {
		dot_edge_from(set, menu, out);
		dot_id(out, to->language, "", to->start->name);
	}
	dot_edge_label(key->key, cs, NULL, out);
}

/*
 * Writes the edges of one menu. "back" and "repeat" depend on where the
 * caller came from or stay put, so they are not drawn; "home" is dashed.
 */
static void dot_write_edges(const struct menu_catalog *cat,
			    const struct menu_set *set, const struct menu *menu,
			    FILE *out)
{
	for (size_t k = 0; k < menu->nkeys; k++) {
		const struct menu_key *key = &menu->keys[k];
		const struct menu_action *a = &key->action;

		switch (a->type) {
		case MENU_ACTION_GOTO:
			dot_edge_from(set, menu, out);
			dot_id(out, set->language, "", a->target->name);
			dot_edge_label(key->key, NULL, NULL, out);
			break;
		case MENU_ACTION_HOME:
			if (menu == set->start)
				break;
			dot_edge_from(set, menu, out);
			dot_id(out, set->language, "", set->start->name);
			dot_edge_label(key->key, NULL, "dashed", out);
			break;
		case MENU_ACTION_QUIT:
			dot_edge_from(set, menu, out);
			dot_id(out, set->language, "action:", "quit");
			dot_edge_label(key->key, NULL, NULL, out);
			break;
		case MENU_ACTION_FLOW:
			dot_edge_from(set, menu, out);
			dot_id(out, set->language,
			       "flow:", menu_flow_name(a->flow));
			dot_edge_label(key->key, NULL, NULL, out);
			break;
		case MENU_ACTION_LANGUAGE:
			dot_write_language_edge(cat, set, menu, key, out);
			break;
		case MENU_ACTION_BACK:
		case MENU_ACTION_REPEAT:
		case MENU_ACTION_COUNT:
			break;
		}
	}
}

/*
 * Writes the menu graph of every set as Graphviz DOT: one cluster per set,
 * edges after all clusters so a cross-set edge does not pull a node into
 * the wrong cluster.
 */
void menu_catalog_write_dot(const struct menu_catalog *cat, FILE *out)
{
	fputs("digraph hotline {\n"
	      "\tgraph [fontname=\"sans-serif\", rankdir=LR];\n"
	      "\tnode [fontname=\"sans-serif\"];\n"
	      "\tedge [fontname=\"sans-serif\"];\n",
	      out);
	for (size_t i = 0; i < cat->nsets; i++)
		dot_write_cluster(&cat->sets[i], i, out);
	for (size_t i = 0; i < cat->nsets; i++) {
		const struct menu_set *set = &cat->sets[i];

		for (size_t m = 0; m < set->nmenus; m++)
			dot_write_edges(cat, set, &set->menus[m], out);
	}
	fputs("}\n", out);
}
