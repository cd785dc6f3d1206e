/*
 * check_latency_hist.c - the latency histogram (core/latency_hist.c).
 *
 * The histogram is checked against a model that follows HdrHistogram's
 * own arithmetic step by step (generic bucket configuration, dense
 * counts, hdr_value_at_percentile, and the logarithmic iterator that
 * Redis's fillCommandCDF walks), on random sample sets; and against
 * values redis-server 7.0.15 printed for known latencies.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "latency_hist.h"

/* ---- the model: hdr_init(1, 1e9, 2) ------------------------------------------------ */

struct model {
    int32_t sub_bucket_count, sub_bucket_half_count, sub_half_magnitude, counts_len;
    int64_t sub_bucket_mask;
    int64_t *counts;
    int64_t total;
};

static void model_init(struct model *m)
{
    /* hdr_calculate_bucket_config with lowest 1, highest 1e9, 2 figures */
    int64_t single_unit = 2 * 100;
    int32_t count_magnitude = (int32_t)ceil(log((double)single_unit) / log(2));
    m->sub_half_magnitude = count_magnitude - 1;
    m->sub_bucket_count = 1 << (m->sub_half_magnitude + 1);
    m->sub_bucket_half_count = m->sub_bucket_count / 2;
    m->sub_bucket_mask = m->sub_bucket_count - 1;
    int64_t untrackable = m->sub_bucket_count;
    int32_t buckets = 1;
    while (untrackable <= LATENCY_HIST_MAX_NS) {
        untrackable <<= 1;
        buckets++;
    }
    m->counts_len = (buckets + 1) * m->sub_bucket_half_count;
    m->counts = calloc((size_t)m->counts_len, sizeof(int64_t));
    m->total = 0;
}

static int32_t model_bucket(const struct model *m, int64_t v)
{
    int32_t pow2ceiling = 64 - __builtin_clzll((uint64_t)(v | m->sub_bucket_mask));
    return pow2ceiling - (m->sub_half_magnitude + 1);
}

static int32_t model_index(const struct model *m, int64_t v)
{
    int32_t b = model_bucket(m, v);
    int32_t sub = (int32_t)(v >> b);
    return ((b + 1) << m->sub_half_magnitude) + sub - m->sub_bucket_half_count;
}

static int64_t model_value_at(const struct model *m, int32_t index)
{
    int32_t b = (index >> m->sub_half_magnitude) - 1;
    int32_t sub = (index & (m->sub_bucket_half_count - 1)) + m->sub_bucket_half_count;
    if (b < 0) {
        sub -= m->sub_bucket_half_count;
        b = 0;
    }
    return (int64_t)sub << b;
}

static int64_t model_lowest(const struct model *m, int64_t v)
{
    int32_t b = model_bucket(m, v);
    return (v >> b) << b;
}

static int64_t model_highest(const struct model *m, int64_t v)
{
    int32_t b = model_bucket(m, v);
    int32_t sub = (int32_t)(v >> b);
    int32_t adjusted = sub >= m->sub_bucket_count ? b + 1 : b;
    return model_lowest(m, v) + ((int64_t)1 << adjusted) - 1;
}

static void model_record(struct model *m, int64_t v)
{
    if (v < 1)
        v = 1;
    if (v > LATENCY_HIST_MAX_NS)
        v = LATENCY_HIST_MAX_NS;
    m->counts[model_index(m, v)]++;
    m->total++;
}

/* hdr_value_at_percentile as redis-server 7.0.15 answers it. */
static int64_t model_percentile(const struct model *m, double p)
{
    double wanted = p < 100.0 ? p : 100.0;
    int64_t target = (int64_t)(((wanted / 100) * (double)m->total) + 0.5);
    target = target > 1 ? target : 1;
    int64_t seen = 0;
    for (int32_t i = 0; i < m->counts_len; i++) {
        seen += m->counts[i];
        if (seen >= target) {
            int64_t v = model_value_at(m, i);
            return p == 0.0 ? model_lowest(m, v) : model_highest(m, v);
        }
    }
    return 0;
}

/* hdr_iter_log_init(1024, 2) + log_iter_next, as fillCommandCDF uses them. */
static size_t model_cdf(const struct model *m, struct latency_hist_bucket *out)
{
    int32_t index = -1;
    int64_t cumulative = 0, value = 0, highest = 0, previous = 0;
    int64_t level = 1024, level_lowest = model_lowest(m, 1024);
    size_t n = 0;
    for (;;) {
        bool more = cumulative < m->total ||
                    (index < m->counts_len && model_value_at(m, index + 1) > level_lowest);
        if (!more)
            break;
        for (;;) {
            if (value >= level_lowest) {
                level *= 2;
                level_lowest = model_lowest(m, level);
                break;
            }
            if (index + 1 >= m->counts_len) {
                index++;
                break;
            }
            index++;
            cumulative += m->counts[index];
            value = model_value_at(m, index);
            highest = model_lowest(m, value) + ((int64_t)1 << model_bucket(m, value)) - 1;
        }
        if (cumulative > previous)
            out[n++] = (struct latency_hist_bucket){highest, cumulative};
        previous = cumulative;
        if (index >= m->counts_len)
            break;
    }
    return n;
}

