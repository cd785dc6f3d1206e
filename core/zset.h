/*
 * zset.h - the sorted set value type (ZADD and friends): binary-safe
 * members, each with a double score, ordered by (score, member), stored as
 * a boxed object (object.h).
 *
 * Glossary
 *   member    a byte string with a length; may be empty.
 *   score     a double, never NaN (callers reject NaN before adding).
 *   order     ascending score, ties by member bytes (memcmp, shorter
 *             first), as Redis's skiplist.
 *   rank      0-based position in that order.
 *   compact   the small form, reported as "listpack" like Redis 7.0: one
 *             buffer of (member, score) entries in order, searched
 *             linearly. Used while the zset has at most
 *             zset-max-listpack-entries members and none longer than
 *             zset-max-listpack-value bytes (struct object_limits, read
 *             at each insert). It stores a score of -0 as 0, as Redis's
 *             listpack does.
 *   big       the large form, reported as "skiplist": a core/hashmap
 *             (entry API) whose entries are the members, each holding its
 *             tree node in its extra region, plus an AVL tree of those
 *             nodes keyed by (score, member) whose nodes carry subtree
 *             sizes, so rank, select-by-rank and "how many below a score"
 *             are O(log n).
 *   conversion compact -> big, before an insert that would pass a limit;
 *             never back (as Redis 7.0: ZREM keeps the skiplist).
 *
 * Errors: actions return 0 or ZSET_ENOMEM (the zset is unchanged);
 * predicates return bool.
 *
 * Ownership: the zset copies members it is given. Members it hands out are
 * borrowed until the next change to the zset.
 *
 * Thread safety: none; a zset lives in a keyspace entry and is guarded by
 * its shard's lock.
 */
#ifndef GROVE_ZSET_H
#define GROVE_ZSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"
#include "object.h"

enum {
    ZSET_OK = 0,
    ZSET_ENOMEM = -1,
    ZSET_EDUP = -2, /* zset_load: a member given twice */
};

struct zset;
struct avl_node;

/* One member, borrowed from the zset. */
struct zset_member {
    const char *ptr;
    size_t len;
    double score;
};

/* ---- lifecycle ------------------------------------------------------------ */

/* An empty compact zset. `hasher` (for the big form) and `limits` are
 * borrowed and must outlive the zset (and its copies). NULL on ENOMEM
 * (or when OBJECT_ENV_MAX other hasher/limits pairs are in use). */
struct zset *zset_create(const struct hashmap_hasher *hasher, const struct object_limits *limits);
/* An empty big zset ("skiplist") from the start, as Redis creates
 * one it knows will pass the listpack limits (ZUNIONSTORE's result, a long
 * ZRANGESTORE): its -0 scores keep their sign. NULL on ENOMEM. */
struct zset *zset_create_skiplist(const struct hashmap_hasher *hasher,
                                  const struct object_limits *limits);
/* Free the zset. Accepts NULL. */
void zset_destroy(struct zset *z);
/* The boxed header, for object_value_from_boxed (its ops free and
 * deep-copy the zset), and back. zset_from_boxed asserts it is a zset. */
struct object_boxed *zset_boxed(struct zset *z);
struct zset *zset_from_boxed(struct object_boxed *b);
/* A deep copy (same form), or NULL on ENOMEM. */
struct zset *zset_dup(const struct zset *z);

/* ---- reading -------------------------------------------------------------- */

size_t zset_len(const struct zset *z);
/* OBJECT_ENC_LISTPACK or OBJECT_ENC_SKIPLIST (see the glossary). */
enum object_encoding zset_encoding(const struct zset *z);
/* Heap bytes the sorted set holds, as allocated (MEMORY USAGE), exactly:
 * a compact one's header and buffer, a big one's member map (whose
 * entries hold the tree nodes). O(1). */
size_t zset_bytes(const struct zset *z);
/* The skiplist form's member map, NULL while compact. */
const struct hashmap *zset_table(const struct zset *z);
/* The member's score; false when absent. */
bool zset_score(struct zset *z, const void *member, size_t len, double *score);
/* The member's rank in ascending order; false when absent. */
bool zset_rank(struct zset *z, const void *member, size_t len, size_t *rank);
/* The member at `rank` (< zset_len). O(rank) for a compact zset: walk
 * consecutive ranks with an iterator instead. */
void zset_at(const struct zset *z, size_t rank, struct zset_member *m);
/* How many members have a score < score (inclusive false) or <= score
 * (inclusive true). */
size_t zset_count_below(const struct zset *z, double score, bool inclusive);

/* Redis 7.0's double2ll: whether a score is integral within +-LLONG_MAX/2
 * (2^62), the scores a Redis listpack stores as integers (zzlInsertAt),
 * so that its DUMP and ZSCAN print them in integer form; -0 is 0. */
bool zset_score_to_ll(double score, long long *out);

/* ---- writing -------------------------------------------------------------- */

/* Set member's score, adding it when absent; *added (may be NULL) says
 * whether it was new. The bytes must not point into this zset. */
int zset_set(struct zset *z, const void *member, size_t len, double score, bool *added);
/* Remove a member; true if it was there. */
bool zset_remove(struct zset *z, const void *member, size_t len);

/* Fill a new, empty zset (zset_create) with the n members of a value
 * being loaded (RDB, RESTORE) in one go, in any order (the items are
 * reordered), as Redis's rdbLoadObject keeps it: a listpack's members
 * (`from_listpack`) stay compact while there are at most
 * zset-max-listpack-entries of them, whatever their length; a skiplist's
 * become compact only if they also fit zset-max-listpack-value. The
 * bytes must not point into z. ZSET_EDUP when a member repeats,
 * ZSET_ENOMEM; either way z is left empty. */
int zset_load(struct zset *z, struct zset_member *items, size_t n, bool from_listpack);

/* ---- visiting ------------------------------------------------------------- */

/* Consecutive ranks from `rank` (nothing when rank >= zset_len), upwards
 * or downwards (`reverse`), each member once: O(1) amortised per member
 * for a big zset and upwards through a compact one; downwards through a
 * compact one (no back links) a walk from its start every
 * ZSET_ITER_STACK members. z must not change while the iterator is used;
 * it needs no deinit. */
#define ZSET_ITER_STACK 16
struct zset_iter { /* private fields */
    const struct zset *z;
    size_t rank, left;
    bool reverse;
    const unsigned char *e;            /* compact: the first entry */
    size_t off;                        /* compact, forwards: the next entry */
    const struct avl_node *node;       /* big: the next node */
    uint32_t stack[ZSET_ITER_STACK];   /* compact, backwards: offsets to come */
    unsigned depth;
};
void zset_iter_init(struct zset_iter *it, const struct zset *z, size_t rank, bool reverse);
bool zset_iter_next(struct zset_iter *it, struct zset_member *m);

/* ZSCAN: a compact zset is visited whole in rank order and 0
 * returned (as Redis); otherwise visit the next bucket(s) of the member
 * map and return the next cursor (0: done), with the hashmap's guarantee.
 * fn must not change z. */
typedef void (*zset_scan_fn)(const struct zset_member *m, void *ud);
uint64_t zset_scan(struct zset *z, uint64_t cursor, zset_scan_fn fn, void *ud);

/* ---- testing -------------------------------------------------------------- */

/* Assert the representation is well formed (order, heights, sizes, map). */
void zset__check_invariants(const struct zset *z);

#endif
