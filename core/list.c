/*
 * list.c - the list value type: a packed list of nodes, after Redis's
 * quicklist.
 *
 * What
 *   The value behind LPUSH, LRANGE, LMOVE... A `struct list` starts with
 *   `struct object_boxed`, so a keyspace entry holds it by pointer and
 *   frees or deep-copies it (COPY) through the ops below.
 *
 * Design
 *   The elements are cut into runs, one per node; a node is one buffer of
 *   listpack entries (core/listpack.h: a length-prefixed string, or a
 *   small integer in 1..9 bytes, then a back-length), exactly the bytes
 *   between a Redis listpack's header and terminator:
 *
 *       nodes: [ {buf, bytes, count} | {buf, bytes, count} | ... ]
 *                  |
 *                  v
 *       buf:   [ 0x8a "i:00000001" 0x0b | 0x05 0x01 | ... ]
 *
 *   The node array (16 bytes a node) is the index: counts find the node of
 *   an index by walking from the nearer end, O(nodes); inside a node the
 *   entries are walked from the nearer end (forwards by their sizes,
 *   backwards by their back-lengths). A list of one node keeps it inside
 *   the list header, so a small list is two allocations: header and
 *   buffer (Redis: robj, quicklist, node and listpack).
 *
 *   Node bounds are Redis's (_quicklistNodeAllowInsert), read from
 *   list-max-listpack-size at each write: with fill -1..-5 a node's
 *   listpack size (entries + 7 header/terminator bytes) plus the new
 *   element's length plus 8 must stay within 4/8/16/32/64 KB; with fill
 *   >= 0 (clamped to 32767) within 8 KB and `fill` elements; fill below -5
 *   counts as -5. An element that fits nowhere gets a node of its own.
 *   Pushing at an end adds a node when the end node is full; inserting
 *   into a full node puts the element in the neighbour when it sits at
 *   the node's edge, else splits the node there. Removals merge a node
 *   with a neighbour when both together fill at most half a node (the
 *   half keeps a split and a merge from chasing each other), and drop
 *   empty nodes. Buffers are sized exactly (realloc per write, as
 *   Redis's listpack), so memory follows the bytes.
 *
 *   Redis's packed_threshold plain nodes (elements of 1 GB and more) are
 *   not needed: an entry holds up to 4 GB; larger elements are ENOMEM.
 *   list-compress-depth (LZF of interior nodes) is not implemented.
 *
 * Complexity: see list.h. Destroying a list frees one buffer per node,
 *   so even a list of millions of elements goes in a few thousand frees.
 *
 * Thread safety: none (the shard lock guards the key holding the list).
 */
#include "list.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "listpack.h"

#define FILL_MAX 32767     /* quicklist's FILL_MAX */
#define FILL_MIN (-5)
#define SAFETY_LIMIT 8192  /* SIZE_SAFETY_LIMIT: a node bounded by count stays within it */
#define SIZE_ESTIMATE 8    /* SIZE_ESTIMATE_OVERHEAD */
#define NODES_MIN_CAP 4

static const size_t level_bytes[] = {4096, 8192, 16384, 32768, 65536};

struct node {
    unsigned char *buf; /* `bytes` bytes of entries; NULL when empty */
    uint32_t bytes;
    uint32_t count;
};

struct list {
    struct object_boxed boxed; /* first: the keyspace holds &boxed */
    const struct object_limits *limits;
    struct node *nodes; /* &one while cap is 1 */
    size_t count;       /* elements, all nodes */
    uint32_t nnodes, cap;
    struct node one;
};

static void boxed_free_cb(struct object_boxed *b);
static struct object_boxed *boxed_dup_cb(const struct object_boxed *b);

static const struct object_boxed_ops list_ops = {
    .free_cb = boxed_free_cb,
    .dup_cb = boxed_dup_cb,
};

/* ==== node bounds ============================================================= */

static long long fill_of(const struct list *l)
{
    long long fill = l->limits->list_max_listpack_size;
    return fill > FILL_MAX ? FILL_MAX : fill < FILL_MIN ? FILL_MIN : fill;
}

