/*
 * keyspace.h - databases of keys, split into locked shards, with expiry.
 *
 * Glossary
 *   keyspace  all databases (SELECT 0..databases-1) of one server.
 *   db        one database: S shards (S = 2^shard_bits, same for all dbs).
 *   shard     one hashmap (entry API; the value lives in the entry, see
 *             object.h) + one mutex + an expiry index + counters. A key's
 *             shard is chosen by the TOP shard_bits bits of its 64-bit
 *             hash; the hashmap uses the low bits.
 *   shard id  the global shard number db_index * S + shard_index.
 *   key       `struct keyspace_key`: bytes, length and their hash, computed
 *             once (keyspace_key_init) and reused to pick the shard and to
 *             look the key up.
 *   entry     a `struct hashmap_entry *` returned by lookups: key bytes plus
 *             the object. Borrowed: valid while the caller holds the
 *             shard's lock and until the next call that may resize or
 *             remove it (those calls take `struct hashmap_entry **` and
 *             update the caller's pointer).
 *   expired   a key with a TTL whose time is past (now_ms > expire_at).
 *             Lookups delete such keys and report them absent (lazy
 *             expiry); keyspace_active_expire* delete them in the
 *             background (active expiry). Both count expired_keys.
 *   now_ms    wall-clock ms since the epoch, passed in by the caller (the
 *             server caches it once per event-loop iteration). Nothing here
 *             reads a clock.
 *
 * Locking (who takes which lock)
 *   A command's dispatcher computes the shards of the command's keys,
 *   collects them in a `struct keyspace_lockset` (sorted by shard id,
 *   duplicates dropped), locks the set, runs the command and unlocks. A
 *   one-key command may lock its single shard directly.
 *
 *   No thread that locks several shards ever holds one while it waits for
 *   another: a lockset (and flush, swapdb) blocks on one shard and only
 *   tries the others, letting go of all when one is busy. So locks can be
 *   taken in any order without deadlock, by the one kind of thread that
 *   does hold while it waits: a script, which locks the shards of the keys
 *   it touches as it goes (only one script runs at a time, under the
 *   server's script lock). Shard mutexes are recursive, so a script may
 *   run a [locks] function (KEYS, FLUSHALL) on shards it holds.
 *
 *   [held]    The function needs the caller to hold the lock of every shard
 *             it is given (and of the destination shard for rename/copy).
 *             Debug builds assert this.
 *   [locks]   The function locks shards itself, one at a time or (flush,
 *             swapdb) all the ones it needs at once. The caller must hold
 *             no shard lock of this keyspace, unless it is the script
 *             thread (see above).
 *   [free]    No lock needed.
 *
 * SWAPDB and resolved pointers
 *   keyspace_db(ks, i) and the shards under it never change identity:
 *   "database i" is always the same struct keyspace_db and the same shard
 *   structs with the same mutexes. SWAPDB locks every shard of both
 *   databases (ascending ids) and swaps the *contents* of each shard pair
 *   (map, expiry index, byte counts). Because both databases use the same
 *   hash and shard count, shard k of one holds exactly the keys that belong
 *   in shard k of the other. A command that resolved its db and shard
 *   pointers before the swap then locks them and simply sees whatever the
 *   database holds at that moment: its lock acquisition orders it wholly
 *   before or wholly after the swap, like Redis's single thread. No global
 *   lock sits on the command path.
 *
 *   Db-wide operations that visit shards one at a time (scan, keys, dbsize,
 *   random key, active expiry) are not atomic with respect to SWAPDB or to
 *   concurrent writers; see each function. FLUSHDB/FLUSHALL and SWAPDB are
 *   atomic (they hold all the shards they touch while swapping pointers).
 *
 * Errors: actions return 0 or a negative KEYSPACE_E* code; predicates return
 * bool; finders return a pointer or NULL. Out of memory never aborts and
 * leaves the keyspace as it was before the call.
 *
 * Ownership: the keyspace owns every key and value. Key bytes passed in are
 * copied. Values passed as `struct object_value` are taken over (on error
 * too). Key bytes and objects handed to callbacks are borrowed for the
 * duration of the callback only.
 */
#ifndef GROVE_KEYSPACE_H
#define GROVE_KEYSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"
#include "object.h"

enum {
    KEYSPACE_OK = 0,
    KEYSPACE_ENOMEM = -1,
    KEYSPACE_EINVAL = -2, /* bad config, or a size that overflows */
};

/* Special expire_at_ms arguments of the set functions. */
#define KEYSPACE_TTL_NONE INT64_MIN       /* drop any TTL (plain SET) */
#define KEYSPACE_TTL_KEEP (INT64_MIN + 1) /* keep the key's TTL, if any (KEEPTTL, INCR) */

