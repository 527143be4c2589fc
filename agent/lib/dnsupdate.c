/*
 * dnsupdate.c — the site's records in the DNS relay pool (dnsupdate.h):
 * the model made from the configuration, the UPDATE packets that publish
 * and withdraw them (built with ldns's update API, never by hand), and the
 * three operations against the zone's primary.
 *
 * A withdrawal must never be sent without the prerequisites that make the
 * server refuse it when the pool has changed since it was read: that is
 * what keeps the pool from being emptied by two sites leaving at once.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsupdate.h"

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ------------------------------------------------------------ records */

/* A record without data: owner, type, class and TTL only. */
static ldns_rr *
rr_bare(const ldns_rdf *owner, ldns_rr_type type, ldns_rr_class cls, uint32_t ttl)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *o = ldns_rdf_clone(owner);

	if (rr == NULL || o == NULL) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(o);
		return NULL;
	}
	ldns_rr_set_owner(rr, o);
	ldns_rr_set_type(rr, type);
	ldns_rr_set_class(rr, cls);
	ldns_rr_set_ttl(rr, ttl);
	return rr;
}

/* A copy of rr with another class and TTL (how RFC 2136 spells a
 * prerequisite or a deletion of that very record). */
static ldns_rr *
rr_as(const ldns_rr *rr, ldns_rr_class cls, uint32_t ttl)
{
	ldns_rr *c = ldns_rr_clone(rr);

	if (c != NULL) {
		ldns_rr_set_class(c, cls);
		ldns_rr_set_ttl(c, ttl);
	}
	return c;
}

/* Push rr (NULL: allocation failed) onto list; 0 or -ENOMEM. */
static int
push(ldns_rr_list *list, ldns_rr *rr)
{
	if (rr == NULL)
		return -ENOMEM;
	if (!ldns_rr_list_push_rr(list, rr)) {
		ldns_rr_free(rr);
		return -ENOMEM;
	}
	return 0;
}

int
rv_dns_rr_same(const ldns_rr *a, const ldns_rr *b)
{
	ldns_rr *x, *y;
	int same = 0;

	if (ldns_rr_get_type(a) != ldns_rr_get_type(b))
		return 0;
	x = rr_as(a, LDNS_RR_CLASS_IN, 0);
	y = rr_as(b, LDNS_RR_CLASS_IN, 0);
	if (x != NULL && y != NULL) {
		/* lower-cases the owner and the names in the data (MX's
		 * exchange), as DNS compares them */
		ldns_rr2canonical(x);
		ldns_rr2canonical(y);
		same = ldns_rr_compare(x, y) == 0;
	}
	ldns_rr_free(x);
	ldns_rr_free(y);
	return same;
}

static int
list_has(const ldns_rr_list *list, const ldns_rr *rr)
{
	size_t i;

	for (i = 0; list != NULL && i < ldns_rr_list_rr_count(list); i++)
		if (rv_dns_rr_same(ldns_rr_list_rr(list, i), rr))
			return 1;
	return 0;
}

/* Is rr one of the pool's RRsets (owner and type)? */
static int
in_pool(const struct rv_dns_pool *pool, const ldns_rr *rr)
{
	size_t t;

	if (ldns_dname_compare(ldns_rr_owner(rr), pool->pool_name) != 0)
		return 0;
	for (t = 0; t < pool->n_types; t++)
		if (ldns_rr_get_type(rr) == pool->types[t])
			return 1;
	return 0;
}

/* ------------------------------------------------------------ the model */

/* name as an absolute DNS name rdf, or NULL. "@" is origin. */
static ldns_rdf *
dname(const char *name, const ldns_rdf *origin)
{
	ldns_rdf *r = NULL;
	char buf[LDNS_MAX_DOMAINLEN + 2];
	size_t n = strlen(name);

	if (strcmp(name, "@") == 0 && origin != NULL)
		return ldns_rdf_clone(origin);
	if (n == 0 || n > LDNS_MAX_DOMAINLEN || strchr(name, ' ') != NULL ||
	    strcmp(name, ".") == 0 || name[0] == '.' || strstr(name, "..") != NULL)
		return NULL;
	snprintf(buf, sizeof(buf), "%s%s", name, name[n - 1] == '.' ? "" : ".");
	if (ldns_str2rdf_dname(&r, buf) != LDNS_STATUS_OK)
		return NULL;
	return r;
}

