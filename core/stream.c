/*
 * stream.c - the stream value type: blocks of delta-encoded entries in an
 * AVL tree keyed by each block's first ID, plus consumer groups.
 *
 * Design
 *   Entries live in blocks, packed in one byte buffer per block, the way
 *   Redis packs a listpack node:
 *
 *     buffer: | master fields | entry | entry | ...
 *     master fields:  nfields, then each field (len, bytes)
 *     entry:  (ms - master.ms) << 2 | flags | zigzag(seq - master.seq)
 *             | [nfields, field, value, ...]    (fields of its own)
 *             | [value, ...]                    (SAME: master's fields)
 *
 *   Every number is an unsigned LEB128 varint, every string its length
 *   then its bytes. The master fields are those of the block's first
 *   entry; a later entry with the same field names stores only its values
 *   (flag SAME), which is what makes event logs with a fixed schema cheap:
 *   an entry of three small values under an ID a few milliseconds after
 *   its neighbour costs 2-3 bytes plus the values. The two flags (DELETED,
 *   SAME) share the ms delta's first varint byte; a block whose ms deltas
 *   would not fit beside them (62 bits) closes. The "master" ID is the
 *   block's first entry's (its tree key): IDs only grow, so ms deltas are
 *   non-negative; seq deltas may be negative (a new millisecond restarts
 *   seq), hence zigzag.
 *
 *   Block boundaries are Redis's node boundaries, because approximate
 *   trimming (whole nodes only), its LIMIT, XLEN after it and the AOF's
 *   record of it all depend on them. So a block closes exactly when
 *   streamAppendItem closes a node: when it holds stream-node-max-entries
 *   entries, deleted ones included, or when Redis's listpack for it plus
 *   the new entry's string bytes would reach stream-node-max-bytes. For
 *   the second rule each block keeps `lp_body`, the bytes that listpack
 *   would have (listpack.h's sizes, integers and integer-like strings
 *   included) but for its two counters, whose sizes follow the counts.
 *   Sizing an integer-like string means parsing it, which would cost an
 *   append at Redis's defaults more than the rest of it, and most blocks
 *   close at max-entries long before the bytes matter: so lp_body starts
 *   as an upper bound (every string sized as a string) and becomes exact,
 *   by one scan of the block, only when that bound says the block might
 *   be full; from then on appends keep it exact. RDB files
 *   and DUMP payloads carry the blocks as they are (rdb_stream.c), so a
 *   reload keeps the layout, as Redis's does.
 *
 *   Deleting an entry (XDEL, exact trimming inside a block) flips its
 *   DELETED flag; XDEL drops the block when its last live entry goes, as
 *   Redis drops such a listpack, while exact trimming leaves it, as
 *   Redis's streamTrim does (a MINID trim whose block ends in a deleted
 *   entry can empty it). A block's buffer grows by doubling while it is
 *   the tail and is shrunk to fit when the next block opens.
 *
 *   Seeking an ID is a descent of the block tree (the last block whose
 *   first ID is <= the ID) then a scan of the block, as Redis scans a
 *   listpack. The format has no back links (Redis's backlen and lp-count
 *   cost bytes per entry), so the reverse walk decodes entry offsets a
 *   window of STREAM_ITER_WINDOW at a time, starting from `marks`: the
 *   offsets of every STREAM_ITER_WINDOW-th entry, recorded at append
 *   (none for blocks of up to that many entries, Redis's default 100
 *   among them). A reverse walk thus costs O(1) per entry.
 *
 *   Consumer groups and consumers are AVL trees ordered by name (Redis's
 *   rax order); each NACK sits in two AVL trees ordered by ID, its
 *   group's and its consumer's.
 *
 * Complexity: append O(1) amortised (plus O(log b) to open a block);
 * seek O(log b + entries per block); delete by ID the same; trim
 * O(blocks removed + one block).
 *
 * Thread safety: none (the shard lock guards the key holding the stream).
 */
#include "stream.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "invariant.h"
#include "listpack.h"

#define F_DELETED 1
#define F_SAME 2
#define F_MASK 3
#define MS_DELTA_MAX (UINT64_MAX >> 2) /* what fits beside the flags */
#define VARINT_MAX 10
/* Grove's own bound on a block's buffer, so that 32-bit offsets and the
 * doubling capacity cannot overflow: Redis's 1 GB listpack cap keeps
 * blocks below it but for pathological entries (Grove's varints can
 * take up to about twice a listpack's bytes for integer-like strings). */
#define BLOCK_BYTES_MAX (1u << 31)

struct block {
    struct avl_node avl;
    struct stream_id master;  /* the first entry's ID: the deltas' base, the tree key */
    struct stream_id last;    /* the last entry's ID, deleted or not */
    uint32_t live, deleted;
    uint32_t len, cap;
    uint32_t first_entry;     /* offset of the first entry (after the master fields) */
    uint32_t lp_body;         /* Redis's listpack bytes but for its counters, or more */
    uint32_t nmarks;
    bool last_deleted;        /* the entry with ID `last` is deleted */
    bool lp_exact;            /* lp_body is exact, not an upper bound */
    unsigned char *data;
    uint32_t *marks;          /* offsets of entries WINDOW, 2 WINDOW, ... (reverse walks) */
};

struct stream {
    struct object_boxed boxed; /* first: the keyspace holds &boxed */
    struct avl_tree blocks;
    uint64_t length;
    struct stream_id last_id, first_id, max_deleted_id;
    uint64_t entries_added;
    struct avl_tree groups;
    size_t bytes;              /* blocks and buffers */
};

static void boxed_free_cb(struct object_boxed *b);
static struct object_boxed *boxed_dup_cb(const struct object_boxed *b);

static const struct object_boxed_ops stream_ops = {
    .free_cb = boxed_free_cb,
    .dup_cb = boxed_dup_cb,
};

/* ==== varints ================================================================= */

