/*
 * list.c - the list value type: a ring-buffer deque of element pointers.
 *
 * What
 *   The value behind LPUSH, LRANGE, LMOVE... A `struct list` starts with
 *   `struct object_boxed`, so a keyspace entry holds it by pointer and
 *   frees or deep-copies it (COPY) through the ops below.
 *
 * Design
 *   A circular array of `struct list_elem *` whose capacity is a power of
 *   two; logical index i lives in slot (first + i) & (cap - 1):
 *
 *       slots:  [ e2 | e3 | -- | -- | -- | e0 | e1 ]
 *                               first ---^
 *
 *   Each element is one allocation (length + bytes). Pushing or popping at
 *   either end moves `first` or `count`; the array doubles when full and
 *   halves when a quarter full (never below LIST_MIN_CAP), so both ends
 *   are O(1) amortised and memory follows the size. An insert or removal
 *   at an index shifts the shorter side. Bulk removal (LREM) marks the
 *   victims and compacts once: O(n).
 *
 *   Redis 7.0 keeps lists in a quicklist (a linked list of listpacks) and
 *   reports "quicklist" for every list; this layout trades its memory
 *   density for simplicity, with the same complexities at the ends and
 *   better ones for indexes.
 *
 * Thread safety: none (the shard lock guards the key holding the list).
 */
#include "list.h"

#include <assert.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LIST_MIN_CAP 8

struct list {
    struct object_boxed boxed; /* first: the keyspace holds &boxed */
    struct list_elem **slots;
    size_t cap;   /* 0 or a power of two >= LIST_MIN_CAP */
    size_t first; /* slot of index 0 */
    size_t count;
};

static void boxed_free_cb(struct object_boxed *b);
static struct object_boxed *boxed_dup_cb(const struct object_boxed *b);

static const struct object_boxed_ops list_ops = {
    .free_cb = boxed_free_cb,
    .dup_cb = boxed_dup_cb,
};

/* ==== the ring ================================================================ */

static struct list_elem **at(const struct list *l, size_t i)
{
    return &l->slots[(l->first + i) & (l->cap - 1)];
}

/* Move the elements into a new array of `cap` slots, index 0 in slot 0. */
static int resize(struct list *l, size_t cap)
{
    struct list_elem **slots = malloc(cap * sizeof(*slots));
    if (slots == NULL)
        return LIST_ENOMEM;
    for (size_t i = 0; i < l->count; i++)
        slots[i] = *at(l, i);
    free(l->slots);
    l->slots = slots;
    l->cap = cap;
    l->first = 0;
    return LIST_OK;
}

/* After a removal: halve while a quarter full (a failed shrink is fine). */
static void maybe_shrink(struct list *l)
{
    if (l->count == 0) {
        free(l->slots);
        l->slots = NULL;
        l->cap = l->first = 0;
        return;
    }
    size_t cap = l->cap;
    while (cap > LIST_MIN_CAP && l->count <= cap / 4)
        cap /= 2;
    if (cap != l->cap)
        (void)resize(l, cap);
}

int list_reserve(struct list *l, size_t n)
{
    if (n > SIZE_MAX / 2 - l->count)
        return LIST_ENOMEM;
    size_t need = l->count + n;
    if (need <= l->cap)
        return LIST_OK;
    size_t cap = l->cap ? l->cap : LIST_MIN_CAP;
    while (cap < need)
        cap *= 2;
    if (cap > SIZE_MAX / sizeof(struct list_elem *))
        return LIST_ENOMEM;
    return resize(l, cap);
}

/* ==== elements ================================================================ */

struct list_elem *list_elem_new(const void *bytes, size_t len)
{
    if (len > SIZE_MAX - sizeof(struct list_elem))
        return NULL;
    struct list_elem *e = malloc(sizeof(*e) + len);
    if (e == NULL)
        return NULL;
    e->len = len;
    if (len)
        memcpy(e->data, bytes, len);
    return e;
}

void list_elem_free(struct list_elem *e)
{
    free(e);
}

/* ==== lifecycle =============================================================== */

struct list *list_create(void)
{
    struct list *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return NULL;
    l->boxed.ops = &list_ops;
    return l;
}

void list_destroy(struct list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(*at(l, i));
    free(l->slots);
    free(l);
}

struct object_boxed *list_boxed(struct list *l)
{
    return &l->boxed;
}

struct list *list_from_boxed(struct object_boxed *b)
{
    assert(b->ops == &list_ops);
    return (struct list *)b;
}

struct list *list_dup(const struct list *l)
{
    struct list *copy = list_create();
    if (copy == NULL || list_reserve(copy, l->count) < 0)
        goto fail;
    for (size_t i = 0; i < l->count; i++) {
        const struct list_elem *e = *at(l, i);
        if (list_push(copy, LIST_TAIL, e->data, e->len) < 0)
            goto fail;
    }
    return copy;
fail:
    list_destroy(copy);
    return NULL;
}

static void boxed_free_cb(struct object_boxed *b)
{
    list_destroy(list_from_boxed(b));
}

static struct object_boxed *boxed_dup_cb(const struct object_boxed *b)
{
    struct list *copy = list_dup((const struct list *)b);
    return copy ? &copy->boxed : NULL;
}

