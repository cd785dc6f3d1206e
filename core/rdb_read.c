/*
 * rdb_read.c - reading RDB values (every type Redis has written for the
 * value kinds Grove holds) into Grove's structures, with every byte
 * checked. See rdb.h for what is accepted and refused, and rdb.c's essay
 * for the bounds that keep hostile input from over-reading or making us
 * over-allocate.
 *
 * Structure: primitives (length, string, doubles); then one builder per
 * Grove type that takes elements one at a time (struct build), fed either
 * by a counted run of RDB strings or by walking an embedded blob
 * (listpack, ziplist, intset, zipmap, rdb_encodings.c).
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "list.h"
#include "listpack.h"
#include "rdb.h"
#include "rdb_encodings.h"
#include "rdb_stream.h"
#include "set.h"
#include "zset.h"

#define LZF_MAX_RATIO 88   /* LZF's longest output per input byte */
#define DOUBLE_STR_MAX 128 /* zzlStrtod / rdbLoadDoubleValue buffers */

/* ==== reader ================================================================ */

void rdb_reader_init(struct rdb_reader *r, const void *buf, size_t len,
                     const struct hashmap_hasher *hasher, const struct object_limits *limits)
{
    *r = (struct rdb_reader){.start = buf, .p = buf, .end = (const unsigned char *)buf + len,
                             .hasher = hasher, .limits = limits, .error = "no error"};
}

void rdb_reader_deinit(struct rdb_reader *r)
{
    free(r->scratch);
    r->scratch = NULL;
    r->scratch_cap = 0;
}

size_t rdb_reader_offset(const struct rdb_reader *r)
{
    return (size_t)(r->p - r->start);
}

size_t rdb_reader_remaining(const struct rdb_reader *r)
{
    return (size_t)(r->end - r->p);
}

/* Record why reading failed and return `rc`. */
static int fail(struct rdb_reader *r, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct rdb_reader *r, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error_buf, sizeof(r->error_buf), fmt, ap);
    va_end(ap);
    r->error = r->error_buf;
    return rc;
}

static int truncated(struct rdb_reader *r)
{
    r->short_read = true;
    return fail(r, RDB_EFORMAT, "unexpected end of data at offset %zu", rdb_reader_offset(r));
}

int rdb_read_bytes(struct rdb_reader *r, void *out, size_t len)
{
    if (len > rdb_reader_remaining(r))
        return truncated(r);
    memcpy(out, r->p, len);
    r->p += len;
    return RDB_OK;
}

int rdb_read_type(struct rdb_reader *r, unsigned *type)
{
    unsigned char b = 0;
    int rc = rdb_read_bytes(r, &b, 1);
    *type = b;
    return rc;
}

int rdb_read_len(struct rdb_reader *r, uint64_t *len, bool *encoded)
{
    unsigned char b[9] = {0};
    if (rdb_read_bytes(r, b, 1) < 0)
        return RDB_EFORMAT;
    if (encoded != NULL)
        *encoded = false;
    size_t n;
    switch (b[0] >> 6) {
    case 0:
        *len = b[0] & 0x3F;
        return RDB_OK;
    case 1:
        if (rdb_read_bytes(r, b + 1, 1) < 0)
            return RDB_EFORMAT;
        *len = (uint64_t)(b[0] & 0x3F) << 8 | b[1];
        return RDB_OK;
    case 2:
        if (b[0] != 0x80 && b[0] != 0x81)
            return fail(r, RDB_EFORMAT, "unknown length encoding 0x%02x", b[0]);
        n = b[0] == 0x80 ? 4 : 8;
        if (rdb_read_bytes(r, b + 1, n) < 0)
            return RDB_EFORMAT;
        *len = 0;
        for (size_t i = 1; i <= n; i++)
            *len = *len << 8 | b[i];
        return RDB_OK;
    }
    if (encoded == NULL)
        return fail(r, RDB_EFORMAT, "encoded value where a length was expected");
    *encoded = true;
    *len = b[0] & 0x3F;
    return RDB_OK;
}

