/*
 * stream.c - the stream value type: blocks of delta-encoded entries in an
 * AVL tree keyed by each block's first ID, plus consumer groups.
 *
 * Design
 *   Entries live in blocks of at most STREAM_BLOCK_MAX_ENTRIES, packed in
 *   one byte buffer per block, the way Redis packs a listpack node:
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
 *   Deleting an entry (XDEL, exact trimming inside a block) flips its
 *   DELETED flag; the block goes when its last live entry does, as Redis
 *   drops a listpack whose entries are all deleted. The block count
 *   includes deleted entries, so block boundaries fall where Redis's do
 *   for small entries and approximate trimming (whole blocks only)
 *   removes what Redis removes. A block's buffer grows by doubling while
 *   it is the tail and is shrunk to fit when the next block opens.
 *
 *   Seeking an ID is a descent of the block tree (the last block whose
 *   first ID is <= the ID) then a scan of at most 100 entries; the
 *   reverse walk decodes a block's entry offsets once.
 *
 *   Consumer groups and consumers are AVL trees ordered by name (Redis's
 *   rax order); each NACK sits in two AVL trees ordered by ID, its
 *   group's and its consumer's.
 *
 * Complexity: append O(1) amortised (plus O(log b) to open a block);
 * seek O(log b + 100); delete by ID the same; trim O(blocks removed).
 *
 * Thread safety: none (the shard lock guards the key holding the stream).
 */
#include "stream.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "invariant.h"

#define F_DELETED 1
#define F_SAME 2
#define F_MASK 3
#define MS_DELTA_MAX (UINT64_MAX >> 2) /* what fits beside the flags */
#define VARINT_MAX 10

