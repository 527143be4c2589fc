/*
 * check_fsm.c — unit tests for relevod's role state machine (agent/daemon/fsm.c)
 * and the site view it decides from (site.c), with no cluster.
 *
 * The machine acts only through struct rv_fsm_ops, so the ops here record
 * what they are asked to do. Three parts:
 *   1. the table, pair by pair: one node, its role forced, one event;
 *   2. two nodes over a simulated CPG stream: every message either sends is
 *      encoded, appended to ONE ordered queue and delivered, decoded, to both
 *      nodes in that order, the sender included, as CPG's agreed ordering
 *      does. After every single delivery the safety invariant is checked;
 *   3. rv_site_should_claim's verdicts and reasons.
 * Nothing here depends on time: the daemon's timers (the peer wait, the
 * periodic STATE) are steps a test takes explicitly.
 */
#include "autoconf.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qb/qblog.h>

#include "config.h"
#include "fsm.h"
#include "site.h"
#include "types.h"
#include "wire.h"

#define CONFIG(name) SRCDIR "/configs/" name
#define OUT_MAX 64
#define TRANS_MAX 16
#define QUEUE_MAX 1024
#define STEPS_MAX 10000

enum group_op { OP_NONE, OP_PROBE, OP_START, OP_STOP };

struct bus;

struct transition {
	int from, to;
	char cause[160];
};

/* One node: its machine and what the machine asked of the world. */
struct node {
	struct rv_fsm fsm;
	struct bus *bus;    /* NULL: alone, messages are only recorded */
	int idx;            /* 0 or 1: node id idx + 1 */
	int up;             /* relevod runs; a node not up gets nothing */
	unsigned sends, probes, starts, stops, mon_on, mon_off;
	unsigned drain_stops;   /* stops that drain first (a handover) */
	unsigned drain_ends;    /* drains cut short */
	unsigned fences, fence_cancels;
	int fence_delayed;  /* of the last fence asked for */
	unsigned sent[RV_MSG_SWITCHOVER + 1];    /* by message type */
	struct rv_msg out[OUT_MAX];              /* decoded back from the wire */
	size_t n_out;
	struct transition trans[TRANS_MAX];
	size_t n_trans;
	/* the resource group, which the bus completes when the stream is idle */
	enum group_op op;
	enum rv_event start_result;
	int probe_holds;
	int running;        /* the truth: resources may run here (from a start
			     * or a probe that found them until a stop or a
			     * rolled-back start completes) */
};

struct wire_msg {
	unsigned char buf[RV_WIRE_MAX_LEN];
	size_t len;
	int from;           /* index of the node whose CPG handle sent it */
};

/* The simulated CPG group of one site. */
struct bus {
	struct node node[2];
	struct wire_msg q[QUEUE_MAX]; /* a ring */
	size_t head, tail;
	int split;          /* partitioned: a message reaches only its sender */
	int allow_both;     /* the scenario made both hold on purpose */
	int diverged;       /* the scenario gave the two views different
			     * histories (a heal, holes at a split): a view
			     * may then have both holding for a while; what
			     * runs is still checked */
	unsigned steps;
};

/* ------------------------------------------------------------ recording ops */

static void bus_push(struct bus *b, const unsigned char *buf, size_t len, int from);
static unsigned ops_total(const struct node *nd);
static int may_run(const struct node *nd);

static int
op_send(void *data, const struct rv_msg *m)
{
	struct node *nd = data;
	unsigned char buf[RV_WIRE_MAX_LEN];
	struct rv_msg back;
	ssize_t len = rv_wire_encode(m, buf, sizeof(buf));

	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(rv_wire_decode(buf, (size_t)len, &back), 0);
	ck_assert_uint_eq(back.sender, nd->fsm.site.self.id);
	nd->sends++;
	if (back.type <= RV_MSG_SWITCHOVER)
		nd->sent[back.type]++;
	if (nd->n_out < OUT_MAX)
		nd->out[nd->n_out++] = back;
	if (nd->bus != NULL)
		bus_push(nd->bus, buf, (size_t)len, nd->idx);
	return 0;
}

static void
op_probe(void *data)
{
	struct node *nd = data;

	nd->probes++;
	nd->op = OP_PROBE;
}

static void
op_group_start(void *data)
{
	struct node *nd = data;
	struct bus *b = nd->bus;

	nd->starts++;
	nd->op = OP_START;
	nd->running = 1;
	if (b == NULL || b->allow_both)
		return;
	/* the one rule everything rests on: start only on a granted claim */
	ck_assert_msg(nd->fsm.site.self.holds, "n%d starts the group without a granted claim",
		      nd->idx + 1);
	if (!b->split && b->node[1 - nd->idx].up)
		ck_assert_msg(!may_run(&b->node[1 - nd->idx]),
			      "n%d starts the group while its peer is %s", nd->idx + 1,
			      rv_role_name(b->node[1 - nd->idx].fsm.role));
}

static void
op_group_stop(void *data, int drain)
{
	struct node *nd = data;

	nd->stops++;
	nd->drain_stops += drain != 0;
	nd->op = OP_STOP;
}

static void
op_end_drain(void *data, const char *why)
{
	struct node *nd = data;

	ck_assert_ptr_nonnull(why);
	nd->drain_ends++;
}

static void
op_monitors(void *data, int on)
{
	struct node *nd = data;

	if (on)
		nd->mon_on++;
	else
		nd->mon_off++;
}

static void
op_fence(void *data, int delayed)
{
	struct node *nd = data;

	nd->fences++;
	nd->fence_delayed = delayed;
}

static void
op_fence_cancel(void *data)
{
	struct node *nd = data;

	nd->fence_cancels++;
}

static void
op_transition(void *data, int from, int to, const char *cause)
{
	struct node *nd = data;
	struct transition *t;

	ck_assert_int_ne(from, to);
	ck_assert_int_eq(to, nd->fsm.role); /* reported once applied */
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(cause[0] != '\0', "transition %s -> %s without a cause",
		      rv_role_name(from), rv_role_name(to));
	ck_assert_uint_lt(nd->n_trans, TRANS_MAX);
	t = &nd->trans[nd->n_trans++];
	t->from = from;
	t->to = to;
	snprintf(t->cause, sizeof(t->cause), "%s", cause);
}

static const struct rv_fsm_ops rec_ops = {
	.send = op_send,
	.probe = op_probe,
	.group_start = op_group_start,
	.group_stop = op_group_stop,
	.end_drain = op_end_drain,
	.monitors = op_monitors,
	.fence = op_fence,
	.fence_cancel = op_fence_cancel,
	.transition = op_transition,
};

static unsigned
ops_total(const struct node *nd)
{
	return nd->sends + nd->probes + nd->starts + nd->stops + nd->mon_on + nd->mon_off +
	       nd->fences + nd->fence_cancels + (unsigned)nd->n_trans;
}

static void
node_init(struct node *nd, struct bus *b, int idx, const struct rv_config *cfg)
{
	memset(nd, 0, sizeof(*nd));
	nd->bus = b;
	nd->idx = idx;
	nd->up = 1;
	nd->start_result = RV_EV_STARTED;
	ck_assert_int_eq(rv_fsm_init(&nd->fsm, cfg, (uint32_t)idx + 1, &rec_ops, nd), 0);
}

/* The last message of this type the node sent, or NULL. */
static const struct rv_msg *
last_sent(const struct node *nd, int type)
{
	size_t i;

	for (i = nd->n_out; i > 0; i--)
		if (nd->out[i - 1].type == type)
			return &nd->out[i - 1];
	return NULL;
}

/* The flags of the last STATE the node sent (it must have sent one). */
static int
last_flags(const struct node *nd)
{
	const struct rv_msg *st = last_sent(nd, RV_MSG_STATE);

	ck_assert_ptr_nonnull(st);
	return st != NULL ? st->u.state.flags : 0;
}

/* Did the node go through from -> to at some point? */
static int
went(const struct node *nd, int from, int to)
{
	size_t i;

	for (i = 0; i < nd->n_trans; i++)
		if (nd->trans[i].from == from && nd->trans[i].to == to)
			return 1;
	return 0;
}

static struct rv_config *
load(const char *path)
{
	struct rv_config *cfg = NULL;
	char *errs = NULL;
	int rc = rv_config_load(path, &cfg, &errs);

	ck_assert_msg(rc == 0, "%s: %s", path, errs != NULL ? errs : "?");
	free(errs);
	return cfg;
}

static void
state_msg(struct rv_msg *m, const struct rv_config *cfg, uint32_t sender, int role,
	  int flags)
{
	memset(m, 0, sizeof(*m));
	m->type = RV_MSG_STATE;
	m->sender = sender;
	m->u.state.role = (uint8_t)role;
	m->u.state.health = RV_HEALTH_OK;
	m->u.state.flags = (uint8_t)flags;
	memcpy(m->u.state.digest, cfg->digest, RV_DIGEST_LEN);
}

/* ------------------------------------------------------------ 1. the table */

/*
 * One node (n1, id 1) with its role forced, in this context: the peer n2 is
 * a member, its relevod runs, it has sent a probed STATE as STANDBY with
 * health ok (so it is eligible); the partition is quorate; the local probe
 * is done and the peer wait over; the local node holds the resources (in its
 * own truth and in the stream) iff its role implies it, or it is BLOCKED.
 */
static void
table_node(struct node *nd, const struct rv_config *cfg, int role)
{
	struct rv_msg st;

	node_init(nd, NULL, 0, cfg);
	rv_site_peer_member(&nd->fsm.site, 1);
	rv_site_peer_agent(&nd->fsm.site, 1);
	nd->fsm.site.quorate = 1;
	state_msg(&st, cfg, 2, RV_ROLE_STANDBY, RV_STATE_PROBED);
	ck_assert_int_eq(rv_site_deliver(&nd->fsm.site, &st, NULL), RV_SITE_PEER_STATE);
	nd->fsm.local.probed = 1;
	nd->fsm.local.peer_wait_over = 1;
	nd->fsm.local.health = RV_HEALTH_OK;
	nd->fsm.holds = rv_role_holds(role) || role == RV_ROLE_BLOCKED;
	nd->fsm.site.self.holds = nd->fsm.holds;
	nd->fsm.role = role;
}

struct row_expect {
	int role;
	enum rv_event ev;
	int next; /* in the context of table_node() */
};

#define R(r, e, n) { RV_ROLE_##r, RV_EV_##e, RV_ROLE_##n }

/*
 * Every row of fsm.c's table and what it does in table_node()'s context. A
 * row added to or removed from fsm.c without this list being updated fails
 * table_rows_as_documented.
 */