#define KEYSPACE_DEFAULT_DATABASES 16
#define KEYSPACE_DEFAULT_SHARD_BITS 4 /* 16 shards per db */
#define KEYSPACE_MAX_SHARD_BITS 12
#define KEYSPACE_LFU_LOG_FACTOR 10    /* Redis lfu-log-factor default */
#define KEYSPACE_LFU_DECAY_TIME 1     /* Redis lfu-decay-time default (minutes) */

/* Active expiry, after Redis 7's activeExpireCycle. */
#define KEYSPACE_EXPIRE_KEYS_PER_LOOP 20 /* samples per round */
#define KEYSPACE_EXPIRE_STALE_PCT 10     /* another round while > this % expired */
#define KEYSPACE_RANDOM_KEY_TRIES 100    /* RANDOMKEY gives up after this many expired picks */

struct keyspace_shard;

/* A key was created, given a new value or removed in a shard where
 * clients wait on it (keyspace_waiters below): called with the shard held,
 * from the write that did it. It must not call into this keyspace. */
typedef void (*keyspace_ready_cb)(struct keyspace_shard *sh, const char *key, size_t len,
                                  void *ud);

/* What the keyspace itself does to keys, for keyspace notifications. */
enum keyspace_event {
    KEYSPACE_EVENT_NEW = 1 << 0,     /* a key was created (before the write's own event) */
    KEYSPACE_EVENT_EXPIRED = 1 << 1, /* lazy or active expiry deleted it */
    KEYSPACE_EVENT_EVICTED = 1 << 2, /* eviction deleted it */
    KEYSPACE_EVENT_TTL = 1 << 3,     /* a write other than the master's stream
                                        (keyspace_obey_begin) gave it a TTL */
};

/* One keyspace event, called with the shard held, the key still present
 * (only the NEW one's value may still be empty), and only for events the
 * mask set by keyspace_set_events asks for. It must not call into this
 * keyspace. */
typedef void (*keyspace_event_cb)(struct keyspace_shard *sh, enum keyspace_event ev,
                                  const char *key, size_t len, void *ud);

/* Client-side caching (keys tracked below): key `key` of shard sh
 * changed, or the server evicts its record (keyspace_tracked_evict).
 * `rec` is the key's record, handed over to the callee (the table has
 * forgotten it), or NULL for a key without one while track_all is on.
 * `implicit`: no command's write did it (expiry, eviction). Called with the shard held; it must not call into this
 * keyspace. */
typedef void (*keyspace_tracked_cb)(struct keyspace_shard *sh, const char *key, size_t len,
                                    void *rec, bool implicit, void *ud);
/* A record dropped without a change (FLUSH, keyspace_destroy). */
typedef void (*keyspace_tracked_free_cb)(void *rec, void *ud);

/* Why the keyspace frees a value, for the lazyfree callback (Redis's
 * lazyfree-lazy-* knobs each name one). */
enum keyspace_free_reason {
    KEYSPACE_FREE_DEL,        /* the DEL command */
    KEYSPACE_FREE_UNLINK,     /* the UNLINK command */
    KEYSPACE_FREE_SERVER_DEL, /* any other delete or an overwrite (SET over a
                               * value, RENAME's destination, GETDEL) */
    KEYSPACE_FREE_EXPIRED,    /* expiry: on access, active, or a TTL in the past */
    KEYSPACE_FREE_EVICTED,    /* maxmemory eviction */
};
struct object_value;

/* Offered every boxed (not string) value the keyspace is about to free,
 * with its shard held: return true to take it (the callback then frees
 * v's boxed part, on any thread, with its ops->free_cb), false to have it
 * freed in place. It must not call into this keyspace. */
typedef bool (*keyspace_lazyfree_cb)(const struct object_value *v, enum keyspace_free_reason why,
                                     void *ud);

struct keyspace_config {
    unsigned databases;           /* >= 1 */
    unsigned shard_bits;          /* 0..KEYSPACE_MAX_SHARD_BITS */
    struct hashmap_hasher hasher; /* copied; its ctx must outlive the keyspace */
    uint64_t seed;                /* seeds sampling (active expiry, RANDOMKEY, LFU) */
    uint32_t lfu_log_factor;
    uint32_t lfu_decay_time;
    keyspace_ready_cb ready_cb;   /* may be NULL */
    void *ready_ud;
    keyspace_event_cb event_cb;   /* may be NULL */
    void *event_ud;
    keyspace_tracked_cb tracked_cb;         /* both NULL when nothing is tracked */
    keyspace_tracked_free_cb tracked_free;
    void *tracked_ud;
    keyspace_lazyfree_cb lazyfree_cb; /* may be NULL: values are freed in place */
    void *lazyfree_ud;
};

struct keyspace;
struct keyspace_db;
struct keyspace_shard;
struct keyspace_trash;

struct keyspace_key {
    const char *ptr;
    size_t len;
    uint64_t hash;
};

/* Called for keys by scan, keys and random key, with the key's shard
 * locked. It must not call into this keyspace. */
typedef void (*keyspace_key_cb)(const char *key, size_t len, const struct object *obj, void *ud);

/* ---- lifecycle ------------------------------------------------------------ */

