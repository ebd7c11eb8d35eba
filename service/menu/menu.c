/*
 * menu: lookups in the read-only menu model, the catalog's reference
 * count, and the Graphviz picture of the menu graph. Knows nothing of
 * YAML (menu_load builds the model) nor of sessions.
 */
#include "menu.h"
#include "mem.h"
#include "proto/charset.h"
#include "strbuf.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A text's name in menu files and the sets that must carry it. */
struct menu_text_row {
	const char *name;
	unsigned needed_by; /* a bit per enum menu_text_need */
	const char *fields; /* the {fields} it is given, space-separated */
};

/* The bit of one enum menu_text_need in menu_text_row.needed_by. */
#define NEED(n) (1u << (n))
/* clang-format off */
static const struct menu_text_row menu_texts[] = {
	[MENU_TEXT_GOODBYE] = { "goodbye", NEED(MENU_TEXT_NEED_EVERY_SET), "" },
	[MENU_TEXT_INVALID] = { "invalid", NEED(MENU_TEXT_NEED_EVERY_SET), "" },
	[MENU_TEXT_TIMEOUT] = { "timeout", NEED(MENU_TEXT_NEED_EVERY_SET), "" },
	[MENU_TEXT_UNAVAILABLE] = { "unavailable", NEED(MENU_TEXT_NEED_EVERY_SET), "" },
	[MENU_TEXT_TOO_LONG] = { "too_long", NEED(MENU_TEXT_NEED_EVERY_SET), "" },
	[MENU_TEXT_CLOSING] = { "closing", NEED(MENU_TEXT_NEED_EVERY_SET), "" },
	[MENU_TEXT_MENU_GONE] = { "menu_gone", NEED(MENU_TEXT_NEED_EVERY_SET), "" },
	[MENU_TEXT_BUSY] = { "busy", NEED(MENU_TEXT_NEED_EVERY_SET), "" },
	[MENU_TEXT_AYT] = { "ayt", NEED(MENU_TEXT_NEED_EVERY_SET), "" },
	[MENU_TEXT_QUERY_NUMBER] = { "query_number", NEED(MENU_TEXT_NEED_QUERY), "" },
	[MENU_TEXT_BAD_NUMBER] = { "bad_number", NEED(MENU_TEXT_NEED_QUERY) | NEED(MENU_TEXT_NEED_RECHARGE), "" },
	[MENU_TEXT_QUERY_PASSWORD] = { "query_password", NEED(MENU_TEXT_NEED_QUERY), "" },
	[MENU_TEXT_QUERY_WRONG] = { "query_wrong", NEED(MENU_TEXT_NEED_QUERY), "" },
	[MENU_TEXT_QUERY_LOCKED] = { "query_locked", NEED(MENU_TEXT_NEED_QUERY), "minutes" },
	[MENU_TEXT_ACCOUNT_BALANCE] = { "account_balance", NEED(MENU_TEXT_NEED_QUERY), "holder number balance" },
	[MENU_TEXT_ACCOUNT_LOW_BALANCE] = { "account_low_balance", NEED(MENU_TEXT_NEED_QUERY), "" },
	[MENU_TEXT_ACCOUNT_USAGE] = { "account_usage", NEED(MENU_TEXT_NEED_QUERY), "data_used data_total minutes_used minutes_total" },
	[MENU_TEXT_ACCOUNT_PLAN] = { "account_plan", NEED(MENU_TEXT_NEED_QUERY), "plan plan_fee" },
	[MENU_TEXT_ACCOUNT_RECENT] = { "account_recent", NEED(MENU_TEXT_NEED_QUERY), "" },
	[MENU_TEXT_ACCOUNT_RECENT_ITEM] = { "account_recent_item", NEED(MENU_TEXT_NEED_QUERY), "date amount method" },
	[MENU_TEXT_ACCOUNT_RECENT_NONE] = { "account_recent_none", NEED(MENU_TEXT_NEED_QUERY), "" },
	[MENU_TEXT_METHOD_CARD] = { "method_card", NEED(MENU_TEXT_NEED_QUERY), "" },
	[MENU_TEXT_METHOD_AMOUNT] = { "method_amount", NEED(MENU_TEXT_NEED_QUERY), "" },
	[MENU_TEXT_SERVICE_BUSY] = { "service_busy", NEED(MENU_TEXT_NEED_QUERY) | NEED(MENU_TEXT_NEED_RECHARGE), "" },
	[MENU_TEXT_RECHARGE_NUMBER] = { "recharge_number", NEED(MENU_TEXT_NEED_RECHARGE), "" },
	[MENU_TEXT_RECHARGE_NO_ACCOUNT] = { "recharge_no_account", NEED(MENU_TEXT_NEED_RECHARGE), "" },
	[MENU_TEXT_RECHARGE_CARD] = { "recharge_card", NEED(MENU_TEXT_NEED_RECHARGE), "" },
	[MENU_TEXT_RECHARGE_BAD_CARD] = { "recharge_bad_card", NEED(MENU_TEXT_NEED_RECHARGE), "" },
	[MENU_TEXT_RECHARGE_CARD_UNKNOWN] = { "recharge_card_unknown", NEED(MENU_TEXT_NEED_RECHARGE), "" },
	[MENU_TEXT_RECHARGE_CARD_USED] = { "recharge_card_used", NEED(MENU_TEXT_NEED_RECHARGE), "" },
	[MENU_TEXT_RECHARGE_AMOUNT] = { "recharge_amount", NEED(MENU_TEXT_NEED_RECHARGE), "" },
	[MENU_TEXT_RECHARGE_BAD_AMOUNT] = { "recharge_bad_amount", NEED(MENU_TEXT_NEED_RECHARGE), "" },
	[MENU_TEXT_RECHARGE_CONFIRM] = { "recharge_confirm", NEED(MENU_TEXT_NEED_RECHARGE), "number amount" },
	[MENU_TEXT_RECHARGE_CANCELLED] = { "recharge_cancelled", NEED(MENU_TEXT_NEED_RECHARGE), "" },
	[MENU_TEXT_RECHARGE_DONE] = { "recharge_done", NEED(MENU_TEXT_NEED_RECHARGE), "number amount balance" },
	[MENU_TEXT_CHAT_BANNER] = { "chat_banner", NEED(MENU_TEXT_NEED_CHAT), "nick" },
	[MENU_TEXT_CHAT_HELP] = { "chat_help", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_TOO_LONG] = { "chat_too_long", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_SLOW_DOWN] = { "chat_slow_down", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_BAD_NICK] = { "chat_bad_nick", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_NICK_TAKEN] = { "chat_nick_taken", NEED(MENU_TEXT_NEED_CHAT), "nick" },
	[MENU_TEXT_CHAT_NO_SUCH_NICK] = { "chat_no_such_nick", NEED(MENU_TEXT_NEED_CHAT), "nick" },
	[MENU_TEXT_CHAT_SENT] = { "chat_sent", NEED(MENU_TEXT_NEED_CHAT), "nick" },
	[MENU_TEXT_CHAT_UNKNOWN] = { "chat_unknown", NEED(MENU_TEXT_NEED_CHAT), "command" },
	[MENU_TEXT_CHAT_USAGE] = { "chat_usage", NEED(MENU_TEXT_NEED_CHAT), "usage" },
	[MENU_TEXT_CHAT_IDLE_WARNING] = { "chat_idle_warning", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_REMOVED] = { "chat_removed", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_OP_PASSWORD] = { "chat_op_password", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_OP_OK] = { "chat_op_ok", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_OP_REFUSED] = { "chat_op_refused", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_NOT_OP] = { "chat_not_op", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_WALL] = { "chat_wall", NEED(MENU_TEXT_NEED_CHAT), "text" },
	[MENU_TEXT_CHAT_KICKED] = { "chat_kicked", NEED(MENU_TEXT_NEED_CHAT), "nick reason" },
	[MENU_TEXT_CHAT_MUTED] = { "chat_muted", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_OP_DONE] = { "chat_op_done", NEED(MENU_TEXT_NEED_CHAT), "action nick" },
	[MENU_TEXT_CHAT_JOINED] = { "chat_joined", NEED(MENU_TEXT_NEED_CHAT), "nick" },
	[MENU_TEXT_CHAT_LEFT_HUNG_UP] = { "chat_left_hung_up", NEED(MENU_TEXT_NEED_CHAT), "nick" },
	[MENU_TEXT_CHAT_LEFT_MENU] = { "chat_left_menu", NEED(MENU_TEXT_NEED_CHAT), "nick" },
	[MENU_TEXT_CHAT_LEFT_IDLE] = { "chat_left_idle", NEED(MENU_TEXT_NEED_CHAT), "nick" },
	[MENU_TEXT_CHAT_LEFT_SLOW] = { "chat_left_slow", NEED(MENU_TEXT_NEED_CHAT), "nick" },
	[MENU_TEXT_CHAT_LEFT_KICKED] = { "chat_left_kicked", NEED(MENU_TEXT_NEED_CHAT), "nick by" },
	[MENU_TEXT_CHAT_LEFT_KICKED_WHY] = { "chat_left_kicked_why", NEED(MENU_TEXT_NEED_CHAT), "nick by reason" },
	[MENU_TEXT_CHAT_LEFT_CLOSING] = { "chat_left_closing", NEED(MENU_TEXT_NEED_CHAT), "nick" },
	[MENU_TEXT_CHAT_RENAMED] = { "chat_renamed", NEED(MENU_TEXT_NEED_CHAT), "old nick" },
	[MENU_TEXT_CHAT_PRIVATE] = { "chat_private", NEED(MENU_TEXT_NEED_CHAT), "time nick text" },
	[MENU_TEXT_CHAT_NOTICE] = { "chat_notice", NEED(MENU_TEXT_NEED_CHAT), "text" },
	[MENU_TEXT_CHAT_WHO] = { "chat_who", NEED(MENU_TEXT_NEED_CHAT), "count" },
	[MENU_TEXT_CHAT_WHO_ROW] = { "chat_who_row", NEED(MENU_TEXT_NEED_CHAT), "nick idle" },
	[MENU_TEXT_CHAT_SECONDS] = { "chat_seconds", NEED(MENU_TEXT_NEED_CHAT), "n" },
	[MENU_TEXT_CHAT_MINUTES] = { "chat_minutes", NEED(MENU_TEXT_NEED_CHAT), "n" },
	[MENU_TEXT_CHAT_HOURS] = { "chat_hours", NEED(MENU_TEXT_NEED_CHAT), "n" },
	[MENU_TEXT_CHAT_OP_WHO] = { "chat_op_who", NEED(MENU_TEXT_NEED_CHAT), "count" },
	[MENU_TEXT_CHAT_OP_WHO_ROW] = { "chat_op_who_row", NEED(MENU_TEXT_NEED_CHAT), "id peer state nick failures idle role" },
	[MENU_TEXT_CHAT_OP_ROLE] = { "chat_op_role", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_SYNTAX_MSG] = { "chat_syntax_msg", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_SYNTAX_NICK] = { "chat_syntax_nick", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_SYNTAX_ME] = { "chat_syntax_me", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_SYNTAX_KICK] = { "chat_syntax_kick", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_SYNTAX_MUTE] = { "chat_syntax_mute", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_SYNTAX_UNMUTE] = { "chat_syntax_unmute", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_CHAT_SYNTAX_WALL] = { "chat_syntax_wall", NEED(MENU_TEXT_NEED_CHAT), "" },
	[MENU_TEXT_WIRE] = { "wire", NEED(MENU_TEXT_NEED_WIRE), "local peer transport browser mode options ttype window enter backspace charset" },
	[MENU_TEXT_RELOADED] = { "reloaded", 0, "" },
	[MENU_TEXT_LANGUAGE_UNAVAILABLE] = { "language_unavailable", 0, "" },
	[MENU_TEXT_WIRE_CHAR_MODE] = { "wire_char_mode", NEED(MENU_TEXT_NEED_WIRE), "" },
	[MENU_TEXT_WIRE_LINE_MODE] = { "wire_line_mode", NEED(MENU_TEXT_NEED_WIRE), "" },
	[MENU_TEXT_WIRE_NO_ENTER] = { "wire_no_enter", 0, "" },
	[MENU_TEXT_WIRE_NO_BACKSPACE] = { "wire_no_backspace", 0, "" },
	[MENU_TEXT_WIRE_TELNET] = { "wire_telnet", NEED(MENU_TEXT_NEED_WIRE), "" },
	[MENU_TEXT_WIRE_WEBSOCKET] = { "wire_websocket", NEED(MENU_TEXT_NEED_WIRE), "" },
};
/* clang-format on */
static_assert(ARRAY_LEN(menu_texts) == MENU_TEXT_COUNT,
	      "every text the service says needs its name");
