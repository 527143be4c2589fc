/*
 * check_config.c — unit tests for agent/lib/config.c: the site's INI file
 * read into the model, and every error of a bad file reported with its file
 * and line.
 *
 * The sample files are in configs/. An error test states the whole error
 * text, so a changed message, a wrong line or one error too many fails it;
 * "@" in an expected text stands for the file's path.
 */
#include "autoconf.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* By path: a config.h left in a build directory by an older configure must
 * not shadow the model's header. */
#include "../../agent/lib/config.h"

#define CONFIG(name) SRCDIR "/configs/" name

static struct rv_config *
load_good(const char *path)
{
	struct rv_config *cfg = NULL;
	char *errs = NULL;
	int rc;

	rc = rv_config_load(path, &cfg, &errs);
	ck_assert_msg(rc == 0, "%s: rc %d, errors:\n%s", path, rc, errs ? errs : "(none)");
	ck_assert_ptr_null(errs);
	ck_assert_ptr_nonnull(cfg);
	return cfg;
}

/* expected with every "@" replaced by path */
static char *
expand(const char *expected, const char *path)
{
	size_t n = 1;
	const char *p;
	char *out, *o;

	for (p = expected; *p != '\0'; p++)
		n += *p == '@' ? strlen(path) : 1;
	out = calloc(1, n);
	ck_assert_ptr_nonnull(out);
	for (p = expected, o = out; *p != '\0'; p++) {
		if (*p == '@') {
			memcpy(o, path, strlen(path));
			o += strlen(path);
		} else {
			*o++ = *p;
		}
	}
	return out;
}

static void
expect_errors(const char *path, int want_rc, const char *expected)
{
	static struct rv_config poison;
	struct rv_config *cfg = &poison; /* must come back NULL */
	char *errs = NULL, *want = expand(expected, path);
	int rc;

	rc = rv_config_load(path, &cfg, &errs);
	ck_assert_int_eq(rc, want_rc);
	ck_assert_ptr_null(cfg);
	ck_assert_ptr_nonnull(errs);
	ck_assert_str_eq(errs, want);
	free(errs);
	free(want);
}

static const struct rv_resource_cfg *
resource(const struct rv_config *cfg, size_t i, const char *name, const char *agent)
{
	const struct rv_resource_cfg *r;

	ck_assert_uint_gt(cfg->n_resources, i);
	r = &cfg->resources[i];
	ck_assert_str_eq(r->name, name);
	ck_assert_str_eq(r->agent, agent);
	return r;
}

static void
expect_param(const struct rv_resource_cfg *r, size_t i, const char *name, const char *value)
{
	ck_assert_uint_gt(r->n_params, i);
	ck_assert_str_eq(r->params[i].name, name);
	ck_assert_str_eq(r->params[i].value, value);
}

START_TEST(example_site_loads)
{
	struct rv_config *cfg = load_good(CONFIG("example.conf"));
	const struct rv_resource_cfg *r;

	ck_assert_str_eq(cfg->site, "relay-a");
	ck_assert_str_eq(cfg->preferred_node, "n1");
	ck_assert_int_eq(cfg->fencing_off, 1);
	ck_assert_uint_eq(cfg->n_nodes, 2);
	ck_assert_str_eq(cfg->nodes[0].name, "n1");
	ck_assert_uint_eq(cfg->nodes[0].id, 1);
	ck_assert_str_eq(cfg->nodes[1].name, "n2");
	ck_assert_uint_eq(cfg->nodes[1].id, 2);
	ck_assert_uint_eq(cfg->n_resources, 3);
	r = resource(cfg, 0, "spool", "ocf:relevo:spool");
	ck_assert_str_eq(r->provider, "relevo");
	ck_assert_str_eq(r->type, "spool");
	r = resource(cfg, 1, "mta", "ocf:relevo:mta");
	ck_assert_uint_eq(r->monitor_level, 10);
	r = resource(cfg, 2, "vip4", "ocf:heartbeat:IPaddr2");
	ck_assert_str_eq(r->provider, "heartbeat");
	ck_assert_str_eq(r->type, "IPaddr2");
	ck_assert_uint_eq(r->n_params, 3);
	expect_param(r, 0, "ip", "192.0.2.25");
	expect_param(r, 1, "cidr_netmask", "24");
	expect_param(r, 2, "nic", "eth0");
	rv_config_free(cfg);
}
END_TEST

