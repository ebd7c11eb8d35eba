/*
 * session: one explicit state machine per caller. Each state has a row in
 * session_states: a name, an enter hook that shows its menu or prompt,
 * input and timeout handlers that return the next state, and an optional
 * exit hook (leaving the room, giving up on the account worker). Every
 * transition goes through session_set_state. Menus are data, so "at a
 * menu" is one state pointing at the current menu of the current set.
 *
 * This file holds the table, the menu, wait and closing states and the
 * public API; it is the only one that calls into the flow files
 * (session_account.c, session_chat.c), which call down into session_base
 * and never back. Answers that arrive later (the account worker's, an
 * operator's kick through the room) come here through the callbacks
 * registered in session_new, which ask the flow for the next state.
 *
 * It must not know about bytes, telnet, charsets on the wire or sockets:
 * it only writes UTF-8 text through struct session_io.
 */
#include "session.h"
#include "session_account.h"
#include "session_chat.h"
#include "session_table.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "log/events.h"
#include "log/trace.h"
#include "mem.h"
#include "strbuf.h"

static void menu_enter(struct session *s);
static enum session_state menu_on_input(struct session *s, const char *text,
					size_t len, bool is_key);
static void wait_enter(struct session *s);
static enum session_state session_wait_on_input(struct session *s,
						const char *text, size_t len,
						bool is_key);
static enum session_state session_wait_on_timeout(struct session *s);
static void wait_exit(struct session *s, enum session_state next);
static enum session_state prompt_on_timeout(struct session *s);
static void closing_enter(struct session *s);
static enum session_state closing_on_input(struct session *s, const char *text,
					   size_t len, bool is_key);
static enum session_state closing_on_timeout(struct session *s);
static void session_account_done(void *ctx, const struct account_request *req);
static void session_member_kicked(void *ctx, const char *by,
				  const char *reason);
static void session_input(struct session *s, const char *text, size_t len,
			  bool is_key);

/* How the room reaches a member's session; registered in session_new. */
static const struct chat_member_ops session_member_ops = {
	.deliver = session_chat_deliver,
	.delivered = session_chat_delivered,
	.kicked = session_member_kicked,
};

static const struct session_state_ops session_states[] = {
	[SESSION_MENU] = {
		.name = "MENU",
		.timer = SESSION_TIMER_MENU,
		.enter = menu_enter,
		.on_input = menu_on_input,
		.on_timeout = prompt_on_timeout,
	},
	[SESSION_QUERY_NUMBER] = {
		.name = "QUERY_NUMBER",
		.timer = SESSION_TIMER_INPUT,
		.enter = session_query_number_enter,
		.on_input = session_query_number_on_input,
		.on_timeout = prompt_on_timeout,
	},
	[SESSION_QUERY_PASSWORD] = {
		.name = "QUERY_PASSWORD",
		.timer = SESSION_TIMER_INPUT,
		.enter = session_query_password_enter,
		.on_input = session_query_password_on_input,
		.on_timeout = prompt_on_timeout,
	},
	[SESSION_RECHARGE_NUMBER] = {
		.name = "RECHARGE_NUMBER",
		.timer = SESSION_TIMER_INPUT,
		.enter = session_recharge_number_enter,
		.on_input = session_recharge_number_on_input,
		.on_timeout = prompt_on_timeout,
	},
	[SESSION_RECHARGE_CARD] = {
		.name = "RECHARGE_CARD",
		.timer = SESSION_TIMER_INPUT,
		.enter = session_recharge_card_enter,
		.on_input = session_recharge_card_on_input,
		.on_timeout = prompt_on_timeout,
	},
	[SESSION_RECHARGE_AMOUNT] = {
		.name = "RECHARGE_AMOUNT",
		.timer = SESSION_TIMER_INPUT,
		.enter = session_recharge_amount_enter,
		.on_input = session_recharge_amount_on_input,
		.on_timeout = prompt_on_timeout,
	},
	[SESSION_RECHARGE_CONFIRM] = {
		.name = "RECHARGE_CONFIRM",
		.timer = SESSION_TIMER_INPUT,
		.enter = session_recharge_confirm_enter,
		.on_input = session_recharge_confirm_on_input,
		.on_timeout = prompt_on_timeout,
	},
	[SESSION_WAIT] = {
		.name = "WAIT",
		.enter = wait_enter,
		.on_input = session_wait_on_input,
		.on_timeout = session_wait_on_timeout,
		.exit = wait_exit,
	},
	[SESSION_CHAT] = {
		.name = "CHAT",
		.enter = session_chat_enter,
		.on_input = session_chat_on_input,
		.on_timeout = session_chat_on_timeout,
		.exit = session_chat_exit,
	},
	[SESSION_OP_PASSWORD] = {
		.name = "OP_PASSWORD",
		.enter = session_op_password_enter,
		.on_input = session_op_password_on_input,
		.on_timeout = session_chat_on_timeout,
		.exit = session_chat_exit,
	},
	[SESSION_CLOSING] = {
		.name = "CLOSING",
		.enter = closing_enter,
		.on_input = closing_on_input,
		.on_timeout = closing_on_timeout,
	},
};
static_assert(ARRAY_LEN(session_states) == SESSION_STATE_COUNT,
	      "every session state needs a handler row");

