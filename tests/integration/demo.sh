#!/usr/bin/env bash
# demo.sh — a two-node relay site on this one machine, failing over live.
#
# Two real corosync nodes in network namespaces run relevod with a floating
# IP (ocf:heartbeat:IPaddr2); a client namespace plays a sending MTA that
# connects to the floating IP. The demo shows `relevo status`, powers the
# ACTIVE node off (its PID 1 killed, its switch port down), shows the survivor
# taking over with its timeline, boots the old node back (it returns as
# STANDBY: no failback), then tears everything down. Needs root.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
. "$here/lib/harness.sh"
. "$here/lib/testlib.sh"
. "$here/lib/site.sh"

name=demo$$
bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
wait_for() { # WHAT SECONDS CMD...
	local what=$1 secs=$2
	shift 2
	h_wait "$secs" 0.05 "$@" || { echo "demo: $what did not happen within ${secs}s" >&2; exit 1; }
}
sender() { # what a sending MTA sees when it connects to the floating IP
	local b
	b=$(site_banner "$name")
	echo "  sender -> $(site_vip "$name"):$SITE_PORT: ${b:+220 }${b:-no answer}"
}

h_trap_down "$name"
bold "A relay site of two nodes: corosync 3 (knet, two_node, token 1000 ms), relevod, a floating IP"
h_up "$name" --nodes 2 --token 1000
site_conf "$name"
for k in n1 n2; do h_corosync_start "$name" "$k"; done
for k in n1 n2; do site_start "$name" "$k"; done
wait_for "n1 active" 30 t_role_is "$name" n1 active
wait_for "n2 standby" 10 t_role_is "$name" n2 standby
site_relevo "$name" n2 status || true
sender

bold "Power off n1 (the ACTIVE node)"
t0=$(h_now_ms)
h_poweroff "$name" n1
wait_for "the floating IP answering from n2" 15 t_banner_is "$name" n2
echo "  the floating IP answered from n2 $(( $(h_now_ms) - t0 )) ms after the power-off"
wait_for "n2 active" 10 t_role_is "$name" n2 active
sender
site_relevo "$name" n2 status || true

bold "Boot n1 again: it comes back as STANDBY (no failback)"
h_boot "$name" n1
h_corosync_start "$name" n1
site_start "$name" n1
wait_for "n1 standby" 30 t_role_is "$name" n1 standby
site_relevo "$name" n1 history || true

bold "Tear down"
h_down "$name"
echo "  namespaces left: $(h_leftovers "$name" | wc -l)"
