/*
 * dnsupdate.h — a site's records in the DNS relay pool: what they are, the
 * RFC 2136 updates that publish and withdraw them, and the check that the
 * zone's primary serves them. Used by relevo-dnsupdate (which the
 * ocf:relevo:mxpool agent runs), and meant for relevod's cross-site work
 * (withdrawing a dead peer site is a withdrawal of its records, with the
 * same rule).
 *
 * The pool. Either
 *   an MX pool: the MX RRset at pool name P (by default the zone's apex),
 *     one "P MX prio RELAY" per site, where RELAY is the site's relay
 *     name; the site's addresses (its floating IPs) are A/AAAA records at
 *     RELAY, which belongs to the site alone: publishing replaces RELAY's
 *     A and AAAA RRsets with the site's addresses, withdrawing deletes them
 *     with the MX record;
 * or
 *   an address pool (no MX name): the A and AAAA RRsets at the shared
 *     relay name, to which each site adds its own addresses.
 *
 * Never removing the last record of the pool. A withdrawal must leave the
 * pool with at least one record of another site, decided by the server in
 * the same update, not by an earlier read that may be stale by the time
 * the update arrives. RFC 2136 prerequisites are a conjunction, so "some
 * other site's record exists" (a disjunction over the other sites) cannot
 * be written as one; "RRset exists (value dependent)" (§2.4.2) can require
 * an RRset to be exactly a given set, though. So a withdrawal is a
 * compare-and-swap:
 *   1. read the pool's RRset(s) from the primary (signed query, verified);
 *   2. if no record in them but ours: stop, "last record of the pool: kept"
 *      (no update is sent);
 *   3. else send ONE update whose prerequisites say each pool RRset is
 *      exactly what was read (value dependent; an RRset read empty is
 *      "RRset does not exist", §2.4.3) and whose update section deletes
 *      only our records;
 *   4. NOERROR: withdrawn, and the pool still holds the other records that
 *      were read, because the server checked the prerequisites and applied
 *      the deletion as one step (RFC 2136 §3.7: an update is atomic, and
 *      the server serialises updates of a zone). NXRRSET: the pool changed
 *      between 1 and 3 (another site came or went): go back to 1, at most
 *      RV_DNS_WITHDRAW_TRIES times.
 * Sites A and B withdrawing at once from the pool {A, B}: both read
 * {A, B}, both send "the pool is exactly {A, B}; delete mine". The server
 * applies whichever comes first (A's: the pool is {B}) and refuses the
 * other with NXRRSET, since the pool is no longer {A, B}; B reads again,
 * finds its own record alone, and keeps it. The read of step 2 can only be
 * stale towards keeping a record that could have gone (a site joined in
 * between), never towards an empty pool.
 *
 * Ownership: rv_dns_pool owns every ldns object it holds
 * (rv_dns_pool_free); builders return packets and lists the caller frees
 * (ldns_pkt_free, ldns_rr_list_deep_free); a result owns its lists
 * (rv_dns_result_clear). The network functions block (dnsmsg.h) and need
 * SIGPIPE ignored. Return convention: 0 or -errno; what the server did is
 * in the result's outcome.
 */
#ifndef RELEVO_DNSUPDATE_H
#define RELEVO_DNSUPDATE_H

#include <stddef.h>

#include <ldns/ldns.h>

#include "dnskey.h"
#include "dnsmsg.h"

#define RV_DNS_MAX_ADDRESSES 16
#define RV_DNS_WITHDRAW_TRIES 5
#define RV_DNS_TTL_MAX 86400

/* The site's place in the pool, as configured (names with or without the
 * final dot; they are absolute). */
struct rv_dns_site_conf {
	const char *zone;             /* the pool zone, e.g. "pool.example.org" */
	const char *relay_name;       /* the site's relay name (shared in an address pool) */
	const char *mx_name;          /* NULL or "": an address pool; "@": the zone's apex */
	unsigned mx_priority;         /* 0..65535 */
	unsigned ttl;                 /* 1..RV_DNS_TTL_MAX seconds */
	const char *const *addresses; /* IPv4 and IPv6 addresses of the site */
	size_t n_addresses;           /* 0..RV_DNS_MAX_ADDRESSES (an address pool needs one) */
};

