/*
 * session_base: the helpers every session flow calls: texts from the
 * menu set, refusals, going home, goodbye, handing a request to the
 * account worker. It calls no flow and not the state machine: what
 * comes back later reaches session.c through the callbacks it
 * registered in struct session.
 */
#include "session_base.h"

#include <stdlib.h>
#include <string.h>

#include "log/trace.h"
#include "mem.h"
#include "strbuf.h"

/* Writes a NUL-terminated UTF-8 string to the caller. */
void session_write(struct session *s, const char *text)
{
	s->io.write(s->io.ctx, text, strlen(text));
}

/*
 * Writes one of the set's texts. Only a set that does not offer the flow
 * can lack it (the loader checks the rest): then it writes nothing.
 */
void session_say(struct session *s, enum menu_text_id id)
{
	const char *text = menu_set_text_of(s->set, id);

	if (text != NULL)
		session_write(s, text);
}

/* Writes a named text with its placeholders filled. */
void session_say_with(struct session *s, enum menu_text_id id,
		      const char *const *vars)
{
	const char *text = menu_set_text_of(s->set, id);
	struct strbuf sb;

	if (text == NULL)
		return;
	strbuf_init(&sb);
	menu_expand(text, vars, &sb);
	s->io.write(s->io.ctx, sb.data, sb.len);
	strbuf_fini(&sb);
}

/* A text inside another: filled in, its final line ends dropped. */
void session_expand_inline(const struct session *s, enum menu_text_id id,
			   const char *const *vars, struct strbuf *out)
{
	const char *text = menu_set_text_of(s->set, id);
	size_t start = out->len;

	if (text == NULL)
		return;
	menu_expand(text, vars, out);
	while (out->len > start && out->data[out->len - 1] == '\n')
		out->data[--out->len] = '\0';
}

/*
 * The bytes of a key as /wire shows them: hex, or the set's words for
 * "not seen yet", or "-". The caller owns the string.
 */
static char *wire_key(const struct session *s, const char *hex,
		      enum menu_text_id not_yet)
{
	struct strbuf sb;

	if (hex[0] != '\0' || menu_set_text_of(s->set, not_yet) == NULL)
		return xstrdup(hex[0] != '\0' ? hex : "-");
	strbuf_init(&sb);
	session_expand_inline(s, not_yet, NULL, &sb);
	return sb.data != NULL ? sb.data : xstrdup("");
}

/* Shows the caller their own connection as the server sees it. */
void session_say_wire(struct session *s)
{
	struct session_wire w = { 0 };
	char window[32];
	struct strbuf mode, transport;
	char *enter, *erase;

	s->io.describe(s->io.ctx, &w);
	/* What the client never said shows as "-". */
	if (w.options[0] == '\0')
		snprintf(w.options, sizeof(w.options), "-");
	if (w.ttype[0] == '\0')
		snprintf(w.ttype, sizeof(w.ttype), "-");
	/* A menu key needs no Enter: a keypad caller has sent none yet. */
	enter = wire_key(s, w.enter, MENU_TEXT_WIRE_NO_ENTER);
	erase = wire_key(s, w.erase, MENU_TEXT_WIRE_NO_BACKSPACE);
	if (w.width > 0)
		snprintf(window, sizeof(window), "%ux%u", w.width, w.height);
	else
		snprintf(window, sizeof(window), "-");
	strbuf_init(&mode);
	session_expand_inline(s,
			      w.char_mode ? MENU_TEXT_WIRE_CHAR_MODE
					  : MENU_TEXT_WIRE_LINE_MODE,
			      NULL, &mode);
	strbuf_init(&transport);
	session_expand_inline(s,
			      w.websocket ? MENU_TEXT_WIRE_WEBSOCKET
					  : MENU_TEXT_WIRE_TELNET,
			      NULL, &transport);
	/* clang-format off */
	const char *vars[] = {
		"local", w.local, "peer", w.peer,
		"transport", transport.data != NULL ? transport.data : "",
		"browser", w.agent[0] != '\0' ? w.agent : "-",
		"mode", mode.data != NULL ? mode.data : "",
		"options", w.options, "ttype", w.ttype, "window", window,
		"enter", enter, "backspace", erase,
		"charset", charset_name(s->charset), NULL,
	};
	/* clang-format on */

	session_say_with(s, MENU_TEXT_WIRE, vars);
	strbuf_fini(&mode);
	strbuf_fini(&transport);
	free(enter);
	free(erase);
}

/*
 * Remembers the current menu for "back", forgetting the oldest when full.
 * The stack grows on first use: a caller at the start menu holds none.
 */
void session_push_back(struct session *s)
{
	if (s->depth == SESSION_MAX_DEPTH) {
		memmove(&s->back[0], &s->back[1],
			(SESSION_MAX_DEPTH - 1) * sizeof(s->back[0]));
		s->depth--;
	}
	if (s->depth == s->back_cap) {
		s->back_cap = s->back_cap ? s->back_cap * 2 : 4;
		s->back = xrealloc(s->back, s->back_cap * sizeof(*s->back));
	}
	s->back[s->depth++] = s->menu;
}

/* The main menu, with no way back: where every flow's "home" leads. */
enum session_state session_home(struct session *s)
{
	s->menu = s->set->start;
	s->depth = 0;
	return SESSION_MENU;
}

/* Arms the silence timer, --max-idle's if it falls due first. */
void session_arm_timer(struct session *s, unsigned seconds)
{
	unsigned max = s->env->max_idle;

	s->idle_due = false;
	if (max != 0) {
		unsigned left = max > s->silent ? max - s->silent : 1;

		if (seconds == 0 || seconds >= left) {
			seconds = left;
			s->idle_due = true;
		}
	}
	s->armed = seconds;
	s->io.set_timer(s->io.ctx, seconds);
}

/* Says goodbye; the close reason is what the log and the conn record. */
enum session_state session_goodbye(struct session *s, const char *reason)
{
	session_say(s, MENU_TEXT_GOODBYE);
	s->close_reason = reason;
	return SESSION_CLOSING;
}

/* Counts a refused entry; after the menu's max_failures, goodbye. */
enum session_state session_refuse(struct session *s, enum session_state again)
{
	if (++s->failures >= s->menu->max_failures) {
		log_info(s->id, "%d invalid entries in a row", s->failures);
		return session_goodbye(s, "too many invalid entries");
	}
	return again;
}

/* The store failed: say so and go back to the menu. */
enum session_state session_busy(struct session *s)
{
	session_say(s, MENU_TEXT_SERVICE_BUSY);
	return SESSION_MENU;
}

/* Sends a request to the worker and waits for its answer in SESSION_WAIT. */
enum session_state session_submit(struct session *s,
				  struct account_request *req,
				  session_result_fn on_result)
{
	req->done = s->account_done;
	req->ctx = s;
	s->on_result = on_result;
	s->pending = account_worker_submit(s->env->accounts, req);
	return SESSION_WAIT;
}
