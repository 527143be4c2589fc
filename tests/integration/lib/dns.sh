# shellcheck shell=bash
# dns.sh — a real BIND 9 primary server for the DNS relay pool tests, on a
# host of its own that sites' clusters are wired to.
#
# A DNS host NAME is a harness "cluster" without nodes (h_up NAME --nodes 0):
# its own switch, and one host in the client slot (NAME-client: network,
# mount, UTS, IPC and PID namespaces, node-init.sh as PID 1) where named runs
# in the foreground (-g) as a harness daemon. So h_down NAME (or the trap of
# h_trap_down, or run-tests.sh's sweep) ends named with the host and leaves
# nothing behind, as for any cluster.
#
#   dns_up NAME --zone ZONE [--subnet S] [--key KEYNAME]... [--reader KEYNAME]
#       makes the host, a TSIG key per --key (hmac-sha256, tsig-keygen)
#       that may update ZONE, a --reader key that BIND knows but that may
#       not update, a dynamic ZONE (SOA, NS), and starts named; waits until
#       it answers. Default key: "site-key".
#   dns_attach NAME CLUSTER   wires the DNS host to CLUSTER's switch as
#       10.99.S.53 / fd99:0:0:S::53 (S: CLUSTER's subnet; the clusters
#       attached to one DNS host need different subnets) and prints the
#       IPv4 address
#   dns_key_file NAME KEYNAME    the key file (mode 0600, for --key-file)
#   dns_dig NAME ARGS...         dig +short against the server, from its host
#   dns_pool NAME OWNER TYPE     the records of OWNER/TYPE, sorted, one line
#   dns_nsupdate NAME KEYNAME    nsupdate with that key, commands on stdin
#   dns_named_stop / dns_named_start NAME   take the server away and back
#
# Everything BIND needs (named.conf, keys, zone file, journal) lives in
# $(h_state NAME)/named, which h_down removes. This file must never touch
# the host's /etc/bind or run named outside a DNS host's namespaces.

# dns_up NAME --zone ZONE [--subnet S] [--key KEYNAME]... [--reader KEYNAME]
dns_up() {
	local name=$1 zone="" subnet=250 keys="" reader="" d k conf ip
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--zone) zone=$2; shift 2 ;;
		--subnet) subnet=$2; shift 2 ;;
		--key) keys="$keys $2"; shift 2 ;;
		--reader) reader=$2; shift 2 ;;
		*) h_die "dns_up: unknown option $1"; return 1 ;;
		esac
	done
	[ -n "$zone" ] || { h_die "dns_up: --zone is required"; return 1; }
	[ -n "$keys" ] || keys=site-key
	command -v named > /dev/null || { h_die "named is not installed (bind9)"; return 1; }
	h_up "$name" --nodes 0 --subnet "$subnet" || return 1
	d=$(h_state "$name")/named
	mkdir -p "$d"
	chmod 700 "$d"
	echo "$zone" > "$d/zone"
	: > "$d/keys.conf"
	for k in $keys $reader; do
		tsig-keygen -a hmac-sha256 "$k" > "$d/$k.key" || return 1
		chmod 600 "$d/$k.key"
		printf 'include "%s/%s.key";\n' "$d" "$k" >> "$d/keys.conf"
	done
	ip=$(h_addr4 "$name" client)
	{
		# shellcheck disable=SC2016 # the zone file's own $TTL
		printf '$TTL 60\n'
		printf '@ IN SOA ns.%s. hostmaster.%s. 1 60 60 600 60\n' "$zone" "$zone"
		printf '@ IN NS ns.%s.\n' "$zone"
		printf 'ns IN A %s\n' "$ip"
	} > "$d/$zone.zone"
	conf=$(
		printf 'options {\n'
		printf '\tdirectory "%s";\n\tpid-file "%s/named.pid";\n' "$d" "$d"
		printf '\tsession-keyfile "%s/session.key";\n' "$d"
		printf '\tmanaged-keys-directory "%s";\n' "$d"
		printf '\tlisten-on { any; };\n\tlisten-on-v6 { any; };\n'
		printf '\trecursion no;\n\tdnssec-validation no;\n\tnotify no;\n'
		printf '};\n'
		# no rndc channel: the harness starts and stops named itself
		printf 'controls { };\n'
		printf 'include "%s/keys.conf";\n' "$d"
		printf 'zone "%s" {\n\ttype primary;\n\tfile "%s.zone";\n\tallow-update {' "$zone" "$zone"
		for k in $keys; do printf ' key "%s";' "$k"; done
		printf ' };\n};\n'
	)
	printf '%s\n' "$conf" > "$d/named.conf"
	named-checkconf "$d/named.conf" || { h_die "dns_up: named.conf does not check"; return 1; }
	dns_named_start "$name"
}

dns_named_start() {
	local name=$1 d
	d=$(h_state "$name")/named
	# -g: foreground, log to stderr (/var/log/named.out of the host); one
	# worker is plenty
	h_start "$name" client named named -g -n 1 -c "$d/named.conf"
	if ! h_wait 10 0.1 dns_answers "$name"; then
		h_die "named of $name did not answer (see $(h_state "$name")/client/var-log/named.out)"
		return 1
	fi
	h_debug "named of $name serves $(cat "$d/zone")"
}

dns_named_stop() { h_stop "$1" client named 10; }

dns_answers() {
	local zone
	zone=$(cat "$(h_state "$1")/named/zone")
	[ -n "$(h_exec "$1" client dig +short +time=1 +tries=1 @127.0.0.1 "$zone" SOA 2> /dev/null)" ]
}

# dns_attach NAME CLUSTER: prints the server's address on CLUSTER's switch.
dns_attach() { h_attach "$1" "$2" 53; }

dns_key_file() { printf '%s/named/%s.key' "$(h_state "$1")" "$2"; }

dns_dig() {
	local name=$1
	shift
	h_exec "$name" client dig +short +time=2 +tries=1 @127.0.0.1 "$@"
}

# dns_pool NAME OWNER TYPE: the data of OWNER's TYPE records, sorted, on
# one line separated by ", " (empty when there are none).
dns_pool() { dns_dig "$1" "$2" "$3" | sort | paste -sd, - | sed 's/,/, /g'; }

dns_nsupdate() {
	local name=$1 key=$2 zone
	zone=$(cat "$(h_state "$name")/named/zone")
	{
		printf 'server 127.0.0.1\nzone %s\n' "$zone"
		cat
		printf 'send\n'
	} | h_exec "$name" client nsupdate -k "$(dns_key_file "$name" "$key")"
}
