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
 *        varint   flen B      varint   vlen B
 *
 *   in insertion order. Lengths are varints (7 bits a byte, low first): one
 *   byte below 128, which is every length at the default limits, yet any
 *   hash-max-listpack-value works. Lookups walk the buffer: at the default
 *   limits at most 512 pairs of at most 130 bytes, which is why Redis
 *   keeps small hashes this way too. An update rewrites the value in place
 *   (moving the tail when its size changes), so a pair keeps its position,
 *   as in a listpack. The buffer is allocated at its exact size and its
 *   capacity is the allocator's (bytes_buf_resize): none is stored and no
 *   slack beyond the size class is paid for; struct hash is 24 bytes: its
 *   boxed ops point into an object_env, which also gives the hasher and
 *   the limits. Small hashes are most hashes, so both count per key.
 *
 *   Table form ("hashtable"): a packed hashmap (entry API); each entry
 *   holds the field as its key and the value as its extra region, both
 *   lengths in the entry's varints: one allocation per pair, 32 bytes for
 *   a 10-byte field with a 10-byte value.
 *
 *   Conversion compact -> table happens when a new pair would pass
 *   hash-max-listpack-entries or a field/value longer than
 *   hash-max-listpack-value is written (or only offered, see
 *   hash_note_length), or the buffer would pass Redis's listpack safety
 *   limit (1 GiB), the limits read at that moment (struct
 *   object_limits); it is one-way, as in Redis, even when the limits rise
 *   later. It is done before the write so that running out of memory
 *   leaves the hash as it was.
 *
 * Complexity: compact operations are O(n) with n <= the entries limit;
 *   table operations are the hashmap's (O(1) expected, O(log n) worst case
 *   per bucket).
 *
 * Thread safety: none (the shard lock guards the key holding the hash).
 */
#include "hash.h"

#include <assert.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "invariant.h"

struct hash {
    struct object_boxed boxed; /* first: the keyspace holds &boxed; its ops
                                  are an object_env's (hasher, limits) */
    union {
        unsigned char *buf;  /* compact: pairs (NULL when empty) */
        struct hashmap *map; /* table */
    } u;
    uint32_t len;        /* compact: bytes used in buf */
    uint32_t count : 31; /* compact: pairs */
    uint32_t is_table : 1;
};
static_assert(sizeof(struct hash) == 24, "a hash header is the smallest allocation that fits");

#define COMPACT_MAX_BYTES (1u << 30) /* Redis's LISTPACK_MAX_SAFETY_SIZE */

static void boxed_free_cb(struct object_boxed *b);
static struct object_boxed *boxed_dup_cb(const struct object_boxed *b);

static const struct object_boxed_ops hash_ops = {
    .free_cb = boxed_free_cb,
    .dup_cb = boxed_dup_cb,
};

/* The hasher and the limits (read at each write), from the ops. */
static const struct object_env *env_of(const struct hash *h)
{
    return (const struct object_env *)(const void *)h->boxed.ops;
}

/* ==== table entries ========================================================== */

static void entry_value(const struct hashmap_entry *e, const char **v, size_t *vlen)
{
    *vlen = hashmap_entry_extra_size(e);
    *v = hashmap_entry_extra(e);
}

static void entry_set_value(struct hashmap_entry *e, const void *v, size_t vlen)
{
    if (vlen)
        memcpy(hashmap_entry_extra(e), v, vlen);
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
        hashmap_insert(map, f, flen, hashmap_hash(map, f, flen), vlen);
    if (e == NULL)
        return HASH_ENOMEM;
    entry_set_value(e, v, vlen);
    return HASH_OK;
}

