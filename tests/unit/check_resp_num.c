/*
 * check_resp_num.c - number parsing and printing, Redis's edge cases.
 *
 * Expected texts for doubles and INCRBYFLOAT results were taken from a
 * real redis-server 7.0 (ZSCORE, INCRBYFLOAT).
 */
#include "resp.h"

#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LIT(s) (s), (sizeof(s) - 1)

static bool ll(const char *s, long long *v)
{
    return resp_str_to_ll(s, strlen(s), v);
}

static bool dbl(const char *s, double *v)
{
    return resp_str_to_double(s, strlen(s), v);
}

static bool ldbl(const char *s, long double *v)
{
    return resp_str_to_long_double(s, strlen(s), v);
}

/* ---- a seeded random sample -------------------------------------------- */

/* The printing tests compare with printf on edge cases and on a random
 * sample. The seed is printed once; GROVE_TEST_SEED=<n> repeats a run. */
#define SAMPLE 5000

static unsigned long long seed;

static void choose_seed(void)
{
    const char *env = getenv("GROVE_TEST_SEED");
    seed = env ? strtoull(env, NULL, 10)
               : (unsigned long long)time(NULL) ^ (unsigned long long)getpid();
    if (seed == 0)
        seed = 1; /* xorshift's one fixed point */
    printf("check_resp_num: seed %llu (GROVE_TEST_SEED=%llu repeats it)\n", seed, seed);
}

static unsigned long long xorshift64(unsigned long long *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* ---- integers in -------------------------------------------------------- */

START_TEST(ll_reads_plain_integers)
{
    long long v;

    ck_assert(ll("0", &v) && v == 0);
    ck_assert(ll("1", &v) && v == 1);
    ck_assert(ll("-1", &v) && v == -1);
    ck_assert(ll("1234567890", &v) && v == 1234567890LL);
}
END_TEST

START_TEST(ll_reads_llong_min_and_max)
{
    long long v;

    ck_assert(ll("9223372036854775807", &v) && v == LLONG_MAX);
    ck_assert(ll("-9223372036854775808", &v) && v == LLONG_MIN);
}
END_TEST

START_TEST(ll_rejects_overflow)
{
    long long v;

    ck_assert(!ll("9223372036854775808", &v));
    ck_assert(!ll("-9223372036854775809", &v));
    ck_assert(!ll("18446744073709551615", &v));
    ck_assert(!ll("18446744073709551616", &v));
    ck_assert(!ll("99999999999999999999", &v));
    ck_assert(!ll("-99999999999999999999", &v));
    ck_assert(!ll("100000000000000000000", &v)); /* 21 chars */
}
END_TEST

START_TEST(ll_rejects_leading_zeros_and_minus_zero)
{
    long long v;

    ck_assert(!ll("007", &v));
    ck_assert(!ll("00", &v));
    ck_assert(!ll("-0", &v));
    ck_assert(!ll("-01", &v));
}
END_TEST

START_TEST(ll_rejects_signs_spaces_and_junk)
{
    long long v;

    ck_assert(!ll("", &v));
    ck_assert(!ll("-", &v));
    ck_assert(!ll("+1", &v));
    ck_assert(!ll(" 1", &v));
    ck_assert(!ll("1 ", &v));
    ck_assert(!ll("1a", &v));
    ck_assert(!ll("0x10", &v));
    ck_assert(!ll("1.0", &v));
    ck_assert(!resp_str_to_ll(LIT("1\0"), &v));
}
END_TEST

START_TEST(ll_reads_only_len_bytes)
{
    long long v;

    ck_assert(resp_str_to_ll("12345", 2, &v) && v == 12);
    ck_assert(resp_str_to_ll("7", 1, NULL));
}
END_TEST

/* ---- integers out ------------------------------------------------------- */

static void assert_ll_text(long long v, const char *text)
{
    char buf[32];
    size_t n = resp_ll_to_str(buf, v);

    ck_assert_uint_eq(n, strlen(text));
    ck_assert_mem_eq(buf, text, n);
}

START_TEST(ll_prints_edges)
{
    assert_ll_text(0, "0");
    assert_ll_text(9, "9");
    assert_ll_text(10, "10");
    assert_ll_text(-1, "-1");
    assert_ll_text(-10, "-10");
    assert_ll_text(LLONG_MAX, "9223372036854775807");
    assert_ll_text(LLONG_MIN, "-9223372036854775808");
}
END_TEST

/* One assertion per comparison would dominate the run time: Check reports
 * every passing assertion to the runner. */
static void expect_ll_like_printf(long long v)
{
    char want[32], got[32];
    size_t n = resp_ll_to_str(got, v);
    snprintf(want, sizeof(want), "%lld", v);
    if (n != strlen(want) || memcmp(got, want, n) != 0)
        ck_abort_msg("%lld printed as %.*s (seed %llu)", v, (int)n, got, seed);
}

START_TEST(ll_prints_as_printf_does)
{
    /* Every digit count's first and last value, both signs, and the ends. */
    long long p = 1;
    for (int digits = 1; digits <= 18; digits++, p *= 10) {
        const long long edges[] = {p - 1, p, p + 1, 10 * p - 1};
        for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
            expect_ll_like_printf(edges[i]);
            expect_ll_like_printf(-edges[i]);
        }
    }
    for (int bit = 0; bit < 63; bit++) {
        expect_ll_like_printf(1LL << bit);
        expect_ll_like_printf(-(1LL << bit));
    }
    expect_ll_like_printf(LLONG_MAX);
    expect_ll_like_printf(LLONG_MIN);
    expect_ll_like_printf(LLONG_MIN + 1);
    /* A sample of every magnitude: shifting spreads the digit counts. */
    unsigned long long x = seed;
    for (int i = 0; i < SAMPLE; i++) {
        long long v = (long long)(xorshift64(&x) >> (i % 64));
        expect_ll_like_printf(i & 1 ? -v : v);
    }
}
END_TEST