static const struct row_expect rows[] = {
	/* STARTING decides once probed and the peer is known: nothing runs
	 * here, so STANDBY (which then claims: n1 wins on the lower id). A
	 * granted claim (made when the probe found resources) promotes; a
	 * denied one with nothing running leaves it STANDBY. Operator flags
	 * are only recorded, acted on once decided. */
	R(STARTING, PROBED, STANDBY), R(STARTING, PEER_WAIT_DONE, STANDBY),
	R(STARTING, PEER_CHANGED, STANDBY), R(STARTING, PEER_LOST, STANDBY),
	R(STARTING, PEER_RELEASED, STANDBY), R(STARTING, PEER_CLAIMED, STANDBY),
	R(STARTING, CLAIM_GRANTED, PROMOTING), R(STARTING, CLAIM_DENIED, STANDBY),
	R(STARTING, SWITCHOVER, STARTING), R(STARTING, STANDBY_ON, STARTING),
	R(STARTING, STANDBY_OFF, STARTING), R(STARTING, MAINT_ON, STARTING),
	R(STARTING, MAINT_OFF, STARTING), R(STARTING, QUORUM_LOST, STARTING),
	R(STARTING, CLUSTER_DOWN, STARTING), R(STARTING, CLUSTER_UP, STANDBY),
	/* STANDBY re-evaluates the claim on every change (and sends one here:
	 * the peer is eligible but n1 has the lower id); only a granted claim
	 * promotes; maintenance leaves it. */
	R(STANDBY, PEER_WAIT_DONE, STANDBY), R(STANDBY, PEER_CHANGED, STANDBY),
	R(STANDBY, PEER_LOST, STANDBY), R(STANDBY, PEER_RELEASED, STANDBY),
	R(STANDBY, PEER_CLAIMED, STANDBY), R(STANDBY, CLAIM_GRANTED, PROMOTING),
	R(STANDBY, CLAIM_DENIED, STANDBY), R(STANDBY, SWITCHOVER, STANDBY),
	R(STANDBY, STANDBY_ON, STANDBY), R(STANDBY, STANDBY_OFF, STANDBY),
	R(STANDBY, MAINT_ON, MAINTENANCE), R(STANDBY, MAINT_OFF, STANDBY),
	R(STANDBY, QUORUM_LOST, STANDBY), R(STANDBY, CLUSTER_DOWN, STANDBY),
	R(STANDBY, CLUSTER_UP, STANDBY),
	/* PROMOTING waits for the group: started -> ACTIVE (monitors on),
	 * rolled back -> STANDBY (RELEASE to the peer, health failed), a
	 * failed rollback -> BLOCKED. Reasons to demote are deferred until
	 * started; the rest is ignored. */
	R(PROMOTING, PROBED, PROMOTING),
	R(PROMOTING, STARTED, ACTIVE), R(PROMOTING, START_FAILED, STANDBY),
	R(PROMOTING, STOP_FAILED, BLOCKED), R(PROMOTING, PEER_WAIT_DONE, PROMOTING),
	R(PROMOTING, PEER_CHANGED, PROMOTING), R(PROMOTING, PEER_LOST, PROMOTING),
	R(PROMOTING, PEER_RELEASED, PROMOTING), R(PROMOTING, SWITCHOVER, PROMOTING),
	R(PROMOTING, STANDBY_ON, PROMOTING), R(PROMOTING, STANDBY_OFF, PROMOTING),
	R(PROMOTING, MAINT_ON, PROMOTING), R(PROMOTING, MAINT_OFF, PROMOTING),
	R(PROMOTING, QUORUM_LOST, PROMOTING), R(PROMOTING, CLUSTER_DOWN, PROMOTING),
	R(PROMOTING, CLUSTER_UP, PROMOTING),
	/* ACTIVE demotes (monitors off, group stop) on a resource failure or
	 * a switchover when the peer is eligible, on standby, on quorum or
	 * cluster loss; keeps the site when the peer does not hold it too;
	 * maintenance leaves the resources as they are. */
	R(ACTIVE, PEER_WAIT_DONE, ACTIVE), R(ACTIVE, PEER_CHANGED, ACTIVE),
	R(ACTIVE, PEER_LOST, ACTIVE), R(ACTIVE, PEER_RELEASED, ACTIVE),
	R(ACTIVE, CLAIM_DENIED, ACTIVE), R(ACTIVE, RESOURCE_FAILED, DEMOTING),
	R(ACTIVE, SWITCHOVER, DEMOTING), R(ACTIVE, STANDBY_ON, DEMOTING),
	R(ACTIVE, STANDBY_OFF, ACTIVE), R(ACTIVE, MAINT_ON, MAINTENANCE),
	R(ACTIVE, MAINT_OFF, ACTIVE), R(ACTIVE, QUORUM_LOST, DEMOTING),
	R(ACTIVE, CLUSTER_DOWN, DEMOTING), R(ACTIVE, CLUSTER_UP, ACTIVE),
	/* DEMOTING waits for the group: stopped -> STANDBY (RELEASE), a
	 * failed stop -> BLOCKED; everything else waits. */
	R(DEMOTING, STOPPED, STANDBY), R(DEMOTING, STOP_FAILED, BLOCKED),
	R(DEMOTING, PEER_WAIT_DONE, DEMOTING), R(DEMOTING, PEER_CHANGED, DEMOTING),
	R(DEMOTING, PEER_LOST, DEMOTING), R(DEMOTING, PEER_RELEASED, DEMOTING),
	R(DEMOTING, PEER_CLAIMED, DEMOTING), R(DEMOTING, SWITCHOVER, DEMOTING),
	R(DEMOTING, STANDBY_ON, DEMOTING), R(DEMOTING, STANDBY_OFF, DEMOTING),
	R(DEMOTING, MAINT_ON, DEMOTING), R(DEMOTING, MAINT_OFF, DEMOTING),
	R(DEMOTING, QUORUM_LOST, DEMOTING), R(DEMOTING, CLUSTER_DOWN, DEMOTING),
	R(DEMOTING, CLUSTER_UP, DEMOTING),
	/* BLOCKED waits for an operator; only maintenance leaves it. */
	R(BLOCKED, PEER_WAIT_DONE, BLOCKED), R(BLOCKED, PEER_CHANGED, BLOCKED),
	R(BLOCKED, PEER_LOST, BLOCKED), R(BLOCKED, PEER_RELEASED, BLOCKED),
	R(BLOCKED, PEER_CLAIMED, BLOCKED), R(BLOCKED, CLAIM_DENIED, BLOCKED),
	R(BLOCKED, SWITCHOVER, BLOCKED), R(BLOCKED, STANDBY_ON, BLOCKED),
	R(BLOCKED, STANDBY_OFF, BLOCKED), R(BLOCKED, MAINT_ON, MAINTENANCE),
	R(BLOCKED, MAINT_OFF, BLOCKED), R(BLOCKED, QUORUM_LOST, BLOCKED),
	R(BLOCKED, CLUSTER_DOWN, BLOCKED), R(BLOCKED, CLUSTER_UP, BLOCKED),
	/* MAINTENANCE manages nothing; leaving it re-probes from STARTING.
	 * A claim sent just before maintenance went on may be granted in it:
	 * nothing is started, the next STATE says nothing is held. */
	R(MAINTENANCE, PEER_WAIT_DONE, MAINTENANCE), R(MAINTENANCE, PEER_CHANGED, MAINTENANCE),
	R(MAINTENANCE, PEER_LOST, MAINTENANCE), R(MAINTENANCE, PEER_RELEASED, MAINTENANCE),
	R(MAINTENANCE, PEER_CLAIMED, MAINTENANCE), R(MAINTENANCE, CLAIM_GRANTED, MAINTENANCE),
	R(MAINTENANCE, CLAIM_DENIED, MAINTENANCE), R(MAINTENANCE, SWITCHOVER, MAINTENANCE),
	R(MAINTENANCE, STANDBY_ON, MAINTENANCE), R(MAINTENANCE, STANDBY_OFF, MAINTENANCE),
	R(MAINTENANCE, MAINT_ON, MAINTENANCE), R(MAINTENANCE, MAINT_OFF, STARTING),
	R(MAINTENANCE, QUORUM_LOST, MAINTENANCE), R(MAINTENANCE, CLUSTER_DOWN, MAINTENANCE),
	R(MAINTENANCE, CLUSTER_UP, MAINTENANCE),
	/* Fencing outcomes and the agent-lost grace, in this context (fencing
	 * off, the peer eligible): a confirmed fence marks the peer off and
	 * changes no role but FENCING's (and STANDBY claims again); a failure
	 * or a retry changes nothing outside FENCING and a BLOCKED that a
	 * failed fence caused (this BLOCKED is a failed stop's). */
	R(STARTING, FENCE_DONE, STARTING), R(STARTING, FENCE_FAILED, STARTING),
	R(STARTING, FENCE_RETRY, STARTING), R(STARTING, GRACE_OVER, STANDBY),
	R(STANDBY, FENCE_DONE, STANDBY), R(STANDBY, FENCE_FAILED, STANDBY),
	R(STANDBY, FENCE_RETRY, STANDBY), R(STANDBY, GRACE_OVER, STANDBY),
	R(PROMOTING, FENCE_DONE, PROMOTING), R(PROMOTING, FENCE_FAILED, PROMOTING),
	R(PROMOTING, FENCE_RETRY, PROMOTING), R(PROMOTING, GRACE_OVER, PROMOTING),
	R(ACTIVE, FENCE_DONE, ACTIVE), R(ACTIVE, FENCE_FAILED, ACTIVE),
	R(ACTIVE, FENCE_RETRY, ACTIVE), R(ACTIVE, GRACE_OVER, ACTIVE),
	R(DEMOTING, FENCE_DONE, DEMOTING), R(DEMOTING, FENCE_FAILED, DEMOTING),
	R(DEMOTING, FENCE_RETRY, DEMOTING), R(DEMOTING, GRACE_OVER, DEMOTING),
	R(BLOCKED, FENCE_DONE, BLOCKED), R(BLOCKED, FENCE_FAILED, BLOCKED),
	R(BLOCKED, FENCE_RETRY, BLOCKED), R(BLOCKED, GRACE_OVER, BLOCKED),
	R(MAINTENANCE, FENCE_DONE, MAINTENANCE), R(MAINTENANCE, FENCE_FAILED, MAINTENANCE),
	R(MAINTENANCE, FENCE_RETRY, MAINTENANCE), R(MAINTENANCE, GRACE_OVER, MAINTENANCE),
	/* FENCING: a confirmed fence stands by (which claims); a failure
	 * blocks; anything that makes the fence needless (here: fencing off,
	 * the peer a member) stands by; standby, quorum or cluster loss stop
	 * it; maintenance leaves it. */
	R(FENCING, FENCE_DONE, STANDBY), R(FENCING, FENCE_FAILED, BLOCKED),
	R(FENCING, FENCE_RETRY, FENCING), R(FENCING, PEER_WAIT_DONE, STANDBY),
	R(FENCING, PEER_CHANGED, STANDBY), R(FENCING, PEER_LOST, FENCING),
	R(FENCING, PEER_RELEASED, STANDBY), R(FENCING, PEER_CLAIMED, STANDBY),
	R(FENCING, CLAIM_DENIED, FENCING), R(FENCING, GRACE_OVER, FENCING),
	R(FENCING, SWITCHOVER, FENCING), R(FENCING, STANDBY_ON, STANDBY),
	R(FENCING, STANDBY_OFF, FENCING), R(FENCING, MAINT_ON, MAINTENANCE),
	R(FENCING, MAINT_OFF, FENCING), R(FENCING, QUORUM_LOST, STANDBY),
	R(FENCING, CLUSTER_DOWN, STANDBY), R(FENCING, CLUSTER_UP, STANDBY),
};

static const struct row_expect *
expected_row(int role, enum rv_event ev)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (rows[i].role == role && rows[i].ev == ev)
			return &rows[i];
	return NULL;
}

START_TEST(table_rows_as_documented)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct node nd;
	int role, ev;

	for (role = 0; role < RV_ROLE_COUNT; role++) {
		for (ev = 0; ev < RV_EV_COUNT; ev++) {
			const struct row_expect *x = expected_row(role, (enum rv_event)ev);

			ck_assert_msg(rv_fsm_has_row(role, (enum rv_event)ev) == (x != NULL),
				      "(%s, %s): table and test disagree on the row",
				      rv_role_name(role), rv_event_name(ev));
			if (x == NULL)
				continue;
			table_node(&nd, cfg, role);
			rv_fsm_event(&nd.fsm, (enum rv_event)ev, "test");
			ck_assert_msg(nd.fsm.role == x->next, "(%s, %s) -> %s, expected %s",
				      rv_role_name(role), rv_event_name(ev),
				      rv_role_name(nd.fsm.role), rv_role_name(x->next));
			ck_assert_uint_eq(nd.fsm.unexpected, 0);
			/* exactly one reported transition when the role changed */
			ck_assert_uint_eq(nd.n_trans, x->next != role);
			if (x->next != role) {
				ck_assert_int_eq(nd.trans[0].from, role);
				ck_assert_int_eq(nd.trans[0].to, x->next);
				ck_assert_str_eq(nd.trans[0].cause, nd.fsm.cause);
			}
		}
	}
	rv_config_free(cfg);
}
END_TEST

START_TEST(table_missing_pairs_are_counted)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct node nd;
	unsigned missing = 0, total;
	int role, ev;

	for (role = 0; role < RV_ROLE_COUNT; role++) {
		for (ev = 0; ev < RV_EV_COUNT; ev++) {
			if (rv_fsm_has_row(role, (enum rv_event)ev))
				continue;
			missing++;
			table_node(&nd, cfg, role);
			total = ops_total(&nd);
			rv_fsm_event(&nd.fsm, (enum rv_event)ev, "test: no row");
			ck_assert_msg(nd.fsm.unexpected == 1, "(%s, %s) not counted",
				      rv_role_name(role), rv_event_name(ev));
			ck_assert_int_eq(nd.fsm.role, role);
			ck_assert_msg(ops_total(&nd) == total, "(%s, %s) acted",
				      rv_role_name(role), rv_event_name(ev));
		}
	}
	ck_assert_uint_gt(missing, RV_EV_COUNT); /* FENCING's at least */
	rv_config_free(cfg);
}
END_TEST

/* A claim granted in the local view promotes, but with the peer's relevod
 * in the group the start waits for the peer's word on that very claim (its
 * STATE naming the claim's nonce): not another claim's, not a refusal. */