/* The same, as ldns objects. */
struct rv_dns_pool {
	ldns_rdf *zone;
	ldns_rdf *pool_name;          /* owner of the pool's RRset(s) */
	ldns_rdf *relay_name;
	int mx;                       /* 1: an MX pool; 0: an address pool */
	ldns_rr_type types[2];        /* the pool's RRset types: MX, or A and AAAA */
	size_t n_types;
	ldns_rr_list *member;         /* the site's records in the pool (class IN, ttl) */
	ldns_rr_list *host;           /* MX pool: the site's addresses at the relay name */
	unsigned ttl;
};

/* Check conf and make *pool from it. Returns 0 or -EINVAL with the reason
 * in err (a name that is not a DNS name or lies outside the zone, a bad or
 * repeated address, a value out of range, an address pool without
 * addresses). */
int rv_dns_pool_init(struct rv_dns_pool *pool, const struct rv_dns_site_conf *conf, char *err,
		     size_t errlen);

/* Free what *pool holds; safe to call twice. */
void rv_dns_pool_free(struct rv_dns_pool *pool);

/* ------------------------------------------------------------ builders
 * Pure functions: nothing is sent. current is the pool's RRset(s) as read
 * from the primary (records of other owners or types are ignored). */

/* A QUERY for name/type, class IN, recursion not desired. */
ldns_pkt *rv_dns_build_query(const ldns_rdf *name, ldns_rr_type type);

/* The UPDATE that publishes the site: MX pool: delete the relay name's A
 * and AAAA RRsets (when the site has addresses) and add its addresses,
 * delete the site's MX records of another priority found in current, add
 * its MX record; address pool: add its addresses. No prerequisite: adding
 * never empties the pool. NULL on allocation failure. */
ldns_pkt *rv_dns_build_publish(const struct rv_dns_pool *pool, const ldns_rr_list *current);

enum rv_dns_withdraw_plan {
	RV_DNS_PLAN_UPDATE,     /* *out is the compare-and-swap update */
	RV_DNS_PLAN_KEPT_LAST,  /* our records are all the pool holds: keep them */
	RV_DNS_PLAN_NOTHING,    /* nothing of ours to delete */
};

/* The withdrawal for the pool as read (see the top of this file). Returns
 * a plan (>= 0) with *out set for RV_DNS_PLAN_UPDATE, or -ENOMEM. */
int rv_dns_build_withdraw(const struct rv_dns_pool *pool, const ldns_rr_list *current,
			  ldns_pkt **out);

/* Are a and b the same record (owner, type, class IN and data compared as
 * DNS does: names without regard to case; the TTL is not compared)? */
int rv_dns_rr_same(const ldns_rr *a, const ldns_rr *b);

/* ------------------------------------------------------------ operations */

enum rv_dns_outcome {
	RV_DNS_DONE = 0,        /* published, or withdrawn (or nothing was there) */
	RV_DNS_KEPT_LAST,       /* withdraw: the site's records are the last of the pool */
	RV_DNS_SERVED,          /* check: the primary serves every record of the site */
	RV_DNS_PARTIAL,         /* check: some of them */
	RV_DNS_ABSENT,          /* check: none of them */
	RV_DNS_CONFLICT,        /* withdraw: the pool changed under every try */
	RV_DNS_FAILED,          /* an exchange failed: see verdict */
};

struct rv_dns_result {
	enum rv_dns_outcome outcome;
	enum rv_dns_verdict verdict;  /* of the last exchange */
	int rcode;                    /* of the last answer, -1: none */
	int tsig_error;
	unsigned exchanges;           /* requests sent */
	ldns_rr_list *pool;           /* the pool's RRset(s) as last read, or NULL */
	ldns_rr_list *missing;        /* check: the site's records not served, or NULL */
	char why[512];                /* what happened, for people */
};