/* Name of a state for logs and traces. */
const char *session_state_name(enum session_state state)
{
	if ((unsigned)state >= SESSION_STATE_COUNT)
		return "?";
	return session_states[state].name;
}

/* The states in which the caller types into the chat room. */
static bool session_in_room_state(const struct session *s)
{
	return s->state == SESSION_CHAT || s->state == SESSION_OP_PASSWORD;
}

/* The row of a state, for the test that every row is whole. */
const struct session_state_ops *session_state_row(enum session_state state)
{
	if ((unsigned)state >= SESSION_STATE_COUNT)
		return NULL;
	return &session_states[state];
}

/* --trace: "MENU main -> QUERY_NUMBER", naming the menus on either side. */
static void session_trace_state(struct session *s, const char *from,
				enum session_state next)
{
	bool was_menu = s->state == SESSION_MENU && s->shown != NULL;
	bool is_menu = next == SESSION_MENU;

	trace_event(s->id, WIRETRACE_STATE, "%s%s%s -> %s%s%s", from,
		    was_menu ? " " : "", was_menu ? s->shown : "",
		    session_states[next].name, is_menu ? " " : "",
		    is_menu ? s->menu->name : "");
	free(s->shown);
	s->shown = is_menu ? xstrdup(s->menu->name) : NULL;
}

/*
 * Arms the silence timer of a menu or a prompt: the next reminder, or
 * only --max-idle once a caller who is never hung up was reminded.
 */
static void session_arm_silence(struct session *s)
{
	bool at_menu = session_states[s->state].timer == SESSION_TIMER_MENU;
	int timeout = at_menu ? s->menu->timeout : s->menu->input_timeout;
	int max = at_menu ? s->menu->max_timeouts : s->menu->input_max_timeouts;

	if (max == 0 && s->timeouts > 0)
		timeout = 0;
	session_arm_timer(s, (unsigned)timeout);
}

/*
 * The only place the state changes: logs old -> new (the events file
 * hears it too), runs the old state's exit hook if the state changes,
 * then enters the new one (re-entering the same state shows its prompt
 * again and keeps what it holds).
 */
static void session_set_state(struct session *s, enum session_state next)
{
	const char *from;

	if (next == SESSION_STAY)
		return;
	assert(next < SESSION_STATE_COUNT);
	if (events_enabled)
		events_emit_state(s->id,
				  s->started ? session_states[s->state].name
					     : NULL,
				  session_states[next].name,
				  next == SESSION_MENU ? s->menu->name : NULL);
	from = s->started ? session_states[s->state].name : "(new call)";
	s->started = true;
	if (trace_wire)
		session_trace_state(s, from, next);
	if (!trace_on_stderr())
		log_debug(s->id, "%s -> %s%s%s", from,
			  session_states[next].name,
			  next == SESSION_MENU ? " " : "",
			  next == SESSION_MENU ? s->menu->name : "");
	if (next != s->state && session_states[s->state].exit != NULL)
		session_states[s->state].exit(s, next);
	s->state = next;
	session_states[next].enter(s);
	if (session_states[next].timer != SESSION_TIMER_OWN)
		session_arm_silence(s);
}

