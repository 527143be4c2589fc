/*
 * ipc.c — relevod's local IPC server (libqb service "relevo").
 *
 * Peers are authenticated at accept by their credentials (the kernel's, as
 * libqb reads them from the socket): root may do everything; members of the
 * "relevo" group may read (status, history, fence-history); everyone else is
 * refused at the door. Every request is size-checked and parsed with a depth
 * limit; a malformed one gets an error answer, is counted and logged, and
 * changes nothing. A client that does not read its answer loses it; the
 * daemon never waits for a client.
 *
 * What a client may cost is bounded: its buffers (checked at accept), the
 * clients other than root at once (MAX_CLIENTS), and one that lets its
 * answers pile up is no longer listened to.
 *
 * Every connection's receive buffer is larger than any datagram a client
 * without privilege can send, not just RV_IPC_MAX_MSG: libqb's socket
 * transport (2.0.6 to 2.0.10 at least, qb_ipc_us_recv_at_most) receives a
 * request with recv(2) of as many bytes as the request's own header claims,
 * into that buffer, whatever its size. A member of the read-only group who
 * sent a 300000-byte datagram wrote past relevod's 256 KiB buffer
 * (tests/unit/ipc-hostile big). The kernel lets a process raise its send
 * buffer to twice net.core.wmem_max, and a datagram is at most that; the
 * buffers are made that large (address space only: the pages are touched
 * when a datagram fills them). The sysctl is read again at each accept: if
 * root raised it beyond what the buffers cover, clients other than root are
 * refused until relevod restarts. What a request may carry is still
 * RV_IPC_MAX_MSG (ipc_parse.c).
 *
 * The transport is libqb's socket one (QB_IPC_SOCKET), not its shared-memory
 * rings: with rings, every accepted client writes its own ring buffers in
 * /dev/shm and libqb trusts their control words and sizes, so a member of
 * the read-only group who truncated its ring or moved its write pointer made
 * relevod fault (SIGBUS, SIGSEGV) or write out of bounds (shown with
 * tests/unit/ipc-hostile shm). Over sockets every byte of a request is
 * copied by the kernel into relevod's own buffer; what a client still shares
 * with relevod is a small control block (a count of messages sent and a flow
 * control flag), whose corruption can only make relevod try a read that
 * finds nothing. relevod's answers are small and rare: the copy costs
 * nothing that matters.
 *
 * fence-peer is the one command answered later: the connection is held (a
 * libqb reference) until fencing.c says how the request ended, and let go
 * without an answer if the client leaves first.
 */
#include "autoconf.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <json-c/json.h>
#include <qb/qbipcs.h>
#include <qb/qblog.h>

#include "ctx.h"
#include "ipc_parse.h"
#include "ipc_proto.h"

/* The connection's context: its rights, and whether it waits for the end of
 * a fence-peer request (then ipc.c holds a reference on it). */
#define CONN_READ 1
#define CONN_ROOT 2
#define CONN_FENCE_WAIT 4

static struct rv_ctx *
ctx_of(qb_ipcs_connection_t *c)
{
	return qb_ipcs_connection_service_context_get(c);
}

