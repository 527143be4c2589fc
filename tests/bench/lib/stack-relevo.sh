# shellcheck shell=bash
# stack-relevo.sh — stack (a) of the benchmark: relevod on corosync with the
# group spool (DRBD stand-in) -> ocf:relevo:mta -> ocf:heartbeat:IPaddr2,
# configured as the integration tests' mail site (site_conf_mail: the same
# agents, parameters and monitors as mail.test).
#
# Fencing: relevo_conf writes the site with "fencing = off" or, when
# BENCH_RELEVO_FENCING resolves to on, "fencing = on" with one method, the
# harness fence agent (tests/fence_harness, action off) through the
# cluster's fence broker. "auto" (the default) is on when this build's
# relevod accepts that configuration (relevod -t), else off; the result says
# which one ran. fence-delay is relevod's default unless BENCH_FENCE_DELAY
# sets it (for Pacemaker too, as priority-fencing-delay): the standby waits
# that long before fencing the node that held the site, whatever the reason
# it lost it, so the delay is part of every power-off measured here, as
# priority-fencing-delay is in Pacemaker's.
#
# Every stack file defines, for a harness cluster whose nodes run corosync
# and the mail setup (site_mail_setup): STACK_uses_corosync, STACK_describe,
# STACK_up, STACK_node_start K, STACK_holder, STACK_settled HOLDER OTHER,
# STACK_move FROM TO, STACK_after_move FROM TO, STACK_run_extra SURVIVOR,
# and may define STACK_pre_off SURVIVOR and STACK_footprint.

RELEVO_FENCING=off # resolved by relevo_resolve_fencing

relevo_uses_corosync() { return 0; }

# relevo_conf NAME FENCING: the site's relevo.conf (the same file for both
# nodes), FENCING on or off.
relevo_conf() {
	local name=$1 fencing=$2 conf
	site_conf_mail "$name"
	conf=$(site_conf_path "$name")
	[ "$fencing" = on ] || return 0
	sed -i "s/^fencing = off\$/fencing = on${BENCH_FENCE_DELAY:+\\nfence-delay = $BENCH_FENCE_DELAY}/" "$conf"
	cat >> "$conf" <<-EOF

	[fence harness]
	agent = $RELEVO_SRCDIR/tests/fence_harness
	action = off
	timeout = 10s
	option.socket = $(h_fence_socket "$name")
	EOF
}

# relevo_resolve_fencing NAME: sets RELEVO_FENCING from BENCH_RELEVO_FENCING
# (auto, on, off), checking the fencing configuration with relevod -t.
relevo_resolve_fencing() {
	local name=$1 want=${BENCH_RELEVO_FENCING:-auto} ok=no
	relevo_conf "$name" on
	! "$RELEVOD" -t -c "$(site_conf_path "$name")" > /dev/null 2>&1 || ok=yes
	case $want in
	on)
		[ $ok = yes ] || { h_die "BENCH_RELEVO_FENCING=on but relevod -t refuses fencing = on"; return 1; }
		RELEVO_FENCING=on ;;
	off) RELEVO_FENCING=off ;;
	*) if [ $ok = yes ]; then RELEVO_FENCING=on; else RELEVO_FENCING=off; fi ;;
	esac
}