START_TEST(row_standby_claim_granted_promotes)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct node nd;
	const struct rv_msg *st;
	struct rv_msg claim, peer;

	table_node(&nd, cfg, RV_ROLE_STANDBY);
	memset(&claim, 0, sizeof(claim));
	claim.type = RV_MSG_CLAIM;
	claim.sender = 1;
	claim.u.target = 1;
	claim.nonce = 77;
	rv_fsm_deliver(&nd.fsm, &claim);
	ck_assert_int_eq(nd.fsm.role, RV_ROLE_PROMOTING);
	ck_assert_uint_eq(nd.starts, 0);
	ck_assert_int_eq(nd.fsm.start_wait, 1);
	ck_assert_int_eq(nd.fsm.holds, 1);
	ck_assert_uint_eq(nd.n_trans, 1);
	/* the change is announced at once, holding, and waiting */
	st = last_sent(&nd, RV_MSG_STATE);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(st->u.state.role, RV_ROLE_PROMOTING);
	ck_assert(st->u.state.flags & RV_STATE_HOLDS);
	ck_assert(st->u.state.flags & RV_STATE_WAITING);

	/* the peer's word on an older claim is not an answer */
	state_msg(&peer, cfg, 2, RV_ROLE_STANDBY, RV_STATE_PROBED | RV_STATE_CLAIM_OK);
	peer.generation = nd.fsm.site.generation;
	peer.u.state.claim = 76;
	rv_fsm_deliver(&nd.fsm, &peer);
	ck_assert_uint_eq(nd.starts, 0);
	ck_assert_int_eq(nd.fsm.role, RV_ROLE_PROMOTING);
	/* its word on this one is */
	peer.u.state.claim = 77;
	rv_fsm_deliver(&nd.fsm, &peer);
	ck_assert_uint_eq(nd.starts, 1);
	ck_assert_uint_eq(nd.stops, 0);
	ck_assert_int_eq(nd.fsm.start_wait, 0);
	ck_assert_int_eq(nd.fsm.role, RV_ROLE_PROMOTING);

	/* the same, refused: the claim is given up before anything started */
	table_node(&nd, cfg, RV_ROLE_STANDBY);
	claim.nonce = 78;
	rv_fsm_deliver(&nd.fsm, &claim);
	ck_assert_int_eq(nd.fsm.start_wait, 1);
	state_msg(&peer, cfg, 2, RV_ROLE_STANDBY, RV_STATE_PROBED);
	peer.generation = nd.fsm.site.generation;
	peer.u.state.claim = 78;
	rv_fsm_deliver(&nd.fsm, &peer);
	ck_assert_uint_eq(nd.starts, 0);
	ck_assert_uint_eq(nd.stops, 1);
	ck_assert_int_eq(nd.fsm.role, RV_ROLE_DEMOTING);
	ck_assert_int_eq(nd.fsm.start_wait, 0);
	rv_config_free(cfg);
}
END_TEST

START_TEST(row_promoting_started_goes_active)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct node nd;

	table_node(&nd, cfg, RV_ROLE_PROMOTING);
	nd.fsm.local.health = RV_HEALTH_UNKNOWN;
	rv_fsm_event(&nd.fsm, RV_EV_STARTED, "test: started");
	ck_assert_int_eq(nd.fsm.role, RV_ROLE_ACTIVE);
	ck_assert_uint_eq(nd.mon_on, 1);
	ck_assert_uint_eq(nd.mon_off, 0);
	ck_assert_int_eq(nd.fsm.local.health, RV_HEALTH_OK);
	rv_config_free(cfg);
}
END_TEST

START_TEST(row_promoting_start_failed_releases)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct node nd;
	const struct rv_msg *rel;

	table_node(&nd, cfg, RV_ROLE_PROMOTING);
	rv_fsm_event(&nd.fsm, RV_EV_START_FAILED, "test: rolled back");
	ck_assert_int_eq(nd.fsm.role, RV_ROLE_STANDBY);
	ck_assert_int_eq(nd.fsm.local.health, RV_HEALTH_FAILED);
	ck_assert_int_eq(nd.fsm.holds, 0);
	rel = last_sent(&nd, RV_MSG_RELEASE);
	ck_assert_ptr_nonnull(rel);
	ck_assert_uint_eq(rel->u.target, 2); /* the peer may have it */
	ck_assert_uint_eq(nd.sent[RV_MSG_CLAIM], 0); /* and we do not claim again */
	ck_assert_uint_eq(nd.stops, 0);
	rv_config_free(cfg);
}
END_TEST

START_TEST(row_promoting_stop_failed_blocks)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct node nd;

	table_node(&nd, cfg, RV_ROLE_PROMOTING);
	rv_fsm_event(&nd.fsm, RV_EV_STOP_FAILED, "test: rollback failed");
	ck_assert_int_eq(nd.fsm.role, RV_ROLE_BLOCKED);
	ck_assert_int_eq(nd.fsm.holds, 1); /* they may still run */
	ck_assert_int_eq(nd.fsm.local.health, RV_HEALTH_FAILED);
	ck_assert_uint_eq(nd.sent[RV_MSG_RELEASE], 0);
	ck_assert(last_flags(&nd) & RV_STATE_HOLDS);
	rv_config_free(cfg);
}
END_TEST

START_TEST(row_active_standby_on_demotes)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct node nd;

	table_node(&nd, cfg, RV_ROLE_ACTIVE);
	rv_fsm_event(&nd.fsm, RV_EV_STANDBY_ON, "test: standby");
	ck_assert_int_eq(nd.fsm.role, RV_ROLE_DEMOTING);
	ck_assert_uint_eq(nd.mon_off, 1);
	ck_assert_uint_eq(nd.stops, 1);
	ck_assert_uint_eq(nd.drain_stops, 1); /* a handover: sessions finish first */
	ck_assert_uint_eq(nd.fsm.release_to, 2);
	ck_assert(last_flags(&nd) & RV_STATE_STANDBY_REQ);
	rv_config_free(cfg);
}
END_TEST

START_TEST(row_active_switchover_needs_eligible_peer)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct node nd;
	struct rv_msg st;

	/* the peer is in standby: refused, nothing changes */
	table_node(&nd, cfg, RV_ROLE_ACTIVE);
	state_msg(&st, cfg, 2, RV_ROLE_STANDBY, RV_STATE_PROBED | RV_STATE_STANDBY_REQ);
	(void)rv_site_deliver(&nd.fsm.site, &st, NULL);
	rv_fsm_event(&nd.fsm, RV_EV_SWITCHOVER, "test: switchover");
	ck_assert_int_eq(nd.fsm.role, RV_ROLE_ACTIVE);
	ck_assert_uint_eq(nd.stops, 0);
	ck_assert_uint_eq(nd.mon_off, 0);
	ck_assert_uint_eq(nd.n_trans, 0);
	ck_assert_uint_eq(nd.fsm.unexpected, 0);

	/* an eligible peer: hand over */
	table_node(&nd, cfg, RV_ROLE_ACTIVE);
	rv_fsm_event(&nd.fsm, RV_EV_SWITCHOVER, "test: switchover");
	ck_assert_int_eq(nd.fsm.role, RV_ROLE_DEMOTING);
	ck_assert_uint_eq(nd.stops, 1);
	ck_assert_uint_eq(nd.drain_stops, 1);
	ck_assert_uint_eq(nd.mon_off, 1);
	ck_assert_uint_eq(nd.fsm.release_to, 2);
	ck_assert_uint_eq(nd.drain_ends, 0);
	/* the handover becomes uncertain: the drain is cut short */
	rv_fsm_event(&nd.fsm, RV_EV_QUORUM_LOST, "test: quorum lost");
	ck_assert_int_eq(nd.fsm.role, RV_ROLE_DEMOTING);
	ck_assert_uint_eq(nd.drain_ends, 1);
	rv_fsm_event(&nd.fsm, RV_EV_PEER_LOST, "test: peer lost");
	ck_assert_uint_eq(nd.drain_ends, 2);
	rv_fsm_event(&nd.fsm, RV_EV_CLUSTER_DOWN, "test: corosync gone");
	ck_assert_uint_eq(nd.drain_ends, 3);
	ck_assert_uint_eq(nd.stops, 1);
	rv_config_free(cfg);
}
END_TEST

START_TEST(row_active_resource_failed)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct node nd;

	/* nobody to move to: stay, failed */
	table_node(&nd, cfg, RV_ROLE_ACTIVE);
	rv_site_peer_agent(&nd.fsm.site, 0);
	rv_fsm_event(&nd.fsm, RV_EV_RESOURCE_FAILED, "test: mta failed");
	ck_assert_int_eq(nd.fsm.role, RV_ROLE_ACTIVE);
	ck_assert_int_eq(nd.fsm.local.health, RV_HEALTH_FAILED);
	ck_assert_uint_eq(nd.stops, 0);

	table_node(&nd, cfg, RV_ROLE_ACTIVE);
	rv_fsm_event(&nd.fsm, RV_EV_RESOURCE_FAILED, "test: mta failed");
	ck_assert_int_eq(nd.fsm.role, RV_ROLE_DEMOTING);
	ck_assert_uint_eq(nd.fsm.release_to, 2);
	/* a move to the peer: what still works drains (the group skips the
	 * failed resource) */
	ck_assert_uint_eq(nd.drain_stops, 1);
	rv_config_free(cfg);
}
END_TEST

START_TEST(row_demoting_stopped_releases)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct node nd;
	const struct rv_msg *rel;

	table_node(&nd, cfg, RV_ROLE_DEMOTING);
	nd.fsm.release_to = 2;
	rv_fsm_event(&nd.fsm, RV_EV_STOPPED, "test: stopped");
	ck_assert_int_eq(nd.fsm.role, RV_ROLE_STANDBY);
	ck_assert_int_eq(nd.fsm.holds, 0);
	rel = last_sent(&nd, RV_MSG_RELEASE);
	ck_assert_ptr_nonnull(rel);
	ck_assert_uint_eq(rel->u.target, 2);
	ck_assert_uint_eq(rel->sender, 1);
	ck_assert_uint_eq(nd.sent[RV_MSG_CLAIM], 0);
	ck_assert(!(last_flags(&nd) & RV_STATE_HOLDS));
	rv_config_free(cfg);
}
END_TEST

START_TEST(row_maintenance_round_trip)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct node nd;

	table_node(&nd, cfg, RV_ROLE_ACTIVE);
	rv_fsm_event(&nd.fsm, RV_EV_MAINT_ON, "test: maintenance on");
	ck_assert_int_eq(nd.fsm.role, RV_ROLE_MAINTENANCE);
	ck_assert_uint_eq(nd.mon_off, 1);
	ck_assert_uint_eq(nd.stops, 0); /* left as they are */
	ck_assert_int_eq(nd.fsm.holds, 1);
	ck_assert(last_flags(&nd) & RV_STATE_MAINTENANCE);

	rv_fsm_event(&nd.fsm, RV_EV_MAINT_OFF, "test: maintenance off");
	ck_assert_int_eq(nd.fsm.role, RV_ROLE_STARTING);
	ck_assert_uint_eq(nd.probes, 1);
	ck_assert_int_eq(nd.fsm.local.probed, 0);
	ck_assert_uint_eq(nd.starts, 0);
	ck_assert_uint_eq(nd.n_trans, 2);
	rv_config_free(cfg);
}
END_TEST

/* A reason to demote that arrives while promoting is acted on once started. */
START_TEST(row_promoting_defers_demotion)
{
	static const enum rv_event deferred[] = {
		RV_EV_STANDBY_ON, RV_EV_SWITCHOVER, RV_EV_QUORUM_LOST, RV_EV_CLUSTER_DOWN,
	};
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct node nd;
	size_t i;

	for (i = 0; i < sizeof(deferred) / sizeof(deferred[0]); i++) {
		table_node(&nd, cfg, RV_ROLE_PROMOTING);
		rv_fsm_event(&nd.fsm, deferred[i], "test: deferred");
		ck_assert_int_eq(nd.fsm.role, RV_ROLE_PROMOTING);
		ck_assert_uint_eq(nd.stops, 0);
		rv_fsm_event(&nd.fsm, RV_EV_STARTED, "test: started");
		ck_assert_msg(nd.fsm.role == RV_ROLE_DEMOTING, "%s: %s",
			      rv_event_name(deferred[i]), rv_role_name(nd.fsm.role));
		ck_assert_uint_eq(nd.n_trans, 2); /* PROMOTING -> ACTIVE -> DEMOTING */
		ck_assert(went(&nd, RV_ROLE_PROMOTING, RV_ROLE_ACTIVE));
		ck_assert(went(&nd, RV_ROLE_ACTIVE, RV_ROLE_DEMOTING));
		ck_assert_uint_eq(nd.mon_on, 1);
		ck_assert_uint_eq(nd.mon_off, 1);
		ck_assert_uint_eq(nd.stops, 1);
		ck_assert_int_eq(nd.fsm.deferred, RV_EV_COUNT);
	}
	/* a rollback forgets it */
	table_node(&nd, cfg, RV_ROLE_PROMOTING);
	rv_fsm_event(&nd.fsm, RV_EV_SWITCHOVER, "test: deferred");
	rv_fsm_event(&nd.fsm, RV_EV_START_FAILED, "test: rolled back");
	ck_assert_int_eq(nd.fsm.deferred, RV_EV_COUNT);
	ck_assert_uint_eq(nd.stops, 0);
	rv_config_free(cfg);
}
END_TEST

