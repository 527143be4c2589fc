/*
 * dnskey.c — TSIG key files: the secrecy check and the two formats of
 * dnskey.h.
 *
 * The parser is a small tokenizer over the file's text (words, quoted
 * strings, braces, semicolons; comments skipped) and a grammar of exactly
 * one statement, "key NAME { algorithm ALG; secret "B64"; };": anything
 * else in the file is an error with its line, never skipped, so a typo
 * cannot leave the operator with a key other than the one they wrote.
 * It must never log or print a secret, and never leave one in memory it
 * frees or leaves on the stack: every buffer that held one is wiped.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <openssl/evp.h>

#include "dnskey.h"

/* ------------------------------------------------------------ algorithms */

/* Sorted by name. ldns signs with these (its tsig.c); the names are its
 * spelling, which is what goes on the wire. */
static const struct {
	const char *name;
	const char *ldns_name;
} algorithms[] = {
	{ "hmac-md5", "hmac-md5.sig-alg.reg.int." },
	{ "hmac-md5.sig-alg.reg.int", "hmac-md5.sig-alg.reg.int." },
	{ "hmac-sha1", "hmac-sha1." },
	{ "hmac-sha256", "hmac-sha256." },
	{ "hmac-sha512", "hmac-sha512." },
};

const char *
rv_dns_key_algorithm(const char *name)
{
	size_t i, n = strlen(name);

	/* an absolute name ("hmac-sha256.") is the same algorithm */
	if (n > 0 && name[n - 1] == '.')
		n--;
	for (i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++)
		if (strlen(algorithms[i].name) == n && strncasecmp(algorithms[i].name, name, n) == 0)
			return algorithms[i].ldns_name;
	return NULL;
}

void
rv_dns_key_wipe(struct rv_dns_key *key)
{
	explicit_bzero(key, sizeof(*key));
}

/* ------------------------------------------------------------ messages */

static int
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* ------------------------------------------------------------ file */

int
rv_dns_key_check_file(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(err, errlen, -EACCES, "%s: not a regular file: refusing it as a key file",
			    path);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return fail(err, errlen, -EACCES,
			    "%s: owned by uid %u, neither root nor this user (uid %u): refusing the key",
			    path, (unsigned)st.st_uid, (unsigned)geteuid());
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		return fail(err, errlen, -EACCES,
			    "%s: mode %04o gives group or others access to a TSIG secret: "
			    "refusing the key (chmod 600 %s)",
			    path, (unsigned)(st.st_mode & 07777), path);
	return 0;
}

