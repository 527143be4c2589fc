#!/usr/bin/env bash
# run-tests.sh — run integration tests one after another and summarise.
#
#   run-tests.sh TEST...
#
# Each test runs under a time limit (RELEVO_TEST_TIMEOUT if set, else the
# test's own "# run-tests-timeout: SECONDS" line, else 900 s) with its own
# harness state root; whatever cluster a test leaves behind (it should leave
# none) is torn down here and the test counted as failed. A test that exits
# 77 cannot run with this build (its last line says why) and is counted as
# skipped. Prints "N passed, N failed" last; exits 1 on failure.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
. "$here/lib/harness.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "run-tests.sh: integration tests need root (namespaces, bridges, nftables)" >&2
	exit 1
fi
limit=${RELEVO_TEST_TIMEOUT:-900}
# a build with --enable-sanitizers: UBSan's reports name the whole stack
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
logdir=$(mktemp -d /tmp/relevo-itest.XXXXXX)
passed=0 failed=0 skipped=0 failures=""

for t in "$@"; do
	tn=$(basename "$t" .test)
	root=$(mktemp -d /tmp/relevo-harness.XXXXXX)
	t0=$(h_now_ms)
	# a test may need longer than the default: "# run-tests-timeout: SECONDS"
	tl=$(sed -n 's/^# run-tests-timeout: \([0-9][0-9]*\)$/\1/p' "$t" | head -n 1)
	[ -n "$tl" ] && [ -z "${RELEVO_TEST_TIMEOUT:-}" ] || tl=$limit
	RELEVO_HARNESS_ROOT=$root H_KEEP_LOGS=$logdir/$tn.nodes timeout --kill-after=30 "$tl" "$t" > "$logdir/$tn.log" 2>&1
	rc=$?
	secs=$(( ($(h_now_ms) - t0) / 1000 ))
	leaked=""
	for c in "$root"/*; do
		[ -e "$c" ] || continue
		c=$(basename "$c")
		leaked="$leaked $c"
		RELEVO_HARNESS_ROOT=$root H_KEEP_LOGS=$logdir/$tn.nodes h_down "$c" >> "$logdir/$tn.log" 2>&1
	done
	rmdir "$root" 2> /dev/null
	# under --enable-sanitizers a report anywhere (the test's own output, any
	# node's daemon logs) fails the test, even one from a process whose exit
	# the test did not look at
	sanitized=$(grep -rlE '==[0-9]+==ERROR: (Address|Leak)Sanitizer|: runtime error: ' \
		"$logdir/$tn.log" "$logdir/$tn.nodes" 2> /dev/null)
	if [ $rc -eq 77 ] && [ -z "$leaked" ] && [ -z "$sanitized" ]; then
		# exit 77 (automake's convention): the test cannot run with this
		# build; its last line says why
		skipped=$((skipped + 1))
		echo "SKIP: $tn ($(tail -n 1 "$logdir/$tn.log"))"
	elif [ $rc -eq 0 ] && [ -z "$leaked" ] && [ -z "$sanitized" ]; then
		passed=$((passed + 1))
		echo "PASS: $tn (${secs}s)"
		[ "${VERBOSE:-0}" = 0 ] || sed 's/^/    /' "$logdir/$tn.log"
	else
		failed=$((failed + 1))
		failures="$failures $tn"
		[ $rc -ne 124 ] || echo "  (timed out after ${limit}s)"
		[ -z "$leaked" ] || echo "  (left clusters behind:$leaked)"
		[ -z "$sanitized" ] || echo "  (sanitizer reports in: $(echo "$sanitized" | tr '\n' ' '))"
		echo "FAIL: $tn (${secs}s, exit $rc); the nodes' logs are in $logdir/$tn.nodes; its log:"
		sed 's/^/    /' "$logdir/$tn.log"
	fi
done

if [ -z "$failures" ] && [ "${KEEP_LOGS:-0}" = 0 ]; then
	rm -rf "$logdir"
else
	echo "logs: $logdir"
	[ -z "$failures" ] || echo "failed:$failures"
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
