/* Shared main() for the Check unit-test runners: TAP on stdout for `meson test`
 * (protocol: 'tap'), Check's own report silenced. */
#ifndef RIDL_CHECK_MAIN_H
#define RIDL_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int
rc_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#define RC_CHECK_MAIN(suite_fn)                                                                    \
	int main(void) { return rc_run_suite(suite_fn()); }

#endif
