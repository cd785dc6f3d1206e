/*
 * bitmap.c - bit counting, bit search, BITOP and BITFIELD's fields over
 * byte strings; see bitmap.h for the bit numbering.
 *
 * Design
 *   BITCOUNT, BITPOS and BITOP run over strings of up to 512 MB while the
 *   shard is locked, so they go a 64-bit word at a time: popcount over
 *   words (the hardware instruction where the CPU has one, chosen at load
 *   time by target_clones), the search skips whole words that cannot hold
 *   the bit wanted, and BITOP folds each source into the result in one
 *   streaming pass. A range that starts or ends inside a byte masks that
 *   byte's bits outside the range. Words are loaded with memcpy, so any
 *   alignment is fine and the byte order does not matter where only
 *   equality or a population count is asked.
 *
 *   Fields (at most 64 bits, at any offset) are read and written a bit at
 *   a time: 64 steps at most, and no special case for fields that straddle
 *   bytes or the end of the string.
 *
 * Overflow follows Redis 7.0's checkSignedBitfieldOverflow and
 * checkUnsignedBitfieldOverflow result for result, including one quirk
 * (see bitmap_add_signed).
 *
 * Complexity: count, find and op are O(bytes); fields O(bits).
 */
#include "bitmap.h"

#include <assert.h>
#include <string.h>

/* ==== words and masks ========================================================== */

static uint64_t load64(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof(w));
    return w;
}

static void store64(unsigned char *p, uint64_t w)
{
    memcpy(p, &w, sizeof(w));
}

/* The bits of a byte at or after bit index `from` (0 = most significant). */
static unsigned char bits_from(unsigned from)
{
    return (unsigned char)(0xffu >> from);
}

/* The bits of a byte at or before bit index `to`. */
static unsigned char bits_to(unsigned to)
{
    return (unsigned char)(0xffu << (7 - to));
}

/* ==== counting ================================================================= */

/* Redis's own tests count 512 MB strings: where the CPU has POPCNT use it
 * (x86-64 builds default to a generic CPU without it). Not under
 * ThreadSanitizer: the clones' resolver runs while the program is being
 * relocated, before TSan's runtime is up, and crashes it. */
#if defined(__x86_64__) && defined(__has_attribute) && !defined(__SANITIZE_THREAD__)
#if __has_attribute(target_clones)
#define POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#endif
#endif
#ifndef POPCNT_CLONES
#define POPCNT_CLONES
#endif

POPCNT_CLONES
static uint64_t count_bytes(const unsigned char *p, size_t n)
{
    uint64_t a = 0, b = 0, c = 0, d = 0;
    size_t i = 0;
    /* Four independent sums keep the popcount unit busy. */
    for (; i + 32 <= n; i += 32) {
        a += (uint64_t)__builtin_popcountll(load64(p + i));
        b += (uint64_t)__builtin_popcountll(load64(p + i + 8));
        c += (uint64_t)__builtin_popcountll(load64(p + i + 16));
        d += (uint64_t)__builtin_popcountll(load64(p + i + 24));
    }
    for (; i + 8 <= n; i += 8)
        a += (uint64_t)__builtin_popcountll(load64(p + i));
    for (; i < n; i++)
        a += (uint64_t)__builtin_popcount(p[i]);
    return a + b + c + d;
}

uint64_t bitmap_count(const unsigned char *p, uint64_t first, uint64_t last)
{
    assert(first <= last);
    size_t fb = (size_t)(first >> 3), lb = (size_t)(last >> 3);
    uint64_t n = count_bytes(p + fb, lb - fb + 1);
    /* Take back the bits of the end bytes that lie outside the range. */
    n -= (uint64_t)__builtin_popcount(p[fb] & (unsigned char)~bits_from(first & 7));
    n -= (uint64_t)__builtin_popcount(p[lb] & (unsigned char)~bits_to(last & 7));
    return n;
}

/* ==== searching ================================================================ */

/* Byte i of p with the bits wanted set (`flip` turns a search for 0 into
 * one for 1), cleared outside first..last. */
static unsigned char wanted_bits(const unsigned char *p, size_t i, uint64_t first, uint64_t last,
                                 unsigned char flip)
{
    unsigned char b = p[i] ^ flip;
    if (i == first >> 3)
        b &= bits_from(first & 7);
    if (i == last >> 3)
        b &= bits_to(last & 7);
    return b;
}

static int64_t position(size_t byte, unsigned char wanted)
{
    return (int64_t)byte * 8 + (__builtin_clz(wanted) - (int)(sizeof(unsigned) * 8 - 8));
}

int64_t bitmap_find(const unsigned char *p, uint64_t first, uint64_t last, bool bit)
{
    assert(first <= last);
    unsigned char flip = bit ? 0 : 0xff;
    uint64_t skip = bit ? 0 : UINT64_MAX; /* a word with no bit wanted */
    size_t i = (size_t)(first >> 3), lb = (size_t)(last >> 3);
    unsigned char b = wanted_bits(p, i, first, last, flip);
    if (b)
        return position(i, b);
    /* Whole bytes strictly between the end bytes: a word at a time. */
    for (i++; i + 8 <= lb && load64(p + i) == skip; i += 8)
        ;
    for (; i < lb; i++)
        if ((unsigned char)(p[i] ^ flip))
            return position(i, p[i] ^ flip);
    if (lb > (size_t)(first >> 3) && (b = wanted_bits(p, lb, first, last, flip)))
        return position(lb, b);
    return -1;
}

