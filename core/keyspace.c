/*
 * keyspace.c - sharded databases with expiry
 * ==========================================
 *
 * What
 *   Grove's data: `databases` databases, each split into S = 2^shard_bits
 *   shards. A shard is a hashmap whose entries carry the value inline
 *   (object.h), a mutex, an expiry index and counters. Commands on keys in
 *   different shards run in parallel on different threads; a command on
 *   several keys locks all their shards together, and is atomic.
 *
 * Layout
 *
 *   struct keyspace
 *     dbs[ndb] ----> struct keyspace_db { index, shards --+ }
 *     shards[ndb*S] (one aligned array, id order) <------+
 *       struct keyspace_shard (own cache lines)
 *         lock | data { map, expiry index, heap_bytes } | counters | rng
 *
 *   The shard for a key is hash >> (64 - shard_bits); inside the shard the
 *   hashmap indexes with the low bits, so the two choices are independent.
 *
 * Expiry index
 *   Each shard keeps a dense array of its entries that have a TTL. Every
 *   such object stores its own slot number in its TTL block, so:
 *     add      push at the end, write the slot          O(1)
 *     remove   move the last element into the hole and
 *              rewrite that element's slot               O(1)
 *     resize   the entry moved: index[slot] = new entry O(1)
 *   Active expiry samples uniformly random slots: with only TTL keys in
 *   the array, every sample is a candidate, unlike sampling the whole map.
 *   The index also keeps the exact sum of expire times, so INFO's avg_ttl
 *   is exact (Redis estimates it from the samples of its expire cycle).
 *
 * Active expiry
 *   After Redis 7's activeExpireCycle: rounds of 20 samples, another round
 *   while more than 10% of the last round had expired (Redis 7 uses 10%;
 *   Redis 5 used 25%), bounded by the caller's sample budget. The shard's
 *   lock is held for one call, i.e. at most `budget` samples.
 *
 * SCAN across shards
 *   The client's cursor packs (hashmap cursor, shard index): the low
 *   shard_bits bits are the shard, the rest the map's reverse-binary
 *   cursor. A scan runs shard 0's map scan to completion, then shard 1's,
 *   and so on; each map scan keeps its own guarantee (every key present
 *   throughout is seen) across grows and shrinks, so the whole scan does.
 *   Map cursors stay below the map's bucket count, far from the 64 -
 *   shard_bits bits available.
 *
 * SWAPDB
 *   Swaps the contents (struct shard_data) of each shard pair of the two
 *   dbs while holding all their locks; shard and db structs never move.
 *   See keyspace.h for why callers that resolved pointers stay correct.
 *
 * Flush
 *   New empty maps are made first (so out of memory changes nothing), all
 *   the db's shards are locked, maps swapped, shards unlocked; only then
 *   are the old entries freed, outside every lock, here or by the caller
 *   (keyspace_trash).
 *
 * Watched keys (WATCH)
 *   A shard may carry a second hashmap, `watched`, from key to a version
 *   number and a reference count (how many WATCH registrations name it).
 *   It exists only while at least one key of the shard is watched, so a
 *   shard nobody watches pays one NULL test per write. Every change to a
 *   key (insert, overwrite, in-place INCR, APPEND/SETRANGE/reserve, TTL
 *   set or dropped, delete, lazy or active expiry, RENAME's source and
 *   destination, COPY's destination) bumps the key's version when it is
 *   watched; FLUSHDB/FLUSHALL bump the watched keys that existed, SWAPDB
 *   those that existed before or get a live value. Versions are per key,
 *   so a write to another key of the same shard never disturbs a watcher
 *   (no false aborts for optimistic-locking loops). Touching the access
 *   clock is not a change. Registering a watch first expires the key if
 *   its time is past, so a key already stale at WATCH does not fail EXEC
 *   when it is reclaimed; reading the version (EXEC) expires it too, so a
 *   key that expires after WATCH counts as changed - both as Redis 7.0.
 *   An expired key that SWAPDB brings in where there was none (or another
 *   expired one) is no key to its watchers either: the record is flagged
 *   `stale` and its reclaiming changes nothing (Redis's per-watch
 *   `expired` flag; here per key, as every watcher not yet failed saw no
 *   key there).
 *
 * Keys clients wait on (blocking commands)
 *   A third optional hashmap, `waited`, maps a key some client blocks on
 *   to the server's waiter queue. Creating a key, or giving one a new
 *   value through put_value (RENAME, COPY, SET...), or removing one
 *   (DEL, expiry, eviction: a blocked XREADGROUP is told its stream went)
 *   calls the config's ready_cb with the shard held when the key has a
 *   record, so the server can serve its waiters once the writing command
 *   is done; FLUSHDB/FLUSHALL call it for the waited keys that existed,
 *   SWAPDB for those that existed in either database. Like
 *   `watched` it belongs to (db, shard) and costs a NULL test when
 *   nobody waits.
 *
 * Keys clients cache (client-side caching)
 *   A fourth optional hashmap, `tracked`, maps a key some client may hold
 *   in its cache to the server's record of who does. It hangs off the
 *   same hook as `watched`: every change to such a key hands the record
 *   to the config's tracked_cb, under the shard lock, and forgets it, so
 *   the read that records a key (under the lock) and the write that
 *   invalidates it (under the same lock) can never miss each other. With
 *   track_all (broadcast mode) every change reaches tracked_cb. FLUSH
 *   drops the records of the shards it empties; SWAPDB treats the
 *   tracked keys present in either database as changed.
 *
 * Out of memory
 *   Every mutation reserves what can fail (expiry slot, new entry size,
 *   RAW buffer) before it changes anything, so a failure leaves the shard
 *   as it was. Shrinks that fail keep the larger entry (objects never rely
 *   on the entry's exact extra size).
 *
 * Thread safety
 *   See keyspace.h: [held] functions rely on the caller's shard locks
 *   (asserted in debug builds by recording the owner thread), [locks]
 *   functions take them. The keyspace-wide random state is an atomic
 *   counter; the LFU parameters and the event mask are atomics. Nothing
 *   else is shared between shards.
 *
 * Events
 *   Keyspace notifications need to hear of what no command does: a key
 *   created (by any insert), expired (lazily or actively) or evicted. The
 *   config's event_cb is called, with the shard held and the key still in
 *   place, only for the kinds the mask asks for, so the cost while
 *   notifications are off is one relaxed load.
 */
#include "keyspace.h"

#include <assert.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SIZEOF_INT128__)
__extension__ typedef __int128 ttl_sum_t; /* exact: 2^32 keys * 2^63 ms fits */
#else
typedef long double ttl_sum_t;
#endif

#define CACHE_LINE 64

struct expiry_index {
    struct hashmap_entry **v; /* entries with a TTL, in slot order */
    uint32_t len, cap;
    ttl_sum_t sum; /* of their expire times, for avg_ttl */
};

/* What SWAPDB and FLUSH exchange: everything that describes the keys. */
struct shard_data {
    struct hashmap *map;
    struct expiry_index exp;
    size_t heap_bytes; /* RAW buffers owned by this shard's objects */
};

struct keyspace_shard {
    alignas(CACHE_LINE) pthread_mutex_t lock;
    struct shard_data d;
    uint64_t expired_keys, hits, misses;
    /* Changes to keys (see keyspace_dirty): written under lock, read by
     * any thread without it, hence relaxed atomic. */
    _Atomic uint64_t dirty;
    uint64_t rng; /* xorshift state; guarded by lock */
    struct keyspace *ks;
    unsigned id;
    /* WATCH: key -> struct watch_rec, NULL while nobody watches a key of
     * this shard. Belongs to (db, shard), not to the data: SWAPDB and
     * FLUSH leave it in place. */
    struct hashmap *watched;
    /* Blocking: key -> the server's waiter queue (void *), NULL while
     * nobody waits on a key of this shard. Belongs to (db, shard) too. */
    struct hashmap *waited;
    /* Client-side caching: key -> the server's record of who caches it
     * (void *), NULL while no key of this shard is tracked. Belongs to
     * (db, shard); FLUSH drops it. */
    struct hashmap *tracked;
#ifndef NDEBUG
    pthread_t owner;
    unsigned depth; /* the owner's nested holds (the mutex is recursive) */
#endif
};

struct keyspace_db {
    struct keyspace *ks;
    unsigned index;
    struct keyspace_shard *shards; /* S of them, inside ks->shards */
};

struct keyspace {
    struct keyspace_config cfg;
    unsigned nshards; /* per db */
    struct keyspace_db *dbs;
    struct keyspace_shard *shards; /* databases * nshards, in id order */
    _Atomic uint64_t rng;
    _Atomic uint32_t lfu_log_factor, lfu_decay_time;
    atomic_uint events; /* keyspace_set_events: which kinds reach event_cb */
    atomic_bool track_all; /* keyspace_set_track_all: every change reaches tracked_cb */
    _Atomic int64_t hold_expired_until; /* keyspace_hold_expired */
    atomic_bool hold_expired_always;    /* keyspace_hold_expired_always */
    atomic_ullong obeying_thread;       /* keyspace_obey_begin's thread, 0: none */
};

struct keyspace_trash {
    size_t n;
    struct shard_data items[];
};

static_assert(sizeof(struct keyspace_shard) % CACHE_LINE == 0, "shards own their cache lines");
static_assert(KEYSPACE_TTL_KEEP != KEYSPACE_TTL_NONE, "distinct TTL sentinels");
static_assert(KEYSPACE_MAX_SHARD_BITS < 32, "shard ids fit an unsigned");

/* Everything that decides on TTL sentinels goes through this. */
static bool is_time(int64_t expire_at)
{
    return expire_at != KEYSPACE_TTL_NONE && expire_at != KEYSPACE_TTL_KEEP;
}

static struct object *obj_of(const struct hashmap_entry *e)
{
    return hashmap_entry_extra(e);
}

/* ==== watched keys (see the essay) =========================================== */

struct watch_rec {
    uint64_t version;
    uint64_t hash; /* of the key, for FLUSH/SWAPDB lookups in the data map */
    uint64_t refs; /* WATCH registrations naming this key */
    /* The key held here came in by SWAPDB already expired, where there was
     * no key (or another such one): to its watchers there is still none.
     * Only set while the map holds that key; any change clears it. */
    bool stale;
};

static struct watch_rec *watch_rec_of(const struct hashmap_entry *e)
{
    return hashmap_entry_extra(e);
}

/* A watched key changed. `implicit` (expiry, eviction) removes it: no
 * change when it is a stale key SWAPDB brought in. */
static void watch_bump(struct keyspace_shard *sh, const char *key, size_t len, uint64_t hash,
                       bool implicit)
{
    struct hashmap_entry *w = hashmap_find(sh->watched, key, len, hash);
    struct watch_rec *r;

    if (!w)
        return;
    r = watch_rec_of(w);
    if (!(r->stale && implicit))
        r->version++;
    r->stale = false;
}

/* ==== tracked keys (see the essay) ========================================= */

/* Whether key k (hash h) holds a value in map a or, when given, in b. */
static bool held_in(struct hashmap *a, struct hashmap *b, const char *k, size_t n, uint64_t h)
{
    return hashmap_find(a, k, n, h) || (b && hashmap_find(b, k, n, h));
}

static void *tracked_rec(const struct hashmap_entry *t)
{
    return *(void **)hashmap_entry_extra(t);
}

static void tracked_table_maybe_free(struct keyspace_shard *sh)
{
    if (hashmap_size(sh->tracked) == 0) {
        hashmap_destroy(sh->tracked);
        sh->tracked = NULL;
    }
}

