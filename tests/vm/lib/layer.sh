# shellcheck shell=bash
# layer.sh — the relevo layer of the VM tier: what the build under test adds
# to the cached base image, as a small read-only ext4 disk ($VM_ST/layer.img)
# that the VMs' initramfs stacks over the base (tests/vm/initramfs-init).
#
# It holds, in one tree:
#   * relevo installed as the Debian package lays it out (/usr/sbin/relevod,
#     /usr/lib/ocf/resource.d/relevo/..., the systemd unit): `make install
#     DESTDIR=` from a second build of the build under test, configured like
#     packaging/debian/rules, kept in $VM_RELEVO_OBJDIR and rebuilt
#     incrementally at each run;
#   * the test machinery of the guest (guest/: command channel, node setup,
#     fence relay) and fence_harness as the VMs' fence agent;
#   * the site's configuration (vm_site_conf): corosync, DRBD, Postfix,
#     relevo.conf, the same for both nodes, as an operator would copy it.
# A code change rebuilds only this layer (seconds), never the base image.
#
# Needs vm.sh (VM_ST, RELEVO_SRCDIR).

RELEVO_BUILDDIR=${RELEVO_BUILDDIR:-$RELEVO_SRCDIR}
VM_RELEVO_OBJDIR=${RELEVO_VM_OBJDIR:-$RELEVO_BUILDDIR/tests/vm/relevo-usr}

# vm_relevo_install STAGE: relevo built with the package's directories and
# installed under STAGE. The source is the build's distribution tree (make
# distdir: the build tree may be the source tree configured in place, which a
# second configure could not share), synced into $obj/src by content: a file
# that did not change keeps its time, so neither configure nor make redo
# what they did at the previous run.
vm_relevo_install() {
	local stage=$1 obj=$VM_RELEVO_OBJDIR log=$VM_ST/relevo-build.log f
	# RELEVO_VM_REUSE_BUILD=1: the last installed tree as it is, for
	# someone working on the tests rather than on relevo
	if [ "${RELEVO_VM_REUSE_BUILD:-0}" = 1 ] && [ -d "$obj/installed" ]; then
		cp -a "$obj/installed/." "$stage/"
		return 0
	fi
	mkdir -p "$obj/src"
	rm -rf "$obj/src.new"
	# relative: automake prefixes distdir with ../ in the subdirectories
	if ! make -C "$RELEVO_BUILDDIR" -s distdir \
		distdir="$(realpath -m --relative-to="$RELEVO_BUILDDIR" "$obj/src.new")" > "$log" 2>&1; then
		tail -n 20 "$log" >&2
		vm_log "error: make distdir failed"
		return 1
	fi
	(
		cd "$obj/src.new" || exit 1
		find . -type f | while read -r f; do
			cmp -s "$f" "../src/$f" && continue
			mkdir -p "../src/$(dirname "$f")"
			cp -p "$f" "../src/$f"
		done
		cd ../src && find . -type f | while read -r f; do
			[ -e "../src.new/$f" ] || rm -f "$f"
		done
	) || return 1
	rm -rf "$obj/src.new"
	if [ ! -f "$obj/build/Makefile" ]; then
		mkdir -p "$obj/build"
		(cd "$obj/build" && "$obj/src/configure" --quiet --prefix=/usr --sysconfdir=/etc \
			--localstatedir=/var --with-ocfdir=/usr/lib/ocf \
			--with-systemdsystemunitdir=/lib/systemd/system) >> "$log" 2>&1 || {
			tail -n 20 "$log" >&2
			vm_log "error: configure of the VM build failed"
			return 1
		}
	fi
	if ! { make -C "$obj/build" -s -j2 && make -C "$obj/build" -s install DESTDIR="$stage"; } \
		>> "$log" 2>&1; then
		tail -n 20 "$log" >&2
		vm_log "error: the VM build of relevo failed"
		return 1
	fi
	rm -rf "$obj/installed"
	cp -a "$stage" "$obj/installed"
}