/* splitmix64 */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A latency spread over many powers of two, some beyond 1 s, some 0. */
static int64_t random_latency(uint64_t *r)
{
    uint64_t x = rng_next(r);
    int bits = (int)(x % 33);
    return (int64_t)((rng_next(r) >> 1) & ((UINT64_C(1) << bits) - 1));
}

/* ---- tests --------------------------------------------------------------------------- */

static const double percentiles[] = {0, 0.0001, 1, 12.5, 50, 90, 99, 99.9, 99.99, 100};

START_TEST(percentiles_match_hdr_on_random_samples)
{
    uint64_t r = 42 + (uint64_t)_i;
    struct model m;
    model_init(&m);
    struct latency_hist *h = latency_hist_create();
    int n = 1 + (int)(rng_next(&r) % 2000);
    for (int i = 0; i < n; i++) {
        int64_t v = random_latency(&r);
        model_record(&m, v);
        ck_assert(latency_hist_record(h, v));
    }
    ck_assert_int_eq(latency_hist_count(h), n);
    for (size_t i = 0; i < sizeof(percentiles) / sizeof(percentiles[0]); i++)
        ck_assert_int_eq(latency_hist_percentile(h, percentiles[i]),
                         model_percentile(&m, percentiles[i]));
    latency_hist_destroy(h);
    free(m.counts);
}
END_TEST

START_TEST(cdf_matches_hdr_log_iterator_on_random_samples)
{
    uint64_t r = 7 + (uint64_t)_i;
    struct model m;
    model_init(&m);
    struct latency_hist *h = latency_hist_create();
    int n = 1 + (int)(rng_next(&r) % 500);
    int narrow = _i % 2; /* half the sets stay within a few powers of two */
    for (int i = 0; i < n; i++) {
        int64_t v = narrow ? 3000 + (int64_t)(rng_next(&r) % 20000) : random_latency(&r);
        model_record(&m, v);
        latency_hist_record(h, v);
    }
    struct latency_hist_bucket want[64], got[LATENCY_HIST_CDF_MAX];
    size_t nwant = model_cdf(&m, want);
    size_t ngot = latency_hist_cdf(h, got);
    ck_assert_uint_eq(ngot, nwant);
    for (size_t i = 0; i < ngot; i++) {
        ck_assert_int_eq(got[i].upto_ns, want[i].upto_ns);
        ck_assert_int_eq(got[i].count, want[i].count);
    }
    ck_assert_int_eq(got[ngot - 1].count, n);
    latency_hist_destroy(h);
    free(m.counts);
}
END_TEST

/* What redis-server 7.0.15 printed (INFO latencystats in usec, LATENCY
 * HISTOGRAM) for latencies of whole microseconds, as it measures them. */
START_TEST(known_values_read_as_redis_prints_them)
{
    struct latency_hist *h = latency_hist_create();
    latency_hist_record(h, 1000);
    ck_assert_int_eq(latency_hist_percentile(h, 50), 1003);     /* p50=1.003 */
    latency_hist_clear(h);
    latency_hist_record(h, 0);                                   /* a 0 us command */
    ck_assert_int_eq(latency_hist_percentile(h, 50), 1);         /* p50=0.001 */
    latency_hist_clear(h);
    latency_hist_record(h, 98000);
    ck_assert_int_eq(latency_hist_percentile(h, 0), 97792);      /* p0=97.792 */
    ck_assert_int_eq(latency_hist_percentile(h, 100), 98303);    /* p100=98.303 */
    latency_hist_clear(h);
    latency_hist_record(h, 4000);
    latency_hist_record(h, 5000);
    latency_hist_record(h, 6000);
    ck_assert_int_eq(latency_hist_percentile(h, 50), 5023);      /* p50=5.023 */
    ck_assert_int_eq(latency_hist_percentile(h, 100), 6015);     /* p100=6.015 */
    struct latency_hist_bucket cdf[LATENCY_HIST_CDF_MAX];
    ck_assert_uint_eq(latency_hist_cdf(h, cdf), 2);              /* 4 => 1, 8 => 3 */
    ck_assert_int_eq(cdf[0].upto_ns / 1000, 4);
    ck_assert_int_eq(cdf[0].count, 1);
    ck_assert_int_eq(cdf[1].upto_ns / 1000, 8);
    ck_assert_int_eq(cdf[1].count, 3);
    latency_hist_destroy(h);
}
END_TEST

