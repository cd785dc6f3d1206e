/*
 * check_hyperloglog.c - Redis's HyperLogLog in core/hyperloglog.c.
 *
 * Expected bytes, registers and counts were taken from redis-server 7.0.15
 * (PFADD then GET, PFDEBUG DECODE, PFCOUNT). The sparse encoding is
 * checked against the dense one and a plain array of registers on random
 * elements, and corrupt strings are run through every reader in buffers
 * of their exact size, so AddressSanitizer sees any read past the end.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyperloglog.h"

/* splitmix64: reproducible test data. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t rng_cb(void *ud)
{
    return rng_next(ud);
}

/* ---- an HLL that grows like a string value --------------------------------------- */

struct hll {
    uint8_t *p;
    size_t len, cap;
    size_t max_bytes;
};

static void hll_new(struct hll *h, size_t max_bytes)
{
    h->p = malloc(HLL_SPARSE_EMPTY_SIZE);
    ck_assert_ptr_nonnull(h->p);
    hll_init_empty(h->p);
    h->len = h->cap = HLL_SPARSE_EMPTY_SIZE;
    h->max_bytes = max_bytes;
}

/* An empty dense HLL. */
static void hll_new_dense(struct hll *h)
{
    h->p = calloc(HLL_DENSE_SIZE, 1);
    ck_assert_ptr_nonnull(h->p);
    memcpy(h->p, "HYLL", 4);
    h->len = h->cap = HLL_DENSE_SIZE;
    h->max_bytes = 0;
}

/* Exactly `len` bytes in their own allocation (for ASan). */
static void hll_from(struct hll *h, const void *bytes, size_t len)
{
    h->p = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(h->p);
    memcpy(h->p, bytes, len);
    h->len = h->cap = len;
    h->max_bytes = HLL_SPARSE_MAX_BYTES_DEFAULT;
}

/* Set a register as PFADD does: grow by 3 or promote when asked. The
 * result of hll_set, or of a promotion that failed. */
static int hll_put(struct hll *h, unsigned index, unsigned count)
{
    for (;;) {
        int rc = hll_set(h->p, &h->len, h->cap, index, count, h->max_bytes);
        if (rc == HLL_ENOROOM) {
            h->cap = h->len + 3;
            h->p = realloc(h->p, h->cap);
            ck_assert_ptr_nonnull(h->p);
        } else if (rc == HLL_EPROMOTE) {
            uint8_t *dense = malloc(HLL_DENSE_SIZE);
            ck_assert_ptr_nonnull(dense);
            if (hll_to_dense(h->p, h->len, dense) != HLL_OK) {
                free(dense);
                return HLL_ECORRUPT;
            }
            free(h->p);
            h->p = dense;
            h->len = h->cap = HLL_DENSE_SIZE;
        } else {
            return rc;
        }
    }
}

static int hll_add(struct hll *h, const void *ele, size_t len)
{
    unsigned index, count = hll_pattern(ele, len, &index);
    return hll_put(h, index, count);
}

static int hll_add_str(struct hll *h, const char *s)
{
    return hll_add(h, s, strlen(s));
}

static uint64_t hll_card(const struct hll *h)
{
    uint64_t card = 0;
    ck_assert_int_eq(hll_count(h->p, h->len, &card), HLL_OK);
    return card;
}

static void hll_free(struct hll *h)
{
    free(h->p);
}

/* ---- hashing and registers --------------------------------------------------------- */

/* Single elements and the register Redis's PFDEBUG DECODE shows for them. */
START_TEST(elements_pick_redis_s_registers)
{
    static const struct {
        const char *ele;
        unsigned index, count;
    } want[] = {{"a", 12711, 2},        {"b", 15780, 1},       {"hello", 9216, 1},
                {"", 5938, 2},          {"12345678", 10579, 3}, {"123456789", 9293, 2},
                {"foo bar baz", 12038, 1}, {"\xc3\xbcmlaut", 10844, 2}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        unsigned index, count = hll_pattern(want[i].ele, strlen(want[i].ele), &index);
        ck_assert_uint_eq(index, want[i].index);
        ck_assert_uint_eq(count, want[i].count);
    }
}
END_TEST

START_TEST(counts_end_at_fifty_one)
{
    uint64_t r = 1;
    for (int i = 0; i < 100000; i++) {
        uint64_t ele = rng_next(&r);
        unsigned index, count = hll_pattern(&ele, sizeof(ele), &index);
        ck_assert_uint_lt(index, HLL_REGISTERS);
        ck_assert_uint_ge(count, 1);
        ck_assert_uint_le(count, 51);
    }
}
END_TEST

