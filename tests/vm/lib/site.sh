# shellcheck shell=bash
# site.sh — a relevo mail relay site on the VM tier's two node VMs, and what
# the outside world (the client namespace) sees of it.
#
#   vm_site_up [LAYER-OPTIONS]   layer, boot n1 and n2, DRBD created and
#                                synced, the spool laid out, corosync and
#                                relevod started; prints the timings
#   vm_site_start NAME           corosync (and corosync-qdevice) and relevod
#                                on a booted node whose DRBD disk exists
#   vm_qnetd_start               the witness: corosync-qnetd in the client
#
# The final delivery server is smtp-sink in the client namespace on
# 10.99.0.100:2525 (relayhost of the nodes' Postfix), one file per message
# in $VM_ST/final; vm_final_block / vm_final_unblock make it unreachable
# (its packets dropped, as a dead inner link) and reachable again.
#
# Needs vm.sh and layer.sh.

VM_FINAL_PORT=2525

# ---------------------------------------------------------------- bring-up

vm_site_up() {
	local k ms t0 opt
	VM_WITNESS=none
	for opt in "$@"; do
		case $opt in witness=*) VM_WITNESS=${opt#*=} ;; esac
	done
	vm_conf_check "$@" || return 1
	vm_layer "$@" || return 1
	for k in 1 2; do vm_boot "n$k" "$k" || return 1; done
	# after the boots, which made the VMs' pipes
	vm_fence_broker
	for k in 1 2; do
		ms=$(vm_wait_ready "n$k") || return 1
		vm_mark "n$k: booted, command channel up after $ms ms"
	done
	for k in 1 2; do
		vm_exec "n$k" -t 120 'systemctl is-active --wait relevo-vm-setup.service > /dev/null ||
			systemctl is-system-running --wait > /dev/null; systemctl is-active relevo-vm-setup.service' > /dev/null ||
			{ vm_log "error: n$k: node setup failed"; vm_exec "n$k" 'journalctl -b -u relevo-vm-setup --no-pager' >&2; return 1; }
	done
	vm_drbd_init || return 1
	vm_final_start || return 1
	[ "$VM_WITNESS" = none ] || vm_qnetd_start || return 1
	t0=$(h_now_ms)
	for k in 1 2; do vm_site_start "n$k" || return 1; done
	t_within "a node of the site is active" 600000 vm_has_active
	vm_mark "site up: $(vm_active) active ($(($(h_now_ms) - t0)) ms after relevod start)"
}

# DRBD as an operator sets it up once: metadata on both disks, the resource
# up and connected, n1 made the sync source, the initial sync (or, with
# VM_DRBD_SYNC=skip, none: both disks are blank), the filesystem and
# Postfix's queue on it, then Secondary for relevod to manage.
vm_drbd_init() {
	local k t0
	for k in 1 2; do
		# a fresh disk: create-md asks nothing, but say yes if it does
		vm_exec "n$k" 'yes yes 2> /dev/null | drbdadm create-md spool > /tmp/create-md.log 2>&1 ||
			{ cat /tmp/create-md.log; exit 1; }; drbdadm up spool' ||
			{ vm_log "error: n$k: drbdadm create-md/up failed"; return 1; }
	done
	t0=$(h_now_ms)
	t_within "DRBD connected" 60000 vm_drbd_state n1 "cs:Connected|cs:SyncSource|cs:SyncTarget"
	vm_mark "DRBD connected"
	t0=$(h_now_ms)
	if [ "${VM_DRBD_SYNC:-full}" = skip ]; then
		# two blank disks are equal: DRBD's documented way to skip the
		# initial sync (the scenarios that do not measure it save minutes)
		vm_exec n1 'drbdadm -- --clear-bitmap new-current-uuid spool && drbdadm primary spool' ||
			{ vm_log "error: n1: new-current-uuid --clear-bitmap failed"; return 1; }
	else
		vm_exec n1 'drbdadm primary --force spool' || { vm_log "error: n1: drbdadm primary --force failed"; return 1; }
	fi
	t_within "DRBD UpToDate on both nodes (${VM_DRBD_MB} MB, sync ${VM_DRBD_SYNC:-full})" 300000 \
		vm_drbd_state n2 "ds:UpToDate/UpToDate"
	VM_DRBD_SYNC_MS=$(($(h_now_ms) - t0))
	vm_mark "DRBD UpToDate on both nodes (${VM_DRBD_MB} MB, sync ${VM_DRBD_SYNC:-full}, $VM_DRBD_SYNC_MS ms)"
	vm_exec n1 -t 120 'set -e
		mkfs.ext4 -q -L spool /dev/drbd0
		mount /dev/drbd0 /var/spool/relevo
		mkdir -p /var/spool/relevo/postfix
		postfix -c /etc/postfix check
		umount /var/spool/relevo
		drbdadm secondary spool' || { vm_log "error: n1: laying out the spool failed"; return 1; }
	vm_mark "spool laid out (ext4, Postfix queue)"
}

# vm_drbd_state NAME REGEX: the resource's line of /proc/drbd (8.4) matches.
vm_drbd_state() { vm_exec "$1" -t 10 "grep -E '^ *0: ' /proc/drbd" 2> /dev/null | grep -Eq "$2"; }