static int read_int_string(struct rdb_reader *r, unsigned enc, struct rdb_str *s)
{
    size_t n = enc == RDB_ENC_INT8 ? 1 : enc == RDB_ENC_INT16 ? 2 : 4;
    unsigned char b[4];
    if (rdb_read_bytes(r, b, n) < 0)
        return RDB_EFORMAT;
    uint64_t u = 0;
    for (size_t i = 0; i < n; i++)
        u |= (uint64_t)b[i] << (8 * i);
    int64_t v = n == 1 ? (int8_t)u : n == 2 ? (int16_t)u : (int32_t)u;
    s->len = object_format_int(s->buf, v);
    s->ptr = s->buf;
    s->is_int = true;
    return RDB_OK;
}

static int scratch_reserve(struct rdb_reader *r, size_t len)
{
    if (r->scratch_cap >= len)
        return RDB_OK;
    unsigned char *b = realloc(r->scratch, len);
    if (b == NULL)
        return fail(r, RDB_ENOMEM, "out of memory");
    r->scratch = b;
    r->scratch_cap = len;
    return RDB_OK;
}

static int read_lzf_string(struct rdb_reader *r, struct rdb_str *s)
{
    uint64_t clen, len;
    if (rdb_read_len(r, &clen, NULL) < 0 || rdb_read_len(r, &len, NULL) < 0)
        return RDB_EFORMAT;
    if (clen > rdb_reader_remaining(r))
        return truncated(r);
    if (len == 0 || len > clen * LZF_MAX_RATIO)
        return fail(r, RDB_EFORMAT, "impossible LZF lengths %llu/%llu", (unsigned long long)clen,
                    (unsigned long long)len);
    if (scratch_reserve(r, len) < 0)
        return RDB_ENOMEM;
    size_t written;
    if (lzf_decompress(r->p, clen, r->scratch, len, &written) < 0 || written != len)
        return fail(r, RDB_EFORMAT, "invalid LZF data at offset %zu", rdb_reader_offset(r));
    r->p += clen;
    s->ptr = (const char *)r->scratch;
    s->len = len;
    return RDB_OK;
}

/* Strings read here borrow the input or the scratch buffer; a caller that
 * needs two at once (a hash field and its value) copies the first out
 * when it lives in the scratch (see struct pair_buf). */
int rdb_read_string(struct rdb_reader *r, struct rdb_str *s)
{
    uint64_t len = 0;
    bool encoded = false;
    s->is_int = false;
    if (rdb_read_len(r, &len, &encoded) < 0)
        return RDB_EFORMAT;
    if (encoded) {
        if (len == RDB_ENC_LZF)
            return read_lzf_string(r, s);
        if (len <= RDB_ENC_INT32)
            return read_int_string(r, (unsigned)len, s);
        return fail(r, RDB_EFORMAT, "unknown string encoding %u", (unsigned)len);
    }
    if (len > rdb_reader_remaining(r))
        return truncated(r);
    s->ptr = (const char *)r->p;
    s->len = len;
    r->p += len;
    return RDB_OK;
}

int rdb_read_binary_double(struct rdb_reader *r, double *d)
{
    unsigned char b[8] = {0};
    if (rdb_read_bytes(r, b, 8) < 0)
        return RDB_EFORMAT;
    uint64_t u = 0;
    for (size_t i = 0; i < 8; i++)
        u |= (uint64_t)b[i] << (8 * i);
    memcpy(d, &u, 8);
    return RDB_OK;
}

/* A score as text, fully parsed (zzlStrtod / rdbLoadDoubleValue). */
static bool parse_double(const char *s, size_t len, double *d)
{
    char buf[DOUBLE_STR_MAX];
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    *d = strtod(buf, &end);
    return end == buf + len && !isnan(*d);
}

/* rdbLoadDoubleValue: a length byte (253 nan, 254 +inf, 255 -inf). */
static int read_string_double(struct rdb_reader *r, double *d)
{
    unsigned char len = 0, buf[255];
    if (rdb_read_bytes(r, &len, 1) < 0)
        return RDB_EFORMAT;
    if (len >= 253) {
        *d = len == 253 ? NAN : len == 254 ? INFINITY : -INFINITY;
        return RDB_OK;
    }
    if (rdb_read_bytes(r, buf, len) < 0)
        return RDB_EFORMAT;
    if (!parse_double((const char *)buf, len, d))
        return fail(r, RDB_EFORMAT, "invalid double");
    return RDB_OK;
}

/* ==== builders ============================================================== */

