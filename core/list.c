/*
 * list.c - the list value type: a list of front-coded nodes, cut as
 * Redis's quicklist cuts its listpack nodes.
 *
 * What
 *   The value behind LPUSH, LRANGE, LMOVE... A `struct list` starts with
 *   `struct object_boxed`, so a keyspace entry holds it by pointer and
 *   frees or deep-copies it (COPY) through the ops below.
 *
 * Design
 *   The elements are cut into runs of consecutive elements, one per node;
 *   a node keeps them front-coded (core/frontpack.h): in runs of 8, the
 *   first element whole, each next one as the length of the prefix it
 *   shares with the one before and the rest, then an index of the runs.
 *   Keys and ids ("i:00000001", "i:00000002") take 3 or 4 bytes each
 *   where a listpack entry takes 12:
 *
 *       nodes: [ {fp, lp_bytes, flags} | {fp, lp_bytes, flags} | ... ]
 *                  |
 *                  v
 *       fp.buf: [ 0x15 "i:00000001" | 0x12 0x01 "2" | ... | index ]
 *
 *   The node array (24 bytes a node) is the index of nodes: counts find
 *   the node of an index by walking from the nearer end, O(nodes); inside
 *   a node the run index finds the run, and at most 8 elements are
 *   decoded. A list of one node keeps it inside its 48-byte header, where
 *   the node's count is the list's, so a small list is two allocations,
 *   header and buffer (Redis: robj, quicklist, node and listpack); from
 *   two nodes on, the array is allocated with the total count and
 *   capacity in front.
 *
 *   Each node also keeps lp_bytes, what its elements take as listpack
 *   entries (core/listpack.h), kept up to date by every write: the node
 *   boundaries are decided on it, not on the front-coded bytes, so that
 *   they stay Redis's, and DUMP and RDB rebuild each node as the listpack
 *   Redis holds (list_node_entries) and match redis-server byte for byte.
 *   Front coding saves bytes inside the nodes; the nodes hold as many
 *   elements as Redis's (a node of 8 KB of listpack holds about 3 KB).
 *
 *   Nodes are cut, split and merged exactly as Redis 7.0's quicklist does
 *   it, by their listpack size, so a list built by the same commands has
 *   Redis's nodes, and a RESTOREd list keeps the nodes it came with (each
 *   listpack re-encoded as it is loaded):
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
 *   not needed: an element of a node alone holds up to 4 GB, one sharing
 *   a node up to 512 MB (frontpack's bound; LSET past it is ENOMEM).
 *
 *   list-compress-depth D > 0 (read when the list is created, as the
 *   fill): every node more than D nodes from either end is packed as Redis
 *   packs it (__quicklistCompress): Redis compresses a node's listpack
 *   from 48 bytes when LZF saves more than 8, and such a node has `lzf`
 *   set here; DUMP and RDB then write the LZF of the listpack rebuilt
 *   from it (rdbSaveLzfBlob), the same bytes, as LZF is deterministic.
 *   The node itself keeps its front-coded elements LZF-compressed
 *   (`packed`, behind a 32-bit size; the run index is rebuilt when read)
 *   when that saves bytes, else plain: compressing what is already front
 *   coded saves less.
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
 *   more (LZF both ways), as in Redis; packing one compresses twice (the
 *   listpack for Redis's decision, then the elements), and DUMP rebuilds
 *   and compresses a packed node's listpack again.
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

#include "frontpack.h"
#include "listpack.h"
#include "lzf.h"

#define FILL_MAX 32767     /* quicklist's FILL_MAX */
#define FILL_MIN (-5)
#define SAFETY_LIMIT 8192  /* SIZE_SAFETY_LIMIT: a node bounded by count stays within it */
#define SIZE_ESTIMATE 8    /* SIZE_ESTIMATE_OVERHEAD */
#define MERGE_ESTIMATE 11  /* what _quicklistNodeAllowMerge subtracts */
#define NODES_MIN_CAP 4
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

