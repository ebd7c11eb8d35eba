/*
 * session_account: the query and recharge flows. The caller types a
 * number, a password, a card code or an amount; each entry is checked
 * here, then handed to the account worker through session_submit, and
 * the machine (session.c) waits in SESSION_WAIT until the answer comes
 * back on the event loop and a *_done function here names the next
 * state. Every text comes from the menu set, with {placeholders} filled
 * in. It calls only down into session_base, never up into session.c or
 * into the chat flow; it knows the account API, never SQLite, threads or
 * sockets.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log/trace.h"
#include "money.h"
#include "session_account.h"

/* Bytes of a formatted value: "12345678.90", a date, a masked number. */
#define VALUE_MAX 32
/* Balances under this many fen get the low-balance reminder. */
#define LOW_BALANCE_FEN 1000

/* Trims spaces; also drops spaces and dashes inside ("1111 2222 ..."). */
static size_t clean_entry(const char *text, size_t len, char *out, size_t outsz)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (text[i] == ' ' || text[i] == '-' || text[i] == '\t')
			continue;
		if (n + 1 >= outsz) {
			/* Too long to be anything we ask for: an empty, bad entry. */
			out[0] = '\0';
			return outsz;
		}
		out[n++] = text[i];
	}
	out[n] = '\0';
	return n;
}

/*
 * "*" goes back to the menu the flow started from, "#" to the main menu.
 * Returns the next state, or SESSION_STAY if the entry is neither.
 */
static enum session_state navigation(struct session *s, const char *entry)
{
	if (strcmp(entry, "*") == 0)
		return SESSION_MENU;
	if (strcmp(entry, "#") == 0)
		return session_home(s);
	return SESSION_STAY;
}

/*
 * Cleans what the caller typed into entry. Returns true to go on with it;
 * false with *next set for an empty line (SESSION_STAY) or where "*" and
 * "#" lead.
 */
static bool read_entry(struct session *s, const char *text, size_t len,
		       char *entry, size_t size, enum session_state *next)
{
	if (clean_entry(text, len, entry, size) == 0) {
		*next = SESSION_STAY;
		return false;
	}
	*next = navigation(s, entry);
	return *next == SESSION_STAY;
}

/* A text of the set without its final newline, for use as a {value}. */
static void text_value(struct session *s, enum menu_text_id id, char *out,
		       size_t outsz)
{
	const char *text = menu_set_text_of(s->set, id);
	size_t n = text ? strcspn(text, "\n") : 0;

	snprintf(out, outsz, "%.*s", (int)n, text ? text : "");
}

/* Goes to the menu a flow leads to, remembering where the caller was. */
static enum session_state enter_flow_menu(struct session *s, const char *name)
{
	const struct menu *m = menu_set_find(s->set, name);

	if (m == NULL) {
		/* Only with a menu file the loader did not see whole. */
		session_say(s, MENU_TEXT_UNAVAILABLE);
		return SESSION_MENU;
	}
	if (s->menu != m) {
		session_push_back(s);
		s->menu = m;
	}
	return SESSION_MENU;
}

/* --- query: number, password, then the account menu ------------------- */

/* Asks for the number to query. */
void session_query_number_enter(struct session *s)
{
	s->io.set_input(s->io.ctx, LINEEDIT_INPUT_TEXT);
	session_say(s, MENU_TEXT_QUERY_NUMBER);
}

/* A number to query: checked here, then the password is asked for. */
enum session_state session_query_number_on_input(struct session *s,
						 const char *text, size_t len,
						 bool is_key)
{
	char entry[ACCOUNT_NUMBER_LEN + 2];
	enum session_state next;

	(void)is_key;
	if (!read_entry(s, text, len, entry, sizeof(entry), &next))
		return next;
	if (!account_number_is_valid(entry)) {
		session_say(s, MENU_TEXT_BAD_NUMBER);
		return session_refuse(s, SESSION_QUERY_NUMBER);
	}
	memcpy(s->typed, entry, sizeof(s->typed));
	return SESSION_QUERY_PASSWORD;
}

/* Asks for the password with the echo off. */
void session_query_password_enter(struct session *s)
{
	s->io.set_input(s->io.ctx, LINEEDIT_INPUT_SECRET);
	session_say(s, MENU_TEXT_QUERY_PASSWORD);
}

