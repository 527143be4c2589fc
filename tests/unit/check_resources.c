/*
 * check_resources.c — unit tests for agent/daemon/resources.c: the ordered
 * resource group, run against the test agent ocf:test:scripted
 * (tests/unit/agents) from a real qb_loop.
 *
 * Each test writes a relevo.conf with three resources a, b, c into a
 * directory of its own; the agent takes its orders from files there and
 * logs every call to it, so a test asserts the exact order of the actions
 * the group ran as well as what the group reported through its ops. Waits
 * are loop runs under a safety timer; no test sleeps.
 */
#include "autoconf.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <qb/qbdefs.h>
#include <qb/qblog.h>
#include <qb/qbloop.h>

#include "child.h"
#include "config.h"
#include "ocf.h"
#include "resources.h"
#include "types.h"
#include "util.h"

#define SAFETY_MS 5000
#define POLL_MS 20
#define TEST_OCF_ROOT SRCDIR "/agents"
#define N_RES 3
#define TEXT_MAX 4096

struct rig;
typedef int (*cond_fn)(struct rig *r);

/* One group over a, b, c, and what it reported. */
struct rig {
	qb_loop_t *loop;
	char dir[64];
	struct rv_config *cfg;
	struct rv_group g;
	unsigned probed, started, start_failed, stopped, stop_failed, failed;
	int holds, rolled_back;
	size_t failed_idx;
	size_t up[16];
	size_t n_up;
	char why[512];
	/* the wait in progress */
	cond_fn until;
	const char *want;       /* for the log conditions */
	uint64_t deadline_ms;   /* for time_passed */
	int expired;
	qb_loop_timer_handle safety, poll;
};

/* ------------------------------------------------------------ the agent's files */

static void
path_of(const struct rig *r, const char *name, char *buf, size_t len)
{
	ck_assert_int_lt(snprintf(buf, len, "%s/%s", r->dir, name), (int)len);
}

/* Write a control file of the agent, e.g. put(r, "b.fail-start", "1"). */
static void
put(const struct rig *r, const char *name, const char *text)
{
	char path[128];
	FILE *f;

	path_of(r, name, path, sizeof(path));
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fprintf(f, "%s\n", text), 0);
	ck_assert_int_eq(fclose(f), 0);
}

static void
drop(const struct rig *r, const char *name)
{
	char path[128];

	path_of(r, name, path, sizeof(path));
	ck_assert(unlink(path) == 0 || errno == ENOENT);
}

static int
exists(const struct rig *r, const char *name)
{
	char path[128];

	path_of(r, name, path, sizeof(path));
	return access(path, F_OK) == 0;
}

/* The agent's log as "a start, b start", monitors left out unless asked
 * for (recurring monitors of the three interleave as they please). */
static const char *
actions(const struct rig *r, int with_monitors)
{
	static char out[TEXT_MAX];
	char path[128], line[64];
	size_t len = 0;
	FILE *f;

	out[0] = '\0';
	path_of(r, "log", path, sizeof(path));
	f = fopen(path, "r");
	if (f == NULL)
		return out;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (!with_monitors && strstr(line, " monitor") != NULL)
			continue;
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s",
					len > 0 ? ", " : "", line);
		ck_assert_uint_lt(len, sizeof(out));
	}
	fclose(f);
	return out;
}

