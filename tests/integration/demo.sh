#!/usr/bin/env bash
# demo.sh — a two-node mail relay site on this one machine, failing over live.
#
# Two real corosync nodes in network namespaces run relevod with the group
# spool -> Postfix -> floating IP; a client namespace plays the sending MTA
# (swaks) and the final delivery server (smtp-sink). The demo relays a message,
# takes the final server away so a second message waits in the queue, powers
# the ACTIVE node off, and shows the survivor taking over (with its timeline)
# and delivering the queued message once the final server is back. The old
# node boots back as STANDBY (no failback); everything is torn down. The
# spool's DRBD is the namespace tier's stand-in (tests/drbd-standin): this
# machine has no DRBD. Needs root.
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
	h_wait "$secs" 0.1 "$@" || { echo "demo: $what did not happen within ${secs}s" >&2; exit 1; }
}
delivered() { site_delivered "$name" "$1"; }

h_trap_down "$name"
bold "A relay site: two nodes (corosync 3, knet, two_node, token 1000 ms), relevod, Postfix"
h_up "$name" --nodes 2 --token 1000
for k in n1 n2; do h_corosync_start "$name" "$k"; done
site_mail_setup "$name"
site_conf_mail "$name"
for k in n1 n2; do h_start "$name" "$k" relevod "$RELEVOD" -f -c "$(site_conf_path "$name")"; done
wait_for "n1 active" 90 t_role_is "$name" n1 active
wait_for "n2 standby" 30 t_role_is "$name" n2 standby
site_relevo "$name" n1 status || true

bold "A sender relays a message through the floating IP $(site_vip "$name")"
id1="first.$$@sender.test"
echo "  sender: $(site_send "$name" "$id1")"
wait_for "the first message to arrive" 30 delivered "$id1"
echo "  final server: received <$id1>"

bold "The final server goes away; the next message waits in n1's queue"
site_final_stop "$name"
id2="queued.$$@sender.test"
echo "  sender: $(site_send "$name" "$id2")"
sleep 3
site_relevo "$name" n1 status | sed -n '/^Mail service/,/queue:/p' || true

bold "Power off n1 (the ACTIVE node)"
t0=$(h_now_ms)
site_poweroff "$name" n1
wait_for "Postfix answering from n2" 90 t_mta_is "$name" n2
echo "  n2's Postfix answered on the floating IP $(( $(h_now_ms) - t0 )) ms after the power-off"
wait_for "n2 active" 30 t_role_is "$name" n2 active
site_relevo "$name" n2 status || true

bold "The final server is back: n2 delivers the message n1 had queued"
site_final_start "$name"
wait_for "the queued message to arrive" 60 delivered "$id2"
echo "  final server: received <$id2>, relayed by n2 from the spool n1 left"

bold "Boot n1 again: it comes back as STANDBY (no failback)"
h_boot "$name" n1
h_corosync_start "$name" n1
site_mail_node "$name" n1
h_start "$name" n1 relevod "$RELEVOD" -f -c "$(site_conf_path "$name")"
wait_for "n1 standby" 60 t_role_is "$name" n1 standby
site_relevo "$name" n2 history || true

bold "Tear down"
h_down "$name"
echo "  namespaces left: $(h_leftovers "$name" | wc -l)"
