/*
 * rdb_encodings.h - the compact blobs embedded in RDB values: listpack
 * (built and read), intset (built and read), ziplist and zipmap (read
 * only). Internal to core/rdb*.c.
 *
 * Glossary
 *   element   one string or integer of a blob, handed out as bytes: an
 *             integer is formatted in decimal into the element's buf, as
 *             Redis hands it to a client.
 *   walk      rdb__*_walk validates the whole blob as Redis's deep
 *             sanitisation does (sizes, terminators, back-lengths or
 *             prev-lengths, encodings, declared counts) while calling the
 *             callback once per element in order. A callback error stops
 *             the walk and is returned.
 *
 * Errors: RDB_EFORMAT for a malformed blob, RDB_ENOMEM, or the callback's.
 */
#ifndef GROVE_RDB_ENCODINGS_H
#define GROVE_RDB_ENCODINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "object.h"

struct rdb__elem {
    const char *ptr;
    size_t len;
    char buf[OBJECT_INT_BUFSIZE];
};

typedef int (*rdb__elem_cb)(void *ud, const struct rdb__elem *e);

/* Room for `more` bytes after the first `len` of a growable buffer
 * (*data, *cap), doubling from 64: RDB_OK or RDB_ENOMEM. */
int rdb__reserve(unsigned char **data, size_t len, size_t *cap, size_t more);

/* ---- listpack ------------------------------------------------------------- */

#define RDB__LP_HEADER 6
#define RDB__LP_EMPTY 7 /* header + terminator */

/* A listpack being built; bytes holds header space, entries, and after
 * rdb__lp_finish the terminator with the header filled in. */
struct rdb__lp {
    unsigned char *bytes;
    size_t len, cap;
    size_t count;
};

void rdb__lp_init(struct rdb__lp *lp);
void rdb__lp_deinit(struct rdb__lp *lp);
/* Append as lpAppend does: a string in string2ll form as an integer. */
int rdb__lp_append(struct rdb__lp *lp, const void *s, size_t len);
/* Append `count` entries already encoded (a core/list node). */
int rdb__lp_append_entries(struct rdb__lp *lp, const unsigned char *entries, size_t bytes,
                           size_t count);
int rdb__lp_finish(struct rdb__lp *lp);
/* Forget the entries, keep the buffer (next quicklist node). */
void rdb__lp_reset(struct rdb__lp *lp);

int rdb__lp_walk(const unsigned char *p, size_t size, rdb__elem_cb cb, void *ud);

/* ---- ziplist, zipmap -------------------------------------------------- */

int rdb__zl_walk(const unsigned char *p, size_t size, rdb__elem_cb cb, void *ud);
/* Calls cb for key, value, key, value... */
int rdb__zipmap_walk(const unsigned char *p, size_t size, rdb__elem_cb cb, void *ud);

/* ---- intset ------------------------------------------------------------- */

/* An intset blob of the n sorted, distinct values (the narrowest encoding
 * that holds them, as a fresh Redis intset). *out is malloc'd. */
int rdb__intset_build(const int64_t *values, size_t n, unsigned char **out, size_t *out_len);
/* Values must be strictly ascending (Redis's deep check). */
int rdb__intset_walk(const unsigned char *p, size_t size, rdb__elem_cb cb, void *ud);

#endif
