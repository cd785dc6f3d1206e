/*
 * check_zset_skiplist.c - a zset created as a skiplist (zset_create_skiplist,
 * core/zset.c): what ZUNIONSTORE and a long ZRANGESTORE build in Redis. It
 * reports "skiplist" from its first member and keeps the sign of every -0
 * score, and its copies do the same. (The rest of core/zset.c is in
 * check_zset.)
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "zset.h"

static const struct hashmap_seed seed = {0x1234, 0x5678};
static struct object_limits limits = OBJECT_LIMITS_DEFAULT;
static const struct hashmap_hasher hasher = {hashmap_siphash, &seed};

static void expect_minus_zero(struct zset *z, const char *m)
{
    double s = 1;
    ck_assert(zset_score(z, m, strlen(m), &s));
    ck_assert(s == 0 && signbit(s));
}

START_TEST(a_skiplist_from_the_start_keeps_minus_zero)
{
    struct zset *z = zset_create_skiplist(&hasher, &limits);
    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_SKIPLIST);
    ck_assert_int_eq(zset_set(z, "a", 1, -0.0, NULL), ZSET_OK);
    ck_assert_int_eq(zset_set(z, "b", 1, 2, NULL), ZSET_OK);
    zset__check_invariants(z);
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_SKIPLIST);
    expect_minus_zero(z, "a");
    struct zset *copy = zset_dup(z);
    ck_assert_ptr_nonnull(copy);
    ck_assert_int_eq(zset_encoding(copy), OBJECT_ENC_SKIPLIST);
    expect_minus_zero(copy, "a");
    ck_assert(zset_remove(z, "a", 1) && zset_remove(z, "b", 1));
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_SKIPLIST); /* one way, as ever */
    zset_destroy(copy);
    zset_destroy(z);
}
END_TEST

/* zset_create's listpack still turns -0 into 0 (the contrast). */
START_TEST(a_listpack_zset_still_stores_minus_zero_as_zero)
{
    struct zset *z = zset_create(&hasher, &limits);
    double s;
    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(zset_set(z, "a", 1, -0.0, NULL), ZSET_OK);
    ck_assert(zset_score(z, "a", 1, &s) && s == 0 && !signbit(s));
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_LISTPACK);
    zset_destroy(z);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("zset_skiplist");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, a_skiplist_from_the_start_keeps_minus_zero);
    tcase_add_test(tc, a_listpack_zset_still_stores_minus_zero_as_zero);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
