/*
 * rdb.c - RDB primitives (lengths, strings, doubles) and Grove's values
 * written and read in Redis 7.0's RDB formats.
 *
 * Design
 *   Writing goes through a sink callback, so the same code fills DUMP's
 *   buffer and (later) a buffered file; the writer never sees a file.
 *   Each value is written the way Redis 7.0's rdbSaveObject writes the
 *   same value: the compact forms (intset, listpack) are rebuilt from
 *   Grove's structures by core/rdb_encodings.c, byte-identical to what
 *   Redis holds in memory when the value was built by the same commands.
 *   Lists are cut into quicklist nodes with Redis's RPUSH rule for the
 *   default list-max-listpack-size -2: a node takes the next element
 *   while its bytes + the element's length + 8 stay within 8 KiB;
 *   elements of 1 GiB or more get a plain node of their own.
 *
 *   Reading works on a buffer (a DUMP payload, or a file the loader has
 *   mapped or read): every read checks the bytes left first, and every
 *   element count is checked against the bytes left before anything is
 *   reserved, so a hostile length cannot make us allocate more than the
 *   input could describe. LZF strings are bounded the same way: LZF
 *   expands at most 88 times (3 input bytes -> 264 output bytes). Values
 *   are rebuilt with the types' own insert functions, which apply Grove's
 *   encoding thresholds, so OBJECT ENCODING afterwards says what Redis
 *   would (a small hash loaded from RDB_TYPE_HASH becomes listpack, a big
 *   listpack becomes hashtable) and duplicates are found as a side effect.
 *
 * Complexity: O(size of the value) both ways, plus the insert cost of the
 * target structure (O(log n) per zset member).
 */
#include "rdb.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc64.h"
#include "hash.h"
#include "list.h"
#include "listpack.h"
#include "rdb_encodings.h"
#include "rdb_stream.h"
#include "set.h"
#include "zset.h"

#define QUICKLIST_PLAIN_MIN (1u << 30) /* Redis's packed_threshold */

/* ==== type names ============================================================ */

static const char *const type_names[] = {
    [RDB_TYPE_STRING] = "string",
    [RDB_TYPE_LIST] = "list",
    [RDB_TYPE_SET] = "set",
    [RDB_TYPE_ZSET] = "zset",
    [RDB_TYPE_HASH] = "hash",
    [RDB_TYPE_ZSET_2] = "zset-2",
    [RDB_TYPE_MODULE_PRE_GA] = "module-pre-ga",
    [RDB_TYPE_MODULE_2] = "module",
    [RDB_TYPE_HASH_ZIPMAP] = "hash-zipmap",
    [RDB_TYPE_LIST_ZIPLIST] = "list-ziplist",
    [RDB_TYPE_SET_INTSET] = "set-intset",
    [RDB_TYPE_ZSET_ZIPLIST] = "zset-ziplist",
    [RDB_TYPE_HASH_ZIPLIST] = "hash-ziplist",
    [RDB_TYPE_LIST_QUICKLIST] = "list-quicklist",
    [RDB_TYPE_STREAM_LISTPACKS] = "stream",
    [RDB_TYPE_HASH_LISTPACK] = "hash-listpack",
    [RDB_TYPE_ZSET_LISTPACK] = "zset-listpack",
    [RDB_TYPE_LIST_QUICKLIST_2] = "list-quicklist-2",
    [RDB_TYPE_STREAM_LISTPACKS_2] = "stream-2",
    [RDB_TYPE_SET_LISTPACK] = "set-listpack",
    [RDB_TYPE_STREAM_LISTPACKS_3] = "stream-3",
};

bool rdb_is_value_type(unsigned type)
{
    return type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type] != NULL;
}

const char *rdb_type_name(unsigned type)
{
    return rdb_is_value_type(type) ? type_names[type] : "unknown";
}

/* ==== sinks ================================================================= */

int rdb_buf_sink_cb(void *ud, const void *buf, size_t len)
{
    struct rdb_buf *b = ud;
    int rc = rdb__reserve(&b->data, b->len, &b->cap, len);
    if (rc < 0)
        return rc;
    if (len > 0)
        memcpy(b->data + b->len, buf, len);
    b->len += len;
    return RDB_OK;
}

void rdb_buf_deinit(struct rdb_buf *b)
{
    free(b->data);
    *b = (struct rdb_buf){0};
}

/* ==== writing primitives ===================================================== */

int rdb_write_raw(struct rdb_writer *w, const void *buf, size_t len)
{
    return w->sink_cb(w->ud, buf, len);
}

