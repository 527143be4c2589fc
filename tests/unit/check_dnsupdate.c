/*
 * check_dnsupdate.c — unit tests for the DNS relay pool code of agent/lib:
 * TSIG key files (dnskey.c), the verdict on a server's answer (dnsmsg.c)
 * the updates that publish and withdraw a site and keep the sites' down-votes
 * (dnsupdate.c), and the vote counting rules (sitevote.c).
 *
 * The packets are built by the code under test and read back record by
 * record in presentation form, so a test states exactly what goes on the
 * wire: which prerequisites, which deletions, which additions. Answers are
 * made the way a server makes them, with ldns, signed over the request's
 * MAC; the real server (BIND 9) is tests/integration/dnspool.test.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dnskey.h"
#include "dnsmsg.h"
#include "dnsupdate.h"
#include "sitevote.h"

#define SECRET "++d1KLxvPfUQP/teXiYsgTDTso8MPp4mfLdcoSPbfFk="
#define OTHER_SECRET "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

/* What tsig-keygen -a hmac-sha256 site-key prints. */
static const char keygen_output[] =
	"key \"site-key\" {\n"
	"\talgorithm hmac-sha256;\n"
	"\tsecret \"" SECRET "\";\n"
	"};\n";

static char dir[64];

static void
make_dir(void)
{
	strcpy(dir, "/tmp/check_dnsupdate.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* dir/name with text and mode; returns the path (static buffer). */
static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

static int
all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static int
parse(const char *text, const char *want, struct rv_dns_key *k, char *err, size_t errlen)
{
	return rv_dns_key_parse(text, strlen(text), "test.key", want, k, err, errlen);
}

/* ------------------------------------------------------------ key files */

START_TEST(key_from_tsig_keygen)
{
	struct rv_dns_key k;
	char err[256] = "";

	ck_assert_int_eq(parse(keygen_output, NULL, &k, err, sizeof(err)), 0);
	ck_assert_str_eq(k.name, "site-key.");
	ck_assert_str_eq(k.algorithm, "hmac-sha256.");
	ck_assert_str_eq(k.secret, SECRET);
	rv_dns_key_wipe(&k);
	ck_assert(all_zero(&k, sizeof(k)));
}
END_TEST

START_TEST(key_comments_and_several_keys)
{
	static const char text[] =
		"# made by hand\n"
		"// two keys, one per site\n"
		"/* the first\n   one */ key site-a {\n"
		"\talgorithm HMAC-SHA512.; # upper case, absolute\n"
		"\tsecret \"" OTHER_SECRET "\";\n"
		"};\n"
		"key \"site-b\" { secret \"" SECRET "\"; algorithm hmac-sha1; };\n";
	struct rv_dns_key k;
	char err[256] = "";

	ck_assert_int_eq(parse(text, NULL, &k, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "test.key: 2 keys in the file: say which one to use (key name)");
	ck_assert(all_zero(&k, sizeof(k)));

	ck_assert_int_eq(parse(text, "site-b", &k, err, sizeof(err)), 0);
	ck_assert_str_eq(k.name, "site-b.");
	ck_assert_str_eq(k.algorithm, "hmac-sha1.");
	ck_assert_str_eq(k.secret, SECRET);

	ck_assert_int_eq(parse(text, "SITE-A.", &k, err, sizeof(err)), 0);
	ck_assert_str_eq(k.name, "site-a.");
	ck_assert_str_eq(k.algorithm, "hmac-sha512.");

	ck_assert_int_eq(parse(text, "site-c", &k, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "test.key: no key named \"site-c\" in the file");
}
END_TEST

START_TEST(key_line_format)
{
	struct rv_dns_key k;
	char err[256] = "";

	ck_assert_int_eq(parse("# nsupdate -y style\nhmac-sha256:site-key:" SECRET "\n\n", NULL,
			       &k, err, sizeof(err)), 0);
	ck_assert_str_eq(k.name, "site-key.");
	ck_assert_str_eq(k.algorithm, "hmac-sha256.");
	ck_assert_str_eq(k.secret, SECRET);
	ck_assert_int_eq(parse("hmac-md5:old:" SECRET, NULL, &k, err, sizeof(err)), 0);
	ck_assert_str_eq(k.algorithm, "hmac-md5.sig-alg.reg.int.");

	/* nsupdate's two-field form would mean hmac-md5 by default: refused */
	ck_assert_int_eq(parse("site-key:" SECRET "\n", NULL, &k, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "test.key:1: expected ALGORITHM:NAME:SECRET or a BIND key clause");
	ck_assert_int_eq(parse("hmac-sha256:a:" SECRET "\nhmac-sha256:b:" SECRET "\n", NULL, &k,
			       err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "test.key:2: a second key line (the ALGORITHM:NAME:SECRET form holds one key)");
	ck_assert_int_eq(parse("hmac-sha256:site-key:" SECRET, "other", &k, err, sizeof(err)), -EINVAL);
	ck_assert(all_zero(&k, sizeof(k)));
}
END_TEST

/* Each broken file with the exact message, its line included. */
START_TEST(key_errors_name_the_line)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "", "test.key: no key in the file" },
		{ "# nothing\n", "test.key: no key in the file" },
		{ "key \"k\" {\n algorithm hmac-sha256;\n};\n", "test.key:1: key \"k.\" has no secret" },
		{ "key \"k\" {\n secret \"" SECRET "\";\n};\n", "test.key:1: key \"k.\" has no algorithm" },
		{ "key \"k\" {\n algorithm hmac-sha256\n secret \"" SECRET "\";\n};\n",
		  "test.key:3: expected ';'" },
		{ "key \"k\" {\n algorithm hmac-sha256;\n secret \"" SECRET "\";\n}\n",
		  "test.key:4: expected ';' after the key's closing '}'" },
		{ "key \"k\" {\n algorithm hmac-sha256;\n secret \"" SECRET "\";\n} # end\n\n",
		  "test.key:4: expected ';' after the key's closing '}'" },
		{ "key \"k\" {\n algorithm hmac-sha256;\n secret \"abc\n",
		  "test.key:3: a quoted string must be one line of printable text" },
		{ "key \"k\" {\n algorithm hmac-sha256;\n secret \"abc",
		  "test.key:3: quoted string not closed" },
		{ "key \"k\" {\n algorithm hmac-sha256;\n secret \"not base64!\";\n};\n",
		  "test.key:1: key \"k.\": the secret is not base64" },
		{ "key \"k\" {\n algorithm hmac-sha256;\n secret \"QQ=A\";\n};\n",
		  "test.key:1: key \"k.\": the secret is not base64" },
		{ "key \"k\" {\n algorithm hmac-sha384;\n secret \"" SECRET "\";\n};\n",
		  "test.key:1: key \"k.\": algorithm \"hmac-sha384\" is not supported "
		  "(hmac-sha256, hmac-sha512, hmac-sha1, hmac-md5)" },
		{ "key \"k\" {\n algorithm hmac-sha256;\n secret \"" SECRET "\";\n owner x;\n};\n",
		  "test.key:4: unknown statement \"owner\" in key \"k.\" (algorithm, secret)" },
		{ "key \"k\" {\n algorithm hmac-sha256;\n algorithm hmac-sha1;\n};\n",
		  "test.key:3: algorithm given twice" },
		{ "key \"k\" { algorithm hmac-sha256; secret \"" SECRET "\"; };\noptions { };\n",
		  "test.key:2: expected a key clause (key \"NAME\" { ... };)" },
		{ "key \"k\" { algorithm hmac-sha256; secret \"" SECRET "\"; };\n"
		  "key \"K.\" { algorithm hmac-sha256; secret \"" SECRET "\"; };\n",
		  "test.key: 2 keys in the file: say which one to use (key name)" },
		{ "/* open\n\nkey", "test.key:1: comment not closed" },
		{ "key \"k\" {\n algorithm hmac-sha256;\n secret \"" SECRET "\";\n",
		  "test.key:1: key \"k.\" is not closed with '};'" },
		{ "key \"bad name\" { };", "test.key:1: \"bad name\" is not a valid key name" },
		{ "key \"k\" { algorithm hmac-sha256; \x01 };", "test.key:1: unexpected byte 0x01" },
	};
	struct rv_dns_key k;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(parse(cases[i].text, NULL, &k, err, sizeof(err)) == -EINVAL,
			      "case %zu accepted", i);
		ck_assert_msg(strcmp(err, cases[i].err) == 0, "case %zu: got \"%s\", want \"%s\"", i,
			      err, cases[i].err);
		ck_assert(all_zero(&k, sizeof(k)));
	}
	/* a NUL byte inside */
	ck_assert_int_eq(rv_dns_key_parse("key\0", 4, "test.key", NULL, &k, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "test.key: a NUL byte: not a key file");
}
END_TEST

START_TEST(key_algorithms)
{
	ck_assert_str_eq(rv_dns_key_algorithm("hmac-sha256"), "hmac-sha256.");
	ck_assert_str_eq(rv_dns_key_algorithm("HMAC-SHA256."), "hmac-sha256.");
	ck_assert_str_eq(rv_dns_key_algorithm("hmac-sha512"), "hmac-sha512.");
	ck_assert_str_eq(rv_dns_key_algorithm("hmac-md5.sig-alg.reg.int."), "hmac-md5.sig-alg.reg.int.");
	/* ldns 1.8 cannot sign with these */
	ck_assert_ptr_null(rv_dns_key_algorithm("hmac-sha384"));
	ck_assert_ptr_null(rv_dns_key_algorithm("hmac-sha224"));
	ck_assert_ptr_null(rv_dns_key_algorithm("hmac-sha256-128"));
	ck_assert_ptr_null(rv_dns_key_algorithm(""));
}
END_TEST

START_TEST(key_file_secrecy)
{
	struct rv_dns_key k;
	char err[512], path[512], link_path[160];
	const char *p;

	make_dir();
	p = write_file("ok.key", keygen_output, 0600);
	ck_assert_int_eq(rv_dns_key_load(p, NULL, &k, err, sizeof(err)), 0);
	ck_assert_str_eq(k.secret, SECRET);
	p = write_file("ro.key", keygen_output, 0400);
	ck_assert_int_eq(rv_dns_key_load(p, NULL, &k, err, sizeof(err)), 0);

	/* readable, or even only writable, by group or others: refused */
	p = write_file("world.key", keygen_output, 0644);
	ck_assert_int_eq(rv_dns_key_load(p, NULL, &k, err, sizeof(err)), -EACCES);
	snprintf(path, sizeof(path),
		 "%s/world.key: mode 0644 gives group or others access to a TSIG secret: "
		 "refusing the key (chmod 600 %s/world.key)", dir, dir);
	ck_assert_str_eq(err, path);
	ck_assert(all_zero(&k, sizeof(k)));
	p = write_file("group.key", keygen_output, 0640);
	ck_assert_int_eq(rv_dns_key_load(p, NULL, &k, err, sizeof(err)), -EACCES);
	p = write_file("gw.key", keygen_output, 0620);
	ck_assert_int_eq(rv_dns_key_load(p, NULL, &k, err, sizeof(err)), -EACCES);

	/* not a regular file */
	snprintf(path, sizeof(path), "%s/a-dir", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(rv_dns_key_load(path, NULL, &k, err, sizeof(err)), -EACCES);
	ck_assert(strstr(err, "not a regular file") != NULL);
	snprintf(path, sizeof(path), "%s/a-fifo", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(rv_dns_key_load(path, NULL, &k, err, sizeof(err)), -EACCES);
	ck_assert(strstr(err, "not a regular file") != NULL);

	/* a link is judged by what it points to */
	snprintf(link_path, sizeof(link_path), "%s/link.key", dir);
	snprintf(path, sizeof(path), "%s/ok.key", dir);
	ck_assert_int_eq(symlink(path, link_path), 0);
	ck_assert_int_eq(rv_dns_key_load(link_path, NULL, &k, err, sizeof(err)), 0);

	snprintf(path, sizeof(path), "%s/missing.key", dir);
	ck_assert_int_eq(rv_dns_key_load(path, NULL, &k, err, sizeof(err)), -ENOENT);
	ck_assert(strstr(err, "cannot open the key file: No such file or directory") != NULL);

	/* a syntax error names the file and line */
	p = write_file("broken.key", "key \"k\" {\n algorithm hmac-sha256\n};\n", 0600);
	ck_assert_int_eq(rv_dns_key_load(p, NULL, &k, err, sizeof(err)), -EINVAL);
	snprintf(path, sizeof(path), "%s/broken.key:3: expected ';'", dir);
	ck_assert_str_eq(err, path);

	/* owned by someone else (only root can make that file) */
	if (geteuid() == 0) {
		p = write_file("theirs.key", keygen_output, 0600);
		ck_assert_int_eq(chown(p, 1, 1), 0);
		ck_assert_int_eq(rv_dns_key_load(p, NULL, &k, err, sizeof(err)), -EACCES);
		ck_assert(strstr(err, "owned by uid 1, neither root nor this user (uid 0)") != NULL);
	}
	remove_dir();
}
END_TEST

START_TEST(key_file_too_large)
{
	struct rv_dns_key k;
	char err[256], *big;
	const char *p;

	make_dir();
	big = malloc(RV_DNS_KEY_FILE_MAX + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', RV_DNS_KEY_FILE_MAX + 1);
	big[RV_DNS_KEY_FILE_MAX + 1] = '\0';
	p = write_file("big.key", big, 0600);
	ck_assert_int_eq(rv_dns_key_load(p, NULL, &k, err, sizeof(err)), -EFBIG);
	/* exactly the limit: read, then found empty */
	big[RV_DNS_KEY_FILE_MAX] = '\0';
	p = write_file("limit.key", big, 0600);
	ck_assert_int_eq(rv_dns_key_load(p, NULL, &k, err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "no key in the file") != NULL);
	free(big);
	remove_dir();
}
END_TEST

/* ------------------------------------------------------------ the pool */

static const char *const site_a_addrs[] = { "192.0.2.10", "2001:db8::10" };

/* Site A in an MX pool at the apex of pool.example.org. */
static void
pool_a(struct rv_dns_pool *pool)
{
	struct rv_dns_site_conf c = {
		.zone = "pool.example.org", .relay_name = "relay-a.pool.example.org",
		.mx_name = "@", .mx_priority = 10, .ttl = 60,
		.addresses = site_a_addrs, .n_addresses = 2,
	};
	char err[256];

	ck_assert_int_eq(rv_dns_pool_init(pool, &c, err, sizeof(err)), 0);
}

/* Site A in an address pool at mx.pool.example.org. */
static void
pool_a_addresses(struct rv_dns_pool *pool)
{
	struct rv_dns_site_conf c = {
		.zone = "pool.example.org.", .relay_name = "mx.pool.example.org.", .ttl = 30,
		.addresses = site_a_addrs, .n_addresses = 2,
	};
	char err[256];

	ck_assert_int_eq(rv_dns_pool_init(pool, &c, err, sizeof(err)), 0);
}

static ldns_rr *
rr(const char *text)
{
	ldns_rr *r = NULL;

	ck_assert_msg(ldns_rr_new_frm_str(&r, text, 0, NULL, NULL) == LDNS_STATUS_OK, "rr %s", text);
	return r;
}

/* The pool as the primary serves it, from presentation lines. */
static ldns_rr_list *
served(const char *const *lines, size_t n)
{
	ldns_rr_list *l = ldns_rr_list_new();
	size_t i;

	for (i = 0; i < n; i++)
		ldns_rr_list_push_rr(l, rr(lines[i]));
	return l;
}

/* A section of a packet as "owner ttl class type data" lines, joined by
 * '|', blanks squeezed. */
static char *
section_text(const ldns_rr_list *list)
{
	static char out[4096];
	size_t i, o = 0;
	char *s, *p;

	out[0] = '\0';
	for (i = 0; i < ldns_rr_list_rr_count(list); i++) {
		s = ldns_rr2str(ldns_rr_list_rr(list, i));
		ck_assert_ptr_nonnull(s);
		for (p = s; *p != '\0'; p++)
			if (*p == '\t' || *p == '\n')
				*p = ' ';
		while (p > s && p[-1] == ' ')
			*--p = '\0';
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", i > 0 ? "|" : "", s);
		free(s);
	}
	return out;
}

/* The wire form of pkt, read back: what the server will see. */
static ldns_pkt *
round_trip(const ldns_pkt *pkt)
{
	ldns_pkt *back = NULL;
	uint8_t *wire = NULL;
	size_t len;

	ck_assert_int_eq(ldns_pkt2wire(&wire, pkt, &len), LDNS_STATUS_OK);
	ck_assert_int_eq(ldns_wire2pkt(&back, wire, len), LDNS_STATUS_OK);
	free(wire);
	return back;
}

START_TEST(pool_config_is_checked)
{
	static const char *const bad_addr[] = { "192.0.2.300" };
	static const char *const twice[] = { "192.0.2.1", "192.0.2.1" };
	static const struct {
		struct rv_dns_site_conf c;
		const char *err;
	} cases[] = {
		{ { .zone = "", .relay_name = "r.z", .mx_name = "@", .ttl = 60 },
		  "zone \"\" is not a DNS name" },
		{ { .zone = "z..example", .relay_name = "r.z", .mx_name = "@", .ttl = 60 },
		  "zone \"z..example\" is not a DNS name" },
		{ { .zone = ".", .relay_name = "r.z", .mx_name = "@", .ttl = 60 },
		  "zone \".\" is not a DNS name" },
		{ { .zone = "z.example", .relay_name = "a b", .mx_name = "@", .ttl = 60 },
		  "relay name \"a b\" is not a DNS name" },
		{ { .zone = "z.example", .relay_name = "r.z.example", .mx_name = "@", .ttl = 0 },
		  "TTL 0 is out of range (1..86400 s)" },
		{ { .zone = "z.example", .relay_name = "r.z.example", .mx_name = "@", .ttl = 60,
		    .mx_priority = 70000 },
		  "MX priority 70000 is out of range (0..65535)" },
		{ { .zone = "z.example", .relay_name = "r.z.example", .mx_name = "mx.elsewhere",
		    .ttl = 60 },
		  "MX name \"mx.elsewhere\" is outside zone \"z.example\"" },
		{ { .zone = "z.example", .relay_name = "r.elsewhere", .mx_name = "@", .ttl = 60,
		    .addresses = twice, .n_addresses = 1 },
		  "relay name \"r.elsewhere\" is outside zone \"z.example\": its addresses cannot be "
		  "published there" },
		{ { .zone = "z.example", .relay_name = "r.z.example", .ttl = 60 },
		  "an address pool (no MX name) needs the site's addresses" },
		{ { .zone = "z.example", .relay_name = "r.z.example", .ttl = 60,
		    .addresses = bad_addr, .n_addresses = 1 },
		  "\"192.0.2.300\" is not an IPv4 or IPv6 address" },
		{ { .zone = "z.example", .relay_name = "r.z.example", .ttl = 60,
		    .addresses = twice, .n_addresses = 2 },
		  "address 192.0.2.1 is given twice" },
		{ { .zone = "z.example", .relay_name = "r.elsewhere", .ttl = 60,
		    .addresses = twice, .n_addresses = 1 },
		  "relay name \"r.elsewhere\" is outside zone \"z.example\"" },
	};
	struct rv_dns_site_conf ok = { .zone = "z.example", .relay_name = "r.elsewhere.",
				       .mx_name = "mx", .mx_priority = 5, .ttl = 60 };
	struct rv_dns_pool pool;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(rv_dns_pool_init(&pool, &cases[i].c, err, sizeof(err)) == -EINVAL,
			      "case %zu accepted", i);
		ck_assert_msg(strcmp(err, cases[i].err) == 0, "case %zu: got \"%s\"", i, err);
		ck_assert_ptr_null(pool.member);
	}
	/* an MX pool may point at a relay outside the zone when it publishes
	 * no addresses; "mx" is not below the zone (names are absolute) */
	ck_assert_int_eq(rv_dns_pool_init(&pool, &ok, err, sizeof(err)), -EINVAL);
	ok.mx_name = "mx.z.example";
	ck_assert_int_eq(rv_dns_pool_init(&pool, &ok, err, sizeof(err)), 0);
	ck_assert_str_eq(section_text(pool.member), "mx.z.example. 60 IN MX 5 r.elsewhere.");
	ck_assert_int_eq(ldns_rr_list_rr_count(pool.host), 0);
	rv_dns_pool_free(&pool);
	rv_dns_pool_free(&pool);
}
END_TEST

START_TEST(records_compare_as_dns_does)
{
	ldns_rr *a = rr("pool.example.org. 60 IN MX 10 relay-a.pool.example.org.");
	ldns_rr *b = rr("POOL.example.org. 3600 IN MX 10 Relay-A.Pool.Example.Org.");
	ldns_rr *c = rr("pool.example.org. 60 IN MX 20 relay-a.pool.example.org.");
	ldns_rr *d = rr("relay-a.pool.example.org. 60 IN A 192.0.2.10");

	ck_assert_int_eq(rv_dns_rr_same(a, b), 1);
	ck_assert_int_eq(rv_dns_rr_same(a, c), 0);
	ck_assert_int_eq(rv_dns_rr_same(a, d), 0);
	ldns_rr_free(a);
	ldns_rr_free(b);
	ldns_rr_free(c);
	ldns_rr_free(d);
}
END_TEST

START_TEST(publish_mx_pool)
{
	static const char *const now[] = {
		"pool.example.org. 60 IN MX 10 relay-b.pool.example.org.",
		"pool.example.org. 60 IN MX 20 relay-a.pool.example.org.", /* our old priority */
	};
	struct rv_dns_pool pool;
	ldns_rr_list *cur = served(now, 2);
	ldns_pkt *p, *back;

	pool_a(&pool);
	p = rv_dns_build_publish(&pool, cur);
	ck_assert_ptr_nonnull(p);
	back = round_trip(p);
	ck_assert_int_eq(ldns_pkt_get_opcode(back), LDNS_PACKET_UPDATE);
	ck_assert_int_eq(ldns_pkt_rd(back), 0);
	/* the zone section names the zone, type SOA */
	ck_assert_str_eq(section_text(ldns_pkt_question(back)), "pool.example.org. IN SOA");
	ck_assert_int_eq(ldns_update_prcount(back), 0);
	ck_assert_str_eq(section_text(ldns_pkt_authority(back)),
			 "relay-a.pool.example.org. 0 ANY A \\# 0|"
			 "relay-a.pool.example.org. 0 ANY AAAA \\# 0|"
			 "relay-a.pool.example.org. 60 IN A 192.0.2.10|"
			 "relay-a.pool.example.org. 60 IN AAAA 2001:db8::10|"
			 "pool.example.org. 0 NONE MX 20 relay-a.pool.example.org.|"
			 "pool.example.org. 60 IN MX 10 relay-a.pool.example.org.");
	ldns_pkt_free(back);
	ldns_pkt_free(p);

	/* an address pool adds its addresses and nothing else */
	rv_dns_pool_free(&pool);
	pool_a_addresses(&pool);
	p = rv_dns_build_publish(&pool, NULL);
	back = round_trip(p);
	ck_assert_str_eq(section_text(ldns_pkt_authority(back)),
			 "mx.pool.example.org. 30 IN A 192.0.2.10|"
			 "mx.pool.example.org. 30 IN AAAA 2001:db8::10");
	ck_assert_int_eq(ldns_update_prcount(back), 0);
	ldns_pkt_free(back);
	ldns_pkt_free(p);
	rv_dns_pool_free(&pool);
	ldns_rr_list_deep_free(cur);
}
END_TEST

START_TEST(withdraw_is_a_compare_and_swap)
{
	static const char *const now[] = {
		"pool.example.org. 60 IN MX 10 relay-a.pool.example.org.",
		"pool.example.org. 60 IN MX 10 relay-b.pool.example.org.",
		"other.pool.example.org. 60 IN MX 10 relay-a.pool.example.org.", /* not the pool */
	};
	struct rv_dns_pool pool;
	ldns_rr_list *cur = served(now, 3);
	ldns_pkt *p = NULL, *back;

	pool_a(&pool);
	ck_assert_int_eq(rv_dns_build_withdraw(&pool, cur, &p), RV_DNS_PLAN_UPDATE);
	ck_assert_ptr_nonnull(p);
	back = round_trip(p);
	ck_assert_int_eq(ldns_pkt_get_opcode(back), LDNS_PACKET_UPDATE);
	ck_assert_str_eq(section_text(ldns_pkt_question(back)), "pool.example.org. IN SOA");
	/* prerequisite: the MX RRset is exactly {A, B} (RFC 2136 §2.4.2) */
	ck_assert_str_eq(section_text(ldns_pkt_answer(back)),
			 "pool.example.org. 0 IN MX 10 relay-a.pool.example.org.|"
			 "pool.example.org. 0 IN MX 10 relay-b.pool.example.org.");
	/* update: delete our MX record and our addresses, nothing else */
	ck_assert_str_eq(section_text(ldns_pkt_authority(back)),
			 "pool.example.org. 0 NONE MX 10 relay-a.pool.example.org.|"
			 "relay-a.pool.example.org. 0 NONE A 192.0.2.10|"
			 "relay-a.pool.example.org. 0 NONE AAAA 2001:db8::10");
	ck_assert_int_eq(ldns_pkt_arcount(back), 0);
	ldns_pkt_free(back);
	ldns_pkt_free(p);
	rv_dns_pool_free(&pool);
	ldns_rr_list_deep_free(cur);
}
END_TEST

START_TEST(withdraw_keeps_the_last_record)
{
	static const char *const alone[] = {
		"pool.example.org. 60 IN MX 10 Relay-A.pool.example.org.",
	};
	static const char *const others_elsewhere[] = {
		"pool.example.org. 60 IN MX 10 relay-a.pool.example.org.",
		"mx.pool.example.org. 60 IN MX 10 relay-b.pool.example.org.",
		"pool.example.org. 60 IN A 192.0.2.99",
	};
	struct rv_dns_pool pool;
	ldns_rr_list *cur;
	ldns_pkt *p = NULL, *back;

	pool_a(&pool);
	cur = served(alone, 1);
	ck_assert_int_eq(rv_dns_build_withdraw(&pool, cur, &p), RV_DNS_PLAN_KEPT_LAST);
	ck_assert_ptr_null(p);
	ldns_rr_list_deep_free(cur);
	/* records of another name or type are not the pool */
	cur = served(others_elsewhere, 3);
	ck_assert_int_eq(rv_dns_build_withdraw(&pool, cur, &p), RV_DNS_PLAN_KEPT_LAST);
	ldns_rr_list_deep_free(cur);

	/* our MX record is gone already: the addresses still go, on
	 * condition that the pool is what was read (here: empty) */
	cur = ldns_rr_list_new();
	ck_assert_int_eq(rv_dns_build_withdraw(&pool, cur, &p), RV_DNS_PLAN_UPDATE);
	back = round_trip(p);
	ck_assert_str_eq(section_text(ldns_pkt_answer(back)), "pool.example.org. 0 NONE MX \\# 0");
	ck_assert_str_eq(section_text(ldns_pkt_authority(back)),
			 "relay-a.pool.example.org. 0 NONE A 192.0.2.10|"
			 "relay-a.pool.example.org. 0 NONE AAAA 2001:db8::10");
	ldns_pkt_free(back);
	ldns_pkt_free(p);
	p = NULL;
	ldns_rr_list_deep_free(cur);
	rv_dns_pool_free(&pool);

	/* an address pool without our records: nothing to do */
	pool_a_addresses(&pool);
	cur = ldns_rr_list_new();
	ck_assert_int_eq(rv_dns_build_withdraw(&pool, cur, &p), RV_DNS_PLAN_NOTHING);
	ck_assert_ptr_null(p);
	ldns_rr_list_deep_free(cur);
	rv_dns_pool_free(&pool);
}
END_TEST

START_TEST(withdraw_from_an_address_pool)
{
	static const char *const both[] = {
		"mx.pool.example.org. 30 IN A 192.0.2.10",
		"mx.pool.example.org. 30 IN AAAA 2001:db8::10",
		"mx.pool.example.org. 30 IN A 198.51.100.10",
	};
	static const char *const only_v4_other[] = {
		"mx.pool.example.org. 30 IN A 192.0.2.10",
		"mx.pool.example.org. 30 IN A 198.51.100.10",
	};
	static const char *const only_ours[] = {
		"mx.pool.example.org. 30 IN A 192.0.2.10",
		"mx.pool.example.org. 30 IN AAAA 2001:db8::10",
	};
	struct rv_dns_pool pool;
	ldns_rr_list *cur;
	ldns_pkt *p = NULL, *back;

	pool_a_addresses(&pool);
	cur = served(both, 3);
	ck_assert_int_eq(rv_dns_build_withdraw(&pool, cur, &p), RV_DNS_PLAN_UPDATE);
	back = round_trip(p);
	ck_assert_str_eq(section_text(ldns_pkt_answer(back)),
			 "mx.pool.example.org. 0 IN A 192.0.2.10|"
			 "mx.pool.example.org. 0 IN A 198.51.100.10|"
			 "mx.pool.example.org. 0 IN AAAA 2001:db8::10");
	ck_assert_str_eq(section_text(ldns_pkt_authority(back)),
			 "mx.pool.example.org. 0 NONE A 192.0.2.10|"
			 "mx.pool.example.org. 0 NONE AAAA 2001:db8::10");
	ldns_pkt_free(back);
	ldns_pkt_free(p);
	ldns_rr_list_deep_free(cur);

	/* our AAAA is not there: "the AAAA RRset does not exist" is part
	 * of the condition */
	cur = served(only_v4_other, 2);
	ck_assert_int_eq(rv_dns_build_withdraw(&pool, cur, &p), RV_DNS_PLAN_UPDATE);
	back = round_trip(p);
	ck_assert_str_eq(section_text(ldns_pkt_answer(back)),
			 "mx.pool.example.org. 0 IN A 192.0.2.10|"
			 "mx.pool.example.org. 0 IN A 198.51.100.10|"
			 "mx.pool.example.org. 0 NONE AAAA \\# 0");
	ck_assert_str_eq(section_text(ldns_pkt_authority(back)),
			 "mx.pool.example.org. 0 NONE A 192.0.2.10");
	ldns_pkt_free(back);
	ldns_pkt_free(p);
	ldns_rr_list_deep_free(cur);

	cur = served(only_ours, 2);
	ck_assert_int_eq(rv_dns_build_withdraw(&pool, cur, &p), RV_DNS_PLAN_KEPT_LAST);
	ldns_rr_list_deep_free(cur);
	rv_dns_pool_free(&pool);
}
END_TEST

/* ------------------------------------------------------------ answers */

static struct rv_dns_key key;

static void
load_key(void)
{
	char err[256];

	ck_assert_int_eq(rv_dns_key_parse(keygen_output, strlen(keygen_output), "k", NULL, &key,
					  err, sizeof(err)), 0);
}

/* A signed withdrawal of site A, as rv_dns_exchange() sends it. */
static ldns_pkt *
signed_update(void)
{
	static const char *const now[] = {
		"pool.example.org. 60 IN MX 10 relay-a.pool.example.org.",
		"pool.example.org. 60 IN MX 10 relay-b.pool.example.org.",
	};
	struct rv_dns_pool pool;
	ldns_rr_list *cur = served(now, 2);
	ldns_pkt *p = NULL;

	load_key();
	pool_a(&pool);
	ck_assert_int_eq(rv_dns_build_withdraw(&pool, cur, &p), RV_DNS_PLAN_UPDATE);
	ck_assert_int_eq(rv_dns_sign(p, &key), 0);
	rv_dns_pool_free(&pool);
	ldns_rr_list_deep_free(cur);
	return p;
}

static ldns_pkt *
signed_query(void)
{
	ldns_rdf *n = ldns_dname_new_frm_str("pool.example.org.");
	ldns_pkt *q = rv_dns_build_query(n, LDNS_RR_TYPE_MX);

	ldns_rdf_deep_free(n);
	load_key();
	ck_assert_int_eq(ldns_pkt_rd(q), 0);
	ck_assert_int_eq(rv_dns_sign(q, &key), 0);
	return q;
}

enum { SIGN_NONE, SIGN_OURS, SIGN_WRONG_SECRET, SIGN_OTHER_KEY, TSIG_BADSIG };

/* The server's answer to req: its header and question copied, the given
 * RCODE, answer records, and a TSIG made the server's way (over the
 * request's MAC) or a TSIG error. Returns the wire (malloc'd). */
static uint8_t *
answer(const ldns_pkt *req, int rcode, const char *const *records, size_t n, int sign,
       size_t *len)
{
	ldns_pkt *a = ldns_pkt_new();
	const ldns_rdf *mac = ldns_rr_rdf(ldns_pkt_tsig(req), 3);
	ldns_rr *t;
	uint8_t *wire = NULL;
	size_t i;

	ldns_pkt_set_id(a, ldns_pkt_id(req));
	ldns_pkt_set_qr(a, true);
	ldns_pkt_set_aa(a, true);
	ldns_pkt_set_opcode(a, ldns_pkt_get_opcode(req));
	ldns_pkt_set_rcode(a, (uint8_t)rcode);
	ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION,
			 ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(req), 0)));
	for (i = 0; i < n; i++)
		ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, rr(records[i]));
	switch (sign) {
	case SIGN_OURS:
	case TSIG_BADSIG:
		ck_assert_int_eq(ldns_pkt_tsig_sign(a, "site-key.", SECRET, 300, "hmac-sha256.", mac),
				 LDNS_STATUS_OK);
		break;
	case SIGN_WRONG_SECRET:
		ck_assert_int_eq(ldns_pkt_tsig_sign(a, "site-key.", OTHER_SECRET, 300, "hmac-sha256.",
						    mac), LDNS_STATUS_OK);
		break;
	case SIGN_OTHER_KEY:
		ck_assert_int_eq(ldns_pkt_tsig_sign(a, "other-key.", SECRET, 300, "hmac-sha256.", mac),
				 LDNS_STATUS_OK);
		break;
	default:
		break;
	}
	if (sign == TSIG_BADSIG) {
		/* RFC 8945 §5.3.2: error BADSIG, an empty MAC */
		t = ldns_pkt_tsig(a);
		ldns_rdf_deep_free(ldns_rr_set_rdf(t, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, 16), 5));
		ldns_rdf_deep_free(ldns_rr_set_rdf(t, ldns_native2rdf_int16_data(0, NULL), 3));
	}
	ck_assert_int_eq(ldns_pkt2wire(&wire, a, len), LDNS_STATUS_OK);
	ldns_pkt_free(a);
	return wire;
}

