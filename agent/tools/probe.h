/*
 * probe.h — one SMTP/STARTTLS probe session, the body of relevo-probe.
 *
 * The session connects, reads the banner, says EHLO (unless asked for the
 * banner only, as the inner-link check of relevod does), optionally runs
 * STARTTLS and checks the certificate, optionally tries a recipient, and
 * says QUIT, each phase bounded by the same timeout. Its verdict is one of
 * the exit codes below, which are the contract ocf:relevo:mta relies on,
 * and its findings are a JSON document whose field names are that
 * contract too.
 */
#ifndef RELEVO_PROBE_H
#define RELEVO_PROBE_H

#include <stdint.h>

#include <json-c/json.h>

/* Verdicts, which are relevo-probe's exit codes. */
enum probe_exit {
	PROBE_OK = 0,
	PROBE_DEGRADED = 1,      /* certificate close to expiry */
	PROBE_NOT_LISTENING = 2, /* refused, unreachable, connect timeout */
	PROBE_BROKEN = 3,        /* answers, but not as a healthy MTA */
	PROBE_TLS = 4,           /* STARTTLS, handshake or certificate */
	PROBE_USAGE = 64,        /* sysexits EX_USAGE */
};

/* What to probe and how; the strings are the caller's and must be checked
 * before (ehlo, rcpt and servername with rv_smtp_arg_ok()). */
struct probe_opts {
	const char *host;          /* name or address, brackets of [v6] removed */
	const char *port;          /* decimal 1..65535 */
	const char *ehlo;
	const char *cafile;        /* NULL: the system store */
	const char *servername;    /* NULL: host */
	const char *rcpt;          /* NULL: no MAIL/RCPT/RSET */
	const char *expect_banner; /* NULL: any 220 banner */
	int starttls;
	int banner_only;           /* connect, banner, QUIT: no EHLO */
	int verify;                /* 0: report the certificate, do not judge it */
	uint64_t warn_days;
	uint64_t timeout_ms;       /* per phase */
};

/* Run one session. Returns its verdict (PROBE_OK .. PROBE_TLS) and sets
 * *doc to the result document, which the caller owns ({"host", "port",
 * "result", "reason", "banner", "capabilities", "phases", "tls"}); or
 * returns -ENOENT (the CA file or the system store cannot be loaded) or
 * -ENOMEM with *doc NULL, before any connection is made. SIGPIPE must be
 * ignored by the caller: a server closing on us is a verdict, not a
 * signal. */
int probe_session(const struct probe_opts *o, json_object **doc);

#endif
