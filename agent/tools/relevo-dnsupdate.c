/*
 * relevo-dnsupdate.c — the site's records in the DNS relay pool, from the
 * command line: what ocf:relevo:mxpool runs for start (publish), stop
 * (withdraw), monitor (check) and validate-all (validate).
 *
 *   relevo-dnsupdate [options] publish|withdraw|check|validate
 *   relevo-dnsupdate [options] --site S [--voter V] vote-add|vote-remove|votes
 *
 * withdraw also serves relevod to withdraw ANOTHER site (its relay name and
 * addresses given), with the same never-empty rule; the vote actions keep
 * the sites' down-votes (sitevote.h) as TXT records in the pool zone.
 *
 * The work is done by agent/lib (dnsupdate.c: the pool and its updates,
 * dnsmsg.c: the signed exchange, dnskey.c: the key file); this file reads
 * the command line, runs one action and reports it through one emitter per
 * --output-as format. The verdict is the exit code (enum dnsupdate_exit),
 * which the agent tells its outcomes apart by: a new outcome gets a new
 * code, an old code never changes its meaning. It must never print the
 * key's secret, and never send an update for "validate".
 *
 * Each network wait is bounded by --timeout; the caller bounds the whole
 * run (the agent runs it under timeout(1) with what is left of its action).
 */
#include "autoconf.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "dnskey.h"
#include "dnsmsg.h"
#include "dnsupdate.h"
#include "util.h"

enum dnsupdate_exit {
	EXIT_DONE = 0,          /* published, withdrawn, served, valid */
	EXIT_KEPT_LAST = 1,     /* withdraw: the site's records are the last of the pool */
	EXIT_ABSENT = 2,        /* check: none of the site's records is served */
	EXIT_PARTIAL = 3,       /* check: some are */
	EXIT_REFUSED = 4,       /* the server refused (or the pool kept changing) */
	EXIT_AUTH = 5,          /* the server did not accept our TSIG key */
	EXIT_UNREACHABLE = 6,   /* no answer from the server */
	EXIT_BAD_ANSWER = 7,    /* an answer that cannot be believed */
	EXIT_USAGE = 64,        /* bad arguments */
	EXIT_SOFTWARE = 70,     /* out of memory, ldns could not build or sign */
	EXIT_KEY = 78,          /* the key file is refused (permissions) or invalid */
};

#define MAX_ADDR_ARGS 64

struct opts {
	const char *action;
	const char *zone, *server, *key_file, *key_name, *relay_name, *mx_name;
	const char *site, *voter;     /* the vote actions */
	int64_t stamp;                /* the vote's time; -1: now */
	const char *addresses[MAX_ADDR_ARGS];
	size_t n_addresses;
	char *address_copies[MAX_ADDR_ARGS]; /* the --address arguments split up */
	size_t n_copies;
	uint64_t port, mx_priority, ttl, timeout_ms;
	int udp;
};

/* ------------------------------------------------------------ report */

/* What one run found, for the emitters. */
struct report {
	const char *action;
	const char *result;     /* the word for people and scripts */
	const char *reason;
	const struct opts *o;
	const struct rv_dns_result *res; /* NULL for validate */
};

/* A record as one line of presentation text (ldns's, tabs made spaces). */
static char *
rr_text(const ldns_rr *rr)
{
	char *s = ldns_rr2str(rr), *p;
	size_t n;

	if (s == NULL)
		return NULL;
	for (p = s; *p != '\0'; p++)
		if (*p == '\t')
			*p = ' ';
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	return s;
}

static json_object *
rr_array(const ldns_rr_list *list)
{
	json_object *a = json_object_new_array();
	size_t i;
	char *s;

	for (i = 0; list != NULL && i < ldns_rr_list_rr_count(list); i++) {
		s = rr_text(ldns_rr_list_rr(list, i));
		if (s != NULL)
			json_object_array_add(a, json_object_new_string(s));
		free(s);
	}
	return a;
}

static const char *
rcode_text(int rcode, char *buf, size_t len)
{
	return rcode < 0 ? NULL : rv_dns_rcode_name(rcode, buf, len);
}

