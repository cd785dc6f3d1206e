/*
 * check_bitmap.c - bit counting, search, BITOP and fields (core/bitmap.c).
 *
 * The word-at-a-time paths are checked against a bit-at-a-time model on
 * random strings, ranges and alignments; overflow against the cases
 * redis-server 7.0.15 answered for BITFIELD.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"

/* ---- the model ------------------------------------------------------------------ */

static unsigned model_bit(const unsigned char *p, uint64_t i)
{
    return (p[i / 8] >> (7 - i % 8)) & 1;
}

static uint64_t model_count(const unsigned char *p, uint64_t first, uint64_t last)
{
    uint64_t n = 0;
    for (uint64_t i = first; i <= last; i++)
        n += model_bit(p, i);
    return n;
}

static int64_t model_find(const unsigned char *p, uint64_t first, uint64_t last, unsigned bit)
{
    for (uint64_t i = first; i <= last; i++)
        if (model_bit(p, i) == bit)
            return (int64_t)i;
    return -1;
}

/* splitmix64: reproducible test data. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Random bytes, sometimes runs of 0x00 or 0xff so whole words get skipped. */
static void fill(uint64_t *r, unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t x = rng_next(r);
        p[i] = (x & 0x300) == 0x100 ? 0 : (x & 0x300) == 0x200 ? 0xff : (unsigned char)x;
    }
    if (n > 40 && (rng_next(r) & 1))
        memset(p + 3, rng_next(r) & 1 ? 0xff : 0, n - 40);
}

/* ---- counting and searching -------------------------------------------------------- */

/* A random string in buf and a random range inside it. */
static void random_case(uint64_t *r, unsigned char *buf, size_t cap, uint64_t *first,
                        uint64_t *last)
{
    size_t n = 1 + rng_next(r) % cap;
    fill(r, buf, n);
    uint64_t a = rng_next(r) % (n * 8), b = rng_next(r) % (n * 8);
    *first = a < b ? a : b;
    *last = a < b ? b : a;
}

START_TEST(count_matches_the_model_on_any_range)
{
    uint64_t r = 1, first, last;
    unsigned char buf[300];
    for (int round = 0; round < 3000; round++) {
        random_case(&r, buf, sizeof(buf), &first, &last);
        ck_assert_uint_eq(bitmap_count(buf, first, last), model_count(buf, first, last));
    }
}
END_TEST

START_TEST(find_matches_the_model_for_zeros_and_ones)
{
    uint64_t r = 2, first, last;
    unsigned char buf[300];
    for (int round = 0; round < 3000; round++) {
        random_case(&r, buf, sizeof(buf), &first, &last);
        for (unsigned bit = 0; bit <= 1; bit++)
            ck_assert_int_eq(bitmap_find(buf, first, last, bit),
                             model_find(buf, first, last, bit));
    }
}
END_TEST

START_TEST(find_inside_one_byte_keeps_to_the_range)
{
    const unsigned char b[] = {0x81};
    ck_assert_int_eq(bitmap_find(b, 1, 6, true), -1);
    ck_assert_int_eq(bitmap_find(b, 0, 7, true), 0);
    ck_assert_int_eq(bitmap_find(b, 1, 7, true), 7);
    ck_assert_int_eq(bitmap_find(b, 0, 0, false), -1);
    ck_assert_int_eq(bitmap_count(b, 1, 6), 0);
    ck_assert_int_eq(bitmap_count(b, 0, 7), 2);
}
END_TEST

/* ---- BITOP ------------------------------------------------------------------------- */

