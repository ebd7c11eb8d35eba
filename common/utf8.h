/*
 * utf8: strict UTF-8 decoding and the columns a character takes on a
 * terminal. Every program counts characters and columns here, so the
 * server's line editor, its trace and the client agree. Pure functions:
 * no allocation, no I/O, no locale.
 */
#ifndef HOTLINE_UTF8_H
#define HOTLINE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* UTF-8 bytes in a character that starts with byte b; 0 if b cannot start one. */
size_t utf8_lead_len(unsigned char b);
/*
 * Decodes one UTF-8 character from s (at most len bytes) into *cp.
 * Returns its length, or 0 if s does not start with a complete, valid,
 * shortest-form character (surrogates and values past U+10FFFF are invalid).
 */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);
/*
 * Bytes in the last character of s (len bytes): the lead and its
 * continuation bytes. 1 for a byte that starts no valid shape, 0 if len is 0.
 */
size_t utf8_last_len(const char *s, size_t len);
/* Terminal columns a code point takes: 2 for East Asian wide, 0 for controls. */
int utf8_width(uint32_t cp);
/* Whether all of s is valid UTF-8. */
bool utf8_is_valid(const char *s, size_t len);

#endif
