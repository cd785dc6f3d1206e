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
 *   its 40-byte header, where the node's count is the list's, so a small
 *   list is two allocations, header and buffer (Redis: robj, quicklist,
 *   node and listpack); from two nodes on, the array is allocated with
 *   the total count and capacity in front.
 *
 *   Nodes are cut, split and merged exactly as Redis 7.0's quicklist does
 *   it, so DUMP can write them as they are and match redis-server byte for
 *   byte for a list built by the same commands, and a RESTOREd list keeps
 *   the nodes it came with:
 *   - bound (_quicklistNodeAllowInsert), from list-max-listpack-size when
 *     the list was created: with fill -1..-5 a node's listpack size
 *     (entries + 7 header/terminator bytes) plus the new element's length
 *     plus 8 must stay within 4/8/16/32/64 KB; with fill >= 0 (clamped to
 *     32767) within 8 KB and `fill` elements; fill below -5 counts as -5.
 *   - a push goes into the end node when it may take it, else into a new
 *     node; an LINSERT into a full node goes into the neighbour when the
 *     pivot is at that edge and the neighbour may take it, else into a
 *     new node there, else the node is split beside the pivot, the element
 *     joins the new part and the nodes around are merged where two fit in
 *     one (_quicklistMergeNodes).
 *   - LSET replaces in place, whatever the size; removals only drop the
 *     nodes they empty.
 *   Buffers are sized exactly (as Redis's listpack), so memory follows the
 *   bytes; a write skips realloc while malloc's rounding leaves room.
 *
 *   Redis's packed_threshold plain nodes (elements of 1 GB and more) are
 *   not needed: an entry holds up to 4 GB; larger elements are ENOMEM.
 *
 *   list-compress-depth D > 0 (read when the list is created, as the
 *   fill): every node more than D nodes from either end is kept packed
 *   (__quicklistCompress), its buffer the LZF compression of its whole
 *   listpack (header, entries, terminator) behind a 32-bit size, exactly
 *   the bytes Redis keeps, so DUMP and RDB write them as they are
 *   (rdbSaveLzfBlob). A node packs only from 48 listpack bytes and when
 *   LZF saves more than 8; otherwise it stays plain, as in Redis.
 *   - which nodes are packed follows quicklist's calls: when the node
 *     count changes the D nodes at each end are unpacked and the first
 *     interior node from each end packed (settle); a write inside
 *     unpacks its node and packs it again after as quicklist does for
 *     that command (LINSERT repacks only what was packed, LSET and the
 *     nodes LREM and LINSERT's search pass are packed when interior).
 *   - reads decompress a packed node into this thread's scratch buffer
 *     (lzf_thread_scratch) and leave the node packed; an iterator reads
 *     its next node only when it enters it, so the entry it handed out
 *     last stays valid until then. Redis's reading iterators also pack
 *     the plain interior nodes they pass (quicklistCompress as they let
 *     go); reads here are const, so the commands call list_reads_done
 *     after LINDEX, LRANGE and LPOS for the same effect.
 *   - left different: a node Redis once decompressed "for use" may keep
 *     its recompress flag while plain, and an LINSERT beside it later
 *     packs it in Redis only.
 *   - decompressing cannot fail but for memory; neither a read nor a pop
 *     can report that, so the process aborts then, as zmalloc does.
 *
 * Complexity: see list.h. Destroying a list frees one buffer per node,
 *   so even a list of millions of elements goes in a few thousand frees,
 *   packed or not. Reading or changing a packed node costs O(node bytes)
 *   more (LZF both ways), as in Redis.
 *
 * Thread safety: none (the shard lock guards the key holding the list).
 */
#include "list.h"

#include <assert.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "listpack.h"
#include "lzf.h"

#define FILL_MAX 32767     /* quicklist's FILL_MAX */
#define FILL_MIN (-5)
#define SAFETY_LIMIT 8192  /* SIZE_SAFETY_LIMIT: a node bounded by count stays within it */
#define SIZE_ESTIMATE 8    /* SIZE_ESTIMATE_OVERHEAD */
#define MERGE_ESTIMATE 11  /* what _quicklistNodeAllowMerge subtracts */
#define NODES_MIN_CAP 4
#define NODE_SHRINK_MIN 32 /* slack worth a realloc: glibc's smallest chunk */
#define COUNT_MAX ((1u << 30) - 1) /* a node's count has 30 bits */
#define LARGE_DEFAULT (1ull << 30)  /* quicklist's packed_threshold: 1 GB */
#define LARGE_MAX ((1ull << 32) - (1ull << 20))
#define DEPTH_MAX 65535     /* quicklist's COMPRESS_MAX */
#define MIN_COMPRESS_BYTES 48  /* quicklist: smaller listpacks stay as they are */
#define MIN_COMPRESS_IMPROVE 8 /* quicklist: packing must save more than this */
#define LZF_SIZE_WORD 4        /* a packed buffer's leading compressed size */

static const size_t level_bytes[] = {4096, 8192, 16384, 32768, 65536};

/* Elements at least this long live alone in their node (quicklist's
 * packed_threshold, which DEBUG QUICKLIST-PACKED-THRESHOLD sets for the
 * whole process). */
static _Atomic unsigned long long large_threshold = LARGE_DEFAULT;

/* A node's buffer holds its entries as they are (`bytes` of them), or,
 * when `lzf`, a packed node: the LZF compression of its whole listpack
 * (header, entries, terminator: what Redis compresses), behind the
 * compressed size as a 32-bit word, as Redis's quicklistLZF. */
struct node {
    unsigned char *buf; /* NULL when empty */
    uint32_t bytes;     /* the entries' size, packed or not */
    uint32_t count : 30;
    uint32_t lzf : 1;
    uint32_t alone : 1; /* one large element, kept alone (Redis's plain node) */
};

/* The node array of a list of two nodes or more: a header, then nodes. */
struct node_array {
    size_t count; /* elements, all nodes */
    uint32_t cap;
    struct node nodes[];
};

/* 40 bytes (a 48-byte malloc chunk): a list of one node keeps it here,
 * and its element count is the node's. */
struct list {
    struct object_boxed boxed; /* first: the keyspace holds &boxed */
    struct node *nodes;        /* &one, or a node_array's nodes */
    struct node one;
    uint32_t nnodes;
    int16_t fill;   /* list-max-listpack-size when created, clamped */
    uint16_t depth; /* list-compress-depth when created, clamped */
};

static_assert(sizeof(struct node) == 16, "a node is 16 bytes");
static_assert(sizeof(struct list) == 40, "a list header fits a 48-byte malloc chunk");

static void boxed_free_cb(struct object_boxed *b);
static struct object_boxed *boxed_dup_cb(const struct object_boxed *b);

static const struct object_boxed_ops list_ops = {
    .free_cb = boxed_free_cb,
    .dup_cb = boxed_dup_cb,
};

/* ==== node bounds ============================================================= */

/* Whether a node whose listpack would be lp_bytes long with `count`
 * elements is within the bound. */
static bool within(int fill, size_t lp_bytes, size_t count)
{
    if (fill < 0)
        return lp_bytes <= level_bytes[-fill - 1];
    return lp_bytes <= SAFETY_LIMIT && count <= (size_t)fill;
}

static bool is_large(size_t len)
{
    return len >= atomic_load_explicit(&large_threshold, memory_order_relaxed);
}

bool list_set_large_threshold(unsigned long long bytes)
{
    if (bytes > LARGE_MAX)
        return false;
    atomic_store(&large_threshold, bytes == 0 ? LARGE_DEFAULT : bytes);
    return true;
}

/* _quicklistNodeAllowInsert: may the node take an element of len bytes?
 * Never a large one, nor beside one. */
static bool can_take(const struct list *l, const struct node *nd, size_t len)
{
    if (nd->alone || is_large(len))
        return false;
    return within(l->fill, nd->bytes + LISTPACK_EMPTY + len + SIZE_ESTIMATE, nd->count + 1u);
}

/* _quicklistNodeAllowMerge: may nodes a and b become one? Redis 7.0
 * estimates the merged listpack as both sizes minus 11 (a ziplist's
 * header and end, kept from before listpacks). */
static bool can_merge(const struct list *l, const struct node *a, const struct node *b)
{
    if (a->alone || b->alone)
        return false;
    size_t lp_bytes = (size_t)a->bytes + b->bytes + 2 * LISTPACK_EMPTY - MERGE_ESTIMATE;
    return within(l->fill, lp_bytes, (size_t)a->count + b->count);
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

/* An entry for s, placed at off (s must not point into the node). The
 * buffer grows to the exact size, as a listpack does, unless malloc's
 * rounding left room. */
static int node_insert(struct node *nd, size_t off, const void *s, size_t len)
{
    size_t esz = listpack_entry_size(s, len);
    if (esz > UINT32_MAX - nd->bytes || nd->count == COUNT_MAX)
        return LIST_ENOMEM;
    size_t need = nd->bytes + esz;
    unsigned char *b = nd->buf;
    if ((b == NULL || malloc_usable_size(b) < need) && (b = realloc(b, need)) == NULL)
        return LIST_ENOMEM;
    memmove(b + off + esz, b + off, nd->bytes - off);
    listpack_encode(b + off, s, len);
    nd->buf = b;
    nd->bytes = (uint32_t)need;
    nd->count++;
    return LIST_OK;
}

/* Give back what the buffer no longer uses, when malloc can (a chunk
 * splits off 32 bytes or more); a failed shrink is fine. */
static void node_fit(struct node *nd)
{
    if (nd->bytes == 0) {
        free(nd->buf);
        nd->buf = NULL;
        return;
    }
    if (malloc_usable_size(nd->buf) - nd->bytes < NODE_SHRINK_MIN)
        return;
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

/* ==== packed nodes ============================================================ */

/* Decompress a packed node's listpack into out (bytes + LISTPACK_EMPTY
 * long). The bytes were compressed here, so this cannot fail. */
static void unpack_into(const struct node *nd, unsigned char *out)
{
    uint32_t csz;
    size_t written, raw = (size_t)nd->bytes + LISTPACK_EMPTY;
    memcpy(&csz, nd->buf, sizeof(csz));
    int rc = lzf_decompress(nd->buf + LZF_SIZE_WORD, csz, out, raw, &written);
    assert(rc == LZF_OK && written == raw);
    (void)rc;
}

/* Reading a packed node, or changing one, needs its bytes back, and
 * neither a read nor a pop can report running out of memory: the process
 * stops there, as redis-server's zmalloc does. */
static void *must(void *p)
{
    if (p == NULL)
        abort();
    return p;
}

/* The node as a reader sees it: a packed node's entries decompressed into
 * this thread's scratch buffer, valid until the next read or write of a
 * packed node on this thread (Redis decompresses it for the read too). */
static struct node readable(const struct node *nd)
{
    struct node v = *nd;
    if (nd->lzf) {
        unsigned char *out = must(lzf_thread_scratch((size_t)nd->bytes + LISTPACK_EMPTY));
        unpack_into(nd, out);
        v.buf = out + LISTPACK_HEADER;
        v.lzf = 0;
    }
    return v;
}

/* A packed node plain again, before a write changes it. */
static void unpack(struct node *nd)
{
    if (!nd->lzf)
        return;
    unsigned char *b = must(malloc((size_t)nd->bytes + LISTPACK_EMPTY));
    unpack_into(nd, b);
    memmove(b, b + LISTPACK_HEADER, nd->bytes);
    free(nd->buf);
    nd->buf = b;
    nd->lzf = 0;
}

/* __quicklistCompressNode: pack a plain node when its listpack is at
 * least MIN_COMPRESS_BYTES long and LZF saves more than
 * MIN_COMPRESS_IMPROVE bytes of it, compressing exactly the bytes Redis
 * compresses so that DUMP can copy them as Redis does. Otherwise, or out
 * of memory, it stays plain, which is always correct. */
static void pack(struct node *nd)
{
    size_t raw = (size_t)nd->bytes + LISTPACK_EMPTY;
    if (nd->lzf || raw < MIN_COMPRESS_BYTES || raw >= LZF_MAX_INPUT)
        return;
    struct lzf_state *st = lzf_thread_state();
    unsigned char *in = lzf_thread_scratch(2 * raw);
    if (st == NULL || in == NULL)
        return;
    unsigned char *out = in + raw;
    listpack_store_header(in, (uint32_t)raw, nd->count);
    memcpy(in + LISTPACK_HEADER, nd->buf, nd->bytes);
    in[raw - 1] = 0xFF; /* the listpack's terminator */
    size_t csz = lzf_compress(st, in, raw, out, raw);
    unsigned char *b;
    if (csz == 0 || csz + MIN_COMPRESS_IMPROVE >= raw || (b = malloc(LZF_SIZE_WORD + csz)) == NULL)
        return;
    uint32_t word = (uint32_t)csz;
    memcpy(b, &word, sizeof(word));
    memcpy(b + LZF_SIZE_WORD, out, csz);
    free(nd->buf);
    nd->buf = b;
    nd->lzf = 1;
}

/* The bytes a node's buffer holds. */
static size_t node_buf_size(const struct node *nd)
{
    uint32_t csz;
    if (!nd->lzf)
        return nd->bytes;
    memcpy(&csz, nd->buf, sizeof(csz));
    return LZF_SIZE_WORD + (size_t)csz;
}

/* ==== the node array ========================================================== */

static bool nodes_inline(const struct list *l)
{
    return l->nodes == &l->one;
}

static struct node_array *array_of(const struct list *l)
{
    return (struct node_array *)((char *)l->nodes - offsetof(struct node_array, nodes));
}

static size_t nodes_cap(const struct list *l)
{
    return nodes_inline(l) ? 1 : array_of(l)->cap;
}

/* The element count changes by +n or -n (inline, the node holds it). */
static void count_add(struct list *l, size_t n)
{
    if (!nodes_inline(l))
        array_of(l)->count += n;
}

static void count_sub(struct list *l, size_t n)
{
    if (!nodes_inline(l))
        array_of(l)->count -= n;
}

static int nodes_grow(struct list *l)
{
    size_t cap = nodes_inline(l) ? NODES_MIN_CAP : (size_t)array_of(l)->cap * 2;
    if (cap > UINT32_MAX)
        return LIST_ENOMEM;
    size_t size = sizeof(struct node_array) + cap * sizeof(struct node);
    struct node_array *a;
    if (nodes_inline(l)) {
        if ((a = malloc(size)) == NULL)
            return LIST_ENOMEM;
        a->count = list_len(l);
        a->nodes[0] = l->one;
    } else if ((a = realloc(array_of(l), size)) == NULL) {
        return LIST_ENOMEM;
    }
    a->cap = (uint32_t)cap;
    l->nodes = a->nodes;
    return LIST_OK;
}

/* After nodes went: back inside the header at one node, halve the array
 * while a quarter full (a failed shrink is fine). */
static void nodes_fit(struct list *l)
{
    if (nodes_inline(l))
        return;
    struct node_array *a = array_of(l);
    if (l->nnodes <= 1) {
        l->one = l->nnodes ? l->nodes[0] : (struct node){0};
        free(a);
        l->nodes = &l->one;
        return;
    }
    size_t cap = a->cap;
    while (cap > NODES_MIN_CAP && l->nnodes <= cap / 4)
        cap /= 2;
    if (cap == a->cap)
        return;
    a = realloc(a, sizeof(struct node_array) + cap * sizeof(struct node));
    if (a != NULL) {
        a->cap = (uint32_t)cap;
        l->nodes = a->nodes;
    }
}

/* An empty node at index `at` (0 <= at <= nnodes). */
static int nodes_open(struct list *l, size_t at)
{
    if (l->nnodes == nodes_cap(l) && nodes_grow(l) < 0)
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

/* Whether list-compress-depth keeps node ni packed: it is more than
 * `depth` nodes from either end. */
static bool interior(const struct list *l, size_t ni)
{
    return l->depth > 0 && ni >= l->depth && ni < l->nnodes && l->nnodes - ni > l->depth;
}

static void pack_if_interior(struct list *l, size_t ni)
{
    if (interior(l, ni))
        pack(&l->nodes[ni]);
}

/* __quicklistCompress after the node count changed: the `depth` nodes at
 * each end plain, and the first interior node from each end packed. The
 * nodes further in were packed when they became interior: nodes move in
 * one place at a time as nodes are added, and only outwards as they go. */
static void settle(struct list *l)
{
    size_t n = l->nnodes, d = l->depth < n ? l->depth : n;
    for (size_t i = 0; i < d; i++) {
        unpack(&l->nodes[i]);
        unpack(&l->nodes[n - 1 - i]);
    }
    if (n > d) {
        pack_if_interior(l, d);
        pack_if_interior(l, n - 1 - d);
    }
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

/* Merge node ni + 1 into node ni when both fit in one (a failed merge
 * leaves them apart); true if merged. */
static bool try_merge(struct list *l, size_t ni)
{
    if (ni + 1 >= l->nnodes || !can_merge(l, &l->nodes[ni], &l->nodes[ni + 1]))
        return false;
    unpack(&l->nodes[ni]);
    unpack(&l->nodes[ni + 1]);
    if (!merge_into(&l->nodes[ni], &l->nodes[ni + 1]))
        return false;
    nodes_close(l, ni + 1);
    settle(l);
    pack_if_interior(l, ni);
    return true;
}

/* _quicklistMergeNodes after a split around node c: the two nodes before
 * it, the two after it, then c with its neighbours. */
static void merge_around(struct list *l, size_t c)
{
    if (c >= 2 && try_merge(l, c - 2))
        c--;
    (void)try_merge(l, c + 1);
    if (c >= 1 && try_merge(l, c - 1))
        c--;
    (void)try_merge(l, c);
}

/* After removals: drop the nodes left empty, in one pass (Redis merges
 * nothing on removal either). */
static void drop_empty(struct list *l)
{
    size_t w = 0;
    for (size_t r = 0; r < l->nnodes; r++) {
        if (l->nodes[r].count == 0)
            free(l->nodes[r].buf);
        else
            l->nodes[w++] = l->nodes[r];
    }
    l->nnodes = (uint32_t)w;
    nodes_fit(l);
}

/* The node holding index i (< count), walked from the nearer end; *rank
 * is i's position in it. */
static size_t find_node(const struct list *l, size_t i, size_t *rank)
{
    size_t ni = 0, count = list_len(l);
    if (i < count / 2) {
        while (i >= l->nodes[ni].count)
            i -= l->nodes[ni++].count;
        *rank = i;
        return ni;
    }
    size_t back = count - 1 - i; /* position from the tail */
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
    l->nodes[ni + 1] = (struct node){b, (uint32_t)tail, nd->count - (uint32_t)r, 0, 0};
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
    long long fill = limits->list_max_listpack_size;
    long long depth = limits->list_compress_depth;
    l->boxed.ops = &list_ops;
    l->fill = (int16_t)(fill > FILL_MAX ? FILL_MAX : fill < FILL_MIN ? FILL_MIN : fill);
    l->depth = (uint16_t)(depth > DEPTH_MAX ? DEPTH_MAX : depth < 0 ? 0 : depth);
    l->nodes = &l->one;
    return l;
}

void list_destroy(struct list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->nnodes; i++)
        free(l->nodes[i].buf);
    if (!nodes_inline(l))
        free(array_of(l));
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

/* A node shaped as `shape` (count, bytes, packed or not) appended at
 * the tail, its buffer a copy of buf[0..size). */
static int append_node(struct list *l, const unsigned char *buf, size_t size, struct node shape)
{
    unsigned char *b = malloc(size);
    if (b == NULL)
        return LIST_ENOMEM;
    if (nodes_open(l, l->nnodes) < 0) {
        free(b);
        return LIST_ENOMEM;
    }
    memcpy(b, buf, size);
    shape.buf = b;
    l->nodes[l->nnodes - 1] = shape;
    count_add(l, shape.count);
    return LIST_OK;
}

struct list *list_dup(const struct list *l)
{
    struct list *copy = calloc(1, sizeof(*copy));
    if (copy == NULL)
        return NULL;
    *copy = (struct list){
        .boxed = l->boxed, .nodes = &copy->one, .fill = l->fill, .depth = l->depth};
    for (size_t i = 0; i < l->nnodes; i++) {
        const struct node *nd = &l->nodes[i];
        if (append_node(copy, nd->buf, node_buf_size(nd), *nd) < 0) {
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
    if (nodes_inline(l))
        return l->nnodes ? l->one.count : 0;
    return array_of(l)->count;
}

enum object_encoding list_encoding(const struct list *l)
{
    (void)l;
    return OBJECT_ENC_QUICKLIST;
}

size_t list_bytes(const struct list *l, size_t samples)
{
    size_t n = samples && samples < l->nnodes ? samples : l->nnodes, bufs = 0;
    for (size_t i = 0; i < n; i++)
        bufs += malloc_usable_size(l->nodes[i].buf);
    size_t fixed = malloc_usable_size((void *)l);
    if (!nodes_inline(l))
        fixed += malloc_usable_size(array_of(l));
    return fixed + (n ? (size_t)((double)bufs / (double)n * (double)l->nnodes) : 0);
}

void list_get(const struct list *l, size_t i, struct list_entry *out)
{
    assert(i < list_len(l));
    size_t rank, ni = find_node(l, i, &rank);
    struct node nd = readable(&l->nodes[ni]);
    entry_at(&nd, entry_offset(&nd, rank), out);
}

void list_peek(const struct list *l, enum list_where where, struct list_entry *out)
{
    assert(l->nnodes > 0);
    struct node nd = readable(&l->nodes[where == LIST_HEAD ? 0 : l->nnodes - 1]);
    entry_at(&nd, where == LIST_HEAD ? 0 : nd.bytes - listpack_prev_size(nd.buf + nd.bytes), out);
}

void list_iter_init(struct list_iter *it, const struct list *l, size_t start, bool backward)
{
    *it = (struct list_iter){.l = l, .backward = backward};
    size_t count = list_len(l), rank;
    if (count == 0)
        return;
    assert(start < count);
    it->left = backward ? start + 1 : count - start;
    it->node = find_node(l, start, &rank);
    struct node nd = readable(&l->nodes[it->node]);
    it->data = nd.buf;
    it->off = entry_offset(&nd, backward ? rank + 1 : rank);
}

/* The walk's node, read (decompressed) when the walk enters it, not when
 * it leaves the one before: the entry handed out last may live in the
 * thread's scratch buffer that reading a packed node reuses. */
static struct node iter_node(struct list_iter *it)
{
    if (it->data == NULL)
        it->data = readable(&it->l->nodes[it->node]).buf;
    struct node nd = it->l->nodes[it->node];
    nd.buf = (unsigned char *)it->data;
    return nd;
}

bool list_iter_next(struct list_iter *it, struct list_entry *out)
{
    if (it->left == 0)
        return false;
    struct node nd = iter_node(it);
    it->left--;
    if (!it->backward) {
        it->off += entry_at(&nd, it->off, out);
        if (it->off == nd.bytes && it->left > 0) {
            it->node++;
            it->off = 0;
            it->data = NULL;
        }
        return true;
    }
    it->off -= listpack_prev_size(nd.buf + it->off);
    entry_at(&nd, it->off, out);
    if (it->off == 0 && it->left > 0) {
        it->node--;
        it->off = it->l->nodes[it->node].bytes;
        it->data = NULL;
    }
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

int list_fill(const struct list *l)
{
    return l->fill;
}

int list_compress_depth(const struct list *l)
{
    return l->depth;
}

const unsigned char *list_node_entries(const struct list *l, size_t i, size_t *bytes,
                                       size_t *count)
{
    assert(i < l->nnodes);
    *bytes = l->nodes[i].bytes;
    *count = l->nodes[i].count;
    return readable(&l->nodes[i]).buf;
}

const unsigned char *list_node_lzf(const struct list *l, size_t i, size_t *lzf_bytes,
                                   size_t *lp_bytes)
{
    assert(i < l->nnodes);
    const struct node *nd = &l->nodes[i];
    if (!nd->lzf)
        return NULL;
    *lzf_bytes = node_buf_size(nd) - LZF_SIZE_WORD;
    *lp_bytes = (size_t)nd->bytes + LISTPACK_EMPTY;
    return nd->buf + LZF_SIZE_WORD;
}

void list_reads_done(struct list *l, size_t first, size_t last)
{
    if (l->depth == 0)
        return;
    assert(first <= last && last < list_len(l));
    size_t r, ni = find_node(l, first, &r), end = find_node(l, last, &r);
    for (; ni <= end; ni++)
        pack_if_interior(l, ni);
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
    unpack(nd);
    if (node_insert(nd, where == LIST_HEAD ? 0 : nd->bytes, bytes, len) < 0) {
        if (fresh)
            nodes_close(l, ni);
        return LIST_ENOMEM;
    }
    nd->alone = is_large(len); /* a large element always gets a fresh node */
    count_add(l, 1);
    if (fresh)
        settle(l);
    return LIST_OK;
}

void list_pop(struct list *l, enum list_where where)
{
    assert(l->nnodes > 0);
    size_t ni = where == LIST_HEAD ? 0 : l->nnodes - 1;
    struct node *nd = &l->nodes[ni];
    unpack(nd);
    if (where == LIST_HEAD) {
        node_delete(nd, 0, entry_size(nd, 0), 1);
    } else {
        size_t size = listpack_prev_size(nd->buf + nd->bytes);
        node_delete(nd, nd->bytes - size, size, 1);
    }
    count_sub(l, 1);
    if (nd->count == 0) {
        nodes_close(l, ni);
        settle(l);
    }
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

/* Insert into node ni before its entry of rank r, as quicklist does for
 * a node it decompresses for use: packed again after only if it was. */
static int insert_into(struct list *l, size_t ni, size_t r, const void *s, size_t len)
{
    struct node *nd = &l->nodes[ni];
    bool was_packed = nd->lzf;
    unpack(nd);
    int rc = node_insert(nd, entry_offset(nd, r), s, len);
    if (was_packed)
        pack(nd);
    return rc;
}

/* __quicklistInsertNode's compression after node `added` was put beside
 * node `old`: the ends settle and both are packed if interior. */
static void added_beside(struct list *l, size_t old, size_t added)
{
    settle(l);
    pack_if_interior(l, old);
    pack_if_interior(l, added);
}

/* A new node at `at` holding just the element, beside node `old`. */
static int insert_node(struct list *l, size_t at, size_t old, const void *s, size_t len)
{
    if (nodes_open(l, at) < 0)
        return LIST_ENOMEM;
    if (node_insert(&l->nodes[at], 0, s, len) < 0) {
        nodes_close(l, at);
        return LIST_ENOMEM;
    }
    l->nodes[at].alone = is_large(len);
    added_beside(l, old, at);
    return LIST_OK;
}

/* _quicklistInsert when node ni, which holds the pivot at rank r, is
 * full: into the neighbour on the insertion side when the pivot is at
 * that edge and the neighbour has room, else a new node there; else the
 * node splits beside the pivot, the element joins the new part, and
 * neighbours merge where they fit. */
static int insert_full(struct list *l, size_t ni, size_t r, bool after, const void *s, size_t len)
{
    struct node *nd = &l->nodes[ni];
    if (after && r == nd->count - 1u) {
        if (ni + 1 < l->nnodes && can_take(l, &l->nodes[ni + 1], len))
            return insert_into(l, ni + 1, 0, s, len);
        return insert_node(l, ni + 1, ni, s, len);
    }
    if (!after && r == 0) {
        if (ni > 0 && can_take(l, &l->nodes[ni - 1], len))
            return insert_into(l, ni - 1, l->nodes[ni - 1].count, s, len);
        return insert_node(l, ni, ni + 1, s, len);
    }
    size_t k = after ? r + 1 : r; /* the split: [0, k) and [k, count) */
    unpack(nd);
    if (split(l, ni, entry_offset(nd, k), k) < 0)
        return LIST_ENOMEM;
    if (is_large(len)) /* alone between the two parts */
        return insert_node(l, ni + 1, ni, s, len);
    int rc = after ? node_insert(&l->nodes[ni + 1], 0, s, len)
                   : node_insert(&l->nodes[ni], l->nodes[ni].bytes, s, len);
    size_t old = after ? ni : ni + 1; /* quicklist's node: the other part is new */
    added_beside(l, old, after ? ni + 1 : ni);
    if (rc == LIST_OK)
        merge_around(l, old);
    return rc;
}

int list_insert(struct list *l, size_t pivot, bool after, const void *bytes, size_t len)
{
    assert(pivot < list_len(l));
    if (len > UINT32_MAX - LISTPACK_ENTRY_MAX)
        return LIST_ENOMEM;
    size_t r, ni = find_node(l, pivot, &r);
    for (size_t i = 0; i < ni; i++) /* LINSERT's search packs the nodes it passed */
        pack_if_interior(l, i);
    struct node *nd = &l->nodes[ni];
    int rc = can_take(l, nd, len) ? insert_into(l, ni, after ? r + 1 : r, bytes, len)
                                  : insert_full(l, ni, r, after, bytes, len);
    if (rc == LIST_OK)
        count_add(l, 1);
    return rc;
}

static void delete_range(struct list *l, size_t start, size_t n);

/* LSET replaces in place whatever the node's size, as Redis 7.0 does,
 * except that a large value moves out of a shared node to one of its own
 * (inserted before the old element, which then goes: a failure changes
 * nothing). */
int list_set(struct list *l, size_t i, const void *bytes, size_t len)
{
    assert(i < list_len(l));
    if (len > UINT32_MAX - LISTPACK_ENTRY_MAX)
        return LIST_ENOMEM;
    size_t r, ni = find_node(l, i, &r);
    struct node *nd = &l->nodes[ni];
    if (is_large(len) && nd->count > 1) {
        int rc = list_insert(l, i, false, bytes, len);
        if (rc == LIST_OK)
            delete_range(l, i + 1, 1);
        return rc;
    }
    unpack(nd);
    size_t off = entry_offset(nd, r);
    int rc = node_replace(nd, off, entry_size(nd, off), bytes, len);
    if (rc == LIST_OK)
        nd->alone = is_large(len);
    pack_if_interior(l, ni); /* quicklistReplaceEntry's quicklistCompress */
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
    size_t i = list_len(l), found = 0, at = 0;
    list_iter_init(&it, l, i - 1, true);
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
    if (l->nnodes == 0)
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
        unpack(nd); /* quicklist's iterator packs every node it passed */
        filter_node(nd, &idx, from, bytes, len, limit, &removed);
        pack_if_interior(l, ni);
    }
    if (removed) {
        count_sub(l, removed);
        drop_empty(l);
        settle(l);
    }
    return removed;
}

/* Remove indexes [start, start + n). */
static void delete_range(struct list *l, size_t start, size_t n)
{
    if (n == 0)
        return;
    size_t r, ni = find_node(l, start, &r);
    pack_if_interior(l, ni); /* quicklistDelRange's iterator packs where it starts */
    for (size_t left = n; left > 0; ni++, r = 0) {
        struct node *nd = &l->nodes[ni];
        size_t take = nd->count - r < left ? nd->count - r : left;
        left -= take;
        if (take == nd->count) {
            free(nd->buf);
            *nd = (struct node){0};
            continue;
        }
        bool was_packed = nd->lzf;
        unpack(nd);
        size_t off = entry_offset(nd, r), end = off;
        for (size_t k = 0; k < take; k++)
            end += entry_size(nd, end);
        node_delete(nd, off, end - off, take);
        if (was_packed)
            pack(nd);
    }
    count_sub(l, n);
    drop_empty(l);
    settle(l);
}

void list_keep_range(struct list *l, size_t start, size_t n)
{
    size_t count = list_len(l);
    assert(start <= count && n <= count - start);
    delete_range(l, start + n, count - start - n);
    delete_range(l, 0, start);
}

int list_append_entries(struct list *l, const unsigned char *entries, size_t bytes,
                        size_t count)
{
    assert(count > 0 && bytes > 0);
    if (bytes > UINT32_MAX || count > COUNT_MAX)
        return LIST_ENOMEM;
    struct node shape = {NULL, (uint32_t)bytes, (uint32_t)count, 0, 0};
    if (append_node(l, entries, bytes, shape) < 0)
        return LIST_ENOMEM;
    settle(l);
    return LIST_OK;
}

/* ==== testing ================================================================= */

void list__check_invariants(const struct list *l)
{
    assert(l->boxed.ops == &list_ops);
    assert(nodes_inline(l) ? l->nnodes <= 1 : l->nnodes >= 2);
    assert(l->nnodes <= nodes_cap(l));
    size_t total = 0;
    for (size_t i = 0; i < l->nnodes; i++) {
        assert(l->nodes[i].count > 0 && l->nodes[i].bytes > 0 && l->nodes[i].buf != NULL);
        assert(!l->nodes[i].lzf || interior(l, i)); /* the ends stay plain */
        assert(!l->nodes[i].alone || l->nodes[i].count == 1);
        const struct node nd = readable(&l->nodes[i]);
        size_t off = 0, n = 0;
        while (off < nd.bytes) {
            struct listpack_value v;
            size_t size = listpack_decode(nd.buf + off, nd.bytes - off, &v);
            assert(size > 0);
            off += size;
            n++;
        }
        assert(off == nd.bytes && n == nd.count);
        total += n;
    }
    assert(total == list_len(l));
}
