/*
 * hashmap.h - a map from byte-string keys to caller data.
 *
 * Glossary
 *   entry    one allocation holding a key's bytes inline plus a caller-sized
 *            "extra" region (the value, or the value's inline bytes).
 *   bucket   a slot of the table: a chain of entries, or a balanced tree of
 *            them once the chain grows past HASHMAP_TREEIFY_THRESHOLD.
 *   table    the bucket array. While a resize runs two tables are live and
 *            buckets move from the old to the new one a few at a time.
 *   cursor   the stateless reverse-binary SCAN cursor (0 starts and ends).
 *
 * Two ways to use a map:
 *   - value API: hashmap_get / hashmap_put / hashmap_delete keep one
 *     `void *` per key (the extra region is one pointer wide).
 *   - entry API: hashmap_find / hashmap_insert / hashmap_remove /
 *     hashmap_entry_resize give direct access to the entry and its extra
 *     region, so a caller can keep small values inline and save an
 *     allocation per key. The keyspace uses this.
 * A given map is used through one API or the other, not both.
 *
 * Errors: actions return 0 or a negative HASHMAP_E* code; finders return a
 * pointer or NULL. Out of memory is reported, never aborted on.
 *
 * Ownership: the map owns entries (it allocates and frees them). It never
 * looks inside the extra region and never frees what a value points to.
 * Entry pointers stay valid until the entry is removed or resized; rehash
 * steps move entries between tables without moving them in memory.
 *
 * Thread safety: none. The owner serialises access (a shard lock).
 */
#ifndef GROVE_HASHMAP_H
#define GROVE_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rng.h"

#define HASHMAP_TREEIFY_THRESHOLD 8   /* a chain longer than this becomes a tree */
#define HASHMAP_UNTREEIFY_THRESHOLD 6 /* a tree this small goes back to a chain */
#define HASHMAP_MIN_TREEIFY_BUCKETS 64 /* below this many buckets, grow instead */

enum {
    HASHMAP_OK = 0,
    HASHMAP_ENOMEM = -1,
    HASHMAP_EEXIST = -2,
};

/* The hash function. `ctx` is the hasher's own state (for the default
 * keyed hash, its 128-bit seed). Tests may install a fixed or deliberately
 * colliding function. */
typedef uint64_t (*hashmap_hash_fn)(const void *key, size_t len, const void *ctx);

struct hashmap_hasher {
    hashmap_hash_fn fn;
    const void *ctx;
};

/* The default keyed hash: SipHash-1-3 with a 128-bit key. */
struct hashmap_seed {
    uint64_t k0, k1;
};
uint64_t hashmap_siphash(const void *key, size_t len, const void *seed);

struct hashmap;
struct hashmap_entry; /* opaque; use the accessors below */

/* Create an empty map. `hasher` is copied; its ctx must outlive the map.
 * Returns NULL when out of memory. Its entries' extra regions are 8-byte
 * aligned, and hashmap_extra_key finds an entry's key from its extra; its
 * table grows past load 1. */
struct hashmap *hashmap_create(const struct hashmap_hasher *hasher);

enum hashmap_flags {
    /* Extra regions start right after the key, at any byte: for extras
     * that are bytes (a hash's values), which then pack without padding.
     * hashmap_extra_key does not work on these entries. */
    HASHMAP_PACKED = 1 << 0,
    /* The table grows past load 2, not 1: 4-8 bytes of table per entry
     * instead of 8-16, for maps of many small entries (a set's members),
     * where the table is a fifth of the bytes. Lookups walk ~0.4 more
     * entries on average. */
    HASHMAP_DENSE = 1 << 1,
};
/* hashmap_create with the layout `flags` (enum hashmap_flags) ask for. */
struct hashmap *hashmap_create_with(const struct hashmap_hasher *hasher, unsigned flags);
/* Free every entry and the map. Values are not freed: iterate first if
 * they own memory. Accepts NULL. */
void hashmap_destroy(struct hashmap *map);
/* Remove every entry, calling free_cb(extra) for each if non-NULL, and
 * return the table to its empty size. */
void hashmap_clear(struct hashmap *map, void (*free_cb)(void *extra, void *ud), void *ud);

size_t hashmap_size(const struct hashmap *map);
/* Bytes held by the map: tables, entries (as allocated) and tree nodes. */
size_t hashmap_bytes(const struct hashmap *map);
bool hashmap_is_rehashing(const struct hashmap *map);
/* Table `which` (0: the main one, 1: the one a resize fills): its buckets
 * (0 when there is none) and the entries in it (DEBUG HTSTATS-KEY). */
