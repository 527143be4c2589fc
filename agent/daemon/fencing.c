/*
 * fencing.c — relevod's side of fencing (see fencing.h).
 *
 * One operation at a time fences the peer: the role machine starts it
 * through its ops (fence, fence_cancel), DRBD's fence-peer handler joins it
 * through rv_fencing_request(). An operation is
 *
 *   [fence-delay]  → the [fence NAME] methods for the peer, in order
 *                  → [the watchdog wait: 2 x watchdog timeout after the
 *                     peer was lost, when a [watchdog] is configured]
 *
 * and ends in FENCE_DONE (the peer is off), or FENCE_FAILED followed by
 * FENCE_RETRY after a backoff (2 s, doubling, at most 60 s).
 *
 * The watchdog wait is sound because of the rule the peer applies to itself
 * (may_feed below): a node that holds the site, lost its peer, has no witness
 * vote and has not confirmed the peer off stops feeding its watchdog one
 * watchdog timeout after the loss; it is reset at most one timeout later.
 * Both nodes see the loss within the same corosync round, and run the same
 * configuration (the digests are compared), so the same timeout.
 *
 * It needs the witness vote (witness = qdevice, and this node quorate
 * without its peer), for two reasons the model of the role protocol
 * (tests/model) found:
 *  - a node that holds nothing feeds its watchdog whatever happens: after a
 *    split between two standbys, both would wait, both take the other as
 *    reset, and both start the resources. With the witness only one side
 *    has the vote; the other, not quorate, neither claims nor keeps the site.
 *  - the wait counts from when this node last became quorate, not only from
 *    the loss: a node that regains quorum as a split heals may learn it
 *    before the membership change that shows its peer back, and a wait
 *    counted from the split alone would be over at once.
 * Without the vote the operation fails (BLOCKED, retried): two_node alone
 * cannot tell a dead peer from a cut-off one.
 */
#include "autoconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <qb/qblog.h>

#include "ctx.h"
#include "util.h"

#define RETRY_FIRST_MS 2000
#define RETRY_MAX_MS 60000
#define MAX_METHODS 16

const char *
rv_fencing_req_outcome_name(enum rv_fencing_req_outcome out)
{
	switch (out) {
	case RV_FENCING_REQ_FENCED: return "fenced";
	case RV_FENCING_REQ_PEER_OUTDATED: return "peer-outdated";
	case RV_FENCING_REQ_PEER_INCONSISTENT: return "peer-inconsistent";
	case RV_FENCING_REQ_FAILED: return "failed";
	case RV_FENCING_REQ_REFUSED: return "refused";
	}
	return "invalid";
}

static uint64_t
watchdog_wait_ms(const struct rv_config *cfg)
{
	/* the device counts whole seconds: the peer's rounds up */
	return 2 * ((cfg->watchdog.timeout_ms + 999) / 1000) * 1000;
}

/* When the peer was last seen, or this node last became quorate if that is
 * later: the base of the watchdog wait (see the header comment). A node
 * that was never seen counts from our own start. */
static uint64_t
peer_gone_since(const struct rv_ctx *ctx)
{
	const struct rv_site_node *p = &ctx->fsm.site.peer;
	uint64_t t = ctx->started_ms;

	if (!p->member && ctx->peer_lost_ms > t)
		t = ctx->peer_lost_ms;
	if (p->member && ctx->peer_agent_lost_ms > t)
		t = ctx->peer_agent_lost_ms;
	if (ctx->quorate_since_ms > t)
		t = ctx->quorate_since_ms;
	return t;
}

/* Does this node hold the witness vote over its lost peer? Quorate with
 * the qdevice: the vote of the partition without the peer. NULL if so,
 * else why not. A peer whose node and relevod are both back was not reset
 * (the model's candidate hole H7: a fence operation still running after
 * its holder demoted, ended by the wait while the peer ran again): the wait
 * proves nothing about it. */