/* Is uid (primary group gid) in the read-only group? */
static int
in_group(gid_t want, uid_t uid, gid_t gid)
{
	struct passwd *pw;
	gid_t groups[64];
	int n = 64, i;

	if (want == (gid_t)-1)
		return 0;
	if (gid == want)
		return 1;
	/* local NSS lookups; short and bounded in practice */
	pw = getpwuid(uid);
	if (pw == NULL || getgrouplist(pw->pw_name, gid, groups, &n) < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (groups[i] == want)
			return 1;
	return 0;
}

/*
 * Clients connected at once beyond which only root gets in. Each one costs
 * relevod a socket and a receive buffer (see above), so without a bound a
 * reader could take all its descriptors (then no OCF action can start) or
 * much of the memory.
 */
#define MAX_CLIENTS 32

/* The largest connection buffer relevod allocates (address space). */
#define MAX_IPC_BUF (64u * 1024 * 1024)

/* The longest datagram a process without CAP_NET_ADMIN can send on a unix
 * socket: its send buffer, at most twice net.core.wmem_max (the kernel
 * doubles what SO_SNDBUF asks for, for its overhead); 0 if unknown. */
static uint64_t
max_unprivileged_datagram(void)
{
	FILE *f = fopen("/proc/sys/net/core/wmem_max", "re");
	unsigned long long wmem = 0;
	int n;

	if (f == NULL)
		return 0;
	n = fscanf(f, "%llu", &wmem);
	fclose(f);
	return n == 1 ? 2 * (uint64_t)wmem : 0;
}

/* The buffer size for every connection: RV_IPC_MAX_MSG, or more to hold
 * the longest datagram, in pages; 0 when that is beyond MAX_IPC_BUF. */
static uint32_t
ipc_buffer_size(void)
{
	uint64_t need = max_unprivileged_datagram(), size = RV_IPC_MAX_MSG;

	if (need > size)
		size = (need + 4095) / 4096 * 4096;
	return size <= MAX_IPC_BUF ? (uint32_t)size : 0;
}

static int32_t
ipc_accept(qb_ipcs_connection_t *c, uid_t uid, gid_t gid)
{
	struct rv_ctx *ctx = ctx_of(c);
	struct qb_ipcs_stats st;
	int32_t size = qb_ipcs_connection_get_buffer_size(c);
	intptr_t rights;

	/* libqb gives a client the larger of its own and the service's buffer
	 * size, and allocates it before it asks */
	if (size < 0 || (uint32_t)size > ctx->ipc_buf) {
		ctx->ipc_bad++;
		qb_log(LOG_WARNING, "refused an IPC client (uid %u): it asks for %d-byte "
		       "buffers, more than %u", (unsigned)uid, (int)size, ctx->ipc_buf);
		return -EMSGSIZE;
	}
	/* the buffer must still hold any datagram the client can send */
	if (uid != 0 && max_unprivileged_datagram() > ctx->ipc_buf) {
		ctx->ipc_refused++;
		if (!ctx->ipc_buf_warned)
			qb_log(LOG_ERR, "refusing IPC clients other than root: net.core.wmem_max "
			       "now lets them send datagrams longer than relevod's %u-byte "
			       "buffers (restart relevod to size them again)", ctx->ipc_buf);
		ctx->ipc_buf_warned = 1;
		return -EMSGSIZE;
	}
	if (uid == 0)
		rights = CONN_ROOT | CONN_READ;
	else if (in_group(ctx->ipc_gid, uid, gid))
		rights = CONN_READ;
	else {
		ctx->ipc_refused++;
		qb_log(LOG_WARNING, "refused an IPC client: uid %u is neither root nor in "
		       "group %s", (unsigned)uid, RV_IPC_GROUP);
		return -EACCES;
	}
	if (uid != 0 && qb_ipcs_stats_get(ctx->ipcs, &st, QB_FALSE) == 0 &&
	    st.active_connections >= MAX_CLIENTS) {
		ctx->ipc_refused++;
		qb_log(LOG_WARNING, "refused an IPC client (uid %u): %u clients are connected "
		       "already", (unsigned)uid, (unsigned)st.active_connections);
		return -EBUSY;
	}
	qb_ipcs_context_set(c, (void *)rights);
	return 0;
}

static void
ipc_created(qb_ipcs_connection_t *c)
{
}

/* Let go of a connection that waited for a fence-peer answer. */
static void
fence_wait_end(qb_ipcs_connection_t *c)
{
	intptr_t rights = (intptr_t)qb_ipcs_context_get(c);

	qb_ipcs_context_set(c, (void *)(rights & ~(intptr_t)CONN_FENCE_WAIT));
	qb_ipcs_connection_unref(c);
}

static int32_t
ipc_closed(qb_ipcs_connection_t *c)
{
	struct rv_ctx *ctx = ctx_of(c);

	if ((intptr_t)qb_ipcs_context_get(c) & CONN_FENCE_WAIT) {
		/* the handler gave up (or relevod stops): fencing goes on for
		 * the role machine's sake, but nobody is told */
		qb_log(LOG_INFO, "a client waiting for a fence-peer answer went away");
		rv_fencing_request_cancel(ctx, c);
		fence_wait_end(c);
	}
	return 0;
}

static void
ipc_destroyed(qb_ipcs_connection_t *c)
{
}

/*
 * Set in a connection's context (beside its rights) once an answer could
 * not be given because the client does not read them (its ring is full):
 * what it sends from then on is not looked at, so that such a client
 * costs neither a status document nor a log line per request.
 */
#define CONN_DEAF 0x100

static void
mark_deaf(qb_ipcs_connection_t *c, ssize_t why)
{
	intptr_t rights = (intptr_t)qb_ipcs_context_get(c);

	if (rights & CONN_DEAF)
		return;
	qb_log(LOG_WARNING, "an IPC client does not take its answers (%s); what it sends "
	       "from now on is ignored", strerror((int)-why));
	qb_ipcs_context_set(c, (void *)(rights | CONN_DEAF));
}

static void
reply(qb_ipcs_connection_t *c, json_object *o)
{
	struct qb_ipc_response_header h = { .id = RV_IPC_RESPONSE, .error = 0 };
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text) + 1;
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)(uintptr_t)text, .iov_len = len },
	};
	ssize_t rc;

	h.size = (int32_t)(sizeof(h) + len);
	if (sizeof(h) + len > RV_IPC_MAX_MSG) {
		qb_log(LOG_ERR, "IPC answer of %zu bytes is too large; dropped", len);
		return;
	}
	rc = qb_ipcs_response_sendv(c, iov, 2);
	if (rc < 0)
		mark_deaf(c, rc);
}

