/*
 * sitepool.c — the DNS relay pool across sites (sitepool.h): probes of the
 * peer sites, this site's down-votes, the withdrawal of a peer site that
 * enough sites see down, and this site's own membership.
 *
 * The decisions are sitevote.c's pure functions; this file runs children
 * and keeps what they said. What a child prints is not trusted: the JSON
 * is parsed with json-c, every field is optional, strings are cut and
 * cleaned before they reach a log line or the status.
 *
 *   peer:  UNKNOWN --up-after ok--> UP --down-after failed--> DOWN
 *          (as innerlink.c's hysteresis; only on the ACTIVE node)
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <qb/qblog.h>

#include "sitepool.h"
#include "sitevote.h"
#include "util.h"

#define HELPER_WAIT_MS 2000       /* relevo-dnsupdate --timeout: each network wait */
#define HELPER_TIMEOUT_MS 15000   /* a check or a vote: a few exchanges */
#define WITHDRAW_TIMEOUT_MS 45000 /* up to 5 read-and-update rounds */
#define PROBE_SLACK_MS 2000
#define QUIT_MS 1000
#define ARGV_MAX 40

static char env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
static char env_lang[] = "LANG=C.UTF-8";
static char *const child_env[] = { env_path, env_lang, NULL };

/* ------------------------------------------------------------ helpers */

static void
clean(char *out, size_t size, const char *text)
{
	size_t i;

	for (i = 0; text != NULL && text[i] != '\0' && text[i] != '\n' && i + 1 < size; i++)
		out[i] = (text[i] < 0x20 || text[i] > 0x7e) ? '?' : text[i];
	out[i] = '\0';
}

struct argv_buf {
	char *v[ARGV_MAX + 1];
	size_t n;
};

static void
arg(struct argv_buf *a, const char *s)
{
	if (a->n >= ARGV_MAX)
		return; /* cannot happen with the words below; the child refuses it */
	a->v[a->n] = strdup(s);
	if (a->v[a->n] == NULL)
		abort();
	a->v[++a->n] = NULL;
}

static void
argv_free(struct argv_buf *a)
{
	while (a->n > 0)
		free(a->v[--a->n]);
	a->v[0] = NULL;
}

static int64_t
vote_max_age_s(const struct rv_pool_cfg *c)
{
	/* a voter refreshes its vote once a pass; four passes missed (and
	 * 10 s for a slow server) and the vote no longer counts */
	return (int64_t)(4 * c->probe_interval_ms / 1000) + 10;
}

/* Our vote is written again when it is a third of its life old: a vote
 * that is still fresh is read, not rewritten, which keeps the zone's
 * journal from growing by one update per interval and dead site. */
static int64_t
vote_refresh_s(const struct rv_pool_cfg *c)
{
	int64_t r = vote_max_age_s(c) / 3;

	return r > 0 ? r : 1;
}

static size_t
sites(const struct rv_sitepool *sp)
{
	return sp->n_peers + 1;
}

static size_t
peers_up(const struct rv_sitepool *sp)
{
	size_t i, up = 0;

	for (i = 0; i < sp->n_peers; i++)
		up += sp->peers[i].hyst.state == RV_LINK_UP;
	return up;
}

/* The cut-off rule, logged when its verdict changes. Until every peer has
 * a state, it is not known and nothing is decided. */
static void
update_cut_off(struct rv_sitepool *sp)
{
	size_t i;
	int now;

	for (i = 0; i < sp->n_peers; i++)
		if (sp->peers[i].hyst.state == RV_LINK_UNKNOWN)
			return;
	now = rv_vote_cut_off(sites(sp), peers_up(sp));
	if (now == sp->cut_off)
		return;
	if (now)
		qb_log(LOG_WARNING, "pool: this site sees %zu of the %zu other site(s): it is "
		       "probably the one cut off, so it withdraws nobody and votes against nobody",
		       peers_up(sp), sp->n_peers);
	else if (sp->cut_off == 1)
		qb_log(LOG_NOTICE, "pool: this site sees %zu of the %zu other site(s) again: "
		       "votes and withdrawals resume", peers_up(sp), sp->n_peers);
	sp->cut_off = now;
}

/* ------------------------------------------------------------ probes */