START_TEST(ll_round_trips)
{
    long long samples[] = { 0, 1, -1, 99, 100, -100, 1000000007, LLONG_MAX, LLONG_MIN };

    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        char buf[32];
        long long v;
        size_t n = resp_ll_to_str(buf, samples[i]);
        ck_assert(resp_str_to_ll(buf, n, &v));
        ck_assert(v == samples[i]);
    }
}
END_TEST

/* ---- floats in ---------------------------------------------------------- */

START_TEST(double_reads_what_strtod_reads)
{
    double v;

    ck_assert(dbl("1e3", &v) && v == 1000);
    ck_assert(dbl(".5", &v) && v == 0.5);
    ck_assert(dbl("5.", &v) && v == 5);
    ck_assert(dbl("+1", &v) && v == 1);
    ck_assert(dbl("-1.5", &v) && v == -1.5);
    ck_assert(dbl("0x10", &v) && v == 16);
    ck_assert(dbl("-0", &v) && v == 0 && signbit(v));
}
END_TEST

START_TEST(double_accepts_infinity)
{
    double v;

    ck_assert(dbl("inf", &v) && isinf(v) && v > 0);
    ck_assert(dbl("-inf", &v) && isinf(v) && v < 0);
    ck_assert(dbl("+inf", &v) && isinf(v) && v > 0);
    ck_assert(dbl("Infinity", &v) && isinf(v));
}
END_TEST

START_TEST(double_rejects_nan)
{
    double v;

    ck_assert(!dbl("nan", &v));
    ck_assert(!dbl("NaN", &v));
    ck_assert(!dbl("-nan", &v));
    ck_assert(!dbl("nan(1)", &v));
}
END_TEST

START_TEST(double_rejects_spaces_junk_and_empty)
{
    double v;

    ck_assert(!dbl("", &v));
    ck_assert(!dbl(" 1", &v));
    ck_assert(!dbl("\t1", &v));
    ck_assert(!dbl("1 ", &v));
    ck_assert(!dbl("1x", &v));
    ck_assert(!dbl("-", &v));
    ck_assert(!dbl(".", &v));
    ck_assert(!dbl("e5", &v));
    ck_assert(!resp_str_to_double(LIT("1\0"), &v));
}
END_TEST

START_TEST(double_rejects_overflow_and_underflow_to_zero)
{
    double v;

    ck_assert(!dbl("1e400", &v));
    ck_assert(!dbl("-1e400", &v));
    ck_assert(!dbl("1e-400", &v));
    /* A denormal sets ERANGE too but is not zero: accepted, as in Redis. */
    ck_assert(dbl("4.9e-324", &v) && v > 0);
}
END_TEST

START_TEST(double_reads_only_len_bytes)
{
    double v;

    ck_assert(resp_str_to_double("1.5xyz", 3, &v) && v == 1.5);
}
END_TEST

START_TEST(float_text_longer_than_5k_is_rejected)
{
    char *s = malloc(RESP_NUM_MAX_FLOAT_CHARS + 1);
    double v;
    long double lv;

    /* "0.5000...0": the same value at any length. */
    memset(s, '0', RESP_NUM_MAX_FLOAT_CHARS);
    s[1] = '.';
    s[2] = '5';
    ck_assert(resp_str_to_double(s, RESP_NUM_MAX_FLOAT_CHARS - 1, &v) && v == 0.5);
    ck_assert(resp_str_to_long_double(s, RESP_NUM_MAX_FLOAT_CHARS - 1, &lv));
    ck_assert(!resp_str_to_double(s, RESP_NUM_MAX_FLOAT_CHARS, &v));
    ck_assert(!resp_str_to_long_double(s, RESP_NUM_MAX_FLOAT_CHARS, &lv));
    free(s);
}
END_TEST

