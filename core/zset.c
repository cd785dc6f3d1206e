/*
 * zset.c - the sorted set value type: a compact buffer of (member, score)
 * entries for small zsets, a hashmap from member to node plus an
 * order-statistic AVL tree (core/avl.h) keyed by (score, member) for big
 * ones.
 *
 * Design
 *   Compact form ("listpack", after Redis 7.0): one heap buffer of
 *   entries in (score, member) order
 *
 *       +------+--------------+-------+------+--------------+-------+----
 *       | mlen | member bytes | score | mlen | member bytes | score | ...
 *       +------+--------------+-------+------+--------------+-------+----
 *        varint   mlen B       varint(+8 B)
 *
 *   where the score is a varint v: an even v is an integer score, the
 *   zigzag form of v >> 1 (so 0..31 and -1..-32 take one byte); v == 1
 *   means the 8 bytes of a double follow. Integral scores in (-2^52,
 *   2^52) are stored as integers, -0 among them, which thus reads back as
 *   0, as from a Redis listpack (Redis 7.0 replies "0" there, "-0" from a
 *   skiplist). Greater integral scores stay doubles here, exact either
 *   way; a Redis listpack holds those up to +-2^62 as integers
 *   (zset_score_to_ll), which only DUMP and ZSCAN show. Every operation walks the buffer:
 *   at the default limits at most 128 entries of at most 66 bytes, which
 *   is why Redis keeps small zsets this way too. The buffer is allocated
 *   at its exact size and its capacity is the allocator's
 *   (bytes_buf_resize): none is stored and no slack beyond the size class
 *   is paid for.
 *
 *   Big form ("skiplist"): each member is one hashmap entry (entry API):
 *   its bytes are the entry's key, and the entry's extra region holds the
 *   node, its score and its embedded avl_node (links, height, subtree
 *   size), so a member costs one allocation (64 bytes for a 10-byte
 *   member) and the tree finds a node's member through
 *   hashmap_extra_key. The map gives O(1) ZSCORE and the node to
 *   unlink: removal then needs no compare, and ZRANK walks up from the
 *   node through its parents summing left subtree sizes. Select by rank
 *   and count-below are O(log n) descents. A score change is a removal
 *   plus a re-insert of the same node. Entries never move while linked
 *   (they are never resized), so the tree's pointers into them hold.
 *
 *   Conversion compact -> big happens before an insert of a new member
 *   that would pass zset-max-listpack-entries, is longer than
 *   zset-max-listpack-value or would grow the buffer past Redis's listpack
 *   safety limit (1 GiB), the limits read at that moment; it is one-way,
 *   as in Redis. Being done before the write, running out of memory leaves
 *   the zset as it was.
 *
 *   struct zset itself is 16 bytes, the smallest allocation: small zsets
 *   are most zsets, so the header is kept to what both forms need, its
 *   boxed ops (which point into an object_env, which also gives the
 *   hasher and the limits) and one word, the compact buffer or the big
 *   form with bit 0 set. The compact form's byte length and count are the
 *   head of its buffer (bytes.h), 2 bytes for 10 members of 10 bytes with
 *   small integer scores, which fit in the buffer's size class: a zset of
 *   10 takes 16 + 128 bytes, was 32 + 128. An empty zset has no buffer.
 *
 * Thread safety: none (the shard lock guards the key holding the zset).
 */
#include "zset.h"

#include <assert.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "avl.h"
#include "bytes.h"
#include "invariant.h"

#define COMPACT_MAX_BYTES (1u << 30) /* Redis's LISTPACK_MAX_SAFETY_SIZE */
#define SCORE_DOUBLE 1               /* the score varint announcing 8 bytes of double */
#define SCORE_INT_LIMIT 4503599627370496.0 /* 2^52: listpacks store |integers| below */

/* A big zset's member: the extra region of its entry in the member map,
 * whose key is the member (zmember). */
struct znode {
    struct avl_node avl;
    double score;
};

