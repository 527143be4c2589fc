/*
 * config_priv.h — what the configuration parser (config.c), its fencing part
 * (config_fence.c) and the model (config_model.c) share and nobody else
 * needs: the parser's state and its error list.
 *
 * Errors are collected, never printed here; a file with any error yields no
 * model. Nothing in an error text may come from a secrets file's values.
 */
#ifndef RELEVO_CONFIG_PRIV_H
#define RELEVO_CONFIG_PRIV_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"

#define NAME_MAX_LEN 63      /* site, node, resource, fence, param, option */
#define MAX_RESOURCES 16
#define MAX_PARAMS 64
#define MAX_FENCES 16        /* relevod's fencing.c runs at most 16 methods */
#define MAX_OPTIONS 64       /* option.NAME and secrets lines of one method */
#define MAX_SECTION_KEYS 16
#define NAME_RULE "use letters, digits, '_', '.' and '-', at most 63 characters"
#define FENCE_AGENT_DIR "/usr/sbin"

enum sec_kind {
	SEC_NONE,     /* before the first header */
	SEC_SKIP,     /* a header in error: its keys are ignored, not reported */
	SEC_SITE,
	SEC_DAEMON,
	SEC_NODE,
	SEC_RESOURCE,
	SEC_FENCE,
	SEC_WATCHDOG,
	SEC_INNER_LINK,
	SEC_POOL,
	SEC_PEER_SITE,
};

struct cfg_err {
	int line; /* 0: about the whole file */
	size_t seq;
	char *msg;
};

struct section_def;

struct parse_ctx {
	const char *path;
	FILE *f;
	struct rv_config *cfg;
	int lineno;       /* the physical line inih is working on */
	int read_errno;
	int oom;
	int key_pending;  /* a key line inih has not called on_key() for yet */
	char sep;         /* first of '=' ':' on that line */

	/* the current section */
	enum sec_kind sec;
	const struct section_def *sdef;
	char label[16 + NAME_MAX_LEN]; /* "[resource NAME]" */
	int damaged;      /* a line of it was refused whole: skip its checks */
	size_t node;
	struct rv_resource_cfg *res;
	struct rv_fence_cfg *fence;
	struct rv_peer_site_cfg *peer;
	int key_line[MAX_SECTION_KEYS];
	int param_line[MAX_PARAMS];    /* of each param.NAME or option.NAME */

	/* across the file */
	int site_line;
	int daemon_line;
	int watchdog_line;
	int inner_link_line;
	int pool_line;
	int down_votes_line;           /* of the [pool]'s "down-votes" key */
	int flush_line;                /* of the [inner-link]'s "flush" key */
	int pref_line;
	int fencing_line;              /* of a "fencing" key that was accepted */
	int target_line[MAX_FENCES];   /* of each method's "target" key */

	struct cfg_err *errs;
	size_t n_errs;
	size_t cap_errs;
};

/* config.c */

/* Record an error at line (0: the whole file); on allocation failure the
 * parse is marked out of memory. */
void rv_cfg_err(struct parse_ctx *ctx, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* An error was recorded at line. */
int rv_cfg_has_err_at(const struct parse_ctx *ctx, int line);

/* The line of key in the current section, 0 if not given. */
int rv_cfg_key_line(const struct parse_ctx *ctx, const char *key);

/* [A-Za-z0-9_.-]{1,63} (dot_dash = 0: [A-Za-z0-9_]), never "." or "..". */
int rv_cfg_valid_name(const char *s, int dot_dash);

/* *slot = a copy of v (the old value freed); marks oom on failure. */
void rv_cfg_set_str(struct parse_ctx *ctx, char **slot, const char *v);

/* config_fence.c */

/* A "[fence NAME]" header: a new method with its defaults. */
void rv_cfg_open_fence(struct parse_ctx *ctx, const char *name, size_t len, int line);

/* "agent = " of a [fence]: a name in FENCE_AGENT_DIR or an absolute path,
 * an executable regular file. */
void rv_cfg_fence_agent(struct parse_ctx *ctx, const char *v);

/* "option.NAME = value" of a [fence]. */
void rv_cfg_fence_option(struct parse_ctx *ctx, const char *key, const char *value);

/* End of a [fence]: its secrets file (the key at key_line, 0: none) is
 * read and its lines appended to the options. */
void rv_cfg_close_fence(struct parse_ctx *ctx, int key_line);

/* End of the [watchdog]: the interval's default, or its check against the
 * timeout; the lines of the two keys (0: not given). */
void rv_cfg_close_watchdog(struct parse_ctx *ctx, int timeout_line, int interval_line);

/* What only the whole file can tell about fencing: methods against
 * "fencing", targets against the nodes, every node fenceable. */
void rv_cfg_check_fencing(struct parse_ctx *ctx);

/* config_inner_link.c */

/* "target = " of the [inner-link]: HOST, HOST:PORT or [IPv6]:PORT. */
void rv_cfg_inner_link_target(struct parse_ctx *ctx, const char *v);

/* "command = " of the [inner-link]: words split at blanks, the first an
 * absolute path to an executable regular file. */
void rv_cfg_inner_link_command(struct parse_ctx *ctx, const char *v);

/* End of the [inner-link]: target or command (one of them), ehlo only with
 * a target, timeout below interval; the lines of those keys (0: not given). */
void rv_cfg_close_inner_link(struct parse_ctx *ctx, int target_line, int command_line,
			     int ehlo_line, int timeout_line, int interval_line);

/* What only the whole file can tell: a flush needs the Postfix instance of
 * an ocf:relevo:mta resource. */
void rv_cfg_check_inner_link(struct parse_ctx *ctx);

/* config_pool.c */

/* A "[peer-site NAME]" header. */
void rv_cfg_open_peer_site(struct parse_ctx *ctx, const char *name, size_t len, int line);

/* End of the [pool] and of a [peer-site]: the values only the whole
 * section can check (names, addresses, the key file's permissions). */
void rv_cfg_close_pool(struct parse_ctx *ctx);
void rv_cfg_close_peer_site(struct parse_ctx *ctx);

/* What only the whole file can tell: peer sites need a [pool] and differ
 * from this site, down-votes fits the number of sites. */
void rv_cfg_check_pool(struct parse_ctx *ctx);

/* config_model.c */

/* Fill cfg->digest: SHA-256 over a canonical, length-prefixed form of the
 * model (nodes sorted by id, resources and fence methods in order, their
 * params and options sorted by name, option values hashed on their own).
 * Returns 0 or -ENOMEM. */
int rv_config_digest_model(struct rv_config *cfg);

#endif
