/*
 * config.c — load the site's INI file into the model of config.h, with every
 * error of the file reported as "path:line: message", and the digest the two
 * nodes compare.
 *
 * inih splits "key = value" lines and strips comments; everything around it is
 * here: a line reader that hands inih one physical line at a time (so the line
 * number is known in the callback, and inih's multi-line continuation and its
 * truncation of long lines and long section names never apply), section
 * headers, sorted key tables with their ranges, and the checks that need the
 * whole file. The fencing sections' own rules (agents, options, secrets
 * files, the watchdog) are in config_fence.c, the [inner-link]'s in
 * config_inner_link.c. A file with any error is
 * refused whole: this must never return a model built from a truncated,
 * partial or guessed value.
 */
#include "autoconf.h"

#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ini.h>
#include <openssl/evp.h>

#include "config_priv.h"
#include "util.h"

#ifndef OCF_ROOT_DIR
#error "OCF_ROOT_DIR must be defined by the build"
#endif
#ifndef LOCALSTATEDIR
#error "LOCALSTATEDIR must be defined by the build"
#endif

#define DEFAULT_STATE_DIR LOCALSTATEDIR "/lib/relevo"

#define PARAM_PREFIX "param."
#define OPTION_PREFIX "option."

enum val_type {
	V_NAME,    /* char *, [A-Za-z0-9_.-]{1,63} */
	V_PATH,    /* char *, absolute path */
	V_FENCING, /* int fencing_off, "on" or "off" */
	V_WITNESS, /* int, enum rv_witness: "none" or "qdevice" */
	V_ACTION,  /* int reboot, "off" or "reboot" */
	V_BOOL,    /* int, yes/no (rv_parse_bool) */
	V_AGENT,   /* ocf:PROVIDER:TYPE, into the resource's three strings */
	V_FENCE_AGENT, /* char *, the fence agent's absolute path */
	V_ID,      /* uint32_t, 1..UINT32_MAX */
	V_MS,      /* uint64_t milliseconds in min..max (or 0: KEY_ZERO_OK) */
	V_UINT,    /* unsigned in min..max */
	V_TARGET,  /* [inner-link] HOST:PORT, into host, port and target */
	V_COMMAND, /* [inner-link] command line, into argv */
	V_TEXT,    /* char *, any text, checked when its section ends */
};

struct key_def {
	const char *name;
	enum val_type type;
	size_t off;        /* into the section's struct */
	const char *range; /* as printed in errors */
	uint64_t min, max;
	unsigned flags;
};

#define KEY_REQUIRED 0x1
#define KEY_ZERO_OK 0x2   /* V_MS: 0 is accepted below min */
#define KEY_WHOLE_S 0x4   /* V_MS: whole seconds only */

#define CFG(f) offsetof(struct rv_config, f)
#define NODE(f) offsetof(struct rv_node_cfg, f)
#define RES(f) offsetof(struct rv_resource_cfg, f)
#define FENCE(f) offsetof(struct rv_fence_cfg, f)
#define WD(f) (offsetof(struct rv_config, watchdog) + offsetof(struct rv_watchdog_cfg, f))
#define IL(f) (offsetof(struct rv_config, inner_link) + offsetof(struct rv_inner_link_cfg, f))
#define PL(f) (offsetof(struct rv_config, pool) + offsetof(struct rv_pool_cfg, f))
#define PEER(f) offsetof(struct rv_peer_site_cfg, f)
#define MS_S 1000ULL
#define MS_M (60 * MS_S)
#define MS_H (60 * MS_M)

/* Key tables, each sorted by name. */
static const struct key_def site_keys[] = {
	{ "agent-lost-grace", V_MS, CFG(agent_lost_grace_ms), "1s..600s", MS_S, 600 * MS_S, 0 },
	{ "fence-delay", V_MS, CFG(fence_delay_ms), "0..60s", 0, 60 * MS_S, 0 },
	{ "fencing", V_FENCING, CFG(fencing_off), NULL, 0, 0, KEY_REQUIRED },
	{ "name", V_NAME, CFG(site), NULL, 0, 0, KEY_REQUIRED },
	{ "preferred-node", V_NAME, CFG(preferred_node), NULL, 0, 0, 0 },
	{ "witness", V_WITNESS, CFG(witness), NULL, 0, 0, 0 },
};

static const struct key_def daemon_keys[] = {
	{ "ocf-root", V_PATH, CFG(ocf_root), NULL, 0, 0, 0 },
	{ "peer-wait", V_MS, CFG(peer_wait_ms), "0..5m", 0, 5 * MS_M, 0 },
	{ "state-dir", V_PATH, CFG(state_dir), NULL, 0, 0, 0 },
	{ "state-interval", V_MS, CFG(state_interval_ms), "100ms..60s", 100, 60 * MS_S, 0 },
};

static const struct key_def node_keys[] = {
	{ "id", V_ID, NODE(id), "1..4294967295", 1, UINT32_MAX, KEY_REQUIRED },
};

static const struct key_def resource_keys[] = {
	{ "agent", V_AGENT, RES(agent), NULL, 0, 0, KEY_REQUIRED },
	{ "drain-timeout", V_MS, RES(drain_timeout_ms), "0 or 1s..10m", MS_S, 10 * MS_M,
	  KEY_ZERO_OK },
	{ "migration-threshold", V_UINT, RES(migration_threshold), "0..1000", 0, 1000, 0 },
	{ "monitor-interval", V_MS, RES(monitor_interval_ms), "0 or 1s..24h", MS_S, 24 * MS_H,
	  KEY_ZERO_OK },
	{ "monitor-level", V_UINT, RES(monitor_level), "0..100", 0, 100, 0 },
	{ "monitor-timeout", V_MS, RES(monitor_timeout_ms), "1s..1h", MS_S, MS_H, 0 },
	{ "start-timeout", V_MS, RES(start_timeout_ms), "1s..1h", MS_S, MS_H, 0 },
	{ "stop-timeout", V_MS, RES(stop_timeout_ms), "1s..1h", MS_S, MS_H, 0 },
};

