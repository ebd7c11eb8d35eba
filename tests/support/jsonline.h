/*
 * jsonline: the tests' strict reader of one line of the events file
 * (events_encode's output). cJSON takes what stricter readers refuse:
 * invalid UTF-8, raw control bytes, \u0000 (read as a NUL that ends the
 * string early), a byte order mark, something after the value, and 1.5
 * or 1e3 where an integer belongs. So before and after cJSON reads the
 * line, it is checked here: valid UTF-8, no control byte but its final
 * '\n', no \u0000, one object from its first byte up to that '\n', and
 * every number in it whole and written as digits.
 *
 * A pure function: no cmocka, no abort; the unit tests, the end-to-end
 * test and the fuzzer each report a refusal their own way.
 */
#ifndef HOTLINE_TEST_JSONLINE_H
#define HOTLINE_TEST_JSONLINE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/*
 * Reads line (len bytes, its '\n' the last) as a JSON object. Returns
 * it, owned by the caller (cJSON_Delete), or NULL with *why set to a
 * static sentence naming the rule the line broke.
 */
cJSON *jsonline_read(const char *line, size_t len, const char **why);

#endif