/* Creates a session at the start menu of the default set. */
struct session *session_new(unsigned id, struct menu_catalog *catalog,
			    const struct session_env *env,
			    const struct session_io *io)
{
	struct session *s = xcalloc(1, sizeof(*s));

	s->id = id;
	s->io = *io;
	s->env = env;
	s->catalog = menu_catalog_ref(catalog);
	s->set = menu_catalog_default(catalog, SESSION_DEFAULT_LANGUAGE);
	s->menu = s->set->start;
	s->state = SESSION_MENU;
	s->charset = charset_utf8();
	s->account_done = session_account_done;
	s->member_ops = &session_member_ops;
	return s;
}

/* Frees a session and drops its catalog reference. */
void session_free(struct session *s)
{
	if (s == NULL)
		return;
	/* Gone without a goodbye: out of the room, the worker not awaited. */
	if (session_states[s->state].exit != NULL)
		session_states[s->state].exit(s, SESSION_CLOSING);
	menu_catalog_unref(s->catalog);
	free(s->queued);
	free(s->back);
	free(s->shown);
	free(s);
}

/* Shows the first menu. */
void session_start(struct session *s)
{
	session_set_state(s, SESSION_MENU);
}

/* Common path of every input: the silence is over; dispatch. */
static void session_input(struct session *s, const char *text, size_t len,
			  bool is_key)
{
	enum session_state next;

	s->timeouts = 0;
	s->silent = 0;
	s->idle_warned = false;
	if (session_in_room_state(s))
		session_chat_arm_timer(s);
	next = session_states[s->state].on_input(s, text, len, is_key);
	session_set_state(s, next);
	/* Staying put: the silence counts from this input all the same. */
	if (next == SESSION_STAY &&
	    session_states[s->state].timer != SESSION_TIMER_OWN)
		session_arm_silence(s);
}

/* A key pressed in character mode. */
void session_on_key(struct session *s, const char *key, size_t len)
{
	session_input(s, key, len, true);
}

/* A whole line. */
void session_on_line(struct session *s, const char *line, size_t len)
{
	session_input(s, line, len, false);
}

/* A line too long to keep: say so and show where the caller is again. */
void session_on_too_long(struct session *s)
{
	if (s->state == SESSION_CLOSING)
		return;
	session_say(s, MENU_TEXT_TOO_LONG);
	session_set_state(s, s->state);
}

/* The silence timer fired: --max-idle's goodbye, or the state's own timeout. */
void session_on_timeout(struct session *s)
{
	s->silent += s->armed;
	if (s->idle_due) {
		log_info(s->id, "silent for %us (--max-idle)", s->silent);
		s->leave = CHAT_LEAVE_IDLE;
		session_set_state(s, session_goodbye(s, "silent too long"));
		return;
	}
	session_set_state(s, session_states[s->state].on_timeout(s));
}

/* Says goodbye and closes, unless already closing. */
static void session_close_with(struct session *s, enum menu_text_id text,
			       const char *reason)
{
	if (s->state == SESSION_CLOSING)
		return;
	session_say(s, text);
	s->close_reason = reason;
	session_set_state(s, SESSION_CLOSING);
}

/* The caller hung up. */
void session_hangup(struct session *s, const char *reason)
{
	session_close_with(s, MENU_TEXT_GOODBYE, reason);
}

/* The service is going down. */
void session_shutdown(struct session *s)
{
	s->leave = CHAT_LEAVE_CLOSING;
	session_close_with(s, MENU_TEXT_CLOSING, "shutdown");
}

/* A notice from the server, in the caller's language. */
void session_notice(struct session *s, enum menu_text_id id)
{
	const char *text = menu_set_text_of(s->set, id);

	if (text != NULL && s->state != SESSION_CLOSING)
		s->io.notify(s->io.ctx, text, strlen(text));
}

/* An operator's broadcast reaches a caller wherever they are. */
void session_wall(struct session *s, const char *text)
{
	const char *frame = menu_set_text_of(s->set, MENU_TEXT_CHAT_WALL);
	const char *vars[] = { "text", text, NULL };
	struct strbuf sb;

	if (s->state == SESSION_CLOSING)
		return;
	strbuf_init(&sb);
	/* A set without the room may lack the frame: the words alone then. */
	if (frame != NULL)
		menu_expand(frame, vars, &sb);
	else
		strbuf_printf(&sb, "%s\n", text);
	s->io.notify(s->io.ctx, sb.data, sb.len);
	strbuf_fini(&sb);
}

