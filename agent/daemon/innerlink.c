/*
 * innerlink.c — the inner link: is the final delivery server reachable, and
 * the queue flush of the ACTIVE node when it comes back.
 *
 * Probes and postqueue run as children from the loop (child.c); their
 * results go through the hysteresis below into the link's state, which the
 * status report shows. The one thing this file does besides reporting is
 * the flush, a plain action of the node that holds the site, at most once
 * per down -> up transition: it must never touch a role, a resource or a
 * monitor, so that a lost inner link can never become a failover.
 *
 *   UNKNOWN --rise ok in a row--> UP --fall failed in a row--> DOWN
 *      |                           ^                             |
 *      +--fall failed in a row--> DOWN ---rise ok in a row-------+
 *                                        (on ACTIVE: flush)
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <qb/qblog.h>

#include "health.h"
#include "innerlink.h"
#include "util.h"

#define COUNT_TIMEOUT_MS 15000   /* postqueue -j before the flush */
#define FLUSH_TIMEOUT_MS 30000   /* postqueue -f: it only wakes the qmgr up */
#define PROBE_SLACK_MS 2000      /* beyond relevo-probe's own phase limits */
#define QUIT_MS 1000             /* relevo-probe's longest wait for QUIT */
#define ARGV_MAX 16

/* execve wants char *const []: writable copies of constant text */
static char env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
static char env_lang[] = "LANG=C.UTF-8";
static char *const child_env[] = { env_path, env_lang, NULL };

static const char *const state_names[] = {
	[RV_LINK_UNKNOWN] = "unknown",
	[RV_LINK_UP] = "up",
	[RV_LINK_DOWN] = "down",
};

const char *
rv_link_state_name(enum rv_link_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "?";
}

enum rv_link_state
rv_hysteresis_feed(struct rv_hysteresis *h, int ok, unsigned rise, unsigned fall)
{
	if (ok) {
		h->fail_run = 0;
		if (h->ok_run < UINT32_MAX)
			h->ok_run++;
		if (h->state != RV_LINK_UP && h->ok_run >= rise)
			h->state = RV_LINK_UP;
	} else {
		h->ok_run = 0;
		if (h->fail_run < UINT32_MAX)
			h->fail_run++;
		if (h->state != RV_LINK_DOWN && h->fail_run >= fall)
			h->state = RV_LINK_DOWN;
	}
	return h->state;
}

/* ------------------------------------------------------------ helpers */

/* A resource parameter, as health.c reads the mta's. */
static const char *
param(const struct rv_resource_cfg *r, const char *name, const char *dflt)
{
	size_t i;

	for (i = 0; r != NULL && i < r->n_params; i++)
		if (strcmp(r->params[i].name, name) == 0)
			return r->params[i].value;
	return dflt;
}

/* The first line of a child's output, printable bytes only, for a log
 * line and the status: what a command prints is not to be trusted. */
static void
first_line(char *out, size_t size, const char *text)
{
	size_t i;

	for (i = 0; text != NULL && text[i] != '\0' && text[i] != '\n' && i + 1 < size; i++)
		out[i] = (text[i] < 0x20 || text[i] > 0x7e) ? '?' : text[i];
	out[i] = '\0';
}

static void
argv_free(char **v)
{
	size_t i;

	for (i = 0; v[i] != NULL; i++) {
		free(v[i]);
		v[i] = NULL;
	}
}

/* argv of malloc'd copies of the NULL-terminated list; freed with argv_free */
static void
argv_fill(char *v[ARGV_MAX], const char *const *words)
{
	size_t n;

	for (n = 0; words[n] != NULL && n + 1 < ARGV_MAX; n++) {
		v[n] = strdup(words[n]);
		if (v[n] == NULL)
			abort();
	}
	v[n] = NULL;
}

static const char *
what(const struct rv_inner_link *il)
{
	return il->cfg->target != NULL ? il->cfg->target : il->cfg->argv[0];
}

static void
notify(struct rv_inner_link *il, enum rv_inner_link_event ev)
{
	if (il->notify != NULL)
		il->notify(il->notify_data, ev);
}

/* ------------------------------------------------------------ flush */

