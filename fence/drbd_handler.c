/*
 * drbd_handler.c — the decisions of relevo's DRBD handlers: which mode,
 * what to tell relevod, and which exit code DRBD gets (see drbd_handler.h
 * for DRBD's contract and why every failure is 1, never 5).
 *
 * Pure: no IPC, no logging, no getenv. The answer parsed here comes from
 * relevod over a local socket, but it is still checked byte by byte: a
 * wrong answer must end in "not fenced", never in a code that thaws I/O.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "drbd_handler.h"
#include "ipc_proto.h"

static const struct {
	const char *outcome;
	int code;
} outcome_codes[] = {
	/* relevod's names (fencing.h, rv_fencing_req_outcome_name) */
	{ "fenced", RV_DRBD_EXIT_PEER_FENCED },
	{ "peer-outdated", RV_DRBD_EXIT_PEER_OUTDATED },
	{ "peer-inconsistent", RV_DRBD_EXIT_PEER_INCONSISTENT },
	/* the peer holds the site (is Primary), or fencing = off: DRBD
	 * outdates our disk, so this node cannot be promoted over it */
	{ "refused", RV_DRBD_EXIT_PEER_PRIMARY },
	{ "failed", RV_DRBD_EXIT_NOT_FENCED },
};

int
rv_drbd_outcome_exit(const char *outcome)
{
	size_t i;

	if (outcome == NULL)
		return RV_DRBD_EXIT_NOT_FENCED;
	for (i = 0; i < sizeof(outcome_codes) / sizeof(outcome_codes[0]); i++)
		if (strcmp(outcome, outcome_codes[i].outcome) == 0)
			return outcome_codes[i].code;
	return RV_DRBD_EXIT_NOT_FENCED;
}

int
rv_drbd_exit_code(enum rv_drbd_mode mode, const struct rv_drbd_answer *a)
{
	if (a == NULL || !a->ok)
		return RV_DRBD_EXIT_NOT_FENCED;
	if (mode == RV_DRBD_UNFENCE_PEER)
		return RV_DRBD_EXIT_OK;
	return rv_drbd_outcome_exit(a->outcome);
}

const char *
rv_drbd_mode_name(enum rv_drbd_mode mode)
{
	return mode == RV_DRBD_UNFENCE_PEER ? "unfence-peer" : "fence-peer";
}

static int
mode_named(const char *s, enum rv_drbd_mode *mode)
{
	if (strcmp(s, "fence-peer") == 0 || strcmp(s, "relevo-fence-peer") == 0) {
		*mode = RV_DRBD_FENCE_PEER;
		return 1;
	}
	if (strcmp(s, "unfence-peer") == 0 || strcmp(s, "relevo-unfence-peer") == 0) {
		*mode = RV_DRBD_UNFENCE_PEER;
		return 1;
	}
	return 0;
}

int
rv_drbd_mode_of(const char *argv0, const char *arg, enum rv_drbd_mode *mode, int *used_arg)
{
	const char *base;

	*used_arg = 0;
	if (arg != NULL && (strcmp(arg, "fence-peer") == 0 || strcmp(arg, "unfence-peer") == 0)) {
		mode_named(arg, mode);
		*used_arg = 1;
		return 0;
	}
	if (argv0 == NULL)
		return -EINVAL;
	base = strrchr(argv0, '/');
	base = base != NULL ? base + 1 : argv0;
	return mode_named(base, mode) ? 0 : -EINVAL;
}

/* Copy s into buf, anything but printable ASCII as '?'. */
static void
printable(char *buf, size_t len, const char *s)
{
	size_t i;

	if (len == 0)
		return;
	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = isprint((unsigned char)s[i]) && isascii((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = '\0';
}

static const char *
env_get(const char *const *env, const char *key)
{
	size_t n = strlen(key);

	for (; env != NULL && *env != NULL; env++)
		if (strncmp(*env, key, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

void
rv_drbd_env(const char *const *env, char *resource, size_t rlen, char *peer, size_t plen)
{
	const char *r = env_get(env, "DRBD_RESOURCE"), *p = env_get(env, "DRBD_PEERS");
	const char *id;
	char key[48];

	if (p == NULL || *p == '\0')
		p = env_get(env, "DRBD_PEER");
	if ((p == NULL || *p == '\0') && (id = env_get(env, "DRBD_PEER_NODE_ID")) != NULL &&
	    strlen(id) > 0 && strlen(id) < 8 && strspn(id, "0123456789") == strlen(id)) {
		snprintf(key, sizeof(key), "DRBD_NODE_ID_%s", id);
		p = env_get(env, key);
	}
	printable(resource, rlen, r != NULL && *r != '\0' ? r : "?");
	printable(peer, plen, p != NULL && *p != '\0' ? p : "?");
}

void
rv_drbd_reason(char *buf, size_t len, const char *resource, const char *peer)
{
	/* fence/history.h keeps 128 bytes of a reason */
	char r[40], p[40];

	printable(r, sizeof(r), resource);
	printable(p, sizeof(p), peer);
	snprintf(buf, len, "DRBD fence-peer handler: resource %s lost peer %s", r, p);
}

static void
set_text(struct rv_drbd_answer *a, const char *s)
{
	printable(a->text, sizeof(a->text), s);
}

int
rv_drbd_parse_answer(const void *msg, size_t len, struct rv_drbd_answer *a)
{
	struct qb_ipc_response_header h;
	struct json_tokener *tok;
	json_object *o = NULL, *v;
	const char *body;
	size_t blen;
	int rc = -EBADMSG;

	memset(a, 0, sizeof(*a));
	if (len < sizeof(h)) {
		set_text(a, "short answer");
		return -EBADMSG;
	}
	memcpy(&h, msg, sizeof(h)); /* msg need not be aligned for the struct */
	if (h.id != RV_IPC_RESPONSE || h.size < 0 || (size_t)h.size != len ||
	    len > RV_IPC_MAX_MSG) {
		set_text(a, "bad answer header");
		return -EBADMSG;
	}
	body = (const char *)msg + sizeof(h);
	blen = strnlen(body, len - sizeof(h));
	tok = json_tokener_new_ex(RV_IPC_JSON_DEPTH);
	if (tok == NULL)
		abort();
	o = json_tokener_parse_ex(tok, body, (int)blen);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		set_text(a, "answer is not a JSON object");
	} else if (!json_object_object_get_ex(o, "ok", &v) ||
		   !json_object_is_type(v, json_type_boolean)) {
		set_text(a, "answer has no \"ok\"");
	} else {
		a->ok = json_object_get_boolean(v);
		rc = 0;
		if (json_object_object_get_ex(o, "outcome", &v)) {
			if (json_object_is_type(v, json_type_string) &&
			    json_object_get_string_len(v) < (int)sizeof(a->outcome)) {
				printable(a->outcome, sizeof(a->outcome), json_object_get_string(v));
			} else {
				/* an answer that names no outcome we can read
				 * must not count as one */
				a->ok = 0;
				set_text(a, "answer has a malformed \"outcome\"");
				rc = -EBADMSG;
			}
		}
		if (rc == 0 &&
		    ((json_object_object_get_ex(o, a->ok ? "detail" : "error", &v) ||
		      json_object_object_get_ex(o, "message", &v)) &&
		     json_object_is_type(v, json_type_string)))
			set_text(a, json_object_get_string(v));
	}
	json_object_put(o);
	json_tokener_free(tok);
	return rc;
}