/* The name of a text in menu files. */
const char *menu_text_name(enum menu_text_id id)
{
	if ((unsigned)id >= MENU_TEXT_COUNT)
		return NULL;
	return menu_texts[id].name;
}

/* The fields a text is given, for the loader's checks. */
const char *menu_text_fields(enum menu_text_id id)
{
	if ((unsigned)id >= MENU_TEXT_COUNT)
		return NULL;
	return menu_texts[id].fields;
}

/* The service text of that name; a set's other texts are its own. */
enum menu_text_id menu_text_by_name(const char *name)
{
	for (unsigned i = 0; i < MENU_TEXT_COUNT; i++)
		if (strcmp(menu_texts[i].name, name) == 0)
			return (enum menu_text_id)i;
	return MENU_TEXT_COUNT;
}

/* Whether a set with this need must carry the text. */
bool menu_text_needed(enum menu_text_id id, enum menu_text_need need)
{
	if ((unsigned)id >= MENU_TEXT_COUNT)
		return false;
	return (menu_texts[id].needed_by & NEED(need)) != 0;
}

/* The account flows all start with the query when nobody is logged in. */
enum menu_text_need menu_flow_text_need(enum menu_flow flow)
{
	switch (flow) {
	case MENU_FLOW_CHAT:
		return MENU_TEXT_NEED_CHAT;
	case MENU_FLOW_WIRE:
		return MENU_TEXT_NEED_WIRE;
	case MENU_FLOW_QUERY:
	case MENU_FLOW_BALANCE:
	case MENU_FLOW_USAGE:
	case MENU_FLOW_PLAN:
	case MENU_FLOW_RECENT:
		return MENU_TEXT_NEED_QUERY;
	case MENU_FLOW_RECHARGE:
	case MENU_FLOW_CARD:
	case MENU_FLOW_AMOUNT:
		return MENU_TEXT_NEED_RECHARGE;
	case MENU_FLOW_COUNT:
		break;
	}
	return MENU_TEXT_NEED_COUNT; /* no text carries this need */
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

/* One of the service's texts in the set, by its declared id. */
const char *menu_set_text_of(const struct menu_set *set, enum menu_text_id id)
{
	const char *name = menu_text_name(id);

	return name != NULL ? menu_set_text(set, name) : NULL;
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
	const char *cs = a->charset != NULL ? charset_name(a->charset) : NULL;

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