/* How often "c monitor" (say) is in the log after the last "c start". */
static unsigned
count_after(const struct rig *r, const char *mark, const char *what)
{
	const char *log = actions(r, 1), *p, *from = log;
	size_t n = strlen(what);
	unsigned count = 0;

	if (mark != NULL) {
		for (p = log; (p = strstr(p, mark)) != NULL; p++)
			from = p + strlen(mark);
		if (from == log)
			return 0;
	}
	for (p = from; (p = strstr(p, what)) != NULL; p += n) {
		if ((p == log || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			count++;
	}
	return count;
}

static void
log_clear(const struct rig *r)
{
	char path[128];

	path_of(r, "log", path, sizeof(path));
	ck_assert_int_eq(truncate(path, 0), 0);
}

/* ------------------------------------------------------------ waiting */

static void
rig_check(struct rig *r)
{
	if (r->until != NULL && r->until(r))
		qb_loop_stop(r->loop);
}

static void
safety_expired(void *data)
{
	struct rig *r = data;

	r->safety = 0;
	r->expired = 1;
	qb_loop_stop(r->loop);
}

static void
poll_timer(void *data)
{
	struct rig *r = data;

	r->poll = 0;
	ck_assert_int_eq(qb_loop_timer_add(r->loop, QB_LOOP_LOW, POLL_MS * QB_TIME_NS_IN_MSEC,
					   r, poll_timer, &r->poll), 0);
	rig_check(r);
}

/* Run the loop until cond holds; fail the test after SAFETY_MS. */
static void
rig_wait(struct rig *r, cond_fn cond, const char *what)
{
	r->until = cond;
	r->expired = 0;
	if (!cond(r)) {
		ck_assert_int_eq(qb_loop_timer_add(r->loop, QB_LOOP_LOW,
						   SAFETY_MS * QB_TIME_NS_IN_MSEC, r,
						   safety_expired, &r->safety), 0);
		ck_assert_int_eq(qb_loop_timer_add(r->loop, QB_LOOP_LOW,
						   POLL_MS * QB_TIME_NS_IN_MSEC, r,
						   poll_timer, &r->poll), 0);
		qb_loop_run(r->loop);
		if (r->safety != 0)
			(void)qb_loop_timer_del(r->loop, r->safety);
		if (r->poll != 0)
			(void)qb_loop_timer_del(r->loop, r->poll);
		r->safety = r->poll = 0;
	}
	r->until = NULL;
	ck_assert_msg(!r->expired, "waited %d ms for %s; the agent's log: %s", SAFETY_MS,
		      what, actions(r, 1));
}

static int
was_probed(struct rig *r)
{
	return r->probed > 0;
}

static int
was_started(struct rig *r)
{
	return r->started > 0;
}

static int
start_was_failed(struct rig *r)
{
	return r->start_failed > 0;
}

static int
was_stopped(struct rig *r)
{
	return r->stopped > 0;
}

static int
stop_was_failed(struct rig *r)
{
	return r->stop_failed > 0;
}

static int
was_failed(struct rig *r)
{
	return r->failed > 0;
}

static int
no_children(struct rig *r)
{
	(void)r;
	return rv_child_count() == 0;
}

static int
time_passed(struct rig *r)
{
	return rv_now_ms() >= r->deadline_ms;
}

/* The group is idle and its starts and stops are r->want. */
static int
restarted(struct rig *r)
{
	return r->g.op == RV_GROUP_IDLE && strcmp(actions(r, 0), r->want) == 0;
}

/* The same, and c was monitored again since its last start: the recovery
 * is over and the monitors go on. */
static int
recovered(struct rig *r)
{
	return restarted(r) && count_after(r, "c start", "c monitor") > 0;
}

/* Every resource was monitored at least once. */
static int
all_monitored(struct rig *r)
{
	return count_after(r, NULL, "a monitor") > 0 && count_after(r, NULL, "b monitor") > 0 &&
	       count_after(r, NULL, "c monitor") > 0;
}

/* ------------------------------------------------------------ recording ops */

static void
op_probed(void *data, int holds)
{
	struct rig *r = data;

	r->probed++;
	r->holds = holds;
	rig_check(r);
}

static void
op_started(void *data)
{
	struct rig *r = data;

	r->started++;
	rig_check(r);
}

static void
op_start_failed(void *data, int rolled_back, const char *why)
{
	struct rig *r = data;

	r->start_failed++;
	r->rolled_back = rolled_back;
	snprintf(r->why, sizeof(r->why), "%s", why);
	rig_check(r);
}

static void
op_stopped(void *data)
{
	struct rig *r = data;

	r->stopped++;
	rig_check(r);
}

static void
op_stop_failed(void *data, const char *why)
{
	struct rig *r = data;

	r->stop_failed++;
	snprintf(r->why, sizeof(r->why), "%s", why);
	rig_check(r);
}

static void
op_resource_up(void *data, size_t idx)
{
	struct rig *r = data;

	ck_assert_uint_lt(r->n_up, sizeof(r->up) / sizeof(r->up[0]));
	r->up[r->n_up++] = idx;
	rig_check(r);
}

static void
op_failed(void *data, size_t idx, const char *why)
{
	struct rig *r = data;

	r->failed++;
	r->failed_idx = idx;
	snprintf(r->why, sizeof(r->why), "%s", why);
	rig_check(r);
}

static const struct rv_group_ops recording_ops = {
	.probed = op_probed,
	.started = op_started,
	.start_failed = op_start_failed,
	.stopped = op_stopped,
	.stop_failed = op_stop_failed,
	.resource_up = op_resource_up,
	.failed = op_failed,
};

/* ------------------------------------------------------------ set-up */

/* A directory, a relevo.conf in it and a group over a, b, c, all with the
 * same timeouts of 2s but start_timeout, monitor_interval and threshold. */
static void
rig_init(struct rig *r, const char *start_timeout, const char *monitor_interval,
	 unsigned threshold)
{
	static const char *const names[N_RES] = { "a", "b", "c" };
	char path[128];
	char *errs = NULL;
	FILE *f;
	size_t i;
	int rc;

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/relevo-check-res-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(r->dir));
	path_of(r, "relevo.conf", path, sizeof(path));
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "[site]\nname = check\nfencing = off\n"
		"[node n1]\nid = 1\n[node n2]\nid = 2\n"
		"[daemon]\nocf-root = %s\nstate-dir = %s\n", TEST_OCF_ROOT, r->dir);
	/* a and c drain before a handover (for at most 1s), b does not */
	for (i = 0; i < N_RES; i++)
		fprintf(f, "[resource %s]\nagent = ocf:test:scripted\nparam.dir = %s\n"
			"start-timeout = %s\nstop-timeout = 2s\nmonitor-timeout = 2s\n"
			"monitor-interval = %s\nmigration-threshold = %u\n"
			"drain-timeout = %s\n",
			names[i], r->dir, start_timeout, monitor_interval, threshold,
			i == 1 ? "0" : "1s");
	ck_assert_int_eq(fclose(f), 0);
	rc = rv_config_load(path, &r->cfg, &errs);
	ck_assert_msg(rc == 0, "%s: %s", path, errs != NULL ? errs : strerror(-rc));
	free(errs);
	ck_assert_uint_eq(r->cfg->n_resources, N_RES);

	r->loop = qb_loop_create();
	ck_assert_ptr_nonnull(r->loop);
	ck_assert_int_eq(rv_group_init(&r->g, r->loop, r->cfg, &recording_ops, r), 0);
	ck_assert_uint_eq(r->g.n, N_RES);
}

