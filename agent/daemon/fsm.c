/*
 * fsm.c — the role state machine of relevod, as one table.
 *
 *            probe: nothing runs          claim granted          started
 *  STARTING ─────────────────────▶ STANDBY ──────────────▶ PROMOTING ───────▶ ACTIVE
 *   │ probe: resources run here     ▲  │ ▲  ◀── start failed, ─┘  │              │
 *   │ (claim granted ▶ PROMOTING,   │  │ │      rolled back       │ rollback     │
 *   │  denied ▶ DEMOTING)           │  │ │                        │ failed       │
 *   │       fenced, or no longer    │  │ └──── stopped ──── DEMOTING ◀──────────┤
 *   │       needed                  │  │ peer lost (or its        │  standby,   │
 *   │                               │  ▼ agent gone past grace),  │  switchover,│
 *   │                             FENCING  not confirmed off      │  failure,   │
 *   │                               │  ▲                          │  quorum or  │
 *   │                  fence failed │  │ retry after backoff      │  cluster    │
 *   │                               ▼  │                          ▼  lost       │
 *   │                             BLOCKED ◀──── stop failed ──────┘             │
 *   │                                                 ACTIVE fences a lost peer ┘
 *   │                                                 at once and stays ACTIVE
 *   └──▶ MAINTENANCE (from any role but PROMOTING/DEMOTING; leaving it
 *        re-probes from STARTING)
 *
 * Fence gate: a node never claims over a peer it cannot see unless fencing
 * confirmed that peer off (site.c: rv_site_should_claim), with fencing = off
 * the only exception. The standby fences before it claims (FENCING), the
 * holder fences a lost peer at once and keeps serving; the standby waits
 * fence-delay first when racing the holder, so the holder wins.
 *
 * Only the table acts. A (role, event) pair with no row is a bug: it is
 * logged at error level, counted, and changes nothing. Rows that do nothing
 * on purpose say so (a_ignore). Every role change is logged at notice with
 * its cause and reported through ops->transition.
 *
 * Safety rests on site.c: resources are started only after our CLAIM was
 * granted in the CPG stream. This file must never start the group on any
 * other path.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <qb/qblog.h>

#include "fsm.h"
#include "util.h"

typedef int (*fsm_action)(struct rv_fsm *fsm, enum rv_event ev, const char *cause);

struct fsm_row {
	int role;
	enum rv_event ev;
	fsm_action action; /* returns the next role */
};

static const char *const event_names[RV_EV_COUNT] = {
	[RV_EV_PROBED] = "probed",
	[RV_EV_PEER_WAIT_DONE] = "peer-wait-done",
	[RV_EV_PEER_CHANGED] = "peer-changed",
	[RV_EV_PEER_LOST] = "peer-lost",
	[RV_EV_CLAIM_GRANTED] = "claim-granted",
	[RV_EV_CLAIM_DENIED] = "claim-denied",
	[RV_EV_PEER_CLAIMED] = "peer-claimed",
	[RV_EV_PEER_RELEASED] = "peer-released",
	[RV_EV_STARTED] = "started",
	[RV_EV_START_FAILED] = "start-failed",
	[RV_EV_STOPPED] = "stopped",
	[RV_EV_STOP_FAILED] = "stop-failed",
	[RV_EV_RESOURCE_FAILED] = "resource-failed",
	[RV_EV_SWITCHOVER] = "switchover",
	[RV_EV_STANDBY_ON] = "standby-on",
	[RV_EV_STANDBY_OFF] = "standby-off",
	[RV_EV_MAINT_ON] = "maintenance-on",
	[RV_EV_MAINT_OFF] = "maintenance-off",
	[RV_EV_QUORUM_LOST] = "quorum-lost",
	[RV_EV_CLUSTER_DOWN] = "cluster-down",
	[RV_EV_CLUSTER_UP] = "cluster-up",
	[RV_EV_FENCE_DONE] = "fence-done",
	[RV_EV_FENCE_FAILED] = "fence-failed",
	[RV_EV_FENCE_RETRY] = "fence-retry",
	[RV_EV_GRACE_OVER] = "grace-over",
};

const char *
rv_event_name(int ev)
{
	return ev >= 0 && ev < RV_EV_COUNT ? event_names[ev] : "invalid";
}

/* ------------------------------------------------------------ helpers */

static void
send_claim(struct rv_fsm *fsm)
{
	struct rv_msg m = { .type = RV_MSG_CLAIM };

	m.sender = fsm->site.self.id;
	m.generation = fsm->site.generation;
	m.u.target = fsm->site.self.id;
	/* the nonce names this claim in the peer's answer; never 0 */
	if (++fsm->last_nonce == 0)
		fsm->last_nonce = 1;
	m.nonce = fsm->last_nonce;
	if (fsm->ops->send(fsm->data, &m) == 0) {
		fsm->local.claim_pending = 1;
		qb_log(LOG_INFO, "claiming the site: %s", fsm->why);
	} else {
		qb_log(LOG_WARNING, "could not send a claim; will retry");
	}
}

