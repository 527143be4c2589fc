# shellcheck shell=bash
# measure.sh — the benchmark's stopwatch: the prober in the client namespace,
# the power-off stamped on the prober's clock, and what a prober's CSV says
# about one failover or one planned move.
#
# Times are integers in microseconds of CLOCK_MONOTONIC (the prober's clock,
# one clock for every namespace of the host) unless a name ends in _ms.
# Wall-clock stamps (corosync's log, bash's EPOCHREALTIME, `date` in a notify
# script) are put on that axis with the offset `prober clock` reads back to
# back; the offset is re-read for every run.
#
# Needs lib/harness.sh and lib/site.sh of tests/integration, and
# BENCH_PROBER (the built prober). It must never stop or kill anything but
# the prober it started, by its recorded pid.

M_PROBE_INTERVAL_MS=${BENCH_PROBE_INTERVAL_MS:-50}
M_CONNECT_MS=${BENCH_CONNECT_MS:-3000}
M_BANNER_MS=${BENCH_BANNER_MS:-2000}

# "MONO_US REAL_US" read back to back by the prober.
m_clock() {
	local mono real
	read -r mono real < <("$BENCH_PROBER" clock) || return 1
	echo "${mono/./} ${real/./}"
}

# CLOCK_REALTIME minus CLOCK_MONOTONIC, in µs.
m_offset() {
	local mono real
	read -r mono real < <(m_clock) || return 1
	echo $(( real - mono ))
}

# Now on the prober's clock, in µs.
m_now() { local mono _; read -r mono _ < <(m_clock); echo "$mono"; }

# m_wall_to_mono WALL_US OFFSET_US
m_wall_to_mono() { echo $(( $1 - $2 )); }

# ---------------------------------------------------------------- prober

# m_probe_start NAME CSV: the prober in NAME's client, against the floating
# IP's port 25, one attempt every M_PROBE_INTERVAL_MS, bounded to 15 min.
m_probe_start() {
	local name=$1 csv=$2
	rm -f "$csv"
	h_start "$name" client prober "$BENCH_PROBER" -i "$M_PROBE_INTERVAL_MS" \
		-c "$M_CONNECT_MS" -b "$M_BANNER_MS" -d 900 -o "$csv" "$(site_vip "$name")"
}

# m_probe_stop NAME: TERM; the attempts in flight end within their timeouts.
m_probe_stop() {
	h_stop "$1" client prober $(( (M_CONNECT_MS + M_BANNER_MS) / 1000 + 5 ))
}

# m_oks CSV HOST SINCE_US: how many attempts that started at or after SINCE_US
# got a 220 naming HOST (the banner's first label).
m_oks() {
	awk -F, -v host="$2" -v since="$3" '
		NR > 1 && $3 == "ok" && ($1 * 1000) >= since {
			split($4, l, "."); if (l[1] == host) n++
		}
		END { print n + 0 }' "$1" 2> /dev/null || echo 0
}
m_oks_at_least() { [ "$(m_oks "$1" "$2" "$3")" -ge "$4" ]; }

# m_wait_oks CSV HOST SINCE_US COUNT TIMEOUT_S: until COUNT such attempts.
m_wait_oks() {
	h_wait "$5" 0.05 m_oks_at_least "$1" "$2" "$3" "$4"
}

# m_first_ok CSV HOST AFTER_US: end time (µs) of the first 220 naming HOST
# that arrived after AFTER_US; nothing if none.
m_first_ok_after() {
	awk -F, -v host="$2" -v after="$3" '
		NR > 1 && $3 == "ok" {
			split($4, l, "."); e = $2 * 1000
			if (l[1] == host && e > after && (best == "" || e < best)) best = e
		}
		END { if (best != "") printf "%.0f\n", best }' "$1"
}
m_ok_after() { [ -n "$(m_first_ok_after "$1" "$2" "$3")" ]; }

