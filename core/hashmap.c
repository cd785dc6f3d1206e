/*
 * hashmap.c - Grove's hash map: chained buckets, tree bins, incremental
 *             resizing in both directions.
 *
 * ==========================================================================
 * What it is
 * ==========================================================================
 * A map from binary-safe byte-string keys to a caller-sized "extra" region
 * stored inline in the key's entry. It is the storage under every shard of
 * the keyspace, so it is designed for three things, in this order:
 *
 *   1. No request ever pays for a whole rehash: resizing is incremental.
 *   2. The worst case stays logarithmic even when an attacker picks the
 *      keys: the hash is keyed (SipHash-1-3), and a bucket that still gets
 *      long turns into a balanced tree.
 *   3. Few bytes per key: one allocation per entry, a 12-byte header.
 *
 * ==========================================================================
 * Layout
 * ==========================================================================
 * A table is an array of 2^k bucket slots. A slot is a tagged pointer:
 *
 *     slot == 0            empty bucket
 *     slot & 1 == 0        chain: pointer to the first entry
 *     slot & 1 == 1        tree:  pointer (minus the tag) to a struct avl_tree
 *
 *     table:  [ 0 | e | 0 | t|1 | 0 | ... ]
 *                   |       |
 *                   v       v
 *                 entry   struct avl_tree { root }
 *                   |        |
 *                   v        v
 *                 entry   tree_node { avl_node, entry, hash }
 *                                               |
 *                                               v
 *                                             entry
 *
 * An entry is ONE allocation holding its key and its extra region:
 *
 *     0        8        10     11     12
 *     +--------+--------+------+------+-----------+- - - - - - - +-----------+
 *     | next   | hash16 | klen | xlen | key bytes | pad, backoff | extra ... |
 *     +--------+--------+------+------+-----------+- - - - - - - +-----------+
 *                        varints (1 byte each below               ^ 8-aligned,
 *                        64-byte keys, 128-byte extras)             or packed
 *
 *   next     chain link (NULL while the entry sits in a tree).
 *   hash16   the top 16 bits of the key's 64-bit hash. A chain walk
 *            compares it before touching the key bytes, so a miss almost
 *            never costs a memcmp. The bucket index uses the LOW bits, so
 *            the two never overlap for tables up to 2^48 buckets and all 16
 *            bits discriminate.
 *   klen     varint: the key's length << 1 | aligned.
 *   xlen     varint: the extra region's exact size.
 *   aligned  the map's choice (HASHMAP_PACKED or not).
 *            Aligned: the extra starts at the first multiple of 8 that
 *            leaves room, just before it, for the back-offset (the extra's
 *            offset in the entry, a varint read backwards, as a listpack's
 *            back-length), so a value embedded in the extra (a sorted
 *            set's tree node) finds its entry and key. Packed: the extra
 *            follows the key at once: bytes (a hash's field values) need
 *            no alignment, and a 10-byte field with a 10-byte value is
 *            then a 32-byte entry instead of 48 or 64.
 *
 * The header is 12 bytes for keys under 64 bytes and extras under 128,
 * and at most 16 until keys of 8 KiB with extras of 16 KiB, so an aligned
 * entry is never bigger than with a fixed 16-byte header in practice.
 * Decoding the two varints costs a few instructions per access, less than
 * the cache miss of touching the entry. The full hash is not cached: a
 * resize hashes again each key it moves out of a chain (tree nodes keep
 * the full hash), as Redis does; SipHash-1-3 on a short key costs less
 * than the cache miss of touching the entry, which the move pays anyway.
 *
 * Per-entry overhead, beyond the key and extra bytes themselves:
 *   12 bytes header + (aligned) 1..8 bytes of padding and back-offset +
 *   the allocator's rounding (jemalloc: 16-byte classes up to 128) + one
 *   8-byte slot per bucket, i.e. 8 to 16 bytes per entry at load factors
 *   1.0 down to 0.5 (up to 64 after deletes, at load 1/8 just before a
 *   shrink); 4 to 8 bytes in a dense map (loads 2.0 down to 1.0).
 *   Example: a 16-byte key with a pointer value is a 40-byte request (48
 *   byte jemalloc class) plus 8..16 bytes of table: 56..64 bytes per key.
 *
 * Tree nodes are separate 48-byte allocations pointing at entries (plus an
 * 8-byte struct avl_tree per tree bucket). They cost more, but a tree bucket
 * needs 9 colliding keys in a table of 64+ buckets, which random keys
 * almost never produce (see "Thresholds"), so ordinary entries stay lean.
 *
 * ==========================================================================
 * Load factors
 * ==========================================================================
 * Grow (double) when size > buckets, i.e. load factor 1.0, like Redis, not
 * Java's 0.75. Entries hold their keys inline and cache 16 hash bits, so a
 * chain step is one cache miss and a false key compare is 1 in 65536; at
 * load 1.0 the average successful lookup walks 1.5 entries, and the table
 * costs 8-16 bytes per key instead of 11-21. Memory per key is a headline
 * figure for Grove, so the denser table wins.
 *
 * A dense map (HASHMAP_DENSE: the members of a set, the fields of a hash,
 * the members of a sorted set) grows when size > 2 * buckets. Its entries
 * are small (a 10-byte set member is a 32-byte allocation), so the table's
 * 8-16 bytes per entry were a fifth to a third of the whole; at loads 1 to
 * 2 it costs 4-8. The price is the walk: a successful lookup visits 1.5 to
 * 2 entries instead of 1.25 to 1.5, and by chance about one bucket in
 * 5,000 reaches 9 entries and becomes a tree (see "Thresholds").
 *
 * Shrink when size < buckets / 8, to the smallest power of two >= 2 * size
 * (never below MIN_BUCKETS = 8). After a shrink the load is in
 * (1/4, 1/2]: the size must double to grow again or fall by 2-4x to shrink
 * again, so alternating inserts and deletes cannot make the table flap.
 * A dense map shrinks to the smallest power of two >= size, to a load in
 * (1/2, 1]: the same margins to its own bounds, 2 and 1/8.
 *
 * ==========================================================================
 * Incremental resizing (two tables)
 * ==========================================================================
 * A resize allocates the new table t[1] and leaves the entries in t[0].
 * rehash_idx walks t[0] upward; buckets below it are empty (moved).
 *
 *     t[0]: [ moved | moved | moved | B | C | D | ... ]     rehash_idx = 3
 *     t[1]: [ entries moved so far + every entry inserted since ]
 *
 *   - Inserts go to t[1]. Lookups probe t[0] (only if the key's t[0]
 *     bucket has not moved yet) and then t[1].
 *   - Every write (insert, put, delete, remove, entry resize) first moves
 *     WRITE_STEP_BUCKETS (2) non-empty buckets, or visits up to 10 empty
 *     buckets per bucket of budget. hashmap_rehash_step() does the same
 *     with the caller's budget, from the owner's idle timer.
 *   - When t[0] holds no entries it is freed and t[1] becomes t[0].
 *
 * Bound per call: moving a chain bucket costs at most ~8 entries in a table
 * of 64+ buckets (longer chains become trees). Moving a tree bucket of n
 * entries costs O(n log n), but trees only exist when keys collide on the
 * hash itself, which the keyed hash makes the attacker's problem. With a
 * 2-bucket budget a grow from B to 2B buckets finishes within about B/3
 * writes, by which time the new table is at most ~2/3 full, so a grow can
 * never be needed while one is running. No call ever walks a whole table,
 * except hashmap_clear/destroy and the test helpers (hashmap__*).
 *
 * A tree bucket is moved by taking its nodes in order and re-adding each
 * entry to its destination bucket (reusing the node), so the destination
 * honours the thresholds of the NEW table: it may become a chain (a table
 * under 64 buckets, or few entries) or a tree (9+ entries).
 *
 * While an iterator is live (map->iterators > 0) no rehash step runs and
 * no resize starts, so entries stay put and iteration is exactly-once.
 *
 * Freeing a big old table at the end would be one long munmap (several ms
 * for 64 MB). So for old tables of 1 MB and more, the pages of the part
 * already moved are handed back with madvise(MADV_DONTNEED) 256 KB at a
 * time as the rehash advances; moved buckets are zero and released pages
 * read back as zero, so nothing observable changes.
 *
 * Tables of 2 MB and more ask for transparent huge pages
 * (madvise(MADV_HUGEPAGE), which the default THP mode "madvise" honours).
 * Every lookup in a big table is a random access, and with 4 KB pages it
 * misses the TLB as well as the cache: loading 10M keys (a 16M-bucket
 * table spread over 16 shards, 128 MB) spent half its time on the bucket
 * load, and huge pages cut the load by 10-15%. Only the tables get them,
 * never the entries, so the memory cost is nil (a table this big is
 * touched throughout). While a snapshot child shares the pages, kernels
 * since 5.8 split a written huge page and copy 4 KB of it, so copy-on-
 * write does not grow; releasing a moved prefix (above) splits the pages
 * it frees.
 *
 * ==========================================================================
 * Thresholds: why 8, 6 and 64
 * ==========================================================================
 * With a good hash the chain length is Poisson distributed. At load 1.0,
 * P(chain >= 9) ~ 1.1e-6, and at the average load of ~0.75 it is ~1e-7: a
 * tree bucket means either astronomically bad luck or deliberate
 * collisions, and for the latter O(log n) is the point. A dense map, at
 * loads 1 to 2, sees P ~ 1e-6 to 2.4e-4: a tree now and then, ~450 bytes
 * of nodes for 9 entries, which its thinner table repays many times over. Below 9 a chain
 * is faster than a tree and costs no nodes.
 * The tree goes back to a chain at 6, not 8: the gap is hysteresis, so a
 * bucket that sees insert/delete/insert around the threshold does not
 * allocate and free 9 nodes each time.
 * In a table under 64 buckets a long chain is much more likely to mean
 * "the table is small" than "an attack": growing (which splits every
 * chain) is cheaper than building trees. Java uses the same three numbers
 * and requires MIN_TREEIFY >= 4 * TREEIFY so the two rules do not fight;
 * both are static_asserted below.
 *
 * ==========================================================================
 * Trees
 * ==========================================================================
 * AVL trees (core/avl.c, the one Grove shares with the sorted sets),
 * ordered by (64-bit hash, key bytes lexicographically, key length). AVL
 * rather than red-black: stricter balance (height <= 1.44 log2(n+2)), and
 * tree buckets are read far more than they are written. A tree_node embeds
 * the avl_node and points at its entry, which stays where it is (and
 * keeps its address) whether its bucket is a chain or a tree. An iterator
 * finds the successor of its current entry by a search from the root for
 * the first key after it (O(log n)), so removing the current entry cannot
 * invalidate it. Sampling picks a uniformly random rank in the tree (the
 * nodes carry subtree sizes).
 *
 * ==========================================================================
 * SCAN
 * ==========================================================================
 * The cursor is a bucket index incremented at its highest bit (reverse
 * binary). Bucket i of a table of 2^k buckets holds exactly the keys of
 * buckets i and i + 2^k of the doubled table, and because the cursor
 * counts from the top, the buckets already visited always form whole
 * "families" (all buckets sharing some low bits), whatever the table size
 * at each call. While two tables are live, a call visits the cursor's
 * bucket in the smaller table and every expansion of it in the larger one.
 * This is Redis's dictScan argument; see the comment at hashmap_scan. Keys
 * present for the whole scan are returned at least once; keys may be
 * returned twice after a shrink.
 *
 * ==========================================================================
 * Out of memory
 * ==========================================================================
 * Every allocation may fail, and the map is consistent after each failure:
 *   - insert/put: NULL / HASHMAP_ENOMEM; the map is unchanged.
 *   - starting a grow or shrink: the current table simply keeps working.
 *   - building a tree (treeify): the bucket stays a (long) chain; the next
 *     insert into it tries again. map->degraded records that chains over 8
 *     may exist so the invariant check can tell.
 *   - a rehash step that must add an entry to a tree with no memory for a
 *     node: the destination tree is turned into a chain (which needs no
 *     memory) and the entry is chained.
 *   - entry resize: NULL; the old entry stays valid and linked.
 *
 * ==========================================================================
 * Conventions, thread safety, credits
 * ==========================================================================
 * No global state: the hash seed lives in the caller's hasher ctx, the
 * random source for sampling is passed in. Not thread safe: the owner
 * (a shard) serialises all calls, including read-only ones, since the
 * lookup memo (below) is written by finds; only hashmap_peek writes
 * nothing, so a map nobody changes any more may be peeked at by several
 * threads at once.
 *
 * The lookup memo: hashmap_find() remembers the last (entry, hash) pair, so
 * the common find-then-remove / find-then-resize of the entry API does not
 * hash the key twice. It is forgotten whenever that entry is freed.
 *
 * Credits: Redis dict.c (incremental rehash, reverse-binary scan),
 * Java's HashMap (tree bins and their thresholds), Valkey's hashtable.c
 * (the shape of this write-up). The code is our own.
 */
