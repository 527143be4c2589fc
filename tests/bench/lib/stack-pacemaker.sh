# shellcheck shell=bash
# stack-pacemaker.sh — stack (b) of the benchmark: Pacemaker 2.1 on the same
# corosync, with the same agents and parameters as relevo's site, as a group
# relay = spool (ocf:relevo:spool, DRBD stand-in) -> mta (ocf:relevo:mta)
# -> vip (ocf:heartbeat:IPaddr2), and fencing through the harness fence
# agent, as an operator following Pacemaker's documentation would set it up:
#
#   dc-deadtime=2s            (the harness's pre-written CIB, lib/pacemaker.sh)
#   stonith-enabled=true, stonith-action=off, one fence_harness device for
#                             both nodes (pcmk_host_list), monitored every 60 s
#   resource-stickiness=100   on the group: no failback
#   monitors every 10 s       (mta at depth 10: banner and EHLO), start and
#                             stop timeouts 60 s
#   cluster-recheck-interval=1min, no-quorum-policy default (two_node keeps
#                             the survivor quorate)
#   priority-fencing-delay    Pacemaker's default (none), or BENCH_FENCE_DELAY
#                             with priority=10 on the group, the equivalent of
#                             relevo's fence-delay
#
# Pacemaker looks fence agents up in /usr/sbin: each node gets the harness
# agent there through an overlay mounted in the node's own mount namespace
# (the host's /usr/sbin is never written). The interface is stack-relevo.sh's.

PCMK_BENCH_GROUP=relay

pacemaker_uses_corosync() { return 0; }

pacemaker_describe() {
	jq -cn --arg delay "${BENCH_FENCE_DELAY:-none (Pacemaker default)}" '{
		fencing: "on",
		fence_delay: $delay,
		fencing_note: "fence_harness (stonith-action off) through the harness fence broker",
		group: "relay: spool (ocf:relevo:spool, DRBD stand-in) -> mta (ocf:relevo:mta) -> vip (ocf:heartbeat:IPaddr2)",
		options: {"dc-deadtime": "2s", "stonith-enabled": true, "stonith-action": "off",
			"resource-stickiness": 100, "cluster-recheck-interval": "1min"},
		monitors: "every 10 s (mta depth 10), start/stop timeouts 60 s"
	}'
}

# fence_harness as /usr/sbin/fence_harness inside node K only. The overlay
# shows the host's /usr/sbin as it is on disk, hiding the DRBD stand-in
# bind-mounted over drbdadm and drbdsetup: those are mounted again on top.
pacemaker_fence_agent() {
	local name=$1 k=$2 d
	d=$(h_state "$name")/$k/fence-bin
	mkdir -p "$d"
	ln -sfn "$RELEVO_SRCDIR/tests/fence_harness" "$d/fence_harness"
	h_exec "$name" "$k" mount -t overlay overlay -o "lowerdir=$d:/usr/sbin" /usr/sbin || return 1
	h_drbd_standin "$name" "$k"
}

pacemaker_node_start() {
	local name=$1 k=$2
	pacemaker_fence_agent "$name" "$k" || return 1
	pcmk_ocf_relevo "$name" "$k" || return 1
	pcmk_start "$name" "$k"
}

# <nvpair>s: ID NAME=VALUE...
pacemaker_nv() {
	local id=$1 kv
	shift
	for kv; do printf '<nvpair id="%s-%s" name="%s" value="%s"/>' "$id" "${kv%%=*}" "${kv%%=*}" "${kv#*=}"; done
}

# A primitive: ID CLASS PROVIDER TYPE LEVEL PARAM=VALUE... (LEVEL: the
# monitor's OCF_CHECK_LEVEL, or "-")
pacemaker_primitive() {
	local id=$1 class=$2 provider=$3 type=$4 level=$5
	shift 5
	printf '<primitive id="%s" class="%s"%s type="%s">' "$id" "$class" \
		"${provider:+ provider=\"$provider\"}" "$type"
	printf '<instance_attributes id="%s-params">%s</instance_attributes><operations>' "$id" "$(pacemaker_nv "$id-params" "$@")"
	if [ "$class" = stonith ]; then
		printf '<op id="%s-monitor" name="monitor" interval="60s" timeout="20s"/>' "$id"
	else
		printf '<op id="%s-start" name="start" interval="0" timeout="60s"/>' "$id"
		printf '<op id="%s-stop" name="stop" interval="0" timeout="60s"/>' "$id"
		printf '<op id="%s-monitor" name="monitor" interval="10s" timeout="20s"' "$id"
		if [ "$level" != - ]; then
			printf '><instance_attributes id="%s-monitor-level">%s</instance_attributes></op>' "$id" \
				"$(pacemaker_nv "$id-monitor-level" "OCF_CHECK_LEVEL=$level")"
		else
			printf '/>'
		fi
	fi
	printf '</operations></primitive>'
}

