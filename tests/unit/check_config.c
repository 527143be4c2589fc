/*
 * check_config.c — unit tests for agent/lib/config*.c: the site's INI file
 * read into the model, every error of a bad file reported with its file
 * and line, fencing methods with their secrets files, the digest, and the
 * protection text of `relevo check-config`.
 *
 * The sample files are in configs/; where a test needs a file with a given
 * owner or mode (secrets files), it makes it in a temporary directory that
 * the tcase's unchecked fixture creates and removes, even after a failure.
 * An error test states the whole error text, so a changed message, a wrong
 * line or one error too many fails it; "@" in an expected text stands for
 * the file's path. /bin/true stands in for a fence agent in the sample
 * files: the parser checks that an agent is executable and never runs it.
 */
#include "autoconf.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* By path: a config.h left in a build directory by an older configure must
 * not shadow the model's header. */
#include "../../agent/lib/config.h"
#include "../../agent/lib/config_text.h"

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

/* text with every mark replaced by with */
static char *
subst(const char *text, char mark, const char *with)
{
	size_t n = 1;
	const char *p;
	char *out, *o;

	for (p = text; *p != '\0'; p++)
		n += *p == mark ? strlen(with) : 1;
	out = calloc(1, n);
	ck_assert_ptr_nonnull(out);
	for (p = text, o = out; *p != '\0'; p++) {
		if (*p == mark) {
			memcpy(o, with, strlen(with));
			o += strlen(with);
		} else {
			*o++ = *p;
		}
	}
	return out;
}

/* expected with every "@" replaced by path */
static char *
expand(const char *expected, const char *path)
{
	return subst(expected, '@', path);
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
expect_param_of(const struct rv_param *p, size_t n, size_t i, const char *name,
		const char *value)
{
	ck_assert_uint_gt(n, i);
	ck_assert_str_eq(p[i].name, name);
	ck_assert_str_eq(p[i].value, value);
}

static void
expect_param(const struct rv_resource_cfg *r, size_t i, const char *name, const char *value)
{
	expect_param_of(r->params, r->n_params, i, name, value);
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
	ck_assert_uint_eq(r->drain_timeout_ms, 0);

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
	ck_assert_uint_eq(r->drain_timeout_ms, 600000);
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
	ck_assert_uint_eq(r->drain_timeout_ms, 0); /* no drain unless asked for */
	/* fencing's defaults, although off */
	ck_assert_uint_eq(cfg->fence_delay_ms, 5000);
	ck_assert_uint_eq(cfg->agent_lost_grace_ms, 10000);
	ck_assert_int_eq(cfg->witness, RV_WITNESS_NONE);
	ck_assert_uint_eq(cfg->n_fences, 0);
	ck_assert_int_eq(cfg->watchdog.enabled, 0);
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
#define OPTION_RULE ": use letters, digits, '_' and '-' after 'option.', at most 63 characters\n"

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
	  "@:2: missing key 'fencing' in [site]: write 'fencing = on' with a [fence NAME] "
	  "or [watchdog] section, or 'fencing = off' (UNSAFE: for a lab only)\n" },
	{ "bad_fencing_on.conf",
	  "@:4: fencing = on but no [fence NAME] or [watchdog] section: configure a "
	  "fencing method, or write 'fencing = off' (UNSAFE: for a lab only)\n" },
	{ "bad_fencing_off_methods.conf",
	  "@:15: fencing = off but [fence ipmi] configured: remove one\n"
	  "@:18: fencing = off but [watchdog] configured: remove one\n" },
	{ "bad_fence_coverage.conf",
	  "@:6: no fencing method can fence node n1\n" },
	{ "bad_fence_agents.conf",
	  "@:16: fence agent 'fence_no_such_agent_here' not found in /usr/sbin\n"
	  "@:18: fence agent '/no/such/fence_agent' not found\n"
	  "@:20: fence agent 'sbin/fence_ipmilan': give an absolute path or a name in /usr/sbin\n"
	  "@:22: fence agent '/etc/passwd' is not executable\n"
	  "@:24: fence agent '/etc' is not a regular file\n"
	  "@:26: fence agent 'fence ipmilan' is not a valid name: " NAME_RULE
	  "@:28: fence agent '..' is not a valid name: " NAME_RULE
	  "@:29: missing key 'agent' in [fence h]\n"
	  "@:32: fence agent '/etc/passwd/fence_x' not found\n" },
	{ "bad_fence_keys.conf",
	  "@:4: fencing 'yes' must be 'on' or 'off'\n"
	  "@:5: fence-delay '61s' is out of range (0..60s)\n"
	  "@:6: agent-lost-grace '0' is out of range (1s..600s)\n"
	  "@:7: witness 'quorum' must be 'none' or 'qdevice'\n"
	  "@:20: target 'n3' is not a [node] of this site\n"
	  "@:21: action 'poweroff' must be 'off' or 'reboot'\n"
	  "@:22: no-status 'maybe' must be 'yes' or 'no'\n"
	  "@:23: timeout '301s' is out of range (1s..300s)\n"
	  "@:24: secrets-file 'etc/relevo/ipmi.secret' is not an absolute path\n"
	  "@:25: option.action is not allowed: relevod writes the action itself "
	  "(action = off or reboot)\n"
	  "@:26: option.option is not allowed: it is the fence agents' old name for the "
	  "action, which relevod writes itself\n"
	  "@:27: invalid option name 'option.ip.v4'" OPTION_RULE
	  "@:29: duplicate key 'option.ip' in [fence ipmi] (first at line 28)\n"
	  "@:30: invalid option name 'option.'" OPTION_RULE
	  "@:31: empty value for 'option.passwd'\n"
	  "@:32: unknown key 'port' in [fence ipmi]\n"
	  "@:34: duplicate section [fence ipmi] (first at line 18)\n"
	  "@:37: [fence] needs a name: [fence NAME]\n"
	  "@:42: target 'n1 n2' is not a valid name: " NAME_RULE
	  "@:43: timeout '999ms' is out of range (1s..300s)\n" },
	{ "bad_too_many_fences.conf",
	  "@:81: too many options in [fence f1]: at most 64\n"
	  "@:128: [fence f17]: at most 16 fencing methods are supported\n" },
	{ "bad_watchdog.conf",
	  "@:16: device 'dev/watchdog' is not an absolute path\n"
	  "@:17: timeout '2500ms' is not a whole number of seconds (the watchdog device "
	  "counts seconds)\n"
	  "@:18: interval '50ms' is out of range (100ms..60s)\n"
	  "@:20: duplicate section [watchdog] (first at line 15)\n"
	  "@:23: [watchdog] takes no name\n" },
	{ "bad_watchdog_interval.conf",
	  "@:17: interval '5s' must be less than half the watchdog timeout (10s)\n" },
	{ "bad_watchdog_range.conf",
	  "@:16: timeout '121s' is out of range (2s..120s)\n"
	  "@:17: interval '60001ms' is out of range (100ms..60s)\n" },
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
	  "@:28: migration-threshold 'x' is not a number\n"
	  "@:29: drain-timeout '601s' is out of range (0 or 1s..10m)\n" },
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
	  "@:4: fencing 'maybe' must be 'on' or 'off'\n"
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

/* ------------------------------------------------------------ fencing */

