/*
 * history.c — bounded history of fence attempts, and its JSON.
 *
 * Memory only: a fixed ring, never grows. It records and reports; it must
 * never influence a decision (whether a peer counts as fenced is the
 * caller's, from the result of rv_fence_peer()).
 */
#include "autoconf.h"

#include <string.h>

#include "history.h"
#include "runner.h"
#include "util.h"

int
rv_fence_outcome_ok(enum rv_fence_outcome outcome)
{
	return outcome == RV_FENCE_CONFIRMED || outcome == RV_FENCE_DONE;
}

const char *
rv_fence_outcome_name(enum rv_fence_outcome outcome)
{
	switch (outcome) {
	case RV_FENCE_CONFIRMED:
		return "confirmed";
	case RV_FENCE_DONE:
		return "done";
	case RV_FENCE_FAILED:
		return "failed";
	case RV_FENCE_UNCONFIRMED:
		return "unconfirmed";
	case RV_FENCE_CANCELLED:
		return "cancelled";
	}
	return "unknown";
}

void
rv_fence_history_add(struct rv_fence_history *h, const struct rv_fence_event *e)
{
	h->events[h->head] = *e;
	h->head = (h->head + 1) % RV_FENCE_HISTORY_ENTRIES;
	if (h->n < RV_FENCE_HISTORY_ENTRIES)
		h->n++;
}

size_t
rv_fence_history_count(const struct rv_fence_history *h)
{
	return h->n;
}

const struct rv_fence_event *
rv_fence_history_get(const struct rv_fence_history *h, size_t i)
{
	if (i >= h->n)
		return NULL;
	return &h->events[(h->head + RV_FENCE_HISTORY_ENTRIES - h->n + i) %
			  RV_FENCE_HISTORY_ENTRIES];
}

json_object *
rv_fence_event_json(const struct rv_fence_event *e)
{
	json_object *o = json_object_new_object();
	uint64_t now = rv_now_ms();

	json_object_object_add(o, "at", json_object_new_int64((int64_t)e->wall));
	json_object_object_add(o, "ago_ms", json_object_new_int64(
		(int64_t)(now >= e->mono_ms ? now - e->mono_ms : 0)));
	json_object_object_add(o, "target", json_object_new_string(e->target));
	json_object_object_add(o, "method", json_object_new_string(e->method));
	json_object_object_add(o, "action",
			       json_object_new_string(rv_fence_action_name(e->action)));
	json_object_object_add(o, "result",
			       json_object_new_string(rv_fence_outcome_name(e->outcome)));
	json_object_object_add(o, "ok", json_object_new_boolean(rv_fence_outcome_ok(e->outcome)));
	json_object_object_add(o, "action_rc",
			       json_object_new_string(rv_fence_rc_name(e->action_rc)));
	json_object_object_add(o, "status", e->status_run ?
			       json_object_new_string(rv_fence_rc_name(e->status_rc)) : NULL);
	json_object_object_add(o, "duration_ms", json_object_new_int64((int64_t)e->duration_ms));
	json_object_object_add(o, "reason", json_object_new_string(e->reason));
	json_object_object_add(o, "detail", json_object_new_string(e->detail));
	return o;
}

json_object *
rv_fence_history_json(const struct rv_fence_history *h)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	size_t i;

	for (i = 0; i < h->n; i++)
		json_object_array_add(a, rv_fence_event_json(rv_fence_history_get(h, i)));
	json_object_object_add(o, "fence_history", a);
	return o;
}
