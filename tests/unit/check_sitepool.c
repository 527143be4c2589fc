/*
 * check_sitepool.c — unit tests for relevod's peer-site code (sitepool.c)
 * that need no network: what relevo-dnsupdate prints is parsed
 * defensively, and a site without a [pool] shows none. The probes, votes
 * and withdrawals against a real BIND are tests/integration/sitepool.test.
 */
#include "autoconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sitepool.h"

START_TEST(votes_parsed_defensively)
{
	char out[4][64];

	ck_assert_int_eq(rv_sitepool_parse_votes("{\"result\":\"voted\",\"votes\":"
						 "[\"a 1\",\"b 2\"]}", out, 4), 2);
	ck_assert_str_eq(out[0], "a 1");
	ck_assert_str_eq(out[1], "b 2");
	/* not a report, or no list of votes */
	ck_assert_int_eq(rv_sitepool_parse_votes(NULL, out, 4), -1);
	ck_assert_int_eq(rv_sitepool_parse_votes("", out, 4), -1);
	ck_assert_int_eq(rv_sitepool_parse_votes("garbage {", out, 4), -1);
	ck_assert_int_eq(rv_sitepool_parse_votes("[\"a 1\"]", out, 4), -1);
	ck_assert_int_eq(rv_sitepool_parse_votes("{\"votes\":\"a 1\"}", out, 4), -1);
	ck_assert_int_eq(rv_sitepool_parse_votes("{\"votes\":null}", out, 4), -1);
	/* an empty list is a list */
	ck_assert_int_eq(rv_sitepool_parse_votes("{\"votes\":[]}", out, 4), 0);
	/* what is not a string is skipped; control bytes made harmless; long
	 * strings cut; no more than asked for */
	ck_assert_int_eq(rv_sitepool_parse_votes("{\"votes\":[1,{},null,\"x\\u0007\\ny\","
						 "\"0123456789012345678901234567890123456789"
						 "0123456789012345678901234567890\",\"c\","
						 "\"d\",\"e\"]}", out, 3), 3);
	ck_assert_str_eq(out[0], "x?");
	ck_assert_uint_eq(strlen(out[1]), 63);
	ck_assert_str_eq(out[2], "c");
}
END_TEST

START_TEST(no_pool_no_probes)
{
	struct rv_config cfg;
	struct rv_sitepool sp;
	json_object *o, *v;

	memset(&cfg, 0, sizeof(cfg));
	rv_sitepool_init(&sp, NULL, &cfg);
	rv_sitepool_active(&sp, 1); /* nothing to start: no loop is touched */
	ck_assert_int_eq(sp.armed, 0);
	o = rv_sitepool_json(&sp);
	ck_assert(json_object_object_get_ex(o, "configured", &v));
	ck_assert(!json_object_get_boolean(v));
	ck_assert_int_eq(json_object_object_length(o), 1);
	json_object_put(o);
	rv_sitepool_fini(&sp);
	rv_sitepool_fini(&sp);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sitepool");
	TCase *t = tcase_create("sitepool");
	SRunner *sr;
	int failed;

	tcase_add_test(t, votes_parsed_defensively);
	tcase_add_test(t, no_pool_no_probes);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
