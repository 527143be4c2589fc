/*
 * cluster.c — corosync for relevod: CPG group, votequorum, cmap.
 *
 * Each handle's fd is polled at high priority on the loop; callbacks are
 * turned into ops calls in delivery order. Errors from corosync (cs_error_t)
 * stop here: they are logged with cs_strerror() and become a disconnect
 * plus a reconnect timer. Nothing here may block or sleep: a corosync that
 * is not there yet is retried from a timer.
 */
#include "autoconf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <corosync/corotypes.h>
#include <qb/qblog.h>

#include "cluster.h"

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 8000
#define SENDQ_RETRY_MS 10

static void disconnect(struct rv_cluster *c, const char *why, cs_error_t err);
static int try_connect(struct rv_cluster *c);

/* ------------------------------------------------------------ callbacks */

static struct rv_cluster *
cpg_ctx(cpg_handle_t h)
{
	void *ctx = NULL;

	cpg_context_get(h, &ctx);
	return ctx;
}

static void
on_deliver(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid,
	   uint32_t pid, void *msg, size_t len)
{
	struct rv_cluster *c = cpg_ctx(h);

	if (c == NULL)
		return;
	c->received++;
	c->ops->deliver(c->data, nodeid, msg, len);
}

static void
on_confchg(cpg_handle_t h, const struct cpg_name *group,
	   const struct cpg_address *members, size_t n_members,
	   const struct cpg_address *left, size_t n_left,
	   const struct cpg_address *joined, size_t n_joined)
{
	struct rv_cluster *c = cpg_ctx(h);
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < n_left; i++) {
		if (left[i].nodeid == c->local_id)
			continue;
		qb_log(LOG_INFO, "group: relevod on node %" PRIu32 " left (reason %" PRIu32 ")",
		       left[i].nodeid, left[i].reason);
		c->ops->group(c->data, left[i].nodeid, 0,
			      left[i].reason == CPG_REASON_NODEDOWN ? RV_LEFT_NODE
								    : RV_LEFT_AGENT);
	}
	for (i = 0; i < n_joined; i++) {
		if (joined[i].nodeid == c->local_id)
			continue;
		qb_log(LOG_INFO, "group: relevod on node %" PRIu32 " joined", joined[i].nodeid);
		c->ops->group(c->data, joined[i].nodeid, 1, RV_LEFT_AGENT);
	}
	/* our own join: announce, and tell about those already there */
	for (i = 0; i < n_joined; i++) {
		if (joined[i].nodeid != c->local_id || c->connected)
			continue;
		c->connected = 1;
		c->backoff_ms = BACKOFF_MIN_MS;
		c->connects++;
		qb_log(LOG_NOTICE, "joined group %.*s as node %" PRIu32,
		       (int)c->group.length, c->group.value, c->local_id);
		c->ops->up(c->data, c->local_id);
		for (i = 0; i < n_members; i++)
			if (members[i].nodeid != c->local_id)
				c->ops->group(c->data, members[i].nodeid, 1, RV_LEFT_AGENT);
		break;
	}
}

static void
on_totem(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n, const uint32_t *ids)
{
	struct rv_cluster *c = cpg_ctx(h);
	size_t i;

	if (c == NULL)
		return;
	c->n_members = n < RV_CLUSTER_MAX_NODES ? n : RV_CLUSTER_MAX_NODES;
	for (i = 0; i < c->n_members; i++)
		c->members[i] = ids[i];
	qb_log(LOG_INFO, "membership: ring %" PRIu32 ".%" PRIu64 ", %" PRIu32 " node(s)",
	       ring.nodeid, ring.seq, n);
	c->ops->members(c->data, c->members, c->n_members);
}

static void
on_quorum(votequorum_handle_t h, uint64_t context, uint32_t quorate,
	  uint32_t n, votequorum_node_t nodes[])
{
	struct rv_cluster *c = (struct rv_cluster *)(uintptr_t)context;

	c->quorate = quorate != 0;
	c->ops->quorum(c->data, c->quorate);
}

