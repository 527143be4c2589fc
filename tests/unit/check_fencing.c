/*
 * check_fencing.c — unit tests for relevod's side of fencing
 * (agent/daemon/fencing.c): a real loop, the real fence runner, the test
 * fence agent (fence-agents/fence_test), and the role machine with ops that
 * only record (it is driven to FENCING by hand, as site.c would).
 *
 *   1. answers to outside requests (DRBD's handler) come from the loop,
 *      never from inside the call, and never after their caller went away;
 *   2. an operation: methods in order, FENCE_DONE to the role machine, the
 *      history, the delay; a failure: FENCE_FAILED, a backoff that doubles;
 *   3. the watchdog wait: done twice the watchdog timeout after the peer
 *      was lost, recorded as the method "watchdog".
 */
#include "autoconf.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <qb/qblog.h>

#include "config.h"
#include "ctx.h"
#include "fencing.h"
#include "fsm.h"
#include "history.h"
#include "loop_harness.h"
#include "util.h"

#define AGENT SRCDIR "/fence-agents/fence_test"

struct rec {
	struct harness *h;
	int transitions, to;
	unsigned replies;
	enum rv_fencing_req_outcome out;
	char detail[256];
};

static struct rec rec;
static char conf_path[64];

static int
op_send(void *data, const struct rv_msg *m)
{
	return 0;
}

static void
op_nothing(void *data)
{
}

static void
op_monitors(void *data, int on)
{
}

static void
op_fence(void *data, int delayed)
{
}

static void
op_transition(void *data, int from, int to, const char *cause)
{
	rec.transitions++;
	rec.to = to;
	if (from == RV_ROLE_FENCING && rec.h->pending > 0 && --rec.h->pending == 0)
		qb_loop_stop(rec.h->loop);
}

static void
op_group_stop(void *data, int drain)
{
}

static void
op_end_drain(void *data, const char *why)
{
}

static const struct rv_fsm_ops ops = {
	.send = op_send,
	.probe = op_nothing,
	.group_start = op_nothing,
	.group_stop = op_group_stop,
	.end_drain = op_end_drain,
	.monitors = op_monitors,
	.fence = op_fence,
	.fence_cancel = op_nothing,
	.transition = op_transition,
};

/* A site whose [fence] methods are the lines given, for node n2 (id 2),
 * which has lost n1 and is FENCING. */
static struct rv_config *
site(struct rv_ctx *ctx, struct harness *h, const char *site_extra, const char *sections)
{
	struct rv_config *cfg = NULL;
	char *errs = NULL;
	FILE *f;
	int fd;

	snprintf(conf_path, sizeof(conf_path), "/tmp/check_fencing.XXXXXX");
	fd = mkstemp(conf_path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "[site]\nname = t\n%s\n[node n1]\nid = 1\n[node n2]\nid = 2\n%s\n"
		"[resource spool]\nagent = ocf:relevo:spool\n", site_extra, sections);
	fclose(f);
	ck_assert_msg(rv_config_load(conf_path, &cfg, &errs) == 0, "%s", errs ? errs : "?");
	unlink(conf_path);
	free(errs);

	memset(ctx, 0, sizeof(*ctx));
	memset(&rec, 0, sizeof(rec));
	rec.h = h;
	ctx->loop = h->loop;
	ctx->cfg = cfg;
	ctx->started_ms = rv_now_ms();
	ck_assert_int_eq(rv_fsm_init(&ctx->fsm, cfg, 2, &ops, ctx), 0);
	ctx->fsm_ready = 1;
	ctx->fsm.site.quorate = 1;
	ctx->quorate_since_ms = ctx->started_ms;
	ctx->fsm.local.probed = 1;
	ctx->fsm.local.peer_wait_over = 1;
	ctx->fsm.site.peer.holds = 1; /* n1 held the site, then left */
	ctx->fsm.role = RV_ROLE_FENCING;
	ctx->peer_lost_ms = rv_now_ms();
	ck_assert_int_eq(rv_fencing_init(ctx), 0);
	return cfg;
}

