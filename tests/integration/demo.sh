#!/usr/bin/env bash
# demo.sh — a two-node relay site on this one machine, live.
#
# Brings up two real corosync nodes in network namespaces, shows the site's
# membership from both nodes, powers one node off (its PID 1 killed, its switch
# port down), shows how long the survivor took to see it, boots it again and
# shows the rejoin; then tears everything down. Needs root.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
. "$here/lib/harness.sh"

name=demo$$
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() {
	local k
	for k in n1 n2; do
		if h_pid_alive "$(h_state "$name")/$k/init.pid"; then
			printf '  %s sees members [%s], quorate: %s\n' "$k" "$(h_members "$name" "$k")" "$(h_quorate "$name" "$k")"
		else
			printf '  %s is powered off\n' "$k"
		fi
	done
}
wait_members() { # NODE WANT -> ms taken
	local t0
	t0=$(h_now_ms)
	h_wait 20 0.05 t_members "$1" "$2" || { echo "demo: $1 never saw [$2]" >&2; exit 1; }
	echo $(($(h_now_ms) - t0))
}
t_members() { [ "$(h_members "$name" "$1")" = "$2" ]; }

h_trap_down "$name"
say "A site of two nodes (corosync 3, knet, two_node, token 1000 ms)"
h_up "$name" --nodes 2 --token 1000
h_corosync_start "$name" n1
h_corosync_start "$name" n2
wait_members n1 "1 2" > /dev/null
wait_members n2 "1 2" > /dev/null
show

say "Power off n1"
h_poweroff "$name" n1
ms=$(wait_members n2 "2")
echo "  n2 saw n1 gone after $ms ms (token + consensus = 2200 ms)"
show

say "Boot n1 again"
h_boot "$name" n1
h_corosync_start "$name" n1
ms=$(wait_members n2 "1 2")
echo "  n1 rejoined $ms ms after its corosync started"
show

say "Tear down"
h_down "$name"
echo "  namespaces left: $(h_leftovers "$name" | wc -l)"