int rdb_write_type(struct rdb_writer *w, enum rdb_type type)
{
    unsigned char b = (unsigned char)type;
    return rdb_write_raw(w, &b, 1);
}

int rdb_write_opcode(struct rdb_writer *w, enum rdb_opcode op)
{
    unsigned char b = (unsigned char)op;
    return rdb_write_raw(w, &b, 1);
}

static void store_be(unsigned char *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

static void store_le(unsigned char *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

int rdb_write_len(struct rdb_writer *w, uint64_t len)
{
    unsigned char buf[9];
    size_t n;
    if (len < (1u << 6)) {
        buf[0] = (unsigned char)len;
        n = 1;
    } else if (len < (1u << 14)) {
        buf[0] = (unsigned char)(0x40 | (len >> 8));
        buf[1] = (unsigned char)len;
        n = 2;
    } else if (len <= UINT32_MAX) {
        buf[0] = 0x80;
        store_be(buf + 1, len, 4);
        n = 5;
    } else {
        buf[0] = 0x81;
        store_be(buf + 1, len, 8);
        n = 9;
    }
    return rdb_write_raw(w, buf, n);
}

/* rdbEncodeInteger: the 0xC0..0xC2 forms, or 0 when v needs more than 32
 * bits. */
static size_t encode_integer(unsigned char *buf, int64_t v)
{
    size_t n = v >= INT8_MIN && v <= INT8_MAX     ? 1
               : v >= INT16_MIN && v <= INT16_MAX ? 2
               : v >= INT32_MIN && v <= INT32_MAX ? 4
                                                  : 0;
    if (n == 0)
        return 0;
    unsigned enc = n == 1 ? RDB_ENC_INT8 : n == 2 ? RDB_ENC_INT16 : RDB_ENC_INT32;
    buf[0] = (unsigned char)(0xC0 | enc);
    store_le(buf + 1, (uint64_t)v, n);
    return n + 1;
}

/* rdbSaveLzfBlob: clen compressed bytes of a len-byte string. */
static int write_lzf_blob(struct rdb_writer *w, const void *data, size_t clen, size_t len)
{
    unsigned char marker = 0xC0 | RDB_ENC_LZF;
    int rc;
    if ((rc = rdb_write_raw(w, &marker, 1)) == 0 && (rc = rdb_write_len(w, clen)) == 0 &&
        (rc = rdb_write_len(w, len)) == 0)
        rc = rdb_write_raw(w, data, clen);
    return rc;
}

/* rdbSaveLzfStringObject: *done false (and nothing written) when it does
 * not pay. */
static int write_lzf(struct rdb_writer *w, const void *s, size_t len, bool *done)
{
    *done = false;
    size_t outlen = len - 4;
    unsigned char *out = malloc(outlen + 1);
    if (out == NULL)
        return RDB_ENOMEM;
    size_t clen = lzf_compress(w->lzf, s, len, out, outlen);
    int rc = RDB_OK;
    if (clen > 0) {
        *done = true;
        rc = write_lzf_blob(w, out, clen, len);
    }
    free(out);
    return rc;
}

int rdb_write_string(struct rdb_writer *w, const void *s, size_t len)
{
    int64_t v;
    unsigned char buf[5];
    size_t n;
    if (len <= 11 && object_parse_int(s, len, &v) && (n = encode_integer(buf, v)) > 0)
        return rdb_write_raw(w, buf, n);
    if (w->lzf != NULL && len > 20) {
        bool done;
        int rc = write_lzf(w, s, len, &done);
        if (rc < 0 || done)
            return rc;
    }
    int rc = rdb_write_len(w, len);
    return rc < 0 ? rc : rdb_write_raw(w, s, len);
}

int rdb_write_binary_double(struct rdb_writer *w, double d)
{
    uint64_t u;
    unsigned char buf[8];
    memcpy(&u, &d, 8);
    store_le(buf, u, 8);
    return rdb_write_raw(w, buf, 8);
}

/* ==== writing values ======================================================== */

enum rdb_type rdb_object_type(const struct object *o)
{
    enum object_encoding enc = object_encoding(o);
    switch (object_type(o)) {
    case OBJECT_STRING:
        return RDB_TYPE_STRING;
    case OBJECT_LIST:
        return RDB_TYPE_LIST_QUICKLIST_2;
    case OBJECT_SET:
        return enc == OBJECT_ENC_INTSET ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
    case OBJECT_HASH:
        return enc == OBJECT_ENC_LISTPACK ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
    case OBJECT_ZSET:
        return enc == OBJECT_ENC_LISTPACK ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
    case OBJECT_STREAM:
        return RDB_TYPE_STREAM_LISTPACKS_2;
    }
    assert(!"unknown object type");
    return RDB_TYPE_STRING;
}

static int write_lp(struct rdb_writer *w, struct rdb__lp *lp)
{
    int rc = rdb__lp_finish(lp);
    return rc < 0 ? rc : rdb_write_string(w, lp->bytes, lp->len);
}

enum { QUICKLIST_NODE_PLAIN = 1, QUICKLIST_NODE_PACKED = 2 };

/* A node as Redis writes it: a listpack (the node's entries between a
 * header and a terminator), or, for a lone element of packed_threshold
 * bytes or more, a plain node holding it. */
static int write_list_node(struct rdb_writer *w, struct rdb__lp *lp, const unsigned char *entries,
                           size_t bytes, size_t count)
{
    struct listpack_value v;
    int rc;
    if (count == 1 && bytes > QUICKLIST_PLAIN_MIN && listpack_decode(entries, bytes, &v) > 0 &&
        v.str != NULL) {
        if ((rc = rdb_write_len(w, QUICKLIST_NODE_PLAIN)) == 0)
            rc = rdb_write_string(w, v.str, v.len);
        return rc;
    }
    rdb__lp_reset(lp);
    if ((rc = rdb__lp_append_entries(lp, entries, bytes, count)) == 0 &&
        (rc = rdb_write_len(w, QUICKLIST_NODE_PACKED)) == 0)
        rc = write_lp(w, lp);
    return rc;
}

/* The list's own nodes, rebuilt as the listpacks Redis holds: they are
 * cut by Redis's quicklist rules, so a list built the same way dumps to
 * the same bytes, and a loaded one to the bytes it was loaded from. A
 * node Redis keeps packed (list-compress-depth) goes out as the LZF of
 * its listpack, whatever rdbcompression says, as Redis writes it. */
static int write_list(struct rdb_writer *w, const struct list *l)
{
    struct rdb__lp lp;
    rdb__lp_init(&lp);
    size_t nodes = list_node_count(l);
    int rc = rdb_write_len(w, nodes);
    for (size_t i = 0; i < nodes && rc == 0; i++) {
        size_t bytes, count, clen, lp_bytes;
        const unsigned char *lzf = list_node_lzf(l, i, &clen, &lp_bytes);
        if (lzf != NULL) {
            if ((rc = rdb_write_len(w, QUICKLIST_NODE_PACKED)) == 0)
                rc = write_lzf_blob(w, lzf, clen, lp_bytes);
            continue;
        }
        const unsigned char *entries = list_node_entries(l, i, &bytes, &count);
        rc = write_list_node(w, &lp, entries, bytes, count);
    }
    rdb__lp_deinit(&lp);
    return rc;
}

static int write_intset(struct rdb_writer *w, struct set *s)
{
    int64_t *values = malloc(sizeof(*values) * set_len(s));
    if (values == NULL)
        return RDB_ENOMEM;
    struct set_iter it;
    struct set_member m;
    size_t n = 0;
    set_iter_init(&it, s);
    while (set_iter_next(&it, &m)) {
        bool ok = object_parse_int(m.ptr, m.len, &values[n++]);
        assert(ok);
        (void)ok;
    }
    set_iter_deinit(&it);
    unsigned char *blob;
    size_t len;
    int rc = rdb__intset_build(values, n, &blob, &len);
    free(values);
    if (rc < 0)
        return rc;
    rc = rdb_write_string(w, blob, len);
    free(blob);
    return rc;
}

static int write_set(struct rdb_writer *w, struct set *s)
{
    if (set_encoding(s) == OBJECT_ENC_INTSET)
        return write_intset(w, s);
    struct set_iter it;
    struct set_member m;
    int rc = rdb_write_len(w, set_len(s));
    set_iter_init(&it, s);
    while (rc == 0 && set_iter_next(&it, &m))
        rc = rdb_write_string(w, m.ptr, m.len);
    set_iter_deinit(&it);
    return rc;
}

static int write_hash(struct rdb_writer *w, struct hash *h)
{
    bool packed = hash_encoding(h) == OBJECT_ENC_LISTPACK;
    struct rdb__lp lp;
    struct hash_iter it;
    struct hash_pair p;
    int rc = 0;
    rdb__lp_init(&lp);
    if (!packed)
        rc = rdb_write_len(w, hash_len(h));
    hash_iter_init(&it, h);
    while (rc == 0 && hash_iter_next(&it, &p)) {
        if (packed) {
            if ((rc = rdb__lp_append(&lp, p.field, p.flen)) == 0)
                rc = rdb__lp_append(&lp, p.value, p.vlen);
        } else if ((rc = rdb_write_string(w, p.field, p.flen)) == 0) {
            rc = rdb_write_string(w, p.value, p.vlen);
        }
    }
    hash_iter_deinit(&it);
    if (rc == 0 && packed)
        rc = write_lp(w, &lp);
    rdb__lp_deinit(&lp);
    return rc;
}

/* A score as zzlInsertAt puts it into a listpack: an integer when
 * double2ll takes it (integral within +-2^62, -0 as "0"; d2string's own
 * integer range, +-2^52, is inside that), else d2string's "%.17g", and
 * infinities as "inf"/"-inf". */
static size_t score_string(char *buf, size_t cap, double d)
{
    long long ll;
    if (zset_score_to_ll(d, &ll))
        return object_format_int(buf, ll);
    if (isinf(d))
        return (size_t)snprintf(buf, cap, "%s", d > 0 ? "inf" : "-inf");
    return (size_t)snprintf(buf, cap, "%.17g", d);
}

static int write_zset(struct rdb_writer *w, const struct zset *z)
{
    size_t n = zset_len(z);
    struct zset_iter it;
    struct zset_member m;
    int rc = 0;
    if (zset_encoding(z) != OBJECT_ENC_LISTPACK) {
        /* Greatest first, as rdbSaveObject walks the skiplist from its tail. */
        rc = rdb_write_len(w, n);
        zset_iter_init(&it, z, n - 1, true);
        while (rc == 0 && zset_iter_next(&it, &m)) {
            if ((rc = rdb_write_string(w, m.ptr, m.len)) == 0)
                rc = rdb_write_binary_double(w, m.score);
        }
        return rc;
    }
    struct rdb__lp lp;
    char score[32];
    rdb__lp_init(&lp);
    zset_iter_init(&it, z, 0, false);
    while (rc == 0 && zset_iter_next(&it, &m)) {
        if ((rc = rdb__lp_append(&lp, m.ptr, m.len)) == 0)
            rc = rdb__lp_append(&lp, score, score_string(score, sizeof(score), m.score));
    }
    if (rc == 0)
        rc = write_lp(w, &lp);
    rdb__lp_deinit(&lp);
    return rc;
}

int rdb_write_value(struct rdb_writer *w, const struct object *o)
{
    if (object_type(o) == OBJECT_STRING) {
        char scratch[OBJECT_INT_BUFSIZE];
        const char *p;
        size_t len;
        object_string_view(o, scratch, &p, &len);
        return rdb_write_string(w, p, len);
    }
    struct object_boxed *b = object_boxed(o);
    switch (object_type(o)) {
    case OBJECT_LIST:
        return write_list(w, list_from_boxed(b));
    case OBJECT_SET:
        return write_set(w, set_from_boxed(b));
    case OBJECT_HASH:
        return write_hash(w, hash_from_boxed(b));
    case OBJECT_ZSET:
        return write_zset(w, zset_from_boxed(b));
    case OBJECT_STREAM:
        return rdb__stream_write(w, stream_from_boxed(b));
    default:
        assert(!"unknown object type");
        return RDB_EFORMAT;
    }
}

int rdb_payload_finish(struct rdb_buf *out)
{
    struct rdb_writer w = {.sink_cb = rdb_buf_sink_cb, .ud = out};
    unsigned char trailer[8];
    int rc;
    store_le(trailer, RDB_VERSION, 2);
    if ((rc = rdb_write_raw(&w, trailer, 2)) < 0)
        return rc;
    store_le(trailer, crc64(0, out->data, out->len), 8);
    return rdb_write_raw(&w, trailer, 8);
}

int rdb_dump_payload(const struct object *o, struct lzf_state *lzf, struct rdb_buf *out)
{
    struct rdb_writer w = {.sink_cb = rdb_buf_sink_cb, .ud = out, .lzf = lzf};
    int rc;
    if ((rc = rdb_write_type(&w, rdb_object_type(o))) < 0 || (rc = rdb_write_value(&w, o)) < 0)
        return rc;
    return rdb_payload_finish(out);
}

bool rdb_payload_verify(const void *payload, size_t len, bool check_crc, size_t *value_len)
{
    const unsigned char *p = payload;
    if (len < 10)
        return false;
    unsigned version = p[len - 10] | (unsigned)p[len - 9] << 8;
    if (version > RDB_VERSION)
        return false;
    uint64_t crc = 0;
    for (size_t i = 0; i < 8; i++)
        crc |= (uint64_t)p[len - 8 + i] << (8 * i);
    if (check_crc && crc64(0, p, len - 8) != crc)
        return false;
    *value_len = len - 10;
    return true;
}