void hashmap_table_stats(const struct hashmap *map, int which, size_t *buckets, size_t *used);
uint64_t hashmap_hash(const struct hashmap *map, const void *key, size_t len);

/* ---- value API ---------------------------------------------------------- */

/* The value stored for key, or NULL when absent (or stored as NULL). */
void *hashmap_get(struct hashmap *map, const void *key, size_t len);
/* The same without writing anything, not even the lookup memo: threads
 * sharing a map that no longer changes (the command table) may peek at
 * once. */
void *hashmap_peek(const struct hashmap *map, const void *key, size_t len);
/* Insert or replace. *old (if old != NULL) receives the replaced value, or
 * NULL when the key was new. Copies the key. */
int hashmap_put(struct hashmap *map, const void *key, size_t len, void *value, void **old);
/* Remove key; returns true if it was present, with its value in *value. */
bool hashmap_delete(struct hashmap *map, const void *key, size_t len, void **value);

/* ---- entry API ---------------------------------------------------------- */

/* `hash` must be hashmap_hash(map, key, len): callers that already hashed
 * the key (to pick a shard) pass it instead of hashing twice. */
struct hashmap_entry *hashmap_find(struct hashmap *map, const void *key, size_t len,
                                   uint64_t hash);
/* Prefetch hints for a find of `hash` coming soon, so that a batch of
 * lookups overlaps its cache misses instead of taking them one by one:
 * first the bucket slot, then (once that has arrived) the head of its
 * chain. Neither changes the map. */
void hashmap_prefetch_bucket(const struct hashmap *map, uint64_t hash);
void hashmap_prefetch_entry(const struct hashmap *map, uint64_t hash);
/* Insert a new entry with `extra_size` zeroed extra bytes (8-byte aligned
 * unless the map is packed).
 * Returns NULL on ENOMEM. The key must not be present (asserted in debug
 * builds): find first. */
struct hashmap_entry *hashmap_insert(struct hashmap *map, const void *key, size_t len,
                                     uint64_t hash, size_t extra_size);
/* Unlink and free the entry. The caller frees what its extra points to
 * first. */
void hashmap_remove(struct hashmap *map, struct hashmap_entry *entry);
/* Reallocate the entry with a new extra size, keeping the key and the first
 * min(old, new) extra bytes. Returns the entry's new address (the old one
 * is invalid), or NULL on ENOMEM (the old one stays valid and linked). */
struct hashmap_entry *hashmap_entry_resize(struct hashmap *map, struct hashmap_entry *entry,
                                           size_t new_extra_size);

const char *hashmap_entry_key(const struct hashmap_entry *entry);
size_t hashmap_entry_keylen(const struct hashmap_entry *entry);
/* The extra region: 8-byte aligned, except in a packed map. Inline: the
 * keyspace asks for it several times a request. */
static inline void *hashmap_entry_extra(const struct hashmap_entry *entry);
/* The key (and its length) of the entry whose extra region starts at
 * `extra`, in a map that is not packed: a value embedded in its extra (a
 * sorted set's tree node) finds its key. */
const char *hashmap_extra_key(const void *extra, size_t *len);
size_t hashmap_entry_extra_size(const struct hashmap_entry *entry);
/* The entry's allocation as the allocator sized it (key, extra, header). */
size_t hashmap_entry_bytes(const struct hashmap_entry *entry);
/* For the value API: the stored pointer. */
void *hashmap_entry_value(const struct hashmap_entry *entry);

/* ---- resizing ----------------------------------------------------------- */

/* Move buckets from the old table until it is empty or `max_buckets`
 * buckets (empty ones count as 1/10th) have moved. Returns true if a
 * rehash is still in progress. Called by the owner from a timer. */
bool hashmap_rehash_step(struct hashmap *map, size_t max_buckets);
/* Make room for `n` entries in all (a loader that knows the count, as
 * RDB's RESIZEDB): when the map is idle (not resizing, no iterator) and
 * its table holds fewer than n at its load (1, or 2 when dense), start a
 * resize to one that does - for an empty map a single allocation, for a filled one the
 * usual incremental move. False on ENOMEM (nothing changes). */
bool hashmap_reserve(struct hashmap *map, size_t n);
/* Check whether the table should shrink (size well under capacity) and
 * start an incremental shrink if so. Deletes call it too. */
void hashmap_maybe_shrink(struct hashmap *map);
/* While a fork child shares the process's pages (a snapshot being
 * written), a resize would write, and so copy, every page of the tables
 * it moves: with `defer`, every map grows only once past
 * HASHMAP_FORCE_GROW_RATIO times its load and none shrinks, as Redis's
 * dict_can_resize and dict_force_resize_ratio. Any thread. */
#define HASHMAP_FORCE_GROW_RATIO 5
void hashmap_defer_resizes(bool defer);

