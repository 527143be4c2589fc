/*
 * relevo.pml — a Promela model of relevod's role protocol on one two-node
 * site, checked with spin (tests/model/README.md; `make check-model`).
 *
 * What it is for: to show that at most one node of a site ever has its
 * resources (spool, MTA, addresses) running, whatever the cluster does:
 * partitions, crashes of nodes, of corosync and of relevod, resource actions
 * and fence actions that fail, the watchdog — and that with fencing = off a
 * partition does break that (the run that must find a violation).
 *
 * It must follow agent/daemon/fsm.c and site.c as implemented, not as they
 * should be: the role table below is the C table, row for row (the ROW
 * lines are compared with fsm.c's by check-sync.sh under `make check`), and
 * each action does what the C action does, on an abstract state.
 *
 * Abstractions (the README says why each is sound for the properties):
 *   - CPG: each node's deliveries are one FIFO inbox, q[n]. A message is
 *     appended to the inbox of every member of the sender's component in
 *     one atomic step, so all members see one sequence (agreed order,
 *     virtual synchrony). Membership changes are items of the same stream.
 *     At a split, any of the peer's messages not yet delivered may be lost
 *     (EVS: a hole for a departed sender), its own ones never.
 *   - votequorum is not part of that stream: each node learns its quorum
 *     by its own step, in any order with the deliveries.
 *   - resources: `res[n]` is the truth ("may be running on node n"): set
 *     when a start begins, cleared only when a stop or a rolled-back start
 *     completes, or when the node is powered off. Actions succeed or fail
 *     nondeterministically (failures from a budget).
 *   - time: only where the watchdog needs it, as a phase clock `clk` that
 *     restarts at every loss (0: < T since it, 1: >= T, 2: >= 2T). The
 *     clock moves only when every inbox is empty and every quorum change
 *     is known: T is far longer than the CPG and IPC latencies.
 *   - disks are equal (UpToDate on both), the configurations identical, no
 *     preferred node: the election falls to the lower node id (node 0).
 */

/* ------------------------------------------------------------ knobs */

#ifndef FENCING_OFF
#define FENCING_OFF 0   /* fencing = off (lab only: UNSAFE) */
#endif
#ifndef FENCE_AGENT
#define FENCE_AGENT 1   /* a [fence NAME] method that can power the peer off */
#endif
#ifndef WATCHDOG
#define WATCHDOG 0      /* a [watchdog] section: self-fencing and the 2T wait */
#endif
#ifndef WITNESS
#define WITNESS 0       /* witness = qdevice (else two_node, wait_for_all) */
#endif
#ifndef FAULTS
#define FAULTS 2        /* partitions, crashes of nodes, corosync, relevod */
#endif
/* which faults FAULTS may draw on (1: allowed) */
#ifndef F_PART
#define F_PART 1        /* partitions (they may heal) */
#endif
#ifndef F_CRASH
#define F_CRASH 1       /* node crashes: hung with resources running, or dead */
#endif
#ifndef F_AGENT
#define F_AGENT 1       /* relevod crashes (it may be restarted) */
#endif
#ifndef F_CORO
#define F_CORO 1        /* corosync crashes (it may be restarted) */
#endif
#ifndef BOOTS
#define BOOTS 2         /* boots after a crash, fence or reset */
#endif
#ifndef RFAILS
#define RFAILS 1        /* failed starts, stops and monitors */
#endif
#ifndef FFAILS
#define FFAILS 1        /* fence methods that fail */
#endif
#ifndef OPS
#define OPS 0           /* operator commands: standby, maintenance, switchover */
#endif
#ifndef QCAP
#define QCAP 12         /* inbox capacity (a bound of the model, asserted) */
#endif
#ifndef LAG
#define LAG 3           /* local events and faults wait while an inbox holds
			 * more than this: the bound on how far deliveries
			 * lag behind (a bound of the model) */
#endif
#ifndef EVS_LOSS
#define EVS_LOSS 1      /* at a split, the peer's undelivered messages may be
			 * lost (0: always delivered; for isolating findings) */
#endif
#ifndef LIVENESS
#define LIVENESS 0      /* add the liveness property (spin -a; pan -a -f) */
#endif
#ifndef STRICT_ROWS
#define STRICT_ROWS 1   /* a (role, event) pair without a row is an error */
#endif

/* ------------------------------------------------------------ names */

/* roles (enum rv_role) */
mtype = { STARTING, STANDBY, PROMOTING, ACTIVE, DEMOTING, FENCING, BLOCKED,
	  MAINTENANCE };
/* events (enum rv_event); EV_NONE stands for RV_EV_COUNT */
mtype = { PROBED, PEER_WAIT_DONE, PEER_CHANGED, PEER_LOST, CLAIM_GRANTED,
	  CLAIM_DENIED, PEER_CLAIMED, PEER_RELEASED, STARTED, START_FAILED,
	  STOPPED, STOP_FAILED, RESOURCE_FAILED, SWITCHOVER, STANDBY_ON,
	  STANDBY_OFF, MAINT_ON, MAINT_OFF, QUORUM_LOST, CLUSTER_DOWN,
	  CLUSTER_UP, FENCE_DONE, FENCE_FAILED, FENCE_RETRY, GRACE_OVER,
	  EV_NONE };
/* stream items: the wire messages, and the membership changes CPG
 * delivers in the same order (V_MEMBER: the peer's node joined (1) or
 * left (0) the membership; V_AGENT: the peer's relevod joined or left) */
mtype = { M_STATE, M_CLAIM, M_RELEASE, M_SWITCHOVER, V_MEMBER, V_AGENT };
/* what a delivery means (enum rv_site_verdict) */
mtype = { V_NOTHING, V_CLAIM_GRANTED, V_CLAIM_DENIED, V_PEER_CLAIMED,
	  V_PEER_DENIED, V_PEER_RELEASED, V_SWITCHOVER, V_PEER_STATE };

/* STATE flags; F_FAILED stands for health == RV_HEALTH_FAILED */
#define F_HOLDS   1
#define F_STANDBY 2
#define F_MAINT   4
#define F_PROBED  8
#define F_FAILED  16
#define F_CLAIMOK 32    /* the sender's view grants the receiver's CLAIM named
			 * by the STATE's claim field (RV_STATE_CLAIM_OK) */
#define F_WAIT    64    /* granted, the start waits (RV_STATE_WAITING) */

#define H_UNKNOWN 0
#define H_OK      1
#define H_FAILED  2

/* resource group operation under way */
#define G_NONE  0
#define G_PROBE 1
#define G_START 2
#define G_STOP  3

/* fencing operation under way (fencing.c) */
#define FZ_IDLE  0
#define FZ_BUSY  1      /* fence-delay, then the methods */
#define FZ_WAIT  2      /* the watchdog wait: 2T after the peer was lost */

#define PE(n) (1 - (n))
#define ID(n) ((n) + 1) /* node ids: node 0 is id 1, the lower one */

/* ------------------------------------------------------------ the world */

bool alive[2];          /* powered on, kernel running */
bool coro[2];           /* corosync runs (alive implied) */
bool net = 1;           /* the link between the two nodes works */
bool res[2];            /* resources may be running there (the truth) */
bool wfa[2];            /* two_node wait_for_all: saw the peer since start */
byte wvote;             /* WITNESS: node the qdevice votes for when split */
bool wd_armed[2];       /* WATCHDOG: relevod opened the device since boot */
byte clk = 2;           /* phases since the last loss: 0, 1 (>= T), 2 (>= 2T) */
bool wdue[2];           /* was starving its watchdog when T passed */
bool late[2];           /* relevod started after the last loss: its own
			 * watchdog deadlines come later than the clock's */
byte wclk[2];           /* phases (as clk) since the later of the last loss
			 * and node n's last gain of quorum (quorate_since_ms):
			 * the base of its watchdog wait; never ahead of clk */
bool wlapse[2];         /* node n lost quorum during its watchdog wait: the
			 * wait fails when its timer fires (the base moved) */
byte faults, rfails, ffails, ops, boots;

#define TOGETHER (alive[0] && alive[1] && coro[0] && coro[1] && net)
#define QTRUE(n) (alive[n] && coro[n] && \
		  (WITNESS -> (TOGETHER || wvote == (n)) : wfa[n]))

/* ------------------------------------------------------------ relevod */

bool agent[2];          /* relevod runs (its role machine exists) */
bool conn[2];           /* relevod is joined to the group (cluster.connected) */
chan q[2] = [QCAP] of { mtype, byte, byte, mtype, byte, byte };
			/* kind, sender, generation, role, flags or target,
			 * claim nonce (CLAIM: its own; STATE: the receiver's
			 * last CLAIM the sender delivered) */
			/* Nonces: the C's are 64-bit, random-seeded, never
			 * repeated; only equality with the claimer's newest
			 * one is ever tested, and only while its start waits,
			 * when its newest claim is the one it delivered
			 * last. So the model keeps three values: 0 none, 2
			 * the node's newest claim, 1 any older one (renonce:
			 * a new claim turns every 2 of that node into 1,
			 * in variables and in the inboxes). */

