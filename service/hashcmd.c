/*
 * hashcmd: the operator's password file. hotlined --hash-password, a
 * command of its own, reads the password on stdin and prints its yescrypt
 * hash; --operator-password-file reads that hash back. Knows nothing of
 * the server.
 */
#include "hashcmd.h"

#include <crypt.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "mem.h"
#include "store/account.h"

/*
 * Reads one line of stdin into line (size bytes), without its line end;
 * on a terminal after prompt, with the echo off. "" at end of input.
 */
static void read_secret(const char *prompt, bool tty, char *line, size_t size)
{
	struct termios old, quiet;

	if (tty && tcgetattr(STDIN_FILENO, &old) == 0) {
		/* Echo off before the prompt: what is typed after it is kept. */
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		fprintf(stderr, "%s", prompt);
	} else {
		tty = false;
	}
	if (fgets(line, (int)size, stdin) == NULL)
		line[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	line[strcspn(line, "\r\n")] = '\0';
}

/*
 * Reads a password from stdin and prints its yescrypt hash for
 * --operator-password-file. On a terminal it is typed twice, unseen, and
 * two that differ are refused: a typo would lock the teacher out of /op.
 * Returns the exit status.
 */
int hashcmd_run(void)
{
	char line[ACCOUNT_SECRET_MAX + 2], again[ACCOUNT_SECRET_MAX + 2];
	char hash[CRYPT_OUTPUT_SIZE];
	bool tty = isatty(STDIN_FILENO);
	size_t len;
	int status = 0;

	read_secret("operator password: ", tty, line, sizeof(line));
	len = strlen(line);
	if (len == 0 || len > ACCOUNT_SECRET_MAX) {
		fprintf(stderr, "hotlined: a password is 1 to %d bytes\n",
			ACCOUNT_SECRET_MAX);
		status = 2;
		goto out;
	}
	if (tty) {
		read_secret("the same again: ", tty, again, sizeof(again));
		if (strcmp(line, again) != 0) {
			fprintf(stderr, "hotlined: the two passwords differ; "
					"nothing was written\n");
			status = 2;
			goto out;
		}
	}
	if (account_hash_password(line, hash, sizeof(hash)) < 0) {
		fprintf(stderr,
			"hotlined: crypt could not hash the password\n");
		status = 1;
		goto out;
	}
	printf("%s\n", hash);
out:
	explicit_bzero(line, sizeof(line));
	explicit_bzero(again, sizeof(again));
	return status;
}

/* The operator's hash: the file's first line. NULL after saying why. */
char *hashcmd_read_file(const char *path)
{
	char line[CRYPT_OUTPUT_SIZE];
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		fprintf(stderr, "hotlined: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] != '$') {
		fprintf(stderr,
			"hotlined: %s: not a crypt hash (make one with "
			"hotlined --hash-password)\n",
			path);
		return NULL;
	}
	return xstrdup(line);
}
