# shellcheck shell=bash
# harness.sh — real cluster nodes on one machine, for relevo's integration tests.
#
# A cluster NAME is:
#   NAME-sw       a "switch" network namespace holding a bridge (br0); every
#                 fault (silent drop, pair block, carrier loss) is made here with
#                 nftables bridge rules or by setting a port down;
#   NAME-nK       node K (1..N): a network namespace plus its own mount, UTS, IPC
#                 and PID namespaces, whose PID 1 is node-init.sh; private
#                 /etc/corosync, /etc/postfix, /var/lib/{corosync,pacemaker,postfix},
#                 /var/spool, /var/log, and tmpfs on /run and /dev/shm;
#   NAME-client   the outside world, built like a node (its own PID namespace):
#                 it runs the sending MTA (swaks, smtp-source) and the final
#                 delivery server (smtp-sink or a real Postfix).
# Each one's eth0 is a veth whose other end is a port of br0 (nK, client).
# Nothing is ever created in the host's network namespace, there is no uplink
# and no default route: traffic stays between the namespaces made here.
#
# Addresses (private, assigned here): 10.99.S.K/24 and fd99:0:0:S::K/64 for
# node K, .100 / ::100 for the client, where S is the cluster's subnet number
# (default 0; clusters never share a switch, so several may use the same S).
#
# All state lives under $RELEVO_HARNESS_ROOT/NAME (default /tmp/relevo-harness):
# the list of namespaces made, each node's PID 1 (pid and start time, so a
# recycled pid is never killed), each daemon's pid. `h_down NAME` uses only that
# state, so it works from any shell, after any failure, and is safe to run twice.
#
# This file must never kill a process it did not start (no pkill, no killall)
# and never touch an interface, address or rule outside the namespaces it made.

RELEVO_HARNESS_ROOT=${RELEVO_HARNESS_ROOT:-/tmp/relevo-harness}
H_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
H_DIR=$(dirname "$H_LIBDIR")
H_VERBOSE=${H_VERBOSE:-0}

h_log() { printf '%s harness: %s\n' "$(date +%H:%M:%S.%3N)" "$*" >&2; }
h_debug() { [ "$H_VERBOSE" = 0 ] || h_log "$@"; }
h_die() { h_log "error: $*"; return 1; }

h_state() { printf '%s/%s' "$RELEVO_HARNESS_ROOT" "$1"; }

# Milliseconds since some fixed point (monotonic enough for test timings).
h_now_ms() { local t=${EPOCHREALTIME/./}; echo $(( t / 1000 )); }

# ---------------------------------------------------------------- processes

# "pid starttime" of a live process, or nothing.
h_pid_id() {
	local pid=$1 stat
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# field 22 of stat is the start time; after "comm) " it is field 20
	# shellcheck disable=SC2086 # split the fields on purpose
	set -- $stat
	printf '%s %s\n' "$pid" "${20}"
}

# True while the process recorded in FILE ("pid starttime") still runs.
h_pid_alive() {
	local file=$1 pid start now
	[ -s "$file" ] || return 1
	read -r pid start < "$file" || return 1
	now=$(h_pid_id "$pid") || return 1
	[ "$now" = "$pid $start" ]
}

# Kill -9 the process recorded in FILE if it is still the one recorded.
h_pid_kill() {
	local file=$1 pid start
	h_pid_alive "$file" || return 0
	read -r pid start < "$file"
	kill -KILL "$pid" 2>/dev/null || true
}

# Wait until CMD succeeds, polling every STEP seconds, at most TIMEOUT seconds.
h_wait() {
	local timeout=$1 step=$2 deadline
	shift 2
	deadline=$(( $(h_now_ms) + ${timeout%.*} * 1000 ))
	while ! "$@"; do
		[ "$(h_now_ms)" -lt "$deadline" ] || return 1
		sleep "$step"
	done
}

# ---------------------------------------------------------------- layout

h_nodes() { cat "$(h_state "$1")/nodes"; }
h_node_ns() { printf '%s-%s' "$1" "$2"; }
h_subnet() { cat "$(h_state "$1")/subnet"; }
h_addr4() { local s; s=$(h_subnet "$1"); [ "$2" = client ] && echo "10.99.$s.100" || echo "10.99.$s.${2#n}"; }
h_addr6() { local s; s=$(h_subnet "$1"); [ "$2" = client ] && echo "fd99:0:0:$s::100" || echo "fd99:0:0:$s::${2#n}"; }
h_nodeid() { echo "${2#n}"; }

# ---------------------------------------------------------------- up / down