static size_t varint_put(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

static uint64_t varint_get(const unsigned char **p)
{
    uint64_t v = 0;
    unsigned shift = 0;
    const unsigned char *q = *p;
    while (*q & 0x80) {
        v |= (uint64_t)(*q++ & 0x7f) << shift;
        shift += 7;
    }
    v |= (uint64_t)*q++ << shift;
    *p = q;
    return v;
}

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint64_t zigzag(uint64_t delta)
{
    int64_t d = (int64_t)delta;
    return ((uint64_t)d << 1) ^ (uint64_t)(d >> 63);
}

static uint64_t unzigzag(uint64_t z)
{
    return (z >> 1) ^ (uint64_t)-(int64_t)(z & 1);
}

static struct stream_str str_get(const unsigned char **p)
{
    struct stream_str s;
    s.len = (size_t)varint_get(p);
    s.ptr = (const char *)*p;
    *p += s.len;
    return s;
}

static void str_skip(const unsigned char **p)
{
    size_t len = (size_t)varint_get(p);
    *p += len;
}

/* ==== blocks ================================================================== */

static struct block *block_of(const struct avl_node *n)
{
    return avl_entry(n, struct block, avl);
}

static int id_block_cmp(const void *key, const struct avl_node *n)
{
    return stream_id_cmp(key, &block_of(n)->master);
}

/* For avl_count_before: an ID orders after every block whose master is
 * <= it, so the count is the number of such blocks. */
static int id_block_cmp_le(const void *key, const struct avl_node *n)
{
    return stream_id_cmp(key, &block_of(n)->master) >= 0 ? 1 : -1;
}

/* The block that would hold id: the last whose master ID is <= id. */
static struct block *block_for(const struct stream *s, const struct stream_id *id)
{
    size_t before = avl_count_before(&s->blocks, id, id_block_cmp_le);
    return before ? block_of(avl_at(&s->blocks, before - 1)) : NULL;
}

static struct avl_node *block_prev(const struct stream *s, const struct avl_node *n)
{
    size_t r = avl_rank(n);
    return r ? avl_at(&s->blocks, r - 1) : NULL;
}

static int block_reserve(struct stream *s, struct block *b, size_t more)
{
    if (b->len + more <= b->cap)
        return STREAM_OK;
    assert(b->len + more <= BLOCK_BYTES_MAX);
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + more)
        cap *= 2;
    unsigned char *d = realloc(b->data, cap);
    if (d == NULL)
        return STREAM_ENOMEM;
    s->bytes += cap - b->cap;
    b->data = d;
    b->cap = (uint32_t)cap;
    return STREAM_OK;
}

static void block_shrink(struct stream *s, struct block *b)
{
    if (b->cap == b->len)
        return;
    unsigned char *d = realloc(b->data, b->len);
    if (d == NULL)
        return;
    s->bytes -= b->cap - b->len;
    b->data = d;
    b->cap = b->len;
}

static void block_free(struct stream *s, struct block *b)
{
    s->bytes -= sizeof(*b) + b->cap + b->nmarks * sizeof(*b->marks);
    free(b->marks);
    free(b->data);
    free(b);
}

static void block_remove(struct stream *s, struct block *b)
{
    avl_remove(&s->blocks, &b->avl);
    block_free(s, b);
}

/* The header of the entry at *p: its flags and ID; *p moves to its
 * pairs (or values). */
static unsigned entry_head(const struct block *b, const unsigned char **p, struct stream_id *id)
{
    uint64_t head = varint_get(p);
    id->ms = b->master.ms + (head >> 2);
    id->seq = b->master.seq + unzigzag(varint_get(p));
    return (unsigned)(head & F_MASK);
}

static size_t master_nfields(const struct block *b)
{
    const unsigned char *p = b->data;
    return (size_t)varint_get(&p);
}

/* Skip the entry's pairs from just after its head. */
static void entry_skip_body(const struct block *b, unsigned flags, const unsigned char **p)
{
    size_t strings = (flags & F_SAME) ? master_nfields(b) : 2 * (size_t)varint_get(p);
    for (size_t i = 0; i < strings; i++)
        str_skip(p);
}

/* Whether the pairs' fields are the block's master fields. */
static bool same_fields(const struct block *b, const struct stream_str *fv, size_t n)
{
    const unsigned char *p = b->data;
    if (varint_get(&p) != n / 2)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        struct stream_str f = str_get(&p);
        if (f.len != fv[i].len || memcmp(f.ptr, fv[i].ptr, f.len) != 0)
            return false;
    }
    return true;
}

/* Bytes of the entry in Grove's layout, at most. */
static size_t entry_size(const struct stream_str *fv, size_t n, bool same)
{
    size_t size = 2 * VARINT_MAX + (same ? 0 : varint_len(n / 2));
    for (size_t i = same ? 1 : 0; i < n; i += same ? 2 : 1)
        size += varint_len(fv[i].len) + fv[i].len;
    return size;
}

/* ---- Redis's listpack bytes (streamAppendItem's layout) ---------------------- */

/* The bytes of an entry's listpack elements but its strings: flags, ms
 * and seq deltas, the field count unless SAMEFIELDS, the lp-count. */
static size_t lp_entry_frame(const struct block *b, const struct stream_id *id, size_t npairs,
                             bool same)
{
    size_t strings = same ? npairs : 2 * npairs;
    size_t size = listpack_int_size(same ? F_SAME : 0) +
                  listpack_int_size((int64_t)(id->ms - b->master.ms)) +
                  listpack_int_size((int64_t)(id->seq - b->master.seq)) +
                  listpack_int_size((int64_t)(strings + 3 + (same ? 0 : 1)));
    return same ? size : size + listpack_int_size((int64_t)npairs);
}

/* A string's bytes in the listpack: exact, or its upper bound. */
static size_t lp_str_size(const struct stream_str *str, bool exact)
{
    return exact ? listpack_entry_size(str->ptr, str->len) : listpack_str_size(str->len);
}

static size_t lp_entry_size(const struct block *b, const struct stream_id *id,
                            const struct stream_str *fv, size_t n, bool same)
{
    size_t size = lp_entry_frame(b, id, n / 2, same);
    for (size_t i = same ? 1 : 0; i < n; i += same ? 2 : 1)
        size += lp_str_size(&fv[i], b->lp_exact);
    return size;
}

/* The master entry's bytes, exact: count and deleted aside, the field
 * count, the fields and the 0 that ends it, in an empty listpack. */
static size_t lp_scan_master(const struct block *b)
{
    const unsigned char *p = b->data;
    size_t nfields = (size_t)varint_get(&p);
    size_t lp = LISTPACK_EMPTY + listpack_int_size((int64_t)nfields) + listpack_int_size(0);
    for (size_t i = 0; i < nfields; i++) {
        struct stream_str f = str_get(&p);
        lp += listpack_entry_size(f.ptr, f.len);
    }
    return lp;
}