/* Whether a node whose listpack would be lp_bytes long with `count`
 * elements is within the bound. */
static bool within(long long fill, size_t lp_bytes, size_t count)
{
    if (fill < 0)
        return lp_bytes <= level_bytes[-fill - 1];
    return lp_bytes <= SAFETY_LIMIT && count <= (size_t)fill;
}

/* _quicklistNodeAllowInsert: may the node take an element of len bytes? */
static bool can_take(const struct list *l, const struct node *nd, size_t len)
{
    return within(fill_of(l), nd->bytes + LISTPACK_EMPTY + len + SIZE_ESTIMATE, nd->count + 1u);
}

/* May nodes a and b become one? At most half a node together. */
static bool can_merge(const struct list *l, const struct node *a, const struct node *b)
{
    size_t bytes = (size_t)a->bytes + b->bytes, count = (size_t)a->count + b->count;
    return within(fill_of(l), 2 * bytes + LISTPACK_EMPTY, 2 * count);
}

/* ==== entries ================================================================= */

static size_t entry_size(const struct node *nd, size_t off)
{
    struct listpack_value v;
    size_t size = listpack_decode(nd->buf + off, nd->bytes - off, &v);
    assert(size > 0);
    return size;
}

/* The entry at off as a list_entry; returns its size. */
static size_t entry_at(const struct node *nd, size_t off, struct list_entry *out)
{
    struct listpack_value v;
    size_t size = listpack_decode(nd->buf + off, nd->bytes - off, &v);
    assert(size > 0);
    if (v.str != NULL) {
        out->ptr = (const char *)v.str;
        out->len = v.len;
    } else {
        out->len = object_format_int(out->buf, v.v);
        out->ptr = out->buf;
    }
    return size;
}

/* The byte offset of the entry of rank r (0 <= r <= count) in the node,
 * walked from the nearer end. */
static size_t entry_offset(const struct node *nd, size_t r)
{
    size_t off = 0;
    if (r <= nd->count / 2) {
        while (r-- > 0)
            off += entry_size(nd, off);
        return off;
    }
    off = nd->bytes;
    for (size_t k = nd->count - r; k > 0; k--)
        off -= listpack_prev_size(nd->buf + off);
    return off;
}

/* ==== one node ================================================================ */

/* An entry for the bytes, placed at off (s must not point into the node). */
static int node_insert(struct node *nd, size_t off, const void *s, size_t len)
{
    size_t esz = listpack_entry_size(s, len);
    if (esz > UINT32_MAX - nd->bytes || nd->count == UINT32_MAX)
        return LIST_ENOMEM;
    unsigned char *b = realloc(nd->buf, nd->bytes + esz);
    if (b == NULL)
        return LIST_ENOMEM;
    memmove(b + off + esz, b + off, nd->bytes - off);
    listpack_encode(b + off, s, len);
    nd->buf = b;
    nd->bytes += (uint32_t)esz;
    nd->count++;
    return LIST_OK;
}

/* Give back what the buffer no longer uses (a failed shrink is fine). */
static void node_fit(struct node *nd)
{
    if (nd->bytes == 0) {
        free(nd->buf);
        nd->buf = NULL;
        return;
    }
    unsigned char *b = realloc(nd->buf, nd->bytes);
    if (b != NULL)
        nd->buf = b;
}

/* Remove `n` entries, `size` bytes from off. */
static void node_delete(struct node *nd, size_t off, size_t size, size_t n)
{
    memmove(nd->buf + off, nd->buf + off + size, nd->bytes - off - size);
    nd->bytes -= (uint32_t)size;
    nd->count -= (uint32_t)n;
    node_fit(nd);
}