static void
done_site(struct rv_ctx *ctx, struct harness *h)
{
	rv_fencing_fini(ctx);
	harness_fini(h);
	rv_config_free(ctx->cfg);
}

static void
on_reply(void *data, enum rv_fencing_req_outcome out, const char *detail)
{
	struct harness *h = data;

	rec.replies++;
	rec.out = out;
	snprintf(rec.detail, sizeof(rec.detail), "%s", detail);
	if (h->pending > 0 && --h->pending == 0)
		qb_loop_stop(h->loop);
}

/* ------------------------------------------------------------ 1. requests */

START_TEST(request_answered_from_the_loop)
{
	struct harness h;
	struct rv_ctx ctx;

	harness_start(&h, 5000, 1);
	site(&ctx, &h, "fencing = off", "");
	ck_assert_int_eq(rv_fencing_request(&ctx, "drbd r0", on_reply, &h), 0);
	ck_assert_uint_eq(rec.replies, 0); /* not from inside the call */
	h.pending = 1;
	harness_run(&h);
	ck_assert_uint_eq(rec.replies, 1);
	ck_assert_int_eq(rec.out, RV_FENCING_REQ_REFUSED);
	ck_assert_ptr_nonnull(strstr(rec.detail, "fencing is off"));
	ck_assert_int_eq(rv_fencing_request(&ctx, "drbd r0", NULL, &h), -EINVAL);
	done_site(&ctx, &h);
}
END_TEST

static void
stop_loop(void *data)
{
	qb_loop_stop(data);
}

/* A caller that leaves after its answer was queued is never called: the
 * IPC connection behind data is gone by then. */
START_TEST(request_cancelled_after_answer_queued)
{
	struct harness h;
	struct rv_ctx ctx;
	qb_loop_timer_handle t;

	harness_start(&h, 5000, 1);
	site(&ctx, &h, "fencing = off", "");
	ck_assert_int_eq(rv_fencing_request(&ctx, "drbd r0", on_reply, &h), 0);
	rv_fencing_request_cancel(&ctx, &h);
	ck_assert_int_eq(qb_loop_timer_add(h.loop, QB_LOOP_LOW, 200 * QB_TIME_NS_IN_MSEC, h.loop,
					   stop_loop, &t), 0);
	qb_loop_run(h.loop);
	ck_assert_uint_eq(rec.replies, 0);
	ck_assert_ptr_null(ctx.fencing.replies);
	done_site(&ctx, &h);
}
END_TEST

/* The peer was fenced already: answered at once, nothing run. */
START_TEST(request_peer_fenced_already)
{
	struct harness h;
	struct rv_ctx ctx;

	harness_start(&h, 5000, 1);
	site(&ctx, &h, "fencing = on",
	     "[fence t]\nagent = " AGENT "\nno-status = yes\ntimeout = 5s\n");
	rv_site_peer_fenced(&ctx.fsm.site);
	ck_assert_int_eq(rv_fencing_request(&ctx, "drbd r0", on_reply, &h), 0);
	h.pending = 1;
	harness_run(&h);
	ck_assert_int_eq(rec.out, RV_FENCING_REQ_FENCED);
	ck_assert_uint_eq(rv_fence_history_count(&ctx.fencing.history), 0);
	done_site(&ctx, &h);
}
END_TEST

/* ------------------------------------------------------------ 2. operations */

/* The first method fails, the second takes the peer off: FENCE_DONE, the
 * role machine stands by, the history has both, the request is answered. */