static void
send_release(struct rv_fsm *fsm, uint32_t target)
{
	struct rv_msg m = { .type = RV_MSG_RELEASE };

	m.sender = fsm->site.self.id;
	m.generation = fsm->site.generation;
	m.u.target = target;
	if (fsm->ops->send(fsm->data, &m) != 0)
		qb_log(LOG_WARNING, "could not send a release");
}

/* STANDBY: claim if the election says so, or go fence the peer first if
 * that is what stands in the way. Returns the next role. */
static int
evaluate(struct rv_fsm *fsm)
{
	const char *why = NULL, *fwhy = NULL;

	if (fsm->local.claim_pending)
		return fsm->role; /* its verdict is on its way */
	if (rv_site_should_claim(&fsm->site, &fsm->local, &why)) {
		fsm->why = why;
		send_claim(fsm);
		return fsm->role;
	}
	if (fsm->role == RV_ROLE_STANDBY &&
	    rv_site_fence_needed(&fsm->site, &fsm->local, &fwhy)) {
		int delayed = rv_site_fence_delayed(&fsm->site);

		fsm->why = fwhy;
		snprintf(fsm->cause, sizeof(fsm->cause), "%s%s", fwhy,
			 delayed ? " (after fence-delay: the peer may hold the site)" : "");
		fsm->ops->fence(fsm->data, delayed);
		return RV_ROLE_FENCING;
	}
	if (why != fsm->why) {
		fsm->why = why;
		qb_log(LOG_INFO, "not claiming: %s", why);
	}
	return fsm->role;
}

/* ------------------------------------------------------------ actions */

static int
a_ignore(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	return fsm->role;
}

static int
a_evaluate(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	return evaluate(fsm);
}

/* Fencing confirmed the peer off: it holds nothing any more. */
static int
a_fenced(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	rv_site_peer_fenced(&fsm->site);
	return fsm->role;
}

static int
a_fenced_evaluate(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	rv_site_peer_fenced(&fsm->site);
	return evaluate(fsm);
}

/* FENCING or BLOCKED for a failed fence: the peer is off; stand by, and
 * the claim follows at once. */
static int
a_fence_done(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	rv_site_peer_fenced(&fsm->site);
	if (fsm->role == RV_ROLE_BLOCKED && !fsm->blocked_fence)
		return fsm->role; /* a failed stop still needs the operator */
	return RV_ROLE_STANDBY;
}

static int
a_fence_failed(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	fsm->blocked_fence = 1;
	return RV_ROLE_BLOCKED;
}

/* FENCING, or BLOCKED after a failed fence: is the fence still needed? */
static int
a_fence_recheck(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	const char *why;

	if (fsm->role == RV_ROLE_BLOCKED && !fsm->blocked_fence)
		return fsm->role;
	if (rv_site_fence_needed(&fsm->site, &fsm->local, &why))
		return fsm->role;
	snprintf(fsm->cause, sizeof(fsm->cause), "fencing no longer needed: %s", why);
	fsm->ops->fence_cancel(fsm->data);
	return RV_ROLE_STANDBY;
}

/* FENCING: stop fencing for an operator's or the cluster's reason. */
static int
a_fence_abort(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	fsm->ops->fence_cancel(fsm->data);
	if (ev == RV_EV_MAINT_ON)
		return RV_ROLE_MAINTENANCE;
	return RV_ROLE_STANDBY;
}

/* BLOCKED after a failed fence: the backoff is over; try again if needed. */
static int
a_fence_retry(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	const char *why;

	if (!fsm->blocked_fence)
		return fsm->role;
	if (!rv_site_fence_needed(&fsm->site, &fsm->local, &why)) {
		snprintf(fsm->cause, sizeof(fsm->cause), "fencing no longer needed: %s", why);
		return RV_ROLE_STANDBY;
	}
	snprintf(fsm->cause, sizeof(fsm->cause), "retrying: %s", why);
	fsm->ops->fence(fsm->data, 0);
	return RV_ROLE_FENCING;
}

static int demote(struct rv_fsm *fsm, uint32_t release_to);

/* PROMOTING or ACTIVE: the holder fences a lost peer at once and keeps
 * serving; it wins the race because the standby delays its own fence. */
static int
a_holder_fence(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	const struct rv_site_node *p = &fsm->site.peer;

	if (!fsm->site.cfg->fencing_off && !p->member && !p->fenced)
		fsm->ops->fence(fsm->data, 0);
	return fsm->role;
}

/* PROMOTING with the start waiting (a_promote): start once the peer cannot
 * run the resources, give the claim up if the peer refused it or holds the
 * site, fence when that is what is awaited. Nothing runs yet, so giving up
 * is a plain demotion (the stop finds nothing, then RELEASE). */
