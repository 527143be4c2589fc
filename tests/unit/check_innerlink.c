/*
 * check_innerlink.c — unit tests for agent/daemon/innerlink.c: the rise/fall
 * hysteresis as a pure function; the module on a real qb_loop probing with
 * a command (/usr/bin/test -e FILE, the file made and removed by the test)
 * and with the built relevo-probe against a small SMTP listener forked here
 * or a port nothing listens on; the flush on down -> up of an ACTIVE node
 * only; and the status document rendered as text, Prometheus and verdict.
 *
 * Postfix does not run here (no root, no queue): postqueue-standin, next to
 * this file, stands in for postqueue(1) with the same command line (-c DIR
 * -j prints DIR/queue, -f appends a line to DIR/flushed). The real Postfix
 * flush is tested by tests/integration/innerlink.test.
 *
 * Every loop runs under a safety timer; no test sleeps. The temporary
 * directory is removed, and the listener killed, even after a failure.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>
#include <qb/qbdefs.h>
#include <qb/qbloop.h>

#include "child.h"
#include "config.h"
#include "innerlink.h"
#include "loop_harness.h"
#include "status.h"
#include "util.h"

#define PROBE BUILDDIR "/../../agent/tools/relevo-probe"
#define STANDIN SRCDIR "/postqueue-standin"
#define SAFETY_MS 45000
#define FAST_MS 150          /* the probes' interval in these tests */

/* ------------------------------------------------------------ hysteresis */

/* Feed the results ("+" ok, "-" failed) and compare the states after each
 * with the expected ones ('?' unknown, 'U' up, 'D' down). */
static void
feed(unsigned rise, unsigned fall, const char *results, const char *states)
{
	struct rv_hysteresis h = { RV_LINK_UNKNOWN, 0, 0 };
	static const char letter[] = { [RV_LINK_UNKNOWN] = '?', [RV_LINK_UP] = 'U',
				       [RV_LINK_DOWN] = 'D' };
	char got[64];
	size_t i;

	ck_assert_uint_eq(strlen(results), strlen(states));
	for (i = 0; results[i] != '\0'; i++)
		got[i] = letter[rv_hysteresis_feed(&h, results[i] == '+', rise, fall)];
	got[i] = '\0';
	ck_assert_msg(strcmp(got, states) == 0, "rise %u fall %u, %s: %s, not %s", rise, fall,
		      results, got, states);
}

START_TEST(hysteresis_rise_and_fall)
{
	/* unknown until rise or fall results agree */
	feed(2, 3, "++", "?U");
	feed(2, 3, "---", "??D");
	feed(2, 3, "+-+-+-", "??????");
	/* a failure or two do not take an up link down; the third does */
	feed(2, 3, "++--+---", "?UUUUUUD");
	/* nor does a success bring a down link back before rise */
	feed(2, 3, "---+-++", "??DDDDU");
	/* flapping faster than rise/fall is no transition at all */
	feed(2, 2, "++-+-+-+-+", "?UUUUUUUUU");
	feed(2, 2, "--+-+-+-+-", "?DDDDDDDDD");
	/* rise 1, fall 1: every result counts */
	feed(1, 1, "+-+--++", "UDUDDUU");
	/* long runs stay where they are */
	feed(3, 1, "+++++++++-", "??UUUUUUUD");
}
END_TEST

START_TEST(hysteresis_runs)
{
	struct rv_hysteresis h = { RV_LINK_UNKNOWN, 0, 0 };
	int i;

	for (i = 0; i < 5; i++)
		(void)rv_hysteresis_feed(&h, 1, 2, 3);
	ck_assert_uint_eq(h.ok_run, 5);
	ck_assert_uint_eq(h.fail_run, 0);
	(void)rv_hysteresis_feed(&h, 0, 2, 3);
	ck_assert_uint_eq(h.ok_run, 0);
	ck_assert_uint_eq(h.fail_run, 1);
	/* a run never wraps to 0 */
	h.fail_run = UINT32_MAX;
	ck_assert_int_eq(rv_hysteresis_feed(&h, 0, 2, 3), RV_LINK_DOWN);
	ck_assert_uint_eq(h.fail_run, UINT32_MAX);
	ck_assert_str_eq(rv_link_state_name(RV_LINK_UNKNOWN), "unknown");
	ck_assert_str_eq(rv_link_state_name(RV_LINK_UP), "up");
	ck_assert_str_eq(rv_link_state_name(RV_LINK_DOWN), "down");
}
END_TEST

