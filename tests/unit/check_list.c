/*
 * check_list.c - the list value type (core/list.c): pushes and pops at
 * both ends, indexes, iterators, set, insert, LREM-style removal, range
 * keeping and moves, against a simple array-of-strings model (walked
 * both ways, elements sharing prefixes, empty, either side of
 * FRONTPACK_SHORT), for every value of list-max-listpack-size; node
 * splits and merges at the bounds; nodes rebuilt as listpacks (small
 * integers compact); the boxed ops (free, deep copy);
 * list-compress-depth: which nodes are LZF-packed around the depth,
 * every operation on packed nodes, the model again at depths 1 to 3.
 */
#include <check.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"
#include "lzf.h"

static struct object_limits limits = OBJECT_LIMITS_DEFAULT;

static struct list *make(void)
{
    struct list *l = list_create(&limits);
    ck_assert_ptr_nonnull(l);
    return l;
}

/* A list made under list-max-listpack-size `fill` (read at creation). */
static struct list *make_with_fill(long long fill)
{
    struct object_limits lim = OBJECT_LIMITS_DEFAULT;
    lim.list_max_listpack_size = fill;
    struct list *l = list_create(&lim);
    ck_assert_ptr_nonnull(l);
    return l;
}

static void push(struct list *l, enum list_where w, const char *s)
{
    ck_assert_int_eq(list_push(l, w, s, strlen(s)), LIST_OK);
    list__check_invariants(l);
}

static void entry_is(const struct list_entry *e, const char *want, size_t len)
{
    ck_assert_uint_eq(e->len, len);
    ck_assert(len == 0 || memcmp(e->ptr, want, len) == 0);
}

/* The list holds exactly these strings, in order: by index, and walked
 * both ways. */
static void expect(const struct list *l, size_t n, const char *const *want)
{
    struct list_entry e;
    struct list_iter it;
    list__check_invariants(l);
    ck_assert_uint_eq(list_len(l), n);
    for (size_t i = 0; i < n; i++) {
        list_get(l, i, &e);
        entry_is(&e, want[i], strlen(want[i]));
    }
    list_iter_init(&it, l, 0, false);
    for (size_t i = 0; i < n; i++) {
        ck_assert(list_iter_next(&it, &e));
        entry_is(&e, want[i], strlen(want[i]));
    }
    ck_assert(!list_iter_next(&it, &e));
    list_iter_init(&it, l, n ? n - 1 : 0, true);
    for (size_t i = n; i-- > 0;) {
        ck_assert(list_iter_next(&it, &e));
        entry_is(&e, want[i], strlen(want[i]));
    }
    ck_assert(!list_iter_next(&it, &e));
}
#define EXPECT(l, ...)                                                                          \
    do {                                                                                        \
        const char *const want_[] = {__VA_ARGS__};                                              \
        expect(l, sizeof(want_) / sizeof(want_[0]), want_);                                     \
    } while (0)

static void pop_expect(struct list *l, enum list_where w, const char *want)
{
    struct list_entry e;
    list_peek(l, w, &e);
    entry_is(&e, want, strlen(want));
    list_pop(l, w);
    list__check_invariants(l);
}

/* Each node's element count, in order, as a string "4 4 2". */
static void expect_nodes(const struct list *l, const char *want)
{
    char got[256] = "";
    size_t at = 0;
    for (size_t i = 0; i < list_node_count(l); i++) {
        size_t bytes, count;
        list_node_entries(l, i, &bytes, &count);
        at += (size_t)snprintf(got + at, sizeof(got) - at, "%s%zu", i ? " " : "", count);
    }
    ck_assert_str_eq(got, want);
}

START_TEST(push_and_pop_both_ends)
{
    struct list *l = make();
    ck_assert_uint_eq(list_len(l), 0);
    ck_assert_int_eq(list_encoding(l), OBJECT_ENC_QUICKLIST);
    push(l, LIST_TAIL, "b");
    push(l, LIST_HEAD, "a");
    push(l, LIST_TAIL, "c");
    EXPECT(l, "a", "b", "c");
    pop_expect(l, LIST_HEAD, "a");
    pop_expect(l, LIST_TAIL, "c");
    pop_expect(l, LIST_TAIL, "b");
    ck_assert_uint_eq(list_len(l), 0);
    list__check_invariants(l);
    push(l, LIST_HEAD, "");
    EXPECT(l, "");
    list_destroy(l);
}
END_TEST

START_TEST(destroy_accepts_null)
{
    list_destroy(NULL);
}
END_TEST

/* ==== the model ================================================================ */

/* The reference: an array of malloc'd strings. */
struct model {
    char **v;
    size_t n, cap;
};

static void model_insert(struct model *m, size_t at, const char *s, size_t len)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->v = realloc(m->v, m->cap * sizeof(*m->v));
    }
    memmove(m->v + at + 1, m->v + at, (m->n - at) * sizeof(*m->v));
    m->v[at] = strndup(s, len);
    m->n++;
}

static void model_delete(struct model *m, size_t at)
{
    free(m->v[at]);
    memmove(m->v + at, m->v + at + 1, (m->n - at - 1) * sizeof(*m->v));
    m->n--;
}

static void model_free(struct model *m)
{
    while (m->n)
        model_delete(m, m->n - 1);
    free(m->v);
}

