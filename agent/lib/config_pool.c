/*
 * config_pool.c — the [pool] and [peer-site NAME] parts of the configuration
 * parser: the site's place in the DNS relay pool, how it probes the other
 * sites, and what it needs to withdraw one of them.
 *
 * config.c does the INI mechanics and stores the values as written; the
 * checks that need a whole value (addresses, names, the key file) are made
 * here when a section ends, each error at the line of its key.
 */
#include "autoconf.h"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_priv.h"
#include "sitevote.h"
#include "util.h"

#define DNS_NAME_MAX 253
#define ADDRESSES_MAX 16       /* as relevo-dnsupdate takes them */

/* The line of key in the section that is ending. */
static int
line_of(const struct parse_ctx *ctx, const char *key)
{
	return rv_cfg_key_line(ctx, key);
}

/* A DNS name as relevo-dnsupdate takes it (a final dot allowed). */
static int
dns_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > DNS_NAME_MAX + 1 || s[0] == '.' || s[0] == '-' || strstr(s, "..") != NULL)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

static int
ip_ok(const char *s)
{
	unsigned char bin[16];

	return inet_pton(AF_INET, s, bin) == 1 || inet_pton(AF_INET6, s, bin) == 1;
}

/*
 * IP, IP:PORT, [IPv6] or [IPv6]:PORT into *host (a new string) and *port
 * (dflt when not given). No host names: a probe or an update must not
 * wait for a resolver. Returns 0, or -EINVAL with the error recorded.
 */
static int
host_port(struct parse_ctx *ctx, int line, const char *key, const char *v, unsigned dflt,
	  char **host, unsigned *port)
{
	const char *h = v, *ps = NULL, *close, *colon;
	uint64_t p = dflt;
	size_t hl;
	char buf[64];

	if (v[0] == '[') {
		close = strchr(v, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
			rv_cfg_err(ctx, line, "%s '%s': expected [IPv6] or [IPv6]:PORT", key, v);
			return -EINVAL;
		}
		h = v + 1;
		hl = (size_t)(close - h);
		if (close[1] == ':')
			ps = close + 2;
	} else {
		colon = strchr(v, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			rv_cfg_err(ctx, line, "%s '%s': put an IPv6 address in brackets, as "
			    "[2001:db8::25]:25", key, v);
			return -EINVAL;
		}
		hl = colon != NULL ? (size_t)(colon - v) : strlen(v);
		if (colon != NULL)
			ps = colon + 1;
	}
	if (hl == 0 || hl >= sizeof(buf)) {
		rv_cfg_err(ctx, line, "%s '%s' is not an IP address", key, v);
		return -EINVAL;
	}
	memcpy(buf, h, hl);
	buf[hl] = '\0';
	if (!ip_ok(buf)) {
		rv_cfg_err(ctx, line, "%s '%s': '%s' is not an IPv4 or IPv6 address (no host "
		    "names: nothing may wait for a resolver)", key, v, buf);
		return -EINVAL;
	}
	if (ps != NULL && (rv_parse_uint(ps, 65535, &p) < 0 || p == 0)) {
		rv_cfg_err(ctx, line, "%s '%s': port '%s' is not a number 1..65535", key, v, ps);
		return -EINVAL;
	}
	*host = strdup(buf);
	if (*host == NULL) {
		ctx->oom = 1;
		return -ENOMEM;
	}
	*port = (unsigned)p;
	return 0;
}

/* A list of addresses separated by blanks or commas. */
static void
check_addresses(struct parse_ctx *ctx, int line, const char *key, const char *v)
{
	char buf[200], *tok, *save = NULL;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, " ,\t", &save); tok != NULL; tok = strtok_r(NULL, " ,\t", &save)) {
		if (!ip_ok(tok)) {
			rv_cfg_err(ctx, line, "%s: '%s' is not an IPv4 or IPv6 address", key, tok);
			return;
		}
		n++;
	}
	if (n == 0)
		rv_cfg_err(ctx, line, "%s: no address", key);
	else if (n > ADDRESSES_MAX)
		rv_cfg_err(ctx, line, "%s: %zu addresses, at most %d", key, n, ADDRESSES_MAX);
}

static void
check_name(struct parse_ctx *ctx, const char *key, const char *v, int apex_ok)
{
	if (v == NULL || (apex_ok && strcmp(v, "@") == 0) || dns_name_ok(v))
		return;
	rv_cfg_err(ctx, line_of(ctx, key), "%s '%s' is not a DNS name (letters, digits, '.', "
	    "'-' and '_')%s", key, v, apex_ok ? " or '@' (the zone's apex)" : "");
}

/* The rules of relevo-dnsupdate (dnskey.c): a regular file of root or of
 * this user that group and others cannot use. Checked now so that a site
 * does not find out on the day it needs to withdraw a peer. */
static void
check_key_file(struct parse_ctx *ctx, const char *path)
{
	int line = line_of(ctx, "key-file");
	struct stat st;

	if (stat(path, &st) < 0) {
		rv_cfg_err(ctx, line, "key-file '%s': %s", path, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode))
		rv_cfg_err(ctx, line, "key-file '%s' is not a regular file", path);
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		rv_cfg_err(ctx, line, "key-file '%s' is owned by uid %u, neither root nor this "
		    "user: refusing the key", path, (unsigned)st.st_uid);
	else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		rv_cfg_err(ctx, line, "key-file '%s': mode %04o gives group or others access to a "
		    "TSIG secret: refusing the key (chmod 600 %s)", path,
		    (unsigned)(st.st_mode & 07777), path);
}

