/*
 * session_chat: the SESSION_CHAT state. A member's lines become messages
 * to the room, or /commands; the room's messages reach the caller through
 * session_io.deliver. An operator acts on other members only through the
 * room's API (chat_room_kick, chat_room_mute); the member's own session
 * hears of it through the callbacks session.c registered and changes its
 * own state. Every text the caller sees comes from the menu set. It calls
 * only down into session_base, never up into session.c or into the
 * account flow; it knows the chat room's API, not its insides, and no
 * sockets.
 */
#include <string.h>

#include "session_chat.h"
#include "trace.h"
#include "util.h"

/* Passes a room message to the connection, or holds it while joining. */
void session_chat_deliver(void *ctx, struct chat_msg *msg)
{
	struct session *s = ctx;

	if (s->joining) {
		/* The history comes before the banner is shown: keep it a moment. */
		if (s->nheld < CHAT_HISTORY + 1)
			s->held[s->nheld++] = chat_msg_ref(msg);
		return;
	}
	s->io.deliver(s->io.ctx, msg);
}

/* The room's batch for this caller is queued: it leaves in one write. */
void session_chat_delivered(void *ctx)
{
	struct session *s = ctx;

	if (!s->joining)
		s->io.send_now(s->io.ctx);
}

/*
 * Leaves the room, if in it. The exit hook is the usual way out; a caller
 * taken out calls it before saying why, so that the room's last lines
 * (which leaving delivers) come before the reason.
 */
static void session_chat_leave(struct session *s, const char *reason)
{
	if (s->member == NULL)
		return;
	chat_room_leave(s->env->room, s->member, reason);
	s->member = NULL;
	log_info(s->id, "left the chat room (%s)", reason ? reason : "left");
}

/* The idle limit: a warning a minute before it, then the goodbye. */
void session_chat_arm_timer(struct session *s)
{
	unsigned idle = s->env->chat_idle;

	if (idle == 0)
		session_arm_timer(s, 0);
	else if (s->idle_warned || idle <= 60)
		session_arm_timer(s, idle <= 60 ? idle : 60);
	else
		session_arm_timer(s, idle - 60);
}

/* Joins the room: banner with the caller's name, then the recent history. */
void session_chat_enter(struct session *s)
{
	struct chat_msg *held[CHAT_HISTORY + 1];
	const char *vars[] = { "nick", NULL, NULL };
	char masked[ACCOUNT_NUMBER_LEN + 1];

	s->io.set_input(s->io.ctx, LINEEDIT_INPUT_TEXT);
	s->idle_warned = false;
	session_chat_arm_timer(s);
	if (s->member != NULL)
		return;
	s->joining = true;
	s->held = held;
	/* The chat room knows a logged-in caller by the masked number. */
	if (s->account[0] != '\0')
		account_mask_number(s->account, masked, sizeof(masked));
	s->member = chat_room_join(s->env->room,
				   s->account[0] != '\0' ? masked : NULL,
				   s->member_ops, s);
	s->joining = false;
	vars[1] = chat_member_nick(s->member);
	log_info(s->id, "joined the chat room as %s", vars[1]);
	session_say_with(s, MENU_TEXT_CHAT_BANNER, vars);
	for (size_t i = 0; i < s->nheld; i++) {
		s->io.deliver(s->io.ctx, s->held[i]);
		chat_msg_unref(s->held[i]);
	}
	s->nheld = 0;
	s->held = NULL;
}

/* Tells the caller what went wrong with a line, if anything. */
static enum session_state chat_result(struct session *s, enum chat_result r,
				      const char *nick)
{
	const char *vars[] = { "nick", nick, NULL };

	switch (r) {
	case CHAT_OK:
	case CHAT_EMPTY:
		break;
	case CHAT_TOO_LONG:
		session_say(s, MENU_TEXT_CHAT_TOO_LONG);
		break;
	case CHAT_RATE_LIMITED:
		session_say(s, MENU_TEXT_CHAT_SLOW_DOWN);
		break;
	case CHAT_BAD_NICK:
		session_say(s, MENU_TEXT_CHAT_BAD_NICK);
		break;
	case CHAT_NICK_TAKEN:
		session_say_with(s, MENU_TEXT_CHAT_NICK_TAKEN, vars);
		break;
	case CHAT_NO_SUCH_NICK:
		session_say_with(s, MENU_TEXT_CHAT_NO_SUCH_NICK, vars);
		break;
	case CHAT_MUTED:
		session_say(s, MENU_TEXT_CHAT_MUTED);
		break;
	}
	return SESSION_STAY;
}

