/*
 * avl.c - Grove's one balanced search tree: intrusive AVL with parent
 *         links and subtree sizes.
 *
 * ==========================================================================
 * What it is, who uses it
 * ==========================================================================
 * One tree algorithm for every ordered structure in core/:
 *
 *   - the tree bins of core/hashmap.c: a bucket chain longer than 8 turns
 *     into a tree ordered by (hash, key bytes, key length), so colliding
 *     keys cost O(log n), not O(n);
 *   - the sorted set of core/zset.c: members ordered by (score, member),
 *     with rank (ZRANK), select by rank (ZRANGE) and "how many below a
 *     score" (ZCOUNT) in O(log n).
 *
 * The node is embedded in the user's struct (as Linux's rbtree and BSD's
 * tree.h): the tree allocates nothing, and the user recovers its struct
 * with avl_entry. The order lives entirely in the caller's compare
 * callback, which sees a caller-defined key and a node.
 *
 * ==========================================================================
 * Layout
 * ==========================================================================
 *
 *     struct avl_node (32 bytes on 64-bit hosts)
 *     +--------+--------+--------+--------------------------------+
 *     | left   | right  | parent | height:8 |       size:56       |
 *     +--------+--------+--------+--------------------------------+
 *
 * Height fits in 8 bits (AVL_MAX_HEIGHT = 92: an AVL tree of height h
 * has at least F(h+2) - 1 nodes, more than 2^64 for h = 93), size in 56
 * (2^56 nodes of 32 bytes would be 2^61 bytes). Packing both in one word
 * keeps the node at four words, the size of the zset's old node, which
 * had no parent link.
 *
 * ==========================================================================
 * Design choices
 * ==========================================================================
 * Parent links, not a path stack. Both users remove a node they already
 * hold (the zset finds it through its member map, the hashmap through its
 * lookup), so removal needs no compare at all: it walks up from the node.
 * Rank walks up too, and in-order successor is O(1) amortised, so walks
 * need no key and no stack. The price is one pointer per node. All
 * algorithms are loops; nothing recurses.
 *
 * Subtree sizes in every tree, not behind a flag. The zset needs them;
 * the hashmap's tree bins do not, but keeping them costs one add per
 * level on the way up through nodes the rebalancing has just touched, no
 * memory (the word is shared with the height), and no branch. A flag or a
 * second node type would put a test in every rotation, or two copies of
 * the code in the binary, for a saving nobody could measure: tree bins
 * exist only when keys collide on the hash (see hashmap.c's
 * "Thresholds"), and bench_hashmap's "grove trees" row, where every key
 * is in one, measured no difference. The hashmap uses the sizes anyway,
 * to sample its tree bins uniformly.
 *
 * Lookups are static inline in avl.h so that each user's compare is
 * inlined into the descent; only the shape-changing code is here.
 *
 * ==========================================================================
 * Rebalancing
 * ==========================================================================
 * After a node is linked or unlinked, retrace() walks from the lowest
 * changed node towards the root, recomputing each node's height and size
 * from its children and rotating where the heights of the two subtrees
 * differ by 2. As soon as a subtree ends up with the height it had before
 * the change, nothing above can be out of balance; the rest of the walk
 * only adds +1 or -1 to the sizes. An insert does at most one (single or
 * double) rotation, a removal at most one per level.
 *
 * ==========================================================================
 * Conventions, thread safety, credits
 * ==========================================================================
 * No allocation, no global state, no locks: the owner serialises calls.
 * The invariant check (avl__check_invariants) is always on (INVARIANT,
 * not assert), for tests.
 * Credits: Adelson-Velsky and Landis (1962); the intrusive interface and
 * post-order walk follow Linux's lib/rbtree.c; the order-statistic
 * augmentation is CLRS chapter 14. The code is our own.
 */
#include "avl.h"

#include <assert.h>

#include "invariant.h"