START_TEST(operation_methods_in_order)
{
	struct harness h;
	struct rv_ctx ctx;

	harness_start(&h, 10000, 1);
	site(&ctx, &h, "fencing = on",
	     "[fence broken]\nagent = " AGENT "\noption.off_rc = 1\nno-status = yes\ntimeout = 5s\n"
	     "[fence good]\nagent = " AGENT "\nno-status = yes\ntimeout = 5s\n");
	ck_assert_int_eq(rv_fencing_request(&ctx, "drbd r0", on_reply, &h), 0);
	ck_assert_str_eq(rv_fencing_state(&ctx), "delayed"); /* from the loop */
	h.pending = 2; /* the answer and the role change */
	harness_run(&h);
	ck_assert_int_eq(rec.out, RV_FENCING_REQ_FENCED);
	ck_assert_int_eq(rec.to, RV_ROLE_STANDBY);
	ck_assert(ctx.fsm.site.peer.fenced);
	ck_assert(!ctx.fsm.site.peer.holds);
	ck_assert_str_eq(ctx.fencing.method, "good");
	ck_assert_uint_ne(ctx.fencing.fenced_ms, 0);
	ck_assert_uint_eq(rv_fence_history_count(&ctx.fencing.history), 2);
	ck_assert_str_eq(rv_fence_history_get(&ctx.fencing.history, 0)->method, "broken");
	ck_assert_str_eq(rv_fencing_state(&ctx), "idle");
	done_site(&ctx, &h);
}
END_TEST

/* Every method fails: FENCE_FAILED (BLOCKED), a retry is planned after 2 s,
 * and the next failure doubles it; a cancel (no longer needed) resets it. */
START_TEST(operation_failure_backs_off)
{
	struct harness h;
	struct rv_ctx ctx;
	uint64_t now;

	harness_start(&h, 10000, 1);
	site(&ctx, &h, "fencing = on",
	     "[fence broken]\nagent = " AGENT "\noption.off_rc = 1\nno-status = yes\ntimeout = 5s\n");
	rv_fencing_start(&ctx, 0);
	h.pending = 1;
	harness_run(&h);
	ck_assert_int_eq(ctx.fsm.role, RV_ROLE_BLOCKED);
	ck_assert(ctx.fsm.blocked_fence);
	ck_assert_uint_eq(ctx.fencing.failures, 1);
	ck_assert_str_eq(rv_fencing_state(&ctx), "failed");
	now = rv_now_ms();
	ck_assert_uint_le(ctx.fencing.retry_at_ms, now + 2000);
	ck_assert_uint_gt(ctx.fencing.retry_at_ms, now + 1000);
	ck_assert_ptr_nonnull(strstr(ctx.fencing.last_error, "broken"));

	/* FENCE_RETRY comes from the timer: FENCING again, fails again */
	ctx.fsm.role = RV_ROLE_FENCING;
	rv_fencing_start(&ctx, 0); /* replaces the planned retry */
	h.pending = 1;
	harness_run(&h);
	ck_assert_uint_eq(ctx.fencing.failures, 2);
	now = rv_now_ms();
	ck_assert_uint_gt(ctx.fencing.retry_at_ms, now + 3000);
	ck_assert_uint_le(ctx.fencing.retry_at_ms, now + 4000);

	/* fencing no longer needed (the peer came back): the next incident
	 * starts again at the first backoff */
	rv_fencing_cancel(&ctx);
	ck_assert_uint_eq(ctx.fencing.failures, 0);
	ck_assert_uint_eq(ctx.fencing.retry_at_ms, 0);
	ctx.fsm.role = RV_ROLE_FENCING;
	rv_fencing_start(&ctx, 0);
	h.pending = 1;
	harness_run(&h);
	ck_assert_uint_eq(ctx.fencing.failures, 1);
	now = rv_now_ms();
	ck_assert_uint_le(ctx.fencing.retry_at_ms, now + 2000);
	done_site(&ctx, &h);
}
END_TEST

/* fence-delay: nothing runs before it is over. */
START_TEST(operation_delayed)
{
	struct harness h;
	struct rv_ctx ctx;
	uint64_t t0 = rv_now_ms();

	harness_start(&h, 10000, 1);
	site(&ctx, &h, "fencing = on\nfence-delay = 1s",
	     "[fence good]\nagent = " AGENT "\nno-status = yes\ntimeout = 5s\n");
	rv_fencing_start(&ctx, 1);
	ck_assert_str_eq(rv_fencing_state(&ctx), "delayed");
	h.pending = 1;
	harness_run(&h);
	ck_assert_int_eq(rec.to, RV_ROLE_STANDBY);
	ck_assert_uint_ge(rv_now_ms() - t0, 1000);
	ck_assert_uint_ge(ctx.fencing.fenced_ms - ctx.fencing.started_ms, 1000);
	done_site(&ctx, &h);
}
END_TEST

