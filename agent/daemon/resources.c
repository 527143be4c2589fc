/*
 * resources.c — the ordered resource group: probe, start with rollback,
 * stop in reverse, monitors with recovery in place.
 *
 * Every step is an OCF action run through ocf.c from the loop; this file only
 * sequences them and reports. It must never decide a role, and never start a
 * resource unless told to by rv_group_start (or by recovery while active).
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qb/qblog.h>

#include "resources.h"
#include "types.h"
#include "util.h"

static const char *const res_state_names[] = {
	[RV_RES_UNKNOWN] = "unknown",
	[RV_RES_STOPPED] = "stopped",
	[RV_RES_STARTING] = "starting",
	[RV_RES_STARTED] = "started",
	[RV_RES_STOPPING] = "stopping",
	[RV_RES_FAILED] = "failed",
	[RV_RES_STOP_FAILED] = "stop-failed",
};

const char *
rv_res_state_name(int state)
{
	if (state < 0 || (size_t)state >= sizeof(res_state_names) / sizeof(res_state_names[0]))
		return "invalid";
	return res_state_names[state];
}

static void step(struct rv_group *g);
static void arm_monitor(struct rv_resource *r);

/* The resource before cursor c in a walk from the last to the first;
 * SIZE_MAX once past the first. */
static size_t
before(size_t c)
{
	return c == 0 ? SIZE_MAX : c - 1;
}

static void
action_done(void *data, const struct rv_ocf_result *res)
{
	struct rv_resource *r = data;
	rv_res_done_fn done = r->done;

	r->op = NULL;
	r->done = NULL;
	r->last_rc = res->rc;
	r->last_duration_ms = res->duration_ms;
	r->last_done_ms = rv_now_ms();
	snprintf(r->last_reason, sizeof(r->last_reason), "%s",
		 res->exit_reason[0] != '\0' ? res->exit_reason
		 : res->status == RV_OCF_TIMEOUT ? "timed out"
		 : res->status == RV_OCF_SIGNALED ? "killed by a signal"
		 : res->status == RV_OCF_EXEC_FAILED ? "agent could not be executed"
		 : "");
	qb_log(res->rc == OCF_SUCCESS || (res->rc == OCF_NOT_RUNNING &&
		 strcmp(r->last_action, "monitor") == 0) ? LOG_INFO : LOG_WARNING,
	       "%s %s: %s (rc %d%s%s) in %llu ms", r->cfg->name, r->last_action,
	       rv_ocf_rc_name(res->rc), res->rc, r->last_reason[0] ? ": " : "",
	       r->last_reason, (unsigned long long)res->duration_ms);
	done(r, res);
}

/* Run action on r; done gets the result. Returns 0 or -errno. */
static int
run(struct rv_resource *r, const char *action, uint64_t timeout_ms,
    uint64_t interval_ms, rv_res_done_fn done)
{
	const struct rv_resource_cfg *c = r->cfg;
	struct rv_ocf_request req = {
		.ocf_root = r->group->cfg->ocf_root,
		.provider = c->provider,
		.type = c->type,
		.instance = c->name,
		.action = action,
		.params = c->params,
		.n_params = c->n_params,
		.timeout_ms = timeout_ms,
		.interval_ms = interval_ms,
		.check_level = c->monitor_level,
	};
	int rc;

	r->done = done;
	r->last_action = action;
	qb_log(LOG_INFO, "%s %s", c->name, action);
	rc = rv_ocf_run(r->group->loop, &req, action_done, r, &r->op);
	if (rc < 0) {
		r->done = NULL;
		r->op = NULL;
		qb_log(LOG_ERR, "%s %s: cannot run the agent: %s", c->name, action,
		       strerror(-rc));
	}
	return rc;
}

static void
cancel_ops(struct rv_group *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		if (g->res[i].op != NULL) {
			rv_ocf_cancel(g->res[i].op);
			g->res[i].op = NULL;
			g->res[i].done = NULL;
		}
	}
}

int
rv_group_init(struct rv_group *g, qb_loop_t *loop, const struct rv_config *cfg,
	      const struct rv_group_ops *ops, void *data)
{
	size_t i;

	memset(g, 0, sizeof(*g));
	g->loop = loop;
	g->cfg = cfg;
	g->ops = ops;
	g->data = data;
	g->n = cfg->n_resources;
	g->res = calloc(g->n, sizeof(*g->res));
	if (g->res == NULL)
		abort();
	for (i = 0; i < g->n; i++) {
		g->res[i].cfg = &cfg->resources[i];
		g->res[i].group = g;
		g->res[i].last_rc = -1;
		g->res[i].last_action = "none";
	}
	return 0;
}