/* ---- iteration ---------------------------------------------------------- */

/* Visits every entry present for the whole iteration exactly once. The
 * current entry may be removed (hashmap_remove) between calls; any other
 * mutation ends the iteration's guarantees. Resizing pauses while an
 * iterator is live, so hashmap_iter_deinit must be called. */
struct hashmap_iter { /* private fields */
    struct hashmap *map;
    int table;
    size_t bucket;
    struct hashmap_entry *next; /* returned by the next call */
    uint64_t next_hash;         /* its hash, when its bucket is a tree */
};
void hashmap_iter_init(struct hashmap_iter *it, struct hashmap *map);
struct hashmap_entry *hashmap_iter_next(struct hashmap_iter *it);
void hashmap_iter_deinit(struct hashmap_iter *it);

/* Stateless scan: calls fn for every entry of the next bucket (or buckets)
 * and returns the next cursor; 0 when the scan is complete. Every key
 * present from the first call to the last is visited at least once, across
 * grows and shrinks; some may be visited more than once. fn must not
 * mutate the map. */
typedef void (*hashmap_scan_fn)(struct hashmap_entry *entry, void *ud);
uint64_t hashmap_scan(struct hashmap *map, uint64_t cursor, hashmap_scan_fn fn, void *ud);

/* One entry chosen at random, every entry equally likely whatever the
 * shape of its bucket or table (rejection sampling; see "Random picks" in
 * hashmap.c), from the caller's random source (no global state here).
 * NULL only when the map is empty. Writes nothing: safe on a map read by
 * several threads at once, if the source is. */
struct hashmap_entry *hashmap_random(const struct hashmap *map, rng_fn rand64, void *rand_ud);

/* At least `want` entries (fewer only when the map is sparse or small)
 * and at most `cap` into out, for approximate sampling (the eviction pool):
 * whole buckets drawn uniformly until `want` are gathered, so every entry
 * is equally likely to be in a sample, but the entries of one sample are
 * not independent draws (see "Random picks" in hashmap.c). Stops after
 * want * HASHMAP_SAMPLE_DRAWS bucket draws once it has one entry; 0 only
 * when the map is empty.
 * want <= cap. Writes nothing, as hashmap_random. */
#define HASHMAP_SAMPLE_DRAWS 32
size_t hashmap_sample(const struct hashmap *map, rng_fn rand64, void *rand_ud,
                      struct hashmap_entry **out, size_t want, size_t cap);

/* ---- testing ------------------------------------------------------------ */

/* Check every structural invariant (counts, chain lengths, tree balance
 * and order, entries in the right bucket, bytes) and abort with a message
 * naming the broken one. Active in every build type; O(size + buckets). */
void hashmap__check_invariants(const struct hashmap *map);
/* Height of the tallest tree bucket (0 when no bucket is a tree). */
int hashmap__max_tree_height(const struct hashmap *map);
size_t hashmap__tree_buckets(const struct hashmap *map);
size_t hashmap__buckets(const struct hashmap *map); /* of the newest table */
/* SipHash with c compression and d finalization rounds, to check
 * hashmap_siphash (c=1, d=3) and its 2-4 sibling against reference vectors. */
uint64_t hashmap__siphash(const void *key, size_t len, const struct hashmap_seed *seed,
                          int c_rounds, int d_rounds);
/* Make every `every`-th allocation of this map fail from now on (0: never),
 * to test that out of memory leaves the map consistent. */
void hashmap__fail_allocations(struct hashmap *map, uint64_t every);

/* ---- inline fast path ---------------------------------------------------- */

/* An entry's first bytes as hashmap.c lays them out (its essay: next,
 * hash16, then the varints klen << 1 | aligned and xlen), shown here only
 * so that hashmap_entry_extra inlines. */
struct hashmap_entry_head {
    void *next;
    uint16_t hash16;
    unsigned char meta[];
};
void *hashmap__entry_extra_slow(const struct hashmap_entry *entry);

static inline void *hashmap_entry_extra(const struct hashmap_entry *entry)
{
    const unsigned char *m = ((const struct hashmap_entry_head *)(const void *)entry)->meta;
    if (m[0] < 0x80 && m[1] < 0x80) {
        /* One-byte varints: a key under 64 bytes, so an aligned extra's
         * offset is below 128 and its back-offset one byte. */
        size_t key_end = (size_t)(m + 2 - (const unsigned char *)entry) + (m[0] >> 1);
        size_t off = m[0] & 1 ? (key_end + 8) & ~(size_t)7 : key_end;
        return (char *)entry + off;
    }
    return hashmap__entry_extra_slow(entry);
}

#endif
