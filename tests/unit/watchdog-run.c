/*
 * watchdog-run.c — relevod's watchdog module (agent/daemon/watchdog.c) run
 * on its own, for tests/integration/watchdog.test (not a test itself): it
 * feeds DEVICE from a qb_loop for FEED_MS, then
 *
 *   starve   the predicate says no from then on; the loop runs on (for at
 *            most 60 s) and the device, unfed, takes the node down;
 *   disarm   closes the device with the magic 'V' and exits 0.
 *
 *   watchdog-run DEVICE TIMEOUT_MS INTERVAL_MS FEED_MS starve|disarm
 *
 * The module logs on stderr. On stdout, one line when the feeding ends:
 * "feeds=N last_feed_ms=T" with T on CLOCK_REALTIME in ms (the clock the
 * test and the stand-in read), converted from the module's monotonic time.
 * Exit: 0, 1 (the device could not be opened), 2 (usage).
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <qb/qbdefs.h>
#include <qb/qblog.h>
#include <qb/qbloop.h>

#include "log.h"
#include "util.h"
#include "watchdog.h"

#define STARVE_MAX_MS 60000

struct run {
	qb_loop_t *loop;
	struct rv_watchdog wd;
	int allow;
	int disarm;
};

static int
may_feed(void *data, const char **why)
{
	struct run *r = data;

	*why = "watchdog-run was told to starve it";
	return r->allow;
}

static uint64_t
realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
feeding_over(void *data)
{
	struct run *r = data;
	uint64_t mono = rv_now_ms(), real = realtime_ms();

	printf("feeds=%llu last_feed_ms=%llu\n", (unsigned long long)r->wd.feeds,
	       (unsigned long long)(real - (mono - r->wd.last_feed_ms)));
	fflush(stdout);
	if (r->disarm) {
		rv_watchdog_close(&r->wd, 1);
		qb_loop_stop(r->loop);
		return;
	}
	r->allow = 0;
	rv_watchdog_tick(&r->wd);
}

static void
give_up(void *data)
{
	struct run *r = data;

	qb_loop_stop(r->loop);
}

int
main(int argc, char **argv)
{
	struct rv_watchdog_cfg cfg;
	qb_loop_timer_handle th;
	struct run r;
	uint64_t feed_ms;

	if (argc != 6 || (strcmp(argv[5], "starve") != 0 && strcmp(argv[5], "disarm") != 0) ||
	    rv_parse_uint(argv[2], 120000, &cfg.timeout_ms) < 0 ||
	    rv_parse_uint(argv[3], 60000, &cfg.interval_ms) < 0 ||
	    rv_parse_uint(argv[4], 600000, &feed_ms) < 0) {
		fprintf(stderr, "usage: watchdog-run DEVICE TIMEOUT_MS INTERVAL_MS FEED_MS "
			"starve|disarm\n");
		return 2;
	}
	cfg.enabled = 1;
	cfg.device = argv[1];
	rv_log_init("watchdog-run", 1, 0, 0);
	memset(&r, 0, sizeof(r));
	r.allow = 1;
	r.disarm = strcmp(argv[5], "disarm") == 0;
	r.loop = qb_loop_create();
	if (r.loop == NULL) {
		fprintf(stderr, "watchdog-run: cannot create a loop\n");
		return 1;
	}
	if (rv_watchdog_open(&r.wd, &cfg, r.loop, may_feed, &r) < 0) {
		qb_loop_destroy(r.loop);
		rv_log_fini();
		return 1;
	}
	(void)qb_loop_timer_add(r.loop, QB_LOOP_LOW, feed_ms * QB_TIME_NS_IN_MSEC, &r,
				feeding_over, &th);
	(void)qb_loop_timer_add(r.loop, QB_LOOP_LOW, (feed_ms + STARVE_MAX_MS) *
				QB_TIME_NS_IN_MSEC, &r, give_up, &th);
	qb_loop_run(r.loop);
	/* starve: still here after STARVE_MAX_MS; leave it armed as a crash would */
	rv_watchdog_close(&r.wd, 0);
	qb_loop_destroy(r.loop);
	rv_log_fini();
	return 0;
}