START_TEST(full_file_sets_every_field)
{
	const char *path = CONFIG("full.conf");
	struct rv_config *cfg = load_good(path);
	const struct rv_resource_cfg *r;

	ck_assert_str_eq(cfg->path, path);
	ck_assert_str_eq(cfg->site, "relay-b");
	ck_assert_str_eq(cfg->preferred_node, "n2");
	ck_assert_int_eq(cfg->fencing_off, 1);
	ck_assert_uint_eq(cfg->state_interval_ms, 250);
	ck_assert_uint_eq(cfg->peer_wait_ms, 0);
	ck_assert_str_eq(cfg->ocf_root, "/opt/ocf");
	ck_assert_str_eq(cfg->state_dir, "/srv/relevo");

	/* file order, each with the line of its header */
	ck_assert_uint_eq(cfg->n_nodes, 2);
	ck_assert_str_eq(cfg->nodes[0].name, "n2");
	ck_assert_uint_eq(cfg->nodes[0].id, UINT32_MAX);
	ck_assert_int_eq(cfg->nodes[0].line, 15);
	ck_assert_str_eq(cfg->nodes[1].name, "n1");
	ck_assert_uint_eq(cfg->nodes[1].id, 1);
	ck_assert_int_eq(cfg->nodes[1].line, 18);

	ck_assert_uint_eq(cfg->n_resources, 2);
	r = resource(cfg, 0, "spool", "ocf:relevo:spool");
	ck_assert_str_eq(r->provider, "relevo");
	ck_assert_str_eq(r->type, "spool");
	ck_assert_int_eq(r->line, 21);
	ck_assert_uint_eq(r->n_params, 2);
	expect_param(r, 0, "device", "/dev/drbd0");
	expect_param(r, 1, "directory", "/var/spool/postfix");
	ck_assert_uint_eq(r->start_timeout_ms, 1000);
	ck_assert_uint_eq(r->stop_timeout_ms, 3600000);
	ck_assert_uint_eq(r->monitor_interval_ms, 0);
	ck_assert_uint_eq(r->monitor_timeout_ms, 1500);
	ck_assert_uint_eq(r->monitor_level, 100);
	ck_assert_uint_eq(r->migration_threshold, 0);

	r = resource(cfg, 1, "vip4", "ocf:heartbeat:IPaddr2");
	ck_assert_int_eq(r->line, 32);
	ck_assert_uint_eq(r->n_params, 3);
	expect_param(r, 0, "ip", "192.0.2.10");
	expect_param(r, 1, "cidr_netmask", "24");
	/* ';' starts a comment only after a blank; '#' only at the start */
	expect_param(r, 2, "note", "a;b #c = d");
	ck_assert_uint_eq(r->start_timeout_ms, 3600000);
	ck_assert_uint_eq(r->stop_timeout_ms, 120000);
	ck_assert_uint_eq(r->monitor_interval_ms, 24 * 3600000);
	ck_assert_uint_eq(r->monitor_timeout_ms, 90000);
	ck_assert_uint_eq(r->monitor_level, 10);
	ck_assert_uint_eq(r->migration_threshold, 1000);
	rv_config_free(cfg);
}
END_TEST

START_TEST(minimal_file_gets_defaults)
{
	struct rv_config *cfg = load_good(CONFIG("minimal.conf"));
	const struct rv_resource_cfg *r;
	size_t n;

	ck_assert_str_eq(cfg->site, "relay-a");
	ck_assert_ptr_null(cfg->preferred_node);
	ck_assert_int_eq(cfg->fencing_off, 1);
	ck_assert_uint_eq(cfg->state_interval_ms, 1000);
	ck_assert_uint_eq(cfg->peer_wait_ms, 3000);
	/* the build's directories, whatever the prefix */
	ck_assert_int_eq(cfg->ocf_root[0], '/');
	ck_assert_int_eq(cfg->state_dir[0], '/');
	n = strlen(cfg->state_dir);
	ck_assert_uint_gt(n, strlen("/lib/relevo"));
	ck_assert_str_eq(cfg->state_dir + n - strlen("/lib/relevo"), "/lib/relevo");
	ck_assert_uint_eq(cfg->n_resources, 1);
	r = resource(cfg, 0, "spool", "ocf:relevo:spool");
	ck_assert_uint_eq(r->n_params, 0);
	ck_assert_uint_eq(r->start_timeout_ms, 20000);
	ck_assert_uint_eq(r->stop_timeout_ms, 20000);
	ck_assert_uint_eq(r->monitor_interval_ms, 10000);
	ck_assert_uint_eq(r->monitor_timeout_ms, 20000);
	ck_assert_uint_eq(r->monitor_level, 0);
	ck_assert_uint_eq(r->migration_threshold, 3);
	rv_config_free(cfg);
}
END_TEST

