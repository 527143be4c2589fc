# shellcheck shell=bash
# report.sh — the benchmark's results: one JSON document from the runs'
# records, the table printed at the end, and the chart (gnuplot).
#
# Each configuration (a stack and a corosync token) left in its directory:
# describe.json (settings), failover.jsonl and moves.jsonl (one record per
# run) and, for relevo, footprint.json. Statistics are over the runs that
# completed: median (the mean of the middle two for an even count), p95
# (nearest rank), min, max. This file computes and prints; it never runs a
# cluster.

# The jq definitions shared by the document and the table.
# shellcheck disable=SC2016 # jq's own $variables
R_JQ_DEFS='
def stats: map(select(. != null)) | sort as $s | ($s | length) as $n
	| if $n == 0 then null else {
		n: $n,
		median: (if $n % 2 == 1 then $s[($n - 1) / 2] else ($s[$n / 2 - 1] + $s[$n / 2]) / 2 end),
		p95: $s[((($n * 0.95) | ceil) - 1)],
		min: $s[0], max: $s[-1] } end;
def r1: if . == null then null else (. * 10 | round) / 10 end;
def ratio($a; $b): if $a == null or $b == null or $b == 0 then null else ($a / $b * 1000 | round) / 1000 end;
'

# r_config_json DIR STACK TOKEN: one configuration's object.
r_config_json() {
	local dir=$1 stack=$2 token=$3
	jq -n --arg stack "$stack" --arg token "$token" \
		--slurpfile d <(cat "$dir/describe.json" 2> /dev/null || echo null) \
		--slurpfile f <(cat "$dir/failover.jsonl" 2> /dev/null) \
		--slurpfile m <(cat "$dir/moves.jsonl" 2> /dev/null) \
		--slurpfile fp <(cat "$dir/footprint.json" 2> /dev/null || echo null) \
		--slurpfile rep <(cat "$dir/repairs.jsonl" 2> /dev/null) \
		--arg aborted "$(cat "$dir/aborted" 2> /dev/null)" "$R_JQ_DEFS"'
		($f | map(select(.ok))) as $fo | ($m | map(select(.ok))) as $mo
		| {
			stack: $stack,
			corosync_token_ms: (if $token == "-" then null else ($token | tonumber) end),
			settings: $d[0],
			aborted: (if $aborted == "" then null else $aborted end),
			repairs: $rep,
			failover: {
				runs_done: ($fo | length), runs_failed: (($f | length) - ($fo | length)),
				ms: ($fo | map(.failover_ms) | stats),
				verdict_ms: ($fo | map(.verdict_ms) | stats),
				after_verdict_ms: ($fo | map(.after_verdict_ms) | stats),
				victims: ($fo | map(.victim) | group_by(.) | map({(.[0]): length}) | add),
				runs: $f
			},
			planned_move: {
				runs_done: ($mo | length), runs_failed: (($m | length) - ($mo | length)),
				gap_ms: ($mo | map(.gap_ms) | stats),
				refused: ($mo | map(.counts.refused) | add),
				reset: ($mo | map(.counts.reset) | add),
				timeout: ($mo | map(.counts.timeout) | add),
				unreachable: ($mo | map(.counts.unreachable) | add),
				other: ($mo | map(.counts.other) | add),
				failures_after_new: ($mo | map(.failures_after_new) | add),
				runs: $m
			},
			footprint: $fp[0]
		}'
}

