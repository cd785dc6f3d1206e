/*
 * listpack.h - Redis 7.0's listpack entry format: encoding one string as
 * an entry (small integers compactly) and decoding an entry, forwards and
 * backwards. Shared by core/list.c (its nodes are sized, dumped and
 * loaded as listpacks) and core/rdb_encodings.c (listpacks inside RDB
 * values).
 *
 * Glossary
 *   entry     encoding byte(s), then string bytes or integer bytes, then
 *             the "backlen": the size of encoding + data in 1..5 bytes, 7
 *             bits each, so an entry can be stepped over from its end.
 *   integer   a string that string2ll accepts (object_parse_int) is
 *             stored as an integer, in 1 byte for 0..127, 2 for
 *             -4096..4095, else 3, 4, 5 or 9 bytes: as lpAppend stores it.
 *
 * Errors: listpack_decode returns 0 for a malformed entry; the rest
 * cannot fail. Nothing here allocates.
 */
#ifndef GROVE_LISTPACK_H
#define GROVE_LISTPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LISTPACK_HEADER 6     /* <total bytes u32><count u16> */
#define LISTPACK_EMPTY 7      /* header + the 0xFF terminator */
#define LISTPACK_ENTRY_MAX 14 /* encoding and backlen bytes around a string, at most */

/* A decoded entry: a string (str, len) or, when str is NULL, an integer. */
struct listpack_value {
    const unsigned char *str;
    size_t len;
    int64_t v;
};

/* Bytes listpack_encode writes for s (len must fit in 32 bits). */
size_t listpack_entry_size(const void *s, size_t len);
/* The backlen's bytes for an entry of l bytes (lpEncodeBacklen). */
static inline size_t listpack__backlen_size(uint64_t l)
{
    return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}
/* Bytes an integer entry of v takes (lpAppendInteger): its encoding (1
 * byte for 0..127, 2 for 13 bits, else 1 + 2, 3, 4 or 8) and a 1-byte
 * backlen. Inline: streams size every append's integers with it. */
static inline size_t listpack_int_size(int64_t v)
{
    if (v >= 0 && v <= 127)
        return 2;
    if (v >= -4096 && v <= 4095)
        return 3;
    return v >= -32768 && v <= 32767         ? 4
           : v >= -8388608 && v <= 8388607   ? 5
           : v >= INT32_MIN && v <= INT32_MAX ? 6
                                             : 10;
}
/* Bytes a string of len bytes takes when stored as a string: at least
 * listpack_entry_size's (an integer never takes more), without parsing. */
static inline size_t listpack_str_size(size_t len)
{
    size_t hlen = len < 64 ? 1 : len < 4096 ? 2 : 5;
    return hlen + len + listpack__backlen_size(hlen + len);
}
/* Write s as an entry at dst (listpack_entry_size bytes); returns them. */
size_t listpack_encode(unsigned char *dst, const void *s, size_t len);
/* The entry at p, with `avail` bytes readable from p: its size (backlen
 * included, every length and the backlen checked), or 0 if malformed. */
size_t listpack_decode(const unsigned char *p, size_t avail, struct listpack_value *out);
/* The size of the well-formed entry that ends just before `end` (read
 * from its backlen). */
size_t listpack_prev_size(const unsigned char *end);

/* n little-endian bytes of v at p; and back, as a signed integer of n
 * bytes (two's complement). Shared with the other RDB blobs. */
static inline void listpack_store_le(unsigned char *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline int64_t listpack_load_signed(const unsigned char *p, size_t n)
{
    uint64_t u = 0;
    for (size_t i = 0; i < n; i++)
        u |= (uint64_t)p[i] << (8 * i);
    if (n < 8 && (u >> (8 * n - 1)) & 1)
        u |= ~(uint64_t)0 << (8 * n);
    return (int64_t)u;
}

/* A listpack header's total size and count fields, and storing them. */
uint32_t listpack_load_total(const unsigned char *lp);
uint16_t listpack_load_count(const unsigned char *lp);
void listpack_store_header(unsigned char *lp, uint32_t total, size_t count);

#endif