/* A node: its elements front-coded (core/frontpack.h), or, when
 * `packed`, the LZF compression of the frontpack's element bytes behind
 * the compressed size as a 32-bit word (the index is rebuilt when read).
 * lp_bytes is what the elements take as listpack entries: the size
 * Redis's quicklist bounds, splits and merges by. */
struct node {
    struct frontpack fp; /* fp.buf NULL when empty */
    uint32_t lp_bytes;
    uint8_t packed; /* fp.buf is compressed */
    uint8_t lzf;    /* Redis's node is LZF-compressed (DUMP writes it so) */
    uint8_t alone;  /* one large element, kept alone (Redis's plain node) */
};

/* The node array of a list of two nodes or more: a header, then nodes. */
struct node_array {
    size_t count; /* elements, all nodes */
    uint32_t cap;
    struct node nodes[];
};

/* 48 bytes (a 64-byte malloc chunk): a list of one node keeps it here,
 * and its element count is the node's. */
struct list {
    struct object_boxed boxed; /* first: the keyspace holds &boxed */
    struct node *nodes;        /* &one, or a node_array's nodes */
    struct node one;
    uint32_t nnodes;
    int16_t fill;   /* list-max-listpack-size when created, clamped */
    uint16_t depth; /* list-compress-depth when created, clamped */
};

static_assert(sizeof(struct node) == 24, "a node is 24 bytes");
static_assert(sizeof(struct list) == 48, "a list header fits a 64-byte malloc chunk");

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
    return within(l->fill, nd->lp_bytes + LISTPACK_EMPTY + len + SIZE_ESTIMATE, nd->fp.count + 1u);
}

/* _quicklistNodeAllowMerge: may nodes a and b become one? Redis 7.0
 * estimates the merged listpack as both sizes minus 11 (a ziplist's
 * header and end, kept from before listpacks). */
static bool can_merge(const struct list *l, const struct node *a, const struct node *b)
{
    if (a->alone || b->alone)
        return false;
    size_t lp_bytes = (size_t)a->lp_bytes + b->lp_bytes + 2 * LISTPACK_EMPTY - MERGE_ESTIMATE;
    return within(l->fill, lp_bytes, (size_t)a->fp.count + b->fp.count);
}

/* ==== one node ================================================================ */

/* The bytes a plain node's buffer holds: elements and index. */
static size_t plain_size(const struct frontpack *fp)
{
    return (size_t)fp->bytes + 4 + 4 * frontpack_runs(fp);
}

/* An element read by rd as a list_entry: bytes the reader rebuilt are
 * copied into the entry, the rest stay borrowed from the node. */
static void to_entry(const struct frontpack_reader *rd, const unsigned char *ptr, size_t len,
                     struct list_entry *out)
{
    static_assert(sizeof(out->buf) >= sizeof(rd->buf), "an entry holds a rebuilt element");
    if (ptr == rd->buf) {
        frontpack__copy_words((unsigned char *)out->buf, ptr, len);
        ptr = (const unsigned char *)out->buf;
    }
    out->ptr = (const char *)ptr;
    out->len = len;
}

/* The listpack size of elements [rank, rank + n) of a plain view. */
static size_t lp_size_of(const struct frontpack *v, size_t rank, size_t n)
{
    struct frontpack_reader rd;
    size_t sum = 0;
    if (n == 0)
        return 0;
    frontpack_reader_at(&rd, v, rank);
    while (n-- > 0) {
        const unsigned char *ptr;
        size_t len = frontpack_read(&rd, &ptr);
        sum += listpack_entry_size(ptr, len);
    }
    return sum;
}

/* A copy of s before element `rank` of a plain node. */
static int node_insert(struct node *nd, size_t rank, const void *s, size_t len)
{
    size_t lp = listpack_entry_size(s, len);
    if (lp > UINT32_MAX - nd->lp_bytes)
        return LIST_ENOMEM;
    if (frontpack_insert(&nd->fp, rank, s, len) < 0)
        return LIST_ENOMEM;
    nd->lp_bytes += (uint32_t)lp;
    return LIST_OK;
}

