/*
 * check_child.c — unit tests for agent/daemon/child.c: real children run
 * from a real qb_loop, their exit, output, input, environment, descriptors,
 * timeouts and kills.
 *
 * Every test runs its own loop under a safety timer, so a child module that
 * never calls done fails the test instead of hanging the suite. No test
 * sleeps: waits are loop timers, as in the daemon.
 */
#include "autoconf.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <qb/qbdefs.h>
#include <qb/qbloop.h>

#include "child.h"
#include "loop_harness.h"
#include "util.h"

#define SAFETY_MS 5000
#define harness_init(h) harness_start((h), SAFETY_MS, 0)

struct outcome {
	struct harness *h;
	int calls;
	enum rv_child_status status;
	int exit_code;
	int signo;
	uint64_t duration_ms;
	uint64_t elapsed_ms;         /* from the spawn call to done */
	uint64_t spawned_ms;
	pid_t pid;
	char *out;
	size_t out_len;
	char *err;
	size_t err_len;
	size_t dropped;
};

static char **
vec(const char *first, ...)
{
	char **v = calloc(16, sizeof(*v));
	const char *s;
	va_list ap;
	size_t n = 0;

	ck_assert_ptr_nonnull(v);
	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *)) {
		ck_assert_uint_lt(n, 15);
		v[n] = strdup(s);
		ck_assert_ptr_nonnull(v[n]);
		n++;
	}
	va_end(ap);
	return v;
}

static void
vec_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static char *
copy_bytes(const char *p, size_t n)
{
	char *c = malloc(n + 1);

	ck_assert_ptr_nonnull(c);
	memcpy(c, p, n);
	c[n] = '\0';
	return c;
}

static void
on_done(void *data, const struct rv_child_result *res)
{
	struct outcome *o = data;

	o->calls++;
	o->status = res->status;
	o->exit_code = res->exit_code;
	o->signo = res->signo;
	o->duration_ms = res->duration_ms;
	o->elapsed_ms = rv_now_ms() - o->spawned_ms;
	o->pid = res->pid;
	/* the module promises NUL-terminated buffers */
	ck_assert_int_eq(res->out[res->out_len], '\0');
	ck_assert_int_eq(res->err[res->err_len], '\0');
	free(o->out);
	free(o->err);
	o->out = copy_bytes(res->out, res->out_len);
	o->out_len = res->out_len;
	o->err = copy_bytes(res->err, res->err_len);
	o->err_len = res->err_len;
	o->dropped = res->dropped;
	if (--o->h->pending == 0)
		qb_loop_stop(o->h->loop);
}

static void
outcome_free(struct outcome *o)
{
	free(o->out);
	o->out = NULL;
	free(o->err);
	o->err = NULL;
}

/* Spawn path with argv and envp; the done callback must not have run when
 * rv_child_spawn returns. */
static int
spawn_full(struct harness *h, struct outcome *o, const char *path, char **argv,
	   char **envp, const char *input, size_t input_len, uint64_t timeout_ms,
	   uint64_t grace_ms, struct rv_child **childp)
{
	struct rv_child_spec spec;
	int rc;

	memset(&spec, 0, sizeof(spec));
	spec.path = path;
	spec.argv = argv;
	spec.envp = envp;
	spec.input = input;
	spec.input_len = input_len;
	spec.timeout_ms = timeout_ms;
	spec.kill_grace_ms = grace_ms;
	memset(o, 0, sizeof(*o));
	o->h = h;
	o->spawned_ms = rv_now_ms();
	rc = rv_child_spawn(h->loop, &spec, on_done, o, childp);
	ck_assert_int_eq(o->calls, 0);
	if (rc == 0)
		h->pending++;
	return rc;
}

/* Run one shell command to completion. */
static void
run_sh(struct outcome *o, const char *script, uint64_t timeout_ms, uint64_t grace_ms)
{
	struct harness h;
	char **argv = vec("sh", "-c", script, NULL);
	char **envp = vec("PATH=/usr/bin:/bin", NULL);

	harness_init(&h);
	ck_assert_int_eq(spawn_full(&h, o, "/bin/sh", argv, envp, NULL, 0,
				    timeout_ms, grace_ms, NULL), 0);
	vec_free(argv);
	vec_free(envp);
	harness_run(&h);
	harness_fini(&h);
	ck_assert_int_eq(o->calls, 1);
	ck_assert_uint_eq(rv_child_count(), 0);
}