static void
take_probe(struct rv_sitepool *sp, struct rv_peer_state *p, int ok, int error,
	   const char *result, const char *reason, uint64_t latency_ms)
{
	const struct rv_pool_cfg *c = sp->cfg;
	enum rv_link_state before = p->hyst.state, after;
	uint64_t now = rv_now_ms();

	p->have_probe = 1;
	p->last_ok = ok;
	p->last_probe_ms = now;
	p->last_probe_s = (int64_t)time(NULL);
	p->last_latency_ms = latency_ms;
	snprintf(p->last_result, sizeof(p->last_result), "%s", result);
	clean(p->last_reason, sizeof(p->last_reason), reason);
	if (error)
		return; /* says nothing about the peer site */
	after = rv_hysteresis_feed(&p->hyst, ok, c->up_after, c->down_after);
	if (after != before) {
		if (before != RV_LINK_UNKNOWN)
			p->transitions++;
		if (after == RV_LINK_DOWN)
			qb_log(LOG_WARNING, "pool: peer site %s (%s) is down: %u failed probes in "
			       "a row: %s", p->cfg->name, p->cfg->address, p->hyst.fail_run,
			       p->last_reason);
		else
			qb_log(before == RV_LINK_DOWN ? LOG_NOTICE : LOG_INFO, "pool: peer site %s "
			       "(%s) is up (%u probes in a row)", p->cfg->name, p->cfg->address,
			       p->hyst.ok_run);
		p->since_ms = now;
		p->since_s = (int64_t)time(NULL);
	}
	update_cut_off(sp);
}

static void
probe_done(void *data, const struct rv_child_result *res)
{
	struct rv_peer_state *p = data;
	struct rv_sitepool *sp = p->owner;
	json_object *doc = NULL, *v, *ph;
	const char *result = "failed", *reason = "";
	uint64_t latency = res->duration_ms;
	char why[160];

	p->probe_child = NULL;
	/* relevo-probe: 0 ok, 1 degraded, 2 not listening, 3 broken, 4 TLS */
	if (res->status == RV_CHILD_EXITED && res->exit_code <= 4)
		doc = json_tokener_parse(res->out);
	if (doc != NULL && json_object_is_type(doc, json_type_object)) {
		if (json_object_object_get_ex(doc, "result", &v) &&
		    json_object_is_type(v, json_type_string))
			result = json_object_get_string(v);
		if (json_object_object_get_ex(doc, "reason", &v) &&
		    json_object_is_type(v, json_type_string))
			reason = json_object_get_string(v);
		if (json_object_object_get_ex(doc, "phases", &ph) &&
		    json_object_object_get_ex(ph, "total_ms", &v) &&
		    json_object_get_int64(v) >= 0)
			latency = (uint64_t)json_object_get_int64(v);
		take_probe(sp, p, res->exit_code <= 1, 0, res->exit_code <= 1 ? "ok" : result,
			   reason, latency);
		json_object_put(doc);
		return;
	}
	json_object_put(doc);
	if (res->status == RV_CHILD_TIMEOUT) {
		snprintf(why, sizeof(why), "relevo-probe did not finish within %llu ms",
			 (unsigned long long)res->duration_ms);
		take_probe(sp, p, 0, 0, "timeout", why, res->duration_ms);
		return;
	}
	if (res->status == RV_CHILD_EXEC_FAILED)
		snprintf(why, sizeof(why), "cannot run %s: %s", sp->probe_path,
			 strerror(res->exit_code));
	else if (res->status == RV_CHILD_SIGNALED)
		snprintf(why, sizeof(why), "relevo-probe killed by signal %d", res->signo);
	else
		snprintf(why, sizeof(why), "relevo-probe exited %d without a report",
			 res->exit_code);
	if (!p->have_probe || strcmp(p->last_result, "error") != 0)
		qb_log(LOG_WARNING, "pool: cannot probe peer site %s: %s", p->cfg->name, why);
	take_probe(sp, p, 0, 1, "error", why, res->duration_ms);
}

static void
probe_spawn(struct rv_sitepool *sp, size_t i)
{
	struct rv_peer_state *p = &sp->peers[i];
	struct rv_child_spec spec = { .envp = child_env };
	struct rv_child_result fake = { .status = RV_CHILD_EXEC_FAILED };
	struct argv_buf a = { .n = 0 };
	char tmo[24], port[8];
	int rc;

	snprintf(tmo, sizeof(tmo), "%llu", (unsigned long long)sp->cfg->probe_timeout_ms);
	snprintf(port, sizeof(port), "%u", p->cfg->port);
	arg(&a, sp->probe_path);
	arg(&a, "--output-as");
	arg(&a, "json");
	arg(&a, "--timeout");
	arg(&a, tmo);
	arg(&a, "--banner-only");
	arg(&a, p->cfg->host);
	arg(&a, port);
	spec.path = a.v[0];
	spec.argv = a.v;
	spec.timeout_ms = 2 * sp->cfg->probe_timeout_ms + QUIT_MS + PROBE_SLACK_MS;
	rc = rv_child_spawn(sp->loop, &spec, probe_done, p, &p->probe_child);
	if (rc < 0) {
		p->probe_child = NULL;
		fake.exit_code = -rc;
		probe_done(p, &fake);
	}
	argv_free(&a);
}

/* ------------------------------------------------------------ the helper */

