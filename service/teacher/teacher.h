/*
 * teacher: the teacher's view behind /teacher, on the port browsers dial.
 * It decides who may look (proto/teacherauth: the key printed at startup,
 * the operator password, the session cookie), answers the page's files
 * and its API (the class's sessions, one session's wire, the chat room,
 * the menus' DOT, the operator's /wall, kick and mute), and keeps the
 * event streams (hub) fed from the events of every call.
 *
 * It sits above the server: it reads calls through server and conn views
 * and acts through the server and the room. Nothing below calls it except
 * through the callbacks it registers (webconn_teacher, the events
 * listener, the trace tap).
 */
#ifndef HOTLINE_TEACHER_H
#define HOTLINE_TEACHER_H

#include <sys/socket.h>

#include <event2/event.h>

#include "strbuf.h"

struct server;
struct account_worker;
struct webconn_teacher;

/*
 * Seconds the calls' wire is kept after the last stream that wanted it
 * closed: a page reopening its stream to follow another caller.
 */
#define TEACHER_WIRE_LINGER_SECONDS 60
/* Chat events the room's view starts with (the room keeps 20 lines). */
#define TEACHER_ROOM_HISTORY 50

struct teacher_config {
	struct event_base *base;
	struct server *srv;
	/* Checks the operator password off the loop; NULL: the key only. */
	struct account_worker *accounts;
	const char *operator_hash; /* copied; NULL: the key only */
};

struct teacher;

/* A teacher's view with a new key; NULL if no random bytes could be had. */
struct teacher *teacher_new(const struct teacher_config *cfg);
/*
 * Stops hearing events and the trace: call before the server frees its
 * conns (their webconns still tell t they go, so free t after them).
 */
void teacher_stop(struct teacher *t);
/* Frees it, once no webconn it answered is left. */
void teacher_free(struct teacher *t);
/* What webconn_env.teacher points to; t owns it. */
const struct webconn_teacher *teacher_webconn(struct teacher *t);
/* Appends "http://ADDR:PORT/teacher#key=KEY" for a listening address. */
void teacher_link(const struct teacher *t, const struct sockaddr *addr,
		  struct strbuf *out);
/* The menus were reloaded: every stream hears a "reload" event. */
void teacher_reloaded(struct teacher *t);

#endif
