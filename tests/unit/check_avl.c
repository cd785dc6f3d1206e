/*
 * check_avl.c - the AVL tree (core/avl.c): insert, find, remove against a
 * sorted-array model with the shape checked after every operation; rank
 * and select; count_before and upper_bound; in-order walks, removal
 * during a walk (both the take-the-successor-first way and the hashmap
 * iterator's re-find-by-key way); duplicates refused; post-order walks
 * that free or relink each node; the height bound; and the invariant
 * check catching a broken tree.
 */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avl.h"

struct item {
    struct avl_node avl;
    int key;
};

static int item_cmp(const void *key, const struct avl_node *n)
{
    int k = *(const int *)key, nk = avl_entry(n, const struct item, avl)->key;
    return (k > nk) - (k < nk);
}

static int key_of(const struct avl_node *n)
{
    return avl_entry(n, const struct item, avl)->key;
}

/* Insert items[i] for each i in keys (items[i].key = keys[i]). */
static void insert_all(struct avl_tree *t, struct item *items, const int *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        items[i].key = keys[i];
        ck_assert_ptr_null(avl_insert(t, &items[i].avl, &items[i].key, item_cmp));
        ck_assert_uint_eq(avl__check_invariants(t), i + 1);
    }
}

/* The tree walks in order as `want`, and rank/select agree with it. */
static void expect_order(const struct avl_tree *t, const int *want, size_t n)
{
    size_t i = 0;
    for (const struct avl_node *a = avl_first(t); a; a = avl_next(a), i++) {
        ck_assert_uint_lt(i, n);
        ck_assert_int_eq(key_of(a), want[i]);
        ck_assert_uint_eq(avl_rank(a), i);
        ck_assert_ptr_eq(avl_at(t, i), a);
    }
    ck_assert_uint_eq(i, n);
    ck_assert_uint_eq(avl_count(t), n);
}

/* 1.44 log2(n + 2) - 0.328: the AVL height bound. */
static int height_bound(size_t n)
{
    return (int)floor(1.4405 * log2((double)n + 2) - 0.3277);
}

/* ==== basics ================================================================ */

START_TEST(empty_tree_has_nothing)
{
    struct avl_tree t;
    int k = 5;
    avl_init(&t);
    ck_assert_ptr_null(avl_first(&t));
    ck_assert_ptr_null(avl_first_postorder(&t));
    ck_assert_ptr_null(avl_find(&t, &k, item_cmp));
    ck_assert_ptr_null(avl_upper_bound(&t, &k, item_cmp));
    ck_assert_uint_eq(avl_count_before(&t, &k, item_cmp), 0);
    ck_assert_uint_eq(avl_count(&t), 0);
    ck_assert_int_eq(avl_height(&t), 0);
    ck_assert_uint_eq(avl__check_invariants(&t), 0);
}
END_TEST

START_TEST(rank_and_select_follow_the_order)
{
    static const int keys[] = {50, 20, 80, 10, 30, 70, 90, 25, 75, 5};
    static const int sorted[] = {5, 10, 20, 25, 30, 50, 70, 75, 80, 90};
    struct item items[10];
    struct avl_tree t;
    avl_init(&t);
    insert_all(&t, items, keys, 10);
    expect_order(&t, sorted, 10);
    int k = 30;
    ck_assert_int_eq(key_of(avl_find(&t, &k, item_cmp)), 30);
    ck_assert_uint_eq(avl_count_before(&t, &k, item_cmp), 4);
    ck_assert_int_eq(key_of(avl_upper_bound(&t, &k, item_cmp)), 50);
    k = 31; /* absent */
    ck_assert_ptr_null(avl_find(&t, &k, item_cmp));
    ck_assert_uint_eq(avl_count_before(&t, &k, item_cmp), 5);
    ck_assert_int_eq(key_of(avl_upper_bound(&t, &k, item_cmp)), 50);
    k = 90;
    ck_assert_ptr_null(avl_upper_bound(&t, &k, item_cmp));
    ck_assert_uint_eq(avl_count_before(&t, &k, item_cmp), 9);
}
END_TEST

START_TEST(duplicate_insert_returns_the_node_already_there)
{
    static const int keys[] = {3, 1, 2};
    struct item items[3], dup = {.key = 2};
    struct avl_tree t;
    avl_init(&t);
    insert_all(&t, items, keys, 3);
    ck_assert_ptr_eq(avl_insert(&t, &dup.avl, &dup.key, item_cmp), &items[2].avl);
    ck_assert_uint_eq(avl__check_invariants(&t), 3);
    static const int sorted[] = {1, 2, 3};
    expect_order(&t, sorted, 3);
}
END_TEST