/* Cancelled while delayed: nothing runs, nothing is reported. */
START_TEST(operation_cancelled)
{
	struct harness h;
	struct rv_ctx ctx;
	qb_loop_timer_handle t;

	harness_start(&h, 10000, 1);
	site(&ctx, &h, "fencing = on\nfence-delay = 1s",
	     "[fence good]\nagent = " AGENT "\nno-status = yes\ntimeout = 5s\n");
	rv_fencing_start(&ctx, 1);
	rv_fencing_cancel(&ctx);
	ck_assert_str_eq(rv_fencing_state(&ctx), "idle");
	ck_assert_int_eq(qb_loop_timer_add(h.loop, QB_LOOP_LOW, 1500 * QB_TIME_NS_IN_MSEC, h.loop,
					   stop_loop, &t), 0);
	qb_loop_run(h.loop);
	ck_assert_int_eq(rec.transitions, 0);
	ck_assert_uint_eq(rv_fence_history_count(&ctx.fencing.history), 0);
	done_site(&ctx, &h);
}
END_TEST

/* ------------------------------------------------------------ 3. watchdog */

/* A site whose only method is the watchdog (a 2 s timeout: a wait of 4 s),
 * with or without the qdevice witness. The device is /dev/null (a character
 * device that takes the feeding, as the watchdog module allows): the wait is
 * what these tests are about. */
static void
watchdog_site(struct rv_ctx *ctx, struct harness *h, int witness)
{
	site(ctx, h, witness ? "fencing = on\nwitness = qdevice" : "fencing = on",
	     "[watchdog]\ndevice = /dev/null\ntimeout = 2s\ninterval = 500ms\n");
	ck_assert(ctx->fencing.wd_open);
}

/* No agent for the peer, a watchdog and the witness configured: done once
 * twice the watchdog timeout has passed since the peer was lost, not before. */
START_TEST(watchdog_wait)
{
	struct harness h;
	struct rv_ctx ctx;
	uint64_t lost;

	harness_start(&h, 10000, 1);
	watchdog_site(&ctx, &h, 1);
	lost = rv_now_ms() - 3500; /* lost 3.5 s ago: 0.5 s left of 4 s */
	ctx.peer_lost_ms = lost;
	ctx.started_ms = lost - 10000; /* a node counts from its own start too */
	ctx.quorate_since_ms = ctx.started_ms;
	rv_fencing_start(&ctx, 0);
	h.pending = 1;
	harness_run(&h);
	ck_assert_int_eq(rec.to, RV_ROLE_STANDBY);
	ck_assert_uint_ge(ctx.fencing.fenced_ms - lost, 4000);
	ck_assert_uint_lt(ctx.fencing.fenced_ms - lost, 5000);
	ck_assert_str_eq(ctx.fencing.method, "watchdog");
	ck_assert_uint_eq(rv_fence_history_count(&ctx.fencing.history), 1);
	ck_assert_str_eq(rv_fence_history_get(&ctx.fencing.history, 0)->method, "watchdog");
	done_site(&ctx, &h);
}
END_TEST

/* Without a witness the wait proves nothing (two standbys split apart
 * would both wait and start: the model's hole H3): the operation fails at
 * once, the node is BLOCKED and says why. */
