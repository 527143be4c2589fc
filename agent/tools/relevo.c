/*
 * relevo.c — the operator's command line for relevod.
 *
 *   relevo [--output-as text|json|prometheus] status
 *   relevo [--output-as text|json] history
 *   relevo fence-history [--output-as text|json]
 *   relevo switchover [--to NODE] [--no-wait] [--timeout SECONDS]
 *   relevo standby | unstandby
 *   relevo maintenance on|off
 *   relevo check-config [-c FILE]
 *
 * It talks to the local relevod over libqb IPC and refuses to talk to a
 * relevod that does not run as root. It renders what the daemon says and
 * never decides anything itself.
 */
#include "autoconf.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <qb/qbipcc.h>

#include "config.h"
#include "config_text.h"
#include "ipc_proto.h"
#include "status.h"
#include "util.h"

/* Exit codes: status uses the verdicts (0 ok, 1 degraded, 2 critical). */
enum relevo_exit {
	RELEVO_OK = 0,
	RELEVO_FAILED = 1,      /* the command was refused or failed */
	RELEVO_CRITICAL = 2,
	RELEVO_USAGE = 64,      /* sysexits EX_USAGE */
	RELEVO_UNAVAILABLE = 69 /* EX_UNAVAILABLE: relevod not reachable */
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: relevo [--output-as FORMAT] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  status                  the site at a glance; exit 0 ok, 1 degraded, 2 critical\n"
		"  history                 role changes and failover timelines\n"
		"  fence-history           every attempt to fence a node (text or json)\n"
		"  switchover [--to NODE]  move the site to the other node (waits until done;\n"
		"                          --no-wait returns at once, --timeout SECONDS, default 60)\n"
		"  standby | unstandby     stop holding the site on this node / allow it again\n"
		"  maintenance on|off      leave resources as they are / take them back\n"
		"  check-config [-c FILE]  check a configuration file (default %s)\n"
		"\n"
		"Options:\n"
		"  -o, --output-as FORMAT  text (default), json or prometheus (status only);\n"
		"                          also after the command\n"
		"  -V, --version           print the version\n"
		"  -h, --help              this help\n",
		RV_CONFIG_DEFAULT_PATH);
}

/* Send one request; returns the parsed answer or NULL (with a message). */
static json_object *
request(json_object *req)
{
	qb_ipcc_connection_t *c;
	struct qb_ipc_request_header h = { .id = RV_IPC_REQUEST };
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text) + 1;
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)(uintptr_t)text, .iov_len = len },
	};
	struct json_tokener *tok;
	json_object *ans = NULL;
	char *buf = NULL;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	ssize_t n;

	c = qb_ipcc_connect(RV_IPC_SERVICE, RV_IPC_MAX_MSG);
	if (c == NULL) {
		fprintf(stderr, "relevo: cannot reach relevod: %s%s\n", strerror(errno),
			errno == EACCES || errno == EPERM
				? " (root or membership of group " RV_IPC_GROUP " is needed)"
			: errno == EBUSY
				? " (too many clients are connected; root still gets in)"
				: " (is relevod running on this node?)");
		return NULL;
	}
	if (qb_ipcc_auth_get(c, &pid, &uid, &gid) != 0 || uid != 0) {
		fprintf(stderr, "relevo: the relevod answering does not run as root; refusing "
			"to talk to it\n");
		goto done;
	}
	h.size = (int32_t)(sizeof(h) + len);
	buf = calloc(1, RV_IPC_MAX_MSG + 1);
	if (buf == NULL)
		goto done;
	n = qb_ipcc_sendv_recv(c, iov, 2, buf, RV_IPC_MAX_MSG, 10000);
	if (n < 0) {
		fprintf(stderr, "relevo: no answer from relevod: %s\n", strerror((int)-n));
		goto done;
	}
	if ((size_t)n <= sizeof(struct qb_ipc_response_header)) {
		fprintf(stderr, "relevo: short answer from relevod\n");
		goto done;
	}
	tok = json_tokener_new_ex(64);
	ans = json_tokener_parse_ex(tok, buf + sizeof(struct qb_ipc_response_header),
				    (int)strnlen(buf + sizeof(struct qb_ipc_response_header),
						 (size_t)n - sizeof(struct qb_ipc_response_header)));
	json_tokener_free(tok);
	if (ans == NULL || !json_object_is_type(ans, json_type_object)) {
		fprintf(stderr, "relevo: relevod's answer is not JSON\n");
		json_object_put(ans);
		ans = NULL;
	}
