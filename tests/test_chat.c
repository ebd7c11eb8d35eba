/*
 * test_chat: drives a room with recording members and a fake clock, and
 * checks exactly what each member was handed: the bytes, the order, and
 * the message pointers themselves (every recipient must get the same
 * chat_msg). Runs under ASan, so a reference never dropped is a failure.
 *
 * Times are UTC (main sets TZ), so a fake time of T0 prints as 12:34:56.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mem.h"
#include "room/chat.h"
#include "strbuf.h"
#include "utf8.h"

/* Members one test may have; tests stay far below it. */
#define MAX_MEMBERS 8
/* Messages a member keeps; later ones are counted, not kept. */
#define MAX_RECEIVED 64
/* 2023-11-14 12:34:56 UTC. */
#define T0 1699965296.0

struct fixture;

struct recorder {
	struct fixture *f;
	struct chat_member *m;
	struct chat_msg *got[MAX_RECEIVED];
	size_t n_got;
	size_t n_total;
	/* delivered calls: batches the room said were complete. */
	unsigned batches;
	/* Runs after a message is recorded, to act like a session. */
	void (*hook)(struct recorder *r, struct chat_msg *msg);
	unsigned hook_runs;
};

struct fixture {
	struct chat_room *room;
	struct recorder rec[MAX_MEMBERS];
	struct strbuf sb;
};

static double fake_now;

/* The room's clock: whatever the test says. */
static double fake_clock(void)
{
	return fake_now;
}

/* The deliver callback: keeps a reference to msg, then runs the hook. */
static void record(void *ctx, struct chat_msg *msg)
{
	struct recorder *r = ctx;

	/* Whatever the room sends, these hold for every message. */
	assert_true(msg->refs > 0);
	if (msg->kind == CHAT_MSG_LINE) {
		assert_int_equal(strlen(msg->text), msg->len);
		assert_true(msg->len >= 2);
		assert_memory_equal(msg->text + msg->len - 2, "\r\n", 2);
		assert_true(utf8_is_valid(msg->text, msg->len));
	} else {
		/* The room's own lines carry fields; the words are the member's. */
		const char *fields[] = { msg->time, msg->nick, msg->other,
					 msg->body };

		for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
			assert_non_null(fields[i]);
			assert_true(
				utf8_is_valid(fields[i], strlen(fields[i])));
			for (const char *p = fields[i]; *p != '\0'; p++)
				assert_true((unsigned char)*p >= 0x20 &&
					    *p != 0x7f);
		}
	}

	if (r->n_got < MAX_RECEIVED)
		r->got[r->n_got++] = chat_msg_ref(msg);
	r->n_total++;
	if (r->hook != NULL) {
		r->hook_runs++;
		r->hook(r, msg);
	}
}

/* The delivered callback: counts batches. */
static void record_batch(void *ctx)
{
	((struct recorder *)ctx)->batches++;
}

static const struct chat_member_ops recorder_ops = {
	.deliver = record,
	.delivered = record_batch,
};

/* A fresh room with the given flood limit and no members. */
static int setup_with(void **state, unsigned rate, unsigned burst)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	fake_now = T0;
	for (size_t i = 0; i < MAX_MEMBERS; i++)
		f->rec[i].f = f;
	strbuf_init(&f->sb);
	f->room = chat_room_new(fake_clock, rate, burst);
	*state = f;
	return 0;
}

/* The default flood limit: 5 lines a second, bursts of 10. */
static int setup(void **state)
{
	return setup_with(state, CHAT_RATE_DEFAULT, CHAT_BURST_DEFAULT);
}

/* No flood limit, as the benchmark runs. */
static int setup_unlimited(void **state)
{
	return setup_with(state, 0, 0);
}

/* Drops every recorded reference. */
static void forget(struct recorder *r)
{
	for (size_t i = 0; i < r->n_got; i++)
		chat_msg_unref(r->got[i]);
	r->n_got = 0;
	r->n_total = 0;
}

/* Frees the room (members still in it included) and what was recorded. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	chat_room_free(f->room);
	for (size_t i = 0; i < MAX_MEMBERS; i++)
		forget(&f->rec[i]);
	strbuf_fini(&f->sb);
	free(f);
	return 0;
}

/* Joins recorder i as nick (NULL: a guest). */
static struct chat_member *join(struct fixture *f, size_t i, const char *nick)
{
	f->rec[i].m = chat_room_join(f->room, nick, &recorder_ops, &f->rec[i]);
	assert_non_null(f->rec[i].m);
	return f->rec[i].m;
}

/* Joins alice, bob and carol as recorders 0 to 2, then forgets the joins. */
static void join_abc(struct fixture *f)
{
	join(f, 0, "alice");
	join(f, 1, "bob");
	join(f, 2, "carol");
	for (size_t i = 0; i < 3; i++)
		forget(&f->rec[i]);
}

/* Recorder i says a C string. */
static enum chat_result say(struct fixture *f, size_t i, const char *text)
{
	return chat_room_say(f->room, f->rec[i].m, text, strlen(text));
}

/* Why a member left, in the tests' own words. */
static const char *const leave_words[CHAT_LEAVE_COUNT] = {
	[CHAT_LEAVE_HUNG_UP] = "hung up",
	[CHAT_LEAVE_MENU] = "back to the menu",
	[CHAT_LEAVE_IDLE] = "idle",
	[CHAT_LEAVE_SLOW] = "too slow",
	[CHAT_LEAVE_KICKED] = "kicked",
	[CHAT_LEAVE_CLOSING] = "closing",
};

/*
 * A message as the tests show it: a member's line as it is, the room's own
 * lines in fixed English forms that name each field, so that a check
 * compares the kind and every field at once. Valid until the next call.
 */
static const char *shown(const struct chat_msg *msg)
{
	static struct strbuf sb;

	if (sb.data == NULL)
		strbuf_init(&sb);
	strbuf_reset(&sb);
	switch (msg->kind) {
	case CHAT_MSG_LINE:
		strbuf_append(&sb, msg->text, msg->len);
		break;
	case CHAT_MSG_PRIVATE:
		strbuf_printf(&sb, "[%s] %s (private): %s\r\n", msg->time,
			      msg->nick, msg->body);
		break;
	case CHAT_MSG_JOINED:
		strbuf_printf(&sb, "*** %s joined\r\n", msg->nick);
		break;
	case CHAT_MSG_LEFT:
		if (msg->leave == CHAT_LEAVE_KICKED && msg->other[0] != '\0')
			strbuf_printf(&sb, "*** %s left (kicked by %s%s%s)\r\n",
				      msg->nick, msg->other,
				      msg->body[0] ? ": " : "", msg->body);
		else
			strbuf_printf(&sb, "*** %s left (%s)\r\n", msg->nick,
				      leave_words[msg->leave]);
		break;
	case CHAT_MSG_RENAMED:
		strbuf_printf(&sb, "*** %s is now known as %s\r\n", msg->other,
			      msg->nick);
		break;
	case CHAT_MSG_NOTICE:
		strbuf_printf(&sb, "*** %s\r\n", msg->body);
		break;
	}
	return sb.data;
}