/* Every dense register keeps its value without touching its neighbours,
 * the last one included (no byte past the array). */
START_TEST(dense_registers_are_independent)
{
    uint8_t *p = malloc(HLL_DENSE_SIZE);
    uint8_t want[HLL_REGISTERS] = {0};
    uint64_t r = 7;
    size_t len = HLL_DENSE_SIZE;
    memset(p, 0, HLL_DENSE_SIZE);
    memcpy(p, "HYLL", 4);
    /* Mismatches are counted, not asserted one by one: 650,000 ck_asserts
     * (each a write to Check's pipe) took over a minute under ASan. */
    size_t wrong = 0;
    for (int round = 0; round < 20; round++) {
        for (unsigned i = 0; i < HLL_REGISTERS; i++) {
            unsigned v = (unsigned)(rng_next(&r) % 64);
            int changed = hll_set(p, &len, len, i, v, 0);
            wrong += changed != (v > want[i]);
            if (v > want[i])
                want[i] = (uint8_t)v;
        }
        for (unsigned i = 0; i < HLL_REGISTERS; i++)
            wrong += hll_register(p, len, i) != want[i];
    }
    ck_assert_uint_eq(wrong, 0);
    ck_assert_int_eq(hll_set(p, &len, len, HLL_REGISTERS - 1, 63, 0), want[HLL_REGISTERS - 1] < 63);
    ck_assert_int_eq(hll_register(p, len, HLL_REGISTERS - 1), 63);
    free(p);
}
END_TEST

/* ---- the header ------------------------------------------------------------------ */

START_TEST(validity_follows_redis)
{
    uint8_t p[HLL_DENSE_SIZE + 1] = "HYLL";
    ck_assert(hll_is_valid(p, HLL_DENSE_SIZE));
    ck_assert(!hll_is_valid(p, HLL_DENSE_SIZE + 1)); /* dense: exact length */
    ck_assert(!hll_is_valid(p, HLL_DENSE_SIZE - 1));
    ck_assert(!hll_is_valid(p, 15));
    p[4] = HLL_SPARSE;
    ck_assert(hll_is_valid(p, 16)); /* sparse: opcodes are checked when read */
    ck_assert(hll_is_valid(p, 5000));
    p[4] = 2;
    ck_assert(!hll_is_valid(p, 16));
    p[4] = HLL_SPARSE;
    p[3] = 'l';
    ck_assert(!hll_is_valid(p, 16));
}
END_TEST