/* The entry at *p's bytes, exact; *p moves past it. */
static size_t lp_scan_entry(const struct block *b, const unsigned char **p)
{
    struct stream_id id;
    unsigned flags = entry_head(b, p, &id);
    bool same = flags & F_SAME;
    size_t npairs = same ? master_nfields(b) : (size_t)varint_get(p);
    size_t lp = lp_entry_frame(b, &id, npairs, same);
    for (size_t i = 0; i < (same ? npairs : 2 * npairs); i++) {
        struct stream_str v = str_get(p);
        lp += listpack_entry_size(v.ptr, v.len);
    }
    return lp;
}

/* lp_body exact, from the block's bytes. */
static size_t lp_scan(const struct block *b)
{
    const unsigned char *p = b->data + b->first_entry, *end = b->data + b->len;
    size_t lp = lp_scan_master(b);
    while (p < end)
        lp += lp_scan_entry(b, &p);
    return lp;
}

/* The listpack's bytes, its counters included (lpBytes), given its body. */
static size_t lp_bytes(const struct block *b, size_t body)
{
    return body + listpack_int_size(b->live) + listpack_int_size(b->deleted);
}

/* streamAppendItem's test: whether the tail block b is full for an entry
 * whose strings take `strings` bytes, under the limits read now. Makes
 * lp_body exact when its bound is not enough to tell. */
static bool node_full(struct block *b, const struct object_limits *limits, size_t strings)
{
    uint64_t max_bytes = (uint64_t)limits->stream_node_max_bytes;
    long long max_entries = limits->stream_node_max_entries;
    if (max_bytes == 0 || max_bytes > STREAM_LISTPACK_MAX_SIZE)
        max_bytes = STREAM_LISTPACK_MAX_SIZE;
    if (lp_bytes(b, b->lp_body) + strings >= max_bytes && !b->lp_exact) {
        b->lp_body = (uint32_t)lp_scan(b);
        b->lp_exact = true;
    }
    if (lp_bytes(b, b->lp_body) + strings >= max_bytes)
        return true;
    return max_entries > 0 && (uint64_t)b->live + b->deleted >= (unsigned long long)max_entries;
}

/* Whether Grove's layout can take the entry into b at all (ms deltas
 * beside the flags, BLOCK_BYTES_MAX). */
static bool block_fits(const struct block *b, const struct stream_id *id, size_t size)
{
    return id->ms - b->master.ms <= MS_DELTA_MAX && b->len + size <= BLOCK_BYTES_MAX;
}

/* A new tail block whose master fields are fields[0, 2, ... n - 2] (the
 * fields of fv, or every string when stride is 1), for a first entry id
 * of `entry` bytes at most. */
static struct block *block_open(struct stream *s, const struct stream_id *id,
                                const struct stream_str *fields, size_t nfields, size_t stride,
                                size_t entry)
{
    size_t size = varint_len(nfields);
    for (size_t i = 0; i < nfields; i++)
        size += varint_len(fields[i * stride].len) + fields[i * stride].len;
    struct block *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    s->bytes += sizeof(*b);
    if (block_reserve(s, b, size + entry) < 0) {
        block_free(s, b);
        return NULL;
    }
    unsigned char *w = b->data;
    size_t lp = LISTPACK_EMPTY + listpack_int_size((int64_t)nfields) + listpack_int_size(0);
    w += varint_put(w, nfields);
    for (size_t i = 0; i < nfields; i++) {
        const struct stream_str *f = &fields[i * stride];
        w += varint_put(w, f->len);
        memcpy(w, f->ptr, f->len);
        w += f->len;
        lp += listpack_str_size(f->len);
    }
    b->len = b->first_entry = (uint32_t)(w - b->data);
    b->lp_body = (uint32_t)lp;
    b->master = *id;
    struct avl_node *dup = avl_insert(&s->blocks, &b->avl, id, id_block_cmp);
    assert(dup == NULL && "IDs only grow");
    (void)dup;
    return b;
}

/* Record the offset of the entry about to be written at the end of b
 * when it starts a reverse-walk window. */
static int block_mark(struct stream *s, struct block *b)
{
    uint64_t entries = (uint64_t)b->live + b->deleted;
    if (entries == 0 || entries % STREAM_ITER_WINDOW != 0)
        return STREAM_OK;
    uint32_t *marks = realloc(b->marks, (b->nmarks + 1) * sizeof(*marks));
    if (marks == NULL)
        return STREAM_ENOMEM;
    marks[b->nmarks++] = b->len;
    b->marks = marks;
    s->bytes += sizeof(*marks);
    return STREAM_OK;
}

/* Write the entry at the end of b (room reserved, its window marked). */
static void block_put(struct stream *s, struct block *b, const struct stream_id *id,
                      const struct stream_str *fv, size_t n, bool same, bool deleted)
{
    unsigned char *w = b->data + b->len;
    b->lp_body += (uint32_t)lp_entry_size(b, id, fv, n, same);
    w += varint_put(w, (id->ms - b->master.ms) << 2 | (same ? F_SAME : 0) |
                           (deleted ? F_DELETED : 0));
    w += varint_put(w, zigzag(id->seq - b->master.seq));
    if (!same)
        w += varint_put(w, n / 2);
    for (size_t i = same ? 1 : 0; i < n; i += same ? 2 : 1) {
        w += varint_put(w, fv[i].len);
        memcpy(w, fv[i].ptr, fv[i].len);
        w += fv[i].len;
    }
    b->len = (uint32_t)(w - b->data);
    if (deleted)
        b->deleted++;
    else
        b->live++;
    b->last = *id;
    b->last_deleted = deleted;
    s->last_id = *id;
}

/* ==== lifecycle ================================================================ */

struct stream *stream_create(void)
{
    struct stream *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->boxed.ops = &stream_ops;
    avl_init(&s->blocks);
    avl_init(&s->groups);
    return s;
}

static void groups_free(struct avl_tree *groups);

void stream_destroy(struct stream *s)
{
    if (s == NULL)
        return;
    for (struct avl_node *n = avl_first_postorder(&s->blocks), *next; n; n = next) {
        next = avl_next_postorder(n);
        free(block_of(n)->marks);
        free(block_of(n)->data);
        free(block_of(n));
    }
    groups_free(&s->groups);
    free(s);
}

struct object_boxed *stream_boxed(struct stream *s)
{
    return &s->boxed;
}

struct stream *stream_from_boxed(struct object_boxed *b)
{
    assert(b->ops == &stream_ops);
    return (struct stream *)b;
}

