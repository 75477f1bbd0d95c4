/* Unit tests: compiler/util.c (arena, string buffer, interning, map, atomic file write). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "util.h"

START_TEST(arena_zeroed_aligned)
{
	struct rc_arena a = {0};
	for (int i = 1; i < 5000; i += 37) {
		unsigned char *p = rc_arena_alloc(&a, (size_t)i);
		ck_assert_uint_eq((uintptr_t)p % 16, 0);
		for (int k = 0; k < i; k++)
			ck_assert_uint_eq(p[k], 0);
		memset(p, 0xab, (size_t)i);
	}
	char *big = rc_arena_alloc(&a, 1 << 20); /* larger than a chunk */
	ck_assert_ptr_nonnull(big);
	ck_assert_str_eq(rc_arena_printf(&a, "%s-%d", "x", 42), "x-42");
	rc_arena_free(&a);
}
END_TEST

START_TEST(strbuf_grows_and_takes)
{
	struct rc_strbuf sb = {0};
	ck_assert_str_eq(rc_sb_str(&sb), "");
	for (int i = 0; i < 1000; i++)
		rc_sb_printf(&sb, "%d,", i % 10);
	ck_assert_uint_eq(sb.len, 2000);
	ck_assert_int_eq(strncmp(sb.buf, "0,1,2,", 6), 0);
	rc_sb_reset(&sb);
	rc_sb_putc(&sb, 'x');
	rc_sb_append(&sb, "yz", 2);
	char *s = rc_sb_take(&sb);
	ck_assert_str_eq(s, "xyz");
	ck_assert_ptr_null(sb.buf);
	free(s);
}
END_TEST

START_TEST(intern_identity)
{
	struct rc_arena a = {0};
	struct rc_interner in;
	rc_interner_init(&in, &a);
	const char *x = rc_intern(&in, "alpha");
	char buf[16];
	strcpy(buf, "alpha");
	ck_assert_ptr_eq(rc_intern(&in, buf), x);
	ck_assert_ptr_eq(rc_intern_n(&in, "alphabet", 5), x);
	ck_assert_ptr_ne(rc_intern(&in, "alph"), x);
	/* many strings: growth keeps identities */
	const char *ids[3000];
	for (int i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "n%d", i);
		ids[i] = rc_intern(&in, buf);
	}
	for (int i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "n%d", i);
		ck_assert_ptr_eq(rc_intern(&in, buf), ids[i]);
	}
	rc_interner_free(&in);
	rc_arena_free(&a);
}
END_TEST

START_TEST(map_put_get_replace)
{
	struct rc_arena a = {0};
	struct rc_interner in;
	rc_interner_init(&in, &a);
	struct rc_map m = {0};
	ck_assert_ptr_null(rc_map_get(&m, rc_intern(&in, "k")));
	int vals[500];
	char buf[16];
	for (int i = 0; i < 500; i++) {
		snprintf(buf, sizeof(buf), "k%d", i);
		ck_assert_ptr_null(rc_map_put(&m, rc_intern(&in, buf), &vals[i]));
	}
	for (int i = 0; i < 500; i++) {
		snprintf(buf, sizeof(buf), "k%d", i);
		ck_assert_ptr_eq(rc_map_get(&m, rc_intern(&in, buf)), &vals[i]);
	}
	ck_assert_ptr_eq(rc_map_put(&m, rc_intern(&in, "k7"), &vals[0]), &vals[7]);
	ck_assert_ptr_eq(rc_map_get(&m, rc_intern(&in, "k7")), &vals[0]);
	rc_map_free(&m);
	rc_interner_free(&in);
	rc_arena_free(&a);
}
END_TEST

START_TEST(atomic_write_replaces_and_fails_cleanly)
{
	char dir[] = "/tmp/ridl-util-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/out.h", dir);
	ck_assert_int_eq(rc_write_file_atomic(path, "one\n", 4), 0);
	ck_assert_int_eq(rc_write_file_atomic(path, "two\n", 4), 0);
	char *text;
	size_t len;
	ck_assert_int_eq(rc_read_file(path, &text, &len), 0);
	ck_assert_str_eq(text, "two\n");
	free(text);
	/* A directory that does not exist: an error, and nothing left behind. */
	char bad[300];
	snprintf(bad, sizeof(bad), "%s/missing/out.h", dir);
	ck_assert_int_eq(rc_write_file_atomic(bad, "x", 1), ENOENT);
	ck_assert_int_eq(rc_read_file(dir, &text, &len), EISDIR);
	unlink(path);
	ck_assert_int_eq(rmdir(dir), 0); /* empty: no temporary file left over */
}
END_TEST

static Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");
	tcase_add_test(tc, arena_zeroed_aligned);
	tcase_add_test(tc, strbuf_grows_and_takes);
	tcase_add_test(tc, intern_identity);
	tcase_add_test(tc, map_put_get_replace);
	tcase_add_test(tc, atomic_write_replaces_and_fails_cleanly);
	suite_add_tcase(s, tc);
	return s;
}

RC_CHECK_MAIN(util_suite)
