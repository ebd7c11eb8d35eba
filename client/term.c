/*
 * term: readline's callback interface on the event loop. Keys go to
 * readline, finished lines to the remote, server text to the screen
 * above the prompt. Signals arrive as libevent events (readline's own
 * handlers are off), so every exit path goes through term_restore.
 *
 * Knows nothing of telnet or sockets. Readline keeps global state and
 * its callbacks take no context, hence term_current.
 */
#include "term.h"
#include "complete.h"
#include "histfile.h"
#include "mem.h"
#include "nicks.h"
#include "text.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <event2/event.h>
#include <readline/history.h>
#include <readline/readline.h>

/* Room for the prompt made from TERM_MAX_PROMPT bytes (markers included). */
#define TERM_PROMPT_SPACE (3 * TERM_MAX_PROMPT + 1)

/* The signals we catch, in the order of term->sigs. */
static const int term_signals[] = {
	SIGINT, SIGWINCH, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP,
};
#define TERM_NSIGNALS (sizeof(term_signals) / sizeof(term_signals[0]))

struct term {
	struct event_base *base;
	struct remote *remote; /* not owned */
	struct event *stdin_ev;
	struct event *sigs[TERM_NSIGNALS];
	struct nicks *nicks;
	struct text_lines lines; /* server lines, for nicknames */
	char *histpath;
	/* The server's unfinished last line, shown as the prompt. */
	char pending[TERM_MAX_PROMPT];
	size_t pending_len;
	char prompt[TERM_PROMPT_SPACE];
	char *stars; /* the masked line as shown */
	size_t stars_cap;
	size_t complete_pos;
	bool complete_command;
	bool masked;    /* the server echoes: show '*' and keep no history */
	bool installed; /* readline's handler is in, the terminal prepared */
	int exit_code;
};

/* Readline's callbacks take no context: the one term there is. */
static struct term *term_current;

/* Writes bytes to the screen. */
static void term_write(const char *buf, size_t len)
{
	fwrite(buf, 1, len, rl_outstream);
}

/* Takes readline's handler out and gives the terminal back as it was. */
static void term_restore(struct term *t)
{
	if (!t->installed)
		return;
	t->installed = false;
	rl_callback_handler_remove();
	fflush(rl_outstream);
}

/* Stops the loop with this exit status, terminal restored. */
static void term_finish(struct term *t, int code)
{
	term_restore(t);
	t->exit_code = code;
	event_base_loopbreak(t->base);
}

/* Shows the line as one '*' per character (not per byte). */
static void term_masked_redisplay(void)
{
	struct term *t = term_current;
	char *line = rl_line_buffer;
	int end = rl_end, point = rl_point, mark = rl_mark;
	int n = 0, before = 0;

	for (int i = 0; i < end; i++) {
		if (((unsigned char)line[i] & 0xc0) == 0x80)
			continue; /* a UTF-8 continuation byte */
		if (i < point)
			before++;
		n++;
	}
	if (t->stars_cap < (size_t)n + 1) {
		t->stars_cap = (size_t)n + 1;
		t->stars = xrealloc(t->stars, t->stars_cap);
	}
	memset(t->stars, '*', (size_t)n);
	t->stars[n] = '\0';
	/* rl_redisplay only reads these; they are put back at once. */
	rl_line_buffer = t->stars;
	rl_end = n;
	rl_point = before;
	rl_mark = 0;
	rl_redisplay();
	rl_line_buffer = line;
	rl_end = end;
	rl_point = point;
	rl_mark = mark;
}

/* Draws prompt and line on a cleared row, as the display mode says. */
static void term_show(struct term *t)
{
	text_prompt(t->pending, t->pending_len, t->prompt, sizeof(t->prompt));
	/* A search shows its own prompt; ours comes back with the next text. */
	if (!RL_ISSTATE(RL_STATE_ISEARCH | RL_STATE_NSEARCH))
		rl_set_prompt(t->prompt);
	rl_forced_update_display();
	fflush(rl_outstream);
}

/* Redraws the prompt and line from scratch. */
static void term_redraw(struct term *t)
{
	if (!t->installed)
		return;
	rl_clear_visible_line();
	term_show(t);
}

/* A line of server text: learn the nicknames in it. */
static void term_on_server_line(void *ctx, const char *line, size_t len)
{
	nicks_scan_line(ctx, line, len);
}

