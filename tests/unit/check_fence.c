/*
 * check_fence.c — unit tests for fence/runner.c and fence/history.c: fence
 * agents run from a real qb_loop, the test agent tests/unit/fence-agents/
 * fence_test (which records its stdin and exits as its options say) and the
 * real fence_dummy of fence-agents.
 *
 * Every test runs its own loop under a safety timer; no test sleeps.
 */
#include "autoconf.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <qb/qbdefs.h>
#include <qb/qbloop.h>

#include "child.h"
#include "loop_harness.h"
#include "history.h"
#include "runner.h"
#include "util.h"

#define SAFETY_MS 15000
#define harness_init(h) harness_start((h), SAFETY_MS, 1)
#define AGENT SRCDIR "/fence-agents/fence_test"
#define FENCE_DUMMY "/usr/sbin/fence_dummy"
#define MAX_OPTS 8
#define MAX_ATTEMPTS 8

static void
stop_loop(void *data)
{
	qb_loop_stop(data);
}

/* Run the loop for ms (to let a killed child be reaped). */
static void
spin(struct harness *h, unsigned ms)
{
	qb_loop_timer_handle th;

	ck_assert_int_eq(qb_loop_timer_add(h->loop, QB_LOOP_LOW, ms * QB_TIME_NS_IN_MSEC,
					   h->loop, stop_loop, &th), 0);
	qb_loop_run(h->loop);
}

/* ------------------------------------------------------------ fixtures */

/* A directory of its own for each test's records and states. */
struct tmp {
	char dir[64];
};

static void
tmp_init(struct tmp *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/relevo-check-fence-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
}

/* The path of name in the directory; valid until the 8th call after. */
static const char *
tmp_path(struct tmp *t, const char *name)
{
	static char paths[8][128];
	static unsigned next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", t->dir, name);
	return p;
}

static void
tmp_fini(struct tmp *t)
{
	DIR *d = opendir(t->dir);
	struct dirent *de;
	char p[512];

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", t->dir, de->d_name);
		ck_assert_int_eq(unlink(p), 0);
	}
	closedir(d);
	ck_assert_int_eq(rmdir(t->dir), 0);
}

/* The whole file, or "" when it does not exist; the caller frees it. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	size_t n = 0;
	ssize_t len;

	if (f == NULL)
		return strdup("");
	len = getdelim(&s, &n, '\0', f);
	fclose(f);
	if (len < 0) {
		free(s);
		return strdup("");
	}
	return s;
}

static void
assert_file_is(const char *path, const char *want)
{
	char *got = slurp(path);

	ck_assert_ptr_nonnull(got);
	ck_assert_msg(strcmp(got, want) == 0, "%s:\n--- got\n%s--- want\n%s---", path, got, want);
	free(got);
}

struct opts {
	struct rv_param p[MAX_OPTS];
	char names[MAX_OPTS][32];
	char values[MAX_OPTS][160];
	size_t n;
};

static void
opt(struct opts *o, const char *name, const char *value)
{
	ck_assert_uint_lt(o->n, MAX_OPTS);
	snprintf(o->names[o->n], sizeof(o->names[0]), "%s", name);
	snprintf(o->values[o->n], sizeof(o->values[0]), "%s", value);
	o->p[o->n].name = o->names[o->n];
	o->p[o->n].value = o->values[o->n];
	o->n++;
}

/* ------------------------------------------------------------ one call */

struct call {
	struct harness *h;
	int calls;
	enum rv_fence_action action;
	enum rv_fence_rc rc;
	int raw_exit;
	int exec_errno;
	char message[RV_FENCE_MSG_MAX];
	char *output;
	uint64_t started_ms;
	uint64_t elapsed_ms;
};

static void
on_call_done(void *data, const struct rv_fence_result *res)
{
	struct call *c = data;

	c->calls++;
	c->action = res->action;
	c->rc = res->rc;
	c->raw_exit = res->raw_exit;
	c->exec_errno = res->exec_errno;
	memcpy(c->message, res->message, sizeof(c->message));
	free(c->output);
	c->output = strdup(res->output);
	ck_assert_ptr_nonnull(c->output);
	c->elapsed_ms = rv_now_ms() - c->started_ms;
	if (--c->h->pending == 0)
		qb_loop_stop(c->h->loop);
}

static void
call_free(struct call *c)
{
	free(c->output);
	c->output = NULL;
}

static void
req_init(struct rv_fence_request *r, const char *agent, const struct opts *o,
	 const char *target, enum rv_fence_action action)
{
	memset(r, 0, sizeof(*r));
	r->agent = agent;
	r->options = o != NULL ? o->p : NULL;
	r->n_options = o != NULL ? o->n : 0;
	r->target = target;
	r->action = action;
	r->timeout_ms = 5000;
}

static int
call_start(struct harness *h, struct call *c, const struct rv_fence_request *r,
	   struct rv_fence_call **cp)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->h = h;
	c->started_ms = rv_now_ms();
	rc = rv_fence_run(h->loop, r, on_call_done, c, cp);
	ck_assert_int_eq(c->calls, 0);
	if (rc == 0)
		h->pending++;
	return rc;
}

static void
call_one(struct call *c, const struct rv_fence_request *r)
{
	struct harness h;

	harness_init(&h);
	ck_assert_int_eq(call_start(&h, c, r, NULL), 0);
	harness_run(&h);
	harness_fini(&h);
	ck_assert_int_eq(c->calls, 1);
}

/* ------------------------------------------------------------ fencing */

struct peer {
	struct harness *h;
	int calls;
	int fenced;
	char method[64];
	char target[64];
	uint64_t duration_ms;
	size_t n_attempts;
	struct rv_fence_event attempts[MAX_ATTEMPTS];
};