static void lp_removed_cb(void *ud, const unsigned char *ptr, size_t len)
{
    struct node *nd = ud;
    nd->lp_bytes -= (uint32_t)listpack_entry_size(ptr, len);
}

/* Remove elements [rank, rank + n) of a plain node. */
static void node_delete(struct node *nd, size_t rank, size_t n)
{
    frontpack_delete(&nd->fp, rank, n, lp_removed_cb, nd);
}

/* Replace element `rank` of a plain node with s. */
static int node_replace(struct node *nd, size_t rank, const void *s, size_t len)
{
    size_t old = lp_size_of(&nd->fp, rank, 1), lp = listpack_entry_size(s, len);
    if (lp > old && lp - old > UINT32_MAX - nd->lp_bytes)
        return LIST_ENOMEM;
    if (frontpack_replace(&nd->fp, rank, s, len) < 0)
        return LIST_ENOMEM;
    nd->lp_bytes = (uint32_t)(nd->lp_bytes - old + lp);
    return LIST_OK;
}

/* ==== packed nodes ============================================================ */

/* Reading a packed node, or changing one, needs its bytes back, and
 * neither a read nor a pop can report running out of memory: the process
 * stops there, as redis-server's zmalloc does. */
static void *must(void *p)
{
    if (p == NULL)
        abort();
    return p;
}

/* A packed node's elements decompressed into mem, their index rebuilt
 * after them (frontpack_index_max more bytes): a plain view of it. The
 * bytes were compressed here, so this cannot fail. */
static struct frontpack unpack_into(const struct node *nd, unsigned char *mem)
{
    uint32_t csz;
    size_t written;
    memcpy(&csz, nd->fp.buf, sizeof(csz));
    int rc = lzf_decompress(nd->fp.buf + LZF_SIZE_WORD, csz, mem, nd->fp.bytes, &written);
    assert(rc == LZF_OK && written == nd->fp.bytes);
    (void)rc;
    frontpack_index_rebuild(mem, nd->fp.bytes, nd->fp.count);
    return (struct frontpack){mem, nd->fp.bytes, nd->fp.count};
}

/* Scratch bytes unpack_into needs for the node (0 when plain). */
static size_t unpacked_size(const struct node *nd)
{
    return nd->packed ? (size_t)nd->fp.bytes + frontpack_index_max(nd->fp.count) : 0;
}

/* The node as a reader sees it: a packed node's elements decompressed
 * into this thread's scratch buffer, valid until the next read or write
 * of a packed node on this thread (Redis decompresses it for the read
 * too). */
static struct frontpack readable(const struct node *nd)
{
    if (!nd->packed)
        return nd->fp;
    return unpack_into(nd, must(lzf_thread_scratch(unpacked_size(nd))));
}

/* A node plain again, before a write changes it: Redis's copy of it is
 * no longer compressed either. */
static void unpack(struct node *nd)
{
    nd->lzf = 0;
    if (!nd->packed)
        return;
    unsigned char *b = must(malloc(unpacked_size(nd)));
    struct frontpack v = unpack_into(nd, b);
    free(nd->fp.buf);
    nd->fp.buf = must(realloc(b, plain_size(&v))); /* a shrink */
    nd->packed = 0;
}

/* Scratch bytes write_listpack needs with `extra` bytes after the
 * listpack. */
static size_t listpack_scratch(const struct node *nd, size_t extra)
{
    return (size_t)nd->lp_bytes + LISTPACK_EMPTY + extra + unpacked_size(nd);
}

/* The node's elements as Redis's listpack (header, entries, terminator)
 * at lp, in listpack_scratch(nd, extra) bytes: a packed node's are
 * decompressed after the listpack and `extra` free bytes. */
