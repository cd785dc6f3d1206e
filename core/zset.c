/*
 * zset.c - the sorted set value type: a hashmap from member to node plus an
 * order-statistic AVL tree (core/avl.h) keyed by (score, member).
 *
 * Design
 *   Each member is one heap node holding its bytes, its score and its
 *   embedded avl_node (links, height, subtree size). The hashmap (value
 *   API) maps member bytes to the node, for O(1) ZSCORE and for finding
 *   the node to unlink: removal then needs no compare, and ZRANK walks up
 *   from the node through its parents summing left subtree sizes. Select
 *   by rank and count-below are O(log n) descents. A score change is a
 *   removal plus a re-insert of the same node.
 *
 *   Encoding is only reported: `big` is set once an insert would pass
 *   Redis's listpack limits, and never cleared. One visible trace of the
 *   listpack is kept: it stores a score of -0 as the integer 0, so while
 *   not big a -0 score is stored as 0 (Redis 7.0 replies "0" there, "-0"
 *   from a skiplist).
 *
 * Thread safety: none (the shard lock guards the key holding the zset).
 */
#include "zset.h"

#include <assert.h>
#include <malloc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "avl.h"
#include "bytes.h"

struct znode {
    struct avl_node avl;
    double score;
    size_t len;
    char member[];
};

struct zset {
    struct object_boxed boxed; /* first: the keyspace holds &boxed */
    struct hashmap_hasher hasher;
    const struct object_limits *limits; /* read at each insert */
    struct hashmap *map; /* member -> struct znode * */
    struct avl_tree tree;
    bool big; /* reported as skiplist */
};

static void boxed_free_cb(struct object_boxed *b);
static struct object_boxed *boxed_dup_cb(const struct object_boxed *b);

static const struct object_boxed_ops zset_ops = {
    .free_cb = boxed_free_cb,
    .dup_cb = boxed_dup_cb,
};

/* ==== the tree ================================================================ */

/* What the tree compares: a (score, member) pair. */
struct zkey {
    double score;
    const char *member;
    size_t len;
};

static const struct znode *znode_of(const struct avl_node *n)
{
    return avl_entry(n, const struct znode, avl);
}

/* (score, member) order: <0, 0, >0 as key sorts before, with, after n. */
static int zkey_cmp(const void *key, const struct avl_node *an)
{
    const struct zkey *k = key;
    const struct znode *n = znode_of(an);
    if (k->score < n->score)
        return -1;
    if (k->score > n->score)
        return 1;
    return bytes_cmp(k->member, k->len, n->member, n->len);
}

static void tree_insert(struct zset *z, struct znode *n)
{
    struct zkey k = {n->score, n->member, n->len};
    struct avl_node *dup = avl_insert(&z->tree, &n->avl, &k, zkey_cmp);
    assert(dup == NULL && "the member map keeps members unique");
    (void)dup;
}

static void tree_free(struct avl_tree *t)
{
    for (struct avl_node *n = avl_first_postorder(t), *next; n; n = next) {
        next = avl_next_postorder(n);
        free(avl_entry(n, struct znode, avl));
    }
}

/* ==== lifecycle ================================================================ */

struct zset *zset_create(const struct hashmap_hasher *hasher, const struct object_limits *limits)
{
    struct zset *z = calloc(1, sizeof(*z));
    if (z == NULL)
        return NULL;
    z->boxed.ops = &zset_ops;
    z->hasher = *hasher;
    z->limits = limits;
    avl_init(&z->tree);
    z->map = hashmap_create(&z->hasher);
    if (z->map == NULL) {
        free(z);
        return NULL;
    }
    return z;
}

struct zset *zset_create_skiplist(const struct hashmap_hasher *hasher,
                                  const struct object_limits *limits)
{
    struct zset *z = zset_create(hasher, limits);
    if (z != NULL)
        z->big = true;
    return z;
}

void zset_destroy(struct zset *z)
{
    if (z == NULL)
        return;
    tree_free(&z->tree);
    hashmap_destroy(z->map);
    free(z);
}

struct object_boxed *zset_boxed(struct zset *z)
{
    return &z->boxed;
}

struct zset *zset_from_boxed(struct object_boxed *b)
{
    assert(b->ops == &zset_ops);
    return (struct zset *)b;
}

static int set_score(struct zset *z, const void *member, size_t len, double score, bool *added,
                     struct znode *n, bool big);

/* A skiplist's copy is one from the start, so its -0 scores keep their
 * sign (a listpack's have none); a listpack's copy stays one whatever the
 * limits say now, as Redis copies the listpack itself. */
struct zset *zset_dup(const struct zset *z)
{
    struct zset *copy = z->big ? zset_create_skiplist(&z->hasher, z->limits)
                               : zset_create(&z->hasher, z->limits);
    if (copy == NULL)
        return NULL;
    for (const struct avl_node *an = avl_first(&z->tree); an; an = avl_next(an)) {
        const struct znode *n = znode_of(an);
        if (set_score(copy, n->member, n->len, n->score, NULL, NULL, z->big) < 0) {
            zset_destroy(copy);
            return NULL;
        }
    }
    return copy;
}

static void boxed_free_cb(struct object_boxed *b)
{
    zset_destroy(zset_from_boxed(b));
}

static struct object_boxed *boxed_dup_cb(const struct object_boxed *b)
{
    struct zset *copy = zset_dup((const struct zset *)b);
    return copy ? &copy->boxed : NULL;
}

/* ==== reading ================================================================== */

size_t zset_len(const struct zset *z)
{
    return avl_count(&z->tree);
}