static void boxed_free_cb(struct object_boxed *b)
{
    stream_destroy(stream_from_boxed(b));
}

static struct object_boxed *boxed_dup_cb(const struct object_boxed *b)
{
    struct stream *copy = stream_dup((const struct stream *)b);
    return copy ? &copy->boxed : NULL;
}

static int dup_blocks(struct stream *to, const struct stream *from)
{
    for (struct avl_node *n = avl_first(&from->blocks); n; n = avl_next(n)) {
        const struct block *b = block_of(n);
        struct block *c = malloc(sizeof(*c));
        if (c == NULL)
            return STREAM_ENOMEM;
        *c = *b;
        c->data = malloc(b->len ? b->len : 1);
        c->marks = b->nmarks ? malloc(b->nmarks * sizeof(*c->marks)) : NULL;
        if (c->data == NULL || (b->nmarks && c->marks == NULL)) {
            free(c->data);
            free(c->marks);
            free(c);
            return STREAM_ENOMEM;
        }
        memcpy(c->data, b->data, b->len);
        if (b->nmarks)
            memcpy(c->marks, b->marks, b->nmarks * sizeof(*c->marks));
        c->cap = b->len;
        to->bytes += sizeof(*c) + c->cap + c->nmarks * sizeof(*c->marks);
        avl_insert(&to->blocks, &c->avl, &c->master, id_block_cmp);
    }
    return STREAM_OK;
}

static int dup_group(struct stream *to, const struct stream_group *g)
{
    struct stream_group *ng =
        stream_group_create(to, g->name, g->len, &g->last_id, g->entries_read);
    if (ng == NULL)
        return STREAM_ENOMEM;
    for (struct stream_consumer *c = stream_consumer_first(g); c; c = stream_consumer_next(c)) {
        struct stream_consumer *nc = stream_consumer_create(ng, c->name, c->len, c->seen_time);
        if (nc == NULL)
            return STREAM_ENOMEM;
        for (struct stream_nack *n = stream_pel_seek(g, c, &(struct stream_id){0, 0}); n;
             n = stream_pel_next(n, true)) {
            struct stream_nack *nn = stream_nack_create(ng, nc, &n->id, n->delivery_time);
            if (nn == NULL)
                return STREAM_ENOMEM;
            nn->delivery_count = n->delivery_count;
        }
    }
    return STREAM_OK;
}

struct stream *stream_dup(const struct stream *s)
{
    struct stream *copy = stream_create();
    if (copy == NULL)
        return NULL;
    copy->length = s->length;
    copy->last_id = s->last_id;
    copy->first_id = s->first_id;
    copy->max_deleted_id = s->max_deleted_id;
    copy->entries_added = s->entries_added;
    int rc = dup_blocks(copy, s);
    for (struct stream_group *g = stream_group_first(s); g && rc == STREAM_OK;
         g = stream_group_next(g))
        rc = dup_group(copy, g);
    if (rc < 0) {
        stream_destroy(copy);
        return NULL;
    }
    return copy;
}

/* ==== reading ================================================================== */

uint64_t stream_len(const struct stream *s)
{
    return s->length;
}

struct stream_id stream_last_id(const struct stream *s)
{
    return s->last_id;
}

struct stream_id stream_first_id(const struct stream *s)
{
    return s->first_id;
}

struct stream_id stream_max_deleted_id(const struct stream *s)
{
    return s->max_deleted_id;
}

uint64_t stream_entries_added(const struct stream *s)
{
    return s->entries_added;
}

size_t stream_block_count(const struct stream *s)
{
    return avl_count(&s->blocks);
}

size_t stream_bytes(const struct stream *s)
{
    return s->bytes;
}

/* A block's master ID as Redis's 128-bit big-endian rax key. */
static void rax_key(const struct block *b, unsigned char key[16])
{
    for (int i = 0; i < 8; i++) {
        key[i] = (unsigned char)(b->master.ms >> (56 - 8 * i));
        key[8 + i] = (unsigned char)(b->master.seq >> (56 - 8 * i));
    }
}

static int common_prefix(const unsigned char a[16], const unsigned char b[16])
{
    int i = 0;
    while (i < 16 && a[i] == b[i])
        i++;
    return i;
}

/* The rax holding n >= 2 sorted distinct 16-byte keys, as Redis shapes
 * it: a leaf per key; a branch node wherever keys part (at each distinct
 * common-prefix depth, found with a stack of the open ones); a compressed
 * node on every edge that spans more than the one byte its parent holds,
 * and at the root above the first branch. */
size_t stream_rax_nodes(const struct stream *s)
{
    size_t n = avl_count(&s->blocks), count = n, top = 0;
    if (n <= 1)
        return n + 1; /* the root alone; a compressed root and one leaf */
    int open[16], prev_depth = -1, depth;
    unsigned char prev[16], key[16];
    const struct avl_node *node = avl_first(&s->blocks);
    rax_key(block_of(node), prev);
    for (node = avl_next(node); node; node = avl_next(node)) {
        rax_key(block_of(node), key);
        depth = common_prefix(prev, key);
        count += (prev_depth > depth ? prev_depth : depth) + 1 < 16; /* prev's leaf edge */
        while (top && open[top - 1] > depth) {
            int d = open[--top], parent = top && open[top - 1] > depth ? open[top - 1] : depth;
            count += 1 + (d > parent + 1);
        }
        if (!top || open[top - 1] < depth)
            open[top++] = depth;
        prev_depth = depth;
        memcpy(prev, key, sizeof(prev));
    }
    count += prev_depth + 1 < 16; /* the last leaf's edge */
    while (top) {
        int d = open[--top];
        count += 1 + (top ? d > open[top - 1] + 1 : d > 0);
    }
    return count;
}

/* Decode the offsets of window w of the current block's entries (reverse
 * walk): up to STREAM_ITER_WINDOW of them from the w-th mark on. */
static void iter_load_window(struct stream_iter *it, uint32_t w)
{
    const struct block *b = block_of(it->block);
    const unsigned char *p = b->data + (w ? b->marks[w - 1] : b->first_entry);
    const unsigned char *end = b->data + b->len;
    it->window = w;
    it->noffs = 0;
    while (p < end && it->noffs < STREAM_ITER_WINDOW) {
        struct stream_id id;
        it->offs[it->noffs++] = (uint32_t)(p - b->data);
        unsigned flags = entry_head(b, &p, &id);
        entry_skip_body(b, flags, &p);
    }
}

