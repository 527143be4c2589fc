/*
 * history.h — the fence history: every attempt to fence a node, kept in a
 * bounded ring (newest replaces oldest) for `relevo fence-history` and the
 * status report.
 *
 * One event is one method tried on one target: when it started, how long it
 * took, the action, what the agent answered, whether status confirmed the
 * target off, and why the node was fenced. Option values (passwords) are
 * never recorded.
 *
 * Ownership: struct rv_fence_history is embedded by the caller (zeroed
 * before use); the JSON object returned is a new reference the caller puts.
 */
#ifndef RELEVO_FENCE_HISTORY_H
#define RELEVO_FENCE_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "runner.h"

#define RV_FENCE_HISTORY_ENTRIES 32

enum rv_fence_outcome {
	RV_FENCE_CONFIRMED = 0, /* off done, then status said off */
	RV_FENCE_DONE,          /* reboot, or off of a method without status:
				 * the agent's exit 0 is trusted */
	RV_FENCE_FAILED,        /* the off or reboot itself failed */
	RV_FENCE_UNCONFIRMED,   /* off said done, status did not say off */
	RV_FENCE_CANCELLED,     /* stopped by relevod before it was over */
};

struct rv_fence_event {
	time_t wall;                /* when the attempt started */
	uint64_t mono_ms;           /* idem, on CLOCK_MONOTONIC */
	uint64_t duration_ms;       /* action and confirmation together */
	char target[64];
	char method[64];
	enum rv_fence_action action;       /* off or reboot */
	enum rv_fence_outcome outcome;
	enum rv_fence_rc action_rc;
	int status_run;                    /* 1: status was asked */
	enum rv_fence_rc status_rc;        /* its answer, when status_run */
	char reason[128];                  /* why the target was fenced */
	char detail[RV_FENCE_MSG_MAX];     /* the agent's last line, or ours */
};

struct rv_fence_history {
	struct rv_fence_event events[RV_FENCE_HISTORY_ENTRIES];
	size_t n, head;                    /* ring; newest at head - 1 */
};

/* 1 when the attempt took its target off (CONFIRMED or DONE). */
int rv_fence_outcome_ok(enum rv_fence_outcome outcome);

/* "confirmed", "done", "failed", "unconfirmed", "cancelled". */
const char *rv_fence_outcome_name(enum rv_fence_outcome outcome);

/* Add a copy of e, dropping the oldest event when the ring is full. */
void rv_fence_history_add(struct rv_fence_history *h, const struct rv_fence_event *e);

/* Number of events kept, and the i-th, oldest first (NULL past the end). */
size_t rv_fence_history_count(const struct rv_fence_history *h);
const struct rv_fence_event *rv_fence_history_get(const struct rv_fence_history *h, size_t i);

/* One event as a JSON object:
 *   {"at": <unix time>, "ago_ms": N, "target": "n2", "method": "ipmi",
 *    "action": "off", "result": "confirmed", "ok": true,
 *    "action_rc": "done", "status": "off" | null, "duration_ms": N,
 *    "reason": "...", "detail": "..."} */
json_object *rv_fence_event_json(const struct rv_fence_event *e);

/* {"fence_history": [event, ...]} oldest first. */
json_object *rv_fence_history_json(const struct rv_fence_history *h);

#endif