/* The value being rebuilt, fed one element at a time. A hash keeps the
 * first half of a pair in `first`. A zset's members are gathered (their
 * bytes in one buffer) and handed to zset_load at the end, which builds
 * the compact form in one go. */
struct build {
    struct rdb_reader *r;
    unsigned type; /* OBJECT_* */
    union {
        struct list *list;
        struct set *set;
        struct hash *hash;
        struct zset *zset;
    } u;
    bool have_first;
    char *first; /* owned copy of a pair's first half */
    size_t first_len;
    bool from_listpack;        /* zset: read from a listpack or ziplist */
    struct zset_member *items; /* zset: ptr holds an offset into bytes until the end */
    size_t nitems, items_cap;
    char *bytes;
    size_t bytes_len, bytes_cap;
};

static int build_init(struct build *b, struct rdb_reader *r, unsigned type)
{
    *b = (struct build){.r = r, .type = type};
    bool ok = true;
    switch (type) {
    case OBJECT_LIST:
        ok = (b->u.list = list_create(r->limits)) != NULL;
        break;
    case OBJECT_SET:
        ok = (b->u.set = set_create(r->hasher, r->limits)) != NULL;
        break;
    case OBJECT_HASH:
        ok = (b->u.hash = hash_create(r->hasher, r->limits)) != NULL;
        break;
    case OBJECT_ZSET:
        ok = (b->u.zset = zset_create(r->hasher, r->limits)) != NULL;
        break;
    }
    return ok ? RDB_OK : fail(r, RDB_ENOMEM, "out of memory");
}

static void build_discard(struct build *b)
{
    free(b->first);
    b->first = NULL;
    free(b->items);
    free(b->bytes);
    switch (b->type) {
    case OBJECT_LIST:
        list_destroy(b->u.list);
        break;
    case OBJECT_SET:
        set_destroy(b->u.set);
        break;
    case OBJECT_HASH:
        hash_destroy(b->u.hash);
        break;
    case OBJECT_ZSET:
        zset_destroy(b->u.zset);
        break;
    }
}

static size_t build_len(const struct build *b)
{
    switch (b->type) {
    case OBJECT_LIST:
        return list_len(b->u.list);
    case OBJECT_SET:
        return set_len(b->u.set);
    case OBJECT_HASH:
        return hash_len(b->u.hash);
    default:
        return b->nitems;
    }
}

/* Hand the finished value over as a planned object. */
static int build_finish(struct build *b, struct object_value *v)
{
    if (b->have_first) {
        build_discard(b);
        return fail(b->r, RDB_EFORMAT, "odd number of elements in a pair list");
    }
    if (build_len(b) == 0) {
        build_discard(b);
        return fail(b->r, RDB_EEMPTY, "empty %s", object_type_name(b->type));
    }
    if (b->type == OBJECT_ZSET) {
        for (size_t i = 0; i < b->nitems; i++)
            b->items[i].ptr = b->bytes + (uintptr_t)b->items[i].ptr;
        int rc = zset_load(b->u.zset, b->items, b->nitems, b->from_listpack);
        if (rc < 0) {
            build_discard(b);
            return rc == ZSET_EDUP ? fail(b->r, RDB_EFORMAT, "duplicate zset member")
                                   : fail(b->r, RDB_ENOMEM, "out of memory");
        }
        free(b->items);
        free(b->bytes);
    }
    free(b->first);
    switch (b->type) {
    case OBJECT_LIST:
        object_value_from_boxed(v, OBJECT_LIST, list_encoding(b->u.list), list_boxed(b->u.list));
        break;
    case OBJECT_SET:
        object_value_from_boxed(v, OBJECT_SET, set_encoding(b->u.set), set_boxed(b->u.set));
        break;
    case OBJECT_HASH:
        object_value_from_boxed(v, OBJECT_HASH, hash_encoding(b->u.hash), hash_boxed(b->u.hash));
        break;
    case OBJECT_ZSET:
        object_value_from_boxed(v, OBJECT_ZSET, zset_encoding(b->u.zset), zset_boxed(b->u.zset));
        break;
    }
    return RDB_OK;
}