START_TEST(ascending_inserts_stay_within_the_height_bound)
{
    enum { N = 1 << 16 };
    struct item *items = malloc(N * sizeof *items);
    struct avl_tree t;
    ck_assert_ptr_nonnull(items);
    avl_init(&t);
    for (int i = 0; i < N; i++) {
        items[i].key = i;
        ck_assert_ptr_null(avl_insert(&t, &items[i].avl, &items[i].key, item_cmp));
    }
    ck_assert_uint_eq(avl__check_invariants(&t), N);
    ck_assert_int_le(avl_height(&t), height_bound(N));
    /* Descending removals of the lower half keep the bound too. */
    for (int i = N / 2 - 1; i >= 0; i--)
        avl_remove(&t, &items[i].avl);
    ck_assert_uint_eq(avl__check_invariants(&t), N / 2);
    ck_assert_int_le(avl_height(&t), height_bound(N / 2));
    ck_assert_int_eq(key_of(avl_first(&t)), N / 2);
    free(items);
}
END_TEST

/* ==== walks ================================================================= */

START_TEST(removing_the_current_node_after_taking_its_successor)
{
    enum { N = 200 };
    struct item items[N];
    int keys[N], left[N / 2];
    struct avl_tree t;
    avl_init(&t);
    for (int i = 0; i < N; i++)
        keys[i] = (i * 37) % N; /* a permutation: 37 is prime to 200 */
    insert_all(&t, items, keys, N);
    /* Remove every even key while walking. */
    size_t seen = 0;
    for (struct avl_node *a = avl_first(&t), *next; a; a = next, seen++) {
        next = avl_next(a);
        if (key_of(a) % 2 == 0)
            avl_remove(&t, a);
    }
    ck_assert_uint_eq(seen, N);
    for (int i = 0; i < N / 2; i++)
        left[i] = 2 * i + 1;
    ck_assert_uint_eq(avl__check_invariants(&t), N / 2);
    expect_order(&t, left, N / 2);
}
END_TEST

/* As the hashmap's iterator: remove the current node, then find the next
 * one from the removed key with upper_bound. */
START_TEST(upper_bound_continues_a_walk_from_a_removed_key)
{
    enum { N = 100 };
    struct item items[N];
    int keys[N];
    struct avl_tree t;
    avl_init(&t);
    for (int i = 0; i < N; i++)
        keys[i] = N - i;
    insert_all(&t, items, keys, N);
    int expect = 1;
    for (struct avl_node *a = avl_first(&t); a; expect++) {
        int k = key_of(a);
        ck_assert_int_eq(k, expect);
        if (k % 3 == 0)
            avl_remove(&t, a);
        a = avl_upper_bound(&t, &k, item_cmp);
    }
    ck_assert_int_eq(expect, N + 1);
    ck_assert_uint_eq(avl__check_invariants(&t), N - N / 3);
}
END_TEST

START_TEST(postorder_walk_may_free_each_node)
{
    enum { N = 300 };
    struct avl_tree t;
    avl_init(&t);
    for (int i = 0; i < N; i++) {
        struct item *it = malloc(sizeof *it);
        ck_assert_ptr_nonnull(it);
        it->key = (i * 7919) % N;
        ck_assert_ptr_null(avl_insert(&t, &it->avl, &it->key, item_cmp));
    }
    /* ASan and valgrind catch any read of a node already freed. */
    size_t freed = 0;
    for (struct avl_node *a = avl_first_postorder(&t), *next; a; a = next, freed++) {
        next = avl_next_postorder(a);
        free(avl_entry(a, struct item, avl));
    }
    ck_assert_uint_eq(freed, N);
}
END_TEST

/* As the hashmap's rehash: each node goes into another tree as soon as
 * the post-order walk has moved past it. */
START_TEST(postorder_walk_may_relink_each_node_elsewhere)
{
    enum { N = 500 };
    struct item items[N];
    int keys[N], sorted[N];
    bool moved[N] = {false};
    struct avl_tree from, odd, even;
    avl_init(&from);
    avl_init(&odd);
    avl_init(&even);
    for (int i = 0; i < N; i++)
        keys[i] = (i * 101) % N;
    insert_all(&from, items, keys, N);
    for (struct avl_node *a = avl_first_postorder(&from), *next; a; a = next) {
        next = avl_next_postorder(a);
        struct item *it = avl_entry(a, struct item, avl);
        /* Children before their parent. */
        ck_assert(!a->left || moved[key_of(a->left)]);
        ck_assert(!a->right || moved[key_of(a->right)]);
        moved[it->key] = true;
        ck_assert_ptr_null(avl_insert(it->key % 2 ? &odd : &even, a, &it->key, item_cmp));
    }
    for (int i = 0; i < N / 2; i++)
        sorted[i] = 2 * i;
    ck_assert_uint_eq(avl__check_invariants(&even), N / 2);
    expect_order(&even, sorted, N / 2);
    for (int i = 0; i < N / 2; i++)
        sorted[i] = 2 * i + 1;
    ck_assert_uint_eq(avl__check_invariants(&odd), N / 2);
    expect_order(&odd, sorted, N / 2);
}
END_TEST

/* ==== the model ============================================================= */