static const struct rv_fence_cfg *
fence(const struct rv_config *cfg, size_t i, const char *name, const char *target)
{
	const struct rv_fence_cfg *f;

	ck_assert_uint_gt(cfg->n_fences, i);
	f = &cfg->fences[i];
	ck_assert_str_eq(f->name, name);
	if (target == NULL)
		ck_assert_ptr_null(f->target);
	else
		ck_assert_str_eq(f->target, target);
	return f;
}

START_TEST(fence_file_sets_every_field)
{
	struct rv_config *cfg = load_good(CONFIG("fence_full.conf"));
	const struct rv_fence_cfg *f;

	ck_assert_int_eq(cfg->fencing_off, 0);
	ck_assert_uint_eq(cfg->fence_delay_ms, 7000);
	ck_assert_uint_eq(cfg->agent_lost_grace_ms, 30000);
	ck_assert_int_eq(cfg->witness, RV_WITNESS_QDEVICE);

	/* file order, whatever the targets */
	ck_assert_uint_eq(cfg->n_fences, 3);
	f = fence(cfg, 0, "ipmi-n1", "n1");
	ck_assert_str_eq(f->agent, "/bin/true");
	ck_assert_int_eq(f->reboot, 0);
	ck_assert_int_eq(f->no_status, 0);
	ck_assert_uint_eq(f->timeout_ms, 20000);
	ck_assert_ptr_null(f->secrets_file);
	ck_assert_int_eq(f->line, 21);
	ck_assert_uint_eq(f->n_options, 3);
	expect_param_of(f->options, f->n_options, 0, "ip", "192.0.2.101");
	expect_param_of(f->options, f->n_options, 1, "username", "admin");
	expect_param_of(f->options, f->n_options, 2, "lanplus", "1");

	f = fence(cfg, 1, "ipmi-n2", "n2");
	ck_assert_int_eq(f->reboot, 1);
	ck_assert_int_eq(f->no_status, 1);
	ck_assert_uint_eq(f->timeout_ms, 45000);
	ck_assert_int_eq(f->line, 28);
	ck_assert_uint_eq(f->n_options, 3);
	expect_param_of(f->options, f->n_options, 0, "ip", "192.0.2.102");
	/* the agent's own name for the node: the runner then writes no other */
	expect_param_of(f->options, f->n_options, 1, "nodename", "relay-n2");
	expect_param_of(f->options, f->n_options, 2, "power-wait", "4");

	f = fence(cfg, 2, "pdu", NULL);
	ck_assert_int_eq(f->reboot, 0);
	ck_assert_int_eq(f->no_status, 0);
	ck_assert_uint_eq(f->timeout_ms, 1000);
	ck_assert_uint_eq(f->n_options, 1);

	ck_assert_int_eq(cfg->watchdog.enabled, 1);
	ck_assert_str_eq(cfg->watchdog.device, "/dev/watchdog1");
	ck_assert_uint_eq(cfg->watchdog.timeout_ms, 20000);
	ck_assert_uint_eq(cfg->watchdog.interval_ms, 9999);
	rv_config_free(cfg);
}
END_TEST

START_TEST(fence_defaults)
{
	struct rv_config *cfg = load_good(CONFIG("fence_defaults.conf"));
	const struct rv_fence_cfg *f;

	ck_assert_int_eq(cfg->fencing_off, 0);
	ck_assert_uint_eq(cfg->fence_delay_ms, 5000);
	ck_assert_uint_eq(cfg->agent_lost_grace_ms, 10000);
	ck_assert_int_eq(cfg->witness, RV_WITNESS_NONE);
	ck_assert_uint_eq(cfg->n_fences, 1);
	f = fence(cfg, 0, "any", NULL);
	ck_assert_str_eq(f->agent, "/bin/true");
	ck_assert_int_eq(f->reboot, 0);
	ck_assert_int_eq(f->no_status, 0);
	ck_assert_uint_eq(f->timeout_ms, 20000);
	ck_assert_uint_eq(f->n_options, 0);
	ck_assert_ptr_null(f->secrets_file);
	ck_assert_int_eq(cfg->watchdog.enabled, 0);
	rv_config_free(cfg);
}
END_TEST

START_TEST(watchdog_defaults)
{
	struct rv_config *cfg = load_good(CONFIG("watchdog_only.conf"));

	ck_assert_int_eq(cfg->fencing_off, 0);
	ck_assert_uint_eq(cfg->n_fences, 0);
	ck_assert_int_eq(cfg->watchdog.enabled, 1);
	ck_assert_str_eq(cfg->watchdog.device, "/dev/watchdog");
	ck_assert_uint_eq(cfg->watchdog.timeout_ms, 10000);
	ck_assert_uint_eq(cfg->watchdog.interval_ms, 2000); /* timeout / 5 */
	rv_config_free(cfg);

	cfg = load_good(CONFIG("watchdog_short.conf"));
	ck_assert_uint_eq(cfg->watchdog.timeout_ms, 2000);
	ck_assert_uint_eq(cfg->watchdog.interval_ms, 500); /* not 400 */
	ck_assert_int_eq(cfg->witness, RV_WITNESS_QDEVICE);
	ck_assert_uint_eq(cfg->fence_delay_ms, 0);
	rv_config_free(cfg);
}
END_TEST

START_TEST(fences_for_a_target)
{
	struct rv_config *cfg = load_good(CONFIG("fence_full.conf"));
	const struct rv_fence_cfg *out[4];

	ck_assert_uint_eq(rv_config_fences_for(cfg, "n1", out, 4), 2);
	ck_assert_str_eq(out[0]->name, "ipmi-n1");
	ck_assert_str_eq(out[1]->name, "pdu");
	ck_assert_uint_eq(rv_config_fences_for(cfg, "n2", out, 4), 2);
	ck_assert_str_eq(out[0]->name, "ipmi-n2");
	ck_assert_str_eq(out[1]->name, "pdu");
	/* no room for more than max */
	out[1] = NULL;
	ck_assert_uint_eq(rv_config_fences_for(cfg, "n2", out, 1), 1);
	ck_assert_str_eq(out[0]->name, "ipmi-n2");
	ck_assert_ptr_null(out[1]);
	/* a name that is no node: only the methods for either node */
	ck_assert_uint_eq(rv_config_fences_for(cfg, "n3", out, 4), 1);
	ck_assert_str_eq(out[0]->name, "pdu");
	ck_assert_uint_eq(rv_config_fences_for(cfg, NULL, out, 4), 0);
	ck_assert_uint_eq(rv_config_fences_for(NULL, "n1", out, 4), 0);
	rv_config_free(cfg);

	cfg = load_good(CONFIG("minimal.conf"));
	ck_assert_uint_eq(rv_config_fences_for(cfg, "n1", out, 4), 0);
	rv_config_free(cfg);
}
END_TEST