/* ==== reading ================================================================= */

size_t list_len(const struct list *l)
{
    return l->count;
}

enum object_encoding list_encoding(const struct list *l)
{
    (void)l;
    return OBJECT_ENC_QUICKLIST;
}

size_t list_bytes(const struct list *l, size_t samples)
{
    size_t n = samples && samples < l->count ? samples : l->count, elems = 0;
    for (size_t i = 0; i < n; i++)
        elems += malloc_usable_size(*at(l, i));
    size_t ring = malloc_usable_size((void *)l) + (l->slots ? malloc_usable_size(l->slots) : 0);
    return ring + (n ? (size_t)((double)elems / (double)n * (double)l->count) : 0);
}

const struct list_elem *list_get(const struct list *l, size_t i)
{
    assert(i < l->count);
    return *at(l, i);
}

/* ==== writing ================================================================= */

int list_push_elem(struct list *l, enum list_where where, struct list_elem *e)
{
    if (list_reserve(l, 1) < 0)
        return LIST_ENOMEM;
    if (where == LIST_HEAD) {
        l->first = (l->first - 1) & (l->cap - 1);
        l->count++;
        *at(l, 0) = e;
    } else {
        l->count++;
        *at(l, l->count - 1) = e;
    }
    return LIST_OK;
}

int list_push(struct list *l, enum list_where where, const void *bytes, size_t len)
{
    if (list_reserve(l, 1) < 0)
        return LIST_ENOMEM;
    struct list_elem *e = list_elem_new(bytes, len);
    if (e == NULL)
        return LIST_ENOMEM;
    return list_push_elem(l, where, e); /* cannot fail: reserved */
}

struct list_elem *list_pop(struct list *l, enum list_where where)
{
    assert(l->count > 0);
    struct list_elem *e;
    if (where == LIST_HEAD) {
        e = *at(l, 0);
        l->first = (l->first + 1) & (l->cap - 1);
    } else {
        e = *at(l, l->count - 1);
    }
    l->count--;
    maybe_shrink(l);
    return e;
}

int list_set(struct list *l, size_t i, const void *bytes, size_t len)
{
    assert(i < l->count);
    struct list_elem *e = list_elem_new(bytes, len);
    if (e == NULL)
        return LIST_ENOMEM;
    free(*at(l, i));
    *at(l, i) = e;
    return LIST_OK;
}

int list_insert(struct list *l, size_t i, const void *bytes, size_t len)
{
    assert(i <= l->count);
    if (list_reserve(l, 1) < 0)
        return LIST_ENOMEM;
    struct list_elem *e = list_elem_new(bytes, len);
    if (e == NULL)
        return LIST_ENOMEM;
    if (i < l->count / 2) {
        /* Shift indexes [0, i) one slot towards the front. */
        l->first = (l->first - 1) & (l->cap - 1);
        l->count++;
        for (size_t k = 0; k < i; k++)
            *at(l, k) = *at(l, k + 1);
    } else {
        /* Shift indexes [i, count) one slot towards the back. */
        l->count++;
        for (size_t k = l->count - 1; k > i; k--)
            *at(l, k) = *at(l, k - 1);
    }
    *at(l, i) = e;
    return LIST_OK;
}

/* Drop the NULL slots, keeping order. */
static void compact(struct list *l)
{
    size_t w = 0;
    for (size_t r = 0; r < l->count; r++) {
        struct list_elem *e = *at(l, r);
        if (e != NULL)
            *at(l, w++) = e;
    }
    l->count = w;
    maybe_shrink(l);
}

size_t list_remove_matching(struct list *l, const void *bytes, size_t len, long long count)
{
    size_t limit = count == 0 ? SIZE_MAX
                   : count > 0 ? (size_t)count
                               : (size_t)0 - (size_t)count; /* |LLONG_MIN| too */
    size_t removed = 0, n = l->count;
    for (size_t k = 0; k < n && removed < limit; k++) {
        size_t i = count >= 0 ? k : n - 1 - k;
        struct list_elem **slot = at(l, i);
        if ((*slot)->len == len && (len == 0 || memcmp((*slot)->data, bytes, len) == 0)) {
            free(*slot);
            *slot = NULL;
            removed++;
        }
    }
    if (removed)
        compact(l);
    return removed;
}

void list_keep_range(struct list *l, size_t start, size_t n)
{
    assert(start <= l->count && n <= l->count - start);
    for (size_t i = 0; i < start; i++)
        free(*at(l, i));
    for (size_t i = start + n; i < l->count; i++)
        free(*at(l, i));
    if (l->cap)
        l->first = (l->first + start) & (l->cap - 1);
    l->count = n;
    maybe_shrink(l);
}

/* ==== testing ================================================================= */

void list__check_invariants(const struct list *l)
{
    assert(l->boxed.ops == &list_ops);
    if (l->cap == 0) {
        assert(l->slots == NULL && l->count == 0 && l->first == 0);
        return;
    }
    assert((l->cap & (l->cap - 1)) == 0 && l->cap >= LIST_MIN_CAP);
    assert(l->count <= l->cap && l->first < l->cap);
    for (size_t i = 0; i < l->count; i++)
        assert(*at(l, i) != NULL);
}
