/*
 * bitmap.h - bit algorithms over byte strings, for the bitmap commands
 * (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD).
 *
 * Glossary
 *   bit n     bit n of a string is bit 7 - (n % 8) of byte n / 8: bit 0 is
 *             the most significant bit of the first byte, as Redis numbers
 *             them (so a string reads as one long big-endian number).
 *   range     first..last, both inclusive, in bits.
 *   field     BITFIELD's integer of 1..64 bits stored at any bit offset,
 *             most significant bit first; signed fields are two's
 *             complement.
 *   overflow  what an INCRBY or a SET out of a field's range does: WRAP
 *             (modulo 2^bits), SAT (clamp to the nearest bound) or FAIL
 *             (the caller leaves the field alone).
 *
 * Pure functions on caller-owned memory: no allocation, no state, any
 * thread. Counting and searching go a 64-bit word at a time.
 */
#ifndef GROVE_BITMAP_H
#define GROVE_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The number of set bits of p in the range first..last (last / 8 must be
 * inside p). */
uint64_t bitmap_count(const unsigned char *p, uint64_t first, uint64_t last);

/* The position of the first bit equal to `bit` in the range first..last
 * (last / 8 inside p), or -1 if there is none. */
int64_t bitmap_find(const unsigned char *p, uint64_t first, uint64_t last, bool bit);

enum bitmap_op { BITMAP_AND, BITMAP_OR, BITMAP_XOR, BITMAP_NOT };

/* BITOP: dst (dlen bytes, the longest source's length) = op over the n
 * sources, each src[i] of len[i] bytes read as zero-padded to dlen. NOT
 * takes one source. dst must not overlap a source. */
void bitmap_op(enum bitmap_op op, const unsigned char *const *src, const size_t *len, size_t n,
               unsigned char *dst, size_t dlen);

/* The unsigned field of `bits` (1..64) bits at bit `offset` of p (len
 * bytes); bits past the end of p read as zero. */
uint64_t bitmap_get(const unsigned char *p, size_t len, uint64_t offset, unsigned bits);
/* The same field read as a signed (two's complement) number. */
int64_t bitmap_get_signed(const unsigned char *p, size_t len, uint64_t offset, unsigned bits);
/* Store the low `bits` bits of value at bit `offset` (the field must be
 * inside p). */
void bitmap_set(unsigned char *p, uint64_t offset, unsigned bits, uint64_t value);

enum bitmap_overflow { BITMAP_WRAP, BITMAP_SAT, BITMAP_FAIL };

/* value + incr for an unsigned field of `bits` (1..63) bits: returns 0
 * when the sum fits (*out gets it), 1 when it overflows upwards, -1
 * downwards; then *out gets the wrapped (WRAP) or clamped (SAT) result
 * and is left alone for FAIL. A value beyond the field (a SET of a
 * negative or too large number) overflows upwards. */
int bitmap_add_unsigned(uint64_t value, int64_t incr, unsigned bits, enum bitmap_overflow how,
                        uint64_t *out);
/* The same for a signed field of `bits` (1..64) bits. */
int bitmap_add_signed(int64_t value, int64_t incr, unsigned bits, enum bitmap_overflow how,
                      int64_t *out);

#endif
