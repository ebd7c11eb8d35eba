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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/events.h"
#include "log/trace.h"
#include "mem.h"
#include "session_chat.h"
#include "strbuf.h"

/* The text that words one of the room's own lines; MENU_TEXT_COUNT: none. */
static enum menu_text_id chat_text_of(const struct chat_msg *msg)
{
	static const enum menu_text_id left[CHAT_LEAVE_COUNT] = {
		[CHAT_LEAVE_HUNG_UP] = MENU_TEXT_CHAT_LEFT_HUNG_UP,
		[CHAT_LEAVE_MENU] = MENU_TEXT_CHAT_LEFT_MENU,
		[CHAT_LEAVE_IDLE] = MENU_TEXT_CHAT_LEFT_IDLE,
		[CHAT_LEAVE_SLOW] = MENU_TEXT_CHAT_LEFT_SLOW,
		[CHAT_LEAVE_KICKED] = MENU_TEXT_CHAT_LEFT_KICKED,
		[CHAT_LEAVE_CLOSING] = MENU_TEXT_CHAT_LEFT_CLOSING,
	};

	switch (msg->kind) {
	case CHAT_MSG_PRIVATE:
		return MENU_TEXT_CHAT_PRIVATE;
	case CHAT_MSG_JOINED:
		return MENU_TEXT_CHAT_JOINED;
	case CHAT_MSG_LEFT:
		if (msg->leave == CHAT_LEAVE_KICKED && msg->body[0] != '\0')
			return MENU_TEXT_CHAT_LEFT_KICKED_WHY;
		return left[msg->leave];
	case CHAT_MSG_RENAMED:
		return MENU_TEXT_CHAT_RENAMED;
	case CHAT_MSG_NOTICE:
		return MENU_TEXT_CHAT_NOTICE;
	case CHAT_MSG_LINE:
		break;
	}
	return MENU_TEXT_COUNT;
}

/* The encoding key of a rendering in UTF-8, before any conversion. */
static int chat_utf8_key(void)
{
	return (int)charset_index(charset_utf8());
}

/*
 * Words one of the room's own lines in this caller's language, once per
 * language: the rendering is kept with the message for every member who
 * speaks it. Line ends become CR LF, as in a member's line. False if the
 * set lacks the text.
 */
/* Out of line: the fan-out's path for a member's line stays short. */
static bool __attribute__((noinline))
chat_render(const struct session *s, struct chat_msg *msg)
{
	enum menu_text_id id = chat_text_of(msg);
	const char *text;
	struct strbuf words, out;

	if (chat_msg_rendering(msg, s->set, chat_utf8_key()) != NULL)
		return true;
	text = menu_set_text_of(s->set, id);
	if (text == NULL)
		return false;
	/* clang-format off */
	const char *vars[] = {
		"time", msg->time, "nick", msg->nick, "old", msg->other,
		"by", msg->other, "reason", msg->body, "text", msg->body, NULL,
	};
	/* clang-format on */

	strbuf_init(&words);
	strbuf_init(&out);
	menu_expand(text, vars, &words);
	for (size_t i = 0; i < words.len; i++) {
		if (words.data[i] == '\n')
			strbuf_append_char(&out, '\r');
		strbuf_append_char(&out, words.data[i]);
	}
	strbuf_fini(&words);
	chat_msg_keep(msg, s->set, chat_utf8_key(),
		      out.data != NULL ? out.data : xstrdup(""), out.len);
	return true;
}

/*
 * Hands a room message to the connection, in this caller's language. A
 * member's line, nearly every message, goes as it is: this is the room's
 * fan-out, once per member per line.
 */
static void chat_pass(struct session *s, struct chat_msg *msg)
{
	if (msg->kind == CHAT_MSG_LINE) {
		s->io.deliver(s->io.ctx, msg, NULL);
		return;
	}
	if (chat_render(s, msg))
		s->io.deliver(s->io.ctx, msg, s->set);
}

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
	chat_pass(s, msg);
}

/* The room's batch for this caller is queued: it leaves in one write. */
void session_chat_delivered(void *ctx)
{
	struct session *s = ctx;

	if (!s->joining)
		s->io.send_now(s->io.ctx);
}

/* Why a member left, for the log. */
static const char *const chat_leave_names[CHAT_LEAVE_COUNT] = {
	[CHAT_LEAVE_HUNG_UP] = "hung up",
	[CHAT_LEAVE_MENU] = "back to the menu",
	[CHAT_LEAVE_IDLE] = "idle",
	[CHAT_LEAVE_SLOW] = "too slow",
	[CHAT_LEAVE_KICKED] = "kicked",
	[CHAT_LEAVE_CLOSING] = "shutdown",
};

