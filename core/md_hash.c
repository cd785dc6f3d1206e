/*
 * md_hash.c - block buffering, padding and digest output for SHA-1 and
 * SHA-256 (see md_hash.h).
 */
#include "md_hash.h"

#include <assert.h>
#include <string.h>

void md_hash_init(struct md_hash *m, const uint32_t *iv, size_t words, md_compress_fn compress)
{
    assert(words <= MD_HASH_MAX_WORDS);
    memset(m, 0, sizeof(*m));
    memcpy(m->h, iv, words * sizeof(iv[0]));
    m->compress = compress;
}

void md_hash_update(struct md_hash *m, const void *data, size_t len)
{
    const unsigned char *p = data;
    m->bytes += len;
    while (len > 0) {
        size_t take = MD_HASH_BLOCK - m->used < len ? MD_HASH_BLOCK - m->used : len;
        memcpy(m->block + m->used, p, take);
        m->used += take;
        p += take;
        len -= take;
        if (m->used == MD_HASH_BLOCK) {
            m->compress(m->h, m->block);
            m->used = 0;
        }
    }
}

void md_hash_final(struct md_hash *m, unsigned char *digest, size_t n)
{
    uint64_t bits = m->bytes * 8;
    unsigned char pad = 0x80, zero = 0, len[8];
    md_hash_update(m, &pad, 1);
    while (m->used != MD_HASH_BLOCK - sizeof(len))
        md_hash_update(m, &zero, 1);
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    md_hash_update(m, len, sizeof(len));
    for (size_t i = 0; i < n; i++)
        digest[i] = (unsigned char)(m->h[i / 4] >> (24 - 8 * (i % 4)));
}

void md_hash_hex(const unsigned char *digest, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[2 * n] = '\0';
}