/* The big form. */
struct zbig {
    struct hashmap *map; /* member -> its struct znode, in the entry */
    struct avl_tree tree;
};

struct zset {
    struct object_boxed boxed; /* first: the keyspace holds &boxed; its ops
                                  are an object_env's (hasher, limits) */
    uintptr_t word; /* compact: its buffer, head first (NULL when empty);
                       big: its struct zbig, tagged (bytes.h's bytes_word_*) */
};
static_assert(sizeof(struct zset) == 16, "a zset header is the smallest allocation");

static void boxed_free_cb(struct object_boxed *b);
static struct object_boxed *boxed_dup_cb(const struct object_boxed *b);

static const struct object_boxed_ops zset_ops = {
    .free_cb = boxed_free_cb,
    .dup_cb = boxed_dup_cb,
};

/* The hasher and the limits (read at each insert), from the ops. */
static const struct object_env *env_of(const struct zset *z)
{
    return (const struct object_env *)(const void *)z->boxed.ops;
}

/* The big form. */
static struct zbig *big_of(const struct zset *z)
{
    return bytes_word_big(z->word);
}

/* (score, member) order: <0, 0, >0 as the first sorts before, with, after
 * the second. */
static int order_cmp(double s1, const char *m1, size_t l1, double s2, const char *m2, size_t l2)
{
    if (s1 < s2)
        return -1;
    if (s1 > s2)
        return 1;
    return bytes_cmp(m1, l1, m2, l2);
}

/* ==== the compact form ========================================================== */

/* Whether the score is stored as an integer, and which. */
static bool score_as_int(double score, int64_t *i)
{
    if (!(score > -SCORE_INT_LIMIT && score < SCORE_INT_LIMIT))
        return false;
    *i = (int64_t)score;
    return (double)*i == score;
}