static const char *
no_witness_vote(const struct rv_ctx *ctx)
{
	const struct rv_site_node *p = &ctx->fsm.site.peer;

	if (p->member && p->agent)
		return "the peer is back (its node and its relevod): it was not reset";
	if (ctx->cfg->witness != RV_WITNESS_QDEVICE)
		return "the watchdog wait needs a witness (witness = qdevice): without one, "
		       "both sides of a split would wait and start the resources";
	if (!ctx->fsm.site.quorate || ctx->quorate_since_ms == 0)
		return "this node does not hold the witness vote (not quorate)";
	return NULL;
}

/* ------------------------------------------------------------ outcomes */

struct req_reply {
	struct rv_fencing_req req;       /* done NULL: cancelled */
	enum rv_fencing_req_outcome out;
	char detail[256];
	struct rv_fencing *f;
	struct req_reply *next;          /* on f->replies until it runs */
};

static void
reply_job(void *data)
{
	struct req_reply *r = data, **pp;

	for (pp = &r->f->replies; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	if (r->req.done != NULL)
		r->req.done(r->req.data, r->out, r->detail);
	free(r);
}

/* Answer one outside request from the loop, never from inside a call. The
 * answer waits on f->replies until its job runs, so that a caller that goes
 * away first (rv_fencing_request_cancel) is never called. */
static void
reply_later(struct rv_fencing *f, const struct rv_fencing_req *req,
	    enum rv_fencing_req_outcome out, const char *detail)
{
	struct req_reply *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		qb_log(LOG_ERR, "out of memory answering a fence request");
		return;
	}
	r->req = *req;
	r->out = out;
	r->f = f;
	snprintf(r->detail, sizeof(r->detail), "%s", detail);
	if (qb_loop_job_add(f->ctx->loop, QB_LOOP_HIGH, r, reply_job) != 0) {
		qb_log(LOG_ERR, "could not queue the answer to a fence request");
		free(r);
		return;
	}
	r->next = f->replies;
	f->replies = r;
}

static void
reply_all(struct rv_fencing *f, enum rv_fencing_req_outcome out, const char *detail)
{
	size_t i;

	for (i = 0; i < f->n_reqs; i++)
		reply_later(f, &f->reqs[i], out, detail);
	f->n_reqs = 0;
}

static void
retry_timer(void *data)
{
	struct rv_fencing *f = data;

	f->retry_at_ms = 0;
	rv_fsm_event(&f->ctx->fsm, RV_EV_FENCE_RETRY, "fence retry backoff over");
}

static void
succeeded(struct rv_fencing *f, const char *method)
{
	struct rv_ctx *ctx = f->ctx;
	char cause[160];

	f->op = NULL;
	f->delayed = f->watchdog_wait = 0;
	f->failures = 0;
	f->fenced_ms = rv_now_ms();
	f->last_error[0] = '\0';
	snprintf(f->method, sizeof(f->method), "%s", method);
	snprintf(cause, sizeof(cause), "%s confirmed off by %s after %llu ms",
		 ctx->fsm.site.peer.name, method,
		 (unsigned long long)(f->fenced_ms - f->started_ms));
	qb_log(LOG_NOTICE, "fencing: %s", cause);
	reply_all(f, RV_FENCING_REQ_FENCED, cause);
	rv_fsm_event(&ctx->fsm, RV_EV_FENCE_DONE, cause);
}

static void
failed(struct rv_fencing *f, const char *why)
{
	struct rv_ctx *ctx = f->ctx;
	uint64_t backoff = RETRY_FIRST_MS;
	unsigned i;

	f->op = NULL;
	f->delayed = f->watchdog_wait = 0;
	f->failures++;
	for (i = 1; i < f->failures && backoff < RETRY_MAX_MS; i++)
		backoff *= 2;
	if (backoff > RETRY_MAX_MS)
		backoff = RETRY_MAX_MS;
	snprintf(f->last_error, sizeof(f->last_error), "%s", why);
	qb_log(LOG_ERR, "fencing %s failed (%u in a row): %s; retrying in %llu s",
	       ctx->fsm.site.peer.name, f->failures, why,
	       (unsigned long long)(backoff / 1000));
	f->retry_at_ms = rv_now_ms() + backoff;
	qb_loop_timer_add(ctx->loop, QB_LOOP_MED, backoff * QB_TIME_NS_IN_MSEC, f, retry_timer,
			  &f->retry_timer);
	reply_all(f, RV_FENCING_REQ_FAILED, why);
	rv_fsm_event(&ctx->fsm, RV_EV_FENCE_FAILED, why);
}