struct block {
    struct avl_node avl;
    struct stream_id master;  /* the first entry's ID: the deltas' base, the tree key */
    struct stream_id last;    /* the last entry's ID, deleted or not */
    uint16_t live, deleted;
    bool last_deleted;        /* the entry with ID `last` is deleted */
    uint32_t len, cap;
    unsigned char *data;
    uint32_t first_entry;     /* offset of the first entry (after the master fields) */
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
    s->bytes -= sizeof(*b) + b->cap;
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

static size_t entry_size(const struct stream_str *fv, size_t n, bool same)
{
    size_t size = 2 * VARINT_MAX + (same ? 0 : varint_len(n / 2));
    for (size_t i = same ? 1 : 0; i < n; i += same ? 2 : 1)
        size += varint_len(fv[i].len) + fv[i].len;
    return size;
}

static struct block *block_open(struct stream *s, const struct stream_id *id,
                                const struct stream_str *fv, size_t n)
{
    size_t size = varint_len(n / 2);
    for (size_t i = 0; i < n; i += 2)
        size += varint_len(fv[i].len) + fv[i].len;
    struct block *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    s->bytes += sizeof(*b);
    if (block_reserve(s, b, size + entry_size(fv, n, true)) < 0) {
        block_free(s, b);
        return NULL;
    }
    unsigned char *w = b->data;
    w += varint_put(w, n / 2);
    for (size_t i = 0; i < n; i += 2) {
        w += varint_put(w, fv[i].len);
        memcpy(w, fv[i].ptr, fv[i].len);
        w += fv[i].len;
    }
    b->len = b->first_entry = (uint32_t)(w - b->data);
    b->master = *id;
    struct avl_node *dup = avl_insert(&s->blocks, &b->avl, id, id_block_cmp);
    assert(dup == NULL && "IDs only grow");
    (void)dup;
    return b;
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
        if (c->data == NULL) {
            free(c);
            return STREAM_ENOMEM;
        }
        memcpy(c->data, b->data, b->len);
        c->cap = b->len;
        to->bytes += sizeof(*c) + c->cap;
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

/* Decode the offsets of the current block's entries (reverse walk). */
static void iter_load_offsets(struct stream_iter *it)
{
    const struct block *b = block_of(it->block);
    const unsigned char *p = b->data + b->first_entry, *end = b->data + b->len;
    it->noffs = 0;
    while (p < end) {
        struct stream_id id;
        it->offs[it->noffs++] = (uint32_t)(p - b->data);
        unsigned flags = entry_head(b, &p, &id);
        entry_skip_body(b, flags, &p);
    }
}

void stream_iter_init(struct stream_iter *it, const struct stream *s,
                      const struct stream_id *start, const struct stream_id *end, bool rev)
{
    it->s = s;
    it->start = *start;
    it->end = *end;
    it->rev = rev;
    it->noffs = 0;
    it->pairs = 0;
    if (stream_id_cmp(start, end) > 0) {
        it->block = NULL;
        return;
    }
    const struct block *b = block_for(s, rev ? end : start);
    /* Forward from before the first block: start with the first. */
    it->block = b ? &b->avl : rev ? NULL : avl_first(&s->blocks);
    if (it->block == NULL)
        return;
    b = block_of(it->block);
    if (rev)
        iter_load_offsets(it);
    else
        it->pos = b->first_entry;
}

/* Move to the next block in the walk's direction. */
static bool iter_next_block(struct stream_iter *it)
{
    it->block = it->rev ? block_prev(it->s, it->block) : avl_next(it->block);
    if (it->block == NULL)
        return false;
    if (it->rev)
        iter_load_offsets(it);
    else
        it->pos = block_of(it->block)->first_entry;
    return true;
}

/* The next entry's offset in the current block, or false at its end. */
static bool iter_take(struct stream_iter *it, uint32_t *off)
{
    const struct block *b = block_of(it->block);
    if (it->rev) {
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
        if ((flags & F_DELETED) ||
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

int stream_append(struct stream *s, const struct stream_id *id, const struct stream_str *fv,
                  size_t n)
{
    assert(n > 0 && n % 2 == 0 && stream_id_cmp(id, &s->last_id) > 0);
    size_t nblocks = avl_count(&s->blocks);
    struct block *b = nblocks ? block_of(avl_at(&s->blocks, nblocks - 1)) : NULL;
    bool same = b && same_fields(b, fv, n);
    size_t size = entry_size(fv, n, same);
    if (b && (b->live + b->deleted >= STREAM_BLOCK_MAX_ENTRIES ||
              b->len + size > STREAM_BLOCK_MAX_BYTES || id->ms - b->master.ms > MS_DELTA_MAX)) {
        block_shrink(s, b);
        b = NULL;
    }
    if (b == NULL) {
        if ((b = block_open(s, id, fv, n)) == NULL)
            return STREAM_ENOMEM;
        same = true;
        size = entry_size(fv, n, true);
    } else if (block_reserve(s, b, size) < 0) {
        return STREAM_ENOMEM;
    }
    unsigned char *w = b->data + b->len;
    w += varint_put(w, (id->ms - b->master.ms) << 2 | (same ? F_SAME : 0));
    w += varint_put(w, zigzag(id->seq - b->master.seq));
    if (!same)
        w += varint_put(w, n / 2);
    for (size_t i = same ? 1 : 0; i < n; i += same ? 2 : 1) {
        w += varint_put(w, fv[i].len);
        memcpy(w, fv[i].ptr, fv[i].len);
        w += fv[i].len;
    }
    b->len = (uint32_t)(w - b->data);
    b->live++;
    b->last = *id;
    b->last_deleted = false;
    s->length++;
    s->entries_added++;
    s->last_id = *id;
    if (s->length == 1)
        s->first_id = *id;
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

/* Flag the entry at off deleted; drop the block when it was the last
 * live one. */
static void block_delete_at(struct stream *s, struct block *b, uint32_t off)
{
    const unsigned char *p = b->data + off;
    struct stream_id id;
    entry_head(b, &p, &id);
    b->last_deleted |= stream_id_cmp(&id, &b->last) == 0;
    b->data[off] |= F_DELETED; /* the flags are the head varint's low bits */
    b->live--;
    b->deleted++;
    s->length--;
    if (b->live == 0)
        block_remove(s, b);
}

bool stream_delete(struct stream *s, const struct stream_id *id)
{
    struct block *b = block_for(s, id);
    uint32_t off;
    unsigned flags;
    if (b == NULL || !block_find(b, id, &off, &flags) || (flags & F_DELETED))
        return false;
    block_delete_at(s, b, off);
    if (stream_id_cmp(id, &s->max_deleted_id) > 0)
        s->max_deleted_id = *id;
    if (s->length == 0)
        s->first_id = (struct stream_id){0, 0};
    else if (stream_id_cmp(id, &s->first_id) == 0)
        s->first_id = first_live_id(s);
    return true;
}

/* Exact trimming inside the first block, as Redis's streamTrim: flag
 * entries deleted from the front until the target is met. */
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
        uint32_t off = pos;
        pos = (uint32_t)(p - b->data);
        if (!(flags & F_DELETED)) {
            bool last = b->live == 1;
            block_delete_at(s, b, off);
            deleted++;
            if (last)
                break;
        }
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
    unsigned nlive = 0, ndel = 0, last_flags = 0;
    struct stream_id id = {0, 0};
    INVARIANT(b->len <= b->cap);
    while (p < end) {
        unsigned flags = last_flags = entry_head(b, &p, &id);
        if (nlive + ndel == 0)
            INVARIANT(stream_id_cmp(&id, &b->master) == 0);
        INVARIANT(stream_id_cmp(&id, prev) > 0);
        *prev = id;
        entry_skip_body(b, flags, &p);
        if (flags & F_DELETED)
            ndel++;
        else
            nlive++;
    }
    INVARIANT(p == end);
    INVARIANT(nlive == b->live && ndel == b->deleted && nlive > 0);
    INVARIANT(stream_id_cmp(&id, &b->last) == 0);
    INVARIANT(b->last_deleted == ((last_flags & F_DELETED) != 0));
    (void)last_flags;
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