START_TEST(digest_of_fencing)
{
	char a[2 * RV_DIGEST_LEN + 1], b[2 * RV_DIGEST_LEN + 1], c[2 * RV_DIGEST_LEN + 1];
	char d[2 * RV_DIGEST_LEN + 1], e[2 * RV_DIGEST_LEN + 1], off[2 * RV_DIGEST_LEN + 1];

	digest_of(CONFIG("digest_fence_a.conf"), a);
	digest_of(CONFIG("digest_fence_b.conf"), b); /* the same, written differently */
	digest_of(CONFIG("digest_fence_c.conf"), c); /* a method's timeout */
	digest_of(CONFIG("digest_fence_d.conf"), d); /* an option's value */
	digest_of(CONFIG("digest_fence_e.conf"), e); /* the methods' order */
	digest_of(CONFIG("minimal.conf"), off);
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	ck_assert_str_ne(a, d);
	ck_assert_str_ne(a, e);
	ck_assert_str_ne(c, d);
	ck_assert_str_ne(a, off);
}
END_TEST

/* The rules the daemon applies, in words; exact, like the errors. */
static void
expect_text(const char *path, const char *brief, const char *text)
{
	struct rv_config *cfg = load_good(path);
	char *b = rv_config_fencing_brief(cfg), *t = rv_config_protection_text(cfg);

	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(b, brief);
	ck_assert_str_eq(t, text);
	free(b);
	free(t);
	rv_config_free(cfg);
}

START_TEST(protection_text)
{
	expect_text(CONFIG("minimal.conf"), "OFF (UNSAFE)",
	    "fencing: OFF — no fencing method; witness: none\n"
	    "protection: NONE — a node takes over a peer it cannot see; after a partition\n"
	    "  both may run the site (UNSAFE, lab only).\n");
	expect_text(CONFIG("fence_defaults.conf"), "on (1 method, witness none)",
	    "fencing: on — methods: any (true, either node); watchdog: none; witness: none\n"
	    "protection: a lost peer is powered off (true) before this node takes over; in\n"
	    "  a partition the standby waits fence-delay (5s) before fencing the holder, so\n"
	    "  the holder wins the race. If every method fails, the node stays BLOCKED and\n"
	    "  retries: it never takes over a peer that was not fenced. A peer whose\n"
	    "  relevod is gone while its node stays a member is fenced after\n"
	    "  agent-lost-grace (10s).\n");
	expect_text(CONFIG("digest_fence_a.conf"), "on (2 methods, watchdog 10s, witness none)",
	    "fencing: on — methods: ipmi-n1 (true, n1), ipmi-n2 (true, n2); watchdog\n"
	    "  /dev/watchdog 10s; witness: none\n"
	    "protection: a lost peer is powered off (true) before this node takes over; in\n"
	    "  a partition the standby waits fence-delay (5s) before fencing the holder, so\n"
	    "  the holder wins the race. If every method fails, the node stays BLOCKED and\n"
	    "  retries: the watchdog wait needs the witness vote, so it never takes over a\n"
	    "  peer that was not fenced; a holder that lost its peer and has not fenced it\n"
	    "  within 10s stops feeding /dev/watchdog and is reset. A peer whose relevod is\n"
	    "  gone while its node stays a member is fenced after agent-lost-grace (10s).\n"
	    "warning: the watchdog wait needs a witness: with witness = none a lost peer\n"
	    "  that no [fence] method confirms off is never taken over; set witness =\n"
	    "  qdevice (corosync-qdevice).\n"
	    "warning: fencing node n1 may take up to 40s (its methods' timeouts), longer\n"
	    "  than the watchdog timeout (10s): a holder still fencing it then is reset.\n"
	    "warning: fencing node n2 may take up to 40s (its methods' timeouts), longer\n"
	    "  than the watchdog timeout (10s): a holder still fencing it then is reset.\n");
	expect_text(CONFIG("fence_full.conf"), "on (3 methods, watchdog 20s, witness qdevice)",
	    "fencing: on — methods: ipmi-n1 (true, n1), ipmi-n2 (true, n2, reboot, no\n"
	    "  status), pdu (true, either node); watchdog /dev/watchdog1 20s; witness:\n"
	    "  qdevice\n"
	    "protection: a lost peer is powered off or rebooted (true) before this node\n"
	    "  takes over; in a partition the standby waits fence-delay (7s) before fencing\n"
	    "  the holder, so the holder wins the race. If every method fails, the watchdog\n"
	    "  wait (40s) applies: a holder that lost its peer and the witness vote, and\n"
	    "  has not fenced the peer within 20s, stops feeding /dev/watchdog1 and is\n"
	    "  reset, and the survivor takes over 40s (2 × timeout) after losing the peer.\n"
	    "  With the qdevice witness only the partition holding the witness vote\n"
	    "  proceeds. A peer whose relevod is gone while its node stays a member is\n"
	    "  fenced after agent-lost-grace (30s).\n"
	    "warning: [fence ipmi-n2] trusts the exit code of off (no-status = yes):\n"
	    "  nothing confirms the node is off.\n");
	expect_text(CONFIG("fence_partial.conf"), "on (1 method, watchdog 10s, witness none)",
	    "fencing: on — methods: ipmi-n2 (true, n2); watchdog /dev/watchdog 10s;\n"
	    "  witness: none\n"
	    "protection: a lost peer is powered off (true) before this node takes over; in\n"
	    "  a partition the standby waits fence-delay (5s) before fencing the holder, so\n"
	    "  the holder wins the race. If every method fails, the node stays BLOCKED and\n"
	    "  retries: the watchdog wait needs the witness vote, so it never takes over a\n"
	    "  peer that was not fenced; a holder that lost its peer and has not fenced it\n"
	    "  within 10s stops feeding /dev/watchdog and is reset. A peer whose relevod is\n"
	    "  gone while its node stays a member is fenced after agent-lost-grace (10s).\n"
	    "warning: the watchdog wait needs a witness: with witness = none a lost peer\n"
	    "  that no [fence] method confirms off is never taken over; set witness =\n"
	    "  qdevice (corosync-qdevice).\n"
	    "warning: no method fences node n1: if it is lost, it is never taken over.\n");
	expect_text(CONFIG("fence_nodelay.conf"), "on (1 method, witness none)",
	    "fencing: on — methods: pdu (true, either node, reboot); watchdog: none;\n"
	    "  witness: none\n"
	    "protection: a lost peer is rebooted (true) before this node takes over. If\n"
	    "  every method fails, the node stays BLOCKED and retries: it never takes over\n"
	    "  a peer that was not fenced. A peer whose relevod is gone while its node\n"
	    "  stays a member is fenced after agent-lost-grace (10s).\n"
	    "warning: fence-delay is 0: in a partition both nodes fence at once and may\n"
	    "  power each other off.\n");
	expect_text(CONFIG("watchdog_only.conf"), "on (watchdog 10s, witness none)",
	    "fencing: on — methods: none; watchdog /dev/watchdog 10s; witness: none\n"
	    "protection: watchdog only, no witness — a node holding the site that loses its\n"
	    "  peer stops feeding /dev/watchdog 10s later and is reset, but a lost peer is\n"
	    "  never taken over: without a witness vote the watchdog wait cannot tell a\n"
	    "  dead peer from a cut-off one, so the standby stays BLOCKED until the peer is\n"
	    "  back. A peer whose relevod is gone while its node stays a member is fenced\n"
	    "  after agent-lost-grace (10s).\n"
	    "warning: the watchdog wait needs a witness: with witness = none a lost peer\n"
	    "  that no [fence] method confirms off is never taken over; set witness =\n"
	    "  qdevice (corosync-qdevice).\n");
	expect_text(CONFIG("watchdog_short.conf"), "on (watchdog 2s, witness qdevice)",
	    "fencing: on — methods: none; watchdog /dev/watchdog 2s; witness: qdevice\n"
	    "protection: watchdog and the qdevice witness — a node holding the site that\n"
	    "  loses its peer and the witness vote stops feeding /dev/watchdog 2s later and\n"
	    "  is reset; the partition holding the witness vote takes over 4s (2 × timeout)\n"
	    "  after losing the peer. A peer whose relevod is gone while its node stays a\n"
	    "  member is fenced after agent-lost-grace (10s).\n");
}
END_TEST

