# shellcheck shell=bash
# site.sh — a relevo site on a harness cluster: configuration, relevod on the
# nodes, and what an operator or a sender sees of it.
#
# Binaries come from the build tree: $RELEVO_BUILDDIR (set by make) or the
# tree this file lives in. The floating IP is 10.99.S.200 (private, on the
# cluster's own switch). Each node runs smtp-sink on port 2525 with its own
# name as banner host, so a connection to the floating IP tells which node
# answered, as a sending MTA would see it.

RELEVO_SRCDIR=$(cd "$H_DIR/../.." && pwd)
RELEVO_BUILDDIR=${RELEVO_BUILDDIR:-$RELEVO_SRCDIR}
RELEVOD=$RELEVO_BUILDDIR/agent/daemon/relevod
RELEVO=$RELEVO_BUILDDIR/agent/tools/relevo
SITE_PORT=2525

site_vip() { echo "10.99.$(h_subnet "$1").200"; }
site_conf_path() { echo "$(h_state "$1")/relevo.conf"; }

# site_conf NAME [EXTRA-SITE-LINES]: write the site's relevo.conf (one file,
# the same for both nodes) with the floating IP as its only resource.
site_conf() {
	local name=$1 extra=${2:-}
	{
		site_conf_head "$name" "$extra"
		cat <<-EOF
	[resource vip]
	agent = ocf:heartbeat:IPaddr2
	param.ip = $(site_vip "$name")
	param.cidr_netmask = 24
	param.nic = eth0
	start-timeout = 10s
	stop-timeout = 10s
	monitor-interval = 2s
	monitor-timeout = 10s
	EOF
	} > "$(site_conf_path "$name")"
}

# The part of every test site's relevo.conf before its resources: the site
# (fencing off unless the extra lines say otherwise), its two nodes, the daemon.
site_conf_head() {
	local name=$1 extra=${2:-} fencing="fencing = off"
	case $extra in *"fencing ="*) fencing="" ;; esac
	cat <<-EOF
	# relevo.conf written by the test harness for site $name
	[site]
	name = $name
	$fencing
	$extra

	[node n1]
	id = 1

	[node n2]
	id = 2

	[daemon]
	state-interval = 1s
	peer-wait = 3s
	state-dir = /var/spool/relevod
	ocf-root = $(site_ocf_root "$name")

	EOF
}

# ---------------------------------------------------------------- mail site

# An OCF root for the site: resource-agents' own agents and library, and
# relevo's agents from this source tree as provider "relevo".
site_ocf_root() {
	local name=$1 root
	root=$(h_state "$name")/ocf
	if [ ! -d "$root" ]; then
		mkdir -p "$root/resource.d/relevo"
		ln -s /usr/lib/ocf/lib "$root/lib"
		ln -s /usr/lib/ocf/resource.d/heartbeat "$root/resource.d/heartbeat"
		ln -s "$RELEVO_SRCDIR/resource-scripts/mta" "$root/resource.d/relevo/mta"
		ln -s "$RELEVO_SRCDIR/resource-scripts/spool" "$root/resource.d/relevo/spool"
	fi
	echo "$root"
}

# The final delivery server, in the client namespace: smtp-sink writing each
# message it accepts into $(site_final_dir NAME).
site_final_dir() { echo "$(h_state "$1")/final"; }
site_final_start() {
	local name=$1 dir
	dir=$(site_final_dir "$name")
	mkdir -p "$dir"
	chmod 1777 "$dir"
	h_start "$name" client final smtp-sink -u root -d "$dir/%H%M%S." "10.99.$(h_subnet "$name").100:2525" 64
}
site_final_stop() { h_stop "$1" client final; }
# Was the message with Message-ID ID delivered to the final server?
site_delivered() { grep -rqsF "Message-ID: <$2>" "$(site_final_dir "$1")"; }

# site_mail_setup NAME: a real Postfix relay on each node, its queue on the
# spool that ocf:relevo:spool mounts from the DRBD stand-in's shared "device"
# (tests/drbd-standin: this tier has no DRBD), and the final server.
site_mail_setup() {
	local name=$1 k dev
	for k in $(h_nodes "$name"); do site_mail_node "$name" "$k"; done
	dev=$(h_exec "$name" n1 "$(h_drbd_standin_ctl)" device spool)
	# lay out the queue once, on the shared device, as the first node would
	h_exec "$name" n1 mount --bind "$dev" /var/spool/relevo
	h_exec "$name" n1 mkdir -p /var/spool/relevo/postfix
	h_exec "$name" n1 postfix -c /etc/postfix check || h_log "warning: postfix check failed on n1"
	h_exec "$name" n1 umount /var/spool/relevo
	site_final_start "$name"
}

