/*
 * probe.c — one SMTP/STARTTLS probe session: connect, 220 banner, EHLO,
 * STARTTLS, the TLS handshake and the certificate, EHLO again inside TLS,
 * optionally MAIL FROM:<> / RCPT TO:<canary> / RSET, QUIT; and the
 * document that says what was found.
 *
 * It must never block past a phase's deadline: the socket is non-blocking
 * and every wait, in plain text or under TLS (SSL_ERROR_WANT_READ/WRITE),
 * is a poll() bounded by it. The one wait left to others is name
 * resolution, bounded by the resolver's own timeouts, so monitors give an
 * address. It must never send DATA, never crash or hang whatever the
 * server sends, and never put a byte from the server in the document that
 * smtp.c's reader (or OpenSSL's escaping of certificate names) has not
 * passed. It prints nothing; the caller renders the document.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "probe.h"
#include "smtp.h"
#include "util.h"

#define QUIT_WAIT_MS 1000 /* longest wait for the answer to QUIT */

static const struct {
	enum probe_exit code;
	const char *name;
} result_names[] = {
	{ PROBE_OK, "ok" },
	{ PROBE_DEGRADED, "degraded" },
	{ PROBE_NOT_LISTENING, "not-listening" },
	{ PROBE_BROKEN, "broken" },
	{ PROBE_TLS, "tls" },
};

enum phase { PH_CONNECT, PH_BANNER, PH_EHLO, PH_STARTTLS, PH_TLS, PH_RCPT, PH_MAX };

/* JSON keys of the phases, in the order they run. */
static const char *const phase_keys[PH_MAX] = {
	"connect_ms", "banner_ms", "ehlo_ms", "starttls_ms", "tls_ms", "rcpt_ms",
};

/* One probe session. Owns the socket, the TLS objects and the JSON parts;
 * probe_free() releases them all and is safe on a half-built probe. */
struct probe {
	const struct probe_opts *o;
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	uint64_t start_ms;
	uint64_t phase_ms;         /* when the current phase began */
	uint64_t deadline_ms;      /* when it must end */
	enum phase phase;
	int64_t ms[PH_MAX];        /* -1: the phase did not run */
	uint64_t total_ms;
	enum probe_exit result;
	char reason[512];
	int quit_ok;               /* the session is in a state to say QUIT */
	json_object *banner;       /* NULL until a banner was read */
	json_object *caps;
	json_object *tls;          /* NULL until a handshake completed */
	int64_t days_left;
	char buf[RV_SMTP_LINE_MAX];
	size_t blen;               /* unread bytes at the front of buf */
	struct rv_smtp_reply reply;
};

/* ------------------------------------------------------------ verdicts */

static void __attribute__((format(printf, 3, 4)))
fail(struct probe *p, enum probe_exit result, const char *fmt, ...)
{
	va_list ap;

	if (p->result != PROBE_OK)
		return; /* the first failure is the cause */
	p->result = result;
	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
}

static void
phase_begin(struct probe *p, enum phase ph)
{
	p->phase = ph;
	p->phase_ms = rv_now_ms();
	p->deadline_ms = p->phase_ms + p->o->timeout_ms;
}

/* A phase may run twice (EHLO before and inside TLS): its times add up. */
static void
phase_end(struct probe *p)
{
	int64_t spent = (int64_t)(rv_now_ms() - p->phase_ms);

	p->ms[p->phase] = p->ms[p->phase] < 0 ? spent : p->ms[p->phase] + spent;
}

/* ------------------------------------------------------------ I/O */

/* Wait for events on the socket until the phase's deadline.
 * Returns 0 (ready, or an error the next call will report) or -ETIMEDOUT. */
static int
wait_fd(struct probe *p, short events)
{
	struct pollfd pfd = { .fd = p->fd, .events = events };
	uint64_t now;
	int n;

	for (;;) {
		now = rv_now_ms();
		if (now >= p->deadline_ms)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, (int)(p->deadline_ms - now));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		return n == 0 ? -ETIMEDOUT : 0;
	}
}

