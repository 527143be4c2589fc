/*
 * check_drbd_handler.c — unit tests for fence/drbd_handler.c: the exit codes
 * relevo's DRBD fence-peer handler gives DRBD for every answer relevod can
 * give (and for none), how it reads that answer, its mode and the
 * environment drbdadm hands it.
 *
 * The outcome names are taken from relevod's own fencing.c, so a name added
 * or renamed there without the handler knowing it fails here.
 */
#include "autoconf.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "drbd_handler.h"
#include "fencing.h"
#include "ipc_proto.h"

/* A response as relevod sends it: header, then body (len bytes). */
static size_t
answer(unsigned char *buf, size_t cap, int32_t id, int32_t size, const char *body, size_t len)
{
	struct qb_ipc_response_header h;

	memset(&h, 0, sizeof(h));
	h.id = id;
	h.size = size;
	ck_assert_uint_le(sizeof(h) + len, cap);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), body, len);
	return sizeof(h) + len;
}

/* body with its NUL, as ipc.c sends it */
static size_t
good(unsigned char *buf, size_t cap, const char *body)
{
	size_t len = strlen(body) + 1;

	return answer(buf, cap, RV_IPC_RESPONSE,
		      (int32_t)(sizeof(struct qb_ipc_response_header) + len), body, len);
}

/* The exit code DRBD gets for body as relevod's answer to fence-peer (or
 * for no answer, when the body cannot be parsed). */
static int
fence_exit_for(const char *body)
{
	unsigned char buf[1024];
	struct rv_drbd_answer a;
	size_t n = good(buf, sizeof(buf), body);

	if (rv_drbd_parse_answer(buf, n, &a) < 0)
		return rv_drbd_exit_code(RV_DRBD_FENCE_PEER, NULL);
	return rv_drbd_exit_code(RV_DRBD_FENCE_PEER, &a);
}

START_TEST(every_outcome_of_relevod)
{
	static const struct {
		enum rv_fencing_req_outcome out;
		int code;
	} want[] = {
		{ RV_FENCING_REQ_FENCED, 7 },
		{ RV_FENCING_REQ_PEER_OUTDATED, 4 },
		{ RV_FENCING_REQ_PEER_INCONSISTENT, 3 },
		{ RV_FENCING_REQ_FAILED, 1 },
		{ RV_FENCING_REQ_REFUSED, 6 },
	};
	char body[256];
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *name = rv_fencing_req_outcome_name(want[i].out);

		ck_assert_str_ne(name, "invalid");
		ck_assert_int_eq(rv_drbd_outcome_exit(name), want[i].code);
		/* the whole way: the answer as ipc.c builds it */
		snprintf(body, sizeof(body), "{\"ok\":true,\"outcome\":\"%s\",\"detail\":\"x\"}",
			 name);
		ck_assert_int_eq(fence_exit_for(body), want[i].code);
	}
	/* the named codes are DRBD's numbers */
	ck_assert_int_eq(RV_DRBD_EXIT_PEER_INCONSISTENT, 3);
	ck_assert_int_eq(RV_DRBD_EXIT_PEER_OUTDATED, 4);
	ck_assert_int_eq(RV_DRBD_EXIT_PEER_UNREACHABLE, 5);
	ck_assert_int_eq(RV_DRBD_EXIT_PEER_PRIMARY, 6);
	ck_assert_int_eq(RV_DRBD_EXIT_PEER_FENCED, 7);
}
END_TEST

/* Nothing that is not a known outcome may come out as a code DRBD acts on:
 * above all never 5, which thaws I/O over a peer nobody fenced. */
