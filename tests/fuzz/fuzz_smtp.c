/*
 * fuzz_smtp.c — libFuzzer target: the input is what an SMTP server sends
 * to relevo-probe. It is read the way probe.c's read_reply() reads: into a
 * buffer of RV_SMTP_LINE_MAX bytes, in pieces, through rv_smtp_reply_feed(),
 * the bytes taken moved out, one reply after another until the input ends
 * or the reader refuses it. The first byte sets the size of the pieces (a
 * server's segments), the rest is the stream.
 *
 * Every reply the reader completes must be what smtp.h promises.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp.h"

#define MAX_REPLIES 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rv_smtp_reply reply;

static void
check_reply(const struct rv_smtp_reply *r)
{
	const char *t;
	size_t n, total = 0;
	unsigned i;

	if (!r->done || r->code < 200 || r->code > 599 || r->lines < 1 ||
	    r->lines > RV_SMTP_REPLY_LINES || r->len >= sizeof(r->text) ||
	    r->text[r->len] != '\0' || strlen(r->text) != r->len)
		abort();
	for (i = 0; i < r->lines; i++) {
		t = rv_smtp_reply_line(r, i, &n);
		if (t == NULL || t < r->text || t + n > r->text + r->len)
			abort();
		if (memchr(t, '\n', n) != NULL)
			abort();
		total += n;
	}
	if (total + r->lines - 1 != r->len)
		abort();
	if (rv_smtp_reply_line(r, r->lines, NULL) != NULL)
		abort();
	(void)rv_smtp_has_extension(r, "STARTTLS");
	(void)rv_smtp_has_extension(r, "");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[RV_SMTP_LINE_MAX];
	size_t piece, pos = 0, blen = 0, used, n;
	unsigned replies;
	int rc;

	if (size == 0)
		return 0;
	piece = (size_t)data[0] + 1;
	data++;
	size--;
	for (replies = 0; replies < MAX_REPLIES; replies++) {
		rv_smtp_reply_init(&reply);
		for (;;) {
			rc = rv_smtp_reply_feed(&reply, buf, blen, &used);
			if (used > blen)
				abort();
			memmove(buf, buf + used, blen - used);
			blen -= used;
			if (rc < 0)
				return 0;
			if (rc == 1)
				break;
			if (rc != 0 || blen >= sizeof(buf))
				abort();
			if (pos == size)
				return 0; /* the server closed */
			n = piece;
			if (n > sizeof(buf) - blen)
				n = sizeof(buf) - blen;
			if (n > size - pos)
				n = size - pos;
			memcpy(buf + blen, data + pos, n);
			blen += n;
			pos += n;
		}
		check_reply(&reply);
	}
	return 0;
}