/* The reason OpenSSL gives for the last error, for a message. */
static const char *
tls_errstr(void)
{
	const char *s = ERR_reason_error_string(ERR_peek_last_error());

	return s != NULL ? s : "unknown error";
}

/* What an SSL_ERROR_* asks of us: 0 after waiting, or -errno: -ENOTCONN
 * when the server closed (with or without close_notify), -EPROTO for a TLS
 * error (alert, bad record), -ETIMEDOUT. */
static int
tls_wait(struct probe *p, int ret)
{
	switch (SSL_get_error(p->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(p, POLLIN);
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(p, POLLOUT);
	case SSL_ERROR_ZERO_RETURN:
		return -ENOTCONN;
	case SSL_ERROR_SYSCALL:
		return errno != 0 ? -errno : -ENOTCONN;
	default:
		if (ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
			return -ENOTCONN;
		return -EPROTO;
	}
}

static int
send_all(struct probe *p, const char *s, size_t n)
{
	ssize_t w;
	int rc;

	while (n > 0) {
		if (p->ssl != NULL) {
			ERR_clear_error();
			errno = 0;
			w = SSL_write(p->ssl, s, (int)n);
			if (w <= 0 && (rc = tls_wait(p, (int)w)) < 0)
				return rc;
		} else {
			w = send(p->fd, s, n, MSG_NOSIGNAL);
			if (w < 0 && errno != EINTR && errno != EAGAIN)
				return -errno;
			if (w < 0 && errno == EAGAIN && (rc = wait_fd(p, POLLOUT)) < 0)
				return rc;
		}
		if (w > 0) {
			s += w;
			n -= (size_t)w;
		}
	}
	return 0;
}

/* Read some bytes: > 0, or -ENOTCONN (closed by the server), -ETIMEDOUT,
 * -EPROTO (TLS), -errno. */
static ssize_t
recv_some(struct probe *p, char *b, size_t n)
{
	ssize_t r;
	int rc;

	for (;;) {
		if (p->ssl != NULL) {
			ERR_clear_error();
			errno = 0;
			r = SSL_read(p->ssl, b, (int)n);
			if (r > 0)
				return r;
			if ((rc = tls_wait(p, (int)r)) < 0)
				return rc;
			continue;
		}
		r = recv(p->fd, b, n, 0);
		if (r > 0)
			return r;
		if (r == 0)
			return -ENOTCONN;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		if ((rc = wait_fd(p, POLLIN)) < 0)
			return rc;
	}
}

/* Read one reply into p->reply before the deadline. Returns 0 or -errno
 * (those of recv_some and of rv_smtp_reply_feed). */
static int
read_reply(struct probe *p)
{
	size_t used;
	ssize_t n;
	int rc;

	p->quit_ok = 0;
	rv_smtp_reply_init(&p->reply);
	for (;;) {
		rc = rv_smtp_reply_feed(&p->reply, p->buf, p->blen, &used);
		memmove(p->buf, p->buf + used, p->blen - used);
		p->blen -= used;
		if (rc < 0)
			return rc;
		if (rc == 1)
			break;
		/* the reader refuses a line of sizeof(buf) bytes: room is left */
		n = recv_some(p, p->buf + p->blen, sizeof(p->buf) - p->blen);
		if (n < 0)
			return (int)n;
		p->blen += (size_t)n;
	}
	p->quit_ok = p->reply.code != 421;
	return 0;
}

/* The verdict for an I/O or reply error while waiting for what. */
static void
fail_io(struct probe *p, int rc, const char *what)
{
	switch (rc) {
	case -ETIMEDOUT:
		fail(p, PROBE_BROKEN, "%s: no answer within %llu ms", what,
		     (unsigned long long)p->o->timeout_ms);
		break;
	case -ENOTCONN:
		fail(p, PROBE_BROKEN, "%s: connection closed by the server", what);
		break;
	case -EMSGSIZE:
	case -E2BIG:
	case -EBADMSG:
		fail(p, PROBE_BROKEN, "%s: %s", what, rv_smtp_strerror(rc));
		break;
	case -EPROTO:
		fail(p, PROBE_TLS, "%s: TLS error: %s", what, tls_errstr());
		break;
	default:
		fail(p, PROBE_BROKEN, "%s: %s", what, strerror(-rc));
		break;
	}
}

/* Send a command line and read its reply. Returns 0 or -1 (failed). */
static int
command(struct probe *p, const char *what, const char *line)
{
	char out[320];
	int n, rc;

	n = snprintf(out, sizeof(out), "%s\r\n", line);
	if (n < 0 || (size_t)n >= sizeof(out))
		abort(); /* arguments are checked by rv_smtp_arg_ok() */
	rc = send_all(p, out, (size_t)n);
	if (rc == 0)
		rc = read_reply(p);
	if (rc < 0) {
		fail_io(p, rc, what);
		return -1;
	}
	return 0;
}

/* The verdict for a reply with the wrong code: its first line says why. */
static void
fail_reply(struct probe *p, enum probe_exit result, const char *what)
{
	const char *t;
	size_t n;

	t = rv_smtp_reply_line(&p->reply, 0, &n);
	fail(p, result, "%s refused: %d %.*s", what, p->reply.code, (int)n, t);
}

/* ------------------------------------------------------------ phases */

static int
do_connect(struct probe *p)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL, *ai;
	socklen_t sl;
	int rc, err = 0, so;

	phase_begin(p, PH_CONNECT);
	rc = getaddrinfo(p->o->host, p->o->port, &hints, &res);
	if (rc != 0) {
		fail(p, PROBE_NOT_LISTENING, "cannot resolve %s: %s", p->o->host,
		     gai_strerror(rc));
		goto done;
	}
	for (ai = res; ai != NULL && p->fd < 0; ai = ai->ai_next) {
		p->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (p->fd < 0) {
			err = errno;
			continue;
		}
		if (connect(p->fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			err = errno;
		} else if ((rc = wait_fd(p, POLLOUT)) < 0) {
			err = -rc;
		} else {
			sl = sizeof(so);
			if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &so, &sl) < 0)
				so = errno;
			err = so;
		}
		if (err != 0) {
			close(p->fd);
			p->fd = -1;
		}
	}
	/* commands are small writes waiting for an answer: without this, Nagle
	 * and delayed ACKs add 40 ms to the timings of the phases */
	if (p->fd >= 0)
		(void)setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if (p->fd < 0) {
		if (err == ETIMEDOUT)
			fail(p, PROBE_NOT_LISTENING, "connect: no answer within %llu ms",
			     (unsigned long long)p->o->timeout_ms);
		else
			fail(p, PROBE_NOT_LISTENING, "connect: %s", strerror(err));
	}
done:
	if (res != NULL)
		freeaddrinfo(res);
	phase_end(p);
	return p->fd < 0 ? -1 : 0;
}