static void
reply_error(qb_ipcs_connection_t *c, const char *why)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(why));
	reply(c, o);
	json_object_put(o);
}

static void
reply_result(qb_ipcs_connection_t *c, int rc, const char *why)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(rc == 0));
	json_object_object_add(o, rc == 0 ? "message" : "error", json_object_new_string(why));
	reply(c, o);
	json_object_put(o);
}

static void
bad_request(struct rv_ctx *ctx, qb_ipcs_connection_t *c, const char *why)
{
	ctx->ipc_bad++;
	qb_log(LOG_WARNING, "dropped a malformed IPC request: %s", why);
	reply_error(c, why);
}

/* fencing.c's answer to a fence-peer request (rv_fencing_req_fn): data is
 * the waiting connection, held until now. Never called after
 * rv_fencing_request_cancel() for it (fencing.h), which ipc_closed() calls
 * before it lets go. */
static void
fence_done(void *data, enum rv_fencing_req_outcome out, const char *detail)
{
	qb_ipcs_connection_t *c = data;
	json_object *o = json_object_new_object();

	qb_log(LOG_NOTICE, "fence-peer request: %s (%s)", rv_fencing_req_outcome_name(out),
	       detail != NULL ? detail : "");
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "outcome",
			       json_object_new_string(rv_fencing_req_outcome_name(out)));
	json_object_object_add(o, "detail", json_object_new_string(detail != NULL ? detail : ""));
	reply(c, o);
	json_object_put(o);
	fence_wait_end(c);
}

/* fence-peer: fence the peer for DRBD's fence-peer handler; the answer comes
 * from fence_done(). */
static void
fence_peer(struct rv_ctx *ctx, qb_ipcs_connection_t *c, json_object *req)
{
	intptr_t rights = (intptr_t)qb_ipcs_context_get(c);
	const char *reason = "requested over the IPC";
	json_object *arg;
	char why[160];
	int rc;

	if (json_object_object_get_ex(req, "reason", &arg)) {
		if (!json_object_is_type(arg, json_type_string) ||
		    json_object_get_string_len(arg) == 0) {
			bad_request(ctx, c, "'reason' must be a non-empty text");
			return;
		}
		reason = json_object_get_string(arg);
	}
	/* one at a time: the client reads one answer per request */
	if (rights & CONN_FENCE_WAIT) {
		bad_request(ctx, c, "this client already waits for a fence-peer answer");
		return;
	}
	qb_log(LOG_NOTICE, "fence-peer requested: %s", reason);
	rc = rv_fencing_request(ctx, reason, fence_done, c);
	if (rc < 0) {
		snprintf(why, sizeof(why), "cannot fence the peer: %s",
			 rc == -EBUSY ? "too many fence requests waiting" : strerror(-rc));
		qb_log(LOG_WARNING, "fence-peer refused: %s", why);
		reply_error(c, why);
		return;
	}
	qb_ipcs_connection_ref(c);
	qb_ipcs_context_set(c, (void *)(rights | CONN_FENCE_WAIT));
}