relevo_describe() {
	local delay=${BENCH_FENCE_DELAY:-}
	if [ -z "$delay" ]; then
		# the default, as `relevo check-config` explains the file
		delay=$("$RELEVO" check-config -c "$(site_conf_path "$1")" 2> /dev/null | tr '\n' ' ' |
			sed -n 's/.*fence-delay (\([0-9.]*[a-z]*\)).*/\1/p')
		delay="${delay:-?} (relevod default)"
	fi
	jq -cn --arg fencing "$RELEVO_FENCING" --arg conf "$(cat "$(site_conf_path "$1")")" \
		--arg delay "$delay" '{
		fencing: $fencing,
		fence_delay: (if $fencing == "on" then $delay else null end),
		fencing_note: (if $fencing == "on" then
			"fence_harness (action off) through the harness fence broker; the standby waits fence-delay before fencing the holder"
			else "fencing = off: this build of relevod cannot fence yet; the survivor promotes once corosync drops the peer" end),
		group: "spool (ocf:relevo:spool, DRBD stand-in) -> mta (ocf:relevo:mta) -> vip (ocf:heartbeat:IPaddr2)",
		monitors: "spool 5s, mta 2s (depth 10: SMTP banner and EHLO), vip 5s",
		daemon: "state-interval 1s, peer-wait 3s",
		relevo_conf: $conf }'
}

relevo_up() {
	local name=$1 k
	relevo_resolve_fencing "$name" || return 1
	relevo_conf "$name" "$RELEVO_FENCING"
	[ "$RELEVO_FENCING" = off ] || h_fence_broker_start "$name" || return 1
	"$RELEVOD" -t -c "$(site_conf_path "$name")" > /dev/null ||
		{ h_die "relevod -t refuses the bench's configuration"; return 1; }
	for k in $(h_nodes "$name"); do relevo_node_start "$name" "$k"; done
	h_wait 300 0.2 relevo_some_active "$name" ||
		{ h_die "relevo: no node became active within 300 s"; return 1; }
}

relevo_node_start() {
	h_start "$1" "$2" relevod "$RELEVOD" -f -c "$(site_conf_path "$1")"
}

relevo_some_active() { [ -n "$(relevo_holder "$1")" ]; }

# The node whose relevod says it is active.
relevo_holder() {
	local k
	for k in $(h_nodes "$1"); do
		if [ "$(site_role "$1" "$k")" = active ]; then
			echo "$k"
			return 0
		fi
	done
}

# HOLDER active and OTHER standing by, neither "failed": a standby whose
# start failed once stays so and never claims the site (see relevo_repair);
# one that never ran the resources is "unknown".
relevo_settled() {
	local a s
	a=$(site_json "$1" "$2" | jq -r '.nodes[] | select(.local) | "\(.role) \(.health)"' 2> /dev/null)
	s=$(site_json "$1" "$3" | jq -r '.nodes[] | select(.local) | "\(.role) \(.health)"' 2> /dev/null)
	case $a in "active ok" | "active degraded") ;; *) return 1 ;; esac
	case $s in "standby failed") return 1 ;; "standby "*) return 0 ;; esac
	return 1
}

# relevo_repair NAME HOLDER OTHER: what an operator does when the site did
# not settle. A node whose resources failed to start keeps health "failed"
# until relevod restarts (relevo has no cleanup command yet): restart it.
# Prints what it did.
relevo_repair() {
	local name=$1 k
	for k in "$2" "$3"; do
		[ "$(site_json "$name" "$k" | jq -r '.nodes[] | select(.local) | .health' 2> /dev/null)" = failed ] ||
			continue
		h_stop "$name" "$k" relevod 60
		relevo_node_start "$name" "$k"
		echo "restarted relevod on $k (health failed)"
	done
}

# A planned move: `relevo switchover --to TO` on the active node, which
# waits until the site is there.
relevo_move() {
	site_relevo "$1" "$2" switchover --to "$3" --timeout 60 > /dev/null
}
relevo_after_move() { return 0; }

# relevod's CPU time and RSS on the survivor, read just before the power-off
# (RELEVO_PRE) and by relevo_run_extra after it.
relevo_pre_off() {
	local pid
	RELEVO_PRE=""
	pid=$(h_daemon_pid "$1" "$2" relevod) || return 0
	RELEVO_PRE=$(m_proc_stat "$1" "$2" "$pid") || RELEVO_PRE=""
}