/* Start the walk of the current block at its first entry, or its last. */
static void iter_enter_block(struct stream_iter *it)
{
    const struct block *b = block_of(it->block);
    if (it->rev)
        iter_load_window(it, b->nmarks);
    else
        it->pos = b->first_entry;
}

void stream_iter_init(struct stream_iter *it, const struct stream *s,
                      const struct stream_id *start, const struct stream_id *end, bool rev)
{
    it->s = s;
    it->start = *start;
    it->end = *end;
    it->rev = rev;
    it->all = false;
    it->noffs = 0;
    it->pairs = 0;
    if (stream_id_cmp(start, end) > 0) {
        it->block = NULL;
        return;
    }
    const struct block *b = block_for(s, rev ? end : start);
    /* Forward from before the first block: start with the first. */
    it->block = b ? &b->avl : rev ? NULL : avl_first(&s->blocks);
    if (it->block)
        iter_enter_block(it);
}

void stream_iter_init_all(struct stream_iter *it, const struct stream *s)
{
    static const struct stream_id zero = {0, 0}, max = {UINT64_MAX, UINT64_MAX};
    stream_iter_init(it, s, &zero, &max, false);
    it->all = true;
}

/* Move to the next block in the walk's direction. */
static bool iter_next_block(struct stream_iter *it)
{
    it->block = it->rev ? block_prev(it->s, it->block) : avl_next(it->block);
    if (it->block == NULL)
        return false;
    iter_enter_block(it);
    return true;
}

/* The next entry's offset in the current block, or false at its end. */
static bool iter_take(struct stream_iter *it, uint32_t *off)
{
    const struct block *b = block_of(it->block);
    if (it->rev) {
        if (it->noffs == 0 && it->window > 0)
            iter_load_window(it, it->window - 1);
        if (it->noffs == 0)
            return false;
        *off = it->offs[--it->noffs];
        return true;
    }
    if (it->pos >= b->len)
        return false;
    *off = it->pos;
    const unsigned char *p = b->data + it->pos;
    struct stream_id id;
    unsigned flags = entry_head(b, &p, &id);
    entry_skip_body(b, flags, &p);
    it->pos = (uint32_t)(p - b->data);
    return true;
}

bool stream_iter_next(struct stream_iter *it, struct stream_id *id, size_t *npairs)
{
    while (it->block) {
        uint32_t off;
        if (!iter_take(it, &off)) {
            iter_next_block(it);
            continue;
        }
        const struct block *b = block_of(it->block);
        const unsigned char *p = b->data + off;
        unsigned flags = entry_head(b, &p, id);
        if (it->rev ? stream_id_cmp(id, &it->start) < 0 : stream_id_cmp(id, &it->end) > 0) {
            it->block = NULL;
            return false;
        }
        if (((flags & F_DELETED) && !it->all) ||
            (it->rev ? stream_id_cmp(id, &it->end) > 0 : stream_id_cmp(id, &it->start) < 0))
            continue;
        if (flags & F_SAME) {
            it->mf = b->data;
            it->pairs = (size_t)varint_get(&it->mf);
        } else {
            it->mf = NULL;
            it->pairs = (size_t)varint_get(&p);
        }
        it->p = p;
        it->off = off;
        it->flags = flags;
        *npairs = it->pairs;
        return true;
    }
    return false;
}

void stream_iter_pair(struct stream_iter *it, struct stream_str *field, struct stream_str *value)
{
    assert(it->pairs > 0);
    it->pairs--;
    *field = it->mf ? str_get(&it->mf) : str_get(&it->p);
    *value = str_get(&it->p);
}

bool stream_iter_opens_node(const struct stream_iter *it)
{
    return it->off == block_of(it->block)->first_entry;
}

bool stream_iter_deleted(const struct stream_iter *it)
{
    return it->flags & F_DELETED;
}

bool stream_iter_same_fields(const struct stream_iter *it)
{
    return it->flags & F_SAME;
}

void stream_iter_node(const struct stream_iter *it, struct stream_node *node)
{
    const struct block *b = block_of(it->block);
    node->master = b->master;
    node->live = b->live;
    node->deleted = b->deleted;
    node->nfields = master_nfields(b);
}

void stream_iter_master_fields(const struct stream_iter *it, struct stream_str *fields)
{
    const struct block *b = block_of(it->block);
    const unsigned char *p = b->data;
    size_t n = (size_t)varint_get(&p);
    for (size_t i = 0; i < n; i++)
        fields[i] = str_get(&p);
}

/* The live or deleted entry with this ID in b: its offset, or false. */
static bool block_find(const struct block *b, const struct stream_id *id, uint32_t *off,
                       unsigned *flags)
{
    const unsigned char *p = b->data + b->first_entry, *end = b->data + b->len;
    while (p < end) {
        struct stream_id cur;
        const unsigned char *start = p;
        unsigned f = entry_head(b, &p, &cur);
        int c = stream_id_cmp(&cur, id);
        if (c > 0)
            return false;
        if (c == 0) {
            *off = (uint32_t)(start - b->data);
            *flags = f;
            return true;
        }
        entry_skip_body(b, f, &p);
    }
    return false;
}

struct stream_id stream_last_valid_id(const struct stream *s)
{
    size_t n = avl_count(&s->blocks);
    const struct block *tail = n ? block_of(avl_at(&s->blocks, n - 1)) : NULL;
    if (tail && !tail->last_deleted)
        return tail->last;
    struct stream_iter it;
    struct stream_id id = {0, 0}, max = {UINT64_MAX, UINT64_MAX}, zero = {0, 0};
    size_t npairs;
    stream_iter_init(&it, s, &zero, &max, true);
    if (!stream_iter_next(&it, &id, &npairs))
        id = zero;
    return id;
}

bool stream_has(const struct stream *s, const struct stream_id *id)
{
    const struct block *b = block_for(s, id);
    uint32_t off;
    unsigned flags;
    return b && block_find(b, id, &off, &flags) && !(flags & F_DELETED);
}

/* ==== writing ================================================================== */

static struct block *tail_block(const struct stream *s)
{
    size_t nblocks = avl_count(&s->blocks);
    return nblocks ? block_of(avl_at(&s->blocks, nblocks - 1)) : NULL;
}

/* Room for an entry of `size` bytes at the end of b, its reverse-walk
 * window marked. On ENOMEM a block just opened (still empty) goes. */