vm_site_start() {
	local qdevice=""
	[ "${VM_WITNESS:-none}" = none ] || qdevice="systemctl start corosync-qdevice &&"
	vm_exec "$1" -t 120 "systemctl start corosync && $qdevice systemctl start relevod" ||
		{ vm_log "error: $1: corosync${qdevice:+, corosync-qdevice} or relevod did not start"; return 1; }
	vm_mark "$1: corosync${qdevice:+, corosync-qdevice} and relevod started"
}

# The site's witness (witness=qdevice): corosync-qnetd in the client
# namespace, on the LAN, without TLS; its lock and socket in the run's
# state directory, not in the host's /run.
vm_qnetd_start() {
	vm_bg qnetd vm_client corosync-qnetd -f -s off -l "$VM_CLIENT_IP" \
		-S "lock_file=$VM_ST/qnetd.pid,local_socket_file=$VM_ST/qnetd.sock"
	h_wait 10 0.1 vm_client nc -z "$VM_CLIENT_IP" 5403 ||
		{ vm_log "error: corosync-qnetd did not start"; return 1; }
	vm_mark "witness: corosync-qnetd on $VM_CLIENT_IP:5403"
}

# ---------------------------------------------------------------- state

# vm_status NAME: relevod's status document (JSON) on NAME, or nothing.
vm_status() { vm_exec "$1" -t 20 'relevo --output-as json status' 2> /dev/null || true; }
# vm_role NAME: NAME's role as it says itself ("active", "standby", ...).
vm_role() { vm_status "$1" | jq -r '.nodes[] | select(.local) | .role' 2> /dev/null; }
# vm_active: the node whose relevod says it is active (first found).
vm_active() {
	local k
	for k in n1 n2; do
		vm_alive "$k" || continue
		[ "$(vm_role "$k")" = active ] && { echo "$k"; return 0; }
	done
	return 1
}
vm_has_active() { vm_active > /dev/null; }

# vm_banner: which node's Postfix answers SMTP on the floating IP, seen
# from the client: the first label of the host name in its 220 banner.
vm_banner() {
	local line
	line=$(vm_client timeout 3 nc -w 2 "$VM_VIP" 25 < /dev/null 2> /dev/null | head -n 1)
	line=${line#220 }
	echo "${line%%.*}"
}
vm_banner_is() { [ "$(vm_banner)" = "$1" ]; }

# ---------------------------------------------------------------- mail

vm_final_dir() { echo "$VM_ST/final"; }

vm_final_start() {
	mkdir -p "$VM_ST/final"
	chmod 1777 "$VM_ST/final"
	vm_bg final vm_client smtp-sink -u root -d "$VM_ST/final/%H%M%S." "$VM_CLIENT_IP:$VM_FINAL_PORT" 64
	h_wait 10 0.1 vm_client nc -z "$VM_CLIENT_IP" "$VM_FINAL_PORT" ||
		{ vm_log "error: the final server did not start"; return 1; }
}

# The final server unreachable: its packets dropped in the client namespace
# (the relays' connections time out, as over a dead inner link).
vm_final_block() {
	vm_client nft -f - <<-EOF
	add table inet rvvm
	add chain inet rvvm input { type filter hook input priority 0; policy accept; }
	add rule inet rvvm input tcp dport $VM_FINAL_PORT drop
	EOF
	vm_mark "final server unreachable"
}
vm_final_unblock() {
	vm_client nft delete table inet rvvm 2> /dev/null || true
	vm_mark "final server reachable"
}

# vm_send ID [SWAKS-OPTIONS]: a sending MTA relays a message with
# Message-ID <ID> through the floating IP; prints the server's reply to the
# end of DATA ("250 2.0.0 Ok: queued as ...") or the last reply it got.
vm_send() {
	local id=$1
	shift
	vm_client swaks --server "$VM_VIP" --port 25 --from sender@sender.test \
		--to user@example.org --header "Message-ID: <$id>" \
		--header "Subject: relevo vm test $id" --timeout 20 "$@" 2>&1 |
		grep -E '^<[-~] +[0-9]{3} ' | tail -n 2 | head -n 1 | sed -E 's/^<[-~] +//' || true
}

# vm_delivered ID: how many copies of the message the final server got.
vm_delivered() {
	grep -rlsF "Message-ID: <$1>" "$(vm_final_dir)" 2> /dev/null | wc -l
}
vm_is_delivered() { [ "$(vm_delivered "$1")" -ge 1 ]; }

# ---------------------------------------------------------------- load

# vm_send_class ID: send one message; print what the sender saw, as one word:
#   ack      250 to the end of DATA (the relay took responsibility)
#   4xx/5xx  a temporary / permanent refusal at some step
#   refused  the connection was refused (RST to the SYN)
#   reset    the connection broke in the middle of the session
#   timeout  nothing answered in time (VM_SEND_TIMEOUT seconds, default 15,
#            for the connection and for each reply)
#   unreachable  "No route to host": the address was nowhere (ARP failed)
#   other    anything else; swaks' last lines are kept in $VM_ST/other.log
vm_send_class() {
	local out n code
	local -a codes
	out=$(vm_client swaks --server "$VM_VIP" --port 25 --from sender@sender.test \
		--to user@example.org --header "Message-ID: <$1>" \
		--header "Subject: relevo vm test $1" --timeout "${VM_SEND_TIMEOUT:-15}" 2>&1) || true
	case $out in
	*"Connection refused"*) echo refused; return ;;
	*"closed connection unexpectedly"* | *"Connection reset"* | *"Broken pipe"*) echo reset; return ;;
	*"No route"*) echo unreachable; return ;;
	*"Timeout"* | *"timed out"* | *"connect: timeout"*) echo timeout; return ;;
	esac
	# the server's reply codes, in order; the one that counts is the reply
	# before the last (the last answers QUIT). No pipeline here: under
	# pipefail a reader that stops early (grep -q, head) fails the whole
	# pipe at random, which once made a 250 count as "other".
	mapfile -t codes < <(sed -nE 's/^<[-~] +([0-9]{3})( .*)?$/\1/p' <<< "$out")
	n=${#codes[@]}
	if [ "$n" -ge 2 ]; then
		code=${codes[n - 2]}
	elif [ "$n" -eq 1 ]; then
		code=${codes[0]}
	else
		code=""
	fi
	case $code in
	250) if grep -qE '^<[-~] +250 .*queued' <<< "$out"; then echo ack; return; fi ;;
	4??) echo 4xx; return ;;
	5??) echo 5xx; return ;;
	esac
	echo other
	{ echo "$1:"; tail -n 4 <<< "$out" | sed 's/^/    /'; } >> "$VM_ST/other.log"
}