int
rv_sitepool_parse_votes(const char *text, char out[][64], size_t max)
{
	json_object *doc = text != NULL ? json_tokener_parse(text) : NULL, *votes, *v;
	size_t i, n = 0, len;
	int rc = -1;

	if (doc == NULL || !json_object_is_type(doc, json_type_object) ||
	    !json_object_object_get_ex(doc, "votes", &votes) ||
	    !json_object_is_type(votes, json_type_array))
		goto done;
	len = json_object_array_length(votes);
	for (i = 0; i < len && n < max; i++) {
		v = json_object_array_get_idx(votes, i);
		if (v == NULL || !json_object_is_type(v, json_type_string))
			continue;
		clean(out[n++], 64, json_object_get_string(v));
	}
	rc = (int)n;
done:
	json_object_put(doc);
	return rc;
}

/* "result" and "reason" of the helper's report, cleaned; "error" when the
 * output is not a report. */
static void
report_words(const struct rv_child_result *res, char *result, size_t rlen, char *reason,
	     size_t len)
{
	json_object *doc = NULL, *v;

	snprintf(result, rlen, "error");
	reason[0] = '\0';
	if (res->status == RV_CHILD_EXITED)
		doc = json_tokener_parse(res->out);
	if (doc != NULL && json_object_is_type(doc, json_type_object)) {
		if (json_object_object_get_ex(doc, "result", &v) &&
		    json_object_is_type(v, json_type_string))
			clean(result, rlen, json_object_get_string(v));
		if (json_object_object_get_ex(doc, "reason", &v) &&
		    json_object_is_type(v, json_type_string))
			clean(reason, len, json_object_get_string(v));
	}
	json_object_put(doc);
	if (reason[0] != '\0')
		return;
	switch (res->status) {
	case RV_CHILD_TIMEOUT:
		snprintf(reason, len, "relevo-dnsupdate did not finish within %llu ms",
			 (unsigned long long)res->duration_ms);
		snprintf(result, rlen, "timeout");
		break;
	case RV_CHILD_EXEC_FAILED:
		snprintf(reason, len, "cannot run relevo-dnsupdate: %s", strerror(res->exit_code));
		break;
	case RV_CHILD_SIGNALED:
		snprintf(reason, len, "relevo-dnsupdate killed by signal %d", res->signo);
		break;
	default:
		clean(reason, len, res->err);
		if (reason[0] == '\0')
			snprintf(reason, len, "relevo-dnsupdate exited %d without a report",
				 res->exit_code);
		break;
	}
}

static void pass_next(struct rv_sitepool *sp);
static void dns_spawn(struct rv_sitepool *sp, enum rv_pool_job job, size_t peer);

static void
note_update(struct rv_sitepool *sp, const char *what, const char *result, const char *reason,
	    int failed)
{
	sp->have_update = 1;
	snprintf(sp->update_what, sizeof(sp->update_what), "%s", what);
	snprintf(sp->update_result, sizeof(sp->update_result), "%s", result);
	snprintf(sp->update_reason, sizeof(sp->update_reason), "%s", reason);
	sp->update_at_s = (int64_t)time(NULL);
	sp->updates++;
	if (failed)
		sp->update_failures++;
}

/* The votes read for peer p: how many count now. */
static void
take_votes(struct rv_sitepool *sp, struct rv_peer_state *p, const char *out)
{
	const char *texts[RV_POOL_MAX_VOTERS], *known[RV_MAX_PEER_SITES + 1];
	int n = rv_sitepool_parse_votes(out, p->voters, RV_POOL_MAX_VOTERS);
	size_t i;

	if (n < 0)
		return;
	p->n_voters = (size_t)n;
	for (i = 0; i < p->n_voters; i++)
		texts[i] = p->voters[i];
	known[0] = sp->site;
	for (i = 0; i < sp->n_peers; i++)
		known[i + 1] = sp->peers[i].cfg->name;
	p->votes = (unsigned)rv_vote_count(texts, p->n_voters, p->cfg->name, known,
					   sp->n_peers + 1, (int64_t)time(NULL),
					   vote_max_age_s(sp->cfg));
	p->have_votes = 1;
	p->votes_at_s = (int64_t)time(NULL);
}