/* Replace the entry of `old` bytes at off with one for s. */
static int node_replace(struct node *nd, size_t off, size_t old, const void *s, size_t len)
{
    size_t esz = listpack_entry_size(s, len);
    size_t tail = nd->bytes - off - old;
    if (esz > old) {
        if (esz - old > UINT32_MAX - nd->bytes)
            return LIST_ENOMEM;
        unsigned char *b = realloc(nd->buf, nd->bytes + (esz - old));
        if (b == NULL)
            return LIST_ENOMEM;
        nd->buf = b;
    }
    memmove(nd->buf + off + esz, nd->buf + off + old, tail);
    listpack_encode(nd->buf + off, s, len);
    nd->bytes = (uint32_t)(off + esz + tail);
    if (esz < old)
        node_fit(nd);
    return LIST_OK;
}

/* ==== the node array ========================================================== */

static int nodes_grow(struct list *l)
{
    size_t cap = l->cap < NODES_MIN_CAP ? NODES_MIN_CAP : (size_t)l->cap * 2;
    if (cap > UINT32_MAX)
        return LIST_ENOMEM;
    struct node *nodes;
    if (l->nodes == &l->one) {
        if ((nodes = malloc(cap * sizeof(*nodes))) == NULL)
            return LIST_ENOMEM;
        nodes[0] = l->one;
    } else if ((nodes = realloc(l->nodes, cap * sizeof(*nodes))) == NULL) {
        return LIST_ENOMEM;
    }
    l->nodes = nodes;
    l->cap = (uint32_t)cap;
    return LIST_OK;
}

/* After nodes went: back inside the header at one node, halve the array
 * while a quarter full (a failed shrink is fine). */
static void nodes_fit(struct list *l)
{
    if (l->nodes == &l->one)
        return;
    if (l->nnodes <= 1) {
        l->one = l->nnodes ? l->nodes[0] : (struct node){0};
        free(l->nodes);
        l->nodes = &l->one;
        l->cap = 1;
        return;
    }
    size_t cap = l->cap;
    while (cap > NODES_MIN_CAP && l->nnodes <= cap / 4)
        cap /= 2;
    if (cap == l->cap)
        return;
    struct node *nodes = realloc(l->nodes, cap * sizeof(*nodes));
    if (nodes != NULL) {
        l->nodes = nodes;
        l->cap = (uint32_t)cap;
    }
}

/* An empty node at index `at` (0 <= at <= nnodes). */
static int nodes_open(struct list *l, size_t at)
{
    if (l->nnodes == l->cap && nodes_grow(l) < 0)
        return LIST_ENOMEM;
    memmove(&l->nodes[at + 1], &l->nodes[at], (l->nnodes - at) * sizeof(*l->nodes));
    l->nodes[at] = (struct node){0};
    l->nnodes++;
    return LIST_OK;
}

/* Remove node `at` and free its buffer. */
static void nodes_close(struct list *l, size_t at)
{
    free(l->nodes[at].buf);
    memmove(&l->nodes[at], &l->nodes[at + 1], (l->nnodes - at - 1) * sizeof(*l->nodes));
    l->nnodes--;
    nodes_fit(l);
}

/* Append node b's entries to node a (b is left as it was). */
static bool merge_into(struct node *a, const struct node *b)
{
    unsigned char *buf = realloc(a->buf, (size_t)a->bytes + b->bytes);
    if (buf == NULL)
        return false;
    memcpy(buf + a->bytes, b->buf, b->bytes);
    a->buf = buf;
    a->bytes += b->bytes;
    a->count += b->count;
    return true;
}

/* After removals from node ni: drop it if empty, else merge it with a
 * small neighbour. */
static void settle(struct list *l, size_t ni)
{
    if (l->nodes[ni].count == 0) {
        nodes_close(l, ni);
        return;
    }
    if (ni > 0 && can_merge(l, &l->nodes[ni - 1], &l->nodes[ni]) &&
        merge_into(&l->nodes[ni - 1], &l->nodes[ni])) {
        nodes_close(l, ni);
        return;
    }
    if (ni + 1 < l->nnodes && can_merge(l, &l->nodes[ni], &l->nodes[ni + 1]) &&
        merge_into(&l->nodes[ni], &l->nodes[ni + 1]))
        nodes_close(l, ni + 1);
}