/* ------------------------------------------------------------ files made here */

/* The tcase's own directory: made before its tests fork, removed with
 * everything in it after they are done, whatever they came to. */
static char tmpdir[64];

static void
tmpdir_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_config.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		abort();
}

static void
tmpdir_teardown(void)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(tmpdir);

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(tmpdir);
}

/* A new file in tmpdir (name from prefix) holding text, with mode; its
 * path into path. */
static void
make_file(char path[PATH_MAX], const char *prefix, const char *text, size_t len, mode_t mode)
{
	int fd;

	snprintf(path, PATH_MAX, "%s/%s.XXXXXX", tmpdir, prefix);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

#define SECRET "s3cr3t-Pa55"

/* A site whose one method (for either node) takes the secrets file at
 * secrets, with "secrets-file" on line 18; the file's path into conf. */
static void
make_site(char conf[PATH_MAX], const char *secrets)
{
	char text[1024];
	int n;

	n = snprintf(text, sizeof(text),
		"[site]\nname = relay-s\nfencing = on\n\n"
		"[node n1]\nid = 1\n\n[node n2]\nid = 2\n\n"
		"[resource spool]\nagent = ocf:relevo:spool\n\n"
		"[fence ipmi]\nagent = /bin/true\noption.ip = 192.0.2.1\n"
		"option.username = admin\nsecrets-file = %s\n", secrets);
	ck_assert_int_lt(n, (int)sizeof(text));
	make_file(conf, "relevo.conf", text, (size_t)n, 0644);
}

/* Load conf and expect errors (each "$" in them is the secrets file's path,
 * "@" the configuration's); no secret may be in them. */
static void
expect_secrets_errors(const char *conf, const char *secrets, const char *errors)
{
	struct rv_config *cfg = NULL;
	char *want = subst(errors, '$', secrets), *errs = NULL, *expanded;
	int rc;

	expanded = expand(want, conf);
	free(want);
	rc = rv_config_load(conf, &cfg, &errs);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_ptr_null(cfg);
	ck_assert_ptr_nonnull(errs);
	ck_assert_str_eq(errs, expanded);
	ck_assert_msg(strstr(errs, SECRET) == NULL, "a secret in the errors: %s", errs);
	ck_assert_msg(strstr(errs, "Pa55") == NULL, "a piece of a secret in the errors");
	free(errs);
	free(expanded);
}

START_TEST(secrets_appended)
{
	static const char text[] = "# the BMC's account\n\n  password = " SECRET "\r\n"
				   "privlvl=operator\n#ip=not-this\n";
	char secrets[PATH_MAX], conf[PATH_MAX];
	struct rv_config *cfg;
	const struct rv_fence_cfg *f;
	char *t;

	make_file(secrets, "ipmi.secret", text, sizeof(text) - 1, 0600);
	make_site(conf, secrets);
	cfg = load_good(conf);
	f = fence(cfg, 0, "ipmi", NULL);
	ck_assert_str_eq(f->secrets_file, secrets);
	/* option.NAME in file order, then the secrets file's lines */
	ck_assert_uint_eq(f->n_options, 4);
	expect_param_of(f->options, f->n_options, 0, "ip", "192.0.2.1");
	expect_param_of(f->options, f->n_options, 1, "username", "admin");
	expect_param_of(f->options, f->n_options, 2, "password", SECRET);
	expect_param_of(f->options, f->n_options, 3, "privlvl", "operator");
	/* what check-config prints does not show it either */
	t = rv_config_protection_text(cfg);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_null(strstr(t, SECRET));
	free(t);
	rv_config_free(cfg);
}
END_TEST

START_TEST(secrets_mode_refused)
{
	static const char text[] = "password=" SECRET "\n";
	static const struct {
		mode_t mode;
		const char *errors;
	} cases[] = {
		{ 0640, "@:18: secrets file $ is readable by group or others (mode 0640): "
			"chmod 600 it\n" },
		{ 0604, "@:18: secrets file $ is readable by group or others (mode 0604): "
			"chmod 600 it\n" },
		{ 0644, "@:18: secrets file $ is readable by group or others (mode 0644): "
			"chmod 600 it\n" },
		{ 0620, "@:18: secrets file $ is accessible to group or others (mode 0620): "
			"chmod 600 it\n" },
		{ 0601, "@:18: secrets file $ is accessible to group or others (mode 0601): "
			"chmod 600 it\n" },
	};
	char secrets[PATH_MAX], conf[PATH_MAX];
	struct rv_config *cfg;
	size_t i;

	make_file(secrets, "ipmi.secret", text, sizeof(text) - 1, 0600);
	make_site(conf, secrets);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(chmod(secrets, cases[i].mode), 0);
		expect_secrets_errors(conf, secrets, cases[i].errors);
	}
	/* the owner's bits are the owner's business */
	ck_assert_int_eq(chmod(secrets, 0400), 0);
	cfg = load_good(conf);
	rv_config_free(cfg);
}
END_TEST

START_TEST(secrets_file_kinds_refused)
{
	static const char text[] = "password=" SECRET "\n";
	char secrets[PATH_MAX], conf[PATH_MAX], link[PATH_MAX], missing[PATH_MAX];

	make_file(secrets, "ipmi.secret", text, sizeof(text) - 1, 0600);
	snprintf(link, sizeof(link), "%s/link.secret", tmpdir);
	ck_assert_int_eq(symlink(secrets, link), 0);
	make_site(conf, link);
	expect_secrets_errors(conf, link, "@:18: secrets file $ is a symbolic link: "
			      "name the file itself\n");

	/* never opened: a device may do something when it is */
	make_site(conf, "/dev/null");
	expect_secrets_errors(conf, "/dev/null", "@:18: secrets file $ is not a regular file\n");
	make_site(conf, tmpdir);
	expect_secrets_errors(conf, tmpdir, "@:18: secrets file $ is not a regular file\n");

	snprintf(missing, sizeof(missing), "%s/no-such.secret", tmpdir);
	make_site(conf, missing);
	expect_secrets_errors(conf, missing, "@:18: secrets file $: No such file or directory\n");
}
END_TEST

START_TEST(secrets_owner_refused)
{
	static const char text[] = "password=" SECRET "\n";
	char secrets[PATH_MAX], conf[PATH_MAX];

	if (geteuid() != 0)
		return; /* only root can give a file away */
	make_file(secrets, "ipmi.secret", text, sizeof(text) - 1, 0600);
	ck_assert_int_eq(chown(secrets, 65534, 65534), 0);
	make_site(conf, secrets);
	expect_secrets_errors(conf, secrets, "@:18: secrets file $ is owned by uid 65534: "
			      "it must be owned by root\n");
}
END_TEST

