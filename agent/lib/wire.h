/*
 * wire.h — relevod's messages on the site's CPG group (relevo.<site>).
 *
 * Every message is a fixed 24-byte header followed by a body whose size is
 * fixed by its type; all integers are big-endian:
 *
 *   offset size field
 *        0    4 magic       0x52564f31 ("RVO1")
 *        4    1 version     RV_WIRE_VERSION
 *        5    1 type        enum rv_msg_type
 *        6    2 reserved    0
 *        8    4 length      body length in bytes
 *       12    4 sender      corosync nodeid of the sender
 *       16    8 generation  site generation: claims granted so far
 *
 * Bodies:
 *   STATE (52 bytes): role u8, disk u8, health u8, flags u8, active u32
 *       (nodeid the sender believes active, 0 = none), role_ms u32 (ms in
 *       the current role, saturating), claim u64 (the nonce of the receiver's
 *       last CLAIM the sender delivered, 0 = none; RV_STATE_CLAIM_OK says
 *       whether the sender's view granted it), digest[32] (config digest)
 *   CLAIM (12): target u32, nonce u64 — the sender asks to take the site's
 *                               resources; the nonce names this claim
 *   RELEASE (4): target u32   — the sender stopped everything; target (or 0)
 *                               may claim
 *   SWITCHOVER (4): target u32 — ask the holder to hand the site to target
 *
 * The decoder checks every size before it reads: a buffer shorter than the
 * header, a wrong magic, an unknown version or type, or a length that does not
 * match the buffer or the type is refused; nothing partial is ever returned.
 */
#ifndef RELEVO_WIRE_H
#define RELEVO_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

#define RV_WIRE_MAGIC 0x52564f31u
#define RV_WIRE_VERSION 2
#define RV_WIRE_HEADER_LEN 24
#define RV_WIRE_MAX_LEN (RV_WIRE_HEADER_LEN + 52)

enum rv_msg_type {
	RV_MSG_STATE = 1,
	RV_MSG_CLAIM = 2,
	RV_MSG_RELEASE = 3,
	RV_MSG_SWITCHOVER = 4,
};

/* STATE flags */
#define RV_STATE_HOLDS       0x01 /* resources may be running here */
#define RV_STATE_STANDBY_REQ 0x02 /* operator put this node in standby */
#define RV_STATE_MAINTENANCE 0x04 /* maintenance mode */
#define RV_STATE_PROBED      0x08 /* initial probe done: HOLDS is known */
#define RV_STATE_CLAIM_OK    0x10 /* the sender's view grants the receiver's
				   * CLAIM named by claim, and still has the
				   * receiver holding by it */
#define RV_STATE_WAITING     0x20 /* the sender's CLAIM was granted in its view
				   * and it waits for the peer's word (or a
				   * fence) before starting: nothing started */

struct rv_msg_state {
	uint8_t role;   /* enum rv_role */
	uint8_t disk;   /* enum rv_disk */
	uint8_t health; /* enum rv_health */
	uint8_t flags;  /* RV_STATE_* */
	uint32_t active;
	uint32_t role_ms;
	uint64_t claim;
	unsigned char digest[RV_DIGEST_LEN];
};

struct rv_msg {
	uint8_t type;        /* enum rv_msg_type */
	uint32_t sender;
	uint64_t generation;
	union {
		struct rv_msg_state state;
		uint32_t target; /* CLAIM, RELEASE, SWITCHOVER */
	} u;
	uint64_t nonce;      /* CLAIM only (0 in the others) */
};

/* Encode m into buf (len bytes). Returns the encoded length, or -EINVAL for
 * an unknown type or a STATE whose role/disk/health is out of range, or
 * -EMSGSIZE if buf is too small (RV_WIRE_MAX_LEN always suffices). Nothing is
 * written to buf on error. */
ssize_t rv_wire_encode(const struct rv_msg *m, unsigned char *buf, size_t len);

/* Decode len bytes. Returns 0 and fills *m, or:
 *   -EBADMSG          shorter than a header, wrong magic, nonzero reserved,
 *                     or (for STATE) role/disk/health out of range
 *   -EPROTONOSUPPORT  unknown version
 *   -ENOMSG           unknown type
 *   -EMSGSIZE         length field disagrees with len or with the type
 * *m is untouched on error. */
int rv_wire_decode(const unsigned char *buf, size_t len, struct rv_msg *m);

/* "state", "claim", ...; "unknown" otherwise. */
const char *rv_msg_type_name(int type);

#endif
