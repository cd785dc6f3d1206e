/*
 * sha256.h - SHA-256 (FIPS 180-4), for what Redis names by it: ACL user
 * passwords, kept only as their hashes (ACL SETUSER's `>pass` and `#hash`,
 * ACL GETUSER's passwords).
 *
 * Errors: none. Thread safety: a context belongs to its caller.
 */
#ifndef GROVE_SHA256_H
#define GROVE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "md_hash.h"

#define SHA256_HEX_LEN 64

struct sha256 {
    struct md_hash md;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char digest[32]);
/* The lower-case hex digest of data, NUL-terminated, as Redis prints it. */
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1]);

#endif