static void
withdraw_done(struct rv_sitepool *sp, struct rv_peer_state *p, const struct rv_child_result *res)
{
	char result[24], reason[200], what[96];
	int changed;

	report_words(res, result, sizeof(result), reason, sizeof(reason));
	changed = strcmp(result, p->withdraw_result) != 0 || strcmp(reason, p->withdraw_reason) != 0;
	snprintf(p->withdraw_result, sizeof(p->withdraw_result), "%s", result);
	snprintf(p->withdraw_reason, sizeof(p->withdraw_reason), "%s", reason);
	p->withdraw_at_s = (int64_t)time(NULL);
	snprintf(what, sizeof(what), "withdraw %s", p->cfg->name);
	note_update(sp, what, result, reason, res->status != RV_CHILD_EXITED ||
		    (res->exit_code != 0 && res->exit_code != 1));
	if (res->status == RV_CHILD_EXITED && res->exit_code == 0) {
		if (changed) {
			p->withdrawals++;
			qb_log(LOG_NOTICE, "pool: peer site %s withdrawn from the pool (%u current "
			       "vote(s), %u needed): %s", p->cfg->name, p->votes,
			       sp->cfg->down_votes, reason);
		}
	} else if (res->status == RV_CHILD_EXITED && res->exit_code == 1) {
		if (changed)
			qb_log(LOG_WARNING, "pool: peer site %s is seen down but holds the last "
			       "record of the pool: kept", p->cfg->name);
	} else if (changed) {
		qb_log(LOG_WARNING, "pool: withdrawing peer site %s failed (%s: %s); tried again "
		       "on the next pass", p->cfg->name, result, reason);
	}
}

/* The peer site is down and its last probe failed: down now. */
static int
down_now(const struct rv_peer_state *p)
{
	return p->hyst.state == RV_LINK_DOWN && p->hyst.fail_run > 0;
}

/* The check found this site's records missing: read the votes against
 * it, and publish again unless enough sites see it down. */
static void
self_votes_done(struct rv_sitepool *sp, const struct rv_child_result *res)
{
	const char *texts[RV_POOL_MAX_VOTERS], *known[RV_MAX_PEER_SITES + 1];
	char votes[RV_POOL_MAX_VOTERS][64], result[24], reason[200];
	int n;
	size_t i;

	n = res->status == RV_CHILD_EXITED && res->exit_code == 0 ?
	    rv_sitepool_parse_votes(res->out, votes, RV_POOL_MAX_VOTERS) : -1;
	if (n < 0) {
		report_words(res, result, sizeof(result), reason, sizeof(reason));
		qb_log(LOG_WARNING, "pool: cannot read the votes against this site: %s: %s",
		       result, reason);
		pass_next(sp);
		return;
	}
	for (i = 0; i < (size_t)n; i++)
		texts[i] = votes[i];
	known[0] = sp->site;
	for (i = 0; i < sp->n_peers; i++)
		known[i + 1] = sp->peers[i].cfg->name;
	sp->self_votes = (unsigned)rv_vote_count(texts, (size_t)n, sp->site, known,
						 sp->n_peers + 1, (int64_t)time(NULL),
						 vote_max_age_s(sp->cfg));
	if (sp->self_votes >= sp->cfg->down_votes) {
		if (!sp->self_held)
			qb_log(LOG_WARNING, "pool: this site's records are not in the pool and %u "
			       "site(s) see it down: not publishing them again until they see it "
			       "up", sp->self_votes);
		sp->self_held = 1;
		pass_next(sp);
		return;
	}
	sp->self_held = 0;
	dns_spawn(sp, RV_POOL_JOB_PUBLISH, 0);
}