START_TEST(lookups)
{
	struct rv_config *cfg = load_good(CONFIG("full.conf"));

	ck_assert_str_eq(rv_config_node_by_id(cfg, 1)->name, "n1");
	ck_assert_str_eq(rv_config_node_by_id(cfg, UINT32_MAX)->name, "n2");
	ck_assert_ptr_null(rv_config_node_by_id(cfg, 2));
	ck_assert_uint_eq(rv_config_node_by_name(cfg, "n2")->id, UINT32_MAX);
	ck_assert_ptr_null(rv_config_node_by_name(cfg, "n3"));
	ck_assert_ptr_null(rv_config_node_by_name(cfg, NULL));
	ck_assert_str_eq(rv_config_peer_of(cfg, 1)->name, "n2");
	ck_assert_str_eq(rv_config_peer_of(cfg, UINT32_MAX)->name, "n1");
	ck_assert_ptr_null(rv_config_peer_of(cfg, 3));
	ck_assert_ptr_null(rv_config_node_by_id(NULL, 1));
	ck_assert_ptr_null(rv_config_peer_of(NULL, 1));
	rv_config_free(cfg);
	rv_config_free(NULL);
}
END_TEST

static void
digest_of(const char *path, char hex[2 * RV_DIGEST_LEN + 1])
{
	struct rv_config *cfg = load_good(path);
	char again[2 * RV_DIGEST_LEN + 1];
	unsigned v;
	size_t i;

	rv_config_digest_hex(cfg, hex);
	ck_assert_uint_eq(strlen(hex), 2 * RV_DIGEST_LEN);
	for (i = 0; i < RV_DIGEST_LEN; i++) {
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		ck_assert_uint_eq(v, cfg->digest[i]);
	}
	ck_assert_ptr_null(strpbrk(hex, "ABCDEF"));
	rv_config_free(cfg);
	cfg = load_good(path);
	rv_config_digest_hex(cfg, again);
	ck_assert_str_eq(hex, again);
	rv_config_free(cfg);
}

START_TEST(digest_ignores_layout)
{
	char a[2 * RV_DIGEST_LEN + 1], b[2 * RV_DIGEST_LEN + 1];

	/* b: other comments and blanks, CRLF, keys, params and nodes in
	 * another order, defaults written out in other units */
	digest_of(CONFIG("digest_a.conf"), a);
	digest_of(CONFIG("digest_b.conf"), b);
	ck_assert_str_eq(a, b);
}
END_TEST

START_TEST(digest_follows_the_model)
{
	char a[2 * RV_DIGEST_LEN + 1], c[2 * RV_DIGEST_LEN + 1], d[2 * RV_DIGEST_LEN + 1];

	digest_of(CONFIG("digest_a.conf"), a);
	digest_of(CONFIG("digest_c.conf"), c); /* one param value changed */
	digest_of(CONFIG("digest_d.conf"), d); /* start order changed */
	ck_assert_str_ne(a, c);
	ck_assert_str_ne(a, d);
	ck_assert_str_ne(c, d);
}
END_TEST

START_TEST(longest_line_is_taken_whole)
{
	struct rv_config *cfg = load_good(CONFIG("long_ok.conf"));
	const struct rv_resource_cfg *r = resource(cfg, 0, "spool", "ocf:relevo:spool");

	/* "param.long = " and 184 characters: 197 in all */
	ck_assert_uint_eq(r->n_params, 1);
	ck_assert_str_eq(r->params[0].name, "long");
	ck_assert_uint_eq(strlen(r->params[0].value), 184);
	ck_assert_uint_eq(strspn(r->params[0].value, "x"), 184);
	rv_config_free(cfg);
}
END_TEST

START_TEST(missing_file)
{
	expect_errors(SRCDIR "/configs/no-such.conf", -ENOENT,
	    "@: cannot open: No such file or directory\n");
}
END_TEST

START_TEST(directory)
{
	expect_errors(SRCDIR "/configs", -EISDIR, "@: cannot open: Is a directory\n");
}
END_TEST

START_TEST(unreadable_file)
{
	char path[] = "/tmp/check_config.XXXXXX";
	int fd;

	if (geteuid() == 0)
		return; /* root reads it anyway */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "[site]\n", 7), 7);
	close(fd);
	ck_assert_int_eq(chmod(path, 0), 0);
	expect_errors(path, -EACCES, "@: cannot open: Permission denied\n");
	unlink(path);
}
END_TEST

START_TEST(empty_file)
{
	expect_errors("/dev/null", -EINVAL,
	    "@: no [site] section\n"
	    "@: a site has exactly two [node NAME] sections, this file has 0\n"
	    "@: no [resource NAME] section: a site needs at least one resource\n");
}
END_TEST