/* remote_ops.text: print above the prompt, keep the unfinished line as it. */
static void term_on_text(void *ctx, const char *buf, size_t len)
{
	struct term *t = ctx;
	const char *nl = NULL;

	text_lines_feed(&t->lines, buf, len, term_on_server_line, t->nicks);
	for (size_t i = len; i > 0; i--) {
		if (buf[i - 1] == '\n') {
			nl = buf + i - 1;
			break;
		}
	}
	if (t->installed)
		rl_clear_visible_line();
	if (nl != NULL) {
		/* The old unfinished line, the new text up to its last line end. */
		term_write(t->pending, t->pending_len);
		term_write(buf, (size_t)(nl - buf) + 1);
		t->pending_len = 0;
		len -= (size_t)(nl - buf) + 1;
		buf = nl + 1;
	}
	if (t->pending_len + len > sizeof(t->pending)) {
		/* Too long for a prompt: it becomes a line of its own. */
		term_write(t->pending, t->pending_len);
		term_write(buf, len);
		term_write("\n", 1);
		t->pending_len = 0;
		len = 0;
	}
	memcpy(t->pending + t->pending_len, buf, len);
	t->pending_len += len;
	if (t->installed)
		term_show(t);
	else
		fflush(rl_outstream);
}

/* remote_ops.mask: the server echoes (a password): show stars, keep no history. */
static void term_on_mask(void *ctx, bool on)
{
	struct term *t = ctx;

	t->masked = on;
	rl_redisplay_function = on ? term_masked_redisplay : rl_redisplay;
	term_redraw(t);
}

/* remote_ops.ready: lines typed from now on follow the greeting anyway. */
static void term_on_ready(void *ctx)
{
	(void)ctx;
}

/* remote_ops.closed: print the server's last words, restore, exit. */
static void term_on_closed(void *ctx, const char *error)
{
	struct term *t = ctx;

	if (t->installed)
		rl_clear_visible_line();
	if (t->pending_len > 0) {
		term_write(t->pending, t->pending_len);
		term_write("\n", 1);
		t->pending_len = 0;
	}
	term_restore(t);
	if (error != NULL)
		fprintf(stderr, "hotline: %s\n", error);
	else
		fprintf(stderr, "hotline: the server hung up\n");
	term_finish(t, error != NULL ? 1 : 0);
}

const struct remote_ops term_remote_ops = {
	.text = term_on_text,
	.mask = term_on_mask,
	.ready = term_on_ready,
	.closed = term_on_closed,
	.drained = NULL,
};

/* Readline's line handler: send the line, or hang up on Ctrl-D (NULL). */
static void term_on_line(char *line)
{
	struct term *t = term_current;

	if (line == NULL) {
		/* Out now, so readline does not prepare the terminal again. */
		term_write("\n", 1);
		term_finish(t, 0);
		return;
	}
	/* The server's prompt was answered: it stays on the screen above. */
	t->pending_len = 0;
	t->prompt[0] = '\0';
	rl_set_prompt("");
	remote_end_greeting(t->remote);
	remote_send_line(t->remote, line, strlen(line));
	if (!t->masked)
		histfile_add(t->histpath, line);
	free(line);
}

/* Keys arrived. */
static void term_on_stdin(evutil_socket_t fd, short what, void *ctx)
{
	(void)fd;
	(void)what;
	(void)ctx;
	rl_callback_read_char();
}

/* Readline's generator: the next candidate after the last one. */
static char *term_complete_next(const char *text, int state)
{
	struct term *t = term_current;

	if (state == 0)
		t->complete_pos = 0;
	return complete_next(t->nicks, text, t->complete_command,
			     &t->complete_pos);
}

/* Tab: commands for the first word, nicknames after; nothing while masked. */
static char **term_complete(const char *text, int start, int end)
{
	struct term *t = term_current;

	(void)end;
	rl_attempted_completion_over = 1; /* never file names */
	if (t->masked)
		return NULL;
	t->complete_command = true;
	for (int i = 0; i < start; i++) {
		if (rl_line_buffer[i] != ' ' && rl_line_buffer[i] != '\t')
			t->complete_command = false;
	}
	return rl_completion_matches(text, term_complete_next);
}

/* The window size of the terminal, if it has one. */
static void term_window(unsigned *width, unsigned *height)
{
	struct winsize ws = { 0 };

	*width = *height = 0;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
		return;
	*width = ws.ws_col;
	*height = ws.ws_row;
}