static int block_prepare(struct stream *s, struct block *b, size_t size)
{
    if (block_reserve(s, b, size) == STREAM_OK && block_mark(s, b) == STREAM_OK)
        return STREAM_OK;
    if (b->live + b->deleted == 0)
        block_remove(s, b);
    return STREAM_ENOMEM;
}

int stream_append(struct stream *s, const struct stream_id *id, const struct stream_str *fv,
                  size_t n, const struct object_limits *limits)
{
    assert(n > 0 && n % 2 == 0 && stream_id_cmp(id, &s->last_id) > 0);
    size_t strings = 0;
    for (size_t i = 0; i < n; i++)
        strings += fv[i].len;
    if (strings > STREAM_LISTPACK_MAX_SIZE)
        return STREAM_ETOOBIG;
    struct block *b = tail_block(s);
    bool same = b && same_fields(b, fv, n);
    size_t size = entry_size(fv, n, same);
    if (b && (node_full(b, limits, strings) || !block_fits(b, id, size))) {
        block_shrink(s, b);
        b = NULL;
    }
    if (b == NULL) { /* a new block's master fields are the entry's */
        same = true;
        size = entry_size(fv, n, true);
        if ((b = block_open(s, id, fv, n / 2, 2, size)) == NULL)
            return STREAM_ENOMEM;
    }
    if (block_prepare(s, b, size) < 0)
        return STREAM_ENOMEM;
    block_put(s, b, id, fv, n, same, false);
    s->length++;
    s->entries_added++;
    if (s->length == 1)
        s->first_id = *id;
    return STREAM_OK;
}

/* Load one entry into the tail block *b (NULL: none yet), opening a
 * block with the node's master fields when Grove's layout cannot take
 * it in *b. */
static int load_entry(struct stream *s, struct block **b, const struct stream_str *fields,
                      size_t nfields, const struct stream_load_entry *e)
{
    assert(e->n > 0 && e->n % 2 == 0 && stream_id_cmp(&e->id, &s->last_id) > 0);
    if (*b && !block_fits(*b, &e->id, entry_size(e->fv, e->n, false))) {
        block_shrink(s, *b);
        *b = NULL;
    }
    if (*b == NULL &&
        (*b = block_open(s, &e->id, fields, nfields, 1, entry_size(e->fv, e->n, false))) == NULL)
        return STREAM_ENOMEM;
    bool same = same_fields(*b, e->fv, e->n);
    if (block_prepare(s, *b, entry_size(e->fv, e->n, same)) < 0)
        return STREAM_ENOMEM;
    block_put(s, *b, &e->id, e->fv, e->n, same, e->deleted);
    s->entries_added++;
    if (!e->deleted && ++s->length == 1)
        s->first_id = e->id;
    return STREAM_OK;
}

int stream_load_node(struct stream *s, const struct stream_str *fields, size_t nfields,
                     const struct stream_load_entry *entries, size_t count)
{
    struct block *tail = tail_block(s), *b = NULL;
    if (tail)
        block_shrink(s, tail);
    for (size_t i = 0; i < count; i++)
        if (load_entry(s, &b, fields, nfields, &entries[i]) < 0)
            return STREAM_ENOMEM;
    return STREAM_OK;
}

/* The first live entry's ID (0-0 when empty). */
static struct stream_id first_live_id(const struct stream *s)
{
    struct stream_iter it;
    struct stream_id id = {0, 0}, max = {UINT64_MAX, UINT64_MAX}, zero = {0, 0};
    size_t npairs;
    stream_iter_init(&it, s, &zero, &max, false);
    if (!stream_iter_next(&it, &id, &npairs))
        id = zero;
    return id;
}

/* Flag the live entry at off deleted. */
static void block_flag_deleted(struct stream *s, struct block *b, uint32_t off)
{
    const unsigned char *p = b->data + off;
    struct stream_id id;
    entry_head(b, &p, &id);
    b->last_deleted |= stream_id_cmp(&id, &b->last) == 0;
    b->data[off] |= F_DELETED; /* the flags are the head varint's low bits */
    b->live--;
    b->deleted++;
    s->length--;
}

bool stream_delete(struct stream *s, const struct stream_id *id)
{
    struct block *b = block_for(s, id);
    uint32_t off;
    unsigned flags;
    if (b == NULL || !block_find(b, id, &off, &flags) || (flags & F_DELETED))
        return false;
    block_flag_deleted(s, b, off);
    if (b->live == 0) /* streamIteratorRemoveEntry drops the emptied node */
        block_remove(s, b);
    if (stream_id_cmp(id, &s->max_deleted_id) > 0)
        s->max_deleted_id = *id;
    if (s->length == 0)
        s->first_id = (struct stream_id){0, 0};
    else if (stream_id_cmp(id, &s->first_id) == 0)
        s->first_id = first_live_id(s);
    return true;
}

/* Exact trimming inside the first block, as Redis's streamTrim: flag
 * entries deleted from the front until the target is met. The block
 * stays even when none is left live, as in Redis. */
static uint64_t trim_inside(struct stream *s, struct block *b, const struct stream_trim *t)
{
    uint64_t deleted = 0;
    uint32_t pos = b->first_entry;
    while (pos < b->len) {
        const unsigned char *p = b->data + pos;
        struct stream_id id;
        unsigned flags = entry_head(b, &p, &id);
        if (t->minid ? stream_id_cmp(&id, &t->min) >= 0 : s->length <= t->maxlen)
            break;
        entry_skip_body(b, flags, &p);
        if (!(flags & F_DELETED)) {
            block_flag_deleted(s, b, pos);
            deleted++;
        }
        pos = (uint32_t)(p - b->data);
    }
    return deleted;
}

uint64_t stream_trim(struct stream *s, const struct stream_trim *t)
{
    uint64_t deleted = 0;
    struct avl_node *n;
    while ((n = avl_first(&s->blocks)) != NULL) {
        struct block *b = block_of(n);
        if (!t->minid && s->length <= t->maxlen)
            break;
        if (t->limit && deleted + b->live > (uint64_t)t->limit)
            break;
        bool whole = t->minid ? stream_id_cmp(&b->last, &t->min) < 0
                              : s->length - b->live >= t->maxlen;
        if (whole) {
            s->length -= b->live;
            deleted += b->live;
            block_remove(s, b);
            continue;
        }
        if (!t->approx)
            deleted += trim_inside(s, b, t);
        break;
    }
    if (deleted)
        s->first_id = s->length ? first_live_id(s) : (struct stream_id){0, 0};
    return deleted;
}

