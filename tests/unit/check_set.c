/*
 * check_set.c - the set value type (core/set.c): intset and table forms,
 * conversion rules (non-integer member, 512 entries, canonical integers
 * only), order, iteration, scan, random picks, and the boxed ops (free,
 * deep copy).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "set.h"

static const struct hashmap_seed seed = {0x1234, 0x5678};
static struct object_limits limits = OBJECT_LIMITS_DEFAULT;
#define MAX_INTSET 512 /* set-max-intset-entries' default */
static const struct hashmap_hasher hasher = {hashmap_siphash, &seed};

static struct set *make(void)
{
    struct set *s = set_create(&hasher, &limits);
    ck_assert_ptr_nonnull(s);
    return s;
}

static void add(struct set *s, const char *m, bool want_added)
{
    bool added;
    ck_assert_int_eq(set_add(s, m, strlen(m), &added), SET_OK);
    ck_assert(added == want_added);
    set__check_invariants(s);
}

static bool has(struct set *s, const char *m)
{
    return set_contains(s, m, strlen(m));
}

/* Add the integers from..to-1 as decimal strings. */
static void fill_ints(struct set *s, int from, int to)
{
    char m[32];
    for (int i = from; i < to; i++) {
        snprintf(m, sizeof(m), "%d", i);
        ck_assert_int_eq(set_add(s, m, strlen(m), NULL), SET_OK);
    }
    set__check_invariants(s);
}

/* 64 random bits, as rng.h asks of a source: rng_below takes the high
 * bits of a product, so a source with its top bits always zero would
 * only ever give 0 (an LCG's high bits are its best). */
static uint64_t counter_rand(void *ud)
{
    uint64_t *x = ud;
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return *x;
}

START_TEST(add_contains_remove)
{
    struct set *s = make();
    ck_assert_uint_eq(set_len(s), 0);
    add(s, "a", true);
    add(s, "a", false);
    add(s, "", true);
    ck_assert(has(s, "a") && has(s, "") && !has(s, "b"));
    ck_assert_uint_eq(set_len(s), 2);
    ck_assert(set_remove(s, "a", 1));
    ck_assert(!set_remove(s, "a", 1));
    ck_assert(!has(s, "a"));
    ck_assert_uint_eq(set_len(s), 1);
    set__check_invariants(s);
    set_destroy(s);
}
END_TEST

START_TEST(binary_members_with_nul_bytes)
{
    struct set *s = make();
    ck_assert_int_eq(set_add(s, "a\0b", 3, NULL), SET_OK);
    ck_assert(set_contains(s, "a\0b", 3));
    ck_assert(!set_contains(s, "a", 1));
    ck_assert(!set_contains(s, "a\0c", 3));
    set_destroy(s);
}
END_TEST

START_TEST(destroy_accepts_null)
{
    set_destroy(NULL);
}
END_TEST

START_TEST(integers_are_intset_sorted)
{
    struct set *s = make();
    ck_assert_int_eq(set_encoding(s), OBJECT_ENC_INTSET);
    const char *in[] = {"5", "-3", "10", "0", "-9223372036854775808", "9223372036854775807"};
    for (size_t i = 0; i < 6; i++)
        add(s, in[i], true);
    add(s, "10", false);
    ck_assert_int_eq(set_encoding(s), OBJECT_ENC_INTSET);
    const char *want[] = {"-9223372036854775808", "-3", "0", "5", "10", "9223372036854775807"};
    struct set_iter it;
    struct set_member m;
    size_t n = 0;
    set_iter_init(&it, s);
    while (set_iter_next(&it, &m)) {
        ck_assert_uint_lt(n, 6);
        ck_assert_uint_eq(m.len, strlen(want[n]));
        ck_assert(memcmp(m.ptr, want[n], m.len) == 0);
        n++;
    }
    set_iter_deinit(&it);
    ck_assert_uint_eq(n, 6);
    ck_assert(set_remove(s, "-3", 2));
    ck_assert(!has(s, "-3") && has(s, "0"));
    set__check_invariants(s);
    set_destroy(s);
}
END_TEST

START_TEST(non_canonical_integers_convert)
{
    const char *odd[] = {"01", "+1", "-0", " 1", "1 ", "1.0", "9223372036854775808", "abc"};
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        struct set *s = make();
        add(s, "1", true);
        add(s, odd[i], true);
        ck_assert_int_eq(set_encoding(s), OBJECT_ENC_HASHTABLE);
        ck_assert(has(s, "1") && has(s, odd[i]));
        ck_assert_uint_eq(set_len(s), 2);
        set_destroy(s);
    }
}
END_TEST

START_TEST(intset_lookup_of_non_integer_is_false)
{
    struct set *s = make();
    add(s, "1", true);
    ck_assert(!has(s, "01"));
    ck_assert(!has(s, "x"));
    ck_assert(!set_remove(s, "01", 2));
    ck_assert_int_eq(set_encoding(s), OBJECT_ENC_INTSET);
    set_destroy(s);
}
END_TEST