/* The login's answer: the account menu, or why not. */
static enum session_state login_done(struct session *s,
				     const struct account_request *req)
{
	char masked[VALUE_MAX], minutes[VALUE_MAX];
	const char *vars[] = { "minutes", minutes, NULL };

	account_mask_number(req->number, masked, sizeof(masked));
	switch (req->status) {
	case ACCOUNT_OK:
		log_info(s->id, "login %s", masked);
		memcpy(s->account, req->number, sizeof(s->account));
		s->failures = 0;
		return enter_flow_menu(s, MENU_ACCOUNT_MENU);
	case ACCOUNT_LOCKED:
		log_info(s->id, "login %s refused: locked for %us", masked,
			 req->lock_seconds);
		snprintf(minutes, sizeof(minutes), "%u",
			 (req->lock_seconds + 59) / 60);
		session_say_with(s, MENU_TEXT_QUERY_LOCKED, vars);
		return SESSION_MENU;
	case ACCOUNT_ERROR:
		return session_busy(s);
	default:
		/* Unknown number, wrong or malformed password: one answer for all. */
		log_info(s->id, "login %s failed: %s", masked,
			 req->status == ACCOUNT_NOT_FOUND ? "no such account"
							  : "wrong password");
		session_say(s, MENU_TEXT_QUERY_WRONG);
		return session_refuse(s, SESSION_QUERY_NUMBER);
	}
}

/* A password: off to the worker, which hashes it away from the event loop. */
enum session_state session_query_password_on_input(struct session *s,
						   const char *text, size_t len,
						   bool is_key)
{
	struct account_request req = { .op = ACCOUNT_OP_LOGIN };
	char entry[ACCOUNT_PASSWORD_LEN + 2];
	enum session_state next;

	(void)is_key;
	if (!read_entry(s, text, len, entry, sizeof(entry), &next))
		return next;
	memcpy(req.number, s->typed, sizeof(req.number));
	snprintf(req.secret, sizeof(req.secret), "%s", entry);
	next = session_submit(s, &req, login_done);
	memset(entry, 0, sizeof(entry));
	memset(req.secret, 0, sizeof(req.secret));
	return next;
}