/* struct rv_fsm */
mtype role[2];
bool holds[2];          /* fsm->holds: resources may run here (local truth) */
bool blocked_fence[2];
byte release_to[2];     /* node id or 0 */
mtype deferred[2];
bool mon[2];            /* monitors on */
byte gop[2];            /* group operation under way */
/* struct rv_site_local */
bool probed[2], standby_req[2], maint[2], claim_pending[2];
bool peer_wait_over[2], grace_over[2];
byte health[2];
bool wait_armed[2];     /* the start-up wait timer runs */
/* struct rv_site */
bool s_holds[2];        /* site.self.holds */
bool p_member[2], p_agent[2], p_have_state[2], p_holds[2], p_ever[2], p_fenced[2];
			/* p_ever: site.peer.told (a probed STATE of it was
			 * delivered), which rules "gone and held nothing" */
byte s_claim[2], p_claim[2];    /* site.self.claim, site.peer.claim */
bool s_cgr[2], p_cgr[2];        /* .claim_granted */
byte ack[2];            /* site.ack: 0 none, 1 granted, 2 refused */
bool start_wait[2];     /* fsm->start_wait */
mtype p_role[2];        /* the peer's last STATE (valid if p_have_state) */
byte p_flags[2];
byte gen[2];            /* site.generation */
byte designated[2];     /* node id or 0 */
bool quorate[2];
/* fencing.c */
byte fz[2];
bool fretry[2];         /* a retry is planned (FENCE_RETRY to come) */

/* scratch of one atomic step (not part of the state) */
hidden mtype pev, from, nr, er, vd, mk, mr;
hidden byte mc, rt;
hidden mtype rmk, rmr;
hidden byte rms, rmg, rmf, rmc, rk;
hidden byte ms, mg, mf, fl, k, act, then_;
hidden byte sc, el, fneed, stale;
hidden byte w;          /* the node a world step acts on */

/* a loss: the watchdog's clock starts again */
#if WATCHDOG
#define EPOCH clk = 0; late[0] = 0; late[1] = 0; wclk[0] = 0; wclk[1] = 0
#else
#define EPOCH skip
#endif

#define KEEP nr = from

/* ------------------------------------------------------------ the stream */

/* Append an item to node m's inbox. */
inline put(m, kind, snd, g, r, f, c)
{
	assert(nfull(q[m]));    /* else raise QCAP: a bound of the model */
	q[m]!kind, snd, g, r, f, c
}

/* ops->send: multicast in the sender's component; -ENOTCONN when it is
 * not joined (the message is lost, as in cluster.c). */
inline send(n, kind, r, f)
{
	if
	:: conn[n] ->
		mc = (kind == M_CLAIM -> 2 : (kind == M_STATE -> p_claim[n] : 0));
		printf("MODEL: node %d sends %e gen %d (%e, %d, claim %d)\n", n, kind,
		       gen[n], r, f, mc);
		put(n, kind, n, gen[n], r, f, mc);
		if
		:: TOGETHER && conn[PE(n)] -> put(PE(n), kind, n, gen[n], r, f, mc)
		:: else
		fi
	:: else
	fi
}

#define FLAGS(n) ((holds[n] -> F_HOLDS : 0) | (standby_req[n] -> F_STANDBY : 0) | \
	(maint[n] -> F_MAINT : 0) | (probed[n] -> F_PROBED : 0) | \
	(health[n] == H_FAILED -> F_FAILED : 0) | \
	(start_wait[n] -> F_WAIT : 0) | ((p_holds[n] && p_cgr[n]) -> F_CLAIMOK : 0))

/* the last STATE node n sent, and whether it reached the peer: the STATE
 * timer sends only what is news to the peer (a repeat of what it already has
 * changes nothing the model looks at; see the README) */
mtype ls_role[2];
byte ls_flags[2], ls_gen[2], ls_claim[2];
bool ls_reach[2];
#define STATE_NEWS(n) (role[n] != ls_role[n] || FLAGS(n) != ls_flags[n] || \
		       gen[n] != ls_gen[n] || p_claim[n] != ls_claim[n] || \
		       (!ls_reach[n] && TOGETHER && conn[PE(n)]))
/* the two relevods lost sight of each other: what they said may be unknown */
#define UNREACH ls_reach[0] = 0; ls_reach[1] = 0

inline bcast_state(n)   /* rv_fsm_broadcast_state */
{
	fl = FLAGS(n);
	if
	:: conn[n] ->
		ls_role[n] = role[n]; ls_flags[n] = fl; ls_gen[n] = gen[n];
		ls_claim[n] = p_claim[n];
		ls_reach[n] = TOGETHER && conn[PE(n)]
	:: else
	fi;
	send(n, M_STATE, role[n], fl)
}

/* node n's older claim nonces become "old" (1) in inbox m */
inline renonce_q(m, n)
{
	rk = len(q[m]);
	do
	:: rk > 0 ->
		q[m]?rmk, rms, rmg, rmr, rmf, rmc;
		if
		:: rmc == 2 && ((rmk == M_CLAIM && rms == n) ||
				(rmk == M_STATE && rms == PE(n))) -> rmc = 1
		:: else
		fi;
		q[m]!rmk, rms, rmg, rmr, rmf, rmc;
		rk--
	:: else -> break
	od
}

inline renonce(n)
{
	if :: s_claim[n] == 2 -> s_claim[n] = 1 :: else fi;
	if :: p_claim[PE(n)] == 2 -> p_claim[PE(n)] = 1 :: else fi;
	if :: ls_claim[PE(n)] == 2 -> ls_claim[PE(n)] = 1 :: else fi;
	renonce_q(0, n);
	renonce_q(1, n)
}

inline send_claim(n)
{
	if
	:: conn[n] ->
		renonce(n);
		send(n, M_CLAIM, STARTING, ID(n)); claim_pending[n] = 1
	:: else
	fi
}

inline send_release(n, t)
{
	send(n, M_RELEASE, STARTING, t)
}

/* At a split, node m delivers what it has of the old stream: all of its own
 * messages, any part of the peer's (in order). */
inline evs_cut(m)
{
	k = len(q[m]);
	do
	:: k > 0 ->
		q[m]?mk, ms, mg, mr, mf, mc;
		if
		:: q[m]!mk, ms, mg, mr, mf, mc
		:: EVS_LOSS && ms != m -> skip  /* never reached m */
		fi;
		k--
	:: else -> break
	od
}

inline drain(m)
{
	do
	:: q[m]?mk, ms, mg, mr, mf, mc
	:: empty(q[m]) -> break
	od
}

/* ------------------------------------------------------------ site.c */

#define PEER_PROBED(n) (p_have_state[n] && (p_flags[n] & F_PROBED))

/* rv_site_peer_eligible */
#define ELIGIBLE(n) (p_member[n] && p_agent[n] && PEER_PROBED(n) && \
	!(p_flags[n] & (F_STANDBY | F_MAINT | F_FAILED)) && p_role[n] != BLOCKED)

/* rv_site_should_claim, its tests in their order */
#define CLAIM_BARRED(n) (!probed[n] || maint[n] || standby_req[n] || \
	claim_pending[n] || s_holds[n] || !quorate[n] || health[n] == H_FAILED)
#define SHOULD_CLAIM(n) (!CLAIM_BARRED(n) && \
	(!p_member[n] -> (p_holds[n] -> 0 : \
			 (p_fenced[n] -> 1 : (peer_wait_over[n] && FENCING_OFF))) : \
	((p_fenced[n] && !p_agent[n] && !p_holds[n]) -> 1 : \
	(p_holds[n] -> 0 : \
	(!p_agent[n] -> p_ever[n] : \
	(!PEER_PROBED(n) -> 0 : \
	(!ELIGIBLE(n) -> 1 : \
	(designated[n] == ID(n) -> 1 : \
	(designated[n] == ID(PE(n)) -> 0 : \
	 n == 0)))))))))                /* elect_self: the lower id */

/* rv_site_fence_needed */
#define FENCE_BARRED(n) (!probed[n] || maint[n] || standby_req[n] || \
	health[n] == H_FAILED || s_holds[n] || !quorate[n])
#define FENCE_NEEDED(n) (!FENCING_OFF && !p_fenced[n] && !FENCE_BARRED(n) && \
	(!p_member[n] -> peer_wait_over[n] : \
	(p_agent[n] -> 0 : \
	((p_ever[n] && !p_holds[n]) -> 0 : \
	 grace_over[n]))))

/* rv_site_start_confirmed, rv_site_start_refused */
#define CONFIRMED(n) (!p_member[n] -> (p_fenced[n] || FENCING_OFF) : \
	(p_holds[n] -> 0 : \
	(!p_agent[n] -> (p_fenced[n] || p_ever[n]) : \
	 ack[n] == 1)))
#define REFUSED(n) (ack[n] == 2 || \
	(p_holds[n] && !(p_have_state[n] && p_role[n] == DEMOTING)))

inline peer_eligible(n)
{
	el = ELIGIBLE(n)
}

inline should_claim(n)
{
	sc = SHOULD_CLAIM(n)
}