/* Judge wire as the answer to req now; returns the verdict, why in w. */
static enum rv_dns_verdict
judge(const ldns_pkt *req, const uint8_t *wire, size_t len, time_t now, char *w, size_t wlen)
{
	struct rv_dns_answer ans;
	enum rv_dns_verdict v;

	rv_dns_answer_check(req, &key, wire, len, now, &ans);
	v = ans.verdict;
	if (w != NULL)
		snprintf(w, wlen, "%s", ans.why);
	rv_dns_answer_clear(&ans);
	rv_dns_answer_clear(&ans);
	return v;
}

START_TEST(answer_rcodes)
{
	ldns_pkt *up = signed_update(), *q = signed_query();
	static const char *const mx[] = { "pool.example.org. 60 IN MX 10 relay-b.pool.example.org." };
	struct rv_dns_answer ans;
	char why[RV_DNS_WHY_MAX];
	uint8_t *w;
	size_t len;

	w = answer(up, LDNS_RCODE_NOERROR, NULL, 0, SIGN_OURS, &len);
	rv_dns_answer_check(up, &key, w, len, time(NULL), &ans);
	ck_assert_int_eq(ans.verdict, RV_DNS_OK);
	ck_assert_int_eq(ans.verified, 1);
	ck_assert_int_eq(ans.rcode, 0);
	rv_dns_answer_clear(&ans);
	free(w);

	w = answer(up, LDNS_RCODE_NXRRSET, NULL, 0, SIGN_OURS, &len);
	ck_assert_int_eq(judge(up, w, len, time(NULL), why, sizeof(why)), RV_DNS_PREREQ_FAILED);
	ck_assert_str_eq(why, "a prerequisite does not hold (NXRRSET)");
	free(w);
	w = answer(up, LDNS_RCODE_YXRRSET, NULL, 0, SIGN_OURS, &len);
	ck_assert_int_eq(judge(up, w, len, time(NULL), NULL, 0), RV_DNS_PREREQ_FAILED);
	free(w);
	w = answer(up, LDNS_RCODE_NXDOMAIN, NULL, 0, SIGN_OURS, &len);
	ck_assert_int_eq(judge(up, w, len, time(NULL), NULL, 0), RV_DNS_PREREQ_FAILED);
	free(w);
	w = answer(up, LDNS_RCODE_REFUSED, NULL, 0, SIGN_OURS, &len);
	ck_assert_int_eq(judge(up, w, len, time(NULL), why, sizeof(why)), RV_DNS_REFUSED);
	ck_assert_str_eq(why, "the server answered REFUSED");
	free(w);
	/* an unsigned NXRRSET is not believed to be the server's "the pool
	 * changed": it is a failure (found by fuzz_dns_answer) */
	w = answer(up, LDNS_RCODE_NXRRSET, NULL, 0, SIGN_NONE, &len);
	ck_assert_int_eq(judge(up, w, len, time(NULL), why, sizeof(why)), RV_DNS_REFUSED);
	ck_assert_str_eq(why, "the server answered NXRRSET (unsigned)");
	free(w);
	w = answer(up, LDNS_RCODE_SERVFAIL, NULL, 0, SIGN_NONE, &len);
	ck_assert_int_eq(judge(up, w, len, time(NULL), why, sizeof(why)), RV_DNS_REFUSED);
	ck_assert_str_eq(why, "the server answered SERVFAIL (unsigned)");
	free(w);

	/* the wrong key, as BIND answers it: NOTAUTH, TSIG error BADSIG */
	w = answer(up, LDNS_RCODE_NOTAUTH, NULL, 0, TSIG_BADSIG, &len);
	rv_dns_answer_check(up, &key, w, len, time(NULL), &ans);
	ck_assert_int_eq(ans.verdict, RV_DNS_AUTH_FAILED);
	ck_assert_int_eq(ans.tsig_error, 16);
	ck_assert_str_eq(ans.why, "the server finds our signature wrong (BADSIG): its secret for "
				  "this key is not ours (NOTAUTH, TSIG error BADSIG)");
	rv_dns_answer_clear(&ans);
	free(w);

	/* a query's answer: the records, NXDOMAIN is an answer too */
	w = answer(q, LDNS_RCODE_NOERROR, mx, 1, SIGN_OURS, &len);
	rv_dns_answer_check(q, &key, w, len, time(NULL), &ans);
	ck_assert_int_eq(ans.verdict, RV_DNS_OK);
	ck_assert_str_eq(section_text(ldns_pkt_answer(ans.pkt)),
			 "pool.example.org. 60 IN MX 10 relay-b.pool.example.org.");
	rv_dns_answer_clear(&ans);
	free(w);
	w = answer(q, LDNS_RCODE_NXDOMAIN, NULL, 0, SIGN_OURS, &len);
	ck_assert_int_eq(judge(q, w, len, time(NULL), NULL, 0), RV_DNS_OK);
	free(w);
	w = answer(q, LDNS_RCODE_NXRRSET, NULL, 0, SIGN_OURS, &len);
	ck_assert_int_eq(judge(q, w, len, time(NULL), NULL, 0), RV_DNS_REFUSED);
	free(w);

	ldns_pkt_free(up);
	ldns_pkt_free(q);
}
END_TEST

