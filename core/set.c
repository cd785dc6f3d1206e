/*
 * set.c - the set value type: a sorted int64 array for small all-integer
 * sets, a core/hashmap for the others.
 *
 * What
 *   The value behind SADD, SREM, SMEMBERS... A `struct set` starts with
 *   `struct object_boxed`, so a keyspace entry holds it by pointer and
 *   frees or deep-copies it (COPY) through the ops below.
 *
 * Design
 *   Intset form (after Redis 7.0's intset): one heap array of int64 kept
 *   sorted; lookups are binary searches, inserts and removals move the
 *   tail. Only members object_parse_int accepts are stored this way, so
 *   formatting a stored integer gives back exactly the bytes added.
 *
 *   Table form ("hashtable"): a hashmap (entry API) whose entries hold
 *   the member as key and no extra bytes: one allocation per member. The
 *   map is packed: with nothing to align, an aligned map's padding and
 *   back-offset only add bytes, a whole 16-byte size class for members
 *   of 4, 20, 36... bytes.
 *
 *   Conversion intset -> table happens before a write that needs it (a
 *   non-integer member, or a new member past set-max-intset-entries), so
 *   running out of memory leaves the set as it was. It is one-way.
 *
 *   struct set is 40 bytes (not 64): its boxed ops point
 *   into an object_env, which also gives the hasher and the limits.
 *
 * Complexity: intset lookups O(log n), writes O(n) with n <= the limit; table
 *   operations are the hashmap's.
 *
 * Thread safety: none (the shard lock guards the key holding the set).
 */
#include "set.h"

#include <assert.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

struct set {
    struct object_boxed boxed; /* first: the keyspace holds &boxed; its ops
                                  are an object_env's (hasher, limits) */
    size_t count;        /* members, both forms */
    struct hashmap *map; /* table form when non-NULL */
    int64_t *ints;       /* intset form: sorted */
    size_t cap;          /* int64s allocated in ints */
};

static void boxed_free_cb(struct object_boxed *b);
static struct object_boxed *boxed_dup_cb(const struct object_boxed *b);

static const struct object_boxed_ops set_ops = {
    .free_cb = boxed_free_cb,
    .dup_cb = boxed_dup_cb,
};

/* The hasher and the limits (read at each write), from the ops. */
static const struct object_env *env_of(const struct set *s)
{
    return (const struct object_env *)(const void *)s->boxed.ops;
}

/* ==== table ================================================================== */

static struct hashmap_entry *table_find(struct hashmap *map, const void *m, size_t len)
{
    return hashmap_find(map, m, len, hashmap_hash(map, m, len));
}

static int table_insert(struct hashmap *map, const void *m, size_t len)
{
    return hashmap_insert(map, m, len, hashmap_hash(map, m, len), 0) ? SET_OK : SET_ENOMEM;
}

static void entry_member(const struct hashmap_entry *e, struct set_member *m)
{
    m->ptr = hashmap_entry_key(e);
    m->len = hashmap_entry_keylen(e);
}

/* ==== intset ================================================================= */

static void int_member(int64_t v, struct set_member *m)
{
    m->len = object_format_int(m->buf, v);
    m->ptr = m->buf;
}

/* Binary search: true if found; *pos is its index or the insertion point. */
static bool int_find(const struct set *s, int64_t v, size_t *pos)
{
    size_t lo = 0, hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->ints[mid] < v)
            lo = mid + 1;
        else if (s->ints[mid] > v)
            hi = mid;
        else {
            *pos = mid;
            return true;
        }
    }
    *pos = lo;
    return false;
}

static int int_reserve(struct set *s, size_t n)
{
    if (n <= s->cap)
        return SET_OK;
    size_t cap = s->cap ? s->cap : 8;
    while (cap < n)
        cap *= 2;
    int64_t *ints = realloc(s->ints, cap * sizeof(*ints));
    if (ints == NULL)
        return SET_ENOMEM;
    s->ints = ints;
    s->cap = cap;
    return SET_OK;
}

