/*
 * check_list.c - the list value type (core/list.c): pushes and pops at
 * both ends across ring wrap-around and growth/shrink, indexes, set,
 * insert, LREM-style removal, range keeping, against a simple array
 * model; and the boxed ops (free, deep copy).
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"

static struct list *make(void)
{
    struct list *l = list_create();
    ck_assert_ptr_nonnull(l);
    return l;
}

static void push(struct list *l, enum list_where w, const char *s)
{
    ck_assert_int_eq(list_push(l, w, s, strlen(s)), LIST_OK);
    list__check_invariants(l);
}

/* The list holds exactly these strings, in order. */
static void expect(const struct list *l, size_t n, const char *const *want)
{
    list__check_invariants(l);
    ck_assert_uint_eq(list_len(l), n);
    for (size_t i = 0; i < n; i++) {
        const struct list_elem *e = list_get(l, i);
        ck_assert_uint_eq(e->len, strlen(want[i]));
        ck_assert(memcmp(e->data, want[i], e->len) == 0);
    }
}
#define EXPECT(l, ...)                                                                          \
    do {                                                                                        \
        const char *const want_[] = {__VA_ARGS__};                                              \
        expect(l, sizeof(want_) / sizeof(want_[0]), want_);                                     \
    } while (0)

static void pop_expect(struct list *l, enum list_where w, const char *want)
{
    struct list_elem *e = list_pop(l, w);
    ck_assert_uint_eq(e->len, strlen(want));
    ck_assert(memcmp(e->data, want, e->len) == 0);
    list_elem_free(e);
    list__check_invariants(l);
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
    list_elem_free(NULL);
}
END_TEST

/* A model: a plain array of ints mirrored by the list, through many
 * mixed operations that wrap the ring and grow and shrink it. */
START_TEST(matches_a_model_through_mixed_operations)
{
    enum { MAX = 4096 };
    static int model[MAX];
    size_t n = 0;
    struct list *l = make();
    unsigned seed = 12345;
    char buf[16];
    for (int step = 0; step < 20000; step++) {
        seed = seed * 1103515245u + 12345u;
        unsigned op = (seed >> 16) % 7, v = (seed >> 4) % 1000;
        int len = snprintf(buf, sizeof(buf), "%u", v);
        if ((op <= 1 && n < MAX) || n == 0) {
            if (op == 0) {
                memmove(model + 1, model, n * sizeof(int));
                model[0] = (int)v;
            } else {
                model[n] = (int)v;
            }
            n++;
            ck_assert_int_eq(list_push(l, op == 0 ? LIST_HEAD : LIST_TAIL, buf, (size_t)len),
                             LIST_OK);
        } else if (op == 2 || op == 3) {
            struct list_elem *e = list_pop(l, op == 2 ? LIST_HEAD : LIST_TAIL);
            snprintf(buf, sizeof(buf), "%d", op == 2 ? model[0] : model[n - 1]);
            ck_assert_uint_eq(e->len, strlen(buf));
            ck_assert(memcmp(e->data, buf, e->len) == 0);
            list_elem_free(e);
            if (op == 2)
                memmove(model, model + 1, (n - 1) * sizeof(int));
            n--;
        } else if (op == 4 && n < MAX) {
            size_t at = v % (n + 1);
            memmove(model + at + 1, model + at, (n - at) * sizeof(int));
            model[at] = (int)v;
            n++;
            ck_assert_int_eq(list_insert(l, at, buf, (size_t)len), LIST_OK);
        } else if (op == 5) {
            size_t at = v % n;
            model[at] = (int)v;
            ck_assert_int_eq(list_set(l, at, buf, (size_t)len), LIST_OK);
        } else {
            /* Remove one value everywhere, as LREM 0. */
            int target = model[v % n];
            size_t w = 0, removed = 0;
            for (size_t i = 0; i < n; i++) {
                if (model[i] != target)
                    model[w++] = model[i];
                else
                    removed++;
            }
            n = w;
            snprintf(buf, sizeof(buf), "%d", target);
            ck_assert_uint_eq(list_remove_matching(l, buf, strlen(buf), 0), removed);
        }
        list__check_invariants(l);
        ck_assert_uint_eq(list_len(l), n);
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(buf, sizeof(buf), "%d", model[i]);
        const struct list_elem *e = list_get(l, i);
        ck_assert_uint_eq(e->len, strlen(buf));
        ck_assert(memcmp(e->data, buf, e->len) == 0);
    }
    list_destroy(l);
}
END_TEST

START_TEST(insert_at_both_halves_and_ends)
{
    struct list *l = make();
    push(l, LIST_TAIL, "b");
    push(l, LIST_TAIL, "d");
    ck_assert_int_eq(list_insert(l, 0, "a", 1), LIST_OK);
    ck_assert_int_eq(list_insert(l, 3, "e", 1), LIST_OK);
    ck_assert_int_eq(list_insert(l, 2, "c", 1), LIST_OK);
    EXPECT(l, "a", "b", "c", "d", "e");
    ck_assert_int_eq(list_insert(l, 1, "ab", 2), LIST_OK);
    ck_assert_int_eq(list_insert(l, 5, "de", 2), LIST_OK);
    EXPECT(l, "a", "ab", "b", "c", "d", "de", "e");
    ck_assert_int_eq(list_set(l, 6, "E", 1), LIST_OK);
    ck_assert_int_eq(list_set(l, 0, "", 0), LIST_OK);
    EXPECT(l, "", "ab", "b", "c", "d", "de", "E");
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

START_TEST(keep_range_trims_both_ends_across_wrap)
{
    struct list *l = make();
    /* Head pushes make the ring wrap. */
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
    ck_assert_int_eq(list_reserve(l, 10), LIST_OK);
    for (int i = 0; i < 99990; i++)
        list_elem_free(list_pop(l, (i & 1) ? LIST_TAIL : LIST_HEAD));
    list__check_invariants(l);
    ck_assert_uint_eq(list_len(l), 10);
    list_destroy(l);
}
END_TEST

START_TEST(push_elem_moves_ownership)
{
    struct list *a = make(), *b = make();
    push(a, LIST_TAIL, "one");
    push(a, LIST_TAIL, "two");
    struct list_elem *e = list_pop(a, LIST_TAIL);
    ck_assert_int_eq(list_push_elem(b, LIST_HEAD, e), LIST_OK);
    EXPECT(a, "one");
    EXPECT(b, "two");
    list_destroy(a);
    list_destroy(b);
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

static Suite *list_suite(void)
{
    Suite *s = suite_create("list");
    TCase *basic = tcase_create("basic");
    TCase *ops = tcase_create("ops");
    tcase_add_test(basic, push_and_pop_both_ends);
    tcase_add_test(basic, destroy_accepts_null);
    tcase_add_test(basic, matches_a_model_through_mixed_operations);
    tcase_add_test(basic, large_list_grows_and_shrinks);
    tcase_add_test(ops, insert_at_both_halves_and_ends);
    tcase_add_test(ops, remove_matching_counts_and_directions);
    tcase_add_test(ops, keep_range_trims_both_ends_across_wrap);
    tcase_add_test(ops, push_elem_moves_ownership);
    tcase_add_test(ops, dup_is_deep_and_boxed_ops_work);
    tcase_set_timeout(basic, 60);
    suite_add_tcase(s, basic);
    suite_add_tcase(s, ops);
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
