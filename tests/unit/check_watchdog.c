/*
 * check_watchdog.c — unit tests for agent/daemon/watchdog.c, fed from a
 * real qb_loop into a FIFO that stands in for /dev/watchdog (the test holds
 * its reading end; a FIFO takes no watchdog ioctl, so the module feeds it by
 * write, as it would a driver without WDIOC_KEEPALIVE).
 *
 * What is asserted is what the device would see: bytes at the interval, none
 * while the predicate says no or while the loop does not run, a 'V' before
 * the close only when disarming, and a clear error, with nothing written,
 * for every device that cannot be used.
 */
#include "autoconf.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <qb/qbdefs.h>
#include <qb/qblog.h>
#include <qb/qbloop.h>

#include "loop_harness.h"
#include "util.h"
#include "watchdog.h"

#define SAFETY_MS 5000
#define INTERVAL_MS 50
#define MAX_BYTES 256

/* ------------------------------------------------------------ fixture */

static char dir[PATH_MAX];
static char fifo[PATH_MAX + 16];
static int rfd = -1;                 /* the test's end of the FIFO */

/* Log lines the module wrote, by substring. */
static char logged[64][256];
static unsigned n_logged;

static void
log_capture(int32_t t, struct qb_log_callsite *cs, struct timespec *ts, const char *msg)
{
	(void)t; (void)cs; (void)ts;
	if (n_logged < sizeof(logged) / sizeof(logged[0]))
		snprintf(logged[n_logged++], sizeof(logged[0]), "%s", msg);
	if (getenv("CHECK_WATCHDOG_LOG") != NULL)
		fprintf(stderr, "log: %s\n", msg);
}

static unsigned
logged_count(const char *what)
{
	unsigned i, n = 0;

	for (i = 0; i < n_logged; i++)
		if (strstr(logged[i], what) != NULL)
			n++;
	return n;
}

static void
setup(void)
{
	int t;

	snprintf(dir, sizeof(dir), "%s/check_watchdog.XXXXXX",
		 getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/watchdog", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	/* non-blocking: the open does not wait for the writer, reads do not
	 * wait for bytes */
	rfd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(rfd, 0);

	n_logged = 0;
	qb_log_init("check_watchdog", LOG_DAEMON, LOG_DEBUG);
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
	t = qb_log_custom_open(log_capture, NULL, NULL, NULL);
	ck_assert_int_ge(t, 0);
	qb_log_filter_ctl(t, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_DEBUG);
	qb_log_ctl(t, QB_LOG_CONF_ENABLED, QB_TRUE);
}

static void
teardown(void)
{
	char path[PATH_MAX + 16];

	qb_log_fini();
	if (rfd >= 0)
		close(rfd);
	rfd = -1;
	unlink(fifo);
	snprintf(path, sizeof(path), "%s/file", dir);
	unlink(path);
	rmdir(dir);
}

static struct rv_watchdog_cfg
cfg_of(char *device, uint64_t timeout_ms, uint64_t interval_ms)
{
	struct rv_watchdog_cfg c;

	memset(&c, 0, sizeof(c));
	c.enabled = 1;
	c.device = device;
	c.timeout_ms = timeout_ms;
	c.interval_ms = interval_ms;
	return c;
}

/* Everything in the FIFO now, into buf (at most size bytes); returns the
 * count, or -1 once the writer has closed and nothing is left (EOF). */
static int
drain(char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;

	for (;;) {
		r = read(rfd, buf + n, size - n);
		if (r > 0) {
			n += (size_t)r;
			ck_assert_uint_lt(n, size);
			continue;
		}
		if (r == 0)
			return n == 0 ? -1 : (int)n;
		ck_assert_int_eq(errno, EAGAIN);
		return (int)n;
	}
}

/* ------------------------------------------------------------ a run */

/* One test's run: the predicate's answer and what the reader saw. */
struct run {
	struct harness h;
	struct rv_watchdog wd;
	int allow;                    /* the predicate's answer */
	unsigned asked;               /* times the predicate was asked */
	unsigned bytes;               /* read by the reader while the loop ran */
	uint64_t at[MAX_BYTES];       /* when each byte was read */
	unsigned while_starved;       /* bytes read while allow == 0 */
	unsigned at_resume;           /* bytes ready at once after a tick */
	int starving_seen;            /* wd.starving while starved */
	const char *why_seen;
	int eof;
};

static int
may_feed(void *data, const char **why)
{
	struct run *r = data;

	r->asked++;
	if (!r->allow)
		*why = "the test says no";
	return r->allow;
}

static int
readable(int32_t fd, int32_t revents, void *data)
{
	struct run *r = data;
	char buf[MAX_BYTES];
	int i, n;

	(void)revents;
	n = drain(buf, sizeof(buf));
	if (n < 0) {
		r->eof = 1;
		(void)qb_loop_poll_del(r->h.loop, fd);
		return 0;
	}
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(buf[i], '1');
		ck_assert_uint_lt(r->bytes, MAX_BYTES);
		r->at[r->bytes++] = rv_now_ms();
		if (!r->allow)
			r->while_starved++;
	}
	return 0;
}

