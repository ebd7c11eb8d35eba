/*
 * fuzz_chat: the chat sanitiser and a room driven by random operations.
 *
 * The whole input is first sanitised on its own: the result must be valid
 * UTF-8 without control characters or 0xff, and sanitising it again must
 * change nothing. Then the input is read as a program: an operation byte,
 * then (for operations that carry text) a length byte and that many bytes
 * of text. Members join, leave, say, /me, /msg, rename, ask /who, the
 * server sends notices, and the clock moves. Some members act from inside
 * a delivery (leave, make another leave, say, join someone new), keep
 * references to messages, or keep renderings like a GBK or a Big5
 * caller (two encodings, two renderings in one message): the re-entrant
 * paths of the room's queue. Every member's line handed out must be one
 * clean line ending in CR LF; every field of the room's own lines clean
 * text.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "mem.h"
#include "room/chat.h"
#include "strbuf.h"
#include "utf8.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Member slots one input may use. */
#define FUZZ_MEMBERS 8
/* References a member keeps before it lets the oldest go. */
#define FUZZ_KEEP 4

/* What a member does the next time a message reaches it (once). */
enum hook {
	HOOK_NONE,
	HOOK_LEAVE,      /* leaves the room */
	HOOK_KICK_OTHER, /* makes the next member leave */
	HOOK_SAY,        /* answers */
	HOOK_JOIN_OTHER, /* brings a newcomer into a free slot */
	HOOK_NOTICE,     /* the server says something */
	HOOK_COUNT,
};

struct fmember {
	struct chat_member *m; /* NULL: the slot is free */
	enum hook hook;
	unsigned alt_key; /* 0: UTF-8; else keeps a rendering under this key */
	bool joining;     /* the history arrives before join returns */
	struct chat_msg *kept[FUZZ_KEEP];
	size_t nkept;
	size_t received;
};

static struct chat_room *room;
static struct fmember members[FUZZ_MEMBERS];
static double fake_now;

static const struct chat_member_ops fuzz_ops;

static double fake_clock(void)
{
	return fake_now;
}

/* Checks text others may see: valid UTF-8, no controls, no 0xff. */
static void check_clean(const char *s, size_t len)
{
	uint32_t cp;

	FUZZ_CHECK(memchr(s, 0xff, len) == NULL);
	while (len > 0) {
		size_t n = utf8_decode(s, len, &cp);

		FUZZ_CHECK(n > 0);
		FUZZ_CHECK(!utf8_is_control(cp));
		/* Bidi overrides and isolates are stripped too. */
		FUZZ_CHECK(!(cp >= 0x202a && cp <= 0x202e) &&
			   !(cp >= 0x2066 && cp <= 0x2069));
		s += n;
		len -= n;
	}
}

/* Lets go of every reference a member kept. */
static void drop_kept(struct fmember *f)
{
	for (size_t i = 0; i < f->nkept; i++)
		chat_msg_unref(f->kept[i]);
	f->nkept = 0;
}

/* Removes the member in slot i, if any; reason (any bytes) for a kick. */
static void leave_kicked(size_t i, enum chat_leave why, const char *reason)
{
	struct fmember *f = &members[i];
	struct chat_member *m = f->m;

	if (m == NULL)
		return;
	/* Hooks run during the leave must see the slot empty already. */
	f->m = NULL;
	if (reason != NULL)
		chat_room_leave_kicked(room, m, "op", reason);
	else
		chat_room_leave(room, m, why);
	drop_kept(f);
}

/* Removes the member in slot i, if any. */
static void leave(size_t i, enum chat_leave why)
{
	leave_kicked(i, why, NULL);
}

/* Puts a member in slot i, unless it is taken. */
static void join(size_t i, const char *nick, enum hook hook, unsigned alt_key)
{
	struct fmember *f = &members[i];

	if (f->m != NULL || f->joining)
		return;
	f->hook = hook;
	f->alt_key = alt_key;
	f->joining = true;
	f->m = chat_room_join(room, nick, &fuzz_ops, f);
	f->joining = false;
	FUZZ_CHECK(f->m != NULL);
	FUZZ_CHECK(chat_room_has_nick(room, chat_member_nick(f->m)));
}