done:
	free(buf);
	qb_ipcc_disconnect(c);
	return ans;
}

static json_object *
command(const char *cmd)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "command", json_object_new_string(cmd));
	return o;
}

/* Send req (consumed); print the error of a refused answer. */
static json_object *
call(json_object *req)
{
	json_object *ans = request(req), *v;

	json_object_put(req);
	if (ans == NULL)
		return NULL;
	if (!json_object_object_get_ex(ans, "ok", &v) || !json_object_get_boolean(v)) {
		fprintf(stderr, "relevo: %s\n", json_object_object_get_ex(ans, "error", &v)
							? json_object_get_string(v) : "refused");
		json_object_put(ans);
		return NULL;
	}
	return ans;
}

static int
do_status(const char *format)
{
	json_object *ans = call(command("status")), *st;
	int rc;

	if (ans == NULL)
		return RELEVO_UNAVAILABLE;
	json_object_object_get_ex(ans, "status", &st);
	rc = (int)rv_status_verdict(st, NULL, 0);
	rv_status_print(stdout, st, format);
	json_object_put(ans);
	return rc;
}

static int
do_history(const char *format)
{
	json_object *ans = call(command("history")), *h;

	if (ans == NULL)
		return RELEVO_UNAVAILABLE;
	json_object_object_get_ex(ans, "history", &h);
	rv_history_print(stdout, h, format);
	json_object_put(ans);
	return RELEVO_OK;
}

/* One fence event's cells, in the table's column order. */
#define FH_COLS 8
static const char *const fh_heads[FH_COLS] = {
	"WHEN", "TARGET", "METHOD", "ACTION", "RESULT", "DURATION", "REASON", "DETAIL",
};

static const char *
fh_str(json_object *e, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(e, key, &v) || v == NULL)
		return "-";
	return json_object_get_string(v);
}

static void
fh_cells(json_object *e, char cells[FH_COLS][160])
{
	json_object *v;
	time_t t = 0;
	struct tm tm;
	int64_t ms = -1;

	if (json_object_object_get_ex(e, "at", &v))
		t = (time_t)json_object_get_int64(v);
	if (t > 0 && localtime_r(&t, &tm) != NULL)
		strftime(cells[0], sizeof(cells[0]), "%Y-%m-%d %H:%M:%S", &tm);
	else
		snprintf(cells[0], sizeof(cells[0]), "-");
	snprintf(cells[1], sizeof(cells[1]), "%s", fh_str(e, "target"));
	snprintf(cells[2], sizeof(cells[2]), "%s", fh_str(e, "method"));
	snprintf(cells[3], sizeof(cells[3]), "%s", fh_str(e, "action"));
	snprintf(cells[4], sizeof(cells[4]), "%s", fh_str(e, "result"));
	if (json_object_object_get_ex(e, "duration_ms", &v))
		ms = json_object_get_int64(v);
	if (ms < 0)
		snprintf(cells[5], sizeof(cells[5]), "-");
	else
		snprintf(cells[5], sizeof(cells[5]), "%lld.%03lld s", (long long)(ms / 1000),
			 (long long)(ms % 1000));
	snprintf(cells[6], sizeof(cells[6]), "%s", fh_str(e, "reason"));
	snprintf(cells[7], sizeof(cells[7]), "%s", fh_str(e, "detail"));
}

/* The fence history as a table, oldest first, columns as wide as their
 * widest cell (the last one unpadded). */