START_TEST(row_active_quorum_or_cluster_lost_demotes)
{
	static const enum rv_event lost[] = { RV_EV_QUORUM_LOST, RV_EV_CLUSTER_DOWN };
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct node nd;
	size_t i;

	for (i = 0; i < 2; i++) {
		table_node(&nd, cfg, RV_ROLE_ACTIVE);
		rv_fsm_event(&nd.fsm, lost[i], "test: lost");
		ck_assert_int_eq(nd.fsm.role, RV_ROLE_DEMOTING);
		ck_assert_uint_eq(nd.stops, 1);
		ck_assert_uint_eq(nd.mon_off, 1);
		ck_assert_uint_eq(nd.fsm.release_to, 0); /* to nobody in particular */
		/* nobody takes over: nothing waits for sessions to finish */
		ck_assert_uint_eq(nd.drain_stops, 0);
	}
	rv_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ 2. the stream */

/* The node's resources may run: it holds by its role and is not a
 * PROMOTING node whose start still waits for the peer's word, and (when a
 * scenario gave the views different histories, where a node may be granted
 * a claim and give it up without ever starting) they were started or found
 * and not stopped since. */
static int
may_run(const struct node *nd)
{
	if (nd->bus != NULL && nd->bus->diverged)
		return nd->running;
	return rv_role_holds(nd->fsm.role) &&
	       !(nd->fsm.role == RV_ROLE_PROMOTING && nd->fsm.start_wait);
}

static void
check_safety(struct bus *b)
{
	struct node *n1 = &b->node[0], *n2 = &b->node[1];
	int i;

	ck_assert_uint_lt(++b->steps, STEPS_MAX); /* the stream must settle */
	if (b->allow_both)
		return;
	if (n1->up && n2->up)
		ck_assert_msg(!(may_run(n1) && may_run(n2)),
			      "both hold: n1 %s, n2 %s (step %u)", rv_role_name(n1->fsm.role),
			      rv_role_name(n2->fsm.role), b->steps);
	for (i = 0; i < 2 && !b->diverged; i++)
		if (b->node[i].up)
			ck_assert_msg(!(b->node[i].fsm.site.self.holds &&
					b->node[i].fsm.site.peer.holds),
				      "n%d's view of the stream has both holding (step %u)",
				      i + 1, b->steps);
}

static void
bus_push(struct bus *b, const unsigned char *buf, size_t len, int from)
{
	struct wire_msg *w;

	ck_assert_uint_lt(b->tail - b->head, QUEUE_MAX);
	w = &b->q[b->tail++ % QUEUE_MAX];
	memcpy(w->buf, buf, len);
	w->len = len;
	w->from = from;
}

/* A message that no relevod sent through its ops (an operator's request, a
 * stranger, a forgery), sent from node from's CPG handle. */
static void
bus_inject(struct bus *b, int from, int type, uint32_t sender, uint32_t target)
{
	unsigned char buf[RV_WIRE_MAX_LEN];
	struct rv_msg m;
	ssize_t len;

	if (type == RV_MSG_STATE) {
		state_msg(&m, b->node[0].fsm.site.cfg, sender, RV_ROLE_ACTIVE,
			  RV_STATE_HOLDS | RV_STATE_PROBED);
	} else {
		memset(&m, 0, sizeof(m));
		m.type = (uint8_t)type;
		m.sender = sender;
		m.u.target = target;
	}
	len = rv_wire_encode(&m, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	bus_push(b, buf, (size_t)len, from);
}

static void
complete(struct node *nd)
{
	enum group_op op = nd->op;

	nd->op = OP_NONE;
	if (op == OP_PROBE) {
		nd->running = nd->probe_holds;
		rv_fsm_probed(&nd->fsm, nd->probe_holds);
	} else if (op == OP_START) {
		if (nd->start_result == RV_EV_START_FAILED)
			nd->running = 0; /* rolled back */
		rv_fsm_event(&nd->fsm, nd->start_result, "test: group start done");
	} else if (op == OP_STOP) {
		nd->running = 0;
		rv_fsm_event(&nd->fsm, RV_EV_STOPPED, "test: group stopped");
	}
}

/* One step: deliver the next message to every node it reaches, or, when the
 * stream is idle, complete a group operation (they take seconds, messages
 * milliseconds). 0 when there is nothing left to do. */
static int
bus_step(struct bus *b)
{
	struct wire_msg w;
	struct rv_msg m;
	int i;

	if (b->head != b->tail) {
		w = b->q[b->head++ % QUEUE_MAX];
		for (i = 0; i < 2; i++) {
			if (!b->node[i].up || (b->split && i != w.from))
				continue;
			ck_assert_int_eq(rv_wire_decode(w.buf, w.len, &m), 0);
			rv_fsm_deliver(&b->node[i].fsm, &m);
			check_safety(b);
		}
		return 1;
	}
	for (i = 0; i < 2; i++) {
		if (b->node[i].up && b->node[i].op != OP_NONE) {
			complete(&b->node[i]);
			check_safety(b);
			return 1;
		}
	}
	return 0;
}

static void
bus_run(struct bus *b)
{
	while (bus_step(b))
		;
}

/* The state timer fires on every running relevod. */
static void
bus_tick(struct bus *b)
{
	int i;

	for (i = 0; i < 2; i++)
		if (b->node[i].up)
			ck_assert_int_eq(rv_fsm_broadcast_state(&b->node[i].fsm), 0);
	bus_run(b);
}

static void
wait_over(struct node *nd)
{
	nd->fsm.local.peer_wait_over = 1;
	rv_fsm_event(&nd->fsm, RV_EV_PEER_WAIT_DONE, "test: peer wait over");
}

/* Node i's relevod is connected: both nodes are members of a quorate
 * (two_node) partition, and the relevods see each other's in the group. */
static void
node_join(struct bus *b, int i)
{
	struct node *nd = &b->node[i], *peer = &b->node[1 - i];

	rv_fsm_quorum(&nd->fsm, 1);
	rv_fsm_peer_member(&nd->fsm, 1);
	if (peer->up) {
		rv_fsm_peer_agent(&nd->fsm, 1);
		rv_fsm_peer_agent(&peer->fsm, 1);
	}
}

/* Both relevods start, nothing running, the standby flags as given (read
 * from the state directory, as relevod does); probes complete, the stream
 * drains, then the peer wait ends. */
static struct bus *
site_start(const struct rv_config *cfg, int standby1, int standby2)
{
	struct bus *b = calloc(1, sizeof(*b));
	int i;

	ck_assert_ptr_nonnull(b);
	for (i = 0; i < 2; i++)
		node_init(&b->node[i], b, i, cfg);
	b->node[0].fsm.local.standby_req = standby1;
	b->node[1].fsm.local.standby_req = standby2;
	node_join(b, 0);
	node_join(b, 1);
	rv_fsm_probed(&b->node[0].fsm, 0);
	rv_fsm_probed(&b->node[1].fsm, 0);
	bus_run(b);
	wait_over(&b->node[0]);
	wait_over(&b->node[1]);
	bus_run(b);
	return b;
}

/* relevod on node i is killed; its node stays a member. */
static void
kill_agent(struct bus *b, int i)
{
	bus_run(b);
	b->node[i].up = 0;
	rv_fsm_peer_agent(&b->node[1 - i].fsm, 0);
	bus_run(b);
}

/* Node i itself is gone (crash, power). */
static void
kill_node(struct bus *b, int i)
{
	bus_run(b);
	b->node[i].up = 0;
	rv_fsm_peer_member(&b->node[1 - i].fsm, 0);
	bus_run(b);
}

/* relevod on node i starts again with a fresh machine; the stream drains
 * before its probe, whose result the caller gives. */
static void
restart_agent(struct bus *b, int i, const struct rv_config *cfg)
{
	node_init(&b->node[i], b, i, cfg);
	node_join(b, i);
	bus_run(b);
	wait_over(&b->node[i]);
	bus_run(b);
}

/* Exactly one node is ACTIVE, the other STANDBY, and both views of the
 * stream agree it holds the site. */
static void
expect_active(const struct bus *b, int i)
{
	const struct node *a = &b->node[i], *s = &b->node[1 - i];

	ck_assert_msg(a->fsm.role == RV_ROLE_ACTIVE, "n%d is %s, not active", i + 1,
		      rv_role_name(a->fsm.role));
	ck_assert_msg(s->fsm.role == RV_ROLE_STANDBY, "n%d is %s, not standby", 2 - i,
		      rv_role_name(s->fsm.role));
	ck_assert_uint_eq(rv_site_holder(&a->fsm.site), (uint32_t)i + 1);
	ck_assert_uint_eq(rv_site_holder(&s->fsm.site), (uint32_t)i + 1);
	ck_assert_uint_eq(a->fsm.site.generation, s->fsm.site.generation);
	ck_assert_uint_eq(a->fsm.unexpected + s->fsm.unexpected, 0);
}

static void
bus_free(struct bus *b, struct rv_config *cfg)
{
	free(b);
	rv_config_free(cfg);
}

/* (a) Both start with nothing running: the lower id, or the preferred node. */
START_TEST(stream_start_elects_one)
{
	struct rv_config *cfg = load(_i == 0 ? CONFIG("fsm.conf") : CONFIG("fsm_pref.conf"));
	struct bus *b = site_start(cfg, 0, 0);
	int winner = _i == 0 ? 0 : 1;

	expect_active(b, winner);
	ck_assert_uint_eq(b->node[winner].sent[RV_MSG_CLAIM], 1);
	ck_assert_uint_eq(b->node[1 - winner].sent[RV_MSG_CLAIM], 0);
	ck_assert_uint_eq(b->node[winner].starts, 1);
	ck_assert_uint_eq(b->node[1 - winner].starts, 0);
	bus_tick(b);
	bus_tick(b);
	expect_active(b, winner);
	bus_free(b, cfg);
}
END_TEST

/* (b) Both claim before either claim is delivered: the first in the stream
 * wins in both views, the second is denied in both. */
START_TEST(stream_simultaneous_claims)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct bus *b = site_start(cfg, 1, 1);
	int first = _i;

	/* both in standby: neither claims, nothing runs */
	ck_assert_int_eq(b->node[0].fsm.role, RV_ROLE_STANDBY);
	ck_assert_int_eq(b->node[1].fsm.role, RV_ROLE_STANDBY);
	ck_assert_uint_eq(b->node[0].sent[RV_MSG_CLAIM] + b->node[1].sent[RV_MSG_CLAIM], 0);

	/* both unstandby at once: each sees the other still in standby */
	rv_fsm_event(&b->node[first].fsm, RV_EV_STANDBY_OFF, "test: unstandby");
	rv_fsm_event(&b->node[1 - first].fsm, RV_EV_STANDBY_OFF, "test: unstandby");
	ck_assert_uint_eq(b->node[0].sent[RV_MSG_CLAIM], 1);
	ck_assert_uint_eq(b->node[1].sent[RV_MSG_CLAIM], 1);
	bus_run(b);
	expect_active(b, first);
	ck_assert_uint_eq(b->node[1 - first].starts, 0);
	ck_assert_uint_eq(b->node[0].fsm.site.generation, 1);
	bus_tick(b);
	expect_active(b, first);
	bus_free(b, cfg);
}
END_TEST

/* (c) The active node is lost, fencing off: the survivor promotes. */
START_TEST(stream_node_lost_survivor_promotes)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct bus *b = site_start(cfg, 0, 0);
	struct node *n2 = &b->node[1];

	expect_active(b, 0);
	kill_node(b, 0);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_ACTIVE);
	ck_assert_uint_eq(n2->starts, 1);
	ck_assert(went(n2, RV_ROLE_STANDBY, RV_ROLE_PROMOTING));
	ck_assert_ptr_nonnull(strstr(n2->trans[n2->n_trans - 2].cause, "UNSAFE"));
	ck_assert_uint_eq(rv_site_holder(&n2->fsm.site), 2);
	bus_free(b, cfg);
}
END_TEST

