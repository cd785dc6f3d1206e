/*
 * check_zset.c - the sorted set value type (core/zset.c): order by
 * (score, member), rank, select by rank, count below a score, updates,
 * removals, the reported encoding (listpack limits, one-way), -0 in a
 * listpack, scanning, the boxed ops (free, deep copy), the order-statistic tree
 * against a sorted-array model under random operations, and the compact
 * form against the big one (same answers, iterators both ways, conversion
 * exactly at each limit).
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

/* ---- the compact form against the big one --------------------------------------- */

static void expect_same_member(const struct zset_member *a, const struct zset_member *b)
{
    ck_assert_uint_eq(a->len, b->len);
    ck_assert(a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
    ck_assert(a->score == b->score); /* -0 == 0: a compact zset stores -0 as 0 */
}

/* Both zsets hold the same members in the same order, walked by rank and
 * by iterators from random ranks both ways. */
static void expect_same(struct zset *a, struct zset *b)
{
    size_t n = zset_len(b);
    ck_assert_uint_eq(zset_len(a), n);
    zset__check_invariants(a);
    struct zset_member ma, mb;
    for (size_t r = 0; r < n; r++) {
        zset_at(a, r, &ma);
        zset_at(b, r, &mb);
        expect_same_member(&ma, &mb);
    }
    for (int dir = 0; dir < 2; dir++) {
        size_t start = n ? (size_t)(rng() % (n + 1)) : 0;
        struct zset_iter ia, ib;
        zset_iter_init(&ia, a, start, dir);
        zset_iter_init(&ib, b, start, dir);
        size_t steps = 0;
        while (zset_iter_next(&ib, &mb)) {
            ck_assert(zset_iter_next(&ia, &ma));
            expect_same_member(&ma, &mb);
            steps++;
        }
        ck_assert(!zset_iter_next(&ia, &ma));
        ck_assert_uint_eq(steps, start >= n ? 0 : dir ? start + 1 : n - start);
    }
}

static double random_score(void)
{
    switch (rng() % 8) {
    case 0:
        return (double)(int64_t)(rng() % 2000000) - 1000000; /* multi-byte integers */
    case 1:
        return ((double)(int)(rng() % 200) - 100) / 8; /* fractions */
    case 2:
        return rng() % 2 ? INFINITY : -INFINITY;
    case 3:
        return rng() % 2 ? -0.0 : 4503599627370496.0 * (rng() % 2 ? 1 : -1); /* 2^52: a double */
    case 4:
        return 1e300 * ((double)(rng() % 5) - 2);
    default:
        return (double)(int)(rng() % 21) - 10; /* many ties */
    }
}

START_TEST(compact_against_big)
{
    uint64_t seed0 = 0xc0ac7ULL;
    rng_state = seed0;
    printf("check_zset compact_against_big seed %llu\n", (unsigned long long)seed0);
    /* `wide` keeps `compact` compact throughout; `dflt` converts at the
     * default limits, when the model says it must. */
    static struct object_limits wide = OBJECT_LIMITS_DEFAULT;
    wide.zset_max_listpack_entries = 1000000;
    wide.zset_max_listpack_value = 1000000;
    struct zset *compact = zset_create(&hasher, &wide);
    struct zset *dflt = make();
    struct zset *big = zset_create_skiplist(&hasher, &limits);
    bool converted = false;
    char m[80];
    for (int op = 0; op < 6000; op++) {
        unsigned names = op < 3000 ? 40 : 200; /* small first, then past 128 */
        size_t len = (size_t)snprintf(m, sizeof(m), "k%u", (unsigned)(rng() % names));
        if (rng() % 50 == 0) { /* now and then too long for a listpack */
            memset(m + len, 'x', 70 - len);
            len = 70;
        } else if (rng() % 60 == 0) {
            len = 0;
        }
        double score = random_score(), s1, s2;
        size_t r1, r2;
        switch (rng() % 4) {
        case 0:
        case 1: {
            bool a1, a2, a3;
            bool present = zset_score(big, m, len, &s2);
            if (!present && !converted)
                converted = zset_len(dflt) + 1 > MAX_ENTRIES || len > 64;
            ck_assert_int_eq(zset_set(big, m, len, score, &a1), ZSET_OK);
            ck_assert_int_eq(zset_set(compact, m, len, score, &a2), ZSET_OK);
            ck_assert_int_eq(zset_set(dflt, m, len, score, &a3), ZSET_OK);
            ck_assert(a1 == !present && a2 == a1 && a3 == a1);
            break;
        }
        case 2: {
            bool gone = zset_remove(big, m, len);
            ck_assert(zset_remove(compact, m, len) == gone);
            ck_assert(zset_remove(dflt, m, len) == gone);
            break;
        }
        default:
            ck_assert(zset_score(compact, m, len, &s1) == zset_score(big, m, len, &s2));
            ck_assert(zset_rank(compact, m, len, &r1) == zset_rank(big, m, len, &r2));
            ck_assert(zset_rank(dflt, m, len, &r1) == zset_rank(big, m, len, &r2));
            if (zset_rank(big, m, len, &r2)) {
                zset_rank(compact, m, len, &r1);
                ck_assert_uint_eq(r1, r2);
                zset_score(compact, m, len, &s1);
                ck_assert(s1 == s2);
            }
            for (int inc = 0; inc < 2; inc++) {
                ck_assert_uint_eq(zset_count_below(compact, score, inc),
                                  zset_count_below(big, score, inc));
                ck_assert_uint_eq(zset_count_below(dflt, score, inc),
                                  zset_count_below(big, score, inc));
            }
        }
        ck_assert_int_eq(zset_encoding(compact), OBJECT_ENC_LISTPACK);
        ck_assert_int_eq(zset_encoding(dflt),
                         converted ? OBJECT_ENC_SKIPLIST : OBJECT_ENC_LISTPACK);
        if (op % 23 == 0) {
            expect_same(compact, big);
            expect_same(dflt, big);
        }
    }
    ck_assert(converted);
    struct zset *copy = zset_dup(compact);
    expect_same(copy, big);
    ck_assert_int_eq(zset_encoding(copy), OBJECT_ENC_LISTPACK);
    zset_destroy(copy);
    zset_destroy(compact);
    zset_destroy(dflt);
    zset_destroy(big);
}
END_TEST

/* zset_load: any order in, sorted out; a repeat refused (the zset left
 * empty); the form Redis's rdbLoadObject gives. */
START_TEST(load_builds_either_form)
{
    struct zset_member items[3] = {{"c", 1, 3}, {"a", 1, -0.0}, {"b", 1, 2}};
    struct zset *z = make();
    ck_assert_int_eq(zset_load(z, items, 3, false), ZSET_OK);
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_LISTPACK);
    zset__check_invariants(z);
    expect_at(z, 0, "a", 0);
    expect_at(z, 2, "c", 3);
    put(z, "d", 1, true); /* and it works as any other */
    expect_at(z, 1, "d", 1);
    zset_destroy(z);

    struct zset_member dup[3] = {{"x", 1, 1}, {"y", 1, 2}, {"x", 1, 3}};
    z = make();
    ck_assert_int_eq(zset_load(z, dup, 3, true), ZSET_EDUP);
    ck_assert_uint_eq(zset_len(z), 0);
    zset_destroy(z);

    /* Past the entries limit: big, keeping -0; a repeat is refused there too. */
    static struct zset_member many[MAX_ENTRIES + 1];
    static char names[MAX_ENTRIES + 1][8];
    for (int i = 0; i <= MAX_ENTRIES; i++) {
        many[i].len = (size_t)snprintf(names[i], sizeof(names[i]), "m%d", i);
        many[i].ptr = names[i];
        many[i].score = i == 7 ? -0.0 : MAX_ENTRIES - i;
    }
    z = make();
    ck_assert_int_eq(zset_load(z, many, MAX_ENTRIES + 1, true), ZSET_OK);
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_SKIPLIST);
    zset__check_invariants(z);
    double sc;
    ck_assert(zset_score(z, "m7", 2, &sc) && sc == 0 && signbit(sc));
    zset_destroy(z);
    many[5].ptr = names[3];
    many[5].len = strlen(names[3]);
    z = make();
    ck_assert_int_eq(zset_load(z, many, MAX_ENTRIES + 1, true), ZSET_EDUP);
    ck_assert_uint_eq(zset_len(z), 0);
    zset_destroy(z);

    /* A long member: a listpack's stays compact, a skiplist's goes big. */
    char longm[70];
    memset(longm, 'l', sizeof(longm));
    struct zset_member one = {longm, sizeof(longm), 1};
    z = make();
    ck_assert_int_eq(zset_load(z, &one, 1, true), ZSET_OK);
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_LISTPACK);
    zset_destroy(z);
    z = make();
    ck_assert_int_eq(zset_load(z, &one, 1, false), ZSET_OK);
    ck_assert_int_eq(zset_encoding(z), OBJECT_ENC_SKIPLIST);
    zset_destroy(z);
}
END_TEST

