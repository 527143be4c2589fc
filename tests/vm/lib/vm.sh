# shellcheck shell=bash
# vm.sh — qemu virtual machines for relevo's VM tier (real DRBD, real
# watchdog): boot, command channel, hard power-off, fence broker, teardown.
#
# A run (vm_init) is a state directory $VM_ST (/tmp/relevo-vm.XXXXXX) and two
# network namespaces it creates:
#   rvvm-ID-sw      holds the LAN: a bridge (br0) with one tap per VM and a
#                   veth to the client. Every qemu runs in this namespace, so
#                   its taps never appear in the host's, and the replication
#                   links (qemu "socket" netdevs, UDP on this namespace's
#                   loopback) stay private too.
#   rvvm-ID-client  the outside world on the LAN, 10.99.0.100: the sending MTA
#                   (swaks) and the final delivery server (smtp-sink).
# VM K (name nK, node id K) has eth0 10.99.0.K on the LAN and eth1 10.98.0.K
# on a point-to-point UDP link to its peer (DRBD, corosync's second link).
# There is no uplink and no route out: traffic stays between what is made here.
#
# Each VM boots the cached base image (build-image.sh) read-only, the run's
# relevo layer (layer.sh) read-only, and a disk of its own for DRBD. Its
# serial console goes to $VM_ST/NAME/console.log. Two virtio-serial ports
# reach the host through pipe pairs (qemu "pipe" chardevs):
#   relevo.ctl    guest/relevo-vm-ctl runs the host's commands (vm_exec)
#   relevo.fence  guest/relevo-vm-fence relays fence_harness's requests to
#                 the host's fence broker (vm_fence_broker), which kills the
#                 target's qemu: the VM-level fence device.
#
# Every qemu and broker started here is recorded ("pid starttime") and killed
# by that record in vm_down (run from an EXIT trap by vm_init), which also
# deletes the namespaces. Nothing is ever killed by name. Logs (consoles,
# journals) are kept in $VM_KEEP_LOGS when set and the run failed.

VM_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_DIR=$(dirname "$VM_LIBDIR")
RELEVO_SRCDIR=$(cd "$VM_DIR/../.." && pwd)
# the generic helpers (pid records, waits, timings) and assertions
# shellcheck source=../../integration/lib/harness.sh
. "$RELEVO_SRCDIR/tests/integration/lib/harness.sh"
# shellcheck source=../../integration/lib/testlib.sh
. "$RELEVO_SRCDIR/tests/integration/lib/testlib.sh"

VM_MEM=${RELEVO_VM_MEM:-640}
VM_BOOT_TIMEOUT=${RELEVO_VM_BOOT_TIMEOUT:-600}
VM_DRBD_MB=${RELEVO_VM_DRBD_MB:-64}
VM_NICE=${RELEVO_VM_NICE:-5}
VM_CLIENT_IP=10.99.0.100
# shellcheck disable=SC2034 # the site's floating IP, for layer.sh and site.sh
VM_VIP=10.99.0.200

vm_log() { printf '%s vm: %s\n' "$(date +%H:%M:%S.%3N)" "$*" >&2; }

# ---------------------------------------------------------------- the run