# r_document OUT.json: everything, with ratios and the goals of issue 7.
r_document() {
	local out=$1 c parts=()
	for c in "${BENCH_CONFIGS[@]}"; do
		r_config_json "$BENCH_WORK/${c%%:*}-${c#*:}" "${c%%:*}" "${c#*:}" > "$BENCH_WORK/${c%%:*}-${c#*:}.json" ||
			return 1
		parts+=("$BENCH_WORK/${c%%:*}-${c#*:}.json")
	done
	jq -s --argjson meta "$(r_meta)" "$R_JQ_DEFS"'
		. as $cs
		| def cfg($s; $t): $cs | map(select(.stack == $s and .corosync_token_ms == $t)) | first;
		def med($c): $c.failover.ms.median;
		($cs | map(select(.stack == "keepalived")) | first) as $ka
		| ($cs | map(.corosync_token_ms | select(. != null)) | unique) as $tokens
		| $meta + {
			configurations: $cs,
			by_token: ($tokens | map(. as $t | cfg("relevo"; $t) as $r | cfg("pacemaker"; $t) as $p | {
				key: ($t | tostring),
				value: {
					relevo_median_ms: med($r), pacemaker_median_ms: med($p),
					keepalived_median_ms: med($ka),
					ratio_relevo_pacemaker_median: ratio(med($r); med($p)),
					ratio_relevo_keepalived_median: ratio(med($r); med($ka)),
					goals: {
						relevo_le_085_pacemaker: (if med($r) and med($p) then med($r) <= 0.85 * med($p) else null end),
						relevo_le_075_keepalived: (if med($r) and med($ka) then med($r) <= 0.75 * med($ka) else null end),
						relevo_worst_le_pacemaker_median: (if $r.failover.ms and med($p) then $r.failover.ms.max <= med($p) else null end),
						relevo_after_verdict_median_le_250ms: (if $r.failover.after_verdict_ms then $r.failover.after_verdict_ms.median <= 250 else null end),
						relevo_switchover_no_refused_or_reset: (if $r.planned_move.runs_done > 0 then ($r.planned_move.refused + $r.planned_move.reset) == 0 else null end),
						relevo_switchover_gap_le_1500ms: (if $r.planned_move.gap_ms then $r.planned_move.gap_ms.max <= 1500 else null end)
					}
				}}) | from_entries)
		}' "${parts[@]}" > "$out"
}

# Date, machine, load, versions and the settings of the whole run.
r_meta() {
	local cpu mem
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	jq -cn --arg date "$BENCH_DATE" --arg cpu "$cpu" --arg mem "$mem" --arg cores "$(nproc)" \
		--arg kernel "$(uname -r)" --arg load0 "$BENCH_LOAD0" --arg load1 "$(cut -d' ' -f1-3 /proc/loadavg)" \
		--arg corosync "$(corosync -v 2> /dev/null | sed -n 's/.*version \x27\{0,1\}\([0-9.]*\).*/\1/p' | head -n 1)" \
		--arg pacemaker "$(pacemakerd --version 2> /dev/null | awk 'NR == 1 { print $2 }')" \
		--arg keepalived "$(keepalived --version 2>&1 | awk 'NR == 1 { sub(/^v/, "", $2); print $2 }')" \
		--arg postfix "$(postconf -d -h mail_version 2> /dev/null)" \
		--arg relevo "$(git -C "$RELEVO_SRCDIR" describe --always --dirty 2> /dev/null || echo unknown)" \
		--argjson runs "$BENCH_RUNS" --argjson moves "$BENCH_MOVES" --arg seed "$BENCH_SEED" \
		--argjson interval "$M_PROBE_INTERVAL_MS" --argjson connect "$M_CONNECT_MS" --argjson banner "$M_BANNER_MS" \
		--arg elapsed "$(( $(h_now_ms) / 1000 - BENCH_T0 ))" '{
		schema: 1,
		date: $date,
		machine: {cpu: $cpu, cores: ($cores | tonumber), memory: $mem, kernel: $kernel,
			loadavg_before: $load0, loadavg_after: $load1},
		versions: {corosync: $corosync, pacemaker: $pacemaker, keepalived: $keepalived,
			postfix: $postfix, relevo: $relevo},
		settings: {
			runs: $runs, planned_moves: $moves, seed: $seed,
			probe: {interval_ms: $interval, connect_timeout_ms: $connect, banner_timeout_ms: $banner},
			measure: "power-off (kill -9 of the node PID 1, switch port down) of the node holding the floating IP at a random moment (0-999 ms into a steady second of probing) -> first SMTP 220 naming the survivor received by a new connection from the client namespace; the victim boots back and rejoins before the next run",
			verdict: "corosync: the survivor logging the membership without the victim; keepalived: the survivor running notify_master",
			planned_move: "gap: last 220 from the old node to the first from the new; counts: attempts that ended after the command and started before the first 220 from the new node"
		},
		elapsed_s: ($elapsed | tonumber)
	}'
}