#include "hashmap.h"

#include <assert.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "avl.h"
#include "bytes.h"
#include "invariant.h"

/* ==========================================================================
 * Tunables
 * ========================================================================== */

#define MIN_EXP 3
#define MIN_BUCKETS ((size_t)1 << MIN_EXP) /* never shrink below this */
#define MAX_EXP 48                          /* index bits stay below hash16 */
#define MAX_BUCKETS ((size_t)1 << MAX_EXP)
#define SHRINK_RATIO 8                      /* shrink when size < buckets/8 */
#define WRITE_STEP_BUCKETS 2                /* buckets each write moves */
#define BUCKET_COST 10                      /* tenths: a non-empty bucket */
#define EMPTY_COST 1                        /* tenths: an empty bucket */
#define HASH16_SHIFT 48                     /* entry caches hash bits 48..63 */
#define SLOT_TREE ((uintptr_t)1)            /* slot tag: bucket is a tree */
#define RELEASE_MIN_TABLE ((size_t)1 << 20) /* old tables this big ... */
#define RELEASE_CHUNK ((size_t)256 << 10)   /* ... are released in these */

static_assert(HASHMAP_UNTREEIFY_THRESHOLD < HASHMAP_TREEIFY_THRESHOLD,
              "untreeify below treeify, or a bucket flaps at the threshold");
static_assert(HASHMAP_MIN_TREEIFY_BUCKETS >= 4 * HASHMAP_TREEIFY_THRESHOLD,
              "grow-instead and treeify must not fight (Java's rule)");
static_assert((HASHMAP_MIN_TREEIFY_BUCKETS & (HASHMAP_MIN_TREEIFY_BUCKETS - 1)) == 0,
              "tables are powers of two");
static_assert(MIN_BUCKETS < HASHMAP_MIN_TREEIFY_BUCKETS, "small tables exist");
static_assert(MAX_EXP <= HASH16_SHIFT, "bucket index bits must not overlap hash16");
static_assert(SHRINK_RATIO >= 4, "a shrink lands at load <= 1/2, above 1/8");
static_assert(WRITE_STEP_BUCKETS >= 1 && WRITE_STEP_BUCKETS <= 4, "bounded work per write");
static_assert(RELEASE_CHUNK < RELEASE_MIN_TABLE, "release a big table in several pieces");
#define HUGE_PAGE ((size_t)2 << 20) /* tables this big ask for huge pages */

/* ==========================================================================
 * Types
 * ========================================================================== */

/* hashmap.h shows it (struct hashmap_entry_head) for the inline fast
 * path of hashmap_entry_extra. */
struct hashmap_entry {
    struct hashmap_entry *next; /* chain link; NULL inside a tree */
    uint16_t hash16;            /* hash >> 48 */
    unsigned char meta[];       /* varints keylen << 1 | aligned and extra
                                   size, key, [padding, back-offset,] extra */
};
#define META_OFFSET offsetof(struct hashmap_entry, meta)
static_assert(META_OFFSET == 10, "the varints follow next and hash16");
static_assert(offsetof(struct hashmap_entry_head, meta) == META_OFFSET,
              "hashmap.h's view of an entry is this one");

struct tree_node {
    struct avl_node avl;
    struct hashmap_entry *entry;
    uint64_t hash; /* full hash: the tree's primary order */
};

static_assert(_Alignof(struct avl_tree) >= 2, "the low bit of a tree pointer is free for the tag");
static_assert(_Alignof(struct hashmap_entry) >= 2, "entry pointers have a clear low bit");

struct table {
    uintptr_t *slots; /* NULL: no table */
    size_t mask;      /* buckets - 1 */
    size_t used;      /* entries in this table */
};

/* 112 bytes, an allocator class: a set, hash or sorted set that has
 * grown past its compact form pays this once, and sets of ten members
 * (Redis 7.0 keeps those in a hashtable too) are common. */
struct hashmap {
    struct hashmap_hasher hasher;
    struct table t[2];  /* t[1] is live only while rehashing */
    size_t rehash_idx;  /* next t[0] bucket to move */
    size_t bytes;       /* malloc_usable_size of everything we hold */
    struct hashmap_entry *memo_entry; /* last found entry ... */
    uint64_t memo_hash;               /* ... and its hash */
    uint32_t max_pop[2]; /* per table: no bucket holds more entries (see
                            Random picks); saturates, at 4 G collisions */
    uint16_t iterators;  /* live iterators: resizing paused */
    uint16_t fail_every; /* test hook: fail every Nth alloc ... */
    uint16_t alloc_count; /* ... counting up to it */
    bool degraded : 1;   /* a treeify failed (ENOMEM): long chains allowed */
    bool packed : 1;     /* extras are byte-aligned (HASHMAP_PACKED) */
    bool dense : 1;      /* grows past load 2, not 1 (HASHMAP_DENSE) */
};
static_assert(sizeof(struct hashmap) == 112, "a map's header fits the 112-byte class");

/* Where a key lives. */
struct pos {
    int table;
    size_t idx;
    struct hashmap_entry *entry;
    struct hashmap_entry *prev; /* chain predecessor, NULL at the head */
    struct tree_node *node;     /* set when the bucket is a tree */
};

/* ==========================================================================
 * SipHash (c compression rounds, d finalization rounds)
 * ========================================================================== */

struct sip {
    uint64_t v0, v1, v2, v3;
};