static void
command(struct rv_ctx *ctx, qb_ipcs_connection_t *c, json_object *req, const char *cmd)
{
	intptr_t rights = (intptr_t)qb_ipcs_context_get(c);
	json_object *o, *arg;
	const char *why = NULL;
	int rc;

	if (rv_ipc_needs_root(cmd) && !(rights & CONN_ROOT)) {
		ctx->ipc_refused++;
		qb_log(LOG_WARNING, "refused '%s' from a client that is not root", cmd);
		reply_error(c, "permission denied: changes need root");
		return;
	}
	if (strcmp(cmd, "status") == 0) {
		o = json_object_new_object();
		json_object_object_add(o, "ok", json_object_new_boolean(1));
		json_object_object_add(o, "status", rv_report_status(ctx));
		reply(c, o);
		json_object_put(o);
	} else if (strcmp(cmd, "history") == 0) {
		o = json_object_new_object();
		json_object_object_add(o, "ok", json_object_new_boolean(1));
		json_object_object_add(o, "schema", json_object_new_int(RV_STATUS_SCHEMA));
		json_object_object_add(o, "history", rv_journal_json(&ctx->journal));
		reply(c, o);
		json_object_put(o);
	} else if (strcmp(cmd, "fence-history") == 0) {
		/* {"fence_history": [...]} as the history makes it, plus ok */
		o = rv_fence_history_json(&ctx->fencing.history);
		json_object_object_add(o, "ok", json_object_new_boolean(1));
		reply(c, o);
		json_object_put(o);
	} else if (strcmp(cmd, "fence-peer") == 0) {
		fence_peer(ctx, c, req);
	} else if (strcmp(cmd, "unfence-peer") == 0) {
		/* DRBD 9 runs unfence-peer (8.4: after-resync-target) once the
		 * peer's disk is UpToDate again; relevod sets no constraint
		 * that would have to be lifted, so this is only a record */
		qb_log(LOG_NOTICE, "unfence-peer from DRBD: the peer's disk is in sync again; "
		       "nothing to undo");
		reply_result(c, 0, "nothing to undo");
	} else if (strcmp(cmd, "switchover") == 0) {
		const char *to = NULL;

		if (json_object_object_get_ex(req, "to", &arg)) {
			if (!json_object_is_type(arg, json_type_string)) {
				bad_request(ctx, c, "'to' must be a node name");
				return;
			}
			to = json_object_get_string(arg);
		}
		rc = rv_core_switchover(ctx, to, &why);
		qb_log(LOG_NOTICE, "operator: switchover%s%s: %s", to ? " to " : "", to ? to : "",
		       why);
		reply_result(c, rc, why);
	} else if (strcmp(cmd, "standby") == 0 || strcmp(cmd, "unstandby") == 0) {
		rc = rv_core_standby(ctx, cmd[0] == 's', &why);
		qb_log(LOG_NOTICE, "operator: %s: %s", cmd, why);
		reply_result(c, rc, why);
	} else if (strcmp(cmd, "maintenance") == 0) {
		if (!json_object_object_get_ex(req, "on", &arg) ||
		    !json_object_is_type(arg, json_type_boolean)) {
			bad_request(ctx, c, "maintenance needs \"on\": true or false");
			return;
		}
		rc = rv_core_maintenance(ctx, json_object_get_boolean(arg), &why);
		qb_log(LOG_NOTICE, "operator: maintenance %s: %s",
		       json_object_get_boolean(arg) ? "on" : "off", why);
		reply_result(c, rc, why);
	} else {
		bad_request(ctx, c, "unknown command");
	}
}

