/*
 * menu_load_internal: what the files of the menu loader share and nobody
 * else may call. menu_load.c loads files and keeps the error list,
 * menu_dir.c lists a directory, menu_schema.c reads a set's top level,
 * defaults, texts and menus, menu_keys.c its keys and actions, and
 * menu_check.c the checks that need more than one node: flows' texts and
 * menus, language ids across files. The YAML itself is yamldoc's.
 */
#ifndef HOTLINE_MENU_LOAD_INTERNAL_H
#define HOTLINE_MENU_LOAD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "menu.h"
#include "menu_load.h"
#include "yamldoc.h"

/* The numbers a menu has, settable per menu and in the file's defaults. */
enum number {
	NUMBER_TIMEOUT,
	NUMBER_MAX_TIMEOUTS,
	NUMBER_MAX_FAILURES,
	NUMBER_INPUT_TIMEOUT,
	NUMBER_INPUT_MAX_TIMEOUTS,
	NUMBER_COUNT,
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
	struct menu_errors *errs; /* for warnings; errors go through yd */
	struct yamldoc yd;
	struct menu_set *set;
	struct file_info *info;
	yaml_mark_t *menu_marks;  /* where each of set->menus was named */
	const yaml_node_t *menus; /* the menus mapping, once it is read */
	int defaults[NUMBER_COUNT];
	bool texts_checked[MENU_TEXT_NEED_COUNT]; /* a flow's texts, done */
	bool flow_used[MENU_FLOW_COUNT];
	yaml_mark_t flow_mark[MENU_FLOW_COUNT]; /* first key starting each flow */
	char flow_key[MENU_FLOW_COUNT][YAMLDOC_QUOTE_BUF];
};

/* menu_load.c: appends an error or a warning; takes ownership of message. */
void menu_load_push_error(struct menu_errors *errs, const char *file,
			  unsigned line, unsigned col, char *message);
void menu_load_push_warning(struct menu_errors *errs, const char *file,
			    unsigned line, unsigned col, char *message);

/*
 * menu_dir.c: the paths of every *.yaml in dir, in name order, into a new
 * array the caller frees with each path; -1 after pushing an error about
 * the directory.
 */
int menu_dir_list(const char *dir, char ***paths, size_t *n,
		  struct menu_errors *errs);

/* menu_schema.c: builds ld->set from the document's root node. */
void menu_schema_read(struct loader *ld, const yaml_node_t *root);
/*
 * Checks a name (language id, menu name, text name) and returns a copy the
 * caller owns, or NULL after reporting why it is not one.
 */
char *menu_schema_name(struct loader *ld, const yaml_node_t *node,
		       const char *what);
/*
 * Whether name is a key of the menus mapping although not a menu of the
 * set: its name was rejected already, so "unknown menu" would only repeat.
 */
bool menu_schema_is_rejected(struct loader *ld, const yaml_node_t *name);

/*
 * menu_keys.c: parses a keys mapping into a new array the caller owns
 * (NULL with *nkeys 0 when empty or broken). Bad keys are reported and
 * left out.
 */
struct menu_key *menu_keys_read(struct loader *ld, const yaml_node_t *map,
				size_t *nkeys);
/* Adds the file's global keys to a menu, except keys it defines itself. */
void menu_keys_merge(struct loader *ld, struct menu *menu,
		     const yaml_mark_t *mark, const struct menu_key *globals,
		     size_t nglobals);

/* menu_check.c: a key starts a flow, whose texts the set must have. */
void menu_check_flow_texts(struct loader *ld, const char *key,
			   const yaml_node_t *node, enum menu_flow flow);
/* The menus of the flows the set's keys start must be in the set. */
void menu_check_flow_menus(struct loader *ld);
/*
 * A service text may only use the fields its flow fills in: an error
 * names any other; a field it leaves out is a warning. value is where
 * the text stands.
 */
void menu_check_text_fields(struct loader *ld, const char *name,
			    const char *text, const yaml_node_t *value);
/* Remembers a language action for menu_check_languages. */
void menu_check_note_language(struct loader *ld, const char *language,
			      const char *key, const yaml_node_t *node);
/*
 * Checks language ids across the files: unique always, and language
 * actions resolved when check_refs (a directory load; a single file only
 * gets warnings, and only when it loads).
 */
void menu_check_languages(char **paths, const struct file_info *infos, size_t n,
			  bool check_refs, struct menu_errors *errs);
/* Frees what the checks across files kept. */
void menu_check_info_fini(struct file_info *info);

#endif