static size_t model_remove(struct model *m, const char *s, long long count)
{
    size_t removed = 0, limit = count == 0 ? SIZE_MAX : (size_t)(count < 0 ? -count : count);
    if (count >= 0) {
        for (size_t i = 0; i < m->n && removed < limit;) {
            if (strcmp(m->v[i], s) == 0) {
                model_delete(m, i);
                removed++;
            } else {
                i++;
            }
        }
        return removed;
    }
    for (size_t i = m->n; i-- > 0 && removed < limit;) {
        if (strcmp(m->v[i], s) == 0) {
            model_delete(m, i);
            removed++;
        }
    }
    return removed;
}

static unsigned rnd(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

/* An element: mostly short strings and integers (a few of which repeat,
 * for LREM), ids and URLs that share prefixes (front coding), some of
 * them either side of FRONTPACK_SHORT bytes, empty ones, now and then one
 * of hundreds or thousands of bytes, so that nodes fill by bytes as well
 * as by count. */
static size_t random_elem(unsigned *seed, char *buf, size_t cap)
{
    unsigned kind = rnd(seed) % 20, v = rnd(seed) % 50;
    if (kind < 5)
        return (size_t)snprintf(buf, cap, "%d", (int)v - 10);
    if (kind < 6)
        return (size_t)snprintf(buf, cap, "%u", rnd(seed) * 1000003u);
    if (kind < 10)
        return (size_t)snprintf(buf, cap, "e:%u", v);
    if (kind < 13)
        return (size_t)snprintf(buf, cap, "user:%08u", 1000 + rnd(seed) % 300);
    if (kind < 14)
        return (size_t)(buf[0] = '\0');
    if (kind < 17) { /* 50..79 bytes: short or not by a few */
        size_t n = (size_t)snprintf(buf, cap, "https://example.com/items/%u/", v);
        size_t len = 50 + rnd(seed) % 30;
        memset(buf + n, 'q', len - n);
        buf[len] = '\0';
        return len;
    }
    size_t len = kind < 19 ? 100 + rnd(seed) % 300 : 1000 + rnd(seed) % 5000;
    len = len < cap - 1 ? len : cap - 1;
    memset(buf, 'a' + (int)(v % 26), len);
    buf[len] = '\0';
    return len;
}

static const size_t level_bytes[] = {4096, 8192, 16384, 32768, 65536};

/* Every node of two elements or more is within list-max-listpack-size. */
static void check_bounds(const struct list *l, long long fill)
{
    fill = fill > 32767 ? 32767 : fill < -5 ? -5 : fill;
    for (size_t i = 0; i < list_node_count(l); i++) {
        size_t bytes, count;
        list_node_entries(l, i, &bytes, &count);
        if (count == 1)
            continue;
        if (fill < 0) {
            ck_assert_uint_le(bytes + 7, level_bytes[-fill - 1]);
        } else {
            ck_assert_uint_le(bytes + 7, 8192);
            ck_assert_uint_le(count, (size_t)fill);
        }
    }
}

/* The list holds the model's strings: walked forwards, backwards from a
 * random index, and read at a few random indexes. */
static void check_model(const struct list *l, const struct model *m, unsigned *seed)
{
    struct list_entry e;
    struct list_iter it;
    list__check_invariants(l);
    ck_assert_uint_eq(list_len(l), m->n);
    list_iter_init(&it, l, 0, false);
    for (size_t i = 0; i < m->n; i++) {
        ck_assert(list_iter_next(&it, &e));
        entry_is(&e, m->v[i], strlen(m->v[i]));
    }
    ck_assert(!list_iter_next(&it, &e));
    if (m->n == 0)
        return;
    size_t start = rnd(seed) % m->n;
    list_iter_init(&it, l, start, true);
    for (size_t i = start + 1; i-- > 0;) {
        ck_assert(list_iter_next(&it, &e));
        entry_is(&e, m->v[i], strlen(m->v[i]));
    }
    ck_assert(!list_iter_next(&it, &e));
    for (int k = 0; k < 8; k++) {
        size_t i = rnd(seed) % m->n;
        list_get(l, i, &e);
        entry_is(&e, m->v[i], strlen(m->v[i]));
    }
}

/* One random operation on both the list and the model; LINSERT and LSET
 * only `inside` (they may grow a node past the bound, as in Redis 7.0). */
static void random_op(struct list *l, struct model *m, unsigned *seed, bool inside)
{
    static char buf[6144];
    struct list_entry e;
    size_t len = random_elem(seed, buf, sizeof(buf));
    unsigned op = rnd(seed) % 12;
    if (m->n == 0 || op < 4) {
        enum list_where w = op & 1 ? LIST_TAIL : LIST_HEAD;
        ck_assert_int_eq(list_push(l, w, buf, len), LIST_OK);
        model_insert(m, w == LIST_HEAD ? 0 : m->n, buf, len);
    } else if (op < 6) {
        enum list_where w = op & 1 ? LIST_TAIL : LIST_HEAD;
        size_t at = w == LIST_HEAD ? 0 : m->n - 1;
        list_peek(l, w, &e);
        entry_is(&e, m->v[at], strlen(m->v[at]));
        list_pop(l, w);
        model_delete(m, at);
    } else if (op < 8 && inside) {
        size_t pivot = rnd(seed) % m->n;
        bool after = rnd(seed) & 1;
        ck_assert_int_eq(list_insert(l, pivot, after, buf, len), LIST_OK);
        model_insert(m, after ? pivot + 1 : pivot, buf, len);
    } else if (op < 9 && inside) {
        size_t at = rnd(seed) % m->n;
        ck_assert_int_eq(list_set(l, at, buf, len), LIST_OK);
        free(m->v[at]);
        m->v[at] = strndup(buf, len);
    } else if (op < 10) {
        size_t at = rnd(seed) % m->n;
        list_get(l, at, &e);
        entry_is(&e, m->v[at], strlen(m->v[at]));
        char *target = strdup(m->v[rnd(seed) % m->n]);
        long long count = (long long)(rnd(seed) % 5) - 2;
        size_t want = model_remove(m, target, count);
        ck_assert_uint_eq(list_remove_matching(l, target, strlen(target), count), want);
        free(target);
    } else if (op < 11 && rnd(seed) % 8 == 0) {
        size_t start = rnd(seed) % m->n, n = rnd(seed) % (m->n - start + 1);
        list_keep_range(l, start, n);
        while (m->n > start + n)
            model_delete(m, m->n - 1);
        for (size_t i = 0; i < start; i++)
            model_delete(m, 0);
    } else {
        enum list_where from = rnd(seed) & 1 ? LIST_TAIL : LIST_HEAD;
        enum list_where to = rnd(seed) & 1 ? LIST_TAIL : LIST_HEAD;
        ck_assert_int_eq(list_move(l, from, l, to), LIST_OK);
        if (from != to) {
            char *x = strdup(m->v[from == LIST_HEAD ? 0 : m->n - 1]);
            model_delete(m, from == LIST_HEAD ? 0 : m->n - 1);
            model_insert(m, to == LIST_HEAD ? 0 : m->n, x, strlen(x));
            free(x);
        }
    }
}

/* Random operations against the model under one list-max-listpack-size,
 * the list kept below a few thousand elements: the first half at the
 * ends, LREM, LTRIM and moves only, every node checked against the bound;
 * then LINSERT and LSET too. */
static void run_model_at(long long fill, long long depth, unsigned seed, int steps)
{
    struct object_limits lim = OBJECT_LIMITS_DEFAULT;
    lim.list_max_listpack_size = fill;
    lim.list_compress_depth = depth;
    struct list *l = list_create(&lim);
    ck_assert_ptr_nonnull(l);
    struct model m = {0};
    for (int step = 0; step < steps; step++) {
        bool inside = step >= steps / 2;
        random_op(l, &m, &seed, inside);
        if (m.n > 3000) {
            list_keep_range(l, 0, 1000);
            while (m.n > 1000)
                model_delete(&m, m.n - 1);
        }
        if (step % 16 == 0 || step == steps - 1) {
            check_model(l, &m, &seed);
            if (!inside)
                check_bounds(l, fill);
        }
    }
    struct list *copy = list_dup(l);
    check_model(copy, &m, &seed);
    list_destroy(copy);
    list_destroy(l);
    model_free(&m);
}

static void run_model(long long fill, unsigned seed, int steps)
{
    run_model_at(fill, 0, seed, steps);
}

static const long long fills[] = {-6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 16, 128, 40000};

START_TEST(matches_the_model_for_every_fill)
{
    long long fill = fills[_i];
    run_model(fill, 1000u + (unsigned)_i, fill >= 0 && fill < 4 ? 3000 : 6000);
}
END_TEST

/* As in Redis, a list keeps the list-max-listpack-size it was created
 * with: CONFIG SET applies to new lists. */
START_TEST(fill_is_fixed_when_created)
{
    struct object_limits lim = OBJECT_LIMITS_DEFAULT;
    lim.list_max_listpack_size = 2;
    struct list *l = list_create(&lim);
    lim.list_max_listpack_size = -2;
    for (int i = 0; i < 5; i++)
        push(l, LIST_TAIL, "x");
    expect_nodes(l, "2 2 1");
    struct list *copy = list_dup(l);
    push(copy, LIST_TAIL, "y");
    expect_nodes(copy, "2 2 2");
    list_destroy(copy);
    list_destroy(l);
}
END_TEST

START_TEST(insert_before_and_after_a_pivot)
{
    struct list *l = make();
    push(l, LIST_TAIL, "b");
    push(l, LIST_TAIL, "d");
    ck_assert_int_eq(list_insert(l, 0, false, "a", 1), LIST_OK);
    ck_assert_int_eq(list_insert(l, 2, true, "e", 1), LIST_OK);
    ck_assert_int_eq(list_insert(l, 1, true, "c", 1), LIST_OK);
    EXPECT(l, "a", "b", "c", "d", "e");
    ck_assert_int_eq(list_insert(l, 1, false, "ab", 2), LIST_OK);
    ck_assert_int_eq(list_insert(l, 4, true, "de", 2), LIST_OK);
    EXPECT(l, "a", "ab", "b", "c", "d", "de", "e");
    ck_assert_int_eq(list_set(l, 6, "E", 1), LIST_OK);
    ck_assert_int_eq(list_set(l, 0, "", 0), LIST_OK);
    EXPECT(l, "", "ab", "b", "c", "d", "de", "E");
    list_destroy(l);
}
END_TEST

/* DEBUG QUICKLIST-PACKED-THRESHOLD: elements at least that long live
 * alone in their node however they arrive (pushed, inserted between two
 * others, set), and small ones never join them. */
START_TEST(large_elements_live_alone)
{
    ck_assert(list_set_large_threshold(5));
    struct list *l = make();
    push(l, LIST_TAIL, "a");
    push(l, LIST_TAIL, "b");
    push(l, LIST_TAIL, "large"); /* 5 bytes: large */
    push(l, LIST_TAIL, "c");
    ck_assert_uint_eq(list_node_count(l), 3); /* [a b] [large] [c] */
    ck_assert_int_eq(list_insert(l, 0, true, "LARGE", 5), LIST_OK);
    EXPECT(l, "a", "LARGE", "b", "large", "c");
    ck_assert_uint_eq(list_node_count(l), 5); /* [a] [LARGE] [b] [large] [c] */
    ck_assert_int_eq(list_set(l, 1, "x", 1), LIST_OK); /* small again, in place */
    ck_assert_int_eq(list_set(l, 4, "bigger", 6), LIST_OK);
    EXPECT(l, "a", "x", "b", "large", "bigger");
    list_destroy(l);

    l = make();
    push(l, LIST_TAIL, "a");
    push(l, LIST_TAIL, "b");
    push(l, LIST_TAIL, "c");
    ck_assert_int_eq(list_set(l, 1, "large", 5), LIST_OK); /* out of the shared node */
    EXPECT(l, "a", "large", "c");
    ck_assert_uint_eq(list_node_count(l), 3);
    list_destroy(l);

    ck_assert(!list_set_large_threshold(1ull << 32));
    ck_assert(list_set_large_threshold(0)); /* back to 1 GB */
    l = make();
    push(l, LIST_TAIL, "large");
    push(l, LIST_TAIL, "LARGE");
    ck_assert_uint_eq(list_node_count(l), 1);
    list_destroy(l);
}
END_TEST

START_TEST(remove_matching_counts_and_directions)
{
    struct list *l = make();
    const char *items[] = {"x", "a", "x", "b", "x", "c", "x"};
    for (size_t i = 0; i < 7; i++)
        push(l, LIST_TAIL, items[i]);
    ck_assert_uint_eq(list_remove_matching(l, "x", 1, 1), 1);
    EXPECT(l, "a", "x", "b", "x", "c", "x");
    ck_assert_uint_eq(list_remove_matching(l, "x", 1, -2), 2);
    EXPECT(l, "a", "x", "b", "c");
    ck_assert_uint_eq(list_remove_matching(l, "nope", 4, 0), 0);
    ck_assert_uint_eq(list_remove_matching(l, "x", 1, 100), 1);
    EXPECT(l, "a", "b", "c");
    ck_assert_uint_eq(list_remove_matching(l, "a", 1, LLONG_MIN), 1);
    ck_assert_uint_eq(list_remove_matching(l, "b", 1, 0), 1);
    ck_assert_uint_eq(list_remove_matching(l, "c", 1, 0), 1);
    ck_assert_uint_eq(list_len(l), 0);
    list__check_invariants(l);
    list_destroy(l);
}
END_TEST

START_TEST(keep_range_trims_both_ends)
{
    struct list *l = make();
    for (int i = 9; i >= 0; i--) {
        char b[4];
        snprintf(b, sizeof(b), "%d", i);
        push(l, LIST_HEAD, b);
    }
    list_keep_range(l, 2, 5);
    EXPECT(l, "2", "3", "4", "5", "6");
    list_keep_range(l, 0, 5);
    EXPECT(l, "2", "3", "4", "5", "6");
    list_keep_range(l, 4, 1);
    EXPECT(l, "6");
    list_keep_range(l, 0, 0);
    ck_assert_uint_eq(list_len(l), 0);
    ck_assert_uint_eq(list_node_count(l), 0);
    list__check_invariants(l);
    list_destroy(l);
}
END_TEST

START_TEST(large_list_grows_and_shrinks)
{
    struct list *l = make();
    for (int i = 0; i < 100000; i++)
        ck_assert_int_eq(list_push(l, (i & 1) ? LIST_HEAD : LIST_TAIL, "v", 1), LIST_OK);
    list__check_invariants(l);
    ck_assert_uint_eq(list_node_count(l), 37); /* 300,000 bytes of entries in 8 KB nodes */
    for (int i = 0; i < 99990; i++)
        list_pop(l, (i & 1) ? LIST_TAIL : LIST_HEAD);
    list__check_invariants(l);
    ck_assert_uint_eq(list_len(l), 10);
    ck_assert_uint_le(list_node_count(l), 2);
    list_destroy(l);
}
END_TEST

START_TEST(move_between_lists_and_within_one)
{
    struct list *a = make(), *b = make();
    push(a, LIST_TAIL, "one");
    push(a, LIST_TAIL, "two");
    push(a, LIST_TAIL, "3");
    ck_assert_int_eq(list_move(a, LIST_TAIL, b, LIST_HEAD), LIST_OK);
    EXPECT(a, "one", "two");
    EXPECT(b, "3");
    ck_assert_int_eq(list_move(a, LIST_HEAD, a, LIST_TAIL), LIST_OK);
    EXPECT(a, "two", "one");
    ck_assert_int_eq(list_move(a, LIST_TAIL, a, LIST_TAIL), LIST_OK);
    EXPECT(a, "two", "one");
    ck_assert_int_eq(list_move(a, LIST_TAIL, a, LIST_HEAD), LIST_OK);
    EXPECT(a, "one", "two");
    list_destroy(a);
    list_destroy(b);
}
END_TEST

/* ==== nodes ==================================================================== */

/* Small integers take an entry of 2 or 3 bytes, strings their length plus
 * 2, as in a Redis listpack. */
START_TEST(entries_are_packed_as_listpack)
{
    struct list *l = make();
    push(l, LIST_TAIL, "5");
    push(l, LIST_TAIL, "-4096");
    push(l, LIST_TAIL, "hello");
    push(l, LIST_TAIL, "007"); /* not canonical: a string */
    size_t bytes, count;
    const unsigned char *p = list_node_entries(l, 0, &bytes, &count);
    ck_assert_uint_eq(count, 4);
    ck_assert_uint_eq(bytes, 2 + 3 + 7 + 5);
    const unsigned char want[] = {0x05, 0x01, 0xD0, 0x00, 0x02, 0x85, 'h', 'e', 'l', 'l', 'o', 0x06,
                                  0x83, '0', '0', '7', 0x04};
    ck_assert_mem_eq(p, want, sizeof(want));
    EXPECT(l, "5", "-4096", "hello", "007");
    list_destroy(l);
}
END_TEST

/* fill -1 (4 KB): 100-byte elements (103-byte entries) fill a node at 39,
 * as Redis's _quicklistNodeAllowInsert counts: 7 + 38 * 103 + 100 + 8 <=
 * 4096 < 7 + 39 * 103 + 100 + 8. */
START_TEST(byte_bound_cuts_nodes_at_redis_sizes)
{
    struct list *l = make_with_fill(-1);
    char big[100];
    memset(big, 'x', sizeof(big));
    for (int i = 0; i < 80; i++)
        ck_assert_int_eq(list_push(l, LIST_TAIL, big, sizeof(big)), LIST_OK);
    expect_nodes(l, "39 39 2");
    for (int i = 0; i < 40; i++)
        ck_assert_int_eq(list_push(l, LIST_HEAD, big, sizeof(big)), LIST_OK);
    expect_nodes(l, "1 39 39 39 2");
    list_destroy(l);
}
END_TEST

/* fill 4, as Redis's _quicklistInsert: a full node takes an element at
 * its edge into the neighbour with room, or a new node; inside, it splits
 * beside the pivot, the element joins the new part, and neighbours that
 * fit together merge. Removals merge nothing, only drop empty nodes. */
START_TEST(count_bound_splits_and_merges)
{
    struct list *l = make_with_fill(4);
    const char *v[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    for (int i = 0; i < 8; i++)
        push(l, LIST_TAIL, v[i]);
    expect_nodes(l, "4 4");
    ck_assert_int_eq(list_insert(l, 1, true, "x", 1), LIST_OK); /* after "b": split */
    expect_nodes(l, "2 3 4");
    EXPECT(l, "a", "b", "x", "c", "d", "e", "f", "g", "h");
    ck_assert_int_eq(list_insert(l, 2, false, "y", 1), LIST_OK); /* before "x": room */
    expect_nodes(l, "2 4 4");
    ck_assert_int_eq(list_insert(l, 5, true, "z", 1), LIST_OK); /* after "d", node 1's tail */
    expect_nodes(l, "2 4 1 4");
    EXPECT(l, "a", "b", "y", "x", "c", "d", "z", "e", "f", "g", "h");
    ck_assert_int_eq(list_insert(l, 7, false, "w", 1), LIST_OK); /* before "e": into "z"'s */
    expect_nodes(l, "2 4 2 4");
    ck_assert_uint_eq(list_remove_matching(l, "y", 1, 0), 1);
    ck_assert_uint_eq(list_remove_matching(l, "x", 1, 0), 1);
    ck_assert_uint_eq(list_remove_matching(l, "c", 1, 0), 1);
    expect_nodes(l, "2 1 2 4"); /* no merge on removal */
    ck_assert_uint_eq(list_remove_matching(l, "d", 1, 0), 1);
    expect_nodes(l, "2 2 4");
    /* Before "f": "e v" | "f g h", then the two nodes before "f g h"
     * merge (2 + 2 <= 4). */
    ck_assert_int_eq(list_insert(l, 5, false, "v", 1), LIST_OK);
    EXPECT(l, "a", "b", "z", "w", "e", "v", "f", "g", "h");
    expect_nodes(l, "2 4 3");
    list_destroy(l);
}
END_TEST

/* LSET of a longer value replaces in place, as Redis 7.0 does, even
 * past the node's bound. */
START_TEST(set_replaces_in_place)
{
    struct list *l = make_with_fill(-1);
    char big[3000];
    memset(big, 'q', sizeof(big));
    for (int i = 0; i < 30; i++)
        push(l, LIST_TAIL, "0123456789012345678901234567890123456789012345678901234567890123456789");
    expect_nodes(l, "30");
    ck_assert_int_eq(list_set(l, 10, big, sizeof(big)), LIST_OK);
    expect_nodes(l, "30");
    struct list_entry e;
    list_get(l, 10, &e);
    entry_is(&e, big, sizeof(big));
    ck_assert_int_eq(list_set(l, 10, "7", 1), LIST_OK);
    list_get(l, 10, &e);
    entry_is(&e, "7", 1);
    list__check_invariants(l);
    list_destroy(l);
}
END_TEST

/* RDB load: a Redis listpack's body becomes a node as it is. */
START_TEST(append_entries_adopts_a_node)
{
    struct list *l = make();
    push(l, LIST_TAIL, "first");
    const unsigned char body[] = {0x05, 0x01, 0x81, 'z', 0x02};
    ck_assert_int_eq(list_append_entries(l, body, sizeof(body), 2), LIST_OK);
    expect_nodes(l, "1 2");
    EXPECT(l, "first", "5", "z");
    push(l, LIST_TAIL, "last");
    EXPECT(l, "first", "5", "z", "last");
    list_destroy(l);
}
END_TEST

START_TEST(dup_is_deep_and_boxed_ops_work)
{
    struct list *l = make();
    push(l, LIST_TAIL, "a");
    push(l, LIST_HEAD, "z");
    push(l, LIST_TAIL, "binary\0x");
    struct list *copy = list_dup(l);
    ck_assert_ptr_nonnull(copy);
    EXPECT(copy, "z", "a", "binary");
    ck_assert_int_eq(list_set(l, 0, "changed", 7), LIST_OK);
    EXPECT(copy, "z", "a", "binary");
    struct object_boxed *b = list_boxed(copy);
    ck_assert_ptr_eq(list_from_boxed(b), copy);
    struct object_boxed *b2 = b->ops->dup_cb(b);
    ck_assert_ptr_nonnull(b2);
    EXPECT(list_from_boxed(b2), "z", "a", "binary");
    b2->ops->free_cb(b2);
    b->ops->free_cb(b);
    struct list *empty = make();
    struct list *ecopy = list_dup(empty);
    ck_assert_uint_eq(list_len(ecopy), 0);
    list_destroy(empty);
    list_destroy(ecopy);
    list_destroy(l);
}
END_TEST

/* ---- list-compress-depth ----------------------------------------------------------- */

/* A list under list-max-listpack-size `fill` and list-compress-depth. */
static struct list *make_packed(long long fill, long long depth)
{
    struct object_limits lim = OBJECT_LIMITS_DEFAULT;
    lim.list_max_listpack_size = fill;
    lim.list_compress_depth = depth;
    struct list *l = list_create(&lim);
    ck_assert_ptr_nonnull(l);
    ck_assert_int_eq(list_compress_depth(l), depth);
    return l;
}

/* Which nodes are packed, as a string: "." plain, "Z" packed. */
static void expect_packed(const struct list *l, const char *want)
{
    char got[256] = "";
    for (size_t i = 0; i < list_node_count(l) && i < sizeof(got) - 1; i++) {
        size_t clen, lp;
        got[i] = list_node_lzf(l, i, &clen, &lp) ? 'Z' : '.';
    }
    ck_assert_str_eq(got, want);
}

/* Element i of the packed-list tests: compressible, 20 bytes. */
static const char *elem(size_t i)
{
    static char buf[32];
    snprintf(buf, sizeof(buf), "element-%03zu-aaaaaaaa", i);
    return buf;
}

/* Fill 4, `n` elements pushed at the tail: n / 4 nodes of 4. */
static struct list *packed_list(long long depth, size_t n)
{
    struct list *l = make_packed(4, depth);
    for (size_t i = 0; i < n; i++)
        push(l, LIST_TAIL, elem(i));
    return l;
}

/* The list holds elem(0..n) but for the listed changes: checked by index
 * and walked both ways (expect). */
static void expect_elems(const struct list *l, size_t n)
{
    char **want = malloc(n * sizeof(*want));
    for (size_t i = 0; i < n; i++)
        want[i] = strdup(elem(i));
    expect(l, n, (const char *const *)want);
    for (size_t i = 0; i < n; i++)
        free(want[i]);
    free(want);
}

/* Depth 1: every node but the first and last is packed, as nodes come and
 * go at either end; depth 2 keeps two plain nodes at each end. */
START_TEST(interior_nodes_are_packed_beyond_the_depth)
{
    static const char *const depth1[] = {"", ".", "..", ".Z.", ".ZZ.", ".ZZZ."};
    static const char *const depth2[] = {"", ".", "..", "...", "....", "..Z..", "..ZZ.."};
    for (long long depth = 1; depth <= 2; depth++) {
        const char *const *want = depth == 1 ? depth1 : depth2;
        size_t most = depth == 1 ? 5 : 6;
        struct list *l = make_packed(4, depth);
        for (size_t nodes = 1; nodes <= most; nodes++) {
            for (size_t k = 0; k < 4; k++)
                push(l, LIST_TAIL, elem((nodes - 1) * 4 + k));
            expect_packed(l, want[nodes]);
        }
        expect_elems(l, most * 4);
        for (size_t nodes = most; nodes-- > 0;) { /* pop from the head: the depth moves in */
            for (size_t k = 0; k < 4; k++)
                list_pop(l, LIST_HEAD);
            expect_packed(l, want[nodes]);
        }
        list_destroy(l);
    }
}
END_TEST

/* Pushing at the head packs the node that leaves the depth there. */
START_TEST(head_pushes_pack_the_node_leaving_the_depth)
{
    struct list *l = make_packed(4, 1);
    for (size_t i = 12; i-- > 0;)
        push(l, LIST_HEAD, elem(i));
    expect_packed(l, ".Z.");
    expect_elems(l, 12);
    list_destroy(l);
}
END_TEST

/* Redis packs a node only when its listpack is 48 bytes or more and LZF
 * saves more than 8 of them. */
START_TEST(small_or_incompressible_nodes_stay_plain)
{
    struct list *l = make_packed(2, 1);
    for (int i = 0; i < 6; i++)
        push(l, LIST_TAIL, "abcdefghijklmnop"); /* 2 x 18 + 7 = 43 bytes a node */
    expect_packed(l, "...");
    list_destroy(l);

    l = make_packed(2, 1);
    unsigned seed = 7;
    for (int i = 0; i < 6; i++) {
        char noise[41];
        for (size_t k = 0; k < 40; k++)
            noise[k] = (char)('!' + rnd(&seed) % 90);
        noise[40] = '\0';
        push(l, LIST_TAIL, noise);
    }
    expect_packed(l, "...");
    list_destroy(l);
}
END_TEST

/* Reads, LSET, LINSERT (into a node with room and into a full one, which
 * splits), LREM and LTRIM all reach into packed nodes and leave the
 * interior packed. */
START_TEST(every_operation_works_on_packed_nodes)
{
    struct list *l = packed_list(1, 20); /* .ZZZ. */
    expect_packed(l, ".ZZZ.");
    struct list_entry e;
    list_get(l, 9, &e);
    entry_is(&e, elem(9), strlen(elem(9)));

    ck_assert_int_eq(list_set(l, 9, "changed", 7), LIST_OK);
    expect_packed(l, ".ZZZ.");
    list_get(l, 9, &e);
    entry_is(&e, "changed", 7);
    ck_assert_int_eq(list_set(l, 9, elem(9), strlen(elem(9))), LIST_OK);

    ck_assert_uint_eq(list_remove_matching(l, elem(10), strlen(elem(10)), 0), 1);
    expect_packed(l, ".ZZZ.");
    ck_assert_int_eq(list_insert(l, 9, true, elem(10), strlen(elem(10))), LIST_OK);
    expect_packed(l, ".ZZZ.");
    expect_elems(l, 20);

    ck_assert_int_eq(list_insert(l, 5, false, "split", 5), LIST_OK); /* node 1 is full */
    ck_assert_uint_eq(list_node_count(l), 6);
    expect_packed(l, "..ZZZ."); /* the part [4, split] is a 36-byte listpack */
    ck_assert_uint_eq(list_remove_matching(l, "split", 5, -1), 1);
    expect_elems(l, 20);

    list_keep_range(l, 2, 13); /* elements 2..14 */
    expect_nodes(l, "2 1 3 4 3");
    expect_packed(l, "..ZZ.");
    struct list_iter it;
    list_iter_init(&it, l, 12, true);
    for (size_t i = 15; i-- > 2;) {
        ck_assert(list_iter_next(&it, &e));
        entry_is(&e, elem(i), strlen(elem(i)));
    }
    ck_assert(!list_iter_next(&it, &e));
    list_destroy(l);
}
END_TEST

/* Moves between the ends keep the ends plain; a copy keeps the packed
 * nodes as they are; appended nodes (RDB load) pack as they go inside. */
START_TEST(moves_copies_and_appends_keep_packing)
{
    struct list *l = packed_list(1, 20);
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(list_move(l, LIST_TAIL, l, LIST_HEAD), LIST_OK);
    list__check_invariants(l);
    struct list *copy = list_dup(l);
    ck_assert_ptr_nonnull(copy);
    list__check_invariants(copy);
    ck_assert_int_eq(list_compress_depth(copy), 1);
    for (size_t i = 0; i < list_node_count(l); i++) {
        size_t a, b, lp_a, lp_b;
        const unsigned char *pa = list_node_lzf(l, i, &a, &lp_a);
        const unsigned char *pb = list_node_lzf(copy, i, &b, &lp_b);
        ck_assert((pa == NULL) == (pb == NULL));
        ck_assert(pa == NULL || (a == b && lp_a == lp_b && memcmp(pa, pb, a) == 0));
    }
    struct list *loaded = make_packed(4, 1);
    for (size_t i = 0; i < list_node_count(l); i++) {
        size_t bytes, count;
        const unsigned char *p = list_node_entries(l, i, &bytes, &count);
        unsigned char *body = malloc(bytes);
        memcpy(body, p, bytes); /* p may be this thread's scratch buffer */
        ck_assert_int_eq(list_append_entries(loaded, body, bytes, count), LIST_OK);
        free(body);
    }
    expect_packed(loaded, ".ZZZ.");
    list__check_invariants(loaded);
    list_destroy(loaded);
    list_destroy(copy);
    list_destroy(l);
}
END_TEST

/* LINSERT repacks only a node that was packed (quicklistRecompressOnly),
 * so an interior node can grow plain past 48 bytes; a read then packs it,
 * as Redis's iterator does when it lets go of the node. */
START_TEST(reads_pack_the_plain_interior_nodes_they_cover)
{
    struct list *l = make_packed(4, 1);
    for (int i = 0; i < 12; i++)
        push(l, LIST_TAIL, i >= 4 && i < 8 ? (i & 1 ? "bbbbbbbbbb" : "aaaaaaaaaa") : "cccccccccc");
    expect_packed(l, ".Z.");
    ck_assert_uint_eq(list_remove_matching(l, "bbbbbbbbbb", 10, 0), 2); /* 31 bytes: plain */
    expect_packed(l, "...");
    ck_assert_int_eq(list_insert(l, 4, true, "aaaaaaaaaaaaaaaaaaaa", 20), LIST_OK);
    expect_packed(l, "...");
    list_reads_done(l, 0, 3); /* the head node only */
    expect_packed(l, "...");
    list_reads_done(l, 3, 5);
    expect_packed(l, ".Z.");
    list__check_invariants(l);
    list_destroy(l);
}
END_TEST

/* Reading a huge packed node grows the thread's scratch buffer; the next
 * small read gives that memory back. */
START_TEST(a_huge_read_buffer_is_not_kept)
{
    struct list *l = make_packed(-2, 1);
    static char big[300000];
    memset(big, 'z', sizeof(big));
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(list_push(l, LIST_TAIL, big, sizeof(big)), LIST_OK);
    expect_packed(l, ".Z.");
    struct list_entry e;
    list_get(l, 1, &e);
    entry_is(&e, big, sizeof(big));
    ck_assert_uint_ge(malloc_usable_size(lzf_thread_scratch(LZF_SCRATCH_KEEP + 1)), sizeof(big));
    ck_assert_uint_lt(malloc_usable_size(lzf_thread_scratch(1)), LZF_SCRATCH_KEEP);
    list_destroy(l);
}
END_TEST

/* As list-max-listpack-size, the depth is read when the list is made. */
START_TEST(depth_is_fixed_when_created)
{
    struct object_limits lim = OBJECT_LIMITS_DEFAULT;
    lim.list_max_listpack_size = 4;
    lim.list_compress_depth = 1;
    struct list *l = list_create(&lim);
    lim.list_compress_depth = 0;
    for (size_t i = 0; i < 12; i++)
        push(l, LIST_TAIL, elem(i));
    expect_packed(l, ".Z.");
    list_destroy(l);
}
END_TEST

/* The model's random operations at depths 1 to 3. */
START_TEST(packed_lists_match_the_model)
{
    static const long long cases[][2] = {{-2, 1}, {-1, 2}, {4, 1}, {4, 2}, {16, 3}, {1, 1},
                                         {2, 1}, {3, 2}};
    run_model_at(cases[_i][0], cases[_i][1], 2000u + (unsigned)_i, 4000);
}
END_TEST

static Suite *list_suite(void)
{
    Suite *s = suite_create("list");
    TCase *basic = tcase_create("basic");
    TCase *model = tcase_create("model");
    TCase *ops = tcase_create("ops");
    TCase *nodes = tcase_create("nodes");
    tcase_add_test(basic, push_and_pop_both_ends);
    tcase_add_test(basic, destroy_accepts_null);
    tcase_add_test(basic, large_list_grows_and_shrinks);
    tcase_add_loop_test(model, matches_the_model_for_every_fill, 0,
                        (int)(sizeof(fills) / sizeof(fills[0])));
    tcase_add_test(model, fill_is_fixed_when_created);
    tcase_add_test(ops, insert_before_and_after_a_pivot);
    tcase_add_test(ops, large_elements_live_alone);
    tcase_add_test(ops, remove_matching_counts_and_directions);
    tcase_add_test(ops, keep_range_trims_both_ends);
    tcase_add_test(ops, move_between_lists_and_within_one);
    tcase_add_test(ops, dup_is_deep_and_boxed_ops_work);
    tcase_add_test(nodes, entries_are_packed_as_listpack);
    tcase_add_test(nodes, byte_bound_cuts_nodes_at_redis_sizes);
    tcase_add_test(nodes, count_bound_splits_and_merges);
    tcase_add_test(nodes, set_replaces_in_place);
    tcase_add_test(nodes, append_entries_adopts_a_node);
    TCase *packed = tcase_create("compress depth");
    tcase_add_test(packed, interior_nodes_are_packed_beyond_the_depth);
    tcase_add_test(packed, head_pushes_pack_the_node_leaving_the_depth);
    tcase_add_test(packed, depth_is_fixed_when_created);
    tcase_add_test(packed, a_huge_read_buffer_is_not_kept);
    tcase_add_test(packed, reads_pack_the_plain_interior_nodes_they_cover);
    tcase_add_test(packed, small_or_incompressible_nodes_stay_plain);
    tcase_add_test(packed, every_operation_works_on_packed_nodes);
    tcase_add_test(packed, moves_copies_and_appends_keep_packing);
    tcase_add_loop_test(packed, packed_lists_match_the_model, 0, 8);
    tcase_set_timeout(packed, 60);
    suite_add_tcase(s, packed);
    tcase_set_timeout(basic, 60);
    tcase_set_timeout(model, 120);
    suite_add_tcase(s, basic);
    suite_add_tcase(s, model);
    suite_add_tcase(s, ops);
    suite_add_tcase(s, nodes);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(list_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