START_TEST(secrets_lines_refused)
{
	static const char text[] =
		"hunter2" SECRET "\n"            /* 1 */
		"pass word=" SECRET "\n"         /* 2 */
		"action=" SECRET "\n"            /* 3 */
		"ip=" SECRET "\n"                /* 4 */
		"password=" SECRET "\n"          /* 5 */
		"password=" SECRET "2\n"         /* 6 */
		"empty=   \n"                    /* 7 */
		"x=\001" SECRET "\n"             /* 8 */
		"=" SECRET "\n"                  /* 9 */
		"option=off\n"                   /* 10 */
		"\n"                             /* 11 */
		"\000" SECRET "=x\n";            /* 12 */
	char secrets[PATH_MAX], conf[PATH_MAX];

	make_file(secrets, "ipmi.secret", text, sizeof(text) - 1, 0600);
	make_site(conf, secrets);
	expect_secrets_errors(conf, secrets,
		"@:18: secrets file $ line 1: expected name=value\n"
		"@:18: secrets file $ line 2: invalid option name: use letters, digits, "
		"'_' and '-', at most 63 characters\n"
		"@:18: secrets file $ line 3: 'action' is not allowed: relevod writes the "
		"action itself (action = off or reboot)\n"
		"@:18: secrets file $ line 4: 'ip' is also option.ip (line 16)\n"
		"@:18: secrets file $ line 6: 'password' is set twice (first at line 5)\n"
		"@:18: secrets file $ line 7: empty value for 'empty'\n"
		"@:18: secrets file $ line 8: control character in line\n"
		"@:18: secrets file $ line 9: invalid option name: use letters, digits, "
		"'_' and '-', at most 63 characters\n"
		"@:18: secrets file $ line 10: 'option' is not allowed: it is the fence "
		"agents' old name for the action, which relevod writes itself\n"
		"@:18: secrets file $ line 12: control character in line\n");
}
END_TEST

START_TEST(secrets_too_large)
{
	static char text[16 * 1024 + 8];
	char secrets[PATH_MAX], conf[PATH_MAX];

	memset(text, '#', sizeof(text));
	make_file(secrets, "ipmi.secret", text, sizeof(text), 0600);
	make_site(conf, secrets);
	expect_secrets_errors(conf, secrets, "@:18: secrets file $ is larger than 16 KiB\n");
}
END_TEST

START_TEST(secrets_too_many)
{
	char text[64 * 16], secrets[PATH_MAX], conf[PATH_MAX];
	size_t len = 0;
	int i;

	/* two options in the configuration, 63 here: one too many, said once */
	for (i = 1; i <= 64; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "o%d=%d\n", i, i);
	make_file(secrets, "ipmi.secret", text, len, 0600);
	make_site(conf, secrets);
	expect_secrets_errors(conf, secrets, "@:18: secrets file $ line 63: too many options "
			      "in [fence ipmi]: at most 64\n");
}
END_TEST

START_TEST(secrets_in_the_digest)
{
	static const char one[] = "password=" SECRET "\n";
	static const char same[] = "# rewritten\npassword = " SECRET "\n";
	static const char other[] = "password=" SECRET "!\n";
	char secrets[PATH_MAX], conf[PATH_MAX];
	char a[2 * RV_DIGEST_LEN + 1], b[2 * RV_DIGEST_LEN + 1], c[2 * RV_DIGEST_LEN + 1];

	/* the file's path is not the model: only what it holds counts */
	make_file(secrets, "ipmi.secret", one, sizeof(one) - 1, 0600);
	make_site(conf, secrets);
	digest_of(conf, a);
	make_file(secrets, "other-name.secret", same, sizeof(same) - 1, 0600);
	make_site(conf, secrets);
	digest_of(conf, b);
	make_file(secrets, "ipmi.secret", other, sizeof(other) - 1, 0600);
	make_site(conf, secrets);
	digest_of(conf, c);
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
}
END_TEST

/* A bare agent name is looked up where fence-agents installs its agents. */
START_TEST(agent_by_name)
{
	static const char text[] =
		"[site]\nname = relay-s\nfencing = on\n"
		"[node n1]\nid = 1\n[node n2]\nid = 2\n"
		"[resource spool]\nagent = ocf:relevo:spool\n"
		"[fence dummy]\nagent = fence_dummy\n";
	char conf[PATH_MAX];
	struct rv_config *cfg;

	if (access("/usr/sbin/fence_dummy", X_OK) != 0) {
		printf("check_config: /usr/sbin/fence_dummy not installed, lookup test skipped\n");
		return;
	}
	make_file(conf, "relevo.conf", text, sizeof(text) - 1, 0644);
	cfg = load_good(conf);
	ck_assert_str_eq(fence(cfg, 0, "dummy", NULL)->agent, "/usr/sbin/fence_dummy");
	rv_config_free(cfg);
}
END_TEST

/* The example the package installs is a working configuration (it names
 * fence_ipmilan, from fence-agents). */
START_TEST(packaged_example_loads)
{
	struct rv_config *cfg;

	if (access("/usr/sbin/fence_ipmilan", X_OK) != 0) {
		printf("check_config: /usr/sbin/fence_ipmilan not installed, "
		       "relevo.conf.example not checked\n");
		return;
	}
	cfg = load_good(SRCDIR "/../../packaging/relevo.conf.example");
	ck_assert_int_eq(cfg->fencing_off, 0);
	ck_assert_uint_eq(cfg->n_fences, 2);
	ck_assert_str_eq(cfg->fences[0].agent, "/usr/sbin/fence_ipmilan");
	ck_assert_ptr_nonnull(cfg->fences[0].target);
	ck_assert_ptr_nonnull(cfg->fences[1].target);
	ck_assert_str_ne(cfg->fences[0].target, cfg->fences[1].target);
	ck_assert_int_eq(cfg->watchdog.enabled, 1);
	rv_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ [inner-link] */

/* A site with one resource of agent (line 11) and an [inner-link] header
 * on line 14, its keys (body) from line 15 on; the file's path into conf. */
static void
make_inner_site(char conf[PATH_MAX], const char *agent, const char *body)
{
	char text[2048];
	int n;

	n = snprintf(text, sizeof(text),
		"[site]\nname = relay-s\nfencing = off\n\n"
		"[node n1]\nid = 1\n\n[node n2]\nid = 2\n\n"
		"[resource mta]\nagent = %s\n\n"
		"[inner-link]\n%s", agent, body);
	ck_assert_int_lt(n, (int)sizeof(text));
	make_file(conf, "relevo.conf", text, (size_t)n, 0644);
}

static struct rv_config *
load_inner(const char *agent, const char *body)
{
	char conf[PATH_MAX];

	make_inner_site(conf, agent, body);
	return load_good(conf);
}

START_TEST(inner_link_smtp_target)
{
	static const struct {
		const char *value, *host, *port;
	} cases[] = {
		{ "10.99.1.100:2525", "10.99.1.100", "2525" },
		{ "mx.example.org", "mx.example.org", "25" },
		{ "final_1.lan:00587", "final_1.lan", "587" },
		{ "[2001:db8::25]:2525", "2001:db8::25", "2525" },
		{ "[::1]", "::1", "25" },
		{ "[::ffff:192.0.2.1]:25", "::ffff:192.0.2.1", "25" },
	};
	const struct rv_inner_link_cfg *il;
	struct rv_config *cfg;
	char body[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "target = %s\n", cases[i].value);
		cfg = load_inner("ocf:relevo:mta", body);
		il = &cfg->inner_link;
		ck_assert_int_eq(il->enabled, 1);
		ck_assert_int_eq(il->line, 14);
		ck_assert_str_eq(il->target, cases[i].value);
		ck_assert_str_eq(il->host, cases[i].host);
		ck_assert_str_eq(il->port, cases[i].port);
		ck_assert_ptr_null(il->argv);
		ck_assert_uint_eq(il->argc, 0);
		/* the defaults */
		ck_assert_int_eq(il->ehlo, 0);
		ck_assert_uint_eq(il->interval_ms, 5000);
		ck_assert_uint_eq(il->timeout_ms, 3000);
		ck_assert_uint_eq(il->rise, 2);
		ck_assert_uint_eq(il->fall, 3);
		ck_assert_int_eq(il->flush, 1);
		rv_config_free(cfg);
	}
	/* every key written out */
	cfg = load_inner("ocf:relevo:mta", "target = 192.0.2.25:25\nehlo = yes\ninterval = 2s\n"
			 "timeout = 1500ms\nrise = 1\nfall = 100\nflush = no\n");
	il = &cfg->inner_link;
	ck_assert_int_eq(il->ehlo, 1);
	ck_assert_uint_eq(il->interval_ms, 2000);
	ck_assert_uint_eq(il->timeout_ms, 1500);
	ck_assert_uint_eq(il->rise, 1);
	ck_assert_uint_eq(il->fall, 100);
	ck_assert_int_eq(il->flush, 0);
	rv_config_free(cfg);
}
END_TEST

