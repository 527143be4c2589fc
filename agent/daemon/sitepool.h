/*
 * sitepool.h — the DNS relay pool across sites, as seen by relevod: the
 * ACTIVE node of a site with a [pool] probes each [peer-site]'s floating IP
 * by SMTP (relevo-probe, with down-after/up-after hysteresis), keeps this
 * site's down-votes in the pool zone, withdraws a peer site that enough
 * sites see down, and watches this site's own membership.
 *
 * Everything that talks to the network runs as a child with a timeout
 * (child.c): relevo-probe for the probes, relevo-dnsupdate for the DNS
 * (vote-add, vote-remove, withdraw, check); their output is parsed
 * defensively, and nothing here can block the loop or act on a role.
 *
 * Each probe-interval tick starts the probes and one pass of DNS work, one
 * helper at a time (the next starts when the last ends): the membership
 * check (absent, not cut off, and fewer current votes against this site
 * than down-votes: publish it again, as the mxpool agent's start does),
 * then for each peer site what its state asks for:
 *   down, last probe failed,    vote-add (refreshes our vote, reads all;
 *   not cut off                 while it is fresh, only read them);
 *                               enough current votes: withdraw
 *   up, or we are cut off       vote-remove (when we may have a vote)
 * A peer that is still down but answered its last probe is left alone: it
 * is coming back, and its own publish must not be undone.
 * The rules are sitevote.h's. A pass still running at the next tick is
 * counted as an overrun and left to finish.
 *
 * Ownership: embedded in the daemon's context, pointing into the
 * configuration, which must outlive it; rv_sitepool_fini() cancels every
 * child.
 */
#ifndef RELEVO_SITEPOOL_H
#define RELEVO_SITEPOOL_H

#include <stdint.h>

#include <json-c/json.h>
#include <qb/qbloop.h>

#include "child.h"
#include "config.h"
#include "innerlink.h"

#define RV_POOL_MAX_VOTERS 16

struct rv_sitepool;

struct rv_peer_state {
	struct rv_sitepool *owner;
	const struct rv_peer_site_cfg *cfg;
	struct rv_hysteresis hyst;
	struct rv_child *probe_child;
	uint64_t since_ms;           /* monotonic: last change of state */
	int64_t since_s;
	uint64_t transitions;

	int have_probe;
	int last_ok;
	char last_result[16];
	char last_reason[160];
	uint64_t last_latency_ms;
	uint64_t last_probe_ms;      /* monotonic */
	int64_t last_probe_s;

	int have_votes;              /* votes were read at least once */
	unsigned votes;              /* current votes at the last read */
	char voters[RV_POOL_MAX_VOTERS][64];
	size_t n_voters;             /* the strings read, as they were */
	int64_t votes_at_s;
	int our_vote;                /* -1: unknown, 0: none, 1: written */
	int64_t vote_written_s;      /* when our vote was last written */
	int vote_failing;            /* the last vote update failed (logged once) */

	char withdraw_result[24];    /* "" none yet; withdrawn, kept-last, ... */
	char withdraw_reason[200];
	int64_t withdraw_at_s;
	uint64_t withdrawals;        /* withdrawals that sent an update */
};

enum rv_pool_job {
	RV_POOL_JOB_CHECK,
	RV_POOL_JOB_VOTE_ADD,
	RV_POOL_JOB_VOTE_REMOVE,
	RV_POOL_JOB_VOTES_READ,      /* our vote is fresh: only read them all */
	RV_POOL_JOB_WITHDRAW,
	RV_POOL_JOB_SELF_VOTES,      /* votes against this site, before a re-add */
	RV_POOL_JOB_PUBLISH,         /* this site's records, absent: again */
};

struct rv_sitepool {
	qb_loop_t *loop;
	const struct rv_pool_cfg *cfg;  /* NULL: no [pool] */
	const char *site;
	const char *probe_path;
	const char *helper_path;
	int active;
	qb_loop_timer_handle timer;
	int armed;
	struct rv_peer_state peers[RV_MAX_PEER_SITES];
	size_t n_peers;
	int cut_off;                 /* -1: not known yet */

	/* the pass: one helper at a time */
	struct rv_child *dns_child;
	enum rv_pool_job job;
	size_t job_peer;
	size_t cursor;               /* next step: 0 check, 1.. the peers */
	int pass_running;
	uint64_t passes;
	uint64_t overruns;

	char membership[24];         /* served, partial, absent, failed, unknown */
	char membership_reason[200];
	int64_t membership_at_s;
	unsigned self_votes;         /* current votes against this site, last read */
	int self_held;               /* a re-add was held back by those votes */
	uint64_t republished;        /* re-adds of this site's records */

	int have_update;
	char update_what[96];        /* "vote-add relay-c", "withdraw relay-c" */
	char update_result[24];
	char update_reason[200];
	int64_t update_at_s;
	uint64_t updates;            /* helper runs that may change the zone */
	uint64_t update_failures;
};

/* Take the [pool] of cfg (nothing happens without one). */
void rv_sitepool_init(struct rv_sitepool *sp, qb_loop_t *loop, const struct rv_config *cfg);

/* This node is ACTIVE (on) or not: only the ACTIVE node probes and votes;
 * leaving ACTIVE cancels what runs and forgets the peers' states. */
void rv_sitepool_active(struct rv_sitepool *sp, int on);

/* Cancel every child and timer; safe to call twice. */
void rv_sitepool_fini(struct rv_sitepool *sp);

/* The status member "pool": {"configured": false} without a [pool].
 * New reference. */
json_object *rv_sitepool_json(const struct rv_sitepool *sp);

/* Parse the helper's JSON report: the vote strings into out (at most max,
 * each cut to 63 bytes, printable ASCII only). Returns how many, or -1 when
 * the text is not a report with a "votes" array. */
int rv_sitepool_parse_votes(const char *text, char out[][64], size_t max);

#endif