void stream_set_meta(struct stream *s, const struct stream_id *last, uint64_t entries_added,
                     const struct stream_id *max_deleted)
{
    s->last_id = *last;
    s->entries_added = entries_added;
    s->max_deleted_id = *max_deleted;
}

/* ==== consumer groups ========================================================== */

static struct stream_group *group_of(const struct avl_node *n)
{
    return n ? avl_entry(n, struct stream_group, node) : NULL;
}

static struct stream_consumer *consumer_of(const struct avl_node *n)
{
    return n ? avl_entry(n, struct stream_consumer, node) : NULL;
}

static struct stream_nack *gnack_of(const struct avl_node *n)
{
    return n ? avl_entry(n, struct stream_nack, gnode) : NULL;
}

static struct stream_nack *cnack_of(const struct avl_node *n)
{
    return n ? avl_entry(n, struct stream_nack, cnode) : NULL;
}

static int group_cmp(const void *key, const struct avl_node *n)
{
    const struct stream_str *k = key;
    const struct stream_group *g = group_of(n);
    return bytes_cmp(k->ptr, k->len, g->name, g->len);
}

static int consumer_cmp(const void *key, const struct avl_node *n)
{
    const struct stream_str *k = key;
    const struct stream_consumer *c = consumer_of(n);
    return bytes_cmp(k->ptr, k->len, c->name, c->len);
}

static int gnack_cmp(const void *key, const struct avl_node *n)
{
    return stream_id_cmp(key, &gnack_of(n)->id);
}

static int cnack_cmp(const void *key, const struct avl_node *n)
{
    return stream_id_cmp(key, &cnack_of(n)->id);
}

static void group_free(struct stream_group *g)
{
    for (struct avl_node *n = avl_first_postorder(&g->pel), *next; n; n = next) {
        next = avl_next_postorder(n);
        free(gnack_of(n));
    }
    for (struct avl_node *n = avl_first_postorder(&g->consumers), *next; n; n = next) {
        next = avl_next_postorder(n);
        free(consumer_of(n));
    }
    free(g);
}

static void groups_free(struct avl_tree *groups)
{
    for (struct avl_node *n = avl_first_postorder(groups), *next; n; n = next) {
        next = avl_next_postorder(n);
        group_free(group_of(n));
    }
}

size_t stream_group_count(const struct stream *s)
{
    return avl_count(&s->groups);
}

struct stream_group *stream_group_first(const struct stream *s)
{
    return group_of(avl_first(&s->groups));
}

struct stream_group *stream_group_next(const struct stream_group *g)
{
    return group_of(avl_next(&g->node));
}

struct stream_group *stream_group_find(const struct stream *s, const char *name, size_t len)
{
    struct stream_str k = {name, len};
    return group_of(avl_find(&s->groups, &k, group_cmp));
}

struct stream_group *stream_group_create(struct stream *s, const char *name, size_t len,
                                         const struct stream_id *last_id,
                                         long long entries_read)
{
    struct stream_group *g = calloc(1, sizeof(*g) + len);
    if (g == NULL)
        return NULL;
    memcpy(g->name, name, len);
    g->len = len;
    g->last_id = *last_id;
    g->entries_read = entries_read;
    avl_init(&g->pel);
    avl_init(&g->consumers);
    struct stream_str k = {g->name, len};
    struct avl_node *dup = avl_insert(&s->groups, &g->node, &k, group_cmp);
    assert(dup == NULL && "the caller checks the name is new");
    (void)dup;
    return g;
}

void stream_group_destroy(struct stream *s, struct stream_group *g)
{
    avl_remove(&s->groups, &g->node);
    group_free(g);
}

size_t stream_consumer_count(const struct stream_group *g)
{
    return avl_count(&g->consumers);
}

struct stream_consumer *stream_consumer_first(const struct stream_group *g)
{
    return consumer_of(avl_first(&g->consumers));
}

struct stream_consumer *stream_consumer_next(const struct stream_consumer *c)
{
    return consumer_of(avl_next(&c->node));
}

struct stream_consumer *stream_consumer_find(const struct stream_group *g, const char *name,
                                             size_t len)
{
    struct stream_str k = {name, len};
    return consumer_of(avl_find(&g->consumers, &k, consumer_cmp));
}

struct stream_consumer *stream_consumer_create(struct stream_group *g, const char *name,
                                               size_t len, int64_t now_ms)
{
    struct stream_consumer *c = calloc(1, sizeof(*c) + len);
    if (c == NULL)
        return NULL;
    memcpy(c->name, name, len);
    c->len = len;
    c->seen_time = now_ms;
    avl_init(&c->pel);
    struct stream_str k = {c->name, len};
    struct avl_node *dup = avl_insert(&g->consumers, &c->node, &k, consumer_cmp);
    assert(dup == NULL && "the caller checks the name is new");
    (void)dup;
    return c;
}

void stream_consumer_destroy(struct stream_group *g, struct stream_consumer *c)
{
    for (struct avl_node *n = avl_first_postorder(&c->pel), *next; n; n = next) {
        next = avl_next_postorder(n);
        struct stream_nack *nack = cnack_of(n);
        avl_remove(&g->pel, &nack->gnode);
        free(nack);
    }
    avl_remove(&g->consumers, &c->node);
    free(c);
}

struct stream_nack *stream_nack_find(const struct stream_group *g, const struct stream_id *id)
{
    return gnack_of(avl_find(&g->pel, id, gnack_cmp));
}

/* For avl_upper_bound: the first node >= id is the first after "id - 0.5". */
static int gnack_cmp_lt(const void *key, const struct avl_node *n)
{
    return stream_id_cmp(key, &gnack_of(n)->id) <= 0 ? -1 : 1;
}

static int cnack_cmp_lt(const void *key, const struct avl_node *n)
{
    return stream_id_cmp(key, &cnack_of(n)->id) <= 0 ? -1 : 1;
}

struct stream_nack *stream_pel_seek(const struct stream_group *g, const struct stream_consumer *c,
                                    const struct stream_id *id)
{
    if (c)
        return cnack_of(avl_upper_bound(&c->pel, id, cnack_cmp_lt));
    return gnack_of(avl_upper_bound(&g->pel, id, gnack_cmp_lt));
}