static void
read_settings(struct rv_cluster *c)
{
	uint8_t u8;
	char *model = NULL;

	c->two_node = cmap_get_uint8(c->cmap, "quorum.two_node", &u8) == CS_OK && u8;
	/* wait_for_all defaults to on with two_node */
	if (cmap_get_uint8(c->cmap, "quorum.wait_for_all", &u8) == CS_OK)
		c->wait_for_all = u8 != 0;
	else
		c->wait_for_all = c->two_node;
	c->qdevice = 0;
	c->qdevice_model[0] = '\0';
	if (cmap_get_string(c->cmap, "quorum.device.model", &model) == CS_OK) {
		c->qdevice = 1;
		snprintf(c->qdevice_model, sizeof(c->qdevice_model), "%s", model);
		free(model);
	}
	qb_log(LOG_INFO, "quorum settings: two_node %d, wait_for_all %d, qdevice %s",
	       c->two_node, c->wait_for_all, c->qdevice ? c->qdevice_model : "none");
}

static void
on_cmap(cmap_handle_t h, cmap_track_handle_t track, int32_t event,
	const char *key, struct cmap_notify_value new_val,
	struct cmap_notify_value old_val, void *data)
{
	read_settings(data);
}

/* ------------------------------------------------------------ dispatch */

static int32_t
dispatch_cpg(int32_t fd, int32_t revents, void *data)
{
	struct rv_cluster *c = data;
	cs_error_t err = cpg_dispatch(c->cpg, CS_DISPATCH_ALL);

	if (err != CS_OK && err != CS_ERR_TRY_AGAIN) {
		disconnect(c, "cpg dispatch", err);
		return 0; /* disconnect() removed the poll entries */
	}
	return 0;
}

static int32_t
dispatch_vq(int32_t fd, int32_t revents, void *data)
{
	struct rv_cluster *c = data;
	cs_error_t err = votequorum_dispatch(c->vq, CS_DISPATCH_ALL);

	if (err != CS_OK && err != CS_ERR_TRY_AGAIN) {
		disconnect(c, "votequorum dispatch", err);
		return 0;
	}
	return 0;
}

static int32_t
dispatch_cmap(int32_t fd, int32_t revents, void *data)
{
	struct rv_cluster *c = data;
	cs_error_t err = cmap_dispatch(c->cmap, CS_DISPATCH_ALL);

	if (err != CS_OK && err != CS_ERR_TRY_AGAIN) {
		disconnect(c, "cmap dispatch", err);
		return 0;
	}
	return 0;
}

/* ------------------------------------------------------------ connect */

static void
retry_timer(void *data)
{
	struct rv_cluster *c = data;

	c->retry_armed = 0;
	(void)try_connect(c);
}

static void
schedule_retry(struct rv_cluster *c)
{
	if (c->retry_armed)
		return;
	if (qb_loop_timer_add(c->loop, QB_LOOP_MED, c->backoff_ms * QB_TIME_NS_IN_MSEC, c,
			      retry_timer, &c->retry_timer) == 0)
		c->retry_armed = 1;
	c->backoff_ms *= 2;
	if (c->backoff_ms > BACKOFF_MAX_MS)
		c->backoff_ms = BACKOFF_MAX_MS;
}

