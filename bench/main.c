/*
 * hotline-bench: the load generator of bench/run. One scenario per run:
 *
 *   hold      open N idle connections, report server memory per connection
 *   walk      N callers walk the menus (or ask the reply server) in a loop
 *   recharge  rechargers by amount and menu walkers together
 *   chat      fan-out: members receive, senders send with a bounded window
 *   probe     walk once, print the bytes of each menu (for the reply server)
 *   follow    a teacher's program reading the event stream of every session
 *   free-port print a free loopback TCP port
 *
 * It speaks telnet to hotlined (a raw client: line mode), over TCP or,
 * with --ws, inside WebSocket as a browser caller does; RESP to Redis,
 * and one line per request to hotline-reply; follow speaks HTTP and reads
 * Server-Sent Events (GET /teacher/api/events). Results are RESULT lines on
 * stdout. Only loopback addresses are accepted, every wait is bounded, and
 * an alarm ends a run that goes on past --timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "bench.h"

/* Seconds a whole run may take unless --timeout says otherwise. */
#define BENCH_TIMEOUT_DEFAULT 600
/* Connections being set up at once: well under hotlined's accept backlog. */
#define BENCH_CONNECT_WINDOW 64

/* Prints usage to out. */
static void usage(FILE *out)
{
	fprintf(out,
		"usage: hotline-bench SCENARIO [options]\n"
		"scenarios: hold walk recharge chat probe follow free-port\n"
		"  --addr A          server address, loopback only (default 127.0.0.1)\n"
		"  --port N          server port\n"
		"  --proto P         telnet (hotlined), resp (redis), reply (hotline-reply)\n"
		"  --ws              telnet inside WebSocket (GET /ws), as a browser\n"
		"  --conns N         hold, walk: connections\n"
		"  --members N       chat: receiving members (default 1000)\n"
		"  --senders N       chat: sending members (default 10)\n"
		"  --size B          chat: message bytes (default 64)\n"
		"  --window N        chat: messages in flight per sender (default 16)\n"
		"  --rechargers N    recharge: callers recharging (default 200)\n"
		"  --walkers N       recharge: callers walking (default 200)\n"
		"  --warmup S        seconds before measuring (default 1)\n"
		"  --duration S      seconds per round (default 3)\n"
		"  --rounds N        measured rounds (default 3)\n"
		"  --sizes A,B,...   walk on reply: bytes asked for, in turn\n"
		"  --pid N           hold: the server's pid, for its memory\n"
		"  --settle S        hold: seconds between set-up and reading memory\n"
		"  --key KEY         follow: the teacher's key (until SIGTERM)\n"
		"  --wire            follow: ask for every call's wire (wire=1),\n"
		"                    as the teacher's page does\n"
		"  --connect-window N  connections set up at once (default %d)\n"
		"  --timeout S       give up after S seconds (default %d)\n",
		BENCH_CONNECT_WINDOW, BENCH_TIMEOUT_DEFAULT);
}

/* A whole number from min to max, or exit 2 naming the option. */
static unsigned long parse_uint(const char *opt, const char *s,
				unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min ||
	    v > max) {
		fprintf(stderr, "hotline-bench: bad %s \"%s\" (%lu-%lu)\n", opt,
			s, min, max);
		exit(2);
	}
	return v;
}

/* Seconds from 0 to max, or exit 2. */
static double parse_seconds(const char *opt, const char *s, double max)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= 0) || v > max) {
		fprintf(stderr, "hotline-bench: bad %s \"%s\"\n", opt, s);
		exit(2);
	}
	return v;
}

/* "201,187": the reply sizes, each 3..4096 (the reply server's range). */
static void parse_sizes(const char *s, struct bench_opts *o)
{
	char buf[128], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	o->nsizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (o->nsizes == BENCH_MAX_SIZES) {
			fprintf(stderr, "hotline-bench: at most %d sizes\n",
				BENCH_MAX_SIZES);
			exit(2);
		}
		o->sizes[o->nsizes++] = (unsigned)parse_uint("size", tok, 3,
							     4096);
	}
}

/* A teacher's key: base64url, so it cannot break the request; or exit 2. */
static const char *parse_key(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > BENCH_KEY_MAX ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789-_") != len) {
		fprintf(stderr,
			"hotline-bench: bad --key (1-%d base64url characters)\n",
			BENCH_KEY_MAX);
		exit(2);
	}
	return s;
}

/* The protocol named, or exit 2. */
static enum bench_proto parse_proto(const char *s)
{
	if (strcmp(s, "telnet") == 0)
		return BENCH_PROTO_TELNET;
	if (strcmp(s, "resp") == 0)
		return BENCH_PROTO_RESP;
	if (strcmp(s, "reply") == 0)
		return BENCH_PROTO_REPLY;
	fprintf(stderr, "hotline-bench: unknown protocol \"%s\"\n", s);
	exit(2);
}

