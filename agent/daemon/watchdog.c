/*
 * watchdog.c — self-fencing through a watchdog device fed from the loop.
 *
 * What it must never do: feed from anywhere but the loop (a hung loop must
 * starve the device: that is the point), block the loop (the device is
 * opened non-blocking, so a stand-in FIFO whose reader stalls gives EAGAIN,
 * not a hang), or disarm the device on any path but an explicit
 * rv_watchdog_close(wd, 1) or a start that failed before anything was
 * entrusted to it.
 *
 * Life of the device:
 *
 *   open ──> armed (the kernel starts the timer at open) ──SETTIMEOUT──>
 *   fed every interval while may_feed() says 1 ──> 0: starving (logged
 *   once at crit), the reset comes timeout after the last feed ──> 1 again
 *   before that: fed (logged at notice).
 *   close(disarm=1): 'V', then close: the timer stops (magic close).
 *   close(disarm=0): close only: the timer runs on ("watchdog did not stop!").
 *
 * A FIFO stands in for the device in the tests (tests/watchdog-standin):
 * it takes no ioctl (ENOTTY), so the configured timeout is taken as the
 * device's and feeding is by write().
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/watchdog.h>

#include <qb/qbdefs.h>
#include <qb/qblog.h>
#include <qb/qbloop.h>

#include "util.h"
#include "watchdog.h"

#define MS_PER_S 1000ULL

/* Seconds until the device resets the machine if nothing feeds it, rounded
 * up: what the crit line promises the operator. */
static unsigned long long
reset_in_s(const struct rv_watchdog *wd)
{
	uint64_t now = rv_now_ms(), since, left;

	since = wd->last_feed_ms == 0 || now < wd->last_feed_ms ? 0 : now - wd->last_feed_ms;
	left = since >= wd->timeout_ms ? 0 : wd->timeout_ms - since;
	return (left + MS_PER_S - 1) / MS_PER_S;
}

/* The device took neither ioctl because it is not a watchdog driver (a FIFO
 * stand-in, or a character device of another kind). */
static int
not_a_watchdog(int err)
{
	return err == ENOTTY || err == EINVAL;
}

/* One feed: WDIOC_KEEPALIVE, or a write where the device takes no ioctl.
 * 0 or -errno. */