# relevo_run_extra NAME SURVIVOR: the survivor's last timeline (steps in ms
# after relevod learnt the peer was lost), the trigger on the prober's clock
# (from the promoting transition's age, ± half the query's duration), and
# relevod's CPU spent and RSS.
relevo_run_extra() {
	local name=$1 k=$2 hist q0 q1 pid cpu0 cpu1 rss
	q0=$(m_now)
	hist=$(site_relevo "$name" "$k" --output-as json history 2> /dev/null) || hist='{}'
	q1=$(m_now)
	pid=$(h_daemon_pid "$name" "$k" relevod) || pid=""
	cpu1="" rss=""
	if [ -n "$pid" ] && [ -n "${RELEVO_PRE:-}" ]; then
		read -r cpu1 rss < <(m_proc_stat "$name" "$k" "$pid") || true
		cpu0=${RELEVO_PRE%% *}
	fi
	jq -c --argjson q "$(( (q0 + q1) / 2 ))" --argjson qerr "$(( (q1 - q0) / 2 ))" \
		--arg cpu "${cpu1:+$(( cpu1 - cpu0 ))}" --arg rss "$rss" '
		(.timelines // [] | last) as $t
		| ((.transitions // []) | map(select(.to == "promoting")) | last) as $p
		| ($t.steps // [] | map(select(.step == "claim granted")) | first | .at_ms) as $claim
		| {
			timeline: (if $t then {trigger: $t.trigger, ok: $t.ok, total_ms: $t.total_ms,
				steps: [$t.steps[] | {step, at_ms, agent_ms}]} else null end),
			trigger_mono_us: (if $p and $claim != null then
				($q - ($p.ago_ms + $claim) * 1000) else null end),
			trigger_err_ms: ($qerr / 1000),
			relevod_cpu_ms: (if $cpu == "" then null else ($cpu | tonumber) end),
			relevod_rss_kb: (if $rss == "" then null else ($rss | tonumber) end)
		}' <<< "$hist"
}

# relevo_footprint NAME HOLDER OTHER: relevod's RSS and CPU while idle
# (BENCH_IDLE_S, 10 s), and how long `relevo status` takes on the active
# node (20 calls, inside the node).
relevo_footprint() {
	local name=$1 a=$2 s=$3 idle=${BENCH_IDLE_S:-10} pa ps a0 a1 s0 s1 ra rs lat
	pa=$(h_daemon_pid "$name" "$a" relevod) && ps=$(h_daemon_pid "$name" "$s" relevod) || return 1
	read -r a0 _ < <(m_proc_stat "$name" "$a" "$pa") || return 1
	read -r s0 _ < <(m_proc_stat "$name" "$s" "$ps") || return 1
	sleep "$idle" # the measurement window itself
	read -r a1 ra < <(m_proc_stat "$name" "$a" "$pa") || return 1
	read -r s1 rs < <(m_proc_stat "$name" "$s" "$ps") || return 1
	# shellcheck disable=SC2016 # expanded by the shell in the node
	lat=$(h_exec "$name" "$a" bash -c '
		for i in $(seq 20); do
			t0=${EPOCHREALTIME/./}
			"$1" status > /dev/null 2>&1
			echo $(( ${EPOCHREALTIME/./} - t0 ))
		done' sh "$RELEVO")
	jq -cn --argjson idle "$idle" --argjson a "$(( a1 - a0 ))" --argjson s "$(( s1 - s0 ))" \
		--argjson ra "$ra" --argjson rs "$rs" --arg lat "$lat" '
		($lat | split("\n") | map(select(. != "") | tonumber / 1000) | sort) as $l
		| {
			idle_window_s: $idle,
			active: {rss_kb: $ra, cpu_ms: $a, cpu_percent: ($a / ($idle * 10))},
			standby: {rss_kb: $rs, cpu_ms: $s, cpu_percent: ($s / ($idle * 10))},
			status_latency_ms: {n: ($l | length), median: $l[(($l | length) / 2 | floor)],
				max: $l[-1], min: $l[0]}
		}'
}
