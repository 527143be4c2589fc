/*
 * relevo-probe.c — the SMTP/STARTTLS health probe that ocf:relevo:mta's
 * monitor, relevod's inner-link check and the cross-site checks run.
 *
 *   relevo-probe [options] HOST [PORT]
 *
 * This file reads the command line and renders the document of the session
 * (probe.c) through one emitter per --output-as format; the verdict is the
 * exit code. It must never print a byte from the server that the document
 * did not take through smtp.c's checks, and never exit with a code outside
 * enum probe_exit: the mta agent tells its failures apart by it.
 */
#include "autoconf.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "probe.h"
#include "smtp.h"
#include "util.h"

/* ------------------------------------------------------------ output */

/* A string member of the document, or dflt when it is null or absent. */
static const char *
doc_str(json_object *o, const char *key, const char *dflt)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return dflt;
	return json_object_get_string(v);
}

static json_object *
doc_get(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static void
emit_json(FILE *f, json_object *doc)
{
	fprintf(f, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
}

static void
emit_text(FILE *f, json_object *doc)
{
	json_object *caps = doc_get(doc, "capabilities"), *ph = doc_get(doc, "phases");
	json_object *tls = doc_get(doc, "tls");
	const char *reason = doc_str(doc, "reason", ""), *banner = doc_str(doc, "banner", NULL);
	size_t i;

	fprintf(f, "result: %s\n", doc_str(doc, "result", "?"));
	if (reason[0] != '\0')
		fprintf(f, "reason: %s\n", reason);
	fprintf(f, "server: %s port %d\n", doc_str(doc, "host", "?"),
		json_object_get_int(doc_get(doc, "port")));
	if (banner != NULL)
		fprintf(f, "banner: %s\n", banner);
	if (json_object_array_length(caps) > 0) {
		fprintf(f, "capabilities:");
		for (i = 0; i < json_object_array_length(caps); i++)
			fprintf(f, "%s %s", i > 0 ? "," : "",
				json_object_get_string(json_object_array_get_idx(caps, i)));
		fprintf(f, "\n");
	}
	if (tls != NULL) {
		fprintf(f, "tls: %s %s, certificate %s\n", doc_str(tls, "version", "?"),
			doc_str(tls, "cipher", "?"),
			json_object_get_boolean(doc_get(tls, "verified")) ? "verified"
									  : "NOT verified");
		fprintf(f, "certificate: subject %s; issuer %s; not after %s (%d days left)\n",
			doc_str(tls, "subject", "?"), doc_str(tls, "issuer", "?"),
			doc_str(tls, "not_after", "?"), json_object_get_int(doc_get(tls, "days_left")));
	}
	/* "connect_ms": 3 -> "connect 3 ms", in the order they ran; null: not run */
	fprintf(f, "phases:");
	json_object_object_foreach(ph, key, v) {
		if (v != NULL)
			fprintf(f, "%s %.*s %d ms", strcmp(key, "connect_ms") == 0 ? "" : ",",
				(int)(strlen(key) - 3), key, json_object_get_int(v));
	}
	fprintf(f, "\n");
}

typedef void (*emit_fn)(FILE *f, json_object *doc);

static const struct {
	const char *name;
	emit_fn emit;
} emitters[] = {
	{ "json", emit_json },
	{ "text", emit_text },
};

static emit_fn
emitter(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(emitters) / sizeof(emitters[0]); i++)
		if (strcmp(name, emitters[i].name) == 0)
			return emitters[i].emit;
	return NULL;
}

/* ------------------------------------------------------------ main */

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: relevo-probe [options] HOST [PORT]\n"
		"Speak SMTP to HOST (a name, an IPv4 or IPv6 address) on PORT (default 25).\n"
		"\n"
		"  --ehlo NAME            name to send in EHLO (default: this host's name)\n"
		"  --banner-only          connect, read the 220 banner, QUIT (no EHLO)\n"
		"  --starttls             require STARTTLS and complete a TLS handshake\n"
		"  --cafile FILE          verify the chain against FILE (default: system store)\n"
		"  --servername NAME      name the certificate must match, and SNI (default: HOST)\n"
		"  --no-verify            do the handshake, report the certificate, do not verify it\n"
		"  --cert-warn-days N     a certificate expiring within N days is DEGRADED (14)\n"
		"  --rcpt ADDRESS         also MAIL FROM:<> / RCPT TO:<ADDRESS> / RSET, no DATA\n"
		"  --expect-banner TEXT   the 220 banner must contain TEXT\n"
		"  --timeout MS           limit of each phase in milliseconds (5000)\n"
		"  --output-as text|json  (default text)\n"
		"\n"
		"Exit: 0 ok, 1 degraded (certificate near expiry), 2 not listening,\n"
		"      3 broken (answers but not healthy), 4 TLS or certificate problem, 64 usage\n");
}

