/*
 * sha1.h - SHA-1 (FIPS 180-4), for what Redis names by it: a script's
 * body (EVALSHA) and redis.sha1hex. Not for security.
 *
 * Errors: none. Thread safety: a context belongs to its caller.
 */
#ifndef GROVE_SHA1_H
#define GROVE_SHA1_H

#include <stddef.h>
#include <stdint.h>

#include "md_hash.h"

#define SHA1_HEX_LEN 40

struct sha1 {
    struct md_hash md;
};

void sha1_init(struct sha1 *s);
void sha1_update(struct sha1 *s, const void *data, size_t len);
void sha1_final(struct sha1 *s, unsigned char digest[20]);
/* The lower-case hex digest of data, NUL-terminated, as Redis prints it. */
void sha1_hex(const void *data, size_t len, char hex[SHA1_HEX_LEN + 1]);

#endif