/* (d) The active node's relevod is lost, its node still a member: its
 * resources may run, so the survivor must not claim. */
START_TEST(stream_agent_lost_survivor_waits)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct bus *b = site_start(cfg, 0, 0);
	struct node *n2 = &b->node[1];

	expect_active(b, 0);
	kill_agent(b, 0);
	wait_over(n2);
	bus_tick(b);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_STANDBY);
	ck_assert_uint_eq(n2->sent[RV_MSG_CLAIM], 0);
	ck_assert_uint_eq(n2->starts, 0);
	ck_assert_ptr_nonnull(n2->fsm.why);
	ck_assert_msg(strstr(n2->fsm.why, "may still run") != NULL, "why: %s", n2->fsm.why);
	ck_assert_uint_eq(rv_site_holder(&n2->fsm.site), 1);
	bus_free(b, cfg);
}
END_TEST

/* Fencing on (fsm_fence.conf): the role machine asks for fencing through
 * its ops; the tests play the fence runner by feeding its outcomes. */

/* (f1) The holder is lost: the survivor fences it, after fence-delay (the
 * peer held the site), and claims only once the fence is confirmed. */
START_TEST(fence_survivor_fences_then_promotes)
{
	struct rv_config *cfg = load(CONFIG("fsm_fence.conf"));
	struct bus *b = site_start(cfg, 0, 0);
	struct node *n2 = &b->node[1];
	const char *why;

	expect_active(b, 0);
	kill_node(b, 0);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_FENCING);
	ck_assert_uint_eq(n2->fences, 1);
	ck_assert_int_eq(n2->fence_delayed, 1);
	ck_assert_ptr_nonnull(strstr(n2->trans[n2->n_trans - 1].cause, "fence-delay"));
	/* the gate: lost, not confirmed off, no claim however long it waits */
	ck_assert_int_eq(rv_site_should_claim(&n2->fsm.site, &n2->fsm.local, &why), 0);
	ck_assert_str_eq(why, "peer lost and no fencing method confirmed it off");
	bus_tick(b);
	bus_tick(b);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_FENCING);
	ck_assert_uint_eq(n2->sent[RV_MSG_CLAIM], 0);
	ck_assert_uint_eq(n2->starts, 0);

	rv_fsm_event(&n2->fsm, RV_EV_FENCE_DONE, "test: n1 confirmed off");
	bus_run(b);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_ACTIVE);
	ck_assert(went(n2, RV_ROLE_FENCING, RV_ROLE_STANDBY));
	ck_assert(went(n2, RV_ROLE_STANDBY, RV_ROLE_PROMOTING));
	ck_assert_uint_eq(n2->starts, 1);
	ck_assert_uint_eq(rv_site_holder(&n2->fsm.site), 2);
	ck_assert_uint_eq(n2->fsm.unexpected, 0);
	bus_free(b, cfg);
}
END_TEST

/* (f2) The holder loses its peer: it fences at once (no delay: the holder
 * wins a race) and keeps serving throughout. */
START_TEST(fence_holder_fences_at_once)
{
	struct rv_config *cfg = load(CONFIG("fsm_fence.conf"));
	struct bus *b = site_start(cfg, 0, 0);
	struct node *n1 = &b->node[0];

	expect_active(b, 0);
	kill_node(b, 1);
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_ACTIVE);
	ck_assert_uint_eq(n1->fences, 1);
	ck_assert_int_eq(n1->fence_delayed, 0);
	ck_assert_uint_eq(n1->stops, 0);
	/* a failure is retried after the backoff, still serving */
	rv_fsm_event(&n1->fsm, RV_EV_FENCE_FAILED, "test: agent failed");
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_ACTIVE);
	rv_fsm_event(&n1->fsm, RV_EV_FENCE_RETRY, "test: backoff over");
	ck_assert_uint_eq(n1->fences, 2);
	rv_fsm_event(&n1->fsm, RV_EV_FENCE_DONE, "test: n2 confirmed off");
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_ACTIVE);
	ck_assert(n1->fsm.site.peer.fenced);
	/* nothing more to do once it is off */
	rv_fsm_event(&n1->fsm, RV_EV_FENCE_RETRY, "test: stray retry");
	ck_assert_uint_eq(n1->fences, 2);
	ck_assert_uint_eq(n1->fsm.unexpected, 0);
	bus_free(b, cfg);
}
END_TEST

/* (f3) A failed fence blocks the survivor, which never promotes; it
 * retries after the backoff; the peer's return makes the fence needless. */
START_TEST(fence_failed_blocks_and_retries)
{
	struct rv_config *cfg = load(CONFIG("fsm_fence.conf"));
	struct bus *b = site_start(cfg, 0, 0);
	struct node *n2 = &b->node[1];
	unsigned cancels;

	expect_active(b, 0);
	kill_node(b, 0);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_FENCING);
	rv_fsm_event(&n2->fsm, RV_EV_FENCE_FAILED, "test: every method failed");
	bus_run(b);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_BLOCKED);
	ck_assert(n2->fsm.blocked_fence);
	ck_assert(!n2->fsm.holds);
	ck_assert_uint_eq(n2->sent[RV_MSG_CLAIM], 0);
	ck_assert_uint_eq(n2->starts, 0);

	rv_fsm_event(&n2->fsm, RV_EV_FENCE_RETRY, "test: backoff over");
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_FENCING);
	ck_assert_uint_eq(n2->fences, 2);
	ck_assert_int_eq(n2->fence_delayed, 0);
	rv_fsm_event(&n2->fsm, RV_EV_FENCE_FAILED, "test: failed again");
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_BLOCKED);

	/* n1 was alive after all (a partition): it comes back */
	cancels = n2->fence_cancels;
	restart_agent(b, 0, cfg);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_STANDBY);
	ck_assert_uint_gt(n2->fence_cancels, cancels);
	ck_assert(!n2->fsm.blocked_fence);
	ck_assert_uint_eq(n2->starts, 0);
	rv_fsm_probed(&b->node[0].fsm, 0);
	bus_run(b);
	bus_tick(b);
	ck_assert_int_eq(rv_role_holds(b->node[0].fsm.role) + rv_role_holds(n2->fsm.role), 1);
	bus_free(b, cfg);
}
END_TEST

/* (f4) The holder's relevod is lost, its node a member: after the grace the
 * survivor fences it (no delay: no relevod races it), then takes over. */
START_TEST(fence_agent_lost_after_grace)
{
	struct rv_config *cfg = load(CONFIG("fsm_fence.conf"));
	struct bus *b = site_start(cfg, 0, 0);
	struct node *n2 = &b->node[1];

	expect_active(b, 0);
	kill_agent(b, 0);
	wait_over(n2);
	bus_tick(b);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_STANDBY);
	ck_assert_uint_eq(n2->fences, 0);
	ck_assert_uint_eq(n2->sent[RV_MSG_CLAIM], 0);

	rv_fsm_event(&n2->fsm, RV_EV_GRACE_OVER, "test: agent-lost-grace over");
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_FENCING);
	ck_assert_uint_eq(n2->fences, 1);
	ck_assert_int_eq(n2->fence_delayed, 0);
	rv_fsm_event(&n2->fsm, RV_EV_FENCE_DONE, "test: n1 confirmed off");
	bus_run(b);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_ACTIVE);
	ck_assert_uint_eq(n2->starts, 1);
	ck_assert_uint_eq(n2->fsm.unexpected, 0);
	bus_free(b, cfg);
}
END_TEST

/* (f5) Standby and quorum loss stop fencing; unstandby starts it again
 * (delayed still: the lost peer held the site in the stream). */
START_TEST(fence_stopped_by_standby_and_quorum)
{
	struct rv_config *cfg = load(CONFIG("fsm_fence.conf"));
	struct bus *b = site_start(cfg, 0, 0);
	struct node *n2 = &b->node[1];

	expect_active(b, 0);
	kill_node(b, 0);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_FENCING);
	rv_fsm_event(&n2->fsm, RV_EV_STANDBY_ON, "test: standby");
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_STANDBY);
	ck_assert_uint_eq(n2->fence_cancels, 1);
	ck_assert_uint_eq(n2->fences, 1);
	rv_fsm_event(&n2->fsm, RV_EV_STANDBY_OFF, "test: unstandby");
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_FENCING);
	ck_assert_uint_eq(n2->fences, 2);
	ck_assert_int_eq(n2->fence_delayed, 1);
	rv_fsm_quorum(&n2->fsm, 0);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_STANDBY);
	ck_assert_uint_eq(n2->fence_cancels, 2);
	/* not quorate: no fencing, no claim */
	rv_fsm_event(&n2->fsm, RV_EV_PEER_WAIT_DONE, "test");
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_STANDBY);
	ck_assert_uint_eq(n2->fences, 2);
	ck_assert_uint_eq(n2->starts, 0);
	ck_assert_uint_eq(n2->fsm.unexpected, 0);
	bus_free(b, cfg);
}
END_TEST

/* (f6) A fenced peer that comes back is a peer like any other: its relevod
 * joining (the group may tell before the membership does) ends what the
 * fence confirmed, so losing it again means fencing it again. */
START_TEST(fence_forgotten_when_peer_returns)
{
	struct rv_config *cfg = load(CONFIG("fsm_fence.conf"));
	struct bus *b = site_start(cfg, 0, 0);
	struct node *n1 = &b->node[0], *n2 = &b->node[1];

	expect_active(b, 0);
	kill_node(b, 0);
	rv_fsm_event(&n2->fsm, RV_EV_FENCE_DONE, "test: n1 confirmed off");
	bus_run(b);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_ACTIVE);
	ck_assert(n2->fsm.site.peer.fenced);

	restart_agent(b, 0, cfg);
	rv_fsm_probed(&n1->fsm, 0);
	bus_run(b);
	bus_tick(b);
	expect_active(b, 1);
	ck_assert(!n2->fsm.site.peer.fenced);

	/* the holder loses the returned peer: it fences it again */
	kill_node(b, 0);
	ck_assert_uint_eq(n2->fences, 2);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_ACTIVE);
	ck_assert_uint_eq(n2->fsm.unexpected, 0);
	bus_free(b, cfg);
}
END_TEST

/* (f7) The same from the standby's side: after n1 fenced n2 and n2 came
 * back, n2 losing n1 must fence it, never claim over it at once. */
START_TEST(fence_returned_standby_fences_again)
{
	struct rv_config *cfg = load(CONFIG("fsm_fence.conf"));
	struct bus *b = site_start(cfg, 0, 0);
	struct node *n1 = &b->node[0], *n2 = &b->node[1];

	expect_active(b, 0);
	kill_node(b, 1);
	rv_fsm_event(&n1->fsm, RV_EV_FENCE_DONE, "test: n2 confirmed off");
	restart_agent(b, 1, cfg);
	rv_fsm_probed(&n2->fsm, 0);
	bus_run(b);
	bus_tick(b);
	expect_active(b, 0);
	ck_assert(!n1->fsm.site.peer.fenced);
	kill_node(b, 0);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_FENCING);
	ck_assert_uint_eq(n2->sent[RV_MSG_CLAIM], 0);
	ck_assert_uint_eq(n2->starts, 0);
	bus_free(b, cfg);
}
END_TEST

/* The fence delay: the holder never waits; the standby waits when the
 * peer held the site; when neither holds, the node that keeps the site in
 * a conflict goes first; a peer whose relevod is gone races nobody. */
START_TEST(site_fence_delay)
{
	struct rv_config *cfg = load(CONFIG("fsm_fence.conf"));
	struct rv_site s1, s2;

	ck_assert_int_eq(rv_site_init(&s1, cfg, 1), 0);
	ck_assert_int_eq(rv_site_init(&s2, cfg, 2), 0);
	s1.self.holds = 1;
	ck_assert_int_eq(rv_site_fence_delayed(&s1), 0);
	s2.peer.holds = 1;
	ck_assert_int_eq(rv_site_fence_delayed(&s2), 1);
	s1.self.holds = s2.peer.holds = 0;
	ck_assert_int_eq(rv_site_fence_delayed(&s1), 0); /* n1: lower id keeps */
	ck_assert_int_eq(rv_site_fence_delayed(&s2), 1);
	s2.peer.holds = 1;
	s2.peer.member = 1;
	s2.peer.agent = 0;
	ck_assert_int_eq(rv_site_fence_delayed(&s2), 0);
	rv_config_free(cfg);
}
END_TEST