# vm_init: the state directory, the base image (built if the cache has none),
# the accelerator, the namespaces, and the EXIT trap that tears it all down.
vm_init() {
	local id
	[ "$(id -u)" -eq 0 ] || { vm_log "error: the VM tier needs root"; return 1; }
	command -v qemu-system-x86_64 > /dev/null || { vm_log "error: qemu-system-x86_64 missing"; return 1; }
	VM_ST=$(mktemp -d /tmp/relevo-vm.XXXXXX) || return 1
	trap vm__exit EXIT
	trap "exit 130" INT
	trap "exit 143" TERM
	: > "$VM_ST/namespaces"
	: > "$VM_ST/vms"
	: > "$VM_ST/timeline"
	VM_T0=$(h_now_ms)
	VM_BASE=$("$VM_DIR/build-image.sh") || { vm_log "error: no base image"; return 1; }
	vm_accel_detect
	id=${VM_ST##*.}
	VM_SW=rvvm-$id-sw
	VM_CLIENT=rvvm-$id-client
	vm__ns_add "$VM_SW" || return 1
	ip -n "$VM_SW" link add br0 type bridge || return 1
	ip -n "$VM_SW" link set br0 up
	vm__ns_add "$VM_CLIENT" || return 1
	ip -n "$VM_SW" link add client type veth peer name eth0 netns "$VM_CLIENT" || return 1
	ip -n "$VM_SW" link set client master br0
	ip -n "$VM_SW" link set client up
	ip -n "$VM_CLIENT" link set eth0 up
	ip -n "$VM_CLIENT" addr add "$VM_CLIENT_IP/24" dev eth0
	vm_log "run $VM_ST: base $(basename "$VM_BASE"), accel $VM_ACCEL"
}

vm__ns_add() {
	ip netns add "$1" || return 1
	echo "$1" >> "$VM_ST/namespaces"
	ip -n "$1" link set lo up
}

# KVM when /dev/kvm is there and qemu can use it, software emulation (TCG)
# otherwise; RELEVO_VM_ACCEL=kvm|tcg decides instead.
vm_accel_detect() {
	VM_ACCEL=${RELEVO_VM_ACCEL:-}
	if [ -z "$VM_ACCEL" ]; then
		VM_ACCEL=tcg
		if [ -w /dev/kvm ] && timeout 10 qemu-system-x86_64 -accel kvm -machine none \
			-display none -nodefaults -S -daemonize -pidfile "$VM_ST/kvm-probe.pid" \
			> /dev/null 2>&1; then
			VM_ACCEL=kvm
			kill "$(cat "$VM_ST/kvm-probe.pid")" 2> /dev/null
		fi
	fi
}

vm__exit() {
	local rc=$?
	vm_down "$rc"
	exit "$rc"
}

# vm_down [RC]: every broker and qemu of the run killed by its record, the
# namespaces deleted; logs kept when RC is non-zero and VM_KEEP_LOGS is set.
# Safe to run twice.
vm_down() {
	local rc=${1:-0} f name
	[ -n "${VM_ST:-}" ] && [ -d "$VM_ST" ] || return 0
	# run-tests.sh (the integration tier's runner, shared) names the place
	VM_KEEP_LOGS=${VM_KEEP_LOGS:-${H_KEEP_LOGS:-}}
	for f in "$VM_ST"/*.bg.pid; do
		[ -e "$f" ] && vm__bg_kill "$f"
	done
	while read -r name; do
		[ -n "$name" ] && h_pid_kill "$VM_ST/$name/qemu.pid"
	done < "$VM_ST/vms"
	while read -r name; do
		[ -n "$name" ] || continue
		h_wait 10 0.05 h_not h_pid_alive "$VM_ST/$name/qemu.pid" ||
			vm_log "error: qemu of $name survived SIGKILL"
	done < "$VM_ST/vms"
	tac "$VM_ST/namespaces" | while read -r f; do
		ip netns del "$f" 2> /dev/null || true
	done
	if [ "$rc" -ne 0 ] && [ -n "${VM_KEEP_LOGS:-}" ]; then
		mkdir -p "$VM_KEEP_LOGS"
		while read -r name; do
			[ -n "$name" ] || continue
			mkdir -p "$VM_KEEP_LOGS/$name"
			cp "$VM_ST/$name"/*.log "$VM_KEEP_LOGS/$name/" 2> /dev/null || true
		done < "$VM_ST/vms"
		cp "$VM_ST/timeline" "$VM_ST"/*.log "$VM_KEEP_LOGS/" 2> /dev/null || true
		vm_log "logs kept in $VM_KEEP_LOGS"
	fi
	rm -rf "$VM_ST"
}

# vm_mark EVENT: a line of the run's timeline (ms since vm_init).
vm_mark() {
	local t
	t=$(($(h_now_ms) - VM_T0))
	printf '%8d ms  %s\n' "$t" "$*" >> "$VM_ST/timeline"
	vm_log "[$t ms] $*"
}

# vm_bg NAME CMD...: CMD in the background, in a process group of its own,
# recorded for vm_down. CMD is often a function: the subshell running it is
# the recorded pid, the programs it runs are its children, and the whole
# group is killed (a child of a killed subshell would live on).
vm_bg() {
	local name=$1
	shift
	set -m
	"$@" &
	set +m
	h_pid_id $! > "$VM_ST/$name.bg.pid"
}
# vm__bg_kill FILE: the group of the recorded pid, if that process still runs.
vm__bg_kill() {
	local pid
	h_pid_alive "$1" || return 0
	read -r pid _ < "$1"
	kill -KILL -- "-$pid" 2> /dev/null || kill -KILL "$pid" 2> /dev/null || true
	# reaped here, if it is this shell's job: no "Killed" notice later
	wait "$pid" 2> /dev/null || true
}
vm_bg_stop() { vm__bg_kill "$VM_ST/$1.bg.pid"; rm -f "$VM_ST/$1.bg.pid"; }

# ---------------------------------------------------------------- machines

# vm_boot NAME ID: start node VM NAME (node id ID, 1 or 2) on the run's layer
# ($VM_ST/layer.img, layer.sh). Returns at once; vm_wait_ready waits.
vm_boot() {
	local name=$1 id=$2 d peer accel_opts
	d=$VM_ST/$name
	if h_pid_alive "$d/qemu.pid" 2> /dev/null; then
		vm_log "error: $name is already running"
		return 1
	fi
	mkdir -p "$d"
	grep -qx "$name" "$VM_ST/vms" || echo "$name" >> "$VM_ST/vms"
	echo "$id" > "$d/id"
	for f in ctl.in ctl.out fence.in fence.out; do
		[ -p "$d/$f" ] || mkfifo -m 600 "$d/$f"
	done
	if [ ! -e "$d/drbd.img" ]; then
		truncate -s "${VM_DRBD_MB}M" "$d/drbd.img"
	fi
	peer=$((3 - id))
	if [ "$VM_ACCEL" = kvm ]; then
		accel_opts="-accel kvm -cpu host"
	else
		accel_opts="-accel tcg -cpu max"
	fi
	ip -n "$VM_SW" link show "tap-$name" > /dev/null 2>&1 ||
		ip -n "$VM_SW" tuntap add dev "tap-$name" mode tap || return 1
	ip -n "$VM_SW" link set "tap-$name" master br0
	ip -n "$VM_SW" link set "tap-$name" up
	# shellcheck disable=SC2086 # accel_opts are two options
	ip netns exec "$VM_SW" nice -n "$VM_NICE" qemu-system-x86_64 \
		-name "$name" $accel_opts -machine pc -m "$VM_MEM" -smp 1 \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$VM_BASE/vmlinuz" -initrd "$VM_BASE/initrd.img" \
		-append "console=ttyS0 no_timer_check panic=1 net.ifnames=0 systemd.hostname=$name relevo.node=$name relevo.id=$id systemd.show_status=1" \
		-drive "file=$VM_BASE/rootfs.img,if=virtio,format=raw,readonly=on" \
		-drive "file=$VM_ST/layer.img,if=virtio,format=raw,readonly=on" \
		-drive "file=$d/drbd.img,if=virtio,format=raw" \
		-netdev "tap,id=lan,ifname=tap-$name,script=no,downscript=no" \
		-device "virtio-net-pci,netdev=lan,mac=52:54:00:99:00:0$id" \
		-netdev "socket,id=rep,udp=127.0.0.1:$((47700 + peer)),localaddr=127.0.0.1:$((47700 + id))" \
		-device "virtio-net-pci,netdev=rep,mac=52:54:00:98:00:0$id" \
		-chardev "file,id=con,path=$d/console.log" -serial chardev:con \
		-device virtio-serial-pci \
		-chardev "pipe,id=ctl,path=$d/ctl" -device virtserialport,chardev=ctl,name=relevo.ctl \
		-chardev "pipe,id=fence,path=$d/fence" -device virtserialport,chardev=fence,name=relevo.fence \
		< /dev/null > "$d/qemu.log" 2>&1 &
	# no_timer_check: a host busy with other work can starve the emulated
	# CPU long enough for the kernel's timer check to fail and panic.
	# ip netns exec and nice exec qemu: $! is qemu
	h_pid_id $! > "$d/qemu.pid"
	# killed by its record, never waited for: no job report when it dies
	disown $!
	date +%s%3N > "$d/boot-started"
	vm_mark "$name: qemu started (pid $!)"
}

vm_alive() { h_pid_alive "$VM_ST/$1/qemu.pid"; }

# vm_wait_ready NAME [SECONDS]: until the VM's command channel answers;
# prints how long the boot took (ms).
vm_wait_ready() {
	local name=$1 secs=${2:-$VM_BOOT_TIMEOUT} t0 deadline
	read -r t0 < "$VM_ST/$name/boot-started"
	deadline=$(($(date +%s) + secs))
	# asked again every 20 s: a request sent while the guest boots was once
	# lost (the guest served its port from 13 s on, and answered the
	# journal request at teardown, but never this one). Answers carry their
	# request's id, so a late answer to an earlier try is skipped.
	until vm_exec "$name" -t 10 true > /dev/null; do
		if [ "$(date +%s)" -ge "$deadline" ] || ! vm_alive "$name"; then
			vm_log "error: $name did not come up within ${secs}s; console:"
			tail -n 30 "$VM_ST/$name/console.log" >&2
			return 1
		fi
	done
	echo $(($(date +%s%3N) - t0))
}

# vm_kill NAME: pull the plug (SIGKILL of its qemu); its tap loses carrier.
vm_kill() {
	local name=$1
	h_pid_kill "$VM_ST/$name/qemu.pid"
	h_wait 10 0.01 h_not vm_alive "$name" || { vm_log "error: $name survived SIGKILL"; return 1; }
	vm_mark "$name: powered off (qemu killed)"
}

# vm_exec NAME [-t SECONDS] SCRIPT...: run SCRIPT (the words joined, as bash
# source) as root in VM NAME; its output on stdout, its exit code returned
# (124: it ran out of SECONDS, default 60; 255: no answer, the VM is down).
vm_exec() {
	local name=$1 secs=60 script
	shift
	if [ "${1:-}" = -t ]; then
		secs=$2
		shift 2
	fi
	script="$*"
	vm_alive "$name" || return 255
	(
		flock 8
		vm__exec_locked "$name" "$secs" "$script"
	) 8> "$VM_ST/$name/ctl.lock"
}

vm__exec_locked() {
	local name=$1 secs=$2 script=$3 d id line started="" deadline left rest
	d=$VM_ST/$name
	id=$BASHPID.$RANDOM$RANDOM
	# read-write opens of the pipes never block, even when the qemu that
	# holds their other ends died a moment ago
	exec 6<> "$d/ctl.in" 7<> "$d/ctl.out"
	printf '%s %s %s\n' "$id" "$secs" "$(printf '%s' "$script" | base64 -w 0)" >&6
	exec 6>&-
	deadline=$(($(h_now_ms) + (secs + 10) * 1000))
	while :; do
		left=$(((deadline - $(h_now_ms)) / 1000))
		[ "$left" -gt 0 ] || break
		# bounded slices, so that a VM that died is noticed
		[ "$left" -le 2 ] || left=2
		if ! IFS= read -r -t "$left" line <&7; then
			vm_alive "$name" || break
			continue
		fi
		if [ -z "$started" ]; then
			[ "$line" = "@@RV-BEGIN $id" ] && started=1
			continue
		fi
		case $line in
		"@@RV-END $id "*)
			rest=${line#"@@RV-END $id "}
			exec 7<&-
			return "$rest"
			;;
		esac
		printf '%s\n' "$line"
	done
	exec 7<&-
	return 255
}

# vm_journal NAME [UNIT]: the VM's journal (of UNIT), for the logs.
vm_journal() {
	local name=$1 unit=${2:-}
	vm_exec "$name" -t 30 "journalctl -b --no-pager -o short-monotonic ${unit:+-u $unit}" 2> /dev/null
}

# vm_save_journals: every live VM's journal into its log directory (for a
# failed run's report: vm_down keeps them with VM_KEEP_LOGS).
vm_save_journals() {
	local name
	while read -r name; do
		[ -n "$name" ] || continue
		vm_alive "$name" || continue
		vm_journal "$name" > "$VM_ST/$name/journal.log" 2>&1 || true
	done < "$VM_ST/vms"
}

# ---------------------------------------------------------------- client

# vm_client CMD...: CMD in the client namespace (the outside world).
vm_client() { ip netns exec "$VM_CLIENT" "$@"; }

# ---------------------------------------------------------------- fencing

# vm_fence_broker: the host's end of every node's relevo.fence port. A
# request comes from a VM's fence_harness (through guest/relevo-vm-fence) as
# "ID VERB [NODE]" and is answered "ID REPLY" in fence-broker.sh's words:
#   off NODE     kill NODE's qemu (SIGKILL: power cut)     -> "ok off"
#   on NODE      boot NODE again (its services are the test's business)
#   status NODE  is NODE's qemu running?                    -> "ok on" | "ok off"
#   list, ping
# Requests are served one at a time across all VMs (a fence race is decided
# here, as a power switch would); a request from a VM that was powered off
# while it waited is dropped, as the dead cannot fence. Every action is in
# the timeline.
vm_fence_broker() {
	local name
	while read -r name; do
		[ -n "$name" ] || continue
		vm_bg "fence-$name" vm__fence_serve "$name"
	done < "$VM_ST/vms"
}

vm__fence_serve() {
	local from=$1 d id req reply
	d=$VM_ST/$from
	exec 6<> "$d/fence.in" 7<> "$d/fence.out"
	while [ -d "$VM_ST" ]; do
		read -r -t 5 id req <&7 || continue
		reply=$(
			{
				flock 8
				if ! vm_alive "$from"; then
					echo dropped
					exit 0
				fi
				vm__fence_act "$from" "$req"
			} 8> "$VM_ST/fence.lock"
		)
		[ "$reply" = dropped ] && continue
		printf '%s %s\n' "$id" "$reply" >&6
	done
}

vm__fence_act() {
	local from=$1 verb node extra
	read -r verb node extra <<< "$2"
	case $verb in
	ping) echo ok; return ;;
	list) echo "ok $(tr '\n' ' ' < "$VM_ST/vms" | sed 's/ $//')"; return ;;
	off | on | status) ;;
	*) echo "error unknown request"; return ;;
	esac
	if [ -z "$node" ] || [ -n "$extra" ] || ! grep -qx -- "$node" "$VM_ST/vms"; then
		echo "error no such node"
		return
	fi
	case $verb in
	status)
		if vm_alive "$node"; then echo "ok on"; else echo "ok off"; fi
		;;
	off)
		vm_mark "fence: $from asks off $node"
		if vm_alive "$node"; then
			vm_kill "$node" > /dev/null 2>&1 || { echo "error $node still runs after SIGKILL"; return; }
		fi
		vm_mark "fence: $node is off"
		echo "ok off"
		;;
	on)
		vm_mark "fence: $from asks on $node"
		if ! vm_alive "$node"; then
			vm_boot "$node" "$(cat "$VM_ST/$node/id")" > /dev/null 2>&1 ||
				{ echo "error $node did not start"; return; }
		fi
		echo "ok on"
		;;
	esac
}
