/*
 * check_zset.c - the sorted set value type (core/zset.c): order by
 * (score, member), rank, select by rank, count below a score, updates,
 * removals, the reported encoding (listpack limits, one-way), -0 in a
 * listpack, scanning, the boxed ops (free, deep copy), and the order-statistic tree
 * against a sorted-array model under random operations.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zset.h"

static const struct hashmap_seed seed = {0x1234, 0x5678};
static struct object_limits limits = OBJECT_LIMITS_DEFAULT;
#define MAX_ENTRIES 128 /* zset-max-listpack-entries' default */
static const struct hashmap_hasher hasher = {hashmap_siphash, &seed};

static struct zset *make(void)
{
    struct zset *z = zset_create(&hasher, &limits);
    ck_assert_ptr_nonnull(z);
    return z;
}

static void put(struct zset *z, const char *m, double score, bool want_added)
{
    bool added;
    ck_assert_int_eq(zset_set(z, m, strlen(m), score, &added), ZSET_OK);
    ck_assert(added == want_added);
    zset__check_invariants(z);
}

static void expect_at(struct zset *z, size_t rank, const char *m, double score)
{
    struct zset_member got;
    zset_at(z, rank, &got);
    ck_assert_uint_eq(got.len, strlen(m));
    ck_assert(memcmp(got.ptr, m, got.len) == 0);
    ck_assert(got.score == score);
}

static size_t rank_of(struct zset *z, const char *m)
{
    size_t r = 0;
    ck_assert(zset_rank(z, m, strlen(m), &r));
    return r;
}

START_TEST(order_and_rank)
{
    struct zset *z = make();
    ck_assert_uint_eq(zset_len(z), 0);
    put(z, "b", 2, true);
    put(z, "a", 2, true);
    put(z, "c", 1, true);
    put(z, "", 2, true);
    put(z, "ab", 2, true);
    put(z, "x", -INFINITY, true);
    put(z, "y", INFINITY, true);
    ck_assert_uint_eq(zset_len(z), 7);
    expect_at(z, 0, "x", -INFINITY);
    expect_at(z, 1, "c", 1);
    expect_at(z, 2, "", 2);
    expect_at(z, 3, "a", 2);
    expect_at(z, 4, "ab", 2);
    expect_at(z, 5, "b", 2);
    expect_at(z, 6, "y", INFINITY);
    ck_assert_uint_eq(rank_of(z, "ab"), 4);
    ck_assert(!zset_rank(z, "nope", 4, &(size_t){0}));
    double s;
    ck_assert(zset_score(z, "c", 1, &s) && s == 1);
    ck_assert(!zset_score(z, "zz", 2, &s));
    ck_assert_uint_eq(zset_count_below(z, 2, false), 2);
    ck_assert_uint_eq(zset_count_below(z, 2, true), 6);
    ck_assert_uint_eq(zset_count_below(z, -INFINITY, false), 0);
    ck_assert_uint_eq(zset_count_below(z, -INFINITY, true), 1);
    ck_assert_uint_eq(zset_count_below(z, INFINITY, true), 7);
    /* Updating moves the member; the same score is a no-op. */
    put(z, "c", 3, false);
    expect_at(z, 5, "c", 3);
    put(z, "c", 3, false);
    ck_assert(zset_remove(z, "c", 1));
    ck_assert(!zset_remove(z, "c", 1));
    zset__check_invariants(z);
    ck_assert_uint_eq(zset_len(z), 6);
    zset_destroy(z);
    zset_destroy(NULL);
}
END_TEST

START_TEST(encoding_limits)
{
    struct zset *z = make();
    char m[80];
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_LISTPACK);
    for (int i = 0; i < MAX_ENTRIES; i++) {
        snprintf(m, sizeof(m), "m%d", i);
        put(z, m, i, true);
    }
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_LISTPACK);
    put(z, "m5", 1000, false); /* an update never converts */
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_LISTPACK);
    put(z, "extra", 1, true);
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_SKIPLIST);
    ck_assert(zset_remove(z, "extra", 5));
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_SKIPLIST); /* one-way */
    zset_destroy(z);

    z = make();
    memset(m, 'v', 64);
    m[64] = '\0';
    put(z, m, 1, true);
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_LISTPACK);
    m[64] = 'v';
    m[65] = '\0';
    put(z, m, 1, true);
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_SKIPLIST);
    zset_destroy(z);
}
END_TEST

/* Lowered limits convert at the next insert, not before, and a copy keeps
 * the original's encoding whatever the limits say (Redis copies the
 * listpack itself). */
START_TEST(lowered_limits_apply_at_the_next_insert)
{
    struct zset *z = make();
    put(z, "a", 1, true);
    put(z, "b", 2, true);
    limits.zset_max_listpack_entries = 2;
    struct zset *copy = zset_dup(z);
    ck_assert_int_eq(zset_encoding(copy), OBJECT_ENC_LISTPACK);
    put(z, "a", 5, false);
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_LISTPACK);
    put(z, "c", 3, true);
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_SKIPLIST);
    limits.zset_max_listpack_entries = 128;
    limits.zset_max_listpack_value = 1;
    put(copy, "cc", 1, true);
    ck_assert_int_eq(zset_encoding(copy), OBJECT_ENC_SKIPLIST);
    limits.zset_max_listpack_value = 64;
    zset_destroy(copy);
    zset_destroy(z);
}
END_TEST