inline fence_needed(n)
{
	fneed = FENCE_NEEDED(n)
}

/* rv_site_fence_delayed: only whether the fence waits, which the model does
 * not time (a delay is one more interleaving). Not modelled. */

inline site_deliver(n)          /* rv_site_deliver -> vd */
{
	stale = (mg < gen[n]);
	if
	:: mg > gen[n] -> gen[n] = mg
	:: else
	fi;
	if
	:: mk == M_STATE ->
		if
		:: ms == n ->
			if
			:: mf & F_HOLDS -> s_holds[n] = 1
			:: else -> if :: !stale -> s_holds[n] = 0; s_cgr[n] = 0 :: else fi
			fi;
			vd = V_NOTHING
		:: else ->
			p_have_state[n] = 1; p_role[n] = mr; p_flags[n] = mf;
			if      /* site.peer.told: what it holds is known */
			:: mf & F_PROBED -> p_ever[n] = 1
			:: else
			fi;
			if
			:: mf & F_HOLDS -> p_holds[n] = 1
			:: else -> if :: !stale -> p_holds[n] = 0; p_cgr[n] = 0 :: else fi
			fi;
			if      /* the peer's word on our last granted CLAIM */
			:: s_cgr[n] && mc == s_claim[n] -> ack[n] = ((mf & F_CLAIMOK) -> 1 : 2)
			:: else
			fi;
			vd = V_PEER_STATE
		fi
	:: mk == M_CLAIM ->
		if
		:: ms == n -> s_claim[n] = mc
		:: else -> p_claim[n] = mc
		fi;
		if
		:: (ms == n && p_holds[n]) || (ms != n && s_holds[n]) ->
			if
			:: ms == n -> s_cgr[n] = 0
			:: else -> p_cgr[n] = 0
			fi;
			vd = (ms == n -> V_CLAIM_DENIED : V_PEER_DENIED)
		:: else ->
			if
			:: ms == n -> s_holds[n] = 1; s_cgr[n] = 1; ack[n] = 0
			:: else -> p_holds[n] = 1; p_cgr[n] = 1
			fi;
			gen[n]++;
			designated[n] = 0;
			vd = (ms == n -> V_CLAIM_GRANTED : V_PEER_CLAIMED)
		fi
	:: mk == M_RELEASE ->
		if
		:: ms == n -> s_holds[n] = 0; s_cgr[n] = 0
		:: else -> p_holds[n] = 0; p_cgr[n] = 0
		fi;
		designated[n] = mf;
		vd = (ms == n -> V_NOTHING : V_PEER_RELEASED)
	:: mk == M_SWITCHOVER -> vd = V_SWITCHOVER
	fi
}

inline forget_peer_state(n)
{
	p_have_state[n] = 0; p_role[n] = STARTING; p_flags[n] = 0
}

inline site_stream_lost(n)      /* rv_site_stream_lost (on CLUSTER_DOWN) */
{
	p_agent[n] = 0; p_ever[n] = 0; designated[n] = 0;
	forget_peer_state(n)
}

inline site_peer_fenced(n)      /* rv_site_peer_fenced */
{
	p_fenced[n] = 1; p_holds[n] = 0; p_cgr[n] = 0; p_agent[n] = 0;
	forget_peer_state(n)
}

/* ------------------------------------------------------------ fencing.c */

inline fence_start(n)           /* rv_fencing_start */
{
	if
	:: fz[n] == FZ_IDLE -> fretry[n] = 0; fz[n] = FZ_BUSY
	:: else
	fi
}

inline fence_cancel(n)          /* rv_fencing_cancel (no outside requests) */
{
	fretry[n] = 0; fz[n] = FZ_IDLE
}

/* ------------------------------------------------------------ resources */

/* rv_group_start/_stop/_probe cancel the operation under way (cancel_ops):
 * its result never comes */
inline group_start(n)
{
	gop[n] = G_START;
	res[n] = 1
}

inline group_stop(n)
{
	gop[n] = G_STOP
}

/* ------------------------------------------------------------ fsm.c: helpers */

/* evaluate(): claim, or go fencing (STANDBY only) -> er */
inline evaluate(n)
{
	er = role[n];
	if
	:: claim_pending[n] -> skip
	:: else ->
		should_claim(n);
		if
		:: sc -> send_claim(n)
		:: else ->
			fence_needed(n);
			if
			:: role[n] == STANDBY && fneed -> fence_start(n); er = FENCING
			:: else
			fi
		fi
	fi
}

inline demote(n, rt)
{
	release_to[n] = rt;
	deferred[n] = EV_NONE;
	mon[n] = 0;
	group_stop(n);
	nr = DEMOTING
}

/* ------------------------------------------------------------ fsm.c: actions */

inline a_ignore(n)
{
	KEEP
}

inline a_evaluate(n)
{
	evaluate(n);
	if
	:: er == FENCING -> nr = FENCING
	:: else -> KEEP
	fi
}

inline a_fenced(n)
{
	site_peer_fenced(n);
	KEEP
}

inline a_fenced_evaluate(n)
{
	site_peer_fenced(n);
	a_evaluate(n)
}

inline a_fence_done(n)
{
	site_peer_fenced(n);
	if
	:: from == BLOCKED && !blocked_fence[n] -> KEEP
	:: else -> nr = STANDBY
	fi
}

inline a_fence_failed(n)
{
	blocked_fence[n] = 1;
	nr = BLOCKED
}

inline a_fence_recheck(n)
{
	if
	:: from == BLOCKED && !blocked_fence[n] -> KEEP
	:: else ->
		fence_needed(n);
		if
		:: fneed -> KEEP
		:: else -> fence_cancel(n); nr = STANDBY
		fi
	fi
}

inline a_fence_abort(n)
{
	fence_cancel(n);
	if
	:: pev == MAINT_ON -> nr = MAINTENANCE
	:: else -> nr = STANDBY
	fi
}

inline a_fence_retry(n)
{
	if
	:: !blocked_fence[n] -> KEEP
	:: else ->
		fence_needed(n);
		if
		:: !fneed -> nr = STANDBY
		:: else -> fence_start(n); nr = FENCING
		fi
	fi
}

inline a_holder_fence(n)
{
	if
	:: !FENCING_OFF && !p_member[n] && !p_fenced[n] -> fence_start(n)
	:: else
	fi;
	KEEP
}

inline a_start_decide(n)
{
	if
	:: !probed[n] || claim_pending[n] -> KEEP
	:: else ->
		if
		:: maint[n] -> nr = MAINTENANCE
		:: else ->
			if
			:: !(p_have_state[n] && (p_flags[n] & F_PROBED)) &&
			   !peer_wait_over[n] && p_member[n] -> KEEP
			:: else ->
				if
				:: !holds[n] -> nr = STANDBY
				:: else ->
					if
					:: p_holds[n] ->
						release_to[n] = 0;
						group_stop(n);
						nr = DEMOTING
					:: else -> send_claim(n); KEEP
					fi
				fi
			fi
		fi
	fi
}

inline a_promote(n)
{
	holds[n] = 1;
	start_wait[n] = 0;
	if
	:: CONFIRMED(n) -> group_start(n)
	:: else -> start_wait[n] = 1
	fi;
	nr = PROMOTING
}

/* promote_check(): mayf says whether this event may start a fence */
inline promote_check(n, mayf)
{
	if
	:: !start_wait[n] -> KEEP
	:: start_wait[n] && REFUSED(n) -> start_wait[n] = 0; demote(n, 0)
	:: start_wait[n] && !REFUSED(n) && CONFIRMED(n) ->
		start_wait[n] = 0; group_start(n); KEEP
	:: else ->
		if
		:: mayf && !FENCING_OFF && !p_fenced[n] && !p_member[n] -> fence_start(n)
		:: mayf && !FENCING_OFF && !p_fenced[n] && p_member[n] && !p_agent[n] &&
		   !p_ever[n] && grace_over[n] -> fence_start(n)
		:: else
		fi;
		KEEP
	fi
}

inline a_promote_check(n)
{
	promote_check(n, pev == GRACE_OVER)
}

inline a_promote_fenced(n)
{
	site_peer_fenced(n);
	promote_check(n, 0)
}

inline a_promote_probed(n)
{
	holds[n] = 1;
	promote_check(n, 0)
}

inline a_promote_fence(n)
{
	if
	:: start_wait[n] -> promote_check(n, 1)
	:: else -> a_holder_fence(n)
	fi
}

inline a_claim_denied_start(n)
{
	if
	:: !probed[n] -> KEEP   /* the probe under way decides */
	:: probed[n] && !holds[n] -> nr = STANDBY
	:: else -> release_to[n] = 0; group_stop(n); nr = DEMOTING
	fi
}

inline a_started(n)
{
	health[n] = H_OK;
	mon[n] = 1;
	nr = ACTIVE
}

inline a_start_failed(n)
{
	holds[n] = 0;
	health[n] = H_FAILED;
	deferred[n] = EV_NONE;
	send_release(n, ID(PE(n)));
	nr = STANDBY
}