/* ------------------------------------------------------------ the watchdog wait */

static void
watchdog_wait_timer(void *data)
{
	struct rv_fencing *f = data;
	/* the vote must have held for the whole wait: its base moves to the
	 * moment quorum came back, so a lapse shows as time still left */
	const char *why = no_witness_vote(f->ctx);
	uint64_t until = peer_gone_since(f->ctx) + watchdog_wait_ms(f->ctx->cfg);
	struct rv_fence_event e;

	if (why == NULL && until > rv_now_ms())
		why = "the witness vote lapsed during the watchdog wait";
	if (why != NULL) {
		failed(f, why);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.wall = time(NULL);
	e.mono_ms = rv_now_ms();
	e.duration_ms = e.mono_ms - f->started_ms;
	snprintf(e.target, sizeof(e.target), "%s", f->ctx->fsm.site.peer.name);
	snprintf(e.method, sizeof(e.method), "watchdog");
	e.action = RV_FENCE_ACTION_OFF;
	e.outcome = RV_FENCE_DONE;
	e.action_rc = RV_FENCE_RC_DONE;
	snprintf(e.reason, sizeof(e.reason), "%s", f->reason);
	snprintf(e.detail, sizeof(e.detail), "waited 2 x watchdog timeout (%llu ms) after "
		 "the peer was lost, holding the witness vote",
		 (unsigned long long)watchdog_wait_ms(f->ctx->cfg));
	rv_fence_history_add(&f->history, &e);
	succeeded(f, "watchdog");
}

static void
watchdog_wait(struct rv_fencing *f, const char *after)
{
	struct rv_ctx *ctx = f->ctx;
	const char *why = no_witness_vote(ctx);
	uint64_t until = peer_gone_since(ctx) + watchdog_wait_ms(ctx->cfg), now = rv_now_ms();
	uint64_t left = until > now ? until - now : 0;
	char both[384];

	if (why != NULL) {
		snprintf(both, sizeof(both), "%s; %s", after, why);
		failed(f, both);
		return;
	}
	f->watchdog_wait = 1;
	qb_log(LOG_NOTICE, "fencing %s: %s; waiting %llu ms more for its watchdog to have "
	       "reset it", ctx->fsm.site.peer.name, after, (unsigned long long)left);
	qb_loop_timer_add(ctx->loop, QB_LOOP_HIGH, left * QB_TIME_NS_IN_MSEC, f,
			  watchdog_wait_timer, &f->delay_timer);
}

/* ------------------------------------------------------------ the methods */

/* Has any network interface but loopback carrier? A node whose links are
 * all down is the one cut off: if it fenced, it would power off the node
 * that can still serve, and the holder skips fence-delay. It does not
 * fence at all; its peer will (and its watchdog, if any, resets it). */
static int
has_carrier(void)
{
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	char path[300], c = '0';
	int fd, up = 0, seen = 0;

	if (d == NULL)
		return 1; /* cannot tell: do not hold fencing back */
	while (!up && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "lo") == 0)
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		seen++;
		/* EINVAL while the interface is administratively down */
		if (read(fd, &c, 1) == 1 && c == '1')
			up = 1;
		close(fd);
	}
	closedir(d);
	return up || seen == 0;
}

static void
peer_done(void *data, const struct rv_fence_peer_result *res)
{
	struct rv_fencing *f = data;
	char why[256];

	f->op = NULL;
	if (res->fenced) {
		succeeded(f, res->method);
		return;
	}
	if (res->n_attempts > 0)
		snprintf(why, sizeof(why), "%zu method(s) failed; last: %.63s: %.128s",
			 res->n_attempts, res->attempts[res->n_attempts - 1].method,
			 res->attempts[res->n_attempts - 1].detail);
	else
		snprintf(why, sizeof(why), "no method could be run");
	if (f->ctx->cfg->watchdog.enabled) {
		watchdog_wait(f, why);
		return;
	}
	failed(f, why);
}