static void write_listpack(const struct node *nd, unsigned char *lp, size_t extra)
{
    size_t raw = (size_t)nd->lp_bytes + LISTPACK_EMPTY;
    struct frontpack v = nd->packed ? unpack_into(nd, lp + raw + extra) : nd->fp;
    struct frontpack_reader rd;
    size_t off = LISTPACK_HEADER;
    frontpack_reader_at_run(&rd, &v, 0);
    for (size_t i = 0; i < v.count; i++) {
        const unsigned char *ptr;
        size_t len = frontpack_read(&rd, &ptr);
        off += listpack_encode(lp + off, ptr, len);
    }
    assert(off + 1 == raw);
    listpack_store_header(lp, (uint32_t)raw, v.count);
    lp[raw - 1] = 0xFF; /* the listpack's terminator */
}

/* Keep the node's own elements LZF-compressed when that saves bytes
 * (the scratch after compress_listpack's output has room). */
static void pack_elements(struct node *nd, struct lzf_state *st, unsigned char *out)
{
    size_t plain = plain_size(&nd->fp);
    size_t csz = lzf_compress(st, nd->fp.buf, nd->fp.bytes, out, nd->fp.bytes);
    unsigned char *b;
    if (csz == 0 || LZF_SIZE_WORD + csz >= plain || (b = malloc(LZF_SIZE_WORD + csz)) == NULL)
        return;
    uint32_t word = (uint32_t)csz;
    memcpy(b, &word, sizeof(word));
    memcpy(b + LZF_SIZE_WORD, out, csz);
    free(nd->fp.buf);
    nd->fp.buf = b;
    nd->packed = 1;
}

/* __quicklistCompressNode: Redis compresses a node's listpack when it is
 * at least MIN_COMPRESS_BYTES long and LZF saves more than
 * MIN_COMPRESS_IMPROVE bytes of it; this node then counts as compressed
 * (lzf: DUMP writes that compression), and its own elements are kept
 * compressed too when LZF saves on them. Otherwise, or out of memory, it
 * stays plain, which is always correct. */
static void pack(struct node *nd)
{
    size_t raw = (size_t)nd->lp_bytes + LISTPACK_EMPTY, extra = raw + nd->fp.bytes;
    if (nd->lzf || raw < MIN_COMPRESS_BYTES || raw >= LZF_MAX_INPUT)
        return;
    struct lzf_state *st = lzf_thread_state();
    unsigned char *lp = lzf_thread_scratch(listpack_scratch(nd, extra));
    if (st == NULL || lp == NULL)
        return;
    write_listpack(nd, lp, extra);
    size_t csz = lzf_compress(st, lp, raw, lp + raw, raw);
    if (csz == 0 || csz + MIN_COMPRESS_IMPROVE >= raw)
        return;
    nd->lzf = 1;
    pack_elements(nd, st, lp + 2 * raw);
}

/* The bytes a node's buffer holds. */
static size_t node_buf_size(const struct node *nd)
{
    uint32_t csz;
    if (!nd->packed)
        return plain_size(&nd->fp);
    memcpy(&csz, nd->fp.buf, sizeof(csz));
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
    free(l->nodes[at].fp.buf);
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

/* Append node b's elements to node a (b is left as it was). */
static bool merge_into(struct node *a, const struct node *b)
{
    if (frontpack_append(&a->fp, &b->fp) < 0)
        return false;
    a->lp_bytes += b->lp_bytes;
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
        if (l->nodes[r].fp.count == 0)
            free(l->nodes[r].fp.buf);
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
        while (i >= l->nodes[ni].fp.count)
            i -= l->nodes[ni++].fp.count;
        *rank = i;
        return ni;
    }
    size_t back = count - 1 - i; /* position from the tail */
    ni = l->nnodes - 1;
    while (back >= l->nodes[ni].fp.count)
        back -= l->nodes[ni--].fp.count;
    *rank = l->nodes[ni].fp.count - 1 - back;
    return ni;
}

