/*
 * complete: candidates for Tab: chat commands and known nicknames. Knows
 * nothing of readline, the terminal or the server.
 */
#include "complete.h"
#include "mem.h"

#include <string.h>
#include <strings.h>

/* The chat room's commands (PRODUCT.md). */
static const char *const complete_commands[] = {
	"/who", "/nick", "/me", "/msg", "/help", "/menu", "/quit",
};

/* Next candidate after *state; commands for a leading '/', names otherwise. */
char *complete_next(const struct nicks *nicks, const char *word, bool command,
		    size_t *state)
{
	size_t len = strlen(word);

	if (command && word[0] == '/') {
		size_t ncmd = sizeof(complete_commands) /
			      sizeof(complete_commands[0]);

		while (*state < ncmd) {
			const char *c = complete_commands[(*state)++];

			if (strncasecmp(c, word, len) == 0)
				return xstrdup(c);
		}
		return NULL;
	}
	while (*state < nicks_count(nicks)) {
		const char *name = nicks_get(nicks, (*state)++);

		if (strncasecmp(name, word, len) == 0)
			return xstrdup(name);
	}
	return NULL;
}