START_TEST(long_double_follows_the_same_rules)
{
    long double v;

    ck_assert(ldbl("1e3", &v) && v == 1000);
    ck_assert(ldbl(".5", &v) && v == 0.5L);
    ck_assert(ldbl("0x10", &v) && v == 16);
    ck_assert(ldbl("inf", &v) && isinf(v));
    ck_assert(ldbl("1e4000", &v)); /* beyond double, within long double */
    ck_assert(!ldbl("1e5000", &v));
    ck_assert(!ldbl("1e-5000", &v));
    ck_assert(!ldbl("nan", &v));
    ck_assert(!ldbl(" 1", &v));
    ck_assert(!ldbl("1 ", &v));
    ck_assert(!ldbl("", &v));
}
END_TEST

/* ---- floats out --------------------------------------------------------- */

static void assert_double_text(double v, const char *text)
{
    char buf[64];
    size_t n = resp_double_to_str(buf, sizeof(buf), v);

    ck_assert_uint_eq(n, strlen(text));
    ck_assert_str_eq(buf, text);
}

START_TEST(double_prints_as_redis_zscore)
{
    /* All from ZSCORE on Redis 7.0.15. */
    assert_double_text(1.1, "1.1000000000000001");
    assert_double_text(1, "1");
    assert_double_text(0.1, "0.10000000000000001");
    assert_double_text(1e20, "1e+20");
    assert_double_text(1e-7, "9.9999999999999995e-08");
    assert_double_text(123456789012345678.0, "1.2345678901234568e+17");
    assert_double_text(1e300, "1.0000000000000001e+300");
    assert_double_text(-0.0, "-0");
    assert_double_text(INFINITY, "inf");
    assert_double_text(-INFINITY, "-inf");
}
END_TEST

static void expect_double_like_printf(double v)
{
    char want[64], got[64];
    size_t n = resp_double_to_str(got, sizeof(got), v);
    snprintf(want, sizeof(want), "%.17g", v);
    if (n != strlen(want) || strcmp(got, want) != 0)
        ck_abort_msg("%.17g printed as %s (seed %llu)", v, got, seed);
}

START_TEST(whole_doubles_print_as_printf_does)
{
    double samples[] = { 0, -1, 2, 10, 999999999999999.0, -999999999999999.0, 1e15,
                         1e16, 4503599627370496.0, 9007199254740993.0, 0.5, -2.5 };
    unsigned long long x = seed;

    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
        expect_double_like_printf(samples[i]);
    /* Whole numbers around each power of ten up to 2^53, the largest run of
     * exactly representable integers, and halves of them. */
    for (double p = 1; p <= 1e16; p *= 10) {
        const double edges[] = {p - 1, p, p + 1, p / 8, (p + 1) / 2};
        for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
            expect_double_like_printf(edges[i]);
            expect_double_like_printf(-edges[i]);
        }
    }
    for (int i = 0; i < SAMPLE; i++) {
        double v = (double)(long long)(xorshift64(&x) % 2000000000000000ULL) - 1e15;
        if (i % 3 == 0)
            v /= 8; /* some with a fraction */
        expect_double_like_printf(v);
    }
}
END_TEST

START_TEST(double_print_needs_room)
{
    char buf[4];

    ck_assert_uint_eq(resp_double_to_str(buf, sizeof(buf), 1.5), 3);
    ck_assert_uint_eq(resp_double_to_str(buf, sizeof(buf), 1.25), 0);
    ck_assert_str_eq(buf, "");
    ck_assert_uint_eq(resp_double_to_str(buf, sizeof(buf), 1234), 0);
}
END_TEST

static void assert_ld_text(long double v, const char *text)
{
    char buf[RESP_NUM_MAX_FLOAT_CHARS];
    size_t n = resp_long_double_to_str(buf, sizeof(buf), v);

    ck_assert_uint_eq(n, strlen(text));
    ck_assert_str_eq(buf, text);
}

static long double sum(const char *a, const char *b)
{
    long double x, y;

    ck_assert(ldbl(a, &x) && ldbl(b, &y));
    return x + y;
}

