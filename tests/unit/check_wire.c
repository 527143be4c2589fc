/*
 * check_wire.c — unit tests for agent/lib/wire.c: the codec of the messages
 * peers exchange on the site's CPG group.
 *
 * The golden vectors below are written out by hand from the layout in
 * wire.h, never produced by the encoder, so the layout cannot drift without a
 * test failing. Every refusal also checks that the caller's struct was left
 * untouched.
 */
#include "autoconf.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "types.h"
#include "wire.h"

#define STATE_LEN RV_WIRE_MAX_LEN
#define TARGET_LEN (RV_WIRE_HEADER_LEN + 4)  /* RELEASE, SWITCHOVER */
#define CLAIM_LEN (RV_WIRE_HEADER_LEN + 12)  /* target and nonce */

/* Offsets into the header, for tests that corrupt one field. */
#define OFF_VERSION 4
#define OFF_TYPE 5
#define OFF_RESERVED 6
#define OFF_LENGTH 8

static const uint8_t target_types[] = {
	RV_MSG_CLAIM, RV_MSG_RELEASE, RV_MSG_SWITCHOVER,
};

static size_t
len_of(uint8_t type)
{
	return type == RV_MSG_CLAIM ? CLAIM_LEN : TARGET_LEN;
}

/* STATE: sender 0x01020304, generation 0x1122334455667788, active, uptodate,
 * ok, HOLDS|PROBED, active node 0x0a0b0c0d, 60000 ms in role, claim
 * 0xc0c1c2c3c4c5c6c7, digest 0xa0..0xbf. */
static const unsigned char golden_state[STATE_LEN] = {
	0x52, 0x56, 0x4f, 0x31,                         /* magic "RVO1" */
	0x02,                                           /* version */
	0x01,                                           /* type STATE */
	0x00, 0x00,                                     /* reserved */
	0x00, 0x00, 0x00, 0x34,                         /* length 52 */
	0x01, 0x02, 0x03, 0x04,                         /* sender */
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* generation */
	0x03,                                           /* role active */
	0x06,                                           /* disk uptodate */
	0x01,                                           /* health ok */
	0x09,                                           /* HOLDS|PROBED */
	0x0a, 0x0b, 0x0c, 0x0d,                         /* active */
	0x00, 0x00, 0xea, 0x60,                         /* role_ms 60000 */
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, /* claim */
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, /* digest */
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
};

/* CLAIM: sender 2, generation 0x0000000100000007, target 0xdeadbeef,
 * nonce 0xfedcba9876543210. */
static const unsigned char golden_claim[CLAIM_LEN] = {
	0x52, 0x56, 0x4f, 0x31,                         /* magic "RVO1" */
	0x02,                                           /* version */
	0x02,                                           /* type CLAIM */
	0x00, 0x00,                                     /* reserved */
	0x00, 0x00, 0x00, 0x0c,                         /* length 12 */
	0x00, 0x00, 0x00, 0x02,                         /* sender */
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07, /* generation */
	0xde, 0xad, 0xbe, 0xef,                         /* target */
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, /* nonce */
};

static struct rv_msg
golden_state_msg(void)
{
	struct rv_msg m;
	size_t i;

	memset(&m, 0, sizeof(m));
	m.type = RV_MSG_STATE;
	m.sender = 0x01020304;
	m.generation = 0x1122334455667788ull;
	m.u.state.role = RV_ROLE_ACTIVE;
	m.u.state.disk = RV_DISK_UPTODATE;
	m.u.state.health = RV_HEALTH_OK;
	m.u.state.flags = RV_STATE_HOLDS | RV_STATE_PROBED;
	m.u.state.active = 0x0a0b0c0d;
	m.u.state.role_ms = 60000;
	m.u.state.claim = 0xc0c1c2c3c4c5c6c7ull;
	for (i = 0; i < RV_DIGEST_LEN; i++)
		m.u.state.digest[i] = (unsigned char)(0xa0 + i);
	return m;
}