/* (e) relevod restarts on the holder, whose probe finds the resources
 * running while the peer is standby: it claims and keeps the site, even
 * against the preferred node (stickiness). */
START_TEST(stream_restart_holder_keeps_site)
{
	struct rv_config *cfg = load(_i == 0 ? CONFIG("fsm.conf") : CONFIG("fsm_pref.conf"));
	struct bus *b;
	struct node *n1, *n2;

	/* with fsm_pref.conf n2 is preferred; put it in standby so n1 gets
	 * the site, then let it go: no failback */
	b = site_start(cfg, 0, _i);
	n1 = &b->node[0];
	n2 = &b->node[1];
	if (_i) {
		rv_fsm_event(&n2->fsm, RV_EV_STANDBY_OFF, "test: unstandby");
		bus_run(b);
	}
	expect_active(b, 0);

	kill_agent(b, 0);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_STANDBY);
	restart_agent(b, 0, cfg);
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_STARTING);
	rv_fsm_probed(&n1->fsm, 1);
	bus_run(b);
	expect_active(b, 0);
	ck_assert(went(n1, RV_ROLE_STARTING, RV_ROLE_PROMOTING));
	ck_assert_uint_eq(n1->stops, 0);
	ck_assert_uint_eq(n2->sent[RV_MSG_CLAIM], 0);
	ck_assert_uint_eq(n2->starts, 0);
	bus_tick(b);
	expect_active(b, 0);
	bus_free(b, cfg);
}
END_TEST

/* (e) relevod restarts on n1 and its probe finds resources running while n2
 * holds the site: n1 stops its leftovers; n2 keeps the site throughout. */
START_TEST(stream_restart_leftovers_stopped)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct bus *b = site_start(cfg, 1, 0);
	struct node *n1 = &b->node[0], *n2 = &b->node[1];
	size_t n2_trans;

	expect_active(b, 1);
	rv_fsm_event(&n1->fsm, RV_EV_STANDBY_OFF, "test: unstandby");
	bus_run(b);
	expect_active(b, 1); /* no failback to the lower id */

	kill_agent(b, 0);
	restart_agent(b, 0, cfg);
	n2_trans = n2->n_trans;
	/* both run resources now, by construction: n1's are leftovers */
	b->allow_both = 1;
	rv_fsm_probed(&n1->fsm, 1);
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_DEMOTING);
	bus_run(b);
	b->allow_both = 0;
	bus_tick(b);
	expect_active(b, 1);
	ck_assert(went(n1, RV_ROLE_STARTING, RV_ROLE_DEMOTING));
	ck_assert(went(n1, RV_ROLE_DEMOTING, RV_ROLE_STANDBY));
	ck_assert_uint_eq(n1->stops, 1);
	ck_assert_uint_eq(n1->starts, 0);
	ck_assert_uint_eq(n1->sent[RV_MSG_CLAIM], 0);
	ck_assert_msg(n2->n_trans == n2_trans, "the holder left ACTIVE (%s -> %s: %s)",
		      rv_role_name(n2->trans[n2_trans].from),
		      rv_role_name(n2->trans[n2_trans].to), n2->trans[n2_trans].cause);
	ck_assert_uint_eq(n2->stops, 0);
	bus_free(b, cfg);
}
END_TEST

/* (f) A SWITCHOVER naming the standby moves the site there, for good; with
 * fsm_pref.conf the site moves away from the preferred node. */
START_TEST(stream_switchover_moves_site)
{
	struct rv_config *cfg = load(_i == 0 ? CONFIG("fsm.conf") : CONFIG("fsm_pref.conf"));
	struct bus *b = site_start(cfg, 0, 0);
	int from = _i == 0 ? 0 : 1, to = 1 - from;
	struct node *old = &b->node[from], *new = &b->node[to];
	const struct rv_msg *rel;

	expect_active(b, from);
	/* asked on the target node, as `relevo switchover` does; naming the
	 * holder itself means nothing */
	bus_inject(b, to, RV_MSG_SWITCHOVER, (uint32_t)to + 1, (uint32_t)from + 1);
	bus_run(b);
	expect_active(b, from);
	bus_inject(b, to, RV_MSG_SWITCHOVER, (uint32_t)to + 1, (uint32_t)to + 1);
	bus_run(b);
	expect_active(b, to);
	ck_assert(went(old, RV_ROLE_ACTIVE, RV_ROLE_DEMOTING));
	ck_assert(went(old, RV_ROLE_DEMOTING, RV_ROLE_STANDBY));
	rel = last_sent(old, RV_MSG_RELEASE);
	ck_assert_ptr_nonnull(rel);
	ck_assert_uint_eq(rel->u.target, (uint32_t)to + 1);
	ck_assert(went(new, RV_ROLE_STANDBY, RV_ROLE_PROMOTING));
	ck_assert_uint_eq(old->sent[RV_MSG_CLAIM], 1); /* only the first one */
	/* and it stays there */
	bus_tick(b);
	bus_tick(b);
	expect_active(b, to);
	ck_assert_uint_eq(old->sent[RV_MSG_CLAIM], 1);
	bus_free(b, cfg);
}
END_TEST

/* (g) Standby on the active node moves the site; the standby node never
 * claims while the flag is set; unstandby does not fail back. */
START_TEST(stream_standby_moves_site)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct bus *b = site_start(cfg, 0, 0);
	struct node *n1 = &b->node[0];

	expect_active(b, 0);
	rv_fsm_event(&n1->fsm, RV_EV_STANDBY_ON, "test: standby (operator)");
	bus_run(b);
	expect_active(b, 1);
	ck_assert(went(n1, RV_ROLE_ACTIVE, RV_ROLE_DEMOTING));
	ck_assert_uint_eq(n1->sent[RV_MSG_CLAIM], 1);
	bus_tick(b);

	rv_fsm_event(&n1->fsm, RV_EV_STANDBY_OFF, "test: unstandby (operator)");
	bus_run(b);
	bus_tick(b);
	expect_active(b, 1); /* no failback */
	ck_assert_uint_eq(n1->sent[RV_MSG_CLAIM], 1);

	/* in standby again, even the loss of the active node does not make
	 * n1 claim; leaving standby then does */
	rv_fsm_event(&n1->fsm, RV_EV_STANDBY_ON, "test: standby (operator)");
	bus_run(b);
	kill_node(b, 1);
	bus_tick(b);
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_STANDBY);
	ck_assert_uint_eq(n1->sent[RV_MSG_CLAIM], 1);
	ck_assert_ptr_nonnull(strstr(n1->fsm.why, "standby"));
	rv_fsm_event(&n1->fsm, RV_EV_STANDBY_OFF, "test: unstandby (operator)");
	bus_run(b);
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_ACTIVE);
	ck_assert_uint_eq(n1->sent[RV_MSG_CLAIM], 2);
	bus_free(b, cfg);
}
END_TEST

/* (h) A partition heals with both holding (fencing off): exactly one
 * demotes, the one rv_site_conflict_keep says. Variants: n1 holds with
 * fsm.conf; n2 (preferred) holds with fsm_pref.conf; n2 holds with fsm.conf,
 * so the original holder is the one that gives way. */
START_TEST(stream_conflict_resolved)
{
	struct rv_config *cfg = load(_i == 1 ? CONFIG("fsm_pref.conf") : CONFIG("fsm.conf"));
	struct bus *b = site_start(cfg, _i == 2, 0);
	int holder = _i == 0 ? 0 : 1, keep, i;

	if (_i == 2) {
		rv_fsm_event(&b->node[0].fsm, RV_EV_STANDBY_OFF, "test: unstandby");
		bus_run(b);
	}
	expect_active(b, holder);

	/* partition: each side loses the other and, fencing off, the standby
	 * side takes the site too */
	b->split = 1;
	b->allow_both = 1;
	for (i = 0; i < 2; i++)
		rv_fsm_peer_member(&b->node[i].fsm, 0);
	bus_run(b);
	ck_assert_int_eq(b->node[0].fsm.role, RV_ROLE_ACTIVE);
	ck_assert_int_eq(b->node[1].fsm.role, RV_ROLE_ACTIVE);

	/* heal */
	b->split = 0;
	for (i = 0; i < 2; i++)
		rv_fsm_peer_member(&b->node[i].fsm, 1);
	for (i = 0; i < 2; i++)
		rv_fsm_peer_agent(&b->node[i].fsm, 1);
	keep = rv_site_conflict_keep(&b->node[0].fsm.site) ? 0 : 1;
	ck_assert_int_ne(rv_site_conflict_keep(&b->node[1].fsm.site), keep == 0);
	bus_run(b);
	b->allow_both = 0;
	bus_tick(b);
	ck_assert_int_eq(keep, _i == 1); /* preferred n2, else the lower id */
	expect_active(b, keep);
	ck_assert(went(&b->node[1 - keep], RV_ROLE_ACTIVE, RV_ROLE_DEMOTING));
	ck_assert(!went(&b->node[keep], RV_ROLE_ACTIVE, RV_ROLE_DEMOTING));
	bus_free(b, cfg);
}
END_TEST

/* (i) Messages from a node that is not in the site are dropped, counted,
 * and change nothing. */
START_TEST(stream_unknown_sender_dropped)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct bus *b = site_start(cfg, 0, 0);
	uint64_t dropped[2] = { b->node[0].fsm.site.dropped, b->node[1].fsm.site.dropped };
	uint64_t gen = b->node[0].fsm.site.generation;
	size_t trans[2] = { b->node[0].n_trans, b->node[1].n_trans };
	int i;

	expect_active(b, 0);
	bus_inject(b, 1, RV_MSG_STATE, 9, 0);
	bus_inject(b, 1, RV_MSG_CLAIM, 9, 9);
	bus_inject(b, 1, RV_MSG_RELEASE, 9, 2);
	bus_inject(b, 1, RV_MSG_SWITCHOVER, 9, 2);
	bus_run(b);
	expect_active(b, 0);
	for (i = 0; i < 2; i++) {
		ck_assert_uint_eq(b->node[i].fsm.site.dropped, dropped[i] + 4);
		ck_assert_uint_eq(b->node[i].n_trans, trans[i]);
		ck_assert_uint_eq(b->node[i].fsm.site.generation, gen);
	}
	ck_assert_uint_eq(b->node[0].stops, 0);
	bus_free(b, cfg);
}
END_TEST

/* (i) A CLAIM whose target is not its sender is dropped. */
START_TEST(stream_claim_for_another_dropped)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct bus *b = site_start(cfg, 1, 1);
	int i;

	ck_assert_uint_eq(rv_site_holder(&b->node[0].fsm.site), 0);
	bus_inject(b, 1, RV_MSG_CLAIM, 2, 1);
	bus_inject(b, 0, RV_MSG_CLAIM, 1, 2);
	bus_run(b);
	for (i = 0; i < 2; i++) {
		ck_assert_uint_eq(b->node[i].fsm.site.dropped, 2);
		ck_assert_uint_eq(rv_site_holder(&b->node[i].fsm.site), 0);
		ck_assert_uint_eq(b->node[i].fsm.site.generation, 0);
		ck_assert_int_eq(b->node[i].fsm.role, RV_ROLE_STANDBY);
		ck_assert_uint_eq(b->node[i].starts, 0);
	}
	bus_free(b, cfg);
}
END_TEST

/* A claim is in flight when the operator turns maintenance on: its grant
 * arrives in MAINTENANCE. Nothing may start, and the site must go to the
 * peer once it can take it. */
START_TEST(stream_claim_granted_in_maintenance)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct bus *b = site_start(cfg, 1, 1);
	struct node *n1 = &b->node[0], *n2 = &b->node[1];

	rv_fsm_event(&n1->fsm, RV_EV_STANDBY_OFF, "test: unstandby");
	ck_assert_uint_eq(n1->sent[RV_MSG_CLAIM], 1);
	rv_fsm_event(&n1->fsm, RV_EV_MAINT_ON, "test: maintenance on");
	bus_run(b);
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_MAINTENANCE);
	ck_assert_uint_eq(n1->starts, 0);
	ck_assert_uint_eq(n1->fsm.unexpected, 0);
	ck_assert_uint_eq(rv_site_holder(&n2->fsm.site), 0);

	rv_fsm_event(&n2->fsm, RV_EV_STANDBY_OFF, "test: unstandby");
	bus_run(b);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_ACTIVE);

	/* leaving maintenance re-probes (nothing runs) and does not fail back */
	rv_fsm_event(&n1->fsm, RV_EV_MAINT_OFF, "test: maintenance off");
	bus_run(b);
	bus_tick(b);
	expect_active(b, 1);
	ck_assert_uint_eq(n1->probes, 1);
	bus_free(b, cfg);
}
END_TEST

