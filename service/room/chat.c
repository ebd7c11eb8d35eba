/*
 * chat: one room. Members sit in an array in join order. Every broadcast
 * is formatted once into a chat_msg and posted to a queue that a single
 * loop drains, handing the same pointer to each recipient's deliver.
 *
 * Callbacks may act on the room while a delivery runs (leave, say, join,
 * notice): what they post waits in the queue, so every member sees one
 * order, and a member who leaves is only marked gone until the queue is
 * empty; the array is compacted after the outermost drain.
 *
 * It must not know about sockets, telnet, sessions, charsets or menus: a
 * member is a deliver callback and an opaque context, time is a clock
 * function.
 */
#include "chat.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "utf8.h"

/* Bytes a nickname may take: CHAT_NICK_MAX characters of up to 4 bytes. */
#define CHAT_NICK_BYTES (CHAT_NICK_MAX * 4)
/* "HH:MM:SS" and its NUL. */
#define CHAT_STAMP_SIZE 9
/* "guest-" and the digits of an unsigned long fit easily in a nickname. */
#define CHAT_GUEST_PREFIX "guest-"

/* U+FFFD, what invalid UTF-8 becomes. */
static const char replacement[] = "\xef\xbf\xbd";

struct chat_member {
	void (*deliver)(void *ctx, struct chat_msg *msg);
	void (*delivered)(void *ctx); /* NULL: nothing to do after a batch */
	void *ctx;
	/* Left while a delivery ran: skipped, freed once the queue is empty. */
	bool gone;
	/* Flood limit: a token bucket refilled at room->rate a second. */
	double tokens;
	double refilled;
	/* When the member last joined or sent a line, for /who. */
	double active;
	/* An operator muted them: their lines go nowhere. */
	bool muted;
	/* NULL: an operator's kick removes them with no word to them. */
	void (*kicked)(void *ctx, const char *by, const char *reason);
	char nick[CHAT_NICK_BYTES + 1];
};

/*
 * One message waiting to go out, with the reference it owns: to `only`,
 * or else to members[0..limit) except `skip`. limit keeps members who join
 * during a delivery from getting what was posted before them (their
 * history already holds it); indices are stable while the queue is busy.
 */
struct chat_post {
	struct chat_msg *msg;
	struct chat_member *only;
	struct chat_member *skip;
	size_t limit;
};

struct chat_room {
	chat_clock_fn clock;
	double rate;
	double burst;
	/* Every member, gone ones included until the next compaction. */
	struct chat_member **members;
	size_t n_members;
	size_t cap_members;
	size_t n_live;
	size_t n_gone;
	/*
	 * Posts not yet delivered: what callbacks post during a delivery, and
	 * the lines held for the owner's flush. Empty after every flush, so
	 * it holds at most one loop pass's lines.
	 */
	struct chat_post *posts;
	size_t n_posts;
	size_t cap_posts;
	bool delivering;
	/* Set by chat_room_defer; scheduled while a flush is asked for. */
	chat_schedule_fn schedule;
	void *schedule_ctx;
	bool scheduled;
	/*
	 * In the owner's flush: members are told when their batch is queued.
	 * Not for other deliveries: a join storm would write to every member
	 * once per join instead of once per pass.
	 */
	bool flushing;
	/* The last CHAT_HISTORY say and /me lines, oldest at hist_first. */
	struct chat_msg *history[CHAT_HISTORY];
	size_t hist_first;
	size_t hist_len;
	unsigned long next_guest;
	/* Sanitised text of the line being sent; reused, never shrinks. */
	struct strbuf text;
	/* The last timestamp made, for the second it names. */
	time_t stamp_sec;
	char stamp[CHAT_STAMP_SIZE];
};

/* A piece of a message: bytes and their length. */
struct part {
	const char *s;
	size_t len;
};

/* clang-format off */
/* A part for a string literal. */
#define LIT(s) { (s), sizeof(s) - 1 }
/* A part for a C string. */
#define STR(s) { (s), strlen(s) }
/* clang-format on */

/* Takes a reference; returns msg. */
struct chat_msg *chat_msg_ref(struct chat_msg *msg)
{
	if (msg != NULL)
		msg->refs++;
	return msg;
}

/* Drops a reference; the last one frees the message and its renderings. */
void chat_msg_unref(struct chat_msg *msg)
{
	if (msg == NULL)
		return;
	assert(msg->refs > 0);
	if (--msg->refs > 0)
		return;
	for (size_t i = 0; i < msg->n_renderings; i++)
		free(msg->renderings[i].bytes);
	free(msg->renderings);
	free(msg);
}

