/*
 * tnbytes: telnet command and option bytes spelled out as numbers, so
 * that the telnet tests read like the wire, and a check of a buffer's
 * exact bytes. Include after <cmocka.h>.
 */
#ifndef HOTLINE_TNBYTES_H
#define HOTLINE_TNBYTES_H

#include <string.h>

/* Option and command bytes, spelled out so tests read like the wire. */
enum {
	IAC = 0xff,
	DONT = 0xfe,
	DO = 0xfd,
	WONT = 0xfc,
	WILL = 0xfb,
	SB = 0xfa,
	GA = 0xf9,
	EL = 0xf8,
	EC = 0xf7,
	AYT = 0xf6,
	IP = 0xf4,
	BRK = 0xf3,
	DM = 0xf2,
	NOP = 0xf1,
	SE = 0xf0,
	ABORT = 0xee,
	SUSP = 0xed,
	TEOF = 0xec,
	O_BINARY = 0,
	O_ECHO = 1,
	O_SGA = 3,
	O_TM = 6,
	O_TTYPE = 24,
	O_NAWS = 31,
	O_TSPEED = 32,
	O_ENVIRON = 36,
	O_NEW_ENVIRON = 39,
	O_MSSP = 70,
	O_COMPRESS2 = 86,
	O_ZMP = 93,
};

/* Checks that a buffer (data and len) holds exactly the bytes listed. */
#define ASSERT_BYTES(sb, ...)                                                  \
	do {                                                                   \
		static const unsigned char want_[] = { __VA_ARGS__ };          \
		assert_int_equal((sb).len, sizeof(want_));                     \
		assert_memory_equal((sb).data, want_, sizeof(want_));          \
	} while (0)

#endif