/* The deliver callback: checks, keeps a few, then runs its hook once. */
static void fuzz_deliver(void *ctx, struct chat_msg *msg)
{
	struct fmember *f = ctx;
	size_t self = (size_t)(f - members);
	enum hook hook = f->hook;

	FUZZ_CHECK(f->m != NULL || f->joining);
	FUZZ_CHECK(msg->refs > 0);
	if (msg->kind == CHAT_MSG_LINE) {
		FUZZ_CHECK(msg->len >= 2);
		FUZZ_CHECK(strlen(msg->text) == msg->len);
		FUZZ_CHECK(memcmp(msg->text + msg->len - 2, "\r\n", 2) == 0);
		check_clean(msg->text, msg->len - 2);
	} else {
		check_clean(msg->time, strlen(msg->time));
		check_clean(msg->nick, strlen(msg->nick));
		check_clean(msg->other, strlen(msg->other));
		check_clean(msg->body, strlen(msg->body));
	}
	f->received++;
	if (f->alt_key != 0) {
		const char *text = msg->kind == CHAT_MSG_LINE ? msg->text
							      : msg->body;
		const struct chat_rendering *r =
			chat_msg_rendering(msg, NULL, (int)f->alt_key);

		if (r == NULL)
			r = chat_msg_keep(msg, NULL, (int)f->alt_key,
					  xstrdup(text), strlen(text));
		FUZZ_CHECK(r->encoding == (int)f->alt_key &&
			   r->len == strlen(text));
		FUZZ_CHECK(memcmp(r->bytes, text, r->len) == 0);
	}
	if (f->nkept == FUZZ_KEEP) {
		chat_msg_unref(f->kept[0]);
		memmove(&f->kept[0], &f->kept[1],
			(FUZZ_KEEP - 1) * sizeof(f->kept[0]));
		f->nkept--;
	}
	f->kept[f->nkept++] = chat_msg_ref(msg);

	/* While joining the member has no handle yet: hooks wait. */
	if (f->joining)
		return;
	f->hook = HOOK_NONE;
	switch (hook) {
	case HOOK_NONE:
	case HOOK_COUNT:
		break;
	case HOOK_LEAVE:
		leave(self, CHAT_LEAVE_MENU);
		break;
	case HOOK_KICK_OTHER:
		leave((self + 1) % FUZZ_MEMBERS, CHAT_LEAVE_SLOW);
		break;
	case HOOK_SAY:
		chat_room_say(room, f->m, "echo \x1b[2J", 10);
		break;
	case HOOK_JOIN_OTHER:
		for (size_t i = 0; i < FUZZ_MEMBERS; i++)
			if (members[i].m == NULL && !members[i].joining) {
				join(i, "newcomer", HOOK_SAY, 0);
				break;
			}
		break;
	case HOOK_NOTICE:
		chat_room_notice(room, "notice \x07\xc2\x9b"
				       "31m");
		break;
	}
}

static const struct chat_member_ops fuzz_ops = { .deliver = fuzz_deliver };

/* Sanitises text and checks the result, and that it is a fixed point. */
static void check_sanitize(const char *in, size_t len)
{
	struct strbuf once, twice;

	strbuf_init(&once);
	strbuf_init(&twice);
	chat_sanitize(in, len, &once);
	check_clean(once.data ? once.data : "", once.len);
	chat_sanitize(once.data ? once.data : "", once.len, &twice);
	FUZZ_CHECK(once.len == twice.len);
	FUZZ_CHECK(once.len == 0 ||
		   (twice.data != NULL &&
		    memcmp(once.data, twice.data, once.len) == 0));
	strbuf_fini(&once);
	strbuf_fini(&twice);
}

/* Reads a text operand: a length byte, then that many bytes (clipped). */
static const char *take_text(const uint8_t *data, size_t size, size_t *pos,
			     size_t *len)
{
	const char *text;
	size_t n;

	if (*pos >= size) {
		*len = 0;
		return "";
	}
	n = data[(*pos)++];
	/* Lengths past 255 reach the CHAT_MAX_LINE refusal too. */
	if (n == 255)
		n = CHAT_MAX_LINE + 1;
	if (n > size - *pos)
		n = size - *pos;
	text = (const char *)data + *pos;
	*pos += n;
	*len = n;
	return text;
}