static uint64_t rotl64(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static void sip_rounds(struct sip *s, int n)
{
    while (n-- > 0) {
        s->v0 += s->v1; s->v1 = rotl64(s->v1, 13); s->v1 ^= s->v0; s->v0 = rotl64(s->v0, 32);
        s->v2 += s->v3; s->v3 = rotl64(s->v3, 16); s->v3 ^= s->v2;
        s->v0 += s->v3; s->v3 = rotl64(s->v3, 21); s->v3 ^= s->v0;
        s->v2 += s->v1; s->v1 = rotl64(s->v1, 17); s->v1 ^= s->v2; s->v2 = rotl64(s->v2, 32);
    }
}

/* Little-endian load, whatever the host. A memcpy is one mov; the
 * byte-by-byte form it replaces was not merged by GCC 12 (-O3): ~20
 * instructions per block, a quarter of hashing a short key. */
static uint64_t load_le64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint64_t siphash(const void *key, size_t len, const struct hashmap_seed *seed,
                               int c, int d)
{
    const unsigned char *p = key;
    struct sip s = {
        0x736f6d6570736575ULL ^ seed->k0, 0x646f72616e646f6dULL ^ seed->k1,
        0x6c7967656e657261ULL ^ seed->k0, 0x7465646279746573ULL ^ seed->k1,
    };
    size_t blocks = len / 8;
    for (size_t i = 0; i < blocks; i++) {
        uint64_t m = load_le64(p + 8 * i);
        s.v3 ^= m;
        sip_rounds(&s, c);
        s.v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7); i++)
        b |= (uint64_t)p[8 * blocks + i] << (8 * i);
    s.v3 ^= b;
    sip_rounds(&s, c);
    s.v0 ^= b;
    s.v2 ^= 0xff;
    sip_rounds(&s, d);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t hashmap_siphash(const void *key, size_t len, const void *seed)
{
    return siphash(key, len, seed, 1, 3);
}

uint64_t hashmap__siphash(const void *key, size_t len, const struct hashmap_seed *seed,
                          int c_rounds, int d_rounds)
{
    return siphash(key, len, seed, c_rounds, d_rounds);
}

uint64_t hashmap_hash(const struct hashmap *map, const void *key, size_t len)
{
    return map->hasher.fn(key, len, map->hasher.ctx);
}

/* ==========================================================================
 * Memory: every allocation is counted (hashmap_bytes) and may be made to
 * fail by the test hook.
 * ========================================================================== */

static bool alloc_should_fail(struct hashmap *map)
{
    if (map->fail_every == 0)
        return false;
    if (++map->alloc_count < map->fail_every)
        return false;
    map->alloc_count = 0;
    return true;
}

static void *mem_alloc(struct hashmap *map, size_t n)
{
    void *p = alloc_should_fail(map) ? NULL : malloc(n);
    if (p)
        map->bytes += malloc_usable_size(p);
    return p;
}

static void *mem_calloc(struct hashmap *map, size_t count, size_t n)
{
    void *p = alloc_should_fail(map) ? NULL : calloc(count, n);
    if (p)
        map->bytes += malloc_usable_size(p);
    return p;
}

/* On failure the old block is untouched and still counted. */
static void *mem_realloc(struct hashmap *map, void *p, size_t n)
{
    size_t old = malloc_usable_size(p);
    void *q = alloc_should_fail(map) ? NULL : realloc(p, n);
    if (q)
        map->bytes = map->bytes - old + malloc_usable_size(q);
    return q;
}

static void mem_free(struct hashmap *map, void *p)
{
    if (!p)
        return;
    map->bytes -= malloc_usable_size(p);
    free(p);
}

/* ==========================================================================
 * Entries
 * ========================================================================== */

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* An entry's layout, decoded from its two varints. */
struct shape {
    size_t keylen;
    size_t extra_size;
    size_t key_off;   /* from the entry's start */
    size_t extra_off; /* from the entry's start */
    bool aligned;
};

/* Where an aligned entry's extra starts, given where its key ends: the
 * first multiple of 8 that leaves room for the back-offset before it. */
static inline size_t aligned_extra_off(size_t key_end)
{
    size_t off = align8(key_end + 1);
    if (off < 0x80)
        return off; /* a one-byte back-offset: every key under ~100 bytes */
    while (off - key_end < bytes_varint_size(off))
        off += 8;
    return off;
}

/* A header varint: one byte (a key under 64 bytes, an extra under 128)
 * without a loop, as every access decodes two. */
static inline size_t meta_varint(const unsigned char *p, uint64_t *v)
{
    if (p[0] < 0x80) {
        *v = p[0];
        return 1;
    }
    return bytes_varint_get(p, v);
}

static struct shape shape_of(size_t keylen, size_t extra_size, bool aligned)
{
    struct shape s = {keylen, extra_size, 0, 0, aligned};
    if (keylen < 64 && extra_size < 0x80) /* one-byte varints: most entries */
        s.key_off = META_OFFSET + 2;
    else
        s.key_off = META_OFFSET + bytes_varint_size((uint64_t)keylen << 1 | aligned) +
                    bytes_varint_size(extra_size);
    s.extra_off = aligned ? aligned_extra_off(s.key_off + keylen) : s.key_off + keylen;
    return s;
}

static inline struct shape entry_shape(const struct hashmap_entry *e)
{
    uint64_t a, extra;
    size_t n = meta_varint(e->meta, &a);
    n += meta_varint(e->meta + n, &extra);
    struct shape s = {(size_t)(a >> 1), (size_t)extra, META_OFFSET + n, 0, a & 1};
    s.extra_off = s.aligned ? aligned_extra_off(s.key_off + s.keylen) : s.key_off + s.keylen;
    return s;
}

static inline const char *entry_key(const struct hashmap_entry *e, size_t *len)
{
    uint64_t a, extra;
    size_t n = meta_varint(e->meta, &a);
    n += meta_varint(e->meta + n, &extra);
    *len = (size_t)(a >> 1);
    return (const char *)e->meta + n;
}

/* Allocation size of an entry, or false if it cannot be represented. */
static bool entry_alloc_size(const struct shape *s, size_t *out)
{
    if (s->keylen > SIZE_MAX / 4 || s->extra_size > SIZE_MAX / 4)
        return false;
    size_t size = s->extra_off + s->extra_size;
    /* Never below the struct itself, whatever the shape. */
    *out = size < sizeof(struct hashmap_entry) ? sizeof(struct hashmap_entry) : size;
    return true;
}

/* Write the varints (and an aligned entry's back-offset: a varint read
 * backwards from the byte before the extra, as a listpack's back-length)
 * for shape s. */
static void entry_write_shape(struct hashmap_entry *e, const struct shape *s)
{
    if (s->key_off == META_OFFSET + 2) { /* one-byte varints (shape_of) */
        e->meta[0] = (unsigned char)(s->keylen << 1 | s->aligned);
        e->meta[1] = (unsigned char)s->extra_size;
    } else {
        size_t n = bytes_varint_put(e->meta, (uint64_t)s->keylen << 1 | s->aligned);
        bytes_varint_put(e->meta + n, s->extra_size);
    }
    if (!s->aligned)
        return;
    if (s->extra_off < 0x80) { /* a one-byte back-offset */
        ((unsigned char *)e)[s->extra_off - 1] = (unsigned char)s->extra_off;
        return;
    }
    unsigned char *p = (unsigned char *)e + s->extra_off;
    size_t off = s->extra_off;
    do {
        unsigned char b = off & 0x7f;
        off >>= 7;
        *--p = b | (off ? 0x80 : 0);
    } while (off);
}

static uint16_t hash16_of(uint64_t hash)
{
    return (uint16_t)(hash >> HASH16_SHIFT);
}

static struct hashmap_entry *entry_new(struct hashmap *map, const void *key, size_t len,
                                       uint64_t hash, size_t extra_size)
{
    struct shape s = shape_of(len, extra_size, !map->packed);
    size_t size;
    if (!entry_alloc_size(&s, &size))
        return NULL;
    struct hashmap_entry *e = mem_alloc(map, size);
    if (!e)
        return NULL;
    e->next = NULL;
    e->hash16 = hash16_of(hash);
    entry_write_shape(e, &s);
    if (len)
        memcpy((char *)e + s.key_off, key, len);
    memset((char *)e + s.extra_off, 0, extra_size);
    return e;
}

/* A copy of e with a new extra size (the old one is freed), or NULL with e
 * untouched. Not linked anywhere: the caller relinks. */
static struct hashmap_entry *entry_realloc(struct hashmap *map, struct hashmap_entry *e,
                                           size_t extra)
{
    struct shape old = entry_shape(e);
    struct shape s = shape_of(old.keylen, extra, old.aligned);
    size_t keep = old.extra_size < extra ? old.extra_size : extra;
    size_t size;
    struct hashmap_entry *ne;

    if (!entry_alloc_size(&s, &size))
        return NULL;
    if (s.key_off == old.key_off && s.extra_off == old.extra_off) {
        /* Key and extra stay where they are: realloc keeps the prefix. */
        ne = mem_realloc(map, e, size);
        if (!ne)
            return NULL;
    } else {
        /* The extra size's varint changed length: the key moves. */
        ne = mem_alloc(map, size);
        if (!ne)
            return NULL;
        ne->next = e->next;
        ne->hash16 = e->hash16;
        memcpy((char *)ne + s.key_off, (char *)e + old.key_off, old.keylen);
        memcpy((char *)ne + s.extra_off, (char *)e + old.extra_off, keep);
        mem_free(map, e);
    }
    entry_write_shape(ne, &s);
    if (extra > keep)
        memset((char *)ne + s.extra_off + keep, 0, extra - keep);
    return ne;
}

static bool entry_matches(const struct hashmap_entry *e, const void *key, size_t len,
                          uint16_t h16)
{
    if (e->hash16 != h16)
        return false;
    const unsigned char *m = e->meta;
    if (len < 64 && m[1] < 0x80) /* one-byte varints, if the lengths match */
        return m[0] >> 1 == len && (len == 0 || memcmp(m + 2, key, len) == 0);
    size_t elen;
    const char *ekey = entry_key(e, &elen);
    return elen == len && (len == 0 || memcmp(ekey, key, len) == 0);
}

/* Hash of an entry's key, recomputed. */
static uint64_t entry_key_hash(const struct hashmap *map, const struct hashmap_entry *e)
{
    size_t len;
    const char *key = entry_key(e, &len);
    return hashmap_hash(map, key, len);
}

const char *hashmap_entry_key(const struct hashmap_entry *entry)
{
    size_t len;
    return entry_key(entry, &len);
}

size_t hashmap_entry_keylen(const struct hashmap_entry *entry)
{
    size_t len;
    entry_key(entry, &len);
    return len;
}

void *hashmap__entry_extra_slow(const struct hashmap_entry *entry)
{
    return (char *)entry + entry_shape(entry).extra_off;
}

size_t hashmap_entry_extra_size(const struct hashmap_entry *entry)
{
    const unsigned char *m = entry->meta;
    if (m[0] < 0x80 && m[1] < 0x80)
        return m[1];
    return entry_shape(entry).extra_size;
}

/* An aligned entry from its extra, through the back-offset. */
static const struct hashmap_entry *entry_of_extra(const void *extra)
{
    const unsigned char *p = extra;
    size_t off = 0;
    unsigned shift = 0;
    unsigned char b;
    do {
        b = *--p;
        off |= (size_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    return (const struct hashmap_entry *)((const char *)extra - off);
}

const char *hashmap_extra_key(const void *extra, size_t *len)
{
    return entry_key(entry_of_extra(extra), len);
}

size_t hashmap_entry_bytes(const struct hashmap_entry *entry)
{
    return malloc_usable_size((void *)entry);
}

void *hashmap_entry_value(const struct hashmap_entry *entry)
{
    void *value;
    memcpy(&value, hashmap_entry_extra(entry), sizeof value);
    return value;
}

/* ==========================================================================
 * Slots
 * ========================================================================== */

static bool slot_is_tree(uintptr_t slot)
{
    return slot & SLOT_TREE;
}

static struct avl_tree *slot_tree(uintptr_t slot)
{
    return (struct avl_tree *)(slot & ~SLOT_TREE);
}

static struct hashmap_entry *slot_chain(uintptr_t slot)
{
    return (struct hashmap_entry *)slot;
}

static bool rehashing(const struct hashmap *map)
{
    return map->t[1].slots != NULL;
}

static size_t table_buckets(const struct table *t)
{
    return t->slots ? t->mask + 1 : 0;
}

/* Chain length, counting no further than cap. */
static size_t chain_length(const struct hashmap_entry *e, size_t cap)
{
    size_t n = 0;
    for (; e && n < cap; e = e->next)
        n++;
    return n;
}

/* ==========================================================================
 * Tree bins: AVL trees (core/avl.h) of entries, ordered by (hash, key
 * bytes, key length)
 * ========================================================================== */

struct tree_key {
    uint64_t hash;
    const char *key;
    size_t len;
};

static struct tree_node *tree_node_of(struct avl_node *n)
{
    return n ? avl_entry(n, struct tree_node, avl) : NULL;
}

static int tree_cmp(const void *key, const struct avl_node *an)
{
    const struct tree_key *k = key;
    const struct tree_node *n = avl_entry(an, const struct tree_node, avl);
    const struct hashmap_entry *e = n->entry;
    if (k->hash != n->hash)
        return k->hash < n->hash ? -1 : 1;
    size_t len;
    const char *ekey = entry_key(e, &len);
    return bytes_cmp(k->key, k->len, ekey, len);
}

static struct tree_key tree_key_of(const struct hashmap_entry *e, uint64_t hash)
{
    size_t len;
    const char *key = entry_key(e, &len);
    return (struct tree_key){hash, key, len};
}

/* Link entry e, whose hash is `hash`, into t through node n. e->next is
 * left alone (treeify still walks the chain). */
static void tree_link(struct avl_tree *t, struct tree_node *n, struct hashmap_entry *e,
                      uint64_t hash)
{
    struct tree_key k = tree_key_of(e, hash);
    n->entry = e;
    n->hash = hash;
    struct avl_node *dup = avl_insert(t, &n->avl, &k, tree_cmp);
    assert(dup == NULL && "key already in the tree");
    (void)dup;
}

static struct tree_node *tree_find(const struct avl_tree *t, uint64_t hash, const void *key,
                                   size_t len)
{
    struct tree_key k = {hash, key, len};
    return tree_node_of(avl_find(t, &k, tree_cmp));
}

/* Free the nodes (not the entries) and the tree itself. */
static void tree_free(struct hashmap *map, struct avl_tree *t)
{
    for (struct avl_node *n = avl_first_postorder(t), *next; n; n = next) {
        next = avl_next_postorder(n);
        mem_free(map, tree_node_of(n));
    }
    mem_free(map, t);
}

/* Chain the entries in tree order (iterators rely on it), free the tree
 * and its nodes; returns the chain's head. Needs no memory. */
static struct hashmap_entry *tree_to_chain(struct hashmap *map, struct avl_tree *t)
{
    struct hashmap_entry *head = NULL, **tail = &head;
    for (struct avl_node *n = avl_first(t); n; n = avl_next(n)) {
        *tail = tree_node_of(n)->entry;
        tail = &(*tail)->next;
    }
    *tail = NULL;
    tree_free(map, t);
    return head;
}

/* ==========================================================================
 * Buckets: find, add (with treeify), unlink (with untreeify)
 * ========================================================================== */

static bool bucket_find(const struct hashmap *map, int ti, size_t idx, const void *key,
                        size_t len, uint64_t hash, struct pos *p)
{
    uintptr_t slot = map->t[ti].slots[idx];
    p->table = ti;
    p->idx = idx;
    p->prev = NULL;
    p->node = NULL;
    if (slot_is_tree(slot)) {
        p->node = tree_find(slot_tree(slot), hash, key, len);
        p->entry = p->node ? p->node->entry : NULL;
        return p->node != NULL;
    }
    uint16_t h16 = hash16_of(hash);
    for (struct hashmap_entry *e = slot_chain(slot); e; p->prev = e, e = e->next) {
        if (entry_matches(e, key, len, h16)) {
            p->entry = e;
            return true;
        }
    }
    return false;
}

/* Find a key in whichever table holds it. */
static inline bool locate(const struct hashmap *map, const void *key, size_t len, uint64_t hash,
                   struct pos *p)
{
    if (!map->t[0].slots)
        return false;
    if (rehashing(map)) {
        /* t[0] buckets below rehash_idx have moved: skip them. */
        size_t i0 = hash & map->t[0].mask;
        if (i0 >= map->rehash_idx && bucket_find(map, 0, i0, key, len, hash, p))
            return true;
        return bucket_find(map, 1, hash & map->t[1].mask, key, len, hash, p);
    }
    return bucket_find(map, 0, hash & map->t[0].mask, key, len, hash, p);
}

/* Turn the chain at *slot into a tree. Hashes are recomputed: entries do
 * not keep the full hash. On ENOMEM the chain stays. */
static void treeify(struct hashmap *map, uintptr_t *slot)
{
    struct avl_tree *t = mem_alloc(map, sizeof *t);
    if (!t)
        goto no_memory;
    avl_init(t);
    for (struct hashmap_entry *e = slot_chain(*slot); e; e = e->next) {
        struct tree_node *n = mem_alloc(map, sizeof *n);
        if (!n)
            goto free_tree;
        tree_link(t, n, e, entry_key_hash(map, e));
    }
    for (struct hashmap_entry *e = slot_chain(*slot), *next; e; e = next) {
        next = e->next;
        e->next = NULL;
    }
    *slot = (uintptr_t)t | SLOT_TREE;
    return;

free_tree:
    tree_free(map, t);
no_memory:
    map->degraded = true;
}

/* Turn the tree at *slot back into a chain, in tree order (iterators rely
 * on that order). Needs no memory. */
static void untreeify(struct hashmap *map, uintptr_t *slot)
{
    *slot = (uintptr_t)tree_to_chain(map, slot_tree(*slot));
}

static bool tree_add(struct hashmap *map, struct avl_tree *t, struct hashmap_entry *e,
                     uint64_t hash, struct tree_node *spare)
{
    struct tree_node *n = spare ? spare : mem_alloc(map, sizeof *n);
    if (!n)
        return false;
    tree_link(t, n, e, hash);
    e->next = NULL;
    return true;
}

/* Raise table ti's bound on bucket sizes (hashmap_random's B). */
static void note_population(struct hashmap *map, int ti, size_t n)
{
    uint32_t pop = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
    if (pop > map->max_pop[ti])
        map->max_pop[ti] = pop;
}

/* Link e into bucket idx of table ti. `spare` is a tree node the caller
 * already holds (or NULL); it is used or freed. Never fails. Returns the
 * bucket's chain length after the add (capped at TREEIFY + 1; 0 when the
 * bucket is a tree) so the caller can apply the grow-instead rule. */
static size_t bucket_add(struct hashmap *map, int ti, size_t idx, struct hashmap_entry *e,
                         uint64_t hash, struct tree_node *spare)
{
    struct table *t = &map->t[ti];
    uintptr_t *slot = &t->slots[idx];

    t->used++;
    if (slot_is_tree(*slot)) {
        if (tree_add(map, slot_tree(*slot), e, hash, spare)) {
            note_population(map, ti, avl_count(slot_tree(*slot)));
            return 0;
        }
        /* No memory for a node: a long chain is slower but correct. */
        untreeify(map, slot);
        map->degraded = true;
    } else {
        mem_free(map, spare);
    }
    e->next = slot_chain(*slot);
    *slot = (uintptr_t)e;
    size_t len = chain_length(e, HASHMAP_TREEIFY_THRESHOLD + 1);
    /* Past the threshold (a small table, a degraded map) count it all. */
    note_population(map, ti, len > HASHMAP_TREEIFY_THRESHOLD ? chain_length(e, SIZE_MAX) : len);
    if (len > HASHMAP_TREEIFY_THRESHOLD && t->mask + 1 >= HASHMAP_MIN_TREEIFY_BUCKETS)
        treeify(map, slot);
    return len;
}

static void bucket_unlink(struct hashmap *map, const struct pos *p)
{
    struct table *t = &map->t[p->table];
    uintptr_t *slot = &t->slots[p->idx];

    t->used--;
    if (!slot_is_tree(*slot)) {
        if (p->prev)
            p->prev->next = p->entry->next;
        else
            *slot = (uintptr_t)p->entry->next;
        return;
    }
    struct avl_tree *tree = slot_tree(*slot);
    assert(p->node && p->node->entry == p->entry);
    avl_remove(tree, &p->node->avl);
    mem_free(map, p->node);
    if (avl_count(tree) <= HASHMAP_UNTREEIFY_THRESHOLD)
        untreeify(map, slot);
}

/* Point whatever referenced the entry at p to its new address. */
static void bucket_relink(struct hashmap *map, const struct pos *p, struct hashmap_entry *ne)
{
    if (p->node)
        p->node->entry = ne;
    else if (p->prev)
        p->prev->next = ne;
    else
        map->t[p->table].slots[p->idx] = (uintptr_t)ne;
}

/* ==========================================================================
 * Resizing
 * ========================================================================== */

static void finish_rehash(struct hashmap *map)
{
    assert(map->t[0].used == 0);
    mem_free(map, map->t[0].slots);
    map->t[0] = map->t[1];
    map->t[1] = (struct table){0};
    map->max_pop[0] = map->max_pop[1];
    map->max_pop[1] = 0;
    map->rehash_idx = 0;
}

/* Ask for transparent huge pages on the whole huge pages inside a big
 * table (see "Incremental resizing"). A hint: refused, it changes nothing. */
static void advise_huge_pages(uintptr_t *slots, size_t buckets)
{
#ifdef MADV_HUGEPAGE
    uintptr_t start = ((uintptr_t)slots + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t end = (uintptr_t)(slots + buckets) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (buckets * sizeof *slots >= HUGE_PAGE && end > start)
        (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
    (void)slots;
    (void)buckets;
#endif
}

/* Allocate a table of `buckets` slots and start moving into it (or just
 * install it, for a map that has no table yet). On ENOMEM nothing
 * changes: the current table keeps working. */
static bool start_resize(struct hashmap *map, size_t buckets)
{
    assert(!rehashing(map));
    uintptr_t *slots = mem_calloc(map, buckets, sizeof *slots);
    if (!slots)
        return false;
    advise_huge_pages(slots, buckets);
    struct table fresh = {slots, buckets - 1, 0};
    if (!map->t[0].slots) {
        map->t[0] = fresh;
        map->max_pop[0] = 0;
        return true;
    }
    map->t[1] = fresh;
    map->max_pop[1] = 0;
    map->rehash_idx = 0;
    if (map->t[0].used == 0)
        finish_rehash(map); /* nothing to move */
    return true;
}

/* The most entries a table of `buckets` holds before it grows. */
static size_t grow_above(const struct hashmap *map, size_t buckets)
{
    return map->dense ? 2 * buckets : buckets;
}

static size_t shrink_target(const struct hashmap *map, size_t size)
{
    size_t buckets = MIN_BUCKETS;
    while (grow_above(map, buckets) < 2 * size)
        buckets *= 2;
    return buckets;
}

static atomic_bool resizes_deferred; /* hashmap_defer_resizes */

void hashmap_defer_resizes(bool defer)
{
    atomic_store_explicit(&resizes_deferred, defer, memory_order_relaxed);
}

static bool deferring(void)
{
    return atomic_load_explicit(&resizes_deferred, memory_order_relaxed);
}

/* Called after an insert into t[0]: grow on load > 1 (2 when dense; 5
 * times that while resizes are deferred), or when a chain got longer
 * than the treeify threshold in a table too small for trees. */
static void maybe_grow(struct hashmap *map, size_t chain_len)
{
    if (!map->t[0].slots || rehashing(map) || map->iterators)
        return;
    size_t buckets = map->t[0].mask + 1;
    size_t limit = grow_above(map, buckets) * (deferring() ? HASHMAP_FORCE_GROW_RATIO : 1);
    bool overloaded = map->t[0].used > limit;
    bool small_and_long = chain_len > HASHMAP_TREEIFY_THRESHOLD &&
                          buckets < HASHMAP_MIN_TREEIFY_BUCKETS;
    if ((overloaded || small_and_long) && buckets < MAX_BUCKETS)
        start_resize(map, buckets * 2);
}

bool hashmap_reserve(struct hashmap *map, size_t n)
{
    size_t buckets = MIN_BUCKETS;
    while (grow_above(map, buckets) < n && buckets < MAX_BUCKETS)
        buckets *= 2;
    if (rehashing(map) || map->iterators || (map->t[0].slots && map->t[0].mask + 1 >= buckets))
        return true;
    return start_resize(map, buckets);
}

void hashmap_maybe_shrink(struct hashmap *map)
{
    if (!map->t[0].slots || rehashing(map) || map->iterators || deferring())
        return;
    size_t buckets = map->t[0].mask + 1;
    if (buckets > MIN_BUCKETS && map->t[0].used < buckets / SHRINK_RATIO)
        start_resize(map, shrink_target(map, map->t[0].used));
}

/* Move every entry of the tree to t[1], reusing its nodes. Post-order
 * lets each node be relinked as soon as it is visited. */
static void rehash_tree(struct hashmap *map, struct avl_tree *tree)
{
    for (struct avl_node *an = avl_first_postorder(tree), *next; an; an = next) {
        struct tree_node *n = tree_node_of(an);
        next = avl_next_postorder(an);
        map->t[0].used--;
        bucket_add(map, 1, n->hash & map->t[1].mask, n->entry, n->hash, n);
    }
    mem_free(map, tree);
}

static void rehash_bucket(struct hashmap *map, size_t idx)
{
    uintptr_t slot = map->t[0].slots[idx];
    map->t[0].slots[idx] = 0;
    if (slot_is_tree(slot)) {
        rehash_tree(map, slot_tree(slot));
        return;
    }
    for (struct hashmap_entry *e = slot_chain(slot), *next; e; e = next) {
        next = e->next;
        uint64_t hash = entry_key_hash(map, e);
        map->t[0].used--;
        bucket_add(map, 1, hash & map->t[1].mask, e, hash, NULL);
    }
}

/* The end of the part of the old table released once buckets below idx
 * have moved: whole RELEASE_CHUNKs from the table's first page boundary.
 * Derived from the rehash index, so the map keeps no state for it. */
static uintptr_t release_mark(const struct table *old, size_t idx)
{
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t page_mask = page > 0 ? (uintptr_t)page - 1 : 4095;
    uintptr_t base = ((uintptr_t)old->slots + page_mask) & ~page_mask;
    uintptr_t at = (uintptr_t)&old->slots[idx];
    return at <= base ? base : base + (at - base) / RELEASE_CHUNK * RELEASE_CHUNK;
}

/* Give the moved prefix of a big old table back to the kernel as the
 * rehash advances, so that freeing the table at the end is not one long
 * munmap (64 MB of page tear-down took milliseconds in the benchmark).
 * Moved buckets are zero, and pages released with MADV_DONTNEED read back
 * as zero, so the table's contents do not change. hashmap_bytes still
 * counts the whole table: it reports memory as allocated. */
static void release_moved_prefix(struct hashmap *map, size_t from)
{
#ifdef MADV_DONTNEED
    const struct table *old = &map->t[0];
    if ((old->mask + 1) * sizeof *old->slots < RELEASE_MIN_TABLE)
        return;
    uintptr_t lo = release_mark(old, from), hi = release_mark(old, map->rehash_idx);
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_DONTNEED); /* a hint: refused, nothing changes */
#else
    (void)map;
    (void)from;
#endif
}

/* Move buckets for a budget in tenths of a bucket: a non-empty bucket
 * costs 10, an empty one 1, so a sparse stretch cannot stall progress and
 * a dense one cannot make a call long. */
static void rehash_some(struct hashmap *map, size_t tenths)
{
    struct table *old = &map->t[0];
    size_t from = map->rehash_idx;
    while (tenths > 0 && old->used > 0) {
        assert(map->rehash_idx <= old->mask);
        if (old->slots[map->rehash_idx]) {
            rehash_bucket(map, map->rehash_idx);
            tenths -= tenths < BUCKET_COST ? tenths : BUCKET_COST;
        } else {
            tenths -= EMPTY_COST;
        }
        map->rehash_idx++;
    }
    if (old->used == 0)
        finish_rehash(map);
    else
        release_moved_prefix(map, from);
}

/* The fixed slice of rehashing every write pays. */
static void write_step(struct hashmap *map)
{
    if (rehashing(map) && map->iterators == 0)
        rehash_some(map, WRITE_STEP_BUCKETS * BUCKET_COST);
}

bool hashmap_rehash_step(struct hashmap *map, size_t max_buckets)
{
    if (!rehashing(map))
        return false;
    if (map->iterators)
        return true;
    size_t tenths = max_buckets > SIZE_MAX / BUCKET_COST ? SIZE_MAX : max_buckets * BUCKET_COST;
    rehash_some(map, tenths);
    return rehashing(map);
}

bool hashmap_is_rehashing(const struct hashmap *map)
{
    return rehashing(map);
}

/* ==========================================================================
 * Life cycle
 * ========================================================================== */

struct hashmap *hashmap_create_with(const struct hashmap_hasher *hasher, unsigned flags)
{
    assert(hasher && hasher->fn);
    assert((flags & ~(unsigned)(HASHMAP_PACKED | HASHMAP_DENSE)) == 0);
    struct hashmap *map = calloc(1, sizeof *map);
    if (!map)
        return NULL;
    map->hasher = *hasher;
    map->bytes = malloc_usable_size(map);
    map->packed = flags & HASHMAP_PACKED;
    map->dense = flags & HASHMAP_DENSE;
    return map;
}

struct hashmap *hashmap_create(const struct hashmap_hasher *hasher)
{
    return hashmap_create_with(hasher, 0);
}

static void chain_free(struct hashmap *map, struct hashmap_entry *e,
                       void (*free_cb)(void *, void *), void *ud)
{
    for (struct hashmap_entry *next; e; e = next) {
        next = e->next;
        if (free_cb)
            free_cb(hashmap_entry_extra(e), ud);
        mem_free(map, e);
    }
}

static void table_free(struct hashmap *map, struct table *t, void (*free_cb)(void *, void *),
                       void *ud)
{
    if (!t->slots)
        return;
    for (size_t i = 0; i <= t->mask; i++) {
        uintptr_t slot = t->slots[i];
        if (slot_is_tree(slot))
            chain_free(map, tree_to_chain(map, slot_tree(slot)), free_cb, ud);
        else
            chain_free(map, slot_chain(slot), free_cb, ud);
    }
    mem_free(map, t->slots);
    *t = (struct table){0};
}

void hashmap_clear(struct hashmap *map, void (*free_cb)(void *extra, void *ud), void *ud)
{
    assert(map->iterators == 0);
    table_free(map, &map->t[0], free_cb, ud);
    table_free(map, &map->t[1], free_cb, ud);
    map->max_pop[0] = map->max_pop[1] = 0;
    map->rehash_idx = 0;
    map->degraded = false;
    map->memo_entry = NULL;
}

void hashmap_destroy(struct hashmap *map)
{
    if (!map)
        return;
    hashmap_clear(map, NULL, NULL);
    free(map);
}

size_t hashmap_size(const struct hashmap *map)
{
    return map->t[0].used + map->t[1].used;
}

size_t hashmap_bytes(const struct hashmap *map)
{
    return map->bytes;
}

void hashmap_table_stats(const struct hashmap *map, int which, size_t *buckets, size_t *used)
{
    const struct table *t = &map->t[which];
    *buckets = t->slots ? t->mask + 1 : 0;
    *used = t->used;
}

/* ==========================================================================
 * Entry API
 * ========================================================================== */

static void memo_set(struct hashmap *map, struct hashmap_entry *e, uint64_t hash)
{
    map->memo_entry = e;
    map->memo_hash = hash;
}

/* The entry's full hash: from the memo when it was just found. */
static uint64_t entry_hash(const struct hashmap *map, const struct hashmap_entry *e)
{
    if (e == map->memo_entry)
        return map->memo_hash;
    return entry_key_hash(map, e);
}

struct hashmap_entry *hashmap_find(struct hashmap *map, const void *key, size_t len,
                                   uint64_t hash)
{
    struct pos p;
    if (!locate(map, key, len, hash, &p))
        return NULL;
    memo_set(map, p.entry, hash);
    return p.entry;
}

/* The bucket slots `hash` may sit in: t[0]'s, and t[1]'s while rehashing. */
static void slots_of(const struct hashmap *map, uint64_t hash, const uintptr_t *out[2])
{
    out[0] = map->t[0].slots ? &map->t[0].slots[hash & map->t[0].mask] : NULL;
    out[1] = rehashing(map) ? &map->t[1].slots[hash & map->t[1].mask] : NULL;
}

void hashmap_prefetch_bucket(const struct hashmap *map, uint64_t hash)
{
    const uintptr_t *slot[2];
    slots_of(map, hash, slot);
    for (int i = 0; i < 2; i++)
        if (slot[i] != NULL)
            __builtin_prefetch(slot[i]);
}

void hashmap_prefetch_entry(const struct hashmap *map, uint64_t hash)
{
    const uintptr_t *slot[2];
    slots_of(map, hash, slot);
    for (int i = 0; i < 2; i++)
        if (slot[i] != NULL && *slot[i] != 0 && !slot_is_tree(*slot[i]))
            __builtin_prefetch(slot_chain(*slot[i]));
}

/* Insert a key known to be absent. A tree destination needs a node: it is
 * allocated before the entry so a failure leaves nothing behind. */
static struct hashmap_entry *insert_new(struct hashmap *map, const void *key, size_t len,
                                        uint64_t hash, size_t extra_size)
{
    if (!map->t[0].slots && !start_resize(map, MIN_BUCKETS))
        return NULL;
    int ti = rehashing(map) ? 1 : 0;
    size_t idx = hash & map->t[ti].mask;
    struct tree_node *spare = NULL;
    if (slot_is_tree(map->t[ti].slots[idx])) {
        spare = mem_alloc(map, sizeof *spare);
        if (!spare)
            return NULL;
    }
    struct hashmap_entry *e = entry_new(map, key, len, hash, extra_size);
    if (!e) {
        mem_free(map, spare);
        return NULL;
    }
    size_t chain_len = bucket_add(map, ti, idx, e, hash, spare);
    memo_set(map, e, hash);
    maybe_grow(map, chain_len);
    return e;
}

struct hashmap_entry *hashmap_insert(struct hashmap *map, const void *key, size_t len,
                                     uint64_t hash, size_t extra_size)
{
    write_step(map);
#ifndef NDEBUG
    struct pos p;
    assert(!locate(map, key, len, hash, &p) && "hashmap_insert: key already present");
#endif
    return insert_new(map, key, len, hash, extra_size);
}

static void remove_at(struct hashmap *map, const struct pos *p)
{
    bucket_unlink(map, p);
    if (map->memo_entry == p->entry)
        map->memo_entry = NULL;
    mem_free(map, p->entry);
    hashmap_maybe_shrink(map);
}

/* Where the linked entry lives; asserts that it does. */
static void locate_entry(struct hashmap *map, struct hashmap_entry *entry, uint64_t hash,
                         struct pos *p)
{
    size_t len;
    const char *key = entry_key(entry, &len);
    bool found = locate(map, key, len, hash, p);
    assert(found && p->entry == entry && "entry is not in this map");
    (void)found;
}

void hashmap_remove(struct hashmap *map, struct hashmap_entry *entry)
{
    uint64_t hash = entry_hash(map, entry);
    struct pos p;
    write_step(map);
    locate_entry(map, entry, hash, &p);
    remove_at(map, &p);
}

struct hashmap_entry *hashmap_entry_resize(struct hashmap *map, struct hashmap_entry *entry,
                                           size_t new_extra_size)
{
    uint64_t hash = entry_hash(map, entry);
    struct pos p;
    write_step(map);
    locate_entry(map, entry, hash, &p);
    struct hashmap_entry *ne = entry_realloc(map, entry, new_extra_size);
    if (!ne)
        return NULL;
    bucket_relink(map, &p, ne);
    memo_set(map, ne, hash);
    return ne;
}

/* ==========================================================================
 * Value API: the extra region is one pointer
 * ========================================================================== */

void *hashmap_get(struct hashmap *map, const void *key, size_t len)
{
    struct hashmap_entry *e = hashmap_find(map, key, len, hashmap_hash(map, key, len));
    return e ? hashmap_entry_value(e) : NULL;
}

void *hashmap_peek(const struct hashmap *map, const void *key, size_t len)
{
    struct pos p;
    if (!locate(map, key, len, hashmap_hash(map, key, len), &p))
        return NULL;
    return hashmap_entry_value(p.entry);
}

int hashmap_put(struct hashmap *map, const void *key, size_t len, void *value, void **old)
{
    uint64_t hash = hashmap_hash(map, key, len);
    struct pos p;
    struct hashmap_entry *e;

    if (old)
        *old = NULL;
    write_step(map);
    if (locate(map, key, len, hash, &p)) {
        e = p.entry;
        if (old)
            *old = hashmap_entry_value(e);
    } else {
        e = insert_new(map, key, len, hash, sizeof value);
        if (!e)
            return HASHMAP_ENOMEM;
    }
    memcpy(hashmap_entry_extra(e), &value, sizeof value);
    return HASHMAP_OK;
}

bool hashmap_delete(struct hashmap *map, const void *key, size_t len, void **value)
{
    uint64_t hash = hashmap_hash(map, key, len);
    struct pos p;

    write_step(map);
    if (!locate(map, key, len, hash, &p))
        return false;
    if (value)
        *value = hashmap_entry_value(p.entry);
    remove_at(map, &p);
    return true;
}

/* ==========================================================================
 * Iteration
 *
 * it->next is the entry the next call returns; it is computed when the
 * previous one is returned, so removing the returned entry cannot
 * invalidate it. In a tree bucket the successor is searched by key from the
 * root (it->next_hash is next's full hash); if that removal turned the tree
 * into a chain, the chain is in tree order and next->next continues it.
 * ========================================================================== */

#define ITER_DONE 2 /* it->table value once every table is exhausted */

static uintptr_t iter_slot(const struct hashmap_iter *it)
{
    return it->map->t[it->table].slots[it->bucket];
}

static void iter_load_bucket(struct hashmap_iter *it)
{
    uintptr_t slot = iter_slot(it);
    if (slot_is_tree(slot)) {
        struct tree_node *n = tree_node_of(avl_first(slot_tree(slot)));
        it->next = n->entry;
        it->next_hash = n->hash;
    } else {
        it->next = slot_chain(slot);
    }
}

static bool iter_next_bucket(struct hashmap_iter *it)
{
    const struct hashmap *map = it->map;
    if (it->table == ITER_DONE)
        return false;
    if (it->bucket < map->t[it->table].mask) {
        it->bucket++;
    } else if (it->table == 0 && rehashing(map)) {
        it->table = 1;
        it->bucket = 0;
    } else {
        it->table = ITER_DONE;
        return false;
    }
    iter_load_bucket(it);
    return true;
}

void hashmap_iter_init(struct hashmap_iter *it, struct hashmap *map)
{
    it->map = map;
    it->next = NULL;
    it->next_hash = 0;
    it->bucket = 0;
    it->table = map->t[0].slots ? 0 : ITER_DONE;
    assert(map->iterators < UINT16_MAX);
    map->iterators++;
    if (it->table == 0)
        iter_load_bucket(it);
}

struct hashmap_entry *hashmap_iter_next(struct hashmap_iter *it)
{
    while (!it->next) {
        if (!iter_next_bucket(it))
            return NULL;
    }
    struct hashmap_entry *e = it->next;
    uintptr_t slot = iter_slot(it);
    if (slot_is_tree(slot)) {
        struct tree_key k = tree_key_of(e, it->next_hash);
        struct tree_node *n = tree_node_of(avl_upper_bound(slot_tree(slot), &k, tree_cmp));
        it->next = n ? n->entry : NULL;
        it->next_hash = n ? n->hash : 0;
    } else {
        it->next = e->next;
    }
    return e;
}

/* The last iterator out resumes resizing: deletes made while iterating may
 * have left the table oversized. */
void hashmap_iter_deinit(struct hashmap_iter *it)
{
    struct hashmap *map = it->map;
    assert(map->iterators > 0);
    if (--map->iterators > 0)
        return;
    hashmap_maybe_shrink(map);
    maybe_grow(map, 0);
}

/* ==========================================================================
 * Scan
 * ========================================================================== */

static uint64_t rev64(uint64_t v)
{
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8);
    v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16);
    return (v >> 32) | (v << 32);
}

/* Increment the cursor's masked bits from the top: set the bits above the
 * mask so the carry runs through them and out, reverse, add, reverse. */
static uint64_t cursor_next(uint64_t v, uint64_t mask)
{
    v |= ~mask;
    v = rev64(v);
    v++;
    return rev64(v);
}

static void scan_bucket(uintptr_t slot, hashmap_scan_fn fn, void *ud)
{
    if (slot_is_tree(slot)) {
        for (struct avl_node *n = avl_first(slot_tree(slot)); n; n = avl_next(n))
            fn(tree_node_of(n)->entry, ud);
        return;
    }
    for (struct hashmap_entry *e = slot_chain(slot), *next; e; e = next) {
        next = e->next;
        fn(e, ud);
    }
}

/*
 * With one table of mask m, a call visits bucket (cursor & m) and advances
 * the cursor by adding one to its masked bits counted from the top (reverse
 * binary). Why this survives resizes: bucket i of a 2^k table holds exactly
 * the keys of buckets i and i | 2^k of the doubled table; the new index bit
 * is a HIGH bit. Counting from the top, all the cursors below the current
 * one (the buckets already visited) share that property at every size:
 * after a grow, the visited buckets are exactly the expansions of those
 * visited before, and after a shrink the cursor's lower bits still name a
 * bucket whose keys have not all been seen. So a key present for the whole
 * scan is never skipped, whatever the table size at each call.
 *
 * While rehashing both tables are live and a key may be in either. A call
 * visits bucket (cursor & m_small) of the smaller table and then every
 * bucket of the larger table whose low bits equal it: the cursor's
 * expansions, stepped through by incrementing the bits in (m_small ^
 * m_large) in reverse binary until they wrap to zero. The returned cursor
 * then addresses the next family in the smaller table. Because a whole
 * family is covered in both tables within one call (nothing moves during
 * the call: fn must not mutate), moving entries between tables between
 * calls cannot hide a key. Shrinking can make a later call revisit a
 * family already seen, hence "at least once".
 */
uint64_t hashmap_scan(struct hashmap *map, uint64_t cursor, hashmap_scan_fn fn, void *ud)
{
    if (hashmap_size(map) == 0)
        return 0;
    const struct table *small = &map->t[0], *large = &map->t[1];
    if (!rehashing(map)) {
        scan_bucket(small->slots[cursor & small->mask], fn, ud);
        return cursor_next(cursor, small->mask);
    }
    if (small->mask > large->mask) {
        const struct table *tmp = small;
        small = large;
        large = tmp;
    }
    uint64_t m0 = small->mask, m1 = large->mask;
    scan_bucket(small->slots[cursor & m0], fn, ud);
    do {
        scan_bucket(large->slots[cursor & m1], fn, ud);
        cursor = cursor_next(cursor, m1);
    } while (cursor & (m0 ^ m1));
    return cursor;
}

/* ==========================================================================
 * Random picks
 *
 * Every entry equally likely, by rejection: each table's struct table keeps
 * max_pop, a bound on how many entries any of its buckets holds (raised by
 * bucket_add, never lowered until the table is replaced). Lay out B virtual
 * positions under every bucket of both live tables, B = the larger bound:
 *
 *     bucket:     0     1     2    ...   (t[0]'s, then t[1]'s)
 *     pos 0:      e     .     e
 *     pos 1:      e     .     .
 *     ...         .     .     .
 *     pos B-1:    .     .     .
 *
 * Draw a bucket and a position, each uniformly; if an entry sits there
 * (the position-th of the chain, or of the tree in order) return it, else
 * draw again. Each draw hits any given entry with probability
 * 1 / (buckets * B), the same for all, so the entry finally returned is
 * uniform: no bias towards short chains, chain heads or small tables, which
 * Redis's dictGetRandomKey has and its dictGetFairRandomKey only dilutes.
 * Moved buckets of t[0] are zero, so a rehash in progress needs no care.
 *
 * Cost: buckets * B / size draws on average, one random memory access and
 * a walk of at most B entries each. B is 8 or 9 for a keyed hash (longer
 * chains become trees, and 9 colliding keys are a one-in-a-million event),
 * so that is ~8 draws at load 1 (~4 at a dense map's 2), ~24 while a grow
 * runs, ~64 at the lowest load a table keeps; deliberate collisions (a
 * test's hasher) only raise B to the largest bucket's size.
 *
 * Samples (hashmap_sample) are for approximations such as the eviction
 * pool, where ~10-30 draws a pick cost more than the pick is worth: whole
 * buckets drawn uniformly until enough entries are gathered. Each entry is
 * in a drawn bucket with the same probability, 1 / buckets a draw, so no
 * entry is favoured, as long as every bucket fits in the caller's room (a
 * bucket that does not, only a tree bucket larger than the room, gives a
 * random run of its entries). The entries of one sample are not
 * independent (bucket-mates come together), which an approximation does
 * not mind. One random memory access per draw, ~1 / load draws an entry.
 * ========================================================================== */

/* The n-th entry of a non-empty bucket (of a tree, in order), or NULL
 * when it holds fewer. */
static struct hashmap_entry *bucket_nth(uintptr_t slot, size_t n)
{
    if (slot_is_tree(slot)) {
        const struct avl_tree *t = slot_tree(slot);
        return n < avl_count(t) ? tree_node_of(avl_at(t, n))->entry : NULL;
    }
    struct hashmap_entry *e = slot_chain(slot);
    while (e && n-- > 0)
        e = e->next;
    return e;
}

struct hashmap_entry *hashmap_random(const struct hashmap *map, rng_fn rand64, void *rand_ud)
{
    if (hashmap_size(map) == 0)
        return NULL;
    size_t n0 = table_buckets(&map->t[0]), n1 = table_buckets(&map->t[1]);
    size_t bound = map->max_pop[0] > map->max_pop[1] ? map->max_pop[0] : map->max_pop[1];
    assert(bound > 0);
    for (;;) {
        size_t b = (size_t)rng_below(rand64, rand_ud, n0 + n1);
        size_t pos = (size_t)rng_below(rand64, rand_ud, bound);
        uintptr_t slot = b < n0 ? map->t[0].slots[b] : map->t[1].slots[b - n0];
        struct hashmap_entry *e = slot ? bucket_nth(slot, pos) : NULL;
        if (e)
            return e;
    }
}

/* Up to `room` entries of a non-empty bucket into out, from a random
 * place in it (so a bucket larger than the room favours none of its
 * entries): a chain's in chain order, a tree's in key order, wrapping
 * round. Returns how many. */
static size_t bucket_take(uintptr_t slot, struct hashmap_entry **out, size_t room,
                          rng_fn rand64, void *rand_ud)
{
    size_t len = slot_is_tree(slot) ? avl_count(slot_tree(slot))
                                    : chain_length(slot_chain(slot), SIZE_MAX);
    size_t n = len < room ? len : room;
    size_t first = len > room ? (size_t)rng_below(rand64, rand_ud, len) : 0;
    for (size_t i = 0; i < n; i++)
        out[i] = bucket_nth(slot, (first + i) % len);
    return n;
}

size_t hashmap_sample(const struct hashmap *map, rng_fn rand64, void *rand_ud,
                      struct hashmap_entry **out, size_t want, size_t cap)
{
    size_t n0 = table_buckets(&map->t[0]), n1 = table_buckets(&map->t[1]), got = 0;
    assert(want <= cap);
    if (hashmap_size(map) == 0)
        return 0;
    for (size_t draws = 0; got < want && (draws < want * HASHMAP_SAMPLE_DRAWS || got == 0);
         draws++) {
        size_t b = (size_t)rng_below(rand64, rand_ud, n0 + n1);
        uintptr_t slot = b < n0 ? map->t[0].slots[b] : map->t[1].slots[b - n0];
        if (slot)
            got += bucket_take(slot, out + got, cap - got, rand64, rand_ud);
    }
    return got;
}

/* ==========================================================================
 * Testing hooks and the invariant check
 * ========================================================================== */

void hashmap__fail_allocations(struct hashmap *map, uint64_t every)
{
    assert(every <= UINT16_MAX);
    map->fail_every = (uint16_t)every;
    map->alloc_count = 0;
}

static int tree_height_of_slot(uintptr_t slot)
{
    return slot_is_tree(slot) ? avl_height(slot_tree(slot)) : 0;
}

int hashmap__max_tree_height(const struct hashmap *map)
{
    int best = 0;
    for (int ti = 0; ti < 2; ti++) {
        const struct table *t = &map->t[ti];
        for (size_t i = 0; i < table_buckets(t); i++) {
            int h = tree_height_of_slot(t->slots[i]);
            best = h > best ? h : best;
        }
    }
    return best;
}

size_t hashmap__tree_buckets(const struct hashmap *map)
{
    size_t n = 0;
    for (int ti = 0; ti < 2; ti++) {
        const struct table *t = &map->t[ti];
        for (size_t i = 0; i < table_buckets(t); i++)
            n += slot_is_tree(t->slots[i]);
    }
    return n;
}

size_t hashmap__buckets(const struct hashmap *map)
{
    return table_buckets(&map->t[rehashing(map) ? 1 : 0]);
}

/* INVARIANT (invariant.h), not assert: tests call this precisely to find
 * breakage, in any build type. */
struct check {
    const struct hashmap *map;
    int table;
    size_t idx;
    size_t bytes; /* recomputed hashmap_bytes */
};

static void check_entry(struct check *c, const struct hashmap_entry *e, uint64_t hash)
{
    const struct hashmap *map = c->map;
    const struct table *t = &map->t[c->table];
    struct pos p;

    INVARIANT(hash == entry_key_hash(map, e));
    INVARIANT(e->hash16 == hash16_of(hash));
    INVARIANT((hash & t->mask) == c->idx);
    struct shape s = entry_shape(e);
    INVARIANT(s.aligned == !map->packed);
    INVARIANT(!s.aligned || s.extra_off % 8 == 0);
    INVARIANT(!s.aligned || entry_of_extra(hashmap_entry_extra(e)) == e);
    INVARIANT(s.extra_off + s.extra_size <= malloc_usable_size((void *)e));
    /* An entry in t[0] must not also be in t[1]. */
    if (c->table == 0 && rehashing(map))
        INVARIANT(!bucket_find(map, 1, hash & map->t[1].mask, (const char *)e + s.key_off,
                               s.keylen, hash, &p));
    c->bytes += malloc_usable_size((void *)e);
}

static size_t check_chain(struct check *c, const struct hashmap_entry *head)
{
    const struct table *t = &c->map->t[c->table];
    size_t len = 0;
    for (const struct hashmap_entry *e = head; e; e = e->next, len++) {
        check_entry(c, e, entry_key_hash(c->map, e));
        /* No duplicate keys (quadratic: only for chains of sane length). */
        for (const struct hashmap_entry *o = e->next; o && len < 64; o = o->next) {
            size_t elen, olen;
            const char *ekey = entry_key(e, &elen), *okey = entry_key(o, &olen);
            INVARIANT(bytes_cmp(ekey, elen, okey, olen) != 0);
        }
    }
    INVARIANT(len <= HASHMAP_TREEIFY_THRESHOLD || t->mask + 1 < HASHMAP_MIN_TREEIFY_BUCKETS ||
          c->map->degraded);
    return len;
}

/* The shape is avl.c's to check; the order and the entries are ours. */
static size_t check_tree(struct check *c, const struct avl_tree *tree)
{
    size_t count = avl__check_invariants(tree);
    const struct tree_node *prev = NULL;
    INVARIANT(c->map->t[c->table].mask + 1 >= HASHMAP_MIN_TREEIFY_BUCKETS);
    INVARIANT(count > HASHMAP_UNTREEIFY_THRESHOLD);
    for (struct avl_node *an = avl_first(tree); an; an = avl_next(an)) {
        const struct tree_node *n = tree_node_of(an);
        const struct hashmap_entry *e = n->entry;
        if (prev) {
            struct tree_key k = tree_key_of(prev->entry, prev->hash);
            INVARIANT(tree_cmp(&k, an) < 0);
        }
        INVARIANT(e->next == NULL);
        check_entry(c, e, n->hash);
        c->bytes += malloc_usable_size((void *)n);
        prev = n;
    }
    c->bytes += malloc_usable_size((void *)tree);
    return count;
}

static void check_table(struct check *c, int ti)
{
    const struct hashmap *map = c->map;
    const struct table *t = &map->t[ti];
    size_t entries = 0;

    if (!t->slots) {
        INVARIANT(t->used == 0);
        return;
    }
    INVARIANT((t->mask & (t->mask + 1)) == 0 && t->mask + 1 >= MIN_BUCKETS);
    c->bytes += malloc_usable_size(t->slots);
    c->table = ti;
    for (size_t i = 0; i <= t->mask; i++) {
        uintptr_t slot = t->slots[i];
        c->idx = i;
        if (ti == 0 && rehashing(map) && i < map->rehash_idx)
            INVARIANT(slot == 0);
        if (slot_is_tree(slot))
            entries += check_tree(c, slot_tree(slot));
        else
            entries += check_chain(c, slot_chain(slot));
    }
    INVARIANT(entries == t->used);
}

void hashmap__check_invariants(const struct hashmap *map)
{
    struct check c = {map, 0, 0, malloc_usable_size((void *)map)};
    struct pos p;

    INVARIANT(map->t[0].slots || !map->t[1].slots);
    if (rehashing(map)) {
        /* t[0] may be empty here (deletes emptied it, or an iterator holds
         * the rehash): the next step retires it. Until then a non-empty
         * t[0] has a bucket at or above rehash_idx. */
        INVARIANT(map->rehash_idx <= map->t[0].mask + 1);
        INVARIANT(map->t[0].used == 0 || map->rehash_idx <= map->t[0].mask);
    } else {
        INVARIANT(map->rehash_idx == 0);
    }
    check_table(&c, 0);
    check_table(&c, 1);
    INVARIANT(c.bytes == map->bytes);
    if (map->memo_entry) {
        const struct hashmap_entry *e = map->memo_entry;
        size_t len;
        const char *key = entry_key(e, &len);
        INVARIANT(locate(map, key, len, map->memo_hash, &p) && p.entry == e);
    }
}