/* [free] Defaults: 16 databases, 16 shards each, LFU 10/1. The hasher is
 * left empty (the caller must set it); the seed is 0. */
void keyspace_config_default(struct keyspace_config *cfg);
/* [free] Create the keyspace. KEYSPACE_EINVAL for a bad config, else
 * KEYSPACE_ENOMEM or 0 with *out set. */
int keyspace_create(const struct keyspace_config *cfg, struct keyspace **out);
/* [free] Free everything. No other thread may be using it. Accepts NULL. */
void keyspace_destroy(struct keyspace *ks);

/* [free] Number of databases; shards per database; shards in total. */
unsigned keyspace_databases(const struct keyspace *ks);
unsigned keyspace_shards_per_db(const struct keyspace *ks);
unsigned keyspace_shard_count(const struct keyspace *ks);
/* [free] CONFIG SET lfu-log-factor / lfu-decay-time (atomic stores). */
void keyspace_set_lfu_params(struct keyspace *ks, uint32_t log_factor, uint32_t decay_time);
/* [free] Whether every change of every key reaches tracked_cb, not only
 * those of tracked keys (broadcast tracking; an atomic store, costing one
 * relaxed load per change while off). */
void keyspace_set_track_all(struct keyspace *ks, bool on);
/* [free] Which keyspace_event kinds reach event_cb (an atomic store; 0,
 * the default, costs one relaxed load per insert and expiry). */
void keyspace_set_events(struct keyspace *ks, unsigned mask);

/* ---- databases, keys and shards ------------------------------------------ */

/* [free] Database `index`, or NULL when out of range (SELECT's check). The
 * pointer is stable for the keyspace's life, across SWAPDB. */
struct keyspace_db *keyspace_db(struct keyspace *ks, unsigned index);
unsigned keyspace_db_index(const struct keyspace_db *db);
/* [free] Fill *key with (ptr, len) and its hash. ptr is borrowed. */
void keyspace_key_init(const struct keyspace *ks, struct keyspace_key *key, const void *ptr,
                       size_t len);
/* [free] The shard holding `key` in `db`. */
struct keyspace_shard *keyspace_shard_of(struct keyspace_db *db, const struct keyspace_key *key);
/* [free] Prefetch where `key` lives in its shard (hashmap_prefetch_*):
 * its bucket slot, or with `entry` the head of that bucket's chain, which
 * needs the slot in cache to be worth it. Skipped while the shard is busy. */
void keyspace_prefetch(struct keyspace_shard *sh, const struct keyspace_key *key, bool entry);
/* [free] Shard `i` (0..S-1) of db; shard with global id `id`. */
struct keyspace_shard *keyspace_db_shard(struct keyspace_db *db, unsigned i);
struct keyspace_shard *keyspace_shard_by_id(struct keyspace *ks, unsigned id);
/* [free] The shard's global id (db_index * S + shard index). */
unsigned keyspace_shard_id(const struct keyspace_shard *sh);
/* Lock / unlock one shard. */
void keyspace_shard_lock(struct keyspace_shard *sh);
void keyspace_shard_unlock(struct keyspace_shard *sh);

/* ---- locking many shards -------------------------------------------------- */

#define KEYSPACE_LOCKSET_INLINE 16

/* A sorted, duplicate-free set of shards, in caller memory. Holds up to
 * KEYSPACE_LOCKSET_INLINE distinct shards without allocating, more on the
 * heap (MSET with keys spread over many shards, at most S per db). Do not
 * copy an initialised set. */
struct keyspace_lockset {
    size_t n, cap;
    struct keyspace_shard **heap;
    struct keyspace_shard *inline_[KEYSPACE_LOCKSET_INLINE];
    bool locked;
};

/* [free] Start empty. */
void keyspace_lockset_init(struct keyspace_lockset *set);
/* [free] Add a shard (no-op if present). KEYSPACE_ENOMEM only when growing
 * past the inline capacity fails. Not while locked. */
int keyspace_lockset_add(struct keyspace_lockset *set, struct keyspace_shard *sh);
/* [free] Add every shard of db (a command that reads keys it cannot name
 * before it runs). KEYSPACE_ENOMEM as keyspace_lockset_add. */
int keyspace_lockset_add_db(struct keyspace_lockset *set, struct keyspace_db *db);
/* [locks] Lock every shard of the set, never holding one while waiting
 * for another (see Locking above). */
void keyspace_lockset_lock(struct keyspace_lockset *set);
/* Unlock every shard (reverse order). */
void keyspace_lockset_unlock(struct keyspace_lockset *set);
/* [free] Free the heap part; the set must be unlocked. */
void keyspace_lockset_deinit(struct keyspace_lockset *set);
size_t keyspace_lockset_count(const struct keyspace_lockset *set);
struct keyspace_shard *keyspace_lockset_at(const struct keyspace_lockset *set, size_t i);

/* ---- lookup ---------------------------------------------------------------- */

