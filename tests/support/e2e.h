/*
 * e2e: helpers for end-to-end tests that start a real hotlined on a free
 * loopback port and talk to it over real sockets. Every wait is bounded.
 */
#ifndef HOTLINE_TEST_E2E_H
#define HOTLINE_TEST_E2E_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "strbuf.h"

/* Longest any single wait in a test may take, in milliseconds. */
#define E2E_TIMEOUT_MS 5000

struct e2e_server {
	pid_t pid;
	unsigned port;
	char log_path[64]; /* the server's stderr */
	char db_path[80];  /* its accounts database, unless args name one */
};

/*
 * Starts build/hotlined (or $HOTLINE_E2E_HOTLINED if set) --listen
 * 127.0.0.1 --port 0 plus args (NULL-ended) and waits for its "listening
 * on" line. Unless args hold --db, the server
 * gets a fresh database of its own, removed by e2e_server_stop. Returns 0
 * or -1.
 */
int e2e_server_start(struct e2e_server *srv, const char *const *args);
/*
 * Starts hotlined as e2e_server_start does, but with its stdout and
 * stderr on a pipe (of pipe_size bytes; 0: the default) instead of the
 * log file, as in `hotlined --trace 2>&1 | less`. The pipe is read up to
 * the "listening on" line; *log_fd is its reading end, which the caller
 * reads, stops reading or closes, and closes in the end. 0 or -1.
 */
int e2e_server_start_piped(struct e2e_server *srv, const char *const *args,
			   int pipe_size, int *log_fd);
/* Sends sig (0: none) and waits for the exit; returns the exit status, or -1. */
int e2e_server_stop(struct e2e_server *srv, int sig);
/* The server's log so far; the caller owns the string. */
char *e2e_server_log(const struct e2e_server *srv);
/* Whether the log contains needle now. */
bool e2e_server_log_contains(const struct e2e_server *srv, const char *needle);
/* Waits until the log contains needle. */
bool e2e_server_log_wait(const struct e2e_server *srv, const char *needle);
/* The same, for up to timeout_ms. */
bool e2e_server_log_wait_ms(const struct e2e_server *srv, const char *needle,
			    int timeout_ms);

/* Connects to 127.0.0.1:port; returns the socket or -1. */
int e2e_connect(unsigned port);
/*
 * Writes a small menu set whose silences are a second long (timeout 1,
 * max_timeouts 2; texts BYE, ANYONE THERE?, ...; menu main "ALPHA MENU"
 * with 3 quit and 4 to "LISTEN MENU", max_timeouts 0) as test.yaml in a
 * new temporary directory, named in dir. 0, or -1. Remove it with
 * e2e_quick_menus_remove.
 */
int e2e_quick_menus(char *dir, size_t size);
/* The quick set's text, for a test that rewrites it. */
extern const char e2e_quick_set[];
void e2e_quick_menus_remove(const char *dir);
/* Connects to 127.0.0.1:port from the loopback address src; the socket or -1. */
int e2e_connect_from(const char *src, unsigned port);
/* Connects to a numeric IPv4 or IPv6 address; returns the socket or -1. */
int e2e_connect_addr(const char *addr, unsigned port);
void e2e_send(int fd, const void *buf, size_t len);
void e2e_send_str(int fd, const char *s);
/*
 * Reads into got until it contains needle (bytes; may hold NULs before
 * it). Returns true if seen within E2E_TIMEOUT_MS.
 */
bool e2e_expect(int fd, struct strbuf *got, const void *needle, size_t len);
bool e2e_expect_str(int fd, struct strbuf *got, const char *needle);
/* Reads until the peer closes; true if it did within E2E_TIMEOUT_MS. */
bool e2e_expect_close(int fd, struct strbuf *got);
/* Whether haystack contains needle (binary-safe). */
bool e2e_contains(const struct strbuf *hay, const void *needle, size_t len);

/* Runs build/hotlined with args, capturing stdout+stderr into out; returns exit status. */
int e2e_run(const char *const *args, struct strbuf *out);

/*
 * Columns s (len bytes of UTF-8) takes on a terminal: each character's
 * utf8_width (test_utf8 pins it: East Asian wide 2, combining marks
 * none), colour escapes (ESC [ ... m) none, a control or a byte that is
 * no character 1. Counted here apart from the trace's wrap, to check it.
 */
size_t e2e_columns(const char *s, size_t len);
/* The most columns any line of text (NUL-ended) takes. */
size_t e2e_widest_line(const char *text);

/* Writes text to path, replacing it. */
void e2e_write_file(const char *path, const char *text);

#endif