static void
on_peer_done(void *data, const struct rv_fence_peer_result *res)
{
	struct peer *p = data;

	p->calls++;
	p->fenced = res->fenced;
	snprintf(p->method, sizeof(p->method), "%s", res->method != NULL ? res->method : "");
	snprintf(p->target, sizeof(p->target), "%s", res->target);
	p->duration_ms = res->duration_ms;
	ck_assert_uint_le(res->n_attempts, MAX_ATTEMPTS);
	p->n_attempts = res->n_attempts;
	memcpy(p->attempts, res->attempts, res->n_attempts * sizeof(res->attempts[0]));
	if (--p->h->pending == 0)
		qb_loop_stop(p->h->loop);
}

static void
method_init(struct rv_fence_method *m, const char *name, const struct opts *o)
{
	memset(m, 0, sizeof(*m));
	m->name = name;
	m->agent = AGENT;
	m->options = o->p;
	m->n_options = o->n;
	m->timeout_ms = 5000;
}

static void
peer_one(struct peer *p, struct rv_fence_history *hist,
	 const struct rv_fence_method *m, size_t n)
{
	struct rv_fence_peer_request r = { "n2", "peer lost", m, n };
	struct harness h;

	harness_init(&h);
	memset(p, 0, sizeof(*p));
	p->h = &h;
	ck_assert_int_eq(rv_fence_peer(h.loop, hist, &r, on_peer_done, p, NULL), 0);
	ck_assert_int_eq(p->calls, 0);
	h.pending++;
	harness_run(&h);
	harness_fini(&h);
	ck_assert_int_eq(p->calls, 1);
}

/* ------------------------------------------------------------ tests: one call */

START_TEST(stdin_format)
{
	struct tmp t;
	struct opts o = { .n = 0 };
	struct rv_fence_request r;
	struct call c;
	char want[512];
	const char *rec;

	tmp_init(&t);
	rec = tmp_path(&t, "record");
	opt(&o, "record", rec);
	opt(&o, "ipaddr", "192.0.2.7");
	opt(&o, "login", "admin");
	opt(&o, "passwd", "s3cret with spaces = and more");
	opt(&o, "plug", "n2");
	req_init(&r, AGENT, &o, "n2", RV_FENCE_ACTION_OFF);
	call_one(&c, &r);
	ck_assert_int_eq(c.rc, RV_FENCE_RC_DONE);
	snprintf(want, sizeof(want),
		 "record=%s\nipaddr=192.0.2.7\nlogin=admin\n"
		 "passwd=s3cret with spaces = and more\nplug=n2\nnodename=n2\naction=off\n", rec);
	assert_file_is(rec, want);
	call_free(&c);

	/* an option named nodename wins over the target; no target, no
	 * nodename line */
	ck_assert_int_eq(unlink(rec), 0);
	opt(&o, "nodename", "node-two.example");
	req_init(&r, AGENT, &o, "n2", RV_FENCE_ACTION_STATUS);
	call_one(&c, &r);
	call_free(&c);
	o.n--;
	req_init(&r, AGENT, &o, NULL, RV_FENCE_ACTION_MONITOR);
	call_one(&c, &r);
	call_free(&c);
	snprintf(want, sizeof(want),
		 "record=%s\nipaddr=192.0.2.7\nlogin=admin\n"
		 "passwd=s3cret with spaces = and more\nplug=n2\nnodename=node-two.example\n"
		 "action=status\n"
		 "record=%s\nipaddr=192.0.2.7\nlogin=admin\n"
		 "passwd=s3cret with spaces = and more\nplug=n2\naction=monitor\n", rec, rec);
	assert_file_is(rec, want);
	tmp_fini(&t);
}
END_TEST

START_TEST(nothing_on_the_command_line)
{
	struct tmp t;
	struct opts o = { .n = 0 };
	struct rv_fence_request r;
	struct call c;
	char *args;

	tmp_init(&t);
	opt(&o, "args", tmp_path(&t, "args"));
	opt(&o, "passwd", "s3cret");
	setenv("RELEVO_TEST_LEAK", "leaked", 1);
	req_init(&r, AGENT, &o, "n2", RV_FENCE_ACTION_STATUS);
	call_one(&c, &r);
	unsetenv("RELEVO_TEST_LEAK");
	ck_assert_int_eq(c.rc, RV_FENCE_RC_ON);
	args = slurp(tmp_path(&t, "args"));
	ck_assert_msg(strncmp(args, "0\n", 2) == 0, "arguments given: %s", args);
	ck_assert_ptr_nonnull(strstr(args, "\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\n"));
	ck_assert_ptr_null(strstr(args, "RELEVO_TEST_LEAK"));
	ck_assert_ptr_null(strstr(args, "s3cret"));
	free(args);
	call_free(&c);
	tmp_fini(&t);
}
END_TEST