static void
run_methods(struct rv_fencing *f)
{
	struct rv_ctx *ctx = f->ctx;
	const struct rv_fence_cfg *cfgs[MAX_METHODS];
	struct rv_fence_method methods[MAX_METHODS];
	struct rv_fence_peer_request req;
	size_t n, i;
	int rc;

	f->delayed = 0;
	if (!has_carrier()) {
		failed(f, "no network interface of this node has carrier: it is the one cut "
			  "off, and leaves fencing to its peer");
		return;
	}
	n = rv_config_fences_for(ctx->cfg, ctx->fsm.site.peer.name, cfgs, MAX_METHODS);
	if (n == 0) {
		if (ctx->cfg->watchdog.enabled)
			watchdog_wait(f, "no fence method for it");
		else
			failed(f, "no fence method is configured for this node");
		return;
	}
	memset(methods, 0, sizeof(methods));
	for (i = 0; i < n; i++) {
		methods[i].name = cfgs[i]->name;
		methods[i].agent = cfgs[i]->agent;
		methods[i].options = cfgs[i]->options;
		methods[i].n_options = cfgs[i]->n_options;
		methods[i].action = cfgs[i]->reboot ? RV_FENCE_ACTION_REBOOT : RV_FENCE_ACTION_OFF;
		methods[i].no_status = cfgs[i]->no_status;
		methods[i].timeout_ms = cfgs[i]->timeout_ms;
	}
	req.target = ctx->fsm.site.peer.name;
	req.reason = f->reason;
	req.methods = methods;
	req.n_methods = n;
	qb_log(LOG_NOTICE, "fencing %s: %s", req.target, f->reason);
	rc = rv_fence_peer(ctx->loop, &f->history, &req, peer_done, f, &f->op);
	if (rc < 0) {
		char why[96];

		f->op = NULL;
		snprintf(why, sizeof(why), "the fence methods were refused: %s", strerror(-rc));
		failed(f, why);
	}
}

static void
delay_timer(void *data)
{
	run_methods(data);
}

static int
busy(const struct rv_fencing *f)
{
	return f->op != NULL || f->delayed || f->watchdog_wait;
}

/* Start an operation unless one runs (it serves every caller). */
static void
start(struct rv_fencing *f, int delayed, const char *reason)
{
	struct rv_ctx *ctx = f->ctx;

	if (busy(f))
		return;
	if (f->retry_at_ms != 0) {
		qb_loop_timer_del(ctx->loop, f->retry_timer);
		f->retry_at_ms = 0;
	}
	f->started_ms = rv_now_ms();
	snprintf(f->reason, sizeof(f->reason), "%s", reason);
	/* always from the loop, never inside the caller (the role machine
	 * is in the middle of an action): a delay of 0 is a timer too */
	f->delayed = 1;
	if (delayed && ctx->cfg->fence_delay_ms > 0)
		qb_log(LOG_NOTICE, "fencing %s in %llu ms (fence-delay: the holder fences first)",
		       ctx->fsm.site.peer.name, (unsigned long long)ctx->cfg->fence_delay_ms);
	qb_loop_timer_add(ctx->loop, QB_LOOP_HIGH,
			  (delayed ? ctx->cfg->fence_delay_ms : 0) * QB_TIME_NS_IN_MSEC, f,
			  delay_timer, &f->delay_timer);
}

void
rv_fencing_start(struct rv_ctx *ctx, int delayed)
{
	struct rv_fencing *f = &ctx->fencing;
	char reason[128];

	snprintf(reason, sizeof(reason), "%s", ctx->fsm.site.peer.member
		 ? "its relevod is gone while it may hold the site" : "it left the membership");
	start(f, delayed, reason);
}