/* A NUL-terminated copy of a text operand, for nick arguments. */
static char *take_string(const uint8_t *data, size_t size, size_t *pos)
{
	size_t len;
	const char *text = take_text(data, size, pos, &len);

	return xstrndup(text, len);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "UTC", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0, live;
	unsigned rate = size > 0 ? data[0] % 4 : 0;

	check_sanitize((const char *)data, size);

	fake_now = 1699965296.0;
	memset(members, 0, sizeof(members));
	room = chat_room_new(fake_clock, rate, rate * 2);
	pos = size > 0 ? 1 : 0;
	while (pos < size) {
		uint8_t op = data[pos++];
		size_t slot = (op >> 4) % FUZZ_MEMBERS;
		struct fmember *f = &members[slot];
		const char *text;
		size_t len;
		char *s;

		switch (op % 12) {
		case 0:
			s = take_string(data, size, &pos);
			join(slot, (op & 0x80) ? s : NULL,
			     (enum hook)((op >> 1) % HOOK_COUNT),
			     (op & 1) ? 1 + (unsigned)(slot & 1) : 0);
			free(s);
			break;
		case 1:
			s = take_string(data, size, &pos);
			if (f->m != NULL) {
				leave_kicked(slot,
					     (enum chat_leave)(
						     (op >> 1) %
						     CHAT_LEAVE_COUNT),
					     (op & 0x80) ? s : NULL);
			}
			free(s);
			break;
		case 2:
		case 3:
			text = take_text(data, size, &pos, &len);
			if (f->m != NULL)
				chat_room_say(room, f->m, text, len);
			break;
		case 4:
			text = take_text(data, size, &pos, &len);
			if (f->m != NULL)
				chat_room_me(room, f->m, text, len);
			break;
		case 5:
			s = take_string(data, size, &pos);
			text = take_text(data, size, &pos, &len);
			if (f->m != NULL)
				chat_room_msg(room, f->m, s, text, len);
			free(s);
			break;
		case 6:
			s = take_string(data, size, &pos);
			if (f->m != NULL) {
				chat_room_rename(room, f->m, s);
				/* A hook run by the announcement may have left. */
				if (f->m != NULL)
					FUZZ_CHECK(chat_room_has_nick(
						room, chat_member_nick(f->m)));
			}
			free(s);
			break;
		case 7: {
			size_t n, width;
			struct chat_who *rows = chat_room_who(room, &n, &width);

			FUZZ_CHECK(n == chat_room_count(room));
			for (size_t j = 0; j < n; j++) {
				FUZZ_CHECK(rows[j].width <= width);
				FUZZ_CHECK(rows[j].idle >= 0);
				FUZZ_CHECK(
					chat_room_has_nick(room, rows[j].nick));
			}
			free(rows);
			break;
		}
		case 8:
			s = take_string(data, size, &pos);
			chat_room_notice(room, s);
			free(s);
			break;
		case 9:
			fake_now += (double)(op >> 4) * 0.25;
			break;
		case 10:
			/* A clock that steps back must not refill anything. */
			fake_now -= (double)(op >> 4);
			break;
		case 11:
			f->hook = (enum hook)((op >> 4) % HOOK_COUNT);
			break;
		}
		live = 0;
		for (size_t i = 0; i < FUZZ_MEMBERS; i++)
			live += members[i].m != NULL;
		FUZZ_CHECK(chat_room_count(room) == live);
	}
	/* Quiet every hook first, or a leave could bring someone back in. */
	for (size_t i = 0; i < FUZZ_MEMBERS; i++)
		members[i].hook = HOOK_NONE;
	for (size_t i = 0; i < FUZZ_MEMBERS; i++)
		leave(i, CHAT_LEAVE_HUNG_UP);
	FUZZ_CHECK(chat_room_count(room) == 0);
	chat_room_free(room);
	room = NULL;
	return 0;
}
