/*
 * core.c — wires relevod's modules together: corosync deliveries and
 * membership into the role machine, the role machine's requests into the
 * resource group and the CPG group, the group's results back as events, and
 * everything worth remembering into the journal.
 *
 * Glue only: no decision is taken here that the role machine could take.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <qb/qblog.h>

#include "ctx.h"
#include "util.h"
#include "wire.h"

/* ------------------------------------------------------------ fsm ops */

static int
fsm_send(void *data, const struct rv_msg *m)
{
	struct rv_ctx *ctx = data;
	unsigned char buf[RV_WIRE_MAX_LEN];
	ssize_t len = rv_wire_encode(m, buf, sizeof(buf));

	if (len < 0)
		return (int)len;
	return rv_cluster_send(&ctx->cluster, buf, (size_t)len);
}

static void
fsm_probe(void *data)
{
	struct rv_ctx *ctx = data;

	rv_group_probe(&ctx->group);
}

static void
fsm_group_start(void *data)
{
	struct rv_ctx *ctx = data;

	rv_group_start(&ctx->group);
}

static void
fsm_group_stop(void *data, int drain)
{
	struct rv_ctx *ctx = data;

	rv_group_stop(&ctx->group, drain);
}

static void
fsm_end_drain(void *data, const char *why)
{
	struct rv_ctx *ctx = data;

	rv_group_end_drain(&ctx->group, why);
}

static void
fsm_monitors(void *data, int on)
{
	struct rv_ctx *ctx = data;

	rv_group_monitors(&ctx->group, on);
}

static void
fsm_transition(void *data, int from, int to, const char *cause)
{
	struct rv_ctx *ctx = data;
	uint64_t now = rv_now_ms(), t0 = now;
	char trigger[96];

	rv_journal_transition(&ctx->journal, from, to, cause);
	rv_mta_health_active(&ctx->health, to == RV_ROLE_ACTIVE);
	rv_inner_link_active(&ctx->inner_link, to == RV_ROLE_ACTIVE);
	rv_sitepool_active(&ctx->pool, to == RV_ROLE_ACTIVE);
	if (from == RV_ROLE_DEMOTING)
		ctx->handover_ms = 0; /* we were the giving side */
	if (to == RV_ROLE_PROMOTING) {
		/* the timeline starts at what made us take over */
		if (ctx->handover_ms != 0 && now - ctx->handover_ms < 60000) {
			t0 = ctx->handover_ms;
			snprintf(trigger, sizeof(trigger), "%s", ctx->handover_why);
		} else if (ctx->peer_lost_ms != 0 && now - ctx->peer_lost_ms < 60000) {
			t0 = ctx->peer_lost_ms;
			snprintf(trigger, sizeof(trigger), "peer %s lost",
				 ctx->fsm.site.peer.name);
		} else {
			snprintf(trigger, sizeof(trigger), "%s", cause);
		}
		rv_journal_timeline_begin(&ctx->journal, trigger, t0);
		if (ctx->cfg->fencing_off && !ctx->fsm.site.peer.member)
			rv_journal_timeline_step(&ctx->journal, "fence skipped (fencing off)");
		else if (ctx->fencing.fenced_ms >= t0 && ctx->fencing.fenced_ms != 0)
			rv_journal_timeline_step_at(&ctx->journal, ctx->fencing.method[0] != '\0' &&
						    strcmp(ctx->fencing.method, "watchdog") == 0
						    ? "peer fenced (watchdog wait)" : "peer fenced",
						    ctx->fencing.fenced_ms);
		if (t0 != now)
			rv_journal_timeline_step(&ctx->journal, "claim granted");
		ctx->handover_ms = 0;
		ctx->peer_lost_ms = 0;
	} else if (from == RV_ROLE_PROMOTING) {
		rv_journal_timeline_end(&ctx->journal, to == RV_ROLE_ACTIVE);
	}
	if (ctx->shutting_down && (to == RV_ROLE_STANDBY || to == RV_ROLE_BLOCKED)) {
		qb_log(LOG_NOTICE, "resources released; exiting");
		qb_loop_stop(ctx->loop);
	}
}

static void
fsm_fence(void *data, int delayed)
{
	rv_fencing_start(data, delayed);
}

static void
fsm_fence_cancel(void *data)
{
	rv_fencing_cancel(data);
}