# A node's share of site_mail_setup; again after a boot (fresh mounts, /run).
site_mail_node() {
	local name=$1 k=$2
	h_drbd_standin "$name" "$k"
	h_exec "$name" "$k" "$(h_drbd_standin_ctl)" up spool > /dev/null
	mkdir -p "$(h_state "$name")/$k/var-spool/relevo"
	[ -e "$(h_state "$name")/$k/postfix-configured" ] && return 0
	# the package installs no main.cf when told "No configuration"
	touch "$(h_state "$name")/$k/etc-postfix/main.cf"
	h_exec "$name" "$k" postconf -c /etc/postfix -e \
		"compatibility_level = 3.6" \
		"myhostname = $k.relay.test" \
		"mydomain = relay.test" \
		"inet_interfaces = all" \
		"inet_protocols = ipv4" \
		"mydestination =" \
		"mynetworks = 127.0.0.0/8 10.99.$(h_subnet "$name").0/24" \
		"relay_domains = example.org" \
		"relayhost = [10.99.$(h_subnet "$name").100]:2525" \
		"queue_directory = /var/spool/relevo/postfix" \
		"data_directory = /var/lib/postfix" \
		"maillog_file = /var/log/postfix.log" \
		"smtpd_banner = \$myhostname ESMTP" \
		"minimal_backoff_time = 2s" \
		"maximal_backoff_time = 4s" \
		"queue_run_delay = 2s" \
		"smtp_connect_timeout = 2s"
	h_exec "$name" "$k" postconf -c /etc/postfix -F '*/*/chroot = n'
	touch "$(h_state "$name")/$k/postfix-configured"
}

# site_conf_mail NAME: relevo.conf for the group spool -> mta -> vip.
site_conf_mail() {
	local name=$1 dev
	dev=$(h_exec "$name" n1 "$(h_drbd_standin_ctl)" device spool)
	{
		site_conf_head "$name"
		cat <<-EOF
	[resource spool]
	agent = ocf:relevo:spool
	param.drbd_resource = spool
	param.device = $dev
	param.mount_point = /var/spool/relevo
	param.fstype = none
	param.mount_options = bind
	param.mta_config_dir = /etc/postfix
	monitor-interval = 5s

	[resource mta]
	agent = ocf:relevo:mta
	param.config_dir = /etc/postfix
	param.spool_dir = /var/spool/relevo
	param.probe = $RELEVO_BUILDDIR/agent/tools/relevo-probe
	param.probe_timeout_ms = 2000
	start-timeout = 30s
	stop-timeout = 30s
	monitor-interval = 2s
	monitor-level = 10
	migration-threshold = 0
	drain-timeout = 20s

	[resource vip]
	agent = ocf:heartbeat:IPaddr2
	param.ip = $(site_vip "$name")
	param.cidr_netmask = 24
	param.nic = eth0
	monitor-interval = 5s
	EOF
	} > "$(site_conf_path "$name")"
}

