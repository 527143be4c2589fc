# shellcheck shell=bash
# site.sh — a relevo site on a harness cluster: configuration, relevod on the
# nodes, and what an operator or a sender sees of it.
#
# Binaries come from the build tree: $RELEVO_BUILDDIR (set by make) or the
# tree this file lives in. The floating IP is 10.99.S.200 (private, on the
# cluster's own switch). Each node runs smtp-sink on port 2525 with its own
# name as banner host, so a connection to the floating IP tells which node
# answered, as a sending MTA would see it.

RELEVO_BUILDDIR=${RELEVO_BUILDDIR:-$(cd "$H_DIR/../.." && pwd)}
RELEVOD=$RELEVO_BUILDDIR/agent/daemon/relevod
RELEVO=$RELEVO_BUILDDIR/agent/tools/relevo
SITE_PORT=2525

site_vip() { echo "10.99.$(h_subnet "$1").200"; }
site_conf_path() { echo "$(h_state "$1")/relevo.conf"; }

# site_conf NAME [EXTRA-SITE-LINES]: write the site's relevo.conf (one file,
# the same for both nodes) with the floating IP as its only resource.
site_conf() {
	local name=$1 extra=${2:-}
	cat > "$(site_conf_path "$name")" <<-EOF
	# relevo.conf written by the test harness for site $name
	[site]
	name = $name
	fencing = off
	$extra

	[node n1]
	id = 1

	[node n2]
	id = 2

	[daemon]
	state-interval = 1s
	peer-wait = 3s
	state-dir = /var/spool/relevo

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
}

# relevod (foreground, logging to /var/log/relevod.out in the node) and the
# node's SMTP banner server.
site_start() {
	local name=$1 k=$2
	h_start "$name" "$k" smtp smtp-sink -u nobody -h "$k" "0.0.0.0:$SITE_PORT" 64
	h_start "$name" "$k" relevod "$RELEVOD" -f -c "$(site_conf_path "$name")"
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