static const struct key_def fence_keys[] = {
	{ "action", V_ACTION, FENCE(reboot), NULL, 0, 0, 0 },
	{ "agent", V_FENCE_AGENT, FENCE(agent), NULL, 0, 0, KEY_REQUIRED },
	{ "no-status", V_BOOL, FENCE(no_status), NULL, 0, 0, 0 },
	{ "secrets-file", V_PATH, FENCE(secrets_file), NULL, 0, 0, 0 },
	{ "target", V_NAME, FENCE(target), NULL, 0, 0, 0 },
	{ "timeout", V_MS, FENCE(timeout_ms), "1s..300s", MS_S, 300 * MS_S, 0 },
};

/* The interval's relation to the timeout is checked when the section ends
 * (config_fence.c). */
static const struct key_def watchdog_keys[] = {
	{ "device", V_PATH, WD(device), NULL, 0, 0, 0 },
	{ "interval", V_MS, WD(interval_ms), "100ms..60s", 100, 60 * MS_S, 0 },
	{ "timeout", V_MS, WD(timeout_ms), "2s..120s", 2 * MS_S, 120 * MS_S, KEY_WHOLE_S },
};

/* target or command, and timeout below interval, are checked when the
 * section ends (config_inner_link.c). */
static const struct key_def inner_link_keys[] = {
	{ "command", V_COMMAND, IL(argv), NULL, 0, 0, 0 },
	{ "ehlo", V_BOOL, IL(ehlo), NULL, 0, 0, 0 },
	{ "fall", V_UINT, IL(fall), "1..100", 1, 100, 0 },
	{ "flush", V_BOOL, IL(flush), NULL, 0, 0, 0 },
	{ "interval", V_MS, IL(interval_ms), "1s..1h", MS_S, MS_H, 0 },
	{ "rise", V_UINT, IL(rise), "1..100", 1, 100, 0 },
	{ "target", V_TARGET, IL(target), NULL, 0, 0, 0 },
	{ "timeout", V_MS, IL(timeout_ms), "100ms..60s", 100, 60 * MS_S, 0 },
};

/* Names, addresses and the key file are checked when the section ends
 * (config_pool.c). */
static const struct key_def pool_keys[] = {
	{ "addresses", V_TEXT, PL(addresses), NULL, 0, 0, 0 },
	{ "down-after", V_UINT, PL(down_after), "1..100", 1, 100, 0 },
	{ "down-votes", V_UINT, PL(down_votes), "1..16", 1, RV_MAX_PEER_SITES + 1, 0 },
	{ "helper", V_PATH, PL(helper), NULL, 0, 0, 0 },
	{ "key-file", V_PATH, PL(key_file), NULL, 0, 0, KEY_REQUIRED },
	{ "key-name", V_TEXT, PL(key_name), NULL, 0, 0, 0 },
	{ "mx-name", V_TEXT, PL(mx_name), NULL, 0, 0, 0 },
	{ "mx-priority", V_UINT, PL(mx_priority), "0..65535", 0, 65535, 0 },
	{ "pool", V_TEXT, PL(kind), NULL, 0, 0, 0 },
	{ "probe", V_PATH, PL(probe), NULL, 0, 0, 0 },
	{ "probe-interval", V_MS, PL(probe_interval_ms), "1s..1h", MS_S, MS_H, 0 },
	{ "probe-timeout", V_MS, PL(probe_timeout_ms), "100ms..60s", 100, 60 * MS_S, 0 },
	{ "relay-name", V_TEXT, PL(relay_name), NULL, 0, 0, KEY_REQUIRED },
	{ "server", V_TEXT, PL(server), NULL, 0, 0, KEY_REQUIRED },
	{ "up-after", V_UINT, PL(up_after), "1..100", 1, 100, 0 },
	{ "zone", V_TEXT, PL(zone), NULL, 0, 0, KEY_REQUIRED },
};

static const struct key_def peer_site_keys[] = {
	{ "address", V_TEXT, PEER(address), NULL, 0, 0, KEY_REQUIRED },
	{ "addresses", V_TEXT, PEER(addresses), NULL, 0, 0, 0 },
	{ "relay-name", V_TEXT, PEER(relay_name), NULL, 0, 0, KEY_REQUIRED },
};

#define N_KEYS(t) (sizeof(t) / sizeof((t)[0]))

_Static_assert(N_KEYS(resource_keys) <= MAX_SECTION_KEYS, "key_line[] too small");
_Static_assert(N_KEYS(site_keys) <= MAX_SECTION_KEYS, "key_line[] too small");
_Static_assert(N_KEYS(fence_keys) <= MAX_SECTION_KEYS, "key_line[] too small");
_Static_assert(N_KEYS(inner_link_keys) <= MAX_SECTION_KEYS, "key_line[] too small");
_Static_assert(N_KEYS(pool_keys) <= MAX_SECTION_KEYS, "key_line[] too small");
_Static_assert(MAX_OPTIONS <= MAX_PARAMS, "param_line[] too small");