/* Splits "word rest" at the first run of spaces; *rest is "" if none. */
static size_t split_word(const char *text, size_t len, const char **rest,
			 size_t *rest_len)
{
	size_t n = 0;

	while (n < len && text[n] != ' ')
		n++;
	*rest = text + n;
	*rest_len = len - n;
	while (*rest_len > 0 && **rest == ' ') {
		(*rest)++;
		(*rest_len)--;
	}
	return n;
}

/* Says how to use a command given without its arguments. */
static enum session_state chat_usage(struct session *s, const char *usage)
{
	const char *vars[] = { "usage", usage, NULL };

	session_say_with(s, MENU_TEXT_CHAT_USAGE, vars);
	return SESSION_STAY;
}

/* /msg NICK TEXT */
static enum session_state chat_cmd_msg(struct session *s, const char *arg,
				       size_t len)
{
	char nick[SESSION_NICK_MAX];
	const char *text;
	size_t text_len, n = split_word(arg, len, &text, &text_len);
	enum chat_result r;

	if (n == 0 || text_len == 0)
		return chat_usage(s, "/msg NICK TEXT");
	if (n >= sizeof(nick)) {
		/* Longer than any nickname can be: cut at a character. */
		n = sizeof(nick) - 1;
		while (n > 0 && ((unsigned char)arg[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(nick, arg, n);
	nick[n] = '\0';
	r = chat_room_msg(s->env->room, s->member, nick, text, text_len);
	if (r == CHAT_OK) {
		const char *vars[] = { "nick", nick, NULL };

		session_say_with(s, MENU_TEXT_CHAT_SENT, vars);
		return SESSION_STAY;
	}
	return chat_result(s, r, nick);
}

/* /nick NAME */
static enum session_state chat_cmd_nick(struct session *s, const char *arg,
					size_t len)
{
	char nick[SESSION_NICK_MAX];

	if (len == 0)
		return chat_usage(s, "/nick NAME");
	if (len >= sizeof(nick))
		return chat_result(s, CHAT_BAD_NICK, NULL);
	memcpy(nick, arg, len);
	nick[len] = '\0';
	return chat_result(s, chat_room_rename(s->env->room, s->member, nick),
			   nick);
}

/* --- the teacher's controls ------------------------------------------- */

/* The worker's verdict on an /op password. */
static enum session_state op_checked(struct session *s,
				     const struct account_request *req)
{
	if (req->status == ACCOUNT_OK) {
		s->op = true;
		log_info(s->id, "operator: %s", chat_member_nick(s->member));
		session_say(s, MENU_TEXT_CHAT_OP_OK);
	} else {
		s->op_tries++;
		log_info(s->id, "operator password refused (%d of %d)",
			 s->op_tries, SESSION_OP_TRIES);
		session_say(s, MENU_TEXT_CHAT_OP_REFUSED);
	}
	return SESSION_CHAT;
}

/* Whether this session may try an operator password at all. */
static bool op_may_try(const struct session *s)
{
	return s->env->operator_hash != NULL && s->env->accounts != NULL &&
	       s->op_tries < SESSION_OP_TRIES;
}

/* Hands a password to the worker thread: never hashed on the event loop. */
static enum session_state op_check(struct session *s, const char *password,
				   size_t len)
{
	struct account_request req = { .op = ACCOUNT_OP_CHECK_HASH };
	enum session_state next;

	if (!op_may_try(s) || len > ACCOUNT_SECRET_MAX) {
		session_say(s, MENU_TEXT_CHAT_OP_REFUSED);
		return s->state == SESSION_CHAT ? SESSION_STAY : SESSION_CHAT;
	}
	memcpy(req.secret, password, len);
	req.hash = s->env->operator_hash;
	next = session_submit(s, &req, op_checked);
	explicit_bzero(req.secret, sizeof(req.secret));
	return next;
}

/*
 * /op asks for the password with the echo off, so it never shows on a
 * projected screen; /op PASSWORD (for scripts and pipes) checks at once.
 */
static enum session_state chat_cmd_op(struct session *s, const char *arg,
				      size_t len)
{
	if (len > 0)
		return op_check(s, arg, len);
	if (!op_may_try(s)) {
		session_say(s, MENU_TEXT_CHAT_OP_REFUSED);
		return SESSION_STAY;
	}
	return SESSION_OP_PASSWORD;
}

/* SESSION_OP_PASSWORD: the prompt, with input hidden like a service password. */
void session_op_password_enter(struct session *s)
{
	s->io.set_input(s->io.ctx, LINEEDIT_INPUT_SECRET);
	session_chat_arm_timer(s);
	session_say(s, MENU_TEXT_CHAT_OP_PASSWORD);
}

/* The password line; an empty one goes back to the room. */
enum session_state session_op_password_on_input(struct session *s,
						const char *text, size_t len,
						bool is_key)
{
	(void)is_key;
	if (len == 0)
		return SESSION_CHAT;
	return op_check(s, text, len);
}

/* Copies a nickname argument; false if it is longer than any nickname. */
static bool nick_arg(const char *arg, size_t len, char *out, size_t outsz)
{
	if (len == 0 || len >= outsz)
		return false;
	memcpy(out, arg, len);
	out[len] = '\0';
	return true;
}

/* An operator's command on someone: /kick NICK [REASON], /mute, /unmute. */
static enum session_state chat_cmd_moderate(struct session *s, const char *cmd,
					    const char *arg, size_t len)
{
	char nick[SESSION_NICK_MAX];
	const char *rest;
	size_t rest_len, n = split_word(arg, len, &rest, &rest_len);
	const char *vars[] = { "action", cmd, "nick", nick, NULL };
	const struct chat_member *target;
	bool self;

	if (!nick_arg(arg, n, nick, sizeof(nick)))
		return chat_usage(s, strcmp(cmd, "/kick") == 0
					     ? "/kick NICK [REASON]"
					     : "/mute NICK");
	target = chat_room_find(s->env->room, nick);
	if (target == NULL) {
		const char *none[] = { "nick", nick, NULL };

		session_say_with(s, MENU_TEXT_CHAT_NO_SUCH_NICK, none);
		return SESSION_STAY;
	}
	/* An operator kicking themself is back at the menu when this returns. */
	self = target == s->member;
	if (strcmp(cmd, "/kick") == 0) {
		struct strbuf reason;

		strbuf_init(&reason);
		chat_sanitize(rest, rest_len < 200 ? rest_len : 200, &reason);
		log_info(s->id, "operator %s kicks %s (%s)",
			 chat_member_nick(s->member), nick,
			 reason.len ? reason.data : "-");
		chat_room_kick(s->env->room, s->member, nick,
			       reason.len ? reason.data : "");
		strbuf_fini(&reason);
	} else {
		bool mute = strcmp(cmd, "/mute") == 0;

		chat_room_mute(s->env->room, nick, mute);
		log_info(s->id, "operator %s %s %s",
			 chat_member_nick(s->member),
			 mute ? "mutes" : "unmutes", nick);
	}
	if (!self)
		session_say_with(s, MENU_TEXT_CHAT_OP_DONE, vars);
	return SESSION_STAY;
}

/* /wall TEXT: to every session, menus included. */
static enum session_state chat_cmd_wall(struct session *s, const char *arg,
					size_t len)
{
	struct strbuf clean;

	if (len == 0)
		return chat_usage(s, "/wall TEXT");
	strbuf_init(&clean);
	chat_sanitize(arg, len < CHAT_MAX_LINE ? len : CHAT_MAX_LINE, &clean);
	log_info(s->id, "operator %s walls: %s", chat_member_nick(s->member),
		 clean.data ? clean.data : "");
	s->env->hub.wall(s->env->hub.ctx, clean.data ? clean.data : "");
	strbuf_fini(&clean);
	return SESSION_STAY;
}

/*
 * Taken out of the room by an operator (the room's kicked callback, which
 * session.c passes on): told why, back to the main menu.
 */
enum session_state session_chat_kicked(struct session *s, const char *by,
				       const char *reason)
{
	char why[CHAT_MAX_LINE];
	/* by may be s's own nick, freed when s leaves: keep a copy. */
	char kicker[SESSION_NICK_MAX];
	const char *vars[] = { "nick", kicker, "reason", reason, NULL };

	if (s->member == NULL)
		return SESSION_STAY;
	snprintf(kicker, sizeof(kicker), "%s", by);
	snprintf(why, sizeof(why), "kicked by %s%s%s", by,
		 reason[0] ? ": " : "", reason);
	session_chat_leave(s, why);
	session_say_with(s, MENU_TEXT_CHAT_KICKED, vars);
	return session_home(s);
}

/* Too slow a reader for the room: out of it and back to the main menu. */
enum session_state session_chat_too_slow(struct session *s)
{
	if (s->member == NULL)
		return SESSION_STAY;
	session_chat_leave(s, "too slow");
	session_say(s, MENU_TEXT_CHAT_REMOVED);
	return session_home(s);
}

/* Leaving the room's states for another: out of the room, saying why. */
void session_chat_exit(struct session *s, enum session_state next)
{
	/* The room's states, and waiting for an /op password's check. */
	if (next == SESSION_CHAT || next == SESSION_OP_PASSWORD ||
	    next == SESSION_WAIT)
		return;
	if (next == SESSION_CLOSING)
		session_chat_leave(s, s->close_reason ? s->close_reason
						      : "hung up");
	else
		session_chat_leave(s, NULL);
}

/* A line starting with '/': one of the room's commands. */
static enum session_state chat_command(struct session *s, const char *line,
				       size_t len)
{
	const char *arg;
	size_t arg_len, n = split_word(line, len, &arg, &arg_len);

#define IS(cmd) (n == sizeof(cmd) - 1 && memcmp(line, cmd, n) == 0)
	if (IS("/who")) {
		struct strbuf sb;

		strbuf_init(&sb);
		chat_room_who(s->env->room, &sb);
		/* An operator sees every session, not only the room. */
		if (s->op && s->env->hub.list != NULL)
			s->env->hub.list(s->env->hub.ctx, &sb);
		session_write(s, sb.data ? sb.data : "");
		strbuf_fini(&sb);
		return SESSION_STAY;
	}
	if (IS("/nick"))
		return chat_cmd_nick(s, arg, arg_len);
	if (IS("/me")) {
		if (arg_len == 0)
			return chat_usage(s, "/me ACTION");
		return chat_result(s,
				   chat_room_me(s->env->room, s->member, arg,
						arg_len),
				   NULL);
	}
	if (IS("/msg"))
		return chat_cmd_msg(s, arg, arg_len);
	if (IS("/op"))
		return chat_cmd_op(s, arg, arg_len);
	if (IS("/wall") || IS("/kick") || IS("/mute") || IS("/unmute")) {
		char cmd[8];

		if (!s->op) {
			session_say(s, MENU_TEXT_CHAT_NOT_OP);
			return SESSION_STAY;
		}
		if (IS("/wall"))
			return chat_cmd_wall(s, arg, arg_len);
		snprintf(cmd, sizeof(cmd), "%.*s", (int)n, line);
		return chat_cmd_moderate(s, cmd, arg, arg_len);
	}
	if (IS("/wire")) {
		session_say_wire(s);
		return SESSION_STAY;
	}
	if (IS("/help")) {
		session_say(s, MENU_TEXT_CHAT_HELP);
		return SESSION_STAY;
	}
	if (IS("/menu"))
		return session_home(s); /* the exit hook leaves the room */
	if (IS("/quit"))
		return session_goodbye(s, "quit");
#undef IS
	{
		char cmd[CHAT_NICK_MAX * 4 + 8];
		struct strbuf clean;
		const char *vars[] = { "command", cmd, NULL };

		/* The caller's own word, made safe to show back. */
		strbuf_init(&clean);
		chat_sanitize(line, n < 64 ? n : 64, &clean);
		snprintf(cmd, sizeof(cmd), "%s", clean.data ? clean.data : "/");
		strbuf_fini(&clean);
		session_say_with(s, MENU_TEXT_CHAT_UNKNOWN, vars);
	}
	return SESSION_STAY;
}

/* A line in the room: a command or a message to everyone else. */
enum session_state session_chat_on_input(struct session *s, const char *text,
					 size_t len, bool is_key)
{
	(void)is_key; /* text input: only whole lines arrive */
	if (len == 0)
		return SESSION_STAY;
	if (text[0] == '/')
		return chat_command(s, text, len);
	return chat_result(s, chat_room_say(s->env->room, s->member, text, len),
			   NULL);
}

/* Quiet too long: a warning first, then the goodbye. */
enum session_state session_chat_on_timeout(struct session *s)
{
	if (!s->idle_warned && s->env->chat_idle > 60) {
		s->idle_warned = true;
		session_say(s, MENU_TEXT_CHAT_IDLE_WARNING);
		session_chat_arm_timer(s);
		return SESSION_STAY;
	}
	return session_goodbye(s, "idle");
}