void
rv_group_fini(struct rv_group *g)
{
	if (g->res == NULL)
		return;
	rv_group_monitors(g, 0);
	cancel_ops(g);
	free(g->res);
	g->res = NULL;
	g->n = 0;
}

/* ------------------------------------------------------------ probe */

static void
probe_done(struct rv_resource *r, const struct rv_ocf_result *res)
{
	struct rv_group *g = r->group;

	if (res->rc == OCF_SUCCESS || res->rc == OCF_RUNNING_PROMOTED ||
	    res->rc == OCF_DEGRADED || res->rc == OCF_DEGRADED_PROMOTED) {
		r->state = RV_RES_STARTED;
		r->health = res->rc == OCF_DEGRADED || res->rc == OCF_DEGRADED_PROMOTED
				    ? RV_HEALTH_DEGRADED : RV_HEALTH_OK;
	} else if (res->rc == OCF_NOT_RUNNING)
		r->state = RV_RES_STOPPED;
	else
		r->state = RV_RES_FAILED; /* cannot tell: may be running */
	g->cursor++;
	step(g);
}

void
rv_group_probe(struct rv_group *g)
{
	cancel_ops(g);
	g->op = RV_GROUP_PROBING;
	g->cursor = 0;
	step(g);
}

/* ------------------------------------------------------------ start / stop */

static void
start_done(struct rv_resource *r, const struct rv_ocf_result *res)
{
	struct rv_group *g = r->group;

	if (res->rc == OCF_SUCCESS) {
		r->state = RV_RES_STARTED;
		r->health = RV_HEALTH_OK;
		g->ops->resource_up(g->data, g->cursor);
		g->cursor++;
		step(g);
		return;
	}
	r->state = RV_RES_FAILED;
	r->health = RV_HEALTH_FAILED;
	if (g->op == RV_GROUP_RECOVERING) {
		char why[RV_OCF_REASON_MAX + 64];

		g->op = RV_GROUP_IDLE;
		snprintf(why, sizeof(why), "%s failed to restart: %s", r->cfg->name,
			 r->last_reason[0] ? r->last_reason : rv_ocf_rc_name(res->rc));
		g->ops->failed(g->data, g->cursor, why);
		return;
	}
	/* roll back from the failed one (a failed start may be half done) */
	snprintf(g->why, sizeof(g->why), "%s failed to start: %s; rolled back", r->cfg->name,
		 r->last_reason[0] ? r->last_reason : rv_ocf_rc_name(res->rc));
	g->op = RV_GROUP_ROLLING_BACK;
	step(g);
}

static void
stop_done(struct rv_resource *r, const struct rv_ocf_result *res)
{
	struct rv_group *g = r->group;
	char why[RV_OCF_REASON_MAX + 64];

	if (res->rc == OCF_SUCCESS || res->rc == OCF_NOT_RUNNING) {
		r->state = RV_RES_STOPPED;
		r->health = RV_HEALTH_UNKNOWN;
		g->cursor = before(g->cursor);
		step(g);
		return;
	}
	r->state = RV_RES_STOP_FAILED;
	r->health = RV_HEALTH_FAILED;
	snprintf(why, sizeof(why), "%s failed to stop: %s", r->cfg->name,
		 r->last_reason[0] ? r->last_reason : rv_ocf_rc_name(res->rc));
	if (g->op == RV_GROUP_ROLLING_BACK) {
		g->op = RV_GROUP_IDLE;
		g->ops->start_failed(g->data, 0, why);
	} else if (g->op == RV_GROUP_RECOVERING) {
		g->op = RV_GROUP_IDLE;
		g->ops->failed(g->data, g->cursor, why);
	} else {
		g->op = RV_GROUP_IDLE;
		g->ops->stop_failed(g->data, why);
	}
}

void
rv_group_start(struct rv_group *g)
{
	cancel_ops(g);
	g->op = RV_GROUP_STARTING;
	g->cursor = 0;
	step(g);
}

