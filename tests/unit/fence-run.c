/*
 * fence-run.c — run relevo's fence runner once, by hand or from an
 * integration test: fence TARGET with the methods given, in order, as
 * relevod would (rv_fence_peer), log what happens on stderr and print the
 * result as JSON on stdout.
 *
 *   fence-run [-r REASON] [-t TIMEOUT_MS] TARGET
 *             -m NAME AGENT [KEY=VALUE]... [+reboot] [+no-status]
 *             [-m NAME AGENT ...]...
 *
 * Exit: 0 the target was fenced, 1 it was not, 2 usage.
 *
 * A test tool: the options are on its command line (unlike relevod, which
 * reads them from configuration and secret files), so it must never be
 * given a real password.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <qb/qbloop.h>

#include "history.h"
#include "log.h"
#include "runner.h"
#include "util.h"

#define MAX_METHODS 8

struct run {
	qb_loop_t *loop;
	int fenced;
	int reported;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: fence-run [-r REASON] [-t TIMEOUT_MS] TARGET "
		"-m NAME AGENT [KEY=VALUE]... [+reboot] [+no-status] [-m ...]...\n");
	exit(2);
}

static void
on_done(void *data, const struct rv_fence_peer_result *res)
{
	struct run *r = data;
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	size_t i;

	json_object_object_add(o, "target", json_object_new_string(res->target));
	json_object_object_add(o, "fenced", json_object_new_boolean(res->fenced));
	json_object_object_add(o, "method", res->method != NULL ?
			       json_object_new_string(res->method) : NULL);
	json_object_object_add(o, "duration_ms", json_object_new_int64((int64_t)res->duration_ms));
	for (i = 0; i < res->n_attempts; i++)
		json_object_array_add(a, rv_fence_event_json(&res->attempts[i]));
	json_object_object_add(o, "attempts", a);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
	r->fenced = res->fenced;
	r->reported = 1;
	qb_loop_stop(r->loop);
}

int
main(int argc, char **argv)
{
	struct rv_fence_method methods[MAX_METHODS];
	struct rv_param *params;
	struct rv_fence_peer_request req;
	struct run run = { NULL, 0, 0 };
	const char *reason = "fence-run";
	uint64_t timeout_ms = 20000;
	size_t first[MAX_METHODS];
	size_t n = 0, np = 0, j;
	int c, i, rc;

	while ((c = getopt(argc, argv, "+r:t:")) != -1) {
		switch (c) {
		case 'r':
			reason = optarg;
			break;
		case 't':
			if (rv_parse_uint(optarg, UINT32_MAX, &timeout_ms) != 0 || timeout_ms == 0)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind + 1 >= argc)
		usage();
	/* every argument is a parameter at most; each method's options are
	 * contiguous, from first[method] on */
	params = calloc((size_t)argc, sizeof(*params));
	if (params == NULL)
		abort();
	memset(methods, 0, sizeof(methods));
	for (i = optind + 1; i < argc; i++) {
		struct rv_fence_method *m = n > 0 ? &methods[n - 1] : NULL;
		char *eq;

		if (strcmp(argv[i], "-m") == 0) {
			if (n == MAX_METHODS || i + 2 >= argc)
				usage();
			first[n] = np;
			m = &methods[n++];
			m->name = argv[++i];
			m->agent = argv[++i];
			m->timeout_ms = timeout_ms;
		} else if (m == NULL) {
			usage();
		} else if (strcmp(argv[i], "+reboot") == 0) {
			m->action = RV_FENCE_ACTION_REBOOT;
		} else if (strcmp(argv[i], "+no-status") == 0) {
			m->no_status = 1;
		} else if ((eq = strchr(argv[i], '=')) != NULL) {
			*eq = '\0';
			params[np].name = argv[i];
			params[np].value = eq + 1;
			np++;
			m->n_options++;
		} else {
			usage();
		}
	}
	for (j = 0; j < n; j++)
		methods[j].options = &params[first[j]];
	if (n == 0)
		usage();

	rv_log_init("fence-run", 1, 0, 0);
	run.loop = qb_loop_create();
	if (run.loop == NULL)
		abort();
	memset(&req, 0, sizeof(req));
	req.target = argv[optind];
	req.reason = reason;
	req.methods = methods;
	req.n_methods = n;
	rc = rv_fence_peer(run.loop, NULL, &req, on_done, &run, NULL);
	if (rc != 0) {
		fprintf(stderr, "fence-run: %s\n", strerror(-rc));
		return 2;
	}
	qb_loop_run(run.loop);
	qb_loop_destroy(run.loop);
	rv_log_fini();
	free(params);
	return run.reported && run.fenced ? 0 : 1;
}