#define KEYSPACE_LOOKUP_NOTOUCH 0x1 /* do not update LRU/LFU (TYPE, OBJECT, EXISTS…) */
#define KEYSPACE_LOOKUP_COUNT 0x2   /* count keyspace_hits/misses (read commands) */
#define KEYSPACE_LOOKUP_READ 0x4    /* a read: may leave an expired key (keyspace_hold_expired) */
#define KEYSPACE_LOOKUP_RAW 0x8     /* the entry even past its time, left there (DEBUG OBJECT,
                                       as Redis's dictFind) */

/* [held] The live entry for key, or NULL. An expired key is deleted here
 * (expired_keys++) and reported absent; a READ lookup while expiry is held
 * reports it absent and leaves it. Touches the access clock unless
 * NOTOUCH. */
struct hashmap_entry *keyspace_find(struct keyspace_shard *sh, const struct keyspace_key *key,
                                    int64_t now_ms, unsigned flags);
/* [held] The entry's value. */
struct object *keyspace_object(const struct hashmap_entry *entry);
/* [held] OBJECT/TOUCH: record an access now (LRU clock and LFU counter). */
void keyspace_touch(struct keyspace_shard *sh, struct hashmap_entry *entry, int64_t now_ms);

/* ---- writing values --------------------------------------------------------
 * Every function here is [held]. `out` (if non-NULL) receives the key's
 * entry afterwards. An existing value of any type is replaced and freed. A
 * key that exists but has expired counts as absent (it is expired first).
 * expire_at_ms is an absolute time, KEYSPACE_TTL_NONE or KEYSPACE_TTL_KEEP;
 * a time already past is stored as given (the key then reads as absent):
 * EXPIRE with a past time should delete instead, as Redis does.
 * On overwrite the LRU clock restarts and the LFU counter is kept. */

/* SET family: store bytes with the encoding `policy` picks (object.h).
 * val is copied; it must not point into this keyspace's own values. */
int keyspace_set_string(struct keyspace_shard *sh, const struct keyspace_key *key, const void *val,
                        size_t len, enum object_string_policy policy, int64_t expire_at_ms,
                        int64_t now_ms, struct hashmap_entry **out);
/* INCR family: store an INT. In place when the key already holds an INT
 * and expire_at_ms is KEYSPACE_TTL_KEEP. */
int keyspace_set_int(struct keyspace_shard *sh, const struct keyspace_key *key, int64_t value,
                     int64_t expire_at_ms, int64_t now_ms, struct hashmap_entry **out);
/* Any planned value (boxed types later). Takes ownership of v, also on
 * error. */
int keyspace_set_value(struct keyspace_shard *sh, const struct keyspace_key *key,
                       struct object_value *v, int64_t expire_at_ms, int64_t now_ms,
                       struct hashmap_entry **out);

/* APPEND to an existing string entry: the result is RAW (even for an empty
 * suffix, as Redis). *entry is updated; *new_len gets the length. For a
 * missing key use keyspace_set_string(OBJECT_STR_TRY), as Redis does. */
int keyspace_append(struct keyspace_shard *sh, struct hashmap_entry **entry, const void *s,
                    size_t len, size_t *new_len);
/* SETRANGE: write s at offset, zero-padding. *entry NULL creates the key
 * (RAW, no TTL) unless len is 0. An empty s changes nothing (Redis returns
 * the current length without touching the value). Sizes beyond SIZE_MAX
 * give KEYSPACE_EINVAL; the 512 MB proto-max-bulk-len check is the
 * server's. */
int keyspace_setrange(struct keyspace_shard *sh, const struct keyspace_key *key,
                      struct hashmap_entry **entry, size_t offset, const void *s, size_t len,
                      int64_t now_ms, size_t *new_len);
/* Make a string entry RAW with at least `len` bytes (new bytes zeroed) and
 * return its mutable bytes (for SETBIT, BITFIELD…; read the length from
 * object_raw()). *entry is updated. The bytes stay valid until the next
 * change to this key. */
int keyspace_string_reserve(struct keyspace_shard *sh, struct hashmap_entry **entry, size_t len,
                            char **bytes);

/* ---- expiry ------------------------------------------------------------- */

/* [held] Set or change the key's TTL to an absolute time (EXPIRE, PEXPIREAT,
 * GETEX…). Adding a TTL grows the entry: *entry is updated. */
int keyspace_set_expire(struct keyspace_shard *sh, struct hashmap_entry **entry,
                        int64_t expire_at_ms);
/* [held] PERSIST: drop the TTL; true if there was one. Never fails (a
 * failed shrink keeps the larger entry). *entry is updated. */
bool keyspace_persist(struct keyspace_shard *sh, struct hashmap_entry **entry);

/* ---- deleting, renaming, copying ------------------------------------------ */

/* [held] DEL/UNLINK: true if a live key was deleted (an expired one is
 * expired instead, and false is returned, as Redis). */