struct section_def {
	const char *kind;
	enum sec_kind sec;
	int named; /* [kind NAME] rather than [kind] */
	const struct key_def *keys;
	size_t n_keys;
};

/* Sorted by kind. */
static const struct section_def section_defs[] = {
	{ "daemon", SEC_DAEMON, 0, daemon_keys, N_KEYS(daemon_keys) },
	{ "fence", SEC_FENCE, 1, fence_keys, N_KEYS(fence_keys) },
	{ "inner-link", SEC_INNER_LINK, 0, inner_link_keys, N_KEYS(inner_link_keys) },
	{ "node", SEC_NODE, 1, node_keys, N_KEYS(node_keys) },
	{ "peer-site", SEC_PEER_SITE, 1, peer_site_keys, N_KEYS(peer_site_keys) },
	{ "pool", SEC_POOL, 0, pool_keys, N_KEYS(pool_keys) },
	{ "resource", SEC_RESOURCE, 1, resource_keys, N_KEYS(resource_keys) },
	{ "site", SEC_SITE, 0, site_keys, N_KEYS(site_keys) },
	{ "watchdog", SEC_WATCHDOG, 0, watchdog_keys, N_KEYS(watchdog_keys) },
};

void
rv_cfg_err(struct parse_ctx *ctx, int line, const char *fmt, ...)
{
	struct cfg_err *grown;
	va_list ap;
	char *msg;
	int n;

	if (ctx->n_errs == ctx->cap_errs) {
		size_t cap = ctx->cap_errs == 0 ? 8 : 2 * ctx->cap_errs;

		grown = realloc(ctx->errs, cap * sizeof(*grown));
		if (grown == NULL) {
			ctx->oom = 1;
			return;
		}
		ctx->errs = grown;
		ctx->cap_errs = cap;
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		ctx->oom = 1;
		return;
	}
	msg = malloc((size_t)n + 1);
	if (msg == NULL) {
		ctx->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);
	ctx->errs[ctx->n_errs].line = line;
	ctx->errs[ctx->n_errs].seq = ctx->n_errs;
	ctx->errs[ctx->n_errs].msg = msg;
	ctx->n_errs++;
}

int
rv_cfg_has_err_at(const struct parse_ctx *ctx, int line)
{
	size_t i;

	for (i = 0; i < ctx->n_errs; i++)
		if (ctx->errs[i].line == line)
			return 1;
	return 0;
}

/* In line order; errors about the whole file come last. */
static int
cmp_err(const void *a, const void *b)
{
	const struct cfg_err *x = a, *y = b;
	unsigned lx = (unsigned)(x->line == 0 ? INT_MAX : x->line);
	unsigned ly = (unsigned)(y->line == 0 ? INT_MAX : y->line);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static char *
format_errs(struct parse_ctx *ctx)
{
	size_t i, len = 0, off = 0;
	char *text;

	qsort(ctx->errs, ctx->n_errs, sizeof(ctx->errs[0]), cmp_err);
	for (i = 0; i < ctx->n_errs; i++)
		len += strlen(ctx->path) + strlen(ctx->errs[i].msg) + 16;
	text = malloc(len + 1);
	if (text == NULL)
		return NULL;
	text[0] = '\0';
	for (i = 0; i < ctx->n_errs; i++) {
		if (ctx->errs[i].line > 0)
			off += (size_t)snprintf(text + off, len + 1 - off, "%s:%d: %s\n",
			    ctx->path, ctx->errs[i].line, ctx->errs[i].msg);
		else
			off += (size_t)snprintf(text + off, len + 1 - off, "%s: %s\n",
			    ctx->path, ctx->errs[i].msg);
	}
	return text;
}

static int
is_name_char(char c, int dot_dash)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_')
		return 1;
	return dot_dash && (c == '.' || c == '-');
}

/* [A-Za-z0-9_.-]{1,63} (or [A-Za-z0-9_] without dot_dash), never "." or
 * "..": names end up in paths and environment variables. */
static int
valid_name_n(const char *s, size_t n, int dot_dash)
{
	size_t i;

	if (n == 0 || n > NAME_MAX_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_name_char(s[i], dot_dash))
			return 0;
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	return 1;
}

int
rv_cfg_valid_name(const char *s, int dot_dash)
{
	return valid_name_n(s, strlen(s), dot_dash);
}

/* s, a NUL-terminated name, equals the len bytes at name */
static int
same_name(const char *s, const char *name, size_t len)
{
	return strlen(s) == len && memcmp(s, name, len) == 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

void
rv_cfg_set_str(struct parse_ctx *ctx, char **slot, const char *v)
{
	char *copy = strdup(v);

	if (copy == NULL) {
		ctx->oom = 1;
		return;
	}
	free(*slot);
	*slot = copy;
}

static const struct key_def *
find_key(const struct section_def *sdef, const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < sdef->n_keys; i++) {
		if (strcmp(sdef->keys[i].name, name) == 0) {
			*idx = i;
			return &sdef->keys[i];
		}
	}
	return NULL;
}

/* The line of key name in the current section, 0 if not given. */
static int
key_line_of(const struct parse_ctx *ctx, const char *name)
{
	size_t i;

	if (ctx->sdef == NULL || find_key(ctx->sdef, name, &i) == NULL)
		return 0;
	return ctx->key_line[i];
}

int
rv_cfg_key_line(const struct parse_ctx *ctx, const char *key)
{
	return key_line_of(ctx, key);
}