/* Cancel what runs, let the loop reap it, remove the directory. */
static void
rig_fini(struct rig *r)
{
	DIR *d;
	struct dirent *e;
	char path[128];

	rv_group_fini(&r->g);
	rv_group_fini(&r->g); /* twice is harmless */
	rig_wait(r, no_children, "the cancelled agents to be reaped");
	qb_loop_destroy(r->loop);
	r->loop = NULL;
	rv_config_free(r->cfg);
	r->cfg = NULL;
	d = opendir(r->dir);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		path_of(r, e->d_name, path, sizeof(path));
		ck_assert_int_eq(unlink(path), 0);
	}
	closedir(d);
	ck_assert_int_eq(rmdir(r->dir), 0);
}

/* Start the group, check it started, and forget the start's log. */
static void
rig_start(struct rig *r)
{
	rv_group_start(&r->g);
	rig_wait(r, was_started, "the group to start");
	ck_assert_str_eq(actions(r, 1), "a start, b start, c start");
	r->started = 0;
	r->n_up = 0;
	log_clear(r);
}

static const char *
state_of(const struct rig *r, size_t i)
{
	return rv_res_state_name(r->g.res[i].state);
}

/* ------------------------------------------------------------ probe */

START_TEST(probe_nothing_running)
{
	struct rig r;

	rig_init(&r, "2s", "0", 3);
	rv_group_probe(&r.g);
	ck_assert_uint_eq(r.probed, 0); /* never from inside the call */
	rig_wait(&r, was_probed, "the probe");
	ck_assert_uint_eq(r.probed, 1);
	ck_assert_int_eq(r.holds, 0);
	ck_assert_str_eq(actions(&r, 1), "a monitor, b monitor, c monitor");
	ck_assert_str_eq(state_of(&r, 0), "stopped");
	ck_assert_str_eq(state_of(&r, 1), "stopped");
	ck_assert_str_eq(state_of(&r, 2), "stopped");
	ck_assert_int_eq(r.g.op, RV_GROUP_IDLE);
	ck_assert_uint_eq(r.started + r.stopped + r.failed + r.n_up, 0);
	rig_fini(&r);
}
END_TEST

START_TEST(probe_finds_b_running)
{
	struct rig r;

	rig_init(&r, "2s", "0", 3);
	put(&r, "b.state", "");
	rv_group_probe(&r.g);
	rig_wait(&r, was_probed, "the probe");
	ck_assert_int_eq(r.holds, 1);
	ck_assert_str_eq(actions(&r, 1), "a monitor, b monitor, c monitor");
	ck_assert_str_eq(state_of(&r, 0), "stopped");
	ck_assert_str_eq(state_of(&r, 1), "started");
	ck_assert_str_eq(state_of(&r, 2), "stopped");
	rig_fini(&r);
}
END_TEST

/* A probe that cannot tell must count as "may be running": the site must
 * not be started on the peer while a runs here. */
START_TEST(probe_error_may_be_running)
{
	struct rig r;

	rig_init(&r, "2s", "0", 3);
	put(&r, "a.fail-monitor", "1");
	rv_group_probe(&r.g);
	rig_wait(&r, was_probed, "the probe");
	ck_assert_int_eq(r.holds, 1);
	ck_assert_str_eq(actions(&r, 1), "a monitor, b monitor, c monitor");
	ck_assert_str_eq(state_of(&r, 0), "failed");
	ck_assert_str_eq(r.g.res[0].last_reason, "a monitor failed as told (exit 1)");
	ck_assert_str_eq(state_of(&r, 1), "stopped");
	ck_assert_str_eq(state_of(&r, 2), "stopped");
	rig_fini(&r);
}
END_TEST

