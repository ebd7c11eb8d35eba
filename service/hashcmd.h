/*
 * hashcmd: hotlined --hash-password (see hashcmd.c).
 */
#ifndef HOTLINE_HASHCMD_H
#define HOTLINE_HASHCMD_H

/*
 * Reads a password from stdin (twice, unseen, on a terminal) and prints
 * its yescrypt hash on stdout. Returns the exit status.
 */
int hashcmd_run(void);

#endif