START_TEST(exit_codes_mapped)
{
	static const struct {
		enum rv_fence_action action;
		const char *opt;
		const char *code;
		enum rv_fence_rc rc;
	} cases[] = {
		{ RV_FENCE_ACTION_OFF, "off_rc", "0", RV_FENCE_RC_DONE },
		{ RV_FENCE_ACTION_OFF, "off_rc", "1", RV_FENCE_RC_ERROR },
		{ RV_FENCE_ACTION_OFF, "off_rc", "2", RV_FENCE_RC_ERROR },
		{ RV_FENCE_ACTION_OFF, "off_rc", "7", RV_FENCE_RC_ERROR },
		{ RV_FENCE_ACTION_ON, "on_rc", "0", RV_FENCE_RC_DONE },
		{ RV_FENCE_ACTION_ON, "on_rc", "1", RV_FENCE_RC_ERROR },
		{ RV_FENCE_ACTION_REBOOT, "reboot_rc", "0", RV_FENCE_RC_DONE },
		{ RV_FENCE_ACTION_REBOOT, "reboot_rc", "1", RV_FENCE_RC_ERROR },
		{ RV_FENCE_ACTION_STATUS, "status_rc", "0", RV_FENCE_RC_ON },
		{ RV_FENCE_ACTION_STATUS, "status_rc", "1", RV_FENCE_RC_ERROR },
		{ RV_FENCE_ACTION_STATUS, "status_rc", "2", RV_FENCE_RC_OFF },
		{ RV_FENCE_ACTION_STATUS, "status_rc", "3", RV_FENCE_RC_ERROR },
		{ RV_FENCE_ACTION_MONITOR, "monitor_rc", "0", RV_FENCE_RC_DONE },
		{ RV_FENCE_ACTION_MONITOR, "monitor_rc", "1", RV_FENCE_RC_ERROR },
		{ RV_FENCE_ACTION_MONITOR, "monitor_rc", "2", RV_FENCE_RC_OFF },
		{ RV_FENCE_ACTION_LIST, "unused", "", RV_FENCE_RC_DONE },
	};
	enum { N = sizeof(cases) / sizeof(cases[0]) };
	struct harness h;
	struct call c[N];
	struct opts o[N];
	struct rv_fence_request r;
	size_t i;

	/* all at once, in one loop: each gets its own answer */
	harness_init(&h);
	for (i = 0; i < N; i++) {
		o[i].n = 0;
		opt(&o[i], cases[i].opt, cases[i].code);
		req_init(&r, AGENT, &o[i], "n2", cases[i].action);
		ck_assert_int_eq(call_start(&h, &c[i], &r, NULL), 0);
	}
	harness_run(&h);
	harness_fini(&h);
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(c[i].calls, 1);
		ck_assert_msg(c[i].rc == cases[i].rc, "%s exit %s: got %s, want %s",
			      rv_fence_action_name(cases[i].action), cases[i].code,
			      rv_fence_rc_name(c[i].rc), rv_fence_rc_name(cases[i].rc));
		ck_assert_int_eq(c[i].action, cases[i].action);
		ck_assert_int_eq(c[i].raw_exit, cases[i].code[0] != '\0' ? atoi(cases[i].code) : 0);
		call_free(&c[i]);
	}

	/* the table itself, and the names */
	ck_assert_int_eq(rv_fence_map_exit(RV_FENCE_ACTION_STATUS, 2), RV_FENCE_RC_OFF);
	ck_assert_int_eq(rv_fence_map_exit(RV_FENCE_ACTION_OFF, 2), RV_FENCE_RC_ERROR);
	ck_assert_int_eq(rv_fence_map_exit(RV_FENCE_ACTION_METADATA, 0), RV_FENCE_RC_DONE);
	ck_assert_str_eq(rv_fence_action_name(RV_FENCE_ACTION_REBOOT), "reboot");
	ck_assert_str_eq(rv_fence_action_name(RV_FENCE_ACTION_METADATA), "metadata");
	ck_assert_str_eq(rv_fence_action_name((enum rv_fence_action)99), "unknown");
	ck_assert_str_eq(rv_fence_rc_name(RV_FENCE_RC_OFF), "off");
	ck_assert_str_eq(rv_fence_rc_name(RV_FENCE_RC_TIMEOUT), "timeout");
}
END_TEST

START_TEST(message_and_output)
{
	struct opts o = { .n = 0 };
	struct rv_fence_request r;
	struct call c;

	/* the last line of stderr, made printable */
	opt(&o, "off_rc", "1");
	opt(&o, "say", "  Unable to connect\tto 192.0.2.7  ");
	req_init(&r, AGENT, &o, "n2", RV_FENCE_ACTION_OFF);
	call_one(&c, &r);
	ck_assert_int_eq(c.rc, RV_FENCE_RC_ERROR);
	ck_assert_str_eq(c.message, "Unable to connect?to 192.0.2.7");
	call_free(&c);

	/* nothing on stderr: the last line of stdout */
	o.n = 0;
	req_init(&r, AGENT, &o, "n2", RV_FENCE_ACTION_STATUS);
	call_one(&c, &r);
	ck_assert_int_eq(c.rc, RV_FENCE_RC_ON);
	ck_assert_str_eq(c.message, "Status: ON");
	call_free(&c);

	/* list and metadata give their output */
	req_init(&r, AGENT, &o, NULL, RV_FENCE_ACTION_LIST);
	call_one(&c, &r);
	ck_assert_str_eq(c.output, "n1,\nn2,\n");
	call_free(&c);
	req_init(&r, AGENT, &o, NULL, RV_FENCE_ACTION_METADATA);
	call_one(&c, &r);
	ck_assert_int_eq(c.rc, RV_FENCE_RC_DONE);
	ck_assert_ptr_nonnull(strstr(c.output, "<resource-agent name=\"fence_test\""));
	call_free(&c);
}
END_TEST

START_TEST(hanging_agent_times_out)
{
	struct opts o = { .n = 0 };
	struct rv_fence_request r;
	struct call c;

	opt(&o, "hang", "off");
	req_init(&r, AGENT, &o, "n2", RV_FENCE_ACTION_OFF);
	r.timeout_ms = 300;
	call_one(&c, &r);
	ck_assert_int_eq(c.rc, RV_FENCE_RC_TIMEOUT);
	ck_assert_int_eq(c.raw_exit, -1);
	ck_assert_uint_ge(c.elapsed_ms, 300);
	ck_assert_uint_lt(c.elapsed_ms, 300 + 700);
	call_free(&c);
}
END_TEST