/* /who as the tests show it: "N online:", then nick and idle time. */
static const char *who_text(struct fixture *f)
{
	size_t n, width;
	struct chat_who *rows = chat_room_who(f->room, &n, &width);

	strbuf_reset(&f->sb);
	strbuf_printf(&f->sb, "%zu online:\n", n);
	for (size_t i = 0; i < n; i++) {
		long s = rows[i].idle;

		strbuf_printf(&f->sb, "  %s%*s  idle ", rows[i].nick,
			      (int)(width - rows[i].width), "");
		if (s < 60)
			strbuf_printf(&f->sb, "%lds\n", s);
		else if (s < 3600)
			strbuf_printf(&f->sb, "%ldm\n", s / 60);
		else
			strbuf_printf(&f->sb, "%ldh\n", s / 3600);
	}
	free(rows);
	return f->sb.data;
}

/* Prints what a member was expected to get and what it got. */
static void print_got(const struct recorder *r, const char *const *exp,
		      size_t n)
{
	for (size_t i = 0; i < n; i++)
		print_error("  expected \"%s\"\n", exp[i]);
	for (size_t i = 0; i < r->n_got; i++)
		print_error("  got      \"%s\"\n", shown(r->got[i]));
}

/* Fails at the caller's line unless r got exactly exp since the last check. */
static void check_got(struct recorder *r, const char *const *exp, size_t n,
		      const char *file, int line)
{
	bool same = r->n_total == n && r->n_got == n;

	for (size_t i = 0; same && i < n; i++)
		same = strcmp(shown(r->got[i]), exp[i]) == 0;
	if (!same) {
		print_error("member %zu got other messages:\n",
			    (size_t)(r - r->f->rec));
		print_got(r, exp, n);
		_fail(file, line);
	}
	forget(r);
}

/* Checks, then forgets, what recorder i got. */
#define ASSERT_GOT(f, i, ...)                                                  \
	do {                                                                   \
		static const char *const exp_[] = { __VA_ARGS__ };             \
		check_got(&(f)->rec[i], exp_, ARRAY_LEN(exp_), __FILE__,       \
			  __LINE__);                                           \
	} while (0)
/* Checks that recorder i got nothing. */
#define ASSERT_NOTHING(f, i)                                                   \
	check_got(&(f)->rec[i], NULL, 0, __FILE__, __LINE__)

/* Fails unless sanitising in gives exactly exp. */
static void check_sanitize(const char *in, size_t len, const char *exp,
			   const char *file, int line)
{
	struct strbuf sb;

	strbuf_init(&sb);
	chat_sanitize(in, len, &sb);
	if (sb.len != strlen(exp) || memcmp(sb.data, exp, sb.len) != 0) {
		print_error("sanitised \"%s\", expected \"%s\"\n", sb.data,
			    exp);
		strbuf_fini(&sb);
		_fail(file, line);
	}
	strbuf_fini(&sb);
}

/* Sanitises a literal's bytes, NULs included. */
#define ASSERT_SANITIZE(lit, exp)                                              \
	check_sanitize((lit), sizeof(lit) - 1, (exp), __FILE__, __LINE__)

/* A joins alone and hears nothing; B's join reaches A only. */
static void test_join_announced_to_others(void **state)
{
	struct fixture *f = *state;

	join(f, 0, "alice");
	ASSERT_NOTHING(f, 0);
	join(f, 1, "bob");
	ASSERT_GOT(f, 0, "*** bob joined\r\n");
	ASSERT_NOTHING(f, 1);
	join(f, 2, "carol");
	ASSERT_GOT(f, 0, "*** carol joined\r\n");
	ASSERT_GOT(f, 1, "*** carol joined\r\n");
	ASSERT_NOTHING(f, 2);
	assert_int_equal(chat_room_count(f->room), 3);
	assert_string_equal(chat_member_nick(f->rec[1].m), "bob");
}

/* Guests count up per room, skip taken names, and replace bad nicks. */
static void test_guest_numbering(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(chat_member_nick(join(f, 0, NULL)), "guest-1");
	assert_string_equal(chat_member_nick(join(f, 1, "GUEST-3")), "GUEST-3");
	assert_string_equal(chat_member_nick(join(f, 2, NULL)), "guest-2");
	/* guest-3 is taken (ignoring case): skipped. */
	assert_string_equal(chat_member_nick(join(f, 3, NULL)), "guest-4");
	/* Taken, blank, escape, too long (17): a guest instead. */
	assert_string_equal(chat_member_nick(join(f, 4, "Guest-1")), "guest-5");
	assert_string_equal(chat_member_nick(join(f, 5, "a b")), "guest-6");
	assert_string_equal(chat_member_nick(join(f, 6, "\x1b[31mx")),
			    "guest-7");
	chat_room_leave(f->room, f->rec[0].m, CHAT_LEAVE_MENU);
	/* Numbers keep rising after a guest leaves. */
	assert_string_equal(chat_member_nick(join(f, 0, "abcdefghijklmnopq")),
			    "guest-8");
	/* A masked number is a fine nick at join, '*' and all. */
	assert_string_equal(chat_member_nick(join(f, 7, "138****8000")),
			    "138****8000");
	assert_int_equal(chat_room_count(f->room), 8);
}

/* An empty or invalid nick at join is a guest; 16 characters are kept. */
static void test_join_nick_limits(void **state)
{
	struct fixture *f = *state;
	/* 16 CJK characters: 48 bytes. */
	const char *cjk16 = "一二三四五六七八九十甲乙丙丁戊己";

	assert_string_equal(chat_member_nick(join(f, 0, "")), "guest-1");
	assert_string_equal(chat_member_nick(join(f, 1, "abcdefghijklmnop")),
			    "abcdefghijklmnop");
	assert_string_equal(chat_member_nick(join(f, 2, cjk16)), cjk16);
	assert_string_equal(chat_member_nick(join(f, 3, "\xff")), "guest-2");
	assert_string_equal(chat_member_nick(join(f, 4, "x\xe2\x80\xaey")),
			    "guest-3");
}

