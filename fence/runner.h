/*
 * runner.h — fence agents run from relevod's loop, and fencing the peer
 * through the configured methods in order (Pacemaker's fencing levels).
 *
 * An agent is anything that follows the fence-agents API (ClusterLabs
 * fence-agents doc/FenceAgentAPI.md): it is executed with no argument, reads
 * its options from stdin, one "key=value" line each, the action last
 * ("action=off"), and answers with its exit code:
 *   off, on, reboot, list, metadata:  0 done, anything else failed;
 *   status:   0 the target is on, 2 it is off, anything else failed;
 *   monitor:  0 the device works, 2 it is off (single-port devices),
 *             anything else failed.
 * A timeout is a failure, never a success. Options never go on the command
 * line (they hold passwords); the agent gets a clean environment.
 *
 * rv_fence_peer() tries the methods in their order until one of them takes
 * the peer off: action off (or reboot, per method), then, for off, action
 * status must say "off" before the method counts as done (a method whose
 * agent has no status trusts off's exit code). Each attempt goes to the
 * fence history (history.h) and the log; the first method that succeeds
 * ends the operation, and if none does the caller gets every failure.
 *
 * Ownership: every string of a request (agent, options, target, reason,
 * method names) is copied before the call returns; option values are wiped
 * before they are freed. Each done callback is called exactly once, from the
 * loop, never from inside the call that started it, unless the operation is
 * cancelled first. The history passed to rv_fence_peer() must outlive the
 * operation.
 */
#ifndef RELEVO_FENCE_RUNNER_H
#define RELEVO_FENCE_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include <qb/qbloop.h>

#include "config.h"

struct rv_fence_event;   /* history.h */
struct rv_fence_history;

#define RV_FENCE_MSG_MAX 256 /* bytes kept of an agent's last line */

enum rv_fence_action {
	RV_FENCE_ACTION_OFF = 0,
	RV_FENCE_ACTION_ON,
	RV_FENCE_ACTION_REBOOT,
	RV_FENCE_ACTION_STATUS,
	RV_FENCE_ACTION_MONITOR,
	RV_FENCE_ACTION_LIST,
	RV_FENCE_ACTION_METADATA,
};

/* What an agent's run came to, after the API's mapping of its exit code. */
enum rv_fence_rc {
	RV_FENCE_RC_DONE = 0,      /* exit 0 of any action but status */
	RV_FENCE_RC_ON,            /* status: exit 0, the target is on */
	RV_FENCE_RC_OFF,           /* status (or monitor): exit 2, it is off */
	RV_FENCE_RC_ERROR,         /* exit 1 or any other code: failed, or
				    * the agent could not tell */
	RV_FENCE_RC_TIMEOUT,       /* did not end in time; killed by us */
	RV_FENCE_RC_SIGNALED,      /* died of a signal we did not send */
	RV_FENCE_RC_NOT_INSTALLED, /* could not be executed */
};

struct rv_fence_request {
	const char *agent;              /* absolute path of the agent */
	const struct rv_param *options; /* written in this order, "name=value" */
	size_t n_options;
	const char *target;             /* also written as nodename=TARGET, as
					 * fenced and Pacemaker do, unless an
					 * option is named nodename; NULL: no
					 * target (monitor, list, metadata) */
	enum rv_fence_action action;
	uint64_t timeout_ms;            /* > 0: a fence action must end */
};

struct rv_fence_result {
	enum rv_fence_action action;
	enum rv_fence_rc rc;
	int raw_exit;            /* the agent's exit code, -1 if it has none */
	int signo;               /* RV_FENCE_RC_SIGNALED: the signal */
	int exec_errno;          /* RV_FENCE_RC_NOT_INSTALLED: why */
	uint64_t duration_ms;
	const char *output;      /* stdout (capped by child.c), valid during
				  * the callback only */
	const char *errors;      /* stderr, idem */
	char message[RV_FENCE_MSG_MAX]; /* the agent's last line (stderr, else
					 * stdout), printable, "" if none */
};

typedef void (*rv_fence_done_fn)(void *data, const struct rv_fence_result *res);

struct rv_fence_call;

/* Run one action of an agent. Returns 0 (and *callp, if not NULL), or
 * -EINVAL for a bad request (relative agent path, no timeout, an option
 * named action or option, a name with '=' or a line break, a value with a
 * line break), -E2BIG when the options do not fit the agent's stdin, or
 * another -errno when the process could not be created. An agent that is
 * missing or not executable is reported through done. */
int rv_fence_run(qb_loop_t *loop, const struct rv_fence_request *req,
		 rv_fence_done_fn done, void *data, struct rv_fence_call **callp);

/* Kill the agent's process group and forget the call; done is not called.
 * NULL ok. */
void rv_fence_cancel(struct rv_fence_call *call);

/* One configured fencing method (a level). */
struct rv_fence_method {
	const char *name;               /* for the log and the history */
	const char *agent;
	const struct rv_param *options;
	size_t n_options;
	enum rv_fence_action action;    /* OFF (the default) or REBOOT */
	int no_status;                  /* the agent cannot report status:
					 * trust off's exit code */
	uint64_t timeout_ms;            /* for each agent run */
};

struct rv_fence_peer_request {
	const char *target;             /* the peer's node name */
	const char *reason;             /* why it is fenced, for the history */
	const struct rv_fence_method *methods;
	size_t n_methods;               /* >= 1 */
};

struct rv_fence_peer_result {
	int fenced;                     /* 1: a method took the target off */
	const char *target;
	const char *method;             /* the method that did, or NULL */
	uint64_t duration_ms;           /* of the whole operation */
	const struct rv_fence_event *attempts; /* one per method tried, in
						* order; the last one is the
						* success if fenced */
	size_t n_attempts;
};

typedef void (*rv_fence_peer_fn)(void *data, const struct rv_fence_peer_result *res);

struct rv_fence_peer_op;

/* Fence target with methods in order until one succeeds. Returns 0 (and
 * *opp, if not NULL) or -EINVAL for a bad request (no target, no method, a
 * method that rv_fence_run() would refuse, an action other than off or
 * reboot). Every attempt is added to history (NULL: none kept). */
int rv_fence_peer(qb_loop_t *loop, struct rv_fence_history *history,
		  const struct rv_fence_peer_request *req,
		  rv_fence_peer_fn done, void *data, struct rv_fence_peer_op **opp);

/* Stop fencing: the agent running is killed, the attempt is recorded as
 * cancelled, done is not called. NULL ok. */
void rv_fence_peer_cancel(struct rv_fence_peer_op *op);

/* The mapping of the API: an exit code of an agent for action. */
enum rv_fence_rc rv_fence_map_exit(enum rv_fence_action action, int code);

/* "off", "on", "reboot", "status", "monitor", "list", "metadata". */
const char *rv_fence_action_name(enum rv_fence_action action);

/* "done", "on", "off", "error", "timeout", "killed", "not installed". */
const char *rv_fence_rc_name(enum rv_fence_rc rc);

#endif
