/*
 * chat: one chat room. Members, nicknames, the recent history, and the
 * broadcast of sanitised text. A message is formatted once into a shared,
 * reference-counted chat_msg and handed to every recipient as is.
 *
 * It knows nothing of sockets, telnet, sessions or charsets: members are
 * opaque contexts with a deliver callback, and time comes from a clock
 * function so tests can fake it.
 */
#ifndef HOTLINE_CHAT_H
#define HOTLINE_CHAT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util.h"

/* Messages a newcomer sees on joining. */
#define CHAT_HISTORY 20
/* Longest line a member may send, in bytes, before sanitising. */
#define CHAT_MAX_LINE 512
/* Nickname length in characters (letters, digits, CJK, '_', '-'). */
#define CHAT_NICK_MIN 1
#define CHAT_NICK_MAX 16
/* Default flood limit: lines a second, and the burst allowed. */
#define CHAT_RATE_DEFAULT 5
#define CHAT_BURST_DEFAULT 10

/*
 * A message's text in another encoding, made by the first recipient that
 * needs it and shared by every other recipient in that encoding. What
 * the bytes are is the recipients' business: the room only keeps them.
 */
struct chat_alt {
	struct chat_alt *next;
	unsigned key; /* which encoding, as the recipients number them */
	size_t len;
	char text[];
};

/*
 * One formatted line, shared by every recipient: UTF-8 with "\r\n" line
 * ends, no control characters and no 0xff byte, so a UTF-8 caller can be
 * sent the bytes unchanged. alt caches the same text in other encodings,
 * one per key, in a list as short as the encodings in use in the room
 * (freed with the message); UTF-8 recipients never look at it.
 */
struct chat_msg {
	unsigned refs;
	struct chat_alt *alt;
	size_t len;
	char text[];
};

/* Takes a reference; returns msg. */
struct chat_msg *chat_msg_ref(struct chat_msg *msg);
/* Drops a reference, freeing the message (and alt) with the last. */
void chat_msg_unref(struct chat_msg *msg);
/* msg's text cached under key, or NULL if no recipient has cached it. */
const struct chat_alt *chat_msg_alt(const struct chat_msg *msg, unsigned key);
/*
 * Caches a copy of len bytes as msg's text under key, which must not be
 * cached yet. Returns the copy, owned by msg until its last reference.
 */
const struct chat_alt *chat_msg_add_alt(struct chat_msg *msg, unsigned key,
					const char *bytes, size_t len);

/*
 * How a member is reached; deliver must take its own reference to keep msg.
 * deliver may call back into the room (leave, for itself or another member,
 * say, join, notice...): what that sends is queued and delivered after the
 * current message, so every member sees one order, and a member who leaves
 * gets nothing more. It must not call chat_room_free.
 */
struct chat_member_ops {
	void (*deliver)(void *ctx, struct chat_msg *msg);
	/*
	 * Optional: in chat_room_flush, the room has handed this member every
	 * line of the batch, so they may go out now (while its buffers are
	 * still in cache).
	 */
	void (*delivered)(void *ctx);
	/*
	 * Optional: an operator kicked this member with chat_room_kick (by is
	 * the operator's nick, reason maybe ""). It must leave the room with
	 * chat_room_leave before it returns; without it the room removes the
	 * member itself, telling the others "kicked by NICK: REASON".
	 */
	void (*kicked)(void *ctx, const char *by, const char *reason);
};

struct chat_room;
struct chat_member;

/* Seconds since the epoch, for timestamps, idle times and the rate limit. */
typedef double (*chat_clock_fn)(void);

/*
 * Returns an empty room; the caller owns it. rate is lines a second per
 * member (0: no limit) with burst lines allowed at once.
 */
struct chat_room *chat_room_new(chat_clock_fn clock, unsigned rate,
				unsigned burst);
/* Asks the room's owner to call chat_room_flush soon (see below). */
typedef void (*chat_schedule_fn)(void *ctx);

/*
 * From now on the room holds members' lines (say and /me) and calls
 * schedule once for a batch of them; the owner calls chat_room_flush,
 * typically at the end of the event loop's pass. Every other event
 * (joins, leaves, nicks, private lines, notices) first delivers what is
 * held, so everyone still sees one order. Without it (the default) every
 * line is delivered at once.
 */
void chat_room_defer(struct chat_room *room, chat_schedule_fn schedule,
		     void *ctx);
/* Delivers every line the room holds. */
void chat_room_flush(struct chat_room *room);