/* Finds a kept rendering: a message has one per language and encoding in use. */
const struct chat_rendering *chat_msg_rendering(const struct chat_msg *msg,
						const void *voice, int encoding)
{
	for (size_t i = 0; i < msg->n_renderings; i++) {
		const struct chat_rendering *r = &msg->renderings[i];

		if (r->voice == voice && r->encoding == encoding)
			return r;
	}
	return NULL;
}

/* Keeps a rendering with the message, for every recipient that shares it. */
const struct chat_rendering *chat_msg_keep(struct chat_msg *msg,
					   const void *voice, int encoding,
					   char *bytes, size_t len)
{
	struct chat_rendering *r;

	msg->renderings = xrealloc(msg->renderings,
				   (msg->n_renderings + 1) *
					   sizeof(*msg->renderings));
	r = &msg->renderings[msg->n_renderings++];
	*r = (struct chat_rendering){ voice, encoding, bytes, len };
	return r;
}

/* Builds a message from parts end to end; the caller owns its one reference. */
static struct chat_msg *msg_from_parts(const struct part *parts, size_t n)
{
	struct chat_msg *msg;
	size_t len = 0;
	char *p;

	for (size_t i = 0; i < n; i++)
		len += parts[i].len;
	msg = xcalloc(1, sizeof(*msg) + len + 1);
	msg->refs = 1;
	msg->kind = CHAT_MSG_LINE;
	msg->time = msg->nick = msg->other = msg->body = "";
	msg->len = len;
	p = msg->text;
	for (size_t i = 0; i < n; i++) {
		if (parts[i].len == 0)
			continue; /* s may be NULL then */
		memcpy(p, parts[i].s, parts[i].len);
		p += parts[i].len;
	}
	*p = '\0';
	return msg;
}

/*
 * A message of the room's own, its fields copied in end to end with their
 * NULs; NULL fields are "". The caller owns its one reference.
 */
static struct chat_msg *msg_event(enum chat_msg_kind kind, const char *time,
				  const char *nick, const char *other,
				  const char *body, size_t body_len)
{
	const char *in[3] = { time ? time : "", nick ? nick : "",
			      other ? other : "" };
	size_t lens[3], len = body_len + 1;
	struct chat_msg *msg;
	const char **out[3];
	char *p;

	for (size_t i = 0; i < 3; i++) {
		lens[i] = strlen(in[i]);
		len += lens[i] + 1;
	}
	msg = xcalloc(1, sizeof(*msg) + len);
	msg->refs = 1;
	msg->kind = kind;
	out[0] = &msg->time;
	out[1] = &msg->nick;
	out[2] = &msg->other;
	p = msg->text;
	for (size_t i = 0; i < 3; i++) {
		memcpy(p, in[i], lens[i] + 1);
		*out[i] = p;
		p += lens[i] + 1;
	}
	if (body_len > 0)
		memcpy(p, body, body_len);
	p[body_len] = '\0';
	msg->body = p;
	msg->len = len;
	return msg;
}

/* "HH:MM:SS" of now in local time, remade only when the second changes. */
static const char *room_stamp(struct chat_room *room, double now)
{
	time_t sec = (time_t)now;
	struct tm tm;

	if (room->stamp[0] != '\0' && sec == room->stamp_sec)
		return room->stamp;
	if (localtime_r(&sec, &tm) == NULL ||
	    strftime(room->stamp, sizeof(room->stamp), "%H:%M:%S", &tm) == 0)
		memcpy(room->stamp, "00:00:00", CHAT_STAMP_SIZE);
	room->stamp_sec = sec;
	return room->stamp;
}

/*
 * The formats of members' lines, the same in every language; they carry
 * a timestamp. The room's own lines are events each language words (see
 * msg_event). Text is already sanitised.
 */

/* "[12:34:56] nick: text" */
static struct chat_msg *format_say(struct chat_room *room, double now,
				   const char *nick, const char *text,
				   size_t len)
{
	/* clang-format off */
	const struct part parts[] = {
		LIT("["), STR(room_stamp(room, now)), LIT("] "), STR(nick),
		LIT(": "), { text, len }, LIT("\r\n"),
	};
	/* clang-format on */

	return msg_from_parts(parts, ARRAY_LEN(parts));
}