inline a_blocked(n)
{
	holds[n] = 1;
	blocked_fence[n] = 0;
	health[n] = H_FAILED;
	mon[n] = 0;
	nr = BLOCKED
}

inline a_resource_failed(n)
{
	health[n] = H_FAILED;
	peer_eligible(n);
	if
	:: !el -> KEEP
	:: else -> demote(n, ID(PE(n)))
	fi
}

inline a_switchover(n)
{
	peer_eligible(n);
	if
	:: !el -> KEEP
	:: else -> demote(n, ID(PE(n)))
	fi
}

inline a_demote_to_peer(n)
{
	demote(n, ID(PE(n)))
}

inline a_demote_any(n)
{
	demote(n, 0)
}

inline a_defer_demote(n)
{
	if
	:: start_wait[n] ->     /* nothing runs yet: at once */
		start_wait[n] = 0;
		rt = ((pev == STANDBY_ON || pev == SWITCHOVER) -> ID(PE(n)) : 0);
		demote(n, rt)
	:: else -> deferred[n] = pev; KEEP
	fi
}

inline a_stopped(n)
{
	holds[n] = 0;
	send_release(n, release_to[n]);
	nr = STANDBY
}

inline a_active_peer(n)
{
	if
	:: !p_holds[n] -> KEEP
	:: p_holds[n] && p_have_state[n] &&
	   (p_role[n] == DEMOTING || (p_flags[n] & F_WAIT)) -> KEEP
	:: else ->
		if
		:: n == 0 -> KEEP       /* rv_site_conflict_keep: lower id */
		:: else -> demote(n, 0)
		fi
	fi
}

inline a_maint_on(n)
{
	if
	:: from == BLOCKED && blocked_fence[n] -> fence_cancel(n)
	:: else
	fi;
	mon[n] = 0;
	nr = MAINTENANCE
}

inline a_claim_unused(n)
{
	bcast_state(n);
	KEEP
}

inline a_maint_off(n)
{
	probed[n] = 0;
	health[n] = H_UNKNOWN;
	gop[n] = G_PROBE;
	nr = STARTING
}

/* ------------------------------------------------------------ the table */

/* fsm.c's fsm_table, row for row; check-sync.sh compares the two. The
 * table is filled once (fill_table, from init); a (role, event) pair picks
 * its action there, and run_action() runs it (0: no row). */
#define NEV 26                          /* events, EV_NONE included */
#define RIDX(r) ((r) - MAINTENANCE)     /* mtype values: see spin's mtype */
#define EIDX(e) ((e) - EV_NONE)
#define ROW(r, e, a) tbl[RIDX(r) * NEV + EIDX(e)] = A_##a;
hidden byte tbl[8 * NEV];
#define A_a_active_peer 1
#define A_a_blocked 2
#define A_a_claim_denied_start 3
#define A_a_claim_unused 4
#define A_a_defer_demote 5
#define A_a_demote_any 6
#define A_a_demote_to_peer 7
#define A_a_evaluate 8
#define A_a_fence_abort 9
#define A_a_fence_done 10
#define A_a_fence_failed 11
#define A_a_fence_recheck 12
#define A_a_fence_retry 13
#define A_a_fenced 14
#define A_a_fenced_evaluate 15
#define A_a_holder_fence 16
#define A_a_ignore 17
#define A_a_maint_off 18
#define A_a_maint_on 19
#define A_a_promote 20
#define A_a_resource_failed 21
#define A_a_start_decide 22
#define A_a_start_failed 23
#define A_a_started 24
#define A_a_stopped 25
#define A_a_switchover 26
#define A_a_promote_check 27
#define A_a_promote_fence 28
#define A_a_promote_fenced 29
#define A_a_promote_probed 30