static void
fh_print_text(FILE *f, json_object *events)
{
	size_t n = json_object_array_length(events), i, k, w[FH_COLS];
	char cells[FH_COLS][160];

	if (n == 0) {
		fprintf(f, "No fence attempts recorded since relevod started.\n");
		return;
	}
	for (k = 0; k < FH_COLS; k++)
		w[k] = strlen(fh_heads[k]);
	for (i = 0; i < n; i++) {
		fh_cells(json_object_array_get_idx(events, i), cells);
		for (k = 0; k < FH_COLS; k++)
			if (strlen(cells[k]) > w[k])
				w[k] = strlen(cells[k]);
	}
	for (k = 0; k + 1 < FH_COLS; k++)
		fprintf(f, "%-*s  ", (int)w[k], fh_heads[k]);
	fprintf(f, "%s\n", fh_heads[FH_COLS - 1]);
	for (i = 0; i < n; i++) {
		fh_cells(json_object_array_get_idx(events, i), cells);
		for (k = 0; k + 1 < FH_COLS; k++)
			fprintf(f, "%-*s  ", (int)w[k], cells[k]);
		fprintf(f, "%s\n", cells[FH_COLS - 1]);
	}
}

static int
do_fence_history(const char *format)
{
	json_object *ans, *events, *doc;

	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
		fprintf(stderr, "relevo: fence-history is printed as text or json\n");
		return RELEVO_USAGE;
	}
	ans = call(command("fence-history"));
	if (ans == NULL)
		return RELEVO_UNAVAILABLE;
	if (!json_object_object_get_ex(ans, "fence_history", &events) ||
	    !json_object_is_type(events, json_type_array)) {
		fprintf(stderr, "relevo: relevod's answer has no fence history\n");
		json_object_put(ans);
		return RELEVO_FAILED;
	}
	if (strcmp(format, "json") == 0) {
		/* the document as relevod made it, without the IPC's "ok" */
		doc = json_object_new_object();
		json_object_object_add(doc, "fence_history", json_object_get(events));
		printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(doc);
	} else {
		fh_print_text(stdout, events);
	}
	json_object_put(ans);
	return RELEVO_OK;
}

static int
simple(json_object *req)
{
	json_object *ans = call(req), *v;

	if (ans == NULL)
		return RELEVO_FAILED;
	if (json_object_object_get_ex(ans, "message", &v))
		printf("%s\n", json_object_get_string(v));
	json_object_put(ans);
	return RELEVO_OK;
}

/* The node holding the site; with active set, only once it is ACTIVE
 * there (else ""). NULL when relevod cannot be asked. */
static const char *
holder_of(int active)
{
	static char name[64];
	json_object *ans = call(command("status")), *st, *h, *nodes, *n, *v;
	size_t i;

	name[0] = '\0';
	if (ans == NULL)
		return NULL;
	if (json_object_object_get_ex(ans, "status", &st) &&
	    json_object_object_get_ex(st, "holder", &h) && h != NULL)
		snprintf(name, sizeof(name), "%s", json_object_get_string(h));
	if (active && name[0] != '\0' && json_object_object_get_ex(st, "nodes", &nodes)) {
		for (i = 0; i < json_object_array_length(nodes); i++) {
			n = json_object_array_get_idx(nodes, i);
			if (json_object_object_get_ex(n, "name", &v) &&
			    strcmp(json_object_get_string(v), name) == 0 &&
			    (!json_object_object_get_ex(n, "role", &v) || v == NULL ||
			     strcmp(json_object_get_string(v), "active") != 0))
				name[0] = '\0';
		}
	}
	json_object_put(ans);
	return name;
}

static int
do_switchover(const char *to, int wait, unsigned timeout_s)
{
	json_object *req = command("switchover");
	const char *before, *now;
	char was[64];
	uint64_t t0 = rv_now_ms(), deadline;
	int rc;

	before = holder_of(0);
	if (before == NULL)
		return RELEVO_UNAVAILABLE;
	snprintf(was, sizeof(was), "%s", before);
	if (to != NULL)
		json_object_object_add(req, "to", json_object_new_string(to));
	rc = simple(req);
	if (rc != RELEVO_OK || !wait)
		return rc;
	deadline = t0 + (uint64_t)timeout_s * 1000;
	while (rv_now_ms() < deadline) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL); /* a CLI may wait; the daemon never does */
		now = holder_of(1);
		if (now != NULL && now[0] != '\0' && strcmp(now, was) != 0) {
			printf("%s is active (%llu ms)\n", now,
			       (unsigned long long)(rv_now_ms() - t0));
			return RELEVO_OK;
		}
	}
	fprintf(stderr, "relevo: the site did not move within %u s; see relevo status\n",
		timeout_s);
	return RELEVO_FAILED;
}