# r_table DOC: the table, for people.
r_table() {
	jq -r "$R_JQ_DEFS"'
		def f: if . == null then "-" else (r1 | tostring) end;
		def pad($n): tostring | if length >= $n then . else . + (" " * ($n - length)) end;
		def lpad($n): tostring | if length >= $n then . else (" " * ($n - length)) + . end;
		"relevo failover benchmark, \(.date); \(.machine.cpu), \(.machine.cores) cores, load \(.machine.loadavg_before) before, \(.machine.loadavg_after) after",
		"corosync \(.versions.corosync), Pacemaker \(.versions.pacemaker), keepalived \(.versions.keepalived), Postfix \(.versions.postfix), relevo \(.versions.relevo); \(.settings.runs) power-offs and \(.settings.planned_moves) planned moves per stack, probe every \(.settings.probe.interval_ms) ms",
		"",
		([["", 10], ["", 5], ["", 8], ["failover, ms", 35], ["verdict", 8], ["after", 8], ["planned move, ms", 17], ["connections", 21]]
			| map(. as [$t, $w] | $t | pad($w)) | join(" ")),
		([["stack", -10], ["token", 5], ["fencing", 8], ["median", 8], ["p95", 8], ["min", 8], ["max", 8],
			["median", 8], ["median", 8], ["gap med", 8], ["gap max", 8], ["refused", 7], ["reset", 5], ["timeout", 7]]
			| map(. as [$t, $w] | $t | if $w < 0 then pad(-$w) else lpad($w) end) | join(" ")),
		(.configurations[] |
			(.failover.ms // {}) as $s | (.planned_move.gap_ms // {}) as $g |
			([[.stack, -10], [(.corosync_token_ms // "-"), 5], [((.settings.fencing // "-") + (if .settings.fence_delay then " " + (.settings.fence_delay | split(" ")[0]) else "" end)), 8],
			  [($s.median | f), 8], [($s.p95 | f), 8], [($s.min | f), 8], [($s.max | f), 8],
			  [(.failover.verdict_ms.median | f), 8], [(.failover.after_verdict_ms.median | f), 8],
			  [($g.median | f), 8], [($g.max | f), 8], [(.planned_move.refused // "-"), 7],
			  [(.planned_move.reset // "-"), 5], [(.planned_move.timeout // "-"), 7]]
			 | map(. as [$t, $w] | $t | tostring | if $w < 0 then pad(-$w) else lpad($w) end) | join(" ")) +
			(if .aborted then "  (aborted: \(.aborted))" else "" end) +
			(if .failover.runs_failed > 0 then "  (\(.failover.runs_failed) failed runs)" else "" end) +
			(if (.repairs | length) > 0 then "  (\(.repairs | length) repairs)" else "" end)),
		"",
		(.by_token | to_entries[] |
			"token \(.key): relevo/Pacemaker median \(.value.ratio_relevo_pacemaker_median // "-"), relevo/keepalived median \(.value.ratio_relevo_keepalived_median // "-")",
			(.value.goals | to_entries[] | "  goal \(.key): \(if .value == null then "not measured" elif .value then "met" else "NOT met" end)")),
		([.configurations[] | (.failover.runs + .planned_move.runs)[] | .probe_spacing_ms | select(. != null)] as $sp
			| if ($sp | length) > 0 then
				"probe spacing (aimed at \(.settings.probe.interval_ms) ms): median of the runs\u0027 medians \([$sp[].median] | stats | .median | r1) ms, worst gap \([$sp[].max] | max | r1) ms"
			else empty end),
		(.configurations[] | select(.stack == "relevo" and .footprint) |
			"relevod footprint (token \(.corosync_token_ms)): RSS \(.footprint.active.rss_kb) KiB active, \(.footprint.standby.rss_kb) KiB standby; idle CPU \(.footprint.active.cpu_percent)% active, \(.footprint.standby.cpu_percent)% standby; CPU during a failover median \([.failover.runs[] | .extra.relevod_cpu_ms] | stats | .median // "-") ms; relevo status \(.footprint.status_latency_ms.median) ms median")
	' "$1"
}

# r_chart DOC PNG: the distributions of the failover time and of the planned
# move's gap, one column per configuration (a box and every run as a point);
# a panel without any completed run is left out.
r_chart() {
	local doc=$1 png=$2 dat labels n term panels=0 col
	command -v gnuplot > /dev/null || { echo "bench: no gnuplot, no chart" >&2; return 0; }
	dat=$BENCH_WORK/chart.dat
	jq -r '.configurations | to_entries[] | .key as $i |
		(.value.failover.runs[] | select(.ok) | "\($i + 1) \(.failover_ms) 0"),
		(.value.planned_move.runs[] | select(.ok and .gap_ms != null) | "\($i + 1) 0 \(.gap_ms)")' "$doc" > "$dat"
	labels=$(jq -r '[.configurations | to_entries[] |
		"\"\(.value.stack)\\n\(if .value.corosync_token_ms then "token \(.value.corosync_token_ms)" else "VRRP 1 s" end)\" \(.key + 1)"] | join(", ")' "$doc")
	n=$(jq '.configurations | length' "$doc")
	! awk '$2 > 0 { f = 1 } END { exit !f }' "$dat" || panels=$((panels + 1))
	! awk '$3 > 0 { f = 1 } END { exit !f }' "$dat" || panels=$((panels + 1))
	[ "$panels" -gt 0 ] || { echo "bench: no completed runs, no chart" >&2; return 0; }
	term="pngcairo size $((600 * panels)),560 font 'sans,10'"
	gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo || term="png size $((600 * panels)),560"
	{
		cat <<-EOF
		set terminal $term
		set output '$png'
		set multiplot layout 1,$panels title "relevo, Pacemaker, keepalived: $(jq -r '.date' "$doc"), $(jq -r '.settings.runs' "$doc") runs each"
		set style fill solid 0.25 border -1
		set style boxplot nooutliers
		set jitter spread 0.4
		set style data boxplot
		set boxwidth 0.5
		set xtics ($labels) scale 0
		set xrange [0.4:$n + 0.6]
		set grid ytics
		set bmargin 4
		set key off
		set ylabel "ms"
		set yrange [0:*]
		EOF
		for col in 2 3; do
			awk -v c=$col '$c > 0 { f = 1 } END { exit !f }' "$dat" || continue
			if [ $col = 2 ]; then
				echo 'set title "power-off of the active node -> first SMTP 220 from the survivor"'
			else
				echo 'set title "planned move: last 220 from the old node -> first from the new"'
			fi
			# one box per configuration that has data (gnuplot refuses an empty one)
			printf 'plot '
			for i in $(seq 1 "$n"); do
				awk -v c=$col -v i="$i" '$1 == i && $c > 0 { f = 1 } END { exit !f }' "$dat" || continue
				printf "'%s' using (%d):(\$1 == %d && \$%d > 0 ? \$%d : 1/0) lc rgb '#3060a0', " \
					"$dat" "$i" "$i" "$col" "$col"
			done
			printf "'%s' using 1:(\$%d > 0 ? \$%d : 1/0) with points pointtype 7 pointsize 0.6 lc rgb '#a04030'\n" \
				"$dat" "$col" "$col"
		done
		echo 'unset multiplot'
	} > "$BENCH_WORK/chart.gp"
	gnuplot "$BENCH_WORK/chart.gp"
}