START_TEST(anything_else_is_not_fenced)
{
	static const char *const names[] = {
		"", "invalid", "Fenced", "fenced ", "stonithed", "unreachable", "peer-dead", "5",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_int_eq(rv_drbd_outcome_exit(names[i]), 1);
	ck_assert_int_eq(rv_drbd_outcome_exit(NULL), 1);
	ck_assert_int_eq(rv_drbd_outcome_exit(rv_fencing_req_outcome_name(
		(enum rv_fencing_req_outcome)99)), 1);
}
END_TEST

START_TEST(no_answer_is_not_fenced)
{
	/* relevod not running, not root, silent past the timeout: no answer */
	ck_assert_int_eq(rv_drbd_exit_code(RV_DRBD_FENCE_PEER, NULL), 1);
	ck_assert_int_eq(rv_drbd_exit_code(RV_DRBD_UNFENCE_PEER, NULL), 1);
}
END_TEST

START_TEST(refusals_are_not_fenced)
{
	/* the IPC's refusals: not root, a request it could not even try */
	ck_assert_int_eq(fence_exit_for("{\"ok\":false,\"error\":\"permission denied: changes "
					"need root\"}"), 1);
	ck_assert_int_eq(fence_exit_for("{\"ok\":false,\"error\":\"cannot fence the peer: "
					"too many fence requests waiting\"}"), 1);
	/* ok:false wins over an outcome that says otherwise */
	ck_assert_int_eq(fence_exit_for("{\"ok\":false,\"outcome\":\"fenced\"}"), 1);
	/* ok without an outcome is no outcome */
	ck_assert_int_eq(fence_exit_for("{\"ok\":true}"), 1);
	ck_assert_int_eq(fence_exit_for("{\"ok\":true,\"message\":\"done\"}"), 1);
}
END_TEST

START_TEST(malformed_answers_are_not_fenced)
{
	static const char *const bodies[] = {
		"", "fenced", "[\"ok\", true]", "{\"ok\":true,\"outcome\":\"fenced\"",
		"{\"ok\":\"true\",\"outcome\":\"fenced\"}", "{\"ok\":1,\"outcome\":\"fenced\"}",
		"{\"outcome\":\"fenced\"}", "{\"ok\":true,\"outcome\":7}",
		"{\"ok\":true,\"outcome\":[\"fenced\"]}", "{\"ok\":true,\"outcome\":null}",
		"{\"ok\":true,\"outcome\":\"fenced-and-then-some-more-text-than-fits-here\"}",
		"{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":1}}}}}}}},"
		"\"ok\":true,\"outcome\":\"fenced\"}",
	};
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		ck_assert_msg(fence_exit_for(bodies[i]) == 1, "answer %s gave %d", bodies[i],
			      fence_exit_for(bodies[i]));
}
END_TEST

START_TEST(bad_headers_refused)
{
	static const char body[] = "{\"ok\":true,\"outcome\":\"fenced\"}";
	struct qb_ipc_response_header h;
	const size_t blen = sizeof(body);
	const int32_t whole = (int32_t)(sizeof(h) + blen);
	unsigned char buf[256];
	struct rv_drbd_answer a;
	size_t n;

	n = answer(buf, sizeof(buf), RV_IPC_RESPONSE, whole, body, blen);
	ck_assert_int_eq(rv_drbd_parse_answer(buf, n, &a), 0);
	ck_assert_int_eq(rv_drbd_exit_code(RV_DRBD_FENCE_PEER, &a), 7);
	n = answer(buf, sizeof(buf), RV_IPC_REQUEST, whole, body, blen);
	ck_assert_int_eq(rv_drbd_parse_answer(buf, n, &a), -EBADMSG);
	ck_assert_str_eq(a.text, "bad answer header");
	n = answer(buf, sizeof(buf), RV_IPC_RESPONSE, whole + 1, body, blen);
	ck_assert_int_eq(rv_drbd_parse_answer(buf, n, &a), -EBADMSG);
	n = answer(buf, sizeof(buf), RV_IPC_RESPONSE, whole - 1, body, blen);
	ck_assert_int_eq(rv_drbd_parse_answer(buf, n, &a), -EBADMSG);
	n = answer(buf, sizeof(buf), RV_IPC_RESPONSE, -1, body, blen);
	ck_assert_int_eq(rv_drbd_parse_answer(buf, n, &a), -EBADMSG);
	ck_assert_int_eq(rv_drbd_parse_answer(buf, sizeof(h) - 1, &a), -EBADMSG);
	ck_assert_str_eq(a.text, "short answer");
	ck_assert_int_eq(rv_drbd_parse_answer(buf, 0, &a), -EBADMSG);
	ck_assert_int_eq(a.ok, 0);
}
END_TEST

