# shellcheck shell=bash
# stack-keepalived.sh — stack (c) of the benchmark: keepalived 2.2 (VRRP
# only, no corosync) holding the floating IP, its notify script
# (tests/bench/keepalived-notify) promoting the spool and starting Postfix on
# MASTER, stopping both on BACKUP, FAULT and STOP:
#
#   one vrrp_instance, state BACKUP and priority 100 on both nodes, nopreempt
#   (no failback, as the other stacks' stickiness), advert_int 1, VRRP
#   multicast on eth0 over the cluster's bridge, no authentication
#
# keepalived runs in the foreground in each node (-n -P), logging to the
# node's /var/log/keepalived.out only (-l -G: nothing to the host's syslog).
# The interface is stack-relevo.sh's.

KA_NOTIFY=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/keepalived-notify

keepalived_uses_corosync() { return 1; }

keepalived_describe() {
	jq -cn --arg conf "$(cat "$(h_state "$1")/n1/keepalived.conf")" '{
		fencing: "none",
		fencing_note: "VRRP has no fencing",
		resources: "notify_master: ocf:relevo:spool start, postfix start; notify_backup/fault/stop: postfix stop, spool stop",
		vrrp: "advert_int 1, priority 100 on both, nopreempt, multicast",
		keepalived_conf_n1: $conf }'
}

keepalived_conf() {
	local name=$1 k=$2 env
	env=$(h_state "$name")/keepalived-notify.env
	cat <<-EOF
	# written by the relevo benchmark for node $k of $name
	global_defs {
	    router_id $name-$k
	    script_user root
	}
	vrrp_instance relay {
	    state BACKUP
	    nopreempt
	    interface eth0
	    virtual_router_id 51
	    priority 100
	    advert_int 1
	    virtual_ipaddress {
	        $(site_vip "$name")/24 dev eth0
	    }
	    notify_master "$KA_NOTIFY $env master"
	    notify_backup "$KA_NOTIFY $env backup"
	    notify_fault "$KA_NOTIFY $env fault"
	    notify_stop "$KA_NOTIFY $env stop"
	}
	EOF
}

keepalived_up() {
	local name=$1 st k
	st=$(h_state "$name")
	cat > "$st/keepalived-notify.env" <<-EOF
	OCF_ROOT=$(site_ocf_root "$name")
	SPOOL_DEVICE=$(h_exec "$name" n1 "$(h_drbd_standin_ctl)" device spool)
	SPOOL_MOUNT=/var/spool/relevo
	POSTFIX_CONFIG=/etc/postfix
	EOF
	for k in $(h_nodes "$name"); do
		keepalived_conf "$name" "$k" > "$st/$k/keepalived.conf"
		keepalived_node_start "$name" "$k"
	done
	h_wait 60 0.2 keepalived_some_holder "$name" ||
		{ h_die "keepalived: no node became MASTER with Postfix within 60 s"; return 1; }
}

keepalived_node_start() {
	h_start "$1" "$2" keepalived keepalived -n -P -l -G -D \
		-f "$(h_state "$1")/$2/keepalived.conf" \
		-p /run/keepalived.pid -r /run/keepalived_vrrp.pid
}

keepalived_state() { cat "$(h_state "$1")/$2/run/bench-keepalived.state" 2> /dev/null; }

keepalived_some_holder() { [ -n "$(keepalived_holder "$1")" ]; }

# The node holding the floating IP whose notify script has finished MASTER.
keepalived_holder() {
	local name=$1 h
	h=$(site_vip_holders "$name")
	case $h in n[0-9]*) ;; *) return 0 ;; esac
	[ "${h#* }" = "$h" ] || return 0
	[ "$(keepalived_state "$name" "$h")" = master ] && echo "$h"
}

keepalived_settled() {
	[ "$(keepalived_holder "$1")" = "$2" ] && [ "$(keepalived_state "$1" "$3")" = backup ] &&
		h_daemon_running "$1" "$3" keepalived
}

# A planned move: keepalived stops on the MASTER (it sends a priority 0
# advert, so the BACKUP takes over at once, and runs notify_stop).
keepalived_move() { h_stop "$1" "$2" keepalived 30; }
# ... and starts again there, as BACKUP.
keepalived_after_move() { keepalived_node_start "$1" "$2"; }

# When the survivor's notify_master began and ended (µs, wall clock): the
# moment keepalived declared itself MASTER, and Postfix started.
keepalived_run_extra() {
	local log
	log=$(h_state "$1")/$2/var-log/bench-notify.log
	awk '$2 == "master" && $3 == "begin" { b = $1 } $2 == "master" && $3 == "end" { e = $1; rc = $4 }
		END { printf "{\"master_begin_wall_us\":%s,\"master_end_wall_us\":%s,\"notify_rc\":%s}\n",
			b == "" ? "null" : b, e == "" ? "null" : e, rc == "" ? "null" : rc }' "$log" 2> /dev/null ||
		echo '{}'
}