void
rv_fencing_cancel(struct rv_ctx *ctx)
{
	struct rv_fencing *f = &ctx->fencing;

	if (f->retry_at_ms != 0) {
		qb_loop_timer_del(ctx->loop, f->retry_timer);
		f->retry_at_ms = 0;
	}
	if (f->n_reqs > 0)
		return; /* an outside caller still waits for this operation */
	/* the incident is over (the peer is back, or the role machine stopped
	 * for its own reason): the next one starts at the first backoff, not
	 * at the one this one had grown to (seen in matrix.test: five "the
	 * peer is back" failures over earlier rounds made a real fence wait
	 * 32 s before its retry) */
	f->failures = 0;
	if (f->delayed || f->watchdog_wait) {
		qb_loop_timer_del(ctx->loop, f->delay_timer);
		f->delayed = f->watchdog_wait = 0;
		qb_log(LOG_NOTICE, "fencing %s: no longer needed", ctx->fsm.site.peer.name);
	}
	if (f->op != NULL) {
		rv_fence_peer_cancel(f->op);
		f->op = NULL;
		qb_log(LOG_NOTICE, "fencing %s: no longer needed; stopped",
		       ctx->fsm.site.peer.name);
	}
}

/* ------------------------------------------------------------ outside requests */

int
rv_fencing_request(struct rv_ctx *ctx, const char *reason, rv_fencing_req_fn done,
		   void *data)
{
	struct rv_fencing *f = &ctx->fencing;
	const struct rv_site_node *p;
	struct rv_fencing_req req = { .done = done, .data = data };
	char why[160];

	if (done == NULL || reason == NULL)
		return -EINVAL;
	if (!ctx->fsm_ready) {
		reply_later(f, &req, RV_FENCING_REQ_FAILED, "relevod is not in the cluster yet");
		return 0;
	}
	p = &ctx->fsm.site.peer;
	if (ctx->cfg->fencing_off) {
		reply_later(f, &req, RV_FENCING_REQ_REFUSED, "fencing is off in the configuration");
		return 0;
	}
	if (p->fenced) {
		reply_later(f, &req, RV_FENCING_REQ_FENCED, "the peer is confirmed off already");
		return 0;
	}
	if (p->agent && p->have_state) {
		if (p->state.disk == RV_DISK_OUTDATED) {
			reply_later(f, &req, RV_FENCING_REQ_PEER_OUTDATED,
				    "the peer's spool disk is Outdated");
			return 0;
		}
		if (p->state.disk == RV_DISK_INCONSISTENT || p->state.disk == RV_DISK_DISKLESS ||
		    p->state.disk == RV_DISK_FAILED) {
			reply_later(f, &req, RV_FENCING_REQ_PEER_INCONSISTENT,
				    "the peer's spool disk is not consistent");
			return 0;
		}
	}
	if (p->holds && p->agent) {
		reply_later(f, &req, RV_FENCING_REQ_REFUSED,
			    "the peer holds the site (it is the primary)");
		return 0;
	}
	if (f->n_reqs >= RV_FENCING_MAX_REQS)
		return -EBUSY;
	f->reqs[f->n_reqs++] = req;
	snprintf(why, sizeof(why), "requested: %s", reason);
	qb_log(LOG_NOTICE, "fence request for %s: %s", p->name, reason);
	start(f, rv_site_fence_delayed(&ctx->fsm.site), why);
	return 0;
}

void
rv_fencing_request_cancel(struct rv_ctx *ctx, void *data)
{
	struct rv_fencing *f = &ctx->fencing;
	size_t i = 0;

	struct req_reply *r;

	while (i < f->n_reqs) {
		if (f->reqs[i].data == data)
			f->reqs[i] = f->reqs[--f->n_reqs];
		else
			i++;
	}
	/* answers already queued for it are dropped when their job runs */
	for (r = f->replies; r != NULL; r = r->next)
		if (r->req.data == data)
			r->req.done = NULL;
}

/* ------------------------------------------------------------ the watchdog */

/* May this node go on? See the header comment for why these rules make the
 * peer's watchdog wait safe. */