static void
flush_done(void *data, const struct rv_child_result *res)
{
	struct rv_inner_link *il = data;
	char line[160];

	il->flush_child = NULL;
	il->flush_done_ms = rv_now_ms();
	il->flush_duration_ms = il->flush_done_ms - il->flush_start_ms;
	first_line(line, sizeof(line), res->err != NULL && res->err[0] != '\0' ? res->err
										: res->out);
	if (res->status == RV_CHILD_EXITED && res->exit_code == 0) {
		snprintf(il->flush_result, sizeof(il->flush_result), "ok");
		il->flush_reason[0] = '\0';
		qb_log(LOG_NOTICE, "inner link: queue flushed (postqueue -f, %llu ms in all)",
		       (unsigned long long)il->flush_duration_ms);
	} else {
		if (res->status == RV_CHILD_TIMEOUT) {
			snprintf(il->flush_result, sizeof(il->flush_result), "timeout");
			snprintf(il->flush_reason, sizeof(il->flush_reason),
				 "postqueue -f did not finish within %d ms", FLUSH_TIMEOUT_MS);
		} else {
			snprintf(il->flush_result, sizeof(il->flush_result), "failed");
			if (res->status == RV_CHILD_EXITED)
				snprintf(il->flush_reason, sizeof(il->flush_reason),
					 "postqueue -f exited %d%s%s", res->exit_code,
					 line[0] != '\0' ? ": " : "", line);
			else if (res->status == RV_CHILD_SIGNALED)
				snprintf(il->flush_reason, sizeof(il->flush_reason),
					 "postqueue -f killed by signal %d", res->signo);
			else
				snprintf(il->flush_reason, sizeof(il->flush_reason),
					 "cannot run %s: %s", il->postqueue,
					 strerror(res->exit_code));
		}
		qb_log(LOG_WARNING, "inner link: queue flush failed: %s (Postfix retries "
		       "deferred mail on its own schedule)", il->flush_reason);
	}
	notify(il, RV_IL_FLUSHED);
}

static void
flush_run(struct rv_inner_link *il)
{
	const char *const words[] = { il->postqueue, "-c", il->postfix_dir, "-f", NULL };
	struct rv_child_spec spec = { .envp = child_env, .timeout_ms = FLUSH_TIMEOUT_MS };
	char *argv[ARGV_MAX];
	struct rv_child_result fake = { .status = RV_CHILD_EXEC_FAILED };
	int rc;

	if (il->flush_deferred >= 0)
		qb_log(LOG_NOTICE, "inner link to %s is back: flushing the queue of %s "
		       "(%lld deferred, the oldest %lld s old)", what(il), il->postfix_dir,
		       (long long)il->flush_deferred, (long long)il->flush_oldest_s);
	else
		qb_log(LOG_NOTICE, "inner link to %s is back: flushing the queue of %s "
		       "(deferred messages not counted)", what(il), il->postfix_dir);
	argv_fill(argv, words);
	spec.path = argv[0];
	spec.argv = argv;
	rc = rv_child_spawn(il->loop, &spec, flush_done, il, &il->flush_child);
	if (rc < 0) {
		il->flush_child = NULL;
		fake.exit_code = -rc;
		flush_done(il, &fake);
	}
	argv_free(argv);
}

static void
count_done(void *data, const struct rv_child_result *res)
{
	struct rv_inner_link *il = data;
	unsigned counts[RV_QUEUE_COUNT];
	int64_t oldest = -1;

	il->count_child = NULL;
	if (res->status == RV_CHILD_EXITED && res->exit_code == 0) {
		(void)rv_mta_count_queue(res->out, counts, (int64_t)time(NULL), &oldest);
		il->flush_deferred = counts[RV_QUEUE_DEFERRED];
		il->flush_oldest_s = oldest;
	} else {
		qb_log(LOG_INFO, "inner link: postqueue -j failed before the flush (status %d, "
		       "exit %d); flushing all the same", (int)res->status, res->exit_code);
	}
	flush_run(il);
}

/* The link came back: on the ACTIVE node, count the deferred mail (for
 * the log) and flush, unless the last flush has not ended yet. */