/*
 * Leaves the room, if in it. The exit hook is the usual way out; a caller
 * taken out calls it before saying why, so that the room's last lines
 * (which leaving delivers) come before the reason. by and reason: a kick.
 */
static void session_chat_leave(struct session *s, enum chat_leave why,
			       const char *by, const char *reason)
{
	if (s->member == NULL)
		return;
	if (events_enabled) {
		const char *text = chat_leave_names[why];

		events_emit_chat(s->id, chat_member_nick(s->member), text,
				 strlen(text), "leave");
	}
	if (why == CHAT_LEAVE_KICKED)
		chat_room_leave_kicked(s->env->room, s->member, by, reason);
	else
		chat_room_leave(s->env->room, s->member, why);
	s->member = NULL;
	log_info(s->id, "left the chat room (%s)", chat_leave_names[why]);
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
	if (events_enabled)
		events_emit_chat(s->id, vars[1], "", 0, "join");
	session_say_with(s, MENU_TEXT_CHAT_BANNER, vars);
	for (size_t i = 0; i < s->nheld; i++) {
		chat_pass(s, s->held[i]);
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

/*
 * The answer to a line for the whole room (kind "say" or "me"): the
 * events file hears what the room posted, as the others see it.
 */
static enum session_state chat_posted(struct session *s, enum chat_result r,
				      const char *kind)
{
	if (r == CHAT_OK && events_enabled) {
		size_t len;
		const char *text = chat_room_said(s->env->room, &len);

		events_emit_chat(s->id, chat_member_nick(s->member), text, len,
				 kind);
	}
	return chat_result(s, r, NULL);
}

/* Says how to use a command given without its arguments. */
static enum session_state chat_usage(struct session *s,
				     enum menu_text_id syntax)
{
	struct strbuf usage;
	const char *vars[] = { "usage", NULL, NULL };

	strbuf_init(&usage);
	session_expand_inline(s, syntax, NULL, &usage);
	vars[1] = usage.data != NULL ? usage.data : "";
	session_say_with(s, MENU_TEXT_CHAT_USAGE, vars);
	strbuf_fini(&usage);
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
		return chat_usage(s, MENU_TEXT_CHAT_SYNTAX_MSG);
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
		return chat_usage(s, MENU_TEXT_CHAT_SYNTAX_NICK);
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
					     ? MENU_TEXT_CHAT_SYNTAX_KICK
				     : strcmp(cmd, "/mute") == 0
					     ? MENU_TEXT_CHAT_SYNTAX_MUTE
					     : MENU_TEXT_CHAT_SYNTAX_UNMUTE);
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
		return chat_usage(s, MENU_TEXT_CHAT_SYNTAX_WALL);
	strbuf_init(&clean);
	chat_sanitize(arg, len < CHAT_MAX_LINE ? len : CHAT_MAX_LINE, &clean);
	log_info(s->id, "operator %s walls: %s", chat_member_nick(s->member),
		 clean.data ? clean.data : "");
	if (events_enabled)
		events_emit_chat(s->id, chat_member_nick(s->member),
				 clean.data ? clean.data : "", clean.len,
				 "wall");
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
	/* by may be s's own nick, freed when s leaves: keep a copy. */
	char kicker[SESSION_NICK_MAX];
	const char *vars[] = { "nick", kicker, "reason", reason, NULL };

	if (s->member == NULL)
		return SESSION_STAY;
	snprintf(kicker, sizeof(kicker), "%s", by);
	session_chat_leave(s, CHAT_LEAVE_KICKED, kicker, reason);
	session_say_with(s, MENU_TEXT_CHAT_KICKED, vars);
	return session_home(s);
}

/* Too slow a reader for the room: out of it and back to the main menu. */
enum session_state session_chat_too_slow(struct session *s)
{
	if (s->member == NULL)
		return SESSION_STAY;
	session_chat_leave(s, CHAT_LEAVE_SLOW, NULL, NULL);
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
	session_chat_leave(s,
			   next == SESSION_CLOSING ? s->leave : CHAT_LEAVE_MENU,
			   NULL, NULL);
}

/* An idle time in words: "5 秒", "3 分钟", "2 小时", rounded down. */
static void chat_idle_words(const struct session *s, long secs,
			    struct strbuf *out)
{
	char n[24];
	const char *vars[] = { "n", n, NULL };
	enum menu_text_id id = MENU_TEXT_CHAT_SECONDS;

	if (secs >= 3600) {
		secs /= 3600;
		id = MENU_TEXT_CHAT_HOURS;
	} else if (secs >= 60) {
		secs /= 60;
		id = MENU_TEXT_CHAT_MINUTES;
	}
	snprintf(n, sizeof(n), "%ld", secs);
	session_expand_inline(s, id, vars, out);
}

/* /who: the heading, then a row per member, nicks padded to one column. */
static void chat_who(const struct session *s, struct strbuf *out)
{
	size_t n, width;
	struct chat_who *rows = chat_room_who(s->env->room, &n, &width);
	const char *row_text = menu_set_text_of(s->set, MENU_TEXT_CHAT_WHO_ROW);
	struct strbuf nick, idle;
	char count[24];
	const char *head[] = { "count", count, NULL };
	const char *row[] = { "nick", NULL, "idle", NULL, NULL };

	snprintf(count, sizeof(count), "%zu", n);
	session_expand_inline(s, MENU_TEXT_CHAT_WHO, head, out);
	strbuf_append_char(out, '\n');
	strbuf_init(&nick);
	strbuf_init(&idle);
	for (size_t i = 0; i < n; i++) {
		strbuf_reset(&nick);
		strbuf_reset(&idle);
		strbuf_append_str(&nick, rows[i].nick);
		for (size_t w = rows[i].width; w < width; w++)
			strbuf_append_char(&nick, ' ');
		chat_idle_words(s, rows[i].idle, &idle);
		row[1] = nick.data;
		row[3] = idle.data != NULL ? idle.data : "";
		if (row_text != NULL)
			menu_expand(row_text, row, out);
	}
	strbuf_fini(&nick);
	strbuf_fini(&idle);
	free(rows);
}

/* An operator's /who as it is built: its session, the rows so far. */
struct op_who {
	const struct session *s;
	struct strbuf rows;
	size_t count;
};

/* One session's row in the operator's words. */
static void op_who_row(void *arg, const struct session_row *row)
{
	struct op_who *w = arg;
	const char *text = menu_set_text_of(w->s->set,
					    MENU_TEXT_CHAT_OP_WHO_ROW);
	char id[16], failures[16], state[96];
	struct strbuf idle, role;

	snprintf(id, sizeof(id), "%u", row->id);
	snprintf(failures, sizeof(failures), "%d", row->summary.failures);
	/* The machine's state names are the lesson's: shown as they are. */
	snprintf(state, sizeof(state), "%s%s%s", row->summary.state,
		 row->summary.menu[0] ? " " : "", row->summary.menu);
	strbuf_init(&idle);
	strbuf_init(&role);
	chat_idle_words(w->s, row->idle, &idle);
	if (row->summary.op)
		session_expand_inline(w->s, MENU_TEXT_CHAT_OP_ROLE, NULL,
				      &role);
	/* clang-format off */
	const char *vars[] = {
		"id", id, "peer", row->peer, "state", state,
		"nick", row->summary.nick, "failures", failures,
		"idle", idle.data != NULL ? idle.data : "",
		"role", role.data != NULL ? role.data : "", NULL,
	};
	/* clang-format on */

	if (text != NULL)
		menu_expand(text, vars, &w->rows);
	strbuf_fini(&idle);
	strbuf_fini(&role);
	w->count++;
}

/* The operator's /who: every session, wherever it is, after the room. */
static void op_who(const struct session *s, struct strbuf *out)
{
	struct op_who w = { .s = s };
	char count[24];
	const char *vars[] = { "count", count, NULL };

	strbuf_init(&w.rows);
	s->env->hub.list(s->env->hub.ctx, op_who_row, &w);
	snprintf(count, sizeof(count), "%zu", w.count);
	session_expand_inline(s, MENU_TEXT_CHAT_OP_WHO, vars, out);
	strbuf_append_char(out, '\n');
	if (w.rows.len > 0)
		strbuf_append(out, w.rows.data, w.rows.len);
	strbuf_fini(&w.rows);
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
		chat_who(s, &sb);
		/* An operator sees every session, not only the room. */
		if (s->op && s->env->hub.list != NULL)
			op_who(s, &sb);
		session_write(s, sb.data ? sb.data : "");
		strbuf_fini(&sb);
		return SESSION_STAY;
	}
	if (IS("/nick"))
		return chat_cmd_nick(s, arg, arg_len);
	if (IS("/me")) {
		if (arg_len == 0)
			return chat_usage(s, MENU_TEXT_CHAT_SYNTAX_ME);
		return chat_posted(s,
				   chat_room_me(s->env->room, s->member, arg,
						arg_len),
				   "me");
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
	return chat_posted(s, chat_room_say(s->env->room, s->member, text, len),
			   "say");
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
	s->leave = CHAT_LEAVE_IDLE;
	return session_goodbye(s, "idle");
}