# vm_layer [SITE-OPTIONS]: build $VM_ST/layer.img for this run's site
# (options: vm_site_conf).
vm_layer() {
	local stage=$VM_ST/layer t0 u mb
	t0=$(h_now_ms)
	rm -rf "$stage"
	mkdir -p "$stage/usr/lib/relevo-vm" "$stage/usr/sbin" \
		"$stage/etc/systemd/system/sysinit.target.wants"
	vm_relevo_install "$stage" || return 1
	# The base is usr-merged (/lib, /bin, /sbin are links into /usr). In an
	# overlay a directory of the layer would hide the base's link: what
	# the package puts in /lib goes where the link leads.
	for u in lib bin sbin; do
		if [ ! -d "$stage/$u" ] || [ -L "$stage/$u" ]; then
			continue
		fi
		mkdir -p "$stage/usr/$u"
		cp -a "$stage/$u/." "$stage/usr/$u/"
		rm -rf "${stage:?}/$u"
	done
	install -m 755 "$VM_DIR"/guest/relevo-vm-ctl "$VM_DIR"/guest/relevo-vm-setup \
		"$VM_DIR"/guest/relevo-vm-fence "$stage/usr/lib/relevo-vm/"
	install -m 755 "$RELEVO_SRCDIR/tests/fence_harness" "$stage/usr/sbin/fence_harness"
	for u in relevo-vm-ctl relevo-vm-setup relevo-vm-fence; do
		install -m 644 "$VM_DIR/guest/$u.service" "$stage/etc/systemd/system/"
		ln -sf "../$u.service" "$stage/etc/systemd/system/sysinit.target.wants/$u.service"
	done
	vm_site_conf "$stage" "$@" || return 1
	mb=$(du -sm "$stage" | cut -f1)
	rm -f "$VM_ST/layer.img"
	truncate -s "$((mb * 2 + 32))M" "$VM_ST/layer.img"
	mkfs.ext4 -q -F -L relevo-layer -d "$stage" "$VM_ST/layer.img" || {
		vm_log "error: mkfs.ext4 of the layer failed"
		return 1
	}
	vm_mark "layer built ($mb MB, $(($(h_now_ms) - t0)) ms)"
}