static void
flush_begin(struct rv_inner_link *il)
{
	const char *const words[] = { il->postqueue, "-c", il->postfix_dir, "-j", NULL };
	struct rv_child_spec spec = { .envp = child_env, .timeout_ms = COUNT_TIMEOUT_MS };
	char *argv[ARGV_MAX];

	if (!il->cfg->flush || il->postfix_dir == NULL)
		return;
	if (!il->active) {
		qb_log(LOG_INFO, "inner link: not flushing, this node does not hold the site");
		return;
	}
	if (il->count_child != NULL || il->flush_child != NULL) {
		il->flushes_skipped++;
		qb_log(LOG_INFO, "inner link: the last flush is still running; not starting "
		       "another");
		return;
	}
	il->flushes++;
	il->have_flush = 1;
	il->flush_at_s = (int64_t)time(NULL);
	il->flush_start_ms = rv_now_ms();
	il->flush_done_ms = 0;
	il->flush_deferred = -1;
	il->flush_oldest_s = -1;
	snprintf(il->flush_result, sizeof(il->flush_result), "running");
	il->flush_reason[0] = '\0';
	argv_fill(argv, words);
	spec.path = argv[0];
	spec.argv = argv;
	if (rv_child_spawn(il->loop, &spec, count_done, il, &il->count_child) < 0) {
		il->count_child = NULL;
		flush_run(il);
	}
	argv_free(argv);
}

static void
flush_cancel(struct rv_inner_link *il, const char *why)
{
	if (il->count_child == NULL && il->flush_child == NULL)
		return;
	rv_child_cancel(il->count_child);
	rv_child_cancel(il->flush_child);
	il->count_child = il->flush_child = NULL;
	il->flush_done_ms = rv_now_ms();
	il->flush_duration_ms = il->flush_done_ms - il->flush_start_ms;
	snprintf(il->flush_result, sizeof(il->flush_result), "cancelled");
	snprintf(il->flush_reason, sizeof(il->flush_reason), "%s", why);
	qb_log(LOG_INFO, "inner link: queue flush cancelled: %s", why);
	notify(il, RV_IL_FLUSHED);
}

/* ------------------------------------------------------------ probes */

enum verdict { V_OK, V_FAILED, V_ERROR };

static void
take(struct rv_inner_link *il, enum verdict v, const char *result, const char *reason,
     uint64_t latency_ms)
{
	enum rv_link_state before = il->hyst.state, after;
	int was_error = il->have_probe && strcmp(il->last_result, "error") == 0;
	uint64_t now = rv_now_ms();
	char dur[32];

	il->have_probe = 1;
	il->probes++;
	il->last_ok = v == V_OK;
	il->last_probe_ms = now;
	il->last_latency_ms = latency_ms;
	snprintf(il->last_result, sizeof(il->last_result), "%s", result);
	snprintf(il->last_reason, sizeof(il->last_reason), "%s", reason);
	if (v == V_ERROR) {
		/* says nothing about the server: the state stays as it was */
		if (!was_error)
			qb_log(LOG_WARNING, "inner link: cannot probe %s: %s", what(il), reason);
		notify(il, RV_IL_PROBED);
		return;
	}
	after = rv_hysteresis_feed(&il->hyst, v == V_OK, il->cfg->rise, il->cfg->fall);
	if (after != before) {
		snprintf(dur, sizeof(dur), "%llu s", (unsigned long long)((now - il->since_ms) / 1000));
		if (before != RV_LINK_UNKNOWN)
			il->transitions++;
		if (after == RV_LINK_DOWN)
			qb_log(LOG_WARNING, "inner link to %s is down (%u failed probes in a row, "
			       "%s %s): %s", what(il), il->hyst.fail_run,
			       before == RV_LINK_UP ? "up for" : "unknown for", dur, reason);
		else
			qb_log(before == RV_LINK_DOWN ? LOG_NOTICE : LOG_INFO, "inner link to %s "
			       "is up (%u probes in a row, %s %s)", what(il), il->hyst.ok_run,
			       before == RV_LINK_DOWN ? "down for" : "unknown for", dur);
		il->since_ms = now;
		il->since_s = (int64_t)time(NULL);
		if (before == RV_LINK_DOWN && after == RV_LINK_UP)
			flush_begin(il);
	}
	notify(il, RV_IL_PROBED);
}

