/*
 * ipc_parse.h — decoding one IPC request off the bytes a local client sent:
 * the libqb request header, then a JSON object with a "command" string.
 *
 * Kept apart from ipc.c so that it needs neither a connection nor libqb's
 * library (only its header's struct), and the fuzzer and the unit tests can
 * call it directly.
 */
#ifndef RELEVO_IPC_PARSE_H
#define RELEVO_IPC_PARSE_H

#include <stddef.h>

#include <json-c/json.h>

/*
 * Check and parse the size bytes at data: a qb_ipc_request_header with id
 * RV_IPC_REQUEST and a size equal to size (at most RV_IPC_MAX_MSG), then a
 * JSON object (depth at most RV_IPC_JSON_DEPTH; a NUL ends it) with a string
 * "command". Returns 0 with *req a new reference the caller puts, and *cmd
 * the command, owned by *req. Returns -EBADMSG when the request is
 * malformed, with *req NULL and *why a static text for the client.
 */
int rv_ipc_parse_request(const void *data, size_t size, json_object **req,
			 const char **cmd, const char **why);

/*
 * Does cmd need root? 1 for the commands that change something or act
 * (switchover, standby, unstandby, maintenance, fence-peer, unfence-peer);
 * 0 for the read-only ones, which members of RV_IPC_GROUP may run too
 * (status, history, fence-history), and for unknown commands, which are
 * answered "unknown command" whoever asks.
 */
int rv_ipc_needs_root(const char *cmd);

#endif