# h_up NAME [--nodes N] [--subnet S] [--token MS] [--qdevice]
# Makes the switch, N nodes (default 2) and the client, writes corosync.conf
# for each node and boots them. Corosync itself is started by h_corosync_start.
# --qdevice: the third vote comes from corosync-qnetd on the client (started
# by h_qnetd_start) through corosync-qdevice on each node (h_qdevice_start),
# model net, algorithm ffsplit, no TLS (a private test network); no two_node.
# --qnetd ADDR: the same, from a corosync-qnetd at ADDR (another cluster's
# node: a witness at another site), with TLS (see h_qdevice_enroll).
h_up() {
	local name=$1 nodes=2 subnet=0 token=1000 qdevice=0 qnetd="" st k
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--nodes) nodes=$2; shift 2 ;;
		--subnet) subnet=$2; shift 2 ;;
		--token) token=$2; shift 2 ;;
		--qdevice) qdevice=1; shift ;;
		--qnetd) qdevice=1; qnetd=$2; shift 2 ;;
		*) h_die "h_up: unknown option $1"; return 1 ;;
		esac
	done
	[ "$(id -u)" -eq 0 ] || { h_die "the harness needs root (namespaces, bridges, nftables)"; return 1; }
	case $name in *[!a-z0-9]* | "") h_die "cluster name must be [a-z0-9]+: '$name'"; return 1 ;; esac
	[ ${#name} -le 20 ] || { h_die "cluster name longer than 20 characters: $name"; return 1; }
	st=$(h_state "$name")
	if [ -e "$st" ]; then
		h_die "cluster $name already exists ($st); run: harness down $name"
		return 1
	fi
	mkdir -p "$st"
	echo "$subnet" > "$st/subnet"
	echo "$token" > "$st/token"
	echo "$qdevice" > "$st/qdevice"
	[ -z "$qnetd" ] || echo "$qnetd" > "$st/qnetd"
	: > "$st/namespaces"
	: > "$st/nodes"
	for k in $(seq 1 "$nodes"); do echo "n$k" >> "$st/nodes"; done

	h_ns_add "$name" "$name-sw" || return 1
	ip -n "$name-sw" link add br0 type bridge || return 1
	ip -n "$name-sw" link set br0 up
	ip -n "$name-sw" link set lo up
	h_nft "$name" -f - <<-EOF || return 1
	add table bridge harness
	add chain bridge harness forward { type filter hook forward priority 0; policy accept; }
	EOF
	for k in $(h_nodes "$name") client; do
		h_node_create "$name" "$k" || return 1
	done
	h_corosync_conf "$name" || return 1
	for k in $(h_nodes "$name") client; do
		h_boot "$name" "$k" || return 1
	done
	h_log "cluster $name up: $(h_nodes "$name" | tr '\n' ' ')+ client, subnet 10.99.$subnet.0/24, token $token ms"
}

# nft inside the cluster's switch namespace, never in the host's ruleset.
h_nft() { local name=$1; shift; ip netns exec "$name-sw" nft "$@"; }

h_ns_add() {
	local name=$1 ns=$2
	ip netns add "$ns" || return 1
	echo "$ns" >> "$(h_state "$name")/namespaces"
	ip -n "$ns" link set lo up
}

# Per-node directories and the veth to the switch.
h_node_create() {
	local name=$1 k=$2 st d ns
	st=$(h_state "$name")
	d=$st/$k
	ns=$(h_node_ns "$name" "$k")
	mkdir -p "$d"/{var-lib-corosync,var-lib-pacemaker,var-lib-postfix,var-lib-relevo,var-spool,var-log,run}
	cp -a /etc/corosync "$d/etc-corosync"
	cp -a /etc/postfix "$d/etc-postfix"
	mkdir -p "$d"/var-lib-pacemaker/{cib,pengine,blackbox,cores} "$d"/var-log/{corosync,pacemaker}
	if getent passwd hacluster > /dev/null; then
		chown -R hacluster:haclient "$d/var-lib-pacemaker" "$d/var-log/pacemaker"
		chmod 750 "$d"/var-lib-pacemaker/* && chmod 770 "$d/var-log/pacemaker"
	fi
	if getent passwd postfix > /dev/null; then
		chown postfix:postfix "$d/var-lib-postfix"
	fi
	h_ns_add "$name" "$ns" || return 1
	ip -n "$name-sw" link add "$k" type veth peer name eth0 netns "$ns" || return 1
	ip -n "$name-sw" link set "$k" master br0
	ip -n "$name-sw" link set "$k" up
	ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 > /dev/null
}

h_addr_up() {
	local name=$1 k=$2 ns
	ns=$(h_node_ns "$name" "$k")
	ip -n "$ns" link set eth0 up
	ip -n "$ns" addr replace "$(h_addr4 "$name" "$k")/24" dev eth0
	ip -n "$ns" addr replace "$(h_addr6 "$name" "$k")/64" dev eth0 nodad
	# the routes h_route recorded (a power-off flushed them with the addresses)
	if [ -s "$(h_state "$name")/routes" ]; then
		while read -r dest via; do
			ip -n "$ns" route replace "$dest" via "$via"
		done < "$(h_state "$name")/routes"
	fi
}

# h_route NAME DEST VIA: every node of NAME routes DEST through VIA (an
# address on its switch, e.g. a router made with h_attach), now and after
# each boot or heal.
h_route() {
	local name=$1 dest=$2 via=$3 k
	echo "$dest $via" >> "$(h_state "$name")/routes"
	for k in $(h_nodes "$name"); do
		ip -n "$(h_node_ns "$name" "$k")" route replace "$dest" via "$via" || return 1
	done
}

# h_boot NAME K: start the node's PID 1 (node-init.sh) with its port up.
h_boot() {
	local name=$1 k=$2 st d ns upid ipid
	st=$(h_state "$name")
	d=$st/$k
	ns=$(h_node_ns "$name" "$k")
	if h_pid_alive "$d/init.pid"; then
		h_die "$k is already running"
		return 1
	fi
	rm -f "$d/ready" "$d/init.pid"
	rm -rf "${d:?}/run" && mkdir -p "$d/run"
	h_addr_up "$name" "$k"
	ip -n "$name-sw" link set "$k" up
	setsid ip netns exec "$ns" unshare --mount --uts --ipc --pid --fork \
		--propagation private --mount-proc -- \
		bash "$H_DIR/node-init.sh" "$d" "$k" < /dev/null >> "$d/init.log" 2>&1 &
	upid=$!
	# PID 1 of the node is the child unshare forked
	if ! h_wait 5 0.02 h_first_child "$upid" > /dev/null; then
		h_die "$k: node init did not start (see $d/init.log)"
		return 1
	fi
	ipid=$(h_first_child "$upid")
	h_pid_id "$ipid" > "$d/init.pid"
	if ! h_wait 10 0.02 test -e "$d/ready"; then
		h_die "$k: node init not ready (see $d/init.log)"
		return 1
	fi
	h_debug "$k booted (init pid $ipid)"
}

# h_poweroff NAME K: what pulling the plug looks like from outside: every
# process of the node dies at once (kill -9 of its PID 1), its switch port
# loses carrier and its addresses are gone (a namespace outlives its processes
# and would otherwise keep answering ARP and sending RSTs).
h_poweroff() {
	local name=$1 k=$2 d ns
	d=$(h_state "$name")/$k
	ns=$(h_node_ns "$name" "$k")
	h_pid_kill "$d/init.pid"
	ip -n "$name-sw" link set "$k" down
	ip -n "$ns" addr flush dev eth0
	ip -n "$ns" link set eth0 down
	h_wait 5 0.02 h_not h_pid_alive "$d/init.pid" || h_die "$k: init still alive after kill -9"
	h_debug "$k powered off"
}
h_not() { ! "$@"; }

# The first child of PID (files in /proc report size 0: read, don't test -s).
h_first_child() {
	local c
	c=$(cat "/proc/$1/task/$1/children" 2> /dev/null) || return 1
	c=${c%% *}
	[ -n "$c" ] && echo "$c"
}

# h_down NAME: tear everything down; safe to call twice and after any failure.
# Returns non-zero if a process of one of the cluster's nodes survived.
h_down() {
	local name=$1 st k ns pidns="" left hook
	st=$(h_state "$name")
	[ -d "$st" ] || return 0
	h_fence_broker_stop "$name" # first: it could boot a node again
	# then whatever the blocks appended below run on the host for NAME
	for hook in $(compgen -A function h_down_hook_); do "$hook" "$name"; done
	for k in $(cat "$st/nodes" 2> /dev/null) client; do
		if h_pid_alive "$st/$k/init.pid"; then
			pidns="$pidns $(readlink "/proc/$(cut -d' ' -f1 "$st/$k/init.pid")/ns/pid")"
		fi
		h_pid_kill "$st/$k/init.pid"
	done
	for k in $(cat "$st/nodes" 2> /dev/null) client; do
		h_wait 5 0.02 h_not h_pid_alive "$st/$k/init.pid" ||
			h_log "warning: $k init did not die"
	done
	if [ -n "${H_KEEP_LOGS:-}" ]; then
		# keep what the nodes logged, for a failed test's report
		for k in $(cat "$st/nodes" 2> /dev/null) client; do
			mkdir -p "$H_KEEP_LOGS/$name/$k"
			cp -a "$st/$k/var-log/." "$H_KEEP_LOGS/$name/$k/" 2> /dev/null || true
		done
		# and the observer's samples (site.sh), if it ran
		[ ! -f "$st/vip-samples" ] || cp "$st/vip-samples" "$H_KEEP_LOGS/$name/"
	fi
	if [ -f "$st/namespaces" ]; then
		# reverse order: nodes before the switch
		tac "$st/namespaces" | while read -r ns; do
			ip netns del "$ns" 2> /dev/null || true
		done
	fi
	rm -rf "$st"
	rmdir "$RELEVO_HARNESS_ROOT" 2> /dev/null || true
	# shellcheck disable=SC2086 # one argument per namespace
	left=$(h_procs_in_pidns $pidns)
	if [ -n "$left" ]; then
		h_log "error: processes of cluster $name survived its teardown: $left"
		return 1
	fi
	h_log "cluster $name down"
}

# Host pids of every process living in one of the given PID namespaces.
h_procs_in_pidns() {
	local p ns
	[ $# -gt 0 ] || return 0
	for p in /proc/[0-9]*; do
		ns=$(readlink "$p/ns/pid" 2> /dev/null) || continue
		case " $* " in *" $ns "*) printf '%s ' "${p#/proc/}" ;; esac
	done
}

# h_leftovers NAME: print anything of NAME still present (namespaces,
# processes recorded by it); empty output means a clean teardown.
h_leftovers() {
	local name=$1
	ip netns list | awk '{print $1}' | grep -E "^$name-(sw|n[0-9]+|client)$" || true
	[ ! -d "$(h_state "$name")" ] || echo "state directory $(h_state "$name")"
}

# Tear down NAME when the calling script exits, however it exits.
h_trap_down() {
	H_TRAP_CLUSTERS="${H_TRAP_CLUSTERS:-} $1"
	# shellcheck disable=SC2064
	trap "h__exit_down" EXIT
	trap "exit 130" INT
	trap "exit 143" TERM
}
h__exit_down() {
	local rc=$? c
	for c in $H_TRAP_CLUSTERS; do h_down "$c"; done
	exit "$rc"
}

# h_attach HOST CLUSTER N: wires the client of cluster HOST (made with h_up
# HOST --nodes 0: a DNS server, a router between sites) to CLUSTER's switch
# as address .N (and ::N) of CLUSTER's subnet; prints the IPv4 address. The
# port lives in CLUSTER's switch, so h_down of either side ends it.
h_attach() {
	local name=$1 cluster=$2 n=$3 s port ifname
	s=$(h_subnet "$cluster")
	port=up-$name
	port=${port:0:15}
	ifname=eth-$cluster
	ifname=${ifname:0:15}
	h_pid_alive "$(h_state "$name")/client/init.pid" || { h_die "no host $name"; return 1; }
	ip -n "$cluster-sw" link add "$port" type veth peer name "$ifname" netns "$name-client" || return 1
	ip -n "$cluster-sw" link set "$port" master br0
	ip -n "$cluster-sw" link set "$port" up
	ip -n "$name-client" link set "$ifname" up
	ip -n "$name-client" addr add "10.99.$s.$n/24" dev "$ifname"
	ip -n "$name-client" addr add "fd99:0:0:$s::$n/64" dev "$ifname" nodad
	echo "10.99.$s.$n"
}

# ---------------------------------------------------------------- inside a node

# h_exec NAME K CMD...: run CMD inside node K (all its namespaces).
h_exec() {
	local name=$1 k=$2 pid
	shift 2
	read -r pid _ < "$(h_state "$name")/$k/init.pid" || return 1
	nsenter -t "$pid" -a -- "$@"
}

# h_start NAME K DAEMON CMD...: start CMD (which must stay in the foreground)
# inside node K; its pid is kept as DAEMON, its output goes to
# /var/log/DAEMON.out in the node.
h_start() {
	local name=$1 k=$2 daemon=$3 d
	shift 3
	d=$(h_state "$name")/$k
	# shellcheck disable=SC2016 # expanded by the inner shell
	h_exec "$name" "$k" sh -c '
		mkdir -p /run/harness
		daemon=$1; shift
		setsid "$@" < /dev/null >> "/var/log/$daemon.out" 2>&1 &
		echo $! > "/run/harness/$daemon.pid"
	' sh "$daemon" "$@"
	h_debug "$k: started $daemon ($*)"
}

# The pid of DAEMON inside node K (the node's own pid numbering).
h_daemon_pid() { cat "$(h_state "$1")/$2/run/harness/$3.pid" 2> /dev/null; }

h_daemon_running() {
	local pid
	pid=$(h_daemon_pid "$1" "$2" "$3") || return 1
	h_exec "$1" "$2" kill -0 "$pid" 2> /dev/null
}

# h_signal NAME K DAEMON SIG: send SIG to DAEMON (by its recorded pid).
h_signal() {
	local pid
	pid=$(h_daemon_pid "$1" "$2" "$3") || { h_die "$2: no $3 started"; return 1; }
	h_exec "$1" "$2" kill "-$4" "$pid" 2> /dev/null || true
}

# h_stop NAME K DAEMON [TIMEOUT]: TERM, wait, then KILL.
h_stop() {
	local name=$1 k=$2 daemon=$3 timeout=${4:-10}
	h_daemon_running "$name" "$k" "$daemon" || return 0
	h_signal "$name" "$k" "$daemon" TERM
	if ! h_wait "$timeout" 0.05 h_not h_daemon_running "$name" "$k" "$daemon"; then
		h_log "$k: $daemon ignored TERM for ${timeout}s, killing"
		h_signal "$name" "$k" "$daemon" KILL
	fi
}

# h_kill NAME K DAEMON: kill -9, as a crash.
h_kill() {
	h_signal "$1" "$2" "$3" KILL
	h_wait 5 0.02 h_not h_daemon_running "$1" "$2" "$3"
}

# ---------------------------------------------------------------- corosync

h_corosync_conf() {
	local name=$1 st token k conf
	st=$(h_state "$name")
	token=$(cat "$st/token")
	conf=$(
		cat <<-EOF
		# generated by the relevo test harness for cluster $name
		totem {
		    version: 2
		    cluster_name: $name
		    transport: knet
		    token: $token
		    crypto_cipher: none
		    crypto_hash: none
		}
		logging {
		    to_logfile: yes
		    logfile: /var/log/corosync/corosync.log
		    to_stderr: no
		    to_syslog: no
		    timestamp: hires
		}
		quorum {
		    provider: corosync_votequorum
		EOF
		if [ "$(cat "$st/qdevice" 2> /dev/null || echo 0)" = 1 ]; then
			# the vote of a partition cut off from the qnetd lapses
			# after the device timeout: 4 s instead of 10 (measured:
			# with 10 s the cut-off side stays quorate 5-6 s after
			# corosync saw the split)
			printf '    device {\n        model: net\n        votes: 1\n        timeout: 4000\n'
			if [ -f "$st/qnetd" ]; then
				printf '        net {\n            host: %s\n            algorithm: ffsplit\n' \
					"$(cat "$st/qnetd")"
				printf '            tls: required\n        }\n    }\n'
			else
				printf '        net {\n            host: %s\n            algorithm: ffsplit\n' \
					"$(h_addr4 "$name" client)"
				printf '            tls: off\n        }\n    }\n'
			fi
		elif [ "$(h_nodes "$name" | wc -l)" -eq 2 ]; then
			printf '    two_node: 1\n'
		fi
		printf '}\nnodelist {\n'
		for k in $(h_nodes "$name"); do
			printf '    node {\n        ring0_addr: %s\n        name: %s\n        nodeid: %s\n    }\n' \
				"$(h_addr4 "$name" "$k")" "$k" "$(h_nodeid "$name" "$k")"
		done
		printf '}\n'
	)
	for k in $(h_nodes "$name"); do
		printf '%s\n' "$conf" > "$st/$k/etc-corosync/corosync.conf"
	done
}

h_corosync_start() {
	local name=$1 k=$2
	h_start "$name" "$k" corosync corosync -f
	h_wait 10 0.05 h_corosync_up "$name" "$k" ||
		{ h_die "$k: corosync did not come up (see $(h_state "$name")/$k/var-log/corosync/corosync.log)"; return 1; }
}
h_corosync_up() { h_exec "$1" "$2" corosync-cfgtool -s > /dev/null 2>&1; }

# h_qnetd_start NAME [K]: corosync-qnetd on the client node, no TLS, for a
# cluster made with h_up --qdevice; with K, on node K of NAME with TLS
# required, as a witness for other clusters (h_up --qnetd, h_qdevice_enroll);
# its certificate authority is made on first start and kept across boots.
# h_qdevice_start NAME K: corosync-qdevice on node K (after its corosync); it
# connects to the qnetd and casts the third vote for its partition as qnetd
# decides (ffsplit).
h_qnetd_start() {
	local name=$1 k=${2:-client} tls=off
	h_exec "$name" "$k" mkdir -p /run/corosync-qnetd /etc/corosync/qnetd
	if [ "$k" != client ]; then
		tls=req
		[ -e "$(h_state "$name")/$k/etc-corosync/qnetd/nssdb/qnetd-cacert.crt" ] ||
			h_exec "$name" "$k" corosync-qnetd-certutil -i > /dev/null ||
			{ h_die "$k: corosync-qnetd-certutil -i failed"; return 1; }
	fi
	h_start "$name" "$k" qnetd corosync-qnetd -f -s "$tls" -l "$(h_addr4 "$name" "$k")"
	h_wait 10 0.05 h_exec "$name" "$k" corosync-qnetd-tool -s > /dev/null 2>&1 ||
		{ h_die "corosync-qnetd did not come up on $name $k"; return 1; }
}

# h_qdevice_enroll NAME WNAME WK: the TLS enrolment of cluster NAME's nodes
# with the qnetd on node WK of cluster WNAME, as an operator does it
# (corosync-qdevice-net-certutil(8)): every node takes the qnetd's CA
# certificate, the first node makes the cluster's certificate request, the
# qnetd signs it for cluster NAME, and the resulting PKCS#12 goes to every node.
h_qdevice_enroll() {
	local name=$1 wname=$2 wk=$3 st wst k first
	st=$(h_state "$name")
	wst=$(h_state "$wname")/$wk/etc-corosync
	first=$(h_nodes "$name" | head -n 1)
	for k in $(h_nodes "$name"); do
		cp "$wst/qnetd/nssdb/qnetd-cacert.crt" "$st/$k/etc-corosync/" || return 1
		h_exec "$name" "$k" corosync-qdevice-net-certutil -i -c /etc/corosync/qnetd-cacert.crt \
			> /dev/null || { h_die "$k: qdevice certificate database"; return 1; }
	done
	h_exec "$name" "$first" corosync-qdevice-net-certutil -r -n "$name" > /dev/null ||
		{ h_die "$first: qdevice certificate request"; return 1; }
	cp "$st/$first/etc-corosync/qdevice/net/nssdb/qdevice-net-node.crq" "$wst/" || return 1
	h_exec "$wname" "$wk" corosync-qnetd-certutil -s -n "$name" \
		-c /etc/corosync/qdevice-net-node.crq > /dev/null ||
		{ h_die "$wname $wk: qnetd did not sign $name's request"; return 1; }
	cp "$wst/qnetd/nssdb/cluster-$name.crt" "$st/$first/etc-corosync/" || return 1
	h_exec "$name" "$first" corosync-qdevice-net-certutil -M -c "/etc/corosync/cluster-$name.crt" \
		> /dev/null || { h_die "$first: qdevice certificate import"; return 1; }
	for k in $(h_nodes "$name"); do
		[ "$k" = "$first" ] && continue
		cp "$st/$first/etc-corosync/qdevice/net/nssdb/qdevice-net-node.p12" \
			"$st/$k/etc-corosync/" || return 1
		h_exec "$name" "$k" corosync-qdevice-net-certutil -m \
			-c /etc/corosync/qdevice-net-node.p12 > /dev/null ||
			{ h_die "$k: qdevice PKCS#12 import"; return 1; }
	done
}
h_qdevice_start() {
	local name=$1 k=$2
	h_exec "$name" "$k" mkdir -p /run/corosync-qdevice
	h_start "$name" "$k" qdevice corosync-qdevice -f
	h_wait 10 0.05 h_qdevice_up "$name" "$k" ||
		{ h_die "$k: corosync-qdevice did not connect to the qnetd"; return 1; }
}
h_qdevice_up() { h_exec "$1" "$2" corosync-qdevice-tool -s 2> /dev/null | grep -q 'State:.*Connected'; }

# Node ids of the members node K sees, space separated, sorted.
h_members() {
	h_exec "$1" "$2" corosync-cmapctl -b runtime.members 2> /dev/null |
		awk -F. '/\.status \(str\) = joined$/ { print $3 }' | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# "yes" or "no": is node K's partition quorate?
h_quorate() {
	h_exec "$1" "$2" corosync-quorumtool -s 2> /dev/null | awk '/^Quorate:/ { print tolower($2) }'
}

# ---------------------------------------------------------------- faults

# h_cut NAME K: silently drop everything to and from K (its link stays up).
h_cut() {
	h_nft "$1" add rule bridge harness forward iifname "$2" drop
	h_nft "$1" add rule bridge harness forward oifname "$2" drop
}

# h_block NAME I J [oneway]: drop traffic between I and J (both ways unless oneway).
h_block() {
	h_nft "$1" add rule bridge harness forward iifname "$2" oifname "$3" drop
	[ "${4:-}" = oneway ] || h_nft "$1" add rule bridge harness forward iifname "$3" oifname "$2" drop
}

# h_cut_link NAME K: K's switch port goes down (both ends see no carrier).
h_cut_link() { ip -n "$1-sw" link set "$2" down; }

# h_heal NAME: remove every rule and bring up the ports of running nodes.
h_heal() {
	local name=$1 k
	h_nft "$name" flush chain bridge harness forward
	for k in $(h_nodes "$name") client; do
		! h_pid_alive "$(h_state "$name")/$k/init.pid" || ip -n "$name-sw" link set "$k" up
	done
}

# ---------------------------------------------------------------- fence broker

# h_fence_broker_start NAME: start the cluster's fence broker on the host
# (lib/fence-broker.sh): it listens on $(h_fence_socket NAME), which the nodes
# see, and powers nodes off and on for the harness fence agent
# (tests/fence_harness) run inside a node. One per cluster; h_down stops it.
h_fence_broker_start() {
	local name=$1 st
	st=$(h_state "$name")
	[ -d "$st" ] || { h_die "no cluster $name"; return 1; }
	if h_pid_alive "$st/fence-broker.pid"; then
		h_die "the fence broker of $name already runs"
		return 1
	fi
	rm -f "$st/fence-broker.pid" "$st/fence.sock"
	# a session of its own: h_fence_broker_stop ends its process group
	RELEVO_HARNESS_ROOT=$RELEVO_HARNESS_ROOT setsid bash "$H_LIBDIR/fence-broker.sh" "$name" \
		< /dev/null >> "$st/fence-broker.log" 2>&1 &
	disown # its end (killed) is no news for the test's output
	if ! h_wait 5 0.02 test -S "$st/fence.sock" || ! h_pid_alive "$st/fence-broker.pid"; then
		h_die "the fence broker of $name did not start (see $st/fence-broker.log)"
		return 1
	fi
	h_debug "fence broker of $name listening on $st/fence.sock"
}

# The fence broker's socket, for the fence agent's socket= option.
h_fence_socket() { printf '%s/fence.sock' "$(h_state "$1")"; }

# h_fence_broker_stop NAME: end the broker and its listener (its process
# group, by the pid it recorded, if that process is still the broker).
h_fence_broker_stop() {
	local name=$1 st pid _
	st=$(h_state "$name")
	if h_pid_alive "$st/fence-broker.pid"; then
		read -r pid _ < "$st/fence-broker.pid"
		kill -KILL -- "-$pid" 2> /dev/null || kill -KILL "$pid" 2> /dev/null || true
		h_wait 5 0.02 h_not h_pid_alive "$st/fence-broker.pid" ||
			h_log "warning: the fence broker of $name did not die"
	fi
	if [ -n "${H_KEEP_LOGS:-}" ] && [ -f "$st/fence-broker.log" ]; then
		mkdir -p "$H_KEEP_LOGS/$name"
		cp -a "$st/fence-broker.log" "$H_KEEP_LOGS/$name/" 2> /dev/null || true
	fi
	rm -f "$st/fence-broker.pid" "$st/fence.sock"
}

# ---------------------------------------------------------------- DRBD stand-in

# h_drbd_standin NAME K [DIR [VERSION]]: node K's drbdadm and drbdsetup become
# the DRBD stand-in of tests/drbd-standin (this tier's host has no DRBD; real
# DRBD is tested in VMs): the stand-in is bind-mounted over /usr/sbin/drbdadm
# and /usr/sbin/drbdsetup in the node's own mount namespace only, and pointed
# at DIR (default: the cluster's state dir + /drbd, shared by its nodes) and
# the DRBD VERSION it plays (9, default, or 8.4) by /run/relevo-drbd-standin.conf.
# A boot gives the node a fresh /run and mount namespace: call it again then.
# The test drives the stand-in "cluster" with $(h_drbd_standin_ctl) (see
# tests/drbd-standin/README.md), e.g. h_exec NAME K "$(h_drbd_standin_ctl)" up spool.
h_drbd_standin() {
	local name=$1 k=$2 dir=${3:-$(h_state "$1")/drbd} version=${4:-9} d bin
	d=$(h_state "$name")/$k
	bin=$(cd "$H_DIR/../drbd-standin" && pwd)/drbd-standin
	[ -x "$bin" ] || { h_die "no DRBD stand-in at $bin"; return 1; }
	mkdir -p "$dir"
	printf 'dir=%s\nversion=%s\n' "$dir" "$version" > "$d/run/relevo-drbd-standin.conf"
	h_exec "$name" "$k" mount --bind "$bin" /usr/sbin/drbdadm || return 1
	h_exec "$name" "$k" mount --bind "$bin" /usr/sbin/drbdsetup || return 1
	h_debug "$k: drbdadm and drbdsetup are the DRBD stand-in (DRBD $version, state in $dir)"
}

# The stand-in's control command (drbdadm-standin), for h_exec or the host.
h_drbd_standin_ctl() { echo "$(cd "$H_DIR/../drbd-standin" && pwd)/drbdadm-standin"; }

# ---------------------------------------------------------------- watchdog stand-in

# h_watchdog_start NAME K TIMEOUT_S [PATH]: give node K a watchdog device: the
# stand-in of tests/watchdog-standin (this tier's nodes share the host's
# kernel and have no watchdog; the real softdog is tested in VMs) runs on the
# host and owns a FIFO that node K sees at PATH (default /run/watchdog; under
# /run only). The first write arms it, every write feeds it, a 'V' written
# last before the writer closes disarms it; armed and not fed for TIMEOUT_S
# seconds it powers K off as h_poweroff does, records when in
# $(h_watchdog_fired NAME K) and exits. A boot gives the node a fresh /run:
# start it again then. h_watchdog_stop, or h_down, ends it.
h_watchdog_start() {
	local name=$1 k=$2 timeout=$3 path=${4:-/run/watchdog} st bin pid
	st=$(h_state "$name")
	bin=$(cd "$H_DIR/../watchdog-standin" && pwd)/watchdog-standin
	[ -x "$bin" ] || { h_die "no watchdog stand-in at $bin"; return 1; }
	if h_pid_alive "$st/watchdog-standin.$k.pid"; then
		h_die "the watchdog stand-in of $k already runs"
		return 1
	fi
	rm -f "$st/watchdog-standin.$k.pid"
	# a session of its own: h_watchdog_stop ends its process group
	RELEVO_HARNESS_ROOT=$RELEVO_HARNESS_ROOT setsid bash "$bin" "$name" "$k" "$timeout" "$path" \
		< /dev/null >> "$st/watchdog-standin.$k.log" 2>&1 &
	pid=$!
	disown # its end (it exits after a power-off, or is killed) is no news
	# ready once it records its pid; gone at once if it refused to start
	h_wait 5 0.02 h__watchdog_started "$st/watchdog-standin.$k.pid" "$pid" || true
	if ! h_pid_alive "$st/watchdog-standin.$k.pid"; then
		h_die "the watchdog stand-in of $k did not start (see $st/watchdog-standin.$k.log)"
		return 1
	fi
	h_debug "$k: watchdog stand-in on $path, timeout ${timeout}s"
}

h__watchdog_started() { h_pid_alive "$1" || ! kill -0 "$2" 2> /dev/null; }

# h_watchdog_stop NAME K: end K's stand-in (its process group, by the pid it
# recorded, if that process is still the stand-in) and remove its FIFO. A
# stand-in that was armed is stopped all the same: the test is over.
h_watchdog_stop() {
	local name=$1 k=$2 st pid _ fifo
	st=$(h_state "$name")
	if h_pid_alive "$st/watchdog-standin.$k.pid"; then
		read -r pid _ < "$st/watchdog-standin.$k.pid"
		kill -KILL -- "-$pid" 2> /dev/null || kill -KILL "$pid" 2> /dev/null || true
		h_wait 5 0.02 h_not h_pid_alive "$st/watchdog-standin.$k.pid" ||
			h_log "warning: the watchdog stand-in of $k did not die"
	fi
	if [ -s "$st/watchdog-standin.$k.fifo" ]; then
		read -r fifo < "$st/watchdog-standin.$k.fifo"
		case $fifo in "$st/$k/run/"*) rm -f "$fifo" ;; esac
	fi
	if [ -n "${H_KEEP_LOGS:-}" ] && [ -f "$st/watchdog-standin.$k.log" ]; then
		mkdir -p "$H_KEEP_LOGS/$name"
		cp -a "$st/watchdog-standin.$k.log" "$H_KEEP_LOGS/$name/" 2> /dev/null || true
	fi
	rm -f "$st/watchdog-standin.$k.pid" "$st/watchdog-standin.$k.fifo"
}

# h_watchdog_running NAME K: is K's stand-in still watching?
h_watchdog_running() { h_pid_alive "$(h_state "$1")/watchdog-standin.$2.pid"; }

# The record a stand-in leaves when it powers its node off, one line:
# "last_feed_ms=T fire_ms=T off_ms=T feeds=N timeout_ms=T" (h_now_ms times).
h_watchdog_fired() { printf '%s/watchdog-standin.%s.fired' "$(h_state "$1")" "$2"; }

# The stand-in's log (timestamped: armed, magic close, power-off).
h_watchdog_log() { printf '%s/watchdog-standin.%s.log' "$(h_state "$1")" "$2"; }

# Called by h_down, before the nodes go: every stand-in of NAME ends.
h_down_hook_watchdog() {
	local name=$1 f k
	for f in "$(h_state "$name")"/watchdog-standin.*.log; do
		[ -e "$f" ] || continue
		k=${f##*/watchdog-standin.}
		h_watchdog_stop "$name" "${k%.log}"
	done
}
