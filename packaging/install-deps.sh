#!/usr/bin/env bash
# install-deps.sh — the one place that installs what relevo needs on Debian 12.
#
# Puts on the machine every Debian package that building relevo, running the
# demo and every test tier needs. Non-interactive and idempotent: run it as root
# as often as you like. Nothing else in the tree installs anything.
#
# It must never change the machine beyond installing packages (no services are
# configured or enabled here; the tests run their own daemons in namespaces).
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: must run as root (it calls apt-get)" >&2
	exit 1
fi

# Build (DESIGN.md §7).
build="build-essential pkg-config autoconf automake libtool check
	libcorosync-common-dev libcpg-dev libvotequorum-dev libquorum-dev libcmap-dev
	libqb-dev libssl-dev libjson-c-dev libinih-dev libldns-dev"
# Run.
run="corosync drbd-utils postfix resource-agents fence-agents corosync-qdevice"
# Tests, the demo and the later tiers (Pacemaker for the agents, DNS, VMs,
# benchmarks, model checking, fuzzing).
tests="pacemaker pacemaker-cli-utils nftables iproute2 procps psmisc util-linux
	swaks iputils-ping iputils-arping netcat-openbsd libxml2-utils shellcheck jq
	bind9 bind9-dnsutils corosync-qnetd keepalived
	qemu-system-x86 debootstrap cpio xz-utils zstd gnuplot-nox spin clang valgrind"
# Packaging (packaging/build-deb.sh, tests/package.sh): the Debian package
# build and its lint, the man pages of the OCF agents (xsltproc), and rpm for
# checking that the spec file parses (rpmspec -P; nothing is built with it).
packaging="debhelper dpkg-dev fakeroot lintian xsltproc man-db rpm"

export DEBIAN_FRONTEND=noninteractive
# Postfix asks how to configure itself; the tests write their own main.cf.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections

# shellcheck disable=SC2086  # the lists are meant to split into words
have=$( (dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $build $run $tests $packaging 2>/dev/null || true) |
	awk '$1 == "ii" { print $2 }' | sort -u)
# shellcheck disable=SC2086
want=$(printf '%s\n' $build $run $tests $packaging | sort -u)
need=$(comm -23 <(echo "$want") <(echo "$have"))
if [ -z "$need" ]; then
	echo "install-deps.sh: all packages present"
	exit 0
fi

apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $need
