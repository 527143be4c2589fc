# shellcheck shell=bash
# pacemaker.sh — real Pacemaker (2.1) on the nodes of a harness cluster, so
# that relevo's resource agents run under the cluster manager they are written
# for, as ocf:relevo:NAME.
#
# Each node gets a pre-written cib.xml (dc-deadtime=2s: with an empty CIB the
# first start would wait 20 s for the DC election), relevo's agents from the
# source tree as provider "relevo", and `pacemakerd` started with h_start, so
# that h_stop, h_poweroff and h_down end it like any other daemon of the node.
# Pacemaker logs to the node's /var/log/pacemaker/pacemaker.log only
# (PCMK_logfacility=none: nothing goes to the host's syslog).
#
# Needs lib/harness.sh, and corosync running on the node (h_corosync_start)
# before pcmk_start. This file must never write on the host outside the
# cluster's state directory: the agents reach /usr/lib/ocf/resource.d through
# a bind mount in the node's own mount namespace.

PCMK_AGENTS_DIR=$(cd "$H_DIR/../../resource-scripts" && pwd)
PCMK_OCF_ROOT=/usr/lib/ocf

# pcmk_cib_init NAME K [--stonith-enabled true|false] [--no-quorum-policy P]
#     [--recheck-interval T]
# Writes node K's initial cib.xml (owned hacluster:haclient, mode 0600) with
# the cluster options only; Pacemaker fills in the nodes from corosync's
# nodelist. stonith-enabled defaults to true: a test turns it off on purpose.
# no-quorum-policy defaults to Pacemaker's own (stop): with two nodes the
# harness's corosync has two_node: 1, so the survivor of a power-off keeps
# quorum; pass ignore only for a test that wants a partition without quorum
# to keep running. Call before pcmk_start; a node's CIB survives h_boot.
pcmk_cib_init() {
	local name=$1 k=$2 stonith=true nqp="" recheck=1min f id=cib-bootstrap-options
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in
		--stonith-enabled) stonith=$2; shift 2 ;;
		--no-quorum-policy) nqp=$2; shift 2 ;;
		--recheck-interval) recheck=$2; shift 2 ;;
		*) h_die "pcmk_cib_init: unknown option $1"; return 1 ;;
		esac
	done
	case $stonith in true | false) ;; *) h_die "pcmk_cib_init: --stonith-enabled true|false"; return 1 ;; esac
	f=$(h_state "$name")/$k/var-lib-pacemaker/cib/cib.xml
	{
		printf '<cib validate-with="pacemaker-3.0" admin_epoch="0" epoch="1" num_updates="0">\n'
		printf '  <configuration>\n    <crm_config>\n'
		printf '      <cluster_property_set id="%s">\n' "$id"
		printf '        <nvpair id="%s-%s" name="%s" value="%s"/>\n' \
			"$id" dc-deadtime dc-deadtime 2s \
			"$id" stonith-enabled stonith-enabled "$stonith" \
			"$id" cluster-recheck-interval cluster-recheck-interval "$recheck"
		[ -z "$nqp" ] || printf '        <nvpair id="%s-%s" name="%s" value="%s"/>\n' \
			"$id" no-quorum-policy no-quorum-policy "$nqp"
		printf '      </cluster_property_set>\n    </crm_config>\n'
		printf '    <nodes/>\n    <resources/>\n    <constraints/>\n'
		printf '  </configuration>\n  <status/>\n</cib>\n'
	} > "$f"
	rm -f "$f.sig"
	chown hacluster:haclient "$f"
	chmod 0600 "$f"
}

# pcmk_ocf_relevo NAME K: inside node K, Pacemaker finds relevo's agents
# (every executable in resource-scripts/ but *.sh) as ocf:relevo:NAME. They
# are linked, not copied, so an agent edited in the tree is what runs. The
# host has no /usr/lib/ocf/resource.d/relevo (relevo is not installed), so a
# copy of the host's resource.d with relevo/ added is bind-mounted over
# /usr/lib/ocf/resource.d (a copy: links back to the host's path would point
# at the mount itself). If relevo is installed on the host, only its
# directory is covered. A boot gives the node a fresh mount namespace: call
# it again after h_boot.
pcmk_ocf_relevo() {
	local name=$1 k=$2 d top dir a
	d=$(h_state "$name")/$k
	top=$PCMK_OCF_ROOT/resource.d
	if [ -d "$top/relevo" ]; then
		dir=$d/ocf-relevo
		mkdir -p "$dir"
	else
		if [ ! -d "$d/ocf-resource.d" ]; then
			mkdir -p "$d/ocf-resource.d"
			cp -a "$top/." "$d/ocf-resource.d/" || return 1
		fi
		dir=$d/ocf-resource.d/relevo
		mkdir -p "$dir"
	fi
	for a in "$PCMK_AGENTS_DIR"/*; do
		case $a in *.sh | */Makefile*) continue ;; esac
		if [ ! -f "$a" ] || [ ! -x "$a" ]; then continue; fi
		ln -sfn "$a" "$dir/${a##*/}"
	done
	if [ -d "$top/relevo" ]; then
		h_exec "$name" "$k" mount --bind "$dir" "$top/relevo"
	else
		h_exec "$name" "$k" mount --bind "$d/ocf-resource.d" "$top"
	fi
}

