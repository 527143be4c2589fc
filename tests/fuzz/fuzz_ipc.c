/*
 * fuzz_ipc.c — libFuzzer target: the input is one IPC request as a local
 * client would send it to relevod (libqb header, then JSON), given to
 * rv_ipc_parse_request(). The header's id and size are mostly right in
 * what a client sends, so half the runs put a correct header in front of
 * the input: the JSON parser is reached as often as the header checks.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipc_parse.h"
#include "ipc_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
parse(const void *buf, size_t size)
{
	json_object *req = NULL;
	const char *cmd = NULL, *why = NULL;
	int rc;

	rc = rv_ipc_parse_request(buf, size, &req, &cmd, &why);
	if (rc == 0) {
		if (req == NULL || cmd == NULL || why != NULL)
			abort();
		(void)strlen(cmd);
		json_object_put(req);
	} else if (req != NULL || cmd != NULL || why == NULL) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qb_ipc_request_header h;
	unsigned char *buf;

	if (size == 0)
		return 0;
	if (data[0] & 1) {
		parse(data + 1, size - 1);
		return 0;
	}
	/* a right header, the rest of the input as the body */
	buf = malloc(sizeof(h) + size - 1);
	if (buf == NULL)
		abort();
	memset(&h, 0, sizeof(h));
	h.id = RV_IPC_REQUEST;
	h.size = (int32_t)(sizeof(h) + size - 1);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), data + 1, size - 1);
	parse(buf, sizeof(h) + size - 1);
	free(buf);
	return 0;
}