START_TEST(answer_read)
{
	unsigned char buf[512];
	_Alignas(8) unsigned char ubuf[512];
	struct rv_drbd_answer a;
	size_t n, off;

	n = good(buf, sizeof(buf), "{\"ok\":true,\"outcome\":\"peer-outdated\","
		 "\"detail\":\"the peer's spool disk is Outdated\"}");
	ck_assert_int_eq(rv_drbd_parse_answer(buf, n, &a), 0);
	ck_assert_int_eq(a.ok, 1);
	ck_assert_str_eq(a.outcome, "peer-outdated");
	ck_assert_str_eq(a.text, "the peer's spool disk is Outdated");
	/* an error's text, made printable for the log */
	n = good(buf, sizeof(buf), "{\"ok\":false,\"error\":\"no\\nway\\u001b[31m\"}");
	ck_assert_int_eq(rv_drbd_parse_answer(buf, n, &a), 0);
	ck_assert_int_eq(a.ok, 0);
	ck_assert_str_eq(a.text, "no?way?[31m");
	/* unfence-peer's answer */
	n = good(buf, sizeof(buf), "{\"ok\":true,\"message\":\"nothing to undo\"}");
	ck_assert_int_eq(rv_drbd_parse_answer(buf, n, &a), 0);
	ck_assert_int_eq(rv_drbd_exit_code(RV_DRBD_UNFENCE_PEER, &a), 0);
	ck_assert_str_eq(a.text, "nothing to undo");
	/* what follows the NUL is not part of the answer */
	n = answer(buf, sizeof(buf), RV_IPC_RESPONSE,
		   (int32_t)(sizeof(struct qb_ipc_response_header) + 40),
		   "{\"ok\":true,\"outcome\":\"fenced\"}\0{\"ok\":fals", 40);
	ck_assert_int_eq(rv_drbd_parse_answer(buf, n, &a), 0);
	ck_assert_int_eq(rv_drbd_exit_code(RV_DRBD_FENCE_PEER, &a), 7);
	/* bytes, wherever they lie */
	for (off = 1; off < 8; off++) {
		n = good(ubuf + off, sizeof(ubuf) - off, "{\"ok\":true,\"outcome\":\"fenced\"}");
		ck_assert_int_eq(rv_drbd_parse_answer(ubuf + off, n, &a), 0);
		ck_assert_int_eq(rv_drbd_exit_code(RV_DRBD_FENCE_PEER, &a), 7);
	}
}
END_TEST

START_TEST(unfence_codes)
{
	struct rv_drbd_answer a;

	memset(&a, 0, sizeof(a));
	a.ok = 1;
	ck_assert_int_eq(rv_drbd_exit_code(RV_DRBD_UNFENCE_PEER, &a), 0);
	a.ok = 0;
	ck_assert_int_eq(rv_drbd_exit_code(RV_DRBD_UNFENCE_PEER, &a), 1);
}
END_TEST

START_TEST(modes)
{
	enum rv_drbd_mode m;
	int used;

	ck_assert_int_eq(rv_drbd_mode_of("/usr/libexec/relevo/relevo-fence-peer", NULL, &m,
					 &used), 0);
	ck_assert_int_eq(m, RV_DRBD_FENCE_PEER);
	ck_assert_int_eq(used, 0);
	ck_assert_int_eq(rv_drbd_mode_of("relevo-unfence-peer", NULL, &m, &used), 0);
	ck_assert_int_eq(m, RV_DRBD_UNFENCE_PEER);
	/* an argument naming the mode wins over the name */
	ck_assert_int_eq(rv_drbd_mode_of("./relevo-fence-peer", "unfence-peer", &m, &used), 0);
	ck_assert_int_eq(m, RV_DRBD_UNFENCE_PEER);
	ck_assert_int_eq(used, 1);
	ck_assert_int_eq(rv_drbd_mode_of("anything", "fence-peer", &m, &used), 0);
	ck_assert_int_eq(m, RV_DRBD_FENCE_PEER);
	ck_assert_int_eq(used, 1);
	/* other arguments are options, not modes */
	ck_assert_int_eq(rv_drbd_mode_of("/x/relevo-unfence-peer", "--timeout", &m, &used), 0);
	ck_assert_int_eq(m, RV_DRBD_UNFENCE_PEER);
	ck_assert_int_eq(used, 0);
	/* a name that says nothing is never guessed */
	ck_assert_int_eq(rv_drbd_mode_of("/usr/bin/handler", NULL, &m, &used), -EINVAL);
	ck_assert_int_eq(rv_drbd_mode_of("relevo-fence-peer.sh", "x", &m, &used), -EINVAL);
	ck_assert_int_eq(rv_drbd_mode_of(NULL, NULL, &m, &used), -EINVAL);
	ck_assert_str_eq(rv_drbd_mode_name(RV_DRBD_FENCE_PEER), "fence-peer");
	ck_assert_str_eq(rv_drbd_mode_name(RV_DRBD_UNFENCE_PEER), "unfence-peer");
}
END_TEST