/* Key k changed: hand its record (if any) to the server, which owns it
 * from now on, and forget it here; with track_all the server hears of
 * every change, record or not. */
static void tell_tracked(struct keyspace_shard *sh, const char *k, size_t n, uint64_t h,
                         bool implicit)
{
    struct keyspace *ks = sh->ks;
    struct hashmap_entry *t = sh->tracked ? hashmap_find(sh->tracked, k, n, h) : NULL;
    void *rec = NULL;

    if (t) {
        rec = tracked_rec(t);
        hashmap_remove(sh->tracked, t);
        tracked_table_maybe_free(sh);
    }
    if (rec || atomic_load_explicit(&ks->track_all, memory_order_relaxed))
        ks->cfg.tracked_cb(sh, k, n, rec, implicit, ks->cfg.tracked_ud);
}

static bool tracking_wanted(const struct keyspace_shard *sh)
{
    return sh->tracked || atomic_load_explicit(&sh->ks->track_all, memory_order_relaxed);
}

/* FLUSH: the records go without a word (the server tells every tracking
 * client that everything changed). */
static void drop_tracked(struct keyspace_shard *sh)
{
    struct hashmap_iter it;
    struct hashmap_entry *t;

    if (!sh->tracked)
        return;
    hashmap_iter_init(&it, sh->tracked);
    while ((t = hashmap_iter_next(&it)))
        sh->ks->cfg.tracked_free(tracked_rec(t), sh->ks->cfg.tracked_ud);
    hashmap_iter_deinit(&it);
    hashmap_destroy(sh->tracked);
    sh->tracked = NULL;
}

/* SWAPDB: every tracked key of sh that holds a value in map a or b
 * changed. */
static void tell_tracked_in(struct keyspace_shard *sh, struct hashmap *a, struct hashmap *b)
{
    struct hashmap_iter it;
    struct hashmap_entry *t;

    if (!sh->tracked)
        return;
    hashmap_iter_init(&it, sh->tracked);
    while ((t = hashmap_iter_next(&it))) {
        const char *k = hashmap_entry_key(t);
        size_t n = hashmap_entry_keylen(t);

        if (!held_in(a, b, k, n, hashmap_hash(sh->tracked, k, n)))
            continue;
        sh->ks->cfg.tracked_cb(sh, k, n, tracked_rec(t), false, sh->ks->cfg.tracked_ud);
        hashmap_remove(sh->tracked, t);
    }
    hashmap_iter_deinit(&it);
    tracked_table_maybe_free(sh);
}

/* One more change in sh (the lock is held: a plain add, published
 * relaxed for keyspace_dirty's readers). */