static int
feed(struct rv_watchdog *wd)
{
	int dummy = 0;
	ssize_t n;

	if (!wd->use_write) {
		if (ioctl(wd->fd, WDIOC_KEEPALIVE, &dummy) == 0)
			return 0;
		if (errno != ENOTTY)
			return -errno;
		wd->use_write = 1;
		qb_log(LOG_INFO, "watchdog: %s takes no WDIOC_KEEPALIVE; feeding it by write",
		       wd->cfg->device);
	}
	do
		n = write(wd->fd, "1", 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 1 ? 0 : -EIO;
}

/* Write the magic character: the next close stops the device's timer. */
static int
write_magic(int fd)
{
	ssize_t n;

	do
		n = write(fd, "V", 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 1 ? 0 : -EIO;
}

static void
timer_fired(void *data)
{
	struct rv_watchdog *wd = data;

	wd->timer = 0;
	if (wd->fd < 0)
		return;
	rv_watchdog_tick(wd);
	/* re-armed after the feed: a loop that stops dispatching stops both */
	if (qb_loop_timer_add(wd->loop, QB_LOOP_HIGH, wd->cfg->interval_ms * QB_TIME_NS_IN_MSEC,
			      wd, timer_fired, &wd->timer) != 0) {
		wd->timer = 0;
		qb_log(LOG_CRIT, "watchdog: cannot re-arm the feeding timer; this machine "
		       "resets in %llu s", reset_in_s(wd));
	}
}

void
rv_watchdog_tick(struct rv_watchdog *wd)
{
	const char *why = NULL;
	int may = 1, rc;

	if (wd->fd < 0)
		return;
	if (wd->may_feed != NULL)
		may = wd->may_feed(wd->data, &why) != 0;
	if (!may) {
		if (!wd->starving) {
			wd->starving = 1;
			wd->starve_why = why != NULL ? why : "(no reason given)";
			qb_log(LOG_CRIT, "watchdog: no longer fed: %s; this machine resets "
			       "in %llu s", wd->starve_why, reset_in_s(wd));
		}
		return;
	}
	rc = feed(wd);
	if (rc < 0) {
		wd->feed_errors++;
		if (wd->feed_errno != -rc)
			qb_log(LOG_ERR, "watchdog: cannot feed %s: %s; this machine resets in "
			       "%llu s unless a feed succeeds", wd->cfg->device, strerror(-rc),
			       reset_in_s(wd));
		wd->feed_errno = -rc;
		return;
	}
	if (wd->feed_errno != 0)
		qb_log(LOG_NOTICE, "watchdog: %s fed again", wd->cfg->device);
	wd->feed_errno = 0;
	if (wd->starving)
		qb_log(LOG_NOTICE, "watchdog: fed again (it was starved: %s)", wd->starve_why);
	wd->starving = 0;
	wd->starve_why = NULL;
	wd->last_feed_ms = rv_now_ms();
	wd->feeds++;
}

/* Set the timeout and learn the one the device uses. 0 or -errno (logged). */
static int
set_timeout(struct rv_watchdog *wd)
{
	const struct rv_watchdog_cfg *cfg = wd->cfg;
	uint64_t want_s = (cfg->timeout_ms + MS_PER_S - 1) / MS_PER_S;
	int secs = (int)want_s, err;

	if (ioctl(wd->fd, WDIOC_SETTIMEOUT, &secs) < 0) {
		err = errno;
		if (not_a_watchdog(err)) {
			qb_log(LOG_WARNING, "watchdog: %s takes no WDIOC_SETTIMEOUT (%s): not "
			       "a watchdog driver; taking the configured timeout, %llu ms, as "
			       "its own", cfg->device, strerror(err),
			       (unsigned long long)cfg->timeout_ms);
			wd->timeout_ms = cfg->timeout_ms;
			return 0;
		}
		if (err != EOPNOTSUPP) {
			qb_log(LOG_ERR, "watchdog: cannot set the timeout of %s to %llu s: %s",
			       cfg->device, (unsigned long long)want_s, strerror(err));
			return -err;
		}
		/* a driver with a fixed timeout: learn it below */
		qb_log(LOG_WARNING, "watchdog: %s cannot change its timeout", cfg->device);
	}
	if (ioctl(wd->fd, WDIOC_GETTIMEOUT, &secs) < 0) {
		err = errno;
		if (not_a_watchdog(err)) {
			qb_log(LOG_WARNING, "watchdog: %s does not say its timeout (%s); taking "
			       "the configured one, %llu ms", cfg->device, strerror(err),
			       (unsigned long long)cfg->timeout_ms);
			wd->timeout_ms = cfg->timeout_ms;
			return 0;
		}
		qb_log(LOG_ERR, "watchdog: cannot read the timeout of %s: %s", cfg->device,
		       strerror(err));
		return -err;
	}
	if (secs <= 0) {
		qb_log(LOG_ERR, "watchdog: %s reports a timeout of %d s", cfg->device, secs);
		return -ERANGE;
	}
	wd->timeout_ms = (uint64_t)secs * MS_PER_S;
	/* The peer takes this node as reset once the configured timeout (twice
	 * over) has passed: a device that waits longer breaks that promise. */
	if ((uint64_t)secs > want_s) {
		qb_log(LOG_ERR, "watchdog: %s resets only after %d s, later than the "
		       "configured timeout (%llu ms) that the peer relies on; configure "
		       "timeout = %ds", cfg->device, secs, (unsigned long long)cfg->timeout_ms,
		       secs);
		return -ERANGE;
	}
	if (wd->timeout_ms != want_s * MS_PER_S)
		qb_log(LOG_WARNING, "watchdog: %s uses a timeout of %d s, not %llu s", cfg->device,
		       secs, (unsigned long long)want_s);
	return 0;
}

/* Which driver it is and whether it knows the magic close, for the log. */
static void
identify(struct rv_watchdog *wd)
{
	struct watchdog_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(wd->fd, WDIOC_GETSUPPORT, &info) < 0) {
		wd->magic_close = -1;
		return;
	}
	info.identity[sizeof(info.identity) - 1] = '\0';
	wd->magic_close = (info.options & WDIOF_MAGICCLOSE) != 0;
	qb_log(LOG_INFO, "watchdog: %s is \"%s\"%s", wd->cfg->device, (char *)info.identity,
	       wd->magic_close ? "" : " (no magic close: it cannot be disarmed)");
}

int
rv_watchdog_open(struct rv_watchdog *wd, const struct rv_watchdog_cfg *cfg,
		 qb_loop_t *loop, rv_watchdog_may_feed_fn may_feed, void *data)
{
	struct stat st;
	int rc;

	memset(wd, 0, sizeof(*wd));
	wd->fd = -1;
	wd->cfg = cfg;
	wd->loop = loop;
	wd->may_feed = may_feed;
	wd->data = data;
	if (cfg == NULL || cfg->device == NULL || cfg->device[0] == '\0') {
		qb_log(LOG_ERR, "watchdog: no device configured");
		return -EINVAL;
	}
	if (loop == NULL) {
		qb_log(LOG_ERR, "watchdog: no loop to feed %s from", cfg->device);
		return -EINVAL;
	}
	if (cfg->timeout_ms == 0 || cfg->interval_ms == 0 || cfg->interval_ms >= cfg->timeout_ms ||
	    cfg->timeout_ms / MS_PER_S >= INT_MAX) {
		qb_log(LOG_ERR, "watchdog: interval %llu ms and timeout %llu ms: the interval "
		       "must be above 0 and shorter than the timeout",
		       (unsigned long long)cfg->interval_ms, (unsigned long long)cfg->timeout_ms);
		return -EINVAL;
	}
	/* O_NONBLOCK: a FIFO stand-in without a reader fails (ENXIO) instead of
	 * blocking the open, and a full one fails a feed instead of the loop;
	 * the watchdog drivers ignore the flag. */
	wd->fd = open(cfg->device, O_WRONLY | O_CLOEXEC | O_NONBLOCK);
	if (wd->fd < 0) {
		rc = -errno;
		qb_log(LOG_ERR, "watchdog: cannot open %s: %s", cfg->device, strerror(-rc));
		return rc;
	}
	if (fstat(wd->fd, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
		/* never disarm what is not a device: 'V' would land in a file */
		qb_log(LOG_ERR, "watchdog: %s is neither a character device nor a FIFO",
		       cfg->device);
		close(wd->fd);
		wd->fd = -1;
		return -ENODEV;
	}
	/* from here the device is armed, with its default timeout */
	identify(wd);
	rc = set_timeout(wd);
	if (rc == 0 && wd->timeout_ms <= cfg->interval_ms) {
		qb_log(LOG_ERR, "watchdog: the timeout of %s (%llu ms) is not longer than the "
		       "feeding interval (%llu ms)", cfg->device,
		       (unsigned long long)wd->timeout_ms, (unsigned long long)cfg->interval_ms);
		rc = -ERANGE;
	}
	if (rc < 0)
		goto fail;
	if (cfg->interval_ms > wd->timeout_ms / 2)
		qb_log(LOG_WARNING, "watchdog: fed every %llu ms, more than half its timeout "
		       "(%llu ms): one late dispatch of the loop resets this machine",
		       (unsigned long long)cfg->interval_ms, (unsigned long long)wd->timeout_ms);
	rc = qb_loop_timer_add(loop, QB_LOOP_HIGH, cfg->interval_ms * QB_TIME_NS_IN_MSEC, wd,
			       timer_fired, &wd->timer);
	if (rc != 0) {
		wd->timer = 0;
		qb_log(LOG_ERR, "watchdog: cannot start the feeding timer: %s", strerror(-rc));
		goto fail;
	}
	qb_log(LOG_NOTICE, "watchdog: %s armed: timeout %llu ms, fed every %llu ms from the loop",
	       cfg->device, (unsigned long long)wd->timeout_ms,
	       (unsigned long long)cfg->interval_ms);
	/* the first feed now: the default timeout may be shorter than ours */
	rv_watchdog_tick(wd);
	return 0;

fail:
	/* nothing was entrusted to the device yet: disarm it, or the failed
	 * start would reset the machine */
	rv_watchdog_close(wd, 1);
	return rc;
}

void
rv_watchdog_close(struct rv_watchdog *wd, int disarm)
{
	int rc;

	if (wd->timer != 0) {
		(void)qb_loop_timer_del(wd->loop, wd->timer);
		wd->timer = 0;
	}
	if (wd->fd < 0)
		return;
	if (disarm) {
		rc = write_magic(wd->fd);
		if (rc < 0)
			qb_log(LOG_CRIT, "watchdog: cannot disarm %s: %s; this machine resets in "
			       "%llu s", wd->cfg->device, strerror(-rc), reset_in_s(wd));
		else if (wd->magic_close == 0)
			qb_log(LOG_CRIT, "watchdog: %s cannot be disarmed (no magic close); this "
			       "machine resets in %llu s", wd->cfg->device, reset_in_s(wd));
		else
			qb_log(LOG_NOTICE, "watchdog: %s disarmed (magic close)", wd->cfg->device);
	} else {
		qb_log(LOG_NOTICE, "watchdog: %s closed and left armed: this machine resets in "
		       "%llu s", wd->cfg->device, reset_in_s(wd));
	}
	if (close(wd->fd) < 0)
		qb_log(LOG_WARNING, "watchdog: closing %s: %s", wd->cfg->device, strerror(errno));
	wd->fd = -1;
}