static struct rv_msg
golden_claim_msg(void)
{
	struct rv_msg m;

	memset(&m, 0, sizeof(m));
	m.type = RV_MSG_CLAIM;
	m.sender = 2;
	m.generation = 0x0000000100000007ull;
	m.u.target = 0xdeadbeef;
	m.nonce = 0xfedcba9876543210ull;
	return m;
}

/* Field by field: struct padding is not part of a message. */
static int
msg_eq(const struct rv_msg *a, const struct rv_msg *b)
{
	if (a->type != b->type || a->sender != b->sender ||
	    a->generation != b->generation)
		return 0;
	if (a->type != RV_MSG_STATE)
		return a->u.target == b->u.target && a->nonce == b->nonce;
	return a->u.state.role == b->u.state.role &&
	       a->u.state.disk == b->u.state.disk &&
	       a->u.state.health == b->u.state.health &&
	       a->u.state.flags == b->u.state.flags &&
	       a->u.state.active == b->u.state.active &&
	       a->u.state.role_ms == b->u.state.role_ms &&
	       a->u.state.claim == b->u.state.claim &&
	       memcmp(a->u.state.digest, b->u.state.digest, RV_DIGEST_LEN) == 0;
}

/* Encode m, check its length, decode it back and compare. */
static void
round_trip(const struct rv_msg *m, size_t want_len)
{
	unsigned char buf[RV_WIRE_MAX_LEN + 8];
	struct rv_msg out;

	ck_assert_int_eq(rv_wire_encode(m, buf, sizeof(buf)), (ssize_t)want_len);
	/* an exactly sized buffer is enough */
	ck_assert_int_eq(rv_wire_encode(m, buf, want_len), (ssize_t)want_len);
	memset(&out, 0x5a, sizeof(out));
	ck_assert_int_eq(rv_wire_decode(buf, want_len, &out), 0);
	ck_assert(msg_eq(m, &out));
}

/* Decode must return want and leave *m exactly as it was. */
static void
refused(const unsigned char *buf, size_t len, int want)
{
	struct rv_msg m, before;

	memset(&m, 0xa5, sizeof(m));
	memcpy(&before, &m, sizeof(m));
	ck_assert_int_eq(rv_wire_decode(buf, len, &m), want);
	ck_assert_mem_eq(&m, &before, sizeof(m));
}

START_TEST(state_round_trips_every_value)
{
	static const uint32_t u32s[] = { 0, 1, 0x80000000u, UINT32_MAX };
	static const uint64_t u64s[] = { 0, 1, UINT32_MAX, UINT64_MAX };
	static const uint8_t flags[] = { 0, RV_STATE_HOLDS | RV_STATE_PROBED, 0x0f, 0xff };
	struct rv_msg m;
	int role, disk, health;
	size_t i;

	memset(&m, 0, sizeof(m));
	m.type = RV_MSG_STATE;
	for (role = 0; role < RV_ROLE_COUNT; role++)
	for (disk = 0; disk < RV_DISK_COUNT; disk++)
	for (health = 0; health < RV_HEALTH_COUNT; health++) {
		i = (size_t)(role + disk + health);
		m.sender = u32s[i % 4];
		m.generation = u64s[(i + 1) % 4];
		m.u.state.role = (uint8_t)role;
		m.u.state.disk = (uint8_t)disk;
		m.u.state.health = (uint8_t)health;
		m.u.state.flags = flags[i % 4];
		m.u.state.active = u32s[(i + 2) % 4];
		m.u.state.role_ms = u32s[(i + 3) % 4];
		m.u.state.claim = u64s[(i + 2) % 4];
		memset(m.u.state.digest, (int)(i * 37), RV_DIGEST_LEN);
		round_trip(&m, STATE_LEN);
	}
}
END_TEST

