/*
 * set.h - the set value type (SADD and friends): a set of binary-safe byte
 * strings, stored as a boxed object (object.h).
 *
 * Glossary
 *   member    a byte string with a length; may be empty.
 *   intset    the small form, reported as "intset" like Redis 7.0: a
 *             sorted array of int64, used while every member is an integer
 *             in Redis's canonical form (string2ll: object_parse_int) and
 *             the set has at most set-max-intset-entries members (struct
 *             object_limits, read at each write).
 *   table     the large form, reported as "hashtable": a core/hashmap
 *             (entry API, no extra bytes) whose keys are the members.
 *   conversion intset -> table, once a non-integer member is added or the
 *             size passes the threshold; never back (as Redis 7.0, which
 *             has no listpack sets: those came in 7.2).
 *
 * Order: an intset lists its members in ascending numeric order, exactly as
 * a Redis intset does, so SMEMBERS/SSCAN of such a set reply in the same
 * order as Redis. Tables list in map order.
 *
 * Errors: actions return 0 or SET_ENOMEM (the set is unchanged);
 * predicates return bool.
 *
 * Ownership: the set copies members it is given. Members it hands out are
 * borrowed (a table member's bytes: until the next change to the set; an
 * intset member is formatted into the caller's struct set_member).
 *
 * Thread safety: none; a set lives in a keyspace entry and is guarded by
 * its shard's lock.
 */
#ifndef GROVE_SET_H
#define GROVE_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"
#include "object.h"

enum {
    SET_OK = 0,
    SET_ENOMEM = -1,
};

struct set;

/* One member, borrowed: ptr points into the set (table) or into buf
 * (intset: the integer's decimal form). */
struct set_member {
    const char *ptr;
    size_t len;
    char buf[OBJECT_INT_BUFSIZE];
};

/* ---- lifecycle ------------------------------------------------------------ */

/* An empty intset. `hasher` (used once the set becomes a table) and
 * `limits` are borrowed and must outlive the set (and its copies). NULL on
 * ENOMEM (or when OBJECT_ENV_MAX other hasher/limits pairs are in use). */
struct set *set_create(const struct hashmap_hasher *hasher, const struct object_limits *limits);
/* Free the set. Accepts NULL. */
void set_destroy(struct set *s);
/* The boxed header, for object_value_from_boxed (its ops free and
 * deep-copy the set), and back. set_from_boxed asserts it is a set. */
struct object_boxed *set_boxed(struct set *s);
struct set *set_from_boxed(struct object_boxed *b);
/* A deep copy (same form), or NULL on ENOMEM. */
struct set *set_dup(const struct set *s);

/* ---- reading -------------------------------------------------------------- */

size_t set_len(const struct set *s);
/* OBJECT_ENC_INTSET while an intset, else OBJECT_ENC_HASHTABLE. */
enum object_encoding set_encoding(const struct set *s);
/* Heap bytes the set holds, as allocated (MEMORY USAGE); exact, O(1). */
size_t set_bytes(const struct set *s);
/* The table form's map, NULL for an intset. */
const struct hashmap *set_table(const struct set *s);
bool set_contains(struct set *s, const void *member, size_t len);

/* ---- writing -------------------------------------------------------------- */

/* Add a member; *added (may be NULL) says whether it was new. Converts to
 * a table first when needed. The bytes must not point into this set. */
int set_add(struct set *s, const void *member, size_t len, bool *added);
/* Remove a member; true if it was there. */
bool set_remove(struct set *s, const void *member, size_t len);

/* ---- visiting ------------------------------------------------------------- */

/* Every member once (intset: ascending). The set must not change while the
 * iterator is live; set_iter_deinit must be called. */
struct set_iter { /* private fields */
    struct set *s;
    size_t i;
    struct hashmap_iter it;
};
void set_iter_init(struct set_iter *it, struct set *s);
bool set_iter_next(struct set_iter *it, struct set_member *m);
void set_iter_deinit(struct set_iter *it);

/* SSCAN of a table: visit the next bucket(s), return the next cursor (0:
 * done), with the hashmap's guarantee. An intset is visited whole and 0
 * returned (as Redis). fn must not change s. */
typedef void (*set_scan_fn)(const struct set_member *m, void *ud);
uint64_t set_scan(struct set *s, uint64_t cursor, set_scan_fn fn, void *ud);

/* One member chosen at random (s must not be empty), every member equally
 * likely, from the caller's random source. */
void set_random(struct set *s, struct set_member *m, rng_fn rand64, void *ud);

/* ---- testing -------------------------------------------------------------- */

/* Assert the representation is well formed (counts, order). */
void set__check_invariants(const struct set *s);

#endif