static int
do_banner(struct probe *p)
{
	char text[RV_SMTP_REPLY_MAX + 8];
	int rc;

	phase_begin(p, PH_BANNER);
	rc = read_reply(p);
	phase_end(p);
	if (rc < 0) {
		fail_io(p, rc, "banner");
		return -1;
	}
	snprintf(text, sizeof(text), "%d %s", p->reply.code, p->reply.text);
	p->banner = json_object_new_string(text);
	if (p->reply.code != 220) {
		fail(p, PROBE_BROKEN, "banner: %s", text);
		return -1;
	}
	if (p->o->expect_banner != NULL && strstr(text, p->o->expect_banner) == NULL) {
		fail(p, PROBE_BROKEN, "banner does not contain \"%s\": %s",
		     p->o->expect_banner, text);
		return -1;
	}
	return 0;
}

/* EHLO; the capabilities kept are those of the first, plain-text one,
 * where STARTTLS is announced. */
static int
do_ehlo(struct probe *p)
{
	char line[300];
	unsigned i;
	size_t n;
	const char *t;

	snprintf(line, sizeof(line), "EHLO %s", p->o->ehlo);
	phase_begin(p, PH_EHLO);
	if (command(p, "EHLO", line) < 0)
		goto failed;
	if (p->reply.code != 250) {
		fail_reply(p, PROBE_BROKEN, "EHLO");
		goto failed;
	}
	phase_end(p);
	if (p->ssl != NULL)
		return 0;
	for (i = 1; i < p->reply.lines; i++) {
		t = rv_smtp_reply_line(&p->reply, i, &n);
		json_object_array_add(p->caps, json_object_new_string_len(t, (int)n));
	}
	return 0;
failed:
	phase_end(p);
	return -1;
}