START_TEST(cache_is_little_endian_with_a_stale_bit)
{
    uint8_t p[HLL_SPARSE_EMPTY_SIZE];
    uint64_t card = 99;
    hll_init_empty(p);
    ck_assert(hll_cached(p, &card));
    ck_assert_uint_eq(card, 0);
    hll_cache_store(p, 0x0102030405060708ull);
    ck_assert_mem_eq(p + 8, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
    ck_assert(hll_cached(p, &card));
    ck_assert_uint_eq(card, 0x0102030405060708ull);
    hll_cache_invalidate(p);
    ck_assert_uint_eq(p[15], 0x81);
    ck_assert(!hll_cached(p, &card));
}
END_TEST

/* ---- sparse updates ---------------------------------------------------------------- */

START_TEST(empty_hll_is_redis_s)
{
    uint8_t p[HLL_SPARSE_EMPTY_SIZE];
    char text[32];
    hll_init_empty(p);
    ck_assert_mem_eq(p, "HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", HLL_SPARSE_EMPTY_SIZE);
    ck_assert_uint_eq(hll_decode(p, sizeof(p), text, sizeof(text)), 7);
    ck_assert_mem_eq(text, "Z:16384", 7);
    uint64_t card = 1;
    ck_assert_int_eq(hll_count(p, sizeof(p), &card), HLL_OK);
    ck_assert_uint_eq(card, 0);
}
END_TEST

/* PFADD a b c on Redis: these exact bytes, and its PFDEBUG DECODE. */
START_TEST(sparse_bytes_match_redis)
{
    static const uint8_t want[] = "\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a";
    static const char decoded[] = "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603";
    struct hll h;
    char text[64];
    hll_new(&h, HLL_SPARSE_MAX_BYTES_DEFAULT);
    ck_assert_int_eq(hll_add_str(&h, "a"), 1);
    ck_assert_int_eq(hll_add_str(&h, "b"), 1);
    ck_assert_int_eq(hll_add_str(&h, "c"), 1);
    ck_assert_int_eq(hll_add_str(&h, "a"), 0);
    ck_assert_uint_eq(h.len, 16 + sizeof(want) - 1);
    ck_assert_mem_eq(h.p, "HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80", 16); /* count stale */
    ck_assert_mem_eq(h.p + 16, want, sizeof(want) - 1);
    size_t n = hll_decode(h.p, h.len, text, sizeof(text));
    ck_assert_uint_eq(n, strlen(decoded));
    ck_assert_mem_eq(text, decoded, n);
    ck_assert_uint_eq(hll_card(&h), 3);
    hll_free(&h);
}
END_TEST

/* "0".."199" stay sparse in 507 bytes; "0".."9999" are dense; Redis's
 * PFCOUNT of each, and of "0".."999999". */
START_TEST(counts_match_redis)
{
    static const struct {
        unsigned n;
        uint64_t card;
        size_t len;
    } want[] = {{200, 201, 507}, {10000, 9987, HLL_DENSE_SIZE}, {1000000, 1009972, HLL_DENSE_SIZE}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct hll h;
        char ele[16];
        size_t failed = 0; /* counted: a ck_assert per element is slow under ASan */
        hll_new(&h, HLL_SPARSE_MAX_BYTES_DEFAULT);
        for (unsigned j = 0; j < want[i].n; j++) {
            snprintf(ele, sizeof(ele), "%u", j);
            failed += hll_add_str(&h, ele) < 0;
        }
        ck_assert_uint_eq(failed, 0);
        ck_assert_uint_eq(h.len, want[i].len);
        ck_assert_uint_eq(hll_card(&h), want[i].card);
        hll_free(&h);
    }
}
END_TEST

START_TEST(values_above_32_promote)
{
    struct hll h;
    hll_new(&h, HLL_SPARSE_MAX_BYTES_DEFAULT);
    ck_assert_int_eq(hll_put(&h, 5, 32), 1);
    ck_assert_uint_eq(hll_encoding_of(h.p), HLL_SPARSE);
    ck_assert_int_eq(hll_set(h.p, &h.len, h.cap, 6, 33, h.max_bytes), HLL_EPROMOTE);
    ck_assert_int_eq(hll_put(&h, 6, 33), 1);
    ck_assert_uint_eq(hll_encoding_of(h.p), HLL_DENSE);
    ck_assert_int_eq(hll_register(h.p, h.len, 5), 32);
    ck_assert_int_eq(hll_register(h.p, h.len, 6), 33);
    hll_free(&h);
}
END_TEST

START_TEST(growth_past_max_bytes_promotes)
{
    struct hll h;
    hll_new(&h, 30);
    unsigned i = 0;
    while (hll_encoding_of(h.p) == HLL_SPARSE) {
        ck_assert_uint_le(h.len, 30);
        ck_assert_int_eq(hll_put(&h, i * 100, 1), 1);
        i++;
    }
    for (unsigned j = 0; j < i; j++)
        ck_assert_int_eq(hll_register(h.p, h.len, j * 100), 1);
    hll_free(&h);
}
END_TEST

START_TEST(growth_asks_for_room_first)
{
    struct hll h;
    hll_new(&h, HLL_SPARSE_MAX_BYTES_DEFAULT);
    uint8_t before[HLL_SPARSE_EMPTY_SIZE];
    memcpy(before, h.p, sizeof(before));
    ck_assert_int_eq(hll_set(h.p, &h.len, h.cap, 100, 3, h.max_bytes), HLL_ENOROOM);
    ck_assert_mem_eq(h.p, before, sizeof(before)); /* untouched */
    ck_assert_int_eq(hll_put(&h, 100, 3), 1);
    ck_assert_uint_eq(h.len, HLL_SPARSE_EMPTY_SIZE + 3); /* XZERO VAL XZERO */
    hll_free(&h);
}
END_TEST

/* h holds exactly the registers of model (read whole, and a few one by
 * one: hll_register on a sparse HLL walks its opcodes). */
static void expect_registers(const struct hll *h, const uint8_t *model)
{
    uint8_t *got = calloc(HLL_REGISTERS, 1);
    ck_assert_int_eq(hll_merge(got, h->p, h->len), HLL_OK);
    ck_assert_mem_eq(got, model, HLL_REGISTERS);
    for (unsigned i = 0; i < HLL_REGISTERS; i += 97)
        ck_assert_int_eq(hll_register(h->p, h->len, i), model[i]);
    free(got);
}

/* The model test: random elements into a sparse HLL (promoted at
 * max_bytes), a dense one and a plain array of registers; they always
 * hold the same registers and give the same count. */
START_TEST(sparse_and_dense_agree_with_a_model)
{
    static const size_t max_bytes[] = {3000, 300, 20000};
    uint64_t r = 42 + (uint64_t)_i;
    struct hll sparse, dense;
    uint8_t *model = calloc(HLL_REGISTERS, 1);
    hll_new(&sparse, max_bytes[_i]);
    hll_new_dense(&dense);
    for (unsigned round = 0; round < 60; round++) {
        unsigned n = 1 + (unsigned)(rng_next(&r) % (round < 30 ? 20 : 400));
        for (unsigned j = 0; j < n; j++) {
            uint64_t ele = rng_next(&r) % 50000;
            unsigned index, count = hll_pattern(&ele, sizeof(ele), &index);
            int want = count > model[index];
            if (want)
                model[index] = (uint8_t)count;
            ck_assert_int_eq(hll_put(&sparse, index, count), want);
            ck_assert_int_eq(hll_put(&dense, index, count), want);
        }
        expect_registers(&sparse, model);
        expect_registers(&dense, model);
        ck_assert_uint_eq(hll_card(&sparse), hll_card(&dense));
        ck_assert_uint_eq(hll_card(&dense), hll_count_registers(model));
    }
    hll_free(&sparse);
    hll_free(&dense);
    free(model);
}
END_TEST

/* A sparse HLL kept sparse (no value above 32) agrees with the model
 * register for register, and converts to the same dense bytes. */
START_TEST(sparse_converts_to_the_same_dense_registers)
{
    uint64_t r = 3;
    struct hll sparse, dense;
    uint8_t *converted = malloc(HLL_DENSE_SIZE);
    hll_new(&sparse, 1u << 20);
    hll_new_dense(&dense);
    for (unsigned j = 0; j < 3000; j++) {
        unsigned index = (unsigned)(rng_next(&r) % HLL_REGISTERS);
        unsigned count = 1 + (unsigned)(rng_next(&r) % 32);
        ck_assert_int_eq(hll_put(&sparse, index, count), hll_put(&dense, index, count));
    }
    ck_assert_uint_eq(hll_encoding_of(sparse.p), HLL_SPARSE);
    ck_assert_int_eq(hll_to_dense(sparse.p, sparse.len, converted), HLL_OK);
    ck_assert_mem_eq(converted + 16, dense.p + 16, HLL_DENSE_SIZE - 16);
    uint8_t max[HLL_REGISTERS] = {0}, max2[HLL_REGISTERS] = {0};
    ck_assert_int_eq(hll_merge(max, sparse.p, sparse.len), HLL_OK);
    ck_assert_int_eq(hll_merge(max2, dense.p, dense.len), HLL_OK);
    ck_assert_mem_eq(max, max2, HLL_REGISTERS);
    hll_free(&sparse);
    hll_free(&dense);
    free(converted);
}
END_TEST

/* ---- corrupt strings ---------------------------------------------------------------- */

static const uint8_t sparse_hdr[16] = "HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80";

/* Run every reader over the bytes (in a buffer of exactly their size),
 * and an update at `index`; returns hll_count's result. */
static int read_everything(const uint8_t *bytes, size_t len, unsigned index)
{
    struct hll h;
    uint8_t max[HLL_REGISTERS] = {0};
    uint8_t *dense = malloc(HLL_DENSE_SIZE);
    uint64_t card;
    hll_from(&h, bytes, len);
    int rc = hll_count(h.p, h.len, &card);
    hll_merge(max, h.p, h.len);
    hll_to_dense(h.p, h.len, dense);
    hll_register(h.p, h.len, index);
    size_t n = hll_decode(h.p, h.len, NULL, 0);
    char *text = malloc(n + 1);
    ck_assert_uint_eq(hll_decode(h.p, h.len, text, n), n);
    ck_assert_uint_le(n, 8 * (len - 16));
    hll_put(&h, index, 1 + index % 32);
    free(text);
    free(dense);
    hll_free(&h);
    return rc;
}

/* Redis 7.0.15's answers: a VAL past the last register, too few or too
 * many registers are corrupt; a cut XZERO reads a zero byte after it. */
START_TEST(corrupt_sparse_strings_are_detected)
{
    static const struct {
        const char *ops;
        size_t len;
        int rc;
    } cases[] = {
        {"\x7f\xff", 2, HLL_OK},          {"\x7f\xff\x80", 3, HLL_ECORRUPT},
        {"\x7f\xff\x00", 3, HLL_ECORRUPT}, {"\x7f\xfe", 2, HLL_ECORRUPT},
        {"\x7f\xfe\x81", 3, HLL_ECORRUPT}, {"\x7f", 1, HLL_ECORRUPT},
        {"\x40\xfe\x7f", 3, HLL_OK}, /* 255 + (0x3f00 + 1): the cut XZERO fits */
        {"", 0, HLL_ECORRUPT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[32];
        memcpy(buf, sparse_hdr, 16);
        memcpy(buf + 16, cases[i].ops, cases[i].len);
        for (unsigned index = 0; index < HLL_REGISTERS; index += 4093)
            ck_assert_int_eq(read_everything(buf, 16 + cases[i].len, index), cases[i].rc);
    }
}
END_TEST

/* Redis's regression test for CVE-2025-32023: over 2^17 full XZEROs
 * (more than 2^31 registers) then a VAL must not wrap a counter. */
START_TEST(huge_zero_runs_do_not_overflow)
{
    size_t n = 131072 + 1000, len = 16 + 2 * n + 1;
    uint8_t *p = malloc(len);
    memcpy(p, sparse_hdr, 16);
    for (size_t i = 0; i < n; i++)
        memcpy(p + 16 + 2 * i, "\x7f\xff", 2);
    p[len - 1] = 0xff;
    ck_assert_int_eq(read_everything(p, len, 3), HLL_ECORRUPT);
    free(p);
}
END_TEST

/* Valid sparse strings with random bytes changed, cut or extended:
 * never a read or write out of bounds (ASan), whatever the answer. */
START_TEST(mutated_sparse_strings_stay_in_bounds)
{
    uint64_t r = 11;
    for (int round = 0; round < 300; round++) {
        struct hll h;
        hll_new(&h, HLL_SPARSE_MAX_BYTES_DEFAULT);
        unsigned n = (unsigned)(rng_next(&r) % 400);
        for (unsigned j = 0; j < n; j++) {
            uint64_t ele = rng_next(&r);
            hll_add(&h, &ele, sizeof(ele));
        }
        if (hll_encoding_of(h.p) == HLL_SPARSE) {
            size_t len = h.len;
            uint8_t *copy = malloc(len + 4);
            memcpy(copy, h.p, len);
            for (int k = 0; k < 3; k++)
                copy[16 + rng_next(&r) % (len - 16)] = (uint8_t)rng_next(&r);
            if (rng_next(&r) & 1)
                len = 16 + rng_next(&r) % (len - 15);
            else
                len += rng_next(&r) % 4;
            read_everything(copy, len, (unsigned)(rng_next(&r) % HLL_REGISTERS));
            free(copy);
        }
        hll_free(&h);
    }
}
END_TEST

/* ---- PFSELFTEST ---------------------------------------------------------------------- */

START_TEST(selftest_passes)
{
    uint64_t r = 5;
    char err[128] = "";
    ck_assert_int_eq(hll_selftest(rng_cb, &r, HLL_SPARSE_MAX_BYTES_DEFAULT, err, sizeof(err)),
                     HLL_OK);
    ck_assert_str_eq(err, "");
}
END_TEST

static Suite *hyperloglog_suite(void)
{
    Suite *s = suite_create("hyperloglog");
    TCase *tc = tcase_create("registers");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, elements_pick_redis_s_registers);
    tcase_add_test(tc, counts_end_at_fifty_one);
    tcase_add_test(tc, dense_registers_are_independent);
    tcase_add_test(tc, validity_follows_redis);
    tcase_add_test(tc, cache_is_little_endian_with_a_stale_bit);
    suite_add_tcase(s, tc);

    tc = tcase_create("sparse");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, empty_hll_is_redis_s);
    tcase_add_test(tc, sparse_bytes_match_redis);
    tcase_add_test(tc, counts_match_redis);
    tcase_add_test(tc, values_above_32_promote);
    tcase_add_test(tc, growth_past_max_bytes_promotes);
    tcase_add_test(tc, growth_asks_for_room_first);
    tcase_add_loop_test(tc, sparse_and_dense_agree_with_a_model, 0, 3);
    tcase_add_test(tc, sparse_converts_to_the_same_dense_registers);
    suite_add_tcase(s, tc);

    tc = tcase_create("corrupt");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, corrupt_sparse_strings_are_detected);
    tcase_add_test(tc, huge_zero_runs_do_not_overflow);
    tcase_add_test(tc, mutated_sparse_strings_stay_in_bounds);
    suite_add_tcase(s, tc);

    tc = tcase_create("selftest");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, selftest_passes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hyperloglog_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
