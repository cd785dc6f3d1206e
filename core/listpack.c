/*
 * listpack.c - Redis 7.0's listpack entries, encoded and decoded.
 *
 * Format (integers little-endian)
 *   0xxxxxxx                       7-bit unsigned integer
 *   10xxxxxx <bytes>               string of up to 63 bytes
 *   110xxxxx yyyyyyyy              13-bit signed integer
 *   1110xxxx yyyyyyyy <bytes>      string of up to 4095 bytes
 *   11110000 <len u32> <bytes>     longer string
 *   11110001..11110100 <int>       16, 24, 32 or 64-bit signed integer
 *   then the backlen: the size of the above, most significant 7 bits
 *   first, the high bit set on every byte but the first.
 *
 *   Encoding follows lpAppend (a string string2ll accepts becomes the
 *   narrowest integer), so the bytes equal Redis's: core/list.c rebuilds
 *   each node's listpack with it for DUMP and RDB, and sizes its nodes by
 *   it. Decoding accepts every encoding, canonical or not, and checks
 *   each length against the bytes available and the backlen against the
 *   entry, as Redis's deep sanitisation does.
 */
#include "listpack.h"

#include <string.h>

#include "object.h"

uint32_t listpack_load_total(const unsigned char *lp)
{
    return (uint32_t)lp[0] | (uint32_t)lp[1] << 8 | (uint32_t)lp[2] << 16 | (uint32_t)lp[3] << 24;
}

uint16_t listpack_load_count(const unsigned char *lp)
{
    return (uint16_t)(lp[4] | lp[5] << 8);
}

void listpack_store_header(unsigned char *lp, uint32_t total, size_t count)
{
    listpack_store_le(lp, total, 4);
    listpack_store_le(lp + 4, count < UINT16_MAX ? count : UINT16_MAX, 2);
}

/* ==== encoding ============================================================== */

/* lpEncodeBacklen: the entry length, most significant 7 bits first. */
static size_t backlen(unsigned char *buf, uint64_t l)
{
    size_t n = listpack__backlen_size(l);
    for (size_t i = 0; i < n; i++) {
        size_t shift = 7 * (n - 1 - i);
        buf[i] = (unsigned char)((l >> shift) & 127);
        if (i > 0)
            buf[i] |= 128;
    }
    return n;
}

/* The encoding bytes of an integer entry (lpEncodeIntegerGetType). */
static size_t encode_int(unsigned char *buf, int64_t v)
{
    uint64_t u = (uint64_t)v;
    size_t n = listpack_int_size(v) - 2; /* the bytes after the first */
    if (n == 0) {
        buf[0] = (unsigned char)v;
        return 1;
    }
    if (n == 1) {
        u &= (1u << 13) - 1;
        buf[0] = (unsigned char)((u >> 8) | 0xC0);
        buf[1] = (unsigned char)u;
        return 2;
    }
    buf[0] = n == 2 ? 0xF1 : n == 3 ? 0xF2 : n == 4 ? 0xF3 : 0xF4;
    listpack_store_le(buf + 1, u, n);
    return 1 + n;
}

static size_t encode_strlen(unsigned char *buf, size_t len)
{
    if (len < 64) {
        buf[0] = (unsigned char)(0x80 | len);
        return 1;
    }
    if (len < 4096) {
        buf[0] = (unsigned char)(0xE0 | (len >> 8));
        buf[1] = (unsigned char)len;
        return 2;
    }
    buf[0] = 0xF0;
    listpack_store_le(buf + 1, len, 4);
    return 5;
}

/* The encoding bytes of s; *dlen: string bytes that follow (0 for an
 * integer). Only strings of up to 20 bytes can be integers. */
static size_t encode_head(unsigned char head[9], const void *s, size_t len, size_t *dlen)
{
    int64_t v;
    if (len <= 20 && object_parse_int(s, len, &v)) {
        *dlen = 0;
        return encode_int(head, v);
    }
    *dlen = len;
    return encode_strlen(head, len);
}