START_TEST(inner_link_command)
{
	const struct rv_inner_link_cfg *il;
	struct rv_config *cfg;

	cfg = load_inner("ocf:relevo:mta", "command = /bin/true \t-x  y\tz\n");
	il = &cfg->inner_link;
	ck_assert_ptr_null(il->host);
	ck_assert_ptr_null(il->port);
	ck_assert_ptr_null(il->target);
	ck_assert_uint_eq(il->argc, 4);
	ck_assert_str_eq(il->argv[0], "/bin/true");
	ck_assert_str_eq(il->argv[1], "-x");
	ck_assert_str_eq(il->argv[2], "y");
	ck_assert_str_eq(il->argv[3], "z");
	ck_assert_ptr_null(il->argv[4]);
	rv_config_free(cfg);

	/* without a flush, no mta resource is needed */
	cfg = load_inner("ocf:heartbeat:Dummy", "command = /bin/true\nflush = no\n");
	ck_assert_uint_eq(cfg->inner_link.argc, 1);
	rv_config_free(cfg);

	/* no section: nothing probed */
	cfg = load_good(CONFIG("minimal.conf"));
	ck_assert_int_eq(cfg->inner_link.enabled, 0);
	rv_config_free(cfg);
}
END_TEST

#define NEEDS_MTA "[inner-link] flush = yes needs an ocf:relevo:mta resource (its config_dir " \
		  "names the Postfix instance to flush): add one, or write 'flush = no'\n"

static const struct {
	const char *agent;
	const char *body;
	const char *errors;
} inner_bad[] = {
	{ NULL, "target = 2001:db8::1:25\n",
	  "@:15: target '2001:db8::1:25': put an IPv6 address in brackets, as "
	  "[2001:db8::25]:25\n" },
	{ NULL, "target = [2001:db8::1:25\n",
	  "@:15: target '[2001:db8::1:25': no ']' after the IPv6 address\n" },
	{ NULL, "target = [2001:db8::1]25\n",
	  "@:15: target '[2001:db8::1]25': expected ':PORT' after ']'\n" },
	{ NULL, "target = [mx.example.org]:25\n",
	  "@:15: target '[mx.example.org]:25': 'mx.example.org' is not an IPv6 address\n" },
	{ NULL, "target = mx.example.org:0\n",
	  "@:15: target 'mx.example.org:0': port '0' is not a number 1..65535\n" },
	{ NULL, "target = mx.example.org:65536\n",
	  "@:15: target 'mx.example.org:65536': port '65536' is not a number 1..65535\n" },
	{ NULL, "target = mx.example.org:smtp\n",
	  "@:15: target 'mx.example.org:smtp': port 'smtp' is not a number 1..65535\n" },
	{ NULL, "target = mx.example.org:\n",
	  "@:15: target 'mx.example.org:': port '' is not a number 1..65535\n" },
	{ NULL, "target = -mx:25\n",
	  "@:15: target '-mx:25': '-mx' is not a host name or address "
	  "(letters, digits, '.', '-' and '_')\n" },
	{ NULL, "target = mx;rm -rf:25\n",
	  "@:15: target 'mx;rm -rf:25': 'mx;rm -rf' is not a host name or address "
	  "(letters, digits, '.', '-' and '_')\n" },
	{ NULL, "target = :25\n",
	  "@:15: target ':25': '' is not a host name or address "
	  "(letters, digits, '.', '-' and '_')\n" },
	{ NULL, "command = bin/check\n",
	  "@:15: command 'bin/check': the program must be an absolute path\n" },
	{ NULL, "command = /no/such/check --now\n",
	  "@:15: command '/no/such/check': No such file or directory\n" },
	{ NULL, "command = /etc/passwd\n",
	  "@:15: command '/etc/passwd' is not an executable file\n" },
	{ NULL, "command = /etc\n",
	  "@:15: command '/etc' is not an executable file\n" },
	{ NULL, "command = /bin/sh -c 'exit 0'\n",
	  "@:15: command: quotes and backslashes are not supported (the words are split "
	  "at blanks and run without a shell)\n" },
	{ NULL, "command = /bin/true 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
	  "@:15: command: more than 16 words\n" },
	{ NULL, "interval = 5s\n",
	  "@:14: [inner-link] needs 'target = HOST:PORT' (an SMTP probe) or "
	  "'command = /PATH ARGS' (exit 0: reachable)\n" },
	{ NULL, "target = mx\ncommand = /bin/true\n",
	  "@:16: [inner-link] has both 'target' (line 15) and 'command': give one of them\n" },
	{ NULL, "command = /bin/true\nehlo = yes\n",
	  "@:16: ehlo applies to an SMTP 'target', not to a 'command'\n" },
	{ NULL, "target = mx\ntimeout = 5s\n",
	  "@:16: [inner-link] timeout (5000 ms) must be less than interval (5000 ms)\n" },
	{ NULL, "target = mx\ninterval = 2s\n",
	  "@:16: [inner-link] timeout (3000 ms) must be less than interval (2000 ms)\n" },
	{ NULL, "target = mx\nrise = 0\nfall = 101\ninterval = 2h\ntimeout = 50ms\n"
	  "flush = perhaps\nehlo = sometimes\ncolour = red\nrise = 2\n",
	  "@:16: rise '0' is out of range (1..100)\n"
	  "@:17: fall '101' is out of range (1..100)\n"
	  "@:18: interval '2h' is out of range (1s..1h)\n"
	  "@:19: timeout '50ms' is out of range (100ms..60s)\n"
	  "@:20: flush 'perhaps' must be 'yes' or 'no'\n"
	  "@:21: ehlo 'sometimes' must be 'yes' or 'no'\n"
	  "@:22: unknown key 'colour' in [inner-link]\n"
	  "@:23: duplicate key 'rise' in [inner-link] (first at line 16)\n" },
	{ NULL, "target = mx\n\n[inner-link]\ntarget = mx2\n",
	  "@:17: duplicate section [inner-link] (first at line 14)\n" },
	{ NULL, "target = mx\n[inner-link mx]\n",
	  "@:16: [inner-link] takes no name\n" },
	{ "ocf:heartbeat:Dummy", "target = mx\n", "@:14: " NEEDS_MTA },
	{ "ocf:heartbeat:Dummy", "target = mx\nflush = yes\n", "@:16: " NEEDS_MTA },
};

