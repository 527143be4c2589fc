/*
 * check_smtp.c — unit tests for agent/lib/smtp.c: the SMTP reply reader
 * that stands between a server's bytes and relevo-probe's verdict.
 *
 * Replies are fed whole, byte by byte and in pieces, as a socket would give
 * them; malformed input must be refused at the first wrong byte, and no
 * input at all may make the reader read or write out of bounds.
 */
#include "autoconf.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp.h"

static struct rv_smtp_reply reply;

/* Feed s whole; returns what the reader returns, *used the bytes taken. */
static int
feed(const char *s, size_t len, size_t *used)
{
	rv_smtp_reply_init(&reply);
	return rv_smtp_reply_feed(&reply, s, len, used);
}

static int
feed_str(const char *s)
{
	size_t used;

	return feed(s, strlen(s), &used);
}

/* Feed s one byte more each time, as a slow server would send it, keeping
 * the unused bytes as the probe does. Returns the last result. */
static int
feed_trickle(const char *s)
{
	char buf[RV_SMTP_LINE_MAX];
	size_t len = 0, used, i;
	int rc = 0;

	rv_smtp_reply_init(&reply);
	for (i = 0; s[i] != '\0'; i++) {
		ck_assert_uint_lt(len, sizeof(buf));
		buf[len++] = s[i];
		rc = rv_smtp_reply_feed(&reply, buf, len, &used);
		if (rc != 0)
			return rc;
		memmove(buf, buf + used, len - used);
		len -= used;
	}
	return rc;
}

START_TEST(single_line_banner)
{
	const char *s = "220 mx.example.org ESMTP Postfix\r\n";
	size_t used = 0, n;

	ck_assert_int_eq(feed(s, strlen(s), &used), 1);
	ck_assert_uint_eq(used, strlen(s));
	ck_assert_int_eq(reply.code, 220);
	ck_assert_int_eq(reply.done, 1);
	ck_assert_uint_eq(reply.lines, 1);
	ck_assert_str_eq(reply.text, "mx.example.org ESMTP Postfix");
	ck_assert_str_eq(rv_smtp_reply_line(&reply, 0, &n), "mx.example.org ESMTP Postfix");
	ck_assert_uint_eq(n, 28);
	ck_assert_ptr_null(rv_smtp_reply_line(&reply, 1, NULL));
}
END_TEST

START_TEST(multi_line_ehlo_and_extensions)
{
	const char *s = "250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
			"250-starttls\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n";
	const char *t;
	size_t n;

	ck_assert_int_eq(feed_str(s), 1);
	ck_assert_int_eq(reply.code, 250);
	ck_assert_uint_eq(reply.lines, 6);
	t = rv_smtp_reply_line(&reply, 2, &n);
	ck_assert_int_eq(memcmp(t, "SIZE 10240000", n), 0);
	ck_assert_uint_eq(n, 13);
	ck_assert_int_eq(rv_smtp_has_extension(&reply, "STARTTLS"), 1);
	ck_assert_int_eq(rv_smtp_has_extension(&reply, "AUTH"), 1);
	ck_assert_int_eq(rv_smtp_has_extension(&reply, "SIZE"), 1);
	ck_assert_int_eq(rv_smtp_has_extension(&reply, "START"), 0);
	ck_assert_int_eq(rv_smtp_has_extension(&reply, "CHUNKING"), 0);

	/* the greeting line names the server; it is not an extension */
	ck_assert_int_eq(feed_str("250-STARTTLS\r\n250 PIPELINING\r\n"), 1);
	ck_assert_int_eq(rv_smtp_has_extension(&reply, "STARTTLS"), 0);
	ck_assert_int_eq(rv_smtp_has_extension(&reply, "PIPELINING"), 1);
}
END_TEST

START_TEST(trickled_bytes_give_the_same_reply)
{
	const char *s = "250-mx\r\n250-STARTTLS\r\n250 8BITMIME\r\n";

	ck_assert_int_eq(feed_trickle(s), 1);
	ck_assert_int_eq(reply.code, 250);
	ck_assert_uint_eq(reply.lines, 3);
	ck_assert_str_eq(reply.text, "mx\nSTARTTLS\n8BITMIME");
	ck_assert_int_eq(feed_trickle("220 hi\r\n"), 1);
	ck_assert_str_eq(reply.text, "hi");
}
END_TEST

