/*
 * main: options, wiring, signals and the event loop of hotlined; nothing
 * more. Everything it wires lives in the other modules of service/.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "hashcmd.h"
#include "log/events.h"
#include "log/logsink.h"
#include "log/trace.h"
#include "mem.h"
#include "menu/menu.h"
#include "menu/menu_load.h"
#include "net/conn.h"
#include "net/listener.h"
#include "net/udp.h"
#include "net/webconn.h"
#include "net/webpage.h"
#include "room/chat.h"
#include "server/pidfile.h"
#include "server/server.h"
#include "store/account.h"
#include "teacher/teacher.h"

#define DEFAULT_PORT 5228
#define DEFAULT_DB "hotline.db"
/* Seconds a quiet chat member stays in the room. */
#define DEFAULT_CHAT_IDLE (30 * 60)
/* Seconds SIGTERM waits for goodbyes to drain before exiting anyway. */
#define SHUTDOWN_GRACE 3

#ifndef HOTLINE_DATADIR
#define HOTLINE_DATADIR "/usr/local/share/hotline"
#endif

/* Most --web-origin options. */
#define HOTLINED_MAX_ORIGINS 16

struct options {
	const char *listen[LISTENER_MAX_SOCKETS];
	size_t nlisten;
	unsigned port;
	const char *menus;
	const char *db;
	const char *operator_file;
	const char *pid_file;
	bool hash_password;
	bool check;
	bool dot;
	bool debug;
	bool trace;
	enum trace_view trace_view; /* with trace */
	const char *events;         /* --events FILE, or NULL */
	bool udp_port_set;
	unsigned udp_port; /* with udp_port_set; 0: no UDP */
	unsigned chat_idle;
	unsigned max_idle;
	struct server_limits limits; /* and the chat rate */
	size_t max_output;
	bool no_http;
	bool http_port_set;
	unsigned http_port; /* with http_port_set: browsers on a port of their own */
	const char *web; /* the page's folder */
	const char *web_origins[HOTLINED_MAX_ORIGINS + 1]; /* NULL-ended */
	size_t nweb_origins;
};

/*
 * Freed heap glibc keeps instead of giving back to the kernel at once. A
 * chat pass queues every member's lines and frees them once written: 14 MB
 * for 160 lines to 10,000 members. Returning that after each pass and
 * faulting it back in the next cost more than the fan-out itself.
 */
#define HOTLINED_HEAP_KEEP (64 * 1024 * 1024)

/* What main wires together, for the signal handlers. */
struct hotlined {
	struct event_base *base;
	struct listener *listener;
	struct listener *http_listener; /* --http-port, or NULL */
	struct server *server;
	struct teacher *teacher; /* NULL without the browser page */
	struct udp_server *udp;  /* NULL with --udp-port 0 */
	const char *menus_path;
	struct event *sig_hup, *sig_int, *sig_term, *grace;
	bool stopping;
};