/* End of a section: the keys it must have, and what a section can only
 * tell once all its keys are known. A damaged section has already been
 * reported; its missing keys would only repeat that. */
static void
close_section(struct parse_ctx *ctx)
{
	const struct section_def *sdef = ctx->sdef;
	int line = ctx->site_line;
	size_t i;

	if (ctx->sec == SEC_NODE)
		line = ctx->cfg->nodes[ctx->node].line;
	else if (ctx->sec == SEC_RESOURCE)
		line = ctx->res->line;
	else if (ctx->sec == SEC_FENCE)
		line = ctx->fence->line;
	else if (ctx->sec == SEC_POOL)
		line = ctx->pool_line;
	else if (ctx->sec == SEC_PEER_SITE)
		line = ctx->peer->line;
	if (sdef != NULL && !ctx->damaged) {
		for (i = 0; i < sdef->n_keys; i++) {
			if (!(sdef->keys[i].flags & KEY_REQUIRED) || ctx->key_line[i] != 0)
				continue;
			if (sdef->keys[i].type == V_FENCING)
				rv_cfg_err(ctx, line, "missing key 'fencing' in [site]: write "
				    "'fencing = on' with a [fence NAME] or [watchdog] section, or "
				    "'fencing = off' (UNSAFE: for a lab only)");
			else
				rv_cfg_err(ctx, line, "missing key '%s' in %s",
				    sdef->keys[i].name, ctx->label);
		}
	}
	if (ctx->sec == SEC_SITE)
		ctx->pref_line = key_line_of(ctx, "preferred-node");
	if (ctx->sec == SEC_FENCE) {
		ctx->target_line[ctx->fence - ctx->cfg->fences] = key_line_of(ctx, "target");
		if (!ctx->oom)
			rv_cfg_close_fence(ctx, key_line_of(ctx, "secrets-file"));
	}
	if (ctx->sec == SEC_WATCHDOG)
		rv_cfg_close_watchdog(ctx, key_line_of(ctx, "timeout"),
				      key_line_of(ctx, "interval"));
	if (ctx->sec == SEC_INNER_LINK) {
		ctx->flush_line = key_line_of(ctx, "flush");
		if (!ctx->damaged)
			rv_cfg_close_inner_link(ctx, key_line_of(ctx, "target"),
						key_line_of(ctx, "command"),
						key_line_of(ctx, "ehlo"),
						key_line_of(ctx, "timeout"),
						key_line_of(ctx, "interval"));
	}
	if (ctx->sec == SEC_POOL) {
		ctx->down_votes_line = key_line_of(ctx, "down-votes");
		if (!ctx->damaged && !ctx->oom)
			rv_cfg_close_pool(ctx);
	}
	if (ctx->sec == SEC_PEER_SITE && !ctx->damaged && !ctx->oom)
		rv_cfg_close_peer_site(ctx);
	ctx->sec = SEC_NONE;
	ctx->sdef = NULL;
	ctx->peer = NULL;
	ctx->damaged = 0;
	ctx->res = NULL;
	ctx->fence = NULL;
	memset(ctx->key_line, 0, sizeof(ctx->key_line));
	memset(ctx->param_line, 0, sizeof(ctx->param_line));
}

static void
open_node(struct parse_ctx *ctx, const char *name, size_t len, int line)
{
	struct rv_config *cfg = ctx->cfg;
	size_t i;

	for (i = 0; i < cfg->n_nodes; i++) {
		if (same_name(cfg->nodes[i].name, name, len)) {
			rv_cfg_err(ctx, line, "duplicate section %s (first at line %d)",
			    ctx->label, cfg->nodes[i].line);
			return;
		}
	}
	if (cfg->n_nodes == 2) {
		rv_cfg_err(ctx, line, "%s is a third node: a site has exactly two", ctx->label);
		return;
	}
	cfg->nodes[cfg->n_nodes].name = strndup(name, len);
	if (cfg->nodes[cfg->n_nodes].name == NULL) {
		ctx->oom = 1;
		return;
	}
	cfg->nodes[cfg->n_nodes].line = line;
	ctx->node = cfg->n_nodes++;
	ctx->sec = SEC_NODE;
}

static void
open_resource(struct parse_ctx *ctx, const char *name, size_t len, int line)
{
	struct rv_config *cfg = ctx->cfg;
	struct rv_resource_cfg *res;
	size_t i;

	for (i = 0; i < cfg->n_resources; i++) {
		if (same_name(cfg->resources[i].name, name, len)) {
			rv_cfg_err(ctx, line, "duplicate section %s (first at line %d)",
			    ctx->label, cfg->resources[i].line);
			return;
		}
	}
	if (cfg->n_resources == MAX_RESOURCES) {
		rv_cfg_err(ctx, line, "%s: at most %d resources are supported",
		    ctx->label, MAX_RESOURCES);
		return;
	}
	res = &cfg->resources[cfg->n_resources];
	res->name = strndup(name, len);
	res->params = calloc(MAX_PARAMS, sizeof(*res->params));
	cfg->n_resources++; /* counted now so that rv_config_free() sees it */
	if (res->name == NULL || res->params == NULL) {
		ctx->oom = 1;
		return;
	}
	res->start_timeout_ms = 20000;
	res->stop_timeout_ms = 20000;
	res->monitor_interval_ms = 10000;
	res->monitor_timeout_ms = 20000;
	res->monitor_level = 0;
	res->migration_threshold = 3;
	res->line = line;
	ctx->res = res;
	ctx->sec = SEC_RESOURCE;
}