START_TEST(partial_input_asks_for_more)
{
	size_t used = 99;

	ck_assert_int_eq(feed("", 0, &used), 0);
	ck_assert_uint_eq(used, 0);
	ck_assert_int_eq(feed("2", 1, &used), 0);
	ck_assert_int_eq(feed("220 mx", 6, &used), 0);
	ck_assert_int_eq(feed("220 mx\r", 7, &used), 0);
	/* complete lines are taken, the partial one left */
	ck_assert_int_eq(feed("250-mx\r\n250 PIPE", 16, &used), 0);
	ck_assert_uint_eq(used, 8);
	ck_assert_uint_eq(reply.lines, 1);
}
END_TEST

START_TEST(stops_after_one_reply)
{
	const char *s = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n";
	size_t used = 0;

	ck_assert_int_eq(feed(s, strlen(s), &used), 1);
	ck_assert_uint_eq(used, 14);
	ck_assert_str_eq(reply.text, "2.1.0 Ok");
	/* a reply that is done takes nothing more */
	ck_assert_int_eq(rv_smtp_reply_feed(&reply, s + used, strlen(s) - used, &used), 1);
	ck_assert_uint_eq(used, 0);
}
END_TEST

START_TEST(line_endings_and_bare_codes)
{
	ck_assert_int_eq(feed_str("220 mx\n"), 1);
	ck_assert_str_eq(reply.text, "mx");
	ck_assert_int_eq(feed_str("250\r\n"), 1);
	ck_assert_int_eq(reply.code, 250);
	ck_assert_str_eq(reply.text, "");
	ck_assert_int_eq(feed_str("250-\r\n250 \r\n"), 1);
	ck_assert_uint_eq(reply.lines, 2);
	ck_assert_int_eq(feed_str("220 tab\there\r\n"), 1);
	ck_assert_int_eq(feed_str("220 a\rb\r\n"), -EBADMSG);
	ck_assert_int_eq(feed_str("220 a\r\r\n"), -EBADMSG);
}
END_TEST

START_TEST(codes_are_checked)
{
	ck_assert_int_eq(feed_str("421 4.3.2 Service shutting down\r\n"), 1);
	ck_assert_int_eq(reply.code, 421);
	ck_assert_int_eq(feed_str("554 5.7.1 go away\r\n"), 1);
	ck_assert_int_eq(reply.code, 554);
	ck_assert_int_eq(feed_str("620 x\r\n"), -EBADMSG);
	ck_assert_int_eq(feed_str("160 x\r\n"), -EBADMSG);
	ck_assert_int_eq(feed_str("270 x\r\n"), -EBADMSG);
	ck_assert_int_eq(feed_str("22\r\n"), -EBADMSG);
	ck_assert_int_eq(feed_str("\r\n"), -EBADMSG);
	ck_assert_int_eq(feed_str("220x\r\n"), -EBADMSG);
	ck_assert_int_eq(feed_str("2a0 x\r\n"), -EBADMSG);
	/* the lines of one reply agree on the code */
	ck_assert_int_eq(feed_str("250-mx\r\n251 x\r\n"), -EBADMSG);
}
END_TEST

START_TEST(garbage_is_refused_at_once)
{
	/* a TLS record where a banner should be: refused before any LF */
	ck_assert_int_eq(feed("\x16\x03\x01\x00\xa5", 5, &(size_t){ 0 }), -EBADMSG);
	ck_assert_int_eq(feed_str("HTTP/1.1 400 Bad Request"), -EBADMSG);
	ck_assert_int_eq(feed_str("220 hello\x01"), -EBADMSG);
	ck_assert_int_eq(feed_str("220 hello\x7f"), -EBADMSG);
	ck_assert_int_eq(feed_str("220 caf\xc3\xa9\r\n"), -EBADMSG);
	ck_assert_int_eq(feed("220 a\0b\r\n", 9, &(size_t){ 0 }), -EBADMSG);
	ck_assert_int_eq(feed_str("250-mx\r\n\xff"), -EBADMSG);
}
END_TEST

START_TEST(line_length_cap)
{
	char *s = malloc(RV_SMTP_LINE_MAX + 16);
	size_t used;

	ck_assert_ptr_nonnull(s);
	/* exactly RV_SMTP_LINE_MAX bytes with the CRLF: accepted */
	memcpy(s, "220 ", 4);
	memset(s + 4, 'a', RV_SMTP_LINE_MAX - 6);
	memcpy(s + RV_SMTP_LINE_MAX - 2, "\r\n", 2);
	ck_assert_int_eq(feed(s, RV_SMTP_LINE_MAX, &used), 1);
	ck_assert_uint_eq(reply.len, RV_SMTP_LINE_MAX - 6);
	/* one more byte: refused */
	memset(s + 4, 'a', RV_SMTP_LINE_MAX - 5);
	memcpy(s + RV_SMTP_LINE_MAX - 1, "\r\n", 2);
	ck_assert_int_eq(feed(s, RV_SMTP_LINE_MAX + 1, &used), -EMSGSIZE);
	/* without an LF: known as soon as RV_SMTP_LINE_MAX bytes are there */
	memset(s + 4, 'a', RV_SMTP_LINE_MAX);
	ck_assert_int_eq(feed(s, RV_SMTP_LINE_MAX - 1, &used), 0);
	ck_assert_int_eq(feed(s, RV_SMTP_LINE_MAX, &used), -EMSGSIZE);
	free(s);
}
END_TEST

