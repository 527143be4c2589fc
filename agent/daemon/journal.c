/*
 * journal.c — bounded history of role changes and failover timelines.
 *
 * Memory only: bounded rings, never grows. It records and reports; it must
 * never influence a decision.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include "journal.h"
#include "types.h"
#include "util.h"

void
rv_journal_transition(struct rv_journal *j, int from, int to, const char *cause)
{
	struct rv_journal_entry *e = &j->entries[j->head];

	e->mono_ms = rv_now_ms();
	e->wall = time(NULL);
	e->from = from;
	e->to = to;
	snprintf(e->cause, sizeof(e->cause), "%s", cause != NULL ? cause : "");
	j->head = (j->head + 1) % RV_JOURNAL_ENTRIES;
	if (j->n_entries < RV_JOURNAL_ENTRIES)
		j->n_entries++;
}

void
rv_journal_timeline_begin(struct rv_journal *j, const char *trigger, uint64_t t0_ms)
{
	struct rv_timeline *t;
	uint64_t now = rv_now_ms();

	if (j->current != NULL)
		rv_journal_timeline_end(j, 0);
	t = &j->timelines[j->tl_head];
	memset(t, 0, sizeof(*t));
	t->t0_ms = t0_ms <= now ? t0_ms : now;
	t->wall = time(NULL) - (time_t)((now - t->t0_ms) / 1000);
	snprintf(t->trigger, sizeof(t->trigger), "%s", trigger);
	j->tl_head = (j->tl_head + 1) % RV_JOURNAL_TIMELINES;
	if (j->n_timelines < RV_JOURNAL_TIMELINES)
		j->n_timelines++;
	j->current = t;
}

static void
add_step_at(struct rv_journal *j, const char *name, int64_t agent_ms, uint64_t at)
{
	struct rv_timeline *t = j->current;

	if (t == NULL || t->n_steps == RV_TIMELINE_STEPS)
		return;
	snprintf(t->steps[t->n_steps].name, sizeof(t->steps[0].name), "%s", name);
	t->steps[t->n_steps].at_ms = at > t->t0_ms ? at - t->t0_ms : 0;
	t->steps[t->n_steps].agent_ms = agent_ms;
	t->n_steps++;
}

void
rv_journal_timeline_step(struct rv_journal *j, const char *name)
{
	add_step_at(j, name, -1, rv_now_ms());
}

void
rv_journal_timeline_step_at(struct rv_journal *j, const char *name, uint64_t at_ms)
{
	add_step_at(j, name, -1, at_ms);
}

void
rv_journal_timeline_agent_step(struct rv_journal *j, const char *name, uint64_t agent_ms)
{
	add_step_at(j, name, (int64_t)agent_ms, rv_now_ms());
}

void
rv_journal_timeline_end(struct rv_journal *j, int ok)
{
	struct rv_timeline *t = j->current;

	if (t == NULL)
		return;
	rv_journal_timeline_step(j, ok ? "ready" : "failed");
	t->done = 1;
	t->ok = ok;
	t->total_ms = rv_now_ms() - t->t0_ms;
	j->current = NULL;
}

static json_object *
timeline_json(const struct rv_timeline *t)
{
	json_object *o = json_object_new_object(), *steps = json_object_new_array();
	size_t i;

	json_object_object_add(o, "trigger", json_object_new_string(t->trigger));
	json_object_object_add(o, "at", json_object_new_int64((int64_t)t->wall));
	json_object_object_add(o, "done", json_object_new_boolean(t->done));
	json_object_object_add(o, "ok", json_object_new_boolean(t->ok));
	json_object_object_add(o, "total_ms", t->done ? json_object_new_int64((int64_t)t->total_ms)
						       : NULL);
	for (i = 0; i < t->n_steps; i++) {
		json_object *s = json_object_new_object();

		json_object_object_add(s, "step", json_object_new_string(t->steps[i].name));
		json_object_object_add(s, "at_ms", json_object_new_int64((int64_t)t->steps[i].at_ms));
		json_object_object_add(s, "agent_ms", t->steps[i].agent_ms >= 0 ?
				       json_object_new_int64(t->steps[i].agent_ms) : NULL);
		json_object_array_add(steps, s);
	}
	json_object_object_add(o, "steps", steps);
	return o;
}

json_object *
rv_journal_last_timeline_json(const struct rv_journal *j)
{
	size_t newest;

	if (j->n_timelines == 0)
		return NULL;
	newest = (j->tl_head + RV_JOURNAL_TIMELINES - 1) % RV_JOURNAL_TIMELINES;
	return timeline_json(&j->timelines[newest]);
}

json_object *
rv_journal_json(const struct rv_journal *j)
{
	json_object *o = json_object_new_object();
	json_object *tr = json_object_new_array(), *tl = json_object_new_array();
	uint64_t now = rv_now_ms();
	size_t i, idx;

	for (i = 0; i < j->n_entries; i++) {
		const struct rv_journal_entry *e;
		json_object *x = json_object_new_object();

		idx = (j->head + RV_JOURNAL_ENTRIES - j->n_entries + i) % RV_JOURNAL_ENTRIES;
		e = &j->entries[idx];
		json_object_object_add(x, "at", json_object_new_int64((int64_t)e->wall));
		json_object_object_add(x, "ago_ms", json_object_new_int64((int64_t)(now - e->mono_ms)));
		json_object_object_add(x, "from", json_object_new_string(rv_role_name(e->from)));
		json_object_object_add(x, "to", json_object_new_string(rv_role_name(e->to)));
		json_object_object_add(x, "cause", json_object_new_string(e->cause));
		json_object_array_add(tr, x);
	}
	for (i = 0; i < j->n_timelines; i++) {
		idx = (j->tl_head + RV_JOURNAL_TIMELINES - j->n_timelines + i) % RV_JOURNAL_TIMELINES;
		json_object_array_add(tl, timeline_json(&j->timelines[idx]));
	}
	json_object_object_add(o, "transitions", tr);
	json_object_object_add(o, "timelines", tl);
	return o;
}
