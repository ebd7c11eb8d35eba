/*
 * session_chat: the chat room's flow, the SESSION_CHAT and
 * SESSION_OP_PASSWORD rows of the state table and the member callbacks
 * session.c registers with the room. Only session.c includes it.
 */
#ifndef HOTLINE_SESSION_CHAT_H
#define HOTLINE_SESSION_CHAT_H

#include "session_base.h"

/* Joins the room (once: re-entering keeps the membership). */
void session_chat_enter(struct session *s);
enum session_state session_chat_on_input(struct session *s, const char *text,
					 size_t len, bool is_key);
enum session_state session_chat_on_timeout(struct session *s);
/* The exit hook of the room's states: leaves it unless next is one too. */
void session_chat_exit(struct session *s, enum session_state next);
void session_op_password_enter(struct session *s);
enum session_state session_op_password_on_input(struct session *s,
						const char *text, size_t len,
						bool is_key);
/* Arms the room's idle timer (the warning comes a minute early). */
void session_chat_arm_timer(struct session *s);

/* Member callbacks: a message for the caller, and the end of a batch. */
void session_chat_deliver(void *ctx, struct chat_msg *msg);
void session_chat_delivered(void *ctx);
/* An operator took the caller out of the room: told why; the next state. */
enum session_state session_chat_kicked(struct session *s, const char *by,
				       const char *reason);
/* Too slow a reader for the room: out of it; the next state. */
enum session_state session_chat_too_slow(struct session *s);

#endif