/*
 * A "[...]" line. The closing ']' is looked for the way inih does (an inline
 * comment, ';' after a blank, ends the search) so that both agree on which
 * lines are headers. A header in error opens a section whose keys are
 * ignored: one error for the header, not one per key below it.
 */
static void
open_section(struct parse_ctx *ctx, const char *text, int line)
{
	const char *p = text + 1, *end, *q, *name;
	const struct section_def *sdef = NULL;
	size_t i, kind_len, name_len;

	close_section(ctx);
	ctx->sec = SEC_SKIP;
	for (end = p; *end != '\0' && *end != ']'; end++)
		if (*end == ';' && end > p && is_blank(end[-1]))
			break;
	if (*end != ']') {
		rv_cfg_err(ctx, line, "syntax error: section header without ']'");
		return;
	}
	for (q = end + 1; is_blank(*q); q++)
		;
	if (*q != '\0' && *q != ';' && *q != '#')
		rv_cfg_err(ctx, line, "syntax error: text after ']'");

	while (p < end && is_blank(*p))
		p++;
	while (end > p && is_blank(end[-1]))
		end--;
	for (kind_len = 0; p + kind_len < end && !is_blank(p[kind_len]); kind_len++)
		;
	for (name = p + kind_len; name < end && is_blank(*name); name++)
		;
	name_len = (size_t)(end - name);

	for (i = 0; i < N_KEYS(section_defs); i++)
		if (strlen(section_defs[i].kind) == kind_len &&
		    memcmp(section_defs[i].kind, p, kind_len) == 0)
			sdef = &section_defs[i];
	if (sdef == NULL) {
		rv_cfg_err(ctx, line, "unknown section [%.*s]", (int)(end - p), p);
		return;
	}
	if (sdef->named && name_len == 0) {
		rv_cfg_err(ctx, line, "[%s] needs a name: [%s NAME]", sdef->kind, sdef->kind);
		return;
	}
	if (!sdef->named && name_len != 0) {
		rv_cfg_err(ctx, line, "[%s] takes no name", sdef->kind);
		return;
	}
	if (sdef->named && !valid_name_n(name, name_len, 1)) {
		rv_cfg_err(ctx, line, "invalid %s name '%.*s': " NAME_RULE,
		    sdef->kind, (int)name_len, name);
		return;
	}
	if (sdef->named)
		snprintf(ctx->label, sizeof(ctx->label), "[%s %.*s]",
		    sdef->kind, (int)name_len, name);
	else
		snprintf(ctx->label, sizeof(ctx->label), "[%s]", sdef->kind);

	switch (sdef->sec) {
	case SEC_SITE:
	case SEC_DAEMON:
	case SEC_WATCHDOG:
	case SEC_INNER_LINK:
	case SEC_POOL: {
		int *first = sdef->sec == SEC_SITE ? &ctx->site_line :
			     sdef->sec == SEC_DAEMON ? &ctx->daemon_line :
			     sdef->sec == SEC_WATCHDOG ? &ctx->watchdog_line :
			     sdef->sec == SEC_POOL ? &ctx->pool_line
						   : &ctx->inner_link_line;

		if (*first != 0) {
			rv_cfg_err(ctx, line, "duplicate section %s (first at line %d)",
			    ctx->label, *first);
			return;
		}
		*first = line;
		ctx->sec = sdef->sec;
		break;
	}
	case SEC_NODE:
		open_node(ctx, name, name_len, line);
		break;
	case SEC_RESOURCE:
		open_resource(ctx, name, name_len, line);
		break;
	case SEC_FENCE:
		rv_cfg_open_fence(ctx, name, name_len, line);
		break;
	case SEC_PEER_SITE:
		rv_cfg_open_peer_site(ctx, name, name_len, line);
		break;
	default:
		return;
	}
	if (ctx->sec != SEC_SKIP)
		ctx->sdef = sdef;
}

/* A line that cannot be handed to inih as it is: inih gets a blank line. */
static char *
refuse_line(struct parse_ctx *ctx, char *str)
{
	const char *p = str;

	while (is_blank(*p))
		p++;
	if (*p == '[') {
		close_section(ctx);
		ctx->sec = SEC_SKIP;
	} else {
		ctx->damaged = 1;
	}
	str[0] = '\n';
	str[1] = '\0';
	return str;
}

/* The line before has been parsed: if it was a "key = value" line and inih
 * did not call on_key() for it, inih found no '=' there. */
static void
end_key_line(struct parse_ctx *ctx)
{
	if (!ctx->key_pending)
		return;
	ctx->key_pending = 0;
	rv_cfg_err(ctx, ctx->lineno, "syntax error: expected 'key = value'");
}

/*
 * inih's reader: one physical line per call, whatever inih's buffer size
 * (num), so inih's line count and ours are the same. Leading blanks are
 * removed, which keeps inih from reading an indented key as the continuation
 * of the key above. Lines that do not fit inih's buffer whole, or that hold
 * control characters (a NUL would cut the value short), are refused.
 */
