/*
 * hash.h - the hash value type (HSET and friends): a map of field -> value,
 * both binary-safe byte strings, stored as a boxed object (object.h).
 *
 * Glossary
 *   field, value  byte strings with a length; either may be empty.
 *   compact       the small form, reported as "listpack" like Redis 7.0:
 *                 one buffer of (field, value) pairs in insertion order,
 *                 searched linearly. Used while the hash has at most
 *                 hash-max-listpack-entries pairs and no field or value
 *                 longer than hash-max-listpack-value bytes (struct
 *                 object_limits, read at each write).
 *   table         the large form, reported as "hashtable": a core/hashmap
 *                 whose entries hold the field as key and the value inline
 *                 in the entry's extra region (one allocation per pair).
 *   conversion    compact -> table, once a threshold is crossed; never
 *                 back (as Redis: deleting fields keeps the table).
 *
 * Order: compact hashes list pairs in insertion order (an update keeps the
 * pair's place), exactly as a Redis listpack does, so HGETALL/HKEYS/HSCAN of
 * a small hash reply in the same order as Redis. Tables list in map order.
 *
 * Errors: actions return 0 or HASH_ENOMEM (the hash is unchanged);
 * predicates return bool; finders return a pointer or NULL.
 *
 * Ownership: the hash copies fields and values it is given. Pointers it
 * hands out (hash_get, iteration, scan, random picks) are borrowed: valid
 * until the next change to the hash.
 *
 * Thread safety: none; a hash lives in a keyspace entry and is guarded by
 * its shard's lock.
 */
#ifndef GROVE_HASH_H
#define GROVE_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"
#include "object.h"

enum {
    HASH_OK = 0,
    HASH_ENOMEM = -1,
};

struct hash;

/* One (field, value) pair, borrowed from the hash. */
struct hash_pair {
    const char *field;
    size_t flen;
    const char *value;
    size_t vlen;
};

/* ---- lifecycle ------------------------------------------------------------ */

/* An empty compact hash. `hasher` (used once the hash becomes a table)
 * and `limits` are borrowed and must outlive the hash (and its copies).
 * NULL on ENOMEM (or when OBJECT_ENV_MAX other hasher/limits pairs are in
 * use). */
struct hash *hash_create(const struct hashmap_hasher *hasher, const struct object_limits *limits);
/* Free the hash. Accepts NULL. */
void hash_destroy(struct hash *h);
/* The boxed header, for object_value_from_boxed (its ops free and
 * deep-copy the hash), and back. hash_from_boxed asserts it is a hash. */
struct object_boxed *hash_boxed(struct hash *h);
struct hash *hash_from_boxed(struct object_boxed *b);
/* A deep copy (same form), or NULL on ENOMEM. */
struct hash *hash_dup(const struct hash *h);

/* ---- reading -------------------------------------------------------------- */

size_t hash_len(const struct hash *h);
/* OBJECT_ENC_LISTPACK while compact, else OBJECT_ENC_HASHTABLE. */
enum object_encoding hash_encoding(const struct hash *h);
/* Heap bytes the hash holds, as allocated (MEMORY USAGE); exact, O(1). */
size_t hash_bytes(const struct hash *h);
/* The table form's map, NULL while compact. */
const struct hashmap *hash_table(const struct hash *h);
/* True, with the value (borrowed) in *value and *vlen, if the field is present. */
bool hash_get(struct hash *h, const void *field, size_t flen, const char **value, size_t *vlen);
bool hash_exists(struct hash *h, const void *field, size_t flen);

/* ---- writing -------------------------------------------------------------- */

/* Redis's hashTypeTryConversion for one argument: a compact hash becomes a
 * table if len > hash-max-listpack-value (HSET checks every argument before
 * writing; HSETNX only for a new field). */
int hash_note_length(struct hash *h, size_t len);
/* Insert or replace. *created (may be NULL) says whether the field is new.
 * Converts to a table when a length or the size crosses a threshold. The
 * bytes must not point into this hash. */
int hash_set(struct hash *h, const void *field, size_t flen, const void *value, size_t vlen,
             bool *created);
/* Remove the field; true if it was there. */
bool hash_delete(struct hash *h, const void *field, size_t flen);

/* ---- visiting ------------------------------------------------------------- */

/* Every pair once (compact: insertion order). The hash must not change
 * while the iterator is live; hash_iter_deinit must be called. */
struct hash_iter { /* private fields */
    struct hash *h;
    const unsigned char *at; /* compact: the next pair */
    size_t left;             /* compact: pairs still to come */
    struct hashmap_iter it;
};
void hash_iter_init(struct hash_iter *it, struct hash *h);
bool hash_iter_next(struct hash_iter *it, struct hash_pair *pair);
void hash_iter_deinit(struct hash_iter *it);

/* HSCAN of a table: visit the next bucket(s) and return the next cursor
 * (0: done), with the hashmap's guarantee (every pair present for the
 * whole scan is seen at least once). A compact hash is visited whole and
 * 0 returned (Redis replies a listpack in one go). fn must not change h. */
typedef void (*hash_scan_fn)(const struct hash_pair *pair, void *ud);
uint64_t hash_scan(struct hash *h, uint64_t cursor, hash_scan_fn fn, void *ud);

/* One pair chosen at random (h must not be empty), every pair equally
 * likely, from the caller's random source. */
void hash_random(struct hash *h, struct hash_pair *pair, rng_fn rand64, void *ud);

/* ---- testing -------------------------------------------------------------- */

/* Assert the representation is well formed (counts, lengths). */
void hash__check_invariants(const struct hash *h);

#endif