static void
release_handles(struct rv_cluster *c)
{
	if (c->cpg_fd >= 0) {
		qb_loop_poll_del(c->loop, c->cpg_fd);
		c->cpg_fd = -1;
	}
	if (c->vq_fd >= 0) {
		qb_loop_poll_del(c->loop, c->vq_fd);
		c->vq_fd = -1;
	}
	if (c->cmap_fd >= 0) {
		qb_loop_poll_del(c->loop, c->cmap_fd);
		c->cmap_fd = -1;
	}
	if (c->cpg != 0) {
		cpg_finalize(c->cpg);
		c->cpg = 0;
	}
	if (c->vq != 0) {
		votequorum_finalize(c->vq);
		c->vq = 0;
	}
	if (c->cmap != 0) {
		if (c->cmap_track != 0)
			cmap_track_delete(c->cmap, c->cmap_track);
		c->cmap_track = 0;
		cmap_finalize(c->cmap);
		c->cmap = 0;
	}
	c->sendq_count = 0;
	if (c->sendq_armed) {
		qb_loop_timer_del(c->loop, c->sendq_timer);
		c->sendq_armed = 0;
	}
}

static void
disconnect(struct rv_cluster *c, const char *why, cs_error_t err)
{
	int was = c->connected;

	qb_log(was ? LOG_ERR : LOG_INFO, "corosync: %s failed: %s; retrying in %" PRIu64 " ms",
	       why, cs_strerror(err), c->backoff_ms);
	c->connected = 0;
	c->quorate = 0;
	release_handles(c);
	if (was)
		c->ops->down(c->data);
	schedule_retry(c);
}

static int
try_connect(struct rv_cluster *c)
{
	cpg_model_v1_data_t model = {
		.model = CPG_MODEL_V1,
		.cpg_deliver_fn = on_deliver,
		.cpg_confchg_fn = on_confchg,
		.cpg_totem_confchg_fn = on_totem,
		.flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF,
	};
	votequorum_callbacks_t vq_cb = { .votequorum_quorum_notify_fn = on_quorum };
	unsigned int local = 0;
	const char *step;
	cs_error_t err;

	step = "cmap_initialize";
	err = cmap_initialize(&c->cmap);
	if (err != CS_OK)
		goto fail;
	step = "cmap_track_add";
	err = cmap_track_add(c->cmap, "quorum.", CMAP_TRACK_ADD | CMAP_TRACK_DELETE |
			     CMAP_TRACK_MODIFY | CMAP_TRACK_PREFIX, on_cmap, c, &c->cmap_track);
	if (err != CS_OK)
		goto fail;
	read_settings(c);

	step = "votequorum_initialize";
	err = votequorum_initialize(&c->vq, &vq_cb);
	if (err != CS_OK)
		goto fail;
	step = "votequorum_trackstart";
	err = votequorum_trackstart(c->vq, (uint64_t)(uintptr_t)c, CS_TRACK_CHANGES | CS_TRACK_CURRENT);
	if (err != CS_OK)
		goto fail;

	step = "cpg_model_initialize";
	err = cpg_model_initialize(&c->cpg, CPG_MODEL_V1, (cpg_model_data_t *)&model, c);
	if (err != CS_OK)
		goto fail;
	step = "cpg_local_get";
	err = cpg_local_get(c->cpg, &local);
	if (err != CS_OK)
		goto fail;
	c->local_id = local;

	step = "fd_get";
	if (cmap_fd_get(c->cmap, &c->cmap_fd) != CS_OK ||
	    votequorum_fd_get(c->vq, &c->vq_fd) != CS_OK ||
	    cpg_fd_get(c->cpg, &c->cpg_fd) != CS_OK) {
		err = CS_ERR_LIBRARY;
		goto fail;
	}
	qb_loop_poll_add(c->loop, QB_LOOP_HIGH, c->cpg_fd, POLLIN, c, dispatch_cpg);
	qb_loop_poll_add(c->loop, QB_LOOP_HIGH, c->vq_fd, POLLIN, c, dispatch_vq);
	qb_loop_poll_add(c->loop, QB_LOOP_MED, c->cmap_fd, POLLIN, c, dispatch_cmap);

	step = "cpg_join";
	err = cpg_join(c->cpg, &c->group);
	if (err != CS_OK)
		goto fail;
	/* connected is set when our own join is delivered */
	return 0;
fail:
	c->connected = 0;
	/* the fds were added only if we got that far */
	disconnect(c, step, err);
	return -ENOTCONN;
}

