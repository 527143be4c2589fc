/*
 * config_fence.c — the fencing part of the configuration parser: [fence NAME]
 * methods (the agent looked up and checked, option.NAME, the secrets file),
 * the [watchdog], and the checks that tie them to "fencing" and the nodes.
 *
 * config.c does the INI mechanics and calls in here for these sections.
 * Secrets: the values of a secrets file are copied into the model and
 * nowhere else: never into an error text, and every buffer that held them is
 * wiped before it is freed. An error about a secrets file names the file and
 * its line, and at most a name that passed the name rules.
 */
#include "autoconf.h"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_priv.h"

#define OPTION_PREFIX "option."
#define OPTION_RULE "use letters, digits, '_' and '-', at most 63 characters"
#define SECRETS_MAX (16 * 1024) /* with 64 option lines, still far below
				 * the 64 KiB an agent's stdin may take */
#define WD_INTERVAL_MIN 500

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The fence-agents API's option names as relevo accepts them:
 * [A-Za-z0-9_-]{1,63}. */
static int
valid_option_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > NAME_MAX_LEN)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* The runner writes the action itself, last; "option" is the API's old
 * name for it. Either one in the options would let a configuration (or a
 * secrets file) change what relevod asked for. */
static const char *
reserved_option(const char *name)
{
	if (strcmp(name, "action") == 0)
		return "relevod writes the action itself (action = off or reboot)";
	if (strcmp(name, "option") == 0)
		return "it is the fence agents' old name for the action, which relevod "
		       "writes itself";
	return NULL;
}