static int add_second(struct build *b, const char *s, size_t len, double score, bool has_score)
{
    bool added = true;
    int rc;
    if (b->type == OBJECT_HASH) {
        rc = hash_set(b->u.hash, b->first, b->first_len, s, len, &added);
    } else {
        if (!has_score && !parse_double(s, len, &score))
            return fail(b->r, RDB_EFORMAT, "invalid zset score");
        if (isnan(score))
            return fail(b->r, RDB_EFORMAT, "zset score is NaN");
        b->items[b->nitems++].score = score;
        b->have_first = false;
        return RDB_OK;
    }
    b->have_first = false;
    if (rc < 0)
        return fail(b->r, RDB_ENOMEM, "out of memory");
    if (!added)
        return fail(b->r, RDB_EFORMAT, "duplicate hash field");
    return RDB_OK;
}

/* Room for `more` of n items of `size` bytes in *p (cap of them), doubling. */
static bool reserve(void **p, size_t *cap, size_t n, size_t more, size_t size)
{
    if (n + more <= *cap)
        return true;
    size_t c = *cap ? *cap : 16;
    while (c < n + more)
        c *= 2;
    void *grown = realloc(*p, c * size);
    if (grown == NULL)
        return false;
    *p = grown;
    *cap = c;
    return true;
}

/* A zset member, gathered until its score comes. */
static int keep_member(struct build *b, const char *s, size_t len)
{
    if (!reserve((void **)&b->items, &b->items_cap, b->nitems, 1, sizeof(*b->items)) ||
        !reserve((void **)&b->bytes, &b->bytes_cap, b->bytes_len, len + 1, 1)) /* never NULL */
        return fail(b->r, RDB_ENOMEM, "out of memory");
    b->items[b->nitems] = (struct zset_member){.ptr = (const char *)(uintptr_t)b->bytes_len,
                                               .len = len};
    if (len)
        memcpy(b->bytes + b->bytes_len, s, len);
    b->bytes_len += len;
    b->have_first = true;
    return RDB_OK;
}

static int keep_first(struct build *b, const char *s, size_t len)
{
    if (b->type == OBJECT_ZSET)
        return keep_member(b, s, len);
    char *copy = malloc(len ? len : 1);
    if (copy == NULL)
        return fail(b->r, RDB_ENOMEM, "out of memory");
    memcpy(copy, s, len);
    free(b->first);
    b->first = copy;
    b->first_len = len;
    b->have_first = true;
    return RDB_OK;
}

/* One element: a list element, a set member, or half of a pair. */
static int build_add(struct build *b, const char *s, size_t len)
{
    bool added = true;
    int rc = 0;
    switch (b->type) {
    case OBJECT_LIST:
        rc = list_push(b->u.list, LIST_TAIL, s, len);
        break;
    case OBJECT_SET:
        rc = set_add(b->u.set, s, len, &added);
        break;
    default:
        return b->have_first ? add_second(b, s, len, 0, false) : keep_first(b, s, len);
    }
    if (rc < 0)
        return fail(b->r, RDB_ENOMEM, "out of memory");
    if (!added)
        return fail(b->r, RDB_EFORMAT, "duplicate set member");
    return RDB_OK;
}

static int build_elem_cb(void *ud, const struct rdb__elem *e)
{
    return build_add(ud, e->ptr, e->len);
}

/* ==== sources ================================================================ */

/* A count, checked against the bytes left (every element takes at least
 * `min_bytes`), so that no hostile count makes us loop or reserve long. */
static int read_count(struct rdb_reader *r, size_t min_bytes, uint64_t *n)
{
    if (rdb_read_len(r, n, NULL) < 0)
        return RDB_EFORMAT;
    if (*n > rdb_reader_remaining(r) / min_bytes)
        return fail(r, RDB_EFORMAT, "element count %llu larger than the data",
                    (unsigned long long)*n);
    return RDB_OK;
}

/* `n` RDB strings (n * per pairs for hashes). */
static int read_strings(struct rdb_reader *r, struct build *b, unsigned per)
{
    uint64_t n;
    int rc = read_count(r, per, &n);
    for (uint64_t i = 0; rc == 0 && i < n * per; i++) {
        struct rdb_str s;
        if ((rc = rdb_read_string(r, &s)) == 0)
            rc = build_add(b, s.ptr, s.len);
    }
    return rc;
}