static void
dns_done(void *data, const struct rv_child_result *res)
{
	struct rv_sitepool *sp = data;
	struct rv_peer_state *p = sp->job == RV_POOL_JOB_CHECK || sp->job == RV_POOL_JOB_SELF_VOTES ||
				  sp->job == RV_POOL_JOB_PUBLISH ? NULL : &sp->peers[sp->job_peer];
	char result[24], reason[200], what[96];
	int ok = res->status == RV_CHILD_EXITED && res->exit_code == 0;

	sp->dns_child = NULL;
	switch (sp->job) {
	case RV_POOL_JOB_CHECK:
		report_words(res, result, sizeof(result), reason, sizeof(reason));
		/* 0 served, 2 absent, 3 partial; others say nothing about it */
		if (res->status == RV_CHILD_EXITED &&
		    (res->exit_code == 0 || res->exit_code == 2 || res->exit_code == 3)) {
			/* the word from the exit status, not from what it printed */
			snprintf(result, sizeof(result), "%s", res->exit_code == 0 ? "served" :
				 res->exit_code == 2 ? "absent" : "partial");
			if (res->exit_code == 0)
				sp->self_held = 0;
			if (strcmp(sp->membership, result) != 0)
				qb_log(res->exit_code == 0 ? LOG_INFO : LOG_WARNING, "pool: this "
				       "site's records: %s (%s)", result, reason);
		} else {
			if (strcmp(sp->membership, "failed") != 0)
				qb_log(LOG_WARNING, "pool: cannot check this site's records: %s: %s",
				       result, reason);
			snprintf(result, sizeof(result), "failed");
		}
		snprintf(sp->membership, sizeof(sp->membership), "%s", result);
		snprintf(sp->membership_reason, sizeof(sp->membership_reason), "%s", reason);
		sp->membership_at_s = (int64_t)time(NULL);
		if (res->status == RV_CHILD_EXITED && (res->exit_code == 2 || res->exit_code == 3) &&
		    sp->active && sp->cut_off == 0) {
			dns_spawn(sp, RV_POOL_JOB_SELF_VOTES, 0);
			return;
		}
		break;
	case RV_POOL_JOB_SELF_VOTES:
		self_votes_done(sp, res);
		return;
	case RV_POOL_JOB_PUBLISH:
		report_words(res, result, sizeof(result), reason, sizeof(reason));
		note_update(sp, "publish", result, reason, !ok);
		if (ok) {
			sp->republished++;
			snprintf(sp->membership, sizeof(sp->membership), "served");
			snprintf(sp->membership_reason, sizeof(sp->membership_reason), "%s", reason);
			qb_log(LOG_NOTICE, "pool: this site's records were missing from the pool: "
			       "published again (%u current vote(s) against it)", sp->self_votes);
		} else {
			qb_log(LOG_WARNING, "pool: publishing this site's records again failed: "
			       "%s: %s", result, reason);
		}
		break;
	case RV_POOL_JOB_VOTES_READ:
		if (!ok) {
			report_words(res, result, sizeof(result), reason, sizeof(reason));
			if (!p->vote_failing)
				qb_log(LOG_WARNING, "pool: reading the votes against %s failed: %s: "
				       "%s", p->cfg->name, result, reason);
			p->vote_failing = 1;
			break;
		}
		p->vote_failing = 0;
		take_votes(sp, p, res->out);
		if (sp->active && rv_vote_withdraw(down_now(p), sp->cut_off != 0, p->votes,
						   sp->cfg->down_votes)) {
			dns_spawn(sp, RV_POOL_JOB_WITHDRAW, sp->job_peer);
			return;
		}
		break;
	case RV_POOL_JOB_VOTE_ADD:
	case RV_POOL_JOB_VOTE_REMOVE:
		report_words(res, result, sizeof(result), reason, sizeof(reason));
		snprintf(what, sizeof(what), "%s %s", sp->job == RV_POOL_JOB_VOTE_ADD ?
			 "vote-add" : "vote-remove", p->cfg->name);
		note_update(sp, what, result, reason, !ok);
		if (!ok) {
			/* logged when it starts failing, not on every pass */
			if (!p->vote_failing)
				qb_log(LOG_WARNING, "pool: %s failed: %s: %s (tried again every "
				       "pass)", what, result, reason);
			p->vote_failing = 1;
			p->our_vote = -1;
			break;
		}
		if (p->vote_failing)
			qb_log(LOG_NOTICE, "pool: %s works again", what);
		p->vote_failing = 0;
		if (sp->job == RV_POOL_JOB_VOTE_ADD && p->our_vote != 1)
			qb_log(LOG_NOTICE, "pool: voted peer site %s down", p->cfg->name);
		else if (sp->job == RV_POOL_JOB_VOTE_REMOVE && p->our_vote == 1)
			qb_log(LOG_NOTICE, "pool: vote against peer site %s removed",
			       p->cfg->name);
		p->our_vote = sp->job == RV_POOL_JOB_VOTE_ADD;
		if (p->our_vote)
			p->vote_written_s = (int64_t)time(NULL);
		take_votes(sp, p, res->out);
		/* the decision with the votes just read and the state of now */
		if (sp->job == RV_POOL_JOB_VOTE_ADD && sp->active &&
		    rv_vote_withdraw(down_now(p), sp->cut_off != 0, p->votes,
				     sp->cfg->down_votes)) {
			dns_spawn(sp, RV_POOL_JOB_WITHDRAW, sp->job_peer);
			return;
		}
		break;
	case RV_POOL_JOB_WITHDRAW:
		withdraw_done(sp, p, res);
		break;
	}
	pass_next(sp);
}

static void
common_args(const struct rv_sitepool *sp, struct argv_buf *a)
{
	const struct rv_pool_cfg *c = sp->cfg;
	char buf[24];

	arg(a, sp->helper_path);
	arg(a, "--output-as");
	arg(a, "json");
	arg(a, "--zone");
	arg(a, c->zone);
	arg(a, "--server");
	arg(a, c->server_host);
	snprintf(buf, sizeof(buf), "%u", c->server_port);
	arg(a, "--port");
	arg(a, buf);
	arg(a, "--key-file");
	arg(a, c->key_file);
	if (c->key_name != NULL) {
		arg(a, "--key-name");
		arg(a, c->key_name);
	}
	snprintf(buf, sizeof(buf), "%d", HELPER_WAIT_MS);
	arg(a, "--timeout");
	arg(a, buf);
}