# pcmk_start NAME K: pacemakerd in the foreground (recorded as "pacemaker").
pcmk_start() {
	h_start "$1" "$2" pacemaker env PCMK_logfacility=none pacemakerd -f
}

# pcmk_stop NAME K [TIMEOUT]: an orderly Pacemaker shutdown of node K (its
# resources move or stop first).
pcmk_stop() { h_stop "$1" "$2" pacemaker "${3:-60}"; }

# Tools inside node K.
pcmk_resource() { local name=$1 k=$2; shift 2; h_exec "$name" "$k" crm_resource "$@"; }
pcmk_cibadmin() { local name=$1 k=$2; shift 2; h_exec "$name" "$k" cibadmin "$@"; }
pcmk_mon_xml() { h_exec "$1" "$2" crm_mon -1 --output-as=xml 2> /dev/null; }

# pcmk_xpath XPATH: values of the attributes XPATH selects in the XML on
# stdin, one a line (nothing when none).
pcmk_xpath() {
	xmllint --xpath "$1" - 2> /dev/null | sed -n 's/^ *[a-z_-]*="\(.*\)"$/\1/p'
}

# Names of the nodes node K's Pacemaker sees online, space separated, sorted.
pcmk_online() {
	pcmk_mon_xml "$1" "$2" | pcmk_xpath '//nodes/node[@online="true"]/@name' | sort | tr '\n' ' ' | sed 's/ $//'
}
pcmk_online_is() { [ "$(pcmk_online "$1" "$2")" = "$3" ]; }

# pcmk_locate NAME K RSC: nodes where primitive RSC (or every member of
# group RSC) is started, as node K's Pacemaker sees it; space separated.
pcmk_locate() {
	local xml
	xml=$(pcmk_mon_xml "$1" "$2") || return 0
	{
		pcmk_xpath "//resource[@id=\"$3\"][@role=\"Started\"]/node/@name" <<< "$xml"
		if pcmk_xpath "//group[@id=\"$3\"]/@id" <<< "$xml" | grep -q .; then
			pcmk_group_node "$3" <<< "$xml"
		fi
	} | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# The node every member of group G runs on (nothing if they are not all
# started on one node), from crm_mon XML on stdin.
pcmk_group_node() {
	local xml n m
	xml=$(cat)
	n=$(xmllint --xpath "count(//group[@id=\"$1\"]/resource)" - <<< "$xml" 2> /dev/null)
	m=$(pcmk_xpath "//group[@id=\"$1\"]/resource[@role=\"Started\"]/node/@name" <<< "$xml" | sort | uniq -c)
	# one node, named by all n members
	if [ "$(wc -l <<< "$m")" = 1 ] && [ "$(awk '{ print $1 }' <<< "$m")" = "$n" ]; then
		awk '{ print $2 }' <<< "$m"
	fi
}
pcmk_locate_is() { [ "$(pcmk_locate "$1" "$2" "$3")" = "$4" ]; }

# pcmk_up NAME [pcmk_cib_init options]: Pacemaker on every node of NAME
# (corosync must run there): CIB, agents, pacemakerd; then waits, at most
# 30 s, until the first node sees all of them online. Sets PCMK_UP_MS to the
# time that took.
pcmk_up() {
	local name=$1 k t0 all first
	shift
	all=$(h_nodes "$name" | sort | tr '\n' ' ' | sed 's/ $//')
	first=$(h_nodes "$name" | head -n 1)
	for k in $(h_nodes "$name"); do
		pcmk_cib_init "$name" "$k" "$@" || return 1
		pcmk_ocf_relevo "$name" "$k" || return 1
	done
	t0=$(h_now_ms)
	for k in $(h_nodes "$name"); do pcmk_start "$name" "$k"; done
	if ! h_wait 30 0.2 pcmk_online_is "$name" "$first" "$all"; then
		h_die "Pacemaker: not all of $all online within 30 s (online: $(pcmk_online "$name" "$first"))"
		return 1
	fi
	PCMK_UP_MS=$(( $(h_now_ms) - t0 ))
	h_log "Pacemaker up on $all (all online after $PCMK_UP_MS ms)"
}