# vm_site_conf STAGE [fencing=on|off] [device=vm|none] [watchdog=SECONDS|off]
# [witness=qdevice|none]: the site's configuration files under STAGE. Fencing
# on means: relevod fences with fence_harness (the VM-level fence device;
# device=none leaves it out, for watchdog-only fencing) and DRBD is "fencing
# resource-and-stonith" with relevo's fence-peer / unfence-peer handlers.
# witness=qdevice: the third vote comes from corosync-qnetd in the client
# namespace (vm_qnetd_start, no TLS) through corosync-qdevice on each node,
# and relevod's [site] says witness = qdevice (watchdog fencing needs it).
vm_site_conf() {
	local stage=$1 fencing=off watchdog=off device=vm witness=none opt handler="" unfence="" f
	shift
	for opt in "$@"; do
		case $opt in
		fencing=*) fencing=${opt#*=} ;;
		watchdog=*) watchdog=${opt#*=} ;;
		device=*) device=${opt#*=} ;;
		witness=none | witness=qdevice) witness=${opt#*=} ;;
		*) vm_log "error: vm_site_conf: unknown option $opt"; return 1 ;;
		esac
	done
	mkdir -p "$stage/etc/corosync" "$stage/etc/drbd.d" "$stage/etc/relevo" "$stage/etc/postfix"

	# corosync's token: 3000 ms (its default) with KVM; under emulation a
	# busy host starves the VMs for seconds and a shorter token makes the
	# membership flap, so longer there (RELEVO_VM_TOKEN decides instead).
	# The resources' timeouts likewise: under emulation on a busy host an
	# OCF agent's start has been seen to take a minute.
	local token=${RELEVO_VM_TOKEN:-3000} ping=2 to=60 mon=30
	[ -n "${RELEVO_VM_TOKEN:-}" ] || [ "${VM_ACCEL:-tcg}" = kvm ] || token=6000
	if [ "${VM_ACCEL:-tcg}" != kvm ]; then
		ping=5 to=180 mon=60
	fi
	cat > "$stage/etc/corosync/corosync.conf" <<-EOF
	# corosync.conf of the VM tier's site: two nodes, knet on two links
	# (the LAN and the replication link).
	totem {
		version: 2
		cluster_name: relay-vm
		transport: knet
		token: $token
		crypto_cipher: none
		crypto_hash: none
	}
	nodelist {
		node {
			name: n1
			nodeid: 1
			ring0_addr: 10.99.0.1
			ring1_addr: 10.98.0.1
		}
		node {
			name: n2
			nodeid: 2
			ring0_addr: 10.99.0.2
			ring1_addr: 10.98.0.2
		}
	}
	quorum {
		provider: corosync_votequorum
	$(vm__quorum_conf "$witness")
	}
	logging {
		to_syslog: yes
		to_stderr: no
		to_logfile: no
	}
	EOF

	if [ "$fencing" = on ]; then
		# the handlers this build installs (fence/: pkglibexecdir), by
		# their path: a search by name also finds their man page, which
		# DRBD then ran (exit 126)
		for f in usr/libexec/relevo/relevo-fence-peer usr/libexec/relevo/relevo-unfence-peer; do
			[ -x "$stage/$f" ] || { echo "layer: $f is not installed by this build" >&2; return 1; }
		done
		handler=usr/libexec/relevo/relevo-fence-peer
		unfence=usr/libexec/relevo/relevo-unfence-peer
	fi
	cat > "$stage/etc/drbd.d/global_common.conf" <<-EOF
	global {
		usage-count no;
	}
	common {
	}
	EOF
	{
		cat <<-EOF
		# The spool: DRBD 8.4 (Debian's kernel), protocol C over eth1. Timeouts
		# are in tenths of a second and below ping-int / connect-int; longer
		# under emulation, where a busy host starves the VMs for seconds.
		resource spool {
			net {
				protocol C;
				ping-int $ping;
				ping-timeout $((ping * 5));
				timeout $((ping * 7));
				connect-int $ping;
			}
		EOF
		if [ -n "$handler" ]; then
			cat <<-EOF
			disk {
				fencing resource-and-stonith;
			}
			handlers {
				fence-peer "/$handler";
			EOF
			[ -z "$unfence" ] || printf '\t\tafter-resync-target "/%s";\n' "$unfence"
			printf '\t}\n'
		fi
		for k in 1 2; do
			cat <<-EOF
			on n$k {
				device /dev/drbd0;
				disk /dev/vdc;
				address 10.98.0.$k:7789;
				meta-disk internal;
			}
			EOF
		done
		echo "}"
	} > "$stage/etc/drbd.d/spool.res"

	cat > "$stage/etc/postfix/main.cf" <<-EOF
	# main.cf of the VM tier's relay (myhostname is set per node at boot).
	compatibility_level = 3.6
	mydomain = relay.test
	inet_interfaces = all
	inet_protocols = ipv4
	mydestination =
	alias_maps =
	alias_database =
	mynetworks = 127.0.0.0/8 10.99.0.0/24
	relay_domains = example.org
	relayhost = [$VM_CLIENT_IP]:2525
	queue_directory = /var/spool/relevo/postfix
	data_directory = /var/lib/postfix
	maillog_file = /var/log/postfix.log
	smtpd_banner = \$myhostname ESMTP
	minimal_backoff_time = 2s
	maximal_backoff_time = 4s
	queue_run_delay = 2s
	smtp_connect_timeout = 2s
	EOF

	{
		cat <<-EOF
		# relevo.conf of the VM tier's site (written by tests/vm/lib/layer.sh)
		[site]
		name = relay-vm
		fencing = $fencing
		EOF
		[ "$fencing" != on ] || echo "fence-delay = 5s"
		[ "$witness" = none ] || echo "witness = $witness"
		cat <<-EOF

		[node n1]
		id = 1

		[node n2]
		id = 2

		[daemon]
		state-interval = 1s
		peer-wait = 3s

		EOF
		if [ "$fencing" = on ] && [ "$device" = vm ]; then
			cat <<-EOF
			[fence vm]
			agent = fence_harness
			action = off
			timeout = 60s
			option.socket = /run/relevo-vm/fence.sock
			option.power_timeout = 50

			EOF
		fi
		if [ "$watchdog" != off ]; then
			cat <<-EOF
			[watchdog]
			device = /dev/watchdog
			timeout = ${watchdog}s
			interval = 1s

			EOF
		fi
		cat <<-EOF
		[resource spool]
		agent = ocf:relevo:spool
		param.drbd_resource = spool
		param.device = /dev/drbd0
		param.mount_point = /var/spool/relevo
		param.fstype = ext4
		param.mta_config_dir = /etc/postfix
		start-timeout = ${to}s
		stop-timeout = ${to}s
		monitor-interval = ${mon}s
		monitor-timeout = ${to}s

		[resource mta]
		agent = ocf:relevo:mta
		param.config_dir = /etc/postfix
		param.spool_dir = /var/spool/relevo
		start-timeout = ${to}s
		stop-timeout = ${to}s
		monitor-interval = ${mon}s
		monitor-timeout = ${to}s
		monitor-level = 10
		drain-timeout = 60s

		[resource vip]
		agent = ocf:heartbeat:IPaddr2
		param.ip = $VM_VIP
		param.cidr_netmask = 24
		param.nic = eth0
		start-timeout = ${to}s
		stop-timeout = ${to}s
		monitor-interval = ${mon}s
		monitor-timeout = ${to}s
		EOF
	} > "$stage/etc/relevo/relevo.conf"
	chmod 644 "$stage/etc/relevo/relevo.conf"
}

# corosync.conf's quorum lines: two_node, or the qdevice of the client's
# corosync-qnetd (ffsplit: at a split the vote goes to one half).
vm__quorum_conf() {
	case $1 in
	none) printf '\ttwo_node: 1' ;;
	qdevice)
		printf '\tdevice {\n\t\tmodel: net\n\t\tvotes: 1\n\t\tnet {\n'
		printf '\t\t\thost: %s\n\t\t\ttls: off\n\t\t\talgorithm: ffsplit\n' "$VM_CLIENT_IP"
		printf '\t\t}\n\t}'
		;;
	esac
}