/* Prints usage to out. */
static void usage(FILE *out)
{
	fprintf(out,
		"usage: hotlined [options]\n"
		"       hotlined --check [PATH]\n"
		"       hotlined --dot [PATH]\n"
		"\n"
		"The 10086 service-hotline simulator: telnet callers press numbers.\n"
		"\n"
		"  -l, --listen ADDR   listen on ADDR (repeatable; default: every\n"
		"                      IPv4 and IPv6 interface)\n"
		"  -p, --port N        TCP port (default %d; 0 picks a free one)\n"
		"      --udp-port N    UDP port for STATUS, PLANS and PING N (default:\n"
		"                      the port TCP got; 0: no UDP)\n"
		"      --http-port N   serve browsers (the page and its WebSocket) on\n"
		"                      port N of their own (default: on the telnet\n"
		"                      port, told apart by their first bytes)\n"
		"      --no-http       telnet only: no page, the greeting at once\n"
		"      --web DIR       the page's folder (default: ./web, then the\n"
		"                      installed page)\n"
		"      --web-origin O  let pages from origin O (http://host:port)\n"
		"                      call in too (repeatable)\n"
		"  -m, --menus PATH    menu directory or file (default: ./menus,\n"
		"                      then the installed menus)\n"
		"      --db PATH       accounts database (default ./%s, created and\n"
		"                      seeded with the demo data on first start)\n"
		"      --operator-password-file FILE\n"
		"                      a yescrypt hash (from --hash-password) that\n"
		"                      /op in the chat room must match\n"
		"      --pid-file FILE write hotlined's PID to FILE (kill -STOP\n"
		"                      $(cat FILE) freezes this server, no other)\n"
		"      --hash-password read a password on stdin (twice on a\n"
		"                      terminal), print its hash\n"
		"      --check [PATH]  validate menu files, print file:line:col errors\n"
		"      --dot [PATH]    print the menu graph as Graphviz DOT\n"
		"      --chat-rate N   lines a second a chat member may send, with a\n"
		"                      burst of twice that (default %d; 0: no limit)\n"
		"      --chat-idle S   seconds a quiet chat member stays (default %d;\n"
		"                      0: no limit)\n"
		"      --max-idle S    seconds a silent call lasts, anywhere, before\n"
		"                      the goodbye (default %d; 0: no limit)\n"
		"      --max-clients N callers at once; past it a caller hears \"busy\"\n"
		"                      (default %d; 0: no limit)\n"
		"      --max-per-ip N  callers from one address (default %d; 0: no limit)\n"
		"      --max-output B  bytes queued for a caller before reading pauses\n"
		"                      and a chat member leaves the room (default %d)\n"
		"  -d, --debug         log state changes and telnet details\n"
		"  -t, --trace         show the protocol: connections with their\n"
		"                      addresses, every byte in and out as hex and\n"
		"                      text, telnet commands by name, state changes,\n"
		"                      who closed first (passwords masked)\n"
		"      --trace=brief   the same without the bytes: connections, state\n"
		"                      changes, telnet commands (--trace=full: all)\n"
		"      --events FILE   append what callers do to FILE, one JSON object\n"
		"                      a line: connects, closes, state changes, keys,\n"
		"                      lines (passwords masked), chat lines\n"
		"  -h, --help          this text\n"
		"  -V, --version       print the version\n"
		"\n"
		"Signals: SIGHUP reloads the menus; SIGINT/SIGTERM say goodbye to\n"
		"every caller and exit.\n",
		DEFAULT_PORT, DEFAULT_DB, CHAT_RATE_DEFAULT, DEFAULT_CHAT_IDLE,
		SESSION_MAX_IDLE_DEFAULT, SERVER_MAX_CLIENTS_DEFAULT,
		SERVER_MAX_PER_IP_DEFAULT, CONN_MAX_OUTPUT_DEFAULT);
}

/* Parses a whole number from 0 to max; exits with a message if it is not one. */
static unsigned long parse_number(const char *opt, const char *s,
				  unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max) {
		fprintf(stderr, "hotlined: bad %s \"%s\" (0-%lu)\n", opt, s,
			max);
		exit(2);
	}
	return v;
}

