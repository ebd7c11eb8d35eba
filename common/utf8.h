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
/*
 * Terminal columns a code point takes. This is the one answer for the
 * server's line editor (what a backspace or Ctrl-U rubs out), its chat
 * (/who columns), the trace's wrap and text column, and the tests.
 *
 * 0: controls (C0, DEL, C1), combining marks (U+0300-036F, U+1AB0-1AFF,
 *    U+1DC0-1DFF, U+20D0-20FF, U+FE20-FE2F, the ideographic tone marks
 *    U+302A-302D, the kana voiced sound marks U+3099-309A), the zero
 *    width space, joiners and direction marks (U+200B-200F) and the
 *    variation selectors (U+FE00-FE0F): a terminal draws them on the
 *    character before, so rubbing one out must not move the cursor.
 * 2: the East Asian Wide and Fullwidth blocks (UAX #11): Hangul Jamo
 *    U+1100-115F, CJK radicals to CJK symbols and punctuation
 *    U+2E80-303E, kana, Bopomofo and CJK compatibility U+3041-33FF, CJK
 *    ideographs U+3400-4DBF and U+4E00-9FFF, Yi U+A000-A4CF, Hangul
 *    syllables U+AC00-D7A3, CJK compatibility ideographs U+F900-FAFF,
 *    CJK compatibility forms U+FE30-FE4F, fullwidth forms U+FF00-FF60
 *    and U+FFE0-FFE6, pictographs and emoticons U+1F300-1F64F and
 *    U+1F900-1F9FF, and planes 2 and 3 (U+20000-3FFFD). These are the
 *    blocks the server's line editor always counted wide. Pictographs
 *    outside them (U+1F680 transport and map symbols, U+1FA70 and on)
 *    count 1, though most terminals draw them wide: no caller types
 *    them today, and widening them is a change of its own.
 * 1: everything else, the East Asian Ambiguous characters included
 *    (U+00B7 middle dot, U+00D7, U+2014 em dash, U+201C and U+201D
 *    quotes, circled digits, box drawing, Greek and Cyrillic). They count
 *    narrow because that is what glibc's wcwidth says in every UTF-8
 *    locale (zh_CN.UTF-8 too) and what xterm, VTE, iTerm2, Windows
 *    Terminal and PuTTY draw unless told otherwise; the line editor has
 *    always echoed them so. A terminal set to draw them wide sees a
 *    rub-out one column short per such character.
 */
int utf8_width(uint32_t cp);
/* Whether cp is a control character: C0 (below U+0020), DEL or C1 (U+0080-009F). */
bool utf8_is_control(uint32_t cp);
/* Whether all of s is valid UTF-8. */
bool utf8_is_valid(const char *s, size_t len);

#endif