/* For an operator's /who: where the caller is and how it goes. */
/* The menu graph's flow node a state is drawn in (see session_summary). */
static const char *session_flow_of(enum session_state state)
{
	switch (state) {
	case SESSION_QUERY_NUMBER:
	case SESSION_QUERY_PASSWORD:
		return menu_flow_name(MENU_FLOW_QUERY);
	case SESSION_RECHARGE_NUMBER:
		return menu_flow_name(MENU_FLOW_RECHARGE);
	case SESSION_RECHARGE_CARD:
		return menu_flow_name(MENU_FLOW_CARD);
	case SESSION_RECHARGE_AMOUNT:
	case SESSION_RECHARGE_CONFIRM:
		return menu_flow_name(MENU_FLOW_AMOUNT);
	case SESSION_CHAT:
	case SESSION_OP_PASSWORD:
		return menu_flow_name(MENU_FLOW_CHAT);
	case SESSION_CLOSING:
		return "quit";
	case SESSION_MENU:
	case SESSION_WAIT:
	case SESSION_STATE_COUNT:
	case SESSION_STAY:
	default:
		return NULL;
	}
}

void session_summary(const struct session *s, struct session_summary *out)
{
	out->state = session_states[s->state].name;
	out->menu = !session_in_room_state(s) && s->state != SESSION_CLOSING
			    ? s->menu->name
			    : "";
	out->nick = s->member != NULL ? chat_member_nick(s->member) : "";
	out->failures = s->failures;
	out->op = s->op;
	out->language = s->set->language;
	out->flow = session_flow_of(s->state);
}

/* Too slow for the room: out of it and back to the main menu. */
void session_drop_slow_reader(struct session *s)
{
	session_set_state(s, session_chat_too_slow(s));
}

/* Finds a menu of the same name in set, or NULL. */
static const struct menu *session_remap(const struct menu_set *set,
					const struct menu *old)
{
	return old != NULL ? menu_set_find(set, old->name) : NULL;
}

/* Swaps in a reloaded catalog, keeping the caller where they are if possible. */
void session_set_catalog(struct session *s, struct menu_catalog *catalog)
{
	const struct menu_set *set = menu_catalog_find(catalog,
						       s->set->language);
	const struct menu *menu;
	size_t kept = 0;

	if (set == NULL)
		set = menu_catalog_default(catalog, SESSION_DEFAULT_LANGUAGE);
	menu = session_remap(set, s->menu);
	for (size_t i = 0; i < s->depth; i++) {
		const struct menu *m = session_remap(set, s->back[i]);

		if (m != NULL)
			s->back[kept++] = m;
	}
	s->depth = kept;
	menu_catalog_ref(catalog);
	menu_catalog_unref(s->catalog);
	s->catalog = catalog;
	s->set = set;
	if (menu != NULL) {
		s->menu = menu;
		return;
	}
	s->menu = set->start;
	s->depth = 0;
	if (s->state == SESSION_MENU) {
		session_say(s, MENU_TEXT_MENU_GONE);
		session_set_state(s, SESSION_MENU);
	}
}

/* Current state. */
enum session_state session_state(const struct session *s)
{
	return s->state;
}

/* Current menu. */
const struct menu *session_menu(const struct session *s)
{
	return s->menu;
}

/* Current menu set. */
const struct menu_set *session_set(const struct session *s)
{
	return s->set;
}

/* Current encoding of the caller's terminal. */
const struct charset *session_charset(const struct session *s)
{
	return s->charset;
}

/* Whether the session is on its way out. */
bool session_is_closing(const struct session *s)
{
	return s->state == SESSION_CLOSING;
}

/* --- SESSION_MENU ---------------------------------------------------- */

/* Shows the current menu and waits for a key. */
static void menu_enter(struct session *s)
{
	s->io.set_input(s->io.ctx, LINEEDIT_INPUT_KEYS);
	session_write(s, s->menu->text);
}

