/*
 * ipc_proto.h — relevod's local IPC (libqb service "relevo"): one request
 * message type carrying a JSON object, one response type carrying a JSON
 * object. Shared by the daemon and the CLI so they cannot disagree.
 *
 * Request:  qb_ipc_request_header (id RV_IPC_REQUEST, size = whole message)
 *           followed by a JSON object: {"command": "status"} and, per
 *           command, "to" (switchover target node name) or "on" (bool).
 * Response: qb_ipc_response_header (id RV_IPC_RESPONSE) followed by a JSON
 *           object: {"ok": true, ...} or {"ok": false, "error": "why"}.
 *
 * Read-only commands (status, history) are allowed to root and to members
 * of the RV_IPC_GROUP group; the others need root.
 */
#ifndef RELEVO_IPC_PROTO_H
#define RELEVO_IPC_PROTO_H

#include <qb/qbipc_common.h>

#define RV_IPC_SERVICE "relevo"
#define RV_IPC_GROUP "relevo"
#define RV_IPC_MAX_MSG (256 * 1024)
#define RV_IPC_REQUEST 1
#define RV_IPC_RESPONSE 2
#define RV_IPC_JSON_DEPTH 8

/* Schema version of the status and history JSON documents. */
#define RV_STATUS_SCHEMA 1

#endif