static int32_t
ipc_msg(qb_ipcs_connection_t *c, void *data, size_t size)
{
	struct rv_ctx *ctx = ctx_of(c);
	json_object *req;
	const char *cmd, *why;

	if ((intptr_t)qb_ipcs_context_get(c) & CONN_DEAF)
		return 0;
	if (rv_ipc_parse_request(data, size, &req, &cmd, &why) < 0) {
		bad_request(ctx, c, why);
		return 0;
	}
	command(ctx, c, req, cmd);
	json_object_put(req);
	return 0;
}

/* libqb's poll handlers carry no context: they use the default loop, which
 * is the loop relevod created first and only. */
static int32_t
job_add(enum qb_loop_priority p, void *data, qb_loop_job_dispatch_fn fn)
{
	return qb_loop_job_add(NULL, p, data, fn);
}

static int32_t
poll_add(enum qb_loop_priority p, int32_t fd, int32_t events, void *data,
	 qb_ipcs_dispatch_fn_t fn)
{
	return qb_loop_poll_add(NULL, p, fd, events, data, fn);
}

static int32_t
poll_mod(enum qb_loop_priority p, int32_t fd, int32_t events, void *data,
	 qb_ipcs_dispatch_fn_t fn)
{
	return qb_loop_poll_mod(NULL, p, fd, events, data, fn);
}

static int32_t
poll_del(int32_t fd)
{
	return qb_loop_poll_del(NULL, fd);
}

int
rv_ipc_start(struct rv_ctx *ctx)
{
	static struct qb_ipcs_service_handlers handlers = {
		.connection_accept = ipc_accept,
		.connection_created = ipc_created,
		.msg_process = ipc_msg,
		.connection_closed = ipc_closed,
		.connection_destroyed = ipc_destroyed,
	};
	static struct qb_ipcs_poll_handlers poll = {
		.job_add = job_add,
		.dispatch_add = poll_add,
		.dispatch_mod = poll_mod,
		.dispatch_del = poll_del,
	};
	struct group *gr = getgrnam(RV_IPC_GROUP);
	int rc;

	ctx->ipc_gid = gr != NULL ? gr->gr_gid : (gid_t)-1;
	ctx->ipc_buf = ipc_buffer_size();
	if (ctx->ipc_buf == 0) {
		/* only root can send that much; the others are refused */
		ctx->ipc_buf = MAX_IPC_BUF;
		qb_log(LOG_ERR, "net.core.wmem_max lets a process send datagrams longer than "
		       "%u bytes: IPC clients other than root will be refused", MAX_IPC_BUF);
	} else {
		qb_log(LOG_INFO, "IPC buffers: %u bytes (requests up to %u; twice "
		       "net.core.wmem_max)", ctx->ipc_buf, (unsigned)RV_IPC_MAX_MSG);
	}
	/* sockets, not shared memory: see the header comment */
	ctx->ipcs = qb_ipcs_create(RV_IPC_SERVICE, 0, QB_IPC_SOCKET, &handlers);
	if (ctx->ipcs == NULL)
		return -errno ? -errno : -ENOMEM;
	qb_ipcs_service_context_set(ctx->ipcs, ctx);
	qb_ipcs_enforce_buffer_size(ctx->ipcs, ctx->ipc_buf);
	qb_ipcs_poll_handlers_set(ctx->ipcs, &poll);
	rc = qb_ipcs_run(ctx->ipcs);
	if (rc < 0) {
		qb_log(LOG_ERR, "cannot start the IPC service: %s", strerror(-rc));
		qb_ipcs_destroy(ctx->ipcs);
		ctx->ipcs = NULL;
		return rc;
	}
	return 0;
}

void
rv_ipc_stop(struct rv_ctx *ctx)
{
	if (ctx->ipcs != NULL) {
		qb_ipcs_destroy(ctx->ipcs);
		ctx->ipcs = NULL;
	}
}