START_TEST(agent_not_installed)
{
	struct rv_fence_request r;
	struct call c;

	req_init(&r, SRCDIR "/fence-agents/fence_absent", NULL, "n2", RV_FENCE_ACTION_OFF);
	call_one(&c, &r);
	ck_assert_int_eq(c.rc, RV_FENCE_RC_NOT_INSTALLED);
	ck_assert_int_eq(c.exec_errno, ENOENT);
	call_free(&c);
	/* a directory is not a program either */
	req_init(&r, SRCDIR "/fence-agents", NULL, "n2", RV_FENCE_ACTION_OFF);
	call_one(&c, &r);
	ck_assert_int_eq(c.rc, RV_FENCE_RC_NOT_INSTALLED);
	ck_assert_int_eq(c.exec_errno, EACCES);
	call_free(&c);
}
END_TEST

START_TEST(bad_requests_refused)
{
	static const struct {
		const char *name;
		const char *value;
	} bad[] = {
		{ "action", "on" },        /* the action is the request's */
		{ "option", "on" },        /* and so is its old name */
		{ "ip=addr", "x" },
		{ "ip addr", "x" },
		{ "", "x" },
		{ "#comment", "x" },
		{ "passwd", "two\nlines" },
		{ "passwd", "cr\r" },
		{ "multi\nline", "x" },
	};
	struct harness h;
	struct call c;
	struct opts o;
	struct rv_fence_request r;
	struct rv_fence_call *fc = (void *)&c; /* must be reset */
	size_t i;

	harness_init(&h);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.n = 0;
		opt(&o, "ipaddr", "192.0.2.7");
		opt(&o, bad[i].name, bad[i].value);
		req_init(&r, AGENT, &o, "n2", RV_FENCE_ACTION_OFF);
		ck_assert_msg(call_start(&h, &c, &r, &fc) == -EINVAL, "option %zu accepted", i);
		ck_assert_ptr_null(fc);
	}
	o.n = 0;
	req_init(&r, "fence_test", &o, "n2", RV_FENCE_ACTION_OFF);
	ck_assert_int_eq(call_start(&h, &c, &r, NULL), -EINVAL);
	req_init(&r, NULL, &o, "n2", RV_FENCE_ACTION_OFF);
	ck_assert_int_eq(call_start(&h, &c, &r, NULL), -EINVAL);
	req_init(&r, AGENT, &o, "n2", RV_FENCE_ACTION_OFF);
	r.timeout_ms = 0;
	ck_assert_int_eq(call_start(&h, &c, &r, NULL), -EINVAL);
	req_init(&r, AGENT, &o, "n2\naction=on", RV_FENCE_ACTION_OFF);
	ck_assert_int_eq(call_start(&h, &c, &r, NULL), -EINVAL);
	req_init(&r, AGENT, &o, "", RV_FENCE_ACTION_OFF);
	ck_assert_int_eq(call_start(&h, &c, &r, NULL), -EINVAL);
	req_init(&r, AGENT, &o, "n2", (enum rv_fence_action)42);
	ck_assert_int_eq(call_start(&h, &c, &r, NULL), -EINVAL);
	ck_assert_int_eq(rv_fence_run(h.loop, NULL, on_call_done, &c, NULL), -EINVAL);
	ck_assert_uint_eq(rv_child_count(), 0);
	harness_fini(&h);
}
END_TEST

START_TEST(cancel_call)
{
	struct harness h;
	struct opts o = { .n = 0 };
	struct rv_fence_request r;
	struct rv_fence_call *fc = NULL;
	struct call c;

	harness_init(&h);
	opt(&o, "hang", "off");
	req_init(&r, AGENT, &o, "n2", RV_FENCE_ACTION_OFF);
	ck_assert_int_eq(call_start(&h, &c, &r, &fc), 0);
	ck_assert_ptr_nonnull(fc);
	spin(&h, 100);
	rv_fence_cancel(fc);
	rv_fence_cancel(NULL);
	h.pending--;
	spin(&h, 300);
	ck_assert_int_eq(c.calls, 0);
	harness_fini(&h); /* and no child left */
}
END_TEST

/* ------------------------------------------------------------ tests: levels */

START_TEST(off_confirmed_by_status)
{
	struct tmp t;
	struct opts o = { .n = 0 };
	struct rv_fence_method m;
	struct rv_fence_history hist;
	struct peer p;
	char want[512];
	const char *rec, *state;

	memset(&hist, 0, sizeof(hist));
	tmp_init(&t);
	rec = tmp_path(&t, "record");
	state = tmp_path(&t, "state");
	opt(&o, "record", rec);
	opt(&o, "state", state);
	opt(&o, "plug", "2");
	method_init(&m, "pdu", &o);
	peer_one(&p, &hist, &m, 1);
	ck_assert_int_eq(p.fenced, 1);
	ck_assert_str_eq(p.method, "pdu");
	ck_assert_str_eq(p.target, "n2");
	ck_assert_uint_eq(p.n_attempts, 1);
	ck_assert_int_eq(p.attempts[0].outcome, RV_FENCE_CONFIRMED);
	ck_assert_int_eq(p.attempts[0].action_rc, RV_FENCE_RC_DONE);
	ck_assert_int_eq(p.attempts[0].status_run, 1);
	ck_assert_int_eq(p.attempts[0].status_rc, RV_FENCE_RC_OFF);
	ck_assert_str_eq(p.attempts[0].detail, "off, confirmed by status: Status: OFF");
	/* off, then status, each with every option */
	snprintf(want, sizeof(want),
		 "record=%s\nstate=%s\nplug=2\nnodename=n2\naction=off\n"
		 "record=%s\nstate=%s\nplug=2\nnodename=n2\naction=status\n",
		 rec, state, rec, state);
	assert_file_is(rec, want);
	assert_file_is(state, "off\n");
	ck_assert_uint_eq(rv_fence_history_count(&hist), 1);
	ck_assert_int_eq(rv_fence_history_get(&hist, 0)->outcome, RV_FENCE_CONFIRMED);
	tmp_fini(&t);
}
END_TEST