struct stream_nack *stream_pel_next(const struct stream_nack *n, bool consumer_pel)
{
    return consumer_pel ? cnack_of(avl_next(&n->cnode)) : gnack_of(avl_next(&n->gnode));
}

struct stream_nack *stream_pel_last(const struct stream_group *g)
{
    size_t n = avl_count(&g->pel);
    return n ? gnack_of(avl_at(&g->pel, n - 1)) : NULL;
}

struct stream_nack *stream_nack_create(struct stream_group *g, struct stream_consumer *c,
                                       const struct stream_id *id, int64_t now_ms)
{
    struct stream_nack *n = calloc(1, sizeof(*n));
    if (n == NULL)
        return NULL;
    n->id = *id;
    n->delivery_time = now_ms;
    n->delivery_count = 1;
    n->consumer = c;
    struct avl_node *dup = avl_insert(&g->pel, &n->gnode, id, gnack_cmp);
    assert(dup == NULL && "the caller checks the ID is not pending");
    avl_insert(&c->pel, &n->cnode, id, cnack_cmp);
    (void)dup;
    return n;
}

void stream_nack_move(struct stream_nack *n, struct stream_consumer *to)
{
    if (n->consumer == to)
        return;
    avl_remove(&n->consumer->pel, &n->cnode);
    avl_insert(&to->pel, &n->cnode, &n->id, cnack_cmp);
    n->consumer = to;
}

void stream_nack_destroy(struct stream_group *g, struct stream_nack *n)
{
    avl_remove(&g->pel, &n->gnode);
    avl_remove(&n->consumer->pel, &n->cnode);
    free(n);
}

size_t stream_pel_count(const struct stream_group *g)
{
    return avl_count(&g->pel);
}

size_t stream_consumer_pel_count(const struct stream_consumer *c)
{
    return avl_count(&c->pel);
}

/* ==== the lag ================================================================== */

bool stream_range_has_tombstones(const struct stream *s, const struct stream_id *start,
                                 const struct stream_id *end)
{
    if (s->length == 0 || stream_id_is_zero(&s->max_deleted_id))
        return false;
    if (stream_id_cmp(&s->first_id, &s->max_deleted_id) > 0)
        return false;
    struct stream_id lo = start ? *start : (struct stream_id){0, 0};
    struct stream_id hi = end ? *end : (struct stream_id){UINT64_MAX, UINT64_MAX};
    return stream_id_cmp(&lo, &s->max_deleted_id) <= 0 &&
           stream_id_cmp(&s->max_deleted_id, &hi) <= 0;
}

long long stream_estimate_distance(const struct stream *s, const struct stream_id *id)
{
    if (s->entries_added == 0)
        return 0;
    if (s->length == 0 && stream_id_cmp(id, &s->last_id) < 1)
        return (long long)s->entries_added;
    int cmp_last = stream_id_cmp(id, &s->last_id);
    if (cmp_last == 0)
        return (long long)s->entries_added;
    if (cmp_last > 0)
        return STREAM_ENTRIES_READ_UNKNOWN;
    int cmp_first = stream_id_cmp(id, &s->first_id);
    if (stream_id_is_zero(&s->max_deleted_id) ||
        stream_id_cmp(&s->max_deleted_id, &s->first_id) < 0) {
        if (cmp_first < 0)
            return (long long)(s->entries_added - s->length);
        if (cmp_first == 0)
            return (long long)(s->entries_added - s->length + 1);
    }
    return STREAM_ENTRIES_READ_UNKNOWN;
}

/* ==== testing ================================================================== */

static void check_block(const struct block *b, struct stream_id *prev, uint64_t *live)
{
    const unsigned char *p = b->data + b->first_entry, *end = b->data + b->len;
    unsigned nlive = 0, ndel = 0, flags = 0;
    struct stream_id id = {0, 0};
    INVARIANT(b->len <= b->cap && b->cap <= BLOCK_BYTES_MAX);
    while (p < end) {
        if ((nlive + ndel) % STREAM_ITER_WINDOW == 0 && nlive + ndel)
            INVARIANT(b->marks[(nlive + ndel) / STREAM_ITER_WINDOW - 1] == p - b->data);
        flags = entry_head(b, &p, &id);
        entry_skip_body(b, flags, &p);
        if (nlive + ndel == 0)
            INVARIANT(stream_id_cmp(&id, &b->master) == 0);
        INVARIANT(stream_id_cmp(&id, prev) > 0);
        *prev = id;
        if (flags & F_DELETED)
            ndel++;
        else
            nlive++;
    }
    INVARIANT(p == end);
    INVARIANT(nlive == b->live && ndel == b->deleted && nlive + ndel > 0);
    INVARIANT(b->nmarks == (nlive + ndel - 1) / STREAM_ITER_WINDOW);
    INVARIANT(b->lp_exact ? lp_scan(b) == b->lp_body : lp_scan(b) <= b->lp_body);
    INVARIANT(stream_id_cmp(&id, &b->last) == 0);
    INVARIANT(b->last_deleted == ((flags & F_DELETED) != 0));
    (void)flags;
    *live += nlive;
}

static void check_group(const struct stream_group *g)
{
    size_t total = 0;
    for (struct stream_consumer *c = stream_consumer_first(g); c; c = stream_consumer_next(c)) {
        avl__check_invariants(&c->pel);
        for (struct avl_node *n = avl_first(&c->pel); n; n = avl_next(n)) {
            INVARIANT(cnack_of(n)->consumer == c);
            INVARIANT(stream_nack_find(g, &cnack_of(n)->id) == cnack_of(n));
        }
        total += avl_count(&c->pel);
    }
    INVARIANT(avl__check_invariants(&g->pel) == total);
}

void stream__check_invariants(const struct stream *s)
{
    uint64_t live = 0;
    struct stream_id prev = {0, 0};
    avl__check_invariants(&s->blocks);
    for (struct avl_node *n = avl_first(&s->blocks); n; n = avl_next(n))
        check_block(block_of(n), &prev, &live);
    INVARIANT(live == s->length);
    INVARIANT(stream_id_cmp(&prev, &s->last_id) <= 0);
    struct stream_id first = first_live_id(s);
    INVARIANT(stream_id_cmp(&first, &s->first_id) == 0);
    avl__check_invariants(&s->groups);
    for (struct stream_group *g = stream_group_first(s); g; g = stream_group_next(g))
        check_group(g);
}
