#!/usr/bin/env bash
# bench.sh — the failover benchmark of issue 7 (`make bench`, root): relevo,
# Pacemaker + corosync and keepalived, one after another on the same two
# harness nodes (tests/integration/lib/harness.sh: network namespaces, real
# corosync, real Postfix, the DRBD stand-in), each relaying mail on a
# floating IP; see README.md for the method.
#
# For each configuration — relevo and Pacemaker with corosync token 1000 ms
# and 3000 ms (corosync's default), keepalived once — on fresh nodes:
#   BENCH_RUNS power-offs of the node holding the floating IP (the victim
#     alternates: it rejoins and the survivor keeps the site), each measured
#     by the prober in the client namespace (prober.c): power-off -> first
#     SMTP 220 naming the survivor, and when corosync (keepalived) saw it;
#   BENCH_MOVES planned moves (relevo switchover, crm_resource --move,
#     keepalived stop), counting refused, reset and timed-out connections and
#     the gap in service.
# Then one JSON document in BENCH_RESULTS (default: results/ next to this
# file), bench-DATE.json, its chart bench-DATE.png, and the table on stdout.
#
# Environment: BENCH_RUNS (20), BENCH_MOVES (BENCH_RUNS), BENCH_TOKENS
# ("1000 3000"), BENCH_STACKS ("relevo pacemaker keepalived"), BENCH_SEED
# (the random moments), BENCH_RELEVO_FENCING (auto|on|off), BENCH_FENCE_DELAY
# (each stack's default; e.g. 0s or 5s sets relevo's fence-delay and
# Pacemaker's priority-fencing-delay alike), BENCH_IDLE_S (10),
# BENCH_KEEP_WORK=1 keeps the raw CSVs and logs; RELEVO_BUILDDIR (set by
# make) and BENCH_PROBER (its prober).
#
# Everything it starts lives in namespaces it made and is torn down on any
# exit (traps); it never touches the host's network, and every wait is
# bounded.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
integ=$(cd "$here/../integration" && pwd)
# shellcheck source=../integration/lib/harness.sh
. "$integ/lib/harness.sh"
# shellcheck source=../integration/lib/site.sh
. "$integ/lib/site.sh"
# shellcheck source=../integration/lib/pacemaker.sh
. "$integ/lib/pacemaker.sh"
. "$here/lib/measure.sh"
. "$here/lib/stack-relevo.sh"
. "$here/lib/stack-pacemaker.sh"
. "$here/lib/stack-keepalived.sh"
. "$here/lib/report.sh"

b_log() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
b_die() { b_log "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || b_die "the benchmark needs root (namespaces, bridges, nftables)"
BENCH_PROBER=${BENCH_PROBER:-$RELEVO_BUILDDIR/tests/bench/prober}
[ -x "$BENCH_PROBER" ] || b_die "no prober at $BENCH_PROBER (build it: make -C tests/bench prober)"
[ -x "$RELEVOD" ] || b_die "no relevod at $RELEVOD: set RELEVO_BUILDDIR to a build tree"
for tool in jq corosync pacemakerd keepalived postfix smtp-sink nc xmllint flock; do
	command -v "$tool" > /dev/null || b_die "$tool is missing (packaging/install-deps.sh installs it)"
done

BENCH_RUNS=${BENCH_RUNS:-20}
BENCH_MOVES=${BENCH_MOVES:-$BENCH_RUNS}
BENCH_TOKENS=${BENCH_TOKENS:-1000 3000}
BENCH_STACKS=${BENCH_STACKS:-relevo pacemaker keepalived}
BENCH_SEED=${BENCH_SEED:-$$}
BENCH_RESULTS=${BENCH_RESULTS:-$here/results}
case "$BENCH_RUNS$BENCH_MOVES" in *[!0-9]*) b_die "BENCH_RUNS and BENCH_MOVES are counts" ;; esac
case ${BENCH_FENCE_DELAY:-0s} in *[0-9]s) ;; *) b_die "BENCH_FENCE_DELAY is seconds, e.g. 0s or 5s" ;; esac
case ${BENCH_FENCE_DELAY:-0s} in *[!0-9s]*) b_die "BENCH_FENCE_DELAY is seconds, e.g. 0s or 5s" ;; esac
for s in $BENCH_STACKS; do
	case $s in relevo | pacemaker | keepalived) ;; *) b_die "unknown stack '$s' in BENCH_STACKS" ;; esac
