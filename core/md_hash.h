/*
 * md_hash.h - the Merkle-Damgard framing SHA-1 and SHA-256 share (FIPS
 * 180-4): input buffered into 64-byte blocks for the hash's compression
 * function, the last one padded with 0x80, zeros and the message length
 * in bits (big-endian), the digest read off the state words big-endian.
 * sha1.c and sha256.c supply only their initial state and compression.
 *
 * Errors: none. Thread safety: a context belongs to its caller.
 */
#ifndef GROVE_MD_HASH_H
#define GROVE_MD_HASH_H

#include <stddef.h>
#include <stdint.h>

#define MD_HASH_BLOCK 64
#define MD_HASH_MAX_WORDS 8

/* Mixes one block into the state. */
typedef void (*md_compress_fn)(uint32_t *state, const unsigned char *block);

struct md_hash {
    uint32_t h[MD_HASH_MAX_WORDS]; /* the state: 5 words for SHA-1, 8 for SHA-256 */
    uint64_t bytes;                /* total fed so far */
    unsigned char block[MD_HASH_BLOCK];
    size_t used;                   /* bytes waiting in block */
    md_compress_fn compress;
};

/* Start from `words` initial state words (at most MD_HASH_MAX_WORDS). */
void md_hash_init(struct md_hash *m, const uint32_t *iv, size_t words, md_compress_fn compress);
void md_hash_update(struct md_hash *m, const void *data, size_t len);
/* Pad and write the first `n` bytes of the state (4 per word used). */
void md_hash_final(struct md_hash *m, unsigned char *digest, size_t n);
/* `n` digest bytes as lower-case hex, NUL-terminated (2n + 1 bytes). */
void md_hash_hex(const unsigned char *digest, size_t n, char *hex);

#endif