/* After bulk removals: drop empty nodes and merge small neighbours, in
 * one pass over the array. */
static void tidy(struct list *l)
{
    size_t w = 0;
    for (size_t r = 0; r < l->nnodes; r++) {
        struct node *nd = &l->nodes[r];
        if (nd->count == 0) {
            free(nd->buf);
        } else if (w > 0 && can_merge(l, &l->nodes[w - 1], nd) &&
                   merge_into(&l->nodes[w - 1], nd)) {
            free(nd->buf);
        } else {
            l->nodes[w++] = *nd;
        }
    }
    l->nnodes = (uint32_t)w;
    nodes_fit(l);
}

/* The node holding index i (< count), walked from the nearer end; *rank
 * is i's position in it. */
static size_t find_node(const struct list *l, size_t i, size_t *rank)
{
    size_t ni = 0;
    if (i < l->count / 2) {
        while (i >= l->nodes[ni].count)
            i -= l->nodes[ni++].count;
        *rank = i;
        return ni;
    }
    size_t back = l->count - 1 - i; /* position from the tail */
    ni = l->nnodes - 1;
    while (back >= l->nodes[ni].count)
        back -= l->nodes[ni--].count;
    *rank = l->nodes[ni].count - 1 - back;
    return ni;
}

/* Cut node ni before its entry of rank r (0 < r < count) at byte off. */
static int split(struct list *l, size_t ni, size_t off, size_t r)
{
    size_t tail = l->nodes[ni].bytes - off;
    unsigned char *b = malloc(tail);
    if (b == NULL)
        return LIST_ENOMEM;
    memcpy(b, l->nodes[ni].buf + off, tail);
    if (nodes_open(l, ni + 1) < 0) {
        free(b);
        return LIST_ENOMEM;
    }
    struct node *nd = &l->nodes[ni];
    l->nodes[ni + 1] = (struct node){b, (uint32_t)tail, nd->count - (uint32_t)r};
    nd->bytes = (uint32_t)off;
    nd->count = (uint32_t)r;
    node_fit(nd);
    return LIST_OK;
}

/* ==== lifecycle =============================================================== */

struct list *list_create(const struct object_limits *limits)
{
    struct list *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return NULL;
    l->boxed.ops = &list_ops;
    l->limits = limits;
    l->nodes = &l->one;
    l->cap = 1;
    return l;
}

void list_destroy(struct list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->nnodes; i++)
        free(l->nodes[i].buf);
    if (l->nodes != &l->one)
        free(l->nodes);
    free(l);
}

struct object_boxed *list_boxed(struct list *l)
{
    return &l->boxed;
}

struct list *list_from_boxed(struct object_boxed *b)
{
    assert(b->ops == &list_ops);
    return (struct list *)b;
}

struct list *list_dup(const struct list *l)
{
    struct list *copy = list_create(l->limits);
    if (copy == NULL)
        return NULL;
    for (size_t i = 0; i < l->nnodes; i++) {
        const struct node *nd = &l->nodes[i];
        if (list_append_entries(copy, nd->buf, nd->bytes, nd->count) < 0) {
            list_destroy(copy);
            return NULL;
        }
    }
    return copy;
}

static void boxed_free_cb(struct object_boxed *b)
{
    list_destroy(list_from_boxed(b));
}

static struct object_boxed *boxed_dup_cb(const struct object_boxed *b)
{
    struct list *copy = list_dup((const struct list *)b);
    return copy ? &copy->boxed : NULL;
}

/* ==== reading ================================================================= */

size_t list_len(const struct list *l)
{
    return l->count;
}

enum object_encoding list_encoding(const struct list *l)
{
    (void)l;
    return OBJECT_ENC_QUICKLIST;
}

void list_get(const struct list *l, size_t i, struct list_entry *out)
{
    assert(i < l->count);
    size_t rank, ni = find_node(l, i, &rank);
    const struct node *nd = &l->nodes[ni];
    entry_at(nd, entry_offset(nd, rank), out);
}