static int
promote_check(struct rv_fsm *fsm, int may_fence)
{
	const struct rv_site_node *p = &fsm->site.peer;
	const char *why;

	if (!fsm->start_wait)
		return fsm->role;
	if (rv_site_start_refused(&fsm->site, &why)) {
		/* leaving PROMOTING clears start_wait (change_role) */
		snprintf(fsm->cause, sizeof(fsm->cause), "claim given up before the start: %s",
			 why);
		return demote(fsm, 0);
	}
	if (rv_site_start_confirmed(&fsm->site, &why)) {
		fsm->start_wait = 0;
		fsm->why = why;
		qb_log(LOG_INFO, "starting the resources: %s", why);
		fsm->ops->group_start(fsm->data);
		return fsm->role;
	}
	/* only on the events that call for it: a fence under way or on its
	 * backoff must not be started over by every change of the view */
	if (!may_fence || fsm->site.cfg->fencing_off || p->fenced)
		return fsm->role;
	/* a split race: the node that keeps the site in a conflict goes
	 * first, the other after fence-delay */
	if (!p->member)
		fsm->ops->fence(fsm->data, !rv_site_conflict_keep(&fsm->site));
	else if (!p->agent && !p->told && fsm->local.grace_over)
		fsm->ops->fence(fsm->data, 0);
	return fsm->role;
}

static int
a_promote_check(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	return promote_check(fsm, ev == RV_EV_GRACE_OVER);
}

/* PROMOTING: fencing confirmed the peer off */
static int
a_promote_fenced(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	rv_site_peer_fenced(&fsm->site);
	return promote_check(fsm, 0);
}

/* PROMOTING, the start waiting: the probe that was under way when the claim
 * was granted (maintenance ended just before) is done. rv_fsm_probed set
 * holds to what it found; the grant holds the site whatever it found. */
static int
a_promote_probed(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	fsm->holds = 1;
	return promote_check(fsm, 0);
}

/* PROMOTING: the peer was lost (or a fence is retried) */
static int
a_promote_fence(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	if (fsm->start_wait)
		return promote_check(fsm, 1);
	return a_holder_fence(fsm, ev, cause);
}

/* STARTING: decide once the probe is done and the peer has spoken (or the
 * start-up wait is over). */
static int
a_start_decide(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	struct rv_site *s = &fsm->site;
	int peer_known = s->peer.have_state &&
			 (s->peer.state.flags & RV_STATE_PROBED);

	if (!fsm->local.probed || fsm->local.claim_pending)
		return fsm->role;
	if (fsm->local.maintenance)
		return RV_ROLE_MAINTENANCE;
	if (!peer_known && !fsm->local.peer_wait_over && s->peer.member)
		return fsm->role;
	if (!fsm->holds)
		return RV_ROLE_STANDBY;
	/* Resources run here already. The holder keeps the site, unless the
	 * stream says the peer holds it: then ours are leftovers. */
	if (s->peer.holds) {
		snprintf(fsm->cause, sizeof(fsm->cause),
			 "resources found running here while %s holds the site",
			 s->peer.name);
		fsm->release_to = 0;
		fsm->ops->group_stop(fsm->data, 0);
		return RV_ROLE_DEMOTING;
	}
	fsm->why = "resources found running here: the holder keeps the site";
	send_claim(fsm);
	return fsm->role;
}

/* Our CLAIM was granted in our view. Start at once if the peer cannot run
 * the resources; else wait in PROMOTING for its word (promote_check). */
static int
a_promote(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	const char *why;

	fsm->holds = 1;
	if (rv_site_start_confirmed(&fsm->site, &why)) {
		fsm->ops->group_start(fsm->data);
		return RV_ROLE_PROMOTING;
	}
	qb_log(LOG_INFO, "claim granted; the start waits: %s", why);
	fsm->why = why;
	fsm->start_wait = 1;
	return RV_ROLE_PROMOTING;
}

static int
a_claim_denied_start(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	/* A claim sent from STANDBY before maintenance came back after it,
	 * while the new probe runs: what runs here is not known yet, and the
	 * probe's result (PROBED) decides, in this role. */
	if (!fsm->local.probed)
		return fsm->role;
	/* our probe found resources but the peer holds the site: stop ours */
	if (!fsm->holds)
		return RV_ROLE_STANDBY;
	fsm->release_to = 0;
	fsm->ops->group_stop(fsm->data, 0);
	return RV_ROLE_DEMOTING;
}

static int
a_started(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	fsm->local.health = RV_HEALTH_OK;
	fsm->ops->monitors(fsm->data, 1);
	return RV_ROLE_ACTIVE;
}

static int
a_start_failed(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	/* rolled back: nothing runs; let the peer have it if it can */
	fsm->holds = 0;
	fsm->local.health = RV_HEALTH_FAILED;
	fsm->deferred = RV_EV_COUNT;
	send_release(fsm, fsm->site.peer.id);
	return RV_ROLE_STANDBY;
}

static int
a_blocked(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	fsm->holds = 1;
	fsm->blocked_fence = 0;
	fsm->local.health = RV_HEALTH_FAILED;
	fsm->ops->monitors(fsm->data, 0);
	return RV_ROLE_BLOCKED;
}

static int
demote(struct rv_fsm *fsm, uint32_t release_to)
{
	fsm->release_to = release_to;
	fsm->deferred = RV_EV_COUNT;
	fsm->ops->monitors(fsm->data, 0);
	/* handing the site to the peer: let the sessions in flight finish */
	fsm->ops->group_stop(fsm->data, release_to != 0);
	return RV_ROLE_DEMOTING;
}

/* ACTIVE: a monitor failed beyond its threshold. */
static int
a_resource_failed(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	const char *why;

	fsm->local.health = RV_HEALTH_FAILED;
	if (!rv_site_peer_eligible(&fsm->site, &why)) {
		qb_log(LOG_WARNING, "resource failed but the site stays here: %s", why);
		return fsm->role;
	}
	return demote(fsm, fsm->site.peer.id);
}