/* name is the zone or lies below it */
static int
in_zone(const ldns_rdf *name, const ldns_rdf *zone)
{
	return ldns_dname_compare(name, zone) == 0 || ldns_dname_is_subdomain(name, zone);
}

void
rv_dns_pool_free(struct rv_dns_pool *pool)
{
	ldns_rdf_deep_free(pool->zone);
	ldns_rdf_deep_free(pool->pool_name);
	ldns_rdf_deep_free(pool->relay_name);
	ldns_rr_list_deep_free(pool->member);
	ldns_rr_list_deep_free(pool->host);
	memset(pool, 0, sizeof(*pool));
}

/* The site's addresses as A/AAAA records at owner, onto list. */
static int
add_addresses(ldns_rr_list *list, const ldns_rdf *owner, const struct rv_dns_site_conf *conf,
	      char *err, size_t errlen)
{
	unsigned char bin[16];
	ldns_rdf *data;
	ldns_rr *rr;
	size_t i;
	int v6;

	for (i = 0; i < conf->n_addresses; i++) {
		const char *a = conf->addresses[i];

		if (inet_pton(AF_INET, a, bin) == 1)
			v6 = 0;
		else if (inet_pton(AF_INET6, a, bin) == 1)
			v6 = 1;
		else
			return fail(err, errlen, "\"%s\" is not an IPv4 or IPv6 address", a);
		data = ldns_rdf_new_frm_data(v6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A,
					     v6 ? 16 : 4, bin);
		rr = rr_bare(owner, v6 ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN,
			     conf->ttl);
		if (data == NULL || rr == NULL) {
			ldns_rdf_deep_free(data);
			ldns_rr_free(rr);
			return -ENOMEM;
		}
		ldns_rr_push_rdf(rr, data);
		if (list_has(list, rr)) {
			ldns_rr_free(rr);
			return fail(err, errlen, "address %s is given twice", a);
		}
		if (push(list, rr) < 0)
			return -ENOMEM;
	}
	return 0;
}

