/*
 * check_probe.c — the built relevo-probe against a scripted SMTP server:
 * its exit code, its JSON, and that it ends on time whatever the server
 * does.
 *
 * Each case listens on an ephemeral loopback port (127.0.0.1, or ::1 for the
 * IPv6 case) and forks a server child that follows a script: lines to send,
 * lines to expect, when to start TLS (an OpenSSL server context), when to
 * stall, flood or send an alert. The certificates (a CA, a server
 * certificate for "localhost", expired, not yet valid, for a wrong name,
 * expiring in 3 days, and one from another CA) are made with OpenSSL's API
 * in a mkdtemp directory, removed at the end. Every server child is reaped;
 * a child that outlives its case is killed by its pid, and each child
 * alarms itself after SERVER_LIFE_S in any case.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "util.h"

#define PROBE BUILDDIR "/../../agent/tools/relevo-probe"
#define PROBE_WAIT_MS 8000   /* a probe still running after this has hung */
#define SERVER_WAIT_MS 3000  /* a server still running after the probe is killed */
#define SERVER_LIFE_S 15
#define DAY (24L * 60 * 60)

/* ------------------------------------------------------------ certificates */

static char certdir[] = "/tmp/check_probe.XXXXXX";

static const struct {
	const char *name;
	const char *cn;
	const char *san;
	long not_before;   /* seconds from now */
	long not_after;
	int rogue;         /* signed by a CA the probe does not trust */
} certs[] = {
	{ "good", "localhost", "DNS:localhost,IP:127.0.0.1,IP:::1", -DAY, 30 * DAY, 0 },
	{ "expired", "localhost", "DNS:localhost", -60 * DAY, -DAY, 0 },
	{ "future", "localhost", "DNS:localhost", DAY, 30 * DAY, 0 },
	{ "wrongname", "wrong.example", "DNS:wrong.example", -DAY, 30 * DAY, 0 },
	{ "soon", "localhost", "DNS:localhost", -DAY, 3 * DAY, 0 },
	{ "rogue", "localhost", "DNS:localhost", -DAY, 30 * DAY, 1 },
};

static void
path_of(char *buf, size_t size, const char *name, const char *ext)
{
	ck_assert_int_lt(snprintf(buf, size, "%s/%s.%s", certdir, name, ext), (int)size);
}

static void
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);

	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

/* A certificate for key; self-signed when issuer is NULL (a CA). */
static X509 *
cert_make(EVP_PKEY *key, const char *cn, const char *san, long from, long to,
	  X509 *issuer, EVP_PKEY *issuer_key)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *name;
	X509V3_CTX v3;

	ck_assert_ptr_nonnull(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name);
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	if (issuer == NULL) {
		add_ext(x, &v3, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
		add_ext(x, &v3, NID_subject_key_identifier, "hash");
	} else {
		add_ext(x, &v3, NID_basic_constraints, "CA:FALSE");
		add_ext(x, &v3, NID_ext_key_usage, "serverAuth");
		add_ext(x, &v3, NID_subject_alt_name, san);
	}
	ck_assert_int_gt(X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha256()), 0);
	return x;
}

static void
write_pem(const char *name, X509 *x, EVP_PKEY *key)
{
	char path[256];
	FILE *f;

	path_of(path, sizeof(path), name, "crt");
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_X509(f, x), 1);
	fclose(f);
	if (key == NULL)
		return;
	path_of(path, sizeof(path), name, "key");
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
}

static void
certs_setup(void)
{
	EVP_PKEY *ca_key, *rogue_key, *key;
	X509 *ca, *rogue, *x;
	size_t i;

	ck_assert_ptr_nonnull(mkdtemp(certdir));
	ca_key = EVP_EC_gen("P-256");
	rogue_key = EVP_EC_gen("P-256");
	ck_assert(ca_key != NULL && rogue_key != NULL);
	ca = cert_make(ca_key, "relevo test CA", NULL, -DAY, 365 * DAY, NULL, NULL);
	rogue = cert_make(rogue_key, "someone else's CA", NULL, -DAY, 365 * DAY, NULL, NULL);
	write_pem("ca", ca, NULL);
	for (i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
		key = EVP_EC_gen("P-256");
		ck_assert_ptr_nonnull(key);
		x = cert_make(key, certs[i].cn, certs[i].san, certs[i].not_before,
			      certs[i].not_after, certs[i].rogue ? rogue : ca,
			      certs[i].rogue ? rogue_key : ca_key);
		write_pem(certs[i].name, x, key);
		X509_free(x);
		EVP_PKEY_free(key);
	}
	X509_free(ca);
	X509_free(rogue);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(rogue_key);
}

