/*
 * site.c — the site view: who may hold the resources, as the CPG stream says.
 *
 * Everything here is a function of the deliveries, in their agreed order, so
 * both nodes reach the same verdict on every CLAIM. Nothing here may depend on
 * a clock, on local state not announced in the stream, or do any I/O: the
 * safety of "at most one holder" rests on that.
 */
#include "autoconf.h"

#include <errno.h>
#include <string.h>

#include "site.h"

int
rv_site_init(struct rv_site *site, const struct rv_config *cfg, uint32_t local_id)
{
	const struct rv_node_cfg *self, *peer;

	self = rv_config_node_by_id(cfg, local_id);
	peer = rv_config_peer_of(cfg, local_id);
	if (self == NULL || peer == NULL)
		return -ENOENT;
	memset(site, 0, sizeof(*site));
	site->cfg = cfg;
	site->self.id = self->id;
	site->self.name = self->name;
	site->self.member = 1;
	site->peer.id = peer->id;
	site->peer.name = peer->name;
	return 0;
}

static struct rv_site_node *
node_of(struct rv_site *site, uint32_t id)
{
	if (id == site->self.id)
		return &site->self;
	if (id == site->peer.id)
		return &site->peer;
	return NULL;
}

static struct rv_site_node *
other_of(struct rv_site *site, const struct rv_site_node *n)
{
	return n == &site->self ? &site->peer : &site->self;
}

enum rv_site_verdict
rv_site_deliver(struct rv_site *site, const struct rv_msg *m, uint32_t *target)
{
	struct rv_site_node *n = node_of(site, m->sender);
	int is_self = n == &site->self;
	int stale;

	if (n == NULL) {
		site->dropped++;
		return RV_SITE_NOTHING;
	}
	/* sent before a grant that its sender had not seen yet */
	stale = m->generation < site->generation;
	if (m->generation > site->generation)
		site->generation = m->generation;

	switch (m->type) {
	case RV_MSG_STATE:
		n->have_state = 1;
		n->state = m->u.state;
		/* A STATE sent between its sender's CLAIM and the grant says
		 * "not holding" and arrives after the grant: it may add
		 * holding, never take a grant back, or the other node's
		 * claim would be granted too. */
		if (m->u.state.flags & RV_STATE_HOLDS) {
			n->holds = 1;
		} else if (!stale) {
			n->holds = 0;
			n->claim_granted = 0;
		}
		/* the peer's word on our last granted CLAIM, by its nonce */
		if (!is_self && site->self.claim_granted &&
		    m->u.state.claim == site->self.claim)
			site->ack = m->u.state.flags & RV_STATE_CLAIM_OK
				    ? RV_SITE_ACK_GRANTED : RV_SITE_ACK_REFUSED;
		/* Only a probed STATE says what runs there: a relevod merely
		 * seen in the group may have left (or crashed) before it
		 * said, with resources a former one started still running. */
		if (m->u.state.flags & RV_STATE_PROBED)
			n->told = 1;
		n->digest_differs = memcmp(m->u.state.digest, site->cfg->digest,
					   RV_DIGEST_LEN) != 0;
		return is_self ? RV_SITE_NOTHING : RV_SITE_PEER_STATE;

	case RV_MSG_CLAIM:
		if (m->u.target != m->sender) {
			/* a node only ever claims for itself */
			site->dropped++;
			return RV_SITE_NOTHING;
		}
		n->claim = m->nonce;
		if (other_of(site, n)->holds) {
			n->claim_granted = 0;
			return is_self ? RV_SITE_CLAIM_DENIED : RV_SITE_PEER_DENIED;
		}
		n->holds = 1;
		n->claim_granted = 1;
		if (is_self)
			site->ack = RV_SITE_ACK_NONE;
		site->generation++;
		site->designated = 0;
		return is_self ? RV_SITE_CLAIM_GRANTED : RV_SITE_PEER_CLAIMED;

	case RV_MSG_RELEASE:
		n->holds = 0;
		n->claim_granted = 0;
		/* a release that names a node hands the site to it: the
		 * election must not send it straight back */
		site->designated = m->u.target == site->self.id ||
				   m->u.target == site->peer.id ? m->u.target : 0;
		if (target != NULL)
			*target = m->u.target;
		return is_self ? RV_SITE_NOTHING : RV_SITE_PEER_RELEASED;

	case RV_MSG_SWITCHOVER:
		if (target != NULL)
			*target = m->u.target;
		return RV_SITE_SWITCHOVER;

	default:
		site->dropped++;
		return RV_SITE_NOTHING;
	}
}