START_TEST(entry_513_converts_and_never_back)
{
    struct set *s = make();
    fill_ints(s, 0, MAX_INTSET);
    ck_assert_int_eq(set_encoding(s), OBJECT_ENC_INTSET);
    add(s, "0", false); /* an existing member does not convert */
    ck_assert_int_eq(set_encoding(s), OBJECT_ENC_INTSET);
    add(s, "100000", true);
    ck_assert_int_eq(set_encoding(s), OBJECT_ENC_HASHTABLE);
    ck_assert_uint_eq(set_len(s), MAX_INTSET + 1);
    for (int i = 0; i < MAX_INTSET; i++) {
        char m[16];
        snprintf(m, sizeof(m), "%d", i);
        ck_assert(has(s, m));
        ck_assert(set_remove(s, m, strlen(m)));
    }
    ck_assert_uint_eq(set_len(s), 1);
    ck_assert_int_eq(set_encoding(s), OBJECT_ENC_HASHTABLE);
    set__check_invariants(s);
    set_destroy(s);
}
END_TEST

struct seen {
    unsigned char hit[2000];
    size_t calls;
};

static void scan_cb(const struct set_member *m, void *ud)
{
    struct seen *seen = ud;
    char buf[16];
    ck_assert_uint_lt(m->len, sizeof(buf));
    memcpy(buf, m->ptr, m->len);
    buf[m->len] = 0;
    int i = atoi(buf + (buf[0] == 'm'));
    ck_assert(i >= 0 && i < 2000);
    seen->hit[i] = 1;
    seen->calls++;
}

START_TEST(scan_visits_every_member)
{
    struct set *s = make();
    fill_ints(s, 0, 100);
    struct seen seen = {0};
    ck_assert_uint_eq(set_scan(s, 0, scan_cb, &seen), 0); /* intset: whole, cursor 0 */
    ck_assert_uint_eq(seen.calls, 100);
    char m[16];
    for (int i = 100; i < 1500; i++) {
        snprintf(m, sizeof(m), "m%d", i);
        ck_assert_int_eq(set_add(s, m, strlen(m), NULL), SET_OK);
    }
    memset(&seen, 0, sizeof(seen));
    uint64_t cursor = 0;
    do
        cursor = set_scan(s, cursor, scan_cb, &seen);
    while (cursor != 0);
    for (int i = 0; i < 1500; i++)
        ck_assert(seen.hit[i]);
    set_destroy(s);
}
END_TEST

START_TEST(random_covers_both_forms)
{
    uint64_t x = 42;
    struct set_member m;
    struct set *s = make();
    fill_ints(s, 0, 10);
    struct seen seen = {0};
    for (int i = 0; i < 1000; i++) {
        set_random(s, &m, counter_rand, &x);
        scan_cb(&m, &seen);
    }
    for (int i = 0; i < 10; i++)
        ck_assert(seen.hit[i]);
    add(s, "m10", true);
    memset(&seen, 0, sizeof(seen));
    for (int i = 0; i < 2000; i++) {
        set_random(s, &m, counter_rand, &x);
        scan_cb(&m, &seen);
    }
    for (int i = 0; i <= 10; i++)
        ck_assert(seen.hit[i]);
    set_destroy(s);
}
END_TEST

START_TEST(dup_is_deep_in_both_forms)
{
    struct set *s = make();
    fill_ints(s, 0, 20);
    struct set *c = set_dup(s);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(set_encoding(c), OBJECT_ENC_INTSET);
    add(s, "x", true);
    ck_assert(!has(c, "x"));
    ck_assert_uint_eq(set_len(c), 20);
    struct set *c2 = set_dup(s);
    ck_assert_int_eq(set_encoding(c2), OBJECT_ENC_HASHTABLE);
    ck_assert_uint_eq(set_len(c2), 21);
    ck_assert(has(c2, "x") && has(c2, "19"));
    set_remove(s, "x", 1);
    ck_assert(has(c2, "x"));
    set__check_invariants(c);
    set__check_invariants(c2);
    /* through the boxed ops, as COPY and DEL use them */
    struct object_boxed *b = set_boxed(c2);
    struct object_boxed *bc = b->ops->dup_cb(b);
    ck_assert_ptr_nonnull(bc);
    ck_assert_uint_eq(set_len(set_from_boxed(bc)), 21);
    bc->ops->free_cb(bc);
    b->ops->free_cb(b);
    set_destroy(c);
    set_destroy(s);
}
END_TEST

static Suite *set_suite(void)
{
    Suite *s = suite_create("set");
    TCase *basic = tcase_create("basic");
    TCase *enc = tcase_create("encoding");
    TCase *visit = tcase_create("visiting");
    tcase_add_test(basic, add_contains_remove);
    tcase_add_test(basic, binary_members_with_nul_bytes);
    tcase_add_test(basic, destroy_accepts_null);
    tcase_add_test(enc, integers_are_intset_sorted);
    tcase_add_test(enc, non_canonical_integers_convert);
    tcase_add_test(enc, intset_lookup_of_non_integer_is_false);
    tcase_add_test(enc, entry_513_converts_and_never_back);
    tcase_add_test(visit, scan_visits_every_member);
    tcase_add_test(visit, random_covers_both_forms);
    tcase_add_test(visit, dup_is_deep_in_both_forms);
    suite_add_tcase(s, basic);
    suite_add_tcase(s, enc);
    suite_add_tcase(s, visit);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(set_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
