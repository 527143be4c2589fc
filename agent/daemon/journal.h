/*
 * journal.h — relevod's memory of what happened: role changes with their
 * causes, and failover timelines (monotonic steps from the trigger to
 * "ready"). Kept in bounded rings; `relevo history` and `relevo status`
 * read them as JSON.
 *
 * Ownership: struct rv_journal is embedded by the caller; the JSON objects
 * returned are new references the caller puts.
 */
#ifndef RELEVO_JOURNAL_H
#define RELEVO_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#define RV_JOURNAL_ENTRIES 64
#define RV_JOURNAL_TIMELINES 8
#define RV_TIMELINE_STEPS 24

struct rv_journal_entry {
	uint64_t mono_ms;
	time_t wall;
	int from, to;          /* enum rv_role */
	char cause[160];
};

struct rv_timeline_step {
	char name[64];
	uint64_t at_ms;        /* since the trigger */
	int64_t agent_ms;      /* run time of the agent behind it, -1: none */
};

struct rv_timeline {
	time_t wall;           /* when the trigger happened */
	uint64_t t0_ms;        /* monotonic time of the trigger */
	char trigger[96];
	struct rv_timeline_step steps[RV_TIMELINE_STEPS];
	size_t n_steps;
	int done;
	int ok;
	uint64_t total_ms;
};

struct rv_journal {
	struct rv_journal_entry entries[RV_JOURNAL_ENTRIES];
	size_t n_entries, head;                 /* ring */
	struct rv_timeline timelines[RV_JOURNAL_TIMELINES];
	size_t n_timelines, tl_head;            /* ring; newest at tl_head-1 */
	struct rv_timeline *current;            /* open timeline or NULL */
};

void rv_journal_transition(struct rv_journal *j, int from, int to, const char *cause);

/* Open a timeline whose trigger happened at monotonic t0_ms (an open one is
 * closed as failed first). */
void rv_journal_timeline_begin(struct rv_journal *j, const char *trigger, uint64_t t0_ms);
void rv_journal_timeline_step(struct rv_journal *j, const char *name);
/* A step that happened earlier, at monotonic at_ms (a fence done before the
 * claim that opened the timeline). */
void rv_journal_timeline_step_at(struct rv_journal *j, const char *name, uint64_t at_ms);
/* A step that an agent's action made (a resource up): agent_ms is how long
 * the agent ran, so relevod's own share of a takeover can be told apart. */
void rv_journal_timeline_agent_step(struct rv_journal *j, const char *name, uint64_t agent_ms);
void rv_journal_timeline_end(struct rv_journal *j, int ok);

/* {"transitions": [...oldest first], "timelines": [...]} */
json_object *rv_journal_json(const struct rv_journal *j);
/* The newest timeline, or NULL when there is none. */
json_object *rv_journal_last_timeline_json(const struct rv_journal *j);

#endif
