/*
 * config_inner_link.c — the [inner-link] part of the configuration parser:
 * how relevod probes the final delivery server (an SMTP target or a
 * command), and the checks that need the whole section or the whole file.
 *
 * config.c does the INI mechanics and calls in here for this section. The
 * command is never given to a shell: its words are split at blanks here,
 * and quoting, which would only be passed on literally, is refused rather
 * than half understood.
 */
#include "autoconf.h"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_priv.h"
#include "util.h"

#define HOST_MAX 253        /* a DNS name's longest text form */
#define COMMAND_MAX_WORDS 16

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A DNS name or an IPv4 address as the resolver takes it. */
static int
host_chars_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'))
			return 0;
	}
	return n > 0 && s[0] != '-' && s[0] != '.';
}

/* What goes between the brackets of [IPv6]. */
static int
v6_chars_ok(const char *s, size_t n)
{
	size_t i, colons = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == ':')
			colons++;
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			   (c >= 'A' && c <= 'F') || c == '.'))
			return 0;
	}
	return colons >= 2;
}

/*
 * HOST, HOST:PORT, [IPv6] or [IPv6]:PORT; the port defaults to 25. A bare
 * IPv6 address is refused: "2001:db8::1:25" cannot say where the port is.
 */
void
rv_cfg_inner_link_target(struct parse_ctx *ctx, const char *v)
{
	struct rv_inner_link_cfg *il = &ctx->cfg->inner_link;
	const char *host = v, *port = "25", *colon, *close;
	size_t host_len;
	uint64_t p;
	char buf[24];

	if (v[0] == '[') {
		close = strchr(v, ']');
		if (close == NULL) {
			rv_cfg_err(ctx, ctx->lineno, "target '%s': no ']' after the IPv6 address", v);
			return;
		}
		host = v + 1;
		host_len = (size_t)(close - host);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0') {
			rv_cfg_err(ctx, ctx->lineno, "target '%s': expected ':PORT' after ']'", v);
			return;
		}
		if (!v6_chars_ok(host, host_len)) {
			rv_cfg_err(ctx, ctx->lineno, "target '%s': '%.*s' is not an IPv6 address",
			    v, (int)host_len, host);
			return;
		}
	} else {
		colon = strchr(v, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			rv_cfg_err(ctx, ctx->lineno, "target '%s': put an IPv6 address in brackets, "
			    "as [2001:db8::25]:25", v);
			return;
		}
		host_len = colon != NULL ? (size_t)(colon - v) : strlen(v);
		if (colon != NULL)
			port = colon + 1;
		if (host_len > HOST_MAX || !host_chars_ok(host, host_len)) {
			rv_cfg_err(ctx, ctx->lineno, "target '%s': '%.*s' is not a host name or "
			    "address (letters, digits, '.', '-' and '_')", v,
			    host_len > HOST_MAX ? 16 : (int)host_len, host);
			return;
		}
	}
	if (rv_parse_uint(port, 65535, &p) < 0 || p == 0) {
		rv_cfg_err(ctx, ctx->lineno, "target '%s': port '%s' is not a number 1..65535",
		    v, port);
		return;
	}
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)p);
	free(il->host);
	il->host = strndup(host, host_len);
	rv_cfg_set_str(ctx, &il->port, buf);
	rv_cfg_set_str(ctx, &il->target, v);
	if (il->host == NULL)
		ctx->oom = 1;
}

static void
free_argv(struct rv_inner_link_cfg *il)
{
	size_t i;

	for (i = 0; il->argv != NULL && il->argv[i] != NULL; i++)
		free(il->argv[i]);
	free(il->argv);
	il->argv = NULL;
	il->argc = 0;
}

/*
 * The words of the command, split at blanks. The program must be an
 * executable regular file now: a check that could never run would leave
 * the link "unknown" for ever, unnoticed until the day it matters.
 */
