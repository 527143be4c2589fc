/*
 * runner.c — fence agents (fence-agents API) run as children of relevod's
 * loop, and the methods tried in order to fence the peer.
 *
 * The agent's options reach it on stdin only: never on its command line
 * (where any user sees them in ps) and never in the log or the history; the
 * buffer that held them is wiped before it is freed. Nothing here blocks or
 * waits: the agent's timeout and kills are child.c's, and the next method
 * is started from the loop.
 *
 * A fence operation (rv_fence_peer):
 *
 *   method i ──> action off ──0──> status ──2 (off)──> CONFIRMED: done(fenced)
 *      ^   │        │                  └──0 (on), error──> UNCONFIRMED ─┐
 *      │   │        └──error, timeout──> FAILED ───────────────────────┤
 *      │   └─> action reboot (or off without status) ──0──> DONE: done(fenced)
 *      │                                └──error──> FAILED ────────────┤
 *      └──────────────── i + 1 < n ────────────────────────────────────┤
 *                        i + 1 = n: done(not fenced, every failure) <──┘
 */
#include "autoconf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <qb/qbdefs.h>
#include <qb/qblog.h>
#include <qb/qbloop.h>

#include "child.h"
#include "history.h"
#include "runner.h"
#include "util.h"

#define FENCE_KILL_GRACE_MS 1000  /* after SIGTERM at the timeout */
#define FENCE_LOG_LINES 8         /* lines of a failed agent's output logged */
#define FENCE_LOG_LINE_MAX 200    /* bytes of each */

struct rv_fence_call {
	struct rv_child *child;
	enum rv_fence_action action;
	rv_fence_done_fn done;
	void *data;
	int in_done;      /* done() running: cancel is refused */
};

static const char *const action_names[] = {
	[RV_FENCE_ACTION_OFF] = "off",
	[RV_FENCE_ACTION_ON] = "on",
	[RV_FENCE_ACTION_REBOOT] = "reboot",
	[RV_FENCE_ACTION_STATUS] = "status",
	[RV_FENCE_ACTION_MONITOR] = "monitor",
	[RV_FENCE_ACTION_LIST] = "list",
	[RV_FENCE_ACTION_METADATA] = "metadata",
};

const char *
rv_fence_action_name(enum rv_fence_action action)
{
	if ((unsigned)action >= sizeof(action_names) / sizeof(action_names[0]))
		return "unknown";
	return action_names[action];
}

const char *
rv_fence_rc_name(enum rv_fence_rc rc)
{
	switch (rc) {
	case RV_FENCE_RC_DONE:
		return "done";
	case RV_FENCE_RC_ON:
		return "on";
	case RV_FENCE_RC_OFF:
		return "off";
	case RV_FENCE_RC_ERROR:
		return "error";
	case RV_FENCE_RC_TIMEOUT:
		return "timeout";
	case RV_FENCE_RC_SIGNALED:
		return "killed";
	case RV_FENCE_RC_NOT_INSTALLED:
		return "not installed";
	}
	return "unknown";
}

enum rv_fence_rc
rv_fence_map_exit(enum rv_fence_action action, int code)
{
	switch (action) {
	case RV_FENCE_ACTION_STATUS:
		return code == 0 ? RV_FENCE_RC_ON : code == 2 ? RV_FENCE_RC_OFF : RV_FENCE_RC_ERROR;
	case RV_FENCE_ACTION_MONITOR:
		return code == 0 ? RV_FENCE_RC_DONE : code == 2 ? RV_FENCE_RC_OFF : RV_FENCE_RC_ERROR;
	default:
		return code == 0 ? RV_FENCE_RC_DONE : RV_FENCE_RC_ERROR;
	}
}

/* The API's rules for a line: no line break anywhere, no '=' or blank in
 * the name, which must not be a comment either. "action" (and its old name
 * "option") is the request's, not an option. */
static int
fence_option_ok(const struct rv_param *p)
{
	return p->name != NULL && p->value != NULL && p->name[0] != '\0' &&
	       p->name[0] != '#' && strpbrk(p->name, "= \t\r\n") == NULL &&
	       strpbrk(p->value, "\r\n") == NULL && strcmp(p->name, "action") != 0 &&
	       strcmp(p->name, "option") != 0;
}

