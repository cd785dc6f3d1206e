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
 *   in insertion order, after the buffer's head (bytes.h: the pairs' byte
 *   length and count, two varints, 3 bytes for 10 pairs of 10-byte fields
 *   and values). Lengths are varints (7 bits a byte, low first): one
 *   byte below 128, which is every length at the default limits, yet any
 *   hash-max-listpack-value works. Lookups walk the buffer: at the default
 *   limits at most 512 pairs of at most 130 bytes, which is why Redis
 *   keeps small hashes this way too. An update rewrites the value in place
 *   (moving the tail when its size changes), so a pair keeps its position,
 *   as in a listpack. The buffer is allocated at its exact size and its
 *   capacity is the allocator's (bytes_buf_resize): none is stored and no
 *   slack beyond the size class is paid for. An empty hash has no buffer.
 *
 *   struct hash is 16 bytes, the smallest allocation: its boxed ops (which
 *   point into an object_env, which also gives the hasher and the limits)
 *   and one word, the compact buffer or the table's map with bit 0 set.
 *   Small hashes are most hashes, so header and buffer both count per key:
 *   moving the lengths from the header into the buffer's head took a
 *   hash of 10 from 32 + 224 to 16 + 224 bytes (the head fits in the
 *   buffer's size class).
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
    uintptr_t word; /* compact: its buffer, head first (NULL when empty);
                       table: its map, tagged (bytes.h's bytes_word_*) */
};
static_assert(sizeof(struct hash) == 16, "a hash header is the smallest allocation");

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