static void
fmt_ms(uint64_t ms, char *out, size_t size)
{
	if (ms % 1000 == 0)
		snprintf(out, size, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(out, size, "%llums", (unsigned long long)ms);
}

void
rv_cfg_open_fence(struct parse_ctx *ctx, const char *name, size_t len, int line)
{
	struct rv_config *cfg = ctx->cfg;
	struct rv_fence_cfg *f;
	size_t i;

	for (i = 0; i < cfg->n_fences; i++) {
		if (strlen(cfg->fences[i].name) == len &&
		    memcmp(cfg->fences[i].name, name, len) == 0) {
			rv_cfg_err(ctx, line, "duplicate section %s (first at line %d)",
			    ctx->label, cfg->fences[i].line);
			return;
		}
	}
	if (cfg->n_fences == MAX_FENCES) {
		rv_cfg_err(ctx, line, "%s: at most %d fencing methods are supported",
		    ctx->label, MAX_FENCES);
		return;
	}
	f = &cfg->fences[cfg->n_fences];
	f->name = strndup(name, len);
	f->options = calloc(MAX_OPTIONS, sizeof(*f->options));
	cfg->n_fences++; /* counted now so that rv_config_free() sees it */
	if (f->name == NULL || f->options == NULL) {
		ctx->oom = 1;
		return;
	}
	f->timeout_ms = 20000;
	f->line = line;
	ctx->fence = f;
	ctx->sec = SEC_FENCE;
}

/*
 * A bare name is looked up in FENCE_AGENT_DIR, where fence-agents installs
 * its agents; anything else must be an absolute path. Either way it must be
 * an executable regular file now: a method found missing only when a peer
 * has to be fenced would leave the site without protection unnoticed.
 */
void
rv_cfg_fence_agent(struct parse_ctx *ctx, const char *v)
{
	char path[sizeof(FENCE_AGENT_DIR) + NAME_MAX_LEN + 1];
	const char *p = v;
	struct stat st;

	if (strchr(v, '/') == NULL) {
		if (!rv_cfg_valid_name(v, 1)) {
			rv_cfg_err(ctx, ctx->lineno, "fence agent '%s' is not a valid name: "
			    NAME_RULE, v);
			return;
		}
		snprintf(path, sizeof(path), FENCE_AGENT_DIR "/%s", v);
		p = path;
		if (stat(p, &st) < 0) {
			rv_cfg_err(ctx, ctx->lineno, "fence agent '%s' not found in "
			    FENCE_AGENT_DIR, v);
			return;
		}
	} else if (v[0] != '/') {
		rv_cfg_err(ctx, ctx->lineno, "fence agent '%s': give an absolute path or a "
		    "name in " FENCE_AGENT_DIR, v);
		return;
	} else if (stat(p, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			rv_cfg_err(ctx, ctx->lineno, "fence agent '%s' not found", v);
		else
			rv_cfg_err(ctx, ctx->lineno, "fence agent '%s': %s", v, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		rv_cfg_err(ctx, ctx->lineno, "fence agent '%s' is not a regular file", p);
		return;
	}
	if (access(p, X_OK) < 0) {
		rv_cfg_err(ctx, ctx->lineno, "fence agent '%s' is not executable", p);
		return;
	}
	rv_cfg_set_str(ctx, &ctx->fence->agent, p);
}

/* The option named name (n bytes) of the current method, or -1. */
static ssize_t
find_option(const struct rv_fence_cfg *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n_options; i++)
		if (strcmp(f->options[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

void
rv_cfg_fence_option(struct parse_ctx *ctx, const char *key, const char *value)
{
	struct rv_fence_cfg *f = ctx->fence;
	const char *name = key + strlen(OPTION_PREFIX);
	const char *why;
	struct rv_param *o;
	ssize_t i;

	if (!valid_option_name(name, strlen(name))) {
		rv_cfg_err(ctx, ctx->lineno, "invalid option name '%s': use letters, digits, "
		    "'_' and '-' after '" OPTION_PREFIX "', at most 63 characters", key);
		return;
	}
	why = reserved_option(name);
	if (why != NULL) {
		rv_cfg_err(ctx, ctx->lineno, "%s is not allowed: %s", key, why);
		return;
	}
	i = find_option(f, name);
	if (i >= 0) {
		rv_cfg_err(ctx, ctx->lineno, "duplicate key '%s' in %s (first at line %d)",
		    key, ctx->label, ctx->param_line[i]);
		return;
	}
	if (*value == '\0')
		rv_cfg_err(ctx, ctx->lineno, "empty value for '%s'", key);
	if (f->n_options == MAX_OPTIONS) {
		rv_cfg_err(ctx, ctx->lineno, "too many options in %s: at most %d",
		    ctx->label, MAX_OPTIONS);
		return;
	}
	o = &f->options[f->n_options];
	o->name = strdup(name);
	o->value = strdup(value);
	ctx->param_line[f->n_options] = ctx->lineno;
	f->n_options++;
	if (o->name == NULL || o->value == NULL)
		ctx->oom = 1;
}

/*
 * The file's owner and mode, and its bytes into *bufp (NUL-terminated,
 * *lenp without it; the caller wipes and frees it). lstat() first: a
 * symbolic link is refused, and a device is never opened (opening a
 * watchdog device arms it). The file opened is checked to be the one
 * looked at. 0, or -1 with the errors recorded at line.
 */
static int
read_secrets(struct parse_ctx *ctx, const char *path, int line, char **bufp, size_t *lenp)
{
	struct stat st, fst;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	uid_t euid = geteuid();
	int fd = -1, bad = 0;

	*bufp = NULL;
	if (lstat(path, &st) < 0) {
		rv_cfg_err(ctx, line, "secrets file %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		rv_cfg_err(ctx, line, "secrets file %s is a symbolic link: name the file itself",
		    path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		rv_cfg_err(ctx, line, "secrets file %s is not a regular file", path);
		return -1;
	}
	/* Root's, or, for a relevo run by hand or by the unit tests as
	 * another user, that user's: nobody else may have put it there. */
	if (st.st_uid != 0 && st.st_uid != euid) {
		if (euid == 0)
			rv_cfg_err(ctx, line, "secrets file %s is owned by uid %u: it must be "
			    "owned by root", path, (unsigned)st.st_uid);
		else
			rv_cfg_err(ctx, line, "secrets file %s is owned by uid %u: it must be "
			    "owned by root or uid %u (this process)", path, (unsigned)st.st_uid,
			    (unsigned)euid);
		bad = 1;
	}
	if (st.st_mode & 044) {
		rv_cfg_err(ctx, line, "secrets file %s is readable by group or others "
		    "(mode %04o): chmod 600 it", path, (unsigned)(st.st_mode & 07777));
		bad = 1;
	} else if (st.st_mode & 033) {
		rv_cfg_err(ctx, line, "secrets file %s is accessible to group or others "
		    "(mode %04o): chmod 600 it", path, (unsigned)(st.st_mode & 07777));
		bad = 1;
	}
	if (st.st_size > SECRETS_MAX) {
		rv_cfg_err(ctx, line, "secrets file %s is larger than %d KiB", path,
		    SECRETS_MAX / 1024);
		bad = 1;
	}
	if (bad)
		return -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		rv_cfg_err(ctx, line, "secrets file %s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &fst) < 0 || fst.st_dev != st.st_dev || fst.st_ino != st.st_ino ||
	    !S_ISREG(fst.st_mode) || fst.st_uid != st.st_uid ||
	    (fst.st_mode & 07777) != (st.st_mode & 07777)) {
		rv_cfg_err(ctx, line, "secrets file %s changed while it was read", path);
		goto fail;
	}
	buf = calloc(1, SECRETS_MAX + 2);
	if (buf == NULL) {
		ctx->oom = 1;
		goto fail;
	}
	/* read one byte more than allowed, to see a file that grew */
	while (len <= SECRETS_MAX) {
		n = read(fd, buf + len, SECRETS_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rv_cfg_err(ctx, line, "secrets file %s: cannot read: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > SECRETS_MAX) {
		rv_cfg_err(ctx, line, "secrets file %s is larger than %d KiB", path,
		    SECRETS_MAX / 1024);
		goto fail;
	}
	close(fd);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	if (buf != NULL)
		explicit_bzero(buf, SECRETS_MAX + 2);
	free(buf);
	close(fd);
	return -1;
}

/* One line of a secrets file (s, n bytes, no line break), its number fline:
 * "name=value" appended to the method's options, or an error that shows
 * neither the line nor, unless it is a valid name, its name. */
static void
secrets_line(struct parse_ctx *ctx, const char *path, int line, int fline,
	     const char *s, size_t n, int *full)
{
	struct rv_fence_cfg *f = ctx->fence;
	const char *eq, *name, *value, *why;
	size_t name_len, value_len, i;
	struct rv_param *o;
	char nbuf[NAME_MAX_LEN + 1];
	ssize_t dup;

	if (n > 0 && s[n - 1] == '\r')
		n--; /* CRLF */
	for (i = 0; i < n; i++) {
		unsigned char u = (unsigned char)s[i];

		if ((u < 0x20 && u != '\t') || u == 0x7f) {
			rv_cfg_err(ctx, line, "secrets file %s line %d: control character in line",
			    path, fline);
			return;
		}
	}
	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	if (n == 0 || s[0] == '#')
		return;
	eq = memchr(s, '=', n);
	if (eq == NULL) {
		rv_cfg_err(ctx, line, "secrets file %s line %d: expected name=value", path, fline);
		return;
	}
	name = s;
	name_len = (size_t)(eq - s);
	while (name_len > 0 && is_blank(name[name_len - 1]))
		name_len--;
	value = eq + 1;
	value_len = n - (size_t)(value - s);
	while (value_len > 0 && is_blank(*value)) {
		value++;
		value_len--;
	}
	if (!valid_option_name(name, name_len)) {
		rv_cfg_err(ctx, line, "secrets file %s line %d: invalid option name: " OPTION_RULE,
		    path, fline);
		return;
	}
	memcpy(nbuf, name, name_len);
	nbuf[name_len] = '\0';
	why = reserved_option(nbuf);
	if (why != NULL) {
		rv_cfg_err(ctx, line, "secrets file %s line %d: '%s' is not allowed: %s",
		    path, fline, nbuf, why);
		return;
	}
	dup = find_option(f, nbuf);
	if (dup >= 0) {
		if (ctx->param_line[dup] > 0)
			rv_cfg_err(ctx, line, "secrets file %s line %d: '%s' is also "
			    "option.%s (line %d)", path, fline, nbuf, nbuf, ctx->param_line[dup]);
		else
			rv_cfg_err(ctx, line, "secrets file %s line %d: '%s' is set twice "
			    "(first at line %d)", path, fline, nbuf, -ctx->param_line[dup]);
		return;
	}
	if (value_len == 0) {
		rv_cfg_err(ctx, line, "secrets file %s line %d: empty value for '%s'",
		    path, fline, nbuf);
		return;
	}
	if (f->n_options == MAX_OPTIONS) {
		if (!(*full)++)
			rv_cfg_err(ctx, line, "secrets file %s line %d: too many options in "
			    "%s: at most %d", path, fline, ctx->label, MAX_OPTIONS);
		return;
	}
	o = &f->options[f->n_options];
	o->name = strdup(nbuf);
	o->value = strndup(value, value_len);
	ctx->param_line[f->n_options] = -fline; /* < 0: a line of the secrets file */
	f->n_options++;
	if (o->name == NULL || o->value == NULL)
		ctx->oom = 1;
}

void
rv_cfg_close_fence(struct parse_ctx *ctx, int key_line)
{
	struct rv_fence_cfg *f = ctx->fence;
	const char *p, *nl;
	char *buf = NULL;
	size_t len = 0;
	int fline = 0, full = 0;

	if (f == NULL || f->secrets_file == NULL || key_line == 0)
		return;
	if (read_secrets(ctx, f->secrets_file, key_line, &buf, &len) < 0)
		return;
	for (p = buf; p < buf + len && !ctx->oom; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(buf + len - p));
		if (nl == NULL)
			nl = buf + len;
		fline++;
		secrets_line(ctx, f->secrets_file, key_line, fline, p, (size_t)(nl - p),
			     &full);
	}
	explicit_bzero(buf, SECRETS_MAX + 2);
	free(buf);
}

/* Linux watchdog drivers take whole seconds; the feed must come well before
 * the timeout, so that a late loop turn is not taken for a hung daemon. */
void
rv_cfg_close_watchdog(struct parse_ctx *ctx, int timeout_line, int interval_line)
{
	struct rv_watchdog_cfg *wd = &ctx->cfg->watchdog;
	char t[32], iv[32];

	wd->enabled = 1;
	if (timeout_line != 0 && rv_cfg_has_err_at(ctx, timeout_line))
		return; /* the timeout is not known */
	if (interval_line == 0) {
		wd->interval_ms = wd->timeout_ms / 5;
		if (wd->interval_ms < WD_INTERVAL_MIN)
			wd->interval_ms = WD_INTERVAL_MIN;
		return;
	}
	if (rv_cfg_has_err_at(ctx, interval_line))
		return;
	if (2 * wd->interval_ms >= wd->timeout_ms) {
		fmt_ms(wd->interval_ms, iv, sizeof(iv));
		fmt_ms(wd->timeout_ms, t, sizeof(t));
		rv_cfg_err(ctx, interval_line, "interval '%s' must be less than half the "
		    "watchdog timeout (%s)", iv, t);
	}
}

void
rv_cfg_check_fencing(struct parse_ctx *ctx)
{
	struct rv_config *cfg = ctx->cfg;
	size_t i, j;

	for (i = 0; i < cfg->n_fences; i++) {
		const struct rv_fence_cfg *f = &cfg->fences[i];

		if (f->target != NULL && rv_config_node_by_name(cfg, f->target) == NULL)
			rv_cfg_err(ctx, ctx->target_line[i], "target '%s' is not a [node] of "
			    "this site", f->target);
	}
	if (ctx->fencing_line == 0)
		return; /* "fencing" missing or wrong: reported already */
	if (cfg->fencing_off) {
		/* both, or neither: a method left in a file that says off
		 * would look like protection that is not there */
		for (i = 0; i < cfg->n_fences; i++)
			rv_cfg_err(ctx, cfg->fences[i].line, "fencing = off but [fence %s] "
			    "configured: remove one", cfg->fences[i].name);
		if (ctx->watchdog_line != 0)
			rv_cfg_err(ctx, ctx->watchdog_line, "fencing = off but [watchdog] "
			    "configured: remove one");
		return;
	}
	if (cfg->n_fences == 0 && ctx->watchdog_line == 0) {
		rv_cfg_err(ctx, ctx->fencing_line, "fencing = on but no [fence NAME] or "
		    "[watchdog] section: configure a fencing method, or write "
		    "'fencing = off' (UNSAFE: for a lab only)");
		return;
	}
	if (ctx->watchdog_line != 0)
		return; /* the watchdog wait covers any node */
	for (j = 0; j < cfg->n_nodes && j < 2; j++) {
		const struct rv_node_cfg *n = &cfg->nodes[j];

		for (i = 0; i < cfg->n_fences; i++)
			if (cfg->fences[i].target == NULL ||
			    strcmp(cfg->fences[i].target, n->name) == 0)
				break;
		if (i == cfg->n_fences)
			rv_cfg_err(ctx, n->line, "no fencing method can fence node %s", n->name);
	}
}
