/*
 * ctx.h — the one context of relevod, passed down to every module that
 * needs more than its own state (no mutable globals).
 */
#ifndef RELEVO_CTX_H
#define RELEVO_CTX_H

#include <stdint.h>

#include <qb/qbipcs.h>
#include <qb/qbloop.h>

#include "cluster.h"
#include "config.h"
#include "fencing.h"
#include "fsm.h"
#include "health.h"
#include "innerlink.h"
#include "journal.h"
#include "resources.h"
#include "sitepool.h"

struct rv_ctx {
	qb_loop_t *loop;
	struct rv_config *cfg;
	const char *config_path;
	struct rv_cluster cluster;
	struct rv_fsm fsm;
	int fsm_ready;               /* our node id is known, fsm initialised */
	struct rv_group group;
	struct rv_journal journal;
	struct rv_mta_health health;
	struct rv_inner_link inner_link;  /* innerlink.c: probes on both nodes */
	struct rv_sitepool pool;          /* sitepool.c: peer sites, on the ACTIVE node */
	struct rv_fencing fencing;        /* fencing.c; .history for fence-history */
	qb_ipcs_service_t *ipcs;
	gid_t ipc_gid;               /* the read-only group, (gid_t)-1 if absent */
	uint32_t ipc_buf;            /* every connection's buffer size (ipc.c) */
	int ipc_buf_warned;          /* said once that it no longer suffices */

	qb_loop_timer_handle state_timer, wait_timer;
	uint64_t started_ms;
	uint64_t peer_lost_ms;       /* when the peer node was last lost */
	uint64_t peer_agent_lost_ms; /* when its relevod was last lost */
	uint64_t peer_agent_missing_ms; /* since when its node is a member but
				     * its relevod is not in the group (0: no) */
	uint64_t cluster_down_ms;    /* when the corosync connection was lost */
	uint64_t quorate_since_ms;   /* when this node last became quorate (0: it
				      * is not); fencing.c's watchdog wait */
	uint64_t quorum_lost_ms;     /* when it last lost quorum (or started
				      * without it); fencing.c's may_feed */
	uint64_t handover_ms;        /* when a switchover or standby began */
	char handover_why[96];

	uint64_t wire_dropped;       /* malformed or spoofed CPG messages */
	uint64_t ipc_bad;            /* malformed IPC requests */
	uint64_t ipc_refused;        /* requests refused for lack of rights */
	int shutting_down;
};

/* core.c: start everything (cluster, timers), stop everything. */
int rv_core_start(struct rv_ctx *ctx);
void rv_core_stop(struct rv_ctx *ctx);
/* begin a graceful shutdown: hand the site over if we hold it, then stop */
void rv_core_shutdown(struct rv_ctx *ctx);
/* operator commands; 0 or -errno with *why set (static text) */
int rv_core_switchover(struct rv_ctx *ctx, const char *to, const char **why);
int rv_core_standby(struct rv_ctx *ctx, int on, const char **why);
int rv_core_maintenance(struct rv_ctx *ctx, int on, const char **why);

/* report.c: the status document (schema RV_STATUS_SCHEMA). */
struct json_object *rv_report_status(struct rv_ctx *ctx);

/* ipc.c */
int rv_ipc_start(struct rv_ctx *ctx);
void rv_ipc_stop(struct rv_ctx *ctx);

#endif