/* Whatever the RCODE says, an answer that is not provably ours is not
 * believed. */
START_TEST(answers_that_are_not_believed)
{
	ldns_pkt *up = signed_update(), *q = signed_query();
	char why[RV_DNS_WHY_MAX];
	uint8_t *w;
	size_t len;
	time_t now = time(NULL);

	w = answer(up, LDNS_RCODE_NOERROR, NULL, 0, SIGN_NONE, &len);
	ck_assert_int_eq(judge(up, w, len, now, why, sizeof(why)), RV_DNS_BAD_ANSWER);
	ck_assert_str_eq(why, "the answer is not signed (NOERROR without TSIG)");
	free(w);
	w = answer(q, LDNS_RCODE_NXDOMAIN, NULL, 0, SIGN_NONE, &len);
	ck_assert_int_eq(judge(q, w, len, now, NULL, 0), RV_DNS_BAD_ANSWER);
	free(w);

	w = answer(up, LDNS_RCODE_NOERROR, NULL, 0, SIGN_WRONG_SECRET, &len);
	ck_assert_int_eq(judge(up, w, len, now, why, sizeof(why)), RV_DNS_BAD_ANSWER);
	ck_assert_str_eq(why, "the answer's TSIG does not verify with key site-key.");
	free(w);
	w = answer(up, LDNS_RCODE_NOERROR, NULL, 0, SIGN_OTHER_KEY, &len);
	ck_assert_int_eq(judge(up, w, len, now, why, sizeof(why)), RV_DNS_BAD_ANSWER);
	ck_assert_str_eq(why, "the answer is signed with another key than site-key.");
	free(w);

	/* signed for the update, offered as the answer to the query (the
	 * IDs differ), and the other way round with the ID patched */
	w = answer(up, LDNS_RCODE_NOERROR, NULL, 0, SIGN_OURS, &len);
	ck_assert_int_eq(judge(q, w, len, now, why, sizeof(why)), RV_DNS_BAD_ANSWER);
	w[0] = (uint8_t)(ldns_pkt_id(q) >> 8);
	w[1] = (uint8_t)ldns_pkt_id(q);
	ck_assert_int_eq(judge(q, w, len, now, NULL, 0), RV_DNS_BAD_ANSWER);
	free(w);

	/* one byte changed after signing */
	w = answer(up, LDNS_RCODE_NOERROR, NULL, 0, SIGN_OURS, &len);
	ck_assert_int_eq(judge(up, w, len, now, NULL, 0), RV_DNS_OK);
	w[3] ^= 0x10; /* an RCODE bit: NOERROR becomes NXRRSET */
	ck_assert_int_eq(judge(up, w, len, now, why, sizeof(why)), RV_DNS_BAD_ANSWER);
	ck_assert_str_eq(why, "the answer's TSIG does not verify with key site-key.");
	w[3] ^= 0x10;
	/* QR cleared */
	w[2] &= 0x7f;
	ck_assert_int_eq(judge(up, w, len, now, why, sizeof(why)), RV_DNS_BAD_ANSWER);
	ck_assert_str_eq(why, "not an answer (QR bit clear)");
	w[2] |= 0x80;
	/* signed too long ago, or in the future */
	ck_assert_int_eq(judge(up, w, len, now + 301 + 5, why, sizeof(why)), RV_DNS_BAD_ANSWER);
	ck_assert(strstr(why, "away from our clock (fudge 300 s)") != NULL);
	ck_assert_int_eq(judge(up, w, len, now - 400, NULL, 0), RV_DNS_BAD_ANSWER);
	ck_assert_int_eq(judge(up, w, len, now + 200, NULL, 0), RV_DNS_OK);
	free(w);

	ldns_pkt_free(up);
	ldns_pkt_free(q);
}
END_TEST