int
rv_dns_pool_init(struct rv_dns_pool *pool, const struct rv_dns_site_conf *conf, char *err,
		 size_t errlen)
{
	ldns_rdf *prio, *exchange;
	ldns_rr *mx;
	int rc;

	memset(pool, 0, sizeof(*pool));
	if (conf->zone == NULL || (pool->zone = dname(conf->zone, NULL)) == NULL)
		return fail(err, errlen, "zone \"%s\" is not a DNS name",
			    conf->zone != NULL ? conf->zone : "");
	if (conf->relay_name == NULL || (pool->relay_name = dname(conf->relay_name, pool->zone)) == NULL) {
		rc = fail(err, errlen, "relay name \"%s\" is not a DNS name",
			  conf->relay_name != NULL ? conf->relay_name : "");
		goto fail;
	}
	if (conf->ttl < 1 || conf->ttl > RV_DNS_TTL_MAX) {
		rc = fail(err, errlen, "TTL %u is out of range (1..%d s)", conf->ttl, RV_DNS_TTL_MAX);
		goto fail;
	}
	if (conf->n_addresses > RV_DNS_MAX_ADDRESSES) {
		rc = fail(err, errlen, "%zu addresses: at most %d", conf->n_addresses,
			  RV_DNS_MAX_ADDRESSES);
		goto fail;
	}
	pool->ttl = conf->ttl;
	pool->mx = conf->mx_name != NULL && conf->mx_name[0] != '\0';
	pool->member = ldns_rr_list_new();
	pool->host = ldns_rr_list_new();
	if (pool->member == NULL || pool->host == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if (pool->mx) {
		pool->pool_name = dname(conf->mx_name, pool->zone);
		if (pool->pool_name == NULL) {
			rc = fail(err, errlen, "MX name \"%s\" is not a DNS name", conf->mx_name);
			goto fail;
		}
		if (conf->mx_priority > 65535) {
			rc = fail(err, errlen, "MX priority %u is out of range (0..65535)",
				  conf->mx_priority);
			goto fail;
		}
		pool->types[0] = LDNS_RR_TYPE_MX;
		pool->n_types = 1;
		if (conf->n_addresses > 0 && !in_zone(pool->relay_name, pool->zone)) {
			rc = fail(err, errlen,
				  "relay name \"%s\" is outside zone \"%s\": its addresses cannot be "
				  "published there", conf->relay_name, conf->zone);
			goto fail;
		}
		rc = add_addresses(pool->host, pool->relay_name, conf, err, errlen);
		if (rc < 0)
			goto fail;
		mx = rr_bare(pool->pool_name, LDNS_RR_TYPE_MX, LDNS_RR_CLASS_IN, conf->ttl);
		prio = ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, (uint16_t)conf->mx_priority);
		exchange = ldns_rdf_clone(pool->relay_name);
		if (mx == NULL || prio == NULL || exchange == NULL) {
			ldns_rr_free(mx);
			ldns_rdf_deep_free(prio);
			ldns_rdf_deep_free(exchange);
			rc = -ENOMEM;
			goto fail;
		}
		ldns_rr_push_rdf(mx, prio);
		ldns_rr_push_rdf(mx, exchange);
		if ((rc = push(pool->member, mx)) < 0)
			goto fail;
	} else {
		pool->pool_name = ldns_rdf_clone(pool->relay_name);
		if (pool->pool_name == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
		pool->types[0] = LDNS_RR_TYPE_A;
		pool->types[1] = LDNS_RR_TYPE_AAAA;
		pool->n_types = 2;
		if (conf->n_addresses == 0) {
			rc = fail(err, errlen, "an address pool (no MX name) needs the site's addresses");
			goto fail;
		}
		rc = add_addresses(pool->member, pool->pool_name, conf, err, errlen);
		if (rc < 0)
			goto fail;
	}
	if (!in_zone(pool->pool_name, pool->zone)) {
		rc = fail(err, errlen, "%s \"%s\" is outside zone \"%s\"",
			  pool->mx ? "MX name" : "relay name",
			  pool->mx ? conf->mx_name : conf->relay_name, conf->zone);
		goto fail;
	}
	return 0;
fail:
	rv_dns_pool_free(pool);
	return rc;
}

/* ------------------------------------------------------------ builders */

ldns_pkt *
rv_dns_build_query(const ldns_rdf *name, ldns_rr_type type)
{
	ldns_rdf *n = ldns_rdf_clone(name);
	ldns_pkt *q;

	if (n == NULL)
		return NULL;
	/* takes n; flags 0: no recursion wanted from an authoritative server */
	q = ldns_pkt_query_new(n, type, LDNS_RR_CLASS_IN, 0);
	if (q == NULL)
		ldns_rdf_deep_free(n);
	return q;
}

/* An UPDATE of the pool's zone with these sections (copied). */
static ldns_pkt *
update_pkt(const struct rv_dns_pool *pool, const ldns_rr_list *prereq, const ldns_rr_list *up)
{
	ldns_rdf *zone = ldns_rdf_clone(pool->zone);
	ldns_pkt *p;

	if (zone == NULL)
		return NULL;
	p = ldns_update_pkt_new(zone, LDNS_RR_CLASS_IN, prereq, up, NULL);
	if (p == NULL) {
		ldns_rdf_deep_free(zone);
		return NULL;
	}
	/* ldns sets RD on an update; RFC 2136 §2.2 wants the flags zero */
	ldns_pkt_set_rd(p, false);
	return p;
}

ldns_pkt *
rv_dns_build_publish(const struct rv_dns_pool *pool, const ldns_rr_list *current)
{
	ldns_rr_list *up = ldns_rr_list_new();
	const ldns_rr *mine = pool->mx ? ldns_rr_list_rr(pool->member, 0) : NULL;
	ldns_pkt *p = NULL;
	size_t i;
	int rc = up != NULL ? 0 : -ENOMEM;

	if (pool->mx && ldns_rr_list_rr_count(pool->host) > 0) {
		/* the relay name is the site's own: its addresses are exactly
		 * the configured ones, old ones go in the same step */
		rc = push(up, rr_bare(pool->relay_name, LDNS_RR_TYPE_A, LDNS_RR_CLASS_ANY, 0));
		if (rc == 0)
			rc = push(up, rr_bare(pool->relay_name, LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_ANY, 0));
		for (i = 0; rc == 0 && i < ldns_rr_list_rr_count(pool->host); i++)
			rc = push(up, ldns_rr_clone(ldns_rr_list_rr(pool->host, i)));
	}
	if (mine != NULL) {
		/* our MX records of another priority (the priority changed) */
		for (i = 0; rc == 0 && current != NULL && i < ldns_rr_list_rr_count(current); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(current, i);

			if (!in_pool(pool, rr) || ldns_rr_rd_count(rr) != 2 ||
			    ldns_dname_compare(ldns_rr_rdf(rr, 1), pool->relay_name) != 0 ||
			    rv_dns_rr_same(rr, mine))
				continue;
			rc = push(up, rr_as(rr, LDNS_RR_CLASS_NONE, 0));
		}
	}
	for (i = 0; rc == 0 && i < ldns_rr_list_rr_count(pool->member); i++)
		rc = push(up, ldns_rr_clone(ldns_rr_list_rr(pool->member, i)));
	if (rc == 0)
		p = update_pkt(pool, NULL, up);
	ldns_rr_list_deep_free(up);
	return p;
}

int
rv_dns_build_withdraw(const struct rv_dns_pool *pool, const ldns_rr_list *current, ldns_pkt **out)
{
	ldns_rr_list *pre = NULL, *up = NULL;
	size_t i, t, ours = 0, others = 0, in_type;
	int rc = 0;

	*out = NULL;
	for (i = 0; current != NULL && i < ldns_rr_list_rr_count(current); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(current, i);

		if (!in_pool(pool, rr))
			continue;
		if (list_has(pool->member, rr))
			ours++;
		else
			others++;
	}
	if (ours > 0 && others == 0)
		return RV_DNS_PLAN_KEPT_LAST;
	if (ours == 0 && ldns_rr_list_rr_count(pool->host) == 0)
		return RV_DNS_PLAN_NOTHING;

	pre = ldns_rr_list_new();
	up = ldns_rr_list_new();
	if (pre == NULL || up == NULL) {
		rc = -ENOMEM;
		goto done;
	}
	/* prerequisites: each pool RRset is exactly what was read */
	for (t = 0; rc == 0 && t < pool->n_types; t++) {
		in_type = 0;
		for (i = 0; rc == 0 && current != NULL && i < ldns_rr_list_rr_count(current); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(current, i);

			if (!in_pool(pool, rr) || ldns_rr_get_type(rr) != pool->types[t])
				continue;
			in_type++;
			/* RRset exists (value dependent): class IN, TTL 0 */
			rc = push(pre, rr_as(rr, LDNS_RR_CLASS_IN, 0));
		}
		/* RRset does not exist: class NONE, TTL 0, no data */
		if (rc == 0 && in_type == 0)
			rc = push(pre, rr_bare(pool->pool_name, pool->types[t], LDNS_RR_CLASS_NONE, 0));
	}
	/* updates: delete exactly our records (class NONE, TTL 0) */
	for (i = 0; rc == 0 && current != NULL && i < ldns_rr_list_rr_count(current); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(current, i);

		if (in_pool(pool, rr) && list_has(pool->member, rr))
			rc = push(up, rr_as(rr, LDNS_RR_CLASS_NONE, 0));
	}
	for (i = 0; rc == 0 && i < ldns_rr_list_rr_count(pool->host); i++)
		rc = push(up, rr_as(ldns_rr_list_rr(pool->host, i), LDNS_RR_CLASS_NONE, 0));
	if (rc == 0) {
		*out = update_pkt(pool, pre, up);
		if (*out == NULL)
			rc = -ENOMEM;
	}
done:
	ldns_rr_list_deep_free(pre);
	ldns_rr_list_deep_free(up);
	return rc < 0 ? rc : RV_DNS_PLAN_UPDATE;
}

/* ------------------------------------------------------------ operations */

const char *
rv_dns_outcome_name(enum rv_dns_outcome o)
{
	switch (o) {
	case RV_DNS_DONE:
		return "done";
	case RV_DNS_KEPT_LAST:
		return "kept-last";
	case RV_DNS_SERVED:
		return "served";
	case RV_DNS_PARTIAL:
		return "partial";
	case RV_DNS_ABSENT:
		return "absent";
	case RV_DNS_CONFLICT:
		return "conflict";
	case RV_DNS_FAILED:
		return "failed";
	}
	return "?";
}

void
rv_dns_result_clear(struct rv_dns_result *res)
{
	ldns_rr_list_deep_free(res->pool);
	ldns_rr_list_deep_free(res->missing);
	memset(res, 0, sizeof(*res));
	res->rcode = -1;
}

static void
res_why(struct rv_dns_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->why, sizeof(res->why), fmt, ap);
	va_end(ap);
}