START_TEST(inner_link_errors)
{
	char conf[PATH_MAX];

	make_inner_site(conf, inner_bad[_i].agent != NULL ? inner_bad[_i].agent
							  : "ocf:relevo:mta", inner_bad[_i].body);
	expect_errors(conf, -EINVAL, inner_bad[_i].errors);
}
END_TEST

START_TEST(inner_link_in_the_digest)
{
	static const char *const bodies[] = {
		"target = mx:25\n",
		"target = mx:26\n",
		"target = mx2:25\n",
		"target = mx:25\nehlo = yes\n",
		"target = mx:25\ninterval = 6s\n",
		"target = mx:25\ntimeout = 2s\n",
		"target = mx:25\nrise = 3\n",
		"target = mx:25\nfall = 2\n",
		"target = mx:25\nflush = no\n",
		"command = /bin/true\n",
		"command = /bin/true mx\n",
		"command = /bin/false\n",
	};
	char d[sizeof(bodies) / sizeof(bodies[0])][2 * RV_DIGEST_LEN + 1];
	static const char plain[] = "[site]\nname = relay-s\nfencing = off\n\n"
		"[node n1]\nid = 1\n\n[node n2]\nid = 2\n\n"
		"[resource mta]\nagent = ocf:relevo:mta\n";
	char none[2 * RV_DIGEST_LEN + 1], same[2 * RV_DIGEST_LEN + 1], conf[PATH_MAX];
	struct rv_config *cfg;
	size_t i, j;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		cfg = load_inner("ocf:relevo:mta", bodies[i]);
		rv_config_digest_hex(cfg, d[i]);
		rv_config_free(cfg);
		for (j = 0; j < i; j++)
			ck_assert_msg(strcmp(d[i], d[j]) != 0, "'%s' and '%s' have one digest",
				      bodies[i], bodies[j]);
	}
	/* the defaults written out, and the port 25 implied, change nothing */
	cfg = load_inner("ocf:relevo:mta", "target = mx\ninterval = 5000ms\ntimeout = 3\n"
			 "rise = 2\nfall = 3\nflush = yes\nehlo = no\n");
	rv_config_digest_hex(cfg, same);
	rv_config_free(cfg);
	ck_assert_str_eq(same, d[0]);
	/* a site without the section differs from all */
	make_file(conf, "relevo.conf", plain, sizeof(plain) - 1, 0644);
	cfg = load_good(conf);
	rv_config_digest_hex(cfg, none);
	rv_config_free(cfg);
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		ck_assert_str_ne(none, d[i]);
}
END_TEST


/* ------------------------------------------------------------ [pool] */

/* A site relay-s with a [pool] header on line 11 (its key file, mode key_mode,
 * on line 12, body from line 13 on), then peers (their own headers). */
static void
make_pool_site(char conf[PATH_MAX], mode_t key_mode, const char *body, const char *peers)
{
	char text[2048], key[PATH_MAX];
	int n;

	make_file(key, "pool.key", "hmac-sha256:site-key:c2VjcmV0\n", 30, key_mode);
	n = snprintf(text, sizeof(text),
		"[site]\nname = relay-s\nfencing = off\n\n"
		"[node n1]\nid = 1\n\n[node n2]\nid = 2\n\n"
		"[pool]\nkey-file = %s\n%s\n"
		"[resource vip]\nagent = ocf:heartbeat:Dummy\n\n%s", key, body, peers);
	ck_assert_int_lt(n, (int)sizeof(text));
	make_file(conf, "relevo.conf", text, (size_t)n, 0644);
}

#define POOL_BODY "zone = pool.example.org\nserver = 192.0.2.53\nrelay-name = relay-s.pool.example.org\n" \
		  "pool = mx\n"
#define PEERS_BC "[peer-site relay-b]\naddress = 198.51.100.10\nrelay-name = relay-b.pool.example.org\n" \
		 "addresses = 198.51.100.10\n\n" \
		 "[peer-site relay-c]\naddress = [2001:db8::c]:2525\n" \
		 "relay-name = relay-c.pool.example.org\naddresses = 203.0.113.10, 2001:db8::c\n"

START_TEST(pool_section)
{
	const struct rv_pool_cfg *pl;
	struct rv_config *cfg;
	char conf[PATH_MAX];

	make_pool_site(conf, 0600, POOL_BODY, PEERS_BC);
	cfg = load_good(conf);
	pl = &cfg->pool;
	ck_assert_int_eq(pl->enabled, 1);
	ck_assert_int_eq(pl->line, 11);
	ck_assert_str_eq(pl->zone, "pool.example.org");
	ck_assert_str_eq(pl->server_host, "192.0.2.53");
	ck_assert_uint_eq(pl->server_port, 53);
	ck_assert_str_eq(pl->mx_name, "@");
	ck_assert_uint_eq(pl->mx_priority, 10);
	ck_assert_ptr_null(pl->addresses);
	/* the defaults: a majority of three sites, the probe timings */
	ck_assert_uint_eq(pl->down_votes, 2);
	ck_assert_uint_eq(pl->probe_interval_ms, 5000);
	ck_assert_uint_eq(pl->probe_timeout_ms, 3000);
	ck_assert_uint_eq(pl->down_after, 3);
	ck_assert_uint_eq(pl->up_after, 2);
	ck_assert_ptr_null(pl->probe);
	ck_assert_ptr_null(pl->helper);
	ck_assert_uint_eq(pl->n_peers, 2);
	ck_assert_str_eq(pl->peers[0].name, "relay-b");
	ck_assert_str_eq(pl->peers[0].host, "198.51.100.10");
	ck_assert_uint_eq(pl->peers[0].port, 25);
	ck_assert_str_eq(pl->peers[1].host, "2001:db8::c");
	ck_assert_uint_eq(pl->peers[1].port, 2525);
	ck_assert_str_eq(pl->peers[1].addresses, "203.0.113.10, 2001:db8::c");
	rv_config_free(cfg);

	make_pool_site(conf, 0400, "zone = pool.example.org\nserver = [2001:db8::53]:5353\n"
		       "relay-name = mx.pool.example.org\naddresses = 192.0.2.10\ndown-votes = 1\n"
		       "probe-interval = 1s\nprobe-timeout = 500ms\ndown-after = 1\nup-after = 5\n"
		       "probe = /usr/bin/relevo-probe\nhelper = /usr/bin/relevo-dnsupdate\n"
		       "key-name = site-key\npool = address\n", "");
	cfg = load_good(conf);
	pl = &cfg->pool;
	ck_assert_str_eq(pl->server_host, "2001:db8::53");
	ck_assert_uint_eq(pl->server_port, 5353);
	ck_assert_ptr_null(pl->mx_name);
	ck_assert_uint_eq(pl->down_votes, 1);
	ck_assert_uint_eq(pl->probe_interval_ms, 1000);
	ck_assert_uint_eq(pl->n_peers, 0);
	ck_assert_str_eq(pl->helper, "/usr/bin/relevo-dnsupdate");
	rv_config_free(cfg);

	/* no section: nothing probed */
	cfg = load_good(CONFIG("minimal.conf"));
	ck_assert_int_eq(cfg->pool.enabled, 0);
	rv_config_free(cfg);
}
END_TEST