void
rv_cfg_close_pool(struct parse_ctx *ctx)
{
	struct rv_pool_cfg *pl = &ctx->cfg->pool;
	int line;

	pl->enabled = 1;
	pl->line = ctx->pool_line;
	check_name(ctx, "zone", pl->zone, 0);
	check_name(ctx, "relay-name", pl->relay_name, 1);
	check_name(ctx, "mx-name", pl->mx_name, 1);
	if (pl->key_name != NULL && !rv_cfg_valid_name(pl->key_name, 1))
		rv_cfg_err(ctx, line_of(ctx, "key-name"), "key-name '%s' is not a valid name: "
		    NAME_RULE, pl->key_name);
	if (pl->server != NULL)
		(void)host_port(ctx, line_of(ctx, "server"), "server", pl->server, 53,
				&pl->server_host, &pl->server_port);
	if (pl->kind != NULL && strcmp(pl->kind, "mx") != 0 && strcmp(pl->kind, "address") != 0)
		rv_cfg_err(ctx, line_of(ctx, "pool"), "pool '%s' must be 'mx' or 'address' (as "
		    "the mxpool agent's pool parameter)", pl->kind);
	if (pl->kind != NULL && strcmp(pl->kind, "address") == 0) {
		if (pl->mx_name != NULL)
			rv_cfg_err(ctx, line_of(ctx, "mx-name"), "mx-name: an address pool (pool = "
			    "address) has no MX name");
		else if (pl->addresses == NULL)
			rv_cfg_err(ctx, pl->line, "an address pool (pool = address) needs "
			    "'addresses = ' (the site's floating IPs)");
	} else if (pl->mx_name == NULL) {
		rv_cfg_set_str(ctx, &pl->mx_name, "@"); /* the agent's default */
	}
	if (pl->addresses != NULL)
		check_addresses(ctx, line_of(ctx, "addresses"), "addresses", pl->addresses);
	if (pl->key_file != NULL)
		check_key_file(ctx, pl->key_file);
	line = line_of(ctx, "probe-timeout");
	if ((line == 0 || !rv_cfg_has_err_at(ctx, line)) &&
	    !rv_cfg_has_err_at(ctx, line_of(ctx, "probe-interval")) &&
	    pl->probe_timeout_ms >= pl->probe_interval_ms)
		rv_cfg_err(ctx, line != 0 ? line : line_of(ctx, "probe-interval") != 0 ?
		    line_of(ctx, "probe-interval") : pl->line, "[pool] probe-timeout (%llu ms) "
		    "must be less than probe-interval (%llu ms)",
		    (unsigned long long)pl->probe_timeout_ms,
		    (unsigned long long)pl->probe_interval_ms);
}

void
rv_cfg_open_peer_site(struct parse_ctx *ctx, const char *name, size_t len, int line)
{
	struct rv_pool_cfg *pl = &ctx->cfg->pool;
	struct rv_peer_site_cfg *p;
	size_t i;

	for (i = 0; i < pl->n_peers; i++) {
		if (strlen(pl->peers[i].name) == len && memcmp(pl->peers[i].name, name, len) == 0) {
			rv_cfg_err(ctx, line, "duplicate section %s (first at line %d)",
			    ctx->label, pl->peers[i].line);
			return;
		}
	}
	if (pl->n_peers == RV_MAX_PEER_SITES) {
		rv_cfg_err(ctx, line, "%s: at most %d peer sites are supported", ctx->label,
		    RV_MAX_PEER_SITES);
		return;
	}
	p = &pl->peers[pl->n_peers++];
	p->name = strndup(name, len);
	p->line = line;
	if (p->name == NULL) {
		ctx->oom = 1;
		return;
	}
	ctx->peer = p;
	ctx->sec = SEC_PEER_SITE;
}

void
rv_cfg_close_peer_site(struct parse_ctx *ctx)
{
	struct rv_peer_site_cfg *p = ctx->peer;

	if (strchr(p->name, '.') != NULL)
		rv_cfg_err(ctx, p->line, "%s: a peer site's name is one DNS label (its votes are "
		    "at NAME._relevo-down.ZONE): no '.'", ctx->label);
	check_name(ctx, "relay-name", p->relay_name, 0);
	if (p->address != NULL)
		(void)host_port(ctx, line_of(ctx, "address"), "address", p->address, 25,
				&p->host, &p->port);
	if (p->addresses != NULL)
		check_addresses(ctx, line_of(ctx, "addresses"), "addresses", p->addresses);
}

void
rv_cfg_check_pool(struct parse_ctx *ctx)
{
	struct rv_pool_cfg *pl = &ctx->cfg->pool;
	size_t i, sites = pl->n_peers + 1;

	if (!pl->enabled) {
		if (pl->n_peers > 0)
			rv_cfg_err(ctx, pl->peers[0].line, "[peer-site %s] needs a [pool] section "
			    "(the zone, its server and key)", pl->peers[0].name);
		return;
	}
	if (ctx->cfg->site != NULL && strchr(ctx->cfg->site, '.') != NULL)
		rv_cfg_err(ctx, ctx->site_line, "with a [pool], the site's name is one DNS label "
		    "(its votes are at NAME._relevo-down.ZONE): no '.' in '%s'", ctx->cfg->site);
	for (i = 0; i < pl->n_peers; i++)
		if (ctx->cfg->site != NULL && strcmp(pl->peers[i].name, ctx->cfg->site) == 0)
			rv_cfg_err(ctx, pl->peers[i].line, "[peer-site %s] is this site's own name",
			    pl->peers[i].name);
	if (pl->down_votes == 0)
		pl->down_votes = rv_vote_majority(sites);
	else if (pl->down_votes > sites)
		rv_cfg_err(ctx, ctx->down_votes_line, "down-votes %u is more than the %zu sites of "
		    "the pool (this one and %zu [peer-site])", pl->down_votes, sites, pl->n_peers);
}
