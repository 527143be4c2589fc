/*
 * resources.h — the site's resources as one ordered group.
 *
 * Started in configuration order, stopped in reverse; a failed start rolls
 * back what was started, in reverse; a stop that fails aborts the stop (what
 * comes before it must keep running under it) and is reported so the role
 * machine can block. Recurring monitors run while the group is active; a
 * failure is recovered in place (the failed resource and those after it are
 * restarted) up to the resource's migration-threshold, then reported so the
 * site can move. One group operation runs at a time.
 *
 * A stop that hands the site to the peer may drain first: each started,
 * healthy resource with a drain-timeout, last to first, runs its agent's
 * "drain" action (the mta holds new SMTP connections back and waits for the
 * sessions in flight), then the stop proper begins. A drain that fails or
 * times out is logged and the stop goes on: a drain never holds the site.
 *
 * This module runs OCF actions and reports; it never decides roles.
 * Ownership: struct rv_group is embedded by the caller; rv_group_fini()
 * cancels whatever still runs.
 */
#ifndef RELEVO_RESOURCES_H
#define RELEVO_RESOURCES_H

#include <stddef.h>
#include <stdint.h>

#include <qb/qbloop.h>

#include "config.h"
#include "ocf.h"

enum rv_res_state {
	RV_RES_UNKNOWN = 0,
	RV_RES_STOPPED,
	RV_RES_STARTING,
	RV_RES_STARTED,
	RV_RES_STOPPING,
	RV_RES_FAILED,       /* start or monitor failed; may be running */
	RV_RES_STOP_FAILED,  /* stop failed; may be running */
};

struct rv_resource;
typedef void (*rv_res_done_fn)(struct rv_resource *r, const struct rv_ocf_result *res);

struct rv_resource {
	const struct rv_resource_cfg *cfg;
	int state;                    /* enum rv_res_state */
	int health;                   /* enum rv_health, from monitors */
	unsigned failures;            /* monitor failures since relevod started */
	const char *last_action;      /* "start", "monitor", ... */
	int last_rc;                  /* OCF code of the last action */
	char last_reason[RV_OCF_REASON_MAX];
	uint64_t last_duration_ms;
	uint64_t last_done_ms;        /* monotonic */
	struct rv_ocf_action *op;     /* running action, if any */
	rv_res_done_fn done;          /* what to do with op's result */
	qb_loop_timer_handle monitor_timer;
	int monitor_armed;
	struct rv_group *group;
};

enum rv_group_op {
	RV_GROUP_IDLE = 0,
	RV_GROUP_PROBING,
	RV_GROUP_STARTING,
	RV_GROUP_ROLLING_BACK,
	RV_GROUP_STOPPING,
	RV_GROUP_RECOVERING,
	RV_GROUP_DRAINING,            /* then STOPPING */
};

struct rv_group_ops {
	void (*probed)(void *data, int holds);
	void (*started)(void *data);
	/* rolled_back: 1 when everything was stopped again, 0 when a stop of
	 * the rollback failed too (resources may run) */
	void (*start_failed)(void *data, int rolled_back, const char *why);
	void (*stopped)(void *data);
	void (*stop_failed)(void *data, const char *why);
	/* resource idx is up (timeline step) */
	void (*resource_up)(void *data, size_t idx);
	/* a monitor failure could not be recovered in place */
	void (*failed)(void *data, size_t idx, const char *why);
};

struct rv_group {
	qb_loop_t *loop;
	const struct rv_config *cfg;
	struct rv_resource *res;
	size_t n;
	int op;                       /* enum rv_group_op */
	size_t cursor;
	size_t recover_from;          /* RECOVERING: first resource to restart */
	int recover_stopping;
	int monitors_on;
	char why[RV_OCF_REASON_MAX + 96]; /* why the running start is rolled back */
	const struct rv_group_ops *ops;
	void *data;
};

/* 0 or -errno. */
int rv_group_init(struct rv_group *g, qb_loop_t *loop, const struct rv_config *cfg,
		  const struct rv_group_ops *ops, void *data);
void rv_group_fini(struct rv_group *g);

/* Each starts a group operation; the result comes through ops. If another
 * operation is running it is abandoned first (its action killed). */
void rv_group_probe(struct rv_group *g);
void rv_group_start(struct rv_group *g);
/* drain 1: the stop of a handover, which drains first (see above) */
void rv_group_stop(struct rv_group *g, int drain);
/* If a drain runs, cut it short (its action is killed) and stop at once;
 * why is logged. Otherwise nothing. */
void rv_group_end_drain(struct rv_group *g, const char *why);

/* Recurring monitors on or off (off cancels running monitors). */
void rv_group_monitors(struct rv_group *g, int on);

/* Worst health of the started resources (RV_HEALTH_UNKNOWN if none started). */
int rv_group_health(const struct rv_group *g);

/* "stopped", "started", ... */
const char *rv_res_state_name(int state);

#endif