/* Send request, keep the verdict in res. Returns 0 (verdict in res,
 * answer in *ans for the caller to clear) or -errno. */
static int
exchange(const struct rv_dns_server *srv, const struct rv_dns_key *key, ldns_pkt *request,
	 struct rv_dns_result *res, struct rv_dns_answer *ans)
{
	int rc = rv_dns_exchange(srv, key, request, ans);

	if (rc < 0) {
		res->outcome = RV_DNS_FAILED;
		res_why(res, "cannot make the request: %s", strerror(-rc));
		return rc;
	}
	res->exchanges++;
	res->verdict = ans->verdict;
	res->rcode = ans->rcode;
	res->tsig_error = ans->tsig_error;
	return 0;
}

/* Query name/type; the records of that owner and type go onto out. */
static int
query_rrset(const struct rv_dns_server *srv, const struct rv_dns_key *key, const ldns_rdf *name,
	    ldns_rr_type type, ldns_rr_list *out, struct rv_dns_result *res)
{
	struct rv_dns_answer ans = { .rcode = -1 };
	ldns_pkt *q = rv_dns_build_query(name, type);
	ldns_rr_list *answer;
	char *n;
	size_t i;
	int rc;

	if (q == NULL)
		return -ENOMEM;
	rc = exchange(srv, key, q, res, &ans);
	ldns_pkt_free(q);
	if (rc < 0)
		goto done;
	n = ldns_rdf2str(name);
	if (ans.verdict != RV_DNS_OK) {
		res->outcome = RV_DNS_FAILED;
		res_why(res, "query for %s %s: %s", n != NULL ? n : "?",
			type == LDNS_RR_TYPE_MX ? "MX" : type == LDNS_RR_TYPE_A ? "A" :
			type == LDNS_RR_TYPE_TXT ? "TXT" : "AAAA",
			ans.why);
	} else if (!ldns_pkt_aa(ans.pkt)) {
		/* only the primary's own data says what the pool is */
		res->verdict = RV_DNS_REFUSED;
		res->outcome = RV_DNS_FAILED;
		res_why(res, "%s is not authoritative for %s", srv->text, n != NULL ? n : "?");
	} else {
		answer = ldns_pkt_answer(ans.pkt);
		for (i = 0; rc == 0 && i < ldns_rr_list_rr_count(answer); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(answer, i);

			if (ldns_rr_get_type(rr) == type &&
			    ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
			    ldns_dname_compare(ldns_rr_owner(rr), name) == 0)
				rc = push(out, ldns_rr_clone(rr));
		}
	}
	free(n);
done:
	rv_dns_answer_clear(&ans);
	return rc;
}

