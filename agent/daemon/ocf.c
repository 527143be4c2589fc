/*
 * ocf.c — OCF resource agent actions, run as children of relevod's loop.
 *
 * Turns a request into the agent's path, argument and environment, hands
 * them to child.c, and turns the child's result into OCF terms: one exit
 * code convention, the agent's last exit reason. It must never pass on
 * anything of relevod's own environment, never run a path that a provider or
 * type could lead out of OCF_ROOT/resource.d, and never wait: the child's
 * timeout and kills are child.c's.
 *
 * Beyond the list in ocf.h the agent also gets
 * OCF_EXIT_REASON_PREFIX=ocf-exit-reason:, as Pacemaker sets it, so that the
 * prefix we look for is the one ocf_exit_reason writes whatever its default.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"
#include "ocf.h"

#define OCF_REASON_PREFIX "ocf-exit-reason:"
#define OCF_META_PREFIX "CRM_meta_" /* OCF_RESKEY_CRM_meta_*: ours, not a parameter */

struct rv_ocf_action {
	struct rv_child *child;
	rv_ocf_done_fn done;
	void *data;
	int in_done;     /* done() running: cancel is refused */
};

/* A NULL-terminated vector of malloc'd strings, for argv and envp. */
struct strv {
	char **v;
	size_t n;
	size_t size;
};

