#!/usr/bin/env bash
# build-image.sh — the VM tier's base image, built once and cached.
#
#   build-image.sh            print the directory of the base image, building
#                             it first if the cache has none for these inputs
#   build-image.sh --key      print only the cache key
#
# The base image is what every VM of the tier boots: a Debian 12 root
# (debootstrap --variant=minbase from the Debian mirror, the packages listed in
# tests/vm/packages), Debian's own kernel with its in-tree DRBD 8.4 module,
# and a small busybox initramfs (initramfs-init) that stacks the relevo layer
# and a tmpfs over it. relevo itself is NOT in it: the layer (tests/vm/lib/
# layer.sh) is made from the build under test at every run, so a code change
# never rebuilds this image.
#
# Cache: $RELEVO_VM_CACHE (default /var/cache/relevo-vm; `make check-vm-clean`
# removes it):
#   debootstrap-KEY1.tar   the debootstrapped root, keyed on the package list,
#                          the suite and the mirror (the slow, downloading part)
#   base-KEY/              vmlinuz, initrd.img, rootfs.img (ext4, read-only for
#                          the VMs) and the package versions, keyed on KEY1,
#                          this script and initramfs-init
# A new base replaces the older ones (one base is kept). Builds are serialised
# with a lock; a half-built entry is never used (built under a temporary name,
# renamed when complete).
#
# Needs root (debootstrap, chroot), debootstrap, mkfs.ext4 (-d), cpio, gzip, xz, zstd,
# and the Debian mirror: $RELEVO_VM_MIRROR (default http://deb.debian.org/debian).
# It never touches the host's own system: everything happens under the cache.
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
cache=${RELEVO_VM_CACHE:-/var/cache/relevo-vm}
mirror=${RELEVO_VM_MIRROR:-http://deb.debian.org/debian}
suite=bookworm

log() { printf '%s build-image: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The package list without comments, one a line.
packages() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/packages"; }

key1=$( { packages; echo "$suite $mirror"; } | sha256sum | cut -c1-16)
key=$( { echo "$key1"; cat "$here/build-image.sh" "$here/initramfs-init"; } | sha256sum | cut -c1-16)
if [ "${1:-}" = --key ]; then
	echo "$key"
	exit 0
fi
base=$cache/base-$key
if [ -s "$base/rootfs.img" ]; then
	echo "$base"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot)"
for tool in debootstrap mkfs.ext4 cpio gzip xz zstd; do
	command -v "$tool" > /dev/null || die "$tool not found (packaging/install-deps.sh installs it)"
done
mkdir -p "$cache"
exec 9> "$cache/.lock"
flock 9
# another build may have finished while we waited for the lock
if [ -s "$base/rootfs.img" ]; then
	echo "$base"
	exit 0
fi

t0=$SECONDS
work=$(mktemp -d "$cache/.build.XXXXXX")
cleanup() {
	# the chroot's kernel filesystems first, then the scratch tree
	umount -R "$work/root/proc" "$work/root/sys" "$work/root/dev" 2> /dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
root=$work/root

# 1. The root: debootstrap, or its cached tarball.
tarball=$cache/debootstrap-$key1.tar
if [ -s "$tarball" ]; then
	log "root from $tarball"
	mkdir -p "$root"
	tar -xpf "$tarball" -C "$root"
else
	log "debootstrap $suite from $mirror"
	# Postfix is configured by the tests; its installation asks nothing
	mkdir -p "$root/var/cache/debconf"
	DEBIAN_FRONTEND=noninteractive debootstrap --variant=minbase \
		--include="$(packages | paste -sd, -)" "$suite" "$root" "$mirror" \
		> "$work/debootstrap.log" 2>&1 || {
		tail -n 30 "$work/debootstrap.log" >&2
		die "debootstrap failed"
	}
	# the kernel package, kept in the tarball and unpacked below
	kpkg=$(chroot "$root" apt-cache depends linux-image-amd64 |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	[ -n "$kpkg" ] || die "no kernel package behind linux-image-amd64"
	log "kernel package $kpkg"
	mkdir -p "$root/var/cache/relevo-vm-kernel"
	chroot "$root" sh -c "cd /var/cache/relevo-vm-kernel && apt-get -q download $kpkg" > /dev/null ||
		die "cannot download $kpkg"
	chroot "$root" apt-get clean
	rm -rf "$root"/var/lib/apt/lists/*_Packages "$root"/var/log/*.log
	tar -cpf "$tarball.tmp" -C "$root" .
	mv "$tarball.tmp" "$tarball"
	# one debootstrap tarball is kept: the current one
	find "$cache" -maxdepth 1 -name 'debootstrap-*.tar' ! -name "debootstrap-$key1.tar" -delete
fi
# The kernel, unpacked rather than installed: no initramfs generator runs.
# The root is usr-merged (/lib is a link to usr/lib): tar must keep that link.
for deb in "$root"/var/cache/relevo-vm-kernel/linux-image-*.deb; do
	[ -f "$deb" ] || die "no kernel package in the root"
	dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C "$root"
done
rm -rf "$root/var/cache/relevo-vm-kernel"
log "root ready after $((SECONDS - t0)) s"

kver=$(basename "$(ls -d "$root"/lib/modules/*)")
[ -f "$root/boot/vmlinuz-$kver" ] || die "no kernel image for $kver"
[ -n "$(find "$root/lib/modules/$kver" -name 'drbd.ko*' -print -quit)" ] ||
	die "kernel $kver has no drbd module"

# 2. Trim: the modules a VM with virtio devices never loads, the docs.
for d in drivers/gpu drivers/media drivers/net/wireless drivers/infiniband \
	drivers/staging drivers/usb drivers/bluetooth drivers/iio drivers/isdn \
	drivers/hid drivers/input drivers/mtd drivers/net/ethernet \
	drivers/net/can drivers/platform drivers/hwmon drivers/thunderbolt \
	sound net/wireless net/mac80211 net/bluetooth fs/btrfs fs/xfs fs/ocfs2 \
	fs/gfs2 fs/ceph fs/nfs fs/nfsd fs/smb fs/f2fs; do
	rm -rf "${root:?}/lib/modules/$kver/kernel/$d"
done
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* \
	"$root"/usr/share/info/* "$root"/var/cache/apt/*.bin
# the image's own kmod: the host needs none
chroot "$root" depmod "$kver"

# 3. The system as every node starts it. Units the tests start themselves or
# that only cost time under emulation are kept from starting at boot:
# corosync, corosync-qdevice and relevod are started by the tests once DRBD is set up, Postfix
# is started by relevod only (as in production), DRBD is brought up by the
# tests.
for unit in corosync.service corosync-qdevice.service; do
	chroot "$root" systemctl disable "$unit" > /dev/null 2>&1 || true
done
for unit in postfix.service drbd.service apt-daily.timer \
	apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
	fstrim.timer logrotate.timer man-db.timer dpkg-db-backup.timer \
	systemd-networkd-wait-online.service getty@.service autovt@.service \
	serial-getty@ttyS0.service systemd-timesyncd.service logd.service \
	systemd-tmpfiles-clean.timer; do
	chroot "$root" systemctl mask "$unit" > /dev/null 2>&1 || true
done
echo "relevo-vm" > "$root/etc/hostname"
: > "$root/etc/fstab"
rm -f "$root/etc/postfix/main.cf"
# the journal stays in memory (the root is a tmpfs overlay anyway)
mkdir -p "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nRateLimitBurst=0\n' > "$root/etc/systemd/journald.conf.d/relevo-vm.conf"
# shellcheck disable=SC2016 # dpkg-query expands ${Package} itself
chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' > "$work/versions"

# 4. The initramfs: busybox, the modules for virtio disks, ext4 and overlay.
ird=$work/initramfs
mkdir -p "$ird/bin" "$ird/lib/modules" "$ird/proc" "$ird/sys" "$ird/dev"
cp "$root/bin/busybox" "$ird/bin/busybox"
cp "$here/initramfs-init" "$ird/init"
chmod 755 "$ird/init"
: > "$ird/modules"
chroot "$root" modprobe -a -S "$kver" --show-depends virtio_pci virtio_blk ext4 overlay |
	awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' |
	while read -r ko; do
		name=$(basename "$ko")
		case $name in
		*.xz) xz -dc "$root$ko" > "$ird/lib/modules/${name%.xz}"; name=${name%.xz} ;;
		*.zst) zstd -qdc "$root$ko" > "$ird/lib/modules/${name%.zst}"; name=${name%.zst} ;;
		*) cp "$root$ko" "$ird/lib/modules/$name" ;;
		esac
		echo "$name" >> "$ird/modules"
	done
[ -s "$ird/modules" ] || die "no modules for the initramfs"

# 5. Assemble: kernel, initramfs, the root as an ext4 image (mkfs -d: no loop
# mount), sized to its content plus room for ext4's own metadata.
new=$(mktemp -d "$cache/.base.XXXXXX")
cp "$root/boot/vmlinuz-$kver" "$new/vmlinuz"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) > "$new/initrd.img"
rm -rf "${root:?}/boot"/*
mb=$(du -sm "$root" | cut -f1)
truncate -s "$((mb * 13 / 10 + 64))M" "$new/rootfs.img"
mkfs.ext4 -q -F -L relevo-base -d "$root" "$new/rootfs.img" || die "mkfs.ext4 -d failed"
cp "$work/versions" "$new/versions"
echo "$kver" > "$new/kernel-version"
chmod 0444 "$new/rootfs.img"
rm -rf "$base"
mv "$new" "$base"
# one base is kept: this one
find "$cache" -maxdepth 1 -name 'base-*' ! -name "base-$key" -exec rm -rf {} +
log "base image $base: kernel $kver, root ${mb} MB, $((SECONDS - t0)) s"
echo "$base"