int
rv_dns_read_pool(const struct rv_dns_server *srv, const struct rv_dns_key *key,
		 const struct rv_dns_pool *pool, ldns_rr_list **current, struct rv_dns_result *res)
{
	ldns_rr_list *list = ldns_rr_list_new();
	size_t t;
	int rc = list != NULL ? 0 : -ENOMEM;

	*current = NULL;
	res->outcome = RV_DNS_DONE;
	for (t = 0; rc == 0 && res->outcome != RV_DNS_FAILED && t < pool->n_types; t++)
		rc = query_rrset(srv, key, pool->pool_name, pool->types[t], list, res);
	if (rc < 0 || res->outcome == RV_DNS_FAILED) {
		ldns_rr_list_deep_free(list);
		return rc;
	}
	*current = list;
	return 0;
}

/* Keep a copy of the pool as read in res (for the caller's report). */
static void
keep_pool(struct rv_dns_result *res, const ldns_rr_list *current)
{
	ldns_rr_list_deep_free(res->pool);
	res->pool = current != NULL ? ldns_rr_list_clone(current) : NULL;
}

int
rv_dns_publish(const struct rv_dns_server *srv, const struct rv_dns_key *key,
	       const struct rv_dns_pool *pool, struct rv_dns_result *res)
{
	struct rv_dns_answer ans = { .rcode = -1 };
	ldns_rr_list *current = NULL;
	ldns_pkt *up = NULL;
	int rc = 0;

	rv_dns_result_clear(res);
	/* an MX pool is read first, for our records of an old priority */
	if (pool->mx) {
		rc = rv_dns_read_pool(srv, key, pool, &current, res);
		if (rc < 0 || res->outcome == RV_DNS_FAILED)
			goto done;
		keep_pool(res, current);
	}
	up = rv_dns_build_publish(pool, current);
	if (up == NULL) {
		rc = -ENOMEM;
		goto done;
	}
	rc = exchange(srv, key, up, res, &ans);
	if (rc < 0)
		goto done;
	if (ans.verdict == RV_DNS_OK) {
		res->outcome = RV_DNS_DONE;
		res_why(res, "the site's records are published");
	} else {
		res->outcome = RV_DNS_FAILED;
		res_why(res, "update refused or failed: %s", ans.why);
	}
done:
	rv_dns_answer_clear(&ans);
	if (up != NULL)
		ldns_pkt_free(up);
	ldns_rr_list_deep_free(current);
	return rc;
}