START_TEST(status_still_on_is_a_failure)
{
	struct opts o = { .n = 0 };
	struct rv_fence_method m;
	struct peer p;

	/* off says done, but the target is still on */
	opt(&o, "status_rc", "0");
	method_init(&m, "liar", &o);
	peer_one(&p, NULL, &m, 1);
	ck_assert_int_eq(p.fenced, 0);
	ck_assert_str_eq(p.method, "");
	ck_assert_uint_eq(p.n_attempts, 1);
	ck_assert_int_eq(p.attempts[0].outcome, RV_FENCE_UNCONFIRMED);
	ck_assert_int_eq(p.attempts[0].action_rc, RV_FENCE_RC_DONE);
	ck_assert_int_eq(p.attempts[0].status_rc, RV_FENCE_RC_ON);
	ck_assert_ptr_nonnull(strstr(p.attempts[0].detail, "status still says on"));

	/* a status that fails confirms nothing either */
	o.n = 0;
	opt(&o, "status_rc", "1");
	opt(&o, "say", "device unreachable");
	method_init(&m, "mute", &o);
	peer_one(&p, NULL, &m, 1);
	ck_assert_int_eq(p.fenced, 0);
	ck_assert_int_eq(p.attempts[0].outcome, RV_FENCE_UNCONFIRMED);
	ck_assert_int_eq(p.attempts[0].status_rc, RV_FENCE_RC_ERROR);
	ck_assert_str_eq(p.attempts[0].detail,
			 "off done, but not confirmed: status exit 1: device unreachable");
}
END_TEST

START_TEST(levels_fall_through)
{
	struct tmp t;
	struct opts o1 = { .n = 0 }, o2 = { .n = 0 }, o3 = { .n = 0 };
	struct rv_fence_method m[3];
	struct rv_fence_history hist;
	struct peer p;
	char want[512];
	const char *rec1, *rec2, *rec3;

	memset(&hist, 0, sizeof(hist));
	tmp_init(&t);
	rec1 = tmp_path(&t, "record1");
	rec2 = tmp_path(&t, "record2");
	rec3 = tmp_path(&t, "record3");
	opt(&o1, "record", rec1);
	opt(&o1, "off_rc", "1");
	opt(&o1, "say", "Unable to connect/login to fencing device");
	opt(&o2, "record", rec2);
	opt(&o2, "state", tmp_path(&t, "state"));
	opt(&o3, "record", rec3);
	method_init(&m[0], "ipmi", &o1);
	method_init(&m[1], "pdu", &o2);
	method_init(&m[2], "never", &o3);
	peer_one(&p, &hist, m, 3);
	ck_assert_int_eq(p.fenced, 1);
	ck_assert_str_eq(p.method, "pdu");
	ck_assert_uint_eq(p.n_attempts, 2);
	ck_assert_str_eq(p.attempts[0].method, "ipmi");
	ck_assert_int_eq(p.attempts[0].outcome, RV_FENCE_FAILED);
	ck_assert_int_eq(p.attempts[0].action_rc, RV_FENCE_RC_ERROR);
	ck_assert_int_eq(p.attempts[0].status_run, 0);
	ck_assert_str_eq(p.attempts[0].detail,
			 "off exit 1: Unable to connect/login to fencing device");
	ck_assert_str_eq(p.attempts[1].method, "pdu");
	ck_assert_int_eq(p.attempts[1].outcome, RV_FENCE_CONFIRMED);
	/* the failed method got off only, the next off and status, the
	 * third nothing */
	snprintf(want, sizeof(want), "record=%s\noff_rc=1\n"
		 "say=Unable to connect/login to fencing device\nnodename=n2\naction=off\n", rec1);
	assert_file_is(rec1, want);
	assert_file_is(rec3, "");
	ck_assert_uint_eq(rv_fence_history_count(&hist), 2);
	ck_assert_str_eq(rv_fence_history_get(&hist, 0)->method, "ipmi");
	ck_assert_str_eq(rv_fence_history_get(&hist, 1)->method, "pdu");
	ck_assert_ptr_null(rv_fence_history_get(&hist, 2));
	tmp_fini(&t);
}
END_TEST

START_TEST(every_failure_reported)
{
	struct opts o1 = { .n = 0 }, o2 = { .n = 0 }, o3 = { .n = 0 };
	struct rv_fence_method m[3];
	struct peer p;

	opt(&o1, "off_rc", "1");
	opt(&o2, "hang", "off");
	method_init(&m[0], "ipmi", &o1);
	method_init(&m[1], "slow", &o2);
	m[1].timeout_ms = 200;
	method_init(&m[2], "gone", &o3);
	m[2].agent = SRCDIR "/fence-agents/fence_absent";
	peer_one(&p, NULL, m, 3);
	ck_assert_int_eq(p.fenced, 0);
	ck_assert_uint_eq(p.n_attempts, 3);
	ck_assert_int_eq(p.attempts[0].outcome, RV_FENCE_FAILED);
	ck_assert_int_eq(p.attempts[0].action_rc, RV_FENCE_RC_ERROR);
	ck_assert_int_eq(p.attempts[1].outcome, RV_FENCE_FAILED);
	ck_assert_int_eq(p.attempts[1].action_rc, RV_FENCE_RC_TIMEOUT);
	ck_assert_str_eq(p.attempts[1].detail, "off timed out after 200 ms");
	ck_assert_uint_ge(p.attempts[1].duration_ms, 200);
	ck_assert_int_eq(p.attempts[2].outcome, RV_FENCE_FAILED);
	ck_assert_int_eq(p.attempts[2].action_rc, RV_FENCE_RC_NOT_INSTALLED);
	ck_assert_ptr_nonnull(strstr(p.attempts[2].detail, "No such file or directory"));
	ck_assert_uint_ge(p.duration_ms, 200);
}
END_TEST

