#!/bin/sh
# check-sync.sh — the role table of the Promela model (relevo.pml) must be
# the role table of relevod (agent/daemon/fsm.c): the same (role, event)
# pairs, and for each pair the same roles it may lead to. Run by `make check`
# (no spin needed: plain sh and awk); fails naming every pair that differs.
#
#   check-sync.sh [FSM_C [MODEL_PML]]
#
# How the roles a pair may lead to are found, on both sides: the row names an
# action; the action's targets are the roles it returns (C: `return
# RV_ROLE_X`, `return fsm->role` = the row's own role, `return f(...)` = f's
# targets) or sets (model: `nr = X`, `KEEP` = the row's own role, and the
# targets of every inline it calls). A target reachable in the text counts,
# whatever the condition guarding it: both sides are read the same way.

top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
fsm=${1:-$top/agent/daemon/fsm.c}
pml=${2:-$top/tests/model/relevo.pml}

for f in "$fsm" "$pml"; do
	if [ ! -r "$f" ]; then
		echo "check-sync: cannot read $f" >&2
		exit 99
	fi
done

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

# Facts from fsm.c: "row ROLE EVENT ACTION", "ret FUNC TARGET", "call FUNC G".
awk '
function facts(fn, text,    t, name) {
	t = text
	while (match(t, /RV_ROLE_[A-Z_]+/)) {
		print "ret", fn, substr(t, RSTART + 8, RLENGTH - 8)
		t = substr(t, RSTART + RLENGTH)
	}
	if (text ~ /fsm->role/)
		print "ret", fn, "SELF"
	t = text
	sub(/^[ \t]*/, "", t)
	if (match(t, /^[a-z_][a-z0-9_]*\(/)) {
		name = substr(t, 1, RLENGTH - 1)
		print "call", fn, name
	}
}
/^[ \t]*ROW\(/ {
	line = $0
	sub(/^[ \t]*ROW\(/, "", line)
	sub(/\).*/, "", line)
	gsub(/[ \t]/, "", line)
	split(line, f, ",")
	print "row", f[1], f[2], f[3]
	next
}
/^[a-z_][a-z0-9_]*\(/ && !inbody {
	fn = $0
	sub(/\(.*/, "", fn)
	next
}
/^\{/ { inbody = 1; next }
/^\}/ { inbody = 0; inret = 0; fn = ""; next }
inbody && fn != "" {
	line = $0
	if (!inret && line ~ /(^|[^a-z_])return[ \t(]/) {
		sub(/.*return/, "", line)
		ret = ""
		inret = 1
	}
	if (inret) {
		ret = ret " " line
		if (ret ~ /;/) {
			sub(/;.*/, "", ret)
			facts(fn, ret)
			inret = 0
		}
	}
}
' "$fsm" > "$tmp/c.facts"

# Facts from the model: the same, from its ROW lines and inline bodies.
awk '
/^[ \t]*ROW\(/ {
	line = $0
	sub(/^[ \t]*ROW\(/, "", line)
	sub(/\).*/, "", line)
	gsub(/[ \t]/, "", line)
	split(line, f, ",")
	print "row", f[1], f[2], f[3]
	next
}
/^inline [a-z_][a-z0-9_]*\(/ {
	fn = $2
	sub(/\(.*/, "", fn)
	next
}
/^\}/ { fn = ""; next }
fn != "" {
	line = $0
	sub(/\/\*.*/, "", line)
	t = line
	while (match(t, /nr = [A-Z_]+/)) {
		print "ret", fn, substr(t, RSTART + 5, RLENGTH - 5)
		t = substr(t, RSTART + RLENGTH)
	}
	if (line ~ /(^|[^A-Z_])KEEP([^A-Z_]|$)/)
		print "ret", fn, "SELF"
	t = line
	while (match(t, /[a-z_][a-z0-9_]*\(/)) {
		print "call", fn, substr(t, RSTART, RLENGTH - 1)
		t = substr(t, RSTART + RLENGTH)
	}
}
' "$pml" > "$tmp/m.facts"

# "ROLE EVENT TARGET,TARGET,..." for every row, targets sorted.
resolve() {
	awk '
	$1 == "row" { nrow++; role[nrow] = $2; ev[nrow] = $3; act[nrow] = $4 }
	$1 == "ret" { if (index(set[$2], " " $3 " ") == 0) set[$2] = set[$2] " " $3 " " }
	$1 == "call" { ncall++; from[ncall] = $2; to[ncall] = $3 }
	END {
		do {
			changed = 0
			for (i = 1; i <= ncall; i++) {
				n = split(set[to[i]], t, " ")
				for (j = 1; j <= n; j++)
					if (index(set[from[i]], " " t[j] " ") == 0) {
						set[from[i]] = set[from[i]] " " t[j] " "
						changed = 1
					}
			}
		} while (changed)
		for (r = 1; r <= nrow; r++) {
			n = split(set[act[r]], t, " ")
			for (j = 1; j <= n; j++)
				if (t[j] == "SELF")
					t[j] = role[r]
			for (j = 2; j <= n; j++)        # insertion sort
				for (k = j; k > 1 && t[k - 1] > t[k]; k--) {
					x = t[k]; t[k] = t[k - 1]; t[k - 1] = x
				}
			out = ""
			for (j = 1; j <= n; j++)
				if (j == 1 || t[j] != t[j - 1])
					out = out (out == "" ? "" : ",") t[j]
			print role[r], ev[r], (out == "" ? "(none)" : out)
		}
	}' "$1"
}

resolve "$tmp/c.facts" | sort > "$tmp/c.rows"
resolve "$tmp/m.facts" | sort > "$tmp/m.rows"

if [ ! -s "$tmp/c.rows" ] || [ ! -s "$tmp/m.rows" ]; then
	echo "check-sync: found no ROW lines in $fsm or $pml" >&2
	exit 99
fi

awk -v fsm="$fsm" -v pml="$pml" '
FNR == NR { c[$1 " " $2] = $3; next }
{ m[$1 " " $2] = $3 }
END {
	bad = 0
	for (k in c) {
		if (!(k in m)) {
			printf "(%s): in fsm.c (-> %s), not in the model\n", k, c[k]
			bad++
		} else if (c[k] != m[k]) {
			printf "(%s): fsm.c leads to %s, the model to %s\n", k, c[k], m[k]
			bad++
		}
	}
	for (k in m)
		if (!(k in c)) {
			printf "(%s): in the model (-> %s), not in fsm.c\n", k, m[k]
			bad++
		}
	n = 0
	for (k in c)
		n++
	if (bad) {
		printf "check-sync: %d pair(s) differ between %s and %s\n", bad, fsm, pml
		exit 1
	}
	printf "check-sync: %d (role, event) pairs, the same in fsm.c and the model\n", n
}' "$tmp/c.rows" "$tmp/m.rows"