bool keyspace_delete(struct keyspace_shard *sh, const struct keyspace_key *key, int64_t now_ms);
/* [held] The same, saying why (DEL, UNLINK) to lazyfree_cb; keyspace_delete's
 * reason is KEYSPACE_FREE_SERVER_DEL. */
bool keyspace_delete_for(struct keyspace_shard *sh, const struct keyspace_key *key,
                         int64_t now_ms, enum keyspace_free_reason why);
/* [held] Delete a found entry (GETDEL: reply first, the value dies here). */
void keyspace_delete_entry(struct keyspace_shard *sh, struct hashmap_entry *entry);
/* [held] The same, saying why (EXPIRE into the past) to
 * lazyfree_cb; keyspace_delete_entry's reason is KEYSPACE_FREE_SERVER_DEL. */
void keyspace_delete_entry_for(struct keyspace_shard *sh, struct hashmap_entry *entry,
                               enum keyspace_free_reason why);
/* [held: both shards] RENAME/MOVE: move src's value (with its TTL, LRU and
 * LFU) to dst_key in dst_sh (any db), replacing what is there, and delete
 * src. dst_key equal to src's key in the same shard is a no-op. On error
 * nothing changed. */
int keyspace_rename(struct keyspace_shard *src_sh, struct hashmap_entry *src,
                    struct keyspace_shard *dst_sh, const struct keyspace_key *dst_key,
                    int64_t now_ms, struct hashmap_entry **out);
/* [held: both shards] COPY: store a deep copy of src's value (same
 * encoding, same TTL, fresh LRU/LFU) at dst_key, replacing what is there.
 * Copying a key onto itself is a no-op. */
int keyspace_copy(const struct hashmap_entry *src, struct keyspace_shard *dst_sh,
                  const struct keyspace_key *dst_key, int64_t now_ms, struct hashmap_entry **out);

/* ---- WATCH ----------------------------------------------------------------
 * Optimistic locking, per key. Each shard keeps, only while some key of it
 * is watched, a table key -> (version, references). Every change to a
 * watched key through this API bumps its version: writes, TTL changes,
 * deletes, lazy and active expiry, RENAME (both keys), COPY (destination),
 * FLUSHDB/FLUSHALL (keys that existed) and SWAPDB (keys that existed or
 * get a live value: no key and an expired one are the same to a watcher,
 * as in Redis 7.0). A client records the version at WATCH and compares it
 * at EXEC; a change to another key of the same shard changes nothing. */

/* [held] A value changed in place, without a write function of this API
 * (a boxed type's field update): bump the key's watch version, as Redis's
 * signalModifiedKey. */
void keyspace_signal_modified(struct keyspace_shard *sh, const struct keyspace_key *key);
/* [held] Register one watch on key and give its current version. A key
 * whose time is already past is expired first (a stale key at WATCH does
 * not fail EXEC, as Redis 7.0). Each successful call needs one
 * keyspace_unwatch. KEYSPACE_ENOMEM leaves nothing registered. */
int keyspace_watch(struct keyspace_shard *sh, const struct keyspace_key *key, int64_t now_ms,
                   uint64_t *version);
/* [held] Drop one registration; the last one frees the key's record, and
 * the shard's table once it is empty. */
void keyspace_unwatch(struct keyspace_shard *sh, const struct keyspace_key *key);
/* [held] The current version of a watched key (registered). The key is
 * expired first if its time is past, so one that expired since WATCH
 * reads as changed (Redis 7.0 fails EXEC for it). */
uint64_t keyspace_watch_version(struct keyspace_shard *sh, const struct keyspace_key *key,
                                int64_t now_ms);

/* ---- keys clients wait on ------------------------------------------------------
 * Blocking commands (BLPOP...) wait for a key to get a value. Each shard
 * keeps, only while some client waits on a key of it, a table key -> the
 * caller's waiter queue (an opaque pointer this module never looks
 * into). The table belongs to (db, shard), not to the data: SWAPDB and
 * FLUSH leave it in place. Creating, overwriting or removing a key that
 * has a record calls the config's ready_cb, as Redis's dbAdd calls
 * signalKeyAsReady; so do FLUSHDB, FLUSHALL and SWAPDB for the keys with
 * a record that held a value before or after. */

/* [held] The slot holding key's queue pointer, created NULL-filled when
 * absent; NULL when out of memory. Valid until the next call below. */
void **keyspace_waiters_slot(struct keyspace_shard *sh, const struct keyspace_key *key);
/* [held] Key's queue pointer, or NULL. */
void *keyspace_waiters(struct keyspace_shard *sh, const struct keyspace_key *key);
/* [held] Forget key's record (the caller has emptied and freed its queue). */
void keyspace_waiters_drop(struct keyspace_shard *sh, const struct keyspace_key *key);