static int
do_starttls(struct probe *p)
{
	int rc = -1;

	phase_begin(p, PH_STARTTLS);
	if (!rv_smtp_has_extension(&p->reply, "STARTTLS")) {
		fail(p, PROBE_TLS, "STARTTLS is not offered");
		goto done;
	}
	if (command(p, "STARTTLS", "STARTTLS") < 0)
		goto done;
	if (p->reply.code != 220) {
		fail_reply(p, PROBE_TLS, "STARTTLS");
		goto done;
	}
	if (p->blen > 0) {
		/* bytes sent before the handshake would be taken as if they
		 * came through TLS (CVE-2011-0411's pattern, client side) */
		fail(p, PROBE_TLS, "STARTTLS: data after the 220 reply, before TLS");
		p->quit_ok = 0;
		goto done;
	}
	rc = 0;
done:
	phase_end(p);
	return rc;
}

static void
x509_name(json_object *o, const char *key, const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s;
	long n;

	/* RFC 2253 with control and 8-bit bytes escaped: safe to print */
	if (b == NULL || X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) < 0) {
		json_object_object_add(o, key, NULL);
	} else {
		n = BIO_get_mem_data(b, &s);
		json_object_object_add(o, key, json_object_new_string_len(s, (int)n));
	}
	BIO_free(b);
}

/* Describe the session and the server's certificate in p->tls. */
static void
tls_describe(struct probe *p, X509 *cert, long verify)
{
	const ASN1_TIME *na = X509_get0_notAfter(cert);
	char when[32] = "";
	struct tm tm;
	int day = 0, sec = 0;

	p->tls = json_object_new_object();
	json_object_object_add(p->tls, "version",
			       json_object_new_string(SSL_get_version(p->ssl)));
	json_object_object_add(p->tls, "cipher",
			       json_object_new_string(SSL_get_cipher_name(p->ssl)));
	json_object_object_add(p->tls, "verified", json_object_new_boolean(verify == X509_V_OK));
	x509_name(p->tls, "subject", X509_get_subject_name(cert));
	x509_name(p->tls, "issuer", X509_get_issuer_name(cert));
	if (ASN1_TIME_to_tm(na, &tm) == 1)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(p->tls, "not_after", json_object_new_string(when));
	/* whole days left, rounded down: an expired certificate is negative */
	if (ASN1_TIME_diff(&day, &sec, NULL, na) == 1)
		p->days_left = sec < 0 ? (int64_t)day - 1 : day;
	json_object_object_add(p->tls, "days_left", json_object_new_int64(p->days_left));
}