START_TEST(values_beyond_a_second_count_as_one_second)
{
    struct latency_hist *h = latency_hist_create();
    latency_hist_record(h, 5 * LATENCY_HIST_MAX_NS);
    ck_assert_int_eq(latency_hist_percentile(h, 50), latency_hist_percentile(h, 100));
    ck_assert_int_ge(latency_hist_percentile(h, 50), LATENCY_HIST_MAX_NS);
    struct latency_hist_bucket cdf[LATENCY_HIST_CDF_MAX];
    ck_assert_uint_eq(latency_hist_cdf(h, cdf), 1);
    ck_assert_int_eq(cdf[0].upto_ns / 1000, 1073741); /* hdr's last slot */
    latency_hist_destroy(h);
}
END_TEST

START_TEST(an_empty_histogram_reads_zero)
{
    struct latency_hist *h = latency_hist_create();
    struct latency_hist_bucket cdf[LATENCY_HIST_CDF_MAX];
    ck_assert_int_eq(latency_hist_count(h), 0);
    ck_assert_int_eq(latency_hist_percentile(h, 50), 0);
    ck_assert_uint_eq(latency_hist_cdf(h, cdf), 0);
    latency_hist_destroy(h);
    latency_hist_destroy(NULL);
}
END_TEST

START_TEST(clear_keeps_blocks_and_zeroes_counts)
{
    struct latency_hist *h = latency_hist_create();
    latency_hist_record(h, 2000);
    size_t used = latency_hist_memory(h);
    latency_hist_clear(h);
    ck_assert_int_eq(latency_hist_count(h), 0);
    ck_assert_int_eq(latency_hist_percentile(h, 99), 0);
    ck_assert_uint_eq(latency_hist_memory(h), used);
    latency_hist_record(h, 3000);
    ck_assert_int_eq(latency_hist_percentile(h, 50), 3007);
    latency_hist_destroy(h);
}
END_TEST

START_TEST(add_sums_counts_of_both)
{
    struct latency_hist *a = latency_hist_create(), *b = latency_hist_create();
    struct latency_hist *sum = latency_hist_create();
    for (int i = 0; i < 90; i++)
        latency_hist_record(a, 1000);
    for (int i = 0; i < 10; i++)
        latency_hist_record(b, 500000);
    ck_assert_int_eq(latency_hist_add(sum, a), 0);
    ck_assert_int_eq(latency_hist_add(sum, b), 0);
    ck_assert_int_eq(latency_hist_count(sum), 100);
    ck_assert_int_eq(latency_hist_percentile(sum, 90), 1003);
    ck_assert_int_eq(latency_hist_percentile(sum, 91), 501759);
    latency_hist_destroy(a);
    latency_hist_destroy(b);
    latency_hist_destroy(sum);
}
END_TEST

/* A command whose calls stay within one power of two holds a few
 * blocks, not the 24 KB of a whole hdr histogram. */
START_TEST(memory_grows_only_with_the_ranges_used)
{
    struct latency_hist *h = latency_hist_create();
    size_t empty = latency_hist_memory(h);
    for (int64_t v = 1000; v < 2000; v++)
        latency_hist_record(h, v);
    ck_assert_uint_le(latency_hist_memory(h), empty + 2 * 128 * sizeof(int64_t));
    ck_assert_uint_lt(latency_hist_memory(h), 3 * 1024);
    latency_hist_destroy(h);
}
END_TEST

static Suite *latency_hist_suite(void)
{
    Suite *s = suite_create("latency_hist");
    TCase *model = tcase_create("model");
    TCase *edges = tcase_create("edges");

    tcase_add_loop_test(model, percentiles_match_hdr_on_random_samples, 0, 64);
    tcase_add_loop_test(model, cdf_matches_hdr_log_iterator_on_random_samples, 0, 64);
    tcase_add_test(edges, known_values_read_as_redis_prints_them);
    tcase_add_test(edges, values_beyond_a_second_count_as_one_second);
    tcase_add_test(edges, an_empty_histogram_reads_zero);
    tcase_add_test(edges, clear_keeps_blocks_and_zeroes_counts);
    tcase_add_test(edges, add_sums_counts_of_both);
    tcase_add_test(edges, memory_grows_only_with_the_ranges_used);
    suite_add_tcase(s, model);
    suite_add_tcase(s, edges);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(latency_hist_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
