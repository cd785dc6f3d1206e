/*
 * rdb_encodings.c - listpack, ziplist, zipmap and intset blobs as they
 * appear inside RDB values: building listpacks and intsets byte-identical
 * to Redis 7.0's, and walking every kind with full validation.
 *
 * Design
 *   Grove keeps its own structures (core/list, set, hash, zset), so these
 *   blobs exist only on the wire: the writer builds one per value and the
 *   reader walks one element at a time, converting into Grove's structure
 *   as it goes. Walking and validating are the same pass: every length is
 *   checked against the bytes left before it is used, so an element is
 *   handed to the callback only once it is known to lie inside the blob.
 *   Checks follow Redis's *ValidateIntegrity with deep=1: total size in
 *   the header equals the blob size, the terminator is where it must be,
 *   each listpack back-length (each ziplist prev-length) matches the
 *   entry, encodings are known, the declared count matches. Duplicate
 *   checks need the members' meaning, so they are the reader's
 *   (core/rdb.c), which inserts into a set/hash/zset anyway.
 *
 * Formats (all integers little-endian unless said)
 *   listpack  <total u32><count u16> entries 0xFF; entry = encoding+data
 *             then its length in 1..5 "backlen" bytes (7 bits each, high
 *             bit set on all but the first byte).
 *   ziplist   <total u32><tail offset u32><count u16> entries 0xFF; entry
 *             = prevlen (1 byte, or 0xFE + u32) encoding data.
 *   zipmap    <count u8, 254 = unknown> (len key len free value pad)* 0xFF;
 *             len = 1 byte < 254, or 0xFE + u32.
 *   intset    <encoding u32: 2, 4 or 8><count u32> sorted values.
 */
#include "rdb_encodings.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "listpack.h"
#include "rdb.h"

/* ==== helpers ============================================================= */

static uint32_t load_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t load_le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static int emit_int(rdb__elem_cb cb, void *ud, int64_t v)
{
    struct rdb__elem e;
    e.len = object_format_int(e.buf, v);
    e.ptr = e.buf;
    return cb(ud, &e);
}

static int emit_str(rdb__elem_cb cb, void *ud, const unsigned char *s, size_t len)
{
    struct rdb__elem e = {.ptr = (const char *)s, .len = len};
    return cb(ud, &e);
}

/* ==== listpack: building ==================================================== */

void rdb__lp_init(struct rdb__lp *lp)
{
    *lp = (struct rdb__lp){0};
    lp->len = RDB__LP_HEADER;
}

void rdb__lp_deinit(struct rdb__lp *lp)
{
    free(lp->bytes);
    *lp = (struct rdb__lp){0};
}

void rdb__lp_reset(struct rdb__lp *lp)
{
    lp->len = RDB__LP_HEADER;
    lp->count = 0;
}

int rdb__reserve(unsigned char **data, size_t len, size_t *cap, size_t more)
{
    if (*cap - len >= more && *data != NULL)
        return RDB_OK;
    size_t grown = *cap ? *cap : 64;
    while (grown - len < more) {
        if (grown > SIZE_MAX / 2)
            return RDB_ENOMEM;
        grown *= 2;
    }
    unsigned char *b = realloc(*data, grown);
    if (b == NULL)
        return RDB_ENOMEM;
    *data = b;
    *cap = grown;
    return RDB_OK;
}

static int lp_reserve(struct rdb__lp *lp, size_t more)
{
    return rdb__reserve(&lp->bytes, lp->len, &lp->cap, more);
}

int rdb__lp_append(struct rdb__lp *lp, const void *s, size_t len)
{
    if (len > UINT32_MAX || lp_reserve(lp, listpack_entry_size(s, len) + 1) < 0)
        return RDB_ENOMEM;
    lp->len += listpack_encode(lp->bytes + lp->len, s, len);
    lp->count++;
    return RDB_OK;
}

int rdb__lp_append_entries(struct rdb__lp *lp, const unsigned char *entries, size_t bytes,
                           size_t count)
{
    if (lp_reserve(lp, bytes + 1) < 0)
        return RDB_ENOMEM;
    memcpy(lp->bytes + lp->len, entries, bytes);
    lp->len += bytes;
    lp->count += count;
    return RDB_OK;
}

