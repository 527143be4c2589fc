/*
 * report.c — the status document relevod serves to `relevo status`.
 *
 * One JSON object (schema RV_STATUS_SCHEMA); the CLI renders it as text, JSON
 * or Prometheus metrics with the emitters of agent/lib/status.c, so every
 * field has exactly one name. Reading only: nothing here changes state.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "ctx.h"
#include "ipc_proto.h"
#include "types.h"
#include "util.h"

static json_object *
node_json(const struct rv_ctx *ctx, const struct rv_site_node *n, int self)
{
	const struct rv_fsm *f = &ctx->fsm;
	json_object *o = json_object_new_object();
	int role, health, disk, standby, maint, probed;
	uint64_t in_role;
	const char *agent;

	if (self) {
		role = f->role;
		health = f->local.health;
		disk = f->local.disk;
		standby = f->local.standby_req;
		maint = f->local.maintenance;
		probed = f->local.probed;
		in_role = rv_now_ms() - f->role_since_ms;
		agent = "up";
	} else {
		role = n->have_state ? n->state.role : -1;
		health = n->have_state ? n->state.health : RV_HEALTH_UNKNOWN;
		disk = n->have_state ? n->state.disk : RV_DISK_UNKNOWN;
		standby = n->have_state && (n->state.flags & RV_STATE_STANDBY_REQ);
		maint = n->have_state && (n->state.flags & RV_STATE_MAINTENANCE);
		probed = n->have_state && (n->state.flags & RV_STATE_PROBED);
		in_role = n->have_state ? n->state.role_ms : 0;
		agent = n->agent ? "up" : !n->member ? "unknown"
			: n->ever_agent ? "lost" : "absent";
	}
	json_object_object_add(o, "name", json_object_new_string(n->name));
	json_object_object_add(o, "id", json_object_new_int64(n->id));
	json_object_object_add(o, "local", json_object_new_boolean(self));
	json_object_object_add(o, "member", json_object_new_boolean(n->member));
	json_object_object_add(o, "agent", json_object_new_string(agent));
	json_object_object_add(o, "role", role >= 0 ? json_object_new_string(rv_role_name(role))
						   : NULL);
	json_object_object_add(o, "in_role_ms", role >= 0 ? json_object_new_int64((int64_t)in_role)
							 : NULL);
	json_object_object_add(o, "holds", json_object_new_boolean(n->holds));
	json_object_object_add(o, "probed", json_object_new_boolean(probed));
	json_object_object_add(o, "standby", json_object_new_boolean(standby));
	json_object_object_add(o, "maintenance", json_object_new_boolean(maint));
	json_object_object_add(o, "health", json_object_new_string(rv_health_name(health)));
	json_object_object_add(o, "disk", json_object_new_string(rv_disk_name(disk)));
	json_object_object_add(o, "config_match", json_object_new_boolean(self || !n->have_state ||
									 !n->digest_differs));
	return o;
}

static json_object *
resources_json(const struct rv_ctx *ctx)
{
	json_object *a = json_object_new_array();
	uint64_t now = rv_now_ms();
	size_t i;

	for (i = 0; i < ctx->group.n; i++) {
		const struct rv_resource *r = &ctx->group.res[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(r->cfg->name));
		json_object_object_add(o, "agent", json_object_new_string(r->cfg->agent));
		json_object_object_add(o, "state", json_object_new_string(rv_res_state_name(r->state)));
		json_object_object_add(o, "health", json_object_new_string(rv_health_name(r->health)));
		json_object_object_add(o, "failures", json_object_new_int64(r->failures));
		json_object_object_add(o, "last_action", json_object_new_string(r->last_action));
		json_object_object_add(o, "last_rc", json_object_new_int(r->last_rc));
		json_object_object_add(o, "last_rc_name", r->last_rc >= 0 ?
				       json_object_new_string(rv_ocf_rc_name(r->last_rc)) : NULL);
		json_object_object_add(o, "last_reason", json_object_new_string(r->last_reason));
		json_object_object_add(o, "last_duration_ms", r->last_done_ms != 0 ?
				       json_object_new_int64((int64_t)r->last_duration_ms) : NULL);
		json_object_object_add(o, "last_ms_ago", r->last_done_ms != 0 ?
				       json_object_new_int64((int64_t)(now - r->last_done_ms)) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

/* "fence": what protects the site and what fencing is doing. */
static json_object *
fence_json(struct rv_ctx *ctx)
{
	const struct rv_fencing *fc = &ctx->fencing;
	const struct rv_config *cfg = ctx->cfg;
	const struct rv_fence_cfg *m[16];
	json_object *o = json_object_new_object(), *a = json_object_new_array(), *w;
	uint64_t now = rv_now_ms();
	size_t n = 0, i, count;

	if (ctx->fsm_ready)
		n = rv_config_fences_for(cfg, ctx->fsm.site.peer.name, m, 16);
	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(m[i]->name));
	json_object_object_add(o, "methods", a);
	json_object_object_add(o, "fence_delay_ms", json_object_new_int64((int64_t)cfg->fence_delay_ms));
	json_object_object_add(o, "state", json_object_new_string(rv_fencing_state(ctx)));
	json_object_object_add(o, "failures", json_object_new_int64(fc->failures));
	json_object_object_add(o, "last_error", fc->last_error[0] != '\0' ?
			       json_object_new_string(fc->last_error) : NULL);
	json_object_object_add(o, "retry_in_ms", fc->retry_at_ms > now ?
			       json_object_new_int64((int64_t)(fc->retry_at_ms - now)) : NULL);
	json_object_object_add(o, "peer_fenced", json_object_new_boolean(ctx->fsm_ready &&
									ctx->fsm.site.peer.fenced));
	json_object_object_add(o, "last_fenced_ms_ago", fc->fenced_ms != 0 ?
			       json_object_new_int64((int64_t)(now - fc->fenced_ms)) : NULL);
	json_object_object_add(o, "last_method", fc->method[0] != '\0' ?
			       json_object_new_string(fc->method) : NULL);
	count = rv_fence_history_count(&fc->history);
	json_object_object_add(o, "history_entries", json_object_new_int64((int64_t)count));
	json_object_object_add(o, "last_attempt", count > 0 ?
			       rv_fence_event_json(rv_fence_history_get(&fc->history, count - 1)) : NULL);
	json_object_object_add(o, "witness", json_object_new_string(
			       cfg->witness == RV_WITNESS_QDEVICE ? "qdevice" : "none"));
	json_object_object_add(o, "witness_problem",
			       cfg->witness == RV_WITNESS_QDEVICE && !ctx->cluster.qdevice ?
			       json_object_new_string("witness = qdevice but corosync has no "
						      "quorum device") : NULL);
	if (!cfg->watchdog.enabled) {
		json_object_object_add(o, "watchdog", NULL);
		return o;
	}
	w = json_object_new_object();
	json_object_object_add(w, "device", json_object_new_string(cfg->watchdog.device));
	json_object_object_add(w, "timeout_ms", json_object_new_int64((int64_t)(fc->wd_open ?
				fc->wd.timeout_ms : cfg->watchdog.timeout_ms)));
	json_object_object_add(w, "open", json_object_new_boolean(fc->wd_open));
	json_object_object_add(w, "fed_ms_ago", fc->wd_open && fc->wd.last_feed_ms != 0 ?
			       json_object_new_int64((int64_t)(now - fc->wd.last_feed_ms)) : NULL);
	json_object_object_add(w, "starving", json_object_new_boolean(fc->wd_open && fc->wd.starving));
	json_object_object_add(w, "why", fc->wd_open && fc->wd.starving && fc->wd.starve_why != NULL ?
			       json_object_new_string(fc->wd.starve_why) : NULL);
	json_object_object_add(o, "watchdog", w);
	return o;
}