START_TEST(malformed_answers)
{
	ldns_pkt *up = signed_update(), *a = NULL, *q;
	static const char *const mx[] = { "pool.example.org. 60 IN MX 10 relay-b.pool.example.org." };
	char why[RV_DNS_WHY_MAX];
	uint8_t *w, *w2 = NULL, junk[600];
	size_t len, len2, i;
	ldns_rr *tsig;

	/* every prefix of a good answer, and the answer with bytes after it */
	w = answer(up, LDNS_RCODE_NOERROR, mx, 1, SIGN_OURS, &len);
	for (i = 0; i < len; i++)
		ck_assert_int_eq(judge(up, w, i, time(NULL), NULL, 0), RV_DNS_BAD_ANSWER);
	ck_assert_int_eq(judge(up, NULL, 0, time(NULL), why, sizeof(why)), RV_DNS_BAD_ANSWER);
	ck_assert_str_eq(why, "an answer of 0 bytes, shorter than a DNS header");
	w2 = malloc(len + 3);
	memcpy(w2, w, len);
	memset(w2 + len, 0, 3);
	ck_assert_int_eq(judge(up, w2, len + 3, time(NULL), why, sizeof(why)), RV_DNS_BAD_ANSWER);
	ck_assert_str_eq(why, "3 bytes after the last record");
	free(w2);

	/* a TSIG that is not the last record */
	ck_assert_int_eq(ldns_wire2pkt(&a, w, len), LDNS_STATUS_OK);
	tsig = ldns_pkt_tsig(a);
	ldns_pkt_set_tsig(a, NULL);
	ldns_pkt_push_rr(a, LDNS_SECTION_ADDITIONAL, tsig);
	ldns_pkt_push_rr(a, LDNS_SECTION_ADDITIONAL, rr("x.pool.example.org. 60 IN A 192.0.2.1"));
	ck_assert_int_eq(ldns_pkt2wire(&w2, a, &len2), LDNS_STATUS_OK);
	ck_assert_int_eq(judge(up, w2, len2, time(NULL), why, sizeof(why)), RV_DNS_BAD_ANSWER);
	ck_assert_str_eq(why, "a TSIG record that is not the last record of the answer");
	free(w2);
	ldns_pkt_free(a);
	free(w);

	/* an answer about another question */
	q = signed_query();
	ldns_rr_set_type(ldns_rr_list_rr(ldns_pkt_question(q), 0), LDNS_RR_TYPE_A);
	w = answer(q, LDNS_RCODE_NOERROR, NULL, 0, SIGN_OURS, &len);
	ldns_rr_set_type(ldns_rr_list_rr(ldns_pkt_question(q), 0), LDNS_RR_TYPE_MX);
	ck_assert_int_eq(judge(q, w, len, time(NULL), why, sizeof(why)), RV_DNS_BAD_ANSWER);
	ck_assert_str_eq(why, "the answer is about pool.example.org., not pool.example.org.");
	free(w);
	ldns_pkt_free(q);

	/* random bytes behind a header that claims our ID */
	srandom(8);
	for (i = 0; i < 2000; i++) {
		size_t n = 12 + (size_t)random() % (sizeof(junk) - 12), j;

		for (j = 0; j < n; j++)
			junk[j] = (uint8_t)random();
		junk[0] = (uint8_t)(ldns_pkt_id(up) >> 8);
		junk[1] = (uint8_t)ldns_pkt_id(up);
		junk[4] = 0;
		junk[5] = (uint8_t)(random() % 3);
		ck_assert_int_ne(judge(up, junk, n, time(NULL), NULL, 0), RV_DNS_OK);
	}
	ldns_pkt_free(up);
}
END_TEST