static char *
read_line(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	size_t len = 0, count = 0, room, skip, i;
	int c, last = EOF;

	end_key_line(ctx);
	if (ctx->read_errno != 0 || ctx->oom || num < 4)
		return NULL; /* after a failed allocation the model is not whole */
	room = (size_t)num - 2; /* the line, '\n', NUL */
	while ((c = getc(ctx->f)) != EOF && c != '\n') {
		if (len < room)
			str[len++] = (char)c;
		count++;
		last = c;
	}
	if (c == EOF && ferror(ctx->f)) {
		ctx->read_errno = errno != 0 ? errno : EIO;
		return NULL;
	}
	if (c == EOF && count == 0)
		return NULL;
	if (ctx->lineno == INT_MAX) {
		ctx->read_errno = EFBIG;
		return NULL;
	}
	ctx->lineno++;
	if (last == '\r')
		count--; /* CRLF */
	if (len > count)
		len = count;
	str[len] = '\0';

	if (count > (size_t)num - 3) {
		rv_cfg_err(ctx, ctx->lineno, "line too long: more than %d characters", num - 3);
		return refuse_line(ctx, str);
	}
	for (i = 0; i < len; i++) {
		unsigned char u = (unsigned char)str[i];

		if ((u < 0x20 && u != '\t') || u == 0x7f) {
			rv_cfg_err(ctx, ctx->lineno, "control character 0x%02x in line", u);
			return refuse_line(ctx, str);
		}
	}
	skip = 0;
	if (ctx->lineno == 1 && len >= 3 && memcmp(str, "\xef\xbb\xbf", 3) == 0)
		skip = 3; /* UTF-8 byte order mark */
	while (skip < len && is_blank(str[skip]))
		skip++;
	memmove(str, str + skip, len - skip + 1);
	len -= skip;
	while (len > 0 && is_blank(str[len - 1]))
		str[--len] = '\0';

	if (str[0] == '[') {
		open_section(ctx, str, ctx->lineno);
	} else if (str[0] != '\0' && str[0] != ';' && str[0] != '#') {
		ctx->key_pending = 1;
		ctx->sep = str[strcspn(str, "=:")];
	}
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

static char *
section_base(struct parse_ctx *ctx)
{
	switch (ctx->sec) {
	case SEC_NODE:
		return (char *)&ctx->cfg->nodes[ctx->node];
	case SEC_RESOURCE:
		return (char *)ctx->res;
	case SEC_FENCE:
		return (char *)ctx->fence;
	case SEC_PEER_SITE:
		return (char *)ctx->peer;
	default: /* [site], [daemon], [watchdog], [inner-link]: offsets into the model */
		return (char *)ctx->cfg;
	}
}

static void
set_agent(struct parse_ctx *ctx, const char *v)
{
	struct rv_resource_cfg *res = ctx->res;
	const char *provider, *type;
	char *dup_p = NULL, *dup_t = NULL;

	if (strcspn(v, ":") != 3 || strncmp(v, "ocf", 3) != 0) {
		rv_cfg_err(ctx, ctx->lineno, "agent '%s': only OCF resource agents are "
		    "supported, as ocf:PROVIDER:TYPE", v);
		return;
	}
	provider = v + 4;
	type = strchr(provider, ':');
	if (v[3] != ':' || type == NULL ||
	    !valid_name_n(provider, (size_t)(type - provider), 1) || !rv_cfg_valid_name(type + 1, 1)) {
		rv_cfg_err(ctx, ctx->lineno, "agent '%s' is not ocf:PROVIDER:TYPE "
		    "(PROVIDER and TYPE: letters, digits, '_', '.' and '-')", v);
		return;
	}
	dup_p = strndup(provider, (size_t)(type - provider));
	dup_t = strdup(type + 1);
	if (dup_p == NULL || dup_t == NULL) {
		ctx->oom = 1;
		goto done;
	}
	rv_cfg_set_str(ctx, &res->agent, v);
	free(res->provider);
	free(res->type);
	res->provider = dup_p;
	res->type = dup_t;
	dup_p = NULL;
	dup_t = NULL;
done:
	free(dup_p);
	free(dup_t);
}

static void
set_value(struct parse_ctx *ctx, const struct key_def *k, const char *v)
{
	char *slot = section_base(ctx) + k->off;
	uint64_t u = 0;
	int rc = 0;

	switch (k->type) {
	case V_NAME:
		if (!rv_cfg_valid_name(v, 1)) {
			rv_cfg_err(ctx, ctx->lineno, "%s '%s' is not a valid name: " NAME_RULE,
			    k->name, v);
			return;
		}
		rv_cfg_set_str(ctx, (char **)slot, v);
		return;
	case V_PATH:
		if (v[0] != '/') {
			rv_cfg_err(ctx, ctx->lineno, "%s '%s' is not an absolute path",
			    k->name, v);
			return;
		}
		rv_cfg_set_str(ctx, (char **)slot, v);
		return;
	case V_FENCING:
	case V_WITNESS:
	case V_ACTION: {
		/* each value's index is what the model stores */
		static const char *const words[][2] = {
			[V_FENCING] = { "on", "off" },
			[V_WITNESS] = { "none", "qdevice" },
			[V_ACTION] = { "off", "reboot" },
		};
		const char *const *w = words[k->type];

		if (strcmp(v, w[0]) != 0 && strcmp(v, w[1]) != 0) {
			rv_cfg_err(ctx, ctx->lineno, "%s '%s' must be '%s' or '%s'",
			    k->name, v, w[0], w[1]);
			return;
		}
		*(int *)slot = strcmp(v, w[1]) == 0;
		if (k->type == V_FENCING)
			ctx->fencing_line = ctx->lineno;
		return;
	}
	case V_BOOL:
		if (rv_parse_bool(v, (int *)slot) < 0)
			rv_cfg_err(ctx, ctx->lineno, "%s '%s' must be 'yes' or 'no'", k->name, v);
		return;
	case V_AGENT:
		set_agent(ctx, v);
		return;
	case V_FENCE_AGENT:
		rv_cfg_fence_agent(ctx, v);
		return;
	case V_TARGET:
		rv_cfg_inner_link_target(ctx, v);
		return;
	case V_COMMAND:
		rv_cfg_inner_link_command(ctx, v);
		return;
	case V_TEXT:
		rv_cfg_set_str(ctx, (char **)slot, v);
		return;
	case V_MS:
		rc = rv_parse_duration_ms(v, k->max, &u);
		if (rc == -EINVAL) {
			rv_cfg_err(ctx, ctx->lineno, "%s '%s' is not a duration "
			    "(such as 500ms, 20s, 5m, 1h)", k->name, v);
			return;
		}
		break;
	case V_ID:
	case V_UINT:
		rc = rv_parse_uint(v, k->max, &u);
		if (rc == -EINVAL) {
			rv_cfg_err(ctx, ctx->lineno, "%s '%s' is not a number", k->name, v);
			return;
		}
		break;
	default:
		return;
	}
	if (rc == -ERANGE || (u < k->min && !((k->flags & KEY_ZERO_OK) && u == 0))) {
		rv_cfg_err(ctx, ctx->lineno, "%s '%s' is out of range (%s)", k->name, v, k->range);
		return;
	}
	if ((k->flags & KEY_WHOLE_S) && u % MS_S != 0) {
		rv_cfg_err(ctx, ctx->lineno, "%s '%s' is not a whole number of seconds "
		    "(the watchdog device counts seconds)", k->name, v);
		return;
	}
	if (k->type == V_MS) {
		*(uint64_t *)slot = u;
	} else if (k->type == V_UINT) {
		*(unsigned *)slot = (unsigned)u;
	} else {
		const struct rv_node_cfg *other = &ctx->cfg->nodes[1 - ctx->node];

		if (other->name != NULL && other->id == (uint32_t)u)
			rv_cfg_err(ctx, ctx->lineno, "id %s is already the id of [node %s]",
			    v, other->name);
		*(uint32_t *)slot = (uint32_t)u;
	}
}

static void
add_param(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct rv_resource_cfg *res = ctx->res;
	const char *name = key + strlen(PARAM_PREFIX);
	struct rv_param *p;
	size_t i;

	if (!rv_cfg_valid_name(name, 0)) {
		rv_cfg_err(ctx, ctx->lineno, "invalid parameter name '%s': use letters, digits "
		    "and '_' after '" PARAM_PREFIX "', at most 63 characters", key);
		return;
	}
	for (i = 0; i < res->n_params; i++) {
		if (strcmp(res->params[i].name, name) == 0) {
			rv_cfg_err(ctx, ctx->lineno, "duplicate key '%s' in %s (first at line %d)",
			    key, ctx->label, ctx->param_line[i]);
			return;
		}
	}
	if (*value == '\0')
		rv_cfg_err(ctx, ctx->lineno, "empty value for '%s'", key);
	if (res->n_params == MAX_PARAMS) {
		rv_cfg_err(ctx, ctx->lineno, "too many parameters in %s: at most %d",
		    ctx->label, MAX_PARAMS);
		return;
	}
	p = &res->params[res->n_params];
	p->name = strdup(name);
	p->value = strdup(value);
	ctx->param_line[res->n_params] = ctx->lineno;
	res->n_params++;
	if (p->name == NULL || p->value == NULL)
		ctx->oom = 1;
}

/* inih's handler: one call per "key = value" line. Always returns 1 (go on):
 * errors are collected here, so inih's own return value only ever reports
 * lines it could not split. */
static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *ctx = user;
	const struct key_def *k;
	size_t i;

	ctx->key_pending = 0;
	if (ctx->oom)
		return 1;
	if (ctx->sep == ':') {
		rv_cfg_err(ctx, ctx->lineno, "syntax error: use '=' between key and value");
		return 1;
	}
	if (*name == '\0') {
		rv_cfg_err(ctx, ctx->lineno, "syntax error: no key before '='");
		return 1;
	}
	if (ctx->sec == SEC_SKIP)
		return 1;
	if (ctx->sec == SEC_NONE) {
		rv_cfg_err(ctx, ctx->lineno, "key '%s' outside any section", name);
		return 1;
	}
	if (ctx->sec == SEC_RESOURCE &&
	    strncmp(name, PARAM_PREFIX, strlen(PARAM_PREFIX)) == 0) {
		add_param(ctx, name, value);
		return 1;
	}
	if (ctx->sec == SEC_FENCE &&
	    strncmp(name, OPTION_PREFIX, strlen(OPTION_PREFIX)) == 0) {
		rv_cfg_fence_option(ctx, name, value);
		return 1;
	}
	k = find_key(ctx->sdef, name, &i);
	if (k == NULL) {
		rv_cfg_err(ctx, ctx->lineno, "unknown key '%s' in %s", name, ctx->label);
		return 1;
	}
	if (ctx->key_line[i] != 0) {
		rv_cfg_err(ctx, ctx->lineno, "duplicate key '%s' in %s (first at line %d)",
		    name, ctx->label, ctx->key_line[i]);
		return 1;
	}
	ctx->key_line[i] = ctx->lineno;
	if (*value == '\0') {
		rv_cfg_err(ctx, ctx->lineno, "empty value for '%s'", name);
		return 1;
	}
	set_value(ctx, k, value);
	return 1;
}