/* "[12:34:56] * nick action" */
static struct chat_msg *format_me(struct chat_room *room, double now,
				  const char *nick, const char *text,
				  size_t len)
{
	/* clang-format off */
	const struct part parts[] = {
		LIT("["), STR(room_stamp(room, now)), LIT("] * "), STR(nick),
		LIT(" "), { text, len }, LIT("\r\n"),
	};
	/* clang-format on */

	return msg_from_parts(parts, ARRAY_LEN(parts));
}

/* A private line: its time, its sender and the text. */
static struct chat_msg *format_private(struct chat_room *room, double now,
				       const char *nick, const char *text,
				       size_t len)
{
	return msg_event(CHAT_MSG_PRIVATE, room_stamp(room, now), nick, NULL,
			 text, len);
}

/* Whether a code point is removed from what others see. */
static bool is_stripped(uint32_t cp)
{
	if (utf8_is_control(cp))
		return true;
	/* Bidi embeddings, overrides and isolates: they can disguise text. */
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Whether a code point is blank: a line of only these says nothing. */
static bool is_blank(uint32_t cp)
{
	return cp == ' ' || cp == 0xa0 || cp == 0x3000;
}

/* Whether sanitised text holds nothing but blanks. */
static bool is_blank_text(const char *s, size_t len)
{
	uint32_t cp;

	while (len > 0) {
		size_t n = utf8_decode(s, len, &cp);

		if (n == 0 || !is_blank(cp))
			return false;
		s += n;
		len -= n;
	}
	return true;
}

/* Where the sanitiser is in an escape sequence. */
enum sanitize_state {
	SANITIZE_TEXT,       /* plain text */
	SANITIZE_ESC,        /* after ESC (and any intermediate bytes) */
	SANITIZE_CSI,        /* after ESC [ or U+009B, up to a final byte */
	SANITIZE_STRING,     /* OSC, DCS, SOS, PM, APC: up to BEL or ST */
	SANITIZE_STRING_ESC, /* ESC inside a string: "\" ends it */
};

/* Whether cp after ESC opens a string that runs to BEL or ST. */
static bool is_string_opener(uint32_t cp)
{
	return cp == ']' || cp == 'P' || cp == 'X' || cp == '^' || cp == '_';
}

/* Whether cp is a C1 control that opens such a string by itself. */
static bool is_c1_string_opener(uint32_t cp)
{
	return cp == 0x90 || cp == 0x98 || cp == 0x9d || cp == 0x9e ||
	       cp == 0x9f;
}

/*
 * Feeds one character (its code point and the bytes to keep for it)
 * through the escape-sequence filter, appending what stays. A character
 * that breaks off a sequence is looked at again as text. Safety does not
 * hang on the states: no control character is ever appended, so nothing
 * kept can start a sequence; the states only keep the rest of a sequence
 * from showing as litter.
 */
static void sanitize_char(enum sanitize_state *state, uint32_t cp,
			  const char *bytes, size_t n, struct strbuf *out)
{
	for (;;) {
		switch (*state) {
		case SANITIZE_TEXT:
			if (cp == 0x1b)
				*state = SANITIZE_ESC;
			else if (cp == 0x9b)
				*state = SANITIZE_CSI;
			else if (is_c1_string_opener(cp))
				*state = SANITIZE_STRING;
			else if (cp == '\t')
				strbuf_append_char(out, ' ');
			else if (!is_stripped(cp))
				strbuf_append(out, bytes, n);
			return;
		case SANITIZE_ESC:
			if (cp >= 0x20 && cp <= 0x2f)
				return; /* intermediate: ESC ( B and the like */
			if (cp == '[') {
				*state = SANITIZE_CSI;
				return;
			}
			if (is_string_opener(cp)) {
				*state = SANITIZE_STRING;
				return;
			}
			*state = SANITIZE_TEXT;
			if (is_stripped(cp))
				continue; /* a control cuts the sequence off */
			return; /* ESC and one character: both dropped */
		case SANITIZE_CSI:
			if (cp >= 0x20 && cp <= 0x3f)
				return; /* parameters and intermediates */
			*state = SANITIZE_TEXT;
			if (cp >= 0x40 && cp <= 0x7e)
				return; /* the final byte */
			continue;
		case SANITIZE_STRING:
			if (cp == 0x07 || cp == 0x9c)
				*state = SANITIZE_TEXT;
			else if (cp == 0x1b)
				*state = SANITIZE_STRING_ESC;
			return;
		case SANITIZE_STRING_ESC:
			if (cp == '\\') {
				*state = SANITIZE_TEXT;
				return;
			}
			/* Any other ESC cancels the string and starts anew. */
			*state = SANITIZE_ESC;
			continue;
		}
		return;
	}
}

/* Appends what others may see of untrusted text (see chat.h). */
void chat_sanitize(const char *in, size_t len, struct strbuf *out)
{
	enum sanitize_state state = SANITIZE_TEXT;
	/* Start of the bytes kept as they are, appended in one go. */
	size_t run = 0;
	size_t i = 0;

	while (i < len) {
		unsigned char b = (unsigned char)in[i];
		uint32_t cp;
		size_t n;

		if (state == SANITIZE_TEXT && b >= 0x20 && b < 0x7f) {
			i++;
			continue;
		}
		n = utf8_decode(in + i, len - i, &cp);
		if (n > 0 && state == SANITIZE_TEXT && !is_stripped(cp)) {
			i += n;
			continue;
		}
		strbuf_append(out, in + run, i - run);
		if (n > 0)
			sanitize_char(&state, cp, in + i, n, out);
		else
			sanitize_char(&state, 0xfffd, replacement,
				      sizeof(replacement) - 1, out);
		i += n > 0 ? n : 1;
		run = i;
	}
	strbuf_append(out, in + run, len - run);
}

/* Compares two nicknames ignoring ASCII case only (no locale). */
static int nick_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char ca = (unsigned char)*a;
		unsigned char cb = (unsigned char)*b;

		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb || ca == '\0')
			return (int)ca - (int)cb;
	}
}