static const struct rv_fsm_ops fsm_ops = {
	.fence = fsm_fence,
	.fence_cancel = fsm_fence_cancel,
	.send = fsm_send,
	.probe = fsm_probe,
	.group_start = fsm_group_start,
	.group_stop = fsm_group_stop,
	.end_drain = fsm_end_drain,
	.monitors = fsm_monitors,
	.transition = fsm_transition,
};

/* ------------------------------------------------------------ group ops */

static void
grp_probed(void *data, int holds)
{
	struct rv_ctx *ctx = data;

	qb_log(LOG_NOTICE, "initial probe: %s", holds ? "resources are running here"
						    : "nothing is running here");
	rv_fsm_probed(&ctx->fsm, holds);
}

static void
grp_started(void *data)
{
	rv_fsm_event(&((struct rv_ctx *)data)->fsm, RV_EV_STARTED, "all resources started");
}

static void
grp_start_failed(void *data, int rolled_back, const char *why)
{
	struct rv_ctx *ctx = data;

	rv_fsm_event(&ctx->fsm, rolled_back ? RV_EV_START_FAILED : RV_EV_STOP_FAILED, why);
}

static void
grp_stopped(void *data)
{
	rv_fsm_event(&((struct rv_ctx *)data)->fsm, RV_EV_STOPPED, "all resources stopped");
}

static void
grp_stop_failed(void *data, const char *why)
{
	rv_fsm_event(&((struct rv_ctx *)data)->fsm, RV_EV_STOP_FAILED, why);
}

static void
grp_resource_up(void *data, size_t idx)
{
	struct rv_ctx *ctx = data;
	char step[64];

	snprintf(step, sizeof(step), "%s up", ctx->group.res[idx].cfg->name);
	rv_journal_timeline_agent_step(&ctx->journal, step, ctx->group.res[idx].last_duration_ms);
}

static void
grp_failed(void *data, size_t idx, const char *why)
{
	struct rv_ctx *ctx = data;

	ctx->handover_ms = rv_now_ms();
	snprintf(ctx->handover_why, sizeof(ctx->handover_why), "%s failed on %s",
		 ctx->group.res[idx].cfg->name, ctx->fsm.site.self.name);
	rv_fsm_event(&ctx->fsm, RV_EV_RESOURCE_FAILED, why);
}

static const struct rv_group_ops group_ops = {
	.probed = grp_probed,
	.started = grp_started,
	.start_failed = grp_start_failed,
	.stopped = grp_stopped,
	.stop_failed = grp_stop_failed,
	.resource_up = grp_resource_up,
	.failed = grp_failed,
};

/* ------------------------------------------------------------ timers */

/* The peer's node is a member but its relevod is not in the group: after
 * agent-lost-grace it may be fenced (its resources may run unmanaged). */
static void
grace_check(struct rv_ctx *ctx)
{
	const struct rv_site_node *p = &ctx->fsm.site.peer;
	uint64_t now = rv_now_ms();

	if (!p->member || p->agent) {
		ctx->peer_agent_missing_ms = 0;
		return;
	}
	if (ctx->peer_agent_missing_ms == 0)
		ctx->peer_agent_missing_ms = now;
	if (!ctx->fsm.local.grace_over &&
	    now - ctx->peer_agent_missing_ms >= ctx->cfg->agent_lost_grace_ms)
		rv_fsm_event(&ctx->fsm, RV_EV_GRACE_OVER,
			     "the peer's relevod has been gone for agent-lost-grace");
}

static void
state_timer(void *data)
{
	struct rv_ctx *ctx = data;
	int health = rv_group_health(&ctx->group);

	if (ctx->fsm.role == RV_ROLE_ACTIVE && health != RV_HEALTH_UNKNOWN)
		ctx->fsm.local.health = health;
	if (ctx->cluster.connected)
		(void)rv_fsm_broadcast_state(&ctx->fsm);
	grace_check(ctx);
	qb_loop_timer_add(ctx->loop, QB_LOOP_MED, ctx->cfg->state_interval_ms * QB_TIME_NS_IN_MSEC,
			  ctx, state_timer, &ctx->state_timer);
}

static void
wait_timer(void *data)
{
	struct rv_ctx *ctx = data;

	ctx->fsm.local.peer_wait_over = 1;
	rv_fsm_event(&ctx->fsm, RV_EV_PEER_WAIT_DONE, "start-up wait for the peer is over");
}

