/*
 * hash.c - the hash value type: a compact pair buffer for small hashes, a
 * core/hashmap for large ones.
 *
 * What
 *   The value behind HSET, HGET, HGETALL... A `struct hash` starts with
 *   `struct object_boxed`, so a keyspace entry holds it by pointer and
 *   frees or deep-copies it (COPY) through the ops below.
 *
 * Design
 *   Compact form ("listpack", after Redis 7.0): one heap buffer of pairs
 *
 *       +------+-------------+------+-------------+------+----
 *       | flen | field bytes | vlen | value bytes | flen | ...
 *       +------+-------------+------+-------------+------+----
 *         1 B    flen B        1 B    vlen B
 *
 *   in insertion order. Lengths fit in a byte because a compact hash
 *   never holds a field or value longer than HASH_MAX_LISTPACK_VALUE (64).
 *   Lookups walk the buffer: at most 128 pairs of at most 130 bytes, a few
 *   cache lines, which is why Redis keeps small hashes this way too. An
 *   update rewrites the value in place (moving the tail when its length
 *   changes), so a pair keeps its position, as in a listpack.
 *
 *   Table form ("hashtable"): a hashmap (entry API); each entry holds the
 *   field as its key and, in its extra region, the value's length (8
 *   bytes) then the value bytes: one allocation per pair.
 *
 *   Conversion compact -> table happens when a pair would exceed 128
 *   entries or a field/value longer than 64 bytes is written (or only
 *   offered, see hash_note_length); it is one-way, as in Redis. It is done
 *   before the write so that running out of memory leaves the hash as it
 *   was.
 *
 * Complexity: compact operations are O(n) with n <= 128; table operations
 *   are the hashmap's (O(1) expected, O(log n) worst case per bucket).
 *
 * Thread safety: none (the shard lock guards the key holding the hash).
 */
#include "hash.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static_assert(HASH_MAX_LISTPACK_VALUE <= UINT8_MAX, "compact lengths are one byte");

struct hash {
    struct object_boxed boxed; /* first: the keyspace holds &boxed */
    struct hashmap_hasher hasher;
    size_t count;        /* pairs, both forms */
    struct hashmap *map; /* table form when non-NULL */
    unsigned char *buf;  /* compact form: pairs */
    size_t len, cap;     /* bytes used / allocated in buf */
};

#define HASH_FAIR_SAMPLE 15 /* Redis GETFAIR_NUM_ENTRIES */
#define VLEN_SIZE sizeof(uint64_t) /* the value length at the start of an entry's extra */

static void boxed_free_cb(struct object_boxed *b);
static struct object_boxed *boxed_dup_cb(const struct object_boxed *b);

static const struct object_boxed_ops hash_ops = {
    .free_cb = boxed_free_cb,
    .dup_cb = boxed_dup_cb,
};

/* ==== table entries ========================================================== */

static void entry_value(const struct hashmap_entry *e, const char **v, size_t *vlen)
{
    const char *extra = hashmap_entry_extra(e);
    uint64_t n;
    memcpy(&n, extra, sizeof(n));
    *vlen = (size_t)n;
    *v = extra + VLEN_SIZE;
}

static void entry_set_value(struct hashmap_entry *e, const void *v, size_t vlen)
{
    char *extra = hashmap_entry_extra(e);
    uint64_t n = vlen;
    memcpy(extra, &n, sizeof(n));
    if (vlen)
        memcpy(extra + VLEN_SIZE, v, vlen);
}

static void entry_pair(const struct hashmap_entry *e, struct hash_pair *p)
{
    p->field = hashmap_entry_key(e);
    p->flen = hashmap_entry_keylen(e);
    entry_value(e, &p->value, &p->vlen);
}

static struct hashmap_entry *table_find(struct hashmap *map, const void *f, size_t flen)
{
    return hashmap_find(map, f, flen, hashmap_hash(map, f, flen));
}