void list_peek(const struct list *l, enum list_where where, struct list_entry *out)
{
    assert(l->count > 0);
    if (where == LIST_HEAD) {
        entry_at(&l->nodes[0], 0, out);
        return;
    }
    const struct node *nd = &l->nodes[l->nnodes - 1];
    entry_at(nd, nd->bytes - listpack_prev_size(nd->buf + nd->bytes), out);
}

void list_iter_init(struct list_iter *it, const struct list *l, size_t start, bool backward)
{
    *it = (struct list_iter){.l = l, .backward = backward};
    if (l->count == 0)
        return;
    assert(start < l->count);
    size_t rank;
    it->left = backward ? start + 1 : l->count - start;
    it->node = find_node(l, start, &rank);
    it->off = entry_offset(&l->nodes[it->node], rank);
}

bool list_iter_next(struct list_iter *it, struct list_entry *out)
{
    if (it->left == 0)
        return false;
    const struct node *nd = &it->l->nodes[it->node];
    size_t size = entry_at(nd, it->off, out);
    if (--it->left == 0)
        return true;
    if (!it->backward) {
        it->off += size;
        if (it->off == nd->bytes) {
            it->node++;
            it->off = 0;
        }
        return true;
    }
    if (it->off == 0) {
        nd = &it->l->nodes[--it->node];
        it->off = nd->bytes;
    }
    it->off -= listpack_prev_size(nd->buf + it->off);
    return true;
}

bool list_entry_equals(const struct list_entry *e, const void *bytes, size_t len)
{
    return e->len == len && (len == 0 || memcmp(e->ptr, bytes, len) == 0);
}

size_t list_node_count(const struct list *l)
{
    return l->nnodes;
}

const unsigned char *list_node_entries(const struct list *l, size_t i, size_t *bytes,
                                       size_t *count)
{
    assert(i < l->nnodes);
    *bytes = l->nodes[i].bytes;
    *count = l->nodes[i].count;
    return l->nodes[i].buf;
}

/* ==== writing at the ends ===================================================== */

int list_push(struct list *l, enum list_where where, const void *bytes, size_t len)
{
    if (len > UINT32_MAX - LISTPACK_ENTRY_MAX)
        return LIST_ENOMEM;
    size_t ni = where == LIST_HEAD ? 0 : l->nnodes - 1;
    bool fresh = l->nnodes == 0 || !can_take(l, &l->nodes[ni], len);
    if (fresh) {
        ni = where == LIST_HEAD ? 0 : l->nnodes;
        if (nodes_open(l, ni) < 0)
            return LIST_ENOMEM;
    }
    struct node *nd = &l->nodes[ni];
    if (node_insert(nd, where == LIST_HEAD ? 0 : nd->bytes, bytes, len) < 0) {
        if (fresh)
            nodes_close(l, ni);
        return LIST_ENOMEM;
    }
    l->count++;
    return LIST_OK;
}

void list_pop(struct list *l, enum list_where where)
{
    assert(l->count > 0);
    size_t ni = where == LIST_HEAD ? 0 : l->nnodes - 1;
    struct node *nd = &l->nodes[ni];
    if (where == LIST_HEAD) {
        node_delete(nd, 0, entry_size(nd, 0), 1);
    } else {
        size_t size = listpack_prev_size(nd->buf + nd->bytes);
        node_delete(nd, nd->bytes - size, size, 1);
    }
    l->count--;
    settle(l, ni);
}

int list_move(struct list *src, enum list_where from, struct list *dst, enum list_where to)
{
    if (src == dst && from == to)
        return LIST_OK; /* popped and pushed back where it was */
    struct list_entry e;
    list_peek(src, from, &e);
    char *copy = NULL;
    if (src == dst && e.ptr != e.buf) { /* the push may move the bytes */
        if ((copy = malloc(e.len ? e.len : 1)) == NULL)
            return LIST_ENOMEM;
        memcpy(copy, e.ptr, e.len);
        e.ptr = copy;
    }
    int rc = list_push(dst, to, e.ptr, e.len);
    free(copy);
    if (rc == LIST_OK)
        list_pop(src, from);
    return rc;
}

