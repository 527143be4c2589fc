#!/usr/bin/env bash
# check-prober.sh — `make check` for the benchmark's prober, on loopback only
# and without root: against Postfix's smtp-sink on a free 127.0.0.1 port it
# records one ok line naming the banner's host per 50 ms; against a port
# nobody listens on, refusals; SIGTERM ends it at once with exit 0; bad
# arguments exit 2; `prober clock` prints two times. Skipped (77) without
# smtp-sink.
set -uo pipefail
PROBER=${PROBER:-./prober}
[ -x "$PROBER" ] || { echo "no prober at $PROBER"; exit 1; }
command -v smtp-sink > /dev/null || { echo "SKIP: no smtp-sink (package postfix)"; exit 77; }

tmp=$(mktemp -d)
sink=""
cleanup() {
	[ -z "$sink" ] || { kill "$sink" 2> /dev/null; wait "$sink" 2> /dev/null; }
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok - $*"; }

# a free port, probed by binding it with smtp-sink itself (up to 10 tries)
user=()
[ "$(id -u)" -ne 0 ] || user=(-u nobody)
for _ in $(seq 10); do
	port=$(( 20000 + RANDOM % 40000 ))
	smtp-sink "${user[@]}" -h checkhost.example "127.0.0.1:$port" 8 2> "$tmp/sink.err" &
	sink=$!
	sleep 0.2
	kill -0 "$sink" 2> /dev/null && break
	wait "$sink" 2> /dev/null
	sink=""
done
[ -n "$sink" ] || fail "smtp-sink did not start: $(cat "$tmp/sink.err")"

"$PROBER" -d 1 -o "$tmp/up.csv" -p "$port" 127.0.0.1 2> /dev/null || fail "prober exited $?"
[ "$(head -n 1 "$tmp/up.csv")" = "start_ms,end_ms,result,host,detail" ] || fail "no CSV header"
n=$(awk -F, 'NR > 1' "$tmp/up.csv" | wc -l)
good=$(awk -F, 'NR > 1 && $3 == "ok" && $4 == "checkhost.example"' "$tmp/up.csv" | wc -l)
if [ "$n" -lt 15 ] || [ "$n" -gt 22 ]; then fail "$n attempts in 1 s at 50 ms, want about 20"; fi
[ "$good" -eq "$n" ] || fail "$good of $n attempts ok naming checkhost.example"
ok "$n attempts in 1 s, all ok naming the banner's host"
# the attempts start on a 50 ms grid (within 20 ms)
awk -F, 'NR > 2 { d = $1 - p; if (d < 30 || d > 70) bad++ } NR > 1 { p = $1 } END { exit bad > 0 }' \
	"$tmp/up.csv" || fail "attempts not 50 ms apart: $(cut -d, -f1 "$tmp/up.csv" | tr '\n' ' ')"
ok "attempts 50 ms apart"

kill "$sink"
wait "$sink" 2> /dev/null
sink=""
"$PROBER" -d 1 -o "$tmp/down.csv" -p "$port" 127.0.0.1 2> /dev/null || fail "prober exited $?"
refused=$(awk -F, 'NR > 1 && $3 == "refused" && $5 == "ECONNREFUSED"' "$tmp/down.csv" | wc -l)
if [ "$refused" -lt 15 ] || [ "$refused" -ne "$(awk 'NR > 1' "$tmp/down.csv" | wc -l)" ]; then
	fail "closed port: $(awk -F, 'NR > 1 { print $3 }' "$tmp/down.csv" | sort | uniq -c | tr '\n' ' ')"
fi
ok "a closed port: $refused refusals"

"$PROBER" -d 60 -o "$tmp/term.csv" -p "$port" 127.0.0.1 2> /dev/null &
p=$!
sleep 0.3
t0=${EPOCHREALTIME/./}
kill -TERM "$p"
wait "$p"
rc=$?
took=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
if [ "$rc" -ne 0 ] || [ "$took" -ge 1000 ]; then fail "SIGTERM: exit $rc after $took ms"; fi
ok "SIGTERM: exit 0 after $took ms"

"$PROBER" -i 0 127.0.0.1 > /dev/null 2>&1
[ $? -eq 2 ] || fail "-i 0 was accepted"
"$PROBER" not-an-address > /dev/null 2>&1
[ $? -eq 2 ] || fail "a host name was accepted"
ok "bad arguments exit 2"
"$PROBER" clock | grep -Eq '^[0-9]+\.[0-9]{3} [0-9]+\.[0-9]{3}$' || fail "prober clock: $("$PROBER" clock)"
ok "prober clock"