/* ------------------------------------------------------------ exchange */

START_TEST(exchange_without_a_server)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct rv_dns_server srv;
	struct rv_dns_answer ans;
	ldns_pkt *q = signed_query();
	char port[16];
	int fd, c;
	pid_t pid;

	ck_assert_int_eq(rv_dns_server_set(&srv, "example.org", 53, 0, 1000), -EINVAL);
	ck_assert_int_eq(rv_dns_server_set(&srv, "192.0.2.1", 0, 0, 1000), -EINVAL);
	ck_assert_int_eq(rv_dns_server_set(&srv, "2001:db8::53", 5353, 1, 1000), 0);
	ck_assert_str_eq(srv.text, "2001:db8::53 port 5353");

	/* a port nobody listens on: refused at once */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(port, sizeof(port), "%u", ntohs(sa.sin_port));
	close(fd);
	ck_assert_int_eq(rv_dns_server_set(&srv, "127.0.0.1", (unsigned)atoi(port), 0, 500), 0);
	ck_assert_int_eq(rv_dns_exchange(&srv, &key, q, &ans), 0);
	ck_assert_int_eq(ans.verdict, RV_DNS_UNREACHABLE);
	ck_assert_int_eq(ans.rcode, -1);
	ck_assert_msg(strstr(ans.why, "Connection refused") != NULL, "%s", ans.why);
	rv_dns_answer_clear(&ans);

	/* a server that takes the request and closes without an answer */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = 0;
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	sl = sizeof(sa);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char buf[512];

		c = accept(fd, NULL, NULL);
		if (c >= 0 && read(c, buf, sizeof(buf)) > 0)
			close(c);
		_exit(0);
	}
	close(fd);
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(rv_dns_server_set(&srv, "127.0.0.1", ntohs(sa.sin_port), 0, 2000), 0);
	ck_assert_int_eq(rv_dns_exchange(&srv, &key, q, &ans), 0);
	ck_assert_int_eq(ans.verdict, RV_DNS_UNREACHABLE);
	ck_assert(strstr(ans.why, "no answer (or the connection closed) from 127.0.0.1") != NULL);
	rv_dns_answer_clear(&ans);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ldns_pkt_free(q);
}
END_TEST