START_TEST(long_double_prints_as_incrbyfloat)
{
    /* All from INCRBYFLOAT on Redis 7.0.15. */
    assert_ld_text(sum("1.5", "1.5"), "3");
    assert_ld_text(sum("3", "-3"), "0");
    assert_ld_text(sum("0", "0.1"), "0.1");
    assert_ld_text(sum("0.1", "0.2"), "0.3");
    assert_ld_text(sum("5", "5.0e3"), "5005");
    assert_ld_text(sum("5022", ".5"), "5022.5");
    assert_ld_text(sum("3", "1e-20"), "3");
    assert_ld_text(sum("3", "-1.5"), "1.5");
    assert_ld_text(sum("1e300", "0.1"),
                   "1000000000000000000008997324079559193870523944273290747938260082"
                   "3212656465961809357558491520837504971903503725086142748359035925"
                   "5618467298391309626052074864628732713564184365329408425510760601"
                   "6789726652932370030551382947620994540294772781889620606179267611"
                   "627097410650567187386105690089424915104006144");
}
END_TEST

START_TEST(long_double_minus_zero_prints_as_zero)
{
    assert_ld_text(-0.0L, "0");
    assert_ld_text(-1e-30L, "0"); /* rounds to -0.000...0, trimmed to "-0" */
}
END_TEST

START_TEST(long_double_prints_infinity_by_name)
{
    assert_ld_text(INFINITY, "inf");
    assert_ld_text(-INFINITY, "-inf");
}
END_TEST

START_TEST(long_double_print_needs_room_before_trimming)
{
    /* Like ld2string: the untrimmed "1.50000000000000000" must fit. */
    char buf[20];

    ck_assert_uint_eq(resp_long_double_to_str(buf, sizeof(buf), 1.5L), 3);
    ck_assert_str_eq(buf, "1.5");
    ck_assert_uint_eq(resp_long_double_to_str(buf, sizeof(buf), 12.5L), 0);
    ck_assert_str_eq(buf, "");
}
END_TEST

/* The percentile labels of INFO latencystats and CONFIG GET
 * latency-tracking-info-percentiles on Redis 7.0.15. */
START_TEST(fixed_prints_percentiles_as_redis)
{
    static const struct { double v; const char *text; } cases[] = {
        {50, "50"}, {99.9, "99.9"}, {50.5, "50.5"}, {0.0000001, "0"}, {1.23456789, "1.234568"},
        {99.999999999, "100"}, {-0.0, "-0"}, {100, "100"},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_uint_eq(resp_double_to_fixed_str(buf, sizeof(buf), cases[i].v),
                          strlen(cases[i].text));
        ck_assert_str_eq(buf, cases[i].text);
    }
    ck_assert_uint_eq(resp_double_to_fixed_str(buf, 8, 100), 0); /* "100.000000" does not fit */
    ck_assert_str_eq(buf, "");
}
END_TEST

/* ---- suite -------------------------------------------------------------- */

static Suite *resp_num_suite(void)
{
    Suite *s = suite_create("resp_num");
    TCase *tc;

    tc = tcase_create("integers");
    tcase_add_test(tc, ll_reads_plain_integers);
    tcase_add_test(tc, ll_reads_llong_min_and_max);
    tcase_add_test(tc, ll_rejects_overflow);
    tcase_add_test(tc, ll_rejects_leading_zeros_and_minus_zero);
    tcase_add_test(tc, ll_rejects_signs_spaces_and_junk);
    tcase_add_test(tc, ll_reads_only_len_bytes);
    tcase_add_test(tc, ll_prints_edges);
    tcase_add_test(tc, ll_prints_as_printf_does);
    tcase_add_test(tc, ll_round_trips);
    suite_add_tcase(s, tc);

    tc = tcase_create("floats_in");
    tcase_add_test(tc, double_reads_what_strtod_reads);
    tcase_add_test(tc, double_accepts_infinity);
    tcase_add_test(tc, double_rejects_nan);
    tcase_add_test(tc, double_rejects_spaces_junk_and_empty);
    tcase_add_test(tc, double_rejects_overflow_and_underflow_to_zero);
    tcase_add_test(tc, double_reads_only_len_bytes);
    tcase_add_test(tc, float_text_longer_than_5k_is_rejected);
    tcase_add_test(tc, long_double_follows_the_same_rules);
    suite_add_tcase(s, tc);

    tc = tcase_create("floats_out");
    tcase_add_test(tc, double_prints_as_redis_zscore);
    tcase_add_test(tc, whole_doubles_print_as_printf_does);
    tcase_add_test(tc, double_print_needs_room);
    tcase_add_test(tc, long_double_prints_as_incrbyfloat);
    tcase_add_test(tc, long_double_minus_zero_prints_as_zero);
    tcase_add_test(tc, long_double_prints_infinity_by_name);
    tcase_add_test(tc, fixed_prints_percentiles_as_redis);
    tcase_add_test(tc, long_double_print_needs_room_before_trimming);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(resp_num_suite());
    int failed;

    choose_seed();
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