/* Valid or not, and what protects the site when a node is lost: an
 * operator reads this before trusting the file, so fencing = off and weak
 * spots are spelled out (exit 0 all the same: the file is valid). */
static int
do_check_config(const char *path)
{
	struct rv_config *cfg = NULL;
	char *errs = NULL, *text, digest[2 * RV_DIGEST_LEN + 1];

	if (rv_config_load(path, &cfg, &errs) < 0) {
		fputs(errs != NULL ? errs : "relevo: cannot load the configuration\n", stderr);
		free(errs);
		return RELEVO_FAILED;
	}
	rv_config_digest_hex(cfg, digest);
	printf("%s: valid: site %s, nodes %s and %s, %zu resource(s), digest %.16s\n", path,
	       cfg->site, cfg->nodes[0].name, cfg->nodes[1].name, cfg->n_resources, digest);
	text = rv_config_protection_text(cfg);
	if (text == NULL) {
		fprintf(stderr, "relevo: out of memory\n");
		rv_config_free(cfg);
		return RELEVO_FAILED;
	}
	fputs(text, stdout);
	free(text);
	rv_config_free(cfg);
	return RELEVO_OK;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output-as", required_argument, NULL, 'o' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option sw_opts[] = {
		{ "output-as", required_argument, NULL, 'o' },
		{ "to", required_argument, NULL, 't' },
		{ "no-wait", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "text", *cmd, *to = NULL, *path = RV_CONFIG_DEFAULT_PATH;
	int opt, wait = 1;
	uint64_t timeout_s = 60;
	json_object *req;

	while ((opt = getopt_long(argc, argv, "+o:Vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': format = optarg; break;
		case 'V': printf("relevo %s\n", PACKAGE_VERSION); return RELEVO_OK;
		case 'h': usage(stdout); return RELEVO_OK;
		default: usage(stderr); return RELEVO_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return RELEVO_USAGE;
	}
	if (!rv_status_format_ok(format)) {
		fprintf(stderr, "relevo: unknown output format '%s' (text, json, prometheus)\n",
			format);
		return RELEVO_USAGE;
	}
	cmd = argv[optind];
	/* sub-command options */
	optind++;
	while ((opt = getopt_long(argc, argv, "+c:o:", sw_opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			if (!rv_status_format_ok(optarg)) {
				fprintf(stderr, "relevo: unknown output format '%s' (text, json, "
					"prometheus)\n", optarg);
				return RELEVO_USAGE;
			}
			format = optarg;
			break;
		case 't': to = optarg; break;
		case 'n': wait = 0; break;
		case 'T':
			if (rv_parse_uint(optarg, 3600, &timeout_s) < 0) {
				fprintf(stderr, "relevo: --timeout takes seconds (1..3600)\n");
				return RELEVO_USAGE;
			}
			break;
		case 'c': path = optarg; break;
		default: usage(stderr); return RELEVO_USAGE;
		}
	}

	if (strcmp(cmd, "status") == 0 && optind == argc)
		return do_status(format);
	if (strcmp(cmd, "history") == 0 && optind == argc)
		return do_history(strcmp(format, "prometheus") == 0 ? "text" : format);
	if (strcmp(cmd, "fence-history") == 0 && optind == argc)
		return do_fence_history(format);
	if (strcmp(cmd, "switchover") == 0 && optind == argc)
		return do_switchover(to, wait, (unsigned)timeout_s);
	if ((strcmp(cmd, "standby") == 0 || strcmp(cmd, "unstandby") == 0) && optind == argc)
		return simple(command(cmd));
	if (strcmp(cmd, "maintenance") == 0 && optind + 1 == argc &&
	    (strcmp(argv[optind], "on") == 0 || strcmp(argv[optind], "off") == 0)) {
		req = command("maintenance");
		json_object_object_add(req, "on", json_object_new_boolean(strcmp(argv[optind], "on") == 0));
		return simple(req);
	}
	if (strcmp(cmd, "check-config") == 0 && optind == argc)
		return do_check_config(path);
	fprintf(stderr, "relevo: unknown command or arguments: %s\n", cmd);
	usage(stderr);
	return RELEVO_USAGE;
}
