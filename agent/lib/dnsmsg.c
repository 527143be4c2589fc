/*
 * dnsmsg.c — signing a request, sending it to the primary, and the verdict
 * on what comes back (dnsmsg.h).
 *
 * rv_dns_answer_check() is the only code that reads a server's bytes; it
 * is fuzzed (tests/fuzz/fuzz_dns_answer.c). Before ldns_wire2pkt() sees an
 * answer, every record is walked once with ldns_wire2rr() so that a TSIG
 * record anywhere but last, a second OPT record or bytes after the last
 * record are refused: ldns_wire2pkt() would silently drop records after a
 * misplaced TSIG and lose track of a second one.
 * Nothing here may trust a record of an answer whose TSIG did not verify.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dnsmsg.h"

/* ------------------------------------------------------------ names */

/* RCODEs (RFC 1035, 2136) and the TSIG error codes (RFC 8945) share a
 * number space. Sorted by code. */
static const struct {
	int code;
	const char *name;
} rcode_names[] = {
	{ 0, "NOERROR" },   { 1, "FORMERR" },  { 2, "SERVFAIL" }, { 3, "NXDOMAIN" },
	{ 4, "NOTIMP" },    { 5, "REFUSED" },  { 6, "YXDOMAIN" }, { 7, "YXRRSET" },
	{ 8, "NXRRSET" },   { 9, "NOTAUTH" },  { 10, "NOTZONE" }, { 16, "BADSIG" },
	{ 17, "BADKEY" },   { 18, "BADTIME" }, { 22, "BADTRUNC" },
};

const char *
rv_dns_rcode_name(int rcode, char *buf, size_t buflen)
{
	size_t i;

	for (i = 0; i < sizeof(rcode_names) / sizeof(rcode_names[0]); i++)
		if (rcode_names[i].code == rcode)
			return rcode_names[i].name;
	snprintf(buf, buflen, "RCODE %d", rcode);
	return buf;
}

const char *
rv_dns_verdict_name(enum rv_dns_verdict v)
{
	switch (v) {
	case RV_DNS_OK:
		return "ok";
	case RV_DNS_PREREQ_FAILED:
		return "prerequisite-failed";
	case RV_DNS_REFUSED:
		return "refused";
	case RV_DNS_AUTH_FAILED:
		return "auth-failed";
	case RV_DNS_BAD_ANSWER:
		return "bad-answer";
	case RV_DNS_UNREACHABLE:
		return "unreachable";
	}
	return "?";
}

/* ------------------------------------------------------------ server */