START_TEST(negative_zero)
{
    struct zset *z = make();
    put(z, "a", -0.0, true);
    struct zset_member m;
    zset_at(z, 0, &m);
    ck_assert(!signbit(m.score)); /* a listpack keeps -0 as 0 */
    char big[70];
    memset(big, 'b', 69);
    big[69] = '\0';
    put(z, big, 5, true);
    put(z, "c", -0.0, true);
    double s;
    ck_assert(zset_score(z, "c", 1, &s) && s == 0 && signbit(s)); /* a skiplist keeps it */
    zset_destroy(z);
}
END_TEST

START_TEST(dup_is_deep)
{
    struct zset *z = make();
    put(z, "a", 1, true);
    put(z, "b", 2, true);
    struct object_boxed *b = zset_boxed(z);
    struct object_boxed *cb = b->ops->dup_cb(b);
    ck_assert_ptr_nonnull(cb);
    struct zset *c = zset_from_boxed(cb);
    ck_assert(zset_remove(z, "a", 1));
    ck_assert_uint_eq(zset_len(c), 2);
    expect_at(c, 0, "a", 1);
    expect_at(c, 1, "b", 2);
    ck_assert_int_eq(zset_encoding(c), OBJECT_ENC_LISTPACK);
    zset__check_invariants(c);
    cb->ops->free_cb(cb);
    b->ops->free_cb(b);
}
END_TEST

static void count_cb(const struct zset_member *m, void *ud)
{
    size_t *seen = ud;
    char buf[16];
    ck_assert_uint_lt(m->len, sizeof(buf));
    memcpy(buf, m->ptr, m->len); /* members are not NUL-terminated */
    buf[m->len] = '\0';
    seen[atoi(buf + 1)]++;
}

START_TEST(scan_listpack_whole_skiplist_by_cursor)
{
    struct zset *z = make();
    size_t seen[200] = {0};
    char m[16];
    for (int i = 0; i < 5; i++) {
        snprintf(m, sizeof(m), "m%d", i);
        put(z, m, -i, true);
    }
    ck_assert_uint_eq(zset_scan(z, 0, count_cb, seen), 0); /* listpack: all at once */
    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq(seen[i], 1);
    for (int i = 5; i < 200; i++) {
        snprintf(m, sizeof(m), "m%d", i);
        put(z, m, i, true);
    }
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_SKIPLIST);
    memset(seen, 0, sizeof(seen));
    uint64_t cursor = 0;
    int rounds = 0;
    do {
        cursor = zset_scan(z, cursor, count_cb, seen);
        ck_assert_int_lt(++rounds, 100000);
    } while (cursor != 0);
    for (int i = 0; i < 200; i++)
        ck_assert_uint_ge(seen[i], 1);
    zset_destroy(z);
}
END_TEST

/* ---- random operations against a sorted-array model --------------------------- */

struct model_item {
    char m[8];
    double score;
};

static int model_cmp(const void *pa, const void *pb)
{
    const struct model_item *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score < b->score ? -1 : 1;
    return strcmp(a->m, b->m); /* same-length-prefix-free names: memcmp order */
}

static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng_state >> 17;
}

START_TEST(random_against_model)
{
    uint64_t seed0 = 0x5eed2026ULL;
    rng_state = seed0;
    printf("check_zset random_against_model seed %llu\n", (unsigned long long)seed0);
    enum { NAMES = 300, OPS = 20000 };
    struct model_item model[NAMES];
    size_t n = 0;
    struct zset *z = make();
    for (int op = 0; op < OPS; op++) {
        char m[8];
        snprintf(m, sizeof(m), "k%03d", (int)(rng() % NAMES));
        double score = (double)(int)(rng() % 41) - 20; /* many ties */
        size_t i;
        for (i = 0; i < n && strcmp(model[i].m, m) != 0; i++)
            ;
        unsigned kind = (unsigned)(rng() % 3);
        if (kind < 2) {
            bool added;
            ck_assert_int_eq(zset_set(z, m, strlen(m), score, &added), ZSET_OK);
            ck_assert(added == (i == n));
            if (i == n)
                n++;
            strcpy(model[i].m, m);
            model[i].score = score;
        } else {
            ck_assert(zset_remove(z, m, strlen(m)) == (i < n));
            if (i < n)
                model[i] = model[--n];
        }
        qsort(model, n, sizeof(model[0]), model_cmp);
        ck_assert_uint_eq(zset_len(z), n);
        if (op % 97 == 0 || op == OPS - 1) {
            zset__check_invariants(z);
            for (size_t r = 0; r < n; r++) {
                expect_at(z, r, model[r].m, model[r].score);
                ck_assert_uint_eq(rank_of(z, model[r].m), r);
            }
        }
        /* count_below against the model for a random bound */
        double bound = (double)(int)(rng() % 45) - 22;
        size_t lt = 0, le = 0;
        for (size_t r = 0; r < n; r++) {
            lt += model[r].score < bound;
            le += model[r].score <= bound;
        }
        ck_assert_uint_eq(zset_count_below(z, bound, false), lt);
        ck_assert_uint_eq(zset_count_below(z, bound, true), le);
    }
    zset_destroy(z);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("zset");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, order_and_rank);
    tcase_add_test(tc, encoding_limits);
    tcase_add_test(tc, lowered_limits_apply_at_the_next_insert);
    tcase_add_test(tc, negative_zero);
    tcase_add_test(tc, dup_is_deep);
    tcase_add_test(tc, scan_listpack_whole_skiplist_by_cursor);
    tcase_add_test(tc, random_against_model);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