/* Switches language and/or charset, then shows the set's start menu. */
static enum session_state menu_switch_language(struct session *s,
					       const struct menu_action *action)
{
	const struct menu_set *set = s->set;

	if (action->language != NULL) {
		set = menu_catalog_find(s->catalog, action->language);
		if (set == NULL) {
			/* One menu file loaded alone: the loader warned. */
			session_say(s, menu_set_text_of(
					       s->set,
					       MENU_TEXT_LANGUAGE_UNAVAILABLE)
					       ? MENU_TEXT_LANGUAGE_UNAVAILABLE
					       : MENU_TEXT_UNAVAILABLE);
			return SESSION_MENU;
		}
	}
	if (action->charset != NULL && action->charset != s->charset) {
		s->charset = action->charset;
		s->io.set_charset(s->io.ctx, s->charset);
		log_info(s->id, "charset %s", charset_name(s->charset));
	}
	if (set != s->set)
		log_info(s->id, "language %s", set->language);
	s->set = set;
	s->menu = set->start;
	s->depth = 0;
	return SESSION_MENU;
}

/* Carries out the action bound to a valid key. */
static enum session_state menu_act(struct session *s,
				   const struct menu_action *action)
{
	switch (action->type) {
	case MENU_ACTION_GOTO:
		session_push_back(s);
		s->menu = action->target;
		return SESSION_MENU;
	case MENU_ACTION_BACK:
		if (s->depth > 0)
			s->menu = s->back[--s->depth];
		return SESSION_MENU;
	case MENU_ACTION_HOME:
		return session_home(s);
	case MENU_ACTION_REPEAT:
		return SESSION_MENU;
	case MENU_ACTION_QUIT:
		return session_goodbye(s, "quit");
	case MENU_ACTION_LANGUAGE:
		return menu_switch_language(s, action);
	case MENU_ACTION_FLOW:
		if (action->flow == MENU_FLOW_CHAT && s->env->room != NULL)
			return SESSION_CHAT;
		if (action->flow == MENU_FLOW_WIRE) {
			session_say_wire(s);
			return SESSION_MENU;
		}
		if (action->flow != MENU_FLOW_CHAT && s->env->accounts != NULL)
			return session_account_flow(s, action->flow);
		/* No room or no store in this server: say so honestly and stay. */
		log_info(s->id, "flow %s is not available here",
			 menu_flow_name(action->flow));
		session_say(s, MENU_TEXT_UNAVAILABLE);
		return SESSION_MENU;
	case MENU_ACTION_COUNT:
		break;
	}
	return SESSION_STAY;
}

/* An invalid key: the invalid text and the menu again, or goodbye after too many. */
static enum session_state menu_invalid(struct session *s)
{
	if (s->menu->invalid != NULL)
		session_write(s, s->menu->invalid);
	else
		session_say(s, MENU_TEXT_INVALID);
	if (++s->failures >= s->menu->max_failures) {
		log_info(s->id, "%d invalid keys in a row", s->failures);
		return session_goodbye(s, "too many invalid keys");
	}
	return SESSION_MENU;
}

/* Trims ASCII spaces from both ends of a line. */
static void trim_spaces(const char **text, size_t *len)
{
	while (*len > 0 && (**text == ' ' || **text == '\t')) {
		(*text)++;
		(*len)--;
	}
	while (*len > 0 &&
	       ((*text)[*len - 1] == ' ' || (*text)[*len - 1] == '\t'))
		(*len)--;
}

/* A key, or a line that must hold exactly one key, at a menu. */
static enum session_state menu_on_input(struct session *s, const char *text,
					size_t len, bool is_key)
{
	const struct menu_key *key;

	if (!is_key) {
		trim_spaces(&text, &len);
		if (len == 0)
			return SESSION_STAY; /* an empty line at a menu is ignored */
	}
	key = menu_find_key(s->menu, text, len);
	if (key == NULL)
		return menu_invalid(s);
	s->failures = 0;
	return menu_act(s, &key->action);
}

/*
 * A silence at a menu or prompt: a reminder, or goodbye after too many.
 * Where max_timeouts is 0 the caller is reminded once and left alone (a
 * student listening to the teacher). The menu is still on the screen; a
 * prompt is asked again.
 */
static enum session_state prompt_on_timeout(struct session *s)
{
	bool at_menu = session_states[s->state].timer == SESSION_TIMER_MENU;
	int max = at_menu ? s->menu->max_timeouts : s->menu->input_max_timeouts;