int
rv_cluster_start(struct rv_cluster *c, qb_loop_t *loop, const char *site,
		 const struct rv_cluster_ops *ops, void *data)
{
	int n;

	memset(c, 0, sizeof(*c));
	c->loop = loop;
	c->ops = ops;
	c->data = data;
	c->cpg_fd = c->vq_fd = c->cmap_fd = -1;
	c->backoff_ms = BACKOFF_MIN_MS;
	n = snprintf(c->group.value, sizeof(c->group.value), "relevo.%s", site);
	if (n < 0 || (size_t)n >= sizeof(c->group.value))
		return -ENAMETOOLONG;
	c->group.length = (uint32_t)n;
	(void)try_connect(c);
	return 0;
}

/* ------------------------------------------------------------ sending */

static cs_error_t
mcast(struct rv_cluster *c, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };

	return cpg_mcast_joined(c->cpg, CPG_TYPE_AGREED, &iov, 1);
}

static void
sendq_timer(void *data)
{
	struct rv_cluster *c = data;
	cs_error_t err;

	c->sendq_armed = 0;
	while (c->sendq_count > 0 && c->connected) {
		err = mcast(c, c->sendq[c->sendq_head], c->sendq_len[c->sendq_head]);
		if (err == CS_ERR_TRY_AGAIN)
			break;
		if (err != CS_OK) {
			c->send_failed++;
			qb_log(LOG_WARNING, "cpg send failed: %s", cs_strerror(err));
		} else {
			c->sent++;
		}
		c->sendq_head = (c->sendq_head + 1) % RV_CLUSTER_SENDQ;
		c->sendq_count--;
	}
	if (c->sendq_count > 0 && c->connected &&
	    qb_loop_timer_add(c->loop, QB_LOOP_HIGH, SENDQ_RETRY_MS * QB_TIME_NS_IN_MSEC, c,
			      sendq_timer, &c->sendq_timer) == 0)
		c->sendq_armed = 1;
}

int
rv_cluster_send(struct rv_cluster *c, const void *buf, size_t len)
{
	cs_error_t err;
	size_t slot;

	if (!c->connected)
		return -ENOTCONN;
	if (len > sizeof(c->sendq[0]))
		return -EMSGSIZE;
	if (c->sendq_count == 0) {
		err = mcast(c, buf, len);
		if (err == CS_OK) {
			c->sent++;
			return 0;
		}
		if (err != CS_ERR_TRY_AGAIN) {
			c->send_failed++;
			qb_log(LOG_WARNING, "cpg send failed: %s", cs_strerror(err));
			return -EIO;
		}
	}
	/* flow control: keep order, retry from a timer */
	if (c->sendq_count == RV_CLUSTER_SENDQ) {
		c->send_failed++;
		return -ENOBUFS;
	}
	slot = (c->sendq_head + c->sendq_count) % RV_CLUSTER_SENDQ;
	memcpy(c->sendq[slot], buf, len);
	c->sendq_len[slot] = len;
	c->sendq_count++;
	if (!c->sendq_armed &&
	    qb_loop_timer_add(c->loop, QB_LOOP_HIGH, SENDQ_RETRY_MS * QB_TIME_NS_IN_MSEC, c,
			      sendq_timer, &c->sendq_timer) == 0)
		c->sendq_armed = 1;
	return 0;
}

void
rv_cluster_stop(struct rv_cluster *c)
{
	if (c->loop == NULL)
		return; /* never started */
	if (c->cpg != 0 && c->connected)
		cpg_leave(c->cpg, &c->group);
	c->connected = 0;
	release_handles(c);
	if (c->retry_armed) {
		qb_loop_timer_del(c->loop, c->retry_timer);
		c->retry_armed = 0;
	}
}
