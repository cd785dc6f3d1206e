/*
 * avl.h - Grove's one balanced search tree: an intrusive AVL tree with
 * parent links and subtree sizes (an order-statistic tree).
 *
 * Glossary
 *   node      struct avl_node, embedded in the caller's own struct; the
 *             caller gets its struct back with avl_entry (container_of).
 *             The tree never allocates or frees anything.
 *   key       whatever the caller compares by, passed as `const void *`
 *             to its compare callback; the tree never looks inside.
 *   cmp       int cmp(const void *key, const struct avl_node *n): <0, 0,
 *             >0 as key orders before, with, after n. It must agree with
 *             the order of the nodes already in the tree.
 *   order     in-order (ascending); "first" is the smallest node.
 *   rank      a node's 0-based position in that order.
 *   size      the number of nodes in a node's subtree (avl_count for the
 *             whole tree).
 *   height    a leaf has height 1; every node's two subtrees differ in
 *             height by at most 1, so a tree of n nodes has height under
 *             1.44 log2(n + 2) (< AVL_MAX_HEIGHT for any n that fits in
 *             memory).
 *
 * Lookups (avl_find, avl_insert's descent, avl_upper_bound,
 * avl_count_before) are static inline here, so a caller's static cmp is
 * inlined into the loop and costs no indirect call. Everything that
 * changes the shape (linking, unlinking, rotations) is in avl.c.
 *
 * Complexity: insert, remove, find, rank, select, count: O(log n).
 * avl_next: O(1) amortised over a whole walk, O(log n) worst.
 *
 * Errors: none; there is nothing to fail. Misuse (inserting a node twice,
 * removing a node that is not in the tree) breaks asserted invariants.
 *
 * Thread safety: none; the owner serialises all calls. Reads change
 * nothing, so a tree nobody changes may be read by several threads.
 */
#ifndef GROVE_AVL_H
#define GROVE_AVL_H

#include <stddef.h>
#include <stdint.h>

#define AVL_MAX_HEIGHT 92 /* > 1.44 log2(2^64 + 2): no tree gets taller */

struct avl_node {
    struct avl_node *left, *right;
    struct avl_node *parent; /* NULL at the root */
    uint64_t height : 8;     /* leaf = 1 */
    uint64_t size : 56;      /* nodes in this subtree */
};

struct avl_tree {
    struct avl_node *root;
};

typedef int (*avl_cmp_fn)(const void *key, const struct avl_node *n);

/* The struct of type `type` whose member `member` is the node `n`. */
#define avl_entry(n, type, member) ((type *)(void *)((char *)(n) - offsetof(type, member)))

/* ---- lifecycle ------------------------------------------------------------ */

/* An empty tree. Dropping a tree needs nothing: free the nodes, in
 * post-order (avl_first_postorder) if they are freed during the walk. */
static inline void avl_init(struct avl_tree *t)
{
    t->root = NULL;
}

/* ---- reading -------------------------------------------------------------- */

static inline size_t avl_size_of(const struct avl_node *n)
{
    return n ? (size_t)n->size : 0;
}

static inline size_t avl_count(const struct avl_tree *t)
{
    return avl_size_of(t->root);
}

/* 0 for an empty tree. */
static inline int avl_height(const struct avl_tree *t)
{
    return t->root ? (int)t->root->height : 0;
}

/* The node comparing equal to key, or NULL. */
static inline struct avl_node *avl_find(const struct avl_tree *t, const void *key,
                                        avl_cmp_fn cmp)
{
    struct avl_node *n = t->root;
    while (n) {
        int c = cmp(key, n);
        if (c == 0)
            return n;
        n = c < 0 ? n->left : n->right;
    }
    return NULL;
}

/* The first node ordered after key (cmp(key, n) < 0), or NULL. key need
 * not be in the tree: an iterator whose current node was removed finds
 * its way on from the removed node's key. */
static inline struct avl_node *avl_upper_bound(const struct avl_tree *t, const void *key,
                                               avl_cmp_fn cmp)
{
    struct avl_node *n = t->root, *best = NULL;
    while (n) {
        if (cmp(key, n) < 0) {
            best = n;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}

/* How many nodes order before key (cmp(key, n) > 0). */
static inline size_t avl_count_before(const struct avl_tree *t, const void *key,
                                      avl_cmp_fn cmp)
{
    size_t count = 0;
    const struct avl_node *n = t->root;
    while (n) {
        if (cmp(key, n) > 0) {
            count += avl_size_of(n->left) + 1;
            n = n->right;
        } else {
            n = n->left;
        }
    }
    return count;
}

/* n's rank; n must be in the tree. */
size_t avl_rank(const struct avl_node *n);
/* The node of rank `rank`; rank must be < avl_count(t). */
struct avl_node *avl_at(const struct avl_tree *t, size_t rank);

/* ---- walking -------------------------------------------------------------- */

/* In order. NULL at the end (and for an empty tree). The tree must not
 * change during a walk, except by removing the node just returned after
 * taking its successor. */
struct avl_node *avl_first(const struct avl_tree *t);
struct avl_node *avl_next(const struct avl_node *n);
/* The same walk backwards: the node before n, NULL at the start. */
struct avl_node *avl_prev(const struct avl_node *n);

/* Post-order: children before their parent, so each node may be freed or
 * reused as soon as it is returned, once its successor has been taken:
 *   for (n = avl_first_postorder(t); n; n = next) {
 *       next = avl_next_postorder(n);
 *       free(avl_entry(n, ...));
 *   }
 * The tree is garbage afterwards: avl_init it before using it again. */
struct avl_node *avl_first_postorder(const struct avl_tree *t);
struct avl_node *avl_next_postorder(const struct avl_node *n);

/* ---- writing -------------------------------------------------------------- */

/* Link node n, not in any tree, under `parent` at *link (the NULL child
 * pointer a descent ended on, or &t->root for an empty tree) and
 * rebalance. Used by avl_insert; callers that find the place themselves
 * may call it directly. */
void avl__link(struct avl_tree *t, struct avl_node *n, struct avl_node *parent,
               struct avl_node **link);

/* Insert n, whose key is `key`, unless a node comparing equal is already
 * there: returns NULL when n was inserted, else that node (n untouched).
 * The tree holds no duplicates; a caller wanting them orders ties by a
 * unique tie-breaker (an address, a sequence number). */
static inline struct avl_node *avl_insert(struct avl_tree *t, struct avl_node *n,
                                          const void *key, avl_cmp_fn cmp)
{
    struct avl_node **link = &t->root, *parent = NULL;
    while (*link) {
        parent = *link;
        int c = cmp(key, parent);
        if (c == 0)
            return parent;
        link = c < 0 ? &parent->left : &parent->right;
    }
    avl__link(t, n, parent, link);
    return NULL;
}

/* Unlink n (in t) and rebalance; n's links are left stale. Needs no
 * compare: the parent links lead the way up. */
void avl_remove(struct avl_tree *t, struct avl_node *n);

/* ---- testing -------------------------------------------------------------- */

/* Check the structure: parent links, heights, balance and sizes (not the
 * key order: walk avl_first/avl_next and compare neighbours with the
 * caller's own order). Always on, NDEBUG or not: aborts with the broken
 * invariant on stderr. Returns the node count. */
size_t avl__check_invariants(const struct avl_tree *t);

#endif
