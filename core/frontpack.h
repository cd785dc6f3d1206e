/*
 * frontpack.h - a front-coded run of byte strings: the elements of one
 * list node (core/list.c), stored so that neighbours that share a prefix
 * (keys, ids, URLs) keep it once.
 *
 * Glossary
 *   element   a byte string with a length (may be empty, any bytes).
 *   run       1..FRONTPACK_RUN consecutive elements: the first stored
 *             whole (a "start"), each next one as the length of the
 *             prefix it shares with the element before it and the bytes
 *             after that prefix (a "continuation"). Runs never share
 *             anything, so reading any element decodes at most
 *             FRONTPACK_RUN of them, and a change stays in its run (or
 *             splits a full one in two).
 *   short     an element of at most FRONTPACK_SHORT bytes. Only a short
 *             element is stored after a shared prefix; a longer one is
 *             always stored whole, so its bytes can be lent out as they
 *             are, and a reader rebuilds at most FRONTPACK_SHORT bytes.
 *   integer   an element string2ll accepts (object_parse_int: canonical
 *             decimal, 64-bit) is stored as a number: the difference
 *             from the integer before it in its run (0 when none), so
 *             small numbers and counters take a byte or two; its decimal
 *             form is rebuilt when read.
 *   index     after the elements: the run count, then one 32-bit word a
 *             run (its byte offset << 3 | its element count - 1), so the
 *             ends and any run are found without decoding. A reader
 *             relies on its 8 bytes at least after the elements.
 *
 * Errors: actions return 0 or FRONTPACK_ENOMEM (a string too long for a
 * frontpack, or out of memory: the frontpack is then unchanged);
 * removals never fail (they never grow the buffer, and a scratch buffer
 * they need for runs over 1 KB aborts when out of memory, as reading a
 * packed list node does). Broken invariants are asserts.
 *
 * Ownership: a frontpack owns buf (free it with free()); it copies the
 * bytes it is given, which must not point into it. What a reader hands
 * out is borrowed: from the frontpack (until its next change), or from
 * the reader (until its next read).
 *
 * Thread safety: none.
 */
#ifndef GROVE_FRONTPACK_H
#define GROVE_FRONTPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "object.h"

#define FRONTPACK_RUN 8
#define FRONTPACK_SHORT 63
/* Elements' bytes a frontpack of more than one run may hold: an index
 * word keeps a run's offset in 29 bits. One run has no such bound. */
#define FRONTPACK_MAX_BYTES ((1u << 29) - 1)

enum {
    FRONTPACK_OK = 0,
    FRONTPACK_ENOMEM = -1,
};

/* What an element's header says it is (frontpack.c has the layout). */
enum {
    FRONTPACK_TAG_NEXT = 0,     /* a string after a shared prefix */
    FRONTPACK_TAG_START = 1,    /* a string, whole, starting a run */
    FRONTPACK_TAG_INT = 2,      /* an integer, starting a run */
    FRONTPACK_TAG_INT_NEXT = 3, /* an integer, from the one before */
};

struct frontpack {
    unsigned char *buf; /* elements, then the index; NULL when empty */
    uint32_t bytes;     /* the elements' bytes (the index follows) */
    uint32_t count;     /* elements */
};

/* Reads elements one after the other from a run's start. */
struct frontpack_reader {
    const unsigned char *data;
    size_t off;
    const unsigned char *prev; /* the element before, when stored whole */
    bool own;                  /* ...else rebuilt in buf */
    bool is_int;               /* the element before was an integer, ival */
    int64_t ival;
    unsigned char buf[FRONTPACK_SHORT + 8]; /* 7 bytes of slack for word copies */
};

/* ---- reading -------------------------------------------------------------- */

size_t frontpack_runs(const struct frontpack *fp);
/* Run j's element count and byte offset. */
size_t frontpack_run_count(const struct frontpack *fp, size_t j);
size_t frontpack_run_offset(const struct frontpack *fp, size_t j);
/* The run holding element `rank` (< count), found from the nearer end;
 * *first is the rank of its first element. O(runs). */
size_t frontpack_run_find(const struct frontpack *fp, size_t rank, size_t *first);
/* A reader at run j's first element (j < runs). */
void frontpack_reader_at_run(struct frontpack_reader *rd, const struct frontpack *fp, size_t j);
/* A reader at element `rank` (< count): decodes at most RUN - 1 before. */
void frontpack_reader_at(struct frontpack_reader *rd, const struct frontpack *fp, size_t rank);
/* The next element (the caller knows there is one); returns its length,
 * *ptr borrowed as said above. Inline: iterators call it per element. */
static inline size_t frontpack_read(struct frontpack_reader *rd, const unsigned char **ptr);

