/*
 * jsonbody: a POST's body read as one JSON object, as strictly as the
 * standard reads it, where cJSON alone takes more: valid UTF-8, no
 * control byte but white space, no \u0000 (cJSON would end the string
 * there), no key twice at any depth, nothing after the object but white
 * space. No I/O.
 */
#ifndef HOTLINE_JSONBODY_H
#define HOTLINE_JSONBODY_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The object in len bytes of body (any bytes), or NULL; the caller frees it. */
cJSON *jsonbody_parse(const char *body, size_t len);

#endif
