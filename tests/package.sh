#!/usr/bin/env bash
# package.sh — `make check-package`: build the Debian package from this
# source tree, lint it, really install it, and check what an operator gets.
# Root only.
#
#  1. packaging/build-deb.sh builds relevo_*.deb in a temporary copy of the
#     tree (dpkg-buildpackage -us -uc -b, `make check` included).
#  2. lintian: no error (E:) tags; the warnings are shown.
#  3. The install: a throwaway root that is the host's own root seen through
#     an overlay with a tmpfs on top, in private mount, PID, network, UTS and
#     IPC namespaces. `dpkg -i` runs there for real, maintainer scripts and
#     all (the relevo group, systemd-tmpfiles, enabling the unit), against the
#     Debian packages the host already has (corosync, drbd-utils,
#     resource-agents, ...: packaging/install-deps.sh). Every write lands in
#     the tmpfs and is gone with the namespaces; the host's files and its dpkg
#     database are checked unchanged at the end. (dpkg-deb -x would not run
#     the maintainer scripts; a debootstrap root would need a network
#     download of every dependency.)
#  4. Inside it: the programs run, the example configuration passes
#     `relevod -t`, Pacemaker's crm_resource reads the agents' meta-data, the
#     man pages are found and render without warnings, the unit verifies and
#     is enabled but not started; then remove and purge leave nothing behind.
#
# Prints "ok - WHAT" per check, "not ok - WHAT" for a failure, and a closing
# "package: N passed, N failed". It never installs onto the host, never builds
# in the source tree, and removes everything it made.
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "package.sh: must run as root (it makes namespaces and mounts)" >&2
	exit 1