int
rv_dns_server_set(struct rv_dns_server *srv, const char *address, unsigned port, int udp,
		  unsigned timeout_ms)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&srv->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&srv->addr;

	memset(srv, 0, sizeof(*srv));
	if (port == 0 || port > 65535 || timeout_ms == 0)
		return -EINVAL;
	if (inet_pton(AF_INET, address, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		srv->addrlen = sizeof(*in4);
	} else if (inet_pton(AF_INET6, address, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		srv->addrlen = sizeof(*in6);
	} else {
		return -EINVAL;
	}
	srv->udp = udp;
	srv->timeout_ms = timeout_ms;
	snprintf(srv->text, sizeof(srv->text), "%s port %u", address, port);
	return 0;
}

/* ------------------------------------------------------------ signing */

int
rv_dns_sign(ldns_pkt *request, const struct rv_dns_key *key)
{
	ldns_rr *old = ldns_pkt_tsig(request);
	ldns_status st;

	/* a request sent again (over TCP after a truncated UDP answer) gets
	 * a new ID and a new signature */
	if (old != NULL) {
		ldns_pkt_set_tsig(request, NULL);
		ldns_rr_free(old);
	}
	ldns_pkt_set_random_id(request);
	st = ldns_pkt_tsig_sign(request, key->name, key->secret, RV_DNS_FUDGE, key->algorithm,
				NULL);
	if (st == LDNS_STATUS_MEM_ERR)
		return -ENOMEM;
	if (st != LDNS_STATUS_OK || ldns_pkt_tsig(request) == NULL)
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------------------ verdict */

static void
set_why(struct rv_dns_answer *ans, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ans->why, sizeof(ans->why), fmt, ap);
	va_end(ap);
}

static void
bad(struct rv_dns_answer *ans, const char *fmt, ...)
{
	va_list ap;

	ans->verdict = RV_DNS_BAD_ANSWER;
	va_start(ap, fmt);
	vsnprintf(ans->why, sizeof(ans->why), fmt, ap);
	va_end(ap);
}

static const char *const section_names[] = { "question", "answer", "authority", "additional" };

/* Walk every record of the answer once (see the top of this file).
 * Returns 0, or -EBADMSG with the reason in ans->why. */
static int
prescan(const uint8_t *wire, size_t len, struct rv_dns_answer *ans)
{
	const ldns_pkt_section sections[4] = { LDNS_SECTION_QUESTION, LDNS_SECTION_ANSWER,
					       LDNS_SECTION_AUTHORITY, LDNS_SECTION_ADDITIONAL };
	unsigned counts[4] = { LDNS_QDCOUNT(wire), LDNS_ANCOUNT(wire), LDNS_NSCOUNT(wire),
			       LDNS_ARCOUNT(wire) };
	size_t pos = LDNS_HEADER_SIZE;
	unsigned s, i, opts = 0;
	ldns_status st;
	ldns_rr *rr;
	ldns_rr_type type;

	for (s = 0; s < 4; s++) {
		for (i = 0; i < counts[s]; i++) {
			st = ldns_wire2rr(&rr, wire, len, &pos, sections[s]);
			if (st != LDNS_STATUS_OK) {
				bad(ans, "record %u of the %s section cannot be read: %s", i + 1,
				    section_names[s], ldns_get_errorstr_by_id(st));
				return -EBADMSG;
			}
			type = ldns_rr_get_type(rr);
			ldns_rr_free(rr);
			if (type == LDNS_RR_TYPE_TSIG && (s != 3 || i + 1 != counts[s])) {
				bad(ans, "a TSIG record that is not the last record of the answer");
				return -EBADMSG;
			}
			if (type == LDNS_RR_TYPE_OPT && (s != 3 || ++opts > 1)) {
				bad(ans, "an OPT record out of place or twice");
				return -EBADMSG;
			}
		}
	}
	if (pos != len) {
		bad(ans, "%zu bytes after the last record", len - pos);
		return -EBADMSG;
	}
	return 0;
}

/* The 48-bit "time signed" of a TSIG record, or -1. */
static int64_t
tsig_time(const ldns_rr *tsig)
{
	const ldns_rdf *r = ldns_rr_rdf(tsig, 1);
	const uint8_t *d;
	int64_t t = 0;
	int i;

	if (r == NULL || ldns_rdf_size(r) != 6)
		return -1;
	d = ldns_rdf_data(r);
	for (i = 0; i < 6; i++)
		t = (t << 8) | d[i];
	return t;
}

/* Is dname rdf r the name text (both compared as DNS names)? */
static int
same_name(const ldns_rdf *r, const char *text)
{
	ldns_rdf *n = NULL;
	int same;

	if (r == NULL || ldns_rdf_get_type(r) != LDNS_RDF_TYPE_DNAME ||
	    ldns_str2rdf_dname(&n, text) != LDNS_STATUS_OK)
		return 0;
	same = ldns_dname_compare(r, n) == 0;
	ldns_rdf_deep_free(n);
	return same;
}

/* The question of the answer, when it has one, must be ours. */
static int
question_ok(const ldns_pkt *request, const ldns_pkt *pkt, struct rv_dns_answer *ans)
{
	const ldns_rr *want = ldns_rr_list_rr(ldns_pkt_question(request), 0), *got;
	char *w, *g;

	if (ldns_pkt_qdcount(pkt) == 0) {
		/* a server may leave it out of an error answer (FORMERR) */
		if (ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR)
			return 1;
		bad(ans, "a NOERROR answer without the question");
		return 0;
	}
	got = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	if (ldns_pkt_qdcount(pkt) == 1 && want != NULL && got != NULL &&
	    ldns_dname_compare(ldns_rr_owner(want), ldns_rr_owner(got)) == 0 &&
	    ldns_rr_get_type(want) == ldns_rr_get_type(got) &&
	    ldns_rr_get_class(want) == ldns_rr_get_class(got))
		return 1;
	w = want != NULL ? ldns_rdf2str(ldns_rr_owner(want)) : NULL;
	g = got != NULL ? ldns_rdf2str(ldns_rr_owner(got)) : NULL;
	bad(ans, "the answer is about %s, not %s", g != NULL ? g : "?", w != NULL ? w : "?");
	free(w);
	free(g);
	return 0;
}

static const char *
tsig_error_text(int err)
{
	switch (err) {
	case 16:
		return "the server finds our signature wrong (BADSIG): its secret for this key "
		       "is not ours";
	case 17:
		return "the server does not know our key (BADKEY)";
	case 18:
		return "the server finds our clock too far from its own (BADTIME)";
	default:
		return "the server refused our signature";
	}
}

/* The TSIG of the answer: ours, verified, in time. Returns 1 when the
 * rest of the answer may be believed, 0 when the verdict is made. */
static int
tsig_ok(const ldns_pkt *request, const struct rv_dns_key *key, const uint8_t *wire, size_t len,
	time_t now, struct rv_dns_answer *ans)
{
	const ldns_rr *req_tsig = ldns_pkt_tsig(request);
	ldns_rr *tsig = ldns_pkt_tsig(ans->pkt);
	char buf[32], buf2[32];
	int64_t t, skew;
	int fudge;

	if (tsig == NULL) {
		if (ans->rcode == LDNS_RCODE_NOERROR ||
		    (ans->rcode == LDNS_RCODE_NXDOMAIN &&
		     ldns_pkt_get_opcode(request) == LDNS_PACKET_QUERY)) {
			bad(ans, "the answer is not signed (%s without TSIG)",
			    rv_dns_rcode_name(ans->rcode, buf, sizeof(buf)));
			return 0;
		}
		/* an unsigned refusal is a failure whoever sent it */
		return 1;
	}
	if (req_tsig == NULL || ldns_rr_rd_count(req_tsig) < 7 || ldns_rr_rd_count(tsig) < 7) {
		bad(ans, "a TSIG record without its fields");
		return 0;
	}
	if (!same_name(ldns_rr_owner(tsig), key->name)) {
		bad(ans, "the answer is signed with another key than %s", key->name);
		return 0;
	}
	if (!same_name(ldns_rr_rdf(tsig, 0), key->algorithm)) {
		bad(ans, "the answer is signed with another algorithm than %s", key->algorithm);
		return 0;
	}
	ans->tsig_error = ldns_rdf_size(ldns_rr_rdf(tsig, 5)) == 2
				  ? ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5)) : -1;
	if (ans->tsig_error != 0) {
		ans->verdict = RV_DNS_AUTH_FAILED;
		set_why(ans, "%s (%s, TSIG error %s)", tsig_error_text(ans->tsig_error),
			rv_dns_rcode_name(ans->rcode, buf, sizeof(buf)),
			rv_dns_rcode_name(ans->tsig_error, buf2, sizeof(buf2)));
		return 0;
	}
	if (!ldns_pkt_tsig_verify(ans->pkt, wire, len, key->name, key->secret,
				  ldns_rr_rdf(req_tsig, 3))) {
		bad(ans, "the answer's TSIG does not verify with key %s", key->name);
		return 0;
	}
	ans->verified = 1;
	t = tsig_time(tsig);
	fudge = ldns_rdf_size(ldns_rr_rdf(tsig, 2)) == 2 ? ldns_rdf2native_int16(ldns_rr_rdf(tsig, 2))
							   : 0;
	skew = t < 0 ? INT64_MAX : t > (int64_t)now ? t - (int64_t)now : (int64_t)now - t;
	if (skew > fudge) {
		bad(ans, "the answer was signed %lld s away from our clock (fudge %d s)",
		    (long long)skew, fudge);
		return 0;
	}
	return 1;
}

