/*
 * hashcmd: the operator's password file: --hash-password makes it,
 * --operator-password-file reads it (see hashcmd.c).
 */
#ifndef HOTLINE_HASHCMD_H
#define HOTLINE_HASHCMD_H

/*
 * Reads a password from stdin (twice, unseen, on a terminal) and prints
 * its yescrypt hash on stdout. Returns the exit status.
 */
int hashcmd_run(void);
/*
 * Reads the hash --hash-password made from the file at path (its first
 * line). Returns a string the caller owns, or NULL after saying why on
 * stderr.
 */
char *hashcmd_read_file(const char *path);

#endif