/* The records of a site: its relay name and addresses, the pool's MX name. */
static void
site_args(const struct rv_sitepool *sp, struct argv_buf *a, const char *relay,
	  const char *addresses)
{
	char buf[24];

	arg(a, "--relay-name");
	arg(a, relay);
	if (addresses != NULL) {
		arg(a, "--address");
		arg(a, addresses);
	}
	if (sp->cfg->mx_name != NULL) {
		arg(a, "--mx-name");
		arg(a, sp->cfg->mx_name);
		snprintf(buf, sizeof(buf), "%u", sp->cfg->mx_priority);
		arg(a, "--mx-priority");
		arg(a, buf);
	}
}

static void
dns_spawn(struct rv_sitepool *sp, enum rv_pool_job job, size_t peer)
{
	const struct rv_peer_site_cfg *pc = job == RV_POOL_JOB_CHECK ? NULL : sp->peers[peer].cfg;
	struct rv_child_spec spec = { .envp = child_env, .timeout_ms = HELPER_TIMEOUT_MS };
	struct argv_buf a = { .n = 0 };
	char ttl[24];
	int rc;

	sp->job = job;
	sp->job_peer = peer;
	common_args(sp, &a);
	switch (job) {
	case RV_POOL_JOB_CHECK:
		site_args(sp, &a, sp->cfg->relay_name, sp->cfg->addresses);
		arg(&a, "check");
		break;
	case RV_POOL_JOB_PUBLISH:
		site_args(sp, &a, sp->cfg->relay_name, sp->cfg->addresses);
		arg(&a, "publish");
		break;
	case RV_POOL_JOB_SELF_VOTES:
		arg(&a, "--site");
		arg(&a, sp->site);
		arg(&a, "votes");
		break;
	case RV_POOL_JOB_VOTES_READ:
		arg(&a, "--site");
		arg(&a, pc->name);
		arg(&a, "votes");
		break;
	case RV_POOL_JOB_VOTE_ADD:
	case RV_POOL_JOB_VOTE_REMOVE:
		snprintf(ttl, sizeof(ttl), "%llu",
			 (unsigned long long)(sp->cfg->probe_interval_ms + 999) / 1000);
		arg(&a, "--ttl");
		arg(&a, ttl);
		arg(&a, "--site");
		arg(&a, pc->name);
		arg(&a, "--voter");
		arg(&a, sp->site);
		arg(&a, job == RV_POOL_JOB_VOTE_ADD ? "vote-add" : "vote-remove");
		break;
	case RV_POOL_JOB_WITHDRAW:
		site_args(sp, &a, pc->relay_name, pc->addresses);
		arg(&a, "withdraw");
		spec.timeout_ms = WITHDRAW_TIMEOUT_MS;
		break;
	}
	spec.path = a.v[0];
	spec.argv = a.v;
	rc = rv_child_spawn(sp->loop, &spec, dns_done, sp, &sp->dns_child);
	if (rc < 0) {
		/* not even a process: the pass ends here, the next tick tries again */
		sp->dns_child = NULL;
		qb_log(LOG_WARNING, "pool: cannot start relevo-dnsupdate: %s", strerror(-rc));
		sp->pass_running = 0;
	}
	argv_free(&a);
}

/* The next step of the pass: the check, then each peer site in turn. */
static void
pass_next(struct rv_sitepool *sp)
{
	struct rv_peer_state *p;

	while (sp->active && sp->cursor <= sp->n_peers) {
		size_t step = sp->cursor++;

		if (step == 0) {
			dns_spawn(sp, RV_POOL_JOB_CHECK, 0);
			return;
		}
		p = &sp->peers[step - 1];
		if (down_now(p) && sp->cut_off == 0) {
			int fresh = p->our_vote == 1 &&
				    (int64_t)time(NULL) - p->vote_written_s < vote_refresh_s(sp->cfg);

			dns_spawn(sp, fresh ? RV_POOL_JOB_VOTES_READ : RV_POOL_JOB_VOTE_ADD, step - 1);
			return;
		}
		if (p->our_vote != 0 && (p->hyst.state == RV_LINK_UP || sp->cut_off == 1)) {
			dns_spawn(sp, RV_POOL_JOB_VOTE_REMOVE, step - 1);
			return;
		}
	}
	sp->pass_running = 0;
}

static void
tick(void *data)
{
	struct rv_sitepool *sp = data;
	size_t i;

	sp->armed = 0;
	if (!sp->active)
		return;
	for (i = 0; i < sp->n_peers; i++)
		if (sp->peers[i].probe_child == NULL)
			probe_spawn(sp, i);
	if (sp->pass_running) {
		sp->overruns++;
	} else {
		sp->passes++;
		sp->pass_running = 1;
		sp->cursor = 0;
		sp->job = RV_POOL_JOB_CHECK;
		pass_next(sp);
	}
	if (qb_loop_timer_add(sp->loop, QB_LOOP_LOW, sp->cfg->probe_interval_ms * QB_TIME_NS_IN_MSEC,
			      sp, tick, &sp->timer) == 0)
		sp->armed = 1;
}

