/*
 * cluster.h — relevod's link to corosync: the site's CPG group
 * (relevo.<site>), votequorum and cmap, all dispatched from the loop.
 *
 * What corosync says is passed on through ops, in the order corosync delivers
 * it; this module keeps no opinion about roles. When corosync goes away
 * (dispatch fails, the daemon exits) everything is torn down, ops->down is
 * called once, and a reconnect is tried from a timer with a doubling backoff
 * (250 ms up to 8 s): it never spins and never blocks.
 *
 * Ownership: struct rv_cluster is embedded by the caller; rv_cluster_stop()
 * releases the corosync handles and timers.
 */
#ifndef RELEVO_CLUSTER_H
#define RELEVO_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include <corosync/cmap.h>
#include <corosync/cpg.h>
#include <corosync/votequorum.h>
#include <qb/qbloop.h>

#define RV_CLUSTER_MAX_NODES 32
#define RV_CLUSTER_SENDQ 64

/* why a process left the group, as CPG tells it */
enum rv_leave_reason {
	RV_LEFT_AGENT = 0,  /* relevod left or died; its node is still up */
	RV_LEFT_NODE = 1,   /* its node left the membership */
};

struct rv_cluster_ops {
	void (*up)(void *data, uint32_t local_id);
	void (*down)(void *data);
	void (*deliver)(void *data, uint32_t nodeid, const void *buf, size_t len);
	/* the totem membership (node ids) */
	void (*members)(void *data, const uint32_t *ids, size_t n);
	/* relevod on nodeid joined (left != 1) or left the group */
	void (*group)(void *data, uint32_t nodeid, int joined, enum rv_leave_reason why);
	void (*quorum)(void *data, int quorate);
};

struct rv_cluster {
	qb_loop_t *loop;
	struct cpg_name group;
	const struct rv_cluster_ops *ops;
	void *data;

	cpg_handle_t cpg;
	votequorum_handle_t vq;
	cmap_handle_t cmap;
	cmap_track_handle_t cmap_track;
	int cpg_fd, vq_fd, cmap_fd;
	int connected;          /* all three handles up and the group joined */
	uint32_t local_id;

	qb_loop_timer_handle retry_timer;
	int retry_armed;
	uint64_t backoff_ms;
	uint64_t connects;      /* successful connections so far */

	/* settings read from cmap (re-read on change) */
	int two_node;
	int wait_for_all;
	int qdevice;            /* a quorum device is configured */
	char qdevice_model[32];

	int quorate;
	uint32_t members[RV_CLUSTER_MAX_NODES];
	size_t n_members;

	/* flow control: messages corosync told us to retry */
	unsigned char sendq[RV_CLUSTER_SENDQ][128];
	size_t sendq_len[RV_CLUSTER_SENDQ];
	size_t sendq_head, sendq_count;
	qb_loop_timer_handle sendq_timer;
	int sendq_armed;

	uint64_t sent, send_failed, received;
};

/* Start connecting; returns 0 (a failed first attempt is retried from the
 * loop, and reported only through the log). */
int rv_cluster_start(struct rv_cluster *c, qb_loop_t *loop, const char *site,
		     const struct rv_cluster_ops *ops, void *data);

/* Multicast len bytes (agreed order) to the group. 0 when sent or queued
 * behind corosync's flow control, -ENOTCONN when not connected, -ENOBUFS
 * when the queue is full, -EMSGSIZE over 128 bytes. */
int rv_cluster_send(struct rv_cluster *c, const void *buf, size_t len);

/* Leave the group and release everything. Safe twice. */
void rv_cluster_stop(struct rv_cluster *c);

#endif
