/*
 * smtp.c — the SMTP reply reader: bytes from a server in, one checked reply
 * out.
 *
 * The bytes come from a server that may be broken or hostile; every byte is
 * checked before it is kept, lengths are checked before every copy, and
 * anything that is not a well-formed reply is refused at the first wrong
 * byte. This file must never do I/O, allocate, or keep state outside the
 * caller's struct rv_smtp_reply: it is what the fuzzer and the unit tests
 * drive directly.
 */
#include "autoconf.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "smtp.h"

/* RFC 5321 §4.2: textstring = 1*(%d09 / %d32-126). */
static int
text_byte_ok(unsigned char c)
{
	return c == '\t' || (c >= 32 && c <= 126);
}

/* Check a line, complete (p[0..n) ends with LF) or not yet (the bytes so
 * far), before anything of it is kept. */
static int
line_check(const struct rv_smtp_reply *r, const char *p, size_t n, int complete)
{
	size_t clen = n, i;
	int code = 0;

	if (complete) {
		clen--;                        /* the LF */
		if (clen > 0 && p[clen - 1] == '\r')
			clen--;
	} else if (clen > 0 && p[clen - 1] == '\r') {
		clen--;                        /* its LF may be in the next read */
	}
	for (i = 0; i < clen && i < 3; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EBADMSG;
		code = code * 10 + (p[i] - '0');
	}
	if (clen >= 1 && (p[0] < '2' || p[0] > '5'))
		return -EBADMSG;
	if (clen >= 2 && p[1] > '5')
		return -EBADMSG;
	if (clen >= 3 && r->lines > 0 && code != r->code)
		return -EBADMSG;
	if (clen >= 4 && p[3] != ' ' && p[3] != '-')
		return -EBADMSG;
	for (i = 4; i < clen; i++)
		if (!text_byte_ok((unsigned char)p[i]))
			return -EBADMSG;
	if (complete && clen < 3)
		return -EBADMSG;
	return 0;
}

/* Keep a complete, checked line p[0..n) (LF included). */
static int
line_take(struct rv_smtp_reply *r, const char *p, size_t n)
{
	size_t clen = n - 1, tlen, need;
	const char *t;

	if (clen > 0 && p[clen - 1] == '\r')
		clen--;
	if (r->lines == RV_SMTP_REPLY_LINES)
		return -E2BIG;
	t = clen > 4 ? p + 4 : "";
	tlen = clen > 4 ? clen - 4 : 0;
	need = (r->lines > 0 ? 1 : 0) + tlen + 1;
	if (need > sizeof(r->text) - r->len)
		return -E2BIG;
	if (r->lines > 0)
		r->text[r->len++] = '\n';
	r->line[r->lines++] = r->len;
	memcpy(r->text + r->len, t, tlen);
	r->len += tlen;
	r->text[r->len] = '\0';
	r->code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	r->done = clen == 3 || p[3] == ' ';
	return 0;
}

void
rv_smtp_reply_init(struct rv_smtp_reply *reply)
{
	reply->code = 0;
	reply->done = 0;
	reply->lines = 0;
	reply->len = 0;
	reply->text[0] = '\0';
}

int
rv_smtp_reply_feed(struct rv_smtp_reply *reply, const char *buf, size_t len,
		   size_t *used)
{
	size_t pos = 0, avail, scan;
	const char *lf;
	int rc;

	*used = 0;
	while (!reply->done) {
		avail = len - pos;
		scan = avail < RV_SMTP_LINE_MAX ? avail : RV_SMTP_LINE_MAX;
		lf = memchr(buf + pos, '\n', scan);
		if (lf == NULL) {
			rc = line_check(reply, buf + pos, scan, 0);
			if (rc < 0)
				return rc;
			return avail >= RV_SMTP_LINE_MAX ? -EMSGSIZE : 0;
		}
		scan = (size_t)(lf - (buf + pos)) + 1;
		rc = line_check(reply, buf + pos, scan, 1);
		if (rc < 0)
			return rc;
		rc = line_take(reply, buf + pos, scan);
		if (rc < 0)
			return rc;
		pos += scan;
		*used = pos;
	}
	return 1;
}

const char *
rv_smtp_reply_line(const struct rv_smtp_reply *reply, unsigned i, size_t *len)
{
	size_t end;

	if (i >= reply->lines)
		return NULL;
	end = i + 1 < reply->lines ? reply->line[i + 1] - 1 : reply->len;
	if (len != NULL)
		*len = end - reply->line[i];
	return reply->text + reply->line[i];
}

int
rv_smtp_has_extension(const struct rv_smtp_reply *reply, const char *keyword)
{
	size_t klen = strlen(keyword), n, w;
	const char *t;
	unsigned i;

	/* line 0 is the greeting ("mx.example.org Hello ..."), not a keyword */
	for (i = 1; i < reply->lines; i++) {
		t = rv_smtp_reply_line(reply, i, &n);
		for (w = 0; w < n && t[w] != ' '; w++)
			;
		if (w == klen && strncasecmp(t, keyword, klen) == 0)
			return 1;
	}
	return 0;
}

int
rv_smtp_arg_ok(const char *s)
{
	unsigned char c;
	size_t i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		c = (unsigned char)s[i];
		if (i == 255 || c <= ' ' || c > '~' || c == '<' || c == '>')
			return 0;
	}
	return 1;
}

const char *
rv_smtp_strerror(int err)
{
	switch (err) {
	case -EMSGSIZE:
		return "reply line longer than 4096 bytes";
	case -E2BIG:
		return "reply with too many lines or too much text";
	case -EBADMSG:
		return "bytes that are not an SMTP reply";
	default:
		return "unreadable reply";
	}
}