/* ------------------------------------------------------------ start */

START_TEST(start_in_order)
{
	struct rig r;
	size_t i;

	rig_init(&r, "2s", "0", 3);
	ck_assert_int_eq(rv_group_health(&r.g), RV_HEALTH_UNKNOWN);
	rv_group_start(&r.g);
	rig_wait(&r, was_started, "the group to start");
	ck_assert_str_eq(actions(&r, 1), "a start, b start, c start");
	ck_assert_uint_eq(r.started, 1);
	ck_assert_uint_eq(r.n_up, N_RES);
	for (i = 0; i < N_RES; i++) {
		ck_assert_uint_eq(r.up[i], i);
		ck_assert_str_eq(state_of(&r, i), "started");
		ck_assert_int_eq(r.g.res[i].health, RV_HEALTH_OK);
	}
	ck_assert(exists(&r, "a.state") && exists(&r, "b.state") && exists(&r, "c.state"));
	ck_assert_uint_eq(r.start_failed + r.stopped + r.failed, 0);
	ck_assert_int_eq(rv_group_health(&r.g), RV_HEALTH_OK);
	rig_fini(&r);
}
END_TEST

START_TEST(start_failure_rolls_back)
{
	struct rig r;

	rig_init(&r, "2s", "0", 3);
	put(&r, "b.fail-start", "1");
	rv_group_start(&r.g);
	rig_wait(&r, start_was_failed, "the start to fail");
	/* from the failed one (half started, maybe) back to the first */
	ck_assert_str_eq(actions(&r, 1), "a start, b start, b stop, a stop");
	ck_assert_uint_eq(r.start_failed, 1);
	ck_assert_int_eq(r.rolled_back, 1);
	ck_assert_uint_eq(r.started, 0);
	ck_assert_uint_eq(r.n_up, 1);
	ck_assert_uint_eq(r.up[0], 0);
	ck_assert_str_eq(state_of(&r, 0), "stopped");
	ck_assert_str_eq(state_of(&r, 1), "stopped");
	ck_assert_str_eq(state_of(&r, 2), "unknown"); /* never touched */
	ck_assert(!exists(&r, "a.state") && !exists(&r, "b.state") && !exists(&r, "c.state"));
	ck_assert_int_eq(r.g.op, RV_GROUP_IDLE);
	rig_fini(&r);
}
END_TEST

/* Nothing below a stop that failed may be stopped: a runs on under b. */
START_TEST(start_failure_then_stop_failure)
{
	struct rig r;

	rig_init(&r, "2s", "0", 3);
	put(&r, "b.fail-start", "1");
	put(&r, "b.fail-stop", "1");
	rv_group_start(&r.g);
	rig_wait(&r, start_was_failed, "the start to fail");
	ck_assert_str_eq(actions(&r, 1), "a start, b start, b stop");
	ck_assert_uint_eq(r.start_failed, 1);
	ck_assert_int_eq(r.rolled_back, 0);
	ck_assert_str_eq(r.why, "b failed to stop: b stop failed as told (exit 1)");
	ck_assert_str_eq(state_of(&r, 0), "started");
	ck_assert(exists(&r, "a.state"));
	ck_assert_str_eq(state_of(&r, 1), "stop-failed");
	ck_assert_int_eq(rv_group_health(&r.g), RV_HEALTH_FAILED);
	rig_fini(&r);
}
END_TEST

START_TEST(start_timeout_rolls_back)
{
	struct rig r;
	uint64_t t0;

	rig_init(&r, "1s", "0", 3);
	put(&r, "c.hang-start", "");
	t0 = rv_now_ms();
	rv_group_start(&r.g);
	rig_wait(&r, start_was_failed, "the start to time out");
	ck_assert_uint_ge(rv_now_ms() - t0, 1000);
	ck_assert_str_eq(actions(&r, 1), "a start, b start, c start, c stop, b stop, a stop");
	ck_assert_int_eq(r.rolled_back, 1);
	ck_assert_uint_eq(r.n_up, 2);
	ck_assert_str_eq(state_of(&r, 0), "stopped");
	ck_assert_str_eq(state_of(&r, 1), "stopped");
	ck_assert_str_eq(state_of(&r, 2), "stopped");
	rig_fini(&r);
}
END_TEST

/* ------------------------------------------------------------ stop */