/* Whether cp may be in a nickname a member chooses. */
static bool is_nick_char(uint32_t cp)
{
	if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
	    (cp >= '0' && cp <= '9') || cp == '_' || cp == '-')
		return true;
	/* CJK unified ideographs: extension A, the main block, compatibility
	 * ideographs, and extensions B to G in planes 2 and 3. */
	return (cp >= 0x3400 && cp <= 0x4dbf) ||
	       (cp >= 0x4e00 && cp <= 0x9fff) ||
	       (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0x20000 && cp <= 0x2fa1f) ||
	       (cp >= 0x30000 && cp <= 0x3134f);
}

/* Whether nick follows the /nick rule: 1..CHAT_NICK_MAX allowed characters. */
static bool is_valid_nick(const char *nick)
{
	size_t len, chars = 0;
	uint32_t cp;

	if (nick == NULL)
		return false;
	len = strlen(nick);
	while (len > 0) {
		size_t n = utf8_decode(nick, len, &cp);

		if (n == 0 || !is_nick_char(cp) || ++chars > CHAT_NICK_MAX)
			return false;
		nick += n;
		len -= n;
	}
	return chars >= CHAT_NICK_MIN;
}

/*
 * Whether a nickname given at join may be used as it is: the looser rule
 * that lets in a masked number ("138****8000"). 1..CHAT_NICK_MAX
 * characters of valid UTF-8 that the sanitiser would keep, with no blanks,
 * so /msg can still name it.
 */
static bool is_join_nick(const char *nick)
{
	size_t len = strlen(nick), chars = 0;
	uint32_t cp;

	if (len > CHAT_NICK_BYTES)
		return false;
	while (len > 0) {
		size_t n = utf8_decode(nick, len, &cp);

		if (n == 0 || is_stripped(cp) || is_blank(cp) ||
		    ++chars > CHAT_NICK_MAX)
			return false;
		nick += n;
		len -= n;
	}
	return chars >= CHAT_NICK_MIN;
}

/* The member called nick (ignoring ASCII case), or NULL. */
static struct chat_member *room_find(const struct chat_room *room,
				     const char *nick)
{
	for (size_t i = 0; i < room->n_members; i++) {
		struct chat_member *m = room->members[i];

		if (!m->gone && nick_casecmp(m->nick, nick) == 0)
			return m;
	}
	return NULL;
}

/* The member called nick (ignoring ASCII case), or NULL. */
struct chat_member *chat_room_find(const struct chat_room *room,
				   const char *nick)
{
	return room_find(room, nick);
}