void
rv_site_peer_member(struct rv_site *site, int member)
{
	if (member && !site->peer.member)
		site->peer.fenced = 0; /* back: whatever it does now is news */
	site->peer.member = member != 0;
	site->designated = 0; /* both views see this change: both forget */
	if (!member) {
		site->peer.agent = 0;
		site->peer.have_state = 0;
		/* what it said before it left is history: what it did while
		 * away is unknown until it says again */
		site->peer.told = 0;
		/* A node that left the membership is taken to be down. Without
		 * a fence confirming it this is only an assumption, which
		 * fencing = off accepts (and status calls UNSAFE). */
		if (site->cfg->fencing_off) {
			site->peer.holds = 0;
			site->peer.claim_granted = 0;
		}
	}
}

void
rv_site_peer_agent(struct rv_site *site, int agent)
{
	site->peer.agent = agent != 0;
	site->peer.have_state = 0;
	site->designated = 0; /* a restarted peer starts with none */
	if (agent) {
		/* its relevod runs: whatever fencing confirmed is history
		 * (the group may tell before the membership does) */
		site->peer.member = 1;
		site->peer.ever_agent = 1;
		site->peer.fenced = 0;
		/* a new relevod never saw our CLAIM: it cannot grant it */
		if (site->self.claim_granted)
			site->ack = RV_SITE_ACK_REFUSED;
	}
	/* holds is kept either way: an agent that left may have left its
	 * resources running, and one that joins says what it holds in its
	 * first STATE, after its probe. */
}

void
rv_site_peer_fenced(struct rv_site *site)
{
	site->peer.fenced = 1;
	site->peer.holds = 0;
	site->peer.claim_granted = 0;
	site->peer.agent = 0;
	site->peer.have_state = 0;
}

void
rv_site_stream_lost(struct rv_site *site)
{
	/* the peer's node stays a member until the new ring says otherwise
	 * (a gap is no proof it went); its holds is kept: its next STATE
	 * may add holding, and a STATE that is not stale takes it away */
	site->peer.agent = 0;
	site->peer.have_state = 0;
	site->peer.told = 0;
	site->designated = 0;
}

static int
peer_probed(const struct rv_site *site)
{
	return site->peer.have_state && (site->peer.state.flags & RV_STATE_PROBED);
}

int
rv_site_peer_eligible(const struct rv_site *site, const char **why)
{
	const struct rv_site_node *p = &site->peer;
	const char *reason = NULL;

	if (!p->member)
		reason = "peer is not a member";
	else if (!p->agent)
		reason = "peer's relevod is not running";
	else if (!peer_probed(site))
		reason = "peer has not finished its probe";
	else if (p->state.flags & RV_STATE_STANDBY_REQ)
		reason = "peer is in standby";
	else if (p->state.flags & RV_STATE_MAINTENANCE)
		reason = "peer is in maintenance";
	else if (p->state.role == RV_ROLE_BLOCKED)
		reason = "peer is blocked";
	else if (p->state.health == RV_HEALTH_FAILED)
		reason = "peer's resources failed";
	else if (p->digest_differs)
		reason = "peer runs another configuration";
	if (why != NULL)
		*why = reason != NULL ? reason : "peer is eligible";
	return reason == NULL;
}

/* 1 if the local node wins the election against an eligible peer. */
static int
elect_self(const struct rv_site *site, const struct rv_site_local *local,
	   const char **why)
{
	const struct rv_site_node *p = &site->peer;
	const char *pref = site->cfg->preferred_node;

	if (pref != NULL && strcmp(pref, site->self.name) == 0) {
		*why = "elected: preferred node";
		return 1;
	}
	if (pref != NULL && strcmp(pref, p->name) == 0) {
		*why = "peer is elected: preferred node";
		return 0;
	}
	if (local->disk != p->state.disk) {
		if (local->disk > p->state.disk) {
			*why = "elected: better spool disk state";
			return 1;
		}
		*why = "peer is elected: better spool disk state";
		return 0;
	}
	if (site->self.id < p->id) {
		*why = "elected: lower node id";
		return 1;
	}
	*why = "peer is elected: lower node id";
	return 0;
}