START_TEST(stop_in_reverse)
{
	struct rig r;

	rig_init(&r, "2s", "0", 3);
	rig_start(&r);
	rv_group_stop(&r.g, 0);
	rig_wait(&r, was_stopped, "the group to stop");
	ck_assert_str_eq(actions(&r, 1), "c stop, b stop, a stop");
	ck_assert_uint_eq(r.stopped, 1);
	ck_assert_uint_eq(r.stop_failed, 0);
	ck_assert_str_eq(state_of(&r, 0), "stopped");
	ck_assert_str_eq(state_of(&r, 1), "stopped");
	ck_assert_str_eq(state_of(&r, 2), "stopped");
	ck_assert(!exists(&r, "a.state") && !exists(&r, "b.state") && !exists(&r, "c.state"));
	ck_assert_int_eq(rv_group_health(&r.g), RV_HEALTH_UNKNOWN);
	rig_fini(&r);
}
END_TEST

/* A handover's stop: a and c drain, last first, then all stop in reverse. */
START_TEST(drain_then_stop)
{
	struct rig r;

	rig_init(&r, "2s", "0", 3);
	rig_start(&r);
	rv_group_stop(&r.g, 1);
	rig_wait(&r, was_stopped, "the group to drain and stop");
	ck_assert_str_eq(actions(&r, 1), "c drain, a drain, c stop, b stop, a stop");
	ck_assert_uint_eq(r.stopped, 1);
	ck_assert_uint_eq(r.stop_failed, 0);
	ck_assert(!exists(&r, "a.state") && !exists(&r, "b.state") && !exists(&r, "c.state"));
	/* nothing drains any more: cutting it short changes nothing */
	rv_group_end_drain(&r.g, "test: too late");
	ck_assert_int_eq(r.g.op, RV_GROUP_IDLE);
	ck_assert_uint_eq(r.stopped, 1);
	rig_fini(&r);
}
END_TEST

/* A drain that fails, or hangs past its drain-timeout (c's would sleep a
 * minute, past the rig's safety timer), never holds the site: the stop
 * goes on. */
START_TEST(drain_failed_or_hung_still_stops)
{
	struct rig r;

	rig_init(&r, "2s", "0", 3);
	rig_start(&r);
	put(&r, "c.hang-drain", "1");
	put(&r, "a.fail-drain", "1");
	rv_group_stop(&r.g, 1);
	rig_wait(&r, was_stopped, "the group to stop after the drains failed");
	ck_assert_str_eq(actions(&r, 1), "c drain, a drain, c stop, b stop, a stop");
	ck_assert_uint_eq(r.stopped, 1);
	ck_assert_uint_eq(r.stop_failed, 0);
	rig_fini(&r);
}
END_TEST

/* A resource whose monitor failed, or that does not run, is not drained. */
START_TEST(drain_skips_failed)
{
	struct rig r;

	rig_init(&r, "2s", "0", 3);
	rig_start(&r);
	r.g.res[2].health = RV_HEALTH_FAILED;
	rv_group_stop(&r.g, 1);
	rig_wait(&r, was_stopped, "the group to stop");
	ck_assert_str_eq(actions(&r, 1), "a drain, c stop, b stop, a stop");
	ck_assert_uint_eq(r.stopped, 1);
	rig_fini(&r);
}
END_TEST

static int
c_draining(struct rig *r)
{
	return strcmp(actions(r, 1), "c drain") == 0;
}

/* The handover became uncertain: the drain is cut short, nothing else. */
START_TEST(drain_cut_short)
{
	struct rig r;

	rig_init(&r, "2s", "0", 3);
	rig_start(&r);
	put(&r, "c.hang-drain", "1");
	rv_group_stop(&r.g, 1);
	rig_wait(&r, c_draining, "c to drain");
	ck_assert_int_eq(r.g.op, RV_GROUP_DRAINING);
	rv_group_end_drain(&r.g, "test: quorum lost");
	ck_assert_int_eq(r.g.op, RV_GROUP_STOPPING);
	rig_wait(&r, was_stopped, "the group to stop");
	ck_assert_str_eq(actions(&r, 1), "c drain, c stop, b stop, a stop");
	ck_assert_uint_eq(r.stopped, 1);
	rig_fini(&r);
}
END_TEST

START_TEST(stop_failure_aborts)
{
	struct rig r;

	rig_init(&r, "2s", "0", 3);
	rig_start(&r);
	put(&r, "b.fail-stop", "1");
	rv_group_stop(&r.g, 0);
	rig_wait(&r, stop_was_failed, "the stop to fail");
	ck_assert_str_eq(actions(&r, 1), "c stop, b stop");
	ck_assert_uint_eq(r.stop_failed, 1);
	ck_assert_uint_eq(r.stopped, 0);
	ck_assert_str_eq(r.why, "b failed to stop: b stop failed as told (exit 1)");
	ck_assert_str_eq(state_of(&r, 0), "started");
	ck_assert(exists(&r, "a.state"));
	ck_assert_str_eq(state_of(&r, 1), "stop-failed");
	ck_assert_str_eq(state_of(&r, 2), "stopped");
	ck_assert_int_eq(rv_group_health(&r.g), RV_HEALTH_FAILED);
	ck_assert_int_eq(r.g.op, RV_GROUP_IDLE);
	rig_fini(&r);
}
END_TEST

