/*
 * menu_check: the checks of a menu set that need more than the node at
 * hand: the texts and menus a flow needs once a key starts it, the
 * {fields} a service text may show, and language ids across the files
 * of a catalog (unique, and every language action resolved). Errors are
 * reported at the node that makes the check fail. Knows nothing of files
 * or sessions.
 */
#include "mem.h"
#include "menu_load_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- flows --------------------------------------------------------------- */

/*
 * A flow's texts must be in a set that uses it (texts are read before
 * menus). Checked once per list of texts, at the first key needing it;
 * the flow's first key is kept for checking its menu later.
 */
void menu_check_flow_texts(struct loader *ld, const char *key,
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
			yamldoc_error(
				&ld->yd, node,
				"key %s starts %s, which needs text \"%s\"",
				key, menu_flow_name(flow), menu_text_name(i));
}

/* The menus of the flows the set's keys start must be in the set. */
void menu_check_flow_menus(struct loader *ld)
{
	for (unsigned f = 0; f < MENU_FLOW_COUNT; f++) {
		const char *menu = menu_flow_menu(f);

		if (ld->flow_used[f] && menu != NULL &&
		    menu_set_find(ld->set, menu) == NULL)
			yamldoc_error_mark(
				&ld->yd, &ld->flow_mark[f],
				"key %s starts %s, which needs a menu \"%s\"",
				ld->flow_key[f], menu_flow_name(f), menu);
	}
}

/* --- texts' fields ------------------------------------------------------- */

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
void menu_check_text_fields(struct loader *ld, const char *name,
			    const char *text, const yaml_node_t *value)
{
	enum menu_text_id id = menu_text_by_name(name);
	const char *fields, *p = text, *field;
	size_t len;

	if (id == MENU_TEXT_COUNT)
		return;
	fields = menu_text_fields(id);
	while (next_field(&p, &field, &len))
		if (!field_listed(fields, field, len))
			yamldoc_error(&ld->yd, value,
				      "text \"%s\" has no field {%.*s}%s%s%s",
				      name, (int)len, field,
				      fields[0] ? " (its fields: " : "", fields,
				      fields[0] ? ")" : "");
	for (p = fields; *p != '\0'; p += strspn(p, " ")) {
		len = strcspn(p, " ");
		if (!text_shows(text, p, len))
			menu_load_push_warning(
				ld->errs, ld->file,
				(unsigned)value->start_mark.line + 1,
				(unsigned)value->start_mark.column + 1,
				xasprintf("text \"%s\" does not show "
					  "{%.*s}",
					  name, (int)len, p));
		p += len;
	}
}

/* --- languages across files --------------------------------------------- */

/* Remembers a language action for the checks across files. */
void menu_check_note_language(struct loader *ld, const char *language,
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

/* Checks language ids across the files; see menu_load_internal.h. */
void menu_check_languages(char **paths, const struct file_info *infos, size_t n,
			  bool check_refs, struct menu_errors *errs)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i && infos[i].language != NULL; j++)
			if (infos[j].language != NULL &&
			    strcmp(infos[i].language, infos[j].language) == 0) {
				menu_load_push_error(
					errs, paths[i], infos[i].line,
					infos[i].col,
					xasprintf("language \"%s\" is "
						  "already defined in %s",
						  infos[i].language, paths[j]));
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
			if (check_refs)
				menu_load_push_error(
					errs, paths[i], ref->line, ref->col,
					xasprintf("key %s switches to "
						  "unknown language \"%s\"",
						  ref->key, ref->language));
			else if (errs->count ==
				 0) /* only for a set that loads */
				menu_load_push_warning(
					errs, paths[i], ref->line, ref->col,
					xasprintf("key %s switches to language "
						  "\"%s\", which is not loaded "
						  "with this file: callers "
						  "hear it is not available",
						  ref->key, ref->language));
		}
}

/* Frees what the checks across files kept. */
void menu_check_info_fini(struct file_info *info)
{
	free(info->language);
	for (size_t i = 0; i < info->nrefs; i++) {
		free(info->refs[i].language);
		free(info->refs[i].key);
	}
	free(info->refs);
}
