/*
 * check_ocf.c — unit tests for agent/daemon/ocf.c: OCF agents run from a
 * real qb_loop, the test agent in tests/unit/agents (an OCF root of its own)
 * and the real ocf:heartbeat:Dummy of resource-agents.
 *
 * Every test runs its own loop under a safety timer; no test sleeps.
 */
#include "autoconf.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <qb/qbdefs.h>
#include <qb/qbloop.h>

#include "child.h"
#include "loop_harness.h"
#include "ocf.h"
#include "util.h"

#define SAFETY_MS 5000
#define harness_init(h) harness_start((h), SAFETY_MS, 1)
#define TEST_OCF_ROOT SRCDIR "/agents"
#define SYSTEM_OCF_ROOT "/usr/lib/ocf"

struct outcome {
	struct harness *h;
	int calls;
	enum rv_ocf_status status;
	int rc;
	int raw_exit;
	char reason[RV_OCF_REASON_MAX];
	char *output;
	uint64_t started_ms;
	uint64_t elapsed_ms;
};

static void
on_done(void *data, const struct rv_ocf_result *res)
{
	struct outcome *o = data;

	o->calls++;
	o->status = res->status;
	o->rc = res->rc;
	o->raw_exit = res->raw_exit;
	memcpy(o->reason, res->exit_reason, sizeof(o->reason));
	free(o->output);
	o->output = strdup(res->output);
	ck_assert_ptr_nonnull(o->output);
	o->elapsed_ms = rv_now_ms() - o->started_ms;
	if (--o->h->pending == 0)
		qb_loop_stop(o->h->loop);
}

static void
outcome_free(struct outcome *o)
{
	free(o->output);
	o->output = NULL;
}

static void
req_init(struct rv_ocf_request *r, const char *type, const char *action)
{
	memset(r, 0, sizeof(*r));
	r->ocf_root = TEST_OCF_ROOT;
	r->provider = "test";
	r->type = type;
	r->instance = "probe-1";
	r->action = action;
	r->timeout_ms = 5000;
}

/* Start an action; done must not have run when rv_ocf_run returns. */
static int
start(struct harness *h, struct outcome *o, const struct rv_ocf_request *r,
      struct rv_ocf_action **ap)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->h = h;
	o->started_ms = rv_now_ms();
	rc = rv_ocf_run(h->loop, r, on_done, o, ap);
	ck_assert_int_eq(o->calls, 0);
	if (rc == 0)
		h->pending++;
	return rc;
}

/* Run one action to completion in a loop of its own. */
static void
run_one(struct outcome *o, const struct rv_ocf_request *r)
{
	struct harness h;

	harness_init(&h);
	ck_assert_int_eq(start(&h, o, r, NULL), 0);
	harness_run(&h);
	harness_fini(&h);
	ck_assert_int_eq(o->calls, 1);
}

/* Whether the env output holds exactly this line. */
static int
env_has(const char *out, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = out; (p = strstr(p, line)) != NULL; p++) {
		if ((p == out || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return 1;
	}
	return 0;
}

START_TEST(spec_codes_pass_through)
{
	static const int codes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 190, 191 };
	enum { N = sizeof(codes) / sizeof(codes[0]) };
	struct harness h;
	struct outcome o[N];
	struct rv_ocf_request r;
	struct rv_param p[N];
	char name[] = "rc";
	char values[N][8];
	size_t i;

	/* all at once, in one loop: each gets its own answer */
	harness_init(&h);
	for (i = 0; i < N; i++) {
		snprintf(values[i], sizeof(values[i]), "%d", codes[i]);
		p[i].name = name;
		p[i].value = values[i];
		req_init(&r, "probe", "exit-code");
		r.params = &p[i];
		r.n_params = 1;
		ck_assert_int_eq(start(&h, &o[i], &r, NULL), 0);
	}
	ck_assert_uint_eq(rv_child_count(), N);
	harness_run(&h);
	harness_fini(&h);
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(o[i].calls, 1);
		ck_assert_int_eq(o[i].status, RV_OCF_DONE);
		ck_assert_int_eq(o[i].rc, codes[i]);
		ck_assert_int_eq(o[i].raw_exit, codes[i]);
		ck_assert_str_eq(o[i].reason, "");
		outcome_free(&o[i]);
	}
}
END_TEST

