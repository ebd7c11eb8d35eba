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

#include "strbuf.h"

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
 * What a message is. A member's line reads the same in every language; the
 * room's own lines are said in each recipient's language, from its texts.
 */
enum chat_msg_kind {
	CHAT_MSG_LINE,    /* say and /me: text is the line itself */
	CHAT_MSG_PRIVATE, /* a /msg to one member: time, nick, body */
	CHAT_MSG_JOINED,  /* nick */
	CHAT_MSG_LEFT,    /* nick and leave; other and body for a kick */
	CHAT_MSG_RENAMED, /* other (the old nick), nick */
	CHAT_MSG_NOTICE,  /* body */
};

/* Why a member left the room: each language says each in its own words. */
enum chat_leave {
	CHAT_LEAVE_HUNG_UP, /* the call ended: quit, Ctrl-C, a silence... */
	CHAT_LEAVE_MENU,    /* back to the menus (/menu) */
	CHAT_LEAVE_IDLE,    /* quiet for --chat-idle */
	CHAT_LEAVE_SLOW,    /* did not read fast enough */
	CHAT_LEAVE_KICKED,  /* an operator's /kick: other is who, body why */
	CHAT_LEAVE_CLOSING, /* the service is shutting down */
	CHAT_LEAVE_COUNT,
};

/*
 * One way of showing a message: in a voice (the texts of one language; NULL
 * for a member's line) and an encoding (its charset_index), made by the first
 * recipient that needed it and kept for the others. bytes: "\r\n" line
 * ends, no control characters and no 0xff byte; owned by the message.
 */
struct chat_rendering {
	const void *voice;
	int encoding;
	char *bytes;
	size_t len;
};

/*
 * One message, shared by every recipient. For CHAT_MSG_LINE, text is the
 * line in UTF-8, ready to send as is; for the others it holds the fields
 * the pointers name (sanitised, "" when unused) and the words come from
 * each recipient's texts. Renderings are cached with the message.
 */
struct chat_msg {
	unsigned refs;
	enum chat_msg_kind kind;
	enum chat_leave leave; /* CHAT_MSG_LEFT */
	const char *time, *nick, *other, *body;
	struct chat_rendering *renderings;
	size_t n_renderings;
	size_t len;
	char text[];
};

/* The rendering of msg kept for (voice, encoding), or NULL. */
const struct chat_rendering *chat_msg_rendering(const struct chat_msg *msg,
						const void *voice,
						int encoding);
/*
 * Keeps bytes (malloc'd; msg owns them from now on) as msg's rendering for
 * (voice, encoding) and returns it.
 */
const struct chat_rendering *chat_msg_keep(struct chat_msg *msg,
					   const void *voice, int encoding,
					   char *bytes, size_t len);

/* Takes a reference; returns msg. */
struct chat_msg *chat_msg_ref(struct chat_msg *msg);
/* Drops a reference, freeing the message (and alt) with the last. */
void chat_msg_unref(struct chat_msg *msg);

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
/* Removes a member (m is invalid afterwards) and tells the others why. */
void chat_room_leave(struct chat_room *room, struct chat_member *m,
		     enum chat_leave why);
/*
 * The same for a member an operator (by, a nick) took out, with the
 * operator's reason ("" for none): CHAT_LEAVE_KICKED.
 */
void chat_room_leave_kicked(struct chat_room *room, struct chat_member *m,
			    const char *by, const char *reason);

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

/* Broadcasts "[HH:MM:SS] nick: text" to every other member (a line). */
enum chat_result chat_room_say(struct chat_room *room, struct chat_member *m,
			       const char *text, size_t len);
/* Broadcasts "[HH:MM:SS] * nick action" to every other member. */
enum chat_result chat_room_me(struct chat_room *room, struct chat_member *m,
			      const char *text, size_t len);
/*
 * The sanitised text of the line say or me just posted (*len bytes), as
 * the others see it; valid until the room takes another line.
 */
const char *chat_room_said(const struct chat_room *room, size_t *len);
/*
 * Sends text privately (CHAT_MSG_PRIVATE) to the member called nick
 * (case-insensitive) only; never kept in history. Checked in the order
 * CHAT_TOO_LONG, CHAT_NO_SUCH_NICK, CHAT_EMPTY, CHAT_RATE_LIMITED.
 */
enum chat_result chat_room_msg(struct chat_room *room, struct chat_member *m,
			       const char *nick, const char *text, size_t len);
/*
 * Renames a member (1..16 letters, digits, CJK, '_', '-'; unique ignoring
 * ASCII case) and announces it (CHAT_MSG_RENAMED) to everyone.
 */
enum chat_result chat_room_rename(struct chat_room *room, struct chat_member *m,
				  const char *nick);
/* One member for /who: its nick, and the seconds since it last spoke. */
struct chat_who {
	const char *nick; /* owned by the room: valid until it changes */
	size_t width;     /* the nick's terminal columns */
	long idle;
};

/*
 * The members sorted by nick (ignoring ASCII case): a new array the
 * caller frees, *n entries long; *width is the widest nick's columns.
 */
struct chat_who *chat_room_who(const struct chat_room *room, size_t *n,
			       size_t *width);
/* Sends a server notice (CHAT_MSG_NOTICE) to every member. */
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
/* Who kicks when the teacher's page does (by NULL): a name, as nicks are. */
#define CHAT_TEACHER_NICK "teacher"
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
