# shellcheck shell=bash
# testlib.sh — assertions and timings for integration tests (*.test).
#
# A test prints "ok - WHAT" for each outcome it checked and exits 0, or prints
# "not ok - WHAT" and exits 1 at the first failed assertion; its traps then
# tear the cluster down.

t_ok() { printf 'ok - %s\n' "$*"; }
t_fail() { printf 'not ok - %s\n' "$*"; exit 1; }

# t_eq WHAT GOT WANT
t_eq() {
	[ "$2" = "$3" ] || t_fail "$1: got '$2', want '$3'"
	t_ok "$1 ($2)"
}

# t_within WHAT TIMEOUT_MS CMD...: wait until CMD succeeds (polling every
# 50 ms), fail after TIMEOUT_MS; sets T_ELAPSED to the time it took in ms.
t_within() {
	local what=$1 limit=$2 t0 now
	shift 2
	t0=$(h_now_ms)
	while :; do
		if "$@"; then
			now=$(h_now_ms)
			T_ELAPSED=$((now - t0))
			t_ok "$what (${T_ELAPSED} ms, bound ${limit} ms)"
			return 0
		fi
		now=$(h_now_ms)
		[ $((now - t0)) -lt "$limit" ] || t_fail "$what: not within ${limit} ms"
		sleep 0.05
	done
}

# t_members_are NAME NODE WANT: node NODE sees exactly the members WANT.
t_members_are() { [ "$(h_members "$1" "$2")" = "$3" ]; }