/* Ctrl-C: drop the half-typed line (and any search), keep going. */
static void term_on_sigint(struct term *t)
{
	if (!t->installed)
		return;
	rl_clear_visible_line();
	rl_callback_sigcleanup();
	rl_free_line_state();
	rl_replace_line("", 0);
	rl_point = rl_mark = 0;
	term_show(t);
}

/* Ctrl-Z: give the terminal back, stop, and take it again on fg. */
static void term_on_sigtstp(struct term *t)
{
	if (t->installed) {
		rl_clear_visible_line();
		fflush(rl_outstream);
		rl_deprep_terminal();
	}
	kill(getpid(), SIGSTOP);
	if (t->installed) {
		rl_prep_terminal(1);
		term_show(t);
	}
}

/* One of our signals, delivered by libevent outside signal context. */
static void term_on_signal(evutil_socket_t sig, short what, void *ctx)
{
	struct term *t = ctx;
	unsigned w, h;

	(void)what;
	switch (sig) {
	case SIGINT:
		term_on_sigint(t);
		break;
	case SIGWINCH:
		rl_resize_terminal();
		term_window(&w, &h);
		remote_set_window(t->remote, w, h);
		break;
	case SIGTSTP:
		term_on_sigtstp(t);
		break;
	default:
		/* SIGTERM, SIGHUP, SIGQUIT: leave the terminal as we found it. */
		if (t->installed) {
			term_write("\n", 1);
			term_restore(t);
		}
		term_finish(t, 128 + (int)sig);
		break;
	}
}

/* Sets readline up; the terminal is prepared later by term_start. */
struct term *term_new(struct event_base *base, const char *histpath)
{
	struct term *t = xcalloc(1, sizeof(*t));

	t->base = base;
	t->nicks = nicks_new();
	text_lines_init(&t->lines);
	term_current = t;

	rl_readline_name = "hotline";
	rl_instream = stdin;
	rl_outstream = stdout;
	/* Signals come through the event loop; readline must not catch them. */
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_attempted_completion_function = term_complete;
	rl_completer_word_break_characters = " \t";
	rl_variable_bind("completion-ignore-case", "on");
	rl_redisplay_function = rl_redisplay;

	if (histpath != NULL) {
		if (histfile_make_dir(histpath) < 0 ||
		    histfile_load(histpath) < 0)
			fprintf(stderr, "hotline: history not kept in %s: %s\n",
				histpath, strerror(errno));
		else
			t->histpath = xstrdup(histpath);
	}
	if (t->histpath == NULL)
		stifle_history(HISTFILE_MAX);

	t->stdin_ev = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST,
				term_on_stdin, t);
	if (t->stdin_ev == NULL)
		goto fail;
	for (size_t i = 0; i < TERM_NSIGNALS; i++) {
		t->sigs[i] = evsignal_new(base, term_signals[i], term_on_signal,
					  t);
		if (t->sigs[i] == NULL)
			goto fail;
	}
	return t;
fail:
	fprintf(stderr, "hotline: cannot watch the terminal\n");
	abort();
}

/* Restores the terminal, trims the history, frees everything. */
void term_free(struct term *t)
{
	if (t == NULL)
		return;
	term_restore(t);
	histfile_trim(t->histpath);
	clear_history();
	event_free(t->stdin_ev);
	for (size_t i = 0; i < TERM_NSIGNALS; i++)
		event_free(t->sigs[i]);
	nicks_free(t->nicks);
	free(t->histpath);
	free(t->stars);
	if (term_current == t)
		term_current = NULL;
	free(t);
}

/* Reports window and terminal type, prepares the terminal, reads keys. */
void term_start(struct term *t, struct remote *r)
{
	unsigned w, h;

	t->remote = r;
	term_window(&w, &h);
	remote_set_window(r, w, h);
	remote_set_ttype(r, getenv("TERM"));
	for (size_t i = 0; i < TERM_NSIGNALS; i++)
		evsignal_add(t->sigs[i], NULL);
	rl_callback_handler_install("", term_on_line);
	t->installed = true;
	fflush(rl_outstream);
	event_add(t->stdin_ev, NULL);
}

/* The exit status. */
int term_exit_code(const struct term *t)
{
	return t->exit_code;
}

/* Trace text above the input line, which is then drawn again. */
void term_print_aside(void *ctx, const char *text, size_t len)
{
	struct term *t = ctx;

	if (t->installed)
		rl_clear_visible_line();
	fflush(rl_outstream);
	fwrite(text, 1, len, stderr);
	fflush(stderr);
	if (t->installed)
		term_show(t);
}