/* The table form's map. */
static struct hashmap *table_of(const struct hash *h)
{
    return bytes_word_big(h->word);
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
    struct hashmap *map = table_of(h);
    struct hashmap_entry *e = table_find(map, f, flen);
    *created = e == NULL;
    if (e == NULL) {
        if (table_insert(map, f, flen, v, vlen) < 0)
            return HASH_ENOMEM;
        return HASH_OK;
    }
    if (hashmap_entry_extra_size(e) != vlen) {
        e = hashmap_entry_resize(map, e, vlen);
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

/* Read the pair at p; returns the address of the next one. */
static const unsigned char *pair_get(const unsigned char *p, struct hash_pair *pair)
{
    p += varint_get(p, &pair->flen);
    pair->field = (const char *)p;
    p += pair->flen;
    p += varint_get(p, &pair->vlen);
    pair->value = (const char *)p;
    return p + pair->vlen;
}

/* Write a value (its length, then its bytes) at w; returns the bytes written. */
static size_t put_bytes(unsigned char *w, const void *v, size_t vlen)
{
    size_t n = varint_put(w, vlen);
    memcpy(w + n, v, vlen);
    return n + vlen;
}

/* A compact hash's first pair (NULL when empty), its buffer's head in *hd. */
static const unsigned char *compact_first(const struct hash *h, struct bytes_head *hd)
{
    const unsigned char *buf = bytes_word_buf(h->word);
    size_t size = bytes_head_get(buf, hd);
    return buf ? buf + size : NULL;
}

/* The field's pair (read into *p), or NULL when absent; the head in *hd. */
static const unsigned char *compact_find(const struct hash *h, const void *f, size_t flen,
                                         struct bytes_head *hd, struct hash_pair *p)
{
    const unsigned char *at = compact_first(h, hd);
    if (at == NULL)
        return NULL;
    /* Lengths in locals, *p written only for the match: the caller's
     * memory would be written and read back at every pair. */
    for (const unsigned char *end = at + hd->used; at < end;) {
        size_t fl, vl;
        const unsigned char *field = at + varint_get(at, &fl);
        const unsigned char *value = field + fl;
        value += varint_get(value, &vl);
        if (fl == flen && memcmp(field, f, flen) == 0) {
            *p = (struct hash_pair){(const char *)field, fl, (const char *)value, vl};
            return at;
        }
        at = value + vl;
    }
    return NULL;
}

/* Where p is, from the first pair of the buffer whose head is hd. */
static size_t compact_offset(const struct hash *h, const struct bytes_head *hd, const void *p)
{
    return (size_t)((const unsigned char *)p - (bytes_word_buf(h->word) + hd->size));
}

static int compact_set(struct hash *h, const void *f, size_t flen, const void *v, size_t vlen,
                       bool *created)
{
    struct bytes_head hd;
    struct hash_pair p;
    *created = compact_find(h, f, flen, &hd, &p) == NULL;
    if (*created) {
        size_t off = hd.used;
        if (bytes_word_splice(&h->word, &hd, off, 0, pair_size(flen, vlen), hd.count + 1) < 0)
            return HASH_ENOMEM;
        unsigned char *w = bytes_word_buf(h->word) + hd.size + off;
        put_bytes(w + put_bytes(w, f, flen), v, vlen);
        return HASH_OK;
    }
    /* The field stays; its value (length and bytes) is replaced. */
    size_t voff = compact_offset(h, &hd, p.field + flen);
    size_t cut = varint_size(p.vlen) + p.vlen, room = varint_size(vlen) + vlen;
    if (bytes_word_splice(&h->word, &hd, voff, cut, room, hd.count) < 0)
        return HASH_ENOMEM;
    put_bytes(bytes_word_buf(h->word) + hd.size + voff, v, vlen);
    return HASH_OK;
}

/* Compact -> table. On ENOMEM the hash stays compact. */
static int convert(struct hash *h)
{
    if (bytes_word_is_big(h->word))
        return HASH_OK;
    struct hashmap *map = hashmap_create_with(env_of(h)->hasher, HASHMAP_PACKED | HASHMAP_DENSE);
    if (map == NULL)
        return HASH_ENOMEM;
    struct bytes_head hd;
    struct hash_pair p;
    const unsigned char *at = compact_first(h, &hd);
    for (size_t i = 0; i < hd.count; i++) {
        at = pair_get(at, &p);
        if (table_insert(map, p.field, p.flen, p.value, p.vlen) < 0) {
            table_destroy(map);
            return HASH_ENOMEM;
        }
    }
    free(bytes_word_buf(h->word));
    h->word = bytes_word_of_big(map);
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
    if (bytes_word_is_big(h->word))
        table_destroy(table_of(h));
    else
        free(bytes_word_buf(h->word));
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
    struct hashmap *map = hashmap_create_with(env_of(h)->hasher, HASHMAP_PACKED | HASHMAP_DENSE);
    if (map == NULL)
        return HASH_ENOMEM;
    copy->word = bytes_word_of_big(map);
    struct hash_iter it;
    struct hash_pair p;
    int rc = HASH_OK;
    hash_iter_init(&it, (struct hash *)h); /* iteration only pauses resizing */
    while (rc == HASH_OK && hash_iter_next(&it, &p))
        rc = table_insert(map, p.field, p.flen, p.value, p.vlen);
    hash_iter_deinit(&it);
    return rc;
}

struct hash *hash_dup(const struct hash *h)
{
    struct hash *copy = hash_create(env_of(h)->hasher, env_of(h)->limits);
    if (copy == NULL)
        return NULL;
    if (bytes_word_is_big(h->word)) {
        if (dup_table(copy, h) < 0)
            goto fail;
    } else {
        unsigned char *buf;
        if (bytes_head_dup(bytes_word_buf(h->word), &buf) < 0)
            goto fail;
        copy->word = (uintptr_t)buf;
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
    if (bytes_word_is_big(h->word))
        return hashmap_size(table_of(h));
    struct bytes_head hd;
    bytes_head_get(bytes_word_buf(h->word), &hd);
    return hd.count;
}

enum object_encoding hash_encoding(const struct hash *h)
{
    return bytes_word_is_big(h->word) ? OBJECT_ENC_HASHTABLE : OBJECT_ENC_LISTPACK;
}

const struct hashmap *hash_table(const struct hash *h)
{
    return bytes_word_is_big(h->word) ? table_of(h) : NULL;
}

size_t hash_bytes(const struct hash *h)
{
    size_t n = malloc_usable_size((void *)h);
    if (bytes_word_is_big(h->word))
        return n + hashmap_bytes(table_of(h));
    return n + (bytes_word_buf(h->word) ? malloc_usable_size(bytes_word_buf(h->word)) : 0);
}

bool hash_get(struct hash *h, const void *field, size_t flen, const char **value, size_t *vlen)
{
    if (bytes_word_is_big(h->word)) {
        struct hashmap_entry *e = table_find(table_of(h), field, flen);
        if (e == NULL)
            return false;
        entry_value(e, value, vlen);
        return true;
    }
    struct bytes_head hd;
    struct hash_pair p;
    if (compact_find(h, field, flen, &hd, &p) == NULL)
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
    if (!bytes_word_is_big(h->word)) {
        struct bytes_head hd;
        bytes_head_get(bytes_word_buf(h->word), &hd);
        const struct object_limits *l = env_of(h)->limits;
        bool too_many = hd.count >= (unsigned long long)l->hash_max_listpack_entries &&
                        !hash_exists(h, field, flen);
        bool too_big = hd.used + pair_size(flen, vlen) > COMPACT_MAX_BYTES;
        if ((too_long(h, flen) || too_long(h, vlen) || too_many || too_big) && convert(h) < 0)
            return HASH_ENOMEM;
    }
    if (bytes_word_is_big(h->word))
        return table_set(h, field, flen, value, vlen, created);
    return compact_set(h, field, flen, value, vlen, created);
}

bool hash_delete(struct hash *h, const void *field, size_t flen)
{
    if (bytes_word_is_big(h->word)) {
        struct hashmap_entry *e = table_find(table_of(h), field, flen);
        if (e == NULL)
            return false;
        hashmap_remove(table_of(h), e);
        return true;
    }
    struct bytes_head hd;
    struct hash_pair p;
    const unsigned char *at = compact_find(h, field, flen, &hd, &p);
    if (at == NULL)
        return false;
    size_t cut = (size_t)(pair_get(at, &p) - at);
    int rc = bytes_word_splice(&h->word, &hd, compact_offset(h, &hd, at), cut, 0, hd.count - 1);
    assert(rc == HASH_OK && "a splice that shrinks allocates nothing");
    (void)rc;
    return true;
}

/* ==== visiting =============================================================== */

void hash_iter_init(struct hash_iter *it, struct hash *h)
{
    it->h = h;
    if (bytes_word_is_big(h->word)) {
        hashmap_iter_init(&it->it, table_of(h));
        return;
    }
    struct bytes_head hd;
    it->at = compact_first(h, &hd);
    it->left = hd.count;
}

bool hash_iter_next(struct hash_iter *it, struct hash_pair *pair)
{
    if (bytes_word_is_big(it->h->word)) {
        struct hashmap_entry *e = hashmap_iter_next(&it->it);
        if (e == NULL)
            return false;
        entry_pair(e, pair);
        return true;
    }
    if (it->left == 0)
        return false;
    it->left--;
    it->at = pair_get(it->at, pair);
    return true;
}

void hash_iter_deinit(struct hash_iter *it)
{
    if (bytes_word_is_big(it->h->word))
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
    if (bytes_word_is_big(h->word)) {
        struct scan_adapter a = {fn, ud};
        return hashmap_scan(table_of(h), cursor, scan_entry_cb, &a);
    }
    struct bytes_head hd;
    struct hash_pair p;
    const unsigned char *at = compact_first(h, &hd);
    for (size_t i = 0; i < hd.count; i++) {
        at = pair_get(at, &p);
        fn(&p, ud);
    }
    return 0;
}

void hash_random(struct hash *h, struct hash_pair *pair, rng_fn rand64, void *ud)
{
    assert(hash_len(h) > 0);
    if (bytes_word_is_big(h->word)) {
        entry_pair(hashmap_random(table_of(h), rand64, ud), pair);
        return;
    }
    struct bytes_head hd;
    const unsigned char *at = compact_first(h, &hd);
    size_t skip = (size_t)rng_below(rand64, ud, hd.count);
    do
        at = pair_get(at, pair);
    while (skip-- > 0);
}

/* ==== testing ================================================================ */

void hash__check_invariants(const struct hash *h)
{
    INVARIANT(h->boxed.ops->free_cb == boxed_free_cb);
    if (bytes_word_is_big(h->word)) {
        hashmap__check_invariants(table_of(h));
        return;
    }
    struct bytes_head hd;
    struct hash_pair p;
    const unsigned char *at = compact_first(h, &hd);
    if (at == NULL)
        return;
    /* A buffer only while there are pairs, its head in the shortest form,
     * its pairs exactly `used` bytes. No check against the limits: CONFIG
     * SET may have lowered them since. */
    INVARIANT(hd.count > 0 && hd.size == bytes_head_size(&hd));
    for (size_t i = 0; i < hd.count; i++)
        at = pair_get(at, &p);
    INVARIANT(compact_offset(h, &hd, at) == hd.used);
    INVARIANT(malloc_usable_size(bytes_word_buf(h->word)) >= hd.size + hd.used);
}
