/*
 * complete: Tab-completion candidates: the chat commands for the first
 * word of a line that starts with '/', the nicknames seen otherwise.
 *
 * Pure: readline's glue lives in term; this only matches strings.
 */
#ifndef HOTLINE_CLIENT_COMPLETE_H
#define HOTLINE_CLIENT_COMPLETE_H

#include <stdbool.h>
#include <stddef.h>

#include "nicks.h"

/*
 * Returns the next candidate completing word, or NULL when there is no
 * more; the caller owns it. *state starts at 0. command: the word is the
 * first on the line. Matching ignores ASCII case.
 */
char *complete_next(const struct nicks *nicks, const char *word, bool command,
		    size_t *state);

#endif
