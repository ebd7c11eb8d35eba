/*
 * utf8: strict decoding, character lengths and display width. No I/O,
 * no allocation, no locale.
 */
#include "utf8.h"

#include "mem.h"

/* Length of a UTF-8 sequence from its lead byte; 0 for a continuation or invalid byte. */
size_t utf8_lead_len(unsigned char b)
{
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	if (b >= 0xf0 && b <= 0xf4)
		return 4;
	return 0;
}

/* Decodes one strict UTF-8 character; 0 if invalid or incomplete. */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;
	uint32_t c;

	if (len == 0)
		return 0;
	n = utf8_lead_len(u[0]);
	if (n == 0 || n > len)
		return 0;
	if (n == 1) {
		*cp = u[0];
		return 1;
	}
	c = u[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (u[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and values past Unicode. */
	if ((n == 3 && c < 0x800) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Steps back from the end of s over one character, for erasing it whole. */
size_t utf8_last_len(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 1;

	if (len == 0)
		return 0;
	/* A character is a lead and at most three continuation bytes. */
	while (n < len && n < 4 && (u[len - n] & 0xc0) == 0x80)
		n++;
	if (utf8_lead_len(u[len - n]) == n)
		return n;
	return 1;
}

/* A range of code points, both ends included. */
struct utf8_range {
	uint32_t first, last;
};

/*
 * Characters that take no column: combining marks and the format
 * characters that join or steer the character before them. Looked up
 * before the wide ranges, which hold a few of them.
 */
static const struct utf8_range utf8_zero_width[] = {
	{ 0x0300, 0x036f }, /* combining diacritical marks */
	{ 0x1ab0, 0x1aff }, /* combining diacritical marks extended */
	{ 0x1dc0, 0x1dff }, /* combining diacritical marks supplement */
	{ 0x200b, 0x200f }, /* zero width space and joiners, LRM, RLM */
	{ 0x20d0, 0x20ff }, /* combining marks for symbols */
	{ 0x302a, 0x302d }, /* ideographic tone marks */
	{ 0x3099, 0x309a }, /* combining kana voiced sound marks */
	{ 0xfe00, 0xfe0f }, /* variation selectors */
	{ 0xfe20, 0xfe2f }, /* combining half marks */
};

/* East Asian Wide and Fullwidth blocks: two columns (see utf8.h). */
static const struct utf8_range utf8_wide[] = {
	{ 0x1100, 0x115f }, /* Hangul Jamo leading consonants */
	{ 0x2e80, 0x303e }, /* CJK radicals to CJK symbols and punctuation */
	{ 0x3041, 0x33ff }, /* kana, Bopomofo, Hangul Jamo, CJK compatibility */
	{ 0x3400, 0x4dbf }, /* CJK unified ideographs extension A */
	{ 0x4e00, 0x9fff }, /* CJK unified ideographs */
	{ 0xa000, 0xa4cf }, /* Yi */
	{ 0xac00, 0xd7a3 }, /* Hangul syllables */
	{ 0xf900, 0xfaff }, /* CJK compatibility ideographs */
	{ 0xfe30, 0xfe4f }, /* CJK compatibility forms */
	{ 0xff00, 0xff60 }, /* fullwidth ASCII and punctuation */
	{ 0xffe0, 0xffe6 }, /* fullwidth signs */
	{ 0x1f300, 0x1f64f }, /* pictographs and emoticons */
	{ 0x1f900, 0x1f9ff }, /* supplemental symbols and pictographs */
	{ 0x20000, 0x3fffd }, /* CJK extensions B and later, planes 2 and 3 */
};

/* Whether cp is in one of the n ranges of table. */
static bool utf8_in(const struct utf8_range *table, size_t n, uint32_t cp)
{
	for (size_t i = 0; i < n; i++) {
		if (cp >= table[i].first && cp <= table[i].last)
			return true;
	}
	return false;
}

/* Whether cp is a C0 control, DEL or a C1 control. */
bool utf8_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

/* Display width: controls and combining marks none, wide CJK two. */
int utf8_width(uint32_t cp)
{
	if (utf8_is_control(cp) ||
	    utf8_in(utf8_zero_width, ARRAY_LEN(utf8_zero_width), cp))
		return 0;
	if (utf8_in(utf8_wide, ARRAY_LEN(utf8_wide), cp))
		return 2;
	return 1;
}

/* Whether the whole buffer is strict UTF-8. */
bool utf8_is_valid(const char *s, size_t len)
{
	uint32_t cp;

	while (len > 0) {
		size_t n = utf8_decode(s, len, &cp);

		if (n == 0)
			return false;
		s += n;
		len -= n;
	}
	return true;
}