static int
fence_request_check(const struct rv_fence_request *req)
{
	size_t i;

	if (req->agent == NULL || req->agent[0] != '/' || req->timeout_ms == 0 ||
	    (unsigned)req->action >= sizeof(action_names) / sizeof(action_names[0]) ||
	    (req->n_options != 0 && req->options == NULL) ||
	    (req->target != NULL && (req->target[0] == '\0' ||
				     strpbrk(req->target, "\r\n") != NULL)))
		return -EINVAL;
	for (i = 0; i < req->n_options; i++)
		if (!fence_option_ok(&req->options[i]))
			return -EINVAL;
	return 0;
}

static int
fence_has_option(const struct rv_fence_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->n_options; i++)
		if (strcmp(req->options[i].name, name) == 0)
			return 1;
	return 0;
}

static char *
put(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* The agent's stdin: the options in order, nodename, the action last. The
 * buffer is sized exactly, so that no copy of a password is left behind by
 * a realloc; the caller wipes and frees it. */
static char *
fence_build_input(const struct rv_fence_request *req, size_t *lenp)
{
	const char *action = rv_fence_action_name(req->action);
	int nodename = req->target != NULL && !fence_has_option(req, "nodename");
	size_t len = 0, i;
	char *buf, *p;

	for (i = 0; i < req->n_options; i++)
		len += strlen(req->options[i].name) + strlen(req->options[i].value) + 2;
	if (nodename)
		len += strlen("nodename=") + strlen(req->target) + 1;
	len += strlen("action=") + strlen(action) + 1;

	buf = malloc(len + 1);
	if (buf == NULL)
		abort();
	p = buf;
	for (i = 0; i < req->n_options; i++) {
		p = put(p, req->options[i].name);
		*p++ = '=';
		p = put(p, req->options[i].value);
		*p++ = '\n';
	}
	if (nodename) {
		p = put(p, "nodename=");
		p = put(p, req->target);
		*p++ = '\n';
	}
	p = put(p, "action=");
	p = put(p, action);
	*p++ = '\n';
	*p = '\0';
	*lenp = len;
	return buf;
}

static void
wipe_free(char *s, size_t len)
{
	if (s == NULL)
		return;
	explicit_bzero(s, len);
	free(s);
}

/* Like snprintf, for text that is meant to be cut when it does not fit
 * (an agent's words in a fixed-size detail). */
static void __attribute__((format(printf, 3, 4)))
cutf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(dst, size, fmt, ap);
	va_end(ap);
}

/* n bytes of src into dst, trimmed, every byte that is not printable
 * ASCII made '?' (an agent's output goes to the log and to JSON), cut to
 * size. */
