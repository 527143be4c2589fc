/*
 * fsm.h — relevod's role state machine.
 *
 * Every input of the daemon ends here as an event; the table in fsm.c says
 * what each (role, event) pair does. The machine acts only through the ops it
 * is given (send a message, probe/start/stop the resource group, monitors on
 * or off, record a transition), so the unit tests drive it with no cluster.
 *
 * Ownership: struct rv_fsm is embedded by the caller; it keeps pointers to
 * the configuration and the ops, which must outlive it.
 */
#ifndef RELEVO_FSM_H
#define RELEVO_FSM_H

#include <stdint.h>

#include "config.h"
#include "site.h"
#include "types.h"
#include "wire.h"

enum rv_event {
	RV_EV_PROBED = 0,       /* initial probe of the resources finished */
	RV_EV_PEER_WAIT_DONE,   /* the start-up wait for the peer elapsed */
	RV_EV_PEER_CHANGED,     /* the peer's state or membership changed */
	RV_EV_PEER_LOST,        /* the peer's node left the membership */
	RV_EV_CLAIM_GRANTED,    /* our CLAIM was granted in the stream */
	RV_EV_CLAIM_DENIED,     /* our CLAIM was denied */
	RV_EV_PEER_CLAIMED,     /* the peer's CLAIM was granted */
	RV_EV_PEER_RELEASED,    /* the peer released the site */
	RV_EV_STARTED,          /* the group started */
	RV_EV_START_FAILED,     /* the group failed to start and was rolled back */
	RV_EV_STOPPED,          /* the group stopped */
	RV_EV_STOP_FAILED,      /* a stop failed: resources may still run */
	RV_EV_RESOURCE_FAILED,  /* a monitor failed past the threshold */
	RV_EV_SWITCHOVER,       /* hand the site to the peer */
	RV_EV_STANDBY_ON,
	RV_EV_STANDBY_OFF,
	RV_EV_MAINT_ON,
	RV_EV_MAINT_OFF,
	RV_EV_QUORUM_LOST,
	RV_EV_CLUSTER_DOWN,     /* connection to corosync lost */
	RV_EV_CLUSTER_UP,       /* connected (again) and joined */
	RV_EV_FENCE_DONE,       /* fencing confirmed the peer off */
	RV_EV_FENCE_FAILED,     /* every fencing method failed */
	RV_EV_FENCE_RETRY,      /* the backoff after a failed fence is over */
	RV_EV_GRACE_OVER,       /* the peer's relevod has been gone for
				 * agent-lost-grace while its node is a member */
	RV_EV_COUNT
};

struct rv_fsm_ops {
	/* multicast on the site's group; 0 or -errno */
	int (*send)(void *data, const struct rv_msg *m);
	/* start the initial probe; the result comes back via rv_fsm_probed() */
	void (*probe)(void *data);
	/* start / stop the whole group; results come back as events. A stop
	 * that hands the site to the peer drains first (drain 1). */
	void (*group_start)(void *data);
	void (*group_stop)(void *data, int drain);
	/* the handover became uncertain: a drain still running is cut short */
	void (*end_drain)(void *data, const char *why);
	void (*monitors)(void *data, int on);
	/* fence the peer, after fence-delay if delayed; the outcome comes
	 * back as FENCE_DONE or FENCE_FAILED (then FENCE_RETRY later) */
	void (*fence)(void *data, int delayed);
	/* the peer need not be fenced any more: stop (and plan no retry) */
	void (*fence_cancel)(void *data);
	/* a role change happened (already applied) */
	void (*transition)(void *data, int from, int to, const char *cause);
};

struct rv_fsm {
	struct rv_site site;
	int role;                   /* enum rv_role */
	uint64_t role_since_ms;     /* monotonic */
	struct rv_site_local local;
	int holds;                  /* resources may run here (local truth) */
	int start_wait;             /* PROMOTING: our CLAIM was granted in our
				     * view; the start waits for the peer's
				     * word or a fence (rv_site_start_confirmed) */
	uint64_t last_nonce;        /* of our last CLAIM (seeded at random) */
	int blocked_fence;          /* BLOCKED because fencing failed (retried
				     * on a backoff), not for a failed stop */
	uint32_t release_to;        /* after demotion, RELEASE names this node */
	enum rv_event deferred;     /* acted on once the promotion is done;
				     * RV_EV_COUNT: none */
	uint64_t unexpected;        /* (role, event) pairs with no row: bugs */
	const char *why;            /* last reason for (not) claiming */
	char cause[160];            /* cause of the last transition */
	const struct rv_fsm_ops *ops;
	void *data;
};

/* Set up in STARTING for the local node id. 0, or -ENOENT if id is not one of
 * the configured nodes. Nothing is sent or started until the first event. */
int rv_fsm_init(struct rv_fsm *fsm, const struct rv_config *cfg, uint32_t local_id,
		const struct rv_fsm_ops *ops, void *data);

/* Feed an event. cause is a short text for the log and the journal. */
void rv_fsm_event(struct rv_fsm *fsm, enum rv_event ev, const char *cause);

/* A message delivered by CPG (own ones too); turned into events. */
void rv_fsm_deliver(struct rv_fsm *fsm, const struct rv_msg *m);

/* Membership changes as CPG delivers them. */
void rv_fsm_peer_member(struct rv_fsm *fsm, int member);
void rv_fsm_peer_agent(struct rv_fsm *fsm, int agent);
void rv_fsm_quorum(struct rv_fsm *fsm, int quorate);

/* The initial probe finished: holds says whether anything may be running. */
void rv_fsm_probed(struct rv_fsm *fsm, int holds);

/* Fill a STATE message describing the local node; send it with ops->send. */
void rv_fsm_state_msg(const struct rv_fsm *fsm, struct rv_msg *m);
int rv_fsm_broadcast_state(struct rv_fsm *fsm);

/* Does the table have a row for (role, event)? For tests and the model. */
int rv_fsm_has_row(int role, enum rv_event ev);

/* "probed", "peer-lost", ...; "invalid" out of range. */
const char *rv_event_name(int ev);

#endif