START_TEST(exit_codes)
{
	static const int codes[] = { 0, 1, 7, 42, 255 };
	struct outcome o;
	char script[64];
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		snprintf(script, sizeof(script), "exit %d", codes[i]);
		run_sh(&o, script, 0, 0);
		ck_assert_int_eq(o.status, RV_CHILD_EXITED);
		ck_assert_int_eq(o.exit_code, codes[i]);
		ck_assert_int_gt(o.pid, 0);
		outcome_free(&o);
	}
}
END_TEST

START_TEST(killed_by_own_signal)
{
	struct outcome o;

	run_sh(&o, "kill -KILL $$", 0, 0);
	ck_assert_int_eq(o.status, RV_CHILD_SIGNALED);
	ck_assert_int_eq(o.signo, SIGKILL);
	outcome_free(&o);
}
END_TEST

START_TEST(stdout_and_stderr_captured)
{
	struct outcome o;

	run_sh(&o, "echo out-line; echo err-line >&2; printf partial; exit 4", 0, 0);
	ck_assert_int_eq(o.status, RV_CHILD_EXITED);
	ck_assert_int_eq(o.exit_code, 4);
	ck_assert_str_eq(o.out, "out-line\npartial");
	ck_assert_uint_eq(o.out_len, strlen("out-line\npartial"));
	ck_assert_str_eq(o.err, "err-line\n");
	ck_assert_uint_eq(o.dropped, 0);
	outcome_free(&o);
}
END_TEST

START_TEST(output_capped_not_hung)
{
	struct outcome o;

	/* 1 MiB on stdout and 100000 bytes on stderr: each kept up to the
	 * cap, the rest counted, and the writer never blocked for good */
	run_sh(&o, "head -c 1048576 /dev/zero; head -c 100000 /dev/zero >&2", 0, 0);
	ck_assert_int_eq(o.status, RV_CHILD_EXITED);
	ck_assert_int_eq(o.exit_code, 0);
	ck_assert_uint_eq(o.out_len, RV_CHILD_OUTPUT_MAX);
	ck_assert_uint_eq(o.err_len, RV_CHILD_OUTPUT_MAX);
	ck_assert_uint_eq(o.dropped, (1048576 - RV_CHILD_OUTPUT_MAX) +
			  (100000 - RV_CHILD_OUTPUT_MAX));
	outcome_free(&o);
}
END_TEST

START_TEST(stdin_delivered)
{
	static const char input[] = "fence-action=off\nport=n2\n";
	struct harness h;
	struct outcome o;
	char **argv = vec("cat", NULL);
	char **envp = vec(NULL);

	harness_init(&h);
	ck_assert_int_eq(spawn_full(&h, &o, "/bin/cat", argv, envp, input,
				    strlen(input), 0, 0, NULL), 0);
	harness_run(&h);
	ck_assert_int_eq(o.status, RV_CHILD_EXITED);
	ck_assert_int_eq(o.exit_code, 0);
	ck_assert_str_eq(o.out, input);
	outcome_free(&o);

	/* no input: /dev/null, cat sees EOF at once */
	ck_assert_int_eq(spawn_full(&h, &o, "/bin/cat", argv, envp, NULL, 0,
				    0, 0, NULL), 0);
	harness_run(&h);
	ck_assert_int_eq(o.exit_code, 0);
	ck_assert_uint_eq(o.out_len, 0);
	outcome_free(&o);
	vec_free(argv);
	vec_free(envp);
	harness_fini(&h);
}
END_TEST

