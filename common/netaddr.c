/*
 * netaddr: socket addresses as text, and their ports. inet_ntop does the
 * writing; this module only decides brackets and the port, so that the
 * server's log, both traces and the dial lines agree byte for byte.
 */
#include "netaddr.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>

/* Writes the host of an IPv4 or IPv6 address into host; false for others. */
static bool netaddr_ntop(const struct sockaddr *sa, char *host, size_t size)
{
	const void *addr;

	if (sa->sa_family == AF_INET)
		addr = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		addr = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		return false;
	/* Cannot fail: the buffer is INET6_ADDRSTRLEN and the family known. */
	if (inet_ntop(sa->sa_family, addr, host, (socklen_t)size) == NULL)
		snprintf(host, size, "?");
	return true;
}

/* Writes "1.2.3.4:5" or "[::1]:5"; "?" for another family. */
void netaddr_format(const struct sockaddr *sa, char *out, size_t outsz)
{
	char host[INET6_ADDRSTRLEN];

	if (!netaddr_ntop(sa, host, sizeof(host)))
		snprintf(out, outsz, "?");
	else if (sa->sa_family == AF_INET6)
		snprintf(out, outsz, "[%s]:%u", host, netaddr_port(sa));
	else
		snprintf(out, outsz, "%s:%u", host, netaddr_port(sa));
}

/* Writes the host alone, IPv6 in brackets if asked; "?" for another family. */
void netaddr_format_host(const struct sockaddr *sa, bool brackets, char *out,
			 size_t outsz)
{
	char host[INET6_ADDRSTRLEN];

	if (!netaddr_ntop(sa, host, sizeof(host)))
		snprintf(out, outsz, "?");
	else if (sa->sa_family == AF_INET6 && brackets)
		snprintf(out, outsz, "[%s]", host);
	else
		snprintf(out, outsz, "%s", host);
}

/* Sets the port of an IPv4 or IPv6 address. */
void netaddr_set_port(struct sockaddr *sa, unsigned port)
{
	if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
	else if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
}

/* The port of an IPv4 or IPv6 address; 0 for another family. */
unsigned netaddr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	return 0;
}