/* What only the whole file can tell. */
static void
check_file(struct parse_ctx *ctx)
{
	struct rv_config *cfg = ctx->cfg;

	if (ctx->site_line == 0)
		rv_cfg_err(ctx, 0, "no [site] section");
	if (cfg->n_nodes != 2)
		rv_cfg_err(ctx, 0, "a site has exactly two [node NAME] sections, "
		    "this file has %zu", cfg->n_nodes);
	if (cfg->n_resources == 0)
		rv_cfg_err(ctx, 0, "no [resource NAME] section: "
		    "a site needs at least one resource");
	if (cfg->preferred_node != NULL &&
	    rv_config_node_by_name(cfg, cfg->preferred_node) == NULL)
		rv_cfg_err(ctx, ctx->pref_line, "preferred-node '%s' is not a [node] of this site",
		    cfg->preferred_node);
	rv_cfg_check_fencing(ctx);
	rv_cfg_check_inner_link(ctx);
	rv_cfg_check_pool(ctx);
}


static int
new_model(struct rv_config **cfgp, const char *path)
{
	struct rv_config *cfg;
	int rc = 0;

	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return -ENOMEM;
	cfg->path = strdup(path);
	cfg->ocf_root = strdup(OCF_ROOT_DIR);
	cfg->state_dir = strdup(DEFAULT_STATE_DIR);
	cfg->resources = calloc(MAX_RESOURCES, sizeof(*cfg->resources));
	cfg->fences = calloc(MAX_FENCES, sizeof(*cfg->fences));
	cfg->watchdog.device = strdup("/dev/watchdog");
	cfg->state_interval_ms = 1000;
	cfg->peer_wait_ms = 3000;
	cfg->fence_delay_ms = 5000;
	cfg->agent_lost_grace_ms = 10000;
	cfg->witness = RV_WITNESS_NONE;
	cfg->watchdog.timeout_ms = 10000;
	cfg->watchdog.interval_ms = 2000; /* timeout / 5; set again at [watchdog]'s end */
	cfg->inner_link.interval_ms = 5000;
	cfg->inner_link.timeout_ms = 3000;
	cfg->inner_link.rise = 2;
	cfg->inner_link.fall = 3;
	cfg->inner_link.flush = 1;
	cfg->pool.mx_priority = 10;
	cfg->pool.probe_interval_ms = 5000;
	cfg->pool.probe_timeout_ms = 3000;
	cfg->pool.down_after = 3;
	cfg->pool.up_after = 2;
	cfg->pool.peers = calloc(RV_MAX_PEER_SITES, sizeof(*cfg->pool.peers));
	if (cfg->path == NULL || cfg->ocf_root == NULL || cfg->state_dir == NULL ||
	    cfg->resources == NULL || cfg->fences == NULL || cfg->watchdog.device == NULL ||
	    cfg->pool.peers == NULL) {
		rc = -ENOMEM;
		goto done;
	}
	*cfgp = cfg;
	cfg = NULL;
done:
	rv_config_free(cfg);
	return rc;
}

