/*
 * dnsupdate-step.c — a withdrawal from the DNS relay pool cut in two at
 * its weak point, for tests/integration/dnspool.test: the pool is read,
 * then the program waits for a line on stdin (while the test changes the
 * pool behind its back), then sends the update built from the old read.
 * The real server must refuse it (NXRRSET), whatever the change was: that
 * is what makes a withdrawal safe without locking anything.
 *
 *   dnsupdate-step ZONE SERVER KEY_FILE RELAY_NAME ADDRESSES MX_NAME
 *
 * ADDRESSES is comma-separated. Prints "read: N" (records of the pool as
 * read) and, after the line on stdin, "plan: update|kept-last|nothing" and
 * "verdict: WORD RCODE" (dnsmsg.h's words). Exit: 0 done, 1 the update
 * was not sent or not believed, 2 usage or setup.
 *
 * A test tool: it uses the library as relevo-dnsupdate does, but must
 * never be the way a site withdraws (it waits on purpose).
 */
#include "autoconf.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnskey.h"
#include "dnsmsg.h"
#include "dnsupdate.h"

#define MAX_ADDRS 16

int
main(int argc, char **argv)
{
	const char *addrs[MAX_ADDRS];
	struct rv_dns_site_conf conf = { .mx_priority = 10, .ttl = 60 };
	struct rv_dns_result res = { .rcode = -1 };
	struct rv_dns_answer ans = { .rcode = -1 };
	struct rv_dns_server srv;
	struct rv_dns_pool pool;
	struct rv_dns_key key;
	ldns_rr_list *current = NULL;
	ldns_pkt *up = NULL;
	char err[512], line[64], rc_buf[32], *list, *tok, *save = NULL;
	size_t n = 0;
	int plan;

	if (argc != 7) {
		fprintf(stderr, "usage: dnsupdate-step ZONE SERVER KEY_FILE RELAY_NAME ADDRESSES MX_NAME\n");
		return 2;
	}
	list = argv[5];
	for (tok = strtok_r(list, ",", &save); tok != NULL && n < MAX_ADDRS;
	     tok = strtok_r(NULL, ",", &save))
		addrs[n++] = tok;
	conf.zone = argv[1];
	conf.relay_name = argv[4];
	conf.mx_name = argv[6];
	conf.addresses = addrs;
	conf.n_addresses = n;
	signal(SIGPIPE, SIG_IGN);
	if (rv_dns_pool_init(&pool, &conf, err, sizeof(err)) < 0 ||
	    rv_dns_server_set(&srv, argv[2], 53, 0, 3000) < 0 ||
	    rv_dns_key_load(argv[3], NULL, &key, err, sizeof(err)) < 0) {
		fprintf(stderr, "dnsupdate-step: %s\n", err);
		return 2;
	}
	if (rv_dns_read_pool(&srv, &key, &pool, &current, &res) < 0 || current == NULL) {
		fprintf(stderr, "dnsupdate-step: cannot read the pool: %s\n", res.why);
		return 2;
	}
	printf("read: %zu\n", ldns_rr_list_rr_count(current));
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 2;

	plan = rv_dns_build_withdraw(&pool, current, &up);
	printf("plan: %s\n", plan == RV_DNS_PLAN_UPDATE ? "update"
			     : plan == RV_DNS_PLAN_KEPT_LAST ? "kept-last" : "nothing");
	if (plan != RV_DNS_PLAN_UPDATE)
		return 1;
	if (rv_dns_exchange(&srv, &key, up, &ans) < 0)
		return 2;
	printf("verdict: %s %s\n", rv_dns_verdict_name(ans.verdict),
	       ans.rcode >= 0 ? rv_dns_rcode_name(ans.rcode, rc_buf, sizeof(rc_buf)) : "-");
	n = ans.verdict == RV_DNS_OK ? 0 : 1;
	rv_dns_answer_clear(&ans);
	ldns_pkt_free(up);
	ldns_rr_list_deep_free(current);
	rv_dns_result_clear(&res);
	rv_dns_pool_free(&pool);
	rv_dns_key_wipe(&key);
	return (int)n;
}
