/*
 * bytes.h - the order of byte strings that Redis uses everywhere it sorts
 * them (sdscmp, memcmp then length): ZRANGEBYLEX, sorted-set ties, the
 * hashmap's tree bins.
 */
#ifndef GROVE_BYTES_H
#define GROVE_BYTES_H

#include <stddef.h>
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

#endif