/* relevo-probe's verdict: 0 ok, 1 degraded (a certificate, not asked for
 * here), 2 not listening, 3 broken, 4 TLS; anything else (64: usage) is
 * our problem, not the server's. */
static void
smtp_done(struct rv_inner_link *il, const struct rv_child_result *res)
{
	json_object *doc = NULL, *v, *ph;
	const char *result = "error", *reason = "";
	uint64_t latency = res->duration_ms;
	char why[200];

	if (res->status == RV_CHILD_EXITED && res->exit_code <= 4)
		doc = json_tokener_parse(res->out);
	if (doc != NULL) {
		if (json_object_object_get_ex(doc, "result", &v))
			result = json_object_get_string(v);
		if (json_object_object_get_ex(doc, "reason", &v) && json_object_get_string(v) != NULL)
			reason = json_object_get_string(v);
		if (json_object_object_get_ex(doc, "phases", &ph) &&
		    json_object_object_get_ex(ph, "total_ms", &v))
			latency = (uint64_t)json_object_get_int64(v);
		take(il, res->exit_code <= 1 ? V_OK : V_FAILED,
		     res->exit_code <= 1 ? "ok" : result != NULL ? result : "failed", reason, latency);
		json_object_put(doc);
		return;
	}
	switch (res->status) {
	case RV_CHILD_TIMEOUT:
		snprintf(why, sizeof(why), "relevo-probe did not finish within %llu ms",
			 (unsigned long long)res->duration_ms);
		take(il, V_FAILED, "timeout", why, res->duration_ms);
		return;
	case RV_CHILD_EXEC_FAILED:
		snprintf(why, sizeof(why), "cannot run %s: %s", il->probe_path,
			 strerror(res->exit_code));
		break;
	case RV_CHILD_SIGNALED:
		snprintf(why, sizeof(why), "relevo-probe killed by signal %d", res->signo);
		break;
	default:
		first_line(why, sizeof(why), res->err);
		if (why[0] == '\0')
			snprintf(why, sizeof(why), "relevo-probe exited %d without a report",
				 res->exit_code);
		break;
	}
	take(il, V_ERROR, "error", why, res->duration_ms);
}

static void
command_done(struct rv_inner_link *il, const struct rv_child_result *res)
{
	char why[200], line[160];

	switch (res->status) {
	case RV_CHILD_EXITED:
		if (res->exit_code == 0) {
			take(il, V_OK, "ok", "", res->duration_ms);
			return;
		}
		first_line(line, sizeof(line), res->err != NULL && res->err[0] != '\0' ? res->err
										      : res->out);
		snprintf(why, sizeof(why), "exit %d%s%s", res->exit_code, line[0] ? ": " : "",
			 line);
		take(il, V_FAILED, "failed", why, res->duration_ms);
		return;
	case RV_CHILD_TIMEOUT:
		snprintf(why, sizeof(why), "no exit within %llu ms",
			 (unsigned long long)il->cfg->timeout_ms);
		take(il, V_FAILED, "timeout", why, res->duration_ms);
		return;
	case RV_CHILD_SIGNALED:
		snprintf(why, sizeof(why), "killed by signal %d", res->signo);
		take(il, V_FAILED, "failed", why, res->duration_ms);
		return;
	default:
		snprintf(why, sizeof(why), "cannot run %s: %s", il->cfg->argv[0],
			 strerror(res->exit_code));
		take(il, V_ERROR, "error", why, res->duration_ms);
		return;
	}
}

static void
probe_done(void *data, const struct rv_child_result *res)
{
	struct rv_inner_link *il = data;

	il->probe_child = NULL;
	if (il->cfg->argv != NULL)
		command_done(il, res);
	else
		smtp_done(il, res);
}