START_TEST(op_pads_shorter_sources_with_zeros)
{
    uint64_t r = 3;
    unsigned char a[70], b[45], c[3], dst[70];
    const unsigned char *src[] = {a, b, c};
    const size_t len[] = {sizeof(a), sizeof(b), sizeof(c)};
    fill(&r, a, sizeof(a));
    fill(&r, b, sizeof(b));
    fill(&r, c, sizeof(c));
    for (enum bitmap_op op = BITMAP_AND; op <= BITMAP_XOR; op++) {
        bitmap_op(op, src, len, 3, dst, sizeof(dst));
        for (size_t i = 0; i < sizeof(dst); i++) {
            unsigned x = a[i], y = i < sizeof(b) ? b[i] : 0, z = i < sizeof(c) ? c[i] : 0;
            unsigned want = op == BITMAP_AND ? x & y & z : op == BITMAP_OR ? x | y | z : x ^ y ^ z;
            ck_assert_uint_eq(dst[i], want);
        }
    }
    bitmap_op(BITMAP_NOT, src, len, 1, dst, sizeof(a));
    for (size_t i = 0; i < sizeof(a); i++)
        ck_assert_uint_eq(dst[i], (unsigned char)~a[i]);
}
END_TEST

START_TEST(op_with_a_short_first_source_reads_zeros_past_it)
{
    const unsigned char a[] = {0xff}, b[] = {0x0f, 0xf0, 0x33};
    const unsigned char *src[] = {a, b};
    const size_t len[] = {1, 3};
    unsigned char dst[3];
    bitmap_op(BITMAP_OR, src, len, 2, dst, 3);
    ck_assert_mem_eq(dst, "\xff\xf0\x33", 3);
    bitmap_op(BITMAP_AND, src, len, 2, dst, 3);
    ck_assert_mem_eq(dst, "\x0f\x00\x00", 3);
}
END_TEST

/* ---- fields ------------------------------------------------------------------------ */

START_TEST(fields_round_trip_at_every_offset_and_width)
{
    unsigned char buf[12];
    for (unsigned bits = 1; bits <= 64; bits++) {
        for (uint64_t off = 0; off + bits <= 8 * sizeof(buf); off += 5) {
            uint64_t v = UINT64_C(0x9e3779b97f4a7c15) >> (64 - bits);
            memset(buf, 0xa5, sizeof(buf));
            bitmap_set(buf, off, bits, v);
            ck_assert_uint_eq(bitmap_get(buf, sizeof(buf), off, bits), v);
            /* the bits around the field are untouched */
            if (off > 0)
                ck_assert_uint_eq(model_bit(buf, off - 1), model_bit((unsigned char[]){0xa5},
                                                                     (off - 1) % 8));
        }
    }
}
END_TEST

START_TEST(fields_read_zeros_past_the_end_and_sign_extend)
{
    const unsigned char b[] = {0xf0};
    ck_assert_uint_eq(bitmap_get(b, 1, 4, 8), 0);
    ck_assert_uint_eq(bitmap_get(b, 1, 0, 12), 0xf00);
    ck_assert_int_eq(bitmap_get_signed(b, 1, 0, 4), -1);
    ck_assert_int_eq(bitmap_get_signed(b, 1, 0, 5), -2);
    ck_assert_int_eq(bitmap_get_signed(b, 1, 1, 4), -2);
    ck_assert_int_eq(bitmap_get_signed(b, 1, 2, 4), -4);
    ck_assert_int_eq(bitmap_get_signed(b, 1, 4, 4), 0);
    ck_assert_int_eq(bitmap_get_signed(b, 0, 0, 64), 0);
}
END_TEST

/* ---- overflow ---------------------------------------------------------------------- */

START_TEST(unsigned_overflow_wraps_saturates_or_reports)
{
    uint64_t out = 42;
    ck_assert_int_eq(bitmap_add_unsigned(200, 50, 8, BITMAP_WRAP, &out), 0);
    ck_assert_uint_eq(out, 250);
    ck_assert_int_eq(bitmap_add_unsigned(200, 100, 8, BITMAP_WRAP, &out), 1);
    ck_assert_uint_eq(out, 44);
    ck_assert_int_eq(bitmap_add_unsigned(200, 100, 8, BITMAP_SAT, &out), 1);
    ck_assert_uint_eq(out, 255);
    ck_assert_int_eq(bitmap_add_unsigned(5, -6, 8, BITMAP_SAT, &out), -1);
    ck_assert_uint_eq(out, 0);
    ck_assert_int_eq(bitmap_add_unsigned(5, -6, 8, BITMAP_WRAP, &out), -1);
    ck_assert_uint_eq(out, 255);
    out = 7;
    ck_assert_int_eq(bitmap_add_unsigned(5, -6, 8, BITMAP_FAIL, &out), -1);
    ck_assert_uint_eq(out, 7);
    /* SET u8 -1: the value read as unsigned is past the field, upwards. */
    ck_assert_int_eq(bitmap_add_unsigned(UINT64_MAX, 0, 8, BITMAP_SAT, &out), 1);
    ck_assert_uint_eq(out, 255);
    ck_assert_int_eq(bitmap_add_unsigned(1, INT64_MAX, 63, BITMAP_WRAP, &out), 1);
    ck_assert_uint_eq(out, 0);
}
END_TEST