int
rv_dns_withdraw(const struct rv_dns_server *srv, const struct rv_dns_key *key,
		const struct rv_dns_pool *pool, struct rv_dns_result *res)
{
	struct rv_dns_answer ans = { .rcode = -1 };
	ldns_rr_list *current = NULL;
	ldns_pkt *up = NULL;
	int rc = 0, plan, tries;

	rv_dns_result_clear(res);
	for (tries = 1; tries <= RV_DNS_WITHDRAW_TRIES; tries++) {
		rc = rv_dns_read_pool(srv, key, pool, &current, res);
		if (rc < 0 || res->outcome == RV_DNS_FAILED)
			goto done;
		keep_pool(res, current);
		plan = rv_dns_build_withdraw(pool, current, &up);
		ldns_rr_list_deep_free(current);
		current = NULL;
		if (plan < 0) {
			rc = plan;
			goto done;
		}
		if (plan == RV_DNS_PLAN_KEPT_LAST) {
			res->outcome = RV_DNS_KEPT_LAST;
			res_why(res, "last record of the pool: kept (no other site's record is in it)");
			goto done;
		}
		if (plan == RV_DNS_PLAN_NOTHING) {
			res->outcome = RV_DNS_DONE;
			res_why(res, "the site has no record in the pool");
			goto done;
		}
		rc = exchange(srv, key, up, res, &ans);
		ldns_pkt_free(up);
		up = NULL;
		if (rc < 0)
			goto done;
		if (ans.verdict == RV_DNS_OK) {
			res->outcome = RV_DNS_DONE;
			res_why(res, "the site's records are withdrawn; the pool keeps the others");
			goto done;
		}
		if (ans.verdict != RV_DNS_PREREQ_FAILED) {
			res->outcome = RV_DNS_FAILED;
			res_why(res, "update refused or failed: %s", ans.why);
			goto done;
		}
		/* the pool changed since it was read: read it again */
		rv_dns_answer_clear(&ans);
	}
	res->outcome = RV_DNS_CONFLICT;
	res_why(res, "the pool changed under each of %d tries: records kept", RV_DNS_WITHDRAW_TRIES);
done:
	rv_dns_answer_clear(&ans);
	if (up != NULL)
		ldns_pkt_free(up);
	ldns_rr_list_deep_free(current);
	return rc;
}

int
rv_dns_check(const struct rv_dns_server *srv, const struct rv_dns_key *key,
	     const struct rv_dns_pool *pool, struct rv_dns_result *res)
{
	ldns_rr_list *served = NULL, *host = NULL;
	size_t i, want, have = 0;
	int rc;

	rv_dns_result_clear(res);
	rc = rv_dns_read_pool(srv, key, pool, &served, res);
	if (rc < 0 || res->outcome == RV_DNS_FAILED)
		goto done;
	keep_pool(res, served);
	host = ldns_rr_list_new();
	res->missing = ldns_rr_list_new();
	if (host == NULL || res->missing == NULL) {
		rc = -ENOMEM;
		goto done;
	}
	if (ldns_rr_list_rr_count(pool->host) > 0) {
		rc = query_rrset(srv, key, pool->relay_name, LDNS_RR_TYPE_A, host, res);
		if (rc == 0 && res->outcome != RV_DNS_FAILED)
			rc = query_rrset(srv, key, pool->relay_name, LDNS_RR_TYPE_AAAA, host, res);
		if (rc < 0 || res->outcome == RV_DNS_FAILED)
			goto done;
	}
	want = ldns_rr_list_rr_count(pool->member) + ldns_rr_list_rr_count(pool->host);
	for (i = 0; rc == 0 && i < ldns_rr_list_rr_count(pool->member); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(pool->member, i);

		if (list_has(served, rr))
			have++;
		else
			rc = push(res->missing, ldns_rr_clone(rr));
	}
	for (i = 0; rc == 0 && i < ldns_rr_list_rr_count(pool->host); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(pool->host, i);

		if (list_has(host, rr))
			have++;
		else
			rc = push(res->missing, ldns_rr_clone(rr));
	}
	if (rc < 0)
		goto done;
	if (have == want) {
		res->outcome = RV_DNS_SERVED;
		res_why(res, "the primary serves the site's %zu record(s)", want);
	} else if (have == 0) {
		res->outcome = RV_DNS_ABSENT;
		res_why(res, "the primary serves none of the site's %zu record(s)", want);
	} else {
		res->outcome = RV_DNS_PARTIAL;
		res_why(res, "the primary serves %zu of the site's %zu records", have, want);
	}
done:
	ldns_rr_list_deep_free(served);
	ldns_rr_list_deep_free(host);
	return rc;
}

