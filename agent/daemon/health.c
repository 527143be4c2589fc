/*
 * health.c — the SMTP probe and the queue counts relevod shows in status.
 *
 * Both run as children from the loop (relevo-probe --output-as json, and
 * postqueue -j) on the mta resource's monitor interval while the node is
 * ACTIVE. Their output is parsed with json-c and kept for the status report.
 * Nothing here decides anything or changes a role.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <qb/qblog.h>

#include "health.h"
#include "util.h"

#define HEALTH_TIMEOUT_MS 15000

static const char *const queue_names[RV_QUEUE_COUNT] = {
	[RV_QUEUE_ACTIVE] = "active",
	[RV_QUEUE_DEFERRED] = "deferred",
	[RV_QUEUE_HOLD] = "hold",
	[RV_QUEUE_INCOMING] = "incoming",
	[RV_QUEUE_MAILDROP] = "maildrop",
};

static const char *
param(const struct rv_resource_cfg *r, const char *name, const char *dflt)
{
	size_t i;

	for (i = 0; i < r->n_params; i++)
		if (strcmp(r->params[i].name, name) == 0)
			return r->params[i].value;
	return dflt;
}

/* execve wants char *const []: writable copies of constant text */
static char env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
static char env_lang[] = "LANG=C.UTF-8";
static char *const child_env[] = { env_path, env_lang, NULL };

#define ARGV_MAX 20

/* argv of malloc'd copies; freed with argv_free */
static void
argv_add(char **v, size_t *n, const char *s)
{
	if (*n + 1 >= ARGV_MAX)
		return;
	v[*n] = strdup(s);
	if (v[*n] == NULL)
		abort();
	(*n)++;
	v[*n] = NULL;
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

unsigned
rv_mta_count_queue(const char *text, unsigned counts[RV_QUEUE_COUNT], int64_t now_s,
		      int64_t *oldest_s)
{
	struct json_tokener *tok = json_tokener_new();
	const char *p = text, *nl;
	unsigned n = 0;
	size_t q;

	if (tok == NULL)
		abort();
	memset(counts, 0, sizeof(counts[0]) * RV_QUEUE_COUNT);
	*oldest_s = -1;
	for (; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
		json_object *o, *v;
		const char *name;

		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (nl == p)
			continue;
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, p, (int)(nl - p));
		if (o == NULL)
			continue;
		if (json_object_object_get_ex(o, "queue_name", &v) &&
		    (name = json_object_get_string(v)) != NULL) {
			for (q = 0; q < RV_QUEUE_COUNT; q++) {
				if (strcmp(name, queue_names[q]) != 0)
					continue;
				counts[q]++;
				n++;
				if (q == RV_QUEUE_DEFERRED &&
				    json_object_object_get_ex(o, "arrival_time", &v)) {
					int64_t at = json_object_get_int64(v), age;

					/* postqueue's number, not ours: an age that
					 * does not fit is the largest (or no age) */
					if (__builtin_sub_overflow(now_s, at, &age))
						age = at < 0 ? INT64_MAX : INT64_MIN;
					if (age > *oldest_s)
						*oldest_s = age;
				}
			}
		}
		json_object_put(o);
	}
	json_tokener_free(tok);
	return n;
}

static void
probe_done(void *data, const struct rv_child_result *res)
{
	struct rv_mta_health *h = data;
	json_object *o;

	h->probe_child = NULL;
	o = res->status == RV_CHILD_EXITED ? json_tokener_parse(res->out) : NULL;
	if (o == NULL) {
		qb_log(LOG_WARNING, "health: relevo-probe gave no report (%s)",
		       res->status == RV_CHILD_EXEC_FAILED ? "cannot run it"
		       : res->status == RV_CHILD_TIMEOUT ? "timed out" : "bad output");
		return;
	}
	json_object_put(h->probe);
	h->probe = o;
	h->probe_exit = res->exit_code;
	h->probe_at_ms = rv_now_ms();
}

static void
queue_done(void *data, const struct rv_child_result *res)
{
	struct rv_mta_health *h = data;

	h->queue_child = NULL;
	if (res->status != RV_CHILD_EXITED || res->exit_code != 0) {
		qb_log(LOG_INFO, "health: postqueue -j failed (status %d, exit %d)",
		       (int)res->status, res->exit_code);
		return;
	}
	(void)rv_mta_count_queue(res->out, h->queue, (int64_t)time(NULL),
				    &h->oldest_deferred_s);
	h->have_queue = 1;
	h->queue_at_ms = rv_now_ms();
}