static_assert(sizeof(void *) != 8 || sizeof(struct avl_node) == 32,
              "a node is four words: height and size share one");
static_assert(AVL_MAX_HEIGHT < 256, "the height is an 8-bit field");

/* ==========================================================================
 * Heights, sizes, rotations
 * ========================================================================== */

static unsigned height_of(const struct avl_node *n)
{
    return n ? (unsigned)n->height : 0;
}

/* Recompute n's height and size from its children. */
static void update(struct avl_node *n)
{
    unsigned l = height_of(n->left), r = height_of(n->right);
    n->height = 1 + (l > r ? l : r);
    n->size = 1 + avl_size_of(n->left) + avl_size_of(n->right);
    assert(n->height <= AVL_MAX_HEIGHT);
}

/* Make `to` take `from`'s place under parent (or at the root). */
static void replace_child(struct avl_tree *t, struct avl_node *parent, struct avl_node *from,
                          struct avl_node *to)
{
    if (!parent)
        t->root = to;
    else if (parent->left == from)
        parent->left = to;
    else
        parent->right = to;
    if (to)
        to->parent = parent;
}

/* n's child on `side`: 0 left, 1 right. */
static struct avl_node **child(struct avl_node *n, int side)
{
    return side ? &n->right : &n->left;
}

/* Lift n's child c on `side` into n's place; c's inner subtree b moves
 * under n. For side 0 (a right rotation; side 1 is its mirror image):
 *
 *        n              c
 *       / \            / \
 *      c   z   -->    a   n
 *     / \                / \
 *    a   b              b   z
 */
static struct avl_node *rotate(struct avl_tree *t, struct avl_node *n, int side)
{
    struct avl_node *c = *child(n, side);
    struct avl_node **inner = child(c, !side);
    *child(n, side) = *inner;
    if (*inner)
        (*inner)->parent = n;
    replace_child(t, n->parent, n, c);
    *inner = n;
    n->parent = c;
    update(n);
    update(c);
    return c;
}

/* Update n and restore |height(left) - height(right)| <= 1 there; returns
 * the root of what was n's subtree. When the heavy child leans the other
 * way, it is rotated first (the double rotation). */
static struct avl_node *rebalance(struct avl_tree *t, struct avl_node *n)
{
    update(n);
    unsigned l = height_of(n->left), r = height_of(n->right);
    if (l <= r + 1 && r <= l + 1)
        return n;
    int heavy = r > l;
    struct avl_node *c = *child(n, heavy);
    if (height_of(*child(c, heavy)) < height_of(*child(c, !heavy)))
        rotate(t, c, !heavy);
    return rotate(t, n, heavy);
}

/* From n (whose subtree gained or lost one node: delta) up to the root. */
static void retrace(struct avl_tree *t, struct avl_node *n, int delta)
{
    while (n) {
        unsigned before = n->height; /* not yet updated: the old height */
        n = rebalance(t, n);
        if (n->height == before)
            break;
        n = n->parent;
    }
    if (!n)
        return;
    for (n = n->parent; n; n = n->parent)
        n->size += (uint64_t)(int64_t)delta;
}

/* ==========================================================================
 * Writing
 * ========================================================================== */

void avl__link(struct avl_tree *t, struct avl_node *n, struct avl_node *parent,
               struct avl_node **link)
{
    assert(*link == NULL);
    assert(parent ? link == &parent->left || link == &parent->right : link == &t->root);
    n->left = n->right = NULL;
    n->parent = parent;
    n->height = 1;
    n->size = 1;
    *link = n;
    retrace(t, parent, +1);
}

static struct avl_node *leftmost(struct avl_node *n)
{
    while (n->left)
        n = n->left;
    return n;
}

/* n has two children: its successor s (leftmost of the right subtree,
 * so no left child) takes n's place, height and size included, so the
 * retrace sees the subtree heights as they were. Returns where the
 * retrace starts: the lowest node that lost a descendant. */
