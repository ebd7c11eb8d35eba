/*
 * jsonbody: a POST's body read as one JSON object, refusing what cJSON
 * alone would take: invalid UTF-8, a control byte but white space, an
 * escape that is none of JSON's, \u0000 (cJSON would end the string
 * there), a key twice at any depth, a number past a double's range,
 * anything after the object but white space. A byte order mark before
 * it is skipped (RFC 8259 lets a reader ignore one). No I/O.
 */
#ifndef HOTLINE_JSONBODY_H
#define HOTLINE_JSONBODY_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The object in len bytes of body (any bytes), or NULL; the caller frees it. */
cJSON *jsonbody_parse(const char *body, size_t len);

#endif