int
rv_config_load(const char *path, struct rv_config **cfgp, char **errs)
{
	struct parse_ctx ctx;
	struct stat st;
	size_t i;
	int rc = 0, ret;

	if (errs != NULL)
		*errs = NULL;
	if (path == NULL || cfgp == NULL)
		return -EINVAL;
	*cfgp = NULL;
	memset(&ctx, 0, sizeof(ctx));
	ctx.path = path;

	ctx.f = fopen(path, "r");
	if (ctx.f == NULL) {
		rc = -errno;
		rv_cfg_err(&ctx, 0, "cannot open: %s", strerror(-rc));
		goto done;
	}
	if (fstat(fileno(ctx.f), &st) < 0) {
		rc = -errno;
		rv_cfg_err(&ctx, 0, "cannot open: %s", strerror(-rc));
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		rv_cfg_err(&ctx, 0, "cannot open: %s", strerror(EISDIR));
		goto done;
	}
	rc = new_model(&ctx.cfg, path);
	if (rc < 0)
		goto done;

	ret = ini_parse_stream(read_line, &ctx, on_key, &ctx);
	close_section(&ctx);
	if (ctx.read_errno != 0) {
		rc = -ctx.read_errno;
		rv_cfg_err(&ctx, 0, "cannot read: %s", strerror(ctx.read_errno));
		goto done;
	}
	if (ret == -2)
		ctx.oom = 1;
	else if (ret > 0 && !rv_cfg_has_err_at(&ctx, ret))
		rv_cfg_err(&ctx, ret, "syntax error");
	if (!ctx.oom)
		check_file(&ctx);
	if (ctx.oom) {
		rc = -ENOMEM;
		goto done;
	}
	if (ctx.n_errs > 0) {
		rc = -EINVAL;
		goto done;
	}
	rc = rv_config_digest_model(ctx.cfg);
	if (rc < 0) {
		rv_cfg_err(&ctx, 0, "cannot compute the digest: %s", strerror(-rc));
		goto done;
	}
	*cfgp = ctx.cfg;
	ctx.cfg = NULL;
done:
	if (rc == -ENOMEM) {
		for (i = 0; i < ctx.n_errs; i++)
			free(ctx.errs[i].msg);
		ctx.n_errs = 0;
		rv_cfg_err(&ctx, 0, "out of memory");
	}
	if (rc < 0 && errs != NULL)
		*errs = format_errs(&ctx);
	if (ctx.f != NULL)
		fclose(ctx.f);
	ctx.f = NULL;
	for (i = 0; i < ctx.n_errs; i++)
		free(ctx.errs[i].msg);
	free(ctx.errs);
	ctx.errs = NULL;
	rv_config_free(ctx.cfg);
	ctx.cfg = NULL;
	return rc;
}