pacemaker_up() {
	local name=$1 k dev xml
	h_fence_broker_start "$name" || return 1
	for k in $(h_nodes "$name"); do
		pcmk_cib_init "$name" "$k" --stonith-enabled true || return 1
		pacemaker_fence_agent "$name" "$k" || return 1
		pcmk_ocf_relevo "$name" "$k" || return 1
	done
	for k in $(h_nodes "$name"); do pcmk_start "$name" "$k"; done
	h_wait 120 0.2 pcmk_online_is "$name" n1 "$(h_nodes "$name" | tr '\n' ' ' | sed 's/ $//')" ||
		{ h_die "Pacemaker: not all nodes online within 120 s"; return 1; }
	h_exec "$name" n1 crm_attribute --type crm_config --name stonith-action --update off ||
		return 1
	if [ -n "${BENCH_FENCE_DELAY:-}" ]; then
		h_exec "$name" n1 crm_attribute --type crm_config --name priority-fencing-delay \
			--update "$BENCH_FENCE_DELAY" || return 1
	fi
	dev=$(h_exec "$name" n1 "$(h_drbd_standin_ctl)" device spool)
	xml="<group id=\"$PCMK_BENCH_GROUP\"><meta_attributes id=\"relay-meta\">"
	xml+="$(pacemaker_nv relay-meta resource-stickiness=100 ${BENCH_FENCE_DELAY:+priority=10})</meta_attributes>"
	xml+=$(pacemaker_primitive spool ocf relevo spool - drbd_resource=spool "device=$dev" \
		mount_point=/var/spool/relevo fstype=none mount_options=bind mta_config_dir=/etc/postfix)
	xml+=$(pacemaker_primitive mta ocf relevo mta 10 config_dir=/etc/postfix \
		spool_dir=/var/spool/relevo "probe=$RELEVO_BUILDDIR/agent/tools/relevo-probe" \
		probe_timeout_ms=2000)
	xml+=$(pacemaker_primitive vip ocf heartbeat IPaddr2 - "ip=$(site_vip "$name")" \
		cidr_netmask=24 nic=eth0)
	xml+="</group>"
	xml+=$(pacemaker_primitive fence-harness stonith "" fence_harness - \
		"socket=$(h_fence_socket "$name")" "pcmk_host_list=$(h_nodes "$name" | tr '\n' ' ' | sed 's/ $//')")
	pcmk_cibadmin "$name" n1 --modify --xml-text "<configuration><resources>$xml</resources></configuration>" \
		> /dev/null || return 1
	h_wait 300 0.2 pacemaker_some_holder "$name" ||
		{ h_die "Pacemaker: the group did not start within 300 s"; return 1; }
}

pacemaker_some_holder() { [ -n "$(pacemaker_holder "$1")" ]; }

# The node every member of the group runs on, as a live node's Pacemaker
# sees it.
pacemaker_holder() {
	local name=$1 k where
	for k in $(h_nodes "$name"); do
		h_pid_alive "$(h_state "$name")/$k/init.pid" || continue
		where=$(pcmk_locate "$name" "$k" "$PCMK_BENCH_GROUP") || continue
		case $where in n[0-9]*) ;; *) continue ;; esac
		[ "${where#* }" = "$where" ] || continue
		echo "$where"
		return 0
	done
}

# Both online, the group on HOLDER, and nothing left to do.
pacemaker_settled() {
	local name=$1 all
	all=$(h_nodes "$name" | sort | tr '\n' ' ' | sed 's/ $//')
	pcmk_online_is "$name" "$2" "$all" && pcmk_online_is "$name" "$3" "$all" &&
		[ "$(pcmk_locate "$name" "$2" "$PCMK_BENCH_GROUP")" = "$2" ] &&
		pcmk_resource "$name" "$2" --wait --timeout=20s > /dev/null 2>&1
}