static uint64_t zigzag(int64_t i)
{
    return ((uint64_t)i << 1) ^ (uint64_t)(i >> 63);
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static size_t score_size(double score)
{
    int64_t i;
    return score_as_int(score, &i) ? bytes_varint_size(zigzag(i) << 1) : 1 + sizeof(double);
}

static size_t entry_size(size_t len, double score)
{
    return bytes_varint_size(len) + len + score_size(score);
}

/* Write an entry at p; returns its size. */
static size_t entry_put(unsigned char *p, const void *member, size_t len, double score)
{
    size_t n = bytes_varint_put(p, len);
    if (len)
        memcpy(p + n, member, len);
    n += len;
    int64_t i;
    if (score_as_int(score, &i))
        return n + bytes_varint_put(p + n, zigzag(i) << 1);
    p[n++] = SCORE_DOUBLE;
    memcpy(p + n, &score, sizeof(score));
    return n + sizeof(score);
}

/* Read the entry at offset off; returns the offset of the next one. */
static size_t entry_get(const unsigned char *buf, size_t off, struct zset_member *m)
{
    uint64_t v;
    off += bytes_varint_get(&buf[off], &v);
    m->len = (size_t)v;
    m->ptr = (const char *)&buf[off];
    off += m->len;
    off += bytes_varint_get(&buf[off], &v);
    if (v == SCORE_DOUBLE) {
        memcpy(&m->score, &buf[off], sizeof(m->score));
        return off + sizeof(m->score);
    }
    m->score = (double)unzigzag(v >> 1);
    return off;
}

/* The offset past the score at off, without decoding it. */
static size_t score_skip(const unsigned char *buf, size_t off)
{
    if (buf[off] == SCORE_DOUBLE)
        return off + 1 + sizeof(double);
    while (buf[off] & 0x80)
        off++;
    return off + 1;
}

/* A compact zset's entries, as read from its buffer's head. */
struct zcompact {
    const unsigned char *e; /* the first entry (NULL when empty) */
    struct bytes_head hd;
};

static void compact_of(const struct zset *z, struct zcompact *c)
{
    const unsigned char *buf = bytes_word_buf(z->word);
    size_t size = bytes_head_get(buf, &c->hd);
    c->e = buf ? buf + size : NULL;
}

/* The offset of the member's entry (its rank in *rank, the entry in *m),
 * or c->hd.used when absent. Scores are skipped, not decoded, on the way. */
static size_t compact_find(const struct zcompact *c, const void *member, size_t len,
                           size_t *rank, struct zset_member *m)
{
    size_t off = 0;
    for (size_t r = 0; off < c->hd.used; r++) {
        uint64_t mlen;
        size_t p = off + bytes_varint_get(&c->e[off], &mlen);
        if (mlen == len && memcmp(&c->e[p], member, len) == 0) {
            *rank = r;
            entry_get(c->e, off, m);
            return off;
        }
        off = score_skip(c->e, p + (size_t)mlen);
    }
    return c->hd.used;
}

/* The offset of the entry at rank r among the entries at e (their size
 * for r == count). */
static size_t compact_offset(const unsigned char *e, size_t r)
{
    struct zset_member m;
    size_t off = 0;
    while (r-- > 0)
        off = entry_get(e, off, &m);
    return off;
}

/* Cut the entry [off, next) out (c: the zset's entries as read; its
 * head follows the change, its e goes stale). */
static void compact_cut(struct zset *z, struct zcompact *c, size_t off, size_t next)
{
    int rc = bytes_word_splice(&z->word, &c->hd, off, next - off, 0, c->hd.count - 1);
    assert(rc == ZSET_OK && "a splice that shrinks allocates nothing");
    (void)rc;
}

/* The offset of the first entry that sorts after (score, member). */
static size_t compact_place(const struct zcompact *c, const void *member, size_t len,
                            double score)
{
    struct zset_member m;
    size_t off = 0;
    while (off < c->hd.used) {
        size_t next = entry_get(c->e, off, &m);
        if (order_cmp(score, member, len, m.score, m.ptr, m.len) < 0)
            break;
        off = next;
    }
    return off;
}

/* Insert an absent member at its place (c as for compact_cut). ZSET_ENOMEM
 * changes nothing. */
static int compact_insert(struct zset *z, struct zcompact *c, const void *member, size_t len,
                          double score)
{
    size_t off = compact_place(c, member, len, score);
    if (bytes_word_splice(&z->word, &c->hd, off, 0, entry_size(len, score), c->hd.count + 1) < 0)
        return ZSET_ENOMEM;
    entry_put(bytes_word_buf(z->word) + c->hd.size + off, member, len, score);
    return ZSET_OK;
}

/* Give the member at [off, next) a new score: it moves to its new place.
 * Its bytes are resized where they are first (the one step that may
 * allocate, so ENOMEM changes nothing; none when the score keeps its
 * size, as ZINCRBY's mostly do), then the entries between the old place
 * and the new one shift over it: no second allocation, and no second
 * walk to find the place. */
static int compact_rescore(struct zset *z, struct zcompact *c, size_t off, size_t next,
                           const void *member, size_t len, double score)
{
    size_t to = compact_place(c, member, len, score), size = entry_size(len, score);
    if (to > off) /* past the old entry: where it lands once that is gone */
        to -= next - off;
    if (bytes_word_splice(&z->word, &c->hd, off, next - off, size, c->hd.count) < 0)
        return ZSET_ENOMEM;
    unsigned char *e = bytes_word_buf(z->word) + c->hd.size;
    if (to < off)
        memmove(e + to + size, e + to, off - to);
    else
        memmove(e + off, e + off + size, to - off);
    entry_put(e + to, member, len, score);
    return ZSET_OK;
}

/* ==== the big form ============================================================= */

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

/* The node's member: its entry's key. */
static const char *zmember(const struct znode *n, size_t *len)
{
    return hashmap_extra_key(n, len);
}

static void znode_get(const struct znode *n, struct zset_member *m)
{
    m->ptr = zmember(n, &m->len);
    m->score = n->score;
}

static int zkey_cmp(const void *key, const struct avl_node *an)
{
    const struct zkey *k = key;
    const struct znode *n = znode_of(an);
    if (k->score != n->score)
        return k->score < n->score ? -1 : 1;
    size_t len;
    const char *member = zmember(n, &len);
    return bytes_cmp(k->member, k->len, member, len);
}

static void tree_insert(struct zbig *b, struct znode *n)
{
    struct zkey k = {n->score, NULL, 0};
    k.member = zmember(n, &k.len);
    struct avl_node *dup = avl_insert(&b->tree, &n->avl, &k, zkey_cmp);
    assert(dup == NULL && "the member map keeps members unique");
    (void)dup;
}

static void big_destroy(struct zbig *b)
{
    if (b == NULL)
        return;
    hashmap_destroy(b->map); /* the nodes live in its entries */
    free(b);
}

static struct zbig *big_create(const struct hashmap_hasher *hasher)
{
    struct zbig *b = malloc(sizeof(*b));
    if (b == NULL)
        return NULL;
    avl_init(&b->tree);
    if ((b->map = hashmap_create_with(hasher, HASHMAP_DENSE)) == NULL) {
        free(b);
        return NULL;
    }
    return b;
}

/* The member's entry, or NULL when absent. */
static struct hashmap_entry *big_find(const struct zbig *b, const void *member, size_t len)
{
    return hashmap_find(b->map, member, len, hashmap_hash(b->map, member, len));
}

static struct znode *big_node(const struct zbig *b, const void *member, size_t len)
{
    struct hashmap_entry *e = big_find(b, member, len);
    return e ? hashmap_entry_extra(e) : NULL;
}

/* Set member's score (n: its node, NULL when absent). */
static int big_set(struct zbig *b, const void *member, size_t len, double score, bool *added,
                   struct znode *n)
{
    *added = n == NULL;
    if (n != NULL) {
        if (n->score != score) {
            avl_remove(&b->tree, &n->avl);
            n->score = score;
            tree_insert(b, n);
        }
        return ZSET_OK;
    }
    struct hashmap_entry *e =
        hashmap_insert(b->map, member, len, hashmap_hash(b->map, member, len), sizeof(*n));
    if (e == NULL)
        return ZSET_ENOMEM;
    n = hashmap_entry_extra(e);
    n->score = score;
    tree_insert(b, n);
    return ZSET_OK;
}

/* Compact -> big. On ENOMEM the zset stays compact. */
static int convert(struct zset *z)
{
    struct zbig *b = big_create(env_of(z)->hasher);
    if (b == NULL)
        return ZSET_ENOMEM;
    struct zcompact c;
    struct zset_member m;
    bool added;
    compact_of(z, &c);
    for (size_t off = 0; off < c.hd.used;) {
        off = entry_get(c.e, off, &m);
        if (big_set(b, m.ptr, m.len, m.score, &added, NULL) < 0) {
            big_destroy(b);
            return ZSET_ENOMEM;
        }
    }
    free(bytes_word_buf(z->word));
    z->word = bytes_word_of_big(b);
    return ZSET_OK;
}

/* ==== lifecycle ================================================================ */

struct zset *zset_create(const struct hashmap_hasher *hasher, const struct object_limits *limits)
{
    const struct object_env *env = object_env(&zset_ops, hasher, limits);
    struct zset *z = env ? calloc(1, sizeof(*z)) : NULL;
    if (z == NULL)
        return NULL;
    z->boxed.ops = &env->ops;
    return z;
}

struct zset *zset_create_skiplist(const struct hashmap_hasher *hasher,
                                  const struct object_limits *limits)
{
    struct zset *z = zset_create(hasher, limits);
    if (z == NULL)
        return NULL;
    struct zbig *b = big_create(hasher);
    if (b == NULL) {
        free(z);
        return NULL;
    }
    z->word = bytes_word_of_big(b);
    return z;
}

void zset_destroy(struct zset *z)
{
    if (z == NULL)
        return;
    if (bytes_word_is_big(z->word))
        big_destroy(big_of(z));
    else
        free(bytes_word_buf(z->word));
    free(z);
}

struct object_boxed *zset_boxed(struct zset *z)
{
    return &z->boxed;
}

struct zset *zset_from_boxed(struct object_boxed *b)
{
    assert(b->ops->free_cb == boxed_free_cb);
    return (struct zset *)b;
}

/* A big zset's copy is big from the start, so its -0 scores keep their
 * sign; a compact one's is a copy of the buffer, compact whatever the
 * limits say now, as Redis copies the listpack itself. */
struct zset *zset_dup(const struct zset *z)
{
    if (!bytes_word_is_big(z->word)) {
        struct zset *copy = zset_create(env_of(z)->hasher, env_of(z)->limits);
        unsigned char *buf;
        if (copy == NULL || bytes_head_dup(bytes_word_buf(z->word), &buf) < 0) {
            free(copy);
            return NULL;
        }
        copy->word = (uintptr_t)buf;
        return copy;
    }
    struct zset *copy = zset_create_skiplist(env_of(z)->hasher, env_of(z)->limits);
    if (copy == NULL)
        return NULL;
    bool added;
    for (const struct avl_node *an = avl_first(&big_of(z)->tree); an; an = avl_next(an)) {
        struct zset_member m;
        znode_get(znode_of(an), &m);
        if (big_set(big_of(copy), m.ptr, m.len, m.score, &added, NULL) < 0) {
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
    if (bytes_word_is_big(z->word))
        return avl_count(&big_of(z)->tree);
    struct bytes_head hd;
    bytes_head_get(bytes_word_buf(z->word), &hd);
    return hd.count;
}

enum object_encoding zset_encoding(const struct zset *z)
{
    return bytes_word_is_big(z->word) ? OBJECT_ENC_SKIPLIST : OBJECT_ENC_LISTPACK;
}

const struct hashmap *zset_table(const struct zset *z)
{
    return bytes_word_is_big(z->word) ? big_of(z)->map : NULL;
}

size_t zset_bytes(const struct zset *z)
{
    size_t own = malloc_usable_size((void *)z);
    if (!bytes_word_is_big(z->word))
        return own + (bytes_word_buf(z->word) ? malloc_usable_size(bytes_word_buf(z->word)) : 0);
    return own + malloc_usable_size(big_of(z)) + hashmap_bytes(big_of(z)->map);
}

bool zset_score(struct zset *z, const void *member, size_t len, double *score)
{
    if (!bytes_word_is_big(z->word)) {
        struct zcompact c;
        struct zset_member m;
        size_t rank;
        compact_of(z, &c);
        if (compact_find(&c, member, len, &rank, &m) == c.hd.used)
            return false;
        *score = m.score;
        return true;
    }
    const struct znode *n = big_node(big_of(z), member, len);
    if (n == NULL)
        return false;
    *score = n->score;
    return true;
}

bool zset_rank(struct zset *z, const void *member, size_t len, size_t *rank)
{
    if (!bytes_word_is_big(z->word)) {
        struct zcompact c;
        struct zset_member m;
        compact_of(z, &c);
        return compact_find(&c, member, len, rank, &m) != c.hd.used;
    }
    const struct znode *n = big_node(big_of(z), member, len);
    if (n == NULL)
        return false;
    *rank = avl_rank(&n->avl);
    return true;
}

void zset_at(const struct zset *z, size_t rank, struct zset_member *m)
{
    assert(rank < zset_len(z));
    if (!bytes_word_is_big(z->word)) {
        struct zcompact c;
        compact_of(z, &c);
        entry_get(c.e, compact_offset(c.e, rank), m);
        return;
    }
    znode_get(znode_of(avl_at(&big_of(z)->tree, rank)), m);
}

/* A bound, not a member: it orders after every node below it (score <
 * bound, or <= with inclusive) and before the rest, never equal. */
struct zbound {
    double score;
    bool inclusive;
};

static bool below(double score, const struct zbound *b)
{
    return score < b->score || (b->inclusive && score == b->score);
}

static int zbound_cmp(const void *key, const struct avl_node *an)
{
    return below(znode_of(an)->score, key) ? 1 : -1;
}

size_t zset_count_below(const struct zset *z, double score, bool inclusive)
{
    struct zbound b = {score, inclusive};
    if (bytes_word_is_big(z->word))
        return avl_count_before(&big_of(z)->tree, &b, zbound_cmp);
    struct zcompact c;
    struct zset_member m;
    size_t n = 0;
    compact_of(z, &c);
    for (size_t off = 0; off < c.hd.used && (off = entry_get(c.e, off, &m), below(m.score, &b));)
        n++;
    return n;
}

bool zset_score_to_ll(double score, long long *out)
{
    if (score < (double)(-LLONG_MAX / 2) || score > (double)(LLONG_MAX / 2))
        return false;
    long long ll = (long long)score;
    if ((double)ll != score)
        return false;
    *out = ll;
    return true;
}

/* ==== writing ================================================================== */

/* Redis's zsetAdd: a new member that would pass the limits turns a
 * compact zset into a big one first. */
int zset_set(struct zset *z, const void *member, size_t len, double score, bool *added)
{
    assert(!isnan(score));
    bool dummy;
    if (added == NULL)
        added = &dummy;
    if (!bytes_word_is_big(z->word)) {
        struct zcompact c;
        struct zset_member m;
        size_t rank;
        compact_of(z, &c);
        size_t off = compact_find(&c, member, len, &rank, &m);
        if (off != c.hd.used) {
            *added = false;
            if (m.score == score) /* -0 for 0 too: both are stored as 0 */
                return ZSET_OK;
            return compact_rescore(z, &c, off, entry_get(c.e, off, &m), member, len, score);
        }
        *added = true;
        const struct object_limits *l = env_of(z)->limits;
        if ((c.hd.count + 1ull > (unsigned long long)l->zset_max_listpack_entries ||
             len > (unsigned long long)l->zset_max_listpack_value ||
             c.hd.used + entry_size(len, score) > COMPACT_MAX_BYTES) &&
            convert(z) < 0)
            return ZSET_ENOMEM;
        if (!bytes_word_is_big(z->word))
            return compact_insert(z, &c, member, len, score);
    }
    return big_set(big_of(z), member, len, score, added, big_node(big_of(z), member, len));
}

bool zset_remove(struct zset *z, const void *member, size_t len)
{
    if (!bytes_word_is_big(z->word)) {
        struct zcompact c;
        struct zset_member m;
        size_t rank;
        compact_of(z, &c);
        size_t off = compact_find(&c, member, len, &rank, &m);
        if (off == c.hd.used)
            return false;
        compact_cut(z, &c, off, entry_get(c.e, off, &m));
        return true;
    }
    struct zbig *b = big_of(z);
    struct hashmap_entry *e = big_find(b, member, len);
    if (e == NULL)
        return false;
    struct znode *n = hashmap_entry_extra(e);
    avl_remove(&b->tree, &n->avl);
    hashmap_remove(b->map, e);
    return true;
}

/* ==== loading ================================================================== */

static int item_order_cmp(const void *pa, const void *pb)
{
    const struct zset_member *a = pa, *b = pb;
    return order_cmp(a->score, a->ptr, a->len, b->score, b->ptr, b->len);
}

static int item_member_cmp(const void *pa, const void *pb)
{
    const struct zset_member *a = *(const struct zset_member *const *)pa;
    const struct zset_member *b = *(const struct zset_member *const *)pb;
    return bytes_cmp(a->ptr, a->len, b->ptr, b->len);
}

/* Whether a member repeats among the items: sorted by member, repeats
 * are neighbours. */
static int find_repeat(const struct zset_member *items, size_t n)
{
    const struct zset_member **byname = malloc(n * sizeof(*byname));
    if (byname == NULL)
        return ZSET_ENOMEM;
    for (size_t i = 0; i < n; i++)
        byname[i] = &items[i];
    qsort(byname, n, sizeof(*byname), item_member_cmp);
    int rc = ZSET_OK;
    for (size_t i = 1; i < n && rc == ZSET_OK; i++)
        if (item_member_cmp(&byname[i - 1], &byname[i]) == 0)
            rc = ZSET_EDUP;
    free(byname);
    return rc;
}

/* The items, in order and unique, as the compact form. */
static int load_compact(struct zset *z, const struct zset_member *items, size_t n, size_t bytes)
{
    struct bytes_head hd = {0};
    if (bytes_word_splice(&z->word, &hd, 0, 0, bytes, n) < 0)
        return ZSET_ENOMEM;
    for (size_t i = 0, off = hd.size; i < n; i++)
        off += entry_put(bytes_word_buf(z->word) + off, items[i].ptr, items[i].len, items[i].score);
    return ZSET_OK;
}

int zset_load(struct zset *z, struct zset_member *items, size_t n, bool from_listpack)
{
    assert(zset_len(z) == 0 && !bytes_word_is_big(z->word));
    const struct object_limits *l = env_of(z)->limits;
    size_t bytes = 0, maxlen = 0;
    for (size_t i = 0; i < n; i++) {
        assert(!isnan(items[i].score));
        bytes += entry_size(items[i].len, items[i].score);
        if (items[i].len > maxlen)
            maxlen = items[i].len;
    }
    bool compact = n <= (unsigned long long)l->zset_max_listpack_entries &&
                   (from_listpack || maxlen <= (unsigned long long)l->zset_max_listpack_value) &&
                   bytes <= COMPACT_MAX_BYTES;
    if (compact) {
        size_t i = 1;
        while (i < n && item_order_cmp(&items[i - 1], &items[i]) < 0)
            i++;
        if (i < n) /* not already in order (a listpack is, when Redis wrote it) */
            qsort(items, n, sizeof(*items), item_order_cmp);
        int rc = find_repeat(items, n);
        return rc < 0 ? rc : load_compact(z, items, n, bytes);
    }
    struct zbig *b = big_create(env_of(z)->hasher);
    if (b == NULL)
        return ZSET_ENOMEM;
    bool added = true;
    int rc = ZSET_OK;
    for (size_t i = 0; rc == ZSET_OK && i < n; i++) {
        rc = big_set(b, items[i].ptr, items[i].len, items[i].score, &added,
                     big_node(b, items[i].ptr, items[i].len));
        if (rc == ZSET_OK && !added)
            rc = ZSET_EDUP;
    }
    if (rc < 0) {
        big_destroy(b);
        return rc;
    }
    z->word = bytes_word_of_big(b);
    return ZSET_OK;
}

/* ==== visiting ================================================================= */

void zset_iter_init(struct zset_iter *it, const struct zset *z, size_t rank, bool reverse)
{
    *it = (struct zset_iter){.z = z, .rank = rank, .reverse = reverse};
    size_t n = zset_len(z);
    if (rank >= n) {
        it->left = 0;
        return;
    }
    it->left = reverse ? rank + 1 : n - rank;
    if (bytes_word_is_big(z->word)) {
        it->node = avl_at(&big_of(z)->tree, rank);
        return;
    }
    struct zcompact c;
    compact_of(z, &c);
    it->e = c.e;
    if (!reverse)
        it->off = compact_offset(c.e, rank);
}

/* Compact and reversed: fill the stack with the offsets of the entries
 * up to it->rank (as many as it holds), walking from the start. */
static void iter_refill(struct zset_iter *it)
{
    size_t first = it->rank + 1 > ZSET_ITER_STACK ? it->rank + 1 - ZSET_ITER_STACK : 0;
    size_t off = compact_offset(it->e, first);
    struct zset_member m;
    it->depth = 0;
    for (size_t r = first; r <= it->rank; r++) {
        it->stack[it->depth++] = (uint32_t)off;
        off = entry_get(it->e, off, &m);
    }
}

bool zset_iter_next(struct zset_iter *it, struct zset_member *m)
{
    if (it->left == 0)
        return false;
    it->left--;
    if (bytes_word_is_big(it->z->word)) {
        znode_get(znode_of(it->node), m);
        it->node = it->reverse ? avl_prev(it->node) : avl_next(it->node);
    } else if (!it->reverse) {
        it->off = entry_get(it->e, it->off, m);
    } else {
        if (it->depth == 0)
            iter_refill(it);
        entry_get(it->e, it->stack[--it->depth], m);
    }
    it->rank += it->reverse ? (size_t)-1 : 1;
    return true;
}

struct scan_adapter {
    zset_scan_fn fn;
    void *ud;
};

static void scan_entry_cb(struct hashmap_entry *e, void *ud)
{
    struct scan_adapter *a = ud;
    struct zset_member m;
    znode_get(hashmap_entry_extra(e), &m);
    a->fn(&m, a->ud);
}

uint64_t zset_scan(struct zset *z, uint64_t cursor, zset_scan_fn fn, void *ud)
{
    if (bytes_word_is_big(z->word)) {
        struct scan_adapter a = {fn, ud};
        return hashmap_scan(big_of(z)->map, cursor, scan_entry_cb, &a);
    }
    struct zcompact c;
    struct zset_member m;
    compact_of(z, &c);
    for (size_t off = 0; off < c.hd.used;) {
        off = entry_get(c.e, off, &m);
        fn(&m, ud);
    }
    return 0;
}

/* ==== testing ================================================================== */

static void check_compact(const struct zset *z)
{
    struct zcompact c;
    struct zset_member m, prev = {0};
    size_t off = 0, n = 0;
    compact_of(z, &c);
    if (c.e == NULL)
        return;
    /* A buffer only while there are members, its head in the shortest
     * form. No check against the limits: CONFIG SET may have lowered them
     * since. */
    INVARIANT(c.hd.count > 0 && c.hd.size == bytes_head_size(&c.hd));
    INVARIANT(malloc_usable_size(bytes_word_buf(z->word)) >= c.hd.size + c.hd.used);
    while (off < c.hd.used) {
        size_t next = entry_get(c.e, off, &m);
        INVARIANT(!isnan(m.score));
        INVARIANT(n == 0 || order_cmp(prev.score, prev.ptr, prev.len, m.score, m.ptr, m.len) < 0);
        INVARIANT(next - off == entry_size(m.len, m.score)); /* each score in its one form */
        prev = m;
        off = next;
        n++;
    }
    INVARIANT(off == c.hd.used && n == c.hd.count);
    for (size_t i = 0, o = 0; i < n; i++) { /* members unique */
        struct zset_member a;
        o = entry_get(c.e, o, &a);
        size_t rank;
        struct zset_member found;
        INVARIANT(compact_find(&c, a.ptr, a.len, &rank, &found) != c.hd.used && rank == i);
    }
}

/* The shape is avl.c's to check; the order and the member map are ours. */
static void check_big(const struct zbig *b)
{
    const struct znode *prev = NULL;
    size_t count = avl__check_invariants(&b->tree);
    for (const struct avl_node *an = avl_first(&b->tree); an; an = avl_next(an)) {
        const struct znode *n = znode_of(an);
        struct zset_member m;
        znode_get(n, &m);
        if (prev != NULL) {
            struct zkey k = {prev->score, NULL, 0};
            k.member = zmember(prev, &k.len);
            INVARIANT(zkey_cmp(&k, an) < 0);
        }
        INVARIANT(!isnan(n->score));
        INVARIANT(big_node(b, m.ptr, m.len) == n);
        prev = n;
    }
    INVARIANT(hashmap_size(b->map) == count);
}

void zset__check_invariants(const struct zset *z)
{
    INVARIANT(z->boxed.ops->free_cb == boxed_free_cb);
    if (bytes_word_is_big(z->word)) {
        check_big(big_of(z));
    } else {
        check_compact(z);
    }
}