START_TEST(stdin_limit)
{
	struct harness h;
	struct outcome o;
	struct rv_child *c = NULL;
	char **argv = vec("cat", NULL);
	char **envp = vec(NULL);
	char *big = malloc(64 * 1024 + 1);

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 64 * 1024 + 1);
	harness_init(&h);
	/* 64 KiB exactly is accepted and arrives whole */
	ck_assert_int_eq(spawn_full(&h, &o, "/bin/cat", argv, envp, big,
				    64 * 1024, 0, 0, &c), 0);
	ck_assert_ptr_nonnull(c);
	harness_run(&h);
	ck_assert_int_eq(o.exit_code, 0);
	ck_assert_uint_eq(o.out_len, 64 * 1024);
	outcome_free(&o);
	/* one byte more is refused before anything runs */
	ck_assert_int_eq(spawn_full(&h, &o, "/bin/cat", argv, envp, big,
				    64 * 1024 + 1, 0, 0, &c), -E2BIG);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(rv_child_count(), 0);
	free(big);
	vec_free(argv);
	vec_free(envp);
	harness_fini(&h);
}
END_TEST

START_TEST(environment_exactly_as_given)
{
	struct harness h;
	struct outcome o;
	char **argv = vec("env", NULL);
	char **envp = vec("RELEVO_A=1", "RELEVO_B=two words", NULL);

	ck_assert_int_eq(setenv("RELEVO_TEST_LEAK", "must-not-appear", 1), 0);
	harness_init(&h);
	ck_assert_int_eq(spawn_full(&h, &o, "/usr/bin/env", argv, envp, NULL, 0,
				    0, 0, NULL), 0);
	harness_run(&h);
	ck_assert_int_eq(o.exit_code, 0);
	ck_assert_str_eq(o.out, "RELEVO_A=1\nRELEVO_B=two words\n");
	outcome_free(&o);
	vec_free(argv);
	vec_free(envp);
	harness_fini(&h);
	unsetenv("RELEVO_TEST_LEAK");
}
END_TEST

START_TEST(descriptors_not_inherited)
{
	struct outcome o;
	char script[256];
	int fds[2];
	int null_fd;

	/* opened the careless way, without close-on-exec; the listing skips
	 * what is gone when looked at (the glob's own directory handle) */
	ck_assert_int_eq(pipe(fds), 0);
	null_fd = open("/dev/null", O_RDONLY);
	ck_assert_int_ge(null_fd, 0);
	snprintf(script, sizeof(script),
		 "for f in %d %d %d; do [ -e /proc/$$/fd/$f ] && echo \"leaked $f\"; done; "
		 "for f in /proc/$$/fd/*; do [ -e \"$f\" ] && printf '%%s ' \"${f##*/}\"; done; "
		 "true",
		 fds[0], fds[1], null_fd);
	run_sh(&o, script, 0, 0);
	ck_assert_int_eq(o.status, RV_CHILD_EXITED);
	ck_assert_str_eq(o.out, "0 1 2 ");
	outcome_free(&o);
	close(fds[0]);
	close(fds[1]);
	close(null_fd);
}
END_TEST

START_TEST(exec_missing_file)
{
	struct harness h;
	struct outcome o;
	char **argv = vec("missing", NULL);
	char **envp = vec(NULL);

	harness_init(&h);
	ck_assert_int_eq(spawn_full(&h, &o, "/nonexistent/relevo-missing", argv,
				    envp, NULL, 0, 0, 0, NULL), 0);
	harness_run(&h);
	ck_assert_int_eq(o.calls, 1);
	ck_assert_int_eq(o.status, RV_CHILD_EXEC_FAILED);
	ck_assert_int_eq(o.exit_code, ENOENT);
	outcome_free(&o);

	/* a file that is not executable: EACCES, same path through done */
	ck_assert_int_eq(spawn_full(&h, &o, SRCDIR "/check_child.c", argv,
				    envp, NULL, 0, 0, 0, NULL), 0);
	harness_run(&h);
	ck_assert_int_eq(o.status, RV_CHILD_EXEC_FAILED);
	ck_assert_int_eq(o.exit_code, EACCES);
	outcome_free(&o);
	vec_free(argv);
	vec_free(envp);
	harness_fini(&h);
	ck_assert_uint_eq(rv_child_count(), 0);
}
END_TEST