inline fill_table()
{
	ROW(STARTING, PROBED, a_start_decide)
	ROW(STARTING, PEER_WAIT_DONE, a_start_decide)
	ROW(STARTING, PEER_CHANGED, a_start_decide)
	ROW(STARTING, PEER_LOST, a_start_decide)
	ROW(STARTING, PEER_RELEASED, a_start_decide)
	ROW(STARTING, PEER_CLAIMED, a_start_decide)
	ROW(STARTING, CLAIM_GRANTED, a_promote)
	ROW(STARTING, CLAIM_DENIED, a_claim_denied_start)
	ROW(STARTING, SWITCHOVER, a_ignore)
	ROW(STARTING, STANDBY_ON, a_ignore)
	ROW(STARTING, STANDBY_OFF, a_ignore)
	ROW(STARTING, MAINT_ON, a_ignore)
	ROW(STARTING, MAINT_OFF, a_ignore)
	ROW(STARTING, QUORUM_LOST, a_ignore)
	ROW(STARTING, CLUSTER_DOWN, a_ignore)
	ROW(STARTING, CLUSTER_UP, a_start_decide)
	ROW(STARTING, FENCE_DONE, a_fenced)
	ROW(STARTING, FENCE_FAILED, a_ignore)
	ROW(STARTING, FENCE_RETRY, a_ignore)
	ROW(STARTING, GRACE_OVER, a_start_decide)

	ROW(STANDBY, PEER_WAIT_DONE, a_evaluate)
	ROW(STANDBY, PEER_CHANGED, a_evaluate)
	ROW(STANDBY, PEER_LOST, a_evaluate)
	ROW(STANDBY, PEER_RELEASED, a_evaluate)
	ROW(STANDBY, PEER_CLAIMED, a_ignore)
	ROW(STANDBY, CLAIM_GRANTED, a_promote)
	ROW(STANDBY, CLAIM_DENIED, a_evaluate)
	ROW(STANDBY, SWITCHOVER, a_ignore)
	ROW(STANDBY, STANDBY_ON, a_ignore)
	ROW(STANDBY, STANDBY_OFF, a_evaluate)
	ROW(STANDBY, MAINT_ON, a_maint_on)
	ROW(STANDBY, MAINT_OFF, a_ignore)
	ROW(STANDBY, QUORUM_LOST, a_ignore)
	ROW(STANDBY, CLUSTER_DOWN, a_ignore)
	ROW(STANDBY, CLUSTER_UP, a_evaluate)
	ROW(STANDBY, FENCE_DONE, a_fenced_evaluate)
	ROW(STANDBY, FENCE_FAILED, a_ignore)
	ROW(STANDBY, FENCE_RETRY, a_evaluate)
	ROW(STANDBY, GRACE_OVER, a_evaluate)

	ROW(FENCING, FENCE_DONE, a_fence_done)
	ROW(FENCING, FENCE_FAILED, a_fence_failed)
	ROW(FENCING, FENCE_RETRY, a_ignore)
	ROW(FENCING, PEER_WAIT_DONE, a_fence_recheck)
	ROW(FENCING, PEER_CHANGED, a_fence_recheck)
	ROW(FENCING, PEER_LOST, a_ignore)
	ROW(FENCING, PEER_RELEASED, a_fence_recheck)
	ROW(FENCING, PEER_CLAIMED, a_fence_recheck)
	ROW(FENCING, CLAIM_DENIED, a_ignore)
	ROW(FENCING, GRACE_OVER, a_ignore)
	ROW(FENCING, SWITCHOVER, a_ignore)
	ROW(FENCING, STANDBY_ON, a_fence_abort)
	ROW(FENCING, STANDBY_OFF, a_ignore)
	ROW(FENCING, MAINT_ON, a_fence_abort)
	ROW(FENCING, MAINT_OFF, a_ignore)
	ROW(FENCING, QUORUM_LOST, a_fence_abort)
	ROW(FENCING, CLUSTER_DOWN, a_fence_abort)
	ROW(FENCING, CLUSTER_UP, a_fence_recheck)

	ROW(PROMOTING, PROBED, a_promote_probed)
	ROW(PROMOTING, STARTED, a_started)
	ROW(PROMOTING, START_FAILED, a_start_failed)
	ROW(PROMOTING, STOP_FAILED, a_blocked)
	ROW(PROMOTING, PEER_WAIT_DONE, a_ignore)
	ROW(PROMOTING, PEER_CHANGED, a_promote_check)
	ROW(PROMOTING, PEER_LOST, a_promote_fence)
	ROW(PROMOTING, PEER_RELEASED, a_ignore)
	ROW(PROMOTING, SWITCHOVER, a_defer_demote)
	ROW(PROMOTING, STANDBY_ON, a_defer_demote)
	ROW(PROMOTING, STANDBY_OFF, a_ignore)
	ROW(PROMOTING, MAINT_ON, a_ignore)
	ROW(PROMOTING, MAINT_OFF, a_ignore)
	ROW(PROMOTING, QUORUM_LOST, a_defer_demote)
	ROW(PROMOTING, CLUSTER_DOWN, a_defer_demote)
	ROW(PROMOTING, CLUSTER_UP, a_ignore)
	ROW(PROMOTING, FENCE_DONE, a_promote_fenced)
	ROW(PROMOTING, FENCE_FAILED, a_ignore)
	ROW(PROMOTING, FENCE_RETRY, a_promote_fence)
	ROW(PROMOTING, GRACE_OVER, a_promote_check)

	ROW(ACTIVE, PEER_WAIT_DONE, a_ignore)
	ROW(ACTIVE, PEER_CHANGED, a_active_peer)
	ROW(ACTIVE, PEER_LOST, a_holder_fence)
	ROW(ACTIVE, PEER_RELEASED, a_ignore)
	ROW(ACTIVE, CLAIM_DENIED, a_ignore)
	ROW(ACTIVE, RESOURCE_FAILED, a_resource_failed)
	ROW(ACTIVE, SWITCHOVER, a_switchover)
	ROW(ACTIVE, STANDBY_ON, a_demote_to_peer)
	ROW(ACTIVE, STANDBY_OFF, a_ignore)
	ROW(ACTIVE, MAINT_ON, a_maint_on)
	ROW(ACTIVE, MAINT_OFF, a_ignore)
	ROW(ACTIVE, QUORUM_LOST, a_demote_any)
	ROW(ACTIVE, CLUSTER_DOWN, a_demote_any)
	ROW(ACTIVE, CLUSTER_UP, a_ignore)
	ROW(ACTIVE, FENCE_DONE, a_fenced)
	ROW(ACTIVE, FENCE_FAILED, a_ignore)
	ROW(ACTIVE, FENCE_RETRY, a_holder_fence)
	ROW(ACTIVE, GRACE_OVER, a_ignore)

	ROW(DEMOTING, STOPPED, a_stopped)
	ROW(DEMOTING, STOP_FAILED, a_blocked)
	ROW(DEMOTING, PEER_WAIT_DONE, a_ignore)
	ROW(DEMOTING, PEER_CHANGED, a_ignore)
	ROW(DEMOTING, PEER_LOST, a_ignore)
	ROW(DEMOTING, PEER_RELEASED, a_ignore)
	ROW(DEMOTING, PEER_CLAIMED, a_ignore)
	ROW(DEMOTING, SWITCHOVER, a_ignore)
	ROW(DEMOTING, STANDBY_ON, a_ignore)
	ROW(DEMOTING, STANDBY_OFF, a_ignore)
	ROW(DEMOTING, MAINT_ON, a_ignore)
	ROW(DEMOTING, MAINT_OFF, a_ignore)
	ROW(DEMOTING, QUORUM_LOST, a_ignore)
	ROW(DEMOTING, CLUSTER_DOWN, a_ignore)
	ROW(DEMOTING, CLUSTER_UP, a_ignore)
	ROW(DEMOTING, FENCE_DONE, a_fenced)
	ROW(DEMOTING, FENCE_FAILED, a_ignore)
	ROW(DEMOTING, FENCE_RETRY, a_ignore)
	ROW(DEMOTING, GRACE_OVER, a_ignore)

	ROW(BLOCKED, PEER_WAIT_DONE, a_fence_recheck)
	ROW(BLOCKED, PEER_CHANGED, a_fence_recheck)
	ROW(BLOCKED, PEER_LOST, a_ignore)
	ROW(BLOCKED, PEER_RELEASED, a_fence_recheck)
	ROW(BLOCKED, PEER_CLAIMED, a_fence_recheck)
	ROW(BLOCKED, CLAIM_DENIED, a_ignore)
	ROW(BLOCKED, SWITCHOVER, a_ignore)
	ROW(BLOCKED, STANDBY_ON, a_fence_recheck)
	ROW(BLOCKED, STANDBY_OFF, a_ignore)
	ROW(BLOCKED, MAINT_ON, a_maint_on)
	ROW(BLOCKED, MAINT_OFF, a_ignore)
	ROW(BLOCKED, QUORUM_LOST, a_fence_recheck)
	ROW(BLOCKED, CLUSTER_DOWN, a_fence_recheck)
	ROW(BLOCKED, CLUSTER_UP, a_fence_recheck)
	ROW(BLOCKED, FENCE_DONE, a_fence_done)
	ROW(BLOCKED, FENCE_FAILED, a_ignore)
	ROW(BLOCKED, FENCE_RETRY, a_fence_retry)
	ROW(BLOCKED, GRACE_OVER, a_ignore)

	ROW(MAINTENANCE, PEER_WAIT_DONE, a_ignore)
	ROW(MAINTENANCE, PEER_CHANGED, a_ignore)
	ROW(MAINTENANCE, PEER_LOST, a_ignore)
	ROW(MAINTENANCE, PEER_RELEASED, a_ignore)
	ROW(MAINTENANCE, PEER_CLAIMED, a_ignore)
	ROW(MAINTENANCE, CLAIM_GRANTED, a_claim_unused)
	ROW(MAINTENANCE, CLAIM_DENIED, a_ignore)
	ROW(MAINTENANCE, SWITCHOVER, a_ignore)
	ROW(MAINTENANCE, STANDBY_ON, a_ignore)
	ROW(MAINTENANCE, STANDBY_OFF, a_ignore)
	ROW(MAINTENANCE, MAINT_ON, a_ignore)
	ROW(MAINTENANCE, MAINT_OFF, a_maint_off)
	ROW(MAINTENANCE, QUORUM_LOST, a_ignore)
	ROW(MAINTENANCE, CLUSTER_DOWN, a_ignore)
	ROW(MAINTENANCE, CLUSTER_UP, a_ignore)
	ROW(MAINTENANCE, FENCE_DONE, a_fenced)
	ROW(MAINTENANCE, FENCE_FAILED, a_ignore)
	ROW(MAINTENANCE, FENCE_RETRY, a_ignore)
	ROW(MAINTENANCE, GRACE_OVER, a_ignore)
}

inline dispatch(n)
{
	act = tbl[RIDX(from) * NEV + EIDX(pev)]
}

inline run_action(n)
{
	nr = EV_NONE;
	if
	:: act == A_a_active_peer -> a_active_peer(n)
	:: act == A_a_blocked -> a_blocked(n)
	:: act == A_a_claim_denied_start -> a_claim_denied_start(n)
	:: act == A_a_claim_unused -> a_claim_unused(n)
	:: act == A_a_defer_demote -> a_defer_demote(n)
	:: act == A_a_demote_any -> a_demote_any(n)
	:: act == A_a_demote_to_peer -> a_demote_to_peer(n)
	:: act == A_a_evaluate -> a_evaluate(n)
	:: act == A_a_fence_abort -> a_fence_abort(n)
	:: act == A_a_fence_done -> a_fence_done(n)
	:: act == A_a_fence_failed -> a_fence_failed(n)
	:: act == A_a_fence_recheck -> a_fence_recheck(n)
	:: act == A_a_fence_retry -> a_fence_retry(n)
	:: act == A_a_fenced -> a_fenced(n)
	:: act == A_a_fenced_evaluate -> a_fenced_evaluate(n)
	:: act == A_a_holder_fence -> a_holder_fence(n)
	:: act == A_a_ignore -> a_ignore(n)
	:: act == A_a_maint_off -> a_maint_off(n)
	:: act == A_a_maint_on -> a_maint_on(n)
	:: act == A_a_promote -> a_promote(n)
	:: act == A_a_resource_failed -> a_resource_failed(n)
	:: act == A_a_start_decide -> a_start_decide(n)
	:: act == A_a_start_failed -> a_start_failed(n)
	:: act == A_a_started -> a_started(n)
	:: act == A_a_stopped -> a_stopped(n)
	:: act == A_a_switchover -> a_switchover(n)
	:: act == A_a_promote_check -> a_promote_check(n)
	:: act == A_a_promote_fence -> a_promote_fence(n)
	:: act == A_a_promote_fenced -> a_promote_fenced(n)
	:: act == A_a_promote_probed -> a_promote_probed(n)
	:: else
	fi
}

/* ------------------------------------------------------------ fsm.c: driving */

/* stand_by(): STANDBY looks again, and may go fencing */
inline stand_by(n)
{
	evaluate(n);
	if
	:: er != role[n] ->
		printf("MODEL: node %d: %e -> %e (standing by)\n", n, role[n], er);
		role[n] = er;
		blocked_fence[n] = 0;
		bcast_state(n)
	:: else
	fi
}

#define TH_BCAST        3       /* rv_fsm_deliver: a STATE after PEER_CLAIMED
				 * (then_: see fsm_event) */

/* rv_fsm_deliver: sets pev (the caller runs fsm_event) */
inline fsm_deliver(n)
{
	site_deliver(n);
	pev = EV_NONE;
	if
	:: vd == V_CLAIM_GRANTED -> claim_pending[n] = 0; pev = CLAIM_GRANTED
	:: vd == V_CLAIM_DENIED -> claim_pending[n] = 0; pev = CLAIM_DENIED
	:: vd == V_PEER_CLAIMED -> pev = PEER_CLAIMED; then_ = TH_BCAST
	:: vd == V_PEER_RELEASED -> pev = PEER_RELEASED
	:: vd == V_SWITCHOVER ->
		if
		:: s_holds[n] && mf != ID(n) -> pev = SWITCHOVER
		:: else
		fi
	:: vd == V_PEER_STATE -> pev = PEER_CHANGED
	:: vd == V_PEER_DENIED -> bcast_state(n)
	:: vd == V_NOTHING ->
		if
		:: ms == n && role[n] == STANDBY -> stand_by(n)
		:: else
		fi
	fi
}