/* ---- keys clients cache ------------------------------------------------------
 * Client-side caching (CLIENT TRACKING). Each shard keeps, only while some
 * key of it is tracked, a table key -> the server's record of who caches
 * it (an opaque pointer). Every change that bumps a WATCH version (see
 * above: writes, TTL changes, deletes, lazy and active expiry, eviction,
 * RENAME, COPY, MOVE, SWAPDB) hands the key's record to the config's
 * tracked_cb and forgets it, as Redis forgets a key once it has sent its
 * invalidation. FLUSHDB/FLUSHALL drop the records of the shards they
 * empty through tracked_free, without tracked_cb. Like `watched`, the
 * table belongs to (db, shard) and costs a NULL test per change when
 * nothing is tracked. */

/* [held] The slot holding key's record, created NULL-filled when absent;
 * NULL when out of memory. Valid until the next call that changes a key
 * of the shard. */
void **keyspace_tracked_slot(struct keyspace_shard *sh, const struct keyspace_key *key);
/* [held] Forget key's record (the caller has freed it). */
void keyspace_tracked_drop(struct keyspace_shard *sh, const struct keyspace_key *key);
/* [held] tracking-table-max-keys: hand a record chosen at random to cb
 * (as tracked_cb, `implicit` true) and forget it. False when the shard
 * tracks nothing. */
bool keyspace_tracked_evict(struct keyspace_shard *sh, keyspace_tracked_cb cb, void *ud);
/* [held] Keys of the shard with a record. */
size_t keyspace_tracked_keys(struct keyspace_shard *sh);

/* ---- whole databases -------------------------------------------------------- */

/* [locks] DBSIZE: keys in db, including expired keys not yet reclaimed (as
 * Redis). Sums shard by shard, so not a snapshot under concurrent writes. */
size_t keyspace_dbsize(struct keyspace_db *db);
/* [locks] FLUSHDB: atomically empty db (all its shards are held while
 * their maps are swapped for empty ones). The old contents are freed after
 * unlocking: here if trash is NULL, else handed to the caller in *trash to
 * free later, on any thread, with keyspace_trash_free (FLUSHDB ASYNC). */
int keyspace_flushdb(struct keyspace_db *db, struct keyspace_trash **trash);
/* [locks] FLUSHALL: the same for every database at once. */
int keyspace_flushall(struct keyspace *ks, struct keyspace_trash **trash);
/* [free] Free flushed contents. Accepts NULL. */
void keyspace_trash_free(struct keyspace_trash *trash);
/* [free] The keys in flushed contents (0 for NULL). */
size_t keyspace_trash_keys(const struct keyspace_trash *trash);
/* ---- whole keyspace: snapshots ----------------------------------------------
 * SAVE and BGSAVE hold every shard of every database at once (so no write
 * is half done) while they copy the data out or fork. */

/* [locks] Lock every shard of every database (in the deadlock-free way of
 * a lockset), and let go of them all. */
void keyspace_lock_all(struct keyspace *ks);
void keyspace_unlock_all(struct keyspace *ks);
/* [free] Changes to keys since the keyspace was created: one per key
 * written, deleted or expired, or per key a FLUSH emptied (Redis's
 * server.dirty, for save points). Summed without locks: exact only while
 * every shard is held. */
uint64_t keyspace_dirty(const struct keyspace *ks);
/* [held] The same count for one shard (did a command change it?). */
uint64_t keyspace_shard_dirty(const struct keyspace_shard *sh);
/* [held] Keys in sh, expired-but-unreclaimed included, and those with a TTL. */
void keyspace_shard_sizes(struct keyspace_shard *sh, size_t *keys, size_t *expires);
/* [held] The shard's table of keys, to read its shape (DEBUG HTSTATS);
 * borrowed, valid until the shard is unlocked. */
const struct hashmap *keyspace_shard_table(struct keyspace_shard *sh);
/* Called for each entry by keyspace_shard_foreach: expire_at is
 * KEYSPACE_TTL_NONE for a key without TTL. Non-zero stops the walk. */
typedef int (*keyspace_entry_cb)(const char *key, size_t len, const struct object *obj,
                                 int64_t expire_at, void *ud);
/* [held] cb for every entry of sh, expired ones included (nothing is
 * deleted, so a forked child may walk a frozen copy). Returns cb's first
 * non-zero value, else 0. */
int keyspace_shard_foreach(struct keyspace_shard *sh, keyspace_entry_cb cb, void *ud);

/* [locks] Make room for `keys` keys in db (RDB's RESIZEDB): each shard's
 * map is presized for its share, so a load does not grow them step by
 * step. Out of memory leaves a map as it was (it grows as usual). */
void keyspace_db_reserve(struct keyspace_db *db, uint64_t keys);
/* [locks] SWAPDB a b (a == b is a no-op). Holds the shards of both;
 * now_ms tells watched keys that come in expired (see WATCH). */
void keyspace_swapdb(struct keyspace *ks, unsigned a, unsigned b, int64_t now_ms);