void
rv_group_stop(struct rv_group *g, int drain)
{
	cancel_ops(g);
	g->op = drain ? RV_GROUP_DRAINING : RV_GROUP_STOPPING;
	g->cursor = g->n - 1;
	step(g);
}

void
rv_group_end_drain(struct rv_group *g, const char *why)
{
	if (g->op != RV_GROUP_DRAINING)
		return;
	qb_log(LOG_WARNING, "drain cut short (%s): stopping now", why);
	rv_group_stop(g, 0);
}

/* Whatever the drain's outcome, the next resource drains, then the stop. */
static void
drain_done(struct rv_resource *r, const struct rv_ocf_result *res)
{
	struct rv_group *g = r->group;

	if (res->rc != OCF_SUCCESS)
		qb_log(LOG_WARNING, "%s did not drain: stopping without it", r->cfg->name);
	g->cursor = before(g->cursor);
	step(g);
}

/* Advance the running group operation by one action, or finish it. */
static void
step(struct rv_group *g)
{
	struct rv_resource *r;
	int holds = 0;
	size_t i;

	switch (g->op) {
	case RV_GROUP_PROBING:
		if (g->cursor < g->n) {
			r = &g->res[g->cursor];
			if (run(r, "monitor", r->cfg->monitor_timeout_ms, 0, probe_done) < 0) {
				r->state = RV_RES_FAILED;
				g->cursor++;
				step(g);
			}
			return;
		}
		for (i = 0; i < g->n; i++)
			holds |= g->res[i].state != RV_RES_STOPPED;
		g->op = RV_GROUP_IDLE;
		g->ops->probed(g->data, holds);
		return;

	case RV_GROUP_STARTING:
	case RV_GROUP_RECOVERING:
		if (g->op == RV_GROUP_RECOVERING && g->recover_stopping) {
			/* stopping from the last down to the failed one */
			if (g->cursor != SIZE_MAX && g->cursor >= g->recover_from)
				goto do_stop;
			g->recover_stopping = 0;
			g->cursor = g->recover_from;
		}
		if (g->cursor < g->n) {
			r = &g->res[g->cursor];
			r->state = RV_RES_STARTING;
			if (run(r, "start", r->cfg->start_timeout_ms, 0, start_done) < 0) {
				struct rv_ocf_result fail = { .rc = OCF_ERR_GENERIC,
							      .status = RV_OCF_EXEC_FAILED };
				start_done(r, &fail);
			}
			return;
		}
		i = g->op == RV_GROUP_RECOVERING;
		g->op = RV_GROUP_IDLE;
		if (i) {
			qb_log(LOG_NOTICE, "recovered in place");
			return;
		}
		g->ops->started(g->data);
		return;

	case RV_GROUP_ROLLING_BACK:
	case RV_GROUP_STOPPING:
		if (g->cursor == SIZE_MAX) {
			i = g->op == RV_GROUP_ROLLING_BACK;
			g->op = RV_GROUP_IDLE;
			if (i)
				g->ops->start_failed(g->data, 1, g->why);
			else
				g->ops->stopped(g->data);
			return;
		}
	do_stop:
		r = &g->res[g->cursor];
		r->state = RV_RES_STOPPING;
		if (run(r, "stop", r->cfg->stop_timeout_ms, 0, stop_done) < 0) {
			struct rv_ocf_result fail = { .rc = OCF_ERR_GENERIC,
						      .status = RV_OCF_EXEC_FAILED };
			stop_done(r, &fail);
		}
		return;

	case RV_GROUP_DRAINING:
		/* a resource whose monitor failed is not waited for: the
		 * service is broken, and waiting would only delay the move */
		for (; g->cursor != SIZE_MAX; g->cursor = before(g->cursor)) {
			r = &g->res[g->cursor];
			if (r->cfg->drain_timeout_ms == 0 || r->state != RV_RES_STARTED ||
			    r->health == RV_HEALTH_FAILED)
				continue;
			if (run(r, "drain", r->cfg->drain_timeout_ms, 0, drain_done) == 0)
				return;
		}
		g->op = RV_GROUP_STOPPING;
		g->cursor = g->n - 1;
		step(g);
		return;

	case RV_GROUP_IDLE:
	default:
		return;
	}
}

/* ------------------------------------------------------------ monitors */

