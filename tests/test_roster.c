/*
 * test_roster: the teacher's memory of calls: entries found by id across
 * growth, a closed call listed once in order, and the closed list cut at
 * TEACHER_CLOSED_MAX, the oldest forgotten first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>

#include "teacher/roster.h"

/* Ten thousand calls, through several doublings: each found, none mixed. */
static void test_find_across_growth(void **state)
{
	struct roster *r = roster_new();

	(void)state;
	for (unsigned id = 1; id <= 10000; id++)
		snprintf(roster_get(r, id)->peer, 64, "peer %u", id);
	for (unsigned id = 1; id <= 10000; id += 997) {
		char want[64];

		snprintf(want, sizeof(want), "peer %u", id);
		assert_string_equal(roster_find(r, id)->peer, want);
	}
	assert_ptr_equal(roster_get(r, 42), roster_find(r, 42));
	assert_null(roster_find(r, 10001));
	assert_null(roster_closed(r));
	roster_free(r);
}

/* Closed calls in order; past the cap the oldest go, and are not found. */
static void test_closed_capped(void **state)
{
	struct roster *r = roster_new();
	size_t n = 0;
	const struct roster_entry *e;

	(void)state;
	for (unsigned id = 1; id <= TEACHER_CLOSED_MAX + 10; id++)
		roster_close(r, roster_get(r, id));
	e = roster_closed(r);
	assert_int_equal(e->id, 11);
	for (; e != NULL; e = e->closed_next) {
		assert_true(e->closed);
		n++;
	}
	assert_int_equal(n, TEACHER_CLOSED_MAX);
	assert_null(roster_find(r, 10));
	assert_non_null(roster_find(r, 11));
	roster_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_across_growth),
		cmocka_unit_test(test_closed_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