int
rv_dns_key_load(const char *path, const char *want_name, struct rv_dns_key *key, char *err,
		size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, rc;

	rv_dns_key_wipe(key);
	/* O_NONBLOCK: a FIFO put in the key file's place must not hang us
	 * before fstat() can refuse it */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fail(err, errlen, -errno, "%s: cannot open the key file: %s", path,
			    strerror(errno));
	rc = rv_dns_key_check_file(fd, path, err, errlen);
	if (rc < 0)
		goto done;
	buf = calloc(1, RV_DNS_KEY_FILE_MAX + 1);
	if (buf == NULL) {
		rc = fail(err, errlen, -ENOMEM, "%s: out of memory", path);
		goto done;
	}
	/* one byte more than allowed tells a file that is too large */
	while (len <= RV_DNS_KEY_FILE_MAX) {
		n = read(fd, buf + len, RV_DNS_KEY_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > RV_DNS_KEY_FILE_MAX) {
		rc = fail(err, errlen, -EFBIG, "%s: larger than %d bytes: not a key file", path,
			  RV_DNS_KEY_FILE_MAX);
		goto done;
	}
	rc = rv_dns_key_parse(buf, len, path, want_name, key, err, errlen);
done:
	if (buf != NULL) {
		explicit_bzero(buf, RV_DNS_KEY_FILE_MAX + 1);
		free(buf);
	}
	close(fd);
	if (rc < 0)
		rv_dns_key_wipe(key);
	return rc;
}

/* ------------------------------------------------------------ tokenizer */

enum tok_kind { TOK_END, TOK_WORD, TOK_STRING, TOK_OPEN, TOK_CLOSE, TOK_SEMI, TOK_ERROR };

struct lexer {
	const char *p, *end;
	const char *where;
	int line;
	enum tok_kind kind;
	int tok_line;
	int prev_line;                    /* where the token before ended */
	char text[RV_DNS_KEY_SECRET_MAX]; /* the token (a word or a string's contents) */
	char *err;
	size_t errlen;
};

static int
lex_fail(struct lexer *lx, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (lx->err != NULL && lx->errlen > 0) {
		n = snprintf(lx->err, lx->errlen, "%s:%d: ", lx->where, line);
		if (n >= 0 && (size_t)n < lx->errlen) {
			va_start(ap, fmt);
			vsnprintf(lx->err + n, lx->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

/* Skip blanks and comments; -EINVAL for an unterminated comment. */
static int
lex_skip(struct lexer *lx)
{
	int start;

	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == '\n') {
			lx->line++;
			lx->p++;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			lx->p++;
		} else if (c == '#' || (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '/')) {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
			start = lx->line;
			lx->p += 2;
			while (lx->p + 1 < lx->end && !(lx->p[0] == '*' && lx->p[1] == '/')) {
				if (*lx->p == '\n')
					lx->line++;
				lx->p++;
			}
			if (lx->p + 1 >= lx->end)
				return lex_fail(lx, start, "comment not closed");
			lx->p += 2;
		} else {
			break;
		}
	}
	return 0;
}

static int
is_word_char(char c)
{
	return c > ' ' && c < 0x7f && c != '{' && c != '}' && c != ';' && c != '"';
}

/* The next token into lx->kind / lx->text. */
static int
lex_next(struct lexer *lx)
{
	size_t n = 0;
	char c;

	lx->prev_line = lx->line;
	if (lex_skip(lx) < 0)
		return -EINVAL;
	lx->tok_line = lx->line;
	lx->text[0] = '\0';
	if (lx->p >= lx->end) {
		lx->kind = TOK_END;
		return 0;
	}
	c = *lx->p;
	if (c == '{' || c == '}' || c == ';') {
		lx->kind = c == '{' ? TOK_OPEN : c == '}' ? TOK_CLOSE : TOK_SEMI;
		lx->p++;
		return 0;
	}
	if (c == '"') {
		lx->p++;
		while (lx->p < lx->end && *lx->p != '"') {
			c = *lx->p++;
			if (c == '\\' && lx->p < lx->end)
				c = *lx->p++;
			if (c == '\n' || (unsigned char)c < ' ' || (unsigned char)c >= 0x7f)
				return lex_fail(lx, lx->tok_line, "a quoted string must be one line of printable text");
			if (n + 1 >= sizeof(lx->text))
				return lex_fail(lx, lx->tok_line, "quoted string longer than %zu bytes",
						sizeof(lx->text) - 1);
			lx->text[n++] = c;
		}
		if (lx->p >= lx->end)
			return lex_fail(lx, lx->tok_line, "quoted string not closed");
		lx->p++;
		lx->text[n] = '\0';
		lx->kind = TOK_STRING;
		return 0;
	}
	if (!is_word_char(c))
		return lex_fail(lx, lx->tok_line, "unexpected byte 0x%02x", (unsigned char)c);
	while (lx->p < lx->end && is_word_char(*lx->p)) {
		if (n + 1 >= sizeof(lx->text))
			return lex_fail(lx, lx->tok_line, "word longer than %zu bytes",
					sizeof(lx->text) - 1);
		lx->text[n++] = *lx->p++;
	}
	lx->text[n] = '\0';
	lx->kind = TOK_WORD;
	return 0;
}

static int
lex_expect(struct lexer *lx, enum tok_kind kind, const char *what)
{
	if (lex_next(lx) < 0)
		return -EINVAL;
	/* at the end of the file, the line of what came last */
	if (lx->kind != kind)
		return lex_fail(lx, lx->kind == TOK_END ? lx->prev_line : lx->tok_line,
				"expected %s", what);
	return 0;
}

/* ------------------------------------------------------------ values */

/* Is name a DNS name ldns accepts? Its absolute form goes into out. */
static int
set_name(const char *name, char *out, size_t outlen)
{
	ldns_rdf *rdf;
	char *s;
	int rc = -EINVAL;

	if (name[0] == '\0' || strlen(name) >= outlen - 1 || strchr(name, ' ') != NULL)
		return -EINVAL;
	if (ldns_str2rdf_dname(&rdf, name) != LDNS_STATUS_OK)
		return -EINVAL;
	s = ldns_rdf2str(rdf);
	if (s != NULL && strlen(s) < outlen && strcmp(s, ".") != 0) {
		memcpy(out, s, strlen(s) + 1);
		rc = 0;
	}
	free(s);
	ldns_rdf_deep_free(rdf);
	return rc;
}

/* A secret must be base64 (RFC 4648, padded, no blanks: as tsig-keygen
 * writes it) of at least one byte; the decoded bytes are wiped at once
 * (ldns decodes it again when it signs). */
static int
secret_ok(const char *b64)
{
	unsigned char bytes[RV_DNS_KEY_SECRET_MAX];
	size_t i, n = strlen(b64), pad = 0;
	int len;

	if (n == 0 || n % 4 != 0 || n >= sizeof(bytes))
		return 0;
	for (i = 0; i < n; i++) {
		char c = b64[i];

		if (c == '=' && i >= n - 2) {
			pad++;
			continue;
		}
		if (pad > 0 || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				 (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return 0;
	}
	len = EVP_DecodeBlock(bytes, (const unsigned char *)b64, (int)n);
	explicit_bzero(bytes, sizeof(bytes));
	return len > (int)pad;
}

/* ------------------------------------------------------------ formats */

/* One "key NAME { ... };" clause, "key" already read. Fills *k (name,
 * algorithm as written, secret). */
static int
parse_key_clause(struct lexer *lx, struct rv_dns_key *k, char *alg, size_t alglen)
{
	int line = lx->tok_line, have_alg = 0, have_secret = 0;

	if (lex_next(lx) < 0)
		return -EINVAL;
	if (lx->kind != TOK_WORD && lx->kind != TOK_STRING)
		return lex_fail(lx, lx->tok_line, "expected the key's name after \"key\"");
	if (set_name(lx->text, k->name, sizeof(k->name)) < 0)
		return lex_fail(lx, lx->tok_line, "\"%s\" is not a valid key name", lx->text);
	if (lex_expect(lx, TOK_OPEN, "'{' after the key's name") < 0)
		return -EINVAL;
	for (;;) {
		if (lex_next(lx) < 0)
			return -EINVAL;
		if (lx->kind == TOK_CLOSE)
			break;
		if (lx->kind == TOK_END)
			return lex_fail(lx, line, "key \"%s\" is not closed with '};'", k->name);
		if (lx->kind != TOK_WORD)
			return lex_fail(lx, lx->tok_line, "expected \"algorithm\" or \"secret\"");
		if (strcmp(lx->text, "algorithm") == 0) {
			if (have_alg++)
				return lex_fail(lx, lx->tok_line, "algorithm given twice");
			if (lex_next(lx) < 0)
				return -EINVAL;
			if ((lx->kind != TOK_WORD && lx->kind != TOK_STRING) ||
			    strlen(lx->text) >= alglen)
				return lex_fail(lx, lx->tok_line, "expected an algorithm name");
			memcpy(alg, lx->text, strlen(lx->text) + 1);
		} else if (strcmp(lx->text, "secret") == 0) {
			if (have_secret++)
				return lex_fail(lx, lx->tok_line, "secret given twice");
			if (lex_next(lx) < 0)
				return -EINVAL;
			if (lx->kind != TOK_STRING && lx->kind != TOK_WORD)
				return lex_fail(lx, lx->tok_line, "expected the secret in quotes");
			memcpy(k->secret, lx->text, strlen(lx->text) + 1);
			explicit_bzero(lx->text, sizeof(lx->text));
		} else {
			return lex_fail(lx, lx->tok_line,
					"unknown statement \"%s\" in key \"%s\" (algorithm, secret)",
					lx->text, k->name);
		}
		if (lex_expect(lx, TOK_SEMI, "';'") < 0)
			return -EINVAL;
	}
	if (lex_expect(lx, TOK_SEMI, "';' after the key's closing '}'") < 0)
		return -EINVAL;
	if (!have_alg)
		return lex_fail(lx, line, "key \"%s\" has no algorithm", k->name);
	if (!have_secret)
		return lex_fail(lx, line, "key \"%s\" has no secret", k->name);
	return 0;
}

/* Algorithm and secret of a key that was read: known to ldns, base64. */
static int
finish_key(struct rv_dns_key *k, const char *alg, const char *where, int line, char *err,
	   size_t errlen)
{
	const char *ldns_alg = rv_dns_key_algorithm(alg);

	if (ldns_alg == NULL)
		return fail(err, errlen, -EINVAL,
			    "%s:%d: key \"%s\": algorithm \"%s\" is not supported "
			    "(hmac-sha256, hmac-sha512, hmac-sha1, hmac-md5)",
			    where, line, k->name, alg);
	memcpy(k->algorithm, ldns_alg, strlen(ldns_alg) + 1);
	if (!secret_ok(k->secret))
		return fail(err, errlen, -EINVAL, "%s:%d: key \"%s\": the secret is not base64",
			    where, line, k->name);
	return 0;
}

/* Does a key's absolute name match the wanted one (case-insensitive, the
 * final dot optional)? */
static int
name_matches(const char *abs, const char *want)
{
	size_t n = strlen(want);

	if (n > 0 && want[n - 1] == '.')
		n--;
	return strlen(abs) == n + 1 && strncasecmp(abs, want, n) == 0;
}

/* The BIND format: every key clause, keeping the wanted one (or the only
 * one). */
static int
parse_bind(const char *text, size_t len, const char *where, const char *want_name,
	   struct rv_dns_key *key, char *err, size_t errlen)
{
	struct lexer lx = {
		.p = text, .end = text + len, .where = where, .line = 1, .err = err, .errlen = errlen,
	};
	struct rv_dns_key k;
	char alg[64];
	int rc = 0, keys = 0, found = 0, line;

	for (;;) {
		if (lex_next(&lx) < 0) {
			rc = -EINVAL;
			break;
		}
		if (lx.kind == TOK_END)
			break;
		if (lx.kind != TOK_WORD || strcmp(lx.text, "key") != 0) {
			rc = lex_fail(&lx, lx.tok_line, "expected a key clause (key \"NAME\" { ... };)");
			break;
		}
		line = lx.tok_line;
		memset(&k, 0, sizeof(k));
		alg[0] = '\0';
		rc = parse_key_clause(&lx, &k, alg, sizeof(alg));
		if (rc == 0)
			rc = finish_key(&k, alg, where, line, err, errlen);
		if (rc < 0)
			break;
		keys++;
		/* the wanted key, or without a name the first (and only) one */
		if ((want_name == NULL || want_name[0] == '\0') ? keys == 1
								 : name_matches(k.name, want_name)) {
			if (found++) {
				rc = fail(err, errlen, -EINVAL, "%s:%d: key \"%s\" defined twice",
					  where, line, k.name);
				break;
			}
			*key = k;
		}
	}
	explicit_bzero(&k, sizeof(k));
	explicit_bzero(lx.text, sizeof(lx.text));
	if (rc < 0)
		return rc;
	if (keys == 0)
		return fail(err, errlen, -EINVAL, "%s: no key in the file", where);
	if (want_name != NULL && want_name[0] != '\0' && !found)
		return fail(err, errlen, -EINVAL, "%s: no key named \"%s\" in the file", where,
			    want_name);
	if ((want_name == NULL || want_name[0] == '\0') && keys > 1)
		return fail(err, errlen, -EINVAL,
			    "%s: %d keys in the file: say which one to use (key name)", where, keys);
	return 0;
}

/* "ALGORITHM:NAME:SECRET" on one line; # comment lines and blank lines
 * around it. */
static int
parse_line(const char *text, size_t len, const char *where, const char *want_name,
	   struct rv_dns_key *key, char *err, size_t errlen)
{
	const char *p = text, *end = text + len, *eol, *s, *e, *c1, *c2;
	char alg[64], name[RV_DNS_KEY_NAME_MAX];
	int line = 0, at = 0, rc;

	while (p < end) {
		line++;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		s = p;
		e = eol;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		p = eol < end ? eol + 1 : end;
		if (s == e || *s == '#')
			continue;
		if (at != 0)
			return fail(err, errlen, -EINVAL,
				    "%s:%d: a second key line (the ALGORITHM:NAME:SECRET form holds one key)",
				    where, line);
		at = line;
		c1 = memchr(s, ':', (size_t)(e - s));
		c2 = c1 != NULL ? memchr(c1 + 1, ':', (size_t)(e - c1 - 1)) : NULL;
		if (c2 == NULL || memchr(c2 + 1, ':', (size_t)(e - c2 - 1)) != NULL)
			return fail(err, errlen, -EINVAL,
				    "%s:%d: expected ALGORITHM:NAME:SECRET or a BIND key clause", where,
				    line);
		if ((size_t)(c1 - s) >= sizeof(alg) || (size_t)(c2 - c1 - 1) >= sizeof(name) ||
		    (size_t)(e - c2 - 1) >= sizeof(key->secret))
			return fail(err, errlen, -EINVAL, "%s:%d: a field is too long", where, line);
		memcpy(alg, s, (size_t)(c1 - s));
		alg[c1 - s] = '\0';
		memcpy(name, c1 + 1, (size_t)(c2 - c1 - 1));
		name[c2 - c1 - 1] = '\0';
		memcpy(key->secret, c2 + 1, (size_t)(e - c2 - 1));
		key->secret[e - c2 - 1] = '\0';
		if (set_name(name, key->name, sizeof(key->name)) < 0)
			return fail(err, errlen, -EINVAL, "%s:%d: \"%s\" is not a valid key name",
				    where, line, name);
		rc = finish_key(key, alg, where, line, err, errlen);
		if (rc < 0)
			return rc;
	}
	if (at == 0)
		return fail(err, errlen, -EINVAL, "%s: no key in the file", where);
	if (want_name != NULL && want_name[0] != '\0' && !name_matches(key->name, want_name))
		return fail(err, errlen, -EINVAL, "%s: no key named \"%s\" in the file", where,
			    want_name);
	return 0;
}

/* Which format: the first word of the file (after comments) is "key" for
 * BIND's. */
static int
is_bind_format(const char *text, size_t len)
{
	struct lexer lx = { .p = text, .end = text + len, .where = "", .line = 1 };

	if (lex_skip(&lx) < 0)
		return 1; /* let the BIND parser report the comment */
	return lx.end - lx.p >= 3 && memcmp(lx.p, "key", 3) == 0 &&
	       (lx.end - lx.p == 3 || !is_word_char(lx.p[3]));
}

int
rv_dns_key_parse(const char *text, size_t len, const char *where, const char *want_name,
		 struct rv_dns_key *key, char *err, size_t errlen)
{
	int rc;

	rv_dns_key_wipe(key);
	if (memchr(text, '\0', len) != NULL)
		rc = fail(err, errlen, -EINVAL, "%s: a NUL byte: not a key file", where);
	else if (is_bind_format(text, len))
		rc = parse_bind(text, len, where, want_name, key, err, errlen);
	else
		rc = parse_line(text, len, where, want_name, key, err, errlen);
	if (rc < 0)
		rv_dns_key_wipe(key);
	return rc;
}