/* Cut plain node ni before its element of rank r (0 < r < count). */
static int split(struct list *l, size_t ni, size_t r)
{
    if (nodes_open(l, ni + 1) < 0)
        return LIST_ENOMEM;
    struct node *nd = &l->nodes[ni], *tail = &l->nodes[ni + 1];
    if (frontpack_split(&nd->fp, r, &tail->fp) < 0) {
        nodes_close(l, ni + 1);
        return LIST_ENOMEM;
    }
    tail->lp_bytes = (uint32_t)lp_size_of(&tail->fp, 0, tail->fp.count);
    nd->lp_bytes -= tail->lp_bytes;
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
        free(l->nodes[i].fp.buf);
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

/* A copy of node nd appended at the tail. */
static int append_copy(struct list *l, const struct node *nd)
{
    size_t size = node_buf_size(nd);
    unsigned char *b = malloc(size);
    if (b == NULL)
        return LIST_ENOMEM;
    if (nodes_open(l, l->nnodes) < 0) {
        free(b);
        return LIST_ENOMEM;
    }
    memcpy(b, nd->fp.buf, size);
    struct node *copy = &l->nodes[l->nnodes - 1];
    *copy = *nd;
    copy->fp.buf = b;
    count_add(l, nd->fp.count);
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
        if (append_copy(copy, &l->nodes[i]) < 0) {
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
        return l->nnodes ? l->one.fp.count : 0;
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
        bufs += malloc_usable_size(l->nodes[i].fp.buf);
    size_t fixed = malloc_usable_size((void *)l);
    if (!nodes_inline(l))
        fixed += malloc_usable_size(array_of(l));
    return fixed + (n ? (size_t)((double)bufs / (double)n * (double)l->nnodes) : 0);
}

/* Element `rank` of a view. */
static void view_get(const struct frontpack *v, size_t rank, struct list_entry *out)
{
    struct frontpack_reader rd;
    const unsigned char *ptr;
    frontpack_reader_at(&rd, v, rank);
    size_t len = frontpack_read(&rd, &ptr);
    to_entry(&rd, ptr, len, out);
}

void list_get(const struct list *l, size_t i, struct list_entry *out)
{
    assert(i < list_len(l));
    size_t rank, ni = find_node(l, i, &rank);
    struct frontpack v = readable(&l->nodes[ni]);
    view_get(&v, rank, out);
}

void list_peek(const struct list *l, enum list_where where, struct list_entry *out)
{
    assert(l->nnodes > 0);
    struct frontpack v = readable(&l->nodes[where == LIST_HEAD ? 0 : l->nnodes - 1]);
    view_get(&v, where == LIST_HEAD ? 0 : v.count - 1, out);
}

void list_iter_init(struct list_iter *it, const struct list *l, size_t start, bool backward)
{
    *it = (struct list_iter){.l = l, .backward = backward};
    size_t count = list_len(l);
    if (count == 0)
        return;
    assert(start < count);
    it->left = backward ? start + 1 : count - start;
    it->node = find_node(l, start, &it->rank);
}

/* The walk's node, read (decompressed) when the walk enters it, not when
 * it leaves the one before: the entry handed out last may live in the
 * thread's scratch buffer that reading a packed node reuses. Forwards,
 * the reader is put at the walk's rank; backwards, the run is found. */
static void iter_enter(struct list_iter *it)
{
    if (it->view.buf != NULL)
        return;
    it->view = readable(&it->l->nodes[it->node]);
    if (!it->backward)
        frontpack_reader_at(&it->rd, &it->view, it->rank);
    else
        it->run = frontpack_run_find(&it->view, it->rank, &it->first);
}

/* Backwards: element `rank` decoded from its run's start (at most
 * FRONTPACK_RUN elements). */
static void iter_back(struct list_iter *it, struct list_entry *out)
{
    const unsigned char *ptr = NULL;
    size_t len = 0;
    if (it->rank < it->first)
        it->first -= frontpack_run_count(&it->view, --it->run);
    frontpack_reader_at_run(&it->rd, &it->view, it->run);
    for (size_t i = it->first; i <= it->rank; i++)
        len = frontpack_read(&it->rd, &ptr);
    to_entry(&it->rd, ptr, len, out);
}

bool list_iter_next(struct list_iter *it, struct list_entry *out)
{
    if (it->left == 0)
        return false;
    iter_enter(it);
    it->left--;
    if (!it->backward) {
        const unsigned char *ptr;
        size_t len = frontpack_read(&it->rd, &ptr);
        to_entry(&it->rd, ptr, len, out);
        if (++it->rank == it->view.count && it->left > 0) {
            it->node++;
            it->rank = 0;
            it->view.buf = NULL;
        }
        return true;
    }
    iter_back(it, out);
    if (it->rank == 0 && it->left > 0) {
        it->node--;
        it->rank = it->l->nodes[it->node].fp.count - 1;
        it->view.buf = NULL;
    } else {
        it->rank--;
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

size_t list_node_listpack_size(const struct list *l, size_t i)
{
    assert(i < l->nnodes);
    return (size_t)l->nodes[i].lp_bytes + LISTPACK_EMPTY;
}

const unsigned char *list_node_entries(const struct list *l, size_t i, size_t *bytes,
                                       size_t *count)
{
    assert(i < l->nnodes);
    const struct node *nd = &l->nodes[i];
    unsigned char *lp = must(lzf_thread_scratch(listpack_scratch(nd, 0)));
    write_listpack(nd, lp, 0);
    *bytes = nd->lp_bytes;
    *count = nd->fp.count;
    return lp + LISTPACK_HEADER;
}

const unsigned char *list_node_lzf(const struct list *l, size_t i, size_t *lzf_bytes,
                                   size_t *lp_bytes)
{
    assert(i < l->nnodes);
    const struct node *nd = &l->nodes[i];
    if (!nd->lzf)
        return NULL;
    size_t raw = (size_t)nd->lp_bytes + LISTPACK_EMPTY;
    struct lzf_state *st = must(lzf_thread_state());
    unsigned char *lp = must(lzf_thread_scratch(listpack_scratch(nd, raw)));
    write_listpack(nd, lp, raw);
    *lzf_bytes = lzf_compress(st, lp, raw, lp + raw, raw);
    assert(*lzf_bytes > 0); /* it fitted when the node was packed */
    *lp_bytes = raw;
    return lp + raw;
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
    if (node_insert(nd, where == LIST_HEAD ? 0 : nd->fp.count, bytes, len) < 0) {
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
    node_delete(nd, where == LIST_HEAD ? 0 : nd->fp.count - 1, 1);
    count_sub(l, 1);
    if (nd->fp.count == 0) {
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

/* Insert into node ni before its element of rank r, as quicklist does
 * for a node it decompresses for use: packed again after only if it was. */
static int insert_into(struct list *l, size_t ni, size_t r, const void *s, size_t len)
{
    struct node *nd = &l->nodes[ni];
    bool was_packed = nd->lzf;
    unpack(nd);
    int rc = node_insert(nd, r, s, len);
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
    if (after && r == nd->fp.count - 1u) {
        if (ni + 1 < l->nnodes && can_take(l, &l->nodes[ni + 1], len))
            return insert_into(l, ni + 1, 0, s, len);
        return insert_node(l, ni + 1, ni, s, len);
    }
    if (!after && r == 0) {
        if (ni > 0 && can_take(l, &l->nodes[ni - 1], len))
            return insert_into(l, ni - 1, l->nodes[ni - 1].fp.count, s, len);
        return insert_node(l, ni, ni + 1, s, len);
    }
    size_t k = after ? r + 1 : r; /* the split: [0, k) and [k, count) */
    unpack(nd);
    if (split(l, ni, k) < 0)
        return LIST_ENOMEM;
    if (is_large(len)) /* alone between the two parts */
        return insert_node(l, ni + 1, ni, s, len);
    int rc = after ? node_insert(&l->nodes[ni + 1], 0, s, len)
                   : node_insert(&l->nodes[ni], l->nodes[ni].fp.count, s, len);
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
    if (is_large(len) && nd->fp.count > 1) {
        int rc = list_insert(l, i, false, bytes, len);
        if (rc == LIST_OK)
            delete_range(l, i + 1, 1);
        return rc;
    }
    unpack(nd);
    int rc = node_replace(nd, r, bytes, len);
    if (rc == LIST_OK)
        nd->alone = is_large(len);
    pack_if_interior(l, ni); /* quicklistReplaceEntry's quicklistCompress */
    return rc;
}

/* Drop from plain node nd the elements equal to s that come at or after
 * list index `from`, while *removed < limit; *idx is the node's first
 * index. */
static void filter_node(struct node *nd, size_t *idx, size_t from, const void *s, size_t len,
                        size_t limit, size_t *removed)
{
    struct frontpack_reader rd;
    size_t r = from > *idx ? from - *idx : 0;
    *idx += nd->fp.count;
    if (r >= nd->fp.count)
        return;
    frontpack_reader_at(&rd, &nd->fp, r);
    while (r < nd->fp.count && *removed < limit) {
        const unsigned char *ptr;
        size_t elen = frontpack_read(&rd, &ptr);
        if (elen != len || (len > 0 && memcmp(ptr, s, len) != 0)) {
            r++;
            continue;
        }
        node_delete(nd, r, 1);
        (*removed)++;
        if (r < nd->fp.count)
            frontpack_reader_at(&rd, &nd->fp, r);
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
        if (idx + nd->fp.count <= from) {
            idx += nd->fp.count;
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
        size_t take = nd->fp.count - r < left ? nd->fp.count - r : left;
        left -= take;
        if (take == nd->fp.count) {
            free(nd->fp.buf);
            *nd = (struct node){0};
            continue;
        }
        bool was_packed = nd->lzf;
        unpack(nd);
        node_delete(nd, r, take);
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

/* Listpack entries appended to a plain node as elements. */
static int node_adopt(struct node *nd, const unsigned char *entries, size_t bytes)
{
    for (size_t off = 0; off < bytes;) {
        struct listpack_value v;
        char buf[OBJECT_INT_BUFSIZE];
        size_t size = listpack_decode(entries + off, bytes - off, &v);
        assert(size > 0);
        const void *s = v.str;
        size_t len = v.len;
        if (v.str == NULL) {
            len = object_format_int(buf, v.v);
            s = buf;
        }
        if (node_insert(nd, nd->fp.count, s, len) < 0)
            return LIST_ENOMEM;
        off += size;
    }
    return LIST_OK;
}

int list_append_entries(struct list *l, const unsigned char *entries, size_t bytes,
                        size_t count)
{
    assert(count > 0 && bytes > 0);
    if (bytes > UINT32_MAX || nodes_open(l, l->nnodes) < 0)
        return LIST_ENOMEM;
    struct node *nd = &l->nodes[l->nnodes - 1];
    if (node_adopt(nd, entries, bytes) < 0) {
        nodes_close(l, l->nnodes - 1);
        return LIST_ENOMEM;
    }
    assert(nd->fp.count == count);
    count_add(l, count);
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
        const struct node *nd = &l->nodes[i];
        assert(nd->fp.count > 0 && nd->fp.buf != NULL);
        assert(!nd->lzf || interior(l, i)); /* the ends stay plain */
        assert(!nd->packed || nd->lzf);
        assert(!nd->alone || nd->fp.count == 1);
        const struct frontpack v = readable(nd);
        frontpack__check_invariants(&v);
        assert(lp_size_of(&v, 0, v.count) == nd->lp_bytes);
        total += v.count;
    }
    assert(total == list_len(l));
}