START_TEST(state_round_trips_edges)
{
	struct rv_msg m = golden_state_msg();
	size_t i;

	m.sender = UINT32_MAX;
	m.generation = UINT64_MAX;
	m.u.state.active = UINT32_MAX;
	m.u.state.role_ms = UINT32_MAX;
	m.u.state.claim = UINT64_MAX;
	m.u.state.flags = 0xff;
	memset(m.u.state.digest, 0xff, RV_DIGEST_LEN);
	round_trip(&m, STATE_LEN);

	m.sender = 0;
	m.generation = 0;
	m.u.state.active = 0;
	m.u.state.role_ms = 0;
	m.u.state.claim = 0;
	m.u.state.flags = 0;
	memset(m.u.state.digest, 0, RV_DIGEST_LEN);
	round_trip(&m, STATE_LEN);

	/* a full digest, every byte distinct, so no byte can be lost or moved */
	for (i = 0; i < RV_DIGEST_LEN; i++)
		m.u.state.digest[i] = (unsigned char)(0xff - i);
	round_trip(&m, STATE_LEN);
}
END_TEST

START_TEST(targets_round_trip_edges)
{
	static const uint32_t u32s[] = { 0, 1, 0xdeadbeefu, UINT32_MAX };
	static const uint64_t u64s[] = { 0, 1, 0x0123456789abcdefull, UINT64_MAX };
	struct rv_msg m;
	size_t t, i, j;

	for (t = 0; t < sizeof(target_types); t++)
	for (i = 0; i < 4; i++)
	for (j = 0; j < 4; j++) {
		memset(&m, 0, sizeof(m));
		m.type = target_types[t];
		m.sender = u32s[(i + j) % 4];
		m.generation = u64s[j];
		m.u.target = u32s[i];
		if (m.type == RV_MSG_CLAIM)
			m.nonce = u64s[(i + 1) % 4];
		round_trip(&m, len_of(m.type));
	}
}
END_TEST

START_TEST(golden_state_vector)
{
	struct rv_msg want = golden_state_msg(), got;
	unsigned char buf[RV_WIRE_MAX_LEN];

	ck_assert_int_eq(rv_wire_encode(&want, buf, sizeof(buf)), STATE_LEN);
	ck_assert_mem_eq(buf, golden_state, STATE_LEN);
	memset(&got, 0, sizeof(got));
	ck_assert_int_eq(rv_wire_decode(golden_state, sizeof(golden_state), &got), 0);
	ck_assert(msg_eq(&got, &want));
}
END_TEST

START_TEST(golden_claim_vector)
{
	struct rv_msg want = golden_claim_msg(), got;
	unsigned char buf[RV_WIRE_MAX_LEN];

	ck_assert_int_eq(rv_wire_encode(&want, buf, sizeof(buf)), CLAIM_LEN);
	ck_assert_mem_eq(buf, golden_claim, CLAIM_LEN);
	memset(&got, 0, sizeof(got));
	ck_assert_int_eq(rv_wire_decode(golden_claim, sizeof(golden_claim), &got), 0);
	ck_assert(msg_eq(&got, &want));
	ck_assert_uint_eq(got.u.target, 0xdeadbeefu);
	ck_assert(got.nonce == 0xfedcba9876543210ull);
}
END_TEST

/* Each prefix is copied to a buffer of exactly its size, so a read past the
 * end shows under valgrind. */
static void
every_truncation_refused(const unsigned char *msg, size_t full)
{
	size_t n;

	for (n = 0; n < full; n++) {
		unsigned char *p = malloc(n > 0 ? n : 1);

		ck_assert_ptr_nonnull(p);
		memcpy(p, msg, n);
		refused(p, n, n < RV_WIRE_HEADER_LEN ? -EBADMSG : -EMSGSIZE);
		free(p);
	}
	refused(NULL, 0, -EBADMSG);
}

START_TEST(truncations_refused)
{
	unsigned char buf[RV_WIRE_MAX_LEN];
	struct rv_msg m = golden_claim_msg();
	size_t t;

	every_truncation_refused(golden_state, sizeof(golden_state));
	every_truncation_refused(golden_claim, sizeof(golden_claim));
	for (t = 0; t < sizeof(target_types); t++) {
		m.type = target_types[t];
		ck_assert_int_eq(rv_wire_encode(&m, buf, sizeof(buf)), (ssize_t)len_of(m.type));
		every_truncation_refused(buf, len_of(m.type));
	}
}
END_TEST