/* ------------------------------------------------------------ monitors */

START_TEST(monitor_failure_restarts_in_place)
{
	struct rig r;

	rig_init(&r, "2s", "1s", 1);
	rig_start(&r);
	put(&r, "c.fail-monitor", "7 1"); /* found not running, once */
	rv_group_monitors(&r.g, 1);
	r.want = "c stop, c start";
	rig_wait(&r, recovered, "c to be restarted in place");
	ck_assert_uint_eq(r.failed, 0);
	ck_assert_uint_eq(r.g.res[2].failures, 1);
	ck_assert_uint_eq(r.g.res[0].failures + r.g.res[1].failures, 0);
	ck_assert_str_eq(state_of(&r, 2), "started");
	ck_assert_int_eq(rv_group_health(&r.g), RV_HEALTH_OK);
	ck_assert_uint_eq(r.started + r.stopped, 0);

	/* the second failure is beyond migration-threshold 1: the site moves */
	put(&r, "c.fail-monitor", "1 1");
	rig_wait(&r, was_failed, "the failure to be reported");
	ck_assert_uint_eq(r.failed, 1);
	ck_assert_uint_eq(r.failed_idx, 2);
	ck_assert_str_eq(r.why, "c monitor failed (2 of 1 allowed): "
				"c monitor failed as told (exit 1)");
	ck_assert_str_eq(actions(&r, 0), "c stop, c start"); /* no second restart */
	ck_assert_uint_eq(r.g.res[2].failures, 2);
	ck_assert_int_eq(rv_group_health(&r.g), RV_HEALTH_FAILED);
	rig_fini(&r);
}
END_TEST

/* migration-threshold 0: the first failure moves the site, no restart. */
START_TEST(monitor_failure_threshold_zero)
{
	struct rig r;

	rig_init(&r, "2s", "1s", 0);
	rig_start(&r);
	put(&r, "b.fail-monitor", "1");
	rv_group_monitors(&r.g, 1);
	rig_wait(&r, was_failed, "the failure to be reported");
	ck_assert_uint_eq(r.failed_idx, 1);
	ck_assert_str_eq(actions(&r, 0), "");
	ck_assert_str_eq(state_of(&r, 1), "failed");
	rig_fini(&r);
}
END_TEST

/* b fails: c runs on b, so both are restarted, in order; a is left alone. */
START_TEST(monitor_failure_restarts_those_after)
{
	struct rig r;

	rig_init(&r, "2s", "1s", 1);
	rig_start(&r);
	put(&r, "b.fail-monitor", "1 1");
	rv_group_monitors(&r.g, 1);
	r.want = "c stop, b stop, b start, c start";
	rig_wait(&r, restarted, "b and c to be restarted in place");
	ck_assert_uint_eq(r.failed, 0);
	ck_assert_uint_eq(r.g.res[1].failures, 1);
	ck_assert_uint_eq(r.g.res[0].failures + r.g.res[2].failures, 0);
	ck_assert_str_eq(state_of(&r, 0), "started");
	ck_assert_str_eq(state_of(&r, 1), "started");
	ck_assert_str_eq(state_of(&r, 2), "started");
	rig_fini(&r);
}
END_TEST

/* The same, with c's own monitor still running when b's fails: the
 * recovery must not stop c under its monitor. */
START_TEST(monitor_failure_while_another_monitor_runs)
{
	struct rig r;

	rig_init(&r, "2s", "1s", 1);
	rig_start(&r);
	put(&r, "c.delay-monitor", "1");
	put(&r, "b.fail-monitor", "1 1");
	rv_group_monitors(&r.g, 1);
	r.want = "c stop, b stop, b start, c start";
	rig_wait(&r, recovered, "b and c to be restarted in place");
	ck_assert_uint_eq(r.failed, 0);
	ck_assert_uint_eq(r.g.res[1].failures, 1);
	ck_assert_uint_eq(r.g.res[0].failures + r.g.res[2].failures, 0);
	ck_assert_str_eq(state_of(&r, 1), "started");
	ck_assert_str_eq(state_of(&r, 2), "started");
	ck_assert_int_eq(rv_group_health(&r.g), RV_HEALTH_OK);
	rig_fini(&r);
}
END_TEST

static int
a_monitor_failed(struct rig *r)
{
	return r->g.res[0].last_rc == OCF_ERR_GENERIC;
}