/* ==== BITOP ==================================================================== */

/* dst[0..dlen) op= s (len bytes, zero beyond). */
static void fold(enum bitmap_op op, unsigned char *dst, size_t dlen, const unsigned char *s,
                 size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t d = load64(dst + i), w = load64(s + i);
        store64(dst + i, op == BITMAP_AND ? d & w : op == BITMAP_OR ? d | w : d ^ w);
    }
    for (; i < len; i++)
        dst[i] = op == BITMAP_AND ? dst[i] & s[i] : op == BITMAP_OR ? dst[i] | s[i] : dst[i] ^ s[i];
    /* Past s's end it reads as zero: only AND changes dst there. */
    if (op == BITMAP_AND)
        memset(dst + len, 0, dlen - len);
}

void bitmap_op(enum bitmap_op op, const unsigned char *const *src, const size_t *len, size_t n,
               unsigned char *dst, size_t dlen)
{
    assert(n > 0 && (op != BITMAP_NOT || n == 1));
    if (len[0])
        memcpy(dst, src[0], len[0]);
    memset(dst + len[0], 0, dlen - len[0]);
    for (size_t k = 1; k < n; k++)
        fold(op, dst, dlen, src[k], len[k]);
    if (op != BITMAP_NOT)
        return;
    size_t i = 0;
    for (; i + 8 <= dlen; i += 8)
        store64(dst + i, ~load64(dst + i));
    for (; i < dlen; i++)
        dst[i] = (unsigned char)~dst[i];
}

/* ==== fields =================================================================== */

static unsigned bit_at(const unsigned char *p, size_t len, uint64_t pos)
{
    uint64_t byte = pos >> 3;
    return byte < len ? (p[byte] >> (7 - (pos & 7))) & 1u : 0;
}

uint64_t bitmap_get(const unsigned char *p, size_t len, uint64_t offset, unsigned bits)
{
    assert(bits >= 1 && bits <= 64);
    uint64_t v = 0;
    for (unsigned i = 0; i < bits; i++)
        v = (v << 1) | bit_at(p, len, offset + i);
    return v;
}

/* The low `bits` bits of v as a two's complement number. */
static int64_t sign_extend(uint64_t v, unsigned bits)
{
    if (bits < 64 && (v >> (bits - 1)) & 1)
        v |= UINT64_MAX << bits;
    else if (bits < 64)
        v &= ~(UINT64_MAX << bits);
    return (int64_t)v;
}

int64_t bitmap_get_signed(const unsigned char *p, size_t len, uint64_t offset, unsigned bits)
{
    return sign_extend(bitmap_get(p, len, offset, bits), bits);
}

void bitmap_set(unsigned char *p, uint64_t offset, unsigned bits, uint64_t value)
{
    assert(bits >= 1 && bits <= 64);
    for (unsigned i = 0; i < bits; i++) {
        uint64_t pos = offset + i;
        unsigned char mask = (unsigned char)(0x80u >> (pos & 7));
        if ((value >> (bits - 1 - i)) & 1)
            p[pos >> 3] |= mask;
        else
            p[pos >> 3] &= (unsigned char)~mask;
    }
}

/* ==== overflow ================================================================= */

int bitmap_add_unsigned(uint64_t value, int64_t incr, unsigned bits, enum bitmap_overflow how,
                        uint64_t *out)
{
    assert(bits >= 1 && bits <= 63);
    uint64_t max = (UINT64_C(1) << bits) - 1;
    int64_t sum = 0;
    int dir = 0;
    /* Past value > max, value < 2^63 fits an int64, and only a positive
     * incr can overflow the 64-bit sum. */
    if (value > max || __builtin_add_overflow((int64_t)value, incr, &sum))
        dir = 1;
    else if (sum < 0)
        dir = -1;
    else if ((uint64_t)sum > max)
        dir = 1;
    if (dir == 0)
        *out = (uint64_t)sum;
    else if (how == BITMAP_SAT)
        *out = dir > 0 ? max : 0;
    else if (how == BITMAP_WRAP)
        *out = (value + (uint64_t)incr) & max;
    return dir;
}

int bitmap_add_signed(int64_t value, int64_t incr, unsigned bits, enum bitmap_overflow how,
                      int64_t *out)
{
    assert(bits >= 1 && bits <= 64);
    int64_t max = bits == 64 ? INT64_MAX : (int64_t)((UINT64_C(1) << (bits - 1)) - 1);
    int64_t min = -max - 1, sum;
    int dir = 0;
    if (__builtin_add_overflow(value, incr, &sum))
        dir = incr > 0 ? 1 : -1;
    else if (sum > max)
        dir = 1;
    else if (sum < min)
        dir = -1;
    /* Redis's quirk: it tests incr > max - value in 64 bits, and for a SET
     * (incr 0) of a value within max of INT64_MIN that difference wraps
     * negative, so the value counts as overflowing upwards (SAT stores max,
     * not min). An INCRBY's value is a field's, never that far out. */
    if (dir < 0 && incr == 0 && (uint64_t)max - (uint64_t)value > (uint64_t)INT64_MAX)
        dir = 1;
    if (dir == 0)
        *out = sum;
    else if (how == BITMAP_SAT)
        *out = dir > 0 ? max : min;
    else if (how == BITMAP_WRAP)
        *out = sign_extend((uint64_t)value + (uint64_t)incr, bits);
    return dir;
}
