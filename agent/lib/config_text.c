/*
 * config_text.c — a configuration's fencing in words (see config_text.h).
 *
 * Only reads the model. Each sentence states a rule relevod applies; when
 * the daemon's rules change, this text changes with them. Option values are
 * never read here.
 */
#include "autoconf.h"

#include "config_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WRAP_COLUMNS 78
#define NBSP "\x1f" /* a blank the lines are not broken at; printed as ' ' */

struct text {
	char *s;
	size_t len, cap;
	int oom;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->oom = 1;
		return;
	}
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = 2 * (t->len + (size_t)n + 1);
		char *grown = realloc(t->s, cap);

		if (grown == NULL) {
			t->oom = 1;
			return;
		}
		t->s = grown;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static char *
finish(struct text *t)
{
	if (t->oom || t->s == NULL) {
		free(t->s);
		return t->oom ? NULL : strdup("");
	}
	return t->s;
}

/* Columns of s's first n bytes: UTF-8 continuation bytes take none. */
static size_t
columns(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* para as lines of at most WRAP_COLUMNS, broken at blanks, continuation
 * lines indented by two; a word longer than a line stands alone. */
static void
add_wrapped(struct text *out, const char *para)
{
	const char *p = para;
	size_t col = 0, indent = 0, i;

	while (*p != '\0') {
		size_t word = strcspn(p, " ");
		size_t w = columns(p, word);

		if (col > indent && col + 1 + w > WRAP_COLUMNS) {
			add(out, "\n  ");
			col = indent = 2;
		} else if (col > indent) {
			add(out, " ");
			col++;
		}
		for (i = 0; i < word; i++)
			add(out, "%c", p[i] == NBSP[0] ? ' ' : p[i]);
		col += w;
		p += word;
		while (*p == ' ')
			p++;
	}
	add(out, "\n");
}

static void
fmt_ms(uint64_t ms, char *out, size_t size)
{
	if (ms % 1000 == 0)
		snprintf(out, size, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(out, size, "%llums", (unsigned long long)ms);
}

static const char *
base_name(const char *path)
{
	const char *slash = path != NULL ? strrchr(path, '/') : NULL;

	return slash != NULL ? slash + 1 : path != NULL ? path : "?";
}

/* The methods' agents, each named once, in order: "fence_ipmilan" or
 * "fence_ipmilan, fence_apc". */
static void
add_agents(struct text *t, const struct rv_config *cfg)
{
	size_t i, j, named = 0;

	for (i = 0; i < cfg->n_fences; i++) {
		const char *a = base_name(cfg->fences[i].agent);

		for (j = 0; j < i; j++)
			if (strcmp(base_name(cfg->fences[j].agent), a) == 0)
				break;
		if (j == i)
			add(t, "%s%s", named++ > 0 ? ", " : "", a);
	}
}

/* What the methods do to the peer: "powered off", "rebooted" or both. */
static const char *
fence_verb(const struct rv_config *cfg)
{
	size_t i, reboot = 0;

	for (i = 0; i < cfg->n_fences; i++)
		reboot += cfg->fences[i].reboot != 0;
	if (reboot == 0)
		return "powered off";
	if (reboot == cfg->n_fences)
		return "rebooted";
	return "powered off or rebooted";
}

char *
rv_config_fencing_brief(const struct rv_config *cfg)
{
	struct text t = { 0 };
	char d[32];
	int sep = 0;

	if (cfg->fencing_off) {
		add(&t, "OFF (UNSAFE)");
		return finish(&t);
	}
	add(&t, "on (");
	if (cfg->n_fences > 0) {
		add(&t, "%zu method%s", cfg->n_fences, cfg->n_fences == 1 ? "" : "s");
		sep = 1;
	}
	if (cfg->watchdog.enabled) {
		fmt_ms(cfg->watchdog.timeout_ms, d, sizeof(d));
		add(&t, "%swatchdog %s", sep ? ", " : "", d);
		sep = 1;
	}
	add(&t, "%switness %s)", sep ? ", " : "",
	    cfg->witness == RV_WITNESS_QDEVICE ? "qdevice" : "none");
	return finish(&t);
}

static void
add_summary(struct text *out, const struct rv_config *cfg)
{
	struct text t = { 0 };
	char d[32];
	size_t i;

	if (cfg->fencing_off) {
		add(&t, "fencing: OFF — no fencing method");
	} else {
		add(&t, "fencing: on — methods:");
		for (i = 0; i < cfg->n_fences; i++) {
			const struct rv_fence_cfg *f = &cfg->fences[i];

			add(&t, "%s %s (%s, %s%s%s)", i > 0 ? "," : "", f->name,
			    base_name(f->agent), f->target != NULL ? f->target : "either node",
			    f->reboot ? ", reboot" : "", f->no_status ? ", no status" : "");
		}
		if (cfg->n_fences == 0)
			add(&t, " none");
		if (cfg->watchdog.enabled) {
			fmt_ms(cfg->watchdog.timeout_ms, d, sizeof(d));
			add(&t, "; watchdog %s %s", cfg->watchdog.device, d);
		} else {
			add(&t, "; watchdog: none");
		}
	}
	add(&t, "; witness: %s", cfg->witness == RV_WITNESS_QDEVICE ? "qdevice" : "none");
	if (t.oom) {
		out->oom = 1;
	} else {
		add_wrapped(out, t.s);
	}
	free(t.s);
}

/* The paragraph after "protection:"; see config_text.h for the rules. */
static void
add_protection(struct text *t, const struct rv_config *cfg)
{
	int qdev = cfg->witness == RV_WITNESS_QDEVICE;
	char tmo[32], wait[32], delay[32], grace[32];

	fmt_ms(cfg->watchdog.timeout_ms, tmo, sizeof(tmo));
	fmt_ms(2 * cfg->watchdog.timeout_ms, wait, sizeof(wait));
	fmt_ms(cfg->fence_delay_ms, delay, sizeof(delay));
	fmt_ms(cfg->agent_lost_grace_ms, grace, sizeof(grace));

	if (cfg->fencing_off) {
		add(t, "protection: NONE — a node takes over a peer it cannot see; after a "
		    "partition both may run the site (UNSAFE, lab only).");
		return;
	}
	if (cfg->n_fences == 0) {
		if (qdev)
			add(t, "protection: watchdog and the qdevice witness — a node holding "
			    "the site that loses its peer and the witness vote stops feeding "
			    "%s %s later and is reset; the partition holding the witness vote "
			    "takes over %s (2" NBSP "×" NBSP "timeout) after losing the peer.",
			    cfg->watchdog.device, tmo, wait);
		else
			add(t, "protection: watchdog only, no witness — a node holding the site "
			    "that loses its peer stops feeding %s %s later and is reset, but "
			    "a lost peer is never taken over: without a witness vote the "
			    "watchdog wait cannot tell a dead peer from a cut-off one, so the "
			    "standby stays BLOCKED until the peer is back.",
			    cfg->watchdog.device, tmo);
	} else {
		add(t, "protection: a lost peer is %s (", fence_verb(cfg));
		add_agents(t, cfg);
		add(t, ") before this node takes over");
		if (cfg->fence_delay_ms > 0)
			add(t, "; in a partition the standby waits fence-delay (%s) before "
			    "fencing the holder, so the holder wins the race", delay);
		if (cfg->watchdog.enabled && !qdev)
			add(t, ". If every method fails, the node stays BLOCKED and retries: "
			    "the watchdog wait needs the witness vote, so it never takes over "
			    "a peer that was not fenced; a holder that lost its peer and has "
			    "not fenced it within %s stops feeding %s and is reset.",
			    tmo, cfg->watchdog.device);
		else if (cfg->watchdog.enabled)
			add(t, ". If every method fails, the watchdog wait (%s) applies: a "
			    "holder that lost its peer%s has not fenced %s within %s%s stops "
			    "feeding %s and is reset, and the survivor takes over %s "
			    "(2" NBSP "×" NBSP "timeout) after losing the peer.", wait,
			    qdev ? " and the witness vote, and" : " and", qdev ? "the peer" : "it",
			    tmo, qdev ? "," : "", cfg->watchdog.device, wait);
		else
			add(t, ". If every method fails, the node stays BLOCKED and retries: "
			    "it never takes over a peer that was not fenced.");
		if (qdev)
			add(t, " With the qdevice witness only the partition holding the "
			    "witness vote proceeds.");
	}
	add(t, " A peer whose relevod is gone while its node stays a member is fenced "
	    "after agent-lost-grace (%s).", grace);
}

static void
add_warnings(struct text *out, const struct rv_config *cfg)
{
	struct text t = { 0 };
	int covered[2] = { 0, 0 };
	size_t i, j;

	if (cfg->fencing_off)
		return;
	for (j = 0; j < cfg->n_nodes && j < 2; j++)
		for (i = 0; i < cfg->n_fences; i++)
			if (cfg->fences[i].target == NULL ||
			    strcmp(cfg->fences[i].target, cfg->nodes[j].name) == 0)
				covered[j] = 1;
	/* with the witness only one partition may fence: no race */
	if (covered[0] && covered[1] && cfg->fence_delay_ms == 0 &&
	    cfg->witness != RV_WITNESS_QDEVICE)
		add(&t, "warning: fence-delay is 0: in a partition both nodes fence at once "
		    "and may power each other off.\n");
	if (cfg->watchdog.enabled && cfg->witness != RV_WITNESS_QDEVICE)
		add(&t, "warning: the watchdog wait needs a witness: with witness = none a "
		    "lost peer that no [fence] method confirms off is never taken over; "
		    "set witness = qdevice (corosync-qdevice).\n");
	for (i = 0; i < cfg->n_fences; i++)
		if (cfg->fences[i].no_status)
			add(&t, "warning: [fence %s] trusts the exit code of off (no-status = yes): "
			    "nothing confirms the node is off.\n", cfg->fences[i].name);
	for (j = 0; cfg->n_fences > 0 && j < cfg->n_nodes && j < 2; j++)
		if (!covered[j])
			add(&t, cfg->watchdog.enabled && cfg->witness == RV_WITNESS_QDEVICE ?
			    "warning: no method fences node %s: only the watchdog wait covers "
			    "it.\n" : "warning: no method fences node %s: if it is lost, it is "
			    "never taken over.\n", cfg->nodes[j].name);
	/* the holder fences at once, but must be done within the watchdog
	 * timeout, off and its status check each taking up to the timeout */
	for (j = 0; cfg->watchdog.enabled && cfg->witness != RV_WITNESS_QDEVICE &&
		    j < cfg->n_nodes && j < 2; j++) {
		const struct rv_node_cfg *n = &cfg->nodes[j];
		uint64_t worst = 0;
		char w[32], tmo[32];

		for (i = 0; i < cfg->n_fences; i++) {
			const struct rv_fence_cfg *f = &cfg->fences[i];

			if (f->target == NULL || strcmp(f->target, n->name) == 0)
				worst += (f->reboot || f->no_status ? 1 : 2) * f->timeout_ms;
		}
		if (worst <= cfg->watchdog.timeout_ms)
			continue;
		fmt_ms(worst, w, sizeof(w));
		fmt_ms(cfg->watchdog.timeout_ms, tmo, sizeof(tmo));
		add(&t, "warning: fencing node %s may take up to %s (its methods' timeouts), "
		    "longer than the watchdog timeout (%s): a holder still fencing it then "
		    "is reset.\n", n->name, w, tmo);
	}
	if (t.oom) {
		out->oom = 1;
	} else if (t.s != NULL) {
		char *line = t.s, *nl;

		/* one paragraph per line */
		while ((nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			add_wrapped(out, line);
			line = nl + 1;
		}
	}
	free(t.s);
}

char *
rv_config_protection_text(const struct rv_config *cfg)
{
	struct text out = { 0 }, p = { 0 };

	add_summary(&out, cfg);
	add_protection(&p, cfg);
	if (p.oom)
		out.oom = 1;
	else
		add_wrapped(&out, p.s);
	free(p.s);
	add_warnings(&out, cfg);
	return finish(&out);
}