static void
run_start(struct run *r)
{
	memset(r, 0, sizeof(*r));
	harness_start(&r->h, SAFETY_MS, 0);
	r->allow = 1;
	r->h.pending = 1;
	r->eof = rfd < 0;
	if (rfd >= 0)
		ck_assert_int_eq(qb_loop_poll_add(r->h.loop, QB_LOOP_MED, rfd, POLLIN, r,
						  readable), 0);
}

static void
run_fini(struct run *r)
{
	rv_watchdog_close(&r->wd, 0);
	if (!r->eof)
		(void)qb_loop_poll_del(r->h.loop, rfd);
	harness_fini(&r->h);
}

static void
at(struct run *r, unsigned ms, qb_loop_timer_dispatch_fn fn)
{
	qb_loop_timer_handle th;

	ck_assert_int_eq(qb_loop_timer_add(r->h.loop, QB_LOOP_LOW, (uint64_t)ms *
					   QB_TIME_NS_IN_MSEC, r, fn, &th), 0);
}

static void
stop(void *data)
{
	struct run *r = data;

	r->h.pending = 0;
	qb_loop_stop(r->h.loop);
}

/* ------------------------------------------------------------ tests */

START_TEST(fed_at_interval)
{
	struct rv_watchdog_cfg c = cfg_of(fifo, 2000, INTERVAL_MS);
	struct run r;
	uint64_t t0, gap, min_gap = UINT64_MAX, max_gap = 0;
	unsigned i;

	run_start(&r);
	t0 = rv_now_ms();
	ck_assert_int_eq(rv_watchdog_open(&r.wd, &c, r.h.loop, may_feed, &r), 0);
	/* a FIFO takes no ioctl: the configured timeout stands, fed by write */
	ck_assert_uint_eq(r.wd.timeout_ms, 2000);
	ck_assert_int_eq(r.wd.use_write, 1);
	ck_assert_uint_eq(r.wd.feeds, 1);             /* fed once at open */
	ck_assert_uint_ge(r.wd.last_feed_ms, t0);
	ck_assert_uint_eq(logged_count("not a watchdog driver"), 1);
	at(&r, 10 * INTERVAL_MS + INTERVAL_MS / 2, stop);
	harness_run(&r.h);

	/* the feed at open, then one every interval: 11 in 525 ms; a busy
	 * machine may dispatch late, never early */
	ck_assert_uint_ge(r.bytes, 8);
	ck_assert_uint_le(r.bytes, 11);
	ck_assert_uint_eq(r.wd.feeds, r.bytes);
	ck_assert_uint_eq(r.asked, r.bytes);
	for (i = 1; i < r.bytes; i++) {
		gap = r.at[i] - r.at[i - 1];
		min_gap = gap < min_gap ? gap : min_gap;
		max_gap = gap > max_gap ? gap : max_gap;
	}
	ck_assert_uint_ge(min_gap, INTERVAL_MS / 2);
	ck_assert_uint_le(max_gap, 4 * INTERVAL_MS);
	ck_assert_int_eq(r.wd.starving, 0);
	ck_assert_uint_eq(r.wd.feed_errors, 0);
	run_fini(&r);
}
END_TEST

static void
starve(void *data)
{
	struct run *r = data;
	char buf[MAX_BYTES];

	/* bytes written before the predicate turned are not starvation's */
	ck_assert_int_ge(drain(buf, sizeof(buf)), 0);
	r->allow = 0;
}