void
rv_dns_answer_check(const ldns_pkt *request, const struct rv_dns_key *key, const uint8_t *wire,
		    size_t len, time_t now, struct rv_dns_answer *ans)
{
	ldns_pkt_opcode opcode = ldns_pkt_get_opcode(request);
	ldns_status st;
	char buf[32];

	memset(ans, 0, sizeof(*ans));
	ans->rcode = -1;
	if (wire == NULL || len < LDNS_HEADER_SIZE) {
		bad(ans, "an answer of %zu bytes, shorter than a DNS header", wire == NULL ? 0 : len);
		return;
	}
	if (prescan(wire, len, ans) < 0)
		return;
	st = ldns_wire2pkt(&ans->pkt, wire, len);
	if (st != LDNS_STATUS_OK) {
		ans->pkt = NULL;
		bad(ans, "the answer cannot be read: %s", ldns_get_errorstr_by_id(st));
		return;
	}
	ans->rcode = ldns_pkt_get_rcode(ans->pkt);
	if (!ldns_pkt_qr(ans->pkt)) {
		bad(ans, "not an answer (QR bit clear)");
		return;
	}
	if (ldns_pkt_id(ans->pkt) != ldns_pkt_id(request)) {
		bad(ans, "the answer to another request (ID %u, ours %u)", ldns_pkt_id(ans->pkt),
		    ldns_pkt_id(request));
		return;
	}
	if (ldns_pkt_get_opcode(ans->pkt) != opcode) {
		bad(ans, "the answer has another opcode (%d) than the request (%d)",
		    (int)ldns_pkt_get_opcode(ans->pkt), (int)opcode);
		return;
	}
	if (!question_ok(request, ans->pkt, ans))
		return;
	if (!tsig_ok(request, key, wire, len, now, ans))
		return;

	/* only a verified answer can say the request was done or that a
	 * prerequisite failed; anything else unsigned is a plain failure */
	switch (ans->verified ? ans->rcode : -1) {
	case LDNS_RCODE_NOERROR:
		ans->verdict = RV_DNS_OK;
		set_why(ans, "NOERROR");
		return;
	case LDNS_RCODE_NXDOMAIN:
		if (opcode == LDNS_PACKET_QUERY) {
			ans->verdict = RV_DNS_OK;
			set_why(ans, "NXDOMAIN (no such name)");
			return;
		}
		/* for an UPDATE it is a prerequisite that failed */
		/* fall through */
	case LDNS_RCODE_YXDOMAIN:
	case LDNS_RCODE_YXRRSET:
	case LDNS_RCODE_NXRRSET:
		if (opcode == LDNS_PACKET_UPDATE) {
			ans->verdict = RV_DNS_PREREQ_FAILED;
			set_why(ans, "a prerequisite does not hold (%s)",
				rv_dns_rcode_name(ans->rcode, buf, sizeof(buf)));
			return;
		}
		break;
	default:
		break;
	}
	ans->verdict = RV_DNS_REFUSED;
	set_why(ans, "the server answered %s%s", rv_dns_rcode_name(ans->rcode, buf, sizeof(buf)),
		ans->verified ? "" : " (unsigned)");
}

