/*
 * wire.c — encoder and decoder of relevod's CPG messages (layout in wire.h).
 *
 * Bytes arrive here from other nodes. Every field is read byte by byte in
 * big-endian order, and only after the length that covers it has been
 * checked; the buffer is never cast to a struct. A message is accepted whole
 * or refused: the caller's struct is written only once every check passed.
 */
#include "autoconf.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "types.h"
#include "wire.h"

/* Offsets in the header, as laid out in wire.h. */
#define HDR_MAGIC 0
#define HDR_VERSION 4
#define HDR_TYPE 5
#define HDR_RESERVED 6
#define HDR_LENGTH 8
#define HDR_SENDER 12
#define HDR_GENERATION 16

/* Offsets in the STATE body. */
#define STATE_ROLE 0
#define STATE_DISK 1
#define STATE_HEALTH 2
#define STATE_FLAGS 3
#define STATE_ACTIVE 4
#define STATE_ROLE_MS 8
#define STATE_CLAIM 12
#define STATE_DIGEST 20
#define STATE_BODY_LEN (STATE_DIGEST + RV_DIGEST_LEN)

/* CLAIM, RELEASE and SWITCHOVER carry one u32; CLAIM adds its nonce. */
#define TARGET_BODY_LEN 4
#define CLAIM_NONCE 4
#define CLAIM_BODY_LEN 12

_Static_assert(HDR_GENERATION + 8 == RV_WIRE_HEADER_LEN,
	       "header layout disagrees with RV_WIRE_HEADER_LEN");
_Static_assert(STATE_BODY_LEN == 52, "STATE body is 52 bytes on the wire");
_Static_assert(RV_WIRE_HEADER_LEN + STATE_BODY_LEN == RV_WIRE_MAX_LEN,
	       "STATE is the longest message");

static const struct {
	const char *name;
	size_t body_len;
} msg_types[] = {
	[RV_MSG_STATE] = { "state", STATE_BODY_LEN },
	[RV_MSG_CLAIM] = { "claim", CLAIM_BODY_LEN },
	[RV_MSG_RELEASE] = { "release", TARGET_BODY_LEN },
	[RV_MSG_SWITCHOVER] = { "switchover", TARGET_BODY_LEN },
};

#define N_MSG_TYPES (sizeof(msg_types) / sizeof(msg_types[0]))

/* Body length of a known type, 0 for an unknown one (index 0 is a hole). */
static size_t
body_len(int type)
{
	if (type < 0 || (size_t)type >= N_MSG_TYPES)
		return 0;
	return msg_types[type].body_len;
}

static void
put_be16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void
put_be64(unsigned char *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint16_t
get_be16(const unsigned char *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | (uint16_t)p[1]);
}

static uint32_t
get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t
get_be64(const unsigned char *p)
{
	return (uint64_t)get_be32(p) << 32 | (uint64_t)get_be32(p + 4);
}

/* Whether role, disk and health name values this build knows. */
static int
state_in_range(const struct rv_msg_state *st)
{
	return st->role < RV_ROLE_COUNT && st->disk < RV_DISK_COUNT &&
	       st->health < RV_HEALTH_COUNT;
}

ssize_t
rv_wire_encode(const struct rv_msg *m, unsigned char *buf, size_t len)
{
	size_t blen = body_len(m->type);
	unsigned char *b;

	if (blen == 0)
		return -EINVAL;
	if (m->type == RV_MSG_STATE && !state_in_range(&m->u.state))
		return -EINVAL;
	if (len < RV_WIRE_HEADER_LEN + blen)
		return -EMSGSIZE;

	put_be32(buf + HDR_MAGIC, RV_WIRE_MAGIC);
	buf[HDR_VERSION] = RV_WIRE_VERSION;
	buf[HDR_TYPE] = m->type;
	put_be16(buf + HDR_RESERVED, 0);
	put_be32(buf + HDR_LENGTH, (uint32_t)blen);
	put_be32(buf + HDR_SENDER, m->sender);
	put_be64(buf + HDR_GENERATION, m->generation);

	b = buf + RV_WIRE_HEADER_LEN;
	if (m->type == RV_MSG_STATE) {
		b[STATE_ROLE] = m->u.state.role;
		b[STATE_DISK] = m->u.state.disk;
		b[STATE_HEALTH] = m->u.state.health;
		b[STATE_FLAGS] = m->u.state.flags;
		put_be32(b + STATE_ACTIVE, m->u.state.active);
		put_be32(b + STATE_ROLE_MS, m->u.state.role_ms);
		put_be64(b + STATE_CLAIM, m->u.state.claim);
		memcpy(b + STATE_DIGEST, m->u.state.digest, RV_DIGEST_LEN);
	} else {
		put_be32(b, m->u.target);
		if (m->type == RV_MSG_CLAIM)
			put_be64(b + CLAIM_NONCE, m->nonce);
	}
	return (ssize_t)(RV_WIRE_HEADER_LEN + blen);
}

int
rv_wire_decode(const unsigned char *buf, size_t len, struct rv_msg *m)
{
	struct rv_msg d;
	const unsigned char *b;
	size_t blen;
	uint32_t length;

	/* the header first, and nothing of it before its length is known */
	if (len < RV_WIRE_HEADER_LEN)
		return -EBADMSG;
	if (get_be32(buf + HDR_MAGIC) != RV_WIRE_MAGIC)
		return -EBADMSG;
	if (buf[HDR_VERSION] != RV_WIRE_VERSION)
		return -EPROTONOSUPPORT;
	if (get_be16(buf + HDR_RESERVED) != 0)
		return -EBADMSG;
	blen = body_len(buf[HDR_TYPE]);
	if (blen == 0)
		return -ENOMSG;
	length = get_be32(buf + HDR_LENGTH);
	if (length != len - RV_WIRE_HEADER_LEN || length != blen)
		return -EMSGSIZE;

	/* from here on len == RV_WIRE_HEADER_LEN + blen: the body is there */
	memset(&d, 0, sizeof(d));
	d.type = buf[HDR_TYPE];
	d.sender = get_be32(buf + HDR_SENDER);
	d.generation = get_be64(buf + HDR_GENERATION);

	b = buf + RV_WIRE_HEADER_LEN;
	if (d.type == RV_MSG_STATE) {
		d.u.state.role = b[STATE_ROLE];
		d.u.state.disk = b[STATE_DISK];
		d.u.state.health = b[STATE_HEALTH];
		d.u.state.flags = b[STATE_FLAGS];
		d.u.state.active = get_be32(b + STATE_ACTIVE);
		d.u.state.role_ms = get_be32(b + STATE_ROLE_MS);
		d.u.state.claim = get_be64(b + STATE_CLAIM);
		memcpy(d.u.state.digest, b + STATE_DIGEST, RV_DIGEST_LEN);
		if (!state_in_range(&d.u.state))
			return -EBADMSG;
	} else {
		d.u.target = get_be32(b);
		if (d.type == RV_MSG_CLAIM)
			d.nonce = get_be64(b + CLAIM_NONCE);
	}

	*m = d;
	return 0;
}

const char *
rv_msg_type_name(int type)
{
	if (body_len(type) == 0)
		return "unknown";
	return msg_types[type].name;
}
