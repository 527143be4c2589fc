/*
 * site.h — relevod's view of its site, built only from what CPG delivers.
 *
 * CPG delivers every message and every membership change to all members in
 * one agreed order (virtual synchrony). The site view is a pure function of
 * that stream: fed the same deliveries, both nodes hold the same view of who
 * may hold the resources, and so take the same decision on every CLAIM
 * without any further round trip:
 *
 *   a CLAIM from X is granted  iff  the other node does not hold the site
 *                                   in the stream at that point.
 *
 * "Holds in the stream" is set by a granted CLAIM or a STATE carrying
 * RV_STATE_HOLDS, and cleared by a STATE without it (unless the STATE is
 * older than the last grant: its generation is lower), by a RELEASE, by the
 * node leaving the membership with fencing = off (trusted blindly: UNSAFE),
 * or by fencing confirming the node off. A node that leaves the CPG group
 * while its node stays a member ("agent lost") keeps whatever it held: its
 * resources may run.
 *
 * Fencing is the one input that is not in the stream, and it need not be: a
 * node confirmed off sends nothing more, and when it comes back its relevod
 * starts with an empty view and learns the holder from the stream.
 *
 * The two streams are the same only while the ring is: at a split corosync
 * delivers the old ring's messages past holes (one side may deliver a CLAIM
 * the other never gets), and after a heal or a node's own corosync gap each
 * side's view was built from a different history. So a grant in the local
 * view is not enough to start: the claimer also needs the peer's word on
 * that very CLAIM (each CLAIM carries a nonce; the peer's next STATE names
 * the last CLAIM of ours it delivered and whether its view granted it), or
 * the peer confirmed off by fencing, or the peer's relevod gone after it
 * said, since its node last joined, that it holds nothing
 * (rv_site_start_confirmed). Every start on either node needs one of these,
 * so a node whose view diverged can be granted a CLAIM in its own view but
 * cannot start on it: the peer, which holds or waits, never says yes.
 *
 * This module does no I/O and keeps no time of its own: it is fed
 * deliveries and answers questions. It must never act.
 */
#ifndef RELEVO_SITE_H
#define RELEVO_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "types.h"
#include "wire.h"

/* What one node is, as far as the stream tells. */
struct rv_site_node {
	uint32_t id;
	const char *name;     /* from the configuration */
	int member;           /* its node is in the corosync membership */
	int agent;            /* its relevod is in the CPG group */
	int have_state;       /* a STATE arrived since its agent joined */
	struct rv_msg_state state; /* the last STATE (valid if have_state) */
	int holds;            /* may hold the resources, per the stream */
	int ever_agent;       /* its relevod was seen at least once */
	int told;             /* a probed STATE of its relevod was delivered:
			       * holds is what it said, not a default */
	int digest_differs;   /* its last STATE carried another config digest */
	int fenced;           /* confirmed off by fencing since it was last a
			       * member (local knowledge, see rv_site_peer_fenced) */
	uint64_t claim;       /* nonce of its last CLAIM delivered (0: none) */
	int claim_granted;    /* that CLAIM was granted and it holds by it */
};

/* The peer's word on our last granted CLAIM. */
enum rv_site_ack {
	RV_SITE_ACK_NONE = 0,  /* not heard yet */
	RV_SITE_ACK_GRANTED,   /* its view granted it and has us holding */
	RV_SITE_ACK_REFUSED,   /* its view denied it (or no longer has us
				* holding), or a new relevod of the peer
				* joined that never saw it */
};

struct rv_site {
	const struct rv_config *cfg;
	struct rv_site_node self;
	struct rv_site_node peer;
	uint64_t generation;  /* claims granted so far, as seen in the stream */
	uint32_t designated;  /* node a RELEASE handed the site to, until the
			       * next granted claim (0: none) */
	int quorate;
	enum rv_site_ack ack; /* the peer's word on our last granted CLAIM */
	uint64_t dropped;     /* messages refused (malformed, unknown sender) */
};

/* What a delivery means for the local node. */
enum rv_site_verdict {
	RV_SITE_NOTHING = 0,
	RV_SITE_CLAIM_GRANTED,   /* our own CLAIM was granted: promote */
	RV_SITE_CLAIM_DENIED,    /* our own CLAIM was denied */
	RV_SITE_PEER_CLAIMED,    /* the peer's CLAIM was granted */
	RV_SITE_PEER_DENIED,     /* the peer's CLAIM was denied */
	RV_SITE_PEER_RELEASED,   /* the peer released (target in *target) */
	RV_SITE_SWITCHOVER,      /* someone asked the holder to hand over to *target */
	RV_SITE_PEER_STATE,      /* the peer's STATE changed something */
};