START_TEST(out_of_spec_code_is_generic)
{
	struct outcome o;
	struct rv_ocf_request r;
	char name[] = "rc", value[] = "42";
	struct rv_param p = { name, value };

	req_init(&r, "probe", "exit-code");
	r.params = &p;
	r.n_params = 1;
	run_one(&o, &r);
	ck_assert_int_eq(o.status, RV_OCF_DONE);
	ck_assert_int_eq(o.rc, OCF_ERR_GENERIC);
	ck_assert_int_eq(o.raw_exit, 42);
	outcome_free(&o);
}
END_TEST

START_TEST(map_and_names)
{
	ck_assert_int_eq(rv_ocf_map_exit(0), OCF_SUCCESS);
	ck_assert_int_eq(rv_ocf_map_exit(7), OCF_NOT_RUNNING);
	ck_assert_int_eq(rv_ocf_map_exit(191), OCF_DEGRADED_PROMOTED);
	ck_assert_int_eq(rv_ocf_map_exit(10), OCF_ERR_GENERIC);
	ck_assert_int_eq(rv_ocf_map_exit(189), OCF_ERR_GENERIC);
	ck_assert_int_eq(rv_ocf_map_exit(-1), OCF_ERR_GENERIC);
	ck_assert_int_eq(rv_ocf_map_exit(255), OCF_ERR_GENERIC);
	ck_assert_str_eq(rv_ocf_rc_name(OCF_SUCCESS), "success");
	ck_assert_str_eq(rv_ocf_rc_name(OCF_NOT_RUNNING), "not running");
	ck_assert_str_eq(rv_ocf_rc_name(OCF_ERR_GENERIC), "generic error");
	ck_assert_str_eq(rv_ocf_rc_name(OCF_ERR_INSTALLED), "not installed");
	ck_assert_str_eq(rv_ocf_rc_name(42), "unknown");
}
END_TEST

START_TEST(exit_reason_last_wins)
{
	struct outcome o;
	struct rv_ocf_request r;

	req_init(&r, "probe", "reasons");
	run_one(&o, &r);
	ck_assert_int_eq(o.status, RV_OCF_DONE);
	ck_assert_int_eq(o.rc, OCF_ERR_CONFIGURED);
	ck_assert_str_eq(o.reason, "the configuration lacks a key");
	outcome_free(&o);
}
END_TEST

