/*
 * drbd_handler.h — what relevo's DRBD fence-peer / unfence-peer handler
 * (relevo-fence-peer.c) decides, kept free of IPC, syslog and the
 * environment of the process so that it can be tested as it is.
 *
 * DRBD runs the handler (drbdadm, as "/bin/sh -c '<the handlers string>'")
 * and reads only its exit code. For fence-peer that code tells DRBD what
 * became of the peer's disk; DRBD's contract (drbd-utils
 * scripts/crm-fence-peer.9.sh, and the kernel's conn_try_outdate_peer()):
 *
 *   3  the peer's disk is Inconsistent (or worse): it cannot be promoted
 *   4  the peer's disk is Outdated (it was, or the handler outdated it)
 *   5  the peer could not be reached and is assumed dead
 *   6  the peer is Primary: DRBD outdates its OWN disk
 *   7  the peer was fenced (STONITH), so its disk counts as Outdated
 *   anything else: the handler is "broken"; DRBD changes nothing and, with
 *      fencing resource-and-stonith, keeps I/O frozen until an operator
 *      runs drbdadm resume-io.
 *
 * relevod cannot tell us "5": it never assumes a peer it could not fence is
 * dead. And we must never say 5 when fencing failed or relevod could not be
 * asked: a node whose disk is UpToDate then marks the peer Outdated and
 * THAWS I/O (conn_try_outdate_peer, case 5), which is exactly the split
 * brain resource-and-stonith exists to prevent. Every "could not fence"
 * (fencing failed, relevod not running, not answering in time, refusing, a
 * malformed answer) is therefore exit 1, DRBD's generic error: I/O stays
 * frozen, as LINBIT's own crm-fence-peer.9.sh and drbd-fence-peer.sh do.
 *
 * unfence-peer exits 0 when relevod took note; DRBD ignores its code.
 */
#ifndef RELEVO_DRBD_HANDLER_H
#define RELEVO_DRBD_HANDLER_H

#include <stddef.h>

/* Exit codes, named after DRBD's meaning of them. */
enum rv_drbd_exit {
	RV_DRBD_EXIT_OK = 0,                 /* unfence-peer: done */
	RV_DRBD_EXIT_NOT_FENCED = 1,         /* generic error: I/O stays frozen */
	RV_DRBD_EXIT_PEER_INCONSISTENT = 3,
	RV_DRBD_EXIT_PEER_OUTDATED = 4,
	RV_DRBD_EXIT_PEER_UNREACHABLE = 5,   /* never used: see above */
	RV_DRBD_EXIT_PEER_PRIMARY = 6,
	RV_DRBD_EXIT_PEER_FENCED = 7,
};

enum rv_drbd_mode {
	RV_DRBD_FENCE_PEER = 0,
	RV_DRBD_UNFENCE_PEER,
};

/* relevod's answer to fence-peer or unfence-peer (ipc_proto.h). */
struct rv_drbd_answer {
	int ok;               /* "ok": true */
	char outcome[32];     /* fence-peer's "outcome", "" if none */
	char text[256];       /* "detail", "message" or "error", printable */
};

/*
 * The mode: arg (the first argument) when it is "fence-peer" or
 * "unfence-peer", else the base name of argv0 ("relevo-fence-peer",
 * "relevo-unfence-peer"). Returns 0 with *mode and *used_arg (1 when arg
 * named the mode), or -EINVAL when neither says.
 */
int rv_drbd_mode_of(const char *argv0, const char *arg, enum rv_drbd_mode *mode,
		    int *used_arg);

/* "fence-peer" or "unfence-peer": the IPC command and the log's name. */
const char *rv_drbd_mode_name(enum rv_drbd_mode mode);

/*
 * From the environment drbdadm gives a handler (env: "KEY=value" strings,
 * NULL-terminated), the resource (DRBD_RESOURCE) and the peer's name
 * (DRBD_PEERS, else DRBD_PEER, else DRBD 9's DRBD_NODE_ID_<DRBD_PEER_NODE_ID>),
 * each copied printable into its buffer, "?" when absent.
 */
void rv_drbd_env(const char *const *env, char *resource, size_t rlen, char *peer,
		 size_t plen);

/* The reason relevod records for the fence (under 128 bytes). */
void rv_drbd_reason(char *buf, size_t len, const char *resource, const char *peer);

/*
 * Parse relevod's answer: the len bytes received, a qb_ipc_response_header
 * (id RV_IPC_RESPONSE, size len) then a JSON object with a boolean "ok".
 * Returns 0 with *a filled, or -EBADMSG with a->text saying what is wrong.
 */
int rv_drbd_parse_answer(const void *msg, size_t len, struct rv_drbd_answer *a);

/* DRBD's exit code for a fence-peer outcome name; 1 for any other text. */
int rv_drbd_outcome_exit(const char *outcome);

/*
 * The exit code for DRBD: a is relevod's parsed answer, or NULL when there
 * was none (relevod not running or not reachable, not root, no answer in
 * time, a malformed answer).
 */
int rv_drbd_exit_code(enum rv_drbd_mode mode, const struct rv_drbd_answer *a);

#endif