done
for t in $BENCH_TOKENS; do
	case $t in "" | *[!0-9]*) b_die "BENCH_TOKENS are corosync token timeouts in ms: '$t'" ;; esac
done
RANDOM=$BENCH_SEED

BENCH_WORK=$(mktemp -d /tmp/relevo-bench.XXXXXX)
export RELEVO_HARNESS_ROOT=$BENCH_WORK/harness
BENCH_CLUSTERS=""
BENCH_DONE=0
b_cleanup() {
	local c
	trap - EXIT INT TERM
	for c in $BENCH_CLUSTERS; do h_down "$c" > /dev/null 2>&1 || b_log "warning: teardown of $c left processes"; done
	if [ "${BENCH_KEEP_WORK:-0}" != 0 ] || [ "$BENCH_DONE" = 0 ]; then
		b_log "raw data and logs kept in $BENCH_WORK"
	else
		rm -rf "$BENCH_WORK"
	fi
}
trap b_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

BENCH_CONFIGS=()
for t in $BENCH_TOKENS; do
	for s in relevo pacemaker; do
		case " $BENCH_STACKS " in *" $s "*) BENCH_CONFIGS+=("$s:$t") ;; esac
	done
done
case " $BENCH_STACKS " in *" keepalived "*) BENCH_CONFIGS+=("keepalived:-") ;; esac
[ ${#BENCH_CONFIGS[@]} -gt 0 ] || b_die "nothing to run (BENCH_STACKS, BENCH_TOKENS)"

# ---------------------------------------------------------------- one run

other_of() { if [ "$2" = n1 ]; then echo n2; else echo n1; fi; }

# A random moment: 0-999 ms more of steady service before the fault, so it
# falls anywhere in corosync's token rotation and keepalived's advert period.
random_pause() { sleep "0.$(printf '%03d' $(( RANDOM % 1000 )))"; }

# b_settle NAME STACK HOLDER OTHER DIR WHEN: wait until the site is on
# HOLDER with OTHER standing by; if it is not within 180 s, let the stack
# repair what an operator would (recorded in DIR/repairs.jsonl) and wait
# again.
b_settle() {
	local name=$1 stack=$2 holder=$3 other=$4 dir=$5 when=$6 did
	h_wait 180 0.25 "${stack}_settled" "$name" "$holder" "$other" && return 0
	declare -F "${stack}_repair" > /dev/null || return 1
	did=$("${stack}_repair" "$name" "$holder" "$other")
	[ -n "$did" ] || return 1
	b_log "$stack: not settled $when; repaired: $did"
	jq -cn --arg when "$when" --arg did "$did" '{when: $when, repair: $did}' >> "$dir/repairs.jsonl"
	h_wait 180 0.25 "${stack}_settled" "$name" "$holder" "$other"
}

# b_rejoin NAME STACK K HOLDER DIR: boot K again and bring it back as standby.
b_rejoin() {
	local name=$1 stack=$2 k=$3 holder=$4
	h_boot "$name" "$k" || return 1
	if "${stack}_uses_corosync"; then h_corosync_start "$name" "$k" || return 1; fi
	site_mail_node "$name" "$k" || return 1
	"${stack}_node_start" "$name" "$k" || return 1
	b_settle "$name" "$stack" "$holder" "$k" "$5" "after $k rejoined"
}

# b_poweroff_run NAME STACK DIR I: one failover; appends its record.
b_poweroff_run() {
	local name=$1 stack=$2 dir=$3 i=$4 holder other csv t0 first ana verdict="" extra="{}" rec why=""
	holder=$("${stack}_holder" "$name")
	[ -n "$holder" ] || { b_log "run $i: nobody holds the site"; return 2; }
	other=$(other_of "$name" "$holder")
	csv=$dir/failover-$i.csv
	m_probe_start "$name" "$csv"
	t0=$(m_now)
	if ! m_wait_oks "$csv" "$holder" "$t0" 10 30; then
		m_probe_stop "$name"
		b_log "run $i: $holder does not answer on the floating IP"
		return 2
	fi
	random_pause
	! declare -F "${stack}_pre_off" > /dev/null || "${stack}_pre_off" "$name" "$other"
	m_poweroff "$name" "$holder" || { m_probe_stop "$name"; return 2; }
	if h_wait 120 0.05 m_ok_after "$csv" "$other" "$M_OFF"; then
		first=$(m_first_ok_after "$csv" "$other" "$M_OFF")
		# some more service from the survivor, for the record
		h_wait 10 0.05 m_oks_at_least "$csv" "$other" "$first" 10 || true
	else
		why="no 220 from $other within 120 s of the power-off"
	fi
	m_probe_stop "$name"
	ana=$(m_analyse "$csv" "$M_OFF" "$holder" "$other")
	if "${stack}_uses_corosync"; then
		verdict=$(m_corosync_verdict "$name" "$other" "$M_OFF_WALL")
		[ -z "$verdict" ] || verdict=$(( verdict - M_OFFSET ))
	fi
	extra=$("${stack}_run_extra" "$name" "$other" 2> /dev/null) || extra="{}"
	[ -n "$extra" ] || extra="{}"
	if [ "$stack" = keepalived ]; then
		verdict=$(jq -r '.master_begin_wall_us // empty' <<< "$extra")
		[ -z "$verdict" ] || verdict=$(( verdict - M_OFFSET ))
	fi
	rec=$(jq -c --argjson i "$i" --arg victim "$holder" --arg survivor "$other" \
		--argjson off "$M_OFF" --argjson offcmd "$M_OFF_CMD_US" --arg verdict "$verdict" --arg why "$why" \
		--argjson extra "$extra" --argjson spacing "$(m_spacing "$csv")" '
		(if $verdict == "" then null else (($verdict | tonumber) - $off) / 1000 end) as $v
		| {run: $i, ok: ($why == "" and .first_new_ms != null), why: (if $why == "" then null else $why end),
		   victim: $victim, survivor: $survivor, off_mono_us: $off,
		   off_command_ms: ($offcmd / 1000),
		   failover_ms: .first_new_ms,
		   trigger_ms: (if $extra.trigger_mono_us then
			((($extra.trigger_mono_us - $off) / 100 | round) / 10) else null end),
		   verdict_ms: (if $v == null then null else ($v * 10 | round) / 10 end),
		   after_verdict_ms: (if $v == null or .first_new_ms == null then null
			else ((.first_new_ms - $v) * 10 | round) / 10 end),
		   counts, old_after_new, attempts, probe_spacing_ms: $spacing, extra: $extra}' <<< "$ana")
	echo "$rec" >> "$dir/failover.jsonl"
	b_log "$stack ${BENCH_TOKEN_NOW}: power-off $i/$BENCH_RUNS of $holder: $(jq -r '"\(.failover_ms // "-") ms to the first 220 from \(.survivor) (verdict at \(.verdict_ms // "-") ms)"' <<< "$rec")${why:+ — $why}"
	b_rejoin "$name" "$stack" "$holder" "$other" "$dir" ||
		{ b_log "run $i: $holder did not rejoin as standby"; return 2; }
}

# b_move_run NAME STACK DIR I: one planned move; appends its record.
b_move_run() {
	local name=$1 stack=$2 dir=$3 i=$4 holder other csv t0 tc cmd_rc=0 cmd_ms first ana rec why="" extra
	holder=$("${stack}_holder" "$name")
	[ -n "$holder" ] || { b_log "move $i: nobody holds the site"; return 2; }
	other=$(other_of "$name" "$holder")
	csv=$dir/move-$i.csv
	m_probe_start "$name" "$csv"
	t0=$(m_now)
	if ! m_wait_oks "$csv" "$holder" "$t0" 10 30; then
		m_probe_stop "$name"
		b_log "move $i: $holder does not answer on the floating IP"
		return 2
	fi
	random_pause
	! declare -F "${stack}_pre_off" > /dev/null || "${stack}_pre_off" "$name" "$other"
	M_OFFSET=$(m_offset)
	tc=$(m_now)
	M_OFF_WALL=$(( tc + M_OFFSET ))
	"${stack}_move" "$name" "$holder" "$other" || cmd_rc=$?
	cmd_ms=$(( ($(m_now) - tc) / 1000 ))
	if h_wait 60 0.05 m_ok_after "$csv" "$other" "$tc"; then
		first=$(m_first_ok_after "$csv" "$other" "$tc")
		h_wait 10 0.05 m_oks_at_least "$csv" "$other" "$first" 20 || true
	else
		why="no 220 from $other within 60 s of the move (command exit $cmd_rc)"
	fi
	m_probe_stop "$name"
	ana=$(m_analyse "$csv" "$tc" "$holder" "$other")
	first=$(m_first_ok_after "$csv" "$other" "$tc")
	extra=$("${stack}_run_extra" "$name" "$other" 2> /dev/null) || extra="{}"
	[ -n "$extra" ] || extra="{}"
	rec=$(jq -c --argjson i "$i" --arg from "$holder" --arg to "$other" --arg why "$why" \
		--argjson cmd_ms "$cmd_ms" --argjson cmd_rc "$cmd_rc" --argjson extra "$extra" \
		--argjson spacing "$(m_spacing "$csv")" \
		--argjson after "$(awk -F, -v first="${first:-0}" 'NR > 1 && first > 0 && $1 * 1000 >= first && $3 != "ok" { n++ } END { print n + 0 }' "$csv")" '
		{run: $i, ok: ($why == "" and .first_new_ms != null), why: (if $why == "" then null else $why end),
		 from: $from, to: $to, command_ms: $cmd_ms, command_rc: $cmd_rc,
		 first_new_ms, last_old_ms, gap_ms, counts, failures_after_new: $after,
		 old_after_new, attempts, probe_spacing_ms: $spacing, extra: $extra}' <<< "$ana")
	echo "$rec" >> "$dir/moves.jsonl"
	b_log "$stack ${BENCH_TOKEN_NOW}: planned move $i/$BENCH_MOVES $holder -> $other: $(jq -r '"gap \(.gap_ms // "-") ms, refused \(.counts.refused), reset \(.counts.reset), timeout \(.counts.timeout)"' <<< "$rec")${why:+ — $why}"
	"${stack}_after_move" "$name" "$holder" "$other" || true
	b_settle "$name" "$stack" "$other" "$holder" "$dir" "after planned move $i" ||
		{ b_log "move $i: the site did not settle on $other with $holder standing by"; return 2; }
}

# ---------------------------------------------------------------- one configuration

b_config() {
	local stack=$1 token=$2 idx=$3 name dir holder other k i
	name=b$$c$idx
	dir=$BENCH_WORK/$stack-$token
	BENCH_TOKEN_NOW=$([ "$token" = - ] && echo "(VRRP)" || echo "token $token")
	mkdir -p "$dir"
	BENCH_CLUSTERS="$BENCH_CLUSTERS $name"
	b_log "$stack $BENCH_TOKEN_NOW: bringing the site up on cluster $name"
	# keepalived uses no corosync: its token is moot
	if ! h_up "$name" --nodes 2 --token "$([ "$token" = - ] && echo 1000 || echo "$token")" 2> "$dir/up.log"; then
		echo "the harness did not come up" > "$dir/aborted"
		return 1
	fi
	if "${stack}_uses_corosync"; then
		for k in $(h_nodes "$name"); do h_corosync_start "$name" "$k" 2>> "$dir/up.log"; done
	fi
	site_mail_setup "$name" 2>> "$dir/up.log"
	if ! "${stack}_up" "$name" 2>> "$dir/up.log"; then
		echo "the stack did not come up" > "$dir/aborted"
		b_log "$stack: did not come up (see $dir/up.log)"
		H_KEEP_LOGS=$dir/nodes h_down "$name" > /dev/null 2>&1
		return 1
	fi
	holder=$("${stack}_holder" "$name")
	other=$(other_of "$name" "$holder")
	if ! b_settle "$name" "$stack" "$holder" "$other" "$dir" "after the start"; then
		echo "the site did not settle after start" > "$dir/aborted"
		H_KEEP_LOGS=$dir/nodes h_down "$name" > /dev/null 2>&1
		return 1
	fi
	"${stack}_describe" "$name" > "$dir/describe.json"
	if declare -F "${stack}_footprint" > /dev/null; then
		"${stack}_footprint" "$name" "$holder" "$other" > "$dir/footprint.json" || rm -f "$dir/footprint.json"
	fi
	for i in $(seq 1 "$BENCH_RUNS"); do
		b_poweroff_run "$name" "$stack" "$dir" "$i" && continue
		echo "power-off run $i could not complete (see the log)" > "$dir/aborted"
		break
	done
	if [ ! -e "$dir/aborted" ]; then
		for i in $(seq 1 "$BENCH_MOVES"); do
			b_move_run "$name" "$stack" "$dir" "$i" && continue
			echo "planned move $i could not complete (see the log)" > "$dir/aborted"
			break
		done
	fi
	if [ "${BENCH_KEEP_WORK:-0}" != 0 ] || [ -e "$dir/aborted" ]; then
		H_KEEP_LOGS=$dir/nodes h_down "$name" > /dev/null 2>&1
	else
		h_down "$name" > /dev/null 2>&1
	fi
}

# ---------------------------------------------------------------- main

BENCH_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
BENCH_LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
BENCH_T0=$(( $(h_now_ms) / 1000 ))
b_log "configurations: ${BENCH_CONFIGS[*]}; $BENCH_RUNS power-offs and $BENCH_MOVES planned moves each; load $BENCH_LOAD0; work in $BENCH_WORK"
if [ "$(awk -v n="$(nproc)" '{ print ($1 > n / 2) }' /proc/loadavg)" = 1 ]; then
	b_log "warning: the machine is busy (load ${BENCH_LOAD0%% *} on $(nproc) cores): the agents and Postfix's scripts slow down with it, and so will every time measured"
fi
idx=0
for c in "${BENCH_CONFIGS[@]}"; do
	idx=$((idx + 1))
	b_config "${c%%:*}" "${c#*:}" "$idx"
	if [ -e "$BENCH_WORK/${c%%:*}-${c#*:}/aborted" ]; then
		b_log "${c%%:*} ${c#*:}: aborted: $(cat "$BENCH_WORK/${c%%:*}-${c#*:}/aborted")"
		BENCH_KEEP_WORK=1
	fi
done

mkdir -p "$BENCH_RESULTS"
stamp=$(date -u -d "$BENCH_DATE" +%Y%m%d-%H%M%S)
doc=$BENCH_RESULTS/bench-$stamp.json
r_document "$doc" || b_die "could not write $doc"
r_chart "$doc" "$BENCH_RESULTS/bench-$stamp.png" || b_log "warning: no chart"
BENCH_DONE=1
echo
r_table "$doc"
echo
echo "results: $doc${BENCH_RESULTS:+, chart: $BENCH_RESULTS/bench-$stamp.png}"