/* ==== writing inside ========================================================== */

/* The element goes before index i (0 < i < count), at rank r of node ni
 * (byte off), which cannot take it: into the previous node, a new node,
 * or a split of node ni. */
static int insert_full(struct list *l, size_t ni, size_t r, size_t off, const void *s,
                       size_t len)
{
    if (r == 0 && can_take(l, &l->nodes[ni - 1], len))
        return node_insert(&l->nodes[ni - 1], l->nodes[ni - 1].bytes, s, len);
    if (r > 0) {
        if (split(l, ni, off, r) < 0)
            return LIST_ENOMEM;
        if (can_take(l, &l->nodes[ni], len))
            return node_insert(&l->nodes[ni], l->nodes[ni].bytes, s, len);
        ni++;
        if (can_take(l, &l->nodes[ni], len))
            return node_insert(&l->nodes[ni], 0, s, len);
    }
    if (nodes_open(l, ni) < 0)
        return LIST_ENOMEM;
    if (node_insert(&l->nodes[ni], 0, s, len) < 0) {
        nodes_close(l, ni);
        return LIST_ENOMEM;
    }
    return LIST_OK;
}

int list_insert(struct list *l, size_t i, const void *bytes, size_t len)
{
    assert(i <= l->count);
    if (i == 0 || i == l->count)
        return list_push(l, i == 0 ? LIST_HEAD : LIST_TAIL, bytes, len);
    if (len > UINT32_MAX - LISTPACK_ENTRY_MAX)
        return LIST_ENOMEM;
    size_t r, ni = find_node(l, i, &r);
    size_t off = entry_offset(&l->nodes[ni], r);
    int rc = can_take(l, &l->nodes[ni], len) ? node_insert(&l->nodes[ni], off, bytes, len)
                                             : insert_full(l, ni, r, off, bytes, len);
    if (rc == LIST_OK)
        l->count++;
    return rc;
}

/* Remove the element at index i. */
static void delete_at(struct list *l, size_t i)
{
    size_t r, ni = find_node(l, i, &r);
    struct node *nd = &l->nodes[ni];
    size_t off = entry_offset(nd, r);
    node_delete(nd, off, entry_size(nd, off), 1);
    l->count--;
    settle(l, ni);
}

int list_set(struct list *l, size_t i, const void *bytes, size_t len)
{
    assert(i < l->count);
    if (len > UINT32_MAX - LISTPACK_ENTRY_MAX)
        return LIST_ENOMEM;
    size_t r, ni = find_node(l, i, &r);
    struct node *nd = &l->nodes[ni];
    size_t off = entry_offset(nd, r), old = entry_size(nd, off);
    size_t esz = listpack_entry_size(bytes, len);
    if (esz <= old || within(fill_of(l), nd->bytes - old + esz + LISTPACK_EMPTY, nd->count))
        return node_replace(nd, off, old, bytes, len);
    int rc = list_insert(l, i, bytes, len); /* the node is full: as LINSERT would */
    if (rc == LIST_OK)
        delete_at(l, i + 1);
    return rc;
}

/* Drop from node nd the entries equal to s that come at or after list
 * index `from`, while *removed < limit; *idx is the node's first index. */
static void filter_node(struct node *nd, size_t *idx, size_t from, const void *s, size_t len,
                        size_t limit, size_t *removed)
{
    size_t r = 0, w = 0, dropped = 0;
    while (r < nd->bytes) {
        struct list_entry e;
        size_t size = entry_at(nd, r, &e);
        if (*idx >= from && *removed < limit && list_entry_equals(&e, s, len)) {
            (*removed)++;
            dropped++;
        } else {
            if (w != r)
                memmove(nd->buf + w, nd->buf + r, size);
            w += size;
        }
        r += size;
        (*idx)++;
    }
    if (dropped) {
        nd->bytes = (uint32_t)w;
        nd->count -= (uint32_t)dropped;
        node_fit(nd);
    }
}