static struct hashmap *table_create(const struct set *s)
{
    return hashmap_create_with(env_of(s)->hasher, HASHMAP_PACKED | HASHMAP_DENSE);
}

/* Intset -> table. On ENOMEM the set stays an intset. */
static int convert(struct set *s)
{
    if (s->map != NULL)
        return SET_OK;
    struct hashmap *map = table_create(s);
    if (map == NULL)
        return SET_ENOMEM;
    struct set_member m;
    for (size_t i = 0; i < s->count; i++) {
        int_member(s->ints[i], &m);
        if (table_insert(map, m.ptr, m.len) < 0) {
            hashmap_destroy(map);
            return SET_ENOMEM;
        }
    }
    free(s->ints);
    s->ints = NULL;
    s->cap = 0;
    s->map = map;
    return SET_OK;
}

/* ==== lifecycle ============================================================== */

struct set *set_create(const struct hashmap_hasher *hasher, const struct object_limits *limits)
{
    const struct object_env *env = object_env(&set_ops, hasher, limits);
    struct set *s = env ? calloc(1, sizeof(*s)) : NULL;
    if (s == NULL)
        return NULL;
    s->boxed.ops = &env->ops;
    return s;
}

void set_destroy(struct set *s)
{
    if (s == NULL)
        return;
    hashmap_destroy(s->map);
    free(s->ints);
    free(s);
}

struct object_boxed *set_boxed(struct set *s)
{
    return &s->boxed;
}

struct set *set_from_boxed(struct object_boxed *b)
{
    assert(b->ops->free_cb == boxed_free_cb);
    return (struct set *)b;
}

struct set *set_dup(const struct set *s)
{
    struct set *copy = set_create(env_of(s)->hasher, env_of(s)->limits);
    if (copy == NULL)
        return NULL;
    if (s->map != NULL) {
        copy->map = table_create(s);
        if (copy->map == NULL)
            goto fail;
        struct hashmap_iter it;
        struct hashmap_entry *e;
        int rc = SET_OK;
        hashmap_iter_init(&it, s->map); /* iteration only pauses resizing */
        while (rc == SET_OK && (e = hashmap_iter_next(&it)) != NULL)
            rc = table_insert(copy->map, hashmap_entry_key(e), hashmap_entry_keylen(e));
        hashmap_iter_deinit(&it);
        if (rc < 0)
            goto fail;
    } else if (s->count > 0) {
        if (int_reserve(copy, s->count) < 0)
            goto fail;
        memcpy(copy->ints, s->ints, s->count * sizeof(*s->ints));
    }
    copy->count = s->count;
    return copy;
fail:
    set_destroy(copy);
    return NULL;
}

static void boxed_free_cb(struct object_boxed *b)
{
    set_destroy(set_from_boxed(b));
}

static struct object_boxed *boxed_dup_cb(const struct object_boxed *b)
{
    struct set *copy = set_dup((const struct set *)b);
    return copy ? &copy->boxed : NULL;
}

/* ==== reading ================================================================ */

size_t set_len(const struct set *s)
{
    return s->count;
}

enum object_encoding set_encoding(const struct set *s)
{
    return s->map ? OBJECT_ENC_HASHTABLE : OBJECT_ENC_INTSET;
}

const struct hashmap *set_table(const struct set *s)
{
    return s->map;
}

size_t set_bytes(const struct set *s)
{
    size_t n = malloc_usable_size((void *)s) + (s->ints ? malloc_usable_size(s->ints) : 0);
    return n + (s->map ? hashmap_bytes(s->map) : 0);
}

bool set_contains(struct set *s, const void *member, size_t len)
{
    if (s->map != NULL)
        return table_find(s->map, member, len) != NULL;
    int64_t v;
    size_t pos;
    return object_parse_int(member, len, &v) && int_find(s, v, &pos);
}

/* ==== writing ================================================================ */

