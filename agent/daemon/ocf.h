/*
 * ocf.h — running OCF resource agents (OCF 1.1) from relevod's loop.
 *
 * An action runs OCF_ROOT/resource.d/PROVIDER/TYPE with the argument ACTION
 * and the environment the OCF spec and Pacemaker give agents:
 *   OCF_ROOT, OCF_RA_VERSION_MAJOR=1, OCF_RA_VERSION_MINOR=1,
 *   OCF_RESOURCE_INSTANCE, OCF_RESOURCE_TYPE, OCF_RESOURCE_PROVIDER,
 *   OCF_RESKEY_<name> for each parameter,
 *   OCF_RESKEY_CRM_meta_timeout (ms), OCF_RESKEY_CRM_meta_interval (ms),
 *   OCF_CHECK_LEVEL (monitor only), OCF_TRACE_RA unset,
 *   PATH=/usr/sbin:/usr/bin:/sbin:/bin, LANG=C.UTF-8, HA_LOGFACILITY=daemon,
 *   HA_LOGTAG=relevod, HA_debug=0.
 * Nothing of relevod's own environment leaks in.
 *
 * The agent's "ocf-exit-reason:" lines on stderr (what ocf_exit_reason writes)
 * are captured; the last one is the result's exit reason. The action is bound
 * by its timeout (SIGTERM to the agent's group, then SIGKILL), and a timeout,
 * a signal or an agent that cannot be executed is mapped to an OCF code so
 * callers see one convention:
 *   timeout       -> rc OCF_ERR_GENERIC, status RV_OCF_TIMEOUT
 *   killed        -> rc OCF_ERR_GENERIC, status RV_OCF_SIGNALED
 *   not found     -> rc OCF_ERR_INSTALLED, status RV_OCF_EXEC_FAILED
 *   exit code not defined by the spec -> rc OCF_ERR_GENERIC, status RV_OCF_DONE,
 *                    raw_exit keeps the real code.
 *
 * Ownership: the request's strings are copied at rv_ocf_run(); the caller may
 * free them afterwards. The done callback is called exactly once (never from
 * inside rv_ocf_run), unless rv_ocf_cancel() is called first.
 */
#ifndef RELEVO_OCF_H
#define RELEVO_OCF_H

#include <stddef.h>
#include <stdint.h>

#include <qb/qbloop.h>

#include "config.h"

/* Exit codes of OCF 1.1. */
enum rv_ocf_rc {
	OCF_SUCCESS = 0,
	OCF_ERR_GENERIC = 1,
	OCF_ERR_ARGS = 2,
	OCF_ERR_UNIMPLEMENTED = 3,
	OCF_ERR_PERM = 4,
	OCF_ERR_INSTALLED = 5,
	OCF_ERR_CONFIGURED = 6,
	OCF_NOT_RUNNING = 7,
	OCF_RUNNING_PROMOTED = 8,
	OCF_FAILED_PROMOTED = 9,
	OCF_DEGRADED = 190,
	OCF_DEGRADED_PROMOTED = 191,
};

enum rv_ocf_status {
	RV_OCF_DONE = 0,     /* the agent ran and exited */
	RV_OCF_TIMEOUT,
	RV_OCF_SIGNALED,
	RV_OCF_EXEC_FAILED,
};

#define RV_OCF_REASON_MAX 256

struct rv_ocf_result {
	enum rv_ocf_status status;
	int rc;                             /* enum rv_ocf_rc, after mapping */
	int raw_exit;                       /* the agent's exit code (-1 if none) */
	char exit_reason[RV_OCF_REASON_MAX]; /* "" when the agent gave none */
	uint64_t duration_ms;
	const char *output;                 /* stdout, valid during the callback
					     * (meta-data uses it) */
};

typedef void (*rv_ocf_done_fn)(void *data, const struct rv_ocf_result *res);

struct rv_ocf_request {
	const char *ocf_root;
	const char *provider;
	const char *type;
	const char *instance;
	const char *action;          /* "start", "stop", "monitor", "meta-data", ... */
	const struct rv_param *params;
	size_t n_params;
	uint64_t timeout_ms;
	uint64_t interval_ms;        /* 0 for a probe or a non-recurring action */
	unsigned check_level;        /* exported as OCF_CHECK_LEVEL for monitor */
};

struct rv_ocf_action;

/* Start an action. Returns 0 (and *actionp, if not NULL), or -errno when it
 * could not be started at all (out of processes, bad request). An agent file
 * that is missing is not an error here: done reports OCF_ERR_INSTALLED. */
int rv_ocf_run(qb_loop_t *loop, const struct rv_ocf_request *req,
	       rv_ocf_done_fn done, void *data, struct rv_ocf_action **actionp);

/* Kill the action's process group and forget it; done is not called. NULL ok. */
void rv_ocf_cancel(struct rv_ocf_action *action);

/* "success", "not running", "generic error", ...; "unknown(N)" is not
 * returned: out-of-spec codes give "unknown". */
const char *rv_ocf_rc_name(int rc);

/* Map a raw exit code to the spec's codes (out-of-spec -> OCF_ERR_GENERIC). */
int rv_ocf_map_exit(int code);

#endif