/* Found by the model (tests/model, check "operator"): a claim sent from
 * STANDBY, maintenance on and off before it is delivered; it is denied while
 * the new probe runs. The node must wait for the probe in STARTING, not go
 * STANDBY unprobed (where PROBED has no row and was dropped as a BUG). */
START_TEST(stream_claim_denied_while_probing)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct bus *b = site_start(cfg, 1, 1);
	struct node *n1 = &b->node[0], *n2 = &b->node[1];

	/* n2 claims first; n1, which still sees n2 in standby, claims too */
	rv_fsm_event(&n2->fsm, RV_EV_STANDBY_OFF, "test: unstandby");
	rv_fsm_event(&n1->fsm, RV_EV_STANDBY_OFF, "test: unstandby");
	ck_assert_uint_eq(n1->sent[RV_MSG_CLAIM], 1);
	ck_assert_uint_eq(n2->sent[RV_MSG_CLAIM], 1);
	rv_fsm_event(&n1->fsm, RV_EV_MAINT_ON, "test: maintenance on");
	rv_fsm_event(&n1->fsm, RV_EV_MAINT_OFF, "test: maintenance off");
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_STARTING);
	ck_assert_int_eq(n1->op, OP_PROBE);
	/* n2's claim is granted, n1's denied while its probe runs */
	while (b->head != b->tail)
		(void)bus_step(b);
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_STARTING);
	ck_assert_uint_eq(n1->fsm.unexpected, 0);
	bus_run(b);
	bus_tick(b);
	expect_active(b, 1);
	ck_assert_uint_eq(n1->starts, 0);
	ck_assert_int_eq(n1->fsm.local.probed, 1);
	bus_free(b, cfg);
}
END_TEST

/* Found by the model (check "operator") once a granted claim waits for the
 * peer's word: a claim sent from STANDBY, maintenance on and off before it
 * is delivered; it is granted while the new probe runs. The start waits, so
 * nothing cancels the probe, and its PROBED comes in PROMOTING: it must be
 * taken (not dropped as a BUG), the grant still holds the site, and the
 * peer's answer starts the group. */
START_TEST(stream_claim_granted_while_probing)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct bus *b = site_start(cfg, 0, 1);
	struct node *n1 = &b->node[0];

	ck_assert_int_eq(n1->fsm.role, RV_ROLE_ACTIVE);
	/* n1 stands by and claims again at once (n2 is in standby) */
	rv_fsm_event(&n1->fsm, RV_EV_STANDBY_ON, "test: standby");
	bus_run(b);
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_STANDBY);
	rv_fsm_event(&n1->fsm, RV_EV_STANDBY_OFF, "test: unstandby");
	ck_assert_uint_eq(n1->sent[RV_MSG_CLAIM], 2);
	rv_fsm_event(&n1->fsm, RV_EV_MAINT_ON, "test: maintenance on");
	rv_fsm_event(&n1->fsm, RV_EV_MAINT_OFF, "test: maintenance off");
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_STARTING);
	ck_assert_int_eq(n1->op, OP_PROBE);
	/* the claim is granted while the probe runs; the probe ends before
	 * the peer's answer comes */
	while (n1->fsm.role != RV_ROLE_PROMOTING && b->head != b->tail)
		(void)bus_step(b);
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_PROMOTING);
	ck_assert_int_eq(n1->fsm.start_wait, 1);
	ck_assert_int_eq(n1->op, OP_PROBE);
	complete(n1);
	ck_assert_uint_eq(n1->fsm.unexpected, 0);
	ck_assert_int_eq(n1->fsm.local.probed, 1);
	ck_assert_int_eq(n1->fsm.holds, 1);
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_PROMOTING);
	bus_run(b);
	bus_tick(b);
	ck_assert_uint_eq(n1->fsm.unexpected, 0);
	expect_active(b, 0);
	ck_assert_uint_eq(n1->starts, 2);
	bus_free(b, cfg);
}
END_TEST

/* Found by the model (tests/model, check "relevod"): n2 restarts while n1
 * holds; n2 sees n1's relevod in the group, but n1's relevod dies before it
 * has seen n2 join, so n2 never gets a STATE from it. n1's resources run on.
 * "Its relevod is gone and it held nothing" must not be concluded from no
 * STATE at all: n2 may not claim. */
START_TEST(stream_agent_gone_before_it_said)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct bus *b = site_start(cfg, 0, 0);
	struct node *n1 = &b->node[0], *n2 = &b->node[1];

	expect_active(b, 0);
	kill_node(b, 1);
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_ACTIVE);
	/* n2 boots; its relevod finds n1's in the group */
	node_init(n2, b, 1, cfg);
	rv_fsm_quorum(&n2->fsm, 1);
	rv_fsm_peer_member(&n2->fsm, 1);
	rv_fsm_peer_agent(&n2->fsm, 1);
	/* n1's relevod dies before the join reaches it; its node stays */
	n1->up = 0;
	rv_fsm_peer_agent(&n2->fsm, 0);
	rv_fsm_probed(&n2->fsm, 0);
	bus_run(b);
	wait_over(n2);
	bus_run(b);
	bus_tick(b);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_STANDBY);
	ck_assert_uint_eq(n2->sent[RV_MSG_CLAIM], 0);
	ck_assert_uint_eq(n2->starts, 0);
	ck_assert_ptr_nonnull(n2->fsm.why);
	ck_assert_msg(strstr(n2->fsm.why, "never said") != NULL, "why: %s", n2->fsm.why);
	bus_free(b, cfg);
}
END_TEST

/* The holder loses its own corosync; its relevod runs on. It demotes on
 * the quorum loss; the survivor fences it (the watchdog wait confirms,
 * though the node lives on) and takes the site. When corosync is back on
 * the old holder, the peer it knew (STANDBY, holding nothing) is history:
 * it must wait for what the peer's relevod says in the new stream (that it
 * holds), not claim on the old word. Found by matrix.test (watchdog,
 * corosync fault): both nodes held the floating IP for 2 s. */
START_TEST(stream_own_corosync_lost_then_back)
{
	struct rv_config *cfg = load(CONFIG("fsm_fence.conf"));
	struct bus *b = site_start(cfg, 0, 0);
	struct node *n1 = &b->node[0], *n2 = &b->node[1];
	unsigned claims;

	expect_active(b, 0);
	/* n1's corosync dies: nothing crosses between the two any more */
	b->split = 1;
	rv_fsm_quorum(&n1->fsm, 0);
	rv_fsm_event(&n1->fsm, RV_EV_CLUSTER_DOWN, "test: lost the connection to corosync");
	rv_fsm_peer_member(&n2->fsm, 0);
	bus_run(b);
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_STANDBY);
	ck_assert_uint_eq(n1->stops, 1);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_FENCING);
	rv_fsm_event(&n2->fsm, RV_EV_FENCE_DONE, "test: the watchdog wait is over");
	bus_run(b);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_ACTIVE);

	/* corosync is back on n1: the ring, quorum, n1's own join, then the
	 * group's other member; n2 sees n1's node and relevod come back */
	claims = n1->sent[RV_MSG_CLAIM];
	b->split = 0;
	rv_fsm_peer_member(&n2->fsm, 1);
	rv_fsm_peer_member(&n1->fsm, 1);
	rv_fsm_quorum(&n1->fsm, 1);
	rv_fsm_event(&n1->fsm, RV_EV_CLUSTER_UP, "test: reconnected to corosync");
	ck_assert_uint_eq(n1->sent[RV_MSG_CLAIM], claims);
	rv_fsm_peer_agent(&n1->fsm, 1);
	rv_fsm_peer_agent(&n2->fsm, 1);
	bus_run(b);
	bus_tick(b);
	ck_assert_uint_eq(n1->sent[RV_MSG_CLAIM], claims);
	ck_assert_uint_eq(n1->starts, 1);
	expect_active(b, 1);
	bus_free(b, cfg);
}
END_TEST

/* H5 of tests/model/README.md: at a split corosync delivers the old ring's
 * messages past holes. Both leave standby at once; n2's CLAIM is first in
 * the stream, but the ring breaks before n1 has it: n2 grants its own claim,
 * and n1, whose stream skipped n2's, grants its own too. Neither may start
 * on that: the peer was a member and has not said it saw the grant. Once
 * the membership shows the split, each must fence the other first; the
 * node that keeps the site in a conflict (n1, the lower id) without delay. */
START_TEST(stream_split_holes_grant_waits)
{
	struct rv_config *cfg = load(CONFIG("fsm_fence.conf"));
	struct bus *b = site_start(cfg, 1, 1);
	struct node *n1 = &b->node[0], *n2 = &b->node[1];

	b->diverged = 1;
	rv_fsm_event(&n2->fsm, RV_EV_STANDBY_OFF, "test: unstandby");
	rv_fsm_event(&n1->fsm, RV_EV_STANDBY_OFF, "test: unstandby");
	ck_assert_uint_eq(n1->sent[RV_MSG_CLAIM], 1);
	ck_assert_uint_eq(n2->sent[RV_MSG_CLAIM], 1);
	/* the ring breaks: each delivers only its own messages */
	b->split = 1;
	bus_run(b);
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_PROMOTING);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_PROMOTING);
	ck_assert_int_eq(n1->fsm.start_wait, 1);
	ck_assert_int_eq(n2->fsm.start_wait, 1);
	ck_assert_uint_eq(n1->starts + n2->starts, 0);
	/* the new membership: each has lost the other */
	rv_fsm_peer_member(&n1->fsm, 0);
	rv_fsm_peer_member(&n2->fsm, 0);
	bus_run(b);
	ck_assert_uint_eq(n1->starts + n2->starts, 0);
	ck_assert_uint_eq(n1->fences, 1);
	ck_assert_int_eq(n1->fence_delayed, 0);
	ck_assert_uint_eq(n2->fences, 1);
	ck_assert_int_eq(n2->fence_delayed, 1);
	/* n1's fence wins the race: n2 is off */
	n2->up = 0;
	rv_fsm_event(&n1->fsm, RV_EV_FENCE_DONE, "test: n2 confirmed off");
	bus_run(b);
	ck_assert_int_eq(n1->fsm.role, RV_ROLE_ACTIVE);
	ck_assert_uint_eq(n1->starts, 1);
	ck_assert_uint_eq(n2->starts, 0);
	ck_assert_uint_eq(n1->fsm.unexpected + n2->fsm.unexpected, 0);
	bus_free(b, cfg);
}
END_TEST

/* H1 of tests/model/README.md: the views diverge at a heal. n2 fenced n1
 * (powered off) and took the site in its half; the CLAIM was granted in the
 * old view, which n1 never saw. n1 boots, and before n2 delivers n1's
 * return, n1 gets a STATE n2 wrote before its grant (STANDBY, holding
 * nothing). n1 claims; its own view grants the claim, n2's denies it. n1
 * must not start on its view alone: n2's answer refuses it, n1 gives the
 * claim up, and n2, which holds the site, keeps it. */