static void count_change(struct keyspace_shard *sh, uint64_t n)
{
    atomic_store_explicit(&sh->dirty, atomic_load_explicit(&sh->dirty, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* A key of this shard changed. */
static void touch_key(struct keyspace_shard *sh, const struct keyspace_key *key)
{
    count_change(sh, 1);
    if (sh->watched)
        watch_bump(sh, key->ptr, key->len, key->hash, false);
    if (tracking_wanted(sh))
        tell_tracked(sh, key->ptr, key->len, key->hash, false);
}

void keyspace_signal_modified(struct keyspace_shard *sh, const struct keyspace_key *key)
{
    touch_key(sh, key);
}

/* The key of entry e changed (its full hash is not stored: recompute it,
 * only when something in the shard is watched or tracked). `implicit`:
 * expiry or eviction changed it, not a command's write. */
static void touch_entry(struct keyspace_shard *sh, const struct hashmap_entry *e, bool implicit)
{
    const char *k;
    size_t n;
    uint64_t h;

    count_change(sh, 1);
    if (!sh->watched && !tracking_wanted(sh))
        return;
    k = hashmap_entry_key(e);
    n = hashmap_entry_keylen(e);
    h = hashmap_hash(sh->d.map, k, n);
    if (sh->watched)
        watch_bump(sh, k, n, h, implicit);
    if (tracking_wanted(sh))
        tell_tracked(sh, k, n, h, implicit);
}

/*
 * FLUSH (incoming NULL) or SWAPDB: sh's keys are about to be replaced by
 * those of map `incoming`. As Redis's touchAllWatchedKeysInDb, a watched
 * key changes when it held a value (unless a flagged stale one) or gets a
 * live one; going between no key and an expired one is no change (the
 * expired key that comes in is flagged, see struct watch_rec).
 */
static void touch_watched_in(struct keyspace_shard *sh, struct hashmap *incoming, int64_t now_ms)
{
    struct hashmap_iter it;
    struct hashmap_entry *w;

    if (!sh->watched)
        return;
    hashmap_iter_init(&it, sh->watched);
    while ((w = hashmap_iter_next(&it))) {
        struct watch_rec *r = watch_rec_of(w);
        const char *k = hashmap_entry_key(w);
        size_t n = hashmap_entry_keylen(w);
        bool held = hashmap_find(sh->d.map, k, n, r->hash) != NULL;
        struct hashmap_entry *in = incoming ? hashmap_find(incoming, k, n, r->hash) : NULL;
        bool in_live = in && !object_is_expired(obj_of(in), now_ms);

        if ((held && !r->stale) || in_live)
            r->version++;
        r->stale = in && !in_live;
    }
    hashmap_iter_deinit(&it);
}

/* The same for the keys clients wait on: tell the server of each one that
 * holds a value in map a or b, the contents the shard lost or got at once
 * (a blocked XREADGROUP hears its stream went, as after a DEL). */
static void signal_waited_in(struct keyspace_shard *sh, struct hashmap *a, struct hashmap *b)
{
    struct hashmap_iter it;
    struct hashmap_entry *w;

    if (!sh->waited || !sh->ks->cfg.ready_cb)
        return;
    hashmap_iter_init(&it, sh->waited);
    while ((w = hashmap_iter_next(&it))) {
        const char *k = hashmap_entry_key(w);
        size_t n = hashmap_entry_keylen(w);
        uint64_t h = hashmap_hash(sh->waited, k, n);

        if (held_in(a, b, k, n, h))
            sh->ks->cfg.ready_cb(sh, k, n, sh->ks->cfg.ready_ud);
    }
    hashmap_iter_deinit(&it);
}

/* ==== randomness =========================================================== */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* xorshift64* on the shard's state (shard lock held). */
static uint64_t shard_rand(void *ud)
{
    struct keyspace_shard *sh = ud;
    uint64_t x = sh->rng;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    sh->rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* Keyspace-wide, lock-free: splitmix64 over an atomic counter. */
static uint64_t ks_rand(void *ud)
{
    struct keyspace *ks = ud;
    return mix64(atomic_fetch_add_explicit(&ks->rng, 0x9e3779b97f4a7c15ull,
                                           memory_order_relaxed));
}

/* ==== locks ================================================================= */

static void assert_held(const struct keyspace_shard *sh)
{
#ifndef NDEBUG
    assert(sh->depth > 0 && pthread_equal(sh->owner, pthread_self()));
#else
    (void)sh;
#endif
}

static void note_locked(struct keyspace_shard *sh)
{
#ifndef NDEBUG
    sh->owner = pthread_self();
    sh->depth++;
#else
    (void)sh;
#endif
}

void keyspace_shard_lock(struct keyspace_shard *sh)
{
    int rc = pthread_mutex_lock(&sh->lock);

    assert(rc == 0);
    (void)rc;
    note_locked(sh);
}

static bool shard_trylock(struct keyspace_shard *sh)
{
    if (pthread_mutex_trylock(&sh->lock) != 0)
        return false;
    note_locked(sh);
    return true;
}

void keyspace_shard_unlock(struct keyspace_shard *sh)
{
    assert_held(sh);
#ifndef NDEBUG
    sh->depth--;
#endif
    pthread_mutex_unlock(&sh->lock);
}

/*
 * Lock n shards without ever holding one while waiting for another (the
 * algorithm of C++'s std::lock): block on one, try the others; if one is
 * busy, let go of everything and block on that one first next time. So no
 * locker of several shards can be part of a wait cycle, whatever order
 * others lock in - which lets the script thread (the only one that holds
 * shards while it waits for more, see keyspace.h) take them in any order.
 * `at(i)` is the i-th shard.
 */
static void lock_all(size_t n, struct keyspace_shard *(*at)(const void *, size_t),
                     const void *ctx)
{
    size_t first = 0;

    for (;;) {
        size_t busy = n;

        keyspace_shard_lock(at(ctx, first));
        for (size_t i = 0; i < n && busy == n; i++)
            if (i != first && !shard_trylock(at(ctx, i)))
                busy = i;
        if (busy == n)
            return;
        for (size_t i = 0; i < busy; i++)
            if (i != first)
                keyspace_shard_unlock(at(ctx, i));
        keyspace_shard_unlock(at(ctx, first));
        first = busy;
    }
}

static struct keyspace_shard *run_at(const void *first, size_t i)
{
    return (struct keyspace_shard *)first + i;
}

/* Lock `n` shards that are consecutive in id order (one or more whole dbs). */
static void lock_run(struct keyspace_shard *first, size_t n)
{
    lock_all(n, run_at, first);
}

static void unlock_run(struct keyspace_shard *first, size_t n)
{
    while (n--)
        keyspace_shard_unlock(&first[n]);
}

/* ---- lockset ------------------------------------------------------------- */

static struct keyspace_shard **set_items(const struct keyspace_lockset *set)
{
    return set->heap ? set->heap : (struct keyspace_shard **)set->inline_;
}

void keyspace_lockset_init(struct keyspace_lockset *set)
{
    set->n = 0;
    set->cap = KEYSPACE_LOCKSET_INLINE;
    set->heap = NULL;
    set->locked = false;
}

static int lockset_grow(struct keyspace_lockset *set)
{
    size_t cap = set->cap * 2;
    struct keyspace_shard **v = malloc(cap * sizeof(*v));

    if (!v)
        return KEYSPACE_ENOMEM;
    memcpy(v, set_items(set), set->n * sizeof(*v));
    free(set->heap);
    set->heap = v;
    set->cap = cap;
    return KEYSPACE_OK;
}

/* First position whose shard id is >= id (binary search). */
static size_t lockset_lower_bound(const struct keyspace_lockset *set, unsigned id)
{
    struct keyspace_shard **v = set_items(set);
    size_t lo = 0, hi = set->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (v[mid]->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int keyspace_lockset_add(struct keyspace_lockset *set, struct keyspace_shard *sh)
{
    size_t pos;
    struct keyspace_shard **v;

    assert(!set->locked);
    if (set->n == 0) { /* nearly every command has one key: skip the search */
        set_items(set)[0] = sh;
        set->n = 1;
        return KEYSPACE_OK;
    }
    pos = lockset_lower_bound(set, sh->id);
    if (pos < set->n && set_items(set)[pos] == sh)
        return KEYSPACE_OK;
    if (set->n == set->cap && lockset_grow(set) != KEYSPACE_OK)
        return KEYSPACE_ENOMEM;
    v = set_items(set);
    memmove(&v[pos + 1], &v[pos], (set->n - pos) * sizeof(*v));
    v[pos] = sh;
    set->n++;
    return KEYSPACE_OK;
}

int keyspace_lockset_add_db(struct keyspace_lockset *set, struct keyspace_db *db)
{
    for (unsigned i = 0; i < db->ks->nshards; i++)
        if (keyspace_lockset_add(set, &db->shards[i]) != KEYSPACE_OK)
            return KEYSPACE_ENOMEM;
    return KEYSPACE_OK;
}

static struct keyspace_shard *set_at(const void *items, size_t i)
{
    return ((struct keyspace_shard *const *)items)[i];
}

void keyspace_lockset_lock(struct keyspace_lockset *set)
{
    assert(!set->locked);
    if (set->n > 0)
        lock_all(set->n, set_at, set_items(set));
    set->locked = true;
}

void keyspace_lockset_unlock(struct keyspace_lockset *set)
{
    struct keyspace_shard **v = set_items(set);

    assert(set->locked);
    for (size_t i = set->n; i-- > 0;)
        keyspace_shard_unlock(v[i]);
    set->locked = false;
}

void keyspace_lockset_deinit(struct keyspace_lockset *set)
{
    assert(!set->locked);
    if (set->heap) { /* free(NULL) is not free: this runs for every command */
        free(set->heap);
        set->heap = NULL;
    }
    set->n = 0;
}

size_t keyspace_lockset_count(const struct keyspace_lockset *set)
{
    return set->n;
}

struct keyspace_shard *keyspace_lockset_at(const struct keyspace_lockset *set, size_t i)
{
    assert(i < set->n);
    return set_items(set)[i];
}

/* ==== expiry index ========================================================== */

/* Make room for one more slot so that a later push cannot fail. */
static int expiry_reserve(struct expiry_index *x)
{
    uint32_t cap;
    struct hashmap_entry **v;

    if (x->len < x->cap)
        return KEYSPACE_OK;
    if (x->cap == UINT32_MAX)
        return KEYSPACE_ENOMEM;
    cap = x->cap ? (x->cap > UINT32_MAX / 2 ? UINT32_MAX : x->cap * 2) : 16;
    v = realloc(x->v, (size_t)cap * sizeof(*v));
    if (!v)
        return KEYSPACE_ENOMEM;
    x->v = v;
    x->cap = cap;
    return KEYSPACE_OK;
}

/* Append e (whose object already carries the TTL block) at slot len. */
static void expiry_push(struct expiry_index *x, struct hashmap_entry *e, int64_t at)
{
    assert(x->len < x->cap);
    assert(object_expire_slot(obj_of(e)) == x->len);
    x->v[x->len++] = e;
    x->sum += at;
}

/* Give back memory once the index is mostly empty. */
static void expiry_maybe_shrink(struct expiry_index *x)
{
    uint32_t cap = x->cap / 2;
    struct hashmap_entry **v;

    if (x->cap <= 16 || x->len > x->cap / 4)
        return;
    v = realloc(x->v, (size_t)cap * sizeof(*v));
    if (v) {
        x->v = v;
        x->cap = cap;
    }
}

/* Remove slot `slot` (expire time `at`): the last element moves into it. */
static void expiry_remove(struct expiry_index *x, uint32_t slot, int64_t at)
{
    uint32_t last = x->len - 1;

    assert(slot < x->len);
    if (slot != last) {
        struct hashmap_entry *moved = x->v[last];

        x->v[slot] = moved;
        object_set_expire_slot(obj_of(moved), slot);
    }
    x->len--;
    x->sum -= at;
    expiry_maybe_shrink(x);
}

static void expiry_free(struct expiry_index *x)
{
    free(x->v);
    memset(x, 0, sizeof(*x));
}

/* ==== entries ================================================================ */

/* Resize e's region; NULL if growing failed (e intact). A failed shrink
 * keeps e: objects never depend on the exact region size. The expiry
 * index is the caller's to fix (it knows the slot before and after). */
static struct hashmap_entry *resize_entry(struct keyspace_shard *sh, struct hashmap_entry *e,
                                          size_t size)
{
    size_t cur = hashmap_entry_extra_size(e);
    struct hashmap_entry *ne;

    if (size == cur)
        return e;
    ne = hashmap_entry_resize(sh->d.map, e, size);
    if (!ne)
        return size < cur ? e : NULL;
    return ne;
}

/* Unlink an entry whose heap payload has been freed or moved elsewhere. */
static void unlink_entry(struct keyspace_shard *sh, struct hashmap_entry *e, bool implicit)
{
    struct object *o = obj_of(e);

    touch_entry(sh, e, implicit);
    if (object_has_ttl(o))
        expiry_remove(&sh->d.exp, object_expire_slot(o), object_expire_at(o));
    hashmap_remove(sh->d.map, e);
}

static void signal_ready(struct keyspace_shard *sh, const char *key, size_t len, uint64_t hash);

/* Free v's heap part, or hand it to lazyfree_cb when that takes it. */
static void discard_value(struct keyspace_shard *sh, struct object_value *v,
                          enum keyspace_free_reason why)
{
    const struct keyspace_config *cfg = &sh->ks->cfg;

    if (v->type != OBJECT_STRING && cfg->lazyfree_cb && cfg->lazyfree_cb(v, why, cfg->lazyfree_ud))
        return;
    object_value_discard(v);
}

/* Remove e and free its payload (`why` it goes, for lazyfree_cb);
 * `implicit`: no command asked for it (expiry, eviction). */
static void remove_entry(struct keyspace_shard *sh, struct hashmap_entry *e, bool implicit,
                         enum keyspace_free_reason why)
{
    struct object *o = obj_of(e);
    struct object_value v;

    if (sh->waited && sh->ks->cfg.ready_cb) { /* waiters may care it went (XREADGROUP) */
        const char *key = hashmap_entry_key(e);
        size_t len = hashmap_entry_keylen(e);
        signal_ready(sh, key, len, sh->ks->cfg.hasher.fn(key, len, sh->ks->cfg.hasher.ctx));
    }
    sh->d.heap_bytes -= object_heap_bytes(o);
    object_take_value(o, &v);
    discard_value(sh, &v, why);
    unlink_entry(sh, e, implicit);
}

/* Tell the server, if it asked for this kind of event. */
static void emit(struct keyspace_shard *sh, enum keyspace_event ev, const char *key, size_t len)
{
    struct keyspace *ks = sh->ks;

    if (atomic_load_explicit(&ks->events, memory_order_relaxed) & (unsigned)ev)
        ks->cfg.event_cb(sh, ev, key, len, ks->cfg.event_ud);
}

/* Whether reads leave expired keys in place now (keyspace_hold_expired). */
static bool expiry_held(const struct keyspace *ks, int64_t now_ms)
{
    return now_ms < atomic_load_explicit(&ks->hold_expired_until, memory_order_relaxed) ||
           atomic_load_explicit(&ks->hold_expired_always, memory_order_relaxed);
}

void keyspace_hold_expired_always(struct keyspace *ks, bool held)
{
    atomic_store_explicit(&ks->hold_expired_always, held, memory_order_relaxed);
}

static_assert(sizeof(pthread_t) <= sizeof(unsigned long long), "pthread_t fits the atomic");

void keyspace_obey_begin(struct keyspace *ks)
{
    atomic_store_explicit(&ks->obeying_thread, (unsigned long long)pthread_self(),
                          memory_order_relaxed);
}

void keyspace_obey_end(struct keyspace *ks)
{
    atomic_store_explicit(&ks->obeying_thread, 0, memory_order_relaxed);
}

/* The calling thread runs between keyspace_obey_begin and _end. Only a
 * thread's own store can make this true for it, so relaxed loads do. */
static bool obeying(const struct keyspace *ks)
{
    unsigned long long t = atomic_load_explicit(&ks->obeying_thread, memory_order_relaxed);
    return t != 0 && t == (unsigned long long)pthread_self();
}

void keyspace_hold_expired(struct keyspace *ks, int64_t until_ms)
{
    atomic_store_explicit(&ks->hold_expired_until, until_ms, memory_order_relaxed);
}

/* A write gave e a TTL: news for a writable replica, unless the write is
 * its master's (whose keys the master's DELs expire). */
static void emit_ttl(struct keyspace_shard *sh, struct hashmap_entry *e)
{
    if (!obeying(sh->ks))
        emit(sh, KEYSPACE_EVENT_TTL, hashmap_entry_key(e), hashmap_entry_keylen(e));
}

static void expire_entry(struct keyspace_shard *sh, struct hashmap_entry *e)
{
    emit(sh, KEYSPACE_EVENT_EXPIRED, hashmap_entry_key(e), hashmap_entry_keylen(e));
    remove_entry(sh, e, true, KEYSPACE_FREE_EXPIRED);
    sh->expired_keys++;
}

/* ---- writing a value into a shard --------------------------------------- */

/* How a write sets the access clock. */
struct access {
    uint32_t lru;
    int lfu; /* -1: keep the old counter on overwrite, LFU_INIT_VAL on insert */
};

/* A key was created, overwritten or removed: tell the server if clients
 * wait on it. */
static void signal_ready(struct keyspace_shard *sh, const char *key, size_t len, uint64_t hash)
{
    if (sh->waited && sh->ks->cfg.ready_cb && hashmap_find(sh->waited, key, len, hash))
        sh->ks->cfg.ready_cb(sh, key, len, sh->ks->cfg.ready_ud);
}

static int insert_value(struct keyspace_shard *sh, const struct keyspace_key *key,
                        const struct object_value *v, int64_t expire_at, const struct access *a,
                        struct hashmap_entry **out)
{
    bool ttl = is_time(expire_at);
    struct object_ttl t = { expire_at, sh->d.exp.len };
    struct hashmap_entry *e;

    if (ttl && expiry_reserve(&sh->d.exp) != KEYSPACE_OK)
        return KEYSPACE_ENOMEM;
    e = hashmap_insert(sh->d.map, key->ptr, key->len, key->hash, object_size(v, ttl));
    if (!e)
        return KEYSPACE_ENOMEM;
    object_init(obj_of(e), v, a->lru, a->lfu >= 0 ? (uint8_t)a->lfu : OBJECT_LFU_INIT_VAL,
                ttl ? &t : NULL);
    if (ttl)
        expiry_push(&sh->d.exp, e, expire_at);
    sh->d.heap_bytes += object_heap_bytes(obj_of(e));
    touch_key(sh, key);
    emit(sh, KEYSPACE_EVENT_NEW, key->ptr, key->len);
    if (ttl)
        emit_ttl(sh, e);
    signal_ready(sh, key->ptr, key->len, key->hash);
    *out = e;
    return KEYSPACE_OK;
}

/* The old object's facts that survive its region being rewritten. */
struct old_facts {
    struct object_value value; /* for freeing its heap part afterwards */
    size_t heap;
    bool ttl;
    uint32_t slot;
    int64_t at;
    uint8_t lfu;
};

static void note_old(const struct object *o, struct old_facts *f)
{
    object_take_value(o, &f->value);
    f->heap = object_heap_bytes(o);
    f->ttl = object_has_ttl(o);
    f->slot = f->ttl ? object_expire_slot(o) : 0;
    f->at = f->ttl ? object_expire_at(o) : 0;
    f->lfu = object_lfu(o);
}

/* Bring the expiry index in line after *ep was rewritten. */
static void fix_index(struct keyspace_shard *sh, const struct old_facts *f, struct hashmap_entry *e,
                      bool ttl, int64_t at)
{
    struct expiry_index *x = &sh->d.exp;

    if (f->ttl && ttl) {
        x->v[f->slot] = e;
        x->sum += at - f->at;
    } else if (f->ttl) {
        expiry_remove(x, f->slot, f->at);
    } else if (ttl) {
        expiry_push(x, e, at);
    }
}

/*
 * Replace the value of an existing entry. Out of memory is only possible
 * before anything changed (index reservation, growing the entry). The old
 * heap part is freed last: the new value may not alias it, but the region
 * holding the old pointer is gone after the resize.
 */
static int overwrite_value(struct keyspace_shard *sh, struct hashmap_entry **ep,
                           const struct object_value *v, int64_t expire_at,
                           const struct access *a)
{
    struct old_facts f;
    struct hashmap_entry *e;
    bool ttl;
    int64_t at;
    struct object_ttl t;

    note_old(obj_of(*ep), &f);
    ttl = is_time(expire_at) || (expire_at == KEYSPACE_TTL_KEEP && f.ttl);
    at = is_time(expire_at) ? expire_at : f.at;
    t.expire_at_ms = at;
    t.slot = f.ttl ? f.slot : sh->d.exp.len;
    if (ttl && !f.ttl && expiry_reserve(&sh->d.exp) != KEYSPACE_OK)
        return KEYSPACE_ENOMEM;
    e = resize_entry(sh, *ep, object_size(v, ttl));
    if (!e)
        return KEYSPACE_ENOMEM;
    object_init(obj_of(e), v, a->lru, a->lfu >= 0 ? (uint8_t)a->lfu : f.lfu, ttl ? &t : NULL);
    fix_index(sh, &f, e, ttl, at);
    sh->d.heap_bytes += object_heap_bytes(obj_of(e));
    sh->d.heap_bytes -= f.heap;
    discard_value(sh, &f.value, KEYSPACE_FREE_SERVER_DEL);
    touch_entry(sh, e, false);
    if (is_time(expire_at))
        emit_ttl(sh, e);
    *ep = e;
    return KEYSPACE_OK;
}

/* Insert or overwrite. Does not consume v on error (rename relies on it). */
static int put_value(struct keyspace_shard *sh, const struct keyspace_key *key,
                     const struct object_value *v, int64_t expire_at, int64_t now_ms,
                     const struct access *a, struct hashmap_entry **out)
{
    struct hashmap_entry *e, *dummy;

    assert_held(sh);
    if (!out)
        out = &dummy;
    e = keyspace_find(sh, key, now_ms, KEYSPACE_LOOKUP_NOTOUCH);
    if (!e)
        return insert_value(sh, key, v, expire_at, a, out);
    if (overwrite_value(sh, &e, v, expire_at, a) != KEYSPACE_OK)
        return KEYSPACE_ENOMEM;
    signal_ready(sh, key->ptr, key->len, key->hash); /* a new value, maybe of the waited type */
    *out = e;
    return KEYSPACE_OK;
}

/* ==== lifecycle ============================================================== */

void keyspace_config_default(struct keyspace_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->databases = KEYSPACE_DEFAULT_DATABASES;
    cfg->shard_bits = KEYSPACE_DEFAULT_SHARD_BITS;
    cfg->lfu_log_factor = KEYSPACE_LFU_LOG_FACTOR;
    cfg->lfu_decay_time = KEYSPACE_LFU_DECAY_TIME;
}

static bool config_valid(const struct keyspace_config *cfg)
{
    uint64_t total;

    if (cfg->databases == 0 || cfg->shard_bits > KEYSPACE_MAX_SHARD_BITS || !cfg->hasher.fn)
        return false;
    total = (uint64_t)cfg->databases << cfg->shard_bits;
    return total <= UINT32_MAX / 2;
}

static int shard_init(struct keyspace *ks, struct keyspace_shard *sh, unsigned id)
{
    memset(sh, 0, sizeof(*sh));
    sh->ks = ks;
    sh->id = id;
    sh->rng = mix64(ks->cfg.seed ^ mix64(id + 1)) | 1; /* xorshift state must be non-zero */
    sh->d.map = hashmap_create(&ks->cfg.hasher);
    if (!sh->d.map)
        return KEYSPACE_ENOMEM;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    int rc = pthread_mutex_init(&sh->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    if (rc != 0) {
        hashmap_destroy(sh->d.map);
        return KEYSPACE_ENOMEM;
    }
    return KEYSPACE_OK;
}

/* Free a shard's keys and values (no lock: nobody else can see them). */
static void free_object_cb(void *extra, void *ud)
{
    (void)ud;
    object_free_payload(extra);
}

static void shard_data_free(struct shard_data *d)
{
    if (d->map)
        hashmap_clear(d->map, free_object_cb, NULL);
    hashmap_destroy(d->map);
    expiry_free(&d->exp);
    d->map = NULL;
}

static void shard_deinit(struct keyspace_shard *sh)
{
    shard_data_free(&sh->d);
    hashmap_destroy(sh->watched);
    hashmap_destroy(sh->waited);
    drop_tracked(sh);
    pthread_mutex_destroy(&sh->lock);
}

static int alloc_arrays(struct keyspace *ks, unsigned total)
{
    size_t bytes = (size_t)total * sizeof(struct keyspace_shard);

    ks->dbs = calloc(ks->cfg.databases, sizeof(*ks->dbs));
    ks->shards = aligned_alloc(CACHE_LINE, bytes);
    if (!ks->dbs || !ks->shards)
        return KEYSPACE_ENOMEM;
    for (unsigned i = 0; i < ks->cfg.databases; i++) {
        ks->dbs[i].ks = ks;
        ks->dbs[i].index = i;
        ks->dbs[i].shards = &ks->shards[(size_t)i * ks->nshards];
    }
    return KEYSPACE_OK;
}

int keyspace_create(const struct keyspace_config *cfg, struct keyspace **out)
{
    struct keyspace *ks;
    unsigned total, made = 0;

    if (!config_valid(cfg))
        return KEYSPACE_EINVAL;
    ks = calloc(1, sizeof(*ks));
    if (!ks)
        return KEYSPACE_ENOMEM;
    ks->cfg = *cfg;
    ks->nshards = 1u << cfg->shard_bits;
    atomic_init(&ks->rng, cfg->seed);
    atomic_init(&ks->lfu_log_factor, cfg->lfu_log_factor);
    atomic_init(&ks->lfu_decay_time, cfg->lfu_decay_time);
    total = cfg->databases * ks->nshards;
    if (alloc_arrays(ks, total) != KEYSPACE_OK)
        goto fail;
    for (; made < total; made++)
        if (shard_init(ks, &ks->shards[made], made) != KEYSPACE_OK)
            goto fail;
    *out = ks;
    return KEYSPACE_OK;
fail:
    while (made--)
        shard_deinit(&ks->shards[made]);
    free(ks->shards);
    free(ks->dbs);
    free(ks);
    return KEYSPACE_ENOMEM;
}

void keyspace_destroy(struct keyspace *ks)
{
    if (!ks)
        return;
    for (unsigned i = 0; i < keyspace_shard_count(ks); i++)
        shard_deinit(&ks->shards[i]);
    free(ks->shards);
    free(ks->dbs);
    free(ks);
}

unsigned keyspace_databases(const struct keyspace *ks)
{
    return ks->cfg.databases;
}

unsigned keyspace_shards_per_db(const struct keyspace *ks)
{
    return ks->nshards;
}

unsigned keyspace_shard_count(const struct keyspace *ks)
{
    return ks->cfg.databases * ks->nshards;
}

void keyspace_set_lfu_params(struct keyspace *ks, uint32_t log_factor, uint32_t decay_time)
{
    atomic_store_explicit(&ks->lfu_log_factor, log_factor, memory_order_relaxed);
    atomic_store_explicit(&ks->lfu_decay_time, decay_time, memory_order_relaxed);
}

void keyspace_set_track_all(struct keyspace *ks, bool on)
{
    assert(!on || ks->cfg.tracked_cb != NULL);
    atomic_store_explicit(&ks->track_all, on, memory_order_relaxed);
}

void keyspace_set_events(struct keyspace *ks, unsigned mask)
{
    assert(mask == 0 || ks->cfg.event_cb != NULL);
    atomic_store_explicit(&ks->events, mask, memory_order_relaxed);
}

/* ==== databases, keys, shards ================================================= */

struct keyspace_db *keyspace_db(struct keyspace *ks, unsigned index)
{
    return index < ks->cfg.databases ? &ks->dbs[index] : NULL;
}

unsigned keyspace_db_index(const struct keyspace_db *db)
{
    return db->index;
}

void keyspace_key_init(const struct keyspace *ks, struct keyspace_key *key, const void *ptr,
                       size_t len)
{
    key->ptr = ptr;
    key->len = len;
    key->hash = ks->cfg.hasher.fn(ptr, len, ks->cfg.hasher.ctx);
}

struct keyspace_shard *keyspace_shard_of(struct keyspace_db *db, const struct keyspace_key *key)
{
    unsigned bits = db->ks->cfg.shard_bits;

    /* Top bits: the hashmap indexes with the low ones. (A shift by 64 is
     * undefined, hence the test.) */
    return &db->shards[bits ? key->hash >> (64 - bits) : 0];
}

void keyspace_prefetch(struct keyspace_shard *sh, const struct keyspace_key *key, bool entry)
{
    if (!shard_trylock(sh))
        return; /* busy: a hint is not worth a wait */
    if (entry)
        hashmap_prefetch_entry(sh->d.map, key->hash);
    else
        hashmap_prefetch_bucket(sh->d.map, key->hash);
    keyspace_shard_unlock(sh);
}

struct keyspace_shard *keyspace_db_shard(struct keyspace_db *db, unsigned i)
{
    assert(i < db->ks->nshards);
    return &db->shards[i];
}

struct keyspace_shard *keyspace_shard_by_id(struct keyspace *ks, unsigned id)
{
    assert(id < keyspace_shard_count(ks));
    return &ks->shards[id];
}

unsigned keyspace_shard_id(const struct keyspace_shard *sh)
{
    return sh->id;
}

/* ==== lookup ==================================================================== */

struct object *keyspace_object(const struct hashmap_entry *entry)
{
    return obj_of(entry);
}

void keyspace_touch(struct keyspace_shard *sh, struct hashmap_entry *entry, int64_t now_ms)
{
    struct keyspace *ks = sh->ks;

    assert_held(sh);
    object_touch(obj_of(entry), now_ms, shard_rand(sh),
                 atomic_load_explicit(&ks->lfu_log_factor, memory_order_relaxed),
                 atomic_load_explicit(&ks->lfu_decay_time, memory_order_relaxed));
}

struct hashmap_entry *keyspace_find(struct keyspace_shard *sh, const struct keyspace_key *key,
                                    int64_t now_ms, unsigned flags)
{
    struct hashmap_entry *e;

    assert_held(sh);
    e = hashmap_find(sh->d.map, key->ptr, key->len, key->hash);
    if (e && !(flags & KEYSPACE_LOOKUP_RAW) && object_is_expired(obj_of(e), now_ms) &&
        !obeying(sh->ks)) {
        if (!(flags & KEYSPACE_LOOKUP_READ) || !expiry_held(sh->ks, now_ms))
            expire_entry(sh, e);
        e = NULL;
    }
    if (flags & KEYSPACE_LOOKUP_COUNT) {
        if (e)
            sh->hits++;
        else
            sh->misses++;
    }
    if (e && !(flags & KEYSPACE_LOOKUP_NOTOUCH))
        keyspace_touch(sh, e, now_ms);
    return e;
}

/* ==== WATCH ==================================================================== */

int keyspace_watch(struct keyspace_shard *sh, const struct keyspace_key *key, int64_t now_ms,
                   uint64_t *version)
{
    struct hashmap_entry *w;
    struct watch_rec *r;
    bool made = false;

    assert_held(sh);
    keyspace_find(sh, key, now_ms, KEYSPACE_LOOKUP_NOTOUCH); /* reclaim a stale key first */
    if (!sh->watched) {
        sh->watched = hashmap_create(&sh->ks->cfg.hasher);
        if (!sh->watched)
            return KEYSPACE_ENOMEM;
        made = true;
    }
    w = hashmap_find(sh->watched, key->ptr, key->len, key->hash);
    if (!w) {
        w = hashmap_insert(sh->watched, key->ptr, key->len, key->hash, sizeof(*r));
        if (!w) {
            if (made) {
                hashmap_destroy(sh->watched);
                sh->watched = NULL;
            }
            return KEYSPACE_ENOMEM;
        }
        watch_rec_of(w)->hash = key->hash; /* version 0, refs 0: zeroed */
    }
    r = watch_rec_of(w);
    r->refs++;
    *version = r->version;
    return KEYSPACE_OK;
}

void keyspace_unwatch(struct keyspace_shard *sh, const struct keyspace_key *key)
{
    struct hashmap_entry *w;

    assert_held(sh);
    w = sh->watched ? hashmap_find(sh->watched, key->ptr, key->len, key->hash) : NULL;
    assert(w && watch_rec_of(w)->refs > 0);
    if (!w || --watch_rec_of(w)->refs > 0)
        return;
    hashmap_remove(sh->watched, w);
    if (hashmap_size(sh->watched) == 0) {
        hashmap_destroy(sh->watched);
        sh->watched = NULL;
    }
}

uint64_t keyspace_watch_version(struct keyspace_shard *sh, const struct keyspace_key *key,
                                int64_t now_ms)
{
    struct hashmap_entry *w;

    assert_held(sh);
    keyspace_find(sh, key, now_ms, KEYSPACE_LOOKUP_NOTOUCH); /* expired since: a change */
    w = sh->watched ? hashmap_find(sh->watched, key->ptr, key->len, key->hash) : NULL;
    assert(w);
    return w ? watch_rec_of(w)->version : UINT64_MAX;
}

size_t keyspace__watched_keys(struct keyspace_shard *sh)
{
    assert_held(sh);
    return sh->watched ? hashmap_size(sh->watched) : 0;
}

/* ==== keys clients wait on ======================================================== */

void **keyspace_waiters_slot(struct keyspace_shard *sh, const struct keyspace_key *key)
{
    struct hashmap_entry *w;

    assert_held(sh);
    if (!sh->waited) {
        sh->waited = hashmap_create(&sh->ks->cfg.hasher);
        if (!sh->waited)
            return NULL;
    }
    w = hashmap_find(sh->waited, key->ptr, key->len, key->hash);
    if (!w) {
        w = hashmap_insert(sh->waited, key->ptr, key->len, key->hash, sizeof(void *));
        if (!w) {
            if (hashmap_size(sh->waited) == 0) {
                hashmap_destroy(sh->waited);
                sh->waited = NULL;
            }
            return NULL;
        }
        *(void **)hashmap_entry_extra(w) = NULL;
    }
    return hashmap_entry_extra(w);
}

void *keyspace_waiters(struct keyspace_shard *sh, const struct keyspace_key *key)
{
    struct hashmap_entry *w;

    assert_held(sh);
    w = sh->waited ? hashmap_find(sh->waited, key->ptr, key->len, key->hash) : NULL;
    return w ? *(void **)hashmap_entry_extra(w) : NULL;
}

void keyspace_waiters_drop(struct keyspace_shard *sh, const struct keyspace_key *key)
{
    struct hashmap_entry *w;

    assert_held(sh);
    w = sh->waited ? hashmap_find(sh->waited, key->ptr, key->len, key->hash) : NULL;
    if (!w)
        return;
    hashmap_remove(sh->waited, w);
    if (hashmap_size(sh->waited) == 0) {
        hashmap_destroy(sh->waited);
        sh->waited = NULL;
    }
}

/* ==== keys clients cache ========================================================== */

void **keyspace_tracked_slot(struct keyspace_shard *sh, const struct keyspace_key *key)
{
    struct hashmap_entry *t;

    assert_held(sh);
    assert(sh->ks->cfg.tracked_cb && sh->ks->cfg.tracked_free);
    if (!sh->tracked) {
        sh->tracked = hashmap_create(&sh->ks->cfg.hasher);
        if (!sh->tracked)
            return NULL;
    }
    t = hashmap_find(sh->tracked, key->ptr, key->len, key->hash);
    if (!t) {
        t = hashmap_insert(sh->tracked, key->ptr, key->len, key->hash, sizeof(void *));
        if (!t) {
            tracked_table_maybe_free(sh);
            return NULL;
        }
        *(void **)hashmap_entry_extra(t) = NULL;
    }
    return hashmap_entry_extra(t);
}

void keyspace_tracked_drop(struct keyspace_shard *sh, const struct keyspace_key *key)
{
    struct hashmap_entry *t;

    assert_held(sh);
    t = sh->tracked ? hashmap_find(sh->tracked, key->ptr, key->len, key->hash) : NULL;
    if (!t)
        return;
    hashmap_remove(sh->tracked, t);
    tracked_table_maybe_free(sh);
}

bool keyspace_tracked_evict(struct keyspace_shard *sh, keyspace_tracked_cb cb, void *ud)
{
    struct hashmap_entry *t;

    assert_held(sh);
    t = sh->tracked ? hashmap_random(sh->tracked, shard_rand, sh) : NULL;
    if (!t)
        return false;
    cb(sh, hashmap_entry_key(t), hashmap_entry_keylen(t), tracked_rec(t), true, ud);
    hashmap_remove(sh->tracked, t);
    tracked_table_maybe_free(sh);
    return true;
}

size_t keyspace_tracked_keys(struct keyspace_shard *sh)
{
    assert_held(sh);
    return sh->tracked ? hashmap_size(sh->tracked) : 0;
}

/* ==== writing values ============================================================ */

static struct access fresh_access(int64_t now_ms)
{
    struct access a = { object_lru_clock(now_ms), -1 };

    return a;
}

int keyspace_set_value(struct keyspace_shard *sh, const struct keyspace_key *key,
                       struct object_value *v, int64_t expire_at_ms, int64_t now_ms,
                       struct hashmap_entry **out)
{
    struct access a = fresh_access(now_ms);
    int rc = put_value(sh, key, v, expire_at_ms, now_ms, &a, out);

    if (rc != KEYSPACE_OK)
        object_value_discard(v);
    return rc;
}

int keyspace_set_string(struct keyspace_shard *sh, const struct keyspace_key *key, const void *val,
                        size_t len, enum object_string_policy policy, int64_t expire_at_ms,
                        int64_t now_ms, struct hashmap_entry **out)
{
    struct object_value v;

    if (object_value_from_string(&v, val, len, policy) != OBJECT_OK)
        return KEYSPACE_ENOMEM;
    return keyspace_set_value(sh, key, &v, expire_at_ms, now_ms, out);
}

int keyspace_set_int(struct keyspace_shard *sh, const struct keyspace_key *key, int64_t value,
                     int64_t expire_at_ms, int64_t now_ms, struct hashmap_entry **out)
{
    struct object_value v;
    struct hashmap_entry *e;

    assert_held(sh);
    e = keyspace_find(sh, key, now_ms, KEYSPACE_LOOKUP_NOTOUCH);
    if (e && expire_at_ms == KEYSPACE_TTL_KEEP && object_type(obj_of(e)) == OBJECT_STRING &&
        object_encoding(obj_of(e)) == OBJECT_ENC_INT) {
        object_set_int(obj_of(e), value); /* Redis too updates an INT in place */
        touch_entry(sh, e, false);
        if (out)
            *out = e;
        return KEYSPACE_OK;
    }
    object_value_from_int(&v, value);
    return keyspace_set_value(sh, key, &v, expire_at_ms, now_ms, out);
}

/* Turn a non-RAW string into RAW holding its bytes, with room for len. */
static int make_raw(struct keyspace_shard *sh, struct hashmap_entry **ep, size_t len)
{
    const struct object *o = obj_of(*ep);
    struct access a = { object_lru(o), object_lfu(o) };
    char scratch[OBJECT_INT_BUFSIZE];
    struct object_value v;
    struct object_raw *raw;
    const char *p;
    size_t n;

    object_string_view(o, scratch, &p, &n);
    raw = object_raw_create(p, n, n); /* exact, like Redis's unshare… */
    if (!raw)
        return KEYSPACE_ENOMEM;
    if (object_raw_reserve(&raw, len) != OBJECT_OK) { /* …then sds-greedy growth */
        object_raw_destroy(raw);
        return KEYSPACE_ENOMEM;
    }
    object_value_from_raw(&v, raw);
    if (overwrite_value(sh, ep, &v, KEYSPACE_TTL_KEEP, &a) != KEYSPACE_OK) {
        object_value_discard(&v);
        return KEYSPACE_ENOMEM;
    }
    return KEYSPACE_OK;
}

int keyspace_string_reserve(struct keyspace_shard *sh, struct hashmap_entry **entry, size_t len,
                            char **bytes)
{
    struct object *o = obj_of(*entry);
    struct object_raw *raw;
    size_t before;

    assert_held(sh);
    assert(object_type(o) == OBJECT_STRING);
    if (object_encoding(o) != OBJECT_ENC_RAW) {
        if (make_raw(sh, entry, len) != KEYSPACE_OK)
            return KEYSPACE_ENOMEM;
        o = obj_of(*entry);
    }
    raw = object_raw(o);
    before = object_raw_alloc_size(raw);
    if (object_raw_reserve(&raw, len) != OBJECT_OK)
        return KEYSPACE_ENOMEM;
    object_set_raw(o, raw);
    sh->d.heap_bytes += object_raw_alloc_size(raw) - before;
    touch_entry(sh, *entry, false);
    *bytes = raw->buf;
    return KEYSPACE_OK;
}

int keyspace_append(struct keyspace_shard *sh, struct hashmap_entry **entry, const void *s,
                    size_t len, size_t *new_len)
{
    size_t old = object_string_len(obj_of(*entry));
    char *bytes;

    if (len > SIZE_MAX - old)
        return KEYSPACE_EINVAL;
    if (keyspace_string_reserve(sh, entry, old + len, &bytes) != KEYSPACE_OK)
        return KEYSPACE_ENOMEM;
    if (len)
        memcpy(bytes + old, s, len);
    *new_len = object_raw(obj_of(*entry))->len;
    return KEYSPACE_OK;
}

/* SETRANGE on a missing key: a zero-padded RAW string, exact size. */
static int setrange_new(struct keyspace_shard *sh, const struct keyspace_key *key,
                        struct hashmap_entry **entry, size_t offset, const void *s, size_t len,
                        int64_t now_ms)
{
    struct object_raw *raw = object_raw_create(NULL, 0, offset + len);
    struct object_value v;

    if (!raw)
        return KEYSPACE_ENOMEM;
    memset(raw->buf, 0, offset);
    memcpy(raw->buf + offset, s, len);
    raw->len = offset + len;
    object_value_from_raw(&v, raw);
    return keyspace_set_value(sh, key, &v, KEYSPACE_TTL_NONE, now_ms, entry);
}

int keyspace_setrange(struct keyspace_shard *sh, const struct keyspace_key *key,
                      struct hashmap_entry **entry, size_t offset, const void *s, size_t len,
                      int64_t now_ms, size_t *new_len)
{
    char *bytes;

    assert_held(sh);
    if (len > SIZE_MAX / 2 || offset > SIZE_MAX / 2 - len)
        return KEYSPACE_EINVAL; /* offset + len and the buffer header fit */
    if (len == 0) {
        *new_len = *entry ? object_string_len(obj_of(*entry)) : 0;
        return KEYSPACE_OK;
    }
    if (!*entry) {
        if (setrange_new(sh, key, entry, offset, s, len, now_ms) != KEYSPACE_OK)
            return KEYSPACE_ENOMEM;
    } else {
        if (keyspace_string_reserve(sh, entry, offset + len, &bytes) != KEYSPACE_OK)
            return KEYSPACE_ENOMEM;
        memcpy(bytes + offset, s, len);
    }
    *new_len = object_raw(obj_of(*entry))->len;
    return KEYSPACE_OK;
}

/* ==== expiry ==================================================================== */

int keyspace_set_expire(struct keyspace_shard *sh, struct hashmap_entry **entry,
                        int64_t expire_at_ms)
{
    struct object *o = obj_of(*entry);
    struct hashmap_entry *e;
    size_t need;

    assert_held(sh);
    assert(is_time(expire_at_ms));
    if (object_has_ttl(o)) {
        sh->d.exp.sum += expire_at_ms - object_expire_at(o);
        object_set_expire_at(o, expire_at_ms);
        touch_entry(sh, *entry, false);
        emit_ttl(sh, *entry);
        return KEYSPACE_OK;
    }
    if (expiry_reserve(&sh->d.exp) != KEYSPACE_OK)
        return KEYSPACE_ENOMEM;
    need = object_used_size(o) + OBJECT_TTL_SIZE;
    e = *entry;
    if (need > hashmap_entry_extra_size(e)) {
        e = resize_entry(sh, e, need);
        if (!e)
            return KEYSPACE_ENOMEM;
    }
    object_ttl_attach(obj_of(e), expire_at_ms, sh->d.exp.len);
    expiry_push(&sh->d.exp, e, expire_at_ms);
    touch_entry(sh, e, false);
    emit_ttl(sh, e);
    *entry = e;
    return KEYSPACE_OK;
}

bool keyspace_persist(struct keyspace_shard *sh, struct hashmap_entry **entry)
{
    struct object *o = obj_of(*entry);

    assert_held(sh);
    if (!object_has_ttl(o))
        return false;
    expiry_remove(&sh->d.exp, object_expire_slot(o), object_expire_at(o));
    object_ttl_detach(o);
    *entry = resize_entry(sh, *entry, object_used_size(o)); /* a shrink: cannot fail */
    touch_entry(sh, *entry, false);
    return true;
}

/* ==== deleting, renaming, copying =============================================== */

bool keyspace_delete(struct keyspace_shard *sh, const struct keyspace_key *key, int64_t now_ms)
{
    return keyspace_delete_for(sh, key, now_ms, KEYSPACE_FREE_SERVER_DEL);
}

bool keyspace_delete_for(struct keyspace_shard *sh, const struct keyspace_key *key,
                         int64_t now_ms, enum keyspace_free_reason why)
{
    struct hashmap_entry *e = keyspace_find(sh, key, now_ms, KEYSPACE_LOOKUP_NOTOUCH);

    if (!e)
        return false;
    remove_entry(sh, e, false, why);
    return true;
}

void keyspace_delete_entry(struct keyspace_shard *sh, struct hashmap_entry *entry)
{
    keyspace_delete_entry_for(sh, entry, KEYSPACE_FREE_SERVER_DEL);
}

void keyspace_delete_entry_for(struct keyspace_shard *sh, struct hashmap_entry *entry,
                               enum keyspace_free_reason why)
{
    assert_held(sh);
    remove_entry(sh, entry, false, why);
}

static bool same_key(const struct keyspace_shard *a, const struct hashmap_entry *e,
                     const struct keyspace_shard *b, const struct keyspace_key *key)
{
    return a == b && hashmap_entry_keylen(e) == key->len &&
           memcmp(hashmap_entry_key(e), key->ptr, key->len) == 0;
}

int keyspace_rename(struct keyspace_shard *src_sh, struct hashmap_entry *src,
                    struct keyspace_shard *dst_sh, const struct keyspace_key *dst_key,
                    int64_t now_ms, struct hashmap_entry **out)
{
    const struct object *o = obj_of(src);
    struct access a = { object_lru(o), object_lfu(o) };
    struct object_value v;
    int64_t at;
    int rc;

    assert_held(src_sh);
    assert_held(dst_sh);
    if (same_key(src_sh, src, dst_sh, dst_key)) {
        if (out)
            *out = src;
        return KEYSPACE_OK;
    }
    object_take_value(o, &v); /* src keeps ownership until the put succeeds */
    at = object_has_ttl(o) ? object_expire_at(o) : KEYSPACE_TTL_NONE;
    rc = put_value(dst_sh, dst_key, &v, at, now_ms, &a, out);
    if (rc != KEYSPACE_OK)
        return rc;
    /* dst now owns the heap part; src's slot may have moved, read it now. */
    src_sh->d.heap_bytes -= object_heap_bytes(obj_of(src));
    unlink_entry(src_sh, src, false);
    return KEYSPACE_OK;
}

int keyspace_copy(const struct hashmap_entry *src, struct keyspace_shard *dst_sh,
                  const struct keyspace_key *dst_key, int64_t now_ms, struct hashmap_entry **out)
{
    const struct object *o = obj_of(src);
    struct access a = { object_lru_clock(now_ms), OBJECT_LFU_INIT_VAL };
    struct object_value v;
    int64_t at;
    int rc;

    assert_held(dst_sh);
    if (hashmap_find(dst_sh->d.map, dst_key->ptr, dst_key->len, dst_key->hash) == src) {
        if (out)
            *out = (struct hashmap_entry *)src;
        return KEYSPACE_OK;
    }
    if (object_value_dup(&v, o) != OBJECT_OK)
        return KEYSPACE_ENOMEM;
    at = object_has_ttl(o) ? object_expire_at(o) : KEYSPACE_TTL_NONE;
    rc = put_value(dst_sh, dst_key, &v, at, now_ms, &a, out);
    if (rc != KEYSPACE_OK)
        object_value_discard(&v);
    return rc;
}

/* ==== whole databases ============================================================ */

size_t keyspace_dbsize(struct keyspace_db *db)
{
    size_t n = 0;

    for (unsigned i = 0; i < db->ks->nshards; i++) {
        struct keyspace_shard *sh = &db->shards[i];

        keyspace_shard_lock(sh);
        n += hashmap_size(sh->d.map);
        keyspace_shard_unlock(sh);
    }
    return n;
}

size_t keyspace_trash_keys(const struct keyspace_trash *trash)
{
    size_t n = 0;
    for (size_t i = 0; trash != NULL && i < trash->n; i++)
        n += trash->items[i].map ? hashmap_size(trash->items[i].map) : 0;
    return n;
}

void keyspace_trash_free(struct keyspace_trash *trash)
{
    if (!trash)
        return;
    for (size_t i = 0; i < trash->n; i++)
        shard_data_free(&trash->items[i]);
    free(trash);
}

/* Trash pre-filled with n empty maps, to be swapped into the shards. */
static struct keyspace_trash *trash_prepare(struct keyspace *ks, size_t n)
{
    struct keyspace_trash *t = calloc(1, sizeof(*t) + n * sizeof(t->items[0]));

    if (!t)
        return NULL;
    for (; t->n < n; t->n++) {
        t->items[t->n].map = hashmap_create(&ks->cfg.hasher);
        if (!t->items[t->n].map) {
            keyspace_trash_free(t);
            return NULL;
        }
    }
    return t;
}

/* Empty the n consecutive shards from `first` at once. */
static int flush_run(struct keyspace *ks, struct keyspace_shard *first, size_t n,
                     struct keyspace_trash **trash)
{
    struct keyspace_trash *t = trash_prepare(ks, n);

    if (!t)
        return KEYSPACE_ENOMEM;
    lock_run(first, n);
    for (size_t i = 0; i < n; i++) {
        struct shard_data old = first[i].d;

        count_change(&first[i], hashmap_size(old.map));
        touch_watched_in(&first[i], NULL, 0); /* no time: nothing comes in */
        signal_waited_in(&first[i], old.map, NULL);
        drop_tracked(&first[i]);
        first[i].d = t->items[i];
        t->items[i] = old;
    }
    unlock_run(first, n);
    if (trash)
        *trash = t;
    else
        keyspace_trash_free(t);
    return KEYSPACE_OK;
}

int keyspace_flushdb(struct keyspace_db *db, struct keyspace_trash **trash)
{
    return flush_run(db->ks, db->shards, db->ks->nshards, trash);
}

int keyspace_flushall(struct keyspace *ks, struct keyspace_trash **trash)
{
    return flush_run(ks, ks->shards, keyspace_shard_count(ks), trash);
}

void keyspace_lock_all(struct keyspace *ks)
{
    lock_run(ks->shards, keyspace_shard_count(ks));
}

void keyspace_unlock_all(struct keyspace *ks)
{
    unlock_run(ks->shards, keyspace_shard_count(ks));
}

uint64_t keyspace_shard_dirty(const struct keyspace_shard *sh)
{
    return atomic_load_explicit(&sh->dirty, memory_order_relaxed);
}

uint64_t keyspace_dirty(const struct keyspace *ks)
{
    uint64_t n = 0;

    for (unsigned i = 0; i < keyspace_shard_count(ks); i++)
        n += atomic_load_explicit(&ks->shards[i].dirty, memory_order_relaxed);
    return n;
}

void keyspace_shard_sizes(struct keyspace_shard *sh, size_t *keys, size_t *expires)
{
    assert_held(sh);
    *keys = hashmap_size(sh->d.map);
    *expires = sh->d.exp.len;
}

const struct hashmap *keyspace_shard_table(struct keyspace_shard *sh)
{
    assert_held(sh);
    return sh->d.map;
}

int keyspace_shard_foreach(struct keyspace_shard *sh, keyspace_entry_cb cb, void *ud)
{
    struct hashmap_iter it;
    struct hashmap_entry *e;
    int rc = 0;

    assert_held(sh);
    hashmap_iter_init(&it, sh->d.map);
    while (rc == 0 && (e = hashmap_iter_next(&it))) {
        const struct object *o = obj_of(e);

        rc = cb(hashmap_entry_key(e), hashmap_entry_keylen(e), o,
                object_has_ttl(o) ? object_expire_at(o) : KEYSPACE_TTL_NONE, ud);
    }
    hashmap_iter_deinit(&it);
    return rc;
}

/* A shard's share, with a sixteenth to spare: the split by hash is not
 * exact, and a share just over the table's size would cost a doubling. */
void keyspace_db_reserve(struct keyspace_db *db, uint64_t keys)
{
    unsigned n = db->ks->nshards;
    uint64_t share = keys / n + keys / n / 16;
    for (unsigned i = 0; i < n; i++) {
        struct keyspace_shard *sh = &db->shards[i];
        keyspace_shard_lock(sh);
        hashmap_reserve(sh->d.map, share > SIZE_MAX ? SIZE_MAX : (size_t)share);
        keyspace_shard_unlock(sh);
    }
}

void keyspace_swapdb(struct keyspace *ks, unsigned a, unsigned b, int64_t now_ms)
{
    struct keyspace_shard *lo, *hi;
    unsigned n = ks->nshards;

    assert(a < ks->cfg.databases && b < ks->cfg.databases);
    if (a == b)
        return;
    lo = ks->dbs[a < b ? a : b].shards;
    hi = ks->dbs[a < b ? b : a].shards;
    lock_run(lo, n); /* all of the lower db, then the higher: one run */
    lock_run(hi, n);
    for (unsigned i = 0; i < n; i++) {
        struct shard_data t = lo[i].d;

        touch_watched_in(&lo[i], hi[i].d.map, now_ms);
        touch_watched_in(&hi[i], lo[i].d.map, now_ms);
        signal_waited_in(&lo[i], lo[i].d.map, hi[i].d.map);
        signal_waited_in(&hi[i], hi[i].d.map, lo[i].d.map);
        tell_tracked_in(&lo[i], lo[i].d.map, hi[i].d.map);
        tell_tracked_in(&hi[i], hi[i].d.map, lo[i].d.map);
        lo[i].d = hi[i].d;
        hi[i].d = t;
    }
    unlock_run(hi, n);
    unlock_run(lo, n);
}

/* ---- scan ------------------------------------------------------------------- */

#define SCAN_EXPIRED_MAX 32 /* expired keys deleted per bucket step; more wait */

struct scan_ctx {
    int64_t now_ms;
    keyspace_key_cb cb;
    void *ud;
    size_t found;
    size_t nexpired;
    struct hashmap_entry *expired[SCAN_EXPIRED_MAX];
};

static void scan_visit(struct hashmap_entry *e, void *ud)
{
    struct scan_ctx *c = ud;
    const struct object *o = obj_of(e);

    if (object_is_expired(o, c->now_ms)) {
        if (c->nexpired < SCAN_EXPIRED_MAX)
            c->expired[c->nexpired++] = e; /* the map may not change mid-step */
        return;
    }
    c->cb(hashmap_entry_key(e), hashmap_entry_keylen(e), o, c->ud);
    c->found++;
}

static void scan_reap(struct keyspace_shard *sh, struct scan_ctx *c)
{
    for (size_t i = 0; i < c->nexpired && !expiry_held(sh->ks, c->now_ms); i++)
        expire_entry(sh, c->expired[i]);
    c->nexpired = 0;
}

/* Scan steps within one shard; returns its next map cursor (0: done). */
static uint64_t scan_shard(struct keyspace_shard *sh, uint64_t mc, size_t count, size_t *steps,
                           struct scan_ctx *c)
{
    keyspace_shard_lock(sh);
    do {
        mc = hashmap_scan(sh->d.map, mc, scan_visit, c);
        scan_reap(sh, c);
        (*steps)--;
    } while (mc && c->found < count && *steps);
    keyspace_shard_unlock(sh);
    return mc;
}

uint64_t keyspace_scan(struct keyspace_db *db, uint64_t cursor, size_t count, int64_t now_ms,
                       keyspace_key_cb cb, void *ud)
{
    unsigned bits = db->ks->cfg.shard_bits;
    unsigned idx = (unsigned)(cursor & (db->ks->nshards - 1));
    uint64_t mc = cursor >> bits;
    struct scan_ctx c = { .now_ms = now_ms, .cb = cb, .ud = ud };
    size_t steps;

    if (count == 0)
        count = 1;
    steps = count > SIZE_MAX / 10 ? SIZE_MAX : count * 10;
    for (;;) {
        mc = scan_shard(&db->shards[idx], mc, count, &steps, &c);
        if (mc == 0 && ++idx == db->ks->nshards)
            return 0;
        if (c.found >= count || steps == 0)
            break;
    }
    assert(bits == 0 || mc >> (64 - bits) == 0); /* map cursors < bucket count */
    return (mc << bits) | idx;
}

/* ---- keys, random key --------------------------------------------------------- */

static size_t keys_shard(struct keyspace_shard *sh, int64_t now_ms, keyspace_key_cb cb, void *ud)
{
    struct hashmap_iter it;
    struct hashmap_entry *e;
    size_t n = 0;
    bool reaped = false;

    keyspace_shard_lock(sh);
    hashmap_iter_init(&it, sh->d.map);
    while ((e = hashmap_iter_next(&it))) {
        if (object_is_expired(obj_of(e), now_ms)) {
            if (!expiry_held(sh->ks, now_ms)) {
                expire_entry(sh, e); /* removing the current entry is allowed */
                reaped = true;
            }
            continue;
        }
        cb(hashmap_entry_key(e), hashmap_entry_keylen(e), obj_of(e), ud);
        n++;
    }
    hashmap_iter_deinit(&it);
    /* Deletes under an iterator skip the map's per-write rehash work (and
     * can leave a resize with an emptied old table); pay one step now. */
    if (reaped)
        hashmap_rehash_step(sh->d.map, 1);
    keyspace_shard_unlock(sh);
    return n;
}

size_t keyspace_keys(struct keyspace_db *db, int64_t now_ms, keyspace_key_cb cb, void *ud)
{
    size_t n = 0;

    for (unsigned i = 0; i < db->ks->nshards; i++)
        n += keys_shard(&db->shards[i], now_ms, cb, ud);
    return n;
}

/* Lock and return the shard holding the r-th key when shards are laid end
 * to end, or NULL if the db shrank under r meanwhile. */
static struct keyspace_shard *lock_nth_key_shard(struct keyspace_db *db, size_t r)
{
    for (unsigned i = 0; i < db->ks->nshards; i++) {
        struct keyspace_shard *sh = &db->shards[i];
        size_t n;

        keyspace_shard_lock(sh);
        n = hashmap_size(sh->d.map);
        if (r < n)
            return sh;
        keyspace_shard_unlock(sh);
        r -= n;
    }
    return NULL;
}

/* One pick: 1 reported, 0 expired or raced, -1 db empty. An expired pick
 * is deleted, or while expiry is held left, and reported if `last`. */
static int random_key_try(struct keyspace_db *db, int64_t now_ms, bool last, keyspace_key_cb cb,
                          void *ud)
{
    size_t total = keyspace_dbsize(db);
    struct keyspace_shard *sh;
    struct hashmap_entry *e;
    int rc = 0;

    if (total == 0)
        return -1;
    /* A key drawn uniformly: its shard in proportion to the shard's size,
     * then uniformly within it. */
    sh = lock_nth_key_shard(db, (size_t)rng_below(ks_rand, db->ks, total));
    if (!sh)
        return 0;
    e = hashmap_random(sh->d.map, shard_rand, sh);
    if (e) {
        bool expired = object_is_expired(obj_of(e), now_ms);
        bool held = expired && expiry_held(db->ks, now_ms);
        if (expired && !held) {
            expire_entry(sh, e);
        } else if (!expired || last) {
            cb(hashmap_entry_key(e), hashmap_entry_keylen(e), obj_of(e), ud);
            rc = 1;
        }
    }
    keyspace_shard_unlock(sh);
    return rc;
}

bool keyspace_random_key(struct keyspace_db *db, int64_t now_ms, keyspace_key_cb cb, void *ud)
{
    for (int tries = 0; tries < KEYSPACE_RANDOM_KEY_TRIES; tries++) {
        int rc = random_key_try(db, now_ms, tries == KEYSPACE_RANDOM_KEY_TRIES - 1, cb, ud);

        if (rc != 0)
            return rc > 0;
    }
    return false;
}

/* ==== eviction (see keyspace.h) ================================================= */

#define MALLOC_CHUNK_OVERHEAD 8 /* glibc's header per chunk, missed by usable sizes */

static const char *cand_key(const struct keyspace_evict_cand *c)
{
    return c->heap ? c->heap : c->inline_;
}

static bool cand_is(const struct keyspace_evict_cand *c, unsigned shard_id, uint64_t hash,
                    const char *key, size_t len)
{
    return c->shard_id == shard_id && c->hash == hash && c->len == len &&
           memcmp(cand_key(c), key, len) == 0;
}

static void cand_free(struct keyspace_evict_cand *c)
{
    free(c->heap);
    c->heap = NULL;
}

/* Remove candidate i, keeping the order. */
static void pool_remove(struct keyspace_evict_pool *pool, size_t i)
{
    cand_free(&pool->c[i]);
    memmove(&pool->c[i], &pool->c[i + 1], (pool->n - i - 1) * sizeof(pool->c[0]));
    pool->n--;
}

void keyspace_evict_pool_init(struct keyspace_evict_pool *pool, enum keyspace_evict_by by,
                              bool volatile_only)
{
    memset(pool, 0, sizeof(*pool));
    pool->by = by;
    pool->volatile_only = volatile_only;
}

void keyspace_evict_pool_deinit(struct keyspace_evict_pool *pool)
{
    for (size_t i = 0; i < pool->n; i++)
        cand_free(&pool->c[i]);
    pool->n = 0;
}

static uint64_t evict_score(const struct keyspace_evict_pool *pool, struct keyspace_shard *sh,
                            const struct object *o, int64_t now_ms)
{
    switch (pool->by) {
    case KEYSPACE_EVICT_LRU:
        return object_idle_ms(o, now_ms);
    case KEYSPACE_EVICT_LFU:
        return 255u - object_lfu_decayed(o, now_ms,
                                         atomic_load_explicit(&sh->ks->lfu_decay_time,
                                                              memory_order_relaxed));
    case KEYSPACE_EVICT_TTL:
        return object_has_ttl(o) ? UINT64_MAX - (uint64_t)object_expire_at(o) : 0;
    case KEYSPACE_EVICT_RANDOM:
        break;
    }
    return shard_rand(sh);
}

/* Redis's evictionPoolPopulate insertion: keep the pool sorted ascending,
 * drop the worst when full, skip a key worse than all of a full pool. A key
 * already pooled is re-scored rather than pooled twice. */
static void pool_insert(struct keyspace_evict_pool *pool, struct keyspace_shard *sh,
                        const struct hashmap_entry *e, uint64_t score)
{
    const char *key = hashmap_entry_key(e);
    size_t len = hashmap_entry_keylen(e), k = 0;
    uint64_t hash = hashmap_hash(sh->d.map, key, len);
    struct keyspace_evict_cand c = {.score = score, .hash = hash, .shard_id = sh->id, .len = len};

    for (size_t i = 0; i < pool->n; i++)
        if (cand_is(&pool->c[i], sh->id, hash, key, len)) {
            pool_remove(pool, i);
            break;
        }
    while (k < pool->n && pool->c[k].score < score)
        k++;
    if (k == 0 && pool->n == KEYSPACE_EVPOOL_SIZE)
        return;
    if (len > KEYSPACE_EVPOOL_KEY_INLINE) {
        c.heap = malloc(len);
        if (!c.heap)
            return; /* out of memory: this candidate is simply not kept */
    }
    memcpy(c.heap ? c.heap : c.inline_, key, len);
    if (pool->n < KEYSPACE_EVPOOL_SIZE) {
        memmove(&pool->c[k + 1], &pool->c[k], (pool->n - k) * sizeof(pool->c[0]));
        pool->n++;
    } else {
        cand_free(&pool->c[0]);
        memmove(&pool->c[0], &pool->c[1], (k - 1) * sizeof(pool->c[0]));
        k--;
    }
    pool->c[k] = c;
}

size_t keyspace_evict_candidates(struct keyspace_shard *sh, bool volatile_only)
{
    size_t n;

    keyspace_shard_lock(sh);
    n = volatile_only ? sh->d.exp.len : hashmap_size(sh->d.map);
    keyspace_shard_unlock(sh);
    return n;
}

#define EVICT_SAMPLE_MAX 64 /* Redis's maxmemory-samples bound */

size_t keyspace_evict_sample(struct keyspace_evict_pool *pool, struct keyspace_shard *sh,
                             size_t count, int64_t now_ms)
{
    struct hashmap_entry *got[EVICT_SAMPLE_MAX];
    size_t n = 0;

    if (count > EVICT_SAMPLE_MAX)
        count = EVICT_SAMPLE_MAX;
    keyspace_shard_lock(sh);
    /* The random policies need each pick uniform and independent
     * (hashmap_random). The pool's policies only need every key equally
     * likely to be sampled: unlike Redis's dictGetSomeKeys, whose run of
     * neighbouring buckets favours keys in sparse regions of the table,
     * hashmap_sample draws whole buckets, and does not pay the ~10-30
     * bucket draws of a uniform pick (which made eviction 2.5x Redis's CPU
     * per write). */
    if (pool->volatile_only) {
        for (; n < count && sh->d.exp.len; n++)
            got[n] = sh->d.exp.v[rng_below(shard_rand, sh, sh->d.exp.len)];
    } else if (pool->by == KEYSPACE_EVICT_RANDOM) {
        for (; n < count && hashmap_size(sh->d.map); n++)
            got[n] = hashmap_random(sh->d.map, shard_rand, sh);
    } else {
        n = hashmap_sample(sh->d.map, shard_rand, sh, got, count, EVICT_SAMPLE_MAX);
    }
    for (size_t i = 0; i < n; i++)
        pool_insert(pool, sh, got[i], evict_score(pool, sh, obj_of(got[i]), now_ms));
    keyspace_shard_unlock(sh);
    return n;
}

static size_t shard_bytes(const struct keyspace_shard *sh)
{
    return hashmap_bytes(sh->d.map) + sh->d.heap_bytes +
           (size_t)sh->d.exp.cap * sizeof(struct hashmap_entry *);
}

/* [held] Delete e as an eviction; the bytes given back (an estimate). */
static size_t evict_entry(struct keyspace_shard *sh, struct hashmap_entry *e)
{
    size_t before = shard_bytes(sh), after;
    size_t chunks = object_heap_bytes(obj_of(e)) ? 2 : 1;

    remove_entry(sh, e, true, KEYSPACE_FREE_EVICTED);
    after = shard_bytes(sh);
    /* A shrink that starts here allocates the smaller table first. */
    return (before > after ? before - after : 0) + chunks * MALLOC_CHUNK_OVERHEAD;
}

/* Evict candidate c if it still exists (and, for volatile-*, still has a
 * TTL). True if it was deleted. */
static bool evict_cand(struct keyspace_evict_pool *pool, struct keyspace *ks,
                       const struct keyspace_evict_cand *c, size_t *freed)
{
    struct keyspace_shard *sh = keyspace_shard_by_id(ks, c->shard_id);
    struct hashmap_entry *e;
    bool done = false;

    keyspace_shard_lock(sh);
    e = hashmap_find(sh->d.map, cand_key(c), c->len, c->hash);
    if (e && (!pool->volatile_only || object_has_ttl(obj_of(e)))) {
        size_t bytes;

        emit(sh, KEYSPACE_EVENT_EVICTED, cand_key(c), c->len);
        bytes = evict_entry(sh, e);

        if (freed)
            *freed = bytes;
        done = true;
    }
    keyspace_shard_unlock(sh);
    return done;
}

bool keyspace_evict_best(struct keyspace_evict_pool *pool, struct keyspace *ks, int64_t now_ms,
                         size_t *freed)
{
    (void)now_ms; /* an expired candidate is evicted all the same, as Redis */
    while (pool->n) {
        struct keyspace_evict_cand c = pool->c[pool->n - 1];
        bool done;

        pool->n--; /* c now owns the heap copy */
        done = evict_cand(pool, ks, &c, freed);
        cand_free(&c);
        if (done)
            return true;
    }
    return false;
}

/* ==== background work ============================================================= */

/* One round of up to 20 samples; returns the number expired. */
static size_t expire_round(struct keyspace_shard *sh, int64_t now_ms, size_t *budget,
                           size_t *sampled)
{
    struct expiry_index *x = &sh->d.exp;
    size_t expired = 0;

    *sampled = 0;
    while (*sampled < KEYSPACE_EXPIRE_KEYS_PER_LOOP && x->len && *budget) {
        struct hashmap_entry *e = x->v[shard_rand(sh) % x->len];

        (*budget)--;
        (*sampled)++;
        if (object_is_expired(obj_of(e), now_ms)) {
            expire_entry(sh, e);
            expired++;
        }
    }
    return expired;
}

size_t keyspace_active_expire_shard(struct keyspace_shard *sh, int64_t now_ms,
                                    size_t sample_budget, size_t *expired)
{
    size_t budget = sample_budget, total_expired = 0, sampled;

    if (expiry_held(sh->ks, now_ms))
        return 0;
    keyspace_shard_lock(sh);
    while (sh->d.exp.len && budget) {
        size_t n = expire_round(sh, now_ms, &budget, &sampled);

        total_expired += n;
        if (n * 100 <= sampled * KEYSPACE_EXPIRE_STALE_PCT)
            break; /* few enough stale keys left: not worth more time */
    }
    keyspace_shard_unlock(sh);
    if (expired)
        *expired = total_expired;
    return sample_budget - budget;
}

enum keyspace_own_ttl keyspace_expire_own_key(struct keyspace_db *db, const char *key, size_t len,
                                              int64_t now_ms)
{
    struct keyspace_key k;
    keyspace_key_init(db->ks, &k, key, len);
    struct keyspace_shard *sh = keyspace_shard_of(db, &k);
    enum keyspace_own_ttl found = KEYSPACE_OWN_UNTIMED;

    keyspace_shard_lock(sh);
    struct hashmap_entry *e = hashmap_find(sh->d.map, key, len, k.hash);
    if (e && object_is_expired(obj_of(e), now_ms)) {
        expire_entry(sh, e);
        found = KEYSPACE_OWN_EXPIRED;
    } else if (e && object_has_ttl(obj_of(e))) {
        found = KEYSPACE_OWN_PENDING;
    }
    keyspace_shard_unlock(sh);
    return found;
}

size_t keyspace_active_expire(struct keyspace *ks, int64_t now_ms, size_t sample_budget,
                              unsigned *cursor)
{
    unsigned total = keyspace_shard_count(ks), id = *cursor % total;
    size_t share = sample_budget / total > KEYSPACE_EXPIRE_KEYS_PER_LOOP
                       ? sample_budget / total
                       : KEYSPACE_EXPIRE_KEYS_PER_LOOP;
    size_t spent = 0;

    for (unsigned visited = 0; visited < total && spent < sample_budget; visited++) {
        size_t left = sample_budget - spent;

        spent += keyspace_active_expire_shard(&ks->shards[id], now_ms,
                                              left < share ? left : share, NULL);
        id = (id + 1) % total;
    }
    *cursor = id;
    return spent;
}

bool keyspace_rehash_step(struct keyspace_shard *sh, size_t max_buckets)
{
    bool more;

    keyspace_shard_lock(sh);
    more = hashmap_rehash_step(sh->d.map, max_buckets);
    keyspace_shard_unlock(sh);
    return more;
}

/* ==== statistics ================================================================== */

struct stats_acc {
    struct keyspace_stats s;
    ttl_sum_t ttl_sum;
};

static void shard_stats(struct keyspace_shard *sh, struct stats_acc *acc)
{
    keyspace_shard_lock(sh);
    acc->s.keys += hashmap_size(sh->d.map);
    acc->s.expires += sh->d.exp.len;
    acc->s.expired_keys += sh->expired_keys;
    acc->s.hits += sh->hits;
    acc->s.misses += sh->misses;
    acc->s.bytes += hashmap_bytes(sh->d.map) + sh->d.heap_bytes +
                    (size_t)sh->d.exp.cap * sizeof(struct hashmap_entry *);
    acc->ttl_sum += sh->d.exp.sum;
    keyspace_shard_unlock(sh);
}

static void stats_finish(struct stats_acc *acc, int64_t now_ms, struct keyspace_stats *out)
{
    *out = acc->s;
    out->avg_ttl_ms = 0;
    if (acc->s.expires) {
        ttl_sum_t avg = acc->ttl_sum / (ttl_sum_t)acc->s.expires - now_ms;

        out->avg_ttl_ms = avg > 0 ? (int64_t)avg : 0;
    }
}

void keyspace_db_stats(struct keyspace_db *db, int64_t now_ms, struct keyspace_stats *out)
{
    struct stats_acc acc = { 0 };

    for (unsigned i = 0; i < db->ks->nshards; i++)
        shard_stats(&db->shards[i], &acc);
    stats_finish(&acc, now_ms, out);
}

void keyspace_stats(struct keyspace *ks, int64_t now_ms, struct keyspace_stats *out)
{
    struct stats_acc acc = { 0 };

    for (unsigned i = 0; i < keyspace_shard_count(ks); i++)
        shard_stats(&ks->shards[i], &acc);
    stats_finish(&acc, now_ms, out);
    out->bytes += sizeof(*ks) + ks->cfg.databases * sizeof(struct keyspace_db) +
                  keyspace_shard_count(ks) * sizeof(struct keyspace_shard);
}

void keyspace_reset_stats(struct keyspace *ks)
{
    for (unsigned i = 0; i < keyspace_shard_count(ks); i++) {
        struct keyspace_shard *sh = &ks->shards[i];

        keyspace_shard_lock(sh);
        sh->expired_keys = sh->hits = sh->misses = 0;
        keyspace_shard_unlock(sh);
    }
}

/* ==== testing ======================================================================= */

struct hashmap *keyspace__shard_map(struct keyspace_shard *sh)
{
    assert_held(sh);
    return sh->d.map;
}

#ifndef NDEBUG
/* Check one entry against the index; returns its heap bytes. */
static size_t check_entry(const struct keyspace_shard *sh, struct hashmap_entry *e,
                          uint32_t *ttls, ttl_sum_t *sum)
{
    const struct object *o = obj_of(e);

    object__check_invariants(o, hashmap_entry_extra_size(e));
    if (object_has_ttl(o)) {
        uint32_t slot = object_expire_slot(o);

        assert(slot < sh->d.exp.len && sh->d.exp.v[slot] == e);
        (*ttls)++;
        *sum += object_expire_at(o);
    }
    return object_heap_bytes(o);
}

/* A watch record flagged stale names a key the map holds. */
static void check_watched(struct keyspace_shard *sh)
{
    struct hashmap_iter it;
    struct hashmap_entry *w;

    if (!sh->watched)
        return;
    hashmap_iter_init(&it, sh->watched);
    while ((w = hashmap_iter_next(&it)))
        assert(!watch_rec_of(w)->stale || hashmap_find(sh->d.map, hashmap_entry_key(w),
                                                      hashmap_entry_keylen(w),
                                                      watch_rec_of(w)->hash));
    hashmap_iter_deinit(&it);
}
#endif

void keyspace__check_shard(struct keyspace_shard *sh)
{
#ifndef NDEBUG
    struct hashmap_iter it;
    struct hashmap_entry *e;
    uint32_t ttls = 0;
    ttl_sum_t sum = 0;
    size_t heap = 0;

    assert_held(sh);
    hashmap__check_invariants(sh->d.map);
    assert(sh->d.exp.len <= sh->d.exp.cap);
    hashmap_iter_init(&it, sh->d.map);
    while ((e = hashmap_iter_next(&it)))
        heap += check_entry(sh, e, &ttls, &sum);
    hashmap_iter_deinit(&it);
    assert(ttls == sh->d.exp.len);
    assert(sum == sh->d.exp.sum);
    assert(heap == sh->d.heap_bytes);
    check_watched(sh);
#else
    (void)sh;
#endif
}

void keyspace__check_invariants(struct keyspace *ks)
{
    for (unsigned i = 0; i < keyspace_shard_count(ks); i++) {
        keyspace_shard_lock(&ks->shards[i]);
        keyspace__check_shard(&ks->shards[i]);
        keyspace_shard_unlock(&ks->shards[i]);
    }
}