int
rv_site_should_claim(const struct rv_site *site, const struct rv_site_local *local,
		     const char **why)
{
	const struct rv_site_node *p = &site->peer;

	if (!local->probed)
		return *why = "initial probe not finished", 0;
	if (local->maintenance)
		return *why = "maintenance mode", 0;
	if (local->standby_req)
		return *why = "in standby (operator)", 0;
	if (local->claim_pending)
		return *why = "claim in flight", 0;
	if (site->self.holds)
		return *why = "already holds the site", 0;
	if (!site->quorate)
		return *why = "partition is not quorate", 0;
	if (local->health == RV_HEALTH_FAILED)
		return *why = "resources failed to start here", 0;

	if (!p->member) {
		if (p->holds)
			return *why = p->fenced || site->cfg->fencing_off
				      ? "peer holds the site in the stream"
				      : "peer lost and no fencing method confirmed it off", 0;
		if (p->fenced)
			return *why = "peer is confirmed off by fencing", 1;
		if (!local->peer_wait_over)
			return *why = "waiting for the peer", 0;
		if (!site->cfg->fencing_off)
			return *why = "peer lost and no fencing method confirmed it off", 0;
		return *why = "peer is not a member (fencing off: UNSAFE)", 1;
	}
	if (p->fenced && !p->agent && !p->holds)
		return *why = "peer is confirmed off by fencing", 1;
	if (p->holds) {
		if (p->agent)
			return *why = "peer holds the site", 0;
		return *why = "peer's relevod is gone but its node is a member: "
			      "its resources may still run", 0;
	}
	if (!p->agent) {
		if (!p->told) {
			if (!local->peer_wait_over)
				return *why = "waiting for the peer's relevod", 0;
			return *why = p->ever_agent
				      ? "peer's relevod is gone and never said what it held: "
					"its resources may run"
				      : "peer node is up but its relevod never joined: "
					"its resources may run", 0;
		}
		return *why = "peer's relevod is gone and it held nothing", 1;
	}
	if (!peer_probed(site))
		return *why = "waiting for the peer's first state", 0;
	if (!rv_site_peer_eligible(site, why))
		return 1; /* *why says why the peer cannot */
	if (site->designated == site->self.id)
		return *why = "the peer handed the site to this node", 1;
	if (site->designated == p->id)
		return *why = "the site was handed to the peer", 0;
	return elect_self(site, local, why);
}

int
rv_site_fence_needed(const struct rv_site *site, const struct rv_site_local *local,
		     const char **why)
{
	const struct rv_site_node *p = &site->peer;

	if (site->cfg->fencing_off)
		return *why = "fencing is off", 0;
	if (p->fenced)
		return *why = "peer is confirmed off already", 0;
	if (!local->probed || local->maintenance || local->standby_req ||
	    local->health == RV_HEALTH_FAILED || site->self.holds ||
	    !site->quorate)
		return *why = "this node could not take the site anyway", 0;
	if (!p->member) {
		if (!local->peer_wait_over)
			return *why = "waiting for the peer", 0;
		return *why = "peer lost: it must be confirmed off first", 1;
	}
	if (p->agent)
		return *why = "peer's relevod is running", 0;
	if (p->told && !p->holds)
		return *why = "peer's relevod is gone and it held nothing", 0;
	if (!local->grace_over)
		return *why = "peer's relevod is gone: waiting out the grace period", 0;
	return *why = p->told ? "peer's relevod is gone while it may hold the site"
			      : p->ever_agent ? "peer's relevod is gone and never said what it held"
			      : "peer's relevod never joined: its resources may run", 1;
}

int
rv_site_fence_delayed(const struct rv_site *site)
{
	const struct rv_site_node *p = &site->peer;

	if (site->self.holds)
		return 0;
	if (p->member && !p->agent)
		return 0;
	if (p->holds)
		return 1;
	return !rv_site_conflict_keep(site);
}

int
rv_site_start_confirmed(const struct rv_site *site, const char **why)
{
	const struct rv_site_node *p = &site->peer;

	if (!p->member) {
		if (p->fenced)
			return *why = "peer is confirmed off by fencing", 1;
		if (site->cfg->fencing_off)
			return *why = "peer is not a member (fencing off: UNSAFE)", 1;
		return *why = "peer lost: waiting for fencing to confirm it off", 0;
	}
	if (p->holds)
		return *why = "peer holds the site: waiting for it to release", 0;
	if (!p->agent) {
		if (p->fenced)
			return *why = "peer is confirmed off by fencing", 1;
		if (p->told)
			return *why = "peer's relevod is gone and it held nothing", 1;
		return *why = "peer's relevod is gone and has not said what it holds", 0;
	}
	if (site->ack == RV_SITE_ACK_GRANTED)
		return *why = "peer saw the claim granted", 1;
	return *why = "waiting for the peer to see the claim", 0;
}

int
rv_site_peer_stopping(const struct rv_site *site)
{
	const struct rv_site_node *p = &site->peer;

	return p->have_state && p->state.role == RV_ROLE_DEMOTING;
}

int
rv_site_start_refused(const struct rv_site *site, const char **why)
{
	if (site->ack == RV_SITE_ACK_REFUSED)
		return *why = "the peer's view did not grant the claim", 1;
	/* a peer stopping what its probe found is no rival: wait for it */
	if (site->peer.holds && !rv_site_peer_stopping(site))
		return *why = "the peer holds the site too", 1;
	return *why = "not refused", 0;
}

int
rv_site_conflict_keep(const struct rv_site *site)
{
	const char *pref = site->cfg->preferred_node;

	if (pref != NULL && strcmp(pref, site->self.name) == 0)
		return 1;
	if (pref != NULL && strcmp(pref, site->peer.name) == 0)
		return 0;
	return site->self.id < site->peer.id;
}

uint32_t
rv_site_holder(const struct rv_site *site)
{
	if (site->self.holds)
		return site->self.id;
	if (site->peer.holds)
		return site->peer.id;
	return 0;
}