static void
probe_spawn(struct rv_inner_link *il)
{
	const struct rv_inner_link_cfg *c = il->cfg;
	struct rv_child_spec spec = { .envp = child_env };
	struct rv_child_result fake = { .status = RV_CHILD_EXEC_FAILED };
	char *argv[ARGV_MAX] = { NULL };
	char tmo[24];
	int rc;

	if (c->argv != NULL) {
		spec.path = c->argv[0];
		spec.argv = c->argv;
		spec.timeout_ms = c->timeout_ms;
	} else {
		const char *const words[] = { il->probe_path, "--output-as", "json", "--timeout",
					      tmo, c->ehlo ? c->host : "--banner-only",
					      c->ehlo ? c->port : c->host, c->ehlo ? NULL : c->port,
					      NULL };

		snprintf(tmo, sizeof(tmo), "%llu", (unsigned long long)c->timeout_ms);
		argv_fill(argv, words);
		spec.path = argv[0];
		spec.argv = argv;
		/* each phase has the timeout: connect, banner (and EHLO), then QUIT */
		spec.timeout_ms = (c->ehlo ? 3 : 2) * c->timeout_ms + QUIT_MS + PROBE_SLACK_MS;
	}
	rc = rv_child_spawn(il->loop, &spec, probe_done, il, &il->probe_child);
	if (rc < 0) {
		il->probe_child = NULL;
		fake.exit_code = -rc;
		probe_done(il, &fake);
	}
	argv_free(argv);
}

static void
tick(void *data)
{
	struct rv_inner_link *il = data;

	il->armed = 0;
	if (il->probe_child != NULL)
		il->overruns++; /* the last one is still bounded by its own timeout */
	else
		probe_spawn(il);
	if (qb_loop_timer_add(il->loop, QB_LOOP_LOW, il->cfg->interval_ms * QB_TIME_NS_IN_MSEC,
			      il, tick, &il->timer) == 0)
		il->armed = 1;
}

/* ------------------------------------------------------------ life */

void
rv_inner_link_init(struct rv_inner_link *il, qb_loop_t *loop, const struct rv_config *cfg,
		   rv_inner_link_notify_fn fn, void *data)
{
	const struct rv_resource_cfg *mta = NULL;
	size_t i;

	memset(il, 0, sizeof(*il));
	il->loop = loop;
	il->notify = fn;
	il->notify_data = data;
	il->postqueue = "/usr/sbin/postqueue";
	il->flush_deferred = -1;
	il->flush_oldest_s = -1;
	if (!cfg->inner_link.enabled)
		return;
	il->cfg = &cfg->inner_link;
	for (i = 0; i < cfg->n_resources && mta == NULL; i++)
		if (strcmp(cfg->resources[i].provider, "relevo") == 0 &&
		    strcmp(cfg->resources[i].type, "mta") == 0)
			mta = &cfg->resources[i];
	il->probe_path = param(mta, "probe", SBINDIR "/relevo-probe");
	if (mta != NULL)
		il->postfix_dir = param(mta, "config_dir", "/etc/postfix");
}

void
rv_inner_link_start(struct rv_inner_link *il)
{
	if (il->cfg == NULL || il->armed || il->probe_child != NULL)
		return;
	il->since_ms = rv_now_ms();
	il->since_s = (int64_t)time(NULL);
	qb_log(LOG_INFO, "inner link: probing %s every %llu ms (rise %u, fall %u, flush %s)",
	       il->cfg->target != NULL ? il->cfg->target : il->cfg->argv[0],
	       (unsigned long long)il->cfg->interval_ms, il->cfg->rise, il->cfg->fall,
	       il->cfg->flush ? "on recovery" : "no");
	tick(il);
}

void
rv_inner_link_active(struct rv_inner_link *il, int on)
{
	il->active = on != 0;
	if (!on)
		flush_cancel(il, "this node no longer holds the site");
}

void
rv_inner_link_fini(struct rv_inner_link *il)
{
	if (il->armed)
		(void)qb_loop_timer_del(il->loop, il->timer);
	il->armed = 0;
	rv_child_cancel(il->probe_child);
	rv_child_cancel(il->count_child);
	rv_child_cancel(il->flush_child);
	il->probe_child = il->count_child = il->flush_child = NULL;
}

/* ------------------------------------------------------------ status */