enum object_encoding zset_encoding(const struct zset *z)
{
    return z->big ? OBJECT_ENC_SKIPLIST : OBJECT_ENC_LISTPACK;
}

size_t zset_bytes(const struct zset *z, size_t samples)
{
    size_t count = avl_count(&z->tree), n = 0, nodes = 0;
    for (const struct avl_node *an = avl_first(&z->tree); an && (!samples || n < samples);
         an = avl_next(an), n++)
        nodes += malloc_usable_size((void *)znode_of(an));
    size_t fixed = malloc_usable_size((void *)z) + hashmap_bytes(z->map);
    return fixed + (n ? (size_t)((double)nodes / (double)n * (double)count) : 0);
}

bool zset_score(struct zset *z, const void *member, size_t len, double *score)
{
    struct znode *n = hashmap_get(z->map, member, len);
    if (n == NULL)
        return false;
    *score = n->score;
    return true;
}

bool zset_rank(struct zset *z, const void *member, size_t len, size_t *rank)
{
    struct znode *n = hashmap_get(z->map, member, len);
    if (n == NULL)
        return false;
    *rank = avl_rank(&n->avl);
    return true;
}

void zset_at(const struct zset *z, size_t rank, struct zset_member *m)
{
    const struct znode *n = znode_of(avl_at(&z->tree, rank));
    m->ptr = n->member;
    m->len = n->len;
    m->score = n->score;
}

/* A bound, not a member: it orders after every node below it (score <
 * bound, or <= with inclusive) and before the rest, never equal. */
struct zbound {
    double score;
    bool inclusive;
};

static int zbound_cmp(const void *key, const struct avl_node *an)
{
    const struct zbound *b = key;
    const struct znode *n = znode_of(an);
    return n->score < b->score || (b->inclusive && n->score == b->score) ? 1 : -1;
}

size_t zset_count_below(const struct zset *z, double score, bool inclusive)
{
    struct zbound b = {score, inclusive};
    return avl_count_before(&z->tree, &b, zbound_cmp);
}

/* ==== writing ================================================================== */

/* Redis's zsetAdd: a new member that would pass the limits turns a
 * listpack into a skiplist first. */
int zset_set(struct zset *z, const void *member, size_t len, double score, bool *added)
{
    assert(!isnan(score));
    struct znode *n = hashmap_get(z->map, member, len);
    bool big = z->big ||
               (n == NULL &&
                (zset_len(z) + 1 > (unsigned long long)z->limits->zset_max_listpack_entries ||
                 len > (unsigned long long)z->limits->zset_max_listpack_value));
    return set_score(z, member, len, score, added, n, big);
}

/* zset_set once the member's node (n, NULL when new) and the encoding
 * after the write (big) are known. */
static int set_score(struct zset *z, const void *member, size_t len, double score, bool *added,
                     struct znode *n, bool big)
{
    if (!big && score == 0)
        score = 0.0; /* a listpack stores -0 as the integer 0 */
    if (n != NULL) {
        if (added)
            *added = false;
        if (n->score != score) {
            avl_remove(&z->tree, &n->avl);
            n->score = score;
            tree_insert(z, n);
        }
        return ZSET_OK;
    }
    n = malloc(sizeof(*n) + (len ? len : 1));
    if (n == NULL)
        return ZSET_ENOMEM;
    if (len)
        memcpy(n->member, member, len);
    n->len = len;
    n->score = score;
    if (hashmap_put(z->map, n->member, len, n, NULL) < 0) {
        free(n);
        return ZSET_ENOMEM;
    }
    z->big = big;
    tree_insert(z, n);
    if (added)
        *added = true;
    return ZSET_OK;
}

bool zset_remove(struct zset *z, const void *member, size_t len)
{
    struct znode *n = hashmap_get(z->map, member, len);
    if (n == NULL)
        return false;
    avl_remove(&z->tree, &n->avl);
    hashmap_delete(z->map, member, len, NULL);
    free(n);
    return true;
}

/* ==== visiting ================================================================= */

struct scan_adapter {
    zset_scan_fn fn;
    void *ud;
};

static void scan_entry_cb(struct hashmap_entry *e, void *ud)
{
    struct scan_adapter *a = ud;
    const struct znode *n = hashmap_entry_value(e);
    struct zset_member m = {n->member, n->len, n->score};
    a->fn(&m, a->ud);
}

uint64_t zset_scan(struct zset *z, uint64_t cursor, zset_scan_fn fn, void *ud)
{
    if (z->big) {
        struct scan_adapter a = {fn, ud};
        return hashmap_scan(z->map, cursor, scan_entry_cb, &a);
    }
    for (const struct avl_node *an = avl_first(&z->tree); an; an = avl_next(an)) {
        const struct znode *n = znode_of(an);
        struct zset_member m = {n->member, n->len, n->score};
        fn(&m, ud);
    }
    return 0;
}

/* ==== testing ================================================================== */

/* The shape is avl.c's to check; the order and the member map are ours. */
void zset__check_invariants(const struct zset *z)
{
    const struct znode *prev = NULL;
    size_t count = avl__check_invariants(&z->tree);
    for (const struct avl_node *an = avl_first(&z->tree); an; an = avl_next(an)) {
        const struct znode *n = znode_of(an);
        if (prev != NULL) {
            struct zkey k = {prev->score, prev->member, prev->len};
            int order = zkey_cmp(&k, an);
            assert(order < 0);
            (void)order;
        }
        assert(!isnan(n->score));
        assert(hashmap_get(z->map, n->member, n->len) == n);
        prev = n;
    }
    assert(hashmap_size(z->map) == count);
    (void)count;
}