static void
printable(char *dst, size_t size, const char *src, size_t n)
{
	size_t i;

	while (n > 0 && (*src == ' ' || *src == '\t')) {
		src++;
		n--;
	}
	while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\t' || src[n - 1] == '\r'))
		n--;
	if (n > size - 1)
		n = size - 1;
	for (i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[n] = '\0';
}

/* The last line of text that is not blank, made printable. "" if none. */
static void
last_line(const char *text, char *out, size_t size)
{
	const char *end = text + strlen(text), *start;

	out[0] = '\0';
	while (end > text && out[0] == '\0') {
		while (end > text && strchr(" \t\r\n", end[-1]) != NULL)
			end--;
		start = end;
		while (start > text && start[-1] != '\n')
			start--;
		printable(out, size, start, (size_t)(end - start));
		end = start;
	}
}

static void
fence_child_done(void *data, const struct rv_child_result *cres)
{
	struct rv_fence_call *c = data;
	struct rv_fence_result res;

	memset(&res, 0, sizeof(res));
	res.action = c->action;
	res.raw_exit = -1;
	res.rc = RV_FENCE_RC_ERROR;
	res.duration_ms = cres->duration_ms;
	res.output = cres->out;
	res.errors = cres->err;
	switch (cres->status) {
	case RV_CHILD_EXITED:
		res.raw_exit = cres->exit_code;
		if (cres->exit_code >= 0)
			res.rc = rv_fence_map_exit(c->action, cres->exit_code);
		break;
	case RV_CHILD_TIMEOUT:
		res.rc = RV_FENCE_RC_TIMEOUT;
		break;
	case RV_CHILD_SIGNALED:
		res.rc = RV_FENCE_RC_SIGNALED;
		res.signo = cres->signo;
		break;
	case RV_CHILD_EXEC_FAILED:
		res.rc = RV_FENCE_RC_NOT_INSTALLED;
		res.exec_errno = cres->exit_code;
		break;
	}
	last_line(cres->err, res.message, sizeof(res.message));
	if (res.message[0] == '\0')
		last_line(cres->out, res.message, sizeof(res.message));
	c->in_done = 1;
	c->done(c->data, &res);
	free(c);
}

int
rv_fence_run(qb_loop_t *loop, const struct rv_fence_request *req,
	     rv_fence_done_fn done, void *data, struct rv_fence_call **callp)
{
	struct rv_fence_call *c = NULL;
	struct rv_child_spec spec;
	char env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	char env_lang[] = "LANG=C.UTF-8";
	char *envp[] = { env_path, env_lang, NULL };
	char *argv[2] = { NULL, NULL };
	char *input = NULL;
	size_t input_len = 0;
	int rc;

	if (callp != NULL)
		*callp = NULL;
	if (loop == NULL || req == NULL || done == NULL)
		return -EINVAL;
	rc = fence_request_check(req);
	if (rc != 0)
		goto done;

	argv[0] = strdup(req->agent);
	if (argv[0] == NULL)
		abort();
	input = fence_build_input(req, &input_len);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		abort();
	c->action = req->action;
	c->done = done;
	c->data = data;

	/* child.c has written the input into the pipe when it returns */
	memset(&spec, 0, sizeof(spec));
	spec.path = argv[0];
	spec.argv = argv;
	spec.envp = envp;
	spec.input = input;
	spec.input_len = input_len;
	spec.timeout_ms = req->timeout_ms;
	spec.kill_grace_ms = FENCE_KILL_GRACE_MS;
	rc = rv_child_spawn(loop, &spec, fence_child_done, c, &c->child);
	if (rc != 0)
		goto done;
	if (callp != NULL)
		*callp = c;
	c = NULL;
done:
	free(c);
	free(argv[0]);
	wipe_free(input, input_len);
	return rc;
}

void
rv_fence_cancel(struct rv_fence_call *c)
{
	if (c == NULL || c->in_done)
		return;
	rv_child_cancel(c->child);
	free(c);
}

/* ------------------------------------------------------------ levels */

struct fence_method {
	char *name;
	char *agent;
	struct rv_param *options;
	size_t n_options;
	enum rv_fence_action action;
	int no_status;
	uint64_t timeout_ms;
};

struct rv_fence_peer_op {
	qb_loop_t *loop;
	struct rv_fence_history *history;  /* NULL: none kept */
	rv_fence_peer_fn done;
	void *data;
	char *target;
	char *reason;
	struct fence_method *methods;
	size_t n_methods;
	size_t idx;                        /* the method being tried */
	struct rv_fence_event *attempts;   /* n_methods slots */
	size_t n_attempts;
	struct rv_fence_call *call;        /* the agent running, or NULL */
	int confirming;                    /* the call is the status */
	qb_loop_timer_handle next_timer;   /* go on from the loop */
	uint64_t start_ms;
	uint64_t attempt_start_ms;
	int in_done;
};

static void peer_start_method(struct rv_fence_peer_op *op);

static char *
xstrdup(const char *s)
{
	char *d = strdup(s != NULL ? s : "");

	if (d == NULL)
		abort();
	return d;
}

static void
methods_free(struct fence_method *m, size_t n)
{
	size_t i, j;

	for (i = 0; m != NULL && i < n; i++) {
		free(m[i].name);
		free(m[i].agent);
		for (j = 0; j < m[i].n_options; j++) {
			free(m[i].options[j].name);
			wipe_free(m[i].options[j].value, strlen(m[i].options[j].value));
		}
		free(m[i].options);
	}
	free(m);
}

static void
peer_free(struct rv_fence_peer_op *op)
{
	if (op->next_timer != 0)
		(void)qb_loop_timer_del(op->loop, op->next_timer);
	methods_free(op->methods, op->n_methods);
	free(op->attempts);
	free(op->target);
	free(op->reason);
	free(op);
}

static void
peer_request(const struct rv_fence_peer_op *op, const struct fence_method *m,
	     enum rv_fence_action action, struct rv_fence_request *req)
{
	memset(req, 0, sizeof(*req));
	req->agent = m->agent;
	req->options = m->options;
	req->n_options = m->n_options;
	req->target = op->target;
	req->action = action;
	req->timeout_ms = m->timeout_ms;
}

/* The agent's output on a failure, for whoever troubleshoots: its last
 * FENCE_LOG_LINES lines, each cut short and made printable. */
static void
log_output(const char *method, const char *what, const char *text)
{
	char buf[FENCE_LOG_LINE_MAX];
	size_t total = 0, skip, n;
	const char *p;

	for (p = text; *p != '\0'; p += n + (p[n] == '\n')) {
		n = strcspn(p, "\n");
		total++;
	}
	skip = total > FENCE_LOG_LINES ? total - FENCE_LOG_LINES : 0;
	for (p = text; *p != '\0'; p += n + (p[n] == '\n')) {
		n = strcspn(p, "\n");
		if (skip > 0) {
			skip--;
			continue;
		}
		printable(buf, sizeof(buf), p, n);
		if (buf[0] != '\0')
			qb_log(LOG_INFO, "fence method %s, %s: %s", method, what, buf);
	}
}

static void
peer_finish(struct rv_fence_peer_op *op)
{
	struct rv_fence_peer_result res;
	const struct rv_fence_event *last;

	memset(&res, 0, sizeof(res));
	last = op->n_attempts > 0 ? &op->attempts[op->n_attempts - 1] : NULL;
	res.fenced = last != NULL && rv_fence_outcome_ok(last->outcome);
	res.target = op->target;
	res.method = res.fenced ? last->method : NULL;
	res.duration_ms = rv_now_ms() - op->start_ms;
	res.attempts = op->attempts;
	res.n_attempts = op->n_attempts;
	if (res.fenced)
		qb_log(LOG_NOTICE, "fenced %s with method %s in %" PRIu64 " ms",
		       op->target, res.method, res.duration_ms);
	else
		qb_log(LOG_ERR, "fencing %s failed: none of %zu method(s) took it off "
		       "(%" PRIu64 " ms)", op->target, op->n_attempts, res.duration_ms);
	op->in_done = 1;
	op->done(op->data, &res);
	peer_free(op);
}

static void
peer_next_expired(void *data)
{
	struct rv_fence_peer_op *op = data;

	op->next_timer = 0;
	if (++op->idx < op->n_methods)
		peer_start_method(op);
	else
		peer_finish(op);
}

/* The current attempt is over: record it, then finish or go on with the
 * next method, always from the loop. */
static void
peer_attempt_end(struct rv_fence_peer_op *op, enum rv_fence_outcome outcome)
{
	struct rv_fence_event *e = &op->attempts[op->n_attempts - 1];

	e->outcome = outcome;
	e->duration_ms = rv_now_ms() - op->attempt_start_ms;
	if (op->history != NULL)
		rv_fence_history_add(op->history, e);
	if (outcome == RV_FENCE_CONFIRMED)
		qb_log(LOG_NOTICE, "fence method %s: %s is off, confirmed by status "
		       "(%" PRIu64 " ms)", e->method, e->target, e->duration_ms);
	else if (outcome == RV_FENCE_DONE)
		qb_log(LOG_NOTICE, "fence method %s: %s of %s done, as the agent says "
		       "(%" PRIu64 " ms)", e->method, rv_fence_action_name(e->action),
		       e->target, e->duration_ms);
	else
		qb_log(LOG_WARNING, "fence method %s could not fence %s: %s: %s",
		       e->method, e->target, rv_fence_outcome_name(outcome), e->detail);
	if (rv_fence_outcome_ok(outcome))
		op->idx = op->n_methods; /* no further method */
	if (op->next_timer == 0 &&
	    qb_loop_timer_add(op->loop, QB_LOOP_MED, 0, op, peer_next_expired,
			      &op->next_timer) != 0) {
		/* a fence operation that never ends would hold the site: die */
		abort();
	}
}

/* What went wrong, in words, when the agent said nothing itself. */
static void
describe(const struct rv_fence_result *res, const struct fence_method *m,
	 char *out, size_t size)
{
	const char *action = rv_fence_action_name(res->action);

	switch (res->rc) {
	case RV_FENCE_RC_TIMEOUT:
		cutf(out, size, "%s timed out after %" PRIu64 " ms", action, m->timeout_ms);
		return;
	case RV_FENCE_RC_SIGNALED:
		cutf(out, size, "%s killed by signal %d", action, res->signo);
		return;
	case RV_FENCE_RC_NOT_INSTALLED:
		cutf(out, size, "cannot run %s: %s", m->agent, strerror(res->exec_errno));
		return;
	case RV_FENCE_RC_DONE:
		cutf(out, size, "%s done%s%s", action, res->message[0] != '\0' ? ": " : "",
		     res->message);
		return;
	default:
		break;
	}
	if (res->message[0] != '\0')
		cutf(out, size, "%s exit %d: %s", action, res->raw_exit, res->message);
	else
		cutf(out, size, "%s exit %d", action, res->raw_exit);
}

static void
peer_call_done(void *data, const struct rv_fence_result *res)
{
	struct rv_fence_peer_op *op = data;
	const struct fence_method *m = &op->methods[op->idx];
	struct rv_fence_event *e = &op->attempts[op->n_attempts - 1];
	struct rv_fence_request req;
	int rc;

	op->call = NULL;
	if (!op->confirming) {
		e->action_rc = res->rc;
		describe(res, m, e->detail, sizeof(e->detail));
		if (res->rc != RV_FENCE_RC_DONE) {
			log_output(m->name, rv_fence_action_name(res->action), res->errors);
			peer_attempt_end(op, RV_FENCE_FAILED);
			return;
		}
		if (m->action == RV_FENCE_ACTION_REBOOT || m->no_status) {
			peer_attempt_end(op, RV_FENCE_DONE);
			return;
		}
		op->confirming = 1;
		peer_request(op, m, RV_FENCE_ACTION_STATUS, &req);
		rc = rv_fence_run(op->loop, &req, peer_call_done, op, &op->call);
		if (rc != 0) {
			cutf(e->detail, sizeof(e->detail), "off done, but status could "
			     "not be run: %s", strerror(-rc));
			peer_attempt_end(op, RV_FENCE_UNCONFIRMED);
		}
		return;
	}
	e->status_run = 1;
	e->status_rc = res->rc;
	if (res->rc == RV_FENCE_RC_OFF) {
		cutf(e->detail, sizeof(e->detail), "off, confirmed by status%s%s",
		     res->message[0] != '\0' ? ": " : "", res->message);
		peer_attempt_end(op, RV_FENCE_CONFIRMED);
		return;
	}
	if (res->rc == RV_FENCE_RC_ON) {
		cutf(e->detail, sizeof(e->detail), "off done, but status still says on%s%s",
		     res->message[0] != '\0' ? ": " : "", res->message);
	} else {
		char why[RV_FENCE_MSG_MAX];

		describe(res, m, why, sizeof(why));
		cutf(e->detail, sizeof(e->detail), "off done, but not confirmed: %s", why);
		log_output(m->name, "status", res->errors);
	}
	peer_attempt_end(op, RV_FENCE_UNCONFIRMED);
}

static void
peer_start_method(struct rv_fence_peer_op *op)
{
	const struct fence_method *m = &op->methods[op->idx];
	struct rv_fence_event *e = &op->attempts[op->n_attempts++];
	struct rv_fence_request req;
	int rc;

	memset(e, 0, sizeof(*e));
	e->wall = time(NULL);
	e->mono_ms = op->attempt_start_ms = rv_now_ms();
	cutf(e->target, sizeof(e->target), "%s", op->target);
	cutf(e->method, sizeof(e->method), "%s", m->name);
	cutf(e->reason, sizeof(e->reason), "%s", op->reason);
	e->action = m->action;
	e->action_rc = RV_FENCE_RC_ERROR;
	op->confirming = 0;
	qb_log(LOG_NOTICE, "fencing %s with method %s (%s%s): %s", op->target, m->name,
	       rv_fence_action_name(m->action),
	       m->action == RV_FENCE_ACTION_OFF && !m->no_status ? ", then status" : "",
	       op->reason);
	peer_request(op, m, m->action, &req);
	rc = rv_fence_run(op->loop, &req, peer_call_done, op, &op->call);
	if (rc != 0) {
		cutf(e->detail, sizeof(e->detail), "cannot run %s: %s", m->agent,
		     strerror(-rc));
		peer_attempt_end(op, RV_FENCE_FAILED);
	}
}

static void
method_copy(struct fence_method *d, const struct rv_fence_method *s)
{
	size_t j;

	d->name = xstrdup(s->name);
	d->agent = xstrdup(s->agent);
	d->action = s->action;
	d->no_status = s->no_status;
	d->timeout_ms = s->timeout_ms;
	if (s->n_options > 0) {
		d->options = calloc(s->n_options, sizeof(*d->options));
		if (d->options == NULL)
			abort();
	}
	for (j = 0; j < s->n_options; j++) {
		d->options[j].name = xstrdup(s->options[j].name);
		d->options[j].value = xstrdup(s->options[j].value);
	}
	d->n_options = s->n_options;
}

static int
peer_request_check(const struct rv_fence_peer_request *preq)
{
	struct rv_fence_request req;
	size_t i;
	int rc;

	if (preq->target == NULL || preq->target[0] == '\0' ||
	    preq->methods == NULL || preq->n_methods == 0)
		return -EINVAL;
	for (i = 0; i < preq->n_methods; i++) {
		const struct rv_fence_method *m = &preq->methods[i];

		if (m->name == NULL || m->name[0] == '\0' ||
		    (m->action != RV_FENCE_ACTION_OFF && m->action != RV_FENCE_ACTION_REBOOT))
			return -EINVAL;
		memset(&req, 0, sizeof(req));
		req.agent = m->agent;
		req.options = m->options;
		req.n_options = m->n_options;
		req.target = preq->target;
		req.action = m->action;
		req.timeout_ms = m->timeout_ms;
		rc = fence_request_check(&req);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
rv_fence_peer(qb_loop_t *loop, struct rv_fence_history *history,
	      const struct rv_fence_peer_request *preq,
	      rv_fence_peer_fn done, void *data, struct rv_fence_peer_op **opp)
{
	struct rv_fence_peer_op *op;
	size_t i;
	int rc;

	if (opp != NULL)
		*opp = NULL;
	if (loop == NULL || preq == NULL || done == NULL)
		return -EINVAL;
	rc = peer_request_check(preq);
	if (rc != 0)
		return rc;

	op = calloc(1, sizeof(*op));
	if (op == NULL)
		abort();
	op->loop = loop;
	op->history = history;
	op->done = done;
	op->data = data;
	op->target = xstrdup(preq->target);
	op->reason = xstrdup(preq->reason);
	op->methods = calloc(preq->n_methods, sizeof(*op->methods));
	op->attempts = calloc(preq->n_methods, sizeof(*op->attempts));
	if (op->methods == NULL || op->attempts == NULL)
		abort();
	op->n_methods = preq->n_methods;
	for (i = 0; i < preq->n_methods; i++)
		method_copy(&op->methods[i], &preq->methods[i]);
	op->start_ms = rv_now_ms();
	/* a method that cannot even start is recorded and the next one is
	 * tried from the loop: done never runs from in here */
	peer_start_method(op);
	if (opp != NULL)
		*opp = op;
	return 0;
}

void
rv_fence_peer_cancel(struct rv_fence_peer_op *op)
{
	struct rv_fence_event *e;

	if (op == NULL || op->in_done)
		return;
	if (op->call != NULL) {
		rv_fence_cancel(op->call);
		op->call = NULL;
		e = &op->attempts[op->n_attempts - 1];
		e->outcome = RV_FENCE_CANCELLED;
		e->duration_ms = rv_now_ms() - op->attempt_start_ms;
		snprintf(e->detail, sizeof(e->detail), "cancelled during %s",
			 op->confirming ? "status" : rv_fence_action_name(e->action));
		if (op->history != NULL)
			rv_fence_history_add(op->history, e);
		qb_log(LOG_NOTICE, "fencing %s with method %s cancelled", op->target, e->method);
	}
	peer_free(op);
}