static void
emit_json(FILE *f, const struct report *r)
{
	json_object *doc = json_object_new_object();
	char buf[32], buf2[32];
	const char *rc;

	json_object_object_add(doc, "action", json_object_new_string(r->action));
	json_object_object_add(doc, "result", json_object_new_string(r->result));
	json_object_object_add(doc, "reason", json_object_new_string(r->reason));
	json_object_object_add(doc, "zone", r->o->zone != NULL ? json_object_new_string(r->o->zone) : NULL);
	json_object_object_add(doc, "server",
			       r->o->server != NULL ? json_object_new_string(r->o->server) : NULL);
	json_object_object_add(doc, "port", json_object_new_int((int)r->o->port));
	json_object_object_add(doc, "transport", json_object_new_string(r->o->udp ? "udp" : "tcp"));
	if (r->o->site != NULL) {
		json_object *a = json_object_new_array();
		char text[256];
		size_t i;

		json_object_object_add(doc, "site", json_object_new_string(r->o->site));
		for (i = 0; r->res != NULL && r->res->pool != NULL &&
			    i < ldns_rr_list_rr_count(r->res->pool); i++) {
			rv_dns_txt_text(ldns_rr_list_rr(r->res->pool, i), text, sizeof(text));
			json_object_array_add(a, json_object_new_string(text));
		}
		json_object_object_add(doc, "votes", a);
	}
	if (r->res != NULL) {
		rc = rcode_text(r->res->rcode, buf, sizeof(buf));
		json_object_object_add(doc, "rcode", rc != NULL ? json_object_new_string(rc) : NULL);
		rc = r->res->tsig_error > 0 ? rv_dns_rcode_name(r->res->tsig_error, buf2, sizeof(buf2))
					    : NULL;
		json_object_object_add(doc, "tsig_error", rc != NULL ? json_object_new_string(rc) : NULL);
		json_object_object_add(doc, "exchanges", json_object_new_int((int)r->res->exchanges));
		json_object_object_add(doc, "pool", r->res->pool != NULL ? rr_array(r->res->pool) : NULL);
		json_object_object_add(doc, "missing",
				       r->res->missing != NULL ? rr_array(r->res->missing) : NULL);
	}
	fprintf(f, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
	json_object_put(doc);
}

static void
emit_list(FILE *f, const char *label, const ldns_rr_list *list)
{
	size_t i;
	char *s;

	for (i = 0; list != NULL && i < ldns_rr_list_rr_count(list); i++) {
		s = rr_text(ldns_rr_list_rr(list, i));
		if (s != NULL)
			fprintf(f, "%s: %s\n", label, s);
		free(s);
	}
}

static void
emit_text(FILE *f, const struct report *r)
{
	char buf[32], buf2[32];

	fprintf(f, "result: %s\n", r->result);
	fprintf(f, "reason: %s\n", r->reason);
	if (r->o->server != NULL)
		fprintf(f, "server: %s port %u (%s)\n", r->o->server, (unsigned)r->o->port,
			r->o->udp ? "udp" : "tcp");
	if (r->o->zone != NULL)
		fprintf(f, "zone: %s\n", r->o->zone);
	if (r->res == NULL)
		return;
	if (r->res->rcode >= 0)
		fprintf(f, "rcode: %s%s%s\n", rcode_text(r->res->rcode, buf, sizeof(buf)),
			r->res->tsig_error > 0 ? ", TSIG error " : "",
			r->res->tsig_error > 0
				? rv_dns_rcode_name(r->res->tsig_error, buf2, sizeof(buf2)) : "");
	fprintf(f, "exchanges: %u\n", r->res->exchanges);
	if (r->o->site != NULL) {
		char text[256];
		size_t i;

		for (i = 0; r->res->pool != NULL && i < ldns_rr_list_rr_count(r->res->pool); i++) {
			rv_dns_txt_text(ldns_rr_list_rr(r->res->pool, i), text, sizeof(text));
			fprintf(f, "vote: %s\n", text);
		}
		return;
	}
	emit_list(f, "pool", r->res->pool);
	emit_list(f, "missing", r->res->missing);
}

typedef void (*emit_fn)(FILE *f, const struct report *r);

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

/* ------------------------------------------------------------ verdicts */

/* The word and exit code of a finished action. */
static int
verdict(const char *action, const struct rv_dns_result *res, const char **word)
{
	switch (res->outcome) {
	case RV_DNS_DONE:
		*word = strcmp(action, "publish") == 0 ? "published" :
			strcmp(action, "withdraw") == 0 ? "withdrawn" :
			strcmp(action, "votes") == 0 ? "read" :
			strcmp(action, "vote-add") == 0 ? "voted" : "unvoted";
		return EXIT_DONE;
	case RV_DNS_KEPT_LAST:
		*word = "kept-last";
		return EXIT_KEPT_LAST;
	case RV_DNS_SERVED:
		*word = "served";
		return EXIT_DONE;
	case RV_DNS_PARTIAL:
		*word = "partial";
		return EXIT_PARTIAL;
	case RV_DNS_ABSENT:
		*word = "absent";
		return EXIT_ABSENT;
	case RV_DNS_CONFLICT:
		*word = "conflict";
		return EXIT_REFUSED;
	case RV_DNS_FAILED:
		break;
	}
	*word = rv_dns_verdict_name(res->verdict);
	switch (res->verdict) {
	case RV_DNS_AUTH_FAILED:
		return EXIT_AUTH;
	case RV_DNS_UNREACHABLE:
		return EXIT_UNREACHABLE;
	case RV_DNS_BAD_ANSWER:
		return EXIT_BAD_ANSWER;
	case RV_DNS_OK:
		/* the exchange went through but the request could not be made */
		*word = "failed";
		return EXIT_SOFTWARE;
	default:
		return EXIT_REFUSED;
	}
}

/* ------------------------------------------------------------ main */

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: relevo-dnsupdate [options] publish|withdraw|check|validate\n"
		"       relevo-dnsupdate [options] --site SITE [--voter V] vote-add|vote-remove|votes\n"
		"Publish, withdraw or check the site's records in the DNS relay pool with\n"
		"RFC 2136 updates and queries signed with TSIG, sent to the zone's primary.\n"
		"\n"
		"  --zone ZONE            the pool zone (required)\n"
		"  --server ADDRESS       the zone's primary, an IPv4 or IPv6 address\n"
		"  --port N               its port (53)\n"
		"  --udp                  UDP first, TCP when the answer is truncated (default TCP)\n"
		"  --key-file FILE        the TSIG key: a BIND key clause (tsig-keygen) or\n"
		"                         ALGORITHM:NAME:SECRET; mode 0600 or stricter (required)\n"
		"  --key-name NAME        the key of FILE to use, when it holds several\n"
		"  --relay-name NAME      the site's relay name (required)\n"
		"  --address ADDRESS      an address of the site (repeat it, or separate the\n"
		"                         addresses with spaces or commas)\n"
		"  --mx-name NAME         the pool is the MX RRset of NAME (\"@\": the zone's apex);\n"
		"                         without it, the pool is the relay name's A/AAAA RRsets\n"
		"  --mx-priority N        the site's MX priority (10)\n"
		"  --ttl SECONDS          TTL of the site's records (60)\n"
		"  --timeout MS           limit of each network wait (5000)\n"
		"  --output-as text|json  (default text)\n"
		"  --site SITE            vote actions: the site voted on (one DNS label)\n"
		"  --voter NAME           vote-add, vote-remove: the voting site\n"
		"  --stamp SECONDS        vote-add: the vote's time (default: now)\n"
		"\n"
		"withdraw never removes the last record of the pool: it sends one update\n"
		"whose prerequisites require the pool to be exactly as just read, so the\n"
		"server refuses it if another site left in between. Given another site's\n"
		"relay name and addresses, it withdraws that site, with the same rule.\n"
		"\n"
		"The votes against SITE are TXT records \"VOTER STAMP\" at\n"
		"SITE._relevo-down.ZONE: vote-add replaces the voter's own with a fresh one,\n"
		"vote-remove deletes it, votes reads them; each prints the votes after.\n"
		"\n"
		"Exit: 0 done (published, withdrawn, served, valid), 1 kept: last record of\n"
		"      the pool, 2 check: not served, 3 check: partly served, 4 refused by the\n"
		"      server, 5 the server did not accept the key, 6 no answer, 7 an answer\n"
		"      that cannot be believed, 64 usage, 70 internal error, 78 key file refused\n");
}