START_TEST(stream_heal_divergent_grant_waits)
{
	struct rv_config *cfg = load(CONFIG("fsm_fence.conf"));
	struct bus *b = site_start(cfg, 1, 1);
	struct node *n1 = &b->node[0], *n2 = &b->node[1];
	struct rv_msg pre;

	b->diverged = 1;
	/* the link fails; n1 is powered off by n2's fence */
	b->split = 1;
	n1->up = 0;
	rv_fsm_peer_member(&n2->fsm, 0);
	rv_fsm_event(&n2->fsm, RV_EV_STANDBY_OFF, "test: unstandby");
	bus_run(b);
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_FENCING);
	rv_fsm_event(&n2->fsm, RV_EV_FENCE_DONE, "test: n1 confirmed off");
	ck_assert_uint_eq(n2->sent[RV_MSG_CLAIM], 1);
	/* its STATE timer fires before its CLAIM comes back; the heal is
	 * under way, so this STATE also reaches n1, which booted meanwhile */
	ck_assert_int_eq(rv_fsm_broadcast_state(&n2->fsm), 0);
	{
		const struct rv_msg *st = last_sent(n2, RV_MSG_STATE);

		ck_assert_ptr_nonnull(st);
		if (st != NULL)
			pre = *st;
	}
	ck_assert(!(pre.u.state.flags & RV_STATE_HOLDS));

	/* n1 boots with an empty view and learns the ring (n2's node and
	 * relevod in it); it probes nothing running; it delivers n2's STATE
	 * from before the grant, and claims */
	node_init(n1, b, 0, cfg);
	rv_fsm_quorum(&n1->fsm, 1);
	rv_fsm_peer_member(&n1->fsm, 1);
	rv_fsm_peer_agent(&n1->fsm, 1);
	rv_fsm_probed(&n1->fsm, 0);
	rv_fsm_deliver(&n1->fsm, &pre);
	ck_assert_uint_eq(n1->sent[RV_MSG_CLAIM], 1);

	/* n2 delivers what it sent in the old view: its STATE, its CLAIM
	 * (n1 lost and fenced: granted, started at once), its STATE */
	ck_assert(bus_step(b));
	ck_assert(bus_step(b));
	ck_assert_int_eq(n2->fsm.role, RV_ROLE_PROMOTING);
	ck_assert_uint_eq(n2->starts, 1);
	ck_assert(bus_step(b));
	/* the heal reaches n2: n1's node and relevod are back; from here on
	 * both deliver the same stream, n1's CLAIM in it */
	b->split = 0;
	rv_fsm_peer_member(&n2->fsm, 1);
	rv_fsm_peer_agent(&n2->fsm, 1);
	bus_run(b);
	bus_tick(b);
	ck_assert(went(n1, RV_ROLE_STANDBY, RV_ROLE_PROMOTING));
	ck_assert(went(n1, RV_ROLE_PROMOTING, RV_ROLE_DEMOTING));
	ck_assert_uint_eq(n1->starts, 0);
	ck_assert_uint_eq(n2->stops, 0);
	expect_active(b, 1);
	bus_free(b, cfg);
}
END_TEST

/* ------------------------------------------------------------ 3. should_claim */

static void
expect_claim(const struct rv_site *s, const struct rv_site_local *l, int verdict,
	     const char *reason)
{
	const char *why = NULL;
	int rc = rv_site_should_claim(s, l, &why);

	ck_assert_ptr_nonnull(why);
	ck_assert_msg(rc == verdict, "verdict %d, expected %d (%s)", rc, verdict, why);
	ck_assert_msg(strstr(why, reason) != NULL, "why \"%s\" lacks \"%s\"", why, reason);
}

/* n<id>'s view: the peer is a member, its relevod runs, it said STANDBY and
 * probed; quorate; the local node probed and healthy, the wait not over. */
static void
claim_view(struct rv_site *s, struct rv_site_local *l, const struct rv_config *cfg,
	   uint32_t id, int peer_flags)
{
	struct rv_msg st;

	ck_assert_int_eq(rv_site_init(s, cfg, id), 0);
	rv_site_peer_agent(s, 1);
	s->quorate = 1;
	state_msg(&st, cfg, 3 - id, RV_ROLE_STANDBY, RV_STATE_PROBED | peer_flags);
	(void)rv_site_deliver(s, &st, NULL);
	memset(l, 0, sizeof(*l));
	l->probed = 1;
	l->health = RV_HEALTH_OK;
}

START_TEST(should_claim_reasons)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct rv_site s;
	struct rv_site_local l;
	struct rv_msg m;

	ck_assert_int_eq(rv_site_init(&s, cfg, 7), -ENOENT);

	claim_view(&s, &l, cfg, 1, 0);
	expect_claim(&s, &l, 1, "lower node id");
	l.probed = 0;
	expect_claim(&s, &l, 0, "probe not finished");
	claim_view(&s, &l, cfg, 1, 0);
	l.maintenance = 1;
	expect_claim(&s, &l, 0, "maintenance");
	claim_view(&s, &l, cfg, 1, 0);
	l.standby_req = 1;
	expect_claim(&s, &l, 0, "standby");
	claim_view(&s, &l, cfg, 1, 0);
	s.quorate = 0;
	expect_claim(&s, &l, 0, "not quorate");
	claim_view(&s, &l, cfg, 1, 0);
	l.claim_pending = 1;
	expect_claim(&s, &l, 0, "in flight");
	claim_view(&s, &l, cfg, 1, 0);
	l.health = RV_HEALTH_FAILED;
	expect_claim(&s, &l, 0, "failed");

	/* the peer's node is gone: wait for it, then (fencing off) claim */
	claim_view(&s, &l, cfg, 2, 0);
	rv_site_peer_member(&s, 0);
	expect_claim(&s, &l, 0, "waiting for the peer");
	l.peer_wait_over = 1;
	expect_claim(&s, &l, 1, "UNSAFE");

	/* the peer's node is up but its relevod never joined */
	ck_assert_int_eq(rv_site_init(&s, cfg, 2), 0);
	s.quorate = 1;
	rv_site_peer_member(&s, 1);
	l.peer_wait_over = 0;
	expect_claim(&s, &l, 0, "waiting for the peer's relevod");
	l.peer_wait_over = 1;
	expect_claim(&s, &l, 0, "never joined");

	/* the peer holds; then its relevod goes */
	claim_view(&s, &l, cfg, 2, RV_STATE_HOLDS);
	expect_claim(&s, &l, 0, "peer holds");
	rv_site_peer_agent(&s, 0);
	expect_claim(&s, &l, 0, "may still run");
	/* its relevod went but it held nothing */
	claim_view(&s, &l, cfg, 2, 0);
	rv_site_peer_agent(&s, 0);
	expect_claim(&s, &l, 1, "held nothing");

	/* the peer has not said it probed */
	claim_view(&s, &l, cfg, 2, 0);
	rv_site_peer_agent(&s, 1);
	expect_claim(&s, &l, 0, "first state");

	/* election from n2's side: n1 wins on the id, unless it cannot take
	 * it or n2 has the better disk */
	claim_view(&s, &l, cfg, 2, 0);
	expect_claim(&s, &l, 0, "lower node id");
	l.disk = RV_DISK_UPTODATE;
	expect_claim(&s, &l, 1, "better spool disk");
	claim_view(&s, &l, cfg, 2, RV_STATE_STANDBY_REQ);
	expect_claim(&s, &l, 1, "standby");
	claim_view(&s, &l, cfg, 2, RV_STATE_MAINTENANCE);
	expect_claim(&s, &l, 1, "maintenance");

	/* already the holder */
	claim_view(&s, &l, cfg, 1, 0);
	memset(&m, 0, sizeof(m));
	m.type = RV_MSG_CLAIM;
	m.sender = m.u.target = 1;
	ck_assert_int_eq(rv_site_deliver(&s, &m, NULL), RV_SITE_CLAIM_GRANTED);
	expect_claim(&s, &l, 0, "already holds");
	rv_config_free(cfg);
}
END_TEST

START_TEST(should_claim_follows_preference)
{
	struct rv_config *cfg = load(CONFIG("fsm_pref.conf"));
	struct rv_site s;
	struct rv_site_local l;

	claim_view(&s, &l, cfg, 2, 0);
	expect_claim(&s, &l, 1, "preferred");
	ck_assert_int_eq(rv_site_conflict_keep(&s), 1);
	claim_view(&s, &l, cfg, 1, 0);
	l.disk = RV_DISK_UPTODATE; /* preference goes before the disk */
	expect_claim(&s, &l, 0, "preferred");
	ck_assert_int_eq(rv_site_conflict_keep(&s), 0);
	rv_config_free(cfg);
}
END_TEST

/* A STATE its sender sent before seeing its own claim granted (an older
 * generation) arrives after the grant: it must not take the grant back. */
START_TEST(site_stale_state_keeps_grant)
{
	struct rv_config *cfg = load(CONFIG("fsm.conf"));
	struct rv_site s;
	struct rv_site_local l;
	struct rv_msg claim, st;

	claim_view(&s, &l, cfg, 2, 0); /* n2's view; n1 claims */
	memset(&claim, 0, sizeof(claim));
	claim.type = RV_MSG_CLAIM;
	claim.sender = claim.u.target = 1;
	claim.generation = s.generation;
	ck_assert_int_eq(rv_site_deliver(&s, &claim, NULL), RV_SITE_PEER_CLAIMED);
	ck_assert_uint_eq(s.generation, 1);

	state_msg(&st, cfg, 1, RV_ROLE_STANDBY, RV_STATE_PROBED);
	st.generation = 0; /* sent before the grant */
	ck_assert_int_eq(rv_site_deliver(&s, &st, NULL), RV_SITE_PEER_STATE);
	ck_assert_int_eq(s.peer.holds, 1);
	ck_assert_int_eq(s.peer.state.role, RV_ROLE_STANDBY); /* the rest is taken */
	/* so n2's own claim is denied */
	claim.sender = claim.u.target = 2;
	ck_assert_int_eq(rv_site_deliver(&s, &claim, NULL), RV_SITE_CLAIM_DENIED);

	st.generation = 1; /* sent knowing of the grant: it means it */
	(void)rv_site_deliver(&s, &st, NULL);
	ck_assert_int_eq(s.peer.holds, 0);
	rv_config_free(cfg);
}
END_TEST

static Suite *
fsm_suite(void)
{
	Suite *s = suite_create("fsm");
	TCase *table = tcase_create("table");
	TCase *stream = tcase_create("stream");
	TCase *site = tcase_create("site");

	tcase_add_test(table, table_rows_as_documented);
	tcase_add_test(table, table_missing_pairs_are_counted);
	tcase_add_test(table, row_standby_claim_granted_promotes);
	tcase_add_test(table, row_promoting_started_goes_active);
	tcase_add_test(table, row_promoting_start_failed_releases);
	tcase_add_test(table, row_promoting_stop_failed_blocks);
	tcase_add_test(table, row_active_standby_on_demotes);
	tcase_add_test(table, row_active_switchover_needs_eligible_peer);
	tcase_add_test(table, row_active_resource_failed);
	tcase_add_test(table, row_demoting_stopped_releases);
	tcase_add_test(table, row_maintenance_round_trip);
	tcase_add_test(table, row_promoting_defers_demotion);
	tcase_add_test(table, row_active_quorum_or_cluster_lost_demotes);
	suite_add_tcase(s, table);

	tcase_add_loop_test(stream, stream_start_elects_one, 0, 2);
	tcase_add_loop_test(stream, stream_simultaneous_claims, 0, 2);
	tcase_add_test(stream, stream_node_lost_survivor_promotes);
	tcase_add_test(stream, stream_agent_lost_survivor_waits);
	tcase_add_test(stream, fence_survivor_fences_then_promotes);
	tcase_add_test(stream, fence_holder_fences_at_once);
	tcase_add_test(stream, fence_failed_blocks_and_retries);
	tcase_add_test(stream, fence_agent_lost_after_grace);
	tcase_add_test(stream, fence_stopped_by_standby_and_quorum);
	tcase_add_test(stream, fence_forgotten_when_peer_returns);
	tcase_add_test(stream, fence_returned_standby_fences_again);
	tcase_add_loop_test(stream, stream_restart_holder_keeps_site, 0, 2);
	tcase_add_test(stream, stream_restart_leftovers_stopped);
	tcase_add_loop_test(stream, stream_switchover_moves_site, 0, 2);
	tcase_add_test(stream, stream_standby_moves_site);
	tcase_add_loop_test(stream, stream_conflict_resolved, 0, 3);
	tcase_add_test(stream, stream_unknown_sender_dropped);
	tcase_add_test(stream, stream_claim_for_another_dropped);
	tcase_add_test(stream, stream_claim_granted_in_maintenance);
	tcase_add_test(stream, stream_claim_denied_while_probing);
	tcase_add_test(stream, stream_claim_granted_while_probing);
	tcase_add_test(stream, stream_agent_gone_before_it_said);
	tcase_add_test(stream, stream_own_corosync_lost_then_back);
	tcase_add_test(stream, stream_split_holes_grant_waits);
	tcase_add_test(stream, stream_heal_divergent_grant_waits);
	suite_add_tcase(s, stream);

	tcase_add_test(site, should_claim_reasons);
	tcase_add_test(site, should_claim_follows_preference);
	tcase_add_test(site, site_stale_state_keeps_grant);
	tcase_add_test(site, site_fence_delay);
	suite_add_tcase(s, site);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(fsm_suite());
	int failed;

	/* CHECK_FSM_LOG=1: relevod's log on stderr, to follow a failing run */
	if (getenv("CHECK_FSM_LOG") != NULL) {
		qb_log_init("check_fsm", LOG_DAEMON, LOG_DEBUG);
		qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
		qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*",
				  LOG_DEBUG);
		qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (getenv("CHECK_FSM_LOG") != NULL)
		qb_log_fini();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