static int
a_switchover(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	const char *why;

	if (!rv_site_peer_eligible(&fsm->site, &why)) {
		qb_log(LOG_WARNING, "switchover refused: %s", why);
		return fsm->role;
	}
	return demote(fsm, fsm->site.peer.id);
}

static int
a_demote_to_peer(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	return demote(fsm, fsm->site.peer.id);
}

static int
a_demote_any(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	return demote(fsm, 0);
}

/* PROMOTING: a reason to demote arrived; act on it once started (at once
 * when the start is still waiting: nothing runs). */
static int
a_defer_demote(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	if (fsm->start_wait)
		return demote(fsm, ev == RV_EV_STANDBY_ON || ev == RV_EV_SWITCHOVER
				   ? fsm->site.peer.id : 0);
	fsm->deferred = ev;
	return fsm->role;
}

static int
a_stopped(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	fsm->holds = 0;
	send_release(fsm, fsm->release_to);
	return RV_ROLE_STANDBY;
}

/* ACTIVE: the peer's state changed; both holding is a conflict that only a
 * healed partition with fencing = off can make. */
static int
a_active_peer(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	const struct rv_site_node *p = &fsm->site.peer;

	if (!p->holds)
		return fsm->role;
	/* a peer already stopping (leftovers found at its start, or the
	 * loser of a conflict) is no rival: the holder keeps the site; nor is
	 * one whose claim was granted in its own view but which waits for
	 * our word to start: it gives up on our STATE */
	if (rv_site_peer_stopping(&fsm->site) ||
	    (p->have_state && (p->state.flags & RV_STATE_WAITING)))
		return fsm->role;
	qb_log(LOG_CRIT, "both nodes hold the site (a partition healed with fencing off)");
	if (rv_site_conflict_keep(&fsm->site))
		return fsm->role;
	return demote(fsm, 0);
}

static int
a_maint_on(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	if (fsm->role == RV_ROLE_BLOCKED && fsm->blocked_fence)
		fsm->ops->fence_cancel(fsm->data); /* no more retries */
	fsm->ops->monitors(fsm->data, 0);
	return RV_ROLE_MAINTENANCE;
}

/* MAINTENANCE: a claim sent just before maintenance went on was granted.
 * Nothing is started; say at once what is held, so that the stream does not
 * keep the site on a node that manages nothing. */
static int
a_claim_unused(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	(void)rv_fsm_broadcast_state(fsm);
	return fsm->role;
}

static int
a_maint_off(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	/* nothing is known any more: probe again, as at start */
	fsm->local.probed = 0;
	fsm->local.health = RV_HEALTH_UNKNOWN;
	fsm->ops->probe(fsm->data);
	return RV_ROLE_STARTING;
}

/* ------------------------------------------------------------ the table */

#define ROW(r, e, a) { RV_ROLE_##r, RV_EV_##e, a }

