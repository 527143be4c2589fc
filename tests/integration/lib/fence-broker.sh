#!/usr/bin/env bash
# fence-broker.sh — the host's end of the harness fence agent (tests/fence_harness).
#
#   fence-broker.sh NAME          (started by h_fence_broker_start NAME)
#
# A node has its own PID namespace and cannot see the host's processes, so a
# fence agent run inside a node cannot power another node off by itself. This
# broker runs on the host, listens on the unix socket fence.sock in the
# cluster's state directory (which the nodes see: /tmp is shared) and answers
# one-line requests with one line:
#
#   off NODE      h_poweroff: every process of NODE dies, its switch port goes
#                 down, its addresses are gone          -> "ok off"
#   on NODE       h_boot: NODE's PID 1 again, port up (starting its daemons is
#                 the test's business)                  -> "ok on"
#   status NODE   is NODE's PID 1 alive?                -> "ok on" | "ok off"
#   list                                                -> "ok n1 n2 ..."
#   ping                                                -> "ok"
#   anything else                                       -> "error WHY"
#
# NODE must be one of the cluster's nodes (never its client). Requests are
# served one at a time: one nc (netcat-openbsd) listens, the broker reads one
# line of at most 256 bytes from it, acts, replies, and only then listens
# again; a client that finds nobody listening retries. A listener that gets
# no request within LISTEN_S seconds is replaced, so that the broker notices
# the cluster's state directory is gone and exits.
#
# It runs in a session of its own and records "pid starttime" in
# fence-broker.pid; h_down ends its process group (it and its nc) by that pid.
# It must never act on anything but the nodes of its own cluster.
set -uo pipefail
# shellcheck source=harness.sh
. "$(dirname "$(readlink -f "$0")")/harness.sh"

LISTEN_S=30
name=${1:?usage: fence-broker.sh NAME}
st=$(h_state "$name")
sock=$st/fence.sock
[ -d "$st" ] || { h_log "fence broker: no cluster $name"; exit 1; }
umask 077 # the socket: root only
h_pid_id $$ > "$st/fence-broker.pid"

b_log() { h_log "fence broker $name: $*"; }

# b_reply FD LINE: a client gone before its reply must not end the broker.
# SIGPIPE is ignored for this builtin only (the nodes booted here must not
# inherit it), and not in a subshell, where a coprocess's descriptors are
# closed.
b_reply() {
	trap '' PIPE
	printf '%s\n' "$2" 1>&"$1" 2> /dev/null
	trap - PIPE
}

b_known_node() { grep -qx -- "$1" "$st/nodes"; }

# b_serve LINE: act on one request, print the reply line.
b_serve() {
	local verb node extra
	read -r verb node extra <<< "$1"
	case $verb in
	ping) echo ok; return ;;
	list) echo "ok $(h_nodes "$name" | tr '\n' ' ' | sed 's/ $//')"; return ;;
	off | on | status) ;;
	*) echo "error unknown request"; return ;;
	esac
	if [ -z "${node:-}" ] || [ -n "${extra:-}" ] || ! b_known_node "$node"; then
		echo "error no such node"
		return
	fi
	case $verb in
	status)
		if h_pid_alive "$st/$node/init.pid"; then echo "ok on"; else echo "ok off"; fi
		;;
	off)
		if h_pid_alive "$st/$node/init.pid"; then
			h_poweroff "$name" "$node" || { echo "error $node still runs after kill -9"; return; }
		fi
		echo "ok off"
		;;
	on)
		if ! h_pid_alive "$st/$node/init.pid"; then
			h_boot "$name" "$node" || { echo "error $node did not boot"; return; }
		fi
		echo "ok on"
		;;
	esac
}

b_log "listening on $sock (pid $$)"
while [ -d "$st" ]; do
	rm -f "$sock"
	coproc NC { exec nc -N -lU "$sock" 2> /dev/null; }
	in=${NC[0]} out=${NC[1]} ncpid=$NC_PID
	line=""
	if IFS= read -r -n 256 -t "$LISTEN_S" line <&"$in"; then
		t0=${EPOCHREALTIME/./}
		# the node booted here must not hold nc's ends of the pipes
		reply=$(b_serve "$line" {in}<&- {out}>&-)
		b_reply "$out" "$reply"
		b_log "'$line' -> '$reply' ($(( (${EPOCHREALTIME/./} - t0) / 1000 )) ms)"
	elif [ -n "$line" ]; then
		b_reply "$out" "error request not a line"
		b_log "dropped a request without its end of line"
	fi
	exec {out}>&- {in}<&-
	# a reply is on its way: nc ends once the client has read it (bounded);
	# a listener that got nothing is ended at once
	[ -z "$line" ] || h_wait 5 0.01 h_not kill -0 "$ncpid" 2> /dev/null
	kill "$ncpid" 2> /dev/null
	wait "$ncpid" 2> /dev/null
done
rm -f "$sock"
b_log "cluster gone, exiting"