/* ------------------------------------------------------------ standby flag */

static void
standby_path(const struct rv_ctx *ctx, char *buf, size_t len)
{
	snprintf(buf, len, "%s/standby", ctx->cfg->state_dir);
}

static int
standby_persist(struct rv_ctx *ctx, int on)
{
	char path[512];
	int fd;

	standby_path(ctx, path, sizeof(path));
	if (!on)
		return unlink(path) == 0 || errno == ENOENT ? 0 : -errno;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* ------------------------------------------------------------ cluster ops */

/* Keep when quorum was last gained (fencing.c counts the watchdog wait
 * from it) and lost (may_feed's deadline for a holder that lost the witness
 * vote). */
static void
note_quorum(struct rv_ctx *ctx, int quorate)
{
	if (!quorate) {
		if (ctx->quorate_since_ms != 0 || ctx->quorum_lost_ms == 0)
			ctx->quorum_lost_ms = rv_now_ms();
		ctx->quorate_since_ms = 0;
	} else if (ctx->quorate_since_ms == 0) {
		ctx->quorate_since_ms = rv_now_ms();
	}
}

static void
cl_up(void *data, uint32_t local_id)
{
	struct rv_ctx *ctx = data;
	char path[512];

	if (ctx->fsm_ready) {
		rv_fsm_event(&ctx->fsm, RV_EV_CLUSTER_UP, "reconnected to corosync");
		return;
	}
	if (rv_fsm_init(&ctx->fsm, ctx->cfg, local_id, &fsm_ops, ctx) < 0) {
		qb_log(LOG_CRIT, "this node (corosync nodeid %u) is not a node of %s; exiting",
		       local_id, ctx->config_path);
		qb_loop_stop(ctx->loop);
		return;
	}
	ctx->fsm_ready = 1;
	standby_path(ctx, path, sizeof(path));
	if (access(path, F_OK) == 0) {
		ctx->fsm.local.standby_req = 1;
		qb_log(LOG_NOTICE, "this node is in standby (%s exists)", path);
	}
	qb_log(LOG_NOTICE, "this is node %s (id %u) of site %s; probing resources",
	       ctx->fsm.site.self.name, local_id, ctx->cfg->site);
	ctx->fsm.site.quorate = ctx->cluster.quorate;
	note_quorum(ctx, ctx->cluster.quorate);
	rv_group_probe(&ctx->group);
	if (ctx->cfg->peer_wait_ms == 0)
		ctx->fsm.local.peer_wait_over = 1;
	else
		qb_loop_timer_add(ctx->loop, QB_LOOP_MED,
				  ctx->cfg->peer_wait_ms * QB_TIME_NS_IN_MSEC, ctx, wait_timer,
				  &ctx->wait_timer);
	state_timer(ctx);
}

static void
cl_down(void *data)
{
	struct rv_ctx *ctx = data;

	if (!ctx->fsm_ready)
		return;
	ctx->cluster_down_ms = rv_now_ms();
	note_quorum(ctx, 0);
	rv_fsm_quorum(&ctx->fsm, 0);
	rv_fsm_event(&ctx->fsm, RV_EV_CLUSTER_DOWN, "lost the connection to corosync");
}

static void
cl_deliver(void *data, uint32_t nodeid, const void *buf, size_t len)
{
	struct rv_ctx *ctx = data;
	struct rv_msg m;
	int rc;

	if (!ctx->fsm_ready)
		return;
	rc = rv_wire_decode(buf, len, &m);
	if (rc < 0) {
		ctx->wire_dropped++;
		qb_log(LOG_WARNING, "dropped a %zu-byte message from node %u: %s", len, nodeid,
		       strerror(-rc));
		return;
	}
	if (m.sender != nodeid) {
		ctx->wire_dropped++;
		qb_log(LOG_WARNING, "dropped a %s from node %u claiming to be node %u",
		       rv_msg_type_name(m.type), nodeid, m.sender);
		return;
	}
	/* the receiving side's timeline starts when the handover is asked
	 * for (a local request set it already) or when the peer lets go */
	if (ctx->handover_ms == 0 &&
	    ((m.type == RV_MSG_SWITCHOVER && m.u.target == ctx->fsm.site.self.id) ||
	     (m.type == RV_MSG_RELEASE && m.sender == ctx->fsm.site.peer.id &&
	      m.u.target == ctx->fsm.site.self.id))) {
		ctx->handover_ms = rv_now_ms();
		snprintf(ctx->handover_why, sizeof(ctx->handover_why), "%s to %s",
			 m.type == RV_MSG_SWITCHOVER ? "switchover" : "handover",
			 ctx->fsm.site.self.name);
	}
	rv_fsm_deliver(&ctx->fsm, &m);
}

static void
cl_members(void *data, const uint32_t *ids, size_t n)
{
	struct rv_ctx *ctx = data;
	int member = 0;
	size_t i;

	if (!ctx->fsm_ready)
		return;
	for (i = 0; i < n; i++)
		member |= ids[i] == ctx->fsm.site.peer.id;
	if (!member && ctx->fsm.site.peer.member)
		ctx->peer_lost_ms = rv_now_ms();
	rv_fsm_peer_member(&ctx->fsm, member);
}

static void
cl_group(void *data, uint32_t nodeid, int joined, enum rv_leave_reason why)
{
	struct rv_ctx *ctx = data;

	if (!ctx->fsm_ready)
		return;
	if (nodeid != ctx->fsm.site.peer.id) {
		qb_log(LOG_WARNING, "relevod on node %u, which is not a node of this site, %s "
		       "the group", nodeid, joined ? "joined" : "left");
		return;
	}
	if (joined) {
		rv_fsm_peer_agent(&ctx->fsm, 1);
	} else if (why == RV_LEFT_NODE) {
		if (ctx->fsm.site.peer.member)
			ctx->peer_lost_ms = rv_now_ms();
		rv_fsm_peer_member(&ctx->fsm, 0);
	} else {
		ctx->peer_agent_lost_ms = rv_now_ms();
		rv_fsm_peer_agent(&ctx->fsm, 0);
	}
}

static void
cl_quorum(void *data, int quorate)
{
	struct rv_ctx *ctx = data;

	note_quorum(ctx, quorate);
	if (ctx->fsm_ready)
		rv_fsm_quorum(&ctx->fsm, quorate);
}

static const struct rv_cluster_ops cluster_ops = {
	.up = cl_up,
	.down = cl_down,
	.deliver = cl_deliver,
	.members = cl_members,
	.group = cl_group,
	.quorum = cl_quorum,
};

/* ------------------------------------------------------------ commands */

int
rv_core_switchover(struct rv_ctx *ctx, const char *to, const char **why)
{
	struct rv_site *s = &ctx->fsm.site;
	struct rv_msg m = { .type = RV_MSG_SWITCHOVER };
	uint32_t target;

	if (!ctx->fsm_ready)
		return *why = "not connected to the cluster yet", -EAGAIN;
	if (to != NULL && strcmp(to, s->self.name) != 0 && strcmp(to, s->peer.name) != 0)
		return *why = "no such node in this site", -ENOENT;
	/* the target is the node that does not hold the site */
	if (s->self.holds)
		target = s->peer.id;
	else if (s->peer.holds)
		target = s->self.id;
	else
		return *why = "no node holds the site", -EAGAIN;
	if (to != NULL && rv_config_node_by_name(ctx->cfg, to)->id != target)
		return *why = "that node already holds the site", -EALREADY;
	if (target == s->self.id) {
		/* we are to take over: the peer must be able to hand over */
		if (ctx->fsm.local.standby_req || ctx->fsm.local.maintenance ||
		    ctx->fsm.role != RV_ROLE_STANDBY)
			return *why = "this node cannot take the site now (see status)", -EBUSY;
	} else if (!rv_site_peer_eligible(s, why)) {
		return -EBUSY;
	}
	m.sender = s->self.id;
	m.generation = s->generation;
	m.u.target = target;
	if (fsm_send(ctx, &m) < 0)
		return *why = "could not send the request to the site", -EIO;
	ctx->handover_ms = rv_now_ms();
	snprintf(ctx->handover_why, sizeof(ctx->handover_why), "switchover to %s",
		 target == s->self.id ? s->self.name : s->peer.name);
	*why = "switchover requested";
	return 0;
}

int
rv_core_standby(struct rv_ctx *ctx, int on, const char **why)
{
	int rc;

	if (!ctx->fsm_ready)
		return *why = "not connected to the cluster yet", -EAGAIN;
	rc = standby_persist(ctx, on);
	if (rc < 0)
		qb_log(LOG_WARNING, "could not record standby in %s: %s (it will not survive "
		       "a restart)", ctx->cfg->state_dir, strerror(-rc));
	if (on && ctx->fsm.holds) {
		ctx->handover_ms = rv_now_ms();
		snprintf(ctx->handover_why, sizeof(ctx->handover_why), "%s put in standby",
			 ctx->fsm.site.self.name);
	}
	rv_fsm_event(&ctx->fsm, on ? RV_EV_STANDBY_ON : RV_EV_STANDBY_OFF,
		     on ? "standby (operator)" : "unstandby (operator)");
	*why = on ? "standby on" : "standby off";
	return 0;
}

int
rv_core_maintenance(struct rv_ctx *ctx, int on, const char **why)
{
	int role = ctx->fsm.role;

	if (!ctx->fsm_ready)
		return *why = "not connected to the cluster yet", -EAGAIN;
	if (on && (role == RV_ROLE_PROMOTING || role == RV_ROLE_DEMOTING ||
		   role == RV_ROLE_STARTING))
		return *why = "a role change is in progress; try again when it is done", -EBUSY;
	if (on == (role == RV_ROLE_MAINTENANCE))
		return *why = on ? "already in maintenance" : "not in maintenance", -EALREADY;
	rv_fsm_event(&ctx->fsm, on ? RV_EV_MAINT_ON : RV_EV_MAINT_OFF,
		     on ? "maintenance on (operator)" : "maintenance off (operator)");
	*why = on ? "maintenance on: resources are left as they are"
		  : "maintenance off: probing resources";
	return 0;
}

/* ------------------------------------------------------------ start/stop */

int
rv_core_start(struct rv_ctx *ctx)
{
	int rc;

	ctx->started_ms = rv_now_ms();
	if (mkdir(ctx->cfg->state_dir, 0750) < 0 && errno != EEXIST)
		qb_log(LOG_WARNING, "cannot create state directory %s: %s",
		       ctx->cfg->state_dir, strerror(errno));
	rc = rv_group_init(&ctx->group, ctx->loop, ctx->cfg, &group_ops, ctx);
	if (rc < 0)
		return rc;
	rv_mta_health_init(&ctx->health, ctx->loop, ctx->cfg);
	rv_inner_link_init(&ctx->inner_link, ctx->loop, ctx->cfg, NULL, NULL);
	rv_inner_link_start(&ctx->inner_link);
	rv_sitepool_init(&ctx->pool, ctx->loop, ctx->cfg);
	rc = rv_fencing_init(ctx);
	if (rc < 0)
		return rc;
	rc = rv_ipc_start(ctx);
	if (rc < 0)
		return rc;
	return rv_cluster_start(&ctx->cluster, ctx->loop, ctx->cfg->site, &cluster_ops, ctx);
}

void
rv_core_shutdown(struct rv_ctx *ctx)
{
	if (ctx->shutting_down) {
		qb_log(LOG_WARNING, "second shutdown request: exiting now");
		qb_loop_stop(ctx->loop);
		return;
	}
	ctx->shutting_down = 1;
	if (!ctx->fsm_ready || !ctx->fsm.holds || ctx->fsm.role == RV_ROLE_MAINTENANCE ||
	    ctx->fsm.role == RV_ROLE_BLOCKED) {
		qb_log(LOG_NOTICE, "shutting down (resources left as they are)");
		qb_loop_stop(ctx->loop);
		return;
	}
	qb_log(LOG_NOTICE, "shutting down: handing the site over first");
	ctx->handover_ms = rv_now_ms();
	snprintf(ctx->handover_why, sizeof(ctx->handover_why), "relevod on %s stopped",
		 ctx->fsm.site.self.name);
	if (ctx->fsm.role == RV_ROLE_DEMOTING)
		return; /* already on its way */
	rv_fsm_event(&ctx->fsm, RV_EV_STANDBY_ON, "relevod is shutting down");
	ctx->fsm.local.standby_req = 1; /* not persisted: a restart forgets it */
}

void
rv_core_stop(struct rv_ctx *ctx)
{
	rv_ipc_stop(ctx);
	rv_fencing_fini(ctx);
	rv_cluster_stop(&ctx->cluster);
	rv_mta_health_fini(&ctx->health);
	rv_inner_link_fini(&ctx->inner_link);
	rv_sitepool_fini(&ctx->pool);
	rv_group_fini(&ctx->group);
}