/* [locks] SCAN: visit the next slice of db and return the next cursor (0:
 * done). cb gets each live key visited; expired keys met are deleted.
 * Visits shard 0 fully, then shard 1, …; the cursor is
 * (hashmap cursor << shard_bits) | shard index. Every key present for the
 * whole scan is reported at least once (possibly more); keys may be added
 * or removed and maps may grow or shrink between calls. Stops after about
 * `count` keys or count*10 bucket steps (as Redis). Locks one shard at a
 * time. This and the other [locks] functions are the only ones that lock. */
uint64_t keyspace_scan(struct keyspace_db *db, uint64_t cursor, size_t count, int64_t now_ms,
                       keyspace_key_cb cb, void *ud);
/* [locks] KEYS: cb for every live key, each exactly once; expired keys met
 * are deleted (unless expiry is held). Holds one shard's lock for that whole shard. Returns the
 * number of keys reported. */
size_t keyspace_keys(struct keyspace_db *db, int64_t now_ms, keyspace_key_cb cb, void *ud);
/* [locks] RANDOMKEY: a key chosen uniformly (its shard weighted by size,
 * then hashmap_random); cb is called for it. Expired picks are deleted
 * and retried, up to KEYSPACE_RANDOM_KEY_TRIES times. False if none. While
 * expiry is held they stay, and the last of that many is reported all the
 * same, as Redis does for a paused server (else RANDOMKEY of a database
 * whose every key has expired could find nothing it may return). */
bool keyspace_random_key(struct keyspace_db *db, int64_t now_ms, keyspace_key_cb cb, void *ud);

/* ---- background work ------------------------------------------------------- */

/* [any] Hold expiry until `until_ms` (0: release at once), as Redis does
 * while clients are paused: the dataset must not change, so nothing expires
 * a key but a write that meets it. Reads (KEYSPACE_LOOKUP_READ, SCAN, KEYS,
 * RANDOMKEY) see expired keys as gone and leave them; active expiry does
 * nothing. */
void keyspace_hold_expired(struct keyspace *ks, int64_t until_ms);
/* [any] The same hold for as long as `held` stays true, apart from the
 * timed one: a replica leaves expiring to its master, whose DEL comes in
 * its stream (Redis 3.2 on). */
void keyspace_hold_expired_always(struct keyspace *ks, bool held);
/* [any] Until keyspace_obey_end, lookups made by the calling thread find
 * expired keys as live: a replica's master decides what has expired, and
 * its DEL follows (Redis's expireIfNeeded for the master client). One
 * thread at a time; other threads' lookups are unaffected. */
void keyspace_obey_begin(struct keyspace *ks);
void keyspace_obey_end(struct keyspace *ks);

/* [locks] Active expiry of one shard: rounds of 20 random samples from its
 * expiry index, deleting the expired ones, repeated while more than 10% of
 * a round had expired, and never past `sample_budget` samples; nothing
 * while expiry is held. Returns the
 * samples taken (0 when the shard has no TTLs); *expired (if non-NULL)
 * gets the keys deleted. */
size_t keyspace_active_expire_shard(struct keyspace_shard *sh, int64_t now_ms,
                                    size_t sample_budget, size_t *expired);
/* [locks] One active-expiry pass over all shards from *cursor (a shard id,
 * start at 0), splitting `sample_budget` between them; *cursor is where the
 * next pass should start. Returns the samples taken. */
size_t keyspace_active_expire(struct keyspace *ks, int64_t now_ms, size_t sample_budget,
                              unsigned *cursor);
/* What keyspace_expire_own_key found. */
enum keyspace_own_ttl {
    KEYSPACE_OWN_UNTIMED, /* the key is gone or has no TTL */
    KEYSPACE_OWN_PENDING, /* its TTL has not passed yet */
    KEYSPACE_OWN_EXPIRED, /* its TTL had passed: deleted now */
};
/* [locks] Expire `key` of db as active expiry would, even while expiry is
 * held: a writable replica's own keys (those its clients gave a TTL) are
 * deleted by no master, so the replica expires them itself (Redis's
 * expireSlaveKeys). */
enum keyspace_own_ttl keyspace_expire_own_key(struct keyspace_db *db, const char *key, size_t len,
                                              int64_t now_ms);
/* [locks] One incremental rehash step of a shard's map (the server's
 * resize timer). True if more work remains. */
bool keyspace_rehash_step(struct keyspace_shard *sh, size_t max_buckets);

/* ---- statistics ------------------------------------------------------------- */

struct keyspace_stats {
    uint64_t keys;         /* entries, expired-but-unreclaimed included (DBSIZE) */
    uint64_t expires;      /* keys with a TTL */
    uint64_t expired_keys; /* ever deleted by lazy or active expiry */
    uint64_t hits, misses; /* lookups with KEYSPACE_LOOKUP_COUNT */
    int64_t avg_ttl_ms;    /* exact mean remaining TTL of `expires` keys, >= 0 */
    size_t bytes;          /* maps + RAW buffers + expiry indexes (see below) */
};