static const struct fsm_row fsm_table[] = {
	ROW(STARTING, PROBED, a_start_decide),
	ROW(STARTING, PEER_WAIT_DONE, a_start_decide),
	ROW(STARTING, PEER_CHANGED, a_start_decide),
	ROW(STARTING, PEER_LOST, a_start_decide),
	ROW(STARTING, PEER_RELEASED, a_start_decide),
	ROW(STARTING, PEER_CLAIMED, a_start_decide),
	ROW(STARTING, CLAIM_GRANTED, a_promote),
	ROW(STARTING, CLAIM_DENIED, a_claim_denied_start),
	ROW(STARTING, SWITCHOVER, a_ignore),
	ROW(STARTING, STANDBY_ON, a_ignore),
	ROW(STARTING, STANDBY_OFF, a_ignore),
	ROW(STARTING, MAINT_ON, a_ignore), /* decided once the probe is done */
	ROW(STARTING, MAINT_OFF, a_ignore),
	ROW(STARTING, QUORUM_LOST, a_ignore),
	ROW(STARTING, CLUSTER_DOWN, a_ignore),
	ROW(STARTING, CLUSTER_UP, a_start_decide),
	ROW(STARTING, FENCE_DONE, a_fenced), /* asked for from outside (DRBD) */
	ROW(STARTING, FENCE_FAILED, a_ignore),
	ROW(STARTING, FENCE_RETRY, a_ignore),
	ROW(STARTING, GRACE_OVER, a_start_decide),

	ROW(STANDBY, PEER_WAIT_DONE, a_evaluate),
	ROW(STANDBY, PEER_CHANGED, a_evaluate),
	ROW(STANDBY, PEER_LOST, a_evaluate),
	ROW(STANDBY, PEER_RELEASED, a_evaluate),
	ROW(STANDBY, PEER_CLAIMED, a_ignore),
	ROW(STANDBY, CLAIM_GRANTED, a_promote),
	ROW(STANDBY, CLAIM_DENIED, a_evaluate),
	ROW(STANDBY, SWITCHOVER, a_ignore),
	ROW(STANDBY, STANDBY_ON, a_ignore),
	ROW(STANDBY, STANDBY_OFF, a_evaluate),
	ROW(STANDBY, MAINT_ON, a_maint_on),
	ROW(STANDBY, MAINT_OFF, a_ignore),
	ROW(STANDBY, QUORUM_LOST, a_ignore),
	ROW(STANDBY, CLUSTER_DOWN, a_ignore),
	ROW(STANDBY, CLUSTER_UP, a_evaluate),
	ROW(STANDBY, FENCE_DONE, a_fenced_evaluate),
	ROW(STANDBY, FENCE_FAILED, a_ignore),
	ROW(STANDBY, FENCE_RETRY, a_evaluate),
	ROW(STANDBY, GRACE_OVER, a_evaluate),

	ROW(FENCING, FENCE_DONE, a_fence_done),
	ROW(FENCING, FENCE_FAILED, a_fence_failed),
	ROW(FENCING, FENCE_RETRY, a_ignore),
	ROW(FENCING, PEER_WAIT_DONE, a_fence_recheck),
	ROW(FENCING, PEER_CHANGED, a_fence_recheck), /* the peer may be back */
	ROW(FENCING, PEER_LOST, a_ignore),
	ROW(FENCING, PEER_RELEASED, a_fence_recheck),
	ROW(FENCING, PEER_CLAIMED, a_fence_recheck),
	ROW(FENCING, CLAIM_DENIED, a_ignore),
	ROW(FENCING, GRACE_OVER, a_ignore),
	ROW(FENCING, SWITCHOVER, a_ignore),
	ROW(FENCING, STANDBY_ON, a_fence_abort),
	ROW(FENCING, STANDBY_OFF, a_ignore),
	ROW(FENCING, MAINT_ON, a_fence_abort),
	ROW(FENCING, MAINT_OFF, a_ignore),
	ROW(FENCING, QUORUM_LOST, a_fence_abort),
	ROW(FENCING, CLUSTER_DOWN, a_fence_abort),
	ROW(FENCING, CLUSTER_UP, a_fence_recheck),

	ROW(PROMOTING, PROBED, a_promote_probed), /* granted while re-probing */
	ROW(PROMOTING, STARTED, a_started),
	ROW(PROMOTING, START_FAILED, a_start_failed),
	ROW(PROMOTING, STOP_FAILED, a_blocked),
	ROW(PROMOTING, PEER_WAIT_DONE, a_ignore),
	ROW(PROMOTING, PEER_CHANGED, a_promote_check), /* conflicts are judged once ACTIVE */
	ROW(PROMOTING, PEER_LOST, a_promote_fence),
	ROW(PROMOTING, PEER_RELEASED, a_ignore),
	ROW(PROMOTING, SWITCHOVER, a_defer_demote),
	ROW(PROMOTING, STANDBY_ON, a_defer_demote),
	ROW(PROMOTING, STANDBY_OFF, a_ignore),
	ROW(PROMOTING, MAINT_ON, a_ignore), /* refused at the IPC while promoting */
	ROW(PROMOTING, MAINT_OFF, a_ignore),
	ROW(PROMOTING, QUORUM_LOST, a_defer_demote),
	ROW(PROMOTING, CLUSTER_DOWN, a_defer_demote),
	ROW(PROMOTING, CLUSTER_UP, a_ignore),
	ROW(PROMOTING, FENCE_DONE, a_promote_fenced),
	ROW(PROMOTING, FENCE_FAILED, a_ignore), /* retried; the watchdog covers it */
	ROW(PROMOTING, FENCE_RETRY, a_promote_fence),
	ROW(PROMOTING, GRACE_OVER, a_promote_check),

	ROW(ACTIVE, PEER_WAIT_DONE, a_ignore),
	ROW(ACTIVE, PEER_CHANGED, a_active_peer),
	ROW(ACTIVE, PEER_LOST, a_holder_fence),
	ROW(ACTIVE, PEER_RELEASED, a_ignore),
	ROW(ACTIVE, CLAIM_DENIED, a_ignore),
	ROW(ACTIVE, RESOURCE_FAILED, a_resource_failed),
	ROW(ACTIVE, SWITCHOVER, a_switchover),
	ROW(ACTIVE, STANDBY_ON, a_demote_to_peer),
	ROW(ACTIVE, STANDBY_OFF, a_ignore),
	ROW(ACTIVE, MAINT_ON, a_maint_on),
	ROW(ACTIVE, MAINT_OFF, a_ignore),
	ROW(ACTIVE, QUORUM_LOST, a_demote_any),
	ROW(ACTIVE, CLUSTER_DOWN, a_demote_any),
	ROW(ACTIVE, CLUSTER_UP, a_ignore),
	ROW(ACTIVE, FENCE_DONE, a_fenced),
	ROW(ACTIVE, FENCE_FAILED, a_ignore), /* retried; the watchdog covers it */
	ROW(ACTIVE, FENCE_RETRY, a_holder_fence),
	ROW(ACTIVE, GRACE_OVER, a_ignore),

	ROW(DEMOTING, STOPPED, a_stopped),
	ROW(DEMOTING, STOP_FAILED, a_blocked),
	ROW(DEMOTING, PEER_WAIT_DONE, a_ignore),
	ROW(DEMOTING, PEER_CHANGED, a_ignore),
	ROW(DEMOTING, PEER_LOST, a_ignore),
	ROW(DEMOTING, PEER_RELEASED, a_ignore),
	ROW(DEMOTING, PEER_CLAIMED, a_ignore),
	ROW(DEMOTING, SWITCHOVER, a_ignore),
	ROW(DEMOTING, STANDBY_ON, a_ignore),
	ROW(DEMOTING, STANDBY_OFF, a_ignore),
	ROW(DEMOTING, MAINT_ON, a_ignore), /* refused at the IPC while demoting */
	ROW(DEMOTING, MAINT_OFF, a_ignore),
	ROW(DEMOTING, QUORUM_LOST, a_ignore),
	ROW(DEMOTING, CLUSTER_DOWN, a_ignore),
	ROW(DEMOTING, CLUSTER_UP, a_ignore),
	ROW(DEMOTING, FENCE_DONE, a_fenced),
	ROW(DEMOTING, FENCE_FAILED, a_ignore),
	ROW(DEMOTING, FENCE_RETRY, a_ignore), /* standing by decides again */
	ROW(DEMOTING, GRACE_OVER, a_ignore),

	ROW(BLOCKED, PEER_WAIT_DONE, a_fence_recheck),
	ROW(BLOCKED, PEER_CHANGED, a_fence_recheck),
	ROW(BLOCKED, PEER_LOST, a_ignore),
	ROW(BLOCKED, PEER_RELEASED, a_fence_recheck),
	ROW(BLOCKED, PEER_CLAIMED, a_fence_recheck),
	ROW(BLOCKED, CLAIM_DENIED, a_ignore),
	ROW(BLOCKED, SWITCHOVER, a_ignore),
	ROW(BLOCKED, STANDBY_ON, a_fence_recheck),
	ROW(BLOCKED, STANDBY_OFF, a_ignore),
	ROW(BLOCKED, MAINT_ON, a_maint_on),
	ROW(BLOCKED, MAINT_OFF, a_ignore),
	ROW(BLOCKED, QUORUM_LOST, a_fence_recheck),
	ROW(BLOCKED, CLUSTER_DOWN, a_fence_recheck),
	ROW(BLOCKED, CLUSTER_UP, a_fence_recheck),
	ROW(BLOCKED, FENCE_DONE, a_fence_done),
	ROW(BLOCKED, FENCE_FAILED, a_ignore),
	ROW(BLOCKED, FENCE_RETRY, a_fence_retry),
	ROW(BLOCKED, GRACE_OVER, a_ignore),

	ROW(MAINTENANCE, PEER_WAIT_DONE, a_ignore),
	ROW(MAINTENANCE, PEER_CHANGED, a_ignore),
	ROW(MAINTENANCE, PEER_LOST, a_ignore),
	ROW(MAINTENANCE, PEER_RELEASED, a_ignore),
	ROW(MAINTENANCE, PEER_CLAIMED, a_ignore),
	ROW(MAINTENANCE, CLAIM_GRANTED, a_claim_unused),
	ROW(MAINTENANCE, CLAIM_DENIED, a_ignore),
	ROW(MAINTENANCE, SWITCHOVER, a_ignore),
	ROW(MAINTENANCE, STANDBY_ON, a_ignore),
	ROW(MAINTENANCE, STANDBY_OFF, a_ignore),
	ROW(MAINTENANCE, MAINT_ON, a_ignore),
	ROW(MAINTENANCE, MAINT_OFF, a_maint_off),
	ROW(MAINTENANCE, QUORUM_LOST, a_ignore),
	ROW(MAINTENANCE, CLUSTER_DOWN, a_ignore),
	ROW(MAINTENANCE, CLUSTER_UP, a_ignore),
	ROW(MAINTENANCE, FENCE_DONE, a_fenced),
	ROW(MAINTENANCE, FENCE_FAILED, a_ignore),
	ROW(MAINTENANCE, FENCE_RETRY, a_ignore),
	ROW(MAINTENANCE, GRACE_OVER, a_ignore),
};