int set_add(struct set *s, const void *member, size_t len, bool *added)
{
    bool dummy;
    if (added == NULL)
        added = &dummy;
    *added = false;
    if (s->map == NULL) {
        int64_t v;
        size_t pos;
        if (object_parse_int(member, len, &v)) {
            if (int_find(s, v, &pos))
                return SET_OK;
            if (s->count < (unsigned long long)env_of(s)->limits->set_max_intset_entries) {
                if (int_reserve(s, s->count + 1) < 0)
                    return SET_ENOMEM;
                memmove(&s->ints[pos + 1], &s->ints[pos], (s->count - pos) * sizeof(*s->ints));
                s->ints[pos] = v;
                s->count++;
                *added = true;
                return SET_OK;
            }
        }
        if (convert(s) < 0)
            return SET_ENOMEM;
    }
    if (table_find(s->map, member, len) != NULL)
        return SET_OK;
    if (table_insert(s->map, member, len) < 0)
        return SET_ENOMEM;
    s->count++;
    *added = true;
    return SET_OK;
}

bool set_remove(struct set *s, const void *member, size_t len)
{
    if (s->map != NULL) {
        struct hashmap_entry *e = table_find(s->map, member, len);
        if (e == NULL)
            return false;
        hashmap_remove(s->map, e);
        s->count--;
        return true;
    }
    int64_t v;
    size_t pos;
    if (!object_parse_int(member, len, &v) || !int_find(s, v, &pos))
        return false;
    memmove(&s->ints[pos], &s->ints[pos + 1], (s->count - pos - 1) * sizeof(*s->ints));
    s->count--;
    return true;
}

/* ==== visiting =============================================================== */

void set_iter_init(struct set_iter *it, struct set *s)
{
    it->s = s;
    it->i = 0;
    if (s->map != NULL)
        hashmap_iter_init(&it->it, s->map);
}

bool set_iter_next(struct set_iter *it, struct set_member *m)
{
    if (it->s->map != NULL) {
        struct hashmap_entry *e = hashmap_iter_next(&it->it);
        if (e == NULL)
            return false;
        entry_member(e, m);
        return true;
    }
    if (it->i >= it->s->count)
        return false;
    int_member(it->s->ints[it->i++], m);
    return true;
}

void set_iter_deinit(struct set_iter *it)
{
    if (it->s->map != NULL)
        hashmap_iter_deinit(&it->it);
}

struct scan_adapter {
    set_scan_fn fn;
    void *ud;
};

static void scan_entry_cb(struct hashmap_entry *e, void *ud)
{
    struct scan_adapter *a = ud;
    struct set_member m;
    entry_member(e, &m);
    a->fn(&m, a->ud);
}

uint64_t set_scan(struct set *s, uint64_t cursor, set_scan_fn fn, void *ud)
{
    if (s->map != NULL) {
        struct scan_adapter a = {fn, ud};
        return hashmap_scan(s->map, cursor, scan_entry_cb, &a);
    }
    struct set_member m;
    for (size_t i = 0; i < s->count; i++) {
        int_member(s->ints[i], &m);
        fn(&m, ud);
    }
    return 0;
}

void set_random(struct set *s, struct set_member *m, rng_fn rand64, void *ud)
{
    assert(s->count > 0);
    if (s->map != NULL)
        entry_member(hashmap_random(s->map, rand64, ud), m);
    else
        int_member(s->ints[rng_below(rand64, ud, s->count)], m);
}

/* ==== testing ================================================================ */

void set__check_invariants(const struct set *s)
{
    assert(s->boxed.ops->free_cb == boxed_free_cb);
    if (s->map != NULL) {
        assert(s->ints == NULL && s->cap == 0);
        assert(hashmap_size(s->map) == s->count);
        hashmap__check_invariants(s->map);
        return;
    }
    assert(s->count <= s->cap || (s->count == 0 && s->cap == 0));
    for (size_t i = 1; i < s->count; i++)
        assert(s->ints[i - 1] < s->ints[i]);
}