/* Appends the last recharges, or says there are none. */
static void say_recent(struct session *s, const struct account_info *info)
{
	char date[VALUE_MAX], amount[VALUE_MAX], method[VALUE_MAX];
	const char *vars[] = { "date",   date,   "amount", amount,
			       "method", method, NULL };

	session_say(s, MENU_TEXT_ACCOUNT_RECENT);
	if (info->nrecent == 0)
		session_say(s, MENU_TEXT_ACCOUNT_RECENT_NONE);
	for (size_t i = 0; i < info->nrecent; i++) {
		const struct account_recharge *r = &info->recent[i];
		struct tm tm;

		localtime_r(&r->when, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
		account_format_fen(r->fen, amount, sizeof(amount));
		text_value(s,
			   strcmp(r->method, "card") == 0
				   ? MENU_TEXT_METHOD_CARD
				   : MENU_TEXT_METHOD_AMOUNT,
			   method, sizeof(method));
		session_say_with(s, MENU_TEXT_ACCOUNT_RECENT_ITEM, vars);
	}
}

/* The account's details, shown for the key that asked for them. */
static enum session_state info_done(struct session *s,
				    const struct account_request *req)
{
	const struct account_info *info = &req->info;
	char number[VALUE_MAX], balance[VALUE_MAX], fee[VALUE_MAX];
	char data_used[VALUE_MAX], data_total[VALUE_MAX];
	char min_used[VALUE_MAX], min_total[VALUE_MAX];
	/* clang-format off */
	const char *vars[] = {
		"holder", info->holder, "number", number, "balance", balance,
		"plan", info->plan, "plan_fee", fee,
		"data_used", data_used, "data_total", data_total,
		"minutes_used", min_used, "minutes_total", min_total, NULL,
	};
	/* clang-format on */

	if (req->status != ACCOUNT_OK)
		return session_busy(s);
	account_mask_number(info->number, number, sizeof(number));
	account_format_fen(info->balance_fen, balance, sizeof(balance));
	account_format_fen(info->plan_fen, fee, sizeof(fee));
	snprintf(data_used, sizeof(data_used), "%lld",
		 (long long)info->data_used_mb);
	snprintf(data_total, sizeof(data_total), "%lld",
		 (long long)info->data_total_mb);
	snprintf(min_used, sizeof(min_used), "%lld",
		 (long long)info->minutes_used);
	snprintf(min_total, sizeof(min_total), "%lld",
		 (long long)info->minutes_total);
	switch (s->info_flow) {
	case MENU_FLOW_BALANCE:
		session_say_with(s, MENU_TEXT_ACCOUNT_BALANCE, vars);
		if (info->balance_fen < LOW_BALANCE_FEN)
			session_say(s, MENU_TEXT_ACCOUNT_LOW_BALANCE);
		break;
	case MENU_FLOW_USAGE:
		session_say_with(s, MENU_TEXT_ACCOUNT_USAGE, vars);
		break;
	case MENU_FLOW_PLAN:
		session_say_with(s, MENU_TEXT_ACCOUNT_PLAN, vars);
		break;
	default:
		say_recent(s, info);
		break;
	}
	return SESSION_MENU;
}

/* --- recharge: number, then card or amount ------------------------------- */

/* Asks for the number to recharge. */
void session_recharge_number_enter(struct session *s)
{
	s->io.set_input(s->io.ctx, LINEEDIT_INPUT_TEXT);
	session_say(s, MENU_TEXT_RECHARGE_NUMBER);
}

/* Whether the number to recharge is an account: then the recharge menu. */
static enum session_state exists_done(struct session *s,
				      const struct account_request *req)
{
	switch (req->status) {
	case ACCOUNT_OK:
		memcpy(s->target, req->number, sizeof(s->target));
		s->failures = 0;
		return enter_flow_menu(s, MENU_RECHARGE_MENU);
	case ACCOUNT_NOT_FOUND:
		session_say(s, MENU_TEXT_RECHARGE_NO_ACCOUNT);
		return session_refuse(s, SESSION_RECHARGE_NUMBER);
	default:
		return session_busy(s);
	}
}

/* A number to recharge: any valid account, no password, as on the real hotline. */
enum session_state session_recharge_number_on_input(struct session *s,
						    const char *text,
						    size_t len, bool is_key)
{
	struct account_request req = { .op = ACCOUNT_OP_EXISTS };
	char entry[ACCOUNT_NUMBER_LEN + 2];
	enum session_state next;

	(void)is_key;
	if (!read_entry(s, text, len, entry, sizeof(entry), &next))
		return next;
	if (!account_number_is_valid(entry)) {
		session_say(s, MENU_TEXT_BAD_NUMBER);
		return session_refuse(s, SESSION_RECHARGE_NUMBER);
	}
	memcpy(req.number, entry, sizeof(req.number));
	return session_submit(s, &req, exists_done);
}

/* A committed recharge, said only now that it is durable. */
static enum session_state recharge_done(struct session *s,
					const struct account_request *req)
{
	char number[VALUE_MAX], amount[VALUE_MAX], balance[VALUE_MAX];
	const char *vars[] = { "number",  number,  "amount", amount,
			       "balance", balance, NULL };
	const char *method = req->op == ACCOUNT_OP_RECHARGE_CARD ? "card"
								 : "amount";

	account_mask_number(req->number, number, sizeof(number));
	account_format_fen(req->fen, amount, sizeof(amount));
	account_format_fen(req->balance_fen, balance, sizeof(balance));
	switch (req->status) {
	case ACCOUNT_OK:
		log_info(s->id, "recharge %s +%s yuan by %s, balance %s",
			 number, amount, method, balance);
		session_say_with(s, MENU_TEXT_RECHARGE_DONE, vars);
		s->failures = 0;
		return SESSION_MENU;
	case ACCOUNT_CARD_USED:
		log_info(s->id, "recharge %s by card refused: card used",
			 number);
		session_say(s, MENU_TEXT_RECHARGE_CARD_USED);
		return SESSION_MENU;
	case ACCOUNT_CARD_UNKNOWN:
		log_info(s->id, "recharge %s by card refused: no such card",
			 number);
		session_say(s, MENU_TEXT_RECHARGE_CARD_UNKNOWN);
		return session_refuse(s, SESSION_RECHARGE_CARD);
	case ACCOUNT_NOT_FOUND:
		session_say(s, MENU_TEXT_RECHARGE_NO_ACCOUNT);
		return SESSION_MENU;
	default:
		log_error(s->id, "recharge %s by %s failed", number, method);
		return session_busy(s);
	}
}

/* Asks for the card code. */
void session_recharge_card_enter(struct session *s)
{
	s->io.set_input(s->io.ctx, LINEEDIT_INPUT_TEXT);
	session_say(s, MENU_TEXT_RECHARGE_CARD);
}

/* A card code: spent, credited and logged in one transaction by the worker. */
enum session_state session_recharge_card_on_input(struct session *s,
						  const char *text, size_t len,
						  bool is_key)
{
	struct account_request req = { .op = ACCOUNT_OP_RECHARGE_CARD };
	char entry[ACCOUNT_CARD_LEN + 2];
	enum session_state next;

	(void)is_key;
	if (!read_entry(s, text, len, entry, sizeof(entry), &next))
		return next;
	if (!account_card_is_valid(entry)) {
		session_say(s, MENU_TEXT_RECHARGE_BAD_CARD);
		return session_refuse(s, SESSION_RECHARGE_CARD);
	}
	memcpy(req.number, s->target, sizeof(req.number));
	snprintf(req.secret, sizeof(req.secret), "%s", entry);
	return session_submit(s, &req, recharge_done);
}

/* Asks for the amount. */
void session_recharge_amount_enter(struct session *s)
{
	s->io.set_input(s->io.ctx, LINEEDIT_INPUT_TEXT);
	session_say(s, MENU_TEXT_RECHARGE_AMOUNT);
}

/* An amount: shown back for confirmation first. */
enum session_state session_recharge_amount_on_input(struct session *s,
						    const char *text,
						    size_t len, bool is_key)
{
	char entry[8];
	enum session_state next;

	(void)is_key;
	if (!read_entry(s, text, len, entry, sizeof(entry), &next))
		return next;
	if (money_parse_whole_yuan(entry, ACCOUNT_AMOUNT_MIN,
				   ACCOUNT_AMOUNT_MAX, &s->amount_fen) < 0) {
		session_say(s, MENU_TEXT_RECHARGE_BAD_AMOUNT);
		return session_refuse(s, SESSION_RECHARGE_AMOUNT);
	}
	return SESSION_RECHARGE_CONFIRM;
}

/* Shows the amount and the number back: 1 confirms, 2 cancels. */
void session_recharge_confirm_enter(struct session *s)
{
	char number[VALUE_MAX], amount[VALUE_MAX];
	const char *vars[] = { "number", number, "amount", amount, NULL };

	s->io.set_input(s->io.ctx, LINEEDIT_INPUT_KEYS);
	account_mask_number(s->target, number, sizeof(number));
	account_format_fen(s->amount_fen, amount, sizeof(amount));
	session_say_with(s, MENU_TEXT_RECHARGE_CONFIRM, vars);
}

/* 1 sends the recharge, 2 cancels it. */
enum session_state session_recharge_confirm_on_input(struct session *s,
						     const char *text,
						     size_t len, bool is_key)
{
	char entry[8];
	enum session_state next;

	(void)is_key;
	if (!read_entry(s, text, len, entry, sizeof(entry), &next))
		return next;
	if (strcmp(entry, "1") == 0) {
		struct account_request req = {
			.op = ACCOUNT_OP_RECHARGE_AMOUNT,
			.fen = s->amount_fen,
		};

		memcpy(req.number, s->target, sizeof(req.number));
		return session_submit(s, &req, recharge_done);
	}
	if (strcmp(entry, "2") == 0) {
		session_say(s, MENU_TEXT_RECHARGE_CANCELLED);
		return SESSION_MENU;
	}
	session_say(s, MENU_TEXT_INVALID);
	return session_refuse(s, SESSION_RECHARGE_CONFIRM);
}

/* A flow key at a menu: where it leads. */
enum session_state session_account_flow(struct session *s, enum menu_flow flow)
{
	switch (flow) {
	case MENU_FLOW_QUERY:
		if (s->account[0] != '\0')
			return enter_flow_menu(s, MENU_ACCOUNT_MENU);
		return SESSION_QUERY_NUMBER;
	case MENU_FLOW_RECHARGE:
		return SESSION_RECHARGE_NUMBER;
	case MENU_FLOW_BALANCE:
	case MENU_FLOW_USAGE:
	case MENU_FLOW_PLAN:
	case MENU_FLOW_RECENT: {
		struct account_request req = { .op = ACCOUNT_OP_INFO };

		if (s->account[0] == '\0')
			return SESSION_QUERY_NUMBER;
		s->info_flow = flow;
		memcpy(req.number, s->account, sizeof(req.number));
		return session_submit(s, &req, info_done);
	}
	case MENU_FLOW_CARD:
		return s->target[0] ? SESSION_RECHARGE_CARD
				    : SESSION_RECHARGE_NUMBER;
	case MENU_FLOW_AMOUNT:
		return s->target[0] ? SESSION_RECHARGE_AMOUNT
				    : SESSION_RECHARGE_NUMBER;
	case MENU_FLOW_CHAT:
	case MENU_FLOW_WIRE:
	case MENU_FLOW_COUNT:
		break;
	}
	session_say(s, MENU_TEXT_UNAVAILABLE);
	return SESSION_MENU;
}