static int
do_tls(struct probe *p)
{
	const char *name = p->o->servername != NULL ? p->o->servername : p->o->host;
	unsigned char addr[sizeof(struct in6_addr)];
	X509 *cert = NULL;
	long verify;
	int rc = -1, r, w;

	phase_begin(p, PH_TLS);
	p->quit_ok = 0; /* nothing more is said on a session that failed */
	p->ssl = SSL_new(p->ctx);
	if (p->ssl == NULL || SSL_set_fd(p->ssl, p->fd) != 1)
		goto tls_error;
	if (inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1) {
		/* an address is checked against the IP SANs, never sent as SNI */
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(p->ssl), name) != 1)
			goto tls_error;
	} else if (SSL_set_tlsext_host_name(p->ssl, name) != 1 ||
		   SSL_set1_host(p->ssl, name) != 1) {
		goto tls_error;
	}
	for (;;) {
		ERR_clear_error();
		errno = 0;
		r = SSL_connect(p->ssl);
		if (r == 1)
			break;
		w = tls_wait(p, r);
		if (w == -EPROTO)
			goto tls_error;
		if (w < 0) {
			if (w == -ETIMEDOUT)
				fail(p, PROBE_TLS, "TLS handshake: no answer within %llu ms",
				     (unsigned long long)p->o->timeout_ms);
			else if (w == -ENOTCONN)
				fail(p, PROBE_TLS, "TLS handshake: connection closed by the server");
			else
				fail(p, PROBE_TLS, "TLS handshake: %s", strerror(-w));
			goto done;
		}
	}
	cert = SSL_get1_peer_certificate(p->ssl);
	if (cert == NULL) {
		fail(p, PROBE_TLS, "TLS: the server sent no certificate");
		goto done;
	}
	/* SSL_VERIFY_NONE: the chain and the name are checked all the same,
	 * but the handshake goes on so a bad certificate is still described */
	verify = SSL_get_verify_result(p->ssl);
	tls_describe(p, cert, verify);
	if (p->o->verify && verify != X509_V_OK) {
		fail(p, PROBE_TLS, "certificate not verified: %s",
		     X509_verify_cert_error_string(verify));
		goto done;
	}
	p->quit_ok = 1;
	rc = 0;
	goto done;
tls_error:
	fail(p, PROBE_TLS, "TLS handshake failed: %s", tls_errstr());
done:
	X509_free(cert);
	phase_end(p);
	return rc;
}

static int
do_rcpt(struct probe *p)
{
	char line[300];
	int rc = -1;

	phase_begin(p, PH_RCPT);
	if (command(p, "MAIL FROM", "MAIL FROM:<>") < 0)
		goto done;
	if (p->reply.code != 250) {
		fail_reply(p, PROBE_BROKEN, "MAIL FROM");
		goto done;
	}
	snprintf(line, sizeof(line), "RCPT TO:<%s>", p->o->rcpt);
	if (command(p, "RCPT TO", line) < 0)
		goto done;
	if (p->reply.code != 250 && p->reply.code != 251) {
		fail_reply(p, PROBE_BROKEN, "RCPT TO");
		goto done;
	}
	if (command(p, "RSET", "RSET") < 0)
		goto done;
	if (p->reply.code != 250) {
		fail_reply(p, PROBE_BROKEN, "RSET");
		goto done;
	}
	rc = 0;
done:
	phase_end(p);
	return rc;
}

/* Say goodbye if the session allows it (not after a 421, a timeout, bytes
 * that are not SMTP or a failed TLS session); the answer does not change
 * the verdict. probe_free() closes the socket. */
static void
do_quit(struct probe *p)
{
	if (p->fd < 0 || !p->quit_ok)
		return;
	/* the verdict is made: a server slow to say goodbye costs little */
	p->deadline_ms = rv_now_ms() + (p->o->timeout_ms < QUIT_WAIT_MS ? p->o->timeout_ms
									  : QUIT_WAIT_MS);
	if (send_all(p, "QUIT\r\n", 6) == 0 && read_reply(p) == 0 && p->ssl != NULL)
		(void)SSL_shutdown(p->ssl); /* close_notify, not waiting for the peer's */
}