/* Fills o from the options after the scenario name. */
static void parse_options(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "proto", required_argument, NULL, 'P' },
		{ "ws", no_argument, NULL, 'x' },
		{ "conns", required_argument, NULL, 'n' },
		{ "members", required_argument, NULL, 'm' },
		{ "senders", required_argument, NULL, 's' },
		{ "size", required_argument, NULL, 'b' },
		{ "window", required_argument, NULL, 'w' },
		{ "rechargers", required_argument, NULL, 'r' },
		{ "walkers", required_argument, NULL, 'k' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "duration", required_argument, NULL, 'd' },
		{ "rounds", required_argument, NULL, 'R' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "pid", required_argument, NULL, 'i' },
		{ "settle", required_argument, NULL, 'S' },
		{ "key", required_argument, NULL, 'K' },
		{ "wire", no_argument, NULL, 'E' },
		{ "connect-window", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	unsigned long timeout = BENCH_TIMEOUT_DEFAULT;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			o->addr = optarg;
			break;
		case 'p':
			o->port = (unsigned)parse_uint("port", optarg, 1,
						       65535);
			break;
		case 'P':
			o->proto = parse_proto(optarg);
			break;
		case 'x':
			o->ws = true;
			break;
		case 'n':
			o->conns = (unsigned)parse_uint("conns", optarg, 1,
							BENCH_MAX_CONNS);
			break;
		case 'm':
			o->members = (unsigned)parse_uint("members", optarg, 1,
							  BENCH_MAX_CONNS);
			break;
		case 's':
			o->senders = (unsigned)parse_uint("senders", optarg, 1,
							  1000);
			break;
		case 'b':
			o->size = (unsigned)parse_uint("size", optarg, 1, 4096);
			break;
		case 'w':
			o->window = (unsigned)parse_uint("window", optarg, 1,
							 4096);
			break;
		case 'r':
			o->rechargers = (unsigned)parse_uint("rechargers",
							     optarg, 0,
							     BENCH_MAX_CONNS);
			break;
		case 'k':
			o->walkers = (unsigned)parse_uint("walkers", optarg, 0,
							  BENCH_MAX_CONNS);
			break;
		case 'W':
			o->warmup = parse_seconds("warmup", optarg, 600);
			break;
		case 'd':
			o->duration = parse_seconds("duration", optarg, 600);
			break;
		case 'R':
			o->rounds = (unsigned)parse_uint("rounds", optarg, 1,
							 100);
			break;
		case 'z':
			parse_sizes(optarg, o);
			break;
		case 'i':
			o->pid = (long)parse_uint("pid", optarg, 1, 1u << 30);
			break;
		case 'S':
			o->settle = parse_seconds("settle", optarg, 600);
			break;
		case 'K':
			o->key = parse_key(optarg);
			break;
		case 'E':
			o->wire = true;
			break;
		case 'c':
			o->connect_window = (unsigned)
				parse_uint("connect window", optarg, 1, 4096);
			break;
		case 't':
			timeout = parse_uint("timeout", optarg, 1, 24 * 3600);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hotline-bench: unexpected \"%s\"\n",
			argv[optind]);
		exit(2);
	}
	if (o->ws && o->proto != BENCH_PROTO_TELNET) {
		fprintf(stderr, "hotline-bench: --ws carries telnet only\n");
		exit(2);
	}
	alarm((unsigned)timeout);
}

/* Raises the open-files limit to the hard limit; says so if it is low. */
static void raise_nofile(unsigned needed)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)needed + 16)
		fprintf(stderr,
			"hotline-bench: open-files limit %lu is below the"
			" %u connections asked for\n",
			(unsigned long)rl.rlim_cur, needed);
}

/* Prints a free loopback port: bound, read and released. */
static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		perror("hotline-bench: free-port");
		return 1;
	}
	printf("%u\n", ntohs(sa.sin_port));
	close(fd);
	return 0;
}

/* Alarm: the run took too long. */
static void on_alarm(int sig)
{
	static const char msg[] = "hotline-bench: timed out\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

/* Entry point: the scenario named first, then its options. */
int main(int argc, char **argv)
{
	struct bench_opts o = {
		.addr = "127.0.0.1",
		.proto = BENCH_PROTO_TELNET,
		.conns = 1000,
		.members = 1000,
		.senders = 10,
		.size = 64,
		.window = 16,
		.rechargers = 200,
		.walkers = 200,
		.warmup = 1,
		.duration = 3,
		.rounds = 3,
		.settle = 1,
		.connect_window = BENCH_CONNECT_WINDOW,
	};
	struct event_base *base;
	const char *scenario;
	int status;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	scenario = argv[1];
	if (strcmp(scenario, "free-port") == 0)
		return free_port();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	parse_options(argc - 1, argv + 1, &o);
	if (o.port == 0) {
		fprintf(stderr, "hotline-bench: --port is required\n");
		return 2;
	}
	raise_nofile(strcmp(scenario, "chat") == 0 ? o.members + o.senders
		     : strcmp(scenario, "recharge") == 0
			     ? o.rechargers + o.walkers
		     : strcmp(scenario, "follow") == 0 ? 1
						       : o.conns);
	base = event_base_new();
	if (base == NULL) {
		fprintf(stderr,
			"hotline-bench: cannot create the event loop\n");
		return 2;
	}
	if (strcmp(scenario, "hold") == 0)
		status = bench_hold(base, &o);
	else if (strcmp(scenario, "walk") == 0)
		status = bench_walk(base, &o);
	else if (strcmp(scenario, "recharge") == 0)
		status = bench_recharge(base, &o);
	else if (strcmp(scenario, "chat") == 0)
		status = bench_chat(base, &o);
	else if (strcmp(scenario, "probe") == 0)
		status = bench_probe(base, &o);
	else if (strcmp(scenario, "follow") == 0)
		status = bench_follow(base, &o);
	else {
		fprintf(stderr, "hotline-bench: unknown scenario \"%s\"\n",
			scenario);
		usage(stderr);
		status = 2;
	}
	event_base_free(base);
	return status;
}