START_TEST(bad_spec_refused)
{
	struct harness h;
	struct outcome o;
	struct rv_child *c = (struct rv_child *)&o; /* must be cleared */
	char **argv = vec("x", NULL);
	char **envp = vec(NULL);

	harness_init(&h);
	ck_assert_int_eq(spawn_full(&h, &o, NULL, argv, envp, NULL, 0, 0, 0, &c),
			 -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(spawn_full(&h, &o, "/bin/true", NULL, envp, NULL, 0, 0, 0,
				    NULL), -EINVAL);
	ck_assert_int_eq(spawn_full(&h, &o, "/bin/true", argv, NULL, NULL, 0, 0, 0,
				    NULL), -EINVAL);
	ck_assert_uint_eq(rv_child_count(), 0);
	vec_free(argv);
	vec_free(envp);
	harness_fini(&h);
}
END_TEST

START_TEST(timeout_terminates)
{
	struct harness h;
	struct outcome o;
	char **argv = vec("sleep", "60", NULL);
	char **envp = vec(NULL);

	harness_init(&h);
	ck_assert_int_eq(spawn_full(&h, &o, "/bin/sleep", argv, envp, NULL, 0,
				    300, 0, NULL), 0);
	harness_run(&h);
	ck_assert_int_eq(o.status, RV_CHILD_TIMEOUT);
	ck_assert_uint_ge(o.elapsed_ms, 300);
	ck_assert_uint_lt(o.elapsed_ms, 300 + 500); /* SIGTERM did it, no grace */
	outcome_free(&o);
	vec_free(argv);
	vec_free(envp);
	harness_fini(&h);
}
END_TEST

START_TEST(sigterm_ignored_then_sigkill)
{
	struct outcome o;

	/* sh and its sleep both ignore SIGTERM (the disposition survives
	 * exec); only the SIGKILL after the grace ends them. The timeout
	 * leaves sh time to set its trap, even under valgrind. */
	run_sh(&o, "trap '' TERM; sleep 60; echo not-reached", 500, 400);
	ck_assert_int_eq(o.status, RV_CHILD_TIMEOUT);
	ck_assert_uint_ge(o.elapsed_ms, 500 + 400);
	ck_assert_uint_lt(o.elapsed_ms, 500 + 400 + 500);
	ck_assert_str_eq(o.out, "");
	outcome_free(&o);
}
END_TEST

START_TEST(signals_reset_in_child)
{
	struct sigaction ign, old_term;
	sigset_t block, old_mask;
	struct outcome o;

	/* the daemon's own dispositions and mask must not reach the child:
	 * an ignored or blocked SIGTERM here would turn the timeout into a
	 * wait for the grace */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	ck_assert_int_eq(sigaction(SIGTERM, &ign, &old_term), 0);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &block, &old_mask), 0);

	run_sh(&o, "exec sleep 60", 200, 5000);
	ck_assert_int_eq(o.status, RV_CHILD_TIMEOUT);
	ck_assert_uint_lt(o.elapsed_ms, 200 + 1000);
	outcome_free(&o);

	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGTERM, &old_term, NULL);
}
END_TEST

START_TEST(grandchild_holding_pipes)
{
	struct outcome o;

	/* the grandchild keeps stdout and stderr open for 30 s; done must
	 * come shortly after the child's own exit, with what it wrote */
	run_sh(&o, "sleep 30 & echo started; exit 3", 0, 0);
	ck_assert_int_eq(o.status, RV_CHILD_EXITED);
	ck_assert_int_eq(o.exit_code, 3);
	ck_assert_str_eq(o.out, "started\n");
	ck_assert_uint_lt(o.elapsed_ms, 1000);
	/* the sleep is in the child's process group: end it */
	ck_assert_int_eq(kill(-o.pid, SIGKILL), 0);
	outcome_free(&o);
}
END_TEST

static void
stop_loop(void *data)
{
	qb_loop_stop(data);
}