START_TEST(errs_may_be_null)
{
	struct rv_config *cfg = NULL;

	ck_assert_int_eq(rv_config_load(CONFIG("bad_many.conf"), &cfg, NULL), -EINVAL);
	ck_assert_ptr_null(cfg);
	ck_assert_int_eq(rv_config_load(CONFIG("no-such.conf"), &cfg, NULL), -ENOENT);
	ck_assert_int_eq(rv_config_load(NULL, &cfg, NULL), -EINVAL);
}
END_TEST

#define ONLY_OCF ": only OCF resource agents are supported, as ocf:PROVIDER:TYPE\n"
#define NOT_OCF " is not ocf:PROVIDER:TYPE (PROVIDER and TYPE: letters, digits, '_', '.' and '-')\n"
#define NAME_RULE "use letters, digits, '_', '.' and '-', at most 63 characters\n"
#define R64 "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr" "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"

static const struct {
	const char *file;
	const char *errors;
} bad_files[] = {
	{ "bad_unknown_section.conf",
	  "@:12: unknown section [nodes n3]\n" },
	{ "bad_unknown_key.conf",
	  "@:15: unknown key 'start_timeout' in [resource spool]\n" },
	{ "bad_duplicate_key.conf",
	  "@:12: duplicate key 'id' in [node n2] (first at line 10)\n" },
	{ "bad_duplicate_node.conf",
	  "@:12: duplicate section [node n1] (first at line 6)\n" },
	{ "bad_three_nodes.conf",
	  "@:12: [node n3] is a third node: a site has exactly two\n" },
	{ "bad_one_node.conf",
	  "@: a site has exactly two [node NAME] sections, this file has 1\n" },
	{ "bad_same_ids.conf",
	  "@:10: id 7 is already the id of [node n1]\n" },
	{ "bad_id.conf",
	  "@:7: id '0' is out of range (1..4294967295)\n"
	  "@:10: id '4294967296' is out of range (1..4294967295)\n" },
	{ "bad_id_text.conf",
	  "@:7: id 'one' is not a number\n"
	  "@:10: id '-1' is not a number\n" },
	{ "bad_no_site_name.conf",
	  "@:2: missing key 'name' in [site]\n" },
	{ "bad_preferred_node.conf",
	  "@:4: preferred-node 'n3' is not a [node] of this site\n" },
	{ "bad_no_fencing.conf",
	  "@:2: missing key 'fencing' in [site]: this version cannot fence; write "
	  "'fencing = off' to run without fencing, which is UNSAFE and for a lab only\n" },
	{ "bad_fencing_on.conf",
	  "@:4: fencing 'on': this version supports only 'fencing = off'\n" },
	{ "bad_agents.conf",
	  "@:13: agent 'lsb:foo'" ONLY_OCF
	  "@:15: agent 'systemd:postfix.service'" ONLY_OCF
	  "@:17: agent 'ocf:a'" NOT_OCF
	  "@:19: agent 'ocf:a:b:c'" NOT_OCF
	  "@:21: agent 'ocf::IPaddr2'" NOT_OCF
	  "@:23: agent 'ocf:heartbeat:'" NOT_OCF
	  "@:25: agent 'ocf:..:x'" NOT_OCF
	  "@:27: agent 'ocf'" NOT_OCF
	  "@:29: agent 'OCF:heartbeat:IPaddr2'" ONLY_OCF
	  "@:31: agent 'ocf:heart beat:IPaddr2'" NOT_OCF },
	{ "bad_duration.conf",
	  "@:13: state-interval '1 s' is not a duration (such as 500ms, 20s, 5m, 1h)\n"
	  "@:14: peer-wait 'soon' is not a duration (such as 500ms, 20s, 5m, 1h)\n"
	  "@:18: start-timeout '1.5ms' is not a duration (such as 500ms, 20s, 5m, 1h)\n"
	  "@:19: stop-timeout '-1s' is not a duration (such as 500ms, 20s, 5m, 1h)\n"
	  "@:20: monitor-interval '10x' is not a duration (such as 500ms, 20s, 5m, 1h)\n"
	  "@:21: monitor-timeout '1,5s' is not a duration (such as 500ms, 20s, 5m, 1h)\n" },
	{ "bad_range.conf",
	  "@:13: state-interval '99ms' is out of range (100ms..60s)\n"
	  "@:14: peer-wait '301s' is out of range (0..5m)\n"
	  "@:18: start-timeout '999ms' is out of range (1s..1h)\n"
	  "@:19: stop-timeout '61m' is out of range (1s..1h)\n"
	  "@:20: monitor-interval '999ms' is out of range (0 or 1s..24h)\n"
	  "@:21: monitor-timeout '0' is out of range (1s..1h)\n"
	  "@:22: monitor-level '101' is out of range (0..100)\n"
	  "@:23: migration-threshold '1001' is out of range (0..1000)\n"
	  "@:26: monitor-interval '25h' is out of range (0 or 1s..24h)\n"
	  "@:27: monitor-level '99999999999999999999999' is out of range (0..100)\n"
	  "@:28: migration-threshold 'x' is not a number\n" },
	{ "bad_empty_value.conf",
	  "@:3: empty value for 'name'\n"
	  "@:7: empty value for 'id'\n"
	  "@:13: empty value for 'ocf-root'\n"
	  "@:16: empty value for 'agent'\n"
	  "@:17: empty value for 'param.device'\n" },
	{ "bad_no_resources.conf",
	  "@: no [resource NAME] section: a site needs at least one resource\n" },
	{ "bad_syntax.conf",
	  "@:14: syntax error: expected 'key = value'\n"
	  "@:15: syntax error: section header without ']'\n"
	  "@:17: syntax error: use '=' between key and value\n"
	  "@:18: syntax error: no key before '='\n"
	  "@:19: syntax error: text after ']'\n" },
	{ "bad_long_line.conf",
	  "@:14: line too long: more than 197 characters\n"
	  "@:15: line too long: more than 197 characters\n"
	  "@:17: line too long: more than 197 characters\n"
	  "@:20: line too long: more than 197 characters\n"
	  "@:21: unknown key 'no-such-key' in [resource mta]\n" },
	{ "bad_control.conf",
	  "@:14: control character 0x00 in line\n"
	  "@:15: control character 0x0d in line\n" },
	{ "bad_names.conf",
	  "@:2: key 'key' outside any section\n"
	  "@:3: [site] takes no name\n"
	  "@:8: [node] needs a name: [node NAME]\n"
	  "@:10: invalid node name 'n/1': " NAME_RULE
	  "@:12: invalid node name '..': " NAME_RULE
	  "@:20: invalid resource name '" R64 "': " NAME_RULE
	  "@:22: unknown section [Resource r]\n"
	  "@:23: unknown section []\n" },
	{ "bad_too_many.conf",
	  "@:78: too many parameters in [resource r1]: at most 64\n"
	  "@:125: [resource r17]: at most 16 resources are supported\n" },
	{ "bad_many.conf",
	  "@:3: name 'relay a' is not a valid name: " NAME_RULE
	  "@:4: fencing 'maybe': this version supports only 'fencing = off'\n"
	  "@:5: unknown key 'colour' in [site]\n"
	  "@:10: duplicate section [node n1] (first at line 7)\n"
	  "@:14: state-interval '0' is out of range (100ms..60s)\n"
	  "@:15: ocf-root 'usr/lib/ocf' is not an absolute path\n"
	  "@:17: duplicate key 'state-dir' in [daemon] (first at line 16)\n"
	  "@:19: missing key 'agent' in [resource spool]\n"
	  "@:21: duplicate key 'param.device' in [resource spool] (first at line 20)\n"
	  "@:22: invalid parameter name 'param.bad-name': use letters, digits and '_' "
	  "after 'param.', at most 63 characters\n"
	  "@:24: duplicate section [resource spool] (first at line 19)\n"
	  "@:27: unknown section [volume data]\n"
	  "@: a site has exactly two [node NAME] sections, this file has 1\n" },
};

START_TEST(bad_file_errors)
{
	char path[512];

	snprintf(path, sizeof(path), SRCDIR "/configs/%s", bad_files[_i].file);
	expect_errors(path, -EINVAL, bad_files[_i].errors);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *good = tcase_create("good");
	TCase *bad = tcase_create("bad");

	tcase_add_test(good, example_site_loads);
	tcase_add_test(good, full_file_sets_every_field);
	tcase_add_test(good, minimal_file_gets_defaults);
	tcase_add_test(good, lookups);
	tcase_add_test(good, digest_ignores_layout);
	tcase_add_test(good, digest_follows_the_model);
	tcase_add_test(good, longest_line_is_taken_whole);
	suite_add_tcase(s, good);

	tcase_add_test(bad, missing_file);
	tcase_add_test(bad, directory);
	tcase_add_test(bad, unreadable_file);
	tcase_add_test(bad, empty_file);
	tcase_add_test(bad, errs_may_be_null);
	tcase_add_loop_test(bad, bad_file_errors, 0,
	    (int)(sizeof(bad_files) / sizeof(bad_files[0])));
	suite_add_tcase(s, bad);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