/* Set up the view for the local node id (must be one of cfg's nodes). */
int rv_site_init(struct rv_site *site, const struct rv_config *cfg, uint32_t local_id);

/* A message was delivered (own messages too). Returns the verdict; *target
 * is set for RELEASE and SWITCHOVER. Messages from unknown senders are
 * dropped and counted. */
enum rv_site_verdict rv_site_deliver(struct rv_site *site, const struct rv_msg *m,
				     uint32_t *target);

/* Membership as CPG delivers it: the peer's node joined or left the totem
 * membership, or its relevod joined or left the group. */
void rv_site_peer_member(struct rv_site *site, int member);
void rv_site_peer_agent(struct rv_site *site, int agent);

/* Fencing confirmed the peer off: it holds nothing any more. Kept until its
 * node joins the membership again. */
void rv_site_peer_fenced(struct rv_site *site);

/* The local node lost its connection to corosync: the stream has a gap, so
 * what the peer's relevod said before it is history (it may have taken the
 * site meanwhile). Until its relevod is seen in the group again and says
 * what it holds, it counts as a relevod gone that never said. */
void rv_site_stream_lost(struct rv_site *site);

/* Our own holding changed locally (after the resource layer says so); it is
 * announced by the next STATE, which is what the stream goes by. */

/* Why the local node should or should not claim now. Returns 1 when it
 * should, 0 when not; *why (static string) says why in either case. The
 * caller passes what only it knows: local role facts. */
struct rv_site_local {
	int probed;           /* initial probe done */
	int standby_req;      /* operator standby */
	int maintenance;
	int health;           /* enum rv_health of our resources */
	int disk;             /* enum rv_disk */
	int claim_pending;    /* a CLAIM of ours is in flight */
	int peer_wait_over;   /* the start-up wait for the peer has elapsed */
	int grace_over;       /* the peer's relevod has been gone (or never
			       * came) for agent-lost-grace */
};
int rv_site_should_claim(const struct rv_site *site, const struct rv_site_local *local,
			 const char **why);

/* Must the peer be fenced before the local node may take the site? 1 when
 * fencing is on, the local node could claim but for the peer (probed, not
 * in standby or maintenance, quorate, healthy, holds nothing), and the peer
 * is not confirmed off while either its node is lost, or its node is a
 * member whose relevod is gone (or never came) for agent-lost-grace and may
 * hold the site. *why says why in either case. */
int rv_site_fence_needed(const struct rv_site *site, const struct rv_site_local *local,
			 const char **why);

/* Should the local node's fence of the peer wait fence-delay? Not when it
 * holds the site (the holder wins a race), nor when the peer's relevod is
 * known gone (no race); when neither holds, the node that would keep the
 * site in a conflict goes first. */
int rv_site_fence_delayed(const struct rv_site *site);

/* Our CLAIM was granted in the local view: may the resources be started
 * now? 1 when the peer cannot run them: its node is lost and fencing
 * confirmed it off (or fencing = off); its relevod is gone and it had said,
 * since its node last joined, that it held nothing (or it was fenced); or its
 * view granted this very CLAIM (RV_SITE_ACK_GRANTED) and it holds nothing.
 * *why says what is awaited otherwise. */
int rv_site_start_confirmed(const struct rv_site *site, const char **why);

/* The peer's last STATE shows it stopping what it held (leftovers its probe
 * found, or the loser of a conflict): no rival for the site. */
int rv_site_peer_stopping(const struct rv_site *site);

/* Our granted CLAIM must be given up: the peer refused it, or holds the site
 * itself (and is not merely stopping leftovers). *why says which. */
int rv_site_start_refused(const struct rv_site *site, const char **why);

/* Both nodes hold the site in the stream (only possible after a partition
 * healed with fencing = off). Returns 1 if the local node is the one that
 * keeps it (the preferred node, else the lower node id), 0 if it must stop. */
int rv_site_conflict_keep(const struct rv_site *site);

/* The peer could take the site over now (member, agent, probed, not in
 * standby or maintenance, not blocked, health not failed, same config). */
int rv_site_peer_eligible(const struct rv_site *site, const char **why);

/* Node id of the node that holds the site per the stream, or 0. */
uint32_t rv_site_holder(const struct rv_site *site);

#endif
