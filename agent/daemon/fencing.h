/*
 * fencing.h — relevod's side of fencing: between the role machine and the
 * fence runner (fence/runner.h), and the watchdog's predicate.
 *
 * The role machine decides when the peer must be fenced and asks through
 * its ops; this module applies the delay (fence-delay for a standby racing
 * the holder), runs the configured methods for the peer in order, then, as
 * the last method when a watchdog is configured, waits until twice the
 * watchdog timeout has passed since the peer was lost, and reports back as
 * events (FENCE_DONE, FENCE_FAILED, FENCE_RETRY after a backoff). It also
 * serves requests from outside the machine (DRBD's fence-peer handler over
 * the IPC), which share the one operation under way.
 */
#ifndef RELEVO_FENCING_H
#define RELEVO_FENCING_H

#include <stddef.h>
#include <stdint.h>

#include <qb/qbloop.h>

#include "history.h"
#include "runner.h"
#include "watchdog.h"

struct rv_ctx;

/* What a fence request from outside (DRBD's fence-peer handler) came to. */
enum rv_fencing_req_outcome {
	RV_FENCING_REQ_FENCED = 0,        /* a method took the peer off */
	RV_FENCING_REQ_PEER_OUTDATED,     /* no fence needed: the peer's disk is
					   * Outdated (its last STATE says so) */
	RV_FENCING_REQ_PEER_INCONSISTENT, /* idem: Inconsistent, or no disk */
	RV_FENCING_REQ_FAILED,            /* every method failed */
	RV_FENCING_REQ_REFUSED,           /* fencing = off, or the peer holds
					   * the site (it is the primary) */
};

typedef void (*rv_fencing_req_fn)(void *data, enum rv_fencing_req_outcome out,
				  const char *detail);

#define RV_FENCING_MAX_REQS 8

struct rv_fencing_req {
	rv_fencing_req_fn done;
	void *data;
};

struct req_reply;

struct rv_fencing {
	struct rv_ctx *ctx;
	struct req_reply *replies;       /* answers queued, not yet given */
	struct rv_fence_history history;
	struct rv_fence_peer_op *op;     /* methods running, or NULL */
	int delayed;                     /* waiting out fence-delay */
	int watchdog_wait;               /* waiting out 2 x watchdog timeout */
	qb_loop_timer_handle delay_timer, retry_timer, grace_timer;
	uint64_t started_ms;             /* of the operation under way */
	unsigned failures;               /* in a row; resets on success */
	uint64_t retry_at_ms;            /* 0: no retry planned */
	uint64_t fenced_ms;              /* when the peer was last confirmed off */
	char method[64];                 /* the method that did */
	char reason[128];                /* of the operation under way */
	char last_error[256];
	struct rv_fencing_req reqs[RV_FENCING_MAX_REQS];
	size_t n_reqs;
	struct rv_watchdog wd;
	int wd_open;
};

/* Set up (and open the watchdog, when configured: -errno if it cannot be,
 * and relevod must not run without it). */
int rv_fencing_init(struct rv_ctx *ctx);
/* Stop everything; the watchdog is disarmed only when nothing is held. */
void rv_fencing_fini(struct rv_ctx *ctx);

/* The role machine's ops: fence the peer (after fence-delay if delayed),
 * or stop doing so. */
void rv_fencing_start(struct rv_ctx *ctx, int delayed);
void rv_fencing_cancel(struct rv_ctx *ctx);

/* "idle", "delayed", "running", "watchdog-wait", "failed" (retry planned). */
const char *rv_fencing_state(const struct rv_ctx *ctx);

/* "fenced", "peer-outdated", "peer-inconsistent", "failed", "refused". */
const char *rv_fencing_req_outcome_name(enum rv_fencing_req_outcome out);

/* Fence the peer on behalf of an outside caller. done is called exactly once
 * from the loop (never from inside this call) unless cancelled. 0, -EBUSY
 * (too many requests waiting) or -EINVAL. */
int rv_fencing_request(struct rv_ctx *ctx, const char *reason, rv_fencing_req_fn done,
		       void *data);

/* Forget the requests made with data (its caller went away). */
void rv_fencing_request_cancel(struct rv_ctx *ctx, void *data);

#endif