/* An operator's mute or unmute of the member called nick. */
enum chat_result chat_room_mute(struct chat_room *room, const char *nick,
				bool muted)
{
	struct chat_member *m = room_find(room, nick);

	if (m == NULL)
		return CHAT_NO_SUCH_NICK;
	m->muted = muted;
	return CHAT_OK;
}

/* Whether an operator muted the member. */
bool chat_member_is_muted(const struct chat_member *m)
{
	return m->muted;
}

/* Wall-clock time, for a room made without a clock. */
static double default_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Returns an empty room; the caller owns it. */
struct chat_room *chat_room_new(chat_clock_fn clock, unsigned rate,
				unsigned burst)
{
	struct chat_room *room = xcalloc(1, sizeof(*room));

	room->clock = clock != NULL ? clock : default_clock;
	room->rate = rate;
	/* A bucket smaller than one line would refuse everything. */
	room->burst = burst > 0 ? burst : 1;
	room->next_guest = 1;
	strbuf_init(&room->text);
	return room;
}

/* Frees a member's storage; the member must be out of the array. */
static void member_free(struct chat_member *m)
{
	free(m);
}

/* Frees the room and any members still in it, telling no one. */
void chat_room_free(struct chat_room *room)
{
	if (room == NULL)
		return;
	assert(!room->delivering);
	for (size_t i = 0; i < room->n_members; i++)
		member_free(room->members[i]);
	free(room->members);
	for (size_t i = 0; i < room->n_posts; i++)
		chat_msg_unref(room->posts[i].msg);
	free(room->posts);
	for (size_t i = 0; i < room->hist_len; i++)
		chat_msg_unref(
			room->history[(room->hist_first + i) % CHAT_HISTORY]);
	strbuf_fini(&room->text);
	free(room);
}

/* Keeps a new reference to msg in the history ring, dropping the oldest. */
static void history_add(struct chat_room *room, struct chat_msg *msg)
{
	if (room->hist_len == CHAT_HISTORY) {
		chat_msg_unref(room->history[room->hist_first]);
		room->history[room->hist_first] = chat_msg_ref(msg);
		room->hist_first = (room->hist_first + 1) % CHAT_HISTORY;
		return;
	}
	room->history[(room->hist_first + room->hist_len) % CHAT_HISTORY] =
		chat_msg_ref(msg);
	room->hist_len++;
}

/* Queues msg, taking over the caller's reference. */
static void room_queue(struct chat_room *room, struct chat_msg *msg,
		       struct chat_member *only, struct chat_member *skip)
{
	if (room->n_posts == room->cap_posts) {
		room->cap_posts = room->cap_posts ? room->cap_posts * 2 : 8;
		room->posts = xrealloc(room->posts,
				       room->cap_posts * sizeof(*room->posts));
	}
	room->posts[room->n_posts++] = (struct chat_post){
		.msg = msg,
		.only = only,
		.skip = skip,
		.limit = room->n_members,
	};
}

/* Frees members who left during a delivery, keeping the others' order. */
static void room_compact(struct chat_room *room)
{
	size_t kept = 0;

	if (room->n_gone == 0)
		return;
	for (size_t i = 0; i < room->n_members; i++) {
		struct chat_member *m = room->members[i];

		if (m->gone)
			member_free(m);
		else
			room->members[kept++] = m;
	}
	room->n_members = kept;
	room->n_gone = 0;
}

/* Delivers the broadcast posts [first, last) to member i, in order. */
static void member_drain(struct chat_room *room, size_t i, size_t first,
			 size_t last)
{
	struct chat_member *m = room->members[i];
	bool any = false;

	for (size_t q = first; q < last && !m->gone; q++) {
		/* A callback may queue a post and move the array: copy. */
		struct chat_post p = room->posts[q];

		if (i < p.limit && m != p.skip) {
			m->deliver(m->ctx, p.msg);
			any = true;
		}
	}
	if (any && room->flushing && !m->gone && m->delivered != NULL)
		m->delivered(m->ctx);
}

/*
 * Delivers the posts [first, last): a post for one member directly, and
 * each run of broadcasts member by member, so a member's data is fetched
 * once per run rather than once per line (ten thousand members do not fit
 * in a cache). Every member still gets its posts in queue order.
 */