void
rv_dns_answer_clear(struct rv_dns_answer *ans)
{
	if (ans->pkt != NULL)
		ldns_pkt_free(ans->pkt);
	memset(ans, 0, sizeof(*ans));
	ans->rcode = -1;
}

/* ------------------------------------------------------------ exchange */

static void
unreachable(struct rv_dns_answer *ans, const struct rv_dns_server *srv, const char *what, int err)
{
	memset(ans, 0, sizeof(*ans));
	ans->rcode = -1;
	ans->verdict = RV_DNS_UNREACHABLE;
	if (err != 0)
		set_why(ans, "%s %s: %s", what, srv->text, strerror(err));
	else
		set_why(ans, "%s %s: nothing within %u ms", what, srv->text, srv->timeout_ms);
}

/* One attempt over TCP or UDP; the answer's bytes in *wire (malloc'd). */
static void
send_once(const struct rv_dns_server *srv, int udp, ldns_buffer *qb, uint8_t **wire, size_t *len,
	  struct rv_dns_answer *ans)
{
	struct timeval tv = { .tv_sec = srv->timeout_ms / 1000,
			      .tv_usec = (srv->timeout_ms % 1000) * 1000 };
	ldns_status st;
	int fd;

	*wire = NULL;
	*len = 0;
	if (udp) {
		st = ldns_udp_send(wire, qb, &srv->addr, srv->addrlen, tv, len);
		if (st != LDNS_STATUS_OK || *wire == NULL)
			unreachable(ans, srv, "no UDP answer from", 0);
		return;
	}
	errno = 0;
	/* not ldns_tcp_connect(), which returns 0 (a valid fd) on failure */
	fd = ldns_tcp_connect2(&srv->addr, srv->addrlen, tv);
	if (fd < 0) {
		unreachable(ans, srv, "cannot connect to", errno == EINPROGRESS ? 0 : errno);
		return;
	}
	if (ldns_tcp_send_query(qb, fd, &srv->addr, srv->addrlen) <= 0) {
		unreachable(ans, srv, "cannot send to", errno);
	} else {
		*wire = ldns_tcp_read_wire_timeout(fd, len, tv);
		if (*wire == NULL)
			unreachable(ans, srv, "no answer (or the connection closed) from", 0);
	}
	close(fd);
}

int
rv_dns_exchange(const struct rv_dns_server *srv, const struct rv_dns_key *key, ldns_pkt *request,
		struct rv_dns_answer *ans)
{
	ldns_buffer *qb = NULL;
	uint8_t *wire = NULL;
	size_t len = 0;
	int udp = srv->udp, rc;

	memset(ans, 0, sizeof(*ans));
	ans->rcode = -1;
	for (;;) {
		rc = rv_dns_sign(request, key);
		if (rc < 0)
			goto done;
		qb = ldns_buffer_new(LDNS_MAX_PACKETLEN);
		if (qb == NULL) {
			rc = -ENOMEM;
			goto done;
		}
		if (ldns_pkt2buffer_wire(qb, request) != LDNS_STATUS_OK) {
			rc = -EMSGSIZE;
			goto done;
		}
		send_once(srv, udp, qb, &wire, &len, ans);
		ldns_buffer_free(qb);
		qb = NULL;
		if (wire == NULL)
			break; /* unreachable: ans says so */
		rv_dns_answer_check(request, key, wire, len, time(NULL), ans);
		/* a truncated UDP answer: the whole one comes over TCP */
		if (udp && len >= LDNS_HEADER_SIZE && LDNS_TC_WIRE(wire)) {
			free(wire);
			wire = NULL;
			rv_dns_answer_clear(ans);
			udp = 0;
			continue;
		}
		break;
	}
	rc = 0;
done:
	free(wire);
	if (qb != NULL)
		ldns_buffer_free(qb);
	return rc;
}