static int
usage_error(const char *what)
{
	fprintf(stderr, "relevo-dnsupdate: %s (see relevo-dnsupdate --help)\n", what);
	return EXIT_USAGE;
}

/* --address: one or more addresses separated by spaces or commas. */
static int
add_addresses(struct opts *o, const char *arg)
{
	char *copy, *tok, *save = NULL;

	if (o->n_copies >= MAX_ADDR_ARGS)
		return -E2BIG;
	copy = strdup(arg);
	if (copy == NULL)
		return -ENOMEM;
	o->address_copies[o->n_copies++] = copy;
	for (tok = strtok_r(copy, " ,\t", &save); tok != NULL; tok = strtok_r(NULL, " ,\t", &save)) {
		if (o->n_addresses >= MAX_ADDR_ARGS)
			return -E2BIG;
		o->addresses[o->n_addresses++] = tok;
	}
	return 0;
}

static int
is_vote(const char *action)
{
	return strcmp(action, "vote-add") == 0 || strcmp(action, "vote-remove") == 0 ||
	       strcmp(action, "votes") == 0;
}

/* A vote action: no pool to make, the key is loaded by the caller. */
static int
run_vote(const struct opts *o, const struct rv_dns_server *srv, const struct rv_dns_key *key,
	 struct rv_dns_result *res)
{
	enum rv_dns_vote_op op = strcmp(o->action, "vote-add") == 0 ? RV_DNS_VOTE_ADD :
				 strcmp(o->action, "vote-remove") == 0 ? RV_DNS_VOTE_REMOVE
								       : RV_DNS_VOTES_READ;
	int64_t stamp = o->stamp >= 0 ? o->stamp : (int64_t)time(NULL);

