/*
 * ipc_parse.c — the first look at an IPC request: its header, its size, its
 * JSON. The bytes come from a local client that may be broken or hostile;
 * nothing here trusts the header's size before comparing it with what
 * arrived, and nothing here acts: ipc.c answers and counts.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipc_parse.h"
#include "ipc_proto.h"

int
rv_ipc_parse_request(const void *data, size_t size, json_object **req,
		     const char **cmd, const char **why)
{
	struct qb_ipc_request_header h;
	struct json_tokener *tok;
	json_object *o = NULL, *c;
	size_t len;
	char *text;
	int rc = -EBADMSG;

	*req = NULL;
	*cmd = NULL;
	if (size < sizeof(h)) {
		*why = "bad request header";
		return -EBADMSG;
	}
	/* copied out: data need not be aligned as the struct is */
	memcpy(&h, data, sizeof(h));
	if (h.id != RV_IPC_REQUEST || h.size < 0 || (size_t)h.size != size ||
	    size > RV_IPC_MAX_MSG) {
		*why = "bad request header";
		return -EBADMSG;
	}
	len = size - sizeof(h);
	text = calloc(1, len + 1);
	if (text == NULL)
		abort();
	memcpy(text, (const char *)data + sizeof(h), len);
	tok = json_tokener_new_ex(RV_IPC_JSON_DEPTH);
	if (tok == NULL)
		abort();
	/* stop at the first NUL: what follows it is not part of the request */
	o = json_tokener_parse_ex(tok, text, (int)strnlen(text, len));
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		*why = "request is not a JSON object";
	} else if (!json_object_object_get_ex(o, "command", &c) ||
		   !json_object_is_type(c, json_type_string)) {
		*why = "request has no \"command\"";
	} else {
		*req = o;
		*cmd = json_object_get_string(c);
		o = NULL;
		rc = 0;
	}
	json_object_put(o);
	json_tokener_free(tok);
	free(text);
	return rc;
}

/* Sorted; everything not here only reads. */
static const char *const root_commands[] = {
	"fence-peer", "maintenance", "standby", "switchover", "unfence-peer", "unstandby",
};

int
rv_ipc_needs_root(const char *cmd)
{
	size_t i;

	for (i = 0; i < sizeof(root_commands) / sizeof(root_commands[0]); i++)
		if (strcmp(cmd, root_commands[i]) == 0)
			return 1;
	return 0;
}