/* A newcomer gets the last 20 say and /me lines in order, none private. */
static void test_history(void **state)
{
	struct fixture *f = *state;
	char line[64];

	join(f, 0, "alice");
	join(f, 1, "bob");
	forget(&f->rec[0]);
	for (int i = 1; i <= 25; i++) {
		snprintf(line, sizeof(line), "line %d", i);
		if (i % 5 == 0)
			assert_int_equal(chat_room_me(f->room, f->rec[0].m,
						      line, strlen(line)),
					 CHAT_OK);
		else
			assert_int_equal(say(f, 0, line), CHAT_OK);
		assert_int_equal(chat_room_msg(f->room, f->rec[0].m, "bob",
					       "secret", 6),
				 CHAT_OK);
		fake_now += 1;
	}
	assert_int_equal(f->rec[1].n_total, 50);
	forget(&f->rec[1]);
	join(f, 2, "carol");
	ASSERT_GOT(f, 0, "*** carol joined\r\n");
	ASSERT_GOT(f, 1, "*** carol joined\r\n");
	ASSERT_GOT(f, 2, "[12:35:01] alice: line 6\r\n",
		   "[12:35:02] alice: line 7\r\n",
		   "[12:35:03] alice: line 8\r\n",
		   "[12:35:04] alice: line 9\r\n",
		   "[12:35:05] * alice line 10\r\n",
		   "[12:35:06] alice: line 11\r\n",
		   "[12:35:07] alice: line 12\r\n",
		   "[12:35:08] alice: line 13\r\n",
		   "[12:35:09] alice: line 14\r\n",
		   "[12:35:10] * alice line 15\r\n",
		   "[12:35:11] alice: line 16\r\n",
		   "[12:35:12] alice: line 17\r\n",
		   "[12:35:13] alice: line 18\r\n",
		   "[12:35:14] alice: line 19\r\n",
		   "[12:35:15] * alice line 20\r\n",
		   "[12:35:16] alice: line 21\r\n",
		   "[12:35:17] alice: line 22\r\n",
		   "[12:35:18] alice: line 23\r\n",
		   "[12:35:19] alice: line 24\r\n",
		   "[12:35:20] * alice line 25\r\n");
	/* Anything newer follows the history. */
	assert_int_equal(say(f, 1, "welcome"), CHAT_OK);
	ASSERT_GOT(f, 2, "[12:35:21] bob: welcome\r\n");
	ASSERT_GOT(f, 0, "[12:35:21] bob: welcome\r\n");
	ASSERT_NOTHING(f, 1);
}

/* A line reaches every other member as one shared message, not the sender. */
static void test_say_fanout(void **state)
{
	struct fixture *f = *state;
	struct chat_msg *msg;

	for (size_t i = 0; i < 5; i++)
		join(f, i, NULL);
	for (size_t i = 0; i < 5; i++)
		forget(&f->rec[i]);

	assert_int_equal(say(f, 2, "hello, 世界"), CHAT_OK);
	assert_int_equal(f->rec[2].n_total, 0);
	msg = f->rec[0].got[0];
	for (size_t i = 0; i < 5; i++) {
		if (i == 2)
			continue;
		assert_int_equal(f->rec[i].n_total, 1);
		assert_ptr_equal(f->rec[i].got[0], msg);
	}
	assert_string_equal(msg->text, "[12:34:56] guest-3: hello, 世界\r\n");
	assert_int_equal(msg->len, strlen(msg->text));
	/* Four recorders and the history; the creator's is gone. */
	assert_int_equal(msg->refs, 5);
	ASSERT_GOT(f, 0, "[12:34:56] guest-3: hello, 世界\r\n");
	assert_int_equal(msg->refs, 4);
}

/* /me reads "* nick action" and reaches the others only. */
static void test_me_format(void **state)
{
	struct fixture *f = *state;

	join(f, 0, "alice");
	join(f, 1, "bob");
	forget(&f->rec[0]);
	fake_now += 3600 + 60 + 1;
	assert_int_equal(chat_room_me(f->room, f->rec[0].m, "waves", 5),
			 CHAT_OK);
	ASSERT_GOT(f, 1, "[13:35:57] * alice waves\r\n");
	ASSERT_NOTHING(f, 0);
	assert_int_equal(chat_room_me(f->room, f->rec[0].m, " \t ", 3),
			 CHAT_EMPTY);
	ASSERT_NOTHING(f, 1);
}

/* /msg reaches its target only, case-insensitively, and is never history. */
static void test_private_msg(void **state)
{
	struct fixture *f = *state;

	join(f, 0, "alice");
	join(f, 1, "Bob");
	join(f, 2, "carol");
	for (size_t i = 0; i < 3; i++)
		forget(&f->rec[i]);

	assert_int_equal(chat_room_msg(f->room, f->rec[0].m, "bOB", "psst", 4),
			 CHAT_OK);
	ASSERT_GOT(f, 1, "[12:34:56] alice (private): psst\r\n");
	ASSERT_NOTHING(f, 0);
	ASSERT_NOTHING(f, 2);

	assert_int_equal(chat_room_msg(f->room, f->rec[0].m, "dave", "hi", 2),
			 CHAT_NO_SUCH_NICK);
	assert_int_equal(chat_room_msg(f->room, f->rec[0].m, NULL, "hi", 2),
			 CHAT_NO_SUCH_NICK);
	assert_int_equal(chat_room_msg(f->room, f->rec[0].m, "bob", "  ", 2),
			 CHAT_EMPTY);
	for (size_t i = 0; i < 3; i++)
		ASSERT_NOTHING(f, i);

	join(f, 3, "dave");
	ASSERT_NOTHING(f, 3);
	assert_true(chat_room_has_nick(f->room, "CAROL"));
	assert_false(chat_room_has_nick(f->room, "carl"));
	assert_false(chat_room_has_nick(f->room, NULL));
}

/* /nick: 1..16 letters, digits, CJK, '_' and '-', unique ignoring case. */
static void test_rename_rules(void **state)
{
	struct fixture *f = *state;
	struct chat_member *a = join(f, 0, "alice");
	/* clang-format off */
	static const char *const bad[] = {
		"",
		"abcdefghijklmnopq", /* 17 */
		/* 17 CJK */
		"一二三四五六七八九十甲乙丙丁戊己庚",
		"a b",
		"a*b",
		"a.b",
		"\xef\xbc\xa1", /* fullwidth A */
		"\xf0\x9f\x98\x80", /* emoji */
		"\xe3\x80\x80", /* ideographic space */
		"a\x1b[31m",
		"\xff",
		"caf\xc3\xa9",
	};
	/* clang-format on */
	/* clang-format off */
	static const char *const good[] = {
		"abcdefghijklmnop",
		"一二三四五六七八九十甲乙丙丁戊己", /* 16 CJK */
		"\xe3\x90\x80", /* U+3400, extension A */
		"\xf0\xa0\x80\x80", /* U+20000, extension B */
		"x_Y-9",
		"9",
		"张三",
	};
	/* clang-format on */

	join(f, 1, "Bob");
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		if (chat_room_rename(f->room, a, bad[i]) != CHAT_BAD_NICK)
			fail_msg("\"%s\" was not refused", bad[i]);
	}
	assert_int_equal(chat_room_rename(f->room, a, NULL), CHAT_BAD_NICK);
	assert_int_equal(chat_room_rename(f->room, a, "bob"), CHAT_NICK_TAKEN);
	assert_int_equal(chat_room_rename(f->room, a, "BOB"), CHAT_NICK_TAKEN);
	assert_string_equal(chat_member_nick(a), "alice");
	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		if (chat_room_rename(f->room, a, good[i]) != CHAT_OK)
			fail_msg("\"%s\" was refused", good[i]);
		assert_string_equal(chat_member_nick(a), good[i]);
	}
	/* The old nick is free again. */
	assert_false(chat_room_has_nick(f->room, "alice"));
	assert_int_equal(chat_room_rename(f->room, f->rec[1].m, "ALICE"),
			 CHAT_OK);
}

