/*
 * health.h — what relevod knows of the mail service beyond "the agent says
 * it runs": the last SMTP probe (latency, TLS, certificate days left) and the
 * Postfix queue counts, gathered while the node is ACTIVE.
 *
 * It reports and never acts: the mta resource's own monitor decides failure.
 * The probe's target and the Postfix instance come from the parameters of
 * the configured ocf:relevo:mta resource; without one, nothing is gathered.
 *
 * Ownership: struct rv_mta_health is embedded by the caller; rv_mta_health_fini()
 * cancels what runs and drops the last results.
 */
#ifndef RELEVO_HEALTH_H
#define RELEVO_HEALTH_H

#include <stdint.h>

#include <json-c/json.h>
#include <qb/qbloop.h>

#include "child.h"
#include "config.h"

enum rv_queue {
	RV_QUEUE_ACTIVE = 0,
	RV_QUEUE_DEFERRED,
	RV_QUEUE_HOLD,
	RV_QUEUE_INCOMING,
	RV_QUEUE_MAILDROP,
	RV_QUEUE_COUNT
};

struct rv_mta_health {
	qb_loop_t *loop;
	const struct rv_resource_cfg *mta;  /* NULL: no ocf:relevo:mta resource */
	uint64_t interval_ms;
	int on;
	qb_loop_timer_handle timer;
	int armed;
	struct rv_child *probe_child, *queue_child;

	json_object *probe;             /* last probe report (relevo-probe's JSON) */
	uint64_t probe_at_ms;
	int probe_exit;                 /* relevo-probe's exit code, -1: none */

	int have_queue;
	unsigned queue[RV_QUEUE_COUNT];
	int64_t oldest_deferred_s;      /* age of the oldest deferred message, -1 */
	uint64_t queue_at_ms;
};

/* Find the mta resource in cfg; gathering starts with rv_mta_health_active(1). */
void rv_mta_health_init(struct rv_mta_health *h, qb_loop_t *loop, const struct rv_config *cfg);
void rv_mta_health_fini(struct rv_mta_health *h);

/* Gather (now, then every interval) while on; stop when off. */
void rv_mta_health_active(struct rv_mta_health *h, int on);

/* {"probe": {...}|null, "probe_ago_ms", "queue": {...}|null} or NULL when
 * there is no mta resource. New reference. */
json_object *rv_mta_health_json(const struct rv_mta_health *h);

/* Count the messages of `postqueue -j` output (one JSON object per line)
 * into counts[RV_QUEUE_COUNT]; *oldest_s gets the age of the oldest deferred
 * message relative to now_s (-1 if none). Lines that do not parse are
 * skipped. Returns the number of messages counted. */
unsigned rv_mta_count_queue(const char *text, unsigned counts[RV_QUEUE_COUNT],
			       int64_t now_s, int64_t *oldest_s);

#endif