/*
 * Frees the room. Members should have left; any still in it are freed
 * without an announcement and their contexts are not touched.
 */
void chat_room_free(struct chat_room *room);

/*
 * Adds a member named nick, tells the others ("*** nick joined"), and
 * delivers the history to the newcomer only. nick may be any 1..16
 * characters the sanitiser keeps, without blanks (a masked number such as
 * "138****8000" is fine); NULL, taken or otherwise: the next free
 * "guest-N". Returns the member, owned by the room until chat_room_leave.
 */
struct chat_member *chat_room_join(struct chat_room *room, const char *nick,
				   const struct chat_member_ops *ops,
				   void *ctx);
/*
 * Removes a member (m is invalid afterwards) and tells the others why:
 * "*** nick left (hung up)", or "*** nick left" for a NULL reason.
 */
void chat_room_leave(struct chat_room *room, struct chat_member *m,
		     const char *reason);

enum chat_result {
	CHAT_OK,
	CHAT_TOO_LONG,     /* over CHAT_MAX_LINE */
	CHAT_RATE_LIMITED, /* over the flood limit: dropped */
	CHAT_EMPTY,        /* nothing left after sanitising */
	CHAT_BAD_NICK,     /* not 1..16 allowed characters */
	CHAT_NICK_TAKEN,   /* another member has it (ignoring case) */
	CHAT_NO_SUCH_NICK, /* /msg to nobody */
	CHAT_MUTED,        /* an operator muted the sender: dropped */
};

/* Broadcasts "[HH:MM:SS] nick: text" to every other member. */
enum chat_result chat_room_say(struct chat_room *room, struct chat_member *m,
			       const char *text, size_t len);
/* Broadcasts "[HH:MM:SS] * nick action" to every other member. */
enum chat_result chat_room_me(struct chat_room *room, struct chat_member *m,
			      const char *text, size_t len);
/*
 * Sends "[HH:MM:SS] nick (private): text" to the member called nick
 * (case-insensitive) only; never kept in history. Checked in the order
 * CHAT_TOO_LONG, CHAT_NO_SUCH_NICK, CHAT_EMPTY, CHAT_RATE_LIMITED.
 */
enum chat_result chat_room_msg(struct chat_room *room, struct chat_member *m,
			       const char *nick, const char *text, size_t len);
/*
 * Renames a member (1..16 letters, digits, CJK, '_', '-'; unique ignoring
 * ASCII case) and announces "*** old is now known as new" to everyone.
 */
enum chat_result chat_room_rename(struct chat_room *room, struct chat_member *m,
				  const char *nick);
/*
 * Appends "N online:\n" and a line per member sorted by nick: the nick
 * padded by display width, then "idle 5s" (or 3m, 2h). Lines end in "\n".
 */
void chat_room_who(const struct chat_room *room, struct strbuf *out);
/* Sends a server notice to every member. */
void chat_room_notice(struct chat_room *room, const char *text);

/* The member's nickname, owned by the room; it changes with a rename. */
const char *chat_member_nick(const struct chat_member *m);
/* The member called nick (ignoring ASCII case), or NULL. */
struct chat_member *chat_room_find(const struct chat_room *room,
				   const char *nick);
/*
 * An operator (by, a member) takes the member called nick out of the
 * room: its kicked callback hears it and leaves. Returns CHAT_OK or
 * CHAT_NO_SUCH_NICK.
 */
enum chat_result chat_room_kick(struct chat_room *room,
				const struct chat_member *by, const char *nick,
				const char *reason);
/*
 * An operator mutes (or unmutes) the member called nick: a muted member's
 * say, me and msg return CHAT_MUTED. Returns CHAT_OK or CHAT_NO_SUCH_NICK.
 */
enum chat_result chat_room_mute(struct chat_room *room, const char *nick,
				bool muted);
bool chat_member_is_muted(const struct chat_member *m);
/* Members in the room. */
size_t chat_room_count(const struct chat_room *room);
/* Whether a nick names a member (case-insensitive), for completion. */
bool chat_room_has_nick(const struct chat_room *room, const char *nick);

/*
 * Appends what others may see of untrusted text: C0 and C1 controls,
 * escape sequences (CSI, OSC and other strings, ESC and one character) and
 * bidi overrides and isolates removed, tab as a space, each invalid UTF-8
 * byte as U+FFFD. The result is valid UTF-8 without controls or 0xff.
 */
void chat_sanitize(const char *in, size_t len, struct strbuf *out);

#endif