	return rv_dns_vote(srv, key, o->zone, o->site, o->voter, op, stamp, (unsigned)o->ttl, res);
}

static int
parse_args(int argc, char **argv, struct opts *o, const char **format)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "server", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "udp", no_argument, NULL, 'u' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "key-name", required_argument, NULL, 'K' },
		{ "relay-name", required_argument, NULL, 'r' },
		{ "address", required_argument, NULL, 'a' },
		{ "mx-name", required_argument, NULL, 'm' },
		{ "mx-priority", required_argument, NULL, 'P' },
		{ "ttl", required_argument, NULL, 'T' },
		{ "timeout", required_argument, NULL, 't' },
		{ "output-as", required_argument, NULL, 'o' },
		{ "site", required_argument, NULL, 'S' },
		{ "voter", required_argument, NULL, 'v' },
		{ "stamp", required_argument, NULL, 'N' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "Vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'z': o->zone = optarg; break;
		case 's': o->server = optarg; break;
		case 'u': o->udp = 1; break;
		case 'k': o->key_file = optarg; break;
		case 'K': o->key_name = optarg; break;
		case 'r': o->relay_name = optarg; break;
		case 'm': o->mx_name = optarg; break;
		case 'o': *format = optarg; break;
		case 'S': o->site = optarg; break;
		case 'v': o->voter = optarg; break;
		case 'N': {
			uint64_t st;

			if (rv_parse_uint(optarg, INT64_MAX / 2, &st) < 0)
				return usage_error("--stamp takes seconds since the epoch");
			o->stamp = (int64_t)st;
			break;
		}
		case 'a':
			if (add_addresses(o, optarg) < 0)
				return usage_error("too many --address");
			break;
		case 'p':
			if (rv_parse_uint(optarg, 65535, &o->port) < 0 || o->port == 0)
				return usage_error("--port takes a port number (1..65535)");
			break;
		case 'P':
			if (rv_parse_uint(optarg, 65535, &o->mx_priority) < 0)
				return usage_error("--mx-priority takes 0..65535");
			break;
		case 'T':
			if (rv_parse_uint(optarg, RV_DNS_TTL_MAX, &o->ttl) < 0 || o->ttl == 0)
				return usage_error("--ttl takes seconds (1..86400)");
			break;
		case 't':
			if (rv_parse_uint(optarg, 600000, &o->timeout_ms) < 0 || o->timeout_ms < 10)
				return usage_error("--timeout takes milliseconds (10..600000)");
			break;
		case 'V': printf("relevo-dnsupdate %s\n", PACKAGE_VERSION); return -1;
		case 'h': usage(stdout); return -1;
		default: return usage_error("unknown option");
		}
	}
	if (optind + 1 != argc)
		return usage_error("one action is expected: publish, withdraw, check or validate");
	o->action = argv[optind];
	if (is_vote(o->action)) {
		if (o->zone == NULL || o->key_file == NULL || o->server == NULL || o->site == NULL)
			return usage_error("--zone, --server, --key-file and --site are required");
		if (strcmp(o->action, "votes") != 0 && o->voter == NULL)
			return usage_error("--voter is required");
		return 0;
	}
	if (strcmp(o->action, "publish") != 0 && strcmp(o->action, "withdraw") != 0 &&
	    strcmp(o->action, "check") != 0 && strcmp(o->action, "validate") != 0)
		return usage_error("the action is publish, withdraw, check or validate");
	if (o->zone == NULL || o->relay_name == NULL || o->key_file == NULL)
		return usage_error("--zone, --relay-name and --key-file are required");
	if (o->server == NULL && strcmp(o->action, "validate") != 0)
		return usage_error("--server is required");
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { .port = 53, .mx_priority = 10, .ttl = 60, .timeout_ms = 5000, .stamp = -1 };
	struct rv_dns_site_conf conf;
	struct rv_dns_result res = { .rcode = -1 };
	struct rv_dns_server srv;
	struct rv_dns_pool pool = { 0 };
	struct rv_dns_key key;
	struct report rep = { 0 };
	const char *format = "text";
	char err[512];
	emit_fn emit;
	size_t i;
	int rc, ex;

	rv_dns_key_wipe(&key);
	rc = parse_args(argc, argv, &o, &format);
	if (rc != 0) {
		ex = rc < 0 ? EXIT_DONE : rc;
		goto out;
	}
	emit = emitter(format);
	if (emit == NULL) {
		ex = usage_error("--output-as is text or json");
		goto out;
	}
	rep.action = o.action;
	rep.o = &o;

	conf = (struct rv_dns_site_conf){
		.zone = o.zone, .relay_name = o.relay_name, .mx_name = o.mx_name,
		.mx_priority = (unsigned)o.mx_priority, .ttl = (unsigned)o.ttl,
		.addresses = o.addresses, .n_addresses = o.n_addresses,
	};
	if (is_vote(o.action))
		rc = 0; /* no pool: the zone and the names are checked by the action */
	else
		rc = rv_dns_pool_init(&pool, &conf, err, sizeof(err));
	if (rc == 0 && o.server != NULL &&
	    rv_dns_server_set(&srv, o.server, (unsigned)o.port, o.udp, (unsigned)o.timeout_ms) < 0) {
		snprintf(err, sizeof(err), "--server \"%s\" is not an IPv4 or IPv6 address", o.server);
		rc = -EINVAL;
	}
	if (rc < 0) {
		rep.result = "invalid";
		rep.reason = rc == -ENOMEM ? "out of memory" : err;
		emit(stdout, &rep);
		ex = rc == -ENOMEM ? EXIT_SOFTWARE : EXIT_USAGE;
		goto out;
	}
	rc = rv_dns_key_load(o.key_file, o.key_name, &key, err, sizeof(err));
	if (rc < 0) {
		rep.result = "invalid";
		rep.reason = err;
		emit(stdout, &rep);
		ex = EXIT_KEY;
		goto out;
	}
	if (strcmp(o.action, "validate") == 0) {
		rep.result = "valid";
		rep.reason = "the arguments and the key file are usable";
		emit(stdout, &rep);
		ex = EXIT_DONE;
		goto out;
	}

	/* a server closing on us must be an error to handle, not a signal */
	signal(SIGPIPE, SIG_IGN);
	if (is_vote(o.action))
		rc = run_vote(&o, &srv, &key, &res);
	else if (strcmp(o.action, "publish") == 0)
		rc = rv_dns_publish(&srv, &key, &pool, &res);
	else if (strcmp(o.action, "withdraw") == 0)
		rc = rv_dns_withdraw(&srv, &key, &pool, &res);
	else
		rc = rv_dns_check(&srv, &key, &pool, &res);
	if (rc == -EINVAL && is_vote(o.action)) {
		rep.result = "invalid";
		snprintf(err, sizeof(err), "%s", res.why);
		rep.reason = err;
		ex = EXIT_USAGE;
	} else if (rc < 0) {
		rep.result = "failed";
		snprintf(err, sizeof(err), "%s", res.why[0] != '\0' ? res.why : strerror(-rc));
		rep.reason = err;
		ex = EXIT_SOFTWARE;
	} else {
		ex = verdict(o.action, &res, &rep.result);
		rep.reason = res.why;
	}
	rep.res = &res;
	emit(stdout, &rep);
out:
	rv_dns_key_wipe(&key);
	rv_dns_result_clear(&res);
	rv_dns_pool_free(&pool);
	for (i = 0; i < o.n_copies; i++)
		free(o.address_copies[i]);
	return ex;
}