/* ------------------------------------------------------------ down-votes */

START_TEST(vote_updates_touch_only_the_voters_records)
{
	static const char *const now[] = {
		"c._relevo-down.pool.example.org. 60 IN TXT \"a 1700000000\"",
		"c._relevo-down.pool.example.org. 60 IN TXT \"b 1700000003\"",
		"c._relevo-down.pool.example.org. 60 IN TXT \"ab 1700000001\"",
		"d._relevo-down.pool.example.org. 60 IN TXT \"a 1700000000\"", /* another site */
	};
	ldns_rr_list *cur = served(now, 4);
	ldns_rdf *zone = NULL, *owner;
	ldns_pkt *p = NULL, *back;
	char text[64];

	ck_assert_int_eq(ldns_str2rdf_dname(&zone, "pool.example.org."), LDNS_STATUS_OK);
	owner = rv_dns_vote_owner(zone, "c");
	ck_assert_ptr_nonnull(owner);
	ck_assert_ptr_null(rv_dns_vote_owner(zone, "c.d"));   /* one label only */
	ck_assert_ptr_null(rv_dns_vote_owner(zone, ""));
	ck_assert_ptr_null(rv_dns_vote_owner(zone, "c d"));

	/* refresh: a's old vote deleted (not ab's), the new one added, one update */
	ck_assert_int_eq(rv_dns_build_vote(zone, owner, cur, "a", RV_DNS_VOTE_ADD, 1700000010, 30,
					   &p), 0);
	ck_assert_ptr_nonnull(p);
	back = round_trip(p);
	ck_assert_int_eq(ldns_pkt_get_opcode(back), LDNS_PACKET_UPDATE);
	ck_assert_str_eq(section_text(ldns_pkt_question(back)), "pool.example.org. IN SOA");
	ck_assert_int_eq(ldns_pkt_ancount(back), 0); /* no prerequisite */
	ck_assert_str_eq(section_text(ldns_pkt_authority(back)),
			 "c._relevo-down.pool.example.org. 0 NONE TXT \"a 1700000000\"|"
			 "c._relevo-down.pool.example.org. 30 IN TXT \"a 1700000010\"");
	ldns_pkt_free(back);
	ldns_pkt_free(p);

	/* removal: b's record only */
	ck_assert_int_eq(rv_dns_build_vote(zone, owner, cur, "b", RV_DNS_VOTE_REMOVE, 0, 30, &p), 0);
	back = round_trip(p);
	ck_assert_str_eq(section_text(ldns_pkt_authority(back)),
			 "c._relevo-down.pool.example.org. 0 NONE TXT \"b 1700000003\"");
	ldns_pkt_free(back);
	ldns_pkt_free(p);

	/* nothing to remove: no packet */
	ck_assert_int_eq(rv_dns_build_vote(zone, owner, cur, "x", RV_DNS_VOTE_REMOVE, 0, 30, &p), 0);
	ck_assert_ptr_null(p);
	/* voters that cannot be written */
	ck_assert_int_eq(rv_dns_build_vote(zone, owner, cur, "a b", RV_DNS_VOTE_ADD, 1, 30, &p),
			 -EINVAL);
	ck_assert_int_eq(rv_dns_build_vote(zone, owner, cur, "", RV_DNS_VOTE_ADD, 1, 30, &p),
			 -EINVAL);
	ck_assert_int_eq(rv_dns_build_vote(zone, owner, cur, "a", RV_DNS_VOTES_READ, 1, 30, &p),
			 -EINVAL);

	rv_dns_txt_text(ldns_rr_list_rr(cur, 1), text, sizeof(text));
	ck_assert_str_eq(text, "b 1700000003");
	ldns_rdf_deep_free(owner);
	ldns_rdf_deep_free(zone);
	ldns_rr_list_deep_free(cur);
}
END_TEST