START_TEST(trailing_byte_refused)
{
	unsigned char buf[RV_WIRE_MAX_LEN + 1];
	struct rv_msg m = golden_claim_msg();
	size_t t;

	memcpy(buf, golden_state, STATE_LEN);
	buf[STATE_LEN] = 0;
	refused(buf, STATE_LEN + 1, -EMSGSIZE);
	for (t = 0; t < sizeof(target_types); t++) {
		m.type = target_types[t];
		ck_assert_int_eq(rv_wire_encode(&m, buf, sizeof(buf)), (ssize_t)len_of(m.type));
		buf[len_of(m.type)] = 0;
		refused(buf, len_of(m.type) + 1, -EMSGSIZE);
	}
}
END_TEST

START_TEST(wrong_magic_refused)
{
	unsigned char buf[STATE_LEN];
	size_t i;

	for (i = 0; i < 4; i++) {
		memcpy(buf, golden_state, STATE_LEN);
		buf[i] ^= 0x01;
		refused(buf, STATE_LEN, -EBADMSG);
		memcpy(buf, golden_state, STATE_LEN);
		buf[i] = 0;
		refused(buf, STATE_LEN, -EBADMSG);
	}
	/* little-endian magic is not the magic */
	memcpy(buf, golden_state, STATE_LEN);
	buf[0] = 0x31;
	buf[1] = 0x4f;
	buf[2] = 0x56;
	buf[3] = 0x52;
	refused(buf, STATE_LEN, -EBADMSG);
}
END_TEST

START_TEST(other_versions_refused)
{
	static const unsigned char versions[] = { 0, 1, 3, 255 };
	unsigned char buf[STATE_LEN];
	size_t i;

	for (i = 0; i < sizeof(versions); i++) {
		memcpy(buf, golden_state, STATE_LEN);
		buf[OFF_VERSION] = versions[i];
		refused(buf, STATE_LEN, -EPROTONOSUPPORT);
		memcpy(buf, golden_claim, CLAIM_LEN);
		buf[OFF_VERSION] = versions[i];
		refused(buf, CLAIM_LEN, -EPROTONOSUPPORT);
	}
}
END_TEST

START_TEST(unknown_types_refused)
{
	static const unsigned char types[] = { 0, 5, 255 };
	unsigned char buf[STATE_LEN];
	size_t i;

	for (i = 0; i < sizeof(types); i++) {
		memcpy(buf, golden_claim, CLAIM_LEN);
		buf[OFF_TYPE] = types[i];
		refused(buf, CLAIM_LEN, -ENOMSG);
		memcpy(buf, golden_state, STATE_LEN);
		buf[OFF_TYPE] = types[i];
		refused(buf, STATE_LEN, -ENOMSG);
	}
}
END_TEST

START_TEST(nonzero_reserved_refused)
{
	unsigned char buf[STATE_LEN];

	memcpy(buf, golden_state, STATE_LEN);
	buf[OFF_RESERVED] = 0x01;
	refused(buf, STATE_LEN, -EBADMSG);
	memcpy(buf, golden_claim, CLAIM_LEN);
	buf[OFF_RESERVED + 1] = 0x80;
	refused(buf, CLAIM_LEN, -EBADMSG);
	buf[OFF_RESERVED] = 0xff;
	buf[OFF_RESERVED + 1] = 0xff;
	refused(buf, CLAIM_LEN, -EBADMSG);
}
END_TEST

static void
set_length(unsigned char *buf, uint32_t v)
{
	buf[OFF_LENGTH] = (unsigned char)(v >> 24);
	buf[OFF_LENGTH + 1] = (unsigned char)(v >> 16);
	buf[OFF_LENGTH + 2] = (unsigned char)(v >> 8);
	buf[OFF_LENGTH + 3] = (unsigned char)v;
}

