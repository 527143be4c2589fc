/*
 * smtp.h — reading SMTP replies (RFC 5321 §4.2) off a byte buffer, for
 * relevo-probe and its tests.
 *
 * Everything here is a pure function over memory the caller owns: no I/O, no
 * allocation, no clock. The reader takes the bytes a server sent, as they
 * come, and either completes a reply, asks for more, or refuses the input.
 * A server is hostile until proven otherwise: a line longer than
 * RV_SMTP_LINE_MAX, a reply larger than RV_SMTP_REPLY_MAX, a byte that is
 * neither printable ASCII nor a tab, a line that does not start with a reply
 * code, or a multi-line reply whose lines disagree on the code are refused
 * as soon as they are seen, not after the line ends. Return convention:
 * 1 (done), 0 (more input needed) or -errno.
 */
#ifndef RELEVO_SMTP_H
#define RELEVO_SMTP_H

#include <stddef.h>

#define RV_SMTP_LINE_MAX 4096     /* bytes of one reply line, CRLF included */
#define RV_SMTP_REPLY_LINES 128   /* lines of one multi-line reply */
#define RV_SMTP_REPLY_MAX 16384   /* bytes of a reply's text, NUL included */

/* One reply as it is read. text holds each line's text (after "250-" or
 * "250 ") separated by '\n' and NUL-terminated; line[i] is the offset of
 * line i in text. The reader owns nothing outside this struct. */
struct rv_smtp_reply {
	int code;                          /* 200..599; 0 until the first line */
	int done;                          /* the last line ("250 ...") was read */
	unsigned lines;
	size_t line[RV_SMTP_REPLY_LINES];
	size_t len;                        /* bytes of text, NUL excluded */
	char text[RV_SMTP_REPLY_MAX];
};

/* Make reply empty, ready for rv_smtp_reply_feed(). */
void rv_smtp_reply_init(struct rv_smtp_reply *reply);

/* Read the complete lines at the front of buf[0..len), as many as belong
 * to one reply, and stop after its last line. *used receives the bytes
 * taken (complete lines only); the caller keeps the rest, appends what it
 * reads next, and calls again. A line ends with LF, CRLF preferred; a CR
 * anywhere else is refused.
 * Returns 1 when the reply is complete (reply->done), 0 when more bytes are
 * needed, -EMSGSIZE when a line is longer than RV_SMTP_LINE_MAX (detected
 * as soon as that many bytes lack an LF), -E2BIG when the reply has too
 * many lines or too much text, -EBADMSG for anything that is not an SMTP
 * reply (bad code, separator or byte, code changing between lines). On an
 * error the reply must not be used. A reply already done takes nothing and
 * returns 1. */
int rv_smtp_reply_feed(struct rv_smtp_reply *reply, const char *buf, size_t len,
		       size_t *used);

/* The text of line i of a reply (NULL when i is out of range); *len (if
 * not NULL) receives its length. The text is not NUL-terminated but for
 * the last line. */
const char *rv_smtp_reply_line(const struct rv_smtp_reply *reply, unsigned i, size_t *len);

/* Does an EHLO reply announce the extension keyword (e.g. "STARTTLS")?
 * Keywords are the first word of each line after the greeting line,
 * compared without regard to case. Returns 1 or 0. */
int rv_smtp_has_extension(const struct rv_smtp_reply *reply, const char *keyword);

/* Is s fit to be sent as the argument of a command (EHLO domain, address):
 * non-empty, at most 255 bytes, printable ASCII without space, '<' or '>'?
 * Refusing here is what keeps a command line from smuggling a second
 * command. Returns 1 or 0. */
int rv_smtp_arg_ok(const char *s);

/* A short text for a reader error (-EMSGSIZE, -E2BIG, -EBADMSG). */
const char *rv_smtp_strerror(int err);

#endif
