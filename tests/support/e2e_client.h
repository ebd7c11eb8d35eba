/*
 * e2e_client: helpers for end-to-end tests of hotline, the client: a
 * fake telnet server socket the test drives by hand, hotline run with
 * stdin and stdout on pipes, and hotline run on a pseudo-terminal.
 * Every wait is bounded by E2E_TIMEOUT_MS.
 */
#ifndef HOTLINE_TEST_E2E_CLIENT_H
#define HOTLINE_TEST_E2E_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "e2e.h"

/* Window of the pseudo-terminal hotline starts on. */
#define E2E_PTY_COLS 80
#define E2E_PTY_ROWS 24

/* Listens on 127.0.0.1 on a free port; returns the socket or -1. */
int e2e_listen(unsigned *port);
/* Accepts one connection; returns it, or -1 if none came in time. */
int e2e_accept(int lfd);

/*
 * Runs build/hotline with args (NULL-ended), input on stdin (then EOF),
 * stdout and stderr into out. Returns the exit status, or -1 if it did
 * not end in time (it is killed).
 */
int e2e_client_run(const char *const *args, const char *input,
		   struct strbuf *out);

/* hotline on a pseudo-terminal: what it drew so far is in screen. */
struct e2e_pty {
	pid_t pid;
	int master;
	struct strbuf screen;
};

/*
 * Starts build/hotline with args on a new pseudo-terminal, with env
 * ("NAME=value", NULL-ended; may be NULL) added to its environment.
 * Returns 0 or -1.
 */
int e2e_pty_start(struct e2e_pty *p, const char *const *args,
		  const char *const *env);
/* Types keys at the terminal. */
void e2e_pty_type(struct e2e_pty *p, const char *keys);
/* Reads the screen until needle shows up at or after offset from. */
bool e2e_pty_expect(struct e2e_pty *p, size_t from, const char *needle);
/* Reads the screen for ms milliseconds (output that must not come). */
void e2e_pty_drain(struct e2e_pty *p, int ms);
/* Waits for hotline to end; its exit status (128+N for signal N), or -1. */
int e2e_pty_wait(struct e2e_pty *p);
/* Kills hotline if still running and closes the terminal. */
void e2e_pty_fini(struct e2e_pty *p);

#endif