json_object *
rv_report_status(struct rv_ctx *ctx)
{
	const struct rv_fsm *f = &ctx->fsm;
	const struct rv_site *s = &f->site;
	json_object *o = json_object_new_object(), *q, *nodes, *ctr, *tl;
	char digest[2 * RV_DIGEST_LEN + 1];
	uint32_t holder;
	size_t i;

	rv_config_digest_hex(ctx->cfg, digest);
	json_object_object_add(o, "schema", json_object_new_int(RV_STATUS_SCHEMA));
	json_object_object_add(o, "site", json_object_new_string(ctx->cfg->site));
	json_object_object_add(o, "config", json_object_new_string(ctx->config_path));
	json_object_object_add(o, "config_digest", json_object_new_string(digest));
	json_object_object_add(o, "fencing", json_object_new_string(ctx->cfg->fencing_off ? "off" : "on"));
	json_object_object_add(o, "unsafe", ctx->cfg->fencing_off ?
			       json_object_new_string("fencing is off: a node may promote over a "
						      "peer it cannot see") : NULL);
	json_object_object_add(o, "fence", fence_json(ctx));
	json_object_object_add(o, "connected", json_object_new_boolean(ctx->cluster.connected));
	json_object_object_add(o, "uptime_ms", json_object_new_int64((int64_t)(rv_now_ms() -
									     ctx->started_ms)));

	q = json_object_new_object();
	json_object_object_add(q, "quorate", json_object_new_boolean(ctx->cluster.quorate));
	json_object_object_add(q, "two_node", json_object_new_boolean(ctx->cluster.two_node));
	json_object_object_add(q, "wait_for_all", json_object_new_boolean(ctx->cluster.wait_for_all));
	json_object_object_add(q, "qdevice", ctx->cluster.qdevice ?
			       json_object_new_string(ctx->cluster.qdevice_model) : NULL);
	nodes = json_object_new_array();
	for (i = 0; i < ctx->cluster.n_members; i++)
		json_object_array_add(nodes, json_object_new_int64(ctx->cluster.members[i]));
	json_object_object_add(q, "members", nodes);
	json_object_object_add(o, "quorum", q);

	nodes = json_object_new_array();
	if (ctx->fsm_ready) {
		json_object_array_add(nodes, node_json(ctx, &s->self, 1));
		json_object_array_add(nodes, node_json(ctx, &s->peer, 0));
	}
	json_object_object_add(o, "nodes", nodes);
	holder = ctx->fsm_ready ? rv_site_holder(s) : 0;
	json_object_object_add(o, "holder", holder == 0 ? NULL :
			       json_object_new_string(holder == s->self.id ? s->self.name
									 : s->peer.name));
	json_object_object_add(o, "generation", json_object_new_int64((int64_t)s->generation));
	json_object_object_add(o, "why", json_object_new_string(ctx->fsm_ready ? f->why
									      : "waiting for corosync"));
	json_object_object_add(o, "resources", resources_json(ctx));
	json_object_object_add(o, "mta", rv_mta_health_json(&ctx->health));
	json_object_object_add(o, "inner_link", rv_inner_link_json(&ctx->inner_link));
	json_object_object_add(o, "pool", rv_sitepool_json(&ctx->pool));
	tl = rv_journal_last_timeline_json(&ctx->journal);
	json_object_object_add(o, "last_failover", tl);

	ctr = json_object_new_object();
	json_object_object_add(ctr, "wire_dropped", json_object_new_int64((int64_t)(ctx->wire_dropped +
										      s->dropped)));
	json_object_object_add(ctr, "ipc_bad", json_object_new_int64((int64_t)ctx->ipc_bad));
	json_object_object_add(ctr, "ipc_refused", json_object_new_int64((int64_t)ctx->ipc_refused));
	json_object_object_add(ctr, "fsm_unexpected", json_object_new_int64((int64_t)f->unexpected));
	json_object_object_add(ctr, "cpg_sent", json_object_new_int64((int64_t)ctx->cluster.sent));
	json_object_object_add(ctr, "cpg_send_failed",
			       json_object_new_int64((int64_t)ctx->cluster.send_failed));
	json_object_object_add(ctr, "cpg_received", json_object_new_int64((int64_t)ctx->cluster.received));
	json_object_object_add(ctr, "corosync_connects",
			       json_object_new_int64((int64_t)ctx->cluster.connects));
	json_object_object_add(o, "counters", ctr);
	return o;
}