inline fsm_peer_member(n, m)    /* rv_fsm_peer_member + rv_site_peer_member */
{
	pev = EV_NONE;
	if
	:: p_member[n] != m ->
		grace_over[n] = 0;
		if
		:: m && !p_member[n] -> p_fenced[n] = 0
		:: else
		fi;
		p_member[n] = m;
		designated[n] = 0;
		if
		:: !m ->
			p_agent[n] = 0;
			forget_peer_state(n);
			p_ever[n] = 0;  /* what it does while away is unknown */
			if
			:: FENCING_OFF -> p_holds[n] = 0; p_cgr[n] = 0
			:: else
			fi
		:: else
		fi;
		pev = (m -> PEER_CHANGED : PEER_LOST)
	:: else
	fi
}

inline fsm_peer_agent(n, a)     /* rv_fsm_peer_agent + rv_site_peer_agent */
{
	pev = EV_NONE;
	if
	:: p_agent[n] != a ->
		grace_over[n] = 0;
		p_agent[n] = a;
		forget_peer_state(n);
		designated[n] = 0;
		if
		:: a ->
			p_member[n] = 1; p_fenced[n] = 0;
			if      /* a new relevod never saw our CLAIM */
			:: s_cgr[n] -> ack[n] = 2
			:: else
			fi;
			bcast_state(n)
		:: else
		fi;
		pev = PEER_CHANGED
	:: else
	fi
}

inline fsm_quorum(n, qu)        /* rv_fsm_quorum */
{
	pev = EV_NONE;
	if
	:: quorate[n] != qu ->
		quorate[n] = qu;
#if WATCHDOG
		/* core.c note_quorum: quorate_since_ms restarts on a gain,
		 * and a loss during the watchdog wait makes it fail */
		if
		:: qu -> wclk[n] = 0
		:: !qu && fz[n] == FZ_WAIT -> wlapse[n] = 1
		:: else
		fi;
#endif
		pev = (qu -> PEER_CHANGED : QUORUM_LOST)
	:: else
	fi
}

/* rv_fsm_event(n, pev), with what follows it in the same call of the C
 * (stand_by, a deferred event, standby after a promotion; then_: a second
 * event of the same callback) as the loop the C recursion is. */
#define TH_NONE         0
#define TH_CLUSTER_DOWN 1       /* cl_down: CLUSTER_DOWN after QUORUM_LOST */
#define TH_PEER_AGENT   2       /* cl_up: the peers found in the group */

inline fsm_event(n)
{
	do
	:: pev == EV_NONE && then_ == TH_NONE -> break
	:: pev == EV_NONE && then_ == TH_CLUSTER_DOWN ->
		then_ = TH_NONE; pev = CLUSTER_DOWN
	:: pev == EV_NONE && then_ == TH_BCAST ->
		then_ = TH_NONE; bcast_state(n)
	:: pev == EV_NONE && then_ == TH_PEER_AGENT ->
		then_ = TH_NONE;
		if
		:: TOGETHER && conn[PE(n)] -> fsm_peer_agent(n, 1)
		:: else
		fi
	:: pev != EV_NONE ->
		if
		:: pev == STANDBY_ON -> standby_req[n] = 1
		:: pev == STANDBY_OFF -> standby_req[n] = 0
		:: pev == MAINT_ON -> maint[n] = 1
		:: pev == MAINT_OFF -> maint[n] = 0
		:: pev == CLUSTER_DOWN ->
			claim_pending[n] = 0; grace_over[n] = 0;
			site_stream_lost(n)
		:: pev == GRACE_OVER -> grace_over[n] = 1
		:: else
		fi;
		from = role[n];
		dispatch(n);
		run_action(n);
		if
		:: nr == EV_NONE ->
			printf("MODEL: node %d: BUG: event %e unexpected in role %e\n",
			       n, pev, from);
			assert(!STRICT_ROWS);
			pev = EV_NONE
		:: else ->
			role[n] = nr;
			if
			:: nr != PROMOTING -> start_wait[n] = 0
			:: else
			fi;
			if
			:: nr != from ->
				printf("MODEL: node %d: %e -> %e (%e)\n", n, from, nr, pev);
				if
				:: nr != BLOCKED -> blocked_fence[n] = 0
				:: else
				fi
			:: else
			fi;
			if
			:: nr != from || pev == PROBED || pev == STANDBY_ON ||
			   pev == STANDBY_OFF || pev == MAINT_ON || pev == MAINT_OFF ->
				bcast_state(n)
			:: else
			fi;
			if
			:: nr == from -> pev = EV_NONE
			:: nr != from && nr == STANDBY -> stand_by(n); pev = EV_NONE
			:: nr != from && nr == ACTIVE && deferred[n] != EV_NONE ->
				pev = deferred[n]; deferred[n] = EV_NONE
			:: nr != from && nr == ACTIVE && deferred[n] == EV_NONE &&
			   standby_req[n] -> pev = STANDBY_ON
			:: else -> pev = EV_NONE
			fi
		fi
	od
}

/* rv_fsm_init: relevod (re)started on node n */
inline fsm_init(n)
{
	role[n] = STARTING; holds[n] = 0; blocked_fence[n] = 0; release_to[n] = 0;
	deferred[n] = EV_NONE; mon[n] = 0; gop[n] = G_NONE;
	probed[n] = 0; standby_req[n] = 0; maint[n] = 0; claim_pending[n] = 0;
	peer_wait_over[n] = 0; grace_over[n] = 0; health[n] = H_UNKNOWN;
	wait_armed[n] = 0;
	s_holds[n] = 0; p_member[n] = 0; p_agent[n] = 0; p_holds[n] = 0;
	p_ever[n] = 0; p_fenced[n] = 0; forget_peer_state(n);
	s_claim[n] = 0; p_claim[n] = 0; s_cgr[n] = 0; p_cgr[n] = 0; ack[n] = 0;
	start_wait[n] = 0;
	gen[n] = 0; designated[n] = 0; quorate[n] = 0;
	fz[n] = FZ_IDLE; fretry[n] = 0; wlapse[n] = 0;
	ls_role[n] = STARTING; ls_flags[n] = 0; ls_gen[n] = 0; ls_claim[n] = 0;
	ls_reach[n] = 0
}

/* relevod is gone from node n (crashed, or its node is): nothing of it is
 * left but what it started */
inline agent_gone(n)
{
	UNREACH;
	agent[n] = 0; conn[n] = 0;
	drain(n);
	fsm_init(n)
}

/* ------------------------------------------------------------ the watchdog */

/* may_feed() == 0 (fencing.c), for a node whose relevod runs; the time
 * conditions are the clock's (see the world) */
#define STARVES(n) (agent[n] && holds[n] && role[n] != MAINTENANCE && \
	((role[n] == BLOCKED && !blocked_fence[n]) || \
	 (!conn[n]) || \
	 (conn[n] && !p_member[n] && !(WITNESS && quorate[n]) && \
	  (!p_fenced[n] || WITNESS))))
			/* a peer fenced earlier feeds it only without a
			 * witness: with one, not holding the vote means the
			 * peer is up, cut off, and will wait us out */
/* the device is armed and nobody feeds it: relevod died */
#define UNFED(n) (wd_armed[n] && alive[n] && !agent[n])

/* ------------------------------------------------------------ power */

/* Node m stops: a crash, a fence, a watchdog reset. Its peer's inbox keeps
 * what it had of m's messages, or some of it (EVS). keep_res: a hung node's
 * resources may go on running until it is fenced or reset. */
inline power_off(m, keep_res)
{
	if
	:: TOGETHER && conn[PE(m)] ->
		evs_cut(PE(m));
		put(PE(m), V_MEMBER, PE(m), 0, STARTING, 0, 0)
	:: else
	fi;
	alive[m] = 0; coro[m] = 0; wfa[m] = 0; wd_armed[m] = 0; wdue[m] = 0;
	agent_gone(m);
	if
	:: !keep_res -> res[m] = 0
	:: else
	fi;
	wvote = PE(m);
	EPOCH
}

/* ------------------------------------------------------------ relevod's loop */

/* node n: CPG deliveries (messages and membership), quorum notifications.
 * It waits while the peer's inbox is fuller than LAG and its own is not:
 * corosync's flow control, as far as the model needs it to stay bounded. */
proctype node(byte n)
{
end:	do
	:: atomic {
		conn[n] && (len(q[n]) > 0 || quorate[n] != QTRUE(n)) &&
		(len(q[PE(n)]) <= LAG || len(q[n]) > LAG) ->
		if
		:: len(q[n]) > 0 ->
			q[n]?mk, ms, mg, mr, mf, mc;
			printf("MODEL: node %d delivers %e from %d gen %d (%e, %d, claim %d)\n",
			       n, mk, ms, mg, mr, mf, mc);
			if
			:: mk == V_MEMBER -> fsm_peer_member(n, mf)
			:: mk == V_AGENT -> fsm_peer_agent(n, mf)
			:: else -> fsm_deliver(n)
			fi
		:: quorate[n] != QTRUE(n) ->
			k = QTRUE(n);
			printf("MODEL: node %d: quorate %d\n", n, k);
			fsm_quorum(n, k)
		fi;
		fsm_event(n)
	   }
	od
}