static void room_deliver(struct chat_room *room, size_t first, size_t last)
{
	/* No post queued so far is for a member who joins during this. */
	size_t n = room->n_members;

	while (first < last) {
		struct chat_post p = room->posts[first];
		size_t end = first + 1;

		if (p.only != NULL) {
			if (!p.only->gone)
				p.only->deliver(p.only->ctx, p.msg);
			first = end;
			continue;
		}
		while (end < last && room->posts[end].only == NULL)
			end++;
		for (size_t i = 0; i < n; i++)
			member_drain(room, i, first, end);
		first = end;
	}
}

/*
 * Delivers every queued post, unless a delivery further up the stack is
 * already doing so. Posts that callbacks queue meanwhile form the next
 * batch. Callbacks may post, join and leave; the arrays only grow
 * meanwhile, and gone members are freed at the end.
 */
static void room_drain(struct chat_room *room)
{
	size_t first = 0;

	if (room->delivering)
		return;
	room->delivering = true;
	while (first < room->n_posts) {
		size_t last = room->n_posts;

		room_deliver(room, first, last);
		for (size_t q = first; q < last; q++)
			chat_msg_unref(room->posts[q].msg);
		first = last;
	}
	room->n_posts = 0;
	room->delivering = false;
	room_compact(room);
}

/* Queues msg (taking the caller's reference); delivers unless busy. */
static void room_post(struct chat_room *room, struct chat_msg *msg,
		      struct chat_member *only, struct chat_member *skip)
{
	room_queue(room, msg, only, skip);
	room_drain(room);
}

/* Queues a member's line (taking the reference): held if deferring. */
static void room_post_line(struct chat_room *room, struct chat_msg *msg,
			   struct chat_member *from)
{
	if (room->schedule == NULL) {
		room_post(room, msg, NULL, from);
		return;
	}
	room_queue(room, msg, NULL, from);
	if (!room->scheduled && !room->delivering) {
		room->scheduled = true;
		room->schedule(room->schedule_ctx);
	}
}

/* Holds members' lines for the owner's flush; see chat.h. */
void chat_room_defer(struct chat_room *room, chat_schedule_fn schedule,
		     void *ctx)
{
	room->schedule = schedule;
	room->schedule_ctx = ctx;
}

/* Delivers the lines held; see chat.h. */
void chat_room_flush(struct chat_room *room)
{
	room->scheduled = false;
	room->flushing = true;
	room_drain(room);
	room->flushing = false;
}

/* Writes the next free "guest-N" into nick. */
static void room_guest_nick(struct chat_room *room, char *nick, size_t size)
{
	do
		snprintf(nick, size, CHAT_GUEST_PREFIX "%lu",
			 room->next_guest++);
	while (room_find(room, nick) != NULL);
}

/* Adds a member, announces it, and gives it the history (see chat.h). */
struct chat_member *chat_room_join(struct chat_room *room, const char *nick,
				   const struct chat_member_ops *ops, void *ctx)
{
	struct chat_member *m = xcalloc(1, sizeof(*m));
	double now = room->clock();

	m->deliver = ops->deliver;
	m->delivered = ops->delivered;
	m->kicked = ops->kicked;
	m->ctx = ctx;
	m->tokens = room->burst;
	m->refilled = now;
	m->active = now;
	if (nick != NULL && is_join_nick(nick) && room_find(room, nick) == NULL)
		memcpy(m->nick, nick, strlen(nick) + 1);
	else
		room_guest_nick(room, m->nick, sizeof(m->nick));

	if (room->n_members == room->cap_members) {
		room->cap_members = room->cap_members ? room->cap_members * 2
						      : 16;
		room->members = xrealloc(room->members,
					 room->cap_members *
						 sizeof(*room->members));
	}
	room->members[room->n_members++] = m;
	room->n_live++;

	room_queue(room,
		   msg_event(CHAT_MSG_JOINED, NULL, m->nick, NULL, NULL, 0),
		   NULL, m);
	for (size_t i = 0; i < room->hist_len; i++) {
		struct chat_msg *msg =
			room->history[(room->hist_first + i) % CHAT_HISTORY];

		room_queue(room, chat_msg_ref(msg), m, NULL);
	}
	room_drain(room);
	return m;
}

/* Removes a member and tells the others why; by and reason for a kick. */
static void room_leave(struct chat_room *room, struct chat_member *m,
		       enum chat_leave why, const char *by, const char *reason)
{
	struct chat_msg *msg;

	if (m == NULL)
		return;
	assert(!m->gone);
	/* What was said before it left still reaches it. */
	room_drain(room);
	m->gone = true;
	room->n_live--;
	room->n_gone++;

