/*
 * test_client_nicks: nicknames learnt from server lines (chat messages,
 * actions, announcements, /who listings), the bound on the set, and the
 * Tab-completion candidates built on it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "complete.h"
#include "nicks.h"

/* Setup: an empty set of names. */
static int setup(void **state)
{
	*state = nicks_new();
	return 0;
}

/* Frees the set. */
static int teardown(void **state)
{
	nicks_free(*state);
	return 0;
}

/* Scans a NUL-terminated line. */
static void scan(struct nicks *n, const char *line)
{
	nicks_scan_line(n, line, strlen(line));
}

/* All names, newest first, joined by ' '. */
static const char *names(const struct nicks *n)
{
	static char buf[4096];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < nicks_count(n); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
					i ? " " : "", nicks_get(n, i));
	return buf;
}

/* "[12:34:56] nick: text" and "[12:34:56] * nick action". */
static void test_messages_and_actions(void **state)
{
	struct nicks *n = *state;

	scan(n, "[12:34:56] bob: hi there: how are you?");
	scan(n, "[12:35:00] * alice waves");
	scan(n, "[12:35:01] 张三: 你好");
	scan(n, "[12:35:02] 138****8000: hello");
	assert_string_equal(names(n), "138****8000 张三 alice bob");
}

/* Announcements: joins add, renames replace, leaves remove. */
static void test_announcements(void **state)
{
	struct nicks *n = *state;

	scan(n, "*** guest-2 joined");
	scan(n, "*** carol joined");
	scan(n, "*** guest-2 is now known as bob");
	assert_string_equal(names(n), "bob carol");
	scan(n, "[12:00:00] *** dave joined");
	scan(n, "*** carol left (end of input)");
	assert_string_equal(names(n), "dave bob");
	scan(n, "*** dave hung up");
	scan(n, "*** bob is now known as robert.");
	assert_string_equal(names(n), "robert");
}

/* The same notices in the default Chinese menus, both scripts. */
static void test_announcements_chinese(void **state)
{
	struct nicks *n = *state;

	scan(n, "*** guest-2 进入了聊天室");
	scan(n, "*** 小红 進入了聊天室");
	scan(n, "[09:00:00] *** 138****8000 进入了聊天室");
	scan(n, "*** guest-2 改名为 小明");
	assert_string_equal(names(n), "小明 138****8000 小红");
	scan(n, "*** 小红 改名為 小紅");
	scan(n, "*** 138****8000 离开了(挂断)");
	assert_string_equal(names(n), "小紅 小明");
	scan(n, "*** 小紅 離開了（回到主選單）");
	scan(n, "*** 小明 被管理员 teacher 请出了聊天室");
	assert_string_equal(names(n), "");
	/* A name followed by other words is no notice. */
	scan(n, "*** 欢迎 进入聊天室");
	scan(n, "*** 系统 改名");
	assert_string_equal(names(n), "");
}

/* /who lists a name, spaces, and "idle". */
static void test_who_listing(void **state)
{
	struct nicks *n = *state;

	scan(n, "2 online:");
	scan(n, "  alice    idle 0s");
	scan(n, "  guest-1  idle 7s");
	scan(n, "bob idle");
	assert_string_equal(names(n), "bob guest-1 alice");
}

/* Lines that only look a little like chat teach nothing. */
static void test_not_names(void **state)
{
	struct nicks *n = *state;

	scan(n, "Welcome to the China Mobile 10086 service hotline!");
	scan(n, "  1 Balance and data usage");
	scan(n, "Please press a key:");
	scan(n, "*** Welcome to the room");
	scan(n, "--- Chat room ---  You are guest-1. Type a line.");
	scan(n, "[12:00:00]bob: no space after the stamp");
	scan(n, "[a very long text in brackets that is no stamp] x: y");
	scan(n, "Commands: /who members  /nick rename");
	scan(n, "alice idler");
	scan(n, "");
	assert_string_equal(names(n), "");
}

/* Seeing a name again makes it the newest; the set stays bounded. */
static void test_bounded_newest_first(void **state)
{
	struct nicks *n = *state;
	char line[64];

	for (int i = 0; i < NICKS_MAX + 10; i++) {
		snprintf(line, sizeof(line), "[00:00:00] user%d: hi", i);
		scan(n, line);
	}
	assert_int_equal(nicks_count(n), NICKS_MAX);
	assert_false(nicks_has(n, "user9"));
	assert_true(nicks_has(n, "user10"));
	scan(n, "[00:00:01] user10: again");
	assert_string_equal(nicks_get(n, 0), "user10");
	assert_int_equal(nicks_count(n), NICKS_MAX);
}

/* Names must be short and free of spaces and controls. */
static void test_add_validates(void **state)
{
	struct nicks *n = *state;
	char big[NICKS_MAX_LEN + 2];

	memset(big, 'a', sizeof(big));
	nicks_add(n, big, sizeof(big));
	nicks_add(n, "a b", 3);
	nicks_add(n, "a\x1b", 2);
	nicks_add(n, "", 0);
	assert_int_equal(nicks_count(n), 0);
	nicks_add(n, big, NICKS_MAX_LEN);
	assert_int_equal(nicks_count(n), 1);
}

/* Collects every candidate for word, joined by ' '. */
static const char *candidates(const struct nicks *n, const char *word,
			      bool command)
{
	static char buf[4096];
	size_t len = 0, st = 0;
	char *c;

	buf[0] = '\0';
	while ((c = complete_next(n, word, command, &st)) != NULL) {
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
					len ? " " : "", c);
		free(c);
	}
	return buf;
}

/* Commands for a first word starting with '/', names otherwise. */
static void test_completion(void **state)
{
	struct nicks *n = *state;

	scan(n, "[12:00:00] Mallory: hi");
	scan(n, "[12:00:01] mike: hi");
	scan(n, "[12:00:02] alice: hi");
	assert_string_equal(candidates(n, "/m", true), "/me /msg /menu");
	assert_string_equal(candidates(n, "/", true),
			    "/who /nick /me /msg /help /menu /quit");
	assert_string_equal(candidates(n, "/Q", true), "/quit");
	assert_string_equal(candidates(n, "m", false), "mike Mallory");
	assert_string_equal(candidates(n, "m", true), "mike Mallory");
	assert_string_equal(candidates(n, "", false), "alice mike Mallory");
	assert_string_equal(candidates(n, "/m", false), "");
	assert_string_equal(candidates(n, "zed", false), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_messages_and_actions,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_announcements, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_who_listing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_announcements_chinese,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_names, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bounded_newest_first,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_validates, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_completion, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