/* The index of the limit'th match counted from the tail, or 0 when there
 * are fewer: where a backward LREM starts removing. */
static size_t tail_matches_start(const struct list *l, const void *s, size_t len, size_t limit)
{
    struct list_iter it;
    struct list_entry e;
    size_t i = l->count, found = 0, at = 0;
    list_iter_init(&it, l, l->count - 1, true);
    while (found < limit && list_iter_next(&it, &e)) {
        i--;
        if (list_entry_equals(&e, s, len)) {
            found++;
            at = i;
        }
    }
    return found == limit ? at : 0;
}

size_t list_remove_matching(struct list *l, const void *bytes, size_t len, long long count)
{
    if (l->count == 0)
        return 0;
    size_t limit = count == 0 ? SIZE_MAX
                   : count > 0 ? (size_t)count
                               : (size_t)0 - (size_t)count; /* |LLONG_MIN| too */
    size_t from = 0, idx = 0, removed = 0;
    if (count < 0) {
        from = tail_matches_start(l, bytes, len, limit);
        limit = SIZE_MAX; /* every match from `from` on is one of the last |count| */
    }
    for (size_t ni = 0; ni < l->nnodes && removed < limit; ni++) {
        struct node *nd = &l->nodes[ni];
        if (idx + nd->count <= from) {
            idx += nd->count;
            continue;
        }
        filter_node(nd, &idx, from, bytes, len, limit, &removed);
    }
    if (removed) {
        l->count -= removed;
        tidy(l);
    }
    return removed;
}

/* Remove indexes [start, start + n). */
static void delete_range(struct list *l, size_t start, size_t n)
{
    if (n == 0)
        return;
    size_t r, ni = find_node(l, start, &r);
    for (size_t left = n; left > 0; ni++, r = 0) {
        struct node *nd = &l->nodes[ni];
        size_t take = nd->count - r < left ? nd->count - r : left;
        size_t off = entry_offset(nd, r), end = off;
        for (size_t k = 0; k < take; k++)
            end += entry_size(nd, end);
        node_delete(nd, off, end - off, take);
        left -= take;
    }
    l->count -= n;
    tidy(l);
}

void list_keep_range(struct list *l, size_t start, size_t n)
{
    assert(start <= l->count && n <= l->count - start);
    delete_range(l, start + n, l->count - start - n);
    delete_range(l, 0, start);
}

int list_append_entries(struct list *l, const unsigned char *entries, size_t bytes,
                        size_t count)
{
    assert(count > 0 && bytes > 0);
    if (bytes > UINT32_MAX || count > UINT32_MAX)
        return LIST_ENOMEM;
    unsigned char *b = malloc(bytes);
    if (b == NULL)
        return LIST_ENOMEM;
    if (nodes_open(l, l->nnodes) < 0) {
        free(b);
        return LIST_ENOMEM;
    }
    memcpy(b, entries, bytes);
    l->nodes[l->nnodes - 1] = (struct node){b, (uint32_t)bytes, (uint32_t)count};
    l->count += count;
    return LIST_OK;
}

/* ==== testing ================================================================= */

void list__check_invariants(const struct list *l)
{
    assert(l->boxed.ops == &list_ops);
    assert((l->nodes == &l->one) == (l->cap == 1));
    assert(l->nnodes <= l->cap);
    size_t total = 0;
    for (size_t i = 0; i < l->nnodes; i++) {
        const struct node *nd = &l->nodes[i];
        assert(nd->count > 0 && nd->bytes > 0 && nd->buf != NULL);
        size_t off = 0, n = 0;
        while (off < nd->bytes) {
            struct listpack_value v;
            size_t size = listpack_decode(nd->buf + off, nd->bytes - off, &v);
            assert(size > 0);
            off += size;
            n++;
        }
        assert(off == nd->bytes && n == nd->count);
        total += n;
    }
    assert(total == l->count);
}
