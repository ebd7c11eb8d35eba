/*
 * session_account: the query and recharge flows, the rows of the state
 * table from SESSION_QUERY_NUMBER to SESSION_RECHARGE_CONFIRM. Only
 * session.c, which holds the table, includes it.
 */
#ifndef HOTLINE_SESSION_ACCOUNT_H
#define HOTLINE_SESSION_ACCOUNT_H

#include "session_base.h"

void session_query_number_enter(struct session *s);
enum session_state session_query_number_on_input(struct session *s,
						 const char *text, size_t len,
						 bool is_key);
void session_query_password_enter(struct session *s);
enum session_state session_query_password_on_input(struct session *s,
						   const char *text, size_t len,
						   bool is_key);
void session_recharge_number_enter(struct session *s);
enum session_state session_recharge_number_on_input(struct session *s,
						    const char *text,
						    size_t len, bool is_key);
void session_recharge_card_enter(struct session *s);
enum session_state session_recharge_card_on_input(struct session *s,
						  const char *text, size_t len,
						  bool is_key);
void session_recharge_amount_enter(struct session *s);
enum session_state session_recharge_amount_on_input(struct session *s,
						    const char *text,
						    size_t len, bool is_key);
void session_recharge_confirm_enter(struct session *s);
enum session_state session_recharge_confirm_on_input(struct session *s,
						     const char *text,
						     size_t len, bool is_key);
/* A flow key at a menu: the next state. */
enum session_state session_account_flow(struct session *s, enum menu_flow flow);

#endif