static int
a_monitored_again(struct rig *r)
{
	return r->g.op == RV_GROUP_IDLE && r->g.res[0].op == NULL &&
	       count_after(r, "c start", "a monitor") > 0;
}

/* a's monitor fails while c is being restarted in place (c's stop takes a
 * second, a's monitor reports in the middle of it): a must not be left
 * failed and never monitored again. */
START_TEST(monitor_failure_during_recovery)
{
	struct rig r;

	rig_init(&r, "2s", "1s", 1);
	rig_start(&r);
	put(&r, "c.fail-monitor", "7 1");
	put(&r, "c.delay-stop", "1");
	put(&r, "a.delay-monitor", "0.5");
	put(&r, "a.fail-monitor", "1 1");
	rv_group_monitors(&r.g, 1);
	rig_wait(&r, a_monitor_failed, "a's monitor to fail");
	ck_assert_int_eq(r.g.op, RV_GROUP_RECOVERING);
	drop(&r, "a.delay-monitor");
	rig_wait(&r, a_monitored_again, "a to be monitored after c's restart");
	ck_assert_str_eq(actions(&r, 0), "c stop, c start");
	ck_assert_str_eq(state_of(&r, 0), "started");
	ck_assert_str_eq(state_of(&r, 2), "started");
	ck_assert_uint_eq(r.failed, 0);
	ck_assert_int_eq(rv_group_health(&r.g), RV_HEALTH_OK);
	rig_fini(&r);
}
END_TEST

static int
b_degraded(struct rig *r)
{
	return r->g.res[1].health == RV_HEALTH_DEGRADED;
}

static int
b_ok(struct rig *r)
{
	return r->g.res[1].health == RV_HEALTH_OK;
}

START_TEST(monitor_degraded_is_not_a_failure)
{
	struct rig r;

	rig_init(&r, "2s", "1s", 1);
	rig_start(&r);
	put(&r, "b.fail-monitor", "190");
	rv_group_monitors(&r.g, 1);
	rig_wait(&r, b_degraded, "b to be degraded");
	ck_assert_int_eq(rv_group_health(&r.g), RV_HEALTH_DEGRADED);
	ck_assert_str_eq(r.g.res[1].last_reason, "b monitor failed as told (exit 190)");
	ck_assert_str_eq(state_of(&r, 1), "started");
	ck_assert_uint_eq(r.g.res[1].failures, 0);
	ck_assert_uint_eq(r.failed, 0);

	drop(&r, "b.fail-monitor");
	rig_wait(&r, b_ok, "b to be healthy again");
	ck_assert_int_eq(rv_group_health(&r.g), RV_HEALTH_OK);
	ck_assert_str_eq(actions(&r, 0), ""); /* nothing restarted */
	ck_assert_uint_eq(r.failed, 0);
	rig_fini(&r);
}
END_TEST

static int
ab_monitored_c_hangs(struct rig *r)
{
	return all_monitored(r) && r->g.res[0].op == NULL && r->g.res[1].op == NULL &&
	       r->g.res[2].op != NULL;
}

START_TEST(monitors_off_cancels)
{
	struct rig r;
	char before[TEXT_MAX];
	size_t i;

	rig_init(&r, "2s", "1s", 1);
	rig_start(&r);
	put(&r, "c.hang-monitor", "");
	rv_group_monitors(&r.g, 1);
	rig_wait(&r, ab_monitored_c_hangs, "the first monitors");
	ck_assert_uint_eq(rv_child_count(), 1);

	rv_group_monitors(&r.g, 0);
	for (i = 0; i < N_RES; i++) {
		ck_assert_ptr_null(r.g.res[i].op);
		ck_assert_int_eq(r.g.res[i].monitor_armed, 0);
	}
	snprintf(before, sizeof(before), "%s", actions(&r, 1));
	/* past the next interval */
	r.deadline_ms = rv_now_ms() + 1200;
	rig_wait(&r, time_passed, "1.2 s");
	ck_assert_str_eq(actions(&r, 1), before);
	ck_assert_uint_eq(rv_child_count(), 0);
	ck_assert_uint_eq(r.g.res[2].failures, 0);
	ck_assert_uint_eq(r.failed, 0);
	rig_fini(&r);
}
END_TEST

/* ------------------------------------------------------------ health */