void
rv_cfg_inner_link_command(struct parse_ctx *ctx, const char *v)
{
	struct rv_inner_link_cfg *il = &ctx->cfg->inner_link;
	const char *p = v, *w;
	struct stat st;
	char **argv;
	size_t n = 0;

	if (strpbrk(v, "'\"\\") != NULL) {
		rv_cfg_err(ctx, ctx->lineno, "command: quotes and backslashes are not supported "
		    "(the words are split at blanks and run without a shell)");
		return;
	}
	argv = calloc(COMMAND_MAX_WORDS + 1, sizeof(*argv));
	if (argv == NULL) {
		ctx->oom = 1;
		return;
	}
	for (;;) {
		while (is_blank(*p))
			p++;
		if (*p == '\0')
			break;
		if (n == COMMAND_MAX_WORDS) {
			rv_cfg_err(ctx, ctx->lineno, "command: more than %d words",
			    COMMAND_MAX_WORDS);
			goto fail;
		}
		for (w = p; *p != '\0' && !is_blank(*p); p++)
			;
		argv[n] = strndup(w, (size_t)(p - w));
		if (argv[n++] == NULL) {
			ctx->oom = 1;
			goto fail;
		}
	}
	if (argv[0][0] != '/') {
		rv_cfg_err(ctx, ctx->lineno, "command '%s': the program must be an absolute path",
		    argv[0]);
		goto fail;
	}
	if (stat(argv[0], &st) < 0) {
		rv_cfg_err(ctx, ctx->lineno, "command '%s': %s", argv[0], strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || access(argv[0], X_OK) < 0) {
		rv_cfg_err(ctx, ctx->lineno, "command '%s' is not an executable file", argv[0]);
		goto fail;
	}
	free_argv(il);
	il->argv = argv;
	il->argc = n;
	return;
fail:
	while (n > 0)
		free(argv[--n]);
	free(argv);
}

void
rv_cfg_close_inner_link(struct parse_ctx *ctx, int target_line, int command_line,
			int ehlo_line, int timeout_line, int interval_line)
{
	struct rv_inner_link_cfg *il = &ctx->cfg->inner_link;
	int line = ctx->inner_link_line;

	il->enabled = 1;
	il->line = line;
	if (target_line == 0 && command_line == 0)
		rv_cfg_err(ctx, line, "[inner-link] needs 'target = HOST:PORT' (an SMTP probe) "
		    "or 'command = /PATH ARGS' (exit 0: reachable)");
	if (target_line != 0 && command_line != 0)
		rv_cfg_err(ctx, command_line, "[inner-link] has both 'target' (line %d) and "
		    "'command': give one of them", target_line);
	if (ehlo_line != 0 && command_line != 0 && target_line == 0)
		rv_cfg_err(ctx, ehlo_line, "ehlo applies to an SMTP 'target', not to a 'command'");
	if ((timeout_line != 0 && rv_cfg_has_err_at(ctx, timeout_line)) ||
	    (interval_line != 0 && rv_cfg_has_err_at(ctx, interval_line)))
		return; /* one of the two is not known */
	if (il->timeout_ms >= il->interval_ms)
		rv_cfg_err(ctx, timeout_line != 0 ? timeout_line : interval_line != 0 ?
		    interval_line : line, "[inner-link] timeout (%llu ms) must be less than "
		    "interval (%llu ms)", (unsigned long long)il->timeout_ms,
		    (unsigned long long)il->interval_ms);
}

void
rv_cfg_check_inner_link(struct parse_ctx *ctx)
{
	const struct rv_config *cfg = ctx->cfg;
	size_t i;

	if (!cfg->inner_link.enabled || !cfg->inner_link.flush)
		return;
	for (i = 0; i < cfg->n_resources; i++)
		if (cfg->resources[i].provider != NULL && cfg->resources[i].type != NULL &&
		    strcmp(cfg->resources[i].provider, "relevo") == 0 &&
		    strcmp(cfg->resources[i].type, "mta") == 0)
			return;
	rv_cfg_err(ctx, ctx->flush_line != 0 ? ctx->flush_line : cfg->inner_link.line,
	    "[inner-link] flush = yes needs an ocf:relevo:mta resource (its config_dir names "
	    "the Postfix instance to flush): add one, or write 'flush = no'");
}