START_TEST(reply_size_caps)
{
	char *s = malloc(RV_SMTP_REPLY_LINES * 8 + 16), *q;
	unsigned i;

	ck_assert_ptr_nonnull(s);
	for (q = s, i = 0; i < RV_SMTP_REPLY_LINES; i++, q += 7)
		memcpy(q, "250-xx\n", 7);
	strcpy(q, "250 x\r\n");
	ck_assert_int_eq(feed_str(s), -E2BIG);
	/* one line fewer fits */
	ck_assert_int_eq(feed_str(s + 7), 1);
	ck_assert_uint_eq(reply.lines, RV_SMTP_REPLY_LINES);
	free(s);

	/* lines each under the cap, too much text together */
	s = malloc(5 * 4000 + 16);
	ck_assert_ptr_nonnull(s);
	for (q = s, i = 0; i < 5; i++, q += 4000) {
		memcpy(q, i < 4 ? "250-" : "250 ", 4);
		memset(q + 4, 'x', 3994);
		memcpy(q + 3998, "\r\n", 2);
	}
	*q = '\0';
	ck_assert_int_eq(feed_str(s), -E2BIG);
	free(s);
}
END_TEST

START_TEST(random_bytes_never_break_the_reader)
{
	char buf[512];
	uint32_t x = 2463534242u; /* xorshift32: the same bytes every run */
	size_t len, used, i;
	unsigned round;
	int rc;

	for (round = 0; round < 20000; round++) {
		len = round % sizeof(buf);
		for (i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			/* mostly plausible bytes, so that some lines get far */
			buf[i] = (x & 0x300) != 0 ? "2505- \r\nSTARTLS"[x % 15] : (char)x;
		}
		rc = feed(buf, len, &used);
		ck_assert(rc == 1 || rc == 0 || rc == -EBADMSG || rc == -EMSGSIZE || rc == -E2BIG);
		ck_assert_uint_le(used, len);
		ck_assert_uint_lt(reply.len, sizeof(reply.text));
		ck_assert_uint_le(reply.lines, RV_SMTP_REPLY_LINES);
	}
}
END_TEST

START_TEST(command_arguments)
{
	char long_name[300];

	ck_assert_int_eq(rv_smtp_arg_ok("probe.example.org"), 1);
	ck_assert_int_eq(rv_smtp_arg_ok("canary@example.org"), 1);
	ck_assert_int_eq(rv_smtp_arg_ok("[192.0.2.1]"), 1);
	ck_assert_int_eq(rv_smtp_arg_ok(""), 0);
	ck_assert_int_eq(rv_smtp_arg_ok(NULL), 0);
	ck_assert_int_eq(rv_smtp_arg_ok("a b"), 0);
	ck_assert_int_eq(rv_smtp_arg_ok("x\r\nRCPT TO:<victim@example.org>"), 0);
	ck_assert_int_eq(rv_smtp_arg_ok("<a@b>"), 0);
	ck_assert_int_eq(rv_smtp_arg_ok("caf\xc3\xa9"), 0);
	memset(long_name, 'a', sizeof(long_name));
	long_name[255] = '\0';
	ck_assert_int_eq(rv_smtp_arg_ok(long_name), 1);
	long_name[255] = 'a';
	long_name[256] = '\0';
	ck_assert_int_eq(rv_smtp_arg_ok(long_name), 0);
}
END_TEST

static Suite *
smtp_suite(void)
{
	Suite *s = suite_create("smtp");
	TCase *tc = tcase_create("reply");

	tcase_add_test(tc, single_line_banner);
	tcase_add_test(tc, multi_line_ehlo_and_extensions);
	tcase_add_test(tc, trickled_bytes_give_the_same_reply);
	tcase_add_test(tc, partial_input_asks_for_more);
	tcase_add_test(tc, stops_after_one_reply);
	tcase_add_test(tc, line_endings_and_bare_codes);
	tcase_add_test(tc, codes_are_checked);
	tcase_add_test(tc, garbage_is_refused_at_once);
	tcase_add_test(tc, line_length_cap);
	tcase_add_test(tc, reply_size_caps);
	tcase_add_test(tc, random_bytes_never_break_the_reader);
	tcase_add_test(tc, command_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(smtp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