START_TEST(environment)
{
	/* DRBD 8.4 (drbdadm sets DRBD_PEER and DRBD_PEERS) */
	const char *const e84[] = { "PATH=/bin", "DRBD_RESOURCE=spool", "DRBD_PEER=relay-a2",
				    "DRBD_PEERS=relay-a2", "DRBD_MINOR=0", NULL };
	/* DRBD 9: the peer by node id */
	const char *const e9[] = { "DRBD_RESOURCE=spool", "DRBD_PEER_NODE_ID=1",
				   "DRBD_NODE_ID_0=relay-a1", "DRBD_NODE_ID_10=wrong",
				   "DRBD_NODE_ID_1=relay-a2", NULL };
	const char *const ebad[] = { "DRBD_RESOURCE=sp\x1bool", "DRBD_PEER_NODE_ID=1;x",
				     "DRBD_NODE_ID_1;x=wrong", "DRBD_PEERS=", NULL };
	const char *const none[] = { "DRBD_RESOURCEX=no", "DRBD_PEERSX=no", NULL };
	char r[64], p[64], small[4];

	rv_drbd_env(e84, r, sizeof(r), p, sizeof(p));
	ck_assert_str_eq(r, "spool");
	ck_assert_str_eq(p, "relay-a2");
	rv_drbd_env(e9, r, sizeof(r), p, sizeof(p));
	ck_assert_str_eq(r, "spool");
	ck_assert_str_eq(p, "relay-a2");
	rv_drbd_env(ebad, r, sizeof(r), p, sizeof(p));
	ck_assert_str_eq(r, "sp?ool");
	ck_assert_str_eq(p, "?");
	rv_drbd_env(none, r, sizeof(r), p, sizeof(p));
	ck_assert_str_eq(r, "?");
	ck_assert_str_eq(p, "?");
	rv_drbd_env(NULL, r, sizeof(r), p, sizeof(p));
	ck_assert_str_eq(r, "?");
	rv_drbd_env(e84, small, sizeof(small), p, sizeof(p));
	ck_assert_str_eq(small, "spo");
}
END_TEST

START_TEST(reason_fits_the_history)
{
	char buf[160], longname[200];

	rv_drbd_reason(buf, sizeof(buf), "spool", "relay-a2");
	ck_assert_str_eq(buf, "DRBD fence-peer handler: resource spool lost peer relay-a2");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	rv_drbd_reason(buf, sizeof(buf), longname, longname);
	ck_assert_uint_lt(strlen(buf), 128);
}
END_TEST

static Suite *
drbd_handler_suite(void)
{
	Suite *s = suite_create("drbd_handler");
	TCase *codes = tcase_create("exit codes"), *input = tcase_create("input");

	tcase_add_test(codes, every_outcome_of_relevod);
	tcase_add_test(codes, anything_else_is_not_fenced);
	tcase_add_test(codes, no_answer_is_not_fenced);
	tcase_add_test(codes, refusals_are_not_fenced);
	tcase_add_test(codes, malformed_answers_are_not_fenced);
	tcase_add_test(codes, unfence_codes);
	suite_add_tcase(s, codes);
	tcase_add_test(input, bad_headers_refused);
	tcase_add_test(input, answer_read);
	tcase_add_test(input, modes);
	tcase_add_test(input, environment);
	tcase_add_test(input, reason_fits_the_history);
	suite_add_tcase(s, input);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(drbd_handler_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