static json_object *
command_json(const struct rv_inner_link_cfg *c)
{
	char line[512];
	size_t i, off = 0;
	int n;

	line[0] = '\0';
	for (i = 0; i < c->argc && off < sizeof(line); i++) {
		n = snprintf(line + off, sizeof(line) - off, "%s%s", i ? " " : "", c->argv[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return json_object_new_string(line);
}

static json_object *
flush_json(const struct rv_inner_link *il, uint64_t now)
{
	json_object *o = json_object_new_object(), *l;

	json_object_object_add(o, "enabled", json_object_new_boolean(il->cfg->flush &&
								     il->postfix_dir != NULL));
	json_object_object_add(o, "postfix_config", il->postfix_dir != NULL ?
			       json_object_new_string(il->postfix_dir) : NULL);
	json_object_object_add(o, "count", json_object_new_int64((int64_t)il->flushes));
	json_object_object_add(o, "skipped", json_object_new_int64((int64_t)il->flushes_skipped));
	if (!il->have_flush) {
		json_object_object_add(o, "last", NULL);
		return o;
	}
	l = json_object_new_object();
	json_object_object_add(l, "at", json_object_new_int64(il->flush_at_s));
	json_object_object_add(l, "ago_ms", json_object_new_int64((int64_t)(now -
									    il->flush_start_ms)));
	json_object_object_add(l, "result", json_object_new_string(il->flush_result));
	json_object_object_add(l, "reason", il->flush_reason[0] != '\0' ?
			       json_object_new_string(il->flush_reason) : NULL);
	json_object_object_add(l, "duration_ms", il->flush_done_ms != 0 ?
			       json_object_new_int64((int64_t)il->flush_duration_ms) : NULL);
	json_object_object_add(l, "deferred_before", il->flush_deferred >= 0 ?
			       json_object_new_int64(il->flush_deferred) : NULL);
	json_object_object_add(l, "oldest_deferred_s", il->flush_oldest_s >= 0 ?
			       json_object_new_int64(il->flush_oldest_s) : NULL);
	json_object_object_add(o, "last", l);
	return o;
}

json_object *
rv_inner_link_json(const struct rv_inner_link *il)
{
	const struct rv_inner_link_cfg *c = il->cfg;
	json_object *o, *p;
	uint64_t now = rv_now_ms();

	if (c == NULL)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "target", c->target != NULL ? json_object_new_string(c->target)
							      : NULL);
	json_object_object_add(o, "command", c->argv != NULL ? command_json(c) : NULL);
	json_object_object_add(o, "state", json_object_new_string(rv_link_state_name(il->hyst.state)));
	json_object_object_add(o, "since", json_object_new_int64(il->since_s));
	json_object_object_add(o, "for_ms", json_object_new_int64((int64_t)(now - il->since_ms)));
	json_object_object_add(o, "transitions", json_object_new_int64((int64_t)il->transitions));
	json_object_object_add(o, "ok_in_row", json_object_new_int64(il->hyst.ok_run));
	json_object_object_add(o, "failed_in_row", json_object_new_int64(il->hyst.fail_run));
	json_object_object_add(o, "rise", json_object_new_int64(c->rise));
	json_object_object_add(o, "fall", json_object_new_int64(c->fall));
	json_object_object_add(o, "interval_ms", json_object_new_int64((int64_t)c->interval_ms));
	json_object_object_add(o, "probes", json_object_new_int64((int64_t)il->probes));
	if (il->have_probe) {
		p = json_object_new_object();
		json_object_object_add(p, "result", json_object_new_string(il->last_result));
		json_object_object_add(p, "ok", json_object_new_boolean(il->last_ok));
		json_object_object_add(p, "reason", il->last_reason[0] != '\0' ?
				       json_object_new_string(il->last_reason) : NULL);
		json_object_object_add(p, "latency_ms",
				       json_object_new_int64((int64_t)il->last_latency_ms));
		json_object_object_add(p, "ago_ms", json_object_new_int64((int64_t)(now -
										    il->last_probe_ms)));
		json_object_object_add(o, "last_probe", p);
	} else {
		json_object_object_add(o, "last_probe", NULL);
	}
	json_object_object_add(o, "flush", flush_json(il, now));
	return o;
}