/* Fills opts from argv; exits on --help, --version or a bad option. */
static void parse_options(int argc, char **argv, struct options *opts)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "menus", required_argument, NULL, 'm' },
		{ "db", required_argument, NULL, 'D' },
		{ "operator-password-file", required_argument, NULL, 'o' },
		{ "pid-file", required_argument, NULL, 'F' },
		{ "hash-password", no_argument, NULL, 'H' },
		{ "check", no_argument, NULL, 'c' },
		{ "dot", no_argument, NULL, 'g' },
		{ "debug", no_argument, NULL, 'd' },
		{ "trace", optional_argument, NULL, 't' },
		{ "events", required_argument, NULL, 'E' },
		{ "udp-port", required_argument, NULL, 'u' },
		{ "chat-rate", required_argument, NULL, 'R' },
		{ "chat-idle", required_argument, NULL, 'I' },
		{ "max-idle", required_argument, NULL, 'X' },
		{ "max-output", required_argument, NULL, 'O' },
		{ "max-clients", required_argument, NULL, 'C' },
		{ "max-per-ip", required_argument, NULL, 'P' },
		{ "http-port", required_argument, NULL, 'W' },
		{ "no-http", no_argument, NULL, 'N' },
		{ "web", required_argument, NULL, 'w' },
		{ "web-origin", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	opts->port = DEFAULT_PORT;
	opts->limits.chat_rate = CHAT_RATE_DEFAULT;
	opts->chat_idle = DEFAULT_CHAT_IDLE;
	opts->max_idle = SESSION_MAX_IDLE_DEFAULT;
	opts->max_output = CONN_MAX_OUTPUT_DEFAULT;
	opts->limits.max_clients = SERVER_MAX_CLIENTS_DEFAULT;
	opts->limits.max_per_ip = SERVER_MAX_PER_IP_DEFAULT;
	while ((ch = getopt_long(argc, argv, "l:p:m:dthV", longopts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'l':
			if (opts->nlisten == LISTENER_MAX_SOCKETS) {
				fprintf(stderr,
					"hotlined: at most %d --listen addresses\n",
					LISTENER_MAX_SOCKETS);
				exit(2);
			}
			opts->listen[opts->nlisten++] = optarg;
			break;
		case 'p':
			opts->port = (unsigned)parse_number("port", optarg,
							    65535);
			break;
		case 'R':
			opts->limits.chat_rate = (unsigned)
				parse_number("chat rate", optarg, 1000);
			break;
		case 'I':
			opts->chat_idle =
				(unsigned)parse_number("chat idle time", optarg,
						       7 * 24 * 3600);
			break;
		case 'X':
			opts->max_idle =
				(unsigned)parse_number("--max-idle", optarg,
						       SESSION_MAX_IDLE_MAX);
			break;
		case 'C':
			opts->limits.max_clients = (unsigned)
				parse_number("client limit", optarg, 1000000);
			break;
		case 'P':
			opts->limits.max_per_ip =
				(unsigned)parse_number("per-address limit",
						       optarg, 1000000);
			break;
		case 'O':
			/* Below 4 KiB a single menu would not fit. */
			opts->max_output = parse_number("output limit", optarg,
							1024UL * 1024 * 1024);
			if (opts->max_output < 4096) {
				fprintf(stderr,
					"hotlined: --max-output must be at least 4096\n");
				exit(2);
			}
			break;
		case 'm':
			opts->menus = optarg;
			break;
		case 'D':
			opts->db = optarg;
			break;
		case 'o':
			opts->operator_file = optarg;
			break;
		case 'F':
			opts->pid_file = optarg;
			break;
		case 'H':
			opts->hash_password = true;
			break;
		case 'c':
			opts->check = true;
			break;
		case 'g':
			opts->dot = true;
			break;
		case 'd':
			opts->debug = true;
			break;
		case 't':
			opts->trace = true;
			if (trace_view_parse(optarg, &opts->trace_view) < 0) {
				fprintf(stderr,
					"hotlined: bad --trace \"%s\" (brief or full)\n",
					optarg);
				exit(2);
			}
			break;
		case 'E':
			opts->events = optarg;
			break;
		case 'u':
			opts->udp_port = (unsigned)parse_number("UDP port",
								optarg, 65535);
			opts->udp_port_set = true;
			break;
		case 'W':
			opts->http_port = (unsigned)parse_number("HTTP port",
								 optarg, 65535);
			opts->http_port_set = true;
			break;
		case 'N':
			opts->no_http = true;
			break;
		case 'w':
			opts->web = optarg;
			break;
		case 'G':
			if (opts->nweb_origins == HOTLINED_MAX_ORIGINS) {
				fprintf(stderr,
					"hotlined: at most %d --web-origin options\n",
					HOTLINED_MAX_ORIGINS);
				exit(2);
			}
			opts->web_origins[opts->nweb_origins++] = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("hotlined %s\n", HOTLINE_VERSION);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	/* --check and --dot take an optional PATH as their operand. */
	if ((opts->check || opts->dot) && optind < argc)
		opts->menus = argv[optind++];
	if (opts->no_http && opts->http_port_set) {
		fprintf(stderr,
			"hotlined: --http-port and --no-http contradict "
			"each other\n");
		exit(2);
	}
	if (optind < argc) {
		fprintf(stderr, "hotlined: unexpected argument \"%s\"\n",
			argv[optind]);
		usage(stderr);
		exit(2);
	}
}

/* Whether path names an existing file or directory. */
static bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/*
 * Finds a folder of hotline's data (name: "menus" or "web"): ./name, then
 * name/ beside the build directory of this binary, then the installed
 * one. Returns a string the caller owns.
 */
static char *default_data_path(const char *name)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (path_exists(name))
		return xstrdup(name);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');

		if (slash != NULL) {
			*slash = '\0';
			char *p = xasprintf("%s/../%s", exe, name);

			if (path_exists(p))
				return p;
			free(p);
#ifdef HOTLINE_DATADIR_REL
			/* Installed under another prefix than configured. */
			p = xasprintf("%s/%s/%s", exe, HOTLINE_DATADIR_REL,
				      name);
			if (path_exists(p))
				return p;
			free(p);
#endif
		}
	}
	return xasprintf("%s/%s", HOTLINE_DATADIR, name);
}

/* Loads the catalog, printing every error; NULL on failure. */
static struct menu_catalog *load_menus(const char *path, FILE *errout)
{
	struct menu_errors errs;
	struct menu_catalog *cat;

	menu_errors_init(&errs);
	cat = menu_load_path(path, &errs);
	/* The warnings of a catalog that loads are printed as well. */
	menu_errors_print(&errs, errout);
	menu_errors_fini(&errs);
	return cat;
}

/* SIGHUP: reload the menus; a broken file keeps the old ones. */
static void on_sighup(evutil_socket_t sig, short what, void *ctx)
{
	struct hotlined *hd = ctx;
	struct menu_catalog *cat;

	(void)sig;
	(void)what;
	log_info(0, "SIGHUP: reloading menus from %s", hd->menus_path);
	cat = load_menus(hd->menus_path, stderr);
	if (cat == NULL) {
		log_error(0, "reload failed; the old menus stay in service");
		return;
	}
	server_set_catalog(hd->server, cat);
	menu_catalog_unref(cat);
	server_notice(hd->server, MENU_TEXT_RELOADED);
	if (hd->teacher != NULL)
		teacher_reloaded(hd->teacher);
	log_info(0, "menus reloaded");
}

/* The last caller is gone, or the grace period ran out: leave the loop. */
static void stop_loop(void *ctx)
{
	struct hotlined *hd = ctx;

	event_base_loopbreak(hd->base);
}

/* Grace period over. */
static void on_grace(evutil_socket_t fd, short what, void *ctx)
{
	(void)fd;
	(void)what;
	log_info(0, "grace period over; exiting with callers still connected");
	stop_loop(ctx);
}

/* SIGINT/SIGTERM: tell every caller, let output drain, exit 0. A second one exits at once. */
static void on_sigterm(evutil_socket_t sig, short what, void *ctx)
{
	struct hotlined *hd = ctx;
	struct timeval tv = { .tv_sec = SHUTDOWN_GRACE, .tv_usec = 0 };

	(void)what;
	if (hd->stopping) {
		log_info(0, "signal %d again: exiting now", (int)sig);
		stop_loop(hd);
		return;
	}
	hd->stopping = true;
	log_info(0, "signal %d: closing %zu sessions", (int)sig,
		 server_conn_count(hd->server));
	hd->grace = evtimer_new(hd->base, on_grace, hd);
	evtimer_add(hd->grace, &tv);
	listener_stop(hd->listener);
	if (hd->http_listener != NULL)
		listener_stop(hd->http_listener);
	server_shutdown(hd->server, stop_loop, hd);
}

/* Opens the accounts database and starts its worker; NULL after saying why. */
static struct account_worker *open_accounts(struct event_base *base,
					    const struct options *opts,
					    const char *menus_path,
					    struct account_plan *plans,
					    size_t *nplans)
{
	char *seed = account_seed_path(menus_path);
	char *err = NULL;
	struct account_store *st;
	int n;

	if (!path_exists(seed)) {
		/* Menus of one's own need no demo accounts: a new database starts empty. */
		log_info(0, "no demo data at %s", seed);
		free(seed);
		seed = NULL;
	}
	st = account_store_open(opts->db ? opts->db : DEFAULT_DB, seed, &err);
	free(seed);
	if (st == NULL) {
		fprintf(stderr, "hotlined: %s\n",
			err ? err : "cannot open the database");
		free(err);
		return NULL;
	}
	log_info(0, "accounts in %s", opts->db ? opts->db : DEFAULT_DB);
	/* UDP's PLANS, read before the worker owns the store: no call changes a plan. */
	n = account_store_plans(st, plans, UDP_MAX_PLANS);
	*nplans = n > 0 ? (size_t)n : 0;
	return account_worker_new(base, st);
}

/* listener_accept_fn: a caller on the telnet port, browsers there too. */
static void on_accept_shared(void *ctx, evutil_socket_t fd,
			     const struct sockaddr *peer)
{
	server_admit(ctx, fd, peer, CONN_FRONT_SHARED);
}

/* listener_accept_fn: a caller on a telnet-only port. */
static void on_accept_telnet(void *ctx, evutil_socket_t fd,
			     const struct sockaddr *peer)
{
	server_admit(ctx, fd, peer, CONN_FRONT_TELNET);
}

/* listener_accept_fn: a browser on --http-port. */
static void on_accept_http(void *ctx, evutil_socket_t fd,
			   const struct sockaddr *peer)
{
	server_admit(ctx, fd, peer, CONN_FRONT_HTTP);
}

/* Binds l on every --listen address (or the wildcard) at port. */
static int bind_listener(struct listener *l, const struct options *opts,
			 unsigned port)
{
	if (opts->nlisten == 0)
		return listener_bind(l, NULL, port);
	for (size_t i = 0; i < opts->nlisten; i++) {
		if (listener_bind(l, opts->listen[i], port) < 0)
			return -1;
	}
	return 0;
}

/*
 * Reads the browser page's files, unless --no-http. Without them the
 * service still runs, for telnet only, after saying what is missing.
 */
static struct webpage *load_page(const struct options *opts)
{
	char err[PATH_MAX + 128];
	char *dir;
	struct webpage *page;

	if (opts->no_http)
		return NULL;
	dir = opts->web ? xstrdup(opts->web) : default_data_path("web");
	page = webpage_load(dir, err, sizeof(err));
	if (page == NULL)
		log_error(0,
			  "no page for browsers: %s (`npm ci` in web/ "
			  "installs xterm.js, as ./setup.sh does); telnet only",
			  err);
	else
		log_debug(0, "the browser page from %s", dir);
	free(dir);
	return page;
}

/* Prints the teacher's link, with the key, for the first dial address. */
static void print_teacher_link(const struct hotlined *hd, unsigned http_port)
{
	const struct listener *l = hd->http_listener != NULL ? hd->http_listener
							     : hd->listener;
	struct sockaddr_storage ss;
	struct strbuf link;

	if (listener_dial_address(l, http_port, &ss) < 0)
		return;
	strbuf_init(&link);
	teacher_link(hd->teacher, (const struct sockaddr *)&ss, &link);
	log_info(0, "teacher's view: %s", link.data);
	strbuf_fini(&link);
}

/* UDP beside TCP on the same addresses: --udp-port, or the port TCP got. */
static int start_udp(struct hotlined *hd, const struct options *opts,
		     const struct account_plan *plans, size_t nplans)
{
	unsigned port = opts->udp_port_set ? opts->udp_port
					   : listener_port(hd->listener);

	if (port == 0) {
		log_info(0, "no UDP (--udp-port 0)");
		return 0;
	}
	hd->udp = udp_server_new(hd->base, plans, nplans, server_udp_status,
				 hd->server);
	if (opts->nlisten == 0)
		return udp_server_bind(hd->udp, NULL, port);
	for (size_t i = 0; i < opts->nlisten; i++) {
		if (udp_server_bind(hd->udp, opts->listen[i], port) < 0)
			return -1;
	}
	return 0;
}

/*
 * Says which process this is, so a lesson can freeze this server and no
 * other, and writes --pid-file. -1 after saying why the file was refused.
 */
static int announce_pid(const char *pid_file)
{
	char err[PATH_MAX + 128];
	pid_t pid = getpid();

	if (pid_file == NULL) {
		log_info(0, "running as pid %ld", (long)pid);
		return 0;
	}
	if (pidfile_write(pid_file, pid, err, sizeof(err)) < 0) {
		fprintf(stderr, "hotlined: %s\n", err);
		return -1;
	}
	log_info(0, "running as pid %ld (written to %s)", (long)pid, pid_file);
	return 0;
}

/*
 * Starts --events FILE, if given, before anything can happen that it
 * should hold. -1 after saying why the file was refused.
 */
static int open_events(const char *path)
{
	char err[PATH_MAX + 128];

	if (path == NULL)
		return 0;
	if (events_open(path, err, sizeof(err)) < 0) {
		fprintf(stderr, "hotlined: %s\n", err);
		return -1;
	}
	log_info(0, "events written to %s", path);
	return 0;
}

/* Serves until SIGINT/SIGTERM; returns the exit status. */
static int serve(const struct options *opts, const char *menus_path)
{
	struct hotlined hd = { .menus_path = menus_path };
	struct conn_env env = {
		.max_output = opts->max_output,
		.session.chat_idle = opts->chat_idle,
		.session.max_idle = opts->max_idle,
	};
	struct menu_catalog *cat;
	struct webpage *page = NULL;
	struct webconn_env web = { .origins = opts->web_origins };
	unsigned http_port = 0;
	char *operator_hash = NULL;
	struct account_plan plans[UDP_MAX_PLANS];
	size_t nplans = 0;
	bool pid_written = false;
	int status = 1;

	if (opts->operator_file != NULL) {
		operator_hash = hashcmd_read_file(opts->operator_file);
		if (operator_hash == NULL)
			return 1;
		env.session.operator_hash = operator_hash;
	}
	if (open_events(opts->events) < 0) {
		free(operator_hash);
		return 1;
	}
	cat = load_menus(menus_path, stderr);
	if (cat == NULL) {
		events_close();
		free(operator_hash);
		return 1;
	}
	hd.base = event_base_new();
	if (hd.base == NULL) {
		fprintf(stderr, "hotlined: cannot create the event loop\n");
		events_close();
		menu_catalog_unref(cat);
		free(operator_hash);
		return 1;
	}
	env.session.accounts = open_accounts(hd.base, opts, menus_path, plans,
					     &nplans);
	if (env.session.accounts == NULL)
		goto out;
	page = load_page(opts);
	web.page = page;
	if (page != NULL)
		env.web = &web;
	hd.server = server_new(hd.base, cat, &env, &opts->limits);
	menu_catalog_unref(cat); /* the server holds it; a reload swaps it */
	cat = NULL;
	if (hd.server == NULL)
		goto out;
	if (env.web != NULL) {
		struct teacher_config tc = {
			.base = hd.base,
			.srv = hd.server,
			.accounts = env.session.accounts,
			.operator_hash = operator_hash,
		};

		hd.teacher = teacher_new(&tc);
		if (hd.teacher == NULL) {
			log_error(0, "no random bytes for the teacher's key");
			goto out;
		}
		web.teacher = teacher_webconn(hd.teacher);
	}
	hd.listener = listener_new(hd.base,
				   env.web != NULL && !opts->http_port_set
					   ? on_accept_shared
					   : on_accept_telnet,
				   hd.server);
	if (bind_listener(hd.listener, opts, opts->port) < 0)
		goto out;
	if (env.web != NULL && opts->http_port_set) {
		hd.http_listener = listener_new(hd.base, on_accept_http,
						hd.server);
		listener_set_label(hd.http_listener, " (HTTP)");
		if (bind_listener(hd.http_listener, opts, opts->http_port) < 0)
			goto out;
		http_port = listener_port(hd.http_listener);
	} else if (env.web != NULL) {
		http_port = listener_port(hd.listener);
	}
	if (start_udp(&hd, opts, plans, nplans) < 0)
		goto out;
	if (announce_pid(opts->pid_file) < 0)
		goto out;
	pid_written = opts->pid_file != NULL;
	listener_print_dial_lines(hd.listener, http_port);
	if (hd.teacher != NULL)
		print_teacher_link(&hd, http_port);

	hd.sig_hup = evsignal_new(hd.base, SIGHUP, on_sighup, &hd);
	hd.sig_int = evsignal_new(hd.base, SIGINT, on_sigterm, &hd);
	hd.sig_term = evsignal_new(hd.base, SIGTERM, on_sigterm, &hd);
	evsignal_add(hd.sig_hup, NULL);
	evsignal_add(hd.sig_int, NULL);
	evsignal_add(hd.sig_term, NULL);

	event_base_dispatch(hd.base);
	log_info(0, "stopped");
	status = 0;
out:
	if (pid_written)
		pidfile_remove(opts->pid_file, getpid());
	listener_free(hd.listener);
	listener_free(hd.http_listener);
	/* The view stops hearing the calls, then they go, then the view. */
	teacher_stop(hd.teacher);
	/* Conns before the worker: they cancel what they still wait for. */
	server_free(hd.server);
	teacher_free(hd.teacher);
	/* After the conns: their close events are the file's last lines. */
	events_close();
	webpage_free(page);
	udp_server_free(hd.udp);
	account_worker_free(env.session.accounts);
	if (hd.grace != NULL)
		event_free(hd.grace);
	if (hd.sig_hup != NULL) {
		event_free(hd.sig_hup);
		event_free(hd.sig_int);
		event_free(hd.sig_term);
	}
	event_base_free(hd.base);
	menu_catalog_unref(cat);
	free(operator_hash);
	return status;
}

/* Entry point: --check, --dot, or serve. */
int main(int argc, char **argv)
{
	struct options opts = { 0 };
	struct menu_catalog *cat;
	char *menus_path;
	int status;

	parse_options(argc, argv, &opts);
	if (opts.hash_password)
		return hashcmd_run();
	if (opts.debug)
		trace_set_level(TRACE_DEBUG);
	if (opts.trace)
		trace_wire_enable(opts.trace_view);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	mallopt(M_TRIM_THRESHOLD, HOTLINED_HEAP_KEEP);
	menus_path = opts.menus ? xstrdup(opts.menus)
				: default_data_path("menus");

	if (opts.check || opts.dot) {
		cat = load_menus(menus_path, opts.check ? stdout : stderr);
		if (cat != NULL && opts.dot)
			menu_catalog_write_dot(cat, stdout);
		if (cat != NULL && opts.check)
			printf("%s: ok\n", menus_path);
		status = cat != NULL ? 0 : 1;
		menu_catalog_unref(cat);
		free(menus_path);
		return status;
	}
	/* A pipe on stderr must never hold up the loop (logsink.h). */
	logsink_init();
	status = serve(&opts, menus_path);
	logsink_fini();
	free(menus_path);
	return status;
}