	strbuf_reset(&room->text);
	if (reason != NULL) {
		size_t len = strlen(reason);

		chat_sanitize(reason, len < CHAT_MAX_LINE ? len : CHAT_MAX_LINE,
			      &room->text);
	}
	msg = msg_event(CHAT_MSG_LEFT, NULL, m->nick, by, room->text.data,
			room->text.len);
	msg->leave = why;
	/* m is gone, so skipped; posting also frees it if nothing runs. */
	room_post(room, msg, NULL, NULL);
}

/* Removes a member and tells the others why. */
void chat_room_leave(struct chat_room *room, struct chat_member *m,
		     enum chat_leave why)
{
	room_leave(room, m, why, NULL, NULL);
}

/* Removes a member an operator took out, saying who and why. */
void chat_room_leave_kicked(struct chat_room *room, struct chat_member *m,
			    const char *by, const char *reason)
{
	room_leave(room, m, CHAT_LEAVE_KICKED, by, reason);
}

/* An operator's kick: the member is told and leaves (see chat.h). */
enum chat_result chat_room_kick(struct chat_room *room,
				const struct chat_member *by, const char *nick,
				const char *reason)
{
	struct chat_member *m = room_find(room, nick);
	/* by may be m, gone once it leaves: keep its nick. */
	char kicker[CHAT_NICK_BYTES + 1];

	if (m == NULL)
		return CHAT_NO_SUCH_NICK;
	if (by != NULL)
		memcpy(kicker, by->nick, sizeof(kicker));
	else
		snprintf(kicker, sizeof(kicker), "%s", CHAT_TEACHER_NICK);
	if (m->kicked != NULL) {
		m->kicked(m->ctx, kicker, reason);
		return CHAT_OK;
	}
	room_leave(room, m, CHAT_LEAVE_KICKED, kicker, reason);
	return CHAT_OK;
}

/*
 * Takes one token from m's bucket, refilled for the time since the last
 * look; false if none is left. A clock that steps back refills nothing.
 */
static bool member_take_token(const struct chat_room *room,
			      struct chat_member *m, double now)
{
	if (room->rate == 0)
		return true;
	if (now > m->refilled) {
		m->tokens += (now - m->refilled) * room->rate;
		if (m->tokens > room->burst)
			m->tokens = room->burst;
	}
	m->refilled = now;
	if (m->tokens < 1)
		return false;
	m->tokens -= 1;
	return true;
}

/*
 * Checks a line from m and leaves its sanitised text in room->text.
 * Costs a token and counts as activity only when the line will go out.
 */
static enum chat_result room_accept(struct chat_room *room,
				    struct chat_member *m, const char *text,
				    size_t len, double now)
{
	assert(!m->gone);
	if (m->muted)
		return CHAT_MUTED;
	if (len > CHAT_MAX_LINE)
		return CHAT_TOO_LONG;
	strbuf_reset(&room->text);
	chat_sanitize(text, len, &room->text);
	if (is_blank_text(room->text.data, room->text.len))
		return CHAT_EMPTY;
	if (!member_take_token(room, m, now))
		return CHAT_RATE_LIMITED;
	m->active = now;
	return CHAT_OK;
}

/* Broadcasts "[HH:MM:SS] nick: text" to every other member. */
enum chat_result chat_room_say(struct chat_room *room, struct chat_member *m,
			       const char *text, size_t len)
{
	double now = room->clock();
	enum chat_result r = room_accept(room, m, text, len, now);
	struct chat_msg *msg;

	if (r != CHAT_OK)
		return r;
	msg = format_say(room, now, m->nick, room->text.data, room->text.len);
	history_add(room, msg);
	room_post_line(room, msg, m);
	return CHAT_OK;
}

/* Broadcasts "[HH:MM:SS] * nick action" to every other member. */
enum chat_result chat_room_me(struct chat_room *room, struct chat_member *m,
			      const char *text, size_t len)
{
	double now = room->clock();
	enum chat_result r = room_accept(room, m, text, len, now);
	struct chat_msg *msg;

	if (r != CHAT_OK)
		return r;
	msg = format_me(room, now, m->nick, room->text.data, room->text.len);
	history_add(room, msg);
	room_post_line(room, msg, m);
	return CHAT_OK;
}

/* The sanitised text of the line just accepted. */
const char *chat_room_said(const struct chat_room *room, size_t *len)
{
	*len = room->text.len;
	return room->text.data != NULL ? room->text.data : "";
}