START_TEST(lying_length_refused)
{
	static const uint32_t lies[] = { 0, 3, 4, 5, 11, 13, 51, 53, 0x01000034, UINT32_MAX };
	unsigned char buf[RV_WIRE_MAX_LEN + 1];
	size_t i;

	for (i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		memcpy(buf, golden_state, STATE_LEN);
		set_length(buf, lies[i]);
		refused(buf, STATE_LEN, -EMSGSIZE);
		memcpy(buf, golden_claim, CLAIM_LEN);
		set_length(buf, lies[i]);
		refused(buf, CLAIM_LEN, -EMSGSIZE);
	}

	/* the field agrees with the buffer but not with the type */
	memcpy(buf, golden_state, STATE_LEN);
	buf[OFF_TYPE] = RV_MSG_CLAIM;
	refused(buf, STATE_LEN, -EMSGSIZE);
	memcpy(buf, golden_claim, CLAIM_LEN);
	buf[OFF_TYPE] = RV_MSG_STATE;
	refused(buf, CLAIM_LEN, -EMSGSIZE);

	/* the field agrees with the type but the buffer is one byte longer */
	memcpy(buf, golden_state, STATE_LEN);
	buf[STATE_LEN] = 0;
	refused(buf, STATE_LEN + 1, -EMSGSIZE);
}
END_TEST

START_TEST(state_out_of_range_refused)
{
	unsigned char buf[STATE_LEN];
	const size_t body = RV_WIRE_HEADER_LEN;
	static const unsigned char bad_role[] = { RV_ROLE_COUNT, 0x80, 0xff };
	static const unsigned char bad_disk[] = { RV_DISK_COUNT, 0x80, 0xff };
	static const unsigned char bad_health[] = { RV_HEALTH_COUNT, 0x80, 0xff };
	size_t i;

	for (i = 0; i < 3; i++) {
		memcpy(buf, golden_state, STATE_LEN);
		buf[body + 0] = bad_role[i];
		refused(buf, STATE_LEN, -EBADMSG);
		memcpy(buf, golden_state, STATE_LEN);
		buf[body + 1] = bad_disk[i];
		refused(buf, STATE_LEN, -EBADMSG);
		memcpy(buf, golden_state, STATE_LEN);
		buf[body + 2] = bad_health[i];
		refused(buf, STATE_LEN, -EBADMSG);
	}
}
END_TEST

/* Checks run in the order wire.h documents; the first failing one decides. */
START_TEST(checks_in_order)
{
	unsigned char buf[STATE_LEN];

	/* short beats everything: garbage shorter than a header */
	memset(buf, 0xff, sizeof(buf));
	refused(buf, RV_WIRE_HEADER_LEN - 1, -EBADMSG);
	/* magic before version */
	memcpy(buf, golden_state, STATE_LEN);
	buf[0] = 0;
	buf[OFF_VERSION] = 3;
	refused(buf, STATE_LEN, -EBADMSG);
	/* version before reserved, type and length */
	memcpy(buf, golden_state, STATE_LEN);
	buf[OFF_VERSION] = 3;
	buf[OFF_RESERVED] = 1;
	buf[OFF_TYPE] = 9;
	set_length(buf, 1);
	refused(buf, STATE_LEN, -EPROTONOSUPPORT);
	/* reserved before type */
	memcpy(buf, golden_state, STATE_LEN);
	buf[OFF_RESERVED] = 1;
	buf[OFF_TYPE] = 9;
	refused(buf, STATE_LEN, -EBADMSG);
	/* type before length */
	memcpy(buf, golden_state, STATE_LEN);
	buf[OFF_TYPE] = 9;
	set_length(buf, 1);
	refused(buf, STATE_LEN - 3, -ENOMSG);
	/* length before the body */
	memcpy(buf, golden_state, STATE_LEN);
	buf[RV_WIRE_HEADER_LEN] = 0xff;
	set_length(buf, 51);
	refused(buf, STATE_LEN, -EMSGSIZE);
}
END_TEST

