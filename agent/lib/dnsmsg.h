/*
 * dnsmsg.h — one signed DNS exchange with a zone's primary server, and the
 * verdict on its answer.
 *
 * relevo speaks DNS only through ldns (no hand-written packets): the
 * request is an ldns_pkt the caller built (an RFC 2136 UPDATE or a QUERY),
 * signed here with the site's TSIG key (RFC 8945), sent over TCP (or UDP,
 * falling back to TCP when the answer is truncated); the answer's bytes go
 * through rv_dns_answer_check(), the one place where a server's bytes are
 * judged, before anything else looks at them.
 *
 * An answer is believed only when it is the answer to our request (QR set,
 * same ID, opcode and zone/question) and carries a TSIG that ldns verifies
 * with our key over the request's MAC, signed within the fudge of our
 * clock. An answer that fails any of these is RV_DNS_BAD_ANSWER, whatever
 * its RCODE says: a spoofed "NOERROR" must never make a withdrawal look
 * done. Failures the server reports about our signature (TSIG error
 * BADSIG, BADKEY, BADTIME) come unsigned by design (RFC 8945 §5.3.2); they
 * are reported as RV_DNS_AUTH_FAILED, which is a failure either way.
 *
 * The exchange blocks (ldns's network calls), for at most about twice the
 * server's timeout per attempt: relevod runs it in a child, as it runs OCF
 * agents, never in its loop. Return convention: 0 or -errno for the call
 * itself; what the server said is in the answer's verdict.
 */
#ifndef RELEVO_DNSMSG_H
#define RELEVO_DNSMSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <ldns/ldns.h>

#include "dnskey.h"

#define RV_DNS_FUDGE 300            /* seconds of clock difference TSIG allows (RFC 8945) */
#define RV_DNS_WHY_MAX 256

/* The verdict on one answer, from the best to the worst. */
enum rv_dns_verdict {
	RV_DNS_OK = 0,          /* NOERROR (or NXDOMAIN to a query), signed and verified */
	RV_DNS_PREREQ_FAILED,   /* an UPDATE's prerequisite did not hold: YXDOMAIN,
				 * YXRRSET, NXDOMAIN, NXRRSET; nothing was changed */
	RV_DNS_REFUSED,         /* the server would not do it: REFUSED, NOTAUTH, NOTZONE,
				 * SERVFAIL, FORMERR, NOTIMP, ... */
	RV_DNS_AUTH_FAILED,     /* the server did not accept our TSIG (BADSIG, BADKEY,
				 * BADTIME): wrong key, unknown key or clock skew */
	RV_DNS_BAD_ANSWER,      /* the answer cannot be believed or read */
	RV_DNS_UNREACHABLE,     /* no answer at all: connect failed, timeout, closed */
};

/* The zone's primary server. */
struct rv_dns_server {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int udp;                /* 1: UDP first (TCP when truncated); 0: TCP */
	unsigned timeout_ms;    /* per network wait (connect, each read) */
	char text[64];          /* "192.0.2.53 port 53", for messages */
};

/* The verdict on an answer and what it said. */
struct rv_dns_answer {
	enum rv_dns_verdict verdict;
	int rcode;              /* the header's RCODE, -1 when there was no answer */
	int tsig_error;         /* the answer's TSIG error field (0: none) */
	int verified;           /* 1: the answer's TSIG verified with our key */
	ldns_pkt *pkt;          /* the parsed answer (owned; NULL unless it could be
				 * parsed); its records are trusted only when
				 * verdict is RV_DNS_OK or RV_DNS_PREREQ_FAILED */
	char why[RV_DNS_WHY_MAX]; /* what happened, for people */
};

/* Parse an IPv4 or IPv6 address (no names: the primary must be reachable
 * without DNS) and port into *srv. Returns 0 or -EINVAL. */
int rv_dns_server_set(struct rv_dns_server *srv, const char *address, unsigned port, int udp,
		      unsigned timeout_ms);

/* Give request a fresh random ID and sign it with key (TSIG, fudge
 * RV_DNS_FUDGE, the current time). Returns 0, -EINVAL (ldns refused to
 * sign: unknown algorithm or bad secret) or -ENOMEM. */
int rv_dns_sign(ldns_pkt *request, const struct rv_dns_key *key);

/* The verdict on wire[0..len) as the answer to the signed request, judged
 * at time now (seconds since the epoch) with key. Fills *ans (clear it with
 * rv_dns_answer_clear() after use; ans->pkt is set whenever the bytes
 * parse). Never fails: every input gets a verdict. */
void rv_dns_answer_check(const ldns_pkt *request, const struct rv_dns_key *key,
			 const uint8_t *wire, size_t len, time_t now, struct rv_dns_answer *ans);

/* Sign request (rv_dns_sign), send it to srv, read the answer and judge it
 * (rv_dns_answer_check). Returns 0 with the verdict in *ans (including
 * RV_DNS_UNREACHABLE), or -errno when the request could not be made. */
int rv_dns_exchange(const struct rv_dns_server *srv, const struct rv_dns_key *key,
		    ldns_pkt *request, struct rv_dns_answer *ans);

/* Free what *ans holds and make it empty. Safe to call twice. */
void rv_dns_answer_clear(struct rv_dns_answer *ans);

/* "NOERROR", "NXRRSET", "BADSIG", ... for an RCODE or TSIG error code;
 * "RCODE n" for others (a static buffer is not used: n is in buf). */
const char *rv_dns_rcode_name(int rcode, char *buf, size_t buflen);

/* A word for a verdict: "ok", "prerequisite-failed", "refused",
 * "auth-failed", "bad-answer", "unreachable". */
const char *rv_dns_verdict_name(enum rv_dns_verdict v);

#endif
