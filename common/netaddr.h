/*
 * netaddr: a socket address as text, the one way hotlined and hotline
 * write it in logs, traces and dial lines: "1.2.3.4:5", "[::1]:5", or the
 * host alone. IPv6 goes in brackets wherever a port may follow, so the
 * last colon is always the port's.
 *
 * Self-contained (libc only): it knows IPv4 and IPv6 and nothing of
 * sockets' use, conns or logging.
 */
#ifndef HOTLINE_NETADDR_H
#define HOTLINE_NETADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Bytes of a host in brackets with its NUL: "[" INET6 "]". */
#define NETADDR_HOST_MAX (INET6_ADDRSTRLEN + 2)
/* Bytes of "[host]:port" with its NUL (a port has at most 5 digits). */
#define NETADDR_MAX (INET6_ADDRSTRLEN + 8)

/*
 * Writes "1.2.3.4:5" or "[::1]:5"; "?" for a family other than IPv4 and
 * IPv6. Cut short, never overrun, when outsz is below NETADDR_MAX.
 */
void netaddr_format(const struct sockaddr *sa, char *out, size_t outsz);
/*
 * Writes the host alone: "1.2.3.4", "::1", or "[::1]" with brackets (for
 * a port the caller prints after it); "?" for another family.
 */
void netaddr_format_host(const struct sockaddr *sa, bool brackets, char *out,
			 size_t outsz);
/* Sets the port (host order) of an IPv4 or IPv6 address; others are left. */
void netaddr_set_port(struct sockaddr *sa, unsigned port);
/* The port (host order) of an IPv4 or IPv6 address; 0 for another family. */
unsigned netaddr_port(const struct sockaddr *sa);

#endif