/* Insert a field known to be absent. */
static int table_insert(struct hashmap *map, const void *f, size_t flen, const void *v,
                        size_t vlen)
{
    struct hashmap_entry *e =
        hashmap_insert(map, f, flen, hashmap_hash(map, f, flen), VLEN_SIZE + vlen);
    if (e == NULL)
        return HASH_ENOMEM;
    entry_set_value(e, v, vlen);
    return HASH_OK;
}

static int table_set(struct hash *h, const void *f, size_t flen, const void *v, size_t vlen,
                     bool *created)
{
    struct hashmap_entry *e = table_find(h->map, f, flen);
    *created = e == NULL;
    if (e == NULL) {
        if (table_insert(h->map, f, flen, v, vlen) < 0)
            return HASH_ENOMEM;
        h->count++;
        return HASH_OK;
    }
    if (hashmap_entry_extra_size(e) != VLEN_SIZE + vlen) {
        e = hashmap_entry_resize(h->map, e, VLEN_SIZE + vlen);
        if (e == NULL)
            return HASH_ENOMEM;
    }
    entry_set_value(e, v, vlen);
    return HASH_OK;
}

static void table_destroy(struct hashmap *map)
{
    hashmap_destroy(map); /* values live in the entries */
}

/* ==== compact pairs ========================================================== */

/* Read the pair at offset off; returns the offset of the next one. */
static size_t compact_pair(const struct hash *h, size_t off, struct hash_pair *p)
{
    p->flen = h->buf[off];
    p->field = (const char *)&h->buf[off + 1];
    off += 1 + p->flen;
    p->vlen = h->buf[off];
    p->value = (const char *)&h->buf[off + 1];
    return off + 1 + p->vlen;
}

/* The offset of the field's pair, or h->len when absent. */
static size_t compact_find(const struct hash *h, const void *f, size_t flen, struct hash_pair *p)
{
    size_t off = 0;
    while (off < h->len) {
        size_t next = compact_pair(h, off, p);
        if (p->flen == flen && memcmp(p->field, f, flen) == 0)
            return off;
        off = next;
    }
    return h->len;
}

static int compact_reserve(struct hash *h, size_t len)
{
    if (len <= h->cap)
        return HASH_OK;
    size_t cap = h->cap ? h->cap : 64;
    while (cap < len)
        cap *= 2;
    unsigned char *buf = realloc(h->buf, cap);
    if (buf == NULL)
        return HASH_ENOMEM;
    h->buf = buf;
    h->cap = cap;
    return HASH_OK;
}

static int compact_set(struct hash *h, const void *f, size_t flen, const void *v, size_t vlen,
                       bool *created)
{
    struct hash_pair p;
    size_t off = compact_find(h, f, flen, &p);
    *created = off == h->len;
    if (*created) {
        if (compact_reserve(h, h->len + 2 + flen + vlen) < 0)
            return HASH_ENOMEM;
        unsigned char *w = &h->buf[h->len];
        *w++ = (unsigned char)flen;
        memcpy(w, f, flen);
        w += flen;
        *w++ = (unsigned char)vlen;
        memcpy(w, v, vlen);
        h->len += 2 + flen + vlen;
        h->count++;
        return HASH_OK;
    }
    size_t voff = (size_t)((const unsigned char *)p.value - h->buf);
    size_t tail = voff + p.vlen;
    if (compact_reserve(h, h->len - p.vlen + vlen) < 0)
        return HASH_ENOMEM;
    memmove(&h->buf[voff + vlen], &h->buf[tail], h->len - tail);
    memcpy(&h->buf[voff], v, vlen);
    h->buf[voff - 1] = (unsigned char)vlen;
    h->len = h->len - p.vlen + vlen;
    return HASH_OK;
}

/* Compact -> table. On ENOMEM the hash stays compact. */
static int convert(struct hash *h)
{
    if (h->map != NULL)
        return HASH_OK;
    struct hashmap *map = hashmap_create(&h->hasher);
    if (map == NULL)
        return HASH_ENOMEM;
    struct hash_pair p;
    for (size_t off = 0; off < h->len;) {
        off = compact_pair(h, off, &p);
        if (table_insert(map, p.field, p.flen, p.value, p.vlen) < 0) {
            table_destroy(map);
            return HASH_ENOMEM;
        }
    }
    free(h->buf);
    h->buf = NULL;
    h->len = h->cap = 0;
    h->map = map;
    return HASH_OK;
}

