/*
 * check_health.c — unit tests for agent/daemon/health.c: counting Postfix's
 * queue from `postqueue -j` output (one JSON object per message and line).
 */
#include "autoconf.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "health.h"

/* as Postfix 3.7 prints it, shortened */
static const char sample[] =
	"{\"queue_name\": \"deferred\", \"queue_id\": \"4Abc1\", \"arrival_time\": 1000, "
	"\"message_size\": 512, \"sender\": \"a@example.org\", \"recipients\": "
	"[{\"address\": \"b@example.net\", \"delay_reason\": \"connect refused\"}]}\n"
	"{\"queue_name\": \"deferred\", \"queue_id\": \"4Abc2\", \"arrival_time\": 1900}\n"
	"{\"queue_name\": \"active\", \"queue_id\": \"4Abc3\", \"arrival_time\": 1990}\n"
	"{\"queue_name\": \"hold\", \"queue_id\": \"4Abc4\", \"arrival_time\": 1500}\n"
	"this line is not JSON\n"
	"{\"queue_name\": \"nonsense\", \"queue_id\": \"4Abc5\"}\n"
	"{\"queue_name\": \"incoming\"";

START_TEST(counts_each_queue)
{
	unsigned c[RV_QUEUE_COUNT];
	int64_t oldest = 0;

	ck_assert_uint_eq(rv_mta_count_queue(sample, c, 2000, &oldest), 4);
	ck_assert_uint_eq(c[RV_QUEUE_DEFERRED], 2);
	ck_assert_uint_eq(c[RV_QUEUE_ACTIVE], 1);
	ck_assert_uint_eq(c[RV_QUEUE_HOLD], 1);
	ck_assert_uint_eq(c[RV_QUEUE_INCOMING], 0); /* the truncated last line */
	ck_assert_uint_eq(c[RV_QUEUE_MAILDROP], 0);
	ck_assert_int_eq(oldest, 1000);
}
END_TEST

START_TEST(empty_queue)
{
	unsigned c[RV_QUEUE_COUNT] = { 9, 9, 9, 9, 9 };
	int64_t oldest = 0;

	ck_assert_uint_eq(rv_mta_count_queue("", c, 2000, &oldest), 0);
	ck_assert_uint_eq(c[RV_QUEUE_DEFERRED], 0);
	ck_assert_int_eq(oldest, -1);
	ck_assert_uint_eq(rv_mta_count_queue("\n\n\n", c, 2000, &oldest), 0);
}
END_TEST

/* Found by fuzz_queue: an arrival time so far in the past that now minus it
 * does not fit in an int64_t (UBSan: signed integer overflow; unchecked, the
 * age wrapped negative and the message looked young). Such an age is the
 * largest there is; a time far in the future is no age at all. */
START_TEST(absurd_arrival_times)
{
	static const char text[] =
		"{\"queue_name\": \"deferred\", \"arrival_time\": -9223372036854775808}\n"
		"{\"queue_name\": \"deferred\", \"arrival_time\": 9223372036854775807}\n";
	unsigned c[RV_QUEUE_COUNT];
	int64_t oldest = 0;

	ck_assert_uint_eq(rv_mta_count_queue(text, c, 2000, &oldest), 2);
	ck_assert_uint_eq(c[RV_QUEUE_DEFERRED], 2);
	ck_assert_int_eq(oldest, INT64_MAX);
	ck_assert_uint_eq(rv_mta_count_queue(text + 65, c, -2000, &oldest), 1);
	ck_assert_int_eq(oldest, -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("queue");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, counts_each_queue);
	tcase_add_test(tc, empty_queue);
	tcase_add_test(tc, absurd_arrival_times);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