/* Sends "[HH:MM:SS] nick (private): text" to one member; never history. */
enum chat_result chat_room_msg(struct chat_room *room, struct chat_member *m,
			       const char *nick, const char *text, size_t len)
{
	double now = room->clock();
	struct chat_member *to;
	enum chat_result r;

	if (len > CHAT_MAX_LINE)
		return CHAT_TOO_LONG;
	to = nick != NULL ? room_find(room, nick) : NULL;
	if (to == NULL)
		return CHAT_NO_SUCH_NICK;
	r = room_accept(room, m, text, len, now);
	if (r != CHAT_OK)
		return r;
	room_post(room,
		  format_private(room, now, m->nick, room->text.data,
				 room->text.len),
		  to, NULL);
	return CHAT_OK;
}

/* Renames a member by the strict rule and announces it to everyone. */
enum chat_result chat_room_rename(struct chat_room *room, struct chat_member *m,
				  const char *nick)
{
	struct chat_member *other;
	struct chat_msg *msg;

	assert(!m->gone);
	if (!is_valid_nick(nick))
		return CHAT_BAD_NICK;
	other = room_find(room, nick);
	if (other != NULL && other != m)
		return CHAT_NICK_TAKEN;
	if (strcmp(m->nick, nick) == 0)
		return CHAT_OK; /* nothing changes, nothing to announce */
	msg = msg_event(CHAT_MSG_RENAMED, NULL, nick, m->nick, NULL, 0);
	memcpy(m->nick, nick, strlen(nick) + 1);
	room_post(room, msg, NULL, NULL);
	return CHAT_OK;
}

/* Terminal columns nick takes: CJK characters are two. */
static size_t nick_width(const char *nick)
{
	size_t len = strlen(nick), width = 0;
	uint32_t cp;

	while (len > 0) {
		size_t n = utf8_decode(nick, len, &cp);

		if (n == 0) {
			cp = 0xfffd;
			n = 1;
		}
		width += (size_t)utf8_width(cp);
		nick += n;
		len -= n;
	}
	return width;
}

/* qsort order for /who: nicknames ignoring ASCII case, then bytewise. */
static int member_cmp(const void *a, const void *b)
{
	const struct chat_member *ma = *(const struct chat_member *const *)a;
	const struct chat_member *mb = *(const struct chat_member *const *)b;
	int c = nick_casecmp(ma->nick, mb->nick);

	return c != 0 ? c : strcmp(ma->nick, mb->nick);
}

/* The members for /who, sorted by nick; see chat.h. */
struct chat_who *chat_room_who(const struct chat_room *room, size_t *n,
			       size_t *width)
{
	const struct chat_member **list = xmalloc(room->n_live * sizeof(*list));
	struct chat_who *rows;
	double now = room->clock();

	*n = 0;
	*width = 0;
	for (size_t i = 0; i < room->n_members; i++)
		if (!room->members[i]->gone)
			list[(*n)++] = room->members[i];
	qsort(list, *n, sizeof(*list), member_cmp);
	rows = xcalloc(*n > 0 ? *n : 1, sizeof(*rows));
	for (size_t i = 0; i < *n; i++) {
		double idle = now - list[i]->active;

		rows[i].nick = list[i]->nick;
		rows[i].width = nick_width(list[i]->nick);
		rows[i].idle = idle > 0 ? (long)idle : 0;
		if (rows[i].width > *width)
			*width = rows[i].width;
	}
	free(list);
	return rows;
}

/* Sends a notice to every member; notices are not kept in history. */
void chat_room_notice(struct chat_room *room, const char *text)
{
	struct chat_msg *msg;

	strbuf_reset(&room->text);
	chat_sanitize(text, strlen(text), &room->text);
	msg = msg_event(CHAT_MSG_NOTICE, NULL, NULL, NULL, room->text.data,
			room->text.len);
	room_post(room, msg, NULL, NULL);
}

/* The member's nickname, owned by the room; changes with a rename. */
const char *chat_member_nick(const struct chat_member *m)
{
	return m->nick;
}

/* Members present, not counting any leaving during a delivery. */
size_t chat_room_count(const struct chat_room *room)
{
	return room->n_live;
}

/* Whether a nick names a member (case-insensitive), for completion. */
bool chat_room_has_nick(const struct chat_room *room, const char *nick)
{
	return nick != NULL && room_find(room, nick) != NULL;
}
