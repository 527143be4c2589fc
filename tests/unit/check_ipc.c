/*
 * check_ipc.c — unit tests for agent/daemon/ipc_parse.c: what relevod makes
 * of the bytes a local client sends before it looks at the command, and
 * which commands need root (the rest the relevo group may run too).
 */
#include "autoconf.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipc_parse.h"
#include "ipc_proto.h"

/* header + body (len bytes), with the header's id and size as given */
static size_t
request(unsigned char *buf, size_t cap, int32_t id, int32_t size, const char *body,
	size_t len)
{
	struct qb_ipc_request_header h;

	memset(&h, 0, sizeof(h));
	h.id = id;
	h.size = size;
	ck_assert_uint_le(sizeof(h) + len, cap);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), body, len);
	return sizeof(h) + len;
}

static size_t
good(unsigned char *buf, size_t cap, const char *body, size_t len)
{
	return request(buf, cap, RV_IPC_REQUEST,
		       (int32_t)(sizeof(struct qb_ipc_request_header) + len), body, len);
}

/* The parse must refuse with why, and leave nothing to free. */
static void
refused(const unsigned char *buf, size_t n, const char *want_why)
{
	json_object *req = (json_object *)1;
	const char *cmd = "x", *why = NULL;

	ck_assert_int_eq(rv_ipc_parse_request(buf, n, &req, &cmd, &why), -EBADMSG);
	ck_assert_ptr_null(req);
	ck_assert_ptr_null(cmd);
	ck_assert_str_eq(why, want_why);
}

START_TEST(status_request)
{
	static const char body[] = "{\"command\": \"status\"}";
	unsigned char buf[256];
	json_object *req;
	const char *cmd, *why = NULL;
	size_t n = good(buf, sizeof(buf), body, sizeof(body) - 1);

	ck_assert_int_eq(rv_ipc_parse_request(buf, n, &req, &cmd, &why), 0);
	ck_assert_str_eq(cmd, "status");
	ck_assert(json_object_is_type(req, json_type_object));
	json_object_put(req);
}
END_TEST

START_TEST(text_after_nul_ignored)
{
	static const char body[] = "{\"command\": \"history\"}\0garbage{";
	unsigned char buf[256];
	json_object *req;
	const char *cmd, *why;
	size_t n = good(buf, sizeof(buf), body, sizeof(body) - 1);

	ck_assert_int_eq(rv_ipc_parse_request(buf, n, &req, &cmd, &why), 0);
	ck_assert_str_eq(cmd, "history");
	json_object_put(req);
}
END_TEST

/* Found by fuzz_ipc: the header was read through a cast of the caller's
 * pointer, which UBSan refuses when it is not 8-byte aligned as the
 * struct is; a request is bytes, wherever they lie. */
START_TEST(unaligned_request)
{
	static const char body[] = "{\"command\": \"status\"}";
	_Alignas(8) unsigned char buf[256];
	json_object *req;
	const char *cmd, *why;
	size_t off, n;

	for (off = 1; off < 8; off++) {
		n = good(buf + off, sizeof(buf) - off, body, sizeof(body) - 1);
		ck_assert_int_eq(rv_ipc_parse_request(buf + off, n, &req, &cmd, &why), 0);
		ck_assert_str_eq(cmd, "status");
		json_object_put(req);
		buf[off] ^= 0xff; /* a wrong id */
		refused(buf + off, n, "bad request header");
	}
}
END_TEST

START_TEST(bad_headers_refused)
{
	struct qb_ipc_request_header h;
	static const char body[] = "{\"command\": \"status\"}";
	const size_t blen = sizeof(body) - 1;
	const int32_t whole = (int32_t)(sizeof(h) + blen);
	unsigned char buf[256];
	size_t n;

	n = request(buf, sizeof(buf), RV_IPC_RESPONSE, whole, body, blen);
	refused(buf, n, "bad request header");
	n = request(buf, sizeof(buf), RV_IPC_REQUEST, whole + 1, body, blen);
	refused(buf, n, "bad request header");
	n = request(buf, sizeof(buf), RV_IPC_REQUEST, whole - 1, body, blen);
	refused(buf, n, "bad request header");
	n = request(buf, sizeof(buf), RV_IPC_REQUEST, -1, body, blen);
	refused(buf, n, "bad request header");
	refused(buf, sizeof(h) - 1, "bad request header");
	refused(buf, 0, "bad request header");
}
END_TEST

START_TEST(bad_bodies_refused)
{
	static const char *const not_object[] = {
		"", "[\"command\", \"status\"]", "\"status\"", "{\"command\": \"status\"",
		"{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":"
		"{\"g\":{\"h\":{\"i\":1}}}}}}}}}, \"command\": \"status\"}",
	};
	static const char *const no_command[] = {
		"{}", "{\"command\": 1}", "{\"command\": null}", "{\"Command\": \"status\"}",
	};
	unsigned char buf[256];
	size_t i, n;

	for (i = 0; i < sizeof(not_object) / sizeof(not_object[0]); i++) {
		n = good(buf, sizeof(buf), not_object[i], strlen(not_object[i]));
		refused(buf, n, "request is not a JSON object");
	}
	for (i = 0; i < sizeof(no_command) / sizeof(no_command[0]); i++) {
		n = good(buf, sizeof(buf), no_command[i], strlen(no_command[i]));
		refused(buf, n, "request has no \"command\"");
	}
}
END_TEST

START_TEST(oversized_refused)
{
	size_t size = RV_IPC_MAX_MSG + 1;
	unsigned char *buf = calloc(1, size);
	struct qb_ipc_request_header h;

	ck_assert_ptr_nonnull(buf);
	memset(&h, 0, sizeof(h));
	h.id = RV_IPC_REQUEST;
	h.size = (int32_t)size;
	memcpy(buf, &h, sizeof(h));
	refused(buf, size, "bad request header");
	free(buf);
}
END_TEST

/* Who may ask what: ipc.c refuses a command that needs root to a client
 * that is not root (members of the relevo group are let in to read). */
START_TEST(rights)
{
	static const char *const read_only[] = {
		"status", "history", "fence-history",
	};
	static const char *const root_only[] = {
		"switchover", "standby", "unstandby", "maintenance", "fence-peer", "unfence-peer",
	};
	size_t i;

	for (i = 0; i < sizeof(read_only) / sizeof(read_only[0]); i++)
		ck_assert_msg(!rv_ipc_needs_root(read_only[i]), "%s needs root", read_only[i]);
	for (i = 0; i < sizeof(root_only) / sizeof(root_only[0]); i++)
		ck_assert_msg(rv_ipc_needs_root(root_only[i]), "%s does not need root",
			      root_only[i]);
	/* names are exact; anything else is no command, and ipc.c answers
	 * "unknown command" to whoever asks, root or not: it never acts */
	ck_assert(!rv_ipc_needs_root("fence-history-x"));
	ck_assert(!rv_ipc_needs_root("Fence-Peer"));
	ck_assert(!rv_ipc_needs_root(""));
	ck_assert(!rv_ipc_needs_root("fence"));
}
END_TEST

static Suite *
ipc_suite(void)
{
	Suite *s = suite_create("ipc");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, status_request);
	tcase_add_test(tc, text_after_nul_ignored);
	tcase_add_test(tc, unaligned_request);
	tcase_add_test(tc, bad_headers_refused);
	tcase_add_test(tc, bad_bodies_refused);
	tcase_add_test(tc, oversized_refused);
	tcase_add_test(tc, rights);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ipc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