static const struct fsm_row *
find_row(int role, enum rv_event ev)
{
	size_t i;

	for (i = 0; i < sizeof(fsm_table) / sizeof(fsm_table[0]); i++)
		if (fsm_table[i].role == role && fsm_table[i].ev == ev)
			return &fsm_table[i];
	return NULL;
}

int
rv_fsm_has_row(int role, enum rv_event ev)
{
	return find_row(role, ev) != NULL;
}

/* ------------------------------------------------------------ driving */

int
rv_fsm_init(struct rv_fsm *fsm, const struct rv_config *cfg, uint32_t local_id,
	    const struct rv_fsm_ops *ops, void *data)
{
	int rc;

	memset(fsm, 0, sizeof(*fsm));
	rc = rv_site_init(&fsm->site, cfg, local_id);
	if (rc < 0)
		return rc;
	fsm->role = RV_ROLE_STARTING;
	fsm->role_since_ms = rv_now_ms();
	fsm->local.health = RV_HEALTH_UNKNOWN;
	fsm->local.disk = RV_DISK_UNKNOWN;
	fsm->ops = ops;
	fsm->data = data;
	fsm->why = "starting";
	fsm->deferred = RV_EV_COUNT;
	/* claim nonces of a restarted relevod must not repeat the last
	 * one's, which the peer's view may still name */
	if (getrandom(&fsm->last_nonce, sizeof(fsm->last_nonce), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(fsm->last_nonce))
		fsm->last_nonce = rv_now_ms() << 20 ^ (uint64_t)getpid();
	return 0;
}

void
rv_fsm_state_msg(const struct rv_fsm *fsm, struct rv_msg *m)
{
	uint64_t in_role = rv_now_ms() - fsm->role_since_ms;

	memset(m, 0, sizeof(*m));
	m->type = RV_MSG_STATE;
	m->sender = fsm->site.self.id;
	m->generation = fsm->site.generation;
	m->u.state.role = (uint8_t)fsm->role;
	m->u.state.disk = (uint8_t)fsm->local.disk;
	m->u.state.health = (uint8_t)fsm->local.health;
	m->u.state.flags = (fsm->holds ? RV_STATE_HOLDS : 0) |
			   (fsm->local.standby_req ? RV_STATE_STANDBY_REQ : 0) |
			   (fsm->local.maintenance ? RV_STATE_MAINTENANCE : 0) |
			   (fsm->local.probed ? RV_STATE_PROBED : 0) |
			   (fsm->start_wait ? RV_STATE_WAITING : 0) |
			   (fsm->site.peer.holds && fsm->site.peer.claim_granted
			    ? RV_STATE_CLAIM_OK : 0);
	m->u.state.active = rv_site_holder(&fsm->site);
	m->u.state.claim = fsm->site.peer.claim;
	m->u.state.role_ms = in_role > UINT32_MAX ? UINT32_MAX : (uint32_t)in_role;
	memcpy(m->u.state.digest, fsm->site.cfg->digest, RV_DIGEST_LEN);
}

int
rv_fsm_broadcast_state(struct rv_fsm *fsm)
{
	struct rv_msg m;

	rv_fsm_state_msg(fsm, &m);
	return fsm->ops->send(fsm->data, &m);
}

/* Apply a role change the table (or standing by) decided. */
static void
change_role(struct rv_fsm *fsm, int from, int to, enum rv_event ev, const char *cause)
{
	if (fsm->cause[0] == '\0')
		snprintf(fsm->cause, sizeof(fsm->cause), "%s", cause);
	fsm->role = to;
	fsm->role_since_ms = rv_now_ms();
	if (to != RV_ROLE_BLOCKED)
		fsm->blocked_fence = 0;
	if (to != RV_ROLE_PROMOTING)
		fsm->start_wait = 0;
	qb_log(LOG_NOTICE, "role %s -> %s (%s: %s)", rv_role_name(from),
	       rv_role_name(to), rv_event_name(ev), fsm->cause);
	fsm->ops->transition(fsm->data, from, to, fsm->cause);
}

/* STANDBY looks again: it may claim, or go fencing first. */
static void
stand_by(struct rv_fsm *fsm, enum rv_event ev)
{
	int to = evaluate(fsm); /* sets the cause when it goes fencing */

	if (to == fsm->role)
		return;
	change_role(fsm, fsm->role, to, ev, fsm->why);
	(void)rv_fsm_broadcast_state(fsm);
}

void
rv_fsm_event(struct rv_fsm *fsm, enum rv_event ev, const char *cause)
{
	const struct fsm_row *row;
	int from = fsm->role, to;

	/* flags the operator sets hold whatever the role does with them */
	if (ev == RV_EV_STANDBY_ON || ev == RV_EV_STANDBY_OFF)
		fsm->local.standby_req = ev == RV_EV_STANDBY_ON;
	if (ev == RV_EV_MAINT_ON || ev == RV_EV_MAINT_OFF)
		fsm->local.maintenance = ev == RV_EV_MAINT_ON;
	if (ev == RV_EV_CLUSTER_DOWN) {
		fsm->local.claim_pending = 0;
		/* the peer's word from before the gap is history: without
		 * this, a node whose corosync came back claimed on the
		 * STANDBY its peer had been, while the peer had taken the
		 * site (matrix.test, watchdog, corosync: both held 2 s) */
		fsm->local.grace_over = 0;
		rv_site_stream_lost(&fsm->site);
	}
	if (ev == RV_EV_GRACE_OVER)
		fsm->local.grace_over = 1;
	/* a drain waits for the peer to take over; without quorum, the
	 * cluster or the peer, nobody may, and the resources must go now */
	if (from == RV_ROLE_DEMOTING && (ev == RV_EV_QUORUM_LOST ||
	    ev == RV_EV_CLUSTER_DOWN || ev == RV_EV_PEER_LOST))
		fsm->ops->end_drain(fsm->data, rv_event_name(ev));

	row = find_row(from, ev);
	if (row == NULL) {
		fsm->unexpected++;
		qb_log(LOG_ERR, "BUG: event %s unexpected in role %s (cause: %s); ignored",
		       rv_event_name(ev), rv_role_name(from), cause);
		return;
	}
	fsm->cause[0] = '\0';
	to = row->action(fsm, ev, cause);
	if (to != from)
		change_role(fsm, from, to, ev, cause);
	/* every change of what we hold or do is announced at once: the
	 * peer's decisions go by what the stream says */
	if (to != from || ev == RV_EV_PROBED || ev == RV_EV_STANDBY_ON ||
	    ev == RV_EV_STANDBY_OFF || ev == RV_EV_MAINT_ON || ev == RV_EV_MAINT_OFF)
		(void)rv_fsm_broadcast_state(fsm);

	if (to == from)
		return;
	/* what the new role must do at once */
	if (to == RV_ROLE_STANDBY) {
		stand_by(fsm, ev);
	} else if (to == RV_ROLE_ACTIVE && fsm->deferred != RV_EV_COUNT) {
		ev = fsm->deferred;
		fsm->deferred = RV_EV_COUNT;
		rv_fsm_event(fsm, ev, "deferred while promoting");
	} else if (to == RV_ROLE_ACTIVE && fsm->local.standby_req) {
		rv_fsm_event(fsm, RV_EV_STANDBY_ON, "in standby (operator)");
	}
}

void
rv_fsm_deliver(struct rv_fsm *fsm, const struct rv_msg *m)
{
	uint32_t target = 0;
	char cause[96];

	switch (rv_site_deliver(&fsm->site, m, &target)) {
	case RV_SITE_CLAIM_GRANTED:
		fsm->local.claim_pending = 0;
		rv_fsm_event(fsm, RV_EV_CLAIM_GRANTED, fsm->why);
		break;
	case RV_SITE_CLAIM_DENIED:
		fsm->local.claim_pending = 0;
		rv_fsm_event(fsm, RV_EV_CLAIM_DENIED, "the peer holds the site");
		break;
	case RV_SITE_PEER_CLAIMED:
		rv_fsm_event(fsm, RV_EV_PEER_CLAIMED, "peer's claim granted");
		/* the peer starts only on our word: say it at once */
		(void)rv_fsm_broadcast_state(fsm);
		break;
	case RV_SITE_PEER_RELEASED:
		snprintf(cause, sizeof(cause), "%s released the site", fsm->site.peer.name);
		rv_fsm_event(fsm, RV_EV_PEER_RELEASED, cause);
		break;
	case RV_SITE_SWITCHOVER:
		if (fsm->site.self.holds && target != fsm->site.self.id) {
			snprintf(cause, sizeof(cause), "switchover to %s requested",
				 fsm->site.peer.name);
			rv_fsm_event(fsm, RV_EV_SWITCHOVER, cause);
		}
		break;
	case RV_SITE_PEER_STATE:
		rv_fsm_event(fsm, RV_EV_PEER_CHANGED, "peer state");
		break;
	case RV_SITE_PEER_DENIED:
		(void)rv_fsm_broadcast_state(fsm);
		break;
	case RV_SITE_NOTHING:
		/* our own RELEASE or STATE may have cleared what the stream
		 * said we hold: a standby node looks again at once */
		if (m->sender == fsm->site.self.id && fsm->role == RV_ROLE_STANDBY)
			stand_by(fsm, RV_EV_PEER_CHANGED);
		break;
	}
}

void
rv_fsm_peer_member(struct rv_fsm *fsm, int member)
{
	char cause[96];

	if ((fsm->site.peer.member != 0) == (member != 0))
		return;
	fsm->local.grace_over = 0;
	rv_site_peer_member(&fsm->site, member);
	snprintf(cause, sizeof(cause), "node %s %s the membership", fsm->site.peer.name,
		 member ? "joined" : "left");
	qb_log(LOG_NOTICE, "%s", cause);
	rv_fsm_event(fsm, member ? RV_EV_PEER_CHANGED : RV_EV_PEER_LOST, cause);
}

void
rv_fsm_peer_agent(struct rv_fsm *fsm, int agent)
{
	char cause[96];

	if ((fsm->site.peer.agent != 0) == (agent != 0))
		return;
	fsm->local.grace_over = 0;
	rv_site_peer_agent(&fsm->site, agent);
	snprintf(cause, sizeof(cause), "relevod on %s %s", fsm->site.peer.name,
		 agent ? "joined" : "left (agent lost; its node is still a member)");
	qb_log(agent ? LOG_INFO : LOG_WARNING, "%s", cause);
	if (agent)
		(void)rv_fsm_broadcast_state(fsm); /* tell the newcomer at once */
	rv_fsm_event(fsm, RV_EV_PEER_CHANGED, cause);
}

void
rv_fsm_quorum(struct rv_fsm *fsm, int quorate)
{
	int was = fsm->site.quorate;

	fsm->site.quorate = quorate != 0;
	if (was == fsm->site.quorate)
		return;
	qb_log(LOG_NOTICE, "partition is %squorate", quorate ? "" : "not ");
	rv_fsm_event(fsm, quorate ? RV_EV_PEER_CHANGED : RV_EV_QUORUM_LOST,
		     quorate ? "quorum gained" : "quorum lost");
}

void
rv_fsm_probed(struct rv_fsm *fsm, int holds)
{
	fsm->local.probed = 1;
	fsm->holds = holds != 0;
	rv_fsm_event(fsm, RV_EV_PROBED, holds ? "probe: resources running here"
					      : "probe: nothing running here");
}