/* ==== lifecycle ============================================================== */

struct hash *hash_create(const struct hashmap_hasher *hasher)
{
    struct hash *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return NULL;
    h->boxed.ops = &hash_ops;
    h->hasher = *hasher;
    return h;
}

void hash_destroy(struct hash *h)
{
    if (h == NULL)
        return;
    if (h->map)
        table_destroy(h->map);
    free(h->buf);
    free(h);
}

struct object_boxed *hash_boxed(struct hash *h)
{
    return &h->boxed;
}

struct hash *hash_from_boxed(struct object_boxed *b)
{
    assert(b->ops == &hash_ops);
    return (struct hash *)b;
}

static int dup_table(struct hash *copy, const struct hash *h)
{
    copy->map = hashmap_create(&h->hasher);
    if (copy->map == NULL)
        return HASH_ENOMEM;
    struct hash_iter it;
    struct hash_pair p;
    int rc = HASH_OK;
    hash_iter_init(&it, (struct hash *)h); /* iteration only pauses resizing */
    while (rc == HASH_OK && hash_iter_next(&it, &p))
        rc = table_insert(copy->map, p.field, p.flen, p.value, p.vlen);
    hash_iter_deinit(&it);
    return rc;
}

struct hash *hash_dup(const struct hash *h)
{
    struct hash *copy = hash_create(&h->hasher);
    if (copy == NULL)
        return NULL;
    copy->count = h->count;
    if (h->map != NULL) {
        if (dup_table(copy, h) < 0)
            goto fail;
    } else if (h->len > 0) {
        if (compact_reserve(copy, h->len) < 0)
            goto fail;
        memcpy(copy->buf, h->buf, h->len);
        copy->len = h->len;
    }
    return copy;
fail:
    hash_destroy(copy);
    return NULL;
}

static void boxed_free_cb(struct object_boxed *b)
{
    hash_destroy(hash_from_boxed(b));
}

static struct object_boxed *boxed_dup_cb(const struct object_boxed *b)
{
    struct hash *copy = hash_dup((const struct hash *)b);
    return copy ? &copy->boxed : NULL;
}

/* ==== reading ================================================================ */

size_t hash_len(const struct hash *h)
{
    return h->count;
}

enum object_encoding hash_encoding(const struct hash *h)
{
    return h->map ? OBJECT_ENC_HASHTABLE : OBJECT_ENC_LISTPACK;
}

bool hash_get(struct hash *h, const void *field, size_t flen, const char **value, size_t *vlen)
{
    if (h->map != NULL) {
        struct hashmap_entry *e = table_find(h->map, field, flen);
        if (e == NULL)
            return false;
        entry_value(e, value, vlen);
        return true;
    }
    struct hash_pair p;
    if (compact_find(h, field, flen, &p) == h->len)
        return false;
    *value = p.value;
    *vlen = p.vlen;
    return true;
}

bool hash_exists(struct hash *h, const void *field, size_t flen)
{
    const char *v;
    size_t vlen;
    return hash_get(h, field, flen, &v, &vlen);
}

/* ==== writing ================================================================ */

int hash_note_length(struct hash *h, size_t len)
{
    return len > HASH_MAX_LISTPACK_VALUE ? convert(h) : HASH_OK;
}

int hash_set(struct hash *h, const void *field, size_t flen, const void *value, size_t vlen,
             bool *created)
{
    bool dummy;
    if (created == NULL)
        created = &dummy;
    if (h->map == NULL) {
        bool too_long = flen > HASH_MAX_LISTPACK_VALUE || vlen > HASH_MAX_LISTPACK_VALUE;
        bool too_many = h->count >= HASH_MAX_LISTPACK_ENTRIES && !hash_exists(h, field, flen);
        if ((too_long || too_many) && convert(h) < 0)
            return HASH_ENOMEM;
    }
    if (h->map != NULL)
        return table_set(h, field, flen, value, vlen, created);
    return compact_set(h, field, flen, value, vlen, created);
}

