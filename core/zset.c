/*
 * zset.c - the sorted set value type: a hashmap from member to node plus an
 * order-statistic AVL tree keyed by (score, member).
 *
 * Design
 *   Each member is one heap node holding its bytes, its score, its AVL
 *   links, height and subtree size. The hashmap (value API) maps member
 *   bytes to the node, for O(1) ZSCORE and for finding the node to unlink.
 *   The tree is rebuilt recursively on insert and delete (rotations keep
 *   the sizes), so rank, select and count-below are O(log n) descents.
 *   A score change is a delete plus a re-insert of the same node.
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
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct znode {
    struct znode *left, *right;
    size_t size; /* nodes in this subtree */
    int height;
    double score;
    size_t len;
    char member[];
};

struct zset {
    struct object_boxed boxed; /* first: the keyspace holds &boxed */
    struct hashmap_hasher hasher;
    const struct object_limits *limits; /* read at each insert */
    struct hashmap *map; /* member -> struct znode * */
    struct znode *root;
    bool big; /* reported as skiplist */
};

static void boxed_free_cb(struct object_boxed *b);
static struct object_boxed *boxed_dup_cb(const struct object_boxed *b);

static const struct object_boxed_ops zset_ops = {
    .free_cb = boxed_free_cb,
    .dup_cb = boxed_dup_cb,
};

/* ==== the tree ================================================================ */

static size_t size_of(const struct znode *n)
{
    return n ? n->size : 0;
}

static int height_of(const struct znode *n)
{
    return n ? n->height : 0;
}

static void update(struct znode *n)
{
    int hl = height_of(n->left), hr = height_of(n->right);
    n->height = 1 + (hl > hr ? hl : hr);
    n->size = 1 + size_of(n->left) + size_of(n->right);
}

