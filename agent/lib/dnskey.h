/*
 * dnskey.h — the TSIG key relevo signs its DNS updates and queries with,
 * read from a key file that only its owner may read.
 *
 * Two file formats are understood:
 *
 *   BIND's, as tsig-keygen writes it (and as named.conf includes it):
 *       key "site-a" {
 *           algorithm hmac-sha256;
 *           secret "base64...";
 *       };
 *     with #, // and C comments, several key clauses allowed (key_name
 *     chooses one; without it the file must hold exactly one);
 *   one line "ALGORITHM:NAME:SECRET" (nsupdate -y's form, but the
 *     algorithm is required: nsupdate's default, hmac-md5, is not what
 *     anyone wants to get by accident).
 *
 * A key file is refused unless it is a regular file, owned by root or by
 * the user reading it, with no permission at all for group or others (as
 * OpenSMTPD's check_file_secrecy does): a TSIG secret lets whoever holds it
 * rewrite the pool zone. The file's bytes and every copy of the secret made
 * here are wiped before they are freed; rv_dns_key_wipe() wipes the key.
 *
 * Nothing here does I/O but reading the one file, nor allocates: the key
 * lives in the caller's struct. Return convention: 0 or -errno, with a
 * message for people in err ("FILE:LINE: what" for a syntax error).
 */
#ifndef RELEVO_DNSKEY_H
#define RELEVO_DNSKEY_H

#include <stddef.h>

#define RV_DNS_KEY_FILE_MAX 65536  /* bytes; a key file is a few lines */
#define RV_DNS_KEY_NAME_MAX 256    /* a DNS name in presentation form, NUL included */
#define RV_DNS_KEY_SECRET_MAX 512  /* base64 text, NUL included: 384 key bytes */

/* A TSIG key, ready for ldns: name and algorithm as absolute DNS names
 * ("site-a.", "hmac-sha256."), secret as base64 text. */
struct rv_dns_key {
	char name[RV_DNS_KEY_NAME_MAX];
	char algorithm[32];
	char secret[RV_DNS_KEY_SECRET_MAX];
};

/* Read the key from path: the file is checked first (regular, owner,
 * permissions; see above) and refused with the reason in err. want_name
 * (NULL or "": none) picks the key clause of that name. Returns 0,
 * -EACCES (file permissions or owner), -ENOENT and other open/read errors,
 * -EFBIG (file too large), -EINVAL (syntax, unknown or unsupported
 * algorithm, bad secret, no such key, several keys and no name). On error
 * *key is left wiped. */
int rv_dns_key_load(const char *path, const char *want_name, struct rv_dns_key *key,
		    char *err, size_t errlen);

/* The same, for key file text already in memory (text[0..len), need not be
 * NUL-terminated); where names the source in messages. No permission
 * check: rv_dns_key_load() does that before it parses. */
int rv_dns_key_parse(const char *text, size_t len, const char *where, const char *want_name,
		     struct rv_dns_key *key, char *err, size_t errlen);

/* Is the open file fd (named path in messages) fit to hold a secret: a
 * regular file, owned by root or the effective user, no group or other
 * permission bits? Returns 0, -EACCES or -errno of fstat, with err set. */
int rv_dns_key_check_file(int fd, const char *path, char *err, size_t errlen);

/* Map a TSIG algorithm as written in a key file ("hmac-sha256",
 * "HMAC-SHA256.", "hmac-md5.sig-alg.reg.int") to ldns's name for it, or
 * NULL when ldns cannot sign with it (hmac-sha224 and hmac-sha384 are not
 * implemented by ldns 1.8). */
const char *rv_dns_key_algorithm(const char *name);

/* Overwrite the whole key (secret included) so no copy is left. */
void rv_dns_key_wipe(struct rv_dns_key *key);

#endif