/* What node n's resource group and timers report (each an event):
 * the probe, start and stop results, a monitor failure, the start-up wait,
 * the grace check of the STATE timer, the fence operation's outcomes. */
#define L_PROBE(n)   (agent[n] && gop[n] == G_PROBE)
#define L_START(n)   (agent[n] && gop[n] == G_START)
#define L_STOP(n)    (agent[n] && gop[n] == G_STOP)
#define L_RFAIL      (rfails < RFAILS)
#define L_MONFAIL(n) (agent[n] && mon[n] && role[n] == ACTIVE && L_RFAIL)
#define L_WAIT(n)    (agent[n] && wait_armed[n])
#define L_GRACE(n)   (agent[n] && p_member[n] && !p_agent[n] && !grace_over[n] && \
		      len(q[n]) == 0)   /* the grace period (seconds) outlasts
					 * what CPG has yet to deliver (ms) */
#define L_FENCED(n)  (agent[n] && fz[n] == FZ_BUSY && FENCE_AGENT)
#define L_FFAIL(n)   (agent[n] && fz[n] == FZ_BUSY && (ffails < FFAILS || !FENCE_AGENT))
#define L_WDWAIT(n)  (agent[n] && fz[n] == FZ_WAIT && \
		      ((clk == 2 && wclk[n] == 2) || wlapse[n]))
			/* the timer: 2T after the base when it started; if the
			 * vote lapsed since, at some moment before the new
			 * base's 2T (the model lets it fire at any moment) */
#define WD_VOTE(n)   (WITNESS && quorate[n] && !(p_member[n] && p_agent[n]))
			/* fencing.c no_witness_vote() == NULL: quorate with
			 * the qdevice, and the peer not back (its node and its
			 * relevod): such a peer was not reset (f4d9e95) */
#define L_RETRY(n)   (agent[n] && fretry[n])
#define ROOM         (len(q[0]) <= LAG && len(q[1]) <= LAG)
#define L_ANY(n)     (L_PROBE(n) || L_START(n) || L_STOP(n) || L_MONFAIL(n) || \
		      L_WAIT(n) || L_GRACE(n) || L_FENCED(n) || L_FFAIL(n) || \
		      L_WDWAIT(n) || L_RETRY(n))

proctype events(byte n)
{
end:	do
	:: atomic {
		ROOM && L_ANY(n) ->
		pev = EV_NONE;
		if
		:: L_PROBE(n) ->
			gop[n] = G_NONE; probed[n] = 1; holds[n] = res[n]; pev = PROBED
		:: L_START(n) ->
			gop[n] = G_NONE; pev = STARTED
		:: L_START(n) && L_RFAIL ->     /* failed, rolled back */
			rfails++; gop[n] = G_NONE; res[n] = 0; pev = START_FAILED
		:: L_START(n) && L_RFAIL ->     /* failed, and so did the rollback */
			rfails++; gop[n] = G_NONE; pev = STOP_FAILED
		:: L_STOP(n) ->
			gop[n] = G_NONE; res[n] = 0; pev = STOPPED
		:: L_STOP(n) && L_RFAIL ->
			rfails++; gop[n] = G_NONE; pev = STOP_FAILED
		:: L_MONFAIL(n) ->
			rfails++; pev = RESOURCE_FAILED
		:: L_WAIT(n) ->
			wait_armed[n] = 0; peer_wait_over[n] = 1; pev = PEER_WAIT_DONE
		:: L_GRACE(n) ->
			pev = GRACE_OVER
		:: L_FENCED(n) ->       /* a method confirmed the peer off */
			printf("MODEL: node %d powers node %d off\n", n, PE(n));
			if
			:: alive[PE(n)] -> power_off(PE(n), 0)
			:: else -> res[PE(n)] = 0
			fi;
			fz[n] = FZ_IDLE; pev = FENCE_DONE
		:: L_FFAIL(n) ->        /* every method failed, or there is none */
			if
			:: FENCE_AGENT -> ffails++
			:: else
			fi;
			if
			:: WATCHDOG && WD_VOTE(n) ->     /* watchdog_wait */
				fz[n] = FZ_WAIT; wlapse[n] = 0
			:: true ->      /* no method ran: no carrier here; or no
					 * watchdog wait (no device, no vote) */
				fz[n] = FZ_IDLE; fretry[n] = 1; pev = FENCE_FAILED
			fi
		:: L_WDWAIT(n) ->       /* watchdog_wait_timer */
			if
			:: WD_VOTE(n) && !wlapse[n] ->  /* 2T from the base, vote held */
				fz[n] = FZ_IDLE; pev = FENCE_DONE
			:: else ->      /* no vote now, or it lapsed meanwhile */
				fz[n] = FZ_IDLE; wlapse[n] = 0; fretry[n] = 1;
				pev = FENCE_FAILED
			fi
		:: L_RETRY(n) ->
			fretry[n] = 0; pev = FENCE_RETRY
		fi;
		printf("MODEL: node %d: local event %e (fence %d)\n", n, pev, fz[n]);
		fsm_event(n)
	   }
	/* the STATE period (when the inboxes have room: a bound of the model) */
	:: atomic {
		conn[n] && ROOM && STATE_NEWS(n) ->
		printf("MODEL: node %d: STATE timer\n", n);
		bcast_state(n)
	   }
	od
}

/* ------------------------------------------------------------ the world's steps on relevod */

/* relevod starts on node n (cl_up, first time): a fresh role machine; the
 * peer sees it join; it sends its STATE, learns of the peer in the group
 * (peer_agent) and then the totem membership */
inline agent_start(n)
{
	if
	:: TOGETHER && conn[PE(n)] -> put(PE(n), V_AGENT, PE(n), 0, STARTING, 1, 0)
	:: else
	fi;
	agent[n] = 1; conn[n] = 1;
	fsm_init(n);
#if WATCHDOG
	wd_armed[n] = 1;
	late[n] = 1;
	wclk[n] = 0;    /* cl_up: quorate_since_ms (and the peer never seen:
			 * the wait counts from this start anyway) */
#endif
	quorate[n] = QTRUE(n);
	gop[n] = G_PROBE;
	wait_armed[n] = 1;
	if
	:: TOGETHER -> put(n, V_MEMBER, n, 0, STARTING, 1, 0)
	:: else
	fi;
	bcast_state(n);
	pev = EV_NONE;
	if
	:: TOGETHER && conn[PE(n)] -> fsm_peer_agent(n, 1)
	:: else
	fi
}

/* corosync on node n is gone: the peer sees the node leave; relevod gets
 * cl_down (quorum lost, then CLUSTER_DOWN) and keeps its role machine */
inline corosync_down(n)
{
	if
	:: TOGETHER && conn[PE(n)] ->
		evs_cut(PE(n));
		put(PE(n), V_MEMBER, PE(n), 0, STARTING, 0, 0)
	:: else
	fi;
	coro[n] = 0; wfa[n] = 0;
	wvote = PE(n);
	UNREACH;
	EPOCH;
	pev = EV_NONE;
	if
	:: agent[n] && conn[n] ->
		conn[n] = 0;
		drain(n);
		fsm_quorum(n, 0);
		then_ = TH_CLUSTER_DOWN
	:: else
	fi
}

/* relevod reconnects: cl_up with the role machine kept (CLUSTER_UP), the
 * peers found in the group, then the totem membership */
inline reconnect(n)
{
	if
	:: TOGETHER && conn[PE(n)] -> put(PE(n), V_AGENT, PE(n), 0, STARTING, 1, 0)
	:: else
	fi;
	conn[n] = 1;
	k = TOGETHER;
	put(n, V_MEMBER, n, 0, STARTING, k, 0);
	pev = CLUSTER_UP;
	then_ = TH_PEER_AGENT
}

/* ------------------------------------------------------------ the world */

/* Which node a world step acts on: either one its condition holds for. */
#define EITHER(c) if :: c(0) -> w = 0 :: c(1) -> w = 1 fi

#define CAN_START(n)   (alive[n] && coro[n] && !agent[n])
#define CAN_CRASH(n)   (alive[n])
#define CAN_BOOT(n)    (!alive[n])
#define CAN_KILL(n)    (agent[n])
#define CAN_CORO(n)    (alive[n] && coro[n])
#define CAN_CORO_UP(n) (alive[n] && !coro[n])
#define CAN_RECONN(n)  (agent[n] && !conn[n] && coro[n])
#define CAN_OP(n)      (agent[n])
#define FAULT          (faults < FAULTS)
#define OP             (ops < OPS)
#define WD_RESET(n)    (alive[n] && (UNFED(n) || (STARVES(n) && \
			(clk > 0 || (role[n] == BLOCKED && !blocked_fence[n])))))