/* ------------------------------------------------------------ life */

static void
forget_peers(struct rv_sitepool *sp)
{
	size_t i;
	uint64_t now = rv_now_ms();

	for (i = 0; i < sp->n_peers; i++) {
		struct rv_peer_state *p = &sp->peers[i];

		rv_child_cancel(p->probe_child);
		p->probe_child = NULL;
		memset(&p->hyst, 0, sizeof(p->hyst));
		p->since_ms = now;
		p->since_s = (int64_t)time(NULL);
		p->our_vote = -1;
	}
	/* a pool of one site: nobody to be cut off from */
	sp->cut_off = sp->n_peers == 0 ? 0 : -1;
}

static void
cancel_pass(struct rv_sitepool *sp)
{
	rv_child_cancel(sp->dns_child);
	sp->dns_child = NULL;
	sp->pass_running = 0;
}

void
rv_sitepool_init(struct rv_sitepool *sp, qb_loop_t *loop, const struct rv_config *cfg)
{
	size_t i;

	memset(sp, 0, sizeof(*sp));
	sp->loop = loop;
	sp->cut_off = -1;
	snprintf(sp->membership, sizeof(sp->membership), "unknown");
	if (!cfg->pool.enabled)
		return;
	sp->cfg = &cfg->pool;
	sp->site = cfg->site;
	sp->probe_path = cfg->pool.probe != NULL ? cfg->pool.probe : SBINDIR "/relevo-probe";
	sp->helper_path = cfg->pool.helper != NULL ? cfg->pool.helper
						   : SBINDIR "/relevo-dnsupdate";
	sp->n_peers = cfg->pool.n_peers;
	for (i = 0; i < sp->n_peers; i++) {
		sp->peers[i].owner = sp;
		sp->peers[i].cfg = &cfg->pool.peers[i];
		sp->peers[i].our_vote = -1;
	}
	forget_peers(sp);
}

void
rv_sitepool_active(struct rv_sitepool *sp, int on)
{
	on = on != 0;
	if (sp->cfg == NULL || sp->active == on)
		return;
	sp->active = on;
	if (on) {
		qb_log(LOG_INFO, "pool: this node holds the site: probing %zu peer site(s) every "
		       "%llu ms (down after %u, up after %u; %u vote(s) withdraw a site)",
		       sp->n_peers, (unsigned long long)sp->cfg->probe_interval_ms,
		       sp->cfg->down_after, sp->cfg->up_after, sp->cfg->down_votes);
		forget_peers(sp);
		if (!sp->armed)
			tick(sp);
		return;
	}
	qb_log(LOG_INFO, "pool: this node no longer holds the site: peer probes stop (our "
	       "votes expire in %lld s)", (long long)vote_max_age_s(sp->cfg));
	if (sp->armed)
		(void)qb_loop_timer_del(sp->loop, sp->timer);
	sp->armed = 0;
	cancel_pass(sp);
	forget_peers(sp);
}

void
rv_sitepool_fini(struct rv_sitepool *sp)
{
	if (sp->armed)
		(void)qb_loop_timer_del(sp->loop, sp->timer);
	sp->armed = 0;
	sp->active = 0;
	cancel_pass(sp);
	forget_peers(sp);
}

/* ------------------------------------------------------------ status */

static json_object *
str_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_object_new_string(s) : NULL;
}