bool hash_delete(struct hash *h, const void *field, size_t flen)
{
    if (h->map != NULL) {
        struct hashmap_entry *e = table_find(h->map, field, flen);
        if (e == NULL)
            return false;
        hashmap_remove(h->map, e);
        h->count--;
        return true;
    }
    struct hash_pair p;
    size_t off = compact_find(h, field, flen, &p);
    if (off == h->len)
        return false;
    size_t next = off + 2 + p.flen + p.vlen;
    memmove(&h->buf[off], &h->buf[next], h->len - next);
    h->len -= next - off;
    h->count--;
    return true;
}

/* ==== visiting =============================================================== */

void hash_iter_init(struct hash_iter *it, struct hash *h)
{
    it->h = h;
    it->off = 0;
    if (h->map != NULL)
        hashmap_iter_init(&it->it, h->map);
}

bool hash_iter_next(struct hash_iter *it, struct hash_pair *pair)
{
    if (it->h->map != NULL) {
        struct hashmap_entry *e = hashmap_iter_next(&it->it);
        if (e == NULL)
            return false;
        entry_pair(e, pair);
        return true;
    }
    if (it->off >= it->h->len)
        return false;
    it->off = compact_pair(it->h, it->off, pair);
    return true;
}

void hash_iter_deinit(struct hash_iter *it)
{
    if (it->h->map != NULL)
        hashmap_iter_deinit(&it->it);
}

struct scan_adapter {
    hash_scan_fn fn;
    void *ud;
};

static void scan_entry_cb(struct hashmap_entry *e, void *ud)
{
    struct scan_adapter *a = ud;
    struct hash_pair p;
    entry_pair(e, &p);
    a->fn(&p, a->ud);
}

uint64_t hash_scan(struct hash *h, uint64_t cursor, hash_scan_fn fn, void *ud)
{
    if (h->map != NULL) {
        struct scan_adapter a = {fn, ud};
        return hashmap_scan(h->map, cursor, scan_entry_cb, &a);
    }
    struct hash_pair p;
    for (size_t off = 0; off < h->len;) {
        off = compact_pair(h, off, &p);
        fn(&p, ud);
    }
    return 0;
}

void hash_random(struct hash *h, struct hash_pair *pair, uint64_t (*rand64)(void *), void *ud)
{
    assert(h->count > 0);
    if (h->map != NULL) {
        /* Redis's dictGetFairRandomKey: a sample of one would always be a
         * chain's head; pick at random among a run of entries instead. */
        struct hashmap_entry *e[HASH_FAIR_SAMPLE];
        size_t n;
        while ((n = hashmap_sample(h->map, e, HASH_FAIR_SAMPLE, rand64, ud)) == 0)
            ; /* a sparse table may miss; the map is not empty */
        entry_pair(e[rand64(ud) % n], pair);
        return;
    }
    size_t skip = (size_t)(rand64(ud) % h->count), off = 0;
    do
        off = compact_pair(h, off, pair);
    while (skip-- > 0);
}

/* ==== testing ================================================================ */

void hash__check_invariants(const struct hash *h)
{
    assert(h->boxed.ops == &hash_ops);
    if (h->map != NULL) {
        assert(h->buf == NULL && h->len == 0);
        assert(hashmap_size(h->map) == h->count);
        hashmap__check_invariants(h->map);
        return;
    }
    size_t n = 0, off = 0;
    struct hash_pair p;
    while (off < h->len) {
        off = compact_pair(h, off, &p);
        assert(p.flen <= HASH_MAX_LISTPACK_VALUE && p.vlen <= HASH_MAX_LISTPACK_VALUE);
        n++;
    }
    assert(off == h->len && n == h->count && n <= HASH_MAX_LISTPACK_ENTRIES);
    assert(h->len <= h->cap);
}
