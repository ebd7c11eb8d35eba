/*
 * main: options, wiring and the event loop of hotline, the readline
 * telnet client; nothing more. A terminal on stdin gets the term front
 * end, anything else the pipe front end; both talk to one remote.
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ctrace.h"
#include "dgram.h"
#include "histfile.h"
#include "pipe.h"
#include "remote.h"
#include "term.h"

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT "5228"
/* Seconds of server silence after the end of piped input, by default. */
#define DEFAULT_LINGER 1.0
/* Longest linger accepted, in seconds: an hour is already absurd. */
#define MAX_LINGER 3600.0

struct options {
	const char *host;
	const char *port;
	double linger;
	bool trace;
	bool udp;
	const char *request; /* with udp */
};

/* Prints usage to out. */
static void usage(FILE *out)
{
	fprintf(out,
		"usage: hotline [options] [HOST [PORT]]\n"
		"       hotline --udp [--trace] [HOST [PORT]] REQUEST\n"
		"\n"
		"Dial the 10086 hotline (default %s %s), or any telnet server,\n"
		"with line editing, history and Tab completion.\n"
		"\n"
		"  -l, --linger SECONDS  with piped input: hang up once the server\n"
		"                        has been quiet this long after the end of\n"
		"                        input (default %.1f)\n"
		"  -t, --trace           show the wire on stderr: addresses, every\n"
		"                        byte in and out as hex and text, telnet\n"
		"                        commands by name, who closed first\n"
		"  -u, --udp             send REQUEST (STATUS, PLANS, PING [N]) to\n"
		"                        hotlined's UDP port as one datagram; wait\n"
		"                        %.1f s for the reply, %d tries in all\n"
		"  -h, --help            this text\n"
		"  -V, --version         print the version\n"
		"\n"
		"Keys: Enter sends the line, Tab completes chat commands and\n"
		"nicknames, Ctrl-C clears the line, Ctrl-D on an empty line hangs up.\n"
		"Input is shown as '*' while the server hides it (a password) and is\n"
		"then never kept in the history ($XDG_STATE_HOME/hotline/history, or\n"
		"~/.local/state/hotline/history).\n"
		"\n"
		"When stdin is not a terminal, each line of it is sent and everything\n"
		"the server says is printed:  printf '9\\n3\\n3\\n' | hotline\n",
		DEFAULT_HOST, DEFAULT_PORT, DEFAULT_LINGER,
		DGRAM_TIMEOUT_MS / 1000.0, DGRAM_TRIES);
}

/* Whether s is a port number 1-65535 or a service name. */
static bool is_port(const char *s)
{
	char *end;
	long v;

	if (s[0] == '\0')
		return false;
	if (strspn(s, "0123456789") != strlen(s))
		return true; /* a service name: the resolver decides */
	errno = 0;
	v = strtol(s, &end, 10);
	return errno == 0 && *end == '\0' && v >= 1 && v <= 65535;
}

/* Fills opts from argv; exits on --help, --version or a bad option. */
static void parse_options(int argc, char **argv, struct options *opts)
{
	static const struct option longopts[] = {
		{ "linger", required_argument, NULL, 'l' },
		{ "trace", no_argument, NULL, 't' },
		{ "udp", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	opts->host = DEFAULT_HOST;
	opts->port = DEFAULT_PORT;
	opts->linger = DEFAULT_LINGER;
	opts->trace = false;
	opts->udp = false;
	opts->request = NULL;
	while ((c = getopt_long(argc, argv, "l:tuhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			errno = 0;
			opts->linger = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !isfinite(opts->linger) || opts->linger < 0 ||
			    opts->linger > MAX_LINGER) {
				fprintf(stderr,
					"hotline: bad linger \"%s\" (0-%.0f seconds)\n",
					optarg, MAX_LINGER);
				exit(2);
			}
			break;
		case 't':
			opts->trace = true;
			break;
		case 'u':
			opts->udp = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("hotline %s\n", HOTLINE_VERSION);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (opts->udp) {
		/* The request is the last operand: HOST [PORT] come before it. */
		if (optind == argc || argc - optind > 3) {
			fprintf(stderr,
				"hotline: --udp takes [HOST [PORT]] REQUEST "
				"(STATUS, PLANS or PING)\n");
			exit(2);
		}
		opts->request = argv[--argc];
	}
	if (optind < argc)
		opts->host = argv[optind++];
	if (optind < argc)
		opts->port = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "hotline: unexpected argument \"%s\"\n",
			argv[optind]);
		usage(stderr);
		exit(2);
	}
	if (!is_port(opts->port)) {
		fprintf(stderr, "hotline: bad port \"%s\" (1-65535)\n",
			opts->port);
		exit(2);
	}
}

/* Returns an event loop that can also watch a regular file or /dev/null on stdin. */
static struct event_base *new_base(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base = NULL;

	if (cfg == NULL)
		return NULL;
	/* epoll refuses regular files: `hotline < file` must work. */
	event_config_avoid_method(cfg, "epoll");
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

/* Entry point: dial, then run the terminal or pipe front end until it ends. */
int main(int argc, char **argv)
{
	struct options opts;
	struct event_base *base = NULL;
	struct remote *remote = NULL;
	struct term *term = NULL;
	struct pipe_mode *pipe_mode = NULL;
	char err[REMOTE_MAX_ERROR];
	char *histpath = NULL;
	int fd, code = 1;

	/* Character handling only: a decimal comma must not break --linger. */
	setlocale(LC_CTYPE, "");
	parse_options(argc, argv, &opts);
	signal(SIGPIPE, SIG_IGN);
	if (opts.trace)
		ctrace_enable();
	if (opts.udp)
		return dgram_ask(opts.host, opts.port, opts.request);

	fd = remote_connect(opts.host, opts.port, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "hotline: %s\n", err);
		goto out;
	}
	base = new_base();
	if (base == NULL) {
		fprintf(stderr, "hotline: cannot create the event loop\n");
		close(fd);
		goto out;
	}
	if (isatty(STDIN_FILENO)) {
		histpath = histfile_path(getenv("XDG_STATE_HOME"),
					 getenv("HOME"));
		term = term_new(base, histpath);
		if (opts.trace)
			ctrace_set_sink(term_print_aside, term);
		remote = remote_new(base, fd, &term_remote_ops, term);
		term_start(term, remote);
	} else {
		pipe_mode = pipe_mode_new(base, opts.linger);
		remote = remote_new(base, fd, &pipe_mode_remote_ops, pipe_mode);
		pipe_mode_start(pipe_mode, remote);
	}
	event_base_dispatch(base);
	code = term != NULL ? term_exit_code(term)
			    : pipe_mode_exit_code(pipe_mode);
out:
	remote_free(remote);
	term_free(term);
	pipe_mode_free(pipe_mode);
	free(histpath);
	if (base != NULL)
		event_base_free(base);
	return code;
}