# pacemaker_repair NAME HOLDER OTHER: failed actions (a start that failed
# bans the node) are cleaned up, as an operator would.
pacemaker_repair() {
	pcmk_resource "$1" "$2" --cleanup > /dev/null 2>&1 && echo "crm_resource --cleanup"
}

# A planned move: crm_resource --move (a cli-prefer constraint for TO).
pacemaker_move() {
	pcmk_resource "$1" "$2" --move --resource "$PCMK_BENCH_GROUP" --node "$3" > /dev/null 2>&1
}
# The move's constraint goes; stickiness keeps the group where it is.
pacemaker_after_move() {
	pcmk_resource "$1" "$3" --clear --resource "$PCMK_BENCH_GROUP" > /dev/null 2>&1
}

# pacemaker_run_extra NAME SURVIVOR: how long the survivor's agents ran
# for their start (Pacemaker's own record, ms), and the survivor's timeline
# from its pacemaker.log (ms after the power-off, M_OFF_WALL): the
# controller seeing the node lost, the fence asked for and confirmed, each
# start begun and done. The log's wording is Pacemaker 2.1's.
pacemaker_run_extra() {
	local name=$1 k=$2 xml r t out="{}" log steps
	xml=$(pcmk_mon_xml "$name" "$k") || xml=""
	for r in spool mta vip; do
		t=$(pcmk_xpath "//node_history/node[@name=\"$k\"]/resource_history[@id=\"$r\"]/operation_history[@task=\"start\"]/@exec-time" <<< "$xml" | tail -n 1)
		out=$(jq -c --arg r "$r" --arg t "${t%ms}" '. + {($r + "_start_ms"): (if $t == "" then null else ($t | tonumber) end)}' <<< "$out")
	done
	log=$(h_state "$name")/$k/var-log/pacemaker/pacemaker.log
	steps=$(pacemaker_log_steps "$log" "${M_OFF_WALL:-0}")
	jq -c --argjson steps "${steps:-[]}" '{agents: ., timeline: $steps}' <<< "$out"
}

# pacemaker_log_steps LOG AFTER_WALL_US: [{step, at_ms}] from LOG, the first
# of each kind logged after AFTER_WALL_US, in ms after it.
pacemaker_log_steps() {
	local log=$1 after=$2 mon day time step us seen=" " first=1
	[ -r "$log" ] || { echo '[]'; return 0; }
	printf '['
	while IFS='|' read -r mon day time step; do
		case $seen in *" $step "*) continue ;; esac
		us=$(date -d "$mon $day $time" +%s%6N 2> /dev/null) || continue
		[ "$us" -ge "$after" ] || continue
		seen="$seen$step "
		[ $first = 1 ] || printf ','
		first=0
		printf '{"step":"%s","at_ms":%s}' "$step" "$(( (us - after) / 100 ))e-1"
	done < <(sed -n -E \
		-e "s/^([A-Z][a-z]{2}) +([0-9]+) ([0-9:.]+) .*Cluster node [^ ]+ is now lost.*/\\1|\\2|\\3|node lost/p" \
		-e "s/^([A-Z][a-z]{2}) +([0-9]+) ([0-9:.]+) .*Requesting peer fencing \\(([a-z]+)\\).*/\\1|\\2|\\3|fence \\4 requested/p" \
		-e "s/^([A-Z][a-z]{2}) +([0-9]+) ([0-9:.]+) .*Operation '([a-z]+)' targeting [^ ]+ by [^ ]+ .*: OK.*/\\1|\\2|\\3|fence \\4 done/p" \
		-e "s/^([A-Z][a-z]{2}) +([0-9]+) ([0-9:.]+) .*Initiating start operation ([A-Za-z0-9_-]+)_start_0 locally.*/\\1|\\2|\\3|\\4 start/p" \
		-e "s/^([A-Z][a-z]{2}) +([0-9]+) ([0-9:.]+) .*Result of start operation for ([A-Za-z0-9_-]+) on [^ ]+: ok.*/\\1|\\2|\\3|\\4 up/p" \
		"$log" | tail -n 200)
	printf ']\n'
}
