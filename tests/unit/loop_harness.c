/*
 * loop_harness.c — the shared qb_loop of the loop-driven unit tests.
 */
#include "autoconf.h"

#include <check.h>
#include <stdint.h>
#include <string.h>

#include <qb/qbdefs.h>

#include "child.h"
#include "loop_harness.h"

static void
safety_expired(void *data)
{
	struct harness *h = data;

	h->safety = 0;
	h->expired = 1;
	qb_loop_stop(h->loop);
}

void
harness_start(struct harness *h, unsigned safety_ms, int no_children_left)
{
	memset(h, 0, sizeof(*h));
	h->safety_ms = safety_ms;
	h->no_children_left = no_children_left;
	h->loop = qb_loop_create();
	ck_assert_ptr_nonnull(h->loop);
	ck_assert_int_eq(qb_loop_timer_add(h->loop, QB_LOOP_LOW,
					   (uint64_t)safety_ms * QB_TIME_NS_IN_MSEC, h,
					   safety_expired, &h->safety), 0);
}

void
harness_run(struct harness *h)
{
	if (h->pending > 0)
		qb_loop_run(h->loop);
	ck_assert_msg(!h->expired, "an operation did not report within %u ms", h->safety_ms);
}

void
harness_fini(struct harness *h)
{
	if (h->safety != 0)
		(void)qb_loop_timer_del(h->loop, h->safety);
	qb_loop_destroy(h->loop);
	h->loop = NULL;
	if (h->no_children_left)
		ck_assert_uint_eq(rv_child_count(), 0);
}