START_TEST(health_is_the_worst)
{
	static const struct {
		int state[N_RES], health[N_RES];
		int want;
	} cases[] = {
		{ { RV_RES_UNKNOWN, RV_RES_UNKNOWN, RV_RES_UNKNOWN }, { 0, 0, 0 },
		  RV_HEALTH_UNKNOWN },
		{ { RV_RES_STARTED, RV_RES_STARTED, RV_RES_STARTED },
		  { RV_HEALTH_OK, RV_HEALTH_OK, RV_HEALTH_OK }, RV_HEALTH_OK },
		{ { RV_RES_STARTED, RV_RES_STARTED, RV_RES_STARTED },
		  { RV_HEALTH_OK, RV_HEALTH_DEGRADED, RV_HEALTH_OK }, RV_HEALTH_DEGRADED },
		{ { RV_RES_STARTED, RV_RES_STARTED, RV_RES_STARTED },
		  { RV_HEALTH_DEGRADED, RV_HEALTH_FAILED, RV_HEALTH_OK }, RV_HEALTH_FAILED },
		{ { RV_RES_STARTED, RV_RES_STOP_FAILED, RV_RES_STOPPED },
		  { RV_HEALTH_OK, RV_HEALTH_OK, RV_HEALTH_UNKNOWN }, RV_HEALTH_FAILED },
		{ { RV_RES_FAILED, RV_RES_STOPPED, RV_RES_STOPPED },
		  { RV_HEALTH_UNKNOWN, RV_HEALTH_UNKNOWN, RV_HEALTH_UNKNOWN }, RV_HEALTH_FAILED },
		{ { RV_RES_STOPPED, RV_RES_STOPPED, RV_RES_STOPPED },
		  { RV_HEALTH_UNKNOWN, RV_HEALTH_UNKNOWN, RV_HEALTH_UNKNOWN }, RV_HEALTH_UNKNOWN },
	};
	struct rig r;
	size_t i, j;

	rig_init(&r, "2s", "0", 3);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (j = 0; j < N_RES; j++) {
			r.g.res[j].state = cases[i].state[j];
			r.g.res[j].health = cases[i].health[j];
		}
		ck_assert_msg(rv_group_health(&r.g) == cases[i].want, "case %zu: %s, not %s", i,
			      rv_health_name(rv_group_health(&r.g)),
			      rv_health_name(cases[i].want));
	}
	rig_fini(&r);
}
END_TEST

START_TEST(state_names)
{
	ck_assert_str_eq(rv_res_state_name(RV_RES_STOPPED), "stopped");
	ck_assert_str_eq(rv_res_state_name(RV_RES_STOP_FAILED), "stop-failed");
	ck_assert_str_eq(rv_res_state_name(-1), "invalid");
	ck_assert_str_eq(rv_res_state_name(RV_RES_STOP_FAILED + 1), "invalid");
}
END_TEST

static Suite *
resources_suite(void)
{
	Suite *s = suite_create("resources");
	TCase *probe = tcase_create("probe");
	TCase *start_stop = tcase_create("start-stop");
	TCase *monitors = tcase_create("monitors");
	TCase *health = tcase_create("health");

	tcase_add_test(probe, probe_nothing_running);
	tcase_add_test(probe, probe_finds_b_running);
	tcase_add_test(probe, probe_error_may_be_running);
	suite_add_tcase(s, probe);

	tcase_add_test(start_stop, start_in_order);
	tcase_add_test(start_stop, start_failure_rolls_back);
	tcase_add_test(start_stop, start_failure_then_stop_failure);
	tcase_add_test(start_stop, start_timeout_rolls_back);
	tcase_add_test(start_stop, stop_in_reverse);
	tcase_add_test(start_stop, stop_failure_aborts);
	tcase_add_test(start_stop, drain_then_stop);
	tcase_add_test(start_stop, drain_failed_or_hung_still_stops);
	tcase_add_test(start_stop, drain_skips_failed);
	tcase_add_test(start_stop, drain_cut_short);
	tcase_set_timeout(start_stop, 10);
	suite_add_tcase(s, start_stop);

	tcase_add_test(monitors, monitor_failure_restarts_in_place);
	tcase_add_test(monitors, monitor_failure_threshold_zero);
	tcase_add_test(monitors, monitor_failure_restarts_those_after);
	tcase_add_test(monitors, monitor_failure_while_another_monitor_runs);
	tcase_add_test(monitors, monitor_failure_during_recovery);
	tcase_add_test(monitors, monitor_degraded_is_not_a_failure);
	tcase_add_test(monitors, monitors_off_cancels);
	tcase_set_timeout(monitors, 15);
	suite_add_tcase(s, monitors);

	tcase_add_test(health, health_is_the_worst);
	tcase_add_test(health, state_names);
	suite_add_tcase(s, health);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(resources_suite());
	int failed;

	/* CHECK_RESOURCES_LOG=1: relevod's log on stderr, to follow a failing run */
	if (getenv("CHECK_RESOURCES_LOG") != NULL) {
		qb_log_init("check_resources", LOG_DAEMON, LOG_DEBUG);
		qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
		qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*",
				  LOG_DEBUG);
		qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (getenv("CHECK_RESOURCES_LOG") != NULL)
		qb_log_fini();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