fi
for tool in dpkg-buildpackage lintian unshare chroot xmllint crm_resource; do
	command -v "$tool" > /dev/null 2>&1 ||
		{ echo "package.sh: $tool is missing (packaging/install-deps.sh)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/relevo-package.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
t0=$(date +%s)

# ------------------------------------------------------------ build
bash "$top/packaging/build-deb.sh" "$tmp/out" "$top"
version=$(sed -n 's/^AC_INIT(\[relevo\], \[\([^]]*\)\].*/\1/p' "$top/configure.ac")
deb=$(ls "$tmp"/out/relevo_"$version"-*_*.deb)
echo "built $(basename "$deb") in $(($(date +%s) - t0)) s"

# ------------------------------------------------------------ lint
mkdir -p "$tmp/lintian-tmp" # lintian leaves temp files (mldbm-elf-*) in TMPDIR
TMPDIR=$tmp/lintian-tmp lintian --no-tag-display-limit "$deb" > "$tmp/lintian.out" 2>&1 || true
sed -n '/^[EWI]: /s/^/  lintian: /p' "$tmp/lintian.out"
errors=$(grep -c '^E: ' "$tmp/lintian.out" || true)
echo "lintian: $errors error(s), $(grep -c '^W: ' "$tmp/lintian.out" || true) warning(s)"

# The RPM spec is not built here (no rpmbuild), but it must parse.
sed "s/@PACKAGE_VERSION@/$version/g" "$top/packaging/rpm/relevo.spec.in" > "$tmp/relevo.spec"
if command -v rpmspec > /dev/null 2>&1; then
	if rpmspec -P "$tmp/relevo.spec" > "$tmp/rpmspec.out" 2>&1; then
		spec=ok
	else
		spec="fails: $(head -n 3 "$tmp/rpmspec.out")"
	fi
else
	spec=skipped
fi

# ------------------------------------------------------------ install
# The checks run inside the throwaway root; the .deb and this script's
# checks reach it through a bind mount on /mnt.
cp "$deb" "$tmp/relevo.deb"
cat > "$tmp/checks.sh" <<'CHECKS'
#!/bin/bash
# runs inside the throwaway root (see package.sh)
set -uo pipefail
version=$1
passed=0 failed=0
ok() { printf 'ok - %s\n' "$*"; passed=$((passed + 1)); }
notok() { printf 'not ok - %s\n' "$*"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@" > /tmp/check.out 2>&1; then ok "$what"; else notok "$what"; sed 's/^/    /' /tmp/check.out; fi; }
eq() { if [ "$2" = "$3" ]; then ok "$1 ($2)"; else notok "$1: got '$2', want '$3'"; fi; }
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8

check "dpkg -i installs the package" dpkg -i /mnt/relevo.deb
eq "package state" "$(dpkg-query -W -f='${Status} ${Version}' relevo 2>&1)" \
	"install ok installed $version-1"
check "postinst made the relevo system group" getent group relevo
eq "state directory made by tmpfiles.d" "$(stat -c '%a %U %G' /var/lib/relevo 2>&1)" \
	"750 root relevo"
check "configuration directory /etc/relevo" test -d /etc/relevo
for p in relevod relevo relevo-probe relevo-dnsupdate; do
	eq "$p --version" "$("/usr/sbin/$p" --version 2>&1)" "$p $version"
done
h=/usr/libexec/relevo/relevo-fence-peer
check "DRBD fence-peer handler installed executable" test -x "$h"
eq "relevo-unfence-peer is the same program" "$(readlink -f /usr/libexec/relevo/relevo-unfence-peer)" "$h"
eq "relevo-fence-peer --version" "$("$h" --version 2>&1)" "relevo-fence-peer $version"
eq "relevo-unfence-peer --version" "$(/usr/libexec/relevo/relevo-unfence-peer --version 2>&1)" \
	"relevo-unfence-peer $version"
# no relevod in the throwaway root: DRBD must get "not fenced" (1), never 3-7
rc=0
DRBD_RESOURCE=spool DRBD_PEER=peer sh -c "$h --timeout 5" > /dev/null 2>&1 || rc=$?
eq "fence-peer handler without relevod exits" "$rc" 1
ex=/usr/share/doc/relevo/examples/relevo.conf
check "relevod -t accepts the example configuration" relevod -t -c "$ex"
cp "$ex" /etc/relevo/relevo.conf
check "relevo check-config reads /etc/relevo/relevo.conf" relevo check-config

for a in spool mta mxpool; do
	check "ocf:relevo:$a installed executable" test -x "/usr/lib/ocf/resource.d/relevo/$a"
	crm_resource --show-metadata "ocf:relevo:$a" > "/tmp/$a.xml" 2> /tmp/check.out
	check "crm_resource --show-metadata ocf:relevo:$a validates" \
		sh -c "cd /usr/share/resource-agents && xmllint --noout --relaxng metadata.rng /tmp/$a.xml"
done

for page in relevod.8 relevo.8 relevo-probe.8 relevo-fence-peer.8 relevo-dnsupdate.8 \
	relevo.conf.5 ocf_relevo_spool.7 ocf_relevo_mta.7 ocf_relevo_mxpool.7; do
	f=$(man -w "${page##*.}" "${page%.*}" 2> /dev/null || true)
	eq "man page $page" "$f" "/usr/share/man/man${page##*.}/$page.gz"
	[ -n "$f" ] || continue
	w=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 > /dev/null || echo "man failed")
	eq "$page renders without warnings" "$w" ""
done

unit=/lib/systemd/system/relevod.service
check "systemd unit installed" test -f "$unit"
check "systemd-analyze verify relevod.service" systemd-analyze verify "$unit"
check "unit enabled for multi-user.target" \
	test -L /etc/systemd/system/multi-user.target.wants/relevod.service
check "relevod not started by the installation" sh -c '! pgrep -x relevod'

check "dpkg -r removes the package" dpkg -r relevo
check "programs gone" sh -c '! test -e /usr/sbin/relevod && ! test -e /usr/lib/ocf/resource.d/relevo/mta && ! test -e /usr/libexec/relevo'
check "operator's configuration kept after remove" test -f /etc/relevo/relevo.conf
check "dpkg -P purges it" dpkg -P relevo
check "purge removes the state directory" sh -c '! test -e /var/lib/relevo'
check "purge removes the unit's enablement" \
	sh -c '! test -e /etc/systemd/system/multi-user.target.wants/relevod.service'
echo "inside: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
CHECKS
chmod +x "$tmp/checks.sh"

host_state() { md5sum < /var/lib/dpkg/status; ls -ld /var/lib/relevo 2>&1 || true; }
host_before=$(host_state)
mkdir "$tmp/ns"
set +e
# shellcheck disable=SC2016 # the inner script expands its own arguments
unshare --mount --pid --net --uts --ipc --fork --propagation private \
	bash -euc '
	ns=$1 mnt=$2 version=$3
	mount -t tmpfs -o mode=0755 relevo-package "$ns"
	mkdir "$ns/upper" "$ns/work" "$ns/root"
	mount -t overlay relevo-package -o "lowerdir=/,upperdir=$ns/upper,workdir=$ns/work" "$ns/root"
	r=$ns/root
	mount -t proc proc "$r/proc"
	mount --bind /dev "$r/dev"
	mount -t tmpfs tmpfs "$r/dev/shm"
	mount -t tmpfs tmpfs "$r/run"
	mount -t tmpfs tmpfs "$r/tmp"
	mount --bind "$mnt" "$r/mnt"
	hostname relevo-package
	chroot "$r" /mnt/checks.sh "$version"
	' package "$tmp/ns" "$tmp" "$version" > "$tmp/inside.out" 2>&1
inside=$?
set -e
cat "$tmp/inside.out"

passed=$(sed -n 's/^inside: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$tmp/inside.out")
failed=$(sed -n 's/^inside: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$tmp/inside.out")
passed=${passed:-0} failed=${failed:-0}
if [ "$inside" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "not ok - the throwaway root could not be set up (exit $inside)"
	failed=1
fi
if [ "$errors" -eq 0 ]; then
	echo "ok - lintian reports no errors"
	passed=$((passed + 1))
else
	echo "not ok - lintian reports $errors error(s)"
	failed=$((failed + 1))
fi
case $spec in
ok) echo "ok - rpmspec -P parses packaging/rpm/relevo.spec"; passed=$((passed + 1)) ;;
skipped) echo "skip - rpmspec not installed" ;;
*) echo "not ok - rpmspec -P packaging/rpm/relevo.spec $spec"; failed=$((failed + 1)) ;;
esac
if [ "$(host_state)" = "$host_before" ] && ! dpkg-query -W relevo > /dev/null 2>&1; then
	echo "ok - the host is unchanged (dpkg database, /var/lib/relevo)"
	passed=$((passed + 1))
else
	echo "not ok - the host changed"
	failed=$((failed + 1))
fi
rmdir "$tmp/ns"
echo "took $(($(date +%s) - t0)) s"
echo "package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
