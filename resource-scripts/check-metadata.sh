#!/bin/sh
# check-metadata.sh — `make check` test: the meta-data of every OCF agent in
# this directory validates against resource-agents' RELAX NG schema and DTD.
#
# An agent is an executable file here with a line that starts a
# resource-agent element (its meta-data heredoc), so a new agent is checked
# without touching this script. It only reads the source directory (distcheck
# makes it read-only) and runs nothing but "AGENT meta-data".
# Skipped (exit 77) without xmllint or resource-agents.
ra_data=${RA_DATADIR:-/usr/share/resource-agents}
ocf_root=${OCF_ROOT:-/usr/lib/ocf}
dir=${srcdir:-$(dirname "$0")}
self=$(basename "$0")

command -v xmllint > /dev/null 2>&1 || { echo "xmllint not installed"; exit 77; }
if [ ! -r "$ra_data/metadata.rng" ] || [ ! -r "$ra_data/ra-api-1.dtd" ]; then
	echo "resource-agents' metadata.rng and ra-api-1.dtd not found in $ra_data"
	exit 77
fi
[ -r "$ocf_root/lib/heartbeat/ocf-shellfuncs" ] ||
	{ echo "ocf-shellfuncs not found under $ocf_root"; exit 77; }

tmp=$(mktemp) || exit 99
trap 'rm -f "$tmp"' EXIT
agents=0 failed=0
for agent in "$dir"/*; do
	if [ ! -f "$agent" ] || [ ! -x "$agent" ] || [ "$(basename "$agent")" = "$self" ] ||
		! grep -q '^<resource-agent name=' "$agent"; then
		continue
	fi
	agents=$((agents + 1))
	name=$(basename "$agent")
	if ! OCF_ROOT=$ocf_root "$agent" meta-data > "$tmp"; then
		echo "FAIL: $name meta-data exited non-zero"
		failed=$((failed + 1))
		continue
	fi
	# the DTD is named relative to the document: validate from its directory
	if ! (cd "$ra_data" && xmllint --noout --relaxng metadata.rng - < "$tmp"); then
		echo "FAIL: $name meta-data does not validate against $ra_data/metadata.rng"
		failed=$((failed + 1))
	elif ! (cd "$ra_data" && xmllint --noout --valid - < "$tmp"); then
		echo "FAIL: $name meta-data does not validate against $ra_data/ra-api-1.dtd"
		failed=$((failed + 1))
	else
		echo "ok: $name"
	fi
done
[ "$agents" -gt 0 ] || { echo "FAIL: no OCF agent found in $dir"; exit 1; }
[ "$failed" -eq 0 ]