static struct avl_node *replace_by_successor(struct avl_tree *t, struct avl_node *n)
{
    struct avl_node *s = leftmost(n->right), *start = s;
    if (s->parent != n) {
        start = s->parent;
        start->left = s->right;
        if (s->right)
            s->right->parent = start;
        s->right = n->right;
        n->right->parent = s;
    }
    s->left = n->left;
    n->left->parent = s;
    replace_child(t, n->parent, n, s);
    s->height = n->height;
    s->size = n->size;
    return start;
}

void avl_remove(struct avl_tree *t, struct avl_node *n)
{
    assert(t->root && (n->parent || t->root == n));
    struct avl_node *start;
    if (n->left && n->right) {
        start = replace_by_successor(t, n);
    } else {
        start = n->parent;
        replace_child(t, n->parent, n, n->left ? n->left : n->right);
    }
    retrace(t, start, -1);
}

/* ==========================================================================
 * Reading and walking
 * ========================================================================== */

size_t avl_rank(const struct avl_node *n)
{
    size_t rank = avl_size_of(n->left);
    for (; n->parent; n = n->parent)
        if (n == n->parent->right)
            rank += avl_size_of(n->parent->left) + 1;
    return rank;
}

struct avl_node *avl_at(const struct avl_tree *t, size_t rank)
{
    assert(rank < avl_count(t));
    struct avl_node *n = t->root;
    for (;;) {
        size_t left = avl_size_of(n->left);
        if (rank == left)
            return n;
        if (rank < left) {
            n = n->left;
        } else {
            rank -= left + 1;
            n = n->right;
        }
    }
}

struct avl_node *avl_first(const struct avl_tree *t)
{
    return t->root ? leftmost(t->root) : NULL;
}

struct avl_node *avl_next(const struct avl_node *n)
{
    if (n->right)
        return leftmost(n->right);
    while (n->parent && n == n->parent->right)
        n = n->parent;
    return n->parent;
}

struct avl_node *avl_prev(const struct avl_node *n)
{
    if (n->left) {
        n = n->left;
        while (n->right)
            n = n->right;
        return (struct avl_node *)n;
    }
    while (n->parent && n == n->parent->left)
        n = n->parent;
    return n->parent;
}

/* The first node of n's subtree in post-order: go down, left when
 * possible, until a leaf. */
static struct avl_node *deepest_first(struct avl_node *n)
{
    for (;;) {
        if (n->left)
            n = n->left;
        else if (n->right)
            n = n->right;
        else
            return n;
    }
}

struct avl_node *avl_first_postorder(const struct avl_tree *t)
{
    return t->root ? deepest_first(t->root) : NULL;
}

/* Reads only n->parent and the parent's right subtree, which the walk has
 * not reached yet: n and everything before it may already be gone. */
struct avl_node *avl_next_postorder(const struct avl_node *n)
{
    struct avl_node *p = n->parent;
    if (p && n == p->left && p->right)
        return deepest_first(p->right);
    return p;
}

/* ==========================================================================
 * The invariant check
 * ========================================================================== */

/* Post-order, so each node's children are checked before it. */
size_t avl__check_invariants(const struct avl_tree *t)
{
    INVARIANT(!t->root || t->root->parent == NULL);
    for (const struct avl_node *n = avl_first_postorder(t); n; n = avl_next_postorder(n)) {
        unsigned l = height_of(n->left), r = height_of(n->right);
        INVARIANT(!n->left || n->left->parent == n);
        INVARIANT(!n->right || n->right->parent == n);
        INVARIANT(l <= r + 1 && r <= l + 1);
        INVARIANT(n->height == 1 + (l > r ? l : r));
        INVARIANT(n->height <= AVL_MAX_HEIGHT);
        INVARIANT(n->size == 1 + avl_size_of(n->left) + avl_size_of(n->right));
    }
    return avl_count(t);
}