static json_object *
peer_json(const struct rv_sitepool *sp, const struct rv_peer_state *p, uint64_t now)
{
	json_object *o = json_object_new_object(), *l, *v;
	size_t i;

	json_object_object_add(o, "name", json_object_new_string(p->cfg->name));
	json_object_object_add(o, "address", json_object_new_string(p->cfg->address));
	json_object_object_add(o, "relay_name", json_object_new_string(p->cfg->relay_name));
	json_object_object_add(o, "health", json_object_new_string(sp->active ?
			       rv_link_state_name(p->hyst.state) : "unknown"));
	json_object_object_add(o, "since", json_object_new_int64(p->since_s));
	json_object_object_add(o, "for_ms", json_object_new_int64((int64_t)(now - p->since_ms)));
	json_object_object_add(o, "transitions", json_object_new_int64((int64_t)p->transitions));
	json_object_object_add(o, "ok_in_row", json_object_new_int64(p->hyst.ok_run));
	json_object_object_add(o, "failed_in_row", json_object_new_int64(p->hyst.fail_run));
	if (p->have_probe) {
		l = json_object_new_object();
		json_object_object_add(l, "result", json_object_new_string(p->last_result));
		json_object_object_add(l, "ok", json_object_new_boolean(p->last_ok));
		json_object_object_add(l, "reason", str_or_null(p->last_reason));
		json_object_object_add(l, "latency_ms",
				       json_object_new_int64((int64_t)p->last_latency_ms));
		json_object_object_add(l, "at", json_object_new_int64(p->last_probe_s));
		json_object_object_add(l, "ago_ms",
				       json_object_new_int64((int64_t)(now - p->last_probe_ms)));
		json_object_object_add(o, "last_probe", l);
	} else {
		json_object_object_add(o, "last_probe", NULL);
	}
	json_object_object_add(o, "votes", p->have_votes ? json_object_new_int64(p->votes) : NULL);
	v = json_object_new_array();
	for (i = 0; p->have_votes && i < p->n_voters; i++)
		json_object_array_add(v, json_object_new_string(p->voters[i]));
	json_object_object_add(o, "votes_read", v);
	json_object_object_add(o, "votes_at", p->have_votes ? json_object_new_int64(p->votes_at_s)
							  : NULL);
	json_object_object_add(o, "our_vote", p->our_vote < 0 ? NULL :
			       json_object_new_boolean(p->our_vote));
	if (p->withdraw_result[0] != '\0') {
		l = json_object_new_object();
		json_object_object_add(l, "result", json_object_new_string(p->withdraw_result));
		json_object_object_add(l, "reason", str_or_null(p->withdraw_reason));
		json_object_object_add(l, "at", json_object_new_int64(p->withdraw_at_s));
		json_object_object_add(o, "last_withdraw", l);
	} else {
		json_object_object_add(o, "last_withdraw", NULL);
	}
	json_object_object_add(o, "withdrawals", json_object_new_int64((int64_t)p->withdrawals));
	return o;
}

json_object *
rv_sitepool_json(const struct rv_sitepool *sp)
{
	const struct rv_pool_cfg *c = sp->cfg;
	json_object *o = json_object_new_object(), *peers, *u;
	uint64_t now = rv_now_ms();
	size_t i;

	json_object_object_add(o, "configured", json_object_new_boolean(c != NULL));
	if (c == NULL)
		return o;
	json_object_object_add(o, "zone", json_object_new_string(c->zone));
	json_object_object_add(o, "server", json_object_new_string(c->server));
	json_object_object_add(o, "relay_name", json_object_new_string(c->relay_name));
	json_object_object_add(o, "mx_name", str_or_null(c->mx_name));
	json_object_object_add(o, "probing", json_object_new_boolean(sp->active));
	json_object_object_add(o, "membership", json_object_new_string(sp->active ? sp->membership
									      : "unknown"));
	json_object_object_add(o, "membership_reason", str_or_null(sp->membership_reason));
	json_object_object_add(o, "membership_at", sp->membership_at_s != 0 ?
			       json_object_new_int64(sp->membership_at_s) : NULL);
	json_object_object_add(o, "republished", json_object_new_int64((int64_t)sp->republished));
	json_object_object_add(o, "held_by_votes", json_object_new_boolean(sp->self_held));
	json_object_object_add(o, "sites", json_object_new_int64((int64_t)sites(sp)));
	json_object_object_add(o, "down_votes", json_object_new_int64(c->down_votes));
	json_object_object_add(o, "cut_off", sp->active && sp->cut_off >= 0 ?
			       json_object_new_boolean(sp->cut_off) : NULL);
	json_object_object_add(o, "probe_interval_ms",
			       json_object_new_int64((int64_t)c->probe_interval_ms));
	json_object_object_add(o, "down_after", json_object_new_int64(c->down_after));
	json_object_object_add(o, "up_after", json_object_new_int64(c->up_after));
	json_object_object_add(o, "passes", json_object_new_int64((int64_t)sp->passes));
	json_object_object_add(o, "overruns", json_object_new_int64((int64_t)sp->overruns));
	json_object_object_add(o, "updates", json_object_new_int64((int64_t)sp->updates));
	json_object_object_add(o, "update_failures",
			       json_object_new_int64((int64_t)sp->update_failures));
	if (sp->have_update) {
		u = json_object_new_object();
		json_object_object_add(u, "what", json_object_new_string(sp->update_what));
		json_object_object_add(u, "result", json_object_new_string(sp->update_result));
		json_object_object_add(u, "reason", str_or_null(sp->update_reason));
		json_object_object_add(u, "at", json_object_new_int64(sp->update_at_s));
		json_object_object_add(o, "last_update", u);
	} else {
		json_object_object_add(o, "last_update", NULL);
	}
	peers = json_object_new_array();
	for (i = 0; i < sp->n_peers; i++)
		json_object_array_add(peers, peer_json(sp, &sp->peers[i], now));
	json_object_object_add(o, "peers", peers);
	return o;
}
