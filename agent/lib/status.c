/*
 * status.c — emitters for the status and history documents: text for
 * people, JSON for programs, Prometheus text format for monitoring.
 *
 * They only read the document. Field names come from the daemon's report
 * (agent/daemon/report.c); a field missing from a document prints as "-"
 * rather than failing, so an older daemon's answer still renders.
 */
#include "autoconf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ipc_proto.h"
#include "status.h"

/* ------------------------------------------------------------ access */

static json_object *
get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *
str(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return v != NULL && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
								       : NULL;
}

static const char *
str_or(json_object *o, const char *key, const char *dflt)
{
	const char *s = str(o, key);

	return s != NULL ? s : dflt;
}

static int
flag(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return v != NULL && json_object_get_boolean(v);
}

static int64_t
num(json_object *o, const char *key, int64_t dflt)
{
	json_object *v = get(o, key);

	return v != NULL && (json_object_is_type(v, json_type_int) ||
			     json_object_is_type(v, json_type_double))
		       ? json_object_get_int64(v) : dflt;
}

static size_t
count(json_object *a)
{
	return a != NULL && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

static json_object *
at(json_object *a, size_t i)
{
	return json_object_array_get_idx(a, i);
}

static void
append(char *buf, size_t len, const char *what)
{
	size_t used = strlen(buf);

	if (used >= len)
		return;
	snprintf(buf + used, len - used, "%s%s", used ? "; " : "", what);
}

static void
fmt_duration(char *buf, size_t len, int64_t ms)
{
	if (ms < 0)
		snprintf(buf, len, "-");
	else if (ms < 10000)
		snprintf(buf, len, "%" PRId64 " ms", ms);
	else if (ms < 120000)
		snprintf(buf, len, "%" PRId64 "s", ms / 1000);
	else if (ms < 7200000)
		snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s", ms / 60000, ms / 1000 % 60);
	else
		snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m", ms / 3600000, ms / 60000 % 60);
}

/* ------------------------------------------------------------ verdict */

enum rv_verdict
rv_status_verdict(json_object *st, char *reasons, size_t len)
{
	enum rv_verdict v = RV_VERDICT_OK;
	json_object *nodes = get(st, "nodes"), *res = get(st, "resources"), *fence;
	char line[160];
	size_t i;

	if (reasons != NULL && len > 0)
		reasons[0] = '\0';
#define BAD(level, ...)                                         \
	do {                                                    \
		if ((level) > v)                                \
			v = (level);                            \
		if (reasons != NULL) {                          \
			snprintf(line, sizeof(line), __VA_ARGS__); \
			append(reasons, len, line);             \
		}                                               \
	} while (0)

	if (!flag(st, "connected"))
		BAD(RV_VERDICT_CRITICAL, "not connected to corosync");
	if (str(st, "holder") == NULL)
		BAD(RV_VERDICT_CRITICAL, "no node holds the site");
	for (i = 0; i < count(nodes); i++) {
		json_object *n = at(nodes, i);
		const char *name = str_or(n, "name", "?"), *role = str_or(n, "role", "");

		if (strcmp(role, "blocked") == 0)
			BAD(RV_VERDICT_CRITICAL, "%s is blocked", name);
		if (flag(n, "local"))
			continue;
		if (!flag(n, "member"))
			BAD(RV_VERDICT_DEGRADED, "%s is not a member", name);
		else if (strcmp(str_or(n, "agent", ""), "up") != 0)
			BAD(RV_VERDICT_DEGRADED, "relevod on %s is %s", name, str_or(n, "agent", "?"));
		if (flag(n, "standby"))
			BAD(RV_VERDICT_DEGRADED, "%s is in standby", name);
		if (!flag(n, "config_match"))
			BAD(RV_VERDICT_DEGRADED, "%s runs another configuration", name);
	}
	for (i = 0; i < count(nodes); i++) {
		json_object *n = at(nodes, i);

		if (flag(n, "maintenance"))
			BAD(RV_VERDICT_DEGRADED, "%s is in maintenance", str_or(n, "name", "?"));
	}
	for (i = 0; i < count(res); i++) {
		json_object *r = at(res, i);
		const char *state = str_or(r, "state", "");

		if (strcmp(state, "failed") == 0 || strcmp(state, "stop-failed") == 0)
			BAD(RV_VERDICT_CRITICAL, "resource %s %s", str_or(r, "name", "?"), state);
		else if (strcmp(str_or(r, "health", ""), "degraded") == 0)
			BAD(RV_VERDICT_DEGRADED, "resource %s degraded", str_or(r, "name", "?"));
	}
	if (str(st, "unsafe") != NULL)
		BAD(RV_VERDICT_DEGRADED, "UNSAFE: %s", str(st, "unsafe"));
	fence = get(st, "fence");
	if (fence != NULL && strcmp(str_or(fence, "state", ""), "failed") == 0)
		BAD(RV_VERDICT_CRITICAL, "fencing the peer failed %" PRId64 " time(s)",
		    num(fence, "failures", 0));
	if (str(fence, "witness_problem") != NULL)
		BAD(RV_VERDICT_DEGRADED, "%s", str(fence, "witness_problem"));
	if (flag(get(fence, "watchdog"), "starving"))
		BAD(RV_VERDICT_CRITICAL, "watchdog no longer fed: %s",
		    str_or(get(fence, "watchdog"), "why", "?"));
	/* degraded, never more: the site cannot fix it by moving */
	if (strcmp(str_or(get(st, "inner_link"), "state", ""), "down") == 0)
		BAD(RV_VERDICT_DEGRADED, "inner link to %s down",
		    str(get(st, "inner_link"), "target") != NULL ?
		    str(get(st, "inner_link"), "target") : "the final server");
	/* the pool: degraded at most, the site itself serves mail */
	if (flag(get(st, "pool"), "probing")) {
		json_object *pl = get(st, "pool");
		const char *m = str_or(pl, "membership", "unknown");

		if (flag(pl, "cut_off"))
			BAD(RV_VERDICT_DEGRADED, "pool: this site is cut off from most other sites");
		if (strcmp(m, "absent") == 0 || strcmp(m, "partial") == 0)
			BAD(RV_VERDICT_DEGRADED, "pool: this site's records are %s in DNS", m);
	}
#undef BAD
	return v;
}

static const char *const verdict_names[] = { "OK", "DEGRADED", "CRITICAL" };

/* ------------------------------------------------------------ text */

static void
print_timeline(FILE *f, json_object *tl, const char *indent)
{
	json_object *steps = get(tl, "steps");
	char when[32] = "-", total[32];
	time_t at_s = (time_t)num(tl, "at", 0);
	struct tm tm;
	size_t i;

	if (at_s != 0 && localtime_r(&at_s, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fmt_duration(total, sizeof(total), num(tl, "total_ms", -1));
	fprintf(f, "%s%s: %s, %s%s\n", indent, when, str_or(tl, "trigger", "?"),
		flag(tl, "done") ? (flag(tl, "ok") ? "ready after " : "failed after ")
				 : "in progress", flag(tl, "done") ? total : "");
	for (i = 0; i < count(steps); i++) {
		json_object *s = at(steps, i);

		if (num(s, "agent_ms", -1) >= 0)
			fprintf(f, "%s  +%6" PRId64 " ms  %s (agent ran %" PRId64 " ms)\n", indent,
				num(s, "at_ms", 0), str_or(s, "step", "?"), num(s, "agent_ms", 0));
		else
			fprintf(f, "%s  +%6" PRId64 " ms  %s\n", indent, num(s, "at_ms", 0),
				str_or(s, "step", "?"));
	}
}

/* The mail service as the last probe and queue count saw it. */
static void
print_mta(FILE *f, json_object *m)
{
	json_object *p = get(m, "probe"), *q = get(m, "queue"), *tls, *ph;
	char ago[32];

	if (m == NULL)
		return;
	fprintf(f, "\nMail service (%s):\n", str_or(m, "resource", "mta"));
	if (p == NULL) {
		fprintf(f, "  probe: none yet (runs while this node is ACTIVE)\n");
	} else {
		ph = get(p, "phases");
		tls = get(p, "tls");
		fmt_duration(ago, sizeof(ago), num(m, "probe_ago_ms", -1));
		fprintf(f, "  probe: %s%s%s, %" PRId64 " ms (banner %" PRId64 " ms) %s ago\n",
			str_or(p, "result", "?"), str(p, "reason") && *str(p, "reason") ? ": " : "",
			str_or(p, "reason", ""), num(ph, "total_ms", -1), num(ph, "banner_ms", -1), ago);
		if (tls != NULL)
			fprintf(f, "  TLS: %s %s, certificate %s, %" PRId64 " days left\n",
				str_or(tls, "version", "?"), str_or(tls, "cipher", "?"),
				flag(tls, "verified") ? "verified" : "NOT verified",
				num(tls, "days_left", -1));
	}
	if (q != NULL)
		fprintf(f, "  queue: active %" PRId64 ", deferred %" PRId64 " (oldest %" PRId64
			" s), hold %" PRId64 ", incoming %" PRId64 "\n", num(q, "active", 0),
			num(q, "deferred", 0), num(q, "oldest_deferred_s", 0), num(q, "hold", 0),
			num(q, "incoming", 0));
}

/* The link to the final delivery server, with the queue it holds back
 * (the queue is counted on the ACTIVE node only). */
static void
print_inner_link(FILE *f, json_object *il, json_object *mta)
{
	json_object *p = get(il, "last_probe"), *fl = get(il, "flush"), *last = get(fl, "last");
	json_object *q = get(mta, "queue");
	const char *state = str_or(il, "state", "?"), *reason;
	char dur[32], ago[32], up[16];
	size_t k;

	if (il == NULL)
		return;
	snprintf(up, sizeof(up), "%s", state);
	for (k = 0; up[k] != '\0'; k++)
		up[k] = (char)(up[k] >= 'a' && up[k] <= 'z' ? up[k] - 32 : up[k]);
	fmt_duration(dur, sizeof(dur), num(il, "for_ms", -1));
	fprintf(f, "\nInner link (%s): %s for %s, %" PRId64 " transition(s) (rise %" PRId64
		", fall %" PRId64 ")\n", str(il, "target") != NULL ? str(il, "target")
		: str_or(il, "command", "?"), up, dur, num(il, "transitions", 0),
		num(il, "rise", 0), num(il, "fall", 0));
	if (p == NULL) {
		fprintf(f, "  last probe: none yet\n");
	} else {
		reason = str_or(p, "reason", "");
		fmt_duration(ago, sizeof(ago), num(p, "ago_ms", -1));
		fprintf(f, "  last probe: %s%s%s, %" PRId64 " ms, %s ago\n", str_or(p, "result", "?"),
			reason[0] ? ": " : "", reason, num(p, "latency_ms", -1), ago);
	}
	if (!flag(fl, "enabled"))
		fprintf(f, "  flush on recovery: no\n");
	else if (last == NULL)
		fprintf(f, "  last flush: none yet\n");
	else {
		reason = str_or(last, "reason", "");
		fmt_duration(ago, sizeof(ago), num(last, "ago_ms", -1));
		fprintf(f, "  last flush: %s%s%s %s ago", str_or(last, "result", "?"),
			reason[0] ? ": " : "", reason, ago);
		if (num(last, "deferred_before", -1) >= 0)
			fprintf(f, ", %" PRId64 " deferred before", num(last, "deferred_before", 0));
		if (num(last, "duration_ms", -1) >= 0)
			fprintf(f, ", took %" PRId64 " ms", num(last, "duration_ms", 0));
		fprintf(f, "\n");
	}
	if (q != NULL)
		fprintf(f, "  deferred: %" PRId64 " message(s), the oldest %" PRId64 " s old\n",
			num(q, "deferred", 0), num(q, "oldest_deferred_s", 0));
	else
		fprintf(f, "  deferred: not counted here (the ACTIVE node counts its queue)\n");
}

/* The DNS relay pool: this site's membership, the last update and each
 * peer site as the ACTIVE node's probes see it. */
static void
print_pool(FILE *f, json_object *pl)
{
	json_object *peers = get(pl, "peers"), *u = get(pl, "last_update");
	char ago[32];
	size_t i, k;

	if (pl == NULL || !flag(pl, "configured"))
		return;
	fprintf(f, "\nPool %s (server %s): relay %s %s", str_or(pl, "zone", "?"),
		str_or(pl, "server", "?"), str_or(pl, "relay_name", "?"),
		str_or(pl, "membership", "unknown"));
	if (!flag(pl, "probing")) {
		fprintf(f, " (peer sites are probed by the ACTIVE node)\n");
	} else {
		fprintf(f, ", %" PRId64 " of %" PRId64 " sites' votes withdraw one%s\n",
			num(pl, "down_votes", 0), num(pl, "sites", 0),
			flag(pl, "cut_off") ? "; CUT OFF: this site sees too few others, it "
					      "withdraws nobody" : "");
	}
	if (u != NULL) {
		time_t at_s = (time_t)num(u, "at", 0);
		struct tm tm;

		ago[0] = '\0';
		if (at_s != 0 && localtime_r(&at_s, &tm) != NULL)
			strftime(ago, sizeof(ago), "%H:%M:%S", &tm);
		fprintf(f, "  last update: %s at %s: %s%s%s\n", str_or(u, "what", "?"), ago,
			str_or(u, "result", "?"), str(u, "reason") != NULL ? ": " : "",
			str_or(u, "reason", ""));
	}
	for (i = 0; i < count(peers); i++) {
		json_object *p = at(peers, i), *lp = get(p, "last_probe"), *vr = get(p, "votes_read");

		fmt_duration(ago, sizeof(ago), num(lp, "ago_ms", -1));
		fprintf(f, "  peer %-12s %-22s %-7s ok %" PRId64 " / failed %" PRId64 " in a row",
			str_or(p, "name", "?"), str_or(p, "address", "?"),
			str_or(p, "health", "?"), num(p, "ok_in_row", 0), num(p, "failed_in_row", 0));
		if (lp != NULL)
			fprintf(f, ", last probe %s %s ago", str_or(lp, "result", "?"), ago);
		if (num(p, "votes", -1) >= 0) {
			fprintf(f, ", %" PRId64 " vote(s) [", num(p, "votes", 0));
			for (k = 0; k < count(vr); k++)
				fprintf(f, "%s%s", k ? ", " : "",
					json_object_get_string(at(vr, k)) != NULL ?
					json_object_get_string(at(vr, k)) : "?");
			fprintf(f, "]");
		}
		if (get(p, "last_withdraw") != NULL)
			fprintf(f, ", withdraw: %s", str_or(get(p, "last_withdraw"), "result", "?"));
		fprintf(f, "\n");
	}
}

/* One or two lines: how the site is protected and what fencing does. */
static void
print_fence(FILE *f, json_object *fc, const char *fencing)
{
	json_object *methods = get(fc, "methods"), *wd = get(fc, "watchdog");
	json_object *last = get(fc, "last_attempt");
	char ago[32];
	size_t i;

	if (strcmp(fencing, "off") == 0) {
		fprintf(f, "Fencing: OFF\n");
		return;
	}
	fprintf(f, "Fencing: on, methods [");
	for (i = 0; i < count(methods); i++)
		fprintf(f, "%s%s", i ? " " : "", json_object_get_string(at(methods, i)));
	fprintf(f, "]");
	if (wd != NULL)
		fprintf(f, ", watchdog %s %" PRId64 " s%s", str_or(wd, "device", "?"),
			num(wd, "timeout_ms", 0) / 1000,
			flag(wd, "starving") ? " (NOT FED)" : "");
	fprintf(f, ", witness %s; %s", str_or(fc, "witness", "none"), str_or(fc, "state", "?"));
	if (num(fc, "failures", 0) > 0)
		fprintf(f, " (%" PRId64 " failure(s), retry in %" PRId64 " s: %s)",
			num(fc, "failures", 0), num(fc, "retry_in_ms", 0) / 1000,
			str_or(fc, "last_error", "?"));
	fprintf(f, "\n");
	if (last != NULL) {
		fmt_duration(ago, sizeof(ago), num(last, "ago_ms", -1));
		fprintf(f, "  last fence: %s %s by %s: %s, %" PRId64 " ms, %s ago\n",
			str_or(last, "action", "?"), str_or(last, "target", "?"),
			str_or(last, "method", "?"), str_or(last, "result", "?"),
			num(last, "duration_ms", 0), ago);
	}
}

static int
emit_text(FILE *f, json_object *st)
{
	json_object *nodes = get(st, "nodes"), *res = get(st, "resources");
	json_object *q = get(st, "quorum"), *members = get(q, "members");
	json_object *tl = get(st, "last_failover");
	char reasons[1024], dur[32];
	enum rv_verdict v = rv_status_verdict(st, reasons, sizeof(reasons));
	size_t i;

	fprintf(f, "Site %s: %s%s%s\n", str_or(st, "site", "?"), verdict_names[v],
		reasons[0] ? " — " : "", reasons);
	if (str(st, "unsafe") != NULL)
		fprintf(f, "  !! UNSAFE: %s\n", str(st, "unsafe"));
	fprintf(f, "Holder: %s (generation %" PRId64 ")\n", str_or(st, "holder", "none"),
		num(st, "generation", 0));
	fprintf(f, "Quorum: %s, members [", flag(q, "quorate") ? "quorate" : "NOT quorate");
	for (i = 0; i < count(members); i++)
		fprintf(f, "%s%" PRId64, i ? " " : "", json_object_get_int64(at(members, i)));
	fprintf(f, "]%s%s, witness %s\n", flag(q, "two_node") ? ", two_node" : "",
		flag(q, "wait_for_all") ? ", wait_for_all" : "", str_or(q, "qdevice", "none"));
	print_fence(f, get(st, "fence"), str_or(st, "fencing", "?"));

	fprintf(f, "\nNodes:\n");
	for (i = 0; i < count(nodes); i++) {
		json_object *n = at(nodes, i);
		char role[32];
		size_t k;

		snprintf(role, sizeof(role), "%s", str_or(n, "role", "-"));
		for (k = 0; role[k] != '\0'; k++)
			role[k] = (char)(role[k] >= 'a' && role[k] <= 'z' ? role[k] - 32 : role[k]);
		fmt_duration(dur, sizeof(dur), num(n, "in_role_ms", -1));
		fprintf(f, "  %-10s id %-4" PRId64 " %-7s %-10s agent %-7s %-12s for %-8s health %-8s disk %s%s%s\n",
			str_or(n, "name", "?"), num(n, "id", 0), flag(n, "local") ? "(local)" : "",
			flag(n, "member") ? "member" : "NOT-member", str_or(n, "agent", "?"), role,
			dur, str_or(n, "health", "-"), str_or(n, "disk", "-"),
			flag(n, "standby") ? "  [standby]" : "",
			flag(n, "maintenance") ? "  [maintenance]" : "");
	}

	fprintf(f, "\nResources (local view, in start order):\n");
	for (i = 0; i < count(res); i++) {
		json_object *r = at(res, i);
		const char *reason = str_or(r, "last_reason", "");

		fmt_duration(dur, sizeof(dur), num(r, "last_ms_ago", -1));
		fprintf(f, "  %-12s %-26s %-11s health %-8s failures %-3" PRId64 " last %s: %s%s%s (%s ago)\n",
			str_or(r, "name", "?"), str_or(r, "agent", "?"), str_or(r, "state", "?"),
			str_or(r, "health", "-"), num(r, "failures", 0), str_or(r, "last_action", "-"),
			str_or(r, "last_rc_name", "-"), reason[0] ? ": " : "", reason, dur);
	}
	print_mta(f, get(st, "mta"));
	print_inner_link(f, get(st, "inner_link"), get(st, "mta"));
	print_pool(f, get(st, "pool"));
	fprintf(f, "\nDecision: %s\n", str_or(st, "why", "-"));
	if (tl != NULL) {
		fprintf(f, "\nLast takeover:\n");
		print_timeline(f, tl, "  ");
	}
	return 0;
}

/* ------------------------------------------------------------ json */

static int
emit_json(FILE *f, json_object *st)
{
	fprintf(f, "%s\n", json_object_to_json_string_ext(st, JSON_C_TO_STRING_PRETTY |
							   JSON_C_TO_STRING_SPACED));
	return 0;
}

/* ------------------------------------------------------------ prometheus */

/* label values are names from the configuration ([A-Za-z0-9_.-]), so they
 * need no escaping; anything else is replaced to stay valid */
static const char *
label(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (s[i] == '"' || s[i] == '\\' || s[i] == '\n') ? '_' : s[i];
	buf[i] = '\0';
	return buf;
}

static void
emit_prometheus_mta(FILE *f, const char *site, json_object *m)
{
	static const char *const queues[] = { "active", "deferred", "hold", "incoming", "maildrop" };
	json_object *p = get(m, "probe"), *q = get(m, "queue");
	size_t i;

	if (p != NULL) {
		fprintf(f, "# HELP relevo_mta_probe_ok 1 when the last SMTP probe passed.\n"
			   "# TYPE relevo_mta_probe_ok gauge\nrelevo_mta_probe_ok{site=\"%s\"} %d\n",
			site, strcmp(str_or(p, "result", ""), "ok") == 0);
		fprintf(f, "# HELP relevo_mta_probe_seconds Duration of the last SMTP probe.\n"
			   "# TYPE relevo_mta_probe_seconds gauge\n"
			   "relevo_mta_probe_seconds{site=\"%s\"} %.3f\n", site,
			(double)num(get(p, "phases"), "total_ms", 0) / 1000.0);
		if (get(p, "tls") != NULL)
			fprintf(f, "# HELP relevo_mta_certificate_days_left Days until the MTA's "
				   "certificate expires.\n# TYPE relevo_mta_certificate_days_left gauge\n"
				   "relevo_mta_certificate_days_left{site=\"%s\"} %" PRId64 "\n", site,
				num(get(p, "tls"), "days_left", 0));
	}
	if (q != NULL) {
		fprintf(f, "# HELP relevo_mta_queue_messages Messages in the Postfix queues.\n"
			   "# TYPE relevo_mta_queue_messages gauge\n");
		for (i = 0; i < sizeof(queues) / sizeof(queues[0]); i++)
			fprintf(f, "relevo_mta_queue_messages{site=\"%s\",queue=\"%s\"} %" PRId64 "\n",
				site, queues[i], num(q, queues[i], 0));
		if (num(q, "oldest_deferred_s", -1) >= 0)
			fprintf(f, "# HELP relevo_mta_oldest_deferred_seconds Age of the oldest "
				   "deferred message.\n"
				   "# TYPE relevo_mta_oldest_deferred_seconds gauge\n"
				   "relevo_mta_oldest_deferred_seconds{site=\"%s\"} %" PRId64 "\n",
				site, num(q, "oldest_deferred_s", 0));
	}
}

/* The inner link; relevo_inner_link_up is left out while the state is
 * unknown, rather than reported as a value it does not have. */
static void
emit_prometheus_inner_link(FILE *f, const char *site, json_object *il)
{
	const char *state = str_or(il, "state", "unknown");
	json_object *p = get(il, "last_probe");

	if (il == NULL)
		return;
	fprintf(f, "# HELP relevo_inner_link_up 1 when the final delivery server is reachable "
		   "(after rise/fall).\n# TYPE relevo_inner_link_up gauge\n");
	if (strcmp(state, "unknown") != 0)
		fprintf(f, "relevo_inner_link_up{site=\"%s\"} %d\n", site,
			strcmp(state, "up") == 0);
	fprintf(f, "# HELP relevo_inner_link_transitions_total Changes of the inner link "
		   "between up and down.\n# TYPE relevo_inner_link_transitions_total counter\n"
		   "relevo_inner_link_transitions_total{site=\"%s\"} %" PRId64 "\n", site,
		num(il, "transitions", 0));
	if (p != NULL)
		fprintf(f, "# HELP relevo_inner_link_probe_seconds Duration of the last probe "
			   "of the final delivery server.\n"
			   "# TYPE relevo_inner_link_probe_seconds gauge\n"
			   "relevo_inner_link_probe_seconds{site=\"%s\"} %.3f\n", site,
			(double)num(p, "latency_ms", 0) / 1000.0);
	fprintf(f, "# HELP relevo_inner_link_flushes_total Queue flushes run when the inner "
		   "link came back.\n# TYPE relevo_inner_link_flushes_total counter\n"
		   "relevo_inner_link_flushes_total{site=\"%s\"} %" PRId64 "\n", site,
		num(get(il, "flush"), "count", 0));
}

/* The pool as the ACTIVE node sees it; a peer's gauge is left out while
 * its health is unknown. */
static void
emit_prometheus_pool(FILE *f, const char *site, json_object *pl)
{
	json_object *peers = get(pl, "peers");
	const char *m = str_or(pl, "membership", "unknown");
	char a[64];
	size_t i;

	if (pl == NULL || !flag(pl, "configured") || !flag(pl, "probing"))
		return;
	fprintf(f, "# HELP relevo_pool_member 1 when the pool zone's primary serves this "
		   "site's records.\n# TYPE relevo_pool_member gauge\n");
	if (strcmp(m, "unknown") != 0 && strcmp(m, "failed") != 0)
		fprintf(f, "relevo_pool_member{site=\"%s\"} %d\n", site, strcmp(m, "served") == 0);
	fprintf(f, "# HELP relevo_pool_cut_off 1 when this site sees too few other sites to "
		   "vote or withdraw.\n# TYPE relevo_pool_cut_off gauge\n"
		   "relevo_pool_cut_off{site=\"%s\"} %d\n", site, flag(pl, "cut_off"));
	fprintf(f, "# HELP relevo_peer_site_up 1 when the peer site answers SMTP on its "
		   "floating IP (after down-after/up-after).\n# TYPE relevo_peer_site_up gauge\n");
	for (i = 0; i < count(peers); i++) {
		const char *h = str_or(at(peers, i), "health", "unknown");

		if (strcmp(h, "unknown") != 0)
			fprintf(f, "relevo_peer_site_up{site=\"%s\",peer=\"%s\"} %d\n", site,
				label(str_or(at(peers, i), "name", "?"), a, sizeof(a)),
				strcmp(h, "up") == 0);
	}
	fprintf(f, "# HELP relevo_peer_site_votes Current votes against the peer site, as "
		   "last read.\n# TYPE relevo_peer_site_votes gauge\n");
	for (i = 0; i < count(peers); i++)
		if (num(at(peers, i), "votes", -1) >= 0)
			fprintf(f, "relevo_peer_site_votes{site=\"%s\",peer=\"%s\"} %" PRId64 "\n",
				site, label(str_or(at(peers, i), "name", "?"), a, sizeof(a)),
				num(at(peers, i), "votes", 0));
	fprintf(f, "# HELP relevo_pool_updates_total Runs of relevo-dnsupdate that may change "
		   "the zone (votes, withdrawals).\n# TYPE relevo_pool_updates_total counter\n"
		   "relevo_pool_updates_total{site=\"%s\"} %" PRId64 "\n", site,
		num(pl, "updates", 0));
}

static int
emit_prometheus(FILE *f, json_object *st)
{
	json_object *nodes = get(st, "nodes"), *res = get(st, "resources");
	json_object *ctr = get(st, "counters"), *tl = get(st, "last_failover");
	char site[64], a[64], b[64];
	enum rv_verdict v = rv_status_verdict(st, NULL, 0);
	size_t i;

	label(str_or(st, "site", "?"), site, sizeof(site));
	fprintf(f, "# HELP relevo_status Verdict of relevo status: 0 ok, 1 degraded, 2 critical.\n"
		   "# TYPE relevo_status gauge\nrelevo_status{site=\"%s\"} %d\n", site, (int)v);
	fprintf(f, "# HELP relevo_unsafe 1 when fencing is off.\n# TYPE relevo_unsafe gauge\n"
		   "relevo_unsafe{site=\"%s\"} %d\n", site, str(st, "unsafe") != NULL);
	fprintf(f, "# HELP relevo_fence_failures Failed fencing operations in a row.\n"
		   "# TYPE relevo_fence_failures gauge\nrelevo_fence_failures{site=\"%s\"} %" PRId64
		   "\n", site, num(get(st, "fence"), "failures", 0));
	fprintf(f, "# HELP relevo_watchdog_starving 1 when relevod no longer feeds its "
		   "watchdog (the machine is about to reset).\n# TYPE relevo_watchdog_starving gauge\n"
		   "relevo_watchdog_starving{site=\"%s\"} %d\n", site,
		flag(get(get(st, "fence"), "watchdog"), "starving"));
	fprintf(f, "# HELP relevo_quorate 1 when the local partition is quorate.\n"
		   "# TYPE relevo_quorate gauge\nrelevo_quorate{site=\"%s\"} %d\n", site,
		flag(get(st, "quorum"), "quorate"));
	fprintf(f, "# HELP relevo_node_member 1 when the node is a corosync member.\n"
		   "# TYPE relevo_node_member gauge\n");
	for (i = 0; i < count(nodes); i++)
		fprintf(f, "relevo_node_member{site=\"%s\",node=\"%s\"} %d\n", site,
			label(str_or(at(nodes, i), "name", "?"), a, sizeof(a)),
			flag(at(nodes, i), "member"));
	fprintf(f, "# HELP relevo_node_role 1 for the node's current role.\n"
		   "# TYPE relevo_node_role gauge\n");
	for (i = 0; i < count(nodes); i++)
		if (str(at(nodes, i), "role") != NULL)
			fprintf(f, "relevo_node_role{site=\"%s\",node=\"%s\",role=\"%s\"} 1\n", site,
				label(str_or(at(nodes, i), "name", "?"), a, sizeof(a)),
				label(str(at(nodes, i), "role"), b, sizeof(b)));
	fprintf(f, "# HELP relevo_resource_started 1 when the resource is started here.\n"
		   "# TYPE relevo_resource_started gauge\n");
	for (i = 0; i < count(res); i++)
		fprintf(f, "relevo_resource_started{site=\"%s\",resource=\"%s\"} %d\n", site,
			label(str_or(at(res, i), "name", "?"), a, sizeof(a)),
			strcmp(str_or(at(res, i), "state", ""), "started") == 0);
	fprintf(f, "# HELP relevo_resource_failures_total Monitor failures of the resource.\n"
		   "# TYPE relevo_resource_failures_total counter\n");
	for (i = 0; i < count(res); i++)
		fprintf(f, "relevo_resource_failures_total{site=\"%s\",resource=\"%s\"} %" PRId64 "\n",
			site, label(str_or(at(res, i), "name", "?"), a, sizeof(a)),
			num(at(res, i), "failures", 0));
	if (tl != NULL && flag(tl, "done"))
		fprintf(f, "# HELP relevo_last_failover_seconds Duration of the last takeover.\n"
			   "# TYPE relevo_last_failover_seconds gauge\n"
			   "relevo_last_failover_seconds{site=\"%s\"} %.3f\n", site,
			(double)num(tl, "total_ms", 0) / 1000.0);
	emit_prometheus_mta(f, site, get(st, "mta"));
	emit_prometheus_inner_link(f, site, get(st, "inner_link"));
	emit_prometheus_pool(f, site, get(st, "pool"));
	fprintf(f, "# HELP relevo_messages_dropped_total Malformed or refused messages.\n"
		   "# TYPE relevo_messages_dropped_total counter\n"
		   "relevo_messages_dropped_total{site=\"%s\",source=\"cpg\"} %" PRId64 "\n"
		   "relevo_messages_dropped_total{site=\"%s\",source=\"ipc\"} %" PRId64 "\n",
		site, num(ctr, "wire_dropped", 0), site, num(ctr, "ipc_bad", 0));
	return 0;
}

/* ------------------------------------------------------------ tables */

static const struct {
	const char *name;
	int (*emit)(FILE *f, json_object *st);
} status_emitters[] = {
	{ "json", emit_json },
	{ "prometheus", emit_prometheus },
	{ "text", emit_text },
};

int
rv_status_format_ok(const char *format)
{
	size_t i;

	for (i = 0; i < sizeof(status_emitters) / sizeof(status_emitters[0]); i++)
		if (strcmp(format, status_emitters[i].name) == 0)
			return 1;
	return 0;
}

int
rv_status_print(FILE *f, json_object *st, const char *format)
{
	size_t i;

	for (i = 0; i < sizeof(status_emitters) / sizeof(status_emitters[0]); i++)
		if (strcmp(format, status_emitters[i].name) == 0)
			return status_emitters[i].emit(f, st);
	return -EINVAL;
}

int
rv_history_print(FILE *f, json_object *h, const char *format)
{
	json_object *tr = get(h, "transitions"), *tls = get(h, "timelines");
	char when[32];
	size_t i;

	if (strcmp(format, "json") == 0)
		return emit_json(f, h);
	if (strcmp(format, "text") != 0)
		return -EINVAL;
	fprintf(f, "Role changes (oldest first):\n");
	for (i = 0; i < count(tr); i++) {
		json_object *e = at(tr, i);
		time_t t = (time_t)num(e, "at", 0);
		struct tm tm;

		when[0] = '\0';
		if (localtime_r(&t, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(f, "  %s  %-11s -> %-11s %s\n", when, str_or(e, "from", "?"),
			str_or(e, "to", "?"), str_or(e, "cause", ""));
	}
	fprintf(f, "\nTakeover timelines:\n");
	for (i = 0; i < count(tls); i++)
		print_timeline(f, at(tls, i), "  ");
	if (count(tls) == 0)
		fprintf(f, "  none yet\n");
	return 0;
}