START_TEST(votes_are_counted_once_per_known_current_voter)
{
	const char *const known[] = { "a", "b", "c" };
	const char *const texts[] = {
		"a 1000", "a 1005",          /* twice: one voter */
		"b 990",                     /* current */
		"c 1000",                    /* the target's own: never counted */
		"x 1000",                    /* not a site of the pool */
		"b", "b x", " 1000", "b 1000 1", "b -5", "", /* malformed */
	};
	const char *const stale[] = { "a 900", "b 1200" };
	struct rv_vote v;
	char buf[RV_VOTE_TEXT_MAX + 1];

	ck_assert_uint_eq(rv_vote_count(texts, 11, "c", known, 3, 1000, 30), 2);
	ck_assert_uint_eq(rv_vote_count(texts, 11, "b", known, 3, 1000, 30), 2); /* a, c */
	ck_assert_uint_eq(rv_vote_count(stale, 2, "c", known, 3, 1000, 30), 0);
	ck_assert_uint_eq(rv_vote_count(texts, 0, "c", known, 3, 1000, 30), 0);
	ck_assert_int_eq(rv_vote_parse("relay-a 1700000000", &v), 0);
	ck_assert_str_eq(v.voter, "relay-a");
	ck_assert_int_eq(v.stamp, 1700000000);
	ck_assert_int_eq(rv_vote_parse("a 99999999999999999999", &v), -EINVAL);
	ck_assert_int_eq(rv_vote_format(buf, sizeof(buf), "a", 5), 0);
	ck_assert_str_eq(buf, "a 5");
	ck_assert_int_eq(rv_vote_format(buf, sizeof(buf), "a b", 5), -EINVAL);
	ck_assert_int_eq(rv_vote_format(buf, 3, "a", 5), -ENOSPC);
}
END_TEST

