/*
 * sitevote.c — the down-vote rules (sitevote.h): parsing and counting the
 * votes read from the zone, the majority and the cut-off rule. No I/O.
 */
#include "autoconf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sitevote.h"

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

static int
valid_voter(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > RV_VOTE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!name_char(s[i]))
			return 0;
	return 1;
}

int
rv_vote_parse(const char *text, struct rv_vote *v)
{
	const char *sp = strchr(text, ' '), *p;
	int64_t stamp = 0;

	if (sp == NULL || !valid_voter(text, (size_t)(sp - text)) || sp[1] == '\0')
		return -EINVAL;
	for (p = sp + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || p - sp > 18)
			return -EINVAL; /* 18 digits: no overflow */
		stamp = stamp * 10 + (*p - '0');
	}
	memcpy(v->voter, text, (size_t)(sp - text));
	v->voter[sp - text] = '\0';
	v->stamp = stamp;
	return 0;
}

int
rv_vote_format(char *buf, size_t len, const char *voter, int64_t stamp)
{
	int n;

	if (!valid_voter(voter, strlen(voter)) || stamp < 0)
		return -EINVAL;
	n = snprintf(buf, len, "%s %" PRId64, voter, stamp);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

size_t
rv_vote_count(const char *const *texts, size_t n, const char *target,
	      const char *const *known, size_t n_known, int64_t now, int64_t max_age)
{
	size_t i, k, count = 0;
	unsigned char seen[64] = { 0 }; /* per known site; more are not counted */
	struct rv_vote v;

	for (i = 0; i < n; i++) {
		if (texts[i] == NULL || rv_vote_parse(texts[i], &v) < 0)
			continue;
		if (v.stamp < now - max_age || v.stamp > now + max_age)
			continue;
		if (target != NULL && strcmp(v.voter, target) == 0)
			continue;
		for (k = 0; k < n_known && k < sizeof(seen); k++) {
			if (strcmp(known[k], v.voter) != 0)
				continue;
			if (!seen[k]) {
				seen[k] = 1;
				count++;
			}
			break;
		}
	}
	return count;
}

unsigned
rv_vote_majority(size_t n_sites)
{
	return (unsigned)(n_sites / 2 + 1);
}

int
rv_vote_cut_off(size_t n_sites, size_t peers_up)
{
	return (1 + peers_up) * 2 <= n_sites;
}

int
rv_vote_withdraw(int peer_down, int cut_off, size_t votes, unsigned down_votes)
{
	return peer_down && !cut_off && votes >= down_votes;
}