static void
resume(void *data)
{
	struct run *r = data;
	char buf[MAX_BYTES];

	r->starving_seen = r->wd.starving;
	r->why_seen = r->wd.starve_why;
	ck_assert_int_eq(drain(buf, sizeof(buf)), 0);
	r->allow = 1;
	/* a change that must take effect at once: tick by hand */
	rv_watchdog_tick(&r->wd);
	r->at_resume = (unsigned)drain(buf, sizeof(buf));
}

START_TEST(starving_stops_the_bytes)
{
	struct rv_watchdog_cfg c = cfg_of(fifo, 2000, INTERVAL_MS);
	struct run r;
	uint64_t feeds_before;

	run_start(&r);
	ck_assert_int_eq(rv_watchdog_open(&r.wd, &c, r.h.loop, may_feed, &r), 0);
	at(&r, 4 * INTERVAL_MS, starve);
	at(&r, 10 * INTERVAL_MS, resume);
	at(&r, 14 * INTERVAL_MS, stop);
	harness_run(&r.h);

	ck_assert_uint_eq(r.while_starved, 0);
	ck_assert_int_eq(r.starving_seen, 1);
	ck_assert_str_eq(r.why_seen, "the test says no");
	/* the predicate was asked at every tick while starved, and said no */
	ck_assert_uint_gt(r.asked, r.wd.feeds);
	ck_assert_uint_eq(r.at_resume, 1);
	ck_assert_int_eq(r.wd.starving, 0);
	ck_assert_ptr_null(r.wd.starve_why);
	/* fed again after the resume, from the loop too */
	feeds_before = r.wd.feeds;
	ck_assert_uint_ge(feeds_before, 4);
	ck_assert_uint_ge(r.bytes, 2);
	/* logged once each way, however many ticks starved */
	ck_assert_uint_eq(logged_count("watchdog: no longer fed: the test says no; this "
				       "machine resets in 2 s"), 1);
	ck_assert_uint_eq(logged_count("fed again"), 1);
	run_fini(&r);
}
END_TEST

START_TEST(starved_from_the_start)
{
	struct rv_watchdog_cfg c = cfg_of(fifo, 2000, INTERVAL_MS);
	struct run r;

	run_start(&r);
	r.allow = 0;
	ck_assert_int_eq(rv_watchdog_open(&r.wd, &c, r.h.loop, may_feed, &r), 0);
	at(&r, 4 * INTERVAL_MS, stop);
	harness_run(&r.h);
	ck_assert_uint_eq(r.bytes, 0);
	ck_assert_uint_eq(r.wd.feeds, 0);
	ck_assert_uint_eq(r.wd.last_feed_ms, 0);
	ck_assert_int_eq(r.wd.starving, 1);
	ck_assert_uint_eq(logged_count("no longer fed"), 1);
	run_fini(&r);
}
END_TEST

START_TEST(hung_loop_feeds_nothing)
{
	struct rv_watchdog_cfg c = cfg_of(fifo, 2000, INTERVAL_MS);
	struct timespec hang = { 0, 6 * INTERVAL_MS * 1000000L };
	struct run r;
	char buf[MAX_BYTES];

	run_start(&r);
	ck_assert_int_eq(rv_watchdog_open(&r.wd, &c, r.h.loop, may_feed, &r), 0);
	ck_assert_int_eq(drain(buf, sizeof(buf)), 1);      /* the feed at open */
	/* the daemon "hangs": six intervals without running its loop */
	while (nanosleep(&hang, &hang) < 0 && errno == EINTR)
		;
	ck_assert_int_eq(drain(buf, sizeof(buf)), 0);
	ck_assert_uint_eq(r.wd.feeds, 1);
	/* and it was only the loop: once it runs, the feeding comes back */
	at(&r, 3 * INTERVAL_MS, stop);
	harness_run(&r.h);
	ck_assert_uint_ge(r.bytes, 1);
	run_fini(&r);
}
END_TEST