# vm_conf_check LAYER-OPTIONS...: relevod under test accepts the site
# configuration these options make (checked on the host with `relevod -t`,
# the fence agent named by its path here); if not, says why and fails.
vm_conf_check() {
	local tmp rc
	tmp=$(mktemp -d "$VM_ST/conf-check.XXXXXX")
	# DRBD's handlers are looked for in the stage: the build's own, here
	mkdir -p "$tmp/usr/libexec/relevo"
	ln -s "$RELEVO_BUILDDIR/fence/relevo-fence-peer" "$tmp/usr/libexec/relevo/relevo-fence-peer"
	ln -s relevo-fence-peer "$tmp/usr/libexec/relevo/relevo-unfence-peer"
	vm_site_conf "$tmp" "$@" || { rm -rf "$tmp"; return 1; }
	sed -i "s|^agent = fence_harness|agent = $RELEVO_SRCDIR/tests/fence_harness|" "$tmp/etc/relevo/relevo.conf"
	"$RELEVO_BUILDDIR/agent/daemon/relevod" -t -c "$tmp/etc/relevo/relevo.conf" > "$tmp/check.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { vm_log "error: relevod -t refuses the site's configuration ($*):"; cat "$tmp/check.out" >&2; }
	rm -rf "$tmp"
	return $rc
}

# vm_fencing: the scenarios' fencing, on (the VM fence device) unless
# RELEVO_VM_FENCING=off says otherwise.
vm_fencing() {
	case ${RELEVO_VM_FENCING:-on} in
	on | off) echo "${RELEVO_VM_FENCING:-on}" ;;
	*) vm_log "error: RELEVO_VM_FENCING=$RELEVO_VM_FENCING: on or off"; return 1 ;;
	esac
}