/* RDB_TYPE_ZSET / ZSET_2: member then score, `n` times. */
static int read_zset_pairs(struct rdb_reader *r, struct build *b, bool binary)
{
    uint64_t n;
    int rc = read_count(r, 2, &n);
    for (uint64_t i = 0; rc == 0 && i < n; i++) {
        struct rdb_str s;
        double score;
        if ((rc = rdb_read_string(r, &s)) < 0 || (rc = keep_first(b, s.ptr, s.len)) < 0)
            break;
        rc = binary ? rdb_read_binary_double(r, &score) : read_string_double(r, &score);
        if (rc == 0)
            rc = add_second(b, NULL, 0, score, true);
    }
    return rc;
}

typedef int (*walk_fn)(const unsigned char *p, size_t size, rdb__elem_cb cb, void *ud);

/* One embedded blob (an RDB string) walked into the builder. The blob may
 * sit in the scratch buffer: nothing else is read until the walk ends. A
 * malformed blob, or elements its type forbids (a duplicate field), fail
 * with `what`, Redis's words for it ("Hash ziplist integrity check
 * failed."), which Redis's corrupt-dump tests look for. */
static int read_blob(struct rdb_reader *r, struct build *b, walk_fn walk, const char *what)
{
    struct rdb_str s;
    int rc = rdb_read_string(r, &s);
    if (rc < 0)
        return rc;
    const char *before = r->error;
    r->error = NULL; /* set by a callback's failure */
    rc = walk((const unsigned char *)s.ptr, s.len, build_elem_cb, b);
    if (rc == RDB_EFORMAT)
        return fail(r, rc, "%s", what);
    if (r->error == NULL)
        r->error = before;
    return rc;
}

static int count_elem_cb(void *ud, const struct rdb__elem *e)
{
    (void)e;
    (*(size_t *)ud)++;
    return RDB_OK;
}

/* A quicklist 2 listpack node, validated, then kept as one list node
 * (its elements front-coded); an empty one is skipped, as Redis does. */
static int read_list_listpack(struct rdb_reader *r, struct build *b)
{
    struct rdb_str s;
    size_t n = 0;
    int rc = rdb_read_string(r, &s);
    if (rc < 0)
        return rc;
    const unsigned char *p = (const unsigned char *)s.ptr;
    if (rdb__lp_walk(p, s.len, count_elem_cb, &n) < 0)
        return fail(r, RDB_EFORMAT, "Listpack integrity check failed.");
    if (n > 0 &&
        list_append_entries(b->u.list, p + LISTPACK_HEADER, s.len - LISTPACK_EMPTY, n) < 0)
        return fail(r, RDB_ENOMEM, "out of memory");
    return RDB_OK;
}

static int lp_append_cb(void *ud, const struct rdb__elem *e)
{
    return rdb__lp_append(ud, e->ptr, e->len);
}

/* A quicklist (version 1) ziplist node, validated and converted into one
 * list node, as Redis 7.0 converts it into one listpack; an empty one is
 * skipped. */
static int read_list_ziplist(struct rdb_reader *r, struct build *b)
{
    struct rdb_str s;
    struct rdb__lp lp;
    int rc = rdb_read_string(r, &s);
    if (rc < 0)
        return rc;
    rdb__lp_init(&lp);
    rc = rdb__zl_walk((const unsigned char *)s.ptr, s.len, lp_append_cb, &lp);
    if (rc == RDB_EFORMAT)
        rc = fail(r, rc, "Ziplist integrity check failed.");
    else if (rc < 0 || (lp.count > 0 && list_append_entries(b->u.list, lp.bytes + RDB__LP_HEADER,
                                                             lp.len - RDB__LP_HEADER, lp.count) < 0))
        rc = fail(r, RDB_ENOMEM, "out of memory");
    rdb__lp_deinit(&lp);
    return rc;
}

enum { NODE_PLAIN = 1, NODE_PACKED = 2 };

/* LIST_QUICKLIST (ziplist nodes) and LIST_QUICKLIST_2 (container, node). */
static int read_quicklist(struct rdb_reader *r, struct build *b, bool v2)
{
    uint64_t nodes, container = NODE_PACKED;
    int rc = read_count(r, 1, &nodes);
    for (uint64_t i = 0; rc == 0 && i < nodes; i++) {
        if (v2 && (rc = rdb_read_len(r, &container, NULL)) < 0)
            break;
        if (container == NODE_PLAIN) {
            struct rdb_str s;
            if ((rc = rdb_read_string(r, &s)) == 0 && s.len == 0) /* Redis refuses it too */
                rc = fail(r, RDB_EFORMAT, "empty plain quicklist node");
            else if (rc == 0)
                rc = build_add(b, s.ptr, s.len);
        } else if (container == NODE_PACKED) {
            rc = v2 ? read_list_listpack(r, b) : read_list_ziplist(r, b);
        } else {
            rc = fail(r, RDB_EFORMAT, "Quicklist integrity check failed.");
        }
    }
    return rc;
}