START_TEST(cancel_kills_without_done)
{
	struct harness h;
	struct outcome o;
	struct rv_child *c = NULL;
	qb_loop_timer_handle th;
	char **argv = vec("sleep", "60", NULL);
	char **envp = vec(NULL);

	harness_init(&h);
	/* cancelled at once, before the loop ever ran */
	ck_assert_int_eq(spawn_full(&h, &o, "/bin/sleep", argv, envp, NULL, 0,
				    10000, 0, &c), 0);
	ck_assert_uint_eq(rv_child_count(), 1);
	rv_child_cancel(c);
	rv_child_cancel(NULL);
	h.pending--;
	ck_assert_int_eq(qb_loop_timer_add(h.loop, QB_LOOP_LOW,
					   300 * QB_TIME_NS_IN_MSEC, h.loop,
					   stop_loop, &th), 0);
	qb_loop_run(h.loop);
	ck_assert_int_eq(o.calls, 0);
	ck_assert_uint_eq(rv_child_count(), 0); /* killed and reaped */

	/* cancelled while the loop watches it */
	ck_assert_int_eq(spawn_full(&h, &o, "/bin/sleep", argv, envp, NULL, 0,
				    10000, 0, &c), 0);
	ck_assert_int_eq(qb_loop_timer_add(h.loop, QB_LOOP_LOW,
					   100 * QB_TIME_NS_IN_MSEC, h.loop,
					   stop_loop, &th), 0);
	qb_loop_run(h.loop);
	ck_assert_uint_eq(rv_child_count(), 1);
	rv_child_cancel(c);
	h.pending--;
	ck_assert_int_eq(qb_loop_timer_add(h.loop, QB_LOOP_LOW,
					   300 * QB_TIME_NS_IN_MSEC, h.loop,
					   stop_loop, &th), 0);
	qb_loop_run(h.loop);
	ck_assert_int_eq(o.calls, 0);
	ck_assert_uint_eq(rv_child_count(), 0);
	vec_free(argv);
	vec_free(envp);
	harness_fini(&h);
}
END_TEST

START_TEST(two_children_at_once)
{
	struct harness h;
	struct outcome a, b;
	char **argv_a = vec("sh", "-c", "sleep 0.2; echo a; exit 5", NULL);
	char **argv_b = vec("sh", "-c", "echo b >&2; exit 6", NULL);
	char **envp = vec("PATH=/usr/bin:/bin", NULL);

	harness_init(&h);
	ck_assert_uint_eq(rv_child_count(), 0);
	ck_assert_int_eq(spawn_full(&h, &a, "/bin/sh", argv_a, envp, NULL, 0,
				    2000, 0, NULL), 0);
	ck_assert_int_eq(spawn_full(&h, &b, "/bin/sh", argv_b, envp, NULL, 0,
				    2000, 0, NULL), 0);
	ck_assert_uint_eq(rv_child_count(), 2);
	harness_run(&h);
	ck_assert_int_eq(a.calls, 1);
	ck_assert_int_eq(b.calls, 1);
	ck_assert_int_ne(a.pid, b.pid);
	ck_assert_int_eq(a.exit_code, 5);
	ck_assert_str_eq(a.out, "a\n");
	ck_assert_str_eq(a.err, "");
	ck_assert_int_eq(b.exit_code, 6);
	ck_assert_str_eq(b.out, "");
	ck_assert_str_eq(b.err, "b\n");
	ck_assert_uint_ge(a.duration_ms, 200);
	ck_assert_uint_eq(rv_child_count(), 0);
	outcome_free(&a);
	outcome_free(&b);
	vec_free(argv_a);
	vec_free(argv_b);
	vec_free(envp);
	harness_fini(&h);
}
END_TEST

static Suite *
child_suite(void)
{
	Suite *s = suite_create("child");
	TCase *run = tcase_create("run");
	TCase *kill_tc = tcase_create("kill");

	tcase_add_test(run, exit_codes);
	tcase_add_test(run, killed_by_own_signal);
	tcase_add_test(run, stdout_and_stderr_captured);
	tcase_add_test(run, output_capped_not_hung);
	tcase_add_test(run, stdin_delivered);
	tcase_add_test(run, stdin_limit);
	tcase_add_test(run, environment_exactly_as_given);
	tcase_add_test(run, descriptors_not_inherited);
	tcase_add_test(run, exec_missing_file);
	tcase_add_test(run, bad_spec_refused);
	tcase_add_test(run, two_children_at_once);
	suite_add_tcase(s, run);

	tcase_add_test(kill_tc, timeout_terminates);
	tcase_add_test(kill_tc, sigterm_ignored_then_sigkill);
	tcase_add_test(kill_tc, signals_reset_in_child);
	tcase_add_test(kill_tc, grandchild_holding_pipes);
	tcase_add_test(kill_tc, cancel_kills_without_done);
	tcase_set_timeout(kill_tc, 10);
	suite_add_tcase(s, kill_tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(child_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
