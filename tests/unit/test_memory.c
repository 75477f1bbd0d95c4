/* The default stub allocator (memory.c): MIDL_user_allocate / MIDL_user_free and their
 * lowercase aliases. */
#include <string.h>

#include <rpcndr.h>

#include "check_main.h"

START_TEST(default_allocator_round_trip)
{
	unsigned char *p = MIDL_user_allocate(64);

	ck_assert_ptr_nonnull(p);
	memset(p, 0x5A, 64);
	ck_assert_uint_eq(p[63], 0x5A);
	MIDL_user_free(p);
	MIDL_user_free(NULL);
}
END_TEST

START_TEST(lowercase_names_are_aliases)
{
	void *p = midl_user_allocate(8);

	ck_assert_ptr_nonnull(p);
	midl_user_free(p);
}
END_TEST

static Suite *
memory_suite(void)
{
	Suite *s = suite_create("memory");
	TCase *tc = tcase_create("default");

	tcase_add_test(tc, default_allocator_round_trip);
	tcase_add_test(tc, lowercase_names_are_aliases);
	suite_add_tcase(s, tc);
	return s;
}

RC_CHECK_MAIN(memory_suite)