/* `bytes` adds up malloc_usable_size of map memory plus RAW buffers and
 * expiry arrays as requested: a dataset figure. It misses the allocator's
 * own per-chunk overhead (8 bytes a chunk with glibc), so INFO's
 * used_memory should come from the allocator (mallinfo2: uordblks +
 * hblkhd), and this figure can serve as used_memory_dataset. */

/* [locks] INFO keyspace for one db (locks each shard briefly). */
void keyspace_db_stats(struct keyspace_db *db, int64_t now_ms, struct keyspace_stats *out);
/* [locks] The same summed over all dbs (INFO stats: expired_keys, hits…;
 * bytes for INFO memory). */
void keyspace_stats(struct keyspace *ks, int64_t now_ms, struct keyspace_stats *out);
/* [locks] CONFIG RESETSTAT: zero expired_keys, hits and misses. */
void keyspace_reset_stats(struct keyspace *ks);

/* ---- eviction (maxmemory) ------------------------------------------------------
 * After Redis 7's evict.c. The caller (the server's eviction run) keeps a
 * pool of the best candidates seen so far, ordered by score, and alternates
 * keyspace_evict_sample (add `count` sampled keys of one shard to the pool)
 * with keyspace_evict_best (delete the pool's best candidate that still
 * exists). A higher score means "evict first":
 *   LRU     idle ms (object_idle_ms)
 *   LFU     255 - decayed LFU counter (object_lfu_decayed), as Redis
 *   TTL     UINT64_MAX - expire time: the soonest expiry first
 *   RANDOM  a random number (the pool then holds random picks)
 * volatile_only samples the shard's expiry index instead of its map, and a
 * candidate that lost its TTL meanwhile is never evicted. The pool copies
 * the key bytes of its candidates (they outlive the shard lock); a
 * candidate deleted or replaced meanwhile is a ghost: skipped, as Redis. */

enum keyspace_evict_by {
    KEYSPACE_EVICT_LRU,
    KEYSPACE_EVICT_LFU,
    KEYSPACE_EVICT_TTL,
    KEYSPACE_EVICT_RANDOM,
};

#define KEYSPACE_EVPOOL_SIZE 16       /* Redis's EVPOOL_SIZE */
#define KEYSPACE_EVPOOL_KEY_INLINE 48 /* longer candidate keys go on the heap */

struct keyspace_evict_cand {
    uint64_t score;
    uint64_t hash;
    unsigned shard_id;
    size_t len;
    char *heap; /* the key when longer than the inline buffer, else NULL */
    char inline_[KEYSPACE_EVPOOL_KEY_INLINE];
};

/* In caller memory; candidates c[0..n) ascending by score (best last). */
struct keyspace_evict_pool {
    enum keyspace_evict_by by;
    bool volatile_only;
    size_t n;
    struct keyspace_evict_cand c[KEYSPACE_EVPOOL_SIZE];
};

/* [free] Start an empty pool. */
void keyspace_evict_pool_init(struct keyspace_evict_pool *pool, enum keyspace_evict_by by,
                              bool volatile_only);
/* [free] Free the heap copies of the candidates left. */
void keyspace_evict_pool_deinit(struct keyspace_evict_pool *pool);
/* [locks] Keys the pool's kind of eviction could take from this shard: all
 * of them, or those with a TTL when volatile_only. */
size_t keyspace_evict_candidates(struct keyspace_shard *sh, bool volatile_only);
/* [locks] Sample up to `count` keys of the shard into the pool, keeping
 * the KEYSPACE_EVPOOL_SIZE best: every candidate equally likely to be
 * sampled; for KEYSPACE_EVICT_RANDOM and volatile_only each key drawn
 * uniformly and independently (so possibly with repeats). Returns the keys
 * sampled: 0 when the shard has no candidate. */
size_t keyspace_evict_sample(struct keyspace_evict_pool *pool, struct keyspace_shard *sh,
                             size_t count, int64_t now_ms);
/* [locks] Evict the pool's best candidate that still exists (ghosts are
 * dropped on the way). True if a key was deleted; *freed (if non-NULL) gets
 * an estimate of the bytes it gave back to the allocator (entry, RAW
 * buffer, their chunk headers, any shrink of the map or expiry index).
 * False once the pool is empty. */
bool keyspace_evict_best(struct keyspace_evict_pool *pool, struct keyspace *ks, int64_t now_ms,
                         size_t *freed);

/* ---- testing ----------------------------------------------------------------- */

/* [held] Assert the shard's invariants: map structure, every object well
 * formed, expiry index slots and pointers, TTL count, TTL sum, heap bytes. */
void keyspace__check_shard(struct keyspace_shard *sh);
/* [locks] The same for every shard. */
void keyspace__check_invariants(struct keyspace *ks);
/* [held] Keys of the shard with a watch record (0: no table at all). */
size_t keyspace__watched_keys(struct keyspace_shard *sh);
/* [held] The shard's map (tests and benchmarks only). */
struct hashmap *keyspace__shard_map(struct keyspace_shard *sh);

#endif