/* Read the pool's RRset(s) from the primary into *current (a new list the
 * caller frees). Returns 0 with the result's verdict RV_DNS_OK, or 0 with
 * outcome RV_DNS_FAILED and the reason; -errno when nothing could be sent. */
int rv_dns_read_pool(const struct rv_dns_server *srv, const struct rv_dns_key *key,
		     const struct rv_dns_pool *pool, ldns_rr_list **current,
		     struct rv_dns_result *res);

/* Publish the site's records (outcome RV_DNS_DONE or RV_DNS_FAILED). */
int rv_dns_publish(const struct rv_dns_server *srv, const struct rv_dns_key *key,
		   const struct rv_dns_pool *pool, struct rv_dns_result *res);

/* Withdraw them (RV_DNS_DONE, RV_DNS_KEPT_LAST, RV_DNS_CONFLICT or
 * RV_DNS_FAILED). */
int rv_dns_withdraw(const struct rv_dns_server *srv, const struct rv_dns_key *key,
		    const struct rv_dns_pool *pool, struct rv_dns_result *res);

/* Ask the primary whether it serves them (RV_DNS_SERVED, RV_DNS_PARTIAL,
 * RV_DNS_ABSENT or RV_DNS_FAILED); the answers must be authoritative. */
int rv_dns_check(const struct rv_dns_server *srv, const struct rv_dns_key *key,
		 const struct rv_dns_pool *pool, struct rv_dns_result *res);

/* Free what *res holds and make it empty; safe to call twice. */
void rv_dns_result_clear(struct rv_dns_result *res);

/* "done", "kept-last", "served", "partial", "absent", "conflict", "failed" */
const char *rv_dns_outcome_name(enum rv_dns_outcome o);

/* ------------------------------------------------------------ down-votes
 * The sites' votes against a peer site (sitevote.h): TXT strings
 * "VOTER STAMP" at SITE._relevo-down.ZONE, each voter adding, refreshing
 * and removing its own string only. Two voters updating at once touch
 * different records, so no prerequisite is needed: an update deletes the
 * voter's strings as read and adds its new one, in one step. */

#define RV_DNS_VOTE_LABEL "_relevo-down"

enum rv_dns_vote_op {
	RV_DNS_VOTES_READ = 0,   /* read the votes only */
	RV_DNS_VOTE_ADD,         /* add (or refresh) the voter's vote */
	RV_DNS_VOTE_REMOVE,      /* remove the voter's vote(s) */
};

/* SITE._relevo-down.ZONE, or NULL when site is not a DNS label or on
 * allocation failure. */
ldns_rdf *rv_dns_vote_owner(const ldns_rdf *zone, const char *site);

/* The text of a TXT record: its strings joined, bytes outside printable
 * ASCII as '?', at most len - 1 bytes. */
void rv_dns_txt_text(const ldns_rr *rr, char *buf, size_t len);

/* The UPDATE of voter's vote at owner for the TXT records read there
 * (current; records of other owners and types are ignored): delete the
 * voter's strings found, and for RV_DNS_VOTE_ADD add "voter stamp" with
 * ttl. Returns 0 with *out the packet, 0 with *out NULL when there is
 * nothing to change (removing a vote that is not there), -EINVAL (voter
 * not a name, op RV_DNS_VOTES_READ) or -ENOMEM. */
int rv_dns_build_vote(const ldns_rdf *zone, const ldns_rdf *owner, const ldns_rr_list *current,
		      const char *voter, enum rv_dns_vote_op op, int64_t stamp, unsigned ttl,
		      ldns_pkt **out);

/* Read the votes against site, and change voter's as op says (voter may
 * be NULL for RV_DNS_VOTES_READ). On success the outcome is RV_DNS_DONE and
 * res->pool holds the TXT records at the owner as they are after the
 * update; else RV_DNS_FAILED with the reason. -EINVAL with res->why for a
 * bad zone, site or voter. */
int rv_dns_vote(const struct rv_dns_server *srv, const struct rv_dns_key *key, const char *zone,
		const char *site, const char *voter, enum rv_dns_vote_op op, int64_t stamp,
		unsigned ttl, struct rv_dns_result *res);

#endif