START_TEST(watchdog_wait_needs_witness)
{
	struct harness h;
	struct rv_ctx ctx;

	harness_start(&h, 10000, 1);
	watchdog_site(&ctx, &h, 0);
	ctx.peer_lost_ms = rv_now_ms() - 10000; /* long enough ago */
	ctx.started_ms = ctx.quorate_since_ms = ctx.peer_lost_ms - 10000;
	h.pending = 1;
	rv_fencing_start(&ctx, 0); /* fails from here */
	if (h.pending > 0)
		harness_run(&h);
	ck_assert_int_eq(rec.to, RV_ROLE_BLOCKED);
	ck_assert_ptr_nonnull(strstr(ctx.fencing.last_error, "needs a witness"));
	ck_assert_uint_eq(ctx.fencing.fenced_ms, 0);
	ck_assert_uint_eq(rv_fence_history_count(&ctx.fencing.history), 0);
	done_site(&ctx, &h);
}
END_TEST

/* The wait counts from when this node last became quorate when that is
 * later than the loss (the model's hole H6: quorum regained as a split
 * heals, before the membership change shows the peer back). */
START_TEST(watchdog_wait_counts_from_quorum)
{
	struct harness h;
	struct rv_ctx ctx;
	uint64_t since;

	harness_start(&h, 10000, 1);
	watchdog_site(&ctx, &h, 1);
	ctx.peer_lost_ms = rv_now_ms() - 30000; /* the wait from the loss is long over */
	ctx.started_ms = ctx.peer_lost_ms - 10000;
	since = ctx.quorate_since_ms = rv_now_ms() - 500; /* quorate again 0.5 s ago */
	rv_fencing_start(&ctx, 0);
	h.pending = 1;
	harness_run(&h);
	ck_assert_int_eq(rec.to, RV_ROLE_STANDBY);
	ck_assert_uint_ge(ctx.fencing.fenced_ms - since, 4000);
	done_site(&ctx, &h);
}
END_TEST

/* Quorum lost during the wait: the operation fails rather than finishing
 * on time it did not hold the vote for. */
static void
lose_quorum(void *data)
{
	struct rv_ctx *ctx = data;

	ctx->fsm.site.quorate = 0;
	ctx->quorate_since_ms = 0;
}

START_TEST(watchdog_wait_vote_lapses)
{
	struct harness h;
	struct rv_ctx ctx;
	qb_loop_timer_handle t;

	harness_start(&h, 10000, 1);
	watchdog_site(&ctx, &h, 1);
	rv_fencing_start(&ctx, 0);
	ck_assert_int_eq(qb_loop_timer_add(h.loop, QB_LOOP_HIGH, 500 * QB_TIME_NS_IN_MSEC, &ctx,
					   lose_quorum, &t), 0);
	h.pending = 1;
	harness_run(&h);
	ck_assert_int_eq(rec.to, RV_ROLE_BLOCKED);
	ck_assert_uint_eq(ctx.fencing.fenced_ms, 0);
	ck_assert_ptr_nonnull(strstr(ctx.fencing.last_error, "witness vote"));
	done_site(&ctx, &h);
}
END_TEST

/* The peer came back (node and relevod) during the wait: it was not reset,
 * and the wait does not say it was (the model's candidate hole H7). */
static void
peer_back(void *data)
{
	struct rv_ctx *ctx = data;

	ctx->fsm.site.peer.member = 1;
	ctx->fsm.site.peer.agent = 1;
}

START_TEST(watchdog_wait_peer_back)
{
	struct harness h;
	struct rv_ctx ctx;
	qb_loop_timer_handle t;

	harness_start(&h, 10000, 1);
	watchdog_site(&ctx, &h, 1);
	rv_fencing_start(&ctx, 0);
	ck_assert_int_eq(qb_loop_timer_add(h.loop, QB_LOOP_HIGH, 500 * QB_TIME_NS_IN_MSEC, &ctx,
					   peer_back, &t), 0);
	h.pending = 1;
	harness_run(&h);
	ck_assert_uint_eq(ctx.fencing.fenced_ms, 0);
	ck_assert_ptr_nonnull(strstr(ctx.fencing.last_error, "peer is back"));
	done_site(&ctx, &h);
}
END_TEST