static const struct {
	mode_t key_mode;
	const char *body, *peers, *errors;
} pool_bad[] = {
	{ 0644, POOL_BODY, "", "@:12: key-file '*': mode 0644 gives group or others access to a "
	  "TSIG secret: refusing the key (chmod 600 *)\n" },
	{ 0600, "zone = pool example\nserver = mx.example.org\nrelay-name = relay-s..x\n"
	  "mx-name = -x\nkey-name = a b\n", "",
	  "@:13: zone 'pool example' is not a DNS name (letters, digits, '.', '-' and '_')\n"
	  "@:14: server 'mx.example.org': 'mx.example.org' is not an IPv4 or IPv6 address "
	  "(no host names: nothing may wait for a resolver)\n"
	  "@:15: relay-name 'relay-s..x' is not a DNS name (letters, digits, '.', '-' and '_') "
	  "or '^' (the zone's apex)\n"
	  "@:16: mx-name '-x' is not a DNS name (letters, digits, '.', '-' and '_') or '^' "
	  "(the zone's apex)\n"
	  "@:17: key-name 'a b' is not a valid name: use letters, digits, '_', '.' and '-', "
	  "at most 63 characters\n" },
	{ 0600, "zone = z\nrelay-name = r.z\npool = address\n", "",
	  "@:11: missing key 'server' in [pool]\n@:11: an address pool (pool = address) needs "
	  "'addresses = ' (the site's floating IPs)\n" },
	{ 0600, "zone = z\nserver = 192.0.2.1\nrelay-name = r.z\npool = a\n", "",
	  "@:16: pool 'a' must be 'mx' or 'address' (as the mxpool agent's pool parameter)\n" },
	{ 0600, "zone = z\nrelay-name = r.z\npool = address\nmx-name = @\nserver = [::1]\n"
	  "addresses = ::1\n", "",
	  "@:16: mx-name: an address pool (pool = address) has no MX name\n" },
	{ 0600, POOL_BODY "probe-timeout = 5s\ndown-votes = 4\n", PEERS_BC,
	  "@:17: [pool] probe-timeout (5000 ms) must be less than probe-interval (5000 ms)\n"
	  "@:18: down-votes 4 is more than the 3 sites of the pool (this one and 2 [peer-site])\n" },
	{ 0600, POOL_BODY, "[peer-site relay-s]\naddress = 192.0.2.1:2a\nrelay-name = a\n"
	  "addresses = 192.0.2.1 x\n[peer-site b.c]\naddress = 192.0.2.9\n",
	  "@:21: [peer-site relay-s] is this site's own name\n"
	  "@:22: address '192.0.2.1:2a': port '2a' is not a number 1..65535\n"
	  "@:24: addresses: 'x' is not an IPv4 or IPv6 address\n"
	  "@:25: missing key 'relay-name' in [peer-site b.c]\n"
	  "@:25: [peer-site b.c]: a peer site's name is one DNS label (its votes are at "
	  "NAME._relevo-down.ZONE): no '.'\n" },
};

START_TEST(pool_errors)
{
	char conf[PATH_MAX], key[PATH_MAX] = "", line[PATH_MAX + 16], *want;
	FILE *f;

	make_pool_site(conf, pool_bad[_i].key_mode, pool_bad[_i].body, pool_bad[_i].peers);
	/* '*' in the expected text stands for the key file's path */
	f = fopen(conf, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "key-file = %4095s", key) == 1)
			break;
	fclose(f);
	{
		/* '^' stands for a literal '@', which expand() would take */
		char *with_key = subst(pool_bad[_i].errors, '*', key);
		char *with_path = expand(with_key, conf);
		struct rv_config *cfg = NULL;
		char *errs = NULL;

		want = subst(with_path, '^', "@");
		ck_assert_int_eq(rv_config_load(conf, &cfg, &errs), -EINVAL);
		ck_assert_ptr_null(cfg);
		ck_assert_ptr_nonnull(errs);
		ck_assert_str_eq(errs, want);
		free(errs);
		free(with_key);
		free(with_path);
	}
	free(want);
}
END_TEST

START_TEST(peer_site_without_pool)
{
	char conf[PATH_MAX];
	static const char text[] =
		"[site]\nname = relay-s\nfencing = off\n\n"
		"[node n1]\nid = 1\n\n[node n2]\nid = 2\n\n"
		"[resource vip]\nagent = ocf:heartbeat:Dummy\n\n"
		"[peer-site b]\naddress = 192.0.2.1\nrelay-name = b.z\n";

	make_file(conf, "relevo.conf", text, sizeof(text) - 1, 0644);
	expect_errors(conf, -EINVAL, "@:14: [peer-site b] needs a [pool] section (the zone, "
		      "its server and key)\n");
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *good = tcase_create("good");
	TCase *bad = tcase_create("bad");
	TCase *fencing = tcase_create("fencing");
	TCase *files = tcase_create("files");

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

	tcase_add_test(fencing, fence_file_sets_every_field);
	tcase_add_test(fencing, fence_defaults);
	tcase_add_test(fencing, watchdog_defaults);
	tcase_add_test(fencing, fences_for_a_target);
	tcase_add_test(fencing, digest_of_fencing);
	tcase_add_test(fencing, protection_text);
	tcase_add_test(fencing, packaged_example_loads);
	suite_add_tcase(s, fencing);

	tcase_add_unchecked_fixture(files, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(files, secrets_appended);
	tcase_add_test(files, secrets_mode_refused);
	tcase_add_test(files, secrets_file_kinds_refused);
	tcase_add_test(files, secrets_owner_refused);
	tcase_add_test(files, secrets_lines_refused);
	tcase_add_test(files, secrets_too_large);
	tcase_add_test(files, secrets_too_many);
	tcase_add_test(files, secrets_in_the_digest);
	tcase_add_test(files, agent_by_name);
	tcase_add_test(files, inner_link_smtp_target);
	tcase_add_test(files, inner_link_command);
	tcase_add_loop_test(files, inner_link_errors, 0,
	    (int)(sizeof(inner_bad) / sizeof(inner_bad[0])));
	tcase_add_test(files, inner_link_in_the_digest);
	tcase_add_test(files, pool_section);
	tcase_add_loop_test(files, pool_errors, 0, (int)(sizeof(pool_bad) / sizeof(pool_bad[0])));
	tcase_add_test(files, peer_site_without_pool);
	suite_add_tcase(s, files);
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