START_TEST(reboot_and_no_status_skip_the_confirm)
{
	struct tmp t;
	struct opts o = { .n = 0 };
	struct rv_fence_method m;
	struct peer p;
	char want[256];
	const char *rec;

	tmp_init(&t);
	rec = tmp_path(&t, "record");
	opt(&o, "record", rec);
	opt(&o, "status_rc", "0"); /* would say on, were it asked */
	method_init(&m, "ipmi", &o);
	m.action = RV_FENCE_ACTION_REBOOT;
	peer_one(&p, NULL, &m, 1);
	ck_assert_int_eq(p.fenced, 1);
	ck_assert_int_eq(p.attempts[0].outcome, RV_FENCE_DONE);
	ck_assert_int_eq(p.attempts[0].action, RV_FENCE_ACTION_REBOOT);
	ck_assert_int_eq(p.attempts[0].status_run, 0);
	snprintf(want, sizeof(want), "record=%s\nstatus_rc=0\nnodename=n2\naction=reboot\n", rec);
	assert_file_is(rec, want);

	ck_assert_int_eq(unlink(rec), 0);
	m.action = RV_FENCE_ACTION_OFF;
	m.no_status = 1;
	peer_one(&p, NULL, &m, 1);
	ck_assert_int_eq(p.fenced, 1);
	ck_assert_int_eq(p.attempts[0].outcome, RV_FENCE_DONE);
	snprintf(want, sizeof(want), "record=%s\nstatus_rc=0\nnodename=n2\naction=off\n", rec);
	assert_file_is(rec, want);
	tmp_fini(&t);
}
END_TEST

START_TEST(method_that_cannot_start)
{
	struct harness h;
	struct opts o2 = { .n = 0 };
	struct rv_fence_method m[2];
	struct rv_fence_request r;
	struct rv_param big;
	struct call c;
	struct peer p;
	char name[] = "blob";
	char *value;

	/* options that do not fit the agent's stdin (child.c's limit) */
	value = malloc(100 * 1024);
	ck_assert_ptr_nonnull(value);
	memset(value, 'x', 100 * 1024 - 1);
	value[100 * 1024 - 1] = '\0';
	big.name = name;
	big.value = value;
	harness_init(&h);
	memset(&r, 0, sizeof(r));
	r.agent = AGENT;
	r.options = &big;
	r.n_options = 1;
	r.action = RV_FENCE_ACTION_OFF;
	r.timeout_ms = 1000;
	ck_assert_int_eq(call_start(&h, &c, &r, NULL), -E2BIG);
	harness_fini(&h);

	/* as a method: recorded as failed, the next one tried from the loop
	 * (done is never called from inside rv_fence_peer) */
	method_init(&m[0], "huge", &o2);
	m[0].options = &big;
	m[0].n_options = 1;
	method_init(&m[1], "plain", &o2);
	m[1].no_status = 1;
	peer_one(&p, NULL, m, 2);
	ck_assert_int_eq(p.fenced, 1);
	ck_assert_str_eq(p.method, "plain");
	ck_assert_uint_eq(p.n_attempts, 2);
	ck_assert_int_eq(p.attempts[0].outcome, RV_FENCE_FAILED);
	ck_assert_str_eq(p.attempts[0].detail, "cannot run " AGENT ": Argument list too long");
	free(value);
}
END_TEST

START_TEST(bad_peer_requests_refused)
{
	struct harness h;
	struct opts o = { .n = 0 }, bad = { .n = 0 };
	struct rv_fence_method m[2];
	struct rv_fence_peer_request r = { "n2", "test", m, 2 };
	struct rv_fence_peer_op *op = (void *)&h; /* must be reset */
	struct peer p;

	harness_init(&h);
	memset(&p, 0, sizeof(p));
	method_init(&m[0], "ok", &o);
	opt(&bad, "action", "on");
	method_init(&m[1], "bad", &bad);
	ck_assert_int_eq(rv_fence_peer(h.loop, NULL, &r, on_peer_done, &p, &op), -EINVAL);
	ck_assert_ptr_null(op);
	method_init(&m[1], "status", &o);
	m[1].action = RV_FENCE_ACTION_STATUS;
	ck_assert_int_eq(rv_fence_peer(h.loop, NULL, &r, on_peer_done, &p, NULL), -EINVAL);
	method_init(&m[1], "", &o);
	ck_assert_int_eq(rv_fence_peer(h.loop, NULL, &r, on_peer_done, &p, NULL), -EINVAL);
	method_init(&m[1], "no timeout", &o);
	m[1].timeout_ms = 0;
	ck_assert_int_eq(rv_fence_peer(h.loop, NULL, &r, on_peer_done, &p, NULL), -EINVAL);
	r.n_methods = 0;
	ck_assert_int_eq(rv_fence_peer(h.loop, NULL, &r, on_peer_done, &p, NULL), -EINVAL);
	r.n_methods = 1;
	r.target = NULL;
	ck_assert_int_eq(rv_fence_peer(h.loop, NULL, &r, on_peer_done, &p, NULL), -EINVAL);
	ck_assert_uint_eq(rv_child_count(), 0);
	ck_assert_int_eq(p.calls, 0);
	harness_fini(&h);
}
END_TEST