size_t listpack_entry_size(const void *s, size_t len)
{
    int64_t v;
    if (len <= 20 && object_parse_int(s, len, &v))
        return listpack_int_size(v);
    return listpack_str_size(len);
}

size_t listpack_encode(unsigned char *dst, const void *s, size_t len)
{
    size_t dlen, hlen = encode_head(dst, s, len, &dlen);
    if (dlen > 0)
        memcpy(dst + hlen, s, dlen);
    return hlen + dlen + backlen(dst + hlen + dlen, hlen + dlen);
}

/* ==== decoding ============================================================== */

/* The header of the entry at p: its encoding size (*hlen), string length
 * or integer width; false for an unknown byte (0xF5..0xFF). */
static bool decode_head(const unsigned char *p, size_t *hlen, size_t *ilen, bool *is_int)
{
    unsigned b = p[0];
    *hlen = 1;
    *ilen = 0;
    *is_int = true;
    if ((b & 0x80) == 0 || (b & 0xE0) == 0xC0) {
        *hlen = (b & 0x80) ? 2 : 1;
    } else if ((b & 0xC0) == 0x80 || (b & 0xF0) == 0xE0 || b == 0xF0) {
        *is_int = false;
        *hlen = (b & 0xC0) == 0x80 ? 1 : b == 0xF0 ? 5 : 2;
    } else if (b >= 0xF1 && b <= 0xF4) {
        *ilen = b == 0xF1 ? 2 : b == 0xF2 ? 3 : b == 0xF3 ? 4 : 8;
    } else {
        return false;
    }
    return true;
}

size_t listpack_decode(const unsigned char *p, size_t avail, struct listpack_value *out)
{
    size_t hlen, ilen;
    bool is_int;
    if (avail == 0)
        return 0;
    unsigned b = p[0];
    size_t dlen = b & 0x3F;
    /* The common entries first: a 7-bit integer, a string of up to 63
     * bytes (one backlen byte each). */
    if (b < 0x80 && avail >= 2 && p[1] == 1) {
        *out = (struct listpack_value){.v = b};
        return 2;
    }
    if ((b & 0xC0) == 0x80 && avail >= dlen + 2 && p[1 + dlen] == dlen + 1) {
        *out = (struct listpack_value){.str = p + 1, .len = dlen};
        return dlen + 2;
    }
    if (!decode_head(p, &hlen, &ilen, &is_int) || hlen + ilen > avail)
        return 0;
    dlen = 0;
    *out = (struct listpack_value){0};
    if ((b & 0x80) == 0) {
        out->v = b;
    } else if ((b & 0xE0) == 0xC0) {
        unsigned u = ((b & 0x1F) << 8) | p[1];
        out->v = u >= (1u << 12) ? (int64_t)u - (1 << 13) : (int64_t)u;
    } else if (ilen > 0) {
        out->v = listpack_load_signed(p + 1, ilen);
    } else {
        dlen = (b & 0xC0) == 0x80   ? (size_t)(b & 0x3F)
               : (b & 0xF0) == 0xE0 ? ((size_t)(b & 0x0F) << 8) | p[1]
                                    : listpack_load_total(p + 1);
    }
    size_t entry = hlen + ilen;
    if (dlen > avail - entry)
        return 0;
    if (!is_int) {
        out->str = p + hlen;
        out->len = dlen;
    }
    entry += dlen;
    unsigned char back[5];
    size_t blen = backlen(back, entry);
    if (blen > avail - entry || memcmp(p + entry, back, blen) != 0)
        return 0;
    return entry + blen;
}

size_t listpack_prev_size(const unsigned char *end)
{
    uint64_t v = 0;
    size_t n = 0;
    const unsigned char *p = end - 1;
    for (;;) {
        v |= (uint64_t)(*p & 127) << (7 * n);
        n++;
        if (!(*p & 128))
            break;
        p--;
    }
    return (size_t)v + n;
}