START_TEST(magic_close_writes_V)
{
	struct rv_watchdog_cfg c = cfg_of(fifo, 2000, INTERVAL_MS);
	struct run r;
	char buf[MAX_BYTES];
	int n;

	run_start(&r);
	ck_assert_int_eq(rv_watchdog_open(&r.wd, &c, r.h.loop, may_feed, &r), 0);
	(void)qb_loop_poll_del(r.h.loop, rfd);
	r.eof = 1;
	at(&r, 3 * INTERVAL_MS, stop);
	harness_run(&r.h);
	rv_watchdog_close(&r.wd, 1);
	ck_assert_int_eq(r.wd.fd, -1);
	n = drain(buf, sizeof(buf));
	ck_assert_int_ge(n, 2);
	ck_assert_int_eq(buf[n - 1], 'V');
	ck_assert_int_eq(buf[n - 2], '1');
	ck_assert_int_eq(drain(buf, sizeof(buf)), -1);     /* closed after the V */
	ck_assert_uint_eq(logged_count("disarmed (magic close)"), 1);
	rv_watchdog_close(&r.wd, 1);                       /* twice: nothing */
	ck_assert_uint_eq(logged_count("disarmed"), 1);
	run_fini(&r);
}
END_TEST

START_TEST(close_armed_writes_no_V)
{
	struct rv_watchdog_cfg c = cfg_of(fifo, 2000, INTERVAL_MS);
	struct run r;
	char buf[MAX_BYTES];
	int n, i;

	run_start(&r);
	ck_assert_int_eq(rv_watchdog_open(&r.wd, &c, r.h.loop, may_feed, &r), 0);
	(void)qb_loop_poll_del(r.h.loop, rfd);
	r.eof = 1;
	at(&r, 3 * INTERVAL_MS, stop);
	harness_run(&r.h);
	rv_watchdog_close(&r.wd, 0);
	n = drain(buf, sizeof(buf));
	ck_assert_int_ge(n, 1);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(buf[i], '1');
	ck_assert_int_eq(drain(buf, sizeof(buf)), -1);
	ck_assert_uint_eq(logged_count("left armed: this machine resets in 2 s"), 1);
	run_fini(&r);
}
END_TEST

START_TEST(full_device_is_an_error_not_a_hang)
{
	struct rv_watchdog_cfg c = cfg_of(fifo, 2000, INTERVAL_MS);
	struct run r;
	char buf[4096];
	int wfd;
	ssize_t n;

	/* fill the FIFO from a second writer until it takes no more */
	wfd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(wfd, 0);
	memset(buf, '0', sizeof(buf));
	while ((n = write(wfd, buf, sizeof(buf))) > 0)
		;
	ck_assert_int_eq(errno, EAGAIN);
	while (write(wfd, buf, 1) == 1)
		;

	run_start(&r);
	(void)qb_loop_poll_del(r.h.loop, rfd);
	r.eof = 1;
	ck_assert_int_eq(rv_watchdog_open(&r.wd, &c, r.h.loop, may_feed, &r), 0);
	at(&r, 4 * INTERVAL_MS, stop);
	harness_run(&r.h);
	ck_assert_uint_eq(r.wd.feeds, 0);
	ck_assert_uint_ge(r.wd.feed_errors, 3);
	ck_assert_int_eq(r.wd.feed_errno, EAGAIN);
	ck_assert_uint_eq(logged_count("cannot feed"), 1);   /* once, not per tick */

	/* room again: the next tick feeds, and says so */
	while (read(rfd, buf, sizeof(buf)) > 0)
		;
	rv_watchdog_tick(&r.wd);
	ck_assert_uint_eq(r.wd.feeds, 1);
	ck_assert_int_eq(r.wd.feed_errno, 0);
	ck_assert_uint_eq(logged_count("fed again"), 1);
	close(wfd);
	run_fini(&r);
}
END_TEST

START_TEST(character_device_without_watchdog_ioctls)
{
	static char devnull[] = "/dev/null";
	struct rv_watchdog_cfg c = cfg_of(devnull, 3500, INTERVAL_MS);
	struct run r;

	run_start(&r);
	ck_assert_int_eq(rv_watchdog_open(&r.wd, &c, r.h.loop, may_feed, &r), 0);
	ck_assert_uint_eq(r.wd.timeout_ms, 3500);
	ck_assert_int_eq(r.wd.use_write, 1);
	ck_assert_int_eq(r.wd.magic_close, -1);
	ck_assert_uint_eq(r.wd.feeds, 1);
	rv_watchdog_close(&r.wd, 1);
	run_fini(&r);
}
END_TEST