static void
gather(struct rv_mta_health *h)
{
	const struct rv_resource_cfg *m = h->mta;
	struct rv_child_spec spec = { .envp = child_env, .timeout_ms = HEALTH_TIMEOUT_MS };
	char *argv[ARGV_MAX] = { NULL };
	size_t n = 0;

	if (h->probe_child == NULL) {
		argv_add(argv, &n, param(m, "probe", SBINDIR "/relevo-probe"));
		argv_add(argv, &n, "--output-as");
		argv_add(argv, &n, "json");
		argv_add(argv, &n, "--timeout");
		argv_add(argv, &n, param(m, "probe_timeout_ms", "3000"));
		if (m->monitor_level >= 20) {
			argv_add(argv, &n, "--starttls");
			argv_add(argv, &n, "--cert-warn-days");
			argv_add(argv, &n, param(m, "cert_warn_days", "14"));
			if (param(m, "cafile", "")[0] != '\0') {
				argv_add(argv, &n, "--cafile");
				argv_add(argv, &n, param(m, "cafile", ""));
			}
			if (param(m, "probe_name", "")[0] != '\0') {
				argv_add(argv, &n, "--servername");
				argv_add(argv, &n, param(m, "probe_name", ""));
			}
		}
		argv_add(argv, &n, param(m, "probe_address", "127.0.0.1"));
		argv_add(argv, &n, param(m, "probe_port", "25"));
		spec.path = argv[0];
		spec.argv = argv;
		if (rv_child_spawn(h->loop, &spec, probe_done, h, &h->probe_child) < 0)
			h->probe_child = NULL;
		argv_free(argv);
	}
	if (h->queue_child == NULL) {
		n = 0;
		argv_add(argv, &n, "/usr/sbin/postqueue");
		argv_add(argv, &n, "-c");
		argv_add(argv, &n, param(m, "config_dir", "/etc/postfix"));
		argv_add(argv, &n, "-j");
		spec.path = argv[0];
		spec.argv = argv;
		if (rv_child_spawn(h->loop, &spec, queue_done, h, &h->queue_child) < 0)
			h->queue_child = NULL;
		argv_free(argv);
	}
}

static void
tick(void *data)
{
	struct rv_mta_health *h = data;

	h->armed = 0;
	if (!h->on)
		return;
	gather(h);
	if (qb_loop_timer_add(h->loop, QB_LOOP_LOW, h->interval_ms * QB_TIME_NS_IN_MSEC, h, tick,
			      &h->timer) == 0)
		h->armed = 1;
}

void
rv_mta_health_init(struct rv_mta_health *h, qb_loop_t *loop, const struct rv_config *cfg)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	h->loop = loop;
	h->probe_exit = -1;
	h->oldest_deferred_s = -1;
	for (i = 0; i < cfg->n_resources; i++) {
		if (strcmp(cfg->resources[i].provider, "relevo") == 0 &&
		    strcmp(cfg->resources[i].type, "mta") == 0) {
			h->mta = &cfg->resources[i];
			break;
		}
	}
	if (h->mta != NULL)
		h->interval_ms = h->mta->monitor_interval_ms != 0 ? h->mta->monitor_interval_ms
								   : 10000;
}

void
rv_mta_health_active(struct rv_mta_health *h, int on)
{
	if (h->mta == NULL || (on != 0) == h->on)
		return;
	h->on = on != 0;
	if (!on) {
		if (h->armed)
			qb_loop_timer_del(h->loop, h->timer);
		h->armed = 0;
		rv_child_cancel(h->probe_child);
		rv_child_cancel(h->queue_child);
		h->probe_child = h->queue_child = NULL;
		return;
	}
	tick(h);
}

void
rv_mta_health_fini(struct rv_mta_health *h)
{
	rv_mta_health_active(h, 0);
	json_object_put(h->probe);
	h->probe = NULL;
}

json_object *
rv_mta_health_json(const struct rv_mta_health *h)
{
	json_object *o, *q;
	uint64_t now = rv_now_ms();
	size_t i;

	if (h->mta == NULL)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "resource", json_object_new_string(h->mta->name));
	json_object_object_add(o, "probe", h->probe != NULL ? json_object_get(h->probe) : NULL);
	json_object_object_add(o, "probe_ago_ms", h->probe != NULL ?
			       json_object_new_int64((int64_t)(now - h->probe_at_ms)) : NULL);
	if (h->have_queue) {
		q = json_object_new_object();
		for (i = 0; i < RV_QUEUE_COUNT; i++)
			json_object_object_add(q, queue_names[i], json_object_new_int64(h->queue[i]));
		json_object_object_add(q, "oldest_deferred_s", h->oldest_deferred_s >= 0 ?
				       json_object_new_int64(h->oldest_deferred_s) : NULL);
		json_object_object_add(q, "ago_ms", json_object_new_int64((int64_t)(now -
										   h->queue_at_ms)));
		json_object_object_add(o, "queue", q);
	} else {
		json_object_object_add(o, "queue", NULL);
	}
	return o;
}
