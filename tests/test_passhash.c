/*
 * passhash: yescrypt hashes (common/): a hash verifies and a wrong
 * password does not, malformed stored hashes are refused cleanly, two
 * hashes of one password differ by their salt, a short output buffer is
 * refused, and the work area is allocated once and reused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "passhash.h"

/* Hashes made by one case, at most. */
#define TEST_HASHES 4

struct fixture {
	struct passhash ph;
	char hash[TEST_HASHES][PASSHASH_MAX];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	passhash_init(&f->ph);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	passhash_fini(&f->ph);
	free(f);
	return 0;
}

/* A new hash is yescrypt and the password it was made of matches it. */
static void test_hash_verifies(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(passhash_make(&f->ph, "123456", f->hash[0],
				       sizeof(f->hash[0])),
			 0);
	assert_memory_equal(f->hash[0], "$y$", 3);
	assert_null(strstr(f->hash[0], "123456"));
	assert_int_equal(passhash_verify(&f->ph, "123456", f->hash[0]), 1);
	/* Again: the reused work area gives the same answer. */
	assert_int_equal(passhash_verify(&f->ph, "123456", f->hash[0]), 1);
}

/* Any other password, however close, does not match. */
static void test_wrong_password(void **state)
{
	static const char *const wrong[] = {
		"123457", "12345", "1234567", "", "123456 ", " 123456",
	};
	struct fixture *f = *state;

	assert_int_equal(passhash_make(&f->ph, "123456", f->hash[0],
				       sizeof(f->hash[0])),
			 0);
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
		assert_int_equal(passhash_verify(&f->ph, wrong[i], f->hash[0]),
				 0);
	assert_int_equal(passhash_verify(&f->ph, "123456", f->hash[0]), 1);
}

/* A stored hash libxcrypt cannot use is -1, never a match. */
static void test_malformed_hash(void **state)
{
	static const char *const malformed[] = {
		"", "$", "$y$", "$y$!!!$abc$def", "$nosuch$salt$x", "*0", "*1",
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		assert_int_equal(passhash_verify(&f->ph, "123456",
						 malformed[i]),
				 -1);
}

/* Text libxcrypt can use as a setting but that is no hash never matches. */
static void test_not_a_hash(void **state)
{
	static const char *const settings[] = {
		"$y$j9T$",   /* a setting with an empty salt and no hash */
		"plaintext", /* a DES salt "pl" and more */
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		assert_int_equal(passhash_verify(&f->ph, "123456", settings[i]),
				 0);
	/* A hash cut short: the rest is taken as the salt, and differs. */
	assert_int_equal(passhash_make(&f->ph, "123456", f->hash[0],
				       sizeof(f->hash[0])),
			 0);
	f->hash[0][strlen(f->hash[0]) / 2] = '\0';
	assert_int_equal(passhash_verify(&f->ph, "123456", f->hash[0]), 0);
}

/* Two hashes of one password differ by their salt; both match. */
static void test_salted(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < TEST_HASHES; i++)
		assert_int_equal(passhash_make(&f->ph, "123456", f->hash[i],
					       sizeof(f->hash[i])),
				 0);
	for (size_t i = 0; i < TEST_HASHES; i++) {
		for (size_t j = i + 1; j < TEST_HASHES; j++)
			assert_string_not_equal(f->hash[i], f->hash[j]);
		assert_int_equal(passhash_verify(&f->ph, "123456", f->hash[i]),
				 1);
	}
}

/* A hash that does not fit the buffer is refused, not cut. */
static void test_short_buffer(void **state)
{
	struct fixture *f = *state;
	char small[16];

	assert_int_equal(passhash_make(&f->ph, "123456", small, sizeof(small)),
			 -1);
	assert_int_equal(passhash_make(&f->ph, "123456", f->hash[0], 0), -1);
}

/* One work area serves every call; _fini frees it and may run twice. */
static void test_area_reused(void **state)
{
	struct fixture *f = *state;
	void *area;

	assert_null(f->ph.area);
	assert_int_equal(passhash_make(&f->ph, "111111", f->hash[0],
				       sizeof(f->hash[0])),
			 0);
	area = f->ph.area;
	assert_non_null(area);
	assert_true((size_t)f->ph.size >= sizeof(struct crypt_data));
	for (size_t i = 1; i < TEST_HASHES; i++)
		assert_int_equal(passhash_make(&f->ph, "222222", f->hash[i],
					       sizeof(f->hash[i])),
				 0);
	assert_int_equal(passhash_verify(&f->ph, "111111", f->hash[0]), 1);
	assert_ptr_equal(f->ph.area, area);
	passhash_fini(&f->ph);
	assert_null(f->ph.area);
	passhash_fini(&f->ph);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hash_verifies, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wrong_password, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_malformed_hash, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_a_hash, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_salted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_buffer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_area_reused, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