START_TEST(signed_overflow_wraps_saturates_or_reports)
{
    int64_t out = 0;
    ck_assert_int_eq(bitmap_add_signed(100, 100, 8, BITMAP_WRAP, &out), 1);
    ck_assert_int_eq(out, -56);
    ck_assert_int_eq(bitmap_add_signed(-128, -300, 8, BITMAP_SAT, &out), -1);
    ck_assert_int_eq(out, -128);
    ck_assert_int_eq(bitmap_add_signed(200, 0, 8, BITMAP_WRAP, &out), 1);
    ck_assert_int_eq(out, -56);
    ck_assert_int_eq(bitmap_add_signed(INT64_MAX, 1, 64, BITMAP_WRAP, &out), 1);
    ck_assert_int_eq(out, INT64_MIN);
    ck_assert_int_eq(bitmap_add_signed(INT64_MIN, -1, 64, BITMAP_SAT, &out), -1);
    ck_assert_int_eq(out, INT64_MIN);
    ck_assert_int_eq(bitmap_add_signed(-1, -1, 1, BITMAP_SAT, &out), -1);
    ck_assert_int_eq(out, -1);
    ck_assert_int_eq(bitmap_add_signed(-1, 1, 1, BITMAP_SAT, &out), 0);
    ck_assert_int_eq(out, 0);
}
END_TEST

START_TEST(a_set_near_int64_min_saturates_upwards_as_redis)
{
    int64_t out = 0;
    ck_assert_int_eq(bitmap_add_signed(INT64_MIN, 0, 8, BITMAP_SAT, &out), 1);
    ck_assert_int_eq(out, 127);
    ck_assert_int_eq(bitmap_add_signed(INT64_MIN + 108, 0, 8, BITMAP_SAT, &out), 1);
    ck_assert_int_eq(out, 127);
    ck_assert_int_eq(bitmap_add_signed(INT64_MIN + 208, 0, 8, BITMAP_SAT, &out), -1);
    ck_assert_int_eq(out, -128);
    ck_assert_int_eq(bitmap_add_signed(INT64_MIN, 0, 8, BITMAP_WRAP, &out), 1);
    ck_assert_int_eq(out, 0);
}
END_TEST

static Suite *bitmap_suite(void)
{
    Suite *s = suite_create("bitmap");
    TCase *scan = tcase_create("count_find");
    TCase *op = tcase_create("op");
    TCase *fields = tcase_create("fields");
    TCase *overflow = tcase_create("overflow");

    tcase_add_test(scan, count_matches_the_model_on_any_range);
    tcase_add_test(scan, find_matches_the_model_for_zeros_and_ones);
    tcase_add_test(scan, find_inside_one_byte_keeps_to_the_range);
    tcase_add_test(op, op_pads_shorter_sources_with_zeros);
    tcase_add_test(op, op_with_a_short_first_source_reads_zeros_past_it);
    tcase_add_test(fields, fields_round_trip_at_every_offset_and_width);
    tcase_add_test(fields, fields_read_zeros_past_the_end_and_sign_extend);
    tcase_add_test(overflow, unsigned_overflow_wraps_saturates_or_reports);
    tcase_add_test(overflow, signed_overflow_wraps_saturates_or_reports);
    tcase_add_test(overflow, a_set_near_int64_min_saturates_upwards_as_redis);
    suite_add_tcase(s, scan);
    suite_add_tcase(s, op);
    suite_add_tcase(s, fields);
    suite_add_tcase(s, overflow);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bitmap_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