/* ------------------------------------------------------------ fixtures */

static char tmpdir[] = "/tmp/check_innerlink.XXXXXX";
static pid_t listener = -1;

static void
tmpdir_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_innerlink.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		abort();
}

static void
tmpdir_teardown(void)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(tmpdir);

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(tmpdir);
	if (listener > 0) {
		kill(listener, SIGKILL);
		waitpid(listener, NULL, 0);
		listener = -1;
	}
}

static void
path_of(char out[PATH_MAX], const char *name)
{
	snprintf(out, PATH_MAX, "%s/%s", tmpdir, name);
}

static void
write_file(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	path_of(path, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static int
lines_of(const char *name)
{
	char path[PATH_MAX], line[256];
	int n = 0;
	FILE *f;

	path_of(path, name);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n++;
	fclose(f);
	return n;
}

/* A site whose mta resource's Postfix is tmpdir (config_dir), with the
 * [inner-link] body given. */
static struct rv_config *
site(const char *inner_link)
{
	char path[PATH_MAX], text[2048];
	struct rv_config *cfg = NULL;
	char *errs = NULL;
	int n;

	n = snprintf(text, sizeof(text),
		"[site]\nname = relay-t\nfencing = off\n\n"
		"[node n1]\nid = 1\n\n[node n2]\nid = 2\n\n"
		"[resource mta]\nagent = ocf:relevo:mta\nparam.config_dir = %s\n"
		"param.probe = " PROBE "\n\n"
		"[inner-link]\n%s", tmpdir, inner_link);
	ck_assert_int_lt(n, (int)sizeof(text));
	write_file("relevo.conf", text);
	path_of(path, "relevo.conf");
	ck_assert_msg(rv_config_load(path, &cfg, &errs) == 0, "%s", errs ? errs : "?");
	/* below what a file may say (1s), to keep the tests short */
	cfg->inner_link.interval_ms = FAST_MS;
	path_of(path, "flushed");
	unlink(path);
	return cfg;
}

/* ------------------------------------------------------------ the loop */

enum until { UNTIL_STATE, UNTIL_FLUSHED, UNTIL_PROBES };

struct watch {
	struct harness h;
	struct rv_inner_link il;
	enum until until;
	enum rv_link_state want;     /* UNTIL_STATE */
	uint64_t want_probes;        /* UNTIL_PROBES: il.probes reaching this */
	int flushed_events;
};

static void
on_event(void *data, enum rv_inner_link_event ev)
{
	struct watch *w = data;
	int done = 0;

	if (ev == RV_IL_FLUSHED)
		w->flushed_events++;
	switch (w->until) {
	case UNTIL_STATE: done = w->il.hyst.state == w->want; break;
	case UNTIL_FLUSHED: done = ev == RV_IL_FLUSHED; break;
	case UNTIL_PROBES: done = w->il.probes >= w->want_probes; break;
	}
	if (done && w->h.pending > 0) {
		w->h.pending = 0;
		qb_loop_stop(w->h.loop);
	}
}

static void
run_until(struct watch *w, enum rv_link_state want)
{
	w->until = UNTIL_STATE;
	w->want = want;
	w->h.pending = w->il.hyst.state != want;
	harness_run(&w->h);
	ck_assert_str_eq(rv_link_state_name(w->il.hyst.state), rv_link_state_name(want));
}

static void
run_until_flushed(struct watch *w)
{
	w->until = UNTIL_FLUSHED;
	w->h.pending = 1;
	harness_run(&w->h);
}

static void
run_probes(struct watch *w, unsigned n)
{
	w->until = UNTIL_PROBES;
	w->want_probes = w->il.probes + n;
	w->h.pending = 1;
	harness_run(&w->h);
}

static void
watch_init(struct watch *w, const struct rv_config *cfg, int active)
{
	memset(w, 0, sizeof(*w));
	harness_start(&w->h, SAFETY_MS, 1);
	rv_inner_link_init(&w->il, w->h.loop, cfg, on_event, w);
	w->il.postqueue = STANDIN;
	rv_inner_link_active(&w->il, active);
}

static void
watch_start(struct watch *w, const struct rv_config *cfg, int active)
{
	watch_init(w, cfg, active);
	rv_inner_link_start(&w->il);
}

static void
reap_check(void *data)
{
	struct watch *w = data;
	qb_loop_timer_handle t;

	if (rv_child_count() == 0) {
		w->h.pending = 0;
		qb_loop_stop(w->h.loop);
		return;
	}
	ck_assert_int_eq(qb_loop_timer_add(w->h.loop, QB_LOOP_LOW, 10 * QB_TIME_NS_IN_MSEC, w,
					   reap_check, &t), 0);
}

/* Stop the module, then let the loop reap the children it killed. */
static void
watch_stop(struct watch *w)
{
	rv_inner_link_fini(&w->il);
	rv_inner_link_fini(&w->il); /* twice is fine */
	w->h.pending = 1;
	reap_check(w);
	harness_run(&w->h);
	harness_fini(&w->h);
}

static const char *
jstr(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static int64_t
jint(json_object *o, const char *key)
{
	json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v) && v != NULL, "no %s", key);
	return json_object_get_int64(v);
}

static json_object *
jget(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char queue_two[] =
	"{\"queue_name\": \"deferred\", \"queue_id\": \"4A1\", \"arrival_time\": 1000}\n"
	"{\"queue_name\": \"deferred\", \"queue_id\": \"4A2\", \"arrival_time\": 2000}\n"
	"{\"queue_name\": \"active\", \"queue_id\": \"4A3\", \"arrival_time\": 3000}\n";

/* [inner-link] probing /usr/bin/test -e tmpdir/reachable every FAST_MS */
static struct rv_config *
command_site(const char *extra)
{
	char flag[PATH_MAX], body[PATH_MAX + 256];

	path_of(flag, "reachable");
	snprintf(body, sizeof(body), "command = /usr/bin/test -e %s\ninterval = 1s\n"
		 "timeout = 900ms\n%s", flag, extra);
	return site(body);
}

START_TEST(command_up_down_up_flushes_once)
{
	char flag[PATH_MAX], cmd[PATH_MAX + 32];
	struct rv_config *cfg;
	struct watch w;
	json_object *doc, *last;

	cfg = command_site("rise = 1\nfall = 1\n");
	path_of(flag, "reachable");
	write_file("queue", queue_two);
	write_file("reachable", "");
	watch_start(&w, cfg, 1);
	run_until(&w, RV_LINK_UP);
	/* unknown -> up is no recovery: no flush */
	ck_assert_uint_eq(w.il.transitions, 0);
	ck_assert_uint_eq(w.il.flushes, 0);
	ck_assert_str_eq(w.il.last_result, "ok");

	ck_assert_int_eq(unlink(flag), 0);
	run_until(&w, RV_LINK_DOWN);
	ck_assert_str_eq(w.il.last_result, "failed");
	ck_assert_str_eq(w.il.last_reason, "exit 1");
	ck_assert_uint_eq(w.il.flushes, 0);

	write_file("reachable", "");
	run_until(&w, RV_LINK_UP);
	ck_assert_uint_eq(w.il.transitions, 2);
	ck_assert_uint_eq(w.il.flushes, 1);
	if (w.flushed_events == 0)
		run_until_flushed(&w);
	ck_assert_int_eq(w.flushed_events, 1);
	ck_assert_str_eq(w.il.flush_result, "ok");
	ck_assert_int_eq(w.il.flush_deferred, 2);
	ck_assert_int_ge(w.il.flush_oldest_s, 1000);
	ck_assert_int_eq(lines_of("flushed"), 1);

	doc = rv_inner_link_json(&w.il);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(jstr(doc, "state"), "up");
	snprintf(cmd, sizeof(cmd), "/usr/bin/test -e %s", flag);
	ck_assert_str_eq(jstr(doc, "command"), cmd);
	ck_assert_ptr_null(jstr(doc, "target"));
	ck_assert_int_eq(jint(doc, "transitions"), 2);
	ck_assert_int_eq(jint(doc, "rise"), 1);
	ck_assert_str_eq(jstr(jget(doc, "last_probe"), "result"), "ok");
	last = jget(jget(doc, "flush"), "last");
	ck_assert_str_eq(jstr(last, "result"), "ok");
	ck_assert_int_eq(jint(last, "deferred_before"), 2);
	ck_assert_int_ge(jint(last, "duration_ms"), 0);
	json_object_put(doc);

	/* more probes while up: still the one flush */
	run_probes(&w, 2);
	ck_assert_uint_eq(w.il.flushes, 1);
	ck_assert_int_eq(lines_of("flushed"), 1);
	watch_stop(&w);
	rv_config_free(cfg);
}
END_TEST

/* The standby probes too, and shows the state, but never flushes; nor
 * does an ACTIVE node with flush = no. */
START_TEST(no_flush_unless_active_and_asked)
{
	static const char *const extra[] = { "rise = 1\nfall = 1\n",
					     "rise = 1\nfall = 1\nflush = no\n" };
	char flag[PATH_MAX];
	struct rv_config *cfg;
	struct watch w;
	int i;

	path_of(flag, "reachable");
	write_file("queue", queue_two);
	for (i = 0; i < 2; i++) {
		cfg = command_site(extra[i]);
		unlink(flag);
		watch_start(&w, cfg, i == 1);
		run_until(&w, RV_LINK_DOWN);
		write_file("reachable", "");
		run_until(&w, RV_LINK_UP);
		run_probes(&w, 1);
		ck_assert_uint_eq(w.il.transitions, 1);
		ck_assert_uint_eq(w.il.flushes, 0);
		ck_assert_int_eq(w.flushed_events, 0);
		ck_assert_int_eq(lines_of("flushed"), 0);
		watch_stop(&w);
		rv_config_free(cfg);
	}
}
END_TEST

/* rise 2, fall 3 on the loop: one failed probe does not take the link
 * down, three do; two good ones bring it back. */
START_TEST(hysteresis_on_the_loop)
{
	char flag[PATH_MAX];
	struct rv_config *cfg;
	struct watch w;
	uint64_t t0;

	cfg = command_site("rise = 2\nfall = 3\n");
	path_of(flag, "reachable");
	write_file("reachable", "");
	watch_start(&w, cfg, 0);
	run_probes(&w, 1);
	ck_assert_int_eq(w.il.hyst.state, RV_LINK_UNKNOWN);
	run_until(&w, RV_LINK_UP);
	ck_assert_uint_eq(w.il.probes, 2);
	unlink(flag);
	run_probes(&w, 2);
	ck_assert_int_eq(w.il.hyst.state, RV_LINK_UP);
	t0 = w.il.probes;
	run_until(&w, RV_LINK_DOWN);
	ck_assert_uint_eq(w.il.probes - t0, 1);
	ck_assert_uint_eq(w.il.hyst.fail_run, 3);
	write_file("reachable", "");
	run_until(&w, RV_LINK_UP);
	ck_assert_uint_eq(w.il.hyst.ok_run, 2);
	ck_assert_uint_eq(w.il.transitions, 2);
	watch_stop(&w);
	rv_config_free(cfg);
}
END_TEST

/* A flush that fails is reported and logged; the link stays up. */
START_TEST(failed_flush)
{
	char flag[PATH_MAX];
	struct rv_config *cfg;
	struct watch w;

	cfg = command_site("rise = 1\nfall = 1\n");
	path_of(flag, "reachable");
	unlink(flag);
	watch_start(&w, cfg, 1);
	w.il.postqueue = "/bin/false";
	run_until(&w, RV_LINK_DOWN);
	write_file("reachable", "");
	run_until(&w, RV_LINK_UP);
	if (w.flushed_events == 0)
		run_until_flushed(&w);
	ck_assert_str_eq(w.il.flush_result, "failed");
	ck_assert_str_eq(w.il.flush_reason, "postqueue -f exited 1");
	ck_assert_int_eq(w.il.flush_deferred, -1); /* -j failed too */
	ck_assert_int_eq(w.il.hyst.state, RV_LINK_UP);
	watch_stop(&w);
	rv_config_free(cfg);
}
END_TEST

/* Leaving ACTIVE while the flush runs cancels it. */
START_TEST(flush_cancelled_when_no_longer_active)
{
	char flag[PATH_MAX];
	struct rv_config *cfg;
	struct watch w;

	cfg = command_site("rise = 1\nfall = 1\n");
	path_of(flag, "reachable");
	unlink(flag);
	write_file("queue", queue_two);
	watch_start(&w, cfg, 1);
	run_until(&w, RV_LINK_DOWN);
	write_file("reachable", "");
	run_until(&w, RV_LINK_UP);
	ck_assert_uint_eq(w.il.flushes, 1);
	if (w.flushed_events == 0) {
		/* the count (postqueue -j) is under way */
		rv_inner_link_active(&w.il, 0);
		ck_assert_int_eq(w.flushed_events, 1);
		ck_assert_str_eq(w.il.flush_result, "cancelled");
		ck_assert_str_eq(w.il.flush_reason, "this node no longer holds the site");
	}
	ck_assert_ptr_null(w.il.count_child);
	ck_assert_ptr_null(w.il.flush_child);
	run_probes(&w, 1); /* the loop reaps what was killed */
	ck_assert_uint_eq(w.il.flushes, 1);
	watch_stop(&w);
	rv_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ SMTP */

/* A listener on 127.0.0.1 that greets every connection with a banner,
 * answers QUIT, and counts EHLOs in tmpdir/ehlo. */
static int
listen_smtp(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	char path[PATH_MAX];
	int lfd, fd, n;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(lfd, 8), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
	path_of(path, "ehlo");
	listener = fork();
	ck_assert_int_ge(listener, 0);
	if (listener == 0) {
		/* gone with the test, or after 20 s whatever happens */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(20);
		for (;;) {
			char buf[512];
			FILE *f;

			fd = accept(lfd, NULL, NULL);
			if (fd < 0)
				_exit(1);
			if (write(fd, "220 final.test ESMTP\r\n", 22) != 22)
				_exit(1);
			while ((n = (int)read(fd, buf, sizeof(buf) - 1)) > 0) {
				buf[n] = '\0';
				if (strncmp(buf, "EHLO", 4) == 0) {
					f = fopen(path, "a");
					if (f != NULL) {
						fputs("ehlo\n", f);
						fclose(f);
					}
					if (write(fd, "250 final.test\r\n", 16) != 16)
						break;
				} else if (strncmp(buf, "QUIT", 4) == 0) {
					if (write(fd, "221 Bye\r\n", 9) != 9)
						break;
					break;
				}
			}
			close(fd);
		}
	}
	close(lfd);
	return ntohs(a.sin_port);
}

START_TEST(smtp_target)
{
	char body[256];
	struct rv_config *cfg;
	struct watch w;
	json_object *doc;
	int port = listen_smtp();

	/* banner only: up, and no EHLO said */
	snprintf(body, sizeof(body), "target = 127.0.0.1:%d\nrise = 1\nfall = 1\n", port);
	cfg = site(body);
	watch_start(&w, cfg, 0);
	run_until(&w, RV_LINK_UP);
	ck_assert_str_eq(w.il.last_result, "ok");
	ck_assert_int_eq(lines_of("ehlo"), 0);
	doc = rv_inner_link_json(&w.il);
	snprintf(body, sizeof(body), "127.0.0.1:%d", port);
	ck_assert_str_eq(jstr(doc, "target"), body);
	ck_assert_ptr_null(jstr(doc, "command"));
	json_object_put(doc);
	watch_stop(&w);
	rv_config_free(cfg);

	/* with EHLO */
	snprintf(body, sizeof(body), "target = 127.0.0.1:%d\nehlo = yes\nrise = 1\n", port);
	cfg = site(body);
	watch_start(&w, cfg, 0);
	run_until(&w, RV_LINK_UP);
	ck_assert_int_eq(lines_of("ehlo"), 1);
	watch_stop(&w);
	rv_config_free(cfg);

	/* the listener gone: refused, down after fall */
	kill(listener, SIGKILL);
	waitpid(listener, NULL, 0);
	listener = -1;
	snprintf(body, sizeof(body), "target = 127.0.0.1:%d\nfall = 2\n", port);
	cfg = site(body);
	watch_start(&w, cfg, 0);
	run_probes(&w, 1);
	ck_assert_int_eq(w.il.hyst.state, RV_LINK_UNKNOWN);
	ck_assert_str_eq(w.il.last_result, "not-listening");
	ck_assert_ptr_nonnull(strstr(w.il.last_reason, "Connection refused"));
	run_until(&w, RV_LINK_DOWN);
	watch_stop(&w);
	rv_config_free(cfg);
}
END_TEST

/* A probe program that cannot run says nothing about the server: the
 * state stays unknown, the status says why. */
START_TEST(probe_cannot_run)
{
	struct rv_config *cfg;
	struct watch w;

	cfg = site("target = 127.0.0.1:25\nrise = 1\nfall = 1\n");
	watch_init(&w, cfg, 0);
	w.il.probe_path = "/nonexistent/relevo-probe";
	rv_inner_link_start(&w.il);
	run_probes(&w, 2);
	ck_assert_int_eq(w.il.hyst.state, RV_LINK_UNKNOWN);
	ck_assert_str_eq(w.il.last_result, "error");
	ck_assert_str_eq(w.il.last_reason,
			 "cannot run /nonexistent/relevo-probe: No such file or directory");
	watch_stop(&w);
	rv_config_free(cfg);
}
END_TEST

START_TEST(nothing_configured)
{
	struct rv_config *cfg = NULL;
	struct rv_inner_link il;
	char *errs = NULL;

	ck_assert_int_eq(rv_config_load(SRCDIR "/configs/minimal.conf", &cfg, &errs), 0);
	rv_inner_link_init(&il, NULL, cfg, NULL, NULL);
	rv_inner_link_start(&il);  /* nothing to probe: no loop needed */
	rv_inner_link_active(&il, 1);
	ck_assert_ptr_null(rv_inner_link_json(&il));
	rv_inner_link_fini(&il);
	rv_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ rendering */

static const char status_doc[] =
	"{\"schema\": 1, \"site\": \"relay-t\", \"connected\": true, \"holder\": \"n1\","
	" \"nodes\": [], \"resources\": [],"
	" \"mta\": {\"resource\": \"mta\", \"probe\": null, \"queue\": {\"active\": 0,"
	"  \"deferred\": 3, \"hold\": 0, \"incoming\": 0, \"maildrop\": 0,"
	"  \"oldest_deferred_s\": 95, \"ago_ms\": 100}},"
	" \"inner_link\": {\"target\": \"10.99.1.100:2525\", \"command\": null,"
	"  \"state\": \"%s\", \"since\": 1700000000, \"for_ms\": 12000, \"transitions\": 4,"
	"  \"rise\": 2, \"fall\": 3, \"interval_ms\": 5000, \"probes\": 9,"
	"  \"last_probe\": {\"result\": \"not-listening\", \"ok\": false,"
	"   \"reason\": \"connect: Connection refused\", \"latency_ms\": 1, \"ago_ms\": 800},"
	"  \"flush\": {\"enabled\": true, \"count\": 2, \"skipped\": 0, \"last\":"
	"   {\"at\": 1700000000, \"ago_ms\": 60000, \"result\": \"ok\", \"reason\": null,"
	"    \"duration_ms\": 14, \"deferred_before\": 5, \"oldest_deferred_s\": 300}}}}";

static char *
render(const char *state, const char *format)
{
	char doc[sizeof(status_doc) + 16], *out = NULL;
	size_t len = 0;
	json_object *st;
	FILE *f;

	snprintf(doc, sizeof(doc), status_doc, state);
	st = json_tokener_parse(doc);
	ck_assert_ptr_nonnull(st);
	f = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(rv_status_print(f, st, format), 0);
	fclose(f);
	json_object_put(st);
	return out;
}

START_TEST(status_text_and_metrics)
{
	char *t, reasons[256];
	json_object *st;
	char doc[sizeof(status_doc) + 16];

	t = render("down", "text");
	ck_assert_msg(strstr(t, "\nInner link (10.99.1.100:2525): DOWN for 12s, 4 transition(s) "
			     "(rise 2, fall 3)\n"
			     "  last probe: not-listening: connect: Connection refused, 1 ms, "
			     "800 ms ago\n"
			     "  last flush: ok 60s ago, 5 deferred before, took 14 ms\n"
			     "  deferred: 3 message(s), the oldest 95 s old\n") != NULL, "%s", t);
	ck_assert_ptr_nonnull(strstr(t, "DEGRADED"));
	free(t);

	t = render("down", "prometheus");
	ck_assert_ptr_nonnull(strstr(t, "\nrelevo_inner_link_up{site=\"relay-t\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(t, "\nrelevo_inner_link_transitions_total{site=\"relay-t\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(t, "\nrelevo_inner_link_flushes_total{site=\"relay-t\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(t, "\nrelevo_inner_link_probe_seconds{site=\"relay-t\"} 0.001\n"));
	ck_assert_ptr_nonnull(strstr(t, "\nrelevo_mta_oldest_deferred_seconds{site=\"relay-t\"} 95\n"));
	free(t);
	t = render("up", "prometheus");
	ck_assert_ptr_nonnull(strstr(t, "\nrelevo_inner_link_up{site=\"relay-t\"} 1\n"));
	free(t);
	t = render("unknown", "prometheus");
	ck_assert_ptr_null(strstr(t, "relevo_inner_link_up{"));
	free(t);

	/* down is degraded, never critical; up is no reason at all */
	snprintf(doc, sizeof(doc), status_doc, "down");
	st = json_tokener_parse(doc);
	ck_assert_int_eq(rv_status_verdict(st, reasons, sizeof(reasons)), RV_VERDICT_DEGRADED);
	ck_assert_str_eq(reasons, "inner link to 10.99.1.100:2525 down");
	json_object_put(st);
	snprintf(doc, sizeof(doc), status_doc, "up");
	st = json_tokener_parse(doc);
	ck_assert_int_eq(rv_status_verdict(st, reasons, sizeof(reasons)), RV_VERDICT_OK);
	json_object_put(st);
}
END_TEST

static Suite *
innerlink_suite(void)
{
	Suite *s = suite_create("innerlink");
	TCase *pure = tcase_create("hysteresis");
	TCase *loop = tcase_create("loop");
	TCase *out = tcase_create("status");

	tcase_add_test(pure, hysteresis_rise_and_fall);
	tcase_add_test(pure, hysteresis_runs);
	tcase_add_test(pure, nothing_configured);
	suite_add_tcase(s, pure);

	tcase_add_unchecked_fixture(loop, tmpdir_setup, tmpdir_teardown);
	tcase_set_timeout(loop, 120);
	tcase_add_test(loop, command_up_down_up_flushes_once);
	tcase_add_test(loop, no_flush_unless_active_and_asked);
	tcase_add_test(loop, hysteresis_on_the_loop);
	tcase_add_test(loop, failed_flush);
	tcase_add_test(loop, flush_cancelled_when_no_longer_active);
	tcase_add_test(loop, smtp_target);
	tcase_add_test(loop, probe_cannot_run);
	suite_add_tcase(s, loop);

	tcase_add_test(out, status_text_and_metrics);
	suite_add_tcase(s, out);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(innerlink_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
