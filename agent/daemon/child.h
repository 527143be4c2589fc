/*
 * child.h — child processes watched from relevod's qb_loop.
 *
 * Resource agents, fence agents and helpers run as children: spawned with a
 * clean environment and no inherited descriptors, in their own process group,
 * their stdout and stderr collected through non-blocking pipes (each capped,
 * the excess discarded and counted), their exit noticed through a pidfd polled
 * by the loop. Nothing here ever blocks or sleeps: a timeout sends SIGTERM to
 * the child's process group and, after a grace period, SIGKILL.
 *
 * Ownership: the struct rv_child belongs to this module. The done callback is
 * called exactly once per successful rv_child_spawn(), from the loop, never
 * from inside rv_child_spawn(); after it returns the child is freed, so the
 * caller must drop its pointer. rv_child_cancel() kills the child's group and
 * frees it without calling done.
 */
#ifndef RELEVO_CHILD_H
#define RELEVO_CHILD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <qb/qbloop.h>

#define RV_CHILD_OUTPUT_MAX 65536 /* bytes kept of each of stdout and stderr */

enum rv_child_status {
	RV_CHILD_EXITED = 0,   /* exited; see exit_code */
	RV_CHILD_SIGNALED,     /* killed by a signal it was not sent by us */
	RV_CHILD_TIMEOUT,      /* did not finish in time; we killed it */
	RV_CHILD_EXEC_FAILED,  /* could not be executed; exit_code holds errno */
};

struct rv_child_result {
	enum rv_child_status status;
	int exit_code;      /* EXITED: exit status; EXEC_FAILED: errno */
	int signo;          /* SIGNALED: the signal */
	uint64_t duration_ms;
	pid_t pid;
	const char *out;    /* NUL-terminated stdout (up to the cap); valid during the callback */
	size_t out_len;
	const char *err;    /* NUL-terminated stderr (up to the cap) */
	size_t err_len;
	size_t dropped;     /* bytes discarded beyond the caps */
};

typedef void (*rv_child_done_fn)(void *data, const struct rv_child_result *res);

struct rv_child_spec {
	const char *path;         /* executable, absolute */
	char *const *argv;        /* argv[0] included, NULL-terminated */
	char *const *envp;        /* complete environment, NULL-terminated */
	const char *input;        /* written to stdin then closed; NULL: /dev/null */
	size_t input_len;
	uint64_t timeout_ms;      /* 0: no timeout */
	uint64_t kill_grace_ms;   /* after SIGTERM, before SIGKILL; 0: 2000 */
};

struct rv_child;

/* Spawn a child. Returns 0 and sets *childp (if not NULL), or -errno when the
 * process could not even be created (pipe, pidfd or fork failure). A missing
 * or non-executable path is reported through done with RV_CHILD_EXEC_FAILED. */
int rv_child_spawn(qb_loop_t *loop, const struct rv_child_spec *spec,
		   rv_child_done_fn done, void *data, struct rv_child **childp);

/* Kill the child's process group (SIGKILL) and free it; done is not called.
 * The zombie is reaped. Safe to call with NULL. */
void rv_child_cancel(struct rv_child *child);

/* Number of children currently running (for status and tests). */
unsigned rv_child_count(void);

#endif