/* open() must fail with rc, leave nothing open, and log why. */
static void
open_fails(const struct rv_watchdog_cfg *c, int rc, const char *why)
{
	struct run r;

	n_logged = 0;
	run_start(&r);
	ck_assert_int_eq(rv_watchdog_open(&r.wd, c, r.h.loop, may_feed, &r), rc);
	ck_assert_int_eq(r.wd.fd, -1);
	ck_assert_uint_eq(r.wd.feeds, 0);
	ck_assert_uint_eq(logged_count(why), 1);
	rv_watchdog_close(&r.wd, 1);                       /* safe after a failure */
	rv_watchdog_close(&r.wd, 0);
	run_fini(&r);
}

START_TEST(missing_device)
{
	char path[PATH_MAX + 16];
	struct rv_watchdog_cfg c;

	snprintf(path, sizeof(path), "%s/none", dir);
	c = cfg_of(path, 2000, INTERVAL_MS);
	open_fails(&c, -ENOENT, "No such file or directory");
}
END_TEST

START_TEST(fifo_nobody_reads)
{
	struct rv_watchdog_cfg c = cfg_of(fifo, 2000, INTERVAL_MS);

	close(rfd);
	rfd = -1;
	/* no reader: a clear error at once, not an open that never returns */
	open_fails(&c, -ENXIO, "cannot open");
}
END_TEST

START_TEST(regular_file_refused_untouched)
{
	char path[PATH_MAX + 16];
	struct rv_watchdog_cfg c;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	c = cfg_of(path, 2000, INTERVAL_MS);
	open_fails(&c, -ENODEV, "is neither a character device nor a FIFO");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 0);                   /* no '1', no 'V' */
}
END_TEST

START_TEST(config_that_makes_no_sense)
{
	static char empty[] = "";
	struct rv_watchdog_cfg c;
	char buf[MAX_BYTES];

	c = cfg_of(fifo, 2000, 2000);
	open_fails(&c, -EINVAL, "must be above 0 and shorter than the timeout");
	c = cfg_of(fifo, 2000, 0);
	open_fails(&c, -EINVAL, "must be above 0 and shorter than the timeout");
	c = cfg_of(NULL, 2000, INTERVAL_MS);
	open_fails(&c, -EINVAL, "no device configured");
	c = cfg_of(empty, 2000, INTERVAL_MS);
	open_fails(&c, -EINVAL, "no device configured");
	/* nothing reached the device, which nobody holds open */
	ck_assert_int_eq(drain(buf, sizeof(buf)), -1);
}
END_TEST

static Suite *
watchdog_suite(void)
{
	Suite *s = suite_create("watchdog");
	TCase *feed_tc = tcase_create("feed");
	TCase *close_tc = tcase_create("close");
	TCase *err_tc = tcase_create("errors");

	tcase_add_checked_fixture(feed_tc, setup, teardown);
	tcase_add_test(feed_tc, fed_at_interval);
	tcase_add_test(feed_tc, starving_stops_the_bytes);
	tcase_add_test(feed_tc, starved_from_the_start);
	tcase_add_test(feed_tc, hung_loop_feeds_nothing);
	tcase_set_timeout(feed_tc, 10);
	suite_add_tcase(s, feed_tc);

	tcase_add_checked_fixture(close_tc, setup, teardown);
	tcase_add_test(close_tc, magic_close_writes_V);
	tcase_add_test(close_tc, close_armed_writes_no_V);
	suite_add_tcase(s, close_tc);

	tcase_add_checked_fixture(err_tc, setup, teardown);
	tcase_add_test(err_tc, full_device_is_an_error_not_a_hang);
	tcase_add_test(err_tc, character_device_without_watchdog_ioctls);
	tcase_add_test(err_tc, missing_device);
	tcase_add_test(err_tc, fifo_nobody_reads);
	tcase_add_test(err_tc, regular_file_refused_untouched);
	tcase_add_test(err_tc, config_that_makes_no_sense);
	suite_add_tcase(s, err_tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(watchdog_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