static void
certs_teardown(void)
{
	DIR *d = opendir(certdir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", certdir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(certdir);
}

/* ------------------------------------------------------------ the server */

enum op {
	END = 0,
	SEND,       /* text */
	EXPECT,     /* a line that must start with text */
	TLS,        /* accept TLS with the case's certificate */
	TLS_ALERT,  /* answer the ClientHello with a fatal handshake_failure */
	STALL,      /* say nothing more; wait for the client to leave */
	FLOOD,      /* "220 " and 10 MB without a line end */
};

struct step {
	enum op op;
	const char *text;
};

struct conn {
	int fd;
	SSL *ssl;
};

static int
conn_write(struct conn *c, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = c->ssl != NULL ? SSL_write(c->ssl, p, (int)n) : write(c->fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
conn_read_line(struct conn *c, char *line, size_t size)
{
	size_t n = 0;
	ssize_t r;
	char ch;

	while (n + 1 < size) {
		r = c->ssl != NULL ? SSL_read(c->ssl, &ch, 1) : read(c->fd, &ch, 1);
		if (r <= 0)
			return -1;
		if (ch == '\n')
			break;
		if (ch != '\r')
			line[n++] = ch;
	}
	line[n] = '\0';
	return 0;
}

static int
hello_refused(SSL *ssl, int *alert, void *arg)
{
	*alert = SSL_AD_HANDSHAKE_FAILURE;
	return SSL_CLIENT_HELLO_ERROR;
}

static SSL *
tls_accept(int fd, const char *cert, int alert)
{
	char crt[256], key[256];
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	SSL *ssl;

	path_of(crt, sizeof(crt), cert, "crt");
	path_of(key, sizeof(key), cert, "key");
	if (ctx == NULL || SSL_CTX_use_certificate_file(ctx, crt, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		_exit(3);
	if (alert)
		SSL_CTX_set_client_hello_cb(ctx, hello_refused, NULL);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1)
		_exit(alert ? 0 : 4);
	return ssl;
}

/* The server child: one connection, one script. Exit 0: the script was
 * followed to its end; 1: the client said something else; 2: the client
 * left early; 3, 4: TLS set-up failed. */
static void __attribute__((noreturn))
server_child(int lfd, const struct step *script, const char *cert)
{
	struct conn c = { .fd = -1 };
	char line[1024], *flood;
	const size_t flood_len = 10 * 1024 * 1024;
	const struct step *s;

	signal(SIGPIPE, SIG_IGN);
	alarm(SERVER_LIFE_S);
	c.fd = accept(lfd, NULL, NULL);
	if (c.fd < 0)
		_exit(2);
	close(lfd);
	/* as an MTA does; the phase times then measure the probe, not Nagle */
	(void)setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	for (s = script; s->op != END; s++) {
		switch (s->op) {
		case SEND:
			if (conn_write(&c, s->text, strlen(s->text)) < 0)
				_exit(2);
			break;
		case EXPECT:
			if (conn_read_line(&c, line, sizeof(line)) < 0)
				_exit(2);
			if (strncmp(line, s->text, strlen(s->text)) != 0) {
				fprintf(stderr, "server: expected \"%s\", got \"%s\"\n", s->text, line);
				_exit(1);
			}
			break;
		case TLS:
		case TLS_ALERT:
			c.ssl = tls_accept(c.fd, cert, s->op == TLS_ALERT);
			break;
		case STALL:
			while (read(c.fd, line, sizeof(line)) > 0)
				;
			_exit(0);
		case FLOOD:
			flood = malloc(flood_len);
			if (flood == NULL)
				_exit(3);
			memset(flood, 'A', flood_len);
			memcpy(flood, "220 ", 4);
			/* the probe leaves after 4 KiB: the write fails, as it should */
			_exit(conn_write(&c, flood, flood_len) < 0 ? 0 : 1);
		case END:
			break;
		}
	}
	_exit(0);
}

/* Listen on an ephemeral loopback port and fork the server. Returns its
 * pid, or 0 (with *port still set) when script is NULL: the port is bound
 * but not listening, and *lfd holds it until the caller closes it. */
static pid_t
server_start(int family, const struct step *script, const char *cert, int *port, int *lfd)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl = family == AF_INET ? sizeof(*sin) : sizeof(*sin6);
	pid_t pid;
	int fd;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET)
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		sin6->sin6_addr = in6addr_loopback;
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss, sl), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	*port = ntohs(family == AF_INET ? sin->sin_port : sin6->sin6_port);
	*lfd = fd;
	if (script == NULL)
		return 0;
	ck_assert_int_eq(listen(fd, 4), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		server_child(fd, script, cert);
	close(fd);
	*lfd = -1;
	return pid;
}

/* Reap the server; kill it (by its pid) if it has not ended in time.
 * Returns its exit code, or -1 when it had to be killed. */
static int
server_reap(pid_t pid)
{
	uint64_t until = rv_now_ms() + SERVER_WAIT_MS;
	int st;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (rv_now_ms() >= until) {
			kill(pid, SIGKILL);
			ck_assert_int_eq(waitpid(pid, &st, 0), pid);
			return -1;
		}
		poll(NULL, 0, 10);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ------------------------------------------------------------ the probe */

struct run {
	int status;         /* the probe's exit code */
	uint64_t elapsed_ms;
	char out[65536];
	json_object *doc;   /* its stdout, parsed (NULL: not JSON) */
	int server;         /* the server's exit code (-1: killed) */
};

/* Run relevo-probe with the options given (NULL-terminated), then host and
 * port; reap the server (if any) afterwards. */
static void
probe(struct run *r, pid_t server, const char *host, int port, ...)
{
	const char *argv[40];
	char portstr[16], ca[256];
	struct pollfd pfd;
	uint64_t start, now;
	size_t n = 0, len = 0;
	ssize_t got;
	va_list ap;
	int pipefd[2], st;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	path_of(ca, sizeof(ca), "ca", "crt");
	snprintf(portstr, sizeof(portstr), "%d", port);
	argv[n++] = PROBE;
	argv[n++] = "--output-as";
	argv[n++] = "json";
	argv[n++] = "--ehlo";
	argv[n++] = "probe.test";
	argv[n++] = "--cafile";
	argv[n++] = ca;
	argv[n++] = "--timeout";
	argv[n++] = "2000";
	va_start(ap, port);
	while ((argv[n] = va_arg(ap, const char *)) != NULL)
		ck_assert_uint_lt(++n, 36);
	va_end(ap);
	argv[n++] = host;
	argv[n++] = portstr;
	argv[n] = NULL;

	ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
	start = rv_now_ms();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		execv(PROBE, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(pipefd[1]);
	pfd.fd = pipefd[0];
	pfd.events = POLLIN;
	for (;;) {
		now = rv_now_ms();
		if (now >= start + PROBE_WAIT_MS || poll(&pfd, 1, (int)(start + PROBE_WAIT_MS - now)) == 0) {
			kill(pid, SIGKILL);
			break;
		}
		got = read(pipefd[0], r->out + len, sizeof(r->out) - 1 - len);
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	close(pipefd[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	r->elapsed_ms = rv_now_ms() - start;
	r->server = server > 0 ? server_reap(server) : 0;
	ck_assert_msg(WIFEXITED(st), "relevo-probe did not exit by itself (hung or crashed)");
	r->status = WEXITSTATUS(st);
	r->out[len] = '\0';
	r->doc = json_tokener_parse(r->out);
}

static json_object *
jget(json_object *o, const char *key)
{
	json_object *v = NULL;

	ck_assert_msg(o != NULL && json_object_object_get_ex(o, key, &v), "no \"%s\"", key);
	return v;
}

static const char *
jstr(json_object *o, const char *key)
{
	json_object *v = jget(o, key);

	ck_assert_msg(json_object_is_type(v, json_type_string), "\"%s\" is not a string", key);
	return json_object_get_string(v);
}

/* The exit code, result and a piece of the reason, in one go. */
static void
check_verdict(struct run *r, int status, const char *result, const char *reason)
{
	ck_assert_msg(r->doc != NULL, "the output is not JSON: %s", r->out);
	ck_assert_msg(r->status == status, "exit %d, not %d: %s", r->status, status, r->out);
	ck_assert_str_eq(jstr(r->doc, "result"), result);
	if (reason != NULL)
		ck_assert_msg(strstr(jstr(r->doc, "reason"), reason) != NULL,
			      "reason without \"%s\": %s", reason, r->out);
}

static int
phase_ran(struct run *r, const char *key)
{
	json_object *v = jget(jget(r->doc, "phases"), key);

	if (v == NULL)
		return 0;
	ck_assert(json_object_is_type(v, json_type_int));
	ck_assert_int_ge(json_object_get_int64(v), 0);
	return 1;
}

static void
run_free(struct run *r)
{
	json_object_put(r->doc);
	r->doc = NULL;
}

/* ------------------------------------------------------------ scripts */

#define BANNER "220 mx.test ESMTP scripted\r\n"
#define EHLO_TLS "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n" \
		 "250-STARTTLS\r\n250 8BITMIME\r\n"

/* A healthy relay with STARTTLS, up to the end of the handshake with the
 * case's certificate; the session then goes on inside TLS. */
static const struct step tls_session[] = {
	{ SEND, BANNER },
	{ EXPECT, "EHLO probe.test" },
	{ SEND, EHLO_TLS },
	{ EXPECT, "STARTTLS" },
	{ SEND, "220 2.0.0 Ready to start TLS\r\n" },
	{ TLS, NULL },
	{ EXPECT, "EHLO probe.test" },
	{ SEND, "250-mx.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n" },
	{ EXPECT, "QUIT" },
	{ SEND, "221 2.0.0 Bye\r\n" },
	{ END, NULL },
};

static const struct step plain_session[] = {
	{ SEND, "220-mx.test ESMTP scripted\r\n220 second banner line\r\n" },
	{ EXPECT, "EHLO probe.test" },
	{ SEND, "250-mx.test\r\n250 8BITMIME\r\n" },
	{ EXPECT, "QUIT" },
	{ SEND, "221 2.0.0 Bye\r\n" },
	{ END, NULL },
};

/* ------------------------------------------------------------ cases */

START_TEST(good_server_with_starttls)
{
	struct run r;
	json_object *tls, *caps;
	int64_t days;
	size_t i;
	int port, lfd, starttls = 0;
	pid_t srv = server_start(AF_INET, tls_session, "good", &port, &lfd);

	probe(&r, srv, "127.0.0.1", port, "--starttls", "--servername", "localhost", NULL);
	check_verdict(&r, 0, "ok", NULL);
	ck_assert_int_eq(r.server, 0); /* EHLO inside TLS and QUIT were said */
	ck_assert_str_eq(jstr(r.doc, "host"), "127.0.0.1");
	ck_assert_int_eq(json_object_get_int(jget(r.doc, "port")), port);
	ck_assert_str_eq(jstr(r.doc, "banner"), "220 mx.test ESMTP scripted");
	caps = jget(r.doc, "capabilities");
	ck_assert_uint_eq(json_object_array_length(caps), 4);
	for (i = 0; i < json_object_array_length(caps); i++)
		starttls |= strcmp(json_object_get_string(json_object_array_get_idx(caps, i)),
				   "STARTTLS") == 0;
	ck_assert(starttls);
	ck_assert(phase_ran(&r, "connect_ms") && phase_ran(&r, "banner_ms"));
	ck_assert(phase_ran(&r, "ehlo_ms") && phase_ran(&r, "starttls_ms"));
	ck_assert(phase_ran(&r, "tls_ms") && phase_ran(&r, "total_ms"));
	ck_assert(!phase_ran(&r, "rcpt_ms"));
	tls = jget(r.doc, "tls");
	ck_assert(json_object_get_boolean(jget(tls, "verified")));
	ck_assert_str_eq(jstr(tls, "subject"), "CN=localhost");
	ck_assert_str_eq(jstr(tls, "issuer"), "CN=relevo test CA");
	ck_assert_ptr_nonnull(strstr(jstr(tls, "version"), "TLS"));
	ck_assert_str_ne(jstr(tls, "cipher"), "");
	ck_assert_uint_eq(strlen(jstr(tls, "not_after")), 20); /* 2025-01-31T12:00:00Z */
	days = json_object_get_int64(jget(tls, "days_left"));
	ck_assert_msg(days == 29 || days == 30, "days_left %lld", (long long)days);
	run_free(&r);
}
END_TEST

START_TEST(ipv6_literal_checked_against_ip_san)
{
	struct run r;
	int port, lfd;
	pid_t srv;

	lfd = socket(AF_INET6, SOCK_STREAM, 0);
	if (lfd < 0) {
		fprintf(stderr, "check_probe: no IPv6 here; the ::1 case is skipped\n");
		return;
	}
	close(lfd);
	srv = server_start(AF_INET6, tls_session, "good", &port, &lfd);
	/* no --servername: the address itself must be in the certificate */
	probe(&r, srv, "[::1]", port, "--starttls", NULL);
	check_verdict(&r, 0, "ok", NULL);
	ck_assert_str_eq(jstr(r.doc, "host"), "::1");
	ck_assert_int_eq(r.server, 0);
	run_free(&r);
}
END_TEST

START_TEST(plain_session_without_tls_and_text_output)
{
	struct run r;
	int port, lfd;
	pid_t srv = server_start(AF_INET, plain_session, NULL, &port, &lfd);

	probe(&r, srv, "127.0.0.1", port, "--output-as", "text", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(r.server, 0);
	ck_assert_ptr_null(r.doc);
	ck_assert_msg(strncmp(r.out, "result: ok\n", 11) == 0, "%s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "banner: 220 mx.test ESMTP scripted\nsecond banner line\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "capabilities: 8BITMIME\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "phases: connect "));

	srv = server_start(AF_INET, plain_session, NULL, &port, &lfd);
	probe(&r, srv, "127.0.0.1", port, NULL);
	check_verdict(&r, 0, "ok", NULL);
	ck_assert(json_object_is_type(jget(r.doc, "tls"), json_type_null));
	ck_assert(!phase_ran(&r, "starttls_ms") && !phase_ran(&r, "tls_ms"));
	run_free(&r);
}
END_TEST

START_TEST(starttls_not_offered)
{
	static const struct step script[] = {
		{ SEND, BANNER },
		{ EXPECT, "EHLO probe.test" },
		{ SEND, "250-mx.test\r\n250 8BITMIME\r\n" },
		{ EXPECT, "QUIT" },
		{ SEND, "221 Bye\r\n" },
		{ END, NULL },
	};
	struct run r;
	int port, lfd;
	pid_t srv = server_start(AF_INET, script, NULL, &port, &lfd);

	probe(&r, srv, "127.0.0.1", port, "--starttls", "--servername", "localhost", NULL);
	check_verdict(&r, 4, "tls", "STARTTLS is not offered");
	ck_assert_int_eq(r.server, 0);
	run_free(&r);
}
END_TEST

START_TEST(starttls_refused)
{
	static const struct step script[] = {
		{ SEND, BANNER },
		{ EXPECT, "EHLO" },
		{ SEND, EHLO_TLS },
		{ EXPECT, "STARTTLS" },
		{ SEND, "454 4.7.0 TLS not available due to local problem\r\n" },
		{ EXPECT, "QUIT" },
		{ END, NULL },
	};
	struct run r;
	int port, lfd;
	pid_t srv = server_start(AF_INET, script, NULL, &port, &lfd);

	probe(&r, srv, "127.0.0.1", port, "--starttls", NULL);
	check_verdict(&r, 4, "tls", "STARTTLS refused: 454");
	run_free(&r);
}
END_TEST

/* A certificate the probe must refuse: exit 4, and still described. */
static void
bad_certificate(const char *cert, const char *servername, const char *reason)
{
	struct run r;
	json_object *tls;
	int port, lfd;
	pid_t srv = server_start(AF_INET, tls_session, cert, &port, &lfd);

	probe(&r, srv, "127.0.0.1", port, "--starttls", "--servername", servername, NULL);
	check_verdict(&r, 4, "tls", reason);
	tls = jget(r.doc, "tls");
	ck_assert(!json_object_get_boolean(jget(tls, "verified")));
	run_free(&r);
}

START_TEST(certificate_from_unknown_ca)
{
	bad_certificate("rogue", "localhost", "unable to get local issuer certificate");
}
END_TEST

START_TEST(certificate_expired)
{
	struct run r;
	int port, lfd;
	pid_t srv;

	bad_certificate("expired", "localhost", "certificate has expired");
	/* --no-verify: reported, not judged but for its dates */
	srv = server_start(AF_INET, tls_session, "expired", &port, &lfd);
	probe(&r, srv, "127.0.0.1", port, "--starttls", "--servername", "localhost",
	      "--no-verify", NULL);
	check_verdict(&r, 1, "degraded", "expired");
	ck_assert_int_lt(json_object_get_int64(jget(jget(r.doc, "tls"), "days_left")), 0);
	ck_assert_int_eq(r.server, 0);
	run_free(&r);
}
END_TEST

START_TEST(certificate_not_yet_valid)
{
	bad_certificate("future", "localhost", "certificate is not yet valid");
}
END_TEST

START_TEST(certificate_for_another_name)
{
	bad_certificate("wrongname", "localhost", "hostname mismatch");
	bad_certificate("good", "mx.other.example", "hostname mismatch");
}
END_TEST

START_TEST(certificate_expiring_soon)
{
	struct run r;
	int64_t days;
	int port, lfd;
	pid_t srv = server_start(AF_INET, tls_session, "soon", &port, &lfd);

	probe(&r, srv, "127.0.0.1", port, "--starttls", "--servername", "localhost", NULL);
	check_verdict(&r, 1, "degraded", "expires in");
	days = json_object_get_int64(jget(jget(r.doc, "tls"), "days_left"));
	ck_assert_msg(days == 2 || days == 3, "days_left %lld", (long long)days);
	ck_assert(json_object_get_boolean(jget(jget(r.doc, "tls"), "verified")));
	run_free(&r);

	/* below the threshold given: healthy */
	srv = server_start(AF_INET, tls_session, "soon", &port, &lfd);
	probe(&r, srv, "127.0.0.1", port, "--starttls", "--servername", "localhost",
	      "--cert-warn-days", "2", NULL);
	check_verdict(&r, 0, "ok", NULL);
	run_free(&r);
}
END_TEST

START_TEST(tls_alert_during_handshake)
{
	static const struct step script[] = {
		{ SEND, BANNER },
		{ EXPECT, "EHLO" },
		{ SEND, EHLO_TLS },
		{ EXPECT, "STARTTLS" },
		{ SEND, "220 Go ahead\r\n" },
		{ TLS_ALERT, NULL },
		{ END, NULL },
	};
	struct run r;
	int port, lfd;
	pid_t srv = server_start(AF_INET, script, "good", &port, &lfd);

	probe(&r, srv, "127.0.0.1", port, "--starttls", "--servername", "localhost", NULL);
	check_verdict(&r, 4, "tls", "alert handshake failure");
	ck_assert(json_object_is_type(jget(r.doc, "tls"), json_type_null));
	ck_assert_int_eq(r.server, 0);
	run_free(&r);
}
END_TEST

START_TEST(banner_421)
{
	static const struct step script[] = {
		{ SEND, "421 4.3.2 mx.test Service shutting down\r\n" },
		{ END, NULL },
	};
	struct run r;
	int port, lfd;
	pid_t srv = server_start(AF_INET, script, NULL, &port, &lfd);

	probe(&r, srv, "127.0.0.1", port, NULL);
	check_verdict(&r, 3, "broken", "421 4.3.2");
	ck_assert_str_eq(jstr(r.doc, "banner"), "421 4.3.2 mx.test Service shutting down");
	ck_assert(!phase_ran(&r, "ehlo_ms"));
	run_free(&r);
}
END_TEST

/* relevod's inner-link check: the banner, then QUIT, no EHLO */
START_TEST(banner_only)
{
	static const struct step script[] = {
		{ SEND, BANNER },
		{ EXPECT, "QUIT" },
		{ SEND, "221 2.0.0 Bye\r\n" },
		{ END, NULL },
	};
	static const struct step refused[] = {
		{ SEND, "554 5.3.2 mx.test not accepting connections\r\n" },
		{ EXPECT, "QUIT" },
		{ END, NULL },
	};
	struct run r;
	int port, lfd;
	pid_t srv = server_start(AF_INET, script, NULL, &port, &lfd);

	probe(&r, srv, "127.0.0.1", port, "--banner-only", NULL);
	check_verdict(&r, 0, "ok", NULL);
	ck_assert_int_eq(r.server, 0); /* QUIT came right after the banner */
	ck_assert(phase_ran(&r, "banner_ms"));
	ck_assert(!phase_ran(&r, "ehlo_ms"));
	ck_assert_uint_eq(json_object_array_length(jget(r.doc, "capabilities")), 0);
	run_free(&r);

	srv = server_start(AF_INET, refused, NULL, &port, &lfd);
	probe(&r, srv, "127.0.0.1", port, "--banner-only", NULL);
	check_verdict(&r, 3, "broken", "banner: 554 5.3.2");
	run_free(&r);
}
END_TEST

START_TEST(banner_not_the_expected_one)
{
	struct run r;
	int port, lfd;
	pid_t srv = server_start(AF_INET, plain_session, NULL, &port, &lfd);

	probe(&r, srv, "127.0.0.1", port, "--expect-banner", "relay-a.example.org", NULL);
	check_verdict(&r, 3, "broken", "relay-a.example.org");
	run_free(&r);

	srv = server_start(AF_INET, plain_session, NULL, &port, &lfd);
	probe(&r, srv, "127.0.0.1", port, "--expect-banner", "mx.test ESMTP", NULL);
	check_verdict(&r, 0, "ok", NULL);
	run_free(&r);
}
END_TEST

START_TEST(ehlo_refused)
{
	static const struct step script[] = {
		{ SEND, BANNER },
		{ EXPECT, "EHLO" },
		{ SEND, "502 5.5.2 Error: command not recognized\r\n" },
		{ EXPECT, "QUIT" },
		{ END, NULL },
	};
	struct run r;
	int port, lfd;
	pid_t srv = server_start(AF_INET, script, NULL, &port, &lfd);

	probe(&r, srv, "127.0.0.1", port, NULL);
	check_verdict(&r, 3, "broken", "EHLO refused: 502");
	ck_assert_int_eq(r.server, 0);
	run_free(&r);
}
END_TEST

START_TEST(stall_after_banner)
{
	static const struct step script[] = {
		{ SEND, BANNER },
		{ STALL, NULL },
		{ END, NULL },
	};
	struct run r;
	int port, lfd;
	pid_t srv = server_start(AF_INET, script, NULL, &port, &lfd);

	probe(&r, srv, "127.0.0.1", port, "--timeout", "1000", NULL);
	check_verdict(&r, 3, "broken", "EHLO: no answer within 1000 ms");
	ck_assert_uint_ge(r.elapsed_ms, 1000);
	/* one timeout, not a second one nor none: loose, a loaded machine
	 * (ASan, load 11) took 2.6 s */
	ck_assert_msg(r.elapsed_ms < 10000, "took %llu ms", (unsigned long long)r.elapsed_ms);
	run_free(&r);
}
END_TEST

START_TEST(stall_during_handshake)
{
	static const struct step script[] = {
		{ SEND, BANNER },
		{ EXPECT, "EHLO" },
		{ SEND, EHLO_TLS },
		{ EXPECT, "STARTTLS" },
		{ SEND, "220 Go ahead\r\n" },
		{ STALL, NULL },
		{ END, NULL },
	};
	struct run r;
	int port, lfd;
	pid_t srv = server_start(AF_INET, script, NULL, &port, &lfd);

	probe(&r, srv, "127.0.0.1", port, "--timeout", "1000", "--starttls", NULL);
	check_verdict(&r, 4, "tls", "TLS handshake: no answer within 1000 ms");
	ck_assert_msg(r.elapsed_ms < 10000, "took %llu ms", (unsigned long long)r.elapsed_ms);
	run_free(&r);
}
END_TEST

START_TEST(ten_megabyte_line)
{
	static const struct step script[] = {
		{ FLOOD, NULL },
		{ END, NULL },
	};
	struct run r;
	int port, lfd;
	pid_t srv = server_start(AF_INET, script, NULL, &port, &lfd);

	/* it stops at the limit rather than waiting out its 30 s (the time
	 * is only there to tell the two apart) */
	probe(&r, srv, "127.0.0.1", port, "--timeout", "30000", NULL);
	check_verdict(&r, 3, "broken", "longer than 4096 bytes");
	ck_assert_msg(r.elapsed_ms < 15000, "took %llu ms", (unsigned long long)r.elapsed_ms);
	ck_assert(json_object_is_type(jget(r.doc, "banner"), json_type_null));
	run_free(&r);
}
END_TEST

START_TEST(garbage_bytes)
{
	static const struct step binary[] = {
		{ SEND, "\x16\x03\x01\x02\x10\x01\x01\x01\xfc\x03\x03\xde\xad\xbe\xef" },
		{ STALL, NULL },
		{ END, NULL },
	};
	static const struct step controls[] = {
		{ SEND, "220 mx.test \x1b[2J\x07 ESMTP\r\n" },
		{ STALL, NULL },
		{ END, NULL },
	};
	static const struct step ehlo_garbage[] = {
		{ SEND, BANNER },
		{ EXPECT, "EHLO" },
		{ SEND, "250-mx.test\r\n250-\xff\xfe\xfd\r\n250 8BITMIME\r\n" },
		{ STALL, NULL },
		{ END, NULL },
	};
	const struct step *scripts[] = { binary, controls, ehlo_garbage };
	struct run r;
	size_t i;
	int port, lfd;
	pid_t srv;

	for (i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		srv = server_start(AF_INET, scripts[i], NULL, &port, &lfd);
		/* at once, not after its 30 s timeout */
		probe(&r, srv, "127.0.0.1", port, "--timeout", "30000", NULL);
		check_verdict(&r, 3, "broken", "not an SMTP reply");
		ck_assert_msg(r.elapsed_ms < 15000, "took %llu ms", (unsigned long long)r.elapsed_ms);
		run_free(&r);
	}
}
END_TEST

START_TEST(closed_before_banner)
{
	static const struct step script[] = {
		{ END, NULL },
	};
	struct run r;
	int port, lfd;
	pid_t srv = server_start(AF_INET, script, NULL, &port, &lfd);

	probe(&r, srv, "127.0.0.1", port, NULL);
	check_verdict(&r, 3, "broken", "banner: connection closed by the server");
	run_free(&r);
}
END_TEST

START_TEST(nothing_listening)
{
	struct run r;
	int port, lfd;

	/* bound and not listening: the port is ours, and refuses */
	server_start(AF_INET, NULL, NULL, &port, &lfd);
	probe(&r, 0, "127.0.0.1", port, NULL);
	close(lfd);
	check_verdict(&r, 2, "not-listening", "refused");
	ck_assert(phase_ran(&r, "connect_ms"));
	ck_assert(!phase_ran(&r, "banner_ms"));
	ck_assert(json_object_is_type(jget(r.doc, "banner"), json_type_null));
	run_free(&r);
}
END_TEST

START_TEST(canary_recipient_accepted)
{
	static const struct step script[] = {
		{ SEND, BANNER },
		{ EXPECT, "EHLO probe.test" },
		{ SEND, EHLO_TLS },
		{ EXPECT, "STARTTLS" },
		{ SEND, "220 Go ahead\r\n" },
		{ TLS, NULL },
		{ EXPECT, "EHLO probe.test" },
		{ SEND, "250-mx.test\r\n250 8BITMIME\r\n" },
		{ EXPECT, "MAIL FROM:<>" },
		{ SEND, "250 2.1.0 Ok\r\n" },
		{ EXPECT, "RCPT TO:<canary@example.org>" },
		{ SEND, "250 2.1.5 Ok\r\n" },
		{ EXPECT, "RSET" },
		{ SEND, "250 2.0.0 Ok\r\n" },
		{ EXPECT, "QUIT" },
		{ SEND, "221 2.0.0 Bye\r\n" },
		{ END, NULL },
	};
	struct run r;
	int port, lfd;
	pid_t srv = server_start(AF_INET, script, "good", &port, &lfd);

	probe(&r, srv, "127.0.0.1", port, "--starttls", "--servername", "localhost",
	      "--rcpt", "canary@example.org", NULL);
	check_verdict(&r, 0, "ok", NULL);
	ck_assert(phase_ran(&r, "rcpt_ms"));
	ck_assert_int_eq(r.server, 0); /* and no DATA: the script would have said */
	run_free(&r);
}
END_TEST

START_TEST(canary_recipient_refused)
{
	static const struct step script[] = {
		{ SEND, BANNER },
		{ EXPECT, "EHLO probe.test" },
		{ SEND, "250-mx.test\r\n250 8BITMIME\r\n" },
		{ EXPECT, "MAIL FROM:<>" },
		{ SEND, "250 2.1.0 Ok\r\n" },
		{ EXPECT, "RCPT TO:<canary@example.org>" },
		{ SEND, "550 5.1.1 <canary@example.org>: Recipient address rejected\r\n" },
		{ EXPECT, "QUIT" },
		{ SEND, "221 2.0.0 Bye\r\n" },
		{ END, NULL },
	};
	struct run r;
	int port, lfd;
	pid_t srv = server_start(AF_INET, script, NULL, &port, &lfd);

	probe(&r, srv, "127.0.0.1", port, "--rcpt", "canary@example.org", NULL);
	check_verdict(&r, 3, "broken", "RCPT TO refused: 550 5.1.1");
	ck_assert_int_eq(r.server, 0);
	run_free(&r);
}
END_TEST

START_TEST(usage_errors)
{
	struct run r;

	probe(&r, 0, "127.0.0.1", 0, NULL);
	ck_assert_int_eq(r.status, 64);
	ck_assert_str_eq(r.out, "");
	probe(&r, 0, "127.0.0.1", 25, "--rcpt", "a@b\r\nDATA", NULL);
	ck_assert_int_eq(r.status, 64);
	probe(&r, 0, "127.0.0.1", 25, "--output-as", "xml", NULL);
	ck_assert_int_eq(r.status, 64);
	probe(&r, 0, "127.0.0.1", 25, "--starttls", "--cafile", "/nonexistent/ca.pem", NULL);
	ck_assert_int_eq(r.status, 64);
	probe(&r, 0, "127.0.0.1", 25, "--banner-only", "--starttls", NULL);
	ck_assert_int_eq(r.status, 64);
	probe(&r, 0, "127.0.0.1", 25, "--banner-only", "--rcpt", "canary@example.org", NULL);
	ck_assert_int_eq(r.status, 64);
}
END_TEST

static Suite *
probe_suite(void)
{
	Suite *s = suite_create("probe");
	TCase *tc = tcase_create("scripted server");

	tcase_add_unchecked_fixture(tc, certs_setup, certs_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, good_server_with_starttls);
	tcase_add_test(tc, ipv6_literal_checked_against_ip_san);
	tcase_add_test(tc, plain_session_without_tls_and_text_output);
	tcase_add_test(tc, starttls_not_offered);
	tcase_add_test(tc, starttls_refused);
	tcase_add_test(tc, certificate_from_unknown_ca);
	tcase_add_test(tc, certificate_expired);
	tcase_add_test(tc, certificate_not_yet_valid);
	tcase_add_test(tc, certificate_for_another_name);
	tcase_add_test(tc, certificate_expiring_soon);
	tcase_add_test(tc, tls_alert_during_handshake);
	tcase_add_test(tc, banner_421);
	tcase_add_test(tc, banner_only);
	tcase_add_test(tc, banner_not_the_expected_one);
	tcase_add_test(tc, ehlo_refused);
	tcase_add_test(tc, stall_after_banner);
	tcase_add_test(tc, stall_during_handshake);
	tcase_add_test(tc, ten_megabyte_line);
	tcase_add_test(tc, garbage_bytes);
	tcase_add_test(tc, closed_before_banner);
	tcase_add_test(tc, nothing_listening);
	tcase_add_test(tc, canary_recipient_accepted);
	tcase_add_test(tc, canary_recipient_refused);
	tcase_add_test(tc, usage_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(probe_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