	if (max != 0 && ++s->timeouts >= max) {
		log_info(s->id, "%d silences in a row", s->timeouts);
		return session_goodbye(s, "timeout");
	}
	if (max == 0)
		s->timeouts = 1;
	session_say(s, MENU_TEXT_TIMEOUT);
	if (!at_menu)
		return s->state;
	session_arm_silence(s);
	return SESSION_STAY;
}

/* --- SESSION_WAIT ---------------------------------------------------- */

/* Frees queued input, wiping it first: it may hold a password. */
static void queued_free(struct session_queued *q)
{
	memset(q->text, 0, q->len);
	free(q->text);
	q->text = NULL;
}

/*
 * The worker's answer, on the event loop: the flow's on_result names the
 * next state, then what the caller typed meanwhile is handled in order.
 * The queue is taken out first: an entry that sends the session waiting
 * again queues the rest anew, and one that hangs up makes the rest go
 * nowhere.
 */
static void session_account_done(void *ctx, const struct account_request *req)
{
	struct session *s = ctx;
	struct session_queued batch[SESSION_QUEUE_MAX];
	size_t n = s->nqueued;

	if (n > 0)
		memcpy(batch, s->queued, n * sizeof(batch[0]));
	s->nqueued = 0;
	s->pending = NULL;
	session_set_state(s, s->on_result(s, req));
	for (size_t i = 0; i < n; i++) {
		session_input(s, batch[i].text, batch[i].len, batch[i].is_key);
		queued_free(&batch[i]);
	}
}

/* Waits for the store; the input kind stays what the flow asked for. */
static void wait_enter(struct session *s)
{
	session_arm_timer(s, SESSION_WAIT_TIMEOUT);
}

/* Input while waiting is kept for after the answer (bounded). */
static enum session_state session_wait_on_input(struct session *s,
						const char *text, size_t len,
						bool is_key)
{
	struct session_queued *q;

	if (s->nqueued == SESSION_QUEUE_MAX) {
		log_info(s->id, "typed-ahead input over %d entries dropped",
			 SESSION_QUEUE_MAX);
		return SESSION_STAY;
	}
	if (s->queued == NULL)
		s->queued = xcalloc(SESSION_QUEUE_MAX, sizeof(*s->queued));
	q = &s->queued[s->nqueued++];
	q->is_key = is_key;
	q->text = xstrndup(text, len);
	q->len = len;
	return SESSION_STAY;
}

/*
 * No answer in SESSION_WAIT_TIMEOUT: give up on it (the exit hook cancels
 * it). A recharge may still commit; the caller is told the system is
 * busy, never that it failed.
 */
static enum session_state session_wait_on_timeout(struct session *s)
{
	log_error(s->id, "no answer from the account store in %ds",
		  SESSION_WAIT_TIMEOUT);
	return session_busy(s);
}

/*
 * Leaving the wait however it ends: the pending request is forgotten (the
 * worker finishes it but will not call back) with the input queued
 * behind it, and a member waiting on an /op check leaves the room unless
 * it goes back there.
 */
static void wait_exit(struct session *s, enum session_state next)
{
	for (size_t i = 0; i < s->nqueued; i++)
		queued_free(&s->queued[i]);
	s->nqueued = 0;
	if (s->pending != NULL) {
		account_worker_cancel(s->env->accounts, s->pending);
		s->pending = NULL;
	}
	session_chat_exit(s, next);
}

/* --- the room's calls ------------------------------------------------ */

/* An operator kicked this member: the chat flow says where to go. */
static void session_member_kicked(void *ctx, const char *by, const char *reason)
{
	struct session *s = ctx;

	session_set_state(s, session_chat_kicked(s, by, reason));
}

/* --- SESSION_CLOSING ------------------------------------------------- */

/* Stops the timer and hangs up once flushed (the exit hooks left the room). */
static void closing_enter(struct session *s)
{
	s->io.set_timer(s->io.ctx, 0);
	s->io.close(s->io.ctx, s->close_reason ? s->close_reason : "closed");
}

/* Input after goodbye is ignored. */
static enum session_state closing_on_input(struct session *s, const char *text,
					   size_t len, bool is_key)
{
	(void)s;
	(void)text;
	(void)len;
	(void)is_key;
	return SESSION_STAY;
}

/* No timer runs while closing. */
static enum session_state closing_on_timeout(struct session *s)
{
	(void)s;
	return SESSION_STAY;
}