static int table_set(struct hash *h, const void *f, size_t flen, const void *v, size_t vlen,
                     bool *created)
{
    struct hashmap_entry *e = table_find(h->u.map, f, flen);
    *created = e == NULL;
    if (e == NULL) {
        if (table_insert(h->u.map, f, flen, v, vlen) < 0)
            return HASH_ENOMEM;
        return HASH_OK;
    }
    if (hashmap_entry_extra_size(e) != vlen) {
        e = hashmap_entry_resize(h->u.map, e, vlen);
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

static size_t varint_size(size_t n)
{
    return bytes_varint_size(n);
}

static size_t varint_put(unsigned char *p, size_t n)
{
    return bytes_varint_put(p, n);
}

static size_t varint_get(const unsigned char *p, size_t *n)
{
    uint64_t v;
    size_t size = bytes_varint_get(p, &v);
    *n = (size_t)v;
    return size;
}

static size_t pair_size(size_t flen, size_t vlen)
{
    return varint_size(flen) + flen + varint_size(vlen) + vlen;
}

/* Read the pair at offset off; returns the offset of the next one. */
static size_t compact_pair(const struct hash *h, size_t off, struct hash_pair *p)
{
    off += varint_get(&h->u.buf[off], &p->flen);
    p->field = (const char *)&h->u.buf[off];
    off += p->flen;
    off += varint_get(&h->u.buf[off], &p->vlen);
    p->value = (const char *)&h->u.buf[off];
    return off + p->vlen;
}

/* Write a value (its length, then its bytes) at w; returns the bytes written. */
static size_t put_bytes(unsigned char *w, const void *v, size_t vlen)
{
    size_t n = varint_put(w, vlen);
    memcpy(w + n, v, vlen);
    return n + vlen;
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

static int compact_set(struct hash *h, const void *f, size_t flen, const void *v, size_t vlen,
                       bool *created)
{
    struct hash_pair p;
    size_t off = compact_find(h, f, flen, &p);
    *created = off == h->len;
    if (*created) {
        size_t size = pair_size(flen, vlen);
        if (bytes_buf_resize(&h->u.buf, h->len + size) < 0)
            return HASH_ENOMEM;
        off = h->len + put_bytes(&h->u.buf[h->len], f, flen);
        put_bytes(&h->u.buf[off], v, vlen);
        h->len += (uint32_t)size;
        h->count++;
        return HASH_OK;
    }
    /* The field stays; its value (length and bytes) is replaced. */
    size_t voff = (size_t)((const unsigned char *)p.field - h->u.buf) + flen;
    size_t tail = voff + varint_size(p.vlen) + p.vlen;
    size_t vsize = varint_size(vlen) + vlen;
    size_t from = h->len, to = from - (tail - voff) + vsize;
    if (to > from && bytes_buf_resize(&h->u.buf, to) < 0)
        return HASH_ENOMEM;
    memmove(&h->u.buf[voff + vsize], &h->u.buf[tail], from - tail);
    put_bytes(&h->u.buf[voff], v, vlen);
    h->len = (uint32_t)to;
    if (to < from)
        bytes_buf_resize(&h->u.buf, to);
    return HASH_OK;
}

/* Compact -> table. On ENOMEM the hash stays compact. */
static int convert(struct hash *h)
{
    if (h->is_table)
        return HASH_OK;
    struct hashmap *map = hashmap_create_packed(env_of(h)->hasher);
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
    free(h->u.buf);
    h->u.map = map;
    h->len = 0;
    h->count = 0;
    h->is_table = 1;
    return HASH_OK;
}

/* ==== lifecycle ============================================================== */

struct hash *hash_create(const struct hashmap_hasher *hasher, const struct object_limits *limits)
{
    const struct object_env *env = object_env(&hash_ops, hasher, limits);
    struct hash *h = env ? calloc(1, sizeof(*h)) : NULL;
    if (h == NULL)
        return NULL;
    h->boxed.ops = &env->ops;
    return h;
}

void hash_destroy(struct hash *h)
{
    if (h == NULL)
        return;
    if (h->is_table)
        table_destroy(h->u.map);
    else
        free(h->u.buf);
    free(h);
}

struct object_boxed *hash_boxed(struct hash *h)
{
    return &h->boxed;
}

struct hash *hash_from_boxed(struct object_boxed *b)
{
    assert(b->ops->free_cb == boxed_free_cb);
    return (struct hash *)b;
}

static int dup_table(struct hash *copy, const struct hash *h)
{
    copy->is_table = 1;
    if ((copy->u.map = hashmap_create_packed(env_of(h)->hasher)) == NULL)
        return HASH_ENOMEM;
    struct hash_iter it;
    struct hash_pair p;
    int rc = HASH_OK;
    hash_iter_init(&it, (struct hash *)h); /* iteration only pauses resizing */
    while (rc == HASH_OK && hash_iter_next(&it, &p))
        rc = table_insert(copy->u.map, p.field, p.flen, p.value, p.vlen);
    hash_iter_deinit(&it);
    return rc;
}

struct hash *hash_dup(const struct hash *h)
{
    struct hash *copy = hash_create(env_of(h)->hasher, env_of(h)->limits);
    if (copy == NULL)
        return NULL;
    if (h->is_table) {
        if (dup_table(copy, h) < 0)
            goto fail;
    } else if (h->len > 0) {
        if ((copy->u.buf = malloc(h->len)) == NULL)
            goto fail;
        memcpy(copy->u.buf, h->u.buf, h->len);
        copy->len = h->len;
        copy->count = h->count;
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
    return h->is_table ? hashmap_size(h->u.map) : h->count;
}

enum object_encoding hash_encoding(const struct hash *h)
{
    return h->is_table ? OBJECT_ENC_HASHTABLE : OBJECT_ENC_LISTPACK;
}

size_t hash_bytes(const struct hash *h)
{
    size_t n = malloc_usable_size((void *)h);
    if (h->is_table)
        return n + hashmap_bytes(h->u.map);
    return n + (h->u.buf ? malloc_usable_size(h->u.buf) : 0);
}

bool hash_get(struct hash *h, const void *field, size_t flen, const char **value, size_t *vlen)
{
    if (h->is_table) {
        struct hashmap_entry *e = table_find(h->u.map, field, flen);
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

static bool too_long(const struct hash *h, size_t len)
{
    return len > (unsigned long long)env_of(h)->limits->hash_max_listpack_value;
}

int hash_note_length(struct hash *h, size_t len)
{
    return too_long(h, len) ? convert(h) : HASH_OK;
}

int hash_set(struct hash *h, const void *field, size_t flen, const void *value, size_t vlen,
             bool *created)
{
    bool dummy;
    if (created == NULL)
        created = &dummy;
    if (!h->is_table) {
        bool too_many = h->count >= (unsigned long long)env_of(h)->limits->hash_max_listpack_entries &&
                        !hash_exists(h, field, flen);
        bool too_big = h->len + pair_size(flen, vlen) > COMPACT_MAX_BYTES;
        if ((too_long(h, flen) || too_long(h, vlen) || too_many || too_big) && convert(h) < 0)
            return HASH_ENOMEM;
    }
    if (h->is_table)
        return table_set(h, field, flen, value, vlen, created);
    return compact_set(h, field, flen, value, vlen, created);
}

bool hash_delete(struct hash *h, const void *field, size_t flen)
{
    if (h->is_table) {
        struct hashmap_entry *e = table_find(h->u.map, field, flen);
        if (e == NULL)
            return false;
        hashmap_remove(h->u.map, e);
        return true;
    }
    struct hash_pair p;
    size_t off = compact_find(h, field, flen, &p);
    if (off == h->len)
        return false;
    size_t next = compact_pair(h, off, &p);
    size_t from = h->len;
    memmove(&h->u.buf[off], &h->u.buf[next], from - next);
    h->len -= (uint32_t)(next - off);
    h->count--;
    bytes_buf_resize(&h->u.buf, h->len);
    return true;
}

/* ==== visiting =============================================================== */

void hash_iter_init(struct hash_iter *it, struct hash *h)
{
    it->h = h;
    it->off = 0;
    if (h->is_table)
        hashmap_iter_init(&it->it, h->u.map);
}

bool hash_iter_next(struct hash_iter *it, struct hash_pair *pair)
{
    if (it->h->is_table) {
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
    if (it->h->is_table)
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
    if (h->is_table) {
        struct scan_adapter a = {fn, ud};
        return hashmap_scan(h->u.map, cursor, scan_entry_cb, &a);
    }
    struct hash_pair p;
    for (size_t off = 0; off < h->len;) {
        off = compact_pair(h, off, &p);
        fn(&p, ud);
    }
    return 0;
}

void hash_random(struct hash *h, struct hash_pair *pair, rng_fn rand64, void *ud)
{
    assert(hash_len(h) > 0);
    if (h->is_table) {
        entry_pair(hashmap_random(h->u.map, rand64, ud), pair);
        return;
    }
    size_t skip = (size_t)rng_below(rand64, ud, h->count), off = 0;
    do
        off = compact_pair(h, off, pair);
    while (skip-- > 0);
}

/* ==== testing ================================================================ */

void hash__check_invariants(const struct hash *h)
{
    INVARIANT(h->boxed.ops->free_cb == boxed_free_cb);
    if (h->is_table) {
        INVARIANT(h->len == 0 && h->count == 0);
        hashmap__check_invariants(h->u.map);
        return;
    }
    size_t n = 0, off = 0;
    struct hash_pair p;
    /* No check against the limits: CONFIG SET may have lowered them since. */
    while (off < h->len) {
        off = compact_pair(h, off, &p);
        n++;
    }
    INVARIANT(off == h->len && n == h->count);
}