/* ------------------------------------------------------------ down-votes */

ldns_rdf *
rv_dns_vote_owner(const ldns_rdf *zone, const char *site)
{
	char buf[LDNS_MAX_DOMAINLEN + 2], *z;
	ldns_rdf *r = NULL;
	size_t i, n = strlen(site);

	if (n == 0 || n > 63)
		return NULL;
	for (i = 0; i < n; i++) {
		char c = site[i];

		/* one label: no dot, nothing a name could not hold */
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return NULL;
	}
	z = ldns_rdf2str(zone);
	if (z == NULL)
		return NULL;
	if (snprintf(buf, sizeof(buf), "%s." RV_DNS_VOTE_LABEL ".%s", site, z) <
	    (int)sizeof(buf))
		r = dname(buf, NULL);
	free(z);
	return r;
}

void
rv_dns_txt_text(const ldns_rr *rr, char *buf, size_t len)
{
	size_t i, j, off = 0;

	if (len == 0)
		return;
	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		const uint8_t *d = ldns_rdf_data(f);
		size_t flen = ldns_rdf_size(f);

		/* a character-string: its length byte, then the bytes */
		if (ldns_rdf_get_type(f) != LDNS_RDF_TYPE_STR || flen == 0)
			continue;
		for (j = 1; j < flen && j <= d[0] && off + 1 < len; j++)
			buf[off++] = (d[j] < 0x20 || d[j] > 0x7e) ? '?' : (char)d[j];
	}
	buf[off] = '\0';
}

/* The first word of a TXT record's text is voter. */
static int
txt_is_voters(const ldns_rr *rr, const char *voter)
{
	char text[256];
	size_t n = strlen(voter);

	rv_dns_txt_text(rr, text, sizeof(text));
	return strncmp(text, voter, n) == 0 && (text[n] == ' ' || text[n] == '\0');
}

static int
voter_ok(const char *voter)
{
	size_t i, n = voter != NULL ? strlen(voter) : 0;

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++)
		if (voter[i] <= ' ' || voter[i] > '~' || voter[i] == '"' || voter[i] == '\\')
			return 0;
	return 1;
}

int
rv_dns_build_vote(const ldns_rdf *zone, const ldns_rdf *owner, const ldns_rr_list *current,
		  const char *voter, enum rv_dns_vote_op op, int64_t stamp, unsigned ttl,
		  ldns_pkt **out)
{
	ldns_rr_list *up = NULL;
	ldns_rdf *z = NULL, *txt = NULL;
	ldns_rr *rr;
	char text[128];
	size_t i;
	int rc = 0;

	*out = NULL;
	if (op == RV_DNS_VOTES_READ || !voter_ok(voter) || stamp < 0)
		return -EINVAL;
	up = ldns_rr_list_new();
	if (up == NULL)
		return -ENOMEM;
	for (i = 0; rc == 0 && current != NULL && i < ldns_rr_list_rr_count(current); i++) {
		const ldns_rr *c = ldns_rr_list_rr(current, i);

		if (ldns_rr_get_type(c) != LDNS_RR_TYPE_TXT ||
		    ldns_dname_compare(ldns_rr_owner(c), owner) != 0 || !txt_is_voters(c, voter))
			continue;
		/* delete that very record: class NONE, TTL 0 */
		rc = push(up, rr_as(c, LDNS_RR_CLASS_NONE, 0));
	}
	if (rc == 0 && op == RV_DNS_VOTE_ADD) {
		snprintf(text, sizeof(text), "%s %lld", voter, (long long)stamp);
		rr = rr_bare(owner, LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, ttl);
		if (rr == NULL || ldns_str2rdf_str(&txt, text) != LDNS_STATUS_OK) {
			ldns_rr_free(rr);
			rc = -ENOMEM;
		} else {
			ldns_rr_push_rdf(rr, txt);
			rc = push(up, rr);
		}
	}
	if (rc == 0 && ldns_rr_list_rr_count(up) > 0) {
		z = ldns_rdf_clone(zone);
		*out = z != NULL ? ldns_update_pkt_new(z, LDNS_RR_CLASS_IN, NULL, up, NULL) : NULL;
		if (*out == NULL) {
			ldns_rdf_deep_free(z);
			rc = -ENOMEM;
		} else {
			ldns_pkt_set_rd(*out, false);
		}
	}
	ldns_rr_list_deep_free(up);
	return rc;
}