int rdb__lp_finish(struct rdb__lp *lp)
{
    if (lp_reserve(lp, 1) < 0)
        return RDB_ENOMEM;
    lp->bytes[lp->len++] = 0xFF;
    if (lp->len > UINT32_MAX)
        return RDB_ENOMEM;
    listpack_store_header(lp->bytes, (uint32_t)lp->len, lp->count);
    return RDB_OK;
}

/* ==== listpack: walking ===================================================== */

/* One entry at p (at most `avail` bytes before the terminator): its total
 * size including the back-length in *size; the element via cb. */
static int lp_entry(const unsigned char *p, size_t avail, size_t *size, rdb__elem_cb cb, void *ud)
{
    struct listpack_value v;
    if ((*size = listpack_decode(p, avail, &v)) == 0)
        return RDB_EFORMAT; /* also a terminator too early */
    return v.str ? emit_str(cb, ud, v.str, v.len) : emit_int(cb, ud, v.v);
}

int rdb__lp_walk(const unsigned char *p, size_t size, rdb__elem_cb cb, void *ud)
{
    if (size < RDB__LP_EMPTY || load_le32(p) != size || p[size - 1] != 0xFF)
        return RDB_EFORMAT;
    size_t declared = load_le16(p + 4), n = 0, pos = RDB__LP_HEADER;
    while (pos < size - 1) {
        size_t entry;
        int rc = lp_entry(p + pos, size - 1 - pos, &entry, cb, ud);
        if (rc < 0)
            return rc;
        pos += entry;
        n++;
    }
    if (declared != UINT16_MAX && declared != n)
        return RDB_EFORMAT;
    return RDB_OK;
}

/* ==== ziplist =============================================================== */

/* The encoding at p: header bytes, string length or integer width. */
static int zl_encoding(const unsigned char *p, size_t avail, size_t *hlen, size_t *dlen,
                       size_t *ilen, int64_t *imm)
{
    unsigned b = p[0];
    *dlen = *ilen = 0;
    *hlen = 1;
    *imm = -1;
    switch (b >> 6) {
    case 0:
        *dlen = b & 0x3F;
        return RDB_OK;
    case 1:
        if (avail < 2)
            return RDB_EFORMAT;
        *hlen = 2;
        *dlen = ((size_t)(b & 0x3F) << 8) | p[1];
        return RDB_OK;
    case 2:
        if (avail < 5)
            return RDB_EFORMAT;
        *hlen = 5;
        *dlen = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4];
        return RDB_OK;
    }
    if (b == 0xC0)
        *ilen = 2;
    else if (b == 0xD0)
        *ilen = 4;
    else if (b == 0xE0)
        *ilen = 8;
    else if (b == 0xF0)
        *ilen = 3;
    else if (b == 0xFE)
        *ilen = 1;
    else if (b >= 0xF1 && b <= 0xFD)
        *imm = (int64_t)(b & 0x0F) - 1;
    else
        return RDB_EFORMAT;
    return RDB_OK;
}

/* One entry at p; prev is the previous entry's size (0 for the first). */
static int zl_entry(const unsigned char *p, size_t avail, size_t prev, size_t *size,
                    rdb__elem_cb cb, void *ud)
{
    size_t plen = p[0] < 254 ? 1 : 5, prevlen = p[0];
    if (p[0] == 255 || plen >= avail)
        return RDB_EFORMAT;
    if (plen == 5)
        prevlen = load_le32(p + 1);
    if (prevlen != prev)
        return RDB_EFORMAT;
    size_t hlen, dlen, ilen;
    int64_t imm;
    if (zl_encoding(p + plen, avail - plen, &hlen, &dlen, &ilen, &imm) < 0)
        return RDB_EFORMAT;
    size_t head = plen + hlen;
    if (head > avail || dlen + ilen > avail - head)
        return RDB_EFORMAT;
    *size = head + dlen + ilen;
    if (ilen > 0)
        return emit_int(cb, ud, listpack_load_signed(p + head, ilen));
    if (imm >= 0)
        return emit_int(cb, ud, imm);
    return emit_str(cb, ud, p + head, dlen);
}