START_TEST(cancel_peer)
{
	struct harness h;
	struct opts o = { .n = 0 };
	struct rv_fence_method m;
	struct rv_fence_peer_request r = { "n2", "peer lost", &m, 1 };
	struct rv_fence_history hist;
	struct rv_fence_peer_op *op = NULL;
	struct peer p;
	const struct rv_fence_event *e;

	memset(&hist, 0, sizeof(hist));
	memset(&p, 0, sizeof(p));
	harness_init(&h);
	p.h = &h;
	opt(&o, "hang", "status");
	method_init(&m, "pdu", &o);
	ck_assert_int_eq(rv_fence_peer(h.loop, &hist, &r, on_peer_done, &p, &op), 0);
	ck_assert_ptr_nonnull(op);
	spin(&h, 300);
	rv_fence_peer_cancel(op);
	rv_fence_peer_cancel(NULL);
	spin(&h, 300);
	ck_assert_int_eq(p.calls, 0);
	harness_fini(&h);
	ck_assert_uint_eq(rv_fence_history_count(&hist), 1);
	e = rv_fence_history_get(&hist, 0);
	ck_assert_int_eq(e->outcome, RV_FENCE_CANCELLED);
	ck_assert_str_eq(e->detail, "cancelled during status");
}
END_TEST

/* ------------------------------------------------------------ tests: history */

static const char *
jstr(json_object *o, const char *key)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no key %s", key);
	return json_object_get_string(v);
}

START_TEST(history_ring)
{
	struct rv_fence_history hist;
	struct rv_fence_event e;
	json_object *j, *a, *x, *v;
	size_t i;

	memset(&hist, 0, sizeof(hist));
	j = rv_fence_history_json(&hist);
	ck_assert(json_object_object_get_ex(j, "fence_history", &a));
	ck_assert_uint_eq(json_object_array_length(a), 0);
	json_object_put(j);

	for (i = 0; i < RV_FENCE_HISTORY_ENTRIES + 8; i++) {
		memset(&e, 0, sizeof(e));
		e.wall = (time_t)(1700000000 + i);
		e.mono_ms = rv_now_ms();
		e.duration_ms = i;
		snprintf(e.target, sizeof(e.target), "n2");
		snprintf(e.method, sizeof(e.method), "m%zu", i);
		e.action = i % 2 ? RV_FENCE_ACTION_REBOOT : RV_FENCE_ACTION_OFF;
		e.outcome = i % 2 ? RV_FENCE_DONE : RV_FENCE_FAILED;
		e.action_rc = i % 2 ? RV_FENCE_RC_DONE : RV_FENCE_RC_TIMEOUT;
		snprintf(e.reason, sizeof(e.reason), "peer lost");
		snprintf(e.detail, sizeof(e.detail), "attempt %zu", i);
		rv_fence_history_add(&hist, &e);
	}
	/* the oldest 8 are gone, the rest in order */
	ck_assert_uint_eq(rv_fence_history_count(&hist), RV_FENCE_HISTORY_ENTRIES);
	for (i = 0; i < RV_FENCE_HISTORY_ENTRIES; i++)
		ck_assert_uint_eq(rv_fence_history_get(&hist, i)->duration_ms, i + 8);
	ck_assert_ptr_null(rv_fence_history_get(&hist, RV_FENCE_HISTORY_ENTRIES));

	j = rv_fence_history_json(&hist);
	ck_assert(json_object_object_get_ex(j, "fence_history", &a));
	ck_assert_uint_eq(json_object_array_length(a), RV_FENCE_HISTORY_ENTRIES);
	x = json_object_array_get_idx(a, 0);
	ck_assert_str_eq(jstr(x, "method"), "m8");
	ck_assert_str_eq(jstr(x, "target"), "n2");
	ck_assert_str_eq(jstr(x, "action"), "off");
	ck_assert_str_eq(jstr(x, "result"), "failed");
	ck_assert_str_eq(jstr(x, "action_rc"), "timeout");
	ck_assert_str_eq(jstr(x, "reason"), "peer lost");
	ck_assert_str_eq(jstr(x, "detail"), "attempt 8");
	ck_assert(json_object_object_get_ex(x, "ok", &v));
	ck_assert(!json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(x, "status", &v));
	ck_assert_ptr_null(v);
	ck_assert(json_object_object_get_ex(x, "at", &v));
	ck_assert_int_eq(json_object_get_int64(v), 1700000008);
	ck_assert(json_object_object_get_ex(x, "duration_ms", &v));
	ck_assert_int_eq(json_object_get_int64(v), 8);
	x = json_object_array_get_idx(a, RV_FENCE_HISTORY_ENTRIES - 1);
	ck_assert_str_eq(jstr(x, "method"), "m39");
	ck_assert_str_eq(jstr(x, "action"), "reboot");
	ck_assert_str_eq(jstr(x, "result"), "done");
	ck_assert(json_object_object_get_ex(x, "ok", &v));
	ck_assert(json_object_get_boolean(v));
	json_object_put(j);

	ck_assert_str_eq(rv_fence_outcome_name(RV_FENCE_UNCONFIRMED), "unconfirmed");
	ck_assert_str_eq(rv_fence_outcome_name(RV_FENCE_CANCELLED), "cancelled");
	ck_assert(rv_fence_outcome_ok(RV_FENCE_CONFIRMED));
	ck_assert(!rv_fence_outcome_ok(RV_FENCE_UNCONFIRMED));
}
END_TEST