/* Which Grove type each RDB type builds; -1 for types Grove lacks. */
static int object_type_of(unsigned type)
{
    switch (type) {
    case RDB_TYPE_LIST:
    case RDB_TYPE_LIST_ZIPLIST:
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
        return OBJECT_LIST;
    case RDB_TYPE_SET:
    case RDB_TYPE_SET_INTSET:
    case RDB_TYPE_SET_LISTPACK:
        return OBJECT_SET;
    case RDB_TYPE_HASH:
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK:
        return OBJECT_HASH;
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK:
        return OBJECT_ZSET;
    default:
        return -1;
    }
}

static int read_collection(struct rdb_reader *r, unsigned type, struct build *b)
{
    switch (type) {
    case RDB_TYPE_LIST:
    case RDB_TYPE_SET:
        return read_strings(r, b, 1);
    case RDB_TYPE_HASH:
        return read_strings(r, b, 2);
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
        return read_zset_pairs(r, b, type == RDB_TYPE_ZSET_2);
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
        return read_quicklist(r, b, type == RDB_TYPE_LIST_QUICKLIST_2);
    case RDB_TYPE_LIST_ZIPLIST:
        return read_blob(r, b, rdb__zl_walk, "List ziplist integrity check failed.");
    case RDB_TYPE_ZSET_ZIPLIST:
        return read_blob(r, b, rdb__zl_walk, "Zset ziplist integrity check failed.");
    case RDB_TYPE_HASH_ZIPLIST:
        return read_blob(r, b, rdb__zl_walk, "Hash ziplist integrity check failed.");
    case RDB_TYPE_SET_INTSET:
        return read_blob(r, b, rdb__intset_walk, "Intset integrity check failed.");
    case RDB_TYPE_HASH_ZIPMAP:
        return read_blob(r, b, rdb__zipmap_walk, "Zipmap integrity check failed.");
    case RDB_TYPE_ZSET_LISTPACK:
        return read_blob(r, b, rdb__lp_walk, "Zset listpack integrity check failed.");
    case RDB_TYPE_HASH_LISTPACK:
        return read_blob(r, b, rdb__lp_walk, "Hash listpack integrity check failed.");
    default:
        return read_blob(r, b, rdb__lp_walk, "Set listpack integrity check failed.");
    }
}

static int read_string_value(struct rdb_reader *r, struct object_value *v)
{
    struct rdb_str s;
    int rc = rdb_read_string(r, &s);
    if (rc < 0)
        return rc;
    if (object_value_from_string(v, s.ptr, s.len, OBJECT_STR_TRY) < 0)
        return fail(r, RDB_ENOMEM, "out of memory");
    return RDB_OK;
}

int rdb_read_value(struct rdb_reader *r, unsigned type, struct object_value *v)
{
    if (type == RDB_TYPE_STRING)
        return read_string_value(r, v);
    if (type == RDB_TYPE_STREAM_LISTPACKS || type == RDB_TYPE_STREAM_LISTPACKS_2)
        return rdb__stream_read(r, type, v);
    int otype = object_type_of(type);
    if (otype < 0 && rdb_is_value_type(type))
        return fail(r, RDB_ETYPE, "RDB type %u (%s) is not supported by Grove", type,
                    rdb_type_name(type));
    if (otype < 0)
        return fail(r, RDB_EFORMAT, "unknown RDB type %u", type);
    struct build b;
    int rc = build_init(&b, r, (unsigned)otype);
    if (rc < 0)
        return rc;
    b.from_listpack = type == RDB_TYPE_ZSET_ZIPLIST || type == RDB_TYPE_ZSET_LISTPACK;
    if ((rc = read_collection(r, type, &b)) < 0) {
        build_discard(&b);
        return rc;
    }
    return build_finish(&b, v);
}
