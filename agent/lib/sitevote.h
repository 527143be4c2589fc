/*
 * sitevote.h — the rules of the sites' down-votes, as pure functions that
 * relevod (sitepool.c) applies and the unit tests check.
 *
 * A site that sees a peer site down says so in the pool zone: one TXT
 * string "VOTER STAMP" at SITE._relevo-down.ZONE (dnsupdate.h builds the
 * updates), where VOTER is the voting site's name and STAMP the time of
 * the vote in seconds since the epoch. Voters refresh their vote while
 * they see the site down and remove it when they see it up; a
 * vote that was not refreshed for max_age (its voter died or lost the
 * site's ACTIVE node) no longer counts, so a withdrawal is decided with
 * current votes only.
 *
 * A peer site is withdrawn by this site when (a) this site sees it down,
 * (b) this site is not cut off, and (c) at least down_votes distinct known
 * sites (this one included, the target never) have a current vote on it.
 * A site is cut off when the sites it can see (itself and the peers whose
 * probes say up) are not a majority of all the sites: it is probably the
 * one that lost its network, and must neither vote nor withdraw.
 */
#ifndef RELEVO_SITEVOTE_H
#define RELEVO_SITEVOTE_H

#include <stddef.h>
#include <stdint.h>

#define RV_VOTE_NAME_MAX 63
#define RV_VOTE_TEXT_MAX (RV_VOTE_NAME_MAX + 1 + 20)

struct rv_vote {
	char voter[RV_VOTE_NAME_MAX + 1];
	int64_t stamp;       /* seconds since the epoch */
};

/* Parse "VOTER STAMP" (one blank; VOTER [A-Za-z0-9_.-]{1,63}; STAMP a
 * decimal number). Returns 0 or -EINVAL for anything else. */
int rv_vote_parse(const char *text, struct rv_vote *v);

/* "VOTER STAMP" into buf; -EINVAL when voter is not a name, -ENOSPC. */
int rv_vote_format(char *buf, size_t len, const char *voter, int64_t stamp);

/* How many distinct sites among known[] (n_known names) have a current
 * vote in texts[] (n strings as read from the zone) against target: a vote
 * counts when it parses, its voter is a known site other than target and
 * its stamp lies within max_age seconds of now (either side: the other
 * site's clock may be ahead). Malformed strings are ignored. */
size_t rv_vote_count(const char *const *texts, size_t n, const char *target,
		     const char *const *known, size_t n_known, int64_t now, int64_t max_age);

/* The default of down-votes: a majority of all n_sites sites. */
unsigned rv_vote_majority(size_t n_sites);

/* Is a site that sees peers_up of its peers up cut off from the pool of
 * n_sites sites (itself included)? */
int rv_vote_cut_off(size_t n_sites, size_t peers_up);

/* The decision for one peer: withdraw it now? */
int rv_vote_withdraw(int peer_down, int cut_off, size_t votes, unsigned down_votes);

#endif