START_TEST(history_of_a_fencing)
{
	struct tmp t;
	struct opts o1 = { .n = 0 }, o2 = { .n = 0 };
	struct rv_fence_method m[2];
	struct rv_fence_history hist;
	struct peer p;
	json_object *j, *a, *x, *v;

	memset(&hist, 0, sizeof(hist));
	tmp_init(&t);
	opt(&o1, "status_rc", "0");
	opt(&o1, "passwd", "s3cret");
	opt(&o2, "state", tmp_path(&t, "state"));
	opt(&o2, "passwd", "s3cret");
	method_init(&m[0], "ipmi", &o1);
	method_init(&m[1], "pdu", &o2);
	peer_one(&p, &hist, m, 2);
	ck_assert_int_eq(p.fenced, 1);

	j = rv_fence_history_json(&hist);
	ck_assert_ptr_null(strstr(json_object_to_json_string(j), "s3cret"));
	ck_assert(json_object_object_get_ex(j, "fence_history", &a));
	ck_assert_uint_eq(json_object_array_length(a), 2);
	x = json_object_array_get_idx(a, 0);
	ck_assert_str_eq(jstr(x, "method"), "ipmi");
	ck_assert_str_eq(jstr(x, "result"), "unconfirmed");
	ck_assert_str_eq(jstr(x, "status"), "on");
	ck_assert_str_eq(jstr(x, "reason"), "peer lost");
	x = json_object_array_get_idx(a, 1);
	ck_assert_str_eq(jstr(x, "target"), "n2");
	ck_assert_str_eq(jstr(x, "method"), "pdu");
	ck_assert_str_eq(jstr(x, "action"), "off");
	ck_assert_str_eq(jstr(x, "result"), "confirmed");
	ck_assert_str_eq(jstr(x, "action_rc"), "done");
	ck_assert_str_eq(jstr(x, "status"), "off");
	ck_assert(json_object_object_get_ex(x, "ok", &v));
	ck_assert(json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(x, "ago_ms", &v));
	ck_assert_int_lt(json_object_get_int64(v), 5000);
	json_object_put(j);
	tmp_fini(&t);
}
END_TEST

/* ------------------------------------------------------------ tests: fence_dummy */

START_TEST(fence_dummy_off_then_status)
{
	static const struct {
		enum rv_fence_action action;
		enum rv_fence_rc rc;
	} steps[] = {
		{ RV_FENCE_ACTION_ON, RV_FENCE_RC_DONE },
		{ RV_FENCE_ACTION_STATUS, RV_FENCE_RC_ON },
		{ RV_FENCE_ACTION_OFF, RV_FENCE_RC_DONE },
		{ RV_FENCE_ACTION_STATUS, RV_FENCE_RC_OFF },
		{ RV_FENCE_ACTION_ON, RV_FENCE_RC_DONE },
		{ RV_FENCE_ACTION_MONITOR, RV_FENCE_RC_DONE },
	};
	struct tmp t;
	struct opts o = { .n = 0 };
	struct rv_fence_request r;
	struct rv_fence_method m;
	struct call c;
	struct peer p;
	size_t i;

	if (access(FENCE_DUMMY, X_OK) != 0) {
		/* fence-agents is optional at run time (DESIGN.md §7) */
		printf("check_fence: %s not installed, fence-agents test skipped\n", FENCE_DUMMY);
		return;
	}
	tmp_init(&t);
	opt(&o, "status_file", tmp_path(&t, "status"));
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		req_init(&r, FENCE_DUMMY, &o, "n2", steps[i].action);
		r.timeout_ms = 10000;
		call_one(&c, &r);
		ck_assert_msg(c.rc == steps[i].rc, "step %zu (%s): %s, want %s: %s", i,
			      rv_fence_action_name(steps[i].action), rv_fence_rc_name(c.rc),
			      rv_fence_rc_name(steps[i].rc), c.message);
		call_free(&c);
	}
	assert_file_is(tmp_path(&t, "status"), "on");

	/* and as a fencing method: off, confirmed by its status */
	method_init(&m, "dummy", &o);
	m.agent = FENCE_DUMMY;
	m.timeout_ms = 10000;
	peer_one(&p, NULL, &m, 1);
	ck_assert_msg(p.fenced, "fence_dummy did not fence: %s", p.attempts[0].detail);
	ck_assert_int_eq(p.attempts[0].outcome, RV_FENCE_CONFIRMED);
	ck_assert_str_eq(p.attempts[0].detail, "off, confirmed by status: Status: OFF");
	assert_file_is(tmp_path(&t, "status"), "off");
	tmp_fini(&t);
}
END_TEST

static Suite *
fence_suite(void)
{
	Suite *s = suite_create("fence");
	TCase *run = tcase_create("run");
	TCase *levels = tcase_create("levels");
	TCase *history = tcase_create("history");
	TCase *agents = tcase_create("fence-agents");

	tcase_add_test(run, stdin_format);
	tcase_add_test(run, nothing_on_the_command_line);
	tcase_add_test(run, exit_codes_mapped);
	tcase_add_test(run, message_and_output);
	tcase_add_test(run, hanging_agent_times_out);
	tcase_add_test(run, agent_not_installed);
	tcase_add_test(run, bad_requests_refused);
	tcase_add_test(run, cancel_call);
	tcase_set_timeout(run, 20);
	suite_add_tcase(s, run);

	tcase_add_test(levels, off_confirmed_by_status);
	tcase_add_test(levels, status_still_on_is_a_failure);
	tcase_add_test(levels, levels_fall_through);
	tcase_add_test(levels, every_failure_reported);
	tcase_add_test(levels, reboot_and_no_status_skip_the_confirm);
	tcase_add_test(levels, method_that_cannot_start);
	tcase_add_test(levels, bad_peer_requests_refused);
	tcase_add_test(levels, cancel_peer);
	tcase_set_timeout(levels, 20);
	suite_add_tcase(s, levels);

	tcase_add_test(history, history_ring);
	tcase_add_test(history, history_of_a_fencing);
	tcase_set_timeout(history, 20);
	suite_add_tcase(s, history);

	tcase_add_test(agents, fence_dummy_off_then_status);
	tcase_set_timeout(agents, 60);
	suite_add_tcase(s, agents);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fence_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
