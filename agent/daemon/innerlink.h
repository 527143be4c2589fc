/*
 * innerlink.h — reachability of the final delivery server (the "inner
 * link"), and the queue flush when it comes back.
 *
 * Both nodes probe the server of the [inner-link] on its interval, as
 * children from the loop: relevo-probe --banner-only (or with EHLO) for a
 * target, or the configured command. Each result goes through a rise/fall
 * hysteresis (as keepalived's and HAProxy's checks do) into a state: up,
 * down, or unknown until enough probes agree. On the node that holds the
 * site (ACTIVE), a transition from down to up flushes the Postfix queue of
 * the ocf:relevo:mta resource: `postqueue -j` counts the deferred messages
 * for the log, then `postqueue -f`, once per transition.
 *
 * It never changes a role and never feeds the resource monitors: when the
 * final server is gone it is gone for both nodes, and moving the site would
 * only add a failover to an outage.
 *
 * Ownership: struct rv_inner_link is embedded by the caller and points into
 * the configuration, which must outlive it; rv_inner_link_fini() cancels
 * what runs.
 */
#ifndef RELEVO_INNERLINK_H
#define RELEVO_INNERLINK_H

#include <stdint.h>

#include <json-c/json.h>
#include <qb/qbloop.h>

#include "child.h"
#include "config.h"

enum rv_link_state {
	RV_LINK_UNKNOWN = 0,
	RV_LINK_UP,
	RV_LINK_DOWN,
};

/* The hysteresis: runs of equal results since the last change of result. */
struct rv_hysteresis {
	enum rv_link_state state;
	unsigned ok_run;     /* successes in a row */
	unsigned fail_run;   /* failures in a row */
};

/* Feed one probe result (ok: reachable) and return the state after it: up
 * once rise successes came in a row, down once fall failures did, else as
 * before. A pure function of (h, ok, rise, fall); rise and fall >= 1. */
enum rv_link_state rv_hysteresis_feed(struct rv_hysteresis *h, int ok, unsigned rise,
				      unsigned fall);

/* "unknown", "up", "down" */
const char *rv_link_state_name(enum rv_link_state s);

/* What the caller (a test) may want to hear about: a probe's result was
 * taken in, or a flush ended. */
enum rv_inner_link_event {
	RV_IL_PROBED,
	RV_IL_FLUSHED,
};
typedef void (*rv_inner_link_notify_fn)(void *data, enum rv_inner_link_event ev);

struct rv_inner_link {
	qb_loop_t *loop;
	const struct rv_inner_link_cfg *cfg; /* NULL: no [inner-link] */
	const char *probe_path;      /* relevo-probe: the mta resource's "probe" */
	const char *postfix_dir;     /* config_dir of the mta resource; NULL: none */
	const char *postqueue;       /* /usr/sbin/postqueue (a test may change it) */
	rv_inner_link_notify_fn notify;
	void *notify_data;
	int active;                  /* this node holds the site: it flushes */
	qb_loop_timer_handle timer;
	int armed;
	struct rv_child *probe_child;
	struct rv_child *count_child; /* postqueue -j before a flush */
	struct rv_child *flush_child; /* postqueue -f */

	struct rv_hysteresis hyst;
	uint64_t since_ms;           /* monotonic: last change of state (or start) */
	int64_t since_s;             /* the same, wall clock */
	uint64_t transitions;        /* changes between up and down */
	uint64_t probes;             /* results taken in */
	uint64_t overruns;           /* ticks skipped: the last probe still ran */

	int have_probe;
	int last_ok;
	char last_result[16];        /* ok, not-listening, broken, failed, error */
	char last_reason[200];
	uint64_t last_latency_ms;
	uint64_t last_probe_ms;      /* monotonic */

	uint64_t flushes;            /* flushes started */
	uint64_t flushes_skipped;    /* recoveries while a flush still ran */
	int have_flush;
	int64_t flush_at_s;          /* wall clock, when it started */
	uint64_t flush_start_ms;
	uint64_t flush_done_ms;
	uint64_t flush_duration_ms;
	char flush_result[16];       /* ok, failed, timeout, cancelled, running */
	char flush_reason[200];
	int64_t flush_deferred;      /* deferred messages counted before; -1 */
	int64_t flush_oldest_s;      /* age of the oldest of them; -1 */
};

/* Take the [inner-link] of cfg (nothing happens without one) and the mta
 * resource's Postfix instance and probe; notify may be NULL. Probing starts
 * with rv_inner_link_start(). */
void rv_inner_link_init(struct rv_inner_link *il, qb_loop_t *loop, const struct rv_config *cfg,
			rv_inner_link_notify_fn notify, void *data);

/* Probe now, then every interval, until rv_inner_link_fini(). */
void rv_inner_link_start(struct rv_inner_link *il);

/* This node is ACTIVE (on) or not: only an ACTIVE node flushes; leaving
 * ACTIVE cancels a flush under way. */
void rv_inner_link_active(struct rv_inner_link *il, int on);

/* Stop probing and cancel every child; safe to call twice. */
void rv_inner_link_fini(struct rv_inner_link *il);

/* The status member "inner_link", or NULL when there is no [inner-link].
 * New reference. */
json_object *rv_inner_link_json(const struct rv_inner_link *il);

#endif
