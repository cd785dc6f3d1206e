/*
 * bytes.h - the order of byte strings that Redis uses everywhere it sorts
 * them (sdscmp, memcmp then length): ZRANGEBYLEX, sorted-set ties, the
 * hashmap's tree bins. And the varints the compact forms of hashes and
 * sorted sets store lengths in.
 */
#ifndef GROVE_BYTES_H
#define GROVE_BYTES_H

#include <stddef.h>
#include <malloc.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

/* <0, 0, >0 as a sorts before, with, after b: bytes compared unsigned, a
 * proper prefix first. */
static inline int bytes_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
    size_t min = alen < blen ? alen : blen;
    int c = min ? memcmp(a, b, min) : 0;
    if (c != 0)
        return c;
    return (alen > blen) - (alen < blen);
}

/* Varints: 7 bits a byte, low bits first, the top bit set on every byte
 * but the last (one byte below 128, at most 10 for 64 bits). */
static inline size_t bytes_varint_size(uint64_t n)
{
    size_t size = 1;
    for (; n >= 0x80; n >>= 7)
        size++;
    return size;
}

/* Write n at p; returns the bytes written. */
static inline size_t bytes_varint_put(unsigned char *p, uint64_t n)
{
    size_t i = 0;
    for (; n >= 0x80; n >>= 7)
        p[i++] = (unsigned char)(n | 0x80);
    p[i++] = (unsigned char)n;
    return i;
}

/* Read a varint at p into *n; returns the bytes read. */
static inline size_t bytes_varint_get(const unsigned char *p, uint64_t *n)
{
    size_t i = 0;
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        v |= (uint64_t)(p[i] & 0x7f) << shift;
        if (!(p[i++] & 0x80))
            break;
    }
    *n = v;
    return i;
}

/* Resize *buf for `to` bytes: call it before a write that grows the
 * contents, after one that shrinks them. The capacity is never stored:
 * it is the allocator's own (malloc_usable_size), so a buffer grows
 * within its size class for free and costs no slack beyond it. 0, or -1
 * when growing runs out of memory (*buf unchanged); a failed shrink keeps
 * the bigger buffer. */
static inline int bytes_buf_resize(unsigned char **buf, size_t to)
{
    if (to == 0) {
        free(*buf);
        *buf = NULL;
        return 0;
    }
    size_t have = *buf ? malloc_usable_size(*buf) : 0;
    if (to <= have && have - to < 16) /* size classes are 16 bytes apart or more */
        return 0;
    unsigned char *p = realloc(*buf, to);
    if (p == NULL)
        return to < have ? 0 : -1;
    *buf = p;
    return 0;
}

#endif