#define QUIET          (len(q[0]) == 0 && len(q[1]) == 0 && \
			(!conn[0] || quorate[0] == QTRUE(0)) && \
			(!conn[1] || quorate[1] == QTRUE(1)))

/* The world: faults, boots, relevod starts, the clock, the operator. */
proctype world()
{
end:	/* idle: a site where nothing happens any more */
	do
	/* ---- what reaches relevod's role machine at once */
	:: atomic {
		ROOM && (CAN_START(0) || CAN_START(1) || CAN_RECONN(0) || CAN_RECONN(1) ||
		(F_CORO && FAULT && (CAN_CORO(0) || CAN_CORO(1))) ||
		(OP && (CAN_OP(0) || CAN_OP(1)))) ->
		pev = EV_NONE;
		if
		/* relevod starts (at boot, or after it died) */
		:: CAN_START(0) || CAN_START(1) ->
			EITHER(CAN_START);
			printf("MODEL: world: relevod starts on node %d\n", w);
			agent_start(w)
		/* it reconnects to corosync */
		:: CAN_RECONN(0) || CAN_RECONN(1) ->
			EITHER(CAN_RECONN);
			printf("MODEL: world: relevod on node %d reconnects\n", w);
			reconnect(w)
		/* corosync crashes; relevod lives on */
		:: F_CORO && FAULT && (CAN_CORO(0) || CAN_CORO(1)) ->
			faults++; EITHER(CAN_CORO);
			printf("MODEL: world: corosync dies on node %d\n", w);
			corosync_down(w)
		/* the operator: rv_core_standby, _maintenance, _switchover */
		:: OP && (CAN_OP(0) || CAN_OP(1)) ->
			ops++; EITHER(CAN_OP);
			printf("MODEL: world: the operator, on node %d\n", w);
			if
			:: pev = (standby_req[w] -> STANDBY_OFF : STANDBY_ON)
			:: role[w] != PROMOTING && role[w] != DEMOTING && role[w] != STARTING ->
				pev = (role[w] == MAINTENANCE -> MAINT_OFF : MAINT_ON)
			:: conn[w] && s_holds[w] ->
				peer_eligible(w);
				if
				:: el -> send(w, M_SWITCHOVER, STARTING, ID(PE(w)))
				:: else
				fi
			:: conn[w] && !s_holds[w] && p_holds[w] && !standby_req[w] &&
			   !maint[w] && role[w] == STANDBY ->
				send(w, M_SWITCHOVER, STARTING, ID(w))
			fi
		fi;
		fsm_event(w)
	   }
	/* ---- a partition: the link fails, both nodes live on */
	:: atomic {
		ROOM && F_PART && TOGETHER && FAULT -> faults++;
		printf("MODEL: world: partition\n");
		if :: conn[0] -> evs_cut(0) :: else fi;
		if :: conn[1] -> evs_cut(1) :: else fi;
		net = 0;
		UNREACH;
		if :: conn[0] -> put(0, V_MEMBER, 0, 0, STARTING, 0, 0) :: else fi;
		if :: conn[1] -> put(1, V_MEMBER, 1, 0, STARTING, 0, 0) :: else fi;
#if WITNESS
		if :: wvote = 0 :: wvote = 1 fi;
#endif
		EPOCH
	   }
	/* ---- the partition heals */
	:: atomic {
		ROOM && !net -> net = 1;
		printf("MODEL: world: the partition heals\n");
		if
		:: TOGETHER ->
			wfa[0] = 1; wfa[1] = 1;
			if
			:: conn[0] ->
				put(0, V_MEMBER, 0, 0, STARTING, 1, 0);
				if :: conn[1] -> put(0, V_AGENT, 0, 0, STARTING, 1, 0) :: else fi
			:: else
			fi;
			if
			:: conn[1] ->
				put(1, V_MEMBER, 1, 0, STARTING, 1, 0);
				if :: conn[0] -> put(1, V_AGENT, 1, 0, STARTING, 1, 0) :: else fi
			:: else
			fi
		:: else
		fi
	   }
	/* ---- a node crashes: it hangs (its resources may go on until it is
	 * fenced or reset), or it dies */
	:: atomic {
		ROOM && F_CRASH && FAULT && (CAN_CRASH(0) || CAN_CRASH(1)) -> faults++;
		EITHER(CAN_CRASH);
		if :: k = 1 :: k = 0 fi;
		printf("MODEL: world: node %d crashes (resources %d)\n", w, k);
		power_off(w, k)
	   }
	/* ---- a node boots: nothing runs on it yet; corosync joins */
	:: atomic {
		ROOM && boots < BOOTS && (CAN_BOOT(0) || CAN_BOOT(1)) ->
		boots++; EITHER(CAN_BOOT);
		printf("MODEL: world: node %d boots\n", w);
		alive[w] = 1; coro[w] = 1; res[w] = 0;
		if
		:: TOGETHER ->
			wfa[0] = 1; wfa[1] = 1;
			if
			:: conn[PE(w)] -> put(PE(w), V_MEMBER, PE(w), 0, STARTING, 1, 0)
			:: else
			fi
		:: !TOGETHER && !(alive[PE(w)] && coro[PE(w)]) -> wvote = w
		:: else         /* the witness keeps voting for the other side */
		fi
	   }
	/* ---- relevod crashes; the node and its resources live on */
	:: atomic {
		ROOM && F_AGENT && FAULT && (CAN_KILL(0) || CAN_KILL(1)) -> faults++;
		EITHER(CAN_KILL);
		printf("MODEL: world: relevod crashes on node %d\n", w);
		if
		:: TOGETHER && conn[w] && conn[PE(w)] ->
			put(PE(w), V_AGENT, PE(w), 0, STARTING, 0, 0)
		:: else
		fi;
		agent_gone(w);
		EPOCH
	   }
	/* ---- corosync comes back */
	:: atomic {
		ROOM && (CAN_CORO_UP(0) || CAN_CORO_UP(1)) -> EITHER(CAN_CORO_UP);
		printf("MODEL: world: corosync starts on node %d\n", w);
		coro[w] = 1;
		if
		:: TOGETHER ->
			wfa[0] = 1; wfa[1] = 1;
			if
			:: conn[PE(w)] -> put(PE(w), V_MEMBER, PE(w), 0, STARTING, 1, 0)
			:: else
			fi
		:: !TOGETHER && !(alive[PE(w)] && coro[PE(w)]) -> wvote = w
		:: else         /* the witness keeps voting for the other side */
		fi
	   }
#if WATCHDOG
	/* ---- the watchdog: T since the last loss ... */
	:: atomic {
		clk == 0 && QUIET -> clk = 1;
		printf("MODEL: world: T since the last loss\n");
		wdue[0] = alive[0] && ((STARVES(0) && !late[0]) || UNFED(0));
		wdue[1] = alive[1] && ((STARVES(1) && !late[1]) || UNFED(1))
	   }
	/* ... and 2T: who starved at T and still does has been reset */
	:: atomic {
		clk == 1 && QUIET ->
		printf("MODEL: world: 2T since the last loss\n");
		if
		:: wdue[0] && alive[0] && (STARVES(0) || UNFED(0)) -> power_off(0, 0)
		:: else
		fi;
		if
		:: wdue[1] && alive[1] && (STARVES(1) || UNFED(1)) -> power_off(1, 0)
		:: else
		fi;
		wdue[0] = 0; wdue[1] = 0;
		clk = 2
	   }
	/* a node's own wait clock: T, 2T since it last became quorate (or
	 * since the loss, whichever is later); it never runs ahead of clk */
	:: atomic {
		QUIET && (wclk[0] < clk || wclk[1] < clk) ->
		if
		:: wclk[0] < clk -> w = 0
		:: wclk[1] < clk -> w = 1
		fi;
		wclk[w]++;
		printf("MODEL: world: node %d's watchdog wait clock %d\n", w, wclk[w])
	   }
	/* a starving node may be reset at any moment (the device's timeout
	 * counts from the last feed) */
	:: atomic {
		ROOM && (WD_RESET(0) || WD_RESET(1)) -> EITHER(WD_RESET);
		printf("MODEL: world: node %d reset by its watchdog\n", w);
		power_off(w, 0)
	   }
#endif
	od
}

#if LIVENESS
/* Liveness, under weak fairness (spin -f: a process that can always move
 * eventually does): once the faults of the run are over, the site ends up
 * with an ACTIVE node for good. */
ltl live { <> [] (role[0] == ACTIVE || role[1] == ACTIVE) }
#endif

/* Safety: never the resources running on both nodes at once. */
active proctype safety()
{
end:	atomic { res[0] && res[1] -> assert(false) }
}

init
{
	atomic {
		alive[0] = 1; alive[1] = 1; coro[0] = 1; coro[1] = 1;
		wfa[0] = 1; wfa[1] = 1;
		role[0] = STARTING; role[1] = STARTING;
		deferred[0] = EV_NONE; deferred[1] = EV_NONE;
		p_role[0] = STARTING; p_role[1] = STARTING;
		ls_role[0] = STARTING; ls_role[1] = STARTING;
		fill_table();
		run node(0); run node(1);
		run events(0); run events(1);
		run world()
	}
}