static int
may_feed(void *data, const char **why)
{
	struct rv_ctx *ctx = data;
	const struct rv_fsm *fsm = &ctx->fsm;
	const struct rv_site_node *p = &fsm->site.peer;
	uint64_t now = rv_now_ms(), lost;
	int witness_vote;

	if (!ctx->fsm_ready || !fsm->holds)
		return 1;
	if (fsm->role == RV_ROLE_MAINTENANCE)
		return 1; /* the operator answers for the resources */
	if (fsm->role == RV_ROLE_BLOCKED && !fsm->blocked_fence) {
		*why = "a stop failed: the resources may still run here";
		return 0;
	}
	if (!ctx->cluster.connected) {
		if (ctx->cluster_down_ms != 0 &&
		    now - ctx->cluster_down_ms >= ctx->cfg->watchdog.timeout_ms) {
			*why = "lost corosync while holding the site, and not stopped in time";
			return 0;
		}
		return 1;
	}
	if (p->member)
		return 1;
	witness_vote = ctx->cfg->witness == RV_WITNESS_QDEVICE && fsm->site.quorate;
	if (p->fenced) {
		/* Confirmed off, and not back in our membership. Without a
		 * witness nobody takes the site from us but with a fence
		 * agent. With one, losing its vote means the other side has
		 * it: the peer booted, cut off from us, and its watchdog
		 * wait, counted from when it got the vote, will take us as
		 * reset or stopped. So stop in time, as for a lost peer
		 * (the model's witness check: a holder that demoted on the
		 * loss fed its watchdog through a slow stop, and the peer
		 * started meanwhile). */
		if (ctx->cfg->witness != RV_WITNESS_QDEVICE || witness_vote)
			return 1;
		if (now - ctx->quorum_lost_ms >= ctx->cfg->watchdog.timeout_ms) {
			*why = "holds the site without the witness vote (the peer fenced "
			       "earlier may be back, cut off), and not stopped in time";
			return 0;
		}
		return 1;
	}
	if (witness_vote)
		return 1;
	lost = ctx->peer_lost_ms != 0 ? ctx->peer_lost_ms : ctx->started_ms;
	if (now - lost >= ctx->cfg->watchdog.timeout_ms) {
		*why = "holds the site, lost the peer, has no witness vote and could not "
		       "fence it within the watchdog timeout";
		return 0;
	}
	return 1;
}

int
rv_fencing_init(struct rv_ctx *ctx)
{
	struct rv_fencing *f = &ctx->fencing;
	int rc;

	memset(f, 0, sizeof(*f));
	f->ctx = ctx;
	if (!ctx->cfg->watchdog.enabled)
		return 0;
	rc = rv_watchdog_open(&f->wd, &ctx->cfg->watchdog, ctx->loop, may_feed, ctx);
	if (rc < 0)
		return rc;
	f->wd_open = 1;
	return 0;
}

void
rv_fencing_fini(struct rv_ctx *ctx)
{
	struct rv_fencing *f = &ctx->fencing;
	int disarm;

	if (f->op != NULL) {
		rv_fence_peer_cancel(f->op);
		f->op = NULL;
	}
	if (f->delayed || f->watchdog_wait)
		qb_loop_timer_del(ctx->loop, f->delay_timer);
	if (f->retry_at_ms != 0)
		qb_loop_timer_del(ctx->loop, f->retry_timer);
	f->delayed = f->watchdog_wait = 0;
	f->retry_at_ms = 0;
	reply_all(f, RV_FENCING_REQ_FAILED, "relevod is stopping");
	if (f->wd_open) {
		/* a clean exit that holds nothing disarms; anything else
		 * leaves the machine to its watchdog */
		disarm = !ctx->fsm_ready || !ctx->fsm.holds ||
			 ctx->fsm.role == RV_ROLE_MAINTENANCE;
		rv_watchdog_close(&f->wd, disarm);
		f->wd_open = 0;
	}
}

const char *
rv_fencing_state(const struct rv_ctx *ctx)
{
	const struct rv_fencing *f = &ctx->fencing;

	if (f->delayed)
		return "delayed";
	if (f->op != NULL)
		return "running";
	if (f->watchdog_wait)
		return "watchdog-wait";
	if (f->retry_at_ms != 0)
		return "failed";
	return "idle";
}
