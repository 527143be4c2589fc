/*
 * loop_harness.h — a qb_loop for unit tests of modules that report from the
 * loop (child.c, ocf.c, fence): run until every started operation has
 * reported, with a safety timer that fails the test instead of hanging it.
 */
#ifndef RELEVO_LOOP_HARNESS_H
#define RELEVO_LOOP_HARNESS_H

#include <qb/qbloop.h>

struct harness {
	qb_loop_t *loop;
	unsigned pending;            /* operations whose report has not come */
	int expired;                 /* the safety timer fired */
	qb_loop_timer_handle safety;
	unsigned safety_ms;
	int no_children_left;        /* fini asserts rv_child_count() == 0 */
};

/* A new loop with a safety timer of safety_ms. */
void harness_start(struct harness *h, unsigned safety_ms, int no_children_left);
/* Run until pending drops to 0 (callbacks stop the loop) or the safety timer. */
void harness_run(struct harness *h);
void harness_fini(struct harness *h);

#endif