/* An empty compact zset holds no buffer: none at first, none once its
 * last member goes (its head goes with it), none in its copy. */
START_TEST(empty_listpack_holds_no_buffer)
{
    struct zset *z = make();
    size_t header = zset_bytes(z);
    ck_assert_int_eq(zset_set(z, "a", 1, 1.5, NULL), ZSET_OK);
    ck_assert_int_eq(zset_set(z, "b", 1, 2, NULL), ZSET_OK);
    ck_assert_uint_gt(zset_bytes(z), header);
    ck_assert(zset_remove(z, "b", 1) && zset_remove(z, "a", 1));
    zset__check_invariants(z);
    ck_assert_uint_eq(zset_len(z), 0);
    ck_assert_uint_eq(zset_bytes(z), header);
    struct zset *copy = zset_dup(z);
    ck_assert_ptr_nonnull(copy);
    zset__check_invariants(copy);
    ck_assert_uint_eq(zset_bytes(copy), header);
    ck_assert_int_eq(zset_set(copy, "c", 1, 3, NULL), ZSET_OK);
    ck_assert_uint_eq(zset_len(copy), 1);
    zset_destroy(copy);
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
    tcase_add_test(tc, empty_listpack_holds_no_buffer);
    tcase_add_test(tc, scan_listpack_whole_skiplist_by_cursor);
    tcase_add_test(tc, random_against_model);
    tcase_add_test(tc, compact_against_big);
    tcase_add_test(tc, load_builds_either_form);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