static int
usage_error(const char *what)
{
	fprintf(stderr, "relevo-probe: %s (see relevo-probe --help)\n", what);
	return PROBE_USAGE;
}

/* The EHLO name by default: this host's name if it can be sent as is. */
static const char *
local_name(char *buf, size_t size)
{
	if (gethostname(buf, size) < 0)
		return "localhost";
	buf[size - 1] = '\0';
	return rv_smtp_arg_ok(buf) ? buf : "localhost";
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ehlo", required_argument, NULL, 'e' },
		{ "banner-only", no_argument, NULL, 'B' },
		{ "starttls", no_argument, NULL, 's' },
		{ "cafile", required_argument, NULL, 'c' },
		{ "servername", required_argument, NULL, 'n' },
		{ "no-verify", no_argument, NULL, 'N' },
		{ "cert-warn-days", required_argument, NULL, 'w' },
		{ "rcpt", required_argument, NULL, 'r' },
		{ "expect-banner", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "output-as", required_argument, NULL, 'o' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe_opts o = { .port = "25", .verify = 1,
				.warn_days = 14, .timeout_ms = 5000 };
	const char *format = "text";
	char hostname[256], host[256];
	json_object *doc = NULL;
	emit_fn emit;
	uint64_t v;
	size_t n;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "Vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'e': o.ehlo = optarg; break;
		case 'B': o.banner_only = 1; break;
		case 's': o.starttls = 1; break;
		case 'c': o.cafile = optarg; break;
		case 'n': o.servername = optarg; break;
		case 'N': o.verify = 0; break;
		case 'r': o.rcpt = optarg; break;
		case 'b': o.expect_banner = optarg; break;
		case 'o': format = optarg; break;
		case 'w':
			if (rv_parse_uint(optarg, 36500, &o.warn_days) < 0)
				return usage_error("--cert-warn-days takes days (0..36500)");
			break;
		case 't':
			if (rv_parse_uint(optarg, 3600000, &o.timeout_ms) < 0 || o.timeout_ms == 0)
				return usage_error("--timeout takes milliseconds (1..3600000)");
			break;
		case 'V': printf("relevo-probe %s\n", PACKAGE_VERSION); return PROBE_OK;
		case 'h': usage(stdout); return PROBE_OK;
		default: return usage_error("unknown option");
		}
	}
	if (optind >= argc || argc - optind > 2)
		return usage_error("HOST and an optional PORT are expected");
	n = strlen(argv[optind]);
	if (n >= 2 && argv[optind][0] == '[' && argv[optind][n - 1] == ']') {
		if (snprintf(host, sizeof(host), "%.*s", (int)(n - 2), argv[optind] + 1)
		    >= (int)sizeof(host))
			return usage_error("HOST is too long");
		o.host = host;
	} else {
		o.host = argv[optind];
	}
	if (o.host[0] == '\0' || strlen(o.host) >= sizeof(host))
		return usage_error("HOST is empty or too long");
	if (argc - optind == 2) {
		o.port = argv[optind + 1];
		if (rv_parse_uint(o.port, 65535, &v) < 0 || v == 0)
			return usage_error("PORT is a number 1..65535");
	}
	if (o.ehlo == NULL)
		o.ehlo = local_name(hostname, sizeof(hostname));
	if (!rv_smtp_arg_ok(o.ehlo))
		return usage_error("--ehlo NAME must be printable, without spaces or <>");
	if (o.banner_only && (o.starttls || o.rcpt != NULL))
		return usage_error("--banner-only says no EHLO: not with --starttls or --rcpt");
	if (o.rcpt != NULL && !rv_smtp_arg_ok(o.rcpt))
		return usage_error("--rcpt ADDRESS must be printable, without spaces or <>");
	if (o.servername != NULL && !rv_smtp_arg_ok(o.servername))
		return usage_error("--servername NAME must be printable, without spaces");
	emit = emitter(format);
	if (emit == NULL)
		return usage_error("--output-as is text or json");

	/* a server closing on us must be an error to handle, not a signal */
	signal(SIGPIPE, SIG_IGN);
	rc = probe_session(&o, &doc);
	if (rc < 0) {
		/* the probe's own configuration is wrong, not the server */
		fprintf(stderr, "relevo-probe: cannot load CA certificates from %s\n",
			o.cafile != NULL ? o.cafile : "the system store");
		return PROBE_USAGE;
	}
	emit(stdout, doc);
	json_object_put(doc);
	return rc;
}