static uint64_t rng_state;

static uint64_t rng(void) /* xorshift64* */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

/* Index of the first model key >= k. */
static size_t lower_bound(const int *model, size_t n, int k)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (model[mid] < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void model_check_key(const struct avl_tree *t, const int *model, size_t n, int k)
{
    size_t lb = lower_bound(model, n, k);
    bool present = lb < n && model[lb] == k;
    struct avl_node *found = avl_find(t, &k, item_cmp);
    ck_assert(present == (found != NULL));
    if (found)
        ck_assert_uint_eq(avl_rank(found), lb);
    ck_assert_uint_eq(avl_count_before(t, &k, item_cmp), lb);
    size_t ub = lb + present;
    struct avl_node *after = avl_upper_bound(t, &k, item_cmp);
    if (ub == n)
        ck_assert_ptr_null(after);
    else
        ck_assert_int_eq(key_of(after), model[ub]);
}

START_TEST(random_operations_match_a_sorted_array)
{
    enum { KEYS = 512, OPS = 20000 };
    static struct item items[KEYS]; /* items[k] holds key k */
    static int model[KEYS];
    static bool in[KEYS];
    size_t n = 0;
    struct avl_tree t;
    avl_init(&t);
    memset(in, 0, sizeof in);
    rng_state = 0xa11ce5eedULL;
    printf("check_avl random_operations_match_a_sorted_array seed %llu\n",
           (unsigned long long)rng_state);
    for (int op = 0; op < OPS; op++) {
        int k = (int)(rng() % KEYS);
        size_t at = lower_bound(model, n, k);
        /* Bias towards inserts early so the tree gets big, then even. */
        bool insert = rng() % 100 < (op < OPS / 4 ? 70u : 50u);
        if (insert && !in[k]) {
            items[k].key = k;
            ck_assert_ptr_null(avl_insert(&t, &items[k].avl, &items[k].key, item_cmp));
            memmove(model + at + 1, model + at, (n - at) * sizeof *model);
            model[at] = k;
            n++;
            in[k] = true;
        } else if (insert) {
            ck_assert_ptr_eq(avl_insert(&t, &items[(k + 1) % KEYS].avl, &k, item_cmp),
                             &items[k].avl);
        } else if (in[k]) {
            avl_remove(&t, &items[k].avl);
            memmove(model + at, model + at + 1, (n - at - 1) * sizeof *model);
            n--;
            in[k] = false;
        }
        ck_assert_uint_eq(avl__check_invariants(&t), n);
        ck_assert_int_le(avl_height(&t), height_bound(n));
        model_check_key(&t, model, n, k);
        if (op % 257 == 0)
            expect_order(&t, model, n);
    }
    expect_order(&t, model, n);
}
END_TEST

/* ==== the check itself ======================================================= */

START_TEST(invariant_check_aborts_on_a_wrong_size)
{
    static const int keys[] = {2, 1, 3};
    struct item items[3];
    struct avl_tree t;
    avl_init(&t);
    insert_all(&t, items, keys, 3);
    items[0].avl.size = 7;
    avl__check_invariants(&t);
}
END_TEST

START_TEST(invariant_check_aborts_on_an_unbalanced_tree)
{
    struct item items[3] = {{.key = 1}, {.key = 2}, {.key = 3}};
    struct avl_tree t;
    /* A right-leaning chain 1 -> 2 -> 3 with honest heights and sizes. */
    items[2].avl = (struct avl_node){NULL, NULL, &items[1].avl, 1, 1};
    items[1].avl = (struct avl_node){NULL, &items[2].avl, &items[0].avl, 2, 2};
    items[0].avl = (struct avl_node){NULL, &items[1].avl, NULL, 3, 3};
    t.root = &items[0].avl;
    avl__check_invariants(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("avl");
    TCase *tc = tcase_create("basics");
    tcase_add_test(tc, empty_tree_has_nothing);
    tcase_add_test(tc, rank_and_select_follow_the_order);
    tcase_add_test(tc, duplicate_insert_returns_the_node_already_there);
    tcase_add_test(tc, ascending_inserts_stay_within_the_height_bound);
    suite_add_tcase(s, tc);
    tc = tcase_create("walks");
    tcase_add_test(tc, removing_the_current_node_after_taking_its_successor);
    tcase_add_test(tc, upper_bound_continues_a_walk_from_a_removed_key);
    tcase_add_test(tc, postorder_walk_may_free_each_node);
    tcase_add_test(tc, postorder_walk_may_relink_each_node_elsewhere);
    suite_add_tcase(s, tc);
    tc = tcase_create("model");
    tcase_add_test(tc, random_operations_match_a_sorted_array);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    tc = tcase_create("check");
    tcase_add_test_raise_signal(tc, invariant_check_aborts_on_a_wrong_size, SIGABRT);
    tcase_add_test_raise_signal(tc, invariant_check_aborts_on_an_unbalanced_tree, SIGABRT);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