START_TEST(encode_too_small_refused)
{
	struct rv_msg state = golden_state_msg(), claim = golden_claim_msg();
	unsigned char buf[RV_WIRE_MAX_LEN], before[RV_WIRE_MAX_LEN];
	size_t n;

	memset(before, 0x77, sizeof(before));
	for (n = 0; n < STATE_LEN; n++) {
		memcpy(buf, before, sizeof(buf));
		ck_assert_int_eq(rv_wire_encode(&state, buf, n), -EMSGSIZE);
		ck_assert_mem_eq(buf, before, sizeof(buf));
	}
	for (n = 0; n < CLAIM_LEN; n++) {
		memcpy(buf, before, sizeof(buf));
		ck_assert_int_eq(rv_wire_encode(&claim, buf, n), -EMSGSIZE);
		ck_assert_mem_eq(buf, before, sizeof(buf));
	}
	ck_assert_int_eq(rv_wire_encode(&claim, NULL, 0), -EMSGSIZE);
}
END_TEST

START_TEST(encode_invalid_refused)
{
	static const uint8_t types[] = { 0, 5, 255 };
	struct rv_msg m;
	unsigned char buf[RV_WIRE_MAX_LEN], before[RV_WIRE_MAX_LEN];
	size_t i;

	memset(before, 0x77, sizeof(before));
	memcpy(buf, before, sizeof(buf));
	for (i = 0; i < sizeof(types); i++) {
		m = golden_claim_msg();
		m.type = types[i];
		ck_assert_int_eq(rv_wire_encode(&m, buf, sizeof(buf)), -EINVAL);
		/* an invalid message is refused even when it would not fit */
		ck_assert_int_eq(rv_wire_encode(&m, buf, 0), -EINVAL);
	}
	m = golden_state_msg();
	m.u.state.role = RV_ROLE_COUNT;
	ck_assert_int_eq(rv_wire_encode(&m, buf, sizeof(buf)), -EINVAL);
	m = golden_state_msg();
	m.u.state.disk = RV_DISK_COUNT;
	ck_assert_int_eq(rv_wire_encode(&m, buf, sizeof(buf)), -EINVAL);
	m = golden_state_msg();
	m.u.state.health = RV_HEALTH_COUNT;
	ck_assert_int_eq(rv_wire_encode(&m, buf, sizeof(buf)), -EINVAL);
	m = golden_state_msg();
	m.u.state.health = 0xff;
	ck_assert_int_eq(rv_wire_encode(&m, buf, 1), -EINVAL);
	ck_assert_mem_eq(buf, before, sizeof(buf));
}
END_TEST

START_TEST(type_names)
{
	ck_assert_str_eq(rv_msg_type_name(RV_MSG_STATE), "state");
	ck_assert_str_eq(rv_msg_type_name(RV_MSG_CLAIM), "claim");
	ck_assert_str_eq(rv_msg_type_name(RV_MSG_RELEASE), "release");
	ck_assert_str_eq(rv_msg_type_name(RV_MSG_SWITCHOVER), "switchover");
	ck_assert_str_eq(rv_msg_type_name(0), "unknown");
	ck_assert_str_eq(rv_msg_type_name(5), "unknown");
	ck_assert_str_eq(rv_msg_type_name(255), "unknown");
	ck_assert_str_eq(rv_msg_type_name(-1), "unknown");
	ck_assert_str_eq(rv_msg_type_name(INT_MIN), "unknown");
	ck_assert_str_eq(rv_msg_type_name(INT_MAX), "unknown");
}
END_TEST

/* xorshift64: a fixed seed makes every run, and every failure, the same. */
static uint64_t
next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A valid message of a random type with random fields. */
static size_t
random_valid(uint64_t *s, unsigned char *buf)
{
	struct rv_msg m;
	size_t i;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.type = (uint8_t)(RV_MSG_STATE + next_rand(s) % 4);
	m.sender = (uint32_t)next_rand(s);
	m.generation = next_rand(s);
	if (m.type == RV_MSG_STATE) {
		m.u.state.role = (uint8_t)(next_rand(s) % RV_ROLE_COUNT);
		m.u.state.disk = (uint8_t)(next_rand(s) % RV_DISK_COUNT);
		m.u.state.health = (uint8_t)(next_rand(s) % RV_HEALTH_COUNT);
		m.u.state.flags = (uint8_t)next_rand(s);
		m.u.state.active = (uint32_t)next_rand(s);
		m.u.state.role_ms = (uint32_t)next_rand(s);
		m.u.state.claim = next_rand(s);
		for (i = 0; i < RV_DIGEST_LEN; i++)
			m.u.state.digest[i] = (unsigned char)next_rand(s);
	} else {
		m.u.target = (uint32_t)next_rand(s);
		if (m.type == RV_MSG_CLAIM)
			m.nonce = next_rand(s);
	}
	n = rv_wire_encode(&m, buf, RV_WIRE_MAX_LEN);
	ck_assert_int_gt(n, 0);
	return (size_t)n;
}