# Which node's Postfix answers SMTP on the floating IP (port 25): the first
# label of the host name in its banner.
site_mta_banner() {
	local line
	line=$(h_exec "$1" client timeout 3 nc -w 2 "$(site_vip "$1")" 25 < /dev/null 2> /dev/null | head -n 1)
	line=${line#220 }
	echo "${line%%.*}"
}
t_mta_is() { [ "$(site_mta_banner "$1")" = "$2" ]; }

# site_send NAME ID: a sending MTA (swaks in the client) relays a message
# with Message-ID <ID> through the floating IP; prints the server's reply to
# the end of DATA ("<-  250 2.0.0 Ok: queued as ...").
site_send() {
	h_exec "$1" client swaks --server "$(site_vip "$1")" --port 25 \
		--from sender@sender.test --to user@example.org \
		--header "Message-ID: <$2>" --header "Subject: relevo test $2" \
		--timeout 10 2>&1 | grep -E '^<[-~] +[0-9]{3} ' | tail -n 2 | head -n 1 || true
}

# Power a mail node off: DRBD on the survivor would see its peer gone; the
# stand-in is told so (the powered-off node cannot say it itself).
site_poweroff() {
	h_poweroff "$1" "$2"
	RELEVO_DRBD_STANDIN_DIR=$(h_state "$1")/drbd "$(h_drbd_standin_ctl)" --node "$2" down spool > /dev/null
}

# relevod (foreground, logging to /var/log/relevod.out in the node) and the
# node's SMTP banner server.
site_start() {
	local name=$1 k=$2
	h_start "$name" "$k" smtp smtp-sink -u nobody -h "$k" "0.0.0.0:$SITE_PORT" 64
	h_start "$name" "$k" relevod "$RELEVOD" -f -c "$(site_conf_path "$name")"
}

# site_conf_watchdog NAME SECONDS: site_conf with fencing by the watchdog
# (the stand-in's device, SECONDS timeout) and the qdevice witness.
site_conf_watchdog() {
	local name=$1 t=$2
	site_conf "$name" "$(printf 'fencing = on\nagent-lost-grace = 3s\nwitness = qdevice')"
	cat >> "$(site_conf_path "$name")" <<-EOF

	[watchdog]
	device = /run/relevo-watchdog
	timeout = ${t}s
	interval = 1s
	EOF
}

site_node_alive() { h_pid_alive "$(h_state "$1")/$2/init.pid"; }

# site_node_up NAME K MODE [WD_SECONDS]: everything node K runs, from boot
# (booted if it is off); what already runs is left alone. MODE agent: corosync,
# the SMTP sink, relevod; watchdog: also corosync-qdevice and the watchdog
# stand-in (WD_SECONDS, default 5).
site_node_up() {
	local name=$1 k=$2 mode=$3 wd=${4:-5}
	if ! site_node_alive "$name" "$k"; then
		# a stand-in still watching the node's last life would power
		# the new one off
		[ "$mode" != watchdog ] || ! h_watchdog_running "$name" "$k" ||
			h_watchdog_stop "$name" "$k"
		h_boot "$name" "$k"
	fi
	h_daemon_running "$name" "$k" corosync || h_corosync_start "$name" "$k"
	if [ "$mode" = watchdog ]; then
		h_daemon_running "$name" "$k" qdevice || h_qdevice_start "$name" "$k"
		h_watchdog_running "$name" "$k" ||
			h_watchdog_start "$name" "$k" "$wd" /run/relevo-watchdog
	fi
	h_daemon_running "$name" "$k" smtp ||
		h_start "$name" "$k" smtp smtp-sink -u nobody -h "$k" "0.0.0.0:$SITE_PORT" 64
	h_daemon_running "$name" "$k" relevod ||
		h_start "$name" "$k" relevod "$RELEVOD" -f -c "$(site_conf_path "$name")"
}

# The role node K of NAME says, if the node is up (empty when it is off).
site_node_role() { if site_node_alive "$1" "$2"; then site_role "$1" "$2"; fi; }
# The nodes of NAME that say ACTIVE, space separated.
site_actives() {
	local k out=""
	for k in $(h_nodes "$1"); do [ "$(site_node_role "$1" "$k")" != active ] || out="$out $k"; done
	echo "${out# }"
}
# Exactly one node of NAME is ACTIVE, and the floating IP answers from it.
site_one_active() {
	local a
	a=$(site_actives "$1")
	[ -n "$a" ] && [ "${a#* }" = "$a" ] && [ "$(site_banner "$1")" = "$a" ]
}
# One ACTIVE as site_one_active says, and a STANDBY.
site_settled() {
	site_one_active "$1" &&
		{ [ "$(site_node_role "$1" n1)" = standby ] || [ "$(site_node_role "$1" n2)" = standby ]; }
}

# Give node K a "relevo" group with user nobody in it, as the package will
# create it: a copy of /etc/group bind-mounted in the node's own mount
# namespace only (the host's /etc/group is never touched). Before relevod
# starts, since it looks the group up once.
site_relevo_group() {
	local name=$1 k=$2 f
	f=$(h_state "$name")/$k/group
	cp /etc/group "$f"
	echo "relevo:x:4999:nobody" >> "$f"
	h_exec "$name" "$k" mount --bind "$f" /etc/group
}

# relevo CLI inside node K.
site_relevo() {
	local name=$1 k=$2
	shift 2
	h_exec "$name" "$k" "$RELEVO" "$@"
}

# The status document as node K's relevod serves it (JSON), or nothing.
site_json() { site_relevo "$1" "$2" --output-as json status 2> /dev/null || true; }

# Role of node K as it says itself ("active", "standby", ...; "" if unknown).
site_role() { site_json "$1" "$2" | jq -r '.nodes[] | select(.local) | .role' 2> /dev/null; }

# Which node the floating IP's SMTP banner names, seen from the client.
site_banner() {
	local line
	line=$(h_exec "$1" client timeout 2 nc -w 1 "$(site_vip "$1")" "$SITE_PORT" < /dev/null 2> /dev/null | head -n 1)
	line=${line#220 }
	echo "${line%% *}"
}

# Which node answers ARP for the floating IP, seen from the client.
site_arp_owner() {
	local name=$1 mac k
	mac=$(h_exec "$name" client arping -c 1 -w 1 -I eth0 "$(site_vip "$name")" 2> /dev/null |
		sed -n 's/.*\[\(.*\)\].*/\1/p' | head -n 1 | tr 'A-F' 'a-f')
	[ -n "$mac" ] || return 0
	for k in $(h_nodes "$name"); do
		if [ "$(h_exec "$name" "$k" cat /sys/class/net/eth0/address 2> /dev/null)" = "$mac" ]; then
			echo "$k"
			return 0
		fi
	done
	echo "unknown:$mac"
}

# Nodes that have the floating IP configured, space separated.
site_vip_holders() {
	local name=$1 k out=""
	for k in $(h_nodes "$name"); do
		# the namespace's addresses, read without entering the node
		if ip -n "$(h_node_ns "$name" "$k")" -4 -o addr show dev eth0 2> /dev/null |
			grep -q " $(site_vip "$name")/"; then
			out="$out $k"
		fi
	done
	echo "${out# }"
}

t_role_is() { [ "$(site_role "$1" "$2")" = "$3" ]; }
t_banner_is() { [ "$(site_banner "$1")" = "$2" ]; }

# ---------------------------------------------------------------- observer

# site_observe_start NAME: tests/unit/site-observer samples, every 100 ms
# from outside the nodes (at most SITE_OBSERVE_MAX samples, default 3000:
# about 300 s), which nodes have the floating IP configured, answer ARP for
# it (asked from the client), have the spool mounted on /var/spool/relevo
# and run Postfix's master; one line per sample into $(site_samples NAME):
#   MS ip=NODES arp=NODES spool=NODES mta=NODES
# (NODES comma-separated, "-" for none). site_observe_stop ends it.
site_samples() { echo "$(h_state "$1")/vip-samples"; }
site_observe_start() {
	local name=$1 k nodes=()
	for k in $(h_nodes "$name"); do
		nodes+=("$k=$(h_node_ns "$name" "$k"):$(h_state "$name")/$k/init.pid")
	done
	touch "$(h_state "$name")/observe"
	"$RELEVO_BUILDDIR/tests/unit/site-observer" -a "$(site_vip "$name")" \
		-c "$(h_node_ns "$name" client)" -f "$(h_state "$name")/observe" \
		-o "$(site_samples "$name")" -n "${SITE_OBSERVE_MAX:-3000}" "${nodes[@]}" &
	echo $! > "$(h_state "$name")/observer.pid"
}
site_observe_stop() {
	rm -f "$(h_state "$1")/observe"
	wait "$(cat "$(h_state "$1")/observer.pid")" || t_fail "the observer failed (exit $?)"
}
# site_dual_samples NAME [T0]: the samples (since T0, ms) in which two nodes
# were ACTIVE at once: the floating IP configured on two, answering ARP from
# two, or the spool mounted on two.
site_dual_samples() {
	awk -v t0="${2:-0}" '$1 >= t0 && ($2 ~ /,/ || $3 ~ /,/ || $4 ~ /,/) { n++ } END { print n + 0 }' \
		"$(site_samples "$1")"
}
# site_sample_gap NAME [T0]: the longest time (ms) between two samples since T0.
site_sample_gap() {
	awk -v t0="${2:-0}" '$1 >= t0 { if (p && $1 - p > g) g = $1 - p; p = $1 } END { print g + 0 }' \
		"$(site_samples "$1")"
}