START_TEST(exit_reason_truncated)
{
	struct outcome o;
	struct rv_ocf_request r;
	char name[] = "reason";
	char value[400];
	struct rv_param p = { name, value };

	memset(value, 'r', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	req_init(&r, "probe", "reasons");
	r.params = &p;
	r.n_params = 1;
	run_one(&o, &r);
	ck_assert_uint_eq(strlen(o.reason), RV_OCF_REASON_MAX - 1);
	ck_assert_int_eq(o.reason[0], 'r');
	outcome_free(&o);
}
END_TEST

START_TEST(environment_of_the_agent)
{
	struct outcome o;
	struct rv_ocf_request r;
	char n1[] = "ip", v1[] = "192.0.2.10";
	char n2[] = "label", v2[] = "two words";
	struct rv_param p[] = { { n1, v1 }, { n2, v2 } };
	const char *line;

	ck_assert_int_eq(setenv("RELEVO_TEST_LEAK", "must-not-appear", 1), 0);
	req_init(&r, "probe", "monitor");
	r.instance = "vip";
	r.params = p;
	r.n_params = 2;
	r.timeout_ms = 20000;
	r.interval_ms = 10000;
	r.check_level = 10;
	run_one(&o, &r);
	ck_assert_int_eq(o.rc, OCF_SUCCESS);
	ck_assert(env_has(o.output, "OCF_ROOT=" TEST_OCF_ROOT));
	ck_assert(env_has(o.output, "OCF_RA_VERSION_MAJOR=1"));
	ck_assert(env_has(o.output, "OCF_RA_VERSION_MINOR=1"));
	ck_assert(env_has(o.output, "OCF_RESOURCE_INSTANCE=vip"));
	ck_assert(env_has(o.output, "OCF_RESOURCE_TYPE=probe"));
	ck_assert(env_has(o.output, "OCF_RESOURCE_PROVIDER=test"));
	ck_assert(env_has(o.output, "OCF_RESKEY_ip=192.0.2.10"));
	ck_assert(env_has(o.output, "OCF_RESKEY_label=two words"));
	ck_assert(env_has(o.output, "OCF_RESKEY_CRM_meta_timeout=20000"));
	ck_assert(env_has(o.output, "OCF_RESKEY_CRM_meta_interval=10000"));
	ck_assert(env_has(o.output, "OCF_CHECK_LEVEL=10"));
	ck_assert(env_has(o.output, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"));
	ck_assert(env_has(o.output, "LANG=C.UTF-8"));
	ck_assert(env_has(o.output, "HA_LOGFACILITY=daemon"));
	ck_assert(env_has(o.output, "HA_LOGTAG=relevod"));
	ck_assert(env_has(o.output, "HA_debug=0"));
	ck_assert_ptr_null(strstr(o.output, "RELEVO_TEST_LEAK"));
	ck_assert_ptr_null(strstr(o.output, "OCF_TRACE_RA"));
	/* nothing else but what sh adds itself (PWD) */
	for (line = o.output; *line != '\0'; line = strchr(line, '\n') + 1) {
		ck_assert_msg(strncmp(line, "OCF_", 4) == 0 || strncmp(line, "HA_", 3) == 0 ||
			      strncmp(line, "PATH=", 5) == 0 || strncmp(line, "LANG=", 5) == 0 ||
			      strncmp(line, "PWD=", 4) == 0,
			      "unexpected variable: %.40s", line);
		ck_assert_ptr_nonnull(strchr(line, '\n'));
	}
	outcome_free(&o);

	/* OCF_CHECK_LEVEL is for monitors only */
	req_init(&r, "probe", "env");
	run_one(&o, &r);
	ck_assert(env_has(o.output, "OCF_RESKEY_CRM_meta_timeout=5000"));
	ck_assert(env_has(o.output, "OCF_RESKEY_CRM_meta_interval=0"));
	ck_assert_ptr_null(strstr(o.output, "OCF_CHECK_LEVEL"));
	outcome_free(&o);
	unsetenv("RELEVO_TEST_LEAK");
}
END_TEST

START_TEST(timeout_is_generic)
{
	struct outcome o;
	struct rv_ocf_request r;

	req_init(&r, "probe", "hang");
	r.timeout_ms = 300;
	run_one(&o, &r);
	ck_assert_int_eq(o.status, RV_OCF_TIMEOUT);
	ck_assert_int_eq(o.rc, OCF_ERR_GENERIC);
	ck_assert_int_eq(o.raw_exit, -1);
	ck_assert_uint_ge(o.elapsed_ms, 300);
	ck_assert_uint_lt(o.elapsed_ms, 300 + 700);
	outcome_free(&o);
}
END_TEST

START_TEST(agent_missing_or_not_executable)
{
	struct outcome o;
	struct rv_ocf_request r;

	req_init(&r, "absent", "start");
	run_one(&o, &r);
	ck_assert_int_eq(o.status, RV_OCF_EXEC_FAILED);
	ck_assert_int_eq(o.rc, OCF_ERR_INSTALLED);
	ck_assert_int_eq(o.raw_exit, -1);
	outcome_free(&o);

	req_init(&r, "noexec", "start");
	run_one(&o, &r);
	ck_assert_int_eq(o.status, RV_OCF_EXEC_FAILED);
	ck_assert_int_eq(o.rc, OCF_ERR_PERM);
	outcome_free(&o);
}
END_TEST

START_TEST(bad_requests_refused)
{
	static const char *const bad[] = { "a/b", "/abs", "..", ".hidden", "", "x/" };
	struct harness h;
	struct outcome o;
	struct rv_ocf_request r;
	struct rv_ocf_action *a;
	char good_name[] = "ip", eq_name[] = "a=b", meta_name[] = "CRM_meta_timeout";
	char value[] = "1";
	struct rv_param p = { good_name, value };
	size_t i;

	harness_init(&h);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		req_init(&r, "probe", "start");
		r.provider = bad[i];
		a = (struct rv_ocf_action *)&o; /* must be cleared */
		ck_assert_int_eq(start(&h, &o, &r, &a), -EINVAL);
		ck_assert_ptr_null(a);
		req_init(&r, bad[i], "start");
		ck_assert_int_eq(start(&h, &o, &r, NULL), -EINVAL);
	}
	req_init(&r, "probe", "start");
	r.ocf_root = "relative/ocf";
	ck_assert_int_eq(start(&h, &o, &r, NULL), -EINVAL);
	req_init(&r, "probe", "");
	ck_assert_int_eq(start(&h, &o, &r, NULL), -EINVAL);
	req_init(&r, "probe", "start");
	r.params = &p;
	r.n_params = 1;
	p.name = eq_name;
	ck_assert_int_eq(start(&h, &o, &r, NULL), -EINVAL);
	p.name = meta_name;
	ck_assert_int_eq(start(&h, &o, &r, NULL), -EINVAL);
	ck_assert_uint_eq(rv_child_count(), 0);
	harness_fini(&h);
}
END_TEST

START_TEST(meta_data_output)
{
	struct outcome o;
	struct rv_ocf_request r;

	req_init(&r, "probe", "meta-data");
	r.instance = NULL;
	run_one(&o, &r);
	ck_assert_int_eq(o.rc, OCF_SUCCESS);
	ck_assert_ptr_nonnull(strstr(o.output, "<resource-agent name=\"probe\""));
	ck_assert_ptr_nonnull(strstr(o.output, "</resource-agent>\n"));
	outcome_free(&o);
}
END_TEST

static void
stop_loop(void *data)
{
	qb_loop_stop(data);
}

START_TEST(cancel_without_done)
{
	struct harness h;
	struct outcome o;
	struct rv_ocf_request r;
	struct rv_ocf_action *a = NULL;
	qb_loop_timer_handle th;

	harness_init(&h);
	req_init(&r, "probe", "hang");
	ck_assert_int_eq(start(&h, &o, &r, &a), 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(qb_loop_timer_add(h.loop, QB_LOOP_LOW,
					   100 * QB_TIME_NS_IN_MSEC, h.loop,
					   stop_loop, &th), 0);
	qb_loop_run(h.loop);
	rv_ocf_cancel(a);
	rv_ocf_cancel(NULL);
	h.pending--;
	ck_assert_int_eq(qb_loop_timer_add(h.loop, QB_LOOP_LOW,
					   300 * QB_TIME_NS_IN_MSEC, h.loop,
					   stop_loop, &th), 0);
	qb_loop_run(h.loop);
	ck_assert_int_eq(o.calls, 0);
	harness_fini(&h); /* and no child left */
}
END_TEST

START_TEST(heartbeat_dummy_lifecycle)
{
	static const struct {
		const char *action;
		int rc;
	} steps[] = {
		{ "monitor", OCF_NOT_RUNNING },
		{ "start", OCF_SUCCESS },
		{ "monitor", OCF_SUCCESS },
		{ "stop", OCF_SUCCESS },
		{ "monitor", OCF_NOT_RUNNING },
	};
	char dir[] = "/tmp/relevo-check-ocf-XXXXXX";
	char state[64];
	char name[] = "state";
	struct rv_param p = { name, state };
	struct rv_ocf_request r;
	struct outcome o;
	size_t i;

	if (access(SYSTEM_OCF_ROOT "/resource.d/heartbeat/Dummy", X_OK) != 0) {
		/* resource-agents is a dependency of the build: say so loudly */
		ck_abort_msg("ocf:heartbeat:Dummy not found under " SYSTEM_OCF_ROOT);
	}
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(state, sizeof(state), "%s/Dummy.state", dir);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.ocf_root = SYSTEM_OCF_ROOT;
		r.provider = "heartbeat";
		r.type = "Dummy";
		r.instance = "relevo-check";
		r.action = steps[i].action;
		r.params = &p;
		r.n_params = 1;
		r.timeout_ms = 4000;
		run_one(&o, &r);
		ck_assert_msg(o.status == RV_OCF_DONE && o.rc == steps[i].rc,
			      "step %zu (%s): status %d rc %d (%s), reason \"%s\"",
			      i, steps[i].action, o.status, o.rc,
			      rv_ocf_rc_name(o.rc), o.reason);
		ck_assert_int_eq(access(state, F_OK) == 0,
				 strcmp(steps[i].action, "start") == 0 ||
				 (strcmp(steps[i].action, "monitor") == 0 &&
				  steps[i].rc == OCF_SUCCESS));
		outcome_free(&o);
	}
	(void)unlink(state);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static Suite *
ocf_suite(void)
{
	Suite *s = suite_create("ocf");
	TCase *codes = tcase_create("codes");
	TCase *agent = tcase_create("agent");

	tcase_add_test(codes, spec_codes_pass_through);
	tcase_add_test(codes, out_of_spec_code_is_generic);
	tcase_add_test(codes, map_and_names);
	tcase_add_test(codes, exit_reason_last_wins);
	tcase_add_test(codes, exit_reason_truncated);
	suite_add_tcase(s, codes);

	tcase_add_test(agent, environment_of_the_agent);
	tcase_add_test(agent, timeout_is_generic);
	tcase_add_test(agent, agent_missing_or_not_executable);
	tcase_add_test(agent, bad_requests_refused);
	tcase_add_test(agent, meta_data_output);
	tcase_add_test(agent, cancel_without_done);
	tcase_add_test(agent, heartbeat_dummy_lifecycle);
	tcase_set_timeout(agent, 10);
	suite_add_tcase(s, agent);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ocf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