/* A rename reaches everyone, the renamer too; own nick in new case is OK. */
static void test_rename_announced(void **state)
{
	struct fixture *f = *state;

	join(f, 0, "alice");
	join(f, 1, "bob");
	forget(&f->rec[0]);
	assert_int_equal(chat_room_rename(f->room, f->rec[0].m, "alicia"),
			 CHAT_OK);
	ASSERT_GOT(f, 0, "*** alice is now known as alicia\r\n");
	ASSERT_GOT(f, 1, "*** alice is now known as alicia\r\n");
	assert_int_equal(chat_room_rename(f->room, f->rec[0].m, "Alicia"),
			 CHAT_OK);
	ASSERT_GOT(f, 0, "*** alicia is now known as Alicia\r\n");
	ASSERT_GOT(f, 1, "*** alicia is now known as Alicia\r\n");
	/* The very same nick changes nothing and says nothing. */
	assert_int_equal(chat_room_rename(f->room, f->rec[0].m, "Alicia"),
			 CHAT_OK);
	ASSERT_NOTHING(f, 0);
	ASSERT_NOTHING(f, 1);
	assert_int_equal(say(f, 0, "hi"), CHAT_OK);
	ASSERT_GOT(f, 1, "[12:34:56] Alicia: hi\r\n");
}

