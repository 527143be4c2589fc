/*
 * check_util.c — unit tests for agent/lib/util.c: the strict parsers that
 * stand between configuration text and the daemon.
 */
#include "autoconf.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "util.h"

START_TEST(uint_accepts_plain_decimal)
{
	uint64_t v = 0;

	ck_assert_int_eq(rv_parse_uint("0", 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(rv_parse_uint("4294967295", UINT32_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT32_MAX);
}
END_TEST

START_TEST(uint_refuses_garbage_and_overflow)
{
	uint64_t v = 7;

	ck_assert_int_eq(rv_parse_uint("", 10, &v), -EINVAL);
	ck_assert_int_eq(rv_parse_uint(NULL, 10, &v), -EINVAL);
	ck_assert_int_eq(rv_parse_uint("-1", 10, &v), -EINVAL);
	ck_assert_int_eq(rv_parse_uint("+1", 10, &v), -EINVAL);
	ck_assert_int_eq(rv_parse_uint(" 1", 10, &v), -EINVAL);
	ck_assert_int_eq(rv_parse_uint("1 ", 10, &v), -EINVAL);
	ck_assert_int_eq(rv_parse_uint("0x10", 100, &v), -EINVAL);
	ck_assert_int_eq(rv_parse_uint("11", 10, &v), -ERANGE);
	ck_assert_int_eq(rv_parse_uint("4294967296", UINT32_MAX, &v), -ERANGE);
	ck_assert_int_eq(rv_parse_uint("99999999999999999999999", UINT64_MAX, &v), -ERANGE);
	ck_assert_uint_eq(v, 7); /* untouched on error */
}
END_TEST

START_TEST(duration_units)
{
	uint64_t ms = 0;

	ck_assert_int_eq(rv_parse_duration_ms("250ms", UINT64_MAX, &ms), 0);
	ck_assert_uint_eq(ms, 250);
	ck_assert_int_eq(rv_parse_duration_ms("2s", UINT64_MAX, &ms), 0);
	ck_assert_uint_eq(ms, 2000);
	ck_assert_int_eq(rv_parse_duration_ms("2", UINT64_MAX, &ms), 0);
	ck_assert_uint_eq(ms, 2000);
	ck_assert_int_eq(rv_parse_duration_ms("1.5s", UINT64_MAX, &ms), 0);
	ck_assert_uint_eq(ms, 1500);
	ck_assert_int_eq(rv_parse_duration_ms("0.25s", UINT64_MAX, &ms), 0);
	ck_assert_uint_eq(ms, 250);
	ck_assert_int_eq(rv_parse_duration_ms("3m", UINT64_MAX, &ms), 0);
	ck_assert_uint_eq(ms, 180000);
	ck_assert_int_eq(rv_parse_duration_ms("1h", UINT64_MAX, &ms), 0);
	ck_assert_uint_eq(ms, 3600000);
}
END_TEST

START_TEST(duration_refuses_bad_input)
{
	uint64_t ms = 42;

	ck_assert_int_eq(rv_parse_duration_ms("", 1000, &ms), -EINVAL);
	ck_assert_int_eq(rv_parse_duration_ms("s", 1000, &ms), -EINVAL);
	ck_assert_int_eq(rv_parse_duration_ms("1x", 1000, &ms), -EINVAL);
	ck_assert_int_eq(rv_parse_duration_ms("1.s", 1000, &ms), -EINVAL);
	ck_assert_int_eq(rv_parse_duration_ms("1.5ms", 1000, &ms), -EINVAL);
	ck_assert_int_eq(rv_parse_duration_ms("1.0001s", 10000, &ms), -EINVAL);
	ck_assert_int_eq(rv_parse_duration_ms("-1s", 1000, &ms), -EINVAL);
	ck_assert_int_eq(rv_parse_duration_ms("2s", 1000, &ms), -ERANGE);
	ck_assert_int_eq(rv_parse_duration_ms("99999999999999999999h", UINT64_MAX, &ms), -ERANGE);
	ck_assert_int_eq(rv_parse_duration_ms("9999999999999999h", UINT64_MAX, &ms), -ERANGE);
	ck_assert_uint_eq(ms, 42);
}
END_TEST

START_TEST(bool_spellings)
{
	int b = -1;

	ck_assert_int_eq(rv_parse_bool("yes", &b), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(rv_parse_bool("OFF", &b), 0);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(rv_parse_bool("1", &b), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(rv_parse_bool("maybe", &b), -EINVAL);
	ck_assert_int_eq(rv_parse_bool("", &b), -EINVAL);
}
END_TEST

START_TEST(clock_is_monotonic)
{
	uint64_t a = rv_now_ms(), b = rv_now_ms();

	ck_assert_uint_ge(b, a);
}
END_TEST

static Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, uint_accepts_plain_decimal);
	tcase_add_test(tc, uint_refuses_garbage_and_overflow);
	tcase_add_test(tc, duration_units);
	tcase_add_test(tc, duration_refuses_bad_input);
	tcase_add_test(tc, bool_spellings);
	tcase_add_test(tc, clock_is_monotonic);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(util_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
