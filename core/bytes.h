/*
 * bytes.h - the order of byte strings that Redis uses everywhere it sorts
 * them (sdscmp, memcmp then length): ZRANGEBYLEX, sorted-set ties, the
 * hashmap's tree bins; their NUL-terminated copies. And the varints the compact forms of hashes and
 * sorted sets store lengths in, the head their buffers start with, and
 * the tagged word their headers keep.
 */
#ifndef GROVE_BYTES_H
#define GROVE_BYTES_H

#include <assert.h>
#include <stdbool.h>
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

/* A malloc'd copy of len bytes with a NUL after them (they may hold NULs
 * themselves); NULL when out of memory. */
static inline char *bytes_dup_cstr(const void *s, size_t len)
{
    char *d = malloc(len + 1);
    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
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
    if (p[0] < 0x80) { /* every length at the default limits: no loop */
        *n = p[0];
        return 1;
    }
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

/* ---- the head of a compact buffer -------------------------------------------
 *
 * A small hash's or sorted set's buffer starts with its own head: the byte
 * length of the entries after it, then their count, both varints (3 bytes
 * for 10 entries of 22 bytes), so the value's header is only a pointer to
 * the buffer and no header word is spent on lengths. An empty value has no
 * buffer (NULL) and so no head.
 *
 *     +------+-------+---------+---------+----
 *     | used | count | entry 0 | entry 1 | ...
 *     +------+-------+---------+---------+----
 *      varint varint  <----------- used bytes -->
 */
struct bytes_head {
    size_t used;  /* bytes of entries after the head */
    size_t count; /* entries */
    size_t size;  /* bytes of the head itself (0 without a buffer) */
};

/* Read buf's head (buf may be NULL: all zero); returns its size. */
static inline size_t bytes_head_get(const unsigned char *buf, struct bytes_head *hd)
{
    uint64_t v;
    *hd = (struct bytes_head){0};
    if (buf == NULL)
        return 0;
    hd->size = bytes_varint_get(buf, &v);
    hd->used = (size_t)v;
    hd->size += bytes_varint_get(buf + hd->size, &v);
    hd->count = (size_t)v;
    return hd->size;
}

/* The head's size for hd's used and count. */
static inline size_t bytes_head_size(const struct bytes_head *hd)
{
    return bytes_varint_size(hd->used) + bytes_varint_size(hd->count);
}

/* Move [from, from + n) of buf to `to` (offsets). */
static inline void bytes__move(unsigned char *buf, size_t to, size_t from, size_t n)
{
    if (n && to != from)
        memmove(buf + to, buf + from, n);
}

/* Replace the `cut` bytes of entries at offset `off` (from the first
 * entry) by `room` bytes left for the caller to fill (at *buf + hd->size +
 * off afterwards), the buffer then holding `count` entries: the entries
 * before and after move as the head's size changes, the head is rewritten,
 * and the buffer is freed when count is 0. Growing comes first, so the one
 * failure, -1 (out of memory), changes nothing; else 0. */
static inline int bytes_head_splice(unsigned char **buf, struct bytes_head *hd, size_t off,
                                    size_t cut, size_t room, size_t count)
{
    struct bytes_head nh = {.used = hd->used - cut + room, .count = count};
    if (room == cut && count == hd->count) /* bytes rewritten in place */
        return 0;
    if (count == 0) {
        free(*buf);
        *buf = NULL;
        *hd = (struct bytes_head){0};
        return 0;
    }
    nh.size = bytes_head_size(&nh);
    size_t from = hd->size + hd->used, to = nh.size + nh.used;
    if (to > from && bytes_buf_resize(buf, to) < 0)
        return -1;
    /* The tail first when it moves right, else the front: neither then
     * overwrites bytes the other has still to move. */
    size_t tail = hd->used - off - cut, tail_from = hd->size + off + cut;
    size_t tail_to = nh.size + off + room;
    if (tail_to > tail_from)
        bytes__move(*buf, tail_to, tail_from, tail);
    bytes__move(*buf, nh.size, hd->size, off);
    if (tail_to <= tail_from)
        bytes__move(*buf, tail_to, tail_from, tail);
    size_t n = bytes_varint_put(*buf, nh.used);
    bytes_varint_put(*buf + n, nh.count);
    if (to < from)
        bytes_buf_resize(buf, to);
    *hd = nh;
    return 0;
}

/* ---- the word of a small value's header -------------------------------------
 *
 * A hash's or sorted set's header keeps one word after its ops: its compact
 * buffer (NULL when empty), or its big form's pointer with bit 0 set. Both
 * come from malloc, so they are at least 8-aligned and bit 0 is free.
 */
#define BYTES_WORD_BIG ((uintptr_t)1)

static inline bool bytes_word_is_big(uintptr_t word)
{
    return word & BYTES_WORD_BIG;
}

static inline void *bytes_word_big(uintptr_t word)
{
    assert(bytes_word_is_big(word));
    return (void *)(word & ~BYTES_WORD_BIG);
}

static inline uintptr_t bytes_word_of_big(void *big)
{
    return (uintptr_t)big | BYTES_WORD_BIG;
}

/* The compact buffer, head first (NULL when empty). */
static inline unsigned char *bytes_word_buf(uintptr_t word)
{
    assert(!bytes_word_is_big(word));
    return (unsigned char *)word;
}

/* bytes_head_splice on the buffer a word holds, which it may move. */
static inline int bytes_word_splice(uintptr_t *word, struct bytes_head *hd, size_t off,
                                    size_t cut, size_t room, size_t count)
{
    unsigned char *buf = bytes_word_buf(*word);
    int rc = bytes_head_splice(&buf, hd, off, cut, room, count);
    *word = (uintptr_t)buf;
    return rc;
}

/* A copy of buf, head and entries (NULL for NULL) in *copy: 0, or -1 when
 * out of memory. */
static inline int bytes_head_dup(const unsigned char *buf, unsigned char **copy)
{
    struct bytes_head hd;
    *copy = NULL;
    if (buf == NULL)
        return 0;
    size_t size = bytes_head_get(buf, &hd) + hd.used;
    if ((*copy = malloc(size)) == NULL)
        return -1;
    memcpy(*copy, buf, size);
    return 0;
}
#endif