#define MUTATIONS 100000

START_TEST(mutations_never_crash_and_reencode_exactly)
{
	unsigned char msg[RV_WIRE_MAX_LEN + 16], again[RV_WIRE_MAX_LEN];
	uint64_t seed = 0x52564f31a5a5a5a5ull;
	unsigned long accepted = 0, refusals = 0;
	int i;

	for (i = 0; i < MUTATIONS; i++) {
		struct rv_msg m, before;
		unsigned char *p;
		size_t len, flips, k;
		int rc;

		memset(msg, 0, sizeof(msg));
		len = random_valid(&seed, msg);
		/* flip 0 to 3 bytes anywhere, header included */
		flips = next_rand(&seed) % 4;
		for (k = 0; k < flips; k++)
			msg[next_rand(&seed) % sizeof(msg)] ^=
				(unsigned char)(1 + next_rand(&seed) % 255);
		/* half the time keep the length, else any from 0 to past max */
		if (next_rand(&seed) % 2)
			len = next_rand(&seed) % sizeof(msg);

		/* exactly len bytes on the heap: an over-read shows in valgrind */
		p = len > 0 ? malloc(len) : NULL;
		ck_assert(len == 0 || p != NULL);
		if (len > 0)
			memcpy(p, msg, len);
		memset(&m, 0xa5, sizeof(m));
		memcpy(&before, &m, sizeof(m));
		rc = rv_wire_decode(p, len, &m);
		if (rc == 0) {
			accepted++;
			ck_assert_int_eq(rv_wire_encode(&m, again, sizeof(again)),
					 (ssize_t)len);
			ck_assert_mem_eq(again, p, len);
		} else {
			refusals++;
			ck_assert(rc == -EBADMSG || rc == -EPROTONOSUPPORT ||
				  rc == -ENOMSG || rc == -EMSGSIZE);
			ck_assert_mem_eq(&m, &before, sizeof(m));
		}
		free(p);
	}
	/* both paths were exercised, or the loop proves nothing */
	ck_assert_uint_gt(accepted, MUTATIONS / 20);
	ck_assert_uint_gt(refusals, MUTATIONS / 20);
}
END_TEST

static Suite *
wire_suite(void)
{
	Suite *s = suite_create("wire");
	TCase *tc = tcase_create("codec");
	TCase *fz = tcase_create("mutations");

	tcase_add_test(tc, state_round_trips_every_value);
	tcase_add_test(tc, state_round_trips_edges);
	tcase_add_test(tc, targets_round_trip_edges);
	tcase_add_test(tc, golden_state_vector);
	tcase_add_test(tc, golden_claim_vector);
	tcase_add_test(tc, truncations_refused);
	tcase_add_test(tc, trailing_byte_refused);
	tcase_add_test(tc, wrong_magic_refused);
	tcase_add_test(tc, other_versions_refused);
	tcase_add_test(tc, unknown_types_refused);
	tcase_add_test(tc, nonzero_reserved_refused);
	tcase_add_test(tc, lying_length_refused);
	tcase_add_test(tc, state_out_of_range_refused);
	tcase_add_test(tc, checks_in_order);
	tcase_add_test(tc, encode_too_small_refused);
	tcase_add_test(tc, encode_invalid_refused);
	tcase_add_test(tc, type_names);
	suite_add_tcase(s, tc);

	/* generous: the loop also runs under valgrind */
	tcase_set_timeout(fz, 120);
	tcase_add_test(fz, mutations_never_crash_and_reencode_exactly);
	suite_add_tcase(s, fz);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(wire_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