START_TEST(majority_and_cut_off)
{
	ck_assert_uint_eq(rv_vote_majority(2), 2);
	ck_assert_uint_eq(rv_vote_majority(3), 2);
	ck_assert_uint_eq(rv_vote_majority(4), 3);
	ck_assert_uint_eq(rv_vote_majority(5), 3);
	/* three sites: seeing one other is a majority, seeing none is cut off */
	ck_assert(!rv_vote_cut_off(3, 1));
	ck_assert(rv_vote_cut_off(3, 0));
	/* two sites: a site alone cannot tell its peer's death from its own
	 * isolation */
	ck_assert(rv_vote_cut_off(2, 0));
	ck_assert(!rv_vote_cut_off(2, 1));
	ck_assert(rv_vote_cut_off(4, 1));
	ck_assert(!rv_vote_cut_off(4, 2));
	/* the decision */
	ck_assert(rv_vote_withdraw(1, 0, 2, 2));
	ck_assert(!rv_vote_withdraw(1, 0, 1, 2));   /* not enough votes */
	ck_assert(!rv_vote_withdraw(0, 0, 3, 2));   /* we see it up: never */
	ck_assert(!rv_vote_withdraw(1, 1, 3, 2));   /* cut off: never */
}
END_TEST

static Suite *
dnsupdate_suite(void)
{
	Suite *s = suite_create("dnsupdate");
	TCase *k = tcase_create("key files");
	TCase *b = tcase_create("updates");
	TCase *a = tcase_create("answers");
	TCase *v = tcase_create("votes");

	tcase_add_test(k, key_from_tsig_keygen);
	tcase_add_test(k, key_comments_and_several_keys);
	tcase_add_test(k, key_line_format);
	tcase_add_test(k, key_errors_name_the_line);
	tcase_add_test(k, key_algorithms);
	tcase_add_test(k, key_file_secrecy);
	tcase_add_test(k, key_file_too_large);
	suite_add_tcase(s, k);
	tcase_add_test(b, pool_config_is_checked);
	tcase_add_test(b, records_compare_as_dns_does);
	tcase_add_test(b, publish_mx_pool);
	tcase_add_test(b, withdraw_is_a_compare_and_swap);
	tcase_add_test(b, withdraw_keeps_the_last_record);
	tcase_add_test(b, withdraw_from_an_address_pool);
	suite_add_tcase(s, b);
	tcase_add_test(a, answer_rcodes);
	tcase_add_test(a, answers_that_are_not_believed);
	tcase_add_test(a, malformed_answers);
	tcase_add_test(a, exchange_without_a_server);
	suite_add_tcase(s, a);
	tcase_add_test(v, vote_updates_touch_only_the_voters_records);
	tcase_add_test(v, votes_are_counted_once_per_known_current_voter);
	tcase_add_test(v, majority_and_cut_off);
	suite_add_tcase(s, v);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dnsupdate_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