static void
monitor_done(struct rv_resource *r, const struct rv_ocf_result *res)
{
	struct rv_group *g = r->group;
	char why[RV_OCF_REASON_MAX + 96];
	size_t i;

	if (res->rc == OCF_SUCCESS) {
		r->health = RV_HEALTH_OK;
		goto rearm;
	}
	if (res->rc == OCF_DEGRADED) {
		if (r->health != RV_HEALTH_DEGRADED)
			qb_log(LOG_WARNING, "%s is degraded: %s", r->cfg->name,
			       r->last_reason[0] ? r->last_reason : "no reason given");
		r->health = RV_HEALTH_DEGRADED;
		goto rearm;
	}
	if (g->op != RV_GROUP_IDLE) {
		/* resources after this one are being restarted: marked
		 * failed now, this one would be left out of that recovery and
		 * skipped by monitor_timer, never monitored or recovered
		 * again; the next interval looks again */
		qb_log(LOG_WARNING, "%s monitor failed while the group is busy; "
		       "looking again next interval", r->cfg->name);
		goto rearm;
	}
	r->failures++;
	r->health = RV_HEALTH_FAILED;
	r->state = RV_RES_FAILED;
	snprintf(why, sizeof(why), "%s monitor failed (%u of %u allowed): %s",
		 r->cfg->name, r->failures, r->cfg->migration_threshold,
		 r->last_reason[0] ? r->last_reason : rv_ocf_rc_name(res->rc));
	qb_log(LOG_WARNING, "%s", why);
	if (r->failures > r->cfg->migration_threshold) {
		g->ops->failed(g->data, (size_t)(r - g->res), why);
		return;
	}
	/* restart in place: stop it and those after it, start them again */
	g->op = RV_GROUP_RECOVERING;
	g->recover_from = (size_t)(r - g->res);
	g->recover_stopping = 1;
	/* a monitor still running on one of those would finish under the
	 * stop or start that replaces it in r->op: cancel it, re-arm it */
	for (i = g->recover_from + 1; i < g->n; i++) {
		if (g->res[i].op != NULL) {
			rv_ocf_cancel(g->res[i].op);
			g->res[i].op = NULL;
			g->res[i].done = NULL;
			arm_monitor(&g->res[i]);
		}
	}
	g->cursor = g->n - 1;
	step(g);
rearm:
	arm_monitor(r);
}

static void
monitor_timer(void *data)
{
	struct rv_resource *r = data;
	struct rv_group *g = r->group;

	r->monitor_armed = 0;
	if (!g->monitors_on)
		return;
	if (g->op != RV_GROUP_IDLE || r->op != NULL || r->state != RV_RES_STARTED) {
		arm_monitor(r); /* busy now; look again next interval */
		return;
	}
	if (run(r, "monitor", r->cfg->monitor_timeout_ms, r->cfg->monitor_interval_ms,
		monitor_done) < 0)
		arm_monitor(r);
}

static void
arm_monitor(struct rv_resource *r)
{
	struct rv_group *g = r->group;

	if (!g->monitors_on || r->monitor_armed || r->cfg->monitor_interval_ms == 0)
		return;
	if (qb_loop_timer_add(g->loop, QB_LOOP_MED, r->cfg->monitor_interval_ms * QB_TIME_NS_IN_MSEC,
			      r, monitor_timer, &r->monitor_timer) == 0)
		r->monitor_armed = 1;
}

void
rv_group_monitors(struct rv_group *g, int on)
{
	size_t i;

	g->monitors_on = on != 0;
	for (i = 0; i < g->n; i++) {
		struct rv_resource *r = &g->res[i];

		if (on) {
			arm_monitor(r);
			continue;
		}
		if (r->monitor_armed) {
			qb_loop_timer_del(g->loop, r->monitor_timer);
			r->monitor_armed = 0;
		}
		if (r->op != NULL && strcmp(r->last_action, "monitor") == 0) {
			rv_ocf_cancel(r->op);
			r->op = NULL;
			r->done = NULL;
		}
	}
}

int
rv_group_health(const struct rv_group *g)
{
	int worst = RV_HEALTH_UNKNOWN;
	size_t i;

	for (i = 0; i < g->n; i++) {
		int h = g->res[i].health;

		if (g->res[i].state == RV_RES_STOP_FAILED || g->res[i].state == RV_RES_FAILED)
			h = RV_HEALTH_FAILED;
		if (h > worst)
			worst = h;
	}
	return worst;
}
