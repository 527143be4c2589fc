/*
 * watchdog.h — self-fencing: relevod feeds a watchdog device from its loop.
 *
 * The device (Linux watchdog API, <linux/watchdog.h>) is opened at start,
 * its timeout set (WDIOC_SETTIMEOUT) and fed every interval from a loop
 * timer, but only while the predicate the caller gives says the node may go
 * on; when it says no, feeding stops and the machine resets after the
 * timeout. A daemon that hangs stops feeding by itself: the feeding is done
 * by the loop. At a clean exit that holds nothing the device is disarmed with
 * the magic close ('V'); any other exit leaves it armed.
 *
 * Ownership: struct rv_watchdog is embedded by the caller; the config and
 * the loop must outlive it.
 */
#ifndef RELEVO_WATCHDOG_H
#define RELEVO_WATCHDOG_H

#include <stdint.h>

#include <qb/qbloop.h>

#include "config.h"

/* May the node go on? 1: feed. 0: starve (the machine resets); *why (static
 * text) says why, for the log (logged once per change). */
typedef int (*rv_watchdog_may_feed_fn)(void *data, const char **why);

struct rv_watchdog {
	int fd;                        /* -1: not open */
	const struct rv_watchdog_cfg *cfg;
	qb_loop_t *loop;
	qb_loop_timer_handle timer;
	rv_watchdog_may_feed_fn may_feed;
	void *data;
	uint64_t timeout_ms;           /* as the device reports it after set */
	uint64_t last_feed_ms;         /* monotonic; 0: never */
	uint64_t feeds;
	int starving;                  /* the predicate said no */
	const char *starve_why;
	int use_write;                 /* no WDIOC_KEEPALIVE (a FIFO): write */
	int magic_close;               /* WDIOF_MAGICCLOSE: 1, 0, -1 unknown */
	int feed_errno;                /* of the last failed feed; 0: none */
	uint64_t feed_errors;          /* feeds the predicate allowed that failed */
};

/* Open cfg->device and arm it with cfg->timeout_ms, feed it once (if the
 * predicate allows) and start feeding it every cfg->interval_ms from a
 * QB_LOOP_HIGH timer. 0, or -errno (logged): -ENOENT and the like from
 * open(), -ENXIO for a FIFO nobody reads, -ENODEV for something that is not
 * a character device or FIFO, -EINVAL for a config that makes no sense,
 * -ERANGE for a device whose timeout is longer than the configured one or
 * not longer than the interval. A device opened before a failure is
 * disarmed again. A node configured for watchdog fencing must not run
 * without one. */
int rv_watchdog_open(struct rv_watchdog *wd, const struct rv_watchdog_cfg *cfg,
		     qb_loop_t *loop, rv_watchdog_may_feed_fn may_feed, void *data);

/* Feed now if the predicate allows (called by the timer; callable after a
 * change that must take effect at once). */
void rv_watchdog_tick(struct rv_watchdog *wd);

/* disarm: 1 = magic close (clean exit holding nothing), 0 = leave armed.
 * Stops the timer; safe to call twice, and after a failed open. */
void rv_watchdog_close(struct rv_watchdog *wd, int disarm);

#endif
