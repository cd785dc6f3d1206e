/*
 * list.h - the list value type (LPUSH and friends): a sequence of
 * binary-safe byte strings, stored as a boxed object (object.h).
 *
 * Glossary
 *   element   a byte string with a length (may be empty), held in its own
 *             allocation (struct list_elem).
 *   head      index 0, the LEFT end; tail, index len-1, the RIGHT end.
 *   ring      the representation: a power-of-two array of element
 *             pointers used as a circular deque (first slot + count).
 *   encoding  what OBJECT ENCODING reports. Redis 7.0 reports "quicklist"
 *             for every list (the listpack list encoding arrived in 7.2),
 *             so list_encoding() is always OBJECT_ENC_QUICKLIST.
 *
 * Complexity: push and pop at either end O(1) amortised; reading an index
 * O(1); insert or remove at an index O(min(i, len - i)); LREM/LTRIM style
 * bulk removal O(n).
 *
 * Errors: actions return 0 or LIST_ENOMEM (the list is unchanged);
 * predicates return bool.
 *
 * Ownership: the list copies the bytes it is given, except
 * list_push_elem which takes an element (as list_pop hands one out).
 * Pointers it hands out (list_get) are borrowed: valid until the next
 * change to the list.
 *
 * Thread safety: none; a list lives in a keyspace entry and is guarded by
 * its shard's lock.
 */
#ifndef GROVE_LIST_H
#define GROVE_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "object.h"

enum {
    LIST_OK = 0,
    LIST_ENOMEM = -1,
};

enum list_where {
    LIST_HEAD = 0, /* LEFT */
    LIST_TAIL = 1, /* RIGHT */
};

struct list;

/* One element: owned by the list, or by the caller after list_pop. Free a
 * caller-owned one with list_elem_free. */
struct list_elem {
    size_t len;
    char data[];
};

/* ---- lifecycle ------------------------------------------------------------ */

/* An empty list; NULL on ENOMEM. */
struct list *list_create(void);
/* Free the list and its elements. Accepts NULL. */
void list_destroy(struct list *l);
/* The boxed header, for object_value_from_boxed (its ops free and
 * deep-copy the list), and back. list_from_boxed asserts it is a list. */
struct object_boxed *list_boxed(struct list *l);
struct list *list_from_boxed(struct object_boxed *b);
/* A deep copy, or NULL on ENOMEM. */
struct list *list_dup(const struct list *l);

/* A new element holding a copy of the bytes; NULL on ENOMEM. */
struct list_elem *list_elem_new(const void *bytes, size_t len);
/* Accepts NULL. */
void list_elem_free(struct list_elem *e);

/* ---- reading -------------------------------------------------------------- */

size_t list_len(const struct list *l);
/* Always OBJECT_ENC_QUICKLIST (Redis 7.0). */
enum object_encoding list_encoding(const struct list *l);
/* Heap bytes the list holds, as allocated (MEMORY USAGE): the ring exactly,
 * the elements estimated from the first `samples` (all when 0), as Redis
 * samples. O(samples). */
size_t list_bytes(const struct list *l, size_t samples);
/* The element at index i (0 <= i < len), borrowed. */
const struct list_elem *list_get(const struct list *l, size_t i);

/* ---- writing -------------------------------------------------------------- */

/* Make room for `n` more elements, so the next n pushes or inserts cannot
 * fail. */
int list_reserve(struct list *l, size_t n);
/* Push a copy of the bytes at one end. */
int list_push(struct list *l, enum list_where where, const void *bytes, size_t len);
/* Push an element (ownership passes to the list on success only). */
int list_push_elem(struct list *l, enum list_where where, struct list_elem *e);
/* Take the element at one end (the list must not be empty); the caller
 * owns it. */
struct list_elem *list_pop(struct list *l, enum list_where where);
/* Replace the element at i (0 <= i < len) with a copy of the bytes. */
int list_set(struct list *l, size_t i, const void *bytes, size_t len);
/* Insert a copy of the bytes so that it becomes index i (0 <= i <= len). */
int list_insert(struct list *l, size_t i, const void *bytes, size_t len);
/* LREM: remove elements equal to the bytes, at most |count| of them
 * (0: all), from the head when count >= 0, else from the tail. Returns
 * how many were removed. Never fails. */
size_t list_remove_matching(struct list *l, const void *bytes, size_t len, long long count);
/* LTRIM: keep only indexes [start, start + n) (start + n <= len). Never
 * fails. */
void list_keep_range(struct list *l, size_t start, size_t n);

/* ---- testing -------------------------------------------------------------- */

/* Assert the representation is well formed. */
void list__check_invariants(const struct list *l);

#endif