# vm_sender_start PREFIX COUNT SECONDS: a sending MTA in the client that
# sends messages PREFIX-1@relevo.test ... one after another until COUNT are
# sent or SECONDS have passed; each attempt is a line "MS ID CLASS" in
# $VM_ST/PREFIX.sent (MS: ms since vm_init). vm_sender_wait PREFIX waits for
# it to end.
vm_sender_start() {
	local prefix=$1 count=$2 secs=$3
	: > "$VM_ST/$prefix.sent"
	vm_bg "sender-$prefix" vm__sender "$prefix" "$count" "$secs"
}
vm__sender() {
	local prefix=$1 count=$2 secs=$3 i end id class
	end=$(($(h_now_ms) + secs * 1000))
	for i in $(seq 1 "$count"); do
		[ "$(h_now_ms)" -lt "$end" ] || break
		id=$prefix-$i@relevo.test
		class=$(vm_send_class "$id")
		echo "$(($(h_now_ms) - VM_T0)) $id $class" >> "$VM_ST/$prefix.sent"
		# the relay's answer came back: no pause needed, except after a
		# failure, where a real sender backs off a little too
		[ "$class" = ack ] || sleep 0.2
	done
}
vm_sender_wait() {
	h_wait "${2:-600}" 0.2 h_not h_pid_alive "$VM_ST/sender-$1.bg.pid"
}
vm_sender_count() { awk -v c="$2" '$3 == c' "$VM_ST/$1.sent" | wc -l; }

# vm_undelivered PREFIX: the acknowledged messages the final server does not
# have (yet), one ID a line.
vm_undelivered() {
	local id
	awk '$3 == "ack" { print $2 }' "$VM_ST/$1.sent" | while read -r id; do
		vm_is_delivered "$id" || echo "$id"
	done
}
vm_all_delivered() { [ -z "$(vm_undelivered "$1")" ]; }

# vm_account PREFIX: the closing numbers, on one line: attempts, what the
# sender saw, and what the final server got (delivered: distinct acknowledged
# messages it has; duplicated: extra copies of any message; unacknowledged
# but delivered: a message whose 250 was lost in the failover, which is
# allowed). Sets VM_LOST to the number of acknowledged messages not delivered.
vm_account() {
	local prefix=$1 sent acked delivered=0 dups=0 extra=0 id n classes
	sent=$(wc -l < "$VM_ST/$prefix.sent")
	acked=$(vm_sender_count "$prefix" ack)
	classes=$(awk '{ n[$3]++ } END { for (c in n) printf "%s=%d ", c, n[c] }' "$VM_ST/$prefix.sent")
	while read -r _ id class; do
		n=$(vm_delivered "$id")
		[ "$n" -le 1 ] || dups=$((dups + n - 1))
		if [ "$class" = ack ]; then
			[ "$n" -eq 0 ] || delivered=$((delivered + 1))
		elif [ "$n" -gt 0 ]; then
			extra=$((extra + 1))
		fi
	done < "$VM_ST/$prefix.sent"
	VM_LOST=$((acked - delivered))
	# what the sender could not classify, as swaks said it
	[ ! -s "$VM_ST/other.log" ] || { echo "the sender's unclassified attempts:"; cat "$VM_ST/other.log"; } >&2
	echo "messages: sent $sent, acknowledged $acked, delivered $delivered, lost $VM_LOST, duplicated $dups, delivered without acknowledgement $extra (sender saw: ${classes% })"
}