/* current as it is after the update: the voter's records gone, and for
 * an addition its new one (the records of the update's add section). */
static ldns_rr_list *
votes_after(const ldns_rr_list *current, const ldns_pkt *update, const char *voter)
{
	ldns_rr_list *after = ldns_rr_list_new(), *up;
	size_t i;

	if (after == NULL)
		return NULL;
	for (i = 0; current != NULL && i < ldns_rr_list_rr_count(current); i++) {
		const ldns_rr *c = ldns_rr_list_rr(current, i);

		if (voter != NULL && txt_is_voters(c, voter))
			continue;
		if (push(after, ldns_rr_clone(c)) < 0)
			goto fail;
	}
	up = update != NULL ? ldns_pkt_authority(update) : NULL;
	for (i = 0; up != NULL && i < ldns_rr_list_rr_count(up); i++) {
		const ldns_rr *u = ldns_rr_list_rr(up, i);

		if (ldns_rr_get_class(u) == LDNS_RR_CLASS_IN &&
		    push(after, ldns_rr_clone(u)) < 0)
			goto fail;
	}
	return after;
fail:
	ldns_rr_list_deep_free(after);
	return NULL;
}

int
rv_dns_vote(const struct rv_dns_server *srv, const struct rv_dns_key *key, const char *zone,
	    const char *site, const char *voter, enum rv_dns_vote_op op, int64_t stamp,
	    unsigned ttl, struct rv_dns_result *res)
{
	struct rv_dns_answer ans = { .rcode = -1 };
	ldns_rr_list *current = NULL;
	ldns_rdf *z = NULL, *owner = NULL;
	ldns_pkt *up = NULL;
	int rc = 0;

	rv_dns_result_clear(res);
	z = zone != NULL ? dname(zone, NULL) : NULL;
	owner = z != NULL && site != NULL ? rv_dns_vote_owner(z, site) : NULL;
	if (owner == NULL) {
		res->outcome = RV_DNS_FAILED;
		res_why(res, "zone \"%s\" or site \"%s\" cannot name the votes (a site is one DNS "
			"label: letters, digits, '-' and '_')", zone != NULL ? zone : "",
			site != NULL ? site : "");
		rc = -EINVAL;
		goto done;
	}
	if (op != RV_DNS_VOTES_READ && !voter_ok(voter)) {
		res->outcome = RV_DNS_FAILED;
		res_why(res, "voter \"%s\" is not a name", voter != NULL ? voter : "");
		rc = -EINVAL;
		goto done;
	}
	current = ldns_rr_list_new();
	if (current == NULL) {
		rc = -ENOMEM;
		goto done;
	}
	res->outcome = RV_DNS_DONE;
	rc = query_rrset(srv, key, owner, LDNS_RR_TYPE_TXT, current, res);
	if (rc < 0 || res->outcome == RV_DNS_FAILED)
		goto done;
	if (op != RV_DNS_VOTES_READ) {
		rc = rv_dns_build_vote(z, owner, current, voter, op, stamp, ttl, &up);
		if (rc < 0)
			goto done;
	}
	if (up != NULL) {
		rc = exchange(srv, key, up, res, &ans);
		if (rc < 0)
			goto done;
		if (ans.verdict != RV_DNS_OK) {
			res->outcome = RV_DNS_FAILED;
			res_why(res, "vote update refused or failed: %s", ans.why);
			goto done;
		}
	}
	res->pool = votes_after(current, up, op != RV_DNS_VOTES_READ ? voter : NULL);
	if (res->pool == NULL) {
		rc = -ENOMEM;
		goto done;
	}
	res->outcome = RV_DNS_DONE;
	res_why(res, "%s", op == RV_DNS_VOTE_ADD ? "vote added" :
		op == RV_DNS_VOTE_REMOVE ? (up != NULL ? "vote removed" : "no vote to remove")
					 : "votes read");
done:
	rv_dns_answer_clear(&ans);
	if (up != NULL)
		ldns_pkt_free(up);
	ldns_rr_list_deep_free(current);
	ldns_rdf_deep_free(owner);
	ldns_rdf_deep_free(z);
	return rc;
}
