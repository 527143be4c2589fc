#!/usr/bin/env bash
# check-prober.sh — `make check` for the benchmark's prober, on loopback only
# and without root: against Postfix's smtp-sink on a free 127.0.0.1 port it
# records ok lines naming the banner's host, in time order (how regular they
# are is measured by the benchmark, not here); against a port
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
# how regular the attempts are is the benchmark's to report (it prints the
# spacing it got), not a unit test's: a loaded machine delays them. Here:
# it kept probing, every attempt got the banner, and in time order.
[ "$n" -ge 5 ] || fail "$n attempts in 1 s at 50 ms"
[ "$good" -eq "$n" ] || fail "$good of $n attempts ok naming checkhost.example"
awk -F, 'NR > 2 && $1 < p { bad++ } NR > 1 { p = $1 } END { exit bad > 0 }' "$tmp/up.csv" ||
	fail "attempts out of order: $(cut -d, -f1 "$tmp/up.csv" | tr '\n' ' ')"
ok "$n attempts in 1 s, in order, all ok naming the banner's host"

kill "$sink"
wait "$sink" 2> /dev/null
sink=""
"$PROBER" -d 1 -o "$tmp/down.csv" -p "$port" 127.0.0.1 2> /dev/null || fail "prober exited $?"
refused=$(awk -F, 'NR > 1 && $3 == "refused" && $5 == "ECONNREFUSED"' "$tmp/down.csv" | wc -l)
if [ "$refused" -lt 5 ] || [ "$refused" -ne "$(awk 'NR > 1' "$tmp/down.csv" | wc -l)" ]; then
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
# (it would otherwise run 60 s)
if [ "$rc" -ne 0 ] || [ "$took" -ge 10000 ]; then fail "SIGTERM: exit $rc after $took ms"; fi
ok "SIGTERM: exit 0 after $took ms"

"$PROBER" -i 0 127.0.0.1 > /dev/null 2>&1
[ $? -eq 2 ] || fail "-i 0 was accepted"
"$PROBER" not-an-address > /dev/null 2>&1
[ $? -eq 2 ] || fail "a host name was accepted"
ok "bad arguments exit 2"
"$PROBER" clock | grep -Eq '^[0-9]+\.[0-9]{3} [0-9]+\.[0-9]{3}$' || fail "prober clock: $("$PROBER" clock)"
ok "prober clock"