int rdb__zl_walk(const unsigned char *p, size_t size, rdb__elem_cb cb, void *ud)
{
    enum { HEADER = 10 };
    if (size < HEADER + 1 || load_le32(p) != size || p[size - 1] != 0xFF)
        return RDB_EFORMAT;
    size_t tail = load_le32(p + 4), declared = load_le16(p + 8);
    size_t pos = HEADER, prev = 0, last = HEADER, n = 0;
    while (pos < size - 1) {
        int rc = zl_entry(p + pos, size - 1 - pos, prev, &prev, cb, ud);
        if (rc < 0)
            return rc;
        last = pos;
        pos += prev;
        n++;
    }
    if (tail != last || (declared != UINT16_MAX && declared != n))
        return RDB_EFORMAT;
    return RDB_OK;
}

/* ==== zipmap ================================================================ */

/* A zipmap length at p[*pos]; 255 (the terminator) is not a length. */
static int zipmap_len(const unsigned char *p, size_t end, size_t *pos, size_t *len)
{
    if (*pos >= end || p[*pos] == 255)
        return RDB_EFORMAT;
    if (p[*pos] < 254) {
        *len = p[(*pos)++];
        return RDB_OK;
    }
    if (end - *pos < 5)
        return RDB_EFORMAT;
    *len = load_le32(p + *pos + 1);
    *pos += 5;
    return RDB_OK;
}

int rdb__zipmap_walk(const unsigned char *p, size_t size, rdb__elem_cb cb, void *ud)
{
    if (size < 2 || p[size - 1] != 255)
        return RDB_EFORMAT;
    size_t declared = p[0], pos = 1, end = size - 1, pairs = 0, len;
    while (pos < end) {
        int rc = zipmap_len(p, end, &pos, &len);
        if (rc < 0 || len > end - pos)
            return RDB_EFORMAT;
        if ((rc = emit_str(cb, ud, p + pos, len)) < 0)
            return rc;
        pos += len;
        if (zipmap_len(p, end, &pos, &len) < 0 || pos >= end)
            return RDB_EFORMAT;
        size_t pad = p[pos++];
        if (len > end - pos || pad > end - pos - len)
            return RDB_EFORMAT;
        if ((rc = emit_str(cb, ud, p + pos, len)) < 0)
            return rc;
        pos += len + pad;
        pairs++;
    }
    if (declared < 254 && declared != pairs)
        return RDB_EFORMAT;
    return RDB_OK;
}

/* ==== intset ================================================================ */

int rdb__intset_build(const int64_t *values, size_t n, unsigned char **out, size_t *out_len)
{
    assert(n > 0);
    int64_t lo = values[0], hi = values[n - 1];
    size_t width = lo >= INT16_MIN && hi <= INT16_MAX   ? 2
                   : lo >= INT32_MIN && hi <= INT32_MAX ? 4
                                                        : 8;
    if (n > UINT32_MAX)
        return RDB_ENOMEM;
    size_t len = 8 + n * width;
    unsigned char *b = malloc(len);
    if (b == NULL)
        return RDB_ENOMEM;
    listpack_store_le(b, width, 4);
    listpack_store_le(b + 4, n, 4);
    for (size_t i = 0; i < n; i++)
        listpack_store_le(b + 8 + i * width, (uint64_t)values[i], width);
    *out = b;
    *out_len = len;
    return RDB_OK;
}

int rdb__intset_walk(const unsigned char *p, size_t size, rdb__elem_cb cb, void *ud)
{
    if (size < 8)
        return RDB_EFORMAT;
    size_t width = load_le32(p), n = load_le32(p + 4);
    if ((width != 2 && width != 4 && width != 8) || (size - 8) / width != n ||
        (size - 8) % width != 0)
        return RDB_EFORMAT;
    for (size_t i = 0; i < n; i++) {
        int64_t v = listpack_load_signed(p + 8 + i * width, width);
        if (i > 0 && v <= listpack_load_signed(p + 8 + (i - 1) * width, width))
            return RDB_EFORMAT;
        int rc = emit_int(cb, ud, v);
        if (rc < 0)
            return rc;
    }
    return RDB_OK;
}