static int cmp_member(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t min = alen < blen ? alen : blen;
    int c = min ? memcmp(a, b, min) : 0;
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

/* (score, member) order: <0, 0, >0 as a sorts before, with, after n. */
static int cmp_node(double score, const char *m, size_t len, const struct znode *n)
{
    if (score < n->score)
        return -1;
    if (score > n->score)
        return 1;
    return cmp_member(m, len, n->member, n->len);
}

static struct znode *rotate_right(struct znode *n)
{
    struct znode *l = n->left;
    n->left = l->right;
    l->right = n;
    update(n);
    update(l);
    return l;
}

static struct znode *rotate_left(struct znode *n)
{
    struct znode *r = n->right;
    n->right = r->left;
    r->left = n;
    update(n);
    update(r);
    return r;
}

static struct znode *balance(struct znode *n)
{
    update(n);
    int bf = height_of(n->left) - height_of(n->right);
    if (bf > 1) {
        if (height_of(n->left->left) < height_of(n->left->right))
            n->left = rotate_left(n->left);
        return rotate_right(n);
    }
    if (bf < -1) {
        if (height_of(n->right->right) < height_of(n->right->left))
            n->right = rotate_right(n->right);
        return rotate_left(n);
    }
    return n;
}

/* Insert node x (not in the tree) under n. */
static struct znode *tree_insert(struct znode *n, struct znode *x)
{
    if (n == NULL) {
        x->left = x->right = NULL;
        update(x);
        return x;
    }
    if (cmp_node(x->score, x->member, x->len, n) < 0)
        n->left = tree_insert(n->left, x);
    else
        n->right = tree_insert(n->right, x);
    return balance(n);
}

/* Detach the minimum of n into *min. */
static struct znode *tree_take_min(struct znode *n, struct znode **min)
{
    if (n->left == NULL) {
        *min = n;
        return n->right;
    }
    n->left = tree_take_min(n->left, min);
    return balance(n);
}

/* Unlink node x (in the tree) from under n; x's links are left stale. */
static struct znode *tree_remove(struct znode *n, struct znode *x)
{
    assert(n != NULL);
    if (n == x) {
        if (n->left == NULL)
            return n->right;
        if (n->right == NULL)
            return n->left;
        struct znode *min;
        struct znode *right = tree_take_min(n->right, &min);
        min->left = n->left;
        min->right = right;
        return balance(min);
    }
    if (cmp_node(x->score, x->member, x->len, n) < 0)
        n->left = tree_remove(n->left, x);
    else
        n->right = tree_remove(n->right, x);
    return balance(n);
}

static void tree_free(struct znode *n)
{
    while (n != NULL) {
        tree_free(n->left);
        struct znode *r = n->right;
        free(n);
        n = r;
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
    tree_free(z->root);
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
    struct zset_member m;
    for (size_t i = 0; i < zset_len(z); i++) {
        zset_at(z, i, &m);
        if (set_score(copy, m.ptr, m.len, m.score, NULL, NULL, z->big) < 0) {
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
    return size_of(z->root);
}

enum object_encoding zset_encoding(const struct zset *z)
{
    return z->big ? OBJECT_ENC_SKIPLIST : OBJECT_ENC_LISTPACK;
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
    struct znode *x = hashmap_get(z->map, member, len);
    if (x == NULL)
        return false;
    size_t r = 0;
    struct znode *n = z->root;
    while (n != x) {
        if (cmp_node(x->score, x->member, x->len, n) < 0) {
            n = n->left;
        } else {
            r += size_of(n->left) + 1;
            n = n->right;
        }
    }
    *rank = r + size_of(x->left);
    return true;
}

void zset_at(const struct zset *z, size_t rank, struct zset_member *m)
{
    assert(rank < zset_len(z));
    const struct znode *n = z->root;
    for (;;) {
        size_t ls = size_of(n->left);
        if (rank < ls) {
            n = n->left;
        } else if (rank == ls) {
            break;
        } else {
            rank -= ls + 1;
            n = n->right;
        }
    }
    m->ptr = n->member;
    m->len = n->len;
    m->score = n->score;
}

size_t zset_count_below(const struct zset *z, double score, bool inclusive)
{
    size_t count = 0;
    const struct znode *n = z->root;
    while (n != NULL) {
        if (n->score < score || (inclusive && n->score == score)) {
            count += size_of(n->left) + 1;
            n = n->right;
        } else {
            n = n->left;
        }
    }
    return count;
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
            z->root = tree_remove(z->root, n);
            n->score = score;
            z->root = tree_insert(z->root, n);
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
    z->root = tree_insert(z->root, n);
    if (added)
        *added = true;
    return ZSET_OK;
}

bool zset_remove(struct zset *z, const void *member, size_t len)
{
    struct znode *n = hashmap_get(z->map, member, len);
    if (n == NULL)
        return false;
    z->root = tree_remove(z->root, n);
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
    struct zset_member m;
    for (size_t i = 0; i < zset_len(z); i++) {
        zset_at(z, i, &m);
        fn(&m, ud);
    }
    return 0;
}

/* ==== testing ================================================================== */

static void check_node(const struct zset *z, const struct znode *n, const struct znode **prev)
{
    if (n == NULL)
        return;
    check_node(z, n->left, prev);
    if (*prev != NULL)
        assert(cmp_node((*prev)->score, (*prev)->member, (*prev)->len, n) < 0);
    *prev = n;
    assert(!isnan(n->score));
    assert(hashmap_get(z->map, n->member, n->len) == n);
    int hl = height_of(n->left), hr = height_of(n->right);
    assert(hl - hr <= 1 && hr - hl <= 1);
    assert(n->height == 1 + (hl > hr ? hl : hr));
    assert(n->size == 1 + size_of(n->left) + size_of(n->right));
    check_node(z, n->right, prev);
}

void zset__check_invariants(const struct zset *z)
{
    const struct znode *prev = NULL;
    check_node(z, z->root, &prev);
    assert(hashmap_size(z->map) == zset_len(z));
}