# m_analyse CSV REF_US OLD NEW: one JSON object about the attempts that ended
# after REF_US (the power-off, or the planned move's command):
#   first_new_ms   first 220 naming NEW, in ms after REF_US
#   last_old_ms    last 220 naming OLD (ms after REF_US, negative if before)
#   gap_ms         first_new_ms - last_old_ms: no new client was served
#   old_after_new  220s naming OLD that arrived after NEW's first (a client
#                  could have reached both: must be 0)
#   counts         by result, of the attempts that ended after REF_US and
#                  started before NEW's first 220 arrived: what the clients
#                  of the outage met
#   attempts       how many attempts the CSV holds
m_analyse() {
	awk -F, -v ref="$2" -v old="$3" -v new="$4" '
		NR == 1 { next }
		{
			n++; s[n] = $1 * 1000; e[n] = $2 * 1000; r[n] = $3
			split($4, l, "."); h[n] = l[1]
			if (r[n] == "ok" && h[n] == new && e[n] > ref && (fn == "" || e[n] < fn)) fn = e[n]
			if (r[n] == "ok" && h[n] == old && (lo == "" || e[n] > lo)) lo = e[n]
		}
		END {
			split("ok refused reset timeout unreachable other", names, " ")
			for (i = 1; i <= n; i++) {
				if (e[i] <= ref || (fn != "" && s[i] >= fn)) continue
				c[r[i]]++
			}
			for (i = 1; i <= n; i++)
				if (fn != "" && r[i] == "ok" && h[i] == old && e[i] > fn) oan++
			printf "{\"attempts\":%d", n
			printf ",\"first_new_ms\":%s", fn == "" ? "null" : sprintf("%.1f", (fn - ref) / 1000)
			printf ",\"last_old_ms\":%s", lo == "" ? "null" : sprintf("%.1f", (lo - ref) / 1000)
			printf ",\"gap_ms\":%s", (fn == "" || lo == "") ? "null" : sprintf("%.1f", (fn - lo) / 1000)
			printf ",\"old_after_new\":%d,\"counts\":{", oan
			for (i = 1; i <= 6; i++)
				printf "%s\"%s\":%d", (i > 1 ? "," : ""), names[i], c[names[i]]
			printf "}}\n"
		}' "$1"
}

# m_spacing CSV: how regularly the prober started its attempts (it aims at
# M_PROBE_INTERVAL_MS; a starved machine delays it): {"median": MS,
# "max": MS} of the gaps between consecutive starts, the resolution the
# run's figures have.
m_spacing() {
	awk -F, 'NR > 1 { print $1 }' "$1" | sort -n |
		awk 'NR > 1 { d[++n] = $1 - p } { p = $1 }
			END {
				if (n == 0) { print "null"; exit }
				# insertion sort: a few thousand gaps at most
				for (i = 2; i <= n; i++) { v = d[i]; for (j = i - 1; j >= 1 && d[j] > v; j--) d[j + 1] = d[j]; d[j + 1] = v }
				printf "{\"median\":%.1f,\"max\":%.1f}\n", d[int((n + 1) / 2)], d[n]
			}'
}

# ---------------------------------------------------------------- power-off

# m_poweroff NAME K: power node K off as pulling the plug does: its switch
# port goes down (nothing it sends gets out any more, not even the RSTs its
# namespace would send for sockets whose processes die), every process of
# the node dies (kill -9 of its PID 1), its addresses go, and the DRBD
# stand-in on the survivor sees its peer gone (site_poweroff). Sets M_OFF
# (µs, prober clock) to the moment the port was down, M_OFF_WALL (the same
# on the wall clock), M_OFFSET (wall minus monotonic) and M_OFF_CMD_US (how
# long setting the port down took: the moment is known within that).
# shellcheck disable=SC2034 # M_* are read by the caller
m_poweroff() {
	local name=$1 k=$2 d pid _ t0 t1
	d=$(h_state "$name")/$k
	h_pid_alive "$d/init.pid" || { h_die "m_poweroff: $k is not running"; return 1; }
	read -r pid _ < "$d/init.pid"
	M_OFFSET=$(m_offset) || return 1
	t0=${EPOCHREALTIME/./}
	ip -n "$name-sw" link set "$k" down
	t1=${EPOCHREALTIME/./}
	kill -KILL "$pid"
	M_OFF_WALL=$t1
	M_OFF=$(( t1 - M_OFFSET ))
	M_OFF_CMD_US=$(( t1 - t0 ))
	site_poweroff "$name" "$k"
}

# m_corosync_verdict NAME K AFTER_WALL_US: wall-clock µs of the first
# membership change with a node leaving that node K's corosync logged after
# AFTER_WALL_US (its log has hires timestamps, "Mon DD HH:MM:SS.mmm");
# nothing if none.
m_corosync_verdict() {
	local log mon day time us
	log=$(h_state "$1")/$2/var-log/corosync/corosync.log
	[ -r "$log" ] || return 0
	while read -r mon day time _; do
		us=$(date -d "$mon $day $time" +%s%6N 2> /dev/null) || continue
		if [ "$us" -ge $(( $3 - 1000 )) ]; then
			echo "$us"
			return 0
		fi
	done < <(grep -E 'A new membership .* Members left' "$log" | tail -n 20)
}

# ---------------------------------------------------------------- processes

# m_proc_stat NAME K PID: "CPU_MS RSS_KB" of process PID (the node's own pid
# numbering) read from its /proc inside node K.
m_proc_stat() {
	local stat rss hz
	hz=$(getconf CLK_TCK)
	stat=$(h_exec "$1" "$2" cat "/proc/$3/stat" 2> /dev/null) || return 1
	# shellcheck disable=SC2016 # awk's own $2
	rss=$(h_exec "$1" "$2" awk '/^VmRSS:/ { print $2 }' "/proc/$3/status" 2> /dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086 # fields on purpose; utime and stime are 14 and 15
	set -- $stat
	echo "$(( (${12} + ${13}) * 1000 / hz )) ${rss:-0}"
}