/* Escape sequences, controls, bidi overrides and bad UTF-8 are stripped. */
static void test_sanitize(void **state)
{
	(void)state;
	ASSERT_SANITIZE("plain text", "plain text");
	ASSERT_SANITIZE("", "");
	ASSERT_SANITIZE("\x1b[31mred\x1b[0m", "red");
	ASSERT_SANITIZE("\x1b[2J\x1b[Hclear", "clear");
	ASSERT_SANITIZE("\x1b[?25l\x1b[1;31;40mx", "x");
	/* OSC: a window title, ended by BEL or by ST. */
	ASSERT_SANITIZE("a\x1b]0;pwned\x07"
			"b",
			"ab");
	ASSERT_SANITIZE("a\x1b]2;pwned\x1b\\b", "ab");
	/* An unterminated OSC swallows the rest, as a terminal would. */
	ASSERT_SANITIZE("a\x1b]0;title", "a");
	/* DCS and APC strings too. */
	ASSERT_SANITIZE("a\x1bPq#0\x1b\\b\x1b_x\x1b\\c", "abc");
	/* ESC and one character; ESC and intermediates and a final. */
	ASSERT_SANITIZE("a\x1b"
			"cb\x1b"
			"7c\x1b(Bd",
			"abcd");
	ASSERT_SANITIZE("a\x1b", "a");
	ASSERT_SANITIZE("a\x1b\x1b[1mb", "ab");
	/* A control cuts off a CSI; what follows is text. */
	ASSERT_SANITIZE("\x1b[3\n1mx", "1mx");
	/* C1 controls as characters (U+0080..U+009F), CSI and OSC ones too. */
	ASSERT_SANITIZE("a\xc2\x80"
			"b\xc2\x85"
			"c\xc2\x9f",
			"abc");
	ASSERT_SANITIZE("a\xc2\x9b"
			"31mb",
			"ab");
	ASSERT_SANITIZE("a\xc2\x9d"
			"0;t\xc2\x9c"
			"b",
			"ab");
	/* Raw C1 bytes are not UTF-8. */
	ASSERT_SANITIZE("a\x9b"
			"31m",
			"a\xef\xbf\xbd"
			"31m");
	/* C0 controls, NUL and DEL; tab becomes a space. */
	ASSERT_SANITIZE("a\0b\x01\x07\x08\r\nc\x7f"
			"d",
			"abcd");
	ASSERT_SANITIZE("a\tb", "a b");
	/* Invalid UTF-8: each bad byte is U+FFFD. */
	ASSERT_SANITIZE("a\xff"
			"b",
			"a\xef\xbf\xbd"
			"b");
	ASSERT_SANITIZE("\xfe\xff", "\xef\xbf\xbd\xef\xbf\xbd");
	ASSERT_SANITIZE("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
	ASSERT_SANITIZE("\xed\xa0\x80", /* a surrogate */
			"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	ASSERT_SANITIZE("x\xe4\xbd", "x\xef\xbf\xbd\xef\xbf\xbd");
	/* Bidi overrides and isolates go; other text stays. */
	ASSERT_SANITIZE("a\xe2\x80\xae"
			"cba\xe2\x80\xac"
			"d",
			"acbad");
	ASSERT_SANITIZE("\xe2\x81\xa6x\xe2\x81\xa9", "x");
	ASSERT_SANITIZE("你好 \xf0\x9f\x98\x80", "你好 \xf0\x9f\x98\x80");
}

/* A sanitised line reaches others without the sequences in it. */
static void test_say_sanitized(void **state)
{
	struct fixture *f = *state;
	static const char evil[] = "\x1b[2Jhi\x1b]0;x\x07\xff\0!";

	join(f, 0, "alice");
	join(f, 1, "bob");
	forget(&f->rec[0]);
	assert_int_equal(chat_room_say(f->room, f->rec[0].m, evil,
				       sizeof(evil) - 1),
			 CHAT_OK);
	ASSERT_GOT(f, 1, "[12:34:56] alice: hi\xef\xbf\xbd!\r\n");
	assert_int_equal(say(f, 0, "\x1b[2J"), CHAT_EMPTY);
	assert_int_equal(say(f, 0, ""), CHAT_EMPTY);
	assert_int_equal(say(f, 0, "\t \xe3\x80\x80"), CHAT_EMPTY);
	ASSERT_NOTHING(f, 1);
}

/* 512 bytes go out; 513 are refused before sanitising, even if blank. */
static void test_too_long(void **state)
{
	struct fixture *f = *state;
	char line[CHAT_MAX_LINE + 1];

	join(f, 0, "alice");
	join(f, 1, "bob");
	forget(&f->rec[0]);
	memset(line, 'x', sizeof(line));
	assert_int_equal(chat_room_say(f->room, f->rec[0].m, line,
				       CHAT_MAX_LINE + 1),
			 CHAT_TOO_LONG);
	assert_int_equal(chat_room_me(f->room, f->rec[0].m, line,
				      CHAT_MAX_LINE + 1),
			 CHAT_TOO_LONG);
	assert_int_equal(chat_room_msg(f->room, f->rec[0].m, "nobody", line,
				       CHAT_MAX_LINE + 1),
			 CHAT_TOO_LONG);
	memset(line, '\x1b', sizeof(line));
	assert_int_equal(chat_room_say(f->room, f->rec[0].m, line,
				       CHAT_MAX_LINE + 1),
			 CHAT_TOO_LONG);
	ASSERT_NOTHING(f, 1);
	memset(line, 'x', sizeof(line));
	assert_int_equal(chat_room_say(f->room, f->rec[0].m, line,
				       CHAT_MAX_LINE),
			 CHAT_OK);
	assert_int_equal(f->rec[1].n_total, 1);
	assert_int_equal(f->rec[1].got[0]->len,
			 strlen("[12:34:56] alice: \r\n") + CHAT_MAX_LINE);
}

/* A burst of 10, then 5 a second; say, /me and /msg all cost a token. */
static void test_rate_limit(void **state)
{
	struct fixture *f = *state;

	join(f, 0, "alice");
	join(f, 1, "bob");
	forget(&f->rec[0]);
	for (int i = 0; i < 8; i++)
		assert_int_equal(say(f, 0, "flood"), CHAT_OK);
	assert_int_equal(chat_room_me(f->room, f->rec[0].m, "x", 1), CHAT_OK);
	assert_int_equal(chat_room_msg(f->room, f->rec[0].m, "bob", "x", 1),
			 CHAT_OK);
	assert_int_equal(say(f, 0, "flood"), CHAT_RATE_LIMITED);
	assert_int_equal(chat_room_me(f->room, f->rec[0].m, "x", 1),
			 CHAT_RATE_LIMITED);
	assert_int_equal(chat_room_msg(f->room, f->rec[0].m, "bob", "x", 1),
			 CHAT_RATE_LIMITED);
	assert_int_equal(f->rec[1].n_total, 10);
	forget(&f->rec[1]);
	/* Another member has a bucket of its own. */
	assert_int_equal(say(f, 1, "me too"), CHAT_OK);

	/* Half a second refills two and a half lines. */
	fake_now += 0.5;
	assert_int_equal(say(f, 0, "a"), CHAT_OK);
	assert_int_equal(say(f, 0, "b"), CHAT_OK);
	assert_int_equal(say(f, 0, "c"), CHAT_RATE_LIMITED);
	fake_now += 0.5;
	for (int i = 0; i < 3; i++)
		assert_int_equal(say(f, 0, "d"), CHAT_OK);
	assert_int_equal(say(f, 0, "e"), CHAT_RATE_LIMITED);

	/* A long pause refills up to the burst, no more. */
	fake_now += 1000;
	for (int i = 0; i < 10; i++)
		assert_int_equal(say(f, 0, "f"), CHAT_OK);
	assert_int_equal(say(f, 0, "g"), CHAT_RATE_LIMITED);
	assert_int_equal(f->rec[1].n_total, 15);
	/* Refused lines are not queued: nothing arrives later. */
	fake_now += 1000;
	assert_int_equal(f->rec[1].n_total, 15);

	/* A clock stepping back refills nothing; refills resume from there. */
	assert_int_equal(say(f, 0, "h"), CHAT_OK);
	for (int i = 0; i < 9; i++)
		assert_int_equal(say(f, 0, "h"), CHAT_OK);
	fake_now -= 5000;
	assert_int_equal(say(f, 0, "i"), CHAT_RATE_LIMITED);
	fake_now += 2;
	for (int i = 0; i < 10; i++)
		assert_int_equal(say(f, 0, "j"), CHAT_OK);
	assert_int_equal(say(f, 0, "k"), CHAT_RATE_LIMITED);
}

/* Rate 0 is no limit at all. */
static void test_rate_unlimited(void **state)
{
	struct fixture *f = *state;

	join(f, 0, "alice");
	join(f, 1, "bob");
	forget(&f->rec[0]);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(say(f, 0, "flood"), CHAT_OK);
	assert_int_equal(f->rec[1].n_total, 1000);
}

/* /who: sorted, padded by display width so a CJK nick lines up, idle times. */
static void test_who_alignment(void **state)
{
	struct fixture *f = *state;

	join(f, 0, "张三");
	join(f, 1, "bob");
	join(f, 2, "Alice");
	join(f, 3, "138****8000");
	fake_now = T0 + 7200 - 185;
	assert_int_equal(say(f, 1, "x"), CHAT_OK);
	fake_now = T0 + 7200 - 5;
	assert_int_equal(say(f, 2, "y"), CHAT_OK);
	fake_now = T0 + 7200 - 59;
	assert_int_equal(chat_room_msg(f->room, f->rec[3].m, "bob", "z", 1),
			 CHAT_OK);
	fake_now = T0 + 7200;
	assert_string_equal(who_text(f), "4 online:\n"
					 "  138****8000  idle 59s\n"
					 "  Alice        idle 5s\n"
					 "  bob          idle 3m\n"
					 "  张三         idle 2h\n");

	/* A wide nick sets the column. */
	chat_room_leave(f->room, f->rec[3].m, CHAT_LEAVE_MENU);
	assert_int_equal(chat_room_rename(f->room, f->rec[0].m, "张三丰"),
			 CHAT_OK);
	assert_string_equal(who_text(f), "3 online:\n"
					 "  Alice   idle 5s\n"
					 "  bob     idle 3m\n"
					 "  张三丰  idle 2h\n");
}

/* /who in an empty room. */
static void test_who_empty(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(who_text(f), "0 online:\n");
}

/* References: recipients and history hold one each; renderings go with the last. */
static void test_refcounts(void **state)
{
	struct fixture *f = *state;
	struct chat_msg *msg;

	join(f, 0, "alice");
	join(f, 1, "bob");
	join(f, 2, "carol");
	forget(&f->rec[0]);
	forget(&f->rec[1]);
	assert_int_equal(say(f, 0, "first"), CHAT_OK);
	msg = f->rec[1].got[0];
	assert_ptr_equal(f->rec[2].got[0], msg);
	assert_int_equal(msg->refs, 3);
	/*
	 * Recipients keep other encodings and languages, one rendering per
	 * (voice, encoding); they are freed with the message.
	 */
	assert_null(chat_msg_rendering(msg, NULL, 1));
	chat_msg_keep(msg, NULL, 1, xstrdup("first in GBK"), 12);
	assert_string_equal(chat_msg_rendering(msg, NULL, 1)->bytes,
			    "first in GBK");
	assert_int_equal(chat_msg_rendering(msg, NULL, 1)->len, 12);
	assert_null(chat_msg_rendering(msg, NULL, 2));
	chat_msg_keep(msg, NULL, 2, xstrdup("first in Big5"), 13);
	assert_string_equal(chat_msg_rendering(msg, NULL, 2)->bytes,
			    "first in Big5");
	assert_string_equal(chat_msg_rendering(msg, NULL, 1)->bytes,
			    "first in GBK");
	assert_null(chat_msg_rendering(msg, msg, 1));
	assert_null(chat_msg_rendering(msg, NULL, 3));
	/* Pushed out of the history by 20 newer lines. */
	for (int i = 0; i < CHAT_HISTORY; i++) {
		fake_now += 1;
		assert_int_equal(say(f, 0, "more"), CHAT_OK);
	}
	assert_int_equal(msg->refs, 2);
	forget(&f->rec[1]);
	assert_int_equal(msg->refs, 1);
	/* A message nobody keeps is freed right after the fan-out. */
	chat_msg_unref(chat_msg_ref(msg));
	assert_int_equal(msg->refs, 1);
	assert_null(chat_msg_ref(NULL));
	chat_msg_unref(NULL);
	/* Private messages and notices are not kept by the room. */
	forget(&f->rec[2]);
	assert_int_equal(chat_room_msg(f->room, f->rec[0].m, "carol", "p", 1),
			 CHAT_OK);
	assert_int_equal(f->rec[2].got[0]->refs, 1);
	chat_room_notice(f->room, "n");
	assert_int_equal(f->rec[2].got[1]->refs, 3);
}

/* A notice reaches every member, sanitised, and is not history. */
static void test_notice_to_all(void **state)
{
	struct fixture *f = *state;

	join_abc(f);
	chat_room_notice(f->room, "Server restarting\x1b[5m now");
	for (size_t i = 0; i < 3; i++) {
		ASSERT_GOT(f, i, "*** Server restarting now\r\n");
	}
	join(f, 3, "dave");
	ASSERT_NOTHING(f, 3);
}

/* A leave reaches the members who remain; the name is free again. */
static void test_leave(void **state)
{
	struct fixture *f = *state;

	join_abc(f);
	chat_room_leave(f->room, f->rec[1].m, CHAT_LEAVE_HUNG_UP);
	ASSERT_GOT(f, 0, "*** bob left (hung up)\r\n");
	ASSERT_GOT(f, 2, "*** bob left (hung up)\r\n");
	ASSERT_NOTHING(f, 1);
	assert_int_equal(chat_room_count(f->room), 2);
	assert_false(chat_room_has_nick(f->room, "bob"));
	assert_int_equal(chat_room_msg(f->room, f->rec[0].m, "bob", "x", 1),
			 CHAT_NO_SUCH_NICK);

	assert_int_equal(say(f, 0, "still here"), CHAT_OK);
	ASSERT_GOT(f, 2, "[12:34:56] alice: still here\r\n");
	ASSERT_NOTHING(f, 1);

	chat_room_leave(f->room, f->rec[2].m, CHAT_LEAVE_MENU);
	ASSERT_GOT(f, 0, "*** carol left (back to the menu)\r\n");
	join(f, 3, "dave");
	ASSERT_GOT(f, 0, "*** dave joined\r\n");
	ASSERT_GOT(f, 3, "[12:34:56] alice: still here\r\n"); /* history */
	/* An operator's reason is data: no escape sequence, no line end. */
	chat_room_leave_kicked(f->room, f->rec[0].m, "bob",
			       "\x1b[31mbye {nick}\r\n");
	ASSERT_GOT(f, 3, "*** alice left (kicked by bob: bye {nick})\r\n");
	chat_room_leave(f->room, f->rec[3].m, CHAT_LEAVE_IDLE);
	assert_int_equal(chat_room_count(f->room), 0);
	join(f, 1, "bob");
	assert_int_equal(chat_room_count(f->room), 1);
	chat_room_leave(f->room, NULL, CHAT_LEAVE_HUNG_UP);
}

/* Hook: the member leaves as a slow reader would, on its first message. */
static void leave_self(struct recorder *r, struct chat_msg *msg)
{
	(void)msg;
	if (r->hook_runs == 1)
		chat_room_leave(r->f->room, r->m, CHAT_LEAVE_SLOW);
}

/* Hook: recorder 2 is made to leave when this one gets its first message. */
static void leave_other(struct recorder *r, struct chat_msg *msg)
{
	(void)msg;
	if (r->hook_runs == 1)
		chat_room_leave(r->f->room, r->f->rec[2].m, CHAT_LEAVE_KICKED);
}

/* A member leaving inside deliver: the others get the line, then the leave. */
static void test_leave_inside_deliver(void **state)
{
	struct fixture *f = *state;

	join(f, 0, "alice");
	join(f, 1, "bob");
	join(f, 2, "carol");
	join(f, 3, "dave");
	for (size_t i = 0; i < 4; i++)
		forget(&f->rec[i]);
	f->rec[1].hook = leave_self;
	assert_int_equal(say(f, 0, "one"), CHAT_OK);
	ASSERT_GOT(f, 0, "*** bob left (too slow)\r\n");
	ASSERT_GOT(f, 1, "[12:34:56] alice: one\r\n");
	ASSERT_GOT(f, 2, "[12:34:56] alice: one\r\n",
		   "*** bob left (too slow)\r\n");
	ASSERT_GOT(f, 3, "[12:34:56] alice: one\r\n",
		   "*** bob left (too slow)\r\n");
	assert_int_equal(chat_room_count(f->room), 3);

	assert_int_equal(say(f, 0, "two"), CHAT_OK);
	ASSERT_NOTHING(f, 1);
	ASSERT_GOT(f, 2, "[12:34:56] alice: two\r\n");
	ASSERT_GOT(f, 3, "[12:34:56] alice: two\r\n");
}

/* A member removed inside another's deliver gets nothing more. */
static void test_leave_other_inside_deliver(void **state)
{
	struct fixture *f = *state;

	join(f, 0, "alice");
	join(f, 1, "bob");
	join(f, 2, "carol");
	join(f, 3, "dave");
	for (size_t i = 0; i < 4; i++)
		forget(&f->rec[i]);
	f->rec[1].hook = leave_other;
	chat_room_notice(f->room, "hello");
	ASSERT_GOT(f, 0, "*** hello\r\n", "*** carol left (kicked)\r\n");
	ASSERT_GOT(f, 1, "*** hello\r\n", "*** carol left (kicked)\r\n");
	ASSERT_NOTHING(f, 2);
	ASSERT_GOT(f, 3, "*** hello\r\n", "*** carol left (kicked)\r\n");
	assert_int_equal(chat_room_count(f->room), 3);
	assert_string_equal(who_text(f), "3 online:\n"
					 "  alice  idle 0s\n"
					 "  bob    idle 0s\n"
					 "  dave   idle 0s\n");
}

/* What a kicked callback heard, for the kick tests. */
static char kicked_by[CHAT_NICK_MAX * 4 + 1];
static char kicked_reason[64];

/* A kicked callback that leaves the room, as a session does. */
static void record_kicked(void *ctx, const char *by, const char *reason)
{
	struct recorder *r = ctx;

	snprintf(kicked_by, sizeof(kicked_by), "%s", by);
	snprintf(kicked_reason, sizeof(kicked_reason), "%s", reason);
	chat_room_leave(r->f->room, r->m, CHAT_LEAVE_KICKED);
	r->m = NULL;
}

static const struct chat_member_ops kickable_ops = {
	.deliver = record,
	.kicked = record_kicked,
};

/* A kick reaches the member's own callback, which leaves; self included. */
static void test_kick_through_member_callback(void **state)
{
	struct fixture *f = *state;

	join(f, 0, "alice");
	f->rec[1].m = chat_room_join(f->room, "bob", &kickable_ops, &f->rec[1]);
	forget(&f->rec[0]);
	assert_int_equal(chat_room_kick(f->room, f->rec[0].m, "nobody", ""),
			 CHAT_NO_SUCH_NICK);
	assert_int_equal(chat_room_kick(f->room, f->rec[0].m, "BOB", "spam"),
			 CHAT_OK);
	assert_string_equal(kicked_by, "alice");
	assert_string_equal(kicked_reason, "spam");
	assert_null(f->rec[1].m);
	ASSERT_GOT(f, 0, "*** bob left (kicked)\r\n");
	assert_int_equal(chat_room_count(f->room), 1);

	/* An operator kicking themself hears their own nick, kept intact. */
	f->rec[2].m = chat_room_join(f->room, "carol", &kickable_ops,
				     &f->rec[2]);
	forget(&f->rec[0]);
	assert_int_equal(chat_room_kick(f->room, f->rec[2].m, "carol", ""),
			 CHAT_OK);
	assert_string_equal(kicked_by, "carol");
	ASSERT_GOT(f, 0, "*** carol left (kicked)\r\n");
}

/* A member without a kicked callback is removed by the room itself. */
static void test_kick_without_callback(void **state)
{
	struct fixture *f = *state;

	join_abc(f);
	assert_int_equal(chat_room_kick(f->room, f->rec[0].m, "bob", "away"),
			 CHAT_OK);
	ASSERT_GOT(f, 0, "*** bob left (kicked by alice: away)\r\n");
	ASSERT_GOT(f, 2, "*** bob left (kicked by alice: away)\r\n");
	assert_int_equal(chat_room_kick(f->room, f->rec[0].m, "carol", ""),
			 CHAT_OK);
	ASSERT_GOT(f, 0, "*** carol left (kicked by alice)\r\n");
	assert_int_equal(chat_room_count(f->room), 1);
}

/* A mute by nickname silences the member until unmuted. */
static void test_mute_by_nick(void **state)
{
	struct fixture *f = *state;

	join_abc(f);
	assert_int_equal(chat_room_mute(f->room, "nobody", true),
			 CHAT_NO_SUCH_NICK);
	assert_int_equal(chat_room_mute(f->room, "Bob", true), CHAT_OK);
	assert_true(chat_member_is_muted(f->rec[1].m));
	assert_int_equal(say(f, 1, "hello"), CHAT_MUTED);
	ASSERT_NOTHING(f, 0);
	assert_int_equal(chat_room_mute(f->room, "bob", false), CHAT_OK);
	assert_false(chat_member_is_muted(f->rec[1].m));
	assert_int_equal(say(f, 1, "hello"), CHAT_OK);
	ASSERT_GOT(f, 0, "[12:34:56] bob: hello\r\n");
}

/* Hook: the member answers its first message, as a bot would. */
static void reply(struct recorder *r, struct chat_msg *msg)
{
	(void)msg;
	if (r->hook_runs == 1)
		assert_int_equal(say(r->f, (size_t)(r - r->f->rec), "pong"),
				 CHAT_OK);
}

/* A line said inside deliver follows the one being delivered, for everyone. */
static void test_say_inside_deliver(void **state)
{
	struct fixture *f = *state;

	join_abc(f);
	f->rec[1].hook = reply;
	assert_int_equal(say(f, 0, "ping"), CHAT_OK);
	ASSERT_GOT(f, 0, "[12:34:56] bob: pong\r\n");
	ASSERT_GOT(f, 1, "[12:34:56] alice: ping\r\n");
	ASSERT_GOT(f, 2, "[12:34:56] alice: ping\r\n",
		   "[12:34:56] bob: pong\r\n");
}

/* Hook: recorder 3 joins on this member's first message. */
static void join_other(struct recorder *r, struct chat_msg *msg)
{
	(void)msg;
	if (r->hook_runs == 1)
		join(r->f, 3, "dave");
}

/* A member joining inside deliver gets what was said once, by history. */
static void test_join_inside_deliver(void **state)
{
	struct fixture *f = *state;

	join_abc(f);
	f->rec[1].hook = join_other;
	assert_int_equal(say(f, 0, "hi"), CHAT_OK);
	ASSERT_GOT(f, 0, "*** dave joined\r\n");
	ASSERT_GOT(f, 1, "[12:34:56] alice: hi\r\n", "*** dave joined\r\n");
	ASSERT_GOT(f, 2, "[12:34:56] alice: hi\r\n", "*** dave joined\r\n");
	ASSERT_GOT(f, 3, "[12:34:56] alice: hi\r\n");
	assert_int_equal(chat_room_count(f->room), 4);
}

/* Freeing a room with members in it frees them without a word. */
static void test_free_with_members(void **state)
{
	struct fixture *f = *state;

	join(f, 0, "alice");
	join(f, 1, "bob");
	assert_int_equal(say(f, 0, "bye"), CHAT_OK);
	forget(&f->rec[1]);
	chat_room_free(f->room);
	f->room = NULL;
	ASSERT_NOTHING(f, 1);
	chat_room_free(NULL);
}

/* Timestamps are local time. */
static void test_stamp_local_time(void **state)
{
	struct fixture *f = *state;
	struct chat_room *room;
	struct chat_member *a, *b;

	/* A POSIX TZ string: no zone files needed. */
	setenv("TZ", "CST-8", 1);
	tzset();
	room = chat_room_new(fake_clock, 0, 0);
	a = chat_room_join(room, "a", &recorder_ops, &f->rec[0]);
	b = chat_room_join(room, "b", &recorder_ops, &f->rec[1]);
	forget(&f->rec[0]);
	assert_int_equal(chat_room_say(room, a, "hi", 2), CHAT_OK);
	ASSERT_GOT(f, 1, "[20:34:56] a: hi\r\n");
	chat_room_leave(room, a, CHAT_LEAVE_MENU);
	chat_room_leave(room, b, CHAT_LEAVE_MENU);
	chat_room_free(room);
	setenv("TZ", "UTC", 1);
	tzset();
}

/* xorshift64: reproducible random numbers for the sanitiser run. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Bytes that make trouble, weighted into the random buffers. */
static const unsigned char nasty[] = {
	0x00, 0x07, 0x09, 0x0a, 0x0d, 0x1b, 0x1b, 0x1b, '[',  '[',  ']',
	'\\', 'P',  '_',  0x7f, 0x80, 0x9b, 0x9c, 0xc2, 0xc2, 0xe2, 0x80,
	0xae, 0xed, 0xf0, 0xf4, 0xf8, 0xfe, 0xff, 0xe4, 0xbd, 0xa0,
};

/* Fails unless s is what the sanitiser promises. */
static void check_clean(const char *s, size_t len)
{
	uint32_t cp;

	assert_true(utf8_is_valid(s, len));
	assert_null(memchr(s, 0xff, len));
	while (len > 0) {
		size_t n = utf8_decode(s, len, &cp);

		assert_true(n > 0);
		assert_false(cp < 0x20 || (cp >= 0x7f && cp <= 0x9f));
		assert_false((cp >= 0x202a && cp <= 0x202e) ||
			     (cp >= 0x2066 && cp <= 0x2069));
		s += n;
		len -= n;
	}
}

/* 10,000 random buffers: always valid UTF-8, no controls, no 0xff, stable. */
static void test_sanitize_random(void **state)
{
	struct fixture *f = *state;
	uint64_t seed = 0x9e3779b97f4a7c15u;
	char buf[600];
	struct strbuf again;

	strbuf_init(&again);
	for (int round = 0; round < 10000; round++) {
		size_t len = next_random(&seed) % sizeof(buf);

		for (size_t i = 0; i < len; i++) {
			uint64_t r = next_random(&seed);

			if (r % 3 == 0)
				buf[i] = (char)nasty[(r >> 8) % sizeof(nasty)];
			else if (r % 3 == 1)
				buf[i] = (char)(0x20 + (r >> 8) % 0x5f);
			else
				buf[i] = (char)(r >> 8);
		}
		strbuf_reset(&f->sb);
		chat_sanitize(buf, len, &f->sb);
		check_clean(f->sb.data, f->sb.len);
		/* Clean text passes through untouched. */
		strbuf_reset(&again);
		chat_sanitize(f->sb.data, f->sb.len, &again);
		assert_int_equal(again.len, f->sb.len);
		assert_memory_equal(again.data, f->sb.data, f->sb.len);
	}
	strbuf_fini(&again);
}

/* Random lines through a room: every delivered message stays clean. */
static void test_say_random(void **state)
{
	struct fixture *f = *state;
	uint64_t seed = 42;
	char buf[CHAT_MAX_LINE];

	join(f, 0, "alice");
	join(f, 1, "bob");
	forget(&f->rec[0]);
	for (int round = 0; round < 1000; round++) {
		size_t len = next_random(&seed) % sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] =
				(char)nasty[next_random(&seed) % sizeof(nasty)];
		chat_room_say(f->room, f->rec[0].m, buf, len);
		for (size_t i = 0; i < f->rec[1].n_got; i++)
			check_clean(f->rec[1].got[i]->text,
				    f->rec[1].got[i]->len - 2);
		forget(&f->rec[1]);
	}
}

/* Flushes the deferring room asked its owner for. */
static unsigned flushes_asked;

/* chat_schedule_fn: the owner's loop, reduced to a count. */
static void count_schedule(void *ctx)
{
	assert_null(ctx);
	flushes_asked++;
}

/* A room that holds lines for the owner's flush, without a flood limit. */
static int setup_deferred(void **state)
{
	struct fixture *f;

	setup_with(state, 0, 0);
	f = *state;
	flushes_asked = 0;
	chat_room_defer(f->room, count_schedule, NULL);
	return 0;
}

/* Held lines wait for the flush, asked for once per batch; one order. */
static void test_deferred_lines(void **state)
{
	struct fixture *f = *state;

	join_abc(f);
	assert_int_equal(flushes_asked, 0);
	assert_int_equal(say(f, 0, "one"), CHAT_OK);
	assert_int_equal(chat_room_me(f->room, f->rec[1].m, "waves", 5),
			 CHAT_OK);
	assert_int_equal(say(f, 2, "two"), CHAT_OK);
	assert_int_equal(flushes_asked, 1);
	for (size_t i = 0; i < 3; i++)
		ASSERT_NOTHING(f, i);

	chat_room_flush(f->room);
	/* One batch each, after its lines; none for the joins before. */
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(f->rec[i].batches, 1);
	ASSERT_GOT(f, 0, "[12:34:56] * bob waves\r\n",
		   "[12:34:56] carol: two\r\n");
	ASSERT_GOT(f, 1, "[12:34:56] alice: one\r\n",
		   "[12:34:56] carol: two\r\n");
	ASSERT_GOT(f, 2, "[12:34:56] alice: one\r\n",
		   "[12:34:56] * bob waves\r\n");
	/* A flush with nothing held delivers nothing. */
	chat_room_flush(f->room);
	for (size_t i = 0; i < 3; i++) {
		ASSERT_NOTHING(f, i);
		assert_int_equal(f->rec[i].batches, 1);
	}
	assert_int_equal(say(f, 1, "three"), CHAT_OK);
	assert_int_equal(flushes_asked, 2);
	chat_room_flush(f->room);
	ASSERT_GOT(f, 0, "[12:34:56] bob: three\r\n");
	ASSERT_GOT(f, 2, "[12:34:56] bob: three\r\n");
	ASSERT_NOTHING(f, 1);
	/* The sender got nothing, so no batch either. */
	assert_int_equal(f->rec[0].batches, 2);
	assert_int_equal(f->rec[1].batches, 1);
	assert_int_equal(f->rec[2].batches, 2);
}

/*
 * Every other event delivers the held lines first: a newcomer gets them
 * once, in the history; a leaver still gets what was said before it left;
 * a private line comes after them. Lines still held when the room is
 * freed are freed with it (ASan would report them).
 */
static void test_deferred_then_events(void **state)
{
	struct fixture *f = *state;

	join_abc(f);

	assert_int_equal(say(f, 0, "before"), CHAT_OK);
	join(f, 3, "dave");
	ASSERT_GOT(f, 0, "*** dave joined\r\n");
	ASSERT_GOT(f, 1, "[12:34:56] alice: before\r\n", "*** dave joined\r\n");
	ASSERT_GOT(f, 2, "[12:34:56] alice: before\r\n", "*** dave joined\r\n");
	ASSERT_GOT(f, 3, "[12:34:56] alice: before\r\n");

	assert_int_equal(say(f, 0, "bye bob"), CHAT_OK);
	chat_room_leave(f->room, f->rec[1].m, CHAT_LEAVE_HUNG_UP);
	ASSERT_GOT(f, 1, "[12:34:56] alice: bye bob\r\n");
	ASSERT_GOT(f, 2, "[12:34:56] alice: bye bob\r\n",
		   "*** bob left (hung up)\r\n");
	ASSERT_GOT(f, 0, "*** bob left (hung up)\r\n");
	forget(&f->rec[3]);

	assert_int_equal(say(f, 2, "public"), CHAT_OK);
	assert_int_equal(chat_room_msg(f->room, f->rec[2].m, "alice", "psst",
				       4),
			 CHAT_OK);
	ASSERT_GOT(f, 0, "[12:34:56] carol: public\r\n",
		   "[12:34:56] carol (private): psst\r\n");
	ASSERT_GOT(f, 3, "[12:34:56] carol: public\r\n");

	assert_int_equal(say(f, 3, "never flushed"), CHAT_OK);
	ASSERT_NOTHING(f, 0);
}

/* A case with its own setup and the common teardown. */
#define CASE(test, setup) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_join_announced_to_others, setup),
		CASE(test_guest_numbering, setup),
		CASE(test_join_nick_limits, setup),
		CASE(test_history, setup),
		CASE(test_say_fanout, setup),
		CASE(test_me_format, setup),
		CASE(test_private_msg, setup),
		CASE(test_rename_rules, setup),
		CASE(test_rename_announced, setup),
		CASE(test_sanitize, setup),
		CASE(test_say_sanitized, setup),
		CASE(test_too_long, setup),
		CASE(test_rate_limit, setup),
		CASE(test_rate_unlimited, setup_unlimited),
		CASE(test_who_alignment, setup),
		CASE(test_who_empty, setup),
		CASE(test_refcounts, setup),
		CASE(test_notice_to_all, setup),
		CASE(test_leave, setup),
		CASE(test_leave_inside_deliver, setup),
		CASE(test_leave_other_inside_deliver, setup),
		CASE(test_kick_through_member_callback, setup),
		CASE(test_kick_without_callback, setup),
		CASE(test_mute_by_nick, setup),
		CASE(test_say_inside_deliver, setup),
		CASE(test_join_inside_deliver, setup),
		CASE(test_free_with_members, setup),
		CASE(test_stamp_local_time, setup),
		CASE(test_sanitize_random, setup),
		CASE(test_say_random, setup_unlimited),
		CASE(test_deferred_lines, setup_deferred),
		CASE(test_deferred_then_events, setup_deferred),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
