/*
 * dgram: `hotline --udp`, one request to hotlined's UDP service and its
 * reply. It sends one datagram, waits a while, sends again if nothing
 * came (UDP may lose either one), and says on stderr what it did; the
 * reply goes to stdout. "PING" alone becomes "PING 1", "PING 2"... per
 * try, so a late reply can be told from the one asked for.
 *
 * Blocking and self-contained: no event loop, no telnet, no terminal.
 */
#ifndef HOTLINE_CLIENT_DGRAM_H
#define HOTLINE_CLIENT_DGRAM_H

/* Datagrams sent before giving up. */
#define DGRAM_TRIES 3
/* Milliseconds to wait for a reply to each. */
#define DGRAM_TIMEOUT_MS 1000
/* Largest request or reply, in bytes: the server's limit. */
#define DGRAM_MAX 512

/*
 * Asks host:port (UDP) with request and prints the reply. Returns the
 * exit status: 0 for a reply, 1 for no reply, an ERROR reply, or a
 * failure (said on stderr).
 */
int dgram_ask(const char *host, const char *port, const char *request);

#endif