static void __attribute__((format(printf, 2, 3)))
strv_addf(struct strv *sv, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (sv->n + 2 > sv->size) {
		sv->size = sv->size == 0 ? 32 : sv->size * 2;
		sv->v = realloc(sv->v, sv->size * sizeof(*sv->v));
		if (sv->v == NULL)
			abort();
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

static void
strv_free(struct strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->size = 0;
}

/* A provider or type is one path component that is not hidden, "." or "..". */
static int
ocf_component_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && s[0] != '.' && strchr(s, '/') == NULL;
}

static int
ocf_request_check(const struct rv_ocf_request *req)
{
	size_t i;

	if (req->ocf_root == NULL || req->ocf_root[0] != '/' ||
	    !ocf_component_ok(req->provider) || !ocf_component_ok(req->type) ||
	    req->action == NULL || req->action[0] == '\0' ||
	    (req->n_params != 0 && req->params == NULL))
		return -EINVAL;
	for (i = 0; i < req->n_params; i++) {
		const struct rv_param *p = &req->params[i];

		if (p->name == NULL || p->name[0] == '\0' || p->value == NULL ||
		    strchr(p->name, '=') != NULL ||
		    strncmp(p->name, OCF_META_PREFIX, strlen(OCF_META_PREFIX)) == 0)
			return -EINVAL;
	}
	return 0;
}

static void
ocf_build_env(const struct rv_ocf_request *req, struct strv *env)
{
	size_t i;

	strv_addf(env, "OCF_ROOT=%s", req->ocf_root);
	strv_addf(env, "OCF_RA_VERSION_MAJOR=1");
	strv_addf(env, "OCF_RA_VERSION_MINOR=1");
	if (req->instance != NULL)
		strv_addf(env, "OCF_RESOURCE_INSTANCE=%s", req->instance);
	strv_addf(env, "OCF_RESOURCE_TYPE=%s", req->type);
	strv_addf(env, "OCF_RESOURCE_PROVIDER=%s", req->provider);
	for (i = 0; i < req->n_params; i++)
		strv_addf(env, "OCF_RESKEY_%s=%s", req->params[i].name,
			  req->params[i].value);
	strv_addf(env, "OCF_RESKEY_CRM_meta_timeout=%" PRIu64, req->timeout_ms);
	strv_addf(env, "OCF_RESKEY_CRM_meta_interval=%" PRIu64, req->interval_ms);
	if (strcmp(req->action, "monitor") == 0)
		strv_addf(env, "OCF_CHECK_LEVEL=%u", req->check_level);
	strv_addf(env, "OCF_EXIT_REASON_PREFIX=%s", OCF_REASON_PREFIX);
	strv_addf(env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	strv_addf(env, "LANG=C.UTF-8");
	strv_addf(env, "HA_LOGFACILITY=daemon");
	strv_addf(env, "HA_LOGTAG=relevod");
	strv_addf(env, "HA_debug=0");
}

/* The last "ocf-exit-reason:" line of stderr, trimmed, cut to fit without
 * splitting a UTF-8 sequence. "" when there is none. */
static void
ocf_parse_reason(const char *err, char *reason, size_t size)
{
	const size_t plen = strlen(OCF_REASON_PREFIX);
	const char *line, *end, *p, *q;
	size_t len;

	reason[0] = '\0';
	for (line = err; *line != '\0'; line = *end == '\n' ? end + 1 : end) {
		end = strchrnul(line, '\n');
		if (strncmp(line, OCF_REASON_PREFIX, plen) != 0)
			continue;
		p = line + plen;
		q = end;
		while (p < q && isspace((unsigned char)*p))
			p++;
		while (q > p && isspace((unsigned char)q[-1]))
			q--;
		len = (size_t)(q - p);
		if (len > size - 1) {
			len = size - 1;
			while (len > 0 && ((unsigned char)p[len] & 0xc0) == 0x80)
				len--;
		}
		memcpy(reason, p, len);
		reason[len] = '\0';
	}
}

/* An agent that cannot be executed: missing or not a program is "not
 * installed", not ours to run is "insufficient privileges". */
static int
ocf_map_exec_errno(int e)
{
	switch (e) {
	case EACCES:
	case EPERM:
		return OCF_ERR_PERM;
	case ENOENT:
	case ENOTDIR:
	case ENOEXEC:
	case ELOOP:
	case ENAMETOOLONG:
		return OCF_ERR_INSTALLED;
	default:
		return OCF_ERR_GENERIC;
	}
}

static void
ocf_child_done(void *data, const struct rv_child_result *cres)
{
	struct rv_ocf_action *a = data;
	struct rv_ocf_result res;

	memset(&res, 0, sizeof(res));
	res.raw_exit = -1;
	res.rc = OCF_ERR_GENERIC;
	res.duration_ms = cres->duration_ms;
	res.output = cres->out;
	switch (cres->status) {
	case RV_CHILD_EXITED:
		res.status = RV_OCF_DONE;
		res.raw_exit = cres->exit_code;
		res.rc = rv_ocf_map_exit(cres->exit_code);
		break;
	case RV_CHILD_TIMEOUT:
		res.status = RV_OCF_TIMEOUT;
		break;
	case RV_CHILD_SIGNALED:
		res.status = RV_OCF_SIGNALED;
		break;
	case RV_CHILD_EXEC_FAILED:
		res.status = RV_OCF_EXEC_FAILED;
		res.rc = ocf_map_exec_errno(cres->exit_code);
		break;
	}
	ocf_parse_reason(cres->err, res.exit_reason, sizeof(res.exit_reason));
	a->in_done = 1;
	a->done(a->data, &res);
	free(a);
}

int
rv_ocf_run(qb_loop_t *loop, const struct rv_ocf_request *req,
	   rv_ocf_done_fn done, void *data, struct rv_ocf_action **actionp)
{
	struct rv_ocf_action *a = NULL;
	struct rv_child_spec spec;
	struct strv argv = { NULL, 0, 0 };
	struct strv env = { NULL, 0, 0 };
	int rc;

	if (actionp != NULL)
		*actionp = NULL;
	if (loop == NULL || req == NULL || done == NULL)
		return -EINVAL;
	rc = ocf_request_check(req);
	if (rc != 0)
		goto done;

	strv_addf(&argv, "%s/resource.d/%s/%s", req->ocf_root, req->provider,
		  req->type);
	strv_addf(&argv, "%s", req->action);
	ocf_build_env(req, &env);

	a = calloc(1, sizeof(*a));
	if (a == NULL)
		abort();
	a->done = done;
	a->data = data;

	/* child.c uses the strings only until it returns: nothing of the
	 * request is kept */
	memset(&spec, 0, sizeof(spec));
	spec.path = argv.v[0];
	spec.argv = argv.v;
	spec.envp = env.v;
	spec.timeout_ms = req->timeout_ms;
	rc = rv_child_spawn(loop, &spec, ocf_child_done, a, &a->child);
	if (rc != 0)
		goto done;
	if (actionp != NULL)
		*actionp = a;
	a = NULL;
done:
	free(a);
	strv_free(&argv);
	strv_free(&env);
	return rc;
}

void
rv_ocf_cancel(struct rv_ocf_action *a)
{
	if (a == NULL || a->in_done)
		return;
	rv_child_cancel(a->child);
	free(a);
}

const char *
rv_ocf_rc_name(int rc)
{
	switch (rc) {
	case OCF_SUCCESS:
		return "success";
	case OCF_ERR_GENERIC:
		return "generic error";
	case OCF_ERR_ARGS:
		return "invalid argument";
	case OCF_ERR_UNIMPLEMENTED:
		return "unimplemented action";
	case OCF_ERR_PERM:
		return "insufficient privileges";
	case OCF_ERR_INSTALLED:
		return "not installed";
	case OCF_ERR_CONFIGURED:
		return "not configured";
	case OCF_NOT_RUNNING:
		return "not running";
	case OCF_RUNNING_PROMOTED:
		return "running promoted";
	case OCF_FAILED_PROMOTED:
		return "failed promoted";
	case OCF_DEGRADED:
		return "degraded";
	case OCF_DEGRADED_PROMOTED:
		return "degraded promoted";
	default:
		return "unknown";
	}
}

int
rv_ocf_map_exit(int code)
{
	switch (code) {
	case OCF_SUCCESS:
	case OCF_ERR_GENERIC:
	case OCF_ERR_ARGS:
	case OCF_ERR_UNIMPLEMENTED:
	case OCF_ERR_PERM:
	case OCF_ERR_INSTALLED:
	case OCF_ERR_CONFIGURED:
	case OCF_NOT_RUNNING:
	case OCF_RUNNING_PROMOTED:
	case OCF_FAILED_PROMOTED:
	case OCF_DEGRADED:
	case OCF_DEGRADED_PROMOTED:
		return code;
	default:
		return OCF_ERR_GENERIC;
	}
}
