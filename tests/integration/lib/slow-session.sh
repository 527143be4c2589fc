#!/usr/bin/env bash
# slow-session.sh — one SMTP session that stays open: a sender whose session
# is in flight when a drain or a switchover begins (mta.test, mail.test).
#
#   slow-session.sh SERVER PORT PAUSE MESSAGE-ID [TO]
#
# Connects, reads the banner, says EHLO, then waits PAUSE seconds (the
# session is open and idle, as a slow sender's), then MAIL, RCPT, DATA with
# a message whose Message-ID is <MESSAGE-ID>, and QUIT. Prints every reply as
# "<- LINE" and what it does as "-> LINE", and at the end "result: ok" (250
# to the end of DATA and 221 to QUIT) or "result: failed: WHY". Exit 0 only
# for ok. Every read waits at most 30 s; the caller bounds the whole run.
set -u
server=$1 port=$2 pause=$3 id=$4 to=${5:-user@example.org}

fail() { echo "result: failed: $*"; exit 1; }

# reply CODE: read one reply (its continuation lines too); fail unless its
# code is CODE
reply() {
	local line
	while :; do
		IFS= read -r -t 30 line <&3 || fail "no reply (connection closed, reset or silent) while waiting for $1"
		line=${line%$'\r'}
		echo "<- $line"
		[ "${line:3:1}" = "-" ] || break
	done
	[ "${line:0:3}" = "$1" ] || fail "expected $1, got: $line"
}

say() {
	echo "-> $1"
	printf '%s\r\n' "$1" >&3 || fail "cannot send (connection reset?): $1"
}

exec 3<> "/dev/tcp/$server/$port" || fail "cannot connect to $server port $port"
echo "connected"
reply 220
say "EHLO slow.sender.test"
reply 250
echo "pausing ${pause}s"
sleep "$pause"
say "MAIL FROM:<sender@sender.test>"
reply 250
say "RCPT TO:<$to>"
reply 250
say "DATA"
reply 354
printf 'Message-ID: <%s>\r\nSubject: relevo slow session %s\r\n\r\nsent slowly\r\n.\r\n' \
	"$id" "$id" >&3 || fail "cannot send the message (connection reset?)"
echo "-> (message) ."
reply 250
say "QUIT"
reply 221
echo "result: ok"