/* A holder whose peer was fenced earlier, and has not come back into its
 * membership, feeds its watchdog while it holds the witness vote. Losing
 * the vote means the peer booted, cut off, and has the vote: its wait will
 * take this node as reset or stopped. So one watchdog timeout after the
 * loss, a node still holding stops feeding (found by the model's witness
 * check: it fed through a slow stop while the peer started). Without a
 * witness nothing takes the site but a fence agent: it feeds on. */
static int
starves_after(struct rv_ctx *ctx, struct harness *h, unsigned ms)
{
	qb_loop_timer_handle t;

	ck_assert_int_eq(qb_loop_timer_add(h->loop, QB_LOOP_HIGH, ms * QB_TIME_NS_IN_MSEC,
					   h->loop, stop_loop, &t), 0);
	qb_loop_run(h->loop);
	return ctx->fencing.wd.starving;
}

static void
fenced_holder(struct rv_ctx *ctx)
{
	ctx->cluster.connected = 1;
	ctx->fsm.role = RV_ROLE_ACTIVE;
	ctx->fsm.holds = 1;
	ctx->fsm.site.self.holds = 1;
	rv_site_peer_member(&ctx->fsm.site, 0);
	rv_site_peer_fenced(&ctx->fsm.site);
}

START_TEST(watchdog_fenced_peer_vote_lost)
{
	struct harness h;
	struct rv_ctx ctx;

	harness_start(&h, 10000, 1);
	watchdog_site(&ctx, &h, 1);
	fenced_holder(&ctx);
	/* with the vote: fed */
	ck_assert_int_eq(starves_after(&ctx, &h, 1200), 0);
	/* the vote lost just now: fed until one timeout (2 s) has passed */
	ctx.fsm.site.quorate = 0;
	ctx.quorate_since_ms = 0;
	ctx.quorum_lost_ms = rv_now_ms();
	ck_assert_int_eq(starves_after(&ctx, &h, 1000), 0);
	/* lost long enough ago, still holding: starved, and says why */
	ctx.quorum_lost_ms = rv_now_ms() - 2500;
	ck_assert_int_eq(starves_after(&ctx, &h, 1200), 1);
	ck_assert_ptr_nonnull(ctx.fencing.wd.starve_why);
	ck_assert_ptr_nonnull(strstr(ctx.fencing.wd.starve_why, "witness vote"));
	/* stopped in time: nothing held, fed again */
	ctx.fsm.holds = 0;
	ck_assert_int_eq(starves_after(&ctx, &h, 1200), 0);
	done_site(&ctx, &h);

	/* no witness: the fenced peer cannot take the site by a wait */
	harness_start(&h, 10000, 1);
	watchdog_site(&ctx, &h, 0);
	fenced_holder(&ctx);
	ctx.fsm.site.quorate = 0;
	ctx.quorate_since_ms = 0;
	ctx.quorum_lost_ms = rv_now_ms() - 2500;
	ck_assert_int_eq(starves_after(&ctx, &h, 1200), 0);
	done_site(&ctx, &h);
}
END_TEST

static Suite *
fencing_suite(void)
{
	Suite *s = suite_create("fencing");
	TCase *t = tcase_create("fencing");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, request_answered_from_the_loop);
	tcase_add_test(t, request_cancelled_after_answer_queued);
	tcase_add_test(t, request_peer_fenced_already);
	tcase_add_test(t, operation_methods_in_order);
	tcase_add_test(t, operation_failure_backs_off);
	tcase_add_test(t, operation_delayed);
	tcase_add_test(t, operation_cancelled);
	tcase_add_test(t, watchdog_wait);
	tcase_add_test(t, watchdog_wait_needs_witness);
	tcase_add_test(t, watchdog_wait_counts_from_quorum);
	tcase_add_test(t, watchdog_wait_vote_lapses);
	tcase_add_test(t, watchdog_wait_peer_back);
	tcase_add_test(t, watchdog_fenced_peer_vote_lost);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fencing_suite());
	int failed;

	qb_log_init("check_fencing", LOG_USER, LOG_WARNING);
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
	qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	qb_log_fini();
	return failed == 0 ? 0 : 1;
}
