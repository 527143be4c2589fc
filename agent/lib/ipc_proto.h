/*
 * ipc_proto.h — relevod's local IPC (libqb service "relevo"): one request
 * message type carrying a JSON object, one response type carrying a JSON
 * object. Shared by the daemon and the CLI so they cannot disagree.
 *
 * Request:  qb_ipc_request_header (id RV_IPC_REQUEST, size = whole message)
 *           followed by a JSON object: {"command": "status"} and, per
 *           command, "to" (switchover target node name), "on" (bool) or
 *           "reason" (fence-peer).
 * Response: qb_ipc_response_header (id RV_IPC_RESPONSE) followed by a JSON
 *           object: {"ok": true, ...} or {"ok": false, "error": "why"}.
 *
 * Read-only commands (status, history, fence-history) are allowed to root
 * and to members of the RV_IPC_GROUP group; the others need root.
 *
 * The fencing commands, for DRBD's handlers (fence/relevo-fence-peer.c) and
 * `relevo fence-history`:
 *   {"command": "fence-history"}
 *       -> {"ok": true, "fence_history": [event, ...]}, oldest first; an
 *          event as fence/history.h's rv_fence_event_json() makes it.
 *   {"command": "fence-peer", "reason": "why"}      (reason optional)
 *       Fence the peer, or find that it need not be. The answer comes when
 *       that is settled, which can take as long as the fence methods take
 *       (their timeouts, and fence-delay): the client waits for it with a
 *       timeout of its own and must not send another request meanwhile.
 *       -> {"ok": true, "outcome": O, "detail": "what happened"} where O is
 *          "fenced", "peer-outdated", "peer-inconsistent", "failed" or
 *          "refused" (fencing.h's rv_fencing_req_outcome_name());
 *       -> {"ok": false, "error": "why"} when it cannot even be tried.
 *       A client that leaves before the answer cancels nothing but its
 *       answer: a fence operation under way goes on.
 *   {"command": "unfence-peer"}
 *       DRBD's word that the peer's disk is in sync again (DRBD 9's
 *       unfence-peer, 8.4's after-resync-target handler). relevod keeps no
 *       fencing constraint to lift: it is logged and answered
 *       -> {"ok": true, "message": "nothing to undo"}.
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