/* ---- writing -------------------------------------------------------------- */

/* Insert a copy of s before element `rank` (0 <= rank <= count): at
 * either end in O(RUN) decoding plus a move of the bytes after it, as a
 * listpack moves them. */
int frontpack_insert(struct frontpack *fp, size_t rank, const void *s, size_t len);
/* Replace element `rank` (< count) with a copy of s. */
int frontpack_replace(struct frontpack *fp, size_t rank, const void *s, size_t len);
/* Sees a removed element, just before it goes. */
typedef void frontpack_removed_cb(void *ud, const unsigned char *ptr, size_t len);
/* Remove elements [rank, rank + n) (within count); cb, when not NULL,
 * sees each of them. Never fails. */
void frontpack_delete(struct frontpack *fp, size_t rank, size_t n, frontpack_removed_cb *cb,
                      void *ud);
/* Move elements [rank, count) (0 < rank < count) into *tail (empty). */
int frontpack_split(struct frontpack *fp, size_t rank, struct frontpack *tail);
/* Append a copy of b's elements (b unchanged); its runs are copied as
 * they are, without decoding. */
int frontpack_append(struct frontpack *fp, const struct frontpack *b);

/* Packed frontpacks keep only their elements (core/list.c compresses
 * them): the index size for `count` elements at most, and rebuilding the
 * index after the elements at data + bytes (room for
 * frontpack_index_max(count) bytes). */
size_t frontpack_index_max(size_t count);
void frontpack_index_rebuild(unsigned char *data, size_t bytes, size_t count);

/* ---- testing -------------------------------------------------------------- */

/* Assert the encoding and index are well formed. */
void frontpack__check_invariants(const struct frontpack *fp);

/* ---- inline reading ------------------------------------------------------- */

/* An element's header at p: its tag (FRONTPACK_TAG_*, the first byte's
 * low 2 bits) and a 64-bit value (the first byte's next 5 bits, then a
 * varint (bytes.h) of the rest when its high bit is set); returns bytes. */
static inline size_t frontpack__header_get(const unsigned char *p, unsigned *tag, uint64_t *v)
{
    *tag = p[0] & 3;
    *v = (p[0] >> 2) & 31;
    if (!(p[0] & 0x80))
        return 1;
    uint64_t rest;
    size_t n = bytes_varint_get(p + 1, &rest);
    *v |= rest << 5;
    return 1 + n;
}

/* n bytes copied 8 at a time: a rebuilt element's few bytes without a
 * call to memcpy. It may read 7 bytes past the source (inside the buffer:
 * elements are followed by at least 8 bytes of index) and write 7 past
 * the destination (the reader's buf has room). */
static inline void frontpack__copy_words(unsigned char *dst, const unsigned char *src, size_t n)
{
    for (size_t i = 0; i < n; i += 8)
        memcpy(dst + i, src + i, 8);
}

/* An integer element: its decimal form rebuilt in the reader. */
static inline size_t frontpack__read_int(struct frontpack_reader *rd, unsigned tag, uint64_t zz,
                                         const unsigned char **ptr)
{
    uint64_t d = (zz >> 1) ^ (0 - (zz & 1)); /* zigzag back */
    uint64_t base = tag == FRONTPACK_TAG_INT_NEXT && rd->is_int ? (uint64_t)rd->ival : 0;
    rd->ival = (int64_t)(base + d);
    rd->is_int = true;
    rd->own = true;
    *ptr = rd->buf;
    return object_format_int((char *)rd->buf, rd->ival);
}

/* See frontpack.c for the encoding. */
static inline size_t frontpack_read(struct frontpack_reader *rd, const unsigned char **ptr)
{
    const unsigned char *p = rd->data + rd->off;
    unsigned tag;
    uint64_t h, s;
    p += frontpack__header_get(p, &tag, &h);
    if (tag >= FRONTPACK_TAG_INT) {
        rd->off = (size_t)(p - rd->data);
        return frontpack__read_int(rd, tag, h, ptr);
    }
    rd->is_int = false;
    if (tag == FRONTPACK_TAG_START) {
        s = h;
    } else {
        p += bytes_varint_get(p, &s);
        size_t pre = (size_t)h;
        if (pre > 0) {
            if (!rd->own)
                frontpack__copy_words(rd->buf, rd->prev, pre);
            frontpack__copy_words(rd->buf + pre, p, (size_t)s);
            rd->off = (size_t)(p + s - rd->data);
            rd->own = true;
            *ptr = rd->buf;
            return pre + (size_t)s;
        }
    }
    rd->off = (size_t)(p + s - rd->data);
    rd->prev = p;
    rd->own = false;
    *ptr = p;
    return (size_t)s;
}

#endif