static void
probe_run(struct probe *p)
{
	if (do_connect(p) < 0 || do_banner(p) < 0)
		goto done;
	if (p->o->banner_only)
		goto done; /* the caller made sure nothing else was asked for */
	if (do_ehlo(p) < 0)
		goto done;
	if (p->o->starttls && (do_starttls(p) < 0 || do_tls(p) < 0 || do_ehlo(p) < 0))
		goto done;
	if (p->o->rcpt != NULL && do_rcpt(p) < 0)
		goto done;
	/* reached with an expired certificate only under --no-verify */
	if (p->tls != NULL && p->days_left < 0)
		fail(p, PROBE_DEGRADED, "certificate expired %lld days ago (not verified)",
		     (long long)-p->days_left);
	else if (p->tls != NULL && p->days_left < (int64_t)p->o->warn_days)
		fail(p, PROBE_DEGRADED, "certificate expires in %lld days (warning below %llu)",
		     (long long)p->days_left, (unsigned long long)p->o->warn_days);
done:
	do_quit(p);
	p->total_ms = rv_now_ms() - p->start_ms;
}

/* ------------------------------------------------------------ output */

static json_object *
probe_document(struct probe *p)
{
	json_object *doc = json_object_new_object(), *ph = json_object_new_object();
	size_t i;

	json_object_object_add(doc, "host", json_object_new_string(p->o->host));
	json_object_object_add(doc, "port", json_object_new_int(atoi(p->o->port)));
	for (i = 0; i < sizeof(result_names) / sizeof(result_names[0]); i++)
		if (result_names[i].code == p->result)
			json_object_object_add(doc, "result",
					       json_object_new_string(result_names[i].name));
	json_object_object_add(doc, "reason", json_object_new_string(p->reason));
	json_object_object_add(doc, "banner", json_object_get(p->banner));
	json_object_object_add(doc, "capabilities", json_object_get(p->caps));
	for (i = 0; i < PH_MAX; i++)
		json_object_object_add(ph, phase_keys[i],
				       p->ms[i] < 0 ? NULL : json_object_new_int64(p->ms[i]));
	json_object_object_add(ph, "total_ms", json_object_new_int64((int64_t)p->total_ms));
	json_object_object_add(doc, "phases", ph);
	json_object_object_add(doc, "tls", json_object_get(p->tls));
	return doc;
}

static void
probe_free(struct probe *p)
{
	if (p->ssl != NULL) {
		SSL_free(p->ssl);
		p->ssl = NULL;
	}
	if (p->ctx != NULL) {
		SSL_CTX_free(p->ctx);
		p->ctx = NULL;
	}
	if (p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
	json_object_put(p->banner);
	p->banner = NULL;
	json_object_put(p->caps);
	p->caps = NULL;
	json_object_put(p->tls);
	p->tls = NULL;
}

/* The TLS client context: the CA file or the system store. */
static int
tls_context(struct probe *p)
{
	p->ctx = SSL_CTX_new(TLS_client_method());
	if (p->ctx == NULL)
		return -ENOMEM;
	SSL_CTX_set_verify(p->ctx, SSL_VERIFY_NONE, NULL);
	if (p->o->cafile != NULL)
		return SSL_CTX_load_verify_locations(p->ctx, p->o->cafile, NULL) == 1 ? 0 : -ENOENT;
	return SSL_CTX_set_default_verify_paths(p->ctx) == 1 ? 0 : -ENOENT;
}

int
probe_session(const struct probe_opts *o, json_object **doc)
{
	struct probe *p;
	int ph, rc;

	*doc = NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->o = o;
	p->fd = -1;
	for (ph = 0; ph < PH_MAX; ph++)
		p->ms[ph] = -1;
	p->caps = json_object_new_array();
	if (o->starttls && (rc = tls_context(p)) < 0)
		goto done;
	p->start_ms = rv_now_ms(); /* loading the CA store is not the server's time */
	probe_run(p);
	*doc = probe_document(p);
	rc = (int)p->result;
done:
	probe_free(p);
	free(p);
	return rc;
}
