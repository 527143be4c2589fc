#!/bin/bash
# node-init.sh — PID 1 of a harness node (see lib/harness.sh).
#
# Runs inside fresh mount, UTS, IPC and PID namespaces (and the node's network
# namespace). It gives the node its private directories, then only reaps
# children until it is killed: a kill -9 of this process is a power-off, since
# the kernel then kills every process of the node's PID namespace.
#
# It must never write outside the node's directory D: every mount made here is
# private to the node's mount namespace and vanishes with it.
set -eu
d=$1 k=$2

bind() { if [ -d "$2" ]; then mount --bind "$1" "$2"; fi; }

bind "$d/etc-corosync" /etc/corosync
bind "$d/etc-postfix" /etc/postfix
bind "$d/var-lib-corosync" /var/lib/corosync
bind "$d/var-lib-pacemaker" /var/lib/pacemaker
bind "$d/var-lib-postfix" /var/lib/postfix
bind "$d/var-spool" /var/spool
bind "$d/var-log" /var/log
# /var/lib/relevo exists once relevo is installed; from the build tree the
# daemon is pointed at a state directory explicitly.
bind "$d/var-lib-relevo" /var/lib/relevo
# /run is tmpfs as after a reboot, but kept visible to the harness through d/run
mount --bind "$d/run" /run
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mkdir -p /run/harness /run/lock
hostname "$k"

trap '' TERM INT HUP
echo ready > "$d/ready"
# Reap whatever is reparented to us (daemons that fork, orphans).
while :; do
	sleep 60 &
	wait $! || true
done
